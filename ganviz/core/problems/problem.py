"""What a GAN problem is to the trainer: real data, its dimension, how G and D are built, what is read out. No Qt.

`ganviz.core.training.trainer.Trainer` owns the game (objectives, penalties, the toolbox, optimisers, clipping,
n_critic, the RNG streams); a `Problem` supplies what differs between the settings it trains:

* the 2-D plane (`PlaneProblem`, the main window and the CLI): a `Dataset` of points, ``make_generator`` /
  ``make_discriminator`` from the config (spectral norm, PacGAN);
* the 1-D densities (`ganviz.core.problems.onedim`) and the 8×8 digits (`ganviz.core.problems.digits`): their own data
  and nets, trained by the same `Trainer` through a `ganviz.core.problems.problem_run.ProblemRun`, which also reads
  out what their views draw.

Everything a run reads out is numpy, so a worker thread that owns the run can hand it to the GUI thread without
sharing a tensor or a network.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from ganviz.core.training.models import make_discriminator, make_generator

if TYPE_CHECKING:
    from ganviz.core.data.datasets import Dataset
    from ganviz.core.training.config import TrainConfig


class Problem(ABC):
    """Real data of shape (n, data_dim) and the two networks for it; the config gives sizes and activation."""

    data_dim: int

    @abstractmethod
    def sample(self, n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        """n fresh real samples, float32 (n, data_dim), on the CPU; every draw from `gen` / `rng` (seeded)."""

    @abstractmethod
    def build_generator(self, config: TrainConfig) -> nn.Module:
        """z (n, config.zdim) → samples (n, data_dim); built under the trainer's seeded RNG."""

    @abstractmethod
    def build_discriminator(self, config: TrainConfig) -> nn.Module:
        """samples (n, data_dim) → (n, 1) logits or critic values; built right after the generator."""


class PlaneProblem(Problem):
    """The 2-D points of ganviz.core.data.datasets (the main window, `ganviz train`, sweeps)."""

    data_dim = 2

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def sample(self, n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        return self.dataset.sample(n, gen, rng)

    def build_generator(self, config: TrainConfig) -> nn.Module:
        return make_generator(config.zdim, config.hidden, config.layers, config.activation)

    def build_discriminator(self, config: TrainConfig) -> nn.Module:
        return make_discriminator(config.hidden, config.layers, config.activation, config.spectral_norm, config.pack)
