"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9) on every solver.

The API is experimental in scikit-learn: these tests pin what the estimator
relies on (the task tree, reconstruction attributes, stopping, teardown), and
skip below 1.9, where the estimator has no ``set_callbacks``.
"""

import re
import signal
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier

SOLVERS = ["gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"]
SUPPORTED = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 9)


@pytest.fixture
def sk_callback():
    return pytest.importorskip("sklearn.callback")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def net(solver, **params):
    """A small network each solver trains in a few iterations (sgd and adam: epochs)."""
    rate = {"sgd": 0.05, "adam": 0.01}.get(solver, "auto")
    params = {"learning_rate": rate, "batch_size": 50, "random_state": 0, **params}
    return BackpropClassifier((5,), solver=solver, **params)


class Recorder:
    """A callback that records every hook call in this process, and may stop a fit.

    ``stop_at``: the iteration (1-based) whose end asks to stop.
    """

    def __init__(self, stop_at=None, fail_at=None):
        self.stop_at = stop_at
        self.fail_at = fail_at
        self.calls = []

    def setup(self, estimator, context):
        self.calls.append(("setup", context, None))

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.calls.append(("begin", context, fitted_estimator))

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, fitted_estimator=None):
        self.calls.append(("end", context, fitted_estimator))
        iteration = context.task_id + 1 if context.parent is not None else None
        if iteration is not None and iteration == self.fail_at:
            raise RuntimeError("the callback failed")
        return iteration is not None and iteration == self.stop_at

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context, None))

    def iteration_ends(self):
        return [call for call in self.calls if call[0] == "end" and call[1].parent is not None]


def test_callback_support_follows_the_scikit_learn_version():
    # Below 1.9 sklearn.callback does not exist: the estimator is as it was.
    assert hasattr(BackpropClassifier(), "set_callbacks") == SUPPORTED


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_subtask_per_iteration_with_the_model_of_that_iteration(solver, iris, sk_callback):
    X, y = iris
    recorder = Recorder()
    clf = net(solver, max_iter=6, tol=0.0).set_callbacks(recorder).fit(X, y)
    assert clf.n_iter_ == 6
    kinds = [(call[0], call[1].task_name) for call in recorder.calls]
    subtask = "epoch" if solver in ("sgd", "adam") else "iteration"
    assert kinds == [
        ("setup", "fit"),
        ("begin", "fit"),
        *[(kind, subtask) for _ in range(6) for kind in ("begin", "end")],
        ("end", "fit"),
        ("teardown", "fit"),
    ]
    ends = recorder.iteration_ends()
    assert [call[1].task_id for call in ends] == list(range(6))
    # The last iteration's fitted_estimator is the final model; the third's
    # predicts as a fit of 3 iterations does.
    assert_array_equal(ends[-1][2].predict_proba(X), clf.predict_proba(X))
    three = net(solver, max_iter=3, tol=0.0).fit(X, y)
    assert_array_equal(ends[2][2].predict_proba(X), three.predict_proba(X))
    assert ends[2][2].score(X, y) == three.score(X, y)
    # the beginning of an iteration sees the model of the one before
    begins = [call for call in recorder.calls if call[0] == "begin" and call[1].parent]
    assert_array_equal(begins[3][2].predict(X), three.predict(X))
    # the callbacks' bookkeeping does not stay on the estimator
    assert not hasattr(clf, "_callback_fit_ctx")


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_callback_that_asks_to_stop_ends_the_fit_at_that_iteration(solver, iris, sk_callback):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no "interrupted"
        clf = net(solver, max_iter=100).set_callbacks(Recorder(stop_at=3)).fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 3
    three = net(solver, max_iter=3, tol=0.0).fit(X, y)
    for theta, expected in zip(clf.thetas_, three.thetas_, strict=True):
        assert_array_equal(theta, expected)
    assert clf.score(X, y) > 0.7


@pytest.mark.parametrize("solver", ["gd", "adam", "L-BFGS-B"])
def test_a_failing_callback_leaves_the_estimator_as_it_was(solver, iris, sk_callback):
    X, y = iris
    recorder = Recorder(fail_at=2)
    clf = net(solver, max_iter=5, tol=0.0)
    with pytest.raises(RuntimeError, match="the callback failed"):
        clf.set_callbacks(recorder).fit(X, y)
    assert not hasattr(clf, "thetas_")
    fitted = net(solver, max_iter=5, tol=0.0).fit(X, y)
    before = {name: value for name, value in vars(fitted).items()}
    thetas = [theta.copy() for theta in fitted.thetas_]
    with pytest.raises(RuntimeError, match="the callback failed"):
        fitted.set_callbacks(recorder).set_params(max_iter=7).fit(X, y)
    assert sorted(vars(fitted)) == sorted([*before, "_skl_callbacks"])
    assert fitted.max_iter == 7 and fitted.n_iter_ == 5
    for theta, expected in zip(fitted.thetas_, thetas, strict=True):
        assert_array_equal(theta, expected)
    # the callbacks were torn down after each failed fit
    assert [call[0] for call in recorder.calls].count("teardown") == 2


class RaisesKeyboardInterrupt(Recorder):
    """A callback whose own code raises KeyboardInterrupt (not Ctrl-C) at iteration ``at``."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, fitted_estimator=None):
        if context.parent is not None and context.task_id + 1 == self.at:
            raise KeyboardInterrupt("raised by the callback")


