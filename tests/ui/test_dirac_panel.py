"""The Dirac-GAN panel draws exactly what ganviz.core.problems.dirac computes."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.core.problems import dirac  # noqa: E402
from ganviz.ui.panels.dirac_panel import FIELD_LIM, DiracPanel, arrow_segments  # noqa: E402


@pytest.fixture
def panel(qtbot):
    w = DiracPanel()
    qtbot.addWidget(w)
    return w


def test_minimax_sim_trajectory_is_simulate_output(panel):
    panel.objective.setCurrentIndex(panel.objective.findData("minimax"))
    panel.update_rule.setCurrentIndex(panel.update_rule.findData("sim"))
    panel.recompute()
    x, y = panel.trajectory_item.getData()
    ref = dirac.simulate("minimax", "sim", steps=500, lr=0.2, start=(1.0, 1.0))
    np.testing.assert_array_equal(np.column_stack([x, y]), ref.trajectory)
    assert panel.result.r_final == ref.r_final
    assert "3.1" in panel.plot.titleLabel.text  # science.md §5.3: r₅₀₀ = 3.10


def test_controls_recompute_after_change(panel, qtbot):
    panel.objective.setCurrentIndex(panel.objective.findData("wgan-gp"))
    panel.steps.setValue(40)
    panel.psi0.setValue(1.0)
    qtbot.waitUntil(lambda: len(panel.trajectory_item.getData()[0]) == 41, timeout=5000)
    ref = dirac.simulate("wgan-gp", "sim", steps=40, lr=0.2, start=(1.0, 1.0), gp_lambda=dirac.DIRAC_GP_LAMBDA)
    x, y = panel.trajectory_item.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), ref.trajectory)
    assert panel.gp_lambda.isEnabled() and not panel.clip.isEnabled()
    # the field: 15×15 arrows, each a shaft and a two-stroke head (6 points), none at the grid's (0, 0)
    fx, _ = panel.field_item.getData()
    assert len(fx) % 6 == 0 and 0 < len(fx) // 6 <= 15 * 15


@pytest.mark.parametrize("update", ["extragradient", "optimistic"])
def test_every_update_of_the_core_is_offered_and_drawn(panel, update):
    """The update box lists dirac.UPDATES; the updates of issue 15 draw and title like the others."""
    assert [panel.update_rule.itemData(i) for i in range(panel.update_rule.count())] == list(dirac.UPDATES)
    panel.update_rule.setCurrentIndex(panel.update_rule.findData(update))
    panel.recompute()
    x, y = panel.trajectory_item.getData()
    ref = dirac.simulate("minimax", update, steps=500, lr=0.2, start=(1.0, 1.0))
    np.testing.assert_array_equal(np.column_stack([x, y]), ref.trajectory)
    assert panel.update_rule.currentText() in panel.plot.titleLabel.text


@pytest.mark.parametrize(("key", "value"), [("r2", 0.5), ("instance_noise", 0.5), ("consensus", 0.5), ("lecam", 2.0)])
def test_each_remedy_box_draws_what_simulate_gives(panel, qtbot, key, value):
    """Each remedy's box reaches dirac.simulate and dirac.field_grid: the drawn trajectory and arrows are theirs."""
    panel.steps.setValue(120)
    panel.recompute()
    plain = np.column_stack(panel.trajectory_item.getData())
    box = getattr(panel, key)
    assert box is panel.remedy_boxes[key] and box.value() == 0.0
    assert "0 = off" in box.toolTip() and ("γ" in box.toolTip() or "σ" in box.toolTip() or "λ" in box.toolTip())
    box.setValue(value)
    qtbot.waitUntil(lambda: panel.settings()[key] == value and not panel._timer.isActive(), timeout=10000)
    panel.recompute()
    ref = dirac.simulate("minimax", "sim", steps=120, lr=0.2, start=(1.0, 1.0), **{key: value})
    drawn = np.column_stack(panel.trajectory_item.getData())
    np.testing.assert_array_equal(drawn, ref.trajectory)
    assert not np.allclose(drawn, plain)  # the remedy changes the path (all four pull it in from r ≈ 1.4)
    assert np.hypot(*drawn[-1]) < np.hypot(*plain[-1])
    # the arrows are field_grid's for the same remedy (LeCam's at the anchors the run ends with)
    extra = {"lecam_anchors": ref.lecam_anchors} if key == "lecam" else {}
    lim = max(FIELD_LIM, float(np.abs(ref.trajectory).max()))
    theta, psi, td, pd = dirac.field_grid("minimax", n=15, lim=lim, **{key: value}, **extra)
    xs, ys = arrow_segments(theta, psi, td, pd, cell=2 * lim / 14)
    fx, fy = panel.field_item.getData()
    np.testing.assert_allclose(fx, xs)
    np.testing.assert_allclose(fy, ys)
    assert f"={value:g}" in panel.plot.titleLabel.text
