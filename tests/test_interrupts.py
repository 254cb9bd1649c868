"""Ctrl-C at any instant of a fit leaves a consistent estimator.

A SIGINT is raised at every line the package executes during a small fit, for
every solver (by default at a sample of the lines, see below). Either the fit
raises KeyboardInterrupt and the estimator is as it was, or it returns a model
whose attributes belong together; in both cases the process's BLAS limit is
what it was before.

A second SIGINT after the first always makes the fit raise KeyboardInterrupt,
wherever it lands (the interrupt and BLAS bookkeeping included), and leaves the
BLAS limit, its lock and count, and Python's SIGINT handler as they were. By
default it is tried at a sample of the lines after two first interrupts (every
2nd line of the bookkeeping, every 25th elsewhere). The exhaustive campaign,
first interrupts at every line of the block where Ctrl-C is deferred and second
ones at every line after, is a separate stage; so is a lone SIGINT at every
line of the fit (by default: every 5th line of the bookkeeping, every
30th elsewhere):

    SKBACKPROP_INTERRUPT_CAMPAIGN=1 python -m pytest -p no:cacheprovider \
        tests/test_interrupts.py -k "every_line or second_sigint"

``SKBACKPROP_INTERRUPT_CAMPAIGN=N`` takes the first interrupts of the
two-interrupt test at every N-th line (the lone ones stay at every line).
"""

import os
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
from skbackprop import BackpropClassifier, _blocks, _classifier, engine

PACKAGE = str(Path(skbackprop.__file__).parent)
SOLVERS = ["gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"]
# Every N-th line of the deferred block takes a first interrupt (0: a sample).
CAMPAIGN = int(os.environ.get("SKBACKPROP_INTERRUPT_CAMPAIGN", "0") or 0)
BOOKKEEPING = ("skbackprop._monitor", "skbackprop._blocks")


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
    """A tracer that raises SIGINT at the k-th line the package executes, and at each of ``more``.

    With ``record``, :attr:`record` lists ``(function, module)`` of each line.
    Tracing stops where a SIGINT raises KeyboardInterrupt.
    """

    def __init__(self, k, *more, record=False):
        self.at = {k, *more}
        self.lines = 0
        self.record = [] if record else None

    def __call__(self, frame, event, arg):
        if not frame.f_code.co_filename.startswith(PACKAGE):
            return None
        return self.local

    def local(self, frame, event, arg):
        if event == "line":
            self.lines += 1
            if self.record is not None:
                self.record.append((frame.f_code.co_qualname, frame.f_globals["__name__"]))
            if self.lines in self.at:
                signal.raise_signal(signal.SIGINT)
        return self.local


class SigintAtCall:
    """A tracer that raises SIGINT when the package calls ``name`` for the n-th time.

    With ``then=True``, a second SIGINT at the next line the package executes.
    """

    def __init__(self, name, n, then=False):
        self.name, self.n, self.then = name, n, then
        self.calls = 0
        self.armed = False

    def __call__(self, frame, event, arg):
        if not frame.f_code.co_filename.startswith(PACKAGE):
            return None
        if event == "call" and frame.f_code.co_name == self.name:
            self.calls += 1
            if self.calls == self.n:
                self.armed = self.then
                signal.raise_signal(signal.SIGINT)
        return self.local

    def local(self, frame, event, arg):
        if event == "line" and self.armed:
            self.armed = False
            signal.raise_signal(signal.SIGINT)
        return self.local


def traced(tracer, method, *args, **kwargs):
    """``method(*args, **kwargs)`` under ``tracer``, warnings ignored."""
    # An interrupt inside NumPy's own errstate.__enter__ (outside the solver,
    # where Ctrl-C is still an exception) can skip its __exit__; the outer
    # errstate restores the floating-point settings for the tests that follow.
    with np.errstate(**np.geterr()):
        sys.settrace(tracer)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return method(*args, **kwargs)
        finally:
            sys.settrace(None)


def _fit_traced(clf, X, y, k):
    tracer = SigintAtLine(k)
    traced(tracer, clf.fit, X, y)
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


def _single_interrupts(record):
    """Lines where a lone Ctrl-C lands: every line in the campaign, else a sample.

    The sample takes every 5th line of the bookkeeping (the monitor, the BLAS
    limit) and every 30th elsewhere: each region of the fit is hit, at a
    fifteenth of the campaign's time (about 75 s for the seven solvers).
    """
    lines = range(1, len(record) + 1)
    if CAMPAIGN:
        return list(lines)
    return [k for k in lines if k % (5 if record[k - 1][1] in BOOKKEEPING else 30) == 0]


