"""The minimax (saturating) GAN of Goodfellow et al. 2014 (science.md §4)."""

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


@OBJECTIVES.register("minimax")
class Minimax(Objective):
    name, label = "minimax", "Minimax (saturating)"
    formula = "D: −E log D(x) − E log(1−D(G(z)))   G: E log(1−D(G(z)))"
    family, surface, d_star = "gan", "prob", RATIO_D_STAR
    has_game_value, has_js_estimate, has_critic_w1_estimate = True, True, False
    defaults = GAN_DEFAULTS
    clips_weights, uses_gradient_penalty = False, False
    help = (
        "The game of Goodfellow et al. (2014): min_G max_D V(D,G) = E log D(x) + E log(1 − D(G(z))). "
        "For a fixed G the best D is D*(x) = p(x) / (p(x) + q(x)); at the optimum q = p, D* = ½ everywhere and "
        "V(G*, D*) = −2 ln 2. When D is confident, log(1 − D(G(z))) is flat: the generator's gradient vanishes "
        "(the loss 'saturates')."
    )

    def d_loss(self, d_real, d_fake):
        return bce_d_loss(d_real, d_fake)

    d_terms = staticmethod(bce_d_terms)

    def g_loss(self, d_fake):
        return -F.softplus(d_fake).mean()  # log(1 − σ(t)) = −softplus(t)
