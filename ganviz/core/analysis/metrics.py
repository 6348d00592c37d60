"""Quality metrics exactly as published (science.md §1.2) plus exact W1 (optimal assignment or POT)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_METRIC_SAMPLES = 2500  # VEEGAN/PacGAN/GDPP: 2,500 samples from a fixed latent batch
ROBUST_MIN_COUNT = 20  # robust variant: a mode counts once ≥ 20 HQ samples land on it (science.md §1.3)
HQ_SIGMAS = 3.0
# exact W1 between this many real and generated samples, in the window and the CLI alike (one number means one
# thing): 500 + 500 costs ~25 ms on a laptop core, 1,000 + 1,000 ~130 ms
W1_SAMPLES = 500


@dataclass(frozen=True)
class ModeStats:
    modes: int  # modes with ≥ 1 HQ sample (the published definition)
    modes_robust: int  # modes with ≥ 20 HQ samples
    hq: float  # fraction of samples within 3σ of their nearest centre, 0..1
    rkl: float  # KL(histogram of HQ samples over modes ‖ uniform); nan when no sample is HQ
    counts: np.ndarray  # (K,) HQ samples per mode

    def as_dict(self) -> dict[str, float | int]:
        return {"modes": self.modes, "modes_robust": self.modes_robust, "hq": self.hq, "rkl": self.rkl}


def nearest_centre(samples: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and Euclidean distance to the nearest centre for every sample."""
    d2 = ((samples[:, None, :].astype(np.float64) - centres[None, :, :]) ** 2).sum(axis=-1)
    k = d2.argmin(axis=1)
    return k, np.sqrt(d2[np.arange(len(samples)), k])


def mode_stats(samples: np.ndarray, centres: np.ndarray, sigma: float, robust_min: int = ROBUST_MIN_COUNT) -> ModeStats:
    k, dist = nearest_centre(samples, centres)
    hq = np.isfinite(dist) & (dist < HQ_SIGMAS * sigma)
    counts = np.bincount(k[hq], minlength=len(centres))
    total = int(counts.sum())
    if total:
        p = counts[counts > 0] / total
        rkl = float((p * np.log(p * len(centres))).sum())
    else:
        rkl = float("nan")
    return ModeStats(
        modes=int((counts >= 1).sum()),
        modes_robust=int((counts >= robust_min).sum()),
        hq=total / len(samples) if len(samples) else 0.0,
        rkl=rkl,
        counts=counts,
    )


def wasserstein1(a: np.ndarray, b: np.ndarray, max_samples: int = 1000) -> float:
    """Exact W1 between two empirical distributions (uniform weights, Euclidean cost).

    With as many samples on each side (what every caller in ganviz uses) the optimal transport plan is a
    permutation (Birkhoff–von Neumann), so W1 is the mean cost of an optimal assignment: scipy's
    `linear_sum_assignment` (loaded without scipy.optimize: `_assignment_solver`), the same number as POT's
    `emd2` (tests check both) without importing POT, which with its scikit-learn and networkx imports costs the
    window ≈ 140 MB of RSS. Unequal sizes use POT's emd2.
    """
    a = np.asarray(a, dtype=np.float64)[:max_samples]
    b = np.asarray(b, dtype=np.float64)[:max_samples]
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")
    if len(a) == len(b):
        diff = a[:, None, :] - b[None, :, :]
        cost = np.sqrt((diff * diff).sum(axis=-1))  # scipy's cdist(a, b), without importing scipy.spatial
        rows, cols = _assignment_solver()(cost)
        return float(cost[rows, cols].mean())
    import ot  # imported on first use: POT pulls in scipy, scikit-learn and networkx (slow start-up)

    cost = ot.dist(a, b, metric="euclidean")
    return float(ot.emd2(np.full(len(a), 1.0 / len(a)), np.full(len(b), 1.0 / len(b)), cost, numItermax=1_000_000))


_LSAP = None


def _assignment_solver():
    """scipy's `linear_sum_assignment` without `import scipy.optimize`.

    The solver is one compiled extension, but importing it the usual way runs scipy.optimize's __init__, which
    imports the whole package (linprog, minimize, shgo, ...): 0.4–1 s, most of a short `ganviz train`'s
    metrics. Its extension module is loaded here straight from scipy's folder (scipy's own __init__ not run
    either); where that fails (another scipy layout), the public import. tests/core/test_metrics.py checks
    that both give the same assignment.
    """
    global _LSAP
    if _LSAP is None:
        import sys

        if "scipy.optimize" in sys.modules:  # already paid for (the window imports it)
            from scipy.optimize import linear_sum_assignment as solver
        else:
            try:
                solver = _load_lsap_extension()
            except Exception:  # any failure: the public, slower import  # noqa: BLE001
                from scipy.optimize import linear_sum_assignment as solver
        _LSAP = solver
    return _LSAP


def _load_lsap_extension():
    import importlib.machinery
    import importlib.util
    import os

    spec = importlib.util.find_spec("scipy")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("scipy not found")
    name = "scipy.optimize._lsap"
    for folder in spec.submodule_search_locations:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "optimize", "_lsap" + suffix)
            if os.path.isfile(path):
                loader = importlib.machinery.ExtensionFileLoader(name, path)
                spec = importlib.util.spec_from_file_location(name, path, loader=loader)
                module = importlib.util.module_from_spec(spec)
                # the extension registers itself in sys.modules as scipy.optimize._lsap: a later
                # `import scipy.optimize` finds it there and goes on as usual
                loader.exec_module(module)
                return module.linear_sum_assignment
    raise ImportError("scipy's _lsap extension not found")


def w1_floor(dataset, n: int = W1_SAMPLES, seed: int = 0) -> float:
    """Exact W1 between two independent samples of `n` real points: what a perfect generator scores on average
    at this sample size (W1 of finite samples is biased upwards; on ring8 at 500 samples it is ≈ 0.15, not 0)."""
    import torch

    a, b = (dataset.sample(n, torch.Generator().manual_seed(s), np.random.default_rng(s)) for s in (seed, seed + 1))
    return wasserstein1(a.numpy(), b.numpy(), n)
