"""Theory panel: the game's value and JS estimate, critic estimate vs exact W1, the generator's gradient,
the critic's weights and per-layer spectral norms — the seeds' quantities on the live networks."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ganviz.core.analysis.frames import Frame
from ganviz.core.analysis.theory import game_value, js_estimate
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.ui import style
from ganviz.ui.panels.base import PanelDefaults

ROW_UNBOUNDED = 16_777_215  # QWIDGETSIZE_MAX: the default maximum of a layout row
TITLE_SIZE = "10pt"  # the dock is narrow: a plot title's width is the layout's minimum width
FROM_CONFIG = object()  # show_frame's clip: the weight clip of the config last set, when the objective clips


class TheoryPanel(PanelDefaults, pg.GraphicsLayoutWidget):
    name, title, export_name, menu = "theory", "Theory panel: V, JS, W1, ∇ and the critic", "Theory panel", "&Theory"
    dock_title, shortcut = "Theory", "T"
    # a window of its own beside the main one (it can be docked back): docked by default it took the data view's
    # room, and its five plots need a column's full height
    floating = True
    fields = ("objective", "history", "segment_start", "quality", "w1_floor", "theory", "critic")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._clip: float | None = None  # the run's weight clip (set_config)
        self.game = self.addPlot(row=0, col=0)
        self.game.setTitle("Game value V(D,G) and JS (estimates)", size=TITLE_SIZE)
        self.game_legend = game_legend = style.legend_row(self, 1, 1, lines=2)
        self.value = self.game.plot(pen=pg.mkPen(style.D_LOSS, width=1.5))
        self.js = self.game.plot(pen=pg.mkPen(style.ESTIMATE, width=1.5))
        game_legend.addItem(self.value, "V = E log D(x) + E log(1−D(G(z)))")
        game_legend.addItem(self.js, "JS estimate (V + 2 ln 2)/2")
        self.ref = pg.InfiniteLine(angle=0, pos=-2 * math.log(2), pen=pg.mkPen((90, 90, 90), style=Qt.DashLine))
        self.ref_label = pg.TextItem("−2 ln 2", color=(90, 90, 90), anchor=(0, 1))
        self.game.addItem(self.ref)
        self.game.addItem(self.ref_label)
        self.w1_plot = self.addPlot(row=2, col=0)
        self.w1_plot.setTitle("Critic estimate vs exact W1", size=TITLE_SIZE)
        self.w1_legend = w1_legend = style.legend_row(self, 3, 1, lines=2)  # one column: the dock is narrow
        self.estimate = self.w1_plot.plot(pen=pg.mkPen(style.ESTIMATE, width=1.5))
        self.w1 = self.w1_plot.plot(pen=pg.mkPen(style.W1, width=2, style=Qt.DashLine))
        w1_legend.addItem(self.estimate, "E D(x) − E D(G(z))")
        w1_legend.addItem(self.w1, "exact W1")
        self.w1_floor = pg.InfiniteLine(angle=0, pen=pg.mkPen(style.W1, width=1, style=Qt.DotLine))
        self.w1_plot.addItem(self.w1_floor)
        self._floor_key = pg.PlotDataItem(pen=self.w1_floor.pen)  # a legend samples a curve, not an InfiniteLine
        w1_legend.addItem(self._floor_key, "W1 floor (two real samples)")
        self.grad_plot = self.addPlot(row=4, col=0)
        self.grad_plot.setTitle("Mean ‖∇ₓ L_G‖ at the fakes", size=TITLE_SIZE)
        self.grad_plot.setLogMode(y=True)
        self.grad = self.grad_plot.plot(pen=pg.mkPen(style.G_LOSS, width=1.5))
        self.hist_plot = self.addPlot(row=5, col=0)
        self.hist_plot.setTitle("Critic weights", size=TITLE_SIZE)
        self.hist = pg.PlotCurveItem(fillLevel=0, brush=pg.mkBrush(*style.FAKE, 120))
        self.hist_plot.addItem(self.hist)
        self.clip_lines = [pg.InfiniteLine(angle=90, pen=pg.mkPen("r", style=Qt.DashLine)) for _ in range(2)]
        for line in self.clip_lines:
            self.hist_plot.addItem(line)
        self.sv_plot = self.addPlot(row=6, col=0)
        self.sv_plot.setTitle("Largest singular value per D layer", size=TITLE_SIZE)
        self.sv = pg.BarGraphItem(x=[], height=[], width=0.6, brush=pg.mkBrush(*style.MODES, 200))
        self.sv_plot.addItem(self.sv)
        self.sv_plot.addItem(pg.InfiniteLine(angle=0, pos=1.0, pen=pg.mkPen((90, 90, 90), style=Qt.DashLine)))
        self.sv_plot.setLabel("bottom", "layer")
        for p in (self.game, self.w1_plot, self.grad_plot):
            style.step_axis(p)
            p.showGrid(x=True, y=True, alpha=0.2)
        for p in (self.game, self.w1_plot, self.grad_plot, self.hist_plot, self.sv_plot):
            p.setMenuEnabled(False)
        # what is hidden for this objective, and why (a plot whose quantity does not apply takes no room)
        self.note = self.addLabel("", row=7, col=0, size="8pt", color=(90, 90, 90), justify="left")
        self._objective: str | None = None

    def _show(self, plot: pg.PlotItem, legend: pg.LegendItem, plot_row: int, visible: bool) -> None:
        grid = self.ci.layout
        for item, row, tallest in ((plot, plot_row, ROW_UNBOUNDED), (legend, plot_row + 1, 44)):
            item.setVisible(visible)
            # a grid layout keeps a hidden item's room: squeeze the item and its row to nothing instead
            item.setMinimumHeight(-1 if visible else 0)  # -1: back to the item's own minimum
            item.setMaximumHeight(tallest if visible else 0)
            grid.setRowMaximumHeight(row, tallest if visible else 0)

    def _apply_objective(self, objective: str) -> None:
        obj = OBJECTIVES.get(objective)  # which quantities apply is the objective's own fact
        game, critic = obj.has_game_value, obj.has_critic_w1_estimate
        self._show(self.game, self.game_legend, 0, game)
        self._show(self.w1_plot, self.w1_legend, 2, critic)
        self.js.setVisible(obj.has_js_estimate)
        hidden = []
        if not game:
            users = _with("has_game_value")
            hidden.append(f"game value V(D,G): {users} only (their D loss is V's BCE)")
        if not critic:
            users = _with("has_critic_w1_estimate")
            hidden.append(f"critic W1 estimate: {users} only (any other D is not a 1-Lipschitz critic)")
        self.note.setText("<br>".join(f"Not shown: {h}" for h in hidden))

    def set_config(self, config: TrainConfig) -> None:
        self._clip = config.clip

    def show_frame(self, frame: Frame, clip: float | None | object = FROM_CONFIG) -> None:
        if clip is FROM_CONFIG:  # the clip lines only where the objective clips the critic's weights
            clip = self._clip if OBJECTIVES.get(frame.objective).clips_weights else None
        if self._objective != frame.objective:
            self._objective = frame.objective
            self._apply_objective(frame.objective)
        steps = frame.segment_column("step")  # the current objective's segment only
        if self.game.isVisible() and len(steps):
            v = game_value(frame.segment_column("d_loss"))
            self.value.setData(steps, v)
            if self.js.isVisible():
                self.js.setData(steps, js_estimate(v))
            self.ref_label.setPos(float(steps[0]), -2 * math.log(2))
        if self.w1_plot.isVisible():
            self.estimate.setData(steps, frame.segment_column("critic_estimate"))
            w1 = frame.segment_quality_column("w1")
            ok = np.isfinite(w1)
            self.w1.setData(frame.segment_quality_column("step")[ok], w1[ok])
            self.w1_floor.setVisible(frame.w1_floor is not None)
            if frame.w1_floor is not None:
                self.w1_floor.setPos(frame.w1_floor)
        t = frame.theory
        positive = t[:, 1] > 0
        self.grad.setData(t[positive, 0], t[positive, 1])
        if frame.critic is not None:
            (counts, edges), sv = frame.critic
            self.hist.setData(edges, counts, stepMode="center")
            self.sv.setOpts(x=np.arange(1, len(sv) + 1), height=sv, width=0.6)
        for line, sign in zip(self.clip_lines, (-1, 1)):
            line.setVisible(clip is not None)
            if clip is not None:
                line.setPos(sign * clip)


def _with(fact: str) -> str:
    """The registered objectives for which `fact` holds, as words: "minimax and nonsaturating"."""
    names = [name for name in OBJECTIVES.names() if getattr(OBJECTIVES.get(name), fact)]
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names) or "no objective"
