"""Training speed: ganviz's Trainer (the engine behind `ganviz train`) against the strongest plain PyTorch loop.

The plain loop (benchmarks/plain_gan.py, standalone: it never imports ganviz) is what one would write by hand
for the same algorithm: nn.Sequential MLPs of the same sizes, the same batch, objective, Adam lr / betas and
n_critic, ring8 sampled fresh each batch, latent U[-1,1]^2; **one** D forward on cat(real, fake) per D step,
fakes made without a graph, D frozen (`requires_grad_(False)`) for the G step, fused Adam. Like ganviz, its G
step draws a **fresh** z, so both run the same algorithm; `--reuse` adds, for n_critic = 1 cases, a row for
the DCGAN tutorial's variant (the G step reuses the last D step's G(z): one G forward fewer per step, a
different algorithm, shown for reference only).

The method cases (`--cases methods64`, `methods128`, or one such as `r164`) time ganviz's stabilising methods
(instance noise, R1, R2, consensus, LeCam, PacGAN, unrolled, extragradient, optimistic Adam, simultaneous) on the
non-saturating GAN against a plain loop of each (benchmarks/plain_methods.py, which says how each is written;
tests/core/test_plain_methods.py checks each is the Trainer's method), steady state only.

Two comparisons:
* steady state (default): in one process, after a warm-up that also sizes the blocks, timed blocks of a
  fixed number of generator steps alternate trainer / plain (the order flips every round); the table gives the
  median steps/s of each side (one step = one G update and its n_critic D updates), the spread over rounds,
  trainer/plain as the ratio of medians and the median of the per-round ratios ("paired");
* whole process (`--whole`): `python -m ganviz train ... --steps N --quiet` against
  `python benchmarks/plain_gan.py --case ... --steps N`, same N (sized so the plain run trains for about
  `--whole-seconds`), run alternately; the ratio is plain wall time / ganviz wall time (> 1: ganviz faster),
  start-up, final metrics and all included;
* start-up (`--startup`): `python -c "import torch"` against `ganviz train --steps 1 --hidden 32`, alternately.

Both sides run with the same torch.set_num_threads (ganviz's default_threads unless --threads is given).

Run from the repository root:

    python benchmarks/bench_train.py                     # steady state, all cases, ~1.5 minutes
    python benchmarks/bench_train.py --quick --reuse     # fewer, shorter rounds; plus the DCGAN variant
    python benchmarks/bench_train.py --whole --cases ns64 gp64 --rounds 3
    python benchmarks/bench_train.py --startup --rounds 5
    python benchmarks/bench_train.py --quick --cases ns64 --batch 1024   # how the step grows with the batch
    python benchmarks/bench_train.py --cases methods64                   # every method, 64x3 (~5 minutes)
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "benchmarks"))

from plain_gan import CASES, Case, PlainLoop  # noqa: E402
from plain_methods import METHOD_CASES, MethodCase, MethodLoop, config_fields  # noqa: E402

from ganviz.core.training.config import TrainConfig, default_threads  # noqa: E402
from ganviz.core.training.objectives import get_objective  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402

# every method case of one width (--cases methods64)
GROUPS = {f"methods{h}": [k for k, c in METHOD_CASES.items() if c.hidden == h] for h in (64, 128)}
BATCH = 256  # TrainConfig's default batch, used by both sides
DEVICE = "cpu"  # --device: both sides train there
ZDIM = 2


# --- ganviz side ----------------------------------------------------------------------------------


def make_trainer(case: Case | MethodCase, threads: int) -> Trainer:
    if isinstance(case, MethodCase):  # a stabilising method on the non-saturating GAN (plain_methods.py)
        return Trainer(TrainConfig(**config_fields(case, BATCH), device=DEVICE, threads=threads))
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
        device=DEVICE,
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


# --- steady state ---------------------------------------------------------------------------------


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def timed(run: Callable[[int], None], n: int, threads: int) -> tuple[float, float]:
    """Generator steps per second over one block of n steps: per second of wall time, and per second of this
    process's CPU time (steadier on a loaded machine: with 1 torch thread it is the speed on a core of its own)."""
    torch.set_num_threads(threads)
    t0, c0 = time.perf_counter(), time.process_time()
    run(n)
    if DEVICE == "cuda":
        torch.cuda.synchronize()  # the block's queued kernels are part of it
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


