"""Digits image mode: a GAN on sklearn's 8×8 digits (64-dim, scaled to [−1, 1]) and its mode metrics. No Qt.

science.md §6.2: there are no published GAN numbers on these digits; the check is internal. A classifier is
trained on the real digits (stratified 75/25 split, fixed seed; its held-out accuracy is reported), then N
fixed-latent fakes are labelled by it and summarised as

* the class histogram p̂_gen(c),
* the number of classes produced: classes with ≥ 1 % of the samples (and, looser, with ≥ 1 sample),
* KL(p̂_gen ‖ uniform over 10) = Σ_c p̂(c) ln(10 p̂(c)): 0 for a perfectly balanced generator, ln 10 ≈ 2.303 for
  total collapse onto one class (the lecture notes' "7 7 9 9 9 1 1 1").

The classifier labels *every* input, garbage included, so a generator of noise can look balanced: read the
histogram with the image grid next to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import nn

from ganviz.core.problems.problem import Problem
from ganviz.core.problems.problem_run import ProblemRun
from ganviz.core.training.config import TrainConfig
from ganviz.core.training.models import mlp

N_CLASSES = 10
SIDE = 8
DIM = SIDE * SIDE
LN10 = math.log(N_CLASSES)
MIN_FRACTION = 0.01  # a class is "produced" when it has at least 1 % of the samples
N_METRIC = 1000  # fixed-latent samples behind the metrics
CLASSIFIER_SEED = 0
TEST_FRACTION = 0.25


# --- data --------------------------------------------------------------------------------------------


def scale(raw) -> np.ndarray:
    """sklearn's pixel values 0…16 to [−1, 1] (−1 = blank paper, 1 = full ink)."""
    return np.asarray(raw, dtype=np.float32) / 8.0 - 1.0


@lru_cache(maxsize=1)
def load_real() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as (X (n, 64) float32 in [−1, 1], y (n,) int64), read-only."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x, y = scale(d.data), d.target.astype(np.int64)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


# --- the classifier ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigitClassifier:
    model: object  # a fitted sklearn classifier
    accuracy: float  # on the held-out split
    n_train: int
    n_test: int
    description: str

    def predict(self, samples) -> np.ndarray:
        """Class labels 0…9 of (n, 64) samples in [−1, 1] (non-finite pixels count as blank paper)."""
        x = np.asarray(samples, dtype=np.float64).reshape(-1, DIM)
        x = np.nan_to_num(x, nan=-1.0, posinf=1.0, neginf=-1.0)
        return np.asarray(self.model.predict(x), dtype=np.int64)


@lru_cache(maxsize=1)
def get_classifier() -> DigitClassifier:
    """An RBF SVM (C = 10) trained once per process on a stratified 75 % of the real digits."""
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC

    x, y = load_real()
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=TEST_FRACTION, stratify=y, random_state=CLASSIFIER_SEED)
    model = SVC(C=10.0, gamma="scale").fit(x_tr, y_tr)
    acc = float(model.score(x_te, y_te))
    return DigitClassifier(model, acc, len(y_tr), len(y_te), "RBF SVM (C = 10), stratified 75/25 split, seed 0")


# --- metrics -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigitMetrics:
    counts: np.ndarray  # (10,) samples per predicted class
    fractions: np.ndarray  # (10,) p̂_gen(c)
    classes_1pct: int  # classes with ≥ 1 % of the samples
    classes_any: int  # classes with ≥ 1 sample
    kl_uniform: float  # KL(p̂_gen ‖ U{0..9}); ln 10 = total collapse
    n: int


def kl_to_uniform(fractions) -> float:
    """Σ_c p(c) ln(10 p(c)), with 0 ln 0 = 0."""
    p = np.asarray(fractions, dtype=np.float64)
    nz = p > 0
    return float(np.sum(p[nz] * np.log(N_CLASSES * p[nz])))


def metrics_from_labels(labels, min_fraction: float = MIN_FRACTION) -> DigitMetrics:
    labels = np.asarray(labels, dtype=np.int64).ravel()
    if labels.size == 0:
        raise ValueError("no labels")
    counts = np.bincount(labels, minlength=N_CLASSES)[:N_CLASSES]
    fractions = counts / labels.size
    return DigitMetrics(
        counts=counts,
        fractions=fractions,
        classes_1pct=int(np.sum(fractions >= min_fraction)),
        classes_any=int(np.sum(counts >= 1)),
        kl_uniform=kl_to_uniform(fractions),
        n=int(labels.size),
    )


