"""Mini-batch training: sgd and adam steps by hand, schedules, partial_fit,
warm starts with optimiser state, early stopping for every solver, threads."""

import math
import warnings

import numpy as np
import pytest
from joblib import Parallel, delayed
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import skbackprop._classifier as classifier_module
from skbackprop import BackpropClassifier, engine
from skbackprop._loss import NetworkLoss, Objective, scales
from skbackprop._monitor import Monitor
from skbackprop._solvers import SGD, Adam

ALL_SOLVERS = ["gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"]
CENTER = np.array([1.0, -2.0])


class Quadratic:
    """J = 1/2 ||x - c||^2 on one sample: each epoch is one step."""

    n_samples = 1

    def __init__(self, flat=False):
        self.flat = flat

    def __call__(self, x):
        return self.batch(x, slice(None))

    def batch(self, x, rows):
        if self.flat:
            return 1.0, np.zeros_like(x)
        r = x - CENTER
        return 0.5 * float(r @ r), r.copy()


def run(solver, objective=None, x0=None, max_iter=2):
    solver.max_iter = max_iter
    x0 = np.zeros(2) if x0 is None else x0
    return solver.minimize(objective or Quadratic(), x0, Monitor(0, max_iter))


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# -- the updates, by hand ---------------------------------------------------------


def test_plain_sgd_step():
    result = run(SGD(0.1, momentum=0.0, tol=0.0), max_iter=2)
    # x1 = x0 - 0.1 (x0 - c) = 0.1 c; x2 = x1 - 0.1 (x1 - c) = 0.19 c
    assert_allclose(result.x, 0.19 * CENTER, rtol=1e-15)


def test_sgd_with_momentum():
    result = run(SGD(0.1, momentum=0.9, nesterovs_momentum=False, tol=0.0), max_iter=2)
    # g0 = -c: v1 = 0.1 c, x1 = 0.1 c; g1 = -0.9 c: v2 = 0.09 c + 0.09 c, x2 = 0.28 c
    assert_allclose(result.x, 0.28 * CENTER, rtol=1e-14)


def test_sgd_with_nesterovs_momentum():
    result = run(SGD(0.1, momentum=0.9, nesterovs_momentum=True, tol=0.0), max_iter=1)
    # v1 = 0.1 c; x1 = x0 + 0.9 v1 + 0.1 c = 0.19 c
    assert_allclose(result.x, 0.19 * CENTER, rtol=1e-14)
    result = run(SGD(0.1, momentum=0.9, nesterovs_momentum=True, tol=0.0), max_iter=2)
    # g1 = -0.81 c: v2 = 0.09 c + 0.081 c = 0.171 c; x2 = 0.19 c + 0.9 v2 + 0.081 c
    assert_allclose(result.x, (0.19 + 0.9 * 0.171 + 0.081) * CENTER, rtol=1e-14)


def test_adam_steps():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    result = run(Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps, tol=0.0), max_iter=2)
    x, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    for t in (1, 2):
        g = x - CENTER
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        x = x - lr_t * m / (np.sqrt(v) + eps)
    assert_allclose(result.x, x, rtol=1e-14)
    # the first step of Adam moves each weight by about lr, whatever the gradient
    assert_allclose(run(Adam(lr, tol=0.0), max_iter=1).x, 0.1 * np.sign(CENTER), rtol=1e-6)


def test_invscaling_schedule():
    solver = SGD(0.5, momentum=0.0, schedule="invscaling", power_t=0.5, tol=0.0)
    result = run(solver, max_iter=3)
    # lr after epoch k = 0.5 / (k + 1) ** 0.5: steps of 0.5, 0.5/sqrt(2), 0.5/sqrt(3)
    x = np.zeros(2)
    for lr in (0.5, 0.5 / math.sqrt(2), 0.5 / math.sqrt(3)):
        x = x - lr * (x - CENTER)
    assert_allclose(result.x, x, rtol=1e-14)
    assert solver.get_state()["learning_rate"] == pytest.approx(0.5 / 2)


