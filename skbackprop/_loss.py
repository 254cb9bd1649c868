"""The network loss: configuration and work buffers, never data.

Like scikit-learn's ``LinearModelLoss``, a :class:`NetworkLoss` holds only what
defines the cost (layer sizes, activations, dtype) and the buffers it reuses;
every evaluation brings its own rows. The full training set, a mini-batch, a
validation set and a partition of the data are therefore the same loss called
with other arguments. The caller chooses how rows are weighted (``row_scale``)
and how strongly the weights are penalised (``reg_scale``)::

    J = sum_i row_scale_i * loss_i + reg_scale / 2 * sum_l sum_{j, i>=1} Theta^(l)_ji ** 2

so ``row_scale = w / sum(w)`` and ``reg_scale = lambda / sum(w)`` give the cost
``J`` of the seed on all rows, and a mini-batch of ``b`` rows scaled by
``m / b`` gives an unbiased estimate of that same ``J`` and of its gradient.
:func:`scales` computes both, once, from the sample weights.
"""

import functools
import math
import os
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np
from scipy import sparse
from scipy.linalg import blas

from ._activations import HIDDEN_ACTIVATIONS, OUTPUT_UNITS, SATURATED, subtract_targets
from ._blocks import Buffers, block_rows, n_parts, part_ranges
from ._params import check_layer_sizes, layout, views
from ._validation import (
    all_finite,
    check_names,
    check_reg_lambda,
    check_sample_weight,
    scale_weights,
)


def scales(sample_weight, m, reg_lambda, dtype):
    """``(row_scale, reg_scale)`` of the cost ``J`` over ``m`` rows.

    ``row_scale`` is the scalar ``1/m`` without weights, else the vector
    ``w / sum(w)``; ``reg_scale`` is ``lambda / sum(w)`` (``lambda / m``). The
    weights are scaled by a power of two first, exactly, so that their sum
    cannot overflow; a penalty beyond the float range is ``inf`` (and so is J).
    """
    reg_lambda = check_reg_lambda(reg_lambda)
    if sample_weight is None:
        exponent, total_weight = 0, float(m)
        row_scale = 1.0 / m if m else 0.0
    else:
        weights = check_sample_weight(sample_weight, m)
        if m and not weights.max() > 0:
            raise ValueError("sample_weight must have a positive sum; all weights are 0")
        # sum(w) = 2**exponent * total_weight, and the sum cannot overflow.
        weights, exponent = scale_weights(weights)
        total_weight = float(weights.sum())
        row_scale = (weights / total_weight).astype(dtype)  # no rows: an empty vector
    return row_scale, penalty_scale(reg_lambda, total_weight, exponent)


def penalty_scale(reg_lambda, total_weight, exponent=0):
    """``lambda / sum(w)`` for weights whose sum is ``2**exponent * total_weight``.

    A penalty beyond the float range is ``inf`` (and so is J). A data partition
    (skbackprop.dask) adds the partial sums and calls this once.
    """
    if reg_lambda and not total_weight > 0:
        raise ValueError("reg_lambda > 0 needs samples: the penalty is lambda / (2 m) with m = 0")
    with np.errstate(over="ignore"):  # lambda / sum(w) beyond the float range: J = inf
        return float(np.ldexp(reg_lambda / total_weight, -exponent)) if reg_lambda else 0.0


def _input_rows(X, rows, buf, fixed_input):
    """The rows of a sparse ``X``, kept in ``buf.sparse_rows`` for the backward pass.

    When the caller promises that ``X`` does not change, a block sliced by an
    earlier evaluation is used again.
    """
    cached = buf.sparse_rows
    if fixed_input and cached is not None and cached[0] is X and cached[1] == rows:
        return cached[2]
    block = X if rows.start == 0 and rows.stop == X.shape[0] else X[rows]
    if buf.standardization is not None:  # the block's values divided by their scale
        block = block.tocsr()
        scale = buf.standardization[0]
        block = sparse.csr_matrix(
            (block.data / scale[block.indices], block.indices, block.indptr), shape=block.shape
        )
    buf.sparse_rows = (X, rows, block)
    return block


