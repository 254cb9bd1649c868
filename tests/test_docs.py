"""The documentation's pages: every Python block runs as a script on its own, and
the API reference lists every public object.

Each ```python block of docs/**/*.md (and each ``.. code-block:: python`` of the
.rst pages) is written to a file and run by a fresh interpreter, as a reader who
copies it into a script would (which is what catches a missing
``if __name__ == "__main__":`` guard for a dask cluster).
"""

import importlib
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(
    path
    for path in [*DOCS.rglob("*.md"), *DOCS.rglob("*.rst")]
    if not {"_build", "auto_examples", "generated"} & set(path.relative_to(DOCS).parts)
)


def python_blocks(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    blocks = re.findall(r"^\.\. code-block:: python\n\n((?:[ \t]+.*\n|\n)+)", text, re.M)
    return [textwrap.dedent(block) for block in blocks]


BLOCKS = [(path, index, block) for path in PAGES for index, block in enumerate(python_blocks(path))]
# A block that imports one of these needs it installed (an optional extra).
OPTIONAL = {
    "sklearn.callback": "sklearn.callback",  # scikit-learn >= 1.9
    "ProgressBar": "rich",
    "skops": "skops",
    "dask": "dask",
    "distributed": "distributed",
    "matplotlib": "matplotlib",
}


def test_docs_have_python_blocks():
    pages = {path.name for path, _, _ in BLOCKS}
    assert {"getting_started.md", "cluster.md", "model.md", "saving.md"} <= pages


@pytest.mark.parametrize(
    "path, index, block",
    BLOCKS,
    ids=[f"{path.relative_to(DOCS)}-{index}" for path, index, _ in BLOCKS],
)
def test_docs_block_runs_as_a_script(path, index, block, tmp_path):
    for marker, module in OPTIONAL.items():
        if marker in block and importlib.util.find_spec(module.split(".")[0]) is None:
            pytest.skip(f"needs {module}")
        if marker in block and "." in module:
            pytest.importorskip(module)
    script = tmp_path / f"{path.stem}_{index}.py"
    script.write_text(block, encoding="utf-8")
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,  # blocks may write files
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{path.name} block {index}:\n{result.stderr[-3000:]}"
    assert result.stdout, f"{path.name} block {index} prints nothing"


def test_api_reference_lists_every_public_object():
    api = (DOCS / "api.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^   (\w+)$", api, re.M))
    for module_name in [
        "skbackprop",
        "skbackprop.plotting",
        "skbackprop.engine",
        "skbackprop.textbook",
        "skbackprop.dask",
    ]:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("__") or isinstance(getattr(module, name), type(sys)):
                continue
            assert name in listed, f"{module_name}.{name} is missing from docs/api.rst"
