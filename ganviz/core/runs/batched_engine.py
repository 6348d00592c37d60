"""Compare mode's runs trained as one batch in one child process (no Qt here).

Four trainer processes on two cores cannot each get more than half a core. When the runs of a comparison are
batchable (ganviz.core.training.batched.check_batchable: one network shape, Adam or RMSprop, the same critic
steps; objectives, learning rates and betas may differ) one child trains them all as a BatchedTrainer, whose
step costs about what one run's step costs.

The owner side is one `RunEngine` per run that stands in for a TrainerProcess where compare mode reads one
(FrameBuilder, RunModel, LockStep): each run has its own SharedState, laid out and written exactly as a single
child writes it, its own mirror, history chunks, divergences and notices; the results of all runs come back
through one queue, tagged with their run, and any run's `poll` drains it for all. So the frame builders, the
window and its panels see no difference.

Lock-step: the child steps the runs still training together, and only as far as every one of them has been
asked (Step(n) per run, as LockStep sends them); it publishes each run when it has reached what was asked,
and at most PUBLISH_HZ times a second while it trains. As one process cannot build frames while it trains,
LockStep asks for the next chunk before it builds the frames of the last one, with every run's `hold` set so
that the frames show the step it read (ganviz.core.runs.compare.LockStep.frames); the child reports its training
speed (STEPS_PER_S, idle time excluded) so the chunks are sized to train about as long as the frames take.

A run that diverges (NaN/Inf in its losses or weights, checked at each publish) is set back to its older checkpoint
and stopped in the batch (BatchedTrainer.stop); the others go on, and the run's owner hears ("diverged", (detected,
restored, suggestion)) as from a single child. Commands the batch cannot follow for one run (settings, freeze, slow
motion) are answered "rejected"; such a run is reset into a process of its own (RunModel.reset), which leaves the
batch. A Save is written from the published weights (the child's optimiser state is the batch's).
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
import traceback
from collections import deque

import numpy as np
import torch
import torch.multiprocessing as mp

from ganviz.core.data.datasets import dataset_code
from ganviz.core.runs.commands import Command, Pause, Save, Speed, Start, Step, Stop, describe
from ganviz.core.runs.engine import (
    D_FAKE,
    D_GRAD,
    D_LOSS,
    D_REAL,
    DATASET,
    G_GRAD,
    G_LOSS,
    HISTORY_FIELDS,
    LR_D,
    LR_G,
    N_CRITIC,
    OBJECTIVE,
    PENALTY,
    PUBLISH_HZ,
    RUNNING,
    STEP,
    STEPS_PER_S,
    SharedState,
    TrainerProcess,
    _die_with_parent,
    _ParentWatch,
    end_child,
    reader_only,
    state_size,
    state_tensors,
)
from ganviz.core.training.batched import BatchedTrainer, StackedMLP, check_batchable
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.guard import CHECKPOINT_EVERY, suggestion
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.core.training.trainer import Trainer

BATCHED_NOTE = "not available while the runs train as one batch"
_SCALARS = dict(zip(HISTORY_FIELDS[1:], (G_LOSS, D_LOSS, PENALTY, D_REAL, D_FAKE, G_GRAD, D_GRAD)))


def run_views(net: StackedMLP, r: int) -> list[torch.Tensor]:
    """Run r's weights in its nn.Sequential's state-dict order, as views of the stacked (live) tensors."""
    out = []
    for w, b in zip(net.weights, net.biases):
        out += [w.detach()[r], b.detach()[r, 0]]
    return out


# --- the child --------------------------------------------------------------------------------


class _BatchedLoop:
    def __init__(self, configs: list[TrainConfig], shared: list[SharedState], commands, results, parent_pid: int):
        self.batched = BatchedTrainer(configs)
        self.batched.record = True
        self.shared, self.commands, self.results = shared, commands, results
        self.watch = _ParentWatch(parent_pid)
        n = len(configs)
        self.views = [run_views(self.batched.G, r) + run_views(self.batched.D, r) for r in range(n)]
        self.pending = [0] * n
        self.steps = [0] * n  # each run's generator step (a stopped run keeps the one it was set back to)
        self.active = set(range(n))  # still training
        self.open = set(range(n))  # not told to stop yet
        self.history: list[torch.Tensor] = []  # per step, (len(HISTORY_FIELDS) - 1, R) on the device
        self.history_steps: list[int] = []
        self.checkpoints: list[deque] = [deque(maxlen=2) for _ in range(n)]  # (step, G state, D state)
        # training speed over the last chunk, steps per second of training (idle time excluded): LockStep
        # sizes its chunks by it, as it trains while the frames are built
        self.rate = 0.0
        self._busy = (0, 0.0)  # steps and seconds of training in the chunk so far
        for r in range(n):
            self._checkpoint(r)

    def _checkpoint(self, r: int) -> None:
        b = self.batched
        self.checkpoints[r].append((self.steps[r], b.G.state_dict(r), b.D.state_dict(r)))

    def handle(self, r: int, cmd: object) -> None:
        if isinstance(cmd, Step):
            if r in self.active:
                self.pending[r] += int(cmd.n)
        elif isinstance(cmd, Stop):
            self.open.discard(r)
            self.active.discard(r)  # its slice keeps training unseen with the others: nobody reads it
        elif not isinstance(cmd, (Start, Pause, Speed)):  # paced runs: the driver's steps say when to train
            self.results.put((r, "rejected", (describe(cmd), BATCHED_NOTE)))

    def can_step(self) -> bool:
        return bool(self.active) and all(self.pending[r] > 0 for r in self.active)

    def step(self, record_grad_norms: bool) -> None:
        b = self.batched
        b.record_grad_norms = record_grad_norms
        b.step(1)
        self.history_steps.append(b.step_count)
        self.history.append(torch.stack([b.last[k].detach().float() for k in HISTORY_FIELDS[1:]]))
        for r in self.active:
            self.pending[r] -= 1
            self.steps[r] = b.step_count

    def check(self) -> list[int]:
        """NaN/Inf guard: the runs that diverged since the last check are set back and stopped (returned)."""
        if not self.history:
            return []
        losses = torch.isfinite(self.history[-1][:5]).all(dim=0).tolist()
        diverged = []
        for r, ok in enumerate(self.batched.finite()):
            if r not in self.active:
                continue
            if ok and losses[r]:
                if self.steps[r] - self.checkpoints[r][-1][0] >= CHECKPOINT_EVERY:
                    self._checkpoint(r)
                continue
            detected = self.steps[r]
            restored, g_state, d_state = self.checkpoints[r][0]
            self.batched.stop(r, g_state, d_state)
            self.steps[r], self.pending[r] = restored, 0
            self.active.discard(r)
            diverged.append(r)
            self.results.put((r, "diverged", (detected, restored, suggestion(self.batched.runs[r]))))
        return diverged

    def publish(self, runs: list[int]) -> None:
        rows = None
        if self.history:
            values = torch.stack(self.history).to("cpu", torch.float64).numpy()  # (T, fields, R)
            steps = np.asarray(self.history_steps, dtype=np.float64)[:, None]
            rows = (steps, values)
            self.history.clear()
            self.history_steps.clear()
        last = {k: v.tolist() for k, v in self.batched.last.items()}
        for r in runs:
            c = self.batched.runs[r].config
            scalars = {STEP: self.steps[r], RUNNING: 0.0, STEPS_PER_S: self.rate}  # paced: never running
            scalars |= {i: float(last[k][r]) if k in last else math.nan for k, i in _SCALARS.items()}
            scalars |= {
                OBJECTIVE: OBJECTIVES.names().index(c.objective),
                DATASET: dataset_code(c.dataset),
                N_CRITIC: c.n_critic,
                LR_G: c.lr_g,
                LR_D: c.lr_d,
            }
            self.shared[r].write(self.views[r], scalars)
            if rows is not None and r in self.active:  # a diverged run's rows are past its restored step
                self.results.put((r, "history", np.concatenate([rows[0], rows[1][:, :, r]], axis=1)))

    def run(self) -> None:
        n = len(self.shared)
        self.publish(list(range(n)))
        last_publish = time.perf_counter()
        while self.open:
            if self.watch.gone():
                return  # nobody reads the results any more
            busy = self.can_step()
            while True:  # every waiting command before the next step
                try:
                    r, cmd = self.commands.get(block=not busy, timeout=0.05)
                except queue.Empty:
                    break
                self.handle(r, cmd)
                busy = self.can_step()
            if not busy:
                continue
            now = time.perf_counter()
            self.step(now - last_publish >= 1.0 / PUBLISH_HZ)
            steps, seconds = self._busy
            self._busy = (steps + 1, seconds + time.perf_counter() - now)
            done = not self.can_step()  # a run reached what it was asked for: LockStep waits on it
            if done:
                steps, seconds = self._busy
                self.rate, self._busy = (steps / seconds if seconds > 0 else 0.0), (0, 0.0)
            if done or time.perf_counter() - last_publish >= 1.0 / PUBLISH_HZ:
                trained = sorted(self.active)
                diverged = self.check()
                self.publish(sorted({*trained, *diverged}))
                last_publish = time.perf_counter()


def _batched_main(configs, shared, commands, results, parent_pid: int, pdeathsig: bool) -> None:
    try:
        _die_with_parent(parent_pid, pdeathsig)
        torch.set_num_threads(1)
        _BatchedLoop(configs, shared, commands, results, parent_pid).run()
        results.cancel_join_thread()
    except BaseException:
        results.put((-1, "error", traceback.format_exc()))
        raise
    os._exit(0)  # skip torch's slow teardown, as the single child does


# --- the owner side -----------------------------------------------------------------------------


class BatchedProcess:
    """One child that trains `configs` (batchable: NotBatchable says why not) as one BatchedTrainer; `engines`
    are the runs' stand-ins for TrainerProcess."""

    def __init__(self, configs: list[TrainConfig]) -> None:
        configs = [c.resolved() for c in configs]
        check_batchable(configs)
        self.engines = [RunEngine(self, r, c) for r, c in enumerate(configs)]
        ctx = mp.get_context("spawn")
        self.commands = ctx.Queue()
        self.results = ctx.Queue()
        self.error: str | None = None
        pdeathsig = threading.current_thread() is threading.main_thread()  # see TrainerProcess
        self.process = ctx.Process(
            target=_batched_main,
            args=([e.child_config for e in self.engines], [e.shared for e in self.engines], self.commands,
                  self.results, os.getpid(), pdeathsig),
            daemon=True,
            name="ganviz-batched-trainer",
        )  # fmt: skip
        self.process.start()
        reader_only(self.results)
        self._released: set[int] = set()
        self._lock = threading.Lock()  # polls come from the frame worker, a close may come from the window

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def send(self, r: int, cmd: Command) -> None:
        if self.process.is_alive():
            self.commands.put((r, cmd))

    def drain(self) -> None:
        """Hand every waiting result to its run."""
        with self._lock:
            while True:
                try:
                    r, kind, payload = self.results.get_nowait()
                except (queue.Empty, EOFError, OSError, ValueError):  # ValueError: closed (the last run released)
                    return
                if kind == "error":
                    self.error = payload
                else:
                    self.engines[r].receive(kind, payload)

    def release(self, r: int, timeout: float = 1.0) -> None:
        """Run r is no longer read: the child stops it; once every run is released, the child ends."""
        self.send(r, Stop())
        self._released.add(r)
        if len(self._released) == len(self.engines):
            self.close(timeout)

    def close(self, timeout: float = 1.0) -> None:
        if self.process.is_alive():
            for r in range(len(self.engines)):
                self.send(r, Stop())
        end_child(self.process, (self.commands, self.results), timeout, self.drain)


