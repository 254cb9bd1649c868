"""Data sources: what a fit asks of the rows it trains on.

A fit checks its rows (:mod:`skbackprop._validation`), encodes their targets
with the estimator's head, orders the output units, draws the initial
weights, measures the moments, holds out validation rows and trains on them;
:func:`session` is that sequence, once for every source. :class:`MemoryRows`
holds rows in memory (dense or CSR); ``skbackprop.dask`` has ``DaskChunks``,
rows that stay on a cluster's workers. The estimator chooses the source
(with :func:`is_dask_collection`) and never branches on it otherwise.

A source ``source`` offers: ``check(est, head, training, validating)``;
``encode(head)`` -> ``(classes, codes, per_class, sample_weight)``;
``moments(values, sample_weight)`` -> ``(mean, scale)``;
``unit_order(head, codes, sample_weight, n_outputs)``;
``validation(est, head, targets, per_class, rng, holds_out)``; and
``train(est, head, session)``; and the attributes ``X``, ``sample_weight``,
``multilabel`` and ``validating`` (a validation set in memory, checked, or None).
"""

import copy

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from . import _heads, _standardize, _training, _validation
from ._monitor import early_stopping_applies


def is_dask_collection(obj):
    """Whether ``obj`` is a dask collection (array, DataFrame), without importing dask.

    Such inputs go to :mod:`skbackprop.dask`, which needs the ``[dask]`` extra;
    everything else is converted to NumPy as usual.
    """
    graph = getattr(type(obj), "__dask_graph__", None)
    return callable(graph) and obj.__dask_graph__() is not None


def split_rows(fraction, X, y_encoded, sample_weight, rng, classes=None):
    """Hold out ``fraction`` of the rows, stratified by class, seeded by rng.

    ``classes`` (the labels of the codes in ``y_encoded``) name a class in
    the errors.
    """
    rows = np.arange(X.shape[0])
    if y_encoded.ndim == 1:
        counts = np.bincount(y_encoded)
        single = np.flatnonzero(counts == 1)
        if single.size:
            labels = ", ".join(map(repr, (single if classes is None else classes[single]).tolist()))
            which = f"class {labels} has" if single.size == 1 else f"classes {labels} have"
            raise ValueError(
                f"early_stopping=True cannot hold out validation rows stratified by "
                f"class: the {which} a single row, which cannot be both trained on "
                "and validated on. Pass X_val and y_val, add rows of that class, or "
                "remove it."
            )
    try:
        train, val = train_test_split(
            rows,
            test_size=fraction,
            # Label sets are too many to stratify by: a multilabel split is plain.
            stratify=y_encoded if y_encoded.ndim == 1 else None,
            random_state=rng,
        )
    except ValueError as error:
        raise ValueError(
            f"early_stopping=True cannot hold out validation_fraction="
            f"{fraction:g} of the {len(rows)} rows stratified by class "
            f"({error}); raise validation_fraction, add rows, or pass X_val and y_val"
        ) from None
    # train_test_split shuffles; sorted rows keep the training order of the data.
    train, val = np.sort(train), np.sort(val)
    w = None if sample_weight is None else sample_weight
    for part, name in ((train, "training"), (val, "validation")):
        if w is not None and not np.any(w[part] > 0):
            raise ValueError(
                f"early_stopping=True: the {name} rows held out have zero total "
                "sample_weight; pass X_val and y_val instead"
            )
    if y_encoded.ndim == 1 and len(np.unique(y_encoded[train])) < 2:
        raise ValueError("early_stopping=True leaves fewer than 2 classes to train on")
    validation = (X[val], y_encoded[val], None if w is None else w[val])
    return X[train], y_encoded[train], None if w is None else w[train], validation


