"""The lean mini-batch step: in-place updates, the penalty as one axpy, undo by replay."""

import math
import signal

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skbackprop import engine
from skbackprop._loss import NetworkLoss, Objective, scales
from skbackprop._monitor import Monitor
from skbackprop._params import penalty_mask
from skbackprop._solvers import SGD, Adam, _stochastic


def _problem(m=60, sizes=(4, 5, 3), dtype=np.float64):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, sizes[0])).astype(dtype)
    Y = np.asfortranarray(np.eye(sizes[-1], dtype=bool)[rng.integers(0, sizes[-1], m)])
    loss = NetworkLoss(list(sizes), "relu", "softmax", dtype)
    objective = Objective(loss, X, Y, *scales(None, m, 0.3, dtype))
    x0 = engine.pack(engine.init_thetas(list(sizes), random_state=0, dtype=dtype))
    return objective, x0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_in_place_adam_step_is_the_formula(dtype):
    rng = np.random.default_rng(1)
    x, m, v, g = (rng.normal(size=50).astype(dtype) for _ in range(4))
    v = np.abs(v)
    b1, b2, eps, lr, t = 0.9, 0.999, 1e-8, 1e-2, 3
    m_new = b1 * m.astype(float) + (1 - b1) * g
    v_new = b2 * v.astype(float) + (1 - b2) * g.astype(float) ** 2
    lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
    x_new = x - lr_t * m_new / (np.sqrt(v_new) + eps)
    arrays = [m.copy(), v.copy()]
    xs = x.copy()
    Adam(beta_1=b1, beta_2=b2, epsilon=eps)._step(xs, arrays, g, np.empty_like(x), lr, t)
    rtol = 1e-14 if dtype == np.float64 else 1e-6
    assert xs.dtype == dtype and arrays[0].dtype == dtype
    assert_allclose(arrays[0], m_new, rtol=rtol)
    assert_allclose(arrays[1], v_new, rtol=rtol)
    assert_allclose(xs, x_new, rtol=rtol)


@pytest.mark.parametrize("nesterov", [True, False])
def test_one_in_place_sgd_step_is_the_formula(nesterov):
    rng = np.random.default_rng(2)
    x, v, g = (rng.normal(size=30) for _ in range(3))
    v_new = 0.9 * v - 0.1 * g
    x_new = x + 0.9 * v_new - 0.1 * g if nesterov else x + v_new
    arrays, xs = [v.copy()], x.copy()
    SGD(0.1, momentum=0.9, nesterovs_momentum=nesterov)._step(xs, arrays, g, np.empty(30), 0.1, 1)
    assert_allclose(arrays[0], v_new, rtol=1e-14, atol=1e-15)
    assert_allclose(xs, x_new, rtol=1e-14, atol=1e-15)


def test_the_penalty_is_the_masked_sum_of_squares_and_spares_the_biases():
    sizes = [4, 5, 3]
    loss = NetworkLoss(sizes)
    mask = penalty_mask(sizes, np.float64)
    x = np.random.default_rng(3).normal(size=loss.n_params)
    grad = np.random.default_rng(4).normal(size=loss.n_params)
    expected_grad = grad + 0.7 * mask * x
    J = loss.penalty(x, 0.7, grad)
    assert J == pytest.approx(0.35 * float((mask * x) @ (mask * x)), rel=1e-14)
    assert_allclose(grad, expected_grad, rtol=1e-15, atol=1e-16)
    # bias entries of the gradient are left exactly as they were
    biases = mask == 0
    assert_array_equal(grad[biases], expected_grad[biases])
    # biases dominate: summed over the weights alone, still exact (0 here)
    x[~biases] = 0.0
    x[biases] = 1e8
    assert loss.penalty(x, 0.7) == 0.0


