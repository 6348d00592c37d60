"""The latent space, read through G: colour classes, slices, segments, the manifold mesh, per-sample info.

Colours are shared by the latent pad and the data view so the two read together: for a mixture dataset a
point's class is the mode its G(z) lands in (nearest centre, within 3σ; otherwise "grey"); for other data it
is a cell of a 2-D colour map over the data extent.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np
import torch

from ganviz.core.analysis.metrics import HQ_SIGMAS, nearest_centre
from ganviz.core.data.datasets import Dataset

GREY = (150, 150, 150, 150)
POSITION_BINS = 8  # non-mixture data: an 8×8 grid of colours over the extent


def mode_palette(k: int) -> np.ndarray:
    """k well-separated colours (golden-ratio hues), then grey for 'no mode'; (k + 1, 4) uint8 RGBA."""
    cols = []
    for i in range(k):
        h = (i * 0.618033988749895) % 1.0
        r, g, b = colorsys.hsv_to_rgb(h, 0.85, 0.9 if i % 2 else 0.75)
        cols.append((int(r * 255), int(g * 255), int(b * 255), 220))
    return np.array(cols + [GREY], dtype=np.uint8)


def position_palette(bins: int = POSITION_BINS) -> np.ndarray:
    """A 2-D colour map (hue along x, lightness along y) as bins² RGBA colours, row-major (y, x)."""
    cols = []
    for j in range(bins):
        for i in range(bins):
            h = 0.8 * i / max(bins - 1, 1)
            v = 0.45 + 0.5 * j / max(bins - 1, 1)
            r, g, b = colorsys.hsv_to_rgb(h, 0.8, v)
            cols.append((int(r * 255), int(g * 255), int(b * 255), 220))
    return np.array(cols, dtype=np.uint8)


def colour_classes(x: np.ndarray, dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Class index per point and the palette it indexes.

    Mixtures: index of the nearest centre when within 3σ of it, else K (grey). Other data: the cell of an
    8×8 grid over the dataset's extent (clipped at the border).
    """
    if dataset.is_mixture:
        k, dist = nearest_centre(x, dataset.centres)
        k = np.where(np.isfinite(dist) & (dist < HQ_SIGMAS * dataset.sigma), k, len(dataset.centres))
        return k.astype(np.int16), mode_palette(len(dataset.centres))
    x0, x1, y0, y1 = dataset.extent
    with np.errstate(invalid="ignore"):
        i = np.clip(((x[:, 0] - x0) / (x1 - x0) * POSITION_BINS).astype(np.int64), 0, POSITION_BINS - 1)
        j = np.clip(((x[:, 1] - y0) / (y1 - y0) * POSITION_BINS).astype(np.int64), 0, POSITION_BINS - 1)
    return (j * POSITION_BINS + i).astype(np.int16), position_palette()


def latent_range(prior: str) -> float:
    """Half-width of the latent pad: the prior's support (uniform) or ±3 standard deviations (normal)."""
    return 1.0 if prior == "uniform" else 3.0


@dataclass(frozen=True)
class LatentSlice:
    """Which two latent axes the pad shows, and the values of all other coordinates."""

    axes: tuple[int, int] = (0, 1)
    fixed: tuple[float, ...] = ()  # one value per latent coordinate (those of `axes` are ignored)

    def full(self, zdim: int) -> np.ndarray:
        z = np.zeros(zdim, dtype=np.float32)
        z[: min(zdim, len(self.fixed))] = self.fixed[:zdim]
        return z

    def assemble(self, ab: np.ndarray, zdim: int) -> np.ndarray:
        """Latent vectors (n, zdim) with the pad coordinates `ab` (n, 2) on the slice's axes."""
        z = np.repeat(self.full(zdim)[None, :], len(ab), axis=0)
        z[:, self.axes[0]] = ab[:, 0]
        z[:, self.axes[1]] = ab[:, 1]
        return z


def pad_grid(n: int, lim: float) -> np.ndarray:
    """n×n points covering the pad [−lim, lim]², (n², 2), row-major."""
    g = np.linspace(-lim, lim, n, dtype=np.float32)
    a, b = np.meshgrid(g, g, indexing="xy")
    return np.stack([a.ravel(), b.ravel()], axis=1)


