"""
==========================================
The seed's network, equation by equation
==========================================

:mod:`skbackprop.textbook` writes each equation of backpropagation as one short
NumPy function. Here we train the seed's network with them, step by
step: two inputs, two hidden layers of five sigmoid units, two output units
(2-5-5-2), full-batch gradient descent with learning rate 0.5 for 5000 steps,
on the first 500 points of :func:`sklearn.datasets.make_moons`.

Then we train :class:`skbackprop.BackpropClassifier` with the same settings from
the same initial weights, and check that both give the same weights and the same
cost curve: the classifier's fast engine computes exactly these equations.
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

from skbackprop import BackpropClassifier, engine, textbook

# SKBACKPROP_EXAMPLE_QUICK=1 runs fewer steps (the tests do). The figures go to
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
# The seed's data: 1000 points in two interleaving half circles. We train on
# the first 500, as the seed's second run does. ``Y`` is the one-hot target
# matrix: row ``i`` has a 1 in the column of the class of point ``i``.

X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
X_train, y_train = X[:500], y[:500]
Y_train = np.eye(2)[y_train]
print(f"training points per class: {np.bincount(y_train)}")

# %%
# Initial weights
# ---------------
# ``Theta^(l)`` maps layer ``l`` (plus its bias unit) to layer ``l + 1``, so the
# shapes are 5 x 3, 5 x 6 and 2 x 6. Each is drawn uniformly in ``[-eps, eps]``
# with ``eps = sqrt(6) / sqrt(rows + cols)``. For the same integer seed these
# are exactly the draws of :func:`skbackprop.engine.init_thetas`, which the
# classifier uses: both runs start from the same weights.

SEED = 10
LAYER_SIZES = [2, 5, 5, 2]
LEARNING_RATE = 0.5
N_STEPS = 200 if QUICK else 5000

initial_thetas = textbook.init_thetas(LAYER_SIZES, random_state=SEED)
for l, theta in enumerate(initial_thetas, start=1):
    print(f"Theta^({l}): shape {theta.shape}, eps = {textbook.init_epsilon(theta.shape):.4f}")
same_start = all(
    np.array_equal(ours, theirs)
    for ours, theirs in zip(
        initial_thetas, engine.init_thetas(LAYER_SIZES, random_state=SEED), strict=True
    )
)
print(f"same initial weights as the engine and the classifier: {same_start}")

# %%
# Training with the textbook functions
# ------------------------------------
# One step of gradient descent is three functions: the cost ``J`` (recorded
# before the step, as the seed does), its gradient by backpropagation, and the
# update ``Theta := Theta - alpha D``. :func:`skbackprop.textbook.train` is this
# loop.

thetas = initial_thetas
costs = []
for _ in range(N_STEPS):
    costs.append(textbook.cost(thetas, X_train, Y_train))
    grads = textbook.backpropagate(thetas, X_train, Y_train)
    thetas = textbook.gradient_descent_step(thetas, grads, LEARNING_RATE)
final_cost = textbook.cost(thetas, X_train, Y_train)
h = textbook.forward_propagate(thetas, X_train)[1][-1]  # h_Theta(X), one column per class
accuracy = np.mean(h.argmax(axis=1) == y_train)
print(f"textbook: J = {costs[0]:.4f} at the start, {final_cost:.4f} after {N_STEPS} steps")
print(f"textbook: training accuracy {accuracy:.3f}")

# %%
# The same with BackpropClassifier
# --------------------------------
# The seed's network has sigmoid hidden and output units (the classifier's
# defaults are tanh and softmax, so we ask for them), ``solver="gd"`` is
# full-batch gradient descent, ``tol=0`` runs all the steps and
# ``reg_lambda=0.0`` leaves the cost unregularised, as in the seed. The
# classifier gives its first output unit to the class with the most training
# points, class 0 here (257 of 500), so its units are in the order of the
# columns of ``Y_train``. Its ``loss_curve_`` records ``J`` *after* each step.

clf = BackpropClassifier(
    hidden_layer_sizes=(5, 5),
    activation="sigmoid",
    output_activation="sigmoid",
    solver="gd",
    learning_rate=LEARNING_RATE,
    reg_lambda=0.0,
    tol=0,
    max_iter=N_STEPS,
    random_state=SEED,
    standardize=False,  # the seed's raw training
)
clf.fit(X_train, y_train)
print(f"classifier: J = {clf.loss_:.4f} after {clf.n_iter_} steps")
print(f"classifier: training accuracy {clf.score(X_train, y_train):.3f}")

weight_difference = max(
    np.abs(ours - theirs).max() for ours, theirs in zip(thetas, clf.thetas_, strict=True)
)
curve = np.array(clf.loss_curve_)  # J after steps 1, ..., N_STEPS
textbook_curve = np.array([*costs[1:], final_cost])  # the same steps
cost_difference = np.abs(textbook_curve - curve)
print(f"max |Theta_textbook - Theta_classifier| = {weight_difference:.1e}")
print(f"max |J_textbook - J_classifier| over the {N_STEPS} steps = {cost_difference.max():.1e}")

# %%
# Cost curves
# -----------
# Left, the two cost curves, drawn over each other: the long flat stretch is
# the plateau, where the boundary is still nearly straight. Right, how far apart
# they are at each step, relative to ``J``: a dot per step where they differ
# (at most steps they are equal, and nothing is drawn), and the largest gap so
# far as a line. Both start at float64's rounding error (the dashed line): the
# same products, summed in another order. The gap grows, to about 1e-14, where
# the cost falls steeply and the small differences in the weights count most;
# the weights themselves agree to about 1e-13 at the end.

steps = np.arange(1, N_STEPS + 1)
fig, (ax_cost, ax_diff) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax_cost.plot(steps, textbook_curve, linewidth=5, alpha=0.4, label="skbackprop.textbook")
ax_cost.plot(steps, curve, linewidth=1.5, linestyle="--", label="BackpropClassifier (gd)")
ax_cost.set_xscale("log")
ax_cost.set_yscale("log")
ax_cost.set_xlabel("gradient-descent step")
ax_cost.set_ylabel("cost J")
ax_cost.set_title("Cost of the 2-5-5-2 network, first 500 points")
ax_cost.legend(loc="lower left")
relative_gap = cost_difference / np.abs(curve)
differ = relative_gap > 0
ax_diff.plot(
    steps[differ],
    relative_gap[differ],
    ".",
    markersize=3,
    alpha=0.4,
    color="tab:gray",
    label=f"steps where they differ ({differ.sum()} of {N_STEPS})",
)
ax_diff.plot(
    steps, np.maximum.accumulate(relative_gap), color="tab:red", label="largest gap so far"
)
ax_diff.axhline(
    np.finfo(np.float64).eps,
    color="black",
    linestyle="--",
    linewidth=1,
    label="float64 rounding error (2.2e-16)",
)
ax_diff.set_xscale("log")
ax_diff.set_yscale("log")
ax_diff.set_ylim(1e-18, 1e-12)
ax_diff.set_xlabel("gradient-descent step")
ax_diff.set_ylabel("|J textbook - J classifier| / J")
ax_diff.set_title("Relative gap between the two cost curves")
ax_diff.legend(loc="upper left", fontsize="small")
fig.savefig(FIGURES / "textbook_cost.png", dpi=90)

# %%
# Decision boundary
# -----------------
# The colour is the textbook network's normalised output for class 1,
# ``h_1 / (h_0 + h_1)``, which is what ``predict_proba`` returns; the lines are
# where it is 0.5 for each network. They coincide.

x0_min, x0_max = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
x1_min, x1_max = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
xx0, xx1 = np.meshgrid(np.linspace(x0_min, x0_max, 300), np.linspace(x1_min, x1_max, 300))
grid = np.column_stack([xx0.ravel(), xx1.ravel()])
h_grid = textbook.forward_propagate(thetas, grid)[1][-1]
proba_textbook = (h_grid[:, 1] / h_grid.sum(axis=1)).reshape(xx0.shape)
proba_classifier = clf.predict_proba(grid)[:, 1].reshape(xx0.shape)
proba_difference = np.abs(proba_textbook - proba_classifier).max()
print(f"max |p_textbook - p_classifier| on the grid = {proba_difference:.1e}")

fig, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
filled = ax.contourf(
    xx0, xx1, proba_textbook, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7
)
ax.contour(xx0, xx1, proba_textbook, levels=[0.5], colors="black", linewidths=4, alpha=0.5)
ax.contour(xx0, xx1, proba_classifier, levels=[0.5], colors="gold", linewidths=1.5, linestyles="--")
ax.scatter(X_train[:, 0], X_train[:, 1], c=y_train, cmap="RdBu_r", s=8, edgecolors="none")
ax.plot([], [], color="black", linewidth=4, alpha=0.5, label="textbook boundary")
ax.plot([], [], color="gold", linewidth=1.5, linestyle="--", label="classifier boundary")
ax.legend(loc="lower left", fontsize="small")
ax.set_title(f"After {N_STEPS} steps: training accuracy {accuracy:.3f}")
ax.set_xlabel("feature 1")
ax.set_ylabel("feature 2")
fig.colorbar(filled, ax=ax, label="predicted probability of class 1")
fig.savefig(FIGURES / "textbook_boundary.png", dpi=90)

# %%
# The textbook functions are the equations and nothing else: read them to learn
# how backpropagation works. For work, use :mod:`skbackprop.engine` or
# :class:`skbackprop.BackpropClassifier`, which compute the same numbers without
# ``log(0)`` at saturated units, faster, and with regularisation, other solvers
# and the scikit-learn API.
