"""Training and prediction on dask arrays, on a dask.distributed cluster.

Needs the optional extra: ``pip install "skbackprop[dask]"`` (``dask[array]`` and
``distributed``); importing this module does not, only calling it does.
:class:`~skbackprop.BackpropClassifier` comes here by itself when ``X`` is a
dask array:

- ``fit(X, y, sample_weight)`` with ``X``, ``y`` (and ``sample_weight``) chunked
  by rows trains where the chunks live. For every evaluation of the cost the
  client scatters the weights to the workers; each worker computes the
  *unnormalised* data-term sums of its chunks with the engine's own
  ``NetworkLoss``; the client adds them in chunk order
  and applies the penalty once (:class:`DaskObjective`). The solvers do not
  know the difference, so gd and the scipy methods give the in-memory fit up to
  the order of summation; sgd and adam draw their mini-batches on the workers
  (one round trip per mini-batch). ``X`` never comes to the client: only the
  class list, per-class sums, gradients, and the counts of the check that the
  model learned something (made by each chunk on its worker) do.
- Early stopping keeps its validation rows on the workers too. The labels (and
  weights) come to the client, which draws the same stratified split as in
  memory; the rows are selected and kept on the workers, which score them after
  every iteration: each chunk returns the weighted sums of its data term and of
  its right predictions, which the client adds in chunk order. ``X_val`` and
  ``y_val`` given as dask arrays stay there as well (an ``X_val`` in memory is
  scored on the client, as in the in-memory fit).
- ``partial_fit(X, y)`` on dask arrays runs one ``partial_fit`` per row chunk,
  one chunk at a time on the client (the next one is computed meanwhile): an
  out-of-core pass over data that do not fit in memory.
- ``predict``, ``predict_proba`` and ``predict_log_proba`` of a dask array
  return dask arrays, mapped over its row chunks.

Model search needs nothing from here: ``GridSearchCV`` and ``cross_val_score``
run on a cluster under ``joblib.parallel_config(backend="dask")``.
"""

import importlib
import threading
from collections import Counter

import numpy as np
from scipy import sparse
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import _standardize, _targets, _training
from ._blocks import one_blas_thread, thread_budget
from ._data import held_out_split, is_dask_collection
from ._heads import hidden_units
from ._loss import NetworkLoss, penalty_scale
from ._params import check_layer_sizes, layer_sizes_of
from ._validation import (
    as_float_array,
    check_names,
    check_reg_lambda,
    check_sample_weight,
    check_validation_set,
    input_dtype,
    weight_exponent,
    working_dtype,
)

__all__ = ["DaskObjective", "make_objective", "require"]

EXTRA = "skbackprop[dask]"
# Weight vectors larger than this are scattered to the workers once per
# evaluation instead of sent with each task (measured on a LocalCluster: below
# it, one message fewer is faster).
SCATTER_BYTES = 1 << 20
# Losses (with their work buffers) a worker thread keeps: one per network that
# trained there lately.
_MAX_CACHED_LOSSES = 4


def require(modules=("dask.array", "distributed")):
    """Import the optional dependencies, or raise an ImportError naming the extra.

    Every entry point of this module calls it first, so that a missing dask says
    which extra to install (``pip install "skbackprop[dask]"``).

    Parameters
    ----------
    modules : sequence of str, default=("dask.array", "distributed")
        Modules to import.

    Returns
    -------
    modules : list of module
        The imported modules, in the order asked.

    See Also
    --------
    make_objective : The first user of these modules.

    Examples
    --------
    >>> from skbackprop.dask import require
    >>> da, distributed = require()
    >>> require(["no_such_module"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ImportError: dask inputs need the optional dependencies ... pip install "skbackprop[dask]"
    """
    imported = []
    for name in modules:
        try:
            imported.append(importlib.import_module(name))
        except ImportError as error:
            raise ImportError(
                f"dask inputs need the optional dependencies dask[array] and distributed "
                f"({name} cannot be imported: {error}). Install them with "
                f'pip install "{EXTRA}"'
            ) from error
    return imported


def _client(client=None):
    """The given client, or the default one: a clear error where there is none."""
    if client is not None:
        return client
    (distributed,) = require(["distributed"])
    try:
        return distributed.get_client()
    except ValueError:
        raise ValueError(
            "training on dask arrays runs on a dask.distributed cluster: start a client "
            "first, e.g. `from distributed import Client; client = Client()` for a local "
            "cluster, or Client('tcp://scheduler-address:8786')"
        ) from None


# -- checks on dask inputs ------------------------------------------------------------


def _check_X(X, n_features=None, name="X"):
    """``X`` as a 2-D dask array of a float dtype, chunked by rows only."""
    (da,) = require(["dask.array"])
    if not isinstance(X, da.Array):
        raise TypeError(
            f"{name} must be a dask array (a dask DataFrame converts with "
            f"df.to_dask_array(lengths=True)); got {type(X).__name__}"
        )
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D dask array; got {X.ndim} dimension(s)")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError(
            f"{name} has chunks of unknown size: call {name}.compute_chunk_sizes() (or "
            "df.to_dask_array(lengths=True)) before fitting"
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers; got dtype {X.dtype}")
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} must have at least 1 row and 1 feature; got shape {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but the estimator was fitted with {n_features}"
        )
    dtype = working_dtype(input_dtype(X))
    X = X.astype(dtype, copy=False)
    # One chunk across the columns: a worker needs whole rows.
    return X.rechunk({1: -1}) if len(X.chunks[1]) > 1 else X


