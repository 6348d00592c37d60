"""The main window's layout at the sizes people use: every visible plot keeps a readable size, none overlap,
and a theory panel never takes the data view's room (issue 13 B2, B3)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.geometry import overlaps, visible_plots  # noqa: E402
from ganviz.ui.main_window import METRICS_SPLIT_WIDTH, MainWindow  # noqa: E402

MIN_W, MIN_H = 200, 120


@pytest.fixture
def window(qtbot):
    w = MainWindow(TrainConfig(hidden=16, layers=2, batch=32, seed=1, dataset="ring8"))
    w.confirm = w.confirm_discard = lambda _q: True
    qtbot.addWidget(w)
    yield w
    w.close()


def shown_at(qtbot, w, width: int, height: int) -> list[dict]:
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.frame is not None, timeout=60_000)  # titles and ranges of a real frame
    qtbot.wait(100)
    return visible_plots(w)


def assert_readable(plots: list[dict]) -> None:
    small = [(p["name"], p["rect"]) for p in plots if p["rect"][2] < MIN_W or p["rect"][3] < MIN_H]
    assert not small, f"plots below {MIN_W}×{MIN_H}: {small}"
    assert not overlaps(plots)


@pytest.mark.parametrize("size", [(1024, 700), (1280, 720), (1600, 1000)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_visible_plot_is_readable(qtbot, window, size):
    plots = shown_at(qtbot, window, *size)
    names = {p["name"] for p in plots}
    assert {"Samples and decision surface", "Losses", "Fixed latent batch"} <= names
    assert_readable(plots)
    split = size[0] >= METRICS_SPLIT_WIDTH
    assert ("Quality" in names) == split  # side by side when wide, else a tab away
    if split:
        assert any(n.startswith("Modes captured") for n in names) and any(n.startswith("HQ samples") for n in names)
    if not split:  # the other tabs, each readable in turn
        for dock, prefixes in (
            (window.quality_dock, ("Modes captured", "Quality")),
            (window.modes_dock, ("HQ samples per mode",)),
        ):
            dock.raise_()
            qtbot.wait(100)
            after = visible_plots(window)
            shown = [p["name"] for p in after]
            for prefix in prefixes:
                assert any(n.startswith(prefix) for n in shown), shown
            assert "Losses" not in shown
            assert_readable(after)


def test_the_theory_panel_does_not_take_the_data_views_room(qtbot, window):
    plots = shown_at(qtbot, window, 1280, 720)
    data_before = next(p["rect"] for p in plots if p["name"] == "Samples and decision surface")
    window.theory_dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: window.theory_panel.isVisible(), timeout=5_000)
    qtbot.wait(100)
    data_after = next(p["rect"] for p in visible_plots(window) if p["name"] == "Samples and decision surface")
    assert data_after == data_before
    assert window.theory_dock.isFloating() and window.theory_dock.height() >= 700  # room for its plots


@pytest.mark.parametrize("size", [(1024, 700), (1280, 720)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_hyper_parameter_fields_fit_without_a_horizontal_scroll_bar(qtbot, window, size):
    """At 1280×720 the dock showed a horizontal scroll bar and cut the fields off at the right (the optimiser
    read "adam" with its arrow hidden): the dock is as wide as its widest row instead, and scrolls only down."""
    shown_at(qtbot, window, *size)
    scroll = window.params.widget()
    assert not scroll.horizontalScrollBar().isVisible()
    body = scroll.widget()
    assert body.width() >= body.minimumSizeHint().width()
    for field in (window.params.optimizer, window.params.lr_g, window.params.seed):
        right = field.mapTo(scroll.viewport(), field.rect().topRight()).x()
        assert right < scroll.viewport().width(), f"{field} is cut off at the right"
