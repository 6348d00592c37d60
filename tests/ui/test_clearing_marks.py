"""Escape and right clicks clear the probe, segment and selection; drawn points leave with draw mode; the probe's
marker stays visible on any colour (issue 13 B13)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QAction  # noqa: E402

from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402


@pytest.fixture
def window(qtbot):
    w = MainWindow(TrainConfig(hidden=16, layers=2, batch=32, seed=4, dataset="ring8"))
    w.confirm = w.confirm_discard = lambda _q: True
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.frame is not None, timeout=60_000)
    yield w
    w.close()


def marks(w) -> tuple[int, int, int]:
    """Points in the data view's probe, path and selection ring."""
    return tuple(len(item.getData()[0] if item.getData()[0] is not None else []) for item in (
        w.data_panel.probe, w.data_panel.path, w.data_panel.selected
    ))  # fmt: skip


def inspect_everything(qtbot, w) -> None:
    w.latent_panel.move_probe(np.array([0.3, -0.2], np.float32))
    w.latent_panel.draw_segment(np.array([-0.8, -0.8], np.float32), np.array([0.8, 0.4], np.float32))
    w.select_sample(5)
    qtbot.waitUntil(lambda: marks(w)[2] == 1, timeout=30_000)  # the worker's next frame carries the selection
    assert marks(w)[0] == 1 and marks(w)[1] > 1


def assert_cleared(w) -> None:
    assert marks(w) == (0, 0, 0)
    assert w._selected is None and w.selection_info() is None
    assert w.latent_panel.probe_ab is None and w.latent_panel.segment_ab is None


def test_escape_clears_probe_segment_and_selection(qtbot, window):
    inspect_everything(qtbot, window)
    (escape,) = [a for a in window.findChildren(QAction) if a.shortcut().toString() == "Esc"]
    escape.trigger()
    assert_cleared(window)
    qtbot.wait(300)  # later frames do not bring them back
    assert_cleared(window)


@pytest.mark.parametrize("where", ["data view", "latent pad"])
def test_a_right_click_clears_them_too(qtbot, window, where):
    inspect_everything(qtbot, window)
    view = window.data_panel if where == "data view" else window.latent_panel.view
    qtbot.mouseClick(view.viewport(), Qt.RightButton, Qt.NoModifier, view.viewport().rect().center())
    assert_cleared(window)


def test_drawn_points_leave_with_draw_mode_and_with_a_csv_import(qtbot, window, tmp_path):
    window.draw_action.trigger()  # on
    window.drawn = np.array([[0.5, 0.5], [1.0, 1.0], [1.5, 0.5]], np.float32)
    window.data_panel.set_drawn(window.drawn)
    assert len(window.data_panel.drawn.data) == 3
    window.draw_action.trigger()  # off
    assert len(window.data_panel.drawn.data) == 0
    window.draw_action.trigger()  # on again: the drawing comes back to be edited
    assert len(window.data_panel.drawn.data) == 3
    csv = tmp_path / "points.csv"
    rng = np.random.default_rng(0)
    np.savetxt(csv, rng.normal(size=(50, 2)), delimiter=",")
    assert window.import_csv(str(csv))
    assert not window.draw_action.isChecked() and len(window.data_panel.drawn.data) == 0


def test_the_probe_marker_has_a_white_halo(qtbot, window):
    window.latent_panel.move_probe(np.array([0.1, 0.1], np.float32))
    for probe in (window.data_panel.probe, window.latent_panel.probe):
        assert len(probe.halo.getData()[0]) == 1
        np.testing.assert_array_equal(probe.halo.getData()[0], probe.getData()[0])
        assert probe.halo.opts["pen"].color().getRgb()[:3] == (255, 255, 255)
        assert probe.halo.opts["pen"].widthF() > probe.opts["pen"].widthF()  # a rim around the magenta cross
