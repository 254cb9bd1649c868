"""Issue 19, round three: partial_fit's edge cases (zero-weight chunks, mixed dtypes,
early stopping), strict validation sets, messages that name the cause, balanced class
weights with sample weights, and MLPClassifier's semantics a porting user relies on."""

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_checks

from skbackprop import BackpropClassifier

CLASSES = [0, 1, 2]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def net(**params):
    defaults = {"hidden_layer_sizes": (6,), "batch_size": 32, "random_state": 0, "tol": 0.0}
    return BackpropClassifier(**{**defaults, **params})


def _snapshot(clf):
    """Everything a failed call must leave as it was (arrays copied)."""
    return {
        k: ([t.copy() for t in v] if k == "thetas_" else v)
        for k, v in vars(clf).items()
        if k != "_solver_state"
    }


def _assert_unchanged(clf, before, state_t):
    assert vars(clf).keys() - {"_solver_state"} == before.keys()
    for theta, old in zip(clf.thetas_, before["thetas_"], strict=True):
        assert_array_equal(theta, old)
    assert clf.n_iter_ == before["n_iter_"]
    assert clf._solver_state["t"] == state_t


# -- 1: a partial_fit chunk whose rows all weigh 0 ---------------------------------


@pytest.mark.parametrize("sample_weight", [None, "ones"])
def test_partial_fit_of_a_chunk_that_class_weight_zeroes_is_a_clear_error(iris, sample_weight):
    X, y = iris
    clf = net(solver="adam", class_weight={0: 0.0}).partial_fit(X, y, classes=CLASSES)
    before, t = _snapshot(clf), clf._solver_state["t"]
    chunk = y == 0
    w = None if sample_weight is None else np.ones(chunk.sum())
    with pytest.raises(ValueError, match="class_weight") as error:
        clf.partial_fit(X[chunk], y[chunk], sample_weight=w)
    assert "sample_weight" in str(error.value)
    assert "zero total weight" in str(error.value)
    _assert_unchanged(clf, before, t)


def test_partial_fit_first_call_on_a_zeroed_chunk_leaves_no_model(iris):
    X, y = iris
    clf = net(solver="sgd", class_weight={0: 0.0})
    with pytest.raises(ValueError, match="class_weight"):
        clf.partial_fit(X[y == 0], y[y == 0], classes=CLASSES)
    assert not hasattr(clf, "thetas_")


