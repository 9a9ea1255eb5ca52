"""Fetch the public corpora (BioRED, BC5CDR) from their official sources and unpack their PubTator files.

Checksums: relclf was written without access to these servers, so no SHA-256 of the real archives
could be computed or checked, and neither NCBI nor BioCreative publishes one. :data:`SOURCES`
therefore records ``sha256=None`` for both, which means: the archive is fetched over HTTPS, its
SHA-256 is printed, and it is unpacked with a warning that it was *not* verified. Give the digest you
trust with ``--sha256`` (e.g. the one printed by a first download, or by a colleague) and the archive
is checked before anything is unpacked; on a mismatch nothing is kept. When a digest is known it
belongs in :data:`SOURCES`, and from then on every download is verified against it.

Archives are unpacked safely: only regular files whose names mention "pubtator" are extracted, each
into one flat directory; an archive with an absolute member path, a ``..`` component or a link is
refused as a whole, and so is one whose members would unpack to more than :data:`MAX_MEMBER_BYTES`
each or :data:`MAX_TOTAL_BYTES` in all, or to more than the free disk space: sizes are checked before
anything is extracted, and a member that unpacks to more than it declares is stopped there. Every
failure is a :class:`~relclf.errors.DownloadError`, and nothing is left behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from .errors import DownloadError, RelclfError
from .io.files import PathLike
from .progress import byte_bar

__all__ = [
    "BASE_URL_ENV",
    "MAX_MEMBER_BYTES",
    "MAX_TOTAL_BYTES",
    "SOURCES",
    "DownloadResult",
    "Source",
    "download",
    "source_url",
    "unpack_pubtator",
]

BASE_URL_ENV = "RELCLF_DOWNLOAD_BASE"
_CHUNK = 1 << 20
# BioRED's PubTator files unpack to ~2 MB each, BC5CDR's to ~1 MB: these bounds leave room for far
# larger corpora while refusing an archive built to fill the disk (a "zip bomb").
MAX_MEMBER_BYTES = 1 << 30
MAX_TOTAL_BYTES = 4 << 30


@dataclass(frozen=True, slots=True)
class Source:
    """Where a corpus comes from: its archive's URL and, when known, the archive's SHA-256."""

    name: str
    url: str
    sha256: str | None
    citation: str


SOURCES: dict[str, Source] = {
    "biored": Source(
        "biored",
        "https://ftp.ncbi.nlm.nih.gov/pub/lu/BioRED/BIORED.zip",
        None,  # not published by NCBI and not computable here (no internet access): see the module doc
        "BioRED (Luo et al. 2022), NCBI",
    ),
    "bc5cdr": Source(
        "bc5cdr",
        "https://ftp.ncbi.nlm.nih.gov/pub/lu/BC5CDR/CDR_Data.zip",
        None,  # idem; the corpus is also distributed by BioCreative (use --url for another mirror)
        "BioCreative V CDR corpus (Li et al. 2016)",
    ),
}


@dataclass(frozen=True)
class DownloadResult:
    """What a download produced: the PubTator files, the archive's digest and whether it was checked."""

    url: str
    sha256: str
    verified: bool
    size: int
    files: tuple[Path, ...]

    def role(self, word: str) -> Path | None:
        """The first file whose name contains ``word`` (``train``, ``dev``, ``test``), case-insensitive."""
        return next((f for f in self.files if word in f.name.lower()), None)


def source_url(name: str, *, base_url: str | None = None, url: str | None = None) -> str:
    """The URL to fetch corpus ``name`` from.

    ``url`` replaces it whole; ``base_url`` (or the ``RELCLF_DOWNLOAD_BASE`` environment variable)
    replaces everything before the archive's file name, e.g. a mirror or a local test server.
    """
    if name not in SOURCES:
        raise RelclfError(f"unknown corpus {name!r}; choose from {', '.join(SOURCES)}")
    if url:
        return url
    base = base_url or os.environ.get(BASE_URL_ENV)
    official = SOURCES[name].url
    return f"{base.rstrip('/')}/{official.rsplit('/', 1)[1]}" if base else official


