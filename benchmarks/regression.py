"""Regression: BackpropRegressor against MLPRegressor, side by side.

The defaults of both: make_friedman1 (20,000 rows) and load_diabetes, raw and in
a StandardScaler pipeline: 5-fold cross-validation (KFold, shuffled, seed 0), the
mean R^2 on the held-out folds, the mean fit time per fold as process CPU time,
and the folds whose fit gave a ConvergenceWarning. The two estimators are fitted
fold by fold, in alternating order.

Then run.py's workloads 3, 6, 7, 11 and 12 with one identity output unit, at
run.py's sizes and timed by run.py's helpers (interleaved repeats, process CPU
time): one cost-and-gradient evaluation against MLPRegressor's ``_backprop``
(3), adam with batches of 200 (6) and 32 (7), sparse rows (11, with the peak
memory of the fit) and a million rows (12); R^2 on held-out rows. BLAS pinned
to one thread on both sides throughout. Not a test: it prints tables and writes
JSON.

    python benchmarks/regression.py                       # everything, about 10 minutes
    python benchmarks/regression.py --quick               # small sizes, about a minute
    python benchmarks/regression.py --only diabetes,3     # some of them
    python benchmarks/regression.py --set learning_rate=0.1  # try other defaults (ours)
    python benchmarks/regression.py --json benchmarks/regression.json  # update the committed one
"""

import argparse
import ast
import json
import os
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import run  # run.py, beside this file: the classifier's workloads and timing helpers
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skbackprop import BackpropRegressor

BLAS_THREADS = 1
SEED = 0
# The targets of issue 21, on each row of the cross-validation table.
R2_MARGIN = 0.01  # R^2 >= MLPRegressor's - 0.01
TIME_RATIO = 1.0  # fit time <= MLPRegressor's

DATA = {
    "friedman1": lambda quick: make_friedman1(
        n_samples=2_000 if quick else 20_000, random_state=SEED
    ),
    "diabetes": lambda quick: load_diabetes(return_X_y=True),
}


def cross_validate(estimators, X, y):
    """Mean R^2, fit CPU time and warned folds of each estimator over 5 shuffled folds.

    The estimators are fitted fold by fold, in alternating order, so that the
    load of a shared machine hits them alike. The fit time is the process CPU time.
    """
    folds = KFold(5, shuffle=True, random_state=SEED).split(X)
    scores = {name: {"r2": [], "fit_time": [], "warned": 0} for name in estimators}
    for index, (train, test) in enumerate(folds):
        names = list(estimators) if index % 2 == 0 else list(estimators)[::-1]
        for name in names:
            model = clone(estimators[name])
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                start = time.process_time()
                model.fit(X[train], y[train])
                scores[name]["fit_time"].append(time.process_time() - start)
            scores[name]["warned"] += any(
                issubclass(w.category, ConvergenceWarning) for w in caught
            )
            scores[name]["r2"].append(model.score(X[test], y[test]))
    return {
        name: {
            "r2": float(np.mean(s["r2"])),
            "fit_time": float(np.mean(s["fit_time"])),
            "convergence_warnings": s["warned"],
            "folds_r2": [float(v) for v in s["r2"]],
        }
        for name, s in scores.items()
    }


def run_cv(names, ours_params, quick=False):
    rows = []
    for name in names:
        X, y = DATA[name](quick)
        for scaled in (False, True):
            estimators = {
                "ours": BackpropRegressor(random_state=SEED, **ours_params),
                "mlp": MLPRegressor(random_state=SEED),
            }
            if scaled:
                estimators = {k: make_pipeline(StandardScaler(), v) for k, v in estimators.items()}
            row = {"data": name, "scaled": scaled, **cross_validate(estimators, X, y)}
            ours, mlp = row["ours"], row["mlp"]
            row["met"] = {
                "r2": ours["r2"] >= mlp["r2"] - R2_MARGIN,
                "fit_time": ours["fit_time"] <= TIME_RATIO * mlp["fit_time"],
            }
            rows.append(row)
            print(format_cv_row(row), flush=True)
    return rows


def format_cv_row(row):
    ours, mlp, met = row["ours"], row["mlp"], row["met"]
    label = f"{row['data']}, {'scaled' if row['scaled'] else 'raw'}"
    return (
        f"| {label:18s} | {ours['r2']:.4f} | {mlp['r2']:.4f} | {'yes' if met['r2'] else 'NO'} | "
        f"{ours['fit_time']:.2f} s | {mlp['fit_time']:.2f} s | "
        f"{ours['fit_time'] / mlp['fit_time']:.2f} | {'yes' if met['fit_time'] else 'NO'} | "
        f"{ours['convergence_warnings']} / {mlp['convergence_warnings']} |"
    )


