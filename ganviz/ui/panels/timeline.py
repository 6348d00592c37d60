"""Timeline: scrub back through stored snapshots (surfaces, fakes, metrics) while training goes on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QWidget


class Timeline(QWidget):
    scrubbed = Signal(int)  # index into the stored snapshots
    live = Signal()  # back to the latest frame
    capacity_changed = Signal(int)
    trails_changed = Signal(int)  # snapshots per trail, 0 = off

    def __init__(self, capacity: int, parent=None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setToolTip(
            "Scrub back through the run, to its first step; recent snapshots are dense, older ones thinned out. "
            "Training continues meanwhile"
        )
        self.slider.sliderMoved.connect(self.scrubbed.emit)
        self.slider.valueChanged.connect(lambda v: self.slider.isSliderDown() or self.scrubbed.emit(v))
        self.label = QLabel("live")
        self.label.setMinimumWidth(190)
        self.live_button = QPushButton("Live")
        self.live_button.setToolTip("Return to the live view (End)")
        self.live_button.setShortcut(Qt.Key_End)
        self.live_button.clicked.connect(self.live.emit)
        self.capacity = QSpinBox()
        self.capacity.setRange(10, 5000)
        self.capacity.setValue(capacity)
        self.capacity.setPrefix("keep ")
        self.capacity.setSuffix(" snapshots")
        self.capacity.setToolTip("How many snapshots the timeline keeps (about 70 kB each), spread over the whole run")
        self.capacity.valueChanged.connect(self.capacity_changed.emit)
        self.trails = QCheckBox("Trails")
        self.trails.setToolTip("Fading trails of 100 generated samples over the last snapshots")
        self.trail_length = QSpinBox()
        self.trail_length.setRange(2, 200)
        self.trail_length.setValue(20)
        self.trail_length.setToolTip("Snapshots per trail")
        self.trails.toggled.connect(self._trails)
        self.trail_length.valueChanged.connect(self._trails)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.addWidget(QLabel("Timeline"))
        row.addWidget(self.slider, stretch=1)
        row.addWidget(self.label)
        row.addWidget(self.live_button)
        row.addWidget(self.capacity)
        row.addWidget(self.trails)
        row.addWidget(self.trail_length)

    def _trails(self) -> None:
        self.trails_changed.emit(self.trail_length.value() if self.trails.isChecked() else 0)

    def set_count(self, count: int, following: bool) -> None:
        """Snapshots stored; when following live, the handle sits at the newest."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(count - 1, 0))
        if following:
            self.slider.setValue(max(count - 1, 0))
        self.slider.blockSignals(False)

    def set_text(self, text: str) -> None:
        self.label.setText(text)
