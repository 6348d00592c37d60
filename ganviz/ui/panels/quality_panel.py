"""Quality panel: mode coverage, HQ fraction, reverse KL and exact W1 over time. Per-mode panel: HQ samples per
mode (its own panel, so that each plot keeps a readable height on a small screen)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ganviz.core.analysis.frames import Frame
from ganviz.ui import style
from ganviz.ui.panels.base import PanelDefaults


class QualityPanel(PanelDefaults, pg.GraphicsLayoutWidget):
    name, title, export_name, dock_title = "quality", "Quality panel", "Quality panel", "Quality"
    fields = ("dataset", "centres", "quality", "segment_start", "w1_floor")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.modes_plot = self.addPlot(row=0, col=0, title="Modes captured")
        modes_legend = style.legend_row(self, 1, 2)
        self.modes = self.modes_plot.plot(pen=pg.mkPen(style.MODES, width=2))
        self.robust = self.modes_plot.plot(pen=pg.mkPen(style.ROBUST, width=2))
        modes_legend.addItem(self.modes, "modes (≥ 1 HQ)")
        modes_legend.addItem(self.robust, "robust (≥ 20 HQ)")
        self.total = pg.InfiniteLine(angle=0, pen=pg.mkPen((120, 120, 120), style=Qt.DashLine))
        self.modes_plot.addItem(self.total)
        self.scores_plot = self.addPlot(row=2, col=0, title="Quality")
        scores_legend = style.legend_row(self, 3, 2, lines=2)  # two columns: the panel's width stays small
        self.hq = self.scores_plot.plot(pen=pg.mkPen(style.HQ, width=2))
        self.rkl = self.scores_plot.plot(pen=pg.mkPen(style.RKL, width=2))
        self.w1 = self.scores_plot.plot(pen=pg.mkPen(style.W1, width=2))
        # exact W1 of finite samples never reaches 0: the floor is what a perfect generator scores
        self.w1_floor = pg.InfiniteLine(angle=0, pen=pg.mkPen(style.W1, width=1, style=Qt.DashLine))
        self.scores_plot.addItem(self.w1_floor)
        for curve, name in ((self.hq, "HQ fraction"), (self.rkl, "reverse KL"), (self.w1, "exact W1")):
            scores_legend.addItem(curve, name)
        # the legend samples a curve's pen (an InfiniteLine there crashes its paint): a proxy curve with the same pen
        self._floor_key = pg.PlotDataItem(pen=self.w1_floor.pen)
        scores_legend.addItem(self._floor_key, "W1 floor")
        self.modes_plot.setToolTip(
            "Modes captured: modes with ≥ 1 high-quality sample (the published definition, weak on the grid);\n"
            "robust: modes with ≥ 20. A sample is high quality within 3σ of its nearest centre."
        )
        self.scores_plot.setToolTip(
            "HQ fraction: share of the 2,500 fixed-latent samples within 3σ of a centre (a perfect generator: 0.989).\n"
            "Reverse KL: KL(mode histogram of HQ samples ‖ uniform), ln K = total collapse.\n"
            "Exact W1: earth mover's distance between 500 real and 500 generated samples\n"
            "(an optimal assignment: the exact transport plan between equal-size samples).\n"
            "W1 floor (dashed): W1 between two independent samples of 500 real points, what a perfect\n"
            "generator scores at this sample size."
        )
        for p in (self.modes_plot, self.scores_plot):
            style.step_axis(p, label=p is self.scores_plot)  # the lower one: x-linked, which saves the room
            p.showGrid(x=True, y=True, alpha=0.2)
            p.setMenuEnabled(False)
        self.scores_plot.setXLink(self.modes_plot)
        self._dataset: str | None = None
        self._rows: tuple[int, int] | None = None
        self._modes_title = "Modes captured"
        self._titles: tuple[str, str] | None = None

    def show_frame(self, frame: Frame) -> None:
        mixture = frame.centres is not None
        if frame.dataset != self._dataset:
            self._dataset = frame.dataset
            if mixture:
                k = len(frame.centres)
                self.total.setPos(k)
                # two labelled ticks, clear of the ends: this plot is often short, and there the automatic
                # ticks ran into each other (every 2 of 8) or were dropped for room (all but one of 25)
                self.modes_plot.setYRange(-0.05 * k, 1.2 * k, padding=0)
                self.modes_plot.getAxis("left").setTicks([[(v, str(v)) for v in sorted({k // 2, k})]])
                self._modes_title = f"Modes captured (of {k})"
            else:
                self.modes_plot.getAxis("left").setTicks(None)
                self._modes_title = "Modes captured (mixture datasets only)"
            self.total.setVisible(mixture)
        self.w1_floor.setVisible(frame.w1_floor is not None)
        if frame.w1_floor is not None:
            self.w1_floor.setPos(frame.w1_floor)
        if (len(frame.quality), frame.segment_start) != self._rows:
            self._rows = (len(frame.quality), frame.segment_start)
            steps = frame.segment_quality_column("step")  # this dataset's segment: "of 25" means 25 modes
            for curve, name in (
                (self.modes, "modes"),
                (self.robust, "modes_robust"),
                (self.hq, "hq"),
                (self.rkl, "rkl"),
                (self.w1, "w1"),
            ):
                values = frame.segment_quality_column(name)
                ok = np.isfinite(values)  # rKL is undefined with no HQ sample; mode metrics need a mixture
                curve.setData(steps[ok], values[ok])
        # the latest values in the titles: a short plot still shows its numbers ("Quality": the long
        # "Sample quality: HQ 0.33 · rKL 1.20 · W1 1.591" ran past a 1024-px window's dock)
        modes, scores = readout(frame) if len(frame.segment_quality_column("step")) else ("", "")
        titles = (f"{self._modes_title}{modes}", f"Quality{scores}")
        if titles != self._titles:  # a new title lays the panel out again: only when it changed
            self._titles = titles
            self.modes_plot.setTitle(titles[0])
            self.scores_plot.setTitle(titles[1])


class ModeBarsPanel(PanelDefaults, pg.GraphicsLayoutWidget):
    """HQ samples per mode of the frame on screen: a collapsed mode is a missing bar."""

    name, title, export_name, dock_title = "modes", "Per-mode panel", "Per-mode panel", "Per mode"
    fields = ("dataset", "centres", "mode_counts")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.bars_plot = self.addPlot(row=0, col=0, title="HQ samples per mode")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=pg.mkBrush(*style.FAKE, 200))
        self.bars_plot.addItem(self.bars)
        self.bars_plot.setLabel("bottom", "mode index")
        self.bars_plot.setMenuEnabled(False)
        self.bars_plot.setToolTip("High-quality samples (within 3σ) landing on each mode, of the 2,500 shown")
        self._dataset: str | None = None

    def show_frame(self, frame: Frame) -> None:
        mixture = frame.centres is not None
        if frame.dataset != self._dataset:
            self._dataset = frame.dataset
            k = len(frame.centres) if mixture else 0
            self.bars_plot.setTitle(
                f"HQ samples per mode ({k} modes)" if mixture else "HQ samples per mode (mixture datasets only)"
            )
            self.bars.setOpts(x=np.zeros(0), height=np.zeros(0))
        if mixture and frame.mode_counts is not None:
            self.bars.setOpts(x=np.arange(len(frame.mode_counts)), height=frame.mode_counts, width=0.8)


def _latest(frame: Frame, name: str) -> float | None:
    column = frame.segment_quality_column(name)  # a row of an earlier dataset is not this one's number
    if not len(column):
        return None
    value = float(column[-1])
    return value if np.isfinite(value) else None


def _now(frame: Frame, name: str) -> float | None:
    """The mode metric of the samples on screen (the data view's readout says the same), else the newest row's."""
    if frame.modes is not None and frame.centres is not None:
        value = float(frame.modes[name])
        return value if np.isfinite(value) else None
    return _latest(frame, name)


def readout(frame: Frame) -> tuple[str, str]:
    """Title suffixes: ': 7 · robust 6' and ': HQ 0.52 · rKL 0.10 · W1 0.213'. The mode metrics are those of the
    frame on screen, as under the data view and in the per-mode bars (the newest row is up to a second older: the
    two readouts disagreed, 20 modes here and 14 there); W1, measured only in the rows, is the newest row's.
    Empty before the first row; a metric that is undefined, like the modes of a non-mixture, is left out."""
    modes, robust = _now(frame, "modes"), _now(frame, "modes_robust")
    modes_text = f": {modes:.0f} · robust {robust:.0f}" if modes is not None and robust is not None else ""
    parts = [
        f"{label} {value:{fmt}}"
        for label, name, fmt in (("HQ", "hq", ".2f"), ("rKL", "rkl", ".2f"), ("W1", "w1", ".3f"))
        if (value := (_latest if name == "w1" else _now)(frame, name)) is not None
    ]
    return modes_text, (": " + " · ".join(parts)) if parts else ""
