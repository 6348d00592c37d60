"""Plain PyTorch loops of ganviz's stabilising methods: the baselines of bench_train.py's method cases.

Standalone like plain_gan.py (imports torch and plain_gan only, never ganviz's trainer or remedies): each loop
is what a competent researcher would write by hand for one method on the toy GAN of plain_gan.py
(non-saturating loss, Adam lr 1e-3, β = (0.5, 0.999), fused, one D step per G step, batch 256, ring8, latent
U[-1,1]²). What every loop shares with plain_gan.PlainLoop: fakes for D made without a graph, D frozen
(`requires_grad_(False)`) for G's backward, a fresh z for the G step, `zero_grad(set_to_none=True)`.
Per method (the definitions: ganviz/core/training/remedies.py and science.md):

* noise   D sees x + σε and G(z) + σε: one randn for cat(real, fake), one D forward; G's step adds fresh noise.
* r1/r2   Mescheder et al.'s reference code: D(real) and D(fake) as two forwards, the penalised one on an input
          that requires grad; (γ/2) E‖∇D‖² through autograd.grad(create_graph=True). (A joint forward on
          cat(real, fake) would make the double backward run over both halves.)
* lecam   one forward on cat(real, fake); α_R, α_F EMAs (0.99) of D's means, set to the first batch's means,
          updated before the penalty λ(E relu(D(x) − α_F)² + E relu(α_R − D(G(z)))²) (google/lecam-gan).
* pack    D takes m consecutive points concatenated (input 2m): real and fake reshaped, one forward on cat.
* unroll  G's loss on D after K differentiable look-ahead Adam steps (torch.func.functional_call on detached
          copies of D's weights, Adam's moments copied from its optimiser, √v̂ held constant as in ganviz), on one
          fresh real batch and G's fakes (Metz et al. 2017).
* sim     both players' gradients at the same point from **one** D forward on cat(real, G(z)): D's gradient
          from L_D, G's from L_G on the same D(G(z)) rows (autograd.grad for each, so neither leaks into the
          other), then both Adam steps.
* consensus  sim's gradients with create_graph, then g + γ∇(½‖g‖²) over the joint g (Mescheder et al. 2017).
* extragradient  save w, sim's gradients and Adam steps to w', sim's gradients at w' on the same batch, restore
          w, Adam steps (Extra-Adam, Gidel et al. 2019).
* optadam alternating steps with optimistic Adam (Daskalakis et al. 2018), written with torch._foreach ops
          (one kernel per op over all tensors), w ← w − 2u_t + u_{t−1}, u = lr·m̂/(√v̂ + ε).

`real_fn`, `z_fn`, `noise_fn` let a test feed the Trainer's own batches (tests/core/test_plain_methods.py);
by default they draw from torch's global generator like plain_gan.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from plain_gan import ZDIM, make_mlp, sample_ring8, sample_z
from torch.func import functional_call

LR, BETAS = 1e-3, (0.5, 0.999)  # the non-saturating GAN's defaults, as ganviz resolves them


@dataclass(frozen=True)
class MethodCase:
    key: str
    label: str
    method: str  # a key of METHODS
    hidden: int
    layers: int = 3
    flags: dict = field(default_factory=dict)  # the TrainConfig fields that turn the method on in ganviz


METHODS: dict[str, dict] = {
    "noise": {"instance_noise": 0.3},
    "r1": {"r1": 1.0},
    "r2": {"r2": 1.0},
    "consensus": {"consensus": 1.0},
    "lecam": {"lecam": 0.3},
    "pack": {"pack": 2},
    "unroll": {"unroll": 5},
    "extragradient": {"update": "extragradient"},
    "optadam": {"optimizer": "optimistic-adam"},
    "sim": {"update": "sim"},
}
_TITLES = {
    "noise": "noise σ=0.3",
    "r1": "R1 γ=1",
    "r2": "R2 γ=1",
    "consensus": "consensus γ=1",
    "lecam": "LeCam λ=0.3",
    "pack": "PacGAN2",
    "unroll": "unrolled 5",
    "extragradient": "extragradient",
    "optadam": "optimistic Adam",
    "sim": "simultaneous",
}
METHOD_CASES = {
    f"{m}{h}": MethodCase(f"{m}{h}", f"{h}x3 NS {_TITLES[m]}", m, h, 3, METHODS[m]) for h in (64, 128) for m in METHODS
}


def config_fields(case: MethodCase, batch: int) -> dict:
    """The TrainConfig fields of ganviz's run of this case (a dict: this module never imports ganviz)."""
    fields = dict(dataset="ring8", objective="nonsaturating", hidden=case.hidden, layers=case.layers, zdim=ZDIM)
    fields.update(batch=batch, optimizer="adam", lr_g=LR, lr_d=LR, beta1=BETAS[0], beta2=BETAS[1], n_critic=1)
    return {**fields, **case.flags}


