"""The non-saturating GAN: minimax's D, and G maximises log D(G(z)) (science.md §4)."""

from __future__ import annotations

import torch.nn.functional as F

from ganviz.core.training.objectives.base import OBJECTIVES
from ganviz.core.training.objectives.minimax import Minimax


@OBJECTIVES.register("nonsaturating")
class NonSaturating(Minimax):
    """Minimax's discriminator (its BCE loss, so V(D, G) = −loss still is the game's value, and its D*); only the
    generator's loss differs."""

    name, label = "nonsaturating", "Non-saturating"
    formula = "D: −E log D(x) − E log(1−D(G(z)))   G: −E log D(G(z))"
    help = (
        "Same discriminator; the generator maximises log D(G(z)) instead of minimising log(1 − D(G(z))) "
        "(“don't mix labels”). Same fixed point, strong gradients early in training. Prone to mode collapse: "
        "with D fixed, the best G puts all its mass at argmax D."
    )

    def g_loss(self, d_fake):
        return F.softplus(-d_fake).mean()  # −log σ(t) = softplus(−t)