def segment(a: np.ndarray, b: np.ndarray, n: int = 200) -> np.ndarray:
    """n evenly spaced latent points from a to b (inclusive)."""
    t = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
    return (1.0 - t) * a[None, :] + t * b[None, :]


@torch.no_grad()
def generate(g: torch.nn.Module, z: np.ndarray, device: torch.device) -> np.ndarray:
    """G(z) for latent rows z, as a float32 (n, 2) array."""
    out = g(torch.as_tensor(np.ascontiguousarray(z, dtype=np.float32), device=device))
    return out.to("cpu", dtype=torch.float32, copy=True).numpy()


def manifold_lines(
    g: torch.nn.Module, latent: LatentSlice, zdim: int, lim: float, n: int, device: torch.device
) -> tuple[np.ndarray, np.ndarray]:
    """The image under G of an n×n latent grid (in the slice), as polylines along both grid directions:
    x, y arrays with NaN between lines (connect='finite'); n + 1 lines each way over n cells."""
    m = n + 1
    x = generate(g, latent.assemble(pad_grid(m, lim), zdim), device).reshape(m, m, 2)
    rows = np.concatenate([x, np.full((m, 1, 2), np.nan, np.float32)], axis=1).reshape(-1, 2)
    cols = np.concatenate([x.transpose(1, 0, 2), np.full((m, 1, 2), np.nan, np.float32)], axis=1).reshape(-1, 2)
    both = np.concatenate([rows, cols])
    return both[:, 0], both[:, 1]


def nearest_point(points: np.ndarray, xy: np.ndarray, max_dist: float) -> int | None:
    """Index of the point nearest to xy if within max_dist, else None."""
    if len(points) == 0:
        return None
    d2 = ((points - np.asarray(xy, dtype=np.float64)[None, :]) ** 2).sum(axis=1)
    i = int(np.nanargmin(d2)) if np.isfinite(d2).any() else None
    return i if i is not None and d2[i] <= max_dist**2 else None


def sample_info(trainer, z: np.ndarray, x: np.ndarray | None = None) -> dict:
    """z, G(z), D(G(z)) (as the window shows D) and ∇ₓ of the generator loss at G(z), for one latent.
    `x`: G(z) already computed (a frame's fake), so the inspected point is exactly the one drawn."""
    dev = trainer.device
    if x is None:
        zt = torch.as_tensor(np.asarray(z, dtype=np.float32)[None, :], device=dev)
        with torch.no_grad():
            x = trainer.G(zt)
    else:
        x = torch.tensor(np.asarray(x, dtype=np.float32)[None, :], device=dev)  # a copy: frames are read-only
    x = x.detach().requires_grad_(True)
    was = trainer.D.training
    trainer.D.eval()  # no spectral-norm power iteration from a read
    try:
        d = trainer.D(x)
        loss = trainer.objective.g_loss(d)
        (grad,) = torch.autograd.grad(loss, x)
    finally:
        trainer.D.train(was)
    shown = torch.sigmoid(d) if trainer.objective.surface == "prob" else d
    return {
        "z": np.asarray(z, dtype=np.float32),
        "x": x.detach().cpu().numpy()[0],
        "d": float(shown.detach()),
        "grad": grad.cpu().numpy()[0],
    }


@dataclass(frozen=True)
class Inspection:
    """The selected sample, computed with the weights of one frame by the thread that builds it, so the GUI
    never runs autograd through networks another thread is loading weights into."""

    selected: dict  # sample_info of the selected fixed-batch sample, with its "index" and "d_label"


def inspect(trainer, fakes: np.ndarray, index: int | None) -> Inspection | None:
    """The selected sample of `trainer`'s current networks; None when none is selected."""
    if index is None or not 0 <= index < len(fakes):
        return None
    selected = sample_info(trainer, trainer.z_fixed[index].cpu().numpy(), fakes[index])
    selected["index"] = index
    selected["d_label"] = "D(G(z))" if trainer.objective.surface == "prob" else "critic D(G(z))"
    return Inspection(selected)
