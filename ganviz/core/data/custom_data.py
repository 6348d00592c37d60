"""Your own 2-D data: points read from a CSV file, or drawn in the window.

Both become a `Dataset` whose sampler draws a random stored point plus N(0, spread²) noise per
coordinate (GAN Lab's drawing mode: peers.md §1.1, σ = 0.02 of its unit square, so here the default
spread is 2 % of the data's extent). Such a dataset has no centres: it is not a mixture, so only W1 is
measured for it, not the mode metrics.

How the data reaches the trainer process (spawned: it re-imports every module, sharing nothing):

* CSV files go by name. ``csv:/absolute/path.csv`` is a dataset name like ``ring8``: the first lookup in
  a process (`datasets.resolve_dataset`, called by `TrainConfig.validate` and by the trainer) loads the
  file and registers it under that name, so the window, the child and `ganviz train` each load the same
  file. `register_csv` gives the canonical name (absolute path) to put in a config.
* Drawn points go by value, inside the config: ``TrainConfig(dataset="custom", custom_points=((x, y), ...),
  custom_spread=None)``. The child receives the config, and a saved session holds it, so the points
  travel everywhere the config does. A live change is the engine command ``("custom_points", points,
  spread)`` (`Trainer.set_custom_points`), which both the window's mirror and the child apply.
"""

from __future__ import annotations

import csv
import io
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ganviz.core.data.dataset_base import DATASETS, Dataset, Sampler
from ganviz.core.files.io import NotReadable, open_regular

CSV_PREFIX = "csv:"
CUSTOM = "custom"  # the dataset name whose points are TrainConfig.custom_points
MAX_POINTS = 200_000
MAX_CSV_BYTES = 64 << 20  # ~3 million rows; reading holds a few times this in memory
FLOAT32_MAX = float(np.finfo(np.float32).max)
MAX_CUSTOM_POINTS = 20_000  # drawn points live in the config (and a session's JSON): keep it light
SPREAD_FRACTION = 0.02  # GAN Lab: σ = 0.02 of its unit square
MARGIN_FRACTION = 0.1
SUBSAMPLE_SEED = 0
ALLOWED = "two numeric columns x, y (a header line is optional; separated by commas, semicolons or spaces)"


class CustomDataError(ValueError):
    """Data that cannot be used; the one-line message says what is wrong and what is allowed."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


# --- reading a CSV file ---------------------------------------------------------------------------


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        cells = line.split()
    else:
        cells = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
    cells = [c.strip() for c in cells]
    while cells and cells[-1] == "":  # a trailing separator ("1,2,") is not a third column
        cells.pop()
    return cells


def _delimiter(line: str) -> str | None:
    if ";" in line:
        return ";"
    if "," in line:
        return ","
    return None  # whitespace


def load_points_csv(path: str | os.PathLike, max_points: int = MAX_POINTS) -> tuple[np.ndarray, str | None]:
    """Points float32 (n, 2) from a CSV file of two numeric columns, and a note for the user (or None).

    A first row without any number is a header. Blank lines and lines starting with '#' are skipped.
    More than `max_points` rows: a uniform random subset of `max_points` (fixed seed), said in the note.
    Anything else that is off raises CustomDataError with a one-line reason.
    """
    p = Path(path)
    if p.is_dir():
        raise CustomDataError(f"cannot read {p}: it is a folder; choose a CSV file with {ALLOWED}")
    try:
        with open_regular(p, MAX_CSV_BYTES, "a CSV file") as f:
            raw = f.read(MAX_CSV_BYTES + 1)  # + 1: a file that grew since it was measured is still caught
    except FileNotFoundError:
        raise CustomDataError(f"cannot read {p}: no such file") from None
    except OSError as e:
        raise CustomDataError(f"cannot read {p}: {e.strerror or e}") from None
    except NotReadable as e:
        hint = "keep a random subset of its rows" if e.too_large else f"choose a CSV file with {ALLOWED}"
        raise CustomDataError(f"cannot read {e}; {hint}") from None
    if len(raw) > MAX_CSV_BYTES:
        raise CustomDataError(f"cannot read {p}: it is over {MAX_CSV_BYTES:,} bytes; keep a random subset of its rows")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CustomDataError(f"{p} is not a text (UTF-8) file; expected {ALLOWED}") from None
    rows = [(i + 1, s) for i, line in enumerate(text.splitlines()) if (s := line.strip()) and not s.startswith("#")]
    if not rows:
        raise CustomDataError(f"{p} is empty; expected {ALLOWED}")
    delimiter = _delimiter(rows[0][1])
    first = _split(rows[0][1], delimiter)
    header = not any(_is_number(c.replace(",", ".")) for c in first)  # "1,5" is a number written wrong
    skip_lines = rows[0][0] if header else 0
    if header:
        rows = rows[1:]
        if not rows:
            raise CustomDataError(f"{p} has a header line ({', '.join(first)}) but no data rows; expected {ALLOWED}")
    width = len(_split(rows[0][1], delimiter))
    if width == 1:
        raise CustomDataError(f"{p} has only one column (line {rows[0][0]}); expected {ALLOWED}")
    if width > 2:
        raise CustomDataError(f"{p} has {width} columns (line {rows[0][0]}); expected exactly {ALLOWED}")
    values = _fast_parse(text, delimiter, skip_lines, len(rows))
    if values is None:  # something is off: find it, line by line, for the message
        values = _parse_rows(p, rows, delimiter)
    if len(values) < 2:
        raise CustomDataError(f"{p} has only {len(values)} data row; at least 2 points are needed")
    too_big = np.abs(values) > FLOAT32_MAX  # would become inf as float32 (and numpy would warn)
    if too_big.any():
        r, c = np.argwhere(too_big)[0]
        raise CustomDataError(
            f"{p} line {rows[r][0]}, column {c + 1}: {values[r, c]:.6g} is too large; "
            f"numbers must lie within ±{FLOAT32_MAX:.4g} (float32)"
        )
    notes = []
    if len(values) > max_points:
        keep = np.sort(np.random.default_rng(SUBSAMPLE_SEED).choice(len(values), max_points, replace=False))
        notes.append(
            f"{p.name} has {len(values):,} points; using a uniform random subset of {max_points:,} (fixed seed)"
        )
        values = values[keep]
    points = values.astype(np.float32)
    if note := scale_note(points):
        notes.append(note)
    return points, "; ".join(notes) or None


def _fast_parse(text: str, delimiter: str | None, skip_lines: int, n_rows: int) -> np.ndarray | None:
    """numpy's C parser (~10× the Python loop on big files); None unless it gives n_rows finite pairs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(
                io.StringIO(text),
                delimiter=delimiter,
                comments="#",
                skiprows=skip_lines,
                quotechar='"',
                ndmin=2,
                dtype=np.float64,
            )
    except ValueError:
        return None
    if values.shape != (n_rows, 2) or not np.isfinite(values).all():
        return None
    return values


