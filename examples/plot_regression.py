"""
===========================================================
Regression: a curve fit, squared error against Huber's cost
===========================================================

:class:`~skbackprop.BackpropRegressor` is the classifier's network with
identity output units: it predicts numbers. Here it learns a 1-d function from
300 noisy samples, 20 of which are outliers, far above the curve. With the
squared error (``loss="squared_error"``, MLPRegressor's cost) every outlier
pulls the curve towards itself with a force that grows with its distance; with
Huber's cost (``loss="huber"``) the pull stops growing beyond ``huber_delta``
standard deviations of ``y``, and the curve follows the bulk of the data.

We train with ``solver="L-BFGS-B"``, which needs no step size and suits a small
data set; with ``standardize=True`` (the default) the network trains on
standardised ``x`` and ``y``, and the fit folds both scalings into the weights.
"""

import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skbackprop import BackpropRegressor
from skbackprop.plotting import LossCurveDisplay

# The figures go to examples/_output/ (ignored by git), to the folder
# SKBACKPROP_EXAMPLE_FIGURES names, or with --update-figures to examples/figures/,
# which the README shows.
FOLDER = "figures" if "--update-figures" in sys.argv else "_output"
# (a notebook has no __file__: there they go to _output/ in the working folder)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
FIGURES = Path(os.environ.get("SKBACKPROP_EXAMPLE_FIGURES") or HERE / FOLDER)
FIGURES.mkdir(parents=True, exist_ok=True)

# %%
# The data
# --------
# ``y = sin(2x) + 0.3 x`` plus Gaussian noise of standard deviation 0.2, at 300
# points drawn uniformly in [-3, 3]; 20 of them, chosen at random, are moved up
# by 2.5 to 4.


def truth(x):
    return np.sin(2 * x) + 0.3 * x


rng = np.random.default_rng(0)
n_samples, n_outliers = 300, 20
X = np.sort(rng.uniform(-3, 3, n_samples)).reshape(-1, 1)
y = truth(X[:, 0]) + rng.normal(0, 0.2, n_samples)
outliers = rng.choice(n_samples, n_outliers, replace=False)
y[outliers] += rng.uniform(2.5, 4, n_outliers)

# %%
# Two fits
# --------
# The same network (one hidden layer of 25 tanh units, the default), the same
# initial weights; only the cost differs. We score each fit against the true
# function on a grid, which neither fit has seen. A weak penalty
# (``reg_lambda=1e-4``, MLPRegressor's ``alpha``) lets each cost show what it
# does with the outliers; the default ``reg_lambda=0.3`` smooths both fits and
# hides much of the difference.

grid = np.linspace(-3, 3, 400).reshape(-1, 1)
fits = {}
for loss in ("squared_error", "huber"):
    reg = BackpropRegressor(loss=loss, solver="L-BFGS-B", reg_lambda=1e-4, random_state=0)
    reg.fit(X, y)
    error = np.sqrt(np.mean((reg.predict(grid) - truth(grid[:, 0])) ** 2))
    print(
        f"{loss}: {reg.n_iter_} iterations, R^2 on the training data {reg.score(X, y):.3f}, "
        f"distance to the true function (RMS) {error:.3f}"
    )
    fits[loss] = reg

# %%
# The learned functions and the training curves
# ---------------------------------------------
# Left: the squared error bends the curve up towards the outliers (red) and
# pays for it with wiggles elsewhere; Huber's cost stays close to the true
# function (dashed). Right: the cost ``J`` after each L-BFGS-B iteration,
# drawn by :class:`~skbackprop.plotting.LossCurveDisplay`, in standardised
# units of ``y``. The two curves are different costs (Huber's grows linearly
# beyond ``huber_delta``), so compare their shapes, not their heights: the
# squared error needs many more iterations to settle, as it keeps trading the
# outliers against the rest of the data.

fig, (ax_fit, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
inliers = np.setdiff1d(np.arange(n_samples), outliers)
ax_fit.scatter(X[inliers, 0], y[inliers], s=10, color="0.6", label="data")
ax_fit.scatter(X[outliers, 0], y[outliers], s=16, color="tab:red", label="outliers")
ax_fit.plot(grid[:, 0], truth(grid[:, 0]), "k--", label="true function")
colors = {"squared_error": "tab:blue", "huber": "tab:green"}
for loss, reg in fits.items():
    ax_fit.plot(grid[:, 0], reg.predict(grid), color=colors[loss], lw=2, label=f"loss={loss!r}")
    LossCurveDisplay.from_estimator(
        reg, ax=ax_loss, name=loss, log_scale=True, line_kwargs={"color": colors[loss]}
    )
ax_fit.set_xlabel("x")
ax_fit.set_ylabel("y")
ax_fit.legend(loc="upper left", fontsize="small")
ax_fit.set_title("BackpropRegressor on 300 points, 20 of them outliers")
ax_loss.set_title("Training cost J (standardised y), L-BFGS-B")
fig.savefig(FIGURES / "regression_fit.png", dpi=80)
