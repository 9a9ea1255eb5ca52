"""Evaluation figures: real PNG files drawn from a small model's evaluation, the reliability diagram among them."""

from __future__ import annotations

import importlib.util
import struct
import sys

import pytest

from conftest import parse
from relclf import api, cli
from relclf.evaluation.plots import PLOTS, write_plots
from synthetic import synthetic_corpus

NEEDS_MATPLOTLIB = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None, reason="the plots extra (matplotlib) is not installed"
)


@pytest.fixture(scope="module")
def details(synthetic_model):
    return api.evaluate_details(parse(synthetic_corpus(12, seed=2, start=500)), synthetic_model)


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@NEEDS_MATPLOTLIB
def test_write_plots_makes_sensible_pngs_the_reliability_diagram_among_them(details, tmp_path):
    paths = write_plots(details, tmp_path / "figs", title="synthetic")
    assert [p.name for p in paths] == list(PLOTS) and "reliability.png" in PLOTS
    assert details.scores.calibration is not None and details.scores.calibration.bins
    for path in paths:
        width, height = png_size(path)
        assert 300 <= width <= 3000 and 200 <= height <= 3000, (path.name, width, height)
        assert path.stat().st_size > 10_000  # a drawn figure, not an empty canvas
    assert not [p for p in (tmp_path / "figs").iterdir() if p.name.startswith(".")]  # no temporary files left


@NEEDS_MATPLOTLIB
def test_cli_evaluate_plots(tmp_path):
    (tmp_path / "train.pubtator").write_text(synthetic_corpus(40, seed=1))
    (tmp_path / "test.pubtator").write_text(synthetic_corpus(12, seed=2, start=500))
    assert cli.main(["train", str(tmp_path / "train.pubtator"), "-o", str(tmp_path / "m.npz"), "--cv", "2"]) == 0
    status = cli.main(
        ["evaluate", str(tmp_path / "test.pubtator"), "-m", str(tmp_path / "m.npz"), "--plots", str(tmp_path / "out")]
    )
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(PLOTS)


def test_plots_without_matplotlib_is_one_line_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "test.pubtator").write_text(synthetic_corpus(2, seed=2))
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    status = cli.main(
        [
            "evaluate",
            str(tmp_path / "test.pubtator"),
            "-m",
            str(tmp_path / "absent.npz"),
            "--plots",
            str(tmp_path / "out"),
        ]
    )
    assert status == 2
    assert capsys.readouterr().err == 'relclf: error: drawing figures needs matplotlib: pip install "relclf[plots]"\n'
    assert not (tmp_path / "out").exists()
