"""2-D datasets, all in one data frame (centred on the origin, a few units wide).

Layouts follow ../shared/reference/science.md §2.1 and peers.md §1.1 (GAN Lab's four, mapped from the
unit square to [-2, 2]^2 by x -> 4x - 2). Real data is sampled fresh for every batch.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import numpy as np
import torch

from ganviz.core.data.dataset_base import DATASETS, Dataset, Sampler


def _add(ds: Dataset) -> Dataset:
    DATASETS.register(ds.name)(ds)
    return ds


def _mixture_sampler(centres: np.ndarray, sigma: float) -> Sampler:
    c = torch.as_tensor(centres, dtype=torch.float32)

    def sample(n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        k = torch.randint(len(c), (n,), generator=gen)
        return c[k] + sigma * torch.randn(n, 2, generator=gen)

    return sample


def _mixture(name: str, label: str, centres: np.ndarray, sigma: float, margin: float, description: str) -> Dataset:
    lo = centres.min(axis=0) - margin
    hi = centres.max(axis=0) + margin
    return _add(
        Dataset(
            name=name,
            label=label,
            sampler=_mixture_sampler(centres, sigma),
            extent=(float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])),
            centres=centres.astype(np.float64),
            sigma=sigma,
            description=description,
        )
    )


def _sk():
    from sklearn import datasets  # imported on first use: it costs ~1 s of start-up

    return datasets


def _sklearn(make: Callable[[int, int], np.ndarray]) -> Sampler:
    def sample(n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        seed = int(rng.integers(0, 2**31 - 1))
        return torch.as_tensor(make(n, seed), dtype=torch.float32)

    return sample


def _unit_square(points: torch.Tensor) -> torch.Tensor:
    """GAN Lab coordinates ([0,1]^2) to ganviz's frame ([-2,2]^2)."""
    return 4.0 * points - 2.0


# --- benchmark mixtures (science.md §2.1) ---------------------------------------------------------

_angles = 2 * math.pi * np.arange(8) / 8
RING8 = _mixture(
    "ring8",
    "Ring of 8 Gaussians",
    2.0 * np.stack([np.cos(_angles), np.sin(_angles)], axis=1),
    0.02,
    1.0,
    "8 Gaussians at radius 2, angles 2πk/8, σ = 0.02",
)
_g = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
GRID25 = _mixture(
    "grid25",
    "Grid of 25 Gaussians",
    np.stack(np.meshgrid(_g, _g, indexing="xy"), axis=-1).reshape(-1, 2),
    0.05,
    1.0,
    "25 Gaussians at {−4,−2,0,2,4}², σ = 0.05",
)

# --- continuous shapes -------------------------------------------------------------------------


def _spiral(n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
    t = torch.rand(n, generator=gen).sqrt()
    arm = torch.randint(2, (n,), generator=gen).float()
    angle = 3.0 * math.pi * t + math.pi * arm
    r = 2.2 * t + 0.1
    pts = torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1)
    return pts + 0.05 * torch.randn(n, 2, generator=gen)


_add(Dataset("spiral", "Two-arm spiral", _spiral, (-3.0, 3.0, -3.0, 3.0), description="two interleaved arms"))


def _swissroll(n: int, seed: int) -> np.ndarray:
    x, _ = _sk().make_swiss_roll(n, noise=0.25, random_state=seed)
    return x[:, [0, 2]] / 7.5 * 1.414  # gan_toy's scaling, then ×1.414 to sit in the ring8 frame


_add(
    Dataset(
        "swissroll", "Swiss roll", _sklearn(_swissroll), (-3.0, 3.0, -3.0, 3.0), description="sklearn make_swiss_roll"
    )
)


def _moons(n: int, seed: int) -> np.ndarray:
    x, _ = _sk().make_moons(n, noise=0.05, random_state=seed)
    return (x - np.array([0.5, 0.25])) * 1.5


