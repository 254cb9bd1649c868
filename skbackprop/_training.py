"""The training session every estimator shares.

From checked data, a head's targets and starting weights, :func:`train` builds
the objective (in standardised coordinates where asked), the solver, the
monitor with its hooks (early stopping, scikit-learn's callbacks), runs the
solver with Ctrl-C deferred and BLAS limited, asks the diagnostics what the
model learned, and sets the fitted attributes of the estimator it is given (a
shadow copy, which the estimator publishes). It reads the estimator's
parameters; it does not know which estimator it trains.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from . import _diagnostics, _heads, _standardize, _validation, engine
from ._blocks import one_blas_thread
from ._callbacks import fit_tasks
from ._monitor import Monitor, ValidationStopping
from ._params import layout
from ._solvers import (
    SCIPY_METHODS,
    SGD,
    STOCHASTIC_SOLVERS,
    Adam,
    GradientDescent,
    ScipyMinimize,
    step_size,
)

# A second Ctrl-C waits until the BLAS limit's bookkeeping is done.
BLAS_BOOKKEEPING = (one_blas_thread.__module__,)


def _stochastic_kwargs(est, rng, max_iter, state, training_rule):
    return {
        "batch_size": est.batch_size,
        "shuffle": est.shuffle,
        "random_state": rng,
        "max_iter": max_iter,
        "tol": est.tol,
        "n_iter_no_change": est.n_iter_no_change,
        "training_rule": training_rule,
        "state": state,
    }


# solver name -> factory(estimator, rng, max_iter, state, training_rule)
SOLVERS = {
    # learning_rate="auto": Barzilai-Borwein steps; a number: the seed's constant step.
    "gd": lambda est, rng, max_iter, state, rule: GradientDescent(
        step_size("gd", est.learning_rate),
        max_iter,
        est.tol,
        step_rule=gd_step_rule(est.learning_rate),
        state=state,
    ),
    "sgd": lambda est, rng, max_iter, state, rule: SGD(
        step_size("sgd", est.learning_rate),
        momentum=est.momentum,
        nesterovs_momentum=est.nesterovs_momentum,
        schedule=est.learning_rate_schedule,
        power_t=est.power_t,
        **_stochastic_kwargs(est, rng, max_iter, state, rule),
    ),
    "adam": lambda est, rng, max_iter, state, rule: Adam(
        step_size("adam", est.learning_rate),
        beta_1=est.beta_1,
        beta_2=est.beta_2,
        epsilon=est.epsilon,
        **_stochastic_kwargs(est, rng, max_iter, state, rule),
    ),
}
SOLVERS.update(
    {
        method: (
            lambda est, rng, max_iter, state, rule, method=method: ScipyMinimize(
                method, max_iter, est.tol, est.max_fun
            )
        )
        for method in SCIPY_METHODS
    }
)


def gd_step_rule(learning_rate):
    """gd's step rule: Barzilai-Borwein steps for "auto", the constant step for a number."""
    return "bb" if isinstance(learning_rate, str) else "constant"


@dataclass
class Session:
    """What one call of fit or partial_fit trains: data, targets, start and how long.

    ``X``: the training rows (in memory, or a dask array with a ready-made
    ``objective``); ``targets``: :class:`skbackprop._heads.Targets`;
    ``validation``: ``(X_val, codes_val, w_val)`` in memory, or a ready-made
    ``validation_hook`` for rows that live elsewhere; ``state``: the
    mini-batch solver's state to continue; ``continued``: from a previous fit's
    weights; ``incremental``: a call of partial_fit.
    """

    X: Any
    targets: _heads.Targets
    sample_weight: Any
    thetas: list
    rng: Any
    state: Any = None
    max_iter: int = 1
    validation: Any = None
    continued: bool = False
    incremental: bool = False
    objective: Any = None
    validation_hook: Any = None


def fold(est, x, layer_sizes):
    """The flat weights acting on raw X for the solver's weights ``x``."""
    if getattr(est, "feature_mean_", None) is None:
        return x
    return _standardize.fold_flat(x, layer_sizes, est.feature_mean_, est.feature_scale_)