def _as_rows_of(X, values, name, x_name="X", multilabel=False):
    """``values`` (dask, NumPy or None) as a 1-D dask array chunked like X's rows.

    With ``multilabel``, a 2-D ``values`` (an indicator matrix) is taken too,
    its columns in one chunk.
    """
    (da,) = require(["dask.array"])
    if values is None:
        return None
    if not is_dask_collection(values):
        values = np.asarray(values)
        if values.ndim == 0:  # one weight for every row
            return da.full(X.shape[0], float(values), chunks=(X.chunks[0],))
        if values.ndim in (1, 2) and len(values) == X.shape[0]:
            values = da.from_array(values, chunks=(X.chunks[0], *([-1] * (values.ndim - 1))))
    if not hasattr(values, "ndim"):
        raise TypeError(f"{name} must be a dask or NumPy array; got {type(values).__name__}")
    if multilabel and values.ndim == 2 and values.shape[0] == X.shape[0]:
        return values.rechunk((X.chunks[0], -1))
    if values.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one value per row of {x_name}); got {values.ndim} dimension(s)"
        )
    if values.shape[0] != X.shape[0]:
        raise ValueError(f"{name} has {values.shape[0]} rows but {x_name} has {X.shape[0]}")
    return values.rechunk((X.chunks[0],)) if values.chunks[0] != X.chunks[0] else values


def _checked_chunk(X, weights, names=("X", "sample_weight")):
    """Per chunk: the largest weight, after the checks the in-memory fit makes."""
    if not np.isfinite(X).all():
        raise ValueError(f"Input {names[0]} contains NaN or infinity")
    if weights is None:
        return 0.0
    return _checked_weights_max(weights, names[1])


def _chunk_stats(X, codes, weights, n_classes, exponent, column_max):
    """Per chunk: class weights, weighted class sums of X, and positive-weight classes."""
    m = X.shape[0]
    if weights is None:
        weights = np.ones(m)
    else:
        weights = np.ldexp(np.asarray(weights, dtype=np.float64), -exponent)
    class_weight = np.bincount(codes, weights=weights, minlength=n_classes)
    positive = np.bincount(codes[weights > 0], minlength=n_classes) > 0
    membership = sparse.csr_array((weights, (codes, np.arange(m))), shape=(n_classes, m))
    with np.errstate(over="ignore", invalid="ignore"):
        sums = membership @ (X if column_max is None else X / column_max)
    return class_weight, np.asarray(sums, dtype=np.float64), positive, float(weights.sum())


def _encode(y, classes):
    # Every label was checked to be among the sorted classes (they are the
    # labels of y, and y_val's are checked against them): searchsorted is exact,
    # and far faster on large chunks than _targets.encode's lookups.
    return np.searchsorted(classes, y).astype(np.intp)


# -- the distributed objective ------------------------------------------------------------

_local = threading.local()


def _worker_loss(config):
    """This worker thread's loss for ``config``: buffers reused across evaluations."""
    losses = getattr(_local, "losses", None)
    if losses is None:
        losses = _local.losses = {}
    loss = losses.get(config)
    if loss is None:
        if len(losses) >= _MAX_CACHED_LOSSES:
            for old in losses.values():
                old.close()
            losses.clear()
        # The worker's threads and BLAS limit decide (distributed starts its
        # workers with one BLAS thread, so one engine thread per task).
        loss = losses[config] = NetworkLoss(
            *config[:4], huber_delta=config[4], n_threads=thread_budget()
        )
    return loss


def _part(X, Y, weights, dtype, row_scale, exponent, total_weight):
    """A chunk as the engine takes it, kept on its worker for the whole fit."""
    X = np.asarray(X).astype(dtype, copy=False)
    Y = np.asarray(Y)
    Y = np.asfortranarray(Y, dtype=bool if Y.dtype == bool else dtype)
    y_total = Y.sum(axis=1, dtype=dtype)
    y_total = None if np.all(y_total == 1) else y_total
    if weights is not None:  # as scales() computes them, with the total of all chunks
        row_scale = (
            np.ldexp(np.asarray(weights, dtype=np.float64), -exponent) / total_weight
        ).astype(dtype)
    return X, Y, row_scale, y_total


def _part_loss_gradient(part, theta, config, need_grad, rows=None, share=1.0):
    """The unnormalised data term of a chunk (or of some of its rows), and its gradient."""
    X, Y, row_scale, y_total = part
    loss = _worker_loss(config)
    if rows is not None:
        X, Y = X[rows], Y[rows]
        y_total = None if y_total is None else y_total[rows]
        row_scale = (
            row_scale[rows] * share if isinstance(row_scale, np.ndarray) else row_scale * share
        )
    if loss.n_threads > 1:
        with one_blas_thread():
            J, grad = loss.loss_gradient(
                theta,
                X,
                Y,
                row_scale,
                0.0,
                y_total=y_total,
                need_grad=need_grad,
                fixed_input=rows is None,
            )
    else:
        J, grad = loss.loss_gradient(
            theta,
            X,
            Y,
            row_scale,
            0.0,
            y_total=y_total,
            need_grad=need_grad,
            fixed_input=rows is None,
        )
    # A copy: the loss reuses its buffer, and a client in this process would see it.
    return J, (None if grad is None else grad.copy())


def _part_counts(part, theta, theta0, config, step, offset, multilabel):
    """A chunk's counts for the learned-nothing check: its rows among every ``step``-th.

    ``offset`` is the chunk's first row in the whole data.
    """
    X, Y = part[0], part[1]
    rows = slice((-offset) % step, None, step)
    return _targets.RowCounts.of(_worker_loss(config), theta, theta0, X[rows], Y[rows], multilabel)


