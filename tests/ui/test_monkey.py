"""Monkey test: random menu actions, clicks and parameter edits for a bounded time. The dialogs they open are the
real ones (Qt's own widgets, not the platform's), answered at random from a timer: good and bad files, cancel,
yes and no. It fails on any exception raised in a slot (pytest-qt) and on any `failed` signal of a frame worker
(a trainer that died or a frame that could not be built)."""

from __future__ import annotations

import multiprocessing
import random
import time

import numpy as np
import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog, QLineEdit, QSpinBox  # noqa: E402
from ui_helpers import TINY, DialogDriver, all_actions, random_button, wait_started  # noqa: E402

from ganviz.ui.main_window import MainWindow  # noqa: E402
from ganviz.ui.worker import FrameWorker  # noqa: E402

MONKEY_SECONDS = 15.0  # the random loop; with start-up and closing the test stays within about 25 s
CONFIG = TINY.replace(seed=5)
TEXTS = ["0.001", "1e-4", "2", "10", "-1", "0", "abc", "", "nan", "1e400"]


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
    opens = [str(files / n) for n in ("good.csv", "text.csv", "empty.csv", "junk.gvz", "missing.gvz")] + [None]
    saves = [str(files / n) for n in ("run.gvz", "shot.png", "panel.svg", "history.csv", "rec.gif")]
    saves += [str(files / "no" / "such" / "dir" / "x.gvz"), None]
    failures: list[str] = []

    class RecordingWorker(FrameWorker):  # every worker the window makes (each reset makes one) reports here
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.failed.connect(failures.append, Qt.DirectConnection)

    monkeypatch.setattr("ganviz.ui.run_lifecycle.FrameWorker", RecordingWorker)
    app = QApplication.instance()
    native = app.testAttribute(Qt.AA_DontUseNativeDialogs)
    app.setAttribute(Qt.AA_DontUseNativeDialogs, True)  # Qt's own dialogs, which the driver can answer

    def file_answer(dialog: QFileDialog) -> str | None:
        return rng.choice(opens if dialog.acceptMode() == QFileDialog.AcceptOpen else saves)

    driver = DialogDriver(file_answer, random_button(rng))
    window = MainWindow(CONFIG)  # its own confirm(): a real question box, answered at random
    qtbot.addWidget(window)
    window.show()
    wait_started(qtbot, [window.builder.engine])
    actions = [a for m in window.menuBar().actions() if m.menu() for a in all_actions(m.menu())]
    actions = [a for a in actions if a.text().replace("&", "") != "Quit"]
    edits = window.params.findChildren(QLineEdit)
    spins = window.params.findChildren(QSpinBox)
    combos = window.params.findChildren(QComboBox)
    assert len(actions) > 40 and edits and spins and combos
    done = {"action": 0, "click": 0, "edit": 0}

    end = time.perf_counter() + MONKEY_SECONDS
    # on a loaded machine 15 s held only 22 actions: go on until 25 (and each kind 3 times), at most 90 s more
    hard_end = end + 90.0

    def more() -> bool:
        now = time.perf_counter()
        return now < end or (now < hard_end and (min(done.values()) < 3 or sum(done.values()) < 25))

    try:
        with driver:
            while more():
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
                qtbot.wait(rng.randint(0, 60))
    finally:
        app.setAttribute(Qt.AA_DontUseNativeDialogs, native)
    # a loaded 2-core machine managed 22-30 in 15 s (dialogs, resets and new windows take their time)
    assert min(done.values()) >= 3 and sum(done.values()) >= 25, done
    answered = {kind for kind, _ in driver.answered}
    assert {"file", "box"} <= answered, driver.answered  # real file dialogs and message boxes were met
    qtbot.waitUntil(lambda: window.builder is not None and window.builder.engine.alive, timeout=30_000)
    assert not failures, failures[0]
    window.close()
    qtbot.waitUntil(lambda: not multiprocessing.active_children(), timeout=30_000)
