"""Scale-free training: standardised coordinates, folded into ``Theta^(1)``.

With ``standardize=True`` the network is trained on ``(x - mu) / s`` (per-feature
mean and scale, weighted by the sample weights, as ``StandardScaler`` computes
them; a constant column has scale 1). Its first matrix ``V`` is then folded so
that the published ``Theta^(1)`` acts on raw ``x``::

    V [1; (x - mu) / s] = [v_0 - (V_x / s) mu,  V_x / s] [1; x]

The solvers work in the standardised coordinates (the penalty acts on ``V``, as
in a ``StandardScaler`` pipeline). Dense rows in memory are standardised once (a
copy, as the pipeline makes) for full-batch solvers, and a batch at a time for
mini-batch solvers (:class:`StandardizedRows`, the same numbers); sparse rows
and dask chunks are never changed:
:class:`StandardizedObjective` evaluates the folded weights on the raw rows and
maps the gradient back, so the centring lives in the bias.
"""

import warnings

import numpy as np
from sklearn.preprocessing import StandardScaler

from ._params import layout, views
from ._validation import all_finite, caller_stacklevel, scale_weights


def moments(X, sample_weight=None, raw=False):
    """``(mean, scale)`` of the columns of ``X`` (float64), as ``StandardScaler`` fits them.

    With ``raw=True``, ``(mean, std, constant)``: the standard deviations before
    the constant-column rule replaces them with 1, and the mask of the constant
    columns. The weights are first divided by a power of two (exactly), so
    that their sum cannot overflow; columns whose moments would overflow (values near the float
    limit) are measured on ``X / 2**e`` and scaled back, exactly.
    """
    if sample_weight is not None:
        sample_weight = scale_weights(np.asarray(sample_weight, dtype=np.float64))[0]
    mean, scale, constant = _scaled_back(*_scaler_moments(X, sample_weight))
    if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
        mean, scale, constant = _shrunk_moments(X, sample_weight)
    return (mean, scale, constant) if raw else (mean, _ones_where(scale, constant))


def _shrunk_moments(X, sample_weight):
    """:func:`_scaled_back`'s moments of the columns measured on ``X / 2**e`` (near the limit)."""
    peak = abs(X).max(axis=0)
    peak = np.asarray(peak.toarray() if _is_sparse(peak) else peak, np.float64).ravel()
    exponent = np.frexp(peak)[1]
    factor = np.ldexp(1.0, -exponent)
    shrunk = X.multiply(factor).tocsr() if _is_sparse(X) else X * factor
    return _scaled_back(*_scaler_moments(shrunk, sample_weight), exponent)


def _scaler_moments(X, sample_weight):
    """``(mean, variance, total weight)`` of the columns, as StandardScaler computes them."""
    # Sums that overflow are handled by moments: no warning for them.
    with np.errstate(invalid="ignore", over="ignore"):
        if _blockwise(X, sample_weight):
            return _blockwise_moments(X)
        scaler = StandardScaler(with_mean=not _is_sparse(X)).fit(X, sample_weight=sample_weight)
    return scaler.mean_, scaler.var_, scaler.n_samples_seen_


# Rows per block of the blockwise moments: about 512 KiB of float64 (its two
# temporaries stay in the cache; 2 MiB blocks were slower, and the largest
# allocation of a mini-batch fit on 50,000 x 100).
MOMENTS_BLOCK_ELEMENTS = 65536


def _blockwise(X, sample_weight):
    """Whether :func:`_blockwise_moments` gives StandardScaler's numbers for ``X``."""
    return (
        sample_weight is None
        and isinstance(X, np.ndarray)
        and X.ndim == 2
        and X.dtype == np.float64
        and X.flags.c_contiguous
        and X.shape[0] > 0
    )


