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

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

from skbackprop import BackpropClassifier

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
    max_iter=1000,
    tol=0,
    random_state=SEED,
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
    f"(a) gd, 1000 iterations, 1000 points: final cost J = {clf_a.loss_:.4f}, "
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
    max_iter=5000,
    tol=0,
    random_state=SEED,
)
clf_b.fit(X_half, y_half)

print(
    f"(b) gd, 5000 iterations, 500 points: final cost J = {clf_b.loss_:.4f}, "
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
# ``loss_curve_`` holds the cost ``J`` after each iteration. Both axes are
# logarithmic: the plateau of gradient descent is the long flat stretch, and
# L-BFGS-B is done after a few dozen iterations.

figure_dir = Path(__file__).parent / "figures"
figure_dir.mkdir(exist_ok=True)

fig, ax = plt.subplots(figsize=(6.4, 4.2))
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
for (label, clf), style in zip(runs, line_styles, strict=True):
    iterations = np.arange(1, len(clf.loss_curve_) + 1)
    ax.plot(iterations, clf.loss_curve_, label=f"{label} ({clf.n_iter_} iterations)", **style)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("iteration")
ax.set_ylabel("cost J")
ax.set_title("Training cost of the 2-5-5-2 sigmoid network")
ax.legend(loc="center right", fontsize="small")
fig.tight_layout()
fig.savefig(figure_dir / "moons_cost.png", dpi=90)

# %%
# Decision boundaries
# -------------------
# We evaluate each network on a grid of points covering the data. The colour
# is the predicted probability of class 1 and the black line is where it is
# 0.5: the decision boundary. The dots are the training points of each run,
# coloured by their true class.

x0_min, x0_max = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
x1_min, x1_max = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
xx0, xx1 = np.meshgrid(np.linspace(x0_min, x0_max, 300), np.linspace(x1_min, x1_max, 300))
grid = np.column_stack([xx0.ravel(), xx1.ravel()])

training_sets = [(X, y), (X_half, y_half), (X_half, y_half)]
fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), sharey=True, layout="constrained")
for ax, (label, clf), (X_train, y_train) in zip(axes, runs, training_sets, strict=True):
    proba = clf.predict_proba(grid)[:, 1].reshape(xx0.shape)
    filled = ax.contourf(xx0, xx1, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
    ax.contour(xx0, xx1, proba, levels=[0.5], colors="black", linewidths=1.5)
    ax.scatter(X_train[:, 0], X_train[:, 1], c=y_train, cmap="RdBu_r", s=8, edgecolors="none")
    ax.set_title(f"{label}\ntraining accuracy {clf.score(X_train, y_train):.3f}")
    ax.set_xlabel("feature 1")
axes[0].set_ylabel("feature 2")
fig.colorbar(filled, ax=axes, label="predicted probability of class 1")
fig.savefig(figure_dir / "moons_boundary.png", dpi=80)

# %%
# After 1000 iterations, run (a) has a nearly straight boundary. Run (b) has
# escaped the plateau and bends its boundary between the moons, and so does
# L-BFGS-B after far fewer iterations. Its weights are large, as nothing
# penalises them, so its predicted probabilities jump from 0 to 1 within a thin
# band around the boundary.
