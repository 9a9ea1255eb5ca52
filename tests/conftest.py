"""Shared tiny PubTator fixtures for the unit tests, and the location of the real corpus.

Every document is written out by hand, so each offset can be checked against its text; the reader
validates all of them, so a wrong offset here fails loudly. Test modules import the constants
(``from conftest import ...``) or use the fixtures below.

Also here: the synthetic model, fitted once per session (``synthetic_model``, ``synthetic_model_file``),
and the two ways to run the command line: :func:`run_cli` calls :func:`relclf.cli.main` in this
process (fast; what almost every CLI test uses) and :func:`run_relclf` starts ``python -m relclf``
(for what needs a real process: signals, a terminal, exit codes of the process itself, rlimits).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import pytest

from relclf.document import Document
from relclf.io.pubtator import read_pubtator
from synthetic import synthetic_corpus

# The real corpus lives next to the repository, never inside it.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TRAIN = SHARED_DATA / "biored" / "Train.PubTator"
DEV = SHARED_DATA / "biored" / "Dev.PubTator"
BC8_UNLABELED = SHARED_DATA / "unlabeled" / "bc8_new_900.pubtator"
CORPUS_REASON = "needs the BioRED corpus in ../shared/data (not part of the repository)"
NEEDS_TRAIN_DEV = pytest.mark.skipif(not (TRAIN.exists() and DEV.exists()), reason=CORPUS_REASON)
NEEDS_BC8 = pytest.mark.skipif(not BC8_UNLABELED.exists(), reason=CORPUS_REASON)

# BioRED style, non-ASCII text, a mention with ID "-", relations with and without the novelty column.
DOC_100 = (
    "100|t|β-catenin signalling in Sjögren syndrome.\n"
    "100|a|Lithium activates β-catenin and worsens Sjögren syndrome in 12 mice. Tumors were not seen.\n"
    "100\t0\t9\tβ-catenin\tGeneOrGeneProduct\t1499\n"
    "100\t24\t40\tSjögren syndrome\tDiseaseOrPhenotypicFeature\tD012859\n"
    "100\t42\t49\tLithium\tChemicalEntity\tD008094\n"
    "100\t60\t69\tβ-catenin\tGeneOrGeneProduct\t1499\n"
    "100\t82\t98\tSjögren syndrome\tDiseaseOrPhenotypicFeature\tD012859\n"
    "100\t105\t109\tmice\tOrganismTaxon\t10090\n"
    "100\t111\t117\tTumors\tDiseaseOrPhenotypicFeature\t-\n"
    "100\tAssociation\t1499\tD012859\tNovel\n"
    "100\tPositive_Correlation\tD008094\t1499\n"
)

# BC5CDR style: a 5-column mention (no ID column), a composite mention with a 7th column (the texts of
# its parts), and relations naming the composite's parts.
DOC_200 = (
    "200|t|Vincristine causes visual and auditory impairment.\n"
    "200|a|Vincristine was given to patients.\n"
    "200\t0\t11\tVincristine\tChemical\n"
    "200\t19\t49\tvisual and auditory impairment\tDisease\tD014786|D006311\tvisual impairment|auditory impairment\n"
    "200\t51\t62\tVincristine\tChemical\tD014750\n"
    "200\t76\t84\tpatients\tSpecies\t9606\n"
    "200\tCID\tD014750\tD014786\n"
    "200\tCID\tD014750\tD006311\n"
)

# Two documents in canonical form (each followed by exactly one blank line): what the writer produces.
MULTI_DOC = DOC_100 + "\n" + DOC_200 + "\n"

# BioRED style: a comma list (3172,3651,6927) whose parts also have mentions of their own, a variant ID
# containing "|", and a composite disease that the relation names as a whole.
DOC_300 = (
    "300|t|MODY genes and insulin in diabetes.\n"
    "300|a|The c.5382insC variant of BRCA1 was found with cisplatin. HNF1A, HNF4A and GCK carriers had "
    "diabetes and 3 mice had hearing loss or visual loss.\n"
    "300\t0\t4\tMODY\tGeneOrGeneProduct\t3172,3651,6927\n"
    "300\t15\t22\tinsulin\tGeneOrGeneProduct\t3630\n"
    "300\t26\t34\tdiabetes\tDiseaseOrPhenotypicFeature\tD003920\n"
    "300\t40\t50\tc.5382insC\tSequenceVariant\tc|INS|5382|C\n"
    "300\t62\t67\tBRCA1\tGeneOrGeneProduct\t672\n"
    "300\t83\t92\tcisplatin\tChemicalEntity\tD002945\n"
    "300\t94\t99\tHNF1A\tGeneOrGeneProduct\t6927\n"
    "300\t101\t106\tHNF4A\tGeneOrGeneProduct\t3172\n"
    "300\t111\t114\tGCK\tGeneOrGeneProduct\t2645\n"
    "300\t128\t136\tdiabetes\tDiseaseOrPhenotypicFeature\tD003920\n"
    "300\t143\t147\tmice\tOrganismTaxon\t10090\n"
    "300\t152\t179\thearing loss or visual loss\tDiseaseOrPhenotypicFeature\tD034381|D014786\n"
    "300\tAssociation\t3172\tD003920\tNovel\n"
    "300\tAssociation\tc|INS|5382|C\t672\tNo\n"
    "300\tAssociation\tD002945\tD034381|D014786\tNovel\n"
)

# For features: the title is sentence 0; the abstract has two sentences. Aspirin and cancer share the
# title; EGFR (sentence 1 only) and cancer (title and sentence 2) never share a sentence.
DOC_400 = (
    "400|t|Aspirin and TP53 in cancer.\n"
    "400|a|Aspirin inhibits TP53 via EGFR in 2 mice. Later, cancer was seen.\n"
    "400\t0\t7\tAspirin\tChemical\tD001241\n"
    "400\t12\t16\tTP53\tGene\t7157\n"
    "400\t20\t26\tcancer\tDisease\tD009369\n"
    "400\t28\t35\tAspirin\tChemical\tD001241\n"
    "400\t45\t49\tTP53\tGene\t7157\n"
    "400\t54\t58\tEGFR\tGene\t1956\n"
    "400\t64\t68\tmice\tSpecies\t10090\n"
    "400\t77\t83\tcancer\tDisease\tD009369\n"
    "400\tNegative_Correlation\tD001241\t1956\n"
)


def parse(text: str | bytes, **kwargs) -> list[Document]:
    """Read PubTator text (str or bytes) from memory with the real reader."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(read_pubtator(io.BytesIO(data), **kwargs))


