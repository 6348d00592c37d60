"""View → Surface shows → Optimal D* follows the objective: its text names the objective's own D*, and for the
WGAN family (no pointwise optimal D) it is disabled with a tooltip that says why."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
from ui_helpers import frame_showing, menu_action  # noqa: E402


def dstar_entry(window):
    return next(a for a in menu_action(window, "View", "Surface shows").menu().actions() if "D*" in a.text())


def test_the_d_star_entry_follows_the_objective(qtbot, window):
    entry = dstar_entry(window)
    assert window.config.objective == "nonsaturating"
    assert entry.text() == "Optimal D* = p/(p+q) (estimate)" and entry.isEnabled()
    for name, text in (
        ("hinge", "Optimal D* = sign(p − q) (estimate)"),
        ("lsgan", "Optimal D* = p/(p+q) (estimate)"),
        ("minimax", "Optimal D* = p/(p+q) (estimate)"),
    ):
        window.set_objective(name)
        assert window.config.objective == name
        assert entry.text() == text and entry.isEnabled(), name
    for name, label in (("wgan-gp", "WGAN-GP"), ("wgan", "WGAN (weight clipping)")):
        window.set_objective(name)
        assert not entry.isEnabled(), name
        assert label in entry.toolTip() and "no optimal D" in entry.toolTip()
    window.set_objective("hinge")
    assert entry.isEnabled()


def test_hinges_d_star_is_drawn_on_its_own_scale(qtbot, window):
    window.set_objective("hinge")
    dstar_entry(window).trigger()
    frame = frame_showing(qtbot, window, lambda f: f.surface_labels[0].startswith("D* = sign"))
    assert frame.surface_levels == (-1.0, 1.0) and frame.surface_labels[1] == "D* = 0"
    qtbot.waitUntil(lambda: tuple(window.data_panel.colorbar.levels()) == (-1.0, 1.0), timeout=10_000)
    # switched to a critic without D* while D* is shown: the learned critic, and the colour bar says why
    window.set_objective("wgan-gp")
    frame_showing(qtbot, window, lambda f: f.surface_labels[0] == "critic D(x) (no D* for WGAN-GP)")
    qtbot.waitUntil(lambda: "no D* for WGAN-GP" in window.data_panel.colorbar.axis.labelText, timeout=10_000)
