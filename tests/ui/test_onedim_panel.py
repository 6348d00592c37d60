"""The 1-D GAN panel draws exactly what ganviz.core.problems.onedim computes, trained on a worker thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.core.problems import onedim  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402
from ganviz.ui.panels.onedim_panel import OneDimPanel  # noqa: E402

WAIT_MS = 20_000


@pytest.fixture
def panel(qtbot):
    w = OneDimPanel()
    qtbot.addWidget(w)
    yield w
    w.close()


def curve(item) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getData()
    return np.asarray(x), np.asarray(y)


def wait_frame(qtbot, panel, check) -> None:
    qtbot.waitUntil(lambda: panel.frame is not None and check(panel.frame), timeout=WAIT_MS)


def test_ticks_draw_p_q_d_and_d_star(panel, qtbot):
    panel.dataset.setCurrentIndex(panel.dataset.findData("two-gaussians"))
    panel.objective.setCurrentIndex(panel.objective.findData("nonsaturating"))
    panel.steps_per_tick.setValue(5)
    for _ in range(4):
        panel.tick()
    wait_frame(qtbot, panel, lambda f: f.settings.step == 20)
    assert panel.snapshot.step == 20

    x, p = curve(panel.p_curve)
    ds = onedim.get_dataset("two-gaussians")
    np.testing.assert_array_equal(x, ds.grid())
    np.testing.assert_allclose(p, onedim.density("two-gaussians", x), rtol=1e-12)

    xq, q = curve(panel.q_curve)
    np.testing.assert_array_equal(xq, x)
    np.testing.assert_array_equal(q, panel.snapshot.q)
    _, d_star = curve(panel.d_star_curve)
    np.testing.assert_allclose(d_star, p / (p + q), rtol=1e-12)
    assert panel.d_star_curve.isVisible()

    _, d = curve(panel.d_curve)
    np.testing.assert_array_equal(d, panel.snapshot.d)
    assert ((d > 0) & (d < 1)).all()
    _, ml = curve(panel.ml_curve)
    m, s = onedim.ml_fit_for("two-gaussians")
    np.testing.assert_allclose(ml, onedim.gaussian_pdf(x, m, s))

    # what the worker trained is the core's run for these settings, step for step (same seed, same numbers)
    reference = onedim.OneDimGan("two-gaussians", "nonsaturating", seed=0, lr=panel.lr.value())
    reference.step(20)
    np.testing.assert_array_equal(panel.snapshot.fakes, reference.fakes().ravel())

    # V over steps: one point per redraw (the reset and 4 ticks), the −2 ln 2 line
    vx, v = curve(panel.v_curve)
    assert vx.tolist() == [0, 5, 10, 15, 20] and np.isfinite(v).all()
    assert panel.v_ref.value() == pytest.approx(-2 * np.log(2))
    assert "estimate" in panel.v_plot.titleLabel.text


def test_controls_reset_and_critic_axis(panel, qtbot):
    panel.objective.setCurrentIndex(panel.objective.findData("wgan-gp"))
    assert panel.lr.value() == pytest.approx(1e-4)
    wait_frame(qtbot, panel, lambda f: f.settings.objective == "wgan-gp")
    assert panel.frame.settings.n_critic == 5
    panel.tick()
    wait_frame(qtbot, panel, lambda f: f.settings.step == 10)
    assert not panel.d_star_curve.isVisible()  # no D* for WGAN
    assert panel.d_curve.getViewBox() is panel.critic_vb and panel.plot.getAxis("right").isVisible()
    panel.lr.setValue(5e-4)  # read back from the worker's optimisers
    wait_frame(qtbot, panel, lambda f: f.settings.lr_g == 5e-4 and f.settings.lr_d == 5e-4)
    panel.dataset.setCurrentIndex(panel.dataset.findData("gaussian"))
    wait_frame(qtbot, panel, lambda f: f.params["dataset"] == "gaussian")
    assert panel.frame.settings.step == 0 and panel.snapshot.step == 0
    panel.objective.setCurrentIndex(panel.objective.findData("minimax"))
    assert panel.d_curve.getViewBox() is panel.plot.vb


def test_start_pause_and_close_stop_the_worker(panel, qtbot):
    panel.steps_per_tick.setValue(1)
    panel.start_button.click()
    assert panel.running and panel.start_button.text() == "Pause"
    wait_frame(qtbot, panel, lambda f: f.settings.step >= 2)
    panel.start_button.click()
    assert not panel.running and panel.start_button.text() == "Start"
    panel.start()
    thread = panel.host.worker_thread
    panel.close()
    assert not panel.running and not thread.isRunning() and thread.isFinished()


def test_the_trainer_lives_on_the_worker_thread_and_close_ends_it(qtbot, monkeypatch):
    """Every Trainer call the panel causes runs off the GUI thread; closing mid-run leaves no thread running."""
    calls: list[tuple[str, int]] = []
    for name in ("__init__", "step", "fakes", "critic_values", "last_values", "set_learning_rates"):
        original = getattr(Trainer, name)

        def spy(self, *args, _name=name, _original=original, **kwargs):
            calls.append((_name, threading.get_ident()))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Trainer, name, spy)
    gui = threading.get_ident()
    panel = OneDimPanel()
    qtbot.addWidget(panel)
    panel.steps_per_tick.setValue(2)
    panel.start()
    wait_frame(qtbot, panel, lambda f: f.settings.step >= 6)
    panel.lr.setValue(3e-4)
    wait_frame(qtbot, panel, lambda f: f.settings.lr_g == 3e-4)
    thread = panel.host.worker_thread
    assert thread.isRunning()
    panel.close()  # while it trains
    assert thread.isFinished() and not thread.isRunning()
    names = {name for name, _ in calls}
    assert {"__init__", "step", "fakes", "critic_values", "set_learning_rates"} <= names
    assert all(ident != gui for _, ident in calls), "a Trainer was used on the GUI thread"
    assert len({ident for _, ident in calls}) == 1  # one worker thread did it all
    n = len(calls)
    qtbot.wait(100)
    assert len(calls) == n, "training went on after the close"


def test_shown_again_after_a_close_it_trains_on_a_fresh_worker(panel, qtbot):
    panel.show()
    first = panel.host.worker_thread
    panel.close()
    assert first.isFinished()
    panel.show()
    assert panel.host.worker_thread is not first and panel.host.alive
    panel.tick()
    wait_frame(qtbot, panel, lambda f: f.settings.step == 10)


def test_the_step_axes_start_at_zero_in_plain_numbers(qtbot):
    """With one point at step 0 the V and KL plots' step axes ran −500…500, labelled "generator step (x0.001)"."""
    from ganviz.ui.panels.digits_panel import DigitsPanel

    for make, name in ((OneDimPanel, "v_plot"), (DigitsPanel, "kl_plot")):
        w = make()
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda w=w: w.frame is not None, timeout=WAIT_MS)  # the step-0 frame, one point
        plot = getattr(w, name)
        plot.vb.autoRange()
        lo, hi = plot.vb.viewRange()[0]
        assert lo >= 0 and hi - lo >= 10, (name, lo, hi)
        axis = plot.getAxis("bottom")
        assert axis.labelText == "generator step" and axis.autoSIPrefixScale == 1.0
        w.close()