class _StoppedAdam(Adam):
    """Adam interrupted at step ``at``: cleanly before it, or (``torn``) half-way through it."""

    def __init__(self, at, torn, **kwargs):
        super().__init__(**kwargs)
        self.at, self.torn = at, torn

    def _step(self, x, arrays, grad, scratch, lr, t):
        if t == self.at:
            if self.torn:
                arrays[0] *= 0.5
                x += 1.0
            raise KeyboardInterrupt
        return super()._step(x, arrays, grad, scratch, lr, t)


@pytest.mark.parametrize("copies", [True, False])
@pytest.mark.parametrize("at", [5, _stochastic.BACKUP_EVERY + 7, 2 * _stochastic.BACKUP_EVERY])
def test_a_torn_step_is_undone_to_the_last_completed_step_bit_for_bit(at, copies):
    # without copies (vectors too large to copy), the steps are replayed from the start
    objective, x0 = _problem()
    results = {}
    for torn in (False, True):
        solver = _StoppedAdam(at, torn, learning_rate=1e-2, batch_size=3, random_state=0, tol=0.0)
        solver.copy_limit_bytes = 2**20 if copies else 0
        result = solver.minimize(objective, x0, Monitor(0, 10))
        assert result.status == "interrupted"
        results[torn] = (result.x, solver.get_state())
    (x_clean, clean), (x_torn, torn) = results[False], results[True]
    assert torn["t"] == clean["t"] == at - 1
    assert_array_equal(x_torn, x_clean)
    for a, b in zip(torn["arrays"], clean["arrays"], strict=True):
        assert_array_equal(a, b)
    assert_array_equal(x0, _problem()[1])  # the caller's start is not written


class _TwiceInterruptedAdam(Adam):
    """Adam that gets Ctrl-C twice as step ``at`` begins: both land inside the step."""

    def __init__(self, at, **kwargs):
        super().__init__(**kwargs)
        self.at, self.calls = at, 0

    def _step(self, x, arrays, grad, scratch, lr, t):
        self.calls += 1
        if t == self.at:
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)
        return super()._step(x, arrays, grad, scratch, lr, t)


def test_a_second_ctrl_c_inside_a_step_waits_for_its_end_and_nothing_is_replayed():
    # A second Ctrl-C inside a step raised there, tore it, and the step was
    # undone by replaying the fit from a copy (or from its start): the monitor
    # now holds it back to the step's end, so that no copy is needed for it.
    objective, x0 = _problem()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        solver = _TwiceInterruptedAdam(7, learning_rate=1e-2, batch_size=3, random_state=0)
        monitor = Monitor(0, 10)
        with pytest.raises(KeyboardInterrupt):  # the second Ctrl-C is not swallowed
            with monitor.deferring_interrupts():
                result = solver.minimize(objective, x0, monitor)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert result.status == "interrupted"
    assert solver.get_state()["t"] == 7 and solver.calls == 7  # step 7 completed, no replay
    # The weights of 7 whole steps: those of a fit stopped cleanly before step 8.
    clean = _StoppedAdam(8, False, learning_rate=1e-2, batch_size=3, random_state=0)
    assert_array_equal(result.x, clean.minimize(objective, x0, Monitor(0, 10)).x)


class _Ascent:
    """J = 1/2 ||x||^2 with the gradient's sign flipped: every SGD step grows J by 1.0201."""

    n_samples = 1

    def batch(self, x, rows):
        return 0.5 * float(x @ x), -x

    __call__ = batch


@pytest.mark.parametrize("copies", [True, False])
def test_a_diverging_fit_undoes_its_last_step_by_replaying_from_a_backup(copies):
    # J passes 10 J_0 after 117 steps: the last step is undone from the copy
    # taken at step 64 (or from the start), replaying the steps after it.
    x0 = np.array([1.0, -2.0, 0.5])
    kwargs = {"momentum": 0.0, "tol": 0.0, "shuffle": False, "training_rule": False}
    solver = SGD(0.01, max_iter=1000, **kwargs)
    solver.copy_limit_bytes = 2**20 if copies else 0
    result = solver.minimize(_Ascent(), x0, Monitor(0, 1000))
    assert result.status == "diverged"
    t = solver.get_state()["t"]
    assert t > _stochastic.BACKUP_EVERY
    again = SGD(0.01, max_iter=t, **kwargs)
    assert_array_equal(result.x, again.minimize(_Ascent(), x0, Monitor(0, t)).x)
    assert 0.5 * float(result.x @ result.x) <= 10 * 0.5 * float(x0 @ x0)


