"""standardize=True: training in standardised coordinates, folded into Theta^(1)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.datasets import load_iris, load_wine, make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier, engine
from skbackprop._standardize import chunk_moments, combine, moments

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
SOLVERS = ["gd", "L-BFGS-B", "CG", "BFGS", "TNC", "sgd", "adam"]


def _wine():
    X, y = load_wine(return_X_y=True)
    return X, y


def _fit(X, y, **params):
    return BackpropClassifier((5,), random_state=0, max_iter=40, **params).fit(X, y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_equals_a_standard_scaler_pipeline(solver):
    X, y = _wine()
    params = {"solver": solver, "max_iter": 40, "random_state": 0}
    ours = BackpropClassifier((5,), **params).fit(X, y)
    pipe = make_pipeline(
        StandardScaler(), BackpropClassifier((5,), standardize=False, **params)
    ).fit(X, y)
    assert_allclose(ours.predict_proba(X), pipe.predict_proba(X), rtol=0, atol=1e-10)
    assert ours.loss_curve_ == pipe[-1].loss_curve_  # the same training, step by step


@pytest.mark.parametrize("solver", ["gd", "L-BFGS-B", "adam"])
def test_sparse_equals_dense(solver):
    X, y = _wine()
    X[X < np.median(X, axis=0)] = 0.0  # sparse enough to matter, and not centred
    dense = _fit(X, y, solver=solver)
    rows = sparse.csr_matrix(X)
    data = rows.data.copy()
    fitted = _fit(rows, y, solver=solver)
    assert_array_equal(rows.data, data)  # X untouched
    assert_allclose(fitted.predict_proba(rows), dense.predict_proba(X), rtol=0, atol=1e-10)
    assert_allclose(fitted.feature_mean_, dense.feature_mean_, rtol=1e-12)


def test_folded_weights_predict_as_the_unfolded_ones():
    X, y = _wine()
    clf = _fit(X, y)
    mean, scale = clf.feature_mean_, clf.feature_scale_
    unfolded = [theta.copy() for theta in clf.thetas_]
    unfolded[0][:, 0] += unfolded[0][:, 1:] @ mean
    unfolded[0][:, 1:] *= scale
    # The published weights act on raw X: the same outputs as the unfolded
    # ones on standardised X.
    raw = engine.forward_logits(clf.thetas_, X, clf.activation_)
    std = engine.forward_logits(unfolded, (X - mean) / scale, clf.activation_)
    assert_allclose(raw, std, rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    solver=st.sampled_from(SOLVERS),
    factors=st.lists(st.floats(1e-3, 1e3), min_size=4, max_size=4),
    shifts=st.lists(st.floats(-10, 10), min_size=4, max_size=4),
)
def test_predictions_do_not_depend_on_the_units(solver, factors, shifts):
    X, y = load_iris(return_X_y=True)
    X, y = X[::3], y[::3]
    params = {"solver": solver, "max_iter": 20, "random_state": 0}
    base = BackpropClassifier((4,), **params).fit(X, y)
    moved = X * np.array(factors) + np.array(shifts) * np.array(factors)
    other = BackpropClassifier((4,), **params).fit(moved, y)
    assert_allclose(other.predict_proba(moved), base.predict_proba(X), rtol=1e-8, atol=1e-12)


def test_sample_weight_weighs_the_moments_and_constant_columns_keep_scale_one():
    X, y = _wine()
    X[:, 3] = 7.0
    w = np.random.default_rng(0).integers(0, 3, len(y)).astype(float)
    clf = BackpropClassifier((5,), max_iter=5, random_state=0).fit(X, y, sample_weight=w)
    scaler = StandardScaler().fit(X, sample_weight=w)
    assert_allclose(clf.feature_mean_, scaler.mean_)
    assert_allclose(clf.feature_scale_, scaler.scale_)
    assert clf.feature_scale_[3] == 1.0
    assert np.isfinite(clf.thetas_[0]).all()


def test_off_takes_gradient_steps_on_the_raw_features():
    X, y = _wine()
    X = X / 1000
    one = BackpropClassifier(
        (5,), standardize=False, reg_lambda=1e-4, max_iter=1, random_state=0
    ).fit(X, y)
    assert one.feature_mean_ is None and one.feature_scale_ is None
    thetas = engine.init_thetas([13, 5, 3], np.random.RandomState(0))
    Y = np.eye(3)[y][:, np.argsort(one._unit_class)]
    fun = engine.make_objective(
        X, Y, [13, 5, 3], reg_lambda=1e-4, activation="tanh", output_activation="softmax"
    )
    x0 = engine.pack(thetas)
    step = engine.unpack(x0 - 1.0 * fun(x0)[1], [13, 5, 3])
    assert_allclose(one.thetas_[0], step[0], rtol=1e-12)


@pytest.mark.parametrize("solver", ["gd", "adam"])
def test_warm_start_continues_in_the_first_fits_coordinates(solver):
    X, y = _wine()
    params = {"solver": solver, "random_state": 0}
    once = BackpropClassifier((5,), max_iter=20, **params).fit(X, y)
    twice = BackpropClassifier((5,), max_iter=10, warm_start=True, **params).fit(X, y)
    mean = twice.feature_mean_.copy()
    twice.fit(X[::2] + 5.0, y[::2])  # other rows: the moments stay
    assert_array_equal(twice.feature_mean_, mean)
    split = BackpropClassifier((5,), max_iter=10, warm_start=True, **params).fit(X, y)
    split.fit(X, y)
    if solver == "gd":  # ten steps and ten more are twenty steps, exactly
        for a, b in zip(split.thetas_, once.thetas_, strict=True):
            assert_array_equal(a, b)
    with pytest.raises(ValueError, match="standardize=False differs"):
        split.set_params(standardize=False).fit(X, y)


def test_warm_start_from_changed_thetas_unfolds_them():
    # The kept standardised weights are those of thetas_ only while thetas_ stay.
    X, y = _wine()
    clf = BackpropClassifier((5,), max_iter=10, warm_start=True, random_state=0).fit(X, y)
    changed = [theta * 0.5 for theta in clf.thetas_]
    clf.thetas_ = [theta.copy() for theta in changed]
    # One step too small to move a weight: the weights it started from.
    clf.set_params(max_iter=1, tol=0.0, learning_rate=1e-300).fit(X, y)
    for a, b in zip(clf.thetas_, changed, strict=True):
        assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_partial_fit_freezes_the_moments_of_its_first_call():
    X, y = _wine()
    clf = BackpropClassifier((5,), solver="adam", random_state=0)
    clf.partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    first = moments(X[:60])
    assert_allclose(clf.feature_mean_, first[0])
    clf.partial_fit(X[60:], y[60:])
    assert_allclose(clf.feature_mean_, first[0])
    assert_allclose(clf.feature_scale_, first[1])


def test_validation_rows_go_through_the_same_transformation():
    X, y = _wine()
    params = {"max_iter": 60, "random_state": 0}
    ours = BackpropClassifier((5,), **params).fit(X[::2], y[::2], X_val=X[1::2], y_val=y[1::2])
    scaler = StandardScaler().fit(X[::2])
    pipe = BackpropClassifier((5,), standardize=False, **params).fit(
        scaler.transform(X[::2]), y[::2], X_val=scaler.transform(X[1::2]), y_val=y[1::2]
    )
    assert_allclose(ours.validation_loss_curve_, pipe.validation_loss_curve_, rtol=1e-10)
    assert ours.n_iter_ == pipe.n_iter_


def test_chunk_moments_combine_to_the_standard_scalers():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)) * [1, 1e-3, 1e3, 0] + [1e6, -3, 0, 2]
    w = rng.uniform(0, 2, 300)
    parts = [chunk_moments(X[a:b], w[a:b]) for a, b in ((0, 100), (100, 101), (101, 300))]
    parts.append(chunk_moments(X[:0], w[:0]))  # an empty chunk
    mean, scale = combine(parts)
    with np.errstate(invalid="ignore"):  # StandardScaler's sqrt of a rounded -0 variance
        scaler = StandardScaler().fit(X, sample_weight=w)
    assert_allclose(mean, scaler.mean_, rtol=1e-12)
    assert_allclose(scale, scaler.scale_, rtol=1e-9)


def test_chunk_moments_keep_the_constant_column_rule_and_the_overflow_fallback():
    # A constant column whose chunk means differ by an ulp has scale 1 (not
    # ~1e-14), and values near the float limit are measured without overflow:
    # the dask fit's moments are the in-memory fit's.
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=600), np.full(600, 3.3), rng.normal(size=600) * 1e200])
    w = rng.uniform(0, 2, 600) * 2.0**300
    for weights in (None, w):
        exponent = 0 if weights is None else int(np.frexp(w.max())[1])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parts = [
                chunk_moments(
                    X[a : a + 200], None if weights is None else weights[a : a + 200], exponent
                )
                for a in range(0, 600, 200)
            ]
            mean, scale = combine(parts)
            expected = moments(X, weights)
        assert scale[1] == 1.0
        assert_allclose(mean, expected[0], rtol=1e-12)
        assert_allclose(scale, expected[1], rtol=1e-12)


def test_raw_data_learn_with_the_defaults():
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    X = X * [1e-3, 1, 1e3, 1e4, 1, 1] + 1e3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = BackpropClassifier(random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9


def _has_transform_input():
    import inspect

    from sklearn.pipeline import Pipeline

    return "transform_input" in inspect.signature(Pipeline).parameters


@pytest.mark.skipif(not _has_transform_input(), reason="Pipeline(transform_input=) needs 1.6")
def test_x_val_goes_through_the_pipeline_with_metadata_routing():
    import sklearn
    from sklearn.pipeline import Pipeline

    X, y = _wine()
    params = {"standardize": False, "max_iter": 60, "tol": 0.0, "random_state": 0}
    with sklearn.config_context(enable_metadata_routing=True):
        net = BackpropClassifier((5,), **params).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("scale", StandardScaler()), ("net", net)], transform_input=["X_val"])
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            pipe.fit(X[::2], y[::2], X_val=X[1::2], y_val=y[1::2])
    scaler = StandardScaler().fit(X[::2])
    by_hand = BackpropClassifier((5,), **params).fit(
        scaler.transform(X[::2]), y[::2], X_val=scaler.transform(X[1::2]), y_val=y[1::2]
    )
    assert pipe[-1].validation_loss_curve_ == by_hand.validation_loss_curve_


def test_a_column_constant_in_x_val_is_not_another_scale():
    # A rare 0/1 feature absent from X_val: its std 0 was compared as the
    # constant-column rule's 1 against the training std (~0.07), a false warning.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    X[:, 2] = 0
    X[rng.choice(2000, 10, replace=False), 2] = 1
    X_val = rng.normal(size=(50, 3))
    X_val[:, 2] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        BackpropClassifier(max_iter=2, tol=0.0, random_state=0).fit(
            X, X[:, 0] > 0, X_val=X_val, y_val=X_val[:, 0] > 0
        )


def test_partial_fit_after_switching_standardize_says_partial_fit():
    X, y = _wine()
    clf = BackpropClassifier((3,), solver="adam", random_state=0).partial_fit(
        X, y, classes=[0, 1, 2]
    )
    clf.set_params(standardize=False)
    with pytest.raises(ValueError, match=r"^partial_fit: standardize=False differs .*base.clone"):
        clf.partial_fit(X, y)


def test_x_val_on_another_scale_than_the_training_rows_warns():
    X, y = _wine()
    pipe = make_pipeline(StandardScaler(), BackpropClassifier((5,), max_iter=5, random_state=0))
    with pytest.warns(UserWarning, match=r"X_val's columns are on another scale.*transform_input"):
        pipe.fit(
            X[::2], y[::2], backpropclassifier__X_val=X[1::2], backpropclassifier__y_val=y[1::2]
        )
    with warnings.catch_warnings():  # rows of the same scale: no warning
        warnings.simplefilter("error", UserWarning)
        BackpropClassifier((5,), max_iter=5, tol=0.0, random_state=0).fit(
            X[::2], y[::2], X_val=X[1::2], y_val=y[1::2]
        )


def _far_column(shift, dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X[:, 1] += shift
    return X.astype(dtype), y


@pytest.mark.parametrize("fmt", ["dense", "sparse"])
def test_float32_warns_where_the_fold_loses_precision(fmt):
    # float32 thetas_ acting on raw X carry about 2**-24 |mean| / std of each
    # hidden input's weight: 0.25 in the probabilities at 1e6 (against the
    # standardised computation), which the warning names with its remedy.
    X, y = _far_column(1e6, np.float32)
    rows = sparse.csr_matrix(X) if fmt == "sparse" else X
    clf = BackpropClassifier((4,), max_iter=5, tol=0, random_state=0)
    with pytest.warns(UserWarning, match=r"column 1: mean 1e\+06.*Pass X as float64") as record:
        clf.fit(rows, y)
    assert [w.filename for w in record] == [__file__]


@pytest.mark.parametrize(("shift", "dtype"), [(1e6, np.float64), (1e2, np.float32)])
def test_no_precision_warning_where_the_fold_holds(shift, dtype):
    X, y = _far_column(shift, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BackpropClassifier((4,), max_iter=5, tol=0, random_state=0).fit(X, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_standardized_rows_hold_the_numbers_of_the_copy(dtype):
    # Columns 1 and 2 reach the float limit in a few rows only: transform
    # falls back in all of their rows, and so must every selection of rows.
    from skbackprop._standardize import StandardizedRows, transform

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 4)).astype(dtype)
    top = np.finfo(dtype).max
    X[3, 1], X[7, 1], X[9, 2] = 0.9 * top, -0.9 * top, top
    X[:, 3] += 1e4  # far from 0: the subtraction rounds
    X_before = X.copy()
    mean, scale = moments(X)
    copy = transform(X, mean, scale)
    rows = StandardizedRows(X, mean, scale)
    order = rng.permutation(50)
    for selection in (slice(10, 30), slice(None, None, 7), order[:13], np.array([9, 3, 0])):
        assert_array_equal(rows[selection], copy[selection])
    assert_array_equal(X, X_before)  # slices are views of X: never written
    # Taken into a kept buffer, as a mini-batch objective gathers: with and
    # without columns that fall back.
    buffer = np.empty((13, 4), dtype=dtype)
    for columns in ([0, 1, 2, 3], [0, 3]):
        rows = StandardizedRows(X[:, columns], mean[columns], scale[columns])
        out = buffer[:, : len(columns)]
        assert rows.take(order[:13], axis=0, out=out) is out
        assert_array_equal(out, copy[order[:13]][:, columns])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_batches_standardised_one_at_a_time_train_as_the_copy(solver):
    # The mini-batch solvers standardise each gathered batch: the weights after
    # epochs of steps equal, bit for bit, those trained on the standardised copy.
    from skbackprop._monitor import Monitor
    from skbackprop._solvers import SGD, Adam
    from skbackprop._standardize import standardized_rows, transform

    X, y = _wine()
    mean, scale = moments(X)
    Y = np.eye(3, dtype=bool)[y]
    sizes = [X.shape[1], 5, 3]
    x0 = engine.pack(engine.init_thetas(sizes, 0))
    kwargs = {"reg_lambda": 1e-3, "activation": "relu", "output_activation": "softmax"}
    copied = engine.make_objective(transform(X, mean, scale), Y, sizes, **kwargs)
    by_batch = standardized_rows(engine.make_objective(X, Y, sizes, **kwargs), mean, scale)
    fits = [
        {"sgd": SGD, "adam": Adam}[solver](1e-2, batch_size=16, max_iter=5, random_state=0)
        .minimize(objective, x0, Monitor(0, 5))
        .x
        for objective in (copied, by_batch)
    ]
    assert_array_equal(fits[1], fits[0])


def test_minibatch_fit_does_not_copy_x_whole(fit_peak):
    # standardize=True copied dense X standardised for every solver: 16 MiB
    # here, where a mini-batch solver needs a batch at a time.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40_000, 50)) * 3.0 + 1.0
    y = (X[:, 0] > 1.0).astype(int)
    clf = BackpropClassifier((4,), solver="adam", batch_size=1000, max_iter=1, random_state=0)
    assert fit_peak(clf, X, y) < 0.5 * X.nbytes


def test_sparse_standardized_steps_give_the_public_layouts_gradient():
    # Sparse mini-batches step with Theta^(1) column-major and no fold: the
    # rows' values are divided by their scale, the centre enters through the
    # bias and the gradient; the numbers of the fold, to rounding.
    from skbackprop._standardize import StandardizedObjective

    X, y = _wine()
    X[X < np.median(X, axis=0)] = 0.0
    rows = sparse.csr_matrix(X)
    mean, scale = moments(rows)
    sizes = [X.shape[1], 5, 3]
    x = engine.pack(engine.init_thetas(sizes, 0))
    objective = StandardizedObjective(
        engine.make_objective(rows, np.eye(3, dtype=bool)[y], sizes, reg_lambda=0.3), mean, scale
    )
    steps = objective.stepper()
    batch = np.arange(5, 60, 3)
    J, grad = objective.batch(x, batch)
    grad = grad.copy()
    J_steps, grad_steps = steps.batch(steps.to_steps(x), batch)
    assert J_steps == pytest.approx(J, rel=1e-14)
    assert_allclose(steps.to_public(grad_steps), grad, rtol=1e-12, atol=1e-15)


def test_sparse_standardized_fit_keeps_no_temporary_as_large_as_the_weights(fit_peak, wide_sparse):
    # Each step folded Theta^(1) into a copy, through a temporary of its size,
    # and mapped the gradient back through another (an outer product): 11.5
    # times the weights at the peak of this fit, 6.6 now.
    X, y = wide_sparse(2_000, 100_000, 5), np.arange(2_000) % 3
    clf = BackpropClassifier((8,), solver="adam", max_iter=1, tol=0.0, random_state=0)
    peak = fit_peak(clf, X, y)
    weights = sum(theta.nbytes for theta in clf.thetas_)
    assert peak < 7 * weights
