"""Compare mode: 2 to 4 runs on the same data, seed and initial weights, stepped in lock-step (no Qt here).

Each run is its own trainer process (ganviz.core.runs.engine) behind its own FrameBuilder, or, when the runs are
batchable (one net shape, Adam or RMSprop, equal critic steps: ganviz.core.training.batched), all are trained as
one batch in one process (ganviz.core.runs.batched_engine) that publishes each run as its own process would. They
stay paused in their children and are driven in chunks: every run is sent ("step", k), the driver waits until
every run has published exactly that step, then builds one frame per run. Every bundle of frames therefore shows the
same generator step on every run; `ChunkSizer` grows or shrinks k so a chunk of training takes ~1/20 s.
A run's next chunk starts as soon as its own frame is built, while the others' are still being built.

Same initial weights: `Trainer` seeds G and D from the seed alone, so the objective, R1 and the learning
rates do not change them. Spectral normalisation does: wrapping a layer draws its power-iteration vectors
u, v from the same random stream, so every D layer after the first starts from different weights. A
spectral-norm run therefore gets the plain run's D weights, wrapped afterwards (`initial_state`); it starts
from other D weights than `ganviz --spectral-norm` with the same seed, and runs without spectral norm are
bit for bit the runs `ganviz` / `ganviz train` make.

A run that diverges (NaN/Inf; its trainer pauses and rolls back) leaves the lock-step and stays where it
was rolled back to; the others go on.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganviz.core.analysis.frames import Frame, FrameBuilder
from ganviz.core.runs.batched_engine import BatchedProcess, RunEngine
from ganviz.core.runs.commands import Step, Stop
from ganviz.core.runs.run_model import RunModel
from ganviz.core.training.batched import NotBatchable, check_batchable
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import OBJECTIVES, get_objective
from ganviz.core.training.remedies import REMEDIES, active_remedies
from ganviz.core.training.trainer import Trainer

MIN_RUNS, MAX_RUNS = 2, 4
RUN_LETTERS = "ABCD"
# what every run shares: the data, the seed and the networks' shape (so the initial weights can be equal); not `update`:
# extragradient and consensus are a run's own remedies (ganviz.core.training.remedies)
SHARED_FIELDS = (
    "dataset",
    "seed",
    "hidden",
    "layers",
    "zdim",
    "activation",
    "prior",
    "batch",
    "device",
    "threads",
    "n_fixed",
    "custom_points",
    "custom_spread",
)
DEFAULT_OBJECTIVES = ("nonsaturating", "wgan-gp")
# the settings a run may carry beyond its objective: every remedy's field (ganviz.core.training.remedies), and the
# annealing of instance noise; `update` and `optimizer` are remedy fields too (extragradient, optimistic Adam)
REMEDY_FIELDS = tuple(dict.fromkeys([*(REMEDIES.get(n).field for n in REMEDIES), "instance_noise_anneal"]))
# named comparisons (`ganviz --compare NAME`): dataset, then per run (objective, remedy settings)
COMPARISONS: dict[str, tuple[str, tuple[tuple[str, dict], ...]]] = {
    "remedies": (
        "grid25",
        (
            ("nonsaturating", {}),
            ("nonsaturating", {"pack": 2}),
            ("nonsaturating", {"unroll": 5}),
            ("wgan-gp", {}),
        ),
    ),
}
DEFAULT_R1 = 1.0  # γ when R1 is switched on for a run whose base config has none
_SN_STREAM = 17  # the RNG stream that draws spectral norm's u, v in compare mode (any fixed number)


class CompareError(ValueError):
    """A bad set of runs (count, or a run that is not a valid config); the message says what."""


# --- run configs --------------------------------------------------------------------------------


def run_config(
    base: TrainConfig,
    objective: str,
    *,
    spectral_norm: bool = False,
    r1: float = 0.0,
    lr_g: float | None = None,
    lr_d: float | None = None,
    remedies: dict | None = None,
) -> TrainConfig:
    """A run on base's data and networks with its own objective, regularisers and learning rates; the
    optimiser, betas and critic steps are the objective's defaults (base's are for base's objective).
    `remedies`: REMEDY_FIELDS values on top (e.g. {"pack": 2}); fields not given keep base's."""
    unknown = set(remedies or {}) - set(REMEDY_FIELDS)
    if unknown:
        raise CompareError(f"not a remedy setting: {', '.join(sorted(unknown))}; allowed: {', '.join(REMEDY_FIELDS)}")
    config = base.replace(
        objective=objective,
        optimizer=None,
        lr_g=lr_g,
        lr_d=lr_d,
        beta1=None,
        beta2=None,
        n_critic=None,
        spectral_norm=spectral_norm,
        r1=r1,
    )
    try:
        return config.replace(**(remedies or {})).resolved()
    except ValueError as e:  # ConfigError: e.g. batch not divisible by pack
        raise CompareError(str(e)) from None


