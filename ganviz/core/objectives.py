"""GAN objectives, one small class each (science.md §4). D outputs are logits / critic values.

Every loss is a mean over the batch and is *minimised* by its network.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ganviz.core.registry import Registry


@dataclass(frozen=True)
class OptimDefaults:
    optimizer: str  # "adam" | "rmsprop" | "sgd"
    lr_g: float
    lr_d: float
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1


class Objective(ABC):
    name: str = ""
    label: str = ""
    family: str = "gan"  # "gan": D is a classifier; "wgan": D is a critic
    # how the window draws D: "prob" = sigmoid(D), boundary 0.5; "raw01" = D itself, boundary 0.5;
    # "critic" = raw critic value on a diverging map, boundary 0
    surface: str = "prob"
    formula: str = ""
    defaults = OptimDefaults("adam", 1e-3, 1e-3)
    clips_weights = False
    uses_gradient_penalty = False

    @abstractmethod
    def d_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def g_loss(self, d_fake: torch.Tensor) -> torch.Tensor: ...

    def d_terms(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> tuple[tuple[str, torch.Tensor], ...]:
        """D's loss as its named terms (summing to `d_loss`), for slow motion; one term where not split."""
        return (("L_D", self.d_loss(d_real, d_fake)),)


OBJECTIVES: Registry[type[Objective]] = Registry("objective")

_GAN_DEFAULTS = OptimDefaults("adam", 1e-3, 1e-3, (0.5, 0.999), 1)


def _bce_d_loss(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    # −log σ(D(x)) − log(1 − σ(D(x̃))), written with softplus for stability
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()


def _bce_d_terms(d_real: torch.Tensor, d_fake: torch.Tensor) -> tuple[tuple[str, torch.Tensor], ...]:
    return ("−E log D(x)", F.softplus(-d_real).mean()), ("−E log(1−D(G(z)))", F.softplus(d_fake).mean())


@OBJECTIVES.register("minimax")
class Minimax(Objective):
    name, label = "minimax", "Minimax (saturating)"
    formula = "D: −E log D(x) − E log(1−D(G(z)))   G: E log(1−D(G(z)))"
    defaults = _GAN_DEFAULTS

    def d_loss(self, d_real, d_fake):
        return _bce_d_loss(d_real, d_fake)

    d_terms = staticmethod(_bce_d_terms)

    def g_loss(self, d_fake):
        return -F.softplus(d_fake).mean()  # log(1 − σ(t)) = −softplus(t)


@OBJECTIVES.register("nonsaturating")
class NonSaturating(Objective):
    name, label = "nonsaturating", "Non-saturating"
    formula = "D: −E log D(x) − E log(1−D(G(z)))   G: −E log D(G(z))"
    defaults = _GAN_DEFAULTS

    def d_loss(self, d_real, d_fake):
        return _bce_d_loss(d_real, d_fake)

    d_terms = staticmethod(_bce_d_terms)

    def g_loss(self, d_fake):
        return F.softplus(-d_fake).mean()


@OBJECTIVES.register("lsgan")
class LeastSquares(Objective):
    name, label = "lsgan", "LSGAN"
    surface = "raw01"
    formula = "D: ½E(D(x)−1)² + ½E D(G(z))²   G: ½E(D(G(z))−1)²   (a, b, c) = (0, 1, 1)"
    defaults = _GAN_DEFAULTS

    def d_loss(self, d_real, d_fake):
        return 0.5 * ((d_real - 1.0) ** 2).mean() + 0.5 * (d_fake**2).mean()

    def d_terms(self, d_real, d_fake):
        return ("½E(D(x)−1)²", 0.5 * ((d_real - 1.0) ** 2).mean()), ("½E D(G(z))²", 0.5 * (d_fake**2).mean())

    def g_loss(self, d_fake):
        return 0.5 * ((d_fake - 1.0) ** 2).mean()


@OBJECTIVES.register("hinge")
class Hinge(Objective):
    name, label = "hinge", "Hinge"
    surface = "critic"
    formula = "D: E max(0, 1−D(x)) + E max(0, 1+D(G(z)))   G: −E D(G(z))"
    defaults = _GAN_DEFAULTS

    def d_loss(self, d_real, d_fake):
        return F.relu(1.0 - d_real).mean() + F.relu(1.0 + d_fake).mean()

    def d_terms(self, d_real, d_fake):
        return ("E max(0, 1−D(x))", F.relu(1.0 - d_real).mean()), ("E max(0, 1+D(G(z)))", F.relu(1.0 + d_fake).mean())

    def g_loss(self, d_fake):
        return -d_fake.mean()


class _Wasserstein(Objective):
    family, surface = "wgan", "critic"

    def d_loss(self, d_real, d_fake):
        return d_fake.mean() - d_real.mean()

    def d_terms(self, d_real, d_fake):
        return ("E D(G(z))", d_fake.mean()), ("−E D(x)", -d_real.mean())

    def g_loss(self, d_fake):
        return -d_fake.mean()


@OBJECTIVES.register("wgan")
class WganClip(_Wasserstein):
    name, label = "wgan", "WGAN (weight clipping)"
    formula = "critic: E D(G(z)) − E D(x), then w ← clip(w, −c, c)   G: −E D(G(z))"
    defaults = OptimDefaults("rmsprop", 5e-5, 5e-5, (0.5, 0.999), 5)
    clips_weights = True


@OBJECTIVES.register("wgan-gp")
class WganGp(_Wasserstein):
    name, label = "wgan-gp", "WGAN-GP"
    formula = "critic: E D(G(z)) − E D(x) + λ E(‖∇D(x̂)‖ − 1)²   G: −E D(G(z))"
    defaults = OptimDefaults("adam", 1e-4, 1e-4, (0.5, 0.9), 5)
    uses_gradient_penalty = True


def get_objective(name: str) -> Objective:
    return OBJECTIVES.get(name)()


# --- regularisers ------------------------------------------------------------------------------


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