# -- run.py's workloads 3, 6, 7, 11 and 12 with one identity output unit -------------------
# Sizes and repeats come from run.py's FULL and QUICK configurations, timings from
# its helpers: interleaved repeats after a warm-up, BLAS pinned to one thread for
# each call, process CPU time.


def dense_problem(rows, test_rows, features):
    """``rows`` training and ``test_rows`` held-out rows of standard-normal features.

    ``y = X w + tanh(2 X v) + 0.1 noise``, with ``w`` and ``v`` standard normal
    divided by ``sqrt(features)`` (``y`` of unit order), seed 0. The training rows
    come first: a prefix of them is the same problem with fewer rows.

    Returns
    -------
    X, y, X_test, y_test : ndarray, float64
    """
    rng = np.random.default_rng(SEED)
    w, v = rng.standard_normal((2, features)) / np.sqrt(features)
    X = rng.standard_normal((rows + test_rows, features))
    y = X @ w + np.tanh(2 * X @ v) + 0.1 * rng.standard_normal(rows + test_rows)
    return X[:rows], y[:rows], X[rows:], y[rows:]


def sparse_problem(train_rows, test_rows):
    """run.py's CSR rows (50,000 features, 20 standard-normal values a row), real targets.

    ``y = X w + tanh(2 X v) + 0.1 noise`` with ``w`` and ``v`` standard normal
    divided by ``sqrt(20)``, seed 0; training rows first.
    """
    rng = np.random.default_rng(SEED)
    w, v = rng.standard_normal((2, run.SPARSE_FEATURES)) / np.sqrt(run.SPARSE_VALUES_PER_ROW)

    def draw(m):
        nnz = m * run.SPARSE_VALUES_PER_ROW
        X = sparse.csr_matrix(
            (
                rng.standard_normal(nnz),
                rng.integers(0, run.SPARSE_FEATURES, nnz),
                np.arange(0, nnz + 1, run.SPARSE_VALUES_PER_ROW),
            ),
            shape=(m, run.SPARSE_FEATURES),
        )
        X.sum_duplicates()
        return X, X @ w + np.tanh(2 * X @ v) + 0.1 * rng.standard_normal(m)

    return (*draw(train_rows), *draw(test_rows))


def adam_regressors(batch_size, max_iter, ours_params, hidden=run.ADAM_HIDDEN, sparse_rows=False):
    """``{"ours", "MLP"}``: run.py's adam settings (relu, learning rate 1e-3, no early stop).

    ``sparse_rows``: workload 11's settings, L2 1e-4 on both sides and ours on the
    raw features (``standardize=False``), as run.sparse_estimator.
    """
    common = {"hidden_layer_sizes": hidden, "activation": "relu", "solver": "adam"}
    common |= {"batch_size": batch_size, "max_iter": max_iter, "tol": 0, "random_state": SEED}
    ours_extra = {"reg_lambda": run.REG, "standardize": False} if sparse_rows else {}
    mlp_extra = {"alpha": run.REG} if sparse_rows else {}
    return {
        "ours": BackpropRegressor(
            learning_rate=run.ADAM_LEARNING_RATE, **common, **ours_extra, **ours_params
        ),
        "MLP": MLPRegressor(
            learning_rate_init=run.ADAM_LEARNING_RATE,
            n_iter_no_change=max_iter + 1,  # never stop early
            **common,
            **mlp_extra,
        ),
    }


def time_fits(estimators, data, repeat, warmup=1):
    """run.py's interleaved whole fits, BLAS pinned, process CPU time."""
    contenders = run.fit_contenders(estimators, data)
    return run.time_interleaved(contenders, repeat, warmup=warmup, clock=run.CPU_CLOCK)


def fit_rows(label, times, r2, test_rows, ours="ours", mlp="MLP"):
    """A fit-time row (ratio of the minima) and a held-out R^2 row."""
    ratio = run.ratios(times, ours, mlp)
    return ratio, [
        run.Row(
            f"{label}: fit",
            run.seconds(min(times[ours])),
            run.seconds(min(times[mlp])),
            ratio["min"],
        ),
        run.Row(
            f"{label.split()[0]} R^2 on {test_rows:,} held-out rows",
            f"{r2[ours]:.4f}",
            f"{r2[mlp]:.4f}",
        ),
    ]


