"""Numbers a person can read: the quality plots' latest values, grouped event markers, an unclipped status bar."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("PySide6")

from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402
from ganviz.ui.panels.loss_panel import MAX_MARKERS, LossPanel, group_events  # noqa: E402
from ganviz.ui.panels.quality_panel import QualityPanel  # noqa: E402
from tests.frame_factory import make_frame  # noqa: E402

RING8_CENTRES = np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], axis=1) * 2


def _title(plot) -> str:
    return plot.titleLabel.text


def test_quality_titles_show_the_latest_row(qtbot):
    panel = QualityPanel()
    qtbot.addWidget(panel)
    # step, modes, modes_robust, hq, rkl, w1
    quality = np.array([[100, 3, 1, 0.2, 1.5, 0.9], [200, 7, 6, 0.523, 0.104, 0.2134]])
    frame = dataclasses.replace(
        make_frame(200), quality=quality, centres=RING8_CENTRES, mode_counts=np.ones(8), w1_floor=0.153
    )
    panel.show_frame(frame)
    assert panel.w1_floor.isVisible() and panel.w1_floor.value() == pytest.approx(0.153)  # a perfect G's W1
    assert "Modes captured (of 8): 7 · robust 6" in _title(panel.modes_plot)
    assert "HQ 0.52 · rKL 0.10 · W1 0.213" in _title(panel.scores_plot)
    # rKL undefined (no HQ sample) and no mixture: those numbers are left out, the rest stay
    other = np.array([[300, np.nan, np.nan, 0.0, np.nan, 1.25]])
    panel.show_frame(dataclasses.replace(make_frame(300), dataset="moons", quality=other, centres=None))
    assert _title(panel.modes_plot).startswith("Modes captured (mixture datasets only)")
    assert "robust" not in _title(panel.modes_plot)
    assert "HQ 0.00 · W1 1.250" in _title(panel.scores_plot) and "rKL" not in _title(panel.scores_plot)


def test_a_burst_of_events_is_one_labelled_marker_with_the_steps_in_its_tooltip(qtbot):
    events = [(s, "d_confident", f"D was right at step {s}") for s in range(0, 1000, 10)]
    events += [(500, "diverged", "NaN in D's loss"), (20, "coverage_drop", "8 → 5 modes")]
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.show_events(tuple(events))
    labels = [line.label.textItem.toPlainText() for line in panel._markers]
    assert 3 <= len(panel._markers) <= MAX_MARKERS, labels
    assert "diverged" in labels and "modes −3" in labels
    bursts = [t for t in labels if t.startswith("D ≥ 99 % ×")]
    assert bursts and sum(int(t.split("×")[1]) for t in bursts) == 100  # every event counted once
    tips = [line.toolTip() for line in panel._markers]
    assert any("step 0: D was right at step 0" in t and "more, up to step" in t for t in tips)


def test_group_events_keeps_apart_what_is_far_apart_and_bounds_the_count():
    events = [(0, "d_confident", ""), (5, "d_confident", ""), (5000, "d_confident", ""), (2500, "diverged", "")]
    groups = group_events(events)
    assert [[e[0] for e in g] for g in groups] == [[0, 5], [2500], [5000]]
    kinds = ("coverage_drop", "d_confident", "critic_grad_exploded")
    many = [(s * 1000, kinds[s % 3], "") for s in range(30)] + [(50, "diverged", "")]  # 31 separate groups
    assert len(group_events(many, max_groups=100)) == 31
    bounded = group_events(many, max_groups=6)
    assert len(bounded) == 6
    assert any(g[0][1] == "diverged" for g in bounded)  # the divergence is never the one left out
    assert [g[0][0] for g in bounded][-5:] == [25_000, 26_000, 27_000, 28_000, 29_000]  # the newest are kept


def shown_window(qtbot, width: int) -> MainWindow:
    """A main window at `width` × 700, on screen (its trainer not started)."""
    w = MainWindow(TrainConfig(hidden=16, layers=2, batch=32, seed=1))
    w.confirm = lambda _q: True
    qtbot.addWidget(w)
    w.resize(width, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


LONG_MESSAGE = "Saved /home/student/ganviz/sessions/ring8-wgan-gp-lr-sweep/run-03.gvz at step 12,000"


def test_status_fields_are_never_squeezed_by_a_long_message(qtbot):
    w = shown_window(qtbot, 1024)
    w.statusBar().showMessage("Saved /a/rather/long/path/to/a/session/file/that/goes/on/and/on/run.gvz at step 12")
    s = w.status_labels
    s["step"].setText("running · step 123456")
    s["rate"].setText("1234 steps/s")
    s["fps"].setText("30 frames/s")
    s["device"].setText("device cpu")
    s["objective"].setText("WGAN (weight clipping)")
    qtbot.waitUntil(lambda: all(label.width() > 0 for label in s.values() if label.isVisible()), timeout=5_000)
    for key, label in s.items():
        if label.isHidden():  # stepped aside for the message (below)
            continue
        need = label.fontMetrics().horizontalAdvance(label.text())
        assert label.width() >= need, f"{key}: {label.width()} px for {label.text()!r} ({need} px)"
    # whatever the width, the message's whole text is the status bar's tooltip
    assert w.statusBar().toolTip() == w.statusBar().currentMessage() != ""
    w.close()


def message_room(w) -> int:
    """The px QStatusBar gives its message: from x = 6 to 2 px before the first readout on screen."""
    shown = [label.x() for label in w.status_labels.values() if label.isVisible()]
    return min(shown, default=w.statusBar().width() - 12) - 2 - 6


@pytest.mark.parametrize("width", [1024, 1280])
def test_a_long_message_is_shown_whole_while_device_and_objective_step_aside(qtbot, width):
    """At 1024 px the readouts left a message ~400 px and Qt cut "Saved /…/run.gvz at step 12" off at the first
    readout. The device and objective readouts (the objective is in the dock too) now step aside for it and come
    back when it ends; the step, rate and frame-rate readouts always stay."""
    w = shown_window(qtbot, width)
    s = w.status_labels
    s["objective"].setText("WGAN (weight clipping)")
    s["device"].setText("device cpu")
    bar = w.statusBar()
    message = LONG_MESSAGE
    need = bar.fontMetrics().horizontalAdvance(message)
    bar.showMessage(message)
    qtbot.waitUntil(lambda: message_room(w) >= need, timeout=5_000)
    assert all(s[k].isVisible() for k in ("step", "rate", "fps"))
    if width == 1024:
        assert w.readouts.hidden()  # it did not fit beside all five
    bar.showMessage("Opened run.gvz")  # a short one: all five readouts back
    qtbot.waitUntil(lambda: all(label.isVisible() for label in s.values()), timeout=5_000)
    assert message_room(w) >= bar.fontMetrics().horizontalAdvance("Opened run.gvz")
    bar.showMessage(message)
    bar.clearMessage()
    qtbot.waitUntil(lambda: all(label.isVisible() for label in s.values()), timeout=5_000)
    w.close()


def test_the_readouts_come_back_when_the_window_grows(qtbot):
    w = shown_window(qtbot, 1024)
    w.status_labels["objective"].setText("WGAN (weight clipping)")
    w.statusBar().showMessage(LONG_MESSAGE)
    qtbot.waitUntil(lambda: w.readouts.hidden() != [], timeout=5_000)
    w.resize(1600, 900)
    qtbot.waitUntil(lambda: w.readouts.hidden() == [], timeout=5_000)
    w.close()


def step_plots(widget) -> list:
    """Every plot over generator steps in `widget`: labelled so, or x-linked to one that is."""
    import pyqtgraph as pg

    views = [widget] if isinstance(widget, pg.GraphicsView) else widget.findChildren(pg.GraphicsView)
    plots = [item for view in views for item in view.scene().items() if isinstance(item, pg.PlotItem)]
    labelled = [p for p in plots if p.getAxis("bottom").labelText == "generator step"]

    def linked_to(a, b) -> bool:
        return a.vb.linkedView(0) is b.vb or b.vb.linkedView(0) is a.vb

    linked = [p for p in plots if p not in labelled and any(linked_to(p, q) for q in labelled)]
    return labelled + linked


def test_every_step_axis_starts_at_zero_in_plain_numbers(qtbot):
    """At step 0 the loss, quality, theory and compare plots ran 0…1 (or −0.5…0.5 with one row): "0.1 … 0.9
    generator step", fractions of a step no run can take. Every step axis now starts at 0, is at least 10 steps
    wide, and has no "(x0.001)" scale."""
    from ganviz.core.analysis.frames import HISTORY_COLUMNS
    from ganviz.ui.compare_views import ComparePlot
    from ganviz.ui.panels.theory_panel import TheoryPanel
    from ganviz.ui.style import MIN_STEP_RANGE

    history = np.zeros((1, len(HISTORY_COLUMNS)))
    history[0, 1:] = 0.7  # one row, at step 0
    quality = np.array([[0, 1, 0, 0.1, 1.0, 2.0]])
    frame = dataclasses.replace(make_frame(0), history=history, quality=quality, theory=np.array([[0.0, 0.3]]))
    found = {}
    for make, expected in ((LossPanel, 2), (QualityPanel, 2), (TheoryPanel, 3), (lambda: ComparePlot(["A", "B"]), 2)):
        widget = make()
        qtbot.addWidget(widget)
        widget.resize(500, 700)
        widget.show()
        if hasattr(widget, "show_frame"):
            widget.show_frame(frame)
        else:
            widget.show_frames([frame, frame])
        plots = step_plots(widget)
        found[type(widget).__name__] = len(plots)
        for plot in plots:
            plot.vb.autoRange()
            lo, hi = plot.vb.viewRange()[0]
            assert lo >= 0 and hi - lo >= MIN_STEP_RANGE, (type(widget).__name__, lo, hi)
            assert plot.getAxis("bottom").autoSIPrefixScale == 1.0
        assert found[type(widget).__name__] == expected, found


def test_event_labels_are_inside_the_loss_plot(qtbot):
    """The markers' labels ran up out of the plot from 92 % of its height: only their first letter showed, a
    rotated "m" of "modes −3" that read as "E". Each whole label now lies inside the plot's view."""
    from ganviz.core.analysis.frames import HISTORY_COLUMNS

    rng = np.random.default_rng(0)
    history = 1 + 0.3 * rng.standard_normal((1700, len(HISTORY_COLUMNS)))
    history[:, 0] = np.arange(1, 1701)
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.resize(360, 560)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_frame(dataclasses.replace(make_frame(1700), history=history))
    panel.show_events(((300, "diverged", "NaN"), (900, "coverage_drop", "8 → 5 modes"), (1600, "d_confident", "")))
    assert len(panel._markers) == 3

    def outside() -> list:
        view = panel.losses.vb.mapRectToScene(panel.losses.vb.boundingRect()).adjusted(-1, -1, 1, 1)
        rects = {line.label.textItem.toPlainText(): line.label.sceneBoundingRect() for line in panel._markers}
        return [(text, rect, view) for text, rect in rects.items() if not view.contains(rect)]

    qtbot.waitUntil(lambda: not outside(), timeout=5_000)  # once the plot has taken its range
    for line in panel._markers:
        rect = line.label.sceneBoundingRect()
        assert rect.height() > rect.width() > 0, line.label.textItem.toPlainText()  # along the line, whole


