import os
import sys
from pathlib import Path

import pytest

# Qt without a display, for every test that builds widgets (pytest-qt reads this at QApplication creation)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a checkout that was not pip-installed still tests
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def child_env() -> dict[str, str]:
    """Environment for a child Python that must import this checkout's ganviz, without a display."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def pytest_terminal_summary(terminalreporter):
    """How each test that passed on its rerun failed the first time: `-rR` names it only, and a failure seen once
    in CI under load could not be read afterwards."""
    reruns = terminalreporter.stats.get("rerun", [])
    if reruns:
        terminalreporter.section("first failures of the tests that passed on a rerun")
        for report in reruns:
            terminalreporter.write_line(f"{report.nodeid}:")
            terminalreporter.write_line(report.longreprtext[-3000:])