@pytest.mark.skipif(sys.gettrace() is not None, reason="needs the trace hook (coverage runs)")
@pytest.mark.parametrize("solver", SOLVERS)
def test_sigint_at_every_line_of_a_fit(solver):
    X, y = _data()
    blas_before = _blas_threads()
    record = SigintAtLine(0, record=True)
    traced(record, _make(solver).fit, X, y)
    n_lines = record.lines
    assert n_lines > 100
    outcomes = {"raised": 0, "interrupted": 0, "completed": 0}
    for k in _single_interrupts(record.record):
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
        assert not _classifier._PUBLISH_LOCK.locked(), k
    # Ctrl-C during training is a clean stop, not an exception
    assert outcomes["interrupted"] > 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def _assert_left_as_it_was(blas_before, where=None):
    assert _blas_threads() == blas_before
    assert _blocks._blas.users == 0 and not _blocks._blas.lowered
    assert not _blocks._blas_lock.locked()
    assert not _classifier._PUBLISH_LOCK.locked()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, where


def _first_interrupts(record):
    """Lines where a first Ctrl-C lands: from the BLAS limit's entry to the deferred block's end."""
    start = next(i for i, (name, _) in enumerate(record) if name == "one_blas_thread.__enter__")
    end = max(i for i, (name, _) in enumerate(record) if name == "_DeferredInterrupts.__exit__")
    if CAMPAIGN:
        return list(range(start + 1, end + 2, CAMPAIGN))
    # entering the BLAS limit, and the monitor's record of the first iteration
    first_iteration = next(i for i, (name, _) in enumerate(record) if name == "Monitor.iteration")
    return [start + 1, first_iteration + 1]


def _second_interrupts(record, k1):
    """Lines after ``k1`` where a second Ctrl-C lands (``record``: the fit interrupted at k1)."""
    later = range(k1 + 1, len(record) + 1)
    if CAMPAIGN:
        return list(later)
    return [k for k in later if (k - k1) % (2 if record[k - 1][1] in BOOKKEEPING else 25) == 0]


@pytest.mark.skipif(sys.gettrace() is not None, reason="needs the trace hook (coverage runs)")
@pytest.mark.parametrize("solver", SOLVERS)
def test_a_second_sigint_at_any_line_after_the_first_raises_and_leaves_the_process_as_it_was(
    solver,
):
    X, y = _data()
    blas_before = _blas_threads()
    record = SigintAtLine(0, record=True)
    traced(record, _make(solver).fit, X, y)
    tried = 0
    for k1 in _first_interrupts(record.record):
        after_first = SigintAtLine(k1, record=True)
        try:
            traced(after_first, _make(solver).fit, X, y)
        except KeyboardInterrupt:
            pass
        for k2 in _second_interrupts(after_first.record, k1):
            clf = _make(solver)
            tracer = SigintAtLine(k1, k2)
            where = (k1, k2, after_first.record[k2 - 1])
            try:
                traced(tracer, clf.fit, X, y)
            except KeyboardInterrupt:
                if hasattr(clf, "thetas_"):  # raised after the new model was published
                    assert_consistent(clf, X, y)
                else:  # untouched
                    assert sorted(vars(clf)) == sorted(vars(_make(solver))), where
            else:
                raise AssertionError(f"a second Ctrl-C did not stop the fit: {where}")
            _assert_left_as_it_was(blas_before, where)
            tried += 1
    assert tried > 20


def test_ctrl_c_during_a_loop_of_partial_fit_stops_the_loop_and_keeps_the_completed_batches():
    X, y = _data()
    clf = _make("adam").partial_fit(X, y, classes=[0, 1, 2])  # 3 mini-batches
    calls = 0

    def loop():
        nonlocal calls
        for _ in range(5):
            calls += 1
            clf.partial_fit(X, y)

    with pytest.raises(KeyboardInterrupt):
        traced(SigintAtCall("batch", 2), loop)  # during the next call's second mini-batch
    assert calls == 1
    # the first epoch and the second's first two mini-batches, which belong together
    assert clf._solver_state["t"] == 5
    assert clf.n_iter_ == len(clf.loss_curve_) == 1
    assert all(np.isfinite(theta).all() for theta in clf.thetas_)
    assert clf.predict(X).shape == y.shape
    _assert_left_as_it_was(_blas_threads())


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_second_ctrl_c_raises_and_keeps_the_model_as_it_was(method):
    X, y = _data()
    clf = _make("adam").partial_fit(X, y, classes=[0, 1, 2])
    thetas = [theta.copy() for theta in clf.thetas_]
    blas_before = _blas_threads()
    with pytest.raises(KeyboardInterrupt):
        traced(SigintAtCall("batch", 2, then=True), getattr(clf, method), X, y)
    assert clf._solver_state["t"] == 3 and clf.n_iter_ == 1
    for theta, before in zip(clf.thetas_, thetas, strict=True):
        np.testing.assert_array_equal(theta, before)
    _assert_left_as_it_was(blas_before)