class DaskObjective:
    """The cost ``J`` over row chunks that stay on the workers of a dask cluster.

    The same protocol as the in-memory objective that the solvers minimise:
    ``objective(x)`` is ``(J, gradient)`` over all rows, ``objective.cost(x)``
    is ``J`` alone, and ``objective.batch(x, rows)`` the unbiased estimate from
    the rows ``rows`` (a slice or an index array) with the penalty of all rows.
    Each call scatters ``x`` to the workers, runs one task per chunk (touched),
    adds the chunks' sums in chunk order and the penalty once. The gradient
    returned is a buffer, overwritten by the next call. Build it with
    :func:`make_objective`; :meth:`close` releases the chunks.

    Parameters
    ----------
    loss : NetworkLoss
        The engine's loss of the network (layer sizes, activations, dtype), which
        the workers rebuild from its configuration.
    parts : list of distributed.Future
        One future per row chunk: the chunk's ``(X, Y, row weights)`` on a worker.
    chunk_rows : sequence of int
        Rows of each chunk, in order.
    reg_scale : float
        The penalty's factor, ``reg_lambda`` divided by the total sample weight.
    client : distributed.Client
        The client that holds ``parts``.

    See Also
    --------
    make_objective : Build one from dask arrays.
    skbackprop.engine.make_objective : The in-memory objective.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from distributed import Client
    >>> from skbackprop.dask import DaskObjective, make_objective
    >>> client = Client(processes=False, n_workers=1, threads_per_worker=1,
    ...                 dashboard_address=None)
    >>> X = da.from_array(np.eye(4)[:, :2], chunks=2)
    >>> Y = da.from_array(np.eye(2)[[0, 1, 0, 1]], chunks=2)
    >>> fun = make_objective(X, Y, [2, 2])
    >>> isinstance(fun, DaskObjective), fun.n_samples, len(fun.parts)
    (True, 4, 2)
    >>> fun.close(); client.close()
    """

    def __init__(self, loss, parts, chunk_rows, reg_scale, client):
        self.loss = loss
        self.parts = list(parts)
        self.chunk_rows = [int(r) for r in chunk_rows]
        self.offsets = np.concatenate([[0], np.cumsum(self.chunk_rows)]).astype(int)
        self.n_samples = int(self.offsets[-1])
        self.layer_sizes = loss.layer_sizes
        self.reg_scale = reg_scale
        self.client = client
        self.n_threads = 1  # on the client; the workers follow their own limits
        self._config = (
            tuple(loss.layer_sizes),
            loss.activation,
            loss.output_activation,
            loss.dtype.str,
            loss.huber_delta,
        )
        self._grad = np.empty(loss.n_params, dtype=loss.dtype)

    def __call__(self, theta_flat):
        return self._evaluate(theta_flat, True, self._all_parts(), 1.0)

    def _all_parts(self):
        return [(k, None) for k in range(len(self.parts))]

    def cost(self, theta_flat):
        """Return the cost ``J`` over all rows, without the gradient.

        Parameters
        ----------
        theta_flat : ndarray of shape (n_params,)
            The weights, as :func:`skbackprop.engine.pack` makes them.

        Returns
        -------
        J : float
            The cost, data term plus penalty.
        """
        J, _ = self._evaluate(theta_flat, False, self._all_parts(), 1.0)
        return J

    def batch(self, theta_flat, rows):
        """Return ``(J, gradient)`` estimated from some rows, with the full penalty.

        Parameters
        ----------
        theta_flat : ndarray of shape (n_params,)
            The weights, as :func:`skbackprop.engine.pack` makes them.
        rows : slice or ndarray of int
            The rows of the mini-batch, numbered over all chunks.

        Returns
        -------
        J : float
            The mini-batch's data term plus the penalty of all rows.
        gradient : ndarray of shape (n_params,)
            Its gradient; a buffer, overwritten by the next call.
        """
        tasks, b = [], 0
        if isinstance(rows, slice):
            start, stop, _ = rows.indices(self.n_samples)
            for k, (lo, hi) in enumerate(zip(self.offsets[:-1], self.offsets[1:], strict=True)):
                a, z = max(start, lo), min(stop, hi)
                if a < z:
                    tasks.append((k, slice(a - lo, z - lo)))
                    b += z - a
        else:
            rows = np.asarray(rows)
            chunk = np.searchsorted(self.offsets, rows, side="right") - 1
            for k in np.unique(chunk):
                local = rows[chunk == k] - self.offsets[k]
                tasks.append((int(k), local))
                b += len(local)
        return self._evaluate(theta_flat, True, tasks, self.n_samples / max(b, 1))

    def _evaluate(self, theta_flat, need_grad, tasks, share):
        loss, client = self.loss, self.client
        with np.errstate(over="ignore"):  # float64 beyond float32's range: J = inf
            theta = np.asarray(theta_flat, dtype=loss.dtype)
        if theta.shape != (loss.n_params,):
            raise ValueError(f"theta_flat must have shape ({loss.n_params},); got {theta.shape}")
        sent = _send(client, theta)
        futures = [
            client.submit(
                _part_loss_gradient,
                self.parts[k],
                sent,
                self._config,
                need_grad,
                rows,
                share,
                pure=False,
            )
            for k, rows in tasks
        ]
        results = client.gather(futures)
        grad = self._grad if need_grad else None
        J = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            if need_grad:
                grad[...] = 0.0
            # In chunk order, whichever worker finished first.
            for part_J, part_grad in results:
                J += part_J
                if need_grad:
                    grad += part_grad
            J += loss.penalty(theta, self.reg_scale, grad)
        J = float(J)
        if not np.isfinite(J) or (need_grad and not np.isfinite(grad).all()):
            J = np.inf
        return J, grad

    def row_counts(self, theta_flat, theta0_flat, step, multilabel):
        """The ``RowCounts`` (of ``skbackprop._targets``) of every ``step``-th row.

        What the estimator's check that the model learned something counts on
        the rows ``X[::step]`` in memory, counted by each chunk on its worker
        (forward passes at ``theta_flat`` and, unless None, ``theta0_flat``);
        only the counts come to the client.

        Parameters
        ----------
        theta_flat : ndarray of shape (n_params,)
            The fitted weights, packed.
        theta0_flat : ndarray of shape (n_params,) or None
            The weights where the fit started, packed; None when the fit
            continued another (a warm start), whose start is not counted.
        step : int
            Every ``step``-th row of the data is counted.
        multilabel : bool
            Whether the outputs are labels of a multilabel ``y``.

        Returns
        -------
        RowCounts
            The chunks' counts, added.
        """
        sent = [
            None if theta is None else _send(self.client, np.asarray(theta, dtype=self.loss.dtype))
            for theta in (theta_flat, theta0_flat)
        ]
        futures = [
            self.client.submit(
                _part_counts, part, *sent, self._config, step, offset, multilabel, pure=False
            )
            for part, offset in zip(self.parts, self.offsets[:-1], strict=True)
        ]
        n_hidden = len(self.layer_sizes) - 2
        counts = _targets.RowCounts(0, [0] * n_hidden, [0] * n_hidden, Counter(), Counter())
        for part_counts in self.client.gather(futures):
            counts += part_counts
        return counts

    def close(self):
        """Release the chunks held on the workers."""
        self.client.cancel(self.parts)
        self.parts = []
        self.loss.close()


