"""First sizes and places of the app's windows, kept on the screen they open on.

The main and compare windows ask for 1500×900, the 1-D and digits views for ~1100×760: on a 1280×720 or
1366×768 laptop that ran past the screen's edge (the quality panel, the timeline and the status bar out of reach).
A window now asks for its size, or for the screen's free area less the window manager's title bar and borders,
whichever is smaller; a floating panel goes beside its main window where there is room, else inside the screen's
right edge. `--window-size` still sets an exact size.

The offscreen platform (tests, `--screenshot` automation) has no screen a person looks at, only a fixed 800×800
stand-in: windows there keep the size they ask for.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# what a window manager adds around a window's client area (a title bar, borders): resize() leaves it out
DECORATION_W, DECORATION_H = 16, 48


def available(widget: QWidget) -> QRect | None:
    """The free area (no task bars) of the screen `widget` opens on; None where there is no real screen."""
    if QGuiApplication.platformName() == "offscreen":
        return None
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def first_size(preferred: tuple[int, int], area: QRect | None) -> tuple[int, int]:
    """`preferred`, or as much of `area` as a window can take with its decorations, whichever is smaller."""
    w, h = preferred
    if area is None:
        return w, h
    return min(w, area.width() - DECORATION_W), min(h, area.height() - DECORATION_H)


def fit_to_screen(widget: QWidget, width: int, height: int, area: QRect | None = None) -> None:
    """Resize `widget` to width×height, or to what its screen has room for."""
    widget.resize(*first_size((width, height), area if area is not None else available(widget)))


def beside(frame: QRect, size: tuple[int, int], area: QRect | None, gap: int = 4) -> QRect:
    """Where a floating panel of `size` goes: right of the window whose frame is `frame`, top-aligned; inside
    `area` (moved left over the window, and no taller than the area) when there is no room there."""
    w, h = size
    x, y = frame.right() + 1 + gap, frame.top() + 30
    if area is None:
        return QRect(x, y, w, h)
    w = min(w, area.width() - DECORATION_W)
    h = min(h, area.height() - DECORATION_H)
    x = max(area.left(), min(x, area.right() + 1 - w - DECORATION_W // 2))
    y = max(area.top() + DECORATION_H - 8, min(y, area.bottom() + 1 - h - DECORATION_W // 2))
    return QRect(x, y, w, h)


class PlaceOnFirstShow(QObject):
    """Sets `widget`'s geometry to `where()` when it is first shown (then no more: a person may move it).

    Not earlier: on X11 a floating dock that is placed while still hidden comes up at Qt's default 640×480 in
    the middle of the screen when it is shown (its native window was made with the default size)."""

    def __init__(self, widget: QWidget, where: Callable[[], QRect]) -> None:
        super().__init__(widget)
        self.widget, self.where = widget, where
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.widget and event.type() == QEvent.Type.Show:
            self.widget.removeEventFilter(self)
            self.widget.setGeometry(self.where())
        return False
