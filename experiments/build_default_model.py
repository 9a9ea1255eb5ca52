"""Rebuild the bundled default model (relclf.DEFAULT_MODEL, kept in models/) and its model card.

1. Train the default configuration on BioRED Train only and score it on Dev (the card's scores).
2. Train the same configuration on Train + Dev and save it as the bundled model.
3. Write models/MODEL_CARD.md from the saved metadata.

Usage (from the project root, with the corpus at ../shared/data/biored):
    python experiments/build_default_model.py [--data ../shared/data/biored]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import relclf
from machine import provenance, provenance_markdown  # experiments/machine.py
from relclf.api import train
from relclf.extract.model import RelationModel
from relclf.persistence import file_sha256

ROOT = Path(__file__).resolve().parents[1]
# the checkout's models/ folder (installed as the package relclf.models), whatever relclf is imported from
MODEL = ROOT / "models" / relclf.DEFAULT_MODEL.name
CARD = ROOT / "models" / "MODEL_CARD.md"


def _level_rows(levels: dict) -> str:
    rows = ["| level | P | R | F1 |", "|---|---|---|---|"]
    for level in ("pair", "type", "novelty"):
        if level in levels:
            c = levels[level]
            rows.append(f"| {level} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} |")
    return "\n".join(rows)


def _calibration_rows(calibration: dict) -> str:
    rows = [
        "| score >= | relations | P (pair and label) | R (pair and label) | P (pair) | R (pair) |",
        "|---|---|---|---|---|---|",
    ]
    for c in calibration["cutoffs"]:
        rows.append(
            f"| {c['threshold']:.1f} | {c['predicted']} | {c['type_precision']:.3f} | {c['type_recall']:.3f} | "
            f"{c['pair_precision']:.3f} | {c['pair_recall']:.3f} |"
        )
    return "\n".join(rows)


def _precision_rows(model: RelationModel) -> str:
    rows = [
        "| --min-precision | threshold | precision in CV | recall in CV | precision on folds left out of the choice |",
        "|---|---|---|---|---|",
    ]
    for target in (0.5, 0.6, 0.7, 0.8, 0.9):
        try:
            point = model.threshold_for_precision(target)
        except ValueError:
            rows.append(f"| {target} | (not reached) | | | |")
            continue
        held_out = "-" if point.held_out is None else f"{point.held_out:.3f}"
        rows.append(f"| {target} | {point.threshold:.3f} | {point.precision:.3f} | {point.recall:.3f} | {held_out} |")
    return "\n".join(rows)


def _choices(cv: dict) -> str:
    """What cross-validation chose for the bundled model, as a list."""
    context, labels, rule, calibration = cv["context"], cv["labels"], cv["rule"], cv["calibration"]
    own = labels.get("own_type_pairs") or {}
    decision = {
        "pair": "a pair is predicted when its probability of being related reaches the threshold (the pair rule)",
        "detector": "a pair is predicted when its score (its probability of being related) reaches the threshold",
        "detector_x_label": "a pair is predicted when its score (probability of being related x the label's) "
        "reaches the threshold",
    }[rule["chosen"]]
    lines = [
        f"- context stage: {'kept, reading ' + context['inputs'] if context['kept'] else 'not kept'} "
        f"(cross-validated log loss {json.dumps(context['log_loss'])})",
        "- labelers: the pooled one "
        f"{'balanced' if labels.get('pooled_class_weight') == 'balanced' else 'unweighted'}; own labelers for "
        + (
            ", ".join(f"{tp} ({'balanced' if w != 'none' else 'unweighted'})" for tp, w in own.items())
            or "no type pair"
        ),
        f"- decision: {decision} (each rule's cross-validated pair and type F1 at its own threshold: "
        f"{json.dumps(rule['at_own_threshold'])})",
        f"- calibration: {calibration['chosen']} (cross-validated log loss and calibration error: "
        + json.dumps({k: v for k, v in calibration.items() if k != "chosen"})
        + ")",
        f"- threshold {cv['at_threshold']['threshold']}: cross-validated F1 {cv['at_threshold']['pair_f1']} (pair), "
        f"{cv['at_threshold']['type_f1']} (pair and label)",
    ]
    return "\n".join(lines)


def write_card(
    metadata: dict, dev_levels: dict, dev_per_label: dict, dev_calibration: dict, model: RelationModel
) -> str:
    """Render the model card as Markdown."""
    files = "\n".join(f"- `{f['name']}` sha256 `{f['sha256']}`" for f in metadata["training_files"])
    labels = "\n".join(
        f"| {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['tp'] + c['fn']} |"
        for name, c in dev_per_label.items()
    )
    return f"""# Model card: relclf-biored

