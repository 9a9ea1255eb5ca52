"""Errors relclf raises for bad input and bad model files."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ErrorHandler", "InputError", "ModelError", "OutputError", "RelclfError", "WorkerError"]


class RelclfError(Exception):
    """Base class of every error relclf reports to users as one line."""


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

    ``str(error)`` is ``"PATH:LINE: message"``.
    """

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(path, line, message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


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


class WorkerError(RelclfError):
    """A worker process of a parallel run ended unexpectedly (killed from outside, or out of memory)."""
