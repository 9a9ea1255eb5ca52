"""Synthetic PubTator3 bulk files: BioC XML shards in the layout of PubTator3's BioCXML archive, built from
annotated abstracts (no download: the layout is reproduced, the text and annotations are the input's).

What PubTator3's shards look like, and what this reproduces:

- one ``<collection>`` (source ``PubTator``, a DOCTYPE naming ``BioC.dtd``) of many ``<document>``s, one per
  line; each document an ``<id>`` and passages with infons ``type`` (``title``, ``abstract``), ``section``,
  and on the title passage ``journal``, ``year`` and ``authors``;
- annotations numbered from 1 in each document, infons ``identifier`` then ``type``, PubTator3's type
  names (``Gene``, ``Chemical``, ``Disease``, ``Species``, ``CellLine``, ``Variant``), ``MESH:`` before
  MeSH identifiers when ``mesh_prefix`` is set;
- variants named as tmVar3 names them: ``tmVar:<tmVar string>;HGVS:...;VariantGroup:<k>;
  CorrespondingGene:<gene>;RS#:<N>``; every second mention of a variant with an RS number has none
  (as an allele or a second form that tmVar does not resolve), only the group, so that reading has to
  put them back together;
- full-text documents (``full_text=True``): a ``front`` passage (the title, with ``article-id_pmid``,
  ``article-id_pmc``, ``journal``, ``year``), the abstract, the abstract's sentences again as
  ``INTRO``/``RESULTS``/``DISCUSS`` paragraphs, a figure caption, a table and references, with their
  ``section_type`` and ``type`` infons and offsets that leave one character between passages;
- a long synthetic full text (:func:`long_full_text`: by default 50,000 characters, 40 passages, 3,000
  mentions of 200 entities), the size issue #22 asks a prediction to handle in under 1 s and 300 MB.

Usage (from the project root)::

    python experiments/pubtator3_shards.py OUT_DIR --copies 10 --shards 4 [--full-text] [--mesh-prefix] [--source F]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import random
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relclf.document import Document, Mention, Passage  # noqa: E402
from relclf.io.pubtator import read_pubtator  # noqa: E402

UNLABELED = ROOT.parent / "shared" / "data" / "unlabeled" / "bc8_new_900.pubtator"
HEADER = (
    "<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE collection SYSTEM 'BioC.dtd'>\n"
    "<collection><source>PubTator</source><date>2024-06-25</date><key>BioC.key</key>\n"
)
TYPES = {
    "GeneOrGeneProduct": "Gene",
    "ChemicalEntity": "Chemical",
    "DiseaseOrPhenotypicFeature": "Disease",
    "OrganismTaxon": "Species",
    "CellLine": "CellLine",
    "SequenceVariant": "Variant",
}
_TMVAR = re.compile(r"[cgmnpr]?\|[A-Za-z]+\|.*")
_RS = re.compile(r"rs(\d+)")


def valid_documents(path: Path = UNLABELED) -> list[Document]:
    """The documents of ``path`` that have no invalid line (as the scale benchmark takes them)."""
    errors: list = []
    documents = list(read_pubtator(path, on_error=errors.append))
    ends = [d.line for d in documents[1:]] + [float("inf")]
    return [d for d, end in zip(documents, ends, strict=True) if not any(d.line <= e.line < end for e in errors)]


def pubtator3_identifier(mention: Mention, index: int, groups: dict[str, int], gene: str, mesh_prefix: bool) -> str:
    """PubTator3's identifier for a mention (``index``: how many mentions of its entity came before it)."""
    identifier = mention.identifier or "-"
    if mention.entity_type != "SequenceVariant" or "," in identifier:
        if mesh_prefix and mention.entity_type in ("ChemicalEntity", "DiseaseOrPhenotypicFeature"):
            return ",".join(f"MESH:{p}" if p[:1] in "CD" and p[1:].isdigit() else p for p in identifier.split(","))
        return identifier
    group = groups.setdefault(identifier, len(groups))
    rs = _RS.fullmatch(identifier)
    if rs:
        tmvar = "p|Allele|X|" + rs.group(1)[-3:]  # a form tmVar gives; the RS number is what names it
        fields = [f"tmVar:{tmvar}", f"VariantGroup:{group}", f"CorrespondingGene:{gene}"]
        return ";".join(fields if index % 2 else [*fields, f"RS#:{rs.group(1)}"])
    if _TMVAR.fullmatch(identifier):
        return f"tmVar:{identifier};HGVS:{identifier.replace('|', '')};VariantGroup:{group};CorrespondingGene:{gene}"
    return identifier


