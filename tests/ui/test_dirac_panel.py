"""The Dirac-GAN panel draws exactly what ganviz.core.dirac computes."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.core import dirac  # noqa: E402
from ganviz.ui.panels.dirac_panel import DiracPanel  # noqa: E402


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
