import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from scipy import sparse

# Deterministic property tests: the same examples on every run and machine.
settings.register_profile(
    "skbackprop",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("skbackprop")


@pytest.fixture(scope="module")
def client():
    """A local dask cluster of 2 worker processes, one per test module that asks for it."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture
def fit_peak():
    """``fit_peak(estimator, X, y)``: fits, and returns the tracemalloc peak of the fit in bytes."""

    def measure(estimator, X, y):
        tracemalloc.start()
        try:
            estimator.fit(X, y)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    return measure


@pytest.fixture
def wide_sparse():
    """``wide_sparse(m, n, per_row)``: m x n CSR, ``per_row`` random values a row (seed 0)."""

    def make(m, n, per_row):
        rng = np.random.default_rng(0)
        return sparse.csr_matrix(
            (
                rng.random(m * per_row),
                rng.integers(0, n, size=m * per_row),
                np.arange(0, m * per_row + 1, per_row),
            ),
            shape=(m, n),
        )

    return make
