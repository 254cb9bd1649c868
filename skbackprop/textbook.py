"""Backpropagation as the equations write it: a module to read, not to run fast.

Each function below is one equation of the seed (the walk-through this project
grew from), written on whole matrices, with the seed's step in its docstring.
Nothing here is tuned: no buffers, no threads, no in-place updates, no import
beyond NumPy. Read it next to the gallery's walk-through,
:ref:`sphx_glr_auto_examples_plot_walkthrough.py` (``examples/plot_walkthrough.py``),
which runs every function on the seed's moons; for work, use
:func:`skbackprop.engine.cost_and_gradient` or
:class:`skbackprop.BackpropClassifier`, which compute the same numbers (the tests
hold the engine to this module to a relative 1e-12), faster, and without
``log(0)``.

Notation
--------
A network with ``L`` layers of ``s_1, ..., s_L`` units is the list of its weight
matrices ``thetas = [Theta^(1), ..., Theta^(L-1)]``. ``Theta^(l)`` has shape
``(s_{l+1}, s_l + 1)``; column 0 holds the weights of the bias unit, whose value
is always 1. Sample ``i`` is row ``i`` of ``X`` (shape ``(m, s_1)``) and of the
targets ``Y`` (shape ``(m, K)``, ``K = s_L``, a 1 in the column of its class),
so the seed's column vector ``Theta a`` becomes the row form ``A @ Theta.T``::

    a^(1) = x                                        forward_propagate
    z^(l+1) = Theta^(l) [1, a^(l)]
    a^(l+1) = g(z^(l+1)),  h_Theta(x) = a^(L)        sigmoid
    J = 1/m sum_i sum_k [-y_ik log h_ik - (1 - y_ik) log(1 - h_ik)]
        + lambda/(2m) sum_l sum_{j, i>=1} (Theta^(l)_ji)^2     cost
    delta^(L) = h - y                                output_delta
    delta^(l) = (Theta^(l)[:, 1:]^T delta^(l+1)) .* g'(z^(l))  hidden_delta
    D^(l) = 1/m sum_i delta^(l+1) [1, a^(l)]^T + lambda/m Theta^(l)
            (no lambda on column 0)                  backpropagate
    Theta^(l) := Theta^(l) - alpha D^(l)             gradient_descent_step

    regression, identity output units h = z^(L):
    J = 1/(2m) sum_i ||h_i - y_i||^2 + (the same penalty)  squared_error_cost
    delta^(L) = z^(L) - y                            squared_error_output_delta

Where this module and skbackprop part from the seed's code
-----------------------------------------------------------
The seed's code is a teaching sketch; five of its choices are worth knowing
before you copy them.

1. **log(0) at saturated units.** Its cost takes ``log(h)`` and ``log(1 - h)``
   of the computed sigmoid. Once ``z`` exceeds about 37, ``h`` rounds to
   exactly 1 (below about -709, to exactly 0), and one of the logs is ``-inf``:
   ``J`` becomes ``inf``, or ``nan`` (``0 * -inf``) for a unit that is *right*.
   :func:`cost` keeps that direct formula on purpose, and says so; the engine
   computes each term from ``z`` as ``max(z, 0) - y z + log(1 + exp(-|z|))``,
   finite for every finite ``z`` (:func:`skbackprop.engine.cost`).
2. **Regularisation written but never trained with.** Its cost and gradient
   accept ``lambda``, but its training loop calls both without it, so every run
   in the seed is unregularised (and the gradient adds a term of zeros at
   every step). :func:`train` passes ``reg_lambda`` to both;
   ``BackpropClassifier(reg_lambda=...)`` puts it in the cost every solver
   minimises.
3. **The sigmoid computed again and again.** Its ``g'(z)`` evaluates
   ``sigmoid(z)`` twice, on pre-activations whose sigmoid forward propagation has
   already stored. :func:`sigmoid_gradient` evaluates it once; the engine writes
   ``g'`` in terms of the stored activation, ``a (1 - a)``, and never recomputes
   it. (Like the seed's loop, :func:`train` runs forward propagation twice per
   step, once in :func:`cost` and once in :func:`backpropagate`, so that each
   stays one equation; :func:`skbackprop.engine.cost_and_gradient` does one pass.)
4. **The one-hot targets rebuilt from each call's labels.** Its cost and
   gradient take integer labels and build ``eye(n)[y]`` with ``n`` the number of
   *distinct labels in that call*. A batch that misses a class breaks this: an
   ``IndexError`` where a label is ``n`` or more, a shape mismatch where only
   the last classes are missing, and, where only class 0 is present, a column of
   ones that broadcasts against every output unit and trains them all towards 1,
   without any error. Here ``Y`` is an argument, built once by the caller; the
   classifier encodes the labels once against ``classes_``.
5. **Initial weights in half the range its text gives.** Its text asks for
   weights uniform in ``[-eps, eps]``; its code draws ``(rand - 0.5) * eps``,
   which is ``[-eps/2, eps/2)``. :func:`init_thetas` (and the engine) draw from
   the full ``[-eps, eps]``, from an explicit generator rather than NumPy's
   global random state.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
>>> Y = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # XNOR
>>> thetas, costs = train(X, Y, [2, 3, 2], learning_rate=2.0, max_iter=3000, random_state=0)
>>> bool(costs[-1] < 0.1 * costs[0])
True
>>> forward_propagate(thetas, X)[1][-1].argmax(axis=1)
array([0, 0, 1, 1])
"""

