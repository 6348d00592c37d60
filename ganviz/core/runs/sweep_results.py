"""A sweep's results.csv kept current while it runs, and read back to resume it.

Every finished run rewrites the whole file atomically (ganviz.core.files.io.write_atomic: a temporary file, fsync,
rename), so whatever stops the sweep — Ctrl+C, SIGTERM, a power cut — leaves either the previous complete
file or the new one, never a torn one. The file holds the finished runs only, in grid order.

Resuming matches rows to runs by `config_id` (Job.key: a hash of the run's whole config and length), not by
row number, so a grid that gained values (more seeds, another learning rate) reuses every run it still holds.
Rows with an error are run again. A file with rows that match no run of the spec (its [base] or a grid value
changed, or the file is not a sweep's) is refused rather than overwritten: those runs would be lost.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ganviz.core.files.io import write_atomic
from ganviz.core.runs.sweep import METRICS, Spec, SpecError, csv_text, rows

NUMBERS = (*METRICS, "wall_s", "steps_per_s", "steps", "diverged_at", "seed")


class ResultsFile:
    """results.csv in `out`, rewritten atomically with every run that finishes."""

    def __init__(self, out: Path, spec: Spec, results: dict[int, dict] | None = None) -> None:
        self.out, self.spec = out, spec
        self.path = out / "results.csv"
        self.results: dict[int, dict] = dict(results or {})

    def add(self, index: int, result: dict) -> None:
        self.results[index] = result
        self.write()

    def write(self) -> None:
        done = [row for row in rows(self.spec, self.results) if row["run"] in self.results]
        self.out.mkdir(parents=True, exist_ok=True)
        text = csv_text(self.spec, done).encode()
        write_atomic(self.path, lambda f: f.write(text))


def _number(text: str) -> int | float | None:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


def load_previous(path: Path, spec: Spec) -> dict[int, dict]:
    """The finished, error-free runs of `spec` found in a results.csv: job index -> its result (as run_job
    returns it). SpecError (one line) when the file cannot be read or holds rows of runs not in `spec`."""
    why = "move it away or pick another --out to start over, or give the spec that wrote it"
    try:
        with open(path, newline="", encoding="utf-8") as f:
            table = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise SpecError(f"cannot resume from {path}: {' '.join(str(e).split())}") from None
    if table and "config_id" not in table[0]:
        raise SpecError(f"cannot resume from {path}: it has no config_id column (not a sweep's, or older); {why}")
    free: dict[str, list[int]] = {}
    for job in spec.jobs:
        free.setdefault(job.key, []).append(job.index)
    found: dict[int, dict] = {}
    strangers = 0
    for line, row in enumerate(table, start=2):
        indices = free.get(row.get("config_id") or "")
        if not indices:
            strangers += 1
            continue
        if row.get("error"):
            continue  # a failed run is run again
        try:
            result = {k: _number(row.get(k) or "") for k in NUMBERS}
        except ValueError:
            raise SpecError(f"cannot resume from {path}: line {line} has a value that is not a number") from None
        found[indices.pop(0)] = result
    if strangers:
        raise SpecError(
            f"cannot resume from {path}: {strangers} of its {len(table)} rows are runs this spec does not have "
            f"(its [base] or [grid] changed?); {why}"
        )
    return found
