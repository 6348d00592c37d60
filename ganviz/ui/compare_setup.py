"""The compare window's Runs panel: 2 to 4 runs, each one's objective, regularisers and learning rates."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ganviz.core.runs.compare import (
    DEFAULT_R1,
    MAX_RUNS,
    MIN_RUNS,
    RUN_LETTERS,
    CompareError,
    remedy_settings,
    run_config,
)
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import OBJECTIVES, get_objective
from ganviz.core.training.remedies import active_remedies
from ganviz.ui.compare_views import colour_hex
from ganviz.ui.params_dock import FloatEdit

# objectives offered to a newly added run, first unused one wins
NEW_RUN_ORDER = ("nonsaturating", "wgan-gp", "hinge", "lsgan", "wgan", "minimax")


# --- run setup ------------------------------------------------------------------------------------


class RunEditor(QGroupBox):
    """One run's settings: objective, spectral norm, R1 and learning rates. Applied by a restart."""

    remove_requested = Signal(object)  # this editor
    edited = Signal()  # any of its settings changed

    def __init__(self, base: TrainConfig, config: TrainConfig, parent=None) -> None:
        super().__init__(parent)
        self.base, self.origin = base, config.resolved()
        c = self.origin
        form = QFormLayout(self)
        form.setContentsMargins(8, 4, 8, 6)
        self.objective = QComboBox()
        for name in OBJECTIVES.names():
            self.objective.addItem(get_objective(name).label, name)
            self.objective.setItemData(self.objective.count() - 1, get_objective(name).formula, Qt.ToolTipRole)
        self.objective.setCurrentIndex(OBJECTIVES.names().index(c.objective))
        self.objective.setToolTip("This run's loss; its optimiser, betas and critic steps follow the objective")
        self.spectral_norm = QCheckBox("Spectral norm")
        self.spectral_norm.setChecked(c.spectral_norm)
        self.spectral_norm.setToolTip(
            "Divide every D weight by its largest singular value; starts from the same D weights as the other runs"
        )
        self.r1 = QCheckBox("R1")
        self.r1.setChecked(c.r1 > 0)
        self.r1.setToolTip("Add the R1 penalty (γ/2) E‖∇D(x)‖² on real data")
        self.gamma = FloatEdit(c.r1 or base.r1 or DEFAULT_R1, 0.0, 1e4, "R1 γ")
        self.gamma.setMaximumWidth(56)
        self.gamma.setEnabled(self.r1.isChecked())
        self.r1.toggled.connect(self.gamma.setEnabled)
        self.lr_g = FloatEdit(c.lr_g, 0.0, 10.0, "Generator learning rate")
        self.lr_d = FloatEdit(c.lr_d, 0.0, 10.0, "Discriminator / critic learning rate")
        self.remove = QPushButton("Remove")
        self.remove.setToolTip("Drop this run from the comparison (applied on restart)")
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        regs = QHBoxLayout()
        regs.addWidget(self.spectral_norm)
        regs.addWidget(self.r1)
        regs.addWidget(QLabel("γ"))
        regs.addWidget(self.gamma)
        form.addRow("Objective", self.objective)
        form.addRow(regs)
        form.addRow("LR generator", self.lr_g)
        form.addRow("LR discriminator", self.lr_d)
        if remedies := active_remedies(c):  # read-only: kept as they are when the run is edited
            self.remedies = QLabel(" + ".join(r.title(getattr(c, r.field)) for r in remedies))
            tip = [f"{r.label}: {r.formula} ({r.source})" for r in remedies]
            if c.pack > 1:
                tip.append("PacGAN's D takes 2·pack inputs: its first layer has its own init from the same seed")
            self.remedies.setToolTip("\n".join(tip))
            form.addRow("Remedy", self.remedies)
        form.addRow(self.remove)
        self.objective.currentIndexChanged.connect(self._objective_changed)
        for signal in (
            self.objective.currentIndexChanged,
            self.spectral_norm.toggled,
            self.r1.toggled,
            self.gamma.committed,
            self.lr_g.committed,
            self.lr_d.committed,
        ):
            signal.connect(self.edited)
        self.set_index(0)

    def set_index(self, i: int) -> None:
        self.setTitle(f"Run {RUN_LETTERS[i]}")
        self.setStyleSheet(
            f"QGroupBox {{ border: 2px solid {colour_hex(i)}; border-radius: 4px; margin-top: 1.2em; }}"
            f"QGroupBox::title {{ color: {colour_hex(i)}; font-weight: bold; subcontrol-origin: margin; left: 8px; }}"
        )

    def _number(self, edit: FloatEdit, what: str) -> float:
        """The number as typed, also before the field commits it (Ctrl+R while typing)."""
        try:
            v = float(edit.text())
        except ValueError:
            v = math.nan
        above_low = v >= edit.low if edit.low_inclusive else v > edit.low
        if not (math.isfinite(v) and above_low and v <= edit.high):
            edit.setStyleSheet("background: #ffd0d0")
            raise CompareError(f"{self.title()}: {what} {edit.text()!r} is not {edit.allowed()}")
        return v

    def _objective_changed(self) -> None:
        """A new objective brings its own learning rates (what the optimiser defaults are tuned for)."""
        d = get_objective(self.objective.currentData()).defaults
        self.lr_g.set_value(d.lr_g)
        self.lr_d.set_value(d.lr_d)

    def config(self) -> TrainConfig:
        """The run as set here; settings this box does not show are kept from the run it started with.
        CompareError (and the field turns red) when a number is not allowed."""
        name = self.objective.currentData()
        r1 = self._number(self.gamma, "R1 γ") if self.r1.isChecked() else 0.0
        changes = dict(
            spectral_norm=self.spectral_norm.isChecked(),
            r1=r1,
            lr_g=self._number(self.lr_g, "LR generator"),
            lr_d=self._number(self.lr_d, "LR discriminator"),
        )
        if name == self.origin.objective:
            return self.origin.replace(**changes)
        return run_config(self.base, name, remedies=remedy_settings(self.origin), **changes)