import itertools
from collections.abc import Sequence

import numpy as np

__all__ = [
    "backpropagate",
    "cost",
    "forward_propagate",
    "gradient_descent_step",
    "hidden_delta",
    "init_epsilon",
    "init_thetas",
    "output_delta",
    "sigmoid",
    "sigmoid_gradient",
    "squared_error_cost",
    "squared_error_output_delta",
    "train",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The activation ``g(z) = 1 / (1 + exp(-z))``, elementwise.

    Seed: forward propagation, step 3, ``a^(l) = g(z^(l))``.

    For ``z`` below about -709, ``exp(-z)`` overflows (a RuntimeWarning) and the
    result is 0, which is the right limit. Above about 37 the result rounds to
    exactly 1: see :func:`cost` for what that does to ``log(1 - h)``.

    Parameters
    ----------
    z : ndarray
        Pre-activations.

    Returns
    -------
    ndarray
        ``g(z)``, in ``[0, 1]``, shaped like ``z``.

    See Also
    --------
    sigmoid_gradient : Its derivative.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([0.0, np.log(3.0), -np.log(3.0)]))
    array([0.5 , 0.75, 0.25])
    """
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z: np.ndarray) -> np.ndarray:
    """The derivative ``g'(z) = g(z) (1 - g(z))``, elementwise.

    Seed: backpropagation, step 2, the factor ``g'(z^(l))``. The sigmoid is
    computed once, not twice.

    Parameters
    ----------
    z : ndarray
        Pre-activations.

    Returns
    -------
    ndarray
        ``g'(z)``, in ``[0, 1/4]``, shaped like ``z``.

    See Also
    --------
    sigmoid : The activation itself.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid_gradient(np.array([0.0, np.log(3.0)]))  # 1/2 * 1/2, 3/4 * 1/4
    array([0.25  , 0.1875])
    """
    g = sigmoid(z)
    return g * (1.0 - g)


def init_epsilon(shape: tuple[int, int]) -> float:
    """Half-width of the initial weights: ``eps = sqrt(6) / sqrt(rows + cols)``.

    Seed: weight initialisation, where ``rows`` and ``cols`` ("Loutput" and
    "Linput") are the dimensions of the Theta being initialised,
    ``s_{l+1}`` and ``s_l + 1``.

    Parameters
    ----------
    shape : (int, int)
        Shape of ``Theta^(l)``.

    Returns
    -------
    float
        The half-width ``eps``.

    See Also
    --------
    init_thetas : The weights drawn in ``[-eps, eps]``.

    Examples
    --------
    >>> init_epsilon((5, 3))  # sqrt(6) / sqrt(5 + 3)
    0.8660254037844385
    """
    rows, cols = shape
    return float(np.sqrt(6) / np.sqrt(rows + cols))


def init_thetas(layer_sizes: Sequence[int], random_state: int | None = None) -> list[np.ndarray]:
    """Initial weights: ``Theta^(l)`` uniform in ``[-eps, eps]``, ``eps = init_epsilon``.

    Seed: weight initialisation. Random weights break the symmetry between the
    units of a layer (all-zero weights would give them equal gradients forever).

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[s_1, ..., s_L]``: inputs, hidden layers, output units.
    random_state : int or None, default=None
        Seed of a ``np.random.RandomState`` made for this call (never NumPy's
        global state). The draws, one ``uniform(-eps, eps)`` per Theta in order,
        are those of :func:`skbackprop.engine.init_thetas` and of
        ``BackpropClassifier(random_state=...)`` for the same integer seed.

    Returns
    -------
    thetas : list of ndarray
        ``thetas[l]`` is ``Theta^(l+1)``, of shape
        ``(layer_sizes[l + 1], layer_sizes[l] + 1)``, bias weights in column 0.

    See Also
    --------
    init_epsilon : The half-width of each matrix's range.
    skbackprop.engine.init_thetas : The same draws, for the engine.

    Examples
    --------
    >>> thetas = init_thetas([2, 5, 5, 2], random_state=0)
    >>> [theta.shape for theta in thetas]
    [(5, 3), (5, 6), (2, 6)]
    >>> bool(abs(thetas[0]).max() <= init_epsilon((5, 3)))
    True
    """
    rng = np.random.RandomState(random_state)
    shapes = [(s_next, s + 1) for s, s_next in itertools.pairwise(layer_sizes)]
    return [rng.uniform(-init_epsilon(shape), init_epsilon(shape), size=shape) for shape in shapes]


def _with_bias(A: np.ndarray) -> np.ndarray:
    """``[1, a]`` for every row: a column of ones in front.

    >>> import numpy as np
    >>> _with_bias(np.array([[2.0], [3.0]]))
    array([[1., 2.],
           [1., 3.]])
    """
    return np.hstack([np.ones((A.shape[0], 1)), A])


def forward_propagate(
    thetas: Sequence[np.ndarray], X: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Forward propagation: ``z^(l+1) = Theta^(l) [1, a^(l)]``, ``a^(l+1) = g(z^(l+1))``.

    Seed: forward propagation, steps 1 to 4. The seed's text writes
    ``Theta^(l) a^(l)``; its code, like this function, puts the bias unit's 1 in
    front of ``a^(l)`` first. With samples as rows, ``Z[l] = A[l] @ thetas[l].T``.

    Parameters
    ----------
    thetas : list of ndarray
        ``Theta^(1), ..., Theta^(L-1)``.
    X : ndarray of shape (m, s_1)
        Samples, one per row.

    Returns
    -------
    Z : list of ndarray
        ``Z[l]`` is ``z^(l+2)``, of shape ``(m, s_{l+2})``: what ``thetas[l]``
        produces. The input layer has no ``z``, so ``Z`` has ``L - 1`` entries.
    A : list of ndarray
        ``A[l]`` is ``a^(l+1)``, ``L`` entries. The input and hidden layers carry
        the bias column of ones in front, as in the seed (``A[0]`` is
        ``[1, X]``); ``A[-1]`` is ``h_Theta(X)``, of shape ``(m, K)``, without one.

    See Also
    --------
    sigmoid : The activation ``g``.
    skbackprop.engine.forward : The same ``h``, fast.

    Examples
    --------
    >>> import numpy as np
    >>> thetas = [np.array([[0.0, 1.0]]), np.array([[0.0, 2.0]])]  # a 1-1-1 network
    >>> Z, A = forward_propagate(thetas, np.array([[0.0]]))
    >>> Z  # z^(2) = 0 + 1 * 0, z^(3) = 0 + 2 * g(0)
    [array([[0.]]), array([[1.]])]
    >>> A[0], A[1]  # [1, x], [1, g(0)]
    (array([[1., 0.]]), array([[1. , 0.5]]))
    >>> A[2]  # h = g(1)
    array([[0.73105858]])
    """
    Z, A = [], [_with_bias(X)]
    for theta in thetas[:-1]:
        Z.append(A[-1] @ theta.T)
        A.append(_with_bias(sigmoid(Z[-1])))
    Z.append(A[-1] @ thetas[-1].T)
    A.append(sigmoid(Z[-1]))  # h_Theta(X): the output layer has no bias unit
    return Z, A


