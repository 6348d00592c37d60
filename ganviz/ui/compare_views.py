"""The compare window's parts that draw: one run's view, the shared modes/W1 plot, their colours and lines."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ganviz.core.analysis.frames import Frame
from ganviz.core.runs.compare import (
    RUN_LETTERS,
    CompareFrames,
    run_details,
    run_title,
)
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import get_objective
from ganviz.ui import style
from ganviz.ui.run_view import MODES_TIP, W1_TIP, RunView, quality_line  # noqa: F401 (quality_line: re-exported)

# one colour per run, for its title, its setup box and its curves (none is the data view's orange or blue)
RUN_COLOURS = [(200, 40, 40), (40, 140, 60), (140, 60, 170), (200, 130, 0)]
RUNS_DOCK_WIDTH = 290  # the Runs panel's width beside the views
PLOTS_BESIDE_WIDTH = 340  # the shared plots' column, when they stand beside the views
VIEW_MIN_WIDTH = 345  # a run's view below this (colour bar and axis included) leaves its data area under 200 px
PLOT_PERIOD_S = 0.25  # the shared plot repaints its axes on each update (~25 ms): 4 updates a second
DATA_KEY = (
    f"<span style='color:rgb{style.REAL}'>●</span> real data &nbsp; "
    f"<span style='color:rgb{style.FAKE}'>●</span> generated G(z) &nbsp; "
    "<b>——</b> decision boundary (D = ½, critic = 0) &nbsp; "
    "<span style='color:#d4b000'>★</span> argmax D &nbsp;"
)


def colour_hex(i: int) -> str:
    r, g, b = RUN_COLOURS[i % len(RUN_COLOURS)]
    return f"#{r:02x}{g:02x}{b:02x}"


# --- views ----------------------------------------------------------------------------------------


def run_view(index: int, config: TrainConfig) -> RunView:
    """Run `index`'s view: titled with its letter, objective and regularisers in its colour, its settings under it."""
    view = RunView(f"{RUN_LETTERS[index]} · {run_title(config)}", colour_hex(index), run_details(config))
    view.index, view.config = index, config
    view.panel.ci.removeItem(view.panel.legend)  # small views need the room; the window has one key
    view.panel.setToolTip(f"Run {RUN_LETTERS[index]}: {get_objective(config.objective).formula}")
    view.details.setToolTip("This run's optimiser settings (the data, seed and networks are shared)")
    return view


def status_line(bundle: CompareFrames, running: bool, batched: bool | None = None) -> str:
    """The compare window's status: step, speed, chunk, and (when known) whether the runs train as one batch in
    one process or in a process each (the speed differs by that, and a person comparing speeds should know)."""
    if not bundle.ready:
        return "starting the runs' trainer…" if batched else f"starting {len(bundle.frames)} trainer processes…"
    text = f"{'running' if running else 'paused'} · step {bundle.step} · {bundle.steps_per_s:.0f} steps/s per run"
    if running:
        text += f" · {bundle.chunk} step{'s' if bundle.chunk != 1 else ''} per frame"
    if batched is not None:
        text += " · trained as one batch" if batched else " · one process per run"
    return text


class ComparePlot(pg.GraphicsLayoutWidget):
    """Robust modes and exact W1 against generator step, one curve per run in its colour (the colour of the run's
    title above its data view, so no legend takes a row of its own), side by side or one above the other."""

    MIN_HEIGHT = 215  # each plot's data area stays ≥ 120 px high under its title and axis

    def __init__(self, titles: Sequence[str], parent=None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(self.MIN_HEIGHT)
        # short titles: with four runs at 1024 px this column is ~340 px, and "Robust modes (≥ 20 HQ samples, of
        # 25)" ran past the window's edge; the definition is the axis label and the tooltip
        self.modes_plot = pg.PlotItem(title="Robust modes")
        self.w1_plot = pg.PlotItem(title="Exact W1 (lower is better)")
        self.stacked = False
        self.addItem(self.modes_plot, row=0, col=0)
        self.addItem(self.w1_plot, row=0, col=1)
        self.w1_plot.setXLink(self.modes_plot)
        key = " · ".join(f"<span style='color:{colour_hex(i)}'>{t}</span>" for i, t in enumerate(titles))
        for plot, tip in ((self.modes_plot, MODES_TIP), (self.w1_plot, W1_TIP)):
            plot.setToolTip(f"{tip}\nOne curve per run, in its title's colour")
        self.setToolTip(f"<p>{key}</p>")
        self.modes_plot.setLabel("left", "modes with ≥ 20 HQ samples")
        self.w1_plot.setLabel("left", "W1")
        for p in (self.modes_plot, self.w1_plot):
            style.step_axis(p)
            p.showGrid(x=True, y=True, alpha=0.2)
            p.setMenuEnabled(False)
        self.total = pg.InfiniteLine(angle=0, pen=pg.mkPen((120, 120, 120), style=Qt.DashLine))
        self.modes_plot.addItem(self.total)
        self.modes: list[pg.PlotDataItem] = []
        self.w1: list[pg.PlotDataItem] = []
        for i, title in enumerate(titles):
            pen = pg.mkPen(RUN_COLOURS[i], width=2)
            self.modes.append(self.modes_plot.plot(pen=pen, name=title))
            self.w1.append(self.w1_plot.plot(pen=pen, name=title))
        self._rows = [-1] * len(titles)
        self._dataset: str | None = None

    def set_stacked(self, stacked: bool) -> None:
        """W1 under the modes plot (a column beside the views) or beside it (a strip under them)."""
        if stacked == self.stacked:
            return
        self.stacked = stacked
        self.ci.removeItem(self.w1_plot)
        self.addItem(self.w1_plot, row=1 if stacked else 0, col=0 if stacked else 1)
        self.setMinimumHeight(2 * self.MIN_HEIGHT if stacked else self.MIN_HEIGHT)

    def show_frames(self, frames: Sequence[Frame]) -> None:
        first = frames[0]
        if first.dataset != self._dataset:
            self._dataset = first.dataset
            mixture = first.centres is not None
            self.total.setVisible(mixture)
            if mixture:
                k = len(first.centres)
                self.total.setPos(k)
                self.modes_plot.setYRange(0, k + 1)
                self.modes_plot.setTitle(f"Robust modes (of {k})")
            else:
                self.modes_plot.setTitle("Robust modes (mixtures only)")
        for i, frame in enumerate(frames):
            if len(frame.quality) == self._rows[i]:
                continue
            self._rows[i] = len(frame.quality)
            steps = frame.quality_column("step")
            for curve, name in ((self.modes[i], "modes_robust"), (self.w1[i], "w1")):
                values = frame.quality_column(name)
                ok = np.isfinite(values)  # mode metrics need a mixture
                curve.setData(steps[ok], values[ok])