# -- sparse rows: Theta^(1) column-major while stepping ---------------------------------


def _sparse_problem(m=40, n_features=30, dtype=np.float64):
    from scipy import sparse

    rng = np.random.default_rng(5)
    X = sparse.random(m, n_features, density=0.1, format="csr", random_state=5, dtype=dtype)
    Y = np.asfortranarray(np.eye(3, dtype=bool)[rng.integers(0, 3, m)])
    sizes = [n_features, 6, 3]
    loss = NetworkLoss(sizes, "relu", "softmax", dtype)
    objective = Objective(loss, X, Y, *scales(None, m, 0.3, dtype))
    dense = Objective(
        NetworkLoss(sizes, "relu", "softmax", dtype), X.toarray(), Y, *scales(None, m, 0.3, dtype)
    )
    x = engine.pack(engine.init_thetas(sizes, random_state=0, dtype=dtype))
    return objective, dense, x


def test_sparse_steps_give_the_dense_gradient_in_their_layout():
    objective, dense, x = _sparse_problem()
    stepper = objective.stepper()
    x_steps = stepper.to_steps(x)
    assert_array_equal(stepper.to_public(x_steps), x)
    # the first layer's weights of one input feature are contiguous
    first = stepper.loss._thetas(x_steps)[0]
    assert first[:, 1:].T.flags.c_contiguous
    # twice: the features of the first batch must not leave a gradient in the second
    for rows in (np.array([3, 17, 5, 30, 8]), slice(10, 22)):
        J, grad = stepper.batch(x_steps, rows)
        J_dense, grad_dense = dense.batch(x, rows)
        assert J == pytest.approx(J_dense, rel=1e-12)
        assert_allclose(stepper.to_public(grad), grad_dense, rtol=1e-12, atol=1e-15)
    assert objective.stepper() is not None and dense.stepper() is None


