"""The errors relclf raises with a message for the person running it.

Every one is a :class:`RelclfError`: the CLI prints it as one line and exits with a status that
says whose it is to fix. Any other exception that ends a run (a ``TypeError`` or a ``ValueError``
from deep inside, a numpy error) is a bug in relclf, and the CLI keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "DownloadError",
    "ErrorHandler",
    "InputError",
    "ModelError",
    "OutputError",
    "RelclfError",
    "UsageError",
    "WorkerError",
]


class RelclfError(Exception):
    """Base class of every error relclf reports to users as one line."""


class UsageError(RelclfError, ValueError):
    """A request relclf cannot carry out as given: arguments that contradict each other, a document
    or ID the input does not hold, a precision the model never reached, training data with nothing
    to learn from. The message says what to change.

    A ``ValueError`` too, so that callers catching ``ValueError`` keep working. Plain ``ValueError``
    and ``TypeError`` remain for calls that break a function's contract (a batch size of 0): from
    the CLI those can only be bugs.
    """


class InputError(RelclfError, ValueError):
    """An input file violates its format.

    Parameters
    ----------
    path : str
        The file's name as given by the user (``-`` or ``<stdin>`` for standard input).
    line : int
        1-based line number where the problem was found (0 when it concerns the whole file).
    message : str
        What is wrong, in a few words.
    scope : {"document", "mention", "relation"}, default "document"
        The smallest unit the error invalidates: what a reader that skips invalid input leaves out
        (a bad mention or relation line alone; its whole document otherwise).

    ``str(error)`` is ``"PATH:LINE: message"``.
    """

    def __init__(self, path: str, line: int, message: str, scope: str = "document") -> None:
        super().__init__(path, line, message)
        self.path = path
        self.line = line
        self.message = message
        self.scope = scope

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def __reduce__(self) -> tuple[type[InputError], tuple[str, int, str, str]]:
        # keep the scope through pickling (worker processes)
        return (type(self), (self.path, self.line, self.message, self.scope))


#: The ``on_error`` callback of every reader: it gets the error of each invalid document, which is skipped.
ErrorHandler = Callable[[InputError], None]


class ModelError(RelclfError):
    """A model file cannot be used: not a relclf model, corrupted, or made by an incompatible version."""


class OutputError(RelclfError):
    """An output cannot be written (missing or read-only directory, disk full, file too large).

    ``str(error)`` is ``"PATH: cannot write: reason"``.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: cannot write: {self.reason}"


class DownloadError(RelclfError):
    """A download failed: the network, the server, a checksum mismatch, or an archive that is unsafe or too large."""


class WorkerError(RelclfError):
    """A worker process of a parallel run ended unexpectedly (killed from outside, or out of memory)."""