def _send(client, theta):
    """``theta`` as the tasks of one evaluation take it."""
    # Small weights travel with each task (one message fewer); large ones go
    # once to every worker rather than once with every task.
    if theta.nbytes > SCATTER_BYTES:
        return client.scatter(theta, broadcast=True, hash=False)
    return theta


def _persist_parts(client, X, Y, weights, dtype, row_scale, exponent, total_weight):
    (dask,) = require(["dask"])
    x_blocks = X.to_delayed().ravel()
    y_blocks = Y.to_delayed().ravel()
    w_blocks = [None] * len(x_blocks) if weights is None else weights.to_delayed().ravel()
    parts = [
        # Keys of their own: close() cancels them, and another fit on the
        # same data must keep its chunks.
        dask.delayed(_part, pure=False)(x, y, w, dtype, row_scale, exponent, total_weight)
        for x, y, w, rows in zip(x_blocks, y_blocks, w_blocks, X.chunks[0], strict=True)
        if rows
    ]
    return client.compute(parts)


def make_objective(
    X,
    Y,
    layer_sizes,
    *,
    reg_lambda=0.0,
    activation="sigmoid",
    output_activation="sigmoid",
    sample_weight=None,
    client=None,
):
    """Build a :class:`DaskObjective`: ``fun(theta_flat) -> (J, gradient_flat)`` on a cluster.

    The distributed twin of :func:`skbackprop.engine.make_objective`, with the same
    ``J``: the chunks of ``X``, ``Y`` and ``sample_weight`` are computed once and
    stay on the workers.

    Parameters
    ----------
    X : dask array of shape (m, s_1)
        Samples, chunked by rows.
    Y : dask array of shape (m, K)
        Targets, chunked like ``X``'s rows (a bool matrix is used as it is).
    layer_sizes : sequence of int
        ``[s_1, ..., s_L]`` with ``s_L == K``.
    reg_lambda : float, default=0.0
        The regularisation strength lambda.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.
    output_activation : {"sigmoid", "softmax"}, default="sigmoid"
        Output units: independent sigmoids or a softmax.
    sample_weight : dask array of shape (m,) or None, default=None
        Weights of the samples, chunked like ``X``'s rows.
    client : distributed.Client or None, default=None
        None: the default client.

    Returns
    -------
    fun : DaskObjective
        ``fun(theta_flat)`` returns ``(J, gradient)``; close it when done.

    See Also
    --------
    skbackprop.engine.make_objective : The in-memory objective.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from distributed import Client
    >>> from skbackprop import engine
    >>> from skbackprop.dask import make_objective
    >>> client = Client(processes=False, n_workers=1, threads_per_worker=1,
    ...                 dashboard_address=None)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2))
    >>> Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    >>> fun = make_objective(da.from_array(X, chunks=30), da.from_array(Y, chunks=30),
    ...                      [2, 3, 2], reg_lambda=0.1)
    >>> theta = engine.pack(engine.init_thetas([2, 3, 2], random_state=0))
    >>> J, grad = fun(theta)
    >>> J_memory, grad_memory = engine.make_objective(X, Y, [2, 3, 2], reg_lambda=0.1)(theta)
    >>> bool(np.isclose(J, J_memory, rtol=1e-12)), bool(np.allclose(grad, grad_memory))
    (True, True)
    >>> fun.close(); client.close()
    """
    (da,) = require(["dask.array"])
    client = _client(client)
    check_names(activation, output_activation)
    layer_sizes = check_layer_sizes(layer_sizes)
    reg_lambda = check_reg_lambda(reg_lambda)
    X = _check_X(X)
    if X.shape[1] != layer_sizes[0]:
        raise ValueError(f"X must have shape (m, {layer_sizes[0]}); got {X.shape}")
    if not isinstance(Y, da.Array) or Y.shape != (X.shape[0], layer_sizes[-1]):
        raise ValueError(
            f"Y must be a dask array of shape ({X.shape[0]}, {layer_sizes[-1]}); "
            f"got {getattr(Y, 'shape', type(Y).__name__)}"
        )
    Y = Y.rechunk((X.chunks[0], -1))
    weights = _as_rows_of(X, sample_weight, "sample_weight")
    exponent, total_weight = _weight_totals(weights, X.shape[0])
    return _objective(
        client,
        X,
        Y,
        layer_sizes,
        (activation, output_activation, {}),
        reg_lambda,
        (weights, exponent, total_weight),
    )