def test_an_adam_fit_on_sparse_rows_equals_the_fit_on_the_same_rows_dense():
    objective, dense, x0 = _sparse_problem()
    results = []
    for obj in (objective, dense):
        solver = Adam(1e-2, batch_size=8, random_state=0, tol=0.0, max_iter=3)
        result = solver.minimize(obj, x0, Monitor(0, 3))
        results.append((result, solver.get_state()))
    (sparse_result, sparse_state), (dense_result, dense_state) = results
    assert_allclose(sparse_result.x, dense_result.x, rtol=1e-10, atol=1e-12)
    assert sparse_result.loss_curve == pytest.approx(dense_result.loss_curve, rel=1e-12)
    for a, b in zip(sparse_state["arrays"], dense_state["arrays"], strict=True):
        assert_allclose(a, b, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_standardised_copy_is_the_in_place_formula_bit_for_bit(dtype):
    from skbackprop import _standardize

    rng = np.random.default_rng(6)
    X = (rng.normal(size=(50, 4)) * [1, 1e3, 1e-3, 7] + [0, 5, -2, 1e4]).astype(dtype)
    mean, scale = _standardize.moments(X)
    expected = X.copy()
    expected -= mean
    expected /= scale
    got = _standardize.transform(X, mean, scale)
    assert got.dtype == dtype
    assert_array_equal(got, expected)
    # near the float limit: X / scale - mean / scale, finite
    big = np.full((3, 2), np.finfo(dtype).max, dtype=dtype)
    big[0] = -big[0]
    assert np.isfinite(_standardize.transform(big, *_standardize.moments(big))).all()


@pytest.mark.parametrize("shape", [(1, 3), (1000, 7), (5000, 60)])
def test_blockwise_moments_are_standard_scalers_bit_for_bit(shape):
    from sklearn.preprocessing import StandardScaler

    from skbackprop import _standardize

    rng = np.random.default_rng(7)
    X = rng.standard_normal(shape) * rng.uniform(0.1, 100, shape[1]) + rng.uniform(
        -1e3, 1e3, shape[1]
    )
    X[:, 0] = 3.0  # a constant column
    scaler = StandardScaler().fit(X)
    mean, var, n = _standardize._blockwise_moments(X)
    assert_array_equal(mean, scaler.mean_)
    assert_array_equal(var, scaler.var_)
    assert n == scaler.n_samples_seen_
    assert_array_equal(_standardize.moments(X)[1], scaler.scale_)


def test_a_sparse_adam_fit_keeps_five_weight_sized_arrays(fit_peak, wide_sparse):
    # The start, the weights stepped, Adam's two moments and the gradient. Ten
    # were alive at the peak: the start three times over (the session's
    # matrices and two packed copies), the monitor's copy of each epoch's
    # weights and a temporary for it, the stepper's gradient and views while
    # the state was converted back.
    from skbackprop import BackpropClassifier

    X, y = wide_sparse(2_000, 100_000, 5), np.arange(2_000) % 3
    clf = BackpropClassifier(
        (8,), solver="adam", max_iter=2, tol=0.0, standardize=False, random_state=0
    )
    peak = fit_peak(clf, X, y)
    assert peak < 5.5 * sum(theta.nbytes for theta in clf.thetas_)  # 5.1 (10.1 before)


@pytest.mark.parametrize("units", ["softmax", "sigmoid"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_integer_labels_give_the_one_hot_loss_and_error_bit_for_bit(units, dtype):
    from skbackprop._activations import OUTPUT_LOSSES, subtract_targets

    rng = np.random.default_rng(0)
    Z = np.asfortranarray(rng.normal(scale=3, size=(37, 4)).astype(dtype))
    labels = rng.integers(0, 4, 37)
    Y = np.asfortranarray(np.eye(4, dtype=bool)[labels])
    results = []
    for targets in (Y, labels):
        H, scratch = np.empty_like(Z), np.empty_like(Z)
        losses = OUTPUT_LOSSES[units](Z.copy(order="F"), targets, H, scratch)
        results.append((losses, subtract_targets(H, targets)))
    assert_array_equal(results[0][0], results[1][0])
    assert_array_equal(results[0][1], results[1][1])


def test_an_objective_reads_one_hot_rows_as_labels_with_the_same_numbers():
    from skbackprop._loss import one_hot_labels

    objective, x0 = _problem()
    labels = objective.Y
    assert labels.ndim == 1
    Y = np.eye(3)[labels]  # float targets: kept as a matrix
    as_matrix = Objective(objective.loss, objective.X, Y, objective.row_scale, objective.reg_scale)
    assert as_matrix.Y.ndim == 2
    assert_array_equal(one_hot_labels(np.asfortranarray(Y.astype(bool))), labels)
    J, grad = objective(x0)
    J_matrix, grad_matrix = as_matrix(x0)
    assert J == J_matrix
    assert_array_equal(grad, grad_matrix)
    # A mini-batch's rows, gathered into the objective's buffer, as X[rows] would give them.
    rows = np.array([5, 0, 59, 17, 5])
    J, grad = (v.copy() if isinstance(v, np.ndarray) else v for v in objective.batch(x0, rows))
    J_list, grad_list = as_matrix.batch(x0, list(rows))
    assert J == J_list
    assert_array_equal(grad, grad_list)


@pytest.mark.parametrize("shape", [(3, 5), (300, 257), (20000, 2), (1, 20000), (0, 4)])
def test_relu_against_zeros_is_max_z_0(shape):
    from skbackprop._activations import relu

    rng = np.random.default_rng(0)
    z = np.asfortranarray(rng.normal(size=shape))
    if z.size:
        z.flat[:3] = [np.nan, -0.0, np.inf]
    expected = np.maximum(z, 0.0)
    assert_array_equal(relu(z), expected)
    assert_array_equal(np.signbit(z), np.signbit(expected))