def test_the_quality_titles_say_what_the_data_views_readout_says(qtbot):
    """On a collapsing run the quality titles read "20 · robust 8" (the newest row, up to a second old) while the
    line under the data view read "modes 14/25 · robust 6/25" (the samples on screen). The titles now give the
    mode metrics of the frame on screen too; W1, measured only in the rows, is the newest row's in both."""
    from ganviz.ui.run_view import quality_line

    panel = QualityPanel()
    qtbot.addWidget(panel)
    centres = np.zeros((25, 2))
    row = np.array([[2620, 20, 8, 0.33, 1.2, 1.591]])  # step, modes, robust, HQ, rKL, W1
    now = {"modes": 14, "modes_robust": 6, "hq": 0.18, "rkl": 0.9}
    frame = dataclasses.replace(make_frame(2652), quality=row, centres=centres, modes=now, mode_counts=np.ones(25))
    panel.show_frame(frame)
    assert _title(panel.modes_plot) == "Modes captured (of 25): 14 · robust 6"
    assert _title(panel.scores_plot) == "Quality: HQ 0.18 · rKL 0.90 · W1 1.591"
    line = quality_line(frame)
    assert "modes <b>14</b>/25" in line and "robust <b>6</b>/25" in line and "W1 <b>1.591</b>" in line
    later = dataclasses.replace(frame, modes=dict(now, modes=15))  # a new frame, no new row: the title follows
    panel.show_frame(later)
    assert _title(panel.modes_plot) == "Modes captured (of 25): 15 · robust 6"


