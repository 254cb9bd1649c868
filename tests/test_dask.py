"""Training and prediction on a dask.distributed cluster (the optional [dask] extra).

One LocalCluster of two worker processes serves the whole module: starting it
is most of the module's time.
"""

import re
import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier, _targets, engine
from skbackprop._blocks import thread_budget
from skbackprop._data import is_dask_collection

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")
skdask = pytest.importorskip("skbackprop.dask")

CHUNK = 100


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=400, n_features=5, n_informative=4, n_redundant=0, n_classes=3, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    w = np.random.default_rng(0).uniform(0.0, 2.0, len(y))
    return X, y, w


def chunked(*arrays):
    return [None if a is None else da.from_array(a, chunks=CHUNK) for a in arrays]


def net(**params):
    return BackpropClassifier(hidden_layer_sizes=(4,), random_state=0, **params)


def assert_same_thetas(a, b, atol):
    assert [t.shape for t in a.thetas_] == [t.shape for t in b.thetas_]
    for p, q in zip(a.thetas_, b.thetas_, strict=True):
        assert p.dtype == q.dtype
        assert_allclose(p, q, rtol=0, atol=atol)


# -- data-parallel full-batch fit -------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "solver, max_iter, atol",
    # L-BFGS-B builds its curvature pairs from differences of gradients, which
    # amplify the rounding of the per-chunk sums more than gd's steps do.
    [("gd", 20, 1e-12), ("L-BFGS-B", 15, 1e-10)],
)
def test_dask_fit_equals_in_memory_fit(client, data, weighted, solver, max_iter, atol):
    X, y, w = data
    w = w if weighted else None
    params = {"solver": solver, "max_iter": max_iter, "tol": 0}
    memory = net(**params).fit(X, y, sample_weight=w)
    Xd, yd, wd = chunked(X, y, w)
    dist = net(**params).fit(Xd, yd, sample_weight=wd)
    assert_same_thetas(dist, memory, atol)
    assert_array_equal(dist.classes_, memory.classes_)
    assert_array_equal(dist._unit_class, memory._unit_class)
    assert dist.n_features_in_ == 5 and dist.n_iter_ == memory.n_iter_ == max_iter
    assert dist.t_ == memory.t_
    assert_allclose(dist.loss_curve_, memory.loss_curve_, rtol=1e-12)


def test_float32_and_string_labels_and_numpy_y(client, data):
    X, y, _ = data
    X32 = X.astype(np.float32)
    labels = np.array(["cat", "dog", "emu"])[y]
    memory = net(max_iter=10, tol=0).fit(X32, labels)
    (Xd,) = chunked(X32)
    dist = net(max_iter=10, tol=0).fit(Xd, labels)  # y in memory is chunked like X
    assert dist.thetas_[0].dtype == np.float32
    assert_array_equal(dist.classes_, ["cat", "dog", "emu"])
    assert_same_thetas(dist, memory, 1e-5)


def validation_set(X, y, weighted):
    """A validation set like the training rows: 150 of them, with noise."""
    rng = np.random.default_rng(1)
    X_val = X[:150] + rng.normal(scale=0.3, size=(150, X.shape[1]))
    w_val = rng.uniform(0.0, 2.0, 150) if weighted else None
    return {"X_val": X_val, "y_val": y[:150], "sample_weight_val": w_val}


