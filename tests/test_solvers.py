import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from skbackprop import engine
from skbackprop._monitor import Monitor
from skbackprop._solvers import SCIPY_METHODS, GradientDescent, ScipyMinimize

SOLVERS = ["gd", *SCIPY_METHODS]
WITH_BB = [*SOLVERS, "gd-bb"]  # gd-bb: GradientDescent(step_rule="bb")

CENTER = np.array([1.0, -2.0, 3.0])


def quadratic(x):
    """J = 1/2 ||x - c||^2 with a fresh gradient each call."""
    r = x - CENTER
    return 0.5 * float(r @ r), r.copy()


def make_solver(name, max_iter=500, tol=1e-8, learning_rate=0.5):
    if name == "gd":
        return GradientDescent(learning_rate, max_iter, tol)
    if name == "gd-bb":
        return GradientDescent(learning_rate, max_iter, tol, step_rule="bb")
    return ScipyMinimize(name, max_iter, tol)


def _solve(name, fun=quadratic, x0=None, verbose=0, hooks=(), **kw):
    solver = make_solver(name, **kw)
    monitor = Monitor(verbose, solver.max_iter, hooks)
    x0 = np.zeros(3) if x0 is None else x0
    return solver.minimize(fun, x0, monitor)


@pytest.mark.parametrize("name", WITH_BB)
def test_solvers_minimise_a_quadratic(name):
    result = _solve(name)
    assert result.status == "converged"
    np.testing.assert_allclose(result.x, CENTER, atol=1e-7)
    assert result.n_iter == len(result.loss_curve) >= 1
    assert result.loss == pytest.approx(0.0, abs=1e-12)
    # the curve holds the cost after each iteration
    assert result.loss_curve[-1] == pytest.approx(result.loss, abs=1e-15)


@pytest.mark.parametrize("name", WITH_BB)
def test_solvers_stop_at_max_iter(name):
    def rosenbrock(x):
        a, b = x[0], x[1]
        J = (1 - a) ** 2 + 100 * (b - a * a) ** 2
        grad = np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
        return float(J), grad

    result = _solve(name, rosenbrock, x0=np.array([-1.2, 1.0]), max_iter=3, learning_rate=1e-3)
    assert result.status == "max_iter"
    assert result.n_iter == 3
    assert rosenbrock(result.x)[0] == pytest.approx(result.loss)


@pytest.mark.parametrize("name", WITH_BB)
def test_converged_means_the_gradient_met_tol(name):
    # A large offset in J stops scipy's own tests on the change in J early
    # (L-BFGS-B and TNC called that success with max|gradient| = 0.77 and 2e-3);
    # only max|gradient| <= tol may be reported as converged.
    weights = np.array([1.0, 1e-2, 1e2])

    def offset_quadratic(x):
        r = x - CENTER
        return 1e9 + 0.5 * float(weights @ (r * r)), weights * r

    result = _solve(name, offset_quadratic, tol=1e-8, learning_rate=0.01)
    grad_max = np.abs(offset_quadratic(result.x)[1]).max()
    assert (result.status == "converged") == (grad_max <= 1e-8)
    assert result.status in ("converged", "stopped", "max_iter")


@pytest.mark.parametrize("name", WITH_BB)
def test_a_cost_not_finite_at_the_start_is_reported(name):
    def overflowing(x):
        return np.inf, np.zeros_like(x)

    x0 = np.array([1.0, 2.0, 3.0])
    result = _solve(name, overflowing, x0=x0)
    assert result.status == "not_finite"
    assert result.n_iter == 0
    assert np.array_equal(result.x, x0)


def test_tnc_takes_a_huge_max_iter():
    # TNC counts evaluations in a C int: 100 * max_iter must not overflow it.
    result = _solve("TNC", max_iter=10**8)
    assert result.status == "converged"


def test_tnc_stops_at_max_iter_once_tol_is_met():
    # TNC's own gradient test, on rescaled variables, may go on after
    # max|gradient| <= tol: here to iteration 15, past max_iter=11, where tol
    # is first met.
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    sizes = [4, 5, 3]
    fun = engine.make_objective(
        X, np.eye(3)[y], sizes, reg_lambda=1e-4, activation="tanh", output_activation="softmax"
    )
    x0 = engine.pack(engine.init_thetas(sizes, 0))
    result = ScipyMinimize("TNC", 11, 1e-2).minimize(fun, x0, Monitor(0, 11))
    assert (result.status, result.n_iter) == ("converged", 11)
    assert np.abs(fun(result.x)[1]).max() <= 1e-2
    assert ScipyMinimize("TNC", 100, 1e-2).minimize(fun, x0, Monitor(0, 100)).n_iter > 11


