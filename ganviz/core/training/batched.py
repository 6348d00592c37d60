"""Many runs of the same network shape trained at once, as one batch of models.

A 64-wide MLP step is Python and dispatch overhead, not arithmetic, so R runs stepped one after the other (or in
R processes on 2 cores) pay that overhead R times. Here the R runs' weights are stacked (`torch.func
.stack_module_state`: a leading run axis on every parameter) and every layer of every run is one batched
matrix product (`baddbmm`), so one step of all R runs costs about what one run's step costs in overhead.

Each run is the same run as `Trainer(config)` alone: the same initial weights (built by a Trainer), the same
random streams (each run's own generators, drawn in the Trainer's order: real batch, latent batch, GP α, G's
latent batch), the same losses (the objective's own functions, vmapped over the run axis) and the same fused
Adam kernel. What differs is only the order of floating-point reductions inside the batched products, so the
runs agree with their single runs to rounding (~1e-7 relative) at first and, as GAN training is chaotic,
statistically later (tests/core/test_batched.py checks the first; docs/performance.md says which).

Supported: alternating updates, Adam and RMSprop (WGAN's weight clipping), R1 and R2; no spectral norm, other
remedy or frozen player. Runs may differ in seed, learning rates, betas and objective (with its λ or clip) and must
agree on everything else, the critic steps per G step included (`check_batchable` says what differs). Runs of
different objectives are grouped: each group's loss is its objective's own, on its runs' slice of the batched
output; the gradient penalty is computed on the slice of the runs that use it (their α draws only), clipping
clamps only the runs that clip.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganviz.core.training.config import TrainConfig
from ganviz.core.training.trainer import Trainer

BATCHED_OPTIMIZERS = ("adam", "rmsprop")  # the stacked updates written here (_StackedAdam, _StackedRMSprop)
# settings that may differ between the runs of one batch; every other TrainConfig field (n_critic, optimizer,
# update included) must be equal
PER_RUN = ("seed", "lr_g", "lr_d", "beta1", "beta2", "objective", "gp_lambda", "clip")
# TrainConfig settings the batched step leaves out, with their "off" value: runs using them are not batchable
UNBATCHED_REMEDIES = {"instance_noise": 0.0, "pack": 1, "lecam": 0.0, "consensus": 0.0, "unroll": 0}


class NotBatchable(ValueError):
    """These runs cannot be trained as one batch; the message says why."""


def check_batchable(configs: list[TrainConfig]) -> None:
    if not configs:
        raise NotBatchable("no runs to batch")
    first = configs[0].resolved()
    for c in configs:
        c = c.resolved()
        for field in first.__dataclass_fields__:
            if field not in PER_RUN and getattr(c, field) != getattr(first, field):
                raise NotBatchable(f"runs differ in {field} ({getattr(first, field)!r} vs {getattr(c, field)!r})")
    if first.update != "alt":
        raise NotBatchable("only alternating updates (update = 'alt') are batched")
    if first.optimizer not in BATCHED_OPTIMIZERS:
        raise NotBatchable(f"only {' and '.join(BATCHED_OPTIMIZERS)} are batched, not {first.optimizer}")
    if first.spectral_norm:
        raise NotBatchable("spectral norm is not batched")
    # the remedies the batched step does not implement: a run with one on would be trained without it
    for name, off in UNBATCHED_REMEDIES.items():
        if getattr(first, name) != off:
            raise NotBatchable(f"{name} is not batched (it must be {off!r}, not {getattr(first, name)!r})")


class StackedMLP:
    """R copies of one `ganviz.core.training.models.mlp`, weights stacked on a leading run axis."""

    def __init__(self, models: list[nn.Sequential]) -> None:
        params, _ = torch.func.stack_module_state(models)  # fresh leaf tensors (R, ...) that require grad
        linears = [i for i, m in enumerate(models[0]) if isinstance(m, nn.Linear)]
        self.weights = [params[f"{i}.weight"] for i in linears]  # (R, out, in): nn.Linear's layout, run axis first
        self.biases = [params[f"{i}.bias"].detach().unsqueeze(1).requires_grad_(True) for i in linears]  # (R, 1, out)
        # the activation module between layers (elementwise, so it takes the run axis as it is); ReLU in place
        # on the product it follows (whose backward does not need it): the (R, B, W) temporaries are large
        # enough that a fresh one per layer costs as much as the ReLU itself
        activation = next(m for m in models[0] if not isinstance(m, nn.Linear))
        self.activation = torch.relu_ if type(activation) is nn.ReLU else activation

    @property
    def params(self) -> list[torch.Tensor]:
        return [*self.weights, *self.biases]

    def __call__(self, x: torch.Tensor, runs: torch.Tensor | None = None) -> torch.Tensor:
        """x: (R, B, in) -> (R, B, out); each run's slice is that run's nn.Linear chain. `runs`: only these
        runs' networks (x is then (len(runs), B, in)); the others' weights get no gradient from the result."""
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            if runs is not None:
                w, b = w.index_select(0, runs), b.index_select(0, runs)
            x = torch.baddbmm(b, x, w.mT)  # per run: addmm(bias, x, W.t()), which is what nn.Linear runs
            if i < last:
                x = self.activation(x)
        return x

    def state_dict(self, r: int) -> dict[str, torch.Tensor]:
        """Run r's weights as its nn.Sequential's state dict."""
        out = {}
        for k, (w, b) in enumerate(zip(self.weights, self.biases)):
            i = 2 * k  # Linear, activation, Linear, ... (models.mlp)
            out[f"{i}.weight"] = w[r].detach().clone()
            out[f"{i}.bias"] = b[r, 0].detach().clone()
        return out


class _Stacked:
    """An elementwise optimiser over the stacked parameters, one call per group of runs with equal settings."""

    def __init__(self, params: list[torch.Tensor], settings: list[tuple]) -> None:
        self.params = params
        groups: dict[tuple, list[int]] = {}
        for r, key in enumerate(settings):
            groups.setdefault(key, []).append(r)
        self.groups = list(groups.items())

    def views(self, runs: list[int], *stacked: list[torch.Tensor]) -> list[list[torch.Tensor]]:
        """The parameters, their gradients and each of `stacked` (per-parameter state), whole when `runs` is
        every run, else as per-run slices (elementwise updates give each slice what its own tensor would get)."""
        tensors = [self.params, [p.grad for p in self.params], *stacked]
        if len(runs) == len(self.params[0]):
            return tensors
        return [[t[r] for r in runs for t in ts] for ts in tensors]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def stop(self, r: int) -> None:
        """Run r's weights take no more updates (its gradient is still computed with the others', and dropped)."""
        groups = [(key, [q for q in runs if q != r]) for key, runs in self.groups]
        self.groups = [(key, runs) for key, runs in groups if runs]


class _StackedAdam(_Stacked):
    """torch's fused Adam kernel over the stacked parameters (what a single run's fused Adam runs)."""

    def __init__(self, params: list[torch.Tensor], lrs: list[float], betas: list[tuple[float, float]]) -> None:
        super().__init__(params, [(lr, b1, b2) for lr, (b1, b2) in zip(lrs, betas)])
        self.exp_avgs = [torch.zeros_like(p) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in params]
        self.step_count = torch.zeros((), dtype=torch.float32)  # torch keeps the fused step as float32

    @torch.no_grad()
    def step(self) -> None:
        self.step_count += 1
        for (lr, b1, b2), runs in self.groups:
            views = self.views(runs, self.exp_avgs, self.exp_avg_sqs)
            steps = [self.step_count] * len(views[0])
            torch._fused_adam_(
                *views, [], steps, lr=lr, beta1=b1, beta2=b2, weight_decay=0.0, eps=1e-8, amsgrad=False,
                maximize=False, grad_scale=None, found_inf=None,
            )  # fmt: skip


class _StackedRMSprop(_Stacked):
    """RMSprop as a single run's torch.optim.RMSprop steps it on CPU (its defaults: α 0.99, ε 1e-8, no momentum,
    not centred; the per-tensor loop), the same elementwise operations in the same order."""

    ALPHA, EPS = 0.99, 1e-8

    def __init__(self, params: list[torch.Tensor], lrs: list[float]) -> None:
        super().__init__(params, [(lr,) for lr in lrs])
        self.square_avgs = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self) -> None:
        for (lr,), runs in self.groups:
            for param, grad, square_avg in zip(*self.views(runs, self.square_avgs)):
                square_avg.mul_(self.ALPHA).addcmul_(grad, grad, value=1 - self.ALPHA)
                param.addcdiv_(grad, square_avg.sqrt().add_(self.EPS), value=-lr)


class _Group:
    """The runs of one objective: its losses vmapped over their slice of the run axis."""

    def __init__(self, objective, runs: list[int], every: int) -> None:
        self.objective = objective
        # None: the group is every run, so the whole stacked output is its slice (no gather, no scatter)
        self.index = None if len(runs) == every else torch.tensor(runs)
        self.runs = runs
        if len(runs) == 1:  # one run: its objective's own functions on its slice (vmap costs ~0.2 ms a call)
            self.d_loss = lambda d_real, d_fake: objective.d_loss(d_real[0], d_fake[0]).unsqueeze(0)
            self.g_loss = lambda d_fake: objective.g_loss(d_fake[0]).unsqueeze(0)
        else:
            self.d_loss = torch.vmap(objective.d_loss)
            self.g_loss = torch.vmap(objective.g_loss)

    def take(self, t: torch.Tensor) -> torch.Tensor:
        if self.index is None:
            return t
        if len(self.runs) == 1:  # a view, not a gather
            return t[self.runs[0] : self.runs[0] + 1]
        return t.index_select(0, self.index)


class BatchedTrainer:
    """R runs (configs differing only in PER_RUN settings) stepped together."""

    def __init__(self, configs: list[TrainConfig]) -> None:
        check_batchable(configs)
        # one Trainer per run builds what a single run would: weights, data, latent streams, fixed latents
        self.runs = [Trainer(c) for c in configs]
        first = self.runs[0]
        self.config, self.objective, self.device = first.config, first.objective, first.device
        self.G = StackedMLP([t.G for t in self.runs])
        self.D = StackedMLP([t.D for t in self.runs])
        cs = [t.config for t in self.runs]
        if self.config.optimizer == "rmsprop":  # WGAN with weight clipping, as in the paper
            self.opt_g = _StackedRMSprop(self.G.params, [c.lr_g for c in cs])
            self.opt_d = _StackedRMSprop(self.D.params, [c.lr_d for c in cs])
        else:
            self.opt_g = _StackedAdam(self.G.params, [c.lr_g for c in cs], [(c.beta1, c.beta2) for c in cs])
            self.opt_d = _StackedAdam(self.D.params, [c.lr_d for c in cs], [(c.beta1, c.beta2) for c in cs])
        by_name: dict[str, list[int]] = {}
        for r, t in enumerate(self.runs):
            by_name.setdefault(t.objective.name, []).append(r)
        n = len(self.runs)
        self.groups = [_Group(self.runs[rs[0]].objective, rs, n) for rs in by_name.values()]
        self._order = torch.tensor([r for rs in by_name.values() for r in rs])  # group order -> run order
        # gradient penalty: on the slice of the runs that use it, each with its own λ
        gp = [r for r, t in enumerate(self.runs) if t.objective.uses_gradient_penalty]
        self._gp_runs = None if len(gp) == n else torch.tensor(gp, dtype=torch.long)
        self._gp_any = bool(gp)
        self._gp_lambda = torch.tensor([cs[r].gp_lambda for r in gp], dtype=torch.float32)
        self._gp_lambda_all = cs[0].gp_lambda if len(gp) == n and len({cs[r].gp_lambda for r in gp}) == 1 else None
        # weight clipping: ±clip for the runs that clip, ±inf (no change) for the others
        clips = [c.clip if t.objective.clips_weights else math.inf for t, c in zip(self.runs, cs)]
        self._clip = torch.tensor(clips, dtype=torch.float32) if any(math.isfinite(v) for v in clips) else None
        self._prob = torch.tensor([t.objective.surface == "prob" for t in self.runs]).view(-1, 1, 1)
        self.step_count = 0
        # per-run numbers of the last step, (R,) tensors on the device, when `record` is on (the compare child):
        # HISTORY_FIELDS' g_loss, d_loss, penalty, d_real, d_fake and, with `record_grad_norms`, the grad norms
        self.record = False
        self.record_grad_norms = True
        self.last: dict[str, torch.Tensor] = {}

    def _latents(self) -> torch.Tensor:
        return torch.stack([t.latent_batch() for t in self.runs])

    def _per_run(self, parts: list[torch.Tensor]) -> torch.Tensor:
        """Per-group (R_g,) values, concatenated in group order -> (R,) in run order."""
        if len(parts) == 1:
            return parts[0]
        values = torch.cat(parts)
        return torch.empty_like(values).index_copy_(0, self._order, values)

    def _gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """λ_r E(‖∇D(x̂)‖ − 1)² of each run that uses a gradient penalty, α drawn from its own latent stream
        (as Trainer draws it); (R_gp,) in the order of those runs."""
        c, runs, idx = self.config, self.runs, self._gp_runs
        chosen = range(len(runs)) if idx is None else idx.tolist()
        alpha = torch.stack([torch.rand(c.batch, 1, generator=runs[r].latent_gen, device=self.device) for r in chosen])
        if idx is not None:
            real, fake = real.index_select(0, idx), fake.index_select(0, idx)
        x_hat = (alpha * real + (1.0 - alpha) * fake).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(self.D(x_hat, idx).sum(), x_hat, create_graph=True)
        lam = self._gp_lambda_all if self._gp_lambda_all is not None else self._gp_lambda
        return lam * ((grad.norm(dim=2) - 1.0) ** 2).mean(dim=1)

    def _d_step(self, track: bool = False) -> None:
        c = self.config
        real = torch.stack([t.real_batch() for t in self.runs])
        z = self._latents()
        with torch.no_grad():
            fake = self.G(z)
        out = self.D(torch.cat([real, fake], dim=1))
        d_real, d_fake = out[:, : c.batch], out[:, c.batch :]
        # runs are independent: run r's gradient is its own objective's loss's
        losses = self._per_run([g.d_loss(g.take(d_real), g.take(d_fake)) for g in self.groups])
        loss = losses.sum()
        penalty = None
        if self._gp_any:
            gp = self._gradient_penalty(real, fake)
            loss = loss + gp.sum()
            penalty = gp if self._gp_runs is None else torch.zeros_like(losses).index_copy(0, self._gp_runs, gp)
        # R1 on the reals, R2 on the fakes: (γ/2) E‖∇ₓD(x)‖² per run (objectives.r1_term), no random draw
        for gamma, points in ((c.r1, real), (c.r2, fake)):
            if gamma > 0:
                x = points.detach().requires_grad_(True)
                (grad,) = torch.autograd.grad(self.D(x).sum(), x, create_graph=True)
                term = 0.5 * gamma * (grad**2).sum(dim=2).mean(dim=1)
                loss = loss + term.sum()
                penalty = term if penalty is None else penalty + term
        self.opt_d.zero_grad()
        loss.backward()
        if track:
            self._record_d(losses, penalty, d_real, d_fake)
        self.opt_d.step()
        if self._clip is not None:
            with torch.no_grad():
                for p in self.D.params:
                    lim = self._clip.view(-1, *[1] * (p.dim() - 1))
                    p.clamp_(min=-lim, max=lim)

    def _record_d(self, losses, penalty, d_real, d_fake) -> None:
        """What Trainer._record_d keeps, per run: D as people read it (σ for the 'prob' objectives)."""

        def shown(d: torch.Tensor) -> torch.Tensor:
            return torch.where(self._prob, torch.sigmoid(d), d).mean(dim=(1, 2))

        self.last["d_loss"] = losses.detach()
        self.last["penalty"] = torch.zeros_like(losses) if penalty is None else penalty.detach()
        self.last["d_real"], self.last["d_fake"] = shown(d_real.detach()), shown(d_fake.detach())
        self.last["d_grad_norm"] = self._grad_norms(self.D.params)

    def _grad_norms(self, params: list[torch.Tensor]) -> torch.Tensor:
        """Each run's global gradient norm (Trainer's _global_norm of its slice); NaN when not recorded."""
        if not self.record_grad_norms:
            return torch.full((len(self.runs),), math.nan)
        return torch.stack([p.grad.flatten(1).square().sum(dim=1) for p in params]).sum(dim=0).sqrt()

    def _g_step(self, track: bool = False) -> None:
        # D frozen, as in a single run: G's backward computes no gradient for D's weights. backward(), not
        # autograd.grad: it lays each gradient out like its parameter, which the fused kernel needs
        for p in self.D.params:
            p.requires_grad_(False)
        try:
            d_fake = self.D(self.G(self._latents()))
            losses = self._per_run([g.g_loss(g.take(d_fake)) for g in self.groups])
            self.opt_g.zero_grad()
            losses.sum().backward()
        finally:
            for p in self.D.params:
                p.requires_grad_(True)
        if track:
            self.last["g_loss"] = losses.detach()
            self.last["g_grad_norm"] = self._grad_norms(self.G.params)
        self.opt_g.step()

    def step(self, n: int = 1) -> None:
        """n generator updates of every run (each preceded by n_critic D updates)."""
        for _ in range(n):
            k = self.config.n_critic
            for j in range(k):
                self._d_step(self.record and j == k - 1)
            self._g_step(self.record)
            self.step_count += 1

    def trainer(self, r: int) -> Trainer:
        """Run r as a Trainer holding its current weights (for metrics, samples, sessions: the optimiser state
        and the step count are not carried over)."""
        t = self.runs[r]
        t.G.load_state_dict(self.G.state_dict(r))
        t.D.load_state_dict(self.D.state_dict(r))
        t.step_count = self.step_count
        return t

    def stop(self, r: int, g_state: dict[str, torch.Tensor], d_state: dict[str, torch.Tensor]) -> None:
        """Run r is set to these weights (its checkpoint, after a divergence) and takes no more updates; the
        other runs go on. Runs are independent in the batch (their losses are summed, so each gets only its own
        gradient, and Adam is elementwise), so run r's slice cannot disturb them; finite weights keep its
        (dropped) gradients finite too."""
        with torch.no_grad():
            for stacked, state in ((self.G, g_state), (self.D, d_state)):
                for k, (w, b) in enumerate(zip(stacked.weights, stacked.biases)):
                    w[r].copy_(state[f"{2 * k}.weight"])
                    b[r, 0].copy_(state[f"{2 * k}.bias"])
        self.opt_g.stop(r)
        self.opt_d.stop(r)

    def finite(self) -> list[bool]:
        """Per run: are all its weights finite? (One host sync.)"""
        bad = torch.zeros(len(self.runs), dtype=torch.bool)
        for p in (*self.G.params, *self.D.params):
            bad |= ~torch.isfinite(p.detach().flatten(1)).all(dim=1)
        return [not b for b in bad.tolist()]
