"""Dirac-GAN panel: the (θ̇, ψ̇) field of the two-parameter game and a gradient-descent trajectory on top.

All numbers come from ganviz.core.problems.dirac (the same losses as training, through autograd); this file only draws.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganviz.core.problems import dirac
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.core.training.remedies import REMEDIES
from ganviz.ui import style
from ganviz.ui.panels.problem_controls import objective_combo
from ganviz.ui.screen_fit import fit_to_screen

FIELD_LIM = 2.0  # the field covers at least [−2, 2]² (the notebook's quiver grid) and always the whole view
FIELD_N = 15  # arrows per side on [−2, 2]² ...
FIELD_N_MAX = 23  # ... and more, up to this, on a wider view, so the arrows stay about as dense
VIEW_MAX = 6.0  # the view grows to show a trajectory that leaves the field, up to ±VIEW_MAX
ARROW = (110, 110, 110)
TRAJECTORY = (215, 35, 35)
START = (30, 150, 60)
END = (20, 20, 20)
UPDATE_LABELS = {
    "sim": "simultaneous",
    "alt": "alternating, G first (notebook)",
    "alt-dfirst": "alternating, D first (trainer)",
    "extragradient": "extragradient",
    "optimistic": "optimistic (OGD)",
}
# The remedies of issue 15 that act on this game: (the keyword of dirac.simulate, its short label, the registered
# remedy whose formula and source the tooltip quotes, what it is on the Dirac game, the spin box's step).
REMEDY_CONTROLS = [
    ("r2", "R2 γ", "r2", "here (γ/2)‖∇ₓD(θ)‖² = (γ/2)ψ²: the same as R1, since ∇ₓD = −ψ everywhere", 0.1),
    ("instance_noise", "noise σ", "instance-noise",
     f"here the mean over {dirac.NOISE_SAMPLES} draws per evaluation, seeded: the same σ draws the same path", 0.05),
    ("consensus", "consensus γ", "consensus", "here both players move along v − γ∇(½‖v‖²), v = (θ̇, ψ̇)", 0.1),
    ("lecam", "LeCam λ", "lecam",
     "here λ relu(ψθ)² while α ≈ 0; the field is drawn at the anchors (α_R, α_F) the trajectory ends with", 0.1),
]  # fmt: skip


def arrow_segments(theta, psi, theta_dot, psi_dot, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """x, y of line-segment pairs (for connect='pairs'): a shaft and a two-stroke head per nonzero vector.

    Lengths grow with the square root of the speed (the slowest arrows stay visible), at most 0.85 cell.
    """
    t, p = np.ravel(theta), np.ravel(psi)
    u, v = np.ravel(theta_dot), np.ravel(psi_dot)
    speed = np.hypot(u, v)
    keep = np.isfinite(speed) & (speed > 1e-12)
    t, p, u, v, speed = t[keep], p[keep], u[keep], v[keep], speed[keep]
    if speed.size == 0:
        return np.zeros(0), np.zeros(0)
    length = 0.85 * cell * np.sqrt(speed / speed.max())
    length = np.maximum(length, 0.2 * cell)
    dx, dy = u / speed, v / speed
    x0, y0 = t - 0.5 * length * dx, p - 0.5 * length * dy  # arrows centred on their grid point
    x1, y1 = t + 0.5 * length * dx, p + 0.5 * length * dy
    head = 0.38 * length
    ca, sa = np.cos(np.radians(26)), np.sin(np.radians(26))
    # the head's two strokes: the reversed direction turned by ±26°
    hx1, hy1 = x1 - head * (dx * ca - dy * sa), y1 - head * (dy * ca + dx * sa)
    hx2, hy2 = x1 - head * (dx * ca + dy * sa), y1 - head * (dy * ca - dx * sa)
    xs = np.stack([x0, x1, x1, hx1, x1, hx2], axis=1).ravel()
    ys = np.stack([y0, y1, y1, hy1, y1, hy2], axis=1).ravel()
    return xs, ys


def _spin(low: float, high: float, value: float, step: float, decimals: int, tip: str) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(low, high)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setValue(value)
    s.setToolTip(tip)
    s.setKeyboardTracking(False)
    return s


class DiracPanel(QWidget):
    """The Dirac-GAN of Mescheder et al. 2018 in the paper's coordinates (θ, ψ), played with ganviz's own losses."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dirac-GAN")
        self.result: dirac.DiracResult | None = None

        self.objective = objective_combo("minimax")
        self.update_rule = QComboBox()
        for name in dirac.UPDATES:
            self.update_rule.addItem(UPDATE_LABELS.get(name, name), name)
        self.lr = _spin(0.001, 5.0, 0.2, 0.05, 3, "step size h of plain gradient descent")
        self.steps = QSpinBox()
        self.steps.setRange(0, 5000)
        self.steps.setSingleStep(50)
        self.steps.setValue(500)
        self.steps.setKeyboardTracking(False)
        self.r1 = _spin(0.0, 10.0, 0.0, 0.1, 3, "R1 penalty (γ/2)ψ² on D (0 = off); the notebook's GAN_GradPenalty(γ)")
        self.clip = _spin(0.01, 10.0, dirac.DIRAC_CLIP, 0.1, 2, "WGAN: ψ ← clip(ψ, −c, c) after each D step")
        self.gp_lambda = _spin(
            0.0, 10.0, dirac.DIRAC_GP_LAMBDA, 0.05, 3, "WGAN-GP penalty λ(|ψ| − 1)²; the notebook's reg = 2λ"
        )
        # ganviz.core.problems.dirac plays the game in the paper's own coordinates (its D is high on real through
        # D(x) = −ψx, not through ψ → −ψ), so the paper's start is entered as it is printed
        paper = "({:g}, {:g})".format(*dirac.PAPER_START)
        start_tip = (
            f"start of the trajectory; the paper's (θ₀, ψ₀) = {paper}, the same coordinates here: "
            "with minimax, simultaneous, h = 0.2 it gives the paper's r₅₀₀ = 3.10"
        )
        self.theta0 = _spin(-VIEW_MAX, VIEW_MAX, 1.0, 0.1, 2, start_tip)
        self.psi0 = _spin(-VIEW_MAX, VIEW_MAX, 1.0, 0.1, 2, start_tip)
        # one box per remedy, named as dirac.simulate's keyword (self.r2, self.instance_noise, ...); 0 = off
        self.remedy_boxes: dict[str, QDoubleSpinBox] = {}
        for key, _label, remedy, note, step in REMEDY_CONTROLS:
            r = REMEDIES.get(remedy)
            tip = f"{r.label} ({r.source}): {r.formula}; {note}. 0 = off"
            box = _spin(dirac.REMEDY_BOUNDS[key].low, dirac.REMEDY_BOUNDS[key].high, 0.0, step, 3, tip)
            self.remedy_boxes[key] = box
            setattr(self, key, box)

        controls = QGridLayout()
        row0 = [("objective", self.objective), ("update", self.update_rule), ("lr h", self.lr), ("steps", self.steps)]
        row1 = [("R1 γ", self.r1), ("clip c", self.clip), ("GP λ", self.gp_lambda), ("start θ₀", self.theta0)]
        row2 = [(label, self.remedy_boxes[key]) for key, label, *_ in REMEDY_CONTROLS]
        for r, row in enumerate((row0, row1, row2)):
            for c, (text, w) in enumerate(row):
                controls.addWidget(QLabel(text), r, 2 * c)
                controls.addWidget(w, r, 2 * c + 1)
        controls.addWidget(QLabel("ψ₀"), 1, 8)
        controls.addWidget(self.psi0, 1, 9)

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot = self.plot_widget.addPlot(row=0, col=0)
        self.plot.setLabel("bottom", "θ (generator)")
        self.plot.setLabel("left", "ψ (discriminator)")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        legend = style.legend_row(self.plot_widget, row=1, columns=4)  # under the plot: inside, it hid the field
        self.legend = legend
        self.field_item = pg.PlotCurveItem(pen=pg.mkPen(ARROW, width=1.3), connect="pairs", antialias=True)
        self.plot.addItem(self.field_item)
        legend.addItem(self.field_item, "field (dθ/dt, dψ/dt)")
        self.equilibrium = pg.ScatterPlotItem(
            [0.0], [0.0], symbol="+", size=12, pen=pg.mkPen(END, width=1.5), brush=None
        )
        self.plot.addItem(self.equilibrium)
        self.trajectory_item = pg.PlotDataItem(pen=pg.mkPen(TRAJECTORY, width=2.2), antialias=True, name="trajectory")
        self.plot.addItem(self.trajectory_item)
        legend.addItem(self.trajectory_item, "trajectory")
        self.start_item = pg.ScatterPlotItem(
            size=11, symbol="o", brush=pg.mkBrush(START), pen=pg.mkPen("w", width=1), name="start"
        )
        self.end_item = pg.ScatterPlotItem(
            size=13, symbol="star", brush=pg.mkBrush(END), pen=pg.mkPen("w", width=0.5), name="end"
        )
        self.plot.addItem(self.start_item)
        self.plot.addItem(self.end_item)
        legend.addItem(self.start_item, "start")
        legend.addItem(self.end_item, "end")

        self.note = QLabel(
            "Data δ₀, generator δ_θ, linear discriminator ψ (Mescheder et al. 2018); ganviz's losses via autograd"
        )
        self.note.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.note)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(80)
        self._timer.timeout.connect(self.recompute)
        self.objective.currentIndexChanged.connect(self._schedule)
        self.update_rule.currentIndexChanged.connect(self._schedule)
        for w in (self.lr, self.r1, self.clip, self.gp_lambda, self.theta0, self.psi0, *self.remedy_boxes.values()):
            w.valueChanged.connect(self._schedule)
        self.steps.valueChanged.connect(self._schedule)
        fit_to_screen(self, 760, 720)
        self.recompute()

    # --- state ---------------------------------------------------------------------------------------

    def objective_name(self) -> str:
        return self.objective.currentData()

    def settings(self) -> dict:
        """The arguments of dirac.simulate for the current controls."""
        obj = OBJECTIVES.get(self.objective_name())
        return {
            "objective": self.objective_name(),
            "update": self.update_rule.currentData(),
            "steps": self.steps.value(),
            "lr": self.lr.value(),
            "start": (self.theta0.value(), self.psi0.value()),
            "r1": self.r1.value(),
            "clip": self.clip.value() if obj.clips_weights else None,
            "gp_lambda": self.gp_lambda.value() if obj.uses_gradient_penalty else None,
            **{key: box.value() for key, box in self.remedy_boxes.items()},
        }

    def _schedule(self, *_args) -> None:
        self._timer.start()

    # --- drawing ---------------------------------------------------------------------------------------

    def recompute(self) -> None:
        self._timer.stop()
        s = self.settings()
        obj = OBJECTIVES.get(s["objective"])
        self.clip.setEnabled(obj.clips_weights)
        self.gp_lambda.setEnabled(obj.uses_gradient_penalty)

        self.result = res = dirac.simulate(**s)
        traj = res.trajectory
        finite = np.isfinite(traj).all(axis=1)
        shown = traj[finite]
        self.trajectory_item.setData(shown[:, 0], shown[:, 1])
        self.start_item.setData([traj[0, 0]], [traj[0, 1]])
        self.end_item.setData([shown[-1, 0]], [shown[-1, 1]])

        reach = float(np.abs(shown).max()) if shown.size else 0.0
        field_lim = min(VIEW_MAX, max(FIELD_LIM, reach))  # the field under the whole trajectory
        n = int(min(FIELD_N_MAX, max(FIELD_N, round((FIELD_N - 1) * field_lim / FIELD_LIM) + 1)))
        remedies = {key: s[key] for key in self.remedy_boxes}
        if res.lecam_anchors is not None:  # LeCam's anchors are the run's state: the field at the end's
            remedies["lecam_anchors"] = res.lecam_anchors
        theta, psi, theta_dot, psi_dot = dirac.field_grid(
            s["objective"], n=n, lim=field_lim, r1=s["r1"], gp_lambda=s["gp_lambda"], **remedies
        )
        xs, ys = arrow_segments(theta, psi, theta_dot, psi_dot, cell=2 * field_lim / (n - 1))
        self.field_item.setData(xs, ys)
        lim = field_lim * 1.08
        self.plot.setRange(xRange=(-lim, lim), yRange=(-lim, lim), padding=0)

        label = obj.label
        reg = []
        if s["r1"] > 0:
            reg.append(f"R1 γ={s['r1']:g}")
        if s["clip"] is not None:
            reg.append(f"c={s['clip']:g}")
        if s["gp_lambda"] is not None:
            reg.append(f"λ={s['gp_lambda']:g}")
        reg += [f"{label}={s[key]:g}" for key, label, *_ in REMEDY_CONTROLS if s[key] > 0]
        head = ", ".join([label, *reg])
        if not finite.all():
            verdict = f"diverged (overflow at step {int(np.argmin(finite))})"
        elif res.converged_step is not None:
            verdict = f"r<sub>{s['steps']}</sub> = {res.r_final:.3g}, r &lt; 0.01 at step {res.converged_step}"
        else:
            verdict = f"r<sub>{s['steps']}</sub> = {res.r_final:.3g}, never r &lt; 0.01"
        rule = UPDATE_LABELS.get(s["update"], s["update"])  # the box lists every dirac.UPDATES entry
        self.plot.setTitle(f"Dirac-GAN: {head}, {rule}, h={s['lr']:g}<br>{verdict}", size="10pt")