@pytest.mark.parametrize(
    ("schedule", "epochs", "final_lr"),
    # A flat loss never improves: the rule fires after more than 1 epoch without
    # improvement (epoch 3); "adaptive" divides the rate by 5 five times (epochs
    # 3, 5, 7, 9, 11) before it falls below 1e-6 and the rule ends the fit.
    [("constant", 3, 1e-3), ("adaptive", 13, 1e-3 / 5**5)],
)
def test_stopping_rule_and_adaptive_schedule(schedule, epochs, final_lr):
    solver = SGD(1e-3, schedule=schedule, tol=1e-4, n_iter_no_change=1)
    result = run(solver, Quadratic(flat=True), max_iter=100)
    assert result.status == "converged"
    assert "did not improve" in result.message
    assert result.n_iter == epochs
    assert solver.get_state()["learning_rate"] == pytest.approx(final_lr)


def test_a_non_finite_first_batch_is_reported():
    class Overflowing(Quadratic):
        def batch(self, x, rows):
            return np.inf, np.zeros_like(x)

    result = run(Adam(), Overflowing())
    assert result.status == "not_finite"
    assert_array_equal(result.x, np.zeros(2))


def test_an_infinite_step_is_undone():
    x0 = np.full(2, 1e150)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run(SGD(1e300, momentum=0.0, tol=0.0), Quadratic(), x0=x0)
    assert result.status == "diverged"
    assert_array_equal(result.x, x0)


# -- the mini-batch estimate --------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_mini_batch_gradients_average_to_the_full_gradient(weighted):
    # Batches that partition the rows: their gradients, weighted by their share
    # of rows, add up to the gradient of J on all rows (the penalty included).
    rng = np.random.default_rng(0)
    sizes = [3, 4, 2]
    X = rng.normal(size=(30, 3))
    Y = np.eye(2)[rng.integers(0, 2, 30)]
    w = rng.uniform(0, 2, 30) if weighted else None
    loss = NetworkLoss(sizes)
    objective = Objective(loss, X, np.asfortranarray(Y), *scales(w, 30, 0.3, np.float64))
    x = engine.pack(engine.init_thetas(sizes, random_state=0))
    J, grad = objective(x)
    grad = grad.copy()
    total_J, total_grad = 0.0, np.zeros_like(grad)
    for rows in (slice(0, 10), np.arange(10, 25), slice(25, 30)):
        J_b, grad_b = objective.batch(x, rows)
        share = len(np.arange(30)[rows]) / 30
        total_J += share * J_b
        total_grad += share * grad_b
    assert total_J == pytest.approx(J, rel=1e-12)
    assert_allclose(total_grad, grad, rtol=1e-12, atol=1e-15)


# -- partial_fit and warm starts ------------------------------------------------------


def _same_weights(a, b, rtol=1e-12):
    for theta_a, theta_b in zip(a.thetas_, b.thetas_, strict=True):
        assert_allclose(theta_a, theta_b, rtol=rtol, atol=1e-13)


def net(**params):
    defaults = {"hidden_layer_sizes": (6,), "batch_size": 32, "random_state": 0, "tol": 0.0}
    return BackpropClassifier(**{**defaults, **params})


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
def test_k_partial_fits_equal_fit_with_max_iter_k(iris, solver, shuffle, schedule):
    X, y = iris
    params = {"solver": solver, "shuffle": shuffle, "learning_rate_schedule": schedule}
    fitted = net(max_iter=4, **params).fit(X, y)
    online = net(**params)
    for _ in range(4):
        online.partial_fit(X, y, classes=[0, 1, 2])
    _same_weights(online, fitted)
    assert online.loss_curve_ == pytest.approx(fitted.loss_curve_, rel=1e-12)
    assert online.n_iter_ == fitted.n_iter_ == 4
    assert online.t_ == fitted.t_ == 4 * len(X)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_warm_start_continues_the_optimiser_state(iris, solver, shuffle):
    X, y = iris
    once = net(solver=solver, shuffle=shuffle, max_iter=5).fit(X, y)
    twice = net(solver=solver, shuffle=shuffle, max_iter=3, warm_start=True).fit(X, y)
    twice.set_params(max_iter=2).fit(X, y)
    _same_weights(twice, once)
    assert twice.loss_curve_ == pytest.approx(once.loss_curve_, rel=1e-12)
    assert twice.t_ == once.t_
    # without warm_start the state starts anew: a different model
    fresh = net(solver=solver, shuffle=shuffle, max_iter=2).fit(X, y)
    assert not np.allclose(fresh.thetas_[0], once.thetas_[0])


