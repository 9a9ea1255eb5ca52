"""The console blocks of README.md and docs/*.md, run for real and compared with what they show.

Every ```console block is a transcript: lines starting with ``$ `` are commands, the lines after a
command are its expected output. ``relclf ...`` runs in this process through :func:`relclf.cli.main`;
any other command (``cat``, ``head``, ``cmp``, ``python -c``...) runs in ``bash``. Pipes, ``&&``, ``;``
and ``2>&1`` work across the two, so ``relclf score ... | tail -3`` feeds relclf's standard output to
``tail`` (relclf's other redirections are not emulated: use ``-o``). Each block runs in a fresh
directory, so it makes the files it uses: ``TMP/proj``, holding symlinks ``examples``, ``models``
and ``experiments`` to the repository's, beside ``TMP/shared``, a symlink to the real ``../shared``, so that the paths
the documentation uses resolve.

Expected output may elide: a line that is exactly ``...`` matches any run of lines (none included),
and ``...`` inside a line matches any text within that line. Trailing spaces and trailing blank
lines are ignored. An HTML comment right before a block marks it:

``<!-- doc-check: slow -->``
    takes more than a few seconds (training on BioRED): checked only with ``RELCLF_DOCS_SLOW=1``.
``<!-- doc-check: slow cluster -->``
    also needs a dask scheduler on ``tcp://127.0.0.1:8786``: with ``RELCLF_DOCS_SLOW=1`` the test
    starts one there, with two workers (``dask scheduler`` and ``dask worker`` processes).

Blocks that name ``../shared`` need the BioRED corpus, which is not part of the repository; they are
skipped, with that reason, when it is absent. docs/development.md describes this for contributors.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import run_cli_bytes

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SLOW = os.environ.get("RELCLF_DOCS_SLOW") == "1"
MARKS = {"slow", "cluster"}
CORPUS_REASON = "needs the BioRED corpus in ../shared/data (not part of the repository)"
SLOW_REASON = "slow (training on BioRED, or a dask cluster): run with RELCLF_DOCS_SLOW=1"


# ---------------------------------------------------------------------------------------------------
# Parsing


@dataclass
class Command:
    """One ``$ `` line of a console block and the output shown after it."""

    line: int
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    """One ```console block: where it is, its marks and its commands."""

    page: Path
    line: int
    marks: frozenset[str]
    commands: list[Command]

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    @property
    def needs_corpus(self) -> bool:
        return any("../shared" in c.text for c in self.commands)


def parse_blocks(page: Path) -> list[Block]:
    """Return the console blocks of the markdown file ``page``, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        marks = _marks_before(lines, i)
        start, i = i + 1, i + 1
        commands: list[Command] = []
        while i < len(lines) and lines[i].strip() != "```":
            text = lines[i]
            if text.startswith("$ "):
                command = Command(i + 1, text[2:])
                while command.text.endswith("\\") and i + 1 < len(lines):  # continued on the next line
                    i += 1
                    command.text = command.text[:-1] + lines[i]
                commands.append(command)
            elif commands:
                commands[-1].expected.append(text)
            else:
                raise ValueError(f"{page}:{i + 1}: output before the first '$ ' command of a console block")
            i += 1
        blocks.append(Block(page, start, marks, commands))
        i += 1
    return blocks


def _marks_before(lines: list[str], fence: int) -> frozenset[str]:
    """The words of a ``<!-- doc-check: ... -->`` comment on the last non-blank line before ``fence``."""
    j = fence - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    found = re.fullmatch(r"\s*<!--\s*doc-check:\s*(.*?)\s*-->\s*", lines[j]) if j >= 0 else None
    return frozenset(found.group(1).split()) if found else frozenset()


# ---------------------------------------------------------------------------------------------------
# Matching


def expected_pattern(expected: list[str]) -> re.Pattern[str]:
    """A regular expression for ``expected`` lines: ``...`` alone matches lines, within a line text."""
    parts = []
    for line in _trim(expected):
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append("[^\n]*".join(re.escape(piece) for piece in line.rstrip().split("...")) + "\n")
    return re.compile("".join(parts))


def matches(expected: list[str], actual: str) -> bool:
    """True if the output ``actual`` is what the ``expected`` lines show (with their elisions)."""
    text = "".join(line.rstrip() + "\n" for line in _trim(actual.splitlines()))
    return expected_pattern(expected).fullmatch(text) is not None


def _trim(lines: list[str]) -> list[str]:
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


# ---------------------------------------------------------------------------------------------------
# Running


def run_relclf(argv: list[str], stdin: bytes | None) -> tuple[int, bytes, bytes, bytes]:
    """Run ``relclf ARGV`` in this process; return (status, stdout, stderr, both interleaved)."""
    run = run_cli_bytes(argv, stdin)
    return run.status, run.stdout, run.stderr, run.both


