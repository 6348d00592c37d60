"""Exports from the window: a plot panel to PNG / SVG, and a recording of any widget to GIF / MP4.

Everything is written atomically: to a temporary file beside the target, renamed over it when complete,
so a failed export never leaves a half-written file (or spoils an older one of that name).

* `export_panel(widget, path)`: a pyqtgraph PlotWidget / GraphicsLayoutWidget / PlotItem (or any
  widget, PNG only: a screenshot of it) to `.png` (pyqtgraph's ImageExporter) or `.svg` (Qt's QSvgGenerator
  drawing the scene in pyqtgraph's export mode; see `_qt_svg`).
* `Recorder`: `start(path, fps)`, `add_frame(widget.grab())` (or a QImage, QWidget or RGB array) as often
  as wanted, `stop()`. GIF through imageio's pillow plugin (frames are kept in memory until `stop`, ~3 bytes
  a pixel each: prefer MP4 for long recordings), MP4 (H.264) streamed to imageio-ffmpeg's ffmpeg.
  Every frame is scaled to the first frame's size; for MP4 that size is cropped to even numbers (H.264 in
  yuv420p needs them). With `widget=` the recorder grabs that widget itself on a timer at `fps`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (pg.exporters)
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QDockWidget, QGraphicsItem, QGraphicsScene, QWidget

from ganviz.core.files.io import check_writable, commit_temp, temp_beside, write_atomic

PANEL_SUFFIXES = (".png", ".svg")
RECORD_SUFFIXES = (".gif", ".mp4")
# a GIF's frames wait in memory until it is written (an MP4 streams to ffmpeg): ~1 MB each for the data view, so a
# GIF recording stops itself after this many (30 s of video at 15 frames/s) rather than grow without bound
GIF_MAX_FRAMES = 450


class ExportError(ValueError):
    """An export that cannot be done; the message says why in one line."""


def _target(path: str | os.PathLike, allowed: tuple[str, ...]) -> tuple[Path, str]:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in allowed:
        raise ExportError(f"cannot export to {str(p)!r}: choose a {' or '.join(allowed)} file name")
    if reason := check_writable(p):
        raise ExportError(f"cannot write {str(p)!r}: {reason}")
    return p, suffix


def _temp_beside(p: Path, suffix: str) -> str:
    """ganviz's short temp name beside the target (any target name length works; a killed writer's
    leftover is removed by the next save to that target)."""
    try:
        return temp_beside(p, suffix)
    except OSError as e:
        raise ExportError(f"cannot write {str(p)!r}: {e.strerror or e}") from None


def _plot_item(widget):
    """What pyqtgraph's exporters take for this widget, or None when it is no pyqtgraph plot."""
    if isinstance(widget, (QGraphicsItem, QGraphicsScene)):
        return widget
    for attr in ("plotItem", "ci"):  # PlotWidget, GraphicsLayoutWidget
        item = getattr(widget, attr, None)
        if isinstance(item, QGraphicsItem):
            return item
    if isinstance(widget, pg.GraphicsView):
        return widget.scene()
    return None


def export_panel(widget, path: str | os.PathLike, width: int | None = None) -> Path:
    """Write a plot to `path`: PNG or SVG by the extension; returns the path written.

    `widget`: a pg.PlotWidget, pg.GraphicsLayoutWidget, PlotItem (any pyqtgraph item or scene), or a
    QWidget holding exactly one pyqtgraph view (SVG) / any QWidget (PNG, as a screenshot of it).
    `width`: PNG width in pixels (height follows); None = as on screen.
    Raises ExportError (one line) for another extension, an unwritable path or a failed write.
    """
    p, suffix = _target(path, PANEL_SUFFIXES)
    item = _plot_item(widget)
    if item is None and isinstance(widget, QWidget):
        views = widget.findChildren(pg.GraphicsView)
        if suffix == ".png":
            return _save_image(widget.grab().toImage(), p, width)
        if len(views) != 1:
            raise ExportError(
                f"cannot export {type(widget).__name__} as SVG: it holds {len(views)} pyqtgraph plots, not one; "
                "save it as .png"
            )
        item = _plot_item(views[0])
    if item is None:
        raise ExportError(f"cannot export a {type(widget).__name__}: pass a pyqtgraph plot or a widget")
    if suffix == ".svg":
        # not pyqtgraph's SVGExporter: its clean-up fails on the path syntax of newer Qt (pyqtgraph issue
        # #3485) and it misplaces images (the heatmap) and scatter symbols
        data = _qt_svg(item)
        write_atomic(p, lambda f: f.write(data))
        return p
    exporter = pg.exporters.ImageExporter(item)
    if width is not None:
        exporter.parameters()["width"] = int(width)  # the height follows the aspect ratio
    try:
        image = exporter.export(toBytes=True)
    except Exception as e:  # pyqtgraph raises a bare Exception for an empty (0-pixel) plot
        raise ExportError(f"cannot export {str(p)!r}: {e}") from None
    return _save_image(image, p, None)


