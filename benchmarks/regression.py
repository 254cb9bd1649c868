"""Regression: the default BackpropRegressor() against the default MLPRegressor().

make_friedman1 (20,000 rows) and load_diabetes, raw and in a StandardScaler
pipeline: 5-fold cross-validation (KFold, shuffled, seed 0), the mean R^2 on the
held-out folds, the mean fit time per fold as process CPU time, and the folds
whose fit gave a ConvergenceWarning. The two estimators are fitted fold by fold,
in alternating order. Then, with ``--only speed``, a regression variant of the
adam workload of run.py: 50,000 x 100 -> 256 relu -> 1, adam, batches of 200,
3 epochs on both sides (process CPU time, one warm-up and interleaved repeats;
R^2 on 10,000 held-out rows). BLAS pinned to one thread on both sides. Not a
test: it prints a table and writes JSON.

    python benchmarks/regression.py                       # friedman1, diabetes, speed
    python benchmarks/regression.py --only diabetes       # some of them
    python benchmarks/regression.py --set learning_rate=0.1  # try other defaults (ours)
    python benchmarks/regression.py --json benchmarks/regression.json  # update the committed one
"""

import argparse
import ast
import json
import time
import warnings
from pathlib import Path

import numpy as np
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
    "friedman1": lambda: make_friedman1(n_samples=20_000, random_state=SEED),
    "diabetes": lambda: load_diabetes(return_X_y=True),
}
# The speed workload: run.py's workload 6 with one identity output unit.
SPEED_ROWS, SPEED_TEST_ROWS, SPEED_FEATURES = 50_000, 10_000, 100
SPEED_HIDDEN, SPEED_BATCH, SPEED_EPOCHS, SPEED_LEARNING_RATE = (256,), 200, 3, 1e-3
SPEED_REPEAT = 5


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


def run_cv(names, ours_params):
    rows = []
    for name in names:
        X, y = DATA[name]()
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


def speed_problem():
    """50,000 + 10,000 rows of 100 standard-normal features; y of unit order, with noise."""
    rng = np.random.default_rng(SEED)
    w, v = rng.standard_normal((2, SPEED_FEATURES)) / np.sqrt(SPEED_FEATURES)

    def draw(m):
        X = rng.standard_normal((m, SPEED_FEATURES))
        return X, X @ w + np.tanh(2 * X @ v) + 0.1 * rng.standard_normal(m)

    return (*draw(SPEED_ROWS), *draw(SPEED_TEST_ROWS))


def speed_estimators(ours_params):
    common = {"hidden_layer_sizes": SPEED_HIDDEN, "activation": "relu", "solver": "adam"}
    common |= {"batch_size": SPEED_BATCH, "max_iter": SPEED_EPOCHS, "tol": 0}
    common |= {"random_state": SEED}
    ours = BackpropRegressor(learning_rate=SPEED_LEARNING_RATE, **common, **ours_params)
    mlp = MLPRegressor(
        learning_rate_init=SPEED_LEARNING_RATE, n_iter_no_change=SPEED_EPOCHS + 1, **common
    )
    return {"ours": ours, "mlp": mlp}


def run_speed(ours_params):
    """Whole fits, one warm-up each, then interleaved repeats; process CPU time."""
    X, y, X_test, y_test = speed_problem()
    estimators = speed_estimators(ours_params)
    times = {name: [] for name in estimators}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the budget
        for estimator in estimators.values():
            estimator.fit(X, y)
        for round_ in range(SPEED_REPEAT):
            names = list(estimators) if round_ % 2 == 0 else list(estimators)[::-1]
            for name in names:
                start = time.process_time()
                estimators[name].fit(X, y)
                times[name].append(time.process_time() - start)
    r2 = {name: float(est.score(X_test, y_test)) for name, est in estimators.items()}
    n_iter = {name: int(est.n_iter_) for name, est in estimators.items()}
    ratio = min(times["ours"]) / min(times["mlp"])
    median_ratio = float(np.median(times["ours"]) / np.median(times["mlp"]))
    print(
        f"\nSpeed: {SPEED_ROWS:,}x{SPEED_FEATURES} -> {SPEED_HIDDEN[0]} relu -> 1, adam, batch "
        f"{SPEED_BATCH}, {SPEED_EPOCHS} epochs, learning rate {SPEED_LEARNING_RATE:g} on both "
        f"(n_iter_ ours {n_iter['ours']}, MLP {n_iter['mlp']}), {SPEED_REPEAT} repeats:\n"
        f"fit CPU (min) ours {min(times['ours']):.3f} s, MLP {min(times['mlp']):.3f} s, "
        f"ratio {ratio:.2f} (medians {median_ratio:.2f}); "
        f"R^2 on {SPEED_TEST_ROWS:,} held-out rows ours {r2['ours']:.4f}, MLP {r2['mlp']:.4f}"
    )
    return {
        "times": times,
        "ratio_min": ratio,
        "ratio_median": median_ratio,
        "r2": r2,
        "n_iter": n_iter,
    }


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
    parser.add_argument("--only", default="friedman1,diabetes,speed", help="comma-separated")
    parser.add_argument("--set", action="append", default=[], help="name=value for ours")
    # Committed results are updated only when asked: --json benchmarks/regression.json.
    default_json = Path(__file__).resolve().parent / "results" / "regression.json"
    parser.add_argument("--json", default=str(default_json))
    args = parser.parse_args(argv)
    ours_params = parse_set(args.set)
    names = args.only.split(",")
    unknown = set(names) - {*DATA, "speed"}
    if unknown:
        parser.error(f"unknown --only {sorted(unknown)}; choose from {[*DATA, 'speed']}")
    start = time.perf_counter()
    results = {"ours_params": ours_params, "blas_threads": BLAS_THREADS}
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
            print("|---|---|---|---|---|---|---|---|---|")
            results["rows"] = run_cv(cv_names, ours_params)
        if "speed" in names:
            results["speed"] = run_speed(ours_params)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1))
    print(f"\n{time.perf_counter() - start:.0f} s; results in {args.json}")


if __name__ == "__main__":
    main()
