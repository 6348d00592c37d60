"""Parameter sweeps: the cartesian product of a grid of TrainConfig values, trained headless in parallel.

A spec is a TOML file:

    [base]                    # TrainConfig fields, `steps` (default 2000) and optionally `preset = "NAME"`
    dataset = "grid25"
    steps = 2000

    [grid]                    # lists; every combination is one run, in this order (the last key varies fastest)
    objective = ["nonsaturating", "wgan-gp"]
    lr_d = [1e-4, 1e-3]
    seed = [0, 1, 2]

Runs go to worker processes (ProcessPoolExecutor, spawn context, 1 torch thread each) or to an existing Dask
distributed cluster. The results are one CSV row per run and a heatmap of the mean (robust) mode count over
the first two grid axes other than `seed`, averaged over the rest. No Qt here; matplotlib only with Agg.
Keeping results.csv current while a sweep runs, and resuming one, is ganviz.core.runs.sweep_results; running on
Dask is ganviz.core.runs.sweep_dask.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ganviz.core.files.presets import RESOURCES, coerce_field, coerce_value, get_preset, read_toml
from ganviz.core.training.config import ConfigError, TrainConfig

DEFAULT_STEPS = 2000
METRICS = ("modes", "modes_robust", "hq", "rkl", "w1", "critic_estimate")
RUN_KEYS = ("steps",)  # grid/base keys that are not TrainConfig fields
TOP_KEYS = ("description", "base", "grid")


class SpecError(ConfigError):
    """A bad sweep spec; the message is one line."""


@dataclass(frozen=True)
class Job:
    """One run of a sweep: its place in the grid, the values that define it, the config and length."""

    index: int
    values: dict  # grid key -> value for this run
    config: dict  # TrainConfig keyword arguments
    steps: int

    @property
    def key(self) -> str:
        """A short hash of everything that defines the run (its whole config and its length): how a resumed
        sweep recognises a finished run wherever it now sits in the grid."""
        text = json.dumps({**self.config, "steps": self.steps}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Spec:
    base: TrainConfig
    steps: int
    grid: dict[str, list]  # ordered as in the file
    description: str = ""
    path: Path | None = None
    jobs: list[Job] = field(default_factory=list)

    @property
    def axes(self) -> list[str]:
        """The heatmap's axes: the first two grid keys other than `seed` (just `seed` when it is alone)."""
        keys = [k for k in self.grid if k != "seed"]
        return (keys or list(self.grid))[:2]


# --- the spec ------------------------------------------------------------------------------------


def _coerce(key: str, value: object, where: str) -> object:
    if key == "steps":
        value = coerce_value(f"{where}.steps", value, int)
        if value < 1:
            raise ConfigError(f"{where}.steps must be an integer ≥ 1 (got {value!r})")
        return value
    if key == "preset":
        raise ConfigError(f"{where}.preset is allowed in [base] only")
    return coerce_field(key, value, where)


def parse_spec(data: dict, path: Path | None = None) -> Spec:
    """A spec from its TOML dict, every run's config validated; SpecError (one line) when anything is wrong."""
    label = f"{path}: " if path is not None else ""
    try:
        for key in data:
            if key not in TOP_KEYS:
                raise ConfigError(f"unknown key {key!r}; allowed: {', '.join(TOP_KEYS)}")
        base_table = data.get("base", {})
        if not isinstance(base_table, dict):
            raise ConfigError("base must be a table ([base])")
        grid_table = data.get("grid")
        if not isinstance(grid_table, dict) or not grid_table:
            raise ConfigError("empty grid: give a [grid] table with at least one list, e.g. seed = [0, 1, 2]")
        description = data.get("description", "")
        if not isinstance(description, str):
            raise ConfigError(f"description must be a string (got {description!r})")

        base_values = dict(base_table)
        base, steps = TrainConfig(), DEFAULT_STEPS
        if "preset" in base_values:
            name = coerce_value("base.preset", base_values.pop("preset"), str)
            preset = get_preset(name)
            base, steps = preset.config, preset.steps or DEFAULT_STEPS
        changes = {k: _coerce(k, v, "base") for k, v in base_values.items()}
        steps = changes.pop("steps", steps)
        base = base.replace(**changes)

        grid: dict[str, list] = {}
        for key, values in grid_table.items():
            if not isinstance(values, list):
                raise ConfigError(f"grid.{key} must be a list (got {values!r})")
            if not values:
                raise ConfigError(f"empty grid: grid.{key} has no values")
            grid[key] = [_coerce(key, v, "grid") for v in values]
            if len(set(map(repr, grid[key]))) != len(grid[key]):
                raise ConfigError(f"grid.{key} lists a value twice: {grid[key]!r}")

        jobs = []
        for i, values in enumerate(expand_grid(grid)):
            run = {k: v for k, v in values.items() if k not in RUN_KEYS}
            config = base.replace(**run)
            if config.threads == 0:
                config = config.replace(threads=1)  # one torch thread per worker process
            try:
                config.validate()
            except ConfigError as e:
                shown = " ".join(f"{k}={v}" for k, v in values.items())
                raise ConfigError(f"run {shown}: {e}") from None
            jobs.append(Job(i, values, dict(config.__dict__), values.get("steps", steps)))
    except ConfigError as e:
        raise SpecError(f"{label}{e}") from None
    return Spec(base=base, steps=steps, grid=grid, description=description, path=path, jobs=jobs)