def download(
    name: str,
    dest: PathLike,
    *,
    sha256: str | None = None,
    base_url: str | None = None,
    url: str | None = None,
    progress: bool = False,
    timeout: float = 60.0,
) -> DownloadResult:
    """Download corpus ``name`` (``biored`` or ``bc5cdr``), check it, and unpack its PubTator files.

    Parameters
    ----------
    name : str
        A key of :data:`SOURCES`.
    dest : path
        Directory; the files go to ``dest/name/``.
    sha256 : str, optional
        Expected hex SHA-256 of the archive; overrides the one in :data:`SOURCES`.
    base_url, url : str, optional
        See :func:`source_url`.
    progress : bool
        Draw a byte-count bar on stderr.

    Returns
    -------
    DownloadResult

    Raises
    ------
    RelclfError
        For an unknown corpus or a malformed ``sha256``.
    DownloadError
        When the download fails, the digest differs from the expected one, or the archive is unsafe,
        too large or has no PubTator file. Nothing is left behind in that case.
    """
    target = source_url(name, base_url=base_url, url=url)
    expected = (sha256 or SOURCES[name].sha256 or "").lower() or None
    if expected is not None and not re.fullmatch(r"[0-9a-f]{64}", expected):
        raise RelclfError(f"an expected SHA-256 must be 64 hex digits, not {sha256!r}")
    out = Path(dest) / name
    created = not Path(dest).exists()
    Path(dest).mkdir(parents=True, exist_ok=True)
    try:
        return _download_into(name, target, expected, Path(dest), out, progress=progress, timeout=timeout)
    except BaseException:
        if created and not any(Path(dest).iterdir()):  # leave no trace of a failed first download
            Path(dest).rmdir()
        raise


def _download_into(
    name: str, target: str, expected: str | None, dest: Path, out: Path, *, progress: bool, timeout: float
) -> DownloadResult:
    with tempfile.TemporaryDirectory(prefix=f".{name}.", dir=dest) as work:
        archive = Path(work) / target.rsplit("/", 1)[-1].split("?")[0]
        digest, size = _fetch(target, archive, progress=progress, timeout=timeout)
        if expected is not None and digest != expected:
            raise DownloadError(
                f"{target}: SHA-256 mismatch: expected {expected}, got {digest}; the download was deleted"
            )
        unpacked = unpack_pubtator(archive, Path(work) / "files")
        out.mkdir(exist_ok=True)
        files = []
        for path in unpacked:
            final = out / path.name
            os.replace(path, final)
            files.append(final)
    return DownloadResult(target, digest, expected is not None, size, tuple(sorted(files)))


