"""The main window's panel docks, made and arranged from the panel registry (ganviz.ui.panels.registry), so that a
newly registered panel gets its dock, its place and its redraws without the window naming it.

Every registered panel sits in a dock of its own. The docked ones of an area are arranged by the window's width:
the first in a column of its own and the others stacked in a second column beside it on a wide window, all
as tabs on a narrower one, so that no plot is squeezed below a readable height. A floating panel starts
hidden, placed beside the main window the first time that shows."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from ganviz.ui import screen_fit, style

METRICS_SPLIT_WIDTH = 1500  # px of window width from which the docked panels fit in two columns
FIRST_SHARE = 64  # % of the second column's height for its first panel, the rest shared by the others


class PanelDocksMixin:
    """For the main window: `_build_panel_docks(classes)` once; it keeps `panel_classes`, `panels`, `docks` and
    `<name>_panel` / `<name>_dock`. The window defines `_redraw_side_panels()` and `_theory_visibility(shown)`."""

    def _build_panel_docks(self, classes: list[type]) -> None:
        self.panel_classes: list[type] = list(classes)
        self.panels: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}
        for cls in self.panel_classes:
            self._panel_dock(cls)
        if any(cls.area == Qt.TopDockWidgetArea and not cls.floating for cls in self.panel_classes):
            # a strip docked at the top spans the central view only: the top corners go to the side areas, which
            # keep their full height (spanning the whole width, it squeezed the loss plots on a 700-px window)
            self.setCorner(Qt.TopLeftCorner, Qt.LeftDockWidgetArea)
            self.setCorner(Qt.TopRightCorner, Qt.RightDockWidgetArea)
        self._metrics_split: bool | None = None

    def _panel_dock(self, cls: type) -> QDockWidget:
        """A registered panel (ganviz.ui.panels.base.FramePanel) in its dock."""
        panel = cls()
        if hasattr(panel, "ci"):  # a pyqtgraph layout: never narrower than its plots and legends need
            style.keep_layout_width(panel)
        dock = QDockWidget(cls.dock_title or cls.title, self)
        dock.setObjectName(f"{cls.name}_dock")
        dock.setWidget(panel)
        self.addDockWidget(cls.area, dock)
        if cls.floating:
            dock.setFloating(True)
            dock.hide()
            screen_fit.PlaceOnFirstShow(dock, self._floating_place)
        else:
            dock.setTitleBarWidget(QWidget())  # the plots carry their own titles: the room goes to the plots
        # a tab brought forward shows the frame on screen at once (paused, no new frame would come)
        dock.visibilityChanged.connect(lambda shown: shown and self._redraw_side_panels())
        if "critic" in cls.fields:  # the critic's weight statistics are computed only while a panel shows them
            dock.visibilityChanged.connect(self._theory_visibility)
        if hasattr(panel, "connect_window"):  # a panel whose clicks bring this window's views forward
            panel.connect_window(self)
        self.panels[cls.name], self.docks[cls.name] = panel, dock
        setattr(self, f"{cls.name}_panel", panel)
        setattr(self, f"{cls.name}_dock", dock)
        return dock

    def _on_screen(self, dock: QDockWidget) -> bool:
        """Shown to the person: Qt keeps a dock's hidden tabs 'visible', parked outside the window."""
        return dock.isVisible() and (dock.isFloating() or self.rect().intersects(dock.geometry()))

    def _docked_groups(self) -> list[list[QDockWidget]]:
        """The non-floating docks, by area, in registry order."""
        groups: dict[Qt.DockWidgetArea, list[QDockWidget]] = {}
        for cls in self.panel_classes:
            if not cls.floating:
                groups.setdefault(cls.area, []).append(self.docks[cls.name])
        return list(groups.values())

    def _arrange_metric_docks(self, width: int | None = None) -> None:
        """Two columns of docked panels when the window is (about to be) `width` wide and that leaves them
        readable beside the data view, else tabs: never every plot stacked in one column."""
        split = (width or self.width()) >= METRICS_SPLIT_WIDTH
        if split == self._metrics_split:
            return
        self._metrics_split = split
        for docks in self._docked_groups():
            if len(docks) < 2:
                continue
            first, rest = docks[0], docks[1:]
            if split:
                self.splitDockWidget(first, rest[0], Qt.Horizontal)
                for a, b in pairwise(rest):
                    self.splitDockWidget(a, b, Qt.Vertical)
                self.resizeDocks([first, rest[0]], [260, 260], Qt.Horizontal)
                if len(rest) > 1:
                    others = (100 - FIRST_SHARE) // (len(rest) - 1)
                    self.resizeDocks(rest, [FIRST_SHARE] + [others] * (len(rest) - 1), Qt.Vertical)
            else:
                for a, b in pairwise(docks):
                    self.tabifyDockWidget(a, b)
                first.raise_()
                self.resizeDocks([first], [min(max(int(0.3 * self.width()), 300), 460)], Qt.Horizontal)

    def resize(self, *size) -> None:
        """Arranged for the new width first: side by side, the docks' minimum widths would stop a narrower size."""
        if hasattr(self, "_metrics_split"):  # not while the window is being built
            self._arrange_metric_docks(size[0].width() if len(size) == 1 else size[0])
        super().resize(*size)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if hasattr(self, "_metrics_split"):
            self._arrange_metric_docks()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._arrange_metric_docks()

    def _floating_place(self) -> QRect:
        """Beside the main window and as tall as it (at least 760 px), inside the screen."""
        return screen_fit.beside(self.frameGeometry(), (420, max(self.height(), 760)), screen_fit.available(self))
