"""`ganviz sweep SPEC.toml`: train every combination of a grid of settings headless, in parallel."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from ganviz.cli.args import OneLineParser, fail, positive_float, positive_int

ASK_ABOVE = 200  # more runs than this are confirmed first (--yes, or a y on the terminal)
PROGRESS_EVERY_S = 30.0  # a line on a batch in flight at most this often (its runs all finish at its end)


def _scheduler(text: str) -> str:
    from ganviz.core.runs.sweep_dask import check_scheduler_address

    try:
        return check_scheduler_address(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def sweep_parser() -> OneLineParser:
    p = OneLineParser(
        prog="ganviz sweep",
        description="Train the cartesian product of a [grid] of settings on top of a [base] config, headless, in "
        "parallel; write DIR/results.csv (one row per run) and DIR/modes.png (mean robust modes over the first "
        "two grid axes). Try `ganviz sweep example` (ganviz/resources/sweeps/example.toml).",
    )
    p.add_argument(
        "spec",
        metavar="SPEC.toml",
        help="the sweep: [base] fields and steps, [grid] lists; or a shipped sweep's name (example)",
    )
    p.add_argument(
        "--workers", type=positive_int, metavar="N", help="local worker processes (default: all cores, one each)"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        type=_scheduler,
        help="run on an existing Dask distributed cluster instead, e.g. tcp://10.0.0.5:8786 "
        "(tls://, ws://, wss://, ucx:// too; its workers need ganviz installed)",
    )
    p.add_argument(
        "--connect-timeout",
        type=positive_float,
        metavar="SECONDS",
        help="give up on a --scheduler that does not answer within this (default: 10)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="output folder (default: sweep-<SPEC name> here); if it holds results.csv of the same spec, the "
        "sweep resumes: finished runs are kept and not run again",
    )
    p.add_argument("--yes", action="store_true", help=f"start more than {ASK_ABOVE} runs without asking")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument(
        "--no-batch",
        action="store_true",
        help="train each run alone in its worker; by default runs that differ only in seed, learning rates and "
        "betas are trained together as one batch of models (equal to their single runs to float rounding)",
    )
    return p


def _out_problem(out: Path) -> str | None:
    """None when `out` can be made (or is) a writable folder, else a short reason."""
    if out.exists():
        if not out.is_dir():
            return f"{out} exists and is not a folder"
        return None if os.access(out, os.W_OK) else f"{out} is not writable"
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a folder"
    return None if os.access(parent, os.W_OK) else f"{parent} is not writable"


def sweep_main(argv: list[str]) -> int:
    parser = sweep_parser()
    args = parser.parse_args(argv)
    prog = parser.prog

    from ganviz.core.runs import sweep, sweep_dask
    from ganviz.core.runs.sweep_results import ResultsFile, load_previous

    if args.scheduler is not None and args.workers is not None:
        return fail(prog, "--workers is for local runs; a Dask cluster (--scheduler) sets its own workers")
    if args.connect_timeout is not None and args.scheduler is None:
        return fail(prog, "--connect-timeout is for --scheduler")
    try:
        spec = sweep.load_spec(args.spec)
    except sweep.SpecError as e:
        return fail(prog, str(e))
    out = Path(args.out) if args.out else Path(f"sweep-{spec.path.stem}")
    if reason := _out_problem(out):
        return fail(prog, f"argument --out: cannot write {str(out)!r}: {reason}")
    record = ResultsFile(out, spec)
    if record.path.exists():
        try:
            record.results = load_previous(record.path, spec)
        except sweep.SpecError as e:
            return fail(prog, str(e))
    todo = [job for job in spec.jobs if job.index not in record.results]
    total = len(spec.jobs)
    if len(todo) > ASK_ABOVE and not args.yes:
        if not sys.stdin.isatty():
            return fail(prog, f"{len(todo)} runs to start (more than {ASK_ABOVE}): add --yes to confirm")
        print(f"{prog}: start {len(todo)} runs? [y/N] ", end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            print(f"{prog}: nothing started", file=sys.stderr)
            return 1

    client = None
    if args.scheduler and todo:
        try:
            client = sweep_dask.connect_dask(args.scheduler, args.connect_timeout or sweep_dask.CONNECT_TIMEOUT)
        except ConnectionError as e:
            return fail(prog, str(e))
    workers = min(args.workers or os.cpu_count() or 1, max(len(todo), 1))
    where = f"the Dask cluster at {args.scheduler}" if client else f"{workers} worker process{'es' * (workers > 1)}"
    batches = None
    if not args.no_batch and todo:
        from ganviz.core.runs.sweep_batched import Batches

        slots = len(client.scheduler_info()["workers"]) if client is not None else workers
        batches = Batches(todo, max(slots, 1))
    t0 = time.perf_counter()
    if not args.quiet and not todo:
        print(f"{prog}: nothing to run: all {total} runs are in {record.path}", file=sys.stderr, flush=True)
    elif not args.quiet:
        resumed = f" (resuming: {len(record.results)} of {total} done in {record.path})" if record.results else ""
        print(f"{prog}: {len(todo)} runs on {where}{_batched(batches)}{resumed}", file=sys.stderr, flush=True)

    def eta(done: int, n: int) -> str:
        """Time left: by steps trained (batches report their steps as they go), else by runs done."""
        if batches is not None:
            done, n = batches.work()
        return f"; ETA {_duration((time.perf_counter() - t0) / done * (n - done))}" if 0 < done < n else ""

    def report(job, result, done, n):
        record.add(job.index, result)  # on disk before anything else can stop the sweep
        if not args.quiet:
            line = f"[{len(record.results)}/{total}] {sweep.format_values(job.values)}: {sweep.describe_result(result)}"
            if done < n:
                line += eta(done, n)
            print(line, file=sys.stderr, flush=True)

    last_line = [time.perf_counter()]

    def progress(index, done, steps):
        batches.progress(index, done, steps)
        now = time.perf_counter()
        if args.quiet or now - last_line[0] < PROGRESS_EVERY_S:
            return
        last_line[0] = now
        runs = batches.runs_in(index)
        what = f"a batch of {runs} runs" if runs > 1 else "a run"
        line = f"[{len(record.results)}/{total}] {what} at step {done:,} of {steps:,}{eta(*batches.work())}"
        print(line, file=sys.stderr, flush=True)

    def note(text):
        print(f"{prog}: {text}", file=sys.stderr, flush=True)

    try:
        with _stop_on_signals():
            if batches is not None:  # units of work: batches of runs and single runs; one report per run
                from ganviz.core.runs.sweep_batched import run_unit

                batches.report_to(report)
                if client is not None:
                    sweep_dask.run_dask(batches.units, client, batches.report, note, fn=run_unit)
                else:
                    sweep.run_local(batches.units, args.workers, batches.report, fn=run_unit, progress=progress)
            elif client is not None:
                sweep_dask.run_dask(todo, client, report, note)
            elif todo:
                sweep.run_local(todo, args.workers, report)
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", signal.SIGINT)
        kept = len(record.results)
        where = f"in {record.path}" if kept else "(nothing written)"
        lost = batches.lost_text() if batches is not None else ""
        print(
            f"{prog}: interrupted ({signal.Signals(signum).name}); kept {kept} of {total} rows {where}; "
            f"{lost + '; ' if lost else ''}run the same command again to resume",
            file=sys.stderr,
        )
        return 128 + signum

    table = sweep.rows(spec, record.results)
    csv_path, png_path = sweep.write_outputs(out, spec, table)
    print(sweep.summary_text(spec, table))
    if not args.quiet:
        print(
            f"{prog}: wrote {csv_path} and {png_path} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True
        )
    return 1 if any(row["error"] for row in table) else 0


def _batched(batches) -> str:
    """The progress line's note on batching, e.g. ", 12 of them as 2 batches of models"; "" when none is."""
    from ganviz.core.runs.sweep_batched import BatchJob

    if batches is None:
        return ""
    units = [u for u in batches.units if isinstance(u, BatchJob)]
    if not units:
        return ""
    runs = sum(len(u.jobs) for u in units)
    return f", {runs} of them as {len(units)} batch{'es' * (len(units) > 1)} of models"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised in the main thread so that the workers are stopped and the kept rows reported
    (SIGTERM's default action would kill this process at once and leave the workers running)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _stop_on_signals:
    """While in the block, SIGINT and SIGTERM raise Stopped; a second one, during the clean-up, is ignored so
    that the clean-up (terminating the workers) is not cut short."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> None:
        self.old = None
        if threading.current_thread() is threading.main_thread():  # signal.signal works there only
            self.old = {s: signal.signal(s, self._raise) for s in self.SIGNALS}

    def _raise(self, signum: int, frame) -> None:
        for s in self.SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(signum)

    def __exit__(self, *exc) -> None:
        if self.old is not None:
            for s, handler in self.old.items():
                signal.signal(s, handler)
