"""Bad input gets a clear error before any work; failed, interrupted and reloaded models.

Every rejected input is checked for the exception type and for a message that
names the problem. Rejections must happen before training or prediction starts:
the ``no_work`` fixture replaces the engine's objective, the solvers and the
forward pass by functions that fail the test when called.
"""

import copy
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import skops.io
from numpy.testing import assert_array_equal
from sklearn.datasets import load_breast_cancer, load_iris, load_wine, make_moons
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.preprocessing import StandardScaler

import skbackprop._classifier as classifier_module
from skbackprop import BackpropClassifier, engine

SCIPY_SOLVERS = ["L-BFGS-B", "CG", "BFGS", "TNC"]
FITTED_ATTRIBUTES = [
    "classes_",
    "n_features_in_",
    "feature_names_in_",
    "thetas_",
    "loss_",
    "loss_curve_",
    "n_iter_",
]


def _data(n=40):
    rng = np.random.RandomState(0)
    X = rng.randn(n, 3)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


X0, y0 = _data()
N = len(y0)
DF0 = pd.DataFrame(X0, columns=["a", "b", "c"])


def small(**params):
    """A quick estimator; tol=0 runs exactly max_iter steps without a ConvergenceWarning."""
    defaults = {"hidden_layer_sizes": (4,), "max_iter": 20, "tol": 0.0, "random_state": 0}
    return BackpropClassifier(**{**defaults, **params})


def _must_not_run(*args, **kwargs):
    pytest.fail("bad input must be rejected before training or prediction starts")


def forbid_work(monkeypatch):
    monkeypatch.setattr(engine, "make_objective", _must_not_run)
    monkeypatch.setattr(engine, "forward_logits", _must_not_run)
    for name in list(classifier_module.SOLVERS):
        monkeypatch.setitem(classifier_module.SOLVERS, name, _must_not_run)


@pytest.fixture
def no_work(monkeypatch):
    forbid_work(monkeypatch)


@pytest.fixture(scope="module")
def fitted():
    return small().fit(X0, y0)


def model_state(clf):
    return {
        name: copy.deepcopy(getattr(clf, name)) for name in FITTED_ATTRIBUTES if hasattr(clf, name)
    }


def assert_same_state(state, expected):
    assert state.keys() == expected.keys()
    for name, value in expected.items():
        got = state[name]
        assert type(got) is type(value), name
        if name == "thetas_":
            assert len(got) == len(value)
            for theta, theta_expected in zip(got, value, strict=True):
                assert theta.dtype == theta_expected.dtype
                assert_array_equal(theta, theta_expected, strict=True)
        elif isinstance(value, np.ndarray):
            assert_array_equal(got, value, strict=True)
        else:
            assert got == value, name


def one_hot(y, classes):
    return (np.asarray(y)[:, None] == classes).astype(float)


def test_no_work_guard_catches_a_fit_and_a_predict(fitted, no_work):
    # The guard of the "before any work" tests is armed where fit and predict do work.
    with pytest.raises(pytest.fail.Exception, match="rejected before"):
        small().fit(X0, y0)
    with pytest.raises(pytest.fail.Exception, match="rejected before"):
        fitted.predict(X0)


# -- bad input to fit -------------------------------------------------------------


def _X_with(value):
    X = X0.copy()
    X[3, 1] = value
    return X


def _weights_with(value):
    weights = np.ones(N)
    weights[5] = value
    return weights


