"""The main window: data view, loss and quality panels, menus, hyper-parameter dock, status bar."""

from __future__ import annotations

import copy
import time
import traceback
from collections import deque
from collections.abc import Callable

import numpy as np
import torch
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QToolBar,
    QWidget,
)

from ganviz.core.analysis.frames import Frame, FrameBuilder
from ganviz.core.analysis.snapshots import SnapshotRing
from ganviz.core.files.session import Session
from ganviz.core.runs.commands import Command
from ganviz.core.runs.run_model import RunModel
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.ui import style
from ganviz.ui.export import Recorder
from ganviz.ui.panel_docks import METRICS_SPLIT_WIDTH, PanelDocksMixin  # noqa: F401 (the layout tests read it)
from ganviz.ui.panels import registry
from ganviz.ui.panels.latent_panel import LatentPanel
from ganviz.ui.panels.timeline import Timeline
from ganviz.ui.params_dock import ParamsDock
from ganviz.ui.run_lifecycle import RunLifecycleMixin
from ganviz.ui.run_view import RunView
from ganviz.ui.screen_fit import fit_to_screen
from ganviz.ui.status_readouts import StatusReadouts
from ganviz.ui.window_controls import ControlsMixin
from ganviz.ui.window_exports import ExportsMixin
from ganviz.ui.window_latent import LatentMixin
from ganviz.ui.window_menus import MenusMixin
from ganviz.ui.window_sessions import SessionsMixin

FRAME_LOG = 20_000
SNAPSHOTS = 400  # timeline capacity (≈ 70 kB each)
SNAPSHOT_PERIOD_S = 0.25
# the status bar's permanent fields and the widest text each shows
STATUS_WIDEST = {
    "step": "running · step 9,999,999",
    "rate": "99,999 steps/s",
    "fps": "99 frames/s",
    "device": "device cuda:0",
    "objective": "",  # the longest objective label, looked up when the window is built
}
SIDE_PANEL_PERIOD_S = 0.25


