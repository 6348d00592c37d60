"""A scatter whose points are coloured by class, updated without pyqtgraph's per-point style pass.

`ScatterPlotItem.setData` with per-point brushes walks every point in Python (~9 ms for 2,500). Points of
one class share one pre-rendered symbol in the item's atlas, so after one slow `setData` that renders each
palette colour once (on hidden sentinel points), a frame only rewrites x, y and the atlas rectangles with
numpy indexing.

In an SVG (a QSvgGenerator painter) it draws every point as one <ellipse>, in runs of one style: pyqtgraph
would write each as a path in a group of its own with a transform (~400 bytes a point, 2 MB for a data view).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPaintEngine, QPainter


class ClassScatter(pg.ScatterPlotItem):
    def __init__(self, size: float = 4, pen=None, **kwargs) -> None:
        super().__init__(size=size, pen=pen, **kwargs)
        self._palette_key: bytes | None = None
        self._rects: np.ndarray | None = None
        self._brushes: np.ndarray | None = None
        self._n = -1

    def set_points(self, pos: np.ndarray, classes: np.ndarray, palette: np.ndarray) -> None:
        n, p = len(pos), len(palette)
        key = palette.tobytes()
        if key != self._palette_key or n != self._n:
            brushes = np.empty(p, dtype=object)
            for i, c in enumerate(palette):
                brushes[i] = pg.mkBrush(*(int(v) for v in c))
            # sentinels first (NaN: never drawn) so every palette colour has its symbol in the atlas
            all_pos = np.concatenate([np.full((p, 2), np.nan, np.float32), pos])
            all_brush = np.concatenate([brushes, brushes[classes]])
            self.setData(pos=all_pos, brush=list(all_brush))
            self._rects = self.data["sourceRect"][:p].copy()
            self._brushes, self._palette_key, self._n = brushes, key, n
            return
        d = self.data
        d["x"][p:] = pos[:, 0]
        d["y"][p:] = pos[:, 1]
        d["sourceRect"][p:] = self._rects[classes]
        d["brush"][p:] = self._brushes[classes]
        self.prepareGeometryChange()
        self.informViewBoundsChanged()
        self.bounds = [None, None]
        self.invalidate()

    def positions(self) -> np.ndarray:
        """The drawn points (sentinels excluded), (n, 2)."""
        p = len(self._rects) if self._rects is not None else 0
        return np.column_stack([self.data["x"][p:], self.data["y"][p:]])

    def colours(self) -> np.ndarray:
        """RGBA of every drawn point, (n, 4) uint8 (for tests and exports)."""
        p = len(self._rects) if self._rects is not None else 0
        return np.array([b.color().getRgb() for b in self.data["brush"][p:]], dtype=np.uint8)

    def paint(self, p: QPainter, option, widget) -> None:
        engine = p.paintEngine()
        svg = engine is not None and engine.type() == QPaintEngine.Type.SVG
        if not svg or self.opts["pxMode"] is not True or self.opts["symbol"] != "o":
            super().paint(p, option, widget)
            return
        x, y = self.data["x"], self.data["y"]
        shown = np.isfinite(x) & np.isfinite(y) & self._maskAt(self.viewRect())
        xy = pg.functions.transformCoordinates(p.transform(), np.vstack([x[shown], y[shown]])).T
        brushes = [b if b is not None else self.opts["brush"] for b in self.data["brush"][shown]]
        r = 0.5 * float(self.opts["size"])
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(pg.mkPen(self.opts["pen"]))
        keys = np.array([pg.mkBrush(b).color().rgba() for b in brushes], dtype=np.uint32)
        for key in np.unique(keys):  # one style change per colour, then plain ellipses
            members = np.flatnonzero(keys == key)
            p.setBrush(pg.mkBrush(brushes[members[0]]))
            for px, py in xy[members]:
                p.drawEllipse(QPointF(float(px), float(py)), r, r)
        p.restore()
