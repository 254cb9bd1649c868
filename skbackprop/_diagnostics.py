"""Diagnostics: did the fit learn anything, and the advice that names the remedy.

A fit hands over what it found (the solver's result, the counts of
:func:`learned_nothing`, the :func:`facts`); the words are chosen here, once
for every estimator. The estimator is read for its parameters only.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.sparsefuncs import mean_variance_axis

from . import _standardize, _targets, _validation
from ._solvers import DEFAULT_LEARNING_RATES, STOCHASTIC_SOLVERS, step_size


def check_penalty_scale(est, sample_weight, m, dtype):
    """``lambda / sum(w)``, the penalty's curvature, if the solvers can handle it.

    Beyond about sqrt(the float limit) the penalty's gradient squared (which
    the solvers' dot products form) overflows, and its optimum is the
    constant predictor anyway: a ValueError names the cause.
    """
    with np.errstate(over="ignore", divide="ignore"):  # huge weights sum to inf
        total = m if sample_weight is None else float(np.sum(sample_weight))
        scale = est.reg_lambda / total
    if not scale <= np.sqrt(np.finfo(dtype).max) * 1e-4:
        raise ValueError(
            f"reg_lambda / sum(sample_weight) = {est.reg_lambda:g} / {total:.3g} = "
            f"{scale:.3g} is too large: the penalty reg_lambda/(2m) sum Theta^2 swamps "
            "the data term and overflows the solvers' arithmetic. Lower reg_lambda, or "
            "give the samples larger weights (the penalty scales with 1 / sum of them)."
        )
    return scale


def learned_nothing(est, objective, ends, X, targets):
    """What shows that the network at ``x`` learned nothing, in words, or None.

    ``ends`` is ``(x0, x)``; ``targets`` the fit's :class:`skbackprop._heads.Targets`.
    Returns ``[(cause, remedy key), ...]``; :func:`remedy` words the key.
    Looks at up to about 2000 training rows: predictions (nearly) constant
    while y is not, or hidden layers whose units are nearly all saturated
    (sigmoid, tanh) or dead (relu), so that they pass no gradient, both
    where training started (``x0``, from fresh initial weights; None for a
    continued fit) and where it ended. Units saturated from the start
    (unscaled features) never learned; units that saturate while the network
    fits the data (large weights, little regularisation) did. An objective
    over rows that live elsewhere (a dask cluster) counts them there.
    """
    x0, x = ends
    multilabel = targets.multilabel
    step = max(1, X.shape[0] // 2000)
    # The weights act on raw rows: a standardised objective counts on its raw one.
    objective = getattr(objective, "raw", objective)
    loss = objective.loss
    if hasattr(objective, "row_counts"):
        counts = objective.row_counts(x, x0, step, multilabel)
    else:
        Y = targets.matrix(slice(None, None, step))
        counts = _targets.RowCounts.of(loss, x, x0, X[::step], Y, multilabel)
    sizes = loss.layer_sizes
    # A prediction is a class, or a label set; the same holds for the rows of Y.
    top = max(counts.predicted.values()) / counts.rows
    majority = max(counts.targets.values()) / counts.rows
    causes = []
    # A regression's predictions are not classes: only its hidden units tell.
    if targets.classes is not None and top >= 0.99 and majority <= 0.95:
        what = "label set" if multilabel else "class"
        shares = np.ones(1) if multilabel else np.array(list(counts.targets.values())) / counts.rows
        # Imbalanced: a minority of at least 5% that is well below the majority.
        imbalanced = shares.min() >= 0.05 and shares.min() <= 0.5 * shares.max()
        causes.append(
            (
                f"it predicts one {what} for {top:.0%} of the training rows, whose most "
                f"common {what} has {majority:.0%}",
                "imbalance" if imbalanced and getattr(est, "class_weight", None) is None else None,
            )
        )
    if targets.classes is None and not hasattr(objective, "row_counts"):
        causes += _constant_outputs(est, loss, x, X[::step], targets, step)
    state = "dead (zero)" if loss.activation == "relu" else "saturated"
    for l, (count, count_at_start) in enumerate(
        zip(counts.saturated, counts.at_start, strict=True)
    ):
        share = count / (counts.rows * sizes[l + 1])
        if share >= 0.9 and count_at_start / (counts.rows * sizes[l + 1]) >= 0.9:
            causes.append(
                (
                    f"{share:.0%} of the activations of hidden layer {l + 1} "
                    f"({loss.activation}) are {state} and pass no gradient, as they were "
                    "from the start",
                    "saturated",
                )
            )
    return causes or None


def _constant_outputs(est, loss, x, X, targets, step):
    """A regression that predicts (nearly) one value while ``y`` varies: ``[(cause, key)]``.

    Its outputs' spread, on the rows ``X`` (every ``step``-th training row),
    below 1% of the targets' spread, for every output.
    """
    Y = np.asarray(targets.matrix(slice(None, None, step)), dtype=np.float64)
    if len(Y) < 2:
        return []
    with np.errstate(over="ignore", invalid="ignore"):
        Z = np.asarray(loss.logits(x, X), dtype=np.float64)
        spread, target_spread = Z.std(axis=0), Y.std(axis=0)
    varying = target_spread > 0
    if not varying.any() or not np.all(spread[varying] < 0.01 * target_spread[varying]):
        return []
    share = float(np.max(spread[varying] / target_spread[varying]))
    offset = float(np.max(np.abs(Y.mean(axis=0)[varying]) / target_spread[varying]))
    far = not est.standardize and offset > 10
    return [
        (
            f"it predicts nearly one value for every training row (its spread is {share:.1%} "
            f"of y's)"
            + (f", and y's mean lies {offset:.3g} standard deviations from 0" if far else ""),
            "targets far" if far else None,
        )
    ]


def divergence_cause(est, penalty_scale, scale_advice=""):
    """Why a step of ``learning_rate`` diverged, and the remedy, in words.

    ``scale_advice`` ("" when ``standardize`` is on or the features already
    look standardised) is added to the advice to decrease ``learning_rate``.
    """
    lr = step_size(est.solver, est.learning_rate)
    # The penalty alone has curvature lambda / sum(w): steps of 2 / that or more
    # diverge. Below curvature 1 the penalty is weaker than the data term (on
    # scaled features), which diverges at a smaller step: the step is the cause.
    if est.solver in ("gd", "sgd") and lr * penalty_scale >= 2 and penalty_scale < 1:
        why = (
            f"learning_rate={lr:g} is too large: even the penalty alone diverges at "
            f"this step (reg_lambda / sum(sample_weight) = {penalty_scale:.3g} needs "
            f"learning_rate < {2 / penalty_scale:.3g}), and the data term at a smaller "
            "one. Decrease learning_rate"
        )
    elif est.solver in ("gd", "sgd") and lr * penalty_scale >= 2:
        why = (
            f"the penalty alone makes it diverge: reg_lambda / sum(sample_weight) = "
            f"{penalty_scale:.3g} needs learning_rate < {2 / penalty_scale:.3g}. Lower "
            "reg_lambda (or learning_rate)"
        )
    else:
        why = f"learning_rate={lr:g} is too large for these data. " + sentence(
            "Decrease learning_rate", scale_advice
        )
    return why


@dataclass
class Ending:
    """How a fit ended, as :func:`warn_about` words it.

    ``cause``: what :func:`learned_nothing` found (or None); ``x0_kept``: it
    diverged before any step could be kept; ``facts``: from :func:`facts`;
    ``validated``: early stopping watched a validation loss.
    """

    dtype: np.dtype
    continued: bool = False
    incremental: bool = False
    cause: list | None = None
    x0_kept: bool = False
    facts: dict | None = None
    validated: bool = False


def warn_about(est, result, ending):
    """Warn (or raise) about how the fit ended, with the remedy of the cause found.

    ``ending.facts`` (from :func:`facts`): the penalty's scale and share of
    ``J``, the cost at the first and last iteration, and the advice to scale
    the features where it applies ("" when ``standardize`` is on or the
    features already look standardised). Advice about ``learning_rate`` goes
    only to the solvers that take a step size.
    """
    facts = ending.facts or {"penalty_scale": 0.0, "penalty_share": 0.0, "curve": [], "scale": ""}
    name = type(est).__name__
    why = divergence_cause(est, facts["penalty_scale"], facts["scale"])
    if ending.x0_kept:  # diverged before any step could be kept
        raise ValueError(
            f"{name} learned nothing: training diverged at its first step "
            f"({result.message}): {why}; the estimator was left as it was."
        )
    found = causes(est, ending.cause, facts)
    advice = remedy(est, found, facts)
    cause = "; ".join(text for text, _ in found) or None
    if cause is not None and result.status in ("converged", "early_stopped"):
        warnings.warn(
            f"{name} stopped ({result.message}) on a model that learned nothing: {cause}. {advice}",
            ConvergenceWarning,
            stacklevel=_validation.caller_stacklevel(),
        )
        return
    # A remedy of its own only for a cause that names one.
    specific = {key for _, key in found} - {None}
    learned_little = (
        ""
        if cause is None
        else f" The model has learned little: {cause}." + (f" {advice}" if specific else "")
    )
    if result.status == "not_finite":
        start = "the previous fit's weights" if ending.continued else "the initial weights"
        raise ValueError(
            f"{name} cannot train: the cost at {start} is not finite (J = "
            f"{result.loss}): the weights or the features are too large for "
            f"{ending.dtype.name}: lower epsilon_init"
            + (f" or {facts['scale']}." if facts["scale"] else ".")
        )
    message = _status_message(est, result, ending, facts, why)
    if message is not None:
        category = UserWarning if result.status == "interrupted" else ConvergenceWarning
        warnings.warn(
            f"{name}{message}{'' if category is UserWarning else learned_little}",
            category,
            stacklevel=_validation.caller_stacklevel(),
        )


def _status_message(est, result, ending, facts, why):
    """The warning for how the solver stopped (after the estimator's name), or None."""
    stochastic = est.solver in STOCHASTIC_SOLVERS
    lr = step_size(est.solver, est.learning_rate)
    curve = facts["curve"]
    # A step that the user chose (not gd's Barzilai-Borwein steps, which adapt).
    chosen_step = est.solver in DEFAULT_LEARNING_RATES and not (
        est.solver == "gd" and isinstance(est.learning_rate, str)
    )
    rose = chosen_step and len(curve) > 1 and curve[-1] > curve[0]
    also = f"; {facts['scale']} also helps" if facts["scale"] else ""
    status, incremental = result.status, ending.incremental
    if status == "max_iter" and est.tol > 0 and not incremental and rose:
        return (
            f" did not converge: the cost rose from {curve[0]:.4g} to "
            f"{curve[-1]:.4g} over {len(curve)} iterations, which is divergence. To fix "
            f"it, decrease learning_rate (now {lr:g}){also}."
        )
    if status == "max_iter" and est.tol > 0 and not incremental:
        if stochastic:
            watched = "validation" if ending.validated else "training"
            what = (
                f"max_iter={est.max_iter} epochs ran before the {watched} loss stopped "
                f"improving by tol={est.tol:g}"
            )
            advice = "increase max_iter or learning_rate"
        else:
            what = (
                f"max_iter={est.max_iter} iterations ran before the gradient reached "
                f"tol={est.tol:g} ({result.message})"
            )
            advice = (
                f"increase max_iter{' or learning_rate' if chosen_step else ''}, or try "
                "solver='L-BFGS-B'"
                if est.solver == "gd"
                else "increase max_iter"
            )
        return f" did not converge: {what}. To fix it, {advice}{also}."
    if status == "max_fun" and est.tol > 0:
        return (
            f" did not converge: solver {est.solver!r} {result.message}. To fix "
            f"it, increase max_fun (and max_iter if it is reached next){also}."
        )
    if status == "diverged":
        return (
            f" stopped after {result.n_iter} iterations because training "
            f"diverged ({result.message}): {why}; the weights before the bad step "
            "were kept."
        )
    if status == "stopped" and est.tol > 0:
        return (
            f": solver {est.solver!r} stopped after {result.n_iter} iterations "
            f"without meeting tol={est.tol:g}: {result.message}. "
            f"{sentence(facts['scale'], 'raise tol or try another solver')}."
        )
    if status == "interrupted" and not incremental:  # partial_fit raises
        what = "epochs" if stochastic else "iterations"
        kept = (
            "the last completed mini-batch's"
            if stochastic
            else ("the initial" if result.n_iter == 0 else "the last completed iteration's")
        )
        return (
            f": training was interrupted (KeyboardInterrupt) after "
            f"{result.n_iter} {what}; {kept} weights were kept."
        )
    return None


def facts(est, objective, ends, X, penalty_scale, curve, cause):
    """What the advice of :func:`warn_about` rests on (see there).

    ``ends`` is ``(x0, x, J at x)``; the penalty's share of ``J`` is the
    larger of those at both ends, looked at only for a model that learned
    nothing (a strong penalty pulls the weights to 0 and its term with them).
    """
    share = 0.0
    reg_scale = getattr(objective, "reg_scale", penalty_scale)
    if cause and reg_scale:
        x0, x, loss = ends
        dtype = objective.loss.dtype
        with np.errstate(over="ignore", invalid="ignore"):
            for weights, J in ((x, loss), (x0, None)):
                weights = np.asarray(weights, dtype=dtype)
                J = objective.cost(weights) if J is None else J
                if np.isfinite(J) and J > 0:
                    share = max(share, objective.loss.penalty(weights, reg_scale) / J)
    scale = ""
    if not est.standardize and not looks_standardised(X):
        scale = "scale the features (standardize=True, or StandardScaler)"
    return {
        "penalty_scale": penalty_scale,
        "penalty_share": float(share),
        "curve": list(curve),
        "scale": scale,
    }


def causes(est, causes, facts):
    """The learned-nothing causes, with a penalty that is most of ``J`` first."""
    causes = list(causes or [])
    if causes and facts["penalty_share"] >= 0.5 and est.reg_lambda > 0:
        # The penalty pulls every weight to 0: the constant predictor is its optimum.
        causes = [
            (f"the penalty term reaches {facts['penalty_share']:.0%} of J", "penalty"),
            *((text, None if key == "imbalance" else key) for text, key in causes),
        ]
    return causes


def remedy(est, causes, facts):
    """The advice for the causes found, one sentence."""
    keys = {key for _, key in causes}
    advice = []
    if "penalty" in keys:
        advice.append(f"lower reg_lambda (now {est.reg_lambda:g})")
    if "imbalance" in keys:
        advice.append('pass class_weight="balanced"')
    if "saturated" in keys:
        advice.append(facts["scale"] or "try a smaller epsilon_init or another activation")
    if "targets far" in keys:
        advice.append("standardize the targets (standardize=True)")
    if not advice:
        generic = "try another activation or a smaller epsilon_init"
        if est.solver in DEFAULT_LEARNING_RATES:
            generic += ", or another learning_rate"
        advice.append(sentence(facts["scale"], generic))
    return sentence(*advice) + "."


def sentence(*parts):
    """The non-empty parts joined by commas and "or", capitalised."""
    parts = [part for part in parts if part]
    text = ", ".join(parts[:-1]) + (" or " if len(parts) > 1 else "") + parts[-1]
    return text[:1].upper() + text[1:]


def looks_standardised(X, rows=2000):
    """Whether the columns of (up to ``rows`` rows of) X have mean ~0 and std ~1.

    A dask array's columns are measured whole, on the workers: no rows come to
    the client (a constant column's scale is 1 there, which this accepts).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if sparse.issparse(X):
            X = X[:: max(1, X.shape[0] // rows)]
            mean, var = mean_variance_axis(sparse.csr_matrix(X, dtype=np.float64), axis=0)
            std = np.sqrt(var)
        elif isinstance(X, np.ndarray):
            X = np.asarray(X[:: max(1, X.shape[0] // rows)], dtype=np.float64)
            mean, std = X.mean(axis=0), X.std(axis=0)
        else:  # checked rows that are neither in memory: a dask array's
            mean, std = _standardize.chunked_moments(X)
    varying = std > 0
    return bool(np.all(np.abs(mean) <= 0.5) and np.all((std[varying] >= 0.5) & (std[varying] <= 2)))
