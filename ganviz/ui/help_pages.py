"""Help → Objectives: one short page per objective, formulas as in the lecture notes (shared/seeds)."""

from __future__ import annotations

from ganviz.core.objectives import OBJECTIVES

NOTES = {
    "minimax": (
        "The game of Goodfellow et al. (2014): min_G max_D V(D,G) = E log D(x) + E log(1 − D(G(z))). "
        "For a fixed G the best D is D*(x) = p(x) / (p(x) + q(x)); at the optimum q = p, D* = ½ everywhere and "
        "V(G*, D*) = −2 ln 2. When D is confident, log(1 − D(G(z))) is flat: the generator's gradient vanishes "
        "(the loss 'saturates')."
    ),
    "nonsaturating": (
        "Same discriminator; the generator maximises log D(G(z)) instead of minimising log(1 − D(G(z))) "
        "(“don't mix labels”). Same fixed point, strong gradients early in training. Prone to mode collapse: "
        "with D fixed, the best G puts all its mass at argmax D."
    ),
    "lsgan": (
        "Least squares (Mao et al. 2017) with the 0-1 coding a = 0, b = 1, c = 1: D regresses real to 1 and fake "
        "to 0; G pulls its samples to 1. The surface shows D's raw output; the boundary is D = ½."
    ),
    "hinge": (
        "Hinge loss (as in the spectral-normalisation paper): a margin classifier for D, and the WGAN-style "
        "generator loss −E D(G(z)). The surface shows D's raw output; the boundary is D = 0."
    ),
    "wgan": (
        "Wasserstein GAN (Arjovsky et al. 2017). By Kantorovich–Rubinstein duality, W(p, q) = sup over 1-Lipschitz "
        "f of E_p f(x) − E_q f(x); the critic approximates that f, and weight clipping to [−c, c] keeps it "
        "Lipschitz (crudely). RMSProp 5e-5, c = 0.01, 5 critic steps per generator step."
    ),
    "wgan-gp": (
        "WGAN with gradient penalty (Gulrajani et al. 2017): no clipping; add λ (‖∇D(x̂)‖ − 1)² at random "
        "interpolates x̂ = αx + (1−α)G(z). Adam 1e-4, β = (0.5, 0.9), 5 critic steps; λ = 0.1 as in the toy code "
        "(the paper uses 10)."
    ),
}


def objective_page(name: str) -> str:
    obj = OBJECTIVES.get(name)()
    return f"<h3>{obj.label}</h3><p><tt>{obj.formula}</tt></p><p>{NOTES[name]}</p>"


ABOUT = (
    "<h3>ganviz</h3><p>Watch a GAN learn, live: the generator's samples against the real data, the "
    "discriminator's decision surface, and the loss and mode-coverage curves, as training runs.</p>"
    "<p>Training runs in a separate process; the window draws at most 30 frames a second.</p>"
    "<p>Keys: Space start/pause, S one generator step, Ctrl+R reset, Ctrl+Q quit.</p>"
)
