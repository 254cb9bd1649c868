"""BackpropRegressor: the classifier's guarantees for identity output units.

The engine's "identity" and "huber" units against finite differences and by
hand; k partial_fits equal fit with max_iter=k; warm starts; early stopping
keeps the best weights; integer sample weights equal repeated rows; sparse ==
dense; float32; standardised targets; Ctrl-C and failed fits keep the model;
errors before any work; MLPRegressor's attributes; callbacks; the loss-curve
display; skops.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from skbackprop import BackpropRegressor, engine
from skbackprop.engine import init_thetas, make_objective, numerical_gradient, pack

ALL_SOLVERS = ["gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"]
HIDDEN = ["tanh", "relu", "sigmoid"]


def _friedman(n=150, seed=0, noise=0.3):
    """Friedman's function #1 of 5 uniform features: y in about [0, 30]."""
    return make_friedman1(n_samples=n, n_features=5, noise=noise, random_state=seed)


@pytest.fixture(scope="module")
def friedman():
    return _friedman()


def net(**params):
    defaults = {"hidden_layer_sizes": (6,), "batch_size": 32, "random_state": 0, "tol": 0.0}
    return BackpropRegressor(**{**defaults, **params})


def _same_weights(a, b, rtol=1e-12):
    for theta_a, theta_b in zip(a.thetas_, b.thetas_, strict=True):
        assert_allclose(theta_a, theta_b, rtol=rtol, atol=1e-13)


def _quietly(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


# -- the engine: identity and Huber output units ------------------------------------


def _regression_problem(sizes, m=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, sizes[0]))
    Y = rng.normal(scale=2.0, size=(m, sizes[-1]))  # residuals on both sides of delta
    return init_thetas(sizes, random_state=seed), X, Y


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("output", ["identity", "huber"])
@pytest.mark.parametrize("sizes", [[3, 4, 2], [3, 5, 4, 1], [3, 2]])
@pytest.mark.parametrize("reg_lambda", [0.0, 1.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradients_equal_central_finite_differences(
    activation, output, sizes, reg_lambda, weighted
):
    thetas, X, Y = _regression_problem(sizes, seed=len(sizes))
    w = np.random.default_rng(1).uniform(0, 3, size=len(X)) if weighted else None
    fun = make_objective(
        X,
        Y,
        sizes,
        reg_lambda=reg_lambda,
        activation=activation,
        output_activation=output,
        sample_weight=w,
        huber_delta=0.7,
        n_threads=1,
    )
    x = pack(thetas)
    J, grad = fun(x)
    grad = grad.copy()
    assert np.isfinite(J)
    assert fun.cost(x) == pytest.approx(J, rel=1e-14)
    assert_allclose(grad, numerical_gradient(fun.cost, x, 1e-6), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("output", ["identity", "huber"])
def test_gradient_check_of_the_public_engine(output):
    thetas, X, Y = _regression_problem([3, 4, 2], seed=5)
    w = np.random.default_rng(2).integers(0, 4, size=len(X))
    assert engine.gradient_check(thetas, X, Y, 0.3, "tanh", w, output_activation=output) < 1e-7


def _by_hand(thetas, X, activation):
    """The outputs of a network with one hidden layer, written out in NumPy."""
    g = {
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    }
    ones = np.ones((len(X), 1))
    A2 = g[activation](np.hstack([ones, X]) @ thetas[0].T)
    return np.hstack([ones, A2]) @ thetas[1].T


@pytest.mark.parametrize("activation", HIDDEN)
def test_costs_of_a_tiny_network_by_hand(activation):
    # Two inputs, three hidden units, one output; residuals r chosen inside and
    # outside delta = 1: Huber's cost is r**2/2 inside and delta (|r| - delta/2)
    # outside, the squared error r**2/2 everywhere.
    thetas = init_thetas([2, 3, 1], random_state=3)
    X = np.array([[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [2.0, -2.0]])
    Z = _by_hand(thetas, X, activation)
    assert_allclose(engine.forward_logits(thetas, X, activation), Z, rtol=1e-14)
    r = np.array([0.3, -0.7, 2.5, -4.0])
    Y = Z - r[:, None]  # h - y = r
    w = np.array([1.0, 2.0, 0.5, 3.0])
    penalty = 0.4 / (2 * w.sum()) * sum(float((t[:, 1:] ** 2).sum()) for t in thetas)
    huber = np.array([0.3**2 / 2, 0.7**2 / 2, 1.0 * (2.5 - 0.5), 1.0 * (4.0 - 0.5)])
    squared = r**2 / 2
    for output, per_row in (("identity", squared), ("huber", huber)):
        J = engine.cost(thetas, X, Y, 0.4, activation, w, output_activation=output)
        assert J == pytest.approx(w @ per_row / w.sum() + penalty, rel=1e-13)
    # Without a hidden layer the output bias's gradient is the mean of the
    # clipped residuals (Huber) or of the residuals (squared error).
    theta = np.array([[0.5, -1.0, 2.0]])
    Y = X @ theta[:, 1:].T + theta[:, 0] - r[:, None]
    for output, psi in (("identity", r), ("huber", np.clip(r, -1.0, 1.0))):
        _J, grads = engine.cost_and_gradient([theta], X, Y, 0.0, output_activation=output)
        assert grads[0][0, 0] == pytest.approx(psi.mean(), rel=1e-13)
        assert_allclose(grads[0][0, 1:], psi @ X / len(X), rtol=1e-13)


def test_huber_delta_moves_the_kink():
    theta = [np.array([[0.0, 1.0]])]
    X = np.array([[3.0]])
    for delta, expected in ((1.0, 1.0 * (3.0 - 0.5)), (2.0, 2.0 * (3.0 - 1.0)), (5.0, 4.5)):
        fun = make_objective(X, [[0.0]], [1, 1], output_activation="huber", huber_delta=delta)
        assert fun.cost(pack(theta)) == pytest.approx(expected, rel=1e-15)
