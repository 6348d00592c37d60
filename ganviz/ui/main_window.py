"""The main window: data view, loss and quality panels, menus, hyper-parameter dock, status bar."""

from __future__ import annotations

import copy
import itertools
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable

import numpy as np
import torch
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ganviz.core.config import TrainConfig
from ganviz.core.custom_data import CUSTOM, CustomDataError, as_config_points, register_csv
from ganviz.core.datasets import DATASETS
from ganviz.core.drawing import brush, erase
from ganviz.core.export import ExportError, history_csv
from ganviz.core.frames import Frame, FrameBuilder
from ganviz.core.io import check_writable
from ganviz.core.latent import generate, latent_range, nearest_point, segment
from ganviz.core.objectives import OBJECTIVES
from ganviz.core.presets import get_preset, list_presets
from ganviz.core.remedies import REMEDIES
from ganviz.core.session import Session, SessionError, load_session
from ganviz.core.snapshots import SnapshotRing
from ganviz.ui import style
from ganviz.ui.export import ExportError as PanelExportError
from ganviz.ui.export import Recorder, export_panel, save_screenshot
from ganviz.ui.help_pages import ABOUT, getting_started, objective_page, remedy_page
from ganviz.ui.panels.data_panel import DataPanel
from ganviz.ui.panels.latent_panel import LatentPanel
from ganviz.ui.panels.loss_panel import LossPanel
from ganviz.ui.panels.quality_panel import ModeBarsPanel, QualityPanel
from ganviz.ui.panels.theory_panel import TheoryPanel
from ganviz.ui.panels.timeline import Timeline
from ganviz.ui.params_dock import ParamsDock
from ganviz.ui.slow_motion import SlowMotion
from ganviz.ui.stats import LAUNCHED_AT, frame_rate_stats, percentile
from ganviz.ui.worker import FrameWorker

FRAME_LOG = 20_000
SNAPSHOTS = 400  # timeline capacity (≈ 70 kB each)
SNAPSHOT_PERIOD_S = 0.25
METRICS_SPLIT_WIDTH = 1500  # px of window width from which Losses and Quality fit side by side
# the status bar's permanent fields and the widest text each shows
STATUS_WIDEST = {
    "step": "running · step 9,999,999",
    "rate": "99,999 steps/s",
    "fps": "99 frames/s",
    "device": "device cuda:0",
    "objective": "",  # the longest objective label, looked up when the window is built
}
TRAIL_STRIDE = 25  # trails follow every 25th of the 2,500 fixed-batch samples
SESSION_FILTER = "ganviz sessions (*.gvz);;All files (*)"
SIDE_PANEL_PERIOD_S = 0.25
# the Theory menu's separate windows: key, menu label, shortcut, tooltip
THEORY_WINDOWS = [
    ("dirac", "&Dirac-GAN game…", "Ctrl+D", "Mescheder et al. 2018: the two-parameter GAN, its vector field and paths"),
    (
        "onedim",
        "&1-D GAN: p, q, D and D*…",
        "Ctrl+1",
        "Goodfellow et al. Figure 1 live: data density, generator density, learned D, optimal D*, and the "
        "maximum-likelihood Gaussian",
    ),
    (
        "digits",
        "Di&gits: mode collapse on 8×8 images…",
        "Ctrl+G",
        "A GAN on scikit-learn's 8×8 digits with the class histogram of its samples ('7 7 9 9 9 1 1 1')",
    ),
]
SPEEDS = [("Full speed", 0.0), ("200 steps/s", 200.0), ("50 steps/s", 50.0), ("10 steps/s", 10.0), ("2 steps/s", 2.0)]


