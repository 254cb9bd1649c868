"""Every public object's docstring passes numpydoc's validation, as scikit-learn's do.

The checks are scikit-learn's (``sklearn/tests/test_docstrings.py``): all of
numpydoc's, except RT02 (a Returns line may name the value), GL01 and GL02 (where
the summary starts), PR02 and GL08 on properties; ES01, SA01 and EX01 (extended
summary, See Also, Examples) only on classes and functions, not on methods.
"""

import inspect
from importlib import import_module

import pytest

validate = pytest.importorskip("numpydoc.validate").validate

MODULES = [
    "skbackprop",
    "skbackprop.engine",
    "skbackprop.textbook",
    "skbackprop.plotting",
    "skbackprop.dask",
]
IGNORED = {"RT02", "GL01", "GL02"}
TOP_LEVEL_ONLY = {"ES01", "SA01", "EX01"}


def public_objects():
    """Import paths of every public function, class and method (None: the class)."""
    paths = []
    for module_name in MODULES:
        module = import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or name.startswith("__"):
                continue
            path = f"{obj.__module__}.{obj.__qualname__}"
            paths.append((path, None))
            if inspect.isclass(obj):
                for member in sorted(dir(obj)):
                    if member.startswith("_"):
                        continue
                    attribute = getattr(obj, member, None)
                    static = inspect.getattr_static(obj, member)
                    if callable(attribute) or isinstance(static, property):
                        paths.append((path, member))
    return sorted(set(paths), key=str)


OBJECTS = public_objects()


def errors_of(path, member):
    import_path = path if member is None else f"{path}.{member}"
    errors = []
    for code, message in validate(import_path)["errors"]:
        if code in IGNORED or (member is not None and code in TOP_LEVEL_ONLY):
            continue
        if member is not None and code in ("PR02", "GL08"):
            cls = getattr(import_module(path.rsplit(".", 1)[0]), path.rsplit(".", 1)[1])
            if isinstance(inspect.getattr_static(cls, member), property):
                continue
        errors.append(f"{code}: {message}")
    return import_path, errors


def test_objects_found():
    names = {path.rsplit(".", 1)[1] if member is None else member for path, member in OBJECTS}
    expected = {"BackpropClassifier", "fit", "LossCurveDisplay", "cost_and_gradient", "train"}
    assert expected <= names


@pytest.mark.parametrize("path, member", OBJECTS, ids=[f"{p}.{m}" if m else p for p, m in OBJECTS])
def test_docstring(path, member):
    import_path, errors = errors_of(path, member)
    assert not errors, f"{import_path}:\n" + "\n".join(errors)
