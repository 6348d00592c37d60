"""A `Trainer` on a non-plane problem (the 1-D and digits views): training is the Trainer's own; this adds what
those views read out, as numpy, so the worker thread that owns a run can hand it over without sharing a tensor."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ganviz.core.problems.problem import Problem
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.objectives import Objective
from ganviz.core.training.trainer import Trainer


@dataclass(frozen=True)
class RunSettings:
    """The trainer's settings as they are in force, read off the trainer and its optimisers (numbers only)."""

    step: int
    objective: str
    optimizer: str
    n_critic: int
    lr_g: float  # from the optimiser's param groups: what the next step uses
    lr_d: float


class ProblemRun:
    """A `Trainer` on a non-plane problem, for the theory views: the seeds' setting (z ~ U[−1, 1]^zdim, CPU,
    one thread: these nets are so small that more threads only add synchronisation).

    Subclasses build the problem and read out what their view draws; the training is the Trainer's own."""

    def __init__(self, problem: Problem, config: TrainConfig) -> None:
        self.problem = problem
        self.trainer: Trainer = Trainer(config.replace(device="cpu", prior="uniform", threads=1), problem=problem)
        self.trainer.record_grad_norms = False  # no view here reads them

    # --- the trainer's state, as the views and tests name it ------------------------------------

    @property
    def objective(self) -> Objective:
        return self.trainer.objective

    @property
    def step_count(self) -> int:
        return self.trainer.step_count

    @property
    def G(self) -> nn.Module:  # noqa: N802 (the paper's name)
        return self.trainer.G

    @property
    def D(self) -> nn.Module:  # noqa: N802
        return self.trainer.D

    @property
    def opt_g(self) -> torch.optim.Optimizer:
        return self.trainer.opt_g

    @property
    def opt_d(self) -> torch.optim.Optimizer:
        return self.trainer.opt_d

    @property
    def optimizer(self) -> str:
        return self.trainer.config.optimizer

    @property
    def n_critic(self) -> int:
        return self.trainer.config.n_critic

    @property
    def lr_g(self) -> float:
        return self.trainer.config.lr_g

    @property
    def lr_d(self) -> float:
        return self.trainer.config.lr_d

    @property
    def clip(self) -> float:
        return self.trainer.config.clip

    @property
    def z_fixed(self) -> torch.Tensor:
        return self.trainer.z_fixed

    # --- training ---------------------------------------------------------------------------------

    def step(self, n: int = 1) -> None:
        """n generator updates, each after n_critic discriminator updates."""
        self.trainer.step(n)

    def set_lr(self, lr: float) -> None:
        """The same learning rate for both players from the next step on (optimiser state is kept)."""
        if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
            raise ValueError(f"lr must be a number > 0 (got {lr!r})")
        self.trainer.set_learning_rates(float(lr), float(lr))

    # --- reading out ------------------------------------------------------------------------------

    def fakes(self, z: torch.Tensor | None = None) -> np.ndarray:
        """G(z) for the fixed latent batch (or the given z), float32 numpy (read-only)."""
        return self.trainer.fakes(z)

    def last_losses(self) -> tuple[float, float]:
        """(D loss without penalties, G loss) at the last step; NaN before the first."""
        last = self.trainer.last_values()
        return last.get("d_loss", math.nan), last.get("g_loss", math.nan)

    @property
    def d_is_probability(self) -> bool:
        return self.objective.surface == "prob"

    def d_display(self, x: torch.Tensor) -> np.ndarray:
        """D as people read it: σ(logit) for 'prob' objectives, the raw output otherwise; shape (n,), float64."""
        out = self.trainer.critic_values(x).reshape(-1)
        if self.d_is_probability:
            out = torch.sigmoid(out)
        return out.numpy().astype(np.float64)

    @torch.no_grad()
    def value_estimate(self, n: int, gen: torch.Generator) -> float | None:
        """V(D, G) = E log D(x) + E log(1 − D(G(z))) on n fresh real and n fresh latent samples from `gen`,
        with D = σ(logit); only for objectives whose D loss is V's BCE (Objective.has_game_value), else None.
        Written with softplus: log σ(t) = −softplus(−t), log(1 − σ(t)) = −softplus(t)."""
        if not self.objective.has_game_value:
            return None
        real = self.problem.sample(n, gen, np.random.default_rng(0))
        z = torch.rand(n, self.trainer.config.zdim, generator=gen) * 2.0 - 1.0
        t_real = self.trainer.critic_values(real).reshape(-1)
        t_fake = self.trainer.critic_values(self.G(z)).reshape(-1)
        v = -torch.nn.functional.softplus(-t_real).mean() - torch.nn.functional.softplus(t_fake).mean()
        return float(v)

    def settings(self) -> RunSettings:
        c = self.trainer.config
        lrs = {}
        for player in ("g", "d"):  # the optimisers' own numbers: what a step would use
            groups = self.trainer.opt_g.param_groups if player == "g" else self.trainer.opt_d.param_groups
            lrs[player] = float(groups[0]["lr"])
        return RunSettings(self.step_count, self.objective.name, c.optimizer, c.n_critic, lrs["g"], lrs["d"])
