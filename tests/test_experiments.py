"""experiments/: every script imports without running, uses only relclf's public API, and stamps its results.

Public means: the names of ``relclf.__all__``, and in any other relclf module the names of its
``__all__`` and its public (non-underscore) submodules. The scripts are read with ``ast``, so the check
covers imports, attribute chains such as ``api.resolve_model`` and private attributes such as
``model._apply`` on any object, whether or not that line runs.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import platform
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import numpy
import pytest
import scipy
import sklearn

import relclf
from conftest import parse
from relclf import RelationExtractor
from synthetic import synthetic_corpus

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
SCRIPTS = sorted(EXPERIMENTS.glob("*.py"))


@pytest.fixture(autouse=True)
def experiments_on_path(monkeypatch) -> None:
    """The scripts import their shared helper as ``machine``, as they do when run from the project root."""
    monkeypatch.syspath_prepend(str(EXPERIMENTS))


def load_script(path: Path) -> ModuleType:
    """Import an experiments/ script as a module (under a name of its own: its main() does not run)."""
    spec = importlib.util.spec_from_file_location(f"experiments_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the public-API check ----------------------------------------------------------------------------
def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_public(module: ModuleType, name: str) -> bool:
    """Whether ``module.name`` is public: in the module's __all__, a public submodule, or a dunder (``__file__``)."""
    if _private(name):
        return False
    if name.startswith("__") and name.endswith("__"):
        return True
    if name in getattr(module, "__all__", ()):
        return True
    return hasattr(module, "__path__") and importlib.util.find_spec(f"{module.__name__}.{name}") is not None


def _submodule(module: ModuleType, name: str) -> ModuleType | None:
    if not hasattr(module, "__path__") or importlib.util.find_spec(f"{module.__name__}.{name}") is None:
        return None
    return importlib.import_module(f"{module.__name__}.{name}")


def _check_module_path(dotted: str, line: int, problems: list[tuple[int, str]]) -> ModuleType | None:
    """Import ``relclf.a.b`` step by step, reporting any step that is not public; return the module."""
    parts = dotted.split(".")
    module = importlib.import_module(parts[0])
    for part in parts[1:]:
        if not _is_public(module, part):
            problems.append((line, f"{module.__name__}.{part} is not public"))
            return None
        module = importlib.import_module(f"{module.__name__}.{part}")
    return module


def private_uses(source: str) -> list[str]:
    """What ``source`` uses of relclf beyond its public API, and every private attribute it touches."""
    tree = ast.parse(source)
    problems: list[tuple[int, str]] = []
    bound: dict[str, ModuleType] = {}  # local name -> the relclf module it names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "relclf" and _check_module_path(alias.name, node.lineno, problems):
                    bound[alias.asname or "relclf"] = importlib.import_module(alias.name if alias.asname else "relclf")
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "relclf":
            module = _check_module_path(node.module, node.lineno, problems)
            for alias in node.names if module else ():
                if not _is_public(module, alias.name):
                    problems.append((node.lineno, f"{module.__name__}.{alias.name} is not public"))
                elif submodule := _submodule(module, alias.name):
                    bound[alias.asname or alias.name] = submodule

    def resolve(node: ast.expr) -> ModuleType | None:
        if isinstance(node, ast.Name):
            return bound.get(node.id)
        if isinstance(node, ast.Attribute) and (base := resolve(node.value)) is not None:
            return _submodule(base, node.attr)
        return None

    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        base = resolve(node.value)
        if base is not None and not _is_public(base, node.attr):
            problems.append((node.lineno, f"{base.__name__}.{node.attr} is not public"))
        elif _private(node.attr):
            problems.append((node.lineno, f"private attribute .{node.attr}"))
    return [f"line {line}: {problem}" for line, problem in sorted(problems)]