class MemoryRows:
    """Rows in memory: a dense array or a CSR matrix, and their targets."""

    def check(self, est, head, training, validating=(None, None, None), incremental=False):
        """Check the training rows and the validation set, before any work.

        ``incremental``: a call of partial_fit, whose calls after the first
        cast their rows to the model's dtype, where its weights and the
        optimiser's state stay.
        """
        X, y, sample_weight = training
        later = incremental and hasattr(est, "thetas_")
        self.X, self.y, self.multilabel = _validation.check_rows(
            est, X, y, head, reset=not later, dtype=est.thetas_[0].dtype if later else None
        )
        head.output_units(self.multilabel)  # a softmax for multilabel y: an error now
        self.sample_weight = _validation.check_weights(sample_weight, self.X.shape[0])
        self.validating = _validation.check_validation_set(
            est, *validating, head, (self.multilabel, self.y.shape), dtype=self.X.dtype
        )

    def encode(self, head):
        classes, codes, per_class, self.sample_weight = head.encode(
            self.y, self.multilabel, self.sample_weight
        )
        return classes, codes, per_class, self.sample_weight

    def encode_partial(self, head, classes, previous):
        """:meth:`encode` for a call of partial_fit, given its ``classes`` (no class weights
        measured); ``previous``: the model the call continues, or None."""
        classes, codes, self.sample_weight = head.partial_targets(
            self.y, classes, self.multilabel, self.sample_weight, previous
        )
        return classes, codes, None, self.sample_weight

    @staticmethod
    def moments(values, sample_weight):
        return _standardize.moments(values, sample_weight)

    def unit_order(self, head, codes, sample_weight, n_outputs):
        return head.unit_order(self.X, codes, sample_weight, n_outputs)

    def validation(self, est, head, targets, per_class, rng, holds_out):
        """The validation rows, encoded: held out (``holds_out``), those given, or None."""
        if holds_out:
            split = held_out_split(
                est, self.X, targets.codes, self.sample_weight, rng, classes=targets.classes
            )
            if split is None:
                return None
            self.X, targets.codes, self.sample_weight, validation = split
            return validation
        if self.validating is None:
            return None
        X_val, y_val, sample_weight_val = self.validating
        codes_val, sample_weight_val = head.validation_codes(
            y_val, sample_weight_val, targets, per_class
        )
        return X_val, codes_val, sample_weight_val

    @staticmethod
    def train(est, head, session):
        return _training.train(est, head, session)


def held_out_split(est, X, codes, sample_weight, rng, classes=None):
    """:func:`split_rows` of ``validation_fraction``, or None where ``early_stopping="auto"``
    cannot split the rows (it then trains on all of them)."""
    try:
        return split_rows(est.validation_fraction, X, codes, sample_weight, rng, classes=classes)
    except ValueError:
        if isinstance(est.early_stopping, str):  # "auto"
            return None
        raise


def session(est, head, source, hidden, partial=None):
    """The training session of a fit on ``source``'s checked rows.

    Encodes the targets, orders the output units, draws the initial weights,
    measures (or, continuing a fit, keeps) the moments, holds the validation
    set's scale against them and holds out the validation rows: the same
    steps, in the same order, for every source. The order follows the floors:
    what the source and the head answer first, then the training's setup,
    the moments, and the split last, after the weights (one random stream).
    ``partial``: ``(classes,)`` of a call of partial_fit (in memory), which
    continues the model from its second call on; None for fit.
    """
    incremental = partial is not None
    warm = hasattr(est, "thetas_") and (incremental or est.warm_start)
    classes, codes, per_class, sample_weight = (
        source.encode_partial(head, *partial, est if warm else None)
        if incremental
        else source.encode(head)
    )
    n_outputs = len(classes) if classes is not None else codes.shape[1]
    if warm:
        # The output units keep their order, and sgd and adam their state
        # (initial_thetas checks that the previous fit can be continued).
        unit_class, state = est._unit_class, copy.deepcopy(est._solver_state)
    else:
        unit_class = source.unit_order(head, codes, sample_weight, n_outputs)
        state = None
    targets = targets_of(
        head,
        (codes, classes, unit_class, source.multilabel),
        sample_weight,
        est if warm else None,
        source.moments,
    )
    layer_sizes = [source.X.shape[1], *hidden, n_outputs]
    # One stream for the initial weights, the validation split and the
    # shuffling, as in MLPClassifier; sgd and adam keep theirs in their state.
    rng = check_random_state(est.random_state)
    # partial_fit's head checked the kind of y against the first call's.
    _training.check_kind(est, source.multilabel, warm and not incremental)
    thetas = _training.initial_thetas(
        est, head, layer_sizes, targets, source.X.dtype, rng, warm, incremental
    )
    _training.set_standardization(
        est, lambda: source.moments(source.X, sample_weight), warm, incremental, source.X.dtype
    )
    if source.validating is not None:  # X_val given, in memory
        X_val = source.validating[0]
        _standardize.check_validation_scale(est, source.X, sample_weight, X_val, source.moments)
    holds_out = source.validating is None and early_stopping_applies(
        est.early_stopping, est.solver, source.X.shape[0], est.validation_fraction
    )
    validation = source.validation(est, head, targets, per_class, rng, holds_out)
    return _training.Session(
        source.X,
        targets,
        source.sample_weight,
        thetas,
        rng,
        state,
        1 if incremental else est.max_iter,  # partial_fit: one epoch
        validation,
        warm,
        incremental,
    )


def targets_of(head, encoded, sample_weight, previous, moments):
    """The :class:`skbackprop._heads.Targets` of a fit.

    ``encoded`` is ``(codes, classes, unit_class, multilabel)``; ``previous``
    the fit it continues (or None); ``moments`` measures a regression's targets.
    """
    codes, classes, unit_class, multilabel = encoded
    mean, scale = head.target_moments(codes, sample_weight, previous, moments)
    return _heads.Targets(
        _heads.scaled(codes, mean, scale),
        classes,
        unit_class,
        multilabel=multilabel,
        mean=mean,
        scale=scale,
    )
