"""The parameters of a network: layer sizes, Theta shapes, the flat vector, init.

What every room shares: a network with layer sizes ``s_1, ..., s_L`` is the list
``thetas = [Theta^(1), ..., Theta^(L-1)]``, ``Theta^(l)`` of shape
``(s_{l+1}, s_l + 1)`` with the bias in column 0, stored as views of one flat
vector so that solvers see a single array.
"""

import itertools
import math

import numpy as np
from sklearn.utils import check_random_state

from ._validation import check_epsilon_init, check_sizes


def layer_sizes_of(thetas):
    """Return the layer sizes ``[s_1, ..., s_L]`` of a list of Theta matrices.

    The shapes must chain: each matrix has one column more than the previous
    one has rows (the bias column); anything else is a ValueError.

    Parameters
    ----------
    thetas : list or tuple of ndarray
        ``thetas[l]`` has shape ``(s_{l+2}, s_{l+1} + 1)``.

    Returns
    -------
    layer_sizes : list of int
        Units per layer, inputs first, outputs last.

    See Also
    --------
    init_thetas : Weights for given layer sizes.

    Examples
    --------
    >>> import numpy as np
    >>> layer_sizes_of([np.zeros((5, 3)), np.zeros((2, 6))])
    [2, 5, 2]
    """
    allowed = "a list or tuple of 2-D ndarrays Theta^(l)"
    if not isinstance(thetas, (list, tuple)):
        raise TypeError(f"thetas must be {allowed}; got a {type(thetas).__name__}")
    if not all(isinstance(theta, np.ndarray) for theta in thetas):
        raise TypeError(
            f"thetas must be {allowed}; got elements of types "
            f"{[type(theta).__name__ for theta in thetas]}"
        )
    if not thetas or thetas[0].ndim != 2:
        raise ValueError(
            "thetas must be a non-empty list of 2-D matrices Theta^(l) of shape "
            f"(s_{{l+1}}, s_l + 1); got {len(thetas)} matrices"
            + (f", the first of shape {thetas[0].shape}" if thetas else "")
        )
    sizes = [thetas[0].shape[1] - 1]
    for theta in thetas:
        if theta.ndim != 2 or theta.shape[1] != sizes[-1] + 1:
            raise ValueError(
                "thetas do not chain: Theta^(l) must have shape (s_{l+1}, s_l + 1); "
                f"got shapes {[t.shape for t in thetas]}"
            )
        sizes.append(theta.shape[0])
    if min(sizes) < 1:
        raise ValueError(
            "thetas must give every layer at least one unit (no Theta^(l) with 0 rows "
            f"or with its bias column alone); got shapes {[t.shape for t in thetas]}"
        )
    return sizes


def shapes(layer_sizes):
    """``(s_{l+1}, s_l + 1)`` for each Theta matrix."""
    return [(s_next, s + 1) for s, s_next in itertools.pairwise(layer_sizes)]


def layout(layer_sizes):
    """``(start, stop, shape)`` of each Theta matrix in the flat parameter vector."""
    places, start = [], 0
    for rows, cols in shapes(layer_sizes):
        places.append((start, start + rows * cols, (rows, cols)))
        start += rows * cols
    return places


def views(flat, places, first_order="C"):
    """The Theta matrices as views of ``flat``, at the places of :func:`layout`.

    ``first_order="F"`` reads ``Theta^(1)`` column-major (the layout in which
    sparse rows are multiplied fastest, see ``skbackprop._loss``); the others
    are always row-major.
    """
    return [
        flat[start:stop].reshape(shape[::-1]).T
        if first_order == "F" and l == 0
        else flat[start:stop].reshape(shape)
        for l, (start, stop, shape) in enumerate(places)
    ]


def penalty_mask(layer_sizes, dtype):
    """1 for the weights that lambda penalises, 0 for the bias column, as a flat vector."""
    places = layout(layer_sizes)
    mask = np.ones(places[-1][1], dtype=dtype)
    for theta in views(mask, places):
        theta[:, 0] = 0.0
    return mask


