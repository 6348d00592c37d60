"""A sweep on an existing Dask distributed cluster: the scheduler's address checked, connecting, running.

Kept apart from ganviz.core.runs.sweep (and torch) so that a malformed --scheduler is refused at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ganviz.core.runs.sweep import Job, Report

DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
CONNECT_TIMEOUT = 10.0


def check_scheduler_address(address: str) -> str:
    """`address` when it has a form a Dask client takes (SCHEME://HOST:PORT, or HOST:PORT meaning tcp), else
    ValueError saying what is allowed: checked before connecting, which would otherwise retry a nonsense
    address until its timeout and then print a traceback."""
    from urllib.parse import urlsplit

    allowed = f"give SCHEME://HOST:PORT with SCHEME one of {', '.join(DASK_SCHEMES)} (or HOST:PORT for tcp)"
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in DASK_SCHEMES or not parts.hostname or port is None or parts.path or parts.query:
        raise ValueError(f"{address!r} is not a Dask scheduler address; {allowed}, e.g. tcp://10.0.0.5:8786")
    return address


def connect_dask(address: str, timeout: float = CONNECT_TIMEOUT):
    """A dask.distributed Client for the scheduler at `address`; ConnectionError (one line) when the address
    is malformed, it cannot be reached within `timeout` seconds, or dask is missing."""
    try:
        check_scheduler_address(address)
    except ValueError as e:
        raise ConnectionError(str(e)) from None
    try:
        from dask.distributed import Client
    except ImportError as e:
        raise ConnectionError(f"--scheduler needs dask[distributed] ({e})") from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except Exception as e:  # OSError, TimeoutError, or whatever the comm layer raises: one line, not a trace
        raise ConnectionError(
            f"cannot connect to the Dask scheduler at {address} within {timeout:g} s: {' '.join(str(e).split())}"
        ) from None


def run_dask(
    jobs: list[Job],
    client,
    report: Report | None = None,
    note: Callable[[str], None] | None = None,
    note_every: float = 10.0,
    fn: Callable[[Job], dict] | None = None,
) -> dict[int, dict]:
    """Every job, `fn(job)`, on a Dask distributed cluster through `client` (closed at the end); results by
    job index.

    While runs are pending and the scheduler has no worker, `note` gets a line saying so, at most every
    `note_every` seconds: a cluster whose workers are gone would otherwise wait in silence. On any exception
    out of here the pending runs are cancelled on the cluster.
    """
    from dask.distributed import as_completed

    from ganviz.core.runs.sweep import _result, run_job

    fn = fn or run_job
    results: dict[int, dict] = {}
    try:
        futures = [client.submit(fn, job, pure=False) for job in jobs]
        by_key = {f.key: job for f, job in zip(futures, jobs)}
        try:
            pending = as_completed(futures, loop=client.loop)
            last_note = -math.inf
            while not pending.is_empty():
                batch = pending.next_batch(block=False)
                for future in batch:
                    job = by_key[future.key]
                    results[job.index] = _result(future.exception, future.result, job)
                    if report:
                        report(job, results[job.index], len(results), len(jobs))
                if batch:
                    continue
                now = time.monotonic()
                if note and now - last_note >= note_every and not client.scheduler_info()["workers"]:
                    note(f"waiting: the Dask scheduler has no worker ({len(jobs) - len(results)} runs to go)")
                    last_note = now
                time.sleep(0.1)  # as_completed offers no wait with a timeout that leaves the iterator usable
        except BaseException:
            client.cancel(futures)
            raise
    finally:
        client.close()
    return results
