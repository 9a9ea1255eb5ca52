"""Fault tests: the CLI fed broken inputs, unwritable outputs, a full disk, signals and concurrent runs.

Every case must end with one line ``relclf: error: ...`` (or ``relclf: interrupted``/``terminated``),
exit status 2 for bad input, 1 for a runtime failure (an output that cannot be written, a dead
worker), 130/143 for SIGINT/SIGTERM, no traceback, no partial output file and no temporary file
left behind (SIGKILL excepted: it can leave a ``.NAME.XXXX.tmp``, never a partial NAME). A closed
standard output (``| head``) ends the run quietly, with status 141 and its workers stopped.
Cases run the command in this process (:func:`conftest.run_cli`) unless they need a real one: signals,
killed workers, a file-size limit (a per-process resource limit), standard output on a full device,
closed pipes, concurrent runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import run_cli, run_relclf
from relclf.persistence import load_model
from synthetic import synthetic_corpus

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def relclf(*args: str) -> subprocess.CompletedProcess:
    """Run ``relclf ARGS`` in this process."""
    return run_cli(*args)


def relclf_limited(*args: str, limit_file_size: int) -> subprocess.CompletedProcess:
    """Run ``python -m relclf ARGS`` in a process that may write files of at most ``limit_file_size`` bytes."""
    return run_relclf(*args, preexec_fn=_file_size_limit(limit_file_size))


def _file_size_limit(size: int) -> Callable[[], None]:
    def apply() -> None:
        # writes past the limit fail with EFBIG, like a disk that fills up (SIGXFSZ would kill instead)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return apply


def assert_one_line_error(out: subprocess.CompletedProcess, *fragments: str, status: int = 2) -> None:
    """One line ``relclf: error: ...`` (after warnings) with ``status``: 2 for bad input, 1 for a runtime failure."""
    assert out.returncode == status, (out.returncode, out.stderr)
    *warnings, error = out.stderr.strip().splitlines()
    assert error.startswith("relclf: error: "), out.stderr
    assert all(line.startswith("relclf: warning: ") for line in warnings), out.stderr
    assert "Traceback" not in out.stderr
    for fragment in fragments:
        assert fragment in error, error


def leftovers(directory: Path) -> list[str]:
    """Temporary files (``.NAME.XXXX.tmp``) in ``directory``."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp"))


@pytest.fixture(scope="module")
def setup(tmp_path_factory, synthetic_train, synthetic_model_file) -> dict[str, Path]:
    path = tmp_path_factory.mktemp("faults")
    test = path / "test.pubtator"
    test.write_text(synthetic_corpus(300, seed=2, start=500))
    expected = relclf("predict", str(test), "-m", str(synthetic_model_file))
    assert expected.returncode == 0, expected.stderr
    return {
        "dir": path,
        "train": synthetic_train,
        "model": synthetic_model_file,
        "test": test,
        "expected": expected.stdout,
    }


@pytest.fixture
def out_dir(tmp_path) -> Path:
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


# --- broken and vanishing inputs ------------------------------------------------------------------


