"""The compare window, offscreen: runs stepped in lock-step, each drawn from its own trainer, closed cleanly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("PySide6")
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QKeySequence  # noqa: E402
from PySide6.QtWidgets import QMainWindow  # noqa: E402
from ui_helpers import TINY, published, round_trip  # noqa: E402

from ganviz.core.runs.compare import CompareError, run_config, underlying_weights  # noqa: E402
from ganviz.ui.compare_window import CompareWindow, colour_hex, quality_line  # noqa: E402

BASE = TINY.replace(dataset="grid25", batch=64)
pg.setConfigOptions(imageAxisOrder="row-major")


@pytest.fixture
def window(make_compare_window):
    """A compare window of the default runs on BASE (non-saturating and WGAN-GP), bundles drawn in `.drawn`."""
    return make_compare_window(BASE)


def published_step(engine) -> int:
    return published(engine).step


def still(qtbot, window, step: int) -> None:
    """Every child's loop has gone round (a command handled, its state published) and none moved from `step`."""
    for _ in range(2):
        assert [round_trip(qtbot, b.engine).step for b in window.lock.builders] == [step] * len(window.lock.builders)


def settle(qtbot, window) -> int:
    """Wait until the window is paused and its last drawn bundle is where every child stopped; that step."""
    engines = [b.engine for b in window.lock.builders]

    def settled():
        b = window.bundle
        assert b is not None and not window.lock.in_flight
        assert [published_step(e) for e in engines] == [b.step] * len(engines)

    qtbot.waitUntil(settled, timeout=30_000)
    return window.bundle.step


def test_lock_step_frames_panels_and_shared_plot(qtbot, window):
    assert [v.title for v in window.views] == ["A · Non-saturating", "B · WGAN-GP"]
    window.start()
    assert window.start_action.text() == "Pause"

    def trained():  # quality rows come once a second: wait for a few on both runs
        b = window.bundle
        assert b is not None and b.step >= 20 and all(len(f.quality) >= 2 for f in b.frames)

    qtbot.waitUntil(trained, timeout=60_000)
    window.pause()
    step = settle(qtbot, window)
    still(qtbot, window, step)  # nothing moves while paused

    # every drawn bundle showed one generator step on every run, never going back
    assert len(window.drawn) >= 3
    for bundle in window.drawn:
        assert [f.step for f in bundle.frames] == [bundle.step, bundle.step]
    assert [b.step for b in window.drawn] == sorted(b.step for b in window.drawn)
    assert any(b.chunk > 0 for b in window.drawn)

    bundle = window.bundle
    assert [f.objective for f in bundle.frames] == ["nonsaturating", "wgan-gp"]
    assert not np.array_equal(bundle.frames[0].fakes, bundle.frames[1].fakes)
    for view, frame in zip(window.views, bundle.frames):
        assert view.frame is frame
        np.testing.assert_array_equal(view.panel.fake.positions(), frame.fakes)
        np.testing.assert_array_equal(view.panel.image.image, frame.surface)
        assert f"step <b>{step}</b>" in view.numbers.text() and "/25" in view.numbers.text()
    assert window.views[0].panel.plot.titleLabel.text == "A · Non-saturating"

    # the shared plot: one robust-modes and one W1 curve per run, in the run's colour, with that run's numbers
    plot = window.plot
    assert len(plot.modes) == len(plot.w1) == 2
    # no legend row: each curve has its run's title colour, and the plot's tooltip is the key
    assert [c.name() for c in plot.modes] == ["A · Non-saturating", "B · WGAN-GP"]
    for i in range(len(window.views)):
        assert plot.modes[i].opts["pen"].color().name() == colour_hex(i) and colour_hex(i) in plot.toolTip()
    for i, frame in enumerate(bundle.frames):
        steps = frame.quality_column("step")
        for curve, name in ((plot.modes[i], "modes_robust"), (plot.w1[i], "w1")):
            values = frame.quality_column(name)
            ok = np.isfinite(values)
            x, y = curve.getData()
            np.testing.assert_array_equal(x, steps[ok])
            np.testing.assert_array_equal(y, values[ok])
            assert len(x) >= 2
        assert plot.modes[i].opts["pen"].color().getRgb()[:3] == plot.w1[i].opts["pen"].color().getRgb()[:3]
    assert plot.modes[0].opts["pen"].color() != plot.modes[1].opts["pen"].color()


