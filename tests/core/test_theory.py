"""Theory quantities against their definitions (seeds 000–004, science.md §3–4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganviz.core.analysis.metrics import nearest_centre, wasserstein1
from ganviz.core.analysis.surface import contour_segments, grid_points
from ganviz.core.analysis.theory import (
    binned_kde,
    game_value,
    generator_gradients,
    gradient_norm_surface,
    js_estimate,
    mixture_density,
    optimal_d,
    optimal_d_surface,
    singular_values,
    weight_histogram,
)
from ganviz.core.data.datasets import get_dataset
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.models import linear_weights, mlp
from ganviz.core.training.objectives import get_objective, gradient_penalty
from ganviz.core.training.trainer import Trainer


def gauss2(pts, mu, s):
    return np.exp(-0.5 * ((pts - mu) ** 2).sum(1) / s**2) / (2 * math.pi * s**2)


def test_optimal_d_is_p_over_p_plus_q():
    pts = np.random.default_rng(0).uniform(-3, 3, (500, 2))
    p, q = gauss2(pts, np.array([1.0, 0.0]), 1.0), gauss2(pts, np.array([-1.0, 0.0]), 1.0)
    np.testing.assert_allclose(optimal_d(p, q), p / (p + q), rtol=1e-12)
    # where p = q (the plane x₁ = 0 here), D* = ½
    on_plane = np.column_stack([np.zeros(50), np.linspace(-2, 2, 50)])
    pp, qq = gauss2(on_plane, np.array([1.0, 0.0]), 1.0), gauss2(on_plane, np.array([-1.0, 0.0]), 1.0)
    np.testing.assert_allclose(optimal_d(pp, qq), 0.5)
    assert optimal_d(np.array([0.0]), np.array([0.0]))[0] == 0.5  # undefined: any value is optimal


def test_mixture_density_and_kde_integrate_to_one():
    ds = get_dataset("ring8")
    n = 300
    _, _, pts = grid_points(ds.extent, n)
    cell = (ds.extent[1] - ds.extent[0]) * (ds.extent[3] - ds.extent[2]) / n**2
    assert mixture_density(pts, ds.centres, ds.sigma).sum() * cell == pytest.approx(1.0, abs=1e-3)
    samples = np.random.default_rng(1).normal(0.0, 0.7, (20000, 2))
    kde = binned_kde(samples, (-4, 4, -4, 4), 100)
    assert kde.sum() * (8 / 100) ** 2 == pytest.approx(1.0, abs=0.01)
    _, _, g = grid_points((-4, 4, -4, 4), 100)
    truth = gauss2(g, np.zeros(2), 0.7).reshape(100, 100)
    assert np.abs(kde - truth).max() < 0.08 * truth.max()  # close to the true density (smoothing bias ~3 %)


def test_optimal_d_surface_is_half_when_the_generator_is_perfect():
    ds = get_dataset("ring8")
    rng = np.random.default_rng(2)

    def draw(k):
        return (ds.centres[rng.integers(0, 8, k)] + ds.sigma * rng.standard_normal((k, 2))).astype(np.float32)

    real, fakes = draw(20000), draw(20000)
    d_star = optimal_d_surface(fakes, real, ds, 100)
    _, _, pts = grid_points(ds.extent, 100)
    p = mixture_density(pts, ds.centres, ds.sigma).reshape(100, 100)
    mass = p > 0.2 * p.max()  # where the data is: D* → ½ as q → p
    assert abs(float(np.median(d_star[mass])) - 0.5) < 0.05
    # a generator stuck on one mode: D* ≈ 1 on the seven modes it misses, < ½ on the one it covers
    collapsed = (ds.centres[0] + ds.sigma * rng.standard_normal((20000, 2))).astype(np.float32)
    d_star = optimal_d_surface(collapsed, real, ds, 100)
    k, _ = nearest_centre(pts, ds.centres)
    near = mass.reshape(-1)
    assert np.median(d_star.reshape(-1)[near & (k != 0)]) > 0.95
    assert np.median(d_star.reshape(-1)[near & (k == 0)]) < 0.5


def test_game_value_and_js():
    assert js_estimate(np.array([-2 * math.log(2)]))[0] == pytest.approx(0.0)  # V(G*, D*) = −2 ln 2
    assert js_estimate(np.array([0.0]))[0] == pytest.approx(math.log(2))  # disjoint supports: JS = ln 2
    obj = get_objective("minimax")
    d_real, d_fake = torch.tensor([0.3, -1.2]), torch.tensor([0.5, 2.0])
    v = torch.log(torch.sigmoid(d_real)).mean() + torch.log(1 - torch.sigmoid(d_fake)).mean()
    assert game_value(obj.d_loss(d_real, d_fake).item()) == pytest.approx(v.item(), abs=1e-6)
    # at D = D* = ½ everywhere the value of the game is −2 ln 2
    zero = torch.zeros(100)
    assert game_value(obj.d_loss(zero, zero).item()) == pytest.approx(-2 * math.log(2), abs=1e-6)


def test_critic_estimate_approaches_w1_for_shifted_gaussians():
    """Kantorovich–Rubinstein: a critic kept 1-Lipschitz (GP) approximates W1; N(0,I) vs N((s,0),I): W1 = s."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    shift = 1.5
    d = mlp(2, 1, 64, 2, "relu")
    opt = torch.optim.Adam(d.parameters(), lr=1e-3, betas=(0.5, 0.9))
    obj = get_objective("wgan-gp")
    for _ in range(600):
        real = torch.randn(256, 2, generator=gen)
        fake = torch.randn(256, 2, generator=gen) + torch.tensor([shift, 0.0])
        loss = obj.d_loss(d(real), d(fake)) + gradient_penalty(d, real, fake, 10.0, gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
    real = torch.randn(4000, 2, generator=gen)
    fake = torch.randn(4000, 2, generator=gen) + torch.tensor([shift, 0.0])
    with torch.no_grad():
        estimate = float(d(real).mean() - d(fake).mean())
    assert estimate == pytest.approx(shift, rel=0.12)
    exact = wasserstein1(real.numpy(), fake.numpy(), 1000)
    assert exact == pytest.approx(shift, rel=0.15)  # finite samples add a little transport cost


def test_gradient_norm_surface_equals_autograd_at_the_grid_points():
    d = mlp(2, 1, 16, 2, "tanh")
    extent = (-2.0, 2.0, -1.0, 3.0)
    surface = gradient_norm_surface(d, extent, 20, torch.device("cpu"))
    _, _, pts = grid_points(extent, 20)
    for i in (0, 57, 399):
        x = torch.tensor(pts[i : i + 1], requires_grad=True)
        (g,) = torch.autograd.grad(d(x).sum(), x)
        assert surface.reshape(-1)[i] == pytest.approx(float(g.norm()), rel=1e-5)


def test_generator_gradients_are_per_sample():
    d = mlp(2, 1, 16, 2, "tanh")
    obj = get_objective("nonsaturating")
    x = np.random.default_rng(3).normal(size=(7, 2)).astype(np.float32)
    grads = generator_gradients(d, obj, x, torch.device("cpu"))
    for i in range(7):
        xi = torch.tensor(x[i : i + 1], requires_grad=True)
        (g,) = torch.autograd.grad(obj.g_loss(d(xi)), xi)
        np.testing.assert_allclose(grads[i], g.numpy()[0], rtol=1e-5, atol=1e-7)


def test_clipping_piles_weights_at_the_bounds_and_spectral_norm_keeps_sigma_one():
    clip = TrainConfig(objective="wgan", hidden=32, layers=2, batch=64, clip=0.01, seed=1)
    t = Trainer(clip)
    t.step(60)
    counts, edges = weight_histogram(t.D, bins=20)
    assert edges[0] >= -0.01 - 1e-6 and edges[-1] <= 0.01 + 1e-6
    assert (counts[0] + counts[-1]) / counts.sum() > 0.3  # piled at ±c (WGAN-GP paper, Figure 1b)
    sn = Trainer(TrainConfig(objective="nonsaturating", hidden=32, layers=2, batch=64, spectral_norm=True))
    sn.step(150)  # one power iteration per step: u needs some steps to converge
    sn.D.eval()
    sv = singular_values(sn.D)
    assert len(sv) == 3 and np.allclose(sv, 1.0, atol=0.05)
    expected = [float(torch.linalg.matrix_norm(w.detach(), ord=2)) for w in linear_weights(sn.D)]
    np.testing.assert_allclose(sv, expected, rtol=1e-6)


def test_with_d_frozen_g_alone_climbs_d():
    """Seed 001: for a fixed D, the best G puts its mass where D is largest (the root of mode collapse)."""
    t = Trainer(TrainConfig(objective="nonsaturating", hidden=32, layers=2, batch=128, seed=2))
    t.step(100)
    t.freeze("D", True)
    before_d = [p.detach().clone() for p in t.D.parameters()]
    z = t.z_fixed
    d0 = float(torch.sigmoid(t.critic_values(t.G(z))).mean())
    t.step(200)
    d1 = float(torch.sigmoid(t.critic_values(t.G(z))).mean())
    assert all(torch.equal(a, b) for a, b in zip(before_d, t.D.parameters()))
    assert d1 > d0 + 0.1 and d1 > 0.9
    t.freeze("D", False)
    t.freeze("G", True)
    before_g = [p.detach().clone() for p in t.G.parameters()]
    t.step(5)
    assert all(torch.equal(a, b) for a, b in zip(before_g, t.G.parameters()))


@pytest.mark.parametrize("shift_sigmas", [10.0, 25.0])
def test_optimal_d_surface_is_near_0_and_1_on_disjoint_supports(shift_sigmas):
    """Real on ring8's modes, fakes on the same modes shifted by 10σ or 25σ: their supports are disjoint, so
    D* = p/(p+q) is ≈ 1 where only real data lies and ≈ 0 where only fakes lie. Scott's bandwidth on the fakes
    (~19σ here) smeared both to ≈ ½ (0.44–0.56); it is capped as in the 1-D view."""
    ds = get_dataset("ring8")
    rng = np.random.default_rng(3)
    shift = np.array([shift_sigmas * ds.sigma, 0.0])

    def draw(k, offset):
        return (ds.centres[rng.integers(0, 8, k)] + offset + ds.sigma * rng.standard_normal((k, 2))).astype(np.float32)

    real, fakes = draw(2500, 0.0), draw(2500, shift)  # as many as the window draws
    d_star = optimal_d_surface(fakes, real, ds, 100).reshape(-1)
    _, _, pts = grid_points(ds.extent, 100)
    cell = (ds.extent[1] - ds.extent[0]) / 100
    for centres, want in ((ds.centres, 1.0), (ds.centres + shift, 0.0)):
        k, _ = nearest_centre(pts, centres)
        near = np.linalg.norm(pts - centres[k], axis=1) < 0.75 * cell  # the cells on each mode's centre
        assert near.sum() >= 8
        assert np.abs(d_star[near] - want).max() < 0.05, (want, d_star[near].min(), d_star[near].max())
    # the D* = ½ line lies between the real and the fake modes, not around the edge of where D* is defined
    xs, ys, _ = grid_points(ds.extent, 100)
    lx, ly = contour_segments(d_star.reshape(100, 100), 0.5, xs, ys)
    line = np.column_stack([lx, ly])
    line = line[np.isfinite(line).all(axis=1)]  # the points drawn (connect="finite")
    assert len(line) > 0
    for centres in (ds.centres, ds.centres + shift):
        assert nearest_centre(line, centres)[1].max() < 0.9 * np.linalg.norm(shift) + 2 * cell
