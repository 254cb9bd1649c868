"""The Theta-matrix engine: pure functions on NumPy arrays.

A network with ``L`` layers of sizes ``s_1, ..., s_L`` is the list of its weight
matrices ``thetas = [Theta^(1), ..., Theta^(L-1)]``. ``Theta^(l)`` has shape
``(s_{l+1}, s_l + 1)`` and maps the activations of layer ``l``, with a bias unit
of value 1 in front, to the pre-activations of layer ``l + 1``; its column 0 holds
the bias weights::

    a^(1) = x
    z^(l+1) = Theta^(l) [1, a^(l)]
    a^(l+1) = g(z^(l+1))
    h_Theta(x) = a^(L)

For ``m`` samples with targets ``Y`` (an ``(m, K)`` matrix of zeros and ones) the
cost is the cross-entropy summed over the ``K`` output units and averaged over the
samples, plus the squared non-bias weights::

    J = 1/m sum_i sum_k [-y_ik log h_ik - (1 - y_ik) log(1 - h_ik)]
        + lambda / (2 m) sum_l sum_{j, i >= 1} Theta^(l)_ji ** 2

With sample weights ``w``, both averages are weighted: ``m`` becomes ``sum(w)``
and sample ``i`` counts ``w_i`` times. Backpropagation gives the gradient::

    delta^(L) = (h - y)
    delta^(l) = (Theta^(l)[:, 1:]^T delta^(l+1)) * g'(z^(l))
    dJ/dTheta^(l) = 1/m sum_i delta^(l+1) [1, a^(l)]^T + lambda/m Theta^(l)

where the lambda term leaves the bias column out.

Samples are stored as rows, so in code ``Z = A @ Theta.T`` for a block of rows
``A``. Rows are processed in blocks whose buffers are allocated once and keep
their column of ones, so one product gives both the weight and the bias gradient;
large problems spread the blocks over threads.
"""

import itertools
import math
import os
from concurrent.futures import ThreadPoolExecutor, wait
from types import SimpleNamespace

import numpy as np
from sklearn.utils import check_random_state

from ._activations import (
    HIDDEN_ACTIVATIONS,
    OUTPUT_LOG_ACTIVATIONS,
    OUTPUT_LOSSES,
)

__all__ = [
    "cost",
    "cost_and_gradient",
    "forward",
    "forward_logits",
    "gradient_check",
    "init_thetas",
    "layer_sizes_of",
    "log_output_activations",
    "make_objective",
    "numerical_gradient",
    "pack",
    "unpack",
]

# A block of rows holds about this many activations (512 KiB in float64): small
# enough to stay in the L2 cache, while narrow networks get few, long blocks.
BLOCK_ELEMENTS = 65536
# ... but never fewer rows than this, for efficient matrix products.
MIN_BLOCK_ROWS = 256
# The input block, a copy of rows of X, may hold this many (2 MiB in float64):
# one block covers small data sets such as digits (1797 x 65), whose X is then
# copied in only once.
INPUT_BLOCK_ELEMENTS = 4 * BLOCK_ELEMENTS
# Rows x weights per thread below which threads cost more than they save.
_MIN_WORK_PER_THREAD = 5_000_000


def layer_sizes_of(thetas):
    """Return the layer sizes ``[s_1, ..., s_L]`` of a list of Theta matrices.

    Parameters
    ----------
    thetas : list of ndarray
        ``thetas[l]`` has shape ``(s_{l+2}, s_{l+1} + 1)``.

    Returns
    -------
    layer_sizes : list of int

    Examples
    --------
    >>> import numpy as np
    >>> layer_sizes_of([np.zeros((5, 3)), np.zeros((2, 6))])
    [2, 5, 2]
    """
    thetas = list(thetas)
    if not thetas or np.ndim(thetas[0]) != 2:
        raise ValueError(
            "thetas must be a non-empty list of 2-D matrices Theta^(l) of shape "
            f"(s_{{l+1}}, s_l + 1); got {len(thetas)} matrices"
            + (f", the first of shape {np.shape(thetas[0])}" if thetas else "")
        )
    sizes = [thetas[0].shape[1] - 1]
    for theta in thetas:
        if theta.ndim != 2 or theta.shape[1] != sizes[-1] + 1:
            raise ValueError(
                "thetas do not chain: Theta^(l) must have shape (s_{l+1}, s_l + 1); "
                f"got shapes {[t.shape for t in thetas]}"
            )
        sizes.append(theta.shape[0])
    return sizes


