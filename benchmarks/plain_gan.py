"""The baseline for ganviz's speed: the strongest plain PyTorch loop one would write for a toy 2-D GAN.

Standalone on purpose (imports torch only, never ganviz), so that a whole `python plain_gan.py` process can be
timed against a whole `ganviz train` process (benchmarks/bench_train.py --whole). bench_train.py also imports
`PlainLoop` from here for the in-process steady-state comparison.

The algorithm is ganviz's (Trainer, `update="alt"`):
- per generator step, n_critic D steps, then one G step;
- every D step samples a fresh real batch (ring8: centres at radius 2, angles 2πk/8, σ = 0.02) and a fresh
  latent batch z ~ U[-1,1]^2, fakes = G(z) without a graph, and runs **one** D forward on cat(real, fake);
  WGAN-GP adds λ E(‖∇D(x̂)‖ − 1)² on interpolates with a forward of its own (as ganviz does);
- the G step draws a **fresh** z (ganviz does; the DCGAN tutorial instead reuses the last D step's G(z), one
  G forward fewer: `--reuse` runs that variant, a different algorithm, for reference only) and backpropagates
  through D with D's parameters frozen (`requires_grad_(False)`), so no gradient is computed for D's weights;
- Adam with `fused=True` (the fastest stock optimiser on CPU; `--optim default` for torch's default).

    python benchmarks/plain_gan.py --case ns64 --steps 3000          # one whole run, prints steps/s
    python benchmarks/plain_gan.py --case gp512 --device cuda        # on a GPU (benchmarks/gpu_check.sh)
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass

import torch
from torch import nn

ZDIM = 2


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    objective: str  # "nonsaturating" or "wgan-gp"
    hidden: int
    layers: int
    lr: float
    betas: tuple[float, float]
    n_critic: int
    gp_lambda: float = 0.1


CASES = {
    c.key: c
    for c in (
        Case("ns64", "64x3 non-saturating", "nonsaturating", 64, 3, 1e-3, (0.5, 0.999), 1),
        Case("gp64", "64x3 WGAN-GP", "wgan-gp", 64, 3, 1e-4, (0.5, 0.9), 5),
        Case("gp512", "512x3 WGAN-GP", "wgan-gp", 512, 3, 1e-4, (0.5, 0.9), 5),
    )
}


def make_mlp(n_in: int, n_out: int, width: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    d = n_in
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.ReLU()]
        d = width
    layers.append(nn.Linear(d, n_out))
    return nn.Sequential(*layers)


_ANGLES = torch.arange(8) * (2 * math.pi / 8)
RING8_CENTRES = 2.0 * torch.stack([torch.cos(_ANGLES), torch.sin(_ANGLES)], dim=1)


def sample_ring8(n: int, device: torch.device = torch.device("cpu")) -> torch.Tensor:
    centres = RING8_CENTRES.to(device)  # a no-op on the CPU; 8×2 floats on a GPU
    return centres[torch.randint(8, (n,), device=device)] + 0.02 * torch.randn(n, 2, device=device)


def sample_z(n: int, device: torch.device = torch.device("cpu")) -> torch.Tensor:
    return torch.rand(n, ZDIM, device=device) * 2.0 - 1.0


class PlainLoop:
    """What one would write by hand for this toy GAN, as fast as stock PyTorch goes."""

    def __init__(
        self, case: Case, batch: int = 256, seed: int = 0, optim: str = "fused", reuse: bool = False, device="cpu"
    ):
        torch.manual_seed(seed)
        self.case, self.batch, self.reuse = case, batch, reuse
        self.device = torch.device(device)
        self.G = make_mlp(ZDIM, 2, case.hidden, case.layers).to(self.device)
        self.D = make_mlp(2, 1, case.hidden, case.layers).to(self.device)
        kw = {"fused": True} if optim == "fused" else {}
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=case.lr, betas=case.betas, **kw)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=case.lr, betas=case.betas, **kw)
        self.wgan = case.objective == "wgan-gp"
        if reuse and case.n_critic != 1:
            raise ValueError("--reuse (the DCGAN tutorial's G step on the D step's fakes) needs n_critic = 1")

    def d_step(self) -> torch.Tensor | None:
        """One D update; with `reuse`, returns the fakes with their graph for the G step."""
        b = self.batch
        real = sample_ring8(b, self.device)
        if self.reuse:
            fake_graph = self.G(sample_z(b, self.device))
            fake = fake_graph.detach()
        else:
            fake_graph = None
            with torch.no_grad():
                fake = self.G(sample_z(b, self.device))
        out = self.D(torch.cat([real, fake]))
        d_real, d_fake = out[:b], out[b:]
        if self.wgan:
            loss = d_fake.mean() - d_real.mean()
            alpha = torch.rand(b, 1, device=self.device)
            x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            (grad,) = torch.autograd.grad(self.D(x_hat).sum(), x_hat, create_graph=True)
            loss = loss + self.case.gp_lambda * ((grad.norm(dim=1) - 1) ** 2).mean()
        else:
            loss = nn.functional.softplus(-d_real).mean() + nn.functional.softplus(d_fake).mean()
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()
        return fake_graph

    def g_step(self, fake: torch.Tensor | None = None) -> None:
        self.D.requires_grad_(False)
        d_fake = self.D(self.G(sample_z(self.batch, self.device)) if fake is None else fake)
        loss = -d_fake.mean() if self.wgan else nn.functional.softplus(-d_fake).mean()
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        self.D.requires_grad_(True)

    def run(self, n: int) -> None:
        for _ in range(n):
            fake = None
            for _ in range(self.case.n_critic):
                fake = self.d_step()
            self.g_step(fake)


def threads_for(hidden: int) -> int:
    """The thread count ganviz picks (config.default_threads), so both sides run alike."""
    import os

    return 1 if hidden <= 256 else min(2, os.cpu_count() or 1)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", choices=list(CASES), default="ns64")
    p.add_argument("--steps", type=int, default=2000, help="generator steps")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: ganviz's choice for the width)")
    p.add_argument("--optim", choices=["fused", "default"], default="fused")
    p.add_argument("--reuse", action="store_true", help="G step on the last D step's G(z) (DCGAN tutorial)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = p.parse_args()
    case = CASES[args.case]
    torch.set_num_threads(args.threads or threads_for(case.hidden))
    loop = PlainLoop(case, args.batch, optim=args.optim, reuse=args.reuse, device=args.device)
    t0 = time.perf_counter()
    loop.run(args.steps)
    if loop.device.type == "cuda":
        torch.cuda.synchronize()  # the queued kernels are part of the run
    wall = time.perf_counter() - t0
    with torch.no_grad():  # one host read at the end, as a real script would show a result
        fakes = loop.G(sample_z(2500, loop.device))
    print(f"steps={args.steps} wall_s={wall:.3f} steps_per_s={args.steps / wall:.1f} mean={fakes.mean().item():.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
