"""Training speed: ganviz's Trainer (the engine behind `ganviz train`) against a plain PyTorch loop.

The plain loop is written here the way gan_toy.py (WGAN-GP's toy script) does it: nn.Sequential MLPs of
the same sizes, the same batch, objective, optimiser type / lr / betas and n_critic, ring8 data sampled
fresh each batch (centres at radius 2, angles 2πk/8, plus 0.02·randn), latent U[-1,1]^zdim; D steps on
detached fakes, the G step through D with D's weights frozen; zero_grad(), backward(), step().

Both sides run with the same torch.set_num_threads (the Trainer's own default, ganviz.core.config
.default_threads, unless --threads is given). After a warm-up that also sizes the blocks, timed blocks of
a fixed number of generator steps alternate trainer / plain (the order flips every round) so that load
from other processes hits both alike; the table gives the median steps/s (one step = one G update and its
n_critic D updates) of each side, the spread over rounds, trainer/plain as the ratio of medians and,
as a cross-check, the median of the per-round ratios ("paired").

Run from the repository root:

    python benchmarks/bench_train.py                     # all cases, ~1.5 minutes
    python benchmarks/bench_train.py --quick             # fewer, shorter rounds
    python benchmarks/bench_train.py --cases ns64 gp64 --threads 1
    python benchmarks/bench_train.py --quick --cases ns64 --batch 1024   # how the step grows with the batch
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from ganviz.core.config import TrainConfig, default_threads  # noqa: E402
from ganviz.core.trainer import Trainer  # noqa: E402

BATCH = 256  # TrainConfig's default batch, used by both sides
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


# --- ganviz side ----------------------------------------------------------------------------------


def make_trainer(case: Case, threads: int) -> Trainer:
    config = TrainConfig(
        dataset="ring8",
        objective=case.objective,
        hidden=case.hidden,
        layers=case.layers,
        zdim=ZDIM,
        batch=BATCH,
        optimizer="adam",
        lr_g=case.lr,
        lr_d=case.lr,
        beta1=case.betas[0],
        beta2=case.betas[1],
        n_critic=case.n_critic,
        gp_lambda=case.gp_lambda,
        device="cpu",
        threads=threads,
    )
    return Trainer(config)


def trainer_runner(trainer: Trainer) -> Callable[[int], None]:
    def run(n: int) -> None:
        # `ganviz train` calls step() in chunks of up to 100 generator steps
        done = 0
        while done < n:
            k = min(100, n - done)
            trainer.step(k)
            done += k

    return run


# --- plain PyTorch side ---------------------------------------------------------------------------


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


def sample_ring8(n: int) -> torch.Tensor:
    return RING8_CENTRES[torch.randint(8, (n,))] + 0.02 * torch.randn(n, 2)


def sample_z(n: int) -> torch.Tensor:
    return torch.rand(n, ZDIM) * 2.0 - 1.0


class PlainLoop:
    """What one would write by hand for this toy GAN."""

    def __init__(self, case: Case, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.case = case
        self.G = make_mlp(ZDIM, 2, case.hidden, case.layers)
        self.D = make_mlp(2, 1, case.hidden, case.layers)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=case.lr, betas=case.betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=case.lr, betas=case.betas)
        self.wgan = case.objective == "wgan-gp"

    def d_step(self) -> None:
        real = sample_ring8(BATCH)
        fake = self.G(sample_z(BATCH)).detach()
        d_real, d_fake = self.D(real), self.D(fake)
        if self.wgan:
            loss = d_fake.mean() - d_real.mean()
            alpha = torch.rand(BATCH, 1)
            x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            (grad,) = torch.autograd.grad(self.D(x_hat).sum(), x_hat, create_graph=True)
            loss = loss + self.case.gp_lambda * ((grad.norm(dim=1) - 1) ** 2).mean()
        else:
            loss = nn.functional.softplus(-d_real).mean() + nn.functional.softplus(d_fake).mean()
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()

    def g_step(self) -> None:
        for p in self.D.parameters():
            p.requires_grad = False
        d_fake = self.D(self.G(sample_z(BATCH)))
        loss = -d_fake.mean() if self.wgan else nn.functional.softplus(-d_fake).mean()
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        for p in self.D.parameters():
            p.requires_grad = True

    def run(self, n: int) -> None:
        for _ in range(n):
            for _ in range(self.case.n_critic):
                self.d_step()
            self.g_step()


# --- timing ---------------------------------------------------------------------------------------


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def timed(run: Callable[[int], None], n: int, threads: int) -> float:
    """Generator steps per second over one block of n steps."""
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    run(n)
    return n / (time.perf_counter() - t0)


@dataclass
class Result:
    case: Case
    threads: int
    block: int
    trainer: list[float]
    plain: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.trainer) / statistics.median(self.plain)

    @property
    def paired_ratio(self) -> float:
        """Median over rounds of trainer/plain within a round (adjacent blocks share the background load)."""
        return statistics.median([t / p for t, p in zip(self.trainer, self.plain, strict=True)])


def bench_case(case: Case, threads: int, rounds: int, block_s: float, warm_s: float) -> Result:
    trainer = make_trainer(case, threads)
    plain = PlainLoop(case)
    assert trainer.config.threads == threads
    assert n_params(trainer.G) == n_params(plain.G) and n_params(trainer.D) == n_params(plain.D)
    run_t, run_p = trainer_runner(trainer), plain.run
    torch.set_num_threads(threads)  # the Trainer already did; the same for the plain loop

    # warm-up: about warm_s per side, one step at a time; the rate seen after the first steps sizes the blocks
    rates = []
    for run in (run_t, run_p):
        run(2)
        n, t0 = 0, time.perf_counter()
        while n < 2 or time.perf_counter() - t0 < warm_s / 2:
            run(1)
            n += 1
        rates.append(n / (time.perf_counter() - t0))
    block = max(5, round(block_s * statistics.mean(rates)))

    res = Result(case, threads, block, [], [])
    for r in range(rounds):
        order = [("trainer", run_t), ("plain", run_p)]
        if r % 2:
            order.reverse()
        for side, run in order:
            getattr(res, side).append(timed(run, block, threads))
    return res


def fmt_range(xs: list[float]) -> str:
    return f"{min(xs):.3g}-{max(xs):.3g}"


def print_table(results: list[Result]) -> None:
    head = (
        f"{'case':<22}{'thr':>4}{'block':>7}{'trainer st/s':>14}{'(min-max)':>12}"
        f"{'plain st/s':>12}{'(min-max)':>12}{'trainer/plain':>15}{'paired':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.case.label:<22}{r.threads:>4}{r.block:>7}"
            f"{statistics.median(r.trainer):>14.1f}{fmt_range(r.trainer):>12}"
            f"{statistics.median(r.plain):>12.1f}{fmt_range(r.plain):>12}"
            f"{r.ratio:>15.3f}{r.paired_ratio:>8.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    global BATCH  # read by both sides when they build and step
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of ~0.7 s blocks instead of 5 of ~2 s")
    parser.add_argument(
        "--cases",
        nargs="+",
        choices=list(CASES),
        default=list(CASES),
        metavar="CASE",
        help=f"subset of: {', '.join(CASES)} (default: all)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads for both sides (default: ganviz's default_threads(hidden))",
    )
    parser.add_argument("--batch", type=int, default=BATCH, help=f"batch size for both sides (default {BATCH})")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per side (default 5, quick 3)")
    parser.add_argument(
        "--block-seconds", type=float, default=None, help="approximate length of one timed block (default 2, quick 0.7)"
    )
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error(f"--batch must be ≥ 1, got {args.batch}")
    BATCH = args.batch
    rounds = args.rounds or (3 if args.quick else 5)
    block_s = args.block_seconds or (0.7 if args.quick else 2.0)
    warm_s = 1.0 if args.quick else 3.0

    print(
        f"torch {torch.__version__}, cpu_count {os.cpu_count()}, batch {BATCH}, "
        f"{rounds} rounds x ~{block_s:g} s blocks per side, order alternating"
    )
    results = []
    for key in args.cases:
        case = CASES[key]
        threads = args.threads or default_threads(case.hidden)
        print(f"  {case.label}: torch threads {threads} ...", end=" ", flush=True)
        res = bench_case(case, threads, rounds, block_s, warm_s)
        print(f"block {res.block} steps, ratio {res.ratio:.3f} (get_num_threads() = {torch.get_num_threads()})")
        results.append(res)
    print()
    print_table(results)
    print(
        "\nsteps/s = generator updates per second (each with n_critic D updates); ratio = median / median; "
        "paired = median of per-round ratios"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
