"""Measure the presets that claim an outcome over many seeds, and check each claim against that distribution.

Each preset runs headless for its `steps` on every seed asked for; each finished run appends one row (preset,
seed, the metrics, date, commit) to a checked-in results file, ganviz/resources/preset-results.csv. Runs whose row is
already there (same preset, seed and settings: `config_id` hashes the preset's config and steps) are skipped, so
the benchmark can be stopped at any time and resumed later, across sessions, on a slow machine. A preset whose
settings change gets a new config_id: its old rows stay in the file but no longer count.

Metrics per run: modes (≥ 1 HQ sample, the published count), robust modes (≥ 20 HQ samples), HQ (fraction of the
2,500 fixed-latent samples within 3σ of a centre), reverse KL, W1. After the runs (or alone, with --report) it
prints per preset the per-seed table and whether its [expect] claim holds at the rate it states ("on at least
80 % of seeds"); exit status 1 when a claim fails. --markdown prints README's preset table from the file.

The seeds of one preset (and any presets of one network shape) train together as a batch of models, as
`ganviz sweep` does (ganviz.core.runs.sweep_batched): each run equals its single run to float rounding, and since GAN
training is chaotic a long run agrees with `ganviz train --seed S` statistically, not bit for bit; wall_s is then
the batch's time. Methods that cannot be batched (instance noise, PacGAN, LeCam, consensus, unrolling) run one by
one. --no-batch runs every seed alone.

Run from the repository root (one unit of work at a time by default: nice it on a shared machine):

    nice -n 19 python benchmarks/bench_presets.py --seeds 0-9             # every claiming preset, seeds 0..9
    python benchmarks/bench_presets.py --presets mode-collapse wgan-gp-vs-gan --seeds 0-9 --workers 2
    python benchmarks/bench_presets.py --report                            # check the claims, run nothing
    python benchmarks/bench_presets.py --markdown                          # README's table
    python benchmarks/bench_presets.py --list
"""

from __future__ import annotations

import argparse
import csv
import datetime
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from ganviz.core.files.presets import (  # noqa: E402
    RESULTS_FILE,
    ClaimError,
    Preset,
    list_presets,
    read_results,
    summarise,
)
from ganviz.core.runs.sweep import Job, run_local  # noqa: E402

RESULTS = RESULTS_FILE  # package data: the preset menu's tooltips show its spread
METRICS = ("modes", "modes_robust", "hq", "rkl", "w1")
COLUMNS = ("preset", "seed", "steps", "config_id", *METRICS, "wall_s", "diverged_at", "date", "commit")


def commit() -> str:
    """The checkout's short commit, "+" when its presets or code differ from it (the row is then not exactly
    reproducible from the commit alone); "unknown" outside git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "ganviz", f":(exclude){RESULTS.relative_to(ROOT)}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+" if dirty else "")


def parse_seeds(words: list[str]) -> list[int]:
    """Seeds as given: single integers and inclusive ranges ("0-9"); ValueError names a bad word."""
    seeds: list[int] = []
    for word in words:
        lo, sep, hi = word.partition("-")
        try:
            seeds.extend(range(int(lo), int(hi) + 1) if sep else [int(word)])
        except ValueError:
            raise ValueError(f"bad seed {word!r}: give integers ≥ 0 or ranges such as 0-9") from None
    if any(s < 0 for s in seeds):
        raise ValueError("seeds must be integers ≥ 0")
    return list(dict.fromkeys(seeds))


def append_row(path: Path, row: dict) -> None:
    """One finished run appended to the results file (the header first when the file is new): a run stopped
    later loses nothing that finished before it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow({k: _cell(row.get(k)) for k in COLUMNS})
        f.flush()
        os.fsync(f.fileno())


def _cell(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.6g}"
    return v


