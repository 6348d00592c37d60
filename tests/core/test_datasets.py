"""Dataset layouts (science.md §2.1 as adopted by ganviz) and sampling contracts."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganviz.core.data.datasets import DATASETS, get_dataset

ALL = DATASETS.names()
MIXTURES = [name for name in ALL if get_dataset(name).is_mixture]


def _sample(name: str, n: int, seed: int = 0) -> np.ndarray:
    ds = get_dataset(name)
    out = ds.sample(n, torch.Generator().manual_seed(seed), np.random.default_rng(seed))
    assert isinstance(out, torch.Tensor)
    assert out.dtype == torch.float32 and out.shape == (n, 2)
    return out.numpy().astype(np.float64)


def test_ring8_layout():
    ds = get_dataset("ring8")
    want = [(2 * math.cos(2 * math.pi * k / 8), 2 * math.sin(2 * math.pi * k / 8)) for k in range(8)]
    assert ds.centres.shape == (8, 2)
    np.testing.assert_allclose(ds.centres, want, atol=1e-12)
    assert ds.sigma == 0.02


def test_grid25_layout():
    ds = get_dataset("grid25")
    assert ds.centres.shape == (25, 2)
    got = sorted(map(tuple, ds.centres.tolist()))
    want = sorted((float(x), float(y)) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4))
    assert got == want
    assert ds.sigma == 0.05


@pytest.mark.parametrize("name", ALL)
def test_samples_are_float32_finite(name):
    x = _sample(name, 500)
    assert np.isfinite(x).all()


@pytest.mark.parametrize("name", ALL)
def test_consecutive_batches_differ(name):
    ds = get_dataset(name)
    gen, rng = torch.Generator().manual_seed(1), np.random.default_rng(1)
    a = ds.sample(64, gen, rng)
    b = ds.sample(64, gen, rng)
    assert not torch.equal(a, b)


@pytest.mark.parametrize("name", ALL)
def test_same_streams_give_same_samples(name):
    assert np.array_equal(_sample(name, 100, seed=7), _sample(name, 100, seed=7))
    assert not np.array_equal(_sample(name, 100, seed=7), _sample(name, 100, seed=8))


@pytest.mark.parametrize("name", ALL)
def test_samples_mostly_inside_extent(name):
    ds = get_dataset(name)
    xmin, xmax, ymin, ymax = ds.extent
    assert xmin < xmax and ymin < ymax
    x = _sample(name, 4000)
    inside = (x[:, 0] >= xmin) & (x[:, 0] <= xmax) & (x[:, 1] >= ymin) & (x[:, 1] <= ymax)
    assert inside.mean() >= 0.99
    # and the data is not a speck in a huge frame: it spans a fair part of the extent
    assert np.ptp(x[:, 0]) > 0.25 * (xmax - xmin) or np.ptp(x[:, 1]) > 0.25 * (ymax - ymin)


@pytest.mark.parametrize("name", MIXTURES)
def test_mixture_samples_near_centres_with_sigma(name):
    ds = get_dataset(name)
    x = _sample(name, 40_000, seed=3)
    d2 = ((x[:, None, :] - ds.centres[None]) ** 2).sum(-1)
    k = d2.argmin(1)
    resid = x - ds.centres[k]
    # every sample within 6σ of a centre (P(r > 6σ) = e^−18 per sample)
    assert np.sqrt(d2.min(1)).max() < 6 * ds.sigma
    # per-coordinate std ≈ σ, mean offset ≈ 0 (n = 40k: relative sd of the std ≈ 0.4 %)
    np.testing.assert_allclose(resid.std(axis=0), ds.sigma, rtol=0.03)
    np.testing.assert_allclose(resid.mean(axis=0), 0.0, atol=4 * ds.sigma / math.sqrt(len(x)))
    # every component is used, about uniformly
    counts = np.bincount(k, minlength=len(ds.centres))
    expected = len(x) / len(ds.centres)
    assert np.all(np.abs(counts - expected) < 5 * math.sqrt(expected))


def test_unknown_dataset_message_lists_choices():
    with pytest.raises(ValueError, match="ring8"):
        get_dataset("no-such-dataset")
