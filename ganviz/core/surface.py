"""Decision surface on a grid and its level-set contour (vectorised marching squares), numpy out."""

from __future__ import annotations

import numpy as np
import torch


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
