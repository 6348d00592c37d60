"""Data view: real and fake samples over D's decision surface, with its colour bar and boundary."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from ganviz.core.analysis.frames import GRADNORM_LABELS, Frame
from ganviz.ui import style
from ganviz.ui.panels.scatter import ClassScatter

TRAIL_GROUPS = 4
ONE_COLOUR = np.array([(*style.FAKE, 220)], dtype=np.uint8)
REAL_COLOUR = np.array([(*style.REAL, 220)], dtype=np.uint8)
HEAD_ANGLE = np.radians(25.0)  # each stroke of an arrow head, from the reversed shaft


def light_colormap(name: str, white: float = 0.25, reverse: bool = False) -> pg.ColorMap:
    """A colour map blended with white, drawn opaque: the samples stay readable over it, and an opaque
    image paints faster than a translucent one."""
    table = pg.colormap.get(name).getLookupTable(nPts=256, alpha=False).astype(float)
    table = table[::-1] if reverse else table
    return pg.ColorMap(np.linspace(0.0, 1.0, 256), (1 - white) * table + white * 255.0)


DIVERGING = light_colormap("CET-D1A")  # D, D*, a critic: white on the level line, red towards real, blue fake
SEQUENTIAL = light_colormap("CET-L2", white=0.4, reverse=True)  # ‖∇ₓD‖ ≥ 0: white at 0, greyer as it grows


def arrow_heads(tails: np.ndarray, tips: np.ndarray, size: float) -> np.ndarray:
    """Two strokes per arrow at its tip, as (4·n, 2) point pairs for connect='pairs'; a stroke is `size` long
    or 40 % of its arrow if that is shorter (in data units: the view's aspect is locked, so angles hold)."""
    d = tips - tails
    length = np.hypot(d[:, 0], d[:, 1])
    ok = length > 0
    unit = np.zeros_like(d)
    unit[ok] = d[ok] / length[ok, None]
    stroke = np.minimum(size, 0.4 * length)[:, None]
    c, s = np.cos(HEAD_ANGLE), np.sin(HEAD_ANGLE)
    back = -unit
    left = np.column_stack([back[:, 0] * c - back[:, 1] * s, back[:, 0] * s + back[:, 1] * c])
    right = np.column_stack([back[:, 0] * c + back[:, 1] * s, -back[:, 0] * s + back[:, 1] * c])
    out = np.empty((4 * len(d), 2), np.float32)
    out[0::4], out[1::4], out[2::4], out[3::4] = tips, tips + stroke * left, tips, tips + stroke * right
    return out


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
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=DIVERGING, interactive=False, width=14)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        # plain numbers: an SI factor ("critic D(x) (x0.001)" over ticks ±500) reads as the wrong scale
        self.colorbar.axis.enableAutoSIPrefix(False)
        # solid: a dashed wide pen is re-dashed segment by segment on every paint (the costliest item here)
        self.boundary = pg.PlotCurveItem(
            pen=pg.mkPen(style.BOUNDARY, width=1.5), connect="finite", segmentedLineMode="off"
        )
        # a light rim keeps the samples readable on any colour of the surface (blue fakes on its blue side)
        self.real = ClassScatter(size=5, pen=style.RIM, brush=pg.mkBrush(*style.REAL, 220), name="real data")
        self.fake = ClassScatter(size=5, pen=style.RIM, brush=pg.mkBrush(*style.FAKE, 220), name="generated G(z)")
        self.trails = [
            pg.PlotCurveItem(pen=pg.mkPen(*style.FAKE, 40 + 150 * i // (TRAIL_GROUPS - 1)), connect="finite")
            for i in range(TRAIL_GROUPS)
        ]  # older segments fainter
        self.manifold = pg.PlotCurveItem(pen=pg.mkPen(60, 60, 60, 140, width=1), connect="finite")
        self.path = pg.PlotCurveItem(pen=pg.mkPen(style.PROBE, width=3), connect="finite")
        self.probe = style.ProbeMarker()
        self.selected = pg.ScatterPlotItem(size=14, symbol="o", pen=pg.mkPen("k", width=2), brush=None)
        self.arrow = pg.PlotCurveItem(pen=pg.mkPen("k", width=2), connect="pairs")
        self.drawn = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(20, 20, 20, 230))
        self.grad_arrows = pg.PlotCurveItem(pen=pg.mkPen(20, 20, 20, 190, width=1.5), connect="pairs")
        # the heads' strokes as line pairs in one curve: 250 arrows cost two batched items, not 250
        self.grad_heads = pg.PlotCurveItem(pen=pg.mkPen(20, 20, 20, 190, width=1.5), connect="pairs")
        self.argmax = pg.ScatterPlotItem(size=18, symbol="star", pen=pg.mkPen("k", width=1), brush=pg.mkBrush("y"))
        self.argmax.setToolTip("argmax D: where G sends every sample when D is frozen")
        for item in (self.manifold, *self.trails, self.boundary, self.real, self.fake, self.path, self.probe):
            self.plot.addItem(item)
        for item in (self.selected, self.arrow, self.grad_arrows, self.grad_heads, self.argmax, self.drawn):
            self.plot.addItem(item)
        # under the plot: inside it the legend covered a corner of the heatmap (and samples there)
        # two columns (a third line while the arrows show): one line of five, then two lines of three, were wider
        # than the view 1024 × 700 gives it with the critic's level label, and the scene was cut off at its edge
        legend = style.legend_row(self, row=1, columns=2, lines=2)
        legend.addItem(self.real, "real data")
        legend.addItem(self.fake, "generated G(z)")
        legend.addItem(self.boundary, "D = ½")
        legend.addItem(self.argmax, "argmax D")
        self.grad_arrows.setVisible(False)
        self.grad_heads.setVisible(False)
        self.legend = legend
        self.colour_by_class = False
        self.manifold.setVisible(False)
        self._extent: tuple[float, float, float, float] | None = None
        self._kind: str | None = None
        self._real_id: int | None = None
        self._sequential = False

    def layer_items(self) -> dict[str, pg.GraphicsObject]:
        return {
            "real": self.real,
            "fake": self.fake,
            "surface": self.image,
            "boundary": self.boundary,
            "manifold": self.manifold,
        }

    def show_arrows(self, frame: Frame) -> None:
        """−∇ₓ L_G at a subset of fakes (where G's next update pushes them), scaled to be readable."""
        on = frame.arrows is not None and self.grad_arrows.isVisible()
        if not on:
            return
        pts, grads = frame.arrows
        norms = np.hypot(grads[:, 0], grads[:, 1])
        ref = float(np.percentile(norms, 90)) if len(norms) else 0.0
        x0, x1, _, _ = frame.extent
        scale = 0.06 * (x1 - x0) / ref if ref > 0 else 0.0  # the 90th-percentile arrow is 6 % of the view
        tips = pts - scale * grads
        seg = np.empty((2 * len(pts), 2), np.float32)
        seg[0::2], seg[1::2] = pts, tips
        self.grad_arrows.setData(seg[:, 0], seg[:, 1], connect="pairs")
        heads = arrow_heads(pts, tips, 0.015 * (x1 - x0))
        self.grad_heads.setData(heads[:, 0], heads[:, 1], connect="pairs")
        self.legend.getLabel(self.grad_arrows).setText(f"−∇ₓ L_G × {scale:.3g}")

    def set_arrows_visible(self, on: bool) -> None:
        self.grad_arrows.setVisible(on)
        self.grad_heads.setVisible(on)
        self.legend.removeItem(self.grad_arrows)
        if on:  # a hidden item's legend entry would show a crossed-out sample
            self.legend.addItem(self.grad_arrows, "−∇ₓ L_G")
        self.ci.layout.setRowMaximumHeight(1, style.LEGEND_LINE * (3 if on else 2))  # its fifth entry: a third line

    def set_drawn(self, points: np.ndarray | None) -> None:
        """The user's drawn points (None hides them)."""
        self.drawn.setData(pos=np.zeros((0, 2)) if points is None else points)

    def set_probe(self, x: np.ndarray | None) -> None:
        """The latent probe's image G(z) (None hides it)."""
        if x is None:
            self.probe.setData([], [])
        else:
            self.probe.setData([float(x[0])], [float(x[1])])

    def set_path(self, xy: np.ndarray | None) -> None:
        """G of a latent segment, as a line (None hides it)."""
        if xy is None:
            self.path.setData(np.zeros(0), np.zeros(0))
        else:
            self.path.setData(xy[:, 0], xy[:, 1])

    def set_selected(self, x: np.ndarray | None, grad: np.ndarray | None = None, scale: float = 1.0) -> None:
        """Ring the selected fake; draw −∇ₓ L_G (the direction G's update moves it) from it."""
        if x is None:
            self.selected.setData([], [])
            self.arrow.setData(np.zeros(0), np.zeros(0))
            return
        self.selected.setData([float(x[0])], [float(x[1])])
        if grad is not None:
            tip = x - scale * grad
            x0, x1 = self._extent[:2] if self._extent is not None else (-1.0, 1.0)
            heads = arrow_heads(np.asarray([x], float), np.asarray([tip], float), 0.025 * (x1 - x0))
            pts = np.concatenate([np.asarray([x, tip], float), heads])
            self.arrow.setData(pts[:, 0], pts[:, 1], connect="pairs")

    def set_trails(self, tracks: np.ndarray | None) -> None:
        """tracks: (snapshots, points, 2), oldest first; drawn in TRAIL_GROUPS pieces, older fainter."""
        if tracks is None or len(tracks) < 2:
            for t in self.trails:
                t.setData(np.zeros(0), np.zeros(0))
            return
        bounds = np.linspace(0, len(tracks) - 1, TRAIL_GROUPS + 1).round().astype(int)
        for item, a, b in zip(self.trails, bounds[:-1], bounds[1:]):
            piece = tracks[a : b + 1]  # (k, points, 2): one polyline per point
            if len(piece) < 2:
                item.setData(np.zeros(0), np.zeros(0))
                continue
            lines = np.concatenate([piece.transpose(1, 0, 2), np.full((piece.shape[1], 1, 2), np.nan)], axis=1)
            item.setData(lines[..., 0].ravel(), lines[..., 1].ravel(), connect="finite")

    def show_frame(self, frame: Frame) -> None:
        if frame.extent != self._extent:
            x0, x1, y0, y1 = frame.extent
            # one call: with the aspect locked, separate x and y calls would let the second crop the first
            self.plot.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
            self.plot.disableAutoRange()
            self._extent = frame.extent
        if frame.surface_labels != self._kind:
            self._kind = frame.surface_labels
            self.colorbar.axis.setLabel(frame.surface_labels[0])
            self.legend.getLabel(self.boundary).setText(frame.surface_labels[1])
            sequential = frame.surface_labels == GRADNORM_LABELS  # a norm, from 0: no diverging map
            if sequential != self._sequential:
                self._sequential = sequential
                self.colorbar.setColorMap(SEQUENTIAL if sequential else DIVERGING)
        self.argmax.setData([frame.surface_max[0]], [frame.surface_max[1]])
        self.show_arrows(frame)
        if id(frame.real) != self._real_id:  # real points only change with the dataset
            self.real.set_points(frame.real, np.zeros(len(frame.real), np.int16), REAL_COLOUR)
            self._real_id = id(frame.real)
        if self.fake.isVisible():
            if self.colour_by_class:
                self.fake.set_points(frame.fakes, frame.fake_class, frame.palette)
            else:
                self.fake.set_points(frame.fakes, np.zeros(len(frame.fakes), np.int16), ONE_COLOUR)
        if self.manifold.isVisible() and frame.manifold is not None:
            self.manifold.setData(*frame.manifold, connect="finite")
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
