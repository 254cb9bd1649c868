"""What the distributed objective costs: skbackprop.dask against the in-memory engine.

Run it (not collected by pytest)::

    python benchmarks/dask_overhead.py [--quick] [--json PATH]

For each data size it times one cost-and-gradient evaluation (what gd and the
scipy methods call once per iteration) of

- the in-memory objective, ``engine.make_objective`` on one thread and on all
  the cores the engine may use (``n_threads=thread_budget()``);
- the distributed objective, ``skbackprop.dask.make_objective`` on a
  ``LocalCluster`` of 2 worker processes with 1 thread each, the chunks of X
  persisted on the workers;

and measures the peak memory of the client (tracemalloc, while the distributed
objective is built and evaluated: X is generated on the workers and never
comes to it) and of each worker process (peak RSS). BLAS runs on one thread
everywhere: threadpoolctl pins it on the client, and distributed starts its
workers with ``OPENBLAS_NUM_THREADS=1`` (and OMP, MKL). Each timing is the
median of the repeats, after one warm-up call.
"""

import argparse
import json
import platform
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skbackprop import engine
from skbackprop._blocks import thread_budget

SEED = 0
N_FEATURES = 50
HIDDEN = 64
N_CLASSES = 10
CHUNKS = 4  # row chunks: two per worker
SIZES = (2_000, 20_000, 200_000, 1_000_000)
QUICK_SIZES = (2_000, 20_000)
REPEATS = 7
# Committed results are updated only when asked: --json benchmarks/dask_overhead.json.
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "dask_overhead.json"


def _peak_rss_mb():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median_seconds(fun, theta, repeats):
    fun(theta)  # warm-up: buffers, and the first task of a worker imports skbackprop
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fun(theta)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _data(da, m):
    """X standard normal, labels from a random linear rule; made on the workers."""
    rng = da.random.default_rng(SEED)
    X = rng.normal(size=(m, N_FEATURES), chunks=(-(-m // CHUNKS), N_FEATURES))
    W = np.random.default_rng(SEED).normal(size=(N_FEATURES, N_CLASSES))
    labels = (X @ W).argmax(axis=1)
    Y = labels[:, None] == np.arange(N_CLASSES)
    return X, Y


def run(sizes, repeats):
    import dask.array as da
    from distributed import Client, LocalCluster

    import skbackprop.dask as skdask

    layer_sizes = [N_FEATURES, HIDDEN, N_CLASSES]
    theta = engine.pack(engine.init_thetas(layer_sizes, random_state=SEED))
    rows = []
    cores = thread_budget()  # before BLAS is pinned, which the engine's default follows
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
        threadpool_limits(limits=1, user_api="blas"),
    ):
        worker_budget = sorted(set(client.run(thread_budget).values()))
        # An evaluation on 2 rows: the price of a round trip to the workers alone.
        X0, Y0 = _data(da, 8)
        tiny = skdask.make_objective(X0, Y0, layer_sizes, reg_lambda=1e-4, client=client)
        round_trip = _median_seconds(tiny, theta, 3 * repeats)
        tiny.close()
        for m in sizes:
            X, Y = _data(da, m)
            tracemalloc.start()
            fun = skdask.make_objective(X, Y, layer_sizes, reg_lambda=1e-4, client=client)
            dist = _median_seconds(fun, theta, repeats)
            client_peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            worker_peaks = client.run(_peak_rss_mb)
            J_dist = fun.cost(theta)
            fun.close()
            # The same data in memory, for the in-memory engine.
            X_mem, Y_mem = client.compute([X, Y], sync=True)
            one = engine.make_objective(X_mem, Y_mem, layer_sizes, reg_lambda=1e-4, n_threads=1)
            every = engine.make_objective(
                X_mem, Y_mem, layer_sizes, reg_lambda=1e-4, n_threads=cores
            )
            mem1 = _median_seconds(one, theta, repeats)
            mem_all = _median_seconds(every, theta, repeats)
            J_mem = one.cost(theta)
            rows.append(
                {
                    "rows": m,
                    "X_mb": X.nbytes / 2**20,
                    "memory_1_thread_s": mem1,
                    "memory_threads": every.n_threads,
                    "memory_all_threads_s": mem_all,
                    "dask_s": dist,
                    # Against the faster in-memory run: on a busy 2-core machine a
                    # second thread may not help.
                    "dask_over_memory": dist / min(mem1, mem_all),
                    "dask_overhead_s": dist - min(mem1, mem_all),
                    "client_peak_mb": client_peak,
                    "worker_peak_rss_mb": sorted(worker_peaks.values()),
                    "relative_difference_of_J": abs(J_dist - J_mem) / abs(J_mem),
                }
            )
            del X_mem, Y_mem, one, every
    return {
        "network": layer_sizes,
        "chunks": CHUNKS,
        "cluster": "LocalCluster(n_workers=2, threads_per_worker=1, processes=True)",
        "blas_threads": 1,
        "worker_thread_budget": worker_budget,
        "round_trip_s": round_trip,
        "machine": platform.platform(),
        "rows": rows,
    }


def print_table(result):
    print(
        f"network {result['network']}, {result['chunks']} row chunks, {result['cluster']}, "
        f"BLAS pinned to 1 thread everywhere; engine threads in a worker: "
        f"{result['worker_thread_budget']}"
    )
    print(f"round trip (an evaluation on 8 rows): {result['round_trip_s'] * 1e3:.1f} ms\n")
    header = (
        "| rows | X MB | memory, 1 thread (ms) | memory, all threads (ms) | dask (ms) "
        "| dask / faster memory | client peak MB | worker peak RSS MB |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for r in result["rows"]:
        print(
            f"| {r['rows']:,} | {r['X_mb']:.0f} | {r['memory_1_thread_s'] * 1e3:.1f} "
            f"| {r['memory_all_threads_s'] * 1e3:.1f} ({r['memory_threads']}) "
            f"| {r['dask_s'] * 1e3:.1f} | {r['dask_over_memory']:.2f} "
            f"| {r['client_peak_mb']:.1f} "
            f"| {', '.join(f'{v:.0f}' for v in r['worker_peak_rss_mb'])} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    result = run(QUICK_SIZES if args.quick else SIZES, 3 if args.quick else REPEATS)
    print_table(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
