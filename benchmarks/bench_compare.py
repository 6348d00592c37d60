"""Compare mode's speed against its runs alone: the issue-17 goal is 4 runs at ≥ 0.8× the slowest run alone.

Each round runs, alternating, under offscreen Qt and for `--seconds` each: the compare window with the
objectives given (`--compare`, trained as one batch when they are batchable), then the main window alone on
each of those objectives, same settings. It reads every window's `--stats-json` and prints per round and as
medians: the compare runs' common generator steps/s, each objective's steps/s alone, the ratio of the first to
the slowest of the second, and frames/s of both windows.

    python benchmarks/bench_compare.py [--objectives nonsaturating,minimax,lsgan,hinge] [--hidden 64]
                                       [--seconds 20] [--rounds 2]
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


def window(args, extra: list[str], out: Path, checkout: str | None = None) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if checkout:
        env["PYTHONPATH"] = checkout
    cmd = [sys.executable, "-m", "ganviz", "--run-for", str(args.seconds), "--stats-json", str(out)]
    common = ["--dataset", args.dataset, "--hidden", str(args.hidden), "--layers", str(args.layers)]
    common += ["--seed", "0", "--device", "cpu"]
    subprocess.run(cmd + common + extra, check=True, env=env, stderr=subprocess.DEVNULL)
    return json.loads(out.read_text())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--objectives", default="nonsaturating,minimax,lsgan,hinge")
    p.add_argument("--dataset", default="ring8")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--seconds", type=float, default=20.0, help="each window's run length")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--against", metavar="DIR", help="also run compare from another checkout of ganviz (before/after)")
    args = p.parse_args()
    objectives = args.objectives.split(",")
    ratios, compare_fps, alone_fps, before = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            both = window(args, ["--compare", args.objectives], Path(tmp) / f"c{r}.json")
            alone = {o: window(args, ["--objective", o], Path(tmp) / f"{o}{r}.json") for o in objectives}
            slowest = min(alone.values(), key=lambda s: s["train_steps_per_s"])
            ratio = both["train_steps_per_s"] / slowest["train_steps_per_s"]
            ratios.append(ratio)
            if args.against:
                old = window(args, ["--compare", args.objectives], Path(tmp) / f"o{r}.json", args.against)
                before.append(old["train_steps_per_s"] / slowest["train_steps_per_s"])
                print(
                    f"  {args.against}: compare {old['train_steps_per_s']:.1f} steps/s per run at "
                    f"{old['fps']:.1f} frames/s; ratio to the slowest {before[-1]:.2f}",
                    flush=True,
                )
            compare_fps.append(both["fps"])
            alone_fps += [s["fps"] for s in alone.values()]
            rates = ", ".join(f"{o} {s['train_steps_per_s']:.0f}" for o, s in alone.items())
            how = "one batch" if both.get("batched") else "one process per run"
            print(
                f"round {r + 1}: compare ({how}) {both['train_steps_per_s']:.1f} steps/s per run at "
                f"{both['fps']:.1f} frames/s; alone: {rates} steps/s; ratio to the slowest {ratio:.2f}",
                flush=True,
            )
    load = os.getloadavg()[0]
    print(f"\n{len(objectives)} runs of {args.hidden}x{args.layers} on {args.dataset}, offscreen, load {load:.1f}")
    print(f"compare / slowest alone   {statistics.median(ratios):.2f}   (goal ≥ 0.8)")
    if before:
        print(f"compare / slowest alone, {args.against}: {statistics.median(before):.2f}")
    print(f"frames/s compare / alone  {statistics.median(compare_fps):.1f} / {statistics.median(alone_fps):.1f}")


if __name__ == "__main__":
    main()
