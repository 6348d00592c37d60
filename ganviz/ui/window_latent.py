"""The main window's inspection of the generator: timeline (scrubbing, trails), latent pad, probe, segment,
selected sample."""

from __future__ import annotations

import numpy as np
import torch

from ganviz.core.analysis.frames import Frame
from ganviz.core.analysis.latent import generate, latent_range, segment
from ganviz.core.training.config import TrainConfig
from ganviz.ui.panels.latent_panel import LatentPanel

TRAIL_STRIDE = 25  # trails follow every 25th of the 2,500 fixed-batch samples


class LatentMixin:
    """Timeline and latent-space inspection, mixed into MainWindow (methods use the window's state)."""

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

    # the run view (ganviz.ui.run_view) owns the selection: clicks, marks and the index; these read it through
    @property
    def _selected(self) -> int | None:
        return self.run_view.selected

    @_selected.setter
    def _selected(self, index: int | None) -> None:
        self.run_view.selected = index

    def _on_slice(self, latent_slice) -> None:
        if self.builder is not None:
            self.builder.latent = latent_slice
            self.worker.request_frame()

    def _on_manifold(self, cells: int) -> None:
        self.builder.manifold_cells = cells
        self.data_panel.manifold.setVisible(cells > 0)
        self.worker.request_frame()

    def select_sample(self, index: int | None) -> None:
        """Highlight fixed-batch sample `index` in both views and show its z, G(z), D and ∇ₓ L_G (from the next
        frame, which the worker builds at once)."""
        self.run_view.select(index)  # a click in the data view comes the same way: to _selection_changed

    def _selection_changed(self, index: int | None) -> None:
        if index is None:
            if self.latent_panel is not None:
                self.latent_panel.show_selection(None)
        if self.builder is not None:
            self.builder.inspect_index = index  # read by the worker's next frame
            if self.worker is not None:
                self.worker.request_frame()

    def selection_info(self) -> dict | None:
        """The selected sample as the frame on screen shows it (None before that frame has arrived)."""
        return self.run_view.selection_info(self.scrubbed or self.frame)
