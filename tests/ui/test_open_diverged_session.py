"""File → Open on a session saved after its run blew up: one line, and the current run is left alone."""

from __future__ import annotations

import math

import pytest
import torch

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from ganviz.core.files.session import save_session  # noqa: E402
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402
from ganviz.ui import main_window  # noqa: E402


class NotAWindow:
    """Stands in for the window: a refused file must be reported before the window is touched at all."""


def test_open_shows_one_line_for_a_session_with_nan_weights(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    t = Trainer(TrainConfig(hidden=16, layers=2, batch=32, n_fixed=100))
    t.step(3)
    with torch.no_grad():
        t.D[0].weight[0, 0] = math.inf
    path = tmp_path / "blown.gvz"
    save_session(path, t)
    assert main_window.MainWindow.open_session(NotAWindow(), str(path)) is False
    assert len(shown) == 1 and "\n" not in shown[0]
    assert "holds NaN or Inf (D 0.weight)" in shown[0] and "cannot resume" in shown[0]
