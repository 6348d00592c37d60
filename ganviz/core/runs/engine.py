"""Training in a child process that publishes its state into shared memory.

Why a process: a training thread in the GUI process shares the GIL with drawing and fell to 0.34× of its
headless speed; a child that only trains and publishes weights (latest wins, never blocking) kept 0.9×.

Protocol
- commands go to the child through a multiprocessing queue (never lost, unlike a one-slot "send");
- the child writes G's and D's state into one shared float32 vector and a few scalars into a shared
  float64 vector under a sequence lock: the counter is odd while writing, so a reader that sees the same
  even counter before and after its copy has a consistent state;
- NaN/Inf in the losses or weights (checked at each publish, ganviz.core.training.guard): the child pauses, rolls
  back to an in-memory checkpoint and sends ("diverged", (step detected, step restored, suggestion));
- per-step loss history goes back through a queue in small chunks (a queue has a feeder thread, so `put`
  never blocks the trainer, unlike a Pipe with messages over ~64 KB);
- commands are the dataclasses of ganviz.core.runs.commands; after settings commands the child sends
  ("config", (TrainConfig, n)), n = settings commands applied so far, so the window always knows the config
  the published weights train under (a session can be written from them if the child dies);
- an unknown command is answered ("rejected", (name, why)) and ignored: the run goes on; an exception in
  the child (a bad argument included) is sent as ("error", traceback) and ends the child;
- the child never outlives the window: on Linux the kernel kills it when the thread that started it ends
  (PR_SET_PDEATHSIG), and everywhere it checks a few times a second that its parent still exists, so a
  window killed with -9 leaves no trainer spinning at full CPU and holding its semaphores.
"""

from __future__ import annotations

import copy
import ctypes
import math
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass

import numpy as np
import torch
import torch.multiprocessing as mp

from ganviz.core.analysis.explain import explain_step
from ganviz.core.data.datasets import dataset_code, dataset_from_code
from ganviz.core.files.session import save_session
from ganviz.core.runs.commands import Command, Explain, Pause, Save, Setting, Speed, Start, Step, Stop, describe
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.guard import DivergenceGuard
from ganviz.core.training.objectives import OBJECTIVES
from ganviz.core.training.trainer import Trainer

# layout of the shared scalar vector
(
    SEQ,
    STEP,
    RUNNING,
    STEPS_PER_S,
    G_LOSS,
    D_LOSS,
    PENALTY,
    D_REAL,
    D_FAKE,
    G_GRAD,
    D_GRAD,
    OBJECTIVE,
    DATASET,
    N_CRITIC,
    LR_G,
    LR_D,
) = range(16)
N_META = 16
HISTORY_FIELDS = ("step", "g_loss", "d_loss", "penalty", "d_real", "d_fake", "g_grad_norm", "d_grad_norm")
PUBLISH_HZ = 60.0
PARENT_CHECK_S = 0.2  # how often the child checks that the window process still exists
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def state_tensors(trainer: Trainer) -> list[torch.Tensor]:
    """G's and D's parameters and buffers, in a fixed order; views that write into the live modules."""
    return list(trainer.G.state_dict().values()) + list(trainer.D.state_dict().values())


def state_size(trainer: Trainer) -> int:
    return sum(t.numel() for t in state_tensors(trainer))


@dataclass(frozen=True)
class Published:
    """One consistent read of the child's state."""

    seq: int
    step: int
    running: bool
    steps_per_s: float
    g_loss: float
    d_loss: float
    penalty: float
    d_real: float
    d_fake: float
    objective: str  # what the child trains with right now
    dataset: str
    n_critic: int
    lr_g: float
    lr_d: float


