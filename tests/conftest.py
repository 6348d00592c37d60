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
