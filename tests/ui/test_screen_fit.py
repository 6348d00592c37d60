"""Windows open inside the screen: at 1280×720 the 1500×900 main window ran past its edges (the quality panel,
the timeline and the status bar out of reach), and the theory panel opened beside it, off the screen."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QRect  # noqa: E402

from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui import screen_fit  # noqa: E402
from ganviz.ui.screen_fit import DECORATION_H, DECORATION_W, beside, first_size  # noqa: E402

LAPTOP = QRect(0, 0, 1280, 720)


def test_a_window_asks_for_its_size_or_for_what_the_screen_has_room_for():
    assert first_size((1500, 900), LAPTOP) == (1280 - DECORATION_W, 720 - DECORATION_H)
    assert first_size((1500, 900), QRect(0, 0, 1920, 1080)) == (1500, 900)
    assert first_size((760, 680), LAPTOP) == (760, 720 - DECORATION_H)
    assert first_size((1500, 900), None) == (1500, 900)  # no real screen (offscreen): as asked


def test_a_floating_panel_goes_beside_its_window_where_there_is_room_else_inside_the_screen():
    wide = QRect(0, 0, 2560, 1440)
    window = QRect(0, 0, 1500, 900)
    assert beside(window, (420, 900), wide) == QRect(1504, 40, 420, 900)  # its title bar on the screen
    inside = beside(QRect(0, 0, 1264, 672), (420, 760), LAPTOP)
    assert LAPTOP.contains(inside) and inside.width() == 420 and inside.height() <= 720 - DECORATION_H
    assert inside.right() <= LAPTOP.right() - DECORATION_W // 2 + 1  # its border on the screen too
    assert beside(window, (420, 900), None) == QRect(1504, 30, 420, 900)  # offscreen: as asked


@pytest.fixture
def laptop_screen(monkeypatch):
    monkeypatch.setattr(screen_fit, "available", lambda _widget: LAPTOP)


def test_the_main_window_and_its_theory_panel_open_inside_a_1280_by_720_screen(qtbot, laptop_screen):
    from ganviz.ui.main_window import MainWindow

    w = MainWindow(TrainConfig(hidden=16, layers=2, batch=32, seed=1))
    w.confirm = w.confirm_discard = lambda _q: True
    qtbot.addWidget(w)
    assert (w.width(), w.height()) == (1280 - DECORATION_W, 720 - DECORATION_H)
    w.show()
    qtbot.waitExposed(w)
    w.theory_dock.toggleViewAction().trigger()
    qtbot.waitUntil(w.theory_dock.isVisible, timeout=5_000)
    place = w.theory_dock.geometry()
    assert LAPTOP.contains(place) and place.height() >= 600, place  # all of it on the screen, still tall
    w.close()


def test_the_compare_window_and_theory_views_open_inside_a_1280_by_720_screen(qtbot, laptop_screen):
    from ganviz.ui.compare_window import CompareWindow
    from ganviz.ui.panels.dirac_panel import DiracPanel
    from ganviz.ui.panels.onedim_panel import OneDimPanel

    compare = CompareWindow(TrainConfig(hidden=16, layers=2, batch=32, seed=1))
    qtbot.addWidget(compare)
    for view in (compare, DiracPanel(), OneDimPanel()):
        qtbot.addWidget(view)
        assert view.width() <= 1280 - DECORATION_W and view.height() <= 720 - DECORATION_H, type(view).__name__
    compare.close()
