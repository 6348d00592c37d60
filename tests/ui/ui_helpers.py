"""Shared by the UI tests (pytest puts this folder on sys.path when it imports them); conftest.py turns these
into fixtures. They live here rather than in conftest.py because a conftest module cannot be imported by name:
tests/conftest.py and tests/ui/conftest.py are both "conftest"."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox

from ganviz.core.runs.commands import Speed
from ganviz.core.training.config import TrainConfig

# small enough for a unit test; each file varies the seed or dataset with TINY.replace(...)
TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=3)
# a trainer process (spawn, import torch, first publish) took 15 s to start on the 2-core test machine under load
STARTUP_MS = 120_000


def has_published(engine) -> bool:
    return engine.shared.read([torch.empty_like(t) for t in engine.tensors], -1) is not None


def wait_started(qtbot, engines) -> None:
    """Wait (generously) until every trainer process has published once, so that later waits measure the window,
    not the start of a child process on a loaded machine."""
    qtbot.waitUntil(lambda: all(has_published(e) for e in engines), timeout=STARTUP_MS)


def published(source):
    """The child's state as last published: `source` is a window (its builder's engine) or an engine."""
    engine = source.builder.engine if hasattr(source, "builder") else source
    for _ in range(200):  # a read that meets a write in progress gives None: retry
        pub = engine.shared.read([torch.empty_like(t) for t in engine.tensors], -1)
        if pub is not None:
            return pub
    raise AssertionError("nothing published")


def frame_where(qtbot, window, predicate: Callable, timeout: int = 60_000):
    """The first drawn frame (from now on) that satisfies predicate."""
    box = []

    def ok():
        assert window.frame is not None and predicate(window.frame)
        box.append(window.frame)

    qtbot.waitUntil(ok, timeout=timeout)
    return box[-1]


def next_frame(qtbot, window, timeout: int = 30_000):
    """The next frame the window draws, asked for now (a paused trainer publishes nothing new by itself)."""
    with qtbot.waitSignal(window.frame_drawn, timeout=timeout) as blocker:
        window.worker.request_frame()
    return blocker.args[0]


def frame_showing(qtbot, window, predicate: Callable, timeout: int = 60_000):
    """The first frame that satisfies predicate, asking for a frame at every poll: while paused, frames come only
    when asked for, and FrameWorker can drop a request made while it builds a frame (see
    test_view_actions.test_a_view_change_during_a_frame_build_is_not_lost)."""

    def poke(f):
        window.worker.request_frame()
        return predicate(f)

    return frame_where(qtbot, window, poke, timeout)


def round_trip(qtbot, engine, timeout: int = 30_000):
    """Send the child a command that changes nothing and wait until it has published after handling it: proof
    that its loop went round (instead of sleeping a fixed time before checking that nothing moved)."""
    before = published(engine).seq
    engine.send(Speed(0.0))  # full speed is the default every test runs at
    qtbot.waitUntil(lambda: published(engine).seq > before, timeout=timeout)
    return published(engine)


def menu_action(window, *path: str) -> QAction:
    """The menu bar's action at `path` of texts without '&' (e.g. "View", "Surface shows", "Learned D")."""
    actions = window.menuBar().actions()
    for i, name in enumerate(path):
        act = next((a for a in actions if a.text().replace("&", "") == name), None)
        assert act is not None, f"no {name!r} in {[a.text() for a in actions]}"
        if i < len(path) - 1:
            actions = act.menu().actions()
    return act


def all_actions(menu: QMenu) -> list[QAction]:
    found = []
    for act in menu.actions():
        if act.menu() is not None:
            found += all_actions(act.menu())
        elif not act.isSeparator():
            found.append(act)
    return found


class DialogDriver:
    """Answers the real modal dialogs the app opens (QFileDialog, QMessageBox), from a timer that finds the
    active modal widget: `answer(dialog) -> str | None` gives a file name for a file dialog (None cancels);
    message boxes are answered with `button(box)` (default: the box's default button, else its first).
    A file dialog that stays open after two answers (a missing file to open) is cancelled."""

    def __init__(
        self,
        files: Callable[[QFileDialog], str | None],
        button: Callable[[QMessageBox], object] | None = None,
        period_ms: int = 20,
    ) -> None:
        self.files, self.button = files, button
        self.answered: list[tuple[str, str]] = []  # (dialog kind, what was done)
        self._tries: dict[int, int] = {}
        self.timer = QTimer()
        self.timer.setInterval(period_ms)
        self.timer.timeout.connect(self._tick)

    def __enter__(self) -> DialogDriver:
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not dialog.isVisible():
            return
        if isinstance(dialog, QFileDialog):
            # counted on the dialog itself: a Python wrapper's id() changes from one tick to the next
            tries = int(dialog.property("driver_tries") or 0)
            dialog.setProperty("driver_tries", tries + 1)
            path = self.files(dialog) if tries < 2 else None
            if path is None:
                self.answered.append(("file", "cancel"))
                QTimer.singleShot(0, dialog.reject)
            else:
                self.answered.append(("file", path))
                dialog.selectFile(path)
                # later, from the event loop: accept() may open a modal box of its own (overwrite?), which this
                # timer can answer only once this slot has returned
                QTimer.singleShot(0, dialog.accept)
        elif isinstance(dialog, QMessageBox):
            choice = self.button(dialog) if self.button else None
            button = choice or dialog.defaultButton() or (dialog.buttons() or [None])[0]
            self.answered.append(("box", dialog.text()[:60]))
            if button is None:
                dialog.done(0)
            else:
                button.click()
        else:  # a dialog this driver does not know: close it rather than hang the test
            self.answered.append((type(dialog).__name__, "closed"))
            dialog.close()


def random_button(rng: random.Random) -> Callable[[QMessageBox], object]:
    return lambda box: rng.choice(box.buttons()) if box.buttons() else None


def load_image(path: str | Path) -> np.ndarray:
    """A PNG as an (h, w, 3) uint8 array, through QImage."""
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not an image Qt can read"
    image = image.convertToFormat(QImage.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return rows[:, : 3 * w].reshape(h, w, 3).copy()  # a copy: the buffer goes with the QImage


def colour_share(pixels: np.ndarray, rgb: tuple[int, int, int], tol: int = 40) -> float:
    """Share of pixels within `tol` (per channel) of a colour."""
    near = np.all(np.abs(pixels.astype(int) - np.array(rgb)) <= tol, axis=-1)
    return float(near.mean())