class SharedState:
    """The shared vectors plus the seqlock read/write (process-safe without a lock; never blocks)."""

    def __init__(self, n_weights: int) -> None:
        self.weights = torch.zeros(n_weights, dtype=torch.float32).share_memory_()
        self.meta = torch.zeros(N_META, dtype=torch.float64).share_memory_()

    def write(self, tensors: list[torch.Tensor], scalars: dict[int, float]) -> None:
        self.meta[SEQ] += 1  # odd: writing
        torch.cat([t.detach().reshape(-1).to("cpu", torch.float32) for t in tensors], out=self.weights)
        for k, v in scalars.items():
            self.meta[k] = v
        self.meta[SEQ] += 1  # even: consistent

    def read(self, into: list[torch.Tensor], last_seq: int = -1, tries: int = 50) -> Published | None:
        """Copy the weights into `into` if they changed since `last_seq`; None when unchanged or torn."""
        for _ in range(tries):
            seq = int(self.meta[SEQ])
            if seq == last_seq or seq == 0:  # 0: nothing published yet
                return None
            if seq % 2:
                time.sleep(0.0002)
                continue
            flat = self.weights.clone()
            meta = self.meta.clone()
            if int(self.meta[SEQ]) != seq or int(meta[SEQ]) != seq:
                continue
            offset = 0
            with torch.no_grad():
                for t in into:
                    n = t.numel()
                    t.copy_(flat[offset : offset + n].view_as(t))
                    offset += n
            m = meta.tolist()
            return Published(
                seq=seq,
                step=int(m[STEP]),
                running=bool(m[RUNNING]),
                steps_per_s=m[STEPS_PER_S],
                g_loss=m[G_LOSS],
                d_loss=m[D_LOSS],
                penalty=m[PENALTY],
                d_real=m[D_REAL],
                d_fake=m[D_FAKE],
                objective=OBJECTIVES.names()[int(m[OBJECTIVE])],
                dataset=dataset_from_code(int(m[DATASET])),
                n_critic=int(m[N_CRITIC]),
                lr_g=m[LR_G],
                lr_d=m[LR_D],
            )
        return None


# --- the child --------------------------------------------------------------------------------


def _die_with_parent(parent_pid: int, pdeathsig: bool) -> None:
    """Ask Linux to SIGKILL this process when the thread that started it ends (nothing here needs cleaning
    up: the semaphores are unlinked by multiprocessing's resource tracker once the last holder is gone).
    `pdeathsig` is False when that thread was not the main thread: it could end while the window lives."""
    if pdeathsig and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl (another libc): the parent watch in the loop still ends the child
    if os.getppid() != parent_pid:  # the parent died before the request took effect: no signal will come
        os._exit(0)


class _ParentWatch:
    """Whether the window process still exists, looked at no more than every PARENT_CHECK_S.

    Portable: multiprocessing's parent sentinel (the end of a pipe the parent holds open, or its process
    handle on Windows) turns ready when the parent is gone; os.getppid() as a fallback."""

    def __init__(self, parent_pid: int) -> None:
        self.parent = multiprocessing.parent_process()
        self.parent_pid = parent_pid
        self.next_at = 0.0

    def gone(self) -> bool:
        now = time.perf_counter()
        if now < self.next_at:
            return False
        self.next_at = now + PARENT_CHECK_S
        if self.parent is not None:
            return not self.parent.is_alive()
        return os.getppid() != self.parent_pid


