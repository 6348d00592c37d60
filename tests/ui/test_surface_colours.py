"""The data view as a person reads it: colour maps and colour-bar numbers, samples on any colour, arrow heads."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

pytest.importorskip("PySide6")

import pyqtgraph as pg  # noqa: E402
from panel_frames import make_frame  # noqa: E402

from ganviz.core.analysis.frames import GRADNORM_LABELS  # noqa: E402
from ganviz.ui.export import qimage_to_rgb  # noqa: E402
from ganviz.ui.panels.data_panel import HEAD_ANGLE, DataPanel  # noqa: E402


@pytest.fixture
def panel(qtbot):
    w = DataPanel()
    w.resize(520, 560)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def ramp(lo: float, hi: float, n: int = 100) -> np.ndarray:
    return np.tile(np.linspace(lo, hi, n), (n, 1))


def luminance(rgb) -> np.ndarray:
    rgb = np.asarray(rgb, float)[..., :3]
    return rgb @ np.array([0.299, 0.587, 0.114])


def test_colour_bar_numbers_are_plain_not_si_scaled(panel):
    """A critic within ±0.5: the bar read "critic D(x) (x0.001)" over ticks at ±500."""
    panel.show_frame(make_frame(ramp(-0.5, 0.5), (-0.5, 0.5)))
    axis = panel.colorbar.axis
    assert re.search(r"\(x[-+.0-9e]+\)", axis.labelString()) is None and axis.autoSIPrefixScale == 1.0
    assert [float(t) for t in axis.tickStrings([-0.5, 0.0, 0.5], 1.0, 0.5)] == [-0.5, 0.0, 0.5]


def test_the_gradient_norm_uses_a_sequential_map_from_zero(panel):
    panel.show_frame(make_frame(ramp(0.0, 2.0), (0.0, 2.5), GRADNORM_LABELS))
    lum = luminance(panel.colorbar.colorMap().map(np.linspace(0.0, 1.0, 11), mode="byte"))
    assert lum[0] > 230  # 0 is (nearly) white ...
    assert np.all(np.diff(lum) < 0)  # ... and the map darkens monotonically as ‖∇ₓD‖ grows (no diverging centre)
    panel.show_frame(make_frame(ramp(-1.0, 1.0), (-1.0, 1.0)))  # back to a critic: the diverging map again
    lum = luminance(panel.colorbar.colorMap().map(np.linspace(0.0, 1.0, 11), mode="byte"))
    assert lum.argmax() == 5


def test_fakes_stay_visible_on_the_blue_end_of_the_map(panel, qtbot):
    """One fake on a surface at the map's blue end: it must stand out from the background, not only by hue."""
    panel.show_frame(make_frame(np.full((100, 100), -1.0), (-1.0, 1.0), fakes=np.array([[0.0, 0.0]])))
    qtbot.wait(50)
    image = qimage_to_rgb(panel.grab().toImage())
    centre = panel.plot.getViewBox().mapViewToDevice(pg.Point(0.0, 0.0))  # the panel is the view: its pixels
    cx, cy = int(round(centre.x())), int(round(centre.y()))
    background = luminance(image[cy - 30 : cy - 20, cx - 5 : cx + 5]).mean()
    spot = luminance(image[cy - 5 : cy + 6, cx - 5 : cx + 6])
    assert spot.max() - background > 40, (spot.max(), background)  # a light rim around the blue point


def test_generator_gradient_arrows_have_heads(panel):
    pts = np.array([[0.0, 0.0], [1.0, 1.0], [-2.0, 0.5]])
    grads = np.array([[-1.0, 0.0], [0.0, 2.0], [0.5, 0.5]])
    panel.set_arrows_visible(True)
    panel.show_frame(make_frame(ramp(-1, 1), (-1.0, 1.0), fakes=pts, arrows=(pts, grads)))
    sx, sy = panel.grad_arrows.getData()
    shafts = np.column_stack([sx, sy]).reshape(-1, 2, 2)
    hx, hy = panel.grad_heads.getData()
    heads = np.column_stack([hx, hy]).reshape(-1, 2, 2, 2)  # arrow, stroke, (tip, end)
    assert len(heads) == len(pts)
    for (tail, tip), strokes in zip(shafts, heads):
        back = (tail - tip) / np.linalg.norm(tail - tip)
        for start, end in strokes:
            np.testing.assert_allclose(start, tip, atol=1e-6)  # every stroke starts at the tip ...
            d = end - start
            angle = math.acos(np.clip(d @ back / np.linalg.norm(d), -1, 1))
            assert angle == pytest.approx(HEAD_ANGLE, abs=1e-5)  # ... and turns back by ±25°
            assert 0 < np.linalg.norm(d) <= 0.4 * np.linalg.norm(tip - tail) + 1e-9
        cross = [back[0] * (end - start)[1] - back[1] * (end - start)[0] for start, end in strokes]
        assert cross[0] * cross[1] < 0  # one stroke on each side of the shaft
