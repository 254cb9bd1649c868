"""The monitor's iteration tasks: what carries scikit-learn's callbacks, for every solver.

A ``CallbackBridge`` hears each iteration begin (from the weights it starts
from) and end (at its weights), and may stop the fit. These tests need no
``sklearn.callback``: they run on every supported scikit-learn.
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from skbackprop import engine
from skbackprop._monitor import CallbackBridge, Monitor
from skbackprop._solvers import SCIPY_METHODS, SGD, Adam, GradientDescent, ScipyMinimize

SOLVERS = ["gd", "sgd", "adam", *SCIPY_METHODS]
SIZES = [4, 5, 3]


@pytest.fixture(scope="module")
def problem():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    objective = engine.make_objective(
        X, np.eye(3)[y], SIZES, reg_lambda=1e-4, activation="tanh", output_activation="softmax"
    )
    return objective, engine.pack(engine.init_thetas(SIZES, 0))


def make_solver(name, max_iter, **kwargs):
    stochastic = {"batch_size": 50, "random_state": 0, "max_iter": max_iter, "tol": 0.0}
    if name == "gd":
        return GradientDescent(1.0, max_iter, 0.0)
    if name == "sgd":
        return SGD(0.05, **stochastic, **kwargs)
    if name == "adam":
        return Adam(0.01, **stochastic)
    return ScipyMinimize(name, max_iter, 0.0)


class Recorder:
    """The callables of a CallbackBridge; they record every call and may ask to stop."""

    def __init__(self, stop_at=None):
        self.events = []
        self.stop_at = stop_at

    def begin(self, x):
        n = sum(event[0] == "begin" for event in self.events) + 1
        self.events.append(("begin", n, x.copy()))
        return n

    def end(self, task, x):
        self.events.append(("end", task, None if x is None else x.copy()))
        return task == self.stop_at

    def bridge(self, x0):
        return CallbackBridge(self.begin, self.end, x0)


@pytest.mark.parametrize("name", SOLVERS)
def test_each_iteration_begins_from_the_last_weights_and_ends_at_its_own(name, problem):
    objective, x0 = problem
    recorder = Recorder()
    result = make_solver(name, 6).minimize(objective, x0, Monitor(0, 6, [recorder.bridge(x0)]))
    assert result.status == "max_iter"
    assert result.n_iter == 6
    kinds = [event[:2] for event in recorder.events]
    assert kinds == [(kind, n) for n in range(1, 7) for kind in ("begin", "end")]
    begun_from = [event[2] for event in recorder.events if event[0] == "begin"]
    ended_at = [event[2] for event in recorder.events if event[0] == "end"]
    assert_array_equal(begun_from[0], x0)
    for before, after in zip(ended_at[:-1], begun_from[1:], strict=True):
        assert_array_equal(before, after)
    assert_array_equal(ended_at[-1], result.x)
    if name not in ("sgd", "adam"):  # their curve holds each epoch's mean mini-batch cost
        # each end's weights are those of that iteration's loss
        assert [objective(x)[0] for x in ended_at] == pytest.approx(result.loss_curve, rel=1e-12)


@pytest.mark.parametrize("name", SOLVERS)
def test_a_bridge_that_asks_to_stop_ends_the_fit_at_that_iteration(name, problem):
    objective, x0 = problem
    recorder = Recorder(stop_at=3)
    result = make_solver(name, 50).minimize(objective, x0, Monitor(0, 50, [recorder.bridge(x0)]))
    assert result.status == "early_stopped"
    assert result.message == "a callback asked to stop after iteration 3"
    assert result.n_iter == 3
    assert_array_equal(result.x, recorder.events[-1][2])
    assert [event[:2] for event in recorder.events][-2:] == [("begin", 3), ("end", 3)]


def test_a_callback_stop_is_final_where_a_patient_hook_is_declined(problem):
    # SGD's adaptive schedule answers a stop by dividing its learning rate by 5
    # (validation early stopping, which has patience to reset); a callback's
    # stop it must obey.
    class Impatient:
        def __call__(self, n, x, loss):
            return True

        def reset_patience(self):
            pass

    objective, x0 = problem
    recorder = Recorder(stop_at=3)
    solver = make_solver("sgd", 50, schedule="adaptive")
    monitor = Monitor(0, 50, [Impatient(), recorder.bridge(x0)])
    result = solver.minimize(objective, x0, monitor)
    assert (result.status, result.n_iter) == ("early_stopped", 3)
    assert result.message == "a callback asked to stop after iteration 3"
    # declined twice (epochs 1 and 2), not at 3
    assert solver.get_state()["learning_rate"] == pytest.approx(0.05 / 25)


def test_an_iteration_that_does_not_complete_ends_empty():
    # Gradient descent's first step diverges: iteration 1 began, and ends with
    # no weights when the solver stops.
    def quadratic(x):
        return 0.5 * float(x @ x), x.copy()

    x0 = np.ones(3)
    recorder = Recorder()
    result = GradientDescent(10.0, 5, 0.0).minimize(
        quadratic, x0, Monitor(0, 5, [recorder.bridge(x0)])
    )
    assert (result.status, result.n_iter) == ("diverged", 0)
    assert [event[:2] for event in recorder.events] == [("begin", 1), ("end", 1)]
    assert recorder.events[-1][2] is None


def test_begin_iteration_is_idempotent_until_the_iteration_completes():
    recorder = Recorder()
    monitor = Monitor(0, 5, [recorder.bridge(np.zeros(1))])
    monitor.begin_iteration()
    monitor.begin_iteration()
    monitor.iteration(np.ones(1), 1.0)
    monitor.iteration(np.full(1, 2.0), 0.5)  # a solver that does not call begin_iteration
    assert [event[:2] for event in recorder.events] == [
        ("begin", 1),
        ("end", 1),
        ("begin", 2),
        ("end", 2),
    ]
