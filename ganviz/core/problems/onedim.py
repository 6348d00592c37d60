"""The 1-D GAN of Goodfellow et al. 2014, Figure 1: p(x), the generator's q(x), D(x) and D*(x) on one axis. No Qt.

* Data: 1-D Gaussian mixtures with their exact density p(x) (``DATASETS_1D``).
* The game: G maps z ~ U[−1, 1]^zdim to x, D maps x to a logit / critic value; both are ``models.mlp`` and are
  trained by ``ganviz.core.training.trainer.Trainer`` on a `OneDimProblem` (ganviz.core.problems.problem), with the
  objectives' defaults, n_critic, clipping, GP and R1 of the 2-D trainer.
* Theory drawn next to it (lecture notes, seeds):
  - the optimal discriminator for a fixed G, D*(x) = p(x) / (p(x) + q(x)) (Goodfellow et al. 2014, Prop. 1);
    LSGAN with (a, b, c) = (0, 1, 1) has the same D*; hinge has D* = sign(p − q); WGAN has none;
  - the value of the game at D*, V(G, D*) = ∫ p ln D* + ∫ q ln(1 − D*) = −ln 4 + 2·JSD(p‖q) ≥ −2 ln 2, with
    equality iff q = p (Theorem 1);
  - maximum likelihood over single Gaussians, argmax_θ (1/N) Σ ln q_θ(xₙ) = argmin_θ KL(p‖q_θ): the sample mean
    and the (ddof = 0) sample standard deviation. On a two-mode p it puts its mass *between* the modes
    (mode covering), where a GAN tends to drop modes instead.
* q(x) is not available in closed form for a neural G: it is a Gaussian KDE (``scipy.stats.gaussian_kde``) of
  the 2,000 fixed-latent fakes, with Scott's bandwidth capped at a quarter of the narrowest data mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from torch import nn

from ganviz.core.problems.problem import Problem
from ganviz.core.problems.problem_run import ProblemRun
from ganviz.core.registry import Registry
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.models import mlp
from ganviz.core.training.objectives import get_objective, ratio_d_star

LN4 = math.log(4.0)  # −V(G*, D*) = 2 ln 2
GRID_N = 401
N_FAKES = 2000  # fixed-latent fakes behind the KDE
ML_SAMPLE = 200_000  # real samples behind the maximum-likelihood Gaussian fit
_SQRT_2PI = math.sqrt(2.0 * math.pi)


# --- data ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mixture1D:
    """Σₖ wₖ N(μₖ, σₖ²) on the real line."""

    name: str
    label: str
    weights: tuple[float, ...]
    means: tuple[float, ...]
    stds: tuple[float, ...]

    def pdf(self, x) -> np.ndarray:
        """The exact density p(x), float64."""
        x = np.asarray(x, dtype=np.float64)[..., None]
        w, m, s = (np.asarray(a, dtype=np.float64) for a in (self.weights, self.means, self.stds))
        return (w * np.exp(-0.5 * ((x - m) / s) ** 2) / (s * _SQRT_2PI)).sum(axis=-1)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """n samples, float32, shape (n, 1)."""
        w = torch.tensor(self.weights, dtype=torch.float64)
        k = torch.multinomial(w, n, replacement=True, generator=gen)
        m = torch.tensor(self.means, dtype=torch.float32)[k]
        s = torch.tensor(self.stds, dtype=torch.float32)[k]
        return (m + s * torch.randn(n, generator=gen)).unsqueeze(1)

    @property
    def mean(self) -> float:
        return float(np.dot(self.weights, self.means))

    @property
    def var(self) -> float:
        """Law of total variance: Σ w (σ² + μ²) − (Σ w μ)²."""
        w, m, s = (np.asarray(a, dtype=np.float64) for a in (self.weights, self.means, self.stds))
        return float((w * (s**2 + m**2)).sum() - np.dot(w, m) ** 2)

    @property
    def extent(self) -> tuple[float, float]:
        """The x range drawn: every component to ±4σ, a margin, and 0 (where an untrained G starts)."""
        m, s = np.asarray(self.means), np.asarray(self.stds)
        lo = min(0.0, float((m - 4 * s).min())) - 1.0
        hi = max(0.0, float((m + 4 * s).max())) + 1.0
        return lo, hi

    def grid(self, n: int = GRID_N) -> np.ndarray:
        return np.linspace(*self.extent, n)


DATASETS_1D: Registry[Mixture1D] = Registry("1-D dataset")


def _add(ds: Mixture1D) -> None:
    DATASETS_1D.register(ds.name)(ds)


_add(Mixture1D("two-gaussians", "two Gaussians ½N(−2, 0.5²) + ½N(2, 0.5²)", (0.5, 0.5), (-2.0, 2.0), (0.5, 0.5)))
_add(Mixture1D("gaussian", "one Gaussian N(1, 0.7²)", (1.0,), (1.0,), (0.7,)))
_add(
    Mixture1D(
        "three-gaussians",
        "three Gaussians ⅓N(−3, 0.4²) + ⅓N(0, 0.4²) + ⅓N(3, 0.4²)",
        (1 / 3, 1 / 3, 1 / 3),
        (-3.0, 0.0, 3.0),
        (0.4, 0.4, 0.4),
    )
)
_add(
    Mixture1D("unequal-gaussians", "unequal modes ¾N(−1.5, 0.5²) + ¼N(2, 0.3²)", (0.75, 0.25), (-1.5, 2.0), (0.5, 0.3))
)


def get_dataset(name: str | Mixture1D) -> Mixture1D:
    return name if isinstance(name, Mixture1D) else DATASETS_1D.get(name)


def density(name: str | Mixture1D, x) -> np.ndarray:
    """The exact p(x) of a 1-D dataset."""
    return get_dataset(name).pdf(x)


# --- theory ------------------------------------------------------------------------------------------


# D*(x) = p / (p + q): the D that maximises ∫ p ln D + q ln(1 − D) pointwise (NaN where p + q = 0)
optimal_discriminator = ratio_d_star


def optimal_d_for(objective: str, p, q) -> tuple[np.ndarray, str] | None:
    """(D*, its formula) for the objective on the displayed scale, or None where the objective states no D*
    (WGAN: any 1-Lipschitz maximiser, defined up to a constant). The form is the objective's own `d_star`."""
    d_star = get_objective(objective).d_star
    return None if d_star is None else (d_star.fn(p, q), d_star.formula)


