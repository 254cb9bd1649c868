"""First touch: the default BackpropClassifier() against the default MLPClassifier().

Each bundled data set, raw and in a StandardScaler pipeline, 5-fold stratified
cross-validation (accuracy, mean fit time per fold), and the seed's moons; BLAS
pinned to one thread on both sides. Not a test: it prints a table and writes JSON.

    python benchmarks/first_touch.py                 # every data set
    python benchmarks/first_touch.py --only digits   # some of them
    python benchmarks/first_touch.py --set hidden_layer_sizes="(50,)"  # try other defaults
"""

import argparse
import ast
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skbackprop import BackpropClassifier

BLAS_THREADS = 1


def moons():
    # The seed's data: the first 500 of 1000 noisy moons.
    X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
    return X[:500], y[:500]


DATA = {
    "iris": lambda: load_iris(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "moons": moons,
}


def evaluate(estimator, X, y):
    """Mean 5-fold accuracy, mean fit time, and how many folds warned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        scores = cross_validate(
            estimator, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0)
        )
    warned = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return {
        "accuracy": float(np.mean(scores["test_score"])),
        "fit_time": float(np.mean(scores["fit_time"])),
        "convergence_warnings": warned,
    }


def run(names, ours_params):
    rows = []
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for name in names:
            X, y = DATA[name]()
            for scaled in (False, True):
                if name == "moons" and scaled:
                    continue  # already on a unit scale
                row = {"data": name, "scaled": scaled}
                for who, estimator in (
                    ("ours", BackpropClassifier(random_state=0, **ours_params)),
                    ("mlp", MLPClassifier(random_state=0)),
                ):
                    model = make_pipeline(StandardScaler(), estimator) if scaled else estimator
                    row[who] = evaluate(model, X, y)
                rows.append(row)
                print(format_row(row), flush=True)
    return rows


def format_row(row):
    ours, mlp = row["ours"], row["mlp"]
    label = f"{row['data']}{', scaled' if row['scaled'] else ', raw'}"
    gap = ours["accuracy"] - mlp["accuracy"]
    return (
        f"| {label:22s} | {ours['accuracy']:.3f} | {mlp['accuracy']:.3f} | {gap:+.3f} | "
        f"{ours['fit_time']:.3f} s | {mlp['fit_time']:.3f} s | "
        f"{ours['fit_time'] / mlp['fit_time']:.2f} | "
        f"{ours['convergence_warnings']} / {mlp['convergence_warnings']} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated data sets", default=",".join(DATA))
    parser.add_argument("--set", action="append", default=[], help="name=value for ours")
    # Committed results are updated only when asked: --json benchmarks/first_touch.json.
    default_json = Path(__file__).resolve().parent / "results" / "first_touch.json"
    parser.add_argument("--json", default=str(default_json))
    args = parser.parse_args(argv)
    ours_params = {}
    for item in args.set:
        key, value = item.split("=", 1)
        try:
            ours_params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            ours_params[key] = value
    names = args.only.split(",")
    print(f"BackpropClassifier(random_state=0, {ours_params}) vs MLPClassifier(random_state=0);")
    print(f"5-fold stratified CV, BLAS pinned to {BLAS_THREADS} thread on both sides.\n")
    print(
        "| data | ours accuracy | MLP accuracy | ours - MLP | ours fit | MLP fit | "
        "fit time ours/MLP | folds warned ours / MLP |"
    )
    print("|---|---|---|---|---|---|---|---|")
    start = time.perf_counter()
    rows = run(names, ours_params)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"ours_params": ours_params, "rows": rows}, indent=1))
    print(f"\n{time.perf_counter() - start:.0f} s; results in {args.json}")


if __name__ == "__main__":
    main()
