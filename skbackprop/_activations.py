"""Activation functions and their derivatives, applied in place.

Each hidden activation ``g`` is a pair of functions:

- ``forward(z)`` overwrites the pre-activations ``z`` with ``g(z)``;
- ``backward(a, delta, scratch)`` multiplies ``delta`` in place by ``g'(z)``,
  written in terms of the activation ``a = g(z)`` so that ``z`` need not be kept;
  ``scratch`` is a work array shaped like ``delta``.

Output units come with their loss: ``OUTPUT_LOSSES[name](z, Y, out)`` returns the
per-sample loss computed from the output pre-activations ``z`` (a stable form with
no ``log(0)``) and writes the output activations ``h = g(z)`` into ``out``, so that
the output error is simply ``h - Y``.
"""

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
    return np.maximum(z, 0, out=z)


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
    np.copyto(delta, 0, where=a <= 0)
    return delta


HIDDEN_ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
}


def log_sigmoid(z):
    """``log(sigmoid(z)) = -log(1 + exp(-z))`` without overflow or ``log(0)``."""
    return -np.logaddexp(0, -z)


def log_softmax(z):
    """Row-wise ``z - logsumexp(z)``, shifted by the row maximum for stability."""
    shifted = z - z.max(axis=1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


def sigmoid_cross_entropy(z, Y, out):
    """Cross-entropy summed over independent sigmoid units (the seed's cost).

    ``-y log h - (1 - y) log(1 - h)`` with ``h = sigmoid(z)`` equals
    ``log(1 + exp(z)) - y z = max(z, 0) + log(1 + e) - y z`` with
    ``e = exp(-|z|)``, which is finite for every finite ``z``.
    """
    # e lies in (0, 1]: no overflow, and it gives both the loss and h.
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    # h = 1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0.
    np.divide(np.where(z >= 0, 1.0, e), 1.0 + e, out=out)
    # sum_k log(1 + e_k) = log prod_k (1 + e_k): each factor is in (1, 2], so one
    # log per sample instead of one per unit, to within K roundings. Column
    # loops and a matrix-vector product beat NumPy's row reductions for small K.
    e += 1.0
    product = e[:, 0].copy()
    for k in range(1, e.shape[1]):
        product *= e[:, k]
    linear = np.maximum(z, 0)
    linear -= Y * z
    losses = np.log(product)
    losses += linear @ np.ones(linear.shape[1], dtype=linear.dtype)
    return losses


def softmax_cross_entropy(z, Y, out):
    """Categorical cross-entropy of a softmax output layer.

    ``-sum_k y_k log softmax(z)_k``; for rows of ``Y`` that do not sum to one the
    output error below is still the exact gradient because the caller scales it.
    """
    log_h = log_softmax(z)
    np.exp(log_h, out=out)
    # The gradient of sum_k y_k (logsumexp(z) - z_k) is (sum_k y_k) h - y.
    row_total = Y.sum(axis=1, keepdims=True)
    if not np.all(row_total == 1):
        out *= row_total
    return -(Y * log_h).sum(axis=1)


OUTPUT_LOSSES = {
    "sigmoid": sigmoid_cross_entropy,
    "softmax": softmax_cross_entropy,
}

OUTPUT_LOG_ACTIVATIONS = {
    "sigmoid": log_sigmoid,
    "softmax": log_softmax,
}
