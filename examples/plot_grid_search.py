"""
========================================================
Choosing the hidden layer and lambda by cross-validation
========================================================

:class:`~skbackprop.BackpropClassifier` is a scikit-learn estimator, so
:class:`~sklearn.model_selection.GridSearchCV` can choose its
hyper-parameters. We search the size of the hidden layer and the penalty
``reg_lambda`` on the digits, with the features standardised inside a
:class:`~sklearn.pipeline.Pipeline` (so that each fold is scaled with its own
training rows), and draw the mean cross-validated accuracy as a heat map.

With scikit-learn >= 1.9, ``rich`` installed, and a ``BackpropClassifier``
that supports scikit-learn's callbacks, the search shows a live progress bar
(:class:`sklearn.callback.ProgressBar`); otherwise it runs without one.
"""

import os
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier

# SKBACKPROP_EXAMPLE_QUICK=1 searches a smaller grid (the tests do). The figures go to
# examples/_output/ (ignored by git), to the folder SKBACKPROP_EXAMPLE_FIGURES
# names, or with --update-figures to examples/figures/, which the README shows.
QUICK = os.environ.get("SKBACKPROP_EXAMPLE_QUICK") == "1"
FOLDER = "figures" if "--update-figures" in sys.argv else "_output"
# (a notebook has no __file__: there they go to _output/ in the working folder)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
FIGURES = Path(os.environ.get("SKBACKPROP_EXAMPLE_FIGURES") or HERE / FOLDER)
FIGURES.mkdir(parents=True, exist_ok=True)

# %%
# The search
# ----------
# L-BFGS-B trains each candidate quickly; 200 iterations are enough on the
# digits. Each of the grid's points is fitted on 3 folds of the training rows,
# two at a time (``n_jobs=2``); the test rows are kept for the end.

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

HIDDEN = [(5,), (25,)] if QUICK else [(5,), (10,), (25,), (50,)]
LAMBDAS = [1e-2, 10.0] if QUICK else [1e-4, 1e-2, 1.0, 10.0, 100.0]

pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("net", BackpropClassifier(solver="L-BFGS-B", max_iter=200, random_state=0)),
    ]
)
search = GridSearchCV(
    pipe,
    {"net__hidden_layer_sizes": HIDDEN, "net__reg_lambda": LAMBDAS},
    cv=2 if QUICK else 3,
    n_jobs=1 if QUICK else 2,
)

# %%
# A progress bar, where scikit-learn's callbacks are available (experimental
# in scikit-learn 1.9; the bar is drawn by ``rich``).

try:
    import rich  # noqa: F401 (ProgressBar draws with it)
    from sklearn.callback import ProgressBar
except ImportError:  # scikit-learn < 1.9, or no rich
    ProgressBar = None
if ProgressBar is not None and hasattr(BackpropClassifier(), "set_callbacks"):
    search.set_callbacks(ProgressBar())
else:
    print("(no progress bar: it needs scikit-learn >= 1.9, rich, and callback support)")

with warnings.catch_warnings():
    # With almost no penalty, some candidates run out of iterations before
    # L-BFGS-B's gradient reaches tol: those fits warn (ConvergenceWarning).
    # The heat map shows how well they do; we silence the warnings to keep the
    # output short.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)
print(f"best: {search.best_params_}, mean CV accuracy {search.best_score_:.3f}")
print(
    f"accuracy of the refitted best pipeline on the test rows: {search.score(X_test, y_test):.3f}"
)

# %%
# The heat map
# ------------
# Each cell is a pair (hidden units, lambda), coloured by its accuracy on the
# held-out folds, averaged over the folds; the black frame marks the best.
# Larger hidden layers do better. For every size, lambda between 1 and 10
# is best (lambda is divided by the ~800 training rows of a fold, so these
# are small penalties per row); with almost none (1e-4, 0.01) the networks
# overfit and lose up to eight points, and lambda = 100 is so strong that
# they underfit.

results = search.cv_results_
scores = np.empty((len(HIDDEN), len(LAMBDAS)))
for params, score in zip(results["params"], results["mean_test_score"], strict=True):
    row = HIDDEN.index(params["net__hidden_layer_sizes"])
    column = LAMBDAS.index(params["net__reg_lambda"])
    scores[row, column] = score
best_row = HIDDEN.index(search.best_params_["net__hidden_layer_sizes"])
best_column = LAMBDAS.index(search.best_params_["net__reg_lambda"])

fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
image = ax.imshow(scores, cmap="viridis", aspect="auto")
low, high = scores.min(), scores.max()
for (row, column), score in np.ndenumerate(scores):
    # dark text on the light (high) half of the colour map, light on the dark half
    dark_text = (score - low) / (high - low or 1) > 0.5
    ax.text(
        column,
        row,
        f"{score:.3f}",
        ha="center",
        va="center",
        color="black" if dark_text else "white",
        fontsize="small",
    )
ax.add_patch(plt.Rectangle((best_column - 0.5, best_row - 0.5), 1, 1, fill=False, linewidth=2.5))
ax.set_xticks(range(len(LAMBDAS)))
ax.set_xticklabels([f"{value:g}" for value in LAMBDAS])
ax.set_yticks(range(len(HIDDEN)))
ax.set_yticklabels([str(size[0]) for size in HIDDEN])
ax.set_xlabel("reg_lambda")
ax.set_ylabel("hidden units (one layer)")
ax.set_title(f"GridSearchCV on the digits: mean accuracy over {search.n_splits_} folds")
fig.colorbar(image, ax=ax, label="mean cross-validated accuracy")
fig.savefig(FIGURES / "grid_search_heatmap.png", dpi=80)