@dataclass
class Result:
    label: str
    threads: int
    block: int
    trainer: list[float]
    plain: list[float]
    trainer_cpu: list[float]
    plain_cpu: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.trainer) / statistics.median(self.plain)

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.trainer_cpu) / statistics.median(self.plain_cpu)

    @property
    def paired_ratio(self) -> float:
        """Median over rounds of trainer/plain within a round (adjacent blocks share the background load)."""
        return statistics.median([t / p for t, p in zip(self.trainer, self.plain, strict=True)])


def bench_case(
    case: Case | MethodCase, threads: int, rounds: int, block_s: float, warm_s: float, optim: str, reuse: bool = False
) -> Result:
    trainer = make_trainer(case, threads)
    if isinstance(case, MethodCase):
        plain = MethodLoop(case, BATCH, device=DEVICE)
    else:
        plain = PlainLoop(case, BATCH, optim=optim, reuse=reuse, device=DEVICE)
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

    label = case.label + (" vs plain reusing G(z)" if reuse else "")
    res = Result(label, threads, block, [], [], [], [])
    for r in range(rounds):
        order = [("trainer", run_t), ("plain", run_p)]
        if r % 2:
            order.reverse()
        for side, run in order:
            wall_rate, cpu_rate = timed(run, block, threads)
            getattr(res, side).append(wall_rate)
            getattr(res, side + "_cpu").append(cpu_rate)
    return res


def fmt_range(xs: list[float]) -> str:
    return f"{min(xs):.3g}-{max(xs):.3g}"


def print_table(results: list[Result]) -> None:
    head = (
        f"{'case':<40}{'thr':>4}{'block':>7}{'trainer st/s':>14}{'(min-max)':>12}"
        f"{'plain st/s':>12}{'(min-max)':>12}{'trainer/plain':>15}{'paired':>8}{'per CPU-s':>11}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.label:<40}{r.threads:>4}{r.block:>7}"
            f"{statistics.median(r.trainer):>14.1f}{fmt_range(r.trainer):>12}"
            f"{statistics.median(r.plain):>12.1f}{fmt_range(r.plain):>12}"
            f"{r.ratio:>15.3f}{r.paired_ratio:>8.3f}{r.cpu_ratio:>11.3f}"
        )


# --- whole processes ------------------------------------------------------------------------------


def _env(root: Path = ROOT) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root)}  # this checkout's ganviz (or --against's)


def ganviz_command(case: Case, steps: int, threads: int) -> list[str]:
    d = get_objective(case.objective).defaults
    assert d.betas == case.betas, f"{case.key}: `ganviz train` has no beta flags and uses {d.betas}"
    cmd = [sys.executable, "-m", "ganviz", "train", "--dataset", "ring8", "--objective", case.objective]
    cmd += ["--hidden", str(case.hidden), "--layers", str(case.layers), "--batch", str(BATCH)]
    cmd += ["--optimizer", "adam", "--lr-g", str(case.lr), "--lr-d", str(case.lr), "--n-critic", str(case.n_critic)]
    if case.objective == "wgan-gp":
        cmd += ["--gp-lambda", str(case.gp_lambda)]
    return cmd + ["--device", DEVICE, "--threads", str(threads), "--steps", str(steps), "--quiet"]


def plain_command(case: Case, steps: int, threads: int, optim: str) -> list[str]:
    script = str(ROOT / "benchmarks" / "plain_gan.py")
    cmd = [sys.executable, script, "--case", case.key, "--steps", str(steps), "--batch", str(BATCH)]
    return cmd + ["--threads", str(threads), "--optim", optim, "--device", DEVICE]


CPU_S: list[float] = []  # CPU seconds (user + system) of each process `wall` ran, in order


