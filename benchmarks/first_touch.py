"""First touch: the default BackpropClassifier() against the default MLPClassifier().

Each bundled data set, the seed's moons, a noisy and an imbalanced
make_classification, raw and in a StandardScaler pipeline: 5-fold stratified
cross-validation (accuracy, log-loss, mean fit time per fold as process CPU time,
folds that warned); the large set (200,000 x 50, 5 classes) on one stratified
80/20 split, with --only large (expensive). BLAS pinned to one thread on both
sides. Not a test: it prints a table and writes JSON.

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
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_moons,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold, train_test_split
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
    "noisy": lambda: make_classification(n_samples=3000, n_features=20, flip_y=0.1, random_state=0),
    "imbalanced": lambda: make_classification(
        n_samples=3000, n_features=20, weights=[0.9, 0.1], random_state=0
    ),
    "large": lambda: make_classification(
        n_samples=200_000, n_features=50, n_informative=20, n_classes=5, random_state=0
    ),
}
DEFAULT = [name for name in DATA if name != "large"]  # --only large: the expensive one


def _splits(name, X, y):
    if name == "large":  # one split: 5 folds would take hours
        rows = np.arange(len(y))
        return [train_test_split(rows, test_size=0.2, stratify=y, random_state=0)]
    return list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))


def evaluate(estimator, X, y, splits):
    """Mean accuracy, log-loss and fit CPU time over the splits, and how many folds warned.

    The fit time is the process CPU time (all threads): the machine may be shared.
    """
    accuracy, loss, cpu, warned = [], [], [], 0
    for train, test in splits:
        model = clone(estimator)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            start = time.process_time()
            model.fit(X[train], y[train])
            cpu.append(time.process_time() - start)
        warned += any(issubclass(w.category, ConvergenceWarning) for w in caught)
        accuracy.append(model.score(X[test], y[test]))
        loss.append(log_loss(y[test], model.predict_proba(X[test]), labels=np.unique(y)))
    return {
        "accuracy": float(np.mean(accuracy)),
        "log_loss": float(np.mean(loss)),
        "fit_time": float(np.mean(cpu)),
        "convergence_warnings": warned,
    }


def run(names, ours_params):
    rows = []
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for name in names:
            X, y = DATA[name]()
            splits = _splits(name, X, y)
            for scaled in (False, True):
                if name == "moons" and scaled:
                    continue  # already on a unit scale
                row = {"data": name, "scaled": scaled}
                for who, estimator in (
                    ("ours", BackpropClassifier(random_state=0, **ours_params)),
                    ("mlp", MLPClassifier(random_state=0)),
                ):
                    model = make_pipeline(StandardScaler(), estimator) if scaled else estimator
                    row[who] = evaluate(model, X, y, splits)
                rows.append(row)
                print(format_row(row), flush=True)
    return rows


def format_row(row):
    ours, mlp = row["ours"], row["mlp"]
    label = f"{row['data']}{', scaled' if row['scaled'] else ', raw'}"
    return (
        f"| {label:22s} | {ours['accuracy']:.3f} | {mlp['accuracy']:.3f} | "
        f"{ours['log_loss']:.3f} | {mlp['log_loss']:.3f} | "
        f"{ours['log_loss'] / mlp['log_loss']:.2f} | "
        f"{ours['fit_time']:.2f} s | {mlp['fit_time']:.2f} s | "
        f"{ours['fit_time'] / mlp['fit_time']:.2f} | "
        f"{ours['convergence_warnings']} / {mlp['convergence_warnings']} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated data sets", default=",".join(DEFAULT))
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
        "| data | accuracy ours | MLP | log-loss ours | MLP | ratio | fit CPU ours | MLP | "
        "ratio | folds warned ours / MLP |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    start = time.perf_counter()
    rows = run(names, ours_params)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Rows of other data sets measured before (e.g. the large one) are kept.
    old = json.loads(path.read_text()).get("rows", []) if path.exists() else []
    kept = [r for r in old if r["data"] not in names and "log_loss" in r["ours"]]
    path.write_text(json.dumps({"ours_params": ours_params, "rows": kept + rows}, indent=1))
    print(f"\n{time.perf_counter() - start:.0f} s; results in {args.json}")


if __name__ == "__main__":
    main()
