"""WGAN with gradient penalty (Gulrajani et al. 2017, science.md §4)."""

from __future__ import annotations

from ganviz.core.training.objectives.base import OBJECTIVES, OptimDefaults
from ganviz.core.training.objectives.wgan import Wasserstein


@OBJECTIVES.register("wgan-gp")
class WganGp(Wasserstein):
    name, label = "wgan-gp", "WGAN-GP"
    formula = "critic: E D(G(z)) − E D(x) + λ E(‖∇D(x̂)‖ − 1)²   G: −E D(G(z))"
    defaults = OptimDefaults("adam", 1e-4, 1e-4, (0.5, 0.9), 5)
    clips_weights, uses_gradient_penalty = False, True
    help = (
        "WGAN with gradient penalty (Gulrajani et al. 2017): no clipping; add λ (‖∇D(x̂)‖ − 1)² at random "
        "interpolates x̂ = αx + (1−α)G(z). Adam 1e-4, β = (0.5, 0.9), 5 critic steps; λ = 0.1 as in the toy code "
        "(the paper uses 10)."
    )
