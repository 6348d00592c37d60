"""Your own data (CSV import, drawing), exports and the divergence guard, through the window."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ui_helpers import TINY, colour_share, frame_where, load_image, published  # noqa: E402

from ganviz.ui import style  # noqa: E402


@pytest.fixture
def window(make_main_window, monkeypatch):
    """The main window on TINY (seed 9), with every warning box recorded in `.warnings` instead of shown."""
    warnings = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.warning", lambda *a, **k: warnings.append(a[2]))
    w = make_main_window(TINY.replace(seed=9))
    w.warnings = warnings
    return w


def test_csv_import_trains_on_the_file_and_bad_files_leave_the_run_alone(qtbot, window, tmp_path):
    frame_where(qtbot, window, lambda f: True)
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    engine = window.builder.engine
    assert window.import_csv(str(bad)) is False
    assert window.warnings and ("oops" in window.warnings[-1] or "row" in window.warnings[-1])
    assert window.builder.engine is engine and window.config.dataset == "ring8"
    good = tmp_path / "pts.csv"
    rng = np.random.default_rng(0)
    pts = rng.normal([1.0, -1.0], 0.1, (300, 2))
    np.savetxt(good, pts, delimiter=",", header="a,b", comments="")
    assert window.import_csv(str(good)) is True
    name = window.config.dataset
    assert name.startswith("csv:") and window.dataset_actions[name].isChecked()
    qtbot.waitUntil(lambda: published(window).dataset == name, timeout=20_000)
    frame = frame_where(qtbot, window, lambda f: f.dataset == name)
    assert np.hypot(*(frame.real.mean(axis=0) - [1.0, -1.0])) < 0.05  # the real points are the file's


def test_drawn_points_become_the_data(qtbot, window):
    frame_where(qtbot, window, lambda f: True)
    window.draw_action.trigger()
    assert window.drawing
    from ganviz.core.data.drawing import brush, erase

    drawn = np.zeros((0, 2), np.float32)
    rng = np.random.default_rng(1)
    for x in np.linspace(-1, 1, 30):
        drawn = brush(drawn, np.array([x, 0.5]), 6.0, rng)
    drawn = erase(drawn, np.array([1.0, 0.5]), 6.0)
    assert len(drawn) < 120 and np.all(np.hypot(drawn[:, 0] - 1.0, drawn[:, 1] - 0.5) > 0.24)
    window.drawn = drawn
    assert window.use_drawn_points() is True
    qtbot.waitUntil(lambda: published(window).dataset == "custom", timeout=20_000)
    frame = frame_where(qtbot, window, lambda f: f.dataset == "custom")
    assert abs(float(frame.real[:, 1].mean()) - 0.5) < 0.1


def test_exports_write_png_svg_and_csv(qtbot, window, tmp_path):
    from ganviz.core.analysis.frames import HISTORY_COLUMNS, QUALITY_COLUMNS
    from ganviz.core.files.export import history_csv
    from ganviz.ui.export import export_panel

    window.start()
    frame = frame_where(qtbot, window, lambda f: f.step > 20 and len(f.quality) > 0)
    png, svg, csv = tmp_path / "d.png", tmp_path / "l.svg", tmp_path / "h.csv"
    export_panel(window.data_panel, png)
    export_panel(window.loss_panel, svg)
    # the PNG is the data view as drawn: its size, not one colour, real samples orange and generated ones blue
    pixels = load_image(png)
    ratio = window.data_panel.devicePixelRatioF()
    assert pixels.shape[:2] == (round(window.data_panel.height() * ratio), round(window.data_panel.width() * ratio))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 100 and pixels.std() > 10
    # (each sample has a light rim since the critic colours were fixed: less of its area is pure orange or blue)
    assert colour_share(pixels, style.REAL) > 1e-4 and colour_share(pixels, style.FAKE) > 1e-4
    # the SVG is a well-formed drawing of the loss plots, the G and D loss curves in their colours
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text().lower()
    for colour in (style.G_LOSS, style.D_LOSS):
        assert "#{:02x}{:02x}{:02x}".format(*colour) in text, f"no curve in {colour}"
    assert "losses" in text.lower()  # the plot's title
    rows = history_csv(csv, frame)
    table = np.genfromtxt(csv, delimiter=",", names=True)
    assert list(table.dtype.names) == [*HISTORY_COLUMNS, *QUALITY_COLUMNS[1:]]
    assert rows == len(table) == len(np.union1d(frame.column("step"), frame.quality_column("step")))
    assert np.array_equal(table["step"][: len(frame.history)], frame.column("step"))


def test_a_diverging_run_is_rolled_back_and_reported(qtbot, make_main_window):
    # leaky ReLU: with plain ReLU, SGD at lr 10 killed every unit in about 1 of 3 starts (measured over 15 start
    # steps): the networks went constant and finite, nothing diverged, and this test timed out in CI
    window = make_main_window(TINY.replace(seed=9, activation="leaky_relu"))
    window.start()
    frame_where(qtbot, window, lambda f: f.step > 250)  # past the first checkpoint
    window._live_change("optimizer", ("sgd",))
    window._live_change("lr", (10.0, 10.0))  # the largest learning rate allowed
    qtbot.waitUntil(lambda: "diverged" in window.statusBar().currentMessage(), timeout=60_000)
    assert not window.running
    frame = frame_where(qtbot, window, lambda f: any(e[1] == "diverged" for e in f.events))
    assert np.isfinite(frame.fakes).all()
    detected, _, text = next(e for e in frame.events if e[1] == "diverged")
    restored = int(re.search(r"rolled back to step (\d+)", text).group(1))
    assert 0 <= restored < detected
    frame = frame_where(qtbot, window, lambda f: f.step == restored)
    assert np.all(frame.column("step") <= restored)  # the rows past the restored step are gone

    def marked():  # a line on the loss plot at the step it diverged, labelled so
        marks = [(line.value(), line.label.textItem.toPlainText()) for line in window.loss_panel._markers]
        assert (detected, "diverged") in marks, marks

    qtbot.waitUntil(marked, timeout=10_000)
