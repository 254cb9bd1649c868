"""BackpropRegressor: the classifier's guarantees for identity output units.

The engine's "identity" and "huber" units against finite differences and by
hand; k partial_fits equal fit with max_iter=k; warm starts; early stopping
keeps the best weights; integer sample weights equal repeated rows; sparse ==
dense; float32; standardised targets; Ctrl-C and failed fits keep the model;
errors before any work; MLPRegressor's attributes; callbacks; the loss-curve
display; skops.
"""

import copy
import pickle
import re
import signal
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropRegressor, _base, _blocks, engine
from skbackprop.engine import init_thetas, make_objective, numerical_gradient, pack

from .test_interrupts import BOOKKEEPING, SigintAtCall, SigintAtLine, _blas_threads, traced

ALL_SOLVERS = ["gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"]
HIDDEN = ["tanh", "relu", "sigmoid"]


def _friedman(n=150, seed=0, noise=0.3):
    """Friedman's function #1 of 5 uniform features: y in about [0, 30]."""
    return make_friedman1(n_samples=n, n_features=5, noise=noise, random_state=seed)


@pytest.fixture(scope="module")
def friedman():
    return _friedman()


def net(**params):
    # reg_lambda=1e-4: the value these tests were written for (the default is now 10).
    defaults = {
        "hidden_layer_sizes": (6,),
        "batch_size": 32,
        "random_state": 0,
        "tol": 0.0,
        "reg_lambda": 1e-4,
    }
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


@pytest.mark.parametrize("output", ["identity", "huber"])
def test_forward_of_identity_units_is_the_output_pre_activation(output):
    thetas = init_thetas([2, 3, 2], random_state=0)
    X = np.array([[0.5, -1.0], [1.5, 0.2]])
    expected = engine.forward_logits(thetas, X, "tanh")
    assert_allclose(engine.forward(thetas, X, "tanh", output_activation=output), expected)


def test_huber_delta_moves_the_kink():
    theta = [np.array([[0.0, 1.0]])]
    X = np.array([[3.0]])
    for delta, expected in ((1.0, 1.0 * (3.0 - 0.5)), (2.0, 2.0 * (3.0 - 1.0)), (5.0, 4.5)):
        fun = make_objective(X, [[0.0]], [1, 1], output_activation="huber", huber_delta=delta)
        assert fun.cost(pack(theta)) == pytest.approx(expected, rel=1e-15)


# -- partial_fit and warm starts ------------------------------------------------------


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_k_partial_fits_equal_fit_with_max_iter_k(friedman, solver, shuffle, loss):
    X, y = friedman
    params = {"solver": solver, "shuffle": shuffle, "loss": loss, "learning_rate": 0.01}
    fitted = net(max_iter=4, **params).fit(X, y)
    online = net(**params)
    for _ in range(4):
        online.partial_fit(X, y)
    _same_weights(online, fitted)
    assert online.loss_curve_ == pytest.approx(fitted.loss_curve_, rel=1e-12)
    assert online.n_iter_ == fitted.n_iter_ == 4
    assert online.t_ == fitted.t_ == 4 * len(X)
    assert_allclose(online.predict(X), fitted.predict(X), rtol=1e-12)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_warm_start_continues_the_optimiser_state(friedman, solver, shuffle):
    X, y = friedman
    params = {"solver": solver, "shuffle": shuffle, "learning_rate": 0.01}
    once = net(max_iter=5, **params).fit(X, y)
    twice = net(max_iter=3, warm_start=True, **params).fit(X, y)
    twice.set_params(max_iter=2).fit(X, y)
    _same_weights(twice, once)
    assert twice.loss_curve_ == pytest.approx(once.loss_curve_, rel=1e-12)
    assert twice.t_ == once.t_
    # without warm_start the state starts anew: a different model
    fresh = net(max_iter=2, **params).fit(X, y)
    assert not np.allclose(fresh.thetas_[0], once.thetas_[0])


def test_warm_start_of_gradient_descent_is_exact(friedman):
    # 3 steps and 2 more are 5 steps, bit for bit (the target moments and the
    # standardised weights carry over, not re-derived from the folded ones).
    X, y = friedman
    once = net(solver="gd", learning_rate=0.2, max_iter=5).fit(X, y)
    twice = net(solver="gd", learning_rate=0.2, max_iter=3, warm_start=True).fit(X, y)
    twice.set_params(max_iter=2).fit(X, y)
    for a, b in zip(twice.thetas_, once.thetas_, strict=True):
        assert_array_equal(a, b)
    assert twice.loss_curve_ == once.loss_curve_
    assert_array_equal(twice.predict(X), once.predict(X))


def test_warm_start_of_l_bfgs_b_continues_from_the_model(friedman):
    X, y = friedman
    params = {"solver": "L-BFGS-B", "reg_lambda": 1e-2}
    reg = net(max_iter=10, warm_start=True, **params).fit(X, y)
    curve = list(reg.loss_curve_)
    fresh_first = net(max_iter=1, **params).fit(X, y).loss_curve_[0]
    reg.set_params(max_iter=1).fit(X, y)
    assert reg.loss_curve_[:10] == curve and len(reg.loss_curve_) == 11
    # one more descent step from the tenth iterate, not a first step from the start
    assert reg.loss_curve_[-1] <= curve[-1] < fresh_first
    # a converged model continued stays at the optimum: its cost does not rise and
    # its predictions stay (the weights move within the optimum's flatness, by how
    # much depends on SciPy's version: L-BFGS-B restarts its curvature pairs)
    converged = _quietly(net(max_iter=2000, tol=1e-7, warm_start=True, **params), X, y)
    loss, predicted = converged.loss_, converged.predict(X)
    _quietly(converged, X, y)
    assert converged.loss_ <= loss * (1 + 1e-9)
    assert_allclose(converged.predict(X), predicted, rtol=1e-3, atol=1e-3 * np.std(y))


