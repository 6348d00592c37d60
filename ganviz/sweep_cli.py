"""`ganviz sweep SPEC.toml`: train every combination of a grid of settings headless, in parallel."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ganviz.cli import OneLineParser, _fail, positive_int


def sweep_parser() -> OneLineParser:
    p = OneLineParser(
        prog="ganviz sweep",
        description="Train the cartesian product of a [grid] of settings on top of a [base] config, headless, in "
        "parallel; write DIR/results.csv (one row per run) and DIR/modes.png (mean robust modes over the first "
        "two grid axes). See resources/sweeps/example.toml.",
    )
    p.add_argument("spec", metavar="SPEC.toml", help="the sweep: [base] fields and steps, [grid] lists")
    p.add_argument(
        "--workers", type=positive_int, metavar="N", help="local worker processes (default: all cores, one each)"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask distributed cluster instead, e.g. tcp://10.0.0.5:8786 "
        "(its workers need ganviz installed)",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: sweep-<SPEC name> here)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
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

    from ganviz.core import sweep

    if args.scheduler is not None and args.workers is not None:
        return _fail(prog, "--workers is for local runs; a Dask cluster (--scheduler) sets its own workers")
    try:
        spec = sweep.load_spec(args.spec)
    except sweep.SpecError as e:
        return _fail(prog, str(e))
    out = Path(args.out) if args.out else Path(f"sweep-{Path(args.spec).stem}")
    if reason := _out_problem(out):
        return _fail(prog, f"argument --out: cannot write {str(out)!r}: {reason}")

    client = None
    if args.scheduler:
        try:
            client = sweep.connect_dask(args.scheduler)
        except ConnectionError as e:
            return _fail(prog, str(e))
    total = len(spec.jobs)
    workers = min(args.workers or os.cpu_count() or 1, total)
    where = f"the Dask cluster at {args.scheduler}" if client else f"{workers} worker process{'es' * (workers > 1)}"
    t0 = time.perf_counter()
    if not args.quiet:
        print(f"{prog}: {total} runs on {where}", file=sys.stderr, flush=True)

    def report(job, result, done, total):
        if not args.quiet:
            line = f"[{done}/{total}] {sweep.format_values(job.values)}: {sweep.describe_result(result)}"
            print(line, file=sys.stderr, flush=True)

    try:
        if client is not None:
            results = sweep.run_dask(spec.jobs, client, report)
        else:
            results = sweep.run_local(spec.jobs, args.workers, report)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing written", file=sys.stderr)
        return 130

    table = sweep.rows(spec, results)
    csv_path, png_path = sweep.write_outputs(out, spec, table)
    print(sweep.summary_text(spec, table))
    if not args.quiet:
        print(
            f"{prog}: wrote {csv_path} and {png_path} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True
        )
    return 1 if any(row["error"] for row in table) else 0
