"""WGAN-GP, PacGAN and unrolled GAN against the non-saturating GAN on the 5×5 grid and the ring, same networks.

science.md §2.7: the papers report WGAN-GP far ahead of the plain GAN on the grid (GDPP Table 1: WGAN-GP
24.2 modes / 28.7 % HQ after 25k iterations at batch 512; VEEGAN Table 1: GAN 3.3 modes / 0.5 % HQ). Both
objectives here train the same MLPs (--hidden × --layers, ReLU, 2-D uniform latent, batch --batch) for the
same number of generator updates, each with its own default optimiser (README: GAN Adam 1e-3 β = (0.5, 0.999),
1 D step; WGAN-GP Adam 1e-4 β = (0.5, 0.9), 5 critic steps, λ = 0.1), and are measured on 2,500 fixed-latent
samples: modes (≥ 1 HQ sample: the published count), robust modes (≥ 20 HQ samples, science.md §1.3) and
HQ (within 3σ). Runs go to parallel worker processes, one torch thread each.

The mode-collapse remedies (science.md §2.2-2.6) run the same way with `--methods`: PacGAN2 (D judges pairs,
Lin et al. 2018, Table 1: ahead of the GAN by several modes on the grid) and the unrolled GAN (5 unrolled D steps,
Metz et al. 2017; VEEGAN Table 1: ahead of the GAN), each on the GAN's optimiser; `--remedies` is the issue's
comparison, GAN / PacGAN2 / unrolled-5 on grid25 and ring8.

`--schedule` swaps the GAN's optimiser for a paper's (science.md §2.2-2.3), on every method alike, on the same
MLPs (no BatchNorm or maxout as in PacGAN's code, no orthogonal init as in the notebook):
  pacgan: PacGAN's code (protocol P1): Adam lr 1e-4 for both, β = (0.8, 0.999), simultaneous updates, z ~ N(0, I)
  metz:   the unrolled-GAN notebook (protocol P2): Adam D lr 1e-4, G lr 1e-3, β = (0.5, 0.999), simultaneous
          updates, tanh hidden units, z ~ N(0, I) of 256 dimensions, batch 512 (unless --batch is given)
Both papers train for 25k-400k iterations; --steps sets how many here.

Run from the repository root (about 5-8 minutes on 2 cores with the defaults):

    python benchmarks/bench_reproduction.py
    python benchmarks/bench_reproduction.py --steps 10000 --seeds 0 1 2 3 4 --workers 8
    python benchmarks/bench_reproduction.py --remedies                  # GAN vs PacGAN2 vs unrolled-5, 2 datasets
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

from ganviz.core.runs.sweep import Job, run_local  # noqa: E402
from ganviz.core.training.config import TrainConfig  # noqa: E402

# method name -> the settings that make it (on top of the shared networks); the GAN's optimiser unless stated
METHODS = {
    "gan": {"objective": "nonsaturating"},
    "wgan-gp": {"objective": "wgan-gp"},
    "pacgan2": {"objective": "nonsaturating", "pack": 2},
    "unrolled5": {"objective": "nonsaturating", "unroll": 5},
}
# --schedule NAME -> the optimiser and input settings of that paper's code, applied to every method
SCHEDULES: dict[str, dict] = {
    "default": {},
    "pacgan": {"lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.8, "beta2": 0.999, "update": "sim", "prior": "normal"},
    "metz": {
        "lr_g": 1e-3,
        "lr_d": 1e-4,
        "beta1": 0.5,
        "beta2": 0.999,
        "update": "sim",
        "activation": "tanh",
        "prior": "normal",
        "zdim": 256,
        "batch": 512,
    },  # fmt: skip
}
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
    p.add_argument("--batch", type=int, default=None, help="256, or the schedule's")
    p.add_argument("--schedule", choices=list(SCHEDULES), default="default", help="optimiser settings (see above)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--methods", nargs="+", choices=list(METHODS), default=["gan", "wgan-gp"])
    p.add_argument("--datasets", nargs="+", choices=["grid25", "ring8"], default=["grid25"])
    p.add_argument("--remedies", action="store_true", help="= --methods gan pacgan2 unrolled5 --datasets grid25 ring8")
    args = p.parse_args(argv)
    if args.remedies:
        args.methods, args.datasets = ["gan", "pacgan2", "unrolled5"], ["grid25", "ring8"]

    jobs = []
    for dataset in args.datasets:
        for method in args.methods:
            for seed in args.seeds:
                schedule = dict(SCHEDULES[args.schedule])
                batch = schedule.pop("batch", 256)
                batch = args.batch or batch  # --batch over the schedule's
                config = TrainConfig(
                    dataset=dataset,
                    seed=seed,
                    hidden=args.hidden,
                    layers=args.layers,
                    batch=batch,
                    threads=1,
                    **{**schedule, **METHODS[method]},
                )
                config.validate()
                shown = config.resolved()  # the objective's default learning rates filled in
                values = {"dataset": dataset, "method": method, "seed": seed}
                jobs.append(Job(len(jobs), values, dict(config.__dict__), args.steps))
    # the slow runs first (critic steps, unrolling), so that the pool ends with short ones
    order = sorted(jobs, key=lambda j: j.values["method"] not in ("wgan-gp", "unrolled5"))
    print(
        f"{', '.join(args.datasets)}; {args.hidden}×{args.layers} {shown.activation} G and D, batch {shown.batch}, "
        f"schedule {args.schedule} (lr D {shown.lr_d:g}, G {shown.lr_g:g}, β1 {shown.beta1:g}, {shown.update}), "
        f"{args.steps} "
        f"generator updates, seeds {args.seeds}, {min(args.workers, len(jobs))} worker processes",
        flush=True,
    )
    t0 = time.perf_counter()

    def report(job, row, done, total):
        v = job.values
        got = (
            "failed: " + row["error"]
            if row.get("error")
            else (
                f"modes {row.get('modes')} robust {row.get('modes_robust')} HQ {row.get('hq', math.nan):.3f} "
                f"W1 {row.get('w1', math.nan):.3f} ({row.get('wall_s', math.nan):.0f} s)"
            )
        )  # each run as it ends: a long benchmark stopped early keeps what it measured
        print(f"  [{done}/{total}] {v['dataset']} {v['method']} seed {v['seed']}: {got}", file=sys.stderr, flush=True)

    results = run_local(order, args.workers, report)
    wall = time.perf_counter() - t0
    for dataset in args.datasets:
        means = table(dataset, args.methods, [j for j in jobs if j.values["dataset"] == dataset], results)
        if dataset == "grid25":
            print("\npublished (science.md §2.7; other networks and schedules):")
            for label, (modes, hq) in PUBLISHED.items():
                print(f"  {label:40s} modes {modes:4.1f}/25  HQ {hq:.1%}")
        if "gan" in means:
            for method, m in means.items():
                if method != "gan":
                    g = means["gan"]
                    print(
                        f"{dataset}: {method} − GAN (means): modes {m['modes'] - g['modes']:+.1f}, "
                        f"robust modes {m['modes_robust'] - g['modes_robust']:+.1f}, HQ {m['hq'] - g['hq']:+.3f}"
                    )
    print(f"{len(jobs)} runs in {wall:.0f} s")
    return 0


def table(dataset: str, methods: list[str], jobs: list, results: dict) -> dict[str, dict[str, float]]:
    """Print one dataset's runs and each method's means; returns the means by method."""
    print(f"\n{dataset}")
    print(f"{'method':14s} {'seed':>4} {'modes':>5} {'robust':>6} {'HQ':>6} {'rKL':>6} {'W1':>7} {'time s':>7}")
    means = {}
    for method in methods:
        mine = [j for j in jobs if j.values["method"] == method]
        rows = [results[j.index] for j in mine]
        for job, row in zip(mine, rows):
            if row.get("error"):
                print(f"{method:14s} {job.values['seed']:>4} failed: {row['error']}")
                continue
            rkl = row["rkl"] if row["rkl"] is not None and not math.isnan(row["rkl"]) else float("nan")
            print(
                f"{method:14s} {job.values['seed']:>4} {row['modes']:>5} {row['modes_robust']:>6} "
                f"{row['hq']:6.3f} {rkl:6.3f} {row['w1']:7.4f} {row['wall_s']:7.1f}"
            )
        ok = [r for r in rows if not r.get("error")]
        if ok:
            m = {k: statistics.fmean(r[k] for r in ok) for k in ("modes", "modes_robust", "hq", "w1")}
            means[method] = m
            print(
                f"{method:14s} {'mean':>4} {m['modes']:5.1f} {m['modes_robust']:6.1f} {m['hq']:6.3f} "
                f"{'':6} {m['w1']:7.4f}"
            )
    return means


if __name__ == "__main__":
    sys.exit(main())
