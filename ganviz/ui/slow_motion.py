"""Run → Slow motion (M): the trainer takes one real generator update apart (`ganviz.core.analysis.explain`, in the
trainer's own process, on its own networks) and the window plays its sub-steps in a floating panel, one at a
time at the chosen pace; when the last sub-step has shown, the next update is taken apart. Leaving slow motion
(M again, or closing the panel) resumes normal training if it was running before."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from ganviz.core.analysis.explain import OVERVIEW_PATHS, ExplainedStep, loss_focus
from ganviz.core.runs.commands import Explain
from ganviz.ui.panels.slowmo_panel import SlowMotionPanel
from ganviz.ui.screen_fit import fit_to_screen


class SlowMotion(QObject):
    """Owns the slow-motion panel, its dock and its action; `window` is the main window (its `builder`,
    `running`, `start()`, `pause()` and status bar). The window hands it the trainer's notices (`take`)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.panel = SlowMotionPanel()
        self.dock = QDockWidget("Slow motion: one generator update taken apart", window)
        self.dock.setObjectName("slow_motion_dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.setFloating(True)  # beside the live view, never squeezing it
        fit_to_screen(self.dock, 920, 520)
        self.dock.hide()
        self.action = QAction("Slow &motion", window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence("M"))
        tip = (
            "Take one generator update apart: the batch, D's loss terms and update (the boundary moves), G's loss "
            "and the gradient at each fake, G's update — each with its formula (M). ←/→ step, P plays or pauses."
        )
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.toggled.connect(self._toggled)
        self.dock.visibilityChanged.connect(self._dock_visibility)
        self.panel.finished.connect(self._next_update)
        self.panel.substep_changed.connect(self._follow)
        self.active = False
        self.waiting = False  # an update asked for and not yet back
        self.resume_after = False
        self.explained: ExplainedStep | None = None

    # --- on and off ---------------------------------------------------------------------------

    def _toggled(self, on: bool) -> None:
        self.start() if on else self.stop()

    def start(self) -> None:
        if self.active:
            return
        w = self.window
        self.active = True
        self.resume_after = w.running
        if w.running:
            w.pause()
        self.dock.show()
        self.dock.raise_()
        self._set_checked(True)
        self._ask()

    def stop(self) -> None:
        if not self.active:
            return
        self.active = self.waiting = False
        self.panel.play(False)
        self._set_checked(False)
        self.dock.hide()
        self._highlight(None, None)
        if self.resume_after:
            self.window.start()
        self.window.statusBar().showMessage("Slow motion off", 3000)

    def _set_checked(self, on: bool) -> None:
        self.action.blockSignals(True)
        self.action.setChecked(on)
        self.action.blockSignals(False)

    def _dock_visibility(self, visible: bool) -> None:
        if not visible and self.active and not self.dock.isVisible():  # closed with its title bar's button
            self.stop()

    def _follow(self, index: int) -> None:
        """The sub-step on screen, also on the model overview strip (its path) and the loss panel (its loss)."""
        if not self.active or self.explained is None:
            return
        sub = self.explained.substeps[index]
        focus = loss_focus(sub)
        step = self.explained.step + 1  # the history row of this update: the step count after it
        self._highlight(OVERVIEW_PATHS[sub.kind], None if focus is None else (focus[0], step, *focus[1:]))

    def _highlight(self, path, focus) -> None:
        overview, losses = getattr(self.window, "overview_panel", None), getattr(self.window, "loss_panel", None)
        if overview is not None:
            overview.highlight(path)
        if losses is not None:
            losses.highlight(focus)

    # --- updates ------------------------------------------------------------------------------

    def _ask(self) -> None:
        if self.window.builder is None or not self.active:
            return
        self.waiting = True
        self.window.send(Explain())  # the window's send also asks for the frame that brings the answer
        self.window.statusBar().showMessage("Slow motion: taking the next generator update apart…")

    def _next_update(self) -> None:
        """The last sub-step has shown: on to the next update."""
        if self.active and not self.waiting:
            self._ask()

    def engine_restarted(self) -> None:
        """A new trainer (reset, new objective or networks): an update asked of the old one will not come."""
        if self.active:
            self.waiting = False
            self._ask()

    def take(self, kind: str, payload) -> bool:
        """A trainer notice for slow motion (True when it was one)."""
        if kind == "explained":
            self.waiting = False
            if self.active:
                self.explained = payload
                self.panel.show_explained(payload, 0)
                self.panel.play()
                self.panel.setFocus()
                self.window.statusBar().showMessage(
                    f"Slow motion: generator update {payload.step + 1}, {len(payload.substeps)} sub-steps "
                    "(←/→ step, P plays or pauses, M leaves)"
                )
            return True
        if kind == "explain_failed":
            self.waiting = False
            self.stop()
            self.window.statusBar().showMessage(f"Slow motion is not available: {payload}")
            return True
        return False

    def stats(self) -> dict | None:
        """`--stats-json`: the sub-step on screen, when slow motion is on."""
        if not self.active or self.explained is None:
            return None
        sub = self.explained.substeps[self.panel.index]
        return {
            "step": self.explained.step,
            "substep": self.panel.index,
            "substeps": len(self.explained.substeps),
            "name": sub.name,
            "formula": sub.formula,
        }