# -- 2: partial_fit keeps the model's dtype and the optimiser's state -------------


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("model_dtype", [np.float64, np.float32])
@pytest.mark.parametrize("as_sparse", [False, True])
def test_partial_fit_casts_later_chunks_to_the_models_dtype(iris, solver, model_dtype, as_sparse):
    X, y = iris
    other = np.float32 if model_dtype is np.float64 else np.float64
    # The chunks as the model sees them: rounded to float32 where either side is.
    X = X.astype(np.float32).astype(np.float64)
    convert = sparse.csr_matrix if as_sparse else np.asarray
    params = {"solver": solver, "learning_rate_schedule": "adaptive", "tol": 1e-4}
    chunks = np.array_split(np.random.RandomState(0).permutation(150), 5)
    mixed, same = net(**params), net(**params)
    for k, rows in enumerate(chunks):
        dtype = model_dtype if k % 2 == 0 else other
        mixed.partial_fit(convert(X[rows].astype(dtype)), y[rows], classes=CLASSES)
        same.partial_fit(convert(X[rows].astype(model_dtype)), y[rows], classes=CLASSES)
        assert all(theta.dtype == model_dtype for theta in mixed.thetas_)
        assert all(a.dtype == model_dtype for a in mixed._solver_state["arrays"])
    # The state went on: steps counted over every call, the same moments.
    assert (
        mixed._solver_state["t"]
        == same._solver_state["t"]
        == sum(-(-len(rows) // 32) for rows in chunks)
    )
    assert mixed.t_ == same.t_ == 150
    # The values of the chunks of the other dtype are exact in the model's dtype
    # here, so the two models are the same computation.
    for a, b in zip(mixed.thetas_, same.thetas_, strict=True):
        assert_array_equal(a, b)
    assert mixed.loss_curve_ == same.loss_curve_


def test_partial_fit_refuses_a_float64_chunk_beyond_a_float32_model(iris):
    X, y = iris
    clf = net(solver="adam").partial_fit(X.astype(np.float32), y, classes=CLASSES)
    before, t = _snapshot(clf), clf._solver_state["t"]
    X_big = X.copy()
    X_big[0, 0] = 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="float32"):
            clf.partial_fit(X_big, y)
    _assert_unchanged(clf, before, t)


# -- 3: X_val checked as strictly as X ---------------------------------------------


def test_validation_rows_that_class_weight_zeroes_are_a_clear_error(iris):
    X, y = iris
    clf = net(solver="adam", class_weight={0: 0.0}, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="X_val") as error:
            clf.fit(X, y, X_val=X[y == 0], y_val=y[y == 0])
    assert "class_weight" in str(error.value)
    assert "sample_weight_val" in str(error.value)
    assert not hasattr(clf, "thetas_")


@pytest.mark.parametrize("as_sparse", [False, True])
def test_x_val_beyond_the_range_of_a_float32_model_is_a_clear_error(iris, as_sparse):
    X, y = iris
    X_val = X.copy()
    X_val[:, 0], X_val[:, 1] = 1e300, -1e300
    X_val = sparse.csr_matrix(X_val) if as_sparse else X_val
    clf = net(solver="adam", max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"X_val .*float32"):
            clf.fit(X.astype(np.float32), y, X_val=X_val, y_val=y)
    assert not hasattr(clf, "thetas_")
    # float64 X trains in float64, where these values are finite.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, X_val=X_val, y_val=y)
    assert np.isfinite(clf.validation_loss_curve_).all()


# -- 12: messages that name the cause -------------------------------------------------


def test_a_huge_power_t_computes_the_invscaling_rate_without_overflow(iris):
    X, y = iris
    clf = net(solver="sgd", learning_rate_schedule="invscaling", power_t=200, max_iter=2)
    clf.fit(X, y)
    assert clf._solver_state["learning_rate"] == 0.0  # 1e-3 / 301 ** 200 underflows
    assert all(np.isfinite(theta).all() for theta in clf.thetas_)
    # a rate that does not underflow is the schedule's own
    clf = net(solver="sgd", learning_rate_schedule="invscaling", power_t=100, max_iter=1)
    clf.set_params(learning_rate=1e300).partial_fit(X[:1], y[:1], classes=CLASSES)
    expected = math.exp(math.log(1e300) - 100 * math.log(2))
    assert clf._solver_state["learning_rate"] == pytest.approx(expected, rel=1e-12)


def test_a_huge_learning_rate_is_named_in_the_divergence(iris):
    X, y = iris
    clf = net(solver="sgd", learning_rate=1e10, max_iter=3)
    with pytest.raises(ValueError, match=r"learning_rate=1e\+10 is too large") as error:
        clf.fit(X, y)
    assert "Decrease learning_rate" in str(error.value)
    assert "Lower reg_lambda" not in str(error.value)


def test_partial_fit_after_a_new_architecture_says_how_to_start_over(iris):
    X, y = iris
    clf = net(solver="adam").partial_fit(X, y, classes=CLASSES)
    clf.set_params(hidden_layer_sizes=(3,))
    with pytest.raises(ValueError, match="hidden_layer_sizes") as error:
        clf.partial_fit(X, y)
    message = str(error.value)
    assert "warm_start" not in message
    assert "differs from the first call of partial_fit's (6,)" in message
    assert "clone" in message
    clf.set_params(hidden_layer_sizes=(6,), activation="relu")
    with pytest.raises(ValueError, match="activation='relu'") as error:
        clf.partial_fit(X, y)
    assert "warm_start" not in str(error.value)


@pytest.mark.parametrize("first_multilabel", [False, True])
def test_warm_start_between_labels_and_multilabel_reads_well(iris, first_multilabel):
    X, y = iris
    Y = np.eye(3, dtype=int)[y]
    targets = [Y, y] if first_multilabel else [y, Y]
    clf = net(solver="adam", max_iter=1, warm_start=True).fit(X, targets[0])
    with pytest.raises(ValueError, match="warm_start=True") as error:
        clf.fit(X, targets[1])
    message = str(error.value)
    assert " ;" not in message
    assert "indicator matrix" in message and "label vector" in message


def test_early_stopping_with_a_one_member_class_names_the_label(iris):
    X, y = iris
    y = np.array(["setosa", "versicolor", "virginica"])[y]
    y[0] = "rare"
    clf = net(solver="adam", early_stopping=True, max_iter=2)
    with pytest.raises(ValueError, match="'rare'") as error:
        clf.fit(X, y)
    message = str(error.value)
    assert "raise validation_fraction" not in message
    assert "X_val" in message
    assert "[3]" not in message


# -- 13: class_weight="balanced" with sample weights ----------------------------------


def test_balanced_class_weight_with_integer_weights_equals_repeated_rows():
    # The data of scikit-learn's check: 15 rows, 30 features, weights 0 to 4.
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    w = rng.randint(0, 5, size=15)
    params = {
        "hidden_layer_sizes": (3,),
        "solver": "L-BFGS-B",
        "reg_lambda": 1.0,
        "class_weight": "balanced",
        "tol": 1e-9,
        "random_state": 0,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = BackpropClassifier(**params).fit(X, y, sample_weight=w)
        repeated = BackpropClassifier(**params).fit(X.repeat(w, axis=0), y.repeat(w))
    assert weighted.loss_ == pytest.approx(repeated.loss_, rel=1e-8)
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize(
    "check_name",
    [
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weight_equivalence_on_sparse_data",
    ],
)
def test_sklearn_sample_weight_equivalence_with_balanced_class_weight(check_name):
    check = getattr(estimator_checks, check_name, None)
    if check is None:
        pytest.skip(f"scikit-learn has no {check_name}")
    check("BackpropClassifier", BackpropClassifier(class_weight="balanced"))


# -- semantics a porting user relies on -----------------------------------------------


def test_n_iter_no_change_inf_switches_the_training_loss_rule_off(iris):
    X, y = iris
    clf = net(solver="adam", n_iter_no_change=np.inf, tol=1e6, max_iter=4)
    with pytest.warns(ConvergenceWarning, match="max_iter=4"):
        clf.fit(X, y)
    assert clf.n_iter_ == 4
    # the rule stops such a fit at once
    assert net(solver="adam", n_iter_no_change=1, tol=1e6, max_iter=4).fit(X, y).n_iter_ == 3
    for bad in (-np.inf, np.nan, 2.0):
        with pytest.raises((TypeError, ValueError), match="n_iter_no_change"):
            net(n_iter_no_change=bad).fit(X, y)


def test_warm_start_continues_the_validation_curves(iris):
    X, y = iris
    clf = net(solver="adam", early_stopping=True, max_iter=3, warm_start=True)
    clf.fit(X, y)
    losses, scores = list(clf.validation_loss_curve_), list(clf.validation_scores_)
    assert len(losses) == len(clf.loss_curve_) == 3
    clf.set_params(max_iter=2).fit(X, y)
    assert len(clf.loss_curve_) == 5
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == 5
    assert clf.validation_loss_curve_[:3] == losses
    assert clf.validation_scores_[:3] == scores
    # the kept weights are those of the lowest validation loss so far
    best = int(np.argmin(clf.validation_loss_curve_))
    assert clf.best_validation_score_ == clf.validation_scores_[best]
    assert clf.loss_ == clf.loss_curve_[best]


def test_warm_start_keeps_the_best_weights_of_a_previous_fit(iris):
    # A continued fit that never beats the previous best validation loss keeps
    # the previous weights, as MLPClassifier does.
    X, y = iris
    clf = net(solver="sgd", learning_rate=0.1, early_stopping=True, max_iter=30)
    clf.set_params(warm_start=True, tol=1e-4, n_iter_no_change=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        before = [theta.copy() for theta in clf.thetas_]
        best_loss, loss, score = (
            min(clf.validation_loss_curve_),
            clf.loss_,
            clf.best_validation_score_,
        )
        clf.set_params(learning_rate=5.0, max_iter=3).fit(X, y)
    assert min(clf.validation_loss_curve_[-clf.n_iter_ :]) > best_loss  # steps too large
    for theta, old in zip(clf.thetas_, before, strict=True):
        assert_array_equal(theta, old)
    assert clf.loss_ == loss
    assert clf.best_validation_score_ == score


def test_partial_fit_with_early_stopping_raises(iris):
    X, y = iris
    clf = net(solver="adam", early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        clf.partial_fit(X, y, classes=CLASSES)
    assert not hasattr(clf, "thetas_")


def test_reg_lambda_docstring_says_when_it_equals_alpha():
    doc = BackpropClassifier.__doc__
    start = doc.index("reg_lambda : float")
    text = " ".join(doc[start : doc.index("class_weight : ", start)].split())
    assert "the same penalty as ``alpha``" not in text
    assert "mini-batch" in text and "alpha" in text