class _ChildLoop:
    def __init__(
        self, config: TrainConfig, shared: SharedState, commands, results, state: dict | None, parent_pid: int
    ) -> None:
        self.trainer = Trainer(config, (state or {}).get("dataset_points"))  # a session's CSV points, if any
        if state is not None:
            self.trainer.load_state_dict(state)
        self.shared, self.commands, self.results = shared, commands, results
        self.watch = _ParentWatch(parent_pid)
        self.sent_config = self.trainer.config  # the window has this one; changes are sent as ("config", (c, n))
        self.settings_handled = self.settings_echoed = 0  # settings commands applied / included in the last echo
        self.tensors = state_tensors(self.trainer)
        self.running = False
        self.pending = 0  # single steps asked for while paused
        self.max_rate = 0.0  # generator steps per second; 0 = as fast as possible
        self.history: list[torch.Tensor] = []
        self.history_steps: list[int] = []
        self.rate_window: list[tuple[float, int]] = []
        self.stop = False
        self.guard = DivergenceGuard(self.trainer)

    def handle(self, cmd: object) -> None:
        t = self.trainer
        if isinstance(cmd, Setting):
            cmd.apply(t)
            self.settings_handled += 1
        elif isinstance(cmd, Start):
            self.running = True
        elif isinstance(cmd, Pause):
            self.running = False
        elif isinstance(cmd, Step):
            self.pending += int(cmd.n)
        elif isinstance(cmd, Save):  # written here, where the full state lives; the window is told how it went
            try:
                save_session(cmd.path, t, history=cmd.history)
                self.results.put(("saved", (cmd.path, t.step_count)))
            except OSError as e:
                self.results.put(("save_failed", (cmd.path, e.strerror or str(e))))
        elif isinstance(cmd, Stop):
            self.stop = True
        elif isinstance(cmd, Speed):
            self.max_rate = float(cmd.rate)
        elif isinstance(cmd, Explain):  # slow motion: pause, take one real update apart, send its sub-steps
            self.running, self.pending = False, 0
            try:
                explained = explain_step(t)
            except (ValueError, RuntimeError) as e:
                self.results.put(("explain_failed", str(e)))
            else:
                self.record()
                self.check()
                self.results.put(("explained", explained))
        else:  # a window newer or older than this child, or not a command at all: say so and keep training
            self.results.put(("rejected", (describe(cmd), "unknown command")))

    def publish(self) -> None:
        t = self.trainer
        last = t._last
        now = time.perf_counter()
        self.rate_window.append((now, t.step_count))
        self.rate_window = [(s, n) for s, n in self.rate_window if now - s < 1.0] or self.rate_window[-1:]
        (t0, n0), (t1, n1) = self.rate_window[0], self.rate_window[-1]
        rate = (n1 - n0) / (t1 - t0) if t1 > t0 and self.running else 0.0

        def val(key: str) -> float:
            v = last.get(key)
            return float(v) if v is not None else math.nan

        self.shared.write(
            self.tensors,
            {
                STEP: t.step_count,
                RUNNING: float(self.running),
                STEPS_PER_S: rate,
                G_LOSS: val("g_loss"),
                D_LOSS: val("d_loss"),
                PENALTY: val("penalty"),
                D_REAL: val("d_real"),
                D_FAKE: val("d_fake"),
                G_GRAD: val("g_grad_norm"),
                D_GRAD: val("d_grad_norm"),
                OBJECTIVE: OBJECTIVES.names().index(t.config.objective),
                DATASET: dataset_code(t.config.dataset),
                N_CRITIC: t.config.n_critic,
                LR_G: t.config.lr_g,
                LR_D: t.config.lr_d,
            },
        )
        if self.history:
            values = torch.stack(self.history).to("cpu", torch.float64).numpy()
            steps = np.asarray(self.history_steps, dtype=np.float64)[:, None]
            self.history.clear()
            self.history_steps.clear()
            self.results.put(("history", np.concatenate([steps, values], axis=1)))

    def record(self) -> None:
        """Keep this step's numbers on the device; they cross to the host once per publish (no per-step sync)."""
        last = self.trainer._last
        self.history_steps.append(self.trainer.step_count)
        self.history.append(torch.stack([last[k].detach().float() for k in HISTORY_FIELDS[1:]]))

    def check(self) -> None:
        """NaN/Inf guard, once per publish: on divergence pause, roll back and tell the window."""
        losses = self.history[-1][:5] if self.history else None  # g_loss, d_loss, penalty, d_real, d_fake
        diverged = self.guard.check(losses)
        if diverged is not None:
            self.running, self.pending = False, 0
            self.history.clear()  # rows past the restored step: the window drops those it has too
            self.history_steps.clear()
            self.results.put(("diverged", diverged))

    def send_config(self) -> None:
        """After settings commands: the config they left, and how many settings commands it includes (the
        window takes it as its view of the settings only once it has heard of every one it sent)."""
        if self.trainer.config != self.sent_config or self.settings_handled != self.settings_echoed:
            self.sent_config, self.settings_echoed = self.trainer.config, self.settings_handled
            self.results.put(("config", (self.sent_config, self.settings_handled)))

    def run(self) -> None:
        """Train and publish until told to stop, or until the window process is gone (then at once)."""
        last_publish = 0.0
        next_step_at = time.perf_counter()
        self.publish()
        while not self.stop:
            if self.watch.gone():
                return  # nobody reads the results any more: no last publish
            busy = self.running or self.pending > 0
            handled = False
            while True:  # drain every waiting command before the next step
                try:
                    cmd = self.commands.get(block=not busy and not handled, timeout=0.05)
                except queue.Empty:
                    break
                self.handle(cmd)
                handled = True
            if handled:  # the window sees pause, step counts and settings at once
                self.send_config()
                self.publish()
                last_publish = time.perf_counter()
                continue
            if not busy:
                continue
            if self.max_rate > 0:
                delay = next_step_at - time.perf_counter()
                if delay > 0:
                    time.sleep(min(delay, 0.05))
                    continue
                next_step_at = max(next_step_at, time.perf_counter() - 0.1) + 1.0 / self.max_rate
            self.trainer.record_grad_norms = time.perf_counter() - last_publish >= 1.0 / PUBLISH_HZ
            self.trainer.step(1)
            self.record()
            if self.pending > 0 and not self.running:
                self.pending -= 1
            now = time.perf_counter()
            if now - last_publish >= 1.0 / PUBLISH_HZ or (not self.running and self.pending == 0):
                self.check()
                self.publish()
                last_publish = now
        self.publish()


