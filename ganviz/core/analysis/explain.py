"""Slow motion (issue 16): one real generator update of a Trainer, taken apart into its sub-steps. No Qt here.

`explain_step(trainer)` runs `trainer.step(1)` itself with the trainer's observer hook set, so the step
explained *is* the real one and leaves the trainer bit for bit where `step(1)` would: the hook only reads
(D's surface is evaluated in eval mode, which does not advance spectral norm's power iteration; nothing draws
from the trainer's random streams). Every array handed out is a read-only numpy copy.

Sub-steps, for each of the n_critic D rounds: sample (x ~ p_data, z ~ p(z), x̃ = G(z)), D's loss (each term's
value), D's update (its surface before and after); then G's loss with ∂L_G/∂x̃ at each fake (the arrows) and
G's update (the same z through the new G). Formulas come from the objective and remedy registries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ganviz.core.analysis.surface import critic_midpoint, evaluate_surface, grid_points
from ganviz.core.training.objectives import Objective
from ganviz.core.training.remedies import REMEDIES, active_remedies

GRID = 64  # surface resolution: one batched forward of GRID² points per surface

# Penalties with no registry entry of their own (GP's is part of the WGAN-GP objective's formula); notation
# as in science.md §4 and the seeds.
PENALTY_FORMULAS = {"gp": "λ E(‖∇D(x̂)‖ − 1)², x̂ = αx + (1−α)G(z)", "r1": "(γ/2) E‖∇ₓD(x)‖²"}
PENALTY_NAMES = {"gp": "gradient penalty", "r1": "R1", "r2": "R2", "lecam": "LeCam"}
SPECTRAL_NORM_FORMULA = "every D layer W ← W / σ_max(W) (spectral normalisation)"
UPDATE_RULES = {
    "adam": "{w} ← {w} − η·m̂/(√v̂ + ε), Adam moments of ∇{w} {L}",
    "rmsprop": "{w} ← {w} − η·∇{w} {L}/(√v + ε), v the running mean of (∇{w} {L})²",
    "sgd": "{w} ← {w} − η∇{w} {L}",
}


def _readonly(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().to("cpu", dtype=torch.float32, copy=True).numpy()
    a = np.array(a, dtype=np.float32, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class DRound:
    """One of the n_critic D updates. D(·) values are on the display scale (σ(D) for minimax/NS, else raw);
    with PacGAN one value per pack of m samples; with instance noise D judged the noisy points."""

    index: int  # 1 … n_critic
    real: np.ndarray  # (n, 2) x ~ p_data
    z: np.ndarray  # (n, zdim)
    fake: np.ndarray  # (n, 2) G(z)
    d_real: np.ndarray  # D(x)
    d_fake: np.ndarray  # D(G(z))
    terms: tuple[tuple[str, float], ...]  # L_D's terms, the objective's then each penalty's; they sum to `loss`
    loss: float  # L_D with penalties, the quantity D's optimiser stepped on
    surface_before: np.ndarray  # (GRID, GRID), row = y
    surface_after: np.ndarray
    level_before: float  # where the boundary is drawn (½, or the critic's midpoint between real and fake)
    level_after: float


@dataclass(frozen=True)
class GRound:
    """G's update: the fakes move against `grad`, the gradient of G's loss with respect to each fake."""

    z: np.ndarray  # (n, zdim)
    fake: np.ndarray  # (n, 2) G(z) before the update
    d_fake: np.ndarray  # D(G(z)) on the display scale
    loss: float  # L_G
    grad: np.ndarray  # (n, 2) ∂L_G/∂x̃ at each fake (of the batch mean, so ∝ 1/n)
    fake_after: np.ndarray  # (n, 2) G(z) after the update, the same z


@dataclass(frozen=True)
class SubStep:
    kind: str  # "sample" | "d_loss" | "d_update" | "g_loss" | "g_update"
    name: str
    description: str
    formula: str  # in the seeds' notation, for the current objective and regularisers
    data: DRound | GRound


@dataclass(frozen=True)
class ExplainedStep:
    step: int  # the generator step taken apart (the trainer's step count before it)
    objective: str
    surface_kind: str  # "prob" | "raw01" | "critic" (as Objective.surface)
    extent: tuple[float, float, float, float]
    xs: np.ndarray  # the surfaces' cell-centre coordinates
    ys: np.ndarray
    rounds: tuple[DRound, ...]  # n_critic of them (none while D is frozen)
    g: GRound | None  # None while G is frozen
    substeps: tuple[SubStep, ...]


def split_formula(objective: Objective) -> tuple[str, str]:
    """(D's part, G's part) of the objective's registered formula "D: …   G: …"."""
    d_part, sep, g_part = objective.formula.partition("   G: ")
    if not sep:
        return objective.formula, objective.formula
    return d_part.strip(), "G: " + g_part.strip()


