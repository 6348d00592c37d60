"""Digits image mode: a GAN on sklearn's 8×8 digits, live, with the class histogram of its samples.

All numbers come from ganviz.core.problems.digits (the 2-D trainer on the digits problem, an SVM trained on the real
digits); this file only draws. Training and the classifier's reading of the fakes run on a worker thread
(ganviz.ui.small_worker) that owns the networks and sends numpy snapshots back; closing the window stops the
worker and ends its thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ganviz.core.problems import digits
from ganviz.ui.help_pages import with_hats
from ganviz.ui.panels.problem_controls import SmallRunPanel, step_plot
from ganviz.ui.screen_fit import fit_to_screen
from ganviz.ui.small_worker import RunFrame, SmallRunHost

BAR_BRUSH = (30, 90, 200, 200)
BAR_LOW_BRUSH = (150, 150, 150, 200)  # classes under 1 %: not counted as produced
KL_COLOUR = (120, 40, 160)
REF_COLOUR = (90, 90, 90)
GRID_ROWS = GRID_COLS = 8
KL_HISTORY = 4000


def build_run(params) -> digits.DigitsGan:
    """The run a reset asks for; called on the worker thread."""
    return digits.DigitsGan(params["objective"], seed=params["seed"], lr=params["lr"])


class DigitsPanel(SmallRunPanel):
    """A GAN learning sklearn's 8×8 digits: 64 fixed-latent samples, the classes they are read as, and
    KL(p̂_gen ‖ uniform) over steps (ln 10 = every sample in one class)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Digits: mode collapse on 8×8 images")
        self.frame: RunFrame | None = None  # the latest frame of the current run
        self.metrics: digits.DigitMetrics | None = None
        self.fakes: np.ndarray | None = None
        self._metric_step = -1
        self._kl_steps: list[int] = []
        self._kl: list[float] = []

        # --- controls -------------------------------------------------------------------------------
        controls = self._build_controls("minimax")

        # --- samples grid | class histogram -----------------------------------------------------------
        self.view = pg.GraphicsLayoutWidget()
        self.image_plot = self.view.addPlot(row=0, col=0)
        self.image_plot.setMenuEnabled(False)
        self.image_plot.hideAxis("left")
        self.image_plot.hideAxis("bottom")
        self.image_plot.setAspectLocked(True)
        self.image_plot.invertY(True)  # row 0 of the tiled array at the top
        self.image_plot.setTitle(f"G(z) for {GRID_ROWS * GRID_COLS} fixed z", size="10pt")
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setLevels((-1.0, 1.0))  # −1 = blank paper (black), 1 = full ink (white)
        self.image_plot.addItem(self.image_item)
        self.image_plot.vb.setMouseEnabled(x=False, y=False)

        self.hist_plot = self.view.addPlot(row=0, col=1)
        self.hist_plot.setMenuEnabled(False)
        self.hist_plot.setMouseEnabled(x=False, y=False)
        self.hist_plot.showGrid(y=True, alpha=0.2)
        self.hist_plot.setLabel("bottom", "class predicted by the classifier")
        self.hist_plot.setLabel("left", "% of the fakes")
        self.hist_plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(digits.N_CLASSES)]])
        self.hist_plot.setXRange(-0.6, digits.N_CLASSES - 0.4, padding=0)
        self.bars = pg.BarGraphItem(x=np.arange(digits.N_CLASSES), height=np.zeros(digits.N_CLASSES), width=0.75)
        self.hist_plot.addItem(self.bars)
        self.uniform_line = pg.InfiniteLine(
            pos=100 / digits.N_CLASSES,
            angle=0,
            pen=pg.mkPen(REF_COLOUR, width=1.2, style=Qt.DashLine),
        )
        self.hist_plot.addItem(self.uniform_line)
        self.view.ci.layout.setColumnStretchFactor(0, 1)
        self.view.ci.layout.setColumnStretchFactor(1, 1)

        # --- KL over steps ------------------------------------------------------------------------------
        self.kl_widget, self.kl_plot = step_plot("KL")
        self.kl_plot.setTitle("KL(p_gen ‖ uniform over 10) of the predicted classes: 0 = balanced", size="9pt")
        self.kl_curve = pg.PlotDataItem(
            pen=pg.mkPen(KL_COLOUR, width=1.8), symbol="o", symbolSize=4, symbolBrush=KL_COLOUR, symbolPen=None
        )
        self.kl_plot.addItem(self.kl_curve)
        self.kl_ref = pg.InfiniteLine(
            pos=digits.LN10,
            angle=0,
            pen=pg.mkPen(REF_COLOUR, width=1.2, style=Qt.DashLine),
            label="ln 10 = 2.303: total collapse",
            labelOpts={"position": 0.99, "color": REF_COLOUR, "anchors": [(1, 0), (1, 0)]},
        )
        self.kl_plot.addItem(self.kl_ref)
        self.kl_ref.setZValue(-1)  # under the KL curve, which sits on it at total collapse
        self.kl_plot.setYRange(0, digits.LN10 * 1.12, padding=0)
        self.kl_plot.vb.setMouseEnabled(y=False)
        self.kl_widget.setMinimumHeight(150)

        self._lay_out(controls, self.view, self.kl_widget)

        self._connect_controls()
        self.classifier = digits.get_classifier()  # trained once per process, then cached; read by the worker
        self.host = self._new_host()
        fit_to_screen(self, 1000, 760)
        self.reset()

    # --- state -------------------------------------------------------------------------------------

    def _new_host(self) -> SmallRunHost:
        classifier = self.classifier  # a fitted sklearn model: numpy in, numpy out, only the worker calls it

        def read_run(run: digits.DigitsGan) -> digits.DigitsSnapshot:
            return run.snapshot(classifier)

        return self._make_host(build_run, read_run, "ganviz-digits")

    def reset(self, *_args) -> None:
        """New networks for the current objective, lr and seed; the plots start over."""
        self._kl_steps.clear()
        self._kl.clear()
        self._metric_step = -1
        self.frame = None
        self.host.reset(dict(objective=self.objective_name(), seed=self.seed.value(), lr=self.lr.value()))

    # --- drawing -----------------------------------------------------------------------------------

    def redraw(self, frame: RunFrame) -> None:
        """Draw one frame from the worker (numpy only)."""
        self.frame = frame
        s: digits.DigitsSnapshot = frame.readout
        self.fakes = s.fakes
        self.image_item.setImage(digits.tile(self.fakes, GRID_ROWS, GRID_COLS), autoLevels=False)
        # the worker runs the classifier (1,000 SVM predictions) every METRIC_EVERY steps, not every frame
        if s.metrics is not None:
            self._metric_step = s.metric_step
            self.metrics = m = s.metrics
            self.bars.setOpts(
                height=100 * m.fractions,
                brushes=[pg.mkBrush(BAR_BRUSH if f >= digits.MIN_FRACTION else BAR_LOW_BRUSH) for f in m.fractions],
                pens=[pg.mkPen(None)] * digits.N_CLASSES,
            )
            self.hist_plot.setYRange(0, max(25.0, 108 * float(m.fractions.max())), padding=0)
            self.hist_plot.setTitle(f"classes of {m.n:,} fakes (grey: under 1 %; dashed: uniform)", size="10pt")
            self._kl_steps.append(s.metric_step)
            self._kl.append(m.kl_uniform)
            if len(self._kl) > KL_HISTORY:
                del self._kl_steps[0], self._kl[0]
            self.kl_curve.setData(np.asarray(self._kl_steps, dtype=float), np.asarray(self._kl))
        self._update_status()

    def _update_status(self) -> None:
        m, c = self.metrics, self.classifier
        if m is None:
            return
        self.status.setText(  # with_hats: p̂ keeps its hat in rich text
            with_hats(
                f"<b>step {self.frame.settings.step}</b> (metrics at step {self._metric_step}) · "
                f"<b>classes produced: {m.classes_1pct}</b> with ≥ 1 % of the fakes, {m.classes_any} with ≥ 1 · "
                f"<b>KL(p̂‖U) = {m.kl_uniform:.3f}</b> (ln 10 = 2.303 is total collapse) · "
                f"classifier: {c.description}, held-out accuracy {c.accuracy:.1%} on {c.n_test} digits"
            )
        )
