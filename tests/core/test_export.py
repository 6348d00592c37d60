"""History export: loss and quality tables as one CSV, read back with numpy."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.core.analysis.frames import HISTORY_COLUMNS, QUALITY_COLUMNS
from ganviz.core.files.export import ExportError, history_csv, merge_tables


def tables(n: int = 50) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    history = rng.normal(size=(n, len(HISTORY_COLUMNS)))
    history[:, 0] = np.arange(1, n + 1)
    history[::3, HISTORY_COLUMNS.index("g_grad_norm")] = np.nan  # norms are recorded at some steps only
    quality = rng.uniform(size=(4, len(QUALITY_COLUMNS)))
    quality[:, 0] = [10, 20, 30, n + 5]  # the last one at a step past the loss history
    return history, quality


def test_history_csv_round_trips_with_loadtxt(tmp_path):
    history, quality = tables()
    path = tmp_path / "history.csv"
    assert history_csv(path, history, quality) == 51
    header = path.read_text().splitlines()[0]
    assert header.split(",") == list(HISTORY_COLUMNS) + list(QUALITY_COLUMNS[1:])
    back = np.loadtxt(path, delimiter=",", skiprows=1)
    assert back.shape == (51, len(HISTORY_COLUMNS) + len(QUALITY_COLUMNS) - 1)
    n = len(HISTORY_COLUMNS)
    np.testing.assert_allclose(back[:50, :n], history, rtol=1e-9, equal_nan=True)
    q_rows = np.searchsorted(back[:, 0], quality[:, 0])
    np.testing.assert_allclose(back[q_rows, n:], quality[:, 1:], rtol=1e-9)
    assert np.isnan(back[0, n:]).all() and np.isnan(back[50, 1:n]).all()  # nothing measured there
    named = np.genfromtxt(path, delimiter=",", names=True)
    np.testing.assert_array_equal(named["step"][:50], history[:, 0])


def test_history_csv_from_a_frame_like_object_and_losses_only(tmp_path):
    history, quality = tables(40)

    class FrameLike:
        pass

    frame = FrameLike()
    frame.history, frame.quality = history, quality
    assert history_csv(tmp_path / "a.csv", frame) == 41
    assert history_csv(tmp_path / "b.csv", history) == 40
    table, columns = merge_tables(history[:0], quality[:0])
    assert table.shape == (0, len(columns))
    history_csv(tmp_path / "empty.csv", history[:0], quality[:0])
    assert (tmp_path / "empty.csv").read_text().count("\n") == 1  # the header only


def test_history_csv_unwritable(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        history_csv(tmp_path / "no" / "x.csv", tables()[0])