def _forward_block(thetas, X, rows, buf, g, fixed_input):
    """Forward pass for ``X[rows]``: fills and returns ``buf.rows(...)``, ``A`` to ``Z``."""
    v = buf.rows(rows.stop - rows.start)
    z = [*v.units, v.Z]  # the pre-activations of each layer, then its activations
    if buf.sparse_input:
        # z^(2) = X Theta^(1)[:, 1:].T + bias: a sparse product, no dense copy of X.
        z[0][...] = _input_rows(X, rows, buf, fixed_input) @ thetas[0][:, 1:].T
        z[0] += thetas[0][:, 0]
        if buf.standardization is not None:
            z[0] -= thetas[0][:, 1:] @ buf.standardization[1]
    else:
        key = (rows.start, rows.stop)
        if not (
            fixed_input
            and buf.input_rows is not None
            and buf.input_rows[0] is X
            and buf.input_rows[1] == key
        ):
            v.A[0][:, 1:] = X[rows]
            buf.input_rows = (X, key) if fixed_input else None
        np.matmul(v.A[0], thetas[0].T, out=z[0])
    for l in range(1, len(thetas)):
        g(z[l - 1])
        np.matmul(v.A[l], thetas[l].T, out=z[l])
    return v


def _sparse_weight_gradient(rows, delta, out, centre=None):
    """``out = (rows.T @ delta).T`` for sparse ``rows``; ``out`` is overwritten.

    Where ``out.T`` is contiguous (``Theta^(1)`` held column-major), only the
    input features present in ``rows`` get a gradient from them: they are
    multiplied as a compact matrix of those columns alone and written as
    contiguous rows of ``out.T``, in place of a product as wide as all the
    features and a transposed copy of it. With a ``centre`` (standardised
    rows, see :class:`NetworkLoss`), ``(sum delta) centre^T`` is subtracted:
    what the other features get.
    """
    if not out.T.flags.c_contiguous:
        out[...] = (rows.T @ delta).T
        if centre is not None:
            out -= np.outer(delta.sum(axis=0), centre)
        return
    rows = rows.tocsr()
    present, compact = np.unique(rows.indices, return_inverse=True)
    narrow = sparse.csr_matrix(
        (rows.data, compact.reshape(-1), rows.indptr), shape=(rows.shape[0], len(present))
    )
    out_t = out.T
    if centre is None:
        out_t.fill(0.0)
        out_t[present] = narrow.T @ delta
    else:
        np.multiply.outer(centre, -delta.sum(axis=0), out=out_t)
        out_t[present] += narrow.T @ delta


def _data_term(thetas, X, Y, y_total, row_scale, start, stop, block, buf, grads, fns, fixed_input):
    """``sum_i row_scale_i loss_i`` over rows ``start:stop``; its gradient into ``grads``.

    ``grads`` is None for the cost alone; otherwise it is overwritten (zero
    when there are no rows). ``fns`` is ``(g, g', output loss)``. Rows go
    through ``buf`` ``block`` at a time, which fixes the order of summation.
    Twelve parameters: the inner loop of every evaluation, run by each worker
    thread on its part, takes the data, its part and the worker's buffers as
    plain arguments rather than through an object's attributes.
    """
    g, g_prime, loss_fn = fns
    scalar_scale = not isinstance(row_scale, np.ndarray)
    total = 0.0
    first = True
    for i in range(start, stop, block):
        j = min(i + block, stop)
        v = _forward_block(thetas, X, slice(i, j), buf, g, fixed_input)
        losses = loss_fn(v.Z, Y[i:j], v.H, v.out_scratch, None if y_total is None else y_total[i:j])
        scale = row_scale if scalar_scale else row_scale[i:j, None]
        if scalar_scale:  # the ufunc's own sum: ndarray.sum's wrapper costs more on a mini-batch
            total += float(np.add.reduce(losses)) * row_scale
        else:
            total += float(losses @ row_scale[i:j])
        if grads is None:
            continue
        # Output error delta^(L) = h - y, weighted.
        delta = subtract_targets(v.H, Y[i:j])
        delta *= scale
        for l in range(len(thetas) - 1, -1, -1):
            product = grads[l] if first else buf.products[l]
            if l == 0 and buf.sparse_input:
                product[:, 0] = delta.sum(axis=0)
                # The rows the forward pass of this block just sliced out.
                centre = None if buf.standardization is None else buf.standardization[1]
                _sparse_weight_gradient(buf.sparse_rows[2], delta, product[:, 1:], centre)
            else:
                np.matmul(delta.T, v.A[l], out=product)
            if not first:
                grads[l] += product
            if l > 0:
                below = v.deltas[l - 1]
                np.matmul(delta, thetas[l][:, 1:], out=below)
                delta = g_prime(v.units[l - 1], below, v.scratch[l - 1])
        first = False
    if grads is not None and first:  # no rows: the data term contributes nothing
        for grad in grads:
            grad[...] = 0.0
    return total