def _weight_totals(weights, m, name="sample_weight"):
    """``(exponent, total)``: the weights' sum is ``2**exponent * total``, as scales() has it."""
    if weights is None:
        return 0, float(m)
    (dask,) = require(["dask"])
    peaks = dask.compute(
        *[dask.delayed(_checked_weights_max)(w, name) for w in weights.to_delayed()]
    )
    peak = max(peaks)
    if not peak > 0:
        raise ValueError(f"{name} must have a positive sum; all weights are 0")
    exponent = weight_exponent(peak)
    totals = dask.compute(*[dask.delayed(_scaled_sum)(w, exponent) for w in weights.to_delayed()])
    return exponent, float(sum(totals))


def _checked_weights_max(weights, name="sample_weight"):
    weights = check_sample_weight(weights, len(weights), name)
    return float(weights.max()) if weights.size else 0.0


def _scaled_sum(weights, exponent):
    return float(np.ldexp(np.asarray(weights, dtype=np.float64), -exponent).sum())


def _objective(client, X, Y, layer_sizes, units, reg_lambda, weighting):
    """The :class:`DaskObjective` of the chunks.

    ``units`` is ``(activation, output units, loss keywords)`` of the network
    loss; ``weighting`` is ``(weights, exponent, total)``, the rows' weights
    (or None) whose sum is ``2**exponent * total``.
    """
    weights, exponent, total_weight = weighting
    dtype = X.dtype
    activation, output_activation, config = units
    loss = NetworkLoss(layer_sizes, activation, output_activation, dtype, **config)
    row_scale = 1.0 / X.shape[0]
    parts = _persist_parts(client, X, Y, weights, dtype, row_scale, exponent, total_weight)
    (distributed,) = require(["distributed"])
    distributed.wait(parts)
    reg_scale = penalty_scale(reg_lambda, total_weight, exponent)
    return DaskObjective(loss, parts, [r for r in X.chunks[0] if r], reg_scale, client)


# -- validation rows on the workers -----------------------------------------------------


def _validation_part(X, codes, weights, dtype, unit_of_class, exponent, total_weight):
    """Validation rows as the estimator scores them, kept on their worker for the fit.

    The weights are those of the in-memory fit's validation hook: scaled by
    ``2**-exponent`` (huge weights would sum to inf), then normalised by
    ``total_weight``, the scaled weights' sum over all chunks. ``unit_of_class``
    is None for a regression, whose ``codes`` are its (standardised) targets.
    """
    X = as_float_array(X, dtype)
    codes = np.asarray(codes)
    if weights is None:
        weights = np.ones(len(codes))
    else:
        weights = np.ldexp(np.asarray(weights, dtype=np.float64), -exponent)
    weights = weights / total_weight
    if unit_of_class is None:
        return X, np.asfortranarray(codes, dtype=dtype), None, weights
    Y = np.asfortranarray(_targets.target_matrix(codes, unit_of_class), dtype=dtype)
    return X, Y, unit_of_class[codes], weights


def _part_validation(part, theta, config):
    """A chunk's share of the validation loss, and of its score.

    The score's share is the weighted sum of right predictions for labels, and
    for real targets the weighted sums ``[sum w r^2, sum w y, sum w y^2]`` per
    output, from which the client computes R^2.
    """
    X, Y, truth, weights = part
    loss = _worker_loss(config)
    Z = loss.logits(theta, X)
    if truth is None:
        with np.errstate(over="ignore", invalid="ignore"):
            Y64 = np.asarray(Y, dtype=np.float64)
            residuals = Z - Y64
            stats = np.stack([weights @ residuals**2, weights @ Y64, weights @ Y64**2])
    else:
        stats = float(weights @ (_targets.predicted_units(Z, False) == truth))
    return float(loss.per_sample_loss(Z, Y) @ weights), stats


def _r2(stats):
    """R^2 averaged over the outputs, from the summed ``[sum w r^2, sum w y, sum w y^2]``.

    The weights sum to one; a constant target scores 1 if fitted exactly and
    0 otherwise, as scikit-learn's ``r2_score``.
    """
    sse, mean, mean_square = stats
    with np.errstate(invalid="ignore", divide="ignore"):
        sst = mean_square - mean**2
        scores = np.where(sst > 0, 1 - sse / sst, np.where(sse == 0, 1.0, 0.0))
    return float(np.mean(scores))


class _DaskValidation:
    """``evaluate(x) -> (loss, score)`` on validation rows that stay on the workers.

    What the estimator's validation hook computes in memory (the data term of
    each row, weighted to sum to one, and the accuracy or R^2), as sums per
    chunk that the client adds in chunk order.
    """

    def __init__(self, client, X, codes, weights, config, targets, dtype):
        (dask, distributed) = require(["dask", "distributed"])
        regression = targets.classes is None
        codes = _as_rows_of(X, codes, "y_val", "X_val", multilabel=regression)
        weights = _as_rows_of(X, weights, "sample_weight_val", "X_val")
        exponent, total_weight = _weight_totals(weights, X.shape[0], "sample_weight_val")
        unit_of_class = None if regression else targets.unit_of_class
        parts = [
            dask.delayed(_validation_part, pure=False)(
                x, c, w, dtype, unit_of_class, exponent, total_weight
            )
            for x, c, w, rows in zip(
                X.to_delayed().ravel(),
                codes.to_delayed().ravel(),
                _blocks_or_none(weights, X),
                X.chunks[0],
                strict=True,
            )
            if rows
        ]
        self.parts = client.compute(parts)
        distributed.wait(self.parts)
        self.client, self.config, self.dtype = client, config, dtype
        self.regression = regression

    def __call__(self, theta_flat):
        with np.errstate(over="ignore"):  # float64 beyond float32's range: inf
            theta = np.asarray(theta_flat, dtype=self.dtype)
        sent = _send(self.client, theta)
        futures = [
            self.client.submit(_part_validation, part, sent, self.config, pure=False)
            for part in self.parts
        ]
        loss = score = 0.0
        for part_loss, part_score in self.client.gather(futures):  # in chunk order
            loss += part_loss
            score = score + part_score
        return loss, (_r2(score) if self.regression else score)

    def close(self):
        """Release the rows held on the workers."""
        self.client.cancel(self.parts)
        self.parts = []