SHIPPED_SWEEPS = RESOURCES / "sweeps"  # installed with ganviz: `ganviz sweep example`


def _bare_name(text: str | Path) -> bool:
    """`example`, not `example.toml` nor `sweeps/example`: what may name a shipped sweep."""
    return Path(text).suffix == "" and Path(text).name == str(text)


def spec_path(text: str | Path) -> Path:
    """The file `text` names, or a shipped sweep's when it is a bare name (`example`) and no such file is here."""
    path, shipped = Path(text), SHIPPED_SWEEPS / f"{Path(text).name}.toml"
    return shipped if _bare_name(text) and not path.exists() and shipped.is_file() else path


def load_spec(text: str | Path) -> Spec:
    path = spec_path(text)
    try:
        data = read_toml(path, SpecError)
    except SpecError as e:
        if path.exists() or not _bare_name(text):
            raise
        names = ", ".join(sorted(p.stem for p in SHIPPED_SWEEPS.glob("*.toml")))
        raise SpecError(f"{e}; a spec is a TOML file or a shipped sweep's name ({names})") from None
    return parse_spec(data, path)


def expand_grid(grid: dict[str, list]) -> list[dict]:
    """The cartesian product of a grid, in row-major order (the last key varies fastest)."""
    return [dict(zip(grid, combo)) for combo in itertools.product(*grid.values())]


# --- one run (executed in a worker process or on a Dask worker) ------------------------------------


def run_job(job: Job) -> dict:
    """Train one configuration headless and return its row of results (no file output).

    A run that hits NaN/Inf is rolled back to a finite checkpoint and stopped (ganviz.core.training.guard): its
    metrics are that state's, "steps" is its step and "diverged_at" the step where NaN/Inf was found
    (None for a run that went well)."""
    import torch

    from ganviz.core.training.guard import divergence_fields, train_guarded
    from ganviz.core.training.trainer import Trainer

    config = TrainConfig(**job.config)
    torch.set_num_threads(config.threads or 1)
    trainer = Trainer(config)
    t0 = time.perf_counter()
    diverged = train_guarded(trainer, job.steps)
    wall = time.perf_counter() - t0
    trained = trainer.step_count if diverged is None else diverged.detected
    metrics = trainer.evaluate(trainer.snapshot().fakes)
    return {
        **{m: metrics.get(m) for m in METRICS},
        "steps": trainer.step_count,
        "wall_s": wall,
        "steps_per_s": trained / wall if wall > 0 else None,
        "seed": config.seed,
        **divergence_fields(diverged),
    }


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass


# --- running many --------------------------------------------------------------------------------

Report = Callable[[Job, dict, int, int], None]  # job, its row, number done, total
Progress = Callable[[int, int, int], None]  # a unit's index, its steps done, its steps in all
PROGRESS_POLL_S = 1.0  # how often run_local looks for progress while every job runs on
WORKER_DIED = "its worker process died twice while running it (killed, or out of memory?)"

_starts = None  # in a local worker process: where it says which job it starts (run_local's pool)


def _init_pool_worker(starts, parent_pid: int | None = None) -> None:
    import signal

    global _starts
    _starts = starts
    if parent_pid is not None:  # killed (kill -9, a closed terminal), the sweep took its workers with it
        _end_with_parent(parent_pid)
    # Ctrl+C on a terminal reaches the whole process group: the parent stops the workers (run_local), so a
    # worker must not die of it on its own in the middle of returning a result
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker()


