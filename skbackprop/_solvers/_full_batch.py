"""Full-batch solvers: gradient descent and the gradient-based scipy.optimize methods.

``tol`` bounds the largest absolute gradient component (first-order
optimality) for every one of them.
"""

import numpy as np
from scipy.optimize import minimize

# Stop gradient descent when J grows past this multiple of max(J at start, 1):
# the learning rate is too large and the weights are running away.
DIVERGENCE_FACTOR = 10.0
NOT_FINITE_AT_START = "the cost at the starting weights is not finite"
SCIPY_METHODS = ("L-BFGS-B", "CG", "BFGS", "TNC")
# scipy hands the iteration and evaluation limits to C ints.
_C_INT_MAX = int(np.iinfo(np.int32).max)


def _max_abs(grad):
    return float(np.max(np.abs(grad))) if grad.size else 0.0


STEP_RULES = ("constant", "bb")
# The "bb" rule: Armijo's constant, and how many costs back the nonmonotone
# test looks (Grippo, Lampariello and Lucidi's M; Raydan 1997 takes 10).
ARMIJO_C = 1e-4
BB_MEMORY = 10
# Halvings of one step before the line search gives up (2**-60: below any
# float's resolution of a step).
MAX_HALVINGS = 60


class GradientDescent:
    """Full-batch gradient descent: ``x := x - alpha_k * gradient``.

    ``step_rule`` chooses ``alpha_k``:

    - "constant": ``alpha_k = learning_rate``, the seed's rule. If the cost
      becomes non-finite or grows past ``DIVERGENCE_FACTOR`` times its
      starting value, the step is undone and the descent stops with status
      "diverged".
    - "bb": Barzilai and Borwein's step ``alpha_k = s's / s'y`` (``s`` the last
      step, ``y`` the change of the gradient; ``learning_rate`` first, and the
      previous step where ``s'y <= 0``) rounded to the nearest power of two, so
      that the rounding errors of ``s`` and ``y`` do not change it (equivalent
      data, such as weighted and repeated rows, give the same steps), halved
      until the cost is at most the largest of the last ``BB_MEMORY`` costs
      minus ``ARMIJO_C * alpha_k * |gradient|^2`` (Raydan's nonmonotone line
      search, 1997). The cost may rise for a few steps but never above that
      window, so it cannot diverge; a step halved ``MAX_HALVINGS`` times
      without passing ends the descent with status "stopped". Each step costs
      one evaluation of ``J`` and its gradient, and one more per halving.

    Stops when ``max|gradient| <= tol`` or after ``max_iter`` steps. The
    constant rule has no state between fits: a warm start continues from the
    weights alone. The "bb" rule's state (:meth:`get_state`, passed back as
    ``state``) is its next step and its window of costs, so that a continued
    fit on the same rows takes the steps that one longer fit would have taken.
    """

    def __init__(
        self, learning_rate=0.5, max_iter=1000, tol=1e-4, step_rule="constant", state=None
    ):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.step_rule = step_rule
        self._state = state

    def get_state(self):
        return self._state if self.step_rule == "bb" else None

    def minimize(self, fun, x0, monitor):
        if self.step_rule == "bb":
            return self._minimize_bb(fun, x0, monitor)
        tol, learning_rate = self.tol, self.learning_rate
        x = np.array(x0, copy=True)
        J, grad = fun(x)
        J_prev = J_start = float(J)
        if not np.isfinite(J_start):
            return monitor.result("not_finite", NOT_FINITE_AT_START, x, J_start)
        x_prev = np.empty_like(x)
        step = np.empty_like(x)
        grad_max = _max_abs(grad)
        if grad_max <= tol:
            return monitor.result("converged", f"max|gradient| = {grad_max:.3e} <= tol", x, J_start)
        limit = DIVERGENCE_FACTOR * max(J_start, 1.0)
        stepped = False  # whether x holds a step whose cost is not known yet
        try:
            for _ in range(self.max_iter):
                if monitor.interrupt_requested:
                    raise KeyboardInterrupt
                monitor.begin_iteration()
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
                    return monitor.result(
                        "diverged",
                        f"the cost went from {J_prev:.6g} to {float(J):.6g} in one step",
                        x,
                        J_prev,
                    )
                J_prev = float(J)
                grad_max = _max_abs(grad)
                stop = monitor.iteration(x, J_prev, grad_max)
                if grad_max <= tol:
                    return monitor.result("converged", f"max|gradient| = {grad_max:.3e} <= tol")
                if stop:
                    return monitor.result("early_stopped", monitor.stop_message())
        except KeyboardInterrupt:
            if stepped:
                x[...] = x_prev
            return monitor.result("interrupted", "KeyboardInterrupt", x, J_prev)
        return monitor.result("max_iter", f"max|gradient| = {grad_max:.3e} > tol = {tol:g}")

    def _minimize_bb(self, fun, x0, monitor):
        """The "bb" rule; ``x`` changes only to an accepted point, so Ctrl-C finds one."""
        tol = self.tol
        x = np.array(x0, copy=True)
        J, grad = fun(x)
        J = float(J)
        if not np.isfinite(J):
            return monitor.result("not_finite", NOT_FINITE_AT_START, x, J)
        grad = np.array(grad, copy=True)  # fun reuses its gradient buffer
        grad_max = _max_abs(grad)
        if grad_max <= tol:
            return monitor.result("converged", f"max|gradient| = {grad_max:.3e} <= tol", x, J)
        state = self._state
        if isinstance(state, dict) and state.get("kind") == "GradientDescent.bb":
            # The last cost is J at x0 again (recomputed: the rows may differ).
            alpha, costs = state["step"], [*state["costs"][:-1], J]
        else:
            alpha, costs = float(self.learning_rate), [J]
        self._state = {"kind": "GradientDescent.bb", "step": alpha, "costs": costs[-BB_MEMORY:]}
        try:
            for _ in range(self.max_iter):
                if monitor.interrupt_requested:
                    raise KeyboardInterrupt
                monitor.begin_iteration()
                accepted = _armijo_step(fun, x, grad, alpha, max(costs[-BB_MEMORY:]))
                if accepted is None:
                    return monitor.result(
                        "stopped",
                        f"no step along the gradient lowered the cost (max|gradient| = "
                        f"{grad_max:.3e} > tol = {tol:g}): J is flat to its rounding here",
                        x,
                        J,
                    )
                x_new, J_new, grad_new, alpha = accepted
                old_x, old_grad = x, grad
                x, J, grad = x_new, J_new, grad_new
                # -s and -y in the old buffers (the same ratio): no new ones.
                old_x -= x
                old_grad -= grad
                alpha = _bb_step(old_x, old_grad, alpha)
                del old_x, old_grad
                costs.append(J)
                del costs[:-BB_MEMORY]
                self._state = {"kind": "GradientDescent.bb", "step": alpha, "costs": list(costs)}
                grad_max = _max_abs(grad)
                stop = monitor.iteration(x, J, grad_max)
                if grad_max <= tol:
                    return monitor.result("converged", f"max|gradient| = {grad_max:.3e} <= tol")
                if stop:
                    return monitor.result("early_stopped", monitor.stop_message())
        except KeyboardInterrupt:
            return monitor.result("interrupted", "KeyboardInterrupt", x, J)
        return monitor.result("max_iter", f"max|gradient| = {grad_max:.3e} > tol = {tol:g}")


