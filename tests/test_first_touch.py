"""The defaults a new user meets: accuracy at par with MLPClassifier's on scaled data.

Thresholds are MLPClassifier()'s default 5-fold accuracy minus 0.005, measured with
scikit-learn 1.9 (benchmarks/first_touch.py prints both sides): the defaults must
reach them without a ConvergenceWarning.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier

# data set -> (loader, MLPClassifier()'s scaled 5-fold accuracy minus 0.005)
SCALED = {
    "iris": (load_iris, 0.947 - 0.005),
    "wine": (load_wine, 0.978 - 0.005),
    "breast_cancer": (load_breast_cancer, 0.975 - 0.005),
    "digits": (load_digits, 0.977 - 0.005),
}


def default_cv_accuracy(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return cross_val_score(
            make_pipeline(StandardScaler(), BackpropClassifier(random_state=0)),
            X,
            y,
            cv=StratifiedKFold(5, shuffle=True, random_state=0),
        ).mean()


@pytest.mark.parametrize("name", list(SCALED))
def test_defaults_reach_mlp_accuracy_on_scaled_data(name):
    load, threshold = SCALED[name]
    X, y = load(return_X_y=True)
    assert default_cv_accuracy(X, y) >= threshold


def test_defaults_fit_the_seeds_moons():
    # MLPClassifier() reaches 0.896 here; the defaults escape the sigmoid plateau.
    X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
    X, y = X[:500], y[:500]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        scores = cross_val_score(
            BackpropClassifier(random_state=0),
            X,
            y,
            cv=StratifiedKFold(5, shuffle=True, random_state=0),
        )
    assert scores.mean() >= 0.99


@pytest.mark.parametrize("load", [load_wine, load_breast_cancer, load_iris])
def test_defaults_on_raw_data_never_end_silently_on_a_useless_model(load):
    # Raw features (wine's proline ~ 1000) defeat one step size for all weights:
    # the fit must say so, and the advice is to scale.
    X, y = load(return_X_y=True)
    clf = BackpropClassifier(random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        try:
            clf.fit(X, y)
        except ValueError as error:  # diverged at the first step
            assert "StandardScaler" in str(error)
            return
    if clf.score(X, y) < 0.9:
        messages = [str(w.message) for w in record if w.category is ConvergenceWarning]
        assert messages
        assert all("StandardScaler" in message for message in messages)
    assert np.isfinite(clf.loss_)
