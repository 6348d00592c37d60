"""Model overview strip (issue 16, after GAN Lab's model-overview graph): z → G → x̃ and x → D → score, each
node a live thumbnail drawn from the frame (the latent batch, G's output, the real samples, D's surface and the
mean D on real and fake). A click on a node emits `node_clicked(name)`; `connect_window(window)` makes such a
click bring the matching view forward. In slow motion `highlight(path)` brightens the sub-step's path and dims
the rest (ganviz.core.analysis.explain.OVERVIEW_PATHS).

Cheap by design (it draws with every side-panel update): no networks, no plot items; each thumbnail is a small
RGBA buffer filled with numpy (points as 2×2 pixel dots, the surface through the data view's colour map) and
wrapped once in a QImage that paintEvent draws."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ganviz.core.analysis.frames import GRADNORM_LABELS, Frame
from ganviz.core.training.config import TrainConfig
from ganviz.ui import style
from ganviz.ui.panels.base import PanelDefaults
from ganviz.ui.panels.data_panel import DIVERGING, SEQUENTIAL

NODES = ("z", "G", "fake", "real", "D", "score")
EDGES = (("z", "G"), ("G", "fake"), ("fake", "D"), ("real", "D"), ("D", "score"))
THUMBS = ("z", "fake", "real", "score")  # the others are boxes
LABELS = {"z": "z ~ p(z)", "fake": "x̃ = G(z)", "real": "x ~ p_data", "score": "D(x) surface"}
UNDEFINED_RGBA = (245, 245, 245, 255)  # a surface cell with no value (NaN)
SHORT_LABELS = {"z ~ p(z)": "z", "x̃ = G(z)": "x̃", "x ~ p_data": "x", "D(x) surface": "D(x)"}
TIPS = {
    "z": "The fixed latent batch (its first two coordinates), coloured by where G sends each z — click: latent view",
    "G": "The generator network — click: its hyper-parameters",
    "fake": "G's output: the generated samples x̃ = G(z) — click: the data view",
    "real": "Real samples x ~ p_data — click: the data view",
    "D": "The discriminator (critic) network — click: its hyper-parameters",
    "score": "D's score over the plane (its decision surface) and the mean D on real and fake samples "
    "at the last step — click: the data view",
}
THUMB_POINTS = 400  # at most this many dots per scatter thumbnail: a fixed stride of the frame's array
SURFACE_CELLS = 50  # the surface thumbnail's resolution (the frame's heatmap, every k-th cell)
DIM = 0.22  # opacity of what is off the highlighted path
HIGHLIGHT = QColor(230, 150, 0)  # the path's rim and arrows
TEXT = QColor(40, 40, 40)
MARGIN_TOP, MARGIN_BOTTOM, GAP = 14, 16, 22  # room for the arc and the title, the labels; between nodes
NUMBERS_W = 100  # the least room kept for the mean-D readout beside the score thumbnail
NUMBERS_SAMPLE = "mean D(x̃) = -0.000123"  # its longest line: the room kept where the strip is wide enough
PREFERRED_H = 128


def fitted(p: QPainter, text: str, width: float) -> str:
    """`text` if it fits `width` pixels in the painter's font, else its short form (z, x̃, x, D(x)), elided if need
    be: on a narrow strip the long labels ran into each other."""
    metrics = p.fontMetrics()
    if metrics.horizontalAdvance(text) <= width:
        return text
    return metrics.elidedText(SHORT_LABELS.get(text, text), Qt.ElideRight, int(width))


def subsample(points: np.ndarray, n: int = THUMB_POINTS) -> np.ndarray:
    """Every k-th point, k the smallest stride leaving at most `n` (deterministic: same frame, same dots)."""
    return points[:: max(1, math.ceil(len(points) / n))]


def raster_points(buf: np.ndarray, points: np.ndarray, colours: np.ndarray, extent: tuple) -> None:
    """Paint `points` (data coordinates in `extent`) as 2×2-pixel dots of `colours` ((n, 4) or (1, 4) RGBA)
    into `buf` ((size, size, 4) uint8, row 0 at the top), over white."""
    buf[:] = 255
    size = buf.shape[0]
    x0, x1, y0, y1 = extent
    px = (points[:, 0] - x0) / (x1 - x0) * (size - 2)
    py = (y1 - points[:, 1]) / (y1 - y0) * (size - 2)
    ok = np.isfinite(px) & np.isfinite(py) & (px >= 0) & (px <= size - 2) & (py >= 0) & (py <= size - 2)
    ix, iy = px[ok].astype(np.intp), py[ok].astype(np.intp)
    c = colours if len(colours) == 1 else colours[ok]
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        buf[iy + dy, ix + dx] = c


class OverviewPanel(PanelDefaults, QWidget):
    name, title, export_name, dock_title = "overview", "Model overview", "Model overview", "Overview"
    fields = (
        "fakes",
        "real",
        "surface",
        "surface_levels",
        "surface_labels",
        "pad_points",
        "pad_class",
        "palette",
        "latent_lim",
        "history",
        "extent",
    )
    shortcut = "O"
    area = Qt.TopDockWidgetArea

    node_clicked = Signal(str)  # one of NODES

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(110)
        self.setMaximumHeight(190)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.setMouseTracking(True)  # the pointing hand over a node
        self.path: tuple[str, ...] | None = None
        self.thumb_points: dict[str, np.ndarray] = {}  # the dots each scatter thumbnail shows, in data units
        self.means: tuple[float, float] = (math.nan, math.nan)  # mean D(real), mean D(fake) at the last step
        self.g_text = self.d_text = ""
        self.rects: dict[str, QRectF] = {}
        self._size = 0
        self._buffers: dict[str, np.ndarray] = {}
        self._images: dict[str, QImage] = {}
        self._surface_image: QImage | None = None
        self._surface_key: tuple | None = None
        self._frame: Frame | None = None
        self._real_key: tuple | None = None
        self._window = None

    def sizeHint(self):  # noqa: N802 (Qt's name)
        size = super().sizeHint()
        size.setHeight(PREFERRED_H)
        return size

    # --- protocol -------------------------------------------------------------------------------

    def set_config(self, config: TrainConfig) -> None:
        """The networks' sizes: a frame carries G's weights, not the architecture of both."""
        c = config
        self.g_text = f"{c.zdim}→{c.hidden}×{c.layers}→2"
        self.d_text = f"2→{c.hidden}×{c.layers}→1"

    def show_frame(self, frame: Frame) -> None:
        self._frame = frame
        self._layout()
        self._draw_points(frame)
        if frame.surface is not None and len(frame.surface):
            key = (id(frame.surface), frame.surface_levels, frame.surface_labels)
            if key != self._surface_key:
                self._surface_key = key
                self._surface_image = self._surface_thumb(frame)
        d_real, d_fake = frame.segment_column("d_real"), frame.segment_column("d_fake")
        self.means = (float(d_real[-1]), float(d_fake[-1])) if len(d_real) else (math.nan, math.nan)
        self.update()

    # --- slow motion --------------------------------------------------------------------------

    def highlight(self, path: tuple[str, ...] | None) -> None:
        """Brighten the nodes of `path` and the arrows between them, dim the rest; None: all plain."""
        unknown = set(path or ()) - set(NODES)
        if unknown:
            raise ValueError(f"unknown overview nodes {sorted(unknown)}; the nodes are {', '.join(NODES)}")
        self.path = tuple(path) if path is not None else None
        self.update()

    def node_opacity(self, name: str) -> float:
        return 1.0 if self.path is None or name in self.path else DIM

    def edge_lit(self, a: str, b: str) -> bool:
        return self.path is not None and a in self.path and b in self.path

    # --- clicks -------------------------------------------------------------------------------

    def node_at(self, pos: QPointF) -> str | None:
        for name, rect in self.rects.items():
            if rect.contains(pos):
                return name
        return None

    def mousePressEvent(self, event) -> None:  # noqa: N802
        name = self.node_at(event.position())
        if name is not None and event.button() == Qt.LeftButton:
            self.node_clicked.emit(name)
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        self.setCursor(Qt.PointingHandCursor if self.node_at(event.position()) else Qt.ArrowCursor)
        super().mouseMoveEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.ToolTip:
            name = self.node_at(QPointF(event.pos()))
            if name is None:
                QToolTip.hideText()
            else:
                sizes = {"G": self.g_text, "D": self.d_text}.get(name)  # under the box only where it fits
                QToolTip.showText(event.globalPos(), TIPS[name] + (f" (layers {sizes})" if sizes else ""), self)
            return True
        return super().event(event)

    def connect_window(self, window) -> None:
        """A click on a node brings its view forward in `window` (the main window): z the latent dock, G and
        D the hyper-parameter dock, x̃, x and the score the data view."""
        if self._window is None:
            self.node_clicked.connect(self.reveal)
        self._window = window

    def reveal(self, name: str) -> None:
        w = self._window
        if w is None:
            return
        dock = {"z": getattr(w, "latent_dock", None), "G": getattr(w, "params", None)}.get(name)
        dock = dock or (getattr(w, "params", None) if name == "D" else None)
        if dock is not None:
            dock.show()
            dock.raise_()
            return
        w.raise_()
        if getattr(w, "data_panel", None) is not None:
            w.data_panel.setFocus()
        what = {"fake": "generated samples (blue)", "real": "real samples (orange)", "score": "D's surface"}
        w.statusBar().showMessage(f"Data view: the {what.get(name, name)}", 3000)

    # --- drawing ------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._layout()
        if self._frame is not None:
            self._draw_points(self._frame)

    def _layout(self) -> None:
        """Node rectangles, left to right and centred: z, G, x̃, x, D, score (and its numbers); the thumbnails
        square, as tall as the strip allows, smaller when the strip is narrow."""
        h, w = self.height(), self.width()
        numbers_w = max(NUMBERS_W, self.fontMetrics().horizontalAdvance(NUMBERS_SAMPLE) + 10)
        s = max(24, min(110, h - MARGIN_TOP - MARGIN_BOTTOM))
        s = int(max(24, min(s, (w - 16 - 5 * GAP - numbers_w) / 5.6)))
        box_w, box_h = 0.8 * s, 0.62 * s
        total = 4 * s + 2 * box_w + 5 * GAP + numbers_w
        x = max(8.0, (w - total) / 2)
        top = MARGIN_TOP + max(0, (h - MARGIN_TOP - MARGIN_BOTTOM - s) / 2)
        mid = top + s / 2
        rects = {}
        for name in NODES:
            if name in THUMBS:
                rects[name] = QRectF(x, top, s, s)
                x += s + GAP
            else:
                rects[name] = QRectF(x, mid - box_h / 2, box_w, box_h)
                x += box_w + GAP
        self.rects = rects
        if s != self._size:  # new buffers (and the QImages over them) only when the size changes
            self._size = s
            self._buffers = {n: np.full((s, s, 4), 255, np.uint8) for n in ("z", "fake", "real")}
            self._images = {n: QImage(b.data, s, s, 4 * s, QImage.Format_RGBA8888) for n, b in self._buffers.items()}
            self._real_key = None

    def _draw_points(self, frame: Frame) -> None:
        fake_colour = np.array([(*style.FAKE, 255)], np.uint8)
        real_colour = np.array([(*style.REAL, 255)], np.uint8)
        fakes = subsample(frame.fakes)
        self.thumb_points["fake"] = fakes
        raster_points(self._buffers["fake"], fakes, fake_colour, frame.extent)
        real_key = (id(frame.real), frame.extent, self._size)
        if real_key != self._real_key:  # real points change only with the dataset
            self._real_key = real_key
            self.thumb_points["real"] = subsample(frame.real)
            raster_points(self._buffers["real"], self.thumb_points["real"], real_colour, frame.extent)
        if frame.z_fixed is not None and len(frame.z_fixed) == len(frame.fake_class):
            # the fixed batch itself (its first two coordinates for a latent of more), each z in its G(z)'s colour
            points, classes = frame.z_fixed[:, :2], frame.fake_class
        else:  # a frame without it (older snapshots, test frames): the latent pad's points
            points, classes = frame.pad_points, frame.pad_class
        step = max(1, math.ceil(len(points) / THUMB_POINTS))
        z = points[::step]
        self.thumb_points["z"] = z
        colours = frame.palette[np.clip(classes[::step], 0, len(frame.palette) - 1)]
        lim = frame.latent_lim
        raster_points(self._buffers["z"], z, colours, (-lim, lim, -lim, lim))

    def _surface_thumb(self, frame: Frame) -> QImage:
        values = frame.surface
        k = max(1, values.shape[0] // SURFACE_CELLS)
        cells = values[::k, ::k]
        lo, hi = frame.surface_levels
        t = np.clip((cells - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
        cmap = SEQUENTIAL if frame.surface_labels == GRADNORM_LABELS else DIVERGING
        table = cmap.getLookupTable(nPts=256, alpha=True)  # (256, 4) uint8
        defined = np.isfinite(t)  # D* is NaN where neither density reaches the data: drawn blank, as in the view
        rgba = table[(np.where(defined, t, 0.0) * 255).astype(np.intp)]
        rgba[~defined] = UNDEFINED_RGBA
        rgba = np.ascontiguousarray(rgba[::-1])  # row 0 = top = largest y
        self._surface_rgba = rgba  # the QImage reads this buffer
        n, m = rgba.shape[:2]
        return QImage(rgba.data, m, n, 4 * m, QImage.Format_RGBA8888)

    def paintEvent(self, event) -> None:  # noqa: N802
        if not self.rects:
            self._layout()
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor(250, 250, 250))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        p.setFont(small)
        p.setPen(QColor(120, 120, 120))
        p.drawText(QPointF(6, 11), "Model overview")
        for a, b in EDGES:
            self._arrow(p, a, b)
        for name in NODES:
            p.setOpacity(self.node_opacity(name))
            rect = self.rects[name]
            lit = self.path is not None and name in self.path
            if name in THUMBS:
                image = self._surface_image if name == "score" else self._images.get(name)
                if image is not None and self._frame is not None:
                    p.drawImage(rect, image)
                else:
                    p.fillRect(rect, QColor(255, 255, 255))
                p.setPen(QPen(HIGHLIGHT if lit else QColor(150, 150, 150), 3 if lit else 1))
                p.setBrush(Qt.NoBrush)
                p.drawRect(rect)
                p.setPen(TEXT)
                label = fitted(p, LABELS[name], rect.width() + GAP - 2)
                p.drawText(QRectF(rect.x() - GAP / 2, rect.bottom() + 1, rect.width() + GAP, 14), Qt.AlignCenter, label)
            else:
                self._box(p, name, rect, lit)
        p.setOpacity(self.node_opacity("score"))
        self._numbers(p, self.rects["score"])
        p.end()

    def _box(self, p: QPainter, name: str, rect: QRectF, lit: bool) -> None:
        fill = QColor(*style.FAKE, 40) if name == "G" else QColor(*style.D_LOSS, 40)
        p.setBrush(fill)
        p.setPen(QPen(HIGHLIGHT if lit else QColor(90, 90, 90), 3 if lit else 1.2))
        p.drawRoundedRect(rect, 6, 6)
        big = QFont(self.font())
        big.setBold(True)
        big.setPointSizeF(self.font().pointSizeF() + 3)
        p.setFont(big)
        p.setPen(TEXT)
        p.drawText(rect, Qt.AlignCenter, name)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1.5))
        p.setFont(small)
        text = self.g_text if name == "G" else self.d_text  # its layer sizes, under it: the box may be narrow
        text = text if p.fontMetrics().horizontalAdvance(text) <= rect.width() + GAP - 2 else ""  # (in the tooltip)
        p.drawText(QRectF(rect.x() - GAP / 2, rect.bottom() + 2, rect.width() + GAP, 14), Qt.AlignCenter, text)

    def _numbers(self, p: QPainter, rect: QRectF) -> None:
        for text, box, colour in self.number_lines(p.fontMetrics()):
            p.setPen(QColor(*colour))
            p.drawText(box, Qt.AlignLeft | Qt.AlignVCenter, text)

    def number_lines(self, metrics) -> list[tuple[str, QRectF, tuple]]:
        """The mean-D readout beside the score thumbnail: (text, its box, colour) per line. The box ends inside the
        strip, and a line that would not fit it drops "mean " and then its digits' tail (at 1024×700 "mean D(x̃) =
        0.487" ran into the window's edge)."""
        rect = self.rects["score"]
        x = rect.right() + 6
        width = max(0.0, self.width() - x - 4)
        lines = []
        for i, (label, value, colour) in enumerate(
            (("mean D(x)", self.means[0], style.REAL), ("mean D(x̃)", self.means[1], style.FAKE))
        ):
            shown = "–" if not math.isfinite(value) else f"{value:.3g}"
            text = f"{label} = {shown}"
            if metrics.horizontalAdvance(text) > width:
                text = metrics.elidedText(f"{label.removeprefix('mean ')} = {shown}", Qt.ElideRight, int(width))
            lines.append((text, QRectF(x, rect.center().y() - 17 + 20 * i, width, 16), colour))
        return lines

    def _arrow(self, p: QPainter, a: str, b: str) -> None:
        ra, rb = self.rects[a], self.rects[b]
        lit = self.edge_lit(a, b)
        p.setOpacity(1.0 if lit or self.path is None else DIM)
        colour = HIGHLIGHT if lit else QColor(110, 110, 110)
        p.setPen(QPen(colour, 2.5 if lit else 1.3))
        p.setBrush(Qt.NoBrush)
        if (a, b) == ("fake", "D"):  # over the real samples' node: up, across, down into D
            y = ra.top() - 7
            path = QPainterPath(QPointF(ra.center().x(), ra.top()))
            path.lineTo(ra.center().x(), y)
            path.lineTo(rb.center().x(), y)
            path.lineTo(rb.center().x(), rb.top() - 1)
            p.drawPath(path)
            tip, direction = QPointF(rb.center().x(), rb.top() - 1), (0.0, 1.0)
        else:
            start = QPointF(ra.right() + 2, ra.center().y())
            tip = QPointF(rb.left() - 2, rb.center().y())
            p.drawLine(start, tip)
            direction = (1.0, 0.0)
        dx, dy = direction
        head = QPolygonF(
            [tip, QPointF(tip.x() - 7 * dx + 4 * dy, tip.y() - 7 * dy - 4 * dx),
             QPointF(tip.x() - 7 * dx - 4 * dy, tip.y() - 7 * dy + 4 * dx)]
        )  # fmt: skip
        p.setBrush(colour)
        p.drawPolygon(head)