def digit_metrics(samples, classifier: DigitClassifier | None = None) -> DigitMetrics:
    """The class histogram, classes produced and KL to uniform of (n, 64) samples, labelled by the classifier."""
    return metrics_from_labels((classifier or get_classifier()).predict(samples))


def tile(samples, rows: int = 8, cols: int = 8, pad: int = 1, pad_value: float = 0.0) -> np.ndarray:
    """The first rows·cols samples as one image: 8×8 digits in row-major order, ``pad`` pixels between them
    (row 0 at the top). Missing samples stay pad_value."""
    s = np.asarray(samples, dtype=np.float32).reshape(-1, SIDE, SIDE)[: rows * cols]
    step = SIDE + pad
    out = np.full((rows * step - pad, cols * step - pad), pad_value, dtype=np.float32)
    for k, img in enumerate(s):
        r, c = divmod(k, cols)
        out[r * step : r * step + SIDE, c * step : c * step + SIDE] = img
    return out


# --- the GAN ---------------------------------------------------------------------------------------------


class DigitsProblem(Problem):
    """sklearn's digits: G: z → 64 pixels (tanh), D: 64 pixels → logit / critic value (MLPs of the config's size)."""

    data_dim = DIM

    def __init__(self) -> None:
        x, _ = load_real()
        self.real = torch.as_tensor(np.array(x))  # this problem's own copy (read-only numpy cannot back a tensor)

    def sample(self, n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        return self.real[torch.randint(len(self.real), (n,), generator=gen)]

    def build_generator(self, config: TrainConfig) -> nn.Module:
        return nn.Sequential(mlp(config.zdim, DIM, config.hidden, config.layers, config.activation), nn.Tanh())

    def build_discriminator(self, config: TrainConfig) -> nn.Module:
        return mlp(DIM, 1, config.hidden, config.layers, config.activation)


@dataclass(frozen=True)
class DigitsSnapshot:
    """What the digits view draws; numpy only."""

    step: int
    fakes: np.ndarray  # G(z_fixed), (n_fixed, 64) float32 in [−1, 1]
    metrics: DigitMetrics | None  # the classifier's reading of the fakes; None when not due (METRIC_EVERY)
    metric_step: int  # the step of the latest metrics
    d_loss: float
    g_loss: float


METRIC_EVERY = 100  # generator steps between two classifier passes over the fixed fakes (1,000 SVM predictions)


class DigitsGan(ProblemRun):
    """G: z ~ U[−1, 1]^zdim → 64 pixels (tanh), D: 64 pixels → logit / critic value, on the real digits."""

    def __init__(
        self,
        objective: str = "nonsaturating",
        *,
        seed: int = 0,
        lr: float | None = None,
        zdim: int = 16,
        width: int = 256,
        depth: int = 2,
        activation: str = "leaky_relu",
        batch: int = 64,
        n_fixed: int = N_METRIC,
        **settings,
    ) -> None:
        """`settings`: further TrainConfig fields (n_critic, clip, gp_lambda, r1, ...)."""
        config = TrainConfig(
            objective=objective, seed=seed, lr_g=lr, lr_d=lr, zdim=zdim, hidden=width, layers=depth,
            activation=activation, batch=batch, n_fixed=n_fixed, **settings,
        )  # fmt: skip
        super().__init__(DigitsProblem(), config)
        self._metric_step = -1

    def samples(self) -> np.ndarray:
        """G(z_fixed), (n_fixed, 64) float32 in [−1, 1]."""
        return self.fakes()

    def evaluate(self, classifier: DigitClassifier | None = None) -> tuple[np.ndarray, DigitMetrics]:
        """(the fixed-latent fakes, their metrics)."""
        fakes = self.samples()
        return fakes, digit_metrics(fakes, classifier)

    def snapshot(self, classifier: DigitClassifier | None = None, every: int = METRIC_EVERY) -> DigitsSnapshot:
        """The fakes, and their metrics when `every` steps have passed since the last ones (and at the first)."""
        fakes = self.samples()
        metrics = None
        if self._metric_step < 0 or self.step_count - self._metric_step >= every:
            self._metric_step = self.step_count
            metrics = digit_metrics(fakes, classifier)
        d_loss, g_loss = self.last_losses()
        return DigitsSnapshot(self.step_count, fakes, metrics, self._metric_step, d_loss, g_loss)
