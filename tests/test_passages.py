"""Full texts: the passages the model reads are chosen by type, a long document is read in sections, and the
output keeps every passage; a long synthetic full text predicts within memory."""

from __future__ import annotations

import tracemalloc

import pytest

from bioc_helpers import to_xml, xml_docs
from conftest import parse, run_cli
from relclf import api
from relclf.document import Document, Mention, Passage, Relation
from relclf.errors import UsageError
from relclf.extract.passages import (
    ALL_PASSAGES,
    LONG_DOCUMENT,
    SECTION_CHARS,
    merged_relations,
    passage_kinds,
    read_pieces,
)
from synthetic import synthetic_corpus

ABSTRACT = parse(synthetic_corpus(1, seed=3))[0]
TITLE_INFONS = (("section_type", "TITLE"), ("type", "front"))
ABSTRACT_INFONS = (("section_type", "ABSTRACT"), ("type", "abstract"))


def full_text(document: Document, *passages: tuple[tuple[tuple[str, str], ...], str, list[tuple[str, str, str]]]):
    """``document`` (title and abstract, as PMC's BioC types them) followed by ``passages``: each its infons, its text
    and the (name, type, identifier) of the mentions it holds (each name found in the text)."""
    title, text, mentions = document.title, document.text, list(document.mentions)
    layout = [Passage(0, len(title), TITLE_INFONS), Passage(len(title) + 1, len(document.abstract), ABSTRACT_INFONS)]
    for infons, body, named in passages:
        start = len(text) + 1
        layout.append(Passage(start, len(body), infons))
        for name, kind, identifier in named:
            at = start + body.index(name)
            mentions.append(Mention(at, at + len(name), name, kind, identifier))
        text = f"{text} {body}"
    return Document(document.pmid, title, text[len(title) + 1 :], tuple(mentions), passages=tuple(layout))


CITED_PAIR = frozenset({"C9077", "D9077"})


def pairs(relations) -> set[frozenset[str]]:
    return {r.pair for r in relations}


def well_placed(piece: Document) -> bool:
    return all(piece.text[m.start : m.end] == m.text for m in piece.mentions)


REFERENCES = (("section_type", "REF"), ("type", "ref"))
CITED = (
    "chemazol77 induces fibrosis type 77 in mice.",
    [("chemazol77", "Chemical", "C9077"), ("fibrosis type 77", "Disease", "D9077")],
)


# --- choosing passages --------------------------------------------------------------------------------------


def test_a_passage_is_named_by_its_section_type_and_its_type():
    assert passage_kinds(REFERENCES + (("id", "R1"),)) == {"ref"}
    assert passage_kinds((("section_type", "RESULTS"), ("type", "paragraph"))) == {"results", "paragraph"}
    assert passage_kinds((("section", "Title"),)) == frozenset()


def test_the_default_leaves_out_references_tables_and_figures_and_a_choice_reads_what_it_names():
    document = full_text(
        ABSTRACT,
        ((("section_type", "RESULTS"), ("type", "paragraph")), "GENE5 rose.", [("GENE5", "Gene", "3005")]),
        ((("section_type", "TABLE"), ("type", "table")), "GENE6 12", [("GENE6", "Gene", "3006")]),
        ((("section_type", "FIG"), ("type", "fig_caption")), "GENE7 fell.", [("GENE7", "Gene", "3007")]),
        (REFERENCES, *CITED),
        ((("id", "x"),), "GENE8 in an untyped passage.", [("GENE8", "Gene", "3008")]),
    )

    def read(choice) -> list[str]:
        (piece,) = read_pieces(document, choice)
        assert well_placed(piece)
        return sorted({m.identifier for m in piece.mentions} - {m.identifier for m in ABSTRACT.mentions})

    assert read(None) == ["3005", "3008"]  # an untyped passage: nothing says what it is
    assert read(ALL_PASSAGES) == ["3005", "3006", "3007", "3008", "C9077", "D9077"]
    assert read({"paragraph", "fig"}) == ["3005", "3007", "3008"]
    (abstract_only,) = read_pieces(document, {"abstract"})
    assert abstract_only.title == "" and abstract_only.abstract.startswith(ABSTRACT.abstract)


def test_an_abstract_is_read_as_it_is():
    assert read_pieces(ABSTRACT) == [ABSTRACT] and read_pieces(ABSTRACT)[0] is ABSTRACT
    typed = full_text(ABSTRACT)
    assert read_pieces(typed)[0] is typed
    (abstract_only,) = read_pieces(ABSTRACT, {"abstract"})  # PubTator: a title and an abstract passage
    assert abstract_only.title == "" and abstract_only.abstract == ABSTRACT.abstract and well_placed(abstract_only)
    assert len(abstract_only.mentions) == sum(m.start > len(ABSTRACT.title) for m in ABSTRACT.mentions)


def test_a_reference_passage_changes_no_prediction_by_default(synthetic_model):
    model = synthetic_model.model_
    document = full_text(ABSTRACT, (REFERENCES, *CITED))
    (alone,), (with_references,) = model.predict([ABSTRACT], threshold=0.0), model.predict([document], threshold=0.0)
    assert with_references == alone
    (everything,) = model.with_passages(ALL_PASSAGES).predict([document], threshold=0.0)
    assert CITED_PAIR in pairs(everything) and CITED_PAIR not in pairs(alone)
    assert model.with_passages({"methods"}).predict([document], threshold=0.0) == [()]  # nothing read


# --- long documents -----------------------------------------------------------------------------------------


