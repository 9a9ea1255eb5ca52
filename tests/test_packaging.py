"""The wheel: what it holds, and that an installed copy predicts with its bundled default model.

The wheel is built from a copy of the source tree (so no build/ folder is left in, or reused from,
the checkout), installed into a folder of its own and run from another directory, the way a user
who ran ``pip install relclf`` would run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from relclf.api import DEFAULT_MODEL_NAME

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "36727001.pubtator"
# what a checkout holds besides the source: never copied into the build
NOT_SOURCE = {
    ".git",
    ".venv",
    "build",
    "dist",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    ".mypy_cache",
    "tmp",
}


def _pip(*args: str, cwd: Path | None = None) -> None:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run([sys.executable, "-m", "pip", "-q", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in NOT_SOURCE or n.endswith(".egg-info")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the checkout (offline, with the installed setuptools)."""
    source = tmp_path_factory.mktemp("source") / "relclf"
    shutil.copytree(ROOT, source, ignore=_ignore)
    dist = tmp_path_factory.mktemp("dist")
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(source))
    (built,) = dist.glob("relclf-*.whl")
    return built


def test_the_wheel_holds_the_package_and_the_default_model_and_nothing_else(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    model_files = (DEFAULT_MODEL_NAME, f"{DEFAULT_MODEL_NAME}.json", f"{DEFAULT_MODEL_NAME}.sha256", "MODEL_CARD.md")
    bundled = {f"relclf/models/{name}" for name in model_files}
    assert bundled <= names
    # every module of the checkout's package, so a new subpackage cannot be left out of pyproject's list
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "relclf").rglob("*.py")}
    assert modules <= names
    # the review page's assets (relclf.io.html reads them with importlib.resources)
    assets = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "relclf" / "io" / "html_assets").iterdir()
        if p.suffix in (".html", ".css", ".js")
    }
    assert (
        {"relclf/io/html_assets/review.js", "relclf/io/html_assets/review.css", "relclf/io/html_assets/review.html"}
        <= assets
        <= names
    )
    assert {n.split("/")[0] for n in names} == {"relclf", wheel.name.split("-py3")[0] + ".dist-info"}
    assert not [
        n
        for n in names
        if n.startswith("relclf/") and n not in modules | bundled | assets | {"relclf/models/__init__.py"}
    ]


def test_the_installed_wheel_predicts_from_another_directory_with_its_own_model(wheel, tmp_path):
    # the checkout's prediction, made while the wheel installs
    command = ["-m", "relclf", "predict", str(EXAMPLE)]
    reference = subprocess.Popen([sys.executable, *command], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    target, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    _pip("install", "--no-deps", "--no-index", "--target", str(target), str(wheel))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))}
    # -v logs each module's file as it is imported: proof of which copy of relclf ran
    installed = subprocess.run([sys.executable, "-v", *command], cwd=elsewhere, env=env, capture_output=True)
    expected, errors = reference.communicate(timeout=120)
    assert reference.returncode == 0, errors.decode()
    imports = installed.stderr.decode()
    assert installed.returncode == 0, [line for line in imports.splitlines() if line.startswith("relclf")] or imports[
        -3000:
    ]
    assert f"{target / 'relclf' / 'api.py'}" in imports and f"{target / 'relclf' / 'models' / '__init__.py'}" in imports
    assert str(ROOT / "relclf") not in imports and str(ROOT / "models") not in imports
    assert installed.stdout == expected
    # the example has relations (PMID, label, id, id[, novelty] lines), so the model really ran
    assert [
        line for line in expected.splitlines() if len(line.split(b"\t")) >= 4 and not line.split(b"\t")[1].isdigit()
    ], expected
    # the review page's assets are package data of the installed copy
    page = elsewhere / "review.html"
    written = subprocess.run(
        [sys.executable, "-m", "relclf", "convert", str(EXAMPLE), "-o", str(page)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert written.returncode == 0, written.stderr
    assert 'class="relclf-doc"' in page.read_text() and "relclf review page" in page.read_text()


def test_the_readme_test_command_is_what_ci_runs():
    """CI (.ci/run) sets up as the README's second command does (a virtual environment, the test extras), then runs
    exactly the checks that command runs after its install, in the same order."""
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    (readme,) = [line for line in (ROOT / "README.md").read_text().splitlines() if 'pip install -e ".[test]"' in line]
    setup, checks = readme.split(' && pip install -e ".[test]" && ')
    assert setup == "python3 -m venv .venv && . .venv/bin/activate"
    assert all(step in ci for step in setup.split(" && "))
    assert any('pip install --quiet -e ".[test]"' in line for line in ci)  # uv's install is tried first, pip's remains
    marker = ci.index("# the README's test command:")
    assert [line for line in ci[marker + 1 :] if line.strip() and not line.startswith("#")] == checks.split(" && ")
