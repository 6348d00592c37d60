"""RunView (ganviz/ui/run_view.py): a frame's numbers in its readout, a click selecting the sample under it, and the
selected sample drawn from the inspection that comes with a frame (never computed by the view)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("PySide6")
from panel_frames import make_frame  # noqa: E402
from PySide6.QtCore import QPointF, Qt  # noqa: E402

from ganviz.core.analysis.frames import QUALITY_COLUMNS  # noqa: E402
from ganviz.core.analysis.latent import Inspection  # noqa: E402
from ganviz.ui.run_view import RunView  # noqa: E402

FAKES = np.array([[-2.0, -2.0], [0.0, 0.0], [1.5, -1.0]], np.float32)


def a_frame(step: int = 137, inspection: Inspection | None = None):
    quality = np.zeros((2, len(QUALITY_COLUMNS)))
    quality[:, QUALITY_COLUMNS.index("step")] = [100, step]
    quality[:, QUALITY_COLUMNS.index("w1")] = [0.5, 0.0734]
    return dataclasses.replace(
        make_frame(np.zeros((8, 8)), (-1.0, 1.0), fakes=FAKES),
        step=step,
        centres=np.zeros((8, 2)),
        modes={"modes": 7, "modes_robust": 5, "hq": 0.8125},
        quality=quality,
        fake_class=np.zeros(len(FAKES), np.int16),
        pad_points=np.zeros((len(FAKES), 2), np.float32),
        pad_class=np.zeros(len(FAKES), np.int16),
        inspection=inspection,
    )


@pytest.fixture
def view(qtbot):
    v = RunView("A · test", "#c82828", "lr 1e-3")
    qtbot.addWidget(v)
    v.resize(500, 500)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_readout_shows_the_frames_numbers(view):
    view.show_frame(a_frame())
    text = view.numbers.text()
    for part in ("step <b>137</b>", "modes <b>7</b>/8", "robust <b>5</b>/8", "HQ <b>81.2 %</b>", "W1 <b>0.073</b>"):
        assert part in text, (part, text)
    view.show_frame(a_frame(step=138), diverged=(138, 100, "lower the learning rates"))
    assert "step <b>138</b>" in view.numbers.text() and "diverged (NaN/Inf) at step 138" in view.numbers.text()
    assert view.details.text() == "lr 1e-3" and view.panel.plot.titleLabel.text == "A · test"


def click_at(qtbot, view, xy, button=Qt.LeftButton) -> None:
    vb = view.panel.plot.getViewBox()
    pos = view.panel.mapFromScene(vb.mapViewToScene(QPointF(*xy)))
    qtbot.mouseClick(view.panel.viewport(), button, pos=pos)


def test_a_click_selects_the_sample_under_it_and_the_frames_inspection_draws_it(qtbot, view):
    view.show_frame(a_frame())
    chosen = []
    view.selection_changed.connect(chosen.append)
    click_at(qtbot, view, FAKES[2])
    assert chosen == [2] and view.selected == 2
    assert view.selection_info() is None  # the frame on screen was built before the click
    assert len(view.panel.selected.getData()[0]) == 0
    info = {"index": 2, "x": FAKES[2], "grad": np.array([0.3, -0.4], np.float32), "d": 0.25, "z": np.zeros(2)}
    view.show_frame(a_frame(step=138, inspection=Inspection(info)))
    assert view.selection_info() is info and view.inspected is info
    sx, sy = view.panel.selected.getData()
    assert (sx[0], sy[0]) == pytest.approx(tuple(FAKES[2]))
    click_at(qtbot, view, (2.9, 2.9))  # nothing there: no selection
    assert chosen[-1] is None and view.selected is None and len(view.panel.selected.getData()[0]) == 0
    cleared = []
    view.clear_requested.connect(lambda: cleared.append(True))
    click_at(qtbot, view, FAKES[0], Qt.RightButton)
    assert cleared == [True]
