"""Frames made by hand for the data view's tests: a surface, its colour range and labels, a few samples."""

from __future__ import annotations

import numpy as np

from ganviz.core.analysis.frames import SURFACE_LABELS, Frame
from ganviz.core.analysis.latent import LatentSlice

EXTENT = (-3.0, 3.0, -3.0, 3.0)


def make_frame(
    surface: np.ndarray,
    levels: tuple[float, float],
    labels: tuple[str, str] = SURFACE_LABELS["critic"],
    fakes: np.ndarray | None = None,
    real: np.ndarray | None = None,
    arrows=None,
) -> Frame:
    fakes = np.array([[-2.5, -2.5]], np.float32) if fakes is None else fakes.astype(np.float32)
    real = np.array([[2.5, 2.5]], np.float32) if real is None else real.astype(np.float32)
    n = len(fakes)
    return Frame(
        step=1,
        running=False,
        steps_per_s=0.0,
        objective="wgan-gp",
        family="wgan",
        dataset="ring8",
        extent=EXTENT,
        real=real,
        fakes=fakes,
        surface=surface.astype(np.float32),
        surface_kind="critic",
        surface_step=1,
        surface_labels=labels,
        surface_max=(2.5, -2.5),  # the argmax star, away from the samples the tests look at
        arrows=arrows,
        theory=np.zeros((0, 2)),
        critic=None,
        surface_levels=levels,
        boundary=(np.zeros(0, np.float32), np.zeros(0, np.float32)),
        history=np.zeros((0, 9)),
        quality=np.zeros((0, 6)),
        mode_counts=None,
        modes=None,
        fake_class=np.zeros(n, np.int16),
        palette=np.array([[30, 90, 200, 255]], np.uint8),
        pad_points=np.zeros((n, 2), np.float32),
        pad_class=np.zeros(n, np.int16),
        latent=LatentSlice((0, 1), (0.0, 0.0)),
        latent_lim=1.0,
        manifold=None,
        centres=None,
        device="cpu",
        build_ms=0.0,
    )