def parse_one(text: str | bytes) -> Document:
    """Read a text holding exactly one document."""
    (document,) = parse(text)
    return document


@pytest.fixture
def doc_100() -> Document:
    return parse_one(DOC_100)


@pytest.fixture
def doc_200() -> Document:
    return parse_one(DOC_200)


@pytest.fixture
def doc_300() -> Document:
    return parse_one(DOC_300)


@pytest.fixture
def doc_400() -> Document:
    return parse_one(DOC_400)


@pytest.fixture(scope="session")
def biored_train() -> list[Document]:
    return list(read_pubtator(TRAIN))


@pytest.fixture(scope="session")
def biored_dev() -> list[Document]:
    return list(read_pubtator(DEV))


# --- running the command line ---------------------------------------------------------------------


class _Tap(io.RawIOBase):
    """A write-only byte stream that appends everything to several buffers."""

    def __init__(self, *targets: bytearray) -> None:
        self.targets = targets

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        for target in self.targets:
            target.extend(data)
        return len(data)


def _text_stream(raw: _Tap) -> io.TextIOWrapper:
    # what a child started with PYTHONIOENCODING=utf-8 gets; write_through keeps text and bytes in order
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", write_through=True)  # type: ignore[arg-type]


@contextlib.contextmanager
def _file_descriptor_captured(fd: int, sink: bytearray) -> Iterator[None]:
    """Send what is written to file descriptor ``fd`` (by worker processes, C code) to ``sink``.

    A subprocess test would see that output on the child's stdout or stderr; so must an in-process one.
    """
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as spool:
        os.dup2(spool.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            spool.seek(0)
            sink.extend(spool.read())


@contextlib.contextmanager
def _warnings_as_in_a_new_process() -> Iterator[None]:
    """Python warnings printed to ``sys.stderr`` under the interpreter's default filters, as the
    command would print them, instead of being collected by pytest."""
    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.simplefilter("default")
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.simplefilter("ignore", category)
        warnings.showwarning = warnings._showwarning_orig  # type: ignore[attr-defined]  # writes to sys.stderr
        yield


@dataclass(frozen=True)
class CliRun:
    """What one in-process run of the command line gave: exit status, stdout, stderr, and both as a
    terminal would interleave them (bytes)."""

    status: int
    stdout: bytes
    stderr: bytes
    both: bytes


def run_cli_bytes(argv: Sequence[str], stdin: bytes | None = None) -> CliRun:
    """Run ``relclf ARGV`` in this process through :func:`relclf.cli.main` and capture everything it
    writes: ``sys.stdout``/``sys.stderr`` (in order, also interleaved) and, after those, whatever
    reached file descriptors 1 and 2 (worker processes started by the run inherit them).

    ``stdin`` (default: empty) is what the run reads as standard input. argparse's exits (usage
    errors, ``-h``, ``--version``) give their status as a process would.
    """
    from relclf import cli

    out, err, both = bytearray(), bytearray(), bytearray()
    fd_out, fd_err = bytearray(), bytearray()
    stdout, stderr = _text_stream(_Tap(out, both)), _text_stream(_Tap(err, both))
    stdin_stream = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin_stream, stdout, stderr
    try:
        with (
            _file_descriptor_captured(1, fd_out),
            _file_descriptor_captured(2, fd_err),
            _warnings_as_in_a_new_process(),
        ):
            try:
                status = cli.main(list(argv))
            except SystemExit as exit_:
                status = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        for stream in (stdout, stderr):
            stream.detach()
    return CliRun(status, bytes(out + fd_out), bytes(err + fd_err), bytes(both + fd_out + fd_err))


def run_cli(*args: str, stdin: str | bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``relclf ARGS`` in this process (see :func:`run_cli_bytes`); return what :func:`run_relclf`
    returns for a real process: ``returncode`` and the ``stdout``/``stderr`` text (UTF-8)."""
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        run = run_cli_bytes(args, data)
    return subprocess.CompletedProcess(
        ["relclf", *args],
        run.status,
        run.stdout.decode("utf-8", "surrogateescape"),
        run.stderr.decode("utf-8", "surrogateescape"),
    )


def run_relclf(
    *args: str, stdin: str | None = None, cwd: Path | None = None, preexec_fn=None
) -> subprocess.CompletedProcess:
    """Run ``python -m relclf ARGS`` as a user would and capture its output (text, UTF-8).

    ``preexec_fn`` runs in the child before it starts (e.g. to set a resource limit).
    """
    return subprocess.run(
        [sys.executable, "-m", "relclf", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        preexec_fn=preexec_fn,
    )


# --- the synthetic model, fitted once per session -------------------------------------------------


@pytest.fixture(scope="session")
def synthetic_train(tmp_path_factory) -> Path:
    """``synthetic_corpus(40, seed=1)`` in a file named ``train.pubtator``."""
    path = tmp_path_factory.mktemp("synthetic") / "train.pubtator"
    path.write_text(synthetic_corpus(40, seed=1))
    return path


# what the shared model and model file must still be after every test (by id of the model, or path)
_FINGERPRINTS: dict[object, str] = {}


@pytest.fixture(scope="session")
def synthetic_model(synthetic_train):
    """``RelationExtractor(vectorizer=PairVectorizer(min_df=1))`` fitted on ``synthetic_corpus(40, seed=1)``.

    Shared by the whole session, so no test may change it (``sklearn.base.clone`` it to fit a
    variant): a test that does fails in its teardown.
    """
    from relclf import RelationExtractor
    from relclf.extract.vectorizer import PairVectorizer

    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1)).fit(read_pubtator(synthetic_train))
    _FINGERPRINTS[id(model)] = joblib.hash(model)
    return model


@pytest.fixture(scope="session")
def synthetic_model_file(synthetic_model, synthetic_train) -> Path:
    """``synthetic_model`` saved (with its card and checksum) as ``model.npz`` beside ``synthetic_train``.

    Shared too: a test that changes the file fails in its teardown.
    """
    from relclf.persistence import build_metadata, save_model

    path = synthetic_train.with_name("model.npz")
    save_model(synthetic_model, path, build_metadata(synthetic_model, [synthetic_train]))
    _FINGERPRINTS[path] = _file_fingerprint(path)
    return path


def _file_fingerprint(path: Path) -> str:
    return joblib.hash([p.read_bytes() for p in sorted(path.parent.iterdir())])


@pytest.fixture(autouse=True)
def _shared_model_unchanged(request):
    """After each test that used the shared synthetic model or its file: check that both are unchanged."""
    yield
    if "synthetic_model" in request.fixturenames:
        model = request.getfixturevalue("synthetic_model")
        assert joblib.hash(model) == _FINGERPRINTS[id(model)], "this test changed the shared synthetic model"
    if "synthetic_model_file" in request.fixturenames:
        path = request.getfixturevalue("synthetic_model_file")
        assert _file_fingerprint(path) == _FINGERPRINTS[path], (
            f"this test changed the shared model files in {path.parent}"
        )