def test_partial_fit_continues_a_fit(iris):
    X, y = iris
    clf = net(solver="adam", max_iter=2).fit(X, y)
    n_iter, curve = clf.n_iter_, list(clf.loss_curve_)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == n_iter + 1
    assert clf.loss_curve_[:-1] == curve


def test_partial_fit_fixes_the_output_units_at_the_first_call(iris):
    # The first chunk holds only classes 0 and 1: class 2's unit still exists.
    X, y = iris
    clf = net(solver="sgd")
    clf.partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    assert clf.thetas_[-1].shape == (3, 7)
    clf.partial_fit(X[100:], y[100:])
    assert_array_equal(clf.classes_, [0, 1, 2])


def test_partial_fit_only_for_mini_batch_solvers():
    assert hasattr(BackpropClassifier(solver="adam"), "partial_fit")
    assert not hasattr(BackpropClassifier(solver="gd"), "partial_fit")
    with pytest.raises(AttributeError) as error:
        BackpropClassifier(solver="L-BFGS-B").partial_fit  # noqa: B018
    # scikit-learn >= 1.7 wraps the reason in its own message
    reason = str(error.value) + str(error.value.__cause__)
    assert "only available for solver='sgd' or 'adam'" in reason


@pytest.mark.parametrize(
    ("first", "second", "match"),
    [
        ({}, None, "classes must be passed to the first call"),
        ({"classes": [0]}, None, "classes must hold at least 2 labels"),
        ({"classes": [0, 1]}, None, "y has the label 2, which is not among the classes"),
        ({"classes": [0, 1, 2]}, {"y": [5] * 150}, "label 5, which is not among"),
        ({"classes": [0, 1, 2]}, {"classes": [0, 1, 2, 3]}, "differs from the classes"),
        ({"classes": [0, 1, 2]}, {"X": "3 features"}, "X has 3 features, but"),
    ],
)
def test_partial_fit_errors_keep_the_model(iris, first, second, match):
    X, y = iris
    clf = net(solver="adam")
    if second is None:
        with pytest.raises(ValueError, match=match):
            clf.partial_fit(X, y, **first)
        assert not hasattr(clf, "thetas_")
        return
    clf.partial_fit(X, y, **first)
    before = [theta.copy() for theta in clf.thetas_]
    state = {k: v for k, v in vars(clf).items() if k != "_solver_state"}
    args = {"X": X, "y": y, **second}
    if isinstance(args["X"], str):
        args["X"] = X[:, :3]
    with pytest.raises(ValueError, match=match):
        clf.partial_fit(args.pop("X"), args.pop("y"), **args)
    for theta, theta_before in zip(clf.thetas_, before, strict=True):
        assert_array_equal(theta, theta_before)
    assert vars(clf).keys() == {*state, "_solver_state"}


def test_float32_end_to_end(iris):
    X, y = iris
    for solver in ("sgd", "adam"):
        clf = net(solver=solver, max_iter=3).fit(X.astype(np.float32), y)
        assert all(theta.dtype == np.float32 for theta in clf.thetas_)
        assert all(a.dtype == np.float32 for a in clf._solver_state["arrays"])
        assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32


