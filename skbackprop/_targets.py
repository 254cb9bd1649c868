"""Targets: from the labels a user brings to the output units the network trains.

Two kinds of ``y``:

- **multiclass** (a 1-D vector of labels, two or more classes): ``classes_`` are
  the sorted labels, a row's target is one-hot, and the output units are ordered
  by a property of the data (:func:`output_unit_order`);
- **multilabel** (an indicator matrix of 0s and 1s, one column per label):
  ``classes_`` is ``arange(K)``, output unit ``k`` is label ``k``, and the matrix
  itself is the target. The seed's K independent sigmoid units with the
  cross-entropy summed over them are exactly a multilabel model.

``class_weight`` turns into one weight per class, which multiplies the sample
weights, as in scikit-learn's ``LogisticRegression``.
"""

import collections
import functools
import numbers

import numpy as np
from scipy import sparse
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ._validation import scale_weights

MULTICLASS, MULTILABEL = "multiclass", "multilabel"


def check_targets(y):
    """``(y, kind)``: ``y`` as a label vector or a dense indicator matrix, and which.

    ``y`` comes from scikit-learn's ``validate_data(..., multi_output=True)``. A
    single column is a label vector (with scikit-learn's
    ``DataConversionWarning``); several columns must hold 0s and 1s.
    """
    if sparse.issparse(y):
        y = y.toarray()
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    if y.ndim == 1:
        return y, MULTICLASS
    kind = type_of_target(y)
    if kind != "multilabel-indicator":
        raise ValueError(
            "y with several columns must be a multilabel indicator matrix (0s and 1s, one "
            f"column per label); got a {kind!r} target. Multiclass-multioutput targets are "
            "not supported."
        )
    # scikit-learn calls any two-valued matrix an indicator; -1/+1 would train
    # every label towards "yes".
    values = np.unique(y)
    if not np.isin(values, (0, 1)).all():
        raise ValueError(
            "y with several columns must be a multilabel indicator matrix of 0s and 1s; "
            f"got the values {values.tolist()}"
        )
    return y, MULTILABEL


def check_two_classes(classes, present, weighed_by, estimator):
    """A ValueError unless samples of at least 2 of ``classes`` count.

    ``present`` indexes the classes that have samples (of positive weight,
    where ``weighed_by`` names the weights, e.g. "sample"); ``estimator`` (or
    its name) names the estimator in the error.
    """
    if len(present) >= 2:
        return
    where = "y has" if weighed_by is None else f"the samples of positive ({weighed_by}) weight have"
    raise ValueError(
        f"{estimator if isinstance(estimator, str) else type(estimator).__name__} needs "
        f"samples of at least 2 classes; {where} "
        f"{len(present)} class: {classes[present].tolist()}"
    )


def unique_codes(y):
    """``np.unique(y, return_inverse=True)`` of the labels ``y`` (1-d), the codes 32-bit.

    The classes and the codes' values are NumPy's; the codes take half the
    memory of its index type (a fit keeps them while it trains). Integer
    labels of a range not much wider than their number are counted in one
    pass (a million labels: a sort costs 20 times more).
    """
    y = np.asarray(y)
    if y.dtype.kind in "iu" and y.size:
        low, high = int(y.min()), int(y.max())
        if high - low <= max(y.size, 1024) and -(2**62) < low and high < 2**62:
            shifted = y.astype(np.intp) - low  # in intp: y's own dtype may overflow
            present = np.flatnonzero(np.bincount(shifted))
            position = np.zeros(high - low + 1, dtype=np.int32)
            position[present] = np.arange(len(present))
            classes = (present + low).astype(y.dtype)
            return classes, position[shifted]
    classes, codes = np.unique(y, return_inverse=True)
    return classes, codes.astype(np.int32)


