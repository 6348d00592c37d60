"""What the small-problem panels share: the objective box, and the controls and run plumbing of a live run.

The 1-D GAN and digits panels train on a worker (ganviz.ui.small_worker.SmallRunHost) behind the same row of
controls (objective, lr, steps/tick, seed, Start, Reset) with the same meaning; `SmallRunPanel` holds that row and
what it drives once, so the two cannot drift apart. The Dirac panel computes on the GUI thread with a learning rate
and step count of another meaning (h of plain gradient descent, a trajectory's length): it shares only the
objective box.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganviz.core.training.objectives import OBJECTIVES
from ganviz.ui import style
from ganviz.ui.small_worker import TICK_MS, Build, Readout, SmallRunHost


def objective_combo(default: str) -> QComboBox:
    """Every registered objective by its label (its name as the item's data), `default` selected."""
    box = QComboBox()
    for name in OBJECTIVES.names():
        box.addItem(OBJECTIVES.get(name).label, name)
    box.setCurrentIndex(max(0, box.findData(default)))
    return box


def step_plot(left: str) -> tuple[pg.PlotWidget, pg.PlotItem]:
    """A plot of a value over generator steps (the 1-D panel's V, the digits panel's KL): steps from 0 and at
    least 10 wide, in plain numbers. With one point at step 0, pyqtgraph's auto range made it −0.5…0.5, labelled
    "−400 … 400, generator step (x0.001)"."""
    widget = pg.PlotWidget()
    plot = widget.getPlotItem()
    plot.setMenuEnabled(False)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setLabel("left", left)
    style.step_axis(plot)
    return widget, plot


class SmallRunPanel(QWidget):
    """A panel whose run trains on a SmallRunHost worker, driven by the shared controls row.

    A subclass calls `_build_controls` (the widgets become self.objective, self.lr, self.steps_per_tick, self.seed,
    self.start_button, self.reset_button), `_lay_out` and `_connect_controls`, and defines `_new_host()` (from
    `_make_host`), `redraw(frame)` and `reset()` (new networks from the controls); it sets self.host before the
    first reset.
    """

    host: SmallRunHost

    def _build_controls(self, default_objective: str, leading: Sequence[tuple[str, QWidget]] = ()) -> QHBoxLayout:
        """The controls and their row: `leading` (label, widget) pairs first (e.g. the 1-D panel's data box)."""
        self.objective = objective_combo(default_objective)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(1e-5, 0.1)
        self.lr.setSingleStep(1e-4)
        self.lr.setKeyboardTracking(False)
        self.lr.setToolTip("learning rate of both players (set to the objective's default when it changes)")
        self.steps_per_tick = QSpinBox()
        self.steps_per_tick.setRange(1, 500)
        self.steps_per_tick.setValue(10)
        self.steps_per_tick.setToolTip(f"generator updates per redraw (a redraw every {TICK_MS} ms while running)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 99_999)
        self.seed.setToolTip("seed of the initial weights and of every sample; Reset to apply")
        self.start_button = QPushButton("Start")
        self.start_button.setCheckable(True)
        self.reset_button = QPushButton("Reset")

        controls = QHBoxLayout()
        for text, w in (
            *leading,
            ("objective", self.objective),
            ("lr", self.lr),
            ("steps/tick", self.steps_per_tick),
            ("seed", self.seed),
        ):
            controls.addWidget(QLabel(text))
            controls.addWidget(w)
        controls.addSpacing(8)
        controls.addWidget(self.start_button)
        controls.addWidget(self.reset_button)
        controls.addStretch(1)
        return controls

    def _lay_out(self, controls: QHBoxLayout, view: QWidget, history: QWidget) -> None:
        """The page: the controls row, the run's view, its plot over steps (a third of the view's height) and
        self.status, a wrapped rich-text line under them."""
        self.status = QLabel()
        self.status.setTextFormat(Qt.RichText)
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(view, 3)
        layout.addWidget(history, 1)
        layout.addWidget(self.status)

    def _connect_controls(self) -> None:
        """Wire the shared controls to the run, and give lr its objective's default (no reset from that)."""
        self.start_button.toggled.connect(self._set_running)
        self.reset_button.clicked.connect(self.reset)
        self.objective.currentIndexChanged.connect(self._objective_changed)
        self.lr.valueChanged.connect(self._lr_changed)
        # self.host read at call time: showEvent replaces the host after a close
        self.steps_per_tick.valueChanged.connect(lambda n: self.host.set_steps(n))
        self._set_default_lr()

    def _make_host(self, build: Build, readout: Readout, thread_name: str) -> SmallRunHost:
        """A worker for this panel: its frames go to self.redraw, its bursts are steps_per_tick long."""
        host = SmallRunHost(build, readout, thread_name, self)
        host.frame_ready.connect(self.redraw)
        host.set_steps(self.steps_per_tick.value())
        return host

    # --- state -------------------------------------------------------------------------------------

    def objective_name(self) -> str:
        return self.objective.currentData()

    @property
    def running(self) -> bool:
        return self.start_button.isChecked() and self.host.alive

    def _set_default_lr(self) -> None:
        self.lr.blockSignals(True)
        self.lr.setValue(OBJECTIVES.get(self.objective_name()).defaults.lr_g)
        self.lr.blockSignals(False)

    def _objective_changed(self, *_args) -> None:
        self._set_default_lr()
        self.reset()

    def _lr_changed(self, value: float) -> None:
        self.host.set_lr(value)

    def _set_running(self, on: bool) -> None:
        self.host.set_running(on)
        self.start_button.setText("Pause" if on else "Start")

    def start(self) -> None:
        self.start_button.setChecked(True)

    def pause(self) -> None:
        self.start_button.setChecked(False)

    def tick(self) -> None:
        """One burst: steps_per_tick generator updates on the worker, then a frame back (asynchronous)."""
        self.host.advance(self.steps_per_tick.value())

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.pause()
        self.host.stop()  # waits for the worker thread to end
        super().closeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if not self.host.alive:  # shown again after a close: a fresh worker, a fresh run
            self.host.deleteLater()
            self.host = self._new_host()
            self.reset()
        super().showEvent(event)