def test_mini_batch_solvers_learn(iris):
    X, y = iris
    for solver in ("sgd", "adam"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = net(solver=solver, learning_rate=0.05, max_iter=200, tol=1e-4).fit(X, y)
        assert clf.score(X, y) > 0.95
        assert clf.best_loss_ == min(clf.loss_curve_)


def test_convergence_warning_at_max_iter_names_the_rule(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="max_iter=2 epochs ran before the training loss"):
        net(solver="adam", max_iter=2, tol=1e-4).fit(X, y)


# -- Ctrl-C --------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_interrupt_keeps_the_last_completed_mini_batch(monkeypatch, solver):
    X, y = make_moons(n_samples=100, noise=0.2, random_state=0)
    params = {"solver": solver, "batch_size": 25, "shuffle": False, "reg_lambda": 0.0}
    # The reference: one epoch, then an epoch of the first two batches' rows.
    expected = net(**params).partial_fit(X, y, classes=[0, 1])
    expected.partial_fit(X[:50], y[:50])

    make_objective = engine.make_objective
    calls = []

    def interrupting(*args, **kwargs):
        objective = make_objective(*args, **kwargs)
        batch = objective.batch

        def interrupted_batch(x, rows):
            calls.append(1)
            if len(calls) == 7:  # after 4 + 2 completed batches
                raise KeyboardInterrupt
            return batch(x, rows)

        objective.batch = interrupted_batch
        return objective

    monkeypatch.setattr(classifier_module.engine, "make_objective", interrupting)
    clf = net(max_iter=5, **params)
    with pytest.warns(UserWarning, match=r"interrupted .* after 1 epochs; the last completed"):
        clf.fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 1
    _same_weights(clf, expected, rtol=1e-13)
    assert clf.predict(X).shape == (100,)


# -- early stopping ---------------------------------------------------------------------


def _validation_loss(clf, X, y):
    Y = (y[:, None] == clf.classes_).astype(float)
    return engine.cost(
        clf.thetas_, X, Y, 0.0, clf.activation_, output_activation=clf.output_activation_
    )


@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_early_stopping_keeps_the_weights_of_the_lowest_validation_loss(solver):
    X, y = make_moons(n_samples=300, noise=0.3, random_state=0)
    X_val, y_val = make_moons(n_samples=100, noise=0.3, random_state=1)
    lr = {"gd": 2.0, "sgd": 0.5, "adam": 0.05}.get(solver, "auto")
    clf = BackpropClassifier(
        (30, 30),
        solver=solver,
        learning_rate=lr,
        reg_lambda=0.0,
        max_iter=400,
        n_iter_no_change=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, X_val=X_val, y_val=y_val)
    curve = clf.validation_loss_curve_
    assert len(curve) == len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    best = int(np.argmin(curve))
    assert _validation_loss(clf, X_val, y_val) == pytest.approx(curve[best], rel=1e-9)
    assert clf.loss_ == clf.loss_curve_[best]
    assert clf.best_validation_score_ == clf.validation_scores_[best]
    assert clf.best_validation_score_ == pytest.approx(clf.score(X_val, y_val))


def test_early_stopping_stops_when_the_validation_loss_rises():
    # Overfitting 40 noisy points: the validation loss turns up and the fit ends.
    X, y = make_moons(n_samples=40, noise=0.4, random_state=0)
    X_val, y_val = make_moons(n_samples=200, noise=0.4, random_state=1)
    clf = BackpropClassifier((50,), solver="L-BFGS-B", reg_lambda=0.0, max_iter=2000)
    clf.set_params(n_iter_no_change=10, random_state=0).fit(X, y, X_val=X_val, y_val=y_val)
    best = int(np.argmin(clf.validation_loss_curve_))
    assert clf.n_iter_ == best + 1 + 11  # more than n_iter_no_change without improvement
    assert clf.n_iter_ < 2000


def test_weighted_validation_set(iris):
    X, y = iris
    w_val = np.where(y == 0, 0.0, 1.0)
    clf = net(solver="L-BFGS-B", max_iter=30, tol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, X_val=X, y_val=y, sample_weight_val=w_val)
    # the score is the accuracy on the rows of positive weight
    rows = y != 0
    assert clf.best_validation_score_ == pytest.approx(clf.score(X[rows], y[rows]))


def test_held_out_split_is_stratified_and_keeps_the_weights():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 2))
    y = np.repeat([0, 1, 2, 3], [100, 50, 40, 10])
    w = rng.uniform(0.5, 2, size=200)
    clf = BackpropClassifier(validation_fraction=0.2)
    X_tr, _y_tr, _w_tr, (X_val, y_val, w_val) = clf._split(X, y, w, rng)
    assert np.bincount(y_val).tolist() == [20, 10, 8, 2]
    assert len(X_tr) + len(X_val) == 200
    # each row keeps its weight, wherever it went
    rows_val = [int(np.flatnonzero((X == row).all(axis=1))[0]) for row in X_val]
    assert_array_equal(w_val, w[rows_val])
    assert sorted(rows_val) == rows_val


def test_early_stopping_fraction_too_small_for_the_classes():
    X, y = make_moons(n_samples=20, random_state=0)
    clf = BackpropClassifier(early_stopping=True, validation_fraction=0.05)
    with pytest.raises(ValueError, match=r"cannot hold out validation_fraction=0\.05"):
        clf.fit(X, y)


