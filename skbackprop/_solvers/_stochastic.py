"""Mini-batch solvers: SGD (with momentum or Nesterov's) and Adam.

They follow scikit-learn's ``_stochastic_optimizers.py`` (the same updates,
defaults and learning-rate schedules), with two differences a caller can rely
on:

- the state (velocities, Adam's moments and step count, the current learning
  rate, the shuffling stream and the stopping counters) is kept between calls,
  so ``partial_fit`` and warm starts continue it instead of resetting it;
- a KeyboardInterrupt at any instant leaves the weights and moments of the
  last completed batch, consistent with each other. Steps update the weights
  and the optimiser's vectors in place, in one pass each (BLAS ``scal`` and
  ``axpy``), with no spare copies: the solver notes the rows and learning
  rate of each step. A step to undo (it diverged, or an interrupt tore it) is
  undone by going back to the start of the call and replaying the steps before
  it, which the deterministic loss repeats bit for bit (or, with
  ``copy_limit_bytes``, from a copy taken every ``BACKUP_EVERY`` steps). Inside
  an estimator no interrupt tears a step: a first Ctrl-C only asks to stop at
  the next batch boundary, and the monitor holds a second one back until the
  step in progress is complete (``Monitor.stepping``), so that no copy of the
  weights is kept for it; only a divergence, which ends the fit, replays.
"""

import math

import numpy as np
from scipy.linalg import blas
from sklearn.utils import check_random_state

NOT_FINITE_AT_START = "the cost of the first mini-batch at the starting weights is not finite"
# Stop when a mini-batch's cost grows past this multiple of max(the first
# batch's cost, 1): the learning rate is too large and the weights run away.
DIVERGENCE_FACTOR = 10.0
# The adaptive schedule stops once its learning rate falls to this.
MIN_ADAPTIVE_LEARNING_RATE = 1e-6
# Steps between two copies of the weights and optimiser vectors; undoing a step
# replays at most this many (a copy costs about 3 steps' Adam update).
BACKUP_EVERY = 64
# Updates run over chunks of this many weights: all the passes of a chunk stay
# in the cache, where one pass after another over millions of weights (a
# sparse input's first layer) would stream them from memory each time.
CHUNK = 32768


def all_finite(a):
    """``np.isfinite(a).all()``, from one sum when it is finite (any inf or NaN would show)."""
    return math.isfinite(float(np.add.reduce(a, axis=None))) or bool(np.isfinite(a).all())


class _Steps:
    """The weights and optimiser vectors, updated in place, and how to undo a step.

    ``copy`` holds them as they were ``steps`` steps ago (None: as at the start
    of the fit, which ``restart()`` gives again, for vectors too large to copy);
    ``runs`` how to repeat the steps since: for each epoch's run of steps, the
    state of the random generator before the epoch's shuffle (None: no
    shuffle), the learning rate, the first row and the number of steps.
    """

    def __init__(self, x, arrays, t, restart, batch, copies):
        self.x, self.arrays, self.t = x, arrays, t
        self.restart, self.batch = restart, batch
        self.copy = (x.copy(), [a.copy() for a in arrays], t) if copies else None
        self.runs, self.steps = [], 0

    def begin_epoch(self, rng_state, lr):
        self.runs.append([rng_state, lr, 0, 0])

    def begin(self, start):
        """Before a step from row ``start``: a new copy when due (the log never ends empty)."""
        if self.copy is not None and self.steps >= BACKUP_EVERY:
            rng_state, lr = self.runs[-1][:2]
            self.runs = None  # a copy interrupted half-way is never used
            np.copyto(self.copy[0], self.x)
            for a, c in zip(self.arrays, self.copy[1], strict=True):
                np.copyto(c, a)
            self.copy = (self.copy[0], self.copy[1], self.t)
            self.runs, self.steps = [[rng_state, lr, start, 0]], 0

    def note(self):
        """Record a completed step."""
        self.runs[-1][3] += 1
        self.steps += 1

    def undo(self, solver, objective, scratch, replay, n):
        """Back to the copy, then repeat the first ``replay`` logged steps (of ``n`` rows)."""
        x, arrays, t = self.restart() if self.copy is None else self.copy
        np.copyto(self.x, x)
        for a, c in zip(self.arrays, arrays, strict=True):
            np.copyto(a, c)
        self.t = t
        runs, done = [], 0
        for rng_state, lr, first, count in self.runs:
            take = min(count, replay - done)
            order = None if rng_state is None else _permutation(rng_state, n)
            for start in range(first, first + take * self.batch, self.batch):
                rows = slice(start, min(start + self.batch, n))
                grad = objective.batch(self.x, rows if order is None else order[rows])[1]
                solver._step(self.x, self.arrays, grad, scratch, lr, self.t + 1)
                self.t += 1
            runs.append([rng_state, lr, first, take])
            done += take
        self.runs, self.steps = runs, done


