"""Warnings that name the remedy of the cause they detect, and MLPClassifier's names."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier


def _messages(clf, X, y):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf.fit(X, y)
    return [str(w.message) for w in record if w.category is ConvergenceWarning]


def _imbalanced():
    # A minority of 10% whose shift is too weak to win any row: the unweighted
    # optimum predicts the majority for every row.
    rng = np.random.default_rng(0)
    y = (rng.random(1000) < 0.1).astype(int)
    return rng.normal(size=(1000, 2)) + 0.5 * y[:, None], y


def test_a_rising_cost_says_decrease_learning_rate_with_the_costs():
    X, y = load_iris(return_X_y=True)  # raw, and not standardised by the fit
    clf = BackpropClassifier(
        standardize=False, reg_lambda=1e-4, learning_rate=1.0, max_iter=300, random_state=0
    )
    [message] = _messages(clf, X, y)
    # the start is determined; the end of a divergence depends on the rounding
    start, end = map(float, re.search(r"the cost rose from ([\d.]+) to ([\d.]+)", message).groups())
    assert start == 3.247 and end > 2 * start
    assert "decrease learning_rate" in message
    assert "increase max_iter" not in message


def test_imbalance_names_class_weight_balanced_and_not_scaling():
    X, y = _imbalanced()
    [message] = _messages(BackpropClassifier(random_state=0), X, y)
    assert "predicts one class" in message
    assert 'class_weight="balanced"' in message
    assert "scale" not in message.lower()
    assert "learning_rate" not in message
    # the remedy works: both classes predicted, and no advice about imbalance
    # (whether L-BFGS-B meets tol within max_iter depends on the SciPy version)
    clf = BackpropClassifier(class_weight="balanced", solver="L-BFGS-B", random_state=0)
    assert not any("class_weight" in m or "one class" in m for m in _messages(clf, X, y))
    assert len(np.unique(clf.predict(X))) == 2


def test_a_dominating_penalty_names_reg_lambda_not_learning_rate():
    X, y = load_iris(return_X_y=True)
    clf = BackpropClassifier(solver="L-BFGS-B", reg_lambda=1000.0, random_state=0)
    [message] = _messages(clf, X, y)
    assert "penalty term reaches" in message
    assert "lower reg_lambda (now 1000)" in message.lower()
    assert "learning_rate" not in message
    assert "class_weight" not in message


def test_scaling_is_not_suggested_for_standardised_features():
    X, y = load_iris(return_X_y=True)
    clf = BackpropClassifier(standardize=False, learning_rate=30.0, random_state=0)
    with pytest.raises(ValueError, match="Decrease learning_rate") as error:
        clf.fit(StandardScaler().fit_transform(X), y)
    assert "scale" not in str(error.value).lower()
    # raw features do get the advice, unless the fit standardises them
    with pytest.raises(ValueError, match="or scale the features"):
        clf.fit(X * 10, y)
    with pytest.raises(ValueError, match="Decrease learning_rate") as error:
        clf.set_params(standardize=True).fit(X * 10, y)
    assert "scale" not in str(error.value).lower()


def test_scipy_solvers_are_not_told_about_learning_rate():
    X, y = load_iris(return_X_y=True)
    clf = BackpropClassifier(solver="CG", max_iter=3, random_state=0)
    [message] = _messages(clf, X, y)
    assert "learning_rate" not in message


@pytest.mark.parametrize(
    ("params", "ours"),
    [({"alpha": 1e-3}, "reg_lambda"), ({"learning_rate_init": 0.01}, "learning_rate")],
)
def test_mlp_classifier_parameter_names_name_ours(params, ours):
    with pytest.raises(TypeError, match=f"did you mean {ours}\\?"):
        BackpropClassifier(**params)
    with pytest.raises(ValueError, match=f"did you mean {ours}\\?"):
        BackpropClassifier().set_params(**params)


def test_mlp_classifier_values_name_ours():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="did you mean solver='L-BFGS-B'"):
        BackpropClassifier(solver="lbfgs").fit(X, y)
    for schedule in ("constant", "invscaling", "adaptive"):
        with pytest.raises(ValueError, match=f"learning_rate_schedule='{schedule}'"):
            BackpropClassifier(learning_rate=schedule).fit(X, y)


def test_max_iter_advice_names_learning_rate_only_for_a_chosen_step():
    # gd's default Barzilai-Borwein steps adapt: more steps, not a larger one.
    X, y = load_iris(return_X_y=True)
    [auto] = _messages(BackpropClassifier(max_iter=3, random_state=0), X, y)
    assert "increase max_iter, or try solver='L-BFGS-B'" in auto
    assert "learning_rate" not in auto
    [chosen] = _messages(BackpropClassifier(learning_rate=0.1, max_iter=3, random_state=0), X, y)
    assert "increase max_iter or learning_rate" in chosen


def test_a_regression_that_predicts_one_value_names_standardize_for_far_targets():
    # Targets a million from 0 with a spread of thousands, trained raw: gradient
    # descent ends on a constant predictor. The advice names the cause it found.
    from sklearn.datasets import make_friedman1

    from skbackprop import BackpropRegressor

    X, y = make_friedman1(300, random_state=1)
    y = 1000 * y + 1e6
    raw = BackpropRegressor(standardize=False, max_iter=300, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"one value .* standard deviations from 0") as w:
        raw.fit(X, y)
    assert "standardize=True" in str(w[0].message)
    assert np.ptp(raw.predict(X)) < 0.01 * np.std(y)
    # The remedy: the same fit with standardised targets learns, and says nothing of it.
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fitted = BackpropRegressor(max_iter=300, random_state=0).fit(X, y)
    assert not any("one value" in str(r.message) for r in record)
    assert fitted.score(X, y) > 0.5
