"""
==============================================
Why lambda: regularisation against overfitting
==============================================

The seed's network (two hidden layers of five sigmoid units), trained by
L-BFGS-B without regularisation, is free to grow its weights: on the seed's
clean moons its cost falls to 1e-8 (see the moons example), and on noisy data
it learns the noise. On new points from the same distribution it does worse,
and its cost there explodes: it is sure of itself, and wrong. That is
overfitting.

The penalty ``lambda/(2m) sum Theta^2`` of the cost ``J`` (``reg_lambda``; the
bias weights are not penalised) keeps the weights small. Here we train the
same network on 200 noisy moons for several values of lambda and measure it
on 1000 other points: too little lambda overfits, too much underfits.
"""

import os
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay

from skbackprop import BackpropClassifier, engine

# SKBACKPROP_EXAMPLE_QUICK=1 runs fewer and shorter fits (the tests do). The figures go to
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
# Noisier moons than the seed's (``noise=0.3``): the classes overlap, so no
# boundary can be right everywhere, and one that separates every training
# point has learned the noise. We train on the first 200 points and keep the
# other 1000 as a validation set.

X, y = make_moons(n_samples=1200, noise=0.3, random_state=0)
X_train, y_train, X_val, y_val = X[:200], y[:200], X[200:], y[200:]


def fit(reg_lambda):
    """The seed's 2-5-5-2 sigmoid network, trained by L-BFGS-B to a tight optimum."""
    clf = BackpropClassifier(
        hidden_layer_sizes=(5, 5),
        activation="sigmoid",
        output_activation="sigmoid",
        solver="L-BFGS-B",
        reg_lambda=reg_lambda,
        max_iter=300 if QUICK else 3000,
        tol=1e-6,
        random_state=10,
    )
    # Some fits warn, rightly: beyond lambda = 5 the network predicts one class
    # (it learned nothing), and small positive lambdas run out of iterations
    # before the gradient reaches tol. The figures show both, so we silence
    # the warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X_train, y_train)


def data_cost(clf, X, y):
    """The data term of J (the cost without the penalty) of a fitted network.

    ``thetas_`` holds the output units in the order of ``classes_``, so the
    one-hot targets are ``eye(2)[y]``.
    """
    return engine.cost(
        clf.thetas_, X, np.eye(2)[y], activation="sigmoid", output_activation="sigmoid"
    )


# %%
# Four values of lambda
# ---------------------
# With ``m = 200`` training points, lambda = 1 adds ``1/400`` of the sum of
# the squared weights to ``J``.

shown_lambdas = [0.0, 0.001, 0.3, 3.0]
shown = [fit(reg_lambda) for reg_lambda in shown_lambdas]
for reg_lambda, clf in zip(shown_lambdas, shown, strict=True):
    print(
        f"lambda = {reg_lambda:<5g}: {clf.n_iter_:4d} iterations, "
        f"cost train {data_cost(clf, X_train, y_train):.3f} / "
        f"validation {data_cost(clf, X_val, y_val):.3f}, "
        f"accuracy train {clf.score(X_train, y_train):.3f} / "
        f"validation {clf.score(X_val, y_val):.3f}, "
        f"largest |weight| {max(np.abs(theta).max() for theta in clf.thetas_):.1f}"
    )

# %%
# The decision boundaries
# -----------------------
# The colour is the predicted probability of class 1, the black line the
# decision boundary; the dots are the 200 training points.
#
# * lambda = 0: the weights reach the hundreds within about a hundred
#   iterations. The sigmoid units saturate, so the gradient vanishes and
#   L-BFGS-B stops (its gradient is below tol: converged, but only because the
#   units pass no gradient any more), on a boundary of sharp corners
#   whose probabilities jump from 0 to 1: its cost on the validation points is
#   about ninety times that on the training points.
# * lambda = 0.001: just enough penalty to keep the units out of saturation;
#   L-BFGS-B runs all its 3000 iterations and classifies every training point right, with
#   islands around single points: it has learned the noise.
# * lambda = 0.3: a smooth boundary between the moons, the best on the
#   validation points.
# * lambda = 3: the penalty flattens the network towards a straight line.

