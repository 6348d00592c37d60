"""The training loop: alternating (k critic steps, then one G step) or simultaneous updates.

Losses stay on the device as tensors: nothing in `step` waits for the host (no `.item()`), so the loop
runs as fast as a hand-written one. Numbers reach the host only in `snapshot()`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ganviz.core.analysis.metrics import W1_SAMPLES, mode_stats, w1_floor, wasserstein1
from ganviz.core.data.datasets import Dataset, dataset_for
from ganviz.core.problems.problem import PlaneProblem, Problem
from ganviz.core.training.config import TrainConfig, resolve_device
from ganviz.core.training.models import sample_latent
from ganviz.core.training.objectives import Objective, get_objective, gp_term, interpolates, r1_term
from ganviz.core.training.optim import SGD, Adam, RMSprop
from ganviz.core.training.remedies import (
    LIVE_FIELDS,
    LeCamAnchors,
    OptimisticAdam,
    consensus_grads,
    lookahead_state,
    lookahead_step,
    noise_sigma,
    pack,
)

# RNG streams derived from the seed, so each can be restored on its own
_INIT, _LATENT, _DATA, _FIXED, _EVAL = range(5)


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Snapshot:
    """What the window and the CLI need after a step; numpy only, read-only, never aliases a live tensor."""

    step: int
    fakes: np.ndarray  # (n_fixed, 2) float32, G(z_fixed)
    g_loss: float
    d_loss: float  # the objective's D loss, without penalties
    penalty: float  # GP or R1 term of the last D step (0 when none)
    d_real: float  # mean D(x) on the last real batch: σ(logit) for minimax/NS, else the raw value
    d_fake: float  # mean D(G(z)) on the last fake batch, same scale
    g_grad_norm: float  # ‖∇θ L_G‖ at the last G step
    d_grad_norm: float  # ‖∇φ L_D‖ at the last D step


class Trainer:
    def __init__(self, config: TrainConfig, points: np.ndarray | None = None, problem: Problem | None = None) -> None:
        """`points`: the data a session stored for a ``csv:`` dataset, used instead of reading the file.
        `problem`: what to train on (ganviz.core.problems.problem); None = the 2-D plane of `config.dataset`."""
        stored = None
        if points is not None and problem is None:  # before validation, which would otherwise read the file
            from ganviz.core.data.custom_data import stored_dataset

            stored = stored_dataset(config.dataset, points)
        config = config.resolved()
        self.config = config
        self.device = resolve_device(config.device)
        torch.set_num_threads(config.threads)  # process-wide, set deliberately (see default_threads)
        if problem is None:
            problem = PlaneProblem(stored or dataset_for(config.dataset, config.custom_points, config.custom_spread))
        self.problem: Problem = problem
        # the 2-D data (metrics, the window's drawing); None for other problems, whose readouts are their own
        self.dataset: Dataset | None = problem.dataset if isinstance(problem, PlaneProblem) else None
        self.objective: Objective = get_objective(config.objective)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed * 7919 + _INIT)
            self.G = problem.build_generator(config).to(self.device)
            self.D = problem.build_discriminator(config).to(self.device)
        # optimisers are built on first use: the window's mirror of the networks never steps (and torch.optim's
        # own would import torch._dynamo, ≈ 125 MB of RSS; ganviz.core.training.optim's do not)
        self._optimizers: dict[str, torch.optim.Optimizer] = {}
        self._pending_optimizer_state: dict[str, dict] = {}
        self.latent_gen = torch.Generator(self.device).manual_seed(self._stream(_LATENT))
        self.data_gen = torch.Generator().manual_seed(self._stream(_DATA))
        self.np_rng = np.random.default_rng(self._stream(_DATA))
        fixed_gen = torch.Generator(self.device).manual_seed(self._stream(_FIXED))
        self.z_fixed = sample_latent(config.n_fixed, config.zdim, config.prior, fixed_gen, self.device)
        self.step_count = 0
        self._last: dict[str, torch.Tensor] = {}
        # the live engine records every step but needs parameter-gradient norms only when it publishes
        self.record_grad_norms = True
        self.frozen: frozenset[str] | set[str] = frozenset()
        self._nan = torch.full((), math.nan, device=self.device)
        self._d_params = list(self.D.parameters())
        self._g_params = list(self.G.parameters())
        self.lecam = LeCamAnchors(self.device)  # LeCam's EMA anchors (read only when config.lecam > 0)
        # slow motion (ganviz.core.analysis.explain): called with each alternating sub-step's tensors, so the explained
        # step is the real one; None in normal training (then no tensor is kept and nothing changes)
        self.observer: Callable[[str, dict], None] | None = None

    # --- construction helpers ------------------------------------------------------------------

    def _stream(self, k: int) -> int:
        return self.config.seed * 1_000_003 + k

    @property
    def opt_g(self) -> torch.optim.Optimizer:
        return self._optimizer("g")

    @property
    def opt_d(self) -> torch.optim.Optimizer:
        return self._optimizer("d")

    def _optimizer(self, player: str) -> torch.optim.Optimizer:
        optimizer = self._optimizers.get(player)
        if optimizer is None:
            c = self.config
            model, lr = (self.G, c.lr_g) if player == "g" else (self.D, c.lr_d)
            optimizer = self._optimizers[player] = self._make_optimizer(model, lr)
            pending = self._pending_optimizer_state.pop(player, None)
            if pending is not None:
                optimizer.load_state_dict(pending)
                for group in optimizer.param_groups:  # settings changed since the load win, as they would have
                    group["lr"] = lr
                    if "betas" in group:
                        group["betas"] = (c.beta1, c.beta2)
        return optimizer

    def _make_optimizer(self, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        c = self.config
        params = list(model.parameters())
        # torch's optimisers without their torch._dynamo import (ganviz.core.training.optim: ≈ 0.9 s of start-up)
        if c.optimizer == "adam":
            # fused Adam: one kernel for all tensors; 7-16 % more steps/s than the per-tensor loop on CPU
            return Adam(params, lr=lr, betas=(c.beta1, c.beta2), fused=True)
        if c.optimizer == "rmsprop":
            return RMSprop(params, lr=lr, foreach=self.device.type == "cuda" or None)
        if c.optimizer == "optimistic-adam":
            return OptimisticAdam(params, lr=lr, betas=(c.beta1, c.beta2))
        return SGD(params, lr=lr, fused=True)

    # --- live changes (no new networks) --------------------------------------------------------

    def set_objective(self, name: str) -> None:
        """Switch the loss; networks, optimisers and their state are kept."""
        self.objective = get_objective(name)
        self.config = self.config.replace(objective=name)

    def set_learning_rates(self, lr_g: float | None = None, lr_d: float | None = None) -> None:
        self.config = self.config.replace(
            lr_g=self.config.lr_g if lr_g is None else lr_g, lr_d=self.config.lr_d if lr_d is None else lr_d
        ).resolved()
        lrs = {"g": self.config.lr_g, "d": self.config.lr_d}
        for player, optimizer in self._optimizers.items():  # one not built yet takes them when it is
            for group in optimizer.param_groups:
                group["lr"] = lrs[player]

    def set_dataset(self, name: str) -> None:
        """New real data for the same networks (watch the generator move to it)."""
        self._set_plane(dataset_for(name, self.config.custom_points, self.config.custom_spread))
        self.config = self.config.replace(dataset=name)

    def _set_plane(self, dataset: Dataset) -> None:
        self.problem = PlaneProblem(dataset)
        self.dataset = dataset

    def set_custom_points(self, points, spread: float | None = None) -> None:
        """Train on these (x, y) points from now on (dataset "custom"; see ganviz.core.data.custom_data)."""
        from ganviz.core.data.custom_data import CUSTOM, as_config_points

        config = self.config.replace(dataset=CUSTOM, custom_points=as_config_points(points), custom_spread=spread)
        config.validate()
        self._set_plane(dataset_for(CUSTOM, config.custom_points, config.custom_spread))
        self.config = config

    def set_batch(self, batch: int) -> None:
        self.config = self.config.replace(batch=batch).resolved()

    def set_n_critic(self, k: int) -> None:
        self.config = self.config.replace(n_critic=k).resolved()

    def set_regularisers(
        self, clip: float | None = None, gp_lambda: float | None = None, r1: float | None = None, **remedies
    ) -> None:
        """New penalty weights; `remedies`: toolbox settings of remedies.LIVE_FIELDS (read at every step)."""
        unknown = sorted(set(remedies) - LIVE_FIELDS)
        if unknown:
            raise TypeError(f"not a live setting: {', '.join(unknown)}; live: {', '.join(sorted(LIVE_FIELDS))}")
        c = self.config
        self.config = c.replace(
            clip=c.clip if clip is None else clip,
            gp_lambda=c.gp_lambda if gp_lambda is None else gp_lambda,
            r1=c.r1 if r1 is None else r1,
            **remedies,
        ).resolved()

    def set_optimizer(self, kind: str, beta1: float | None = None, beta2: float | None = None) -> None:
        """A new optimiser type starts from fresh state; the same type keeps its state and takes new betas."""
        old = self.config.optimizer
        self.config = self.config.replace(
            optimizer=kind,
            beta1=self.config.beta1 if beta1 is None else beta1,
            beta2=self.config.beta2 if beta2 is None else beta2,
        ).resolved()
        if kind != old:
            self._optimizers.clear()  # rebuilt fresh on next use
            self._pending_optimizer_state.clear()
        elif kind in ("adam", "optimistic-adam"):
            for opt in self._optimizers.values():
                for group in opt.param_groups:
                    group["betas"] = (self.config.beta1, self.config.beta2)

    # --- the loop -----------------------------------------------------------------------------

    def real_batch(self, n: int | None = None) -> torch.Tensor:
        return self.problem.sample(n or self.config.batch, self.data_gen, self.np_rng).to(self.device)

    def latent_batch(self, n: int | None = None) -> torch.Tensor:
        c = self.config
        return sample_latent(n or c.batch, c.zdim, c.prior, self.latent_gen, self.device)

    def _d_forward(
        self, real: torch.Tensor, fake: torch.Tensor, parts: dict | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """D(real) and D(fake) from one forward pass (half the Python overhead; one spectral-norm power
        iteration per step), then the penalties. Their double backward is kept on passes of their own:
        through the joint pass it would run over three times the rows (measured 25-50 % slower). With R1 or R2
        on a D step whose fakes carry no graph, D instead judges reals and fakes in two forwards, each penalised
        one on an input that requires grad, so the penalty reuses the loss's own forward (Mescheder et al.'s
        reference code; 25 % more D steps/s than a joint forward plus one per penalty, 64×3).
        `parts`: receives each penalty term by name (slow motion)."""
        c = self.config
        real, fake = self._d_input(real), self._d_input(fake)
        # not where the fakes carry G's graph (joint updates), nor with spectral norm: every D forward advances
        # its power iteration, so the number of forwards is part of the method as trained so far
        split = (c.r1 > 0 or c.r2 > 0) and not fake.requires_grad and not c.spectral_norm
        if split:
            x_real = real.detach().requires_grad_(True) if c.r1 > 0 else real
            x_fake = fake.detach().requires_grad_(True) if c.r2 > 0 else fake
            d_real, d_fake, penalty = self.D(x_real), self.D(x_fake), None
        else:
            out = self.D(torch.cat([real, fake]))
            d_real, d_fake, penalty = out[: len(real)], out[len(real) :], None
        if self.objective.uses_gradient_penalty:
            x_hat = interpolates(real, fake, self.latent_gen)
            penalty = gp_term(self.D(x_hat), x_hat, c.gp_lambda)
            if parts is not None:
                parts["gp"] = penalty
        if c.r1 > 0:
            if split:
                r1 = r1_term(d_real, x_real, c.r1)
            else:
                x = real.detach().requires_grad_(True)
                r1 = r1_term(self.D(x), x, c.r1)
            if parts is not None:
                parts["r1"] = r1
            penalty = r1 if penalty is None else penalty + r1
        if c.r2 > 0:  # R2: R1's term on the fakes D judged
            if split:
                r2 = r1_term(d_fake, x_fake, c.r2)
            else:
                x = fake.detach().requires_grad_(True)
                r2 = r1_term(self.D(x), x, c.r2)
            if parts is not None:
                parts["r2"] = r2
            penalty = r2 if penalty is None else penalty + r2
        if c.lecam > 0:
            self.lecam.update(d_real, d_fake)  # anchors first, as lecam-gan's training loop does
            lecam = self.lecam.penalty(d_real, d_fake, c.lecam)
            if parts is not None:
                parts["lecam"] = lecam
            penalty = lecam if penalty is None else penalty + lecam
        return d_real, d_fake, penalty

    def noise_sigma(self) -> float:
        """Instance noise σ at the current generator step (0 once annealed away)."""
        c = self.config
        return noise_sigma(c.instance_noise, c.instance_noise_anneal, self.step_count) if c.instance_noise else 0.0

    def _d_input(self, x: torch.Tensor) -> torch.Tensor:
        """Points (n, 2) as D takes them: instance noise added, then packed; unchanged with both off."""
        sigma = self.noise_sigma()
        if sigma > 0:
            x = x + sigma * torch.randn(x.shape, generator=self.latent_gen, device=x.device, dtype=x.dtype)
        return pack(x, self.config.pack) if self.config.pack > 1 else x

    def _g_critic(self, fake: torch.Tensor) -> torch.Tensor:
        """D's output on G's fakes for G's loss: through K look-ahead D steps with --unroll."""
        if self.config.unroll > 0:
            return self._unrolled_critic(fake)
        return self.D(self._d_input(fake))

    def _unrolled_critic(self, fake: torch.Tensor) -> torch.Tensor:
        """D_{φ_K}(fake), φ_{k+1} = φ_k − step(∇φ L_D(φ_k)) with D's own optimiser rule and moments (copies),
        on one real batch and these fakes, kept differentiable in θ (Metz et al. 2017). The look-ahead uses
        the objective's D loss without penalties; D runs in eval mode so spectral norm's u is not advanced."""
        from torch.func import functional_call

        c = self.config
        real = self._d_input(self.real_batch())
        x = torch.cat([real, self._d_input(fake)])
        names = [n for n, _ in self.D.named_parameters()]
        params = [p.detach().requires_grad_(True) for p in self._d_params]
        state = lookahead_state(self.opt_d, self._d_params)
        was_training = self.D.training
        self.D.eval()
        try:
            for _ in range(c.unroll):
                out = functional_call(self.D, dict(zip(names, params)), (x,))
                loss = self.objective.d_loss(out[: len(real)], out[len(real) :])
                grads = torch.autograd.grad(loss, params, create_graph=True)
                params = lookahead_step(params, grads, state, c.lr_d)
            return functional_call(self.D, dict(zip(names, params)), (x[len(real) :],))
        finally:
            self.D.train(was_training)

    def _clip(self) -> None:
        if self.objective.clips_weights:
            with torch.no_grad():
                for p in self._d_params:
                    p.clamp_(-self.config.clip, self.config.clip)

    def _d_step(self, track: bool) -> None:
        real = self.real_batch()
        z = self.latent_batch()
        with torch.no_grad():
            fake = self.G(z)
        parts = None if self.observer is None else {}
        d_real, d_fake, penalty = self._d_forward(real, fake, parts)
        loss = self.objective.d_loss(d_real, d_fake)
        self.opt_d.zero_grad(set_to_none=True)
        (loss if penalty is None else loss + penalty).backward()
        if track:
            self._record_d(loss, penalty, d_real, d_fake)
        if self.observer is not None:  # before the update: D's surface as it was when judging
            self.observer("d", dict(real=real, z=z, fake=fake, d_real=d_real, d_fake=d_fake, parts=parts))
        self.opt_d.step()
        self._clip()
        if self.observer is not None:
            self.observer("d_done", {})

    def _g_step(self, track: bool) -> None:
        self.D.requires_grad_(False)  # G's backward needs no gradient for D's weights
        try:
            z = self.latent_batch()
            fake = self.G(z)
            if self.observer is not None:
                fake.retain_grad()  # ∂L_G/∂x̃ at each fake: slow motion's arrows (changes no gradient)
            d_fake = self._g_critic(fake)
            loss = self.objective.g_loss(d_fake)
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.D.requires_grad_(True)
        if track:
            self._last["g_loss"] = loss.detach()
            self._last["g_grad_norm"] = self._grad_norm(self._g_params)
        if self.observer is not None:
            self.observer("g", dict(z=z, fake=fake, d_fake=d_fake, loss=loss))
        self.opt_g.step()
        if self.observer is not None:
            self.observer("g_done", {})

    def _sim_step(self, track: bool) -> None:
        """Both players' gradients at the same point, then both updates (simultaneous GD)."""
        self._joint_grads(self.real_batch(), self.latent_batch(), track)
        self.opt_d.step()
        self.opt_g.step()
        self._clip()

    def _extragradient_step(self, track: bool) -> None:
        """Extrapolate both players with their gradients at w, then step from w with the gradients at the
        extrapolated point w' (Gidel et al. 2019's Extra-Adam with Adam: its moments see both gradients).
        Both gradients use the same minibatch."""
        real, z = self.real_batch(), self.latent_batch()
        params = self._d_params + self._g_params
        saved = [p.detach().clone() for p in params]
        self._joint_grads(real, z, False)
        self.opt_d.step()
        self.opt_g.step()
        self._clip()
        self._joint_grads(real, z, track)
        with torch.no_grad():
            torch._foreach_copy_([p.detach() for p in params], saved)
        self.opt_d.step()
        self.opt_g.step()
        self._clip()

    def _joint_grads(self, real: torch.Tensor, z: torch.Tensor, track: bool) -> None:
        """Both players' gradients at the current point, into .grad; with consensus γ > 0 each is
        g + γ∇(½‖g‖²) over the joint gradient g (D's loss then sees the fakes undetached: ∂g_D/∂θ counts)."""
        gamma = self.config.consensus
        fake = self.G(z)
        # G's loss reads D(fake) from D's own forward where G's critic would compute the same values (no
        # look-ahead, no fresh noise): one D forward fewer, as a hand-written simultaneous step does. The fakes
        # then keep their graph; D's gradient, taken for D's parameters alone, is unchanged bit for bit (with
        # consensus, whose double backward then sums the two paths in another order, to float rounding). Not
        # with spectral norm, where G's critic forward advances the power iteration once more.
        shared = self.config.unroll == 0 and self.noise_sigma() == 0 and not self.config.spectral_norm
        d_real, d_fake_d, penalty = self._d_forward(real, fake if gamma > 0 or shared else fake.detach())
        loss_d = self.objective.d_loss(d_real, d_fake_d)
        total_d = loss_d if penalty is None else loss_d + penalty
        grads_d = torch.autograd.grad(total_d, self._d_params, retain_graph=shared or gamma > 0, create_graph=gamma > 0)
        loss_g = self.objective.g_loss(d_fake_d if shared else self._g_critic(fake))
        grads_g = torch.autograd.grad(loss_g, self._g_params, create_graph=gamma > 0)
        if gamma > 0:
            joint = consensus_grads([*grads_d, *grads_g], self._d_params + self._g_params, gamma)
            grads_d, grads_g = joint[: len(grads_d)], joint[len(grads_d) :]
        for p, g in zip(self._d_params, grads_d):
            p.grad = g
        for p, g in zip(self._g_params, grads_g):
            p.grad = g
        if track:
            self._record_d(loss_d, penalty, d_real, d_fake_d)
            self._last["g_loss"] = loss_g.detach()
            self._last["g_grad_norm"] = self._grad_norm(self._g_params)

    def _grad_norm(self, params: list[torch.Tensor]) -> torch.Tensor:
        if not self.record_grad_norms:
            return self._nan
        return _global_norm(params)

    def _display(self, d: torch.Tensor) -> torch.Tensor:
        """D as people read it: a probability for sigmoid-based objectives, the raw value otherwise."""
        return torch.sigmoid(d) if self.objective.surface == "prob" else d

    def _record_d(self, loss, penalty, d_real, d_fake) -> None:
        self._last["d_loss"] = loss.detach()
        self._last["penalty"] = penalty.detach() if penalty is not None else torch.zeros((), device=self.device)
        self._last["d_real"] = self._display(d_real.detach()).mean()
        self._last["d_fake"] = self._display(d_fake.detach()).mean()
        self._last["d_grad_norm"] = self._grad_norm(self._d_params)

    def step(self, n: int = 1) -> None:
        """n generator updates (each preceded by n_critic D updates)."""
        k = self.config.n_critic
        for i in range(n):
            last = i == n - 1
            if self.frozen:  # a frozen player keeps its weights (seed 001: G alone drives fakes to argmax D)
                self._frozen_step(last)
            elif self.config.update != "alt" or self.config.consensus > 0:  # both players from one point
                for _ in range(k - 1):
                    self._d_step(False)
                (self._extragradient_step if self.config.update == "extragradient" else self._sim_step)(last)
            else:
                for j in range(k):
                    self._d_step(last and j == k - 1)
                self._g_step(last)
            self.step_count += 1

    def _frozen_step(self, last: bool) -> None:
        if "D" not in self.frozen:
            for j in range(self.config.n_critic):
                self._d_step(last and j == self.config.n_critic - 1)
        elif last:  # still measure D on the current fakes, for the loss curves
            real = self.real_batch()
            with torch.no_grad():
                real, fake = self._d_input(real), self._d_input(self.G(self.latent_batch()))
                out = self.critic_values(torch.cat([real, fake]))
            d_real, d_fake = out[: len(real)], out[len(real) :]
            self._record_d(self.objective.d_loss(d_real, d_fake), None, d_real, d_fake)
        if "G" not in self.frozen:
            self._g_step(last)

    def freeze(self, player: str, on: bool) -> None:
        """Freeze ("D" or "G") or release a player: its updates are skipped, the other keeps learning."""
        self.frozen = self.frozen | {player} if on else self.frozen - {player}

    # --- reading out --------------------------------------------------------------------------

    @torch.no_grad()
    def fakes(self, z: torch.Tensor | None = None) -> np.ndarray:
        out = self.G(self.z_fixed if z is None else z)
        return _readonly(out.to("cpu", dtype=torch.float32, copy=True).numpy())

    def last_values(self) -> dict[str, float]:
        """The last step's recorded numbers (losses, penalty, D means, gradient norms) as floats."""
        return {k: v.item() for k, v in self._last.items()}

    def snapshot(self) -> Snapshot:
        last = self.last_values()
        nan = math.nan
        return Snapshot(
            step=self.step_count,
            fakes=self.fakes(),
            g_loss=last.get("g_loss", nan),
            d_loss=last.get("d_loss", nan),
            penalty=last.get("penalty", nan),
            d_real=last.get("d_real", nan),
            d_fake=last.get("d_fake", nan),
            g_grad_norm=last.get("g_grad_norm", nan),
            d_grad_norm=last.get("d_grad_norm", nan),
        )

    @torch.no_grad()
    def critic_values(self, x: torch.Tensor) -> torch.Tensor:
        """D(x) without side effects: eval mode keeps spectral norm's power iteration out of it."""
        was_training = self.D.training
        self.D.eval()
        try:
            return self.D(x)
        finally:
            self.D.train(was_training)

    @torch.no_grad()
    def evaluate(self, fakes: np.ndarray | None = None, n_w1: int = W1_SAMPLES) -> dict[str, float | int]:
        """Published metrics on the fixed-latent fakes; exact W1 between `n_w1` real and generated samples and
        its finite-sample floor (`w1_floor`, two real samples); where it applies, the critic's own W1 estimate
        E D(x) − E D(G(z)) (a GAN's D gap is not a W1 estimate, so it is not reported under that name).

        Real samples for W1 come from a stream of their own, so evaluating never changes training.
        """
        fakes = self.fakes() if fakes is None else fakes
        eval_gen = torch.Generator().manual_seed(self._stream(_EVAL))
        real = self.dataset.sample(n_w1, eval_gen, np.random.default_rng(self._stream(_EVAL)))
        fake_t = torch.tensor(fakes[:n_w1], device=self.device)
        m = self.config.pack  # a packed critic judges packs of m samples
        d_real = self.critic_values(pack(real[: len(real) // m * m].to(self.device), m)).mean()
        d_fake = self.critic_values(pack(fake_t[: len(fake_t) // m * m], m)).mean()
        out: dict[str, float | int] = {}
        if self.dataset.is_mixture:
            out.update(mode_stats(fakes, self.dataset.centres, self.dataset.sigma).as_dict())
        out["w1"] = wasserstein1(real.numpy(), fakes, n_w1)
        out["w1_floor"] = w1_floor(self.dataset, n_w1)
        if self.objective.has_critic_w1_estimate:
            out["critic_estimate"] = float(d_real - d_fake)
        return out

    # --- state --------------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """Everything needed to resume bit for bit: config, weights, optimisers, RNG streams, step.

        A deep copy: torch's own state dicts alias the live tensors, which later steps would change.
        """
        extra = {"lecam": self.lecam.state_dict()} if self.config.lecam > 0 else {}
        return copy.deepcopy(
            {
                **extra,
                "config": self.config.__dict__.copy(),
                "step": self.step_count,
                "G": self.G.state_dict(),
                "D": self.D.state_dict(),
                "opt_g": self.opt_g.state_dict(),
                "opt_d": self.opt_d.state_dict(),
                "rng": {
                    "latent": self.latent_gen.get_state(),
                    "data": self.data_gen.get_state(),
                    "numpy": self.np_rng.bit_generator.state,
                },
                "z_fixed": self.z_fixed,
            }
        )

    def load_state_dict(self, state: dict) -> None:
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        for player in ("g", "d"):
            if player in self._optimizers:
                self._optimizers[player].load_state_dict(state[f"opt_{player}"])
            else:
                self._pending_optimizer_state[player] = state[f"opt_{player}"]
        self.latent_gen.set_state(state["rng"]["latent"])
        self.data_gen.set_state(state["rng"]["data"])
        self.np_rng.bit_generator.state = state["rng"]["numpy"]
        self.z_fixed = state["z_fixed"].to(self.device)
        self.step_count = int(state["step"])
        if "lecam" in state:
            self.lecam.load_state_dict(state["lecam"])
        self._last.clear()

    @classmethod
    def from_state_dict(cls, state: dict) -> Trainer:
        """A loaded session's state may carry "dataset_points" (ganviz.core.files.session)."""
        trainer = cls(TrainConfig(**state["config"]), state.get("dataset_points"))
        trainer.load_state_dict(state)
        return trainer


def _global_norm(params: list[torch.Tensor]) -> torch.Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:  # a frozen player
        return torch.full((), math.nan, device=params[0].device)
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
