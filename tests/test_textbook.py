"""skbackprop.textbook: each equation by hand, and the oracle of the fast engine.

Hand-computed values come from scalar formulas (``math``) on networks small
enough to follow on paper; the fast engine (sigmoid hidden and output units)
and ``BackpropClassifier(solver="gd")`` are held to the textbook's numbers.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_moons

from skbackprop import BackpropClassifier, engine, textbook


def g(z):
    """The sigmoid of a Python float, for hand computations."""
    return 1.0 / (1.0 + math.exp(-z))


# The seed's units, asked for by name wherever the engine or the classifier has
# other defaults.
SIGMOIDS = {"activation": "sigmoid", "output_activation": "sigmoid"}

# A 1-1-1 network: x -> one hidden unit -> one output unit.
B1, W1, B2, W2 = 0.5, -1.0, -0.25, 2.0
THETAS_111 = [np.array([[B1, W1]]), np.array([[B2, W2]])]


@pytest.fixture(scope="module")
def moons():
    """The seed's data: make_moons(1000, noise=0.1, random_state=0), first 500 points."""
    X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
    return X, y


# --- sigmoid and its derivative ---------------------------------------------


def test_sigmoid_values_and_limits():
    z = np.array([0.0, math.log(3.0), -math.log(3.0), 40.0])
    assert_allclose(textbook.sigmoid(z), [0.5, 0.75, 0.25, 1.0], rtol=1e-15)
    assert textbook.sigmoid(np.array([40.0]))[0] == 1.0  # rounds to exactly 1
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert textbook.sigmoid(np.array([-800.0]))[0] == 0.0  # exp(800) overflows


def test_sigmoid_gradient_values_symmetry_and_finite_differences():
    assert textbook.sigmoid_gradient(np.array([0.0]))[0] == 0.25
    assert textbook.sigmoid_gradient(np.array([math.log(3.0)]))[0] == pytest.approx(0.1875)
    z = np.linspace(-6.0, 6.0, 25)
    assert_allclose(textbook.sigmoid_gradient(z), textbook.sigmoid_gradient(-z), rtol=1e-12)
    eps = 1e-6
    numeric = (textbook.sigmoid(z + eps) - textbook.sigmoid(z - eps)) / (2 * eps)
    assert_allclose(textbook.sigmoid_gradient(z), numeric, rtol=1e-7)


# --- initial weights -----------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((5, 3), math.sqrt(6 / 8)), ((2, 6), math.sqrt(6 / 8)), ((1, 2), math.sqrt(2.0))],
)
def test_init_epsilon(shape, expected):
    assert textbook.init_epsilon(shape) == pytest.approx(expected, rel=1e-15)


def test_init_thetas_shapes_and_the_full_range():
    thetas = textbook.init_thetas([60, 40, 3], random_state=0)
    assert [theta.shape for theta in thetas] == [(40, 61), (3, 41)]
    big = thetas[0]
    eps = textbook.init_epsilon(big.shape)
    assert np.abs(big).max() <= eps
    # The whole of [-eps, eps], not the seed code's [-eps/2, eps/2).
    assert big.max() > 0.95 * eps and big.min() < -0.95 * eps
    for theta in thetas:
        assert np.abs(theta).max() <= textbook.init_epsilon(theta.shape)


def test_init_thetas_are_seeded_and_leave_the_global_state_alone():
    # NumPy's legacy global state, which the seed seeded and we must not touch.
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    a = textbook.init_thetas([2, 5, 5, 2], random_state=3)
    b = textbook.init_thetas([2, 5, 5, 2], random_state=3)
    c = textbook.init_thetas([2, 5, 5, 2], random_state=4)
    assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    for s, t, u in zip(a, b, c, strict=True):
        assert_array_equal(s, t)
        assert not np.array_equal(s, u)


@pytest.mark.parametrize("layer_sizes", [[2, 5, 5, 2], [3, 1], [4, 7, 2, 6]])
@pytest.mark.parametrize("seed", [0, 10])
def test_init_thetas_draw_what_the_engine_and_the_classifier_draw(layer_sizes, seed):
    for ours, theirs in zip(
        textbook.init_thetas(layer_sizes, seed),
        engine.init_thetas(layer_sizes, random_state=seed),
        strict=True,
    ):
        assert_array_equal(ours, theirs)