# -- the estimator's entry points ---------------------------------------------------------


class _Rows:
    """The dask arrays of a data-parallel fit, checked and kept on the workers."""

    def __init__(self, X, y, weights, exponent):
        self.X, self.y, self.weights, self.exponent = X, y, weights, exponent


class DaskChunks:
    """The data source of a fit on dask arrays: rows that stay on the workers.

    The estimators' ``fit`` chooses it when ``X`` is a dask array, and asks it
    what it asks of rows in memory (``skbackprop._data``): checks, the
    targets' classes or moments, the moments of the features, the output-unit
    order, the validation rows and the training, each computed where the
    chunks live. The validation rows of early stopping (held out of ``X``, or
    ``X_val`` given as a dask array) stay on the workers, which score them after
    every iteration; an ``X_val`` in memory is scored on the client, as in the
    in-memory fit.
    """

    multilabel = False

    def __init__(self, client=None):
        self.client = _client(client)
        self.rows_val = None

    def check(self, est, head, training, validating):
        """Check the chunks where they live, before any work."""
        X, y, _ = training
        _check_supported(est, head, X, y)
        self.rows, self.rows_val, self.validating = _checked_rows(
            self.client, est, head, training, validating
        )
        est.__dict__.pop("feature_names_in_", None)
        est.n_features_in_ = self.rows.X.shape[1]

    @property
    def X(self):
        return self.rows.X

    @property
    def sample_weight(self):
        return self.rows.weights

    def encode(self, head):
        """``(classes, codes, None, sample_weight)``, the classes found on the workers."""
        if head.task == "regression":
            classes, codes = None, _regression_targets(head, self.rows)
        else:
            classes, codes = _class_targets(self.rows)
            if self.rows_val is not None:
                _check_labels_val(self.rows_val[1], classes)
        self.classes = classes
        return classes, codes, None, self.rows.weights

    def moments(self, values, sample_weight):
        """Weighted means and scales of the columns, in one pass over the chunks."""
        return _standardize.chunked_moments(values, sample_weight, self.rows.exponent)

    def unit_order(self, head, codes, sample_weight, n_outputs):
        rows = self.rows
        if head.task == "regression":
            rows.total_weight = _weight_totals(rows.weights, rows.X.shape[0])[1]
            return np.arange(n_outputs)
        unit_class, rows.total_weight = _unit_order(
            head.name, rows.X, codes, rows.weights, self.classes, rows.exponent
        )
        return unit_class

    def validation(self, est, head, targets, per_class, rng, holds_out):
        """An ``X_val`` in memory, encoded; rows on the workers are kept for :meth:`train`.

        ``holds_out``: early stopping holds out validation rows of ``X``.
        """
        if not hasattr(self.rows, "total_weight"):  # a warm start kept the unit order
            self.rows.total_weight = _weight_totals(self.rows.weights, self.rows.X.shape[0])[1]
        if self.validating is not None:
            # X_val in memory: scored on the client, as in the in-memory fit.
            X_val, y_val, sample_weight_val = self.validating
            codes_val, sample_weight_val = head.validation_codes(
                y_val, sample_weight_val, targets, per_class
            )
            return X_val, codes_val, sample_weight_val
        if self.rows_val is not None:
            X_val, y_val, weights_val = self.rows_val
            self.rows_val = (X_val, _codes_of(y_val, targets), weights_val)
        elif holds_out:
            held = _held_out(self.client, est, self.rows, targets, rng)
            if held is not None:
                self.rows, self.rows_val = held
        return None

    def train(self, est, head, session):
        """Train on an objective over the chunks; release what the workers hold."""
        session.X, session.sample_weight = self.rows.X, self.rows.weights
        return _train_on_workers(self.client, est, head, session, (self.rows, self.rows_val))


def _check_supported(estimator, head, X, y):
    """A clear error for what the data-parallel fit does not take (yet)."""
    if getattr(estimator, "class_weight", None) is not None:
        raise ValueError(
            "class_weight is not supported for dask arrays yet; pass the class weights as "
            "sample_weight (a dask array of each row's weight)"
        )
    if is_dask_collection(X) and hasattr(X, "_meta") and sparse.issparse(X._meta):
        raise TypeError(
            "X: the data-parallel fit does not take dask arrays of sparse chunks yet; "
            "partial_fit (chunk by chunk, sgd or adam) and predict do"
        )
    if getattr(y, "ndim", 1) == 2 and head.task != "regression":
        raise ValueError(
            "y: a multilabel y is not supported by the data-parallel fit yet; partial_fit "
            "(chunk by chunk, sgd or adam) takes it"
        )


