"""Install the wheel as a user would, at the lowest and at the newest dependency versions allowed, and predict.

For each set-up: a fresh venv (made by the Python that runs this script), ``pip install WHEEL`` with the
dependencies from the package index, then ``relclf predict EXAMPLE`` (the venv's console script, run from
an empty directory, so only the installed copy and its bundled model can serve it), whose output must
equal, byte for byte, this checkout's own prediction (``python -m relclf predict EXAMPLE`` here). With the
corpora at ../shared/data, each set-up also trains a model on BioRED Dev (training needs scikit-learn) and
its predictions must equal those of the same model trained by the checkout.

- lowest: every dependency pinned (``==``) to the lower bound that pyproject.toml gives it
  (``scikit-learn>=1.6`` -> ``scikit-learn==1.6``), so the bounds are ones that were really tested;
- newest: no pins, so pip takes the newest versions the bounds allow.

The bounds are read from pyproject.toml, so the script needs no change when they do: re-run it.
The wheel is built (``pip wheel``, with build isolation, as ``pip install .`` does) from a copy of the
checkout. Writes experiments/results/install_check.md; exits 1 if a set-up fails.

Usage (from the project root, with relclf installed from this checkout, e.g. ``pip install -e ".[test]"``):
    python experiments/check_install.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from machine import provenance, stamp_markdown  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "36727001.pubtator"
# a small corpus to train on in each set-up (training needs scikit-learn, prediction does not)
TRAIN = ROOT.parent / "shared" / "data" / "biored" / "Dev.PubTator"
OUT = ROOT / "experiments" / "results" / "install_check.md"
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
# compiled dependencies come as wheels only: a source build would take an hour and test nothing of ours
BINARY_ONLY = "numpy,scipy,scikit-learn"


def dependencies() -> list[Requirement]:
    """The [project] dependencies of pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(line) for line in project["dependencies"]]


def lower_bound_pins(requirements: list[Requirement]) -> list[str]:
    """``NAME==V`` for each requirement's lower bound (``>=V`` or ``==V``); one without a lower bound is an error."""
    pins = []
    for req in requirements:
        lows = [spec.version for spec in req.specifier if spec.operator in (">=", "==", "~=")]
        if not lows:
            raise SystemExit(f"pyproject.toml: {req} has no lower bound to test")
        pins.append(f"{req.name}=={lows[0]}")
    return pins


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def build_wheel(workdir: Path) -> Path:
    """Build the wheel from a copy of the checkout (so no build/ folder is left in, or reused from, it)."""
    source = workdir / "source"
    shutil.copytree(
        ROOT, source, ignore=lambda _, names: {n for n in names if n in NOT_SOURCE or n.endswith(".egg-info")}
    )
    done = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(workdir / "dist"), str(source)])
    if done.returncode != 0:
        raise SystemExit(f"building the wheel failed:\n{done.stderr}")
    (wheel,) = (workdir / "dist").glob("relclf-*.whl")
    return wheel


def check_setup(
    name: str, wheel: Path, pins: list[str], expected: str, trained: str | None, workdir: Path, packages: list[str]
) -> dict:
    """Install ``wheel`` (with ``pins``) into a fresh venv and predict on the example from an empty directory;
    when ``trained`` (the checkout's predictions with a model it trained on ``TRAIN``), train there too and compare."""
    venv, elsewhere = workdir / f"venv-{name}", workdir / f"cwd-{name}"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    result: dict = {"setup": name, "pip install": " ".join([wheel.name, *(f"'{p}'" for p in pins)])}
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--only-binary", BINARY_ONLY]
    install = run([*pip, str(wheel), *pins], env=env)
    if install.returncode != 0:
        return dict(result, ok=False, failure="pip install failed: " + " ".join(install.stderr.split())[-400:])
    probe = (
        "import importlib.metadata as m, json, platform, sys, relclf.api as a; "
        "print(json.dumps(dict({n: m.version(n) for n in sys.argv[1:]}, "
        "python=platform.python_version(), module=a.__file__, model=str(a.DEFAULT_MODEL))))"
    )
    versions = json.loads(run([str(python), "-c", probe, "pip", *packages], cwd=elsewhere, env=env).stdout)
    result.update(versions)
    predict = run([str(venv / "bin" / "relclf"), "predict", str(EXAMPLE)], cwd=elsewhere, env=env)
    installed = Path(versions["module"]).is_relative_to(venv) and Path(versions["model"]).is_relative_to(venv)
    result.update(
        exit=predict.returncode,
        stderr=predict.stderr.strip(),
        same_output=predict.stdout == expected,
        installed_copy=installed,
    )
    result["ok"] = predict.returncode == 0 and predict.stdout == expected and installed
    if not result["ok"]:
        result["failure"] = (
            predict.stderr.strip().splitlines()[-1] if predict.stderr.strip() else "output differs from the checkout's"
        )
    if trained is not None:
        result["same_training"] = train_and_predict(venv / "bin" / "relclf", elsewhere, env) == trained
        if result["ok"] and not result["same_training"]:
            result.update(
                ok=False, failure="a model trained here predicts differently from one trained by the checkout"
            )
    return result


