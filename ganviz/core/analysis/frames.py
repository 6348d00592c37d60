"""Immutable frames for the window, rebuilt from the trainer's published state (no Qt here).

The window's worker thread calls `FrameBuilder.build()` at most ~30 times a second; each frame holds
read-only numpy arrays only, so the GUI thread can draw it while the next one is being built.
"""

from __future__ import annotations

import importlib
import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import torch

from ganviz.core.analysis.events import Event, EventScanner, diverged_event
from ganviz.core.analysis.latent import (
    Inspection,
    LatentSlice,
    colour_classes,
    generate,
    inspect,
    latent_range,
    manifold_lines,
    pad_grid,
)
from ganviz.core.analysis.metrics import W1_SAMPLES, mode_stats, w1_floor, wasserstein1
from ganviz.core.analysis.surface import colour_levels, contour_segments, critic_midpoint, evaluate_surface, grid_points
from ganviz.core.analysis.theory import (
    argmax_on_grid,
    d_star_scale,
    generator_gradients,
    gradient_norm_surface,
    optimal_d_surface,
    singular_values,
    weight_histogram,
)
from ganviz.core.data.datasets import DATASETS
from ganviz.core.runs.commands import Command, SetCustomPoints, SetDataset, SetObjective, Setting, Together
from ganviz.core.runs.engine import HISTORY_FIELDS, TrainerProcess
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import OBJECTIVES

SURFACE_DISPLAY = 100  # the heatmap shown is always 100×100 ...
SURFACE_SHARE = 0.35  # ... and re-evaluated only as often as keeps it under ~35 % of the frame worker's time
QUALITY_PERIOD_S = 1.0  # quality curves (mode metrics, exact W1) once a second, or less often (W1_CORE_SHARE)
# Exact W1 may take at most this share of one core, all of a window's runs together: an assignment costs
# 20-90 ms of CPU, and four compare runs each measuring once a second took a whole core from training
W1_CORE_SHARE = 0.15
N_REAL_SHOWN = 2500
HISTORY_COLUMNS = HISTORY_FIELDS + ("critic_estimate",)
QUALITY_COLUMNS = ("step", "modes", "modes_robust", "hq", "rkl", "w1")
ARROW_SAMPLES = 250  # generator-gradient arrows (and their mean length) at every 10th fake
SURFACE_LABELS = {
    "prob": ("D(x) = P(real)", "D = ½"),
    "raw01": ("LSGAN D(x)", "D = ½"),  # short: small views cut longer colour-bar labels
    # the level midway between the critic's means on real and on fake samples (critic_midpoint; Help says so):
    # short, as the legend under a view 1024 px wide windows give it has no room for the sentence
    "critic": ("critic D(x)", "critic midway"),
}
GRADNORM_LABELS = ("‖∇ₓD(x)‖", "‖∇ₓD‖ = 1")  # also tells the data view to use a sequential colour map


def dstar_labels(formula: str, level: float) -> tuple[str, str]:
    """The colour bar's and the level line's text for an objective's estimated D*, e.g. "D* = sign(p − q)"."""
    return f"{formula} (estimated)", f"D* = {'½' if level == 0.5 else f'{level:g}'}"


def surface_resolution(hidden: int, layers: int) -> int:
    """... evaluated at full resolution up to 64-wide nets, on a coarser grid (interpolated) beyond."""
    cost = (hidden / 64) ** 2 * max(layers - 1, 1) / 2
    return int(max(40, min(SURFACE_DISPLAY, SURFACE_DISPLAY / max(cost, 1.0) ** 0.25)))


def upsample(values: np.ndarray, n: int) -> np.ndarray:
    """Bilinear resize of a square grid of cell-centre values to n×n."""
    m = values.shape[0]
    if m == n:
        return values
    pos = (np.arange(n) + 0.5) * m / n - 0.5
    i0 = np.clip(np.floor(pos).astype(int), 0, m - 1)
    i1 = np.clip(i0 + 1, 0, m - 1)
    w = np.clip(pos - i0, 0.0, 1.0).astype(np.float32)
    rows = values[i0] * (1 - w)[:, None] + values[i1] * w[:, None]
    return (rows[:, i0] * (1 - w)[None, :] + rows[:, i1] * w[None, :]).astype(np.float32)


