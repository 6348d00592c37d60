"""Help → Objectives and Help → Remedies: one short page per registered objective (label, formula and text read
from its class in ganviz.core.training.objectives; formulas as in the lecture notes, shared/seeds) and per registered
remedy (formula, source and flag read from ganviz.core.training.remedies)."""

from __future__ import annotations

import html
import re

from ganviz.core.training.objectives import OBJECTIVES
from ganviz.core.training.remedies import REMEDIES

_HATTED = re.compile("(\\w)\u0302")  # a letter and a combining circumflex, as in x̂ and p̂


def with_hats(text: str) -> str:
    """Rich text whose hatted letters keep their hats. Qt's layout of a letter and a combining circumflex in
    the default proportional font puts the hat on another letter ("ŵith") or loses it; set in the monospace
    font, the pair is one glyph cluster and the hat sits on its letter."""
    return _HATTED.sub(lambda m: f'<span style="font-family: monospace">{m.group(0)}</span>', text)


def objective_page(name: str) -> str:
    """Help → Objectives → `name`: its label, formula and help text, all read from the objective's class."""
    obj = OBJECTIVES.get(name)
    return with_hats(f"<h3>{obj.label}</h3><p><tt>{obj.formula}</tt></p><p>{obj.help}</p>")


# Help → Remedies: per registered remedy, (what it does, what to watch for on screen). The formula, the paper
# and the flag come from the registry; the Dirac figures are dirac.simulate's (minimax, h = 0.2, start (1, 1),
# 500 steps; plain simultaneous steps end at r = 3.10).
REMEDY_NOTES = {
    "instance-noise": (
        "Blurs real and fake samples alike before D sees them, so the two distributions overlap and D cannot "
        "draw an infinitely sharp boundary: G keeps getting useful gradients.",
        "D's surface turns smoother; too large a σ blurs what G learns (anneal it to 0). Dirac panel: σ = 0.5 "
        "pulls the orbit in (r ≈ 0.05), σ = 0.1 hardly changes it.",
    ),
    "r2": (
        "Penalises D's slope at the generated samples, so D cannot push the fakes with ever steeper gradients "
        "(R1's penalty, taken on the fakes instead of the data).",
        "D's surface flattens where the blue samples are. Dirac panel: the same as R1 there; γ = 0.5 turns the "
        "outward spiral into one that ends at (0, 0).",
    ),
    "pack": (
        "D judges m samples at once, so a batch of near-identical fakes looks unlike a batch of varied real "
        "samples: collapse becomes visible to D, and G is pushed to spread out.",
        "Modes captured and reverse KL in the Quality view. It changes D's input: new networks, and the batch "
        "must be a multiple of m.",
    ),
    "lecam": (
        "Ties D's outputs to moving averages of its own past outputs on real and on fake, which keeps D from "
        "growing over-confident (made for small data sets).",
        "Mean D(real) and D(fake) stay closer in the losses view. Dirac panel: λ = 1 shrinks the orbit, which "
        "then stalls short of the equilibrium (r ≈ 0.4).",
    ),
    "consensus": (
        "Adds the gradient of ½‖g‖², the squared length of both players' gradients, to each step: the players "
        "are drawn to points where both gradients vanish, which damps the rotation of the game.",
        "The trainer then updates both players simultaneously, with a second backward pass per step. Dirac "
        "panel: the circling orbit becomes a spiral into (0, 0).",
    ),
    "unroll": (
        "G's loss looks K steps ahead: G is scored against D after D's reply, so moving all its mass onto the "
        "mode D currently likes least is no longer rewarded.",
        "Modes captured in the Quality view; each generator step costs about K more D passes.",
    ),
    "extragradient": (
        "Each step first takes a trial step, then steps from the original point with the gradient found at the "
        "trial point; this cancels the rotation that makes simultaneous steps spiral outwards.",
        "Two gradient evaluations per step. Dirac panel (update box): r₅₀₀ = 0.12 instead of 3.10.",
    ),
    "optimistic-adam": (
        "Adam with a correction from the previous step's update, which predicts and cancels the next swing: "
        "extragradient's effect with one gradient per step.",
        "Compare the swings of the loss curves with plain Adam's. Dirac panel: its plain-step form, the "
        "'optimistic' update, gives r₅₀₀ = 0.12.",
    ),
}


def remedy_page(name: str) -> str:
    """Help → Remedies → `name`: what it does, its formula, the paper, its flag, what to watch for."""
    r = REMEDIES.get(name)
    does, watch = REMEDY_NOTES[name]
    return with_hats(
        f"<h3>{html.escape(r.label)}</h3><p><tt>{html.escape(r.formula)}</tt></p><p>{html.escape(does)}</p>"
        f"<p><i>Watch:</i> {html.escape(watch)}</p>"
        f"<p><i>Source:</i> {html.escape(r.source)}. <i>Flag:</i> <tt>{html.escape(r.flag)}</tt>; in the window: "
        "Hyper-parameters → Remedies.</p>"
    )


