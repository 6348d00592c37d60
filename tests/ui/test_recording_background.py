"""A recording is encoded off the GUI thread, so stopping it never freezes the window (issue 13 B18)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

pytest.importorskip("PySide6")

import imageio.v3 as iio  # noqa: E402

from ganviz.core.training.config import TrainConfig  # noqa: E402
from ganviz.ui.export import ExportError, Recorder  # noqa: E402
from ganviz.ui.main_window import MainWindow  # noqa: E402


@pytest.fixture
def encoder_threads(monkeypatch) -> list[str]:
    """Names of the threads that ran the GIF encoder."""
    seen: list[str] = []
    real = iio.imwrite

    def imwrite(*args, **kwargs):
        seen.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(iio, "imwrite", imwrite)
    return seen


def test_stop_in_background_encodes_on_another_thread(qtbot, tmp_path, encoder_threads):
    rec = Recorder()
    rec.start(tmp_path / "run.gif", fps=10)
    frames = [np.full((48, 64, 3), 20 * i, np.uint8) for i in range(5)]
    for f in frames:
        rec.add_frame(f)
    future = rec.stop_in_background()
    assert not rec.recording  # the recorder is free at once; the job owns the frames
    assert future.result(timeout=60) == tmp_path / "run.gif"
    assert encoder_threads and all(name != threading.main_thread().name for name in encoder_threads)
    back = iio.imread(tmp_path / "run.gif", index=None)
    assert back.shape[0] == 5 and np.allclose(back[3, ..., :3], 60, atol=3)
    assert [p.name for p in tmp_path.iterdir()] == ["run.gif"]  # no temporary file left


def test_no_frames_is_an_error_at_once(tmp_path):
    rec = Recorder()
    rec.start(tmp_path / "empty.gif")
    with pytest.raises(ExportError, match="no frames"):
        rec.stop_in_background()
    assert not rec.recording and list(tmp_path.iterdir()) == []


def drawing_window(qtbot) -> MainWindow:
    """A shown main window on a tiny net, its first frame drawn."""
    w = MainWindow(TrainConfig(hidden=16, layers=2, batch=32, seed=6))
    w.confirm = w.confirm_discard = lambda _q: True
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.frame is not None, timeout=60_000)
    return w


def test_the_window_saves_a_recording_without_waiting_for_it(qtbot, tmp_path, encoder_threads):
    w = drawing_window(qtbot)
    path = tmp_path / "view.gif"
    w.start_recording(str(path))
    qtbot.waitUntil(lambda: w.recorder.frames >= 3, timeout=30_000)
    w.record_action.trigger()  # File → Record data view, off
    assert w.statusBar().currentMessage().startswith("Saving the recording")
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == f"Recording saved to {path}", timeout=60_000)
    assert path.exists() and iio.imread(path, index=None).shape[0] >= 1  # pillow merges identical frames
    assert encoder_threads and threading.main_thread().name not in encoder_threads
    w.close()


def test_a_gif_recording_stops_itself_at_its_frame_limit_and_is_written(qtbot, tmp_path, monkeypatch):
    """A GIF's frames wait in memory (~1 MB each for the data view) until it is written: a recording left on
    grew without bound. It now stops at GIF_MAX_FRAMES, writes its file and says why; add_frame past the limit is
    refused; an MP4 (streamed to ffmpeg) has no limit."""
    from PySide6.QtWidgets import QLabel

    from ganviz.ui import export

    monkeypatch.setattr(export, "GIF_MAX_FRAMES", 4)
    label = QLabel("frame")
    qtbot.addWidget(label)
    label.resize(64, 48)
    rec, told = Recorder(), []
    rec.on_full = lambda: told.append(rec.frames)
    rec.start(tmp_path / "run.gif", fps=100, widget=label)
    qtbot.waitUntil(lambda: bool(told), timeout=10_000)
    assert told == [4] and rec.full and rec._timer is None  # stopped taking frames at the limit
    with pytest.raises(ExportError, match=r"at most 4 frames; record to \.mp4 for longer"):
        rec.add_frame(np.zeros((48, 64, 3), np.uint8))
    assert rec.stop() == tmp_path / "run.gif"
    rec.start(tmp_path / "run.mp4", fps=10)
    for i in range(6):
        rec.add_frame(np.full((48, 64, 3), 30 * i, np.uint8))
    assert not rec.full and rec.stop() == tmp_path / "run.mp4"


def test_the_window_writes_a_full_gif_recording_and_says_why_it_stopped(qtbot, tmp_path, monkeypatch):
    from ganviz.ui import export

    monkeypatch.setattr(export, "GIF_MAX_FRAMES", 3)  # the window's message reads the limit from its recorder
    w = drawing_window(qtbot)
    path = tmp_path / "view.gif"
    said: list[str] = []
    w.statusBar().messageChanged.connect(said.append)
    w.start_recording(str(path))
    qtbot.waitUntil(lambda: not w.recorder.recording, timeout=30_000)
    assert not w.record_action.isChecked()
    why = "(a GIF recording holds at most 3 frames, 0 s of video"
    assert any(why in m and "record to .mp4 for longer" in m for m in said)
    qtbot.waitUntil(lambda: f"Recording saved to {path}" in said, timeout=60_000)
    assert path.exists()
    w.close()
