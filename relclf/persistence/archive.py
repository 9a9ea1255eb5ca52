"""Reading a model file's archive: its members' sizes and ``.npy`` headers first, then its ``meta``, then
(:func:`_read_members`) every array, each only once its header fits the format (:mod:`.members`).
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from .fileformat import _META, MAX_CARD_BYTES, _meta, _reason
from .members import check_members

# A model member larger than this is refused before it is read (the bundled model's largest is ~5 MB).
MAX_MEMBER_BYTES = 1 << 30
MAX_TOTAL_BYTES = 4 << 30


def _is_npz(path: Path) -> bool:
    """Whether ``path`` is a zip archive with a ``meta`` array: an ``.npz`` model file (of whichever version)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n == f"{_META}.npy" for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _read_members(path: Path) -> dict[str, np.ndarray]:
    """Every array of a model file, each read only after its header is checked against the format.

    The archive's members are checked first (their sizes, names), then each member's .npy header
    (:func:`_member_header`), then meta (read when its header says it is text of a card's size), then every
    header against meta and each other (:func:`check_members`); only then is any other array read, with
    ``allow_pickle=False``. Raises :class:`ModelError`: ``damaged or incompatible model (...)`` naming the
    member that does not fit, ``not a readable relclf model`` when the archive cannot be read.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = _archive_members(archive, path)
            try:
                headers = {name: _member_header(archive, info, name) for name, info in infos.items()}
                if _META not in headers:
                    raise ModelError(f"{path}: not a relclf model (no '{_META}' member)")
                meta = _meta({_META: np.array(_meta_text(archive, infos[_META], headers[_META]))}, str(path))
                check_members(headers, meta)
                arrays = {}
                for name, info in infos.items():
                    with archive.open(info) as handle:
                        arrays[name] = np.lib.format.read_array(handle, allow_pickle=False)
                return arrays
            except (KeyError, TypeError, ValueError, IndexError, RecursionError, AttributeError) as exc:
                raise ModelError(f"{path}: damaged or incompatible model ({_reason(exc)})") from None
    except ModelError:
        raise
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{path}: not a readable relclf model ({type(exc).__name__}: {str(exc)[:120]})") from None


def _archive_members(archive: zipfile.ZipFile, path: Path) -> dict[str, zipfile.ZipInfo]:
    """The members of a model file by array name (their names without ``.npy``), after checking their sizes
    (no zip bomb, no huge array), that each is a ``.npy`` member and that none is there twice."""
    infos = archive.infolist()
    too_big = [i.filename for i in infos if i.file_size > MAX_MEMBER_BYTES]
    if too_big or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise ModelError(
            f"{path}: refusing to load: members larger than relclf models ever are ({', '.join(too_big) or 'in total'})"
        )
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename.removesuffix(".npy")
        if name == info.filename or name in members:
            what = "is there twice" if name in members else "is no .npy array"
            raise ModelError(f"{path}: damaged or incompatible model (member {info.filename!r} {what})")
        members[name] = info
    return members


def _member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) as a member's .npy header declares them, read without its data.

    ValueError when it is no .npy header, holds Python objects (a pickle), or declares more or fewer
    bytes than the member holds: a header declaring 10**12 elements is refused here, before anything
    is allocated for it.
    """
    with archive.open(info) as handle:
        version = np.lib.format.read_magic(handle)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"member {name!r} is an .npy array of format {version}, which numpy does not write here")
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(handle)
        start = handle.tell()
    if dtype.hasobject:
        raise ValueError(f"member {name!r} holds Python objects (a pickle), which relclf never reads")
    if any(d > MAX_MEMBER_BYTES for d in shape):  # an array of no elements may still declare one
        raise ValueError(f"member {name!r} declares shape {shape}, a dimension larger than any model has")
    declared = math.prod(shape) * dtype.itemsize
    if declared != info.file_size - start:
        raise ValueError(
            f"member {name!r} declares shape {shape} of {dtype.str}, {declared:,} bytes, where it holds "
            f"{info.file_size - start:,}"
        )
    return shape, dtype


def _meta_text(archive: zipfile.ZipFile, info: zipfile.ZipInfo, header: tuple[tuple[int, ...], np.dtype]) -> str:
    """The JSON text of a model file's ``meta`` member, read once its header says it is one string of a
    card's size at most. ValueError otherwise."""
    shape, dtype = header
    if dtype.kind != "U" or shape != () or info.file_size > MAX_CARD_BYTES:
        raise ValueError(f"member {_META!r} holds {dtype.str} of shape {shape}, not the text of a model's metadata")
    with archive.open(info) as handle:
        return str(np.lib.format.read_array(handle, allow_pickle=False))


def _read_meta(path: Path) -> Any:
    """The JSON of a model file's ``meta`` member (its header checked first), without reading the rest."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = _archive_members(archive, path)
            info = infos[_META]
            return json.loads(_meta_text(archive, info, _member_header(archive, info, _META)))
    except ModelError:
        raise
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, ValueError, RecursionError) as exc:
        raise ModelError(f"{path}: unreadable model metadata ({type(exc).__name__})") from None