def game_value(d_on_real, d_on_fake) -> float:
    """V(D, G) = mean ln D(x) over real x + mean ln(1 − D(x̃)) over fakes, D given as probabilities."""
    return float(np.mean(np.log(d_on_real)) + np.mean(np.log1p(-np.asarray(d_on_fake, dtype=np.float64))))


def value_with_optimal_d(p_fn, q_fn, x_real, x_fake) -> float:
    """Monte Carlo V(G, D*) with D* = p/(p+q): x_real ~ p, x_fake ~ q; tends to −ln 4 + 2·JSD(p‖q)."""
    d_real = optimal_discriminator(p_fn(x_real), q_fn(x_real))
    d_fake = optimal_discriminator(p_fn(x_fake), q_fn(x_fake))
    return game_value(d_real, d_fake)


def value_at_optimum_on_grid(x, p, q) -> float:
    """∫ p ln(p/(p+q)) + q ln(q/(p+q)) dx by the trapezoid rule (0 ln 0 = 0): −ln 4 + 2·JSD(p‖q)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    s = p + q
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(p > 0, p * np.log(p / s), 0.0) + np.where(q > 0, q * np.log(q / s), 0.0)
    return float(np.trapezoid(f, x)) if hasattr(np, "trapezoid") else float(np.trapz(f, x))


def ml_gaussian_fit(samples) -> tuple[float, float]:
    """The maximum-likelihood Gaussian: (sample mean, sample std with ddof = 0) = argmin over N(μ, σ²) of KL(p̂‖q)."""
    s = np.asarray(samples, dtype=np.float64).ravel()
    return float(s.mean()), float(s.std())


def gaussian_pdf(x, mean: float, std: float) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * _SQRT_2PI)


@cache
def real_sample(name: str, n: int = ML_SAMPLE, seed: int = 0) -> np.ndarray:
    """A fixed large sample from a 1-D dataset (read-only), for the maximum-likelihood fit."""
    gen = torch.Generator().manual_seed(seed)
    out = get_dataset(name).sample(n, gen).numpy().ravel().astype(np.float64)
    out.setflags(write=False)
    return out


@cache
def ml_fit_for(name: str) -> tuple[float, float]:
    return ml_gaussian_fit(real_sample(name))


# the narrowest kernel: about two steps of the drawn grid, so a G collapsed onto one point still gets a finite
# KDE that the grid resolves (and that integrates to one on it)
MIN_BANDWIDTH = 0.03
KDE_RESOLUTION = 0.25  # the KDE of the fakes resolves features a quarter of the narrowest data mode wide


def scott_bandwidth(samples) -> float:
    """Scott's rule, scipy's default: the samples' std (ddof = 1) times n^(−1/5)."""
    s = np.asarray(samples, dtype=np.float64).ravel()
    return float(s.std(ddof=1) * s.size ** (-1 / 5)) if s.size > 1 else 0.0


def kde(samples, x, bandwidth: float | None = None) -> np.ndarray:
    """Gaussian KDE of 1-D samples on x with scipy's gaussian_kde; non-finite samples are dropped.

    ``bandwidth`` is the kernel's standard deviation, at least MIN_BANDWIDTH; None = Scott's rule (scipy's
    default). When all samples are one point scipy's covariance is singular; then the same sum of Gaussians is
    computed directly.
    """
    from scipy.stats import gaussian_kde

    s = np.asarray(samples, dtype=np.float64).ravel()
    s = s[np.isfinite(s)]
    x = np.asarray(x, dtype=np.float64)
    if s.size == 0:
        return np.zeros_like(x)
    h = max(scott_bandwidth(s) if bandwidth is None else float(bandwidth), MIN_BANDWIDTH)
    spread = float(s.std(ddof=1)) if s.size > 1 else 0.0
    if spread > 1e-9:
        return gaussian_kde(s, bw_method=h / spread)(x)  # a scalar bw_method multiplies the samples' std
    return gaussian_pdf(x[..., None], s, h).mean(axis=-1)