def test_gradient_descent_follows_the_update_rule():
    result = _solve("gd", max_iter=2, tol=0.0, learning_rate=0.25)
    # x1 = x0 - 0.25 (x0 - c) = 0.25 c; x2 = x1 - 0.25 (x1 - c) = 0.4375 c
    np.testing.assert_allclose(result.x, 0.4375 * CENTER, rtol=1e-15)
    assert result.loss_curve == pytest.approx([0.5 * 0.75**2 * 14, 0.5 * 0.5625**2 * 14])


def test_gradient_descent_detects_divergence_and_keeps_the_last_good_weights():
    # learning rate 3: x - c is multiplied by -2 each step, J by 4.
    result = _solve("gd", learning_rate=3.0, tol=0.0)
    assert result.status == "diverged"
    # x0 = 0 so x1 - c = 2c: J0 = 7, J1 = 28 is kept, J2 = 112 > 10 * 7 is refused.
    assert result.n_iter == 1
    np.testing.assert_allclose(result.x, 3 * CENTER, rtol=1e-15)
    assert result.loss == pytest.approx(28.0)


@pytest.mark.parametrize("name", list(SOLVERS))
def test_keyboard_interrupt_keeps_the_last_completed_iteration(name):
    calls = []

    def interrupted(x):
        calls.append(1)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return quadratic(x * 1e-3)[0], quadratic(x * 1e-3)[1] * 1e-3

    result = _solve(name, interrupted, tol=0.0)
    assert result.status == "interrupted"
    assert np.isfinite(result.x).all()
    if result.n_iter:
        assert result.loss == pytest.approx(interrupted_value(result.x))


def interrupted_value(x):
    return quadratic(x * 1e-3)[0]


@pytest.mark.parametrize("name", WITH_BB)
def test_verbose_prints_progress(name, capsys):
    _solve(name, verbose=2)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out
    assert "Stopped after" in out


@pytest.mark.parametrize(("k", "n_iter", "factor"), [(1, 0, 0.0), (3, 2, 0.4375)])
def test_gradient_descent_interrupted_between_evaluations(monkeypatch, k, n_iter, factor):
    # Ctrl-C outside fun (here: while step k is computed) keeps the last iterate.
    calls = []
    real_multiply = np.multiply

    def multiply(*args, **kwargs):
        calls.append(1)
        if len(calls) == k:
            raise KeyboardInterrupt
        return real_multiply(*args, **kwargs)

    monkeypatch.setattr("skbackprop._solvers._full_batch.np.multiply", multiply)
    result = _solve("gd", tol=0.0, learning_rate=0.25)
    assert result.status == "interrupted"
    assert result.n_iter == n_iter
    np.testing.assert_allclose(result.x, factor * CENTER, rtol=1e-15)


def test_gradient_descent_rejects_infinite_weights_behind_a_finite_cost():
    # A huge step sends a hidden sigmoid unit's input weight to inf; the unit
    # saturates to exactly 0 or 1, so J stays finite, yet the step must be undone.
    X = np.array([[1e10], [-1e10]])
    thetas = [np.array([[0.0, 0.0]]), np.array([[-0.5, 1.0], [0.5, -1.0]])]
    fun = engine.make_objective(X, np.eye(2), [1, 1, 2])
    x0 = engine.pack(thetas)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = GradientDescent(1e300, 3, 0.0).minimize(fun, x0, Monitor(0, 3))
    assert result.status == "diverged"
    assert np.isfinite(result.x).all()
    assert np.array_equal(result.x, x0)


# -- gradient descent's "bb" step rule ------------------------------------------------

SCALES = np.array([1.0, 10.0, 0.1])


def scaled_quadratic(x):
    """J = 1/2 sum(a (x - c)^2): a quadratic whose curvature differs per coordinate."""
    r = x - CENTER
    return 0.5 * float(SCALES @ (r * r)), SCALES * r


def _iterates(fun, max_iter, learning_rate, x0=None):
    seen = []
    result = _solve(
        "gd-bb",
        fun,
        x0=x0,
        max_iter=max_iter,
        tol=0.0,
        learning_rate=learning_rate,
        hooks=[lambda n, x, loss: seen.append((x.copy(), loss)) and False],
    )
    return result, seen


