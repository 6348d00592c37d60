"""Every numeric flag has a bound: an absurd value is one line on stderr and exit 2, never a traceback.

The numeric flags are found by introspecting each parser, so a flag added later without a bound fails here."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from ganviz.cli.dirac import dirac_parser
from ganviz.cli.train import train_parser
from ganviz.cli.window import window_parser

PARSERS = {"train": train_parser, "window": window_parser, "dirac": dirac_parser}
REQUIRED = {"dirac": ["--objective", "minimax"]}  # what a parser needs besides the flag under test
HUGE = "1" + "0" * 30


def _is_numeric(action: argparse.Action) -> bool:
    """A flag whose value parses as a number: its type turns "1" or "0.5" into an int or a float."""
    if not action.option_strings or action.nargs == 0 or action.type is None:
        return False
    for text in ("1", "0.5"):
        try:
            if isinstance(action.type(text), (int, float)):
                return True
        except (argparse.ArgumentTypeError, ValueError, TypeError):
            pass
    return False


def numeric_flags(name: str) -> list[tuple[str, int]]:
    return [(a.option_strings[-1], a.nargs or 1) for a in PARSERS[name]()._actions if _is_numeric(a)]


CASES = [(name, flag, n, value) for name in PARSERS for flag, n in numeric_flags(name) for value in (HUGE, "-" + HUGE)]


def test_the_introspection_finds_the_numeric_flags():
    train = {flag for flag, _ in numeric_flags("train")}
    assert {"--hidden", "--layers", "--zdim", "--batch", "--steps", "--seed", "--lr-g", "--lr-d"} <= train
    assert {"--n-critic", "--clip", "--gp-lambda", "--r1", "--threads"} <= train
    assert "--run-for" in {flag for flag, _ in numeric_flags("window")}
    assert {"--steps", "--lr", "--start", "--r1", "--clip", "--gp-lambda"} <= {f for f, _ in numeric_flags("dirac")}
    assert not {"--dataset", "--objective", "--save", "--preset"} & train


@pytest.mark.parametrize(("name", "flag", "n", "value"), CASES, ids=[f"{c[0]}{c[1]}{c[3][0]}" for c in CASES])
def test_absurd_value_is_one_line_exit_2(name, flag, n, value, capsys):
    argv = [*REQUIRED.get(name, []), flag, *[value] * n]
    with pytest.raises(SystemExit) as exc:
        PARSERS[name]().parse_args(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, f"{flag} {value} was accepted"
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert flag in lines[0] and "≤" in lines[0], f"the message must say the allowed range: {err}"


@pytest.mark.parametrize(
    ("flag", "value", "allowed"),
    [
        ("--hidden", "1000000000000", "an integer ≥ 1 and ≤ 4096"),
        ("--seed", "18446744073709", "an integer ≥ 0 and ≤ 2147483647"),
    ],
)
def test_reported_cases_in_a_real_process(flag, value, allowed, child_env, tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "ganviz", "train", "--steps", "1", "--quiet", flag, value],
        env=child_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == f"ganviz train: error: argument {flag}: {value!r} is not {allowed}\n"


def test_run_for_is_bounded_below_qt_timer_range(capsys):
    """QTimer.singleShot takes int milliseconds (< 2**31): 3,000,000 s overflowed after the trainer started."""
    from ganviz.cli.window import MAX_RUN_FOR_S

    assert MAX_RUN_FOR_S == 7 * 24 * 3600 and MAX_RUN_FOR_S * 1000 < 2**31 - 1
    with pytest.raises(SystemExit) as exc:
        window_parser().parse_args(["--run-for", "3000000"])
    assert exc.value.code == 2
    assert "argument --run-for: '3000000' is not a number > 0 and ≤ 604800" in capsys.readouterr().err
    assert window_parser().parse_args(["--run-for", str(MAX_RUN_FOR_S)]).run_for == MAX_RUN_FOR_S


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--hidden", "4096"), ("--seed", "2147483647"), ("--lr-d", "10"), ("--r1", "0"), ("--threads", "256")],
)
def test_the_bounds_themselves_are_allowed(flag, value):
    dest = flag[2:].replace("-", "_")
    assert getattr(train_parser().parse_args([flag, value]), dest) == float(value)
