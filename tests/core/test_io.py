"""Atomic writes: what they replace, what they keep, the names they use and what they clean up."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import ganviz.core.files.io as io_mod
from ganviz.core.files.io import check_writable, clean_stale_temps, commit_temp, temp_beside, write_atomic

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes, FIFOs and devices")


def put(text: str):
    return lambda f: f.write(text.encode())


def others(folder: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.fixture
def umask():
    """Set a umask for the test, restoring the old one after."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


# --- what is replaced ------------------------------------------------------------------------------


@posix_only
def test_symlink_stays_a_link_and_its_target_gets_the_content(tmp_path):
    real_dir, link_dir = tmp_path / "real", tmp_path / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    target = real_dir / "data.json"
    target.write_text("old")
    link = link_dir / "out.json"
    link.symlink_to(target)
    write_atomic(link, put("new"))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert others(real_dir) == ["data.json"] and others(link_dir) == ["out.json"]


@posix_only
def test_dangling_symlink_creates_its_target(tmp_path):
    target, link = tmp_path / "made.json", tmp_path / "link.json"
    link.symlink_to(target)
    write_atomic(link, put("x"))
    assert link.is_symlink() and target.read_text() == "x"


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_existing_file_keeps_its_mode(tmp_path, umask, mode):
    umask(0o077)  # a new file would get 0o600: the old mode must come from the file, not the umask
    path = tmp_path / "out.json"
    path.write_text("old")
    path.chmod(mode)
    write_atomic(path, put("new"))
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == mode


@posix_only
@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_new_file_follows_the_umask(tmp_path, umask, mask):
    umask(mask)
    path = tmp_path / "new.json"
    write_atomic(path, put("x"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


@posix_only
def test_fifo_is_written_in_place_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    # a daemon: if the FIFO were replaced, this reader would wait on the old one forever
    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    write_atomic(fifo, put("metrics"))
    thread.join(timeout=30)
    assert not thread.is_alive() and got == [b"metrics"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert others(tmp_path) == ["pipe"]


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_dev_null_stays_a_device(monkeypatch):
    real_replace = os.replace

    def guarded(src, dst, *args, **kwargs):  # never let a broken write_atomic replace the real /dev/null
        if os.path.realpath(dst) == "/dev/null":
            os.unlink(src)
            raise AssertionError("/dev/null would have been replaced")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", guarded)
    write_atomic("/dev/null", put("{}"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert check_writable("/dev/null") is None


@posix_only
def test_temp_for_a_fifo_is_copied_into_it(tmp_path):
    """The Qt / imageio writers' route (temp_beside + commit_temp) treats a FIFO as write_atomic does."""
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    thread.start()
    tmp = temp_beside(fifo, ".png")
    assert Path(tmp).parent != tmp_path  # never a temp in a device's folder
    Path(tmp).write_bytes(b"png bytes")
    commit_temp(tmp, fifo)
    thread.join(timeout=30)
    assert got == [b"png bytes"] and stat.S_ISFIFO(os.lstat(fifo).st_mode) and not Path(tmp).exists()


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [242, 250, 255])
def test_long_names_up_to_the_limit_work(tmp_path, length):
    path = tmp_path / ("n" * (length - 5) + ".json")
    assert len(path.name) == length
    assert check_writable(path) is None
    write_atomic(path, put("x"))
    assert path.read_text() == "x" and others(tmp_path) == [path.name]


def test_too_long_a_name_is_refused_in_one_line(tmp_path):
    reason = check_writable(tmp_path / ("n" * 300 + ".json"))
    assert reason and "305 bytes" in reason and "\n" not in reason


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and os.path.isdir("/proc/self")), reason="Linux /proc: no file can be made"
)
def test_folder_that_cannot_take_files_is_refused():
    # /proc passes an access() check as root, yet no file can be created in it
    reason = check_writable("/proc/ganviz-check.json")
    assert reason and "not writable" in reason and "\n" not in reason


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to read-only folders")
def test_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert "not writable" in check_writable(folder / "out.json")
    finally:
        folder.chmod(0o700)


def test_check_leaves_nothing_behind(tmp_path):
    assert check_writable(tmp_path / "out.json") is None
    assert others(tmp_path) == []


# --- stale temps ---------------------------------------------------------------------------------

KILLED_WRITER = """
import sys, time
from ganviz.core.files.io import write_atomic
def write(f):
    f.write(b"x" * (3 << 20)); f.flush()
    print("ready", flush=True)
    time.sleep(600)
write_atomic(sys.argv[1], write)
"""


@posix_only
def test_temp_of_a_killed_writer_is_removed_by_the_next_save(tmp_path):
    target = tmp_path / "out.npy"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(io_mod.__file__).parents[3]), *sys.path])}
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, env=env)
    try:
        assert child.stdout.readline().strip() == b"ready"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    left = others(tmp_path)
    assert len(left) == 1 and (tmp_path / left[0]).stat().st_size >= 3 << 20  # the multi-MB leftover
    # not ganviz's, or another target's, or a live writer's (this process): kept
    strangers = ["out.npy.tmp", ".out.npy.abc.tmp", ".gvz-notours.tmp"]
    for name in strangers:
        (tmp_path / name).write_text("keep")
    other_target = temp_beside(tmp_path / "other.npy")
    live = temp_beside(target)
    write_atomic(target, put("new"))
    assert target.read_text() == "new"
    assert others(tmp_path, "out.npy") == sorted([*strangers, Path(other_target).name, Path(live).name])


def test_old_temp_of_a_live_pid_is_removed(tmp_path, monkeypatch):
    """A pid can be reused: a temp untouched for STALE_SECONDS is a leftover even if its pid runs."""
    target = tmp_path / "out.json"
    tmp = Path(temp_beside(target))
    old = time.time() - io_mod.STALE_SECONDS - 5
    os.utime(tmp, (old, old))
    assert clean_stale_temps(target) == [tmp]
    assert others(tmp_path) == []