def test_early_stopping_attributes_are_none_without_it(iris):
    X, y = iris
    fitted = net(solver="adam", max_iter=2).fit(X, y)
    online = net(solver="adam").partial_fit(X, y, classes=[0, 1, 2])
    for clf in (fitted, online):
        assert clf.validation_loss_curve_ is None
        assert clf.validation_scores_ is None
        assert clf.best_validation_score_ is None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X_val": "X"}, "X_val and y_val must be passed together"),
        ({"sample_weight_val": "w"}, "sample_weight_val was passed without X_val"),
        ({"X_val": "X", "y_val": [9] * 150}, "y_val has the label 9"),
        ({"X_val": "X3", "y_val": "y"}, "X has 3 features"),
    ],
)
def test_validation_set_errors(iris, kwargs, match):
    X, y = iris
    values = {"X": X, "X3": X[:, :3], "y": y, "w": np.ones(150)}
    kwargs = {k: values.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    with pytest.raises(ValueError, match=match):
        net().fit(X, y, **kwargs)


# -- threads ------------------------------------------------------------------------------


def _threads_of_a_large_objective():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 50))
    Y = np.eye(2)[rng.integers(0, 2, 20_000)]
    return engine.make_objective(X, Y, [50, 10, 2]).n_threads


def test_engine_threads_follow_blas_limits_of_the_process():
    with threadpool_limits(limits=1, user_api="blas"):
        assert _threads_of_a_large_objective() == 1


def test_engine_threads_follow_joblib_worker_limits():
    # joblib gives each of its 2 workers 1 thread of the machine's cores.
    results = Parallel(n_jobs=2, backend="loky")(
        delayed(_threads_of_a_large_objective)() for _ in range(2)
    )
    assert results == [1, 1]


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(0)
    sizes = [5, 7, 3]
    X = rng.normal(size=(203, 5))
    Y = np.asfortranarray(np.eye(3)[rng.integers(0, 3, 203)])
    x = engine.pack(engine.init_thetas(sizes, random_state=0))
    results = []
    for n_threads in (1, 2, 3):
        loss = NetworkLoss(sizes, n_threads=n_threads, parts=4, block_rows=16)
        J, grad = Objective(loss, X, Y, *scales(None, 203, 0.1, np.float64))(x)
        results.append((J, grad.copy()))
    for J, grad in results[1:]:
        assert J == results[0][0]
        assert_array_equal(grad, results[0][1])


