"""One relation per row: JSON Lines, TSV and Parquet outputs for pandas, databases and spreadsheets.

Each row describes one relation of one document with the columns of :data:`COLUMNS`: the document
ID, both entity IDs with their canonical types and most frequent mention texts, the label, the score
(empty for gold relations), the novelty (empty when unknown) and the source: ``relclf`` for relclf's
predictions, ``input`` for relations read from the input (a prediction that keeps the input's
relations mixes both, and an input's scores, PubTator3's for instance, are not relclf's calibrated
probabilities). Documents without relations give no row. ``pandas.read_json(path, lines=True)``,
``pandas.read_csv(path, sep="\\t")`` and ``pandas.read_parquet(path)`` read them. Parquet is written
with pyarrow (the ``relclf[parquet]`` extra), in row groups as the rows come, so memory stays flat on
long inputs.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO, Any

from ..document import Document, Entity, Relation, document_entities
from ..errors import RelclfError

__all__ = [
    "COLUMNS",
    "CURATOR_SOURCE",
    "DECISION_COLUMNS",
    "INPUT_SOURCE",
    "PARQUET_ROWS_PER_GROUP",
    "entity_index",
    "entity_text",
    "relation_row",
    "relation_rows",
    "require_pyarrow",
    "write_jsonl",
    "write_parquet",
    "write_tsv",
]

COLUMNS = ("document", "id1", "type1", "text1", "id2", "type2", "text2", "label", "score", "novelty", "source")
#: the ``source`` of a relation that names none: read from the input
INPUT_SOURCE = "input"
#: the ``source`` of a relation a curator added on the review page
CURATOR_SOURCE = "curator"
#: the columns a decisions file (the review page's export, :mod:`relclf.curation.decisions`) adds to :data:`COLUMNS`
DECISION_COLUMNS = ("decision", "curated_label", "curated_novelty")
#: rows of a Parquet row group: a few MB of memory, and groups large enough to read fast
PARQUET_ROWS_PER_GROUP = 50_000


def relation_rows(document: Document) -> Iterator[dict[str, Any]]:
    """Yield one dict per relation of ``document``, keys :data:`COLUMNS`, in relation order.

    An ID no entity of the document carries (possible only for documents built in Python) gets
    empty type and text.

    Examples
    --------
    >>> from relclf.document import Mention
    >>> mentions = (Mention(0, 4, "TP53", "Gene", "7157"), Mention(8, 14, "cancer", "Disease", "D009369"))
    >>> relations = (Relation("Association", "7157", "D009369", "Novel", 0.91),)
    >>> doc = Document("9", "TP53 in cancer.", "", mentions, relations)
    >>> next(relation_rows(doc))  # doctest: +NORMALIZE_WHITESPACE
    {'document': '9', 'id1': '7157', 'type1': 'Gene', 'text1': 'TP53', 'id2': 'D009369', 'type2': 'Disease', 'text2':
    'cancer', 'label': 'Association', 'score': 0.91, 'novelty': 'Novel', 'source': 'input'}
    """
    if not document.relations:
        return
    entities = entity_index(document)
    for relation in document.relations:
        yield relation_row(document.pmid, relation, entities)


def entity_index(document: Document) -> dict[str, Entity]:
    """The entities of ``document`` by ID, whole composite IDs as well as their parts (relations may name either).

    Whole IDs come first, in the order of :func:`relclf.document.document_entities`.
    """
    index = {e.identifier: e for e in document_entities(document, split_composites=False)}
    for entity in document_entities(document, split_composites=True):
        index.setdefault(entity.identifier, entity)
    return index


def relation_row(pmid: str, relation: Relation, entities: dict[str, Entity]) -> dict[str, Any]:
    """The row (keys :data:`COLUMNS`) of ``relation`` of document ``pmid``, its entities looked up in
    ``entities`` (:func:`entity_index` of the document, built once for all its relations)."""
    row: dict[str, Any] = {"document": pmid}
    for k, identifier in (("1", relation.id1), ("2", relation.id2)):
        entity = entities.get(identifier)
        row[f"id{k}"] = identifier
        row[f"type{k}"] = entity.entity_type if entity else ""
        row[f"text{k}"] = entity_text(entity) if entity else ""
    row.update(
        label=relation.label,
        score=relation.score,
        novelty=relation.novelty or "",
        source=relation.source or INPUT_SOURCE,
    )
    return row


def entity_text(entity: Entity) -> str:
    """The text a row shows for ``entity``: its most frequent mention text; ties go to the text mentioned first."""
    return Counter(m.text for m in entity.mentions).most_common(1)[0][0]


def write_jsonl(documents: Iterable[Document], handle: IO[str]) -> int:
    """Write one JSON object per relation (``score`` null when unknown); return the number of documents."""
    count = 0
    for document in documents:
        for row in relation_rows(document):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_tsv(documents: Iterable[Document], handle: IO[str]) -> int:
    """Write a header and a tab-separated row per relation (``score`` empty when unknown); return the documents written.

    Fields holding a tab, quote or line break are quoted as the ``csv`` module (and pandas) expect.
    """
    writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    count = 0
    for document in documents:
        for row in relation_rows(document):
            writer.writerow({**row, "score": "" if row["score"] is None else repr(row["score"])})
        count += 1
    return count


def require_pyarrow() -> Any:
    """Return the ``pyarrow.parquet`` module, or raise RelclfError saying how to install it."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise RelclfError("writing Parquet needs pyarrow: pip install 'relclf[parquet]'") from None
    return pq


def write_parquet(
    documents: Iterable[Document], handle: IO[bytes], *, rows_per_group: int = PARQUET_ROWS_PER_GROUP
) -> int:
    """Write the relation rows as Parquet to the binary stream ``handle``; return the number of documents.

    Columns as :data:`COLUMNS`: strings, and ``score`` a nullable double. Rows are written in groups
    of ``rows_per_group`` as they come, so that at most one group is held in memory.
    """
    pq = require_pyarrow()
    import pyarrow as pa

    schema = pa.schema([(c, pa.float64() if c == "score" else pa.string()) for c in COLUMNS])
    columns: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    count = 0
    with pq.ParquetWriter(handle, schema) as writer:
        for document in documents:
            for row in relation_rows(document):
                for c in COLUMNS:
                    columns[c].append(row[c])
                if len(columns["document"]) >= rows_per_group:
                    writer.write_table(pa.table(columns, schema=schema))
                    columns = {c: [] for c in COLUMNS}
            count += 1
        if columns["document"] or count == 0:
            writer.write_table(pa.table(columns, schema=schema))
    return count