def cost(
    thetas: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray, reg_lambda: float = 0.0
) -> float:
    """The cost ``J``, exactly as the seed writes it.

    ``J = 1/m sum_i sum_k [-y_ik log h_ik - (1 - y_ik) log(1 - h_ik)]
    + lambda/(2m) sum_l sum_{j, i>=1} (Theta^(l)_ji)^2``: the cross-entropy of
    each of the ``K`` sigmoid output units, summed over the units and averaged
    over the samples, plus the squares of every weight except the bias column.

    Seed: the cost function ``J(Theta)``.

    Numerically naive, on purpose: ``log h`` and ``log(1 - h)`` are taken of the
    computed ``h``. An output unit with ``z`` above about 37 has ``h`` exactly 1
    (below about -709, exactly 0), so one log is ``-inf`` (NumPy warns,
    RuntimeWarning): ``J`` is ``inf`` where that unit is wrong and ``nan``
    (``0 * -inf``) where it is right. Nothing is clipped to hide it.
    :func:`skbackprop.engine.cost` computes the same ``J`` from ``z``, as
    ``max(z, 0) - y z + log(1 + exp(-|z|))`` per term, which is finite for every
    finite ``z``.

    Parameters
    ----------
    thetas : list of ndarray
        ``Theta^(1), ..., Theta^(L-1)``, bias weights in column 0.
    X : ndarray of shape (m, s_1)
        Samples, one per row.
    Y : ndarray of shape (m, K)
        Targets, zeros and ones (one-hot for a single class per sample).
    reg_lambda : float, default=0.0
        The regularisation strength lambda.

    Returns
    -------
    float
        ``J``: the data term plus the penalty.

    See Also
    --------
    backpropagate : Its gradient.
    skbackprop.engine.cost : The same ``J``, computed stably.

    Examples
    --------
    >>> import numpy as np
    >>> thetas = [np.array([[0.0, 2.0]])]  # one input, one output unit
    >>> X, Y = np.array([[1.0], [-1.0]]), np.array([[1.0], [0.0]])
    >>> round(cost(thetas, X, Y), 10)  # both samples: -log g(2) = log(1 + e^-2)
    0.126928011
    >>> round(cost(thetas, X, Y, reg_lambda=1.0), 10)  # + 1/(2*2) * 2**2
    1.126928011
    """
    m = X.shape[0]
    h = forward_propagate(thetas, X)[1][-1]
    data_term = np.sum(-Y * np.log(h) - (1 - Y) * np.log(1 - h)) / m
    return float(data_term + _penalty(thetas, reg_lambda, m))


