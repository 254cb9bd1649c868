"""
==============================================================
Walk-through: backpropagation, one equation at a time
==============================================================

This is the seed's walk-through retold with :mod:`skbackprop.textbook`: every
equation of a feed-forward network and its training appears here in
mathematical notation, next to the one short NumPy function that computes it,
run on the seed's data, two interleaving moons. At the end,
:class:`skbackprop.BackpropClassifier` trains the same network from the same
starting weights and gives the same numbers.

Read it top to bottom, or download it as a notebook (the link at the bottom of
the page) and run it cell by cell; the functions' source is a click away in the
:ref:`API reference <api>`.
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
# A thousand points in the plane, in two classes shaped like interleaving half
# moons, with a little noise. As in the seed, the network trains on the first
# 500. Sample :math:`i` is row :math:`i` of ``X`` (shape :math:`m \times s_1`),
# and its target is row :math:`i` of the one-hot matrix ``Y`` (shape
# :math:`m \times K`): a 1 in the column of its class, 0 elsewhere.

X_all, y_all = make_moons(n_samples=1000, noise=0.1, random_state=0)
X, y = X_all[:500], y_all[:500]
Y = np.eye(2)[y]
m = X.shape[0]
print(f"X: {X.shape}, Y: {Y.shape}; points per class: {np.bincount(y)}")
print("first two targets:", Y[:2].tolist(), "for the labels", y[:2].tolist())

# %%
# The network and its weights
# ---------------------------
# Four layers: two inputs, two hidden layers of five units, and one output unit
# per class, :math:`s = (2, 5, 5, 2)`. The matrix :math:`\Theta^{(l)}` carries
# layer :math:`l`, with a bias unit of constant value 1 in front, to layer
# :math:`l + 1`, so it has :math:`s_{l+1}` rows and :math:`s_l + 1` columns, and
# column 0 holds the bias weights.
#
# The weights start small and random, which makes the units of a layer differ
# (equal weights would receive equal gradients and stay equal). Each
# :math:`\Theta^{(l)}` is drawn uniformly from :math:`[-\epsilon^{(l)},
# \epsilon^{(l)}]`, with a half-width set by its two dimensions:
#
# .. math::
#
#    \epsilon^{(l)} = \frac{\sqrt{6}}{\sqrt{s_{l+1} + s_l + 1}}
#
# :func:`skbackprop.textbook.init_epsilon` computes :math:`\epsilon^{(l)}`;
# :func:`skbackprop.textbook.init_thetas` draws every matrix.

LAYER_SIZES = [2, 5, 5, 2]
SEED = 10
thetas = textbook.init_thetas(LAYER_SIZES, random_state=SEED)
for l, theta in enumerate(thetas, start=1):
    eps = textbook.init_epsilon(theta.shape)
    print(f"Theta^({l}): {theta.shape[0]} x {theta.shape[1]}, epsilon = {eps:.3f}")

# %%
# The activation
# --------------
# Every unit applies the logistic sigmoid to its weighted input :math:`z`; its
# derivative, which backpropagation needs, is written with the sigmoid itself:
#
# .. math::
#
#    g(z) = \frac{1}{1 + e^{-z}}, \qquad g'(z) = g(z)\,\bigl(1 - g(z)\bigr)
#
# :func:`skbackprop.textbook.sigmoid` and
# :func:`skbackprop.textbook.sigmoid_gradient`. The derivative is at most
# :math:`1/4`, at :math:`z = 0`, and vanishes for large :math:`|z|`: a unit
# driven far into saturation hardly learns.

z = np.linspace(-6, 6, 241)
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
ax.plot(z, textbook.sigmoid(z), label="$g(z)$")
ax.plot(z, textbook.sigmoid_gradient(z), label="$g'(z)$")
ax.axvline(0, color="grey", linewidth=0.8)
ax.set_xlabel("$z$")
ax.set_title("The sigmoid and its derivative")
ax.legend(loc="upper left")
print(f"g(0) = {textbook.sigmoid(0.0)}, g'(0) = {textbook.sigmoid_gradient(0.0)}")

# %%
# Forward propagation
# -------------------
# The input layer holds the sample, :math:`a^{(1)} = x`. Each next layer takes
# the weighted sum of the previous one, bias unit included, and applies
# :math:`g`:
#
# .. math::
#
#    z^{(l+1)} = \Theta^{(l)} \begin{bmatrix} 1 \\ a^{(l)} \end{bmatrix},
#    \qquad a^{(l+1)} = g\bigl(z^{(l+1)}\bigr),
#    \qquad h_\Theta(x) = a^{(L)}
#
# With the samples as rows, the column vector :math:`\Theta a` becomes the
# matrix product ``A @ Theta.T``, for all 500 points at once.
# :func:`skbackprop.textbook.forward_propagate` returns every :math:`z^{(l)}`
# and every :math:`a^{(l)}` (the hidden ones with their column of ones), since
# backpropagation uses them all; the last :math:`a` is the hypothesis
# :math:`h_\Theta(X)`, one column per output unit.

Z, A = textbook.forward_propagate(thetas, X)
print("z shapes:", [z_l.shape for z_l in Z])
print("a shapes:", [a_l.shape for a_l in A])
H = A[-1]
print("h for the first two points:", H[:2].round(3).tolist())

# %%
# The cost
# --------
# Each output unit is scored by the cross-entropy of its prediction
# :math:`h_{ik}` against the target :math:`y_{ik}`, summed over the :math:`K`
# units and averaged over the :math:`m` samples. The regularisation term adds
# the squares of all weights except the bias columns, scaled by
# :math:`\lambda / (2m)`:
#
# .. math::
#
#    J(\Theta) = \frac{1}{m} \sum_{i=1}^{m} \sum_{k=1}^{K}
#    \Bigl[-y_{ik} \log h_{ik} - (1 - y_{ik}) \log\bigl(1 - h_{ik}\bigr)\Bigr]
#    + \frac{\lambda}{2m} \sum_{l} \sum_{j} \sum_{i \ge 1}
#    \bigl(\Theta^{(l)}_{ji}\bigr)^2
#
# :func:`skbackprop.textbook.cost` is this formula as written. At the random
# start every :math:`h_{ik}` is near one half, so each of the two units costs
# about :math:`\log 2`, and :math:`J` is about :math:`2 \log 2 \approx 1.39`.

print(f"J = {textbook.cost(thetas, X, Y):.4f} (2 log 2 = {2 * np.log(2):.4f})")
print(f"J with lambda = 1: {textbook.cost(thetas, X, Y, reg_lambda=1.0):.4f}")

# %%
# Backpropagation: the error of each layer
# ----------------------------------------
# The gradient of :math:`J` starts from the error of the output units, which for
# sigmoid outputs and the cross-entropy is simply the prediction minus the
# target (:func:`skbackprop.textbook.output_delta`):
#
# .. math::
#
#    \delta^{(L)} = h_\Theta(x) - y
#
# and flows backwards, one layer at a time, through the weights that carried
# the signal forward, without their bias column (the bias unit has no input to
# blame), scaled by the slope of each unit
# (:func:`skbackprop.textbook.hidden_delta`):
#
# .. math::
#
#    \delta^{(l)} = \Bigl(\Theta^{(l)}_{:,\,1:}\Bigr)^{T} \delta^{(l+1)}
#    \odot g'\bigl(z^{(l)}\bigr), \qquad l = L-1, \dots, 2
#
# The input layer gets no error: nothing there is learned. Here the three
# weight matrices feed layers 2, 3 and 4, so we need :math:`\delta^{(4)}`,
# :math:`\delta^{(3)}` and :math:`\delta^{(2)}`; ``Z[l]`` holds
# :math:`z^{(l+2)}`.

delta_4 = textbook.output_delta(H, Y)
delta_3 = textbook.hidden_delta(thetas[2], delta_4, Z[1])
delta_2 = textbook.hidden_delta(thetas[1], delta_3, Z[0])
print("delta shapes:", delta_2.shape, delta_3.shape, delta_4.shape)

# %%
# Backpropagation: the gradient
# -----------------------------
# The gradient for :math:`\Theta^{(l)}` multiplies the error of the layer it
# feeds by the activations it reads, summed over the samples, plus the
# derivative of the penalty (zero for the bias column):
#
# .. math::
#
#    \frac{\partial J}{\partial \Theta^{(l)}} = \frac{1}{m} \sum_{i=1}^{m}
#    \delta^{(l+1)}_i \begin{bmatrix} 1 \\ a^{(l)}_i \end{bmatrix}^{T}
#    + \frac{\lambda}{m} \Theta^{(l)} \quad \text{(no } \lambda \text{ on column 0)}
#
# With samples as rows, the sum over :math:`i` is one matrix product,
# ``delta.T @ A[l] / m``. :func:`skbackprop.textbook.backpropagate` does all of
# the above in one call; our three products give the same matrices.

by_hand = [delta.T @ a / m for delta, a in zip([delta_2, delta_3, delta_4], A[:-1], strict=True)]
grads = textbook.backpropagate(thetas, X, Y)
print("same as backpropagate:", all(np.allclose(g, h) for g, h in zip(grads, by_hand, strict=True)))

# %%
# Is the gradient right? Compare it with centred finite differences,
# :math:`\bigl(J(\theta + \varepsilon e_p) - J(\theta - \varepsilon e_p)\bigr) /
# 2\varepsilon` for each weight :math:`p`:
# :func:`skbackprop.engine.gradient_check` returns their relative difference,
# which is tiny when backpropagation is right and of order 1 when it is not.

print(f"relative difference to finite differences: {engine.gradient_check(thetas, X, Y):.1e}")

# %%
# Gradient descent
# ----------------
# One step moves every weight against its gradient, by the learning rate
# :math:`\alpha` (:func:`skbackprop.textbook.gradient_descent_step`):
#
# .. math::
#
#    \Theta^{(l)} := \Theta^{(l)} - \alpha \frac{\partial J}{\partial \Theta^{(l)}}
#
# Repeat: cost, gradient, step. With the seed's :math:`\alpha = 0.5`,
# :math:`\lambda = 0` and 5000 steps (the loop of
# :func:`skbackprop.textbook.train`). This takes a few seconds: the textbook
# functions recompute everything at every step.

LEARNING_RATE = 0.5
N_STEPS = 300 if QUICK else 5000
trained, costs = thetas, []
for _ in range(N_STEPS):
    costs.append(textbook.cost(trained, X, Y))
    trained = textbook.gradient_descent_step(
        trained, textbook.backpropagate(trained, X, Y), LEARNING_RATE
    )
final_cost = textbook.cost(trained, X, Y)
accuracy = np.mean(textbook.forward_propagate(trained, X)[1][-1].argmax(axis=1) == y)
print(f"J: {costs[0]:.4f} at the start, {final_cost:.4f} after {N_STEPS} steps")
print(f"training accuracy: {accuracy:.3f}")

# %%
# The cost falls in two stages. First it settles on a *plateau*, where the
# network separates the moons with a nearly straight line; after about two
# thousand steps the hidden units find the curve and the cost drops by two
# orders of magnitude. Right: the boundary the trained network draws, where its
# two output units are equal.

x0, x1 = np.meshgrid(np.linspace(-1.7, 2.7, 200), np.linspace(-1.2, 1.7, 200))
grid = np.column_stack([x0.ravel(), x1.ravel()])
h_grid = textbook.forward_propagate(trained, grid)[1][-1]
p_grid = (h_grid[:, 1] / h_grid.sum(axis=1)).reshape(x0.shape)

fig, (ax_cost, ax_map) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax_cost.plot(np.arange(1, N_STEPS + 1), costs)
ax_cost.set_xscale("log")
ax_cost.set_yscale("log")
ax_cost.set_xlabel("gradient-descent step")
ax_cost.set_ylabel("cost $J$")
ax_cost.set_title("$J$ before each step")
ax_map.contourf(x0, x1, p_grid, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
ax_map.contour(x0, x1, p_grid, levels=[0.5], colors="black")
ax_map.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=8, edgecolors="none")
ax_map.set_xlabel("$x_1$")
ax_map.set_ylabel("$x_2$")
ax_map.set_title(f"After {N_STEPS} steps: training accuracy {accuracy:.3f}")
fig.savefig(FIGURES / "walkthrough_training.png", dpi=80)

# %%
# The same numbers from BackpropClassifier
# ----------------------------------------
# :class:`skbackprop.BackpropClassifier` computes these equations with the fast
# :mod:`skbackprop.engine`. Asked for the seed's network (sigmoid hidden and
# output units, plain gradient descent with :math:`\alpha = 0.5`, no penalty,
# every step run: ``tol=0``), with the same integer seed it draws the same
# starting weights and takes the same steps. It gives its first output unit to
# the largest class, class 0 here, so its units are in the order of the columns
# of ``Y``. Where the estimator standardises its inputs by itself, we turn that
# off so that it sees the same ``X``.

params = dict(
    hidden_layer_sizes=(5, 5),
    activation="sigmoid",
    output_activation="sigmoid",
    solver="gd",
    learning_rate=LEARNING_RATE,
    reg_lambda=0.0,
    tol=0,
    max_iter=N_STEPS,
    random_state=SEED,
)
if "standardize" in BackpropClassifier().get_params():
    params["standardize"] = False
clf = BackpropClassifier(**params).fit(X, y)

start = engine.init_thetas(LAYER_SIZES, random_state=SEED)
print(
    "same starting weights:", all(np.array_equal(a, b) for a, b in zip(thetas, start, strict=True))
)
weight_gap = max(np.abs(a - b).max() for a, b in zip(trained, clf.thetas_, strict=True))
# loss_curve_ records J after each step, costs before it
cost_gap = np.abs(np.array([*costs[1:], final_cost]) - clf.loss_curve_).max()
print(f"largest weight difference after {N_STEPS} steps: {weight_gap:.1e}")
print(f"largest difference of J over the steps: {cost_gap:.1e}")
print(f"classifier's training accuracy: {clf.score(X, y):.3f}")

# %%
# The two agree to rounding error: the engine sums the same products in
# another order, in blocks of rows. From here the classifier offers what the
# textbook leaves out: other activations and a softmax output layer, faster
# solvers (``solver="L-BFGS-B"`` reaches this cost in under a hundred
# iterations), early stopping, sample weights, and scikit-learn's API.
# :ref:`sphx_glr_auto_examples_plot_textbook.py` compares the two runs in
# figures, and :ref:`model` sets the notation side by side with the code.
