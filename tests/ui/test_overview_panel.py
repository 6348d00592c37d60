"""The model overview strip (issue 16): a registered panel whose thumbnails are the frame's own arrays, whose nodes
answer clicks with their name, and whose slow-motion highlight brightens one path and dims the rest."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("PySide6")
from panel_frames import make_frame  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402

from ganviz.core.analysis.explain import OVERVIEW_PATHS  # noqa: E402
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui import style  # noqa: E402
from ganviz.ui.panels import registry  # noqa: E402
from ganviz.ui.panels.base import FramePanel, protocol_problems  # noqa: E402
from ganviz.ui.panels.overview_panel import DIM, NODES, THUMB_POINTS, OverviewPanel, subsample  # noqa: E402


def _frame(seed: int = 0):
    rng = np.random.default_rng(seed)
    xs = np.linspace(-3, 3, 100, dtype=np.float32)
    surface = np.tanh(xs[None, :] + 0.5 * xs[:, None])
    f = make_frame(surface, (-1.0, 1.0), fakes=rng.normal(size=(2500, 2)), real=rng.normal(size=(2500, 2)))
    history = np.zeros((3, 9))
    history[:, 0] = [1, 2, 3]
    history[:, 4], history[:, 5] = [0.5, 0.6, 0.7], [0.4, 0.3, 0.2]  # d_real, d_fake
    return dataclasses.replace(
        f,
        pad_points=rng.uniform(-1, 1, (2500, 2)).astype(np.float32),
        pad_class=np.zeros(2500, np.int16),
        history=history,
    )


@pytest.fixture
def panel(qtbot):
    p = OverviewPanel()
    qtbot.addWidget(p)
    p.set_config(TrainConfig(hidden=16, layers=2))
    p.resize(1000, 128)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_it_is_a_registered_panel_in_a_top_dock_with_a_free_shortcut():
    assert OverviewPanel in registry.PANELS
    assert protocol_problems(OverviewPanel) == []
    assert OverviewPanel.area == Qt.TopDockWidgetArea and not OverviewPanel.floating
    taken = {c.shortcut for c in registry.PANELS if c is not OverviewPanel}
    assert OverviewPanel.shortcut and OverviewPanel.shortcut not in taken | {"M", "A", "C", "S", "P"}
    for kind, path in OVERVIEW_PATHS.items():  # every sub-step's path is made of the strip's nodes
        assert set(path) <= set(NODES), kind


def test_thumbnails_show_the_frames_arrays(panel):
    assert isinstance(panel, FramePanel)
    frame = _frame()
    panel.show_frame(frame)
    stride = int(np.ceil(2500 / THUMB_POINTS))
    np.testing.assert_array_equal(panel.thumb_points["fake"], frame.fakes[::stride])
    np.testing.assert_array_equal(panel.thumb_points["real"], frame.real[::stride])
    np.testing.assert_array_equal(panel.thumb_points["z"], frame.pad_points[::stride])
    assert len(panel.thumb_points["fake"]) <= THUMB_POINTS
    assert panel.means == pytest.approx((0.7, 0.2))  # the last step's mean D on real and fake
    # the fakes' thumbnail is painted where the dots are: the pixel of a fake is blue, of an empty spot white
    buf = panel._buffers["fake"]
    assert (buf[..., 2] > buf[..., 0]).sum() > 50  # blue dots
    moved = dataclasses.replace(frame, fakes=frame.fakes + 100.0)  # every fake off the thumbnail
    panel.show_frame(moved)
    assert (buf == 255).all()
    np.testing.assert_array_equal(panel.thumb_points["fake"], subsample(moved.fakes))


def test_a_click_on_a_node_emits_its_name(panel, qtbot):
    panel.show_frame(_frame())
    for name in NODES:
        centre = panel.rects[name].center().toPoint()
        with qtbot.waitSignal(panel.node_clicked, timeout=2000) as blocker:
            qtbot.mouseClick(panel, Qt.LeftButton, pos=centre)
        assert blocker.args == [name]
    with qtbot.assertNotEmitted(panel.node_clicked):
        qtbot.mouseClick(panel, Qt.LeftButton, pos=panel.rect().bottomRight() - panel.rect().center() / 50)


def test_highlight_dims_what_is_off_the_path(panel):
    panel.show_frame(_frame())
    panel.highlight(("real", "D", "score"))
    assert [panel.node_opacity(n) for n in NODES] == [DIM, DIM, DIM, 1.0, 1.0, 1.0]
    assert panel.edge_lit("real", "D") and panel.edge_lit("D", "score") and not panel.edge_lit("fake", "D")
    dimmed = panel.grab().toImage()
    panel.highlight(None)
    assert all(panel.node_opacity(n) == 1.0 for n in NODES) and not panel.edge_lit("D", "score")
    plain = panel.grab().toImage()
    g, d = panel.rects["G"], panel.rects["D"]
    in_g, in_d = QPoint(int(g.left()) + 5, int(g.center().y())), QPoint(int(d.left()) + 5, int(d.center().y()))
    assert dimmed.pixelColor(in_g).lightness() > plain.pixelColor(in_g).lightness()  # G faded towards white
    assert dimmed.pixelColor(in_d) == plain.pixelColor(in_d)  # D, on the path, as it was
    with pytest.raises(ValueError, match="unknown overview nodes"):
        panel.highlight(("x",))


def test_reveal_brings_the_matching_view_forward(panel):
    shown = []

    class Dock:
        def __init__(self, name):
            self.name = name

        def show(self):
            shown.append(self.name)

        def raise_(self):
            pass

    class Window:
        latent_dock, params = Dock("latent"), Dock("params")

    panel.connect_window(Window())
    panel.node_clicked.emit("z")
    panel.node_clicked.emit("D")
    assert shown == ["latent", "params"]


def test_labels_fit_their_node_on_a_narrow_strip(qtbot):
    """At 1024×700 the strip is ~330 px wide: the long labels ran into each other. Each label now fits its
    node's width, in its short form where the long one does not."""
    from PySide6.QtGui import QImage, QPainter

    from ganviz.ui.panels.overview_panel import LABELS, fitted

    image = QImage(10, 10, QImage.Format_RGBA8888)
    p = QPainter(image)
    try:
        metrics = p.fontMetrics()
        for long in LABELS.values():
            wide = metrics.horizontalAdvance(long) + 4
            assert fitted(p, long, wide) == long
            narrow = fitted(p, long, 40)
            assert metrics.horizontalAdvance(narrow) <= 40 and narrow != long
        assert fitted(p, LABELS["fake"], 40) == "x̃" and fitted(p, LABELS["score"], 40) == "D(x)"
    finally:
        p.end()