class MainWindow(QMainWindow):
    frame_drawn = Signal(object)  # the Frame just drawn (tests and --run-for statistics listen)

    def __init__(self, config: TrainConfig, session: Session | None = None) -> None:
        super().__init__()
        self.setWindowTitle("ganviz — watch a GAN learn")
        self.resize(1500, 900)
        self.config = config.resolved()
        # ask before replacing the networks; tests and automation swap this for a stub
        self.confirm: Callable[[str], bool] = self._ask
        # asked before Reset, Open and Quit throw away unsaved steps; tests and automation replace it
        self.confirm_discard: Callable[[str], bool] = self._ask_discard
        self._saved_step = 0  # the step last written to (or read from) a session file
        self._trained_step = 0  # the step of the current engine's latest frame
        self._own_g: torch.nn.Module | None = None
        self._draw_failures: set[str] = set()  # reported once each (a failing panel fails every frame)
        self.running = False
        self.frame: Frame | None = None
        # per drawn frame, bounded (~10 min at 30 frames/s): time drawn, step shown, build + draw cost
        self.frame_times: deque[float] = deque(maxlen=FRAME_LOG)
        self.frame_steps: deque[tuple[float, int]] = deque(maxlen=FRAME_LOG)
        self.frame_costs_ms: deque[float] = deque(maxlen=FRAME_LOG)
        self.first_frame_at: float | None = None
        self._side_panels_at = -1e9
        self.builder: FrameBuilder | None = None
        self.worker: FrameWorker | None = None

        self.data_panel = DataPanel()
        self.start_hint = QLabel(
            "Press <b>Space</b> to start training · <b>S</b>: one step · <b>F1</b>: getting started", self.data_panel
        )
        self.start_hint.setStyleSheet(
            "background: rgba(255, 255, 255, 230); border: 1px solid #888; border-radius: 4px; padding: 6px;"
        )
        self.start_hint.setAttribute(Qt.WA_TransparentForMouseEvents)  # clicks go to the plot beneath
        self._getting_started: QDialog | None = None
        self.loss_panel = LossPanel()
        self.quality_panel = QualityPanel()
        self.modes_panel = ModeBarsPanel()
        for panel in (self.data_panel, self.loss_panel, self.quality_panel, self.modes_panel):
            style.keep_layout_width(panel)
        self.setCentralWidget(self.data_panel)
        # the metric panels in docks of their own: one above the other on a tall window, tabs on a short one,
        # so that no plot is squeezed below a readable height (see _arrange_metric_docks)
        self.loss_dock = self._panel_dock("Losses", "loss_dock", self.loss_panel)
        self.quality_dock = self._panel_dock("Quality", "quality_dock", self.quality_panel)
        self.modes_dock = self._panel_dock("Per mode", "modes_dock", self.modes_panel)
        self._metrics_split: bool | None = None
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
        self._selected: int | None = None
        self.data_panel.plot.scene().sigMouseClicked.connect(self._on_data_click)
        self.drawing = False
        self.drawn = np.zeros((0, 2), np.float32)
        self._draw_rng = np.random.default_rng(0)
        vb = self.data_panel.plot.getViewBox()
        self._view_drag = vb.mouseDragEvent
        vb.mouseDragEvent = self._data_drag

        self.theory_panel = TheoryPanel()
        self.theory_dock = QDockWidget("Theory", self)
        self.theory_dock.setObjectName("theory_dock")
        style.keep_layout_width(self.theory_panel)
        self.theory_dock.setWidget(self.theory_panel)
        self.addDockWidget(Qt.RightDockWidgetArea, self.theory_dock)
        # a window of its own beside this one (it can be docked back): docked by default it took the data view's
        # room, and its five plots need a column's full height
        self.theory_dock.setFloating(True)
        self.theory_dock.hide()
        self.theory_dock.visibilityChanged.connect(self._theory_visibility)

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

        self.status_labels = {k: QLabel() for k in STATUS_WIDEST}
        labels = [OBJECTIVES.get(n).label for n in OBJECTIVES.names()]
        for key, label in self.status_labels.items():
            # as wide as the widest text it will hold: a long message never squeezes "123 steps/s" to "123 steps/"
            widest = max(labels, key=len) if key == "objective" else STATUS_WIDEST[key]
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance(widest) + 8)
            self.statusBar().addPermanentWidget(label)
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
        if session is not None:
            self.config = session.config
            self.params.show_config(self.config)
            self._start_engine(self.config, session.state, session.history)
            self._sync_menus()
        else:
            self._start_engine(self.config)

    # --- menus --------------------------------------------------------------------------------

    def _action(self, menu, text: str, slot, shortcut=None, checkable=False, checked=False, tip="") -> QAction:
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setCheckable(checkable)
        if checkable:
            act.setChecked(checked)
            act.toggled.connect(slot)
        else:
            act.triggered.connect(slot)
        if tip:
            act.setToolTip(tip)
            act.setStatusTip(tip)
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open session…", self._open_dialog, QKeySequence.Open, tip="Resume a saved .gvz run")
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action(file_menu, "&Save session", self.save, QKeySequence.Save, tip="Networks, optimisers, RNG, history")
        self._action(file_menu, "Save session &as…", self._save_as_dialog, QKeySequence.SaveAs)
        file_menu.addSeparator()
        self._action(
            file_menu,
            "&Import data (CSV)…",
            self._import_csv,
            "Ctrl+I",
            tip="Train on your own 2-D points: a CSV with two numeric columns, header optional",
        )
        file_menu.addSeparator()
        self._action(file_menu, "Export window as &PNG…", self._save_screenshot, "Ctrl+E")
        export = file_menu.addMenu("Export panel")
        for label, panel in (
            ("Data view", self.data_panel),
            ("Loss panel", self.loss_panel),
            ("Quality panel", self.quality_panel),
            ("Per-mode panel", self.modes_panel),
            ("Theory panel", self.theory_panel),
        ):
            self._action(export, f"{label} as PNG or SVG…", lambda _c=False, p=panel, n=label: self._export_panel(p, n))
        self._action(file_menu, "Export metric &history (CSV)…", self._export_csv)
        self.record_action = self._action(
            file_menu,
            "&Record data view…",
            self._toggle_recording,
            "Ctrl+Shift+R",
            checkable=True,
            tip="Record the data view while training, as GIF or MP4",
        )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.Quit)

        obj_menu = bar.addMenu("&Objective")
        self.objective_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for name in OBJECTIVES:
            obj = OBJECTIVES.get(name)()
            act = self._action(obj_menu, obj.label, lambda _c=False, n=name: self.set_objective(n), checkable=False)
            act.setCheckable(True)
            act.setToolTip(obj.formula)
            act.setStatusTip(obj.formula)
            group.addAction(act)
            self.objective_actions[name] = act
        obj_menu.addSeparator()
        self.sn_action = self._action(
            obj_menu,
            "Spectral norm",
            self._toggle_spectral_norm,
            checkable=True,
            tip="Divide every D weight by its largest singular value (needs new networks)",
        )
        self.r1_action = self._action(
            obj_menu,
            "R1 penalty",
            self._toggle_r1,
            checkable=True,
            tip="Add (γ/2) E‖∇D(x)‖² on real data; γ is set in the hyper-parameter dock",
        )

        ds_menu = bar.addMenu("&Dataset")
        self.dataset_menu = ds_menu
        self.dataset_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        self.dataset_group = group
        for name in DATASETS:
            ds = DATASETS.get(name)
            act = self._action(ds_menu, ds.label, lambda _c=False, n=name: self.set_dataset(n))
            act.setCheckable(True)
            act.setStatusTip(ds.description)
            group.addAction(act)
            self.dataset_actions[name] = act

        ds_menu.addSeparator()
        self.draw_action = self._action(
            ds_menu,
            "&Draw your own data",
            self.set_drawing,
            "Ctrl+Shift+D",
            checkable=True,
            tip="Drag on the data view to add points (Shift+drag or right-drag erases); then 'Train on drawn points'",
        )
        self._action(ds_menu, "Train on drawn points", self.use_drawn_points, tip="Live: the networks are kept")
        self._action(ds_menu, "Clear drawn points", self.clear_drawn_points)

        presets = bar.addMenu("&Presets")
        self.preset_actions: dict[str, QAction] = {}
        for preset in list_presets():
            self.preset_actions[preset.name] = self._action(
                presets,
                preset.title,
                lambda _c=False, n=preset.name: self.apply_preset(n),
                tip=" ".join(preset.description.split()),
            )

        run = bar.addMenu("&Run")
        self.start_action = self._action(
            run, "&Start", self.toggle_running, Qt.Key_Space, tip="Start or pause training (Space)"
        )
        step_action = self._action(
            run, "S&tep one generator update", self.step_once, Qt.Key_S, tip="Pause, then one generator update (S)"
        )
        reset_action = self._action(
            run,
            "&Reset",
            lambda: self.discard_ok("Reset") and self.reset(),
            "Ctrl+R",
            tip="New networks from the seed (Ctrl+R)",
        )
        toolbar = self.addToolBar("Run")
        toolbar.setObjectName("run_toolbar")
        toolbar.setMovable(False)
        for act in (self.start_action, step_action, reset_action):
            toolbar.addAction(act)
        run.addSeparator()
        self.freeze_actions = {
            player: self._action(
                run,
                f"Freeze {player}",
                lambda on, p=player: self.freeze(p, on),
                checkable=True,
                tip=f"Stop updating {player}; the other player keeps learning (seed 001: with D frozen, "
                "G drives every sample to argmax D)",
            )
            for player in ("D", "G")
        }
        self._action(
            run,
            "&Compare runs side by side…",
            self.show_compare,
            "Ctrl+Shift+C",
            tip="2 to 4 objectives on this dataset, seed and initial networks, stepped together",
        )
        self.slow_motion = SlowMotion(self)
        run.addAction(self.slow_motion.action)
        speed = run.addMenu("Speed")
        group = QActionGroup(self)
        for label, rate in SPEEDS:
            act = self._action(speed, label, lambda _c=False, r=rate: self.set_speed(r))
            act.setCheckable(True)
            act.setChecked(rate == 0.0)
            group.addAction(act)

        view = bar.addMenu("&View")
        self.layer_actions: dict[str, QAction] = {}
        for key, label in (
            ("real", "Real samples"),
            ("fake", "Generated samples"),
            ("surface", "Decision surface"),
            ("boundary", "Decision boundary"),
        ):
            self.layer_actions[key] = self._action(
                view, label, lambda on, k=key: self.set_layer_visible(k, on), checkable=True, checked=True
            )
        self._action(
            view,
            "Clear probe, segment and selection",
            self.clear_inspection,
            Qt.Key_Escape,
            tip="Esc, or a right click in the data view or the latent pad",
        )
        view.addSeparator()
        for dock, label in (
            (self.loss_dock, "Loss panel"),
            (self.quality_dock, "Quality panel"),
            (self.modes_dock, "Per-mode panel"),
        ):
            self._action(view, label, dock.setVisible, checkable=True, checked=True)
        surface = view.addMenu("Surface shows")
        group = QActionGroup(self)
        for mode, label, tip in (
            ("d", "Learned D", "The discriminator / critic as trained"),
            ("dstar", "Optimal D* = p/(p+q) (estimate)", "The best D for the current G, from densities (KDE)"),
            ("gradnorm", "Gradient norm ‖∇ₓD‖", "WGAN-GP pushes it to 1 (white, with its contour)"),
        ):
            act = self._action(surface, label, lambda _c=False, m=mode: self.set_surface_mode(m), tip=tip)
            act.setCheckable(True)
            act.setChecked(mode == "d")
            group.addAction(act)
        self.arrows_action = self._action(
            view,
            "Generator gradient arrows",
            self.set_arrows,
            "A",
            checkable=True,
            tip="−∇ₓ of the generator loss at 250 fakes: where G's next update pushes them",
        )
        self._action(
            view,
            "Colour samples by latent class",
            self._colour_by_class,
            "C",
            checkable=True,
            tip="Colour generated samples as in the latent pad: by the mode they land in (grey: none)",
        )
        view.addSeparator()
        view.addAction(self.params.toggleViewAction())
        view.addAction(self.latent_dock.toggleViewAction())

        theory = bar.addMenu("&Theory")
        theory.addAction(self.theory_dock.toggleViewAction())
        theory.addSeparator()
        for key, label, shortcut, tip in THEORY_WINDOWS:
            self._action(theory, label, lambda _c=False, k=key: self.show_theory_window(k), shortcut, tip=tip)

        help_menu = bar.addMenu("&Help")
        objectives = help_menu.addMenu("Objectives")
        for name in OBJECTIVES:
            self._action(objectives, OBJECTIVES.get(name)().label, lambda _c=False, n=name: self._show_help(n))
        remedies = help_menu.addMenu("Remedies")
        for name in REMEDIES:
            self._action(
                remedies,
                REMEDIES.get(name).label,
                lambda _c=False, n=name: QMessageBox.information(self, "Remedy", remedy_page(n)),
            )
        self._action(
            help_menu, "&Getting started", self.show_getting_started, "F1", tip="Each view, what it teaches, the keys"
        )
        self._action(help_menu, "&About ganviz", lambda: QMessageBox.about(self, "About ganviz", ABOUT))
        self._sync_menus()

    def _sync_menus(self) -> None:
        c = self.config
        self.objective_actions[c.objective].setChecked(True)
        if c.dataset in self.dataset_actions:  # custom data (CSV, drawn) has no menu entry
            self.dataset_actions[c.dataset].setChecked(True)
        for act, on in ((self.sn_action, c.spectral_norm), (self.r1_action, c.r1 > 0)):
            act.blockSignals(True)
            act.setChecked(on)
            act.blockSignals(False)
        self.start_action.setText("&Pause" if self.running else "&Start")

    # --- engine -------------------------------------------------------------------------------

    def _start_engine(self, config: TrainConfig, state: dict | None = None, history: dict | None = None) -> None:
        self.builder = FrameBuilder(config, state, history)
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
        self.worker = FrameWorker(self.builder)
        self.worker.frame_ready.connect(self._on_frame)
        self.worker.failed.connect(self._on_failed)
        self.worker.start()
        if hasattr(self, "slow_motion"):  # built with the menus, after the first engine
            self.slow_motion.engine_restarted()

    def _stop_engine(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker.frame_ready.disconnect(self._on_frame)
            self.worker.failed.disconnect(self._on_failed)
            self.worker = None
        if self.builder is not None:
            self.builder.close()
            self.builder = None

    def send(self, *cmd) -> None:
        if self.builder is not None:
            self.builder.send(*cmd)
            if self.worker is not None:
                self.worker.request_frame()

    # --- actions ------------------------------------------------------------------------------

    def start(self) -> None:
        self.running = True
        self.send("start")
        self._sync_menus()

    def pause(self) -> None:
        self.running = False
        self.send("pause")
        self._sync_menus()

    def toggle_running(self) -> None:
        self.pause() if self.running else self.start()

    def step_once(self) -> None:
        if self.running:
            self.pause()
        self.send("step", 1)

    def set_speed(self, rate: float) -> None:
        self.send("speed", rate)

    def set_objective(self, name: str) -> None:
        """Switch the loss live, with that objective's optimiser defaults; the networks are kept."""
        defaults = OBJECTIVES.get(name).defaults
        self.config = self.config.replace(
            objective=name,
            optimizer=defaults.optimizer,
            lr_g=defaults.lr_g,
            lr_d=defaults.lr_d,
            beta1=defaults.betas[0],
            beta2=defaults.betas[1],
            n_critic=defaults.n_critic,
        )
        self.send("objective", name)
        self.send("optimizer", defaults.optimizer, *defaults.betas)
        self.send("lr", defaults.lr_g, defaults.lr_d)
        self.send("n_critic", defaults.n_critic)
        self.params.show_config(self.config)
        self._sync_menus()

    def set_dataset(self, name: str) -> None:
        self.config = self.config.replace(dataset=name)
        self.send("dataset", name)
        self._sync_menus()

    def set_layer_visible(self, key: str, on: bool) -> None:
        self.data_panel.layer_items()[key].setVisible(on)
        if on and self.worker is not None:
            self.worker.request_frame()

    def freeze(self, player: str, on: bool) -> None:
        self.send("freeze", player, on)
        self.statusBar().showMessage(f"{player} {'frozen' if on else 'released'}")

    def set_surface_mode(self, mode: str) -> None:
        if self.builder is not None:
            self.builder.surface_mode = mode
            self.worker.request_frame()

    def set_arrows(self, on: bool) -> None:
        self.data_panel.set_arrows_visible(on)
        if self.builder is not None:
            self.builder.arrows_on = on
            self.worker.request_frame()

    def _panel_dock(self, title: str, name: str, panel: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(panel)
        dock.setTitleBarWidget(QWidget())  # the plots carry their own titles: the room goes to the plots
        self.addDockWidget(Qt.RightDockWidgetArea, dock)
        # a tab brought forward shows the frame on screen at once (paused, no new frame would come)
        dock.visibilityChanged.connect(lambda shown: shown and self._redraw_side_panels())
        return dock

    def _redraw_side_panels(self) -> None:
        frame = self.scrubbed or self.frame
        if frame is not None:
            try:
                self._draw(frame, side=True)
            except Exception:
                self._report_draw_failure(traceback.format_exc())

    def _on_screen(self, dock: QDockWidget) -> bool:
        """Shown to the person: Qt keeps a dock's hidden tabs 'visible', parked outside the window."""
        return dock.isVisible() and (dock.isFloating() or self.rect().intersects(dock.geometry()))

    def _arrange_metric_docks(self, width: int | None = None) -> None:
        """Losses and Quality side by side when the window is (about to be) `width` wide and that leaves two
        readable columns beside the data view, else tabs: never five plots stacked in one column."""
        split = (width or self.width()) >= METRICS_SPLIT_WIDTH
        if split == self._metrics_split:
            return
        self._metrics_split = split
        if split:
            self.splitDockWidget(self.loss_dock, self.quality_dock, Qt.Horizontal)
            self.splitDockWidget(self.quality_dock, self.modes_dock, Qt.Vertical)
            self.resizeDocks([self.loss_dock, self.quality_dock], [260, 260], Qt.Horizontal)
            self.resizeDocks([self.quality_dock, self.modes_dock], [64, 36], Qt.Vertical)
        else:
            self.tabifyDockWidget(self.loss_dock, self.quality_dock)
            self.tabifyDockWidget(self.quality_dock, self.modes_dock)
            self.loss_dock.raise_()
            self.resizeDocks([self.loss_dock], [min(max(int(0.3 * self.width()), 300), 460)], Qt.Horizontal)

    def resize(self, *size) -> None:
        """Arranged for the new width first: side by side, the docks' minimum widths would stop a narrower size."""
        if hasattr(self, "_metrics_split"):  # not while the window is being built
            self._arrange_metric_docks(size[0].width() if len(size) == 1 else size[0])
        super().resize(*size)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if hasattr(self, "_metrics_split"):
            self._arrange_metric_docks()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._arrange_metric_docks()
        if not getattr(self, "_theory_placed", False):
            self._theory_placed = True  # beside the main window, as tall as it, the first time it is shown
            top_right = self.frameGeometry().topRight()
            self.theory_dock.setGeometry(top_right.x() + 4, top_right.y() + 30, 420, max(self.height(), 760))

    def _theory_visibility(self, visible: bool) -> None:
        if self.builder is not None:
            self.builder.critic_stats_on = visible
            if visible and self.worker is not None:
                self.worker.request_frame()

    def _colour_by_class(self, on: bool) -> None:
        self.data_panel.colour_by_class = on
        frame = self.scrubbed or self.frame
        if frame is not None:
            self.data_panel.show_frame(frame)

    def _toggle_spectral_norm(self, on: bool) -> None:
        self._rebuild_change({"spectral_norm": on})

    def _toggle_r1(self, on: bool) -> None:
        gamma = self.params.r1.value() if on else 0.0
        self.params.r1_enabled = on
        self.config = self.config.replace(r1=gamma)
        self.send("regularisers", {"r1": gamma})

    def _live_change(self, name: str, args: tuple) -> None:
        c = self.config
        if name == "lr":
            g, d = args
            self.config = c.replace(lr_g=g if g is not None else c.lr_g, lr_d=d if d is not None else c.lr_d)
            self.send("lr", self.config.lr_g, self.config.lr_d)
            return
        if name == "optimizer":
            kind, *betas = args
            b1 = betas[0] if betas and betas[0] is not None else c.beta1
            b2 = betas[1] if len(betas) > 1 and betas[1] is not None else c.beta2
            self.config = c.replace(optimizer=kind, beta1=b1, beta2=b2)
            self.send("optimizer", kind, b1, b2)
            return
        if name == "n_critic":
            self.config = c.replace(n_critic=args[0])
        elif name == "batch":
            self.config = c.replace(batch=args[0])
        elif name == "regularisers":
            self.config = c.replace(**args[0])
        self.send(name, *args)

    def _rebuild_change(self, changes: dict) -> None:
        if self.confirm(
            f"This change needs new networks: training restarts from step 0.{self._unsaved_note()} Reset now?"
        ):
            self.reset(self.config.replace(**changes))
        else:
            self.params.show_config(self.config)
            self._sync_menus()

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

    # --- sessions -----------------------------------------------------------------------------

    def save(self, path: str | None = None) -> None:
        """Save the run to `path` (default: the current session file, else ask)."""
        path = path or self.session_path
        if not path:
            self._save_as_dialog()
            return
        reason = check_writable(path)
        if reason:
            self.statusBar().showMessage(f"Cannot save {path}: {reason}")
            return
        self.session_path = path
        self.builder.save(path)
        self.statusBar().showMessage(f"Saving {path}…")
        self._take_notices()  # a trainer that has stopped cannot answer: the window wrote it already

    def _save_as_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save session", self.session_path or "run.gvz", SESSION_FILTER)
        if path:
            self.save(path if path.endswith(".gvz") else path + ".gvz")

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open session", "", SESSION_FILTER)
        if path and self.discard_ok("Opening a session"):
            self.open_session(path)

    def open_session(self, path: str) -> bool:
        """Resume a saved run; a bad file is reported and the current run is left as it was."""
        try:
            session = load_session(path)
            session.make_trainer()  # refuses a state that does not fit its config or this device
        except SessionError as e:
            QMessageBox.warning(self, "ganviz", f"Cannot open {path}: {e}")
            return False
        self.running = False
        self._stop_engine()
        self.config = session.config
        self._start_engine(self.config, session.state, session.history)
        self.session_path = path
        self.params.show_config(self.config)
        self._sync_menus()
        self._remember(path, session.step)
        self.statusBar().showMessage(f"Opened {path} at step {session.step}")
        return True

    def _remember(self, path: str, step: int | None = None) -> None:
        """`path` first in the recent files; `step`: the run is saved up to there."""
        if step is not None:
            self._saved_step = step
        recent = [p for p in (self.settings.value("recent", []) or []) if p != path]
        self.settings.setValue("recent", [path, *recent][:8])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.value("recent", []) or []
        for path in recent:
            self.recent_menu.addAction(
                path, lambda p=path: self.discard_ok("Opening a session") and self.open_session(p)
            )
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _take_notices(self) -> None:
        notices = self.builder.engine.notices if self.builder else ()
        while notices:
            kind, payload = notices.popleft()
            if self.slow_motion.take(kind, payload):
                continue
            if kind == "saved":
                path, step = payload
                self._remember(path, step)
                self.statusBar().showMessage(f"Saved {path} at step {step}")
            elif kind == "saved_published":
                path, step = payload
                self._remember(path, step)
                self.statusBar().showMessage(
                    f"Saved {path} at step {step} from the last published weights (the trainer had stopped: "
                    "optimiser state and random streams start afresh when it is opened)"
                )
            elif kind == "save_failed":
                path, why = payload
                self.statusBar().showMessage(f"Could not save {path}: {why}")
            elif kind == "rejected":
                command, why = payload
                self.statusBar().showMessage(f"The trainer ignored {command!r}: {why}")
            elif kind == "diverged":
                detected, restored, suggestion = payload
                self.running = False
                self._sync_menus()
                self.statusBar().showMessage(
                    f"Training diverged at step {detected} (NaN/Inf): paused and rolled back to step {restored}; "
                    f"try: {suggestion}"
                )

    # --- data and exports ------------------------------------------------------------------------

    def import_csv(self, path: str) -> bool:
        """Train on the points of a CSV file (live: same networks); a bad file is reported, the run untouched."""
        try:
            name, note = register_csv(path)
        except CustomDataError as e:
            QMessageBox.warning(self, "ganviz", f"Cannot import {path}: {e}")
            return False
        if name not in self.dataset_actions:
            act = self._action(
                self.dataset_menu, DATASETS.get(name).label, lambda _c=False, n=name: self.set_dataset(n)
            )
            act.setCheckable(True)
            self.dataset_group.addAction(act)
            self.dataset_actions[name] = act
        self.set_dataset(name)
        self.draw_action.setChecked(False)  # leaves draw mode: the drawing is not the data any more
        self.set_drawing(False)
        self.statusBar().showMessage(f"Training on {path}" + (f" — {note}" if note else ""))
        return True

    def _import_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import data", "", "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.import_csv(path)

    def _export_panel(self, panel, label: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {label}", f"{label.lower().replace(' ', '_')}.png", "PNG image (*.png);;SVG image (*.svg)"
        )
        if not path:
            return
        try:
            export_panel(panel, path)
            self.statusBar().showMessage(f"Exported {label} to {path}")
        except (PanelExportError, OSError) as e:
            QMessageBox.warning(self, "ganviz", str(e))

    def _export_csv(self) -> None:
        if self.frame is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export metric history", "history.csv", "CSV (*.csv)")
        if not path:
            return
        try:
            rows = history_csv(path, self.frame)
            self.statusBar().showMessage(f"Wrote {rows} rows to {path}")
        except (ExportError, OSError) as e:
            QMessageBox.warning(self, "ganviz", f"Cannot write {path}: {e}")

    def start_recording(self, path: str) -> None:
        self.recorder = Recorder()
        self.recorder.start(path, widget=self.data_panel)
        self.record_action.blockSignals(True)
        self.record_action.setChecked(True)
        self.record_action.blockSignals(False)
        self.statusBar().showMessage(f"Recording the data view to {path}… (File → Record again to stop)")

    def stop_recording(self, wait: bool = True) -> None:
        """Stop recording and write the file; `wait=False` (the menu) encodes on a thread of its own."""
        if self.recorder is not None and self.recorder.recording:
            if wait:
                path = self.recorder.stop()
                self.statusBar().showMessage(f"Recording saved to {path}")
            else:
                path = self.recorder.path
                self._encodings.append(self.recorder.stop_in_background())
                self.statusBar().showMessage(f"Saving the recording to {path}…")
                self._encoding_timer.start()
        self.record_action.blockSignals(True)
        self.record_action.setChecked(False)
        self.record_action.blockSignals(False)

    def _check_encodings(self) -> None:
        """Report recordings whose encoding finished (polled while any is running)."""
        for future in [f for f in self._encodings if f.done()]:
            self._encodings.remove(future)
            try:
                self.statusBar().showMessage(f"Recording saved to {future.result()}")
            except PanelExportError as e:
                QMessageBox.warning(self, "ganviz", f"The recording was not saved: {e}")
        if not self._encodings:
            self._encoding_timer.stop()

    def _toggle_recording(self, on: bool) -> None:
        if not on:
            try:
                self.stop_recording(wait=False)
            except PanelExportError as e:  # no frame recorded
                QMessageBox.warning(self, "ganviz", str(e))
            return
        path, _ = QFileDialog.getSaveFileName(self, "Record data view", "ganviz.mp4", "MP4 video (*.mp4);;GIF (*.gif)")
        if not path:
            self.stop_recording()
            return
        try:
            self.start_recording(path)
        except (PanelExportError, OSError) as e:
            QMessageBox.warning(self, "ganviz", f"Cannot record to {path}: {e}")
            self.stop_recording()

    def set_drawing(self, on: bool) -> None:
        self.drawing = on
        self.data_panel.set_drawn(self.drawn if on else None)  # drawn points show only while drawing
        if on:
            self.statusBar().showMessage(
                "Drawing: drag to add points, Shift+drag or right-drag to erase; Dataset → Train on drawn points"
            )

    def _data_drag(self, ev, axis=None) -> None:
        if not self.drawing:
            self._view_drag(ev, axis)
            return
        ev.accept()
        vb = self.data_panel.plot.getViewBox()
        p = vb.mapSceneToView(ev.scenePos())
        at = np.array([p.x(), p.y()], np.float32)
        x0, x1 = vb.viewRange()[0]
        if ev.button() == Qt.RightButton or ev.modifiers() & Qt.ShiftModifier:
            self.drawn = erase(self.drawn, at, x1 - x0)
        else:
            self.drawn = brush(self.drawn, at, x1 - x0, self._draw_rng)
        self.data_panel.set_drawn(self.drawn)

    def use_drawn_points(self) -> bool:
        if len(self.drawn) < 2:
            self.statusBar().showMessage("Draw some points first: Dataset → Draw your own data")
            return False
        try:
            points = as_config_points(self.drawn)
            self.send("custom_points", self.drawn.copy(), None)
        except CustomDataError as e:
            QMessageBox.warning(self, "ganviz", f"Cannot train on the drawn points: {e}")
            return False
        self.config = self.config.replace(dataset=CUSTOM, custom_points=points)
        self._sync_menus()
        self.statusBar().showMessage(f"Training on {len(self.drawn)} drawn points (networks kept)")
        return True

    def clear_drawn_points(self) -> None:
        self.drawn = np.zeros((0, 2), np.float32)
        self.data_panel.set_drawn(self.drawn if self.drawing else None)

    def show_theory_window(self, key: str) -> QWidget:
        """Open (once; later calls raise it) one of the separate theory views: 'dirac', 'onedim' or 'digits'."""
        window = self.theory_windows.get(key)
        if window is None:
            if key == "dirac":
                from ganviz.ui.panels.dirac_panel import DiracPanel

                window = DiracPanel()
                window.resize(820, 720)
            elif key == "onedim":
                from ganviz.ui.panels.onedim_panel import OneDimPanel

                window = OneDimPanel()
            elif key == "digits":
                from ganviz.ui.panels.digits_panel import DigitsPanel

                self.setCursor(Qt.WaitCursor)  # the digit classifier is fitted once, on first open
                try:
                    window = DigitsPanel()
                finally:
                    self.unsetCursor()
            else:
                raise ValueError(f"unknown theory window {key!r}")
            title = next(label for k, label, *_ in THEORY_WINDOWS if k == key)
            window.setWindowTitle(f"ganviz — {title.replace('&', '').rstrip('…')}")
            self.theory_windows[key] = window
        window.show()
        window.raise_()
        return window

    def show_compare(self) -> QWidget:
        """A compare window for the current dataset, seed and networks (replacing one already open)."""
        from ganviz.ui.compare_window import open_compare

        if self.compare_window is not None:
            self.compare_window.close()
        self.pause()  # the side-by-side runs need the cores
        self.compare_window = open_compare(self.config, parent=self)
        return self.compare_window

    def apply_preset(self, name: str) -> bool:
        """Replace the run with a preset's settings (new networks, after asking); False if declined."""
        preset = get_preset(name)
        question = f"Load the preset “{preset.title}”? Training restarts from step 0 with new networks."
        if not self.confirm(question + self._unsaved_note()):
            return False
        self.reset(preset.config)
        length = f" Suggested length: {preset.steps:,} steps." if preset.steps else ""
        self.statusBar().showMessage(f"Preset {preset.title}.{length}", 15_000)
        return True

    def unsaved_steps(self) -> int:
        """Generator steps trained since the run was last saved or opened (0 for a fresh run)."""
        return max(self._trained_step - self._saved_step, 0)

    def _unsaved_note(self) -> str:
        n = self.unsaved_steps()
        return f" The {n:,} unsaved steps are lost." if n else ""

    def discard_ok(self, action: str) -> bool:
        """True when `action` may throw the run away: nothing unsaved, or the person says so (asked once)."""
        n = self.unsaved_steps()
        if not n or self.settings.value("ask_before_discarding", True, type=bool) is False:
            return True
        return self.confirm_discard(
            f"{action} discards this run's {n:,} unsaved steps. Discard them? (File → Save, Ctrl+S, keeps them.)"
        )

    def _ask_discard(self, question: str) -> bool:
        if QGuiApplication.platformName() == "offscreen":
            return True  # nobody can answer a dialog nobody sees: automation must never block on one
        box = QMessageBox(QMessageBox.Question, "ganviz", question, QMessageBox.Discard | QMessageBox.Cancel, self)
        box.setDefaultButton(QMessageBox.Cancel)
        dont_ask = QCheckBox("Don't ask again")
        dont_ask.setToolTip("Reset, Open and Quit then discard unsaved steps without asking")
        box.setCheckBox(dont_ask)
        discard = box.exec() == QMessageBox.Discard
        if discard and dont_ask.isChecked():
            self.settings.setValue("ask_before_discarding", False)
        return discard

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(self, "ganviz", question, QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def _show_help(self, name: str) -> None:
        QMessageBox.information(self, "Objective", objective_page(name))

    def _save_screenshot(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "ganviz.png", "PNG images (*.png)")
        if not path:
            return
        try:
            save_screenshot(self, path)  # atomic, and its result checked
        except PanelExportError as e:
            QMessageBox.warning(self, "ganviz", str(e))

    # --- frames -------------------------------------------------------------------------------

    def _on_frame(self, frame: Frame) -> None:
        t0 = time.perf_counter()
        # a late frame from an engine that was just replaced or closed (a call queued before the disconnect still
        # arrives, with no sender)
        if self.worker is None or self.sender() is not self.worker:
            return
        try:
            self._take_frame(frame, t0)
        except Exception:  # a panel that cannot draw this frame must not stop the next one from coming
            self._report_draw_failure(traceback.format_exc())
        finally:
            if self.worker is not None:
                self.worker.frame_taken()

    def _report_draw_failure(self, text: str) -> None:
        """Once per kind of failure: the traceback on stderr, its last line in the status bar."""
        last = text.strip().splitlines()[-1]
        if last not in self._draw_failures:
            self._draw_failures.add(last)
            print(f"ganviz: a view could not draw a frame:\n{text}", file=sys.stderr)
        self.statusBar().showMessage(f"A view could not draw this frame ({last}); training goes on", 5_000)

    def _take_frame(self, frame: Frame, t0: float) -> None:
        self.frame = frame
        self._trained_step = frame.step
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
        self.data_panel.show_frame(frame)
        self._show_inspection(frame)
        if self.latent_panel is not None and self.latent_dock.isVisible():
            self.latent_panel.show_frame(frame)
        if self.trail_length:
            self.data_panel.set_trails(self._tracks(frame))
        # curves change slowly but each update repaints their axes (~25 ms): 4 updates a second
        if side:
            self._side_panels_at = time.perf_counter()
            if self._on_screen(self.loss_dock):
                self.loss_panel.show_frame(frame)
                self.loss_panel.show_events(frame.events)
            if self._on_screen(self.quality_dock):
                self.quality_panel.show_frame(frame)
            if self._on_screen(self.modes_dock):
                self.modes_panel.show_frame(frame)
            if self.theory_dock.isVisible():
                clip = self.config.clip if OBJECTIVES.get(frame.objective).clips_weights else None
                self.theory_panel.show_frame(frame, clip)
        n = len(self.snapshots)
        if self.scrubbed is None:
            self.timeline.set_text(f"live · step {frame.step} · {n} snapshots")
        else:
            idx = self.snapshots.position(frame)
            where = "no longer stored (thinned out)" if idx is None else f"snapshot {idx + 1} of {n}"
            self.timeline.set_text(f"step {frame.step} · {where}")

    def _tracks(self, frame: Frame) -> np.ndarray | None:
        """Fixed-batch positions of every 25th fake over the trail's snapshots, ending at `frame`."""
        frames = list(self.snapshots)
        stored = self.snapshots.position(frame)
        if stored is None and frame is self.scrubbed:  # a snapshot dropped from the timeline: no trail left
            return None
        end = (len(frames) - 1 if stored is None else stored) + 1  # the live frame: up to the newest snapshot
        chosen = frames[max(0, end - self.trail_length) : end]
        if len(chosen) < 2 or any(len(f.fakes) != len(frame.fakes) for f in chosen):
            return None
        return np.stack([f.fakes[::TRAIL_STRIDE] for f in chosen])

    # --- timeline -------------------------------------------------------------------------------

    def scrub_to(self, index: int) -> None:
        if not self.snapshots:
            return
        self.scrubbed = self.snapshots[max(0, min(index, len(self.snapshots) - 1))]
        self._draw(self.scrubbed)

    def go_live(self) -> None:
        self.scrubbed = None
        self.timeline.set_count(len(self.snapshots), following=True)
        if self.frame is not None:
            self._draw(self.frame)

    def _set_capacity(self, n: int) -> None:
        pinned = self.snapshots.resize(n, pinned=self.scrubbed)
        if self.scrubbed is not None:
            self.scrubbed = pinned or self.scrubbed

    def _set_trails(self, length: int) -> None:
        self.trail_length = length
        if not length:
            self.data_panel.set_trails(None)
        elif self.frame is not None:
            self._draw(self.scrubbed or self.frame, side=False)

    # --- latent space ---------------------------------------------------------------------------

    def _setup_latent(self, config: TrainConfig) -> None:
        """A latent pad for this run's latent size and prior; kept (with its slice) when they are unchanged."""
        lim = latent_range(config.prior)
        panel = self.latent_panel
        if panel is None or panel.zdim != config.zdim or panel.lim != lim:
            panel = LatentPanel(config.zdim, lim)
            panel.probe_moved.connect(self._on_probe)
            panel.segment_drawn.connect(self._on_segment)
            panel.clear_requested.connect(self.clear_inspection)
            panel.slice_changed.connect(self._on_slice)
            panel.manifold_changed.connect(self._on_manifold)
            self.latent_dock.setWidget(panel)
            self.latent_panel = panel
            self._probe_z, self._segment_z = None, None
            self.data_panel.set_probe(None)
            self.data_panel.set_path(None)
        self.builder.latent = panel.slice
        cells = panel.cells.value() if panel.manifold.isChecked() else 0
        self.builder.manifold_cells = cells

    # Nothing here runs a network that the frame worker loads weights into. The probe and the segment use the
    # window's own copy of G (`_own_g`), given each live frame's weights (Frame.g_weights); the selected sample
    # (autograd through D) is computed by the worker with each frame's weights (Frame.inspection), on request.

    def _generate(self, z: np.ndarray) -> np.ndarray:
        return generate(self._own_g, z, torch.device("cpu"))

    def _load_own_g(self, frame: Frame) -> None:
        if frame.g_weights is not None and self._own_g is not None:
            with torch.no_grad():
                for t, w in zip(self._own_g.state_dict().values(), frame.g_weights):
                    t.copy_(torch.from_numpy(w))

    def _on_probe(self, z: np.ndarray) -> None:
        self._probe_z = z
        self.data_panel.set_probe(self._generate(z[None, :])[0])

    def _on_segment(self, za: np.ndarray, zb: np.ndarray) -> None:
        self._segment_z = (za, zb)
        self.data_panel.set_path(self._generate(segment(za, zb)))

    def _refresh_latent_marks(self) -> None:
        """G moved: the probe's and the segment's images move with it."""
        if self._probe_z is not None:
            self.data_panel.set_probe(self._generate(self._probe_z[None, :])[0])
        if self._segment_z is not None:
            self.data_panel.set_path(self._generate(segment(*self._segment_z)))

    def clear_inspection(self) -> None:
        """Escape, or a right click in the data view or the latent pad: no probe, segment or selection."""
        self._probe_z, self._segment_z = None, None
        self.data_panel.set_probe(None)
        self.data_panel.set_path(None)
        if self.latent_panel is not None:
            self.latent_panel.clear_marks()
        self.select_sample(None)

    def _show_inspection(self, frame: Frame) -> None:
        """The selected sample as computed for `frame`."""
        selected = frame.inspection.selected if frame.inspection is not None else None
        if selected is None or self._selected is None:
            self.data_panel.set_selected(None)
            if self.latent_panel is not None:
                self.latent_panel.show_selection(None)
            return
        x0, x1, _, _ = frame.extent
        norm = float(np.hypot(*selected["grad"]))
        scale = 0.08 * (x1 - x0) / norm if norm > 0 else 0.0  # the arrow is drawn at 8 % of the view width
        self.data_panel.set_selected(selected["x"], selected["grad"], scale)
        if self.latent_panel is not None:
            self.latent_panel.show_selection(selected)

    def _on_slice(self, latent_slice) -> None:
        if self.builder is not None:
            self.builder.latent = latent_slice
            self.worker.request_frame()

    def _on_manifold(self, cells: int) -> None:
        self.builder.manifold_cells = cells
        self.data_panel.manifold.setVisible(cells > 0)
        self.worker.request_frame()

    def _on_data_click(self, ev) -> None:
        frame = self.scrubbed or self.frame
        vb = self.data_panel.plot.getViewBox()
        if ev.button() == Qt.RightButton and not self.drawing and vb.sceneBoundingRect().contains(ev.scenePos()):
            self.clear_inspection()
            return
        if ev.button() != Qt.LeftButton or frame is None or not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        p = vb.mapSceneToView(ev.scenePos())
        tolerance = 8 * max(vb.viewPixelSize())  # 8 pixels
        self.select_sample(nearest_point(frame.fakes, np.array([p.x(), p.y()]), tolerance))

    def select_sample(self, index: int | None) -> None:
        """Highlight fixed-batch sample `index` in both views and show its z, G(z), D and ∇ₓ L_G (from the next
        frame, which the worker builds at once)."""
        self._selected = index
        if index is None:
            self.data_panel.set_selected(None)
            if self.latent_panel is not None:
                self.latent_panel.show_selection(None)
        if self.builder is not None:
            self.builder.inspect_index = index  # read by the worker's next frame
            if self.worker is not None:
                self.worker.request_frame()

    def selection_info(self) -> dict | None:
        """The selected sample as the frame on screen shows it (None before that frame has arrived)."""
        frame = self.scrubbed or self.frame
        if self._selected is None or frame is None or frame.inspection is None:
            return None
        selected = frame.inspection.selected
        return selected if selected is not None and selected["index"] == self._selected else None

    def fps(self, window_s: float = 2.0) -> float:
        now = time.perf_counter()
        recent = list(itertools.takewhile(lambda t: now - t <= window_s, reversed(self.frame_times)))
        return (len(recent) - 1) / (recent[0] - recent[-1]) if len(recent) > 1 else 0.0

    def automation_stats(self, started: float) -> dict:
        """`--stats-json`: the run, its training and drawing speed since `started`, the coverage it reached."""
        frame = self.frame
        out = {
            "dataset": self.config.dataset,
            "objective": self.config.objective,
            **frame_rate_stats(self.frame_times, self.frame_steps, started),
            "train_steps": frame.step if frame else 0,
            "frame_ms_p50": percentile(self.frame_costs_ms, 50),
            "frame_ms_p95": percentile(self.frame_costs_ms, 95),
            "first_frame_s": (self.first_frame_at - LAUNCHED_AT) if self.first_frame_at else None,
            "device": frame.device if frame else None,
        }
        if frame is not None and frame.modes is not None:
            out.update({k: frame.modes[k] for k in ("modes", "modes_robust", "hq")})
        if (slow := self.slow_motion.stats()) is not None:
            out["slow_motion"] = slow  # the sub-step on screen
        return out

    def show_getting_started(self) -> QDialog:
        """Help → Getting started (F1): a non-modal page, its key table read from this window's actions."""
        if self._getting_started is None:
            keys = [
                (a.text().replace("&", "").rstrip("…"), a.shortcut().toString(QKeySequence.NativeText))
                for a in self.findChildren(QAction)
                if not a.shortcut().isEmpty() and a.text()
            ]
            dialog = QDialog(self)
            dialog.setWindowTitle("ganviz: getting started")
            page = QTextBrowser(dialog)
            page.setHtml(getting_started(keys))
            QVBoxLayout(dialog).addWidget(page)
            dialog.resize(720, 640)
            self._getting_started = dialog
        self._getting_started.show()
        self._getting_started.raise_()
        return self._getting_started

    def _update_hint(self, frame: Frame) -> None:
        """The first-run hint over the data view: shown while a fresh run waits to be started."""
        fresh = not frame.running and self._trained_step == 0 and self.scrubbed is None
        if fresh:
            self.start_hint.adjustSize()
            self.start_hint.move(max((self.data_panel.width() - self.start_hint.width()) // 2, 0), 64)
        self.start_hint.setVisible(fresh)

    def _update_status(self, frame: Frame) -> None:
        self._update_hint(frame)
        s = self.status_labels
        # the window's intent, until the trainer has caught up with it (a new one starts paused): the status
        # never says "paused" beside a Pause button
        state = ("running" if frame.running else "starting…") if self.running else "paused"
        s["step"].setText(f"{state} · step {frame.step}")
        s["rate"].setText(f"{frame.steps_per_s:.0f} steps/s")
        s["fps"].setText(f"{self.fps():.0f} frames/s")
        s["device"].setText(f"device {frame.device}")
        s["objective"].setText(OBJECTIVES.get(frame.objective).label)

    def _on_failed(self, message: str) -> None:
        self.running = False
        self._sync_menus()
        last = message.strip().splitlines()[-1] if message.strip() else "unknown error"
        self.statusBar().showMessage(f"Training stopped: {last}. Run → Reset to start again.")
        if self.builder is not None:  # the worker has finished: a save the child never answered is written here
            self.builder.engine.poll()
            self._take_notices()
        if self.isVisible() and not getattr(self, "_closing", False):
            box = QMessageBox(
                QMessageBox.Critical, "ganviz: training stopped", f"The trainer stopped:\n{last}", parent=self
            )
            box.setDetailedText(message)
            box.open()

    def closeEvent(self, event) -> None:
        if not getattr(self, "_closing", False) and not self.discard_ok("Quitting"):
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