class MainWindow(
    MenusMixin, ControlsMixin, SessionsMixin, ExportsMixin, LatentMixin, PanelDocksMixin, RunLifecycleMixin, QMainWindow
):
    """The window and its engine; menus, controls, sessions, exports and latent-space inspection come from the
    mixins of ganviz.ui.window_* (split by role to keep each module small)."""

    frame_drawn = Signal(object)  # the Frame just drawn (tests and --run-for statistics listen)
    RESTART_HINT = "Run → Reset to start again."

    def __init__(self, config: TrainConfig, session: Session | None = None) -> None:
        super().__init__()
        self.setWindowTitle("ganviz — watch a GAN learn")
        fit_to_screen(self, 1500, 900)
        # the run: its trainer, frame source and settings (the window's config is model.settings.config)
        self.model = RunModel(config, launch=False)
        # ask before replacing the networks; tests and automation swap this for a stub
        self.confirm: Callable[[str], bool] = self._ask
        # asked before Reset, Open and Quit throw away unsaved steps; tests and automation replace it
        self.confirm_discard: Callable[[str], bool] = self._ask_discard
        self._saved_step = 0  # the step last written to (or read from) a session file
        self._trained_step = 0  # the step of the current engine's latest frame
        self._own_g: torch.nn.Module | None = None
        self.running = False
        self.frame: Frame | None = None
        # per drawn frame, bounded (~10 min at 30 frames/s): time drawn, step shown, build + draw cost
        self.frame_times: deque[float] = deque(maxlen=FRAME_LOG)
        self.frame_steps: deque[tuple[float, int]] = deque(maxlen=FRAME_LOG)
        self.frame_costs_ms: deque[float] = deque(maxlen=FRAME_LOG)
        self.first_frame_at: float | None = None
        self._side_panels_at = -1e9

        self.run_view = RunView()  # the data view, its quality readout and the selected sample
        self.data_panel = self.run_view.panel
        self.start_hint = QLabel(
            "Press <b>Space</b> to start training · <b>S</b>: one step · <b>F1</b>: getting started", self.data_panel
        )
        self.start_hint.setStyleSheet(
            "background: rgba(255, 255, 255, 230); border: 1px solid #888; border-radius: 4px; padding: 6px;"
        )
        self.start_hint.setAttribute(Qt.WA_TransparentForMouseEvents)  # clicks go to the plot beneath
        self._getting_started: QDialog | None = None
        style.keep_layout_width(self.data_panel)
        self.setCentralWidget(self.run_view)
        # every registered panel in a dock of its own, arranged by ganviz.ui.panel_docks; the View menu and the
        # export list are built from the same list (ganviz.ui.panels.registry)
        self._build_panel_docks(registry.PANELS)
        self.params = ParamsDock(self.config, self)
        self.addDockWidget(Qt.LeftDockWidgetArea, self.params)
        self.params.live.connect(self._live_change)
        self.params.rebuild.connect(self._rebuild_change)
        self.latent_dock = QDockWidget("Latent space", self)
        self.latent_dock.setObjectName("latent_dock")
        self.addDockWidget(Qt.LeftDockWidgetArea, self.latent_dock)
        self.latent_panel: LatentPanel | None = None
        self._probe_z: np.ndarray | None = None
        self._segment_z: tuple[np.ndarray, np.ndarray] | None = None
        self.run_view.selection_changed.connect(self._selection_changed)
        self.run_view.clear_requested.connect(self.clear_inspection)
        self.drawing = False
        self.drawn = np.zeros((0, 2), np.float32)
        self._draw_rng = np.random.default_rng(0)
        vb = self.data_panel.plot.getViewBox()
        self._view_drag = vb.mouseDragEvent
        vb.mouseDragEvent = self._data_drag

        self.snapshots = SnapshotRing(SNAPSHOTS)
        self._snapshot_at = -1e9
        self.scrubbed: Frame | None = None  # the stored snapshot on screen, None = live
        self.trail_length = 0
        self.timeline = Timeline(SNAPSHOTS)
        timeline_bar = QToolBar("Timeline", self)
        timeline_bar.setObjectName("timeline_toolbar")
        timeline_bar.setMovable(False)
        timeline_bar.addWidget(self.timeline)
        self.addToolBar(Qt.BottomToolBarArea, timeline_bar)
        self.resizeDocks([self.params, self.latent_dock], [280, 280], Qt.Horizontal)
        self.resizeDocks([self.params, self.latent_dock], [420, 480], Qt.Vertical)
        self.timeline.scrubbed.connect(self.scrub_to)
        self.timeline.live.connect(self.go_live)
        self.timeline.capacity_changed.connect(self._set_capacity)
        self.timeline.trails_changed.connect(self._set_trails)

        widest_objective = max((OBJECTIVES.get(n).label for n in OBJECTIVES.names()), key=len)
        self.readouts = StatusReadouts(self.statusBar(), dict(STATUS_WIDEST, objective=widest_objective))
        self.status_labels = self.readouts.labels
        self.session_path: str | None = None
        self.settings = QSettings("ganviz", "ganviz")
        self.compare_window: QWidget | None = None
        self.theory_windows: dict[str, QWidget] = {}  # separate views (Dirac-GAN, 1-D, digits), made once
        self.recorder: Recorder | None = None
        self._encodings: list = []  # Futures of recordings being encoded off the GUI thread
        self._encoding_timer = QTimer(self)
        self._encoding_timer.setInterval(100)
        self._encoding_timer.timeout.connect(self._check_encodings)
        self._build_menus()
        self.model.settings.changed.connect(self._settings_changed)  # the dock and menus follow the settings
        if session is not None:
            self.config = session.config
            self.params.show_config(self.config)
            self._start_engine(self.config, session.state, session.history)
            self._sync_menus()
        else:
            self._start_engine(self.config)

    # --- engine -------------------------------------------------------------------------------

    def _start_engine(self, config: TrainConfig, state: dict | None = None, history: dict | None = None) -> None:
        self.model.reset(config, state, history)
        # the window's own G, for the probe and segment (copied before the worker that writes the mirror starts)
        self._own_g = copy.deepcopy(self.builder.mirror.G).cpu().eval().requires_grad_(False)
        self._trained_step = int(state["step"]) if state else 0
        self._setup_latent(self.builder.mirror.config)
        self.builder.arrows_on = self.arrows_action.isChecked()
        self.builder.critic_stats_on = self.theory_dock.isVisible()
        for act in self.freeze_actions.values():
            act.blockSignals(True)
            act.setChecked(False)
            act.blockSignals(False)
        self.snapshots.clear()
        self.scrubbed = None
        self._selected = None  # a new run: nothing of the old one stays inspected
        self.data_panel.set_selected(None)
        if self.latent_panel is not None:
            self.latent_panel.show_selection(None)
        self._start_worker(self.model)
        if hasattr(self, "slow_motion"):  # built with the menus, after the first engine
            self.slow_motion.engine_restarted()

    def _stop_engine(self) -> None:
        self._stop_worker()
        self.model.close()

    @property
    def builder(self) -> FrameBuilder | None:
        return self.model.builder

    @property
    def config(self) -> TrainConfig:
        return self.model.settings.config

    @config.setter
    def config(self, config: TrainConfig) -> None:
        self.model.settings.set(config)

    @property
    def running(self) -> bool:
        return self.model.running

    @running.setter
    def running(self, on: bool) -> None:
        self.model.running = on

    def _settings_changed(self, config: TrainConfig, fields: frozenset) -> None:
        self.params.show_config(config)
        self._sync_menus()

    def send(self, cmd: Command) -> None:
        if self.builder is not None:
            self.model.send(cmd)
            self._frame_soon()

    # --- actions ------------------------------------------------------------------------------

    def _redraw_side_panels(self) -> None:
        frame = self.scrubbed or self.frame
        if frame is not None:
            try:
                self._draw(frame, side=True)
            except Exception:
                self._report_draw_failure(traceback.format_exc())

    def _theory_visibility(self, visible: bool) -> None:
        if self.builder is not None:
            self.builder.critic_stats_on = visible
            if visible and self.worker is not None:
                self.worker.request_frame()

    def reset(self, config: TrainConfig | None = None) -> None:
        """New networks (from the seed); keeps running if it was."""
        was_running = self.running
        self.config = (config or self.config).resolved()
        self.setCursor(Qt.WaitCursor)
        try:
            self._stop_engine()
            self._start_engine(self.config)
        finally:
            self.unsetCursor()
        self.params.show_config(self.config)
        self.running = False
        self._saved_step = 0
        if was_running:
            self.start()
        self._sync_menus()

    # --- frames -------------------------------------------------------------------------------

    def _take_frame(self, frame: Frame, t0: float) -> None:
        self.frame = frame
        self._trained_step = frame.step
        self.model.take_echo()  # the settings become what the trainer reports it applied
        last = self.snapshots[-1].step if self.snapshots else -1
        if frame.step != last and (t0 - self._snapshot_at >= SNAPSHOT_PERIOD_S or not frame.running):
            pinned = self.snapshots.append(frame, pinned=self.scrubbed)
            self._snapshot_at = t0
            if pinned is not None:  # the snapshot on screen was thinned out: it now has arrays of its own
                self.scrubbed = pinned
                self._draw(pinned, side=False)  # the heatmap kept a view of the reused slot
        self.timeline.set_count(len(self.snapshots), following=self.scrubbed is None)
        self._load_own_g(frame)
        if self.scrubbed is None:
            self._draw(frame, side=t0 - self._side_panels_at >= SIDE_PANEL_PERIOD_S or not frame.running)
            self._refresh_latent_marks()
        now = time.perf_counter()
        self.frame_times.append(now)
        self.frame_steps.append((now, frame.step))
        self.frame_costs_ms.append(frame.build_ms + (now - t0) * 1e3)
        if self.first_frame_at is None:
            self.first_frame_at = now
        self._update_status(frame)
        self._take_notices()
        self.frame_drawn.emit(frame)

    def _draw(self, frame: Frame, side: bool = True) -> None:
        """Put one frame (live or a stored snapshot) on every panel."""
        self.run_view.show_frame(frame, redraw=True)
        if self.latent_panel is not None:
            self.latent_panel.show_selection(self.run_view.inspected)
        if self.latent_panel is not None and self.latent_dock.isVisible():
            self.latent_panel.show_frame(frame)
        if self.trail_length:
            self.data_panel.set_trails(self._tracks(frame))
        # curves change slowly but each update repaints their axes (~25 ms): 4 updates a second
        if side:
            self._side_panels_at = time.perf_counter()
            for name, panel in self.panels.items():
                if self._on_screen(self.docks[name]):
                    panel.set_config(self.config)
                    panel.show_frame(frame)
        n = len(self.snapshots)
        if self.scrubbed is None:
            self.timeline.set_text(f"live · step {frame.step} · {n} snapshots")
        else:
            idx = self.snapshots.position(frame)
            where = "no longer stored (thinned out)" if idx is None else f"snapshot {idx + 1} of {n}"
            self.timeline.set_text(f"step {frame.step} · {where}")

    def _training_stopped(self) -> None:
        """The worker has finished after a failure (RunLifecycleMixin): paused, and a save the child never answered
        is written here."""
        self.running = False
        self._sync_menus()
        if self.builder is not None:
            self.builder.engine.poll()
            self._take_notices()

    def closeEvent(self, event) -> None:
        if not self._closing and not self.discard_ok("Quitting"):
            event.ignore()
            return
        self._closing = True
        self.stop_recording()
        for future in self._encodings:  # a recording still being written is finished before the window goes
            future.exception()
        for window in (*self.theory_windows.values(), self.compare_window):
            if window is not None:
                window.close()
        self._stop_engine()
        super().closeEvent(event)
