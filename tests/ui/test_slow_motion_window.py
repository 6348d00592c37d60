"""Run → Slow motion in the main window: the trainer takes one real update apart in its own process, the window
plays its sub-steps, the next update follows, and leaving it resumes training; also its CLI flag."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("PySide6")
from PySide6.QtGui import QKeySequence  # noqa: E402
from ui_helpers import TINY, menu_action, published, round_trip  # noqa: E402

from ganviz.core.analysis.explain import OVERVIEW_PATHS, explain_step  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402


def test_slow_motion_takes_real_updates_apart_and_gives_training_back(qtbot, window):
    action = menu_action(window, "Run", "Slow motion")
    assert action.shortcut() == QKeySequence("M")
    window.start()
    qtbot.waitUntil(lambda: published(window).step >= 3, timeout=60_000)
    action.trigger()
    slow = window.slow_motion
    assert slow.active and not window.running and slow.dock.isVisible()
    qtbot.waitUntil(lambda: slow.explained is not None, timeout=60_000)
    first = slow.explained
    # the update shown is the trainer's real next one: replayed here to the same step, it explains the same
    ref = Trainer(TINY)
    ref.step(first.step)
    same = explain_step(ref)
    assert [s.name for s in first.substeps] == [s.name for s in same.substeps]
    assert first.substeps[1].formula == same.substeps[1].formula
    for a, b in zip(first.rounds[0].__dict__.values(), same.rounds[0].__dict__.values()):
        if hasattr(a, "shape"):
            assert a.shape == b.shape and abs(a - b).max() < 1e-5
    assert slow.panel.index == 0 and window.statusBar().currentMessage().startswith("Slow motion: generator update")
    # the model overview strip lights the sub-step's path (sampling: z → G → x̃, and x)
    assert window.overview_dock.isVisible() and window.overview_panel.path == OVERVIEW_PATHS["sample"]
    # the trainer stands one update further, paused
    assert round_trip(qtbot, window.builder.engine).step == first.step + 1
    # played to its end, the next update follows by itself
    slow.panel.pace.setValue(0.3)
    qtbot.waitUntil(lambda: slow.explained.step == first.step + 1, timeout=60_000)
    assert window.automation_stats(0.0)["slow_motion"]["substeps"] == len(first.substeps)
    action.trigger()  # M again: off, and training goes on as it did before
    assert not slow.active and not slow.dock.isVisible() and window.running
    assert window.overview_panel.path is None and window.loss_panel.focus is None  # highlights cleared
    window.latent_dock.hide()  # a click on the strip's z brings the latent view back (wired by the panel itself)
    window.overview_panel.node_clicked.emit("z")
    assert window.latent_dock.isVisible()
    step = published(window).step
    qtbot.waitUntil(lambda: published(window).step > step + 5, timeout=60_000)


def test_a_simultaneous_update_is_refused_in_one_line(qtbot, make_main_window):
    window = make_main_window(TINY.replace(update="sim"))
    window.slow_motion.start()
    qtbot.waitUntil(lambda: not window.slow_motion.active, timeout=60_000)
    assert window.statusBar().currentMessage().startswith("Slow motion is not available: slow motion takes apart")


def test_slow_motion_flag_names_the_sub_step_in_the_stats(tmp_path, child_env):
    stats = tmp_path / "stats.json"
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "ganviz", "--hidden", "16", "--layers", "2", "--batch", "32", "--run-for", "12"]
        + ["--slow-motion", "--stats-json", str(stats), "--screenshot", str(shot), "--window-size", "1024x700"],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    slow = json.loads(stats.read_text())["slow_motion"]
    assert slow["name"] and slow["formula"] and 0 <= slow["substep"] < slow["substeps"]
    from PySide6.QtGui import QImage

    assert QImage(str(shot)).height() > 700  # the window, and the slow-motion panel under it