fig, axes = plt.subplots(1, 4, figsize=(14, 3.9), sharey=True, layout="constrained")
for i, (ax, reg_lambda, clf) in enumerate(zip(axes, shown_lambdas, shown, strict=True)):
    display = DecisionBoundaryDisplay.from_estimator(
        clf,
        X,
        response_method="predict_proba",
        grid_resolution=60 if QUICK else 200,
        eps=0.3,
        ax=ax,
        levels=np.linspace(0, 1, 11),
        cmap="RdBu_r",
        alpha=0.7,
        xlabel="feature 1",
        ylabel="feature 2" if i == 0 else "",
    )
    filled = display.surface_
    display.plot(plot_method="contour", ax=ax, levels=[0.5], colors="black", linewidths=1.5)
    ax.scatter(
        X_train[:, 0], X_train[:, 1], c=y_train, cmap="RdBu_r", s=10, edgecolors="k", linewidths=0.3
    )
    largest = max(np.abs(theta).max() for theta in clf.thetas_)
    ax.set_title(
        f"lambda = {reg_lambda:g}: largest |weight| {largest:.0f}\n"
        f"accuracy: train {clf.score(X_train, y_train):.2f}, "
        f"validation {clf.score(X_val, y_val):.2f}",
        fontsize="medium",
    )
fig.colorbar(filled, ax=axes, label="predicted probability of class 1")
fig.savefig(FIGURES / "regularization_boundaries.png", dpi=75)

# %%
# Training and validation cost against lambda
# -------------------------------------------
# For lambda from 0.001 to 30: the cost without the penalty on the training and
# on the validation points, the accuracy, and the largest weight; the dashed
# lines are lambda = 0. The training cost grows with lambda (apart from the
# scatter of the local optima L-BFGS-B finds); the validation cost is far above
# it for small lambda (overfitting), lowest for lambda between 0.1 and 1, and
# follows the training cost up beyond (underfitting) until, past 5, the network
# predicts one class. Choose lambda by cross-validation (``GridSearchCV``, see
# the grid-search example) rather than on a figure.

lambdas = np.logspace(-3, 1.5, 6 if QUICK else 19)
sweep = [fit(reg_lambda) for reg_lambda in lambdas]
unregularised = shown[0]


def measures(clf):
    """(training, validation) cost without the penalty, and accuracy."""
    return (
        (data_cost(clf, X_train, y_train), data_cost(clf, X_val, y_val)),
        (clf.score(X_train, y_train), clf.score(X_val, y_val)),
    )


swept = np.array([measures(clf) for clf in sweep])  # (lambda, measure, train/validation)
at_zero = measures(unregularised)

fig, axes = plt.subplots(1, 3, figsize=(13, 3.9), layout="constrained")
for measure, (ax, ylabel) in enumerate(
    zip(axes[:2], ["cost J without the penalty", "accuracy"], strict=True)
):
    for column, (label, color) in enumerate(
        [("training", "tab:blue"), ("validation", "tab:orange")]
    ):
        ax.plot(
            lambdas,
            swept[:, measure, column],
            marker="o",
            markersize=3,
            color=color,
            label=f"{label} points",
        )
        ax.axhline(
            at_zero[measure][column],
            color=color,
            linestyle="--",
            linewidth=1,
            label=f"{label}, lambda = 0",
        )
    ax.set_xscale("log")
    ax.set_xlabel("reg_lambda")
    ax.set_ylabel(ylabel)
axes[0].set_yscale("log")
axes[0].set_title("Cost: overfitting on the left, underfitting on the right", fontsize="medium")
axes[0].legend(fontsize="small")
axes[1].set_title("Accuracy", fontsize="medium")
axes[1].legend(fontsize="small", loc="lower left")
largest = [max(np.abs(theta).max() for theta in clf.thetas_) for clf in sweep]
axes[2].plot(lambdas, largest, marker="o", markersize=3, color="tab:green")
axes[2].axhline(
    max(np.abs(theta).max() for theta in unregularised.thetas_),
    color="tab:green",
    linestyle="--",
    linewidth=1,
    label="lambda = 0",
)
axes[2].set_xscale("log")
axes[2].set_yscale("log")
axes[2].set_xlabel("reg_lambda")
axes[2].set_ylabel("largest |weight|")
axes[2].set_title("What the penalty does: small weights", fontsize="medium")
axes[2].legend(fontsize="small")
fig.savefig(FIGURES / "regularization_curves.png", dpi=75)

best = lambdas[int(np.argmin(swept[:, 0, 1]))]
print(f"lowest validation cost at lambda = {best:.3g}")
