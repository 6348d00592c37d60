"""The package's shape, read from its source: no import cycles between ganviz's modules (lazy imports inside
functions count too: a cycle hidden in a function is still two modules that cannot be understood apart), and no
module too long to read as one piece."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ganviz"
MAX_LINES = 600


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_nodes(tree: ast.AST):
    """Every node, except under `if TYPE_CHECKING:` (imports for annotations only: never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *runtime_nodes(child)])
            continue
        yield node
        yield from runtime_nodes(node)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module of `package` -> the package's modules it imports (anywhere in its body)."""
    files = {module_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's package, up level - 1 more
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[: len(here) - (node.level - 1)]
                    base = ".".join(here + ([node.module] if node.module else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            # a package's own __init__ is not an edge from its submodules (Python loads it first anyway)
            graph[name].update(t for t in targets if t in files and t != name and not name.startswith(t + "."))
    return graph


def test_the_graph_reader_sees_a_cycle(tmp_path):
    pkg = tmp_path / "ganviz"
    (pkg / "core").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "__init__.py").write_text("")
    (pkg / "core" / "a.py").write_text("from ganviz.core.b import x\n")
    (pkg / "core" / "b.py").write_text("def f():\n    from ganviz.core import a\n")
    (pkg / "core" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ganviz.core import a\n"
    )
    graph = import_graph(pkg)
    assert graph["ganviz.core.a"] == {"ganviz.core.b"} and graph["ganviz.core.b"] == {"ganviz.core.a"}
    assert graph["ganviz.core.c"] == set()  # annotations only
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter(graph).prepare()


def test_no_import_cycles():
    try:
        graphlib.TopologicalSorter(import_graph()).prepare()
    except graphlib.CycleError as e:
        pytest.fail(f"import cycle: {' -> '.join(e.args[1])}")


def test_no_module_over_600_lines():
    long = {module_name(p): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


CORE_TOP_LEVEL = {"__init__.py", "registry.py"}  # registry: a leaf shared by data and training


def test_core_modules_live_in_subpackages_by_role():
    """ganviz/core is laid out by role (data, training, problems, analysis, runs, files): a new module goes into the
    subpackage of its role, not next to them."""
    loose = sorted(p.name for p in (PACKAGE / "core").glob("*.py") if p.name not in CORE_TOP_LEVEL)
    assert not loose, f"modules directly in ganviz/core (move each into its role's subpackage): {loose}"
    packages = sorted(p.name for p in (PACKAGE / "core").iterdir() if (p / "__init__.py").is_file())
    assert packages == ["analysis", "data", "files", "problems", "runs", "training"]


def class_lines(path: Path, name: str) -> int:
    """Lines of the class `name` in `path`, its decorators and docstring included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    return node.end_lineno - node.lineno + 1


def test_the_main_window_class_stays_within_400_lines():
    """Issue 13: the window class wires parts together; docks, menus, sessions, exports and the run lifecycle live
    in modules of their own (ganviz.ui.panel_docks, window_*, run_lifecycle)."""
    n = class_lines(PACKAGE / "ui" / "main_window.py", "MainWindow")
    assert n <= 400, f"MainWindow is {n} lines"


def test_every_file_the_package_reads_at_run_time_is_package_data():
    """Presets, their measured results and the example sweep are read through paths inside the package, and
    pyproject's package-data takes every file under ganviz/resources into a wheel: an installed ganviz (pip
    without -e, pipx) has its presets too. (They lived beside the package, found from a checkout only.)"""
    import fnmatch

    from ganviz.core.files import presets
    from ganviz.core.files.presets import tomllib  # or its backport on Python 3.10
    from ganviz.core.runs import sweep

    for path in (presets.PRESET_DIR, presets.RESULTS_FILE, sweep.SHIPPED_SWEEPS):
        assert path.exists() and path.is_relative_to(PACKAGE), path
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["ganviz"]
    files = [p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "resources").rglob("*") if p.is_file()]
    assert len(files) > 25
    left_out = [f for f in files if not any(fnmatch.fnmatch(f, g) and f.count("/") == g.count("/") for g in globs)]
    assert not left_out, f"not in pyproject's package-data: {left_out}"
