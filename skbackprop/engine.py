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
large problems spread the blocks over threads. This module is the public face of
that machinery: ``skbackprop._loss.NetworkLoss`` evaluates the cost on
whatever rows it is given, and :func:`make_objective` binds it to fixed data.
"""

import numpy as np
from scipy import sparse

from ._activations import OUTPUT_LOG_ACTIVATIONS
from ._blocks import thread_budget
from ._loss import NetworkLoss, Objective, scales
from ._params import check_layer_sizes, init_thetas, layer_sizes_of, pack, unpack
from ._validation import as_float_array, check_names, check_real, working_dtype

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
    huber_delta=1.0,
):
    """Build ``fun(theta_flat) -> (J, gradient_flat)`` for fixed data.

    This is what full-batch solvers minimise. Work arrays are allocated once and
    reused by every call, so an evaluation allocates almost nothing. The returned
    gradient vector is also reused: copy it if you keep it across calls. (Its
    nine parameters are the data and the cost's settings, all keywords after
    the layer sizes, as :func:`cost_and_gradient` takes them.)

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (m, s_1)
        A sparse X is used in CSR format and never made dense.
    Y : ndarray of shape (m, K)
        Targets: zeros and ones for sigmoid and softmax units (a bool matrix is
        used as it is, without a floating-point copy), real values for identity
        units.
    layer_sizes : sequence of int
        ``[s_1, ..., s_L]`` with ``s_L == K``.
    reg_lambda : float, default=0.0
        The regularisation strength lambda.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.
    output_activation : {"sigmoid", "softmax", "identity", "huber"}, default="sigmoid"
        Output units and their cost: independent sigmoids or a softmax with
        the cross-entropy; identity units with half the squared error, or with
        Huber's cost.
    sample_weight : ndarray of shape (m,) or None, default=None
        Weights of the samples; averages become weighted averages.
    n_threads : int or None, default=None
        Threads that share the rows, each summing its own part of them. None
        splits large problems into parts by their size alone, so that the result
        is the same on any machine, and runs them on as many threads as the CPUs
        and the current BLAS limit allow (joblib workers lower it). With more
        than one thread, call it where BLAS is limited to one thread (see
        ``threadpoolctl``) so that the two kinds of parallelism do not compete.
    huber_delta : float, default=1.0
        Where Huber's cost turns from quadratic to linear (``"huber"`` only).

    Returns
    -------
    fun : callable
        ``fun(theta_flat)`` returns the cost ``J`` (a float) and its gradient, an
        ndarray of shape ``(n_params,)``. ``J`` is ``inf`` where the weights are
        so large that a value overflows. ``fun.cost(theta_flat)`` returns ``J``
        alone, from a forward pass; ``fun.n_threads`` tells how many threads it
        uses.

    See Also
    --------
    cost_and_gradient : The same numbers for one set of weights.
    pack : The flat vector ``fun`` takes.

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
    check_names(activation, output_activation)
    layer_sizes = check_layer_sizes(layer_sizes)
    dtype = working_dtype(X.dtype) if sparse.issparse(X) else working_dtype(np.asarray(X).dtype)
    X = as_float_array(X, dtype)
    if X.ndim != 2 or X.shape[1] != layer_sizes[0]:
        raise ValueError(f"X must have shape (m, {layer_sizes[0]}); got {X.shape}")
    m = X.shape[0]
    Y = np.asarray(Y)
    if Y.shape != (m, layer_sizes[-1]):
        raise ValueError(f"Y must have shape ({m}, {layer_sizes[-1]}); got {Y.shape}")
    row_scale, reg_scale = scales(sample_weight, m, reg_lambda, dtype)
    # Column-major like the output buffers; row sums only where they are not all 1.
    # A bool matrix (one-hot labels) is used as it is: an eighth of the memory.
    with np.errstate(over="ignore"):  # float64 targets beyond float32's range
        Y = np.asfortranarray(Y, dtype=bool if Y.dtype == bool else dtype)
    y_total = Y.sum(axis=1, dtype=dtype)
    y_total = None if np.all(y_total == 1) else y_total
    config = {"huber_delta": huber_delta}
    if n_threads is None:
        loss = NetworkLoss(
            layer_sizes, activation, output_activation, dtype, n_threads=thread_budget(), **config
        )
    else:
        n_threads = max(1, int(n_threads))
        loss = NetworkLoss(
            layer_sizes,
            activation,
            output_activation,
            dtype,
            n_threads=n_threads,
            parts=n_threads,
            **config,
        )
    return Objective(loss, X, Y, row_scale, reg_scale, y_total)