def _shapes(layer_sizes):
    return [(s_next, s + 1) for s, s_next in itertools.pairwise(layer_sizes)]


def _layout(layer_sizes):
    """``(start, stop, shape)`` of each Theta matrix in the flat parameter vector."""
    layout, start = [], 0
    for rows, cols in _shapes(layer_sizes):
        layout.append((start, start + rows * cols, (rows, cols)))
        start += rows * cols
    return layout


def _views(flat, layout):
    return [flat[start:stop].reshape(shape) for start, stop, shape in layout]


def _block_rows(layer_sizes, n_rows):
    # The elementwise passes run over the hidden and output layers; BLAS reads
    # the input block with its own cache blocking, so it may be wider, but it
    # is a copy of X's rows and must stay small next to X.
    widest = max(s + 1 for s in layer_sizes[1:])
    rows = min(BLOCK_ELEMENTS // widest, INPUT_BLOCK_ELEMENTS // (layer_sizes[0] + 1))
    return max(1, min(n_rows, max(MIN_BLOCK_ROWS, rows)))


def init_thetas(layer_sizes, random_state=None, epsilon_init=None, dtype=np.float64):
    """Draw initial weights uniformly in ``[-eps_l, eps_l]``.

    ``eps_l = sqrt(6) / sqrt(s_l + 1 + s_{l+1})``, from the dimensions of
    ``Theta^(l)``, unless ``epsilon_init`` fixes one range for all layers.
    Random weights break the symmetry between the units of a layer.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[s_1, ..., s_L]``: inputs, hidden layers, outputs.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible weights.
    epsilon_init : float or None, default=None
        Half-width of the range; None uses ``eps_l`` per layer.
    dtype : {np.float64, np.float32}, default=np.float64

    Returns
    -------
    thetas : list of ndarray
        ``thetas[l]`` has shape ``(layer_sizes[l + 1], layer_sizes[l] + 1)``.
        They are views into one contiguous vector (see :func:`pack`).

    Examples
    --------
    >>> thetas = init_thetas([2, 5, 5, 2], random_state=0)
    >>> [theta.shape for theta in thetas]
    [(5, 3), (5, 6), (2, 6)]
    >>> bool(abs(thetas[0]).max() <= (6 ** 0.5) / (3 + 5) ** 0.5)
    True
    """
    layer_sizes = list(layer_sizes)
    if len(layer_sizes) < 2:
        raise ValueError(f"layer_sizes must list at least 2 layers; got {layer_sizes}")
    rng = check_random_state(random_state)
    shapes = _shapes(layer_sizes)
    flat = np.empty(sum(r * c for r, c in shapes), dtype=dtype)
    thetas = unpack(flat, layer_sizes)
    for theta, (rows, cols) in zip(thetas, shapes, strict=True):
        eps = epsilon_init if epsilon_init is not None else math.sqrt(6) / math.sqrt(rows + cols)
        theta[...] = rng.uniform(-eps, eps, size=(rows, cols))
    return thetas


def pack(thetas):
    """Concatenate the Theta matrices into one flat vector (row-major).

    Parameters
    ----------
    thetas : list of ndarray

    Returns
    -------
    theta_flat : ndarray of shape (n_params,)

    Examples
    --------
    >>> import numpy as np
    >>> pack([np.arange(6.0).reshape(2, 3), np.ones((1, 3))])
    array([0., 1., 2., 3., 4., 5., 1., 1., 1.])
    """
    return np.concatenate([np.ravel(theta) for theta in thetas])


def unpack(theta_flat, layer_sizes):
    """Split a flat vector into Theta matrices that are views of it.

    Parameters
    ----------
    theta_flat : ndarray of shape (n_params,)
        Contiguous vector, as made by :func:`pack`.
    layer_sizes : sequence of int
        ``[s_1, ..., s_L]``.

    Returns
    -------
    thetas : list of ndarray
        Views: writing to them writes to ``theta_flat``.

    Examples
    --------
    >>> import numpy as np
    >>> flat = np.arange(9.0)
    >>> thetas = unpack(flat, [2, 2, 1])
    >>> [theta.shape for theta in thetas]
    [(2, 3), (1, 3)]
    >>> thetas[1][0, 0] = -1.0
    >>> float(flat[6])
    -1.0
    """
    layout = _layout(list(layer_sizes))
    n_params = layout[-1][1]
    if theta_flat.ndim != 1 or theta_flat.shape[0] != n_params:
        raise ValueError(
            f"theta_flat must be a vector of {n_params} parameters for layer sizes "
            f"{list(layer_sizes)}; got shape {theta_flat.shape}"
        )
    return _views(theta_flat, layout)


def _check_names(activation, output_activation):
    if activation not in HIDDEN_ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(HIDDEN_ACTIVATIONS)}; got {activation!r}"
        )
    if output_activation not in OUTPUT_LOSSES:
        raise ValueError(
            f"output_activation must be one of {sorted(OUTPUT_LOSSES)}; got {output_activation!r}"
        )


