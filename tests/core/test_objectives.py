"""Objectives and regularisers against the formulas of science.md §4, recomputed with plain math."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import OBJECTIVES, get_objective, gradient_penalty, r1_penalty

D_REAL = [2.3, -0.7, 0.1, 1.5, -3.2, 0.9]
D_FAKE = [-1.1, 0.4, -2.6, 3.0, 0.0, -0.3]


def sig(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs)


def _bce_d(real, fake):
    return -mean(math.log(sig(t)) for t in real) - mean(math.log(1.0 - sig(t)) for t in fake)


# objective -> (D loss, G loss), written out from science.md §4; LSGAN with (a, b, c) = (0, 1, 1)
FORMULAS = {
    "minimax": (_bce_d, lambda fake: mean(math.log(1.0 - sig(t)) for t in fake)),
    "nonsaturating": (_bce_d, lambda fake: -mean(math.log(sig(t)) for t in fake)),
    "lsgan": (
        lambda real, fake: 0.5 * mean((t - 1.0) ** 2 for t in real) + 0.5 * mean(t**2 for t in fake),
        lambda fake: 0.5 * mean((t - 1.0) ** 2 for t in fake),
    ),
    "hinge": (
        lambda real, fake: mean(max(0.0, 1.0 - t) for t in real) + mean(max(0.0, 1.0 + t) for t in fake),
        lambda fake: -mean(fake),
    ),
    "wgan": (lambda real, fake: mean(fake) - mean(real), lambda fake: -mean(fake)),
    "wgan-gp": (lambda real, fake: mean(fake) - mean(real), lambda fake: -mean(fake)),
}


def test_every_registered_objective_has_a_formula():
    assert sorted(OBJECTIVES.names()) == sorted(FORMULAS)


@pytest.mark.parametrize("name", sorted(FORMULAS))
@pytest.mark.parametrize("shape", [(6,), (6, 1)], ids=["flat", "column"])
def test_losses_match_formula(name, shape):
    obj = get_objective(name)
    real = torch.tensor(D_REAL, dtype=torch.float64).reshape(shape)
    fake = torch.tensor(D_FAKE, dtype=torch.float64).reshape(shape)
    want_d, want_g = FORMULAS[name]
    d = obj.d_loss(real, fake)
    g = obj.g_loss(fake)
    assert d.shape == () and g.shape == ()
    assert d.item() == pytest.approx(want_d(D_REAL, D_FAKE), rel=1e-12, abs=1e-12)
    assert g.item() == pytest.approx(want_g(D_FAKE), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", ["minimax", "nonsaturating"])
def test_bce_losses_stay_finite_for_large_logits(name):
    obj = get_objective(name)
    real = torch.tensor([200.0, -200.0])
    fake = torch.tensor([-200.0, 200.0])
    # −log σ(−200) = 200 (+ e^−200): the stable form must not overflow
    assert obj.d_loss(real, fake).item() == pytest.approx(0.5 * 200 + 0.5 * 200, rel=1e-6)
    assert math.isfinite(obj.g_loss(fake).item())


def test_generator_gradients_point_the_right_way():
    """Minimising each G loss must raise D(x̃) (the fake looks more real)."""
    for name in FORMULAS:
        fake = torch.tensor([-0.5, 0.2], requires_grad=True)
        get_objective(name).g_loss(fake).backward()
        assert (fake.grad < 0).all(), name


# --- regularisers ----------------------------------------------------------------------------


def _small_d() -> nn.Module:
    torch.manual_seed(3)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).double()


def _linear_d(w=(0.6, -1.7), b=0.3) -> nn.Module:
    d = nn.Linear(2, 1).double()
    with torch.no_grad():
        d.weight.copy_(torch.tensor([w], dtype=torch.float64))
        d.bias.fill_(b)
    return d


def _fd_grad(d: nn.Module, x: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    """∇ₓD(x) per row by central finite differences (independent of autograd)."""
    out = torch.empty_like(x)
    with torch.no_grad():
        for j in range(x.shape[1]):
            e = torch.zeros_like(x)
            e[:, j] = h
            out[:, j] = (d(x + e) - d(x - e)).squeeze(1) / (2 * h)
    return out


def _points(seed: int, n: int = 7) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 2, generator=g, dtype=torch.float64), 3 * torch.randn(n, 2, generator=g, dtype=torch.float64)


def test_gradient_penalty_matches_definition_on_small_d():
    d = _small_d()
    real, fake = _points(0)
    lam = 0.37
    got = gradient_penalty(d, real, fake, lam, torch.Generator().manual_seed(42))
    alpha = torch.rand(real.shape[0], 1, generator=torch.Generator().manual_seed(42)).double()
    x_hat = alpha * real + (1 - alpha) * fake
    norms = [math.hypot(*row) for row in _fd_grad(d, x_hat).tolist()]
    want = lam * mean((n - 1.0) ** 2 for n in norms)
    assert got.item() == pytest.approx(want, rel=1e-6)


def test_gradient_penalty_uses_interpolates_not_endpoints():
    """α must be per-sample in [0, 1]: a penalty on x̂ differs from the penalty on x or x̃ for a curved D."""
    d = _small_d()
    real, fake = _points(1)
    got = gradient_penalty(d, real, fake, 1.0, torch.Generator().manual_seed(5)).item()
    at_real = mean((math.hypot(*r) - 1) ** 2 for r in _fd_grad(d, real).tolist())
    at_fake = mean((math.hypot(*r) - 1) ** 2 for r in _fd_grad(d, fake).tolist())
    assert got != pytest.approx(at_real, rel=1e-6) and got != pytest.approx(at_fake, rel=1e-6)


def test_gradient_penalty_linear_d_is_analytic():
    w = (0.6, -1.7)
    d = _linear_d(w)
    real, fake = _points(2)
    lam = 10.0
    norm_w = math.hypot(*w)
    got = gradient_penalty(d, real, fake, lam, torch.Generator().manual_seed(0))
    assert got.item() == pytest.approx(lam * (norm_w - 1.0) ** 2, rel=1e-12)
    # the penalty is differentiable in D's weights: d/dw λ(‖w‖−1)² = 2λ(‖w‖−1) w/‖w‖
    got.backward()
    want = [2 * lam * (norm_w - 1.0) * wi / norm_w for wi in w]
    assert d.weight.grad.flatten().tolist() == pytest.approx(want, rel=1e-9)


def test_gradient_penalty_is_zero_for_unit_gradient():
    d = _linear_d((0.6, 0.8))
    real, fake = _points(3)
    assert gradient_penalty(d, real, fake, 10.0, torch.Generator().manual_seed(0)).item() == pytest.approx(0, abs=1e-20)


def test_r1_penalty_linear_d_is_analytic():
    w = (0.6, -1.7)
    d = _linear_d(w)
    real, _ = _points(4)
    gamma = 3.0
    got = r1_penalty(d, real, gamma)
    assert got.item() == pytest.approx(gamma / 2 * (w[0] ** 2 + w[1] ** 2), rel=1e-12)
    got.backward()  # d/dw (γ/2)‖w‖² = γ w
    assert d.weight.grad.flatten().tolist() == pytest.approx([gamma * wi for wi in w], rel=1e-9)


def test_r1_penalty_matches_definition_on_small_d():
    d = _small_d()
    real, _ = _points(5)
    gamma = 0.8
    want = gamma / 2 * mean(gx**2 + gy**2 for gx, gy in _fd_grad(d, real).tolist())
    assert r1_penalty(d, real, gamma).item() == pytest.approx(want, rel=1e-6)


# --- defaults (science.md §3–4) -----------------------------------------------------------------


def test_wgan_defaults():
    c = TrainConfig(objective="wgan").resolved()
    assert (c.optimizer, c.lr_g, c.lr_d, c.n_critic) == ("rmsprop", 5e-5, 5e-5, 5)


def test_wgan_gp_defaults():
    c = TrainConfig(objective="wgan-gp").resolved()
    assert (c.optimizer, c.lr_g, c.lr_d, c.n_critic) == ("adam", 1e-4, 1e-4, 5)
    assert (c.beta1, c.beta2) == (0.5, 0.9)


def test_explicit_settings_override_objective_defaults():
    c = TrainConfig(objective="wgan-gp", lr_g=3e-3, n_critic=2, beta2=0.99).resolved()
    assert (c.lr_g, c.lr_d, c.n_critic, c.beta1, c.beta2) == (3e-3, 1e-4, 2, 0.5, 0.99)


def test_objective_flags():
    assert get_objective("wgan").clips_weights and not get_objective("wgan").uses_gradient_penalty
    assert get_objective("wgan-gp").uses_gradient_penalty and not get_objective("wgan-gp").clips_weights
    for name in ("minimax", "nonsaturating", "lsgan", "hinge"):
        obj = get_objective(name)
        assert not obj.clips_weights and not obj.uses_gradient_penalty
