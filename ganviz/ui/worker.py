"""GUI-side worker thread: turns the trainers' published state into frames, ≤ 30 per second.

One worker serves both windows: its source (ganviz.core.runs.run_model.FrameSource) is the main window's RunModel
(one run: a Frame whenever the trainer published something new) or compare mode's LockStep (2 to 4 runs: a
CompareFrames bundle after each chunk of lock-step training)."""

from __future__ import annotations

import threading
import time
import traceback

from PySide6.QtCore import QThread, Signal

from ganviz.core.runs.run_model import FrameSource

MAX_FPS = 36.0  # ~30 frames a second: the cap has headroom because frames that wait on a paint come late


class FrameWorker(QThread):
    """Builds frames from `source` on its own thread (the only thread that touches the source's builders),
    never more than one undrawn: the GUI calls `frame_taken()` once it has drawn one. Never touches a widget."""

    frame_ready = Signal(object)  # a core.analysis.frames.Frame or core.runs.compare.CompareFrames, as built
    failed = Signal(str)  # a trainer process died or a frame could not be built

    def __init__(self, source: FrameSource, max_fps: float = MAX_FPS) -> None:
        super().__init__()
        self.source = source
        self.period = 1.0 / max_fps
        self._stop = threading.Event()
        self._taken = threading.Event()
        self._taken.set()
        self._force = threading.Event()
        self._force.set()  # the very first frame (step 0) comes without waiting for the trainer

    def run(self) -> None:
        next_at = 0.0
        while not self._stop.is_set():
            try:
                problem = self.source.failure()
                if problem is not None:
                    if not self._stop.is_set():
                        self.failed.emit(problem)
                    return
                delay = next_at - time.perf_counter()
                if delay > 0:
                    self._stop.wait(delay)
                    continue
                started = time.perf_counter()
                # taken before the build: a request made while it builds (a view change) asks for the next one
                forced = self._force.is_set()
                self._force.clear()
                frame = self.source.next_frame(forced, self._stop.is_set)
                if frame is None:  # nothing new yet
                    if forced:
                        self._force.set()  # still owed
                    self._stop.wait(0.004)
                    continue
                next_at = started + self.period
                # built while the GUI drew the last one, sent only once that one is taken: never a frame queued
                # behind an undrawn one, and building and drawing overlap instead of taking turns
                while not self._taken.wait(0.01):  # short waits keep stop responsive
                    if self._stop.is_set():
                        return
                self._taken.clear()
                self.frame_ready.emit(frame)
            except Exception:
                if not self._stop.is_set():
                    self.failed.emit(traceback.format_exc())
                return

    def frame_taken(self) -> None:
        self._taken.set()

    def request_frame(self) -> None:
        """Build a frame even if the trainer published nothing new (after a view-relevant change)."""
        self._force.set()

    def stop(self, timeout_ms: int = 1000) -> None:
        """Ends the loop at its next check; a frame being built is finished first (never kill a QThread)."""
        self._stop.set()
        if not self.wait(timeout_ms):
            self.wait(30_000)
