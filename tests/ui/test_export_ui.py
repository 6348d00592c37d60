"""Exports from the window: plots to PNG / SVG, recordings to GIF / MP4 (written atomically)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget  # noqa: E402

from ganviz.ui.export import ExportError, Recorder, export_panel, qimage_to_rgb  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def plot(qtbot):
    w = pg.PlotWidget()
    w.plot(np.arange(20), np.sin(np.arange(20) / 3), pen="b")
    w.resize(320, 240)
    qtbot.addWidget(w)
    w.show()
    return w


def test_plot_to_png_and_svg(plot, tmp_path):
    png = export_panel(plot, tmp_path / "loss.png")
    assert png.read_bytes()[:8] == PNG_MAGIC
    image = QImage(str(png))
    assert image.width() > 100 and image.height() > 50
    svg = export_panel(plot.plotItem, tmp_path / "loss.SVG")  # a PlotItem; the extension in any case
    text = svg.read_text()
    assert "<svg" in text and "</svg>" in text
    wide = export_panel(plot, tmp_path / "wide.png", width=1000)
    assert QImage(str(wide)).width() == 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.SVG", "loss.png", "wide.png"]  # no temp files


def test_layout_widget_and_a_panel_holding_one_plot(qtbot, tmp_path):
    layout = pg.GraphicsLayoutWidget()
    layout.addPlot().plot([0, 1, 2], [1, 0, 1])
    layout.addPlot(row=1, col=0).plot([0, 1, 2], [0, 1, 0])
    panel = QWidget()
    box = QVBoxLayout(panel)
    box.addWidget(QLabel("a panel"))
    box.addWidget(layout)
    panel.resize(300, 400)
    qtbot.addWidget(panel)
    panel.show()
    assert "<svg" in export_panel(layout, tmp_path / "grid.svg").read_text()
    assert "<svg" in export_panel(panel, tmp_path / "panel.svg").read_text()
    assert export_panel(panel, tmp_path / "panel.png").read_bytes()[:8] == PNG_MAGIC  # a screenshot


def test_export_errors_are_one_line(plot, tmp_path):
    with pytest.raises(ExportError, match=r"choose a \.png or \.svg file name"):
        export_panel(plot, tmp_path / "loss.jpg")
    with pytest.raises(ExportError, match="does not exist"):
        export_panel(plot, tmp_path / "missing" / "loss.png")
    two = QWidget()
    QVBoxLayout(two).addWidget(pg.PlotWidget())
    two.layout().addWidget(pg.PlotWidget())
    with pytest.raises(ExportError, match="holds 2 pyqtgraph plots"):
        export_panel(two, tmp_path / "two.svg")
    assert list(tmp_path.iterdir()) == []


def frame(i: int, w: int = 64, h: int = 48) -> QImage:
    image = QImage(w, h, QImage.Format_RGB32)
    image.fill(QColor(40 * i % 256, 100, 255 - 40 * i % 256))
    return image


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_recorder_writes_frames_that_imageio_reads_back(qtbot, tmp_path, suffix):
    iio = pytest.importorskip("imageio.v3")
    path = tmp_path / f"run{suffix}"
    rec = Recorder()
    rec.start(path, fps=10)
    assert rec.recording and not path.exists()  # written at stop, in one go
    for i in range(4):
        rec.add_frame(frame(i, 65, 49))  # odd sizes: an MP4 is cropped to even ones
    rec.add_frame(frame(4, 130, 98).scaled(130, 98))  # a resized window: scaled back to the first size
    assert rec.stop() == path and not rec.recording
    frames = iio.imread(path, index=None, plugin="pillow" if suffix == ".gif" else "FFMPEG")
    want = (49, 65) if suffix == ".gif" else (48, 64)
    assert frames.shape[0] == 5 and frames.shape[1:3] == want
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # the temporary file was renamed


def test_recorder_mp4_read_with_ffmpeg(qtbot, tmp_path):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    path = tmp_path / "run.mp4"
    rec = Recorder()
    rec.start(path, fps=15)
    for i in range(5):
        rec.add_frame(qimage_to_rgb(frame(i, 65, 49)))  # RGB arrays work too
    rec.stop()
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = reader.__next__()
    assert tuple(meta["size"]) == (64, 48)
    assert sum(1 for _ in reader) == 5


def test_recorder_grabs_a_widget_on_a_timer(qtbot, tmp_path):
    iio = pytest.importorskip("imageio.v3")
    label = QLabel("ganviz")
    label.resize(80, 40)
    qtbot.addWidget(label)
    label.show()
    rec = Recorder()
    rec.start(tmp_path / "label.gif", fps=50, widget=label)
    for text in ("one", "two", "three"):  # pillow merges identical GIF frames: make them differ
        n = rec.frames
        qtbot.waitUntil(lambda n=n: rec.frames > n, timeout=5000)
        label.setText(text)
    qtbot.waitUntil(lambda: rec.frames >= 5, timeout=5000)
    rec.stop()
    assert iio.imread(tmp_path / "label.gif", index=None).shape[0] >= 3


def test_recorder_errors(tmp_path):
    rec = Recorder()
    with pytest.raises(ExportError, match=r"choose a \.gif or \.mp4"):
        rec.start(tmp_path / "x.avi")
    with pytest.raises(ExportError, match="not recording"):
        rec.add_frame(frame(0))
    rec.start(tmp_path / "x.gif")
    with pytest.raises(ExportError, match="already recording"):
        rec.start(tmp_path / "y.gif")
    with pytest.raises(ExportError, match="no frames were recorded"):
        rec.stop()
    rec.start(tmp_path / "z.mp4")
    rec.add_frame(frame(0))
    rec.cancel()
    assert list(tmp_path.iterdir()) == []  # nothing left behind
