"""What a 2-D dataset is (its sampler, extent, mixture facts) and the registry of them.

A leaf module: the built-in datasets (ganviz.core.data.datasets) and the CSV/drawn ones (ganviz.core.data.custom_data)
both build on it, so neither imports the other at load time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ganviz.core.registry import Registry

Sampler = Callable[[int, torch.Generator, np.random.Generator], torch.Tensor]


@dataclass(frozen=True)
class Dataset:
    name: str
    label: str
    sampler: Sampler = field(repr=False)
    extent: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax, margin included
    centres: np.ndarray | None = None  # (K, 2) for isotropic mixtures, used by the mode metrics
    sigma: float | None = None  # per-coordinate std of every mixture component
    description: str = ""
    points: np.ndarray | None = field(default=None, repr=False)  # a CSV's or drawing's stored points (sessions)

    @property
    def is_mixture(self) -> bool:
        return self.centres is not None

    def sample(self, n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        """n fresh real points, float32 (n, 2), on the CPU."""
        return self.sampler(n, gen, rng)


DATASETS: Registry[Dataset] = Registry("dataset")