def _annotation(number: int, mention: Mention, identifier: str) -> str:
    kind = TYPES.get(mention.entity_type, mention.entity_type)
    return (
        f'<annotation id="{number}"><infon key="identifier">{escape(identifier)}</infon>'
        f'<infon key="type">{escape(kind)}</infon><location offset="{mention.start}" '
        f'length="{mention.end - mention.start}"/><text>{escape(mention.text)}</text></annotation>'
    )


def _passage(infons: dict[str, str], offset: int, text: str, annotations: Iterable[str] = ()) -> str:
    keys = "".join(f"<infon key={quoteattr(k)}>{escape(v)}</infon>" for k, v in infons.items())
    return f"<passage>{keys}<offset>{offset}</offset><text>{escape(text)}</text>{''.join(annotations)}</passage>"


def document_xml(document: Document, *, full_text: bool = False, mesh_prefix: bool = False) -> str:
    """One ``<document>`` element, on one line, in PubTator3's layout."""
    genes = [m.identifier for m in document.mentions if m.entity_type == "GeneOrGeneProduct" and m.identifier]
    gene = (genes[0] if genes else "0").split(",")[0]
    seen: dict[str, int] = {}
    groups: dict[str, int] = {}
    annotations: list[tuple[int, str]] = []  # (start, element)
    for number, mention in enumerate(document.mentions, start=1):
        index = seen.get(mention.identifier or "", 0)
        seen[mention.identifier or ""] = index + 1
        identifier = pubtator3_identifier(mention, index, groups, gene, mesh_prefix)
        annotations.append((mention.start, _annotation(number, mention, identifier)))
    title_end = len(document.title)
    in_title = [a for s, a in annotations if s <= title_end]
    in_abstract = [a for s, a in annotations if s > title_end]
    pmid = document.pmid
    if not full_text:
        passages = [
            _passage(
                {
                    "journal": "J Synth Biomed; 2024; 1(1) 1-10",
                    "year": "2024",
                    "type": "title",
                    "authors": "Doe J",
                    "section": "Title",
                },
                0,
                document.title,
                in_title,
            ),
            _passage({"type": "abstract", "section": "Abstract"}, title_end + 1, document.abstract, in_abstract),
        ]
        return f"<document><id>{escape(pmid)}</id>{''.join(passages)}</document>"
    return _full_text_xml(document, in_title, in_abstract)


def _full_text_xml(document: Document, in_title: list[str], in_abstract: list[str]) -> str:
    """A PMC-style full text: front matter, abstract, body paragraphs, a caption, a table and references."""
    title_end = len(document.title)
    passages = [
        _passage(
            {
                "article-id_pmid": document.pmid,
                "article-id_pmc": f"PMC{zlib.crc32(document.pmid.encode()) % 10**7}",
                "journal": "J Synth Biomed",
                "year": "2024",
                "section_type": "TITLE",
                "type": "front",
            },
            0,
            document.title,
            in_title,
        ),
        _passage({"section_type": "ABSTRACT", "type": "abstract"}, title_end + 1, document.abstract, in_abstract),
    ]
    offset = title_end + 1 + len(document.abstract) + 1
    sentences = [s for s in re.split(r"(?<=\.) ", document.abstract) if s]
    body = [("INTRO", "paragraph"), ("RESULTS", "paragraph"), ("DISCUSS", "paragraph")]
    for k, sentence in enumerate(sentences):
        section, kind = body[k % len(body)]
        passages.append(_passage({"section_type": section, "type": kind}, offset, sentence))
        offset += len(sentence) + 1
    for infons, text in (
        ({"section_type": "FIG", "type": "fig_caption", "id": "F1"}, "Figure 1. Overview of the study."),
        ({"section_type": "TABLE", "type": "table", "id": "T1"}, "Group\tn\nCases\t12"),
        ({"section_type": "REF", "type": "ref", "pub-id_pmid": "1"}, "Doe J. An earlier study. 2020."),
    ):
        passages.append(_passage(infons, offset, text))
        offset += len(text) + 1
    return f"<document><id>{escape(document.pmid)}</id>{''.join(passages)}</document>"


# the sections of a long full text: (section_type, type, passages), in order; what a default choice leaves
# out (figures, tables, references) holds mentions too
FULL_TEXT_SECTIONS = (
    ("INTRO", "paragraph", 6),
    ("METHODS", "paragraph", 8),
    ("RESULTS", "paragraph", 12),
    ("FIG", "fig_caption", 2),
    ("TABLE", "table", 2),
    ("DISCUSS", "paragraph", 6),
    ("REF", "ref", 2),
)
_FULL_TEXT_TYPES = ("GeneOrGeneProduct", "ChemicalEntity", "DiseaseOrPhenotypicFeature", "SequenceVariant")
_VERBS = ("increased", "inhibited", "was associated with", "did not change", "bound", "was found with")
_FILLER = "The cohort was followed for several years and the measurements were repeated twice."