def _end_with_parent(parent_pid: int) -> None:
    """This pool worker ends when the process that made the pool does: Linux's parent-death signal (the pool
    starts its workers from the thread that submits, run_local's caller), and, anywhere, a daemon thread that
    looks once a second. Without them a killed sweep's workers ran on, reparented to init, for a whole run."""
    import threading

    from ganviz.core.runs.engine import PARENT_CHECK_S, _die_with_parent

    # the signal comes when the parent's thread that started this worker ends: run_local's caller, which
    # outlives the pool (run_local shuts it down before it returns)
    _die_with_parent(parent_pid, pdeathsig=True)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def report_progress(index: int, done: int, total: int) -> None:
    """In a local pool worker: tell the parent that the job (or batch) `index` has trained `done` of its
    `total` steps, for run_local's `progress` (a batch's runs finish together: without this, its hours would
    show no progress). Elsewhere (a single process, a Dask worker) it does nothing."""
    if _starts is not None:
        _starts.put(("progress", index, done, total))


def _call(fn: Callable[[Job], dict], job: Job) -> dict:
    """fn(job) in a pool worker, after telling the parent this process runs it: when a worker dies, the
    parent charges the death to that job only, not to the others running beside it."""
    _starts.put((os.getpid(), job.index))
    return fn(job)


def run_local(
    jobs: list[Job],
    workers: int | None = None,
    report: Report | None = None,
    fn: Callable[[Job], dict] = run_job,
    progress: Progress | None = None,
) -> dict[int, dict]:
    """Every job, `fn(job)`, in a pool of `workers` spawned processes (default: all cores); results by index.
    `progress(index, done, total)` is called (about once a second at most) with what a job in a worker said
    through report_progress.

    When a worker process dies (killed, out of memory) the pool breaks and every job in it fails: the pool
    is rebuilt and those jobs run again. The job that was on the dead worker (each worker reports which job
    it starts) is charged with the death; a job charged twice gets an error row instead of a third try.
    At most `workers` jobs are in the pool at a time, so the queued ones are not disturbed by a death, and
    when the dead worker cannot be told apart, all jobs that were in the pool are charged. On any exception
    out of here (KeyboardInterrupt, a signal handler's, an error in `report`) every worker is terminated
    first: shutdown() alone would wait for the running jobs, and a sweep's runs take minutes.
    """
    import concurrent.futures as cf
    import signal
    from concurrent.futures.process import BrokenProcessPool

    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    results: dict[int, dict] = {}
    deaths: dict[int, int] = {}  # job index -> times its worker died under it
    queue = list(reversed(jobs))  # pop() gives grid order; a retried job goes back on the end
    running: dict[cf.Future, Job] = {}
    pool, starts = _new_pool(workers)
    on: dict[int, int] = {}  # worker pid -> the job it started last

    def finish(future: cf.Future, job: Job) -> None:
        results[job.index] = _result(future.exception, future.result, job)
        if report:
            report(job, results[job.index], len(results), len(jobs))

    try:
        while queue or running:
            try:
                while queue and len(running) < workers:
                    job = queue.pop()
                    running[pool.submit(_call, fn, job)] = job
                poll = PROGRESS_POLL_S if progress else None
                done, _ = cf.wait(running, timeout=poll, return_when=cf.FIRST_COMPLETED)
                _drain(starts, on, progress)  # often: a full pipe would block the workers
                broken = any(isinstance(f.exception(), BrokenProcessPool) for f in done)
            except BrokenProcessPool:  # from submit(): the pool broke since the last wait
                broken = True
            if not broken:
                for future in done:
                    finish(future, running.pop(future))
                continue
            processes = dict(getattr(pool, "_processes", None) or {})  # shutdown() drops the dict
            pool.shutdown(wait=True)  # a broken pool terminates its other workers; every future is set then
            _drain(starts, on)
            # the dead worker is the one that did not end by the pool's own terminate() (SIGTERM)
            culprits = {on.get(pid) for pid, p in processes.items() if p.exitcode not in (None, -signal.SIGTERM)}
            for future, job in list(running.items()):
                del running[future]
                if not isinstance(future.exception(), BrokenProcessPool):
                    finish(future, job)
                    continue
                if job.index in culprits or None in culprits or not culprits:
                    deaths[job.index] = deaths.get(job.index, 0) + 1
                if deaths.get(job.index, 0) < 2:
                    queue.append(job)
                else:
                    results[job.index] = {"error": WORKER_DIED, "seed": job.config["seed"]}
                    if report:
                        report(job, results[job.index], len(results), len(jobs))
            pool, starts = _new_pool(workers)
            on = {}
    except BaseException:
        _terminate(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _new_pool(workers: int):
    """A pool of spawned workers, and the queue on which they say which job they start."""
    import concurrent.futures as cf
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    starts = ctx.SimpleQueue()
    pool = cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_pool_worker, initargs=(starts, os.getpid())
    )
    return pool, starts