def _fetch(url: str, path: Path, *, progress: bool, timeout: float) -> tuple[str, int]:
    """Stream ``url`` into ``path``; return its hex SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(path, "wb") as handle:
            total = int(response.headers.get("Content-Length") or 0) or None
            with byte_bar(enabled=progress, desc=f"downloading {path.name}", total=total) as bar:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DownloadError(f"{url}: cannot download: {exc.reason}") from None
    except (OSError, ValueError) as exc:
        raise DownloadError(f"{url}: cannot download: {exc}") from None
    return digest.hexdigest(), size


def _unsafe(member: str) -> bool:
    path = PurePosixPath(member.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or bool(re.match(r"^[A-Za-z]:", member))


def _wanted(member: str) -> bool:
    return "pubtator" in PurePosixPath(member).name.lower() and not PurePosixPath(member).name.startswith(".")


def unpack_pubtator(
    archive: PathLike, directory: PathLike, *, max_member: int = MAX_MEMBER_BYTES, max_total: int = MAX_TOTAL_BYTES
) -> list[Path]:
    """Extract the PubTator files of a zip or tar archive, flat, into ``directory``.

    Two members with the same file name are told apart by their path (``dir_sub_name``). Raises
    :class:`DownloadError` when a member's path is absolute or climbs out with ``..``, when a wanted
    member is a link, when the wanted members declare more than ``max_member`` bytes each, more than
    ``max_total`` in all or more than the free space of ``directory`` (checked before extracting),
    when one unpacks to more than it declares, or when there is no PubTator file.
    """
    archive, directory = Path(archive), Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            members = [(info.filename, info) for info in bundle.infolist()]
            _check(
                [(n, not info.is_dir() and (info.external_attr >> 16) & 0o170000 == 0o120000) for n, info in members],
                archive,
            )
            chosen = [(n, info) for n, info in members if not info.is_dir() and _wanted(n)]
            names = _flat_names([n for n, _ in chosen], archive)
            _check_sizes([(n, info.file_size) for n, info in chosen], archive, directory, max_member, max_total)
            for (member, info), name in zip(chosen, names, strict=True):
                with bundle.open(info) as source:
                    _copy(source, directory / name, info.file_size, member, archive)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as bundle:
            entries = [(m.name, m) for m in bundle.getmembers()]
            _check([(n, m.issym() or m.islnk()) for n, m in entries], archive)
            files = [(n, m) for n, m in entries if m.isfile() and _wanted(n)]
            names = _flat_names([n for n, _ in files], archive)
            _check_sizes([(n, m.size) for n, m in files], archive, directory, max_member, max_total)
            for (member, entry), name in zip(files, names, strict=True):
                extracted = bundle.extractfile(entry)
                assert extracted is not None  # regular files always have content
                with extracted:
                    _copy(extracted, directory / name, entry.size, member, archive)
    else:
        raise DownloadError(f"{archive.name}: not a zip or tar archive")
    return sorted(directory / name for name in names)


def _check_sizes(
    members: list[tuple[str, int]], archive: Path, directory: Path, max_member: int, max_total: int
) -> None:
    """Refuse, before extracting anything, members too large alone, together, or for the free disk space."""
    for name, size in members:
        if size > max_member:
            raise DownloadError(
                f"{archive.name}: member {name!r} unpacks to {size:,} bytes, more than the {max_member:,} allowed; "
                "refused"
            )
    total = sum(size for _, size in members)
    if total > max_total:
        raise DownloadError(
            f"{archive.name}: its PubTator files unpack to {total:,} bytes, more than the {max_total:,} allowed; "
            "refused"
        )
    free = shutil.disk_usage(directory).free
    if total > free:
        raise DownloadError(
            f"{archive.name}: its PubTator files unpack to {total:,} bytes, but only {free:,} are free in {directory}"
        )


def _copy(source: IO[bytes], target: Path, declared: int, member: str, archive: Path) -> None:
    """Copy ``source`` to ``target``, stopping with an error past the ``declared`` size."""
    written = 0
    with open(target, "wb") as out:
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            written += len(chunk)
            if written > declared:
                raise DownloadError(
                    f"{archive.name}: member {member!r} unpacks to more than the {declared:,} bytes it declares; "
                    "refused"
                )
            out.write(chunk)


def _check(members: list[tuple[str, bool]], archive: Path) -> None:
    for name, is_link in members:
        if _unsafe(name):
            raise DownloadError(f"{archive.name}: member {name!r} points outside the archive; refused")
        if is_link and _wanted(name):
            raise DownloadError(f"{archive.name}: member {name!r} is a link; refused")


def _flat_names(members: list[str], archive: Path) -> list[str]:
    """One file name per member: its own name, or its path joined by ``_`` when two share a name."""
    if not members:
        raise DownloadError(f"{archive.name}: no PubTator file in the archive")
    base = [PurePosixPath(m).name for m in members]
    return [b if base.count(b) == 1 else "_".join(PurePosixPath(m).parts) for m, b in zip(members, base, strict=True)]
