"""Every example in examples/ runs (on reduced sizes) and writes the figures it commits."""

import runpy
from pathlib import Path

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
FIGURES = ROOT / "examples" / "figures"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def figure_prefix(example):
    """plot_moons.py writes moons_*.png, and so on."""
    return example.stem.removeprefix("plot_") + "_"


def test_examples_found():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.name for example in EXAMPLES])
def test_example_runs_and_writes_its_figures(example, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SKBACKPROP_EXAMPLE_QUICK", "1")
    # into a temporary folder: the tests never rewrite the committed figures
    monkeypatch.setenv("SKBACKPROP_EXAMPLE_FIGURES", str(tmp_path))
    try:
        runpy.run_path(str(example), run_name="__main__")
    finally:
        plt.close("all")
    assert capsys.readouterr().out  # each example reports what it computed
    written = sorted(path.name for path in tmp_path.iterdir())
    committed = sorted(path.name for path in FIGURES.glob(figure_prefix(example) + "*.png"))
    assert written, f"{example.name} wrote no figure"
    assert written == committed
    for name in written:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000


def test_readme_shows_every_example_and_its_figures():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for example in EXAMPLES:
        assert f"examples/{example.name}" in readme
    for figure in FIGURES.glob("*.png"):
        assert f"examples/figures/{figure.name}" in readme, figure.name
        assert any(figure.name.startswith(figure_prefix(example)) for example in EXAMPLES)