def test_step_advances_every_run_by_exactly_one(qtbot, window):
    qtbot.waitUntil(lambda: window.bundle is not None, timeout=30_000)
    # the first bundle (step 0) comes at once; the status says when the trainer processes are up
    assert window.drawn[0].step == 0
    qtbot.waitUntil(lambda: window.status.text().startswith("paused · step 0"), timeout=30_000)
    assert not window.drawn[0].ready or window.drawn[-1].ready
    before = settle(qtbot, window)
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.bundle.step == before + 1, timeout=30_000)
    assert settle(qtbot, window) == before + 1
    still(qtbot, window, before + 1)
    assert [f.step for f in window.bundle.frames] == [before + 1] * 2
    # Step while running pauses first, then steps once
    window.start()
    qtbot.waitUntil(lambda: window.bundle.step >= before + 3, timeout=30_000)
    window.step_once()
    assert not window.running
    after = settle(qtbot, window)
    still(qtbot, window, after)
    assert settle(qtbot, window) == after


def test_shortcuts_and_closing_stops_every_child(qtbot, window):
    keys = {a.text(): [s.toString() for s in a.shortcuts()] for a in window.actions()}
    assert keys["Start"] == [QKeySequence(Qt.Key_Space).toString()]
    assert keys["Step"] == ["S"]
    assert set(keys["Close"]) == {QKeySequence(Qt.Key_Escape).toString(), "Ctrl+W"}
    for act in window.actions():
        assert act.toolTip()
    qtbot.waitUntil(lambda: window.bundle is not None, timeout=30_000)
    window.start()
    engines = [b.engine for b in window.lock.builders]
    worker = window.worker
    qtbot.waitUntil(lambda: window.bundle.step >= 3, timeout=30_000)
    assert all(e.alive for e in engines)
    window.close_action.trigger()  # Esc / Ctrl+W
    assert not window.isVisible()
    assert not any(e.alive for e in engines)
    assert worker.isFinished() and window.worker is None and window.lock is None


def test_setup_adds_runs_and_restarts_from_the_same_weights(qtbot, window):
    setup = window.setup
    assert len(setup.editors) == 2 and not setup.editors[0].remove.isEnabled()
    setup.add_run()
    third = setup.editors[2]
    assert third.objective.currentData() == "hinge"  # the first objective not yet compared
    third.spectral_norm.setChecked(True)
    third.r1.setChecked(True)
    third.lr_g.set_value(3e-4)
    setup.add_run()
    assert len(setup.editors) == 4 and not setup.add.isEnabled()
    setup.remove_run(setup.editors[3])
    assert len(setup.editors) == 3 and setup.editors[0].remove.isEnabled()
    setup.editors[1].objective.setCurrentIndex(setup.editors[1].objective.findData("lsgan"))
    assert setup.editors[1].lr_g.value() == 1e-3  # the new objective's default
    old = [b.engine for b in window.lock.builders]

    setup.apply.click()
    assert not any(e.alive for e in old)
    runs = window.runs
    assert [r.objective for r in runs] == ["nonsaturating", "lsgan", "hinge"]
    assert (runs[2].spectral_norm, runs[2].r1, runs[2].lr_g) == (True, 1.0, 3e-4)
    assert all(r.dataset == "grid25" and r.hidden == 16 and r.seed == 3 for r in runs)
    assert [v.title for v in window.views] == ["A · Non-saturating", "B · LSGAN", "C · Hinge + SN + R1 γ=1"]
    assert len(window.plot.modes) == 3 and len(setup.editors) == 3
    # same initial weights in every trainer, spectral norm included (its underlying weights)
    mirrors = [b.mirror for b in window.lock.builders]
    for m in mirrors[1:]:
        for a, b in ((mirrors[0].G, m.G), (mirrors[0].D, m.D)):
            wa, wb = underlying_weights(a), underlying_weights(b)
            assert all(torch.equal(wa[k], wb[k]) for k in wa)
    qtbot.waitUntil(lambda: window.bundle is not None and len(window.bundle.frames) == 3, timeout=30_000)
    assert window.bundle.step == 0
    window.step_once()
    qtbot.waitUntil(lambda: window.bundle.step == 1, timeout=30_000)
    assert [f.step for f in window.bundle.frames] == [1, 1, 1]


