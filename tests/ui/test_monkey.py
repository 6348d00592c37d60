"""Monkey test: random menu actions, clicks and parameter edits for a bounded time, with dialogs answered at
random (good and bad files, cancel). pytest-qt fails the test on any exception raised in a slot."""

from __future__ import annotations

import multiprocessing
import random
import time

import numpy as np
import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtWidgets import QComboBox, QFileDialog, QLineEdit, QMenu, QMessageBox, QSpinBox  # noqa: E402

from ganviz.core.config import TrainConfig  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402

MONKEY_SECONDS = 25.0
TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=5)
TEXTS = ["0.001", "1e-4", "2", "10", "-1", "0", "abc", "", "nan", "1e400"]


def all_actions(menu: QMenu) -> list[QAction]:
    found = []
    for act in menu.actions():
        if act.menu() is not None:
            found += all_actions(act.menu())
        elif not act.isSeparator():
            found.append(act)
    return found


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "good.csv"
    np.savetxt(good, np.random.default_rng(0).normal(size=(300, 2)), delimiter=",")
    (tmp_path / "text.csv").write_text("x,y\n1,a\n2,b\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "junk.gvz").write_bytes(b"PK\x03\x04 not a zip at all")
    return tmp_path


def test_random_actions_clicks_and_edits_raise_nothing(qtbot, monkeypatch, files):
    rng = random.Random(0)
    opens = [str(files / n) for n in ("good.csv", "text.csv", "empty.csv", "junk.gvz", "missing.gvz")] + [""]
    saves = [str(files / n) for n in ("run.gvz", "shot.png", "panel.svg", "history.csv", "rec.gif")]
    saves += [str(files / "no" / "such" / "dir" / "x.gvz"), ""]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (rng.choice(opens), "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (rng.choice(saves), "")))
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda *a, **k: QMessageBox.Ok))
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda *a, **k: None))
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: None)  # non-modal error boxes

    window = MainWindow(TINY)
    window.confirm = lambda _question: rng.random() < 0.7
    qtbot.addWidget(window)
    window.show()
    actions = [a for m in window.menuBar().actions() if m.menu() for a in all_actions(m.menu())]
    actions = [a for a in actions if a.text().replace("&", "") != "Quit"]
    edits = window.params.findChildren(QLineEdit)
    spins = window.params.findChildren(QSpinBox)
    combos = window.params.findChildren(QComboBox)
    assert len(actions) > 40 and edits and spins and combos
    done = {"action": 0, "click": 0, "edit": 0}

    end = time.perf_counter() + MONKEY_SECONDS
    while time.perf_counter() < end:
        kind = rng.choices(["action", "click", "edit"], weights=[5, 3, 3])[0]
        if kind == "action":
            act = rng.choice(actions)
            if act.isEnabled():
                act.trigger()
        elif kind == "click":
            view = window.data_panel
            pos = QPoint(rng.randrange(max(view.width(), 1)), rng.randrange(max(view.height(), 1)))
            qtbot.mouseClick(view.viewport(), rng.choice([Qt.LeftButton, Qt.RightButton]), pos=pos)
        else:
            widget = rng.choice(edits + spins + combos)
            if isinstance(widget, QLineEdit):
                widget.setText(rng.choice(TEXTS))
                widget.editingFinished.emit()
            elif isinstance(widget, QSpinBox):
                widget.setValue(rng.randint(widget.minimum(), min(widget.maximum(), widget.minimum() + 300)))
            else:
                widget.setCurrentIndex(rng.randrange(widget.count()))
        done[kind] += 1
        qtbot.wait(rng.randint(0, 120))

    assert min(done.values()) >= 10, done
    qtbot.waitUntil(lambda: window.builder is not None and window.builder.engine.alive, timeout=30_000)
    window.close()
    qtbot.waitUntil(lambda: not multiprocessing.active_children(), timeout=30_000)