def test_warm_start_on_other_target_columns_is_an_error_naming_y(friedman):
    X, y = friedman
    reg = _quietly(net(solver="L-BFGS-B", max_iter=3, warm_start=True), X, y)
    snapshot = _snapshot(reg)
    with pytest.raises(ValueError, match=r"(?s)(warm_start.*\by\b|\by\b.*warm_start)"):
        reg.fit(X, np.column_stack([y, y]))
    _assert_unchanged(reg, snapshot)


def test_partial_fit_continues_a_fit(friedman):
    X, y = friedman
    reg = net(solver="adam", max_iter=2).fit(X, y)
    curve = list(reg.loss_curve_)
    reg.partial_fit(X, y)
    assert reg.n_iter_ == 3
    assert reg.loss_curve_[:-1] == curve


def test_partial_fit_only_for_mini_batch_solvers():
    assert hasattr(BackpropRegressor(solver="adam"), "partial_fit")
    assert not hasattr(BackpropRegressor(solver="gd"), "partial_fit")
    assert not hasattr(BackpropRegressor(solver="L-BFGS-B"), "partial_fit")


def test_partial_fit_with_early_stopping_raises(friedman):
    X, y = friedman
    reg = net(solver="adam", early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        reg.partial_fit(X, y)
    assert not hasattr(reg, "thetas_")


# -- early stopping ---------------------------------------------------------------------


def _validation_loss(reg, X, y):
    """Half the mean squared error in the trained (standardised) units."""
    residual = reg.predict(X).reshape(len(X), -1) - np.reshape(y, (len(X), -1))
    if reg.target_scale_ is not None:
        residual = residual / reg.target_scale_
    return 0.5 * float(np.mean(np.sum(residual**2, axis=1)))


@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_early_stopping_keeps_the_weights_of_the_lowest_validation_loss(solver):
    X, y = _friedman(n=120, noise=1.0)
    X_val, y_val = _friedman(n=80, seed=1, noise=1.0)
    lr = {"gd": 0.5, "sgd": 0.05, "adam": 0.02}.get(solver, "auto")
    reg = BackpropRegressor(
        (15, 15),
        solver=solver,
        learning_rate=lr,
        reg_lambda=0.0,
        max_iter=300,
        n_iter_no_change=5,
        batch_size=40,
        random_state=0,
    )
    _quietly(reg, X, y, X_val=X_val, y_val=y_val)
    curve = reg.validation_loss_curve_
    assert len(curve) == len(reg.validation_scores_) == reg.n_iter_ == len(reg.loss_curve_)
    best = int(np.argmin(curve))
    assert best < reg.n_iter_ - 1  # the fit went past the best iterate
    assert _validation_loss(reg, X_val, y_val) == pytest.approx(curve[best], rel=1e-9)
    assert reg.loss_ == reg.loss_curve_[best]
    # the scores are R^2, and the kept one is that of the kept weights
    assert reg.best_validation_score_ == reg.validation_scores_[best]
    assert reg.best_validation_score_ == pytest.approx(reg.score(X_val, y_val), rel=1e-9)
    assert reg.best_validation_score_ == pytest.approx(
        r2_score(y_val, reg.predict(X_val)), rel=1e-9
    )


def test_early_stopping_with_huber_keeps_the_lowest_huber_validation_loss():
    X, y = _friedman(n=120, noise=1.0)
    X_val, y_val = _friedman(n=80, seed=1, noise=1.0)
    y_val = y_val + np.where(np.arange(80) % 10 == 0, 30.0, 0.0)  # outliers
    reg = BackpropRegressor(
        (15, 15), solver="L-BFGS-B", loss="huber", huber_delta=0.5, reg_lambda=0.0
    )
    _quietly(reg.set_params(n_iter_no_change=5, random_state=0), X, y, X_val=X_val, y_val=y_val)
    best = int(np.argmin(reg.validation_loss_curve_))
    r = (reg.predict(X_val) - y_val) / reg.target_scale_
    huber = np.where(np.abs(r) <= 0.5, r**2 / 2, 0.5 * (np.abs(r) - 0.25))
    assert huber.mean() == pytest.approx(reg.validation_loss_curve_[best], rel=1e-9)
    assert reg.best_validation_score_ == pytest.approx(reg.score(X_val, y_val), rel=1e-9)


def test_early_stopping_stops_when_the_validation_loss_rises():
    # 40 noisy rows and a wide network: the validation loss turns up and the fit ends.
    X, y = _friedman(n=40, noise=3.0)
    X_val, y_val = _friedman(n=200, seed=1, noise=3.0)
    reg = BackpropRegressor((50,), solver="L-BFGS-B", reg_lambda=0.0, max_iter=2000)
    reg.set_params(n_iter_no_change=10, random_state=0).fit(X, y, X_val=X_val, y_val=y_val)
    best = int(np.argmin(reg.validation_loss_curve_))
    assert reg.n_iter_ == best + 1 + 11  # more than n_iter_no_change without improvement
    assert reg.best_validation_score_ == max(reg.validation_scores_)


def test_held_out_early_stopping_scores_r2_on_the_held_out_rows(friedman):
    X, y = friedman
    reg = _quietly(net(solver="L-BFGS-B", early_stopping=True, max_iter=50), X, y)
    scores = reg.validation_scores_
    assert len(scores) == reg.n_iter_
    assert -1.0 < scores[0] < reg.best_validation_score_ <= 1.0
    assert reg.best_validation_score_ == scores[int(np.argmin(reg.validation_loss_curve_))]


def test_weighted_validation_set(friedman):
    X, y = friedman
    w_val = np.where(np.arange(len(y)) % 3 == 0, 0.0, 1.0)
    reg = _quietly(
        net(solver="L-BFGS-B", max_iter=30), X, y, X_val=X, y_val=y, sample_weight_val=w_val
    )
    rows = w_val > 0
    assert reg.best_validation_score_ == pytest.approx(reg.score(X[rows], y[rows]), rel=1e-9)


def test_multi_output_validation_scores_are_the_mean_r2_of_the_outputs(friedman):
    X, y = friedman
    Y = np.column_stack([y, 1e4 * np.sin(3 * X[:, 0]) - 7])
    reg = _quietly(
        net(solver="L-BFGS-B", max_iter=30), X[:100], Y[:100], X_val=X[100:], y_val=Y[100:]
    )
    assert reg.best_validation_score_ == pytest.approx(reg.score(X[100:], Y[100:]), rel=1e-9)
    per_output = r2_score(Y[100:], reg.predict(X[100:]), multioutput="raw_values")
    assert reg.best_validation_score_ == pytest.approx(per_output.mean(), rel=1e-9)


def test_early_stopping_attributes_are_none_without_it(friedman):
    X, y = friedman
    fitted = net(solver="adam", max_iter=2).fit(X, y)
    online = net(solver="adam").partial_fit(X, y)
    for reg in (fitted, online):
        assert reg.validation_loss_curve_ is None
        assert reg.validation_scores_ is None
        assert reg.best_validation_score_ is None


# -- sample weights -----------------------------------------------------------------------


def _weighted_problem():
    rng = np.random.RandomState(42)
    X = rng.rand(15, 4)
    y = 10 + 3 * rng.normal(size=15)
    w = rng.randint(0, 5, size=15)
    return X, y, w


def test_integer_weights_equal_repeated_rows_at_convergence():
    X, y, w = _weighted_problem()
    params = {"hidden_layer_sizes": (3,), "solver": "L-BFGS-B", "reg_lambda": 1.0, "tol": 1e-9}
    weighted = _quietly(BackpropRegressor(random_state=0, **params), X, y, sample_weight=w)
    repeated = _quietly(
        BackpropRegressor(random_state=0, **params), X.repeat(w, axis=0), y.repeat(w)
    )
    assert_allclose(weighted.target_mean_, repeated.target_mean_, rtol=1e-13)
    assert_allclose(weighted.target_scale_, repeated.target_scale_, rtol=1e-13)
    assert weighted.loss_ == pytest.approx(repeated.loss_, rel=1e-8)
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-7)


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_integer_weights_equal_repeated_rows_for_one_step(standardize, loss):
    X, y, w = _weighted_problem()
    params = {"solver": "gd", "max_iter": 1, "loss": loss, "standardize": standardize}
    params.update(hidden_layer_sizes=(3,), reg_lambda=1.0, random_state=0, tol=0.0)
    weighted = BackpropRegressor(**params).fit(X, y, sample_weight=w)
    repeated = BackpropRegressor(**params).fit(X.repeat(w, axis=0), y.repeat(w))
    assert weighted.loss_curve_ == pytest.approx(repeated.loss_curve_, rel=1e-13)
    _same_weights(weighted, repeated, rtol=1e-12)
    # a zero weight is a row left out
    rows = w > 0
    dropped = BackpropRegressor(**params).fit(X[rows], y[rows], sample_weight=w[rows])
    _same_weights(weighted, dropped, rtol=1e-12)


