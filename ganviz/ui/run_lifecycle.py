"""The frame worker's life in a window, the same for the main window (one run) and the compare window (2 to 4):
start and stop it, take its frames (never a late one from a worker already replaced), keep a view that fails to
draw from stopping the frames, and say so when a trainer stops."""

from __future__ import annotations

import sys
import time
import traceback

from PySide6.QtWidgets import QMessageBox

from ganviz.core.runs.run_model import FrameSource
from ganviz.ui.worker import FrameWorker


class RunLifecycleMixin:
    """For a QMainWindow that draws what one FrameWorker builds. The window defines `_take_frame(item, t0)` (draw
    one frame or bundle), `_training_stopped()` (its running state after a failure) and `RESTART_HINT`."""

    RESTART_HINT = "Restart to try again."
    worker: FrameWorker | None = None
    _closing = False  # set when the window closes: no message box for a trainer ended on purpose

    def _start_worker(self, source: FrameSource) -> None:
        self.worker = FrameWorker(source)
        self.worker.frame_ready.connect(self._on_frame)
        self.worker.failed.connect(self._on_failed)
        self.worker.start()

    def _stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker.frame_ready.disconnect(self._on_frame)
            self.worker.failed.disconnect(self._on_failed)
            self.worker = None

    def _on_frame(self, item: object) -> None:
        t0 = time.perf_counter()
        # a late frame from an engine that was just replaced or closed (a call queued before the disconnect still
        # arrives, with no sender)
        if self.worker is None or self.sender() is not self.worker:
            return
        try:
            self._take_frame(item, t0)
        except Exception:  # a view that cannot draw this frame must not stop the next one from coming
            self._report_draw_failure(traceback.format_exc())
        finally:
            if self.worker is not None:
                self.worker.frame_taken()

    def _report_draw_failure(self, text: str) -> None:
        """Once per kind of failure: the traceback on stderr, its last line in the status bar."""
        last = text.strip().splitlines()[-1]
        failures = self.__dict__.setdefault("_draw_failures", set())  # a failing panel fails every frame
        if last not in failures:
            failures.add(last)
            print(f"ganviz: a view could not draw a frame:\n{text}", file=sys.stderr)
        self.statusBar().showMessage(f"A view could not draw this frame ({last}); training goes on", 5_000)

    def _on_failed(self, message: str) -> None:
        self._training_stopped()
        last = message.strip().splitlines()[-1] if message.strip() else "unknown error"
        self.statusBar().showMessage(f"Training stopped: {last}. {self.RESTART_HINT}")
        if self.isVisible() and not self._closing:
            box = QMessageBox(
                QMessageBox.Critical, "ganviz: training stopped", f"The trainer stopped:\n{last}", parent=self
            )
            box.setDetailedText(message)
            box.open()
