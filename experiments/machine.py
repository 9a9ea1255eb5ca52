"""What every result file of experiments/ records: the machine, and where the file came from.

:func:`provenance` gathers the command line that ran, the git commit of the checkout (and whether it
had uncommitted changes), the versions of relclf, scikit-learn, numpy, scipy and Python, the machine
and the date; :func:`stamp_markdown` and :func:`stamp_json` put that record into a result file, so
that every committed figure says what produced it.

Usage in a script::

    from machine import provenance, stamp_json, stamp_markdown  # experiments/machine.py

    record = provenance()
    (RESULTS / "x.json").write_text(json.dumps(stamp_json(result, record), indent=2) + "\\n")
    (RESULTS / "x.md").write_text(stamp_markdown(text, record))
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# distributions whose versions every result records (relclf's own comes from the imported package)
LIBRARIES = ("scikit-learn", "numpy", "scipy")
# the keys of a provenance record
FIELDS = ("command", "commit", "dirty", "date", "versions", "machine")


def describe_machine() -> str:
    """Return e.g. ``AMD EPYC, 2 cores, Python 3.11.7, Linux 6.1.0`` (the CPU from /proc/cpuinfo when readable)."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command that ran, as one would type it from the project root: ``python experiments/X.py ARGS``.

    Parameters
    ----------
    argv : sequence of str, optional
        The script path and its arguments; default ``sys.argv``.

    Returns
    -------
    str
        Shell-quoted, so that arguments with spaces can be pasted back.
    """
    argv = list(sys.argv if argv is None else argv)
    script = Path(argv[0]).resolve()
    shown = script.relative_to(ROOT).as_posix() if script.is_relative_to(ROOT) else argv[0]
    return shlex.join(["python", shown, *argv[1:]])


def git_state(root: Path = ROOT) -> tuple[str, bool | None]:
    """The commit checked out at ``root`` and whether tracked files differ from it.

    Returns
    -------
    (str, bool or None)
        The full commit hash and the dirty flag, or ``("unknown", None)`` outside a git checkout
        (or without git).
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        # untracked files are left out: results being rewritten by this very run would count
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown", None
    return commit, bool(status.strip())


def library_versions() -> dict[str, str]:
    """Versions of relclf, scikit-learn, numpy, scipy and Python in this interpreter.

    relclf's is that of the package imported; when it is not this checkout's, the path says so
    (the commit recorded would then not describe the code that ran).
    """
    import relclf  # cheap: the package __init__ is lazy

    where = Path(relclf.__file__).resolve().parent
    versions = {
        "relclf": relclf.__version__ if where == ROOT / "relclf" else f"{relclf.__version__} (imported from {where})"
    }
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["python"] = platform.python_version()
    return versions


def provenance(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Everything a result file records about how it was made.

    Parameters
    ----------
    argv : sequence of str, optional
        The script path and its arguments; default ``sys.argv``.

    Returns
    -------
    dict
        ``command`` (see :func:`command_line`), ``commit`` and ``dirty`` (see :func:`git_state`),
        ``date`` (UTC, to the minute), ``versions`` (see :func:`library_versions`) and ``machine``
        (see :func:`describe_machine`); JSON-serializable.
    """
    commit, dirty = git_state()
    return {
        "command": command_line(argv),
        "commit": commit,
        "dirty": dirty,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "versions": library_versions(),
        "machine": describe_machine(),
    }


def provenance_markdown(record: Mapping[str, Any]) -> str:
    """One Markdown line for a provenance record; missing or unknown fields are shown as such.

    Records of results made before stamping carry only what is known, and may add a ``note``.
    """
    commit = record.get("commit") or "unknown"
    shown = f"`{commit[:12]}`" if commit != "unknown" else "unknown"
    if record.get("dirty"):
        shown += " with uncommitted changes"
    if record.get("note"):
        shown += f" ({record['note']})"
    versions = record.get("versions") or {}
    libraries = ", ".join(f"{'Python' if name == 'python' else name} {version}" for name, version in versions.items())
    parts = [
        f"Made by: `{record.get('command', 'unknown')}`",
        f"commit: {shown}",
        f"date: {record.get('date', 'unknown')}",
        f"versions: {libraries or 'unknown'}",
        f"machine: {record.get('machine', 'unknown')}",
    ]
    return "; ".join(parts) + "."


def stamp_markdown(text: str, record: Mapping[str, Any]) -> str:
    """``text`` with the record's line (:func:`provenance_markdown`) after its title line."""
    title, _, rest = text.partition("\n")
    if not title.startswith("# "):
        return f"{provenance_markdown(record)}\n\n{text}"
    body = rest.lstrip("\n")
    return f"{title}\n\n{provenance_markdown(record)}\n\n{body}"


def stamp_json(data: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with the record first, under ``provenance``."""
    return {"provenance": dict(record), **{k: v for k, v in data.items() if k != "provenance"}}


def write_results(stem: str, data: Mapping[str, Any], markdown: str, record: Mapping[str, Any]) -> None:
    """Write ``experiments/results/STEM.json`` (``data``) and ``STEM.md`` (``markdown``), stamped with ``record``."""
    results = ROOT / "experiments" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{stem}.json").write_text(json.dumps(stamp_json(data, record), indent=2) + "\n")
    (results / f"{stem}.md").write_text(stamp_markdown(markdown, record))
