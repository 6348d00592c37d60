"""A small alternating GAN trainer shared by the theory views (1-D densities, 8×8 digits). No Qt.

The same game as ``ganviz.core.trainer`` (science.md §4), written for any data shape: each generator update is
preceded by ``n_critic`` discriminator updates; the losses are the objective's ``d_loss(d_real, d_fake)`` and
``g_loss(d_fake)`` on logits / critic values; WGAN clips every D parameter to [−c, c] after each D step; WGAN-GP
adds ``gradient_penalty`` (λ on random interpolates) and R1 (γ > 0) adds ``r1_penalty`` to the D loss; the
optimiser, learning rates, betas and n_critic default to the objective's ``defaults``.

Everything random comes from generators seeded from ``seed`` (initial weights, latent batches, data batches,
the fixed latent batch, evaluation samples), so two trainers with the same settings produce the same numbers.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from ganviz.core.objectives import Objective, get_objective, gradient_penalty, r1_penalty

# RNG streams derived from the seed (the same numbering as the 2-D trainer)
_INIT, _LATENT, _DATA, _FIXED, _EVAL = range(5)
OPTIMIZERS = ("adam", "rmsprop", "sgd")


def _stream(seed: int, k: int) -> int:
    return seed * 1_000_003 + k


@contextmanager
def single_thread():
    """Run torch on one intra-op thread, then restore the process's setting: these nets are so small that
    more threads only add synchronisation (several times slower on 2 busy cores), and the GUI process that
    hosts the theory views keeps its own setting for everything else."""
    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


class SmallGan(ABC):
    """G: z ~ U[−1, 1]^zdim → data, D: data → 1 logit / critic value; CPU, float32.

    Subclasses build the two networks and sample real data; this class owns the optimisation.
    """

    zdim: int = 1

    def __init__(
        self,
        objective: str = "nonsaturating",
        *,
        seed: int = 0,
        lr: float | None = None,
        batch: int = 128,
        n_critic: int | None = None,
        clip: float = 0.01,
        gp_lambda: float = 0.1,
        r1: float = 0.0,
        n_fixed: int = 2000,
    ) -> None:
        if batch < 1 or n_fixed < 1:
            raise ValueError(f"batch and n_fixed must be ≥ 1 (got {batch}, {n_fixed})")
        if not (clip > 0 and gp_lambda >= 0 and r1 >= 0):
            raise ValueError(f"need clip > 0, gp_lambda ≥ 0, r1 ≥ 0 (got {clip}, {gp_lambda}, {r1})")
        self.objective: Objective = get_objective(objective)
        d = self.objective.defaults
        self.seed = seed
        self.batch = batch
        self.n_critic = d.n_critic if n_critic is None else int(n_critic)
        if self.n_critic < 1:
            raise ValueError(f"n_critic must be ≥ 1 (got {n_critic})")
        self.clip = clip
        self.gp_lambda = gp_lambda
        self.r1 = r1
        self.optimizer = d.optimizer
        self.betas = d.betas
        self.lr_g = d.lr_g if lr is None else float(lr)
        self.lr_d = d.lr_d if lr is None else float(lr)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed * 7919 + _INIT)
            self.G = self.build_generator()
            self.D = self.build_discriminator()
        self.opt_g = self._make_optimizer(self.G, self.lr_g)
        self.opt_d = self._make_optimizer(self.D, self.lr_d)
        self.latent_gen = torch.Generator().manual_seed(_stream(seed, _LATENT))
        self.data_gen = torch.Generator().manual_seed(_stream(seed, _DATA))
        self.eval_gen = torch.Generator().manual_seed(_stream(seed, _EVAL))
        self.z_fixed = self.latent(n_fixed, torch.Generator().manual_seed(_stream(seed, _FIXED)))
        self.step_count = 0
        self.last_d_loss = math.nan  # the objective's D loss at the last D step, without penalties
        self.last_g_loss = math.nan

    # --- what a subclass provides -------------------------------------------------------------

    @abstractmethod
    def build_generator(self) -> nn.Module: ...

    @abstractmethod
    def build_discriminator(self) -> nn.Module: ...

    @abstractmethod
    def sample_real(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """n real samples, float32, shaped like the generator's output."""

    # --- helpers ------------------------------------------------------------------------------

    def _make_optimizer(self, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        params = list(model.parameters())
        if self.optimizer == "adam":
            return torch.optim.Adam(params, lr=lr, betas=self.betas, fused=True)
        if self.optimizer == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr, foreach=True)
        return torch.optim.SGD(params, lr=lr, fused=True)

    def latent(self, n: int, gen: torch.Generator | None = None) -> torch.Tensor:
        """z ~ U[−1, 1]^zdim (the seeds' prior)."""
        return torch.rand(n, self.zdim, generator=gen or self.latent_gen) * 2.0 - 1.0

    def set_lr(self, lr: float) -> None:
        """The same learning rate for both players, from the next step on (optimiser state is kept)."""
        if not (lr > 0 and math.isfinite(lr)):
            raise ValueError(f"lr must be a number > 0 (got {lr!r})")
        self.lr_g = self.lr_d = float(lr)
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] = float(lr)

    # --- the loop -----------------------------------------------------------------------------

    def _clip(self) -> None:
        if self.objective.clips_weights:
            with torch.no_grad():
                for p in self.D.parameters():
                    p.clamp_(-self.clip, self.clip)

    def _d_step(self) -> None:
        real = self.sample_real(self.batch, self.data_gen)
        with torch.no_grad():
            fake = self.G(self.latent(self.batch))
        out = self.D(torch.cat([real, fake]))  # one forward for both (no batch statistics in these MLPs)
        loss = self.objective.d_loss(out[: len(real)], out[len(real) :])
        total = loss
        if self.objective.uses_gradient_penalty:
            total = total + gradient_penalty(self.D, real, fake, self.gp_lambda, self.latent_gen)
        if self.r1 > 0:
            total = total + r1_penalty(self.D, real, self.r1)
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        self.opt_d.step()
        self._clip()
        self._d_loss = loss.detach()

    def _g_step(self) -> None:
        self.D.requires_grad_(False)
        try:
            loss = self.objective.g_loss(self.D(self.G(self.latent(self.batch))))
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.D.requires_grad_(True)
        self.opt_g.step()
        self._g_loss = loss.detach()

    def step(self, n: int = 1) -> None:
        """n generator updates, each after n_critic discriminator updates."""
        with single_thread():
            for _ in range(n):
                for _ in range(self.n_critic):
                    self._d_step()
                self._g_step()
                self.step_count += 1
        if n > 0:
            self.last_d_loss = float(self._d_loss)
            self.last_g_loss = float(self._g_loss)

    # --- reading out --------------------------------------------------------------------------

    @torch.no_grad()
    def fakes(self, z: torch.Tensor | None = None) -> np.ndarray:
        """G(z) for the fixed latent batch (or the given z), float32 numpy."""
        return self.G(self.z_fixed if z is None else z).numpy().astype(np.float32, copy=True)

    @torch.no_grad()
    def d_display(self, x: torch.Tensor) -> np.ndarray:
        """D as people read it: σ(logit) for 'prob' objectives, the raw output otherwise; shape (n,)."""
        out = self.D(x).reshape(-1)
        if self.objective.surface == "prob":
            out = torch.sigmoid(out)
        return out.numpy().astype(np.float64)

    @property
    def d_is_probability(self) -> bool:
        return self.objective.surface == "prob"

    @torch.no_grad()
    def value_estimate(self, n: int = 2000) -> float | None:
        """V(D, G) = E log D(x) + E log(1 − D(G(z))) on n fresh real and n fresh latent samples, with D = σ(logit).

        Only for objectives whose D loss is V's BCE (Objective.has_game_value); None otherwise.
        Written with softplus: log σ(t) = −softplus(−t), log(1 − σ(t)) = −softplus(t).
        """
        if not self.objective.has_game_value:
            return None
        real = self.sample_real(n, self.eval_gen)
        fake = self.G(self.latent(n, self.eval_gen))
        t_real, t_fake = self.D(real).reshape(-1), self.D(fake).reshape(-1)
        v = -torch.nn.functional.softplus(-t_real).mean() - torch.nn.functional.softplus(t_fake).mean()
        return float(v)