# The penalty reads the weights in chunks of this many (256 KiB in float64).
PENALTY_CHUNK = 32768


def _axpy(y):
    """BLAS ``axpy`` (``y += a x`` in place) for the dtype of ``y``."""
    return blas.saxpy if y.dtype == np.float32 else blas.daxpy


class NetworkLoss:
    """The cost ``J`` of one network architecture, on the rows each call brings.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[s_1, ..., s_L]``.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
    output_activation : {"sigmoid", "softmax", "identity", "huber"}, default="sigmoid"
        Output units and their cost: independent sigmoids with the cross-entropy,
        a softmax with the categorical cross-entropy, identity units with half the
        squared error, or identity units with Huber's cost.
    dtype : {np.float64, np.float32}, default=np.float64
        Weights and data are computed in this dtype.
    n_threads : int, default=1
        Threads that may share the parts of one evaluation.
    parts : int or None, default=None
        Row parts of one evaluation; None: a function of the number of rows and
        weights alone (see :mod:`skbackprop._blocks`), so that results do not
        depend on ``n_threads``.
    block_rows : int or None, default=None
        Rows per block; None: as many as keep a block in the L2 cache (tests
        use small blocks to cover several).
    huber_delta : float, default=1.0
        Where Huber's cost turns from quadratic to linear (``"huber"`` only).
        (Ten parameters: the loss's configuration, keywords after the units.)
    first_layer_order : {"C", "F"}, default="C"
        How the flat vectors this loss reads and writes hold ``Theta^(1)``:
        row-major (the public layout of :mod:`skbackprop._params`) or
        column-major, where the weights of one input feature are contiguous,
        as the products with sparse rows want them (see :class:`SparseSteps`).
    standardization : (mean, scale) or None, default=None
        Sparse rows are read as ``(x - mean) / scale`` (standardize=True),
        never changed: their values are divided by ``scale`` (a batch's few)
        and the centre ``mean / scale`` enters through the bias, ``z = (x /
        s) V_x^T + (v_0 - V_x (mu / s))``, and the gradient, ``dJ/dV_x =
        delta^T (x / s) - (sum delta) (mu / s)^T``: no folded copy of
        ``Theta^(1)``. Dense rows ignore it.
    """

    def __init__(
        self,
        layer_sizes,
        activation="sigmoid",
        output_activation="sigmoid",
        dtype=np.float64,
        *,
        n_threads=1,
        parts=None,
        block_rows=None,
        huber_delta=1.0,
        first_layer_order="C",
        standardization=None,
    ):
        check_names(activation, output_activation)
        self.layer_sizes = check_layer_sizes(layer_sizes)
        self.activation = activation
        self.output_activation = output_activation
        self.dtype = np.dtype(dtype)
        self.n_threads = max(1, int(n_threads))
        self.parts = parts
        self.block_rows = block_rows
        self.first_layer_order = first_layer_order
        self.standardization = None
        if standardization is not None:
            mean, scale = (np.asarray(a, dtype=np.float64) for a in standardization)
            # (scale, centre) in the loss's dtype, as the sparse branches read them.
            self.standardization = (scale.astype(self.dtype), (mean / scale).astype(self.dtype))
        self._layout = layout(self.layer_sizes)
        self.n_params = self._layout[-1][1]
        # Where the biases are in the flat vectors: the penalty spares them.
        places = views(np.arange(self.n_params), self._layout, first_layer_order)
        self._biases = np.concatenate([theta[:, 0] for theta in places])
        self.huber_delta = float(huber_delta)
        output_loss = OUTPUT_UNITS[output_activation]
        if output_activation == "huber":
            output_loss = functools.partial(output_loss, delta=self.huber_delta)
        self._fns = (*HIDDEN_ACTIVATIONS[activation], output_loss)
        self._buffers = {}  # worker -> Buffers
        self._grad_flats = []  # one gradient vector per part
        self._grad_views = []
        self._theta_views = []  # (flat, views) of the last four vectors (weights, gradients)
        self._pool = None
        self._pool_pid = None
        self._plans = {}  # rows -> plan: mini-batches ask for the same few sizes

    # -- pieces -----------------------------------------------------------------

    def penalty(self, theta_flat, reg_scale, grad=None):
        """``reg_scale / 2 * sum Theta[:, 1:] ** 2``; adds ``reg_scale * Theta[:, 1:]`` to grad.

        The gradient term is a BLAS ``axpy`` over the whole vector, the bias
        entries of ``grad`` put back afterwards (exactly: they are copied, not
        subtracted). The value is the squared norm of all the weights less
        that of the biases, unless the biases hold most of it, where that
        difference would lose digits: then it is summed over the weights alone.
        Both run chunk by chunk, so that each chunk of weights is read once.
        """
        if not reg_scale:
            return 0.0
        theta_flat = np.ascontiguousarray(theta_flat)
        if grad is not None:
            grad_biases = grad[self._biases]
            axpy = _axpy(grad)
        total = 0.0
        for start in range(0, theta_flat.size, PENALTY_CHUNK):
            chunk = theta_flat[start : start + PENALTY_CHUNK]
            total += float(np.dot(chunk, chunk))
            if grad is not None:
                axpy(chunk, grad[start : start + PENALTY_CHUNK], a=reg_scale)
        if grad is not None:
            grad[self._biases] = grad_biases
        biases = theta_flat[self._biases]
        bias_squares = float(np.dot(biases, biases))
        if math.isfinite(total) and bias_squares <= 0.5 * total:
            squares = total - bias_squares
        else:
            thetas = self._thetas(theta_flat)
            squares = sum(float(np.vdot(theta[:, 1:], theta[:, 1:])) for theta in thetas)
        return 0.5 * reg_scale * squares

    def _thetas(self, theta_flat):
        # Solvers pass the same one or two vectors again and again: keep their
        # views. The vector itself is kept, so its id cannot be reused.
        for flat, thetas in self._theta_views:
            if flat is theta_flat:
                return thetas
        thetas = views(theta_flat, self._layout, self.first_layer_order)
        self._theta_views = [(theta_flat, thetas), *self._theta_views[:3]]
        return thetas

    def _worker_buffers(self, worker, block, sparse_input=False):
        key = (worker, sparse_input)
        buf = self._buffers.get(key)
        if buf is None or buf.n_rows < block:
            buf = self._buffers[key] = Buffers(
                self.layer_sizes,
                block,
                self.dtype,
                hidden_scratch=self.activation not in ("relu", "identity"),
                sparse_input=sparse_input,
            )
            buf.standardization = self.standardization if sparse_input else None
        return buf

    def _part_grads(self, count):
        while len(self._grad_flats) < count:
            flat = np.empty(self.n_params, dtype=self.dtype)
            # One statement: a KeyboardInterrupt cannot leave one list longer.
            self._grad_flats, self._grad_views = (
                [*self._grad_flats, flat],
                [*self._grad_views, views(flat, self._layout, self.first_layer_order)],
            )
        return self._grad_flats[:count]

    def _executor(self):
        # Threads live as long as the loss (or until close): starting them anew
        # would cost more than an evaluation of a mid-sized problem. A forked
        # child needs its own.
        if self._pool_pid != os.getpid():
            self._pool = ThreadPoolExecutor(self.n_threads - 1, thread_name_prefix="skbackprop")
            self._pool_pid = os.getpid()
        return self._pool

    def close(self):
        """End the worker threads now rather than when the loss is collected."""
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.shutdown(wait=True)
        self._pool = self._pool_pid = None

    def _block(self, m, sparse_input=False):
        if self.block_rows is None:
            return block_rows(self.layer_sizes, max(m, 1), sparse_input=sparse_input)
        return max(1, min(int(self.block_rows), m))

    def plan(self, m, sparse_input=False):
        """``(block, ranges, n_threads)`` for an evaluation on ``m`` rows."""
        plan = self._plans.get((m, sparse_input))
        if plan is None:
            plan = self._plans[m, sparse_input] = self._new_plan(m, sparse_input)
        return plan

    def _new_plan(self, m, sparse_input):
        block = self._block(m, sparse_input)
        n_blocks = max(1, -(-m // block))
        parts = n_parts(m, self.n_params, block) if self.parts is None else self.parts
        parts = max(1, min(int(parts), n_blocks))
        ranges = part_ranges(m, block, parts)
        return block, ranges, min(self.n_threads, len(ranges))

    # -- evaluations ------------------------------------------------------------

    def loss_gradient(
        self,
        theta_flat,
        X,
        Y,
        row_scale,
        reg_scale=0.0,
        *,
        y_total=None,
        need_grad=True,
        fixed_input=False,
    ):
        """``J`` and its gradient on the rows of ``X``, ``Y``.

        Parameters
        ----------
        theta_flat : ndarray of shape (n_params,)
        X : ndarray of shape (m, s_1), of this loss's dtype
        Y : ndarray of shape (m, K), of this loss's dtype (column-major is fastest)
        row_scale : float or ndarray of shape (m,)
            Factor of each row's loss (see :func:`scales`).
        reg_scale : float, default=0.0
            Factor of the penalty.
        y_total : ndarray of shape (m,) or None
            Row sums of ``Y`` where they are not all one (soft targets).
        need_grad : bool, default=True
        fixed_input : bool, default=False
            The caller promises that ``X`` is not changed between calls, so rows
            already copied into a buffer need not be copied again.

        Returns
        -------
        J : float
            ``inf`` where the weights are so large that a value overflows.
        grad : ndarray of shape (n_params,) or None
            A buffer of this loss, overwritten by the next call.
        """
        # A float64 weight beyond float32's range becomes inf, and J = inf below.
        # Weights far out along a line search can overflow a product: that is
        # reported as J = inf, which solvers treat as "worse", not as a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            theta_flat = np.asarray(theta_flat, dtype=self.dtype)
            if theta_flat.shape != (self.n_params,):
                raise ValueError(
                    f"theta_flat must have shape ({self.n_params},); got {theta_flat.shape}"
                )
            m = X.shape[0]
            sparse_input = sparse.issparse(X)
            block, ranges, n_threads = self.plan(m, sparse_input)
            grad_flats = self._part_grads(len(ranges)) if need_grad else []
            for flat in grad_flats:
                if np.may_share_memory(theta_flat, flat):
                    # Weights read while the gradient is written: e.g. a returned
                    # gradient passed back in.
                    theta_flat = theta_flat.copy()
                    break
            thetas = self._thetas(theta_flat)
            args = (X, Y, y_total, row_scale)
            if len(ranges) == 1:  # a mini-batch, a small data set: no threads, one part
                J = _data_term(
                    thetas,
                    *args,
                    *ranges[0],
                    block,
                    self._worker_buffers(0, block, sparse_input),
                    self._grad_views[0] if need_grad else None,
                    self._fns,
                    fixed_input,
                )
            else:
                J = self._parts(thetas, args, block, ranges, n_threads, need_grad, fixed_input)
            J = float(J + self.penalty(theta_flat, reg_scale, grad_flats[0] if need_grad else None))
            if not math.isfinite(J) or (need_grad and not all_finite(grad_flats[0])):
                J = np.inf
        return J, (grad_flats[0] if need_grad else None)

    def _parts(self, thetas, args, block, ranges, n_threads, need_grad, fixed_input):
        """The data term of several parts on ``n_threads``; gradients summed into the first."""

        def run(worker):
            # Worker w sums parts w, w + n_threads, ...: which thread runs a part
            # changes nothing in its sum.
            buf = self._worker_buffers(worker, block, sparse.issparse(args[0]))
            return [
                _data_term(
                    thetas,
                    *args,
                    *ranges[k],
                    block,
                    buf,
                    self._grad_views[k] if need_grad else None,
                    self._fns,
                    fixed_input,
                )
                for k in range(worker, len(ranges), n_threads)
            ]

        if n_threads == 1:
            totals = run(0)
        else:
            pool = self._executor()
            futures = [pool.submit(run, w) for w in range(1, n_threads)]
            try:
                mine = run(0)
            finally:
                # Even on Ctrl-C: no thread may still write to its buffers
                # when the next evaluation starts.
                wait(futures)
            per_worker = [mine, *(f.result() for f in futures)]
            totals = [per_worker[k % n_threads][k // n_threads] for k in range(len(ranges))]
        # Parts are added in their order, whatever ran them.
        J = 0.0
        for total in totals:
            J += total
        if need_grad:
            grad_flats = self._grad_flats[: len(ranges)]
            for other in grad_flats[1:]:
                grad_flats[0] += other
        return J

    def logits(self, theta_flat, X, out=None, *, saturated=None):
        """Output pre-activations ``z^(L)`` of the rows of ``X``, one thread.

        Where a product overflows (inputs near the float limit) they are
        ``+-inf``, or NaN if the sign is undetermined; no warning is emitted.
        ``saturated``, a list with one int per hidden layer, is increased by the
        number of that layer's activations that pass (almost) no gradient.
        """
        thetas = self._thetas(np.asarray(theta_flat, dtype=self.dtype))
        m = X.shape[0]
        if out is None:
            out = np.empty((m, self.layer_sizes[-1]), dtype=self.dtype)
        sparse_input = sparse.issparse(X)
        block = self._block(m, sparse_input)
        buf = self._worker_buffers("logits", block, sparse_input)
        g = self._fns[0]
        with np.errstate(over="ignore", invalid="ignore"):
            for i in range(0, m, block):
                j = min(i + block, m)
                v = _forward_block(thetas, X, slice(i, j), buf, g, False)
                out[i:j] = v.Z
                if saturated is not None:
                    flat = SATURATED[self.activation]
                    for l, a in enumerate(v.units):
                        saturated[l] += int(np.count_nonzero(flat(a)))
        return out

    def per_sample_loss(self, Z, Y):
        """The data term of each row, from its logits ``Z`` (overwritten)."""
        Z = np.asfortranarray(Z)
        out, scratch = np.empty_like(Z), np.empty_like(Z)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._fns[2](Z, np.asfortranarray(Y, dtype=Z.dtype), out, scratch, None)


class Objective:
    """The cost ``J`` of a loss on fixed training rows: what solvers minimise.

    ``objective(x)`` is ``(J, gradient)`` over all the rows; ``objective.batch(x,
    rows)`` is the unbiased estimate of the same ``J`` and gradient from a subset
    of the rows (a slice or an index array): each row's share is multiplied by
    ``m / b`` for ``b`` rows, while the penalty stays that of all ``m`` rows. The
    data are fixed for the objective's lifetime, so rows copied into a buffer are
    not copied again. The gradient returned is a buffer of the loss, overwritten
    by the next call. ``y_total`` is None where every row of ``Y`` sums to one
    (see :func:`skbackprop.engine.make_objective`): a bool ``Y`` then holds
    one-hot rows, which the loss reads as integer labels.
    """

    def __init__(self, loss, X, Y, row_scale, reg_scale, y_total=None):
        if Y.dtype == bool and Y.ndim == 2 and y_total is None:
            # One-hot rows (labels): the loss reads each row's label, where a
            # row of Y would be read and converted K values at a time.
            Y = one_hot_labels(Y)
        self.loss, self.X, self.Y = loss, X, Y
        self.row_scale, self.reg_scale, self.y_total = row_scale, reg_scale, y_total
        self.n_samples = X.shape[0]
        self.layer_sizes = loss.layer_sizes
        self.n_threads = loss.plan(self.n_samples, sparse.issparse(X))[2]
        self._rows = None  # the rows of a mini-batch of a dense X, gathered here

    def __call__(self, theta_flat):
        return self._all_rows(theta_flat, need_grad=True)

    def cost(self, theta_flat):
        return self._all_rows(theta_flat, need_grad=False)[0]

    def _all_rows(self, theta_flat, need_grad):
        return self.loss.loss_gradient(
            theta_flat,
            self.X,
            self.Y,
            self.row_scale,
            self.reg_scale,
            y_total=self.y_total,
            need_grad=need_grad,
            fixed_input=True,
        )

    def batch(self, theta_flat, rows, loss=None):
        """The estimate from ``rows``; ``loss``, another layout of the same loss (SparseSteps)."""
        X = self._gather(rows)
        share = self.n_samples / X.shape[0]
        if isinstance(self.row_scale, np.ndarray):
            row_scale = self.row_scale[rows] * share
        else:
            row_scale = self.row_scale * share
        y_total = None if self.y_total is None else self.y_total[rows]
        return (loss or self.loss).loss_gradient(
            theta_flat, X, self.Y[rows], row_scale, self.reg_scale, y_total=y_total
        )

    def _gather(self, rows):
        """``X[rows]``; the rows of a dense X are copied into a buffer kept for the next batch.

        A dense X is an array, or rows standardised as they are gathered
        (:class:`skbackprop._standardize.StandardizedRows`): both ``take``.
        """
        integer = isinstance(rows, np.ndarray) and rows.dtype.kind in "iu"
        if not integer or sparse.issparse(self.X):
            return self.X[rows]
        if self._rows is None or self._rows.shape[0] < len(rows):
            self._rows = np.empty((len(rows), self.X.shape[1]), dtype=self.X.dtype)
        return self.X.take(rows, axis=0, out=self._rows[: len(rows)])

    def stepper(self, standardization=None):
        """What mini-batch solvers step with: :class:`SparseSteps` for sparse rows, else None.

        ``standardization``: ``(mean, scale)`` the rows are read with (see :class:`NetworkLoss`).
        """
        return SparseSteps(self, standardization) if sparse.issparse(self.X) else None


def one_hot_labels(Y):
    """The column of the one in each row of the bool matrix ``Y``, as an index vector.

    32-bit: half the memory of NumPy's index type, and as fast to index with.
    """
    labels = np.zeros(Y.shape[0], dtype=np.int32 if Y.shape[1] < 2**31 else np.intp)
    for k in range(1, Y.shape[1]):  # a column at a time: contiguous in a column-major Y
        labels[Y[:, k]] = k
    return labels


class SparseSteps:
    """Mini-batches of sparse rows, with ``Theta^(1)`` held column-major while a solver steps.

    A batch of sparse rows touches few input features. With ``Theta^(1)``
    column-major the weights of a feature are contiguous: the forward product
    reads them in place, and the gradient of the features present is written as
    contiguous rows, where the row-major layout would need a transposed copy of
    all of ``Theta^(1)`` at every step. The solver converts its start into this
    layout once (:meth:`to_steps`) and converts back what it reports
    (:meth:`to_public`); the loss is the same, read through other views.
    """

    def __init__(self, objective, standardization=None):
        self.objective = objective
        self.n_samples = objective.n_samples
        base = objective.loss
        self.loss = NetworkLoss(
            base.layer_sizes,
            base.activation,
            base.output_activation,
            base.dtype,
            n_threads=base.n_threads,
            parts=base.parts,
            block_rows=base.block_rows,
            first_layer_order="F",
            standardization=standardization,
        )
        self._places = layout(base.layer_sizes)

    def batch(self, x, rows):
        return self.objective.batch(x, rows, self.loss)

    def to_steps(self, x):
        """A copy of the public vector ``x`` in this layout."""
        return _relayout(x, self._places, "C", "F")

    def to_public(self, x):
        """A copy of ``x`` in the public layout."""
        return _relayout(x, self._places, "F", "C")

    def close(self):
        """End the loss's threads and let go of its buffers (a gradient as large as x)."""
        self.loss.close()
        self.loss = None


def _relayout(x, places, source, target):
    """A copy of ``x`` with its matrices read in layout ``source`` and written in ``target``."""
    out = np.empty_like(x)
    for a, b in zip(views(out, places, target), views(x, places, source), strict=True):
        # A transposing copy, in bands of columns that stay in the cache.
        for start in range(0, a.shape[1], _RELAYOUT_BAND):
            a[:, start : start + _RELAYOUT_BAND] = b[:, start : start + _RELAYOUT_BAND]
    return out


_RELAYOUT_BAND = 1024