def _qt_svg(item) -> bytes:
    """The item (or scene) drawn by Qt's QSvgGenerator, one SVG pixel per scene pixel, as pyqtgraph's
    PNG export draws it: on the view's background, items in export mode (scatter symbols as vectors, not
    atlas bitmaps; ClassScatter then writes one <ellipse> a point), an image item (the heatmap) as one PNG
    <image> where it lies.

    The generator's resolution is the screen's: axes and legends replay QPictures recorded at that
    resolution, and a 72-dpi generator scales them by 72/96 (axes shrunk away from the data they label)
    and draws text at ¾ size.
    """
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QRectF
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    if isinstance(item, QGraphicsScene):
        scene, source = item, item.sceneRect()
    else:
        scene, source = item.scene(), item.sceneBoundingRect()
    if scene is None or source.width() <= 0 or source.height() <= 0:
        raise ExportError("cannot export an empty plot (it has no size yet)")
    w, h = max(1, round(source.width())), max(1, round(source.height()))
    views = scene.views()
    dpi = views[0].logicalDpiX() if views else 96
    background = views[0].backgroundBrush() if views else None
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setResolution(dpi)
    generator.setSize(QSize(w, h))
    generator.setViewBox(QRect(0, 0, w, h))
    generator.setTitle("ganviz")
    painter = QPainter(generator)
    items = [it for it in scene.items() if hasattr(it, "setExportMode")]
    try:
        if background is not None and background.style() != Qt.NoBrush:
            painter.fillRect(QRectF(0, 0, w, h), background)
        for it in items:
            it.setExportMode(True, {"antialias": True, "background": background, "painter": painter})
        scene.render(painter, QRectF(0, 0, w, h), source)
    finally:
        for it in items:
            it.setExportMode(False)
        painter.end()
    buffer.close()
    return _device_strokes(bytes(data.data()).decode("utf-8")).encode("utf-8")


_SCALED_GROUP = re.compile(r'(<g\b[^>]*?)transform="matrix\(([^)]*)\)"([^>]*>)(.*?)(</g>)', re.S)
_THIN_LINE = re.compile(r'<(?:path|polyline|polygon)\b[^>]*vector-effect="non-scaling-stroke"[^>]*/>')
_COORDINATES = re.compile(r'\b(d|points)="([^"]*)"')
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _device_strokes(svg: str) -> str:
    """Cosmetic (constant-width) lines drawn in data coordinates come out of Qt as paths and polylines under
    the data's transform (×96 on a data view) with vector-effect="non-scaling-stroke"; a renderer without
    that SVG 1.2 feature (ImageMagick's) draws them 96 times too wide: the curves and arrows become black
    blobs. Such lines are rewritten in the group's device coordinates (what pyqtgraph's own SVG clean-up
    does); the group's other elements keep its transform in a group of their own."""

    def group(m: re.Match) -> str:
        matrix, body = m.group(2), m.group(4)
        a, b, c, d, e, f = (float(v) for v in matrix.split(","))
        if (a, b, c, d) == (1.0, 0.0, 0.0, 1.0) or "non-scaling-stroke" not in body:
            return m.group(0)

        def mapped(line: re.Match) -> str:
            """The line's coordinates mapped by the matrix, in place (Qt writes only absolute x,y pairs)."""

            def attribute(m: re.Match) -> str:
                values = [float(v) for v in _NUMBER.findall(m.group(2))]
                xy = zip(values[0::2], values[1::2])
                device = iter(f"{v:.2f}" for x, y in xy for v in (a * x + c * y + e, b * x + d * y + f))
                return f'{m.group(1)}="{_NUMBER.sub(lambda _: next(device), m.group(2))}"'

            return _COORDINATES.sub(attribute, line.group(0))

        def wrap(chunk: str) -> str:
            return f'<g transform="matrix({matrix})">{chunk}</g>' if chunk.strip() else chunk

        out, last = [], 0
        for line in _THIN_LINE.finditer(body):
            out += [wrap(body[last : line.start()]), mapped(line)]
            last = line.end()
        out.append(wrap(body[last:]))
        return f'{m.group(1)}transform="matrix(1,0,0,1,0,0)"{m.group(3)}{"".join(out)}{m.group(5)}'

    return _SCALED_GROUP.sub(group, svg)