def _armijo_step(fun, x, grad, alpha, reference):
    """``(x_new, J_new, gradient_new, alpha)``: ``x - alpha * gradient`` with alpha halved
    until ``J_new <= reference - ARMIJO_C * alpha * |gradient|^2``; None if it never passes.
    """
    squared = float(np.dot(grad, grad))
    x_new = np.empty_like(x)
    for _ in range(MAX_HALVINGS + 1):
        # A huge step overflows to inf: a failed trial, not a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            np.multiply(grad, -alpha, out=x_new)
            x_new += x
        if np.isfinite(x_new).all():
            J_new, grad_new = fun(x_new)
            J_new = float(J_new)
            if J_new <= reference - ARMIJO_C * alpha * squared and J_new < reference:
                return x_new, J_new, np.array(grad_new, copy=True), alpha
        alpha /= 2
    return None


def _bb_step(s, y, previous):
    """Barzilai and Borwein's ``s's / s'y`` to the nearest power of two.

    ``previous`` where ``s'y <= 0`` (no positive curvature along ``s``).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        sy = float(s @ y)
        step = float(s @ s) / sy if sy > 0 else previous
    if not (np.isfinite(step) and step > 0):
        return previous
    return float(np.ldexp(1.0, int(np.round(np.log2(step)))))


class _Stop(Exception):
    """A test of :class:`_Watch` that ends a scipy fit (scipy has no other way out)."""


class _MaxIterReached(_Stop):
    pass


class _HookStop(_Stop):
    pass


class _NotFiniteAtStart(_Stop):
    pass


class _NonFiniteIterate(_Stop):
    pass


class _MaxFunReached(_Stop):
    pass


class ScipyMinimize:
    """``scipy.optimize.minimize(method=method, jac=True)``, stopped by the gradient.

    Only ``tol`` on max|gradient| may end a fit as converged: scipy's other
    tests (on the change in J or x) are switched off. The optimiser's memory
    (L-BFGS-B's pairs, BFGS's matrix) is not kept between fits.
    """

    def __init__(self, method="L-BFGS-B", max_iter=1000, tol=1e-4, max_fun=None):
        self.method = method
        self.max_iter = max_iter
        self.tol = tol
        # Evaluations of J allowed (None: only max_iter limits them); checked at
        # the end of each iteration, so a line search may run a few past it.
        self.max_fun = max_fun

    def get_state(self):
        return None

    def _max_fun_message(self, grad_max):
        return (
            f"used up max_fun={self.max_fun} evaluations of J with max|gradient| = "
            f"{grad_max:.3e} > tol = {self.tol:g}"
        )

    def minimize(self, fun, x0, monitor):
        x0 = np.asarray(x0, dtype=np.float64)
        watch = _Watch(fun, x0, monitor, self.max_iter, self.tol, self.max_fun)
        try:
            # scipy's own arithmetic on huge gradients (dot products in CG's
            # and BFGS's updates) overflows; what it leads to is reported below.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                res = minimize(
                    watch.fun,
                    x0,
                    jac=True,
                    method=self.method,
                    callback=watch.callback,
                    options=self._options(),
                )
        except _Stop as stop:
            return self._stopped(stop, watch, x0)
        except KeyboardInterrupt:
            if monitor.x is not None:
                return monitor.result("interrupted", "KeyboardInterrupt")
            if watch.start_J is None:  # nothing computed yet: let Ctrl-C through
                raise
            return monitor.result("interrupted", "KeyboardInterrupt", x0.copy(), watch.start_J)
        return self._finished(res, watch)

    def _options(self):
        """scipy's options: only tol, on the gradient, may stop a fit early.

        The other stopping tests (on the change in J or x) are switched off.
        """
        # A Python int, so that the multiples below cannot overflow, capped for C.
        limit = min(int(self.max_iter), _C_INT_MAX)
        options = {"gtol": self.tol, "maxiter": limit}
        if self.method == "L-BFGS-B":
            cap = max(15000, 10 * limit) if self.max_fun is None else self.max_fun
            options["maxfun"] = min(cap, _C_INT_MAX)
            options["ftol"] = 0.0
        elif self.method == "TNC":
            del options["maxiter"]  # TNC counts function evaluations, not iterations
            cap = max(100 * limit, 1000) if self.max_fun is None else self.max_fun
            options["maxfun"] = min(cap, _C_INT_MAX)
            options["ftol"] = options["xtol"] = 0.0
        return options

    def _stopped(self, stop, watch, x0):
        """The result of a fit that one of the :class:`_Watch`'s tests stopped."""
        monitor, tol = watch.monitor, self.tol
        if isinstance(stop, _NotFiniteAtStart):
            return monitor.result("not_finite", NOT_FINITE_AT_START, x0.copy(), watch.start_J)
        if isinstance(stop, _MaxIterReached):
            if monitor.grad_max <= tol:
                return monitor.result("converged", f"max|gradient| = {monitor.grad_max:.3e} <= tol")
            return monitor.result(
                "max_iter", f"max|gradient| = {monitor.grad_max:.3e} > tol = {tol:g}"
            )
        if isinstance(stop, _MaxFunReached):
            return monitor.result("max_fun", self._max_fun_message(monitor.grad_max))
        if isinstance(stop, _HookStop):
            return monitor.result("early_stopped", monitor.stop_message())
        message = f"{self.method} stepped to weights whose cost is not finite"
        if monitor.x is not None:
            return monitor.result("stopped", message)
        return monitor.result("stopped", message, x0.copy(), watch.start_J)

    def _finished(self, res, watch):
        """The result of a fit that scipy ended: its status comes from the gradient.

        scipy also reports success for its own stopping tests, and failure at
        maxiter where the last iterate met tol.
        """
        monitor, last, tol = watch.monitor, watch.last, self.tol
        if monitor.x is not None:
            grad_max = monitor.grad_max
        elif last["x"] is not None and np.array_equal(last["x"], res.x):
            grad_max = last["grad_max"]  # converged at x0, with no iteration
        else:
            grad_max = np.inf
        status = "converged" if grad_max <= tol else "stopped"
        if (
            monitor.n_iter >= self.max_iter
            and status == "stopped"
            and "ITERATIONS" in str(res.message).upper()
        ):
            status = "max_iter"
        message = str(res.message)
        if status == "stopped" and self.max_fun is not None and last["n_fun"] >= self.max_fun:
            # scipy's own limit on evaluations, which max_fun set
            status, message = "max_fun", self._max_fun_message(grad_max)
        if monitor.x is None:  # no iteration completed: keep the optimiser's point
            return monitor.result(status, message, np.array(res.x, copy=True), float(res.fun))
        return monitor.result(status, message)


