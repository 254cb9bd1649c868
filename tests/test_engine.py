import gc
import math
import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skbackprop import _blocks
from skbackprop._activations import HIDDEN_ACTIVATIONS
from skbackprop._loss import NetworkLoss, Objective, scales
from skbackprop.engine import (
    cost,
    cost_and_gradient,
    forward,
    forward_logits,
    gradient_check,
    init_thetas,
    layer_sizes_of,
    make_objective,
    pack,
    unpack,
)

from .reference import reference_cost_and_gradient

ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity"]


def _problem(sizes, m=40, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, sizes[0])).astype(dtype)
    Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], m)]
    thetas = init_thetas(sizes, random_state=seed, dtype=dtype)
    return thetas, X, Y


def small_blocks_objective(X, Y, sizes, *, n_threads, reg_lambda=0.0, sample_weight=None, **names):
    """make_objective's function with 16-row blocks, split in n_threads parts."""
    loss = NetworkLoss(sizes, **names, n_threads=n_threads, parts=n_threads, block_rows=16)
    row_scale, reg_scale = scales(sample_weight, len(X), reg_lambda, np.float64)
    Y = np.asfortranarray(Y, dtype=np.float64)
    y_total = Y.sum(axis=1)
    return Objective(loss, X, Y, row_scale, reg_scale, None if np.all(y_total == 1) else y_total)


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


# -- the tiny network, by hand ---------------------------------------------------


def test_cost_and_gradient_of_a_1_1_1_network_by_hand():
    # x = 1, y = 1, every weight 1 and every bias 0.
    thetas = [np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]])]
    a2 = _sigmoid(1.0)  # 0.7310585786
    h = _sigmoid(a2)  # 0.6750375273
    delta3 = h - 1.0
    delta2 = 1.0 * delta3 * a2 * (1 - a2)
    J, grads = cost_and_gradient(thetas, [[1.0]], [[1.0]])
    assert J == pytest.approx(-math.log(h), rel=1e-14)
    assert J == pytest.approx(0.392986, abs=1e-6)
    assert_allclose(grads[1], [[delta3, delta3 * a2]], rtol=1e-14)
    assert_allclose(grads[1], [[-0.324962, -0.237566]], atol=1e-6)
    assert_allclose(grads[0], [[delta2, delta2]], rtol=1e-14)
    assert_allclose(grads[0], [[-0.063891, -0.063891]], atol=1e-6)

    # lambda = 2, m = 1: J gains 2/2 * (1 + 1); non-bias gradients gain 2 * 1.
    J_reg, grads_reg = cost_and_gradient(thetas, [[1.0]], [[1.0]], reg_lambda=2.0)
    assert J_reg == pytest.approx(J + 2.0, rel=1e-14)
    assert_allclose(grads_reg[1], [[delta3, delta3 * a2 + 2.0]], rtol=1e-14)
    assert_allclose(grads_reg[0], [[delta2, delta2 + 2.0]], rtol=1e-14)