@pytest.mark.parametrize("held_out", [True, False], ids=["held-out", "X_val"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("solver, atol", [("gd", 1e-12), ("L-BFGS-B", 1e-10)])
def test_early_stopping_on_the_workers_equals_in_memory(
    client, data, solver, atol, weighted, held_out
):
    X, y, w = data
    w = w if weighted else None
    params = {
        "solver": solver,
        "max_iter": 15,
        "tol": 0,
        "early_stopping": True,
        "n_iter_no_change": 3,
    }
    val = {} if held_out else validation_set(X, y, weighted)
    memory = net(**params).fit(X, y, sample_weight=w, **val)
    # X_val in chunks of 40 rows: its sums add four chunks.
    val_dask = {k: None if v is None else da.from_array(v, chunks=40) for k, v in val.items()}
    Xd, yd, wd = chunked(X, y, w)
    dist = net(**params).fit(Xd, yd, sample_weight=wd, **val_dask)
    assert dist.n_iter_ == memory.n_iter_
    assert_allclose(dist.validation_loss_curve_, memory.validation_loss_curve_, rtol=1e-12)
    # Shares of the rows, added in another order: equal up to the last bit.
    assert_allclose(dist.validation_scores_, memory.validation_scores_, rtol=1e-14)
    assert_allclose(dist.best_validation_score_, memory.best_validation_score_, rtol=1e-14)
    assert_allclose(dist.loss_curve_, memory.loss_curve_, rtol=1e-12)
    assert_same_thetas(dist, memory, atol)


def test_validation_arrays_keep_the_training_dtype_and_are_checked(client, data):
    X, y, _ = data
    X32 = X.astype(np.float32)
    val = validation_set(X, y, weighted=False)  # float64 rows, scored in float32
    params = {"max_iter": 5, "tol": 0}
    memory = net(**params).fit(X32, y, **val)
    Xd, yd = chunked(X32, y)
    X_val = da.from_array(val["X_val"], chunks=40)
    dist = net(**params).fit(Xd, yd, X_val=X_val, y_val=val["y_val"])  # y_val in memory
    assert dist.thetas_[0].dtype == np.float32
    assert_allclose(dist.validation_loss_curve_, memory.validation_loss_curve_, rtol=1e-6)
    assert_same_thetas(dist, memory, 1e-5)
    # An X_val in memory is scored on the client, as in the in-memory fit.
    on_client = net(**params).fit(Xd, yd, **val)
    assert_allclose(on_client.validation_loss_curve_, memory.validation_loss_curve_, rtol=1e-6)

    y_val = da.from_array(val["y_val"], chunks=40)
    X_nan = val["X_val"].copy()
    X_nan[100, 3] = np.nan
    for bad, match in [
        ({"X_val": X_val[:, :4], "y_val": y_val}, "X_val has 4 features but X has 5"),
        ({"X_val": X_val, "y_val": y_val[:-1]}, "y_val has 149 rows but X_val has 150"),
        ({"X_val": X_val, "y_val": y_val + 5}, r"y_val has the label 5, which is not among"),
        ({"X_val": X_val, "y_val": y_val + 0.5}, r"y_val: Unknown label type"),
        ({"X_val": da.from_array(X_nan, chunks=40), "y_val": y_val}, "X_val contains NaN"),
        ({"X_val": X_val}, "X_val and y_val must be passed together"),
        (
            {"X_val": X_val, "y_val": y_val, "sample_weight_val": da.zeros(150, chunks=40)},
            "sample_weight_val must not be all zero",
        ),
        (
            {"X_val": X_val, "y_val": y_val, "sample_weight_val": -da.ones(150, chunks=40)},
            "sample_weight_val must be non-negative",
        ),
    ]:
        with pytest.raises(ValueError, match=match):
            net(**params).fit(Xd, yd, **bad)


def test_predictions_are_dask_arrays_that_agree(client, data):
    X, y, _ = data
    clf = net(solver="L-BFGS-B", max_iter=50, tol=0).fit(*chunked(X, y))
    (Xd,) = chunked(X)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        lazy = getattr(clf, method)(Xd)
        assert isinstance(lazy, da.Array)
        assert lazy.chunks[0] == Xd.chunks[0]
        computed = lazy.compute()
        expected = getattr(clf, method)(X)
        assert computed.shape == expected.shape and computed.dtype == expected.dtype
        if method == "predict":
            assert_array_equal(computed, expected)
        else:
            assert_allclose(computed, expected, rtol=1e-14, atol=0)
    assert clf.score(X, y) > 0.8
    with pytest.raises(ValueError, match=r"X has 4 features, but .* fitted with 5"):
        clf.predict(Xd[:, :4])


def test_client_memory_stays_below_the_data(client):
    # X is made on the workers: the client holds the graph, never the rows.
    rng = da.random.default_rng(0)
    X = rng.normal(size=(160_000, 20), chunks=(40_000, 20))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    tracemalloc.start()
    try:
        clf = net(solver="L-BFGS-B", max_iter=3, tol=0).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert clf.n_iter_ == 3
    # X is 25.6 MB; the client sees gradients and per-class sums, and a fixed
    # ~1.6 MB of the in-process scheduler's buffers (which a 6.4 MB X came close to).
    assert peak < X.nbytes / 4, (peak, X.nbytes)


def test_the_learned_nothing_check_runs_on_the_workers(client):
    # The check looks at about 2000 training rows, all of X below 4000: they
    # came to the client (3,000 x 4,000 grew it by 182 MiB). Only counts do now.
    rng = da.random.default_rng(0)
    X = rng.normal(size=(3_000, 1_000), chunks=(750, 1_000))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = net(max_iter=3)  # tol > 0: the check runs
    tracemalloc.start()
    try:
        with pytest.warns(ConvergenceWarning, match="max_iter"):
            clf.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # X is 24 MB; measured peak: 48 MB before, 2.6 MB now (mostly the buffers
    # of the scheduler's messages, which runs in this process).
    assert peak < X.nbytes / 4, (peak, X.nbytes)


def test_a_raw_fit_measures_the_scale_of_the_features_on_the_workers(client):
    # standardize=False: whether X looks standardised (for the advice of the
    # warnings) came from about 2000 rows pulled to the client (all of them
    # here, 9.6 MB: a 20 MB peak); it is computed from the moments on the workers now.
    rng = da.random.default_rng(0)
    X = rng.normal(size=(3_000, 400), chunks=(750, 400)) * 10 + 5
    y = (X[:, 0] > 5).astype(int)
    tracemalloc.start()
    try:
        clf = net(solver="gd", max_iter=1, tol=0, standardize=False).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert clf.n_iter_ == 1
    assert peak < X.nbytes / 4, (peak, X.nbytes)


def test_the_learned_nothing_check_says_what_it_says_in_memory(client):
    # Raw wine (proline ~ 1000), trained raw (standardize=False), saturates the
    # sigmoids from the start and the fit predicts one class. 4,450 rows: the
    # check takes every other row, which the chunks of 333 rows (odd offsets)
    # count where they lie.
    X, y = load_wine(return_X_y=True)
    X, y = np.tile(X, (25, 1)), np.tile(y, 25)
    clf = net(activation="sigmoid", solver="L-BFGS-B", standardize=False, reg_lambda=1e-4)
    messages = []
    for data in ((X, y), (da.from_array(X, chunks=333), da.from_array(y, chunks=333))):
        with pytest.warns(ConvergenceWarning) as record:
            clf.fit(*data)
        messages.append([str(w.message) for w in record])
    assert "learned nothing" in messages[0][0]
    assert re.search(r"predicts one class for 100% .* whose most common class", messages[0][0])
    assert "are saturated and pass no gradient" in messages[0][0]
    assert messages[1] == messages[0]


def test_the_learned_nothing_check_of_a_standardised_fit_counts_on_the_workers(client):
    # standardize=True wraps the dask objective: the check still counts the raw
    # chunks where they lie, with the folded weights. A penalty that swamps the
    # data leaves weights near 0: one class predicted for every row.
    X, y = load_wine(return_X_y=True)
    X, y = np.tile(X, (25, 1)), np.tile(y, 25)
    clf = net(solver="L-BFGS-B", reg_lambda=1e5)
    messages = []
    for data in ((X, y), (da.from_array(X, chunks=333), da.from_array(y, chunks=333))):
        with pytest.warns(ConvergenceWarning) as record:
            clf.fit(*data)
        messages.append([str(w.message) for w in record])
    assert re.search(r"predicts one class for 100% .* whose most common class", messages[0][0])
    assert messages[1] == messages[0]


@pytest.mark.parametrize("x0", [False, True], ids=["continued", "fresh"])
def test_the_counts_of_the_learned_nothing_check_are_those_in_memory(client, data, x0):
    X, y, _ = data
    sizes = [5, 6, 3]
    Y = np.eye(3, dtype=bool)[y]
    fun = skdask.make_objective(*chunked(X * 3, Y), sizes, activation="tanh")
    try:
        for seed, step in [(0, 1), (1, 3), (2, 7)]:
            x = engine.pack(engine.init_thetas(sizes, seed, 2.0))
            start = engine.pack(engine.init_thetas(sizes, seed + 10, 2.0)) if x0 else None
            on_workers = fun.row_counts(x, start, step, False)
            in_memory = _targets.RowCounts.of(fun.loss, x, start, X[::step] * 3, Y[::step], False)
            assert vars(on_workers) == vars(in_memory)
            assert on_workers.rows == len(X[::step])
    finally:
        fun.close()


@pytest.mark.parametrize("held_out", [True, False], ids=["held-out", "X_val"])
def test_validation_rows_stay_on_the_workers(client, held_out):
    # The labels and the split's row numbers come to the client (about 100
    # bytes a row at the peak, in scikit-learn's stratified split); the rows do
    # not: with 800 features, the half held out weighs 3200 bytes a row.
    rng = da.random.default_rng(0)
    X = rng.normal(size=(10_000, 800), chunks=(2_500, 800))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X_val = X[:5_000] if held_out else rng.normal(size=(5_000, 800), chunks=(2_500, 800))
    val = {} if held_out else {"X_val": X_val, "y_val": (X_val[:, 0] + X_val[:, 1] > 0)}
    clf = net(solver="L-BFGS-B", max_iter=3, tol=0, early_stopping=True, validation_fraction=0.5)
    tracemalloc.start()
    try:
        clf.fit(X, y, **val)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(clf.validation_loss_curve_) == clf.n_iter_ == 3
    # 32 MB of validation rows; measured peak: 3.7 MB, and up to 7.4 MB when the
    # interpreter's table of interned strings (msgpack interns the task keys it
    # decodes) is rehashed during the fit, which tracemalloc counts whole.
    assert peak < X_val.nbytes / 2, (peak, X_val.nbytes)


def test_bad_dask_inputs_are_clear_errors(client, data):
    X, y, w = data
    Xd, yd, wd = chunked(X, y, w)
    with pytest.raises(ValueError, match="y has 399 rows but X has 400"):
        net().fit(Xd, yd[:-1])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        net().fit(Xd, yd, sample_weight=-wd)
    X_nan = X.copy()
    X_nan[250, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        net().fit(*chunked(X_nan, y))
    with pytest.raises(ValueError, match="at least 2 classes"):
        net().fit(Xd, da.zeros(400, chunks=CHUNK, dtype=int))
    unknown = Xd[Xd[:, 0] > 0]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        net().fit(unknown, yd[:10])


def test_a_failed_dask_fit_leaves_the_estimator_as_it_was(client, data):
    X, y, w = data
    clf = net(max_iter=5, tol=0).fit(X, y)
    before = [t.copy() for t in clf.thetas_]
    Xd, yd, wd = chunked(X, y, w)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(Xd, yd, sample_weight=-wd)
    for p, q in zip(before, clf.thetas_, strict=True):
        assert_array_equal(p, q)


def test_distributed_objective_batches_estimate_the_same_cost(client, data):
    X, y, w = data
    Y = np.eye(3)[y]
    sizes = [5, 4, 3]
    fun = skdask.make_objective(
        *chunked(X, Y), sizes, reg_lambda=0.3, sample_weight=chunked(w)[0], client=client
    )
    memory = engine.make_objective(X, Y, sizes, reg_lambda=0.3, sample_weight=w)
    theta = engine.pack(engine.init_thetas(sizes, random_state=1))
    try:
        J, grad = fun(theta)
        J0, grad0 = memory(theta)
        assert_allclose(J, J0, rtol=1e-13)
        assert_allclose(grad, grad0, rtol=1e-11, atol=1e-15)
        assert_allclose(fun.cost(theta), J0, rtol=1e-13)
        rows = np.random.default_rng(0).permutation(400)[:150]  # across all four chunks
        for batch in (rows, slice(90, 210)):
            Jb, gb = fun.batch(theta, batch)
            Jb0, gb0 = memory.batch(theta, batch)
            assert_allclose(Jb, Jb0, rtol=1e-13)
            assert_allclose(gb, gb0, rtol=1e-11, atol=1e-15)
    finally:
        fun.close()


# -- mini-batches -------------------------------------------------------------------------


def test_partial_fit_on_chunks_equals_partial_fit_fed_the_same_chunks(client, data):
    X, y, w = data
    Xd, yd, wd = chunked(X, y, w)
    params = {"solver": "adam", "learning_rate": 0.03, "batch_size": 32}
    dist, memory = net(**params), net(**params)
    for _ in range(5):  # five passes over the data, one chunk at a time
        dist.partial_fit(Xd, yd, classes=[0, 1, 2], sample_weight=wd)
        for k in range(0, 400, CHUNK):
            rows = slice(k, k + CHUNK)
            memory.partial_fit(X[rows], y[rows], classes=[0, 1, 2], sample_weight=w[rows])
    assert dist.n_iter_ == memory.n_iter_ == 20 and dist.t_ == 2000
    assert_same_thetas(dist, memory, 0)  # the same arithmetic: bit for bit
    assert dist.score(X, y) > 0.75  # L-BFGS-B's full fit: 0.87


def test_ctrl_c_during_a_pass_over_chunks_stops_it_and_keeps_the_chunks_done(client, data):
    import signal

    from tests.test_interrupts import SigintAtCall, traced

    X, y, _ = data
    Xd, yd = chunked(X, y)
    clf = net(solver="adam", batch_size=50, max_iter=5)  # two mini-batches per chunk
    tracer = SigintAtCall("batch", 3)  # the second chunk's first mini-batch
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            traced(tracer, clf.partial_fit, Xd, yd, classes=[0, 1, 2])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert tracer.calls == 3  # the pass stopped: no later chunk was trained
    # the first chunk's epoch and the second's first mini-batch, which belong together
    assert clf._solver_state["t"] == 3
    assert clf.n_iter_ == len(clf.loss_curve_) == 1 and clf.t_ == CHUNK
    assert clf.predict(X).shape == y.shape


def test_multilabel_partial_fit_and_predict_on_chunks(client, data):
    X, y, _ = data
    Y = np.stack([y == 0, y == 1, X[:, 0] > 0], axis=1).astype(np.int64)
    Xd, Yd = da.from_array(X, chunks=CHUNK), da.from_array(Y, chunks=(CHUNK, -1))
    dist = net(solver="adam", learning_rate=0.01).partial_fit(Xd, Yd)
    memory = net(solver="adam", learning_rate=0.01)
    for start in range(0, len(X), CHUNK):
        memory.partial_fit(X[start : start + CHUNK], Y[start : start + CHUNK])
    assert_same_thetas(dist, memory, atol=0.0)
    predicted = dist.predict(Xd)
    assert is_dask_collection(predicted)
    assert_array_equal(predicted.compute(), memory.predict(X), strict=True)
    assert_allclose(dist.predict_proba(Xd).compute(), memory.predict_proba(X), rtol=1e-14)
    with pytest.raises(ValueError, match="multilabel y is not supported by the data-parallel"):
        net().fit(Xd, Yd)


def test_sparse_chunks_are_for_partial_fit_and_predict(client, data):
    sp = pytest.importorskip("scipy.sparse")
    X, y, _ = data
    Xs = da.from_array(X, chunks=CHUNK).map_blocks(sp.csr_matrix)
    with pytest.raises(TypeError, match="does not take dask arrays of sparse chunks"):
        net().fit(Xs, da.from_array(y, chunks=CHUNK))


def test_sgd_fit_draws_its_batches_on_the_workers(client, data):
    X, y, _ = data
    params = {"solver": "sgd", "learning_rate": 0.05, "batch_size": 50, "max_iter": 8, "tol": 0}
    memory = net(**params).fit(X, y)
    dist = net(**params).fit(*chunked(X, y))
    assert dist.n_iter_ == memory.n_iter_ == 8
    assert_same_thetas(dist, memory, 1e-10)
    assert dist.score(X, y) > 0.75


def test_dask_ml_incremental_drives_partial_fit(client, data):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y, _ = data
    inc = wrappers.Incremental(net(solver="adam", learning_rate=0.01), scoring="accuracy")
    inc.fit(*chunked(X, y), classes=[0, 1, 2])
    assert inc.estimator_.t_ == 400
    assert isinstance(inc.predict(chunked(X)[0]), da.Array)


# -- model search -------------------------------------------------------------------------


def test_grid_search_under_the_dask_backend_equals_the_local_one(client, data):
    X, y, _ = data
    search = GridSearchCV(
        net(solver="L-BFGS-B", max_iter=30, tol=0),
        {"reg_lambda": [1e-4, 1.0], "hidden_layer_sizes": [(3,), (6,)]},
        cv=3,
    )
    local = search.fit(X, y)
    local_scores, local_thetas = local.cv_results_["mean_test_score"], local.best_estimator_.thetas_
    with joblib.parallel_config(backend="dask"), distributed.get_task_stream(client) as tasks:
        remote = GridSearchCV(search.estimator, search.param_grid, cv=3, n_jobs=-1).fit(X, y)
        scores = cross_val_score(net(solver="L-BFGS-B", max_iter=30, tol=0), X, y, cv=3)
    # The fits ran on the workers (joblib sends them in batches).
    workers = {task["worker"] for task in tasks.data}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    # Parts depend on the problem's size, never on the threads: the same bits.
    assert_array_equal(remote.cv_results_["mean_test_score"], local_scores)
    assert remote.best_params_ == local.best_params_
    for p, q in zip(remote.best_estimator_.thetas_, local_thetas, strict=True):
        assert_array_equal(p, q)
    local_cv = cross_val_score(net(solver="L-BFGS-B", max_iter=30, tol=0), X, y, cv=3)
    assert_array_equal(scores, local_cv)


def test_engine_threads_follow_the_workers(client):
    # distributed starts each worker with one BLAS thread per process, and the
    # engine's threads follow that limit: one engine thread per worker thread.
    budgets = client.run(thread_budget)
    assert set(budgets.values()) == {1}


# -- without the extra ----------------------------------------------------------------------


def test_dask_collections_are_recognised_without_importing_dask(data):
    class Duck:
        def __dask_graph__(self):
            return {("x", 0): 1}

    class NotDask:
        def __dask_graph__(self):
            return None

    assert is_dask_collection(Duck())
    assert is_dask_collection(chunked(data[0])[0])
    assert not is_dask_collection(NotDask())
    assert not is_dask_collection(data[0])


def test_a_missing_dependency_names_the_extra():
    with pytest.raises(ImportError, match=r'pip install "skbackprop\[dask\]"'):
        skdask.require(["distributed", "skbackprop_no_such_module"])


def test_float32_warns_where_the_fold_loses_precision(client, data):
    # as in memory (test_standardize): a column far from 0 in float32
    X, y, _ = data
    X32 = X.astype(np.float32)
    X32[:, 1] += np.float32(1e6)
    (Xd,) = chunked(X32)
    with pytest.warns(UserWarning, match=r"column 1: mean .*Pass X as float64") as record:
        net(max_iter=2, tol=0).fit(Xd, y)
    assert [w.filename for w in record] == [__file__]


@pytest.mark.parametrize("standardize", [True, False])
def test_x_val_in_memory_on_another_scale_warns_as_in_memory(client, data, standardize):
    # The chunks' moments (measured on the workers without standardize) are
    # held against X_val's, as the in-memory fit holds its rows' moments.
    X, y, _ = data
    Xd, yd = chunked(X, y)
    params = {"max_iter": 2, "tol": 0, "standardize": standardize}
    with pytest.warns(UserWarning, match=r"X_val's columns are on another scale.*transform_input"):
        net(**params).fit(Xd, yd, X_val=X[:100] * 100 + 50, y_val=y[:100])
    with warnings.catch_warnings():  # rows of the same scale: no warning
        warnings.simplefilter("error", UserWarning)
        net(**params).fit(Xd, yd, X_val=X[:100], y_val=y[:100])