def _child_main(
    config: TrainConfig,
    shared: SharedState,
    commands,
    results,
    state: dict | None,
    parent_pid: int,
    pdeathsig: bool,
) -> None:
    try:
        _die_with_parent(parent_pid, pdeathsig)
        torch.set_num_threads(1)
        _ChildLoop(config, shared, commands, results, state, parent_pid).run()
        results.cancel_join_thread()  # exit now even if the window no longer reads results
    except BaseException:
        results.put(("error", traceback.format_exc()))
        raise
    os._exit(0)  # skip torch's slow interpreter teardown: the window waits for this process on close


def reader_only(q) -> None:
    """Close this process's write end of the pipe under queue `q` (it only reads from it). The child leaves with
    os._exit, which can cut a large message (a slow-motion step, a history chunk) short; while a write end stays
    open here, reading that message blocks for ever (seen: a window's close hung). With only the child's end, a cut
    message reads as EOFError, which `poll` treats as the end of the results."""
    q._writer.close()


def end_child(process, queues, timeout: float, drain) -> None:
    """After a child was asked to stop: wait up to `timeout` for it, calling `drain()` meanwhile (the result pipe
    must keep flowing so the child can flush and exit), then terminate it, then kill it; close its queues."""
    deadline = time.perf_counter() + timeout
    while process.is_alive() and time.perf_counter() < deadline:
        drain()
        process.join(0.02)
    if process.is_alive():
        process.terminate()
        process.join(0.5)
    if process.is_alive():
        process.kill()
        process.join(0.5)
    for q in queues:
        q.cancel_join_thread()
        q.close()


