"""Corpus download against a local HTTP server (127.0.0.1) serving archives built here: never the internet."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from relclf import cli
from relclf.download import BASE_URL_ENV, download, source_url, unpack_pubtator
from relclf.errors import DownloadError, RelclfError
from synthetic import synthetic_corpus

TRAIN = synthetic_corpus(3, seed=1)
DEV = synthetic_corpus(2, seed=2, start=100)


def build_zip(path: Path, members: dict[str, str]) -> str:
    """Write a zip with ``members`` (name -> text); return its SHA-256."""
    with zipfile.ZipFile(path, "w") as bundle:
        for name, text in members.items():
            bundle.writestr(name, text)
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def server(tmp_path):
    """Serve ``tmp_path/www`` on 127.0.0.1; yields (directory, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/corpora"
    httpd.shutdown()
    httpd.server_close()


def biored_archive(root: Path) -> str:
    (root / "corpora").mkdir(exist_ok=True)
    return build_zip(
        root / "corpora" / "BIORED.zip",
        {"BioRED/Train.PubTator": TRAIN, "BioRED/Dev.PubTator": DEV, "BioRED/Train.BioC.JSON": "{}", "BioRED/": ""},
    )


def test_good_archive_is_verified_unpacked_and_paths_printed(server, tmp_path, capsys):
    root, base = server
    digest = biored_archive(root)
    dest = tmp_path / "data"
    status = cli.main(["-q", "download", "biored", "--dest", str(dest), "--base-url", base, "--sha256", digest])
    assert status == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"downloaded {base}/BIORED.zip (") and out[0].endswith(f"SHA-256 {digest}")
    assert out[1] == "checksum: verified"
    assert out[2:4] == [str(dest / "biored" / "Dev.PubTator"), str(dest / "biored" / "Train.PubTator")]
    assert (
        out[4]
        == f"train with: relclf train {dest / 'biored' / 'Train.PubTator'} --dev {dest / 'biored' / 'Dev.PubTator'} "
        "-o biored.npz"
    )
    assert (dest / "biored" / "Train.PubTator").read_text() == TRAIN
    assert sorted(p.name for p in dest.rglob("*")) == ["Dev.PubTator", "Train.PubTator", "biored"]  # nothing else kept


def test_checksum_mismatch_is_refused_and_nothing_is_left(server, tmp_path, capsys):
    root, base = server
    biored_archive(root)
    dest = tmp_path / "data"
    status = cli.main(["download", "biored", "--dest", str(dest), "--base-url", base, "--sha256", "0" * 64])
    assert status == 1  # a runtime failure
    err = capsys.readouterr().err
    assert (
        err.startswith(f"relclf: error: {base}/BIORED.zip: SHA-256 mismatch: expected {'0' * 64}, got ")
        and err.count("\n") == 1
    )
    assert not dest.exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    assert cli.main(["download", "biored", "--dest", str(existing), "--base-url", base, "--sha256", "1" * 64]) == 1
    assert list(existing.iterdir()) == []


def test_without_known_checksum_the_digest_is_printed_and_a_warning_given(server, tmp_path, capsys, monkeypatch):
    root, base = server
    digest = biored_archive(root)
    monkeypatch.setenv(BASE_URL_ENV, base)  # the environment variable works like --base-url
    assert cli.main(["-q", "download", "biored", "--dest", str(tmp_path / "d")]) == 0
    captured = capsys.readouterr()
    assert f"SHA-256 {digest}" in captured.out
    assert "checksum NOT verified" in captured.err and f"--sha256 {digest}" in captured.err


