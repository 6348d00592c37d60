"""Colours shared by the panels (pyqtgraph accepts these strings and tuples), and the legend row."""

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt

REAL = (255, 140, 0)  # orange, as in gan_toy.py
FAKE = (30, 90, 200)  # blue
BOUNDARY = (20, 20, 20)
G_LOSS = (30, 90, 200)
D_LOSS = (220, 60, 40)
D_REAL = (255, 140, 0)
D_FAKE = (30, 90, 200)
ESTIMATE = (120, 40, 160)
MODES = (30, 120, 60)
ROBUST = (20, 20, 20)
HQ = (30, 90, 200)
RKL = (220, 60, 40)
W1 = (120, 40, 160)
LEGEND_BRUSH = (255, 255, 255, 210)  # legends stay readable over curves and the heatmap
PROBE = (200, 0, 120)  # the latent probe and its image path
RIM = (255, 255, 255, 170)  # outline of the data view's samples: readable on every colour of the surface


class ProbeMarker(pg.ScatterPlotItem):
    """The probe's cross: magenta on a white halo, so it stays visible on every class colour (magenta ones too).
    The halo is a child item that follows every setData."""

    def __init__(self, size: int = 16) -> None:
        super().__init__(size=size, symbol="+", pen=pg.mkPen(PROBE, width=3), brush=None)
        self.halo = pg.ScatterPlotItem(size=size + 4, symbol="+", pen=pg.mkPen("w", width=7), brush=None)
        self.halo.setParentItem(self)
        self.halo.setFlag(self.halo.GraphicsItemFlag.ItemStacksBehindParent)

    def setData(self, *args, **kwargs) -> None:
        super().setData(*args, **kwargs)
        if hasattr(self, "halo"):  # ScatterPlotItem's constructor calls setData before the halo exists
            self.halo.setData(*args, **kwargs)


def keep_layout_width(panel: pg.GraphicsLayoutWidget) -> None:
    """The panel never gets narrower than its plots, titles and legends need (narrower, its view would show only
    their left part, cutting titles and legends)."""
    need = panel.ci.effectiveSizeHint(Qt.MinimumSize).width() + 2 * panel.frameWidth() + 2
    panel.setMinimumWidth(int(math.ceil(need)))


LEGEND_LINE = 22  # px per line of a legend row


def legend_row(layout: pg.GraphicsLayoutWidget, row: int, columns: int, lines: int = 1) -> pg.LegendItem:
    """A legend in its own layout row (under its plot): inside the plot it would hide the newest, rightmost data."""
    legend = pg.LegendItem(colCount=columns, labelTextSize="9pt", horSpacing=14, verSpacing=-6)
    layout.addItem(legend, row=row, col=0)
    grid = layout.ci.layout
    grid.setRowMaximumHeight(row, LEGEND_LINE * lines)
    grid.setRowStretchFactor(row, 0)
    return legend


MIN_STEP_RANGE = 10  # generator steps: the narrowest a step axis shows


def step_axis(plot: pg.PlotItem, label: bool = True) -> None:
    """An x axis of generator steps: from 0, at least MIN_STEP_RANGE wide, in plain numbers. At step 0 (one point)
    pyqtgraph's auto range gave −0.5…0.5, or 0…1 for an empty plot: fractions of a step, or "(x0.001)"."""
    if label:
        plot.setLabel("bottom", "generator step")
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    plot.setLimits(xMin=0, minXRange=MIN_STEP_RANGE)
