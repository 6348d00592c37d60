"""Slow motion: one generator update taken apart (ganviz.core.analysis.explain), one sub-step at a time.

The data view shows that sub-step's points over D's surface, the boundary before (dashed) and after (solid) a
D update, and for G the arrows −∂L_G/∂x̃ at each fake and where each fake went; beside it the sub-step's name,
what it does and its formula with each loss term's value. A pace timer plays the sub-steps; Right/Space step
forward, Left back, P plays or pauses. All numbers come from the explained step; this file only draws.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ganviz.core.analysis.explain import DRound, ExplainedStep, GRound
from ganviz.core.analysis.surface import colour_levels, contour_segments
from ganviz.ui import style
from ganviz.ui.panels.data_panel import DIVERGING, arrow_heads

PACE_RANGE = (0.3, 3.0)  # seconds per sub-step (issue 16)
PACE_DEFAULT = 1.25  # GAN Lab's highlight time
ARROW_SHARE = 0.08  # the longest arrow is this share of the view's width
MOVE_SHARE = 0.8  # in G's update the fakes glide to their new places in this share of the sub-step's time


def _html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


class SlowMotionPanel(QWidget):
    """Standalone: `show_explained(explained, index)` draws one sub-step; `play()` walks through the rest."""

    finished = Signal()  # played past the last sub-step: the window may resume training
    substep_changed = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.explained: ExplainedStep | None = None
        self.index = 0
        self.setFocusPolicy(Qt.StrongFocus)  # the arrow keys reach keyPressEvent

        self.view = pg.GraphicsLayoutWidget()
        self.plot = self.view.addPlot(title="Slow motion")
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.image.setColorMap(DIVERGING)
        self.plot.addItem(self.image)
        self.boundary_before = pg.PlotCurveItem(
            pen=pg.mkPen(style.BOUNDARY, width=1.5, style=Qt.DashLine), connect="finite"
        )
        self.boundary_after = pg.PlotCurveItem(pen=pg.mkPen(style.BOUNDARY, width=2), connect="finite")
        self.real = pg.ScatterPlotItem(size=6, pen=style.RIM, brush=pg.mkBrush(*style.REAL, 220))
        self.fake = pg.ScatterPlotItem(size=6, pen=style.RIM, brush=pg.mkBrush(*style.FAKE, 220))
        self.fake_after = pg.ScatterPlotItem(size=7, pen=pg.mkPen(style.FAKE, width=1.5), brush=None)
        self.moves = pg.PlotCurveItem(pen=pg.mkPen(*style.FAKE, 120, width=1), connect="pairs")
        self.arrows = pg.PlotCurveItem(pen=pg.mkPen(20, 20, 20, 200, width=1.5), connect="pairs")
        self.heads = pg.PlotCurveItem(pen=pg.mkPen(20, 20, 20, 200, width=1.5), connect="pairs")
        for item in (self.boundary_before, self.boundary_after, self.moves, self.real, self.fake):
            self.plot.addItem(item)
        self.moving = pg.ScatterPlotItem(size=6, pen=style.RIM, brush=pg.mkBrush(*style.FAKE, 230))
        for item in (self.fake_after, self.arrows, self.heads, self.moving):
            self.plot.addItem(item)
        # G's update: each fake moves along its line from where it was to where the new G puts it
        self.move_animation = QVariantAnimation(self)
        self.move_animation.setStartValue(0.0)
        self.move_animation.setEndValue(1.0)
        self.move_animation.valueChanged.connect(self._move_fakes)
        self.move_fraction: float | None = None  # where the moving fakes are drawn, 0 (old) … 1 (new); None: none
        self._move_from: np.ndarray | None = None
        self._move_by: np.ndarray | None = None

        self.title = QLabel()
        self.text = QLabel()
        self.text.setTextFormat(Qt.RichText)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.text.setMinimumWidth(260)
        self.back = QPushButton("◀")
        self.forward = QPushButton("▶")
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.pace = QDoubleSpinBox()
        self.pace.setRange(*PACE_RANGE)
        self.pace.setSingleStep(0.25)
        self.pace.setSuffix(" s")
        self.pace.setValue(PACE_DEFAULT)
        self.pace.setToolTip("time per sub-step")
        for w in (self.back, self.forward, self.play_button, self.pace):
            w.setFocusPolicy(Qt.NoFocus)  # the keys stay with the panel
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.back.clicked.connect(lambda: self.step_by(-1))
        self.forward.clicked.connect(lambda: self.step_by(1))
        self.play_button.toggled.connect(self._toggle)
        self.pace.valueChanged.connect(lambda s: self.timer.setInterval(int(s * 1000)))

        controls = QHBoxLayout()
        for w in (self.back, self.forward, self.play_button, QLabel("pace"), self.pace):
            controls.addWidget(w)
        controls.addStretch(1)
        side = QVBoxLayout()
        side.addWidget(self.title)
        side.addWidget(self.text, 1)
        side.addLayout(controls)
        layout = QHBoxLayout(self)
        layout.addWidget(self.view, 3)
        layout.addLayout(side, 2)

    # --- navigation ---------------------------------------------------------------------------

    def count(self) -> int:
        return 0 if self.explained is None else len(self.explained.substeps)

    def step_by(self, delta: int) -> None:
        if self.count():
            self.show_explained(self.explained, max(0, min(self.count() - 1, self.index + delta)))

    def play(self, on: bool = True) -> None:
        self.play_button.setChecked(on)

    def _toggle(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        if on:
            self.timer.start(int(self.pace.value() * 1000))
        else:
            self.timer.stop()

    def _tick(self) -> None:
        if self.index + 1 >= self.count():
            self.play(False)
            self.finished.emit()
        else:
            self.step_by(1)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        key = event.key()
        if key in (Qt.Key_Right, Qt.Key_Space):
            self.step_by(1)
        elif key == Qt.Key_Left:
            self.step_by(-1)
        elif key == Qt.Key_P:
            self.play(not self.play_button.isChecked())
        else:
            super().keyPressEvent(event)

    # --- drawing ------------------------------------------------------------------------------

    def show_explained(self, explained: ExplainedStep, index: int) -> None:
        if not 0 <= index < len(explained.substeps):
            raise IndexError(f"sub-step {index} of {len(explained.substeps)}")
        self.explained, self.index = explained, index
        sub = explained.substeps[index]
        self.title.setText(f"<b>Step {explained.step + 1}, sub-step {index + 1} of {len(explained.substeps)}</b>")
        self.plot.setTitle(sub.name)
        self.move_animation.stop()
        self._move_from = self._move_by = self.move_fraction = None
        for item in (self.real, self.fake, self.fake_after, self.moves, self.arrows, self.heads, self.moving):
            item.setData([], [])
        self.boundary_before.setData([], [])
        self.boundary_after.setData([], [])
        data = sub.data
        if isinstance(data, DRound):
            after = sub.kind == "d_update"
            if after:
                self._surface(data.surface_after, data.level_after)
            else:
                self._surface(data.surface_before, data.level_before)
            self._boundary(self.boundary_before, data.surface_before, data.level_before)
            if after:
                self._boundary(self.boundary_after, data.surface_after, data.level_after)
            self.real.setData(pos=data.real)
            self.fake.setData(pos=data.fake)
        else:
            self._g_substep(sub.kind, data)
        self.text.setText(self._describe(sub))
        x0, x1, y0, y1 = explained.extent
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.substep_changed.emit(index)

    def _g_substep(self, kind: str, g: GRound) -> None:
        rounds = self.explained.rounds
        if rounds:  # G moves against the D it was judged by: the last round's after
            last = rounds[-1]
            self._surface(last.surface_after, last.level_after)
            self._boundary(self.boundary_after, last.surface_after, last.level_after)
        else:
            self.image.clear()
        x0, x1, _, _ = self.explained.extent
        descent = -g.grad
        longest = float(np.hypot(descent[:, 0], descent[:, 1]).max()) if len(descent) else 0.0
        if longest > 0:
            tips = g.fake + descent * (ARROW_SHARE * (x1 - x0) / longest)
            shafts = np.column_stack([g.fake, tips]).reshape(-1, 2)  # tail, tip, tail, tip, … for 'pairs'
            self.arrows.setData(shafts[:, 0], shafts[:, 1])
            heads = arrow_heads(g.fake, tips, 0.015 * (x1 - x0))
            self.heads.setData(heads[:, 0], heads[:, 1])
        if kind == "g_update":
            pairs = np.column_stack([g.fake, g.fake_after]).reshape(-1, 2)
            self.moves.setData(pairs[:, 0], pairs[:, 1])
            self.fake.setData(pos=g.fake, brush=pg.mkBrush(*style.FAKE, 90))
            self.fake_after.setData(pos=g.fake_after)
            self._move_from, self._move_by = g.fake, g.fake_after - g.fake  # computed once; a frame interpolates
            self._move_fakes(0.0)
            self.move_animation.setDuration(max(1, int(self.pace.value() * 1000 * MOVE_SHARE)))
            self.move_animation.start()
        else:
            self.fake.setData(pos=g.fake, brush=pg.mkBrush(*style.FAKE, 220))

    def _move_fakes(self, t) -> None:
        """The fakes a share `t` of the way along their moves (linear)."""
        if self._move_from is None:
            return
        self.move_fraction = float(t)
        self.moving.setData(pos=self._move_from + np.float32(t) * self._move_by)

    def _surface(self, values: np.ndarray, level: float) -> None:
        x0, x1, y0, y1 = self.explained.extent
        self.image.setImage(values, autoLevels=False, levels=colour_levels(values, level))
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def _boundary(self, item: pg.PlotCurveItem, values: np.ndarray, level: float) -> None:
        x, y = contour_segments(values, level, self.explained.xs, self.explained.ys)
        item.setData(x, y)

    def _describe(self, sub) -> str:
        parts = [f"<h3>{_html(sub.name)}</h3>", f"<p>{_html(sub.description)}</p>"]
        parts.append(f"<p><tt>{_html(sub.formula)}</tt></p>")
        data = sub.data
        if isinstance(data, DRound) and sub.kind == "d_loss":
            rows = "".join(f"<tr><td><tt>{_html(label)}</tt></td><td>{v:.4g}</td></tr>" for label, v in data.terms)
            parts.append(f"<table>{rows}<tr><td><b>L_D</b></td><td><b>{data.loss:.4g}</b></td></tr></table>")
            parts.append(f"<p>mean D(x) = {data.d_real.mean():.3g}, mean D(G(z)) = {data.d_fake.mean():.3g}</p>")
        elif isinstance(data, GRound) and sub.kind == "g_loss":
            parts.append(f"<p><b>L_G = {data.loss:.4g}</b>, mean D(G(z)) = {data.d_fake.mean():.3g}</p>")
        elif isinstance(data, GRound):
            moved = np.hypot(*(data.fake_after - data.fake).T).mean()
            parts.append(f"<p>mean move of a fake: {moved:.3g}</p>")
        return "".join(parts)
