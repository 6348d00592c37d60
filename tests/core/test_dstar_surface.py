"""The 2-D "Optimal D*" surface follows the objective: its own d_star(p, q), colour range and level line, and the
learned critic (with a note) for the WGAN family, which has no pointwise optimal D (science.md §4)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ganviz.core.analysis.frames import SURFACE_LABELS, FrameBuilder
from ganviz.core.analysis.metrics import nearest_centre
from ganviz.core.analysis.surface import grid_points
from ganviz.core.analysis.theory import d_star_scale, optimal_d_surface
from ganviz.core.data.datasets import get_dataset
from ganviz.core.runs.commands import SetObjective
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import OBJECTIVES

RATIO_FAMILY = ("minimax", "nonsaturating", "lsgan")  # LSGAN with the 0-1 coding: (1·p + 0·q)/(p + q)


def ring8_samples(shift_sigmas: float, seed: int = 3):
    """Real samples on ring8's modes and fakes on the same modes shifted by `shift_sigmas` σ to the right."""
    ds = get_dataset("ring8")
    rng = np.random.default_rng(seed)
    shift = np.array([shift_sigmas * ds.sigma, 0.0])

    def draw(k, offset):
        return (ds.centres[rng.integers(0, 8, k)] + offset + ds.sigma * rng.standard_normal((k, 2))).astype(np.float32)

    return ds, shift, draw(2500, 0.0), draw(2500, shift)


def mode_cells(ds, centres) -> np.ndarray:
    """The grid cells on each mode's centre (where one density dominates when supports are disjoint)."""
    _, _, pts = grid_points(ds.extent, 100)
    k, _ = nearest_centre(pts, centres)
    near = np.linalg.norm(pts - centres[k], axis=1) < 0.75 * (ds.extent[1] - ds.extent[0]) / 100
    assert near.sum() >= 8
    return near.reshape(100, 100)


def test_each_objectives_d_star_scale_is_its_range_and_its_p_equals_q_value():
    for name in RATIO_FAMILY:
        assert d_star_scale(OBJECTIVES.get(name).d_star) == ((0.0, 1.0), 0.5)
    assert d_star_scale(OBJECTIVES.get("hinge").d_star) == ((-1.0, 1.0), 0.0)


@pytest.mark.parametrize("name", [*RATIO_FAMILY, "hinge"])
def test_on_disjoint_supports_d_star_is_its_real_only_and_fake_only_values(name):
    """Real modes and fakes 25σ apart: where only real data lies D* is the objective's real-only value (1 for
    all four), where only fakes lie its fake-only value (0, or −1 for hinge), and undefined (NaN) far from both."""
    d_star = OBJECTIVES.get(name).d_star
    ds, shift, real, fakes = ring8_samples(25.0)
    s = optimal_d_surface(fakes, real, ds, 100, d_star.fn)
    (lo, hi), _ = d_star_scale(d_star)
    assert np.abs(s[mode_cells(ds, ds.centres)] - hi).max() < 0.05
    assert np.abs(s[mode_cells(ds, ds.centres + shift)] - lo).max() < 0.05
    if name == "hinge":  # sign(p − q): exactly ±1 wherever one density dominates
        assert set(np.unique(s[np.isfinite(s)])) <= {-1.0, 0.0, 1.0}
    assert np.isnan(s[0, 0]) and np.isnan(s[-1, -1])  # the view's corners: no data, no fakes


def test_on_overlapping_supports_each_d_star_is_its_formula_of_the_same_densities():
    """Fakes 1σ off the real modes (overlapping): the ratio family's surfaces are the same p/(p+q) (LSGAN's
    0-1 coding included), hinge's is sign(p/(p+q) − ½) there, and all are undefined in the same cells."""
    ds, _, real, fakes = ring8_samples(1.0)
    ratio = optimal_d_surface(fakes, real, ds, 100)  # the default: p/(p+q)
    defined = np.isfinite(ratio)
    assert defined.sum() > 100 and 0.2 < np.nanmedian(ratio[mode_cells(ds, ds.centres)]) < 0.95
    for name in RATIO_FAMILY:
        s = optimal_d_surface(fakes, real, ds, 100, OBJECTIVES.get(name).d_star.fn)
        np.testing.assert_allclose(s, ratio, rtol=1e-6, equal_nan=True)
    hinge = optimal_d_surface(fakes, real, ds, 100, OBJECTIVES.get("hinge").d_star.fn)
    np.testing.assert_array_equal(np.isfinite(hinge), defined)
    clear = defined & (np.abs(ratio - 0.5) > 1e-4)  # away from float ties at p = q
    np.testing.assert_array_equal(hinge[clear], np.sign(ratio[clear] - 0.5))
    assert (hinge[clear] == 1).any() and (hinge[clear] == -1).any()


def first_frame(builder: FrameBuilder):
    deadline = time.monotonic() + 90
    while (frame := builder.build()) is None:
        assert time.monotonic() < deadline, "the trainer process published nothing in 90 s"
        time.sleep(0.05)
    return frame


def test_frames_draw_hinges_d_star_on_minus_1_to_1_and_fall_back_to_the_critic_for_wgan():
    cfg = TrainConfig(hidden=16, layers=2, batch=32, n_fixed=500, device="cpu", objective="wgan-gp", dataset="ring8")
    builder = FrameBuilder(cfg)
    try:
        first_frame(builder)
        learned = builder.build(force=True)
        builder.surface_mode = "dstar"
        frame = builder.build(force=True)
        # no D* for the WGAN family: the learned critic, and the colour bar says why
        np.testing.assert_array_equal(frame.surface, learned.surface)
        assert frame.surface_labels[0] == f"{SURFACE_LABELS['critic'][0]} (no D* for WGAN-GP)"
        builder.send(SetObjective("hinge"))
        deadline = time.monotonic() + 60
        while builder.mirror.objective.name != "hinge":
            assert time.monotonic() < deadline, "the objective never switched"
            builder.build()
            time.sleep(0.05)
        frame = builder.build(force=True)
        assert frame.surface_labels == ("D* = sign(p − q) (estimated)", "D* = 0")
        assert frame.surface_levels == (-1.0, 1.0)  # white (the diverging map's middle) on the level line 0
        s = frame.surface
        assert set(np.unique(s[np.isfinite(s)])) <= {-1.0, 0.0, 1.0} and np.isfinite(s).any()
        builder.send(SetObjective("nonsaturating"))
        while builder.mirror.objective.name != "nonsaturating":
            assert time.monotonic() < deadline, "the objective never switched"
            builder.build()
            time.sleep(0.05)
        frame = builder.build(force=True)
        assert frame.surface_labels == ("D* = p/(p+q) (estimated)", "D* = ½") and frame.surface_levels == (0.0, 1.0)
    finally:
        builder.close()
