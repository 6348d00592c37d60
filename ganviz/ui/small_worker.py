"""Training the theory views' small GANs (1-D densities, 8×8 digits) on a worker thread.

The worker owns its run (a `ganviz.core.problems.problem_run.ProblemRun`: a Trainer and the problem's readouts): it
builds it, steps it and reads it out on its own thread, so no tensor or network is ever shared with the GUI thread. The
panel talks to it only through queued messages (reset, lr, steps per burst, start/pause, one burst) and gets back
`RunFrame`s: immutable numpy readouts, at most MAX_FPS a second while running (timed, so a slow GUI is not
flooded); every frame carries the generation of the reset that made its run, so frames of a run already
replaced are dropped. `stop()` ends the thread and waits for it (a panel's close).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

from ganviz.core.problems.problem_run import ProblemRun, RunSettings

TICK_MS = 30  # one burst of steps per tick while running (the pace the panels' "steps/tick" is read against)
MAX_FPS = 30.0  # frames a second at most while running

Build = Callable[[Mapping[str, Any]], ProblemRun]
Readout = Callable[[ProblemRun], Any]


@dataclass(frozen=True)
class RunFrame:
    """One readout of the worker's run, made on the worker thread: numpy arrays and numbers only."""

    generation: int  # the reset that built the run
    params: Mapping[str, Any]  # what that reset asked for (read-only)
    readout: Any  # the problem's snapshot (onedim.OneDimSnapshot, digits.DigitsSnapshot)
    settings: RunSettings


class _Worker(QObject):
    """Lives on the worker thread; every slot runs there."""

    frame = Signal(object)

    def __init__(self, build: Build, readout: Readout) -> None:
        super().__init__()
        self._build, self._readout = build, readout
        self._run: ProblemRun | None = None
        self._generation = 0
        self._params: Mapping[str, Any] = MappingProxyType({})
        self._steps = 1
        self._last_emit = 0.0
        self._timer = QTimer(self)  # a child: moves to the worker thread with it, and fires there
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._burst)

    @Slot(int, object)
    def reset(self, generation: int, params: Mapping[str, Any]) -> None:
        self._run = None  # the old run's networks go before the new ones are built
        self._generation, self._params = generation, MappingProxyType(dict(params))
        self._run = self._build(self._params)
        self._emit()

    @Slot(float)
    def set_lr(self, lr: float) -> None:
        if self._run is not None:
            self._run.set_lr(lr)
            self._emit()

    @Slot(int)
    def set_steps(self, n: int) -> None:
        self._steps = max(1, int(n))

    @Slot(bool)
    def set_running(self, on: bool) -> None:
        if on:
            self._timer.start()
        else:
            self._timer.stop()
            if self._run is not None:
                self._emit()  # the state it stopped in, whatever the throttle skipped

    @Slot(int)
    def advance(self, n: int) -> None:
        """n steps now, then a frame (not throttled: it was asked for)."""
        if self._run is not None:
            self._run.step(n)
            self._emit()

    @Slot()
    def shutdown(self) -> None:
        self._timer.stop()
        self._run = None

    def _burst(self) -> None:
        if self._run is None:
            return
        self._run.step(self._steps)
        if time.monotonic() - self._last_emit >= 1.0 / MAX_FPS:
            self._emit()

    def _emit(self) -> None:
        run = self._run
        assert run is not None
        self._last_emit = time.monotonic()
        self.frame.emit(RunFrame(self._generation, self._params, self._readout(run), run.settings()))


class SmallRunHost(QObject):
    """The GUI side: owns the worker thread, forwards controls as queued messages, re-emits current frames."""

    frame_ready = Signal(object)  # RunFrame, on the GUI thread

    _reset = Signal(int, object)
    _lr = Signal(float)
    _steps = Signal(int)
    _running = Signal(bool)
    _advance = Signal(int)
    _shutdown = Signal()

    def __init__(self, build: Build, readout: Readout, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generation = 0
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._worker = _Worker(build, readout)
        self._worker.moveToThread(self._thread)
        queued = Qt.ConnectionType.QueuedConnection
        self._reset.connect(self._worker.reset, queued)
        self._lr.connect(self._worker.set_lr, queued)
        self._steps.connect(self._worker.set_steps, queued)
        self._running.connect(self._worker.set_running, queued)
        self._advance.connect(self._worker.advance, queued)
        # blocking: when stop() goes on, the worker has stopped its timer and let go of its run
        self._shutdown.connect(self._worker.shutdown, Qt.ConnectionType.BlockingQueuedConnection)
        self._worker.frame.connect(self._on_frame, queued)
        self._thread.finished.connect(self._worker.deleteLater)
        app = QCoreApplication.instance()
        if app is not None:  # a window never closed still ends its thread before the process does
            app.aboutToQuit.connect(self.stop)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.isRunning()

    @property
    def worker_thread(self) -> QThread:
        return self._thread

    def reset(self, params: Mapping[str, Any]) -> int:
        """A new run built from `params`; frames of earlier runs are dropped from now on."""
        self.generation += 1
        self._reset.emit(self.generation, dict(params))
        return self.generation

    def set_lr(self, lr: float) -> None:
        self._lr.emit(float(lr))

    def set_steps(self, n: int) -> None:
        self._steps.emit(int(n))

    def set_running(self, on: bool) -> None:
        self._running.emit(bool(on))

    def advance(self, n: int) -> None:
        self._advance.emit(int(n))

    def stop(self) -> None:
        """Stop training and end the thread; returns once it has ended."""
        if self._thread.isRunning():
            self._shutdown.emit()
            self._thread.quit()
            self._thread.wait()

    def _on_frame(self, frame: RunFrame) -> None:
        if frame.generation == self.generation:
            self.frame_ready.emit(frame)
