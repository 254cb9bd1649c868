"""Checks shared by the engine and the estimators, written once: parameters, rows, weights."""

import math
import numbers
import os
import sys

import numpy as np
from scipy import sparse
from sklearn.utils.validation import validate_data as _sklearn_validate_data

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


FLOAT_DTYPES = (np.float64, np.float32)


def validate_data(*args, **kwargs):
    """scikit-learn's ``validate_data``, without its RuntimeWarning near the float limit.

    Its finiteness check first sums X, which overflows (or gives inf - inf) on
    finite values of mixed signs near the float limit, and warns; it then falls
    back to an elementwise test, whose answer is right.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return _sklearn_validate_data(*args, **kwargs)


def check_weights(sample_weight, n_samples, name="sample_weight"):
    """float64 weights (a scalar is every sample's weight), checked before any work."""
    if sample_weight is None:
        return None
    sample_weight = np.asarray(sample_weight)
    if sample_weight.ndim == 0:
        sample_weight = np.full(n_samples, sample_weight)
    sample_weight = check_sample_weight(sample_weight, n_samples, name)
    if not np.any(sample_weight > 0):
        raise ValueError(f"{name} must not be all zero: the total weight is zero")
    return sample_weight


def check_rows(est, X, y, head, reset, dtype=None):
    """``(X, y, multilabel)`` validated: X dense or CSR, y as ``head`` takes it.

    ``X`` is converted to ``dtype``; by default float32 columns (in any byte
    order, or pandas' Float32) stay float32 and the rest becomes float64.
    Values beyond ``dtype``'s range are an error.
    """
    if head.task == "regression":
        check_real_targets(y, X)
    X, y = validate_data(
        est,
        X,
        y,
        accept_sparse="csr",
        multi_output=True,
        y_numeric=head.task == "regression",
        dtype=input_dtype(X) if dtype is None else dtype,
        reset=reset,
    )
    y, multilabel = head.check_y(y)
    return X, y, multilabel


def check_validation_set(est, X_val, y_val, sample_weight_val, head, of_y=None, dtype=None):
    """``(X_val, y_val, sample_weight_val)`` checked as strictly as the training rows.

    ``of_y`` is ``(multilabel, shape)`` of the training targets, whose kind
    and number of columns ``y_val`` must have; ``dtype`` is the dtype the
    model trains in: X_val's values must be finite in it.
    """
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError("sample_weight_val was passed without X_val and y_val")
        return None
    if X_val is None or y_val is None:
        raise ValueError("X_val and y_val must be passed together (for early stopping)")
    try:
        X_val, y_val = validate_data(
            est,
            X_val,
            y_val,
            accept_sparse="csr",
            multi_output=True,
            y_numeric=head.task == "regression",
            dtype=FLOAT_DTYPES,
            reset=False,
        )
        y_val, multilabel_val = head.check_y(y_val)
    except ValueError as error:  # scikit-learn's messages say "X" and "y"
        raise ValueError(f"X_val, y_val: {error}") from None
    if of_y is not None:
        check_validation_targets(y_val, multilabel_val, *of_y, head)
    sample_weight_val = check_weights(sample_weight_val, X_val.shape[0], "sample_weight_val")
    if dtype is not None and X_val.dtype != dtype and X_val.shape[0]:
        peak = float(abs(X_val).max())
        if peak > float(np.finfo(dtype).max):
            raise ValueError(
                f"X_val has values beyond the range of {np.dtype(dtype).name} (max |x| = "
                f"{peak:.3g}), the dtype the model trains in (that of X): they would "
                f"become infinite. Scale the features (e.g. with StandardScaler), or "
                "fit on float64 X."
            )
    return X_val, y_val, sample_weight_val


def check_validation_targets(y_val, multilabel_val, multilabel, shape, head):
    """A ValueError unless ``y_val`` is of the kind and width of the training targets."""
    if multilabel_val != multilabel:
        raise ValueError(
            "y_val must be of the same kind as y: both label vectors, or both multilabel "
            "indicator matrices with the same columns"
        )
    wide = multilabel or head.task == "regression"
    if wide and y_val.shape[1] != shape[1]:
        what = "label columns" if multilabel else "columns (outputs)"
        raise ValueError(f"y_val has {y_val.shape[1]} {what} but y has {shape[1]}")


def check_real_targets(y, X):
    """A ValueError naming ``y`` unless it holds real numbers that ``X``'s float dtype holds.

    A regression's targets, checked before scikit-learn's conversion, whose
    errors do not name ``y``; a float32 ``X`` trains a float32 model, whose
    output layer must hold ``y``.
    """
    values = np.asarray(y)
    if values.dtype.kind in "OUS":
        try:
            values = values.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"y must hold real numbers for a regression; got values of dtype "
                f"{values.dtype} such as {values.ravel()[:1].tolist()}"
            ) from None
    dtype = getattr(X, "dtype", None)
    if dtype == np.float32 and values.dtype.kind in "biuf" and values.size:
        with np.errstate(invalid="ignore"):
            peak = float(np.nanmax(np.abs(values)))
        if peak > float(np.finfo(np.float32).max):
            raise ValueError(
                f"y has values beyond float32's range (max |y| = {peak:.3g}): the model "
                "trains in the dtype of X, float32, whose output layer cannot hold them. "
                "Fit on float64 X, or rescale y."
            )


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
