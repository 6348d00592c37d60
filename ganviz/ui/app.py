"""Application start-up: display check, Qt binding, pyqtgraph options, the --run-for automation."""

from __future__ import annotations

import json
import os
import signal
import sys
import time

from ganviz.core.config import TrainConfig

LAUNCHED_AT = time.perf_counter()


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


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run_app(
    config: TrainConfig,
    run_for: float | None = None,
    screenshot: str | None = None,
    stats_json: str | None = None,
    session=None,
    record: str | None = None,
) -> int:
    if message := cannot_open_window():
        print(message, file=sys.stderr)
        return 2
    app = qt_application()
    from PySide6.QtCore import QTimer

    from ganviz.core.io import write_atomic
    from ganviz.ui.export import ExportError, save_screenshot
    from ganviz.ui.main_window import MainWindow

    window = MainWindow(config, session)
    window.confirm = (lambda _q: True) if run_for is not None else window.confirm
    if run_for is not None:  # automation: quitting at the end must not wait on a question
        window.confirm_discard = lambda _q: True
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
            elapsed = time.perf_counter() - started
            frame = window.frame
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
                drawn = [t for t in window.frame_times if t >= started]
                # training speed from the first frame that shows a step to the last (child start-up excluded)
                moving = [(t, s) for t, s in window.frame_steps if s > 0]
                (t_a, s_a), (t_b, s_b) = (moving[0], moving[-1]) if len(moving) > 1 else ((0.0, 0), (1.0, 0))
                stats = {
                    "dataset": window.config.dataset,
                    "objective": window.config.objective,
                    "seconds": elapsed,
                    "train_steps": frame.step if frame else 0,
                    "train_steps_per_s": (s_b - s_a) / (t_b - t_a) if t_b > t_a else 0.0,
                    "frames": len(drawn),
                    "fps": (len(drawn) - 1) / (drawn[-1] - drawn[0]) if len(drawn) > 1 else 0.0,
                    "frame_ms_p50": _percentile(window.frame_costs_ms, 50),
                    "frame_ms_p95": _percentile(window.frame_costs_ms, 95),
                    "first_frame_s": (window.first_frame_at - LAUNCHED_AT) if window.first_frame_at else None,
                    "device": frame.device if frame else None,
                }
                if frame is not None and frame.modes is not None:
                    stats.update({k: frame.modes[k] for k in ("modes", "modes_robust", "hq")})
                try:
                    write_atomic(stats_json, lambda f: f.write(json.dumps(stats, indent=2).encode()))
                except OSError as e:
                    failed(f"--stats-json: cannot write {stats_json!r}: {e.strerror or e}")
            window.close()
            app.quit()

        QTimer.singleShot(int(run_for * 1000), finish)
    app.exec()
    return result["code"]