def long_full_text(
    pmid: str = "9000001",
    *,
    characters: int = 50_000,
    passages: int = 40,
    mentions: int = 3_000,
    entities: int = 200,
    seed: int = 0,
) -> Document:
    """A synthetic PMC-style full text of about ``characters`` characters in ``passages`` passages (a title, an
    abstract, then the body of :data:`FULL_TEXT_SECTIONS`), with ``mentions`` mentions of ``entities`` entities
    (about, to within a few), as BioC reading gives it: passage infons ``section_type`` and ``type``.

    Each passage speaks mostly of a dozen entities of its own beside five that the whole text is about, as
    papers do; every passage is filled to the same length with a sentence without mentions.
    """
    rng = random.Random(seed)
    kinds = [(_FULL_TEXT_TYPES[k % len(_FULL_TEXT_TYPES)], f"E{k}") for k in range(entities)]
    topics = kinds[:5]
    layout = [("TITLE", "front"), ("ABSTRACT", "abstract")]
    layout += [(section, kind) for section, kind, count in FULL_TEXT_SECTIONS for _ in range(count)]
    layout = (layout * (passages // len(layout) + 1))[:passages]
    body_mentions, length = mentions - 2, (characters - 40) // (passages - 1)  # the title: about 30 characters
    text, found, spans = "", [], []
    for index, (section, kind) in enumerate(layout):
        # passage k's own entities: the next 12 in turn, so that every entity is mentioned
        local = [kinds[(12 * index + j) % entities] for j in range(12)]
        count = 2 if index == 0 else body_mentions // (passages - 1) + (index <= body_mentions % (passages - 1))
        words: list[str] = []
        start = len(text) + (1 if text else 0)
        cursor = start
        for k in range(count):
            if k < len(local):
                entity_type, identifier = local[k]
            else:
                entity_type, identifier = rng.choice(topics) if rng.random() < 0.3 else rng.choice(local)
            name = f"{entity_type[:4].lower()}{identifier[1:]}"
            found.append(Mention(cursor, cursor + len(name), name, entity_type, identifier))
            tail = f" {rng.choice(_VERBS)} " if k % 2 == 0 else ". "
            words.append(name + tail)
            cursor += len(name) + len(tail)
        body = "".join(words).rstrip()
        if index:  # filled up to the passage's length with whole words
            filler = (" " + _FILLER) * (length // len(_FILLER) + 1)
            body = (body + filler)[: max(length - 1, len(body))].rsplit(" ", 1)[0] + "."
        spans.append(Passage(start, len(body), (("section_type", section), ("type", kind))))
        text = f"{text} {body}" if text else body
    title = text[: spans[0].length]
    return Document(pmid, title, text[spans[0].length + 1 :], tuple(found), passages=tuple(spans))


def shard_texts(documents: list[Document], copies: int, **layout: bool) -> Iterator[str]:
    """The ``<document>`` lines of ``copies`` copies of ``documents``, under new IDs (``COPY-ID``)."""
    for copy in range(copies):
        for document in documents:
            yield document_xml(dataclasses.replace(document, pmid=f"{copy}-{document.pmid}"), **layout)


def write_shards(
    directory: Path, documents: list[Document], *, copies: int = 1, shards: int = 1, **layout: bool
) -> list[Path]:
    """Write ``copies`` x ``documents`` into ``shards`` gzipped shards ``DIRECTORY/BioCXML.K.xml.gz``."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = list(shard_texts(documents, copies, **layout))
    per = -(-len(lines) // shards)
    paths = []
    for k in range(shards):
        path = directory / f"BioCXML.{k}.xml.gz"
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as handle:
            handle.write(HEADER)
            handle.writelines(line + "\n" for line in lines[k * per : (k + 1) * per])
            handle.write("</collection>\n")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--copies", type=int, default=1, help="copies of the 899 valid bc8 abstracts (new IDs)")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--full-text", action="store_true", help="PMC-style full texts instead of abstracts")
    parser.add_argument("--mesh-prefix", action="store_true", help="MESH: before MeSH identifiers, as PubTator3")
    parser.add_argument("--source", type=Path, default=UNLABELED, help="the PubTator file of the abstracts")
    args = parser.parse_args()
    paths = write_shards(
        args.directory,
        valid_documents(args.source),
        copies=args.copies,
        shards=args.shards,
        full_text=args.full_text,
        mesh_prefix=args.mesh_prefix,
    )
    print("\n".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