def test_the_data_views_numbers_line_keeps_its_height_as_the_numbers_change(qtbot):
    """At 1024 px the line under the data view wrapped for some numbers and not for others ("HQ 9.6 %" fits,
    "HQ 13.6 %" wraps), so the data view above jumped by a line as they changed. The line keeps the height the
    widest numbers need at its width."""
    from PySide6.QtGui import QTextDocument

    from ganviz.ui.run_view import RunView, quality_line

    centres = np.zeros((25, 2))
    short = dataclasses.replace(
        make_frame(5), centres=centres, modes={"modes": 2, "modes_robust": 1, "hq": 0.05, "rkl": 1.0}
    )
    long = dataclasses.replace(
        make_frame(1_234_567),
        centres=centres,
        modes={"modes": 25, "modes_robust": 25, "hq": 1.0, "rkl": 0.0},
        quality=np.array([[1_234_567, 25, 25, 1.0, 0.0, 10.123]]),
    )
    view = RunView()
    qtbot.addWidget(view)
    doc = QTextDocument()
    doc.setDefaultFont(view.numbers.font())
    doc.setDocumentMargin(0)
    doc.setHtml(quality_line(long))
    width = int(doc.idealWidth()) - 20  # the long line wraps, the short one does not
    view.resize(width + 4, 400)
    view.show()
    qtbot.waitExposed(view)
    heights = []
    for frame in (short, long, short):
        view.show_frame(frame)
        qtbot.wait(30)
        heights.append((view.numbers.height(), view.panel.height()))
    assert heights[0] == heights[1] == heights[2], heights
