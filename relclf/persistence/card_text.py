"""The card as text: :func:`format_model_card` renders a card of :func:`~.card.read_model_card` one fact per
line (what ``relclf info`` prints).
"""

from __future__ import annotations

from typing import Any

from .._version import __version__
from .card import DEV_IN_TRAINING, TRAINING_DOCUMENTS
from .fileformat import FORMAT_VERSION, version_problem


def format_model_card(card: dict[str, Any]) -> str:
    """The card of :func:`read_model_card` as text, one fact per line (what ``relclf info`` prints)."""
    verified = card.get("verified")
    check = {
        True: "matches the recorded sha256",
        False: f"DOES NOT MATCH the recorded {card.get('sha256') or '(.sha256 file)'}",
        None: "no sha256 recorded",
    }[verified]
    problem = version_problem(card.get("format_version", FORMAT_VERSION), card.get("relclf_version"))
    loadable = f"yes (relclf {__version__})" if problem is None else f"no: {problem}"
    lines = [
        f"model: {card['file']} ({card['file_size'] / 1e6:.1f} MB, format {card.get('format_version', '?')})",
        f"sha256: {card['file_sha256']} ({check})",
        f"made with: relclf {card.get('relclf_version', '?')}, scikit-learn {card.get('sklearn_version', '?')}, "
        f"Python {card.get('python_version', '?')}, on {card.get('created', '?')}",
        f"loadable here: {loadable}",
        f"seed: {card.get('seed', card.get('parameters', {}).get('random_state', '?'))}",
        "training data:",
        *(f"  {f.get('name')}  sha256 {f.get('sha256')}" for f in card.get("training_files", [])),
        f"training documents: {_training_documents_line(card)}",
        f"labels ({len(card.get('labels', []))}): {', '.join(card.get('labels', []))}",
        f"novelty labels: {', '.join(card.get('novelty_labels', [])) or 'none'}",
        f"type pairs ({len(card.get('type_pairs', []))}): {', '.join(card.get('type_pairs', []))}",
        f"composite IDs: {'split into their parts' if card.get('split_composites') else 'one entity'}",
        f"threshold: {card['threshold']:.3f}" if isinstance(card.get("threshold"), (int, float)) else "threshold: ?",
        *cross_validation_lines(card.get("cross_validation")),
        *_schema_lines(card.get("schemas")),
        f"max pairs per document in training: {card.get('parameters', {}).get('max_pairs_per_doc') or 'no cap'}",
    ]
    if "training_seconds" in card:
        lines.append(f"training time: {card['training_seconds']} s")
    scores = _score_lines(card.get("scores") or {})
    lines += ["scores:", *scores] if scores else ["scores: none recorded"]
    return "\n".join(lines)


def cross_validation_lines(found: Any) -> list[str]:
    """What grouped cross-validation chose for a model (a card's ``cross_validation``, an estimator's
    ``cv_scores_``), in one line (none when it holds nothing)."""
    if not isinstance(found, dict) or not found:
        return []
    parts = []
    context = found.get("context") or {}
    parts.append(
        f"context stage ({context.get('inputs', '?').replace('score+', '')})"
        if context.get("kept")
        else "no context stage"
    )
    own = (found.get("labels") or {}).get("own_type_pairs") or {}
    parts.append(f"own labelers for {', '.join(own)}" if own else "one pooled labeler")
    rule = (found.get("rule") or {}).get("chosen")
    parts.append(
        {
            "pair": "pairs decided on their probability of being related",
            "detector": "pairs decided on their score, the probability of being related",
            "detector_x_label": "pairs decided on their score, probability related x label probability",
        }.get(str(rule), f"rule {rule}")
    )
    parts.append(f"{(found.get('calibration') or {}).get('chosen', '?')} calibration")
    return [f"chosen by cross-validation: {'; '.join(parts)}"]


def _schema_lines(schemas: Any) -> list[str]:
    """A card's schemas (a model trained on several corpora), the default first, one line each; none for one."""
    if not isinstance(schemas, dict) or not schemas:
        return []
    lines = [f"schemas ({len(schemas)}, --schema NAME; the first is the default):"]
    for name, schema in schemas.items():
        lines.append(
            f"  {name}: labels {', '.join(schema.get('labels', []))}; type pairs "
            f"{', '.join(schema.get('type_pairs', []))}; threshold {schema.get('threshold', 0):.3f}"
        )
    return lines


def _training_documents_line(card: dict[str, Any]) -> str:
    recorded = card.get(TRAINING_DOCUMENTS)
    if not isinstance(recorded, list):
        return "not recorded (evaluate cannot warn about gold documents it was trained on)"
    return (
        f"{len(recorded):,} (their IDs' SHA-256 prefixes are recorded: evaluate warns about gold documents among them)"
    )


def _score_lines(scores: dict[str, Any]) -> list[str]:
    """The card's scores, one per line; first, when the dev file was not held out, a line that says so."""
    lines = []
    overlap = scores.get(DEV_IN_TRAINING)
    if isinstance(overlap, dict):
        lines.append(
            f"  NOT HELD OUT: {overlap.get('documents', '?')} of the {overlap.get('of', '?')} documents of "
            f"{scores.get('dev_file', 'the dev file')} were training documents: the dev scores overstate how the "
            "model does on new text"
        )
    for name, value in scores.items():
        if name == DEV_IN_TRAINING:
            continue
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(v, dict) and {"precision", "recall", "f1"} <= v.keys() for v in value.values())
        ):
            for level, c in value.items():
                lines.append(f"  {name:<28} {level:<22} P {c['precision']:.3f}  R {c['recall']:.3f}  F1 {c['f1']:.3f}")
        else:
            lines.append(f"  {name:<28} {value}")
    return lines