class _Buffers:
    """Work arrays for one block of rows, allocated once and reused.

    ``A[l]`` holds ``[1, a^(l+1)]`` for the input and hidden layers: its column 0
    stays at 1, so ``A[l] @ Theta^(l).T`` includes the bias, and
    ``delta.T @ A[l]`` gives the bias gradient in column 0.
    """

    def __init__(self, layer_sizes, n_rows, dtype):
        # Hidden layers are column-major so that A[l][:, 1:] is one contiguous
        # chunk: elementwise passes over it run several times faster.
        self.A = [
            np.empty((n_rows, s + 1), dtype=dtype, order="C" if l == 0 else "F")
            for l, s in enumerate(layer_sizes[:-1])
        ]
        for a in self.A:
            a[:, 0] = 1.0
        # The output layer too, so that loops over its K units run over contiguous
        # columns.
        self.Z = np.empty((n_rows, layer_sizes[-1]), dtype=dtype, order="F")
        self.H = np.empty_like(self.Z)
        self.out_scratch = np.empty_like(self.Z)
        self.deltas = [np.empty((n_rows, s), dtype=dtype, order="F") for s in layer_sizes[1:-1]]
        self.scratch = [np.empty_like(d) for d in self.deltas]
        self.products = [np.empty(shape, dtype=dtype) for shape in _shapes(layer_sizes)]
        # Which rows of X the input buffer holds: X is fixed for an objective, so
        # a range of one block needs copying only once.
        self.input_rows = None
        self._views = {}

    def rows(self, r):
        """Views of the first ``r`` rows of every buffer.

        Cached, since a range of rows uses at most two sizes: slicing anew for
        every block costs more than the arithmetic of a small network.
        """
        views = self._views.get(r)
        if views is None:
            views = self._views[r] = SimpleNamespace(
                A=[a[:r] for a in self.A],
                # a^(l) of the hidden layers, without the column of ones
                units=[a[:r, 1:] for a in self.A[1:]],
                Z=self.Z[:r],
                H=self.H[:r],
                out_scratch=self.out_scratch[:r],
                deltas=[d[:r] for d in self.deltas],
                scratch=[d[:r] for d in self.scratch],
            )
        return views


def _forward_block(thetas, X, rows, buf, g):
    """Forward pass for ``X[rows]``: fills and returns ``buf.rows(...)``, ``A`` to ``Z``."""
    v = buf.rows(rows.stop - rows.start)
    if buf.input_rows != (id(X), rows.start, rows.stop):
        v.A[0][:, 1:] = X[rows]
        buf.input_rows = (id(X), rows.start, rows.stop)
    for a, theta, z in zip(v.A[:-1], thetas[:-1], v.units, strict=True):
        np.matmul(a, theta.T, out=z)
        g(z)
    np.matmul(v.A[-1], thetas[-1].T, out=v.Z)
    return v


