"""Activation functions and their derivatives, applied in place.

Each hidden activation ``g`` is a pair of functions:

- ``forward(z)`` overwrites the pre-activations ``z`` with ``g(z)``;
- ``backward(a, delta, scratch)`` multiplies ``delta`` in place by ``g'(z)``,
  written in terms of the activation ``a = g(z)`` so that ``z`` need not be kept;
  ``scratch`` is a work array shaped like ``delta``.

Output units come with their loss: ``OUTPUT_LOSSES[name](z, Y, out, scratch,
y_total)`` returns the per-sample loss computed from the output pre-activations
``z`` (a stable form with no ``log(0)``) and writes the output activations
``h = g(z)`` into ``out``, so that the output error is simply ``h - Y``
(:func:`subtract_targets`). ``Y`` is a target matrix or, for the one-hot rows
of labels, their integer labels (the column of each row's one). It may
overwrite ``z`` and ``scratch``, a work array shaped like ``z``; the engine keeps
these arrays column-major, so that a loop over the ``K`` columns runs over
contiguous memory.
"""

import functools

import numpy as np
from scipy.special import expit


def sigmoid(z):
    """Logistic function ``1 / (1 + exp(-z))``, in place."""
    if z.dtype == np.float64 and z.size < 4096:
        # Without AVX-512 NumPy's float64 exp is scalar code anyway, and scipy's
        # one-pass expit saves the three calls below on small arrays.
        return expit(z, out=z)
    # exp(-z) overflows to inf for very negative z, giving exactly 0, which is right.
    with np.errstate(over="ignore"):
        np.negative(z, out=z)
        np.exp(z, out=z)
    z += 1.0
    np.reciprocal(z, out=z)
    return z


def tanh(z):
    """Hyperbolic tangent, in place."""
    return np.tanh(z, out=z)


def relu(z):
    """Rectified linear unit ``max(z, 0)``, in place."""
    # Against an array of zeros, a band of columns at a time: NumPy's maximum
    # with a scalar 0 takes a loop two to five times slower.
    zeros = _zeros(z.dtype)
    if z.ndim != 2 or not 0 < z.shape[0] <= zeros.size:
        return np.maximum(z, 0, out=z)
    band = zeros.size // z.shape[0]
    for start in range(0, z.shape[1], band):
        part = z[:, start : start + band]
        np.maximum(part, zeros[: part.size].reshape(part.shape, order="F"), out=part)
    return z


def identity(z):
    """The identity ``g(z) = z``: a linear unit, nothing to do."""
    return z


def sigmoid_derivative(a, delta, scratch):
    """``delta *= a * (1 - a)``, since ``sigmoid'(z) = a (1 - a)``."""
    delta *= a
    np.multiply(delta, a, out=scratch)
    delta -= scratch
    return delta


def tanh_derivative(a, delta, scratch):
    """``delta *= 1 - a**2``, since ``tanh'(z) = 1 - a**2``."""
    np.multiply(delta, a, out=scratch)
    scratch *= a
    delta -= scratch
    return delta


def relu_derivative(a, delta, scratch):
    """Zero ``delta`` where ``a == 0``: ``relu'(z)`` is 1 for ``z > 0``, else 0."""
    # A multiply by the mask runs 7x faster than np.copyto(..., where=a <= 0).
    np.multiply(delta, a > 0, out=delta)
    return delta


def identity_derivative(a, delta, scratch):
    """``identity'(z) = 1``: ``delta`` passes unchanged."""
    return delta


# Where g'(z) is below a thousandth of its peak, a unit passes (almost) no
# gradient back: it is saturated (sigmoid, tanh) or dead (relu).
SATURATED = {
    "sigmoid": lambda a: a * (1.0 - a) < 2.5e-4,
    "tanh": lambda a: 1.0 - a * a < 1e-3,
    "relu": lambda a: a <= 0,
    "identity": lambda a: np.zeros(a.shape, dtype=bool),  # never saturates
}

HIDDEN_ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "identity": (identity, identity_derivative),
}


def log_sigmoid(z):
    """``log(sigmoid(z)) = -log(1 + exp(-z))`` without overflow or ``log(0)``."""
    return -np.logaddexp(0, -z)


def _shift_by_row_max(z, out):
    """``z - max_k z_k`` into ``out``, finite: a span beyond the float range saturates."""
    # The ufunc's own reduction: np.max's Python wrapper costs more than the
    # work on a mini-batch's few outputs.
    with np.errstate(over="ignore"):
        np.subtract(z, np.maximum.reduce(z, axis=1, keepdims=True), out=out)
    # -inf would turn y * z into nan where y = 0; exp(-max) is 0 all the same.
    return np.maximum(out, _lowest(out.dtype), out=out)


@functools.lru_cache(maxsize=8)
def _lowest(dtype):
    return -np.finfo(dtype).max


def log_softmax(z):
    """Row-wise ``z - logsumexp(z)``, shifted by the row maximum for stability."""
    shifted = _shift_by_row_max(z, np.empty_like(z))
    shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


# Factors in [1/2, 1]: a product of this many stays above float32's smallest
# normal number (2**-126), so one log per chunk of columns replaces one per unit.
_PRODUCT_CHUNK = 64


def _sum_log_columns(q):
    """``sum_k log q[:, k]`` for ``q`` in ``[1/2, 1]``, one log per 64 columns."""
    total = None
    for start in range(0, q.shape[1], _PRODUCT_CHUNK):
        product = q[:, start].copy()
        for k in range(start + 1, min(start + _PRODUCT_CHUNK, q.shape[1])):
            product *= q[:, k]
        logs = np.log(product, out=product)
        total = logs if total is None else total + logs
    return total