class GrowBuffer:
    """Append-only table; `view()` is read-only and stays valid (a realloc leaves old views intact)."""

    def __init__(self, columns: int, capacity: int = 4096) -> None:
        self._data = np.zeros((capacity, columns), dtype=np.float64)
        self.n = 0

    def append(self, rows: np.ndarray) -> None:
        need = self.n + len(rows)
        if need > len(self._data):
            bigger = np.zeros((max(need, 2 * len(self._data)), self._data.shape[1]), dtype=np.float64)
            bigger[: self.n] = self._data[: self.n]
            self._data = bigger
        self._data[self.n : need] = rows
        self.n = need

    def truncate(self, n: int) -> None:
        """Keep the first n rows; into a new array, so views handed out before stay as they were."""
        if n < self.n:
            self._data = self._data.copy()
            self.n = max(n, 0)

    def view(self) -> np.ndarray:
        v = self._data[: self.n]
        v.setflags(write=False)
        return v


@dataclass(frozen=True)
class Frame:
    step: int
    running: bool
    steps_per_s: float
    objective: str
    family: str  # "gan" | "wgan"
    dataset: str
    extent: tuple[float, float, float, float]
    real: np.ndarray  # (N, 2)
    fakes: np.ndarray  # (2500, 2) = G(z_fixed) at `step`
    surface: np.ndarray  # (120, 120), row = y; σ(D) for 'prob', D otherwise
    surface_kind: str  # "prob" | "raw01" | "critic"
    surface_step: int  # the step whose D the surface shows (costly surfaces are refreshed less often)
    surface_labels: tuple[str, str]  # what the heatmap shows, what its level line is
    surface_max: tuple[float, float]  # where the heatmap is largest (argmax D: G's target when D is frozen)
    arrows: tuple[np.ndarray, np.ndarray] | None  # fakes and ∇ₓ L_G at them, when arrows are on
    theory: np.ndarray  # (rows, 2): step, mean ‖∇ₓ L_G‖ over ARROW_SAMPLES fakes
    critic: tuple | None  # ((counts, edges) of D's weights, largest singular value per layer), when asked
    surface_levels: tuple[float, float]
    boundary: tuple[np.ndarray, np.ndarray]  # D = ½ (or critic = 0) contour, NaN-separated x, y
    history: np.ndarray  # (steps, len(HISTORY_COLUMNS)), every generator step so far
    quality: np.ndarray  # (rows, len(QUALITY_COLUMNS))
    mode_counts: np.ndarray | None  # HQ samples per mode, mixture datasets
    modes: dict | None  # this frame's modes, modes_robust, hq, rkl (mixture datasets)
    fake_class: np.ndarray  # (2500,) colour class of each fake: its mode (grey = none) or its map cell
    palette: np.ndarray  # (P, 4) uint8 RGBA colours the classes index
    pad_points: np.ndarray  # (m, 2) points drawn in the latent pad (the fixed batch, or a grid of the slice)
    pad_class: np.ndarray  # (m,) colour class of G at each pad point
    latent: LatentSlice  # the slice the pad shows
    latent_lim: float  # the pad is [−lim, lim]²
    manifold: tuple[np.ndarray, np.ndarray] | None  # G of the latent grid as polylines, when enabled
    centres: np.ndarray | None
    device: str
    build_ms: float
    created: float = field(default_factory=time.perf_counter)
    events: tuple = ()  # (step, kind, text) so far, for loss-plot markers (ganviz.core.analysis.events)
    w1_floor: float | None = None  # exact W1 between two real samples of W1_SAMPLES: a perfect G's score
    inspection: Inspection | None = None  # the selected sample, computed with this frame's weights
    # G's parameters at this frame, for the GUI's own copy of G (probe, segment); not kept in stored snapshots
    g_weights: tuple[np.ndarray, ...] | None = None
    # the generator step where the current objective and dataset began: the history before it belongs to other
    # settings (losses of another objective, modes of another dataset), so the panels draw only what follows
    segment_start: int = 0
    # the fixed latent batch (2500, zdim) that `fakes` are G of: one read-only array shared by every frame
    z_fixed: np.ndarray | None = None

    def column(self, name: str) -> np.ndarray:
        return self.history[:, HISTORY_COLUMNS.index(name)]

    def quality_column(self, name: str) -> np.ndarray:
        return self.quality[:, QUALITY_COLUMNS.index(name)]

    def segment_column(self, name: str) -> np.ndarray:
        """`column(name)` from `segment_start` on: what the current objective and dataset produced."""
        steps = self.history[:, 0]
        return self.column(name)[steps >= self.segment_start]

    def segment_quality_column(self, name: str) -> np.ndarray:
        steps = self.quality[:, 0]
        return self.quality_column(name)[steps >= self.segment_start]


