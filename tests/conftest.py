"""Shared tiny PubTator fixtures for the unit tests, and the location of the real corpus.

Every document is written out by hand, so each offset can be checked against its text; the reader
validates all of them, so a wrong offset here fails loudly. Test modules import the constants
(``from conftest import ...``) or use the fixtures below.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from relclf.document import Document
from relclf.io.pubtator import read_pubtator

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


def run_relclf(*args: str, stdin: str | None = None, cwd: Path | None = None, preexec_fn=None) -> subprocess.CompletedProcess:
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