def network_attributes(est, x, layer_sizes, targets, dtype, network):
    """The fitted attributes that predictions read, for the flat weights ``x``.

    Those of the final model, and a callback's reconstruction attributes
    (its ``fitted_estimator``) at each iteration.
    """
    x = fold(est, np.asarray(x, dtype=np.float64), layer_sizes)
    if targets.mean is not None:  # standardised targets: folded into the output layer
        thetas = [theta.copy() for theta in engine.unpack(x, layer_sizes)]
        _heads.fold_targets(thetas[-1], targets.mean, targets.scale)
        thetas = [theta.astype(dtype) for theta in thetas]
    else:
        # One copy of the weights (astype copies only to change the dtype).
        thetas = [theta.copy() for theta in engine.unpack(x.astype(dtype, copy=False), layer_sizes)]
    thetas[-1] = thetas[-1][targets.unit_of_class]
    return {**network, "thetas_": thetas}


def _objective(est, session, output_units, head_config):
    """The objective the solver minimises: in memory, or the one the session brings."""
    X, objective = session.X, session.objective
    standardized = getattr(est, "feature_mean_", None) is not None
    if objective is None:
        # Dense rows in memory are standardised: once, a copy (as a StandardScaler
        # pipeline would), for full-batch solvers, which read them all at each
        # evaluation; a batch at a time for mini-batch solvers, which gather each
        # batch anyway. Sparse rows are never changed (see _standardize).
        dense = standardized and not sparse.issparse(X)
        by_batch = dense and est.solver in STOCHASTIC_SOLVERS
        copied = dense and not by_batch
        objective = engine.make_objective(
            _standardize.transform(X, est.feature_mean_, est.feature_scale_) if copied else X,
            session.targets.matrix(),
            engine.layer_sizes_of(session.thetas),
            reg_lambda=est.reg_lambda,
            activation=_heads.hidden_units(est.activation),
            output_activation=output_units,
            sample_weight=session.sample_weight,
            **head_config,
        )
        if by_batch:
            objective = _standardize.standardized_rows(
                objective, est.feature_mean_, est.feature_scale_
            )
        if standardized and not dense:
            objective = _standardize.StandardizedObjective(
                objective, est.feature_mean_, est.feature_scale_
            )
    elif standardized:
        objective = _standardize.StandardizedObjective(
            objective, est.feature_mean_, est.feature_scale_
        )
    return objective


def validation_hook(est, head, objective, validation, targets):
    """The monitor's hook that scores each iterate on the validation rows."""
    X_val, codes_val, w_val = validation
    dtype = objective.loss.dtype
    X_val = _validation.as_float_array(X_val, dtype)  # float64 beyond float32: inf
    # Scaled by a power of two first, as the training weights: huge weights
    # would sum to inf.
    w_val = np.ones(X_val.shape[0]) if w_val is None else _validation.scale_weights(w_val)[0]
    w_val = w_val / w_val.sum()
    Y, score = head.scorer(codes_val, targets, w_val)
    Y_val = np.asfortranarray(Y, dtype=dtype)
    logits = np.empty(Y_val.shape, dtype=dtype)
    loss = objective.loss

    def evaluate(x):
        Z = loss.logits(x, X_val, out=logits)
        right = score(Z)
        losses = loss.per_sample_loss(Z, Y_val)
        return float(losses @ w_val), right

    return validation_stopping(est, evaluate, objective.layer_sizes)


def validation_stopping(est, evaluate, layer_sizes):
    """Early stopping on ``evaluate(x) -> (loss, score)`` of the raw validation rows.

    The hook receives the solver's (standardised) weights and scores them folded.
    """
    tol = est.tol if est.solver in STOCHASTIC_SOLVERS else 0.0
    if getattr(est, "feature_mean_", None) is None:
        return ValidationStopping(evaluate, est.n_iter_no_change, tol)
    return ValidationStopping(
        lambda x: evaluate(fold(est, x, layer_sizes)), est.n_iter_no_change, tol
    )


def continue_validation(est, hook, x0):
    """Carry a warm start's early stopping over; the starting weights' score, or None.

    The validation curves continue as ``loss_curve_`` does, and so does the
    best so far (as in MLPClassifier): the starting weights, scored on this
    fit's validation rows, are kept unless an iteration beats them.
    """
    if hook is None or getattr(est, "validation_loss_curve_", None) is None:
        return None
    start_loss, start_score = hook.evaluate(x0)
    hook.best_loss, hook.best_x = float(start_loss), x0.copy()
    return float(start_score)