def test_the_check_finds_private_names_and_accepts_public_ones() -> None:
    bad = """
import relclf._version
from relclf.api import resolve_model, train
from relclf.extract import estimator
from relclf import api
import relclf
model = api.resolve_model(None)
model._apply(1, 2, 3)
relclf.persistence._payload
estimator._predict_rows
relclf.extract.estimator.best_f1_threshold
"""
    assert private_uses(bad) == [
        "line 2: relclf._version is not public",
        "line 3: relclf.api.resolve_model is not public",
        "line 7: relclf.api.resolve_model is not public",
        "line 8: private attribute ._apply",
        "line 9: relclf.persistence._payload is not public",
        "line 10: relclf.extract.estimator._predict_rows is not public",
        "line 11: relclf.extract.estimator.best_f1_threshold is not public",
    ]
    good = """
import relclf
import relclf.extract.features as features
from relclf import RelationExtractor, api, read_pubtator
from relclf.extract.threshold import cumulative_hits
relclf.persistence.build_metadata
api.default_model_path().name
features.featurize
model = RelationExtractor()
model.detector_.predict_proba
print(relclf.__version__)
"""
    assert private_uses(good) == []


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_experiment_uses_only_the_public_api(script: Path) -> None:
    assert private_uses(script.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_experiment_imports_without_running(script: Path) -> None:
    results = EXPERIMENTS / "results"
    before = {p.name: p.stat().st_mtime_ns for p in results.iterdir()}
    module = load_script(script)
    assert {p.name: p.stat().st_mtime_ns for p in results.iterdir()} == before  # nothing written
    if script.name != "machine.py":
        assert callable(module.main)
        if "RESULTS" in vars(module):  # a script that writes experiments/results/ stamps what it writes
            assert "provenance" in vars(module) or "provenance_markdown" in vars(module), "results are not stamped"


# -- the provenance record ---------------------------------------------------------------------------
def test_provenance_records_command_commit_versions_machine_and_date() -> None:
    machine = load_script(EXPERIMENTS / "machine.py")
    record = machine.provenance([str(EXPERIMENTS / "benchmark_scale.py"), "--runs", "1", "--note", "a busy VM"])
    assert tuple(record) == machine.FIELDS == ("command", "commit", "dirty", "date", "versions", "machine")
    assert record["command"] == "python experiments/benchmark_scale.py --runs 1 --note 'a busy VM'"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode == 0:
        assert record["commit"] == head.stdout.strip()
        assert isinstance(record["dirty"], bool)
    else:
        assert (record["commit"], record["dirty"]) == ("unknown", None)
    assert record["versions"]["relclf"].startswith(relclf.__version__)
    assert {k: v for k, v in record["versions"].items() if k != "relclf"} == {
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
    }
    assert record["machine"] == machine.describe_machine()
    assert f"{platform.python_version()}" in record["machine"]
    made = datetime.strptime(record["date"], "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - made) < timedelta(minutes=2)
    assert json.loads(json.dumps(record)) == record


def test_git_state_sees_the_commit_and_uncommitted_changes(tmp_path: Path) -> None:
    machine = load_script(EXPERIMENTS / "machine.py")
    assert machine.git_state(tmp_path) == ("unknown", None)  # not a checkout
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    try:
        subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available")
    (tmp_path / "a.txt").write_text("one\n")
    subprocess.run([*git, "add", "a.txt"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=tmp_path, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    (tmp_path / "results.md").write_text("untracked output\n")
    assert machine.git_state(tmp_path) == (head, False)
    (tmp_path / "a.txt").write_text("two\n")
    assert machine.git_state(tmp_path) == (head, True)


def test_stamps_put_the_record_in_markdown_and_json() -> None:
    machine = load_script(EXPERIMENTS / "machine.py")
    record = {
        "command": "python experiments/x.py --runs 3",
        "commit": "0123456789abcdef0123",
        "dirty": True,
        "date": "2026-12-01 10:00 UTC",
        "versions": {
            "relclf": "0.2.0",
            "scikit-learn": "1.9.1",
            "numpy": "2.0.0",
            "scipy": "1.14.0",
            "python": "3.11.7",
        },
        "machine": "AMD EPYC, 2 cores",
    }
    line = (
        "Made by: `python experiments/x.py --runs 3`; commit: `0123456789ab` with uncommitted changes; date: "
        "2026-12-01 10:00 UTC; versions: relclf 0.2.0, scikit-learn 1.9.1, numpy 2.0.0, scipy 1.14.0, Python 3.11.7; "
        "machine: AMD EPYC, 2 cores."
    )
    assert machine.stamp_markdown("# Title\n\nBody.\n", record) == f"# Title\n\n{line}\n\nBody.\n"
    stamped = machine.stamp_json({"rows": [1, 2]}, record)
    assert list(stamped) == ["provenance", "rows"] and stamped["provenance"] == record and stamped["rows"] == [1, 2]
    legacy = {"command": "python experiments/x.py", "commit": "unknown", "note": "before provenance stamping"}
    assert machine.provenance_markdown(legacy) == (
        "Made by: `python experiments/x.py`; commit: unknown (before provenance stamping); date: unknown; versions: "
        "unknown; machine: unknown."
    )


def test_committed_results_name_the_command_and_commit_that_made_them() -> None:
    for path in sorted((EXPERIMENTS / "results").iterdir()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            record = json.loads(text)["provenance"]
            assert record["command"].startswith("python experiments/") and record["commit"], path.name
        else:
            assert "`python experiments/" in text and "commit" in text, path.name


# -- the scripts' own code on a tiny corpus ----------------------------------------------------------
@pytest.fixture(scope="module")
def tiny() -> tuple[list, list]:
    return parse(synthetic_corpus(30, seed=3)), parse(synthetic_corpus(8, seed=4, start=900))


def test_ablation_rows_run_and_its_default_models_are_the_estimators(tiny) -> None:
    ablation = load_script(EXPERIMENTS / "ablation.py")
    train, dev = tiny
    model = RelationExtractor().fit(train)
    # ablation.logistic writes out the library's (private) default detector and labeler
    assert model.detector_.get_params() == ablation.logistic(1.0).get_params()
    labeler = getattr(model.labeler_, "estimator", model.labeler_)  # one-vs-rest with more than two labels
    assert labeler.get_params() == ablation.logistic(3.0, class_weight="balanced").get_params()
    for name, params in ablation.configurations().items():
        row = ablation.run_row(params, train, dev)
        assert set(row["levels"]) == {"pair", "type", "novelty"}, name
        json.dumps(row)


def test_scale_benchmark_stage_costs_run_on_a_fitted_model(tiny, tmp_path) -> None:
    benchmark = load_script(EXPERIMENTS / "benchmark_scale.py")
    train, _ = tiny
    source = tmp_path / "dev.pubtator"
    source.write_text(synthetic_corpus(8, seed=4, start=900))
    costs = benchmark.stage_costs(source, RelationExtractor(cv=2).fit(train).model_, runs=1)
    stages = ("parse", "featurize", "classify", "write")
    assert set(costs) == {f"{k}_seconds" for k in (*stages, "candidates")} | {"stage_total_seconds"}
    # every figure is a measured time, none a difference of two: never negative, however noisy the machine
    assert all(costs[f"{k}_seconds"] >= 0 for k in (*stages, "candidates")) and costs["stage_total_seconds"] > 0
    assert costs["stage_total_seconds"] == round(sum(costs[f"{k}_seconds"] for k in stages), 2)
    table = benchmark.markdown(
        {
            "provenance": {"command": "c"},
            "predict": [],
            "startup": [],
            "training": [],
            "stages": {"after": {"abstracts": 8, **costs}},
        }
    )
    assert "| of which candidates (timed alone) |" in table and "| featurize |" in table


def test_hostile_document_is_valid_pubtator() -> None:
    hostile = load_script(EXPERIMENTS / "hostile_document.py")
    (document,) = parse(hostile.hostile_document(n_entities=8))
    assert len({m.identifier for m in document.mentions}) == 8 and len(document.mentions) == 16


def test_quality_rows_min_precision_and_novelty_per_type_pair_run_on_a_fitted_model(tiny) -> None:
    quality = load_script(EXPERIMENTS / "quality.py")
    train, dev = tiny
    model, seconds = quality.fit({}, train)
    row = quality.score_row(model, dev, seconds, {})
    assert row["decided_on"] == "related" and set(row["levels"]) == {"pair", "type", "novelty"}
    precision = quality.min_precision_rows(model.model_, dev)
    assert {m["method"] for m in precision} == {"held-out margin", "naive"} and len(precision) == 8
    novelty = quality.novelty_by_type_pair(model, dev)
    assert set(novelty) <= set(model.type_pairs_) and all(0 <= c["f1"] <= 1 for c in novelty.values())
    found = {"rows": {"default": row}, "min_precision": precision, "novelty_by_type_pair": novelty}
    table = quality.to_markdown({"load": [0.0, 0.0], "corpora": {"biored": found}, "command": "c"})
    assert "| default | " in table and "held-out margin" in table and "Novelty F1 per type pair" in table
