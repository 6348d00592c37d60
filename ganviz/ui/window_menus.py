"""The main window's menus: a declarative table of plain actions, plus functions for the few menus built from
registries or widgets (objectives, datasets, presets, speeds, export panels, docks, help pages), and the
theory, compare and help windows those menus open."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QActionGroup, QImage, QKeySequence, QTextDocument
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox, QTextBrowser, QVBoxLayout, QWidget

from ganviz.core.data.datasets import DATASETS
from ganviz.core.files.presets import grouped_presets, preset_tooltip
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.core.training.remedies import REMEDIES
from ganviz.ui.help_pages import (
    ABOUT,
    PICTURE_WIDTH,
    getting_started,
    objective_page,
    picture_url,
    remedy_page,
)
from ganviz.ui.screen_fit import fit_to_screen
from ganviz.ui.slow_motion import SlowMotion

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


@dataclass(frozen=True)
class Item:
    """One plain action: `slot` names a window method; `attr`, if given, the window attribute that keeps it."""

    menu: str
    text: str
    slot: str
    shortcut: object = None  # a key string, a Qt.Key or a QKeySequence.StandardKey
    tip: str = ""
    checkable: bool = False
    checked: bool = False
    attr: str | None = None


@dataclass(frozen=True)
class Separator:
    menu: str


@dataclass(frozen=True)
class Special:
    """Actions that are not a single table row: `build(window, menu)` adds them."""

    menu: str
    build: Callable[[QWidget, QMenu], None]


def _recent(w, menu: QMenu) -> None:
    w.recent_menu = menu.addMenu("Open &recent")
    w.recent_menu.aboutToShow.connect(w._fill_recent)


def _export_panels(w, menu: QMenu) -> None:
    export = menu.addMenu("Export panel")
    for label, panel in export_list(w):
        w._action(export, f"{label} as PNG or SVG…", lambda _c=False, p=panel, n=label: w._export_panel(p, n))


def _objectives(w, obj_menu: QMenu) -> None:
    w.objective_actions: dict[str, QAction] = {}
    group = QActionGroup(w)
    for name in OBJECTIVES:
        obj = OBJECTIVES.get(name)()
        act = w._action(obj_menu, obj.label, lambda _c=False, n=name: w.set_objective(n), checkable=False)
        act.setCheckable(True)
        act.setToolTip(obj.formula)
        act.setStatusTip(obj.formula)
        group.addAction(act)
        w.objective_actions[name] = act


def _datasets(w, ds_menu: QMenu) -> None:
    w.dataset_menu = ds_menu
    w.dataset_actions: dict[str, QAction] = {}
    group = QActionGroup(w)
    w.dataset_group = group
    for name in DATASETS:
        ds = DATASETS.get(name)
        act = w._action(ds_menu, ds.label, lambda _c=False, n=name: w.set_dataset(n))
        act.setCheckable(True)
        act.setStatusTip(ds.description)
        group.addAction(act)
        w.dataset_actions[name] = act


def first_sentence(text: str) -> str:
    """Up to the first full stop followed by a space (or all of `text`)."""
    head, dot, _rest = text.partition(". ")
    return head + "." if dot else text


def _presets(w, presets: QMenu) -> None:
    """A submenu per group (the lessons first, then each objective on each dataset): 26 in one list were hard
    to scan. A preset file without a group sits below them."""
    w.preset_actions: dict[str, QAction] = {}
    presets.setToolTipsVisible(True)
    for group, members in grouped_presets():
        menu = presets.addMenu(group) if group else presets
        menu.setToolTipsVisible(True)
        for preset in members:
            act = w._action(menu, preset.title, lambda _c=False, n=preset.name: w.apply_preset(n))
            # the description, the claim and its measured spread over seeds, as paragraphs Qt wraps (a plain
            # tip is one line as wide as its text); the status bar gets the first sentence
            tip = preset_tooltip(preset)
            act.setToolTip("".join(f"<p>{html.escape(part)}</p>" for part in tip.split("\n")))
            act.setStatusTip(first_sentence(preset.description))
            w.preset_actions[preset.name] = act


def _run_toolbar(w, _run: QMenu) -> None:
    toolbar = w.addToolBar("Run")
    toolbar.setObjectName("run_toolbar")
    toolbar.setMovable(False)
    for act in (w.start_action, w.step_action, w.reset_action):
        toolbar.addAction(act)


def _freeze(w, run: QMenu) -> None:
    w.freeze_actions = {
        player: w._action(
            run,
            f"Freeze {player}",
            lambda on, p=player: w.freeze(p, on),
            checkable=True,
            tip=f"Stop updating {player}; the other player keeps learning (seed 001: with D frozen, "
            "G drives every sample to argmax D)",
        )
        for player in ("D", "G")
    }


def _slow_motion_and_speed(w, run: QMenu) -> None:
    w.slow_motion = SlowMotion(w)
    run.addAction(w.slow_motion.action)
    speed = run.addMenu("Speed")
    group = QActionGroup(w)
    for label, rate in SPEEDS:
        act = w._action(speed, label, lambda _c=False, r=rate: w.set_speed(r))
        act.setCheckable(True)
        act.setChecked(rate == 0.0)
        group.addAction(act)


def _layers(w, view: QMenu) -> None:
    w.layer_actions: dict[str, QAction] = {}
    for key, label in (
        ("real", "Real samples"),
        ("fake", "Generated samples"),
        ("surface", "Decision surface"),
        ("boundary", "Decision boundary"),
    ):
        w.layer_actions[key] = w._action(
            view, label, lambda on, k=key: w.set_layer_visible(k, on), checkable=True, checked=True
        )


def export_list(w) -> list[tuple[str, QWidget]]:
    """File → Export panel: the data view, then every registered panel under its export name."""
    return [("Data view", w.data_panel)] + [(cls.export_name, w.panels[cls.name]) for cls in w.panel_classes]


def _panel_toggles(w, menu: QMenu) -> None:
    """Show/hide of each registered panel whose `menu` is this one, with its title and shortcut."""
    for cls in w.panel_classes:
        if cls.menu == menu.title():
            act = w.docks[cls.name].toggleViewAction()
            act.setText(cls.title)
            if cls.shortcut:
                act.setShortcut(QKeySequence(cls.shortcut))
            menu.addAction(act)


def _surface(w, view: QMenu) -> None:
    surface = view.addMenu("Surface shows")
    group = QActionGroup(w)
    for mode, label, tip in (
        ("d", "Learned D", "The discriminator / critic as trained"),
        ("dstar", "Optimal D* = p/(p+q) (estimate)", "The best D for the current G, from densities (KDE)"),
        ("gradnorm", "Gradient norm ‖∇ₓD‖", "WGAN-GP pushes it to 1 (white, with its contour)"),
    ):
        act = w._action(surface, label, lambda _c=False, m=mode: w.set_surface_mode(m), tip=tip)
        act.setCheckable(True)
        act.setChecked(mode == "d")
        group.addAction(act)
        if mode == "dstar":
            w.dstar_action = act  # its text and state follow the objective (sync_dstar_action)


def sync_dstar_action(act: QAction, objective: str) -> None:
    """View → Surface shows → the objective's own D* (hinge sign(p − q), …), or disabled, with the reason, for
    an objective without a pointwise optimal D (the WGAN family)."""
    cls = OBJECTIVES.get(objective)
    if cls.d_star is None:
        act.setText("Optimal D* (none for this objective)")
        tip = (
            f"{cls.label} has no optimal D as a function of p and q (any 1-Lipschitz maximiser, defined up to a "
            "constant): the surface shows the learned critic"
        )
        act.setEnabled(False)
    else:
        act.setText(f"Optimal {cls.d_star.formula} (estimate)")
        tip = f"The best D for the current G under {cls.label}, from densities (KDE)"
        act.setEnabled(True)
    act.setToolTip(tip)
    act.setStatusTip(tip)


def _side_docks(w, view: QMenu) -> None:
    view.addAction(w.params.toggleViewAction())
    view.addAction(w.latent_dock.toggleViewAction())


def _theory(w, theory: QMenu) -> None:
    theory.addSeparator()
    for key, label, shortcut, tip in THEORY_WINDOWS:
        w._action(theory, label, lambda _c=False, k=key: w.show_theory_window(k), shortcut, tip=tip)


def _help_pages(w, help_menu: QMenu) -> None:
    objectives = help_menu.addMenu("Objectives")
    for name in OBJECTIVES:
        w._action(objectives, OBJECTIVES.get(name)().label, lambda _c=False, n=name: w._show_help(n))
    remedies = help_menu.addMenu("Remedies")
    for name in REMEDIES:
        w._action(
            remedies,
            REMEDIES.get(name).label,
            lambda _c=False, n=name: QMessageBox.information(w, "Remedy", remedy_page(n)),
        )


# the menu bar, in order: menus appear in the order of their first entry
MENUS: list[Item | Separator | Special] = [
    Item("&File", "&Open session…", "_open_dialog", QKeySequence.Open, tip="Resume a saved .gvz run"),
    Special("&File", _recent),
    Item("&File", "&Save session", "save", QKeySequence.Save, tip="Networks, optimisers, RNG, history"),
    Item("&File", "Save session &as…", "_save_as_dialog", QKeySequence.SaveAs),
    Separator("&File"),
    Item(
        "&File",
        "&Import data (CSV)…",
        "_import_csv",
        "Ctrl+I",
        tip="Train on your own 2-D points: a CSV with two numeric columns, header optional",
    ),
    Separator("&File"),
    Item("&File", "Export window as &PNG…", "_save_screenshot", "Ctrl+E"),
    Special("&File", _export_panels),
    Item("&File", "Export metric &history (CSV)…", "_export_csv"),
    Item(
        "&File",
        "&Record data view…",
        "_toggle_recording",
        "Ctrl+Shift+R",
        checkable=True,
        tip="Record the data view while training, as GIF or MP4",
        attr="record_action",
    ),
    Separator("&File"),
    Item("&File", "&Quit", "close", QKeySequence.Quit),
    Special("&Objective", _objectives),
    Separator("&Objective"),
    Item(
        "&Objective",
        "Spectral norm",
        "_toggle_spectral_norm",
        checkable=True,
        tip="Divide every D weight by its largest singular value (needs new networks)",
        attr="sn_action",
    ),
    Item(
        "&Objective",
        "R1 penalty",
        "_toggle_r1",
        checkable=True,
        tip="Add (γ/2) E‖∇D(x)‖² on real data; γ is set in the hyper-parameter dock",
        attr="r1_action",
    ),
    Special("&Dataset", _datasets),
    Separator("&Dataset"),
    Item(
        "&Dataset",
        "&Draw your own data",
        "set_drawing",
        "Ctrl+Shift+D",
        checkable=True,
        tip="Drag on the data view to add points (Shift+drag or right-drag erases); then 'Train on drawn points'",
        attr="draw_action",
    ),
    Item("&Dataset", "Train on drawn points", "use_drawn_points", tip="Live: the networks are kept"),
    Item("&Dataset", "Clear drawn points", "clear_drawn_points"),
    Special("&Presets", _presets),
    Item("&Run", "&Start", "toggle_running", Qt.Key_Space, tip="Start or pause training (Space)", attr="start_action"),
    Item(
        "&Run",
        "S&tep one generator update",
        "step_once",
        Qt.Key_S,
        tip="Pause, then one generator update (S)",
        attr="step_action",
    ),
    Item("&Run", "&Reset", "_reset_asked", "Ctrl+R", tip="New networks from the seed (Ctrl+R)", attr="reset_action"),
    Special("&Run", _run_toolbar),
    Separator("&Run"),
    Special("&Run", _freeze),
    Item(
        "&Run",
        "&Compare runs side by side…",
        "show_compare",
        "Ctrl+Shift+C",
        tip="2 to 4 objectives on this dataset, seed and initial networks, stepped together",
    ),
    Item(
        "&Run",
        "Compare the &remedies (grid25)…",
        "show_remedies_compare",
        tip="GAN, GAN + PacGAN2, GAN + unrolled 5 and WGAN-GP on the 5×5 grid, this seed and network size",
    ),
    Special("&Run", _slow_motion_and_speed),
    Special("&View", _layers),
    Item(
        "&View",
        "Clear probe, segment and selection",
        "clear_inspection",
        Qt.Key_Escape,
        tip="Esc, or a right click in the data view or the latent pad",
    ),
    Separator("&View"),
    Special("&View", _panel_toggles),
    Special("&View", _surface),
    Item(
        "&View",
        "Generator gradient arrows",
        "set_arrows",
        "A",
        checkable=True,
        tip="−∇ₓ of the generator loss at 250 fakes: where G's next update pushes them",
        attr="arrows_action",
    ),
    Item(
        "&View",
        "Colour samples by latent class",
        "_colour_by_class",
        "C",
        checkable=True,
        tip="Colour generated samples as in the latent pad: by the mode they land in (grey: none)",
    ),
    Separator("&View"),
    Special("&View", _side_docks),
    Special("&Theory", _panel_toggles),
    Special("&Theory", _theory),
    Special("&Help", _help_pages),
    Item("&Help", "&Getting started", "show_getting_started", "F1", tip="Each view, what it teaches, the keys"),
    Item("&Help", "&About ganviz", "_show_about"),
]


class MenusMixin:
    """The menu bar and the windows its entries open, mixed into MainWindow (methods use the window's state)."""

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
        menus: dict[str, QMenu] = {}
        for entry in MENUS:
            menu = menus.get(entry.menu)
            if menu is None:
                menu = menus[entry.menu] = bar.addMenu(entry.menu)
            if isinstance(entry, Separator):
                menu.addSeparator()
            elif isinstance(entry, Special):
                entry.build(self, menu)
            else:
                slot = getattr(self, entry.slot)
                act = self._action(menu, entry.text, slot, entry.shortcut, entry.checkable, entry.checked, entry.tip)
                if entry.attr:
                    setattr(self, entry.attr, act)
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
        sync_dstar_action(self.dstar_action, c.objective)

    def _reset_asked(self) -> None:
        """Run → Reset: after asking, when unsaved steps would be lost."""
        self.discard_ok("Reset") and self.reset()

    def _show_about(self) -> None:
        QMessageBox.about(self, "About ganviz", ABOUT)

    def show_theory_window(self, key: str) -> QWidget:
        """Open (once; later calls raise it) one of the separate theory views: 'dirac', 'onedim' or 'digits'."""
        window = self.theory_windows.get(key)
        if window is None:
            if key == "dirac":
                from ganviz.ui.panels.dirac_panel import DiracPanel

                window = DiracPanel()
                fit_to_screen(window, 820, 720)
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
        window = open_compare(self.config, parent=self)
        # deleted when closed: as a child of this window a closed one stayed alive, ~30 MB each (defect B19)
        window.setAttribute(Qt.WA_DeleteOnClose)
        window.destroyed.connect(lambda *_: self._compare_deleted(window))
        self.compare_window = window
        return window

    def _compare_deleted(self, window: QWidget) -> None:
        if self.compare_window is window:  # not a newer one opened meanwhile
            self.compare_window = None

    def show_remedies_compare(self) -> QWidget:
        """The named comparison "remedies" (ganviz.core.runs.compare.COMPARISONS) on this seed and network size."""
        from ganviz.core.runs.compare import named_comparison
        from ganviz.ui.compare_window import open_compare

        if self.compare_window is not None:
            self.compare_window.close()
        self.pause()
        base, runs = named_comparison("remedies", self.config)
        self.compare_window = open_compare(base, runs, parent=self)
        return self.compare_window

    def _show_help(self, name: str) -> None:
        QMessageBox.information(self, "Objective", objective_page(name))

    def _view_pictures(self) -> dict[str, QImage]:
        """A picture of each view the Getting started page describes, grabbed from this window."""
        widgets = {
            "Data view (centre)": self.run_view,
            "Losses (right)": self.panels.get("loss"),
            "Quality (right, or its tab)": self.panels.get("quality"),
            "Latent space (left)": self.latent_panel,
            "Timeline (bottom)": self.timeline,
            "Theory (menu)": self.panels.get("theory"),
            "Model overview (top)": self.panels.get("overview"),
        }
        pictures = {}
        for name, widget in widgets.items():
            # only views on screen: a closed dock or a tab behind another has no layout to draw (a strip)
            if widget is not None and widget.isVisible() and widget.width() > 1 and widget.height() > 1:
                image = widget.grab().toImage()
                pictures[name] = image.scaledToWidth(2 * PICTURE_WIDTH, Qt.SmoothTransformation)
        return pictures

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
            QVBoxLayout(dialog).addWidget(page)
            fit_to_screen(dialog, 760, 680)
            self._getting_started = dialog
            self._getting_started_keys = keys
        page = self._getting_started.findChild(QTextBrowser)
        pictures = self._view_pictures()  # taken now: the page shows this run's views as they are
        for name, image in pictures.items():
            page.document().addResource(QTextDocument.ImageResource, QUrl(picture_url(name)), image)
        aspects = {name: image.width() / image.height() for name, image in pictures.items()}
        page.setHtml(getting_started(self._getting_started_keys, aspects))
        self._getting_started.show()
        self._getting_started.raise_()
        return self._getting_started
