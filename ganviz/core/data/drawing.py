"""Drawing your own data: a brush that adds points with a small Gaussian spread, and an eraser."""

from __future__ import annotations

import numpy as np

BRUSH_POINTS = 4  # points added per brush event (a mouse move while dragging)
BRUSH_SPREAD = 0.02  # their spread, as a share of the view's width (GAN Lab: 0.02 of the unit square)
ERASER_RADIUS = 0.04  # share of the view's width


def brush(points: np.ndarray, at: np.ndarray, width: float, rng: np.random.Generator) -> np.ndarray:
    """`points` plus BRUSH_POINTS new ones around `at`, N(at, (BRUSH_SPREAD·width)²) per coordinate."""
    new = np.asarray(at, np.float32)[None, :] + BRUSH_SPREAD * width * rng.standard_normal((BRUSH_POINTS, 2))
    return np.concatenate([points, new.astype(np.float32)])


def erase(points: np.ndarray, at: np.ndarray, width: float) -> np.ndarray:
    """`points` without those within ERASER_RADIUS·width of `at`."""
    if len(points) == 0:
        return points
    keep = np.hypot(*(points - np.asarray(at, np.float32)[None, :]).T) > ERASER_RADIUS * width
    return points[keep]
