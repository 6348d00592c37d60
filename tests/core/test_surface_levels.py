"""The heatmap's colour range and level line: robust, steady, and where the critic's level means something."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from ganviz.core.analysis.frames import GRADNORM_LABELS, FrameBuilder
from ganviz.core.analysis.surface import colour_levels, critic_midpoint, evaluate_surface
from ganviz.core.training.config import TrainConfig


def critic_like(offset: float, spread: float = 4.5, n: int = 100, seed: int = 0) -> np.ndarray:
    """A smooth surface between offset − spread and offset + spread, with a few wild cells (outliers)."""
    x = np.linspace(-1, 1, n)
    s = offset + spread * np.sin(2 * x)[None, :] * np.cos(x)[:, None] / np.sin(2.0)
    s[np.random.default_rng(seed).integers(0, n, 3), np.random.default_rng(seed + 1).integers(0, n, 3)] = offset + 1e4
    return s.astype(np.float32)


def test_a_critic_at_minus_8_to_minus_17_is_coloured_over_its_own_range():
    s = critic_like(-12.5)
    level = -12.0
    lo, hi = colour_levels(s, level)
    assert 0.5 * (lo + hi) == pytest.approx(level)  # the diverging map's white is the level line
    p2, p98 = np.percentile(s, [2, 98])
    assert lo <= p2 and p98 <= hi  # the values in view are covered ...
    assert hi - lo <= 2.5 * 2 * max(level - p2, p98 - level)  # ... by a range not much wider (outliers ignored)
    assert hi < 0  # not centred on 0: a ±17 range would leave the −17…−8 critic one flat colour


def test_no_level_line_or_no_finite_value_still_gives_a_finite_range():
    s = critic_like(-12.5)
    lo, hi = colour_levels(s, float("nan"))  # every fake diverged: no mean critic on fakes
    assert lo <= np.percentile(s, 2) and np.percentile(s, 98) <= hi
    assert np.isfinite(colour_levels(np.full((4, 4), np.nan), float("nan"))).all()


def test_the_gradient_norm_range_is_sequential_from_zero():
    g = np.abs(critic_like(1.0, 0.6))
    lo, hi = colour_levels(g, None)
    assert lo == 0.0 and np.percentile(g, 98) <= hi <= 2.5 * np.percentile(g, 98)


def test_colours_stay_put_while_the_values_drift_a_little_and_follow_a_big_change():
    s = critic_like(-12.5)
    first = colour_levels(s, -12.0)
    for k in range(20):  # the critic drifts by a few percent of its range: the colour bar stays
        assert colour_levels(s + 0.02 * k, -12.0 + 0.02 * k, first) == first
    moved = colour_levels(s - 30.0, -42.0, first)  # the whole critic moved: so do the colours
    assert moved != first and moved[0] <= np.percentile(s - 30.0, 2) and moved[1] < -30


def test_critic_midpoint_is_halfway_between_the_means_on_real_and_fake():
    torch.manual_seed(0)
    d = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    rng = np.random.default_rng(0)
    real, fakes = rng.normal(1.0, 0.3, (300, 2)), rng.normal(-1.0, 0.3, (200, 2))
    fakes[5] = np.nan  # a diverged sample is left out
    with torch.no_grad():
        want = 0.5 * (
            d(torch.tensor(real, dtype=torch.float32)).mean().item()
            + d(torch.tensor(fakes[np.isfinite(fakes).all(1)], dtype=torch.float32)).mean().item()
        )
    assert critic_midpoint(d, real, fakes, torch.device("cpu")) == pytest.approx(want, rel=1e-5)


def test_a_shifted_wgan_critic_gets_its_level_line_and_a_range_of_colours():
    """A WGAN-GP critic sitting around −12 (its level is arbitrary): the frame's colour range covers its values,
    centred on the line midway between its mean on real and fake data, and that line is drawn."""
    cfg = TrainConfig(hidden=16, layers=2, batch=32, n_fixed=500, device="cpu", objective="wgan-gp")
    builder = FrameBuilder(cfg)
    try:
        deadline = time.monotonic() + 90
        while builder.build() is None:  # the child's first publish (after it, the mirror's D stays as set here)
            assert time.monotonic() < deadline, "the trainer process published nothing in 90 s"
            time.sleep(0.05)
        m = builder.mirror
        with torch.no_grad():
            [mod for mod in m.D.modules() if isinstance(mod, torch.nn.Linear)][-1].bias.fill_(-12.0)
        frame = builder.build(force=True)
        extent = frame.extent
        surface = evaluate_surface(m.D, extent, 100, "critic", m.device)
        level = critic_midpoint(m.D, frame.real, frame.fakes, m.device)
        assert -20 < level < -5
        lo, hi = frame.surface_levels
        assert 0.5 * (lo + hi) == pytest.approx(level, abs=1e-6)
        p2, p98 = np.percentile(surface, [2, 98])
        assert lo <= p2 + 1e-4 and p98 <= hi + 1e-4 and hi < 0
        bx, by = frame.boundary
        assert np.isfinite(bx).sum() > 0  # the level line is drawn
        assert frame.surface_labels[1] == "critic midway"
        builder.surface_mode = "gradnorm"
        frame = builder.build(force=True)
        assert frame.surface_labels == GRADNORM_LABELS and frame.surface_levels[0] == 0.0
    finally:
        builder.close()
