"""Frames built by hand for tests of what stores or draws them (no trainer, no child process)."""

from __future__ import annotations

import numpy as np

from ganviz.core.analysis.frames import Frame
from ganviz.core.analysis.latent import LatentSlice


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def make_frame(step: int, n: int = 40, boundary: int = 7) -> Frame:
    """A frame whose arrays all encode `step`, so a stored copy can be checked against its step."""
    rng = np.random.default_rng(step)
    return Frame(
        step=step,
        running=True,
        steps_per_s=1.0,
        objective="nonsaturating",
        family="gan",
        dataset="ring8",
        extent=(-3.0, 3.0, -3.0, 3.0),
        real=_readonly(np.zeros((5, 2), np.float32)),
        fakes=_readonly(rng.standard_normal((n, 2)).astype(np.float32)),
        surface=_readonly(np.full((6, 6), step, np.float32)),
        surface_kind="prob",
        surface_step=step,
        surface_labels=("D", "D = ½"),
        surface_max=(0.0, 0.0),
        arrows=None,
        theory=np.zeros((0, 2)),
        critic=None,
        surface_levels=(0.0, 1.0),
        boundary=(_readonly(np.arange(boundary, dtype=np.float64) + step), _readonly(np.full(boundary, -step, float))),
        history=np.zeros((0, 9)),
        quality=np.zeros((0, 6)),
        mode_counts=None,
        modes=None,
        fake_class=_readonly(np.full(n, step % 7, np.int16)),
        palette=np.zeros((8, 4), np.uint8),
        pad_points=np.zeros((n, 2), np.float32),
        pad_class=_readonly(np.full(n, step % 5, np.int16)),
        latent=LatentSlice((0, 1), (0.0, 0.0)),
        latent_lim=1.0,
        manifold=None,
        centres=None,
        device="cpu",
        build_ms=1.0,
    )