def encode(y, classes, name):
    """Indices of ``y``'s labels in ``classes`` (sorted); a ValueError for any other label."""
    y = np.asarray(y)
    if y.dtype.kind in "iu" and classes.dtype.kind in "iu" and len(classes):
        # Integer labels: found by bisection, in place of a dict per label.
        codes = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
        found = classes[codes] == y
        if found.all():
            return codes.astype(np.intp, copy=False)
        raise ValueError(
            f"{name} has the label {y[np.argmin(found)].item()!r}, which is not among the "
            f"classes {classes.tolist()}"
        )
    # Python lists: NumPy < 2 raises when it compares str with int labels.
    position = {label: k for k, label in enumerate(classes.tolist())}
    try:
        return np.array([position[label] for label in y.tolist()], dtype=np.intp)
    except KeyError as error:
        raise ValueError(
            f"{name} has the label {error.args[0]!r}, which is not among the classes "
            f"{classes.tolist()}"
        ) from None


def target_matrix(codes, unit_of_class):
    """The ``(m, K)`` bool targets, column-major as the engine keeps its output layer.

    ``codes`` are class indices (multiclass: one-hot rows) or an indicator
    matrix (multilabel). Output unit ``unit_of_class[k]`` stands for class ``k``.
    """
    K = len(unit_of_class)
    if codes.ndim == 2:
        Y = np.empty(codes.shape, dtype=bool, order="F")
        Y[:, unit_of_class] = codes != 0
        return Y
    Y = np.zeros((len(codes), K), dtype=bool, order="F")
    Y[np.arange(len(codes)), unit_of_class[codes]] = True
    return Y


def predicted_units(Z, multilabel):
    """What the logits ``Z`` predict: the top unit of each row, or each unit's yes/no.

    A sigmoid unit says yes where its probability exceeds one half, that is
    where its logit is positive.
    """
    return Z > 0 if multilabel else np.argmax(Z, axis=1)


class RowCounts:
    """What the check that a model learned something counts on some training rows.

    ``rows``, the number of rows; ``saturated`` and ``at_start``, per hidden
    layer, how many activations pass (almost) no gradient at the weights
    where training ended and where it started (zeros where the start does not
    count); ``predicted`` and ``targets``, how many rows each prediction and
    each target (a unit, or a set of units for multilabel y) has. The counts of
    disjoint rows add up (``+``): a cluster counts its chunks where they lie.
    """

    def __init__(self, rows, saturated, at_start, predicted, targets):
        self.rows, self.saturated, self.at_start = rows, saturated, at_start
        self.predicted, self.targets = predicted, targets

    @classmethod
    def of(cls, loss, x, x0, X, Y, multilabel):
        """The counts on the rows ``X`` (targets ``Y`` in unit order) of ``loss``'s network.

        ``x`` are the weights where training ended, ``x0`` where it started
        (None: the start does not count).
        """
        n_hidden = len(loss.layer_sizes) - 2
        saturated, at_start = [0] * n_hidden, [0] * n_hidden
        if X.shape[0] == 0:
            return cls(0, saturated, at_start, collections.Counter(), collections.Counter())
        logits = loss.logits(x, X, saturated=saturated)
        if x0 is not None:
            loss.logits(x0, X, saturated=at_start)
        predicted = predicted_units(logits, multilabel)
        return cls(X.shape[0], saturated, at_start, _value_counts(predicted), _value_counts(Y))

    def __add__(self, other):
        return RowCounts(
            self.rows + other.rows,
            [a + b for a, b in zip(self.saturated, other.saturated, strict=True)],
            [a + b for a, b in zip(self.at_start, other.at_start, strict=True)],
            self.predicted + other.predicted,
            self.targets + other.targets,
        )


def _value_counts(values):
    """How many times each value (of a vector) or row (of a matrix) occurs: a Counter."""
    uniques, counts = np.unique(values, axis=0 if values.ndim == 2 else None, return_counts=True)
    keys = [row.tobytes() for row in uniques] if values.ndim == 2 else uniques.tolist()
    return collections.Counter(dict(zip(keys, counts.tolist(), strict=True)))


