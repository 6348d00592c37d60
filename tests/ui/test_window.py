"""The live window, offscreen: menus reach the child trainer, frames equal the trainer's own state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

pytest.importorskip("PySide6")
import pyqtgraph as pg  # noqa: E402
import shiboken6  # noqa: E402
from ui_helpers import TINY, colour_share, frame_where, load_image, published, round_trip  # noqa: E402

from ganviz.core.analysis.surface import grid_points  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402
from ganviz.ui import style  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402

pg.setConfigOptions(imageAxisOrder="row-major")


def test_window_has_every_objective_and_dataset(window):
    from ganviz.core.data.datasets import DATASETS
    from ganviz.core.training.objectives import OBJECTIVES

    assert set(window.objective_actions) == set(OBJECTIVES.names())
    assert set(window.dataset_actions) == set(DATASETS.names())
    assert window.objective_actions["nonsaturating"].isChecked()
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Objective", "Dataset", "Presets", "Run", "View", "Theory", "Help"]


def test_preset_menu_resets_to_the_presets_config(qtbot, window):
    from ganviz.core.files.presets import get_preset, preset_groups, preset_names

    assert set(window.preset_actions) == set(preset_names())
    presets = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Presets")
    submenus = [a.menu() for a in presets.actions() if a.menu() is not None]
    assert [m.title() for m in submenus] == list(preset_groups())  # one submenu per group, in order
    assert sum(len(m.actions()) for m in submenus) == len(preset_names())
    tip = window.preset_actions["mode-collapse"].toolTip()
    # rich text, which Qt wraps (a plain tip is one line as wide as its text): the description, then the claim
    assert tip.startswith("<p>The non-saturating GAN") and "<p>Claim after 4,000 steps" in tip
    assert window.preset_actions["mode-collapse"].statusTip().endswith("over seeds 0-9.")
    window.preset_actions["wgan-gp-vs-gan"].trigger()
    preset = get_preset("wgan-gp-vs-gan").config.resolved()
    assert window.config == preset
    assert window.objective_actions["wgan-gp"].isChecked() and window.dataset_actions["grid25"].isChecked()
    engine = window.builder.engine
    qtbot.waitUntil(
        lambda: engine.shared.read([torch.empty_like(t) for t in engine.tensors], -1) is not None, timeout=30_000
    )
    pub = published(window)
    assert pub.objective == "wgan-gp" and pub.lr_g == pytest.approx(1e-3) and pub.lr_d == pytest.approx(1e-3)
    assert pub.dataset == "grid25"

    window.confirm = lambda _question: False  # declined: nothing changes
    assert not window.apply_preset("mode-collapse")
    assert window.config == preset


def test_theory_menu_opens_each_view_once_and_close_closes_them(qtbot, window):
    from ganviz.ui.panels.digits_panel import DigitsPanel
    from ganviz.ui.panels.dirac_panel import DiracPanel
    from ganviz.ui.panels.onedim_panel import OneDimPanel

    theory = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Theory")
    labels = {a.text().replace("&", ""): a for a in theory.actions() if not a.isSeparator()}
    opened = {}
    for key, cls, label in (
        ("dirac", DiracPanel, "Dirac-GAN game…"),
        ("onedim", OneDimPanel, "1-D GAN: p, q, D and D*…"),
        ("digits", DigitsPanel, "Digits: mode collapse on 8×8 images…"),
    ):
        labels[label].trigger()
        view = window.theory_windows[key]
        assert isinstance(view, cls) and view.isVisible()
        labels[label].trigger()
        assert window.theory_windows[key] is view, "a second click raises the same window"
        opened[key] = view
    opened["onedim"].start()
    assert opened["onedim"].running
    window.close()
    assert not any(v.isVisible() for v in opened.values())
    assert not opened["onedim"].running, "closing the main window stops the 1-D view's training"


def test_frames_equal_the_trainer_snapshot_and_pause_stops(qtbot, window):
    window.start()
    frame_where(qtbot, window, lambda f: f.step >= 30)
    window.pause()
    qtbot.waitUntil(lambda: not published(window).running, timeout=10_000)
    paused_at = published(window).step
    frame = frame_where(qtbot, window, lambda f: f.step == paused_at and f.surface_step == paused_at)
    for _ in range(3):  # the child's loop goes round (a command handled, state published) and takes no step
        assert round_trip(qtbot, window.builder.engine).step == paused_at, "the step counter moved while paused"

    reference = Trainer(TINY)
    reference.step(frame.step)
    assert np.array_equal(frame.fakes, reference.snapshot().fakes)
    # the heatmap is D on the cell centres of its grid, as a probability for the non-saturating GAN
    n = frame.surface.shape[0]
    _, _, pts = grid_points(frame.extent, n)
    with torch.no_grad():
        expected = torch.sigmoid(reference.critic_values(torch.from_numpy(pts))).reshape(n, n).numpy()
    np.testing.assert_allclose(frame.surface, expected, atol=1e-5)
    np.testing.assert_array_equal(window.data_panel.image.image, frame.surface)
    # history: one row per generator step, in order
    assert np.array_equal(frame.column("step"), np.arange(1, len(frame.history) + 1))


def test_step_advances_exactly_one_generator_update(qtbot, window):
    frame_where(qtbot, window, lambda f: True)
    qtbot.waitUntil(lambda: published(window) is not None, timeout=20_000)
    before = published(window).step
    window.step_once()
    qtbot.waitUntil(lambda: published(window).step == before + 1, timeout=10_000)
    for _ in range(3):  # and no second step once the child's loop has gone round again
        assert round_trip(qtbot, window.builder.engine).step == before + 1


def test_objective_menu_changes_the_trainer_objective(qtbot, window):
    window.objective_actions["wgan-gp"].trigger()
    qtbot.waitUntil(lambda: published(window).objective == "wgan-gp", timeout=20_000)
    pub = published(window)
    assert (pub.n_critic, pub.lr_g, pub.lr_d) == (5, 1e-4, 1e-4)  # WGAN-GP defaults
    frame = frame_where(qtbot, window, lambda f: f.objective == "wgan-gp")
    assert frame.surface_kind == "critic" and frame.family == "wgan"
    window.dataset_actions["grid25"].trigger()
    qtbot.waitUntil(lambda: published(window).dataset == "grid25", timeout=10_000)


def test_live_learning_rate_and_rebuild_from_dock(qtbot, window):
    window.params.lr_g.setText("0.0003")
    window.params.lr_g.editingFinished.emit()
    qtbot.waitUntil(lambda: published(window).lr_g == pytest.approx(3e-4), timeout=20_000)
    window.params.lr_d.setText("-1")  # refused: stays as it was and turns red
    window.params.lr_d.editingFinished.emit()
    assert window.config.lr_d == TINY.resolved().lr_d
    old_engine = window.builder.engine
    window.params.hidden.setValue(24)  # needs new networks: confirmed by the stub, then reset
    assert window.builder.engine is not old_engine and not old_engine.alive
    assert window.builder.mirror.config.hidden == 24


def test_close_during_training_stops_worker_and_child(qtbot):
    w = MainWindow(TINY)
    qtbot.addWidget(w)
    w.show()
    w.start()
    frame_where(qtbot, w, lambda f: f.step > 5)
    worker, engine = w.worker, w.builder.engine
    t0 = time.perf_counter()
    w.close()
    # close() waits for the worker (1 s, then up to 30 s more) and the child: a generous bound still catches a hang
    assert time.perf_counter() - t0 < 20.0
    assert not worker.isRunning()
    assert not engine.alive


def test_a_crashed_trainer_is_reported(qtbot, window):
    frame_where(qtbot, window, lambda f: True)
    window.start()
    window.builder.engine.process.kill()
    qtbot.waitUntil(lambda: "Training stopped" in window.statusBar().currentMessage(), timeout=10_000)
    assert not window.running and window.start_action.text() == "&Start"


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


def test_run_for_writes_screenshot_and_stats(tmp_path):
    png, stats = tmp_path / "shot.png", tmp_path / "stats.json"
    run_for = 10  # the trainer process takes seconds to start on a loaded machine: room for it to train
    cmd = [sys.executable, "-m", "ganviz", "--hidden", "16", "--layers", "2", "--run-for", str(run_for)]
    cmd += ["--screenshot", str(png), "--stats-json", str(stats)]
    out = subprocess.run(cmd, env=_env(QT_QPA_PLATFORM="offscreen"), capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    # the screenshot is the whole window (its default 1500 × 900), drawn: not one colour, the real samples in
    # orange and the generated ones in blue
    pixels = load_image(png)
    assert pixels.shape == (900, 1500, 3)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 100 and pixels.std() > 10
    assert colour_share(pixels, style.REAL) > 3e-4, "no real samples drawn"
    assert colour_share(pixels, style.FAKE) > 1e-4, "no generated samples drawn"
    assert colour_share(pixels, (255, 255, 255)) > 0.3  # the white background of the panels

    data = json.loads(stats.read_text())
    assert (data["dataset"], data["objective"], data["device"]) == ("ring8", "nonsaturating", "cpu")
    assert run_for - 1 <= data["seconds"] < run_for + 60
    assert data["train_steps"] > 0 and data["train_steps_per_s"] > 0
    assert data["frames"] > 1 and data["fps"] > 0
    assert 0 < data["frame_ms_p50"] <= data["frame_ms_p95"]
    assert 0 < data["first_frame_s"] < data["seconds"] + 60
    assert data["modes"] in range(9) and 0 <= data["modes_robust"] <= data["modes"]  # of ring8's 8
    assert 0.0 <= data["hq"] <= 1.0


def test_no_display_gives_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "ganviz"], env=_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "ganviz train" in lines[0] and "offscreen" in lines[0]


def test_save_and_open_session_resume_the_same_state(qtbot, window, tmp_path, monkeypatch):
    from ganviz.core.files.session import load_session

    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.warning", lambda *a, **k: None)
    window.start()
    frame_where(qtbot, window, lambda f: f.step >= 15)
    window.pause()
    qtbot.waitUntil(lambda: not published(window).running, timeout=10_000)
    step = published(window).step
    path = str(tmp_path / "run.gvz")
    window.save(path)
    qtbot.waitUntil(lambda: "Saved" in window.statusBar().currentMessage(), timeout=20_000)
    session = load_session(path)
    assert session.step == step and len(session.history["loss"]) > 0

    # a bad file is refused and the running engine is left alone
    bad = tmp_path / "bad.gvz"
    bad.write_bytes(b"not a session")
    engine = window.builder.engine
    assert window.open_session(str(bad)) is False
    assert window.builder.engine is engine and engine.alive

    assert window.open_session(path) is True
    qtbot.waitUntil(lambda: published(window).step == step, timeout=20_000)
    frame = frame_where(qtbot, window, lambda f: f.step == step)
    reference = Trainer(TINY)
    reference.step(step)
    assert np.array_equal(frame.fakes, reference.snapshot().fakes)
    assert len(frame.history) >= len(session.history["loss"])  # the loss history came back too


def test_run_menu_opens_a_comparison_on_this_dataset_and_close_stops_it(qtbot, window):
    run_menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Run")
    action = next(a for a in run_menu.actions() if a.text().replace("&", "") == "Compare runs side by side…")
    action.trigger()
    compare = window.compare_window
    assert compare is not None and compare.isVisible()
    assert [r.objective for r in compare.runs] == ["nonsaturating", "wgan-gp"]
    assert all(r.dataset == TINY.dataset and r.seed == TINY.seed and r.hidden == TINY.hidden for r in compare.runs)
    engines = [b.engine for b in compare.lock.builders]
    qtbot.waitUntil(lambda: all(e.alive for e in engines), timeout=30_000)
    window.close()
    qtbot.waitUntil(lambda: not any(e.alive for e in engines), timeout=30_000)
    assert not shiboken6.isValid(compare) or not compare.isVisible()  # closed (and deleted once the loop ran)


def test_settings_are_kept_out_of_the_users_home(qtbot, window, isolated_settings, tmp_path):
    """The autouse fixture sends every QSettings file of a test to its tmp_path (recent files included)."""
    from pathlib import Path

    assert Path(window.settings.fileName()).is_relative_to(isolated_settings)
    window._remember(str(tmp_path / "a.gvz"))
    window.settings.sync()
    assert Path(window.settings.fileName()).is_file()
