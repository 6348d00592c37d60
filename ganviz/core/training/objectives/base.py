"""The Objective base class and its registry. D outputs are logits / critic values.

Every loss is a mean over the batch and is *minimised* by its network. Every fact the rest of ganviz needs
about an objective (its help text, surface kind, optimal D, which theory quantities apply, optimiser
defaults) is an attribute of its class, so that adding an objective is one module in this package;
tests/core/test_objective_facts.py fails for a registered objective that leaves one of them unset.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ganviz.core.registry import Registry

# how the window draws D: "prob" = sigmoid(D), boundary 0.5; "raw01" = D itself, boundary 0.5;
# "critic" = raw critic value on a diverging map, boundary midway between real and fake
SURFACE_KINDS = ("prob", "raw01", "critic")
FAMILIES = ("gan", "wgan")  # "gan": D is a classifier; "wgan": D is a critic

# the facts every registered objective states itself (no defaults here: a missing one is an AttributeError)
REQUIRED_FACTS = (
    "label",
    "formula",
    "family",
    "surface",
    "d_star",
    "has_game_value",
    "has_js_estimate",
    "has_critic_w1_estimate",
    "help",
    "defaults",
    "clips_weights",
    "uses_gradient_penalty",
)


@dataclass(frozen=True)
class OptimDefaults:
    optimizer: str  # "adam" | "rmsprop" | "sgd"
    lr_g: float
    lr_d: float
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1


@dataclass(frozen=True)
class DStar:
    """The best D for a fixed G, on the scale the views draw D: `fn(p, q)` from the two densities."""

    formula: str  # e.g. "D* = p/(p+q)"
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]


def ratio_d_star(p, q) -> np.ndarray:
    """D*(x) = p / (p + q): the D that maximises ∫ p ln D + q ln(1 − D) pointwise (NaN where p + q = 0)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    s = p + q
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, p / np.where(s > 0, s, 1.0), np.nan)


RATIO_D_STAR = DStar("D* = p/(p+q)", ratio_d_star)


class Objective(ABC):
    name: str = ""
    label: str
    formula: str
    family: str  # one of FAMILIES
    surface: str  # one of SURFACE_KINDS
    d_star: DStar | None  # None where the optimum is not a function of p and q alone (WGAN)
    # which theory-panel quantities mean what their titles say for this objective
    has_game_value: bool  # V(D,G) = −(D loss): D's loss is the BCE of the minimax game
    has_js_estimate: bool  # JS ≈ (V + 2 ln 2)/2 and V(G, D*) = −ln 4 + 2 JS(p‖q)
    has_critic_w1_estimate: bool  # E D(x) − E D(G(z)) estimates W1 (a 1-Lipschitz critic)
    help: str  # Help → Objectives: the page's prose, under the label and formula
    defaults: OptimDefaults
    clips_weights: bool  # w ← clip(w, −c, c) after every D step (reads TrainConfig.clip)
    uses_gradient_penalty: bool  # λ E(‖∇D(x̂)‖ − 1)² in D's loss (reads TrainConfig.gp_lambda)

    @abstractmethod
    def d_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def g_loss(self, d_fake: torch.Tensor) -> torch.Tensor: ...

    def d_terms(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> tuple[tuple[str, torch.Tensor], ...]:
        """D's loss as its named terms (summing to `d_loss`), for slow motion; one term where not split."""
        return (("L_D", self.d_loss(d_real, d_fake)),)


OBJECTIVES: Registry[type[Objective]] = Registry("objective")

GAN_DEFAULTS = OptimDefaults("adam", 1e-3, 1e-3, (0.5, 0.999), 1)


def get_objective(name: str) -> Objective:
    return OBJECTIVES.get(name)()


def bce_d_loss(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    # −log σ(D(x)) − log(1 − σ(D(x̃))), written with softplus for stability
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()


def bce_d_terms(d_real: torch.Tensor, d_fake: torch.Tensor) -> tuple[tuple[str, torch.Tensor], ...]:
    return ("−E log D(x)", F.softplus(-d_real).mean()), ("−E log(1−D(G(z)))", F.softplus(d_fake).mean())