def test_a_bad_number_in_the_setup_restarts_nothing(qtbot, window):
    engines = [b.engine for b in window.lock.builders]
    window.setup.editors[1].lr_d.setText("-1")  # typed, not yet committed: Restart still reads it
    assert not window.restart_from_setup()
    assert "Run B: LR discriminator '-1' is not a number > 0" in window.statusBar().currentMessage()
    assert window.setup.editors[1].lr_d.styleSheet()  # red
    assert [b.engine for b in window.lock.builders] == engines and all(e.alive for e in engines)
    window.setup.editors[1].lr_d.setText("2e-4")
    window.restart_action.trigger()
    assert window.runs[1].lr_d == 2e-4 and not any(e.alive for e in engines)


def test_closing_the_parent_window_closes_the_comparison(qtbot):
    parent = QMainWindow()
    qtbot.addWidget(parent)
    parent.show()
    w = CompareWindow(BASE, parent=parent)
    w.show()
    assert w.isWindow()  # its own window, not a widget inside the main window
    engines = [b.engine for b in w.lock.builders]
    qtbot.waitUntil(lambda: w.bundle is not None, timeout=30_000)
    parent.close()
    assert not w.isVisible() and w.lock is None
    assert not any(e.alive for e in engines)


def test_bad_runs_are_refused_before_any_process_starts(qtbot):
    with pytest.raises(CompareError, match="2 to 4"):
        CompareWindow(BASE, [run_config(BASE, "hinge")])


def test_quality_line_reports_a_divergence(qtbot, window):
    qtbot.waitUntil(lambda: window.bundle is not None, timeout=30_000)
    frame = window.bundle.frames[0]
    text = quality_line(frame, (120, 0, "lower the learning rates"))
    assert "step <b>0</b>" in text and "diverged (NaN/Inf) at step 120" in text and "rolled back to step 0" in text
    assert "W1 <b>—</b>" in quality_line(frame)  # no W1 measured before the first step


def test_pending_edits_are_announced_until_the_restart(qtbot, window):
    setup = window.setup
    assert "pending" not in setup.apply.text()
    setup.add_run()
    assert "changes pending" in setup.apply.text()
    assert "Restart (Ctrl+R)" in window.statusBar().currentMessage()
    setup.remove_run(setup.editors[2])  # back to the runs on screen: nothing pending
    assert "pending" not in setup.apply.text()
    setup.editors[0].lr_g.set_value(3e-4)
    setup.editors[0].lr_g.committed.emit(3e-4)
    assert "changes pending" in setup.apply.text()
    setup.apply.click()
    assert "pending" not in setup.apply.text() and window.runs[0].lr_g == 3e-4


def test_the_runs_panel_gives_way_to_the_views_and_f2_brings_it_back(qtbot, make_compare_window):
    runs = [run_config(BASE, o) for o in ("nonsaturating", "wgan-gp", "hinge")]
    w = make_compare_window(BASE, runs)
    w.resize(1024, 700)
    w.show()
    qtbot.waitExposed(w)
    assert w.setup_dock.isHidden()  # three views beside it would each be under 345 px wide
    toggle = next(a for a in w.actions() if a.text() == "Runs panel")
    assert toggle.shortcut() == QKeySequence("F2")
    toggle.trigger()  # the user's choice stands, whatever the size
    assert not w.setup_dock.isHidden()
    w.resize(1000, 690)
    assert not w.setup_dock.isHidden()
    w.resize(1600, 1000)
    qtbot.waitUntil(lambda: w.size().width() == 1600, timeout=10_000)
    w.setup.add_run()
    w.setup.apply.click()  # four runs: the panel keeps its width, the views share the rest
    qtbot.waitUntil(lambda: abs(w.setup_dock.width() - 290) < 60 and w.views[0].width() > 300, timeout=10_000)
    # never most of the window (on a real display, with a window manager, a restart left it at ~80 % of it)
    assert w.setup_dock.maximumWidth() <= 2 * 290


