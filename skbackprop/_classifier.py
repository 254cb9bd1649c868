"""BackpropClassifier: the scikit-learn estimator around the Theta-matrix engine."""

import copy
import numbers
import threading
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from sklearn.utils.validation import validate_data as _sklearn_validate_data

from . import _targets, _validation, engine
from ._activations import (
    HIDDEN_ACTIVATIONS,
    OUTPUT_LOSSES,
    log_softmax,
)
from ._blocks import one_blas_thread
from ._callbacks import BASES as CALLBACK_BASES
from ._callbacks import fit_tasks, with_callbacks
from ._monitor import Monitor, ValidationStopping
from ._solvers import SCIPY_METHODS, SGD, Adam, GradientDescent, ScipyMinimize

_FLOAT_DTYPES = (np.float64, np.float32)
STOCHASTIC_SOLVERS = ("sgd", "adam")
SCHEDULES = ("constant", "invscaling", "adaptive")
# The default step size of each solver (learning_rate="auto").
DEFAULT_LEARNING_RATES = {"gd": 1.0, "sgd": 1e-3, "adam": 1e-3}
# Held while a fit publishes its model and while set_params changes parameters,
# so that neither undoes the other.
_PUBLISH_LOCK = threading.Lock()
# A second Ctrl-C waits until the BLAS limit's bookkeeping is done.
BLAS_BOOKKEEPING = (one_blas_thread.__module__,)


def _stochastic_kwargs(clf, rng, max_iter, state, training_rule):
    return {
        "batch_size": clf.batch_size,
        "shuffle": clf.shuffle,
        "random_state": rng,
        "max_iter": max_iter,
        "tol": clf.tol,
        "n_iter_no_change": clf.n_iter_no_change,
        "training_rule": training_rule,
        "state": state,
    }


# solver name -> factory(estimator, rng, max_iter, state, training_rule)
SOLVERS = {
    "gd": lambda clf, rng, max_iter, state, rule: GradientDescent(
        clf._learning_rate(), max_iter, clf.tol
    ),
    "sgd": lambda clf, rng, max_iter, state, rule: SGD(
        clf._learning_rate(),
        momentum=clf.momentum,
        nesterovs_momentum=clf.nesterovs_momentum,
        schedule=clf.learning_rate_schedule,
        power_t=clf.power_t,
        **_stochastic_kwargs(clf, rng, max_iter, state, rule),
    ),
    "adam": lambda clf, rng, max_iter, state, rule: Adam(
        clf._learning_rate(),
        beta_1=clf.beta_1,
        beta_2=clf.beta_2,
        epsilon=clf.epsilon,
        **_stochastic_kwargs(clf, rng, max_iter, state, rule),
    ),
}
SOLVERS.update(
    {
        method: (
            lambda clf, rng, max_iter, state, rule, method=method: ScipyMinimize(
                method, max_iter, clf.tol, clf.max_fun
            )
        )
        for method in SCIPY_METHODS
    }
)