def train_and_predict(relclf: Path | list[str], cwd: Path, env: dict[str, str] | None = None) -> str | None:
    """Train on ``TRAIN`` with ``relclf`` (a command) and return its scored predictions on the example."""
    command = [str(relclf)] if isinstance(relclf, Path) else relclf
    model = cwd / "trained.npz"
    done = run([*command, "train", str(TRAIN), "-o", str(model)], cwd=cwd, env=env)
    if done.returncode != 0:
        return None
    return run(
        [*command, "predict", str(EXAMPLE), "-m", str(model), "--threshold", "0.05", "--with-scores"], cwd=cwd, env=env
    ).stdout


def render(
    results: list[dict], packages: list[str], requirements: list[Requirement], expected: str, record: dict
) -> str:
    relations = sum(
        1 for line in expected.splitlines() if len(line.split("\t")) >= 4 and not line.split("\t")[1].isdigit()
    )
    lines = [
        "# Install check: the wheel in a fresh venv, at the lowest and the newest dependency versions allowed",
        "",
        "Each set-up: a fresh venv, `pip install` of the wheel built from the checkout (dependencies from the package "
        "index; "
        f"{BINARY_ONLY} as wheels only), then `relclf predict {EXAMPLE.relative_to(ROOT)}` (absolute path) run by the "
        "venv's console script from an empty directory, compared byte for byte with the checkout's own prediction "
        f"({len(expected.splitlines())} lines, {relations} relations, sha256 "
        f"`{hashlib.sha256(expected.encode()).hexdigest()[:16]}...`). "
        '"installed copy": relclf and its default model were loaded from the venv. "same training": `relclf train` on '
        "BioRED Dev (100 abstracts) in the venv gives a model whose scored predictions on the example (`--threshold "
        "0.05 --with-scores`) equal those of the same model trained by the checkout (not run without ../shared).",
        "",
        f"Bounds in pyproject.toml: {', '.join(f'`{r}`' for r in requirements)}.",
        "",
        "| set-up | Python | pip | "
        + " | ".join(packages)
        + " | exit | same output | installed copy | same training | result |",
        "|---|---|---|" + "---|" * len(packages) + "---:|---|---|---|---|",
    ]
    for r in results:
        cells = [
            r["setup"],
            r.get("python", "?"),
            r.get("pip", "?"),
            *(r.get(p, "?") for p in packages),
            str(r.get("exit", "")),
            {True: "yes", False: "no"}.get(r.get("same_output"), ""),
            {True: "yes", False: "no"}.get(r.get("installed_copy"), ""),
            {True: "yes", False: "no"}.get(r.get("same_training"), "not run"),
            "pass" if r["ok"] else "FAIL: " + r["failure"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Commands (in the order run):", ""]
    lines += [f"- {r['setup']}: `pip install --only-binary {BINARY_ONLY} {r['pip install']}`" for r in results]
    lines += ["", "Standard error of `relclf predict`:", ""]
    lines += [f"- {r['setup']}: {summarize_stderr(r.get('stderr', ''))}" for r in results]
    return stamp_markdown("\n".join(lines) + "\n", record)


def summarize_stderr(text: str) -> str:
    """``empty``, or the number of lines and the warnings in them (scikit-learn's name the estimator)."""
    if not text:
        return "empty"
    found = re.findall(r"(\w+Warning): (?:Trying to unpickle estimator (\w+))?", text)
    if not found:
        return f"{len(text.splitlines())} lines: `{' / '.join(text.splitlines()[:3])}`"
    kinds = {kind: [name for k, name in found if k == kind and name] for kind, _ in found}
    named = "; ".join(
        f"{len(names) or ''} {kind}{' (' + ', '.join(names) + ')' if names else ''}".strip()
        for kind, names in kinds.items()
    )
    return f"{len(text.splitlines())} lines: {named}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUT, help="where to write the result table (Markdown)")
    args = parser.parse_args()
    requirements = dependencies()
    packages = ["relclf", *(r.name for r in requirements)]
    reference = run([sys.executable, "-m", "relclf", "predict", str(EXAMPLE)], cwd=ROOT)
    if reference.returncode != 0:
        raise SystemExit(f"the checkout's own prediction failed:\n{reference.stderr}")
    trained = None
    if TRAIN.is_file():
        with tempfile.TemporaryDirectory(prefix="relclf-train-") as tmp:
            trained = train_and_predict([sys.executable, "-m", "relclf"], Path(tmp))
    record = provenance()  # the wheel is built from the working tree: its dirty flag counts
    with tempfile.TemporaryDirectory(prefix="relclf-install-") as tmp:
        workdir = Path(tmp)
        wheel = build_wheel(workdir)
        results = []
        for name, pins in (("lowest", lower_bound_pins(requirements)), ("newest", [])):
            print(f"{name}: installing {wheel.name} {' '.join(pins)}", file=sys.stderr)
            results.append(check_setup(name, wheel, pins, reference.stdout, trained, workdir, packages))
            print(f"{name}: {'pass' if results[-1]['ok'] else 'FAIL: ' + results[-1]['failure']}", file=sys.stderr)
    args.output.write_text(render(results, packages, requirements, reference.stdout, record))
    print(f"wrote {args.output}", file=sys.stderr)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