class _Watch:
    """scipy's objective and per-iteration callback, watched by the monitor.

    ``last`` is the last evaluation, so that the callback need not recompute
    J; ``start_J`` the cost at ``x0``, to keep ``x0`` if Ctrl-C comes before the
    first iteration.
    """

    def __init__(self, fun, x0, monitor, max_iter, tol, max_fun):
        self._fun, self.x0, self.monitor = fun, x0, monitor
        self.max_iter, self.tol, self.max_fun = max_iter, tol, max_fun
        self.last = {"x": None, "J": None, "grad_max": None, "n_fun": 0}
        self.start_J = None

    def fun(self, x):
        last, monitor = self.last, self.monitor
        if monitor.interrupt_requested:
            raise KeyboardInterrupt
        # The first evaluation after an iteration completed starts the next.
        monitor.begin_iteration()
        J, grad = self._fun(x)
        last["n_fun"] += 1
        if self.start_J is None and np.array_equal(x, self.x0):
            self.start_J = float(J)
            if not np.isfinite(J):
                # Returned as "worse" below, it would come with a zero
                # gradient that the optimiser takes for convergence.
                raise _NotFiniteAtStart
        if not np.isfinite(J):
            # Far-off trial points of a line search: tell the optimiser "worse".
            return np.inf, np.zeros(grad.shape)
        last["x"], last["J"] = x.copy(), float(J)
        last["grad_max"] = _max_abs(grad)
        # A float64 copy: scipy's methods keep their state in float64, and fun
        # reuses its gradient buffer.
        return float(J), grad.astype(np.float64)

    def callback(self, xk):
        last, monitor = self.last, self.monitor
        if last["x"] is not None and np.array_equal(xk, last["x"]):
            J, grad_max = last["J"], last["grad_max"]
        else:
            J, grad = self._fun(xk)
            J, grad_max = float(J), _max_abs(grad)
        if not (np.isfinite(J) and np.isfinite(xk).all()):
            # An iterate the optimiser accepted although its cost is not
            # finite (it took "worse" for a flat gradient): keep the last good one.
            raise _NonFiniteIterate
        stop = monitor.iteration(xk, J, grad_max)
        if grad_max <= self.tol:
            # The method's own gtol test ends it as converged; TNC's, on
            # rescaled variables, may go on past tol, but not past max_iter.
            if monitor.n_iter >= self.max_iter:
                raise _MaxIterReached
            return
        if stop:
            raise _HookStop
        if monitor.n_iter >= self.max_iter:
            raise _MaxIterReached
        if self.max_fun is not None and last["n_fun"] >= self.max_fun:
            raise _MaxFunReached
