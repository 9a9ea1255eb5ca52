"""The package's shape: imports run down the stages, the package ``__init__`` is lazy, and reading
documents does not pay for scikit-learn.

The import graph is read from the sources with :mod:`ast` (no module is imported for it), so a
cycle or an upward import fails here even where Python would happen to resolve it at run time.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "relclf"
TOP = {"relclf.api", "relclf.cli", "relclf.__main__"}  # allowed to import anything


def module_name(path: Path) -> str:
    """``relclf/io/html.py`` -> ``relclf.io.html``; a package's ``__init__.py`` -> the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The relclf modules that the module ``name`` (at ``path``) imports, relative imports resolved.

    ``from PACKAGE import NAME`` counts as importing the module PACKAGE.NAME when that is a module,
    and as importing PACKAGE (its ``__init__``) otherwise.
    """
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
    return {m for m in found if m == "relclf" or m.startswith("relclf.")}


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imported(name, path, set(found)) - {name} for name, path in found.items()}


def test_the_graph_sees_the_imports_it_should():
    edges = graph()
    assert "relclf.extract.model" in edges["relclf.pipeline"]
    assert "relclf.api" in edges["relclf.cli"]
    assert "relclf.evaluation.metrics" in edges["relclf.extract.estimator"]  # a relative import, two levels up


@pytest.mark.parametrize("name", sorted(set(modules()) - TOP - {"relclf"}))
def test_nothing_below_api_imports_api_cli_or_the_package_init(name):
    upward = graph()[name] & (TOP | {"relclf"})
    assert not upward, f"{name} imports {sorted(upward)}"


def test_module_imports_form_no_cycle():
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for child in sorted(edges.get(name, ())):
            if state.get(child) == 1:
                cycle = path[path.index(child) :] + [child]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if child not in state:
                visit(child, path + [child])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])


def fresh_modules(code: str) -> set[str]:
    """The top-level names in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    return set(done.stdout.split())


def test_importing_relclf_document_loads_no_scikit_learn_tqdm_bioc_or_api():
    loaded = fresh_modules("import relclf.document")
    assert "relclf.document" in loaded
    heavy = {m for m in loaded if m.split(".")[0] in {"sklearn", "tqdm", "bioc", "joblib", "scipy"}}
    assert not heavy and "relclf.api" not in loaded


def test_the_package_init_is_lazy():
    loaded = fresh_modules("import relclf\nassert relclf.__version__")
    assert not {m for m in loaded if m.startswith("relclf.")} - {"relclf._version"}
    loaded = fresh_modules("import relclf\nrelclf.Document")
    assert "relclf.document" in loaded and "relclf.api" not in loaded
