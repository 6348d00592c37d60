"""Where each plot is on screen: the visible part of every pyqtgraph plot in a window, in window pixels.

Used by `--stats-json` (its `panels` list) and by the layout tests: a plot squeezed to a sliver, hidden under a
dock or scrolled out of view shows here as it shows to a person."""

from __future__ import annotations

import html
import re

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

_TAGS = re.compile(r"<[^>]+>")


def plot_name(plot: pg.PlotItem, fallback: str) -> str:
    """The plot's title as plain text (without a trailing live readout after ':'), else `fallback`."""
    title = html.unescape(_TAGS.sub("", plot.titleLabel.text or "")).strip()
    return title.split(":")[0].strip() or fallback


def _on_window(widget: QWidget, window: QWidget) -> QRect:
    """The part of `widget` inside every ancestor up to `window` (scroll viewports, splitters), in window pixels.
    (QWidget.visibleRegion would do this, but it is empty on the offscreen platform the tests use.)"""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return rect.intersected(QRect(QPoint(0, 0), window.size()))


def visible_plots(window: QWidget) -> list[dict]:
    """Every plot a person can see in `window`: {"name", "panel", "rect": [x, y, w, h]} in window pixels, the
    rectangle of its data area (axes and title outside it), clipped to the part of its view that is on screen."""
    found = []
    for view in window.findChildren(pg.GraphicsView):
        if not view.isVisible() or view.window() is not window:
            continue
        shown = _on_window(view, window)
        if shown.isEmpty():
            continue
        panel = type(view).__name__ if type(view) is not pg.GraphicsLayoutWidget else view.objectName() or "plots"
        owner = view.parentWidget()
        while owner is not None and owner is not window and not owner.objectName():
            owner = owner.parentWidget()
        panel = owner.objectName() if owner is not None and owner is not window else panel
        plots = [
            i
            for i in view.scene().items()
            if isinstance(i, pg.PlotItem) and not isinstance(i, pg.ColorBarItem) and i.isVisible()  # a colour bar is
        ]  # part of its plot
        for n, plot in enumerate(sorted(plots, key=lambda p: (p.sceneBoundingRect().y(), p.sceneBoundingRect().x()))):
            rect = view.mapFromScene(plot.getViewBox().sceneBoundingRect()).boundingRect()  # its data area
            on_window = QRect(view.mapTo(window, rect.topLeft()), rect.size()).intersected(shown)
            if on_window.isEmpty():
                continue
            found.append(
                {
                    "name": plot_name(plot, f"{panel} plot {n + 1}"),
                    "panel": panel,
                    "rect": [on_window.x(), on_window.y(), on_window.width(), on_window.height()],
                }
            )
    return found


def overlaps(plots: list[dict]) -> list[tuple[str, str]]:
    """Pairs of plots whose on-screen rectangles intersect."""
    rects = [(p["name"], QRect(*p["rect"])) for p in plots]
    return [(a, b) for i, (a, ra) in enumerate(rects) for b, rb in rects[i + 1 :] if ra.intersects(rb)]
