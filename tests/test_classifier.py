import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier, _targets, engine

SOLVERS = ["gd", "L-BFGS-B", "CG", "BFGS", "TNC"]


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=200, noise=0.1, random_state=0)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def quiet(clf):
    """Fit without convergence warnings in tests that are not about them."""
    return clf.set_params(tol=0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_learns_moons(moons, solver):
    X, y = moons
    clf = BackpropClassifier((5, 5), solver=solver, max_iter=300, random_state=0, standardize=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    expected = 0.95 if solver != "gd" else 0.85
    assert clf.score(X, y) > expected
    assert clf.n_iter_ == len(clf.loss_curve_) <= 300
    assert clf.loss_ == pytest.approx(clf.loss_curve_[-1])
    # the loss curve is the engine's cost at the fitted weights
    Y = np.eye(2)[y]
    J = engine.cost(
        clf.thetas_, X, Y, clf.reg_lambda, clf.activation_, output_activation=clf.output_activation_
    )
    assert clf.loss_ == pytest.approx(J, rel=1e-9)


def test_fitted_attributes(iris):
    X, y = iris
    clf = quiet(BackpropClassifier((6, 4), max_iter=20, random_state=0)).fit(X, y)
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 4
    assert [t.shape for t in clf.thetas_] == [(6, 5), (4, 7), (3, 5)]
    assert clf.n_iter_ == 20
    assert len(clf.loss_curve_) == 20
    assert not hasattr(clf, "feature_names_in_")


def test_two_classes_use_two_output_units(moons):
    X, y = moons
    clf = quiet(BackpropClassifier((), max_iter=5, random_state=0)).fit(X, y)
    assert clf.thetas_[-1].shape == (2, 3)


def test_predict_proba_normalises_the_output_units(iris):
    X, y = iris
    clf = BackpropClassifier((5,), output_activation="sigmoid", max_iter=50, random_state=0)
    quiet(clf).fit(X, y)
    h = engine.forward(clf.thetas_, X, clf.activation)
    proba = clf.predict_proba(X)
    assert_allclose(proba, h / h.sum(axis=1, keepdims=True), rtol=1e-12)
    assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_softmax_output_gives_the_class_probabilities(iris):
    X, y = iris
    clf = BackpropClassifier((5,), output_activation="softmax", max_iter=50, random_state=0)
    quiet(clf).fit(X, y)
    h = engine.forward(clf.thetas_, X, clf.activation, output_activation="softmax")
    proba = clf.predict_proba(X)
    assert_allclose(proba, h, rtol=1e-12)
    assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    # the loss is the categorical cross-entropy at the fitted weights
    J = engine.cost(
        clf.thetas_, X, np.eye(3)[y], clf.reg_lambda, clf.activation, output_activation="softmax"
    )
    assert clf.loss_ == pytest.approx(J, rel=1e-9)
    sigmoid = BackpropClassifier((5,), output_activation="sigmoid", max_iter=50, random_state=0)
    quiet(sigmoid).fit(X, y)
    assert clf.loss_ != pytest.approx(sigmoid.loss_)


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_log_proba_is_the_log_of_proba_where_it_underflows(iris, output):
    X, y = iris
    clf = BackpropClassifier((5,), output_activation=output, max_iter=50, random_state=0)
    quiet(clf).fit(X, y)
    clf.thetas_[-1] *= 1e4  # logits in the 1e4s: most probabilities underflow to 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = clf.predict_proba(X)
        log_proba = clf.predict_log_proba(X)
        with np.errstate(divide="ignore"):
            assert_array_equal(log_proba, np.log(proba))
    assert (proba == 0).any() and np.isneginf(log_proba).any()
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_predictions_use_the_fitted_activations(iris):
    X, y = iris
    clf = quiet(BackpropClassifier((5,), output_activation="softmax", max_iter=30, random_state=0))
    proba = clf.fit(X, y).predict_proba(X)
    clf.set_params(activation="relu", output_activation="sigmoid")
    assert (clf.activation_, clf.output_activation_) == ("tanh", "softmax")
    assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_infinite_logits_saturate_without_warnings(iris, output):
    X, y = iris
    clf = quiet(BackpropClassifier((), output_activation=output, max_iter=5, random_state=0))
    clf.fit(X, y)
    big = np.finfo(np.float64).max
    clf.thetas_[-1][1, :2] = big  # class 1's logit: big + big * x_0 = inf for x_0 > 0
    rows = X[:, 0] > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isposinf(engine.forward_logits(clf.thetas_, X[rows])[:, 1]).all()
        proba = clf.predict_proba(X)
        log_proba = clf.predict_log_proba(X)
    assert np.isfinite(proba).all()
    assert_allclose(proba.sum(axis=1), 1.0)
    if output == "softmax":
        assert_allclose(proba[rows, 1], 1.0)
    else:  # h_1 = 1, normalised with the other units' outputs
        h = engine.forward(clf.thetas_, X[rows], output_activation="sigmoid")
        assert_allclose(proba[rows, 1], 1 / h.sum(axis=1), rtol=1e-12)
    assert not np.isnan(log_proba).any()
    assert (clf.predict(X[rows]) == 1).all()


def test_output_unit_order_is_a_property_of_the_data():
    # In this fold of digits, classes 4 and 6 have 145 samples each and the
    # same constant pixel 1; pixel 2 decides (class means -0.96 and -0.85). The
    # rounding of the sums of pixel 1, which depends on where the rows lie, must
    # not: it put 6 first before the class means were rounded.
    X, y = load_digits(return_X_y=True)
    rows = list(StratifiedKFold(5).split(X, y))[2][0]
    X, y = StandardScaler().fit_transform(X[rows]), y[rows]
    order = _targets.output_unit_order
    expected = order(X, y, np.ones(len(y)), 10).tolist()
    assert expected.index(4) < expected.index(6)
    for seed in range(5):
        shuffled = np.random.default_rng(seed).permutation(len(y))
        unit_class = order(X[shuffled], y[shuffled], np.ones(len(y)), 10)
        assert unit_class.tolist() == expected


def test_tied_class_weights_keep_weighted_fits_exact():
    # Both classes weigh 22 (and 7 below): dividing the weights by their maximum
    # rounded the class totals apart, by how the rows fell, which swapped output
    # units between row orders and between weights and repeated rows.
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-1, 1, (3, 2)), rng.normal(1, 1, (3, 2))]
    y = np.array([0, 0, 0, 1, 1, 1])
    w = np.array([7.0, 8.0, 7.0, 9.0, 8.0, 5.0])
    params = {"solver": "L-BFGS-B", "max_iter": 3, "tol": 0.0, "random_state": 0}
    probas = []
    for rows in ([4, 3, 1, 2, 0, 5], [4, 3, 2, 5, 0, 1]):
        clf = BackpropClassifier((3,), **params).fit(X[rows], y[rows], sample_weight=w[rows])
        probas.append(clf.predict_proba(X))
    assert_allclose(probas[0], probas[1], atol=1e-12)

    X = np.r_[rng.normal(-1, 1, (7, 2)), rng.normal(1, 1, (1, 2))]
    y = np.array([0] * 7 + [1])
    w = np.array([1] * 7 + [7])
    weighted = BackpropClassifier((3,), **params).fit(X, y, sample_weight=w)
    repeated = BackpropClassifier((3,), **params).fit(X.repeat(w, axis=0), y.repeat(w))
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-12)