# --- forward propagation and the cost ------------------------------------------


def test_forward_propagate_a_1_1_1_network_by_hand():
    x = 2.0
    Z, A = textbook.forward_propagate(THETAS_111, np.array([[x]]))
    z2 = B1 + W1 * x
    z3 = B2 + W2 * g(z2)
    assert len(Z) == 2 and len(A) == 3
    assert_allclose(Z[0], [[z2]], rtol=1e-15)
    assert_allclose(Z[1], [[z3]], rtol=1e-15)
    assert_array_equal(A[0], [[1.0, x]])
    assert_allclose(A[1], [[1.0, g(z2)]], rtol=1e-15)
    assert_allclose(A[2], [[g(z3)]], rtol=1e-15)


def test_forward_propagate_bias_columns_and_shapes():
    thetas = textbook.init_thetas([2, 5, 5, 3], random_state=0)
    X = np.random.default_rng(0).normal(size=(7, 2))
    Z, A = textbook.forward_propagate(thetas, X)
    assert [z.shape for z in Z] == [(7, 5), (7, 5), (7, 3)]
    assert [a.shape for a in A] == [(7, 3), (7, 6), (7, 6), (7, 3)]
    for a in A[:-1]:  # input and hidden layers carry the bias unit
        assert_array_equal(a[:, 0], 1.0)
    assert_array_equal(A[0][:, 1:], X)
    for l, theta in enumerate(thetas):
        assert_allclose(Z[l], A[l] @ theta.T, rtol=1e-15)
    assert_allclose(A[-1], textbook.sigmoid(Z[-1]), rtol=1e-15)  # h: no bias column


def test_cost_of_a_1_1_1_network_by_hand():
    X = np.array([[2.0], [-1.0]])
    Y = np.array([[1.0], [0.0]])
    h = [g(B2 + W2 * g(B1 + W1 * x)) for x in (2.0, -1.0)]
    data_term = (-math.log(h[0]) - math.log(1.0 - h[1])) / 2
    assert textbook.cost(THETAS_111, X, Y) == pytest.approx(data_term, rel=1e-14)
    penalty = 0.7 / (2 * 2) * (W1**2 + W2**2)  # the biases B1, B2 are not penalised
    assert textbook.cost(THETAS_111, X, Y, 0.7) == pytest.approx(data_term + penalty, rel=1e-14)


def test_cost_at_zero_weights_is_k_log_2_and_ignores_bias_weights_in_the_penalty():
    X = np.random.default_rng(1).normal(size=(6, 3))
    Y = np.eye(4)[[0, 1, 2, 3, 0, 1]]
    thetas = [np.zeros((5, 4)), np.zeros((4, 6))]
    assert textbook.cost(thetas, X, Y) == pytest.approx(4 * math.log(2.0), rel=1e-15)
    # The output's bias weights change the data term, never the penalty.
    moved = [thetas[0], np.hstack([np.full((4, 1), 0.3), thetas[1][:, 1:]])]
    difference = textbook.cost(moved, X, Y, 5.0) - textbook.cost(moved, X, Y, 0.0)
    assert difference == 0.0


def test_cost_takes_y_so_a_batch_missing_a_class_is_fine():
    # The seed rebuilt the one-hot matrix from each call's labels; with Y passed
    # in, a batch of one class is just fewer rows of the same K columns.
    X = np.random.default_rng(2).normal(size=(8, 2))
    y = np.array([0, 0, 0, 2, 2, 2, 2, 2])
    Y = np.eye(3)[y]
    thetas = textbook.init_thetas([2, 4, 3], random_state=0)
    whole = textbook.cost(thetas, X, Y)
    parts = (3 * textbook.cost(thetas, X[:3], Y[:3]) + 5 * textbook.cost(thetas, X[3:], Y[3:])) / 8
    assert whole == pytest.approx(parts, rel=1e-14)


