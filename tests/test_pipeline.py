"""relclf.pipeline: streamed prediction of a file equals the model's prediction of its documents,
whether the file is cut into chunks for worker processes or read here."""

from __future__ import annotations

import io
import logging

import pytest

from relclf.errors import InputError
from relclf.extract.predictions import combine_relations
from relclf.io.pubtator import Formatted, format_document, read_pubtator
from relclf.pipeline import PredictOptions, predicted_documents
from synthetic import synthetic_corpus


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """600 synthetic documents (three chunks of 256 and a rest), with relations of their own."""
    path = tmp_path_factory.mktemp("pipeline") / "in.pubtator"
    path.write_text(synthetic_corpus(600, seed=8, start=100))
    return path


def expected(model, path, options: PredictOptions) -> list:
    """What the model predicts for the documents of ``path``, combined and rendered as ``options`` say."""
    documents = list(read_pubtator(path))
    predicted = model.predict([d.with_relations(()) for d in documents], threshold=options.threshold)
    combined = [
        d.with_relations(
            combine_relations(d.relations, p, min_score=options.min_score, keep_existing=options.keep_existing)
        )
        for d, p in zip(documents, predicted, strict=True)
    ]
    if options.render:
        return [Formatted(d.pmid, d.line, format_document(d, with_scores=options.with_scores)) for d in combined]
    return combined


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize(
    "options",
    [
        PredictOptions(),
        PredictOptions(render=True, with_scores=True),
        PredictOptions(threshold=0.2, min_score=0.5, keep_existing=True, render=True),
    ],
    ids=["documents", "rendered", "filtered"],
)
def test_prediction_of_a_file_equals_the_models_in_every_mode(synthetic_model, source, options, n_jobs):
    model = synthetic_model.model_
    got = list(predicted_documents(source, model, options=options, n_jobs=n_jobs, batch_size=256))
    if options.render and n_jobs == 1:  # a serial run returns documents (the writer renders them alike)
        got = [Formatted(d.pmid, d.line, format_document(d, with_scores=options.with_scores)) for d in got]
    assert got == expected(model, source, options)
    assert any(p for p in model.predict(read_pubtator(source)))  # the comparison covers predicted relations


def test_a_file_read_here_gives_what_chunks_give(synthetic_model, source, tmp_path):
    # a BioC-free way to take the other path: an input format known only while reading (a FIFO-like
    # stream), which predicted_documents reads here and predicts by documents
    model = synthetic_model.model_
    stream = io.BytesIO(source.read_bytes())
    got = list(
        predicted_documents(stream, model, input_format=None, options=PredictOptions(render=False), batch_size=100)
    )
    assert got == expected(model, source, PredictOptions())


def test_invalid_documents_are_reported_in_file_order_and_skipped(synthetic_model, tmp_path):
    text = synthetic_corpus(300, seed=9, start=1)
    lines = text.split("\n")
    broken_at = next(i for i, line in enumerate(lines) if line.startswith("280|a|"))
    lines[broken_at] = "280|a|\x00broken"  # a document deep in the second chunk
    path = tmp_path / "broken.pubtator"
    path.write_text("\n".join(lines) + synthetic_corpus(2, seed=9, start=1))  # and two duplicate IDs at the end
    errors: list[InputError] = []
    got = list(predicted_documents(path, synthetic_model.model_, on_error=errors.append, n_jobs=2, batch_size=128))
    assert [d.pmid for d in got] == [str(i) for i in range(1, 301) if i != 280]
    assert [(e.line, "NUL" in e.message or "duplicate" in e.message) for e in errors][0] == (broken_at + 1, True)
    assert [e.message for e in errors[1:]] == ["duplicate document ID '1'", "duplicate document ID '2'"]
    with pytest.raises(InputError) as strict:
        list(predicted_documents(path, synthetic_model.model_, n_jobs=2, batch_size=128))
    assert strict.value.line == broken_at + 1


def test_what_workers_log_arrives_in_order(synthetic_model, source, caplog):
    capped = synthetic_model.model_.with_pair_cap(1)
    with caplog.at_level(logging.WARNING, logger="relclf"):
        list(predicted_documents(source, capped, n_jobs=2, batch_size=64))
    named = [r.getMessage().split()[1] for r in caplog.records if "candidate pairs" in r.getMessage()]
    assert named and named == sorted(named, key=lambda pmid: int(pmid.strip("'")))