def record_validation(est, hook, start_score):
    """The validation curves and the kept weights' score, after a fit.

    ``start_score`` (from :func:`continue_validation`) says that the
    previous fit's curves continue.
    """
    losses, scores = list(hook.losses), list(hook.scores)
    if start_score is not None:
        losses = list(est.validation_loss_curve_) + losses
        scores = list(est.validation_scores_) + scores
    est.validation_loss_curve_, est.validation_scores_ = losses, scores
    if hook.best_index is not None:
        est.best_validation_score_ = hook.scores[hook.best_index]
    else:  # the starting weights were kept (or no iteration ran)
        est.best_validation_score_ = start_score


def _minimize(est, session, x0, objective, monitor, solver, hooks):
    """Run the solver from ``x0``; ``(result, x, loss, learned-nothing causes)``.

    Ctrl-C from here on is a clean stop at the next boundary, also while the
    BLAS limit is set or restored. The check of what was learned runs in it
    too: BLAS threads woken between the solver and the check would spin on
    into the next fit.
    """
    layer_sizes = engine.layer_sizes_of(session.thetas)
    try:
        with monitor.deferring_interrupts(BLAS_BOOKKEEPING, around=[one_blas_thread()]):
            result = solver.minimize(objective, x0, monitor)
            x, loss = result.x, result.loss
            hook = hooks[0] if hooks else None
            if hook is not None and hook.best_x is not None:
                # Early stopping keeps the weights of the lowest validation loss
                # (those it started from, if no iteration of a continued fit beat them).
                x = hook.best_x
                loss = est.loss_ if hook.best_index is None else result.loss_curve[hook.best_index]
            cause = None
            if est.tol > 0 and result.status not in ("interrupted", "not_finite"):
                # A continued fit starts from a trained network, whose units may
                # have saturated while it learned: only a fresh start tells.
                start = None if session.continued else fold(est, x0, layer_sizes)
                cause = _diagnostics.learned_nothing(
                    est, objective, (start, fold(est, x, layer_sizes)), session.X, session.targets
                )
    finally:
        close = getattr(getattr(objective, "loss", None), "close", None)
        if close is not None:
            close()
    return result, x, loss, cause


def train(est, head, session):
    """Run the solver from ``session.thetas`` and set the fitted attributes of ``est``.

    Returns the solver's status.
    """
    X, targets = session.X, session.targets
    dtype = X.dtype
    layer_sizes = engine.layer_sizes_of(session.thetas)
    penalty_scale = _diagnostics.check_penalty_scale(est, session.sample_weight, X.shape[0], dtype)
    output_units = head.output_units(targets.multilabel)
    objective = _objective(est, session, output_units, head.loss_config)
    hook = session.validation_hook
    if hook is None and session.validation is not None:
        hook = validation_hook(est, head, objective, session.validation, targets)
    hooks = [] if hook is None else [hook]
    x0 = engine.pack(session.thetas)
    # The start once: the session's matrices become views of it (solvers never
    # write their x0), not a second copy of the weights alive during the fit.
    session.thetas = engine.unpack(x0, layer_sizes)
    start_score = None
    if session.continued and not session.incremental:
        start_score = continue_validation(est, hook, x0)
    # What predictions read besides the weights, for the final model and for
    # a callback's copy of the network at each iteration.
    network = {
        "activation_": _heads.hidden_units(est.activation),
        **head.network(targets, targets.codes, output_units),
    }
    # scikit-learn >= 1.9's callbacks: a task for the fit, a subtask per iteration.
    tasks = fit_tasks(
        est,
        X,
        lambda: head.labels(targets),
        session.sample_weight,
        session.max_iter,
        task_name="partial_fit" if session.incremental else "fit",
        subtask_name="epoch" if est.solver in STOCHASTIC_SOLVERS else "iteration",
    )
    callback_hooks = tasks.iteration_hooks(
        x0, lambda x: network_attributes(est, x, layer_sizes, targets, dtype, network)
    )
    monitor = Monitor(est.verbose, session.max_iter, hooks + callback_hooks)
    solver = SOLVERS[est.solver](est, session.rng, session.max_iter, session.state, hook is None)
    result, x, loss, cause = _minimize(est, session, x0, objective, monitor, solver, hooks)
    x0_kept = result.status == "diverged" and np.array_equal(result.x, x0)
    facts = _diagnostics.facts(
        est, objective, (x0, x, loss), X, penalty_scale, result.loss_curve, cause
    )
    if not np.isfinite(x).all():  # never publish a model with NaN or inf weights
        raise ValueError(
            f"{type(est).__name__}: solver {est.solver!r} ended on non-finite weights "
            f"({result.message}); the estimator was left as it was. "
            f"{_diagnostics.sentence(facts['scale'], 'lower learning_rate or reg_lambda')}."
        )
    ending = _diagnostics.Ending(
        dtype, session.continued, session.incremental, cause, x0_kept, facts, hook is not None
    )
    _diagnostics.warn_about(est, result, ending)
    network = network_attributes(est, x, layer_sizes, targets, dtype, network)
    _set_fitted(est, session, result, (x, loss, network), (hook, start_score, solver))
    tasks.end()
    return result.status


