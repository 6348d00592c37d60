"""Dirac-GAN (Mescheder, Geiger, Nowozin 2018): the two-parameter GAN, played with ganviz's own losses.

The game, in the paper's coordinates (θ, ψ):

* data p = δ₀, generator δ_θ, a linear discriminator with parameter ψ;
* the paper's D is high on *fake* (L(θ, ψ) = f(ψθ) + f(0), f(t) = −log(1 + e^(−t)), D ascends L), while
  ganviz's losses expect D high on *real*; so the critic handed to ganviz's loss code is D(x) = −ψ·x, and
  d_real = D(0), d_fake = D(θ) = −ψθ, tensors of shape (1,). With this, ganviz's minimax and non-saturating
  losses give *exactly* the paper's GAN and NSGAN fields, and the paper's start (1, 1) is (1, 1) here;
* the D player minimises ``objective.d_loss(d_real, d_fake)`` (+ R1 / gradient penalty) over ψ, the G player
  minimises ``objective.g_loss(d_fake)`` over θ; both gradients come from autograd through the same code the
  trainer uses (``ganviz.core.objectives``), nothing is written out by hand here;
* plain gradient descent with step size h: simultaneous ``sim`` (both gradients at the same point, then both
  steps), alternating ``alt`` (G step, then D step at the new θ: the notebook's ``trajectory_altgd``, the
  "alt" column of science.md §5.3) or ``alt-dfirst`` (D step, then G step: the trainer's order);
* WGAN: ψ ← clip(ψ, −c, c) after every D step (not applied to the start point);
* R1: (γ/2)‖∇ₓD(0)‖² = (γ/2)ψ², through ``r1_penalty``; WGAN-GP: λ(‖∇D(x̂)‖ − 1)² = λ(|ψ| − 1)², through
  ``gradient_penalty`` (x̂ is a random point between 0 and θ; ∇ₓD = −ψ everywhere, so it does not matter).

The vector field is (θ̇, ψ̇) = (−∂L_G/∂θ, −∂L_D/∂ψ). For the minimax loss it is θ̇ = −ψσ(−ψθ), ψ̇ = θσ(−ψθ),
the paper's (−ψ f′(ψθ), θ f′(ψθ)) with f′(t) = σ(−t).

Mapping of the constants to the notebook (``LMescheder/GAN_stability:notebooks/diracgan``; science.md §5):

* R1: the notebook's ``GAN_GradPenalty(reg)`` subtracts reg·ψ from ψ̇, the gradient of (reg/2)ψ², which is
  ganviz's R1 with γ = reg (no factor; note the GAN_stability *training* code's ``reg_param`` is γ/2).
* WGAN-GP: the notebook's ``WGAN_GP(reg, target=1)`` uses the penalty (reg/2)(|ψ| − 1)²; ganviz's λ = reg/2
  (the notebook's reg = 0.7 is λ = 0.35, the default ``DIRAC_GP_LAMBDA``).
* WGAN clip: the notebook's ``WGAN(clip=1.)``, so ``DIRAC_CLIP`` = 1 (the trainer's 0.01 is for MLP weights).
* ``alt-dfirst`` (the trainer's order) is close to the table but not equal: R1 converges ~2 steps later, the
  NSGAN, WGAN and WGAN-GP alternating radii differ by 3–5 %.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from ganviz.core.objectives import Objective, get_objective, gradient_penalty, r1_penalty

UPDATES = ("sim", "alt", "alt-dfirst")
DIRAC_CLIP = 1.0  # the notebook's WGAN(clip=1.)
DIRAC_GP_LAMBDA = 0.35  # the notebook's WGAN_GP(reg=0.7): penalty (0.7/2)(|ψ| − 1)²
PAPER_START = (1.0, 1.0)  # the paper's and the notebook's (θ₀, ψ₀)
CONVERGED_RADIUS = 0.01

_DTYPE = torch.float64


class DiracResult(NamedTuple):
    trajectory: np.ndarray  # (steps + 1, 2): (θ, ψ) at the start and after every step
    r_final: float  # sqrt(θ² + ψ²) after the last step
    converged_step: int | None  # first step (0 = the start) whose radius is < CONVERGED_RADIUS


def resolve(objective: str | Objective) -> Objective:
    return get_objective(objective) if isinstance(objective, str) else objective


def check_options(
    objective: Objective, clip: float | None = None, gp_lambda: float | None = None, r1: float = 0.0
) -> tuple[float | None, float | None]:
    """The clip and λ actually used (defaults filled in, None where the objective has none); ValueError if bad."""
    if not (math.isfinite(r1) and r1 >= 0):
        raise ValueError(f"R1 γ must be a number ≥ 0, got {r1!r}")
    if objective.clips_weights:
        clip = DIRAC_CLIP if clip is None else clip
        if not (math.isfinite(clip) and clip > 0):
            raise ValueError(f"clip c must be a number > 0, got {clip!r}")
    elif clip is not None:
        raise ValueError(f"clip applies only to weight-clipping objectives (wgan), not {objective.name!r}")
    if objective.uses_gradient_penalty:
        gp_lambda = DIRAC_GP_LAMBDA if gp_lambda is None else gp_lambda
        if not (math.isfinite(gp_lambda) and gp_lambda >= 0):
            raise ValueError(f"gradient-penalty λ must be a number ≥ 0, got {gp_lambda!r}")
    elif gp_lambda is not None:
        raise ValueError(f"the gradient penalty applies only to wgan-gp, not {objective.name!r}")
    return clip, gp_lambda


# --- the two players' gradients, batched: point i of the batch is its own game (θᵢ, ψᵢ) ------------


def _as_tensor(values) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float64), dtype=_DTYPE).reshape(-1)


def _critic(psi: torch.Tensor):
    """D(x) = −ψ·x (high on real, as ganviz's losses expect) for a batch of games: sample i (shape (n, 1))
    is scored by ψᵢ; output shape (n,)."""
    return lambda x: -psi * x[:, 0]


def d_gradient(
    objective: Objective, theta: torch.Tensor, psi: torch.Tensor, r1: float = 0.0, gp_lambda: float | None = None
) -> torch.Tensor:
    """∂L_D/∂ψ for every game of the batch (θ is held fixed)."""
    n = psi.shape[0]
    psi = psi.detach().clone().requires_grad_(True)
    d = _critic(psi)
    real = torch.zeros(n, 1, dtype=_DTYPE)
    fake = theta.detach().reshape(n, 1)
    loss = objective.d_loss(d(real), d(fake))
    if r1 > 0:
        loss = loss + r1_penalty(d, real, r1)
    if objective.uses_gradient_penalty and gp_lambda:
        gen = torch.Generator().manual_seed(0)
        loss = loss + gradient_penalty(d, real, fake, gp_lambda, gen)
    # every term is a mean over the batch, and game i depends on ψᵢ only: n·mean is the sum of the games' losses
    (grad,) = torch.autograd.grad(loss * n, psi)
    return grad


def g_gradient(objective: Objective, theta: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
    """∂L_G/∂θ for every game of the batch (ψ is held fixed)."""
    n = theta.shape[0]
    theta = theta.detach().clone().requires_grad_(True)
    d = _critic(psi.detach())
    loss = objective.g_loss(d(theta.reshape(n, 1)))
    (grad,) = torch.autograd.grad(loss * n, theta)
    return grad


def vector_field(
    objective: str | Objective, theta, psi, r1: float = 0.0, gp_lambda: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(θ̇, ψ̇) = (−∂L_G/∂θ, −∂L_D/∂ψ) at the points (θ, ψ) (arrays of one shape; WGAN's clip is not a field)."""
    obj = resolve(objective)
    _, gp_lambda = check_options(obj, None, gp_lambda, r1)
    shape = np.shape(theta)
    t, p = _as_tensor(theta), _as_tensor(psi)
    if t.shape != p.shape:
        raise ValueError("theta and psi must have the same shape")
    if t.numel() == 0:
        return np.zeros(shape), np.zeros(shape)
    theta_dot = -g_gradient(obj, t, p).numpy().reshape(shape)
    psi_dot = -d_gradient(obj, t, p, r1, gp_lambda).numpy().reshape(shape)
    return theta_dot, psi_dot


def field_grid(
    objective: str | Objective,
    n: int = 15,
    lim: float = 2.0,
    r1: float = 0.0,
    gp_lambda: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """θ, ψ, θ̇, ψ̇ on an n×n grid over [−lim, lim]² (arrays of shape (n, n), ψ along rows)."""
    axis = np.linspace(-lim, lim, n)
    theta, psi = np.meshgrid(axis, axis)
    theta_dot, psi_dot = vector_field(objective, theta, psi, r1=r1, gp_lambda=gp_lambda)
    return theta, psi, theta_dot, psi_dot


# --- trajectories --------------------------------------------------------------------------------


def simulate(
    objective: str | Objective,
    update: str = "sim",
    steps: int = 500,
    lr: float = 0.2,
    start: tuple[float, float] = (1.0, 1.0),
    r1: float = 0.0,
    clip: float | None = None,
    gp_lambda: float | None = None,
) -> DiracResult:
    """Gradient descent on the Dirac game from ``start`` = (θ₀, ψ₀); see the module docstring."""
    obj = resolve(objective)
    if update not in UPDATES:
        raise ValueError(f"unknown update {update!r}; choose one of: {', '.join(UPDATES)}")
    if not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"steps must be an integer ≥ 0, got {steps!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a number > 0, got {lr!r}")
    if len(start) != 2 or not all(math.isfinite(v) for v in start):
        raise ValueError(f"start must be two finite numbers, got {start!r}")
    clip, gp_lambda = check_options(obj, clip, gp_lambda, r1)

    theta = torch.tensor([float(start[0])], dtype=_DTYPE)
    psi = torch.tensor([float(start[1])], dtype=_DTYPE)

    def d_step(theta: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
        psi = psi - lr * d_gradient(obj, theta, psi, r1, gp_lambda)
        return psi.clamp(-clip, clip) if clip is not None else psi

    def g_step(theta: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
        return theta - lr * g_gradient(obj, theta, psi)

    out = np.empty((steps + 1, 2))
    out[0] = theta.item(), psi.item()
    for k in range(1, steps + 1):
        if update == "sim":
            theta, psi = g_step(theta, psi), d_step(theta, psi)
        elif update == "alt":  # the notebook's order
            theta = g_step(theta, psi)
            psi = d_step(theta, psi)
        else:  # alt-dfirst: the trainer's order
            psi = d_step(theta, psi)
            theta = g_step(theta, psi)
        out[k] = theta.item(), psi.item()
        if not (math.isfinite(out[k, 0]) and math.isfinite(out[k, 1])):
            out[k + 1 :] = np.nan
            break

    radius = np.hypot(out[:, 0], out[:, 1])
    below = np.flatnonzero(radius < CONVERGED_RADIUS)
    return DiracResult(out, float(radius[-1]), int(below[0]) if below.size else None)