def _permutation(rng_state, n):
    """The permutation of ``n`` that a generator in ``rng_state`` draws."""
    rng = np.random.RandomState()
    rng.set_state(rng_state)
    return _order(rng, n)


def _order(rng, n):
    """``rng.permutation(n)`` (the same draws), held as 32-bit integers where they fit.

    Half the memory of the permutation, and no 64-bit one made first:
    ``permutation`` shuffles ``arange(n)`` in place, as this does.
    """
    order = np.arange(n, dtype=np.int32 if n <= np.iinfo(np.int32).max else np.intp)
    rng.shuffle(order)
    return order


class _Stochastic:
    """What SGD and Adam share: batching, shuffling, epochs, the stopping rule.

    Stopping rule (scikit-learn's): an epoch improves when its loss is below the
    best epoch loss minus ``tol``; after more than ``n_iter_no_change`` epochs
    without an improvement the fit ends as converged (or, for the adaptive
    schedule, the learning rate is divided by 5 first).
    """

    n_arrays = 0  # optimiser vectors shaped like x
    # Up to this size the weights and optimiser vectors are copied every
    # BACKUP_EVERY steps; larger ones are not, and a step to undo is replayed
    # from the start of the call. No copies by default: they (as large as all
    # the vectors) would only shorten the replay after a divergence, or after
    # a KeyboardInterrupt raised inside a step outside an estimator.
    copy_limit_bytes = 0

    # Nine parameters: MLPClassifier's own for its stochastic solvers, keywords
    # after the step size.
    def __init__(
        self,
        learning_rate=1e-3,
        *,
        batch_size="auto",
        shuffle=True,
        random_state=None,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        training_rule=True,
        state=None,
    ):
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.training_rule = training_rule
        self._state = state

    def get_state(self):
        """The state that a later fit or ``partial_fit`` continues (a dict)."""
        return self._state

    def _new_state(self, x0):
        return {
            "kind": type(self).__name__,
            "arrays": None,  # zeros, made in the layout the solver steps in
            "t": 0,  # steps taken
            "samples_seen": 0,
            "learning_rate": float(self.learning_rate),
            "rate_settings": self._rate_settings(),
            "rng": check_random_state(self.random_state),
            "best_loss": np.inf,
            "no_improvement": 0,
        }

    def _usable(self, state, x0):
        return (
            state is not None
            and state.get("kind") == type(self).__name__
            and (state["arrays"] is None or len(state["arrays"]) == self.n_arrays)
            and all(a.shape == x0.shape and a.dtype == x0.dtype for a in state["arrays"] or ())
        )

    def _step(self, x, arrays, grad, scratch, lr, t):
        """Step ``t`` in place, chunk by chunk; ``scratch`` holds at least a chunk.

        Returns whether the new weights are all finite, from the sum of each
        chunk, taken while it is in the cache (exactly checked where a sum is
        not finite).
        """
        if x.size <= CHUNK:
            self._update(x, arrays, grad, scratch[: x.size], lr, t)
            return all_finite(x)
        total = 0.0
        for start in range(0, x.size, CHUNK):
            part = slice(start, start + CHUNK)
            chunk = x[part]
            self._update(chunk, [a[part] for a in arrays], grad[part], scratch[: chunk.size], lr, t)
            total += float(np.add.reduce(chunk))
        return math.isfinite(total) or bool(np.isfinite(x).all())

    def _epoch_end(self, state):
        """A schedule's learning rate for the samples seen so far (none by default)."""

    def _decline_stop(self, state):
        """True to go on after a stop request, having changed something (SGD adaptive)."""
        return False

    def minimize(self, objective, x0, monitor):
        """Epochs of mini-batch steps from ``x0``; the monitor sees each epoch.

        One function of about 120 lines, on purpose: the step of a mini-batch
        (its gradient, the in-place update, the bookkeeping that undoes a step
        torn by a second Ctrl-C) runs in this one frame, since a Python call per
        step is part of the fixed cost that issue 22 measured.
        """
        n = objective.n_samples
        batch = min(200, n) if self.batch_size == "auto" else min(int(self.batch_size), n)
        batch = max(batch, 1)
        state = self._state if self._usable(self._state, x0) else self._new_state(x0)
        self._follow_settings(state)
        rng = state["rng"]
        # Some objectives step in a layout of their own (sparse rows: see
        # skbackprop._loss.SparseSteps); the monitor and the result get the public one.
        stepper = getattr(objective, "stepper", None)
        stepper = (stepper() if stepper is not None else None) or _Public(objective)
        # Updated in place; the caller's x0 and state arrays are never written.
        start_arrays = state["arrays"]

        def restart():
            x = stepper.to_steps(x0)
            if start_arrays is None:
                return x, [np.zeros_like(x) for _ in range(self.n_arrays)], t_start
            return x, [stepper.to_steps(a) for a in start_arrays], t_start

        t_start = state["t"]
        x, arrays, _ = restart()
        copies = x.nbytes * (1 + len(arrays)) <= self.copy_limit_bytes
        steps = _Steps(x, arrays, t_start, restart, batch, copies)
        del x, arrays
        scratch = np.empty(min(CHUNK, steps.x.size), dtype=steps.x.dtype)
        status, message = "max_iter", f"max_iter={self.max_iter} epochs reached"
        batch_losses, rows_done = 0.0, 0
        # A running mean of the mini-batch costs over about one epoch: single
        # noisy batches may cost much more than the first; a diverging fit's
        # mean grows past DIVERGENCE_FACTOR times it.
        smoothing = 1.0 / -(-n // batch)
        limit = running = None
        stepping = False  # inside an update: an interrupt here tears it
        try:
            # A huge step overflows to inf: caught below, not a warning.
            with np.errstate(over="ignore", invalid="ignore"):
                for _ in range(self.max_iter):
                    monitor.begin_iteration()
                    lr = state["learning_rate"]
                    steps.begin_epoch(rng.get_state() if self.shuffle else None, lr)
                    order = rows = None  # the last epoch's order, let go before the next
                    order = _order(rng, n) if self.shuffle else None
                    batch_losses, rows_done = 0.0, 0
                    for start in range(0, n, batch):
                        if monitor.interrupt_requested:
                            raise KeyboardInterrupt
                        stop = min(start + batch, n)
                        rows = slice(start, stop) if order is None else order[start:stop]
                        J, grad = stepper.batch(steps.x, rows)
                        if not math.isfinite(J) and steps.t == 0:
                            status, message = "not_finite", NOT_FINITE_AT_START
                            raise _Stop
                        if limit is None:
                            limit, running = DIVERGENCE_FACTOR * max(J, 1.0), J
                        running += smoothing * (J - running)
                        if not (math.isfinite(J) and running <= limit):
                            status = "diverged"
                            message = f"the mean cost of the mini-batches grew to {running:.6g}"
                            if steps.t > t_start:
                                # The last step sent the cost up: undo it too, as gd does.
                                steps.undo(self, stepper, scratch, steps.steps - 1, n)
                            raise _Stop
                        steps.begin(start)
                        stepping = monitor.stepping = True
                        finite = self._step(steps.x, steps.arrays, grad, scratch, lr, steps.t + 1)
                        steps.t += 1
                        monitor.stepping = stepping = False
                        # J can stay finite with infinite weights (saturated sigmoids).
                        if not finite:
                            status, message = "diverged", "a step made the weights non-finite"
                            steps.undo(self, stepper, scratch, steps.steps, n)
                            raise _Stop
                        steps.note()
                        batch_losses += J * (stop - start)
                        rows_done = stop
                    epoch_loss = batch_losses / n
                    batch_losses, rows_done = 0.0, 0
                    state["samples_seen"] += n
                    self._epoch_end(state)
                    # The monitor's hooks alone read the weights here (the result
                    # gets them below): without hooks, no public copy is made.
                    public = stepper.to_public(steps.x) if monitor.hooks else None
                    stop_asked = monitor.iteration(public, epoch_loss, keep=False)
                    public = None
                    # A callback's stop is final; the adaptive schedule declines the others.
                    if stop_asked and (monitor.stop_is_final or not self._decline_stop(state)):
                        status, message = "early_stopped", monitor.stop_message()
                        break
                    if stop_asked:
                        monitor.reset_patience()
                    if self.training_rule and self._no_improvement(state, epoch_loss):
                        if not self._decline_stop(state):
                            status = "converged"
                            message = (
                                f"the training loss did not improve by more than tol={self.tol:g} "
                                f"for {self.n_iter_no_change} consecutive epochs"
                            )
                            break
                        state["no_improvement"] = 0
        except _Stop:
            pass
        except KeyboardInterrupt:
            status, message = "interrupted", "KeyboardInterrupt"
            monitor.stepping = False
            if stepping:  # torn: back to the last completed step
                with np.errstate(over="ignore", invalid="ignore"):
                    steps.undo(self, stepper, scratch, steps.steps, n)
        # One vector at a time, each released once converted: no more alive at
        # once. The stepper first lets go of its gradient and of its views of x.
        stepper.close()
        grad = None
        steps.copy = None
        x, t = stepper.to_public(steps.x), steps.t
        steps.x, arrays = None, []
        while steps.arrays:
            arrays.append(stepper.to_public(steps.arrays.pop(0)))
        state["arrays"], state["t"] = arrays, t
        self._state = state
        if monitor.n_iter:
            loss = monitor.loss
        elif rows_done:
            # Stopped in the first epoch: the mean over its completed batches.
            loss = batch_losses / rows_done
        elif status == "not_finite":
            loss = np.inf
        else:  # stopped before any mini-batch: the cost of the weights kept
            loss = float(objective(x)[0])
        return monitor.result(status, message, x, loss)

    def _follow_settings(self, state):
        """A continued state takes up a learning rate or schedule changed since."""
        settings = self._rate_settings()
        if state.get("rate_settings") != settings:
            state["rate_settings"] = settings
            state["learning_rate"] = float(self.learning_rate)
            self._epoch_end(state)

    def _rate_settings(self):
        return (float(self.learning_rate),)

    def _no_improvement(self, state, epoch_loss):
        if epoch_loss > state["best_loss"] - self.tol:
            state["no_improvement"] += 1
        else:
            state["no_improvement"] = 0
        if epoch_loss < state["best_loss"]:
            state["best_loss"] = epoch_loss
        return state["no_improvement"] > self.n_iter_no_change


class _Public:
    """Steps in the public layout: the objective itself, no conversions."""

    def __init__(self, objective):
        self.batch = objective.batch

    def to_steps(self, x):
        return np.array(x, copy=True)

    def to_public(self, x):
        return x

    def close(self):
        pass


class _Stop(Exception):
    pass


class SGD(_Stochastic):
    """Mini-batch stochastic gradient descent with momentum.

    ``v := momentum v - lr g``; then ``x := x + v``, or with Nesterov's momentum
    ``x := x + momentum v - lr g``. Schedules of ``lr``: "constant";
    "invscaling", ``lr = learning_rate / (samples_seen + 1) ** power_t`` after
    each epoch; "adaptive", divided by 5 each time the stopping rule would end
    the fit, which it ends only once ``lr`` falls to 1e-6.
    """

    n_arrays = 1

    def __init__(
        self,
        learning_rate=1e-3,
        *,
        momentum=0.9,
        nesterovs_momentum=True,
        schedule="constant",
        power_t=0.5,
        **kwargs,
    ):
        super().__init__(learning_rate, **kwargs)
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.schedule = schedule
        self.power_t = power_t

    def _update(self, x, arrays, grad, scratch, lr, t):
        """One step in place: ``v := momentum v - lr g``, then ``x`` moves."""
        (v,) = arrays
        scal, axpy = _blas(x)
        scal(self.momentum, v)
        axpy(grad, v, a=-lr)
        if self.nesterovs_momentum:  # x := x + momentum v - lr g
            axpy(v, x, a=self.momentum)
            axpy(grad, x, a=-lr)
        else:
            axpy(v, x, a=1.0)

    def _rate_settings(self):
        return (float(self.learning_rate), self.schedule, float(self.power_t))

    def _epoch_end(self, state):
        # With no samples seen yet this is learning_rate itself.
        if self.schedule == "invscaling":
            state["learning_rate"] = _invscaling(
                float(self.learning_rate), state["samples_seen"], float(self.power_t)
            )

    def _decline_stop(self, state):
        if self.schedule != "adaptive" or state["learning_rate"] <= MIN_ADAPTIVE_LEARNING_RATE:
            return False
        state["learning_rate"] /= 5.0
        return True


def _invscaling(learning_rate, samples_seen, power_t):
    """``learning_rate / (samples_seen + 1) ** power_t``, also where the power overflows.

    A large ``power_t`` (200, say) makes the power overflow a float; the rate is
    then computed in logs, where it underflows to 0 without an error.
    """
    try:
        return learning_rate / (samples_seen + 1) ** power_t
    except OverflowError:
        return math.exp(math.log(learning_rate) - power_t * math.log(samples_seen + 1))


class Adam(_Stochastic):
    """Adam (Kingma and Ba, 2014), as scikit-learn's MLPClassifier runs it.

    ``m := beta_1 m + (1 - beta_1) g``, ``v := beta_2 v + (1 - beta_2) g**2``,
    ``x := x - lr_t m / (sqrt(v) + epsilon)`` with
    ``lr_t = learning_rate sqrt(1 - beta_2**t) / (1 - beta_1**t)`` at step t.
    """

    n_arrays = 2

    def __init__(self, learning_rate=1e-3, *, beta_1=0.9, beta_2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _update(self, x, arrays, grad, scratch, lr, t):
        """Step ``t`` in place: each vector is read and written once or twice."""
        m, v = arrays
        b1, b2 = self.beta_1, self.beta_2
        scal, axpy = _blas(x)
        scal(b1, m)
        axpy(grad, m, a=1.0 - b1)
        scal(b2, v)
        np.multiply(grad, grad, out=scratch)
        axpy(scratch, v, a=1.0 - b2)
        lr_t = lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        np.sqrt(v, out=scratch)
        scratch += self.epsilon
        np.divide(m, scratch, out=scratch)
        axpy(scratch, x, a=-lr_t)


def _blas(x):
    """BLAS ``(scal, axpy)`` for the dtype of ``x``; they update their vector in place."""
    return _BLAS[x.dtype.char]


_BLAS = {
    "d": (blas.dscal, blas.daxpy),
    "f": (blas.sscal, blas.saxpy),
}