def sigmoid_cross_entropy(z, Y, out, scratch, y_total=None):
    """Cross-entropy summed over independent sigmoid units (the seed's cost).

    ``-y log h - (1 - y) log(1 - h)`` with ``h = sigmoid(z)`` equals
    ``log(1 + exp(z)) - y z = max(z, 0) - y z - log(max(h, 1 - h))``, since
    ``max(h, 1 - h) = 1 / (1 + exp(-|z|))``; it is finite for every finite ``z``.
    Overwrites ``z`` and ``scratch``; ``y_total`` is not needed here.
    """
    np.copyto(out, z)
    sigmoid(out)
    # max(h, 1 - h) lies in [1/2, 1]: no log(0), and products of it do not underflow.
    np.subtract(1.0, out, out=scratch)
    np.maximum(scratch, out, out=scratch)
    losses = _sum_log_columns(scratch)
    np.negative(losses, out=losses)
    np.maximum(z, 0.0, out=scratch)
    if Y.ndim == 1:  # labels: y z is z at the label, zero elsewhere
        rows = _arange(len(Y))
        scratch[rows, Y] -= z[rows, Y]
    else:
        z *= Y
        scratch -= z
    losses += _row_sums(scratch)
    return losses


def _row_sums(a):
    # A matrix-vector product beats NumPy's row reductions for narrow rows.
    return a @ _ones(a.shape[1], a.dtype)


def subtract_targets(h, Y):
    """``h -= Y`` in place, for a target matrix or integer labels (one-hot rows)."""
    if Y.ndim == 1:
        h[_arange(len(Y)), Y] -= 1.0
    else:
        h -= Y
    return h


@functools.lru_cache(maxsize=64)
def _arange(n):
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows


@functools.lru_cache(maxsize=64)
def _ones(n, dtype):
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


# Bytes of zeros for relu to compare with (128 KiB: kept for the process, so
# small next to a fit's memory; a quarter of a block of activations in
# float64, see _blocks.BLOCK_ELEMENTS, which relu then takes in a few bands).
_ZERO_BYTES = 2**17


@functools.lru_cache(maxsize=4)
def _zeros(dtype):
    zeros = np.zeros(_ZERO_BYTES // dtype.itemsize, dtype=dtype)
    zeros.flags.writeable = False
    return zeros


def softmax_cross_entropy(z, Y, out, scratch, y_total=None):
    """Categorical cross-entropy of a softmax output layer.

    ``sum_k y_k (logsumexp(z) - z_k)``, with ``z`` shifted by its row maximum so
    that no exponential overflows. ``y_total`` holds the row sums of ``Y`` when
    they are not all one: the output error ``y_total h - y`` is then still the
    exact gradient. Overwrites ``z``; ``scratch`` is not needed here.
    """
    _shift_by_row_max(z, out=z)
    np.exp(z, out=out)
    row_total = _row_sums(out)
    out /= row_total[:, None]
    losses = np.log(row_total, out=row_total)
    if y_total is not None:
        losses *= y_total
        out *= y_total[:, None]
    if Y.ndim == 1:  # labels: sum_k y_k z_k is z at the label
        losses -= z[_arange(len(Y)), Y]
    else:
        z *= Y
        losses -= _row_sums(z)
    return losses


def squared_error(z, Y, out, scratch, y_total=None):
    """Half the squared error of identity output units: ``1/2 sum_k (z_k - y_k) ** 2``.

    ``h = z``, so that the output error ``h - y`` is the gradient with respect
    to ``z``. Overwrites ``scratch``; ``y_total`` is not needed here.
    """
    np.copyto(out, z)
    with np.errstate(over="ignore", invalid="ignore"):  # J = inf, not a warning
        np.subtract(z, Y, out=scratch)
        np.square(scratch, out=scratch)
        losses = _row_sums(scratch)
    losses *= 0.5
    return losses


def huber(z, Y, out, scratch, y_total=None, delta=1.0):
    """Huber's cost of identity output units, summed over the units.

    ``1/2 r**2`` for a residual ``|r| = |z - y| <= delta``, ``delta (|r| - delta/2)``
    beyond: quadratic near the fit, linear for outliers. Its gradient with respect
    to ``z`` is ``clip(r, -delta, delta)``, which this writes as ``h = y + clip(r)``,
    so that the output error ``h - y`` is that gradient, as for the other costs.
    Overwrites ``z`` and ``scratch``.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # J = inf, not a warning
        np.subtract(z, Y, out=scratch)  # r
        np.clip(scratch, -delta, delta, out=out)  # psi(r)
        np.abs(scratch, out=scratch)
        np.abs(out, out=z)
        scratch -= z  # |r| - |psi(r)|, zero inside delta
        scratch *= delta
        np.square(out, out=z)
        z *= 0.5
        scratch += z
        losses = _row_sums(scratch)
    out += Y
    return losses


# The output units of labels, with their cross-entropies.
OUTPUT_LOSSES = {
    "sigmoid": sigmoid_cross_entropy,
    "softmax": softmax_cross_entropy,
}

# Identity output units (regression), with half the squared error or Huber's cost.
REGRESSION_LOSSES = {
    "identity": squared_error,
    "huber": huber,
}

# Every kind of output units the engine trains.
OUTPUT_UNITS = {**OUTPUT_LOSSES, **REGRESSION_LOSSES}

OUTPUT_LOG_ACTIVATIONS = {
    "sigmoid": log_sigmoid,
    "softmax": log_softmax,
}