# (id, arguments of fit that replace the good X0, y0, sample_weight=None, exception, message)
FIT_BAD_INPUTS = [
    ("X has NaN", {"X": _X_with(np.nan)}, ValueError, "Input X contains NaN"),
    ("X has inf", {"X": _X_with(np.inf)}, ValueError, "Input X contains infinity"),
    ("X has -inf", {"X": _X_with(-np.inf)}, ValueError, "Input X contains infinity"),
    (
        "empty X",
        {"X": X0[:0], "y": y0[:0]},
        ValueError,
        r"0 sample\(s\) \(shape=\(0, 3\)\) while a minimum of 1 is required",
    ),
    (
        "X with 0 features",
        {"X": X0[:, :0]},
        ValueError,
        r"0 feature\(s\) \(shape=\(40, 0\)\) while a minimum of 1 is required",
    ),
    ("1-D X", {"X": X0[:, 0]}, ValueError, "Expected 2D array, got 1D array"),
    ("3-D X", {"X": X0[:, :, None]}, ValueError, "Found array with dim 3"),
    ("complex X", {"X": X0 + 1j}, ValueError, "Complex data not supported"),
    ("string X", {"X": np.full(X0.shape, "a")}, ValueError, "could not convert string to float"),
    (
        "DataFrame with a string column",
        {"X": DF0.assign(b="x")},
        ValueError,
        "could not convert string to float: 'x'",
    ),
    (
        "sparse X with infinity",
        {"X": sp.csr_matrix(np.where(X0 > 1, np.inf, X0))},
        ValueError,
        "Input X contains infinity",
    ),
    ("ragged X", {"X": [[1.0, 2.0], [3.0]], "y": [0, 1]}, ValueError, "inhomogeneous shape"),
    (
        "X shorter than y",
        {"X": X0[:-1]},
        ValueError,
        r"inconsistent numbers of samples: \[39, 40\]",
    ),
    (
        "y shorter than X",
        {"y": y0[:-1]},
        ValueError,
        r"inconsistent numbers of samples: \[40, 39\]",
    ),
    (
        "sample_weight shorter than X",
        {"sample_weight": np.ones(N - 1)},
        ValueError,
        r"sample_weight must have shape \(40,\), one weight per sample; got shape \(39,\)",
    ),
    (
        "sample_weight longer than X",
        {"sample_weight": np.ones(N + 1)},
        ValueError,
        r"sample_weight must have shape \(40,\), one weight per sample; got shape \(41,\)",
    ),
    (
        "sample_weight 2-D",
        {"sample_weight": np.ones((N, 1))},
        ValueError,
        r"sample_weight must have shape \(40,\), one weight per sample; got shape \(40, 1\)",
    ),
    (
        "sample_weight has NaN",
        {"sample_weight": _weights_with(np.nan)},
        ValueError,
        "sample_weight must be finite; it contains NaN",
    ),
    (
        "sample_weight has inf",
        {"sample_weight": _weights_with(np.inf)},
        ValueError,
        "sample_weight must be finite; it contains NaN or infinity",
    ),
    (
        "negative sample_weight",
        {"sample_weight": _weights_with(-1.0)},
        ValueError,
        "sample_weight must be non-negative; it has negative weights",
    ),
    (
        "negative scalar sample_weight",
        {"sample_weight": -2.0},
        ValueError,
        "sample_weight must be non-negative",
    ),
    (
        "all-zero sample_weight",
        {"sample_weight": np.zeros(N)},
        ValueError,
        "sample_weight must not be all zero",
    ),
    (
        "string sample_weight",
        {"sample_weight": np.full(N, "a")},
        ValueError,
        "sample_weight must contain real numbers; got dtype <U1",
    ),
    (
        "complex sample_weight",
        {"sample_weight": np.ones(N) + 1j},
        ValueError,
        "sample_weight must contain real numbers; got dtype complex128",
    ),
    (
        "sample_weight leaves one class",
        {"sample_weight": (y0 == 1).astype(float)},
        ValueError,
        r"at least 2 classes; the samples of positive \(sample and class\) weight have 1 "
        r"class: \[1\]",
    ),
    (
        "a single class in y",
        {"y": np.zeros(N, dtype=int)},
        ValueError,
        r"needs samples of at least 2 classes; y has 1 class: \[0\]",
    ),
    ("continuous y", {"y": np.linspace(0, 1, N)}, ValueError, "Unknown label type: continuous"),
    (
        "y with 2 columns of 3 classes",
        {"y": np.c_[y0, 2 * y0]},
        ValueError,
        "must be a multilabel indicator matrix .* got a 'multiclass-multioutput' target",
    ),
    (
        "multilabel y with softmax outputs",
        {"y": np.c_[y0, 1 - y0], "output_activation": "softmax"},
        ValueError,
        "output_activation='softmax' cannot model a multilabel y",
    ),
    (
        "multilabel y with class_weight",
        {"y": np.c_[y0, 1 - y0], "class_weight": "balanced"},
        ValueError,
        "class_weight is not supported for a multilabel y",
    ),
    (
        "class_weight naming an unknown class",
        {"class_weight": {0: 2.0, 7: 1.0}},
        ValueError,
        r"class_weight has the labels \[7\], which are not among the classes \[0, 1\]",
    ),
    (
        "class_weight leaves one class",
        {"class_weight": {0: 0.0}},
        ValueError,
        r"at least 2 classes; the samples of positive \(sample and class\) weight have 1 "
        r"class: \[1\]",
    ),
    ("y has NaN", {"y": np.r_[np.nan, y0[1:]]}, ValueError, "Input y contains NaN"),
    (
        "y mixes ints and strings",
        {"y": np.array([1, *["a", "b"] * (N // 2 - 1), "a"], dtype=object)},
        ValueError,
        "Unknown label type: unknown",
    ),
]


@pytest.mark.parametrize(
    ("change", "exc", "match"),
    [pytest.param(change, exc, match, id=id_) for id_, change, exc, match in FIT_BAD_INPUTS],
)
def test_fit_rejects_bad_input_before_any_work(no_work, change, exc, match):
    params, fit_args = _split_change(change)
    clf = small(**params)
    with pytest.raises(exc, match=match):
        clf.fit(**{"X": X0, "y": y0, "sample_weight": None, **fit_args})
    # nothing half-fitted: not even n_features_in_ from the validation of X
    assert sorted(vars(clf)) == sorted(vars(small()))


def _split_change(change):
    """A case's estimator parameters, and its arguments of fit."""
    names = BackpropClassifier().get_params()
    params = {k: v for k, v in change.items() if k in names}
    return params, {k: v for k, v in change.items() if k not in names}


# -- invalid hyperparameters --------------------------------------------------------

ALLOWED = {
    "reg_lambda": "a float >= 0",
    "learning_rate": "a float > 0 or 'auto'",
    "batch_size": "an int >= 1 or 'auto'",
    "power_t": "a float >= 0",
    "momentum": r"a float in \[0, 1\]",
    "beta_1": r"a float in \[0, 1\)",
    "beta_2": r"a float in \[0, 1\)",
    "epsilon": "a float > 0",
    "validation_fraction": r"a float in \(0, 1\)",
    "n_iter_no_change": "an int >= 1 or np.inf",
    "learning_rate_schedule": r"one of \['constant', 'invscaling', 'adaptive'\]",
    "shuffle": "a bool",
    "nesterovs_momentum": "a bool",
    "early_stopping": "a bool or 'auto'",
    "max_iter": "an int >= 1",
    "tol": "a float >= 0",
    "epsilon_init": "a float > 0 or None",
    "verbose": "an int >= 0",
    "hidden_layer_sizes": r"a tuple of positive ints \(or \(\) for no hidden layer\)",
    "activation": r"one of \['sigmoid', 'tanh', 'relu', 'identity', 'logistic'\]",
    "output_activation": r"one of \['auto', 'sigmoid', 'softmax', 'logistic'\]",
    "max_fun": "an int >= 1",
    "class_weight": r"None, 'balanced' or a dict \{class label: weight >= 0\}",
    "solver": r"one of \['gd', 'sgd', 'adam', 'L-BFGS-B', 'CG', 'BFGS', 'TNC'\]",
    "warm_start": "a bool",
    "random_state": r"an int.*RandomState.*None",
}


def bad(name, value, exc):
    """A case: the message names the parameter, the allowed values and the bad value."""
    match = f"{name} must be {ALLOWED[name]}; got {re.escape(repr(value))}"
    return pytest.param({name: value}, exc, match, id=f"{name}={value!r}")


HYPERPARAMETERS = [
    bad("reg_lambda", -1.0, ValueError),
    bad("reg_lambda", np.nan, ValueError),
    bad("reg_lambda", np.inf, ValueError),
    bad("reg_lambda", "0.1", TypeError),
    bad("reg_lambda", None, TypeError),
    bad("reg_lambda", True, TypeError),
    bad("learning_rate", 0, ValueError),
    bad("learning_rate", -0.5, ValueError),
    bad("learning_rate", np.inf, ValueError),
    bad("learning_rate", "fast", ValueError),
    bad("learning_rate", None, TypeError),
    bad("batch_size", 0, ValueError),
    bad("batch_size", "all", ValueError),
    bad("batch_size", 2.5, TypeError),
    bad("power_t", -0.5, ValueError),
    bad("momentum", 1.5, ValueError),
    bad("momentum", -0.1, ValueError),
    bad("beta_1", 1.0, ValueError),
    bad("beta_2", -0.1, ValueError),
    bad("beta_2", "0.9", TypeError),
    bad("epsilon", 0.0, ValueError),
    bad("validation_fraction", 0.0, ValueError),
    bad("validation_fraction", 1.0, ValueError),
    bad("n_iter_no_change", 0, ValueError),
    bad("n_iter_no_change", 2.0, TypeError),
    bad("learning_rate_schedule", "optimal", ValueError),
    bad("shuffle", "yes", TypeError),
    bad("nesterovs_momentum", 1, TypeError),
    bad("early_stopping", None, TypeError),
    bad("learning_rate", True, TypeError),
    bad("hidden_layer_sizes", (0,), ValueError),
    bad("hidden_layer_sizes", (5, 0), ValueError),
    bad("hidden_layer_sizes", (-1,), ValueError),
    bad("hidden_layer_sizes", 0, ValueError),
    bad("hidden_layer_sizes", (2.5,), TypeError),
    bad("hidden_layer_sizes", "abc", TypeError),
    bad("hidden_layer_sizes", None, TypeError),
    bad("hidden_layer_sizes", (True,), TypeError),
    bad("activation", "softmax", ValueError),
    bad("activation", "Sigmoid", ValueError),
    bad("activation", None, ValueError),
    bad("activation", ["relu"], ValueError),
    bad("output_activation", "relu", ValueError),
    bad("output_activation", "Softmax", ValueError),
    bad("output_activation", None, ValueError),
    bad("solver", "ADAM", ValueError),
    bad("solver", "lbfgs", ValueError),
    bad("solver", None, ValueError),
    bad("solver", ["gd"], ValueError),
    bad("max_iter", 0, ValueError),
    bad("max_iter", -5, ValueError),
    bad("max_iter", True, TypeError),
    bad("max_iter", 10.5, TypeError),
    bad("max_iter", 10.0, TypeError),
    bad("max_iter", "100", TypeError),
    bad("max_fun", 0, ValueError),
    bad("max_fun", 1.5, TypeError),
    bad("class_weight", "auto", ValueError),
    bad("class_weight", [1.0, 2.0], TypeError),
    bad("tol", -1e-3, ValueError),
    bad("tol", np.nan, ValueError),
    bad("tol", "0", TypeError),
    bad("epsilon_init", 0, ValueError),
    bad("epsilon_init", -0.1, ValueError),
    bad("epsilon_init", np.inf, ValueError),
    bad("epsilon_init", "big", TypeError),
    bad("verbose", -1, ValueError),
    bad("verbose", 1.5, TypeError),
    bad("warm_start", "yes", TypeError),
    bad("random_state", "seed", TypeError),
    bad("random_state", -1, ValueError),
    bad("random_state", 2**32, ValueError),
]


@pytest.mark.parametrize(("params", "exc", "match"), HYPERPARAMETERS)
def test_invalid_hyperparameter(no_work, params, exc, match):
    clf = small(**params)
    with pytest.raises(exc, match=match):
        clf.fit(X0, y0)
    assert sorted(vars(clf)) == sorted(vars(small()))


def test_hidden_layer_sizes_may_be_a_list_or_an_int():
    assert [t.shape for t in small(hidden_layer_sizes=[3, 2]).fit(X0, y0).thetas_] == [
        (3, 4),
        (2, 4),
        (2, 3),
    ]
    assert [t.shape for t in small(hidden_layer_sizes=3).fit(X0, y0).thetas_] == [(3, 4), (2, 4)]


# -- bad input to predict --------------------------------------------------------------

PREDICT_BAD_INPUTS = [
    pytest.param(_X_with(np.nan), ValueError, "Input X contains NaN", id="X has NaN"),
    pytest.param(_X_with(np.inf), ValueError, "Input X contains infinity", id="X has inf"),
    pytest.param(
        X0[:, :2],
        ValueError,
        "X has 2 features, but BackpropClassifier is expecting 3 features as input",
        id="2 features instead of 3",
    ),
    pytest.param(
        np.c_[X0, X0[:, 0]],
        ValueError,
        "X has 4 features, but BackpropClassifier is expecting 3 features as input",
        id="4 features instead of 3",
    ),
    pytest.param(X0[0], ValueError, "Expected 2D array, got 1D array", id="1-D X"),
    pytest.param(X0[:, :, None], ValueError, "Found array with dim 3", id="3-D X"),
    pytest.param(X0 + 1j, ValueError, "Complex data not supported", id="complex X"),
    pytest.param(X0[:0], ValueError, r"0 sample\(s\) \(shape=\(0, 3\)\)", id="empty X"),
    pytest.param(
        np.full(X0.shape, "a"), ValueError, "could not convert string to float", id="string X"
    ),
    pytest.param(
        sp.csr_matrix(np.c_[X0, X0[:, 0]]),
        ValueError,
        "X has 4 features, but BackpropClassifier is expecting 3 features as input",
        id="sparse X with 4 features",
    ),
]


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
@pytest.mark.parametrize(("X", "exc", "match"), PREDICT_BAD_INPUTS)
def test_predict_rejects_bad_input_before_any_work(fitted, no_work, method, X, exc, match):
    with pytest.raises(exc, match=match):
        getattr(fitted, method)(X)


def test_predict_rejects_other_feature_names(monkeypatch):
    clf = small().fit(DF0, y0)
    forbid_work(monkeypatch)
    with pytest.raises(ValueError, match=r"feature names should match those .* during fit"):
        clf.predict(DF0.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="must be in the same order as they were in fit"):
        clf.predict_proba(DF0[["c", "b", "a"]])


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "score"])
def test_predict_before_fit(no_work, method):
    args = (X0, y0) if method == "score" else (X0,)
    with pytest.raises(NotFittedError, match=r"not fitted yet\. Call 'fit'"):
        getattr(small(), method)(*args)


# -- a failed fit keeps the previous model -------------------------------------------

DF_OTHER = pd.DataFrame(X0[:, :2], columns=["p", "q"])

# (id, set_params before the failing fit, arguments of fit, exception, message)
FAILED_REFITS = [
    *((id_, *_split_change(change), exc, match) for id_, change, exc, match in FIT_BAD_INPUTS),
    (
        "2 new feature names, one class",
        {},
        {"X": DF_OTHER, "y": np.zeros(N, dtype=int)},
        ValueError,
        "y has 1 class",
    ),
    (
        "2 new feature names, NaN",
        {},
        {"X": DF_OTHER.mask(DF_OTHER == DF_OTHER.iloc[7, 1])},
        ValueError,
        "Input X contains NaN",
    ),
    (
        "warm_start, 2 new feature names",
        {"warm_start": True},
        {"X": DF_OTHER},
        ValueError,
        "warm_start=True: X has 2 features but the previous fit had 3",
    ),
    (
        "warm_start, 3 classes",
        {"warm_start": True},
        {"y": np.arange(N) % 3},
        ValueError,
        r"warm_start=True: y has classes \[0, 1, 2\] but the previous fit had \[0, 1\]",
    ),
    (
        "warm_start, other class labels",
        {"warm_start": True},
        {"y": np.where(y0 == 1, "yes", "no")},
        ValueError,
        r"warm_start=True: y has classes \['no', 'yes'\] but the previous fit had \[0, 1\]",
    ),
    (
        "warm_start, other hidden_layer_sizes",
        {"warm_start": True, "hidden_layer_sizes": (3,)},
        {},
        ValueError,
        r"hidden_layer_sizes=\(3,\) differs from the previous fit's \(4,\)",
    ),
    (
        "warm_start, other activation",
        {"warm_start": True, "activation": "relu"},
        {},
        ValueError,
        r"warm_start=True: activation='relu' differs from the previous fit's 'tanh'",
    ),
    (
        "warm_start, other output_activation",
        {"warm_start": True, "output_activation": "sigmoid"},
        {},
        ValueError,
        r"output_activation='sigmoid' differs from the previous fit's 'softmax'",
    ),
    ("set_params reg_lambda=-1", {"reg_lambda": -1.0}, {}, ValueError, "reg_lambda must be"),
    (
        "set_params solver='lbfgs'",
        {"solver": "lbfgs"},
        {},
        ValueError,
        "solver must be one of",
    ),
    (
        "set_params hidden_layer_sizes=(5, 0)",
        {"hidden_layer_sizes": (5, 0)},
        {},
        ValueError,
        "hidden_layer_sizes must be",
    ),
    ("set_params max_iter=2.5", {"max_iter": 2.5}, {}, TypeError, "max_iter must be an int"),
]


@pytest.mark.parametrize(
    ("params", "change", "exc", "match"),
    [pytest.param(*case[1:], id=case[0]) for case in FAILED_REFITS],
)
def test_failed_fit_keeps_the_previous_model(monkeypatch, params, change, exc, match):
    clf = small().fit(DF0, y0)
    before = model_state(clf)
    assert "feature_names_in_" in before
    proba, labels = clf.predict_proba(DF0), clf.predict(DF0)
    forbid_work(monkeypatch)
    clf.set_params(**params)
    with pytest.raises(exc, match=match):
        clf.fit(**{"X": X0, "y": y0, "sample_weight": None, **change})
    monkeypatch.undo()
    assert_same_state(model_state(clf), before)
    assert_array_equal(clf.predict_proba(DF0), proba, strict=True)
    assert_array_equal(clf.predict(DF0), labels, strict=True)


# -- Ctrl-C during fit -----------------------------------------------------------------


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=100, noise=0.2, random_state=0)


def moons_clf(**params):
    defaults = {"hidden_layer_sizes": (4,), "tol": 0.0, "max_iter": 50, "random_state": 0}
    return BackpropClassifier(**{**defaults, **params})


def interrupt_at(monkeypatch, k):
    """Make the k-th evaluation of the objective raise KeyboardInterrupt.

    Returns the list of the costs J of the evaluations that completed.
    """
    real_make_objective = engine.make_objective
    costs = []

    def make_objective(*args, **kwargs):
        fun = real_make_objective(*args, **kwargs)
        calls = 0

        def interrupted(theta_flat):
            nonlocal calls
            calls += 1
            if calls == k:
                raise KeyboardInterrupt
            J, grad = fun(theta_flat)
            costs.append(J)
            return J, grad

        interrupted.cost = fun.cost
        interrupted.n_threads = fun.n_threads
        interrupted.layer_sizes = fun.layer_sizes
        return interrupted

    monkeypatch.setattr(classifier_module.engine, "make_objective", make_objective)
    return costs


def assert_loss_is_the_cost(clf, X, y):
    """loss_ is J at the fitted weights, in the coordinates the network trained in.

    With ``standardize=True`` the penalty acts on the standardised weights: J is
    that of the unfolded ``thetas_`` on the standardised rows.
    """
    thetas = clf.thetas_
    if clf.feature_mean_ is not None:
        mean, scale = clf.feature_mean_, clf.feature_scale_
        first = thetas[0].astype(np.float64)
        first = np.column_stack([first[:, 0] + first[:, 1:] @ mean, first[:, 1:] * scale])
        thetas, X = [first, *thetas[1:]], (X - mean) / scale
    J = engine.cost(
        thetas,
        X,
        one_hot(y, clf.classes_),
        clf.reg_lambda,
        clf.activation_,
        output_activation=clf.output_activation_,
    )
    assert clf.loss_ == pytest.approx(J, rel=1e-9)


def assert_usable(clf, X, y):
    assert all(np.isfinite(theta).all() for theta in clf.thetas_)
    assert clf.predict(X).shape == (len(X),)
    assert np.isfinite(clf.predict_proba(X)).all()
    assert clf.n_iter_ == len(clf.loss_curve_)
    assert_loss_is_the_cost(clf, X, y)


@pytest.mark.parametrize("k", [3, 4, 12])
def test_interrupted_gd_keeps_the_last_completed_step(monkeypatch, moons, k):
    # gd evaluates J once at the start and once after each step; the step whose
    # evaluation was interrupted is undone, so k - 2 steps completed.
    X, y = moons
    expected = moons_clf(max_iter=k - 2).fit(X, y)
    interrupt_at(monkeypatch, k)
    clf = moons_clf()
    with pytest.warns(UserWarning, match=f"interrupted .* after {k - 2} iterations"):
        clf.fit(X, y)
    assert clf.n_iter_ == k - 2
    assert_same_state(model_state(clf), model_state(expected))
    assert_array_equal(clf.predict(X), expected.predict(X))
    assert_usable(clf, X, y)


@pytest.mark.parametrize("solver", SCIPY_SOLVERS)
def test_interrupted_scipy_solver_keeps_a_completed_iterate(monkeypatch, moons, solver):
    X, y = moons
    interrupt_at(monkeypatch, 12)
    clf = moons_clf(solver=solver)
    with pytest.warns(UserWarning, match="training was interrupted"):
        clf.fit(X, y)
    assert 1 <= clf.n_iter_ < 50
    assert clf.loss_ == clf.loss_curve_[-1]
    # the kept weights are a completed iterate, with the loss recorded for it
    assert_usable(clf, X, y)


SOLVERS_BEFORE_FIRST_ITERATION = ["gd", *SCIPY_SOLVERS]


@pytest.mark.parametrize("solver", SOLVERS_BEFORE_FIRST_ITERATION)
def test_interrupt_after_the_first_evaluation_keeps_the_initial_weights(monkeypatch, moons, solver):
    X, y = moons
    costs = interrupt_at(monkeypatch, 2)
    clf = moons_clf(solver=solver)
    with pytest.warns(UserWarning, match="interrupted .* after 0 iterations"):
        clf.fit(X, y)
    assert clf.n_iter_ == 0
    assert clf.loss_curve_ == []
    assert clf.loss_ == costs[0]  # the cost at the initial weights
    assert_usable(clf, X, y)


@pytest.mark.parametrize("solver", SOLVERS_BEFORE_FIRST_ITERATION)
def test_interrupt_during_the_first_evaluation_propagates(monkeypatch, moons, solver):
    # Nothing was computed yet, so there is nothing to keep: Ctrl-C goes through
    # and the estimator is untouched.
    X, y = moons
    interrupt_at(monkeypatch, 1)
    clf = moons_clf(solver=solver)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)
    assert sorted(vars(clf)) == sorted(vars(moons_clf()))
    assert not [w for w in record if "interrupted" in str(w.message)]