def _blockwise_moments(X):
    """StandardScaler's mean and variance of a C-ordered float64 ``X``, bit for bit, in row blocks.

    StandardScaler sums each column of ``X``, then of ``X - mean`` and of its
    squares, over the whole matrix (a full-size temporary each time); NumPy
    adds the rows of a C-ordered matrix one after the other. Here each block
    of rows is added to the running sums in that same order (the sums so far
    are the block's first row), so the results are the same, with temporaries
    of one block.
    """
    n = X.shape[0]
    block = max(1, MOMENTS_BLOCK_ELEMENTS // max(X.shape[1], 1))

    def running(total, rows):
        return np.add.reduce(rows if total is None else np.concatenate([total[None], rows]), axis=0)

    total = None
    for start in range(0, n, block):
        total = running(total, X[start : start + block])
    mean = total / n
    correction = squares = None
    for start in range(0, n, block):
        centred = X[start : start + block] - mean
        correction = running(correction, centred)
        centred **= 2
        squares = running(squares, centred)
    squares -= correction**2 / n
    return mean, squares / n, float(n)


def _scaled_back(mean, var, n_samples, exponent=0):
    """``(mean, std, constant)`` of columns whose moments were measured on ``X / 2**exponent``.

    The std is ``sqrt(var) * 2**exponent`` (past the float limit, the limit);
    ``constant`` marks the columns whose scale is 1 (:func:`_ones_where`): those
    whose ``var`` is within the rounding error of its computation,
    StandardScaler's rule (of ``n_samples``, the total weight). The rule is
    homogeneous in ``(mean, sqrt(var))``: it is evaluated on them divided by a
    power of two near their size (exactly), so that it cannot overflow; an
    overflowed ``var`` is not constant (:func:`moments` measures it again,
    shrunk). A constant column's variance can round to a tiny negative number:
    its std is 0, no warning.
    """
    from sklearn.preprocessing._data import _is_constant_feature

    mean, var = np.asarray(mean, np.float64), np.asarray(var, np.float64)
    top = np.finfo(np.float64).max
    with np.errstate(invalid="ignore", over="ignore"):
        unit = np.frexp(np.maximum(abs(mean), np.sqrt(abs(var))))[1]
        unit_mean, unit_var = np.ldexp(mean, -unit), np.ldexp(var, -2 * unit)
        constant = _is_constant_feature(unit_var, unit_mean, n_samples) & np.isfinite(var)
        mean, scale = np.ldexp(mean, exponent), np.ldexp(np.sqrt(np.maximum(var, 0)), exponent)
    return np.clip(mean, -top, top), np.minimum(scale, top), constant


def _ones_where(scale, constant):
    """The scale, 1 where ``constant`` (StandardScaler's rule), a new array."""
    return np.where(constant, 1.0, scale)


def combine(parts):
    """``(mean, scale)`` from per-chunk :func:`chunk_moments` (Chan et al.'s update).

    Each chunk's centred sum of squares ``M2`` is computed on its own mean, so
    shifted features lose no digits; the chunks' moments are brought to the
    largest power of two of each column before they are combined (exactly), so
    nothing overflows; the constant-column rule is :func:`moments`'s.
    """
    parts = [part for part in parts if part[0] > 0]
    exponent = np.max([part[3] for part in parts], axis=0)
    total, mean, m2 = 0.0, None, None
    for weight, part_mean, part_m2, part_exponent in parts:
        shift = part_exponent - exponent
        part_mean, part_m2 = np.ldexp(part_mean, shift), np.ldexp(part_m2, 2 * shift)
        if mean is None:
            total, mean, m2 = weight, part_mean, part_m2
            continue
        delta = part_mean - mean
        new_total = total + weight
        mean += delta * (weight / new_total)
        m2 += part_m2 + delta**2 * (total * weight / new_total)
        total = new_total
    mean, scale, constant = _scaled_back(mean, m2 / total, total, exponent)
    return mean, _ones_where(scale, constant)


def chunk_moments(X, weights=None, weight_exponent=0):
    """``(sum of weights, weighted mean, centred weighted sum of squares, exponent)`` of a chunk.

    The weights are divided by ``2**weight_exponent`` (the whole data's, as
    :func:`moments` divides them); the moments are those of ``X / 2**exponent``,
    ``exponent`` each column's power of two, so that they cannot overflow.
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    w = np.ldexp(w, -weight_exponent)
    total = float(w.sum())
    if not total > 0:
        zeros = np.zeros(X.shape[1])
        return 0.0, zeros, zeros, np.zeros(X.shape[1], dtype=int)
    exponent = np.frexp(abs(X).max(axis=0))[1]
    X = X * np.ldexp(1.0, -exponent)
    mean = w @ X / total
    return total, mean, w @ (X - mean) ** 2, exponent


def chunked_moments(X, weights=None, weight_exponent=0):
    """``(mean, scale)`` of a dask array's columns, computed chunk by chunk on the workers.

    ``X`` has one chunk across its columns; ``weights`` (a dask array chunked
    like X's rows, or None) are divided by ``2**weight_exponent``.
    """
    import dask

    rows = X.to_delayed().ravel()
    blocks = [None] * len(rows) if weights is None else weights.to_delayed().ravel()
    parts = [
        dask.delayed(chunk_moments)(x, w, weight_exponent)
        for x, w in zip(rows, blocks, strict=True)
    ]
    return combine(dask.compute(*parts))


def transform(X, mean, scale):
    """Dense ``(X - mean) / scale`` in X's dtype, a new array (as StandardScaler.transform).

    Where ``X - mean`` overflows (values near the float limit), ``X / scale -
    mean / scale`` instead.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        # Into a new array of X's dtype, as X.copy() -= mean would compute it,
        # in one pass rather than a copy and a pass.
        X_std = np.subtract(X, mean, out=np.empty_like(X, order="K"))
        X_std /= scale
        if all_finite(X_std):
            return X_std
        bad = ~np.isfinite(X_std)
        if bad.any():
            columns = np.flatnonzero(bad.any(axis=0))
            X_std[:, columns] = X[:, columns] / scale[columns] - mean[columns] / scale[columns]
    return X_std


def check_validation_scale(est, X, sample_weight, X_val, measure=None):
    """Warn when X_val's columns are on a visibly different scale from X's.

    In a Pipeline, X_val bypasses the preceding steps unless it is routed
    through them: the classifier would then score raw rows with weights
    trained on transformed ones. A column differs visibly when its
    validation mean lies more than 5 training standard deviations from the
    training mean, or (with 10 rows or more, not constant in X_val) its
    standard deviation is more than 10 times larger or smaller. The training
    moments are those of ``standardize=True``, or measured by ``measure(X,
    sample_weight)`` (the data source's way; :func:`moments` by default).
    """
    mean, scale = (
        (est.feature_mean_, est.feature_scale_)
        if getattr(est, "feature_mean_", None) is not None
        else (measure or moments)(X, sample_weight)
    )
    # X_val's raw standard deviations: a column constant in X_val (a rare
    # feature absent from it) has no spread to compare.
    mean_val, scale_val, constant_val = moments(X_val, raw=True)
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
        stacklevel=caller_stacklevel(),
    )


def _fallback_columns(X, mean, scale):
    """The columns in which :func:`transform` falls back (values near the float limit).

    ``(x - mu) / s`` rounded is monotone in ``x`` (``s > 0``), so a column has
    a value that is not finite exactly where its least or its greatest value
    has: :func:`transform` of those two rows of extremes finds the columns
    without a pass over a full-size temporary.
    """
    if not X.shape[0]:
        return np.empty(0, dtype=np.intp)
    extremes = np.stack([X.min(axis=0), X.max(axis=0)])
    with np.errstate(over="ignore", invalid="ignore"):
        first = np.subtract(extremes, mean, out=np.empty_like(extremes))
        first /= scale
    return np.flatnonzero(~np.isfinite(first).all(axis=0))


class StandardizedRows:
    """Dense rows ``X`` read as :func:`transform` gives them, a selection of rows at a time.

    ``rows[r]`` (``r`` a slice or an index array of rows) is a new array holding
    ``transform(X, mean, scale)[r]`` bit for bit: the same operations, element
    by element, and the same fallback in the columns where it falls back
    (:func:`_fallback_columns`, found once). Mini-batch solvers gather each
    batch anyway (``X[rows]``) and standardise it in place, in place of a
    standardised copy of all of ``X``. Nothing else of an array is offered:
    code that would read ``X`` whole fails rather than copy it.
    """

    ndim = 2

    def __init__(self, X, mean, scale):
        self.X, self.mean, self.scale = X, mean, scale
        self.shape, self.dtype = X.shape, X.dtype
        self._fallback = _fallback_columns(X, mean, scale)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, rows):
        block = self.X[rows]
        if block.ndim != 2:
            raise TypeError("StandardizedRows selects rows: a slice or an array of row indices")
        # A slice is a view of X, which must stay as it is; an index array is a new array.
        out = np.empty_like(block) if np.may_share_memory(block, self.X) else block
        return self._standardized(block, out)

    def take(self, rows, axis=0, out=None):
        """The rows ``rows`` (an index array), as ``ndarray.take(rows, axis=0, out=out)``."""
        if axis != 0:
            raise TypeError("StandardizedRows takes rows (axis=0)")
        block = self.X.take(rows, axis=0, out=out)
        return self._standardized(block, block)

    def _standardized(self, block, out):
        """``block`` (rows of X) standardised into ``out`` (``block`` itself, or new)."""
        cols = self._fallback
        if not cols.size:
            # No column falls back: its extremes, hence all its values, stay finite
            # (rounding is monotone), so nothing can overflow or warn.
            np.subtract(block, self.mean, out=out)
            out /= self.scale
            return out
        raw = block[:, cols]
        with np.errstate(over="ignore", invalid="ignore"):
            np.subtract(block, self.mean, out=out)
            out /= self.scale
            out[:, cols] = raw / self.scale[cols] - self.mean[cols] / self.scale[cols]
        return out


