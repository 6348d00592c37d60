"""Run configuration: one frozen dataclass, validated with one-line messages."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import torch

from ganviz.core.data.datasets import DATASETS, resolve_dataset
from ganviz.core.training.models import ACTIVATIONS
from ganviz.core.training.objectives import OBJECTIVES, get_objective

OPTIMIZERS = ("adam", "rmsprop", "sgd", "optimistic-adam")
PRIORS = ("uniform", "normal")
UPDATES = ("alt", "sim", "extragradient")
DEVICES = ("auto", "cpu", "cuda")


class ConfigError(ValueError):
    """A bad setting; the message names it and what is allowed."""


@dataclass(frozen=True)
class Bound:
    """The allowed range of one numeric setting: [low, high], or (low, high] with open_low."""

    low: float
    high: float
    integer: bool = False
    open_low: bool = False  # a rate or a weight of 0 means nothing: it must be > low

    def holds(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int if self.integer else (int, float)):
            return False
        return (value > self.low if self.open_low else value >= self.low) and value <= self.high

    def describe(self) -> str:
        def text(v: float) -> str:
            return str(v) if isinstance(v, int) else f"{v:g}"

        kind = "an integer" if self.integer else "a number"
        return f"{kind} {'>' if self.open_low else '≥'} {text(self.low)} and ≤ {text(self.high)}"


# Every numeric setting's allowed range: TrainConfig.validate (sessions, presets, sweeps, the window) and the
# command-line flags (ganviz.cli) both read this table. The upper bounds match the window's fields
# (ui/params_dock.py); past them a run only exhausts memory or time. Seeds: the trainer seeds torch generators
# with seed * 1_000_003 + k, which torch takes only below 2**63 (18446744073709 overflowed); 2**31 - 1, the
# window's seed box (a Qt int), keeps that below 2**52.
BOUNDS: dict[str, Bound] = {
    "seed": Bound(0, 2**31 - 1, integer=True),
    "hidden": Bound(1, 4096, integer=True),
    "layers": Bound(1, 16, integer=True),
    "zdim": Bound(1, 256, integer=True),
    "batch": Bound(1, 65536, integer=True),
    "n_critic": Bound(1, 100, integer=True),
    "threads": Bound(0, 256, integer=True),  # 0 = chosen for the model size (default_threads)
    "lr_g": Bound(0.0, 10.0, open_low=True),
    "lr_d": Bound(0.0, 10.0, open_low=True),
    "clip": Bound(0.0, 100.0, open_low=True),
    "gp_lambda": Bound(0.0, 1e4, open_low=True),
    "r1": Bound(0.0, 1e4),
    # the toolbox (ganviz.core.training.remedies); 0 (pack: 1) = off
    "instance_noise": Bound(0.0, 100.0),
    "instance_noise_anneal": Bound(0, 100_000_000, integer=True),  # 0 = no annealing; ≤ MAX_STEPS
    "r2": Bound(0.0, 1e4),
    "pack": Bound(1, 16, integer=True),
    "lecam": Bound(0.0, 1e4),
    "consensus": Bound(0.0, 1e4),
    "unroll": Bound(0, 50, integer=True),
}
MAX_STEPS = 100_000_000  # generator updates of one headless run (`ganviz train --steps`): days even for tiny nets

# Settings only some objectives read, and what those do: (Objective attribute, phrase). Every other setting
# applies to every objective: R1 too (Trainer._d_forward adds it to any D loss), and n_critic (Trainer.step runs
# k D steps whatever the loss). The command line notes a flag of this table given to an objective that ignores it.
OBJECTIVE_ONLY: dict[str, tuple[str, str]] = {
    "clip": ("clips_weights", "clips weights"),
    "gp_lambda": ("uses_gradient_penalty", "has a gradient penalty"),
}


def unused_by(objective: str) -> dict[str, str]:
    """The settings `objective` ignores, each with the reason: {"clip": "only wgan clips weights", ...}."""
    unused = {}
    for field, (attribute, phrase) in OBJECTIVE_ONLY.items():
        if not getattr(get_objective(objective), attribute):
            users = [name for name in OBJECTIVES.names() if getattr(get_objective(name), attribute)]
            unused[field] = f"only {', '.join(users)} {phrase}"
    return unused


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "ring8"
    objective: str = "nonsaturating"
    seed: int = 0
    hidden: int = 128  # units per hidden layer, G and D
    layers: int = 3  # hidden layers, G and D
    zdim: int = 2
    activation: str = "relu"
    prior: str = "uniform"  # latent V ~ U[-1,1]^n (the seeds) or N(0, I)
    batch: int = 256
    # None = the objective's default (science.md §3-4)
    optimizer: str | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    n_critic: int | None = None
    clip: float = 0.01  # WGAN weight clipping c
    gp_lambda: float = 0.1  # WGAN-GP λ: gan_toy.py's toy value (the paper's images use 10)
    r1: float = 0.0  # R1 γ; 0 = off
    instance_noise: float = 0.0  # σ of N(0, σ²) added to D's real and fake inputs; 0 = off
    instance_noise_anneal: int = 0  # σ falls linearly to 0 at this generator step; 0 = constant σ
    r2: float = 0.0  # R2 γ (R1 on the fakes); 0 = off
    pack: int = 1  # PacGAN: D judges this many samples at once; 1 = off
    lecam: float = 0.0  # LeCam λ; 0 = off
    consensus: float = 0.0  # consensus optimisation γ: a simultaneous update (alt runs as sim); 0 = off
    unroll: int = 0  # unrolled GAN: D look-ahead steps in G's loss; 0 = off
    spectral_norm: bool = False
    update: str = "alt"  # alternating (k D steps, then G) or simultaneous
    device: str = "auto"
    threads: int = 0  # torch intra-op threads; 0 = chosen for the model size
    n_fixed: int = 2500  # fixed latent batch: the fakes drawn and measured
    # dataset "custom": the data is these points (+ N(0, spread²) noise); the config carries them into the
    # trainer process and into saved sessions (ganviz.core.data.custom_data). spread None = 2 % of their extent
    custom_points: tuple[tuple[float, float], ...] | None = None
    custom_spread: float | None = None

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def resolved(self) -> TrainConfig:
        """Fill every `None` with the objective's default."""
        self.validate()
        d = get_objective(self.objective).defaults
        return self.replace(
            optimizer=self.optimizer or d.optimizer,
            lr_g=self.lr_g if self.lr_g is not None else d.lr_g,
            lr_d=self.lr_d if self.lr_d is not None else d.lr_d,
            beta1=self.beta1 if self.beta1 is not None else d.betas[0],
            beta2=self.beta2 if self.beta2 is not None else d.betas[1],
            n_critic=self.n_critic if self.n_critic is not None else d.n_critic,
            threads=self.threads or default_threads(self.hidden),
        )

    def validate(self) -> None:
        def choice(field: str, value: object, allowed) -> None:
            if value not in allowed:
                raise ConfigError(f"{field} {value!r} is not allowed; choose one of: {', '.join(allowed)}")

        def at_least(field: str, value, low, kind=int) -> None:
            if not isinstance(value, kind) or isinstance(value, bool) or value < low:
                raise ConfigError(f"{field} must be an integer ≥ {low} (got {value!r})")

        self._validate_dataset()
        choice("objective", self.objective, OBJECTIVES.names())
        choice("activation", self.activation, list(ACTIVATIONS))
        choice("prior", self.prior, PRIORS)
        choice("update", self.update, UPDATES)
        choice("device", self.device, DEVICES)
        if self.optimizer is not None:
            choice("optimizer", self.optimizer, OPTIMIZERS)
        for field, bound in BOUNDS.items():
            value = getattr(self, field)
            if not (value is None and field in _NONE_MEANS_DEFAULT or bound.holds(value)):
                raise ConfigError(f"{field} must be {bound.describe()} (got {value!r})")
        at_least("n_fixed", self.n_fixed, 1)
        for name, beta in (("beta1", self.beta1), ("beta2", self.beta2)):
            if beta is not None and not (0.0 <= beta < 1.0):
                raise ConfigError(f"{name} must be in [0, 1) (got {beta!r})")
        if self.batch % self.pack:
            raise ConfigError(f"batch {self.batch} is not divisible by pack {self.pack}: use a multiple of it")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' was asked for but no CUDA GPU is visible; use --device cpu or auto")

    def _validate_dataset(self) -> None:
        from ganviz.core.data.custom_data import CSV_PREFIX, CUSTOM, MAX_CUSTOM_POINTS, CustomDataError, check_points

        if self.custom_points is not None:
            try:
                check_points(self.custom_points, "custom_points", MAX_CUSTOM_POINTS)
            except CustomDataError as e:
                raise ConfigError(str(e)) from None
        if self.custom_spread is not None and not (
            isinstance(self.custom_spread, (int, float)) and 0 <= self.custom_spread < float("inf")
        ):
            raise ConfigError(f"custom_spread must be a number ≥ 0 (got {self.custom_spread!r})")
        if self.dataset == CUSTOM:
            if self.custom_points is None:
                raise ConfigError("dataset 'custom' needs custom_points: the (x, y) points to learn")
            return
        if isinstance(self.dataset, str) and self.dataset.startswith(CSV_PREFIX):
            try:
                resolve_dataset(self.dataset)  # loads and registers the file on first use
            except CustomDataError as e:
                raise ConfigError(f"dataset {self.dataset!r}: {e}") from None
            return
        if self.dataset not in DATASETS.names():
            raise ConfigError(
                f"dataset {self.dataset!r} is not allowed; choose one of: {', '.join(DATASETS.names())}, "
                "or csv:PATH (a file of x, y points)"
            )


_NONE_MEANS_DEFAULT = frozenset({"lr_g", "lr_d", "n_critic"})  # None: the objective's default (resolved)


def default_threads(hidden: int) -> int:
    """Small MLPs are Python-overhead bound: extra threads only add sync cost (7× slower seen on 2 cores)."""
    cores = os.cpu_count() or 1
    return 1 if hidden <= 256 else min(2, cores)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
