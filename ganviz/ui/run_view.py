"""One run's view, as the main window shows its run and the compare window each of its runs: the data view, the
quality readout under it (step, modes, robust modes, HQ %, W1) and the inspection of one generated sample.

Inspection: a left click on a generated sample selects it (`selection_changed` carries its fixed-batch index, or
None); the window hands the index to that run's FrameBuilder (`inspect_index`), whose thread computes the sample's
z, G(z), D and ∇ₓ L_G with the weights of the frame it builds (Frame.inspection). So nothing here runs a network,
and no network is shared with the thread that trains or builds frames; `show_frame` draws what came with the frame.
A right click in the plot asks to clear every inspection mark (`clear_requested`)."""

from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ganviz.core.analysis.frames import Frame
from ganviz.core.analysis.latent import nearest_point
from ganviz.core.runs.compare import fmt_metric
from ganviz.ui.panels.data_panel import DataPanel

MODES_TIP = (
    "Modes captured: modes with ≥ 1 high-quality sample (within 3σ of a centre);\n"
    "robust: modes with ≥ 20 such samples, out of the 2,500 fixed-latent samples."
)
HQ_TIP = "HQ: share of the 2,500 fixed-latent samples within 3σ of a centre (a perfect generator: 98.9 %)."
W1_TIP = "Exact W1: earth mover's distance between 500 real and 500 generated samples, measured once a second."
CLICK_PIXELS = 8  # a click selects the nearest generated sample within this many pixels


def quality_line(frame: Frame, diverged: tuple[int, int, str] | None = None) -> str:
    """Step, modes, robust modes, HQ % and W1 of a frame, as rich text (red when the run diverged)."""
    parts = [f"step <b>{frame.step}</b>"]
    if frame.modes is not None and frame.centres is not None:
        k = len(frame.centres)
        parts += [
            f"modes <b>{fmt_metric(frame.modes['modes'], '.0f')}</b>/{k}",
            f"robust <b>{fmt_metric(frame.modes['modes_robust'], '.0f')}</b>/{k}",
            f"HQ <b>{fmt_metric(100 * frame.modes['hq'], '.1f')} %</b>",
        ]
    w1 = frame.quality_column("w1")
    parts.append(f"W1 <b>{fmt_metric(float(w1[-1]) if len(w1) else None, '.3f')}</b>")
    text = " · ".join(parts)
    if diverged is not None:
        detected, restored, suggestion = diverged
        text += (
            f"<br><span style='color:#c00000'>diverged (NaN/Inf) at step {detected}: rolled back to step "
            f"{restored} and stopped. Try: {suggestion}</span>"
        )
    return text


# the numbers line at its widest: where it would wrap, room for two lines is kept
WIDEST_NUMBERS = "step <b>9999999</b> · modes <b>25</b>/25 · robust <b>25</b>/25 · HQ <b>100.0 %</b> · W1 <b>10.000</b>"


def text_height(label: QLabel, rich_text: str) -> int:
    """The height `rich_text` takes in `label` at its present width, wrapped as the label wraps it."""
    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(rich_text)
    doc.setTextWidth(max(label.contentsRect().width(), 1))
    return math.ceil(doc.size().height())


class RunView(QWidget):
    """A run's data view (`panel`), its optional `details` line and its quality readout (`numbers`)."""

    selection_changed = Signal(object)  # the selected fixed-batch index, or None
    clear_requested = Signal()  # a right click in the plot

    def __init__(self, title: str = "", colour: str | None = None, details: str = "", parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        self.title = title
        self.panel = DataPanel()
        if title:
            self.panel.plot.setTitle(title, color=colour, size="13pt", bold=True)
        self.details = QLabel(details)
        self.details.setStyleSheet("color: #555")
        self.details.setVisible(bool(details))
        self.numbers = QLabel("step 0")
        self.numbers.setTextFormat(Qt.RichText)
        self.numbers.setToolTip("\n".join((MODES_TIP, HQ_TIP, W1_TIP)))
        for label in (self.details, self.numbers):
            label.setAlignment(Qt.AlignCenter)
            label.setWordWrap(True)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.numbers)
        self.frame: Frame | None = None
        self.selected: int | None = None
        self.inspected: dict | None = None  # the selected sample's info as last drawn
        self.right_click_clears = True  # off while a right drag means something else (erasing drawn points)
        self.peers: list[RunView] = [self]  # the views laid out beside this one (compare mode's grid)
        self.panel.plot.scene().sigMouseClicked.connect(self._on_click)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        # a line that wraps for some numbers and not for others made the data view above jump by a line as
        # the numbers changed (HQ 9.6 % → 13.6 %): keep the height of the widest numbers at this width
        self.numbers.setMinimumHeight(text_height(self.numbers, WIDEST_NUMBERS))
        # and the details line as high as the highest among its peers (equal widths): WGAN-GP's "… · 5 D steps
        # per G step · λ 0.1" took two lines beside GAN's one, and its data view sat a line lower and shorter
        if self.details.isVisibleTo(self):
            texts = [v.details.text() for v in self.peers if v.details.isVisibleTo(v)]
            self.details.setMinimumHeight(max(text_height(self.details, html.escape(t)) for t in texts))

    def show_frame(self, frame: Frame, diverged: tuple[int, int, str] | None = None, redraw: bool = False) -> None:
        """Draw `frame` (the plot only when it is a new one, or `redraw`), its numbers and its inspected sample."""
        if redraw or frame is not self.frame:
            self.panel.show_frame(frame)
        self.frame = frame
        self.numbers.setText(quality_line(frame, diverged))
        self.show_inspection(frame)

    # --- inspection -----------------------------------------------------------------------------

    def select(self, index: int | None) -> None:
        """Select fixed-batch sample `index` (None: none); its marks come with the next frame that carries it."""
        self.selected = index
        if index is None:
            self.inspected = None
            self.panel.set_selected(None)
        self.selection_changed.emit(index)

    def select_none(self) -> None:
        self.select(None)

    def selection_info(self, frame: Frame | None = None) -> dict | None:
        """The selected sample as `frame` (default: the one on screen) shows it; None before such a frame."""
        frame = frame or self.frame
        if self.selected is None or frame is None or frame.inspection is None:
            return None
        info = frame.inspection.selected
        return info if info is not None and info["index"] == self.selected else None

    def show_inspection(self, frame: Frame) -> dict | None:
        """Mark the selected sample and ∇ₓ L_G at it as computed for `frame`; returns what it shows."""
        info = frame.inspection.selected if frame.inspection is not None else None
        if info is None or self.selected is None:
            info = None
        self.inspected = info
        if info is None:
            self.panel.set_selected(None)
            return None
        x0, x1, _, _ = frame.extent
        norm = float(np.hypot(*info["grad"]))
        scale = 0.08 * (x1 - x0) / norm if norm > 0 else 0.0  # the arrow is drawn at 8 % of the view width
        self.panel.set_selected(info["x"], info["grad"], scale)
        return info

    def _on_click(self, ev) -> None:
        vb = self.panel.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        if ev.button() == Qt.RightButton and self.right_click_clears:
            self.clear_requested.emit()
        elif ev.button() == Qt.LeftButton and self.frame is not None:
            p = vb.mapSceneToView(ev.scenePos())
            tolerance = CLICK_PIXELS * max(vb.viewPixelSize())
            self.select(nearest_point(self.frame.fakes, np.array([p.x(), p.y()]), tolerance))
