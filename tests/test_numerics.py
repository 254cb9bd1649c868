"""Stable numerics: no RuntimeWarning and finite results for any finite input."""

import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from skbackprop import BackpropClassifier

SOLVERS = ["gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"]
ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity"]


def _iris():
    X, y = load_iris(return_X_y=True)
    return X, y


def _fit_silently(clf, X, y, **fit_params):
    """Fit and predict with RuntimeWarning as an error; ConvergenceWarning allowed."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, **fit_params)
        proba = clf.predict_proba(X)
        log_proba = clf.predict_log_proba(X)
    assert np.isfinite(clf.loss_)
    assert all(np.isfinite(t).all() for t in clf.thetas_)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert not np.isnan(log_proba).any()
    return clf


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("scale", [1e-8, 1e8])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_feature_scales(solver, activation, scale, dtype):
    X, y = _iris()
    clf = BackpropClassifier((5,), solver=solver, activation=activation, max_iter=30)
    try:
        _fit_silently(clf.set_params(random_state=0), (X * scale).astype(dtype), y)
    except ValueError as error:
        # A first step that diverges learned nothing: an error, the estimator untouched.
        assert solver in ("gd", "sgd", "adam") and scale == 1e8
        assert "diverged at its first step" in str(error)
        assert not hasattr(clf, "thetas_")


@pytest.mark.parametrize("solver", SOLVERS)
def test_features_near_the_float_limit(solver):
    # Class centroids (for the output unit order) summed such rows to inf.
    X, y = _iris()
    clf = BackpropClassifier((5,), solver=solver, max_iter=10, random_state=0)
    _fit_silently(clf, X * 1e306, y)
    # Means of 11 rows at +-the float limit round up past it.
    big = np.finfo(np.float64).max
    X = np.column_stack([np.repeat([big, -big], 11), np.repeat([0.0, 1.0], 11)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, np.repeat([0, 1], 11))


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_cost_not_finite_at_the_start_is_an_error(solver):
    # epsilon_init=1e20 squares to inf in float32: nothing can be trained. The
    # scipy solvers used to report convergence after 0 iterations, and gd to
    # blame learning_rate.
    X, y = _iris()
    X = X.astype(np.float32)
    clf = BackpropClassifier((5,), solver=solver, max_iter=5, random_state=0).fit(X, y)
    before = [t.copy() for t in clf.thetas_]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"cost at the initial weights is not finite.*float32"):
            clf.set_params(epsilon_init=1e20).fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, clf.thetas_, strict=True))
    with pytest.raises(ValueError, match="cost at the initial weights"):
        clone(clf).set_params(warm_start=True).fit(X, y)  # no previous fit to continue


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_sample_weights(dtype):
    # Constant weights c train the model of unit weights with reg_lambda / c;
    # 1e307 * 150 overflows a float64 sum, and 1e39 does not fit in float32.
    # Compared where the result is determined, not along a float32 trajectory
    # (which splits between BLAS kernels): J at the start, one gradient step,
    # and the converged model.
    X, y = _iris()
    X = X.astype(dtype)
    c = 1e307 if dtype == np.float64 else 1e39
    weights = np.full(len(X), c)
    rtol = 1e-10 if dtype == np.float64 else 1e-5

    def pair(**params):
        plain = _fit_silently(
            BackpropClassifier((4,), reg_lambda=0.5, random_state=0, **params), X, y
        )
        weighted = BackpropClassifier((4,), reg_lambda=0.5 * c, random_state=0, **params)
        return plain, _fit_silently(weighted, X, y, sample_weight=weights)

    plain, weighted = pair(solver="gd", max_iter=1, tol=0.0)
    np.testing.assert_allclose(weighted.loss_curve_, plain.loss_curve_, rtol=rtol)
    for a, b in zip(weighted.thetas_, plain.thetas_, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)

    # Converged: the same minimum, whatever the path (float32's is only as tight
    # as its gradient's rounding allows).
    tol, loss_rtol, proba_atol = (1e-8, 1e-9, 1e-5) if dtype == np.float64 else (1e-4, 2e-4, 1e-2)
    plain, weighted = pair(solver="L-BFGS-B", max_iter=3000, tol=tol)
    assert weighted.n_iter_ < 3000 and plain.n_iter_ < 3000
    np.testing.assert_allclose(weighted.loss_, plain.loss_, rtol=loss_rtol)
    np.testing.assert_allclose(weighted.predict_proba(X), plain.predict_proba(X), atol=proba_atol)


@pytest.mark.parametrize("solver", SOLVERS)
def test_saturated_units(solver):
    X, y = _iris()
    # initial weights of +-50 saturate every sigmoid unit on the first pass
    clf = BackpropClassifier((5, 5), solver=solver, epsilon_init=50.0, max_iter=30)
    _fit_silently(clf.set_params(random_state=0), X, y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_constant_columns_and_a_constant_matrix(solver):
    X, y = _iris()
    X = np.column_stack([X, np.zeros(len(X)), np.full(len(X), 7.0)])
    _fit_silently(BackpropClassifier((4,), solver=solver, max_iter=30, random_state=0), X, y)
    ones = np.ones((6, 3))
    _fit_silently(
        BackpropClassifier((4,), solver=solver, max_iter=30, random_state=0),
        ones,
        [0, 1, 0, 1, 0, 1],
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_single_sample_per_class(solver):
    X = np.array([[0.0, 1.0], [1.0, 0.0], [5.0, 5.0]])
    lr = 0.1 if solver in ("sgd", "adam") else "auto"  # 200 steps of 1e-3 are too short
    clf = _fit_silently(
        BackpropClassifier(
            (3,), solver=solver, learning_rate=lr, reg_lambda=1e-4, max_iter=200, random_state=0
        ),
        X,
        ["a", "b", "c"],
    )
    assert list(clf.predict(X)) == ["a", "b", "c"]


def test_huge_float32_values_do_not_overflow_silently():
    X, y = _iris()
    X = (X * 1e30).astype(np.float32)  # products of these overflow float32
    for activation in ACTIVATIONS:
        clf = BackpropClassifier((5,), activation=activation, max_iter=30, random_state=0)
        try:
            _fit_silently(clf, X, y)
        except ValueError as error:
            # A first step that overflows learned nothing: an error, not a model.
            assert "diverged at its first step" in str(error)
            assert not hasattr(clf, "thetas_")
        _fit_silently(clf.set_params(solver="L-BFGS-B"), X, y)


def test_exploding_learning_rate_stops_with_the_last_finite_weights():
    X, y = _iris()
    clf = BackpropClassifier((5,), learning_rate=30.0, max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match=r"learning_rate=30 is too large"):
            clf.fit(X, y)
    assert 1 <= clf.n_iter_ < 100
    assert all(np.isfinite(t).all() for t in clf.thetas_)
    assert np.isfinite(clf.predict_proba(X)).all()
    assert np.isfinite(clf.loss_)


def test_probabilities_of_far_away_points_stay_normalised():
    X, y = _iris()
    clf = BackpropClassifier((5,), solver="L-BFGS-B", random_state=0).fit(X, y)
    far = np.array([[1e300, -1e300, 1e300, 0.0], [-1e12, 1e12, 3.0, 1e15]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        proba = clf.predict_proba(far)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_end_to_end(solver):
    X, y = _iris()
    clf = BackpropClassifier((5,), solver=solver, max_iter=20, random_state=0)
    _fit_silently(clf, X.astype(np.float32), y)
    assert all(t.dtype == np.float32 for t in clf.thetas_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert clf.predict_log_proba(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_inputs_near_the_float_limit_saturate_or_raise_clearly(activation):
    X, y = _iris()
    clf = BackpropClassifier((5,), activation=activation, solver="L-BFGS-B", random_state=0)
    clf.fit(X, y)
    big = np.finfo(np.float64).max
    for row in ([big, big, -big, big], [big, 0.0, 0.0, 0.0], [-big, -big, -big, -big]):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            try:
                proba = clf.predict_proba(np.array([row]))
            except ValueError as error:
                assert "values too large" in str(error)
                assert "StandardScaler" in str(error)
            else:
                assert np.isfinite(proba).all()
                np.testing.assert_allclose(proba.sum(), 1.0)


def test_float32_model_predicts_float64_input_beyond_float32_range():
    X, y = _iris()
    clf = BackpropClassifier((5,), solver="L-BFGS-B", random_state=0)
    clf.fit(X.astype(np.float32), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"values too large.*float32"):
            clf.predict(np.array([[1e300, -1e300, 1e300, 1e300]]))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("reg_lambda", "weight"),
    [(1e20, 1.0), (1e100, 1.0), (1e140, 1.0), (1e160, 1.0), (1e-4, 1e-300)],
)
def test_huge_penalties_end_on_finite_weights_or_name_the_penalty(solver, reg_lambda, weight):
    # lambda / sum(w) up to 6.7e293: L-BFGS-B used to return NaN weights with only a
    # ConvergenceWarning, CG and BFGS warned of overflows inside scipy, and gd
    # blamed learning_rate.
    X, y = _iris()
    clf = BackpropClassifier(
        (5,), solver=solver, reg_lambda=reg_lambda, max_iter=20, random_state=0
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        try:
            clf.fit(X, y, sample_weight=np.full(len(y), weight))
        except ValueError as error:
            assert re.search(
                r"reg_lambda / sum\(sample_weight\) = .* is too large|penalty", str(error)
            )
            assert not hasattr(clf, "thetas_")
            return
    assert all(np.isfinite(t).all() for t in clf.thetas_)
    assert np.isfinite(clf.loss_)
    for w in record:
        if "diverged" in str(w.message):
            assert "penalty alone makes it diverge" in str(w.message)


def test_a_penalty_too_large_for_the_step_is_named_in_the_divergence():
    X, y = _iris()
    clf = BackpropClassifier((5,), reg_lambda=1e3, learning_rate=1.0, random_state=0)
    with pytest.raises(
        ValueError, match=r"penalty alone makes it diverge: .* learning_rate < 0\.3"
    ):
        clf.fit(X, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_at_the_float_limit_with_mixed_signs_validate_silently(dtype):
    # scikit-learn's finiteness check sums X and warned "invalid value" here.
    X, y = _iris()
    big = np.finfo(dtype).max
    X = (X / 10).astype(dtype)
    X[:3] = [big, -big, big, -big]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = BackpropClassifier(solver="L-BFGS-B", max_iter=5, random_state=0).fit(X, y)
        rows = np.repeat(X[:1], 300, axis=0)
        assert clf.predict(rows).shape == (300,)
        assert np.isfinite(clf.predict_proba(rows)).all()
