"""Reset, Open and Quit never throw away unsaved steps without asking once (issue 13 B14)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings  # noqa: E402

from ganviz.core.runs.commands import Step
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402

TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=2)


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(TINY)
    w.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)  # never the user's own
    w.confirm = lambda _q: True
    w.questions = []
    w.answer = False

    def ask(question: str) -> bool:
        w.questions.append(question)
        return w.answer

    w.confirm_discard = ask
    qtbot.addWidget(w)
    w.show()
    yield w
    w.answer = True
    w.close()


def trained(qtbot, w, steps: int = 3) -> int:
    w.send(Step(steps))
    qtbot.waitUntil(lambda: w.frame is not None and w.frame.step >= steps, timeout=120_000)  # slow spawn when busy
    return w.frame.step


def action(w, text: str):
    return next(a for a in w.findChildren(type(w.start_action)) if a.text() == text)


def test_a_fresh_run_resets_without_a_question(qtbot, window):
    qtbot.waitUntil(lambda: window.frame is not None, timeout=60_000)
    builder = window.builder
    action(window, "&Reset").trigger()
    assert window.questions == [] and window.builder is not builder


def test_reset_with_unsaved_steps_asks_once_and_cancel_keeps_the_run(qtbot, window):
    step = trained(qtbot, window)
    builder = window.builder
    action(window, "&Reset").trigger()
    assert len(window.questions) == 1
    assert window.questions[0].startswith(f"Reset discards this run's {step:,} unsaved steps")
    assert window.builder is builder and window.frame.step == step  # cancelled: the run is untouched
    window.answer = True
    action(window, "&Reset").trigger()
    assert len(window.questions) == 2 and window.builder is not builder
    assert window.unsaved_steps() == 0


def test_quit_with_unsaved_steps_can_be_cancelled(qtbot, window):
    trained(qtbot, window)
    assert window.close() is False and window.isVisible()
    assert window.questions[-1].startswith("Quitting discards")
    assert window.builder.engine.alive  # still training-ready
    window.answer = True
    assert window.close() is True and not window.isVisible()


def test_saved_steps_are_not_asked_about_and_dont_ask_again_is_kept(qtbot, window, tmp_path):
    trained(qtbot, window)
    path = str(tmp_path / "run.gvz")
    window.save(path)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(f"Saved {path}"), timeout=30_000)
    assert window.unsaved_steps() == 0
    action(window, "&Reset").trigger()
    assert window.questions == []
    trained(qtbot, window)
    window.settings.setValue("ask_before_discarding", False)
    action(window, "&Reset").trigger()
    assert window.questions == [] and window.unsaved_steps() == 0


def test_a_preset_asks_one_question_that_names_the_unsaved_steps(qtbot, window):
    step = trained(qtbot, window)
    asked = []
    window.confirm = lambda q: asked.append(q) or False
    assert window.apply_preset("mode-collapse") is False
    assert len(asked) == 1 and f"The {step:,} unsaved steps are lost." in asked[0]
    assert window.questions == []  # not a second question
