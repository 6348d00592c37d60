"""Shared by the CLI tests (pytest puts this folder on sys.path when it imports them)."""

from __future__ import annotations

from ganviz.cli import main

TINY = ["--hidden", "16", "--layers", "2", "--batch", "32", "--quiet"]  # a run small enough for a unit test


def run_main(argv: list[str]) -> int:
    """main() in-process; argparse errors raise SystemExit, config errors return the code."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code
