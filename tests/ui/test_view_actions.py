"""Every View and Theory action of the main window (and the File and Run actions that act on the view: recording,
CSV export, recent files, speed), triggered from its menu and checked on the next frame against numbers
computed here, independently of the window (a replayed Trainer, torch.autograd on copies of its networks)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from pytestqt.exceptions import TimeoutError as QtBotTimeoutError  # noqa: E402
from ui_helpers import TINY, DialogDriver, frame_showing, frame_where, menu_action, next_frame, published  # noqa: E402

from ganviz.core.analysis.frames import HISTORY_COLUMNS, QUALITY_COLUMNS, SURFACE_DISPLAY, SURFACE_LABELS  # noqa: E402
from ganviz.core.analysis.latent import generate, latent_range, pad_grid  # noqa: E402
from ganviz.core.analysis.surface import grid_points  # noqa: E402
from ganviz.core.data.datasets import get_dataset  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402


@pytest.fixture
def widget_dialogs():
    """Qt's own (widget) file dialogs, which a DialogDriver can answer: never a platform dialog."""
    app = QApplication.instance()
    was = app.testAttribute(Qt.AA_DontUseNativeDialogs)
    app.setAttribute(Qt.AA_DontUseNativeDialogs, True)
    yield
    app.setAttribute(Qt.AA_DontUseNativeDialogs, was)


def replay(steps: int) -> Trainer:
    """The window's run, replayed here: the child trainer is seeded, so step n here is step n there."""
    ref = Trainer(TINY)
    if steps:
        ref.step(steps)
    return ref


def paused_at(qtbot, window, steps: int):
    """Take `steps` single generator steps and return the frame that shows them."""
    for _ in range(steps):
        window.step_once()
    return frame_where(qtbot, window, lambda f: f.step == steps and f.surface_step == steps)


def test_trails_follow_every_25th_fake_over_the_last_snapshots(qtbot, window):
    window.timeline.trail_length.setValue(5)
    window.start()
    qtbot.waitUntil(lambda: len(window.snapshots) >= 6, timeout=60_000)
    window.pause()
    qtbot.waitUntil(lambda: not published(window).running, timeout=10_000)
    frame_where(qtbot, window, lambda f: not f.running and window.snapshots[-1].step == f.step)
    window.timeline.trails.setChecked(True)  # the timeline's Trails box: trails have no menu action
    next_frame(qtbot, window)
    shots = list(window.snapshots)[-5:]
    tracks = np.stack([s.fakes[::25] for s in shots]).transpose(1, 0, 2)  # (100 samples, 5 snapshots, 2)
    pieces = []
    for item in window.data_panel.trails:  # older pieces in fainter items; each a polyline per sample
        x, y = item.getData()
        if x is None or len(x) == 0:
            continue
        xy = np.column_stack([x, y]).reshape(100, -1, 2)
        assert np.isnan(xy[:, -1]).all()  # a break between one sample's line and the next
        pieces.append(xy[:, :-1])
    assert pieces, "no trail drawn"
    joined = np.concatenate([pieces[0], *(p[:, 1:] for p in pieces[1:])], axis=1)  # pieces share their ends
    np.testing.assert_array_equal(joined, tracks)
    window.timeline.trails.setChecked(False)
    next_frame(qtbot, window)
    assert all(item.getData()[0] is None or len(item.getData()[0]) == 0 for item in window.data_panel.trails)


