"""Solvers: minimise an objective from a starting vector; they know nothing of networks.

Every solver is an object holding its parameters (and, for the mini-batch
solvers, a state that later fits continue) with one entry point::

    solver.minimize(objective, x0, monitor) -> SolverResult

``objective(x)`` returns ``(J, gradient)`` on all the training rows; the
mini-batch solvers call ``objective.batch(x, rows)`` instead, an unbiased
estimate of the same ``J`` and gradient from the rows ``rows`` (a slice or an
index array) of ``objective.n_samples``. The monitor (``skbackprop._monitor``)
is told when each iteration starts and when it completes, and may ask the
solver to stop.

| solver | stopping rule (besides max_iter and a hook) |
|---|---|
| GradientDescent, ScipyMinimize | max abs(gradient) <= tol |
| SGD, Adam | the epoch loss fails to improve by tol for more than n_iter_no_change epochs |
"""

from ._full_batch import SCIPY_METHODS, GradientDescent, ScipyMinimize
from ._stochastic import SGD, Adam

__all__ = [
    "DEFAULT_LEARNING_RATES",
    "SCIPY_METHODS",
    "SGD",
    "STOCHASTIC_SOLVERS",
    "Adam",
    "GradientDescent",
    "ScipyMinimize",
    "step_size",
]

STOCHASTIC_SOLVERS = ("sgd", "adam")
# The default step size of each solver that takes one (learning_rate="auto").
DEFAULT_LEARNING_RATES = {"gd": 1.0, "sgd": 1e-3, "adam": 1e-3}


def step_size(solver, learning_rate):
    """The step size ``learning_rate`` names for ``solver`` ("auto": its default; 0: none)."""
    if learning_rate == "auto":
        return DEFAULT_LEARNING_RATES.get(solver, 0.0)
    return float(learning_rate)
