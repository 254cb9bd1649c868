"""Per-iteration bookkeeping and hooks that may stop a fit.

Every solver calls :meth:`Monitor.iteration` once per completed iteration (an
epoch for the mini-batch solvers) with the weights and the loss. The monitor
records the loss curve and the last completed iterate, prints progress, and
asks each of its hooks whether to go on; a hook that answers "stop" ends the
fit cleanly, which the solver reports as ``"early_stopped"``, never as an
interruption. Solvers also call :meth:`Monitor.begin_iteration` when an
iteration starts, for hooks that report iterations as tasks with a beginning
and an end (:class:`CallbackBridge`, which carries scikit-learn's callbacks).
This module imports nothing of the package: hooks see only flat weight vectors
and numbers.

Ctrl-C is one more reason to stop: while :meth:`Monitor.deferring_interrupts`
is active, SIGINT only sets :attr:`Monitor.interrupt_requested`, which solvers
read at each iteration (or mini-batch) boundary, so the weights, the loss curve
and the optimiser's state they return always belong together. A second Ctrl-C
raises KeyboardInterrupt at once, except inside the bookkeeping (this module's
code, and the modules the caller names, such as the BLAS limit's), where it
waits until that code is done; either way the fit then raises and publishes
nothing. A KeyboardInterrupt that a hook's own code raises (a callback) is that
hook's exception, never taken for Ctrl-C: it goes through the solver unchanged.
"""

import signal
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "CallbackBridge",
    "Monitor",
    "SolverResult",
    "ValidationStopping",
    "early_stopping_applies",
]

# early_stopping="auto" holds out rows for gd only when at least this many are
# held out: fewer give a validation loss too noisy to stop on, and cost the
# training set more than the overfitting they prevent.
AUTO_MIN_VALIDATION_ROWS = 200


def early_stopping_applies(early_stopping, solver, n_samples, validation_fraction):
    """Whether a fit of ``n_samples`` rows holds out ``validation_fraction`` of them.

    ``early_stopping`` True or False decides; "auto" is True for full-batch
    gradient descent (``solver == "gd"``) when ``n_samples * validation_fraction``
    is at least :data:`AUTO_MIN_VALIDATION_ROWS`, False otherwise.
    """
    if isinstance(early_stopping, str):  # "auto"
        return solver == "gd" and n_samples * validation_fraction >= AUTO_MIN_VALIDATION_ROWS
    return bool(early_stopping)


@dataclass
class SolverResult:
    """What a solver returns.

    ``status`` is one of "converged" (the solver's own stopping rule was met),
    "max_iter", "max_fun" (a scipy method used up its evaluations), "diverged",
    "interrupted", "early_stopped" (a hook of the
    monitor asked to stop), "stopped" (the optimiser stopped short of its rule;
    ``message`` says why) or "not_finite" (J is not finite at ``x0``, so
    nothing was tried).
    """

    x: np.ndarray
    loss: float
    n_iter: int
    status: str
    message: str = ""
    loss_curve: list = field(default_factory=list)


class ValidationStopping:
    """Early stopping on a held-out loss; keeps the weights where it was lowest.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(x) -> (loss, score)`` on the held-out rows.
    n_iter_no_change : int
        Iterations allowed without an improvement; one more stops the fit.
    tol : float
        An iteration improves when its loss is below the best so far minus tol.
    """

    def __init__(self, evaluate, n_iter_no_change, tol=0.0):
        self.evaluate = evaluate
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.losses = []
        self.scores = []
        self.best_loss = np.inf
        self.best_x = None
        self.best_index = None  # into the iterations of this fit
        self.no_improvement = 0

    def __call__(self, n, x, loss):
        val_loss, score = self.evaluate(x)
        val_loss = float(val_loss)
        self.losses.append(val_loss)
        self.scores.append(float(score))
        if val_loss < self.best_loss - self.tol:
            self.no_improvement = 0
        else:
            self.no_improvement += 1
        if val_loss < self.best_loss:
            self.best_loss, self.best_x, self.best_index = val_loss, np.array(x), n - 1
        return self.no_improvement > self.n_iter_no_change

    def reset_patience(self):
        self.no_improvement = 0

    def describe(self):
        return (
            f"the validation loss did not improve by more than tol={self.tol:g} for "
            f"{self.n_iter_no_change} consecutive iterations"
        )


