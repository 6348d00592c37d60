"""Decision surface on a grid, its level-set contour (vectorised marching squares) and its colour range; numpy out."""

from __future__ import annotations

import math

import numpy as np
import torch

ROBUST_PERCENTILES = (2.0, 98.0)  # the colour range covers these percentiles of the values in view
LOOSEST = 2.5  # a kept colour range may be at most this many times wider than the values need
CENTRE_DRIFT = 0.15  # ... and its centre at most this share of its half-width away from the level line


def grid_points(extent: tuple[float, float, float, float], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell-centre coordinates xs (n,), ys (n,), and all points (n*n, 2) in row-major order (y rows, x columns)."""
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    gx, gy = np.meshgrid(xs, ys, indexing="xy")
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


@torch.no_grad()
def evaluate_surface(d, extent, n: int, kind: str, device: torch.device) -> np.ndarray:
    """D on an n×n grid in one forward pass; (n, n) float32, row i = y index. σ(D) when kind == 'prob'."""
    _, _, pts = grid_points(extent, n)
    out = d(torch.from_numpy(pts).to(device)).reshape(n, n)
    if kind == "prob":
        out = torch.sigmoid(out)
    return out.to("cpu", dtype=torch.float32, copy=True).numpy()


def contour_segments(values: np.ndarray, level: float, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line segments of {values = level} as x, y arrays with NaN between segments (for connect='finite').

    values[i, j] is the value at (xs[j], ys[i]). Each grid cell with a sign change on two edges gives one
    segment; saddle cells (four crossings) give two.
    """
    v = values - level
    a, b, c, d = v[:-1, :-1], v[:-1, 1:], v[1:, 1:], v[1:, :-1]  # corners: (i,j) (i,j+1) (i+1,j+1) (i+1,j)
    X0, Y0 = np.meshgrid(xs[:-1], ys[:-1], indexing="xy")
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]

    def cross(p, q):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = p / (p - q)
        return ((p > 0) != (q > 0)), np.clip(t, 0.0, 1.0)

    edges = []  # each: (mask, x, y) for bottom, right, top, left edges, in cyclic order
    m, t = cross(a, b)
    edges.append((m, X0 + t * dx, Y0))
    m, t = cross(b, c)
    edges.append((m, X0 + dx, Y0 + t * dy))
    m, t = cross(d, c)
    edges.append((m, X0 + t * dx, Y0 + dy))
    m, t = cross(a, d)
    edges.append((m, X0, Y0 + t * dy))
    masks = np.stack([e[0] for e in edges])  # (4, ny, nx)
    ex = np.stack([e[1] for e in edges])
    ey = np.stack([e[2] for e in edges])
    count = masks.sum(axis=0)

    segs_x, segs_y = [], []
    two = count == 2
    if two.any():
        idx = np.argsort(~masks[:, two], axis=0, kind="stable")[:2]  # the two crossed edges
        cols = np.arange(idx.shape[1])
        segs_x.append(np.stack([ex[:, two][idx[0], cols], ex[:, two][idx[1], cols]], axis=1))
        segs_y.append(np.stack([ey[:, two][idx[0], cols], ey[:, two][idx[1], cols]], axis=1))
    four = count == 4
    if four.any():
        for i, j in ((0, 1), (2, 3)):
            segs_x.append(np.stack([ex[i][four], ex[j][four]], axis=1))
            segs_y.append(np.stack([ey[i][four], ey[j][four]], axis=1))
    if not segs_x:
        return np.empty(0, np.float32), np.empty(0, np.float32)
    sx, sy = np.concatenate(segs_x), np.concatenate(segs_y)
    nan = np.full((len(sx), 1), np.nan)
    return (
        np.concatenate([sx, nan], axis=1).ravel().astype(np.float32),
        np.concatenate([sy, nan], axis=1).ravel().astype(np.float32),
    )


def nice_span(span: float) -> float:
    """Round up to the next of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k: the colour bar's scale (and its
    costly axis, ~5 ms a repaint) then changes only now and then, not on every frame."""
    decade = 10.0 ** math.floor(math.log10(span))
    for m in (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if span <= m * decade * (1 + 1e-9):
            return m * decade
    return 10.0 * decade


@torch.no_grad()
def critic_midpoint(d, real: np.ndarray, fakes: np.ndarray, device: torch.device) -> float:
    """½ (mean D on real + mean D on fakes): a critic's level is arbitrary (adding a constant changes no
    loss), so its 'boundary' is drawn where it is halfway between the two data sets, not at 0."""
    means = []
    for x in (real, fakes):
        x = x[np.isfinite(x).all(axis=1)]
        out = d(torch.as_tensor(np.ascontiguousarray(x, dtype=np.float32), device=device)).reshape(-1)
        means.append(float(out.double().mean()) if len(x) else math.nan)
    return 0.5 * (means[0] + means[1])


def colour_levels(
    values: np.ndarray, level: float | None, previous: tuple[float, float] | None = None
) -> tuple[float, float]:
    """The colour bar's range for a surface: the 2nd–98th percentile of its values, rounded by `nice_span`.

    `level` given: a diverging range centred on it (the map's white is the level line); None: a sequential
    range from 0 (a norm). `previous` (the last frame's range) is kept while it still covers those values,
    is at most LOOSEST times wider than needed and (diverging) stays centred near the level, so the colours
    do not flicker from frame to frame as the percentiles move.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:  # a diverged network: any range
        if previous is not None:
            return previous
        return (0.0, 1.0) if level is None or not math.isfinite(level) else (level - 1.0, level + 1.0)
    lo, hi = (float(v) for v in np.percentile(finite, ROBUST_PERCENTILES))
    if level is not None and not math.isfinite(level):  # no level (no finite sample): centre on the values
        level = 0.5 * (lo + hi)
    if level is None:
        lo, need = 0.0, max(hi, 0.0)
    else:
        need = max(level - lo, hi - level, 0.0)
    need = need if need > 1e-12 else max(abs(hi), 1.0) * 1e-6  # a flat surface: any small range
    if previous is not None:
        a, b = previous
        half = 0.5 * (b - a)
        covers = a <= lo + 1e-12 and hi <= b + 1e-12
        centred = level is None or abs(0.5 * (a + b) - level) <= CENTRE_DRIFT * half
        tight = (b - a) <= LOOSEST * (need if level is None else 2.0 * need)
        if covers and centred and tight:
            return previous
    span = nice_span(need)
    return (0.0, span) if level is None else (level - span, level + span)
