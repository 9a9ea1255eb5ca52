"""The Python API the CLI calls: one-call functions on paths and documents, many-file prediction, streamed scoring."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import parse
from relclf import api
from relclf.errors import InputError
from relclf.evaluation.metrics import score_documents
from relclf.extract.calibration import expected_calibration_error
from relclf.extract.estimator import RelationExtractor
from relclf.extract.vectorizer import PairVectorizer
from relclf.io.pubtator import read_pubtator
from synthetic import synthetic_corpus


def test_evaluate_details_agrees_with_evaluate():
    model = RelationExtractor(cv=2).fit(parse(synthetic_corpus(30, seed=3)))
    gold = parse(synthetic_corpus(10, seed=4, start=900))
    details = api.evaluate_details(gold, model)
    assert details.scores == api.evaluate(gold, model)
    assert details.cut == model.model_.cut() and details.cut.threshold == model.threshold_
    if model.rule_ == "pair":  # the model's own decision is on the probability of being related, not the score
        assert details.cut.on == "related"
    score_cut = api.evaluate_details(gold, model, threshold=0.5)
    assert score_cut.cut.on == "score" and score_cut.scores == api.evaluate(gold, model, threshold=0.5)
    lower = api.evaluate_details(gold, model, threshold=0.0)
    assert lower.scores.levels["pair"].fp >= details.scores.levels["pair"].fp
    assert lower.scores == api.evaluate(gold, model, threshold=0.0)


def _api_page_python_blocks() -> list[str]:
    """The ```python blocks of docs/python-api.md."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "python-api.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)


def test_python_api_page_examples_run(tmp_path, monkeypatch, capsys):
    """Run the examples of docs/python-api.md as written, on synthetic files named like BioRED's."""
    blocks = _api_page_python_blocks()
    assert len(blocks) >= 1 and "api.train" in blocks[0]
    (tmp_path / "Train.PubTator").write_text(synthetic_corpus(30, seed=3), encoding="utf-8")
    (tmp_path / "Dev.PubTator").write_text(synthetic_corpus(8, seed=4, start=900), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "docs/python-api.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.count("type (micro)") == len(blocks)
    assert "labeler - toward Positive_Correlation:" in out
    assert (tmp_path / "my.npz").is_file() and (tmp_path / "my.npz.json").is_file()
    assert (tmp_path / "dev.pred.pubtator").read_text().count("|t|") == 8


@pytest.fixture
def model(synthetic_model) -> RelationExtractor:
    return synthetic_model


@pytest.fixture
def inputs(tmp_path) -> Path:
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "part1.pubtator").write_text(synthetic_corpus(6, seed=2, start=100))
    (directory / "part2.pubtator").write_text(synthetic_corpus(5, seed=3, start=200))
    return directory


def test_predict_files_writes_one_output_per_input_equal_to_single_file_runs(model, inputs, tmp_path):
    results = api.predict_files([inputs], tmp_path / "out", model, with_scores=True)
    assert [(r.source.name, r.output, r.documents) for r in results] == [
        ("part1.pubtator", tmp_path / "out" / "part1.pubtator", 6),
        ("part2.pubtator", tmp_path / "out" / "part2.pubtator", 5),
    ]
    for result in results:
        single = tmp_path / f"single-{result.source.name}"
        api.predict_file(result.source, single, model, with_scores=True)
        assert result.output.read_bytes() == single.read_bytes()
        assert b"Correlation" in result.output.read_bytes()


def test_predict_files_reports_name_clashes_before_writing(model, inputs, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "part1.pubtator").write_text(synthetic_corpus(2, seed=4, start=300))
    with pytest.raises(InputError, match="same output name as .*part1.pubtator"):
        api.predict_files([inputs, other / "part1.pubtator"], tmp_path / "out", model)
    assert not (tmp_path / "out").exists()


def test_predict_files_names_outputs_after_the_output_format(model, inputs, tmp_path):
    results = api.predict_files([inputs], tmp_path / "out", model, output_format="tsv")
    assert [r.output.name for r in results] == ["part1.tsv", "part2.tsv"]
    assert (tmp_path / "out" / "part1.tsv").read_text().startswith("document\tid1\t")
    same = api.predict_files([inputs], tmp_path / "same", model)  # without it, each output keeps its input's format
    assert (tmp_path / "same" / "part1.pubtator").read_text().count("|t|") == 6 and same[0].documents == 6


def test_predict_files_refuses_to_overwrite_an_input(model, inputs):
    with pytest.raises(InputError, match="is the input .*part1.pubtator.*would destroy that input"):
        api.predict_files([inputs / "part1.pubtator"], inputs, model)


def test_a_bad_input_leaves_no_output_for_it(model, inputs, tmp_path):
    (inputs / "part3.pubtator").write_text("123|t|Title\n123|a|Abstract\n123\tbad mention line\n")
    with pytest.raises(InputError, match="part3.pubtator:3:"):
        api.predict_files([inputs], tmp_path / "out", model)
    assert not (tmp_path / "out" / "part3.pubtator").exists()


def test_streaming_evaluate_equals_scoring_the_whole_corpus(model, inputs):
    gold = list(read_pubtator(inputs / "part1.pubtator"))
    hidden = [d.with_relations(()) for d in gold]
    expected = score_documents(gold, model.predict_documents(hidden))
    streamed = api.evaluate(inputs / "part1.pubtator", model)
    assert dataclasses.replace(streamed, calibration=None) == expected
    assert api.evaluate(iter(gold), model, n_jobs=2) == streamed
    assert expected.documents == 6
    # the calibration report reads every relation scoring at least 0.1
    low = list(model.predict_documents(hidden, threshold=0.1))
    scored = [
        (r.score, (r.pair, r.label) in {(g.pair, g.label) for g in d.relations})
        for d, p in zip(gold, low, strict=True)
        for r in p.relations
    ]
    assert streamed.calibration.pairs == len(scored)
    assert streamed.calibration.ece == pytest.approx(
        expected_calibration_error(np.array([s for s, _ in scored]), np.array([c for _, c in scored]))
    )


def test_a_missing_default_model_says_where_it_should_come_from(tmp_path, monkeypatch):
    import relclf.persistence.resolve as resolve
    from relclf.errors import ModelError

    monkeypatch.delenv("RELCLF_MODEL", raising=False)
    monkeypatch.setattr(resolve, "DEFAULT_MODEL", tmp_path / "absent.npz")
    with pytest.raises(
        ModelError, match=r"absent.npz: the default model is missing; reinstall relclf .*models/MODEL_CARD.md"
    ):
        api.resolve_model(None)
    monkeypatch.setenv("RELCLF_MODEL", str(tmp_path / "named.npz"))
    with pytest.raises(ModelError, match=r"named.npz: the model named by RELCLF_MODEL is missing$"):
        api.resolve_model(None)


def test_the_default_model_is_found_as_a_package_resource():
    from importlib import resources

    bundled = resources.files("relclf.models")
    assert api.DEFAULT_MODEL == Path(str(bundled / api.DEFAULT_MODEL_NAME))
    for name in (
        api.DEFAULT_MODEL_NAME,
        f"{api.DEFAULT_MODEL_NAME}.json",
        f"{api.DEFAULT_MODEL_NAME}.sha256",
        "MODEL_CARD.md",
    ):
        assert (bundled / name).is_file(), name


# -- warnings that stop wrong conclusions (issue 14) ----------------------------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, Path]:
    """A model trained and saved through api.train, its training file, and files sharing documents with it or not."""
    directory = tmp_path_factory.mktemp("trained")
    files = {
        "train": directory / "train.pubtator",
        "other": directory / "other.pubtator",
        "norelations": directory / "norelations.pubtator",
    }
    files["train"].write_text(synthetic_corpus(30, seed=1))
    files["other"].write_text(synthetic_corpus(6, seed=2, start=700))
    no_relations = [d.with_relations(()) for d in read_pubtator(files["other"])]
    api.write_documents(no_relations, files["norelations"])
    files["model"] = directory / "model.npz"
    api.train([files["train"]], files["model"], params={"cv": 2, "vectorizer": PairVectorizer(min_df=1)})
    return files


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]


def test_the_card_records_the_training_documents_and_evaluate_warns_about_them(saved, caplog):
    from relclf.persistence import document_digest, read_model_card

    card = read_model_card(saved["model"])
    pmids = [d.pmid for d in read_pubtator(saved["train"])]
    assert card["training_documents"] == sorted(document_digest(p) for p in pmids)
    assert api.training_digests(saved["model"]) == frozenset(card["training_documents"])
    api.evaluate(saved["train"], saved["model"])
    assert warnings_of(caplog) == [
        f"{saved['train']}: 30 of its 30 documents were in the model's training data: these scores overstate how it "
        "does on new text"
    ]
    caplog.clear()
    api.evaluate(saved["other"], saved["model"])
    api.evaluate_details(saved["other"], saved["model"])
    assert warnings_of(caplog) == []


def test_a_bare_estimator_has_no_card_and_the_bundled_model_knows_biored(saved):
    assert api.training_digests(RelationExtractor()) is None
    bundled = api.training_digests(None)
    assert bundled is not None and len(bundled) == 500  # BioRED Train + Dev


def test_gold_without_relations_and_files_without_shared_documents_warn(saved, caplog):
    api.evaluate(saved["norelations"], saved["model"])
    assert warnings_of(caplog) == [
        f"{saved['norelations']}: no document has a gold relation: there is nothing to find, and every score is 0"
    ]
    caplog.clear()
    api.score_files(saved["other"], saved["train"], training_documents=api.training_digests(saved["model"]))
    assert warnings_of(caplog) == [
        f"{saved['other']} and {saved['train']} share no document (by ID): every gold relation counts as missed; are "
        "they the same documents?"
    ]
    caplog.clear()
    api.score_files(saved["train"], saved["train"], training_documents=api.training_digests(saved["model"]))
    assert "30 of its 30 documents were in the model's training data" in warnings_of(caplog)[0]


# -- outputs never replace inputs; train checks before fitting ---------------------------------------------


@pytest.mark.parametrize("how", ["same path", "through ..", "symlink", "hard link"])
def test_an_output_naming_an_input_is_refused_before_anything_is_read(saved, tmp_path, how):
    source = tmp_path / "in.pubtator"
    source.write_text(synthetic_corpus(3, seed=5))
    before = source.read_bytes()
    (tmp_path / "sub").mkdir()
    target = {
        "same path": source,
        "through ..": tmp_path / "sub" / ".." / "in.pubtator",
        "symlink": tmp_path / "link.pubtator",
        "hard link": tmp_path / "hard.pubtator",
    }[how]
    if how == "symlink":
        target.symlink_to(source)
    if how == "hard link":
        target.hardlink_to(source)
    for call in (
        lambda: api.predict_file(source, target, saved["model"]),
        lambda: api.convert(source, target),
        lambda: api.train([source], target),
    ):
        with pytest.raises(InputError, match=f"is the input {re.escape(str(source))}"):
            call()
    assert source.read_bytes() == before


def test_a_model_and_its_card_are_inputs_too(saved, tmp_path):
    with pytest.raises(InputError, match="is the input"):
        api.predict_file(saved["other"], f"{saved['model']}.json", saved["model"])
    with pytest.raises(InputError, match="is the input"):
        api.predict_file(saved["other"], f"{saved['model']}.sha256", saved["model"])
    dev = tmp_path / "m.npz.json"  # where the model's card would go
    dev.write_text(saved["other"].read_text())
    with pytest.raises(InputError, match="m.npz.json:0: is the input"):
        api.train([saved["train"]], tmp_path / "m.npz", dev=dev)


def test_train_checks_its_output_and_dev_file_before_fitting(saved, tmp_path, caplog):
    import logging

    from relclf.errors import OutputError

    caplog.set_level(logging.INFO, logger="relclf")
    with pytest.raises(OutputError, match="missing/m.npz: cannot write: No such file or directory"):
        api.train([saved["train"]], tmp_path / "missing" / "m.npz")
    with pytest.raises(InputError, match="nope.pubtator:0: no such file"):
        api.train([saved["train"]], tmp_path / "m.npz", dev=tmp_path / "nope.pubtator")
    bad = tmp_path / "bad.pubtator"
    bad.write_text("1|t|A.\n1|a|B.\n1\t0\t1\tX\tGene\t7\n")
    with pytest.raises(InputError, match="bad.pubtator:3: mention text 'X' differs"):
        api.train([saved["train"]], tmp_path / "m.npz", dev=bad)
    assert not any("fitting" in r.getMessage() for r in caplog.records)  # no fit was started
    assert list(tmp_path.iterdir()) == [bad]


def test_a_directory_gives_its_document_files_and_names_the_others(saved, tmp_path, caplog):
    import gzip

    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "part-0001.pubtator").write_text(synthetic_corpus(3, seed=6, start=100))
    (dump / "part-0001.pubtator.md5").write_text("d41d8cd98f00b204e9800998ecf8427e  part-0001.pubtator\n")
    (dump / "part-0002.pubtator.gz").write_bytes(gzip.compress(synthetic_corpus(2, seed=7, start=200).encode()))
    (dump / "README").write_text("PubTator export, 2 parts\n")
    (dump / "empty.txt").write_text("")
    results = api.predict_files([dump], tmp_path / "out", saved["model"])
    assert [(r.output.name, r.documents) for r in results] == [("part-0001.pubtator", 3), ("part-0002.pubtator.gz", 2)]
    assert gzip.decompress((tmp_path / "out" / "part-0002.pubtator.gz").read_bytes()).count(b"|t|") == 2
    assert warnings_of(caplog) == [
        f"{dump}: skipped 3 file(s) that hold no documents: README (not PubTator or BioC), empty.txt (empty), "
        "part-0001.pubtator.md5 (not PubTator or BioC)"
    ]
    assert [d.pmid for d in api.read_corpus([dump])][:1] == ["100"]  # train reads directories the same way


def test_every_input_is_opened_before_any_output_is_written(saved, tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "a.pubtator").write_text(synthetic_corpus(2, seed=6, start=100))
    (dump / "b.pubtator.gz").write_bytes(
        b"\x1f\x8b\x08\x00" + bytes(20)
    )  # a damaged gzip file, named as a document file
    with pytest.raises(InputError, match="b.pubtator.gz:1: damaged gzip data"):
        api.predict_files([dump], tmp_path / "out", saved["model"])
    assert not (tmp_path / "out").exists()


def test_read_corpus_reads_named_pipes_and_gzip(tmp_path):
    import gzip
    import os
    import threading

    text = synthetic_corpus(3, seed=8, start=40)
    fifo = tmp_path / "train.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(gzip.compress(text.encode()),))
    writer.start()
    documents = api.read_corpus([fifo])
    writer.join(10)
    assert documents == parse(text)


def test_a_minimum_precision_stands_for_the_threshold_that_reached_it_in_cross_validation(
    model, inputs, tmp_path, caplog
):
    point = api.threshold_for_precision(model, 0.6)
    curve = model.precision_curve_
    assert point.precision >= 0.6 and point.threshold == curve.thresholds[np.flatnonzero(curve.precision >= 0.6).max()]
    gold = list(read_pubtator(inputs / "part1.pubtator"))
    assert api.evaluate(gold, model, min_precision=0.6) == api.evaluate(gold, model, threshold=point.threshold)
    with caplog.at_level("INFO", logger="relclf"):
        api.predict_file(inputs / "part1.pubtator", tmp_path / "a.pubtator", model, min_precision=0.6, with_scores=True)
    api.predict_file(
        inputs / "part1.pubtator", tmp_path / "b.pubtator", model, threshold=point.threshold, with_scores=True
    )
    assert (tmp_path / "a.pubtator").read_bytes() == (tmp_path / "b.pubtator").read_bytes()
    assert f"threshold {point.threshold:.3f}" in caplog.text and "--" not in caplog.text  # the library names no option


def test_a_precision_never_reached_or_given_with_a_threshold_is_refused(model, inputs, tmp_path):
    with pytest.raises(ValueError, match="a minimum precision is a number from 0 to 1, not 1.5"):
        api.threshold_for_precision(model, 1.5)
    impossible = dataclasses.replace(
        model.model_,
        curve=dataclasses.replace(model.model_.curve, precision=np.minimum(model.model_.curve.precision, 0.5)),
    )
    with pytest.raises(
        ValueError,
        match=r"no threshold reached a precision of 0.9 in cross-validation on documents left out of choosing it "
        r"\(the highest seen was 0.500\)",
    ):
        api.predict_file(inputs / "part1.pubtator", tmp_path / "out.pubtator", impossible, min_precision=0.9)
    assert not (tmp_path / "out.pubtator").exists()
    with pytest.raises(ValueError, match="a threshold or a minimum precision, not both"):
        api.evaluate(inputs / "part1.pubtator", model, threshold=0.5, min_precision=0.5)
