"""
====================================
Early stopping: the best epoch, kept
====================================

A network trained long enough on few rows fits them ever better while its
loss on other rows stops improving: it starts to learn the noise of its
training set. Early stopping watches the loss on held-out *validation* rows
after every iteration (epoch for the mini-batch solvers), stops once it has
not improved for ``n_iter_no_change`` iterations, and keeps the weights
where it was lowest.

``early_stopping=True`` holds out ``validation_fraction`` of the training rows
by itself; here we pass our own validation rows (``fit(X, y, X_val=...,
y_val=...)``), so that we can check the kept model on them afterwards. We
train with adam and with full-batch gradient descent.
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier
from skbackprop.plotting import LossCurveDisplay

# SKBACKPROP_EXAMPLE_QUICK=1 trains with less patience (the tests do). The figures go to
# examples/_output/ (ignored by git), to the folder SKBACKPROP_EXAMPLE_FIGURES
# names, or with --update-figures to examples/figures/, which the README shows.
QUICK = os.environ.get("SKBACKPROP_EXAMPLE_QUICK") == "1"
FOLDER = "figures" if "--update-figures" in sys.argv else "_output"
# (a notebook has no __file__: there they go to _output/ in the working folder)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
FIGURES = Path(os.environ.get("SKBACKPROP_EXAMPLE_FIGURES") or HERE / FOLDER)
FIGURES.mkdir(parents=True, exist_ok=True)

# %%
# The data
# --------
# 300 training rows of the digits, so that a network with 50 hidden units can
# overfit them; 300 validation rows; the remaining 1197 rows for a final test.

X, y = load_digits(return_X_y=True)
X_train, X_rest, y_train, y_rest = train_test_split(
    X, y, train_size=300, stratify=y, random_state=0
)
X_val, X_test, y_val, y_test = train_test_split(
    X_rest, y_rest, train_size=300, stratify=y_rest, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_val, X_test = (scaler.transform(part) for part in (X_train, X_val, X_test))

# %%
# Two fits
# --------
# The patience ``n_iter_no_change`` counts iterations: 50 epochs of adam,
# 200 steps of gradient descent, whose steps are smaller. Both keep going
# after the best iteration for that long, then stop and restore it.

runs = {
    "adam, learning rate 0.01": BackpropClassifier(
        (50,), solver="adam", learning_rate=0.01, n_iter_no_change=10 if QUICK else 50
    ),
    "gd, learning rate 1.0": BackpropClassifier(
        (50,), solver="gd", n_iter_no_change=20 if QUICK else 200
    ),
}
for name, clf in runs.items():
    clf.set_params(early_stopping=True, max_iter=2000, random_state=0)
    clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)

    # ``validation_loss_curve_`` is the cost on the validation rows without the
    # penalty: with softmax outputs, the mean log-loss. The kept model's own
    # log-loss on those rows is its minimum.
    best = int(np.argmin(clf.validation_loss_curve_))
    kept = log_loss(y_val, clf.predict_proba(X_val), labels=clf.classes_)
    print(
        f"{name}: stopped after {clf.n_iter_} iterations, kept iteration {best + 1}; "
        f"validation loss: lowest on the curve {min(clf.validation_loss_curve_):.6f}, "
        f"of the kept model {kept:.6f}, at the stop {clf.validation_loss_curve_[-1]:.6f}; "
        f"validation accuracy {clf.score(X_val, y_val):.3f} "
        f"(best_validation_score_ {clf.best_validation_score_:.3f}); "
        f"test accuracy {clf.score(X_test, y_test):.3f}"
    )

# %%
# The curves
# ----------
# :class:`~skbackprop.plotting.LossCurveDisplay` draws the training loss, the
# validation loss and, on the right axis, the validation accuracy; the dotted
# line marks the kept iteration. The star is the kept model's loss on the
# validation rows, measured after the fit: it sits on the lowest point of the
# validation curve. The training loss keeps falling after it (for adam, it is
# the mean cost of each epoch's mini-batches, penalty included), while the
# validation loss creeps up, by under 2% here: the extra iterations learn the
# training rows by heart, not the digits. Early stopping follows the loss, not
# the accuracy, which moves by single rows (1/300): adam's validation accuracy
# is a row or two higher later on, at a higher loss.

fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
for ax, (name, clf) in zip(axes, runs.items(), strict=True):
    display = LossCurveDisplay.from_estimator(clf, ax=ax, log_scale=True)
    kept = log_loss(y_val, clf.predict_proba(X_val), labels=clf.classes_)
    (star,) = ax.plot(
        display.best_iteration,
        kept,
        marker="*",
        markersize=14,
        color="gold",
        markeredgecolor="black",
        linestyle="none",
        label="kept model, on the validation rows",
    )
    handles = [display.line_, display.validation_line_, display.best_marker_, star]
    # below the axes, where it covers no curve
    ax.legend(
        handles=[*handles, display.score_line_],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncols=2,
        fontsize="small",
    )
    ax.set_title(f"{name}: stopped at {clf.n_iter_}, kept {display.best_iteration}")
fig.suptitle("Early stopping on 300 validation rows of the digits (64-50-10 network)")
fig.savefig(FIGURES / "early_stopping_curves.png", dpi=80)
