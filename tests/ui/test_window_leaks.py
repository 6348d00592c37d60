"""Windows opened and closed from the main window's menus are deleted, not kept alive (defect B19: the window's
memory grew ~30 MB with every compare window opened and closed: each stayed a child of the main window)."""

from __future__ import annotations

import gc

import pytest

pytest.importorskip("PySide6")
from PySide6.QtWidgets import QApplication  # noqa: E402


def alive(class_name: str) -> tuple[int, int]:
    """(Qt widgets, Python objects) of that class alive now, after a garbage collection."""
    gc.collect()
    widgets = sum(type(w).__name__ == class_name for w in QApplication.allWidgets())
    return widgets, sum(type(o).__name__ == class_name for o in gc.get_objects())


def settles_at(qtbot, class_name: str, n: int) -> None:
    """Wait (running the event loop, where deferred deletes happen) until n of them are alive."""
    try:
        qtbot.waitUntil(lambda: alive(class_name) == (n, n), timeout=10_000)
    except Exception:  # pytestqt's TimeoutError
        raise AssertionError(f"{class_name}: {alive(class_name)} alive (widgets, objects), want {n}") from None


def test_closed_and_replaced_compare_windows_are_deleted(qtbot, window):
    first = window.show_compare()
    second = window.show_compare()  # Theory → Compare again at once: the first closes, and goes
    assert not first.isVisible() and window.compare_window is second
    del first
    settles_at(qtbot, "CompareWindow", 1)
    qtbot.waitExposed(second)
    second.close()  # closed by the user: it goes too
    del second
    settles_at(qtbot, "CompareWindow", 0)
    assert window.compare_window is None
    third = window.show_compare()
    del third
    window.close()  # closes the open one too (and no error from the ones already gone)
    settles_at(qtbot, "CompareWindow", 0)
