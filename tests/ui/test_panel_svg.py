"""A data view exported as SVG looks like its PNG export: rendered back, same picture, heatmap in place, small file."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("PySide6")
QtSvg = pytest.importorskip("PySide6.QtSvg")

from panel_frames import make_frame  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402

from ganviz.core.analysis.frames import SURFACE_LABELS  # noqa: E402
from ganviz.ui.export import export_panel, qimage_to_rgb  # noqa: E402
from ganviz.ui.panels.data_panel import DataPanel  # noqa: E402


def ring_samples(n: int, radius: float, spread: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    angle = rng.integers(0, 8, n) * np.pi / 4
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) + spread * rng.standard_normal((n, 2))


def saturated_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box (x0, x1, y0, y1) of the strongly red pixels: the heatmap's high end (no sample is red)."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    ys, xs = np.nonzero((r > 150) & (r - g > 70) & (r - b > 70))
    return xs.min(), xs.max(), ys.min(), ys.max()


@pytest.fixture
def panel(qtbot):
    w = DataPanel()
    w.resize(600, 600)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    xs = np.linspace(-3, 3, 100)
    surface = 1 / (1 + np.exp(-(xs[None, :] + 0.5 * xs[:, None])))  # D rises to the right: red on that side
    fakes = np.clip(ring_samples(2500, 1.0, 0.6, 1), -2.9, 2.9)
    real = ring_samples(2500, 2.0, 0.02, 0)
    arrows = (fakes[::10], 0.3 * fakes[::10])  # 250 arrows, as the window draws
    frame = make_frame(surface, (0.0, 1.0), SURFACE_LABELS["prob"], fakes=fakes, real=real, arrows=arrows)
    t = np.linspace(0, 2 * np.pi, 200)
    frame = dataclasses.replace(frame, boundary=(1.5 * np.cos(t), 1.5 * np.sin(t)))  # a level line (a curve)
    w.set_arrows_visible(True)
    w.show_frame(frame)
    qtbot.wait(50)
    return w


def render(svg: bytes, size) -> np.ndarray:
    renderer = QtSvg.QSvgRenderer(svg)
    assert renderer.isValid()
    view = renderer.viewBoxF()
    assert (view.width(), view.height()) == (size.width(), size.height())  # one SVG unit per PNG pixel
    drawn = QImage(size, QImage.Format_RGB32)
    drawn.fill(QColor("white"))
    painter = QPainter(drawn)
    renderer.render(painter)
    painter.end()
    return qimage_to_rgb(drawn).astype(float)


def test_svg_renders_like_the_png_and_is_small(panel, tmp_path):
    png = QImage(str(export_panel(panel, tmp_path / "data.png")))
    svg = export_panel(panel, tmp_path / "data.svg")
    assert svg.stat().st_size < 1_000_000  # was 3 MB here (7 MB in the window): every sample a bitmap or a group
    a, b = qimage_to_rgb(png).astype(float), render(svg.read_bytes(), png.size())
    assert np.abs(a - b).mean() < 6.0  # the same picture, up to antialiasing (was 106: axes shrunk, text ¾ size)
    box_png, box_svg = saturated_box(a), saturated_box(b)
    assert np.abs(np.subtract(box_png, box_svg)).max() <= 2, (box_png, box_svg)  # the heatmap where it was
    # a renderer without SVG 1.2's non-scaling strokes (ImageMagick's own) sees the same picture: no thin line
    # is left under the data's ×100 transform, where it would be drawn 100 times too wide (black blobs)
    plain = svg.read_bytes().replace(b'vector-effect="non-scaling-stroke"', b"")
    assert np.abs(a - render(plain, png.size())).mean() < 6.0
