"""Layout at small screens (1024 × 700, 1280 × 720): every visible plot big enough to read and none over another,
in the main window and in the compare window with 2, 3 and 4 runs (it refuses 1: CompareError, see
test_compare_window). Sizes are each plot's data area (its ViewBox), mapped into window pixels."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QRect, QSize  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from ui_helpers import TINY, frame_where  # noqa: E402

from ganviz.core.runs.compare import run_config  # noqa: E402

SIZES = [(1024, 700), (1280, 720)]
MIN_W, MIN_H = 200, 120
BASE = TINY.replace(dataset="grid25", batch=64)
OBJECTIVES = ("nonsaturating", "wgan-gp", "hinge", "lsgan")


def plot_rects(window) -> list[tuple[str, QRect]]:
    """(title, rectangle in window pixels) of the data area of every visible pyqtgraph plot (colour bars, which
    are narrow plots by design, left out), clipped to the part of its view that shows."""
    found = []
    for view in window.findChildren(pg.GraphicsView):
        if not view.isVisible():
            continue
        port = view.viewport()
        shown = QRect(port.mapTo(window, port.rect().topLeft()), port.size())
        for item in view.scene().items():
            if isinstance(item, pg.PlotItem) and not isinstance(item, pg.ColorBarItem) and item.isVisible():
                r = view.mapFromScene(item.getViewBox().sceneBoundingRect()).boundingRect()
                r.moveTopLeft(port.mapTo(window, r.topLeft()))
                r = r.intersected(shown).intersected(window.rect())
                if not r.isEmpty():  # Qt parks a dock's hidden tabs outside the window, still "visible"
                    found.append((item.titleLabel.text or type(view).__name__, r))
    return found


def laid_out(qtbot, window, size: tuple[int, int]) -> list[tuple[str, QRect]]:
    """Resize, show, wait until exposed and until the plots stop moving; their rectangles."""
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.size() == QSize(*size), timeout=10_000)
    last = []

    def stable():
        QApplication.processEvents()
        now = [(t, r.getRect()) for t, r in plot_rects(window)]
        settled = now == last[-1] if last else False
        last.append(now)
        assert settled

    qtbot.waitUntil(stable, timeout=10_000)
    return plot_rects(window)


def overlaps(rects: list[tuple[str, QRect]]) -> list[str]:
    return [
        f"{a} {ra.getRect()} overlaps {b} {rb.getRect()}"
        for i, (a, ra) in enumerate(rects)
        for b, rb in rects[i + 1 :]
        if ra.intersects(rb)
    ]


def too_small(rects: list[tuple[str, QRect]], size) -> list[str]:
    return [
        f"{size[0]}×{size[1]}: {t!r} {r.width()}×{r.height()}"
        for t, r in rects
        if r.width() < MIN_W or r.height() < MIN_H
    ]


def compare_window(make_compare_window, n: int):
    return make_compare_window(BASE, [run_config(BASE, o) for o in OBJECTIVES[:n]])


@pytest.mark.parametrize("size", SIZES)
def test_main_window_plots_lie_inside_it_side_by_side(qtbot, window, size):
    frame_where(qtbot, window, lambda f: True)  # titles and axes as they are once something is drawn
    rects = laid_out(qtbot, window, size)
    titles = {t for t, _ in rects}
    assert {"Samples and decision surface", "Losses"} <= titles  # Quality is a tab away at these widths
    assert not overlaps(rects)
    assert all(window.rect().contains(r) for _, r in rects)


def test_main_window_plots_are_big_enough(qtbot, window):
    frame_where(qtbot, window, lambda f: True)
    small = [s for size in SIZES for s in too_small(laid_out(qtbot, window, size), size)]
    for dock in (window.quality_dock, window.modes_dock):  # the other tabs
        dock.raise_()
        small += [s for size in SIZES for s in too_small(laid_out(qtbot, window, size), size)]
    assert not small, "; ".join(small)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_compare_grid_columns_and_no_overlap(qtbot, make_compare_window, n):
    w = compare_window(make_compare_window, n)
    qtbot.waitUntil(lambda: w.bundle is not None, timeout=60_000)
    grid = w.views[0].parentWidget().layout()
    columns = 2 if n == 4 else n  # four runs in a 2 × 2 grid, fewer in one row
    cells = [grid.getItemPosition(grid.indexOf(v))[:2] for v in w.views]
    assert cells == [(i // columns, i % columns) for i in range(n)]
    assert grid.columnCount() == columns
    for size in SIZES:
        rects = laid_out(qtbot, w, size)
        assert len(rects) == n + 2  # a data view per run, then the shared modes and W1 plots
        assert not overlaps(rects), size
        assert all(w.rect().contains(r) for _, r in rects)
        by_title = dict(rects)
        x = [by_title[v.title].x() for v in w.views]
        y = [by_title[v.title].y() for v in w.views]
        for i in range(n):  # left to right, then top to bottom, as the grid says
            row, col = cells[i]
            same_row = [j for j in range(n) if cells[j][0] == row and cells[j][1] > col]
            assert all(x[j] > x[i] for j in same_row)
            assert all(y[j] > y[i] for j in range(n) if cells[j][0] > row)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_compare_plots_are_big_enough(qtbot, make_compare_window, n):
    w = compare_window(make_compare_window, n)
    qtbot.waitUntil(lambda: w.bundle is not None, timeout=60_000)
    small = [s for size in SIZES for s in too_small(laid_out(qtbot, w, size), size)]
    assert not small, "; ".join(small)


def overflowing(window) -> list[str]:
    """Plot views whose contents were laid out wider or taller than the view shows: Qt clips such a scene at
    the view's edge (an axis, the newest data or a legend entry cut off) instead of shrinking it."""
    found = []
    for view in window.findChildren(pg.GraphicsLayoutWidget):
        if not view.isVisible() or view.window() is not window:
            continue
        laid, port = view.ci.geometry(), view.viewport().size()
        if laid.width() > port.width() + 1 or laid.height() > port.height() + 1:
            name = view.objectName() or type(view).__name__
            found.append(f"{name}: {laid.width():.0f}×{laid.height():.0f} in {port.width()}×{port.height()}")
    return found


