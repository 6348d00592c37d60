"""Check the presets that claim an outcome: each runs headless for its `steps` over several seeds, in parallel
worker processes (one torch thread each), and its [expect] claims are checked on every seed.

Prints per preset and seed: modes (≥ 1 HQ sample, the published count), robust modes (≥ 20 HQ samples),
HQ (fraction of the 2,500 fixed-latent samples within 3σ of a centre), reverse KL, W1, the time taken and
whether the claims hold; then the mean over seeds. Exit status 1 when a claim fails on some seed.

Run from the repository root:

    python benchmarks/bench_presets.py                          # every claiming preset, seeds 0 1 2, all cores
    python benchmarks/bench_presets.py --presets mode-collapse wgan-gp-vs-gan --workers 2
    python benchmarks/bench_presets.py --seeds 0 1 2 3 4 --list
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from ganviz.core.presets import Preset, list_presets  # noqa: E402
from ganviz.core.sweep import Job, run_local  # noqa: E402


def jobs_for(presets: list[Preset], seeds: list[int], steps: int | None) -> list[tuple[Preset, Job]]:
    out = []
    for preset in presets:
        for seed in seeds:
            config = preset.config.replace(seed=seed, threads=preset.config.threads or 1)
            job = Job(len(out), {"preset": preset.name, "seed": seed}, dict(config.__dict__), steps or preset.steps)
            out.append((preset, job))
    return out


def fmt(v, spec: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return format(v, spec)


def mean(rows: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None and not math.isnan(r[key])]
    return sum(vals) / len(vals) if vals else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--presets", nargs="+", metavar="NAME", help="default: every preset with an [expect] table")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], metavar="S")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N")
    p.add_argument("--steps", type=int, metavar="N", help="override every preset's steps (claims still checked)")
    p.add_argument("--list", action="store_true", help="list the presets and their claims, run nothing")
    args = p.parse_args(argv)

    every = {pr.name: pr for pr in list_presets()}
    if args.presets:
        unknown = [n for n in args.presets if n not in every]
        if unknown:
            p.error(f"unknown preset(s) {', '.join(unknown)}; choose from: {', '.join(every)}")
        presets = [every[n] for n in args.presets]
    else:
        presets = [pr for pr in every.values() if pr.claims]
    if args.list:
        for pr in presets:
            claims = ", ".join(f"{k}={v:g}" for k, v in pr.expect.items()) or "(no claims)"
            print(f"{pr.name:28s} {pr.steps or '-':>6} steps  {claims}")
        return 0

    pairs = jobs_for(presets, args.seeds, args.steps)
    total_steps = sum(job.steps for _, job in pairs)
    print(
        f"{len(presets)} presets × {len(args.seeds)} seeds = {len(pairs)} runs ({total_steps} generator steps) "
        f"on {min(args.workers, len(pairs))} worker processes",
        flush=True,
    )
    t0 = time.perf_counter()

    def report(job, row, done, total):
        tail = row.get("error") or f"robust {row.get('modes_robust')} HQ {fmt(row.get('hq'), '.2f')}"
        print(
            f"  [{done}/{total}] {job.values['preset']} seed {job.values['seed']}: {tail}", file=sys.stderr, flush=True
        )

    results = run_local([job for _, job in pairs], args.workers, report)
    wall = time.perf_counter() - t0

    failures = 0
    for preset in presets:
        runs = [(job, results[job.index]) for pr, job in pairs if pr is preset]
        claims = ", ".join(f"{k} {v:g}" for k, v in preset.expect.items()) or "none"
        print(f"\n{preset.name}  ({runs[0][0].steps} steps; claims: {claims})")
        print(f"  {'seed':>4} {'modes':>5} {'robust':>6} {'HQ':>6} {'rKL':>6} {'W1':>7} {'time s':>7}  claims")
        for job, row in runs:
            if row.get("error"):
                print(f"  {job.values['seed']:>4} failed: {row['error']}")
                failures += 1
                continue
            failed = preset.check(row)
            failures += bool(failed and preset.expect)
            verdict = "ok" if not failed else "FAIL: " + "; ".join(failed)
            print(
                f"  {job.values['seed']:>4} {fmt(row['modes'], 'd'):>5} {fmt(row['modes_robust'], 'd'):>6} "
                f"{fmt(row['hq'], '.3f'):>6} {fmt(row['rkl'], '.3f'):>6} {fmt(row['w1'], '.4f'):>7} "
                f"{row['wall_s']:7.1f}  {verdict if preset.expect else ''}"
            )
        ok = [row for _, row in runs if not row.get("error")]
        if ok:
            m = {k: mean(ok, k) for k in ("modes", "modes_robust", "hq", "rkl", "w1")}
            print(
                f"  {'mean':>4} {fmt(m['modes'], '.1f'):>5} {fmt(m['modes_robust'], '.1f'):>6} "
                f"{fmt(m['hq'], '.3f'):>6} {fmt(m['rkl'], '.3f'):>6} {fmt(m['w1'], '.4f'):>7}"
            )
    print(f"\n{len(pairs)} runs in {wall:.0f} s; {failures} run(s) failing a claim")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