class RunSetup(QWidget):
    """The runs to compare (2 to 4): add, remove, edit, then restart them all from step 0."""

    apply_requested = Signal()  # restart with configs()
    changed = Signal()  # a run added, removed or edited (applies on restart)

    def __init__(self, base: TrainConfig, runs: Sequence[TrainConfig], parent=None) -> None:
        super().__init__(parent)
        self.base = base
        layout = QVBoxLayout(self)
        shared = QLabel(
            f"Every run: dataset <b>{base.dataset}</b>, seed {base.seed}, {base.layers} × {base.hidden} networks, "
            f"batch {base.batch}; the same initial weights, stepped together."
        )
        shared.setWordWrap(True)
        shared.setToolTip("Change these in the main window, then open the comparison again")
        layout.addWidget(shared)
        self.box_layout = QVBoxLayout()
        layout.addLayout(self.box_layout)
        self.add = QPushButton("Add run")
        self.add.setToolTip(f"Compare up to {MAX_RUNS} runs (applied on restart)")
        self.add.clicked.connect(self.add_run)
        self.apply = QPushButton("Restart runs from step 0")
        self.apply.setToolTip("Start every run again, as set here, from the same initial weights (Ctrl+R)")
        self.apply.clicked.connect(self.apply_requested)
        layout.addWidget(self.add)
        layout.addWidget(self.apply)
        layout.addStretch(1)
        self.editors: list[RunEditor] = []
        self.set_runs(runs)

    def set_runs(self, runs: Sequence[TrainConfig]) -> None:
        for e in self.editors:
            e.setParent(None)
            e.deleteLater()
        self.editors = []
        for r in runs:
            self._add_editor(r)

    def _add_editor(self, config: TrainConfig) -> None:
        editor = RunEditor(self.base, config)
        editor.remove_requested.connect(self.remove_run)
        editor.edited.connect(self.changed)
        self.editors.append(editor)
        self.box_layout.addWidget(editor)
        self._renumber()

    def add_run(self) -> None:
        if len(self.editors) >= MAX_RUNS:
            return
        used = {e.objective.currentData() for e in self.editors}
        name = next((n for n in NEW_RUN_ORDER if n not in used), NEW_RUN_ORDER[0])
        self._add_editor(run_config(self.base, name))

    def remove_run(self, editor: RunEditor) -> None:
        if len(self.editors) <= MIN_RUNS:
            return
        self.editors.remove(editor)
        editor.setParent(None)
        editor.deleteLater()
        self._renumber()

    def _renumber(self) -> None:
        for i, e in enumerate(self.editors):
            e.set_index(i)
            e.remove.setEnabled(len(self.editors) > MIN_RUNS)
        self.add.setEnabled(len(self.editors) < MAX_RUNS)
        self.changed.emit()

    def mark_pending(self, pending: bool) -> None:
        """The restart button says when the runs set here differ from the runs on screen."""
        self.apply.setText("Restart runs from step 0 — changes pending" if pending else "Restart runs from step 0")
        self.apply.setStyleSheet("font-weight: bold; color: #b00000" if pending else "")

    def configs(self) -> list[TrainConfig]:
        """The runs as set; CompareError names the first number that is not allowed."""
        return [e.config() for e in self.editors]