def test_bb_steps_follow_their_formula():
    # Step 1 is learning_rate (accepted: it lowers J enough); step 2 is s's / s'y,
    # which on a quadratic is s's / s'As, rounded to the nearest power of two.
    x0 = np.zeros(3)
    result, seen = _iterates(scaled_quadratic, 2, 0.05, x0)
    g0 = scaled_quadratic(x0)[1]
    x1 = x0 - 0.05 * g0
    np.testing.assert_allclose(seen[0][0], x1, rtol=1e-15)
    s = x1 - x0
    alpha = 2.0 ** np.round(np.log2((s @ s) / (s @ (SCALES * s))))
    np.testing.assert_allclose(seen[1][0], x1 - alpha * scaled_quadratic(x1)[1], rtol=1e-14)
    assert result.loss_curve == pytest.approx([loss for _, loss in seen], rel=1e-15)


def test_bb_halves_a_step_until_the_cost_falls_enough():
    # From x0 = 0 the step 8 overshoots (J rises); halved to 1 it lands on c.
    x0 = np.zeros(3)
    result, seen = _iterates(quadratic, 1, 8.0, x0)
    np.testing.assert_allclose(seen[0][0], CENTER, rtol=1e-15)
    assert result.loss == 0.0


def test_bb_cost_never_exceeds_the_largest_of_its_last_ten():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    sizes = [4, 5, 3]
    fun = engine.make_objective(
        X, np.eye(3)[y], sizes, reg_lambda=1e-4, activation="tanh", output_activation="softmax"
    )
    x0 = engine.pack(engine.init_thetas(sizes, 0))
    result = GradientDescent(1.0, 300, 0.0, step_rule="bb").minimize(fun, x0, Monitor(0, 300))
    costs = [fun(x0)[0], *result.loss_curve]
    assert all(costs[k] <= max(costs[max(0, k - 10) : k]) for k in range(1, len(costs)))
    assert costs[-1] < 0.1 * costs[0]
    # and it needs far fewer steps than the constant step to the same cost
    constant = GradientDescent(1.0, 300, 0.0).minimize(fun, x0, Monitor(0, 300))
    assert result.loss < constant.loss


def test_bb_converges_on_a_convex_problem():
    # Logistic regression (no hidden layer) on standardised iris: convex.
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    fun = engine.make_objective(
        X, np.eye(3)[y], [4, 3], reg_lambda=1.0, output_activation="softmax"
    )
    x0 = np.zeros(15)
    result = GradientDescent(1.0, 2000, 1e-10, step_rule="bb").minimize(fun, x0, Monitor(0, 2000))
    assert result.status == "converged"
    assert np.abs(fun(result.x)[1]).max() <= 1e-10


def test_bb_stops_when_no_step_lowers_the_cost():
    # A cost that cannot fall along its (wrong) gradient: "stopped", at x0.
    def flat(x):
        return 1.0, np.ones_like(x)

    x0 = np.array([1.0, 2.0, 3.0])
    result = _solve("gd-bb", flat, x0=x0, tol=0.0)
    assert result.status == "stopped"
    assert "no step along the gradient lowered the cost" in result.message
    assert np.array_equal(result.x, x0)
    assert result.n_iter == 0


@pytest.mark.parametrize(("learning_rate", "k", "n_iter"), [(2.0, 2, 0), (2.0, 3, 0), (0.05, 3, 1)])
def test_bb_interrupted_in_its_line_search_keeps_the_last_accepted_point(learning_rate, k, n_iter):
    # Evaluation 1 is at x0. With learning_rate 2, x0 - 2 g lands at J = J(x0),
    # refused at evaluation 2; halved, accepted at 3. With 0.05, evaluation 2 is
    # accepted and 3 tries the first Barzilai-Borwein step. Ctrl-C comes at k.
    calls = []

    def interrupted(x):
        calls.append(x.copy())
        if len(calls) == k:
            raise KeyboardInterrupt
        return scaled_quadratic(x) if learning_rate < 1 else quadratic(x)

    result = _solve("gd-bb", interrupted, learning_rate=learning_rate, tol=0.0)
    assert result.status == "interrupted"
    assert result.n_iter == n_iter
    expected = calls[1] if n_iter else np.zeros(3)
    np.testing.assert_array_equal(result.x, expected)
    fun = scaled_quadratic if learning_rate < 1 else quadratic
    assert result.loss == fun(expected)[0]