def fake_bandwidth(samples, dataset: Mixture1D) -> float:
    """Scott's rule, capped at KDE_RESOLUTION × the narrowest data mode: Scott's rule assumes one Gaussian and
    smooths a two-mode sample so much that q̂ would look like p while the fakes do not (seen on two-gaussians:
    h ≈ 0.42 against modes of σ = 0.5)."""
    return min(scott_bandwidth(samples), KDE_RESOLUTION * min(dataset.stds))


# --- the GAN ----------------------------------------------------------------------------------------


class OneDimProblem(Problem):
    """A 1-D dataset: G maps z to x ∈ ℝ, D maps x to a logit / critic value (MLPs of the config's size)."""

    data_dim = 1

    def __init__(self, dataset: str | Mixture1D) -> None:
        self.dataset = get_dataset(dataset)

    def sample(self, n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        return self.dataset.sample(n, gen)

    def build_generator(self, config: TrainConfig) -> nn.Module:
        return mlp(config.zdim, 1, config.hidden, config.layers, config.activation)

    def build_discriminator(self, config: TrainConfig) -> nn.Module:
        return mlp(1, 1, config.hidden, config.layers, config.activation)


class OneDimGan(ProblemRun):
    """G: z ~ U[−1, 1]^zdim → x ∈ ℝ, D: x → logit / critic value, trained on a 1-D dataset by the Trainer."""

    def __init__(
        self,
        dataset: str = "two-gaussians",
        objective: str = "nonsaturating",
        *,
        seed: int = 0,
        lr: float | None = None,
        zdim: int = 1,
        width: int = 32,
        depth: int = 2,
        activation: str = "leaky_relu",
        batch: int = 128,
        n_fixed: int = N_FAKES,
        **settings,
    ) -> None:
        """`settings`: further TrainConfig fields (n_critic, clip, gp_lambda, r1, ...)."""
        problem = OneDimProblem(dataset)
        config = TrainConfig(
            objective=objective, seed=seed, lr_g=lr, lr_d=lr, zdim=zdim, hidden=width, layers=depth,
            activation=activation, batch=batch, n_fixed=n_fixed, **settings,
        )  # fmt: skip
        super().__init__(problem, config)
        self.dataset = problem.dataset
        self.eval_gen = torch.Generator().manual_seed(seed * 1_000_003 + 4)  # the trainer's _EVAL stream
        self.x = self.dataset.grid()
        self.p = self.dataset.pdf(self.x)
        self.ml_mean, self.ml_std = ml_fit_for(self.dataset.name)
        self.ml_pdf = gaussian_pdf(self.x, self.ml_mean, self.ml_std)

    def snapshot(self, n_value: int = 2000) -> OneDimSnapshot:
        """Everything the view draws, on the dataset's fixed grid ``x``; numpy only."""
        fakes = self.fakes().ravel()
        d = self.d_display(torch.as_tensor(self.x, dtype=torch.float32).unsqueeze(1))
        v = self.value_estimate(n_value, self.eval_gen)
        d_loss, g_loss = self.last_losses()
        finite = fakes[np.isfinite(fakes)]
        q = kde(finite, self.x, fake_bandwidth(finite, self.dataset))
        opt = optimal_d_for(self.objective.name, self.p, q)
        return OneDimSnapshot(
            step=self.step_count,
            x=self.x,
            p=self.p,
            q=q,
            d=d,
            d_kind=self.objective.surface,
            d_star=None if opt is None else opt[0],
            d_star_label="" if opt is None else opt[1],
            ml_mean=self.ml_mean,
            ml_std=self.ml_std,
            ml_pdf=self.ml_pdf,
            fakes=fakes,
            v_estimate=v,
            v_optimal=value_at_optimum_on_grid(self.x, self.p, q) if self.objective.has_js_estimate else None,
            d_loss=d_loss,
            g_loss=g_loss,
        )


@dataclass(frozen=True)
class OneDimSnapshot:
    step: int
    x: np.ndarray  # the grid
    p: np.ndarray  # exact data density
    q: np.ndarray  # KDE of the fixed-latent fakes
    d: np.ndarray  # learned D on the grid: σ(logit) for 'prob' objectives, raw otherwise
    d_kind: str  # the objective's surface: 'prob' | 'raw01' | 'critic'
    d_star: np.ndarray | None  # optimal D for this G (None for WGAN)
    d_star_label: str
    ml_mean: float  # maximum-likelihood Gaussian fit to the data
    ml_std: float
    ml_pdf: np.ndarray
    fakes: np.ndarray  # G(z_fixed), (n_fixed,)
    v_estimate: float | None  # E ln D(x) + E ln(1 − D(G(z))), fresh samples; minimax / NS only
    v_optimal: float | None  # V(G, D*) = −ln 4 + 2·JSD(p‖q̂) on the grid (KDE q̂); objectives with a JS estimate
    d_loss: float
    g_loss: float
