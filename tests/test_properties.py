"""Properties of the engine and the estimator over random networks (hypothesis)."""

import pickle

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from skbackprop import BackpropClassifier, engine

from .reference import reference_cost_and_gradient

ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity"]
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@st.composite
def problems(draw, max_hidden=3, max_units=8, min_classes=2, max_classes=6):
    """A random network, data, one-hot targets and optional sample weights."""
    n_features = draw(st.integers(1, 5))
    hidden = draw(st.lists(st.integers(1, max_units), min_size=0, max_size=max_hidden))
    n_classes = draw(st.integers(min_classes, max_classes))
    m = draw(st.integers(n_classes, 3 * n_classes + 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n_features)) * draw(st.sampled_from([0.1, 1.0, 3.0]))
    # every class present at least once
    y = np.concatenate([np.arange(n_classes), rng.integers(0, n_classes, m - n_classes)])
    rng.shuffle(y)
    weighted = draw(st.booleans())
    w = rng.integers(0, 4, size=m).astype(float) if weighted else None
    if w is not None:
        w[np.unique(y, return_index=True)[1]] = 1.0  # every class keeps some weight
    return {
        "layer_sizes": [n_features, *hidden, n_classes],
        "thetas": engine.init_thetas([n_features, *hidden, n_classes], random_state=seed),
        "X": X,
        "y": y,
        "Y": np.eye(n_classes)[y],
        "w": w,
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "reg_lambda": draw(st.floats(0.0, 10.0)),
        "seed": seed % 1000,
    }


def _away_from_relu_kinks(p):
    """True unless a hidden ReLU sits within finite-difference reach of its kink."""
    if p["activation"] != "relu":
        return True
    thetas = p["thetas"]
    for depth in range(1, len(thetas)):
        z = engine.forward_logits(thetas[:depth], p["X"], "relu")
        if np.abs(z).min() < 1e-3:
            return False
    return True


@given(problems())
def test_gradient_check_below_1e7(p):
    assume(_away_from_relu_kinks(p))
    diff = engine.gradient_check(
        p["thetas"], p["X"], p["Y"], p["reg_lambda"], p["activation"], p["w"]
    )
    assert diff < 1e-7


@given(problems())
def test_cost_and_gradient_equal_the_seed_formulas_term_by_term(p):
    J_ref, grads_ref = reference_cost_and_gradient(
        p["thetas"], p["X"], p["Y"], p["reg_lambda"], p["activation"], p["w"]
    )
    J, grads = engine.cost_and_gradient(
        p["thetas"], p["X"], p["Y"], p["reg_lambda"], p["activation"], p["w"]
    )
    assert J == pytest.approx(J_ref, rel=1e-12)
    assert engine.cost(
        p["thetas"], p["X"], p["Y"], p["reg_lambda"], p["activation"], p["w"]
    ) == pytest.approx(J_ref, rel=1e-12)
    assert_allclose(engine.pack(grads), engine.pack(grads_ref), rtol=1e-10, atol=1e-14)


@given(problems())
def test_pack_unpack_round_trip_exactly_with_views(p):
    flat = engine.pack(p["thetas"])
    back = engine.unpack(flat, p["layer_sizes"])
    assert len(back) == len(p["thetas"])
    for theta, view in zip(p["thetas"], back, strict=True):
        assert_array_equal(view, theta)
        assert view.base is flat or np.shares_memory(view, flat)
    assert_array_equal(engine.pack(back), flat)


def _fit(p, **params):
    params = {
        "hidden_layer_sizes": tuple(p["layer_sizes"][1:-1]),
        "activation": p["activation"],
        "reg_lambda": p["reg_lambda"],
        "max_iter": 15,
        "tol": 0,
        "learning_rate": 0.1,
        "random_state": p["seed"],
        **params,
    }
    return BackpropClassifier(**params)