# -- persistence ----------------------------------------------------------------------

IRIS_LABELS = np.array(["setosa", "versicolor", "virginica"])


@pytest.fixture(scope="module", params=["float64", "float32", "DataFrame"])
def iris_model(request):
    X, y = load_iris(return_X_y=True)
    if request.param == "float32":
        X = X.astype(np.float32)
    elif request.param == "DataFrame":
        X = pd.DataFrame(X, columns=["sepal length", "sepal width", "petal length", "petal width"])
    clf = BackpropClassifier((5,), solver="L-BFGS-B", max_iter=30, tol=0.0, random_state=0)
    return clf.fit(X, IRIS_LABELS[y]), X


def assert_same_model(restored, clf, X):
    assert type(restored) is BackpropClassifier
    assert restored.get_params() == clf.get_params()
    assert_same_state(model_state(restored), model_state(clf))
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X), strict=True)
    assert_array_equal(restored.predict(X), clf.predict(X), strict=True)


def test_iris_model_attributes(iris_model):
    clf, X = iris_model
    assert_array_equal(clf.classes_, IRIS_LABELS)
    expected_dtype = np.float32 if np.asarray(X).dtype == np.float32 else np.float64
    assert all(theta.dtype == expected_dtype for theta in clf.thetas_)
    if isinstance(X, pd.DataFrame):
        assert_array_equal(clf.feature_names_in_, X.columns)
    else:
        assert not hasattr(clf, "feature_names_in_")


