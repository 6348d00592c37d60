"""The non-saturating GAN: minimax's D, and G maximises log D(G(z)) (science.md §4)."""

from __future__ import annotations

import torch.nn.functional as F

from ganviz.core.training.objectives.base import (
    GAN_DEFAULTS,
    OBJECTIVES,
    RATIO_D_STAR,
    Objective,
    bce_d_loss,
    bce_d_terms,
)


@OBJECTIVES.register("nonsaturating")
class NonSaturating(Objective):
    name, label = "nonsaturating", "Non-saturating"
    formula = "D: −E log D(x) − E log(1−D(G(z)))   G: −E log D(G(z))"
    family, surface, d_star = "gan", "prob", RATIO_D_STAR
    # D's loss is minimax's BCE, so V(D, G) = −loss still is the game's value
    has_game_value, has_js_estimate, has_critic_w1_estimate = True, True, False
    defaults = GAN_DEFAULTS
    clips_weights, uses_gradient_penalty = False, False
    help = (
        "Same discriminator; the generator maximises log D(G(z)) instead of minimising log(1 − D(G(z))) "
        "(“don't mix labels”). Same fixed point, strong gradients early in training. Prone to mode collapse: "
        "with D fixed, the best G puts all its mass at argmax D."
    )

    def d_loss(self, d_real, d_fake):
        return bce_d_loss(d_real, d_fake)

    d_terms = staticmethod(bce_d_terms)

    def g_loss(self, d_fake):
        return F.softplus(-d_fake).mean()
