"""Several inputs read as one corpus: each document ID once, the later input winning; empty inputs said.

The rule, for the inputs of one corpus (the training files of one training set, the inputs of one
``convert``, ``evaluate``, ``score`` or ``predict`` run): a document ID found in several inputs is
kept once, from the last input that holds it, at that input's place in the order; the copies in
earlier inputs are dropped. So ``train base.pubtator reviewed.pubtator`` trains on the reviewed
version of every document that was reviewed, and on the others as they were. One warning names how
many documents of which input were replaced by the version of which later input; copies identical to
the one kept (the same file named twice, or copied) are dropped with a warning of their own. Inside
one input a document ID twice stays an error of that input (:func:`relclf.io.validation.valid_documents`).
The rule applies within one corpus: inputs declared as different corpora (a multi-corpus training, where
the same abstract annotated in two schemas is two examples) are each merged on their own, by calling
:func:`merge_documents` or :func:`read_inputs` once per corpus.

An input without documents (an empty file, only blank lines, a BioC collection without a document)
gives none, with a warning naming it, so that an empty shard in a pipeline needs no special case but
cannot pass unnoticed; an input that is not even a valid empty file is an error as always.

Reading several inputs as a stream needs their document IDs first: each is read twice, once for its
IDs and once for the work, so standard input (and a named pipe), which can be read only once, can be
the only input.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol, TypeVar

from ..document import Document
from ..errors import ErrorHandler, UsageError
from .files import PathLike, display_name
from .formats import is_single_pass, read_documents

__all__ = ["DuplicateDocuments", "merge_documents", "merged", "read_inputs"]

log = logging.getLogger(__name__)


class _Identified(Protocol):
    """What the rule needs of an item: its document ID (documents, predicted documents, their text)."""

    @property
    def pmid(self) -> str: ...


T = TypeVar("T", bound=_Identified)


class DuplicateDocuments:
    """The rule of this module applied to the inputs of one corpus: which copy of each document ID is
    kept, and what was dropped (said by :meth:`warn`).

    Parameters
    ----------
    names : sequence of str
        The inputs' names, for the warnings.
    ids : sequence of iterables of str
        The document IDs of each input, in input order.

    Examples
    --------
    >>> rule = DuplicateDocuments(["base", "reviewed"], [["1", "2"], ["2"]])
    >>> rule.keep(0, "1", "a"), rule.keep(0, "2", "b"), rule.keep(1, "2", "b reviewed")
    (True, False, True)
    >>> rule.replaced
    Counter({(0, 1): 1})
    """

    def __init__(self, names: Sequence[str], ids: Sequence[Iterable[str]]) -> None:
        self.names = list(names)
        self._last: dict[str, int] = {}  # document ID -> the last input holding it
        for index, identifiers in enumerate(ids):
            for identifier in identifiers:
                self._last[identifier] = index
        self._dropped: dict[str, list[tuple[int, object]]] = {}  # earlier copies until the kept one comes
        self.replaced: Counter[tuple[int, int]] = Counter()  # (earlier input, later input) -> documents
        self.identical: Counter[tuple[int, int]] = Counter()

    def keep(self, index: int, identifier: str, content: object) -> bool:
        """Whether the document ``identifier`` of input ``index`` is kept; ``content`` (compared with
        ``==``) tells an identical copy from another version."""
        if self._last.get(identifier, index) > index:  # a later input holds it: this copy goes
            self._dropped.setdefault(identifier, []).append((index, content))
            return False
        for earlier, dropped in self._dropped.pop(identifier, ()):
            (self.identical if dropped == content else self.replaced)[earlier, index] += 1
        return True

    def warn(self) -> None:
        """Log one warning for the documents replaced by a later version, one for identical copies dropped."""
        if self.replaced:
            log.warning(
                "replaced %s: a document in several inputs is kept from the last one",
                self._listed(self.replaced, "by their version in"),
            )
        if self.identical:
            log.warning(
                "dropped %s: a document in several inputs is read once", self._listed(self.identical, "repeated in")
            )

    def _listed(self, counts: Counter[tuple[int, int]], how: str) -> str:
        return ", ".join(
            f"{n:,} document{'s' if n != 1 else ''} of {self.names[a]} {how} {self.names[b]}"
            for (a, b), n in sorted(counts.items())
        )


def merge_documents(inputs: Sequence[tuple[str, Sequence[Document]]]) -> list[Document]:
    """The documents of the inputs of one corpus, each ``(name, documents)``, as one list under the rule
    of this module (warnings logged).

    >>> from relclf.document import Document
    >>> base = [Document("1", "t", "a"), Document("2", "t", "old")]
    >>> [d.abstract for d in merge_documents([("base", base), ("reviewed", [Document("2", "t", "new")])])]
    ['a', 'new']
    """
    rule = DuplicateDocuments([name for name, _ in inputs], [[d.pmid for d in docs] for _, docs in inputs])
    kept = [d for index, (_, docs) in enumerate(inputs) for d in docs if rule.keep(index, d.pmid, d)]
    rule.warn()
    return kept


def merged(
    sources: Sequence[PathLike],
    items: Callable[[PathLike], Iterable[T]],
    *,
    format: str | None = None,
    on_error: ErrorHandler | None = None,
    content: Callable[[T], object] = lambda item: item,
) -> Iterator[T]:
    """Stream what ``items`` gives for each source (its documents, or its documents predicted) as one
    corpus under the rule of this module, saying each source that gives nothing.

    One source is read as it comes. Several are first read for their document IDs (with ``format``;
    errors raised then unless ``on_error`` is given, when invalid documents are left out silently, as
    the second reading reports them): a source that can be read only once (standard input, a named
    pipe) is refused among several. ``content`` gives what tells two copies of a document apart.
    """
    names = [display_name(source) for source in sources]
    if len(sources) == 1:
        yield from _said_if_empty(items(sources[0]), names[0])
        return
    once = next((source for source in sources if is_single_pass(source)), None)
    if once is not None:
        raise UsageError(
            f"{display_name(once)} can be read only once, so it cannot be one of several inputs (whose document IDs "
            "are read first): give it alone, or save it to a file"
        )
    silent: ErrorHandler | None = (lambda error: None) if on_error is not None else None
    rule = DuplicateDocuments(
        names,
        [[d.pmid for d in read_documents(s, format, on_error=silent, allow_empty=True)] for s in sources],
    )
    for index, source in enumerate(sources):
        for item in _said_if_empty(items(source), names[index]):
            if rule.keep(index, item.pmid, content(item)):
                yield item
    rule.warn()


def read_inputs(
    sources: Sequence[PathLike], format: str | None = None, *, on_error: ErrorHandler | None = None
) -> Iterator[Document]:
    """Stream the documents of input files (as :func:`relclf.io.formats.input_files` gives them) as one
    corpus: :func:`merged` of their documents."""

    def documents(source: PathLike) -> Iterator[Document]:
        return read_documents(source, format, on_error=on_error, allow_empty=True)

    return merged(sources, documents, format=format, on_error=on_error)


def _said_if_empty(items: Iterable[T], name: str) -> Iterator[T]:
    """Yield ``items``; when there were none, log a warning naming the input."""
    empty = True
    for item in items:
        empty = False
        yield item
    if empty:
        log.warning("%s: no documents (an empty input)", name)
