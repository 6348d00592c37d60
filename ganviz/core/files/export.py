"""Exports that need no Qt: the loss history and quality table as CSV.

One file, one row per step: the loss-history columns (HISTORY_COLUMNS, every generator step) followed by
the quality columns (QUALITY_COLUMNS without "step", measured about once a second), joined on the step;
cells with nothing measured at that step are empty ("nan"). The first line names the columns, so

    np.loadtxt(path, delimiter=",", skiprows=1)        # or np.genfromtxt(path, delimiter=",", names=True)

reads it back. Written atomically (a temporary file beside it, then a rename).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence

import numpy as np

from ganviz.core.analysis.frames import HISTORY_COLUMNS, QUALITY_COLUMNS
from ganviz.core.files.io import check_writable, write_atomic


class ExportError(ValueError):
    """An export that cannot be written; the message says why in one line."""


def merge_tables(
    history: np.ndarray,
    quality: np.ndarray | None = None,
    history_columns: Sequence[str] = HISTORY_COLUMNS,
    quality_columns: Sequence[str] = QUALITY_COLUMNS,
) -> tuple[np.ndarray, list[str]]:
    """History and quality rows joined on their first column (the step); (table, column names)."""
    history = np.asarray(history, dtype=np.float64).reshape(-1, len(history_columns))
    columns = list(history_columns)
    if quality is None:
        return history, columns
    quality = np.asarray(quality, dtype=np.float64).reshape(-1, len(quality_columns))
    extra = len(quality_columns) - 1
    steps = np.union1d(history[:, 0], quality[:, 0])
    table = np.full((len(steps), len(history_columns) + extra), np.nan)
    table[:, 0] = steps
    table[np.searchsorted(steps, history[:, 0]), 1 : len(history_columns)] = history[:, 1:]
    # a step measured twice (after a roll-back it cannot be; a loaded session might): the last row wins
    table[np.searchsorted(steps, quality[:, 0]), len(history_columns) :] = quality[:, 1:]
    return table, columns + list(quality_columns[1:])


def table_csv(path: str | os.PathLike, table: np.ndarray, columns: Sequence[str]) -> None:
    """Any table as CSV with a header line of column names; integers without a decimal point."""
    if reason := check_writable(path):
        raise ExportError(f"cannot write {os.fspath(path)!r}: {reason}")
    buf = io.BytesIO()
    buf.write((",".join(columns) + "\n").encode())
    if len(table):
        np.savetxt(buf, table, delimiter=",", fmt="%.10g")
    write_atomic(path, lambda f: f.write(buf.getvalue()))


def history_csv(path: str | os.PathLike, source, quality: np.ndarray | None = None) -> int:
    """Write the loss history and the quality table to `path` as one CSV; returns the number of rows.

    `source`: a `Frame` (its `history` and `quality`), or the history table itself (then `quality` is
    the quality table, or None for the losses only).
    """
    if hasattr(source, "history") and hasattr(source, "quality"):
        history, quality = source.history, source.quality
    else:
        history = source
    table, columns = merge_tables(history, quality)
    table_csv(path, table, columns)
    return len(table)