def test_a_two_by_two_grid_in_a_low_window_has_the_plots_beside_it(qtbot, make_compare_window):
    runs = [run_config(BASE, o) for o in ("nonsaturating", "wgan-gp", "hinge", "lsgan")]
    w = make_compare_window(BASE, runs)
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    assert w.split.orientation() == Qt.Horizontal and w.plot.stacked
    w.resize(1600, 1000)
    qtbot.waitUntil(lambda: w.split.orientation() == Qt.Vertical, timeout=10_000)
    assert not w.plot.stacked


def test_each_run_is_a_run_view_with_its_own_inspection(qtbot, window):
    from ganviz.ui.run_view import RunView

    qtbot.waitUntil(lambda: window.bundle is not None, timeout=30_000)
    assert len(window.views) == len(window.runs) == 2 and all(isinstance(v, RunView) for v in window.views)
    # run B's sample 7, inspected by run B's builder on the driver thread while paused, drawn in B's view only
    window.views[1].select(7)
    qtbot.waitUntil(lambda: window.views[1].selection_info() is not None, timeout=60_000)
    info, frame = window.views[1].selection_info(), window.views[1].frame
    assert info["index"] == 7 and frame is window.bundle.frames[1]
    np.testing.assert_array_equal(info["x"], frame.fakes[7])
    sx, sy = window.views[1].panel.selected.getData()
    assert (sx[0], sy[0]) == (frame.fakes[7][0], frame.fakes[7][1])
    assert window.views[0].selection_info() is None and window.lock.builders[0].inspect_index is None
    assert len(window.views[0].panel.selected.getData()[0]) == 0
    window.views[1].select(None)
    assert window.lock.builders[1].inspect_index is None


def test_the_remedies_comparison_titles_its_runs_and_keeps_their_remedies_on_edit(qtbot, make_compare_window):
    from ganviz.core.runs.compare import named_comparison

    window = make_compare_window(*named_comparison("remedies", BASE))
    assert [v.title for v in window.views] == [
        "A · Non-saturating",
        "B · Non-saturating + PacGAN2",
        "C · Non-saturating + unrolled 5",
        "D · WGAN-GP",
    ]
    packed = window.setup.editors[1]
    assert packed.remedies.text() == "PacGAN2" and "own init" in packed.remedies.toolTip()
    packed.objective.setCurrentIndex(packed.objective.findData("hinge"))
    assert (packed.config().objective, packed.config().pack) == ("hinge", 2)  # a new objective keeps the remedy
    assert window.setup.editors[2].config().unroll == 5
    qtbot.waitUntil(lambda: window.bundle is not None and len(window.bundle.frames) == 4, timeout=60_000)


def test_the_run_menu_opens_the_remedies_comparison_on_this_seed(monkeypatch):
    import types

    import ganviz.ui.compare_window
    from ganviz.ui.window_menus import MENUS, MenusMixin

    assert any(getattr(e, "slot", None) == "show_remedies_compare" for e in MENUS)
    opened = []
    monkeypatch.setattr(ganviz.ui.compare_window, "open_compare", lambda base, runs, parent: opened.append(runs))
    main = types.SimpleNamespace(config=BASE.replace(dataset="ring8"), compare_window=None, pause=lambda: None)
    MenusMixin.show_remedies_compare(main)
    assert [(r.dataset, r.seed, r.pack, r.unroll) for r in opened[0]] == [
        ("grid25", 3, 1, 0),
        ("grid25", 3, 2, 0),
        ("grid25", 3, 1, 5),
        ("grid25", 3, 1, 0),
    ]


def test_the_status_line_says_whether_the_runs_train_as_one_batch():
    from ganviz.core.runs.compare import CompareFrames
    from ganviz.ui.compare_views import status_line

    bundle = CompareFrames(frames=(None, None), step=40, diverged=(None, None), chunk=4, steps_per_s=23.4)
    assert status_line(bundle, True, batched=True) == (
        "running · step 40 · 23 steps/s per run · 4 steps per frame · trained as one batch"
    )
    assert status_line(bundle, False, batched=False) == "paused · step 40 · 23 steps/s per run · one process per run"
    assert status_line(bundle, False) == "paused · step 40 · 23 steps/s per run"
    starting = CompareFrames(frames=(None, None), step=0, diverged=(None, None), chunk=1, steps_per_s=0.0, ready=False)
    assert status_line(starting, False, batched=False) == "starting 2 trainer processes…"