def wall(cmd: list[str], root: Path = ROOT) -> float:
    """Wall seconds of one whole process; its CPU seconds go to CPU_S (steadier on a loaded machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # cwd too: `python -m` puts it first on sys.path
    subprocess.run(cmd, check=True, env=_env(root), stdout=subprocess.DEVNULL, cwd=root)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_S.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return elapsed


@dataclass
class WholeResult:
    label: str
    steps: int
    ganviz: list[float]  # wall seconds per process
    plain: list[float]
    against: list[float]  # --against's ganviz (empty without it)
    cpu: dict[str, list[float]]  # CPU seconds per process, by side

    def cpu_ratio(self, side: str = "ganviz") -> float:
        return statistics.median(self.cpu["plain"]) / statistics.median(self.cpu[side])

    @property
    def ratio(self) -> float:
        """Throughput ratio ganviz / plain over whole processes (same steps): plain time / ganviz time."""
        return statistics.median(self.plain) / statistics.median(self.ganviz)

    @property
    def paired_ratio(self) -> float:
        return statistics.median([p / g for g, p in zip(self.ganviz, self.plain, strict=True)])


def plain_rate(case: Case, threads: int, optim: str, seconds: float = 1.5) -> float:
    """Steps/s of the plain loop in this process, to size the whole runs."""
    torch.set_num_threads(threads)
    loop = PlainLoop(case, BATCH, optim=optim, device=DEVICE)
    loop.run(3)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        loop.run(1)
        n += 1
    return n / (time.perf_counter() - t0)


def bench_whole(
    case: Case, threads: int, rounds: int, seconds: float, optim: str, steps: int = 0, against: Path | None = None
) -> WholeResult:
    steps = steps or max(1, round(seconds * plain_rate(case, threads, optim)))
    commands = {"ganviz": ganviz_command(case, steps, threads), "plain": plain_command(case, steps, threads, optim)}
    roots = {"ganviz": ROOT, "plain": ROOT}
    if against is not None:
        commands["against"], roots["against"] = commands["ganviz"], against
    res = WholeResult(case.label, steps, [], [], [], {side: [] for side in commands})
    for r in range(rounds):
        for side in list(commands)[:: 1 if r % 2 == 0 else -1]:
            getattr(res, side).append(wall(commands[side], roots[side]))
            res.cpu[side].append(CPU_S[-1])
    return res


def print_whole(results: list[WholeResult]) -> None:
    head = f"{'case':<24}{'steps':>7}{'ganviz s':>10}{'(min-max)':>13}{'plain s':>10}{'(min-max)':>13}"
    head += f"{'ganviz/plain':>14}{'paired':>8}{'per CPU-s':>11}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.label:<24}{r.steps:>7}{statistics.median(r.ganviz):>10.2f}{fmt_range(r.ganviz):>13}"
            f"{statistics.median(r.plain):>10.2f}{fmt_range(r.plain):>13}{r.ratio:>14.3f}{r.paired_ratio:>8.3f}"
            f"{r.cpu_ratio():>11.3f}"
        )
        if r.against:
            ratio = statistics.median(r.plain) / statistics.median(r.against)
            line = f"{'  --against checkout':<31}{statistics.median(r.against):>10.2f}{fmt_range(r.against):>13}"
            print(f"{line}{'':>23}{ratio:>14.3f}{'':>8}{r.cpu_ratio('against'):>11.3f}")


def bench_startup(rounds: int, against: Path | None = None) -> None:
    train = [sys.executable, "-m", "ganviz", "train", "--steps", "1", "--hidden", "32", "--quiet"]
    commands = {"import torch": ([sys.executable, "-c", "import torch"], ROOT), "ganviz train --steps 1": (train, ROOT)}
    if against is not None:
        commands["  the same, --against checkout"] = (train, against)
    times: dict[str, list[float]] = {k: [] for k in commands}
    for r in range(rounds):
        for key in list(commands)[:: 1 if r % 2 == 0 else -1]:
            times[key].append(wall(*commands[key]))
    torch_times = times["import torch"]
    for key, ts in times.items():
        line = f"{key:<34} median {statistics.median(ts):.2f} s  ({fmt_range(ts)})"
        if key != "import torch":
            diffs = [g - t for t, g in zip(torch_times, ts, strict=True)]
            line += f"  minus import torch: {statistics.median(ts) - statistics.median(torch_times):+.2f} s"
            line += f" (medians), {statistics.median(diffs):+.2f} s (paired)"
        print(line)


def main(argv: list[str] | None = None) -> int:
    global BATCH, DEVICE  # read by both sides when they build and step
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of ~0.7 s blocks instead of 5 of ~2 s")
    parser.add_argument(
        "--cases",
        nargs="+",
        choices=[*CASES, *METHOD_CASES, *GROUPS],
        default=list(CASES),
        metavar="CASE",
        help=f"subset of: {', '.join(CASES)} (default: these); the stabilising methods against their plain loops "
        f"(plain_methods.py, steady state only): {', '.join(METHOD_CASES)}, or all of one width: "
        f"{', '.join(GROUPS)}",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads for both sides (default: ganviz's default_threads(hidden))",
    )
    parser.add_argument("--batch", type=int, default=BATCH, help=f"batch size for both sides (default {BATCH})")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="both sides on this device")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per side (default 5, quick 3)")
    parser.add_argument(
        "--block-seconds", type=float, default=None, help="approximate length of one timed block (default 2, quick 0.7)"
    )
    parser.add_argument(
        "--plain-optim",
        choices=["fused", "default"],
        default="fused",
        help="the plain loop's Adam: fused=True (default, the fastest stock one) or torch's default",
    )
    parser.add_argument("--reuse", action="store_true", help="also time the DCGAN variant (n_critic = 1 cases)")
    parser.add_argument("--whole", action="store_true", help="whole processes: `ganviz train` vs plain_gan.py")
    parser.add_argument("--whole-seconds", type=float, default=5.0, help="plain training time per whole run (5)")
    parser.add_argument("--steps", type=int, default=0, help="--whole: generator steps per run (default: sized)")
    parser.add_argument("--startup", action="store_true", help="`import torch` vs `ganviz train --steps 1`")
    parser.add_argument(
        "--against", type=Path, metavar="DIR", help="--whole/--startup: also time the ganviz of this checkout"
    )
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error(f"--batch must be ≥ 1, got {args.batch}")
    BATCH, DEVICE = args.batch, args.device
    args.cases = [k for key in args.cases for k in GROUPS.get(key, [key])]
    if args.whole and any(k in METHOD_CASES for k in args.cases):
        parser.error("--whole times ganviz train against plain_gan.py, which has no method cases; drop --whole")
    rounds = args.rounds or (3 if args.quick else 5)
    block_s = args.block_seconds or (0.7 if args.quick else 2.0)
    warm_s = 1.0 if args.quick else 3.0

    print(
        f"torch {torch.__version__}, cpu_count {os.cpu_count()}, batch {BATCH}, plain Adam: {args.plain_optim}, "
        f"device {DEVICE}" + (f" ({torch.cuda.get_device_name()})" if DEVICE == "cuda" else "")
    )
    if args.startup:
        bench_startup(rounds, args.against)
        return 0
    if args.whole:
        whole = []
        for key in args.cases:
            case = CASES[key]
            threads = args.threads or default_threads(case.hidden)
            print(f"  {case.label}: {rounds} rounds of whole processes ...", end=" ", flush=True)
            res = bench_whole(case, threads, rounds, args.whole_seconds, args.plain_optim, args.steps, args.against)
            print(f"{res.steps} steps, ratio {res.ratio:.3f}")
            whole.append(res)
        print()
        print_whole(whole)
        print(
            "\nseconds = wall time of a whole process; ganviz/plain = plain time / ganviz time (> 1: ganviz faster); "
            "per CPU-s = the same ratio of the processes' CPU seconds"
        )
        return 0

    print(f"{rounds} rounds x ~{block_s:g} s blocks per side, order alternating")
    results = []
    for key in args.cases:
        case = CASES.get(key) or METHOD_CASES[key]
        threads = args.threads or default_threads(case.hidden)
        variants = [False] + ([True] if args.reuse and getattr(case, "n_critic", 0) == 1 else [])
        for reuse in variants:
            print(f"  {case.label}{' (reuse)' if reuse else ''}: torch threads {threads} ...", end=" ", flush=True)
            res = bench_case(case, threads, rounds, block_s, warm_s, args.plain_optim, reuse)
            print(f"block {res.block} steps, ratio {res.ratio:.3f}")
            results.append(res)
    print()
    print_table(results)
    print(
        "\nsteps/s = generator updates per second (each with n_critic D updates); ratio = median / median; "
        "paired = median of per-round ratios; per CPU-s = the ratio of steps per second of process CPU time"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
