"""The parameters dock's "Remedies" group: one control per registered remedy (ganviz.core.training.remedies.REMEDIES).

Everything is read from the registry and config.BOUNDS, so a newly registered remedy gets its row here. The
edits travel the dock's existing signals, which the window already handles:

* a setting the trainer reads at every step (remedies.LIVE_FIELDS) -> live("regularisers", ({field: v},)):
  the window puts it in its config and sends it on; the trainer's set_regularisers takes it;
* PacGAN's pack sets D's input width -> rebuild({"pack": m}): the window asks, then builds new networks;
* optimistic Adam is a value of the dock's optimiser box, so its check box sets that box (one source of truth).
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox, QWidget

from ganviz.core.training.config import BOUNDS, OPTIMIZERS, UPDATES, TrainConfig
from ganviz.core.training.objectives import get_objective
from ganviz.core.training.remedies import LIVE_FIELDS, REMEDIES, Remedy
from ganviz.ui.fields import FloatEdit

CHOICES = {"update": UPDATES, "optimizer": OPTIMIZERS}  # a remedy on a choice field is one of its values
PACK_ERROR = "background: #ffd0d0"


def tooltip(remedy: Remedy) -> str:
    """The remedy's formula and source, and when a change takes effect."""
    when = "applies live" if remedy.field in LIVE_FIELDS or remedy.field == "optimizer" else "new networks"
    return f"{remedy.label}: {remedy.formula} ({remedy.source}; {remedy.flag}; {when})"


def on_value(remedy: Remedy) -> str:
    """The value of a choice field that turns the remedy on, e.g. update = "extragradient"."""
    return next(v for v in CHOICES[remedy.field] if remedy.on(v))


class RemedyControls:
    """Builds the rows and wires them to `dock` (a ParamsDock: its live/rebuild signals, optimiser and batch)."""

    def __init__(self, config: TrainConfig, dock) -> None:
        self.dock = dock
        self.remedies: list[Remedy] = [REMEDIES.get(name) for name in REMEDIES]
        self.widgets: dict[str, QWidget] = {}  # remedy name -> its control
        self._off: dict[str, str] = {}  # a choice field's value to go back to when its box is unticked
        c = config.resolved()
        for r in self.remedies:
            value = getattr(c, r.field)
            bound = BOUNDS.get(r.field)
            if bound is None:  # a choice field: a check box
                w: QWidget = QCheckBox()
                w.setChecked(r.active(c))
            elif bound.integer:
                w = QSpinBox()
                w.setRange(int(bound.low), int(bound.high))
                w.setValue(value)
                w.setKeyboardTracking(False)  # apply when the user finishes typing, not at every digit
            else:
                w = FloatEdit(value, bound.low, bound.high, "", low_inclusive=not bound.open_low)
            w.setToolTip(tooltip(r))
            self.widgets[r.name] = w
        self._remember_off(c)
        self._connect()

    def rows(self) -> list[tuple[str, QWidget]]:
        return [(r.label, self.widgets[r.name]) for r in self.remedies]

    def _remember_off(self, c: TrainConfig) -> None:
        for r in self.remedies:
            if r.field not in CHOICES:
                continue
            value = getattr(c, r.field)
            if not r.active(c):
                self._off[r.name] = value
            elif r.name not in self._off:  # on from the start: back to the objective's optimiser, or to "alt"
                default = get_objective(c.objective).defaults.optimizer if r.field == "optimizer" else "alt"
                self._off[r.name] = default if default and not r.on(default) else CHOICES[r.field][0]

    def _connect(self) -> None:
        for r in self.remedies:
            w = self.widgets[r.name]
            if isinstance(w, QCheckBox):
                w.toggled.connect(lambda on, r=r: self._choice_toggled(r, on))
            elif r.field == "pack":
                w.valueChanged.connect(self._pack_changed)
            elif isinstance(w, QSpinBox):
                w.valueChanged.connect(lambda v, f=r.field: self._live(f, v))
            else:
                w.committed.connect(lambda v, f=r.field: self._live(f, v))
        optimizer: QComboBox = self.dock.optimizer
        optimizer.currentTextChanged.connect(self._optimizer_changed)

    def _live(self, field: str, value) -> None:
        self.dock.live.emit("regularisers", ({field: value},))

    def _choice_toggled(self, r: Remedy, on: bool) -> None:
        value = on_value(r) if on else self._off[r.name]
        if r.field == "optimizer":  # the optimiser box sends it (live "optimizer"), and stays in step
            self.dock.optimizer.setCurrentText(value)
        else:
            self._live(r.field, value)

    def _optimizer_changed(self, text: str) -> None:
        for r in self.remedies:
            if r.field == "optimizer":
                if not r.on(text):
                    self._off[r.name] = text
                self._set_checked(self.widgets[r.name], r.on(text))

    @staticmethod
    def pack_error(batch: int, m: int) -> str | None:
        """Why (batch, pack m) cannot train, or None: D judges batch/m packs of m samples."""
        return None if batch % m == 0 else f"batch {batch} is not divisible by pack {m}: use a divisor of the batch"

    def _pack_changed(self, m: int) -> None:
        w = self.widgets["pack"]
        error = self.pack_error(self.dock.batch.value(), m)
        w.setStyleSheet(PACK_ERROR if error else "")
        w.setToolTip(tooltip(REMEDIES.get("pack")) + (f" — {error}" if error else ""))
        if error is None:
            self.dock.rebuild.emit({"pack": m})

    @staticmethod
    def _set_checked(box: QCheckBox, on: bool) -> None:
        box.blockSignals(True)
        box.setChecked(on)
        box.blockSignals(False)

    def show_config(self, config: TrainConfig) -> None:
        """Put a config's remedy settings in the controls without emitting anything."""
        c = config.resolved()
        self._remember_off(c)
        for r in self.remedies:
            w, value = self.widgets[r.name], getattr(c, r.field)
            if isinstance(w, QCheckBox):
                self._set_checked(w, r.active(c))
            elif isinstance(w, QSpinBox):
                w.blockSignals(True)
                w.setValue(value)
                w.blockSignals(False)
                w.setStyleSheet("")
                w.setToolTip(tooltip(r))
            else:
                w.set_value(value)