def remedy_settings(config: TrainConfig) -> dict:
    """The settings of the remedies the run uses (what the Runs panel keeps when its objective changes)."""
    settings = {r.field: getattr(config, r.field) for r in active_remedies(config)}
    if "instance_noise" in settings:
        settings["instance_noise_anneal"] = config.instance_noise_anneal
    return settings


def check_count(n: int) -> None:
    """CompareError unless n is an allowed number of runs."""
    if not MIN_RUNS <= n <= MAX_RUNS:
        raise CompareError(f"compare mode shows {MIN_RUNS} to {MAX_RUNS} runs (got {n})")


def default_runs(base: TrainConfig) -> list[TrainConfig]:
    """Non-saturating GAN vs WGAN-GP on base's dataset."""
    return [run_config(base, name) for name in DEFAULT_OBJECTIVES]


def named_comparison(name: str, base: TrainConfig) -> tuple[TrainConfig, list[TrainConfig]]:
    """(base on the comparison's dataset, its runs) for a name of COMPARISONS; remedies base carries are off
    in every run unless the comparison sets them. CompareError names the allowed names."""
    if name not in COMPARISONS:
        raise CompareError(f"unknown comparison {name!r}; choose from: {', '.join(COMPARISONS)}")
    dataset, runs = COMPARISONS[name]
    off = TrainConfig()
    base = base.replace(dataset=dataset, **{f: getattr(off, f) for f in REMEDY_FIELDS if f != "optimizer"})
    base = base.resolved()
    return base, [run_config(base, objective, remedies=remedies) for objective, remedies in runs]


def align(base: TrainConfig, run: TrainConfig) -> TrainConfig:
    """`run` with base's data, seed and network shape (its objective and hyper-parameters kept)."""
    return run.replace(**{f: getattr(base, f) for f in SHARED_FIELDS}).resolved()


def check_runs(base: TrainConfig, runs: Sequence[TrainConfig]) -> list[TrainConfig]:
    """The runs aligned on base; CompareError when there are not 2 to 4 or one is not a valid config."""
    check_count(len(runs))
    try:
        return [align(base, r) for r in runs]
    except ValueError as e:  # ConfigError
        raise CompareError(str(e)) from None


def run_title(config: TrainConfig) -> str:
    """Objective and regularisers, e.g. "WGAN-GP + SN + R1 γ=1"."""
    parts = [get_objective(config.objective).label]
    if config.spectral_norm:
        parts.append("SN")
    if config.r1 > 0:
        parts.append(f"R1 γ={config.r1:g}")
    parts += [r.title(getattr(config, r.field)) for r in active_remedies(config)]
    return " + ".join(parts)


def run_details(config: TrainConfig) -> str:
    """The hyper-parameters that differ between runs, in one short line."""
    c = config.resolved()
    text = f"{c.optimizer} · lr G {c.lr_g:g} / D {c.lr_d:g}"
    if c.n_critic > 1:
        text += f" · {c.n_critic} D steps per G step"
    if get_objective(c.objective).clips_weights:
        text += f" · clip {c.clip:g}"
    if get_objective(c.objective).uses_gradient_penalty:
        text += f" · λ {c.gp_lambda:g}"
    if c.update != "alt" and c.update != "extragradient":  # extragradient is in the title already
        text += f" · {c.update} updates"
    if c.pack > 1:
        text += f" · D's first layer takes {2 * c.pack} inputs: its own init from the seed, later layers shared"
    return text


