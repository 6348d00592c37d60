"""A whole `ganviz sweep`, batched (the default) against `--no-batch` (one run per worker job), timed as processes.

The sweep: 12 runs of 64×3 non-saturating on ring8 (3 generator learning rates × 4 seeds), batch 256, N steps
each, on 2 local workers. Each variant is a fresh `python -m ganviz sweep` process (start-up, worker spawn,
training, metrics, results.csv and the heatmap all counted), alternating, `--rounds` times each. Prints the wall
time and the CPU time of the process and its workers (steadier than wall time on a shared machine), the ratio of
the medians, and the load average before and after.

    python benchmarks/bench_sweep.py                     # 12 runs × 500 steps, 1 round each
    python benchmarks/bench_sweep.py --steps 1000 --rounds 2 --workers 2
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SPEC = """[base]
dataset = "ring8"
objective = "nonsaturating"
hidden = 64
layers = 3
batch = 256
steps = {steps}
[grid]
lr_g = [1e-4, 2e-4, 5e-4]
seed = [0, 1, 2, 3]
"""


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run(spec: Path, out: Path, workers: int, batch: bool) -> tuple[float, float]:
    """(wall s, CPU s of the sweep process and all its workers) of one whole sweep."""
    argv = [sys.executable, "-m", "ganviz", "sweep", str(spec), "--workers", str(workers), "--out", str(out)]
    argv += ["--quiet"] + ([] if batch else ["--no-batch"])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the sweep and, reaped by it, its workers
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=1)
    args = p.parse_args()
    times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    print(f"{os.cpu_count()} cores, load average {load()} (1, 5, 15 min) before")
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.toml"
        spec.write_text(SPEC.format(steps=args.steps))
        for r in range(args.rounds):
            for batch in (False, True) if r % 2 == 0 else (True, False):
                wall, cpu = run(spec, Path(tmp) / f"out-{r}-{batch}", args.workers, batch)
                times[batch].append((wall, cpu))
                name = "batched   " if batch else "--no-batch"
                print(f"  {name} round {r + 1}: {wall:6.1f} s wall, {cpu:6.1f} s CPU (load {load()})", flush=True)
    (bw, bc), (sw, sc) = [
        (statistics.median(w for w, _ in times[b]), statistics.median(c for _, c in times[b])) for b in (True, False)
    ]
    runs = 12
    print(f"12 runs of 64x3 non-saturating, batch 256, {args.steps} steps each, {args.workers} workers")
    print(f"--no-batch: {sw:6.1f} s wall ({runs * args.steps / sw:6.1f} run-steps/s), {sc:6.1f} s CPU")
    print(f"batched:    {bw:6.1f} s wall ({runs * args.steps / bw:6.1f} run-steps/s), {bc:6.1f} s CPU")
    print(f"batched / --no-batch throughput: {sw / bw:.2f}x wall, {sc / bc:.2f}x per CPU second")
    print(f"load average {load()} after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