def bce_d(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()


def ns_g(d_fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-d_fake).mean()


class ForeachOptimisticAdam:
    """Optimistic Adam over a list of tensors with torch._foreach ops (no torch.optim machinery)."""

    def __init__(self, params, lr: float, betas: tuple[float, float], eps: float = 1e-8) -> None:
        self.params = list(params)
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.prev = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self, set_to_none: bool = True) -> None:  # noqa: ARG002 (torch.optim's signature)
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        (b1, b2), self.t = self.betas, self.t + 1
        grads = [p.grad for p in self.params]
        torch._foreach_lerp_(self.m, grads, 1 - b1)
        torch._foreach_mul_(self.v, b2)
        torch._foreach_addcmul_(self.v, grads, grads, value=1 - b2)
        denom = torch._foreach_div(self.v, 1 - b2**self.t)
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.eps)
        update = torch._foreach_div(self.m, 1 - b1**self.t)
        torch._foreach_div_(update, denom)
        torch._foreach_mul_(update, self.lr)
        torch._foreach_add_(self.params, update, alpha=-2.0)
        torch._foreach_add_(self.params, self.prev)
        self.prev = update


class MethodLoop:
    """One method's plain training loop (see the module docstring); `run(n)` = n generator steps."""

    def __init__(
        self,
        case: MethodCase,
        batch: int = 256,
        seed: int = 0,
        device="cpu",
        real_fn: Callable[[int], torch.Tensor] | None = None,
        z_fn: Callable[[int], torch.Tensor] | None = None,
        noise_fn: Callable[[tuple[int, ...]], torch.Tensor] | None = None,
    ) -> None:
        torch.manual_seed(seed)
        self.case, self.batch, self.device = case, batch, torch.device(device)
        self.method, flags = case.method, case.flags
        self.m = flags.get("pack", 1)
        self.G = make_mlp(ZDIM, 2, case.hidden, case.layers).to(self.device)
        self.D = make_mlp(2 * self.m, 1, case.hidden, case.layers).to(self.device)
        self.g_params, self.d_params = list(self.G.parameters()), list(self.D.parameters())
        if self.method == "optadam":
            self.opt_g = ForeachOptimisticAdam(self.g_params, LR, BETAS)
            self.opt_d = ForeachOptimisticAdam(self.d_params, LR, BETAS)
        else:
            self.opt_g = torch.optim.Adam(self.g_params, lr=LR, betas=BETAS, fused=True)
            self.opt_d = torch.optim.Adam(self.d_params, lr=LR, betas=BETAS, fused=True)
        self.real = real_fn or (lambda n: sample_ring8(n, self.device))
        self.z = z_fn or (lambda n: sample_z(n, self.device))
        self.noise = noise_fn or (lambda shape: torch.randn(shape, device=self.device))
        self.sigma = flags.get("instance_noise", 0.0)
        self.ema: torch.Tensor | None = None  # LeCam's (α_R, α_F)

    # --- alternating methods ---------------------------------------------------------------------

    def d_step(self) -> None:
        b, flags = self.batch, self.case.flags
        real = self.real(b)
        with torch.no_grad():
            fake = self.G(self.z(b))
        r1, r2 = flags.get("r1", 0.0), flags.get("r2", 0.0)
        if r1 or r2:
            real.requires_grad_(r1 > 0)
            fake.requires_grad_(r2 > 0)
            d_real, d_fake = self.D(real), self.D(fake)
            loss = bce_d(d_real, d_fake)
            for gamma, out, x in ((r1, d_real, real), (r2, d_fake, fake)):
                if gamma:
                    (g,) = torch.autograd.grad(out.sum(), x, create_graph=True)
                    loss = loss + 0.5 * gamma * g.pow(2).sum(dim=1).mean()
        else:
            x = torch.cat([real, fake])
            if self.sigma:
                x = x + self.sigma * self.noise(x.shape)
            if self.m > 1:
                x = x.reshape(-1, 2 * self.m)  # real packs, then fake packs (b is a multiple of m)
            out = self.D(x)
            n = len(out) // 2
            d_real, d_fake = out[:n], out[n:]
            loss = bce_d(d_real, d_fake)
            lam = flags.get("lecam", 0.0)
            if lam:
                means = torch.stack([d_real.detach().mean(), d_fake.detach().mean()])
                self.ema = means if self.ema is None else self.ema.lerp_(means, 1 - 0.99)
                loss = loss + lam * (
                    F.relu(d_real - self.ema[1]).pow(2).mean() + F.relu(self.ema[0] - d_fake).pow(2).mean()
                )
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()

    def g_step(self) -> None:
        self.D.requires_grad_(False)
        fake = self.G(self.z(self.batch))
        if self.method == "unroll":
            d_fake = self.unrolled(fake, self.case.flags["unroll"])
        else:
            if self.sigma:
                fake = fake + self.sigma * self.noise(fake.shape)
            d_fake = self.D(fake.reshape(-1, 2 * self.m) if self.m > 1 else fake)
        loss = ns_g(d_fake)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        self.D.requires_grad_(True)

    def unrolled(self, fake: torch.Tensor, k: int) -> torch.Tensor:
        """D(fake) after k differentiable Adam steps of D on (a fresh real batch, fake)."""
        b = self.batch
        x = torch.cat([self.real(b), fake])
        names = [n for n, _ in self.D.named_parameters()]
        params = [p.detach().requires_grad_(True) for p in self.d_params]
        state = [self.opt_d.state.get(p, {}) for p in self.d_params]
        m = [s["exp_avg"].clone() if s else torch.zeros_like(p) for s, p in zip(state, params)]
        v = [s["exp_avg_sq"].clone() if s else torch.zeros_like(p) for s, p in zip(state, params)]
        t = state[0]["step"] if state[0] else 0
        (b1, b2), eps = BETAS, 1e-8
        for _ in range(k):
            out = functional_call(self.D, dict(zip(names, params)), (x,))
            grads = torch.autograd.grad(bce_d(out[:b], out[b:]), params, create_graph=True)
            t = t + 1
            bc1, bc2 = 1 - b1**t, 1 - b2**t
            m = [b1 * mi + (1 - b1) * g for mi, g in zip(m, grads)]
            v = [(b2 * vi + (1 - b2) * g * g).detach() for vi, g in zip(v, grads)]
            params = [p - LR * (mi / bc1) / ((vi / bc2).sqrt() + eps) for p, mi, vi in zip(params, m, v)]
            m = [mi.detach() for mi in m]  # the moments carry values only, as in ganviz's look-ahead
        return functional_call(self.D, dict(zip(names, params)), (fake,))

    # --- both players from one point ---------------------------------------------------------------

    def joint_grads(self, real: torch.Tensor, z: torch.Tensor, gamma: float = 0.0) -> None:
        b = self.batch
        fake = self.G(z)
        out = self.D(torch.cat([real, fake]))
        loss_d, loss_g = bce_d(out[:b], out[b:]), ns_g(out[b:])
        grads_d = torch.autograd.grad(loss_d, self.d_params, retain_graph=True, create_graph=gamma > 0)
        grads_g = torch.autograd.grad(loss_g, self.g_params, create_graph=gamma > 0)
        grads = [*grads_d, *grads_g]
        params = self.d_params + self.g_params
        if gamma:
            half_sq = 0.5 * sum((g * g).sum() for g in grads)
            extra = torch.autograd.grad(half_sq, params)
            grads = [g.detach() + gamma * e for g, e in zip(grads, extra)]
        for p, g in zip(params, grads):
            p.grad = g

    def both_steps(self) -> None:
        self.opt_d.step()
        self.opt_g.step()

    def sim_step(self) -> None:
        self.joint_grads(self.real(self.batch), self.z(self.batch), self.case.flags.get("consensus", 0.0))
        self.both_steps()

    def extragradient_step(self) -> None:
        real, z = self.real(self.batch), self.z(self.batch)
        params = self.d_params + self.g_params
        saved = [p.detach().clone() for p in params]
        self.joint_grads(real, z)
        self.both_steps()
        self.joint_grads(real, z)
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)
        self.both_steps()

    def run(self, n: int) -> None:
        step = {"sim": self.sim_step, "consensus": self.sim_step, "extragradient": self.extragradient_step}.get(
            self.method
        )
        for _ in range(n):
            if step is not None:
                step()
            else:
                self.d_step()
                self.g_step()
