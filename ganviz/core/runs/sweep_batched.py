"""A sweep's runs of one network shape trained together, as batches of models (ganviz.core.training.batched).

A 64-wide MLP step is mostly Python and dispatch overhead, so a sweep that trains one run per worker process
pays it once per run; a BatchedTrainer pays it about once per batch. `plan` groups the jobs that differ only in
PER_RUN settings (seed, learning rates, betas) and have the same length, splits each group into batches of at
most MAX_BATCH runs (and further while a core would idle or one batch holds more than a worker's share), and
leaves every job that cannot be batched (check_batchable says why) as the one-run job it was. The units go to
the same pools as one-run jobs (run_local, run_dask): `run_unit` trains one, and `Batches.report` turns a
batch's result back into one row per run, so results.csv, resume by config hash and progress are per run.

Each batched run is its single run to float rounding (the batched products reduce in another order: weights
agree to ~1e-7 relative after a few steps, metrics to ~1e-6; wgan-gp is bit for bit), not bit for bit; as GAN
training is chaotic, long runs agree statistically (tests/core/test_sweep_batched.py checks the first).

The divergence guard works per run, as ganviz.core.training.guard.train_guarded does for a run alone: every `chunk`
steps one host sync checks every run's weights; a run with NaN/Inf is rolled back to its older kept checkpoint
(about 2·CHECKPOINT_EVERY steps back), its weights in the batch set to it and its updates stopped, and it is
reported with diverged_at as run_job reports it, while the other runs of the batch go on. (Its losses are not
checked, only its weights: a NaN loss makes NaN weights in the same step, so this finds the same chunk.)
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ganviz.core.runs.sweep import METRICS, Job, Report, report_progress, run_job
from ganviz.core.training.config import TrainConfig

MAX_BATCH = 16  # runs per batch: beyond ~16 the batched step's speed-up per run levels off and memory grows


@dataclass(frozen=True)
class BatchJob:
    """Runs trained as one batch. Looks like a Job where the pools need one (index, config's seed)."""

    jobs: tuple[Job, ...]

    @property
    def index(self) -> int:
        return self.jobs[0].index  # unique among units: each job is in one unit

    @property
    def config(self) -> dict:
        return self.jobs[0].config


Unit = Job | BatchJob


def _group_key(job: Job) -> str:
    from ganviz.core.training.batched import PER_RUN

    # resolved: runs of different objectives batch when the settings their objectives imply (n_critic, optimiser) agree
    config = TrainConfig(**job.config).resolved()
    shared = {k: getattr(config, k) for k in config.__dataclass_fields__ if k not in PER_RUN}
    return json.dumps({**shared, "steps": job.steps}, sort_keys=True, default=str)


def _split(jobs: list[Job], parts: int) -> list[list[Job]]:
    """`jobs` in `parts` consecutive pieces whose sizes differ by at most one."""
    size, extra = divmod(len(jobs), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (i < extra)
        out.append(jobs[start:end])
        start = end
    return out


def _cost(piece: list[Job]) -> int:
    """A piece's work, roughly: runs × steps × updates per step (n_critic D steps and one G step)."""
    n_critic = TrainConfig(**piece[0].config).resolved().n_critic
    return len(piece) * piece[0].steps * (n_critic + 1)


def plan(jobs: list[Job], workers: int = 1, max_batch: int = MAX_BATCH) -> list[Unit]:
    """The jobs as units of work: batches of batchable runs, one-run jobs for the rest; in grid order."""
    from ganviz.core.training.batched import NotBatchable, check_batchable

    groups: dict[str, list[Job]] = {}
    for job in jobs:
        groups.setdefault(_group_key(job), []).append(job)
    pieces: list[list[Job]] = []
    for group in groups.values():
        try:
            check_batchable([TrainConfig(**job.config) for job in group])
        except NotBatchable:
            pieces += [[job] for job in group]
            continue
        pieces += _split(group, math.ceil(len(group) / max_batch))
    # halve the costliest batch while there are fewer units than workers (a core would idle), or while it holds
    # more than a worker's share of the work and its halves are still batches (so one slow group, e.g. WGAN-GP's
    # 5 critic steps, does not keep one core busy long after the others are done)
    share = sum(map(_cost, pieces)) / max(workers, 1)
    while True:
        costliest = max(pieces, key=_cost)
        if not (len(pieces) < workers and len(costliest) >= 2 or _cost(costliest) > share and len(costliest) >= 4):
            break
        at = pieces.index(costliest)
        pieces[at : at + 1] = _split(costliest, 2)
    pieces.sort(key=lambda piece: piece[0].index)  # grid order, as without batching (first rows come early)
    return [piece[0] if len(piece) == 1 else BatchJob(tuple(piece)) for piece in pieces]


def run_unit(unit: Unit) -> dict:
    """One unit in a worker: a one-run job's row (run_job), or {"rows": {index: row}} for a batch."""
    if isinstance(unit, Job):
        return run_job(unit)
    return {"rows": run_batch(list(unit.jobs))}


def unit_rows(unit: Unit, result: dict) -> list[tuple[Job, dict]]:
    """A unit's result as (job, row) per run; an error (the worker died, an exception) is each run's error."""
    if isinstance(unit, Job):
        return [(unit, result)]
    if "rows" in result:
        return [(job, result["rows"][job.index]) for job in unit.jobs]
    return [(job, {**result, "seed": job.config["seed"]}) for job in unit.jobs]


class Batches:
    """The units for `jobs`, and a pool `report` that passes on one row per run to `report` (runs done, of all
    the jobs' runs: the caller's progress and ETA count runs, as without batching)."""

    def __init__(self, jobs: list[Job], workers: int = 1, report: Report | None = None, max_batch: int = MAX_BATCH):
        self.units = plan(jobs, workers, max_batch)
        self.total = len(jobs)
        self.results: dict[int, dict] = {}
        self._report = report
        self._units = {unit.index: unit for unit in self.units}
        self._steps = {job.index: job.steps for job in jobs}
        self._in_flight: dict[int, tuple[int, int]] = {}  # unit index -> (steps done, of) (report_progress)

    def report_to(self, report: Report | None) -> None:
        self._report = report

    def progress(self, index: int, done: int, total: int) -> None:
        """A pool's progress callback: the unit `index` has trained `done` of its `total` steps."""
        self._in_flight[index] = (done, total)

    def runs_in(self, index: int) -> int:
        unit = self._units.get(index)
        return len(unit.jobs) if isinstance(unit, BatchJob) else 1

    def work(self) -> tuple[int, int]:
        """(steps done, steps in all) over every run: finished runs count whole, runs in flight as far as their
        unit said. A finer measure of progress than runs done when runs finish a batch at a time."""
        done = sum(self._steps[i] for i in self.results if i in self._steps)
        done += sum(steps * self.runs_in(i) for i, (steps, _) in self._in_flight.items())
        return done, sum(self._steps.values())

    def lost_text(self) -> str:
        """For a stopped sweep: the batches in flight, whose runs are lost (a batch's runs are results only
        when it ends), e.g. "lost a batch of 6 runs at step 1,200 of 2,000"; "" when none said its step."""
        lost = [
            f"a batch of {self.runs_in(i)} runs at step {done:,} of {total:,}"
            for i, (done, total) in sorted(self._in_flight.items())
            if self.runs_in(i) > 1
        ]
        return f"lost {' and '.join(lost)} (a batch's runs are kept when it ends)" if lost else ""

    def report(self, unit: Unit, result: dict, done: int, n: int) -> None:
        self._in_flight.pop(unit.index, None)
        for job, row in unit_rows(unit, result):
            self.results[job.index] = row
            if self._report:
                self._report(job, row, len(self.results), self.total)


# --- training one batch, with the divergence guard per run -----------------------------------------------


def train_batch_guarded(
    batched, steps: int, chunk: int = 100, every: int | None = None, progress: Callable[[int], None] | None = None
) -> dict:
    """`steps` generator steps of every run of a BatchedTrainer, checked every `chunk` steps (after each chunk
    but the last, `progress(steps done)`). Returns
    {run: Divergence} for the runs that hit NaN/Inf: each is rolled back to its older kept checkpoint and stopped
    (ganviz.core.training.guard's rule), the others trained to the end."""
    from ganviz.core.training.guard import CHECKPOINT_EVERY, Divergence, suggestion

    every = CHECKPOINT_EVERY if every is None else every
    runs = range(len(batched.runs))
    kept: list[deque] = [deque(maxlen=2) for _ in runs]  # per run: (step, G state, D state)
    stopped: dict[int, Divergence] = {}

    def checkpoint(r: int) -> None:
        kept[r].append((batched.step_count, batched.G.state_dict(r), batched.D.state_dict(r)))

    for r, ok in zip(runs, batched.finite()):
        if ok:
            checkpoint(r)
        else:  # broken from the start: nothing to train from (as train_guarded)
            step = batched.step_count
            stopped[r] = Divergence(step, None, step, False, suggestion(batched.runs[r]))
            batched.stop(r, batched.G.state_dict(r), batched.D.state_dict(r))
    done = 0
    while done < steps and len(stopped) < len(batched.runs):
        last_finite = batched.step_count
        n = min(chunk, steps - done)
        batched.step(n)
        done += n
        for r, ok in zip(runs, batched.finite()):
            if r in stopped:
                continue
            if ok:
                if batched.step_count - kept[r][-1][0] >= every:
                    checkpoint(r)
                continue
            step, g_state, d_state = kept[r][0]
            batched.stop(r, g_state, d_state)
            stopped[r] = Divergence(batched.step_count, last_finite, step, True, suggestion(batched.runs[r]))
        if progress is not None and done < steps:
            progress(done)
    return stopped


def run_batch(jobs: list[Job], chunk: int = 100, every: int | None = None) -> dict[int, dict]:
    """Train these jobs (batchable, of one length) as one BatchedTrainer; each one's row as run_job returns it.
    `chunk`, `every`: the guard's check and checkpoint intervals (train_batch_guarded).

    wall_s is the batch's wall time (the runs trained together), steps_per_s each run's steps over it."""
    import torch

    from ganviz.core.training.batched import BatchedTrainer
    from ganviz.core.training.guard import divergence_fields

    configs = [TrainConfig(**job.config) for job in jobs]
    torch.set_num_threads(configs[0].threads or 1)
    batched = BatchedTrainer(configs)
    steps = jobs[0].steps
    t0 = time.perf_counter()
    diverged = train_batch_guarded(
        batched, steps, chunk, every, lambda done: report_progress(jobs[0].index, done, steps)
    )
    wall = time.perf_counter() - t0
    out = {}
    for r, job in enumerate(jobs):
        trainer = batched.trainer(r)
        d = diverged.get(r)
        if d is not None:
            trainer.step_count = d.restored  # its weights in the batch are the checkpoint's (BatchedTrainer.stop)
        trained = steps if d is None else d.detected
        metrics = trainer.evaluate(trainer.snapshot().fakes)
        out[job.index] = {
            **{m: metrics.get(m) for m in METRICS},
            "steps": trainer.step_count,
            "wall_s": wall,
            "steps_per_s": trained / wall if wall > 0 else None,
            "seed": configs[r].seed,
            **divergence_fields(d),
        }
    return out