def parse_objectives(text: str) -> list[str]:
    """ "nonsaturating,wgan-gp" → names; CompareError names the bad one (for a --compare flag). A name of
    COMPARISONS alone ("remedies") is returned as is: `named_comparison` makes its runs."""
    if text.strip() in COMPARISONS:
        return [text.strip()]
    names = [t.strip() for t in text.split(",") if t.strip()]
    for name in names:
        if name not in OBJECTIVES.names():
            raise CompareError(
                f"unknown objective {name!r}; choose from: {', '.join(OBJECTIVES.names())} "
                f"(or one named comparison: {', '.join(COMPARISONS)})"
            )
    check_count(len(names))
    return names


# --- equal initial weights ------------------------------------------------------------------------


def initial_state(config: TrainConfig) -> dict | None:
    """None when a fresh `Trainer(config)` already starts from the shared initial weights (no spectral norm,
    no PacGAN); else a step-0 Trainer state whose G and D carry the plain run's weights, D's layers wrapped in
    spectral norm afterwards (u, v from a stream of their own; optimisers, data and latent streams fresh).
    A PacGAN D's first layer takes 2·pack inputs, so it cannot be the plain one: it keeps its own init from the
    same seed, and its later layers are the plain D's (G is the same anyway: it is built first)."""
    config = config.resolved()
    if not config.spectral_norm and config.pack == 1:
        return None
    trainer = Trainer(config)
    plain = Trainer(config.replace(spectral_norm=False, pack=1))
    d = copy.deepcopy(plain.D).cpu()
    if config.pack > 1:  # (PackInput, Linear(2·pack, h)) of its own, then the plain D's layers after its first
        packed = Trainer(config.replace(spectral_norm=False)).D.cpu()
        d = nn.Sequential(packed[0], packed[1], *d[1:])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed * 7919 + _SN_STREAM)
        for i, layer in enumerate(d):
            if config.spectral_norm and isinstance(layer, nn.Linear):
                d[i] = spectral_norm(layer)
    trainer.D.load_state_dict(d.state_dict())  # in place: the optimiser keeps pointing at these tensors
    return trainer.state_dict()


def underlying_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """Parameters by plain name ("2.weight"), the weight under a spectral-norm wrapper for wrapped layers:
    what "the same initial weights" compares (u, v and the normalisation are not weights of their own)."""
    return {name.replace("parametrizations.weight.original", "weight"): p for name, p in model.named_parameters()}


# --- lock-step driving ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareFrames:
    """One bundle for the window: a frame per run, every run that has not diverged at `step`."""

    frames: tuple[Frame, ...]
    step: int  # the common generator step of the runs still training
    diverged: tuple[tuple[int, int, str] | None, ...]  # per run: (step detected, step restored, suggestion)
    chunk: int  # generator steps per chunk just now
    steps_per_s: float  # generator steps per second per run, over the last chunks
    ready: bool = True  # every trainer process has started (until then a step only waits for them)


