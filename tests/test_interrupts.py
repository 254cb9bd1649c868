"""Ctrl-C at any instant of a fit leaves a consistent estimator.

A SIGINT is raised at every line the package executes during a small fit, for
every solver. Either the fit raises KeyboardInterrupt and the estimator is as it
was, or it returns a model whose attributes belong together; in both cases the
process's BLAS limit is what it was before.
"""

import signal
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

import skbackprop
from skbackprop import BackpropClassifier, engine

PACKAGE = str(Path(skbackprop.__file__).parent)
SOLVERS = ["gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"]


def _data():
    X, y = load_iris(return_X_y=True)
    rows = np.arange(0, 150, 5)  # 30 rows, 10 per class
    return StandardScaler().fit_transform(X[rows]), y[rows]


@pytest.fixture(autouse=True)
def python_sigint_handler():
    """Python's own Ctrl-C handler, as in a terminal.

    A process started in the background (nohup, some CI runners) inherits
    SIGINT ignored, and Python then leaves it ignored.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _make(solver):
    return BackpropClassifier(
        (3,), solver=solver, max_iter=3, tol=0.0, batch_size=10, random_state=0
    )


class SigintAtLine:
    """A tracer that raises SIGINT at the k-th line the package executes."""

    def __init__(self, k):
        self.k = k
        self.lines = 0

    def __call__(self, frame, event, arg):
        if not frame.f_code.co_filename.startswith(PACKAGE):
            return None
        return self.local

    def local(self, frame, event, arg):
        if event == "line":
            self.lines += 1
            if self.lines == self.k:
                signal.raise_signal(signal.SIGINT)
        return self.local


def _fit_traced(clf, X, y, k):
    tracer = SigintAtLine(k)
    # An interrupt inside NumPy's own errstate.__enter__ (outside the solver,
    # where Ctrl-C is still an exception) can skip its __exit__; the outer
    # errstate restores the floating-point settings for the tests that follow.
    with np.errstate(**np.geterr()):
        sys.settrace(tracer)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.fit(X, y)
        finally:
            sys.settrace(None)
    return tracer.lines


def _blas_threads():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def assert_consistent(clf, X, y):
    assert clf.n_iter_ == len(clf.loss_curve_)
    assert all(np.isfinite(theta).all() for theta in clf.thetas_)
    assert clf.predict(X).shape == y.shape
    Y = (y[:, None] == clf.classes_).astype(float)
    J = engine.cost(
        clf.thetas_,
        X,
        Y,
        clf.reg_lambda,
        clf.activation_,
        output_activation=clf.output_activation_,
    )
    if clf.solver in ("sgd", "adam"):
        # the mean mini-batch cost of the last epoch, or of the first epoch's
        # completed batches when it was interrupted
        assert clf.loss_ == (clf.loss_curve_[-1] if clf.n_iter_ else clf.loss_)
        assert np.isfinite(clf.loss_)
    else:
        if clf.n_iter_:
            assert clf.loss_ == clf.loss_curve_[-1]
        assert clf.loss_ == pytest.approx(J, rel=1e-9)


@pytest.mark.skipif(sys.gettrace() is not None, reason="needs the trace hook (coverage runs)")
@pytest.mark.parametrize("solver", SOLVERS)
def test_sigint_at_every_line_of_a_fit(solver):
    X, y = _data()
    blas_before = _blas_threads()
    n_lines = _fit_traced(_make(solver), X, y, k=0)
    assert n_lines > 100
    outcomes = {"raised": 0, "interrupted": 0, "completed": 0}
    for k in range(1, n_lines + 1):
        clf = _make(solver)
        try:
            _fit_traced(clf, X, y, k)
        except KeyboardInterrupt:
            outcomes["raised"] += 1
            if hasattr(clf, "thetas_"):  # raised after the new model was published
                assert_consistent(clf, X, y)
            else:  # untouched
                assert sorted(vars(clf)) == sorted(vars(_make(solver))), k
        else:
            assert_consistent(clf, X, y)
            outcomes["interrupted" if clf.n_iter_ < 3 else "completed"] += 1
        assert _blas_threads() == blas_before, k
    # Ctrl-C during training is a clean stop, not an exception
    assert outcomes["interrupted"] > 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