def _drain(starts, on: dict[int, int], progress: Progress | None = None) -> None:
    """Read what the workers said: (pid, job index) when a job starts, ("progress", index, done, total)."""
    while not starts.empty():
        first, *rest = starts.get()
        if first == "progress":
            if progress:
                progress(*rest)
        else:
            on[first] = rest[0]


def _terminate(pool) -> None:
    """Stop every worker of `pool` now, running jobs included, and reap them (no process is left behind)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() drops the dict
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)


def _result(exception: Callable, result: Callable, job: Job) -> dict:
    err = exception()
    if err is not None:
        return {"error": f"{type(err).__name__}: {' '.join(str(err).split())}", "seed": job.config["seed"]}
    return result()


# --- output --------------------------------------------------------------------------------------


def csv_columns(spec: Spec) -> list[str]:
    axes = [k for k in spec.grid if k not in ("seed", "steps")]
    return ["run", *axes, "seed", "steps", *METRICS, "wall_s", "steps_per_s", "diverged_at", "error", "config_id"]


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return value


def rows(spec: Spec, results: dict[int, dict]) -> list[dict]:
    """One dict per run, in grid order, with the CSV's columns."""
    out = []
    for job in spec.jobs:
        res = results.get(job.index, {"error": "not run"})
        row = {"run": job.index, **{k: v for k, v in job.values.items() if k not in ("seed", "steps")}}
        row.update(seed=job.config["seed"], steps=res.get("steps", job.steps))
        row.update({k: res.get(k) for k in (*METRICS, "wall_s", "steps_per_s")})
        row["diverged_at"] = res.get("diverged_at")  # the step of the divergence guard's first alarm, if any
        row["error"] = res.get("error", "")
        row["config_id"] = job.key
        out.append(row)
    return out


