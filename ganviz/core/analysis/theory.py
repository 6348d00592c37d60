"""The seeds' mathematics, computed on the live networks (no Qt): D*, gradient fields, critic diagnostics.

* D*(x) = p(x) / (p(x) + q(x)), the best discriminator for a fixed G (Goodfellow et al. 2014, Prop. 1), or
  the objective's own D* (its `d_star`: hinge sign(p − q), LSGAN (b·p + a·q)/(p + q));
  p and q from Gaussian KDEs (one bandwidth for both) of real and fake samples, evaluated by binning.
* V(D, G) = E log D(x) + E log(1 − D(G(z))) = −(the BCE discriminator loss); with D = D*,
  V = −2 ln 2 + 2 JS(p‖q), so JS ≈ (V + 2 ln 2) / 2 — an *estimate*, as good as D is close to D*.
* ∇ₓ of the generator loss at fake samples (where G's update pushes them), ‖∇ₓD‖ on a grid (WGAN-GP
  pushes it to 1), the critic's weights (clipping piles them at ±c), the largest singular value of every
  layer (spectral normalisation keeps them at 1).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

from ganviz.core.analysis.surface import grid_points
from ganviz.core.training.models import linear_weights
from ganviz.core.training.objectives import DStar, ratio_d_star

LN4 = 2.0 * math.log(2.0)
KDE_RESOLUTION = 0.25  # as onedim: the fakes' KDE resolves features a quarter of the narrowest data mode wide
UNDEFINED_SHARE = 1e-3  # D* is left undrawn where p + q is below this share of the larger density's peak
FEATURE_SHARE = 0.025  # data without a mode width (moons, spirals): 2.5 % of the view, 2.5 grid cells of 100


def mixture_density(points: np.ndarray, centres: np.ndarray, sigma: float) -> np.ndarray:
    """Density of the equal-weight isotropic Gaussian mixture at `points` (n, 2)."""
    d2 = ((points[:, None, :].astype(np.float64) - centres[None, :, :]) ** 2).sum(axis=-1)
    return np.exp(-0.5 * d2 / sigma**2).mean(axis=1) / (2.0 * math.pi * sigma**2)


def binned_kde(samples: np.ndarray, extent, n: int, bandwidth: float | None = None) -> np.ndarray:
    """A Gaussian KDE of `samples` on the n×n cell grid of `extent` (rows = y), by binning then smoothing.

    Bandwidth: Scott's rule, at least one cell. Returns a density (integrates to ≈ the share of samples inside).
    """
    x0, x1, y0, y1 = extent
    ok = np.isfinite(samples).all(axis=1)
    s = samples[ok]
    hist, _, _ = np.histogram2d(s[:, 1], s[:, 0], bins=n, range=[[y0, y1], [x0, x1]])
    cell = ((x1 - x0) / n, (y1 - y0) / n)
    if bandwidth is None:
        bandwidth = scott_bandwidth(s)
    sigma_cells = (max(bandwidth / cell[1], 1.0), max(bandwidth / cell[0], 1.0))
    smooth = gaussian_filter(hist, sigma=sigma_cells, mode="constant")
    return smooth / (max(len(samples), 1) * cell[0] * cell[1])


def optimal_d(p: np.ndarray, q: np.ndarray, floor: float = 1e-12) -> np.ndarray:
    """D* = p / (p + q); ½ where both densities are below `floor` (D* is undefined there: any value is optimal)."""
    total = p + q
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > floor, p / np.where(total > floor, total, 1.0), 0.5)


def scott_bandwidth(samples: np.ndarray) -> float:
    ok = samples[np.isfinite(samples).all(axis=1)]
    std = float(np.mean(ok.std(axis=0))) if len(ok) > 1 else 1.0
    return std * max(len(ok), 1) ** (-1.0 / 6.0)


def dstar_bandwidth(fakes: np.ndarray, dataset) -> float:
    """Scott's rule on the fakes, capped as in the 1-D view (onedim.fake_bandwidth): at KDE_RESOLUTION × the
    data's mode width, or for data with no mode width at FEATURE_SHARE of the view. Scott's rule assumes one
    Gaussian: on ring8's fakes it is ~0.38 against modes of σ = 0.02 (19σ), which smears D* towards ½ where it
    is near 0 or 1. (binned_kde keeps at least one grid cell.)"""
    x0, x1, y0, y1 = dataset.extent
    sigma = getattr(dataset, "sigma", None)
    cap = KDE_RESOLUTION * sigma if sigma else FEATURE_SHARE * min(x1 - x0, y1 - y0)
    return min(scott_bandwidth(fakes), cap)


def optimal_d_surface(fakes: np.ndarray, real: np.ndarray, dataset, n: int, d_star=ratio_d_star) -> np.ndarray:
    """The objective's D* = d_star(p, q) (default p/(p+q)) on the n×n grid of the dataset's extent, from KDEs of
    real and fake samples with one bandwidth: smoothing both alike keeps D* at its p = q value wherever q = p
    (an exact p against a smoothed q would not)."""
    h = dstar_bandwidth(fakes, dataset)
    p, q = binned_kde(real, dataset.extent, n, h), binned_kde(fakes, dataset.extent, n, h)
    with np.errstate(invalid="ignore", divide="ignore"):
        d_star = np.asarray(d_star(p, q), dtype=np.float32)
    # NaN (not drawn) where neither density reaches UNDEFINED_SHARE of the larger peak: D* is undefined there,
    # and drawn as ½ the edge of that region became a D* = ½ line around every mode the generator misses
    floor = UNDEFINED_SHARE * max(float(p.max()), float(q.max()))
    if floor > 0:
        d_star[p + q <= floor] = np.nan
    return d_star


def d_star_scale(d_star: DStar) -> tuple[tuple[float, float], float]:
    """The colour range of an objective's D* and its level line: D* where only real data lies (p > 0 = q),
    where only fakes lie (q > 0 = p), and where p = q. Every shipped D* is monotone in p/(p+q), so these two
    ends bound it: p/(p+q) and LSGAN's 0-1 coding give (0, 1) and ½, hinge's sign(p − q) (−1, 1) and 0."""
    real_only, fake_only, equal = (
        float(np.asarray(d_star.fn(np.array([p]), np.array([q])))[0]) for p, q in ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0))
    )
    return (min(real_only, fake_only), max(real_only, fake_only)), equal


def game_value(d_loss: np.ndarray) -> np.ndarray:
    """V(D, G) from the BCE discriminator loss of minimax / non-saturating GANs (V = −loss)."""
    return -np.asarray(d_loss)


def js_estimate(value: np.ndarray) -> np.ndarray:
    """JS(p‖q) implied by V(D, G) if D were optimal: (V + 2 ln 2) / 2, in nats (0 … ln 2)."""
    return (np.asarray(value) + LN4) / 2.0


def gradient_norm_surface(d, extent, n: int, device: torch.device) -> np.ndarray:
    """‖∇ₓD(x)‖ on the n×n cell grid (rows = y), by autograd in one batched pass."""
    _, _, pts = grid_points(extent, n)
    x = torch.from_numpy(pts).to(device).requires_grad_(True)
    (grad,) = torch.autograd.grad(d(x).sum(), x)
    return grad.norm(dim=1).reshape(n, n).to("cpu", torch.float32).numpy()


def generator_gradients(d, objective, x: np.ndarray, device: torch.device) -> np.ndarray:
    """∇ₓ of the generator loss of each fake on its own (n, 2): the direction opposite to G's push."""
    # a copy: the fakes come from an immutable (read-only) frame, which torch will not wrap without a warning
    xt = torch.tensor(x, dtype=torch.float32, device=device).requires_grad_(True)
    # the objective's G loss is a batch mean: ×n gives every sample's own loss gradient
    loss = objective.g_loss(d(xt)) * len(x)
    (grad,) = torch.autograd.grad(loss, xt)
    return grad.to("cpu", torch.float32).numpy()


@torch.no_grad()
def weight_histogram(d, bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of every critic weight and bias (counts, edges)."""
    values = torch.cat([p.detach().reshape(-1).cpu() for p in d.parameters()]).numpy()
    return np.histogram(values, bins=bins)


@torch.no_grad()
def singular_values(d) -> np.ndarray:
    """Largest singular value of every linear layer's effective weight (after spectral norm, if any)."""
    return np.array([float(torch.linalg.matrix_norm(w.detach().float().cpu(), ord=2)) for w in linear_weights(d)])


def argmax_on_grid(surface: np.ndarray, extent) -> tuple[float, float]:
    """Where the surface is largest: the cell centre (x, y) (G's target when D is frozen)."""
    n_y, n_x = surface.shape
    i, j = np.unravel_index(int(np.nanargmax(surface)), surface.shape)
    x0, x1, y0, y1 = extent
    return x0 + (j + 0.5) * (x1 - x0) / n_x, y0 + (i + 0.5) * (y1 - y0) / n_y
