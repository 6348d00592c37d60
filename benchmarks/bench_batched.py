"""Many runs at once: R runs of one shape as one batch of models (ganviz.core.training.batched) against one run per
process.

Today's `ganviz sweep` trains one run at a time in each of `cpu_count` worker processes (1 torch thread each), so
its best throughput is cpu_count × one run's steps/s. This measures, in one process, alternating blocks:
one run alone (a Trainer, 1 thread) and R runs as one BatchedTrainer (1 thread), and prints run-steps per second
(generator steps × runs) of both and the ratio of batched to the ideal process-per-run throughput
(cpu_count × single, with no start-up, no pool and no contention counted in its favour).

    python benchmarks/bench_batched.py                   # 12 runs of 64×3 non-saturating (seeds 0-11)
    python benchmarks/bench_batched.py --objective wgan-gp --runs 12 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganviz.core.training.batched import BatchedTrainer  # noqa: E402
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402


def rate(step, n: int) -> tuple[float, float]:
    """Steps per second of wall time and per second of this process's CPU time (1 torch thread: the CPU rate is
    what the run gets from a core of its own, and varies far less than the wall rate on a loaded machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    step(n)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def fmt(rates: list[tuple[float, float]]) -> str:
    wall = [r[0] for r in rates]
    return f"wall rounds {min(wall):.1f}-{max(wall):.1f}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=12)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--objective", default="nonsaturating")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--block-seconds", type=float, default=2.0)
    args = p.parse_args()
    cores = os.cpu_count() or 1
    configs = [
        TrainConfig(
            objective=args.objective, hidden=args.hidden, layers=args.layers, batch=args.batch, seed=s, threads=1
        )
        for s in range(args.runs)
    ]
    single, batched = Trainer(configs[0]), BatchedTrainer(configs)
    torch.set_num_threads(1)
    single.step(3)
    batched.step(2)
    n_single = max(5, round(args.block_seconds * rate(single.step, 20)[1]))
    n_batched = max(2, round(args.block_seconds * rate(batched.step, 3)[1]))
    singles: list[tuple[float, float]] = []
    batches: list[tuple[float, float]] = []
    for r in range(args.rounds):
        order = [(singles, single.step, n_single), (batches, batched.step, n_batched)]
        for out, step, n in order if r % 2 == 0 else order[::-1]:
            out.append(rate(step, n))
    s, b = (statistics.median(x[0] for x in rates) for rates in (singles, batches))
    s_cpu, b_cpu = (statistics.median(x[1] for x in rates) for rates in (singles, batches))
    print(
        f"torch {torch.__version__}, {cores} cores; {args.runs} runs of {args.hidden}x{args.layers} {args.objective}, "
        f"batch {args.batch}, 1 torch thread, {args.rounds} rounds of ~{args.block_seconds:g} s blocks"
    )
    print(f"one run alone:          {s:8.1f} steps/s  ({fmt(singles)})")
    print(f"process per run, ideal: {cores * s:8.1f} run-steps/s  ({cores} processes × one run)")
    print(
        f"batched, one process:   {b * args.runs:8.1f} run-steps/s  ({b:.1f} steps/s of all {args.runs} runs, "
        f"{fmt(batches)})"
    )
    print(
        f"batched / one run alone: {b * args.runs / s:.2f}×   batched / process per run (ideal): "
        f"{b * args.runs / (cores * s):.2f}×"
    )
    print(
        f"per CPU second (steadier under load): one run {s_cpu:.1f} steps, batched {b_cpu * args.runs:.1f} run-steps, "
        f"{b_cpu * args.runs / s_cpu:.2f}× per core; with both cores batched ({cores} processes of "
        f"{args.runs // cores} runs) that is the ratio to process per run"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