def _timed_w1(real: np.ndarray, fakes: np.ndarray) -> tuple[float, float]:
    """Exact W1 and the CPU seconds it took on its thread (not wall time: a busy machine would inflate it)."""
    started = time.thread_time()
    return wasserstein1(real, fakes, W1_SAMPLES), time.thread_time() - started


class FrameBuilder:
    """Owns the child trainer; turns its published state into frames. Use from one thread only."""

    def __init__(
        self,
        config: TrainConfig,
        state: dict | None = None,
        history: dict | None = None,
        engine: TrainerProcess | None = None,
    ) -> None:
        """`state` and `history` resume a saved session (history: "loss" and "quality" tables). `engine`: a
        trainer already started for this run (compare mode's batched runs), instead of a process of its own."""
        self.engine = engine if engine is not None else TrainerProcess(config, state)
        self.mirror = self.engine.mirror
        self.history = GrowBuffer(len(HISTORY_COLUMNS))
        self.quality = GrowBuffer(len(QUALITY_COLUMNS))
        self.event_scanner = EventScanner(HISTORY_COLUMNS, QUALITY_COLUMNS)
        self.events: list[Event] = []
        self.segment_start = 0  # see Frame.segment_start
        self.event_notices = False  # True: new events also go to engine.notices as ("event", (step, kind, text))
        self._received = 0  # engine.received at the last build
        for buffer, key in ((self.history, "loss"), (self.quality, "quality")):
            table = (history or {}).get(key)
            if table is not None and table.ndim == 2 and table.shape[1] == buffer.view().shape[1]:
                buffer.append(table)
        self._last_quality = -math.inf
        self._last_quality_step = 0  # nothing to measure before the first step; keeps the first frame fast
        self._real_for: str | None = None
        self._w1_floor: float | None = None  # set with the real points, once per dataset
        self._real = np.empty((0, 2), np.float32)
        self.running = False
        self.steps_per_s = 0.0
        self._resolution = surface_resolution(self.mirror.config.hidden, self.mirror.config.layers)
        # latent views, set from the GUI thread (whole-object assignments, read once per frame)
        self.latent = LatentSlice((0, 1), tuple([0.0] * self.mirror.config.zdim))
        self.manifold_cells = 0  # 0 = manifold layer off
        # the selected sample (set from the GUI thread, read here): inspected with each frame's weights
        self.inspect_index: int | None = None
        self.surface_mode = "d"  # "d" learned D | "dstar" estimated optimal D | "gradnorm" ‖∇ₓD‖
        self.arrows_on = False
        self.critic_stats_on = False
        self.theory = GrowBuffer(2)
        self._theory_step = -1
        self._z_fixed_np = self.mirror.z_fixed.cpu().numpy()
        self._z_fixed_np.setflags(write=False)
        self._pad_grid = pad_grid(50, 1.0)
        self._pad_points: tuple[float, np.ndarray] | None = None
        self._surface_key: tuple | None = None
        self._surface_at = -math.inf
        self._surface_cost = 0.0
        self._surface_cache: tuple = ()
        self._levels: tuple | None = None  # (dataset, kind, mode, objective) and the colour range last shown for them
        # exact W1 (an optimal assignment: 20-90 ms, GIL released) runs beside the frame worker: inside a build
        # it held back one frame a second by that much. Its quality row joins the first frame built after it.
        self._metrics = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ganviz-metrics")
        self._quality_job: tuple[list[float], Future] | None = None
        self.w1_share = W1_CORE_SHARE  # this run's share of a core for exact W1 (compare mode divides it)
        self.surface_share = SURFACE_SHARE  # and of the frame worker's time for its heatmap (divided likewise)
        self.quality_period_s = QUALITY_PERIOD_S  # grows when one W1 costs more than the share allows
        # scipy's optimiser takes a second to import; do it now, off this thread, so no frame waits for it
        self._metrics.submit(importlib.import_module, "scipy.optimize")

    @property
    def config(self) -> TrainConfig:
        return self.mirror.config

    def send(self, cmd: Command) -> None:
        """Forward a command to the child; a setting is also applied to the mirror (surface kind, dataset, the
        config frames are drawn under), with the same code the child runs (Setting.apply)."""
        if isinstance(cmd, Setting):
            for part in cmd.parts if isinstance(cmd, Together) else (cmd,):
                self._mirror(part)
        self.engine.send(cmd)

    def _mirror(self, cmd: Setting) -> None:
        if isinstance(cmd, (SetObjective, SetDataset, SetCustomPoints)):
            self._start_segment(cmd)
        cmd.apply(self.mirror)
        if isinstance(cmd, (SetDataset, SetCustomPoints)):
            self._real_for, self._surface_key = None, None  # drawn points: same name, new data

    def _start_segment(self, cmd: Setting) -> None:
        """A new objective or dataset: a new, marked segment of the history."""
        step = self.mirror.step_count
        if isinstance(cmd, SetObjective):
            what = f"objective → {OBJECTIVES.get(cmd.name).label}"
        elif isinstance(cmd, SetDataset):
            what = f"dataset → {DATASETS.get(cmd.name).label}"
        else:
            what = "dataset → drawn points"
        self.segment_start = step
        self.events.append((step, "switch", what))

    def _real_points(self) -> np.ndarray:
        ds = self.mirror.dataset
        if self._real_for != ds.name:
            gen = torch.Generator().manual_seed(12345)
            pts = ds.sample(N_REAL_SHOWN, gen, np.random.default_rng(12345)).numpy().astype(np.float32)
            pts.setflags(write=False)
            self._real, self._real_for = pts, ds.name
            self._w1_floor = w1_floor(ds, W1_SAMPLES)
        return self._real

    def build(self, force: bool = False) -> Frame | None:
        """A new frame when the trainer published something new (or `force`), else None."""
        t0 = time.perf_counter()
        pub = self.engine.poll()
        # the child's queue messages (history rows, a roll-back, the answer to a save, a config echo) can arrive
        # after the publish they followed, and a paused child publishes nothing more: they are news by themselves
        news, self._received = self.engine.received != self._received, self.engine.received
        self._roll_back(self.engine.take_divergences())
        rows = self.engine.take_history()
        if rows is not None:
            est = rows[:, HISTORY_FIELDS.index("d_real")] - rows[:, HISTORY_FIELDS.index("d_fake")]
            self.history.append(np.column_stack([rows, est]))
        measured = self._take_quality()
        if pub is not None:
            self.running, self.steps_per_s = pub.running, pub.steps_per_s
        elif not (force or measured or news):
            return None
        m = self.mirror
        fakes = m.fakes()
        ds, obj = m.dataset, m.objective
        stats = mode_stats(fakes, ds.centres, ds.sigma) if ds.is_mixture else None
        due = t0 - self._last_quality >= self.quality_period_s and m.step_count != self._last_quality_step
        if due and self._quality_job is None:
            self._last_quality, self._last_quality_step = t0, m.step_count
            s = stats.as_dict() if stats else {"modes": np.nan, "modes_robust": np.nan, "hq": np.nan, "rkl": np.nan}
            row = [m.step_count, s["modes"], s["modes_robust"], s["hq"], s["rkl"]]
            self._quality_job = (row, self._metrics.submit(_timed_w1, self._real_points(), fakes))
        self.scan_events()
        surface, levels, boundary, surface_step, surface_labels, surface_max = self._surface(force, fakes)
        arrows = None
        pts = fakes[:: 2500 // ARROW_SAMPLES] if len(fakes) >= ARROW_SAMPLES else fakes
        grads = generator_gradients(m.D, obj, pts, m.device)
        if m.step_count != self._theory_step:
            self._theory_step = m.step_count
            norms = np.hypot(grads[:, 0], grads[:, 1])
            self.theory.append(np.array([[m.step_count, float(np.mean(norms))]]))
        if self.arrows_on:
            arrows = (pts, grads)
        critic = None
        if self.critic_stats_on:
            critic = (weight_histogram(m.D), singular_values(m.D))
        fake_class, palette = colour_classes(fakes, ds)
        latent, zdim, lim = self.latent, m.config.zdim, latent_range(m.config.prior)
        if zdim == 2 and latent.axes == (0, 1):  # the pad is the whole latent space: show the fixed batch itself
            pad_points, pad_class = self._z_fixed_np, fake_class
        else:  # a grid in the chosen slice, coloured by where G sends it
            pad_points = self._scaled_pad_grid(lim)
            pad_class, _ = colour_classes(generate(m.G, latent.assemble(pad_points, zdim), m.device), ds)
        manifold = None
        if self.manifold_cells > 0:
            manifold = manifold_lines(m.G, latent, zdim, lim, self.manifold_cells, m.device)
        return Frame(
            step=m.step_count,
            running=self.running,
            steps_per_s=self.steps_per_s,
            objective=obj.name,
            family=obj.family,
            dataset=ds.name,
            extent=ds.extent,
            real=self._real_points(),
            fakes=fakes,
            surface=surface,
            surface_kind=obj.surface,
            surface_step=surface_step,
            surface_labels=surface_labels,
            surface_max=surface_max,
            arrows=arrows,
            theory=self.theory.view(),
            critic=critic,
            surface_levels=levels,
            boundary=boundary,
            history=self.history.view(),
            events=tuple(self.events),
            w1_floor=self._w1_floor,
            segment_start=self.segment_start,
            inspection=inspect(m, fakes, self.inspect_index),
            g_weights=tuple(t.detach().to("cpu", copy=True).numpy() for t in m.G.state_dict().values()),
            quality=self.quality.view(),
            mode_counts=stats.counts if stats else None,
            modes=stats.as_dict() if stats else None,
            fake_class=fake_class,
            palette=palette,
            pad_points=pad_points,
            pad_class=pad_class,
            z_fixed=self._z_fixed_np,
            latent=latent,
            latent_lim=lim,
            manifold=manifold,
            centres=ds.centres,
            device=str(m.device),
            build_ms=(time.perf_counter() - t0) * 1e3,
        )

    def _take_quality(self) -> bool:
        """Append the quality row whose exact W1 has been computed meanwhile; True if there was one."""
        if self._quality_job is None or not self._quality_job[1].done():
            return False
        row, job = self._quality_job
        self._quality_job = None
        w1, cpu_s = job.result()
        self.quality_period_s = max(QUALITY_PERIOD_S, cpu_s / self.w1_share)
        self.quality.append(np.array([[*row, w1]], dtype=np.float64))
        return True

    def _scaled_pad_grid(self, lim: float) -> np.ndarray:
        """The pad's grid scaled to the prior's range; one array while the range stays (frames share it)."""
        if self._pad_points is None or self._pad_points[0] != lim:
            points = (self._pad_grid * lim).astype(np.float32)
            points.setflags(write=False)
            self._pad_points = (lim, points)
        return self._pad_points[1]

    def _surface(self, force: bool, fakes: np.ndarray):
        """The heatmap (learned D, estimated D*, or ‖∇ₓD‖), its colour levels, its level-set line and labels;
        reused between frames when it is costly to rebuild."""
        m = self.mirror
        ds, kind, mode = m.dataset, m.objective.surface, self.surface_mode
        # the objective too: hinge and WGAN share the "critic" kind, but only hinge has a D*
        key = (ds.name, kind, mode, m.objective.name, m.step_count)
        now = time.perf_counter()
        fresh = force or self._surface_key is None or self._surface_key[:4] != key[:4]
        due = now - self._surface_at >= self._surface_cost / self.surface_share or not self.running
        if not (fresh or (due and key != self._surface_key)):
            return self._surface_cache
        d_star = m.objective.d_star
        if mode == "dstar" and d_star is not None:
            surface = optimal_d_surface(fakes, self._real_points(), ds, SURFACE_DISPLAY, d_star.fn)
            d_levels, level = d_star_scale(d_star)
            labels = dstar_labels(d_star.formula, level)
        elif mode == "gradnorm":
            raw = gradient_norm_surface(m.D, ds.extent, self._resolution, m.device)
            surface = upsample(raw, SURFACE_DISPLAY)
            level, labels = 1.0, GRADNORM_LABELS
        else:
            raw = evaluate_surface(m.D, ds.extent, self._resolution, kind, m.device)
            surface = upsample(raw, SURFACE_DISPLAY)
            level = 0.5 if kind in ("prob", "raw01") else critic_midpoint(m.D, self._real_points(), fakes, m.device)
            labels = SURFACE_LABELS[kind]
            if mode == "dstar":  # no pointwise optimum (the WGAN family): the learned critic, and a note why
                labels = (f"{labels[0]} (no D* for {m.objective.label})", labels[1])
        surface.setflags(write=False)
        xs, ys, _ = grid_points(ds.extent, SURFACE_DISPLAY)
        boundary = contour_segments(surface, level, xs, ys)
        if mode == "dstar" and d_star is not None:
            levels = d_levels  # the objective's D* range: (0, 1), or hinge's (−1, 1) with its white at 0
        elif kind == "prob" and mode in ("d", "dstar"):
            levels = (0.0, 1.0)
        else:  # a robust range, centred on the level line (the diverging map's white) or, for ‖∇ₓD‖, from 0
            last = self._levels[1] if self._levels is not None and self._levels[0] == key[:4] else None
            levels = colour_levels(surface, None if mode == "gradnorm" else level, last)
            self._levels = (key[:4], levels)
        self._surface_cost = time.perf_counter() - now
        self._surface_at, self._surface_key = now, key
        self._surface_cache = (surface, levels, boundary, m.step_count, labels, argmax_on_grid(surface, ds.extent))
        return self._surface_cache

    def scan_events(self) -> list[Event]:
        """Events in the history and quality rows added since the last scan (also kept in self.events)."""
        new = self.event_scanner.scan(
            self.history.view(), self.quality.view(), sigmoid_d=self.mirror.objective.surface == "prob"
        )
        self.events.extend(new)
        if self.event_notices:
            self.engine.notices.extend(("event", e) for e in new)
        return new

    def _roll_back(self, divergences: list[tuple[int, int, str]]) -> None:
        """The trainer diverged and went back to an earlier step: drop the rows (and events) past it."""
        for detected, restored, suggestion in divergences:
            for table in (self.history, self.quality, self.theory):
                table.truncate(int(np.searchsorted(table.view()[:, 0], restored, side="right")))
            self.event_scanner.rewind(self.history.n, self.quality.n)
            self.events = [e for e in self.events if e[0] <= restored or e[1] == "diverged"]
            self.events.append(diverged_event(detected, restored, suggestion))
            if self.event_notices:
                self.engine.notices.append(("event", self.events[-1]))
            self._last_quality_step = min(self._last_quality_step, restored)
            if self._quality_job is not None and self._quality_job[0][0] > restored:
                self._quality_job = None  # measured on a step that no longer exists
            self._theory_step = min(self._theory_step, restored)

    def save(self, path: str) -> None:
        """Ask the trainer process to write a session (with this window's history); see engine.notices."""
        self.engine.save(path, {"loss": self.history.view().copy(), "quality": self.quality.view().copy()})

    def close(self) -> None:
        self._metrics.shutdown(wait=False, cancel_futures=True)
        self.engine.close()