def long_document(filler: int) -> Document:
    """An INTRO passage naming chemical A and disease B, ``filler`` passages of text without mentions, and a
    RESULTS passage naming chemical C and disease D."""
    paragraph = "The samples were kept cold and measured twice by two readers. " * 20
    return full_text(
        ABSTRACT,
        (
            (("section_type", "INTRO"), ("type", "paragraph")),
            "chemazol50 induces fibrosis type 50.",
            [("chemazol50", "Chemical", "C1050"), ("fibrosis type 50", "Disease", "D2050")],
        ),
        *[((("section_type", "METHODS"), ("type", "paragraph")), paragraph, []) for _ in range(filler)],
        (
            (("section_type", "RESULTS"), ("type", "paragraph")),
            "chemazol51 induces fibrosis type 51.",
            [("chemazol51", "Chemical", "C1051"), ("fibrosis type 51", "Disease", "D2051")],
        ),
    )


def test_a_long_document_is_read_in_sections_and_far_apart_entities_are_no_pair(synthetic_model):
    model = synthetic_model.model_
    short, long = long_document(1), long_document(12)
    assert len(short.text) < LONG_DOCUMENT < len(long.text)
    pieces = read_pieces(long)
    assert len(pieces) > 2 and all(well_placed(p) for p in pieces)
    assert all(len(p.abstract) <= SECTION_CHARS for p in pieces)
    assert all(p.title == ABSTRACT.title for p in pieces)  # each section read with the title
    (near,), (far,) = model.predict([short], threshold=0.0), model.predict([long], threshold=0.0)
    same = [frozenset({"C1050", "D2050"}), frozenset({"C1051", "D2051"})]
    apart = [frozenset({"C1050", "D2051"}), frozenset({"C1051", "D2050"})]
    assert all(p in pairs(near) and p in pairs(far) for p in same)
    assert all(p in pairs(near) and p not in pairs(far) for p in apart)
    assert len(pairs(far)) == len(far)  # a pair found in several sections once


def test_a_pair_found_in_several_sections_keeps_its_best_relation_in_first_found_order():
    first = (Relation("Bind", "a", "b", score=0.4), Relation("Bind", "c", "d", score=0.9))
    second = (Relation("Association", "b", "a", score=0.7), Relation("Bind", "e", "f", score=0.1))
    assert merged_relations([first, second]) == (second[0], first[1], second[1])
    assert merged_relations([first]) is first


def test_a_long_full_text_predicts_within_memory_and_pairs_share_a_section(monkeypatch):
    """The size issue #22 names (50,000 characters, 40 passages, 3,000 mentions, 200 entities), with the
    bundled model: its peak allocation stays far below 300 MB (about 20 MB; the time, about 0.2 s, is measured
    by experiments/benchmark_scale.py, not here)."""
    from test_experiments import EXPERIMENTS

    monkeypatch.syspath_prepend(str(EXPERIMENTS))
    from pubtator3_shards import long_full_text

    document = long_full_text()
    assert (len(document.passages), len(document.mentions)) == (40, 3000)
    assert len({m.identifier for m in document.mentions}) == 200 and 49_000 < len(document.text) < 51_000
    model = api.resolve_model(None)
    model.predict([ABSTRACT])  # what is loaded once (lazy imports, caches) is not the document's cost
    tracemalloc.start()
    try:
        (relations,) = model.predict([document])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 150_000_000, peak
    sections = [{m.identifier for m in piece.mentions} for piece in read_pieces(document)]
    assert relations and all(any(r.pair <= s for s in sections) for r in relations)


# --- through the files and the command line -----------------------------------------------------------------


def test_the_output_keeps_every_passage_and_workers_read_as_a_serial_run(synthetic_model_file, tmp_path):
    documents = [full_text(d, (REFERENCES, *CITED)) for d in parse(synthetic_corpus(30, seed=8))]
    source = tmp_path / "in.xml"
    source.write_bytes(to_xml(documents))
    outputs = {}
    for n_jobs in (1, 2):
        outputs[n_jobs] = tmp_path / f"out{n_jobs}.xml"
        api.predict_file(source, outputs[n_jobs], synthetic_model_file, n_jobs=n_jobs, threshold=0.0)
    assert outputs[1].read_bytes() == outputs[2].read_bytes()
    written = xml_docs(outputs[1].read_bytes())
    assert [d.passages for d in written] == [d.passages for d in documents]
    assert [d.mentions for d in written] == [d.mentions for d in documents]
    assert not any(CITED_PAIR in pairs(d.relations) for d in written)
    everything = tmp_path / "all.xml"
    api.predict_file(source, everything, synthetic_model_file, threshold=0.0, passages=ALL_PASSAGES)
    assert all(CITED_PAIR in pairs(d.relations) for d in xml_docs(everything.read_bytes()))


def test_a_choice_that_names_no_passage_is_a_usage_error(synthetic_model_file, tmp_path):
    source = tmp_path / "in.xml"
    source.write_bytes(to_xml([full_text(ABSTRACT, (REFERENCES, *CITED))]))
    with pytest.raises(UsageError, match="names no kind"):
        api.predict_file(source, tmp_path / "o.xml", synthetic_model_file, passages=[" "])
    with pytest.raises(UsageError, match="collection of kinds"):
        api.predict_file(source, tmp_path / "o.xml", synthetic_model_file, passages="methods")
    failed = run_cli("predict", str(source), "-m", str(synthetic_model_file), "--passages", ",")
    assert failed.returncode == 2 and "--passages" in failed.stderr and not (tmp_path / "o.xml").exists()
    done = run_cli(
        "predict", str(source), "-m", str(synthetic_model_file), "--passages", "Front,ref", "--threshold", "0"
    )
    assert done.returncode == 0, done.stderr
    assert CITED_PAIR in pairs(parse(done.stdout)[0].relations)  # PubTator on stdout
