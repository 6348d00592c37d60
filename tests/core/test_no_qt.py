"""The training core and `ganviz train` must work on a machine without Qt."""

from __future__ import annotations

import subprocess
import sys
import textwrap

QT_NAMES = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "qtpy", "PyQt5", "PyQt6", "PySide2")

_IMPORT_ALL = """
import importlib, pkgutil
import ganviz.core
names = ["ganviz.core"] + [
    m.name for m in pkgutil.walk_packages(ganviz.core.__path__, "ganviz.core.")
]
for name in names:
    importlib.import_module(name)
for name in ("args", "train", "window", "dirac", "sweep"):  # every command module: Qt only once the window opens
    importlib.import_module("ganviz.cli." + name)
"""


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=120
    )


def test_core_and_cli_work_with_qt_blocked(child_env, tmp_path):
    code = f"""
        import sys

        BLOCKED = {QT_NAMES!r}

        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"Qt is blocked in this test: {{name}}")
                return None

        sys.meta_path.insert(0, NoQt())
        try:
            import PySide6  # noqa: F401
        except ImportError:
            pass
        else:
            raise SystemExit("the blocker does not work")
        {textwrap.indent(_IMPORT_ALL, " " * 8).strip()}
        print("modules:", len(names))
        assert "ganviz.core.training.trainer" in names and "ganviz.core.analysis.metrics" in names

        import numpy as np
        from ganviz.core.training.config import TrainConfig
        from ganviz.core.training.trainer import Trainer

        t = Trainer(TrainConfig(hidden=16, layers=2, batch=32, objective="wgan-gp"))
        t.step(3)
        s = t.snapshot()
        assert s.step == 3 and np.isfinite(s.fakes).all()

        from ganviz.cli import main
        rc = main(["train", "--steps", "2", "--hidden", "16", "--layers", "2", "--batch", "32", "--quiet",
                   "--samples-out", {str(tmp_path / "s.npy")!r}])
        assert rc == 0, rc
        assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED]
        print("OK")
    """
    r = _run(code, child_env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().endswith("OK")
    assert (tmp_path / "s.npy").is_file()


def test_importing_core_loads_no_qt(child_env):
    """Without a blocker: nothing in ganviz.core or ganviz.cli pulls Qt in as a side effect."""
    code = (
        _IMPORT_ALL
        + f"""
import sys
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {QT_NAMES!r})
print("QT:", loaded)
"""
    )
    r = _run(code, child_env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().splitlines()[-1] == "QT: []"
