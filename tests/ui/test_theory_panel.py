"""The theory panel shows a quantity only where it means what its title says, and says what it leaves out."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.core.analysis.frames import HISTORY_COLUMNS  # noqa: E402
from ganviz.core.analysis.theory import game_value  # noqa: E402
from ganviz.ui.panels.theory_panel import TheoryPanel  # noqa: E402
from tests.frame_factory import make_frame  # noqa: E402


def frame_for(objective: str, family: str):
    rng = np.random.default_rng(0)
    history = rng.uniform(0.1, 1.0, (6, len(HISTORY_COLUMNS)))
    history[:, 0] = np.arange(1, 7)
    quality = np.array([[3, np.nan, np.nan, 0.5, np.nan, 0.7], [6, np.nan, np.nan, 0.6, np.nan, 0.4]])
    return dataclasses.replace(make_frame(6), objective=objective, family=family, history=history, quality=quality)


@pytest.fixture
def panel(qtbot):
    p = TheoryPanel()
    qtbot.addWidget(p)
    p.resize(320, 900)
    p.show()
    qtbot.waitExposed(p)
    return p


def heights(qtbot, panel) -> tuple[float, float]:
    """Heights of the game and critic plots (0 when hidden); the shown items must fill the panel."""
    qtbot.wait(50)  # one layout pass
    items = (panel.game, panel.game_legend, panel.w1_plot, panel.w1_legend, panel.grad_plot, panel.hist_plot)
    used = sum(i.geometry().height() for i in (*items, panel.sv_plot, panel.note) if i.isVisible())
    assert used > 0.85 * panel.height()  # a hidden plot's room went to the others
    return tuple(p.geometry().height() if p.isVisible() else 0.0 for p in (panel.game, panel.w1_plot))


def test_gan_objectives_get_the_game_value_and_no_critic_estimate(qtbot, panel):
    frame = frame_for("nonsaturating", "gan")
    panel.show_frame(frame, clip=None)
    game, critic = heights(qtbot, panel)
    assert panel.game.isVisible() and not panel.w1_plot.isVisible()
    assert game > 100 and critic < 5  # the hidden plot takes no room
    _, v = panel.value.getData()
    np.testing.assert_allclose(v, game_value(frame.column("d_loss")))
    assert "critic W1 estimate: wgan and wgan-gp only" in panel.note.text
    assert "game value" not in panel.note.text


def test_wgan_gets_the_critic_estimate_and_no_empty_game_plot(qtbot, panel):
    frame = frame_for("wgan-gp", "wgan")
    panel.show_frame(frame, clip=None)
    game, critic = heights(qtbot, panel)
    assert not panel.game.isVisible() and panel.w1_plot.isVisible()
    assert critic > 100 and game < 5
    _, est = panel.estimate.getData()
    np.testing.assert_allclose(est, frame.column("critic_estimate"))
    _, w1 = panel.w1.getData()
    np.testing.assert_allclose(w1, [0.7, 0.4])
    assert "game value V(D,G): minimax and nonsaturating only" in panel.note.text


def test_objectives_with_neither_say_both_and_switching_back_restores(qtbot, panel):
    panel.show_frame(frame_for("lsgan", "gan"), clip=None)
    assert not panel.game.isVisible() and not panel.w1_plot.isVisible()
    assert panel.note.text.count("Not shown") == 2
    panel.show_frame(frame_for("minimax", "gan"), clip=None)
    assert panel.game.isVisible() and heights(qtbot, panel)[0] > 100