def truncated(text: str) -> str:
    """``text`` cut in the middle of a mention line of its middle document: ``PMID<TAB>START<TAB>E``."""
    line_start = text.index("\n", len(text) // 2) + 1
    while text[line_start:].split("\n", 1)[0].count("\t") < 4:  # find a mention line
        line_start = text.index("\n", line_start) + 1
    second_tab = text.index("\t", text.index("\t", line_start) + 1)
    return text[: second_tab + 2]


def test_truncated_input_names_the_line_and_writes_nothing(setup, out_dir):
    text = setup["test"].read_text()
    cut = out_dir / "cut.pubtator"
    cut.write_text(truncated(text))
    out = relclf("predict", str(cut), "-m", str(setup["model"]), "-o", str(out_dir / "pred.pubtator"))
    assert_one_line_error(out, f"{cut}:")
    assert sorted(p.name for p in out_dir.iterdir()) == ["cut.pubtator"]


def test_missing_and_deleted_inputs(setup, out_dir):
    gone = out_dir / "gone.pubtator"
    gone.write_text(setup["test"].read_text())
    link = out_dir / "link.pubtator"
    link.symlink_to(gone)
    gone.unlink()  # the file vanishes; the link to it stays
    for path in (gone, link):
        out = relclf("predict", str(path), "-m", str(setup["model"]), "-o", str(out_dir / "pred.pubtator"))
        assert_one_line_error(out, f"{path}:0: no such file")
    assert not (out_dir / "pred.pubtator").exists() and leftovers(out_dir) == []


def test_directory_as_input(setup, out_dir):
    out = relclf("predict", str(out_dir), "-m", str(setup["model"]), "-o", str(out_dir / "pred.pubtator"))
    assert_one_line_error(out, "no input files (no file here holds documents)")  # a directory is read: it is empty
    assert list(out_dir.iterdir()) == []


def _fifo_with_writer(path: Path, text: str) -> threading.Thread:
    os.mkfifo(path)

    def write() -> None:
        with contextlib.suppress(BrokenPipeError), open(path, "w") as handle:
            handle.write(text)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_fifo_input_is_read_as_a_stream_and_a_truncated_one_refused(setup, out_dir):
    fifo = out_dir / "in.fifo"
    writer = _fifo_with_writer(fifo, setup["test"].read_text())
    out = relclf("predict", str(fifo), "-m", str(setup["model"]))
    writer.join(10)
    assert out.returncode == 0 and out.stdout == setup["expected"]
    fifo.unlink()
    text = setup["test"].read_text()
    writer = _fifo_with_writer(fifo, truncated(text))
    out = relclf("predict", str(fifo), "-m", str(setup["model"]), "-o", str(out_dir / "pred.pubtator"))
    writer.join(10)
    assert_one_line_error(out, f"{fifo}:")
    assert not (out_dir / "pred.pubtator").exists() and leftovers(out_dir) == []


def test_damaged_model(setup, out_dir):
    bad = out_dir / "bad.npz"
    bad.write_bytes(setup["model"].read_bytes()[:2000])
    out = relclf("predict", str(setup["test"]), "-m", str(bad), "-o", str(out_dir / "pred.pubtator"))
    assert_one_line_error(out, f"{bad}: not a relclf model file")
    assert "has no bad.npz.json or bad.npz.sha256" in out.stderr  # loaded unverified: said so
    bad.with_name("bad.npz.json").write_bytes(setup["model"].with_name("model.npz.json").read_bytes())
    out = relclf("predict", str(setup["test"]), "-m", str(bad), "-o", str(out_dir / "pred.pubtator"))
    assert_one_line_error(out, f"{bad}: 2,000 bytes where bad.npz.json records")
    assert not (out_dir / "pred.pubtator").exists()


# --- outputs that cannot be written ------------------------------------------------------------------


@pytest.mark.skipif(
    IS_ROOT,
    reason="running as root: file permissions do not stop root from writing "
    "(test_read_only_file_system_as_output_directory uses a read-only mount instead)",
)
def test_read_only_output_directory(setup, out_dir):
    out_dir.chmod(0o500)
    try:
        out = relclf("predict", str(setup["test"]), "-m", str(setup["model"]), "-o", str(out_dir / "pred.pubtator"))
    finally:
        out_dir.chmod(0o700)
    assert_one_line_error(out, "cannot write: Permission denied", status=1)
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing/pred.pubtator", "No such file or directory"),
        ("file/pred.pubtator", "Not a directory"),
        ("adir", "Is a directory"),
    ],
)
def test_unwritable_output_paths(setup, out_dir, where, reason):
    (out_dir / "file").write_text("a regular file\n")
    (out_dir / "adir").mkdir()
    out = relclf("predict", str(setup["test"]), "-m", str(setup["model"]), "-o", str(out_dir / where))
    assert_one_line_error(out, f"{out_dir / where}: cannot write: {reason}", status=1)
    assert sorted(p.name for p in out_dir.iterdir()) == ["adir", "file"]
    assert list((out_dir / "adir").iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_full_device_as_output_and_as_stdout(setup):
    out = relclf("predict", str(setup["test"]), "-m", str(setup["model"]), "-o", "/dev/full")
    assert_one_line_error(out, "/dev/full: cannot write: No space left on device", status=1)
    with open("/dev/full", "w") as full:  # a real process: its standard output is the full device
        proc = subprocess.run(
            [sys.executable, "-m", "relclf", "predict", str(setup["test"]), "-m", str(setup["model"])],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert_one_line_error(proc, "<stdout>: cannot write: No space left on device", status=1)


def test_file_size_limit_mid_write_leaves_nothing(setup, out_dir):
    # the predictions are ~150 KB; the limit stops the write after 16 KB, as a full disk would
    target = out_dir / "pred.pubtator"
    out = relclf_limited(
        "predict", str(setup["test"]), "-m", str(setup["model"]), "-o", str(target), limit_file_size=16_384
    )
    assert_one_line_error(out, f"{target}: cannot write: File too large", status=1)
    assert list(out_dir.iterdir()) == []


def test_train_whose_model_cannot_be_written_leaves_no_model(setup, out_dir):
    target = out_dir / "m.npz"
    out = relclf_limited("train", str(setup["train"]), "-o", str(target), "--cv", "2", limit_file_size=2_000)
    assert_one_line_error(out, f"{target}: cannot write: File too large", status=1)
    assert list(out_dir.iterdir()) == []


@contextlib.contextmanager
def _tmpfs(mount_point: Path, options: str, instead: str):
    """Mount a tmpfs with ``options`` at ``mount_point`` (needs root and mount permission), or skip."""
    mount_point.mkdir()
    made = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point)], capture_output=True, text=True
        )
        if IS_ROOT
        else None
    )
    if made is None or made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root and mount permission); {instead}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 64 KB tmpfs: a real full disk."""
    with _tmpfs(
        tmp_path / "tiny", "size=64k", "the /dev/full and file-size-limit cases cover a full disk"
    ) as mount_point:
        yield mount_point


def test_read_only_file_system_as_output_directory(setup, tmp_path):
    # a read-only mount stops root too, unlike file permissions
    with _tmpfs(
        tmp_path / "ro", "ro,size=64k", "test_read_only_output_directory covers it for non-root users"
    ) as mount_point:
        target = mount_point / "pred.pubtator"
        out = relclf("predict", str(setup["test"]), "-m", str(setup["model"]), "-o", str(target))
        assert_one_line_error(out, f"{target}: cannot write: Read-only file system", status=1)
        assert list(mount_point.iterdir()) == []


def test_full_tmpfs_leaves_nothing(setup, tiny_tmpfs):
    target = tiny_tmpfs / "pred.pubtator"
    out = relclf("predict", str(setup["test"]), "-m", str(setup["model"]), "-o", str(target))
    assert_one_line_error(out, f"{target}: cannot write: No space left on device", status=1)
    assert list(tiny_tmpfs.iterdir()) == []


# --- interrupted runs ---------------------------------------------------------------------------------


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def _interruptible() -> None:
    """Run in the child before it starts: restore Ctrl-C's default action, which a shell's background
    job (and so a test run started in one) inherits as ignored; Python raises KeyboardInterrupt only
    when SIGINT was not ignored at start-up."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _communicate(proc: subprocess.Popen, stdin: str | None = None, timeout: float = 60) -> tuple[str, str]:
    """``proc.communicate``, but a run that hangs is killed and fails the test instead of outliving it."""
    try:
        return proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)  # the CLI prints every thread's stack
        time.sleep(1)
        proc.kill()
        try:
            _, stderr = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            stderr = "(stderr still held open)"
        raise AssertionError(f"the run did not end within {timeout} s; stderr:\n{stderr}") from None


