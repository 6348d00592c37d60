"""Speed of the window's trainer child process (ganviz.core.runs.engine): generator steps per second.

Starts a `TrainerProcess` (the spawned child the window trains in), lets it warm up, then counts the
steps it publishes over a few timed windows while this process polls it like the window's worker does
(~30 polls a second). Prints the median and the spread over rounds.

    python benchmarks/bench_engine.py                      # 64x3 non-saturating, 5 rounds of 3 s
    python benchmarks/bench_engine.py --hidden 512 --rounds 3 --seconds 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from ganviz.core.runs.commands import Start  # noqa: E402
from ganviz.core.runs.engine import TrainerProcess  # noqa: E402
from ganviz.core.training.config import TrainConfig  # noqa: E402


def latest_step(engine: TrainerProcess, wait: float) -> int:
    deadline = time.perf_counter() + wait
    step = engine.mirror.step_count
    while time.perf_counter() < deadline:
        engine.poll()
        engine.take_history()
        step = engine.mirror.step_count
        time.sleep(1 / 30)
    return step


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--objective", default="nonsaturating")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--warmup", type=float, default=2.0)
    args = p.parse_args()
    config = TrainConfig(objective=args.objective, hidden=args.hidden, layers=args.layers, device="cpu")
    engine = TrainerProcess(config)
    try:
        engine.send(Start())
        latest_step(engine, args.warmup)
        rates = []
        for _ in range(args.rounds):
            t0, s0 = time.perf_counter(), latest_step(engine, 0.0)
            s1 = latest_step(engine, args.seconds)
            rates.append((s1 - s0) / (time.perf_counter() - t0))
        print(
            f"{args.hidden}x{args.layers} {args.objective}: median {statistics.median(rates):.0f} steps/s "
            f"(min {min(rates):.0f}, max {max(rates):.0f}, {args.rounds} × {args.seconds:g} s)"
        )
    finally:
        engine.close()


if __name__ == "__main__":
    main()