def test_cost_is_inf_or_nan_at_saturated_units_as_documented():
    thetas = [np.array([[40.0, 0.0]])]  # h = g(40) rounds to exactly 1
    X = np.array([[0.0]])
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert textbook.cost(thetas, X, np.array([[0.0]])) == math.inf  # wrong: log(1 - 1)
    with pytest.warns(RuntimeWarning):
        assert math.isnan(textbook.cost(thetas, X, np.array([[1.0]])))  # right: 0 * log(0)
    # The engine's stable form is finite: log(1 + e^40) = 40, and log(1 + e^-40) =
    # 4.2e-18 to within 1e-17.
    assert engine.cost(thetas, X, np.array([[0.0]]), **SIGMOIDS) == pytest.approx(40.0, rel=1e-15)
    assert 0.0 <= engine.cost(thetas, X, np.array([[1.0]]), **SIGMOIDS) < 1e-17


# --- backpropagation -----------------------------------------------------------


def test_output_and_hidden_deltas_by_hand():
    h, Y = np.array([[0.9, 0.2], [0.3, 0.6]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    assert_allclose(textbook.output_delta(h, Y), [[-0.1, 0.2], [0.3, -0.4]], rtol=1e-14)
    theta = np.array([[7.0, 1.0, -2.0], [-7.0, 3.0, 0.5]])  # 2 units <- 2 units + bias
    delta_next = np.array([[0.5, -1.0]])
    z = np.array([[0.0, math.log(3.0)]])
    # unit 1: (0.5 * 1 - 1.0 * 3) * g'(0); unit 2: (0.5 * -2 - 1.0 * 0.5) * g'(log 3)
    expected = [[(0.5 - 3.0) * 0.25, (-1.0 - 0.5) * 0.1875]]
    assert_allclose(textbook.hidden_delta(theta, delta_next, z), expected, rtol=1e-14)
    other_bias = theta + np.array([[5.0, 0.0, 0.0], [5.0, 0.0, 0.0]])
    assert_array_equal(
        textbook.hidden_delta(other_bias, delta_next, z),
        textbook.hidden_delta(theta, delta_next, z),
    )


@pytest.mark.parametrize("reg_lambda", [0.0, 0.7])
def test_backpropagate_a_1_1_1_network_by_hand(reg_lambda):
    xs, ys = (2.0, -1.0), (1.0, 0.0)
    grad1, grad2 = np.zeros((1, 2)), np.zeros((1, 2))
    for x, y in zip(xs, ys, strict=True):
        z2 = B1 + W1 * x
        a2 = g(z2)
        delta3 = g(B2 + W2 * a2) - y
        delta2 = W2 * delta3 * g(z2) * (1 - g(z2))
        grad2 += delta3 * np.array([[1.0, a2]]) / 2
        grad1 += delta2 * np.array([[1.0, x]]) / 2
    grad1 += reg_lambda / 2 * np.array([[0.0, W1]])
    grad2 += reg_lambda / 2 * np.array([[0.0, W2]])
    grads = textbook.backpropagate(
        THETAS_111, np.array([[2.0], [-1.0]]), np.array([[1.0], [0.0]]), reg_lambda
    )
    assert_allclose(grads[0], grad1, rtol=1e-14)
    assert_allclose(grads[1], grad2, rtol=1e-14)


def test_backpropagate_equals_finite_differences_of_the_cost():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(9, 3)), np.eye(2)[rng.integers(0, 2, 9)]
    thetas = textbook.init_thetas([3, 4, 3, 2], random_state=3)
    grads = textbook.backpropagate(thetas, X, Y, 0.9)
    eps = 1e-6
    for l, theta in enumerate(thetas):
        for j, i in np.ndindex(theta.shape):
            bump = np.zeros_like(theta)
            bump[j, i] = eps
            plus = [t + bump if k == l else t for k, t in enumerate(thetas)]
            minus = [t - bump if k == l else t for k, t in enumerate(thetas)]
            numeric = (textbook.cost(plus, X, Y, 0.9) - textbook.cost(minus, X, Y, 0.9)) / (2 * eps)
            assert grads[l][j, i] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_the_bias_column_is_not_regularised():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(5, 2)), np.eye(2)[[0, 1, 1, 0, 1]]
    thetas = textbook.init_thetas([2, 3, 2], random_state=4)
    plain = textbook.backpropagate(thetas, X, Y, 0.0)
    regularised = textbook.backpropagate(thetas, X, Y, 2.5)
    for theta, g0, g1 in zip(thetas, plain, regularised, strict=True):
        assert_array_equal(g1[:, 0], g0[:, 0])
        assert_allclose(g1[:, 1:] - g0[:, 1:], 2.5 / 5 * theta[:, 1:], rtol=1e-12, atol=1e-16)


