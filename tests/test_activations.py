import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbackprop._activations import (
    HIDDEN_ACTIVATIONS,
    OUTPUT_LOSSES,
    log_sigmoid,
    log_softmax,
    sigmoid,
)

Z = np.array([[-800.0, -40.0, -1.0, 0.0], [1e-12, 2.5, 40.0, 800.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(2, 4), (300, 40)])  # both paths of sigmoid
def test_sigmoid_is_exact_and_silent(dtype, shape):
    z = np.resize(Z, shape).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = sigmoid(z.copy())
    expected = np.exp(-np.logaddexp(0, -z.astype(np.float64)))
    assert h.dtype == dtype
    assert_allclose(h, expected, rtol=1e-14 if dtype == np.float64 else 1e-6, atol=1e-300)


@pytest.mark.parametrize("name", list(HIDDEN_ACTIVATIONS))
def test_derivatives_match_finite_differences(name):
    g, g_prime = HIDDEN_ACTIVATIONS[name]
    z = np.linspace(-3, 3, 61).reshape(1, -1) + 0.013  # away from relu's kink
    eps = 1e-6
    numeric = (g(z + eps) - g(z - eps)) / (2 * eps)
    delta = np.ones_like(z)
    analytic = g_prime(g(z.copy()), delta, np.empty_like(z))
    assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def output_loss(name, z, Y, y_total=None):
    """Per-sample losses and activations, on column-major copies as the engine has them."""
    z = np.asfortranarray(z).copy(order="F")  # the loss may overwrite it
    h, scratch = np.empty_like(z), np.empty_like(z)
    losses = OUTPUT_LOSSES[name](z, np.asfortranarray(Y), h, scratch, y_total)
    return losses, h


@pytest.mark.parametrize("K", [1, 2, 10, 130])
def test_sigmoid_cross_entropy_against_the_textbook_formula(K):
    rng = np.random.default_rng(K)
    z = rng.normal(size=(50, K)) * 4
    Y = (rng.random((50, K)) < 0.5).astype(float)
    losses, h = output_loss("sigmoid", z, Y)
    p = 1 / (1 + np.exp(-z))
    textbook = (-Y * np.log(p) - (1 - Y) * np.log(1 - p)).sum(axis=1)
    assert_allclose(losses, textbook, rtol=1e-9)  # log(1 - p) itself loses digits
    # Against the per-unit stable form: any implementation of max(z, 0) - y z +
    # log(1 + e) cancels to within a few roundings of |z|.
    per_unit = (np.logaddexp(0, z) - Y * z).sum(axis=1)
    assert_allclose(losses, per_unit, rtol=1e-13, atol=4 * K * np.finfo(float).eps * 12)
    assert_allclose(h, p, rtol=1e-15)


def test_sigmoid_cross_entropy_is_finite_when_saturated():
    Y = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses, h = output_loss("sigmoid", Z, Y)
    # y=1, z=-800 costs 800; y=0, z=-40 costs ~4e-18; y=1, z=-1 costs 1 + log(1 + e^-1);
    # y=0, z=0 costs log 2.
    assert losses[0] == pytest.approx(800 + 1 + np.log1p(np.exp(-1.0)) + np.log(2), rel=1e-15)
    # y=0, z=1e-12 costs log 2 + 5e-13; y=1, z=2.5 costs log(1 + e^-2.5); y=0, z=40
    # costs 40 + 4e-18; y=1, z=800 costs ~0.
    assert losses[1] == pytest.approx(np.log(2) + 5e-13 + np.log1p(np.exp(-2.5)) + 40, rel=1e-15)
    assert np.isfinite(losses).all()
    assert ((h >= 0) & (h <= 1)).all()


def test_softmax_cross_entropy():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    Y = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    losses, h = output_loss("softmax", z, Y)
    assert losses[0] == pytest.approx(-np.log(np.exp(3) / np.exp([1, 2, 3]).sum()))
    assert losses[1] == pytest.approx(1000.0)
    assert_allclose(h.sum(axis=1), 1.0)
    # Rows of Y summing to 2 and 0.5: the loss scales, and out is the output error
    # plus Y, (sum_k y_k) h.
    scaled, h_scaled = output_loss("softmax", z, Y * [[2.0], [0.5]], np.array([2.0, 0.5]))
    assert_allclose(scaled, losses * [2.0, 0.5], rtol=1e-15)
    assert_allclose(h_scaled, h * [[2.0], [0.5]], rtol=1e-15)


def test_softmax_of_logits_spanning_more_than_the_float_range():
    big = np.finfo(np.float64).max * 0.95
    z = np.array([[big, -big, 0.0], [-big, 1.0, 3.0]])
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses, h = output_loss("softmax", z, Y)
        log_h = log_softmax(z)
    assert losses[0] == 0.0
    assert losses[1] == pytest.approx(np.log1p(np.exp(-2.0)))
    assert_allclose(h, np.exp(log_h), rtol=1e-15)
    assert_allclose(h[0], [1.0, 0.0, 0.0])
    assert np.isfinite(log_h).all()


@pytest.mark.parametrize("name", list(OUTPUT_LOSSES))
def test_many_output_units_in_float32_stay_finite(name):
    # Each unit at z = 0 contributes log 2: a product of 300 factors of 2 (or 1/2)
    # would overflow float32; the loss takes one log per 64 units.
    z = np.zeros((3, 300), dtype=np.float32)
    Y = np.zeros_like(z)
    Y[:, 0] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses, h = output_loss(name, z, Y)
    expected = 300 * np.log(2) if name == "sigmoid" else np.log(300)
    assert losses.dtype == np.float32
    assert_allclose(losses, expected, rtol=1e-5)
    assert_allclose(h, 0.5 if name == "sigmoid" else 1 / 300, rtol=1e-6)


def test_log_outputs_are_stable():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_allclose(log_sigmoid(np.array([-800.0, 0.0, 800.0])), [-800.0, -np.log(2), 0.0])
        assert np.isfinite(log_softmax(Z)).all()