def workload_evaluation(cfg, ours_params):
    """Workload 3: one cost-and-gradient evaluation, 100-256-256-1 sigmoid, float64.

    Ours: ``engine.make_objective``'s ``fun``; MLP: ``MLPRegressor._backprop``
    (run.mlp_evaluation); and the bare matrix products of the same shapes.
    ``ours_params`` do not apply (no estimator).
    """
    X, y, _, _ = dense_problem(cfg.scale_rows, 0, run.SCALE_FEATURES)
    sizes = [run.SCALE_FEATURES, *run.SCALE_HIDDEN, 1]
    ours, n_threads = run.ours_evaluation(X, y, sizes, output_activation="identity")
    mlp = run.mlp_evaluation(X, y, BLAS_THREADS, model=MLPRegressor)
    bare = run.Contender(
        "bare float64", run.BareProducts(cfg.scale_rows, sizes, np.float64), BLAS_THREADS
    )
    times = run.time_interleaved([ours, mlp, bare], cfg.repeat_eval, clock=run.CPU_CLOCK)
    flops = run.product_flops(cfg.scale_rows, sizes)
    result = run.Result(
        details={
            "rows": cfg.scale_rows,
            "layer_sizes": sizes,
            "our_threads": n_threads,
            "flops_per_evaluation": flops,
            "times": {name: run.summarise(t) for name, t in times.items()},
            "ratio": run.ratios(times, "ours float64", "MLP float64"),
            "ratio_vs_bare": run.ratios(times, "ours float64", "bare float64"),
        }
    )
    best = {who: min(times[f"{who} float64"]) for who in ("ours", "MLP", "bare")}
    result.rows.append(
        run.Row(
            f"3 {cfg.scale_rows:,}x100, 100-256-256-1 sigmoid, float64: 1 eval",
            run.seconds(best["ours"]),
            run.seconds(best["MLP"]),
            best["ours"] / best["MLP"],
            " / ".join(f"{flops / best[w] / 1e9:.1f}" for w in ("ours", "MLP", "bare")),
            best["ours"] / best["bare"],
        )
    )
    result.notes += [
        f"ours: engine.make_objective (identity output, reg_lambda={run.REG:g}) on "
        f"{n_threads} thread; MLP: MLPRegressor._backprop (alpha={run.REG:g}); bare: the "
        f"products alone; {flops / 1e9:.1f} GFLOP per evaluation (products only)",
        run.spread_note(result.details["ratio"]),
        run.spread_note(result.details["ratio_vs_bare"], "ours/bare"),
    ]
    return result