def test_gradient_descent_step_returns_new_matrices():
    thetas = [np.array([[1.0, 2.0]]), np.array([[0.0, -1.0], [3.0, 4.0]])]
    grads = [np.array([[0.5, -1.0]]), np.array([[1.0, 2.0], [0.0, -4.0]])]
    kept = [theta.copy() for theta in thetas]
    new = textbook.gradient_descent_step(thetas, grads, 0.1)
    assert_allclose(new[0], [[0.95, 2.1]], rtol=1e-15)
    assert_allclose(new[1], [[-0.1, -1.2], [3.0, 4.4]], rtol=1e-15)
    for theta, before, after in zip(thetas, kept, new, strict=True):
        assert_array_equal(theta, before)
        assert not np.shares_memory(theta, after)


# --- the fast engine against the textbook (hypothesis) -------------------------


@st.composite
def networks(draw):
    """A random sigmoid network with moderate weights, data, targets and lambda."""
    hidden = draw(st.lists(st.integers(1, 8), min_size=0, max_size=3))
    layer_sizes = [draw(st.integers(1, 5)), *hidden, draw(st.integers(1, 5))]
    m = draw(st.integers(1, 20))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    weight_scale = draw(st.sampled_from([0.5, 1.0, 2.0]))
    thetas = [weight_scale * t for t in textbook.init_thetas(layer_sizes, seed)]
    X = rng.normal(size=(m, layer_sizes[0])) * draw(st.sampled_from([0.1, 1.0, 2.0]))
    Y = rng.integers(0, 2, size=(m, layer_sizes[-1])).astype(float)  # any 0/1 targets
    reg_lambda = draw(st.floats(0.0, 10.0))
    return thetas, X, Y, reg_lambda


@given(networks())
def test_engine_equals_textbook_cost_and_gradient(network):
    thetas, X, Y, reg_lambda = network
    # Beyond |z| = 10 an output unit's term near 0 is, in both, the log of an h
    # rounded near 1, with ~1e-16 e^|z| relative error: they part in the 12th digit.
    assume(np.abs(textbook.forward_propagate(thetas, X)[0][-1]).max() < 10)
    J, grads = engine.cost_and_gradient(thetas, X, Y, reg_lambda, **SIGMOIDS)
    assert J == pytest.approx(textbook.cost(thetas, X, Y, reg_lambda), rel=1e-12)
    assert engine.cost(thetas, X, Y, reg_lambda, **SIGMOIDS) == pytest.approx(J, rel=1e-12)
    for ours, theirs in zip(textbook.backpropagate(thetas, X, Y, reg_lambda), grads, strict=True):
        # atol: entries that are sums cancelling to ~0 carry rounding of ~1e-16.
        assert_allclose(theirs, ours, rtol=1e-12, atol=1e-15)
    h = textbook.forward_propagate(thetas, X)[1][-1]
    assert_allclose(engine.forward(thetas, X, **SIGMOIDS), h, rtol=1e-12)


# --- training ------------------------------------------------------------------