def test_concurrent_fits_give_the_same_models_as_sequential_ones(iris):
    import threading

    X, y = iris
    expected = [net(solver=s, max_iter=5).fit(X, y) for s in ("adam", "L-BFGS-B")]
    fitted = [net(solver=s, max_iter=5) for s in ("adam", "L-BFGS-B")]
    threads = [threading.Thread(target=clf.fit, args=(X, y)) for clf in fitted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for clf, reference in zip(fitted, expected, strict=True):
        _same_weights(clf, reference, rtol=0)


def _large_problem():
    # 20,000 rows x ~530 weights: split in 2 parts, run on 2 threads where allowed.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 50))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def test_the_fitted_weights_do_not_depend_on_the_thread_count():
    X, y = _large_problem()
    clf = BackpropClassifier((10,), max_iter=3, tol=0.0, random_state=0)
    two = clf.fit(X, y).thetas_
    with threadpool_limits(limits=1, user_api="blas"):  # the engine follows: 1 thread
        one = clf.fit(X, y).thetas_
    for a, b in zip(one, two, strict=True):
        assert_array_equal(a, b)


def test_no_worker_thread_outlives_an_interrupted_fit(monkeypatch):
    import threading

    X, y = _large_problem()
    make_objective = engine.make_objective
    seen = {}

    def interrupting(*args, **kwargs):
        objective = make_objective(*args, **kwargs)
        seen["threads"] = objective.n_threads
        full = objective.__call__
        calls = []

        class Interrupted(type(objective)):
            def __call__(self, x):
                calls.append(1)
                if len(calls) == 3:
                    raise KeyboardInterrupt
                return full(x)

        objective.__class__ = Interrupted
        return objective

    monkeypatch.setattr(classifier_module.engine, "make_objective", interrupting)
    clf = BackpropClassifier((10,), max_iter=20, tol=0.0, random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)
    alive = [t for t in threading.enumerate() if t.name.startswith("skbackprop")]
    assert alive == []  # ended by the fit itself, not by garbage collection
    assert clf.n_iter_ == 1
    if seen["threads"] < 2:
        pytest.skip("one CPU: the fit had no worker thread to end")


def test_a_fit_in_progress_is_not_visible_on_the_estimator(monkeypatch, iris):
    X, y = iris
    clf = net(max_iter=2)
    params = dict(vars(clf))
    make_objective = engine.make_objective
    during = {}

    def watching(*args, **kwargs):
        during["vars"] = dict(vars(clf))  # what a concurrent predict would see
        return make_objective(*args, **kwargs)

    monkeypatch.setattr(classifier_module.engine, "make_objective", watching)
    clf.fit(X, y)
    assert during["vars"] == params  # no n_features_in_ without weights
    assert hasattr(clf, "thetas_")


# -- found in review ----------------------------------------------------------------


def test_single_noisy_mini_batches_are_not_taken_for_divergence():
    # With 15% flipped labels and one row per batch, one row costs far more than
    # the first batch did; only a rising mean cost is a divergence.
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=400, n_features=10, flip_y=0.15, class_sep=2.0, random_state=0
    )
    clf = BackpropClassifier(
        (50,),
        solver="adam",
        learning_rate=0.01,
        batch_size=1,
        reg_lambda=1e-4,
        max_iter=60,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf.fit(X, y)
    assert not any("diverged" in str(w.message) for w in record)
    assert clf.score(X, y) > 0.95


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_continued_fit_takes_up_a_new_learning_rate(iris, solver):
    X, y = iris
    clf = net(solver=solver, max_iter=2, warm_start=True).fit(X, y)
    assert clf._solver_state["learning_rate"] == pytest.approx(1e-3)
    clf.set_params(learning_rate=0.05).fit(X, y)
    assert clf._solver_state["learning_rate"] == pytest.approx(0.05)
    clf.set_params(learning_rate=0.02).partial_fit(X, y)
    assert clf._solver_state["learning_rate"] == pytest.approx(0.02)


def test_a_continued_fit_takes_up_a_new_schedule(iris):
    X, y = iris
    clf = net(solver="sgd", learning_rate=0.1, learning_rate_schedule="invscaling")
    clf.set_params(max_iter=2, warm_start=True).fit(X, y)
    assert clf._solver_state["learning_rate"] == pytest.approx(0.1 / (300 + 1) ** 0.5)
    clf.set_params(learning_rate_schedule="constant").fit(X, y)
    assert clf._solver_state["learning_rate"] == pytest.approx(0.1)
    # and back: the rate for the samples seen so far (4 epochs of 150)
    clf.set_params(learning_rate_schedule="invscaling", max_iter=1).fit(X, y)
    assert clf._solver_state["learning_rate"] == pytest.approx(0.1 / (750 + 1) ** 0.5)


def test_huge_validation_weights_and_values_beyond_float32(iris):
    X, y = iris
    X_val = X.copy()
    clf = net(solver="adam", learning_rate=0.05, max_iter=30, tol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(
            X.astype(np.float32), y, X_val=X_val, y_val=y, sample_weight_val=np.full(150, 1e307)
        )
    assert min(clf.validation_loss_curve_) > 0  # the weights' sum no longer overflows
    assert clf.best_validation_score_ > 0.8
    # float64 values beyond float32 would be inf in a float32 model: an error
    # naming X_val (issue 19), no longer a silent inf.
    X_val[0, 0] = 1e300
    with pytest.raises(ValueError, match="X_val has values beyond the range of float32"):
        clf.fit(X.astype(np.float32), y, X_val=X_val, y_val=y)


def test_validation_set_errors_name_it(iris):
    X, y = iris
    X_val = X.copy()
    X_val[0, 0] = np.nan
    with pytest.raises(ValueError, match="X_val, y_val: Input X contains NaN"):
        net().fit(X, y, X_val=X_val, y_val=y)


def test_the_max_iter_warning_names_the_validation_loss_when_x_val_is_given(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="before the validation loss stopped"):
        net(solver="adam", max_iter=2, tol=1e-4).fit(X, y, X_val=X, y_val=y)


def test_a_ctrl_c_after_the_last_boundary_is_not_swallowed():
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        monitor = Monitor()
        with pytest.raises(KeyboardInterrupt):
            with monitor.deferring_interrupts():
                signal.raise_signal(signal.SIGINT)  # the solver has returned already
        honoured = Monitor()
        with honoured.deferring_interrupts():
            signal.raise_signal(signal.SIGINT)
            honoured.result("interrupted", "KeyboardInterrupt", np.zeros(1), 0.0)
    finally:
        signal.signal(signal.SIGINT, previous)