def fmt(v, spec: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return format(v, spec)


def run(presets: list[Preset], seeds: list[int], workers: int, path: Path, batch: bool = True) -> int:
    """Every (preset, seed) run without a current row, each row appended as its run finishes; returns how many
    runs failed (an error is printed, no row is written, so the next call tries it again)."""
    rows = read_results(path) if path.exists() else []
    done = {(r["preset"], r["seed"], r["config_id"]) for r in rows}
    jobs, presets_of = [], {}
    for preset in presets:
        cid = preset.config_id
        for seed in seeds:
            if (preset.name, seed, cid) in done:
                continue
            config = preset.config.replace(seed=seed, threads=preset.config.threads or 1)
            jobs.append(Job(len(jobs), {"preset": preset.name, "seed": seed}, dict(config.__dict__), preset.steps))
            presets_of[jobs[-1].index] = (preset, cid)
    skipped = len(presets) * len(seeds) - len(jobs)
    print(f"{len(jobs)} runs to do, {skipped} already in {path}; {min(workers, len(jobs) or 1)} worker(s)", flush=True)
    if not jobs:
        return 0
    failures, stamp = 0, commit()

    def report(job: Job, result: dict, n_done: int, total: int) -> None:
        nonlocal failures
        name, seed = job.values["preset"], job.values["seed"]
        if result.get("error"):
            failures += 1
            print(f"  [{n_done}/{total}] {name} seed {seed}: failed: {result['error']}", flush=True)
            return
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        row = {**result, "preset": name, "seed": seed, "steps": job.steps, "config_id": presets_of[job.index][1]}
        append_row(path, {**row, "date": date, "commit": stamp})
        print(
            f"  [{n_done}/{total}] {name} seed {seed}: modes {result.get('modes')} robust "
            f"{result.get('modes_robust')} HQ {fmt(result.get('hq'), '.2f')} ({result['wall_s']:.0f} s)",
            flush=True,
        )

    if batch:
        from ganviz.core.runs.sweep_batched import Batches, run_unit

        batches = Batches(jobs, workers, report)
        run_local(batches.units, workers, batches.report, fn=run_unit)
    else:
        run_local(jobs, workers, report)
    return failures


def report_claims(presets: list[Preset], path: Path) -> int:
    """Per preset: the per-seed table of its current rows and whether its claim holds; the number failing."""
    rows = read_results(path) if path.exists() else []
    failures = 0
    for preset in presets:
        mine = preset.current_rows(rows)
        print(f"\n{preset.name}  ({preset.steps} steps; claim: {preset.claim_text() or 'none'})")
        if not mine:
            print("  no runs on its present settings yet")
            continue
        print(f"  {'seed':>4} {'modes':>5} {'robust':>6} {'HQ':>6} {'rKL':>6} {'W1':>7}  bounds")
        for row in mine:
            failed = preset.check(row)
            print(
                f"  {row['seed']:>4} {fmt(row['modes'], '.0f'):>5} {fmt(row['modes_robust'], '.0f'):>6} "
                f"{fmt(row['hq'], '.3f'):>6} {fmt(row['rkl'], '.3f'):>6} {fmt(row['w1'], '.4f'):>7}  "
                f"{'ok' if not failed else 'miss: ' + '; '.join(failed)}"
            )
        verdict = preset.check_distribution(mine)
        failures += not verdict.holds
        print(f"  {verdict.sentence}")
    return failures


def markdown(presets: list[Preset], path: Path) -> str:
    """README's table: per claiming preset its steps, the seeds measured on its present settings, the median
    (range) of modes, robust modes and HQ over them, and its claim with the seeds it held on."""
    rows = read_results(path) if path.exists() else []
    lines = [
        "| preset | steps | seeds | modes | robust | HQ | claim (held on) |",
        "|---|---|---|---|---|---|---|",
    ]
    for preset in [pr for pr in presets if pr.claims]:
        mine = preset.current_rows(rows)
        if not mine:
            lines.append(f"| {preset.name} | {preset.steps} | 0 | – | – | – | {preset.claim_text()} (not measured) |")
            continue
        s = summarise(mine)
        verdict = preset.check_distribution(mine)
        lines.append(
            f"| {preset.name} | {preset.steps} | {len(mine)} | {s['modes'].text('.0f')} | "
            f"{s['modes_robust'].text('.0f')} | {s['hq'].text('.2f')} | "
            f"{preset.claim_text()} ({verdict.passed}/{verdict.total}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--presets", nargs="+", metavar="NAME", help="default: every preset with an [expect] table")
    p.add_argument("--seeds", nargs="+", default=["0-9"], metavar="S", help="integers or ranges (default 0-9)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="runs at a time (default 1)")
    p.add_argument("--no-batch", action="store_true", help="train each seed alone (default: seeds as batches)")
    p.add_argument("--results", type=Path, default=RESULTS, metavar="CSV", help=f"default {RESULTS.relative_to(ROOT)}")
    p.add_argument("--report", action="store_true", help="check the claims against the results file, run nothing")
    p.add_argument("--markdown", action="store_true", help="print README's table from the results file")
    p.add_argument("--list", action="store_true", help="list the presets and their claims, run nothing")
    args = p.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as e:
        p.error(str(e))
    if args.workers < 1:
        p.error("--workers must be an integer ≥ 1")

    every = {pr.name: pr for pr in list_presets()}
    if args.presets:
        unknown = [n for n in args.presets if n not in every]
        if unknown:
            p.error(f"unknown preset(s) {', '.join(unknown)}; choose from: {', '.join(every)}")
        presets = [every[n] for n in args.presets]
    else:
        presets = [pr for pr in every.values() if pr.claims]
    try:
        if args.list:
            rows = read_results(args.results) if args.results.exists() else []
            for pr in presets:
                print(f"{pr.name}: {pr.summary(rows) or '(no claims)'}")
            return 0
        if args.markdown:
            print(markdown(presets, args.results))
            return 0
        t0 = time.perf_counter()
        failed_runs = 0 if args.report else run(presets, seeds, args.workers, args.results, not args.no_batch)
        failures = report_claims([pr for pr in presets if pr.claims], args.results)
    except ClaimError as e:
        print(f"bench_presets: {e}", file=sys.stderr)
        return 2
    print(f"\n{time.perf_counter() - t0:.0f} s; {failed_runs} run(s) failed; {failures} claim(s) not holding")
    return 1 if failures or failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
