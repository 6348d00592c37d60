"""Data view: real and fake samples over D's decision surface, with its colour bar and boundary."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt

from ganviz.core.frames import Frame
from ganviz.ui import style


def move_points(item: pg.ScatterPlotItem, pos: np.ndarray) -> None:
    """New positions for the same number of identically styled points, without setData's per-point
    style pass (~9 ms for 2,500 points): the cached symbol rectangles stay valid, only x and y change."""
    if len(item.data) != len(pos):
        item.setData(pos=pos)
        return
    item.data["x"] = pos[:, 0]
    item.data["y"] = pos[:, 1]
    item.prepareGeometryChange()
    item.informViewBoundsChanged()
    item.bounds = [None, None]
    item.invalidate()


SURFACE_TITLES = {"prob": "D(x) = P(real)", "raw01": "D(x) (LSGAN target 1 = real)", "critic": "critic D(x)"}
BOUNDARY_LABELS = {"prob": "D = ½", "raw01": "D = ½", "critic": "critic = 0"}


class DataPanel(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = self.addPlot(title="Samples and decision surface")
        self.plot.setLabel("bottom", "x₁")
        self.plot.setLabel("left", "x₂")
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setOpacity(0.75)
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            values=(0.0, 1.0), colorMap=pg.colormap.get("CET-D1A"), interactive=False, width=14
        )
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.boundary = pg.PlotCurveItem(pen=pg.mkPen(style.BOUNDARY, width=2, style=Qt.DashLine), connect="finite")
        self.real = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(*style.REAL, 200), name="real data")
        self.fake = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(*style.FAKE, 200), name="generated G(z)")
        legend = self.plot.addLegend(offset=(8, 8), labelTextSize="10pt", brush=style.LEGEND_BRUSH)
        for item in (self.boundary, self.real, self.fake):
            self.plot.addItem(item)
        legend.addItem(self.boundary, "D = ½")  # the scatters, being named, joined the legend themselves
        self.legend = legend
        self._extent: tuple[float, float, float, float] | None = None
        self._kind: str | None = None
        self._real_id: int | None = None

    def layer_items(self) -> dict[str, pg.GraphicsObject]:
        return {"real": self.real, "fake": self.fake, "surface": self.image, "boundary": self.boundary}

    def show_frame(self, frame: Frame) -> None:
        if frame.extent != self._extent:
            x0, x1, y0, y1 = frame.extent
            # one call: with the aspect locked, separate x and y calls would let the second crop the first
            self.plot.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
            self.plot.disableAutoRange()
            self._extent = frame.extent
        if frame.surface_kind != self._kind:
            self._kind = frame.surface_kind
            self.colorbar.axis.setLabel(SURFACE_TITLES[frame.surface_kind])
            self.legend.getLabel(self.boundary).setText(BOUNDARY_LABELS[frame.surface_kind])
        if id(frame.real) != self._real_id:  # real points only change with the dataset
            self.real.setData(pos=frame.real)
            self._real_id = id(frame.real)
        if self.fake.isVisible():
            move_points(self.fake, frame.fakes)
        if self.image.isVisible():
            self.image.setImage(frame.surface, autoLevels=False)
            x0, x1, y0, y1 = frame.extent
            self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))  # after setImage (before it: one colour)
            if self.colorbar.levels() != frame.surface_levels:  # a new scale repaints the bar's axis (~5 ms)
                self.colorbar.setLevels(frame.surface_levels)
        if self.boundary.isVisible():
            bx, by = frame.boundary
            if len(bx):
                self.boundary.setData(bx, by, connect="finite")
            else:
                self.boundary.setData(np.zeros(0), np.zeros(0))
