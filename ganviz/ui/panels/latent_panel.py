"""Latent pad: the latent square coloured by where G sends it, a probe, latent segments, slice controls."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleSlider

from ganviz.core.analysis.frames import Frame
from ganviz.core.analysis.latent import LatentSlice
from ganviz.ui import style
from ganviz.ui.panels.scatter import ClassScatter


class _PadViewBox(pg.ViewBox):
    """Left drag moves the probe; Shift + left drag draws a latent segment; a click puts the probe there (a Shift
    click is a segment too short to draw, so it changes nothing)."""

    def __init__(self, pad: LatentPanel) -> None:
        super().__init__(lockAspect=True, enableMouse=False)
        self._pad = pad

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.LeftButton:
            ev.accept()
            if not ev.modifiers() & Qt.ShiftModifier:
                self._pad.move_probe(self._ab(ev.scenePos()))
        elif ev.button() == Qt.RightButton:  # right click: away with the probe, segment and selection
            ev.accept()
            self._pad.clear_requested.emit()
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.LeftButton:
            ev.ignore()
            return
        ev.accept()
        here = self._ab(ev.scenePos())
        if ev.modifiers() & Qt.ShiftModifier:
            self._pad.draw_segment(self._ab(ev.buttonDownScenePos()), here)
        else:
            self._pad.move_probe(here)

    def _ab(self, scene_pos) -> np.ndarray:
        p = self.mapSceneToView(scene_pos)
        return np.array([p.x(), p.y()], dtype=np.float32)


class LatentPanel(QWidget):
    probe_moved = Signal(object)  # full latent vector z (np.float32, zdim)
    segment_drawn = Signal(object, object)  # latent endpoints a, b
    clear_requested = Signal()  # right click: the window clears the probe, the segment and the selection
    slice_changed = Signal(object)  # LatentSlice
    manifold_changed = Signal(int)  # cells per side, 0 = off

    def __init__(self, zdim: int, lim: float, parent=None) -> None:
        super().__init__(parent)
        self.zdim, self.lim = zdim, lim
        self.slice = LatentSlice((0, 1), tuple([0.0] * zdim))
        self.probe_ab: np.ndarray | None = None
        self.segment_ab: tuple[np.ndarray, np.ndarray] | None = None

        self.view = pg.PlotWidget(viewBox=_PadViewBox(self))
        self.view.setMenuEnabled(False)
        self.view.hideButtons()
        # its data area stays ≥ 200 px wide beside the axes; 180 high: at 1024 × 700 the dock has ~300 px for the
        # view and the four rows under it, and a taller minimum made Qt lay the "pad axes" row over the z1 label
        self.view.setMinimumSize(262, 180)
        self.points = ClassScatter(size=4)
        self.probe = style.ProbeMarker()
        self.segment = pg.PlotCurveItem(pen=pg.mkPen(style.PROBE, width=3))
        self.selected = pg.ScatterPlotItem(size=14, symbol="o", pen=pg.mkPen("k", width=2), brush=None)
        for item in (self.points, self.segment, self.probe, self.selected):
            self.view.addItem(item)

        self.axis_x, self.axis_y = QComboBox(), QComboBox()
        for box, default in ((self.axis_x, 0), (self.axis_y, 1)):
            box.addItems([f"z{i + 1}" for i in range(zdim)])
            box.setCurrentIndex(min(default, zdim - 1))
            box.setToolTip("Latent coordinate shown along this axis of the pad")
            box.currentIndexChanged.connect(self._axes_changed)
        self.sliders: list[QLabeledDoubleSlider] = []
        self.slider_rows = QFormLayout()
        for i in range(zdim):
            sl = QLabeledDoubleSlider(Qt.Horizontal)
            sl.setRange(-lim, lim)
            sl.setValue(0.0)
            sl.setToolTip(f"Value of z{i + 1} on the slice the pad shows")
            sl.valueChanged.connect(self._fixed_changed)
            self.sliders.append(sl)
            self.slider_rows.addRow(f"z{i + 1}", sl)
        self.manifold = QCheckBox("Manifold mesh")
        self.manifold.setToolTip("Draw G of a latent grid as a warped mesh in the data view")
        self.cells = QSpinBox()
        self.cells.setRange(2, 60)
        self.cells.setValue(20)
        self.cells.setSuffix(" cells")
        self.cells.setToolTip("Latent grid cells per side for the manifold mesh")
        self.manifold.toggled.connect(self._manifold_changed)
        self.cells.valueChanged.connect(self._manifold_changed)
        self.info = QLabel("Click a generated sample in the data view to inspect it.")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextSelectableByMouse)

        axes_row = QHBoxLayout()
        axes_row.addWidget(QLabel("pad axes"))
        axes_row.addWidget(self.axis_x)
        axes_row.addWidget(self.axis_y)
        manifold_row = QHBoxLayout()
        manifold_row.addWidget(self.manifold)
        manifold_row.addWidget(self.cells)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, stretch=1)
        layout.addLayout(axes_row)
        layout.addLayout(self.slider_rows)
        layout.addLayout(manifold_row)
        layout.addWidget(self.info)
        self.view.setRange(xRange=(-lim, lim), yRange=(-lim, lim), padding=0.03)
        self._update_axis_labels()
        self._update_slider_state()

    # --- user actions --------------------------------------------------------------------------

    def move_probe(self, ab: np.ndarray) -> None:
        ab = np.clip(ab, -self.lim, self.lim)
        self.probe_ab = ab
        self.probe.setData([float(ab[0])], [float(ab[1])])
        self.probe_moved.emit(self.slice.assemble(ab[None, :], self.zdim)[0])

    def draw_segment(self, a: np.ndarray, b: np.ndarray) -> None:
        a, b = np.clip(a, -self.lim, self.lim), np.clip(b, -self.lim, self.lim)
        self.segment_ab = (a, b)
        self.segment.setData([a[0], b[0]], [a[1], b[1]])
        za, zb = self.slice.assemble(np.stack([a, b]), self.zdim)
        self.segment_drawn.emit(za, zb)

    def clear_marks(self) -> None:
        self.probe_ab, self.segment_ab = None, None
        self.probe.setData([], [])
        self.segment.setData(np.zeros(0), np.zeros(0))

    def _axes_changed(self) -> None:
        a, b = self.axis_x.currentIndex(), self.axis_y.currentIndex()
        if a == b:  # keep two different axes: move the other combo out of the way
            other = self.axis_y if self.sender() is self.axis_x else self.axis_x
            other.blockSignals(True)
            other.setCurrentIndex((a + 1) % self.zdim)
            other.blockSignals(False)
            a, b = self.axis_x.currentIndex(), self.axis_y.currentIndex()
        self.slice = LatentSlice((a, b), self.slice.fixed)
        self._update_axis_labels()
        self._update_slider_state()
        self._slice_moved()

    def _fixed_changed(self) -> None:
        self.slice = LatentSlice(self.slice.axes, tuple(float(s.value()) for s in self.sliders))
        self._slice_moved()

    def _slice_moved(self) -> None:
        self.slice_changed.emit(self.slice)
        if self.probe_ab is not None:
            self.move_probe(self.probe_ab)
        if self.segment_ab is not None:
            self.draw_segment(*self.segment_ab)

    def _manifold_changed(self) -> None:
        self.manifold_changed.emit(self.cells.value() if self.manifold.isChecked() else 0)

    def _update_axis_labels(self) -> None:
        a, b = self.slice.axes
        self.view.setLabel("bottom", f"z{a + 1}")
        self.view.setLabel("left", f"z{b + 1}")
        # short: a title wider than the dock widens the plot past it and the pad is cut off on the right
        if self.zdim == 2:
            title, tip = "Fixed latent batch", "The fixed latent batch, coloured by where G sends each z"
        else:
            others = ", ".join(f"z{i + 1}" for i in range(self.zdim) if i not in (a, b))
            title, tip = "Latent slice", f"A grid in (z{a + 1}, z{b + 1}), with {others} fixed by the sliders below"
        self.view.setTitle(title, size="10pt")
        self.view.setToolTip(f"{tip}.\nDrag: probe G(z) in the data view.  Shift+drag: a latent segment and its path.")

    def _update_slider_state(self) -> None:
        """Sliders fix the coordinates the pad does not show; the pad's own two are disabled."""
        for i, sl in enumerate(self.sliders):
            sl.setEnabled(i not in self.slice.axes)
        visible = self.zdim > 2
        for i in range(self.slider_rows.rowCount()):
            self.slider_rows.setRowVisible(i, visible)
        self.axis_x.setEnabled(visible)
        self.axis_y.setEnabled(visible)

    # --- drawing -------------------------------------------------------------------------------

    def show_frame(self, frame: Frame) -> None:
        self.points.set_points(frame.pad_points, frame.pad_class, frame.palette)

    def show_selection(self, info: dict | None) -> None:
        if info is None:
            self.selected.setData([], [])
            self.info.setText("Click a generated sample in the data view to inspect it.")
            return
        a, b = self.slice.axes
        z, x, g = info["z"], info["x"], info["grad"]
        self.selected.setData([float(z[a])], [float(z[b])])
        zs = ", ".join(f"{v:+.3f}" for v in z)
        self.info.setText(
            f"<b>sample {info['index']}</b><br>z = ({zs})<br>G(z) = ({x[0]:+.3f}, {x[1]:+.3f})<br>"
            f"{info['d_label']} = {info['d']:.4g}<br>∇ₓ L_G = ({g[0]:+.3g}, {g[1]:+.3g}), "
            f"‖∇‖ = {float(np.hypot(*g)):.3g}"
        )
