"""Checks shared by the engine and the estimator, written once."""

import math
import numbers
import os
import sys

import numpy as np
from scipy import sparse

from ._activations import HIDDEN_ACTIVATIONS, OUTPUT_UNITS


def check_names(activation, output_activation):
    if activation not in HIDDEN_ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(HIDDEN_ACTIVATIONS)}; got {activation!r}"
        )
    if output_activation not in OUTPUT_UNITS:
        raise ValueError(
            f"output_activation must be one of {sorted(OUTPUT_UNITS)}; got {output_activation!r}"
        )


def is_int(value):
    """An integer, but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_sizes(sizes, name, allowed, *, single=False):
    """Unit counts as a list of Python ints >= 1, or a TypeError/ValueError naming ``name``.

    Only sequences are accepted (tuple, list, range, 1-D integer ndarray), and
    with ``single`` one int: an iterator would be used up by its first reader,
    and a set or a dict has no order. NumPy integers become Python ints, so that
    sizes computed from them (``s + 1``, ``rows * cols``) cannot overflow.
    """
    values = (sizes,) if single and is_int(sizes) else sizes
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "iu":
        values = values.tolist()
    if not isinstance(values, (tuple, list, range)):
        raise TypeError(f"{name} must be {allowed}; got {sizes!r} of type {type(sizes).__name__}")
    if not all(is_int(s) for s in values):
        raise TypeError(f"{name} must be {allowed}; got {sizes!r}")
    if not all(s >= 1 for s in values):
        raise ValueError(f"{name} must be {allowed}; got {sizes!r}")
    return [int(s) for s in values]


def check_real(value, name, allowed, in_range):
    """``value`` as a finite float for which ``in_range`` holds, or a TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}; got {value!r} of type {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if not (math.isfinite(number) and in_range(number)):
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    return number


def check_epsilon_init(epsilon_init, dtype=np.float64):
    """None, or the half-width ``eps > 0`` of the initial weights' range, for ``dtype``.

    The weights are drawn in float64 from ``[-eps, eps]``, whose width ``2 eps``
    must be finite there, and stored in ``dtype``, which must hold ``eps``. (So
    wide a range still makes the cost overflow, which fitting reports.)
    """
    if epsilon_init is None:
        return None
    epsilon_init = check_real(epsilon_init, "epsilon_init", "a float > 0 or None", lambda v: v > 0)
    dtype = np.dtype(dtype)
    limit = min(float(np.finfo(np.float64).max) / 2, float(np.finfo(dtype).max))
    if epsilon_init > limit:
        raise ValueError(
            f"epsilon_init must be at most {limit:.4g} for {dtype.name} weights: the width "
            "of [-epsilon_init, epsilon_init] must be a finite float64 and its ends "
            f"{dtype.name} numbers; got {epsilon_init!r}"
        )
    return epsilon_init


def is_dask_collection(obj):
    """Whether ``obj`` is a dask collection (array, DataFrame), without importing dask.

    Such inputs go to :mod:`skbackprop.dask`, which needs the ``[dask]`` extra;
    everything else is converted to NumPy as usual.
    """
    graph = getattr(type(obj), "__dask_graph__", None)
    return callable(graph) and obj.__dask_graph__() is not None


def working_dtype(dtype):
    """float32 stays float32, in either byte order; everything else is computed in float64.

    The result is in native byte order.
    """
    return np.dtype(np.float32 if np.dtype(dtype).type is np.float32 else np.float64)


def input_dtype(X):
    """The :func:`working_dtype` of ``X`` (an array-like or a DataFrame), before conversion.

    float32 if every column of ``X`` is float32: NumPy's in either byte order,
    or pandas' nullable ``Float32``, which scikit-learn's ``check_array``
    would otherwise convert to the first dtype it is offered.
    """
    dtypes = list(X.dtypes) if hasattr(X, "columns") else [getattr(X, "dtype", None)]
    float32 = dtypes and all(getattr(dtype, "type", None) is np.float32 for dtype in dtypes)
    return np.dtype(np.float32 if float32 else np.float64)


def as_float_array(X, dtype):
    """``X`` as an array of ``dtype``; a sparse ``X`` stays sparse, in CSR format."""
    if sparse.issparse(X):
        X = X.tocsr()  # rows are sliced and multiplied: CSR does both fast
    else:
        X = np.asarray(X)
    if X.dtype == dtype:
        return X
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf
        return X.astype(dtype)


def check_reg_lambda(reg_lambda):
    """``reg_lambda`` as a float, or a ValueError/TypeError naming it."""
    return check_real(reg_lambda, "reg_lambda", "a float >= 0", lambda v: v >= 0)


def scale_weights(weights):
    """``weights / 2**e`` with the largest in ``[1/2, 1)``, and ``e``.

    Dividing by a power of two is exact, so ties and ratios between sums of the
    weights survive, and their sum can no longer overflow. All-zero (or no)
    weights are returned as they are, with ``e = 0``.
    """
    peak = weights.max() if weights.size else 0.0
    if not peak > 0:
        return weights, 0
    exponent = weight_exponent(peak)
    return np.ldexp(weights, -exponent), exponent


def weight_exponent(peak):
    """The ``e`` of :func:`scale_weights` for weights whose largest is ``peak > 0``.

    A data partition (skbackprop.dask) finds the peak chunk by chunk and scales
    every chunk by the same power of two.
    """
    return int(np.frexp(peak)[1])


def check_sample_weight(sample_weight, m, name="sample_weight"):
    """Sample weights as a new float64 vector of ``m`` finite, non-negative numbers.

    Raises a ValueError naming the problem otherwise; the sum may still be 0.
    """
    weights = np.asarray(sample_weight)
    if weights.dtype.kind not in "biuf":
        raise ValueError(f"{name} must contain real numbers; got dtype {weights.dtype}")
    if weights.shape != (m,):
        raise ValueError(
            f"{name} must have shape ({m},), one weight per sample; got shape {weights.shape}"
        )
    weights = weights.astype(np.float64)
    if not np.all(np.isfinite(weights)):
        raise ValueError(f"{name} must be finite; it contains NaN or infinity")
    if np.any(weights < 0):
        raise ValueError(f"{name} must be non-negative; it has negative weights")
    return weights


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def caller_stacklevel():
    """The ``stacklevel`` that makes a warning point at the user's call of the package.

    For ``warnings.warn`` called by the function that calls this one: the
    number of frames up to the first one outside skbackprop (and outside
    scikit-learn's callback wrapper, which sits between the estimators'
    methods), however many of the package's frames lie between.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None:
        filename = frame.f_code.co_filename
        inside = filename.startswith(_PACKAGE) or ("sklearn" in filename and "callback" in filename)
        if not inside:
            return level
        frame, level = frame.f_back, level + 1
    return level


def all_finite(a):
    """``np.isfinite(a).all()``, from one sum when that is finite (an inf or NaN would show).

    Call it where overflow is not a warning (``np.errstate(over="ignore",
    invalid="ignore")``): a sum of large finite values may overflow.
    """
    total = float(np.add.reduce(a, axis=None))
    return math.isfinite(total) or bool(np.isfinite(a).all())
