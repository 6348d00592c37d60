"""Stand-ins for run_job in sweep tests, in a module of their own so that spawned worker processes import it
cheaply (pickle names it; pytest's rootdir is on sys.path, which the spawn start method passes on). Each
returns a small fake row at once instead of training, and leaves files in `where` to say what happened."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from ganviz.core.runs.sweep import Job


def _row(job: Job) -> dict:
    return {"modes": job.index, "modes_robust": job.index, "hq": 0.5, "steps": job.steps, "pid": os.getpid()}


def _note(path: Path, text: str) -> None:
    """Write a note whole or not at all (a temp file renamed): a test that sees the file can read its text. A
    plain write_text let a test read an empty started-N when the worker was stopped between create and write."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def kill_worker(where: Path, victim: int, times: int, job: Job, pause: float = 0.0) -> dict:
    """Job `victim` SIGKILLs its own worker process the first `times` times it runs (the pid of each killed
    worker goes into where/killed-N); job `victim` + 1 fails with a ValueError; the others take `pause` s."""
    if job.index not in (victim, victim + 1):
        time.sleep(pause)
    if job.index == victim:
        killed = sorted(where.glob("killed-*"))
        if len(killed) < times:
            _note(where / f"killed-{len(killed)}", str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
    if job.index == victim + 1:
        raise ValueError("this job's settings\nare bad")
    return _row(job)


def sleep_unless_first(where: Path, job: Job) -> dict:
    """Job 0 returns at once; the others note that they started, sleep 20 s and note that they finished."""
    if job.index > 0:
        _note(where / f"started-{job.index}", str(os.getpid()))
        time.sleep(20)
        (where / f"finished-{job.index}").write_text("")
    return _row(job)


def quick(job: Job) -> dict:
    return _row(job)
