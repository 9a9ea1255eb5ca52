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
refused as a whole.
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

from .errors import RelclfError
from .io.files import PathLike
from .progress import byte_bar

__all__ = ["BASE_URL_ENV", "SOURCES", "DownloadResult", "Source", "download", "source_url", "unpack_pubtator"]

BASE_URL_ENV = "RELCLF_DOWNLOAD_BASE"
_CHUNK = 1 << 20


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
        When the download fails, the digest differs from the expected one, or the archive is unsafe or
        has no PubTator file. Nothing is left behind in that case.
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


def _download_into(name: str, target: str, expected: str | None, dest: Path, out: Path, *, progress: bool, timeout: float) -> DownloadResult:
    with tempfile.TemporaryDirectory(prefix=f".{name}.", dir=dest) as work:
        archive = Path(work) / target.rsplit("/", 1)[-1].split("?")[0]
        digest, size = _fetch(target, archive, progress=progress, timeout=timeout)
        if expected is not None and digest != expected:
            raise RelclfError(f"{target}: SHA-256 mismatch: expected {expected}, got {digest}; the download was deleted")
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
        raise RelclfError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise RelclfError(f"{url}: cannot download: {exc.reason}") from None
    except (OSError, ValueError) as exc:
        raise RelclfError(f"{url}: cannot download: {exc}") from None
    return digest.hexdigest(), size


def _unsafe(member: str) -> bool:
    path = PurePosixPath(member.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or bool(re.match(r"^[A-Za-z]:", member))


def _wanted(member: str) -> bool:
    return "pubtator" in PurePosixPath(member).name.lower() and not PurePosixPath(member).name.startswith(".")


def unpack_pubtator(archive: PathLike, directory: PathLike) -> list[Path]:
    """Extract the PubTator files of a zip or tar archive, flat, into ``directory``.

    Two members with the same file name are told apart by their path (``dir_sub_name``). Raises
    RelclfError when a member's path is absolute or climbs out with ``..``, when a wanted member is a
    link, or when there is no PubTator file.
    """
    archive, directory = Path(archive), Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            members = [(info.filename, info) for info in bundle.infolist()]
            _check([(n, not info.is_dir() and (info.external_attr >> 16) & 0o170000 == 0o120000) for n, info in members], archive)
            chosen = [(n, info) for n, info in members if not info.is_dir() and _wanted(n)]
            names = _flat_names([n for n, _ in chosen], archive)
            for (_, info), name in zip(chosen, names):
                with bundle.open(info) as source, open(directory / name, "wb") as target:
                    shutil.copyfileobj(source, target)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as bundle:
            members = [(m.name, m) for m in bundle.getmembers()]
            _check([(n, m.issym() or m.islnk()) for n, m in members], archive)
            chosen = [(n, m) for n, m in members if m.isfile() and _wanted(n)]
            names = _flat_names([n for n, _ in chosen], archive)
            for (_, info), name in zip(chosen, names):
                source = bundle.extractfile(info)
                assert source is not None  # regular files always have content
                with source, open(directory / name, "wb") as target:
                    shutil.copyfileobj(source, target)
    else:
        raise RelclfError(f"{archive.name}: not a zip or tar archive")
    return sorted(directory / name for name in names)


def _check(members: list[tuple[str, bool]], archive: Path) -> None:
    for name, is_link in members:
        if _unsafe(name):
            raise RelclfError(f"{archive.name}: member {name!r} points outside the archive; refused")
        if is_link and _wanted(name):
            raise RelclfError(f"{archive.name}: member {name!r} is a link; refused")


def _flat_names(members: list[str], archive: Path) -> list[str]:
    """One file name per member: its own name, or its path joined by ``_`` when two share a name."""
    if not members:
        raise RelclfError(f"{archive.name}: no PubTator file in the archive")
    base = [PurePosixPath(m).name for m in members]
    return [b if base.count(b) == 1 else "_".join(PurePosixPath(m).parts) for m, b in zip(members, base)]