def _remedy_formula(name: str) -> str:
    return REMEDIES.get(name).formula


def _penalty_formula(key: str) -> str:
    # R2 and LeCam's registry formulas read "D loss + …": the term itself is what follows
    if key in PENALTY_FORMULAS:
        return PENALTY_FORMULAS[key]
    return _remedy_formula(key).removeprefix("D loss + ")


def _update_rule(optimizer: str, player: str) -> str:
    w, loss = ("φ", "L_D") if player == "D" else ("θ", "L_G")
    if optimizer == "optimistic-adam":
        return _remedy_formula("optimistic-adam").replace("w", w)
    return UPDATE_RULES[optimizer].format(w=w, L=loss)


class _Recorder:
    """The trainer's observer during the explained step: turns each sub-step's tensors into numpy."""

    def __init__(self, trainer, grid: int) -> None:
        self.t = trainer
        self.grid = grid
        self.kind = trainer.objective.surface
        self.rounds: list[DRound] = []
        self.g: GRound | None = None
        self._pending: dict = {}

    def _display(self, d: torch.Tensor) -> np.ndarray:
        d = d.detach().reshape(-1)
        return _readonly(torch.sigmoid(d) if self.kind == "prob" else d)

    def _surface(self) -> tuple[np.ndarray, float]:
        t = self.t
        values = evaluate_surface(t.critic_values, t.dataset.extent, self.grid, self.kind, t.device)
        if self.kind != "critic":
            return _readonly(values), 0.5
        level = critic_midpoint(t.critic_values, self._pending["real"], self._pending["fake"], t.device)
        return _readonly(values), level

    def __call__(self, event: str, data: dict) -> None:
        with torch.no_grad():
            getattr(self, "_on_" + event)(data)

    def _on_d(self, data: dict) -> None:
        objective = self.t.objective
        terms = [(label, float(v)) for label, v in objective.d_terms(data["d_real"].detach(), data["d_fake"].detach())]
        terms += [(_penalty_formula(k), float(v)) for k, v in (data["parts"] or {}).items()]
        self._pending = dict(
            real=_readonly(data["real"]),
            z=_readonly(data["z"]),
            fake=_readonly(data["fake"]),
            d_real=self._display(data["d_real"]),
            d_fake=self._display(data["d_fake"]),
            terms=tuple(terms),
            loss=math.fsum(v for _, v in terms),
        )
        self._pending["surface_before"], self._pending["level_before"] = self._surface()

    def _on_d_done(self, _: dict) -> None:
        surface, level = self._surface()
        self.rounds.append(
            DRound(index=len(self.rounds) + 1, surface_after=surface, level_after=level, **self._pending)
        )
        self._pending = {}

    def _on_g(self, data: dict) -> None:
        fake = data["fake"]
        self._pending = dict(
            z=data["z"].detach().clone(),
            fake=_readonly(fake),
            d_fake=self._display(data["d_fake"]),
            loss=float(data["loss"]),
            grad=_readonly(fake.grad),
        )

    def _on_g_done(self, _: dict) -> None:
        z = self._pending.pop("z")
        self.g = GRound(z=_readonly(z), fake_after=self.t.fakes(z), **self._pending)
        self._pending = {}