def test_a_class_of_tiny_weight_is_still_a_class():
    # Relative to 1e300 the weights 1e-30 count for nothing, but they are positive.
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    w = np.array([1e300, 1e300, 1e-30, 1e-30])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = BackpropClassifier((2,), max_iter=3, random_state=0).fit(X, y, sample_weight=w)
    assert clf.classes_.tolist() == [0, 1]


@pytest.mark.parametrize("solver", ["L-BFGS-B", "CG", "BFGS"])
def test_tol_met_at_the_last_allowed_iteration_is_convergence(iris, solver):
    X, y = iris
    free = BackpropClassifier((5,), solver=solver, tol=1e-3, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        BackpropClassifier(
            (5,), solver=solver, tol=1e-3, max_iter=free.n_iter_, random_state=0
        ).fit(X, y)


def test_string_labels(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    a = quiet(BackpropClassifier((5,), max_iter=30, random_state=0)).fit(X, y)
    b = quiet(BackpropClassifier((5,), max_iter=30, random_state=0)).fit(X, names)
    assert_array_equal(b.classes_, ["setosa", "versicolor", "virginica"])
    assert_array_equal(np.array(["setosa", "versicolor", "virginica"])[a.predict(X)], b.predict(X))
    assert_allclose(a.predict_proba(X), b.predict_proba(X))


def test_pipeline_with_standard_scaler(moons):
    X, y = moons
    pipe = make_pipeline(
        StandardScaler(), BackpropClassifier((5,), solver="L-BFGS-B", random_state=0)
    )
    assert pipe.fit(X * 100 + 5, y).score(X * 100 + 5, y) > 0.95


def test_grid_search_over_hidden_sizes_and_lambda(moons):
    X, y = moons
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("net", BackpropClassifier(solver="L-BFGS-B", random_state=0)),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {"net__hidden_layer_sizes": [(2,), (8,), (5, 5)], "net__reg_lambda": [0.0, 1.0]},
        cv=3,
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 6
    assert grid.best_score_ > 0.9
    assert grid.best_params_["net__hidden_layer_sizes"] != (2,)


def test_cross_val_score(iris):
    X, y = iris
    scores = cross_val_score(
        BackpropClassifier((10,), solver="L-BFGS-B", random_state=0), X, y, cv=5
    )
    assert scores.mean() > 0.9


def test_clone_and_pickle(iris):
    X, y = iris
    clf = quiet(BackpropClassifier((5,), max_iter=30, random_state=0)).fit(X, y)
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params()
    assert not hasattr(fresh, "thetas_")
    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_same_random_state_same_weights(iris):
    X, y = iris
    a = quiet(BackpropClassifier((5,), max_iter=40, random_state=3)).fit(X, y)
    b = quiet(BackpropClassifier((5,), max_iter=40, random_state=3)).fit(X, y)
    c = quiet(BackpropClassifier((5,), max_iter=40, random_state=4)).fit(X, y)
    for s, t in zip(a.thetas_, b.thetas_, strict=True):
        assert_array_equal(s, t)
    assert not np.array_equal(a.thetas_[0], c.thetas_[0])


def test_warm_start_continues_gradient_descent_exactly(iris):
    X, y = iris
    # The constant step (the "bb" rule reaches J's rounding floor before 500 steps).
    params = {"learning_rate": 1.0, "random_state": 0}
    full = quiet(BackpropClassifier((5,), max_iter=500, **params)).fit(X, y)
    warm = quiet(BackpropClassifier((5,), max_iter=300, warm_start=True, **params))
    warm.fit(X, y)
    warm.set_params(max_iter=200).fit(X, y)
    for s, t in zip(full.thetas_, warm.thetas_, strict=True):
        assert_array_equal(s, t)
    assert warm.loss_curve_ == full.loss_curve_
    assert warm.n_iter_ == 200


def test_feature_names_are_recorded_and_checked(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    clf = quiet(BackpropClassifier((5,), max_iter=10, random_state=0)).fit(frame, y)
    assert_array_equal(clf.feature_names_in_, ["sl", "sw", "pl", "pw"])
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


def test_float32_is_trained_in_float32(iris):
    X, y = iris
    clf = quiet(BackpropClassifier((5,), max_iter=20, random_state=0)).fit(X.astype(np.float32), y)
    assert all(t.dtype == np.float32 for t in clf.thetas_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    clf64 = quiet(BackpropClassifier((5,), max_iter=20, random_state=0)).fit(X.astype(int), y)
    assert all(t.dtype == np.float64 for t in clf64.thetas_)


@pytest.mark.parametrize("solver", SOLVERS)
def test_convergence_warning_names_what_to_change(iris, solver):
    X, y = iris
    clf = BackpropClassifier((5,), solver=solver, max_iter=2, tol=1e-12, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=2") as record:
        clf.fit(X, y)
    assert "increase max_iter" in str(record[0].message)


def test_no_warning_when_tol_is_met_or_zero(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BackpropClassifier((5,), max_iter=3, tol=0, random_state=0).fit(X, y)
        clf = BackpropClassifier((5,), solver="L-BFGS-B", tol=1e-3, random_state=0).fit(X, y)
    assert clf.n_iter_ < clf.max_iter


@pytest.mark.parametrize("solver", SOLVERS)
def test_verbose_prints_progress_for_every_solver(iris, solver, capsys):
    X, y = iris
    quiet(BackpropClassifier((5,), solver=solver, max_iter=5, verbose=2)).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out
    assert "Iteration 5, loss = " in out


def test_sample_weight_changes_the_fit(moons):
    X, y = moons
    w = np.where(y == 1, 10.0, 1.0)
    plain = quiet(BackpropClassifier((), max_iter=200, random_state=0)).fit(X, y)
    weighted = quiet(BackpropClassifier((), max_iter=200, random_state=0)).fit(X, y, w)
    assert (weighted.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


# -- early_stopping="auto" -------------------------------------------------------------


def _rows(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)


@pytest.mark.parametrize(
    ("n", "params", "held_out"),
    [
        (2000, {}, True),  # 200 rows held out: gd stops on them
        (1999, {}, False),  # 199 would be too few
        (1000, {"validation_fraction": 0.2}, True),
        (2000, {"solver": "adam"}, False),  # gd only
        (2000, {"solver": "L-BFGS-B"}, False),
        (2000, {"early_stopping": False}, False),
    ],
)
def test_auto_early_stopping_holds_out_rows_for_gd_with_enough_rows(n, params, held_out):
    X, y = _rows(n)
    clf = BackpropClassifier((3,), max_iter=3, tol=0, random_state=0, **params).fit(X, y)
    assert (clf.validation_loss_curve_ is not None) == held_out


def test_auto_early_stopping_trains_on_all_rows_that_cannot_be_split():
    X, y = _rows(2000)
    y[0] = 2  # a class of one row: no stratified split
    clf = BackpropClassifier((3,), max_iter=3, tol=0, random_state=0).fit(X, y)
    assert clf.validation_loss_curve_ is None
    with pytest.raises(ValueError, match="single row"):
        clf.set_params(early_stopping=True).fit(X, y)


def test_auto_early_stopping_lets_partial_fit_run():
    X, y = _rows(2000)
    clf = BackpropClassifier((3,), solver="adam", random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    assert clf.n_iter_ == 1