def _checked_rows(client, estimator, head, training, validating):
    """``(rows, rows_val, validation)``: the training rows checked on the workers.

    ``rows_val`` are dask validation rows kept on the workers (or None);
    ``validation`` an ``X_val`` in memory, checked as the in-memory fit checks
    it (or None).
    """
    (dask,) = require(["dask"])
    regression = head.task == "regression"
    X, y, weights = training
    X_val, y_val, sample_weight_val = validating
    X = _check_X(X)
    y = _as_rows_of(X, y, "y", multilabel=regression)
    weights = _as_rows_of(X, weights, "sample_weight")
    val_on_workers = X_val is not None and y_val is not None and is_dask_collection(X_val)
    if val_on_workers:
        X_val = _check_X(X_val, name="X_val")
        if X_val.shape[1] != X.shape[1]:
            raise ValueError(f"X_val has {X_val.shape[1]} features but X has {X.shape[1]}")
        y_val = _as_rows_of(X_val, y_val, "y_val", "X_val", multilabel=regression)
        weights_val = _as_rows_of(X_val, sample_weight_val, "sample_weight_val", "X_val")
    elif X_val is None or y_val is None:
        # No validation set, or an error that names what is missing.
        check_validation_set(estimator, X_val, y_val, sample_weight_val, head, (False, None))
    # Computed once, kept on the workers for the checks, the statistics and the
    # training (the fit's own copies are the chunks of its objective).
    X, y = client.persist(X), client.persist(y)
    weights = None if weights is None else client.persist(weights)
    # The checks of the in-memory fit, on every chunk where it lives.
    checked = [
        dask.delayed(_checked_chunk)(x, w)
        for x, w in zip(X.to_delayed().ravel(), _blocks_or_none(weights, X), strict=True)
    ]
    rows_val = validation = None
    if val_on_workers:
        X_val, y_val = client.persist(X_val), client.persist(y_val)
        weights_val = None if weights_val is None else client.persist(weights_val)
        checked += [
            dask.delayed(_checked_chunk)(x, w, ("X_val", "sample_weight_val"))
            for x, w in zip(
                X_val.to_delayed().ravel(), _blocks_or_none(weights_val, X_val), strict=True
            )
        ]
        rows_val = (X_val, y_val, weights_val)
    elif X_val is not None:
        X_val, y_val, sample_weight_val = (
            np.asarray(v) if is_dask_collection(v) else v for v in (X_val, y_val, sample_weight_val)
        )
        validation = check_validation_set(
            estimator,
            X_val,
            y_val,
            sample_weight_val,
            head,
            (False, (None, _width(y))),
            dtype=X.dtype,
        )
    peaks = dask.compute(*checked)
    exponent = 0
    if weights is not None:
        peak = max(peaks[: X.numblocks[0]])
        if not peak > 0:
            raise ValueError("sample_weight must not be all zero: the total weight is zero")
        exponent = weight_exponent(peak)
    if val_on_workers and weights_val is not None and not max(peaks[X.numblocks[0] :]) > 0:
        raise ValueError("sample_weight_val must not be all zero: the total weight is zero")
    return _Rows(X, y, weights, exponent), rows_val, validation


def _width(y):
    return 1 if y.ndim == 1 else y.shape[1]


def _class_targets(rows):
    """``(classes, codes)``: the labels found on the workers, and each row's class index."""
    (da, dask) = require(["dask.array", "dask"])
    classes = np.unique(dask.compute(da.unique(rows.y))[0])
    check_classification_targets(classes)
    return classes, rows.y.map_blocks(_encode, classes, dtype=np.intp)


def _regression_targets(head, rows):
    """The real targets as a float64 matrix of one column per output, checked on the workers."""
    (dask,) = require(["dask"])
    y = rows.y if rows.y.ndim == 2 else rows.y[:, None]
    y = y.astype(np.float64)
    finite = dask.compute(*[dask.delayed(_finite_targets)(b) for b in y.to_delayed().ravel()])
    if not all(finite):
        raise ValueError("y must be finite: it holds NaN or infinity")
    head.flat = rows.y.ndim == 1  # predictions are then vectors too
    return y


def _check_labels_val(y_val, classes):
    """A ValueError for validation labels that are not labels, or not among ``classes``."""
    (da, dask) = require(["dask.array", "dask"])
    (labels_val,) = dask.compute(da.unique(y_val))
    try:
        check_classification_targets(labels_val)
    except ValueError as error:
        raise ValueError(f"y_val: {error}") from None
    _targets.encode(labels_val, classes, "y_val")  # an error for a label not in y


def _finite_targets(y):
    return bool(np.isfinite(y).all())


def _codes_of(y_val, targets):
    """Validation targets (a dask array) as the fit trains on them."""
    if targets.classes is None:
        y_val = (y_val if y_val.ndim == 2 else y_val[:, None]).astype(np.float64)
        return y_val if targets.mean is None else (y_val - targets.mean) / targets.scale
    return y_val.map_blocks(_encode, targets.classes, dtype=np.intp)


def _held_out(client, estimator, rows, targets, rng):
    """Hold out early stopping's validation rows, selected and kept on the workers.

    The labels (and weights) come to the client to draw the same stratified
    split as in memory, with the same checks: ``held_out_split`` takes the rows of what
    it is given, and given the row numbers it returns those it chose. A
    regression's targets need no stratifying and stay where they are.
    """
    (dask,) = require(["dask"])
    X, codes, weights = rows.X, targets.codes, rows.weights
    if targets.classes is None:
        strata, weights_memory = np.zeros((X.shape[0], 1)), dask.compute(weights)[0]
    else:
        strata, weights_memory = dask.compute(codes, weights)
    split = held_out_split(
        estimator, np.arange(X.shape[0]), strata, weights_memory, rng, classes=targets.classes
    )
    del strata, weights_memory
    if split is None:  # early_stopping="auto" where the rows cannot be split
        return None
    train, _, _, (val, _, _) = split
    # Persisted, neither needs X any longer, and the workers release it.
    rows_val = _persist(client, [None if a is None else a[val] for a in (X, codes, weights)])
    X, codes, weights = _persist(
        client, [None if a is None else a[train] for a in (X, codes, weights)]
    )
    # dask may chunk the selections differently
    codes = _as_rows_of(X, codes, "y", multilabel=True)
    weights = _as_rows_of(X, weights, "sample_weight")
    targets.codes = codes
    exponent, total_weight = _weight_totals(weights, X.shape[0])
    held = _Rows(X, None, weights, exponent)
    held.total_weight = total_weight
    return held, rows_val