def test_surface_shows_the_estimated_optimal_d(qtbot, window):
    frame_where(qtbot, window, lambda f: True)
    menu_action(window, "View", "Surface shows", "Optimal D* = p/(p+q) (estimate)").trigger()
    frame = frame_showing(qtbot, window, lambda f: f.surface_labels[0].startswith("D*"))
    s = frame.surface
    defined = s[np.isfinite(s)]  # blank (NaN) where neither density reaches 0.1 % of its peak: D* is undefined
    assert s.shape == (SURFACE_DISPLAY, SURFACE_DISPLAY) and defined.size > 0
    assert 0.0 <= defined.min() and defined.max() <= 1.0
    assert frame.surface_levels == (0.0, 1.0)
    # the untrained G puts every sample near one point, the ring's 8 modes lie around it: D* ≈ 1 on each mode
    # (only real data there), ≈ 0 where the generated samples are
    xs, ys, _ = grid_points(frame.extent, SURFACE_DISPLAY)

    def at(p):
        return s[np.abs(ys - p[1]).argmin(), np.abs(xs - p[0]).argmin()]

    assert all(at(c) > 0.9 for c in get_dataset("ring8").centres)
    assert at(np.median(frame.fakes, axis=0)) < 0.1
    qtbot.waitUntil(lambda: np.array_equal(window.data_panel.image.image, s, equal_nan=True), timeout=10_000)
    menu_action(window, "View", "Surface shows", "Learned D").trigger()
    frame_showing(qtbot, window, lambda f: f.surface_labels == SURFACE_LABELS["prob"])


def test_surface_shows_the_gradient_norm_of_d(qtbot, window):
    paused_at(qtbot, window, 2)
    menu_action(window, "View", "Surface shows", "Gradient norm ‖∇ₓD‖").trigger()
    frame = frame_showing(qtbot, window, lambda f: f.surface_labels[0] == "‖∇ₓD(x)‖")
    assert frame.surface_step == 2
    n = SURFACE_DISPLAY  # a 16-wide net's surface is evaluated at full display resolution, no interpolation
    assert frame.surface.shape == (n, n)
    _, _, pts = grid_points(frame.extent, n)
    D = copy.deepcopy(replay(2).D).eval()
    x = torch.from_numpy(pts).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x)
    expected = grad.norm(dim=1).reshape(n, n).numpy()
    assert frame.surface.min() >= 0.0
    np.testing.assert_allclose(frame.surface, expected, rtol=1e-4, atol=1e-6)
    low, high = frame.surface_levels
    assert low == 0.0 < high  # a sequential scale from 0 (a norm is never negative)
    qtbot.waitUntil(lambda: np.array_equal(window.data_panel.image.image, frame.surface), timeout=10_000)


def test_generator_gradient_arrows(qtbot, window):
    paused_at(qtbot, window, 2)
    action = menu_action(window, "View", "Generator gradient arrows")
    action.trigger()
    assert action.isChecked()
    frame = frame_showing(qtbot, window, lambda f: f.arrows is not None)
    pts, grads = frame.arrows
    np.testing.assert_array_equal(pts, frame.fakes[::10])
    assert pts.shape == grads.shape == (250, 2)
    D = copy.deepcopy(replay(2).D).eval()
    x = torch.from_numpy(np.array(pts)).requires_grad_(True)
    (expected,) = torch.autograd.grad(F.softplus(-D(x)).sum(), x)  # each sample's own −log σ(D(x))
    np.testing.assert_allclose(grads, expected.numpy(), rtol=1e-4, atol=1e-7)
    # drawn: one segment per fake, from the fake against its gradient
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.grad_arrows.getData()[0] is not None and len(panel.grad_arrows.getData()[0]) == 500)
    ax, ay = panel.grad_arrows.getData()
    seg = np.column_stack([ax, ay])
    np.testing.assert_allclose(seg[0::2], pts, atol=1e-6)
    step = seg[1::2] - seg[0::2]
    assert np.all(np.sum(step * -grads, axis=1) >= 0)  # every arrow points down the loss
    assert panel.grad_arrows.isVisible() and panel.grad_heads.isVisible()
    action.trigger()
    assert not panel.grad_arrows.isVisible()
    frame_showing(qtbot, window, lambda f: f.arrows is None)


