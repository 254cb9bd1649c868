"""Hostile inputs from an adversarial review: each one trains correctly or is a clear error.

NumPy integer layer sizes, huge ``max_iter`` and ``epsilon_init``, iterators
and unordered containers as ``hidden_layer_sizes``, malformed arguments to the
public engine functions, and float32 data in a byte order or a pandas dtype
that NumPy's ``float32`` does not compare equal to.
"""

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_moons

from skbackprop import BackpropClassifier, engine

SOLVERS = ["gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"]


def _data(n_features=3, m=40):
    rng = np.random.RandomState(0)
    X = rng.randn(m, n_features)
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)


def _problem():
    X, y = _data()
    thetas = engine.init_thetas([3, 4, 2], random_state=0)
    return thetas, X, np.eye(2)[y]


def _fit_quietly(clf, X, y):
    """Fit with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return clf.fit(X, y)


# -- 1. NumPy integer layer sizes -------------------------------------------------


@pytest.mark.parametrize(
    ("hidden", "n_features"),
    [
        pytest.param((np.uint8(4),), 300, id="uint8 4, 300 features"),
        pytest.param((np.uint8(4),), 64, id="uint8 4, 64 features"),
        pytest.param((np.int16(200), np.int16(200)), 3, id="int16 200 twice"),
        pytest.param((np.uint16(300),), 300, id="uint16 300, 300 features"),
        pytest.param(np.array([np.uint16(300)], dtype=np.uint16), 300, id="uint16 ndarray"),
    ],
)
def test_numpy_integer_hidden_layer_sizes_do_not_overflow(hidden, n_features):
    X, y = _data(n_features)
    clf = BackpropClassifier(hidden, max_iter=2, tol=0.0, random_state=0)
    thetas = _fit_quietly(clf, X, y).thetas_
    sizes = [n_features, *(int(s) for s in hidden), 2]
    assert [t.shape for t in thetas] == [(b, a + 1) for a, b in itertools.pairwise(sizes)]


def test_numpy_integer_layer_sizes_in_the_engine_do_not_overflow():
    sizes = [300, np.uint8(4), np.uint8(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        thetas = engine.init_thetas(sizes, random_state=0)
        flat = engine.pack(thetas)
        assert [t.shape for t in engine.unpack(flat, sizes)] == [(4, 301), (2, 5)]
        X = np.zeros((3, 300))
        fun = engine.make_objective(X, np.eye(2)[[0, 1, 0]], sizes)
        assert np.isfinite(fun(flat)[0])


# -- 2. huge epsilon_init and max_iter ---------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_epsilon_init_whose_range_overflows_is_a_clear_error(dtype):
    X, y = _data()
    huge = 1e308 if dtype == np.float64 else 1e39
    with pytest.raises(ValueError, match="epsilon_init must be at most"):
        BackpropClassifier(epsilon_init=huge).fit(X.astype(dtype), y)
    with pytest.raises(ValueError, match="epsilon_init must be at most"):
        engine.init_thetas([3, 4, 2], epsilon_init=huge, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_largest_epsilon_init_is_the_packages_own_error(dtype):
    # Weights as wide as the dtype allows: the cost overflows, which fit reports.
    X, y = _data()
    largest = min(float(np.finfo(np.float64).max) / 2, float(np.finfo(dtype).max))
    clf = BackpropClassifier(epsilon_init=largest, reg_lambda=1.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"cannot train.*lower epsilon_init"):
            clf.fit(X.astype(dtype), y)


@pytest.mark.parametrize("max_iter", [10**20, np.int64(2**62)], ids=["10**20", "int64 2**62"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_huge_max_iter_means_until_tol(solver, max_iter):
    X, y = make_moons(60, noise=0.2, random_state=0)
    learning_rate = 0.1 if solver in ("sgd", "adam") else "auto"
    clf = BackpropClassifier(
        (3,),
        solver=solver,
        max_iter=max_iter,
        tol=1e-2,
        learning_rate=learning_rate,
        random_state=0,
        standardize=False,  # the step counts below are those of the raw moons
    )
    clf = _fit_quietly(clf, X, y)
    assert 1 <= clf.n_iter_ < 100
    assert clf.score(X, y) > 0.8


@pytest.mark.parametrize(
    "name", ["learning_rate", "tol", "reg_lambda", "epsilon_init", "epsilon", "power_t"]
)
def test_real_parameters_beyond_the_float_range_are_value_errors(name):
    X, y = _data()
    with pytest.raises(ValueError, match=f"{name} must be"):
        BackpropClassifier(**{name: 10**400}).fit(X, y)


def test_huge_counts_are_legal():
    X, y = _data()
    clf = BackpropClassifier((2,), max_iter=3, tol=0.0, n_iter_no_change=10**20, random_state=0)
    assert _fit_quietly(clf, X, y).n_iter_ == 3


# -- 3. hidden_layer_sizes must be a sequence --------------------------------------


@pytest.mark.parametrize(
    "hidden",
    [iter([3]), {3: 1}, {3}, frozenset({3}), (s for s in [3]), np.array([[3]]), np.array([3.0])],
    ids=["iterator", "dict", "set", "frozenset", "generator", "2-D ndarray", "float ndarray"],
)
def test_hidden_layer_sizes_that_are_not_sequences_are_rejected(hidden):
    X, y = _data()
    clf = BackpropClassifier(hidden, max_iter=2, tol=0.0)
    with pytest.raises(TypeError, match="hidden_layer_sizes must be a tuple of positive ints"):
        clf.fit(X, y)
    assert not hasattr(clf, "thetas_")


@pytest.mark.parametrize("hidden", [(3, 2), [3, 2], range(3, 1, -1), np.array([3, 2])], ids=repr)
def test_hidden_layer_sizes_sequences_give_the_same_network_every_fit(hidden):
    X, y = _data()
    clf = BackpropClassifier(hidden, max_iter=2, tol=0.0, random_state=0)
    first = [t.shape for t in clf.fit(X, y).thetas_]
    second = [t.shape for t in clf.fit(X, y).thetas_]
    assert first == second == [(3, 4), (2, 4), (2, 3)]


# -- 4. the public engine functions -------------------------------------------------


def test_unpack_rejects_what_it_cannot_view():
    thetas, _, _ = _problem()
    flat = engine.pack(thetas)
    with pytest.raises(TypeError, match="theta_flat must be a 1-D ndarray"):
        engine.unpack(flat.tolist(), [3, 4, 2])
    with pytest.raises(TypeError, match="theta_flat must be a 1-D ndarray"):
        engine.unpack(1.0, [3, 4, 2])
    with pytest.raises(ValueError, match="theta_flat must be a vector of 26 parameters"):
        engine.unpack(flat[:-1], [3, 4, 2])
    with pytest.raises(ValueError, match="layer_sizes must list at least 2 layers"):
        engine.unpack(flat, [3])
    with pytest.raises(ValueError, match="layer_sizes must be"):
        engine.unpack(flat, [3, 0, 2])
    with pytest.raises(TypeError, match="layer_sizes must be"):
        engine.unpack(flat, iter([3, 4, 2]))


def test_layers_without_units_are_rejected():
    _, X, _ = _problem()
    for thetas, Y in (
        ([np.zeros((0, 4))], np.zeros((40, 0))),  # K = 0 output units
        ([np.zeros((0, 4)), np.zeros((2, 1))], np.zeros((40, 2))),  # an empty hidden layer
    ):
        with pytest.raises(ValueError, match="thetas must give every layer at least one unit"):
            engine.cost(thetas, X, Y)
    with pytest.raises(ValueError, match="thetas must give every layer at least one unit"):
        engine.forward([np.zeros((2, 1))], np.zeros((5, 0)))
    with pytest.raises(ValueError, match="layer_sizes must be"):
        engine.make_objective(X, np.zeros((40, 0)), [3, 0])


@pytest.mark.parametrize(
    "call",
    [
        lambda th, X, Y: engine.cost(th, X, Y),
        lambda th, X, Y: engine.cost_and_gradient(th, X, Y),
        lambda th, X, Y: engine.forward(th, X),
        lambda th, X, Y: engine.forward_logits(th, X),
        lambda th, X, Y: engine.gradient_check(th, X, Y),
        lambda th, X, Y: engine.layer_sizes_of(th),
    ],
    ids=["cost", "cost_and_gradient", "forward", "forward_logits", "gradient_check", "sizes"],
)
def test_thetas_must_be_a_list_not_a_generator(call):
    thetas, X, Y = _problem()
    with pytest.raises(TypeError, match="thetas must be a list or tuple"):
        call((theta for theta in thetas), X, Y)
    with pytest.raises(TypeError, match="thetas must be a list or tuple of 2-D ndarrays"):
        call([theta.tolist() for theta in thetas], X, Y)


def test_thetas_may_be_a_tuple():
    thetas, X, Y = _problem()
    assert engine.cost(tuple(thetas), X, Y) == engine.cost(thetas, X, Y)
    assert engine.gradient_check(tuple(thetas), X, Y) < 1e-7


@pytest.mark.parametrize(
    ("epsilon", "exc"),
    [
        (0, ValueError),
        (-1e-5, ValueError),
        (np.nan, ValueError),
        (np.inf, ValueError),
        ("1e-5", TypeError),
        (None, TypeError),
    ],
)
def test_finite_difference_step_must_be_positive(epsilon, exc):
    thetas, X, Y = _problem()
    with pytest.raises(exc, match="epsilon must be a float > 0"):
        engine.gradient_check(thetas, X, Y, epsilon=epsilon)
    with pytest.raises(exc, match="epsilon must be a float > 0"):
        engine.numerical_gradient(lambda t: float(t @ t), np.ones(2), epsilon=epsilon)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, np.complex128, bool, "S3"])
def test_init_thetas_dtype_must_be_a_float(dtype):
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        engine.init_thetas([3, 4, 2], random_state=0, dtype=dtype)
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        engine.init_thetas([3, 4, 2], random_state=0, dtype="not a dtype")


@pytest.mark.parametrize(
    ("epsilon_init", "exc"),
    [
        (-1.0, ValueError),
        (0.0, ValueError),
        (np.nan, ValueError),
        (np.inf, ValueError),
        (1e308, ValueError),
        (10**400, ValueError),
        ("0.1", TypeError),
        (True, TypeError),
    ],
    ids=["-1", "0", "nan", "inf", "1e308", "10**400", "'0.1'", "True"],
)
def test_init_thetas_epsilon_init_must_be_a_positive_width(epsilon_init, exc):
    with pytest.raises(exc, match="epsilon_init must be"):
        engine.init_thetas([3, 4, 2], random_state=0, epsilon_init=epsilon_init)


# -- 5. float32 in any byte order or pandas dtype ------------------------------------


@pytest.mark.parametrize(
    "convert",
    [
        lambda X: X.astype(">f4"),
        lambda X: pd.DataFrame(X).astype("Float32"),
        lambda X: pd.DataFrame(X).astype({0: "Float32", 1: np.float32, 2: ">f4"}),
    ],
    ids=[">f4", "pandas Float32", "pandas mixed float32 columns"],
)
def test_float32_input_trains_in_native_float32(convert):
    X, y = _data()
    expected = BackpropClassifier((4,), max_iter=5, tol=0.0, random_state=0).fit(
        X.astype(np.float32), y
    )
    clf = BackpropClassifier((4,), max_iter=5, tol=0.0, random_state=0).fit(convert(X), y)
    for theta, theta_expected in zip(clf.thetas_, expected.thetas_, strict=True):
        assert theta.dtype == np.float32
        assert theta.dtype.isnative
        assert_array_equal(theta, theta_expected)


def test_big_endian_float64_input_trains_in_native_float64():
    X, y = _data()
    clf = BackpropClassifier((4,), max_iter=5, tol=0.0, random_state=0).fit(X.astype(">f8"), y)
    assert all(t.dtype == np.float64 and t.dtype.isnative for t in clf.thetas_)


def test_partial_fit_on_big_endian_float32_trains_in_float32():
    X, y = _data()
    clf = BackpropClassifier((4,), solver="adam", random_state=0)
    clf.partial_fit(X.astype(">f4"), y, classes=[0, 1])
    assert all(t.dtype == np.float32 and t.dtype.isnative for t in clf.thetas_)


def test_pandas_float32_with_missing_values_is_rejected():
    X, y = _data()
    df = pd.DataFrame(X).astype("Float32")
    df.iloc[3, 1] = pd.NA
    with pytest.raises(ValueError, match="Input X contains NaN"):
        BackpropClassifier().fit(df, y)


def test_engine_computes_big_endian_float32_in_native_float32():
    thetas, X, Y = _problem()
    big = [theta.astype(">f4") for theta in thetas]
    native = [theta.astype(np.float32) for theta in thetas]
    H = engine.forward(big, X.astype(">f4"))
    assert H.dtype == np.float32 and H.dtype.isnative
    assert_array_equal(H, engine.forward(native, X.astype(np.float32)))
    assert engine.cost(big, X.astype(">f4"), Y) == engine.cost(native, X.astype(np.float32), Y)
    for theta in engine.init_thetas([3, 4, 2], random_state=0, dtype=">f4"):
        assert theta.dtype == np.float32 and theta.dtype.isnative