def csv_text(spec: Spec, table: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=csv_columns(spec), lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()


def heat_metric(table: list[dict]) -> str:
    """What the heatmap shows: robust modes, or modes, or W1 when the dataset has no modes."""
    for metric in ("modes_robust", "modes", "w1"):
        if any(_finite(r.get(metric)) for r in table):
            return metric
    return "modes_robust"


def _finite(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def heat_matrix(spec: Spec, table: list[dict], metric: str) -> tuple[list[str], list, list, list[list[float]]]:
    """(axis names, row labels, column labels, mean of `metric` per cell over all other grid keys)."""
    axes = spec.axes
    row_vals = spec.grid[axes[0]]
    col_vals = spec.grid[axes[1]] if len(axes) > 1 else [None]
    matrix = []
    for rv in row_vals:
        line = []
        for cv in col_vals:
            cell = [
                r[metric]
                for r, job in zip(table, spec.jobs)
                if job.values[axes[0]] == rv and (cv is None or job.values[axes[1]] == cv) and _finite(r.get(metric))
            ]
            line.append(sum(cell) / len(cell) if cell else math.nan)
        matrix.append(line)
    return axes, row_vals, col_vals, matrix


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def summary_text(spec: Spec, table: list[dict]) -> str:
    """A short table for stdout: the heatmap's numbers (mean HQ beside them when the data has modes)."""
    metric = heat_metric(table)
    axes, row_vals, col_vals, matrix = heat_matrix(spec, table, metric)
    hq = heat_matrix(spec, table, "hq")[3] if metric.startswith("modes") else None
    n_avg = len(spec.jobs) // (len(row_vals) * len(col_vals))
    title = f"mean {metric}" + (" (mean HQ)" if hq else "") + (f" over {n_avg} runs per cell" if n_avg > 1 else "")
    corner = axes[0] if len(axes) == 1 else f"{axes[0]} \\ {axes[1]}"
    header = [corner] + ([_fmt(c) for c in col_vals] if len(axes) > 1 else [metric])
    lines = [header]
    for i, rv in enumerate(row_vals):
        cells = []
        for j in range(len(col_vals)):
            v = matrix[i][j]
            text = "–" if math.isnan(v) else f"{v:.1f}" if metric.startswith("modes") else f"{v:.3g}"
            if hq and not math.isnan(hq[i][j]):
                text += f" ({hq[i][j]:.0%})"
            cells.append(text)
        lines.append([_fmt(rv)] + cells)
    widths = [max(len(line[k]) for line in lines) for k in range(len(header))]
    body = "\n".join("  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in lines)
    failed = sum(1 for r in table if r.get("error"))
    diverged = sum(1 for r in table if _finite(r.get("diverged_at")))
    return (
        f"{title}\n{body}"
        + (f"\n{failed} run(s) failed; see the error column" if failed else "")
        + (f"\n{diverged} run(s) diverged; see the diverged_at column" if diverged else "")
    )


def heatmap_png(spec: Spec, table: list[dict]) -> bytes:
    """The heatmap as PNG bytes (matplotlib's Agg canvas; pyplot and Qt are never imported)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    metric = heat_metric(table)
    axes, row_vals, col_vals, matrix = heat_matrix(spec, table, metric)
    n_rows, n_cols = len(row_vals), len(col_vals)
    fig = Figure(figsize=(max(5.0, 1.1 * n_cols + 2.5), max(3.2, 0.6 * n_rows + 2.0)), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    finite = [v for line in matrix for v in line if not math.isnan(v)]
    vmax = max(finite) if finite else 1.0
    if metric.startswith("modes"):
        vmin, vmax = 0.0, max(vmax, _max_modes(spec), 1.0)
    else:
        vmin = min(finite) if finite else 0.0
    image = ax.imshow(matrix, cmap="viridis", vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1, aspect="auto")
    for i in range(n_rows):
        for j in range(n_cols):
            v = matrix[i][j]
            text = "–" if math.isnan(v) else f"{v:.1f}" if metric.startswith("modes") else f"{v:.3g}"
            dark = not math.isnan(v) and (v - vmin) < 0.6 * (vmax - vmin)
            ax.text(j, i, text, ha="center", va="center", color="white" if dark else "black", fontsize=10)
    ax.set_yticks(range(n_rows), [_fmt(v) for v in row_vals])
    ax.set_ylabel(axes[0])
    if n_cols > 1 or len(axes) > 1:
        ax.set_xticks(range(n_cols), [_fmt(v) for v in col_vals])
        ax.set_xlabel(axes[1])
    else:
        ax.set_xticks([])
    others = [k for k in spec.grid if k not in axes]
    label = {"modes_robust": "robust modes (≥ 20 HQ samples)", "modes": "modes", "w1": "W1"}[metric]
    title = f"mean {label}" + (f"\naveraged over {', '.join(others)}" if others else "")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _max_modes(spec: Spec) -> int:
    """The largest number of modes among the sweep's datasets (the heatmap's top colour); 0 when unknown."""
    from ganviz.core.data.datasets import get_dataset

    most = 0
    for name in {job.config["dataset"] for job in spec.jobs}:
        try:
            centres = get_dataset(name).centres
        except ValueError:
            continue
        most = max(most, 0 if centres is None else len(centres))
    return most


def write_outputs(out: Path, spec: Spec, table: list[dict]) -> tuple[Path, Path]:
    """results.csv and modes.png in `out` (created if needed), each written atomically."""
    from ganviz.core.files.io import write_atomic

    out.mkdir(parents=True, exist_ok=True)
    csv_path, png_path = out / "results.csv", out / "modes.png"
    png = heatmap_png(spec, table)
    write_atomic(csv_path, lambda f: f.write(csv_text(spec, table).encode()))
    write_atomic(png_path, lambda f: f.write(png))
    return csv_path, png_path


def read_results(path: str | Path) -> list[dict[str, str]]:
    """results.csv as a list of dicts of strings (for tests and notebooks)."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def format_values(values: dict) -> str:
    return " ".join(f"{k}={_fmt(v)}" for k, v in values.items())


def describe_result(row: dict) -> str:
    if row.get("error"):
        return f"failed: {row['error']}"
    parts = [
        f"{k}={_fmt(row[k]) if not isinstance(row[k], float) else f'{row[k]:.3g}'}"
        for k in ("modes_robust", "hq")
        if _finite(row.get(k))
    ]
    if not parts and _finite(row.get("w1")):
        parts.append(f"w1={row['w1']:.3g}")
    if _finite(row.get("diverged_at")):
        parts.append(f"diverged at step {row['diverged_at']}")
    wall = row.get("wall_s")
    return " ".join(parts) + (f" ({wall:.1f} s)" if _finite(wall) else "")
