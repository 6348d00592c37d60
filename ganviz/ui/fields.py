"""Input fields shared by the settings dock and its remedy rows."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit


class FloatEdit(QLineEdit):
    """A number field that accepts 1e-4 style input; bad text turns red and is not applied."""

    committed = Signal(float)

    def __init__(self, value: float, low: float, high: float, tooltip: str, *, low_inclusive: bool = False) -> None:
        super().__init__(f"{value:g}")
        self.low, self.high, self.low_inclusive = low, high, low_inclusive
        self.setToolTip(tooltip)
        self._value = value
        self.editingFinished.connect(self._commit)
        self.textEdited.connect(lambda _t: self.setStyleSheet(""))

    def value(self) -> float:
        return self._value

    def set_value(self, v: float) -> None:
        self._value = v
        self.setText(f"{v:g}")
        self.setStyleSheet("")

    def allowed(self) -> str:
        low = "≥" if self.low_inclusive else ">"
        return f"a number {low} {self.low:g} and ≤ {self.high:g}"

    def _commit(self) -> None:
        try:
            v = float(self.text())
            ok = math.isfinite(v) and (v >= self.low if self.low_inclusive else v > self.low) and v <= self.high
        except ValueError:
            ok = False
        if not ok:
            self.setStyleSheet("background: #ffd0d0")
            self.setToolTip(f"{self.toolTip().split(' — ')[0]} — needs {self.allowed()}")
            self.error = f"{self.text()!r} is not {self.allowed()}"
            return
        self.setStyleSheet("")
        if v != self._value:
            self._value = v
            self.committed.emit(v)
