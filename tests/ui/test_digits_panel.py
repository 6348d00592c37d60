"""The digits panel shows the generator's fixed-latent samples and the classifier's reading of them."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.core.problems import digits  # noqa: E402
from ganviz.ui.panels.digits_panel import GRID_COLS, GRID_ROWS, DigitsPanel  # noqa: E402

WAIT_MS = 30_000


@pytest.fixture
def panel(qtbot):
    w = DigitsPanel()
    qtbot.addWidget(w)
    yield w
    w.close()


def wait_frame(qtbot, panel, check) -> None:
    qtbot.waitUntil(lambda: panel.frame is not None and check(panel.frame), timeout=WAIT_MS)


def test_ticks_draw_the_tiled_fakes_and_their_classes(panel, qtbot):
    panel.steps_per_tick.setValue(4)
    for _ in range(3):
        panel.tick()
    wait_frame(qtbot, panel, lambda f: f.settings.step == 12)
    # the worker's run is the core's run for these settings: same seed, same fakes
    reference = digits.DigitsGan(panel.objective_name(), seed=panel.seed.value(), lr=panel.lr.value())
    reference.step(12)
    fakes = reference.samples()
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
    wait_frame(qtbot, panel, lambda f: f.settings.step == 112)
    assert panel._kl_steps == [0, 112]
    expected = digits.digit_metrics(panel.fakes, panel.classifier)
    np.testing.assert_array_equal(panel.metrics.counts, expected.counts)
    np.testing.assert_allclose(panel.bars.opts["height"], 100 * expected.fractions)
    assert panel.kl_curve.getData()[1][-1] == pytest.approx(expected.kl_uniform)
    assert f"classes produced: {expected.classes_1pct}" in panel.status.text()
    assert panel.classifier.accuracy >= 0.95


def test_objective_change_resets_and_close_stops(panel, qtbot):
    panel.objective.setCurrentIndex(panel.objective.findData("wgan"))
    assert panel.lr.value() == pytest.approx(5e-5)
    wait_frame(qtbot, panel, lambda f: f.settings.objective == "wgan")
    assert panel.frame.settings.step == 0 and panel.frame.settings.lr_g == pytest.approx(5e-5)
    panel.steps_per_tick.setValue(1)
    panel.start()
    wait_frame(qtbot, panel, lambda f: f.settings.step >= 1)
    thread = panel.host.worker_thread
    panel.close()
    assert not panel.running and thread.isFinished() and not thread.isRunning()