def output_unit_order(X, codes, sample_weight, n_classes):
    """Which class each output unit stands for: ``unit_class[j]``.

    Multiclass units are ordered by class weight (largest first), then by
    class centroid: properties of the data, not of the labels or of the order
    of the rows. Relabelling the classes therefore leaves every floating-point
    operation of a fit unchanged, and shuffling rows, or repeating them instead
    of weighting them, changes only the order of summation. Multilabel units
    follow the columns of ``y``, which are the labels.
    """
    if codes.ndim == 2:
        return np.arange(n_classes)
    m = X.shape[0]
    # Scaled by a power of two, exactly: sums of huge weights would overflow.
    weights = np.ones(m) if sample_weight is None else scale_weights(sample_weight)[0]
    class_weight = np.bincount(codes, weights=weights, minlength=n_classes)
    with np.errstate(over="ignore", invalid="ignore"):
        sums = _sparse_rows(_class_sums(X, codes, weights, n_classes))
    if not np.isfinite(sums.data).all():
        # |x| near the float limit: sums of the columns scaled to [-1, 1]
        # keep the order of the means.
        column_max = _dense(abs(X).max(axis=0)).ravel()
        column_max[column_max == 0] = 1.0
        scaled = X.multiply(1 / column_max).tocsr() if sparse.issparse(X) else X / column_max
        sums = _sparse_rows(_class_sums(scaled, codes, weights, n_classes))
    return _lexicographic_order(_centroid_keys(sums, class_weight))


# Rows of a dense X per product in _class_sums: its membership block and the
# float64 copy of a float32 block of X stay small.
_SUM_ELEMENTS = 65536


def _class_sums(X, codes, weights, n_classes, block_elements=_SUM_ELEMENTS):
    """The weighted sum of the rows of each class: ``(n_classes, n_features)``, float64.

    Sparse X: one sparse product with one weight per row, where a dense
    ``(n_classes, m)`` matrix would cost as much memory as a float64 one-hot
    Y. Dense X: matrix products over blocks of rows, each a dense membership
    block times the rows (BLAS reads X once, where the sparse product's
    scalar loop takes several times as long).
    """
    m = X.shape[0]
    if sparse.issparse(X):
        membership = sparse.csr_array((weights, (codes, np.arange(m))), shape=(n_classes, m))
        return membership @ X
    sums = np.zeros((n_classes, X.shape[1]))
    block = max(1, block_elements // max(n_classes, X.shape[1]))
    membership = np.zeros((n_classes, min(block, m)))
    for start in range(0, m, block):
        stop = min(start + block, m)
        rows = np.arange(stop - start)
        membership[codes[start:stop], rows] = weights[start:stop]
        sums += membership[:, : stop - start] @ X[start:stop]
        membership[codes[start:stop], rows] = 0.0
    return sums


def _sparse_rows(a):
    """``a`` (a dense or sparse matrix) as a CSR array without duplicate entries."""
    a = sparse.csr_array(a)
    a.sum_duplicates()
    return a


def _centroid_keys(sums, class_weight):
    """The sort keys of the classes: ``-class_weight``, then the rounded centroids.

    ``sums`` (CSR, one row per class) are the classes' weighted sums of X.
    The keys are a CSR array of one row per class, column 0 the negated class
    weight: with (sparse) features by the million, a dense classes x features
    matrix would take far more memory than X and the weights. Each stored
    value goes through the same floating-point operations as it would in a
    dense matrix; the values not stored are the zeros that the dense matrix
    would hold, so the order is the same.
    """
    rows = np.repeat(np.arange(sums.shape[0]), np.diff(sums.indptr))
    columns = sums.indices
    centroids = sums.data.astype(np.float64, copy=True)
    present = class_weight > 0
    divide = present[rows]
    centroids[divide] /= class_weight[rows[divide]]
    # Class totals that are equal but for the rounding of their sums (the
    # classes of "balanced" class weights, each weighing sum(w) / K) tie, and
    # the centroids decide, whether rows are weighted or repeated.
    if class_weight.max() > 0:
        class_weight = np.round(class_weight / class_weight.max(), 9)
    # Rounded to 9 digits of each column's scale, so that the rounding of the
    # sums, which depends on the row order, does not decide: classes that
    # share a constant column (all-zero pixels, say) tie there exactly, and
    # the next column decides.
    column_scale = np.zeros(sums.shape[1])
    np.maximum.at(column_scale, columns, np.abs(centroids))
    column_scale[~(column_scale > 0)] = 1.0
    centroids = np.round(centroids / column_scale[columns], 9)
    keys = sparse.hstack(
        [
            sparse.csr_array(-class_weight[:, None]),
            sparse.csr_array((centroids, columns, sums.indptr), shape=sums.shape),
        ],
        format="csr",
    )
    keys.eliminate_zeros()  # -0.0 too: it ties with 0.0, as in a dense key
    keys.sort_indices()
    return keys


def _lexicographic_order(keys):
    """The stable order of the rows of the CSR array ``keys``, compared column by column.

    ``np.lexsort`` would do on a dense matrix, but it takes one array per
    column: with 100,000 (sparse) features it allocates hundreds of MiB. Rows
    are few; a comparison finds the first column where two rows differ, a
    value not stored being 0.
    """

    def row(k):
        lo, hi = keys.indptr[k], keys.indptr[k + 1]
        return keys.indices[lo:hi], keys.data[lo:hi]

    def compare(a, b):
        (columns_a, values_a), (columns_b, values_b) = row(a), row(b)
        columns = np.union1d(columns_a, columns_b)
        key_a, key_b = np.zeros(len(columns)), np.zeros(len(columns))
        key_a[np.searchsorted(columns, columns_a)] = values_a
        key_b[np.searchsorted(columns, columns_b)] = values_b
        differ = np.flatnonzero(key_a != key_b)
        if differ.size == 0:
            return 0
        j = differ[0]
        return -1 if key_a[j] < key_b[j] else 1

    return np.array(sorted(range(keys.shape[0]), key=functools.cmp_to_key(compare)), dtype=np.intp)


def _dense(a):
    return a.toarray() if sparse.issparse(a) else np.asarray(a)


def check_class_weight(class_weight):
    """None, "balanced" or a dict of finite weights >= 0; a TypeError/ValueError otherwise."""
    allowed = "None, 'balanced' or a dict {class label: weight >= 0}"
    if class_weight is None or (isinstance(class_weight, str) and class_weight == "balanced"):
        return
    if isinstance(class_weight, str) or not isinstance(class_weight, dict):
        error = ValueError if isinstance(class_weight, str) else TypeError
        raise error(f"class_weight must be {allowed}; got {class_weight!r}")
    for label, weight in class_weight.items():
        if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real):
            raise TypeError(
                f"class_weight must be {allowed}; the weight of class {label!r} is {weight!r}"
            )
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"class_weight must be {allowed}; the weight of class {label!r} is {weight!r}"
            )