class RunEngine(TrainerProcess):
    """Run r of a BatchedProcess, read as a TrainerProcess is (shared state, mirror, history, divergences,
    notices). Not started on its own: TrainerProcess's __init__ is not called."""

    def __init__(self, group: BatchedProcess, r: int, config: TrainConfig) -> None:
        self.group, self.run = group, r
        self.config = config.resolved()
        self.mirror = Trainer(self.config)
        self.mirror.D.eval()
        self.tensors = state_tensors(self.mirror)
        self.shared = SharedState(state_size(self.mirror))
        self.child_config = self.config.replace(device=str(self.mirror.device)).resolved()
        self.last_seq = -1
        self._history_chunks: list[np.ndarray] = []
        self._divergences: list[tuple[int, int, str]] = []
        self.notices: deque[tuple[str, tuple]] = deque()
        self.received = 0  # messages handed to this run so far (as TrainerProcess.received)
        self._pending_saves: dict[str, dict | None] = {}
        self.settings_sent = self.settings_echoed = 0
        self._closed = False
        self.hold = False  # True: poll reads nothing new (see LockStep.frames)

    @property
    def process(self):  # RunModel.failure reads its exit code
        return self.group.process

    @property
    def error(self) -> str | None:  # the child's failure is every run's
        return self.group.error

    @property
    def alive(self) -> bool:
        return not self._closed and self.group.alive

    def send(self, cmd: Command) -> None:
        if isinstance(cmd, Save):  # the optimiser state is the batch's: write what was published
            self.save(cmd.path, cmd.history)
        elif not self._closed:
            self.group.send(self.run, cmd)

    def save(self, path: str, history: dict | None = None) -> None:
        self.notices.append(self.save_published(path, history))

    # receive: TrainerProcess's (the group keeps "error" for itself, and a batched child sends neither
    # "config" echoes nor save answers: the window saves a batched run from what it published)

    def poll(self):
        if self.hold:  # LockStep builds this run's frame from what it read, while the batch trains on
            return None
        self.group.drain()
        pub = self.shared.read(self.tensors, self.last_seq)
        if pub is not None:
            self.last_seq = pub.seq
            self.mirror.step_count = pub.step
        return pub

    def close(self, timeout: float = 1.0) -> None:
        if not self._closed:
            self._closed = True
            self.group.release(self.run, timeout)