def test_manifold_mesh_is_g_of_a_20_by_20_cell_latent_grid(qtbot, window):
    paused_at(qtbot, window, 1)
    lp = window.latent_panel
    assert lp.cells.value() == 20
    lp.manifold.setChecked(True)  # the latent dock's Manifold mesh box: the mesh has no menu action
    frame = frame_showing(qtbot, window, lambda f: f.manifold is not None)
    mx, my = frame.manifold
    m = 21  # 20 cells: 21 lines each way, of 21 points, NaN after each
    assert mx.shape == my.shape == (2 * m * (m + 1),) and np.isfinite(mx).sum() == 2 * m * m
    lines = np.column_stack([mx, my]).reshape(2, m, m + 1, 2)
    assert np.isnan(lines[:, :, -1]).all()
    lim = latent_range(TINY.resolved().prior)
    grid = generate(replay(1).G, pad_grid(m, lim), torch.device("cpu")).reshape(m, m, 2)
    np.testing.assert_allclose(lines[0, :, :m], grid, atol=1e-6)  # lines along one latent axis
    np.testing.assert_allclose(lines[1, :, :m], grid.transpose(1, 0, 2), atol=1e-6)  # and along the other
    qtbot.waitUntil(lambda: window.data_panel.manifold.isVisible(), timeout=10_000)
    dx, dy = window.data_panel.manifold.getData()
    np.testing.assert_array_equal(np.column_stack([dx, dy]), np.column_stack([mx, my]))
    lp.manifold.setChecked(False)
    assert not window.data_panel.manifold.isVisible()
    frame_showing(qtbot, window, lambda f: f.manifold is None)


def test_recording_starts_and_stops_from_the_file_menu(qtbot, window, tmp_path, widget_dialogs):
    iio = pytest.importorskip("imageio.v3")
    path = tmp_path / "run.gif"
    action = menu_action(window, "File", "Record data view…")
    window.start()  # frames that differ (pillow merges identical GIF frames)
    frame_where(qtbot, window, lambda f: f.step > 0, timeout=60_000)
    with DialogDriver(lambda _dialog: str(path)) as driver:
        action.trigger()
    assert driver.answered == [("file", str(path))]
    assert action.isChecked() and window.recorder is not None and window.recorder.recording
    start_step = window.frame.step
    qtbot.waitUntil(lambda: window.recorder.frames >= 6 and window.frame.step > start_step + 5, timeout=60_000)
    said = []  # every status message from here: one shown for a moment and replaced still counts
    window.statusBar().messageChanged.connect(said.append)
    recorded, stopped_at = window.recorder.frames, time.monotonic()
    action.trigger()  # stop
    assert not action.isChecked() and not window.recorder.recording
    # written on a thread of its own: the window says so when it is done
    try:
        qtbot.waitUntil(lambda: f"Recording saved to {path}" in said, timeout=60_000)
    except (AssertionError, QtBotTimeoutError):  # once in CI under load: what the encoding had to do, what was shown
        encodings = [f.done() for f in window._encodings]
        threads = [t.name for t in threading.enumerate()]
        raise AssertionError(
            f"no 'Recording saved' {time.monotonic() - stopped_at:.0f} s after stopping a {recorded}-frame "
            f"recording; encodings done: {encodings}; timer active: {window._encoding_timer.isActive()}; "
            f"status messages: {said}; threads: {threads}"
        ) from None
    frames = iio.imread(path, index=None)
    panel = window.data_panel
    assert frames.shape[0] >= 2 and frames.shape[1:3] == (panel.height(), panel.width())
    assert frames.std() > 10  # pictures, not a blank


def test_csv_export_from_the_file_menu_is_the_frames_history(qtbot, window, tmp_path, widget_dialogs):
    path = tmp_path / "history.csv"
    window.start()
    frame_where(qtbot, window, lambda f: f.step > 30 and len(f.quality) > 0, timeout=60_000)
    window.pause()
    qtbot.waitUntil(lambda: not published(window).running, timeout=10_000)
    frame = frame_where(qtbot, window, lambda f: not f.running and f.step == published(window).step)
    with DialogDriver(lambda _dialog: str(path)):
        menu_action(window, "File", "Export metric history (CSV)…").trigger()
    frame = window.frame  # the frame exported (paused: the same history)
    steps = np.union1d(frame.column("step"), frame.quality_column("step"))
    assert f"Wrote {len(steps)} rows to {path}" in window.statusBar().currentMessage()
    table = np.genfromtxt(path, delimiter=",", names=True)
    assert list(table.dtype.names) == [*HISTORY_COLUMNS, *QUALITY_COLUMNS[1:]]
    assert len(table) == len(steps) and np.array_equal(table["step"], steps)
    rows = np.searchsorted(steps, frame.column("step"))
    np.testing.assert_allclose(table["g_loss"][rows], frame.column("g_loss"), rtol=1e-9)