The default model of relclf, used by `relclf predict` when no `-m` is given.

- File: `models/{MODEL.name}` ({MODEL.stat().st_size / 1e6:.1f} MB), sha256 `{file_sha256(MODEL)}`;
  installed with relclf as `relclf/models/{MODEL.name}`
- Made with relclf {metadata["relclf_version"]}, scikit-learn {metadata["sklearn_version"]}, \
Python {metadata["python_version"]}, on {metadata["created"]}
- {provenance_markdown(metadata["provenance"])}
- Rebuild, from the root of a checkout of relclf: `python experiments/build_default_model.py` (needs the BioRED corpus
  at `../shared/data/biored`, or name its folder with `--data`)
- The file holds arrays and JSON only (no pickled code): loading it runs no code. relclf verifies it against the
  sha256 above (recorded in `{MODEL.name}.json` and `{MODEL.name}.sha256`) every time it loads it.

## Training data
BioRED (Luo et al., Briefings in Bioinformatics 2022), Train + Dev, gold entities:
{files}

Labels: {", ".join(metadata["labels"])}. Novelty: {", ".join(metadata["novelty_labels"]) or "none"}.
Entity type pairs that become candidates: {", ".join(metadata["type_pairs"])}.
Composite IDs (`A|B`) are treated as \
{"their parts" if metadata["split_composites"] else "one entity (as BioRED relation lines name them)"}.
Training time {metadata["training_seconds"]} s.

## How a score is made
Each relation's score is the model's probability that the relation as written (pair and label) is right, calibrated
on out-of-fold scores of the training documents; each relation also carries its probability of being related. What
5-fold grouped cross-validation on the training data chose:

{_choices(metadata["cross_validation"])}

The threshold is {metadata["threshold"]:.3f}. `relclf predict --min-precision P` predicts the relations scoring
at least a threshold chosen so that precision P (pair and label right) held, in cross-validation, on folds left
out of choosing it (docs/accuracy.md):

{_precision_rows(model)}

## Scores
The same configuration trained on **Train only**, scored on **Dev** (gold entities, document level):

{_level_rows(dev_levels)}

Calibration on Dev (the relations scoring at least 0.1): expected calibration error \
**{dev_calibration["ece"]:.3f}** over
{dev_calibration["pairs"]:,} relations (equal-width bins of 0.1). Precision and recall at score cut-offs:

{_calibration_rows(dev_calibration)}

Per label (type level):

| label | P | R | F1 | gold |
|---|---|---|---|---|
{labels}

## Intended use and limits
Relations between gold (or NER-tagged) normalized entities in PubMed titles and abstracts, with the
BioRED label set. Entity types are mapped to a canonical set, so PubTator3 exports (`Gene`, `Chemical`,
`Disease`, `Species`, ...) work as input. Scores on other corpora and on automatically tagged entities
will be lower, and so will the calibration: scores were calibrated on BioRED abstracts with gold
entities. Rare labels (Bind, Cotreatment, Comparison, Drug_Interaction, Conversion) are seldom predicted.

## Parameters
```json
{json.dumps(metadata["parameters"], indent=2, sort_keys=True)}
```
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "biored"))
    args = parser.parse_args()
    data = Path(args.data)
    train_file, dev_file = data / "Train.PubTator", data / "Dev.PubTator"
    dev_run = train([train_file], dev=dev_file)
    assert dev_run.dev_scores is not None
    dev = dev_run.dev_scores.as_dict()
    print(
        f"Train -> Dev: {json.dumps({k: round(v['f1'], 4) for k, v in dev['levels'].items()})}, calibration error "
        f"{dev['calibration']['ece']:.4f}"
    )
    MODEL.parent.mkdir(exist_ok=True)
    scores = {
        "dev_trained_on_train_only": dev["levels"],
        "dev_per_label": dev["per_label"],
        "dev_calibration_error": dev["calibration"]["ece"],
    }
    final = train([train_file, dev_file], params=None)
    metadata = dict(final.model.metadata, scores=scores, provenance=provenance())
    relclf.save_model(final.model.model, MODEL, metadata)
    CARD.write_text(write_card(metadata, dev["levels"], dev["per_label"], dev["calibration"], final.model.model))
    print(f"wrote {MODEL} ({MODEL.stat().st_size / 1e6:.1f} MB) and {CARD}")


if __name__ == "__main__":
    main()
