"""A scatter whose points are coloured by class, updated without pyqtgraph's per-point style pass.

`ScatterPlotItem.setData` with per-point brushes walks every point in Python (~9 ms for 2,500). Points of
one class share one pre-rendered symbol in the item's atlas, so after one slow `setData` that renders each
palette colour once (on hidden sentinel points), a frame only rewrites x, y and the atlas rectangles with
numpy indexing.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class ClassScatter(pg.ScatterPlotItem):
    def __init__(self, size: float = 4, **kwargs) -> None:
        super().__init__(size=size, pen=None, **kwargs)
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