def test_train_records_the_cost_before_each_step():
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(12, 2)), np.eye(3)[rng.integers(0, 3, 12)]
    thetas, costs = textbook.train(X, Y, [2, 4, 3], 0.8, max_iter=3, reg_lambda=0.4, random_state=5)
    expected = textbook.init_thetas([2, 4, 3], 5)
    assert costs.shape == (3,)
    for n in range(3):
        assert costs[n] == textbook.cost(expected, X, Y, 0.4)  # lambda is in the cost
        grads = textbook.backpropagate(expected, X, Y, 0.4)  # and in the gradient
        expected = textbook.gradient_descent_step(expected, grads, 0.8)
    for theta, theta_expected in zip(thetas, expected, strict=True):
        assert_array_equal(theta, theta_expected)
    assert costs[2] < costs[0]


def test_train_fits_the_seeds_moons(moons):
    # The seed's second run: the first 500 points, 2-5-5-2, alpha = 0.5, 5000 steps.
    X, y = moons
    X_train, y_train = X[:500], y[:500]
    thetas, costs = textbook.train(X_train, np.eye(2)[y_train], [2, 5, 5, 2], 0.5, 5000, 0.0, 10)
    # Measured: J = 0.515 after 1000 steps (the plateau of a nearly straight
    # boundary, 88% right), 0.0052 after 5000; accuracy 1.000 on the training
    # points and 0.998 on the other 500.
    assert costs[999] > 0.4
    assert costs[-1] < 0.01
    for X_part, y_part in ((X_train, y_train), (X[500:], y[500:])):
        h = textbook.forward_propagate(thetas, X_part)[1][-1]
        assert np.mean(h.argmax(axis=1) == y_part) >= 0.99


@pytest.mark.parametrize(("reg_lambda", "max_iter"), [(0.0, 5), (0.3, 5), (1.0, 40)])
def test_train_equals_the_classifiers_gradient_descent(moons, reg_lambda, max_iter):
    X, y = moons
    X, y = X[:500], y[:500]
    # The classifier gives its first output unit to the class with the most
    # samples: class 0 here, so its units follow the columns of eye(2)[y].
    assert np.bincount(y)[0] > np.bincount(y)[1]
    clf = BackpropClassifier(
        hidden_layer_sizes=(5, 5),
        **SIGMOIDS,
        solver="gd",
        learning_rate=0.5,
        reg_lambda=reg_lambda,
        tol=0,
        max_iter=max_iter,
        random_state=10,
        standardize=False,
    ).fit(X, y)
    Y = np.eye(2)[y]
    thetas, costs = textbook.train(X, Y, [2, 5, 5, 2], 0.5, max_iter, reg_lambda, 10)
    for ours, theirs in zip(thetas, clf.thetas_, strict=True):
        assert_allclose(theirs, ours, rtol=0, atol=1e-10)
    # loss_curve_ is J after each step, costs is J before it.
    assert_allclose(clf.loss_curve_[:-1], costs[1:], rtol=1e-10)
    assert clf.loss_curve_[-1] == pytest.approx(textbook.cost(thetas, X, Y, reg_lambda), rel=1e-10)


def test_squared_error_cost_and_output_delta_are_the_engines():
    # A sigmoid hidden layer and identity output units: the engine's "identity"
    # output units compute the textbook's regression cost, and its gradient is
    # the textbook's output delta backpropagated.
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    thetas = textbook.init_thetas([3, 4, 2], random_state=0)
    fun = engine.make_objective(
        X, Y, [3, 4, 2], reg_lambda=0.3, activation="sigmoid", output_activation="identity"
    )
    J, grad = fun(engine.pack(thetas))
    assert J == pytest.approx(textbook.squared_error_cost(thetas, X, Y, 0.3), rel=1e-12)
    Z, A = textbook.forward_propagate(thetas, X)
    delta3 = textbook.squared_error_output_delta(Z[-1], Y)
    delta2 = textbook.hidden_delta(thetas[1], delta3, Z[0])
    m = len(X)
    expected = [
        delta2.T @ A[0] / m + 0.3 / m * np.hstack([np.zeros((4, 1)), thetas[0][:, 1:]]),
        delta3.T @ A[1] / m + 0.3 / m * np.hstack([np.zeros((2, 1)), thetas[1][:, 1:]]),
    ]
    np.testing.assert_allclose(grad, engine.pack(expected), rtol=1e-12, atol=1e-15)