@given(problems(max_hidden=2), st.sampled_from(["gd", "L-BFGS-B"]))
def test_probabilities_are_normalised_and_predict_is_their_argmax(p, solver):
    clf = _fit(p, solver=solver).fit(p["X"], p["y"], sample_weight=p["w"])
    X_new = np.random.default_rng(0).normal(size=(30, p["X"].shape[1])) * 10
    proba = clf.predict_proba(X_new)
    assert np.all((proba >= 0) & (proba <= 1))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(clf.predict(X_new), clf.classes_[proba.argmax(axis=1)])


@given(problems(max_hidden=2), st.sampled_from(["gd", "L-BFGS-B"]), st.integers(0, 2**16))
def test_relabelling_the_classes_only_renames_them(p, solver, seed):
    n_classes = p["layer_sizes"][-1]
    rng = np.random.default_rng(seed)
    names_int = rng.permutation(n_classes) * 7 - 3  # shuffled order, negative ints
    names_str = np.array([f"class-{c}" for c in rng.permutation(n_classes)])
    base = _fit(p, solver=solver).fit(p["X"], p["y"], sample_weight=p["w"])
    proba = base.predict_proba(p["X"])
    for names in (names_int, names_str):
        clf = _fit(p, solver=solver).fit(p["X"], names[p["y"]], sample_weight=p["w"])
        assert_array_equal(clf.predict(p["X"]), names[base.predict(p["X"])])
        # column of class c in the relabelled model == column of names[c]
        columns = np.searchsorted(clf.classes_, names)
        assert_allclose(clf.predict_proba(p["X"])[:, columns], proba, rtol=0, atol=1e-15)
        for row_new, row_old in zip(clf.thetas_[-1][columns], base.thetas_[-1], strict=True):
            assert_array_equal(row_new, row_old)
        for theta_new, theta_old in zip(clf.thetas_[:-1], base.thetas_[:-1], strict=True):
            assert_array_equal(theta_new, theta_old)


@given(problems(max_hidden=2))
def test_integer_sample_weights_equal_repeated_rows(p):
    w = np.random.default_rng(p["seed"]).integers(0, 4, size=len(p["y"]))
    w[np.unique(p["y"], return_index=True)[1]] = 1  # every class keeps some weight
    order = np.random.default_rng(1).permutation(len(p["y"]))  # and shuffle the rows
    weighted = _fit(p).fit(p["X"][order], p["y"][order], sample_weight=w[order])
    repeated = _fit(p).fit(p["X"].repeat(w, axis=0), p["y"].repeat(w))
    assert_allclose(weighted.predict_proba(p["X"]), repeated.predict_proba(p["X"]), atol=1e-10)
    assert weighted.loss_ == pytest.approx(repeated.loss_, rel=1e-10)


@given(problems(max_hidden=2), st.sampled_from(["gd", "L-BFGS-B", "CG"]))
def test_same_random_state_gives_bit_identical_weights(p, solver):
    a = _fit(p, solver=solver).fit(p["X"], p["y"], sample_weight=p["w"])
    b = _fit(p, solver=solver).fit(p["X"], p["y"], sample_weight=p["w"])
    for s, t in zip(a.thetas_, b.thetas_, strict=True):
        assert_array_equal(s, t)
    c = pickle.loads(pickle.dumps(a))
    assert_array_equal(c.predict_proba(p["X"]), a.predict_proba(p["X"]))


@given(problems(max_hidden=2), st.integers(1, 12), st.integers(1, 12))
def test_warm_start_gradient_descent_continues_exactly(p, first, second):
    full = _fit(p, max_iter=first + second).fit(p["X"], p["y"], sample_weight=p["w"])
    warm = _fit(p, max_iter=first, warm_start=True).fit(p["X"], p["y"], sample_weight=p["w"])
    warm.set_params(max_iter=second).fit(p["X"], p["y"], sample_weight=p["w"])
    for s, t in zip(full.thetas_, warm.thetas_, strict=True):
        assert_array_equal(s, t)
    assert warm.loss_curve_ == full.loss_curve_
