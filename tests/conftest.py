import pytest
from hypothesis import HealthCheck, settings

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
