"""The main window's status bar: its permanent readouts, and room for a message that would not fit beside them.

At 1024 px the five readouts leave a message ~400 px, and QStatusBar cuts a longer one off at the first readout
("Saved /home/…/run.gvz at st"). While such a message shows, the readouts that say what the window shows
elsewhere too (the objective: the settings dock; the device: it never changes in a run) step aside, and come
back when the message ends or the window grows. A message that is still too long keeps its whole text as the
status bar's tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel, QSizeGrip, QStatusBar

# QStatusBar draws its message from x = 6 to 2 px before the first visible permanent widget (qstatusbar.cpp,
# messageRect); the rest is the text's own margin
MESSAGE_LEFT_PX = 6
MESSAGE_GAP_PX = 2
YIELDING = ("device", "objective")  # hidden in this order while a message needs their room


class StatusReadouts(QObject):
    def __init__(self, bar: QStatusBar, widest: dict[str, str]) -> None:
        """`widest`: each readout's key and the widest text it will hold (its fixed minimum width)."""
        super().__init__(bar)
        self.bar = bar
        self.labels: dict[str, QLabel] = {}
        for key, text in widest.items():
            label = QLabel(bar)
            # as wide as the widest text it will hold: a long message never squeezes "123 steps/s" to "123 steps/"
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance(text) + 8)
            bar.addPermanentWidget(label)
            self.labels[key] = label
        bar.messageChanged.connect(self.fit)
        bar.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.bar and event.type() == QEvent.Type.Resize:
            self.fit(self.bar.currentMessage())
        return False

    def hidden(self) -> list[str]:
        """The readouts stepped aside for the message now showing."""
        return [k for k in YIELDING if k in self.labels and self.labels[k].isHidden()]

    def fit(self, message: str) -> None:
        """Show every readout the message leaves room for; the message's whole text is the tooltip."""
        self.bar.setToolTip(message)
        need = self.bar.fontMetrics().horizontalAdvance(message) + MESSAGE_LEFT_PX + MESSAGE_GAP_PX if message else 0
        spacing = max(self.bar.layout().spacing(), 0)
        margins = self.bar.layout().contentsMargins()
        widths = {k: max(label.minimumWidth(), label.sizeHint().width()) + spacing for k, label in self.labels.items()}
        grip = self.bar.findChild(QSizeGrip)
        grip_px = grip.sizeHint().width() if grip is not None and self.bar.isSizeGripEnabled() else 0
        room = self.bar.width() - margins.left() - margins.right() - grip_px - sum(widths.values())
        for key in YIELDING:
            if key not in self.labels:
                continue
            give_way = need > room
            self.labels[key].setHidden(give_way)
            if give_way:
                room += widths[key]
