"""The 1-D GAN panel draws exactly what ganviz.core.onedim computes."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.core import onedim  # noqa: E402
from ganviz.ui.panels.onedim_panel import OneDimPanel  # noqa: E402


@pytest.fixture
def panel(qtbot):
    w = OneDimPanel()
    qtbot.addWidget(w)
    yield w
    w.pause()


def curve(item) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getData()
    return np.asarray(x), np.asarray(y)


def test_ticks_draw_p_q_d_and_d_star(panel):
    panel.dataset.setCurrentIndex(panel.dataset.findData("two-gaussians"))
    panel.objective.setCurrentIndex(panel.objective.findData("nonsaturating"))
    panel.steps_per_tick.setValue(5)
    for _ in range(4):
        panel.tick()
    assert panel.gan.step_count == 20 and panel.snapshot.step == 20

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

    # V over steps: one point per redraw (the reset and 4 ticks), the −2 ln 2 line
    vx, v = curve(panel.v_curve)
    assert vx.tolist() == [0, 5, 10, 15, 20] and np.isfinite(v).all()
    assert panel.v_ref.value() == pytest.approx(-2 * np.log(2))
    assert "estimate" in panel.v_plot.titleLabel.text


def test_controls_reset_and_critic_axis(panel):
    panel.objective.setCurrentIndex(panel.objective.findData("wgan-gp"))
    assert panel.lr.value() == pytest.approx(1e-4) and panel.gan.objective.name == "wgan-gp"
    assert panel.gan.n_critic == 5
    panel.tick()
    assert not panel.d_star_curve.isVisible()  # no D* for WGAN
    assert panel.d_curve.getViewBox() is panel.critic_vb and panel.plot.getAxis("right").isVisible()
    panel.lr.setValue(5e-4)
    assert all(g["lr"] == 5e-4 for g in panel.gan.opt_g.param_groups)
    panel.dataset.setCurrentIndex(panel.dataset.findData("gaussian"))
    assert panel.gan.step_count == 0 and panel.gan.dataset.name == "gaussian"
    panel.objective.setCurrentIndex(panel.objective.findData("minimax"))
    assert panel.d_curve.getViewBox() is panel.plot.vb


def test_start_pause_and_close_stop_the_timer(panel, qtbot):
    panel.steps_per_tick.setValue(1)
    panel.start_button.click()
    assert panel.running and panel.start_button.text() == "Pause"
    qtbot.waitUntil(lambda: panel.gan.step_count >= 2, timeout=10_000)
    panel.start_button.click()
    assert not panel.running and panel.start_button.text() == "Start"
    panel.start()
    panel.close()
    assert not panel.running
