"""Polling for the core tests that talk to a trainer process (imported by name, as sweep_jobs is)."""

from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    """predicate()'s first truthy value, polling; fails after `timeout` seconds (generous: the CI box is slow)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