# -- sparse, float32, shapes -----------------------------------------------------------------


@pytest.mark.parametrize("solver", ["gd", "L-BFGS-B", "adam"])
@pytest.mark.parametrize("standardize", [True, False])
def test_sparse_equals_dense(friedman, solver, standardize):
    X, y = friedman
    X = np.where(X < 0.5, 0.0, X)  # half zeros, and not centred
    params = {"solver": solver, "max_iter": 20, "standardize": standardize}
    if solver == "gd":  # a step that descends on raw and standardised data alike
        params["learning_rate"] = 0.01
    dense = _quietly(net(**params), X, y)
    rows = sparse.csr_matrix(X)
    data = rows.data.copy()
    fitted = _quietly(net(**params), rows, y)
    assert_array_equal(rows.data, data)  # X untouched
    assert_allclose(fitted.predict(rows), dense.predict(X), rtol=1e-10)
    assert_allclose(fitted.predict(X), dense.predict(X), rtol=1e-10)


@pytest.mark.parametrize("solver", ["gd", "adam", "L-BFGS-B"])
def test_float32_end_to_end(friedman, solver):
    X, y = friedman
    X32 = X.astype(np.float32)
    reg = _quietly(
        net(solver=solver, max_iter=3, learning_rate=0.2 if solver == "gd" else "auto"), X32, y
    )
    assert all(theta.dtype == np.float32 for theta in reg.thetas_)
    assert reg.predict(X32).dtype == np.float32
    assert reg.predict(X32).shape == y.shape
    if solver == "adam":
        assert all(a.dtype == np.float32 for a in reg._solver_state["arrays"])
        reg.partial_fit(X, y)  # a float64 chunk is trained in the model's float32
        assert all(theta.dtype == np.float32 for theta in reg.thetas_)


def test_float32_first_step_equals_float64_to_float32_precision(friedman):
    X, y = friedman
    params = {"solver": "gd", "max_iter": 1}
    r32 = net(**params).fit(X.astype(np.float32), y)
    r64 = net(**params).fit(X, y)
    for a, b in zip(r32.thetas_, r64.thetas_, strict=True):
        assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    assert r32.loss_curve_[0] == pytest.approx(r64.loss_curve_[0], rel=1e-5)


@pytest.mark.parametrize("shape", [(), (1,), (3,)])
def test_the_shape_of_y_is_that_of_the_predictions(friedman, shape):
    X, y = friedman
    Y = y if shape == () else np.column_stack([y * (k + 1) for k in range(shape[0])])
    reg = _quietly(net(solver="L-BFGS-B", max_iter=5), X, Y)
    assert reg.predict(X).shape == Y.shape
    assert reg.n_outputs_ == (1 if shape == () else shape[0])
    assert reg.thetas_[-1].shape[0] == reg.n_outputs_


