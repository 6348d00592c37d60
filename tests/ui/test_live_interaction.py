"""Live interaction under training, through real mouse input: a sample selected by a click in the data view,
a probe and a segment dragged in the latent pad, then Start and hundreds of frames. No slot may raise,
frames must keep coming, and the selection ring must sit on that sample as the frame on screen shows it."""

from __future__ import annotations

import traceback

import numpy as np
import pytest
import torch

pytest.importorskip("PySide6")
from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402

# --- shared helpers (the coordinator moves these into tests/ui/conftest.py) ---------------------------------

TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=3)
# the same nets with 500 fixed-batch samples instead of 2,500: every frame is cheaper to build and draw, so a
# few hundred frames fit in a test (fakes, marks and the selection work the same on any batch size)
LIVE = TINY.replace(n_fixed=500)


def published(window):
    """The child's state as last published (waits until something is published)."""
    engine = window.builder.engine
    for _ in range(200):  # a read that meets a write in progress gives None: retry
        pub = engine.shared.read([torch.empty_like(t) for t in engine.tensors], -1)
        if pub is not None:
            return pub
    raise AssertionError("nothing published")


def frame_where(qtbot, window, predicate, timeout=30_000):
    """The first drawn frame (from now on) that satisfies predicate."""
    box = []

    def ok():
        assert window.frame is not None and predicate(window.frame)
        box.append(window.frame)

    qtbot.waitUntil(ok, timeout=timeout)
    return box[-1]


@pytest.fixture
def main_window(qtbot):
    """A shown main window on LIVE that says yes to every question; closed (trainer ended) afterwards."""
    w = MainWindow(LIVE)
    w.confirm = lambda _question: True
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


# --- mouse input at data coordinates ---------------------------------------------------------------------


def viewport_pos(view, vb, xy) -> QPoint:
    """Where the point xy (data coordinates of view box vb) is on the viewport of the GraphicsView `view`."""
    scene = vb.mapViewToScene(QPointF(float(xy[0]), float(xy[1])))
    return view.mapFromScene(scene)


