"""Fits, predictions and parameter changes in several threads.

A fit builds its model aside and publishes it in one step: a prediction made
meanwhile in another thread comes from the old model or from the new one, and
``set_params`` made during a fit is kept.
"""

import contextlib
import io
import sys
import threading
import warnings

import numpy as np
import pytest

from skbackprop import BackpropClassifier


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y3 = np.digitize(X[:, 0], [-0.4, 0.4])  # labels 0, 1, 2
    y2 = np.where(X[:, 1] > 0, 10, 20)  # labels 10, 20
    return X, y3, y2


def _make():
    return BackpropClassifier((3,), max_iter=2, tol=0.0, random_state=0)


@pytest.fixture
def frequent_thread_switches():
    """Threads switch every few microseconds, so that interleavings are many."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_predict_during_fits_comes_from_the_old_or_the_new_model(frequent_thread_switches):
    X, y3, y2 = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [_make().fit(X, y).predict(X).tolist() for y in (y3, y2)]
        clf = _make().fit(X, y3)
    done = threading.Event()

    def fits():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in range(60):
                clf.fit(X, y2 if i % 2 == 0 else y3)
        done.set()

    seen, errors = [], []
    thread = threading.Thread(target=fits)
    thread.start()
    while not done.is_set():
        try:
            seen.append(clf.predict(X).tolist())
        except Exception as error:  # every failure is counted
            errors.append(repr(error))
    thread.join(60)
    mixed = [p for p in seen if p not in expected]
    assert not errors and not mixed, (len(errors), len(mixed), len(seen), errors[:3])
    assert expected[0] in seen


class _SetParamsAtFirstIteration(io.StringIO):
    """A stdout that changes a parameter of the estimator when a fit prints its first iteration."""

    def __init__(self, estimator, **params):
        super().__init__()
        self.estimator, self.params = estimator, params

    def write(self, text):
        if text.startswith("Iteration 1,"):
            self.estimator.set_params(**self.params)
        return super().write(text)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_set_params_during_a_fit_is_kept(method):
    X, y3, _ = _data()
    clf = BackpropClassifier((3,), solver="adam", max_iter=2, tol=0.0, verbose=2, random_state=0)
    kwargs = {"classes": [0, 1, 2]} if method == "partial_fit" else {}
    with contextlib.redirect_stdout(_SetParamsAtFirstIteration(clf, reg_lambda=0.5, verbose=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(clf, method)(X, y3, **kwargs)
    assert clf.get_params()["reg_lambda"] == 0.5
    assert clf.verbose == 0
    assert hasattr(clf, "thetas_")  # the fit published its model