def _save_image(image: QImage, p: Path, width: int | None) -> Path:
    if width is not None and image.width() > 0:
        image = image.scaledToWidth(int(width), Qt.SmoothTransformation)
    tmp = _temp_beside(p, ".png")
    try:
        if image.isNull() or not image.save(tmp, "PNG"):
            raise ExportError(f"cannot write {str(p)!r}: the image could not be saved")
        commit_temp(tmp, p)
    except OSError as e:
        raise ExportError(f"cannot write {str(p)!r}: {e.strerror or e}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return p


def save_screenshot(widget: QWidget, path: str | os.PathLike) -> Path:
    """A PNG of the whole widget to `path` (whatever its extension), atomically; ExportError (one line)
    when it cannot be written: checked first, and the save's own result checked too. A window's floating
    panels that show (slow motion, theory) are drawn under it, in the same picture."""
    p = Path(path)
    if reason := check_writable(p):
        raise ExportError(f"cannot write {str(p)!r}: {reason}")
    floating = [d for d in widget.findChildren(QDockWidget) if d.isFloating() and d.isVisible()]
    return _save_image(stacked([widget.grab().toImage(), *(d.grab().toImage() for d in floating)]), p, None)


def stacked(images: list[QImage]) -> QImage:
    """The images one under the other, on white, left-aligned."""
    if len(images) == 1:
        return images[0]
    out = QImage(max(i.width() for i in images), sum(i.height() for i in images), QImage.Format_RGB32)
    out.fill(Qt.white)
    painter = QPainter(out)
    y = 0
    for image in images:
        painter.drawImage(0, y, image)
        y += image.height()
    painter.end()
    return out


# --- recording ------------------------------------------------------------------------------------


def to_qimage(frame) -> QImage:
    """A QImage from a QImage, QPixmap, QWidget (its screenshot) or (h, w, 3) uint8 RGB array."""
    if isinstance(frame, QImage):
        return frame
    if isinstance(frame, QPixmap):
        return frame.toImage()
    if isinstance(frame, QWidget):
        return frame.grab().toImage()
    a = np.ascontiguousarray(frame)
    if a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] != 3:
        raise ExportError(f"a frame must be a QImage, QPixmap, QWidget or (h, w, 3) uint8 array (got {a.shape})")
    h, w, _ = a.shape
    return QImage(a.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """(h, w, 3) uint8 RGB copy of a QImage (any format; alpha dropped)."""
    image = image.convertToFormat(QImage.Format_RGB888)
    w, h, bpl = image.width(), image.height(), image.bytesPerLine()
    buf = np.frombuffer(image.constBits(), np.uint8, count=h * bpl)
    return buf.reshape(h, bpl)[:, : 3 * w].reshape(h, w, 3).copy()


class Recorder:
    """Frames to a GIF or MP4 file. Use from the GUI thread (Qt images, and the optional timer)."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.fps = 15.0
        self.frames = 0
        self.size: QSize | None = None
        self._suffix = ""
        self._tmp: str | None = None
        self._gif: list[np.ndarray] = []
        self._mp4 = None  # imageio-ffmpeg's frame writer (a generator)
        self._timer: QTimer | None = None
        # called (GUI thread) when a widget's GIF recording has taken GIF_MAX_FRAMES frames and its timer stopped:
        # the owner stops the recording, which writes the file
        self.on_full: Callable[[], None] | None = None

    @property
    def full(self) -> bool:
        """A GIF recording that holds GIF_MAX_FRAMES frames takes no more."""
        return self._suffix == ".gif" and self.frames >= GIF_MAX_FRAMES

    @property
    def recording(self) -> bool:
        return self.path is not None

    def start(self, path: str | os.PathLike, fps: float = 15, widget: QWidget | None = None) -> None:
        """Begin a recording to `path` (.gif or .mp4); with `widget`, grab it every 1/fps s until `stop`."""
        if self.recording:
            raise ExportError(f"already recording to {self.path}; stop that first")
        if not (isinstance(fps, (int, float)) and 0 < fps <= 120):
            raise ExportError(f"fps must be a number in (0, 120] (got {fps!r})")
        p, suffix = _target(path, RECORD_SUFFIXES)
        if suffix == ".mp4":
            import imageio_ffmpeg  # noqa: F401  (fail now, not at the first frame, when it is missing)
        else:
            import imageio.v3  # noqa: F401
        self.path, self._suffix, self.fps = p, suffix, float(fps)
        self.frames, self.size, self._gif, self._mp4 = 0, None, [], None
        self._tmp = _temp_beside(p, suffix)
        if widget is not None:
            self._timer = QTimer()
            self._timer.timeout.connect(lambda: self._grab(widget))
            self._timer.start(max(1, round(1000 / self.fps)))

    def _grab(self, widget: QWidget) -> None:
        self.add_frame(widget)
        if self.full:
            self._stop_timer()
            if self.on_full is not None:
                self.on_full()

    def add_frame(self, frame) -> None:
        """One frame: a QImage, QPixmap (e.g. `widget.grab()`), QWidget or (h, w, 3) uint8 RGB array."""
        if not self.recording:
            raise ExportError("not recording: call start(path) first")
        if self.full:
            raise ExportError(f"a GIF recording holds at most {GIF_MAX_FRAMES} frames; record to .mp4 for longer")
        image = to_qimage(frame)
        if image.isNull() or image.width() < 2 or image.height() < 2:
            raise ExportError("an empty frame (the widget has no size yet?)")
        if self.size is None:
            w, h = image.width(), image.height()
            if self._suffix == ".mp4":
                w, h = w - w % 2, h - h % 2
            self.size = QSize(w, h)
        if image.size() != self.size:
            if self._suffix == ".mp4" and self.frames == 0:  # the first frame: crop its odd row / column
                image = image.copy(0, 0, self.size.width(), self.size.height())
            else:  # the widget was resized while recording
                image = image.scaled(self.size, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
        rgb = qimage_to_rgb(image)
        if self._suffix == ".gif":
            self._gif.append(rgb)
        else:
            if self._mp4 is None:
                self._mp4 = self._open_mp4()
            self._mp4.send(rgb)
        self.frames += 1

    def _open_mp4(self):
        import imageio_ffmpeg

        writer = imageio_ffmpeg.write_frames(
            self._tmp,
            (self.size.width(), self.size.height()),
            fps=self.fps,
            codec="libx264",
            pix_fmt_out="yuv420p",
            quality=7,
            macro_block_size=2,
            ffmpeg_log_level="error",
        )
        writer.send(None)  # start ffmpeg
        return writer

    def stop(self) -> Path:
        """Finish the file and return its path; ExportError when no frame was added (nothing is written)."""
        return self._take_encoding()()

    def stop_in_background(self) -> Future:
        """Like `stop`, but the encoding (seconds for a long GIF) runs on a thread of its own, so the window
        stays responsive: a Future of the path (or of the ExportError). No frames: ExportError at once."""
        encode = self._take_encoding()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ganviz-recording")
        future = pool.submit(encode)
        pool.shutdown(wait=False)  # the thread ends with its one job
        return future

    def _take_encoding(self):
        """Stop recording; a function that writes the file (touching no Qt object) and returns its path."""
        if not self.recording:
            raise ExportError("not recording")
        self._stop_timer()
        path, tmp, frames, suffix, fps = self.path, self._tmp, self._gif, self._suffix, self.fps
        mp4 = self._mp4
        if self.frames == 0:
            self._reset()
            raise ExportError(f"no frames were recorded; {path} was not written")
        self.path, self._tmp, self._mp4, self._gif, self.size = None, None, None, [], None  # the job owns them now

        def encode() -> Path:
            try:
                if suffix == ".gif":
                    import imageio.v3 as iio

                    iio.imwrite(tmp, np.stack(frames), plugin="pillow", extension=".gif", duration=1000.0 / fps, loop=0)
                else:
                    mp4.close()  # flushes and waits for ffmpeg
                commit_temp(tmp, path)
            except OSError as e:
                Path(tmp).unlink(missing_ok=True)
                raise ExportError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
            return path

        return encode

    def cancel(self) -> None:
        """Stop without writing anything."""
        self._stop_timer()
        self._reset()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None

    def _reset(self) -> None:
        if self._mp4 is not None:
            try:
                self._mp4.close()
            except Exception:  # ffmpeg already gone; the temporary file is removed below
                pass
        if self._tmp is not None:
            Path(self._tmp).unlink(missing_ok=True)
        self.path, self._tmp, self._mp4, self._gif, self.size = None, None, None, [], None
