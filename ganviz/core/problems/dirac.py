"""Dirac-GAN (Mescheder, Geiger, Nowozin 2018): the two-parameter GAN, played with ganviz's own losses.

The game, in the paper's coordinates (θ, ψ):

* data p = δ₀, generator δ_θ, a linear discriminator with parameter ψ;
* the paper's D is high on *fake* (L(θ, ψ) = f(ψθ) + f(0), f(t) = −log(1 + e^(−t)), D ascends L), while
  ganviz's losses expect D high on *real*; so the critic handed to ganviz's loss code is D(x) = −ψ·x, and
  d_real = D(0), d_fake = D(θ) = −ψθ, tensors of shape (1,). With this, ganviz's minimax and non-saturating
  losses give *exactly* the paper's GAN and NSGAN fields, and the paper's start (1, 1) is (1, 1) here;
* the D player minimises ``objective.d_loss(d_real, d_fake)`` (+ R1 / gradient penalty) over ψ, the G player
  minimises ``objective.g_loss(d_fake)`` over θ; both gradients come from autograd through the same code the
  trainer uses (``ganviz.core.training.objectives``), nothing is written out by hand here;
* plain gradient descent with step size h: simultaneous ``sim`` (both gradients at the same point, then both
  steps), alternating ``alt`` (G step, then D step at the new θ: the notebook's ``trajectory_altgd``, the
  "alt" column of science.md §5.3) or ``alt-dfirst`` (D step, then G step: the trainer's order);
* WGAN: ψ ← clip(ψ, −c, c) after every D step (not applied to the start point);
* R1: (γ/2)‖∇ₓD(0)‖² = (γ/2)ψ², through ``r1_penalty``; WGAN-GP: λ(‖∇D(x̂)‖ − 1)² = λ(|ψ| − 1)², through
  ``gradient_penalty`` (x̂ is a random point between 0 and θ; ∇ₓD = −ψ everywhere, so it does not matter).

The vector field is (θ̇, ψ̇) = (−∂L_G/∂θ, −∂L_D/∂ψ). For the minimax loss it is θ̇ = −ψσ(−ψθ), ψ̇ = θσ(−ψθ),
the paper's (−ψ f′(ψθ), θ f′(ψθ)) with f′(t) = σ(−t).

Mapping of the constants to the notebook (``LMescheder/GAN_stability:notebooks/diracgan``; science.md §5):

* R1: the notebook's ``GAN_GradPenalty(reg)`` subtracts reg·ψ from ψ̇, the gradient of (reg/2)ψ², which is
  ganviz's R1 with γ = reg (no factor; note the GAN_stability *training* code's ``reg_param`` is γ/2).
* WGAN-GP: the notebook's ``WGAN_GP(reg, target=1)`` uses the penalty (reg/2)(|ψ| − 1)²; ganviz's λ = reg/2
  (the notebook's reg = 0.7 is λ = 0.35, the default ``DIRAC_GP_LAMBDA``).
* WGAN clip: the notebook's ``WGAN(clip=1.)``, so ``DIRAC_CLIP`` = 1 (the trainer's 0.01 is for MLP weights).
* ``alt-dfirst`` (the trainer's order) is close to the table but not equal: R1 converges ~2 steps later, the
  NSGAN, WGAN and WGAN-GP alternating radii differ by 3–5 %.

The remedies of issue 15 that apply to this game (all off by default; any combination):

* **R2** (γ/2)‖∇ₓD(x̃)‖² on the fakes, through ``r1_penalty`` on the fake points. ∇ₓD = −ψ everywhere, so here
  R2 ≡ R1 (science.md §5.1, "R1 ≡ R2 here").
* **Instance noise** σ: every input of D, real and fake, gets +σε, ε ~ N(0, 1), in D's loss and in G's loss (G's
  gradient flows through its noisy samples), as the notebook's ``GAN_InstNoise``. Each field evaluation draws
  ``noise_samples`` ε for the reals, then as many for the fakes (``torch.randn`` on a generator seeded with
  ``seed``), and each player's loss is its mean over them. "sim" evaluates once per step (both players see the
  same draw), "alt" twice (G's step, then D's, each a fresh draw), as the notebook. With ``noise_anneal`` = K,
  step k uses σ·max(0, 1 − k/K).
* **Consensus optimisation** γ (Mescheder, Nowozin, Geiger 2017): with v = (−∂L_G/∂θ, −∂L_D/∂ψ) (penalties
  included), the players move along v − γ∇(½‖v‖²); ∇½‖v‖² comes from autograd through v. Under "alt" each player
  takes its own component at its own evaluation point. The notebook's ``GAN_Consensus`` drops a factor 2 in the
  f′f″ term of that gradient; science.md §5.3's 114 / 102 come from it, the true gradient gives 119 / 107
  (tests/core/test_dirac.py pins both).
* **LeCam** λ (Tseng et al. 2021): D's loss + λ[E relu(D(x) − α_F)² + E relu(α_R − D(x̃))²], α_R, α_F the EMAs
  (decay 0.99) of D's mean output on real and fake, as google/lecam-gan's ``lecam_reg`` and the trainer
  (ganviz.core.training.remedies); the first update sets them to its means (the reference's EMA starts from the current
  value). They move once per D update, at the evaluation D steps with, before the penalty is taken. Here
  D(0) = 0, so α_R = 0 without noise and the penalty is λ relu(ψθ)²: it damps ψ only while ψθ > 0.
* **Extragradient** (Korpelevich 1976; Gidel et al. 2019): x½ = x − h∇(x), x ← x − h∇(x½), both players at
  once (WGAN's clip after each move). **Optimistic** gradient descent (Daskalakis et al. 2018):
  x ← x − 2h∇(xₖ) + h∇(xₖ₋₁), the first step plain (∇(x₋₁) = ∇(x₀)); the optimistic Adam of the trainer without
  Adam's scaling, since the game here uses plain steps.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from ganviz.core.training.config import Bound
from ganviz.core.training.objectives import OBJECTIVES, Objective, get_objective, gradient_penalty, r1_penalty

UPDATES = ("sim", "alt", "alt-dfirst", "extragradient", "optimistic")
DIRAC_CLIP = 1.0  # the notebook's WGAN(clip=1.)
DIRAC_GP_LAMBDA = 0.35  # the notebook's WGAN_GP(reg=0.7): penalty (0.7/2)(|ψ| − 1)²
PAPER_START = (1.0, 1.0)  # the paper's and the notebook's (θ₀, ψ₀)
CONVERGED_RADIUS = 0.01
NOISE_SAMPLES = 1000  # the notebook's GAN_InstNoise: 1,000 draws per field evaluation
LECAM_DECAY = 0.99  # the LeCam paper's EMA decay

# The remedies' ranges (the CLI's flags and the core's checks): γ, λ as the trainer's R1; σ far past the game's
# scale of 1 only drowns it; 10⁵ draws × 10⁶ steps is already hours of CPU.
REMEDY_BOUNDS: dict[str, Bound] = {
    "r2": Bound(0.0, 1e4),
    "instance_noise": Bound(0.0, 100.0),
    "noise_anneal": Bound(0, 1_000_000, integer=True),
    "noise_samples": Bound(1, 100_000, integer=True),
    "seed": Bound(0, 2**31 - 1, integer=True),
    "consensus": Bound(0.0, 1e4),
    "lecam": Bound(0.0, 1e4),
}

_DTYPE = torch.float64


class DiracResult(NamedTuple):
    trajectory: np.ndarray  # (steps + 1, 2): (θ, ψ) at the start and after every step
    r_final: float  # sqrt(θ² + ψ²) after the last step
    converged_step: int | None  # first step (0 = the start) whose radius is < CONVERGED_RADIUS
    lecam_anchors: tuple[float, float] | None = None  # (α_R, α_F) after the last step; None without LeCam


def resolve(objective: str | Objective) -> Objective:
    return get_objective(objective) if isinstance(objective, str) else objective


def check_options(
    objective: Objective, clip: float | None = None, gp_lambda: float | None = None, r1: float = 0.0
) -> tuple[float | None, float | None]:
    """The clip and λ actually used (defaults filled in, None where the objective has none); ValueError if bad."""
    if not (math.isfinite(r1) and r1 >= 0):
        raise ValueError(f"R1 γ must be a number ≥ 0, got {r1!r}")
    if objective.clips_weights:
        clip = DIRAC_CLIP if clip is None else clip
        if not (math.isfinite(clip) and clip > 0):
            raise ValueError(f"clip c must be a number > 0, got {clip!r}")
    elif clip is not None:
        raise ValueError(
            f"clip applies only to weight-clipping objectives ({_with('clips_weights')}), not {objective.name!r}"
        )
    if objective.uses_gradient_penalty:
        gp_lambda = DIRAC_GP_LAMBDA if gp_lambda is None else gp_lambda
        if not (math.isfinite(gp_lambda) and gp_lambda >= 0):
            raise ValueError(f"gradient-penalty λ must be a number ≥ 0, got {gp_lambda!r}")
    elif gp_lambda is not None:
        raise ValueError(
            f"the gradient penalty applies only to {_with('uses_gradient_penalty')}, not {objective.name!r}"
        )
    return clip, gp_lambda


def _with(attribute: str) -> str:
    """The registered objectives that have `attribute` set, for a message: "wgan-gp"."""
    return ", ".join(name for name in OBJECTIVES.names() if getattr(OBJECTIVES.get(name), attribute))


_REMEDY_NAMES = {
    "r2": "R2 γ",
    "instance_noise": "instance noise σ",
    "noise_anneal": "instance-noise anneal steps",
    "noise_samples": "instance-noise samples",
    "seed": "seed",
    "consensus": "consensus γ",
    "lecam": "LeCam λ",
}


def check_remedies(
    r2: float = 0.0,
    instance_noise: float = 0.0,
    noise_anneal: int = 0,
    noise_samples: int = NOISE_SAMPLES,
    seed: int = 0,
    consensus: float = 0.0,
    lecam: float = 0.0,
) -> None:
    """ValueError (one line: what is wrong, what is allowed) for a remedy setting out of REMEDY_BOUNDS."""
    values = dict(locals())
    for name, value in values.items():
        bound = REMEDY_BOUNDS[name]
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) if bound.integer else True
        if not (ok and bound.holds(int(value) if bound.integer else float(value))):
            raise ValueError(f"{_REMEDY_NAMES[name]} must be {bound.describe()}, got {value!r}")


# --- the two players' gradients, batched: point i of the batch is its own game (θᵢ, ψᵢ) ------------


def _as_tensor(values) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float64), dtype=_DTYPE).reshape(-1)


class _Lecam:
    """LeCam's anchors α_R, α_F per game (shape (n,)); None until the first D update sets them."""

    def __init__(self, weight: float, anchors: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
        self.weight = weight
        self.anchors = anchors

    def penalty(self, d_real: torch.Tensor, d_fake: torch.Tensor, n: int, move: bool) -> torch.Tensor:
        """λ[E relu(D(x) − α_F)² + E relu(α_R − D(x̃))²] on D's outputs (n·m of each, game-major), after moving
        the anchors when ``move`` (D's update of this step)."""
        means = d_real.detach().view(n, -1).mean(1), d_fake.detach().view(n, -1).mean(1)
        if move:
            if self.anchors is None:
                self.anchors = means
            else:
                self.anchors = tuple(LECAM_DECAY * a + (1.0 - LECAM_DECAY) * m for a, m in zip(self.anchors, means))
        # an evaluation before D's first update (G's in "alt") anchors at its own means, without keeping them
        anchors = means if self.anchors is None else self.anchors
        m = d_real.shape[0] // n
        alpha_real, alpha_fake = (a.repeat_interleave(m) for a in anchors)
        relu = torch.nn.functional.relu
        return self.weight * ((relu(d_real - alpha_fake) ** 2).mean() + (relu(alpha_real - d_fake) ** 2).mean())


class _Game:
    """The Dirac game with its objective and remedies: ∇ = (∂L_G/∂θ, ∂L_D/∂ψ) at a batch of points."""

    def __init__(
        self,
        objective: Objective,
        r1: float = 0.0,
        gp_lambda: float | None = None,
        r2: float = 0.0,
        noise_samples: int = NOISE_SAMPLES,
        seed: int = 0,
        consensus: float = 0.0,
        lecam: _Lecam | None = None,
    ) -> None:
        self.objective = objective
        self.r1, self.gp_lambda, self.r2 = r1, gp_lambda, r2
        self.noise_samples = noise_samples
        self.gen = torch.Generator().manual_seed(seed)
        self.consensus = consensus
        self.lecam = lecam

    def _losses(
        self, theta: torch.Tensor, psi: torch.Tensor, sigma: float, move_anchors: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """L_G and L_D summed over the games; each game's loss is its mean over its noise draws."""
        n = theta.shape[0]
        m = self.noise_samples if sigma > 0 else 1
        psi_m = psi.repeat_interleave(m)

        def d(x: torch.Tensor) -> torch.Tensor:  # D(x) = −ψ·x: high on real, as ganviz's losses expect
            return -psi_m * x[:, 0]

        real = torch.zeros(n * m, 1, dtype=_DTYPE)
        fake = theta.repeat_interleave(m).reshape(n * m, 1)
        if sigma > 0:
            eps_real = torch.randn(n, m, generator=self.gen, dtype=_DTYPE)
            eps_fake = torch.randn(n, m, generator=self.gen, dtype=_DTYPE)
            real = real + sigma * eps_real.reshape(n * m, 1)
            fake = fake + sigma * eps_fake.reshape(n * m, 1)
        d_real, d_fake = d(real), d(fake)
        obj = self.objective
        loss_g = obj.g_loss(d_fake)
        loss_d = obj.d_loss(d_real, d_fake)
        if self.r1 > 0:
            loss_d = loss_d + r1_penalty(d, real, self.r1)
        if self.r2 > 0:  # R2 is R1's penalty taken on the fakes
            loss_d = loss_d + r1_penalty(d, fake, self.r2)
        if obj.uses_gradient_penalty and self.gp_lambda:
            gen = torch.Generator().manual_seed(0)  # x̂'s position does not matter: ∇ₓD = −ψ everywhere
            loss_d = loss_d + gradient_penalty(d, real, fake, self.gp_lambda, gen)
        if self.lecam is not None:
            loss_d = loss_d + self.lecam.penalty(d_real, d_fake, n, move_anchors)
        # every term is a mean over the n·m points, and game i depends on (θᵢ, ψᵢ) only: n·mean is the sum of
        # the games' losses, so each game's gradient is its own
        return loss_g * n, loss_d * n

    def grad(
        self, theta: torch.Tensor, psi: torch.Tensor, sigma: float = 0.0, move_anchors: bool = False, need: str = "gd"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(∂L_G/∂θ, ∂L_D/∂ψ) per game, with the consensus term γ∇(½‖v‖²) added when γ > 0. ``need``: the
        players whose gradient is used ("g", "d" or "gd"); the other comes back as zeros (not computed: half the
        time of an alternating step). Consensus needs both."""
        theta = theta.detach().clone().requires_grad_(True)
        psi = psi.detach().clone().requires_grad_(True)
        loss_g, loss_d = self._losses(theta, psi, sigma, move_anchors)
        # each player's gradient is the partial one: L_G also depends on ψ and L_D on θ, but only through the
        # other player's parameter, which that player does not move
        keep = self.consensus > 0
        if not keep:
            g_theta, g_psi = torch.zeros_like(theta), torch.zeros_like(psi)
            if "g" in need:  # the losses share D's outputs on the fakes: keep them when D's pass follows
                (g_theta,) = torch.autograd.grad(loss_g, theta, retain_graph="d" in need)
            if "d" in need:
                (g_psi,) = torch.autograd.grad(loss_d, psi)
            return g_theta, g_psi
        (g_theta,) = torch.autograd.grad(loss_g, theta, create_graph=True)
        (g_psi,) = torch.autograd.grad(loss_d, psi, create_graph=True)
        half_norm = 0.5 * (g_theta**2 + g_psi**2).sum()  # ½‖v‖², summed over the (independent) games
        if half_norm.requires_grad:
            r_theta, r_psi = torch.autograd.grad(half_norm, (theta, psi), allow_unused=True)
        else:  # v does not depend on (θ, ψ) at all: its norm has no gradient
            r_theta = r_psi = None
        r_theta = torch.zeros_like(theta) if r_theta is None else r_theta
        r_psi = torch.zeros_like(psi) if r_psi is None else r_psi
        return (g_theta + self.consensus * r_theta).detach(), (g_psi + self.consensus * r_psi).detach()


def vector_field(
    objective: str | Objective,
    theta,
    psi,
    r1: float = 0.0,
    gp_lambda: float | None = None,
    r2: float = 0.0,
    instance_noise: float = 0.0,
    noise_samples: int = NOISE_SAMPLES,
    seed: int = 0,
    consensus: float = 0.0,
    lecam: float = 0.0,
    lecam_anchors: tuple[float, float] = (0.0, 0.0),
) -> tuple[np.ndarray, np.ndarray]:
    """(θ̇, ψ̇) = (−∂L_G/∂θ, −∂L_D/∂ψ) at the points (θ, ψ) (arrays of one shape; WGAN's clip is not a field).

    With instance noise it is one seeded draw of the sampled field; LeCam's anchors (α_R, α_F) are given, since
    they are the state of a run, not of a point."""
    obj = resolve(objective)
    _, gp_lambda = check_options(obj, None, gp_lambda, r1)
    check_remedies(r2, instance_noise, 0, noise_samples, seed, consensus, lecam)
    shape = np.shape(theta)
    t, p = _as_tensor(theta), _as_tensor(psi)
    if t.shape != p.shape:
        raise ValueError("theta and psi must have the same shape")
    if t.numel() == 0:
        return np.zeros(shape), np.zeros(shape)
    anchors = None
    if lecam > 0:
        anchors = tuple(torch.full_like(t, float(a)) for a in lecam_anchors)
    game = _Game(obj, r1, gp_lambda, r2, noise_samples, seed, consensus, _Lecam(lecam, anchors) if lecam else None)
    g_theta, g_psi = game.grad(t, p, instance_noise)
    return -g_theta.numpy().reshape(shape), -g_psi.numpy().reshape(shape)


def field_grid(
    objective: str | Objective,
    n: int = 15,
    lim: float = 2.0,
    r1: float = 0.0,
    gp_lambda: float | None = None,
    **remedies,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """θ, ψ, θ̇, ψ̇ on an n×n grid over [−lim, lim]² (arrays of shape (n, n), ψ along rows); ``remedies``: the
    keywords of vector_field after gp_lambda."""
    axis = np.linspace(-lim, lim, n)
    theta, psi = np.meshgrid(axis, axis)
    theta_dot, psi_dot = vector_field(objective, theta, psi, r1=r1, gp_lambda=gp_lambda, **remedies)
    return theta, psi, theta_dot, psi_dot


# --- trajectories --------------------------------------------------------------------------------


def simulate(
    objective: str | Objective,
    update: str = "sim",
    steps: int = 500,
    lr: float = 0.2,
    start: tuple[float, float] = (1.0, 1.0),
    r1: float = 0.0,
    clip: float | None = None,
    gp_lambda: float | None = None,
    r2: float = 0.0,
    instance_noise: float = 0.0,
    noise_anneal: int = 0,
    noise_samples: int = NOISE_SAMPLES,
    seed: int = 0,
    consensus: float = 0.0,
    lecam: float = 0.0,
) -> DiracResult:
    """Gradient descent on the Dirac game from ``start`` = (θ₀, ψ₀); see the module docstring."""
    obj = resolve(objective)
    if update not in UPDATES:
        raise ValueError(f"unknown update {update!r}; choose one of: {', '.join(UPDATES)}")
    if not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"steps must be an integer ≥ 0, got {steps!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a number > 0, got {lr!r}")
    if len(start) != 2 or not all(math.isfinite(v) for v in start):
        raise ValueError(f"start must be two finite numbers, got {start!r}")
    clip, gp_lambda = check_options(obj, clip, gp_lambda, r1)
    check_remedies(r2, instance_noise, noise_anneal, noise_samples, seed, consensus, lecam)

    lecam_state = _Lecam(lecam) if lecam > 0 else None
    game = _Game(obj, r1, gp_lambda, r2, noise_samples, seed, consensus, lecam_state)
    sigma = 0.0

    def grad(theta: torch.Tensor, psi: torch.Tensor, d_steps: bool, need: str = "gd"):
        # LeCam's anchors move at the evaluation that D steps with, once per step
        return game.grad(theta, psi, sigma, move_anchors=d_steps, need=need)

    def clipped(psi: torch.Tensor) -> torch.Tensor:
        return psi.clamp(-clip, clip) if clip is not None else psi

    theta = torch.tensor([float(start[0])], dtype=_DTYPE)
    psi = torch.tensor([float(start[1])], dtype=_DTYPE)
    previous: tuple[torch.Tensor, torch.Tensor] | None = None  # optimistic: the last step's gradient
    out = np.empty((steps + 1, 2))
    out[0] = theta.item(), psi.item()
    for k in range(1, steps + 1):
        sigma = instance_noise * (max(0.0, 1.0 - (k - 1) / noise_anneal) if noise_anneal else 1.0)
        if update == "sim":
            g_theta, g_psi = grad(theta, psi, True)
            theta, psi = theta - lr * g_theta, clipped(psi - lr * g_psi)
        elif update == "alt":  # the notebook's order
            theta = theta - lr * grad(theta, psi, False, "g")[0]
            psi = clipped(psi - lr * grad(theta, psi, True, "d")[1])
        elif update == "alt-dfirst":  # the trainer's order
            psi = clipped(psi - lr * grad(theta, psi, True, "d")[1])
            theta = theta - lr * grad(theta, psi, False, "g")[0]
        elif update == "extragradient":  # look ahead, then step from the start with the look-ahead's gradient
            g_theta, g_psi = grad(theta, psi, False)
            half = theta - lr * g_theta, clipped(psi - lr * g_psi)
            g_theta, g_psi = grad(*half, True)
            theta, psi = theta - lr * g_theta, clipped(psi - lr * g_psi)
        else:  # optimistic: x − 2h∇(xₖ) + h∇(xₖ₋₁)
            g = grad(theta, psi, True)
            last = g if previous is None else previous
            theta = theta - lr * (2 * g[0] - last[0])
            psi = clipped(psi - lr * (2 * g[1] - last[1]))
            previous = g
        out[k] = theta.item(), psi.item()
        if not (math.isfinite(out[k, 0]) and math.isfinite(out[k, 1])):
            out[k + 1 :] = np.nan
            break

    radius = np.hypot(out[:, 0], out[:, 1])
    below = np.flatnonzero(radius < CONVERGED_RADIUS)
    anchors = None
    if lecam_state is not None and lecam_state.anchors is not None:
        anchors = (float(lecam_state.anchors[0][0]), float(lecam_state.anchors[1][0]))
    return DiracResult(out, float(radius[-1]), int(below[0]) if below.size else None, anchors)
