"""Hinge loss (as in the spectral-normalisation paper, science.md §4)."""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F

from ganviz.core.training.objectives.base import GAN_DEFAULTS, OBJECTIVES, DStar, Objective


def hinge_d_star(p, q) -> np.ndarray:
    """min over d of p·max(0, 1 − d) + q·max(0, 1 + d): d = 1 where p > q, d = −1 where p < q (0 where equal)."""
    return np.sign(np.asarray(p, dtype=np.float64) - np.asarray(q, dtype=np.float64))


@OBJECTIVES.register("hinge")
class Hinge(Objective):
    name, label = "hinge", "Hinge"
    formula = "D: E max(0, 1−D(x)) + E max(0, 1+D(G(z)))   G: −E D(G(z))"
    family, surface = "gan", "critic"
    d_star = DStar("D* = sign(p − q)", hinge_d_star)
    # a margin classifier: neither V's BCE nor a Lipschitz critic
    has_game_value, has_js_estimate, has_critic_w1_estimate = False, False, False
    defaults = GAN_DEFAULTS
    clips_weights, uses_gradient_penalty = False, False
    help = (
        "Hinge loss (as in the spectral-normalisation paper): a margin classifier for D, and the WGAN-style "
        "generator loss −E D(G(z)). The surface shows D's raw output; the boundary is D = 0."
    )

    def d_loss(self, d_real, d_fake):
        return F.relu(1.0 - d_real).mean() + F.relu(1.0 + d_fake).mean()

    def d_terms(self, d_real, d_fake):
        return ("E max(0, 1−D(x))", F.relu(1.0 - d_real).mean()), ("E max(0, 1+D(G(z)))", F.relu(1.0 + d_fake).mean())

    def g_loss(self, d_fake):
        return -d_fake.mean()