@pytest.mark.parametrize("solver", ["gd", "adam", "L-BFGS-B"])
def test_a_callback_raising_keyboard_interrupt_leaves_the_estimator_as_it_was(
    solver, iris, sk_callback
):
    # An exception of the callback, like any other: not taken for Ctrl-C.
    X, y = iris
    fitted = net(solver, max_iter=15, tol=0.0).fit(X, y)
    thetas = [theta.copy() for theta in fitted.thetas_]
    with pytest.raises(KeyboardInterrupt, match="raised by the callback"):
        fitted.set_callbacks(RaisesKeyboardInterrupt(at=2)).fit(X, y)
    assert fitted.n_iter_ == len(fitted.loss_curve_) == 15
    for theta, expected in zip(fitted.thetas_, thetas, strict=True):
        assert_array_equal(theta, expected)


@pytest.fixture
def python_sigint_handler():
    """Python's own Ctrl-C handler, as in a terminal (see test_interrupts.py)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


class CtrlC(Recorder):
    """Ctrl-C pressed while a callback runs, at the end of iteration ``at``."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.parent is not None and context.task_id + 1 == self.at:
            signal.raise_signal(signal.SIGINT)


@pytest.mark.parametrize("solver", ["gd", "sgd", "L-BFGS-B"])
def test_ctrl_c_during_a_callback_stops_at_the_next_boundary(
    solver, iris, sk_callback, python_sigint_handler
):
    X, y = iris
    with pytest.warns(UserWarning, match="interrupted"):
        clf = net(solver, max_iter=50, tol=0.0).set_callbacks(CtrlC(at=2)).fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 2
    assert clf.predict(X).shape == y.shape


def test_scoring_monitor_logs_one_row_per_iteration(iris, sk_callback):
    X, y = iris
    monitor = sk_callback.ScoringMonitor(scoring="accuracy")
    clf = net("L-BFGS-B", max_iter=200).set_callbacks(monitor).fit(X, y)
    rows = monitor.get_logs().data
    iterations = [row for row in rows if row["task_name"] == "iteration"]
    assert len(iterations) == clf.n_iter_ > 5
    assert [row["task_id"] for row in iterations] == list(range(clf.n_iter_))
    assert iterations[-1]["accuracy"] == clf.score(X, y)
    assert iterations[0]["accuracy"] < iterations[-1]["accuracy"]
    assert [row["task_name"] for row in rows if len(row["task_id_path"]) == 1] == ["fit"]


def test_partial_fit_is_one_task_of_one_epoch(iris, sk_callback):
    X, y = iris
    recorder = Recorder()
    clf = net("adam").set_callbacks(recorder)
    for chunk in np.array_split(np.arange(150), 3):
        clf.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    roots = [call[1].task_name for call in recorder.calls if call[0] == "setup"]
    assert roots == ["partial_fit"] * 3
    ends = recorder.iteration_ends()
    assert [call[1].task_name for call in ends] == ["epoch"] * 3
    assert_array_equal(ends[-1][2].predict_proba(X), clf.predict_proba(X))


def test_early_stopping_and_callbacks_together(iris, sk_callback):
    X, y = iris
    recorder = Recorder()
    clf = net("adam", max_iter=300, early_stopping=True, n_iter_no_change=3, tol=1e-2)
    clf.set_callbacks(recorder).fit(X, y)
    assert len(recorder.iteration_ends()) == clf.n_iter_ == len(clf.validation_scores_) < 300


@pytest.fixture
def wide_terminal(monkeypatch):
    """rich, which ProgressBar needs, drawing lines wide enough to read whole."""
    pytest.importorskip("rich")
    monkeypatch.setenv("COLUMNS", "150")


@pytest.mark.parametrize("solver", SOLVERS)
def test_progress_bar_for_every_solver(solver, iris, sk_callback, capsys, wide_terminal):
    X, y = iris
    net(solver, max_iter=20, tol=0.0).set_callbacks(sk_callback.ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "BackpropClassifier - fit" in out
    assert "100%" in out


def test_progress_bar_and_scoring_monitor_in_a_parallel_grid_search(
    iris, sk_callback, capsys, wide_terminal
):
    X, y = iris
    # The ScoringMonitor goes with each clone to the worker processes and logs
    # every iteration back; the ProgressBar is propagated from GridSearchCV.
    monitor = sk_callback.ScoringMonitor(scoring="accuracy")
    search = GridSearchCV(
        net("L-BFGS-B", max_iter=100).set_callbacks(monitor),
        {"hidden_layer_sizes": [(3,), (5,)]},
        cv=2,
        n_jobs=2,
    )
    search.set_callbacks(sk_callback.ProgressBar(max_propagation_depth=None)).fit(X, y)
    out = capsys.readouterr().out
    assert len(re.findall(r"BackpropClassifier - fit", out)) == 5  # 2 x 2 folds, refit
    assert "100%" in out
    assert not re.search(r"\b[0-9]{1,2}%", out)
    rows = monitor.get_logs().data
    fits = {}
    for row in rows:
        if row["task_name"] == "iteration":
            fits.setdefault(row["parent_task_id_path"], []).append(row["task_id"])
    assert len(fits) == 5
    assert all(ids == list(range(len(ids))) and ids for ids in fits.values())
    refit = [ids for path, ids in fits.items() if len(path) == 2]  # fit > refit
    assert [len(ids) for ids in refit] == [search.best_estimator_.n_iter_]
