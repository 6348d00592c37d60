"""Frame build cost: what the window's worker spends per frame, part by part, and how it grows.

Times, on a trainer's networks (the frame builder's mirror, so no child process is involved), the pieces a
frame is made of: the 2,500 fixed-latent fakes, mode statistics, the decision surface at the resolution the
builder picks for the net (plus its upsampling to 100² and the level-set line), the 250 generator-gradient
arrows, the latent colouring, the 20×20 manifold mesh, and the exact W1 (once a second in the window, not per
frame). Then the surface alone against width and grid resolution. Goal: a full frame for a 64×3 net ≤ 10 ms.

Each figure is the median of `--repeats` calls after a warm-up, with torch on `--threads` threads (the frame
worker shares the GUI process; the trainer child has its own threads).

    python benchmarks/bench_frames.py                    # 64×3 parts, then width × resolution
    python benchmarks/bench_frames.py --hidden 128 --threads 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from ganviz.core.analysis.frames import ARROW_SAMPLES, SURFACE_DISPLAY, surface_resolution, upsample  # noqa: E402
from ganviz.core.analysis.latent import LatentSlice, colour_classes, latent_range, manifold_lines  # noqa: E402
from ganviz.core.analysis.metrics import (  # noqa: E402
    W1_SAMPLES,  # noqa: E402
    mode_stats,
    wasserstein1,
)
from ganviz.core.analysis.surface import contour_segments, evaluate_surface, grid_points  # noqa: E402
from ganviz.core.analysis.theory import generator_gradients  # noqa: E402
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def trained(hidden: int, layers: int, steps: int = 50) -> Trainer:
    t = Trainer(TrainConfig(dataset="ring8", objective="nonsaturating", hidden=hidden, layers=layers, seed=0))
    t.step(steps)  # not an untouched init: surfaces and contours of a net that has moved
    t.D.eval()
    return t


def parts(t: Trainer, repeats: int) -> list[tuple[str, float]]:
    ds, obj, dev = t.dataset, t.objective, t.device
    res = surface_resolution(t.config.hidden, t.config.layers)
    fakes = t.fakes()
    real = ds.sample(2500, torch.Generator().manual_seed(1), np.random.default_rng(1)).numpy()
    pts = fakes[:: 2500 // ARROW_SAMPLES]
    latent = LatentSlice((0, 1), (0.0, 0.0))
    lim = latent_range(t.config.prior)
    xs, ys, _ = grid_points(ds.extent, SURFACE_DISPLAY)
    surface = upsample(evaluate_surface(t.D, ds.extent, res, obj.surface, dev), SURFACE_DISPLAY)
    rows = [
        ("fakes (2,500 through G)", median_ms(t.fakes, repeats)),
        ("mode statistics", median_ms(lambda: mode_stats(fakes, ds.centres, ds.sigma), repeats)),
        (f"surface D at {res}²", median_ms(lambda: evaluate_surface(t.D, ds.extent, res, obj.surface, dev), repeats)),
        (
            f"upsample to {SURFACE_DISPLAY}² + D=½ line",
            median_ms(lambda: contour_segments(upsample(surface[::2, ::2], SURFACE_DISPLAY), 0.5, xs, ys), repeats),
        ),
        (f"gradient arrows ({ARROW_SAMPLES})", median_ms(lambda: generator_gradients(t.D, obj, pts, dev), repeats)),
        ("latent colouring", median_ms(lambda: colour_classes(fakes, ds), repeats)),
    ]
    per_frame = sum(ms for _, ms in rows)
    rows.append(("= every frame (sum of the above)", per_frame))
    rows.append(
        ("manifold 20×20 (when shown)", median_ms(lambda: manifold_lines(t.G, latent, 2, lim, 20, dev), repeats))
    )
    rows.append(
        (f"exact W1, {W1_SAMPLES}+{W1_SAMPLES} (1 Hz)", median_ms(lambda: wasserstein1(real, fakes, W1_SAMPLES), 5))
    )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--threads", type=int, default=1, help="torch threads (the window's frame worker uses 1)")
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    wasserstein1(np.zeros((2, 2)), np.ones((2, 2)), 2)  # POT's import is seconds; not a frame cost

    t = trained(args.hidden, args.layers)
    net = f"{args.hidden}×{args.layers} net on {t.device}"
    print(f"frame parts, {net}, {args.threads} thread(s), median of {args.repeats}:")
    for name, ms in parts(t, args.repeats):
        print(f"  {name:42s} {ms:7.2f} ms")

    print("\nsurface evaluation (one batched forward of D) against width and grid resolution, ms:")
    resolutions = (50, 100, 150, 200)
    print("  width×3  " + "".join(f"{r:>5d}²  " for r in resolutions) + " builder picks")
    for hidden in (64, 128, 256, 512):
        net = trained(hidden, 3, steps=5)
        cells = [
            median_ms(
                lambda r=r, n=net: evaluate_surface(n.D, n.dataset.extent, r, "prob", n.device), args.repeats // 3
            )
            for r in resolutions
        ]
        print(f"  {hidden:7d}  " + "".join(f"{ms:6.1f}  " for ms in cells) + f" {surface_resolution(hidden, 3)}²")


if __name__ == "__main__":
    main()