def test_pickle_round_trip(iris_model):
    clf, X = iris_model
    assert_same_model(pickle.loads(pickle.dumps(clf)), clf, X)


def test_skops_round_trip(iris_model, tmp_path):
    clf, X = iris_model
    path = tmp_path / "model.skops"
    skops.io.dump(clf, path)
    untrusted = skops.io.get_untrusted_types(file=path)
    # numpy arrays, lists and floats are trusted by default: only the estimator is not
    assert untrusted == ["skbackprop._classifier.BackpropClassifier"]
    with pytest.raises(skops.io.exceptions.UntrustedTypesFoundException):
        skops.io.load(path)
    assert_same_model(skops.io.load(path, trusted=untrusted), clf, X)
    data = skops.io.dumps(clf)
    assert skops.io.get_untrusted_types(data=data) == untrusted
    assert_same_model(skops.io.loads(data, trusted=untrusted), clf, X)


# -- divergence -----------------------------------------------------------------------


def test_divergence_warns_about_learning_rate_without_runtime_warnings():
    X, y = load_iris(return_X_y=True)  # unscaled on purpose, trained raw
    clf = BackpropClassifier(
        (5,), learning_rate=30.0, reg_lambda=1e-4, random_state=0, standardize=False
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        clf.fit(X, y)
        proba = clf.predict_proba(X)
        log_proba = clf.predict_log_proba(X)
    assert [w.category for w in record] == [ConvergenceWarning]
    assert re.search(r"diverged .*learning_rate=30 is too large", str(record[0].message))
    assert all(np.isfinite(theta).all() for theta in clf.thetas_)
    assert np.isfinite(proba).all()
    assert np.isfinite(log_proba).all()
    assert np.isfinite(clf.loss_)
    assert_loss_is_the_cost(clf, X, y)


def test_fit_warnings_point_at_the_caller():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        # Raw features trained raw: both fits warn.
        raw = {"random_state": 0, "standardize": False, "reg_lambda": 1e-4}
        BackpropClassifier((5,), learning_rate=30.0, **raw).fit(X, y)
        BackpropClassifier((5,), solver="L-BFGS-B", **raw).fit(*load_wine(return_X_y=True))
    assert [w.category for w in record] == [ConvergenceWarning] * 2
    assert [w.filename for w in record] == [__file__] * 2


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_divergence_at_the_first_step_is_an_error_that_keeps_the_model(solver):
    X, y = load_iris(return_X_y=True)
    clf = BackpropClassifier((5,), solver=solver, random_state=0).fit(X, y)
    before = model_state(clf)
    clf.set_params(learning_rate=1e6, warm_start=False)
    with pytest.raises(ValueError, match=r"learned nothing: training diverged at its first step"):
        clf.fit(X, y)
    assert_same_state(model_state(clf), before)


def test_a_fit_that_learned_nothing_is_not_reported_as_converged():
    # Raw wine (proline ~ 1000) saturates the hidden sigmoids: L-BFGS-B's gradient
    # vanishes at once and it predicts one class (trained raw: standardize=False).
    X, y = load_wine(return_X_y=True)
    clf = BackpropClassifier(
        activation="sigmoid", solver="L-BFGS-B", reg_lambda=1e-4, random_state=0, standardize=False
    )
    with pytest.warns(ConvergenceWarning) as record:
        clf.fit(X, y)
    message = str(record[0].message)
    assert "learned nothing" in message
    assert re.search(r"predicts one class for 100% of the training rows", message)
    assert re.search(r"activations of hidden layer 1 \(sigmoid\) are saturated", message)
    assert "StandardScaler" in message
    # scaled, the same fit learns and says nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(StandardScaler().fit_transform(X), y)
    assert clf.score(StandardScaler().fit_transform(X), y) > 0.95


def test_units_that_saturate_while_fitting_well_learned_something():
    # Without a penalty the weights grow until most sigmoid units saturate, on a
    # network that fits every training row: not "learned nothing", since the
    # units were not saturated where training started. The seed's raw moons,
    # trained raw (standardize=False), so that coefs_ act on the rows trained on.
    X, y = make_moons(n_samples=200, noise=0.3, random_state=0)
    clf = BackpropClassifier(
        (20,), activation="sigmoid", reg_lambda=0.0, solver="L-BFGS-B", standardize=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.set_params(random_state=0).fit(X, y)
    assert clf.score(X, y) >= 0.97
    # most hidden units are saturated (g' below a thousandth of its peak)
    sigmoid = 1 / (1 + np.exp(-(X @ clf.coefs_[0] + clf.intercepts_[0])))
    assert np.mean(sigmoid * (1 - sigmoid) < 2.5e-4) > 0.9
    # continued, it starts from those saturated units: still no "learned nothing"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.set_params(warm_start=True).fit(X, y)


def test_a_divergence_that_kept_a_useless_model_says_so():
    # Raw wine with the constant step 1: gd diverges after a few steps, on a model
    # that predicts one class (trained raw: standardize=False).
    X, y = load_wine(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"diverged .* learned little: it predicts one"):
        BackpropClassifier(
            learning_rate=1.0, reg_lambda=1e-4, random_state=0, standardize=False
        ).fit(X, y)


def test_a_constant_predictor_is_named_in_the_max_iter_warning():
    X, y = load_breast_cancer(return_X_y=True)  # raw: areas up to 4000, trained raw
    clf = BackpropClassifier(activation="sigmoid", max_iter=5, random_state=0, standardize=False)
    with pytest.warns(ConvergenceWarning, match=r"learned little: it predicts one class"):
        clf.fit(X, y)
