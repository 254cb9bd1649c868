"""Data sources: what a fit asks of the rows it trains on.

A fit checks its rows, encodes their targets with the estimator's head,
measures their moments, orders the output units, holds out validation rows
and trains on them; :func:`session` is that sequence, once for every source.
:class:`MemoryRows` holds rows in memory (dense or CSR); ``skbackprop.dask``
has ``DaskChunks``, rows that stay on a cluster's workers. The estimator
chooses the source and never branches on it otherwise.

A source ``source`` offers: ``check(est, head, training, validating)``;
``encode(head)`` -> ``(classes, codes, per_class, sample_weight)``;
``moments(values, sample_weight)`` -> ``(mean, scale)``;
``unit_order(head, codes, sample_weight, n_outputs)``;
``validation(est, head, targets, per_class, rng)``; and ``train(est, head,
session)``; and the attributes ``X``, ``sample_weight``, ``multilabel``.
"""

import copy
import warnings

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data as _sklearn_validate_data

from . import _heads, _standardize, _training, _validation

FLOAT_DTYPES = (np.float64, np.float32)


def validate_data(*args, **kwargs):
    """scikit-learn's ``validate_data``, without its RuntimeWarning near the float limit.

    Its finiteness check first sums X, which overflows (or gives inf - inf) on
    finite values of mixed signs near the float limit, and warns; it then falls
    back to an elementwise test, whose answer is right.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return _sklearn_validate_data(*args, **kwargs)


def check_sample_weight(sample_weight, n_samples, name="sample_weight"):
    """float64 weights (a scalar is every sample's weight), checked before any work."""
    if sample_weight is None:
        return None
    sample_weight = np.asarray(sample_weight)
    if sample_weight.ndim == 0:
        sample_weight = np.full(n_samples, sample_weight)
    sample_weight = _validation.check_sample_weight(sample_weight, n_samples, name)
    if not np.any(sample_weight > 0):
        raise ValueError(f"{name} must not be all zero: the total weight is zero")
    return sample_weight


def check_rows(est, X, y, head, reset, dtype=None):
    """``(X, y, multilabel)`` validated: X dense or CSR, y as ``head`` takes it.

    ``X`` is converted to ``dtype``; by default float32 columns (in any byte
    order, or pandas' Float32) stay float32 and the rest becomes float64.
    Values beyond ``dtype``'s range are an error.
    """
    if head.task == "regression":
        head.check_target_values(y, X)
    X, y = validate_data(
        est,
        X,
        y,
        accept_sparse="csr",
        multi_output=True,
        y_numeric=head.task == "regression",
        dtype=_validation.input_dtype(X) if dtype is None else dtype,
        reset=reset,
    )
    y, multilabel = head.check_y(y)
    return X, y, multilabel


def check_validation_set(est, X_val, y_val, sample_weight_val, head, of_y=None, dtype=None):
    """``(X_val, y_val, sample_weight_val)`` checked as strictly as the training rows.

    ``of_y`` is ``(multilabel, shape)`` of the training targets, whose kind
    and number of columns ``y_val`` must have; ``dtype`` is the dtype the
    model trains in: X_val's values must be finite in it.
    """
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError("sample_weight_val was passed without X_val and y_val")
        return None
    if X_val is None or y_val is None:
        raise ValueError("X_val and y_val must be passed together (for early stopping)")
    try:
        X_val, y_val = validate_data(
            est,
            X_val,
            y_val,
            accept_sparse="csr",
            multi_output=True,
            y_numeric=head.task == "regression",
            dtype=FLOAT_DTYPES,
            reset=False,
        )
        y_val, multilabel_val = head.check_y(y_val)
    except ValueError as error:  # scikit-learn's messages say "X" and "y"
        raise ValueError(f"X_val, y_val: {error}") from None
    if of_y is not None:
        check_validation_targets(y_val, multilabel_val, *of_y, head)
    sample_weight_val = check_sample_weight(sample_weight_val, X_val.shape[0], "sample_weight_val")
    if dtype is not None and X_val.dtype != dtype and X_val.shape[0]:
        peak = float(abs(X_val).max())
        if peak > float(np.finfo(dtype).max):
            raise ValueError(
                f"X_val has values beyond the range of {np.dtype(dtype).name} (max |x| = "
                f"{peak:.3g}), the dtype the model trains in (that of X): they would "
                f"become infinite. Scale the features (e.g. with StandardScaler), or "
                "fit on float64 X."
            )
    return X_val, y_val, sample_weight_val


def check_validation_targets(y_val, multilabel_val, multilabel, shape, head):
    """A ValueError unless ``y_val`` is of the kind and width of the training targets."""
    if multilabel_val != multilabel:
        raise ValueError(
            "y_val must be of the same kind as y: both label vectors, or both multilabel "
            "indicator matrices with the same columns"
        )
    wide = multilabel or head.task == "regression"
    if wide and y_val.shape[1] != shape[1]:
        what = "label columns" if multilabel else "columns (outputs)"
        raise ValueError(f"y_val has {y_val.shape[1]} {what} but y has {shape[1]}")


def check_validation_scale(est, X, sample_weight, X_val):
    """Warn when X_val's columns are on a visibly different scale from X's.

    In a Pipeline, X_val bypasses the preceding steps unless it is routed
    through them: the classifier would then score raw rows with weights
    trained on transformed ones. A column differs visibly when its
    validation mean lies more than 5 training standard deviations from the
    training mean, or (with 10 rows or more, not constant in X_val) its
    standard deviation is more than 10 times larger or smaller.
    """
    mean, scale = (
        (est.feature_mean_, est.feature_scale_)
        if getattr(est, "feature_mean_", None) is not None
        else _standardize.moments(X, sample_weight)
    )
    # X_val's raw standard deviations: a column constant in X_val (a rare
    # feature absent from it) has no spread to compare.
    mean_val, scale_val, constant_val = _standardize.moments(X_val, raw=True)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shift = np.abs(mean_val - mean) / scale
        ratio = scale_val / scale
    off = shift > 5
    if X_val.shape[0] >= 10:
        off |= ((ratio > 10) | (ratio < 0.1)) & ~constant_val
    if not off.any():
        return
    j = int(np.flatnonzero(off)[0])
    warnings.warn(
        f"X_val's columns are on another scale than the training rows ({off.sum()} of "
        f"{len(off)}; column {j}: mean {mean_val[j]:.3g}, std {scale_val[j]:.3g} against "
        f"{mean[j]:.3g}, {scale[j]:.3g}). In a Pipeline, X_val bypasses the preceding "
        "steps unless routed through them: sklearn.set_config(enable_metadata_routing="
        "True), clf.set_fit_request(X_val=True, y_val=True) and Pipeline(..., "
        'transform_input=["X_val"]).',
        UserWarning,
        stacklevel=_validation.caller_stacklevel(),
    )


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

    def check(self, est, head, training, validating):
        """Check the training rows and the validation set, before any work."""
        X, y, sample_weight = training
        self.X, self.y, self.multilabel = check_rows(est, X, y, head, reset=True)
        head.output_units(self.multilabel)  # a softmax for multilabel y: an error now
        self.sample_weight = check_sample_weight(sample_weight, self.X.shape[0])
        self.validating = check_validation_set(
            est, *validating, head, (self.multilabel, self.y.shape), dtype=self.X.dtype
        )

    def encode(self, head):
        classes, codes, per_class, self.sample_weight = head.encode(
            self.y, self.multilabel, self.sample_weight
        )
        return classes, codes, per_class, self.sample_weight

    @staticmethod
    def moments(values, sample_weight):
        return _standardize.moments(values, sample_weight)

    def unit_order(self, head, codes, sample_weight, n_outputs):
        return head.unit_order(self.X, codes, sample_weight, n_outputs)

    def validation(self, est, head, targets, per_class, rng):
        """The validation rows, encoded: those given, held out, or None."""
        if self.validating is not None:
            X_val, y_val, sample_weight_val = self.validating
            check_validation_scale(est, self.X, self.sample_weight, X_val)
            codes_val, sample_weight_val = head.validation_codes(
                y_val, sample_weight_val, targets, per_class
            )
            return X_val, codes_val, sample_weight_val
        if not _training.early_stopping_on(est, self.X.shape[0]):
            return None
        split = held_out_split(
            est, self.X, targets.codes, self.sample_weight, rng, classes=targets.classes
        )
        if split is None:
            return None
        self.X, targets.codes, self.sample_weight, validation = split
        return validation

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


def session(est, head, source, hidden):
    """The training session of a fit on ``source``'s checked rows.

    Encodes the targets, measures (or, continuing a fit, keeps) the moments,
    orders the output units, draws the initial weights and holds out the
    validation rows: the same steps, in the same order, for every source.
    """
    classes, codes, per_class, sample_weight = source.encode(head)
    n_outputs = len(classes) if classes is not None else codes.shape[1]
    warm = est.warm_start and hasattr(est, "thetas_")
    _training.check_kind(est, source.multilabel, warm)
    _training.set_standardization(
        est, lambda: source.moments(source.X, sample_weight), warm, dtype=source.X.dtype
    )
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
    thetas = _training.initial_thetas(est, head, layer_sizes, targets, source.X.dtype, rng, warm)
    validation = source.validation(est, head, targets, per_class, rng)
    return _training.Session(
        source.X, targets, source.sample_weight, thetas, rng, state, est.max_iter, validation, warm
    )


def targets_of(head, encoded, sample_weight, previous, moments=MemoryRows.moments):
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