def class_weights(class_weight, classes, codes, sample_weight):
    """The weight of each class in ``classes`` (a float64 vector), or None for no class_weight.

    "balanced" gives class ``c`` the weight ``sum(w) / (K sum_{y_i = c} w_i)``
    (``n / (K n_c)`` without sample weights), so that every class carries the
    same total weight. A dict names the weight of some classes; the others
    weigh 1. As in scikit-learn, a key that is not a class is an error unless
    every class has its weight.
    """
    if class_weight is None:
        return None
    if codes.ndim == 2:
        raise ValueError(
            "class_weight is not supported for a multilabel y: each row has several "
            "labels, so a class weight cannot weigh a row. Pass sample_weight instead."
        )
    K = len(classes)
    if isinstance(class_weight, str):  # "balanced"
        weights = np.ones(len(codes)) if sample_weight is None else scale_weights(sample_weight)[0]
        per_class = np.bincount(codes, weights=weights, minlength=K)
        # A class without weight has no row that counts: any factor will do.
        return np.divide(per_class.sum(), K * per_class, out=np.ones(K), where=per_class > 0)
    weights = np.ones(K)
    labels = classes.tolist()
    for k, label in enumerate(labels):
        if label in class_weight:
            weights[k] = float(class_weight[label])
    unknown = [label for label in class_weight if label not in labels]
    if unknown and any(label not in class_weight for label in labels):
        raise ValueError(
            f"class_weight has the labels {unknown}, which are not among the classes {labels}"
        )
    return weights


def weighted(sample_weight, per_class, codes):
    """``sample_weight`` times the weight of each row's class (None: no weights at all)."""
    if per_class is None:
        return sample_weight
    row_weight = per_class[codes]
    return row_weight if sample_weight is None else sample_weight * row_weight
