"""Screenshots and recordings: a failed save is one line and a non-zero exit; names and temps as io.py."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QLabel, QWidget  # noqa: E402

import ganviz.ui.app as app_mod  # noqa: E402
import ganviz.ui.main_window  # noqa: E402
from ganviz.core.files.io import _digest  # noqa: E402
from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.export import Recorder, save_screenshot  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class FakeWindow(QLabel):
    """What run_app's --run-for drives, without a trainer process behind it."""

    def __init__(self, config, session) -> None:
        super().__init__("ganviz")
        self.resize(120, 80)
        self.frame = None

    def start(self) -> None:
        pass

    def stop_recording(self) -> None:
        pass


class LoopApp:
    """Stands in for the QApplication in run_window: its event loop is a local one."""

    def __init__(self) -> None:
        self.loop = QEventLoop()

    def exec(self) -> int:
        return self.loop.exec()

    def quit(self) -> None:
        self.loop.quit()


@pytest.fixture
def fake_app(qtbot, monkeypatch):
    monkeypatch.setattr(ganviz.ui.main_window, "MainWindow", FakeWindow)
    monkeypatch.setattr(app_mod, "close_on_sigint", lambda window: None)  # leave this process's SIGINT alone
    # run_window's exec()/quit() on a loop of its own: quitting the tests' QApplication would emit aboutToQuit,
    # on which pyqtgraph tears its scenes down, breaking every later test's plots
    monkeypatch.setattr(app_mod, "qt_application", LoopApp)

    def run(screenshot: str) -> int:
        return app_mod.run_app(TrainConfig(), run_for=0.05, screenshot=screenshot)

    return run


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc: no file can be made")
def test_screenshot_that_cannot_be_saved_exits_non_zero_in_one_line(fake_app, capsys):
    assert fake_app("/proc/ganviz-shot.png") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ganviz: error: --screenshot: cannot write"), err


def test_screenshot_saved(fake_app, tmp_path):
    path = tmp_path / "shot.png"
    assert fake_app(str(path)) == 0
    assert path.read_bytes()[:8] == PNG_MAGIC and [p.name for p in tmp_path.iterdir()] == ["shot.png"]


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_screenshot_through_a_symlink_keeps_the_link(qtbot, tmp_path):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.resize(40, 30)
    target, link = tmp_path / "real.png", tmp_path / "link.png"
    target.write_bytes(b"old")
    link.symlink_to(target)
    save_screenshot(widget, link)
    assert link.is_symlink() and target.read_bytes()[:8] == PNG_MAGIC


def test_killed_saves_leftover_is_removed_by_the_next_save(qtbot, tmp_path):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.resize(40, 30)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)  # that process has exited: its temp is a leftover
    target = tmp_path / "shot.png"
    leftover = tmp_path / f".gvz-{_digest(target.name)}-{dead_pid}-0123abcd.tmp.png"
    leftover.write_bytes(b"x" * (1 << 20))
    save_screenshot(widget, target)
    assert [p.name for p in tmp_path.iterdir()] == ["shot.png"]


def test_recording_to_a_250_character_name(qtbot, tmp_path):
    widget = QLabel("rec")
    qtbot.addWidget(widget)
    widget.resize(40, 30)
    path = tmp_path / ("r" * 246 + ".gif")
    rec = Recorder()
    rec.start(path, fps=10)
    rec.add_frame(widget)
    rec.add_frame(widget)
    assert rec.stop() == path and path.read_bytes()[:3] == b"GIF"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
