"""WGAN-GP against the non-saturating GAN on the 5×5 grid (grid25), the same networks, several seeds.

science.md §2.7: the papers report WGAN-GP far ahead of the plain GAN on the grid (GDPP Table 1: WGAN-GP
24.2 modes / 28.7 % HQ after 25k iterations at batch 512; VEEGAN Table 1: GAN 3.3 modes / 0.5 % HQ). Both
objectives here train the same MLPs (--hidden × --layers, ReLU, 2-D uniform latent, batch --batch) for the
same number of generator updates, each with its own default optimiser (README: GAN Adam 1e-3 β = (0.5, 0.999),
1 D step; WGAN-GP Adam 1e-4 β = (0.5, 0.9), 5 critic steps, λ = 0.1), and are measured on 2,500 fixed-latent
samples: modes (≥ 1 HQ sample: the published count), robust modes (≥ 20 HQ samples, science.md §1.3) and
HQ (within 3σ). Runs go to parallel worker processes, one torch thread each.

Run from the repository root (about 5-8 minutes on 2 cores with the defaults):

    python benchmarks/bench_reproduction.py
    python benchmarks/bench_reproduction.py --steps 10000 --seeds 0 1 2 3 4 --workers 8
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from ganviz.core.config import TrainConfig  # noqa: E402
from ganviz.core.sweep import Job, run_local  # noqa: E402

OBJECTIVES = ("nonsaturating", "wgan-gp")
PUBLISHED = {  # science.md §2.7, grid: (modes / 25, HQ)
    "GAN, VEEGAN Table 1": (3.3, 0.005),
    "GAN, PacGAN Table 1 (other protocol)": (17.3, 0.948),
    "WGAN-GP, GDPP Table 1 (25k iterations)": (24.2, 0.287),
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=4000, help="generator updates per run (4000)")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = p.parse_args(argv)

    jobs = []
    for objective in OBJECTIVES:
        for seed in args.seeds:
            config = TrainConfig(
                dataset="grid25",
                objective=objective,
                seed=seed,
                hidden=args.hidden,
                layers=args.layers,
                batch=args.batch,
                threads=1,
            )
            jobs.append(Job(len(jobs), {"objective": objective, "seed": seed}, dict(config.__dict__), args.steps))
    # the slow WGAN-GP runs first, so that the pool ends with short ones
    order = sorted(jobs, key=lambda j: j.values["objective"] != "wgan-gp")
    print(
        f"grid25, {args.hidden}×{args.layers} ReLU G and D, batch {args.batch}, {args.steps} generator updates, "
        f"seeds {args.seeds}, {min(args.workers, len(jobs))} worker processes",
        flush=True,
    )
    t0 = time.perf_counter()

    def report(job, row, done, total):
        print(f"  [{done}/{total}] {job.values['objective']} seed {job.values['seed']} done", file=sys.stderr)

    results = run_local(order, args.workers, report)
    wall = time.perf_counter() - t0

    print(f"\n{'objective':14s} {'seed':>4} {'modes':>5} {'robust':>6} {'HQ':>6} {'rKL':>6} {'W1':>7} {'time s':>7}")
    means = {}
    for objective in OBJECTIVES:
        rows = [results[j.index] for j in jobs if j.values["objective"] == objective]
        for job, row in zip([j for j in jobs if j.values["objective"] == objective], rows):
            if row.get("error"):
                print(f"{objective:14s} {job.values['seed']:>4} failed: {row['error']}")
                continue
            rkl = row["rkl"] if row["rkl"] is not None and not math.isnan(row["rkl"]) else float("nan")
            print(
                f"{objective:14s} {job.values['seed']:>4} {row['modes']:>5} {row['modes_robust']:>6} "
                f"{row['hq']:6.3f} {rkl:6.3f} {row['w1']:7.4f} {row['wall_s']:7.1f}"
            )
        ok = [r for r in rows if not r.get("error")]
        if ok:
            m = {k: statistics.fmean(r[k] for r in ok) for k in ("modes", "modes_robust", "hq", "w1")}
            means[objective] = m
            print(
                f"{objective:14s} {'mean':>4} {m['modes']:5.1f} {m['modes_robust']:6.1f} {m['hq']:6.3f} "
                f"{'':6} {m['w1']:7.4f}"
            )
    print("\npublished (science.md §2.7; other networks and schedules):")
    for label, (modes, hq) in PUBLISHED.items():
        print(f"  {label:40s} modes {modes:4.1f}/25  HQ {hq:.1%}")
    if len(means) == 2:
        gp, ns = means["wgan-gp"], means["nonsaturating"]
        print(
            f"\nWGAN-GP − GAN (means): modes {gp['modes'] - ns['modes']:+.1f}, "
            f"robust modes {gp['modes_robust'] - ns['modes_robust']:+.1f}, HQ {gp['hq'] - ns['hq']:+.3f}"
        )
    print(f"{len(jobs)} runs in {wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