def test_saved_sessions_lead_open_recent_and_reopen(qtbot, window, tmp_path, widget_dialogs):
    paused_at(qtbot, window, 2)
    first, second = str(tmp_path / "run.gvz"), str(tmp_path / "later.gvz")
    # saved through window.save: the save-as file dialog under the driver was flaky in full runs (a clean CI run
    # timed out waiting for "Saved" once), and what this test checks starts after the file is written
    for path in (first, second):
        window.save(path)
        qtbot.waitUntil(lambda p=path: f"Saved {p}" in window.statusBar().currentMessage(), timeout=30_000)
    window.recent_menu.aboutToShow.emit()
    recent = [a for a in window.recent_menu.actions() if not a.isSeparator()]
    assert [a.text() for a in recent] == [second, first]  # the latest first
    window.step_once()
    frame_where(qtbot, window, lambda f: f.step == 3)
    assert Path(first).is_file() and Path(second).is_file()
    with DialogDriver(lambda _dialog: None) as driver:  # a refusal is a box: answered, and shown below
        recent[1].trigger()  # back to the first file's step
    assert driver.answered == [], driver.answered
    frame = frame_where(qtbot, window, lambda f: f.step == 2)
    np.testing.assert_array_equal(frame.fakes, replay(2).snapshot().fakes)
    assert window.session_path == first


FILL_RECENT = """
import json
from types import SimpleNamespace
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMenu
from ganviz.ui.main_window import MainWindow
app = QApplication([])
window = SimpleNamespace(settings=QSettings("ganviz", "ganviz"), recent_menu=QMenu())
MainWindow._fill_recent(window)  # the Open recent menu as a new run of the app fills it
print(json.dumps([a.text() for a in window.recent_menu.actions()]))
"""


