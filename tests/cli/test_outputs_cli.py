"""Output files of `ganviz train` and the window's --run-for: checked before any work, written safely."""

from __future__ import annotations

import json
import os
import stat
import sys

import numpy as np
import pytest
from cli_helpers import TINY, run_main

linux_proc = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and os.path.isdir("/proc/self")), reason="Linux /proc: no file can be made"
)


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def no_training(monkeypatch):
    import ganviz.core.training.trainer

    def refuse(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(ganviz.core.training.trainer.Trainer, "__init__", refuse)


@linux_proc
@pytest.mark.parametrize("flag", ["--metrics-out", "--samples-out", "--save"])
def test_unwritable_output_folder_fails_before_training(flag, tmp_path, capsys, no_training):
    # /proc passes a permission check as root, yet takes no new file: only trying finds that out
    out = tmp_path / "ok.npy"
    rc = run_main(["train", *TINY, "--steps", "3", "--samples-out", str(out), flag, "/proc/ganviz-out.json"])
    line = one_line_error(capsys)
    assert rc == 2 and flag in line and "not writable" in line
    assert list(tmp_path.iterdir()) == []


def test_too_long_an_output_name_fails_before_training(tmp_path, capsys, no_training):
    rc = run_main(["train", *TINY, "--steps", "3", "--metrics-out", str(tmp_path / ("m" * 256))])
    line = one_line_error(capsys)
    assert rc == 2 and "--metrics-out" in line and "256 bytes" in line


def test_output_names_of_250_characters_work(tmp_path):
    names = (("s", ".npy"), ("m", ".json"), ("g", ".gvz"))
    samples, metrics, session = (tmp_path / (c * (250 - len(ext)) + ext) for c, ext in names)
    argv = ["train", *TINY, "--steps", "3", "--samples-out", str(samples), "--metrics-out", str(metrics)]
    assert run_main([*argv, "--save", str(session)]) == 0
    assert np.load(samples).shape == (2500, 2) and json.loads(metrics.read_text())["steps"] == 3
    assert session.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (samples, metrics, session))


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_metrics_to_dev_null_leave_it_a_device(tmp_path, monkeypatch):
    real_replace = os.replace

    def guarded(src, dst, *args, **kwargs):  # a broken write must fail the test, not replace /dev/null
        if os.path.realpath(dst) == "/dev/null":
            os.unlink(src)
            raise AssertionError("/dev/null would have been replaced")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", guarded)
    assert run_main(["train", *TINY, "--steps", "2", "--metrics-out", "/dev/null", "--samples-out", "/dev/null"]) == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@linux_proc
@pytest.mark.parametrize("flag", ["--screenshot", "--stats-json", "--record"])
def test_window_outputs_are_checked_before_the_window(flag, capsys, monkeypatch):
    import ganviz.ui.app

    def no_window(*args, **kwargs):
        raise AssertionError("the window opened")

    monkeypatch.setattr(ganviz.ui.app, "run_app", no_window)
    path = "/proc/ganviz-out.gif" if flag == "--record" else "/proc/ganviz-out.png"
    assert run_main(["--run-for", "1", flag, path]) == 2
    line = one_line_error(capsys)
    assert flag in line and "not writable" in line


def test_write_that_fails_after_training_is_one_line_exit_1(tmp_path, capsys, monkeypatch):
    import ganviz.core.files.io

    def disk_full(path, write):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ganviz.core.files.io, "write_atomic", disk_full)
    metrics = tmp_path / "m.json"
    assert run_main(["train", *TINY, "--steps", "2", "--metrics-out", str(metrics)]) == 1
    line = one_line_error(capsys)
    assert line == f"ganviz train: error: cannot write {str(metrics)!r}: No space left on device"
