"""The slow-motion panel draws each sub-step of an explained step: its formula, boundary, arrows and moves."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402

from ganviz.core.analysis.explain import explain_step, split_formula  # noqa: E402
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.core.training.objectives import get_objective  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402
from ganviz.ui.panels.slowmo_panel import SlowMotionPanel  # noqa: E402


@pytest.fixture(scope="module")
def explained():
    t = Trainer(TrainConfig(hidden=16, layers=2, batch=32, objective="wgan-gp", n_critic=2))
    t.step(2)
    return explain_step(t, grid=24)


@pytest.fixture
def panel(qtbot):
    w = SlowMotionPanel()
    qtbot.addWidget(w)
    w.show()
    return w


def _curve_len(item) -> int:
    x, _ = item.getData()
    return 0 if x is None else len(x)


def test_each_substep_draws_what_it_explains(panel, explained):
    kinds = [s.kind for s in explained.substeps]
    d_part, g_part = split_formula(get_objective("wgan-gp"))
    # D's update: the boundary before (dashed) and after (solid), the formula of the objective on screen
    panel.show_explained(explained, kinds.index("d_loss"))
    assert d_part in panel.text.text()
    assert _curve_len(panel.boundary_before) > 0 and _curve_len(panel.boundary_after) == 0
    panel.show_explained(explained, kinds.index("d_update"))
    assert _curve_len(panel.boundary_before) > 0 and _curve_len(panel.boundary_after) > 0
    np.testing.assert_array_equal(panel.image.image, explained.rounds[0].surface_after)
    assert "D's update (1 of 2)" in panel.text.text()
    # G's loss: one arrow (two points) per fake, starting at the fake, pointing down L_G's gradient
    panel.show_explained(explained, kinds.index("g_loss"))
    g = explained.g
    x, y = panel.arrows.getData()
    assert len(x) == 2 * len(g.fake)
    np.testing.assert_allclose(np.column_stack([x[0::2], y[0::2]]), g.fake, rtol=1e-6)
    direction = np.column_stack([x[1::2] - x[0::2], y[1::2] - y[0::2]])
    assert (np.sum(direction * -g.grad, axis=1) >= 0).all()
    assert g_part in panel.text.text()
    # G's update: each fake joined to where it went
    panel.show_explained(explained, kinds.index("g_update"))
    x, y = panel.moves.getData()
    np.testing.assert_allclose(np.column_stack([x[1::2], y[1::2]]), g.fake_after, rtol=1e-6)


def test_keys_step_forward_and_back(panel, explained, qtbot):
    panel.show_explained(explained, 0)
    qtbot.keyClick(panel, Qt.Key_Right)
    qtbot.keyClick(panel, Qt.Key_Space)
    assert panel.index == 2
    qtbot.keyClick(panel, Qt.Key_Left)
    assert panel.index == 1
    for _ in range(3):
        qtbot.keyClick(panel, Qt.Key_Left)
    assert panel.index == 0  # stops at the first
    with pytest.raises(IndexError):
        panel.show_explained(explained, len(explained.substeps))


def test_play_walks_to_the_end_and_says_so(panel, explained, qtbot):
    panel.pace.setValue(0.3)
    panel.show_explained(explained, len(explained.substeps) - 3)
    seen = []
    panel.substep_changed.connect(seen.append)
    with qtbot.waitSignal(panel.finished, timeout=20000):
        panel.play()
    assert seen == [len(explained.substeps) - 2, len(explained.substeps) - 1]
    assert not panel.timer.isActive() and not panel.play_button.isChecked()


def test_in_gs_update_the_fakes_glide_along_their_moves(panel, explained):
    g = explained.g
    panel.pace.setValue(1.0)
    panel.show_explained(explained, [s.kind for s in explained.substeps].index("g_update"))
    anim = panel.move_animation
    assert anim.state() == anim.State.Running and anim.duration() == 800  # MOVE_SHARE of the 1 s pace
    anim.pause()
    for t in (0.25, 0.5):
        anim.setCurrentTime(int(t * anim.duration()))
        assert panel.move_fraction == pytest.approx(t)
        drawn = np.column_stack(panel.moving.getData())
        np.testing.assert_allclose(drawn, g.fake + np.float32(t) * (g.fake_after - g.fake), rtol=1e-6, atol=1e-7)
        # strictly between: each moving fake is t of its way, on the segment from old to new
        lengths = np.hypot(*(g.fake_after - g.fake).T)
        np.testing.assert_allclose(np.hypot(*(drawn - g.fake).T), t * lengths, rtol=1e-4, atol=1e-6)
    anim.setCurrentTime(anim.duration())
    np.testing.assert_allclose(np.column_stack(panel.moving.getData()), g.fake_after, rtol=1e-6, atol=1e-7)
    panel.step_by(-1)  # another sub-step: no fakes in motion
    assert anim.state() == anim.State.Stopped and panel.move_fraction is None and _curve_len(panel.moving) == 0


def test_the_overview_strip_and_the_loss_panel_follow_the_sub_steps(qtbot, explained):
    """SlowMotion in a bare window that has the two panels: each sub-step lights its path and its loss."""
    from PySide6.QtWidgets import QMainWindow

    from ganviz.core.analysis.explain import OVERVIEW_PATHS
    from ganviz.ui.panels.loss_panel import LossPanel
    from ganviz.ui.panels.overview_panel import OverviewPanel
    from ganviz.ui.slow_motion import SlowMotion

    window = QMainWindow()
    qtbot.addWidget(window)
    window.builder, window.running = None, False  # no trainer: the explained step is handed in below
    window.overview_panel, window.loss_panel = OverviewPanel(), LossPanel()
    slow = SlowMotion(window)
    slow.start()
    slow.take("explained", explained)
    slow.panel.play(False)
    for i, sub in enumerate(explained.substeps):
        slow.panel.show_explained(explained, i)
        assert window.overview_panel.path == OVERVIEW_PATHS[sub.kind]
        focus = window.loss_panel.focus
        if sub.kind == "sample":
            assert focus is None and not window.loss_panel._focus_marker.isVisible()
        else:
            key = "d_loss" if sub.kind.startswith("d_") else "g_loss"
            assert focus == (key, explained.step + 1, pytest.approx(sub.data.loss))
            assert f"= {sub.data.loss:.4g}" in window.loss_panel._focus_label.textItem.toPlainText()
    slow.stop()
    assert window.overview_panel.path is None and window.loss_panel.focus is None
    assert not window.loss_panel._focus_marker.isVisible()
