"""Regression guard: PySide6 6.12.0 on Python < 3.12 drops a reference to None on every call of a void
method, until the interpreter dies with "Fatal Python error: none_dealloc" (pyproject pins < 6.12 there).
"""

from __future__ import annotations

import gc
import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")
QtWidgets = pytest.importorskip("PySide6.QtWidgets")

CALLS = 5000


def _none_refs_after(call) -> tuple[int, int]:
    gc.collect()
    gc.disable()
    try:
        before = sys.getrefcount(None)
        for i in range(CALLS):
            call(i)
        after = sys.getrefcount(None)
    finally:
        gc.enable()
    return before, after


def test_void_qobject_method_keeps_none_alive(qapp):
    obj = QtCore.QObject()
    names = [f"obj{i}" for i in range(CALLS)]
    before, after = _none_refs_after(lambda i: obj.setObjectName(names[i]))
    assert obj.objectName() == names[-1]
    assert after >= before, f"sys.getrefcount(None) fell by {before - after} over {CALLS} void calls"


def test_void_qwidget_method_keeps_none_alive(qapp):
    widget = QtWidgets.QWidget()
    titles = [f"title {i}" for i in range(CALLS)]
    try:
        before, after = _none_refs_after(lambda i: widget.setWindowTitle(titles[i]))
        assert widget.windowTitle() == titles[-1]
    finally:
        widget.deleteLater()
    assert after >= before, f"sys.getrefcount(None) fell by {before - after} over {CALLS} void calls"