def test_cost_of_two_samples_two_outputs_by_hand():
    # No hidden layer: h = sigmoid(Theta [1, x]).
    theta = np.array([[0.5, -1.0], [-0.5, 2.0]])
    X = np.array([[1.0], [-2.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    expected = 0.0
    for x, y in zip(X[:, 0], Y, strict=True):
        for k in range(2):
            h = _sigmoid(theta[k, 0] + theta[k, 1] * x)
            expected -= y[k] * math.log(h) + (1 - y[k]) * math.log(1 - h)
    expected /= 2
    expected += 0.3 / (2 * 2) * (1.0 + 4.0)
    assert cost([theta], X, Y, reg_lambda=0.3) == pytest.approx(expected, rel=1e-14)


# -- gradients against finite differences ----------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("sizes", [[3, 4, 2], [4, 5, 3, 4], [3, 2]])
@pytest.mark.parametrize("reg_lambda", [0.0, 1.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_check(activation, output, sizes, reg_lambda, weighted):
    thetas, X, Y = _problem(sizes, m=30, seed=len(sizes))
    w = np.random.default_rng(1).uniform(0, 3, size=30) if weighted else None
    diff = gradient_check(thetas, X, Y, reg_lambda, activation, w, output_activation=output)
    assert diff < 1e-7


def test_gradient_check_detects_a_wrong_gradient(monkeypatch):
    thetas, X, Y = _problem([3, 4, 2])
    sigmoid, _derivative = HIDDEN_ACTIVATIONS["sigmoid"]

    def wrong_derivative(a, delta, scratch):
        delta *= a  # forgets the (1 - a) factor
        return delta

    monkeypatch.setitem(HIDDEN_ACTIVATIONS, "sigmoid", (sigmoid, wrong_derivative))
    assert gradient_check(thetas, X, Y) > 1e-3


# -- the fast path against the plain reference ----------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_matches_reference_across_blocks_and_threads(activation, weighted, output):
    # Small blocks so that 203 rows span several blocks and two threads.
    sizes = [5, 7, 6, 3]
    thetas, X, Y = _problem(sizes, m=203, seed=3)
    w = np.random.default_rng(2).integers(0, 4, size=203) if weighted else None
    J_ref, grads_ref = reference_cost_and_gradient(thetas, X, Y, 0.7, activation, w, output)
    for n_threads in (1, 2):
        fun = small_blocks_objective(
            X,
            Y,
            sizes,
            reg_lambda=0.7,
            activation=activation,
            output_activation=output,
            sample_weight=w,
            n_threads=n_threads,
        )
        assert fun.n_threads == n_threads
        J, grad = fun(pack(thetas))
        assert J == pytest.approx(J_ref, rel=1e-12)
        assert_allclose(grad, pack(grads_ref), rtol=1e-12, atol=1e-15)
        assert fun.cost(pack(thetas)) == pytest.approx(J_ref, rel=1e-12)


def test_worker_threads_end_with_the_objective():
    sizes = [5, 7, 3]
    thetas, X, Y = _problem(sizes, m=200, seed=4)

    def started():
        return {t for t in threading.enumerate() if t.name.startswith("skbackprop")} - before

    before = set(threading.enumerate())
    fun = small_blocks_objective(X, Y, sizes, n_threads=2)
    assert fun.n_threads == 2
    _J, _grad = fun(pack(thetas))
    workers = started()
    assert len(workers) == 1
    fun(pack(thetas))
    assert started() == workers  # the same thread serves every evaluation
    workers = list(workers)
    del fun, _grad
    gc.collect()
    workers[0].join(timeout=10)
    assert not workers[0].is_alive()


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_targets_that_are_not_one_hot(output):
    # Rows of Y summing to 0, 0.5, 1 or 3 (label smoothing, weights folded into Y):
    # still the exact gradient, and the same across blocks and threads.
    sizes = [4, 5, 3]
    thetas, X, Y = _problem(sizes, m=120, seed=6)
    Y = Y * np.random.default_rng(1).choice([0.0, 0.5, 1.0, 3.0], size=(120, 1))
    Y[:10] = [0.2, 0.3, 0.5]
    w = np.random.default_rng(2).integers(0, 3, size=120)
    assert (
        gradient_check(thetas, X[:30], Y[:30], 0.3, "tanh", w[:30], output_activation=output) < 1e-7
    )
    J, grad = make_objective(
        X, Y, sizes, reg_lambda=0.3, output_activation=output, sample_weight=w, n_threads=1
    )(pack(thetas))
    grad = grad.copy()
    fun = small_blocks_objective(
        X, Y, sizes, reg_lambda=0.3, output_activation=output, sample_weight=w, n_threads=2
    )
    assert fun.n_threads == 2
    J2, grad2 = fun(pack(thetas))
    assert J2 == pytest.approx(J, rel=1e-13)
    assert_allclose(grad2, grad, rtol=1e-12, atol=1e-16)


def test_scaling_all_weights_leaves_the_objective_unchanged():
    # J averages with weights w / sum(w): weights summing to less than one too.
    sizes = [3, 4, 2]
    thetas, X, Y = _problem(sizes, seed=7)
    w = np.random.default_rng(3).random(len(X))
    J, grads = cost_and_gradient(thetas, X, Y, 0.5, sample_weight=w)
    for factor in (1e-3, 0.5, 40.0):
        J_s, grads_s = cost_and_gradient(thetas, X, Y, 0.5 * factor, sample_weight=w * factor)
        assert J_s == pytest.approx(J, rel=1e-12)
        assert_allclose(pack(grads_s), pack(grads), rtol=1e-11, atol=1e-15)


def test_zero_total_weight_is_rejected():
    sizes = [3, 4, 2]
    _thetas, X, Y = _problem(sizes)
    with pytest.raises(ValueError, match="sample_weight must have a positive sum"):
        make_objective(X, Y, sizes, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match="reg_lambda > 0 needs samples"):
        make_objective(X[:0], Y[:0], sizes, reg_lambda=1.0)


def test_huge_weights_do_not_overflow_their_sum():
    # Weights of 1e307 are as good as weights of 1 (with lambda scaled alike);
    # their sum overflows float64 unless they are scaled first.
    sizes = [3, 4, 2]
    thetas, X, Y = _problem(sizes, seed=2)
    J, grads = cost_and_gradient(thetas, X, Y, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J_w, grads_w = cost_and_gradient(
            thetas, X, Y, 0.5 * 1e307, sample_weight=np.full(len(X), 1e307)
        )
    assert J_w == pytest.approx(J, rel=1e-12)
    assert_allclose(pack(grads_w), pack(grads), rtol=1e-11, atol=1e-15)


def test_tiny_weights_with_a_large_lambda():
    # lambda / sum(w) = 1e10 / 1e-296 is finite; dividing lambda by the weight
    # scale first overflowed.
    sizes = [3, 4, 2]
    thetas, X, Y = _problem(sizes, m=1000, seed=4)
    lam, w = 1e10, np.full(1000, 1e-300)
    J = cost(thetas, X, Y, lam, sample_weight=w)
    penalty = sum(float((t[:, 1:] ** 2).sum()) for t in thetas)
    expected = cost(thetas, X, Y) + 0.5 * lam / (1000 * 1e-300) * penalty
    assert J == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"sample_weight": 2.0}, ValueError, r"sample_weight must have shape \(40,\)"),
        ({"sample_weight": np.ones(41)}, ValueError, r"sample_weight must have shape \(40,\)"),
        ({"sample_weight": np.ones((40, 1))}, ValueError, "sample_weight must have shape"),
        ({"sample_weight": -np.ones(40)}, ValueError, "must be non-negative"),
        ({"sample_weight": np.full(40, np.nan)}, ValueError, "must be finite"),
        ({"sample_weight": np.array(["a"] * 40)}, ValueError, "must contain real numbers"),
        ({"reg_lambda": -1.0}, ValueError, "reg_lambda must be a float >= 0"),
        ({"reg_lambda": np.nan}, ValueError, "reg_lambda must be a float >= 0"),
        ({"reg_lambda": "0.1"}, TypeError, "reg_lambda must be a float >= 0"),
        ({"Y": np.zeros((1, 2))}, ValueError, r"Y must have shape \(40, 2\); got \(1, 2\)"),
        ({"Y": np.zeros((41, 2))}, ValueError, r"Y must have shape \(40, 2\)"),
        ({"X": np.zeros((40, 4))}, ValueError, r"X must have shape \(m, 3\); got \(40, 4\)"),
        ({"X": np.zeros(40)}, ValueError, "X must have shape"),
        ({"layer_sizes": [3]}, ValueError, "at least 2 layers"),
    ],
)
def test_make_objective_rejects_bad_input(kwargs, exc, match):
    sizes = [3, 4, 2]
    _thetas, X, Y = _problem(sizes)
    args = {"X": X, "Y": Y, "layer_sizes": sizes}
    args.update(kwargs)
    X, Y, layer_sizes = args.pop("X"), args.pop("Y"), args.pop("layer_sizes")
    with pytest.raises(exc, match=match):
        make_objective(X, Y, layer_sizes, **args)


def test_make_objective_takes_lists():
    sizes = [3, 4, 2]
    thetas, X, Y = _problem(sizes)
    J, _ = make_objective(X.tolist(), Y.tolist(), sizes)(pack(thetas))
    assert J == pytest.approx(cost(thetas, X, Y), rel=1e-14)


def test_gradient_passed_back_as_weights():
    # The returned gradient is a reused buffer; passing it back in must not let
    # the evaluation overwrite the weights it is reading.
    sizes = [3, 4, 2]
    thetas, X, Y = _problem(sizes)
    fun = make_objective(X, Y, sizes)
    _, grad = fun(pack(thetas))
    expected_J, expected_grad = fun(grad.copy())
    expected_grad = expected_grad.copy()
    _, grad = fun(pack(thetas))
    J, grad_of_grad = fun(grad)
    assert J == expected_J
    assert_array_equal(grad_of_grad, expected_grad)


def test_float32_objective_given_float64_weights_beyond_its_range():
    # A line search may try weights that float32 cannot hold: J is inf, silently.
    sizes = [3, 4, 2]
    thetas, X, Y = _problem(sizes, dtype=np.float32)
    fun = make_objective(X, Y, sizes, reg_lambda=0.1)
    theta = pack(thetas).astype(np.float64)
    theta[3] = 1e39  # a penalised weight: its square makes J infinite
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J, _ = fun(theta)
        J_cost = cost(thetas, np.full_like(X, 1e300, dtype=np.float64), Y)
    assert J == np.inf
    assert not np.isnan(J_cost)


def test_input_blocks_stay_small_for_wide_inputs():
    # Only the hidden and output layers set the block height, but a copy of
    # 5000-feature rows must not grow with it.
    assert _blocks.block_rows([5000, 2], 100_000) * 5001 <= 256 * 5001
    assert _blocks.block_rows([64, 25, 10], 1797) == 1797  # digits: one block


def test_integer_weights_equal_repeated_rows():
    sizes = [4, 6, 3]
    thetas, X, Y = _problem(sizes, m=25, seed=5)
    w = np.random.default_rng(0).integers(0, 4, size=25)
    J_w, g_w = cost_and_gradient(thetas, X, Y, 0.5, "tanh", w)
    J_r, g_r = cost_and_gradient(thetas, X.repeat(w, axis=0), Y.repeat(w, axis=0), 0.5, "tanh")
    assert J_w == pytest.approx(J_r, rel=1e-13)
    assert_allclose(pack(g_w), pack(g_r), rtol=1e-12, atol=1e-16)


def test_objective_reuses_buffers_and_accepts_new_vectors():
    sizes = [3, 4, 2]
    thetas, X, Y = _problem(sizes)
    fun = make_objective(X, Y, sizes)
    theta = pack(thetas)
    J1, g1 = fun(theta)
    g1 = g1.copy()
    theta2 = theta * 0.5
    J2, _g2 = fun(theta2)
    assert J2 == pytest.approx(cost(unpack(theta2, sizes), X, Y), rel=1e-14)
    J3, g3 = fun(theta)  # same values again, new gradient buffer contents
    assert J3 == J1
    assert_array_equal(g3, g1)
    with pytest.raises(ValueError, match="theta_flat must have shape"):
        fun(theta[:-1])


# -- shapes, packing and initialisation -----------------------------------------


def test_init_thetas_shapes_and_ranges():
    thetas = init_thetas([2, 5, 5, 2], random_state=0)
    assert [t.shape for t in thetas] == [(5, 3), (5, 6), (2, 6)]
    for theta in thetas:
        rows, cols = theta.shape
        eps = math.sqrt(6) / math.sqrt(rows + cols)
        assert np.abs(theta).max() <= eps
        # the whole range is used, not half of it (the seed's code halves it)
        assert np.abs(theta).max() > 0.6 * eps
    fixed = init_thetas([2, 3, 2], random_state=0, epsilon_init=0.01)
    assert max(np.abs(t).max() for t in fixed) <= 0.01


def test_init_thetas_reproducible_and_dtype():
    a = init_thetas([3, 4, 2], random_state=42)
    b = init_thetas([3, 4, 2], random_state=42)
    for s, t in zip(a, b, strict=True):
        assert_array_equal(s, t)
    assert all(t.dtype == np.float32 for t in init_thetas([3, 4, 2], 0, dtype=np.float32))


def test_pack_unpack_round_trip_and_views():
    thetas = init_thetas([3, 4, 5, 2], random_state=0)
    flat = pack(thetas)
    assert flat.shape == (4 * 4 + 5 * 5 + 2 * 6,)
    back = unpack(flat, [3, 4, 5, 2])
    for original, view in zip(thetas, back, strict=True):
        assert_array_equal(original, view)
        assert np.shares_memory(view, flat)
    back[2][1, 3] = 123.0
    assert flat[4 * 4 + 5 * 5 + 6 + 3] == 123.0
    with pytest.raises(ValueError, match="vector of 53 parameters"):
        unpack(flat[:-1], [3, 4, 5, 2])


def test_layer_sizes_of():
    assert layer_sizes_of(init_thetas([3, 4, 5, 2], 0)) == [3, 4, 5, 2]
    with pytest.raises(ValueError, match="do not chain"):
        layer_sizes_of([np.zeros((4, 4)), np.zeros((2, 6))])
    for bad in ([], [np.zeros(3)]):
        with pytest.raises(ValueError, match="non-empty list of 2-D matrices"):
            layer_sizes_of(bad)
    with pytest.raises(ValueError, match="at least 2 layers"):
        init_thetas([3])


def test_bad_names_are_rejected():
    thetas, X, Y = _problem([3, 4, 2])
    with pytest.raises(ValueError, match="activation must be one of"):
        cost(thetas, X, Y, activation="softplus")
    with pytest.raises(ValueError, match="output_activation must be one of"):
        cost(thetas, X, Y, output_activation="linear")
    with pytest.raises(ValueError, match="Y must have shape"):
        cost(thetas, X, Y[:, :1])


# -- forward propagation -------------------------------------------------------


def test_forward_is_the_output_activation_of_the_logits():
    thetas, X, _ = _problem([3, 6, 4], m=600)  # several blocks
    Z = forward_logits(thetas, X, "tanh")
    assert_allclose(forward(thetas, X, "tanh"), 1 / (1 + np.exp(-Z)), rtol=1e-13)
    soft = forward(thetas, X, "tanh", output_activation="softmax")
    assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-13)
    # block boundaries do not matter: one row at a time gives the same logits
    assert_allclose(forward_logits(thetas, X[:7], "tanh"), Z[:7], rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_saturates_where_logits_overflow(dtype):
    # x near the float limit times a weight of 2 overflows: logits +-inf, or NaN
    # through a relu unit that passes inf - inf; no warning either way.
    big = np.finfo(dtype).max * dtype(0.75)
    thetas = [np.array([[0.0, 2.0], [0.0, -2.0]], dtype=dtype)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        soft = forward(thetas, np.array([[big]], dtype=dtype), output_activation="softmax")
        sig = forward(thetas, np.array([[big]], dtype=dtype))
        relu = [np.array([[0.0, 2.0], [0.0, 2.0]], dtype=dtype), np.array([[0.0, 1.0, -1.0]])]
        undetermined = forward([t.astype(dtype) for t in relu], [[big]], "relu")
    assert_array_equal(soft, [[1.0, 0.0]])
    assert_array_equal(sig, [[1.0, 0.0]])
    assert np.isnan(undetermined).all()


def test_no_hidden_layer_is_logistic_regression():
    theta = np.array([[0.1, 1.0, -2.0]])
    X = np.array([[0.5, 0.25], [1.0, -1.0]])
    z = 0.1 + X @ np.array([1.0, -2.0])
    assert_allclose(forward([theta], X), (1 / (1 + np.exp(-z)))[:, None], rtol=1e-14)


# -- numerics ------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e8])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_finite_and_silent_for_extreme_inputs(activation, scale, output):
    thetas, X, Y = _problem([3, 5, 3], m=50)
    thetas = [t * 50 for t in thetas]  # saturate the units
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J, grads = cost_and_gradient(
            thetas, X * scale, Y, 1.0, activation, output_activation=output
        )
        H = forward(thetas, X * scale, activation, output_activation=output)
    assert np.isfinite(J)
    assert all(np.isfinite(g).all() for g in grads)
    assert np.isfinite(H).all()


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_stays_float32(activation):
    thetas, X, Y = _problem([3, 5, 2], dtype=np.float32)
    J, grads = cost_and_gradient(thetas, X, Y, 0.1, activation)
    assert all(g.dtype == np.float32 for g in grads)
    assert forward(thetas, X, activation).dtype == np.float32
    thetas64 = [t.astype(np.float64) for t in thetas]
    J64, grads64 = cost_and_gradient(thetas64, X.astype(np.float64), Y, 0.1, activation)
    assert J == pytest.approx(J64, rel=1e-5)
    assert_allclose(pack(grads), pack(grads64), rtol=1e-3, atol=1e-6)


def test_empty_rows_give_zero_data_term():
    fun = make_objective(np.zeros((0, 3)), np.zeros((0, 2)), [3, 4, 2])
    J, grad = fun(pack(init_thetas([3, 4, 2], 0)))
    assert J == 0.0
    assert not grad.any()
