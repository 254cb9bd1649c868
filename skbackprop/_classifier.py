"""BackpropClassifier: the scikit-learn estimator around the Theta-matrix engine."""

import numbers
import warnings
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

from . import _validation, engine
from ._activations import (
    HIDDEN_ACTIVATIONS,
    OUTPUT_LOSSES,
    log_softmax,
)
from ._solvers import SOLVERS, Recorder

_FLOAT_DTYPES = (np.float64, np.float32)


@lru_cache(maxsize=1)
def _blas_controller():
    """Inspect the loaded libraries once, not at every fit."""
    return ThreadpoolController()


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _is_int_or_bool(value):
    return isinstance(value, numbers.Integral)


class BackpropClassifier(ClassifierMixin, BaseEstimator):
    """Feed-forward neural network classifier trained by backpropagation.

    The network is the list of Theta matrices of :mod:`skbackprop.engine`:
    ``thetas_[l]`` has shape ``(s_{l+1}, s_l + 1)`` with the bias weights in
    column 0. There is one output unit per class (two for a binary problem). With
    sigmoid output units (the default) the cost is the cross-entropy summed over
    the output units; with a softmax output layer it is the categorical
    cross-entropy, as in scikit-learn's ``MLPClassifier``. Either way it adds
    ``reg_lambda / (2 m)`` times the squared non-bias weights.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(25,)
        Units of each hidden layer; ``()`` means no hidden layer (one logistic
        regression per class).
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.
    output_activation : {"sigmoid", "softmax"}, default="sigmoid"
        Output units: independent sigmoids, one per class, whose outputs
        :meth:`predict_proba` normalises; or a softmax, whose outputs are the
        class probabilities.
    solver : {"gd", "L-BFGS-B", "CG", "BFGS", "TNC"}, default="gd"
        ``"gd"`` is full-batch gradient descent with step ``learning_rate``; the
        others are the ``scipy.optimize.minimize`` methods of that name.
    reg_lambda : float, default=1e-4
        Regularisation strength lambda (the same penalty as ``alpha`` of
        scikit-learn's ``MLPClassifier``). Must be >= 0.
    learning_rate : float, default=0.5
        Gradient-descent step size alpha; used by ``solver="gd"`` only. Must be > 0.
    max_iter : int, default=1000
        Maximum number of iterations (gradient steps, or iterations of the scipy
        method). Must be >= 1.
    tol : float, default=1e-4
        Training stops when the largest absolute component of the gradient of the
        cost is at most ``tol``; stopping short of it, at ``max_iter`` or because
        a scipy method makes no further progress, gives a ConvergenceWarning.
        ``tol=0`` runs ``max_iter`` iterations (fewer only if a scipy method can
        make no further progress) without a convergence warning.
    epsilon_init : float or None, default=None
        Initial weights are uniform in ``[-eps, eps]``; None uses
        ``eps = sqrt(6) / sqrt(s_l + 1 + s_{l+1})`` for each Theta matrix.
    random_state : int, RandomState instance or None, default=None
        Seed of the initial weights.
    warm_start : bool, default=False
        Continue from the weights of the previous fit instead of new random ones.
    verbose : int, default=0
        Progress output: 1 prints about 20 lines per fit, 2 every iteration.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.
    thetas_ : list of ndarray
        ``thetas_[l]`` of shape ``(s_{l+1}, s_l + 1)``; float32 when fitted on
        float32 data, float64 otherwise.
    activation_, output_activation_ : str
        The activations the network was trained with, which predictions use
        (``set_params`` after fitting does not change the fitted network).
    loss_ : float
        Cost ``J`` at the final weights.
    loss_curve_ : list of float
        Cost after each iteration; warm starts append to it.
    n_iter_ : int
        Iterations run by the last call to fit.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's multi-layer perceptron.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from skbackprop import BackpropClassifier
    >>> X, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    >>> clf = BackpropClassifier(hidden_layer_sizes=(5, 5), solver="L-BFGS-B",
    ...                          random_state=0).fit(X, y)
    >>> [theta.shape for theta in clf.thetas_]
    [(5, 3), (5, 6), (2, 6)]
    >>> float(clf.score(X, y)) > 0.95
    True
    >>> proba = clf.predict_proba(X[:3])
    >>> proba.shape, proba.sum(axis=1).round(12)
    ((3, 2), array([1., 1., 1.]))
    """

    def __init__(
        self,
        hidden_layer_sizes=(25,),
        activation="sigmoid",
        output_activation="sigmoid",
        solver="gd",
        reg_lambda=1e-4,
        learning_rate=0.5,
        max_iter=1000,
        tol=1e-4,
        epsilon_init=None,
        random_state=None,
        warm_start=False,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.solver = solver
        self.reg_lambda = reg_lambda
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.epsilon_init = epsilon_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    # -- validation -------------------------------------------------------------

    def _check_params(self):
        """Validate the hyperparameters; return the hidden layer sizes as a tuple.

        Wrong types raise TypeError and wrong values ValueError; each message names
        the parameter, what it must be, and what it got.
        """
        sizes = self.hidden_layer_sizes
        allowed_sizes = "a tuple of positive ints (or () for no hidden layer)"
        sizes = (sizes,) if _is_int(sizes) else sizes
        if isinstance(sizes, str) or not isinstance(sizes, Iterable):
            sizes = None
        else:
            sizes = tuple(sizes)
        if sizes is None or not all(_is_int(s) for s in sizes):
            raise TypeError(
                f"hidden_layer_sizes must be {allowed_sizes}; got {self.hidden_layer_sizes!r}"
            )
        if not all(s >= 1 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be {allowed_sizes}; got {self.hidden_layer_sizes!r}"
            )
        for name, options in (
            ("activation", HIDDEN_ACTIVATIONS),
            ("output_activation", OUTPUT_LOSSES),
            ("solver", SOLVERS),
        ):
            value = getattr(self, name)
            if not isinstance(value, str) or value not in options:
                raise ValueError(f"{name} must be one of {list(options)}; got {value!r}")
        checks = [
            ("reg_lambda", self.reg_lambda, _is_real, lambda v: v >= 0, "a float >= 0"),
            ("learning_rate", self.learning_rate, _is_real, lambda v: v > 0, "a float > 0"),
            ("max_iter", self.max_iter, _is_int, lambda v: v >= 1, "an int >= 1"),
            ("tol", self.tol, _is_real, lambda v: v >= 0, "a float >= 0"),
            ("verbose", self.verbose, _is_int_or_bool, lambda v: v >= 0, "an int >= 0"),
            ("warm_start", self.warm_start, _is_bool, lambda v: True, "a bool"),
        ]
        if self.epsilon_init is not None:
            checks.append(
                (
                    "epsilon_init",
                    self.epsilon_init,
                    _is_real,
                    lambda v: v > 0,
                    "a float > 0 or None",
                )
            )
        for name, value, type_ok, range_ok, allowed in checks:
            if not type_ok(value):
                raise TypeError(
                    f"{name} must be {allowed}; got {value!r} of type {type(value).__name__}"
                )
            if not (np.isfinite(value) and range_ok(value)):
                raise ValueError(f"{name} must be {allowed}; got {value!r}")
        random_state = self.random_state
        allowed = "an int in [0, 2**32 - 1], a RandomState instance or None"
        if not (
            random_state is None
            or _is_int(random_state)
            or isinstance(random_state, np.random.RandomState)
        ):
            raise TypeError(
                f"random_state must be {allowed}; got {random_state!r} of type "
                f"{type(random_state).__name__}"
            )
        if _is_int(random_state) and not 0 <= random_state < 2**32:
            raise ValueError(f"random_state must be {allowed}; got {random_state!r}")
        return sizes

    @staticmethod
    def _check_sample_weight(sample_weight, n_samples):
        """float64 weights (a scalar is every sample's weight), checked before any work."""
        if sample_weight is None:
            return None
        sample_weight = np.asarray(sample_weight)
        if sample_weight.ndim == 0:
            sample_weight = np.full(n_samples, sample_weight)
        sample_weight = _validation.check_sample_weight(sample_weight, n_samples)
        if not np.any(sample_weight > 0):
            raise ValueError("sample_weight must not be all zero: the total weight is zero")
        return sample_weight

    # -- fitting ----------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 data is trained in float32.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the cost averages become weighted averages.

        Returns
        -------
        self : BackpropClassifier
            The fitted estimator.
        """
        # validate_data records n_features_in_ and feature_names_in_ on self as a
        # side effect: restore the previous model if anything below fails.
        saved = dict(self.__dict__)
        try:
            return self._fit(X, y, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit(self, X, y, sample_weight):
        hidden = self._check_params()
        X, y = validate_data(self, X, y, dtype=_FLOAT_DTYPES, reset=True)
        check_classification_targets(y)
        dtype = X.dtype
        sample_weight = self._check_sample_weight(sample_weight, X.shape[0])

        classes, y_encoded = np.unique(y, return_inverse=True)
        if sample_weight is None:
            weights = np.ones(X.shape[0])
            present = np.unique(y_encoded)
        else:
            # Scaled by a power of two, exactly: sums of huge weights would overflow.
            weights = _validation.scale_weights(sample_weight)[0]
            present = np.unique(y_encoded[sample_weight > 0])
        if len(present) < 2:
            where = "y has" if sample_weight is None else "the samples of positive weight have"
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; {where} "
                f"{len(present)} class: {classes[present].tolist()}"
            )
        class_weight = np.bincount(y_encoded, weights=weights, minlength=len(classes))
        unit_class = self._output_unit_order(X, y_encoded, weights, class_weight)
        unit_of_class = np.argsort(unit_class)
        layer_sizes = [X.shape[1], *hidden, len(classes)]

        warm = self.warm_start and hasattr(self, "thetas_")
        if warm:
            self._check_warm_start(classes, layer_sizes)
            thetas = [theta.astype(dtype) for theta in self.thetas_]
            thetas[-1] = thetas[-1][unit_class]
        else:
            thetas = engine.init_thetas(layer_sizes, self.random_state, self.epsilon_init, dtype)
        x0 = engine.pack(thetas)

        # Column-major, as the engine keeps its output layer.
        Y = np.zeros((X.shape[0], len(classes)), dtype=dtype, order="F")
        Y[np.arange(X.shape[0]), unit_of_class[y_encoded]] = 1
        objective = engine.make_objective(
            X,
            Y,
            layer_sizes,
            reg_lambda=self.reg_lambda,
            activation=self.activation,
            output_activation=self.output_activation,
            sample_weight=sample_weight,
        )
        recorder = Recorder(self.verbose, self.max_iter)
        solve = SOLVERS[self.solver]
        # The engine's own threads share the rows of large problems. BLAS threads
        # would compete with them, and on small blocks they cost more than they
        # save (a digits fit runs 4x slower with two), so BLAS gets one thread.
        with _blas_controller().limit(limits=1, user_api="blas"):
            result = solve(
                objective,
                x0,
                max_iter=self.max_iter,
                tol=self.tol,
                learning_rate=self.learning_rate,
                recorder=recorder,
            )
        self._warn_about(result, dtype)

        self.classes_ = classes
        self.activation_ = self.activation
        self.output_activation_ = self.output_activation
        thetas = [theta.copy() for theta in engine.unpack(result.x.astype(dtype), layer_sizes)]
        thetas[-1] = thetas[-1][unit_of_class]
        self.thetas_ = thetas
        self.loss_ = float(result.loss)
        previous_curve = self.loss_curve_ if warm else []
        self.loss_curve_ = list(previous_curve) + result.loss_curve
        self.n_iter_ = result.n_iter
        return self

    @staticmethod
    def _output_unit_order(X, y_encoded, weights, class_weight):
        """Which class each output unit stands for: ``unit_class[j]``.

        Units are ordered by class weight (largest first), then by class centroid:
        properties of the data, not of the labels or of the order of the rows.
        Relabelling the classes therefore leaves every floating-point operation of
        a fit unchanged, and shuffling rows, or repeating them instead of weighting
        them, changes only the order of summation.
        """
        membership = np.zeros((len(class_weight), X.shape[0]))
        membership[y_encoded, np.arange(X.shape[0])] = weights
        with np.errstate(over="ignore", invalid="ignore"):
            centroids = membership @ X
        if not np.isfinite(centroids).all():
            # |x| near the float limit: sums of the columns scaled to [-1, 1]
            # keep the order of the means.
            column_max = np.abs(X).max(axis=0)
            column_max[column_max == 0] = 1.0
            centroids = membership @ (X / column_max)
        present = class_weight > 0
        centroids[present] /= class_weight[present, None]
        # Rounded to 9 digits of each column's scale, so that the rounding of the
        # sums, which depends on the row order, does not decide: classes that
        # share a constant column (all-zero pixels, say) tie there exactly, and
        # the next column decides.
        column_scale = np.abs(centroids).max(axis=0)
        column_scale[~(column_scale > 0)] = 1.0
        centroids = np.round(centroids / column_scale, 9)
        # np.lexsort sorts by its last key first.
        return np.lexsort((*centroids.T[::-1], -class_weight))

    def _check_warm_start(self, classes, layer_sizes):
        old_sizes = engine.layer_sizes_of(self.thetas_)
        if old_sizes[0] != layer_sizes[0]:
            raise ValueError(
                f"warm_start=True: X has {layer_sizes[0]} features but the previous fit "
                f"had {old_sizes[0]}; fit with warm_start=False to start anew"
            )
        # Python lists: NumPy < 2 raises when it compares str with int labels.
        if classes.tolist() != self.classes_.tolist():
            raise ValueError(
                f"warm_start=True: y has classes {classes.tolist()} but the previous fit had "
                f"{self.classes_.tolist()}; fit with warm_start=False to start anew"
            )
        if old_sizes != layer_sizes:
            raise ValueError(
                f"warm_start=True: hidden_layer_sizes={tuple(layer_sizes[1:-1])} differs from "
                f"the previous fit's {tuple(old_sizes[1:-1])}; fit with warm_start=False"
            )
        for name in ("activation", "output_activation"):
            new, old = getattr(self, name), getattr(self, f"{name}_")
            if new != old:
                raise ValueError(
                    f"warm_start=True: {name}={new!r} differs from the previous fit's "
                    f"{old!r}; fit with warm_start=False to start anew"
                )

    def _warn_about(self, result, dtype):
        name = type(self).__name__
        if result.status == "not_finite":
            warm = self.warm_start and hasattr(self, "thetas_")
            start = "the previous fit's weights" if warm else "the initial weights"
            raise ValueError(
                f"{name} cannot train: the cost at {start} is not finite (J = "
                f"{result.loss}): the weights or the features are too large for "
                f"{dtype.name}. Scale the features (e.g. with StandardScaler) or "
                "lower epsilon_init."
            )
        if result.status == "max_iter" and self.tol > 0:
            advice = (
                "increase max_iter or learning_rate, or try solver='L-BFGS-B'"
                if self.solver == "gd"
                else "increase max_iter"
            )
            warnings.warn(
                f"{name} did not converge: max_iter={self.max_iter} iterations ran before "
                f"the gradient reached tol={self.tol:g} ({result.message}). To fix it, "
                f"{advice}; scaling the features (StandardScaler) also helps.",
                ConvergenceWarning,
                stacklevel=4,
            )
        elif result.status == "diverged":
            warnings.warn(
                f"{name} stopped after {result.n_iter} iterations because training "
                f"diverged ({result.message}): learning_rate={self.learning_rate:g} is too "
                "large. Decrease learning_rate or scale the features; the weights before "
                "the bad step were kept.",
                ConvergenceWarning,
                stacklevel=4,
            )
        elif result.status == "stopped" and self.tol > 0:
            warnings.warn(
                f"{name}: solver {self.solver!r} stopped after {result.n_iter} iterations "
                f"without meeting tol={self.tol:g}: {result.message}. Scaling the features, "
                "raising tol or trying another solver may help.",
                ConvergenceWarning,
                stacklevel=4,
            )
        elif result.status == "interrupted":
            kept = "the initial" if result.n_iter == 0 else "the last completed iteration's"
            warnings.warn(
                f"{name}: training was interrupted (KeyboardInterrupt) after "
                f"{result.n_iter} iterations; {kept} weights were kept.",
                UserWarning,
                stacklevel=4,
            )

    # -- prediction -------------------------------------------------------------

    def _output_logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOAT_DTYPES, reset=False)
        dtype = self.thetas_[0].dtype
        with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf
            X = X.astype(dtype, copy=False)
        Z = engine.forward_logits(self.thetas_, X, self.activation_)
        if np.isnan(Z).any():
            raise ValueError(
                f"X has values too large for this network (max |x| = {np.abs(X).max():.3g}): "
                f"its pre-activations overflow {dtype.name}. Scale the features, "
                "e.g. with StandardScaler."
            )
        return Z

    def _log_proba(self, X):
        """Log-probabilities from the logits, finite even where probabilities underflow."""
        log_h = engine.log_output_activations(self._output_logits(X), self.output_activation_)
        if self.output_activation_ == "softmax":
            return log_h
        # h / sum(h) for sigmoid units, in log space: rows whose outputs all
        # underflow stay finite.
        return log_softmax(log_h)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed in log space without a warning.

        Where a probability underflows to 0 (below about 1e-308 in float64), its
        log is ``-inf``, as ``np.log(predict_proba(X))`` would give.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        log_proba = self._log_proba(X)
        log_proba[np.exp(log_proba) == 0] = -np.inf
        return log_proba

    def predict_proba(self, X):
        """Class probabilities: the output units, normalised to sum to one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        return np.exp(self._log_proba(X))

    def predict(self, X):
        """Predict the class of each sample: the most probable one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        # The exact log-probabilities still rank classes whose probabilities underflow.
        log_proba = self._log_proba(X)
        return self.classes_[np.argmax(log_proba, axis=1)]