def isolated_fake(window, frame) -> int:
    """A fake near the middle of the data view with no other fake within 4 pixels: a click on it picks it."""
    vb = window.data_panel.plot.getViewBox()
    px = max(vb.viewPixelSize())
    (x0, x1), (y0, y1) = vb.viewRange()
    fakes = frame.fakes.astype(np.float64)
    d2 = ((fakes[:, None, :] - fakes[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    lonely = np.sqrt(d2.min(axis=1)) > 4 * px
    inside = (fakes[:, 0] > x0) & (fakes[:, 0] < x1) & (fakes[:, 1] > y0) & (fakes[:, 1] < y1)
    candidates = np.flatnonzero(lonely & inside)
    assert len(candidates), "no isolated fake to click on"
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    return int(candidates[np.argmin(((fakes[candidates] - centre) ** 2).sum(1))])


def click_data(qtbot, window, xy) -> None:
    panel = window.data_panel
    qtbot.mouseClick(panel.viewport(), Qt.LeftButton, pos=viewport_pos(panel, panel.plot.getViewBox(), xy))


def drag_pad(qtbot, window, a, b, shift: bool = False) -> None:
    """Press at latent a, move in steps to b, release there (holding Shift throughout for a segment)."""
    view = window.latent_panel.view
    vb = view.getViewBox()
    mods = Qt.ShiftModifier if shift else Qt.NoModifier
    start = viewport_pos(view, vb, a)
    qtbot.mousePress(view.viewport(), Qt.LeftButton, mods, start)
    for t in (0.25, 0.5, 0.75, 1.0):  # pyqtgraph starts a drag only past a few pixels of motion
        at = viewport_pos(view, vb, (1 - t) * np.asarray(a) + t * np.asarray(b))
        # QTest.mouseMove carries no modifiers; mouseEvent does, and pyqtgraph reads them from each move
        QTest.mouseEvent(QTest.MouseAction.MouseMove, view.viewport(), Qt.NoButton, mods, at)
    qtbot.mouseRelease(view.viewport(), Qt.LeftButton, mods, viewport_pos(view, vb, b))


# --- the test -------------------------------------------------------------------------------------------

STALL_MS = 60_000  # no new frame for this long: the view is frozen (a spawned trainer can take ~20 s to start)


@pytest.mark.parametrize("frames", [300, pytest.param(1000, marks=pytest.mark.slow)])
def test_select_probe_segment_then_train_keeps_every_frame_consistent(qtbot, main_window, frames):
    w = main_window
    # at step 0 every fake lies within a few pixels of the others: train a little so single ones can be clicked
    w.start()
    frame_where(qtbot, w, lambda f: f.step >= 300, timeout=STALL_MS)
    w.pause()
    qtbot.waitUntil(lambda: not published(w).running, timeout=10_000)
    first = frame_where(qtbot, w, lambda f: not f.running and f.step == published(w).step)
    i = isolated_fake(w, first)
    click_data(qtbot, w, first.fakes[i])
    assert w._selected == i, "the click at the fake's screen position selected it"
    # the worker computes the inspection with the next frame's weights (never the GUI on shared networks)
    qtbot.waitUntil(lambda: len(w.data_panel.selected.getData()[0]) == 1, timeout=STALL_MS)
    sx, sy = w.data_panel.selected.getData()
    np.testing.assert_allclose([sx[0], sy[0]], first.fakes[i], atol=1e-5)

    lp = w.latent_panel
    pixel = max(lp.view.getViewBox().viewPixelSize())
    drag_pad(qtbot, w, (-0.6, -0.5), (0.4, 0.3))
    np.testing.assert_allclose(lp.probe_ab, [0.4, 0.3], atol=2 * pixel)
    qtbot.waitUntil(lambda: len(w.data_panel.probe.getData()[0]) == 1, timeout=STALL_MS)  # G(z) of the probe
    drag_pad(qtbot, w, (-0.7, 0.6), (0.5, -0.4), shift=True)
    if lp.segment_ab is None:  # synthetic input: pyqtgraph now and then takes the first move for a click; once more
        drag_pad(qtbot, w, (-0.7, 0.6), (0.5, -0.4), shift=True)
    assert lp.segment_ab is not None, "Shift+drag drew a segment"
    np.testing.assert_allclose(lp.segment_ab[0], [-0.7, 0.6], atol=2 * pixel)
    np.testing.assert_allclose(lp.segment_ab[1], [0.5, -0.4], atol=2 * pixel)
    np.testing.assert_allclose(lp.probe_ab, [0.4, 0.3], atol=2 * pixel)  # a segment leaves the probe alone
    qtbot.waitUntil(lambda: len(w.data_panel.path.getData()[0]) > 1, timeout=STALL_MS)  # the segment's path

    drawn, off = [], []

    def check(frame):  # on every drawn frame, before the next one can come
        drawn.append(frame.step)
        sx, sy = w.data_panel.selected.getData()
        if len(sx) != 1 or not np.allclose([sx[0], sy[0]], frame.fakes[i], atol=1e-5):
            off.append((frame.step, (sx, sy), frame.fakes[i]))

    w.frame_drawn.connect(check)
    with qtbot.captureExceptions() as exceptions:  # exceptions in slots, whatever the ini says
        w.start_action.trigger()  # Run → Start
        while len(drawn) < frames and not exceptions and not off:  # stop at the first fault
            before = len(drawn)
            try:
                qtbot.waitUntil(lambda: len(drawn) > before or bool(exceptions), timeout=STALL_MS)  # noqa: B023
            except qtbot.TimeoutError:
                raise AssertionError(f"frames stopped arriving after {before} (step {w.frame.step})") from None
        w.frame_drawn.disconnect(check)
    raised = ["".join(traceback.format_exception(*e)) for e in exceptions]
    assert not raised, f"a slot raised after {len(drawn)} frames:\n" + "\n".join(raised)
    assert drawn[-1] > drawn[0], "training moved on while the frames came"
    assert not off, f"frame {len(drawn)} (step {off[0][0]}) ringed {off[0][1]}, not its fake {i} at {off[0][2]}"
    assert w.running and published(w).running


def test_a_shift_click_on_the_pad_leaves_the_probe_where_it_was(qtbot, main_window):
    """Shift starts a segment; a Shift+press released without a drag draws none and must not move the probe (it
    did: the click handler ignored Shift, so a segment gesture too short to be a drag threw the probe away)."""
    lp = main_window.latent_panel
    view, vb = lp.view, lp.view.getViewBox()
    pixel = max(vb.viewPixelSize())
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, viewport_pos(view, vb, (0.4, 0.3)))
    np.testing.assert_allclose(lp.probe_ab, [0.4, 0.3], atol=2 * pixel)  # a plain click puts the probe there
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, Qt.ShiftModifier, viewport_pos(view, vb, (-0.7, 0.6)))
    np.testing.assert_allclose(lp.probe_ab, [0.4, 0.3], atol=2 * pixel)
    assert lp.segment_ab is None, "a click is not a segment"