def split_command(text: str) -> list[tuple[str, list[str]]]:
    """Split a shell command line into ``(operator, pipeline stages)``, the operator being what joins a
    pipeline to the one before (``""`` first, ``&&`` or ``;``). Quotes are respected; ``# ...``
    starts a comment."""
    sequence: list[tuple[str, list[str]]] = []
    operator, stages, current = "", [], ""
    quote = None
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\" and quote == '"' and i + 1 < len(text):
                current += text[i : i + 2]
                i += 2
                continue
            quote = None if char == quote else quote
            current += char
        elif char in "'\"":
            quote = char
            current += char
        elif char == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        elif char == "#" and (not current or current[-1].isspace()):
            break
        elif text.startswith("&&", i) or char == ";":
            stages.append(current.strip())
            sequence.append((operator, stages))
            operator, stages, current = ("&&" if char == "&" else ";"), [], ""
            i += 2 if char == "&" else 1
            continue
        elif text.startswith("||", i) or (char == "&" and not current.endswith(">")):
            raise ValueError(f"'||' and background jobs are not supported: {text}")
        elif char == "|":
            stages.append(current.strip())
            current = ""
        else:
            current += char
        i += 1
    stages.append(current.strip())
    sequence.append((operator, stages))
    return sequence


def run_command(text: str, env: dict[str, str]) -> tuple[int, str]:
    """Run one command line in the current directory; return its status and what a terminal shows."""
    shown = bytearray()
    status = 0
    for operator, stages in split_command(text):
        if operator == "&&" and status != 0:
            continue
        if not any(_is_relclf(stage) for stage in stages):  # a plain shell pipeline: bash runs it whole
            done = subprocess.run(
                ["bash", "-c", f"(exit {status}); " + " | ".join(stages)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                check=False,
            )
            status = done.returncode
            shown += done.stdout
            continue
        data: bytes | None = None
        for position, stage in enumerate(stages):
            last = position == len(stages) - 1
            if _is_relclf(stage):
                words = shlex.split(stage)[1:]
                merge = "2>&1" in words
                quiet_errors = "2>/dev/null" in words
                words = [w for w in words if w not in ("2>&1", "2>/dev/null")]
                if any(re.match(r"\d?[<>]", w) for w in words):
                    raise ValueError(f"only 2>&1 and 2>/dev/null redirect relclf's output here: {stage}")
                status, out, err, both = run_relclf(words, data)
                if quiet_errors:
                    both = out
                    err = b""
                if last:
                    shown += both
                elif merge:
                    data = both
                else:
                    shown += err
                    data = out
            else:
                done = subprocess.run(
                    ["bash", "-c", stage],
                    input=data or b"",
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT if last else subprocess.PIPE,
                    env=env,
                    check=False,
                )
                status = done.returncode
                if last:
                    shown += done.stdout
                else:
                    shown += done.stderr
                    data = done.stdout
    return status, shown.decode("utf-8", errors="replace")


def _is_relclf(stage: str) -> bool:
    return stage.split(maxsplit=1)[:1] == ["relclf"]


# ---------------------------------------------------------------------------------------------------
# The checks

BLOCKS = [block for page in PAGES for block in parse_blocks(page)]


@pytest.fixture(scope="session")
def cluster_if_slow():
    """A dask scheduler on 127.0.0.1:8786 with two single-thread workers, each in its own process as
    in the documented recipe, for the blocks marked ``cluster`` (slow runs only)."""
    if not SLOW:
        yield None
        return
    distributed = pytest.importorskip("distributed")
    dask = Path(sys.executable).parent / "dask"
    started = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", "8786", "--no-dashboard"], stderr=subprocess.DEVNULL
        ),
        subprocess.Popen(
            [dask, "worker", "tcp://127.0.0.1:8786", "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        with distributed.Client("tcp://127.0.0.1:8786", timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        yield "tcp://127.0.0.1:8786"
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """``tmp_path/proj`` with the repository's examples and models, beside ``tmp_path/shared``."""
    project = tmp_path / "proj"
    project.mkdir()
    for name in ("examples", "models", "experiments"):
        (project / name).symlink_to(REPO / name)
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED)
    monkeypatch.chdir(project)
    monkeypatch.delenv("RELCLF_MODEL", raising=False)
    monkeypatch.delenv("RELCLF_DOWNLOAD_BASE", raising=False)
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps its usage lines at the terminal width
    return project


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_console_block_shows_what_the_commands_print(block: Block, workspace: Path, request) -> None:
    if block.needs_corpus and not (SHARED / "data").is_dir():
        pytest.skip(CORPUS_REASON)
    if block.marks & MARKS and not SLOW:
        pytest.skip(SLOW_REASON)
    if "cluster" in block.marks:
        request.getfixturevalue("cluster_if_slow")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for command in block.commands:
        status, shown = run_command(command.text, env)
        if not matches(command.expected, shown):
            diff = "\n".join(
                difflib.unified_diff(command.expected, shown.splitlines(), "shown", "printed", lineterm="")
            )
            pytest.fail(
                f"{block.page.name}:{command.line}: $ {command.text}\n(exit status {status})\n{diff}", pytrace=False
            )


def test_blocks_are_found_and_well_formed() -> None:
    assert len(BLOCKS) >= 20
    for block in BLOCKS:
        assert block.commands, f"{block.name}: a console block without a '$ ' command"
        assert block.marks <= MARKS, f"{block.name}: unknown doc-check mark(s) {sorted(block.marks - MARKS)}"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_transcript_escapes_the_check(page: Path) -> None:
    """Transcripts only in ```console blocks, and every doc-check comment right before one."""
    lines = page.read_text(encoding="utf-8").splitlines()
    fence = None
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
        elif fence is not None and fence != "console":
            assert not line.startswith("$ "), (
                f"{page.name}:{number}: a '$ ' transcript in a ```{fence} block is not checked"
            )
        elif fence is None and line.lstrip().startswith("<!--") and "doc-check" in line:
            following = next((later for later in lines[number:] if later.strip()), "")
            assert _marks_before([line, following], 1) and following.strip() == "```console", (
                f"{page.name}:{number}: write '<!-- doc-check: MARKS -->' on the line before a ```console fence"
            )


# ---------------------------------------------------------------------------------------------------
# The checker itself


def test_elisions_match_runs_of_lines_and_text_within_a_line() -> None:
    assert matches(["a", "...", "d"], "a\nb\nc\nd\n")
    assert matches(["a", "...", "d"], "a\nd\n")
    assert matches(["score 0.97..."], "score 0.9756367787548508\n")
    assert matches(["a", "b"], "a  \nb\n\n")  # trailing spaces and blank lines do not count
    assert not matches(["a", "b"], "a\nc\n")
    assert not matches(["a", "...", "d"], "a\nb\n")
    assert not matches(["score 0.97..."], "score 0.96\n")
    assert not matches(["x..."], "x\ny\n")  # an elision within a line stays within it
    assert not matches([], "something\n")


def test_commands_split_at_pipes_and_chains_but_not_inside_quotes() -> None:
    assert split_command("relclf score a b | tail -3") == [("", ["relclf score a b", "tail -3"])]
    assert split_command("relclf convert a -o b && cmp b c && echo identical") == [
        ("", ["relclf convert a -o b"]),
        ("&&", ["cmp b c"]),
        ("&&", ["echo identical"]),
    ]
    assert split_command("grep -P '^a|b;c' x  # a comment") == [("", ["grep -P '^a|b;c' x"])]
    assert split_command("relclf predict x 2>&1 | head -1") == [("", ["relclf predict x 2>&1", "head -1"])]
    for unsupported in ("dask scheduler &", "relclf info m || echo bad"):
        with pytest.raises(ValueError, match="not supported"):
            split_command(unsupported)


def test_a_wrong_transcript_fails(workspace: Path) -> None:
    env = dict(os.environ)
    status, shown = run_command("relclf convert examples/36727001.pubtator | grep -c Negative_Correlation", env)
    assert (status, shown) == (0, "3\n")
    assert not matches(["4"], shown)
    status, shown = run_command("relclf predict missing.pubtator; echo status $?", env)
    assert shown == "relclf: error: missing.pubtator:0: no such file\nstatus 2\n"


def test_verbose_lines_appear_on_every_in_process_run(workspace: Path) -> None:
    for _ in range(2):
        status, _, err, _ = run_relclf(["-v", "convert", "examples/36727001.pubtator", "-o", "x.xml"], None)
        assert status == 0 and b"relclf: wrote 1 document\n" in err


# ---------------------------------------------------------------------------------------------------
# References that go stale without a console block


def test_cli_reference_names_every_command_and_option(workspace: Path) -> None:
    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    _, out, _, _ = run_relclf(["-h"], None)
    commands = re.findall(r"^    ([a-z][a-z-]*)(?: |$)", out.decode(), flags=re.MULTILINE)  # the COMMAND list
    assert len(commands) == 10, commands
    for command in ["", *commands]:
        _, help_text, _, _ = run_relclf([command, "-h"] if command else ["-h"], None)
        options = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", help_text.decode()))
        missing = sorted(o for o in options if f"`{o}" not in reference and f" {o}" not in reference)
        assert not missing, f"docs/cli.md does not name these options of 'relclf {command}': {missing}"
        assert not command or f"relclf {command}" in reference


def _prose(page: Path) -> str:
    """The page without its fenced code blocks."""
    return re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of ``page``."""
    headings = re.findall(r"^#+ (.*)$", _prose(page), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_relative_links_and_anchors_resolve(page: Path) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", _prose(page)):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: link to a missing file: {target}"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{page.name}: link to a missing heading: {target}"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_python_names_in_the_prose_exist(page: Path) -> None:
    for name in sorted(set(re.findall(r"`(relclf(?:\.[A-Za-z_]\w*)+)", _prose(page)))):
        parts = name.split(".")
        for split in range(len(parts), 0, -1):  # the longest importable module, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            for attribute in parts[split:]:
                if attribute in getattr(obj, "__dataclass_fields__", {}) and not hasattr(obj, attribute):
                    break  # a dataclass field without a default: an attribute of instances only
                assert hasattr(obj, attribute), f"{page.name}: `{name}` does not exist"
                obj = getattr(obj, attribute)
            break


def test_readme_is_a_front_page() -> None:
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