def _train_on_workers(client, estimator, head, session, data):
    """Build the objective over the chunks, train, and release what the workers hold."""
    rows, rows_val = data
    targets = session.targets
    X = rows.X
    layer_sizes = layer_sizes_of(session.thetas)
    if targets.classes is None:
        Y = targets.codes.rechunk((X.chunks[0], -1))
    else:
        Y = targets.codes.map_blocks(
            _targets.target_matrix,
            targets.unit_of_class,
            dtype=bool,
            new_axis=1,
            chunks=(X.chunks[0], (targets.n_outputs,)),
        )
    objective = _objective(
        client,
        X,
        Y,
        layer_sizes,
        (hidden_units(estimator.activation), head.output_units(False), head.loss_config),
        estimator.reg_lambda,
        (rows.weights, rows.exponent, rows.total_weight),
    )
    session.objective = objective
    scores = None
    try:
        if rows_val is not None:
            scores = _DaskValidation(client, *rows_val, objective._config, targets, X.dtype)
            session.validation_hook = _training.validation_stopping(estimator, scores, layer_sizes)
        _training.train(estimator, head, session)
    finally:
        objective.close()
        if scores is not None:
            scores.close()
    return estimator


def _persist(client, arrays):
    """``arrays`` (dask arrays or None) computed and kept on the workers."""
    kept = client.persist([a for a in arrays if a is not None])
    return [None if a is None else kept.pop(0) for a in arrays]


def _blocks_or_none(values, X):
    """The delayed blocks of ``values``, chunked like ``X``'s rows, or one None per block."""
    return [None] * X.numblocks[0] if values is None else values.to_delayed().ravel()


def _unit_order(name, X, codes, weights, classes, exponent):
    """The estimator's output-unit order, from per-class sums computed on the workers.

    Each class's weighted centroid, weighted by the class's total weight, is a
    data set of one row per class with the class weights and centroids of all
    the rows: the estimator's own rule orders its classes as it would order the
    whole data (up to the rounding of the sums, which it rounds away).
    """
    (dask,) = require(["dask"])
    n_classes = len(classes)

    def stats(column_max):
        tasks = [
            dask.delayed(_chunk_stats)(x, c, w, n_classes, exponent, column_max)
            for x, c, w in zip(
                X.to_delayed().ravel(),
                codes.to_delayed(),
                [None] * X.numblocks[0] if weights is None else weights.to_delayed(),
                strict=True,
            )
        ]
        class_weight = np.zeros(n_classes)
        sums = np.zeros((n_classes, X.shape[1]))
        positive = np.zeros(n_classes, dtype=bool)
        total = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for cw, s, p, t in dask.compute(*tasks):
                class_weight += cw
                sums += s
                positive |= p
                total += t
        return class_weight, sums, positive, total

    class_weight, sums, positive, total_weight = stats(None)
    _targets.check_two_classes(
        classes, np.flatnonzero(positive), None if weights is None else "sample", name
    )
    if not np.isfinite(sums).all():
        # |x| near the float limit: the columns scaled to [-1, 1] keep the order.
        column_max = np.asarray(abs(X).max(axis=0).compute(), dtype=np.float64)
        column_max[column_max == 0] = 1.0
        class_weight, sums, positive, total_weight = stats(column_max)
    present = class_weight > 0
    centroids = np.zeros_like(sums)
    centroids[present] = sums[present] / class_weight[present, None]
    unit_class = _targets.output_unit_order(
        centroids, np.arange(n_classes), class_weight, n_classes
    )
    return unit_class, total_weight


def partial_fit(estimator, X, y, classes=None, sample_weight=None):
    """One ``partial_fit`` per row chunk of ``X``, one chunk at a time on the client.

    ``estimator`` is a shadow copy; each chunk's ``partial_fit`` publishes into
    it, and the caller publishes it once all chunks went through.
    """
    client = _client()
    X = _check_X(X, getattr(estimator, "n_features_in_", None))
    y = _as_rows_of(X, y, "y", multilabel=True)
    weights = _as_rows_of(X, sample_weight, "sample_weight")
    blocks = [
        [X.blocks[k], y.blocks[k]] + ([] if weights is None else [weights.blocks[k]])
        for k in range(X.numblocks[0])
        if X.chunks[0][k]
    ]
    # The next chunk is computed while the client trains on this one.
    upcoming = client.compute(blocks[0]) if blocks else None
    for k in range(len(blocks)):
        X_k, y_k, *w_k = client.gather(upcoming)
        upcoming = client.compute(blocks[k + 1]) if k + 1 < len(blocks) else None
        # A regressor's partial_fit has no classes.
        chosen = {} if classes is None else {"classes": classes}
        estimator.partial_fit(X_k, y_k, sample_weight=w_k[0] if w_k else None, **chosen)
    return estimator


def _predict_block(X, estimator, method):
    return getattr(estimator, method)(X)


def predict(estimator, method, X):
    """``estimator.<method>(X)`` for a dask array ``X``: a dask array, block by block."""
    check_is_fitted(estimator)
    X = _check_X(X, estimator.n_features_in_)
    if not hasattr(estimator, "classes_"):  # a regressor's outputs
        flat = estimator._flat_output
        return X.map_blocks(
            _predict_block,
            estimator,
            method,
            dtype=estimator.thetas_[0].dtype,
            **({"drop_axis": 1} if flat else {"chunks": (X.chunks[0], (estimator.n_outputs_,))}),
        )
    if method == "predict" and getattr(estimator, "_multilabel", False):
        return X.map_blocks(  # indicator rows, in y's dtype
            _predict_block,
            estimator,
            method,
            dtype=estimator._indicator_dtype,
            chunks=(X.chunks[0], (len(estimator.classes_),)),
        )
    if method == "predict":
        return X.map_blocks(
            _predict_block, estimator, method, dtype=estimator.classes_.dtype, drop_axis=1
        )
    return X.map_blocks(
        _predict_block,
        estimator,
        method,
        dtype=estimator.thetas_[0].dtype,
        chunks=(X.chunks[0], (len(estimator.classes_),)),
    )