def standardized_rows(objective, mean, scale):
    """``objective``, just made on dense rows in memory, set to read them standardised.

    Its rows become :class:`StandardizedRows` (in place: the objective is
    the same object, with the same methods); returns it.
    """
    objective.X = StandardizedRows(objective.X, mean, scale)
    return objective


def _is_sparse(X):
    from scipy import sparse

    return sparse.issparse(X)


# A float32 fold is imprecise from this |mean| / scale of a column on (see below).
FLOAT32_SHIFT_LIMIT = 1e3


def check_fold_precision(mean, scale, dtype, stacklevel=2):
    """Warn where float32 weights cannot hold the fold of a column far from 0.

    The folded ``Theta^(1)`` computes ``b' + sum_j (v_j / s_j) x_j`` with
    ``b' = v_0 - sum_j (v_j / s_j) mu_j``: for a column whose mean is many
    scales from 0 (``|mu_j| / s_j`` large), the two terms are large and cancel.
    In float32 (rounding ``u = 2**-24``) each hidden unit's input then carries
    an error of about ``u * |v_j| * |mu_j| / s_j`` that training in
    standardised coordinates did not have: about 2.5e-4 in the probabilities
    at ``|mu| / s = 1e3``, 0.25 at 1e6 (measured). float64 weights hold it (u =
    2**-53). Sparse float32 ``X`` also trains on the folded weights, with the
    same error. Warns from :data:`FLOAT32_SHIFT_LIMIT` on, naming the remedy.
    """
    if np.dtype(dtype) != np.float32:
        return
    with np.errstate(over="ignore"):
        shift = np.abs(mean) / scale
    if not shift.size or not shift.max() >= FLOAT32_SHIFT_LIMIT:
        return
    j = int(np.argmax(shift))
    count = int(np.sum(shift >= FLOAT32_SHIFT_LIMIT))
    warnings.warn(
        f"standardize=True with float32 X: {count} column(s) lie far from 0 in units of "
        f"their spread (column {j}: mean {mean[j]:.6g}, std {scale[j]:.3g}), and the "
        "float32 weights folded to act on raw X lose about "
        f"{2.0**-24 * shift[j]:.1g} of each hidden input per unit of weight to rounding. "
        "Pass X as float64, or subtract the column means before fitting.",
        UserWarning,
        stacklevel=stacklevel + 1,
    )