def _start_predicting(setup: dict[str, Path], target: Path, jobs: str, **popen) -> subprocess.Popen:
    """``relclf predict - -o TARGET --n-jobs JOBS`` fed more documents than one round of chunks (256
    documents each, at most 4 * n_jobs in flight), its input left open: it writes what it has and
    waits for more. Returns once some predictions sit in the temporary file."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "relclf",
            "predict",
            "-",
            "-m",
            str(setup["model"]),
            "-o",
            str(target),
            "--n-jobs",
            jobs,
        ],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
        **popen,
    )
    proc.stdin.write(synthetic_corpus(2600, seed=3, start=5000))
    proc.stdin.flush()
    _wait_for(
        lambda: (
            any(target.parent.glob(f".{target.name}.*.tmp"))
            and next(target.parent.glob(f".{target.name}.*.tmp")).stat().st_size > 0
        )
    )
    return proc


def _stat(stat: Path) -> list[str]:
    """The fields of a /proc/PID/stat file after the command name: state, parent PID, ...

    The command name, in parentheses, may hold spaces, so the fields start after the last ")".
    """
    return stat.read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    """The worker processes of ``pid``: its children (read from /proc) that are loky workers.

    loky also starts resource trackers, which end when their parent does; they are not workers.
    """
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(_stat(stat)[1]) == pid and b"popen_loky" in (stat.parent / "cmdline").read_bytes():
                children.append(int(stat.parent.name))
    return children


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        return _stat(Path(f"/proc/{pid}/stat"))[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_predict_killed_mid_way_keeps_the_old_output(setup, out_dir, sig, jobs):
    target = out_dir / "pred.pubtator"
    target.write_text("previous results\n")
    proc = _start_predicting(setup, target, jobs)
    workers = _children(proc.pid)
    assert len(workers) == int(jobs) - 1  # --n-jobs counts this process too
    proc.send_signal(sig)
    _, stderr = _communicate(proc)
    assert target.read_text() == "previous results\n"
    _wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=10)  # no orphaned workers
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL  # the temporary file may stay; the output is intact
        return
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[sig]
    assert stderr.strip() in ("relclf: interrupted", "relclf: terminated"), stderr
    assert leftovers(out_dir) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_to_the_whole_process_group_stops_workers_quietly(setup, out_dir, sig):
    # Ctrl-C in a terminal signals the parent and its workers alike: one line, no worker tracebacks
    target = out_dir / "pred.pubtator"
    proc = _start_predicting(setup, target, "2", start_new_session=True)
    workers = _children(proc.pid)
    os.killpg(proc.pid, sig)
    _, stderr = _communicate(proc)
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[sig]
    assert stderr.strip() in ("relclf: interrupted", "relclf: terminated"), stderr
    assert list(out_dir.iterdir()) == []
    _wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=10)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes in /proc")
def test_a_killed_worker_ends_the_run_with_a_clear_error(setup, out_dir):
    # as the out-of-memory killer would: one worker of a parallel run dies
    target = out_dir / "pred.pubtator"
    proc = _start_predicting(setup, target, "2")
    workers = _children(proc.pid)
    assert workers, "no worker processes found"
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = _communicate(proc, synthetic_corpus(600, seed=5, start=20000))
    assert_one_line_error(
        subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr),
        "a worker process ended unexpectedly",
        status=1,
    )
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_train_killed_leaves_no_model(setup, out_dir, sig):
    target = out_dir / "m.npz"
    proc = subprocess.Popen(
        [sys.executable, "-m", "relclf", "train", "-", "-o", str(target), "--cv", "2"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        preexec_fn=_interruptible,
    )
    # ~600 KB through a 64 KB pipe: once written, the run is past start-up and reading its input
    proc.stdin.write(synthetic_corpus(1200, seed=4))
    proc.stdin.close()
    time.sleep(0.3)  # now reading, fitting or saving (fitting 1,200 documents takes about a second)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    stderr = proc.stderr.read()
    assert "Traceback" not in stderr
    if proc.returncode == 0:  # a machine fast enough to finish first: the model must then be whole
        assert load_model(target, require_checksum=True).metadata["seed"] == 0
        return
    # -SIGINT: now and then (about one run in ten when the signal lands during start-up) the interpreter
    # ends itself by SIGINT after "relclf: interrupted", as CPython does once a KeyboardInterrupt went
    # unhandled somewhere (likely inside a compiled extension's initialization); a shell reports
    # either as an interruption
    expected = {signal.SIGINT: (130, -signal.SIGINT), signal.SIGTERM: (143,), signal.SIGKILL: (-signal.SIGKILL,)}[sig]
    assert proc.returncode in expected, stderr
    assert [p.name for p in out_dir.iterdir() if not p.name.endswith(".tmp")] == []
    if sig != signal.SIGKILL:
        assert leftovers(out_dir) == []


# --- concurrent runs ----------------------------------------------------------------------------------


def test_two_predictions_into_the_same_directory_do_not_interfere(setup, out_dir):
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "relclf",
                "predict",
                str(setup["test"]),
                "-m",
                str(setup["model"]),
                "-o",
                str(out_dir / f"p{i}.pubtator"),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (1, 2)
    ]
    for proc in runs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert (out_dir / "p1.pubtator").read_text() == setup["expected"]
    assert (out_dir / "p2.pubtator").read_text() == setup["expected"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["p1.pubtator", "p2.pubtator"]


def test_two_trainings_into_the_same_directory_do_not_interfere(setup, out_dir):
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "relclf",
                "train",
                str(setup["train"]),
                "-o",
                str(out_dir / f"m{i}.npz"),
                "--cv",
                "2",
                "--seed",
                str(i),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (1, 2)
    ]
    for proc in runs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    for i in (1, 2):
        loaded = load_model(out_dir / f"m{i}.npz", require_checksum=True)  # verified against its own card
        assert loaded.metadata["seed"] == i
        assert json.loads((out_dir / f"m{i}.npz.json").read_text())["seed"] == i
    assert leftovers(out_dir) == []


# --- a closed standard output -------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes in /proc")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_closed_stdout_ends_the_run_quietly_and_stops_the_workers(setup, tmp_path, jobs):
    # relclf predict big.pubtator | head -2: the reader takes two lines and goes away
    big = tmp_path / "big.pubtator"
    big.write_text(synthetic_corpus(1500, seed=3, start=5000))
    proc = subprocess.Popen(
        [sys.executable, "-m", "relclf", "predict", str(big), "-m", str(setup["model"]), "--n-jobs", jobs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    workers = _children(proc.pid)
    proc.stdout.close()
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    assert lines[0].startswith(b"5000|t|") and lines[1].startswith(b"5000|a|")
    assert (proc.returncode, stderr) == (141, b"")
    assert len(workers) == int(jobs) - 1  # --n-jobs N: this process and N-1 workers
    _wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=10)


def test_head_in_a_shell_pipeline(setup, tmp_path):
    big = tmp_path / "big.pubtator"
    big.write_text(synthetic_corpus(1500, seed=3, start=5000))
    script = (
        f'"{sys.executable}" -m relclf predict "{big}" -m "{setup["model"]}" | head -2; echo "status '
        '${PIPESTATUS[0]}"'
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[2] == "status 141" and done.stderr == ""