_add(Dataset("moons", "Two moons", _sklearn(_moons), (-3.0, 3.0, -3.0, 3.0), description="sklearn make_moons"))


def _circles(n: int, seed: int) -> np.ndarray:
    x, _ = _sk().make_circles(n, noise=0.03, factor=0.5, random_state=seed)
    return 2.0 * x


_add(Dataset("circles", "Two circles", _sklearn(_circles), (-3.0, 3.0, -3.0, 3.0), description="sklearn make_circles"))

# --- GAN Lab's four (peers.md §1.1) ------------------------------------------------------------


def _ganlab_line(n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
    t = torch.rand(n, 1, generator=gen)
    a, b = torch.tensor([0.8, 0.6]), torch.tensor([0.05, 0.9])
    return _unit_square(a + t * (b - a) + 0.01 * torch.randn(n, 2, generator=gen))


def _ganlab_gaussians(n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
    first = torch.rand(n, 1, generator=gen) < 0.5
    eps = torch.randn(n, 2, generator=gen)
    a = torch.tensor([0.3, 0.7]) + 0.1 * eps
    b = torch.tensor([0.7, 0.4]) + torch.tensor([0.05, 0.2]) * eps
    return _unit_square(torch.where(first, a, b))


def _ganlab_ring(n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
    angle = 2 * math.pi * torch.rand(n, generator=gen)
    pts = torch.stack([0.5 + 0.3 * torch.cos(angle), 0.45 + 0.25 * torch.sin(angle)], dim=1)
    return _unit_square(pts + 0.025 * torch.randn(n, 2, generator=gen))


_add(Dataset("line", "Line (GAN Lab)", _ganlab_line, (-3.0, 3.0, -3.0, 3.0), description="GAN Lab 'simple line'"))
_add(
    Dataset(
        "two-gaussians",
        "Two Gaussians (GAN Lab)",
        _ganlab_gaussians,
        (-3.0, 3.0, -3.0, 3.0),
        description="GAN Lab's default: two anisotropic Gaussians",
    )
)
_add(Dataset("ring", "Ellipse ring (GAN Lab)", _ganlab_ring, (-3.0, 3.0, -3.0, 3.0), description="GAN Lab 'ring'"))
_mixture(
    "three-blobs",
    "Three disjoint blobs (GAN Lab)",
    4.0 * np.array([[0.35, 0.75], [0.75, 0.6], [0.45, 0.35]]) - 2.0,
    4.0 * 0.025,
    1.2,
    "GAN Lab '3 disjoint regions': 3 blobs, σ = 0.1 in this frame",
)


def resolve_dataset(name: str) -> Dataset:
    """A registered dataset, or a ``csv:PATH`` one loaded and registered on first use (in each process:
    the trainer child resolves the same name by loading the same file). Unknown names raise
    UnknownNameError, unreadable files CustomDataError (both ValueError, one line)."""
    if name not in DATASETS and name.startswith("csv:"):
        from ganviz.core.data.custom_data import register_csv

        register_csv(name[4:], name=name)
    return DATASETS.get(name)


def get_dataset(name: str) -> Dataset:
    return resolve_dataset(name)


def dataset_for(name: str, custom_points=None, custom_spread: float | None = None) -> Dataset:
    """What a config's `dataset` means: "custom" is its `custom_points`, any other name is looked up."""
    if name == "custom":
        from ganviz.core.data.custom_data import CustomDataError, custom_dataset

        if custom_points is None:
            raise CustomDataError("dataset 'custom' needs custom_points: the (x, y) points to learn")
        return custom_dataset(custom_points, custom_spread)
    return resolve_dataset(name)


def dataset_code(name: str) -> int:
    """A number for `name` that is the same in every process (registries differ: csv: datasets are
    registered when first used), exact in a float64; `dataset_from_code` maps it back."""
    return zlib.crc32(name.encode("utf-8"))


def dataset_from_code(code: int) -> str:
    for name in ("custom", *DATASETS.names()):
        if dataset_code(name) == code:
            return name
    return "?"