class ChunkSizer:
    """Generator steps per chunk, adapted so one chunk of training takes about `target_s`: small chunks
    keep the view smooth and Pause prompt, large ones keep fast runs from idling on the frame rate. When
    building and drawing the frames costs more than `target_s`, a chunk is made as long as that instead, so
    training keeps at least half of the time on a slow machine."""

    def __init__(self, target_s: float = 0.05, k: int = 1, max_k: int = 2000) -> None:
        self.target_s, self.k, self.max_k = target_s, k, max_k

    def update(self, done: int, elapsed_s: float, overhead_s: float = 0.0) -> int:
        """`done` steps took `elapsed_s`, and the frames between chunks `overhead_s`; returns the next chunk
        size (at most ×2 or ÷2 per update)."""
        target = max(self.target_s, overhead_s)
        ideal = done * target / elapsed_s if elapsed_s > 0 else 2.0 * self.k
        self.k = int(min(self.max_k, max(1, self.k // 2, min(2 * self.k, round(ideal)))))
        return self.k


class LockStep:
    """The runs of one comparison, one RunModel (trainer process) each. Build in any thread, then drive from
    one thread only (FrameBuilder is not thread-safe); `start`, `pause` and `step` may come from another (the
    window's); `close()` ends every child.

    A chunk is `issue(n)`, then `wait()`; `advance(n)` does both. `frames(then=n)` issues the next chunk to
    each run right after building that run's frame, so runs train while the others' frames are built (the
    slowest run first): a frame is always built while its run is paused at the common step. `next_frame` is
    one round of that for the window's frame worker (FrameSource): chunks of `sizer.k` steps while the runs
    are started, only the single steps asked for while paused."""

    def __init__(
        self,
        runs: Sequence[TrainConfig],
        model: Callable[..., RunModel] = RunModel,
        sizer: ChunkSizer | None = None,
        batched: bool | None = None,
    ) -> None:
        """`batched`: None trains the runs as one batch in one process when they are batchable (else one
        process each; `not_batched` says why), True insists (CompareError when they are not), False never."""
        check_count(len(runs))
        self.configs = [r.resolved() for r in runs]
        self.models: list[RunModel] = []
        self.group: BatchedProcess | None = None
        self.not_batched: str | None = "separate processes asked for" if batched is False else None
        if batched is not False:
            try:
                check_batchable(self.configs)
            except NotBatchable as e:
                if batched:
                    raise CompareError(f"these runs cannot train as one batch: {e}") from None
                self.not_batched = str(e)
        # exact W1 and the heatmaps of every run share one budget each: four runs' own took a core from training
        sharing = len(runs)
        try:
            if self.not_batched is None:  # batchable runs need no initial_state: no spectral norm, no PacGAN
                self.group = BatchedProcess(self.configs)
                for c, engine in zip(self.configs, self.group.engines):
                    self.models.append(model(c, None, paced=True, engine=engine, sharing=sharing))
            else:
                for c in self.configs:
                    self.models.append(model(c, initial_state(c), paced=True, sharing=sharing))
        except BaseException:
            self.close()
            raise
        n = len(runs)
        self.sizer = sizer or ChunkSizer()
        self.step = 0  # the common step every active run has reached
        self.target = 0  # the step the chunk in flight ends at (== step: none in flight)
        self.steps = [0] * n  # as last published by each child
        self.chunk_s = 0.0  # how long the last chunk took, issue to the slowest run's end
        self._issued_at = [0.0] * n
        self._slowness = [0.0] * n  # each run's last chunk time: the slowest is built (and restarted) first
        self._started = [False] * n
        self._still: dict[int, Frame] = {}  # the last frame of a diverged run: it no longer changes
        self._rate: tuple[float, int] | None = None  # (time, step) at the previous rate reading
        self.steps_per_s = 0.0
        self._mutex = threading.Lock()  # start/pause/step come from the window's thread
        self._pending = 0  # single steps asked for while paused
        self._chunk = (0, False)  # the chunk in flight (steps, whether it came from running)
        self._frames_s = 0.0  # how long building the last bundle took
        self._waited_at: float | None = None  # when the last running chunk's wait ended
        self._ready = False  # every trainer process has published once (next_frame says so with a bundle)
        self._child_rate = 0.0  # batched: the child's training speed over its last chunk

    @property
    def batched(self) -> bool:
        """Whether the runs train as one batch in one process (else one process each; see `not_batched`)."""
        return self.group is not None

    @property
    def builders(self) -> list[FrameBuilder]:
        return [m.builder for m in self.models]

    @property
    def diverged(self) -> list[tuple[int, int, str] | None]:
        """Per run: (step detected, step restored, suggestion) once it diverged (its model's divergence)."""
        return [m.divergence for m in self.models]

    @property
    def active(self) -> list[int]:
        """Indices of the runs still training (not diverged)."""
        return [i for i, m in enumerate(self.models) if m.divergence is None]

    @property
    def in_flight(self) -> bool:
        return self.target != self.step

    # --- what the window asks for (any thread) ------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the runs still training go on by themselves (a diverged run's model pauses)."""
        return any(self.models[i].running for i in self.active)

    def start(self) -> None:
        with self._mutex:
            for i in self.active:
                self.models[i].start()

    def pause(self) -> None:
        with self._mutex:
            for m in self.models:
                m.pause()

    def step_once(self, n: int = 1) -> None:
        """Pause, then n more generator steps on every run."""
        with self._mutex:
            for m in self.models:
                m.pause()
            self._pending += n

    def _next_chunk(self) -> tuple[int, bool]:
        """(steps to take now, whether they come from running rather than single steps)."""
        with self._mutex:
            if not self.active:
                self._pending = 0
                return 0, False
            if self.running:
                return self.sizer.k, True
            n, self._pending = self._pending, 0
            return n, False

    # --- driving (one thread) -------------------------------------------------------------------------

    def ready(self) -> bool:
        """Whether every child has published its first state (a spawned trainer takes seconds to start)."""
        for i, b in enumerate(self.builders):
            if not self._started[i] and not self.in_flight:
                self._started[i] = b.engine.poll() is not None or b.engine.last_seq >= 0
        return all(self._started)

    def failure(self) -> str | None:
        """The first run whose trainer process failed or exited, and why (FrameSource)."""
        for letter, m in zip(RUN_LETTERS, self.models):
            if (problem := m.failure()) is not None:
                return f"run {letter}: {problem}"
        return None

    def next_frame(self, force: bool, cancelled: Callable[[], bool] = lambda: False) -> CompareFrames | None:
        """One round for the frame worker (FrameSource): the chunk asked for (if any) on every active run, then
        their bundle of frames, each run's next chunk issued as soon as its frame is built. None while there is
        nothing to do and no `force`, or when `cancelled()` while waiting."""
        if not self.in_flight:
            self._chunk = self._next_chunk()
            if not self._ready and self._chunk[0] == 0 and self.ready():
                self._ready = force = True  # tell the window the trainers are up
            if self._chunk[0] == 0 and not force:
                return None
            self.issue(self._chunk[0])
        waiting_from = time.perf_counter()
        if not self.wait(cancelled):
            return None
        done, running = self._chunk
        if running:
            # the runs must train through all the worker does between two waits: building the bundle, then
            # handing it over once the GUI has drawn the last one (four views), and the frame-rate cap. Sized by
            # the build alone, a chunk ended while the GUI drew and the runs idled (4 runs at 0.28× of one alone)
            between = self._frames_s if self._waited_at is None else waiting_from - self._waited_at
            self.sizer.update(done, self.chunk_s, between)
        self._chunk = self._next_chunk()  # starts run by run while the frames are built
        self._waited_at = time.perf_counter() if self._chunk[1] else None  # the next chunk also runs on
        started = time.perf_counter()
        bundle = self.frames(chunk=done, then=self._chunk[0])
        self._frames_s = time.perf_counter() - started
        return bundle

    def advance(self, n: int, cancelled: Callable[[], bool] = lambda: False, poll_s: float = 0.002) -> bool:
        """n generator steps on every active run and wait for them (see `wait`)."""
        self.issue(n)
        return self.wait(cancelled, poll_s)

    def issue(self, n: int, runs: Sequence[int] | None = None) -> None:
        """Start a chunk of n generator steps on every active run (or on `runs`, the rest to follow)."""
        if n <= 0:
            return
        if runs is None and self.in_flight:
            raise RuntimeError("a chunk is already in flight")
        self.target = self.step + n
        now = time.perf_counter()
        for i in self.active if runs is None else runs:
            self._issued_at[i] = now
            self.models[i].send(Step(n))  # not model.step: a paced run stays started between chunks

    def wait(self, cancelled: Callable[[], bool] = lambda: False, poll_s: float = 0.002) -> bool:
        """Until every active run has published the chunk's last step (True), or `cancelled()` (False).
        A run that diverges meanwhile leaves the lock-step (see `diverged`). RuntimeError when a trainer
        process fails."""
        waiting = set(self.active) if self.in_flight else set()
        while waiting:
            for i in list(waiting):
                if self._poll(i, self.target):
                    waiting.discard(i)
                    self._slowness[i] = time.perf_counter() - self._issued_at[i]
            if waiting:
                if cancelled():
                    return False
                time.sleep(poll_s)
        if self.in_flight:
            self.chunk_s = max((self._slowness[i] for i in self.active), default=0.0)
            if self.batched and self._child_rate > 0:  # it trained while the frames were built: its own time
                self.chunk_s = (self.target - self.step) / self._child_rate
        self.step = self.target
        return True

    def _poll(self, i: int, target: int) -> bool:
        """Read run i's latest state; True when it is done (at `target`, or diverged)."""
        engine = self.models[i].engine
        pub = engine.poll()
        if pub is not None:
            self.steps[i] = pub.step
            self._started[i] = True
            self._child_rate = pub.steps_per_s if self.batched else 0.0
        if engine.error or not engine.alive:
            raise RuntimeError(engine.error or f"run {RUN_LETTERS[i]}: the trainer process exited")
        for kind, payload in list(engine.notices):
            self.models[i].note(kind, payload)  # "diverged": the child paused and rolled back, this run stops here
        engine.notices.clear()  # saved/save_failed never come here (compare mode does not save)
        return self.models[i].divergence is not None or self.steps[i] == target

    def frames(self, chunk: int = 0, then: int = 0) -> CompareFrames:
        """One frame per run at the common step (a diverged run's last one reused); with `then` > 0, each
        active run starts its next chunk of `then` steps as soon as its frame is built (batched: every run
        starts it before the frames are built, which show what `wait` read). `chunk`: the chunk
        size just used, for the window's status line."""
        if self.in_flight:
            raise RuntimeError("frames are built between chunks only: wait() first")
        frames: list[Frame | None] = [None] * len(self.models)
        active = set(self.active)
        order = sorted(range(len(self.models)), key=lambda i: (i not in active, -self._slowness[i]))
        # batched: one child trains every run, so the next chunk starts now, while the frames are built from
        # what wait() read (the engines hold: no newer state nor history is read meanwhile)
        ahead = self.batched and then > 0 and bool(active)
        ahead = ahead and all(isinstance(self.models[i].engine, RunEngine) for i in active)  # none reset out of it
        if ahead:
            self.issue(then)
        for m in self.models if ahead else ():
            m.engine.hold = True
        try:
            for i in order:
                frames[i] = self._still.get(i) or self.builders[i].build(force=True)
                if i not in active:
                    self._still[i] = frames[i]
                elif then > 0 and not ahead:
                    self.issue(then, runs=[i])
        finally:
            for m in self.models if ahead else ():
                m.engine.hold = False
        rate = self._measure_rate()
        return CompareFrames(tuple(frames), self.step, tuple(self.diverged), chunk, rate, all(self._started))

    def _measure_rate(self) -> float:
        now = time.perf_counter()
        if self._rate is None or self.step < self._rate[1]:
            self._rate = (now, self.step)
        elif now - self._rate[0] >= 0.5:  # over half a second or more: a steady number
            self.steps_per_s = (self.step - self._rate[1]) / (now - self._rate[0])
            self._rate = (now, self.step)
        return self.steps_per_s

    def close(self) -> None:
        """End every child: all are told to stop first, so they exit in parallel."""
        for m in self.models:
            m.send(Stop())
        for m in self.models:
            m.close()
        if self.group is not None:  # every run released closes it; this covers a failed start too
            self.group.close()


def fmt_metric(value: float | None, spec: str, missing: str = "—") -> str:
    """A number for the quality line, or `missing` when undefined (NaN, None)."""
    if value is None or not math.isfinite(value):
        return missing
    return format(value, spec)
