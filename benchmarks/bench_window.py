"""Training speed with the live window drawing vs headless, plus frame rate, frame cost and first frame.

Runs, in one go and alternating, (a) `ganviz train` for a fixed number of steps and (b) the window under
offscreen Qt for `--seconds` with `--run-for`, same settings; prints steps/s of each, their ratio
(goal ≥ 0.8), frames/s (goal ≥ 30), frame cost p50/p95 (build + draw, ms) and launch-to-first-frame (goal ≤ 3 s).

    python benchmarks/bench_window.py [--seconds 20] [--rounds 2] [--objective nonsaturating] [--hidden 64]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def run_headless(args, out: Path) -> float:
    steps = max(200, int(args.headless_steps))
    cmd = [sys.executable, "-m", "ganviz", "train", "--quiet", "--steps", str(steps), "--metrics-out", str(out)]
    subprocess.run(cmd + common(args), check=True)
    return json.loads(out.read_text())["steps_per_s"]


def run_window(args, out: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "ganviz", "--run-for", str(args.seconds), "--stats-json", str(out)]
    subprocess.run(cmd + common(args), check=True, env=env, stderr=subprocess.DEVNULL)
    return json.loads(out.read_text())


def common(args) -> list[str]:
    return [
        "--dataset",
        args.dataset,
        "--objective",
        args.objective,
        "--hidden",
        str(args.hidden),
        "--layers",
        str(args.layers),
        "--seed",
        "0",
        "--device",
        "cpu",
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=20.0, help="window run length per round")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--dataset", default="ring8")
    p.add_argument("--objective", default="nonsaturating")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--headless-steps", type=int, default=3000)
    args = p.parse_args()
    headless, window = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            window.append(run_window(args, Path(tmp) / f"w{r}.json"))
            headless.append(run_headless(args, Path(tmp) / f"h{r}.json"))
            print(
                f"round {r + 1}: headless {headless[-1]:.1f} steps/s, window {window[-1]['train_steps_per_s']:.1f} "
                f"steps/s at {window[-1]['fps']:.1f} frames/s",
                flush=True,
            )
    h = statistics.median(headless)
    w = statistics.median(x["train_steps_per_s"] for x in window)
    print(f"\n{args.hidden}x{args.layers} {args.objective} on {args.dataset}, offscreen, {args.seconds:.0f} s a run")
    print(f"headless trainer         {h:8.1f} steps/s")
    print(f"with the window drawing  {w:8.1f} steps/s   ratio {w / h:.2f}  (goal ≥ 0.8)")
    print(f"frames/s                 {statistics.median(x['fps'] for x in window):8.1f}          (goal ≥ 30)")
    print(
        f"frame cost p50 / p95     {statistics.median(x['frame_ms_p50'] for x in window):5.1f} / "
        f"{statistics.median(x['frame_ms_p95'] for x in window):.1f} ms (build + draw)"
    )
    print(
        f"launch to first frame    {statistics.median(x['first_frame_s'] for x in window):8.2f} s        (goal ≤ 3 s)"
    )


if __name__ == "__main__":
    main()