def check_layer_sizes(layer_sizes):
    """``[s_1, ..., s_L]`` as a list of at least 2 Python ints >= 1, or a ValueError/TypeError."""
    layer_sizes = check_sizes(
        layer_sizes, "layer_sizes", "a sequence of ints >= 1 (tuple, list, range or 1-D ndarray)"
    )
    if len(layer_sizes) < 2:
        raise ValueError(f"layer_sizes must list at least 2 layers; got {layer_sizes}")
    return layer_sizes


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
        Half-width of the range, > 0 (at most about 9e307 in float64, 3.4e38
        in float32); None uses ``eps_l`` per layer.
    dtype : {np.float64, np.float32}, default=np.float64
        The weights are in native byte order whatever the byte order asked for.

    Returns
    -------
    thetas : list of ndarray
        ``thetas[l]`` has shape ``(layer_sizes[l + 1], layer_sizes[l] + 1)``.
        They are views into one contiguous vector (see :func:`pack`).

    See Also
    --------
    skbackprop.textbook.init_thetas : The same draw, written as the equation.

    Examples
    --------
    >>> thetas = init_thetas([2, 5, 5, 2], random_state=0)
    >>> [theta.shape for theta in thetas]
    [(5, 3), (5, 6), (2, 6)]
    >>> bool(abs(thetas[0]).max() <= (6 ** 0.5) / (3 + 5) ** 0.5)
    True
    """
    layer_sizes = check_layer_sizes(layer_sizes)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64; got {dtype!r}") from None
    if dtype.type not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {dtype}")
    dtype = np.dtype(dtype.type)  # native byte order
    epsilon_init = check_epsilon_init(epsilon_init, dtype)
    rng = check_random_state(random_state)
    theta_shapes = shapes(layer_sizes)
    flat = np.empty(sum(r * c for r, c in theta_shapes), dtype=dtype)
    thetas = unpack(flat, layer_sizes)
    for theta, (rows, cols) in zip(thetas, theta_shapes, strict=True):
        eps = epsilon_init if epsilon_init is not None else math.sqrt(6) / math.sqrt(rows + cols)
        theta[...] = rng.uniform(-eps, eps, size=(rows, cols))
    return thetas


def pack(thetas):
    """Concatenate the Theta matrices into one flat vector (row-major).

    The vector that solvers and :func:`make_objective`'s function take;
    :func:`unpack` gives the matrices back.

    Parameters
    ----------
    thetas : list of ndarray
        ``thetas[l]`` of shape ``(s_{l+2}, s_{l+1} + 1)``, bias in column 0.

    Returns
    -------
    theta_flat : ndarray of shape (n_params,)
        A new vector, the matrices one after the other.

    See Also
    --------
    unpack : The inverse.

    Examples
    --------
    >>> import numpy as np
    >>> pack([np.arange(6.0).reshape(2, 3), np.ones((1, 3))])
    array([0., 1., 2., 3., 4., 5., 1., 1., 1.])
    """
    return np.concatenate([np.ravel(theta) for theta in thetas])


def unpack(theta_flat, layer_sizes):
    """Split a flat vector into Theta matrices that are views of it.

    The inverse of :func:`pack`, without a copy.

    Parameters
    ----------
    theta_flat : ndarray of shape (n_params,)
        Contiguous vector, as made by :func:`pack`; an ndarray, as the results are
        its views.
    layer_sizes : sequence of int
        ``[s_1, ..., s_L]``.

    Returns
    -------
    thetas : list of ndarray
        Views: writing to them writes to ``theta_flat``.

    See Also
    --------
    pack : The inverse.

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
    if not isinstance(theta_flat, np.ndarray):
        raise TypeError(
            "theta_flat must be a 1-D ndarray, whose views are returned; got "
            f"{type(theta_flat).__name__}"
        )
    layer_sizes = check_layer_sizes(layer_sizes)
    places = layout(layer_sizes)
    n_params = places[-1][1]
    if theta_flat.ndim != 1 or theta_flat.shape[0] != n_params:
        raise ValueError(
            f"theta_flat must be a vector of {n_params} parameters for layer sizes "
            f"{layer_sizes}; got shape {theta_flat.shape}"
        )
    return views(theta_flat, places)
