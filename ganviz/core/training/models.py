"""MLP generator and discriminator/critic (science.md §2.4 shapes, sizes configurable)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
}


def mlp(n_in: int, n_out: int, width: int, depth: int, activation: str, spectral_norm: bool = False) -> nn.Sequential:
    """`depth` hidden layers of `width` units; the output layer is linear."""
    layers: list[nn.Module] = []
    sizes = [n_in] + [width] * depth + [n_out]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(a, b)
        # one power iteration per forward in training mode, u kept between steps (Miyato et al. 2018)
        layers.append(_spectral_norm(linear) if spectral_norm else linear)
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def make_generator(zdim: int, width: int, depth: int, activation: str) -> nn.Sequential:
    return mlp(zdim, 2, width, depth, activation)


def make_discriminator(width: int, depth: int, activation: str, spectral_norm: bool, pack: int = 1) -> nn.Sequential:
    """pack m > 1 (PacGAN): D takes m points concatenated, 2m inputs, behind a PackInput that turns a single
    point x into (x, …, x) for readers of D at one point; still a Sequential of (PackInput, *the MLP's layers)."""
    net = mlp(2 * pack, 1, width, depth, activation, spectral_norm)
    if pack == 1:
        return net
    from ganviz.core.training.remedies import PackInput

    return nn.Sequential(PackInput(pack), *net)


def sample_latent(n: int, zdim: int, prior: str, gen: torch.Generator, device: torch.device) -> torch.Tensor:
    """U[-1,1]^n as in the seeds, or N(0, I)."""
    if prior == "uniform":
        return torch.rand(n, zdim, generator=gen, device=device) * 2.0 - 1.0
    return torch.randn(n, zdim, generator=gen, device=device)


def linear_weights(model: nn.Module) -> list[torch.Tensor]:
    """The effective weight matrix of every Linear layer (after spectral normalisation, if any)."""
    return [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
