"""The window when its trainer child misbehaves: killed (Save still writes the last published state), sent a
command it does not know (said, ignored), or failing (its error is shown)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from ganviz.core.files.session import load_session  # noqa: E402
from ganviz.core.runs.commands import SetObjective
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402

TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=6)


@pytest.fixture
def window(qtbot):
    w = MainWindow(TINY)
    w.confirm = lambda _question: True
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def status(window) -> str:
    return window.statusBar().currentMessage()


def test_save_after_the_trainer_was_killed_writes_the_last_published_state(qtbot, window, tmp_path):
    window.start()
    # generous: a spawned trainer can take half a minute to start on a loaded machine
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.step > 5, timeout=120_000)
    window.builder.engine.process.kill()  # SIGKILL
    qtbot.waitUntil(lambda: "Training stopped" in status(window), timeout=60_000)
    path = str(tmp_path / "after-crash.gvz")
    window.save(path)
    assert status(window).startswith(f"Saved {path} at step "), status(window)  # not stuck on "Saving…"
    session = load_session(path)
    assert session.step > 0 and len(session.history["loss"]) > 0
    trainer = session.make_trainer()  # and the run goes on from it
    trainer.step(1)
    assert trainer.step_count == session.step + 1


def test_unknown_commands_are_ignored_and_child_errors_shown(qtbot, window):
    qtbot.waitUntil(lambda: window.frame is not None, timeout=120_000)
    window.builder.engine.send("frobnicate")
    window.step_once()  # a new frame brings the notice in
    qtbot.waitUntil(lambda: "ignored 'frobnicate'" in status(window), timeout=60_000)
    assert window.builder.engine.alive
    window.builder.engine.send(SetObjective("bogus"))  # raises inside the child
    qtbot.waitUntil(lambda: "Training stopped" in status(window), timeout=60_000)
    assert "unknown objective 'bogus'" in status(window)