def workload_adam(cfg, ours_params, batch_size):
    """Workloads 6 (batches of 200) and 7 (batches of 32): whole adam fits, 100-256-1 relu."""
    number = 6 if batch_size == run.ADAM_BATCH else 7
    X, y, X_test, y_test = dense_problem(cfg.adam_rows, cfg.adam_test_rows, run.SCALE_FEATURES)
    estimators = adam_regressors(batch_size, cfg.adam_epochs, ours_params)
    repeat = cfg.repeat_adam if number == 6 else cfg.repeat_adam_small
    times = time_fits(estimators, {name: (X, y) for name in estimators}, repeat)
    r2 = run.held_out_accuracy(estimators, X_test, y_test)  # score: R^2 for regressors
    label = f"{number} {cfg.adam_rows:,}x100, 100-256-1 relu, adam batch {batch_size}, "
    label += f"{cfg.adam_epochs} epochs"
    ratio, rows = fit_rows(label, times, r2, cfg.adam_test_rows)
    result = run.Result(
        rows=rows,
        details={
            "rows": cfg.adam_rows,
            "batch_size": batch_size,
            "times": {name: run.summarise(t) for name, t in times.items()},
            "ratio": ratio,
            "r2": r2,
        },
    )
    n_iter = run.check_same_iterations(run.fitted_iterations(estimators), cfg.adam_epochs, result)
    steps = cfg.adam_epochs * -(-cfg.adam_rows // batch_size)
    result.notes += [
        f"{steps:,} steps per fit: {min(times['ours']) / steps * 1e6:.0f} us per step ours, "
        f"{min(times['MLP']) / steps * 1e6:.0f} us MLP; n_iter_: ours {n_iter['ours']}, "
        f"MLP {n_iter['MLP']}",
        run.spread_note(ratio),
    ]
    return result


SPARSE = {"hidden": run.SPARSE_HIDDEN, "sparse_rows": True}  # workload 11's settings


def sparse_fit_peak_memory(who, rows, ours_params):
    """Workload 11, in a fresh process: the memory a fit adds, BLAS pinned."""
    X, y, _, _ = sparse_problem(rows, 0)
    estimator = adam_regressors(run.ADAM_BATCH, run.SPARSE_EPOCHS, ours_params, **SPARSE)[who]
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        return run.fit_memory_report(estimator, X, y)


def workload_sparse(cfg, ours_params):
    """Workload 11: adam on CSR rows, time (interleaved, no warm-up) and peak memory."""
    X, y, X_test, y_test = sparse_problem(cfg.sparse_rows, run.SPARSE_TEST_ROWS)
    estimators = adam_regressors(run.ADAM_BATCH, run.SPARSE_EPOCHS, ours_params, **SPARSE)
    data = {name: (X, y) for name in estimators}
    times = time_fits(estimators, data, cfg.repeat_sparse, warmup=0)
    r2 = run.held_out_accuracy(estimators, X_test, y_test)
    memory = {
        who: run.in_fresh_process(sparse_fit_peak_memory, who, cfg.sparse_rows, ours_params)
        for who in ("ours", "MLP")
    }
    label = (
        f"11 sparse {cfg.sparse_rows:,}x{run.SPARSE_FEATURES:,} CSR, "
        f"{run.SPARSE_VALUES_PER_ROW} values a row, 64 relu, adam batch {run.ADAM_BATCH}, "
        f"{run.SPARSE_EPOCHS} epochs"
    )
    ratio, rows = fit_rows(label, times, r2, run.SPARSE_TEST_ROWS)
    peak = {who: memory[who]["tracemalloc_peak"] for who in ("ours", "MLP")}
    rows.append(
        run.Row(
            "11 peak memory of the fit (tracemalloc)",
            run.mib(peak["ours"]),
            run.mib(peak["MLP"]),
            peak["ours"] / peak["MLP"],
        )
    )
    result = run.Result(
        rows=rows,
        details={
            "rows": cfg.sparse_rows,
            "times": {name: run.summarise(t) for name, t in times.items()},
            "ratio": ratio,
            "r2": r2,
            "memory": memory,
        },
    )
    n_iter = run.check_same_iterations(run.fitted_iterations(estimators), run.SPARSE_EPOCHS, result)
    steps = run.SPARSE_EPOCHS * -(-cfg.sparse_rows // run.ADAM_BATCH)
    result.notes += [
        f"{steps:,} steps per fit: {min(times['ours']) / steps * 1e3:.2f} ms per step ours, "
        f"{min(times['MLP']) / steps * 1e3:.2f} ms MLP; {cfg.repeat_sparse} interleaved fits "
        f"each, no warm-up; n_iter_: ours {n_iter['ours']}, MLP {n_iter['MLP']}",
        f"ours standardize=False (MLP fits the raw features too), reg_lambda={run.REG:g} = alpha",
        run.spread_note(ratio),
        f"memory in fresh processes, beyond the data ({run.mib(memory['ours']['data_bytes'])}); "
        f"RSS growth: ours {run.mib(memory['ours']['rss_growth'])}, MLP "
        f"{run.mib(memory['MLP']['rss_growth'])}",
    ]
    return result


def workload_tall(cfg, ours_params):
    """Workload 12: one adam epoch on 1,000,000 x 50 rows, 50-64-1 relu, and on 100,000."""
    big, small = cfg.tall_rows
    X, y, X_test, y_test = dense_problem(big, run.TALL_TEST_ROWS, run.TALL_FEATURES)
    estimators, data = {}, {}
    for rows in (big, small):
        pair = adam_regressors(run.ADAM_BATCH, 1, ours_params, hidden=run.TALL_HIDDEN)
        for who, estimator in pair.items():
            estimators[f"{who} {rows}"] = estimator
            data[f"{who} {rows}"] = (X[:rows], y[:rows])
    times = time_fits(estimators, data, cfg.repeat_tall)
    fitted = {name: estimators[name] for name in (f"ours {big}", f"MLP {big}")}
    r2 = run.held_out_accuracy(fitted, X_test, y_test)
    per_row = {name: min(t) / int(name.split()[1]) for name, t in times.items()}
    growth = {who: per_row[f"{who} {big}"] / per_row[f"{who} {small}"] for who in ("ours", "MLP")}
    label = f"12 {big:,}x{run.TALL_FEATURES}, 50-64-1 relu, adam batch {run.ADAM_BATCH}, 1 epoch"
    ratio, rows = fit_rows(label, times, r2, run.TALL_TEST_ROWS, f"ours {big}", f"MLP {big}")
    rows.append(
        run.Row(
            f"12 time per row at {big:,} rows / at {small:,}",
            f"{growth['ours']:.2f}x",
            f"{growth['MLP']:.2f}x",
        )
    )
    result = run.Result(
        rows=rows,
        details={
            "rows": [big, small],
            "times": {name: run.summarise(t) for name, t in times.items()},
            "ratio": ratio,
            "per_row_growth": growth,
            "r2": r2,
        },
    )
    n_iter = run.check_same_iterations(run.fitted_iterations(estimators), 1, result)
    small_ratio = min(times[f"ours {small}"]) / min(times[f"MLP {small}"])
    result.notes += [
        f"at {small:,} rows: ours {run.seconds(min(times[f'ours {small}']))}, MLP "
        f"{run.seconds(min(times[f'MLP {small}']))} (ours/MLP {small_ratio:.2f})",
        run.spread_note(ratio),
        "n_iter_: " + ", ".join(f"{name} {n}" for name, n in n_iter.items()),
    ]
    return result


WORKLOADS = {
    "3": workload_evaluation,
    "6": lambda cfg, params: workload_adam(cfg, params, run.ADAM_BATCH),
    "7": lambda cfg, params: workload_adam(cfg, params, run.ADAM_SMALL_BATCH),
    "11": workload_sparse,
    "12": workload_tall,
}


def format_workloads(results):
    """The workloads' rows as one Markdown table, and their notes as bullets."""
    header = ["workload", "ours", "MLPRegressor", "ours/MLP", "GFLOP/s ours / MLP / bare"]
    header += ["ours/bare"]
    cells = [
        [
            r.workload,
            r.ours,
            r.peer,
            run.format_ratio(r.ratio),
            r.gflops,
            run.format_ratio(r.vs_bare),
        ]
        for result in results.values()
        for r in result.rows
    ]
    notes = [f"- {n}: {note}" for n, result in results.items() for note in result.notes]
    return run.markdown_table(header, cells) + "\n\n" + "\n".join(notes)


def parse_set(items):
    """``["name=value", ...]`` -> parameters of ours (Python literals, or strings)."""
    params = {}
    for item in items:
        key, value = item.split("=", 1)
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    return params


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    everything = [*DATA, *WORKLOADS]
    parser.add_argument("--only", default=",".join(everything), help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--set", action="append", default=[], help="name=value for ours")
    # Committed results are updated only when asked: --json benchmarks/regression.json.
    default_json = Path(__file__).resolve().parent / "results" / "regression.json"
    parser.add_argument("--json", default=str(default_json))
    args = parser.parse_args(argv)
    ours_params = parse_set(args.set)
    names = ["6" if name == "speed" else name for name in args.only.split(",")]
    unknown = set(names) - set(everything)
    if unknown:
        parser.error(f"unknown --only {sorted(unknown)}; choose from {everything}")
    cfg = run.QUICK if args.quick else run.FULL
    info = run.machine_info()
    start = time.perf_counter()
    results = {"ours_params": ours_params, "blas_threads": BLAS_THREADS, "quick": args.quick}
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        cv_names = [name for name in names if name in DATA]
        if cv_names:
            print(
                f"BackpropRegressor(random_state=0, **{ours_params}) vs "
                f"MLPRegressor(random_state=0); 5-fold shuffled KFold (seed 0), BLAS pinned to "
                f"{BLAS_THREADS} thread on both sides; targets R^2 >= MLP - {R2_MARGIN}, "
                f"fit CPU <= {TIME_RATIO:g} x MLP.\n"
            )
            print(
                "| data | R^2 ours | MLP | met | fit CPU ours | MLP | ratio | met "
                "| folds warned ours / MLP |"
            )
            print("|---|---|---|---|---|---|---|---|---|", flush=True)
            results["rows"] = run_cv(cv_names, ours_params, args.quick)
        workloads = {}
        for name in sorted((n for n in names if n in WORKLOADS), key=int):
            print(f"running workload {name} ...", flush=True)
            workloads[name] = WORKLOADS[name](cfg, ours_params)
    info["load_average_at_end"] = os.getloadavg()
    results["machine"] = info
    print("\n" + run.format_machine(info))
    if workloads:
        print(f"Mode: {'quick' if args.quick else 'full'}; ratios are ours/MLP of min times.\n")
        print(format_workloads(workloads))
        results["workloads"] = {name: asdict(result) for name, result in workloads.items()}
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1))
    print(f"\n{time.perf_counter() - start:.0f} s; results in {args.json}")


if __name__ == "__main__":
    main()