class TrainerProcess:
    """Owner side of the child trainer. `mirror` is a local Trainer of the same config whose networks
    receive the published weights (it starts equal to the child's step-0 state: init is seeded)."""

    def __init__(self, config: TrainConfig, state: dict | None = None) -> None:
        """`state`: a Trainer.state_dict() to resume from (a loaded session), else fresh from the seed."""
        self.config = config.resolved()
        self.mirror = Trainer(self.config, (state or {}).get("dataset_points"))
        if state is not None:
            self.mirror.load_state_dict(copy.deepcopy(state))
        self.mirror.D.eval()  # reading D must never run spectral norm's power iteration
        self.tensors = state_tensors(self.mirror)
        self.shared = SharedState(state_size(self.mirror))
        ctx = mp.get_context("spawn")
        self.commands = ctx.Queue()
        self.results = ctx.Queue()
        # the config the child trains under, as it last reported it (a session written after its death uses it)
        self.child_config = self.config.replace(device=str(self.mirror.device)).resolved()
        # Linux's parent-death signal follows the thread that starts the child: only the main thread lives as
        # long as this process (compare runs may be built in a worker thread)
        pdeathsig = threading.current_thread() is threading.main_thread()
        self.process = ctx.Process(
            target=_child_main,
            args=(self.child_config, self.shared, self.commands, self.results, state, os.getpid(), pdeathsig),
            daemon=True,
            name="ganviz-trainer",
        )
        self.process.start()
        reader_only(self.results)
        self.last_seq = -1
        self.error: str | None = None
        self._history_chunks: list[np.ndarray] = []
        self._divergences: list[tuple[int, int, str]] = []
        # ("saved", (path, step)) / ("save_failed", (path, why)) / ("saved_published", (path, step)) /
        # ("rejected", (command, why)); appended by the polling thread, popped by the window
        self.notices: deque[tuple[str, tuple]] = deque()
        self.received = 0  # messages read from the child so far (history, answers, roll-backs, config echoes)
        self._pending_saves: dict[str, dict | None] = {}  # asked of the child, not yet answered
        self.settings_sent = self.settings_echoed = 0  # settings commands sent / included in child_config

    def send(self, cmd: Command) -> None:
        """Queue one command (ganviz.core.runs.commands) for the child; anything else comes back "rejected"."""
        if self.process.is_alive():
            if isinstance(cmd, Setting):
                self.settings_sent += 1
            self.commands.put(cmd)

    @property
    def settings_current(self) -> bool:
        """The child's last echoed config includes every settings command sent to it."""
        return self.settings_echoed == self.settings_sent

    def save(self, path: str, history: dict | None = None) -> None:
        """Write a session to `path`; the outcome comes as a notice. The child writes it (it holds the
        optimisers and random streams); once it has died, it is written at once from what it last published
        (see `save_published`), and so is one it was asked for but died before answering."""
        if self.process.is_alive():
            self._pending_saves[path] = history
            self.commands.put(Save(path, history))
        else:
            self.notices.append(self.save_published(path, history))

    def published_trainer(self) -> Trainer | str:
        """A Trainer holding the last published weights and step under the child's last settings, or why
        there is none. Its optimisers start fresh and its random streams from the seed: the child's own are
        not published. Reads the shared memory, and the mirror only when nothing can be copied into it any
        more, so any thread may call it once the child is gone."""
        trainer = Trainer(self.child_config, self.mirror.dataset.points)  # a CSV's or drawing's points
        tensors = state_tensors(trainer)
        pub = self.shared.read(tensors)
        if pub is not None:
            trainer.step_count = pub.step
            return trainer
        seq = int(self.shared.meta[SEQ])
        if seq == 0:
            return "the trainer published nothing before it stopped"
        if seq % 2 == 0 or self.last_seq < 0:
            return "the trainer stopped while publishing, before the window had read any of its states"
        # killed in the middle of a write: the mirror holds the last whole state the window read (the one it drew;
        # the last one published when last_seq == seq - 1, a few publishes older otherwise: still one whole state,
        # which beats losing the run), and no read can change it any more (the counter stays odd), so copying it
        # races with no one
        with torch.no_grad():
            for dst, src in zip(tensors, self.tensors, strict=True):
                dst.copy_(src)
        trainer.step_count = self.mirror.step_count
        return trainer

    def save_published(self, path: str, history: dict | None = None) -> tuple[str, tuple]:
        """Write a session from the last published state; the notice that says how it went."""
        trainer = self.published_trainer()
        if isinstance(trainer, str):
            return ("save_failed", (path, trainer))
        try:
            save_session(path, trainer, history=history)
        except OSError as e:
            return ("save_failed", (path, e.strerror or str(e)))
        return ("saved_published", (path, trainer.step_count))

    def receive(self, kind: str, payload) -> None:
        """One message from the child (a batched child's group hands each run its own the same way)."""
        self.received += 1
        if kind == "history":
            self._history_chunks.append(payload)
        elif kind == "error":
            self.error = payload
        elif kind == "diverged":  # (step detected, step restored, suggestion); rows past restored are void
            restored = payload[1]
            self._history_chunks = [c[c[:, 0] <= restored] for c in self._history_chunks]
            self._divergences.append(payload)
            self.notices.append((kind, payload))
        elif kind == "config":
            self.child_config, self.settings_echoed = payload
        else:
            if kind in ("saved", "save_failed"):
                self._pending_saves.pop(payload[0], None)
            self.notices.append((kind, payload))

    def poll(self) -> Published | None:
        """Latest state into the mirror if it changed; also drains history and error messages."""
        died = self._pending_saves and not self.process.is_alive()  # before draining: all it sent is there
        while True:
            try:
                kind, payload = self.results.get_nowait()
            except (queue.Empty, EOFError, OSError):
                break
            self.receive(kind, payload)
        if died:
            # a child that stopped normally answered every save before its stop (a lost answer must not make
            # this overwrite its file); one that was killed or failed never will
            if self.process.exitcode != 0:
                for path, history in list(self._pending_saves.items()):
                    self.notices.append(self.save_published(path, history))
            self._pending_saves.clear()
        pub = self.shared.read(self.tensors, self.last_seq)
        if pub is not None:
            self.last_seq = pub.seq
            self.mirror.step_count = pub.step
        return pub

    def take_history(self) -> np.ndarray | None:
        if not self._history_chunks:
            return None
        rows = np.concatenate(self._history_chunks)
        self._history_chunks.clear()
        return rows

    def take_divergences(self) -> list[tuple[int, int, str]]:
        """Roll-backs since the last call: (step detected, step restored, suggestion)."""
        out, self._divergences = self._divergences, []
        return out

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def close(self, timeout: float = 1.0) -> None:
        if self.process.is_alive():
            try:
                self.commands.put(Stop())
            except (OSError, ValueError):
                pass
        end_child(self.process, (self.commands, self.results), timeout, self.poll)
