"""Every example in examples/ runs (on reduced sizes) and writes the figures it commits."""

import re
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


def test_docs_show_every_committed_figure_with_a_caption():
    # The gallery shows every example; each committed figure (what the README
    # and the user guide show) appears in a page of the docs, in a figure
    # directive whose caption says what to see.
    pages = "\n".join(page.read_text(encoding="utf-8") for page in (ROOT / "docs").rglob("*.md"))
    figures = re.findall(r"```\{figure\} (\S+)\n(.*?)```", pages, re.S)
    captions = {Path(path).name: body for path, body in figures}
    for figure in FIGURES.glob("*.png"):
        assert figure.name in captions, figure.name
        caption = [line for line in captions[figure.name].splitlines() if line and line[0] != ":"]
        assert len(" ".join(caption)) > 60, figure.name  # a sentence, not a label
        assert any(figure.name.startswith(figure_prefix(example)) for example in EXAMPLES)


def test_readme_figures_are_committed():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"examples/figures/([\w.-]+\.png)", readme)
    assert shown
    for name in shown:
        assert (FIGURES / name).is_file(), name


def test_examples_write_committed_figures_only_when_asked(tmp_path):
    # Without --update-figures (and without SKBACKPROP_EXAMPLE_FIGURES) an example
    # writes to examples/_output/, which git ignores, never over examples/figures/.
    for example in EXAMPLES:
        source = example.read_text(encoding="utf-8")
        assert '"figures" if "--update-figures" in sys.argv else "_output"' in source, example
    assert "examples/_output/" in (ROOT / ".gitignore").read_text(encoding="utf-8")


def test_benchmarks_write_committed_results_only_when_asked():
    # Without --json the benchmarks write to benchmarks/results/ (ignored by git),
    # never over the committed benchmarks/*.json.
    scripts = [path for path in (ROOT / "benchmarks").glob("*.py") if "--json" in path.read_text()]
    assert len(scripts) >= 3
    for script in scripts:
        assert 'parent / "results" / ' in script.read_text(encoding="utf-8"), script.name
    assert "benchmarks/results/" in (ROOT / ".gitignore").read_text(encoding="utf-8")
