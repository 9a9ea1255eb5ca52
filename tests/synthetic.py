"""A tiny synthetic training corpus, written as PubTator text, for model and CLI tests.

Each abstract states some relations with a clear cue ("X induces Y", "X inhibits Y") and mentions
other pairs without one, so that a working model must learn the cues to score well.
"""

from __future__ import annotations

import random

CHEMICALS = [(f"chemazol{i}", f"C{1000 + i}") for i in range(12)]
DISEASES = [(f"fibrosis type {i}", f"D{2000 + i}") for i in range(12)]
GENES = [(f"GENE{i}", f"{3000 + i}") for i in range(12)]
CUES = {
    "Positive_Correlation": "induces",
    "Negative_Correlation": "inhibits",
}


def synthetic_document(pmid: str, rng: random.Random, *, with_novelty: bool = True) -> str:
    """Return one PubTator document (title, abstract, mentions, relations) ending in a blank line."""
    title = "A study of drugs and diseases."
    sentences: list[list[tuple[str, tuple[str, str, str] | None]]] = []
    relations: list[tuple[str, str, str, str]] = []
    chems = rng.sample(CHEMICALS, 3)
    targets = rng.sample(DISEASES, 2) + rng.sample(GENES, 1)
    for i, (chem, target) in enumerate(zip(chems, targets, strict=True)):
        ttype = "Disease" if target in DISEASES else "Gene"
        label = rng.choice(sorted(CUES))
        related = i < 2
        if related:
            novelty = "Novel" if i == 0 else "No"
            lead = "We found that " if novelty == "Novel" else "It is known that "
            sentence = [
                (lead, None),
                (chem[0], ("Chemical", chem[1], "")),
                (f" {CUES[label]} ", None),
                (target[0], (ttype, target[1], "")),
            ]
            relations.append((label, chem[1], target[1], novelty))
        else:
            sentence = [
                ("Levels of ", None),
                (chem[0], ("Chemical", chem[1], "")),
                (" and ", None),
                (target[0], (ttype, target[1], "")),
                (" were recorded", None),
            ]
        sentence.append((". ", None))
        sentences.append(sentence)
    abstract_parts: list[tuple[str, tuple[str, str, str] | None]] = [p for s in sentences for p in s]
    offset = len(title) + 1
    abstract = ""
    mentions = []
    for text, ann in abstract_parts:
        if ann is not None:
            mentions.append((offset + len(abstract), offset + len(abstract) + len(text), text, ann[0], ann[1]))
        abstract += text
    abstract = abstract.rstrip()
    lines = [f"{pmid}|t|{title}", f"{pmid}|a|{abstract}"]
    lines += [f"{pmid}\t{s}\t{e}\t{t}\t{ty}\t{i}" for s, e, t, ty, i in mentions]
    for label, id1, id2, novelty in relations:
        lines.append(f"{pmid}\t{label}\t{id1}\t{id2}" + (f"\t{novelty}" if with_novelty else ""))
    return "\n".join(lines) + "\n\n"


def synthetic_corpus(n_documents: int = 40, seed: int = 0, *, start: int = 1, with_novelty: bool = True) -> str:
    """Return ``n_documents`` synthetic PubTator documents as one string."""
    rng = random.Random(seed)
    return "".join(synthetic_document(str(start + i), rng, with_novelty=with_novelty) for i in range(n_documents))
