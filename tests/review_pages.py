"""Documents for the review page's tests (tests/test_html.py, tests/test_review_page.py).

A hostile document (markup and script in its text, characters outside the Basic Multilingual Plane
before its mentions, U+2028) and a small scored corpus built from the hand-written fixtures of
conftest.py. Mention offsets of the hostile document are found with ``str.index`` in its text, and
the real reader checks each of them against the text.
"""

from __future__ import annotations

from conftest import DOC_100, DOC_200, DOC_300, DOC_400, parse, parse_one
from relclf.document import Document, Relation

HOSTILE_TITLE = '</script><script>window.__pwned = "title"</script> 🧬 TP53 <b>bold</b> & <!-- comment'
HOSTILE_ABSTRACT = (
    "<img src=x onerror=\"window.__pwned = 'img'\"> 𝛃-catenin binds TP53\u2028here; "
    "<script>window.__pwned = 'abstract'</script> \"quoted\" &amp; 😀 TP53 and 𝛃-catenin. "
    "Second sentence: 𝛃𝛃 TP53 again, {{x}} ${y} `z`."
)
# (text, type, ID, which occurrence in the document's text)
HOSTILE_MENTIONS = (
    ("TP53", "Gene", "7157", 0),
    ("𝛃-catenin", "Gene", "1499", 0),
    ("TP53", "Gene", "7157", 1),
    ("TP53", "Gene", "7157", 2),
    ("𝛃-catenin", "Gene", "1499", 1),
    ("TP53", "Gene", "7157", 3),
    ("bold", "Disease", "D000001", 0),
)


def _nth(text: str, word: str, n: int) -> int:
    start = -1
    for _ in range(n + 1):
        start = text.index(word, start + 1)
    return start


def hostile_pubtator(pmid: str = "666") -> str:
    """The hostile document in PubTator, with one relation between its two genes."""
    text = f"{HOSTILE_TITLE} {HOSTILE_ABSTRACT}"
    lines = [f"{pmid}|t|{HOSTILE_TITLE}", f"{pmid}|a|{HOSTILE_ABSTRACT}"]
    for word, etype, identifier, n in HOSTILE_MENTIONS:
        start = _nth(text, word, n)
        lines.append(f"{pmid}\t{start}\t{start + len(word)}\t{word}\t{etype}\t{identifier}")
    lines.append(f"{pmid}\tBind\t7157\t1499\tNovel")
    return "\n".join(lines) + "\n\n"


def hostile_document() -> Document:
    """The hostile document, read by the real reader, its relation scored 0.5."""
    document = parse_one(hostile_pubtator())
    return document.with_relations([Relation("Bind", "7157", "1499", "Novel", 0.5)])


# the relations each fixture document gets, with scores: several labels, type pairs and novelty values
SCORED = {
    "100": (
        Relation("Association", "1499", "D012859", "Novel", 0.91),
        Relation("Positive_Correlation", "D008094", "1499", "No", 0.42),
    ),
    "200": (
        Relation("Association", "D014750", "D014786", None, 0.77),
        Relation("Association", "D014750", "D006311", None, 0.35),
    ),
    "300": (
        Relation("Association", "3172", "D003920", "Novel", 0.64),
        Relation("Association", "c|INS|5382|C", "672", "No", 0.58),
        Relation("Negative_Correlation", "D002945", "D034381|D014786", "Novel", 0.99),
    ),
    "400": (
        Relation("Negative_Correlation", "D001241", "1956", "No", 0.12),
        Relation("Association", "1956", "D009369", "Novel", 0.83),
    ),
}


def scored_corpus() -> list[Document]:
    """The four hand-written fixture documents with the relations of :data:`SCORED`."""
    documents = [parse_one(text) for text in (DOC_100, DOC_200, DOC_300, DOC_400)]
    return [d.with_relations(SCORED[d.pmid]) for d in documents]


def gold_corpus() -> list[Document]:
    """The fixture documents as written, with their gold relations (no scores)."""
    return parse(DOC_100 + "\n" + DOC_200 + "\n" + DOC_300 + "\n" + DOC_400)