@pytest.mark.parametrize("width", [330, 420, 1000])
def test_the_mean_d_readout_ends_inside_the_strip(panel, width):
    """At 1024×700 "mean D(x̃) = …" ran into the window's right edge: each line's box now ends inside the strip
    and its text fits the box (shortened to "D(x̃) = …" where "mean …" does not)."""
    panel.resize(width, 128)
    panel.means = (0.487654, -0.000123456)
    metrics = panel.fontMetrics()
    lines = panel.number_lines(metrics)
    assert [colour for *_, colour in lines] == [style.REAL, style.FAKE]
    for text, box, _ in lines:
        assert box.right() <= width and box.width() > 0
        assert metrics.horizontalAdvance(text) <= box.width(), (text, box.width())
        assert text.endswith(("0.488", "-0.000123")) or "…" in text
    if width >= 600:
        assert [t for t, *_ in lines] == ["mean D(x) = 0.488", "mean D(x̃) = -0.000123"]
    panel.grab()  # and it paints


def test_a_surface_with_undefined_cells_is_drawn(panel):
    """D* is NaN where neither density reaches: the thumbnail raised IndexError on it (NaN cast to an index), and
    the window reported a draw failure in the status bar, over whatever it said."""
    from ganviz.ui.panels.overview_panel import UNDEFINED_RGBA

    frame = _frame()
    surface = frame.surface.copy()
    surface[:, :30] = np.nan
    panel.show_frame(dataclasses.replace(frame, surface=surface))
    rgba = panel._surface_rgba
    assert np.isfinite(rgba).all()
    assert (rgba[:, 0] == UNDEFINED_RGBA).all() and not (rgba[:, -1] == UNDEFINED_RGBA).all()


def test_the_z_node_shows_the_fixed_batch_for_any_latent_size(panel):
    """For a latent of more than 2 dimensions the z node drew the latent pad's slice grid ("z slice"), not the
    batch G maps: it now draws the fixed batch's first two coordinates in the colours of their fakes."""
    rng = np.random.default_rng(1)
    z = rng.uniform(-1, 1, (2500, 4)).astype(np.float32)
    frame = dataclasses.replace(_frame(), z_fixed=z, fake_class=np.arange(2500, dtype=np.int16) % 3)
    panel.show_frame(frame)
    stride = int(np.ceil(2500 / THUMB_POINTS))
    np.testing.assert_array_equal(panel.thumb_points["z"], z[::stride, :2])


def test_a_built_frame_carries_the_trainers_fixed_latent_batch_read_only():
    from ganviz.core.analysis.frames import FrameBuilder
    from ganviz.core.training.trainer import Trainer

    config = TrainConfig(hidden=8, layers=2, batch=16, zdim=5)
    builder = FrameBuilder(config)
    try:
        frame = builder.build(force=True)
    finally:
        builder.close()
    assert frame is not None
    np.testing.assert_array_equal(frame.z_fixed, Trainer(config).z_fixed.numpy())
    assert frame.z_fixed.shape == (len(frame.fakes), 5) and not frame.z_fixed.flags.writeable
