"""Application start-up: display check, Qt binding, pyqtgraph options, the --run-for automation."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from ganviz.core.training.config import TrainConfig
from ganviz.ui import stats as _stats  # noqa: F401 (imported first: its LAUNCHED_AT is the launch time)


def cannot_open_window() -> str | None:
    """The one-line message for stderr when no window can open here, or None."""
    from ganviz.ui.display import display_problem

    problem = display_problem()
    if not problem:
        return None
    return (
        f"ganviz: cannot open a window: {problem}. Use `ganviz train ...` for headless training, or "
        "QT_QPA_PLATFORM=offscreen ganviz --run-for SECONDS --screenshot out.png"
    )


def qt_application():
    """The QApplication (made once), with the Qt binding and pyqtgraph options every ganviz window uses."""
    os.environ.setdefault("QT_API", "pyside6")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    pg.setConfigOptions(background="w", foreground="k", imageAxisOrder="row-major", antialias=False)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ganviz")
    return app


def close_on_sigint(window):
    """Ctrl+C in the terminal closes `window` cleanly. Returns a timer that lets Python see the signal while
    Qt's event loop runs: the caller keeps a reference to it."""
    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: window.close())
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(200)
    return tick


def run_window(
    make_window: Callable[[], Any],
    *,
    run_for: float | None = None,
    screenshot: str | None = None,
    stats_json: str | None = None,
    record: str | None = None,
    window_size: tuple[int, int] | None = None,
    errors: tuple[type[Exception], ...] = (),
) -> int:
    """Run a ganviz window (main or compare) as the application; the exit code.

    With `run_for` it starts training at once and, after that many seconds, stops any recording, saves
    `screenshot` and writes `stats_json` (the window's `automation_stats` plus where each plot is on screen),
    then quits. `make_window` raising one of `errors` is one line and exit 2. Every failure to write an output
    asked for is one line and exit 1."""
    if message := cannot_open_window():
        print(message, file=sys.stderr)
        return 2
    app = qt_application()
    from PySide6.QtCore import QEvent, QTimer
    from PySide6.QtWidgets import QApplication

    from ganviz.core.files.io import write_atomic
    from ganviz.ui.export import ExportError, save_screenshot
    from ganviz.ui.geometry import visible_plots

    try:
        window = make_window()
    except errors as e:
        print(f"ganviz: error: {e}", file=sys.stderr)
        return 2
    if run_for is not None:  # automation: no question may wait for an answer, quitting included
        window.confirm = window.confirm_discard = lambda _q: True
    if window_size is not None:
        window.resize(*window_size)
    window.show()
    result = {"code": 0}
    tick = close_on_sigint(window)  # noqa: F841 (kept alive until the event loop ends)

    if run_for is not None:
        started = time.perf_counter()
        window.start()
        if record:
            window.start_recording(record)

        def failed(message: str) -> None:  # one line, and a non-zero exit: the file asked for is not there
            print(f"ganviz: error: {message}", file=sys.stderr)
            result["code"] = 1

        def finish() -> None:
            if hasattr(window, "stop_recording"):
                try:
                    window.stop_recording()
                except ExportError as e:
                    failed(f"--record: {e}")
            if screenshot:
                try:
                    save_screenshot(window, screenshot)
                except ExportError as e:
                    failed(f"--screenshot: {e}")
            if stats_json:
                stats = window.automation_stats(started)
                stats["window_size"] = [window.width(), window.height()]
                stats["panels"] = visible_plots(window)
                try:
                    write_atomic(stats_json, lambda f: f.write(json.dumps(stats, indent=2).encode()))
                except OSError as e:
                    failed(f"--stats-json: cannot write {stats_json!r}: {e.strerror or e}")
            window.close()
            app.quit()

        QTimer.singleShot(int(run_for * 1000), finish)
    app.exec()
    # delete the window and its plots now, while Qt and Python are both whole: left to the interpreter's
    # exit, pyqtgraph's items and Qt's objects were torn down in the wrong order (a segfault in ~1 exit of 4)
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)  # static: `app` may be a test's stand-in
    return result["code"]


def run_app(
    config: TrainConfig,
    run_for: float | None = None,
    screenshot: str | None = None,
    stats_json: str | None = None,
    session=None,
    record: str | None = None,
    window_size: tuple[int, int] | None = None,
    slow_motion: bool = False,
) -> int:
    """The main window as the application (`ganviz`); see run_window. `slow_motion`: open in slow motion."""

    def make_window():
        from PySide6.QtCore import QTimer

        from ganviz.ui.main_window import MainWindow

        window = MainWindow(config, session)
        if slow_motion:  # once the event loop runs: after --run-for's start, which slow motion pauses
            QTimer.singleShot(0, window.slow_motion.start)
        return window

    return run_window(
        make_window,
        run_for=run_for,
        screenshot=screenshot,
        stats_json=stats_json,
        record=record,
        window_size=window_size,
    )


def run_compare_app(
    base: TrainConfig,
    runs=None,
    run_for: float | None = None,
    screenshot: str | None = None,
    stats_json: str | None = None,
    window_size: tuple[int, int] | None = None,
) -> int:
    """The compare window as the application (`ganviz --compare A,B`); see run_window."""
    from ganviz.core.runs.compare import CompareError

    def make_window():
        from ganviz.ui.compare_window import CompareWindow

        return CompareWindow(base, runs)

    return run_window(
        make_window,
        run_for=run_for,
        screenshot=screenshot,
        stats_json=stats_json,
        window_size=window_size,
        errors=(CompareError,),
    )