@pytest.mark.parametrize("objective", ["nonsaturating", "wgan-gp"])
def test_no_plot_is_cut_off_at_1024_by_700(qtbot, make_main_window, objective):
    """WGAN's longer legend entries (the critic's level line, the critic estimate) once made the data view and
    the loss plots wider than their room at 1024 × 700: their right edges were cut off."""
    window = make_main_window(TINY.replace(objective=objective, n_critic=None).resolved())
    frame_where(qtbot, window, lambda f: f.objective == objective)  # the objective's own labels drawn
    laid_out(qtbot, window, (1024, 700))
    assert not overflowing(window), overflowing(window)
    window.arrows_action.trigger()  # a fifth legend entry, with its scale: "−∇ₓ L_G × 0.123"
    frame_where(qtbot, window, lambda f: f.arrows is not None)
    laid_out(qtbot, window, (1024, 700))
    assert not overflowing(window), overflowing(window)


def squeezed_rows(window) -> list[str]:
    """Rows of a visible panel's vertical layout laid over each other: a dock shorter than its panel's minimum
    makes Qt place the next row on top of the one above (the latent view's "z1" label under its "pad axes" row)."""
    from PySide6.QtWidgets import QBoxLayout, QWidget

    found = []
    for widget in window.findChildren(QWidget):
        layout = widget.layout()
        if not widget.isVisible() or not isinstance(layout, QBoxLayout):
            continue
        if layout.direction() not in (QBoxLayout.TopToBottom, QBoxLayout.BottomToTop):
            continue
        items = [layout.itemAt(i) for i in range(layout.count())]
        rows = [item.geometry() for item in items if not item.isEmpty()]  # a hidden widget's row is empty
        rows = sorted((r for r in rows if r.height() > 0), key=lambda r: r.top())
        for above, below in zip(rows, rows[1:]):
            if below.top() <= above.bottom() - 1:  # QRect.bottom() is the last pixel row: one shared row is fine
                name = widget.objectName() or type(widget).__name__
                found.append(f"{name}: a row at y={below.top()} over one ending at y={above.bottom()}")
    return found


@pytest.mark.parametrize("size", [*SIZES, (1600, 1000)])
def test_no_panel_lays_its_rows_over_each_other(qtbot, make_main_window, size):
    window = make_main_window()
    frame_where(qtbot, window, lambda f: f.step >= 0)
    laid_out(qtbot, window, size)
    assert not squeezed_rows(window), squeezed_rows(window)


def test_the_quality_titles_fit_at_1024_by_700_with_their_widest_numbers(qtbot, make_main_window):
    """On the 5×5 grid at 1024 × 700, "Sample quality: HQ 0.33 · rKL 1.20 · W1 1.591" ran past the dock's
    right edge: the quality plots were laid out wider than their view and cut off."""
    import dataclasses

    import numpy as np

    window = make_main_window(BASE)
    frame = frame_where(qtbot, window, lambda f: f.centres is not None and len(f.centres) == 25)
    laid_out(qtbot, window, (1024, 700))
    window.docks["quality"].raise_()  # its tab brought forward
    widest = np.array([[frame.step, 25, 25, 0.999, 3.219, 12.345]])  # step, modes, robust, HQ, rKL, W1
    modes = dict(frame.modes, modes=25, modes_robust=25, hq=0.999, rkl=3.219)
    window.quality_panel.show_frame(dataclasses.replace(frame, quality=widest, modes=modes))
    laid_out(qtbot, window, (1024, 700))
    assert window.quality_panel.isVisible()
    assert not overflowing(window), overflowing(window)


@pytest.mark.parametrize("n", [2, 4])
def test_no_compare_plot_is_cut_off(qtbot, make_compare_window, n):
    """At 1024 × 700 with four runs on the 5×5 grid, "Robust modes (≥ 20 HQ samples, of 25)" and the step axis
    under it ran past the window's right edge: the shared plots were laid out wider than their column."""
    w = compare_window(make_compare_window, n)
    qtbot.waitUntil(lambda: w.bundle is not None and w.plot is not None, timeout=60_000)
    for size in SIZES:
        laid_out(qtbot, w, size)
        assert not overflowing(w), (size, overflowing(w))


def test_the_data_views_of_a_compare_row_line_up(qtbot, make_compare_window):
    """With four runs at 1024 × 700, WGAN-GP's details ("adam · lr G 0.0001 / D 0.0001 · 5 D steps per G step ·
    λ 0.1") took two lines beside GAN's one, so its data view sat lower and shorter than its neighbour's."""
    w = compare_window(make_compare_window, 4)
    qtbot.waitUntil(lambda: w.bundle is not None, timeout=60_000)
    laid_out(qtbot, w, (1024, 700))
    a, b = w.views[0], w.views[1]  # GAN and WGAN-GP, one row
    from ganviz.ui.run_view import text_height

    line = a.details.fontMetrics().lineSpacing()
    assert text_height(a.details, a.details.text()) < 1.5 * line < text_height(b.details, b.details.text())
    qtbot.waitUntil(lambda: a.panel.geometry() == b.panel.geometry(), timeout=5_000)