def fold_flat(x, layer_sizes, mean, scale):
    """The flat weights acting on raw ``x`` for the standardised weights ``x`` (a new array)."""
    raw = np.array(x, copy=True)
    _fold_first(views(raw, layout(layer_sizes))[0], mean, scale)
    return raw


def unfold_flat(x, layer_sizes, mean, scale):
    """The standardised weights of the flat raw weights ``x`` (a new array)."""
    std = np.array(x, copy=True)
    _unfold_first(views(std, layout(layer_sizes))[0], mean, scale)
    return std


def _fold_first(theta, mean, scale, out=None):
    """``[v_0, V_x] -> [v_0 - (V_x / s) mu, V_x / s]`` into ``out`` (None: in place).

    No temporary of its size: ``out``'s weights are written by the division.
    """
    out = theta if out is None else out
    W = out[:, 1:]
    np.divide(theta[:, 1:], scale, out=W)
    out[:, 0] = theta[:, 0]
    out[:, 0] -= W @ mean


def _unfold_first(theta, mean, scale):
    """``[b, W] -> [b + W mu, W s]`` in place, the inverse of :func:`_fold_first`."""
    theta[:, 0] += theta[:, 1:] @ mean
    theta[:, 1:] *= scale


class StandardizedObjective:
    """An objective on raw rows, seen in standardised coordinates.

    ``raw`` is any objective (in memory or on dask chunks); its penalty is taken
    over (``raw.reg_scale`` is set to 0) and applied to the standardised weights.
    Each evaluation folds the weights, evaluates ``raw``, and maps the gradient of
    ``Theta^(1)`` back: ``dJ/dV_x = (dJ/dW - dJ/db mu^T) / s``, ``dJ/dv_0 = dJ/db``.
    Mini-batches of sparse rows in memory need no fold (:meth:`stepper`).
    """

    def __init__(self, raw, mean, scale):
        self.raw = raw
        self.reg_scale, raw.reg_scale = raw.reg_scale, 0.0
        self.loss = raw.loss
        self.n_samples = raw.n_samples
        self.layer_sizes = raw.layer_sizes
        self.n_threads = raw.n_threads
        dtype = self.loss.dtype
        self._places = layout(self.layer_sizes)
        self._standardization = (mean, scale)
        self._mean = mean.astype(dtype)
        self._scale = scale.astype(dtype)
        self._raw_x = None  # the raw weights of the last evaluation, made when first needed

    def _folded(self, x):
        if self._raw_x is None:
            self._raw_x = np.empty(self._places[-1][1], dtype=self.loss.dtype)
        source, target = views(x, self._places), views(self._raw_x, self._places)
        with np.errstate(over="ignore"):  # float64 beyond float32's range: J = inf
            for raw, weights in zip(target[1:], source[1:], strict=True):
                raw[...] = weights
            _fold_first(source[0], self._mean, self._scale, out=target[0])
        return self._raw_x

    def _back(self, x, J, grad):
        if grad is not None:
            g = views(grad, self._places)[0]
            # dJ/dV_x = (dJ/dW - dJ/db mu^T) / s, in bands of columns: no
            # temporary as large as Theta^(1).
            for start in range(1, g.shape[1], _BAND):
                band, columns = g[:, start : start + _BAND], slice(start - 1, start - 1 + _BAND)
                band -= np.outer(g[:, 0], self._mean[columns])
                band /= self._scale[columns]
        return self._penalised(x, J, grad, self.loss)

    def _penalised(self, x, J, grad, loss):
        """``J`` and ``grad`` with the penalty of the standardised weights ``x``.

        ``loss`` reads ``x`` in its layout; ``J`` is ``inf`` where it or the
        gradient is not finite.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            J += loss.penalty(np.asarray(x, dtype=loss.dtype), self.reg_scale, grad)
        if not np.isfinite(J) or (grad is not None and not all_finite(grad)):
            J = np.inf
        return float(J), grad

    def stepper(self):
        """Mini-batch steps on raw sparse rows read standardised, no fold; or None.

        The raw objective's :class:`skbackprop._loss.SparseSteps`, its loss given
        the standardisation (see :class:`skbackprop._loss.NetworkLoss`).
        """
        make = getattr(self.raw, "stepper", None)
        steps = make(self._standardization) if make is not None else None
        return None if steps is None else _StandardizedSteps(self, steps)

    def __call__(self, x):
        J, grad = self.raw(self._folded(x))
        return self._back(x, J, grad)

    def cost(self, x):
        return self._back(x, self.raw.cost(self._folded(x)), None)[0]

    def batch(self, x, rows):
        J, grad = self.raw.batch(self._folded(x), rows)
        return self._back(x, J, grad)

    def close(self):
        close = getattr(self.raw, "close", None)
        if close is not None:
            close()


# Columns of Theta^(1) per band of StandardizedObjective._back (512 KiB for 64 units).
_BAND = 1024


class _StandardizedSteps:
    """:class:`StandardizedObjective`'s mini-batches: raw steps on standardised rows, penalised."""

    def __init__(self, objective, steps):
        self.objective, self.steps = objective, steps
        self.n_samples = steps.n_samples
        self.to_steps, self.to_public = steps.to_steps, steps.to_public

    def batch(self, x, rows):
        J, grad = self.steps.batch(x, rows)
        return self.objective._penalised(x, J, grad, self.steps.loss)

    def close(self):
        self.steps.close()
