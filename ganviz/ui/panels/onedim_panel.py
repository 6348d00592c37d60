"""The 1-D GAN, live (Goodfellow et al. 2014, Figure 1): p, the generator's q, D and the optimal D* on one axis.

All numbers come from ganviz.core.problems.onedim (the 2-D trainer on a 1-D problem); this file only draws. Training
runs on a worker thread (ganviz.ui.small_worker) that owns the networks and sends numpy snapshots back; closing
the window stops the worker and ends its thread.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from ganviz.core.problems import onedim
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.ui.panels.problem_controls import SmallRunPanel, step_plot
from ganviz.ui.screen_fit import fit_to_screen
from ganviz.ui.small_worker import RunFrame, SmallRunHost

P_COLOUR = (0, 0, 0)
Q_COLOUR = (20, 150, 40)
D_COLOUR = (30, 90, 200)
ML_COLOUR = (210, 40, 40)
HIST_BRUSH = (20, 150, 40, 55)
RUG_COLOUR = (20, 120, 30, 140)
V_COLOUR = (120, 40, 160)
V_OPT_COLOUR = (20, 150, 40)
REF_COLOUR = (90, 90, 90)
LEGEND_BRUSH = (255, 255, 255, 220)
RUG_N = 400  # fakes drawn as rug ticks (every 5th of the 2,000)
HIST_BINS = 80
V_HISTORY = 4000  # points kept in the V plot


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _fmt(v: float | None, digits: int = 3) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"


def build_run(params) -> onedim.OneDimGan:
    """The run a reset asks for; called on the worker thread."""
    return onedim.OneDimGan(params["dataset"], params["objective"], seed=params["seed"], lr=params["lr"])


def read_run(run: onedim.OneDimGan) -> onedim.OneDimSnapshot:
    return run.snapshot()


class OneDimPanel(SmallRunPanel):
    """A 1-D GAN trained live: data density p (exact), generator density q (KDE of fakes), D, D* and the
    maximum-likelihood Gaussian, plus the value of the game V(D, G) over steps against −2 ln 2."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("1-D GAN: p, q, D and D*")
        self.frame: RunFrame | None = None  # the latest frame of the current run
        self.snapshot: onedim.OneDimSnapshot | None = None
        self._v_steps: list[int] = []
        self._v_est: list[float] = []
        self._v_opt: list[float] = []
        self._legend_key: tuple | None = None  # what the legend was built for

        # --- controls -------------------------------------------------------------------------------
        self.dataset = QComboBox()
        for name in onedim.DATASETS_1D.names():
            self.dataset.addItem(onedim.DATASETS_1D.get(name).label, name)
        controls = self._build_controls("nonsaturating", leading=[("data", self.dataset)])

        # --- the densities plot, its legend in a row of its own above it (never over a curve) ---------
        self.view = pg.GraphicsLayoutWidget()
        self.legend = pg.LegendItem(
            labelTextSize="9pt", brush=LEGEND_BRUSH, pen=pg.mkPen(200, 200, 200), colCount=3, verSpacing=-4
        )
        self.view.addItem(self.legend, row=0, col=0)
        self.plot = self.view.addPlot(row=1, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("bottom", "x")
        self.plot.setLabel("left", "density p(x), q(x)  ·  probability D(x)")

        # D for critic objectives (raw values, any scale) on a right-hand axis of its own
        self.critic_vb = pg.ViewBox(enableMenu=False)
        self.plot.scene().addItem(self.critic_vb)
        self.plot.getAxis("right").linkToView(self.critic_vb)
        self.critic_vb.setXLink(self.plot.vb)
        self.plot.vb.sigResized.connect(self._sync_critic_view)

        self.hist_item = pg.PlotDataItem(stepMode="center", fillLevel=0, brush=HIST_BRUSH, pen=None)
        self.rug_item = pg.PlotCurveItem(pen=pg.mkPen(RUG_COLOUR, width=1), connect="pairs")
        self.half_line = pg.InfiniteLine(pos=0.5, angle=0, pen=pg.mkPen(REF_COLOUR, width=1, style=Qt.DotLine))
        self.p_curve = pg.PlotDataItem(pen=pg.mkPen(P_COLOUR, width=2.4))
        self.q_curve = pg.PlotDataItem(pen=pg.mkPen(Q_COLOUR, width=2.4))
        self.ml_curve = pg.PlotDataItem(pen=pg.mkPen(ML_COLOUR, width=2, style=Qt.DashLine))
        self.d_curve = pg.PlotDataItem(pen=pg.mkPen(D_COLOUR, width=2.4))
        self.d_star_curve = pg.PlotDataItem(pen=pg.mkPen(D_COLOUR, width=2, style=Qt.DashLine), connect="finite")
        for item in (self.hist_item, self.rug_item, self.half_line, self.p_curve, self.q_curve, self.ml_curve):
            self.plot.addItem(item)
        self.half_line.setZValue(-1)
        self._d_in_critic_view: bool | None = None
        self._place_d_curves(critic=False)

        # --- the value of the game over steps ----------------------------------------------------------
        self.v_widget, self.v_plot = step_plot("V")
        self.v_curve = pg.PlotDataItem(pen=pg.mkPen(V_COLOUR, width=2))
        self.v_opt_curve = pg.PlotDataItem(pen=pg.mkPen(V_OPT_COLOUR, width=2))
        self.v_ref = pg.InfiniteLine(
            pos=-onedim.LN4,
            angle=0,
            pen=pg.mkPen(REF_COLOUR, width=1.2, style=Qt.DashLine),
            label="−2 ln 2 = −1.386 (q = p, D = ½)",
            labelOpts={"position": 0.99, "color": REF_COLOUR, "anchors": [(1, 0), (1, 0)]},
        )
        self.v_plot.addItem(self.v_ref)
        self.v_plot.addItem(self.v_curve)
        self.v_plot.addItem(self.v_opt_curve)
        self.v_ref.setZValue(-1)  # under the curves, which sit on it near the optimum
        self.v_widget.setMinimumHeight(150)

        self._lay_out(controls, self.view, self.v_widget)

        self.host = self._new_host()
        self._connect_controls()
        self.dataset.currentIndexChanged.connect(self.reset)
        fit_to_screen(self, 1100, 760)
        self.reset()

    # --- state -------------------------------------------------------------------------------------

    def dataset_name(self) -> str:
        return self.dataset.currentData()

    def _new_host(self) -> SmallRunHost:
        return self._make_host(build_run, read_run, "ganviz-onedim")

    def reset(self, *_args) -> None:
        """New networks for the current data, objective, lr and seed; the plots start over."""
        self._v_steps.clear()
        self._v_est.clear()
        self._v_opt.clear()
        self.frame = self.snapshot = None
        ds = onedim.get_dataset(self.dataset_name())  # the axes from the data alone: no network here
        lo, hi = ds.extent
        top = max(1.08, 1.2 * float(ds.pdf(ds.grid()).max()))
        self.plot.setXRange(lo, hi, padding=0)
        self.plot.setYRange(-0.1, top, padding=0)
        self.plot.vb.disableAutoRange()
        self._place_d_curves(critic=OBJECTIVES.get(self.objective_name()).surface == "critic")
        params = dict(
            dataset=self.dataset_name(), objective=self.objective_name(), seed=self.seed.value(), lr=self.lr.value()
        )
        self.host.reset(params)  # the worker builds the run and sends its first frame

    # --- drawing -----------------------------------------------------------------------------------

    def _sync_critic_view(self) -> None:
        self.critic_vb.setGeometry(self.plot.vb.sceneBoundingRect())
        self.critic_vb.linkedViewChanged(self.plot.vb, self.critic_vb.XAxis)

    def _place_d_curves(self, critic: bool) -> None:
        """D and D* on the density axis (probabilities, LSGAN's 0-1 targets) or on a right axis (critics)."""
        if critic == self._d_in_critic_view:
            return
        for item in (self.d_curve, self.d_star_curve):
            if self._d_in_critic_view is not None:  # PlotItem.removeItem also forgets the item in its list
                (self.critic_vb if self._d_in_critic_view else self.plot).removeItem(item)
            (self.critic_vb if critic else self.plot).addItem(item)
        self._d_in_critic_view = critic
        self.plot.showAxis("right", critic)
        if critic:
            self.plot.setLabel("right", "critic D(x), raw value")
            self.critic_vb.enableAutoRange(axis=pg.ViewBox.YAxis)
        self.half_line.setVisible(not critic)

    def _rebuild_legend(self, s: onedim.OneDimSnapshot) -> None:
        self.legend.clear()
        n = len(s.fakes)
        d_name = {
            "prob": "D(x) = σ(logit), learned",
            "raw01": "D(x), learned (LSGAN targets 0/1)",
            "critic": "D(x), learned critic (right axis)",
        }[s.d_kind]
        entries = [
            (self.p_curve, "p(x): data, exact"),
            (self.q_curve, f"q(x): generator, KDE of {n:,} fakes"),
            (self.hist_item, "fakes, histogram"),
            (self.rug_item, f"fakes, rug ({min(n, RUG_N)})"),
            (self.d_curve, d_name),
        ]
        if s.d_star is not None:
            entries.append((self.d_star_curve, f"{s.d_star_label}: optimal D for this G"))
        entries.append((self.ml_curve, f"max-likelihood Gaussian N({s.ml_mean:.2f}, {s.ml_std:.2f}²)"))
        for item, name in entries:
            self.legend.addItem(item, name)
        self._legend_key = (s.d_kind, s.d_star is None, s.ml_mean)

    def redraw(self, frame: RunFrame) -> None:
        """Draw one frame from the worker (numpy only)."""
        self.frame = frame
        self.snapshot = s = frame.readout
        x = s.x
        self.p_curve.setData(x, s.p)
        self.ml_curve.setData(x, s.ml_pdf)
        self.q_curve.setData(x, s.q)
        self.d_curve.setData(x, s.d)
        self.d_star_curve.setVisible(s.d_star is not None)
        if s.d_star is not None:
            self.d_star_curve.setData(x, s.d_star)

        fakes = s.fakes[np.isfinite(s.fakes)]
        edges = np.linspace(x[0], x[-1], HIST_BINS + 1)
        counts, _ = np.histogram(fakes, bins=edges)
        # a density of *all* fakes: those outside the drawn range still count in the normalisation
        self.hist_item.setData(edges, counts / (max(len(s.fakes), 1) * (edges[1] - edges[0])))
        rug = fakes[:: max(1, len(fakes) // RUG_N)]
        rug = rug[(rug >= x[0]) & (rug <= x[-1])]
        self.rug_item.setData(np.repeat(rug, 2), np.tile([-0.085, -0.03], len(rug)))

        if self._legend_key != (s.d_kind, s.d_star is None, s.ml_mean):
            self._rebuild_legend(s)

        self._v_steps.append(s.step)
        self._v_est.append(np.nan if s.v_estimate is None else s.v_estimate)
        self._v_opt.append(np.nan if s.v_optimal is None else s.v_optimal)
        if len(self._v_steps) > V_HISTORY:
            del self._v_steps[0], self._v_est[0], self._v_opt[0]
        steps = np.asarray(self._v_steps, dtype=float)
        self.v_curve.setData(steps, np.asarray(self._v_est), connect="finite")
        self.v_opt_curve.setData(steps, np.asarray(self._v_opt), connect="finite")
        self.v_curve.setVisible(s.v_estimate is not None)
        self.v_opt_curve.setVisible(s.v_optimal is not None)
        self._v_range(s)
        self.v_plot.setTitle(self._v_title(s), size="9pt")

        self._update_status(s)

    def _v_range(self, s: onedim.OneDimSnapshot) -> None:
        """Every drawn V value and the −2 ln 2 line, with room under the line for its label."""
        drawn = [self._v_est] if s.v_estimate is not None else []
        drawn += [self._v_opt] if s.v_optimal is not None else []
        values = np.asarray([v for a in drawn for v in a] + [-onedim.LN4], dtype=float)
        values = values[np.isfinite(values)]
        lo, hi = float(values.min()), float(values.max())
        span = max(hi - lo, 0.2)
        self.v_plot.setYRange(lo - 0.35 * span, hi + 0.08 * span, padding=0)

    @staticmethod
    def _v_title(s: onedim.OneDimSnapshot) -> str:
        """The V plot's legend, as its title (a legend box inside would sit on the curves)."""
        parts = []
        if s.v_estimate is not None:
            parts.append(
                f"<span style='color:{_hex(V_COLOUR)}'>━ V(D, G) estimate: E ln D(x) + E ln(1 − D(G(z)))</span>"
            )
        if s.v_optimal is not None:
            parts.append(
                f"<span style='color:{_hex(V_OPT_COLOUR)}'>━ V(G, D*) = −ln 4 + 2·JSD(p‖q), q from the KDE</span>"
            )
        if not parts:
            return "V(D, G) needs a probability D (minimax, non-saturating; LSGAN: V(G, D*) only)"
        return "&nbsp;&nbsp;&nbsp;".join(parts)

    def _update_status(self, s: onedim.OneDimSnapshot) -> None:
        mode = int(np.argmax(s.p))
        fakes = s.fakes[np.isfinite(s.fakes)]
        m, sd = (float(fakes.mean()), float(fakes.std())) if fakes.size else (math.nan, math.nan)
        ds = onedim.get_dataset(self.frame.params["dataset"])
        parts = [
            f"<b>step {s.step}</b>",
            f"D at the mode x={s.x[mode]:.2f}: {_fmt(float(s.d[mode]))}",
            f"V(D,G) ≈ {_fmt(s.v_estimate)}",
            f"V(G,D*) ≈ {_fmt(s.v_optimal)} (−2 ln 2 = −1.386)",
            f"fakes mean {_fmt(m, 2)}, std {_fmt(sd, 2)}; data mean {ds.mean:.2f}, std {math.sqrt(ds.var):.2f}",
            f"losses D {_fmt(s.d_loss)}, G {_fmt(s.g_loss)}",
        ]
        self.status.setText(" · ".join(parts))