def _parse_rows(p: Path, rows: list[tuple[int, str]], delimiter: str | None) -> np.ndarray:
    values = np.empty((len(rows), 2), dtype=np.float64)
    for r, (line_no, line) in enumerate(rows):
        cells = _split(line, delimiter)
        if len(cells) != 2:
            raise CustomDataError(f"{p} line {line_no} has {len(cells)} columns, not 2; expected {ALLOWED}")
        for c, cell in enumerate(cells):
            try:
                v = float(cell)
            except ValueError:
                hint = " (use '.' for decimals)" if "," in cell and delimiter != "," else ""
                what = "is empty" if cell == "" else f"{cell!r} is not a number{hint}"
                raise CustomDataError(f"{p} line {line_no}, column {c + 1}: {what}; expected {ALLOWED}") from None
            if not math.isfinite(v):
                raise CustomDataError(
                    f"{p} line {line_no}, column {c + 1}: {cell!r} is not a finite number (NaN and Inf are not allowed)"
                )
            values[r, c] = v
    return values


def scale_note(points: np.ndarray) -> str | None:
    """A hint when the data sits far from the few-units-wide frame the networks learn best in."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    reach = float(np.abs(np.concatenate([lo, hi])).max())
    if reach > 50 or (reach > 0 and float((hi - lo).max()) < 0.05):
        return (
            f"the data spans x {lo[0]:.4g}..{hi[0]:.4g}, y {lo[1]:.4g}..{hi[1]:.4g}; the networks learn best "
            "on data a few units wide around the origin: consider rescaling it"
        )
    return None


# --- a dataset from points ------------------------------------------------------------------------


def check_points(points, what: str = "points", max_points: int | None = None) -> np.ndarray:
    """(n, 2) finite float32 points, n ≥ 2; CustomDataError otherwise."""
    try:
        a = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise CustomDataError(f"{what} must be (x, y) number pairs") from None
    if a.ndim != 2 or a.shape[1] != 2:
        raise CustomDataError(f"{what} must be (x, y) pairs, an (n, 2) array (got shape {a.shape})")
    if len(a) < 2:
        raise CustomDataError(f"{what}: at least 2 points are needed (got {len(a)})")
    if max_points is not None and len(a) > max_points:
        raise CustomDataError(f"{what}: at most {max_points:,} points (got {len(a):,})")
    if not np.isfinite(a).all():
        raise CustomDataError(f"{what} must be finite numbers (NaN and Inf are not allowed)")
    return a.astype(np.float32)


def data_span(points: np.ndarray) -> float:
    """The larger side of the points' bounding box (1 when all points coincide)."""
    span = float((points.max(axis=0) - points.min(axis=0)).max())
    return span if span > 0 else 1.0


