"""The main window's session files: save, save as, open, Open recent, the trainer's notices about them,
and asking before unsaved steps are thrown away (Reset, Open, Quit, presets)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QFileDialog, QMessageBox

from ganviz.core.files.io import check_writable
from ganviz.core.files.presets import get_preset
from ganviz.core.files.session import SessionError, load_session

SESSION_FILTER = "ganviz sessions (*.gvz);;All files (*)"


def recent_files(settings) -> list[str]:
    """The recent session files, latest first. QSettings writes a one-path list as a plain string, which a new
    run of the app reads back as a str (not a list of its characters); anything else stored there is ignored."""
    value = settings.value("recent", []) or []
    if isinstance(value, str):
        value = [value]
    return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []


class SessionsMixin:
    """Session files and discard confirmation, mixed into MainWindow (methods use the window's state)."""

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
        recent = [p for p in recent_files(self.settings) if p != path]
        self.settings.setValue("recent", [path, *recent][:8])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = recent_files(self.settings)
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
                self.model.note(kind, payload)  # paused, and the run remembers why
                self._sync_menus()
                self.statusBar().showMessage(
                    f"Training diverged at step {detected} (NaN/Inf): paused and rolled back to step {restored}; "
                    f"try: {suggestion}"
                )

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