def _set_fitted(est, session, result, model, kept):
    """The fitted attributes of a fit that ended on ``model = (x, loss, network)``."""
    x, loss, network = model
    hook, start_score, solver = kept
    continued, incremental = session.continued, session.incremental
    curve = (list(est.loss_curve_) if continued else []) + result.loss_curve
    vars(est).update(network)
    est.loss_ = float(loss)
    est.loss_curve_ = curve
    est.best_loss_ = min(curve) if curve else float(loss)
    est.n_iter_ = result.n_iter + (est.n_iter_ if incremental and continued else 0)
    est.t_ = (est.t_ if continued else 0) + result.n_iter * session.X.shape[0]
    if hook is not None:
        record_validation(est, hook, start_score)
    elif not continued or not incremental:  # partial_fit keeps a fit's curves
        est.validation_loss_curve_ = est.validation_scores_ = None
        est.best_validation_score_ = None
    est._unit_class = session.targets.unit_class
    est._solver_state = solver.get_state()
    # The solver's weights themselves, where a continued fit starts.
    standardized = getattr(est, "feature_mean_", None) is not None
    est._standardized_weights = np.array(x, copy=True) if standardized else None


# -- continuing a fit: warm starts and later calls of partial_fit ---------------------


def initial_thetas(est, head, layer_sizes, targets, dtype, rng, warm, incremental=False):
    """The starting weights, their output units in training order."""
    if not warm:
        return engine.init_thetas(layer_sizes, rng, est.epsilon_init, dtype)
    check_warm_start(est, head, targets.classes, layer_sizes, incremental)
    if not incremental:
        # Drawn and dropped, so that what rng draws next (the validation split
        # of early stopping) is what the first fit drew: the validation curves
        # of warm starts continue on the same rows.
        engine.init_thetas(layer_sizes, rng, est.epsilon_init, dtype)
    if getattr(est, "feature_mean_", None) is not None:
        kept = kept_standardized_weights(est, layer_sizes, targets)
        if kept is not None:
            return engine.unpack(kept.astype(dtype), layer_sizes)
    thetas = [theta.astype(dtype) for theta in est.thetas_]
    thetas[-1] = thetas[-1][targets.unit_class]
    if targets.mean is not None:
        thetas[-1] = _heads.unfold_targets(thetas[-1], targets.mean, targets.scale)
        thetas[-1] = thetas[-1].astype(dtype)
    if getattr(est, "feature_mean_", None) is not None:
        # Continued in the frozen standardised coordinates of the first fit.
        thetas = engine.unpack(
            _standardize.unfold_flat(
                engine.pack(thetas), layer_sizes, est.feature_mean_, est.feature_scale_
            ),
            layer_sizes,
        )
    return thetas


def kept_standardized_weights(est, layer_sizes, targets):
    """The previous fit's weights in its standardised coordinates, or None.

    Folding rounds, and so would unfolding ``thetas_`` again: a continued fit
    starts from the solver's own weights, kept by the fit, so that it goes on
    exactly as one longer fit. None when they are not those of ``thetas_``
    any more (``thetas_`` changed since): ``thetas_`` are then unfolded.
    """
    x = getattr(est, "_standardized_weights", None)
    if x is None or x.size != layout(layer_sizes)[-1][1]:
        return None
    dtype = est.thetas_[0].dtype
    published = network_attributes(est, x, layer_sizes, targets, dtype, {})["thetas_"]
    if len(published) != len(est.thetas_) or not all(
        np.array_equal(a, b) for a, b in zip(published, est.thetas_, strict=False)
    ):
        return None
    return x


