"""Help → Getting started, the first-run hint, and hats that stay on their letters (issue 13 B15)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QImage, QPainter, QTextDocument  # noqa: E402
from PySide6.QtWidgets import QTextBrowser  # noqa: E402

from ganviz.core.runs.commands import Step
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.help_pages import REMEDY_NOTES, VIEWS, objective_page, remedy_page, with_hats  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402


def hat_and_letter(html: str) -> tuple[float, float, float]:
    """Render `html` (low letters around one hatted x); the x's left and right edge and the hat's centre."""
    doc = QTextDocument()
    doc.setHtml(html)
    doc.setTextWidth(600)
    img = QImage(600, 60, QImage.Format_Grayscale8)
    img.fill(255)
    painter = QPainter(img)
    doc.drawContents(painter)
    painter.end()
    ink = np.frombuffer(img.constBits(), np.uint8).reshape(60, img.bytesPerLine())[:, :600] < 128
    line = doc.begin().layout().lineAt(0)
    i = doc.toPlainText().index("x")
    left, right = line.cursorToX(i)[0], line.cursorToX(i + 2)[0]
    o_top = np.where(ink[:, : int(line.cursorToX(5)[0])].any(axis=1))[0].min()  # top of the plain "ooooo"
    hat_cols = np.where(ink[:o_top].any(axis=0))[0]  # only the hat reaches above the low letters
    assert len(hat_cols), "the hat was not drawn above its letter"
    return left, right, (hat_cols.min() + hat_cols.max()) / 2


def test_a_hat_sits_on_its_own_letter(qtbot):
    left, right, centre = hat_and_letter(with_hats("ooooo x\u0302 ooooo"))
    assert left - 1 <= centre <= right + 1


def test_help_pages_set_their_hats_with_with_hats():
    page = objective_page("wgan-gp")
    assert 'font-family: monospace">x\u0302</span>' in page and "\u0302" not in page.replace(
        'font-family: monospace">x\u0302</span>', ""
    )


def test_every_registered_remedy_has_a_help_page_from_the_registry():
    import html

    from ganviz.core.training.remedies import REMEDIES

    assert set(REMEDY_NOTES) == set(REMEDIES)  # a remedy registered without notes, or notes left behind
    for name in REMEDIES:
        r = REMEDIES.get(name)
        page = remedy_page(name)
        for part in (r.label, r.source, r.flag, *REMEDY_NOTES[name]):
            assert html.escape(part) in page, (name, part)
        assert html.escape(r.formula) in page.replace('<span style="font-family: monospace">', "").replace(
            "</span>", ""
        )


@pytest.mark.parametrize(("update", "r500"), [("sim", "3.10"), ("extragradient", "0.12"), ("optimistic", "0.12")])
def test_the_remedy_pages_dirac_figures_are_simulates(update, r500):
    from ganviz.core.problems import dirac

    text = " ".join(REMEDY_NOTES["extragradient"] + REMEDY_NOTES["optimistic-adam"])
    assert f"r₅₀₀ = {r500}" in text or update == "sim"
    assert f"{dirac.simulate('minimax', update, steps=500, lr=0.2).r_final:.2f}" == r500


@pytest.fixture
def window(qtbot):
    w = MainWindow(TrainConfig(hidden=16, layers=2, batch=32, seed=3))
    w.confirm = w.confirm_discard = lambda _q: True
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def test_getting_started_names_every_view_and_the_windows_own_keys(qtbot, window):
    f1 = [a for a in window.findChildren(type(window.start_action)) if a.shortcut().toString() == "F1"]
    assert len(f1) == 1
    f1[0].trigger()
    dialog = window._getting_started
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    text = dialog.findChild(QTextBrowser).toPlainText()
    for name, _, _ in VIEWS:
        assert name in text
    assert "Space" in text and "Ctrl+R" in text and "Reset" in text
    assert window.show_getting_started() is dialog  # one page, raised again


def test_getting_started_shows_a_picture_of_each_view_taken_from_the_window(qtbot, window):
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    from ganviz.ui.help_pages import picture_url

    qtbot.waitUntil(lambda: window.frame is not None, timeout=60_000)
    window.docks["quality"].hide()  # off screen: no picture (a hidden panel has no layout to draw)
    page = window.show_getting_started().findChild(QTextBrowser)
    html = page.toHtml()
    on_screen = {"Data view (centre)", "Losses (right)", "Latent space (left)", "Timeline (bottom)"}
    assert f'src="{picture_url("Quality (right, or its tab)")}"' not in html
    for name, _, _ in VIEWS:  # each view on screen has its picture, drawn from the window
        url = picture_url(name)
        if name in on_screen:
            assert f'src="{url}"' in html, name
            image = page.document().resource(QTextDocument.ImageResource, QUrl(url))
            assert image is not None and not image.isNull() and image.width() > 100, name
    # the data view's picture is the data view: its colours include the real samples' orange and the surface
    data = page.document().resource(QTextDocument.ImageResource, QUrl(picture_url(VIEWS[0][0])))
    colours = {data.pixelColor(x, y).name() for x in range(0, data.width(), 7) for y in range(0, data.height(), 7)}
    assert len(colours) > 50


def test_the_start_hint_shows_until_training_starts(qtbot, window):
    qtbot.waitUntil(lambda: window.frame is not None, timeout=60_000)
    assert window.start_hint.isVisible() and "Space" in window.start_hint.text()
    window.send(Step(2))
    qtbot.waitUntil(lambda: window.frame.step >= 2, timeout=120_000)  # a spawned trainer starts slowly when busy
    assert not window.start_hint.isVisible()