def _loss_and_grad_rows(
    thetas, X, Y, y_total, row_scale, start, stop, buf, grads, activation, output_activation
):
    """Data term of J over rows ``start:stop``; adds its gradient into ``grads``.

    ``row_scale`` is ``1/m`` or the vector ``w / sum(w)``; ``y_total`` is None or
    the row sums of ``Y``. ``grads`` is None for the cost alone. Returns the
    weighted sum of the per-sample losses.
    """
    g, g_prime = HIDDEN_ACTIVATIONS[activation]
    loss_fn = OUTPUT_LOSSES[output_activation]
    scalar_scale = not isinstance(row_scale, np.ndarray)
    total = 0.0
    first = True
    block = buf.Z.shape[0]
    for i in range(start, stop, block):
        j = min(i + block, stop)
        v = _forward_block(thetas, X, slice(i, j), buf, g)
        losses = loss_fn(v.Z, Y[i:j], v.H, v.out_scratch, None if y_total is None else y_total[i:j])
        scale = row_scale if scalar_scale else row_scale[i:j, None]
        total += float(losses.sum()) * row_scale if scalar_scale else float(losses @ row_scale[i:j])
        if grads is None:
            continue
        # Output error delta^(L) = h - y, weighted and averaged.
        delta = v.H
        delta -= Y[i:j]
        delta *= scale
        for l in range(len(thetas) - 1, -1, -1):
            if first:
                np.matmul(delta.T, v.A[l], out=grads[l])
            else:
                np.matmul(delta.T, v.A[l], out=buf.products[l])
                grads[l] += buf.products[l]
            if l > 0:
                below = v.deltas[l - 1]
                np.matmul(delta, thetas[l][:, 1:], out=below)
                delta = g_prime(v.units[l - 1], below, v.scratch[l - 1])
        first = False
    if grads is not None and first:  # no rows: the data term contributes nothing
        for grad in grads:
            grad[...] = 0.0
    return total