def test_multi_output_without_hidden_layer_is_least_squares():
    # No hidden layer, no penalty, converged: ordinary least squares per column.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)) * [1, 10, 0.1, 3] + 5
    Y = X @ rng.normal(size=(4, 3)) + rng.normal(size=(60, 3)) + [100, -3, 0]
    reg = _quietly(BackpropRegressor((), solver="L-BFGS-B", reg_lambda=0.0, tol=1e-10), X, Y)
    ols = LinearRegression().fit(X, Y)
    assert_allclose(reg.predict(X), ols.predict(X), rtol=1e-7, atol=1e-7)
    assert reg.score(X, Y) == pytest.approx(ols.score(X, Y), rel=1e-9)


def test_huber_pulls_less_towards_outliers():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(100, 1))
    y = 3 * X[:, 0] + 1 + 0.1 * rng.normal(size=100)
    y[:10] += 50  # outliers
    params = {"hidden_layer_sizes": (), "solver": "L-BFGS-B", "reg_lambda": 0.0, "tol": 1e-8}
    squared = _quietly(BackpropRegressor(**params), X, y)
    robust = _quietly(BackpropRegressor(loss="huber", huber_delta=0.1, **params), X, y)
    clean = 3 * X[10:, 0] + 1
    squared_error = np.abs(squared.predict(X[10:]) - clean).mean()
    huber_error = np.abs(robust.predict(X[10:]) - clean).mean()
    assert huber_error < 0.5 < squared_error
    assert robust.output_activation_ == "huber"


# -- standardize: features and targets ---------------------------------------------------


@pytest.mark.parametrize("solver", ["gd", "L-BFGS-B", "adam"])
@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_predictions_follow_the_units_of_y(friedman, solver, loss):
    # pred(a y + b) = a pred(y) + b: the network trains on the same
    # standardised targets (and Huber's delta is in their units).
    X, y = friedman
    params = {"solver": solver, "loss": loss, "max_iter": 20, "learning_rate": 0.2}
    if solver != "gd":
        params["learning_rate"] = "auto"
    base = _quietly(net(**params), X, y)
    moved = _quietly(net(**params), X, 1e6 * y + 3e6)
    assert_allclose(moved.predict(X), 1e6 * base.predict(X) + 3e6, rtol=1e-8)
    assert moved.loss_curve_ == pytest.approx(base.loss_curve_, rel=1e-8)
    assert_allclose(moved.target_mean_, 1e6 * base.target_mean_ + 3e6, rtol=1e-12)
    assert_allclose(moved.target_scale_, 1e6 * base.target_scale_, rtol=1e-12)


def _scaled_pipeline(**params):
    return make_pipeline(
        StandardScaler(),
        TransformedTargetRegressor(
            BackpropRegressor((5,), standardize=False, **params), transformer=StandardScaler()
        ),
    )


@pytest.mark.parametrize("solver", ALL_SOLVERS)
@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_equals_standard_scalers_of_x_and_y(solver, loss):
    # Huber's delta is in standard deviations of y: that of the scaled targets.
    X, y = _friedman(n=100)
    X = X * [1, 10, 100, 1e-2, 1e3] - [0, 5, 0, 1, 1e3]
    y = 1e3 * y - 2e4
    params = {"solver": solver, "max_iter": 15, "random_state": 0, "batch_size": 32}
    params.update(loss=loss, huber_delta=0.5)
    params["learning_rate"] = 0.2 if solver == "gd" else "auto"
    ours = _quietly(BackpropRegressor((5,), **params), X, y)
    pipe = _quietly(_scaled_pipeline(**params), X, y)
    scale = np.std(y)
    assert_allclose(ours.predict(X), pipe.predict(X), rtol=0, atol=1e-10 * scale)
    inner = pipe[-1].regressor_
    assert ours.loss_curve_ == pytest.approx(inner.loss_curve_, rel=1e-10)
    # the folded moments are StandardScaler's
    assert_allclose(ours.target_mean_, [pipe[-1].transformer_.mean_[0]], rtol=1e-12)
    assert_allclose(ours.target_scale_, [pipe[-1].transformer_.scale_[0]], rtol=1e-12)


@pytest.mark.parametrize("solver", ["gd", "L-BFGS-B", "adam"])
def test_sparse_standardized_equals_the_dense_pipeline(solver):
    X, y = _friedman(n=100)
    X = np.where(X < 0.5, 0.0, X) * [1, 10, 100, 1e-2, 1e3]
    y = 1e3 * y
    params = {"solver": solver, "max_iter": 15, "random_state": 0, "batch_size": 32}
    params["learning_rate"] = 0.2 if solver == "gd" else "auto"
    ours = _quietly(BackpropRegressor((5,), **params), sparse.csr_matrix(X), y)
    pipe = _quietly(_scaled_pipeline(**params), X, y)
    assert_allclose(ours.predict(sparse.csr_matrix(X)), pipe.predict(X), atol=1e-10 * np.std(y))


def test_folded_output_layer_predicts_as_the_unfolded_one(friedman):
    X, y = friedman
    Y = np.column_stack([y, -1e4 * y + 7])
    w = np.random.default_rng(0).integers(0, 3, len(y)).astype(float)
    reg = net(solver="gd", learning_rate=0.2, max_iter=10).fit(X, Y, sample_weight=w)

    scaler = StandardScaler().fit(Y, sample_weight=w)
    assert_allclose(reg.target_mean_, scaler.mean_, rtol=1e-12)
    assert_allclose(reg.target_scale_, scaler.scale_, rtol=1e-12)
    # predict is the network's output: the output layer acts in y's units
    assert_allclose(engine.forward_logits(reg.thetas_, X, reg.activation_), reg.predict(X))
    unfolded = [theta.copy() for theta in reg.thetas_]
    unfolded[-1][:, 0] -= reg.target_mean_
    unfolded[-1] /= reg.target_scale_[:, None]
    standardized = engine.forward_logits(unfolded, X, reg.activation_)
    assert_allclose(standardized * reg.target_scale_ + reg.target_mean_, reg.predict(X))


