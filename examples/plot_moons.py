"""
============================
Backpropagation on two moons
============================

A network with two hidden layers of five sigmoid units, trained by full-batch
gradient descent, on the two interleaving half circles of
:func:`sklearn.datasets.make_moons`.

The data cannot be split by a straight line, but the network can bend its
decision boundary, if it is trained long enough. Starting from small random
weights, gradient descent first reaches a *plateau*: for more than a thousand
iterations the cost barely moves and the network behaves like a linear
classifier. Only later does the cost drop again and the boundary curve around
the moons.

We compare three runs:

(a) 1000 gradient-descent iterations on all 1000 points: still on the plateau;
(b) 5000 gradient-descent iterations on the first 500 points: the moons are fitted;
(c) L-BFGS-B, a quasi-Newton method from :mod:`scipy.optimize`, on the same 500 points.
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.inspection import DecisionBoundaryDisplay

from skbackprop import BackpropClassifier
from skbackprop.plotting import LossCurveDisplay, NetworkWeightsDisplay

# SKBACKPROP_EXAMPLE_QUICK=1 runs fewer iterations (the tests do). The figures go to
# examples/_output/ (ignored by git), to the folder SKBACKPROP_EXAMPLE_FIGURES
# names, or with --update-figures to examples/figures/, which the README shows.
QUICK = os.environ.get("SKBACKPROP_EXAMPLE_QUICK") == "1"
FOLDER = "figures" if "--update-figures" in sys.argv else "_output"
# (a notebook has no __file__: there they go to _output/ in the working folder)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
FIGURES = Path(os.environ.get("SKBACKPROP_EXAMPLE_FIGURES") or HERE / FOLDER)
FIGURES.mkdir(parents=True, exist_ok=True)
N_ITER_A, N_ITER_B = (100, 300) if QUICK else (1000, 5000)

# %%
# The data
# --------
# 1000 points in two classes, with a little noise. ``make_moons`` shuffles the
# points, so the first 500 hold both classes in about equal numbers.

X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
X_half, y_half = X[:500], y[:500]
print(f"X: {X.shape}, class counts: {np.bincount(y)}, first 500: {np.bincount(y_half)}")

# %%
# Run (a): 1000 iterations of gradient descent on all the points
# ---------------------------------------------------------------
# ``hidden_layer_sizes=(5, 5)`` gives the layer sizes 2, 5, 5, 2: two input
# features, two hidden layers of five units, and one output unit per class.
# ``learning_rate`` is the step size of gradient descent, ``reg_lambda=0.0``
# switches regularisation off, and ``tol=0`` makes the training run exactly
# ``max_iter`` iterations. ``random_state`` fixes the initial random weights, so
# that the run is the same every time.

SEED = 10

clf_a = BackpropClassifier(
    hidden_layer_sizes=(5, 5),
    activation="sigmoid",
    output_activation="sigmoid",
    solver="gd",
    learning_rate=0.5,
    reg_lambda=0.0,
    max_iter=N_ITER_A,
    tol=0,
    random_state=SEED,
    standardize=False,  # the seed's raw training
)
clf_a.fit(X, y)

# %%
# The weights of the network are its Theta matrices, one per pair of
# neighbouring layers. ``Theta^(l)`` maps layer ``l`` to layer ``l + 1``; it has
# one row per unit of layer ``l + 1`` and one column per unit of layer ``l``,
# plus column 0 for the bias unit. So the shapes are
#
# * 5 x 3: 5 units of hidden layer 1, from 2 inputs + 1 bias;
# * 5 x 6: 5 units of hidden layer 2, from 5 units of hidden layer 1 + 1 bias;
# * 2 x 6: 2 output units, from 5 units of hidden layer 2 + 1 bias.

for l, theta in enumerate(clf_a.thetas_, start=1):
    print(f"Theta^({l}) has shape {theta.shape}")

print(
    f"(a) gd, {N_ITER_A} iterations, 1000 points: final cost J = {clf_a.loss_:.4f}, "
    f"training accuracy = {clf_a.score(X, y):.3f}"
)

# %%
# About 88% of the points are right: that is what a straight line can do on
# this data. The cost is still on the plateau (see the cost curves below).
#
# Run (b): 5000 iterations of gradient descent on the first 500 points
# --------------------------------------------------------------------
# Same network, same initial weights (same ``random_state``), but five times
# as many iterations. To keep the run short, we train on half of the points.

clf_b = BackpropClassifier(
    hidden_layer_sizes=(5, 5),
    activation="sigmoid",
    output_activation="sigmoid",
    solver="gd",
    learning_rate=0.5,
    reg_lambda=0.0,
    max_iter=N_ITER_B,
    tol=0,
    random_state=SEED,
    standardize=False,  # the seed's raw training
)
clf_b.fit(X_half, y_half)

print(
    f"(b) gd, {N_ITER_B} iterations, 500 points: final cost J = {clf_b.loss_:.4f}, "
    f"training accuracy = {clf_b.score(X_half, y_half):.3f}, "
    f"accuracy on the other 500 points = {clf_b.score(X[500:], y[500:]):.3f}"
)

# %%
# Run (c): L-BFGS-B on the first 500 points
# -----------------------------------------
# Gradient descent takes a step of fixed size along the gradient. L-BFGS-B
# also uses the gradients of the previous iterations to estimate the curvature
# of the cost, and searches along each direction for a good step size. It
# stops when every component of the gradient is at most ``tol``.
#
# Without regularisation the cost of points that can be separated perfectly
# keeps falling towards 0 as the weights grow; a small ``reg_lambda`` would
# stop that, but we keep the cost of runs (a) and (b) to compare them.

clf_c = BackpropClassifier(
    hidden_layer_sizes=(5, 5),
    activation="sigmoid",
    output_activation="sigmoid",
    solver="L-BFGS-B",
    reg_lambda=0.0,
    max_iter=200,
    tol=1e-6,
    random_state=SEED,
    standardize=False,  # the seed's raw training
)
clf_c.fit(X_half, y_half)

print(
    f"(c) L-BFGS-B, 500 points: {clf_c.n_iter_} iterations, final cost J = {clf_c.loss_:.2e}, "
    f"training accuracy = {clf_c.score(X_half, y_half):.3f}, "
    f"accuracy on the other 500 points = {clf_c.score(X[500:], y[500:]):.3f}"
)

# %%
# Cost curves
# -----------
# ``loss_curve_`` holds the cost ``J`` after each iteration, and
# :class:`~skbackprop.plotting.LossCurveDisplay` draws it; the three runs share
# one axes. Both axes are logarithmic: the plateau of gradient descent is the
# long flat stretch, and L-BFGS-B is done after a few dozen iterations.

runs = [
    ("(a) gd, 1000 points", clf_a),
    ("(b) gd, first 500 points", clf_b),
    ("(c) L-BFGS-B, first 500 points", clf_c),
]
# Runs (a) and (b) start from the same weights and their costs are averages
# over the points, so their curves nearly coincide: (a) is drawn wider.
line_styles = [
    {"linewidth": 5, "alpha": 0.5},
    {"linewidth": 1.5, "linestyle": "--"},
    {"linewidth": 1.5},
]
fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
for (label, clf), style in zip(runs, line_styles, strict=True):
    LossCurveDisplay.from_estimator(
        clf,
        ax=ax,
        log_scale="both",
        line_kwargs={"label": f"{label} ({clf.n_iter_} iterations)", **style},
    )
ax.set_ylabel("cost J")
ax.set_title("Training cost of the 2-5-5-2 sigmoid network")
ax.legend(loc="center right", fontsize="small")
fig.savefig(FIGURES / "moons_cost.png", dpi=90)

# %%
# Decision boundaries
# -------------------
# :class:`sklearn.inspection.DecisionBoundaryDisplay` evaluates each network
# on a grid of points covering the data. The colour is the predicted
# probability of class 1 and the black line is where it is 0.5: the decision
# boundary. The dots are the training points of each run, coloured by their
# true class.

training_sets = [(X, y), (X_half, y_half), (X_half, y_half)]
fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), sharey=True, layout="constrained")
for i, (ax, (label, clf), (X_train, y_train)) in enumerate(
    zip(axes, runs, training_sets, strict=True)
):
    display = DecisionBoundaryDisplay.from_estimator(
        clf,
        X,
        response_method="predict_proba",
        grid_resolution=100 if QUICK else 250,
        eps=0.5,
        ax=ax,
        levels=np.linspace(0, 1, 11),
        cmap="RdBu_r",
        alpha=0.7,
        xlabel="feature 1",
        ylabel="feature 2" if i == 0 else "",
    )
    filled = display.surface_
    # The same grid again, as the line where the probability is 0.5.
    display.plot(plot_method="contour", ax=ax, levels=[0.5], colors="black", linewidths=1.5)
    ax.scatter(X_train[:, 0], X_train[:, 1], c=y_train, cmap="RdBu_r", s=8, edgecolors="none")
    ax.set_title(f"{label}\ntraining accuracy {clf.score(X_train, y_train):.3f}")
fig.colorbar(filled, ax=axes, label="predicted probability of class 1")
fig.savefig(FIGURES / "moons_boundary.png", dpi=80)

# %%
# After 1000 iterations, run (a) has a nearly straight boundary. Run (b) has
# escaped the plateau and bends its boundary between the moons, and so does
# L-BFGS-B after far fewer iterations. Its weights are large, as nothing
# penalises them, so its predicted probabilities jump from 0 to 1 within a thin
# band around the boundary.
#
# The weights
# -----------
# :class:`~skbackprop.plotting.NetworkWeightsDisplay` draws each Theta matrix
# of run (b): row ``i`` holds the weights into unit ``i`` of the next layer,
# column ``j`` those from unit ``j`` of this layer, and column 0, left of the
# black line, the bias weights. One colour scale serves all three matrices.

display = NetworkWeightsDisplay.from_estimator(clf_b)
display.figure_.suptitle("Weights of run (b), the 2-5-5-2 network after gradient descent")
display.figure_.savefig(FIGURES / "moons_weights.png", dpi=80)
