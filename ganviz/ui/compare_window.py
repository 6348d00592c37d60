"""Compare window: 2 to 4 runs side by side, same data, seed and initial weights, stepped in lock-step.

Each run gets its own data view (samples over its decision surface) and quality numbers; one shared plot
shows robust modes and exact W1 against generator step for every run. The frame worker (the main window's,
ganviz.ui.worker) drives a LockStep of one RunModel per run: it advances every run by the same number of
generator steps, then builds one frame per run, so every drawn bundle shows the same step on every run
(ganviz.core.runs.compare).

Entry points: `CompareWindow(base, runs=None, parent=None)` or `open_compare(base, runs, parent)`;
`ganviz.ui.app.run_compare_app(...)` runs it as an application of its own (command line, screenshots).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QGridLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QWidget,
)

from ganviz.core.runs.compare import (
    RUN_LETTERS,
    CompareError,
    CompareFrames,
    LockStep,
    check_runs,
    default_runs,
)
from ganviz.core.training.config import TrainConfig
from ganviz.ui.compare_setup import RunSetup
from ganviz.ui.compare_views import (  # noqa: F401 (colour_hex, quality_line: re-exported for the tests)
    DATA_KEY,
    PLOT_PERIOD_S,
    PLOTS_BESIDE_WIDTH,
    RUNS_DOCK_WIDTH,
    VIEW_MIN_WIDTH,
    ComparePlot,
    RunView,
    colour_hex,
    quality_line,
    run_view,
    status_line,
)
from ganviz.ui.run_lifecycle import RunLifecycleMixin
from ganviz.ui.screen_fit import fit_to_screen
from ganviz.ui.stats import frame_rate_stats

# --- the window -----------------------------------------------------------------------------------


class CompareWindow(RunLifecycleMixin, QMainWindow):
    """2 to 4 runs of `base`'s dataset, seed and networks, each with its own objective and hyper-parameters
    (`runs`, default: non-saturating vs WGAN-GP), trained in lock-step. Closing it ends every trainer."""

    frames_drawn = Signal(object)  # the CompareFrames just drawn (tests and automation listen)

    def __init__(self, base: TrainConfig, runs: Sequence[TrainConfig] | None = None, parent=None) -> None:
        """CompareError when there are not 2 to 4 runs or a run is not a valid config."""
        super().__init__(parent)
        self.base = base.resolved()
        self.runs = check_runs(self.base, default_runs(self.base) if runs is None else runs)
        self.setWindowTitle(f"ganviz — compare runs · {self.base.dataset} · seed {self.base.seed}")
        fit_to_screen(self, 1500, 900)
        self.running = False
        self.bundle: CompareFrames | None = None
        self.lock: LockStep | None = None  # the runs' models, driven in lock-step
        self.views: list[RunView] = []
        self.plot: ComparePlot | None = None
        self._plot_at = -1e9
        # per drawn bundle, bounded: when, and the step shown (--stats-json)
        self.frame_times: deque[float] = deque(maxlen=20_000)
        self.frame_steps: deque[tuple[float, int]] = deque(maxlen=20_000)
        self._seen_divergence: set[int] = set()
        self._build_actions()
        self.setup = RunSetup(self.base, self.runs)
        self.setup.apply_requested.connect(self.restart_from_setup)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # wide enough instead (below)
        scroll.setWidget(self.setup)
        scroll.setMinimumWidth(self.setup.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        self.setup_dock = QDockWidget("Runs", self)
        self.setup_dock.setObjectName("compare_runs_dock")
        self.setup_dock.setWidget(scroll)
        self.setup_dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(Qt.LeftDockWidgetArea, self.setup_dock)
        self.resizeDocks([self.setup_dock], [RUNS_DOCK_WIDTH], Qt.Horizontal)
        self.setup_dock.setMaximumWidth(2 * RUNS_DOCK_WIDTH)  # never the room the views need
        self._dock_user_set = False
        runs_action = self.setup_dock.toggleViewAction()
        runs_action.setText("Runs panel")
        runs_action.setShortcut(QKeySequence("F2"))
        runs_action.setToolTip("Show or hide the panel where runs are added, removed and edited (F2)")
        runs_action.triggered.connect(self._runs_dock_toggled)
        self.addAction(runs_action)
        self.toolbar.insertAction(self.toolbar_spacer, runs_action)
        self.setup.changed.connect(self._setup_changed)
        self.status = QLabel()
        self.statusBar().addPermanentWidget(self.status)
        if parent is not None:  # the main window closes: so does this, with its trainers
            parent.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._start(self.runs)

    # --- actions ------------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcuts: Sequence, tip: str) -> QAction:
        act = QAction(text, self)
        act.setShortcuts([QKeySequence(s) for s in shortcuts])
        act.setToolTip(tip)
        act.setStatusTip(tip)
        act.triggered.connect(slot)
        self.addAction(act)  # shortcuts work without a menu bar
        return act

    def _build_actions(self) -> None:
        self.start_action = self._action(
            "Start", self.toggle_running, [Qt.Key_Space], "Start or pause every run (Space)"
        )
        self.step_action = self._action(
            "Step", self.step_once, [Qt.Key_S], "Pause, then one generator update on every run (S)"
        )
        self.restart_action = self._action(
            "Restart",
            self.restart_from_setup,
            ["Ctrl+R"],
            "Start the runs set in the Runs panel again from step 0, from the same initial weights (Ctrl+R)",
        )
        self.close_action = self._action("Close", self.close, [Qt.Key_Escape, "Ctrl+W"], "Close the comparison (Esc)")
        toolbar = self.addToolBar("Compare")
        toolbar.setObjectName("compare_toolbar")
        toolbar.setMovable(False)
        for act in (self.start_action, self.step_action, self.restart_action):
            toolbar.addAction(act)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.toolbar, self.toolbar_spacer = toolbar, toolbar.addWidget(spacer)
        self.key = QLabel(DATA_KEY)
        self.key.setToolTip("What every data view shows; the colour bar says what its surface is")
        toolbar.addWidget(self.key)

    def automation_stats(self, started: float) -> dict:
        """`--stats-json`: the runs, the common step, drawing and training speed since `started`."""
        bundle = self.bundle
        out = {
            "dataset": self.base.dataset,
            "objectives": [r.objective for r in self.runs],
            **frame_rate_stats(self.frame_times, self.frame_steps, started),
            "train_steps": bundle.step if bundle else 0,
            "batched": self.lock.batched if self.lock is not None else None,  # one batched process, or one per run
        }
        if bundle is not None:
            out["runs"] = [
                {"objective": f.objective, "step": f.step, "diverged_at": d[0] if d else None}
                | ({k: f.modes[k] for k in ("modes", "modes_robust", "hq")} if f.modes else {})
                for f, d in zip(bundle.frames, bundle.diverged)
            ]
        return out

    def start(self) -> None:
        self.running = True
        if self.lock is not None:
            self.lock.start()
        self._sync()

    def pause(self) -> None:
        self.running = False
        if self.lock is not None:
            self.lock.pause()
        self._sync()

    def toggle_running(self) -> None:
        self.pause() if self.running else self.start()

    def step_once(self) -> None:
        """One generator update on every run (pausing first)."""
        if self.running:
            self.pause()
        if self.lock is not None:
            self.lock.step_once(1)

    def _sync(self) -> None:
        self.start_action.setText("Pause" if self.running else "Start")

    # --- runs ---------------------------------------------------------------------------------

    def _start(self, runs: list[TrainConfig]) -> None:
        self.runs = runs
        self.lock = LockStep(runs)
        self._build_views(runs)
        self._seen_divergence.clear()
        self.bundle = None
        if self.running:
            self.lock.start()
        self._start_worker(self.lock)

    def _stop(self) -> None:
        self._stop_worker()
        if self.lock is not None:
            self.lock.close()
            self.lock = None

    def restart_from_setup(self) -> bool:
        """Restart with the runs set in the Runs panel (see `restart`)."""
        try:
            runs = self.setup.configs()
        except CompareError as e:
            self.statusBar().showMessage(f"Not restarted: {e}")
            return False
        return self.restart(runs)

    def restart(self, runs: Sequence[TrainConfig] | None = None) -> bool:
        """Every run from step 0 again (as `runs` when given); keeps running if it was. False (and the runs
        untouched) when the runs are not valid."""
        try:
            runs = check_runs(self.base, list(runs) if runs is not None else self.runs)
        except CompareError as e:
            self.statusBar().showMessage(f"Not restarted: {e}")
            return False
        self.setCursor(Qt.WaitCursor)
        try:
            self._stop()
            self._start(runs)
        finally:
            self.unsetCursor()
        self.setup.set_runs(runs)
        self.setup.mark_pending(False)
        self.statusBar().showMessage(f"Restarted {len(runs)} runs from step 0", 4000)
        return True

    def _build_views(self, runs: Sequence[TrainConfig]) -> None:
        """A data view per run, the shared plot under them (replaces the previous ones). Up to 3 side by side;
        4 in a 2 × 2 grid, where four in a row would squeeze each view below its colour bar's width."""
        grid = QWidget()
        layout = QGridLayout(grid)
        layout.setContentsMargins(0, 0, 0, 0)
        columns = 2 if len(runs) == 4 else len(runs)
        self.views = [run_view(i, c) for i, c in enumerate(runs)]
        for i, view in enumerate(self.views):
            view.selection_changed.connect(lambda index, i=i: self._inspect(i, index))
            view.clear_requested.connect(view.select_none)
        for i, v in enumerate(self.views):
            layout.addWidget(v, i // columns, i % columns)
            v.peers = self.views  # their details lines equally high, so the data views line up
        for c in range(columns):
            layout.setColumnStretch(c, 1)
        self.plot = ComparePlot([v.title for v in self.views])
        self.split = QSplitter(Qt.Vertical)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(grid)
        self.split.addWidget(self.plot)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 1)
        self.setCentralWidget(self.split)  # Qt deletes the previous central widget
        self._arrange()
        # again once the new views are laid out: until then the main window's layout hands the room the old
        # views had to the Runs panel (seen on a real display: the panel at ~80 % of the width after a restart)
        QTimer.singleShot(0, self, self._arrange)  # with a context: cancelled if the window is deleted first

    def _inspect(self, run: int, index: int | None) -> None:
        """Run `run`'s builder computes sample `index` with each frame's weights, on the worker thread (the GUI
        thread only sets the index, as the main window does with its builder)."""
        if self.lock is not None and run < len(self.lock.models) and self.lock.models[run].builder is not None:
            self.lock.models[run].builder.inspect_index = index
            if self.worker is not None:
                self.worker.request_frame()

    # --- layout -------------------------------------------------------------------------------

    def _columns(self) -> int:
        return 2 if len(self.views) == 4 else max(len(self.views), 1)

    def _arrange(self) -> None:
        """Fit the window's size: the Runs panel shows while the views keep ≥ VIEW_MIN_WIDTH each beside it
        (unless the user showed or hid it), and with two rows of views in a window under ~900 px high, the
        shared plots stand in a column to their right rather than in a strip under them."""
        if not self.views or self.plot is None:
            return
        width, height = self.width(), self.height()
        beside = len(self.views) > self._columns() and height < 900
        if not self._dock_user_set:
            views_width = width - RUNS_DOCK_WIDTH - (PLOTS_BESIDE_WIDTH if beside else 0)
            fits = views_width >= self._columns() * VIEW_MIN_WIDTH
            if fits == self.setup_dock.isHidden():  # isHidden: its own flag, also before the window shows
                self.setup_dock.setVisible(fits)
        if not self.setup_dock.isHidden():
            self.resizeDocks([self.setup_dock], [RUNS_DOCK_WIDTH], Qt.Horizontal)
        self.split.setOrientation(Qt.Horizontal if beside else Qt.Vertical)
        self.plot.set_stacked(beside)
        # proportions from the window's size: the splitter's own size lags a resize by a layout pass
        if beside:
            total = width - (0 if self.setup_dock.isHidden() else RUNS_DOCK_WIDTH)
            side = max(total // 3, PLOTS_BESIDE_WIDTH)
            self.split.setSizes([total - side, side])
        else:
            total = height - self.menuBar().height() - self.toolbar.height() - self.statusBar().height()
            strip = max(total // 4, ComparePlot.MIN_HEIGHT)
            self.split.setSizes([total - strip, strip])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _runs_dock_toggled(self, checked: bool) -> None:
        self._dock_user_set = True  # the user's choice stands from now on
        if checked:
            self.resizeDocks([self.setup_dock], [RUNS_DOCK_WIDTH], Qt.Horizontal)

    def _setup_changed(self) -> None:
        """Edits in the Runs panel apply on restart: say so where the user looks (button and status bar)."""
        try:
            pending = self.setup.configs() != list(self.runs)
        except CompareError:
            pending = True
        self.setup.mark_pending(pending)
        if pending:
            self.statusBar().showMessage("Runs changed: press Restart (Ctrl+R) to start them from step 0")
        else:
            self.statusBar().clearMessage()

    # --- frames -------------------------------------------------------------------------------

    def _take_frame(self, bundle: CompareFrames, t0: float) -> None:
        self.bundle = bundle
        now = time.perf_counter()
        self.frame_times.append(now)
        self.frame_steps.append((now, bundle.step))
        for view, frame, diverged in zip(self.views, bundle.frames, bundle.diverged):
            view.show_frame(frame, diverged)
        if now - self._plot_at >= PLOT_PERIOD_S or not self.running:
            self._plot_at = now
            self.plot.show_frames(bundle.frames)
        self._report_divergences(bundle)
        self.status.setText(status_line(bundle, self.running, self.lock.batched if self.lock is not None else None))
        self.frames_drawn.emit(bundle)

    def _report_divergences(self, bundle: CompareFrames) -> None:
        for i, d in enumerate(bundle.diverged):
            if d is not None and i not in self._seen_divergence:
                self._seen_divergence.add(i)
                self.statusBar().showMessage(
                    f"Run {RUN_LETTERS[i]} diverged at step {d[0]}: rolled back to step {d[1]} and stopped; "
                    "the other runs go on"
                )
        if self.running and all(d is not None for d in bundle.diverged):
            self.pause()

    def _training_stopped(self) -> None:
        self.pause()  # a trainer failed (RunLifecycleMixin): the lock-step cannot go on

    # --- closing ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the driver and end every trainer process (idempotent)."""
        self._closing = True
        self._stop()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Close and watched is self.parent():
            self.close()
        return super().eventFilter(watched, event)


def open_compare(base: TrainConfig, runs: Sequence[TrainConfig] | None = None, parent=None) -> CompareWindow:
    """Open and show a compare window (for a menu action); keep the returned window referenced."""
    window = CompareWindow(base, runs, parent)
    window.show()
    window.raise_()
    return window