def validate_data(*args, **kwargs):
    """scikit-learn's ``validate_data``, without its RuntimeWarning near the float limit.

    Its finiteness check first sums X, which overflows (or gives inf - inf) on
    finite values of mixed signs near the float limit, and warns; it then falls
    back to an elementwise test, whose answer is right.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return _sklearn_validate_data(*args, **kwargs)


_is_int = _validation.is_int


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _is_int_or_bool(value):
    return isinstance(value, numbers.Integral)


# MLPClassifier's name of the sigmoid, accepted so that its settings carry over.
_ALIASES = {"logistic": "sigmoid"}


def _largest_share(rows):
    """The share of the most common value (of a vector) or row (of a matrix)."""
    counts = np.unique(rows, axis=0 if rows.ndim == 2 else None, return_counts=True)[1]
    return counts.max() / len(rows)


def _dask_predict(estimator, method, X):
    # Imported only for dask input: skbackprop.dask needs the [dask] extra.
    from .dask import predict

    return predict(estimator, method, X)


# scikit-learn >= 1.9: CallbackSupportMixin first, as in scikit-learn's own estimators.
class BackpropClassifier(*CALLBACK_BASES, ClassifierMixin, BaseEstimator):
    """Feed-forward neural network classifier trained by backpropagation.

    The network is the list of Theta matrices of :mod:`skbackprop.engine`:
    ``thetas_[l]`` has shape ``(s_{l+1}, s_l + 1)`` with the bias weights in
    column 0. There is one output unit per class (two for a binary problem). With
    a softmax output layer (the default for labels) the cost is the categorical
    cross-entropy, as in scikit-learn's ``MLPClassifier``; with the seed's
    sigmoid output units it is the cross-entropy summed over the output units.
    Either way it adds ``reg_lambda / (2 m)`` times the squared non-bias weights.

    ``y`` is a vector of labels (binary or multiclass), or a multilabel
    indicator matrix (one column of 0s and 1s per label), which the seed's
    independent sigmoid output units model: :meth:`predict` then returns an
    indicator matrix. ``X`` may be a dense array or a SciPy sparse matrix
    (CSR or CSC); sparse rows are multiplied as they are, never made dense.

    Scale the features (e.g. with ``StandardScaler`` in a ``Pipeline``): on
    large raw values sigmoid and tanh units saturate, their gradients vanish,
    and training stalls; full-batch gradient descent with one step size for
    every weight also cannot follow features whose scales differ a thousandfold.
    A fit that ends on such a model (saturated hidden units, or one class
    predicted for nearly every row) warns with a ``ConvergenceWarning``, and a
    first step that diverges is an error.

    The defaults (tanh hidden units, softmax outputs, step 1.0, ``tol=3e-4``)
    reach scikit-learn's default ``MLPClassifier`` accuracy on standardised
    data; the seed's network is ``activation="sigmoid",
    output_activation="sigmoid", learning_rate=0.5``.

    On scikit-learn >= 1.9 it takes scikit-learn's callbacks (``set_callbacks``,
    ``sklearn.callback``): each iteration (epoch for sgd and adam) of every solver
    is a subtask whose ``fitted_estimator`` is the network of that iteration; a
    callback that asks to stop ends the fit there, with those weights.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(25,)
        Units of each hidden layer; ``()`` means no hidden layer (one logistic
        regression per class).
    activation : {"sigmoid", "tanh", "relu", "identity", "logistic"}, default="tanh"
        Activation of the hidden units; "logistic" is another name of "sigmoid"
        (MLPClassifier's), "identity" makes linear units.
    output_activation : {"auto", "softmax", "sigmoid", "logistic"}, default="auto"
        Output units: a softmax, whose outputs are the class probabilities; or
        independent sigmoids ("logistic" is the same), one per class, whose
        outputs :meth:`predict_proba` normalises for labels and reports as
        they are for a multilabel ``y``. "auto" is "softmax" for labels and
        "sigmoid" for a multilabel ``y`` (a softmax cannot model it).
    solver : {"gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"}, default="gd"
        ``"gd"`` is full-batch gradient descent with step ``learning_rate``;
        ``"sgd"`` and ``"adam"`` take mini-batch steps of ``batch_size`` rows
        (and offer :meth:`partial_fit`); the others are the
        ``scipy.optimize.minimize`` methods of that name.
    reg_lambda : float, default=1e-4
        Regularisation strength lambda (the same penalty as ``alpha`` of
        scikit-learn's ``MLPClassifier``). Must be >= 0. Every solver minimises
        the same ``J``: a mini-batch gradient is an unbiased estimate of the
        full one, with the penalty of all ``m`` rows.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, which multiply the sample weights (as in
        ``LogisticRegression``): ``{label: weight}`` (classes not named weigh
        1), or "balanced", ``sum(w) / (n_classes * sum of w in the class)``, so
        that every class carries the same total weight. They also weigh the
        validation rows of early stopping. Not for a multilabel ``y``;
        :meth:`partial_fit` takes a dict only.
    learning_rate : float or "auto", default="auto"
        Step size: alpha of gradient descent, the initial step of sgd and adam.
        "auto" is 1.0 for "gd" and 0.001 for "sgd" and "adam" (MLPClassifier's
        ``learning_rate_init``). Unused by the scipy methods. Must be > 0.
    max_iter : int, default=5000
        Maximum number of iterations: gradient steps, iterations of the scipy
        method, or epochs (passes over the data) of sgd and adam. Must be >= 1.
    max_fun : int, default=15000
        Maximum number of evaluations of ``J`` by the scipy methods (checked
        at the end of each iteration; "L-BFGS-B" and "TNC" also hand it to
        scipy). Reaching it gives a ConvergenceWarning. Must be >= 1.
    tol : float, default=3e-4
        Stopping tolerance. gd and the scipy methods stop when the largest
        absolute component of the gradient is at most ``tol``; sgd and adam stop
        when the epoch loss has not improved by ``tol`` for more than
        ``n_iter_no_change`` epochs. Stopping short of it at ``max_iter`` (or
        because a scipy method makes no further progress) gives a
        ConvergenceWarning; ``tol=0`` gives none.
    batch_size : int or "auto", default="auto"
        Rows per mini-batch for sgd and adam; "auto" is ``min(200, n_samples)``.
    shuffle : bool, default=True
        Whether sgd and adam shuffle the rows before each epoch (seeded by
        ``random_state``).
    learning_rate_schedule : {"constant", "invscaling", "adaptive"}, default="constant"
        Step sizes of sgd: constant; ``learning_rate / (t + 1) ** power_t`` after
        ``t`` samples seen; or divided by 5 each time the stopping rule would
        stop the fit, until it falls below 1e-6.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule. Must be >= 0.
    momentum : float, default=0.9
        Momentum of sgd, in [0, 1].
    nesterovs_momentum : bool, default=True
        Whether sgd uses Nesterov's momentum.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of adam's moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical-stability term. Must be > 0.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified,
        seeded by ``random_state``), stop when their loss has not improved for
        more than ``n_iter_no_change`` iterations, and keep the weights where it
        was lowest. Works with every solver; passing ``X_val`` and ``y_val`` to
        :meth:`fit` implies it, on that set. Not used by :meth:`partial_fit`.
    validation_fraction : float, default=0.1
        Share of the training rows held out by ``early_stopping``, in (0, 1).
    n_iter_no_change : int, default=10
        Iterations (epochs for sgd and adam) allowed without an improvement of
        the validation loss, or of the epoch loss for sgd and adam. Must be >= 1.
    epsilon_init : float or None, default=None
        Initial weights are uniform in ``[-eps, eps]``; None uses
        ``eps = sqrt(6) / sqrt(s_l + 1 + s_{l+1})`` for each Theta matrix.
    random_state : int, RandomState instance or None, default=None
        Seed of the initial weights, the validation split and the shuffling.
    warm_start : bool, default=False
        Continue from the previous fit: its weights, and the state of sgd and
        adam (velocities, moments, step count, learning rate, shuffling).
    verbose : int, default=0
        Progress output: 1 prints about 20 lines per fit, 2 every iteration.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for a multilabel ``y``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.
    thetas_ : list of ndarray
        ``thetas_[l]`` of shape ``(s_{l+1}, s_l + 1)``; float32 when fitted on
        float32 data, float64 otherwise.
    activation_, output_activation_ : str
        The activations the network was trained with, which predictions use
        (``set_params`` after fitting does not change the fitted network);
        ``output_activation_`` is "softmax" or "sigmoid", never "auto".
    coefs_, intercepts_ : list of ndarray
        MLPClassifier's view of the weights, read-only: ``coefs_[l]`` is
        ``thetas_[l][:, 1:].T`` and ``intercepts_[l]`` is ``thetas_[l][:, 0]``.
    n_layers_, n_outputs_ : int
        Layers (input and output included) and output units.
    out_activation_ : str
        The output activation in MLPClassifier's words: "softmax" or "logistic".
    loss_ : float
        The entry of ``loss_curve_`` of the kept weights: ``J`` at those weights
        for gd and the scipy methods, the mean mini-batch cost of that epoch for
        sgd and adam.
    loss_curve_ : list of float
        Loss after each iteration (epoch); warm starts and partial_fit append.
    best_loss_ : float
        The lowest value of ``loss_curve_``.
    n_iter_ : int
        Iterations run by the last call to fit; partial_fit adds one per call.
    t_ : int
        Training samples the solver has seen since the weights were initialised.
    validation_loss_curve_ : list of float or None
        With early stopping: the data term of ``J`` on the validation rows after
        each iteration of the last fit.
    validation_scores_ : list of float or None
        With early stopping: the accuracy on the validation rows after each
        iteration of the last fit.
    best_validation_score_ : float or None
        With early stopping: the validation accuracy of the kept weights, those
        of the lowest validation loss.

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

    Mini-batches, one epoch per call:

    >>> import numpy as np
    >>> online = BackpropClassifier(solver="adam", learning_rate=0.01, random_state=0)
    >>> for chunk in np.array_split(np.arange(200), 4):
    ...     online = online.partial_fit(X[chunk], y[chunk], classes=[0, 1])
    >>> online.n_iter_, online.t_
    (4, 200)
    """

    def __init__(
        self,
        hidden_layer_sizes=(25,),
        activation="tanh",
        output_activation="auto",
        solver="gd",
        reg_lambda=1e-4,
        class_weight=None,
        learning_rate="auto",
        max_iter=5000,
        max_fun=15000,
        tol=3e-4,
        batch_size="auto",
        shuffle=True,
        learning_rate_schedule="constant",
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
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
        self.class_weight = class_weight
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_fun = max_fun
        self.tol = tol
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.learning_rate_schedule = learning_rate_schedule
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
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
        sizes = _validation.check_sizes(
            self.hidden_layer_sizes,
            "hidden_layer_sizes",
            "a tuple of positive ints (or () for no hidden layer)",
            single=True,
        )
        for name, options in (
            ("activation", [*HIDDEN_ACTIVATIONS, "logistic"]),
            ("output_activation", ["auto", *OUTPUT_LOSSES, "logistic"]),
            ("solver", SOLVERS),
            ("learning_rate_schedule", SCHEDULES),
        ):
            value = getattr(self, name)
            if not isinstance(value, str) or value not in options:
                raise ValueError(f"{name} must be one of {list(options)}; got {value!r}")
        checks = [
            ("reg_lambda", self.reg_lambda, _is_real, lambda v: v >= 0, "a float >= 0"),
            ("max_iter", self.max_iter, _is_int, lambda v: v >= 1, "an int >= 1"),
            ("max_fun", self.max_fun, _is_int, lambda v: v >= 1, "an int >= 1"),
            ("tol", self.tol, _is_real, lambda v: v >= 0, "a float >= 0"),
            ("power_t", self.power_t, _is_real, lambda v: v >= 0, "a float >= 0"),
            ("momentum", self.momentum, _is_real, lambda v: 0 <= v <= 1, "a float in [0, 1]"),
            ("beta_1", self.beta_1, _is_real, lambda v: 0 <= v < 1, "a float in [0, 1)"),
            ("beta_2", self.beta_2, _is_real, lambda v: 0 <= v < 1, "a float in [0, 1)"),
            ("epsilon", self.epsilon, _is_real, lambda v: v > 0, "a float > 0"),
            (
                "validation_fraction",
                self.validation_fraction,
                _is_real,
                lambda v: 0 < v < 1,
                "a float in (0, 1)",
            ),
            ("n_iter_no_change", self.n_iter_no_change, _is_int, lambda v: v >= 1, "an int >= 1"),
            ("verbose", self.verbose, _is_int_or_bool, lambda v: v >= 0, "an int >= 0"),
        ]
        checks += [
            (name, getattr(self, name), _is_bool, lambda v: True, "a bool")
            for name in ("warm_start", "shuffle", "nesterovs_momentum", "early_stopping")
        ]
        for name, allowed in (
            ("learning_rate", "a float > 0 or 'auto'"),
            ("batch_size", "an int >= 1 or 'auto'"),
        ):
            value = getattr(self, name)
            if isinstance(value, str):
                if value != "auto":
                    raise ValueError(f"{name} must be {allowed}; got {value!r}")
                continue
            is_type = _is_real if name == "learning_rate" else _is_int
            checks.append((name, value, is_type, lambda v: v > 0, allowed))
        for name, value, type_ok, range_ok, allowed in checks:
            if type_ok is _is_real:  # a finite float, also if given as a huge int
                _validation.check_real(value, name, allowed, range_ok)
                continue
            if not type_ok(value):
                raise TypeError(
                    f"{name} must be {allowed}; got {value!r} of type {type(value).__name__}"
                )
            # Counts and flags: any int is finite (max_iter=10**20 means "until tol").
            if not range_ok(value):
                raise ValueError(f"{name} must be {allowed}; got {value!r}")
        # float64's limit here; init_thetas applies that of the data's dtype.
        _validation.check_epsilon_init(self.epsilon_init)
        _targets.check_class_weight(self.class_weight)
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
        return tuple(sizes)

    def _learning_rate(self):
        if self.learning_rate == "auto":
            return DEFAULT_LEARNING_RATES.get(self.solver, 0.0)
        return float(self.learning_rate)

    @staticmethod
    def _check_sample_weight(sample_weight, n_samples, name="sample_weight"):
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

    # -- fitting ----------------------------------------------------------------

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data is trained in float32, a sparse matrix
            (CSR, CSC) is used without being made dense.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (at least two classes), or a multilabel indicator
            matrix of 0s and 1s.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the cost averages become weighted averages.
        X_val, y_val : array-like, default=None
            A validation set for early stopping (which passing it implies),
            instead of holding out ``validation_fraction`` of ``X``. Its labels
            must be among those of ``y``.
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation rows.

        Returns
        -------
        self : BackpropClassifier
            The fitted estimator.
        """
        if _validation.is_dask_collection(X):
            # Trained where the chunks live (skbackprop.dask, the [dask] extra).
            from .dask import fit

            shadow = fit(self._shadow(), X, y, sample_weight, X_val, y_val, sample_weight_val)
            return self._publish(shadow)
        return self._publish(
            self._shadow()._fit(X, y, sample_weight, X_val, y_val, sample_weight_val)
        )

    def _shadow(self):
        """A shallow copy to fit: the new model is built aside from this one."""
        shadow = object.__new__(type(self))
        shadow.__dict__.update(self.__dict__)
        return shadow

    def _publish(self, shadow):
        """Make ``shadow``'s fitted model this estimator's, in one step.

        A failed or interrupted fit never gets here and leaves the estimator as
        it was. Only the fitted attributes come from ``shadow``: the parameters
        (and scikit-learn callbacks) are this estimator's own, so that a
        ``set_params`` made while the fit ran is kept. The attributes are
        replaced as one dict, which predictions read once (:meth:`_published`):
        a concurrent ``predict`` sees the old model or the new one, never a mix
        (``validate_data`` writes ``n_features_in_`` long before the weights exist).
        """
        settings = {*self._get_param_names(), "_skl_callbacks"}
        # Ctrl-C deferred, so that it cannot skip releasing the lock.
        with Monitor().deferring_interrupts(around=[_PUBLISH_LOCK]):
            attributes = {k: v for k, v in shadow.__dict__.items() if k not in settings}
            attributes.update((k, v) for k, v in self.__dict__.items() if k in settings)
            self.__dict__ = attributes
        return self

    def _published(self):
        """The model published now, read once: a fit that publishes meanwhile does not change it."""
        model = object.__new__(type(self))
        model.__dict__ = self.__dict__
        return model

    def set_params(self, **params):
        """Set the parameters of this estimator; a fit running meanwhile keeps them.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : BackpropClassifier
        """
        with Monitor().deferring_interrupts(around=[_PUBLISH_LOCK]):
            return super().set_params(**params)

    def _stochastic(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for solver='sgd' or 'adam'; got "
                f"solver={self.solver!r}, which trains on the full batch"
            )
        return True

    @available_if(_stochastic)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of sgd or adam over ``(X, y)``, continuing the previous state.

        The first call initialises the network and needs ``classes``; the order
        of the output units is fixed then, from that call's rows. Later calls
        continue the weights and the optimiser's state (moments, velocities,
        step count, learning rate), from a previous ``partial_fit`` or ``fit``.
        Each call's ``J`` uses its own rows' total weight as ``m``. Early
        stopping is not used.

        Ctrl-C keeps the mini-batches completed so far, then raises
        KeyboardInterrupt, so that a loop of ``partial_fit`` calls stops; a
        second Ctrl-C raises at once and keeps the model as it was before the
        call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix of 0s and 1s.
        classes : array-like of shape (n_classes,), default=None
            All the labels that ``y`` will ever hold; required at the first call
            for labels. For a multilabel ``y``, None or ``range(n_labels)``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : BackpropClassifier
        """
        if _validation.is_dask_collection(X):
            # One partial_fit per row chunk (skbackprop.dask, the [dask] extra).
            from .dask import partial_fit

            shadow = self._shadow()
            try:
                partial_fit(shadow, X, y, classes, sample_weight)
            except KeyboardInterrupt:
                # Ctrl-C: keep the chunks that went through (each a partial_fit that
                # ended consistent or not at all), and stop the caller's loop.
                self._publish(shadow)
                raise
            return self._publish(shadow)
        shadow, interrupted = self._shadow()._partial_fit(X, y, classes, sample_weight)
        self._publish(shadow)
        if interrupted:
            # One step of the caller's loop: the loop must stop too.
            raise KeyboardInterrupt
        return self

    @with_callbacks
    def _partial_fit(self, X, y, classes, sample_weight):
        hidden = self._check_params()
        first = not hasattr(self, "thetas_")
        X, y, multilabel = self._check_data(X, y, reset=first)
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: one call's rows "
                "cannot tell the class frequencies. Compute the weights once, e.g. with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', classes=classes, "
                "y=y_sample), and pass them as a dict."
            )
        sample_weight = self._check_sample_weight(sample_weight, X.shape[0])
        if not first and multilabel != getattr(self, "_multilabel", False):
            raise ValueError(
                f"y is {'a multilabel indicator matrix' if multilabel else 'a label vector'} "
                f"but the first call of partial_fit had "
                f"{'a label vector' if multilabel else 'a multilabel indicator matrix'}"
            )
        if multilabel:
            classes = self._multilabel_classes(y, classes, first)
        elif first and classes is None:
            raise ValueError(
                "classes must be passed to the first call of partial_fit: all the labels "
                "that y will hold, e.g. classes=np.unique(y_all)"
            )
        elif classes is not None:
            classes = np.unique(np.asarray(classes))
            if len(classes) < 2:
                raise ValueError(f"classes must hold at least 2 labels; got {classes.tolist()}")
            if not first and classes.tolist() != self.classes_.tolist():
                raise ValueError(
                    f"classes={classes.tolist()} differs from the classes of the first call "
                    f"{self.classes_.tolist()}"
                )
        classes = classes if first else self.classes_
        codes = y if multilabel else _targets.encode(y, classes, "y")
        per_class = _targets.class_weights(self.class_weight, classes, codes, None)
        sample_weight = _targets.weighted(sample_weight, per_class, codes)
        if first:
            self._output_activation(multilabel)  # a softmax for multilabel y: an error now
            unit_class = _targets.output_unit_order(X, codes, sample_weight, len(classes))
            state = None
        else:
            unit_class = self._unit_class
            # A copy: the solver updates its state in place, and a fit that fails
            # must leave the previous model's state as it was.
            state = copy.deepcopy(self._solver_state)
        layer_sizes = [X.shape[1], *hidden, len(classes)]
        rng = check_random_state(self.random_state)
        thetas = self._initial_thetas(
            layer_sizes, classes, unit_class, X.dtype, rng, warm=not first
        )
        status = self._train(
            X,
            codes,
            sample_weight,
            classes,
            unit_class,
            thetas,
            rng,
            state,
            max_iter=1,
            continued=not first,
            incremental=True,
        )
        return self, status == "interrupted"

    def _check_data(self, X, y, reset):
        """``(X, y, multilabel)`` validated: X dense or CSR, y labels or an indicator matrix."""
        # float32 columns (in any byte order, or pandas' Float32) train in float32.
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            multi_output=True,
            dtype=_validation.input_dtype(X),
            reset=reset,
        )
        y, kind = _targets.check_targets(y)
        return X, y, kind == _targets.MULTILABEL

    def _multilabel_classes(self, y, classes, first):
        """The classes of a multilabel ``y``: its columns, ``arange(n_labels)``."""
        n_labels = y.shape[1]
        if not first and n_labels != len(self.classes_):
            raise ValueError(
                f"y has {n_labels} label columns but the first call of partial_fit had "
                f"{len(self.classes_)}"
            )
        if classes is not None and np.unique(np.asarray(classes)).tolist() != list(range(n_labels)):
            raise ValueError(
                f"for a multilabel y, classes must be None or range({n_labels}), the "
                f"indices of y's {n_labels} columns; got {np.asarray(classes).tolist()}"
            )
        return np.arange(n_labels)

    def _output_activation(self, multilabel):
        """The output units to train: "softmax" or "sigmoid" (resolving the aliases)."""
        name = self.output_activation
        if name == "auto":
            return "sigmoid" if multilabel else "softmax"
        if multilabel and name == "softmax":
            raise ValueError(
                "output_activation='softmax' cannot model a multilabel y: a softmax makes "
                "the labels compete for one unit of probability. Use "
                "output_activation='sigmoid' (or 'auto'), one independent unit per label."
            )
        return _ALIASES.get(name, name)

    def _hidden_activation(self):
        return _ALIASES.get(self.activation, self.activation)

    def _initial_thetas(self, layer_sizes, classes, unit_class, dtype, rng, warm):
        """The starting weights, their output units in training order."""
        if not warm:
            return engine.init_thetas(layer_sizes, rng, self.epsilon_init, dtype)
        self._check_warm_start(classes, layer_sizes)
        thetas = [theta.astype(dtype) for theta in self.thetas_]
        thetas[-1] = thetas[-1][unit_class]
        return thetas

    # with_callbacks wraps the fit of the shadow, the estimator the callbacks are
    # set up on: a fit that fails is not published, and still tears them down.
    @with_callbacks
    def _fit(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        hidden = self._check_params()
        X, y, multilabel = self._check_data(X, y, reset=True)
        self._output_activation(multilabel)  # a softmax for multilabel y: an error now
        sample_weight = self._check_sample_weight(sample_weight, X.shape[0])
        validation = self._check_validation_set(
            X_val, y_val, sample_weight_val, multilabel, y.shape[1] if multilabel else None
        )

        if multilabel:
            classes, codes = np.arange(y.shape[1]), y
        else:
            classes, codes = np.unique(y, return_inverse=True)
        per_class = _targets.class_weights(self.class_weight, classes, codes, sample_weight)
        sample_weight = _targets.weighted(sample_weight, per_class, codes)
        if not multilabel:
            weighed = codes if sample_weight is None else codes[sample_weight > 0]
            _targets.check_two_classes(
                classes,
                np.unique(weighed),
                None if sample_weight is None else "sample and class",
                self,
            )
        layer_sizes = [X.shape[1], *hidden, len(classes)]
        warm = self.warm_start and hasattr(self, "thetas_")
        if warm and multilabel != getattr(self, "_multilabel", False):
            raise ValueError(
                f"warm_start=True: y is {'' if multilabel else 'not '}multilabel but the "
                f"previous fit's was {'not ' if multilabel else ''}; fit with "
                "warm_start=False to start anew"
            )
        if warm:
            # The output units keep their order, and sgd and adam their state
            # (_initial_thetas checks that the previous fit can be continued).
            unit_class, state = self._unit_class, copy.deepcopy(self._solver_state)
        else:
            unit_class = _targets.output_unit_order(X, codes, sample_weight, len(classes))
            state = None
        # One stream for the initial weights, the validation split and the
        # shuffling, as in MLPClassifier; sgd and adam keep theirs in their state.
        rng = check_random_state(self.random_state)
        thetas = self._initial_thetas(layer_sizes, classes, unit_class, X.dtype, rng, warm)
        if validation is not None:
            X_val, y_val, sample_weight_val = validation
            codes_val = y_val if multilabel else _targets.encode(y_val, classes, "y_val")
            sample_weight_val = _targets.weighted(sample_weight_val, per_class, codes_val)
            validation = (X_val, codes_val, sample_weight_val)
        elif self.early_stopping:
            X, codes, sample_weight, validation = self._split(X, codes, sample_weight, rng)
        self._train(
            X,
            codes,
            sample_weight,
            classes,
            unit_class,
            thetas,
            rng,
            state,
            max_iter=self.max_iter,
            validation=validation,
            continued=warm,
        )
        return self

    def _check_validation_set(self, X_val, y_val, sample_weight_val, multilabel, n_labels=None):
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError("sample_weight_val was passed without X_val and y_val")
            return None
        if X_val is None or y_val is None:
            raise ValueError("X_val and y_val must be passed together (for early stopping)")
        try:
            X_val, y_val = validate_data(
                self,
                X_val,
                y_val,
                accept_sparse="csr",
                multi_output=True,
                dtype=_FLOAT_DTYPES,
                reset=False,
            )
            y_val, kind = _targets.check_targets(y_val)
        except ValueError as error:  # scikit-learn's messages say "X" and "y"
            raise ValueError(f"X_val, y_val: {error}") from None
        if (kind == _targets.MULTILABEL) != multilabel:
            raise ValueError(
                "y_val must be of the same kind as y: both label vectors, or both multilabel "
                "indicator matrices with the same columns"
            )
        if multilabel and y_val.shape[1] != n_labels:
            raise ValueError(f"y_val has {y_val.shape[1]} label columns but y has {n_labels}")
        sample_weight_val = self._check_sample_weight(
            sample_weight_val, X_val.shape[0], "sample_weight_val"
        )
        return X_val, y_val, sample_weight_val

    def _split(self, X, y_encoded, sample_weight, rng):
        """Hold out validation_fraction of the rows, stratified by class, seeded by rng."""
        rows = np.arange(X.shape[0])
        try:
            train, val = train_test_split(
                rows,
                test_size=self.validation_fraction,
                # Label sets are too many to stratify by: a multilabel split is plain.
                stratify=y_encoded if y_encoded.ndim == 1 else None,
                random_state=rng,
            )
        except ValueError as error:
            raise ValueError(
                f"early_stopping=True cannot hold out validation_fraction="
                f"{self.validation_fraction:g} of the {len(rows)} rows stratified by class "
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

    def _validation_hook(self, objective, validation, unit_of_class, dtype):
        """The monitor's hook that scores each iterate on the validation rows."""
        X_val, y_val, w_val = validation
        X_val = _validation.as_float_array(X_val, dtype)  # float64 beyond float32: inf
        multilabel = y_val.ndim == 2
        Y_bool = _targets.target_matrix(y_val, unit_of_class)
        Y_val = np.asfortranarray(Y_bool, dtype=dtype)
        # What a right prediction is: the class's unit, or every label's yes/no.
        truth = Y_bool if multilabel else unit_of_class[y_val]
        # Scaled by a power of two first, as the training weights: huge weights
        # would sum to inf.
        w_val = np.ones(len(Y_val)) if w_val is None else _validation.scale_weights(w_val)[0]
        w_val = w_val / w_val.sum()
        logits = np.empty(Y_val.shape, dtype=dtype)
        loss = objective.loss

        def evaluate(x):
            Z = loss.logits(x, X_val, out=logits)
            correct = _targets.predicted_units(Z, multilabel) == truth
            if multilabel:  # subset accuracy, as score() computes it
                correct = correct.all(axis=1)
            losses = loss.per_sample_loss(Z, Y_val)
            return float(losses @ w_val), float(w_val @ correct)

        return self._validation_stopping(evaluate)

    def _validation_stopping(self, evaluate):
        """Early stopping on ``evaluate(x) -> (loss, score)`` of the validation rows."""
        tol = self.tol if self.solver in STOCHASTIC_SOLVERS else 0.0
        return ValidationStopping(evaluate, self.n_iter_no_change, tol)

    def _train(
        self,
        X,
        y_encoded,
        sample_weight,
        classes,
        unit_class,
        thetas,
        rng,
        state,
        *,
        max_iter,
        validation=None,
        continued=False,
        incremental=False,
        objective=None,
        validation_hook=None,
    ):
        """Run the solver from ``thetas`` and set the fitted attributes; return the solver's status.

        ``objective`` comes ready-made for data that are not in memory (a
        ``skbackprop.dask.DaskObjective`` over the dask arrays ``X``, ``y_encoded``),
        and ``validation_hook`` (from :meth:`_validation_stopping`) for validation
        rows that are not either; it replaces the hook built from ``validation``.
        """
        dtype = X.dtype
        unit_of_class = np.argsort(unit_class)
        layer_sizes = engine.layer_sizes_of(thetas)
        penalty_scale = self._check_penalty_scale(sample_weight, X.shape[0], dtype)
        multilabel = y_encoded.ndim == 2
        output_activation = self._output_activation(multilabel)
        if objective is None:
            objective = engine.make_objective(
                X,
                _targets.target_matrix(y_encoded, unit_of_class),
                layer_sizes,
                reg_lambda=self.reg_lambda,
                activation=self._hidden_activation(),
                output_activation=output_activation,
                sample_weight=sample_weight,
            )
        if validation_hook is None and validation is not None:
            validation_hook = self._validation_hook(objective, validation, unit_of_class, dtype)
        hooks = [] if validation_hook is None else [validation_hook]
        x0 = engine.pack(thetas)
        # What predictions read besides the weights, for the final model and for
        # a callback's copy of the network at each iteration.
        network = {
            "classes_": classes,
            "activation_": self._hidden_activation(),
            "output_activation_": output_activation,
            "_multilabel": multilabel,
            # predict returns indicator matrices of y's dtype, as scikit-learn's checks ask
            "_indicator_dtype": y_encoded.dtype if multilabel else None,
        }
        # scikit-learn >= 1.9's callbacks: a task for the fit, a subtask per iteration.
        tasks = fit_tasks(
            self,
            X,
            lambda: y_encoded if multilabel else classes[y_encoded],
            sample_weight,
            max_iter,
            task_name="partial_fit" if incremental else "fit",
            subtask_name="epoch" if self.solver in STOCHASTIC_SOLVERS else "iteration",
        )
        callback_hooks = tasks.iteration_hooks(
            x0, lambda x: self._network_attributes(x, layer_sizes, unit_of_class, dtype, network)
        )
        monitor = Monitor(self.verbose, max_iter, hooks + callback_hooks)
        solver = SOLVERS[self.solver](self, rng, max_iter, state, validation_hook is None)
        try:
            # Ctrl-C from here on is a clean stop at the next boundary, also
            # while the BLAS limit is set or restored.
            # The check of what was learned runs in it too: BLAS threads woken
            # between the solver and the check would spin on into the next fit.
            with monitor.deferring_interrupts(BLAS_BOOKKEEPING, around=[one_blas_thread()]):
                result = solver.minimize(objective, x0, monitor)
                x, loss = result.x, result.loss
                hook = hooks[0] if hooks else None
                if hook is not None and hook.best_x is not None:
                    # Early stopping keeps the weights of the lowest validation loss.
                    x, loss = hook.best_x, result.loss_curve[hook.best_index]
                cause = None
                if self.tol > 0 and result.status not in ("interrupted", "not_finite"):
                    # A continued fit starts from a trained network, whose units may
                    # have saturated while it learned: only a fresh start tells.
                    cause = self._learned_nothing(
                        objective.loss,
                        None if continued else x0,
                        x,
                        X,
                        y_encoded,
                        unit_of_class,
                        multilabel,
                    )
        finally:
            close = getattr(getattr(objective, "loss", None), "close", None)
            if close is not None:
                close()
        x0_kept = result.status == "diverged" and np.array_equal(result.x, x0)
        if not np.isfinite(x).all():  # never publish a model with NaN or inf weights
            raise ValueError(
                f"{type(self).__name__}: solver {self.solver!r} ended on non-finite weights "
                f"({result.message}); the estimator was left as it was. Scale the features "
                "(e.g. with StandardScaler) or lower learning_rate or reg_lambda."
            )
        self._warn_about(
            result,
            dtype,
            continued,
            incremental,
            cause,
            x0_kept,
            penalty_scale,
            validated=validation_hook is not None,
        )

        curve = (list(self.loss_curve_) if continued else []) + result.loss_curve
        vars(self).update(self._network_attributes(x, layer_sizes, unit_of_class, dtype, network))
        self.loss_ = float(loss)
        self.loss_curve_ = curve
        self.best_loss_ = min(curve) if curve else float(loss)
        self.n_iter_ = result.n_iter + (self.n_iter_ if incremental and continued else 0)
        self.t_ = (self.t_ if continued else 0) + result.n_iter * X.shape[0]
        if hook is not None:
            self.validation_loss_curve_ = list(hook.losses)
            self.validation_scores_ = list(hook.scores)
            self.best_validation_score_ = (
                hook.scores[hook.best_index] if hook.best_index is not None else None
            )
        elif not continued or not incremental:  # partial_fit keeps a fit's curves
            self.validation_loss_curve_ = self.validation_scores_ = None
            self.best_validation_score_ = None
        self._unit_class = unit_class
        self._solver_state = solver.get_state()
        tasks.end()
        return result.status

    def _network_attributes(self, x, layer_sizes, unit_of_class, dtype, network):
        """The fitted attributes that predictions read, for the flat weights ``x``.

        Those of the final model, and a callback's reconstruction attributes
        (its ``fitted_estimator``) at each iteration.
        """
        thetas = [theta.copy() for theta in engine.unpack(x.astype(dtype), layer_sizes)]
        thetas[-1] = thetas[-1][unit_of_class]
        return {**network, "thetas_": thetas}

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
            # Compared as trained: "auto" and "logistic" are resolved.
            if name == "output_activation":
                new = self._output_activation(getattr(self, "_multilabel", False))
            else:
                new = self._hidden_activation()
            if new != old:
                raise ValueError(
                    f"warm_start=True: {name}={new!r} differs from the previous fit's "
                    f"{old!r}; fit with warm_start=False to start anew"
                )

    def _check_penalty_scale(self, sample_weight, m, dtype):
        """``lambda / sum(w)``, the penalty's curvature, if the solvers can handle it.

        Beyond about sqrt(the float limit) the penalty's gradient squared (which
        the solvers' dot products form) overflows, and its optimum is the
        constant predictor anyway: a ValueError names the cause.
        """
        with np.errstate(over="ignore", divide="ignore"):  # huge weights sum to inf
            total = m if sample_weight is None else float(np.sum(sample_weight))
            scale = self.reg_lambda / total
        if not scale <= np.sqrt(np.finfo(dtype).max) * 1e-4:
            raise ValueError(
                f"reg_lambda / sum(sample_weight) = {self.reg_lambda:g} / {total:.3g} = "
                f"{scale:.3g} is too large: the penalty reg_lambda/(2m) sum Theta^2 swamps "
                "the data term and overflows the solvers' arithmetic. Lower reg_lambda, or "
                "give the samples larger weights (the penalty scales with 1 / sum of them)."
            )
        return scale

    def _learned_nothing(self, loss, x0, x, X, y_encoded, unit_of_class, multilabel):
        """What shows that the network at ``x`` learned nothing, in words, or None.

        Looks at up to about 2000 training rows: predictions (nearly) constant
        while y is not, or hidden layers whose units are nearly all saturated
        (sigmoid, tanh) or dead (relu), so that they pass no gradient, both
        where training started (``x0``, from fresh initial weights; None for a
        continued fit) and where it ended. Units saturated from the start
        (unscaled features) never learned; units that saturate while the network
        fits the data (large weights, little regularisation) did.
        """
        step = max(1, X.shape[0] // 2000)
        X, codes = X[::step], y_encoded[::step]
        # Only these rows of a dask array come to the client.
        X = X if sparse.issparse(X) else np.asarray(X)
        Y = _targets.target_matrix(np.asarray(codes), unit_of_class)
        sizes = loss.layer_sizes
        saturated, at_start = [0] * (len(sizes) - 2), [0] * (len(sizes) - 2)
        logits = loss.logits(x, X, saturated=saturated)
        if x0 is not None and any(saturated):
            loss.logits(x0, X, saturated=at_start)
        predicted = _targets.predicted_units(logits, multilabel)
        # A prediction is a class, or a label set; the same holds for the rows of Y.
        top = _largest_share(predicted)
        majority = _largest_share(Y)
        causes = []
        if top >= 0.99 and majority <= 0.95:
            what = "label set" if multilabel else "class"
            causes.append(
                f"it predicts one {what} for {top:.0%} of the training rows, whose most "
                f"common {what} has {majority:.0%}"
            )
        state = "dead (zero)" if loss.activation == "relu" else "saturated"
        for l, (count, count_at_start) in enumerate(zip(saturated, at_start, strict=True)):
            share = count / (X.shape[0] * sizes[l + 1])
            if share >= 0.9 and count_at_start / (X.shape[0] * sizes[l + 1]) >= 0.9:
                causes.append(
                    f"{share:.0%} of the activations of hidden layer {l + 1} "
                    f"({loss.activation}) are {state} and pass no gradient, as they were "
                    "from the start"
                )
        return "; ".join(causes) or None

    def _warn_about(
        self,
        result,
        dtype,
        continued,
        incremental,
        cause=None,
        x0_kept=False,
        penalty_scale=0.0,
        validated=False,
    ):
        # Warnings point at the caller of fit or partial_fit: stacklevel=6 passes
        # this method, _train, _fit, with_callbacks' wrapper and fit.
        name = type(self).__name__
        lr = self._learning_rate()
        # The penalty alone has curvature lambda / sum(w): steps of 2 / that or more diverge.
        if self.solver in ("gd", "sgd") and lr * penalty_scale >= 2:
            why = (
                f"the penalty alone makes it diverge: reg_lambda / sum(sample_weight) = "
                f"{penalty_scale:.3g} needs learning_rate < {2 / penalty_scale:.3g}. Lower "
                "reg_lambda (or learning_rate)"
            )
        else:
            why = (
                f"learning_rate={lr:g} is too large for these data. Decrease learning_rate "
                "or scale the features (e.g. with StandardScaler)"
            )
        if x0_kept:  # diverged before any step could be kept
            raise ValueError(
                f"{name} learned nothing: training diverged at its first step "
                f"({result.message}): {why}; the estimator was left as it was."
            )
        remedy = (
            "Scale the features (e.g. with StandardScaler in a Pipeline), or try another "
            "activation, a smaller epsilon_init or another learning_rate."
        )
        if cause is not None and result.status in ("converged", "early_stopped"):
            warnings.warn(
                f"{name} stopped ({result.message}) on a model that learned nothing: "
                f"{cause}. {remedy}",
                ConvergenceWarning,
                stacklevel=6,
            )
            return
        learned_little = "" if cause is None else f" The model has learned little: {cause}."
        if result.status == "not_finite":
            start = "the previous fit's weights" if continued else "the initial weights"
            raise ValueError(
                f"{name} cannot train: the cost at {start} is not finite (J = "
                f"{result.loss}): the weights or the features are too large for "
                f"{dtype.name}. Scale the features (e.g. with StandardScaler) or "
                "lower epsilon_init."
            )
        stochastic = self.solver in STOCHASTIC_SOLVERS
        if result.status == "max_iter" and self.tol > 0 and not incremental:
            if stochastic:
                watched = "validation" if validated else "training"
                what = (
                    f"max_iter={self.max_iter} epochs ran before the {watched} loss stopped "
                    f"improving by tol={self.tol:g}"
                )
                advice = "increase max_iter or learning_rate"
            else:
                what = (
                    f"max_iter={self.max_iter} iterations ran before the gradient reached "
                    f"tol={self.tol:g} ({result.message})"
                )
                advice = (
                    "increase max_iter or learning_rate, or try solver='L-BFGS-B'"
                    if self.solver == "gd"
                    else "increase max_iter"
                )
            warnings.warn(
                f"{name} did not converge: {what}. To fix it, {advice}; scaling the "
                f"features (StandardScaler) also helps.{learned_little}",
                ConvergenceWarning,
                stacklevel=6,
            )
        elif result.status == "max_fun" and self.tol > 0:
            warnings.warn(
                f"{name} did not converge: solver {self.solver!r} {result.message}. To fix "
                "it, increase max_fun (and max_iter if it is reached next); scaling the "
                f"features (StandardScaler) also helps.{learned_little}",
                ConvergenceWarning,
                stacklevel=6,
            )
        elif result.status == "diverged":
            warnings.warn(
                f"{name} stopped after {result.n_iter} iterations because training "
                f"diverged ({result.message}): {why}; the weights before the bad step "
                f"were kept.{learned_little}",
                ConvergenceWarning,
                stacklevel=6,
            )
        elif result.status == "stopped" and self.tol > 0:
            warnings.warn(
                f"{name}: solver {self.solver!r} stopped after {result.n_iter} iterations "
                f"without meeting tol={self.tol:g}: {result.message}. Scaling the features, "
                f"raising tol or trying another solver may help.{learned_little}",
                ConvergenceWarning,
                stacklevel=6,
            )
        elif result.status == "interrupted" and not incremental:  # partial_fit raises
            what = "epochs" if stochastic else "iterations"
            kept = (
                "the last completed mini-batch's"
                if stochastic
                else ("the initial" if result.n_iter == 0 else "the last completed iteration's")
            )
            warnings.warn(
                f"{name}: training was interrupted (KeyboardInterrupt) after "
                f"{result.n_iter} {what}; {kept} weights were kept.",
                UserWarning,
                stacklevel=6,
            )

    # -- prediction -------------------------------------------------------------

    def _output_logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=_FLOAT_DTYPES, reset=False)
        dtype = self.thetas_[0].dtype
        with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf
            X = X.astype(dtype, copy=False)
        Z = engine.forward_logits(self.thetas_, X, self.activation_)
        if np.isnan(Z).any():
            raise ValueError(
                f"X has values too large for this network (max |x| = {abs(X).max():.3g}): "
                f"its pre-activations overflow {dtype.name}. Scale the features, "
                "e.g. with StandardScaler."
            )
        return Z

    def _log_proba(self, X):
        """Log-probabilities from the logits, finite even where probabilities underflow."""
        log_h = engine.log_output_activations(self._output_logits(X), self.output_activation_)
        if self.output_activation_ == "softmax" or getattr(self, "_multilabel", False):
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        model = self._published()  # one read: a fit publishing meanwhile changes nothing here
        if _validation.is_dask_collection(X):  # a dask array, block by block
            return _dask_predict(model, "predict_log_proba", X)
        log_proba = model._log_proba(X)
        log_proba[np.exp(log_proba) == 0] = -np.inf
        return log_proba

    def predict_proba(self, X):
        """Class probabilities: the output units, normalised to sum to one.

        For a multilabel ``y``, the probability of each label, from its own
        sigmoid unit (rows do not sum to one), strictly between 0 and 1.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        model = self._published()  # one read: a fit publishing meanwhile changes nothing here
        if _validation.is_dask_collection(X):  # a dask array, block by block
            return _dask_predict(model, "predict_proba", X)
        proba = np.exp(model._log_proba(X))
        if getattr(model, "_multilabel", False):
            # A sigmoid's value lies strictly between 0 and 1; where it rounds to
            # 0 or 1, report the nearest float inside.
            np.clip(
                proba,
                np.nextafter(0, 1, dtype=proba.dtype),
                np.nextafter(1, 0, dtype=proba.dtype),
                out=proba,
            )
        return proba

    def predict(self, X):
        """Predict the class of each sample: the most probable one.

        For a multilabel ``y``, the indicator matrix of the labels whose
        probability exceeds one half, in ``y``'s dtype.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        model = self._published()  # one read: a fit publishing meanwhile changes nothing here
        if _validation.is_dask_collection(X):  # a dask array, block by block
            return _dask_predict(model, "predict", X)
        if getattr(model, "_multilabel", False):
            # p > 1/2 exactly where the unit's logit is positive.
            return (model._output_logits(X) > 0).astype(model._indicator_dtype)
        # The exact log-probabilities still rank classes whose probabilities underflow.
        log_proba = model._log_proba(X)
        return model.classes_[np.argmax(log_proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # Every output layer but a softmax (whose units compete) models labels.
        tags.classifier_tags.multi_label = self.output_activation != "softmax"
        return tags

    # -- MLPClassifier's names, for porting code and tools ------------------------

    @property
    def coefs_(self):
        """``coefs_[l] = thetas_[l][:, 1:].T``, read-only views (MLPClassifier's layout)."""
        check_is_fitted(self)
        return [_read_only(theta[:, 1:].T) for theta in self.thetas_]

    @property
    def intercepts_(self):
        """``intercepts_[l] = thetas_[l][:, 0]``, read-only views (MLPClassifier's layout)."""
        check_is_fitted(self)
        return [_read_only(theta[:, 0]) for theta in self.thetas_]

    @property
    def n_layers_(self):
        """Number of layers, the input and output layers included."""
        check_is_fitted(self)
        return len(self.thetas_) + 1

    @property
    def n_outputs_(self):
        """Number of output units."""
        check_is_fitted(self)
        return self.thetas_[-1].shape[0]

    @property
    def out_activation_(self):
        """The output activation in MLPClassifier's words: "softmax" or "logistic"."""
        check_is_fitted(self)
        return "softmax" if self.output_activation_ == "softmax" else "logistic"


def _read_only(view):
    view = view.view()
    view.flags.writeable = False
    return view