def _penalty(thetas: Sequence[np.ndarray], reg_lambda: float, m: int) -> float:
    """``lambda/(2m) sum_l sum_{j, i>=1} (Theta^(l)_ji)^2``: every weight but the bias column."""
    return reg_lambda / (2 * m) * sum(np.sum(theta[:, 1:] ** 2) for theta in thetas)


def output_delta(h: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The error of the output units: ``delta^(L) = h - y``.

    Seed: backpropagation, step 1. For sigmoid units with the cross-entropy cost,
    this is ``dJ/dz^(L)`` per sample (before the average over ``m``).

    Parameters
    ----------
    h : ndarray of shape (m, K)
        ``h_Theta(X)``, the output activations.
    Y : ndarray of shape (m, K)
        Targets, zeros and ones (one-hot for a single class per sample).

    Returns
    -------
    delta : ndarray of shape (m, K)
        ``delta^(L)``, one row per sample.

    See Also
    --------
    hidden_delta : The error of the layers below.

    Examples
    --------
    >>> import numpy as np
    >>> output_delta(np.array([[0.75, 0.25]]), np.array([[1.0, 0.0]]))
    array([[-0.25,  0.25]])
    """
    return h - Y


def squared_error_cost(
    thetas: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray, reg_lambda: float = 0.0
) -> float:
    """The cost ``J`` of a regression network: identity output units, half the squared error.

    ``J = 1/(2m) sum_i ||h(x_i) - y_i||^2 + lambda/(2m) sum_l sum_{j, i>=1}
    (Theta^(l)_ji)^2``, where the output units are linear: ``h = z^(L)``, the
    output layer's pre-activations, while the hidden units stay sigmoids.
    What :class:`skbackprop.BackpropRegressor` minimises (without sample
    weights). The squares never take a log: this cost is finite wherever the
    outputs are.

    Parameters
    ----------
    thetas : list of ndarray
        ``Theta^(1), ..., Theta^(L-1)``, bias weights in column 0.
    X : ndarray of shape (m, s_1)
        Samples, one per row.
    Y : ndarray of shape (m, K)
        Real targets, one column per output.
    reg_lambda : float, default=0.0
        The regularisation strength lambda.

    Returns
    -------
    float
        ``J``: the data term plus the penalty.

    See Also
    --------
    squared_error_output_delta : Its output error.
    cost : The seed's cost of sigmoid output units.

    Examples
    --------
    >>> import numpy as np
    >>> thetas = [np.array([[1.0, 2.0]])]  # h = 1 + 2 x
    >>> X, Y = np.array([[1.0], [0.0]]), np.array([[2.0], [1.0]])
    >>> squared_error_cost(thetas, X, Y)  # residuals 1 and 0: (1 + 0) / (2 * 2)
    0.25
    """
    m = X.shape[0]
    h = forward_propagate(thetas, X)[0][-1]  # identity units: h = z^(L)
    data_term = np.sum((h - Y) ** 2) / (2 * m)
    return float(data_term + _penalty(thetas, reg_lambda, m))


def squared_error_output_delta(z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The error of identity output units under half the squared error: ``delta^(L) = z - y``.

    With ``h = z``, ``d/dz (1/2 (h - y)^2) = h - y``: the same error as sigmoid
    units with the cross-entropy (:func:`output_delta`), so the layers below
    backpropagate it unchanged (:func:`hidden_delta`).

    Parameters
    ----------
    z : ndarray of shape (m, K)
        ``z^(L)``, the output layer's pre-activations, which are its outputs.
    Y : ndarray of shape (m, K)
        Real targets.

    Returns
    -------
    delta : ndarray of shape (m, K)
        ``delta^(L)``, one row per sample.

    See Also
    --------
    squared_error_cost : The cost it is the gradient of.

    Examples
    --------
    >>> import numpy as np
    >>> squared_error_output_delta(np.array([[3.0, -1.0]]), np.array([[1.0, 0.0]]))
    array([[ 2., -1.]])
    """
    return z - Y


def hidden_delta(theta: np.ndarray, delta_next: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The error of a hidden layer: ``delta^(l) = (Theta^(l)[:, 1:]^T delta^(l+1)) .* g'(z^(l))``.

    Seed: backpropagation, step 2. The bias column of ``Theta^(l)`` is left out:
    the bias unit has no input, so no error flows back to it (the seed's text
    writes the whole ``Theta^T``; its code drops the column). With samples as
    rows the product becomes ``delta_next @ theta[:, 1:]``.

    Parameters
    ----------
    theta : ndarray of shape (s_{l+1}, s_l + 1)
        ``Theta^(l)``, which maps layer ``l`` to layer ``l + 1``.
    delta_next : ndarray of shape (m, s_{l+1})
        ``delta^(l+1)``.
    z : ndarray of shape (m, s_l)
        ``z^(l)``, the pre-activations of layer ``l``.

    Returns
    -------
    delta : ndarray of shape (m, s_l)
        ``delta^(l)``, one row per sample.

    See Also
    --------
    output_delta : The error of the output layer, where the recursion starts.
    backpropagate : The recursion over every layer.

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.array([[5.0, 2.0]])  # the bias weight 5 plays no part
    >>> hidden_delta(theta, np.array([[0.5]]), np.array([[0.0]]))  # 0.5 * 2 * 1/4
    array([[0.25]])
    """
    return (delta_next @ theta[:, 1:]) * sigmoid_gradient(z)


def _without_bias(theta: np.ndarray) -> np.ndarray:
    """``Theta`` with its bias column set to 0: the weights that lambda penalises.

    >>> import numpy as np
    >>> _without_bias(np.array([[3.0, 4.0]]))
    array([[0., 4.]])
    """
    return np.hstack([np.zeros((theta.shape[0], 1)), theta[:, 1:]])


def backpropagate(
    thetas: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray, reg_lambda: float = 0.0
) -> list[np.ndarray]:
    """The gradient of :func:`cost`: ``D^(l) = dJ/dTheta^(l)``, by backpropagation.

    Seed: backpropagation, steps 1 to 4::

        1. delta^(L) = h - y                                   output_delta
        2. delta^(l) = (Theta^(l)[:, 1:]^T delta^(l+1)) .* g'(z^(l)),
           for l = L-1, ..., 2 (the input layer has no error)  hidden_delta
        3. Delta^(l) = sum_i delta^(l+1) [1, a^(l)]^T, accumulated over the
           samples: with samples as rows, delta^(l+1).T @ A[l]
        4. D^(l) = 1/m Delta^(l) + lambda/m Theta^(l), no lambda on column 0

    Parameters
    ----------
    thetas : list of ndarray
        ``Theta^(1), ..., Theta^(L-1)``, bias weights in column 0.
    X : ndarray of shape (m, s_1)
        Samples, one per row.
    Y : ndarray of shape (m, K)
        Targets, zeros and ones (one-hot for a single class per sample).
    reg_lambda : float, default=0.0
        The regularisation strength lambda.

    Returns
    -------
    grads : list of ndarray
        ``D^(l)``, shaped like ``thetas``.

    See Also
    --------
    cost : The cost whose gradient this is.
    skbackprop.engine.cost_and_gradient : The same numbers in one pass, fast.

    Examples
    --------
    >>> import numpy as np
    >>> thetas = [np.zeros((1, 2))]  # h = g(0) = 1/2 for every sample
    >>> X, Y = np.array([[1.0], [-1.0]]), np.array([[1.0], [0.0]])
    >>> backpropagate(thetas, X, Y)  # mean of (h - y) [1, x]
    [array([[ 0. , -0.5]])]
    """
    Z, A = forward_propagate(thetas, X)
    deltas = [output_delta(A[-1], Y)]  # step 1: delta^(L)
    for l in range(len(thetas) - 1, 0, -1):  # step 2: delta^(L-1), ..., delta^(2)
        deltas.insert(0, hidden_delta(thetas[l], deltas[0], Z[l - 1]))
    m = X.shape[0]
    return [  # steps 3 and 4, for each Theta^(l) with the error it feeds
        delta.T @ a / m + reg_lambda / m * _without_bias(theta)
        for theta, delta, a in zip(thetas, deltas, A[:-1], strict=True)
    ]


def gradient_descent_step(
    thetas: Sequence[np.ndarray], grads: Sequence[np.ndarray], learning_rate: float
) -> list[np.ndarray]:
    """One step of gradient descent: ``Theta^(l) := Theta^(l) - alpha D^(l)``.

    Seed: the update after step 4, ``alpha`` the learning rate. Returns new
    matrices; ``thetas`` is left unchanged.

    Parameters
    ----------
    thetas : list of ndarray
        ``Theta^(1), ..., Theta^(L-1)``, bias weights in column 0.
    grads : list of ndarray
        ``D^(l)`` from :func:`backpropagate`, shaped like ``thetas``.
    learning_rate : float
        ``alpha``.

    Returns
    -------
    thetas : list of ndarray
        The new weights, ``thetas[l] - alpha * grads[l]``.

    See Also
    --------
    train : The loop of such steps.

    Examples
    --------
    >>> import numpy as np
    >>> gradient_descent_step([np.array([[1.0, 2.0]])], [np.array([[0.5, -1.0]])], 0.1)
    [array([[0.95, 2.1 ]])]
    """
    return [theta - learning_rate * grad for theta, grad in zip(thetas, grads, strict=True)]


def train(
    X: np.ndarray,
    Y: np.ndarray,
    layer_sizes: Sequence[int],
    learning_rate: float = 0.5,
    max_iter: int = 1000,
    reg_lambda: float = 0.0,
    random_state: int | None = None,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Train a network by full-batch gradient descent from random weights.

    Seed: the training loop. Draw the weights (:func:`init_thetas`), then
    ``max_iter`` times: record ``J`` (:func:`cost`), compute ``D``
    (:func:`backpropagate`) and step (:func:`gradient_descent_step`), with the
    same ``reg_lambda`` in the cost and the gradient.

    ``BackpropClassifier(activation="sigmoid", output_activation="sigmoid",
    solver="gd", tol=0)`` runs the same steps from the same initial weights (for
    the same integer ``random_state``, when its output units come in the order of
    ``Y``'s columns: it orders them by class size, then by class centroid); its
    ``loss_curve_`` records ``J`` after each step, where
    ``costs`` records it before, so ``costs[1:]`` equals ``loss_curve_[:-1]``.

    Parameters
    ----------
    X : ndarray of shape (m, s_1)
        Samples, one per row.
    Y : ndarray of shape (m, K)
        Targets, zeros and ones (one-hot for a single class per sample).
    layer_sizes : sequence of int
        ``[s_1, ..., s_L]``, with ``s_1 = X.shape[1]`` and ``s_L = K``.
    learning_rate : float, default=0.5
        ``alpha``.
    max_iter : int, default=1000
        Number of steps.
    reg_lambda : float, default=0.0
        The regularisation strength lambda.
    random_state : int or None, default=None
        Seed of the initial weights (:func:`init_thetas`).

    Returns
    -------
    thetas : list of ndarray
        The weights after ``max_iter`` steps.
    costs : ndarray of shape (max_iter,)
        ``costs[n]`` is ``J`` at the weights that step ``n + 1`` starts from, as
        in the seed: ``costs[0]`` is the cost of the initial weights.

    See Also
    --------
    skbackprop.BackpropClassifier : The same steps with ``solver="gd"``, and much more.

    Examples
    --------
    >>> import numpy as np
    >>> X, Y = np.array([[-1.0], [1.0]]), np.array([[0.0], [1.0]])
    >>> thetas, costs = train(X, Y, [1, 1], learning_rate=1.0, max_iter=100, random_state=0)
    >>> costs.shape, bool(costs[-1] < costs[0])
    ((100,), True)
    """
    thetas = init_thetas(layer_sizes, random_state)
    costs = []
    for _ in range(max_iter):
        costs.append(cost(thetas, X, Y, reg_lambda))
        grads = backpropagate(thetas, X, Y, reg_lambda)
        thetas = gradient_descent_step(thetas, grads, learning_rate)
    return thetas, np.array(costs)