def _default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def make_objective(
    X,
    Y,
    layer_sizes,
    *,
    reg_lambda=0.0,
    activation="sigmoid",
    output_activation="sigmoid",
    sample_weight=None,
    n_threads=None,
):
    """Build ``fun(theta_flat) -> (J, gradient_flat)`` for fixed data.

    This is what solvers minimise. Work arrays are allocated here once and reused
    by every call, so an evaluation allocates almost nothing. The returned
    gradient vector is also reused: copy it if you keep it across calls.

    Parameters
    ----------
    X : ndarray of shape (m, s_1)
    Y : ndarray of shape (m, K)
        Targets, zeros and ones.
    layer_sizes : sequence of int
        ``[s_1, ..., s_L]`` with ``s_L == K``.
    reg_lambda : float, default=0.0
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
    output_activation : {"sigmoid", "softmax"}, default="sigmoid"
    sample_weight : ndarray of shape (m,) or None, default=None
    n_threads : int or None, default=None
        Threads that share the rows; None picks by problem size and CPUs. With more
        than one thread, call it where BLAS is limited to one thread (see
        ``threadpoolctl``) so that the two kinds of parallelism do not compete.

    Returns
    -------
    fun : callable
        ``fun(theta_flat)`` returns the cost ``J`` (a float) and its gradient, an
        ndarray of shape ``(n_params,)``. ``J`` is ``inf`` where the weights are
        so large that a value overflows. ``fun.cost(theta_flat)`` returns ``J``
        alone, from a forward pass; ``fun.n_threads`` tells how many threads it
        uses.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> fun = make_objective(X, Y, [2, 3, 2])
    >>> J, grad = fun(pack(init_thetas([2, 3, 2], random_state=0)))
    >>> grad.shape
    (17,)
    """
    _check_names(activation, output_activation)
    layer_sizes = list(layer_sizes)
    if len(layer_sizes) < 2:
        raise ValueError(f"layer_sizes must list at least 2 layers; got {layer_sizes}")
    X = np.asarray(X)
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    if X.ndim != 2 or X.shape[1] != layer_sizes[0]:
        raise ValueError(f"X must have shape (m, {layer_sizes[0]}); got {X.shape}")
    m = X.shape[0]
    Y = np.asarray(Y)
    if Y.shape != (m, layer_sizes[-1]):
        raise ValueError(f"Y must have shape ({m}, {layer_sizes[-1]}); got {Y.shape}")
    reg_lambda = _check_reg_lambda(reg_lambda)
    if sample_weight is None:
        exponent, total_weight = 0, float(m)
        row_scale = 1.0 / m if m else 0.0
    else:
        weights = _check_sample_weight(sample_weight, m)
        if m and not weights.max() > 0:
            raise ValueError("sample_weight must have a positive sum; all weights are 0")
        # sum(w) = 2**exponent * total_weight, and the sum cannot overflow.
        weights, exponent = _scale_weights(weights)
        total_weight = float(weights.sum())
        row_scale = (weights / total_weight).astype(dtype)  # no rows: an empty vector
    if reg_lambda and not total_weight > 0:
        raise ValueError("reg_lambda > 0 needs samples: the penalty is lambda / (2 m) with m = 0")
    # Column-major like the output buffers; row sums only where they are not all 1.
    with np.errstate(over="ignore"):  # float64 targets beyond float32's range
        Y = np.asfortranarray(Y, dtype=dtype)
    y_total = Y.sum(axis=1)
    y_total = None if np.all(y_total == 1) else y_total
    layout = _layout(layer_sizes)
    n_params = layout[-1][1]
    # 1 for the weights that lambda penalises, 0 for the bias column.
    penalised = np.ones(n_params, dtype=dtype)
    for theta in _views(penalised, layout):
        theta[:, 0] = 0.0
    with np.errstate(over="ignore"):  # lambda / sum(w) beyond the float range: J = inf
        reg_scale = float(np.ldexp(reg_lambda / total_weight, -exponent)) if reg_lambda else 0.0

    block = _block_rows(layer_sizes, max(m, 1))
    n_blocks = max(1, -(-m // block))
    if n_threads is None:
        n_threads = max(1, min(_default_threads(), m * n_params // _MIN_WORK_PER_THREAD))
    n_threads = max(1, min(int(n_threads), n_blocks))
    # Contiguous, block-aligned row ranges, one per thread.
    per_thread = -(-n_blocks // n_threads) * block
    ranges = [(s, min(s + per_thread, m)) for s in range(0, m, per_thread)] or [(0, 0)]
    buffers = [_Buffers(layer_sizes, block, dtype) for _ in ranges]
    grad_flats = [np.empty(n_params, dtype=dtype) for _ in ranges]
    grad_views = [_views(flat, layout) for flat in grad_flats]
    cached = {"flat": None, "views": None}
    # Threads live as long as fun (an unreferenced executor ends its threads):
    # starting them anew would cost more than an evaluation of a mid-sized
    # problem. A forked child needs its own.
    workers = {"pool": None, "pid": None}

    def run(k, thetas, need_grad):
        start, stop = ranges[k]
        grads = grad_views[k] if need_grad else None
        return _loss_and_grad_rows(
            thetas,
            X,
            Y,
            y_total,
            row_scale,
            start,
            stop,
            buffers[k],
            grads,
            activation,
            output_activation,
        )

    def evaluate(theta_flat, need_grad):
        # A float64 weight beyond float32's range becomes inf, and J = inf below.
        with np.errstate(over="ignore"):
            theta_flat = np.asarray(theta_flat, dtype=dtype)
        if theta_flat.shape != (n_params,):
            raise ValueError(f"theta_flat must have shape ({n_params},); got {theta_flat.shape}")
        if any(np.may_share_memory(theta_flat, flat) for flat in grad_flats):
            # Weights read while the gradient is written: e.g. a returned gradient
            # passed back in.
            theta_flat = theta_flat.copy()
        # Gradient descent passes the same vector every time: keep its views.
        if cached["flat"] is not theta_flat:
            cached["flat"], cached["views"] = theta_flat, _views(theta_flat, layout)
        thetas = cached["views"]
        # Weights far out along a line search can overflow a product: that is
        # reported as J = inf, which solvers treat as "worse", not as a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            if len(ranges) == 1:
                J = run(0, thetas, need_grad)
            else:
                if workers["pid"] != os.getpid():
                    workers["pool"] = ThreadPoolExecutor(
                        len(ranges) - 1, thread_name_prefix="skbackprop"
                    )
                    workers["pid"] = os.getpid()
                futures = [
                    workers["pool"].submit(run, k, thetas, need_grad) for k in range(1, len(ranges))
                ]
                try:
                    J = run(0, thetas, need_grad)
                finally:
                    # Even on Ctrl-C: no thread may still write to its buffers
                    # when the next evaluation starts.
                    wait(futures)
                J += sum(f.result() for f in futures)
                if need_grad:
                    for other in grad_flats[1:]:
                        grad_flats[0] += other
            if reg_scale:
                # lambda/(2m) sum Theta[:, 1:]**2 and its gradient lambda/m Theta[:, 1:].
                weights = theta_flat * penalised
                J += 0.5 * reg_scale * float(weights @ weights)
                if need_grad:
                    weights *= reg_scale
                    grad_flats[0] += weights
        J = float(J)
        if not np.isfinite(J) or (need_grad and not np.isfinite(grad_flats[0]).all()):
            J = np.inf
        return J, (grad_flats[0] if need_grad else None)

    def fun(theta_flat):
        return evaluate(theta_flat, need_grad=True)

    def cost_only(theta_flat):
        return evaluate(theta_flat, need_grad=False)[0]

    fun.cost = cost_only
    fun.n_threads = len(ranges)
    fun.layer_sizes = layer_sizes
    return fun


def _as_float_array(X, dtype):
    X = np.asarray(X)
    if X.dtype == dtype:
        return X
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf
        return X.astype(dtype)


def _check_reg_lambda(reg_lambda):
    """``reg_lambda`` as a float, or a ValueError/TypeError naming it."""
    if isinstance(reg_lambda, bool) or not isinstance(reg_lambda, (int, float, np.number)):
        raise TypeError(f"reg_lambda must be a float >= 0; got {reg_lambda!r}")
    if not (np.isfinite(reg_lambda) and reg_lambda >= 0):
        raise ValueError(f"reg_lambda must be a float >= 0; got {reg_lambda!r}")
    return float(reg_lambda)


def _scale_weights(weights):
    """``weights / 2**e`` with the largest in ``[1/2, 1)``, and ``e``.

    Dividing by a power of two is exact, so ties and ratios between sums of the
    weights survive, and their sum can no longer overflow. All-zero (or no)
    weights are returned as they are, with ``e = 0``.
    """
    peak = weights.max() if weights.size else 0.0
    if not peak > 0:
        return weights, 0
    exponent = int(np.frexp(peak)[1])
    return np.ldexp(weights, -exponent), exponent


def _check_sample_weight(sample_weight, m):
    """Sample weights as a new float64 vector of ``m`` finite, non-negative numbers.

    Raises a ValueError naming the problem otherwise; the sum may still be 0.
    """
    weights = np.asarray(sample_weight)
    if weights.dtype.kind not in "biuf":
        raise ValueError(f"sample_weight must contain real numbers; got dtype {weights.dtype}")
    if weights.shape != (m,):
        raise ValueError(
            f"sample_weight must have shape ({m},), one weight per sample; "
            f"got shape {weights.shape}"
        )
    weights = weights.astype(np.float64)
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight must be finite; it contains NaN or infinity")
    if np.any(weights < 0):
        raise ValueError("sample_weight must be non-negative; it has negative weights")
    return weights


def _check_inputs(thetas, X):
    """Layer sizes, the working dtype and X as an array of it, its shape checked."""
    thetas = list(thetas)
    layer_sizes = layer_sizes_of(thetas)
    dtype = np.result_type(*thetas)
    dtype = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
    X = _as_float_array(X, dtype)
    if X.ndim != 2 or X.shape[1] != layer_sizes[0]:
        raise ValueError(f"X must have shape (m, {layer_sizes[0]}); got {X.shape}")
    return layer_sizes, X, dtype


def _objective_for(thetas, X, Y, reg_lambda, activation, sample_weight, output_activation):
    """The objective of the public one-off functions: inputs checked, one thread."""
    layer_sizes, X, _ = _check_inputs(thetas, X)
    return make_objective(
        X,
        Y,
        layer_sizes,
        reg_lambda=reg_lambda,
        activation=activation,
        output_activation=output_activation,
        sample_weight=sample_weight,
        n_threads=1,
    )


def cost_and_gradient(
    thetas,
    X,
    Y,
    reg_lambda=0.0,
    activation="sigmoid",
    sample_weight=None,
    *,
    output_activation="sigmoid",
):
    """Cost ``J`` and its gradient, from one forward and one backward pass.

    Parameters
    ----------
    thetas : list of ndarray
        ``thetas[l]`` of shape ``(s_{l+2}, s_{l+1} + 1)``, bias in column 0.
    X : ndarray of shape (m, s_1)
    Y : ndarray of shape (m, K)
        Targets: ``Y[i, k] = 1`` if sample ``i`` is of class ``k``, else 0.
    reg_lambda : float, default=0.0
        The regularisation strength lambda.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.
    sample_weight : ndarray of shape (m,) or None, default=None
        Weights of the samples; averages become weighted averages.
    output_activation : {"sigmoid", "softmax"}, default="sigmoid"
        Output units: independent sigmoids (the cross-entropy summed over the
        ``K`` units) or a softmax (categorical cross-entropy).

    Returns
    -------
    J : float
    grads : list of ndarray
        ``dJ/dTheta^(l)``, shaped like ``thetas``.

    Examples
    --------
    >>> import numpy as np
    >>> thetas = [np.zeros((1, 2))]
    >>> J, grads = cost_and_gradient(thetas, [[1.0], [-1.0]], [[1.0], [0.0]])
    >>> round(J, 6)  # log(2), as h = 0.5
    0.693147
    >>> grads[0]  # mean of (h - y) [1, x]
    array([[ 0. , -0.5]])
    """
    fun = _objective_for(thetas, X, Y, reg_lambda, activation, sample_weight, output_activation)
    J, grad = fun(pack(thetas))
    return J, [g.copy() for g in unpack(grad, fun.layer_sizes)]


def cost(
    thetas,
    X,
    Y,
    reg_lambda=0.0,
    activation="sigmoid",
    sample_weight=None,
    *,
    output_activation="sigmoid",
):
    """Cost ``J`` of the network on ``(X, Y)``: a forward pass only.

    Parameters are those of :func:`cost_and_gradient`.

    Returns
    -------
    J : float

    Examples
    --------
    >>> import numpy as np
    >>> thetas = [np.array([[0.0, 2.0]])]
    >>> J = cost(thetas, [[1.0], [-1.0]], [[1.0], [0.0]], reg_lambda=1.0)
    >>> round(J, 6)  # log(1 + e^-2) + 1/(2*2) * 2**2
    1.126928
    """
    fun = _objective_for(thetas, X, Y, reg_lambda, activation, sample_weight, output_activation)
    return fun.cost(pack(thetas))


def forward_logits(thetas, X, activation="sigmoid"):
    """Pre-activations ``z^(L)`` of the output layer.

    Parameters
    ----------
    thetas : list of ndarray
    X : ndarray of shape (m, s_1)
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"

    Returns
    -------
    Z : ndarray of shape (m, K)
        Where a product overflows (inputs near the float limit), ``+-inf``, or
        NaN if its sign is undetermined; no warning is emitted.

    Examples
    --------
    >>> import numpy as np
    >>> forward_logits([np.array([[1.0, 2.0]])], [[3.0]])
    array([[7.]])
    """
    _check_names(activation, "sigmoid")
    layer_sizes, X, dtype = _check_inputs(thetas, X)
    m = X.shape[0]
    out = np.empty((m, layer_sizes[-1]), dtype=dtype)
    block = _block_rows(layer_sizes, max(m, 1))
    buf = _Buffers(layer_sizes, block, dtype)
    g = HIDDEN_ACTIVATIONS[activation][0]
    # Inputs near the float limit can overflow a product; the result is then
    # +-inf, or NaN where the limit has no sign, for the caller to judge.
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(0, m, block):
            j = min(i + block, m)
            out[i:j] = _forward_block(thetas, X, slice(i, j), buf, g).Z
    return out


def forward(thetas, X, activation="sigmoid", *, output_activation="sigmoid"):
    """Forward propagation: the hypothesis ``h_Theta(X) = a^(L)``.

    Parameters
    ----------
    thetas : list of ndarray
    X : ndarray of shape (m, s_1)
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
    output_activation : {"sigmoid", "softmax"}, default="sigmoid"

    Returns
    -------
    H : ndarray of shape (m, K)
        Output activations.

    Examples
    --------
    >>> import numpy as np
    >>> forward([np.zeros((2, 3))], [[1.0, 2.0]])
    array([[0.5, 0.5]])
    """
    _check_names(activation, output_activation)
    return np.exp(log_output_activations(forward_logits(thetas, X, activation), output_activation))


def log_output_activations(Z, output_activation="sigmoid"):
    """``log h`` of the output units, from their logits, without a warning.

    Parameters
    ----------
    Z : ndarray of shape (m, K)
        Logits, as :func:`forward_logits` returns them; overwritten. A logit
        that overflowed to +-inf counts as the float limit (a softmax would
        otherwise compute inf - inf); a NaN logit gives NaN.
    output_activation : {"sigmoid", "softmax"}, default="sigmoid"

    Returns
    -------
    log_H : ndarray of shape (m, K)

    Examples
    --------
    >>> import numpy as np
    >>> log_output_activations(np.array([[0.0, 0.0]]), "softmax").round(4)
    array([[-0.6931, -0.6931]])
    >>> np.exp(log_output_activations(np.array([[0.0, np.inf]]), "softmax"))
    array([[0., 1.]])
    """
    _check_names("sigmoid", output_activation)
    limit = np.finfo(Z.dtype).max
    np.clip(Z, -limit, limit, out=Z)
    with np.errstate(invalid="ignore"):
        return OUTPUT_LOG_ACTIVATIONS[output_activation](Z)


def numerical_gradient(fun, theta_flat, epsilon=1e-5):
    """Centred finite differences ``(J(theta + e) - J(theta - e)) / (2 epsilon)``.

    Parameters
    ----------
    fun : callable
        ``fun(theta_flat) -> J``.
    theta_flat : ndarray of shape (n_params,)
    epsilon : float, default=1e-5

    Returns
    -------
    grad : ndarray of shape (n_params,)

    Examples
    --------
    >>> import numpy as np
    >>> numerical_gradient(lambda t: float(t @ t), np.array([1.0, -2.0])).round(6)
    array([ 2., -4.])
    """
    theta = np.array(theta_flat, dtype=np.float64)
    grad = np.empty_like(theta)
    for p in range(theta.size):
        saved = theta[p]
        theta[p] = saved + epsilon
        plus = fun(theta)
        theta[p] = saved - epsilon
        minus = fun(theta)
        theta[p] = saved
        grad[p] = (plus - minus) / (2 * epsilon)
    return grad


def gradient_check(
    thetas,
    X,
    Y,
    reg_lambda=0.0,
    activation="sigmoid",
    sample_weight=None,
    *,
    output_activation="sigmoid",
    epsilon=1e-5,
):
    """Compare backpropagation with centred finite differences.

    Returns ``||g_bp - g_fd|| / ||g_bp + g_fd||``: below about ``1e-7`` in float64
    the backpropagated gradient is right. Costs two cost evaluations per weight,
    so use it on small networks.

    Parameters
    ----------
    thetas, X, Y, reg_lambda, activation, sample_weight, output_activation
        As for :func:`cost_and_gradient`. Computed in float64.
    epsilon : float, default=1e-5
        Finite-difference step.

    Returns
    -------
    relative_difference : float

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(6, 3)), np.eye(2)[[0, 1, 0, 1, 1, 0]]
    >>> thetas = init_thetas([3, 4, 2], random_state=0)
    >>> bool(gradient_check(thetas, X, Y, reg_lambda=0.5) < 1e-7)
    True
    """
    thetas = [np.asarray(t, dtype=np.float64) for t in thetas]
    fun = _objective_for(thetas, X, Y, reg_lambda, activation, sample_weight, output_activation)
    theta = pack(thetas)
    analytic = fun(theta)[1].copy()
    numeric = numerical_gradient(fun.cost, theta, epsilon)
    denominator = np.linalg.norm(analytic + numeric)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / denominator)
