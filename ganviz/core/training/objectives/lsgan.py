"""Least-squares GAN (Mao et al. 2017) with the 0-1 coding (a, b, c) = (0, 1, 1) (science.md §4)."""

from __future__ import annotations

import numpy as np

from ganviz.core.training.objectives.base import GAN_DEFAULTS, OBJECTIVES, DStar, Objective

A, B, C = 0.0, 1.0, 1.0  # D's target for fakes, D's target for real, G's target for its fakes


def lsgan_d_star(p, q) -> np.ndarray:
    """argmin over d of p·(d − b)² + q·(d − a)²: (b·p + a·q) / (p + q) (NaN where p + q = 0)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    s = p + q
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, (B * p + A * q) / np.where(s > 0, s, 1.0), np.nan)


@OBJECTIVES.register("lsgan")
class LeastSquares(Objective):
    name, label = "lsgan", "LSGAN"
    formula = "D: ½E(D(x)−1)² + ½E D(G(z))²   G: ½E(D(G(z))−1)²   (a, b, c) = (0, 1, 1)"
    family, surface = "gan", "raw01"
    d_star = DStar("D* = p/(p+q)", lsgan_d_star)  # (b·p + a·q)/(p + q) with a = 0, b = 1
    # D's loss is not the BCE: −loss is not V(D, G), and D* does not make it a JS divergence
    has_game_value, has_js_estimate, has_critic_w1_estimate = False, False, False
    defaults = GAN_DEFAULTS
    clips_weights, uses_gradient_penalty = False, False
    help = (
        "Least squares (Mao et al. 2017) with the 0-1 coding a = 0, b = 1, c = 1: D regresses real to 1 and fake "
        "to 0; G pulls its samples to 1. The surface shows D's raw output; the boundary is D = ½."
    )

    def d_loss(self, d_real, d_fake):
        return 0.5 * ((d_real - B) ** 2).mean() + 0.5 * ((d_fake - A) ** 2).mean()

    def d_terms(self, d_real, d_fake):
        return ("½E(D(x)−1)²", 0.5 * ((d_real - B) ** 2).mean()), ("½E D(G(z))²", 0.5 * ((d_fake - A) ** 2).mean())

    def g_loss(self, d_fake):
        return 0.5 * ((d_fake - C) ** 2).mean()
