"""
==========================================
Five solvers, per iteration and per second
==========================================

Every solver of :class:`~skbackprop.BackpropClassifier` minimises the same
cost ``J``, so their loss curves can be compared directly: full-batch
gradient descent (``"gd"``), the conjugate-gradient and L-BFGS-B methods of
:func:`scipy.optimize.minimize`, and mini-batch ``"sgd"`` and ``"adam"``.
We train the same network (64-25-10, tanh hidden units, softmax outputs) on
the standardised digits with each, and plot ``J`` against iterations and
against seconds.

An iteration is not the same amount of work for every solver: gd computes
one gradient, CG and L-BFGS-B one or more (their line searches evaluate
``J`` and its gradient until a step is good enough), and sgd and adam one per
mini-batch of 200 rows, so an *epoch* (one pass over the data, 9 steps on
1797 rows). Seconds put them on a common scale.
"""

import os
import sys
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier, engine
from skbackprop.plotting import LossCurveDisplay

# SKBACKPROP_EXAMPLE_QUICK=1 runs fewer iterations (the tests do). The figures go to
# examples/_output/ (ignored by git), to the folder SKBACKPROP_EXAMPLE_FIGURES
# names, or with --update-figures to examples/figures/, which the README shows.
QUICK = os.environ.get("SKBACKPROP_EXAMPLE_QUICK") == "1"
FOLDER = "figures" if "--update-figures" in sys.argv else "_output"
# (a notebook has no __file__: there they go to _output/ in the working folder)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
FIGURES = Path(os.environ.get("SKBACKPROP_EXAMPLE_FIGURES") or HERE / FOLDER)
FIGURES.mkdir(parents=True, exist_ok=True)
# Iterations (epochs) per solver: CG and L-BFGS-B are on their floor within 100.
MAX_ITER = {"gd": 300, "CG": 100, "L-BFGS-B": 100, "sgd": 300, "adam": 300}
if QUICK:
    MAX_ITER = dict.fromkeys(MAX_ITER, 10)

# %%
# The data and the solvers
# ------------------------
# ``tol=0`` makes every solver run all its ``MAX_ITER`` iterations (epochs):
# 300, or 100 for CG and L-BFGS-B, which have reached the floor set by the
# penalty by then. Gradient descent takes its default
# step (``learning_rate="auto"``, 1.0); sgd and adam take 0.01, ten times their
# default, which suits this small problem (see the README's table of times to
# 0.97 accuracy).

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
Y = np.eye(10)[y]  # one-hot targets, for computing J ourselves below

SOLVERS = {
    "gd": {},
    "CG": {},
    "L-BFGS-B": {},
    "sgd": {"learning_rate": 0.01},
    "adam": {"learning_rate": 0.01},
}


def fit(solver, max_iter):
    clf = BackpropClassifier(
        solver=solver, max_iter=max_iter, tol=0, random_state=0, **SOLVERS[solver]
    )
    with warnings.catch_warnings():
        # Stopping at max_iter is what we ask for here, not a problem to report.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y)


def cost(clf):
    """J (with its penalty) of the whole training set at the fitted weights."""
    return engine.cost(
        clf.thetas_, X, Y, reg_lambda=clf.reg_lambda, activation="tanh", output_activation="softmax"
    )


fitted = {solver: fit(solver, MAX_ITER[solver]) for solver in SOLVERS}
for solver, clf in fitted.items():
    print(f"{solver:>8}: J = {cost(clf):.2e} after {clf.n_iter_} iterations")

# %%
# Seconds
# -------
# The estimator records no time per iteration, so we measure it the plain
# way: fit again from the same start with ``max_iter = k`` for a few ``k``
# and time each fit. A fit of ``k`` iterations follows the first ``k`` of the
# long run exactly (same seed, same data, the optimisers do not look ahead),
# so each timed fit gives one point of the curve: the time it takes to get that
# model, set-up included. We count the processor time of this process
# (``time.process_time``), which other programs running on the machine disturb
# less than the wall-clock time, and keep the fastest of up to twenty fits
# (fewer for the longer fits, where noise matters less: 0.3 s of fits per
# point). On a problem this small a fit runs on one thread, so the two agree
# on a quiet machine.
#
# For sgd and adam ``loss_curve_`` holds the mean of the mini-batch costs seen
# during each epoch, while the weights move; here we compute ``J`` of the whole
# training set at the weights each timed fit ends with, which for the
# full-batch solvers is their ``loss_curve_`` entry.

REPEATS = 1 if QUICK else 20


def timed_fit(solver, max_iter):
    """The fastest of up to REPEATS fits; no more once they have taken 0.3 s."""
    seconds = []
    while len(seconds) < REPEATS and sum(seconds) < 0.3:
        start = time.process_time()
        clf = fit(solver, max_iter)
        seconds.append(time.process_time() - start)
    return min(seconds), clf


timed = {}
for solver in SOLVERS:
    seconds, costs = [], []
    for k in np.unique(np.geomspace(1, MAX_ITER[solver], 3 if QUICK else 12).astype(int)):
        elapsed, clf = timed_fit(solver, k)
        seconds.append(elapsed)
        costs.append(cost(clf))
        if solver in ("gd", "CG", "L-BFGS-B"):
            # the timed fit is the long run's first k iterations
            assert np.isclose(costs[-1], fitted[solver].loss_curve_[k - 1], rtol=1e-9)
    timed[solver] = (seconds, costs)
    print(f"{solver:>8}: {MAX_ITER[solver]} iterations in {seconds[-1]:.3f} s")

# %%
# The figure
# ----------
# Left, :class:`~skbackprop.plotting.LossCurveDisplay` draws each solver's
# ``loss_curve_`` on one axes; right, the timed fits. All axes are
# logarithmic. L-BFGS-B and CG fall fastest per iteration; an iteration of CG
# costs more gradient evaluations than one of L-BFGS-B, which is the fastest
# per second too. Gradient descent, sgd and adam, with a fixed learning rate,
# need many more iterations for the same fall; each epoch of sgd and adam is 9
# steps. The first points, near 2 ms, are mostly the fixed cost of a fit
# (checks and set-up). Times move by some ten per cent from run to run.

colors = dict(
    zip(SOLVERS, ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"], strict=True)
)
fig, (ax_iter, ax_time) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
for solver, clf in fitted.items():
    LossCurveDisplay.from_estimator(
        clf, ax=ax_iter, log_scale="both", line_kwargs={"label": solver, "color": colors[solver]}
    )
    seconds, costs = timed[solver]
    ax_time.plot(seconds, costs, marker="o", markersize=3, label=solver, color=colors[solver])
ax_iter.set_xlabel("iteration (epoch for sgd and adam)")
ax_iter.set_ylabel("loss_curve_: cost J")
ax_iter.set_title("Cost per iteration", fontsize="medium")
ax_iter.legend(loc="lower left", fontsize="small")
ax_time.set_xscale("log")
ax_time.set_yscale("log")
ax_time.set_xlabel("processor seconds of a fit of k iterations")
ax_time.set_ylabel("cost J at the fitted weights")
ax_time.set_title("Cost against time", fontsize="medium")
ax_time.legend(loc="lower left", fontsize="small")
fig.suptitle("Five solvers on the standardised digits, 64-25-10 network")
fig.savefig(FIGURES / "solvers_loss.png", dpi=80)
