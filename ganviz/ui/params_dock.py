"""Hyper-parameter dock: live settings apply at once; settings that need new networks ask first."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from ganviz.core.training.config import ACTIVATIONS, OPTIMIZERS, PRIORS, TrainConfig
from ganviz.ui.fields import FloatEdit
from ganviz.ui.remedy_controls import RemedyControls


def _spin(value: int, low: int, high: int, tooltip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tooltip)
    box.setKeyboardTracking(False)  # apply when the user finishes typing, not at every digit
    return box


def _combo(items, current: str, tooltip: str) -> QComboBox:
    box = QComboBox()
    box.addItems(list(items))
    box.setCurrentText(current)
    box.setToolTip(tooltip)
    return box


class ParamsDock(QDockWidget):
    """Emits `live(cmd, args)` for settings the trainer takes between steps and `rebuild(changes)`
    for settings that need new networks (the window asks, then resets)."""

    live = Signal(str, object)
    rebuild = Signal(dict)

    def __init__(self, config: TrainConfig, parent=None) -> None:
        super().__init__("Hyper-parameters", parent)
        self.setObjectName("params_dock")
        body = QWidget()
        form = QFormLayout(body)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)  # a field too wide beside its label goes under it
        c = config.resolved()
        self.optimizer = _combo(OPTIMIZERS, c.optimizer, "Optimiser for both networks; a new type starts fresh state")
        self.lr_g = FloatEdit(c.lr_g, 0.0, 10.0, "Generator learning rate (applies live)")
        self.lr_d = FloatEdit(c.lr_d, 0.0, 10.0, "Discriminator / critic learning rate (applies live)")
        self.beta1 = FloatEdit(c.beta1, 0.0, 0.999999, "Adam β₁ (applies live)", low_inclusive=True)
        self.beta2 = FloatEdit(c.beta2, 0.0, 0.999999, "Adam β₂ (applies live)", low_inclusive=True)
        self.n_critic = _spin(c.n_critic, 1, 100, "D / critic updates per generator update (applies live)")
        self.batch = _spin(c.batch, 1, 65536, "Samples per batch, real and fake (applies live)")
        self.clip = FloatEdit(c.clip, 0.0, 100.0, "WGAN weight clipping c: every critic weight is kept in [−c, c]")
        self.gp_lambda = FloatEdit(c.gp_lambda, 0.0, 1e4, "WGAN-GP λ: weight of (‖∇D(x̂)‖ − 1)²")
        self.r1 = FloatEdit(c.r1 or 1.0, 0.0, 1e4, "R1 γ: (γ/2) E‖∇D(x)‖² on real data (enable in Objective menu)")
        self.hidden = _spin(c.hidden, 1, 4096, "Units per hidden layer, G and D (new networks)")
        self.layers = _spin(c.layers, 1, 16, "Hidden layers, G and D (new networks)")
        self.zdim = _spin(c.zdim, 1, 256, "Latent dimension n of z ~ U[−1,1]ⁿ (new networks)")
        self.seed = _spin(c.seed, 0, 2**31 - 1, "Random seed: same seed, same run (new networks)")
        self.activation = _combo(ACTIVATIONS, c.activation, "Hidden activation, G and D (new networks)")
        self.prior = _combo(PRIORS, c.prior, "Latent prior: U[−1,1]ⁿ as in the lecture notes, or N(0, I)")
        rows: list[tuple[str, QWidget]] = [
            ("<b>Live</b>", QLabel("")),
            ("Optimiser", self.optimizer),
            ("LR generator", self.lr_g),
            ("LR discriminator", self.lr_d),
            ("Adam β₁", self.beta1),
            ("Adam β₂", self.beta2),
            ("D steps per G step", self.n_critic),
            ("Batch", self.batch),
            ("Clip c (WGAN)", self.clip),
            ("λ (WGAN-GP)", self.gp_lambda),
            ("γ (R1)", self.r1),
            ("<b>New networks</b>", QLabel("")),
            ("Width", self.hidden),
            ("Depth", self.layers),
            ("Latent dim", self.zdim),
            ("Activation", self.activation),
            ("Prior", self.prior),
            ("Seed", self.seed),
        ]
        # one row per registered remedy (ganviz.core.training.remedies), built from the registry
        self.remedies = RemedyControls(c, self)
        rows += [("<b>Remedies</b>", QLabel("")), *self.remedies.rows()]
        for label, widget in rows:
            form.addRow(label, widget)
        # scrollable, so that on a short screen this dock gives way and the latent pad below keeps its size
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        # down only: a horizontal scroll bar hid the fields' right ends at 1280×720; the dock is as wide as its
        # widest row instead (labels and fields at their minimum), plus room for the vertical bar
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(body.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        self.setWidget(scroll)
        self.r1_enabled = c.r1 > 0
        self._connect()

    def _connect(self) -> None:
        self.optimizer.currentTextChanged.connect(lambda t: self.live.emit("optimizer", (t,)))
        self.lr_g.committed.connect(lambda v: self.live.emit("lr", (v, None)))
        self.lr_d.committed.connect(lambda v: self.live.emit("lr", (None, v)))
        self.beta1.committed.connect(lambda v: self.live.emit("optimizer", (self.optimizer.currentText(), v, None)))
        self.beta2.committed.connect(lambda v: self.live.emit("optimizer", (self.optimizer.currentText(), None, v)))
        self.n_critic.valueChanged.connect(lambda v: self.live.emit("n_critic", (v,)))
        self.batch.valueChanged.connect(self._batch_changed)
        self.clip.committed.connect(lambda v: self.live.emit("regularisers", ({"clip": v},)))
        self.gp_lambda.committed.connect(lambda v: self.live.emit("regularisers", ({"gp_lambda": v},)))
        self.r1.committed.connect(self._r1_changed)
        for name in ("hidden", "layers", "zdim", "seed"):
            getattr(self, name).valueChanged.connect(lambda v, n=name: self.rebuild.emit({n: v}))
        for name in ("activation", "prior"):
            getattr(self, name).currentTextChanged.connect(lambda t, n=name: self.rebuild.emit({n: t}))

    def _batch_changed(self, v: int) -> None:
        error = RemedyControls.pack_error(v, self.remedies.widgets["pack"].value())
        self.batch.setStyleSheet("background: #ffd0d0" if error else "")
        self.batch.setToolTip("Samples per batch, real and fake (applies live)" + (f" — {error}" if error else ""))
        if error is None:  # PacGAN's D takes whole packs only: the trainer would stop on this batch
            self.live.emit("batch", (v,))

    def _r1_changed(self, v: float) -> None:
        if self.r1_enabled:
            self.live.emit("regularisers", ({"r1": v},))

    def show_config(self, config: TrainConfig) -> None:
        """Put a config's values in the fields without emitting anything."""
        c = config.resolved()
        widgets: list[tuple[QWidget, Callable[[], None]]] = [
            (self.optimizer, lambda: self.optimizer.setCurrentText(c.optimizer)),
            (self.n_critic, lambda: self.n_critic.setValue(c.n_critic)),
            (self.batch, lambda: self.batch.setValue(c.batch)),
            (self.hidden, lambda: self.hidden.setValue(c.hidden)),
            (self.layers, lambda: self.layers.setValue(c.layers)),
            (self.zdim, lambda: self.zdim.setValue(c.zdim)),
            (self.seed, lambda: self.seed.setValue(c.seed)),
            (self.activation, lambda: self.activation.setCurrentText(c.activation)),
            (self.prior, lambda: self.prior.setCurrentText(c.prior)),
        ]
        for widget, apply in widgets:
            widget.blockSignals(True)
            apply()
            widget.blockSignals(False)
        for edit, value in (
            (self.lr_g, c.lr_g),
            (self.lr_d, c.lr_d),
            (self.beta1, c.beta1),
            (self.beta2, c.beta2),
            (self.clip, c.clip),
            (self.gp_lambda, c.gp_lambda),
        ):
            edit.set_value(value)
        self.remedies.show_config(c)
