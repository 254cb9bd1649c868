"""Sphinx configuration of the skbackprop documentation.

Build it with ``sphinx-build -W -n docs docs/_build/html`` (warnings as errors,
every cross-reference checked); ``SKBACKPROP_EXAMPLE_QUICK=1`` runs the gallery's
examples on reduced sizes, as CI does.
"""

import importlib
import os
from pathlib import Path

import skbackprop

ROOT = Path(__file__).resolve().parents[1]

project = "skbackprop"
author = "the skbackprop developers"
copyright = "the skbackprop developers"
release = version = skbackprop.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
root_doc = "index"

# The API reference: one page per public object, from its docstring.
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Types render as plain text, as scikit-learn's ("ndarray of shape (n_samples,)").
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
# numpydoc checks the docstrings as it renders them (tests/test_docstrings.py
# checks more, on every public method).
numpydoc_validation_checks = {"PR01", "PR02", "PR03", "RT01"}

# No internet: intersphinx would need the inventories of Python, NumPy, SciPy,
# scikit-learn and matplotlib; cross-references to them are written as plain
# literals, and every internal reference is checked (``-n``).
intersphinx_mapping = {}
nitpicky = True

# sphinx-build -b doctest runs the docstrings' examples as the pages show them.
doctest_global_setup = "import matplotlib\nmatplotlib.use('Agg')"

myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# The examples save their figures (for the README) into the build folder here;
# sphinx-gallery shows them from its own capture.
os.environ.setdefault("SKBACKPROP_EXAMPLE_FIGURES", str(ROOT / "docs" / "_build" / "figures"))
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": True,
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "doc_module": ("skbackprop",),
    "backreferences_dir": None,
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skbackprop {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False

# References into other projects' documentation cannot be resolved offline (no
# intersphinx inventories): they render as plain names. Every reference inside
# skbackprop is still checked.
nitpick_ignore_regex = [
    (r"py:.*", r"(sklearn|numpy|np|scipy|matplotlib|dask|distributed|threadpoolctl|joblib)(\..*)?"),
    # the types that numpydoc links to Python's and NumPy's documentation
    (r"py:.*", r"(python|numpy):.*"),
    (r"std:(ref|term)", r"(python|numpy):.*"),
]


def skip_request_methods(app, what, name, obj, skip, options):
    """Leave out the ``set_*_request`` methods scikit-learn generates (documented there)."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def doctest_namespace(app, what, name, obj, options, lines):
    """Run a docstring's examples, under ``-b doctest``, in its module's namespace.

    As ``pytest --doctest-modules`` does: the examples of
    ``skbackprop.engine.cost`` use ``init_thetas`` and ``pack`` without importing
    them. (A hidden ``testsetup``; the HTML pages are built without it.)
    """
    if app.builder.name != "doctest" or not any(">>>" in line for line in lines):
        return
    module = name if what == "module" else _module_of(name)
    lines += [
        "",
        ".. testsetup:: *",
        "",
        "   import importlib",
        f"   globals().update(vars(importlib.import_module({module!r})))",
        "",
    ]


def _module_of(name):
    """The longest importable prefix of a dotted name."""
    parts = name.split(".")
    for stop in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:stop])
        try:
            importlib.import_module(candidate)
        except ImportError:
            continue
        return candidate
    return parts[0]


def setup(app):
    app.connect("autodoc-skip-member", skip_request_methods)
    app.connect("autodoc-process-docstring", doctest_namespace)