class CallbackBridge:
    """Reports each iteration to outside callbacks as a task; they may ask to stop.

    The estimator gives the callables that speak to the callbacks (scikit-learn's,
    see ``skbackprop._callbacks``); this hook only pairs each iteration's
    beginning with its end.

    Parameters
    ----------
    begin : callable
        ``begin(x) -> task`` when an iteration starts from the weights ``x``.
    end : callable
        ``end(task, x) -> bool`` when it ends at the weights ``x``; True asks to
        stop. An iteration that started but did not complete (its step diverged,
        Ctrl-C, the scipy method gave up within it) ends as ``end(task, None)``
        when the solver stops.
    x0 : ndarray
        The starting weights.

    A stop it asks for is final: it has no ``reset_patience``, so SGD's adaptive
    schedule cannot decline it by lowering its learning rate.
    """

    def __init__(self, begin, end, x0):
        self._begin = begin
        self._end = end
        self.x = x0  # the weights the next iteration starts from
        self.task = None  # the iteration in progress
        self.stopped_at = None

    def begin(self):
        if self.task is None:
            self.task = self._begin(self.x)

    def __call__(self, n, x, loss):
        self.begin()  # for a solver that does not call Monitor.begin_iteration
        task, self.task, self.x = self.task, None, x
        if self._end(task, x):
            self.stopped_at = n
            return True
        return False

    def close(self):
        """End an iteration that started but did not complete."""
        if self.task is not None:
            task, self.task = self.task, None
            self._end(task, None)

    def describe(self):
        return f"a callback asked to stop after iteration {self.stopped_at}"