# Help → Getting started: each view, what it shows, and which idea of the lecture notes it makes visible
PICTURE_WIDTH, PICTURE_HEIGHT = 220, 170  # px at most: a picture of each view, taken when the page opens
VIEWS = [
    (
        "Data view (centre)",
        "Real samples (orange) and 2,500 samples of G from a fixed latent batch (blue) over D's decision surface, "
        "with the D = ½ line (critic: the level midway between real and fake).",
        "Where G puts its mass against p; mode collapse as blue piling on a few orange clusters; the optimal "
        "discriminator D* = p/(p+q) (View → Surface shows).",
    ),
    (
        "Losses (right)",
        "G and D losses and the mean D(real), D(fake) per generator step; marked lines for events (divergence, "
        "modes lost, an over-confident D).",
        "The saturating minimax loss stalls when D is confident; a WGAN critic's gap E D(x) − E D(G(z)) tracks W1.",
    ),
    (
        "Quality (right, or its tab)",
        "Modes captured and robust modes, the high-quality fraction, reverse KL and exact W1 over time, and HQ "
        "samples per mode.",
        "Mode coverage as the papers measure it (VEEGAN, PacGAN): collapse is a number, not only a picture.",
    ),
    (
        "Latent space (left)",
        "The latent square with the fixed batch coloured by the mode its G(z) lands in; drag to probe G(z), "
        "Shift+drag for a segment, click a generated sample to inspect it.",
        "G as a map from noise to data: large one-colour regions are collapse, sharp borders are mode tearing.",
    ),
    (
        "Timeline (bottom)",
        "Scrub back through the whole run while training goes on; trails of 100 samples.",
        "How G's samples move: oscillation around the equilibrium (Dirac-GAN) or steady convergence.",
    ),
    (
        "Theory (menu)",
        "The game value and JS estimate, the critic's W1 estimate, gradient lengths, critic weights and spectral "
        "norms; separate windows for the Dirac-GAN game, a 1-D GAN and digits.",
        "V(D*, G) = −log 4 + 2 JS(p‖q); Kantorovich–Rubinstein duality; why clipping and penalties keep a critic "
        "Lipschitz; why simultaneous gradient descent circles the Dirac-GAN equilibrium, and what the remedies do "
        "to it: extragradient and optimistic steps (its update box); R2, instance noise, consensus, LeCam "
        "(its remedy boxes, and ganviz dirac).",
    ),
    (
        "Model overview (top)",
        "z → G → x̃ and x → D → score as live thumbnails; click one to go to its view. In slow motion (M) the "
        "path of the sub-step on screen lights up.",
        "What a GAN is made of, and which part each step of training touches.",
    ),
]


def picture_url(name: str) -> str:
    """The page's address for the picture of view `name` (the window adds the image under it)."""
    return "view:" + "".join(c for c in name.lower() if c.isalnum())


def getting_started(shortcuts: list[tuple[str, str]], pictures: dict[str, float] | None = None) -> str:
    """The Getting started page; `shortcuts`: (what, key) read from the window's own actions; `pictures`: the
    views (VIEWS names) the window has a picture of, with its width / height, shown beside their text."""
    pictures = pictures or {}

    def picture(name: str) -> str:
        if name not in pictures:
            return ""
        width = round(min(PICTURE_WIDTH, PICTURE_HEIGHT * pictures[name]))  # tall views: no taller than this
        return f"<img src='{picture_url(name)}' width='{width}'>"

    views = "".join(
        f"<tr><td valign='top'>{picture(name)}</td><td valign='top'><b>{html.escape(name)}</b><br>"
        f"{html.escape(shows)}<br><i>Teaches:</i> {html.escape(teaches)}</td></tr>"
        for name, shows, teaches in VIEWS
    )
    keys = "".join(
        f"<tr><td>{html.escape(key)}</td><td>{html.escape(what)}</td></tr>" for what, key in sorted(shortcuts)
    )
    return (
        "<h3>Getting started</h3>"
        "<p><b>1.</b> Press <b>Space</b> (Run → Start): the generator's samples (blue) start to move towards the "
        "real data (orange). <b>2.</b> Pick an objective and a dataset from the menus, or a lesson from "
        "<b>Presets</b> (try <i>Mode collapse</i>). <b>3.</b> Press <b>S</b> to take one generator step at a "
        "time and watch D's surface and the samples answer each other.</p>"
        f"<table cellspacing='6'>{views}</table>"
        f"<h4>Keys</h4><table cellspacing='4'>{keys}</table>"
    )


ABOUT = (
    "<h3>ganviz</h3><p>Watch a GAN learn, live: the generator's samples against the real data, the "
    "discriminator's decision surface, and the loss and mode-coverage curves, as training runs.</p>"
    "<p>Training runs in a separate process; the window draws at most 30 frames a second.</p>"
    "<p>Keys: Space start/pause, S one generator step, Ctrl+R reset, Ctrl+Q quit.</p>"
)
