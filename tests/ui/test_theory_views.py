"""Theory overlays in the window: surfaces, gradient arrows, freezing, the theory panel."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("PySide6")

from ganviz.core.analysis.theory import generator_gradients, gradient_norm_surface  # noqa: E402
from ganviz.core.runs.commands import Step
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402

TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=7, objective="wgan-gp", n_critic=2)


@pytest.fixture
def window(qtbot):
    w = MainWindow(TINY)
    w.confirm = lambda _q: True
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def frame_where(qtbot, w, predicate, timeout=30_000):
    box = []

    def ok():
        assert w.frame is not None and predicate(w.frame)
        box.append(w.frame)

    qtbot.waitUntil(ok, timeout=timeout)
    return box[-1]


def test_gradient_norm_surface_and_arrows_match_autograd(qtbot, window):
    window.step_once()
    frame_where(qtbot, window, lambda f: f.step == 1)
    window.set_surface_mode("gradnorm")
    window.arrows_action.setChecked(True)
    frame = frame_where(qtbot, window, lambda f: f.surface_labels[0] == "‖∇ₓD(x)‖" and f.arrows is not None)
    ref = Trainer(TINY)
    ref.step(1)
    ref.D.eval()
    expected = gradient_norm_surface(ref.D, frame.extent, 100, torch.device("cpu"))
    np.testing.assert_allclose(frame.surface, expected, rtol=1e-4, atol=1e-6)
    pts, grads = frame.arrows
    np.testing.assert_allclose(grads, generator_gradients(ref.D, ref.objective, pts, torch.device("cpu")), rtol=1e-4)
    gx, _ = window.data_panel.grad_arrows.getData()
    assert len(gx) == 2 * len(pts)  # one segment per arrow
    assert window.data_panel.legend.getLabel(window.data_panel.boundary).text == "‖∇ₓD‖ = 1"


def test_freeze_d_keeps_the_critic_and_theory_panel_shows_its_weights(qtbot, window):
    window.theory_dock.show()
    window.step_once()
    frame_where(qtbot, window, lambda f: f.step == 1 and f.critic is not None)
    window.freeze_actions["D"].trigger()
    d_before = [p.detach().clone() for p in window.builder.mirror.D.parameters()]
    g_before = [p.detach().clone() for p in window.builder.mirror.G.parameters()]
    window.send(Step(5))
    frame = frame_where(qtbot, window, lambda f: f.step == 6)
    assert all(torch.equal(a, b) for a, b in zip(d_before, window.builder.mirror.D.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(g_before, window.builder.mirror.G.parameters()))
    (counts, edges), sv = frame.critic
    assert counts.sum() == sum(p.numel() for p in window.builder.mirror.D.parameters())
    assert len(sv) == 3
    x, y = window.theory_panel.estimate.getData()
    np.testing.assert_allclose(y, frame.column("d_real") - frame.column("d_fake"))
