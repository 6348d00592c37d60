"""Inputs that never end or never come (/dev/zero, a FIFO): refused at once in one line, in a real process
with a time limit and a memory limit, so that a regression fails this test instead of hanging the run or
filling the machine's memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    os.name != "posix" or not os.path.exists("/dev/zero"), reason="POSIX FIFOs and /dev/zero"
)

CHILD = """
import contextlib, io, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # reading /dev/zero whole must fail, not swap
from ganviz.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code
    results.append([rc, err.getvalue()])
print(json.dumps(results))
"""


def test_devices_and_fifos_are_refused_at_once(tmp_path, child_env):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    csv = tmp_path / "big.csv"
    csv.write_text("x,y\n1,2\n1e39,3\n4,5\n")
    train = ["train", "--steps", "1", "--hidden", "16", "--layers", "2", "--batch", "32", "--quiet"]
    cases = {
        "load-fifo": ([*train, "--load", str(fifo)], "device, FIFO or socket"),
        "load-zero": ([*train, "--load", "/dev/zero"], "device, FIFO or socket"),
        "csv-fifo": ([*train, "--dataset", f"csv:{fifo}"], "device, FIFO or socket"),
        "csv-zero": ([*train, "--dataset", "csv:/dev/zero"], "device, FIFO or socket"),
        "csv-1e39": ([*train, "--dataset", f"csv:{csv}"], "line 3, column 1: 1e+39 is too large"),
    }
    r = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([argv for argv, _ in cases.values()])],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=240,  # a FIFO read would block for ever
    )
    assert r.returncode == 0, r.stderr[-2000:]
    for (name, (_, expected)), (rc, err) in zip(cases.items(), json.loads(r.stdout)):
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and expected in lines[0], (name, err)
    assert stat_is_fifo(fifo)


def stat_is_fifo(path) -> bool:
    import stat

    return stat.S_ISFIFO(os.lstat(path).st_mode)