@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_off_keeps_y_as_it_is(friedman, loss):
    # Huber's delta is then in y's own units.
    X, y = friedman
    params = {"solver": "gd", "learning_rate": 0.05, "max_iter": 1, "standardize": False}
    reg = net(loss=loss, huber_delta=2.0, **params).fit(X, y)
    assert reg.target_mean_ is None and reg.target_scale_ is None
    assert reg.feature_mean_ is None
    # one gradient step on the raw data, from the initial weights
    sizes = [5, 6, 1]
    thetas = engine.init_thetas(sizes, np.random.RandomState(0))
    fun = make_objective(
        X,
        y[:, None],
        sizes,
        reg_lambda=1e-4,
        activation="tanh",
        output_activation="huber" if loss == "huber" else "identity",
        huber_delta=2.0,
    )
    x0 = pack(thetas)
    step = engine.unpack(x0 - 0.05 * fun(x0)[1], sizes)
    for a, b in zip(reg.thetas_, step, strict=True):
        assert_allclose(a, b, rtol=1e-12)


def _millions():
    X, y = _friedman(n=100)
    return X, 1e6 * y + 5e6


def test_a_target_in_the_millions_trains_only_when_standardized():
    X, y = _millions()
    params = {"learning_rate": 0.2, "max_iter": 2000, "random_state": 0, "reg_lambda": 1e-4}
    on = _quietly(BackpropRegressor(**params), X, y)
    assert on.score(X, y) > 0.95
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        off = BackpropRegressor(standardize=False, **params).fit(X, y)
    assert off.score(X, y) < 0.5


def test_a_target_in_the_millions_trains_with_the_defaults():
    # The defaults train on targets in the millions as on the same targets in units.
    X, y = _millions()
    units = (y - 5e6) / 1e6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = BackpropRegressor(random_state=0).fit(X, y)
        reg_units = BackpropRegressor(random_state=0).fit(X, units)
    assert reg.score(X, y) == pytest.approx(reg_units.score(X, units), rel=1e-6)
    assert reg.score(X, y) > 0.7