def default_spread(points: np.ndarray) -> float:
    return SPREAD_FRACTION * data_span(points)


def square_extent(points: np.ndarray, spread: float) -> tuple[float, float, float, float]:
    """A square view around the bounding box: centred on it, with a margin of 10 % of its larger side
    plus 3 spreads, so both axes share one scale."""
    lo, hi = points.min(axis=0).astype(np.float64), points.max(axis=0).astype(np.float64)
    centre = (lo + hi) / 2
    half = data_span(points) / 2 + MARGIN_FRACTION * data_span(points) + 3 * spread
    return (float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half))


def _points_sampler(points: np.ndarray, spread: float) -> Sampler:
    stored = torch.as_tensor(points, dtype=torch.float32)

    def sample(n: int, gen: torch.Generator, rng: np.random.Generator) -> torch.Tensor:
        k = torch.randint(len(stored), (n,), generator=gen)
        return stored[k] + spread * torch.randn(n, 2, generator=gen)

    return sample


def points_dataset(
    points, name: str, spread: float | None = None, label: str | None = None, description: str = ""
) -> Dataset:
    """A dataset whose samples are a random stored point + N(0, spread²) per coordinate.

    `spread` None = 2 % of the data's extent (GAN Lab's drawing noise).
    """
    pts = check_points(points)
    if spread is None:
        spread = default_spread(pts)
    if not (isinstance(spread, (int, float)) and math.isfinite(spread) and spread >= 0):
        raise CustomDataError(f"spread must be a number ≥ 0 (got {spread!r})")
    spread = float(spread)
    return Dataset(
        name=name,
        label=label or name,
        sampler=_points_sampler(pts, spread),
        extent=square_extent(pts, spread),
        description=description or f"{len(pts):,} stored points + N(0, {spread:.3g}²) noise",
        points=pts,
    )


def register_points(name: str, points, spread: float | None = None, label: str | None = None, description: str = ""):
    """`points_dataset(...)` registered in DATASETS under `name` (kept if that name is already there).

    Registered names are visible to this process only: the trainer child must be able to rebuild the
    dataset from the name alone (as for ``csv:PATH``), else put the points in the config (`custom_points`).
    """
    if name in DATASETS:
        return DATASETS.get(name)
    ds = points_dataset(points, name, spread, label, description)
    DATASETS.register(name)(ds)
    return ds


def csv_name(path: str | os.PathLike) -> str:
    """The dataset name of a CSV file: ``csv:`` + its absolute path (the same in every process)."""
    return CSV_PREFIX + os.path.abspath(os.fspath(path))


def register_csv(
    path: str | os.PathLike, max_points: int | None = None, name: str | None = None
) -> tuple[str, str | None]:
    """Load a CSV file and register it: (dataset name for the config, note for the user or None).

    The name is `csv_name(path)` (absolute) unless given; `max_points` None = MAX_POINTS. Loading the
    same name again in this process reuses the first load.
    """
    name = name or csv_name(path)
    if name in DATASETS:
        return name, None
    points, note = load_points_csv(path, MAX_POINTS if max_points is None else max_points)
    file = Path(os.path.abspath(os.fspath(path)))
    register_points(
        name, points, label=f"{file.name} ({len(points):,} points)", description=f"{file}: {note or 'CSV data'}"
    )
    return name, note


def stored_dataset(name: str, points) -> Dataset | None:
    """The dataset a session stored for a ``csv:`` name, from its points (the file is not read: it may
    have moved or changed since); None for other names ("custom" is in the config, built-ins have no points).

    The name is also registered, when this process does not know it yet, so that validating the config
    does not go to the file; a name already registered (the file loaded here) keeps its entry, and
    the trainer uses the dataset returned here, not that entry.
    """
    if not name.startswith(CSV_PREFIX):
        return None
    pts = check_points(points, "the session's dataset points", MAX_POINTS)
    file = Path(name[len(CSV_PREFIX) :])
    ds = points_dataset(
        pts, name, label=f"{file.name} ({len(pts):,} points)", description=f"{file}: points stored in the session"
    )
    if name not in DATASETS:
        DATASETS.register(name)(ds)
    return ds


def custom_dataset(points: Sequence[Sequence[float]] | np.ndarray, spread: float | None = None) -> Dataset:
    """The dataset named "custom": drawn points, not registered (each config carries its own)."""
    return points_dataset(points, CUSTOM, spread, label="Drawn points")


def as_config_points(points) -> tuple[tuple[float, float], ...]:
    """Points as the hashable tuple TrainConfig.custom_points holds."""
    a = check_points(points, "custom_points", MAX_CUSTOM_POINTS)
    return tuple((float(x), float(y)) for x, y in a.tolist())
