"""Solvers: minimise ``fun(x) -> (J, gradient)`` from a starting vector ``x0``.

Every solver has one signature::

    solver(fun, x0, *, max_iter, tol, learning_rate, recorder) -> SolverResult

and knows nothing of networks or estimators. ``tol`` bounds the largest absolute
gradient component (first-order optimality) for every solver. The
:class:`Recorder` keeps what all solvers share: the loss curve, progress output,
the last completed iterate, and a clean stop on Ctrl-C.
"""

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

__all__ = ["SOLVERS", "Recorder", "SolverResult"]

# Stop gradient descent when J grows past this multiple of max(J at start, 1):
# the learning rate is too large and the weights are running away.
DIVERGENCE_FACTOR = 10.0
NOT_FINITE_AT_START = "the cost at the starting weights is not finite"


@dataclass
class SolverResult:
    """What a solver returns.

    ``status`` is one of "converged" (max|gradient| <= tol), "max_iter",
    "diverged", "interrupted", "stopped" (the optimiser stopped short of tol;
    ``message`` says why) or "not_finite" (J is not finite at ``x0``, so
    nothing was tried).
    """

    x: np.ndarray
    loss: float
    n_iter: int
    status: str
    message: str = ""
    loss_curve: list = field(default_factory=list)


class Recorder:
    """Bookkeeping that every solver calls once per completed iteration.

    Parameters
    ----------
    verbose : int
        0: silent; 1: about 20 progress lines per fit; 2: every iteration.
    max_iter : int
        Used to space the progress lines.
    """

    def __init__(self, verbose=0, max_iter=1):
        self.verbose = int(verbose)
        self.every = 1 if self.verbose >= 2 else max(1, max_iter // 20)
        self.loss_curve = []
        self.x = None
        self.loss = None
        self.grad_max = np.nan
        self._start = time.perf_counter()

    def __call__(self, x, loss, grad_max=None):
        self.loss_curve.append(float(loss))
        self.x = np.array(x, copy=True)
        self.loss = float(loss)
        self.grad_max = np.nan if grad_max is None else float(grad_max)
        n = len(self.loss_curve)
        if self.verbose and (n % self.every == 0 or n == 1):
            grad_text = "" if grad_max is None else f", max|gradient| = {grad_max:.3e}"
            elapsed = time.perf_counter() - self._start
            print(f"Iteration {n}, loss = {loss:.8f}{grad_text}, {elapsed:.2f} s", flush=True)

    @property
    def n_iter(self):
        return len(self.loss_curve)

    def result(self, status, message, x=None, loss=None):
        x = self.x if x is None else x
        loss = self.loss if loss is None else loss
        if self.verbose:
            print(f"Stopped after {self.n_iter} iterations ({status}): {message}", flush=True)
        return SolverResult(x, loss, self.n_iter, status, message, self.loss_curve)


def gradient_descent(fun, x0, *, max_iter, tol, learning_rate, recorder):
    """Full-batch gradient descent: ``x := x - learning_rate * gradient``.

    Stops when ``max|gradient| <= tol`` or after ``max_iter`` steps. If the cost
    becomes non-finite or grows past ``DIVERGENCE_FACTOR`` times its starting
    value, the step is undone and the descent stops with status "diverged".
    """
    x = np.array(x0, copy=True)
    J, grad = fun(x)
    J_prev = J_start = float(J)
    if not np.isfinite(J_start):
        return recorder.result("not_finite", NOT_FINITE_AT_START, x, J_start)
    x_prev = np.empty_like(x)
    step = np.empty_like(x)
    grad_max = float(np.max(np.abs(grad))) if grad.size else 0.0
    if grad_max <= tol:
        return recorder.result("converged", f"max|gradient| = {grad_max:.3e} <= tol", x, J_start)
    limit = DIVERGENCE_FACTOR * max(J_start, 1.0)
    stepped = False  # whether x holds a step whose cost is not known yet
    try:
        for _ in range(max_iter):
            x_prev[...] = x
            # A huge step overflows to inf: caught below, not a warning.
            with np.errstate(over="ignore", invalid="ignore"):
                np.multiply(grad, learning_rate, out=step)
                x -= step
            stepped = True
            J, grad = fun(x)
            stepped = False
            # J can stay finite with infinite weights: a saturated sigmoid unit
            # maps infinite inputs to exactly 0 or 1.
            if not (np.isfinite(J) and J <= limit and np.isfinite(x).all()):
                x[...] = x_prev
                return recorder.result(
                    "diverged",
                    f"the cost went from {J_prev:.6g} to {float(J):.6g} in one step",
                    x,
                    J_prev,
                )
            J_prev = float(J)
            grad_max = float(np.max(np.abs(grad)))
            recorder(x, J_prev, grad_max)
            if grad_max <= tol:
                return recorder.result("converged", f"max|gradient| = {grad_max:.3e} <= tol")
    except KeyboardInterrupt:
        if stepped:
            x[...] = x_prev
        return recorder.result("interrupted", "KeyboardInterrupt", x, J_prev)
    return recorder.result("max_iter", f"max|gradient| = {grad_max:.3e} > tol = {tol:g}")


class _MaxIterReached(Exception):
    pass


class _NotFiniteAtStart(Exception):
    pass


# TNC counts function evaluations in a C int.
_TNC_MAX_FUN = np.iinfo(np.int32).max


def _scipy_solver(method):
    """A solver that runs ``scipy.optimize.minimize(method=method, jac=True)``."""

    def solve(fun, x0, *, max_iter, tol, learning_rate, recorder):
        # Last evaluation, so that the per-iteration callback need not recompute J;
        # and the cost at x0, to keep x0 if Ctrl-C comes before the first iteration.
        last = {"x": None, "J": None, "grad_max": None}
        x0 = np.asarray(x0, dtype=np.float64)
        start = {"J": None}

        def fun_copy(x):
            J, grad = fun(x)
            if start["J"] is None and np.array_equal(x, x0):
                start["J"] = float(J)
                if not np.isfinite(J):
                    # Returned as "worse" below, it would come with a zero
                    # gradient that the optimiser takes for convergence.
                    raise _NotFiniteAtStart
            if not np.isfinite(J):
                # Far-off trial points of a line search: tell the optimiser "worse".
                return np.inf, np.zeros(grad.shape)
            last["x"], last["J"] = x.copy(), float(J)
            last["grad_max"] = float(np.max(np.abs(grad))) if grad.size else 0.0
            # A float64 copy: scipy's methods keep their state in float64, and fun
            # reuses its gradient buffer.
            return float(J), grad.astype(np.float64)

        def callback(xk):
            if last["x"] is not None and np.array_equal(xk, last["x"]):
                J, grad_max = last["J"], last["grad_max"]
            else:
                J, grad = fun(xk)
                J, grad_max = float(J), float(np.max(np.abs(grad)))
            recorder(xk, J, grad_max)
            if recorder.n_iter >= max_iter and grad_max > tol:
                raise _MaxIterReached

        options = {"gtol": tol, "maxiter": max_iter}
        # Only tol, on the gradient, may stop a fit early: the other stopping
        # tests (on the change in J or x) are switched off.
        if method == "L-BFGS-B":
            options["maxfun"] = max(15000, 10 * max_iter)
            options["ftol"] = 0.0
        elif method == "TNC":
            del options["maxiter"]  # TNC counts function evaluations, not iterations
            options["maxfun"] = min(max(100 * max_iter, 1000), _TNC_MAX_FUN)
            options["ftol"] = options["xtol"] = 0.0
        try:
            res = minimize(
                fun_copy,
                x0,
                jac=True,
                method=method,
                callback=callback,
                options=options,
            )
        except _NotFiniteAtStart:
            return recorder.result("not_finite", NOT_FINITE_AT_START, x0.copy(), start["J"])
        except _MaxIterReached:
            return recorder.result(
                "max_iter", f"max|gradient| = {recorder.grad_max:.3e} > tol = {tol:g}"
            )
        except KeyboardInterrupt:
            if recorder.x is not None:
                return recorder.result("interrupted", "KeyboardInterrupt")
            if start["J"] is None:  # nothing computed yet: let Ctrl-C through
                raise
            return recorder.result("interrupted", "KeyboardInterrupt", x0.copy(), start["J"])
        # The status comes from the gradient: scipy also reports success for its
        # own stopping tests, and failure at maxiter where the last iterate met tol.
        if recorder.x is not None:
            grad_max = recorder.grad_max
        elif last["x"] is not None and np.array_equal(last["x"], res.x):
            grad_max = last["grad_max"]  # converged at x0, with no iteration
        else:
            grad_max = np.inf
        status = "converged" if grad_max <= tol else "stopped"
        if (
            recorder.n_iter >= max_iter
            and status == "stopped"
            and "ITERATIONS" in str(res.message).upper()
        ):
            status = "max_iter"
        if recorder.x is None:  # no iteration completed: keep the optimiser's point
            return recorder.result(
                status, str(res.message), np.array(res.x, copy=True), float(res.fun)
            )
        return recorder.result(status, str(res.message))

    solve.__name__ = f"scipy_{method}"
    return solve


SCIPY_METHODS = ("L-BFGS-B", "CG", "BFGS", "TNC")

SOLVERS = {"gd": gradient_descent}
SOLVERS.update({method: _scipy_solver(method) for method in SCIPY_METHODS})
