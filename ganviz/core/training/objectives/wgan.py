"""Wasserstein GAN with weight clipping (Arjovsky et al. 2017, science.md §4), and the WGAN family's losses."""

from __future__ import annotations

from ganviz.core.training.objectives.base import OBJECTIVES, Objective, OptimDefaults


class Wasserstein(Objective):
    """The critic loss E D(G(z)) − E D(x) and G's −E D(G(z)), shared by the WGAN family."""

    family, surface = "wgan", "critic"
    d_star = None  # any 1-Lipschitz maximiser of E_p f − E_q f, defined up to a constant: not a function of p, q
    has_game_value, has_js_estimate, has_critic_w1_estimate = False, False, True

    def d_loss(self, d_real, d_fake):
        return d_fake.mean() - d_real.mean()

    def d_terms(self, d_real, d_fake):
        return ("E D(G(z))", d_fake.mean()), ("−E D(x)", -d_real.mean())

    def g_loss(self, d_fake):
        return -d_fake.mean()


@OBJECTIVES.register("wgan")
class WganClip(Wasserstein):
    name, label = "wgan", "WGAN (weight clipping)"
    formula = "critic: E D(G(z)) − E D(x), then w ← clip(w, −c, c)   G: −E D(G(z))"
    defaults = OptimDefaults("rmsprop", 5e-5, 5e-5, (0.5, 0.999), 5)
    clips_weights, uses_gradient_penalty = True, False
    help = (
        "Wasserstein GAN (Arjovsky et al. 2017). By Kantorovich–Rubinstein duality, W(p, q) = sup over 1-Lipschitz "
        "f of E_p f(x) − E_q f(x); the critic approximates that f, and weight clipping to [−c, c] keeps it "
        "Lipschitz (crudely). RMSProp 5e-5, c = 0.01, 5 critic steps per generator step."
    )
