"""The package's shape: imports run down the layers, the package ``__init__`` is lazy, and reading
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

# The layers, lowest first, as docs/development.md lists them: a module imports modules of its own
# package (relclf.io.html imports relclf.io.rows) and of lower layers only; the packages of one layer
# are independent of each other (io never imports extract, nor extract io). "" is the package
# ``__init__``, whose lazy public names reach every layer.
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(layer.split())
    for layer in (
        "_version document errors",
        "text parallel",
        "io extract",
        "evaluation progress",
        "download pipeline persistence curation",
        "api",
        "cli ''",
        "__main__",
    )
)
# Imports made inside a function that reach a higher layer, each for its reason; nothing else may.
DEFERRED_UPWARD = {
    # as scikit-learn's ClassifierMixin.score imports its metrics: the estimator's score() uses the
    # evaluation's F1, while evaluation builds on extract
    ("relclf.extract.estimator", "relclf.evaluation.metrics"),
}


def module_name(path: Path) -> str:
    """``relclf/io/html.py`` -> ``relclf.io.html``; a package's ``__init__.py`` -> the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> dict[str, bool]:
    """The relclf modules that the module ``name`` (at ``path``) imports, relative imports resolved,
    each with whether every import of it is deferred (made inside a function).

    ``from PACKAGE import NAME`` counts as importing the module PACKAGE.NAME when that is a module,
    and as importing PACKAGE (its ``__init__``) otherwise.
    """
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(function)
    }
    found: dict[str, bool] = {}
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in known else target for a in node.names]
        for target in targets:
            if target == "relclf" or target.startswith("relclf."):
                found[target] = found.get(target, True) and id(node) in in_function
    return found


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The relclf modules that the module ``name`` (at ``path``) imports, wherever it imports them."""
    return set(imports(name, path, known))


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imported(name, path, set(found)) - {name} for name, path in found.items()}


def unit(name: str) -> str:
    """The part of the package a module belongs to: ``relclf.io.html`` -> ``io``, ``relclf.api`` -> ``api``,
    the package ``__init__`` -> ``''``."""
    return name.split(".")[1] if "." in name else "''"


def layer(name: str) -> int:
    found = [k for k, members in enumerate(LAYERS) if unit(name) in members]
    assert found, f"{name}: {unit(name)} is in no layer of LAYERS (add it where it belongs, and to docs/development.md)"
    return found[0]


def test_the_graph_sees_the_imports_it_should():
    edges = graph()
    assert "relclf.extract.model" in edges["relclf.pipeline"]
    assert "relclf.api" in edges["relclf.cli"]
    assert "relclf.parallel.batching" in edges["relclf.extract.model"]  # a relative import, two levels up
    assert "relclf.text" in edges["relclf.io.html"]
    found = modules()
    deferred = imports("relclf.api", found["relclf.api"], set(found))
    assert deferred["relclf.parallel.distributed"] and not deferred["relclf.pipeline"]


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_module_is_in_a_layer(name):
    layer(name)


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_run_down_the_layers(name):
    """A module imports its own package and lower layers; not another package of its layer, nor a
    higher one (but for the few deferred imports of DEFERRED_UPWARD)."""
    found = modules()
    wrong = []
    for target, deferred in imports(name, found[name], set(found)).items():
        if unit(target) == unit(name) or layer(target) < layer(name):
            continue
        if deferred and (name, target) in DEFERRED_UPWARD:
            continue
        wrong.append(target)
    assert not wrong, f"{name} (layer {layer(name)}) imports {sorted(wrong)} of a layer not below it"


def test_every_deferred_upward_import_is_still_made_and_deferred():
    found = modules()
    for name, target in sorted(DEFERRED_UPWARD):
        assert imports(name, found[name], set(found)).get(target) is True, f"{name} no longer defers {target}"


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