def _check_inputs(thetas, X):
    """Layer sizes, the working dtype and X as an array of it, its shape checked."""
    layer_sizes = layer_sizes_of(thetas)
    dtype = working_dtype(np.result_type(*thetas))
    X = as_float_array(X, dtype)
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

    The numbers of :func:`skbackprop.textbook.cost` and
    :func:`skbackprop.textbook.backpropagate`, computed stably from the output
    pre-activations, in row blocks and in the input's floating dtype.

    Parameters
    ----------
    thetas : list of ndarray
        ``thetas[l]`` of shape ``(s_{l+2}, s_{l+1} + 1)``, bias in column 0.
    X : ndarray of shape (m, s_1)
        Samples, one per row.
    Y : ndarray of shape (m, K)
        Targets: ``Y[i, k] = 1`` if sample ``i`` is of class ``k``, else 0.
    reg_lambda : float, default=0.0
        The regularisation strength lambda.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.
    sample_weight : ndarray of shape (m,) or None, default=None
        Weights of the samples; averages become weighted averages.
    output_activation : {"sigmoid", "softmax", "identity", "huber"}, default="sigmoid"
        Output units: independent sigmoids (the cross-entropy summed over the
        ``K`` units), a softmax (categorical cross-entropy), or identity units
        with half the squared error or Huber's cost (``delta`` 1; choose it
        with :func:`make_objective`'s ``huber_delta``).

    Returns
    -------
    J : float
        The cost, data term plus penalty.
    grads : list of ndarray
        ``dJ/dTheta^(l)``, shaped like ``thetas``.

    See Also
    --------
    cost : The cost alone, from a forward pass.
    gradient_check : Compare these gradients with finite differences.
    make_objective : The same as a function of the flat weights, for solvers.

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

    The number of :func:`skbackprop.textbook.cost`, computed stably from the
    output pre-activations.

    Parameters
    ----------
    thetas : list of ndarray
        ``thetas[l]`` of shape ``(s_{l+2}, s_{l+1} + 1)``, bias in column 0.
    X : ndarray of shape (m, s_1)
        Samples, one per row.
    Y : ndarray of shape (m, K)
        Targets: ``Y[i, k] = 1`` if sample ``i`` is of class ``k``, else 0.
    reg_lambda : float, default=0.0
        The regularisation strength lambda.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.
    sample_weight : ndarray of shape (m,) or None, default=None
        Weights of the samples; averages become weighted averages.
    output_activation : {"sigmoid", "softmax", "identity", "huber"}, default="sigmoid"
        Output units: independent sigmoids, a softmax, or identity units (the
        squared error, or Huber's cost with ``delta`` 1).

    Returns
    -------
    J : float
        The cost, data term plus penalty.

    See Also
    --------
    cost_and_gradient : The cost and its gradient.

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
    """Compute the pre-activations ``z^(L)`` of the output layer.

    Forward propagation up to the last layer's weighted sums, before its
    activation: what :func:`log_output_activations` turns into ``log h``.

    Parameters
    ----------
    thetas : list of ndarray
        ``thetas[l]`` of shape ``(s_{l+2}, s_{l+1} + 1)``, bias in column 0.
    X : ndarray of shape (m, s_1)
        Samples, one per row.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.

    Returns
    -------
    Z : ndarray of shape (m, K)
        Where a product overflows (inputs near the float limit), ``+-inf``, or
        NaN if its sign is undetermined; no warning is emitted.

    See Also
    --------
    forward : The output activations themselves.

    Examples
    --------
    >>> import numpy as np
    >>> forward_logits([np.array([[1.0, 2.0]])], [[3.0]])
    array([[7.]])
    """
    check_names(activation, "sigmoid")
    layer_sizes, X, dtype = _check_inputs(thetas, X)
    # Inputs near the float limit can overflow a product; the result is then
    # +-inf, or NaN where the limit has no sign, for the caller to judge.
    return NetworkLoss(layer_sizes, activation, dtype=dtype).logits(pack(thetas), X)


def forward(thetas, X, activation="sigmoid", *, output_activation="sigmoid"):
    """Forward propagation: the hypothesis ``h_Theta(X) = a^(L)``.

    Computed as ``exp(log h)`` from the output pre-activations, so a saturated
    unit gives 0 or 1 without a warning; identity units (``"identity"``,
    ``"huber"``: a regression's) return their pre-activations.

    Parameters
    ----------
    thetas : list of ndarray
        ``thetas[l]`` of shape ``(s_{l+2}, s_{l+1} + 1)``, bias in column 0.
    X : ndarray of shape (m, s_1)
        Samples, one per row.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.
    output_activation : {"sigmoid", "softmax", "identity", "huber"}, default="sigmoid"
        Output units: independent sigmoids, a softmax, or identity units.

    Returns
    -------
    H : ndarray of shape (m, K)
        Output activations.

    See Also
    --------
    skbackprop.textbook.forward_propagate : The same, written as the equations.

    Examples
    --------
    >>> import numpy as np
    >>> forward([np.zeros((2, 3))], [[1.0, 2.0]])
    array([[0.5, 0.5]])
    """
    check_names(activation, output_activation)
    Z = forward_logits(thetas, X, activation)
    if output_activation not in OUTPUT_LOG_ACTIVATIONS:  # identity units: h = z
        return Z
    return np.exp(log_output_activations(Z, output_activation))


def log_output_activations(Z, output_activation="sigmoid"):
    """``log h`` of the output units, from their logits, without a warning.

    Computed from ``z`` directly (``-log(1 + exp(-z))`` for a sigmoid,
    ``z - logsumexp(z)`` for a softmax), so it never takes ``log(0)``.

    Parameters
    ----------
    Z : ndarray of shape (m, K)
        Logits, as :func:`forward_logits` returns them; overwritten. A logit
        that overflowed to +-inf counts as the float limit (a softmax would
        otherwise compute inf - inf); a NaN logit gives NaN.
    output_activation : {"sigmoid", "softmax"}, default="sigmoid"
        Output units: independent sigmoids or a softmax (identity units have
        no log-probabilities).

    Returns
    -------
    log_H : ndarray of shape (m, K)
        The logarithms of the output activations.

    See Also
    --------
    forward_logits : The logits this function takes.

    Examples
    --------
    >>> import numpy as np
    >>> log_output_activations(np.array([[0.0, 0.0]]), "softmax").round(4)
    array([[-0.6931, -0.6931]])
    >>> np.exp(log_output_activations(np.array([[0.0, np.inf]]), "softmax"))
    array([[0., 1.]])
    """
    if output_activation not in OUTPUT_LOG_ACTIVATIONS:
        raise ValueError(
            f"output_activation must be one of {sorted(OUTPUT_LOG_ACTIVATIONS)} (units with "
            f"log-probabilities); got {output_activation!r}"
        )
    limit = np.finfo(Z.dtype).max
    np.clip(Z, -limit, limit, out=Z)
    with np.errstate(invalid="ignore"):
        return OUTPUT_LOG_ACTIVATIONS[output_activation](Z)


def _check_epsilon(epsilon):
    return check_real(epsilon, "epsilon", "a float > 0", lambda v: v > 0)


def numerical_gradient(fun, theta_flat, epsilon=1e-5):
    """Centred finite differences ``(J(theta + e) - J(theta - e)) / (2 epsilon)``.

    Two evaluations of ``fun`` per weight, one weight at a time: for checking
    gradients on small networks.

    Parameters
    ----------
    fun : callable
        ``fun(theta_flat) -> J``.
    theta_flat : ndarray of shape (n_params,)
        The point, all weights in one vector (:func:`pack`).
    epsilon : float, default=1e-5
        Finite-difference step, > 0.

    Returns
    -------
    grad : ndarray of shape (n_params,)
        The estimated gradient.

    See Also
    --------
    gradient_check : Compare it with backpropagation's gradient.

    Examples
    --------
    >>> import numpy as np
    >>> numerical_gradient(lambda t: float(t @ t), np.array([1.0, -2.0])).round(6)
    array([ 2., -4.])
    """
    epsilon = _check_epsilon(epsilon)
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
    thetas : list of ndarray
        ``thetas[l]`` of shape ``(s_{l+2}, s_{l+1} + 1)``, bias in column 0;
        computed in float64.
    X : ndarray of shape (m, s_1)
        Samples, one per row.
    Y : ndarray of shape (m, K)
        Targets: ``Y[i, k] = 1`` if sample ``i`` is of class ``k``, else 0.
    reg_lambda : float, default=0.0
        The regularisation strength lambda.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.
    sample_weight : ndarray of shape (m,) or None, default=None
        Weights of the samples; averages become weighted averages.
    output_activation : {"sigmoid", "softmax", "identity", "huber"}, default="sigmoid"
        Output units: independent sigmoids, a softmax, or identity units (the
        squared error, or Huber's cost with ``delta`` 1).
    epsilon : float, default=1e-5
        Finite-difference step, > 0.

    Returns
    -------
    relative_difference : float
        ``||g_bp - g_fd|| / ||g_bp + g_fd||``.

    See Also
    --------
    numerical_gradient : The finite differences.
    cost_and_gradient : The backpropagated gradient.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(6, 3)), np.eye(2)[[0, 1, 0, 1, 1, 0]]
    >>> thetas = init_thetas([3, 4, 2], random_state=0)
    >>> bool(gradient_check(thetas, X, Y, reg_lambda=0.5) < 1e-7)
    True
    """
    _check_epsilon(epsilon)
    layer_sizes_of(thetas)  # a list or tuple of matrices, before they are converted
    thetas = [np.asarray(t, dtype=np.float64) for t in thetas]
    fun = _objective_for(thetas, X, Y, reg_lambda, activation, sample_weight, output_activation)
    theta = pack(thetas)
    analytic = fun(theta)[1].copy()
    numeric = numerical_gradient(fun.cost, theta, epsilon)
    denominator = np.linalg.norm(analytic + numeric)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / denominator)
