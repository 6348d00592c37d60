"""`ganviz train` imports only what it uses: start-up is most of a short run (docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Each of these costs a short run 0.3–1.5 s of start-up and is not needed to train and score a run: Qt (the window
# only), dask (sweeps on a cluster), matplotlib, scikit-learn (the sklearn datasets only), scipy's optimize /
# spatial / sparse (exact W1 needs only the assignment solver), torch._dynamo (torch.optim imports it on first use;
# it pulls in sympy and networkx), POT.
HEAVY = (
    "PySide6",
    "pyqtgraph",
    "dask",
    "distributed",
    "matplotlib",
    "sklearn",
    "scipy.optimize",
    "scipy.spatial",
    "scipy.sparse",
    "scipy.stats",
    "torch._dynamo",
    "torch._inductor",
    "sympy",
    "networkx",
    "ot",
)


def _modules_after(argv: list[str], env: dict[str, str]) -> tuple[int, list[str], dict]:
    code = textwrap.dedent(
        f"""
        import json, sys
        from ganviz.cli import main
        rc = main({argv!r})
        print(json.dumps({{"rc": rc, "modules": sorted(sys.modules)}}))
        """
    )
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    return out["rc"], out["modules"], out


ALLOWED = ("scipy.optimize._lsap",)  # the assignment solver's extension alone, for exact W1 (core/analysis/metrics.py)


def _heavy(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY) and m not in ALLOWED)


def test_train_imports_no_heavy_modules(child_env, tmp_path):
    metrics = tmp_path / "m.json"
    argv = ["train", "--steps", "3", "--hidden", "16", "--layers", "2", "--batch", "32", "--quiet"]
    argv += ["--metrics-out", str(metrics), "--save", str(tmp_path / "s.gvz")]
    rc, modules, _ = _modules_after(argv, child_env)
    assert rc == 0
    data = json.loads(metrics.read_text())
    assert data["steps"] == 3 and data["w1"] > 0 and data["w1_floor"] > 0  # it trained, scored and saved
    assert (tmp_path / "s.gvz").is_file()
    assert "torch" in modules and "ganviz.core.training.trainer" in modules  # the check sees what was imported
    assert _heavy(modules) == []


def test_train_imports_no_heavy_modules_with_rmsprop_and_sgd(child_env):
    for optimizer in ("rmsprop", "sgd"):
        argv = ["train", "--steps", "2", "--hidden", "16", "--layers", "2", "--batch", "32", "--quiet"]
        rc, modules, _ = _modules_after(argv + ["--optimizer", optimizer], child_env)
        assert rc == 0 and _heavy(modules) == [], optimizer
