"""BackpropRegressor on dask arrays: the same model as in memory, trained where the chunks live."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbackprop import BackpropRegressor

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = 1e4 * np.sin(X[:, 0]) + 3 * X[:, 1] + 5e4
    return X, y


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BackpropRegressor(random_state=0, **params).fit(X, y)


@pytest.mark.parametrize("solver", ["gd", "L-BFGS-B"])
@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_dask_fit_equals_in_memory_fit(client, data, solver, loss):
    X, y = data
    params = {"solver": solver, "loss": loss, "max_iter": 15}
    memory = _fit(X, y, **params)
    dist = _fit(da.from_array(X, chunks=100), da.from_array(y, chunks=100), **params)
    for a, b in zip(dist.thetas_, memory.thetas_, strict=True):
        assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    assert_allclose(dist.target_mean_, memory.target_mean_, rtol=1e-12)
    predicted = dist.predict(da.from_array(X, chunks=100))
    assert isinstance(predicted, da.Array)
    assert_allclose(predicted.compute(), memory.predict(X), rtol=1e-7)


@pytest.mark.parametrize("held_out", [True, False])
def test_early_stopping_r2_on_the_workers_equals_in_memory(client, data, held_out):
    X, y = data
    Y = np.c_[y, -2 * y]
    params = {"solver": "L-BFGS-B", "max_iter": 15, "early_stopping": True}
    if held_out:
        memory = _fit(X, Y, **params)
        dist = _fit(da.from_array(X, chunks=100), da.from_array(Y, chunks=(100, 2)), **params)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            memory = BackpropRegressor(random_state=0, **params).fit(
                X, Y, X_val=X[:80], y_val=Y[:80]
            )
            dist = BackpropRegressor(random_state=0, **params).fit(
                da.from_array(X, chunks=100),
                da.from_array(Y, chunks=(100, 2)),
                X_val=da.from_array(X[:80], chunks=40),
                y_val=da.from_array(Y[:80], chunks=(40, 2)),
            )
    assert_allclose(dist.validation_scores_, memory.validation_scores_, rtol=1e-6)
    assert dist.predict(da.from_array(X, chunks=100)).compute().shape == (400, 2)


def test_partial_fit_on_chunks_equals_partial_fit_fed_the_same_chunks(client, data):
    X, y = data
    memory = BackpropRegressor(solver="adam", random_state=0)
    for k in range(4):
        memory.partial_fit(X[k * 100 : (k + 1) * 100], y[k * 100 : (k + 1) * 100])
    dist = BackpropRegressor(solver="adam", random_state=0)
    dist.partial_fit(da.from_array(X, chunks=100), da.from_array(y, chunks=100))
    for a, b in zip(dist.thetas_, memory.thetas_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_non_finite_targets_are_an_error_before_training(client, data):
    X, y = data
    y = y.copy()
    y[5] = np.nan
    reg = BackpropRegressor()
    with pytest.raises(ValueError, match="y must be finite"):
        reg.fit(da.from_array(X, chunks=100), da.from_array(y, chunks=100))
    assert not hasattr(reg, "thetas_")