def _substeps(trainer, rounds: list[DRound], g: GRound | None) -> tuple[SubStep, ...]:
    c = trainer.config
    d_formula, g_formula = split_formula(trainer.objective)
    remedies = {r.name for r in active_remedies(c)}
    seen = [_remedy_formula(n) for n in ("instance-noise", "pack") if n in remedies]  # what D's input is
    sample_formula = "; ".join(["x ~ p_data, z ~ p(z), x̃ = G(z)", *seen])
    penalties = []
    if c.r1 > 0:
        penalties.append(f"+ {PENALTY_FORMULAS['r1']}, γ = {c.r1:g}")
    for key, value in (("r2", c.r2), ("lecam", c.lecam)):
        if value > 0:
            penalties.append(f"+ {_penalty_formula(key)}, {'γ' if key == 'r2' else 'λ'} = {value:g}")
    if trainer.objective.uses_gradient_penalty:
        d_formula += f", λ = {c.gp_lambda:g}"
    if trainer.objective.clips_weights:
        d_formula += f", c = {c.clip:g}"
    loss_formula = "\n".join([d_formula, *penalties, *([SPECTRAL_NORM_FORMULA] if c.spectral_norm else [])])
    k = c.n_critic
    out: list[SubStep] = []
    for r in rounds:
        count = f" ({r.index} of {k})" if k > 1 else ""
        out.append(
            SubStep(
                "sample", f"Sample{count}", "Draw a batch of real points x and latent codes z; G maps z to fakes.",
                sample_formula, r,
            )
        )  # fmt: skip
        out.append(
            SubStep(
                "d_loss", f"D's loss{count}",
                "D judges the real points and the fakes; each term of its loss, with its value.", loss_formula, r,
            )
        )  # fmt: skip
        out.append(
            SubStep(
                "d_update", f"D's update{count}",
                "D steps down its loss's gradient in its weights φ: the boundary moves from before to after.",
                _update_rule(c.optimizer, "D"), r,
            )
        )  # fmt: skip
    if g is not None:
        g_loss_formula = "\n".join(
            [g_formula, "arrows: −∂L_G/∂x̃ at each fake x̃ = G(z)", *([_remedy_formula("unroll")] if c.unroll else [])]
        )
        out.append(
            SubStep(
                "g_loss", "G's loss", "G's loss on fresh fakes; each arrow points where moving that fake lowers it.",
                g_loss_formula, g,
            )
        )  # fmt: skip
        out.append(
            SubStep(
                "g_update", "G's update",
                "G steps down its loss's gradient in its weights θ: each fake G(z) moves (same z) to its new place.",
                _update_rule(c.optimizer, "G") + ", via ∂L_G/∂θ = Σ ∂L_G/∂x̃ · ∂G(z)/∂θ", g,
            )
        )  # fmt: skip
    return tuple(out)


# The model-overview strip's nodes (ganviz.ui.panels.overview_panel) each kind of sub-step runs through
OVERVIEW_PATHS = {
    "sample": ("z", "G", "fake", "real"),  # x ~ p_data; z ~ p(z) through G to x̃
    "d_loss": ("fake", "real", "D", "score"),  # D judges both
    "d_update": ("D", "score"),  # D's weights step down its loss
    "g_loss": ("z", "G", "fake", "D", "score"),  # G's loss is D's score of G(z)
    "g_update": ("z", "G", "fake"),  # G's weights step; the same z lands elsewhere
}


def loss_focus(sub: SubStep) -> tuple[str, float, str] | None:
    """The loss curve a sub-step computes or steps on ("d_loss" | "g_loss"), that loss's value in this update, and
    a short label for the loss panel; None for the sampling sub-step (no loss yet)."""
    if sub.kind == "sample":
        return None
    name = "L_D" if sub.kind.startswith("d_") else "L_G"
    label = f"{sub.name}: {name} = {sub.data.loss:.4g}"
    return ("d_loss" if name == "L_D" else "g_loss", float(sub.data.loss), label)


def explain_step(trainer, grid: int = GRID) -> ExplainedStep:
    """Take one real generator update of `trainer` (alternating updates) and return its sub-steps."""
    c = trainer.config
    if c.update != "alt" or c.consensus > 0:
        method = "consensus optimisation" if c.consensus > 0 else f"--update {c.update}"
        raise ValueError(f"slow motion takes apart alternating updates (--update alt) only, not {method}")
    if trainer.observer is not None:
        raise RuntimeError("the trainer is already being explained")
    step = trainer.step_count
    recorder = _Recorder(trainer, grid)
    trainer.observer = recorder
    try:
        trainer.step(1)
    finally:
        trainer.observer = None
    xs, ys, _ = grid_points(trainer.dataset.extent, grid)
    return ExplainedStep(
        step=step,
        objective=trainer.objective.name,
        surface_kind=trainer.objective.surface,
        extent=tuple(float(v) for v in trainer.dataset.extent),
        xs=_readonly(xs),
        ys=_readonly(ys),
        rounds=tuple(recorder.rounds),
        g=recorder.g,
        substeps=_substeps(trainer, recorder.rounds, recorder.g),
    )