def test_open_recent_survives_a_restart(qtbot, tmp_path, child_env):
    from types import SimpleNamespace

    from PySide6.QtCore import QSettings

    from ganviz.ui.main_window import MainWindow

    path = str(tmp_path / "run.gvz")
    window = SimpleNamespace(settings=QSettings("ganviz", "ganviz"))  # all _remember uses of a window
    MainWindow._remember(window, path)  # as saving a session does
    window.settings.sync()
    out = subprocess.run(
        [sys.executable, "-c", FILL_RECENT], env=child_env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [path]


def test_speed_menu_sets_the_trainers_rate(qtbot, window):
    window.start()
    qtbot.waitUntil(lambda: published(window).step > 0, timeout=60_000)
    slow = menu_action(window, "Run", "Speed", "2 steps/s")
    slow.trigger()
    assert slow.isChecked() and not menu_action(window, "Run", "Speed", "Full speed").isChecked()
    # the child's own measure (generator steps over its last second) settles at the chosen rate
    qtbot.waitUntil(lambda: 0.5 <= published(window).steps_per_s <= 3.5, timeout=30_000)
    frame = frame_where(qtbot, window, lambda f: f.running and 0.5 <= f.steps_per_s <= 3.5)
    assert frame.step > 0
    menu_action(window, "Run", "Speed", "Full speed").trigger()
    qtbot.waitUntil(lambda: published(window).steps_per_s > 10, timeout=30_000)


@pytest.mark.parametrize(
    "label, key",
    [
        ("Real samples", "real"),
        ("Generated samples", "fake"),
        ("Decision surface", "surface"),
        ("Decision boundary", "boundary"),
    ],
)
def test_layer_actions_hide_and_show_their_layer(qtbot, window, label, key):
    paused_at(qtbot, window, 1)
    item = window.data_panel.layer_items()[key]
    action = menu_action(window, "View", label)
    assert action.isChecked() and item.isVisible()
    action.trigger()
    assert not item.isVisible()
    window.step_once()  # while hidden the layer is not updated; shown again, it is the frame's
    frame_where(qtbot, window, lambda f: f.step == 2 and f.surface_step == 2)
    action.trigger()
    frame = next_frame(qtbot, window)
    assert item.isVisible() and frame.step == 2
    panel = window.data_panel
    if key == "real":
        np.testing.assert_array_equal(panel.real.positions()[:, 0], frame.real[:, 0])
    elif key == "fake":
        np.testing.assert_array_equal(panel.fake.positions(), frame.fakes)
    elif key == "surface":
        np.testing.assert_array_equal(panel.image.image, frame.surface)
    else:
        bx, by = panel.boundary.getData()
        np.testing.assert_array_equal(bx, frame.boundary[0])


def test_loss_and_quality_panel_actions(qtbot, window):
    frame_where(qtbot, window, lambda f: True)
    for label, panel in (("Loss panel", window.loss_panel), ("Quality panel", window.quality_panel)):
        action = menu_action(window, "View", label)
        action.trigger()
        assert not panel.isVisible() and not action.isChecked()
        action.trigger()
        assert panel.isVisible()
    next_frame(qtbot, window)


def test_colour_by_latent_class_action(qtbot, window):
    frame = paused_at(qtbot, window, 1)
    action = menu_action(window, "View", "Colour samples by latent class")
    action.trigger()
    np.testing.assert_array_equal(window.data_panel.fake.colours(), frame.palette[frame.fake_class])
    frame = next_frame(qtbot, window)
    np.testing.assert_array_equal(window.data_panel.fake.colours(), frame.palette[frame.fake_class])
    action.trigger()
    frame = next_frame(qtbot, window)
    assert len({tuple(c) for c in window.data_panel.fake.colours()}) == 1


def test_dock_actions_show_and_hide_their_docks(qtbot, window):
    frame_where(qtbot, window, lambda f: True)
    for dock in (window.params, window.latent_dock):
        action = menu_action(window, "View", dock.windowTitle())
        assert dock.isVisible() and action.isChecked()
        action.trigger()
        assert not dock.isVisible()
        action.trigger()
        assert dock.isVisible()


def test_theory_dock_action_shows_the_critics_weights(qtbot, window):
    paused_at(qtbot, window, 2)
    action = menu_action(window, "Theory", "Theory panel: V, JS, W1, ∇ and the critic")
    assert action.shortcut().toString() == "T" and window.theory_dock.windowTitle() == "Theory"
    assert not window.theory_dock.isVisible()
    action.trigger()
    assert window.theory_dock.isVisible()
    frame = frame_showing(qtbot, window, lambda f: f.critic is not None and f.step == 2)
    (counts, edges), sv = frame.critic
    D = replay(2).D
    weights = [m.weight.detach() for m in D.modules() if isinstance(m, torch.nn.Linear)]
    np.testing.assert_allclose(sv, [torch.linalg.matrix_norm(w, ord=2).item() for w in weights], rtol=1e-5)
    assert counts.sum() == sum(p.numel() for p in D.parameters())
    action.trigger()
    assert not window.theory_dock.isVisible()
    frame_showing(qtbot, window, lambda f: f.critic is None)


def test_a_view_change_during_a_frame_build_is_not_lost(qtbot, window):
    import threading
    import time

    frame_where(qtbot, window, lambda f: True)  # step 0: no quality row to measure, which would bring a frame
    builder = window.builder
    build, built = builder.build, threading.Event()

    def slow_build(force=False):  # a frame that takes a while to build, as on a loaded machine
        frame = build(force)
        if frame is not None and not built.is_set():
            built.set()
            time.sleep(0.5)  # the GUI thread changes the view meanwhile
        return frame

    builder.build = slow_build
    window.worker.request_frame()  # the worker builds a frame
    qtbot.waitUntil(built.is_set, timeout=30_000)
    menu_action(window, "View", "Surface shows", "Optimal D* = p/(p+q) (estimate)").trigger()
    frame_where(qtbot, window, lambda f: f.surface_labels[0].startswith("D*"), timeout=10_000)
