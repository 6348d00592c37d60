"""Penalties on D's input gradient: WGAN-GP's gradient penalty and R1 (science.md §4)."""

from __future__ import annotations

import torch


def input_gradient(d, x: torch.Tensor, create_graph: bool = True) -> torch.Tensor:
    """∇ₓ D(x) per sample, (n, 2)."""
    x = x.detach().requires_grad_(True)
    out = d(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=create_graph)
    return grad


def interpolates(real: torch.Tensor, fake: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """x̂ = αx + (1−α)x̃, α ~ U[0,1] per sample, as a leaf that requires grad."""
    alpha = torch.rand(real.shape[0], 1, generator=gen, device=real.device)
    return (alpha * real + (1.0 - alpha) * fake).detach().requires_grad_(True)


def gp_term(d_hat: torch.Tensor, x_hat: torch.Tensor, lam: float) -> torch.Tensor:
    """λ E(‖∇D(x̂)‖₂ − 1)² from D's output at x̂ (x̂ must require grad)."""
    (grad,) = torch.autograd.grad(d_hat.sum(), x_hat, create_graph=True)
    return lam * ((grad.norm(dim=1) - 1.0) ** 2).mean()


def r1_term(d_real: torch.Tensor, real: torch.Tensor, gamma: float) -> torch.Tensor:
    """(γ/2) E ‖∇ₓD(x)‖² from D's output on real x (x must require grad)."""
    (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
    return 0.5 * gamma * (grad**2).sum(dim=1).mean()


def gradient_penalty(d, real: torch.Tensor, fake: torch.Tensor, lam: float, gen: torch.Generator) -> torch.Tensor:
    """λ E(‖∇D(x̂)‖₂ − 1)², x̂ = αx + (1−α)x̃, α ~ U[0,1] per sample (Gulrajani et al. 2017)."""
    x_hat = interpolates(real, fake, gen)
    return gp_term(d(x_hat), x_hat, lam)


def r1_penalty(d, real: torch.Tensor, gamma: float) -> torch.Tensor:
    """(γ/2) E_{x~p_data} ‖∇ₓD(x)‖² (Mescheder et al. 2018, eq. 9)."""
    real = real.detach().requires_grad_(True)
    return r1_term(d(real), real, gamma)
