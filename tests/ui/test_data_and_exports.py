"""Your own data (CSV import, drawing), exports and the divergence guard, through the window."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("PySide6")

from ganviz.core.config import TrainConfig  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402

TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=9)


@pytest.fixture
def window(qtbot, monkeypatch):
    warnings = []
    monkeypatch.setattr("ganviz.ui.main_window.QMessageBox.warning", lambda *a, **k: warnings.append(a[2]))
    w = MainWindow(TINY)
    w.confirm = lambda _q: True
    w.warnings = warnings
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def published(w):
    """The child's state as last published (retried: a read that meets a write in progress gives None)."""
    engine = w.builder.engine
    for _ in range(200):
        pub = engine.shared.read([torch.empty_like(t) for t in engine.tensors], -1)
        if pub is not None:
            return pub
    raise AssertionError("nothing published")


def frame_where(qtbot, w, predicate, timeout=30_000):
    box = []

    def ok():
        assert w.frame is not None and predicate(w.frame)
        box.append(w.frame)

    qtbot.waitUntil(ok, timeout=timeout)
    return box[-1]


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
    from ganviz.core.drawing import brush, erase

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
    from ganviz.core.export import history_csv
    from ganviz.ui.export import export_panel

    window.start()
    frame = frame_where(qtbot, window, lambda f: f.step > 20 and len(f.quality) > 0)
    png, svg, csv = tmp_path / "d.png", tmp_path / "l.svg", tmp_path / "h.csv"
    export_panel(window.data_panel, png)
    export_panel(window.loss_panel, svg)
    assert png.read_bytes()[:4] == b"\x89PNG" and b"<svg" in svg.read_bytes()[:2000]
    rows = history_csv(csv, frame)
    table = np.genfromtxt(csv, delimiter=",", names=True)
    assert rows == len(table) and np.array_equal(table["step"][: len(frame.history)], frame.column("step"))


def test_a_diverging_run_is_rolled_back_and_reported(qtbot, window):
    window.start()
    frame_where(qtbot, window, lambda f: f.step > 250)  # past the first checkpoint
    window._live_change("optimizer", ("sgd",))
    window._live_change("lr", (1e4, 1e4))
    qtbot.waitUntil(lambda: "diverged" in window.statusBar().currentMessage(), timeout=60_000)
    assert not window.running
    frame = frame_where(qtbot, window, lambda f: any(e[1] == "diverged" for e in f.events))
    assert np.isfinite(frame.fakes).all()
    assert any(isinstance(line.label.textItem.toPlainText(), str) for line in window.loss_panel._markers)
