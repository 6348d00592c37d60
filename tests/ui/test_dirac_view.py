"""The Dirac-GAN panel as a reader follows it: its start tooltip, a field under the whole orbit, a legend off it."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.ui.panels.dirac_panel import DiracPanel  # noqa: E402

PAPER_R500 = 3.0969  # science.md §5.3: minimax, simultaneous GD, h = 0.2, start (1, 1), 500 steps


@pytest.fixture
def panel(qtbot):
    w = DiracPanel()
    w.resize(760, 720)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def minimax_sim(panel) -> None:
    panel.objective.setCurrentIndex(panel.objective.findData("minimax"))
    panel.update_rule.setCurrentIndex(panel.update_rule.findData("sim"))
    panel.lr.setValue(0.2)
    panel.steps.setValue(500)


def test_every_start_the_tooltip_names_gives_the_papers_orbit(panel):
    """The tooltip said the paper's (1, 1) "is (1, −1) in ganviz's convention"; (1, −1) gives r₅₀₀ = 3.35."""
    tip = panel.theta0.toolTip()
    starts = re.findall(r"\(\s*([-−]?[\d.]+)\s*,\s*([-−]?[\d.]+)\s*\)", tip)
    assert starts, tip
    minimax_sim(panel)
    for theta, psi in starts:
        panel.theta0.setValue(float(theta.replace("−", "-")))
        panel.psi0.setValue(float(psi.replace("−", "-")))
        panel.recompute()
        assert panel.result.r_final == pytest.approx(PAPER_R500, abs=0.005), (theta, psi, panel.result.r_final)


def test_the_field_covers_the_whole_trajectory(panel):
    minimax_sim(panel)
    panel.recompute()
    traj = panel.result.trajectory
    fx, fy = panel.field_item.getData()
    cell = np.diff(np.unique(np.round(fx[0::6] + fx[1::6], 6) / 2))  # arrow centres: the grid's columns
    spacing = float(np.median(cell[cell > 1e-6]))
    for axis, values in ((0, fx), (1, fy)):
        assert np.abs(values).max() >= np.abs(traj[:, axis]).max() - spacing  # reaches r ≈ 3, not only ±2


def test_the_legend_is_not_over_the_field(panel):
    minimax_sim(panel)
    panel.recompute()
    view = panel.plot.getViewBox().sceneBoundingRect()
    legend = panel.legend.sceneBoundingRect()
    assert legend.height() > 0 and not view.intersects(legend)