def set_standardization(est, measure, warm, incremental=False, dtype=None):
    """Set ``feature_mean_`` and ``feature_scale_``: frozen by a continued fit.

    A fresh fit with ``standardize=True`` measures them with ``measure()`` (on
    its rows, weighted by their sample weights); a continued one keeps those of
    the first fit, so that the optimiser's state keeps its meaning;
    ``standardize=False`` sets None.
    ``incremental``: a later call of :meth:`partial_fit` (its error's words).
    """
    if warm:
        was = getattr(est, "feature_mean_", None) is not None
        if was != est.standardize:
            context, previous, remedy = continuation(incremental)
            raise ValueError(
                f"{context}: standardize={est.standardize!r} differs from "
                f"{previous}'s {was!r}; {remedy}"
            )
        return
    if est.standardize:
        est.feature_mean_, est.feature_scale_ = measure()
        if dtype is not None:  # float32 weights may not hold the fold of some columns
            _standardize.check_fold_precision(
                est.feature_mean_,
                est.feature_scale_,
                dtype,
                stacklevel=_validation.caller_stacklevel(),
            )
    else:
        est.feature_mean_ = est.feature_scale_ = None


def check_warm_start(est, head, classes, layer_sizes, incremental=False):
    """A ValueError unless the network can be continued with these settings.

    ``incremental``: for :meth:`partial_fit`, whose network was built by its
    first call (or by a fit), not by a warm start.
    """
    context, previous, remedy = continuation(incremental)
    old_sizes = engine.layer_sizes_of(est.thetas_)
    if old_sizes[0] != layer_sizes[0]:
        raise ValueError(
            f"{context}: X has {layer_sizes[0]} features but {previous} had "
            f"{old_sizes[0]}; {remedy}"
        )
    # Python lists: NumPy < 2 raises when it compares str with int labels.
    if classes is not None and classes.tolist() != est.classes_.tolist():
        raise ValueError(
            f"{context}: y has classes {classes.tolist()} but {previous} had "
            f"{est.classes_.tolist()}; {remedy}"
        )
    if old_sizes[-1] != layer_sizes[-1]:  # a regression's targets: other columns
        raise ValueError(
            f"{context}: y has {layer_sizes[-1]} columns (outputs) but {previous} had "
            f"{old_sizes[-1]}; {remedy}"
        )
    if old_sizes != layer_sizes:
        raise ValueError(
            f"{context}: hidden_layer_sizes={tuple(layer_sizes[1:-1])} differs from "
            f"{previous}'s {tuple(old_sizes[1:-1])}; {remedy}"
        )
    # Compared as trained: "auto" and "logistic" are resolved.
    trained = [
        ("activation", _heads.hidden_units(est.activation), est.activation_),
        (
            head.parameter,
            head.named(head.output_units(getattr(est, "_multilabel", False))),
            head.named(est.output_activation_),
        ),
    ]
    for name, new, old in trained:
        if new != old:
            raise ValueError(
                f"{context}: {name}={new!r} differs from {previous}'s {old!r}; {remedy}"
            )


def continuation(incremental):
    """``(context, previous, remedy)``: the words of an error of a continued fit.

    ``incremental``: for ``partial_fit``, whose network
    was built by its first call (or by a fit), not by a warm start.
    """
    if incremental:
        return (
            "partial_fit",
            "the first call of partial_fit",
            "the network was built then (or by fit) and cannot change. To start over "
            "with the new settings, call fit, or partial_fit on a fresh copy: "
            "sklearn.base.clone(estimator)",
        )
    return "warm_start=True", "the previous fit", "fit with warm_start=False to start anew"


def check_kind(est, multilabel, warm):
    """A warm start continues a fit of the same kind of ``y``."""
    if warm and multilabel != getattr(est, "_multilabel", False):
        kinds = ("not multilabel (a label vector)", "multilabel (an indicator matrix)")
        raise ValueError(
            f"warm_start=True: y is {kinds[multilabel]} but the previous fit's y was "
            f"{kinds[not multilabel]}; fit with warm_start=False to start anew"
        )
