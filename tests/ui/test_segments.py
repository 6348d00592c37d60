"""Switching objective or dataset mid-run starts a new, marked segment; each plot shows only what its title
says; the status never contradicts the toolbar (issue 13 B8)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.core.analysis.frames import HISTORY_COLUMNS, FrameBuilder  # noqa: E402
from ganviz.core.runs.commands import SetDataset, SetLearningRates, SetObjective
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402
from ganviz.ui.panels.loss_panel import LossPanel  # noqa: E402
from ganviz.ui.panels.quality_panel import QualityPanel  # noqa: E402
from ganviz.ui.style import MIN_STEP_RANGE  # noqa: E402
from tests.frame_factory import make_frame  # noqa: E402


def history(steps) -> np.ndarray:
    h = np.tile(np.arange(len(HISTORY_COLUMNS), dtype=float), (len(steps), 1))
    h[:, 0] = steps
    return h


def test_the_loss_panel_draws_only_the_current_segment(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    frame = dataclasses.replace(make_frame(120), history=history(range(101, 121)), segment_start=116)
    panel.show_frame(frame)
    x, _ = panel.g_loss.getData()
    np.testing.assert_array_equal(x, [116, 117, 118, 119, 120])
    empty = dataclasses.replace(frame, segment_start=121)  # switched just now
    panel.show_frame(empty)
    x, _ = panel.g_loss.getData()
    assert x is None or len(x) == 0
    # no old x-range (116…120) on an empty plot: the empty step axis, 0 to MIN_STEP_RANGE
    assert panel.losses.viewRange()[0] == pytest.approx([0, MIN_STEP_RANGE], abs=0.05)


def test_the_quality_panel_draws_only_this_datasets_rows(qtbot):
    panel = QualityPanel()
    qtbot.addWidget(panel)
    quality = np.array([[3, 20, 18, 0.5, 0.1, 0.3], [8, 6, 5, 0.4, 0.2, 0.25]])  # step 3: grid25, step 8: ring8
    centres = np.zeros((8, 2))
    frame = dataclasses.replace(
        make_frame(8), quality=quality, centres=centres, mode_counts=np.ones(8), segment_start=5
    )
    panel.show_frame(frame)
    x, y = panel.modes.getData()
    np.testing.assert_array_equal(x, [8])
    np.testing.assert_array_equal(y, [6])
    assert "(of 8): 6 · robust 5" in panel.modes_plot.titleLabel.text


def test_a_switch_starts_a_marked_segment(qtbot):
    builder = FrameBuilder(TrainConfig(hidden=8, layers=1, batch=16, seed=0))
    try:
        builder.mirror.step_count = 40  # as if 40 steps were published
        builder.send(SetObjective("wgan-gp"))
        assert builder.segment_start == 40
        assert builder.events[-1] == (40, "switch", "objective → WGAN-GP")
        builder.mirror.step_count = 55
        builder.send(SetDataset("grid25"))
        assert builder.segment_start == 55 and builder.events[-1][1:] == ("switch", "dataset → Grid of 25 Gaussians")
        builder.send(SetLearningRates(1e-3, 1e-3))  # a live setting is not a new segment
        assert builder.segment_start == 55
    finally:
        builder.close()


def test_the_status_follows_the_windows_intent(qtbot):
    w = MainWindow(TrainConfig(hidden=16, layers=2, batch=32, seed=8))
    w.confirm = w.confirm_discard = lambda _q: True
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.frame is not None, timeout=60_000)
    w.running = True  # asked to run; the trainer has not answered yet
    w._update_status(dataclasses.replace(w.frame, running=False))
    assert w.status_labels["step"].text().startswith("starting…")
    w.running = False
    w._update_status(dataclasses.replace(w.frame, running=False))
    assert w.status_labels["step"].text().startswith("paused")
    w.close()
