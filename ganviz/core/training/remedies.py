"""The convergence and mode-collapse toolbox (issue 15): the methods papers use to tame GAN training.

Each method is one registered `Remedy` (its config field, flag, formula and source) plus the small pieces of
maths the trainer calls (ganviz.core.training.trainer); every one is off by default, and off it changes nothing.

* Instance noise (Sønderby et al. 2017; Mescheder et al. 2018 §3): D sees x + σε and G(z) + σε, ε ~ N(0, I),
  σ optionally annealed linearly to 0.
* R2 (Mescheder et al. 2018, eq. 10): (γ/2) E_{x̃~p_g} ‖∇D(x̃)‖², R1 on the fakes.
* PacGAN (Lin et al. 2018): D judges m consecutive samples concatenated, a 2m-dimensional input.
* LeCam (Tseng et al. 2021): λ (E relu(D(x) − α_F)² + E relu(α_R − D(x̃))²), α_R, α_F EMAs (decay 0.99)
  of D's mean output on real and fake, as in google/lecam-gan's `lecam_reg`.
* Consensus optimisation (Mescheder et al. 2017): both players step along g + γ ∇(½‖g‖²), g the joint gradient.
* Unrolled GAN (Metz et al. 2017): G's loss through K differentiable look-ahead steps of D.
* Extragradient (Korpelevich 1976; Gidel et al. 2019) and optimistic Adam (Daskalakis et al. 2018).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ganviz.core.registry import Registry
from ganviz.core.training.optim import _NoDynamo

LECAM_DECAY = 0.99  # google/lecam-gan's ema_losses default; science.md gives no other value


@dataclass(frozen=True)
class Remedy:
    name: str
    field: str  # the TrainConfig field that turns it on
    flag: str  # the command-line flag
    label: str
    formula: str
    source: str
    on: Callable[[object], bool]  # the field's value -> is the method in use
    title: Callable[[object], str]  # a short run title part, e.g. "PacGAN2"

    def active(self, config) -> bool:
        return self.on(getattr(config, self.field))


REMEDIES: Registry[Remedy] = Registry("remedy")


def _register(remedy: Remedy) -> None:
    REMEDIES.register(remedy.name)(remedy)


_positive = bool  # a weight or a count of 0 is off

_register(
    Remedy(
        "instance-noise", "instance_noise", "--instance-noise", "Instance noise",
        "D sees x + σε and G(z) + σε, ε ~ N(0, I); σ_t = σ·max(0, 1 − t/T) with --instance-noise-anneal T",
        "Sønderby et al. 2017; Mescheder et al. 2018", _positive, lambda v: f"noise σ={v:g}",
    )
)  # fmt: skip
_register(
    Remedy(
        "r2", "r2", "--r2", "R2 penalty", "D loss + (γ/2) E‖∇D(G(z))‖²", "Mescheder et al. 2018, eq. 10",
        _positive, lambda v: f"R2 γ={v:g}",
    )
)  # fmt: skip
_register(
    Remedy(
        "pack", "pack", "--pack", "PacGAN", "D judges m samples concatenated: D(x₁, …, x_m), input width 2m",
        "Lin et al. 2018", lambda v: v > 1, lambda v: f"PacGAN{v}",
    )
)  # fmt: skip
_register(
    Remedy(
        "lecam", "lecam", "--lecam", "LeCam",
        "D loss + λ(E relu(D(x) − α_F)² + E relu(α_R − D(G(z)))²), α = EMA(0.99) of mean D on real / fake",
        "Tseng et al. 2021", _positive, lambda v: f"LeCam λ={v:g}",
    )
)  # fmt: skip
_register(
    Remedy(
        "consensus", "consensus", "--consensus", "Consensus optimisation",
        "both players step along g + γ∇(½‖g‖²), g = (∇φ L_D, ∇θ L_G), simultaneously",
        "Mescheder et al. 2017", _positive, lambda v: f"consensus γ={v:g}",
    )
)  # fmt: skip
_register(
    Remedy(
        "unroll", "unroll", "--unroll", "Unrolled GAN",
        "G minimises L_G(D with K look-ahead steps φ_{k+1} = φ_k − opt(∇φ L_D)), differentiated through them",
        "Metz et al. 2017", _positive, lambda v: f"unrolled {v}",
    )
)  # fmt: skip
_register(
    Remedy(
        "extragradient", "update", "--update extragradient", "Extragradient",
        "w' = w − η g(w) (both players), then w ← w − η g(w') from the saved w",
        "Korpelevich 1976; Gidel et al. 2019", lambda v: v == "extragradient", lambda v: "extragradient",
    )
)  # fmt: skip
_register(
    Remedy(
        "optimistic-adam", "optimizer", "--optimizer optimistic-adam", "Optimistic Adam",
        "w ← w − 2η·m̂_t/(√v̂_t + ε) + η·m̂_{t−1}/(√v̂_{t−1} + ε)",
        "Daskalakis et al. 2018", lambda v: v == "optimistic-adam", lambda v: "optimistic Adam",
    )
)  # fmt: skip


# The settings the trainer reads afresh at every step, so a running trainer takes them live (its
# set_regularisers; the window's parameters dock): all but PacGAN's pack, which sets D's input width (new
# networks), and the optimiser, which has its own live command.
LIVE_FIELDS = frozenset({"instance_noise", "instance_noise_anneal", "r2", "lecam", "consensus", "unroll", "update"})


def active_remedies(config) -> list[Remedy]:
    return [r for r in (REMEDIES.get(n) for n in REMEDIES) if r.active(config)]


# --- instance noise --------------------------------------------------------------------------------


def noise_sigma(sigma: float, anneal: int, step: int) -> float:
    """σ at generator step `step`: constant, or falling linearly from σ at step 0 to 0 at step `anneal`."""
    if anneal <= 0:
        return sigma
    return sigma * max(0.0, 1.0 - step / anneal)


# --- PacGAN ----------------------------------------------------------------------------------------


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """(n, 2) points -> (n/m, 2m) packs of m consecutive points: row i is x[im], …, x[im + m − 1]."""
    return x.reshape(x.shape[0] // m, m * x.shape[1])


class PackInput(nn.Module):
    """The first layer of a packed D: packs pass through; single (n, 2) points (the window's D surface, its
    gradient field) become the pack (x, x, …, x), so "D at x" reads as D judging m copies of x."""

    def __init__(self, m: int) -> None:
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if x.shape[-1] == 2 * self.m else x.repeat(1, self.m)

    def extra_repr(self) -> str:
        return f"m={self.m}"


# --- LeCam -----------------------------------------------------------------------------------------


class LeCamAnchors:
    """α_R, α_F: EMAs of D's mean output on real and on fake, kept on the device (no host sync). The first
    update sets them to the batch means (the reference's decay 0 before its EMA starts)."""

    def __init__(self, device: torch.device, decay: float = LECAM_DECAY) -> None:
        self.decay = decay
        self.anchors = torch.zeros(2, device=device)  # (α_R, α_F)
        self.updates = 0

    def update(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> None:
        means = torch.stack([d_real.detach().mean(), d_fake.detach().mean()]).to(self.anchors)
        if self.updates == 0:
            self.anchors.copy_(means)
        else:
            self.anchors.lerp_(means, 1.0 - self.decay)
        self.updates += 1

    def penalty(self, d_real: torch.Tensor, d_fake: torch.Tensor, lam: float) -> torch.Tensor:
        alpha_real, alpha_fake = self.anchors[0], self.anchors[1]
        return lam * (F.relu(d_real - alpha_fake).pow(2).mean() + F.relu(alpha_real - d_fake).pow(2).mean())

    def state_dict(self) -> dict:
        return {"anchors": self.anchors.detach().cpu().clone(), "updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.anchors.copy_(state["anchors"])
        self.updates = int(state["updates"])


# --- consensus optimisation ------------------------------------------------------------------------


def consensus_grads(grads: Sequence[torch.Tensor], params: Sequence[torch.Tensor], gamma: float) -> list[torch.Tensor]:
    """g + γ∇(½‖g‖²) for every parameter; `grads` must come from autograd.grad(..., create_graph=True)."""
    half_sq = 0.5 * sum((g * g).sum() for g in grads)
    extra = torch.autograd.grad(half_sq, list(params), allow_unused=True)
    return [g.detach() + (gamma * e if e is not None else 0.0) for g, e in zip(grads, extra)]


# --- unrolled GAN: D's look-ahead steps, differentiable ---------------------------------------------


def lookahead_state(optimizer: torch.optim.Optimizer | None, params: Sequence[torch.Tensor]) -> dict:
    """Copies of the optimiser's moments for `params` (zeros before its first step), for look-ahead steps
    that follow the same rule without touching the real state."""
    kind = type(optimizer).__name__ if optimizer is not None else ""
    group = optimizer.param_groups[0] if optimizer is not None else {}
    out: dict = {"kind": kind, "lr": group.get("lr"), "betas": group.get("betas"), "eps": group.get("eps", 1e-8)}
    out["alpha"] = group.get("alpha", 0.99)
    first, second, steps = [], [], []
    for p in params:
        st = optimizer.state.get(p, {}) if optimizer is not None else {}
        sq = "exp_avg_sq" if "exp_avg_sq" in st else "square_avg"  # Adam's, RMSprop's
        # zeros only where the optimiser has no moment yet (a .get default would build them every time)
        first.append(st["exp_avg"].detach().clone() if "exp_avg" in st else torch.zeros_like(p))
        second.append(st[sq].detach().clone() if sq in st else torch.zeros_like(p))
        steps.append(st.get("step", 0))
    out["m"], out["v"] = first, second
    out["t"] = steps[0] if steps else 0  # one count for the whole set: they step together
    return out


def lookahead_step(
    params: list[torch.Tensor], grads: Sequence[torch.Tensor], state: dict, lr: float
) -> list[torch.Tensor]:
    """One differentiable step of D's optimiser rule (Adam and optimistic Adam: Adam; RMSprop; SGD); the
    moments in `state` advance in place. The step is differentiated through the gradient and the first
    moment; the normaliser √v is held constant: its derivative is infinite where a gradient is exactly 0
    (a dead ReLU unit), which made every G gradient NaN."""
    kind = state["kind"]
    if kind in ("Adam", "OptimisticAdam"):
        b1, b2 = state["betas"]
        t = state["t"] = state["t"] + 1  # torch's Adam keeps a tensor: b ** t stays a tensor, no host sync
        bc1, bc2 = 1 - b1**t, 1 - b2**t  # once per step, not per tensor: 4 tensor ops instead of 4 per tensor
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            m = b1 * state["m"][i] + (1 - b1) * g
            v = (b2 * state["v"][i] + (1 - b2) * g * g).detach()
            state["m"][i], state["v"][i] = m.detach(), v
            out.append(p - lr * (m / bc1) / ((v / bc2).sqrt() + state["eps"]))
        return out
    if kind == "RMSprop":
        a = state["alpha"]
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            v = state["v"][i] = (a * state["v"][i] + (1 - a) * g * g).detach()
            out.append(p - lr * g / (v.sqrt() + state["eps"]))
        return out
    return [p - lr * g for p, g in zip(params, grads)]


# --- optimistic Adam -------------------------------------------------------------------------------


class OptimisticAdam(_NoDynamo, torch.optim.Optimizer):
    """Optimistic Adam (Daskalakis et al. 2018, Algorithm 1): with u_t = lr·m̂_t/(√v̂_t + ε) the Adam step,
    w_t = w_{t−1} − 2u_t + u_{t−1} (u_0 = 0). The step count is a Python int: no host sync. Stepped and zeroed
    like ganviz.core.training.optim's optimisers (_NoDynamo: no profiler hook or torch._dynamo wrapper per call)."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.5, 0.999), eps: float = 1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    def _raw_step(self, closure=None):  # noqa: ARG002 (the Optimizer signature); _NoDynamo.step: under no_grad
        # torch._foreach ops over each group's tensors: the same per-tensor arithmetic, bit for bit, with one
        # Python call per operation instead of one per operation and tensor, and u_t kept by reference rather
        # than copied (a 64×3 training step ran at 0.7×, then 0.9×, a plain foreach version's speed; now ≈ 1×:
        # benchmarks/plain_methods.py)
        for group in self.param_groups:
            b1, b2 = group["betas"]
            lr, eps = group["lr"], group["eps"]
            by_step: dict[int, tuple[list, ...]] = {}  # tensors step together unless one lacked a gradient
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["exp_avg"], st["exp_avg_sq"] = torch.zeros_like(p), torch.zeros_like(p)
                    st["prev_update"] = torch.zeros_like(p)
                t = st["step"] = st["step"] + 1
                lists = by_step.get(t)
                if lists is None:
                    lists = by_step[t] = ([], [], [], [], [], [])
                ps, gs, m, v, prev, states = lists
                ps.append(p)
                gs.append(g)
                m.append(st["exp_avg"])
                v.append(st["exp_avg_sq"])
                prev.append(st["prev_update"])
                states.append(st)
            for t, (ps, gs, m, v, prev, states) in by_step.items():
                torch._foreach_lerp_(m, gs, 1 - b1)
                torch._foreach_mul_(v, b2)
                torch._foreach_addcmul_(v, gs, gs, value=1 - b2)
                denom = torch._foreach_div(v, 1 - b2**t)
                torch._foreach_sqrt_(denom)
                torch._foreach_add_(denom, eps)
                update = torch._foreach_div(m, 1 - b1**t)
                torch._foreach_div_(update, denom)
                torch._foreach_mul_(update, lr)
                torch._foreach_add_(ps, update, alpha=-2.0)
                torch._foreach_add_(ps, prev)
                for st, u in zip(states, update):  # this step's update is the next one's u_{t-1} (no copy)
                    st["prev_update"] = u
        return None