def test_http_error_is_one_line(server, tmp_path, capsys):
    _, base = server
    assert cli.main(["download", "bc5cdr", "--dest", str(tmp_path / "d"), "--base-url", base]) == 1
    assert capsys.readouterr().err == f"relclf: error: {base}/CDR_Data.zip: HTTP 404 File not found\n"
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("member", ["../evil.PubTator", "/etc/evil.PubTator", "a/../../evil.PubTator"])
def test_archive_with_path_traversal_is_refused(tmp_path, member):
    archive = tmp_path / "bad.zip"
    build_zip(archive, {"ok/Train.PubTator": TRAIN, member: "x"})
    with pytest.raises(RelclfError, match="points outside the archive"):
        unpack_pubtator(archive, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert not (tmp_path / "evil.PubTator").exists()


def test_tar_archives_and_links(tmp_path):
    good = tmp_path / "good.tar.gz"
    with tarfile.open(good, "w:gz") as bundle:
        data = TRAIN.encode()
        info = tarfile.TarInfo("CDR_Data/CDR_TrainingSet.PubTator.txt")
        info.size = len(data)
        bundle.addfile(info, io.BytesIO(data))
    assert [p.name for p in unpack_pubtator(good, tmp_path / "out")] == ["CDR_TrainingSet.PubTator.txt"]
    linked = tmp_path / "link.tar"
    with tarfile.open(linked, "w") as bundle:
        info = tarfile.TarInfo("Train.PubTator")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        bundle.addfile(info)
    with pytest.raises(RelclfError, match="is a link"):
        unpack_pubtator(linked, tmp_path / "out2")


def test_download_api_and_urls(server, tmp_path):
    root, base = server
    digest = biored_archive(root)
    result = download("biored", tmp_path / "d", sha256=digest.upper(), base_url=base)
    assert result.verified and result.role("dev").name == "Dev.PubTator" and result.role("test") is None
    assert source_url("biored") == "https://ftp.ncbi.nlm.nih.gov/pub/lu/BioRED/BIORED.zip"
    assert source_url("bc5cdr", base_url="http://mirror/x/") == "http://mirror/x/CDR_Data.zip"
    with pytest.raises(RelclfError, match="64 hex digits"):
        download("biored", tmp_path / "e", sha256="abc", base_url=base)


def test_same_file_name_in_two_folders_is_kept_apart(tmp_path):
    archive = tmp_path / "two.zip"
    build_zip(
        archive,
        {
            "DNorm/TestSet.PubTator.txt": "a",
            "tmChem/TestSet.PubTator.txt": "b",
            "CDR/CDR_TrainingSet.PubTator.txt": TRAIN,
        },
    )
    names = [p.name for p in unpack_pubtator(archive, tmp_path / "out")]
    assert names == ["CDR_TrainingSet.PubTator.txt", "DNorm_TestSet.PubTator.txt", "tmChem_TestSet.PubTator.txt"]
    assert (tmp_path / "out" / "tmChem_TestSet.PubTator.txt").read_text() == "b"


def test_archive_without_pubtator_files_is_refused(tmp_path):
    archive = tmp_path / "none.zip"
    build_zip(archive, {"BioRED/Train.BioC.JSON": "{}"})
    with pytest.raises(RelclfError, match="no PubTator file"):
        unpack_pubtator(archive, tmp_path / "out")


# -- archive sizes ------------------------------------------------------------------------------------


def test_members_too_large_alone_or_together_are_refused_before_extracting(tmp_path):
    archive = tmp_path / "big.zip"
    build_zip(archive, {"a/Train.PubTator": TRAIN, "a/Dev.PubTator": DEV})
    with pytest.raises(
        DownloadError, match=r"member 'a/Train.PubTator' unpacks to [\d,]+ bytes, more than the 100 allowed"
    ):
        unpack_pubtator(archive, tmp_path / "one", max_member=100)
    with pytest.raises(DownloadError, match=r"its PubTator files unpack to [\d,]+ bytes, more than the 1,000 allowed"):
        unpack_pubtator(archive, tmp_path / "all", max_total=1_000)
    assert list((tmp_path / "one").iterdir()) == list((tmp_path / "all").iterdir()) == []  # nothing extracted
    assert len(unpack_pubtator(archive, tmp_path / "ok")) == 2


def test_a_member_larger_than_it_declares_is_stopped(tmp_path):
    # the copy trusts no header: past the declared size it stops (a member lying about its size)
    from relclf import download as module

    with pytest.raises(DownloadError, match="'Train.PubTator' unpacks to more than the 10 bytes it declares"):
        module._copy(io.BytesIO(TRAIN.encode()), tmp_path / "out.PubTator", 10, "Train.PubTator", tmp_path / "a.zip")
    module._copy(
        io.BytesIO(TRAIN.encode()), tmp_path / "ok.PubTator", len(TRAIN.encode()), "Train.PubTator", tmp_path / "a.zip"
    )
    assert (tmp_path / "ok.PubTator").read_text() == TRAIN


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path):
    # 200 MB of zeros compress to ~200 KB: refused from its header, without unpacking a byte
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        with bundle.open("Train.PubTator", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(bytes(1 << 20))
    assert archive.stat().st_size < 1_000_000
    with pytest.raises(DownloadError, match="more than the 100,000,000 allowed"):
        unpack_pubtator(archive, tmp_path / "out", max_member=100_000_000)
    assert list((tmp_path / "out").iterdir()) == []


def test_download_failures_are_runtime_failures_exit_1(server, tmp_path, capsys):
    root, base = server
    biored_archive(root)
    status = cli.main(["download", "biored", "--dest", str(tmp_path / "d"), "--base-url", base, "--sha256", "0" * 64])
    assert status == 1 and "SHA-256 mismatch" in capsys.readouterr().err
    assert cli.main(["download", "biored", "--dest", str(tmp_path / "d"), "--sha256", "abc"]) == 2  # a usage error
