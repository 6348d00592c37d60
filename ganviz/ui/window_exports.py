"""The main window's data and exports: CSV import, drawn data, panel and history exports, screenshots,
recording the data view."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ganviz.core.data.custom_data import CUSTOM, CustomDataError, as_config_points, register_csv
from ganviz.core.data.datasets import DATASETS
from ganviz.core.data.drawing import brush, erase
from ganviz.core.files.export import ExportError, history_csv
from ganviz.ui.export import ExportError as PanelExportError
from ganviz.ui.export import Recorder, export_panel, save_screenshot


class ExportsMixin:
    """Data import, drawing and exports, mixed into MainWindow (methods use the window's state)."""

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
        self.recorder.on_full = self._recording_full
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

    def _recording_full(self) -> None:
        """A GIF recording reached its length: write it, and say why it stopped and what records longer."""
        path, frames, fps = self.recorder.path, self.recorder.frames, self.recorder.fps  # full: frames is the limit
        self.stop_recording(wait=False)
        self.statusBar().showMessage(
            f"Saving the recording to {path}… (a GIF recording holds at most {frames} frames, {frames / fps:.0f} s "
            "of video, in memory until written; record to .mp4 for longer)"
        )

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
        self.run_view.right_click_clears = not on  # a right drag erases drawn points
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
            self.model.change(dataset=CUSTOM, custom_points=points, custom_spread=None)
        except (CustomDataError, ValueError) as e:  # ConfigError is a ValueError: one line either way
            QMessageBox.warning(self, "ganviz", f"Cannot train on the drawn points: {e}")
            return False
        if self.worker is not None:
            self.worker.request_frame()
        self.statusBar().showMessage(f"Training on {len(self.drawn)} drawn points (networks kept)")
        return True

    def clear_drawn_points(self) -> None:
        self.drawn = np.zeros((0, 2), np.float32)
        self.data_panel.set_drawn(self.drawn if self.drawing else None)

    def _save_screenshot(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "ganviz.png", "PNG images (*.png)")
        if not path:
            return
        try:
            save_screenshot(self, path)  # atomic, and its result checked
        except PanelExportError as e:
            QMessageBox.warning(self, "ganviz", str(e))
