"""Checks shared by the engine and the estimator, written once."""

import numpy as np

from ._activations import HIDDEN_ACTIVATIONS, OUTPUT_LOSSES


def check_names(activation, output_activation):
    if activation not in HIDDEN_ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(HIDDEN_ACTIVATIONS)}; got {activation!r}"
        )
    if output_activation not in OUTPUT_LOSSES:
        raise ValueError(
            f"output_activation must be one of {sorted(OUTPUT_LOSSES)}; got {output_activation!r}"
        )


def working_dtype(dtype):
    """float32 stays float32; everything else is computed in float64."""
    return np.dtype(dtype) if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def as_float_array(X, dtype):
    X = np.asarray(X)
    if X.dtype == dtype:
        return X
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf
        return X.astype(dtype)


def check_reg_lambda(reg_lambda):
    """``reg_lambda`` as a float, or a ValueError/TypeError naming it."""
    if isinstance(reg_lambda, bool) or not isinstance(reg_lambda, (int, float, np.number)):
        raise TypeError(f"reg_lambda must be a float >= 0; got {reg_lambda!r}")
    if not (np.isfinite(reg_lambda) and reg_lambda >= 0):
        raise ValueError(f"reg_lambda must be a float >= 0; got {reg_lambda!r}")
    return float(reg_lambda)


def scale_weights(weights):
    """``weights / 2**e`` with the largest in ``[1/2, 1)``, and ``e``.

    Dividing by a power of two is exact, so ties and ratios between sums of the
    weights survive, and their sum can no longer overflow. All-zero (or no)
    weights are returned as they are, with ``e = 0``.
    """
    peak = weights.max() if weights.size else 0.0
    if not peak > 0:
        return weights, 0
    exponent = int(np.frexp(peak)[1])
    return np.ldexp(weights, -exponent), exponent


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
