"""The small-run worker throttles its frames by time and reads its run out as numpy."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from ganviz.core.problems import onedim  # noqa: E402
from ganviz.ui import small_worker  # noqa: E402


def test_running_frames_are_throttled_by_time_and_a_pause_sends_the_last_state(qtbot, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(small_worker.time, "monotonic", lambda: clock[0])
    worker = small_worker._Worker(
        lambda p: onedim.OneDimGan("gaussian", seed=p["seed"], width=8), lambda r: r.step_count
    )
    frames = []
    worker.frame.connect(frames.append)  # direct: the worker lives on this thread here
    worker.reset(1, {"seed": 3})
    assert [f.readout for f in frames] == [0] and frames[0].params["seed"] == 3
    worker.set_steps(2)
    for _ in range(100):  # 100 bursts, 5 ms apart: 0.5 s
        clock[0] += 0.005
        worker._burst()
    shown = [f.readout for f in frames[1:]]
    assert 0.5 * small_worker.MAX_FPS - 2 <= len(shown) <= 0.5 * small_worker.MAX_FPS + 1
    assert shown == sorted(shown) and shown[-1] <= 200
    worker.set_running(False)
    assert frames[-1].readout == 200 and frames[-1].settings.step == 200  # the state it stopped in
    assert frames[-1].generation == 1