class Monitor:
    """Bookkeeping that every solver calls once per completed iteration.

    Parameters
    ----------
    verbose : int
        0: silent; 1: about 20 progress lines per fit; 2: every iteration.
    max_iter : int
        Used to space the progress lines.
    hooks : list of callables
        ``hook(n, x, loss) -> bool``; True asks to stop. A hook may have
        ``reset_patience()`` (called when a solver declines the stop, e.g. by
        lowering its learning rate; a hook without it asks for a final stop,
        :attr:`stop_is_final`), ``describe()`` (the reason, in words),
        ``begin()`` (an iteration starts) and ``close()`` (the solver stopped).
    """

    def __init__(self, verbose=0, max_iter=1, hooks=()):
        self.verbose = int(verbose)
        self.every = 1 if self.verbose >= 2 else max(1, max_iter // 20)
        self.hooks = list(hooks)
        self.loss_curve = []
        self.x = None
        self.loss = None
        self.grad_max = np.nan
        self.stopped_by = None
        self.stop_is_final = False
        self._in_iteration = False
        self.interrupt_requested = False
        self.interrupt_forced = False  # a second Ctrl-C
        # A solver's step in place runs: a second Ctrl-C waits for its end
        # (raised at the next batch boundary) rather than tear it.
        self.stepping = False
        self._interrupt_honoured = False
        self._start = time.perf_counter()

    def deferring_interrupts(self, bookkeeping=(), around=()):
        """Turn Ctrl-C into a request to stop at the next boundary; a second one raises.

        A request that came after the solver's last boundary raises
        KeyboardInterrupt when the block ends; so does a second Ctrl-C, which
        raises at once unless it lands in the bookkeeping: this module's code,
        that of the modules named in ``bookkeeping`` (module names), and the
        lines of the function that holds the block (raised at the ``with``
        line, it could skip the block's exit), which it does not interrupt,
        and a solver's step in place (:attr:`stepping`), which it would tear:
        the solver then stops at its next boundary.
        The context managers ``around`` are entered after Ctrl-C is deferred,
        and left before it is not.

        Only in the main thread, and only where SIGINT has Python's default
        handler (elsewhere a KeyboardInterrupt stays an exception, which the
        solvers also handle).
        """
        return _DeferredInterrupts(self, bookkeeping, around)

    def begin_iteration(self):
        """An iteration (epoch) starts: tell the hooks that have ``begin()``.

        Solvers call it before an iteration's work; calls until the iteration
        completes are no-ops, so the scipy methods call it at every evaluation.
        """
        if not self._in_iteration:
            self._in_iteration = True
            for hook in self.hooks:
                _call_hook(getattr(hook, "begin", _nothing))

    def iteration(self, x, loss, grad_max=None, keep=True):
        """Record a completed iteration; return True if a hook asks to stop.

        ``keep=False``: the solver returns its weights itself and never reads
        :attr:`x`, so that without hooks no copy of them is kept (``x`` may
        then be None).
        """
        self._in_iteration = False
        self.loss_curve.append(float(loss))
        self.x = np.array(x, copy=True) if keep or self.hooks else None
        self.loss = float(loss)
        self.grad_max = np.nan if grad_max is None else float(grad_max)
        n = len(self.loss_curve)
        if self.verbose and (n % self.every == 0 or n == 1):
            grad_text = "" if grad_max is None else f", max|gradient| = {grad_max:.3e}"
            elapsed = time.perf_counter() - self._start
            print(f"Iteration {n}, loss = {loss:.8f}{grad_text}, {elapsed:.2f} s", flush=True)
        asking = [hook for hook in self.hooks if _call_hook(hook, n, self.x, self.loss)]
        # A hook with no patience to reset (a callback) cannot be talked out of
        # its stop; SGD's adaptive schedule may decline the others'.
        final = [hook for hook in asking if not hasattr(hook, "reset_patience")]
        self.stop_is_final = bool(final)
        self.stopped_by = (final or asking)[0] if asking else None
        return self.stopped_by is not None

    def reset_patience(self):
        for hook in self.hooks:
            _call_hook(getattr(hook, "reset_patience", _nothing))

    def stop_message(self):
        hook = self.stopped_by
        return _call_hook(getattr(hook, "describe", lambda: "a hook asked to stop"))

    @property
    def n_iter(self):
        return len(self.loss_curve)

    def result(self, status, message, x=None, loss=None):
        """What the solver returns; the hooks learn that it stopped."""
        self._interrupt_honoured = status == "interrupted"
        for hook in self.hooks:
            _call_hook(getattr(hook, "close", _nothing))
        x = self.x if x is None else x
        loss = self.loss if loss is None else loss
        if self.verbose:
            print(f"Stopped after {self.n_iter} iterations ({status}): {message}", flush=True)
        return SolverResult(x, loss, self.n_iter, status, message, self.loss_curve)


def _nothing():
    pass


class _HookRaised(Exception):
    """A hook's KeyboardInterrupt, carried through the solvers (which take one for Ctrl-C)."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


def _call_hook(function, *args):
    try:
        return function(*args)
    except KeyboardInterrupt as error:
        # The hook's own (a second Ctrl-C does not raise inside this module).
        raise _HookRaised(error) from None


class _DeferredInterrupts:
    """The block of :meth:`Monitor.deferring_interrupts`.

    A class, not a generator: its ``__exit__`` is this module's code from its
    first line, so a second Ctrl-C cannot land between leaving the block and
    putting the previous SIGINT handler back. It enters and leaves the context
    managers ``around`` itself, for the same reason: Python may skip an outer
    ``with``'s exit for an exception raised between it and an inner one's.
    """

    def __init__(self, monitor, bookkeeping, around):
        self.monitor = monitor
        self.bookkeeping = {__name__, *bookkeeping}
        self.around = around
        self.entered = []
        self.previous = None
        self.owner = None  # the frame of the with statement

    def _in_bookkeeping(self, frame):
        package = __name__.rpartition(".")[0]
        inner = False  # whether a frame of the package runs inside this one
        while frame is not None:
            name = frame.f_globals.get("__name__", "")
            if name in self.bookkeeping:
                return True
            if frame is self.owner and not inner:
                # Raised at the with statement's own line, it could skip __exit__.
                return True
            inner = inner or name.startswith(package + ".")
            frame = frame.f_back
        return False

    def _request_stop(self, signum, frame):
        monitor = self.monitor
        if not monitor.interrupt_requested:
            monitor.interrupt_requested = True
            return
        monitor.interrupt_forced = True
        if not (monitor.stepping or self._in_bookkeeping(frame)):
            raise KeyboardInterrupt

    def __enter__(self):
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            self.owner = sys._getframe(1)
            self.previous = signal.signal(signal.SIGINT, self._request_stop)
        try:
            for manager in self.around:
                manager.__enter__()
                self.entered.append(manager)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            while self.entered:
                self.entered.pop().__exit__(exc_type, exc, traceback)
        finally:
            if self.previous is not None:
                signal.signal(signal.SIGINT, self.previous)
            self.owner = None
        if isinstance(exc, _HookRaised):
            raise exc.error.with_traceback(exc.error.__traceback__) from None
        monitor = self.monitor
        if exc_type is None and (
            monitor.interrupt_forced
            or (monitor.interrupt_requested and not monitor._interrupt_honoured)
        ):
            # A second Ctrl-C, or one after the solver's last boundary: not
            # swallowed (a loop of fits must stop too), and the fit in progress
            # is not published.
            raise KeyboardInterrupt
        return False
