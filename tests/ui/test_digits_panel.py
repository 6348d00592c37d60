"""The digits panel shows the generator's fixed-latent samples and the classifier's reading of them."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.core import digits  # noqa: E402
from ganviz.ui.panels.digits_panel import GRID_COLS, GRID_ROWS, DigitsPanel  # noqa: E402


@pytest.fixture
def panel(qtbot):
    w = DigitsPanel()
    qtbot.addWidget(w)
    yield w
    w.pause()


def test_ticks_draw_the_tiled_fakes_and_their_classes(panel):
    panel.steps_per_tick.setValue(4)
    for _ in range(3):
        panel.tick()
    assert panel.gan.step_count == 12
    fakes = panel.gan.samples()
    np.testing.assert_array_equal(panel.fakes, fakes)
    image = panel.image_item.image
    step = digits.SIDE + 1
    assert image.shape == (GRID_ROWS * step - 1, GRID_COLS * step - 1)
    for k in range(GRID_ROWS * GRID_COLS):
        r, c = divmod(k, GRID_COLS)
        np.testing.assert_array_equal(image[r * step : r * step + 8, c * step : c * step + 8], fakes[k].reshape(8, 8))
    assert tuple(panel.image_item.levels) == (-1.0, 1.0)

    # the histogram and KL come from the classifier on the same fakes (computed at the reset, step 0)
    assert panel._kl_steps == [0]
    m = panel.metrics
    assert m.n == digits.N_METRIC and m.counts.sum() == digits.N_METRIC
    panel.steps_per_tick.setValue(100)
    panel.tick()
    assert panel._kl_steps == [0, 112]
    expected = digits.digit_metrics(panel.gan.samples(), panel.classifier)
    np.testing.assert_array_equal(panel.metrics.counts, expected.counts)
    np.testing.assert_allclose(panel.bars.opts["height"], 100 * expected.fractions)
    assert panel.kl_curve.getData()[1][-1] == pytest.approx(expected.kl_uniform)
    assert f"classes produced: {expected.classes_1pct}" in panel.status.text()
    assert panel.classifier.accuracy >= 0.95


def test_objective_change_resets_and_close_stops(panel, qtbot):
    panel.objective.setCurrentIndex(panel.objective.findData("wgan"))
    assert panel.gan.objective.name == "wgan" and panel.lr.value() == pytest.approx(5e-5)
    assert panel.gan.step_count == 0
    panel.steps_per_tick.setValue(1)
    panel.start()
    qtbot.waitUntil(lambda: panel.gan.step_count >= 1, timeout=10_000)
    panel.close()
    assert not panel.running