@pytest.mark.parametrize(
    "params", [{"solver": "L-BFGS-B"}, {"solver": "adam"}, {"early_stopping": True}]
)
def test_targets_near_the_float_limit_train_as_targets_in_units(friedman, params):
    X, y = friedman
    params = {"solver": "L-BFGS-B", "max_iter": 5, **params}
    base = _quietly(net(**params), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        huge = _quietly(net(**params), X, 1e300 * y)
        pred = huge.predict(X)
    assert_allclose(pred, 1e300 * base.predict(X), rtol=1e-8)
    if huge.validation_scores_ is not None:
        assert_allclose(huge.validation_scores_, base.validation_scores_, rtol=1e-8)


def test_a_float32_model_of_targets_beyond_float32_is_an_error_naming_y_or_finite(friedman):
    X, y = friedman
    reg = net(solver="L-BFGS-B", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            reg.fit(X.astype(np.float32), 1e39 * y)
        except ValueError as error:
            assert re.search(r"\by\b", str(error)), error
            return
    assert all(np.isfinite(theta).all() for theta in reg.thetas_)
    assert np.isfinite(reg.predict(X.astype(np.float32))).all()


def test_partial_fit_freezes_the_target_moments_of_its_first_call(friedman):
    X, y = friedman
    reg = net(solver="adam")
    reg.partial_fit(X[:60], y[:60])
    mean, scale = y[:60].mean(), y[:60].std()
    assert_allclose(reg.target_mean_, [mean], rtol=1e-12)
    assert_allclose(reg.target_scale_, [scale], rtol=1e-12)
    reg.partial_fit(X[60:], 100 * y[60:] + 1e3)
    assert_allclose(reg.target_mean_, [mean], rtol=1e-12)
    assert_allclose(reg.target_scale_, [scale], rtol=1e-12)


@pytest.mark.parametrize("solver", ["gd", "adam"])
def test_warm_start_continues_in_the_first_fits_coordinates(friedman, solver):
    X, y = friedman
    params = {"solver": solver, "learning_rate": 0.2 if solver == "gd" else "auto"}
    once = net(max_iter=20, **params).fit(X, y)
    split = net(max_iter=10, warm_start=True, **params).fit(X, y)
    split.fit(X, y)
    if solver == "gd":  # ten steps and ten more are twenty steps, exactly
        for a, b in zip(split.thetas_, once.thetas_, strict=True):
            assert_array_equal(a, b)
    else:
        _same_weights(split, once)
    other = net(max_iter=2, warm_start=True, **params).fit(X, y)
    moments = (other.target_mean_.copy(), other.target_scale_.copy(), other.feature_mean_.copy())
    other.fit(X[::2] + 5.0, 3 * y[::2] - 10)  # other rows: the moments stay
    assert_array_equal(other.target_mean_, moments[0])
    assert_array_equal(other.target_scale_, moments[1])
    assert_array_equal(other.feature_mean_, moments[2])
    with pytest.raises(ValueError, match="standardize=False differs"):
        other.set_params(standardize=False).fit(X, y)


# -- Ctrl-C and failed fits keep a consistent model ------------------------------------


@pytest.fixture
def sigint_handler():
    """Python's own Ctrl-C handler, as in a terminal (see test_interrupts.py)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _small():
    X, y = _friedman(n=30)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def _interruptible(solver):
    # standardize=False: J of the published weights is then engine.cost's.
    return BackpropRegressor(
        (3,),
        solver=solver,
        learning_rate=0.01,
        max_iter=3,
        tol=0.0,
        batch_size=10,
        random_state=0,
        standardize=False,
    )


def _assert_consistent(reg, X, y):
    assert reg.n_iter_ == len(reg.loss_curve_)
    assert all(np.isfinite(theta).all() for theta in reg.thetas_)
    assert reg.predict(X).shape == y.shape
    if reg.solver in ("sgd", "adam"):
        assert np.isfinite(reg.loss_)
        if reg.n_iter_:
            assert reg.loss_ == reg.loss_curve_[-1]
        return
    if reg.n_iter_:
        assert reg.loss_ == reg.loss_curve_[-1]
    J = engine.cost(
        reg.thetas_, X, y[:, None], reg.reg_lambda, reg.activation_, output_activation="identity"
    )
    assert reg.loss_ == pytest.approx(J, rel=1e-9)


def _left_as_it_was(blas_before):
    assert _blas_threads() == blas_before
    assert _blocks._blas.users == 0 and not _blocks._blas.lowered
    assert not _blocks._blas_lock.locked()
    assert not _base._PUBLISH_LOCK.locked()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(sys.gettrace() is not None, reason="needs the trace hook (coverage runs)")
@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_a_lone_sigint_at_a_sample_of_lines_keeps_a_consistent_model(solver, sigint_handler):
    X, y = _small()
    blas_before = _blas_threads()
    record = SigintAtLine(0, record=True)
    traced(record, _interruptible(solver).fit, X, y)
    # every 11th line of the bookkeeping and every 151st elsewhere: each region of the fit
    sample = [
        k
        for k in range(1, record.lines + 1)
        if k % (11 if record.record[k - 1][1] in BOOKKEEPING else 151) == 0
    ]
    outcomes = {"raised": 0, "interrupted": 0, "completed": 0}
    for k in sample:
        reg = _interruptible(solver)
        try:
            traced(SigintAtLine(k), reg.fit, X, y)
        except KeyboardInterrupt:
            outcomes["raised"] += 1
            if hasattr(reg, "thetas_"):  # raised after the new model was published
                _assert_consistent(reg, X, y)
            else:  # untouched
                assert sorted(vars(reg)) == sorted(vars(_interruptible(solver))), k
        else:
            _assert_consistent(reg, X, y)
            outcomes["interrupted" if reg.n_iter_ < 3 else "completed"] += 1
        _left_as_it_was(blas_before)
    assert outcomes["interrupted"] > 0  # Ctrl-C during training is a clean stop


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_second_ctrl_c_raises_and_keeps_the_model_as_it_was(method, sigint_handler):
    X, y = _small()
    reg = _interruptible("adam").partial_fit(X, y)  # 3 mini-batches
    thetas = [theta.copy() for theta in reg.thetas_]
    blas_before = _blas_threads()
    with pytest.raises(KeyboardInterrupt):
        traced(SigintAtCall("batch", 2, then=True), getattr(reg, method), X, y)
    assert reg._solver_state["t"] == 3 and reg.n_iter_ == 1
    for theta, before in zip(reg.thetas_, thetas, strict=True):
        assert_array_equal(theta, before)
    _left_as_it_was(blas_before)


def test_ctrl_c_in_a_loop_of_partial_fit_keeps_the_completed_batches(sigint_handler):
    X, y = _small()
    reg = _interruptible("sgd").partial_fit(X, y)
    calls = 0

    def loop():
        nonlocal calls
        for _ in range(5):
            calls += 1
            reg.partial_fit(X, y)

    with pytest.raises(KeyboardInterrupt):
        traced(SigintAtCall("batch", 2), loop)  # during the next call's second mini-batch
    assert calls == 1
    assert reg._solver_state["t"] == 5  # the first epoch and two more mini-batches
    assert reg.n_iter_ == len(reg.loss_curve_) == 1
    assert all(np.isfinite(theta).all() for theta in reg.thetas_)
    assert reg.predict(X).shape == y.shape


def _snapshot(reg):
    """The fitted model, deep-copied, to compare after a failed fit."""
    return {
        k: copy.deepcopy(v) for k, v in vars(reg).items() if k.endswith("_") or k.startswith("_")
    }


def _assert_unchanged(reg, snapshot):
    now = _snapshot(reg)
    assert now.keys() == snapshot.keys()
    for name, value in snapshot.items():
        if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            for a, b in zip(now[name], value, strict=True):
                assert_array_equal(a, b)
        elif isinstance(value, np.ndarray):
            assert_array_equal(now[name], value)
        elif name != "_solver_state":
            assert now[name] == value, name


@pytest.mark.parametrize(
    ("change", "fit_args", "error", "match"),
    [
        ({}, {"X_val": "X3", "y_val": "y"}, ValueError, "X has 3 features"),
        ({}, {"X_val": "X", "y_val": "Y2"}, ValueError, "y_val has 2 columns"),
        (
            {"epsilon_init": 1e20},
            {"X": "X32"},
            ValueError,
            "cost at the initial weights is not finite",
        ),
        ({"loss": "absolute_error"}, {}, ValueError, "loss must be one of"),
        ({"huber_delta": 0.0}, {}, ValueError, "huber_delta"),
        ({"huber_delta": -1.0}, {}, ValueError, "huber_delta"),
        ({"huber_delta": "1"}, {}, TypeError, "huber_delta"),
        ({"huber_delta": np.nan}, {}, ValueError, "huber_delta"),
        ({}, {"y": "y_nan"}, ValueError, "Input y contains NaN"),
        ({}, {"y": "y_inf"}, ValueError, "Input y contains infinity"),
        ({}, {"y": "y_str"}, ValueError, "y must hold real numbers"),
        ({}, {"y": "y_obj"}, ValueError, r"\by\b"),
        ({}, {"sample_weight": "w_neg"}, ValueError, "sample_weight"),
    ],
)
def test_a_failed_fit_keeps_the_previous_model_and_does_no_work(
    friedman, change, fit_args, error, match
):

    X, y = friedman
    values = {
        "X": X,
        "X3": X[:, :3],
        "X32": X.astype(np.float32),
        "y": y,
        "Y2": np.column_stack([y, y]),
        "y_nan": np.where(np.arange(len(y)) == 3, np.nan, y),
        "y_inf": np.where(np.arange(len(y)) == 3, np.inf, y),
        "y_str": np.array([f"{v:.3f}" for v in y]),
        "y_obj": np.array(["a"] * len(y), dtype=object),
        "w_neg": -np.ones(len(y)),
    }
    args = {"X": "X", "y": "y", **fit_args}
    args = {k: values[v] if isinstance(v, str) else v for k, v in args.items()}
    reg = net(solver="adam", max_iter=2).fit(
        X.astype(np.float32) if "X32" in fit_args.values() else X, y
    )
    snapshot = _snapshot(reg)
    reg.set_params(warm_start=False, **change)
    record = SigintAtLine(0, record=True)  # k=0: records the lines, raises nothing
    with pytest.raises(error, match=match):
        traced(record, reg.fit, **args)
    _assert_unchanged(reg, snapshot)
    if "epsilon_init" not in change:  # checked before any work: no objective, no solver
        modules = {module for _, module in record.record}
        assert not modules & {
            "skbackprop._loss",
            "skbackprop._training",
            "skbackprop._solvers._stochastic",
            "skbackprop._solvers._full_batch",
        }


@pytest.mark.parametrize(
    ("second", "match"),
    [
        ({"y": "Y2"}, "y has 2 columns"),
        ({"X": "X3"}, "X has 3 features"),
        ({"y": "y_nan"}, "Input y contains NaN"),
        ({"y": "y_str"}, "y must hold real numbers"),
    ],
)
def test_partial_fit_errors_keep_the_model(friedman, second, match):
    X, y = friedman
    values = {"X3": X[:, :3], "Y2": np.column_stack([y, y])}
    values["y_nan"] = np.where(np.arange(len(y)) == 3, np.nan, y)
    values["y_str"] = np.array([f"{v:.3f}" for v in y])
    reg = net(solver="adam").partial_fit(X, y)
    snapshot = _snapshot(reg)
    args = {"X": X, "y": y, **{k: values[v] for k, v in second.items()}}
    with pytest.raises(ValueError, match=match):
        reg.partial_fit(args["X"], args["y"])
    _assert_unchanged(reg, snapshot)
    assert reg._solver_state["t"] == len(np.arange(0, 150, 32))


# -- what a user of MLPRegressor relies on ---------------------------------------------


def test_mlp_regressor_attributes(friedman):
    X, y = friedman
    Y = np.column_stack([y, 2 * y])
    reg = _quietly(BackpropRegressor((4, 3), solver="L-BFGS-B", max_iter=5, random_state=0), X, Y)
    assert reg.n_layers_ == 4
    assert reg.n_outputs_ == 2
    assert reg.out_activation_ == "identity"
    assert reg.output_activation_ == "identity"
    assert [c.shape for c in reg.coefs_] == [(5, 4), (4, 3), (3, 2)]
    assert [b.shape for b in reg.intercepts_] == [(4,), (3,), (2,)]
    for coef, intercept, theta in zip(reg.coefs_, reg.intercepts_, reg.thetas_, strict=True):
        assert_array_equal(coef, theta[:, 1:].T)
        assert_array_equal(intercept, theta[:, 0])
    # MLPRegressor's forward pass with these weights predicts as we do
    A = X
    for coef, intercept in zip(reg.coefs_[:-1], reg.intercepts_[:-1], strict=True):
        A = np.tanh(A @ coef + intercept)
    assert_allclose(A @ reg.coefs_[-1] + reg.intercepts_[-1], reg.predict(X), rtol=1e-12)
    assert reg.score(X, Y) == pytest.approx(r2_score(Y, reg.predict(X)), rel=1e-12)


def test_huber_is_named_as_the_loss_parameter_names_it(friedman):
    X, y = friedman
    reg = net(solver="L-BFGS-B", max_iter=3, loss="huber")
    reg = _quietly(reg, X, y)
    assert reg.out_activation_ == "identity"  # MLPRegressor's word for the units
    assert reg.output_activation_ == "huber"  # the cost they were trained with


def test_mlp_regressor_names_get_an_error_that_names_ours():
    with pytest.raises(TypeError, match="did you mean reg_lambda"):
        BackpropRegressor(alpha=1e-4)
    with pytest.raises(TypeError, match="did you mean learning_rate"):
        BackpropRegressor(learning_rate_init=1e-3)
    with pytest.raises(ValueError, match="did you mean reg_lambda"):
        BackpropRegressor().set_params(alpha=1e-4)
    # MLPRegressor's solver name and activation name
    with pytest.raises(ValueError, match="did you mean solver='L-BFGS-B'"):
        BackpropRegressor(solver="lbfgs").fit(np.zeros((4, 2)), np.arange(4.0))
    X, y = _friedman(n=20)
    reg = _quietly(BackpropRegressor(activation="logistic", learning_rate=0.1, max_iter=2), X, y)
    assert reg.activation_ == "sigmoid"


def test_the_ported_name_hint_names_mlp_regressor():
    with pytest.raises(TypeError, match="MLPRegressor"):
        BackpropRegressor(alpha=1e-4)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        BackpropRegressor().predict(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        BackpropRegressor().out_activation_  # noqa: B018


# -- scikit-learn's callbacks (>= 1.9) -----------------------------------------------------


@pytest.fixture
def sk_callback():
    return pytest.importorskip("sklearn.callback")


class _Recorder:
    """Records the fitted_estimator and y of each iteration's end; may stop at ``stop_at``."""

    def __init__(self, stop_at=None):
        self.stop_at = stop_at
        self.ends = []

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        pass

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, fitted_estimator=None):
        if context.parent is None:
            return False
        self.ends.append((fitted_estimator, y))
        return context.task_id + 1 == self.stop_at

    def teardown(self, estimator, context):
        pass


@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_callbacks_see_models_that_predict_in_the_units_of_y(friedman, solver, sk_callback):
    X, y = friedman
    y = 1e3 * y + 5e4
    params = {"solver": solver, "learning_rate": 0.2 if solver == "gd" else "auto"}
    recorder = _Recorder()
    reg = net(max_iter=4, **params).set_callbacks(recorder).fit(X, y)
    assert len(recorder.ends) == reg.n_iter_ == 4
    last, y_seen = recorder.ends[-1]
    assert_array_equal(last.predict(X), reg.predict(X))
    assert_allclose(y_seen, y, rtol=1e-15)  # the targets in their own units
    two = net(max_iter=2, **params).fit(X, y)
    assert_array_equal(recorder.ends[1][0].predict(X), two.predict(X))
    assert recorder.ends[1][0].score(X, y) == two.score(X, y)
    assert not hasattr(reg, "_callback_fit_ctx")


@pytest.mark.parametrize("solver", ["gd", "adam", "L-BFGS-B"])
def test_a_callback_that_asks_to_stop_ends_the_fit_at_that_iteration(friedman, solver, sk_callback):
    X, y = friedman
    params = {"solver": solver, "learning_rate": 0.2 if solver == "gd" else "auto"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no "interrupted"
        reg = net(max_iter=100, tol=1e-4, **params).set_callbacks(_Recorder(stop_at=3)).fit(X, y)
    assert reg.n_iter_ == len(reg.loss_curve_) == 3
    three = net(max_iter=3, **params).fit(X, y)
    for theta, expected in zip(reg.thetas_, three.thetas_, strict=True):
        assert_array_equal(theta, expected)


def test_partial_fit_is_one_task_of_one_epoch(friedman, sk_callback):
    X, y = friedman
    recorder = _Recorder()
    reg = net(solver="adam").set_callbacks(recorder)
    for chunk in np.array_split(np.arange(150), 3):
        reg.partial_fit(X[chunk], y[chunk])
    assert len(recorder.ends) == 3
    assert_array_equal(recorder.ends[-1][0].predict(X), reg.predict(X))


# -- the loss-curve display, serialisation -------------------------------------------------


def test_loss_curve_display_of_an_early_stopped_regressor():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skbackprop.plotting import LossCurveDisplay

    X, y = _friedman(n=40, noise=3.0)
    X_val, y_val = _friedman(n=100, seed=1, noise=3.0)
    reg = BackpropRegressor((30,), solver="L-BFGS-B", reg_lambda=0.0, random_state=0)
    reg.fit(X, y, X_val=X_val, y_val=y_val)
    try:
        display = LossCurveDisplay.from_estimator(reg)
        assert_array_equal(display.line_.get_xdata(), np.arange(1, reg.n_iter_ + 1))
        assert_array_equal(display.line_.get_ydata(), reg.loss_curve_)
        assert_array_equal(display.validation_line_.get_ydata(), reg.validation_loss_curve_)
        assert_array_equal(display.score_line_.get_ydata(), reg.validation_scores_)
        best = int(np.argmin(reg.validation_loss_curve_)) + 1
        assert best < reg.n_iter_
        assert display.best_iteration == best
        assert display.best_marker_.get_xdata()[0] == best
        assert reg.best_validation_score_ == reg.validation_scores_[best - 1]
    finally:
        plt.close("all")


def test_loss_curve_display_does_not_call_r2_an_accuracy():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skbackprop.plotting import LossCurveDisplay

    X, y = _friedman(n=60)
    reg = net(solver="L-BFGS-B", early_stopping=True, max_iter=20)
    _quietly(reg, X, y)
    try:
        display = LossCurveDisplay.from_estimator(reg)
        assert "accuracy" not in display.score_ax_.get_ylabel()
        labels = [text.get_text() for text in display.ax_.get_legend().get_texts()]
        assert not any("accuracy" in label for label in labels)
    finally:
        plt.close("all")


@pytest.fixture(scope="module")
def fitted(friedman):
    X, y = friedman
    Y = np.column_stack([y, -y])
    return _quietly(
        BackpropRegressor((5,), solver="L-BFGS-B", max_iter=20, random_state=0), X, Y
    ), X


def _assert_same_regressor(restored, reg, X):
    assert type(restored) is BackpropRegressor
    assert restored.get_params() == reg.get_params()
    for a, b in zip(restored.thetas_, reg.thetas_, strict=True):
        assert_array_equal(a, b)
    assert_array_equal(restored.target_mean_, reg.target_mean_)
    assert_array_equal(restored.target_scale_, reg.target_scale_)
    assert_array_equal(restored.predict(X), reg.predict(X), strict=True)


def test_pickle_round_trip(fitted):
    reg, X = fitted
    _assert_same_regressor(pickle.loads(pickle.dumps(reg)), reg, X)


def test_skops_round_trip(fitted, tmp_path):
    skops_io = pytest.importorskip("skops.io")
    reg, X = fitted
    path = tmp_path / "model.skops"
    skops_io.dump(reg, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    # numpy arrays, lists and floats are trusted by default: only the estimator is not
    assert untrusted == ["skbackprop._regressor.BackpropRegressor"]
    with pytest.raises(skops_io.exceptions.UntrustedTypesFoundException):
        skops_io.load(path)
    _assert_same_regressor(skops_io.load(path, trusted=untrusted), reg, X)
