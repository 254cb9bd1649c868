"""BackpropClassifier: the scikit-learn estimator around the Theta-matrix engine."""

import copy
import inspect
import math
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
from sklearn.utils.sparsefuncs import mean_variance_axis
from sklearn.utils.validation import check_is_fitted
from sklearn.utils.validation import validate_data as _sklearn_validate_data

from . import _standardize, _targets, _validation, engine
from ._activations import (
    HIDDEN_ACTIVATIONS,
    OUTPUT_LOSSES,
    log_softmax,
)
from ._blocks import one_blas_thread
from ._callbacks import BASES as CALLBACK_BASES
from ._callbacks import fit_tasks, with_callbacks
from ._monitor import Monitor, ValidationStopping, early_stopping_applies
from ._params import layout
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
    # learning_rate="auto": Barzilai-Borwein steps; a number: the seed's constant step.
    "gd": lambda clf, rng, max_iter, state, rule: GradientDescent(
        clf._learning_rate(),
        max_iter,
        clf.tol,
        step_rule=clf._gd_step_rule(),
        state=state,
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


def _is_str(value):
    return isinstance(value, str)


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _is_int_or_bool(value):
    return isinstance(value, numbers.Integral)


def _is_int_or_inf(value):
    """An int, or ``np.inf`` (MLPClassifier's ``n_iter_no_change``: never stop on it)."""
    return _is_int(value) or (_is_real(value) and value == math.inf)


# MLPClassifier's name of the sigmoid, accepted so that its settings carry over.
_ALIASES = {"logistic": "sigmoid"}
# MLPClassifier's names that are ours under another name: errors name ours.
PORTED_NAMES = {"alpha": "reg_lambda", "learning_rate_init": "learning_rate"}
PORTED_SOLVERS = {"lbfgs": "L-BFGS-B"}


def _check_ported_names(cls, params, error):
    """An ``error`` for a parameter that ``cls`` does not have, naming ours where we can."""
    known = cls._get_param_names()
    for name in params:
        if name in known or "__" in name:
            continue
        hint = PORTED_NAMES.get(name)
        hint = (
            f": did you mean {hint}? ({name} is MLPClassifier's name of it)"
            if hint
            else f"; its parameters are {known}"
        )
        raise error(f"{cls.__name__} has no parameter {name!r}{hint}")


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

    Raw features need no scaling: with ``standardize=True`` (the default) the
    network trains on the standardised features ``(x - mean) / scale`` and the
    fit folds that transformation into ``Theta^(1)``, so that ``thetas_`` act
    on raw ``X`` (as a ``StandardScaler`` pipeline would predict, to rounding).
    A fit that ends on a model that learned nothing (saturated hidden units, or
    one class predicted for nearly every row) warns with a ``ConvergenceWarning``
    naming the remedy of the cause it found, and a first step that diverges is
    an error.

    The defaults (tanh hidden units, softmax outputs, gd with Barzilai-Borwein
    steps, ``reg_lambda=0.7``, ``tol=1e-4``, early stopping from 2,000 rows,
    standardised training) reach scikit-learn's default ``MLPClassifier``
    accuracy and log-loss on small data sets (docs/benchmarks.md); the seed's
    network is ``activation="sigmoid", output_activation="sigmoid",
    learning_rate=0.5, standardize=False``.

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
    reg_lambda : float, default=0.7
        Regularisation strength lambda: ``J`` adds ``reg_lambda / (2 m)`` times
        the squared non-bias weights, ``m`` the total sample weight. Must be
        >= 0. The default keeps the probabilities of a small data set from
        growing overconfident (docs/benchmarks.md, "First touch"); its effect
        fades as ``m`` grows. Every solver minimises the same ``J``: a mini-batch gradient is an
        unbiased estimate of the full one, with the penalty of all ``m`` rows.
        This is ``alpha`` of scikit-learn's ``MLPClassifier`` for full batches
        only (gd and the scipy methods, its "lbfgs", or one mini-batch of all
        rows): with mini-batches of ``b`` rows ``MLPClassifier`` adds
        ``alpha / (2 b)`` at every step, so its ``alpha`` acts as
        ``reg_lambda = alpha * m / b`` here.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, which multiply the sample weights (as in
        ``LogisticRegression``): ``{label: weight}`` (classes not named weigh
        1), or "balanced", ``sum(w) / (n_classes * sum of w in the class)``, so
        that every class carries the same total weight. They also weigh the
        validation rows of early stopping. Not for a multilabel ``y``;
        :meth:`partial_fit` takes a dict only. "balanced" uses the weighted
        class totals (as scikit-learn's ``compute_class_weight`` with
        ``sample_weight``), so integer sample weights train the model of the
        repeated rows.
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
    tol : float, default=1e-4
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
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the training rows (stratified,
        seeded by ``random_state``), stop when their loss has not improved for
        more than ``n_iter_no_change`` iterations, and keep the weights where it
        was lowest. "auto" does so for ``solver="gd"`` when at least 200 rows
        are held out (2,000 rows at the default ``validation_fraction``), and
        trains on all rows otherwise (fewer validation rows are too noisy to
        stop on) or where the rows cannot be split (a class with one row): gd
        run to its tolerance overfits noisy labels. Works with every solver;
        passing ``X_val`` and ``y_val`` to :meth:`fit` implies it, on that
        set. Under ``warm_start`` the validation curves and the best weights
        so far carry over, as in ``MLPClassifier``. :meth:`partial_fit` raises
        a ValueError with True ("auto" is off there).
    validation_fraction : float, default=0.1
        Share of the training rows held out by ``early_stopping``, in (0, 1).
    n_iter_no_change : int or np.inf, default=10
        Iterations (epochs for sgd and adam) allowed without an improvement of
        the validation loss, or of the epoch loss for sgd and adam. Must be >= 1;
        ``np.inf`` switches these rules off (as in ``MLPClassifier``).
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
    standardize : bool, default=True
        Train in standardised coordinates: each feature centred on its mean and
        divided by its standard deviation (weighted by the sample and class
        weights, as ``StandardScaler`` computes them; a constant feature keeps
        scale 1), then fold the transformation into ``Theta^(1)``: the
        published ``thetas_`` act on raw ``X``. The penalty acts on the standardised
        weights, as in a ``StandardScaler`` pipeline, so ``reg_lambda`` does
        not depend on the units of the features. Dense ``X`` is standardised
        in a copy; sparse ``X`` is never changed (the centring goes into the
        bias). A continued fit (``warm_start``, later ``partial_fit`` calls)
        keeps the mean and scale of the first fit, frozen, and continues from
        its weights in those coordinates, exactly. False trains on the raw
        features (the seed's model).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for a multilabel ``y``.
    feature_mean_, feature_scale_ : ndarray of shape (`n_features_in_`,) or None
        The mean and scale of the standardised coordinates the network was
        trained in (float64; None with ``standardize=False``), already folded
        into ``thetas_``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when ``X`` has string column names.
    thetas_ : list of ndarray
        ``thetas_[l]`` of shape ``(s_{l+1}, s_l + 1)``; float32 when fitted on
        float32 data, float64 otherwise. :meth:`partial_fit` keeps the dtype of
        its first call (or of the fit it continues), casting later chunks to it.
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
        each iteration of the last fit; warm starts with early stopping append.
    validation_scores_ : list of float or None
        With early stopping: the accuracy on the validation rows after each
        iteration of the last fit; warm starts with early stopping append.
    best_validation_score_ : float or None
        With early stopping: the validation accuracy of the kept weights, those
        of the lowest validation loss.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Scikit-learn's multi-layer perceptron.

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

    def __new__(cls, *args, **kwargs):
        # A keyword of MLPClassifier's gets an error that names ours, before
        # Python's "unexpected keyword argument".
        _check_ported_names(cls, kwargs, TypeError)
        return super().__new__(cls)

    def set_params(self, **params):
        """Set the parameters of this estimator, as scikit-learn's ``set_params``.

        A name of ``MLPClassifier``'s that is ours under another name is an
        error that names ours (``alpha``: "did you mean reg_lambda?"). A fit
        running meanwhile in another thread keeps the parameters set here: it
        publishes only its fitted attributes.

        Parameters
        ----------
        **params : dict
            Estimator parameters, by name.

        Returns
        -------
        self : BackpropClassifier
            The estimator.

        Raises
        ------
        ValueError
            For a name that is not a parameter of the estimator.
        """
        _check_ported_names(type(self), params, ValueError)
        with Monitor().deferring_interrupts(around=[_PUBLISH_LOCK]):
            return super().set_params(**params)

    def __init__(
        self,
        hidden_layer_sizes=(25,),
        activation="tanh",
        output_activation="auto",
        solver="gd",
        reg_lambda=0.7,
        class_weight=None,
        learning_rate="auto",
        max_iter=5000,
        max_fun=15000,
        tol=1e-4,
        batch_size="auto",
        shuffle=True,
        learning_rate_schedule="constant",
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        epsilon_init=None,
        random_state=None,
        warm_start=False,
        verbose=0,
        standardize=True,
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
        self.standardize = standardize

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
                hint = PORTED_SOLVERS.get(value) if name == "solver" and _is_str(value) else None
                hint = f": did you mean solver={hint!r}?" if hint else ""
                raise ValueError(f"{name} must be one of {list(options)}; got {value!r}{hint}")
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
            (
                "n_iter_no_change",
                self.n_iter_no_change,
                _is_int_or_inf,
                lambda v: v >= 1,
                "an int >= 1 or np.inf",
            ),
            ("verbose", self.verbose, _is_int_or_bool, lambda v: v >= 0, "an int >= 0"),
            (
                "early_stopping",
                self.early_stopping,
                lambda v: _is_bool(v) or v == "auto",
                lambda v: True,
                "a bool or 'auto'",
            ),
        ]
        checks += [
            (name, getattr(self, name), _is_bool, lambda v: True, "a bool")
            for name in (
                "warm_start",
                "shuffle",
                "nesterovs_momentum",
                "standardize",
            )
        ]
        for name, allowed in (
            ("learning_rate", "a float > 0 or 'auto'"),
            ("batch_size", "an int >= 1 or 'auto'"),
        ):
            value = getattr(self, name)
            if isinstance(value, str):
                if name == "learning_rate" and value in SCHEDULES:
                    raise ValueError(
                        f"learning_rate is the step size, {allowed}; got {value!r}: did you "
                        f"mean learning_rate_schedule={value!r}? (MLPClassifier's "
                        "learning_rate is our learning_rate_schedule, its learning_rate_init "
                        "our learning_rate)"
                    )
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

    def _gd_step_rule(self):
        """gd's step rule: Barzilai-Borwein steps for "auto", the constant step for a number."""
        return "bb" if isinstance(self.learning_rate, str) else "constant"

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
            must be among those of ``y``. In a ``Pipeline``, route it through the
            preceding steps (``set_fit_request(X_val=True, y_val=True)`` and
            ``Pipeline(..., transform_input=["X_val"])``, scikit-learn >= 1.6):
            columns on a visibly different scale from ``X``'s give a UserWarning.
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
        step count, learning rate), from a previous ``partial_fit`` or ``fit``,
        and its dtype: later chunks are cast to it (values beyond its range are
        an error). Each call's ``J`` uses its own rows' total weight as ``m``; a
        call whose rows all weigh 0 (by ``class_weight`` and ``sample_weight``)
        is a ValueError, as is ``early_stopping=True`` (as in MLPClassifier).

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
            Weights of the samples; None weighs each sample 1.

        Returns
        -------
        self : BackpropClassifier
            The estimator, trained one more epoch.
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
        if _is_bool(self.early_stopping) and self.early_stopping:
            # As MLPClassifier: one call is one epoch over its own rows.
            raise ValueError(
                "partial_fit does not support early_stopping=True: each call is one epoch "
                "over its own rows, with none held out to stop on. Set early_stopping=False "
                "and watch a validation set yourself, or use fit (with X_val and y_val)."
            )
        first = not hasattr(self, "thetas_")
        # Later chunks are cast to the model's dtype: the weights and the
        # optimiser's state stay in it.
        dtype = None if first else self.thetas_[0].dtype
        X, y, multilabel = self._check_data(X, y, reset=first, dtype=dtype)
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
        classes = self._partial_fit_classes(y, classes, first, multilabel)
        codes = y if multilabel else _targets.encode(y, classes, "y")
        per_class = _targets.class_weights(self.class_weight, classes, codes, None)
        sample_weight = _targets.weighted(sample_weight, per_class, codes)
        if sample_weight is not None and not np.any(sample_weight > 0):
            raise ValueError(
                "partial_fit: the rows of this call have zero total weight (class_weight "
                f"{self.class_weight!r} times sample_weight gives each of them 0): there is "
                "nothing to train on. Skip such a chunk, or give its classes a weight > 0."
            )
        if first:
            self._output_activation(multilabel)  # a softmax for multilabel y: an error now
            unit_class = _targets.output_unit_order(X, codes, sample_weight, len(classes))
            state = None
            self._set_standardization(X, sample_weight, warm=False)
        else:
            # An error if it was switched.
            self._set_standardization(X, None, warm=True, incremental=True)
            unit_class = self._unit_class
            # A copy: the solver updates its state in place, and a fit that fails
            # must leave the previous model's state as it was.
            state = copy.deepcopy(self._solver_state)
        layer_sizes = [X.shape[1], *hidden, len(classes)]
        rng = check_random_state(self.random_state)
        thetas = self._initial_thetas(
            layer_sizes, classes, unit_class, X.dtype, rng, warm=not first, incremental=True
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

    def _partial_fit_classes(self, y, classes, first, multilabel):
        """The classes of a partial_fit call: those passed at the first call, checked."""
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
        return classes if first else self.classes_

    def _check_data(self, X, y, reset, dtype=None):
        """``(X, y, multilabel)`` validated: X dense or CSR, y labels or an indicator matrix.

        ``X`` is converted to ``dtype``; by default float32 columns (in any byte
        order, or pandas' Float32) stay float32 and the rest becomes float64.
        Values beyond ``dtype``'s range are an error.
        """
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            multi_output=True,
            dtype=_validation.input_dtype(X) if dtype is None else dtype,
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

    def _initial_thetas(
        self, layer_sizes, classes, unit_class, dtype, rng, warm, incremental=False
    ):
        """The starting weights, their output units in training order."""
        if not warm:
            return engine.init_thetas(layer_sizes, rng, self.epsilon_init, dtype)
        self._check_warm_start(classes, layer_sizes, incremental)
        if not incremental:
            # Drawn and dropped, so that what rng draws next (the validation split
            # of early stopping) is what the first fit drew: the validation curves
            # of warm starts continue on the same rows.
            engine.init_thetas(layer_sizes, rng, self.epsilon_init, dtype)
        if getattr(self, "feature_mean_", None) is not None:
            kept = self._kept_standardized_weights(layer_sizes, unit_class)
            if kept is not None:
                return engine.unpack(kept.astype(dtype), layer_sizes)
        thetas = [theta.astype(dtype) for theta in self.thetas_]
        thetas[-1] = thetas[-1][unit_class]
        if getattr(self, "feature_mean_", None) is not None:
            # Continued in the frozen standardised coordinates of the first fit.
            thetas = engine.unpack(
                _standardize.unfold_flat(
                    engine.pack(thetas), layer_sizes, self.feature_mean_, self.feature_scale_
                ),
                layer_sizes,
            )
        return thetas

    def _kept_standardized_weights(self, layer_sizes, unit_class):
        """The previous fit's weights in its standardised coordinates, or None.

        Folding rounds, and so would unfolding ``thetas_`` again: a continued fit
        starts from the solver's own weights, kept by the fit, so that it goes on
        exactly as one longer fit. None when they are not those of ``thetas_``
        any more (``thetas_`` changed since): ``thetas_`` are then unfolded.
        """
        x = getattr(self, "_standardized_weights", None)
        if x is None or x.size != layout(layer_sizes)[-1][1]:
            return None
        published = self._network_attributes(
            x, layer_sizes, np.argsort(unit_class), self.thetas_[0].dtype, {}
        )["thetas_"]
        if len(published) != len(self.thetas_) or not all(
            np.array_equal(a, b) for a, b in zip(published, self.thetas_, strict=False)
        ):
            return None
        return x

    def _set_standardization(self, X, sample_weight, warm, incremental=False):
        """Set ``feature_mean_`` and ``feature_scale_``: frozen by a continued fit.

        A fresh fit with ``standardize=True`` measures them on ``X`` (weighted by
        ``sample_weight``); a continued one keeps those of the first fit, so that
        the optimiser's state keeps its meaning; ``standardize=False`` sets None.
        ``incremental``: a later call of :meth:`partial_fit` (its error's words).
        """
        if warm:
            was = getattr(self, "feature_mean_", None) is not None
            if was != self.standardize:
                context, previous, remedy = _continuation(incremental)
                raise ValueError(
                    f"{context}: standardize={self.standardize!r} differs from "
                    f"{previous}'s {was!r}; {remedy}"
                )
            return
        if self.standardize:
            self.feature_mean_, self.feature_scale_ = _standardize.moments(X, sample_weight)
            _standardize.check_fold_precision(
                self.feature_mean_, self.feature_scale_, X.dtype, stacklevel=5
            )
        else:
            self.feature_mean_ = self.feature_scale_ = None

    def _fold(self, x, layer_sizes):
        """The flat weights acting on raw X for the solver's weights ``x``."""
        if getattr(self, "feature_mean_", None) is None:
            return x
        return _standardize.fold_flat(x, layer_sizes, self.feature_mean_, self.feature_scale_)

    # with_callbacks wraps the fit of the shadow, the estimator the callbacks are
    # set up on: a fit that fails is not published, and still tears them down.
    @with_callbacks
    def _fit(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        hidden = self._check_params()
        X, y, multilabel = self._check_data(X, y, reset=True)
        self._output_activation(multilabel)  # a softmax for multilabel y: an error now
        sample_weight = self._check_sample_weight(sample_weight, X.shape[0])
        validation = self._check_validation_set(
            X_val,
            y_val,
            sample_weight_val,
            multilabel,
            y.shape[1] if multilabel else None,
            dtype=X.dtype,
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
            kinds = ("not multilabel (a label vector)", "multilabel (an indicator matrix)")
            raise ValueError(
                f"warm_start=True: y is {kinds[multilabel]} but the previous fit's y was "
                f"{kinds[not multilabel]}; fit with warm_start=False to start anew"
            )
        self._set_standardization(X, sample_weight, warm)
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
            self._check_validation_scale(X, sample_weight, validation[0])
            validation = self._weigh_validation_set(validation, classes, per_class, multilabel)
        elif self._early_stopping_on(X.shape[0]):
            split = self._held_out_split(X, codes, sample_weight, rng, classes=classes)
            if split is not None:
                X, codes, sample_weight, validation = split
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

    def _check_validation_set(
        self, X_val, y_val, sample_weight_val, multilabel, n_labels=None, dtype=None
    ):
        """``(X_val, y_val, sample_weight_val)`` checked as strictly as the training rows.

        ``dtype`` is the dtype the model trains in: X_val's values must be
        finite in it.
        """
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
        if dtype is not None and X_val.dtype != dtype and X_val.shape[0]:
            peak = float(abs(X_val).max())
            if peak > float(np.finfo(dtype).max):
                raise ValueError(
                    f"X_val has values beyond the range of {np.dtype(dtype).name} (max |x| = "
                    f"{peak:.3g}), the dtype the model trains in (that of X): they would "
                    f"become infinite. Scale the features (e.g. with StandardScaler), or "
                    "fit on float64 X."
                )
        return X_val, y_val, sample_weight_val

    def _check_validation_scale(self, X, sample_weight, X_val):
        """Warn when X_val's columns are on a visibly different scale from X's.

        In a Pipeline, X_val bypasses the preceding steps unless it is routed
        through them: the classifier would then score raw rows with weights
        trained on transformed ones. A column differs visibly when its
        validation mean lies more than 5 training standard deviations from the
        training mean, or (with 10 rows or more, not constant in X_val) its
        standard deviation is more than 10 times larger or smaller.
        """
        mean, scale = (
            (self.feature_mean_, self.feature_scale_)
            if getattr(self, "feature_mean_", None) is not None
            else _standardize.moments(X, sample_weight)
        )
        # X_val's raw standard deviations: a column constant in X_val (a rare
        # feature absent from it) has no spread to compare.
        mean_val, scale_val, constant_val = _standardize.moments(X_val, raw=True)
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
            stacklevel=5,
        )

    def _weigh_validation_set(self, validation, classes, per_class, multilabel):
        """The checked validation set with its labels encoded and class_weight applied."""
        X_val, y_val, sample_weight_val = validation
        codes_val = y_val if multilabel else _targets.encode(y_val, classes, "y_val")
        sample_weight_val = _targets.weighted(sample_weight_val, per_class, codes_val)
        if sample_weight_val is not None and not np.any(sample_weight_val > 0):
            raise ValueError(
                "the validation rows (X_val, y_val) have zero total weight: class_weight "
                f"{self.class_weight!r} times sample_weight_val gives each of them 0, so "
                "their loss is undefined. Pass validation rows of classes with a weight > 0."
            )
        return X_val, codes_val, sample_weight_val

    def _early_stopping_on(self, n_samples):
        return early_stopping_applies(
            self.early_stopping, self.solver, n_samples, self.validation_fraction
        )

    def _held_out_split(self, X, y_encoded, sample_weight, rng, classes=None):
        """:meth:`_split`, or None where ``early_stopping="auto"`` cannot split the rows."""
        try:
            return self._split(X, y_encoded, sample_weight, rng, classes=classes)
        except ValueError:
            if _is_bool(self.early_stopping):
                raise
            return None

    def _split(self, X, y_encoded, sample_weight, rng, classes=None):
        """Hold out validation_fraction of the rows, stratified by class, seeded by rng.

        ``classes`` (the labels of the codes in ``y_encoded``) name a class in
        the errors.
        """
        rows = np.arange(X.shape[0])
        if y_encoded.ndim == 1:
            counts = np.bincount(y_encoded)
            single = np.flatnonzero(counts == 1)
            if single.size:
                labels = ", ".join(
                    map(repr, (single if classes is None else classes[single]).tolist())
                )
                which = f"class {labels} has" if single.size == 1 else f"classes {labels} have"
                raise ValueError(
                    f"early_stopping=True cannot hold out validation rows stratified by "
                    f"class: the {which} a single row, which cannot be both trained on "
                    "and validated on. Pass X_val and y_val, add rows of that class, or "
                    "remove it."
                )
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

        return self._validation_stopping(evaluate, objective.layer_sizes)

    def _validation_stopping(self, evaluate, layer_sizes):
        """Early stopping on ``evaluate(x) -> (loss, score)`` of the raw validation rows.

        The hook receives the solver's (standardised) weights and scores them folded.
        """
        tol = self.tol if self.solver in STOCHASTIC_SOLVERS else 0.0
        if getattr(self, "feature_mean_", None) is None:
            return ValidationStopping(evaluate, self.n_iter_no_change, tol)
        return ValidationStopping(
            lambda x: evaluate(self._fold(x, layer_sizes)), self.n_iter_no_change, tol
        )

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
        standardized = getattr(self, "feature_mean_", None) is not None
        if objective is None:
            # Dense rows in memory are standardised once (as a StandardScaler
            # pipeline would); sparse rows are never changed (see _standardize).
            dense = standardized and not sparse.issparse(X)
            objective = engine.make_objective(
                _standardize.transform(X, self.feature_mean_, self.feature_scale_) if dense else X,
                _targets.target_matrix(y_encoded, unit_of_class),
                layer_sizes,
                reg_lambda=self.reg_lambda,
                activation=self._hidden_activation(),
                output_activation=output_activation,
                sample_weight=sample_weight,
            )
            if standardized and not dense:
                objective = _standardize.StandardizedObjective(
                    objective, self.feature_mean_, self.feature_scale_
                )
        elif standardized:
            objective = _standardize.StandardizedObjective(
                objective, self.feature_mean_, self.feature_scale_
            )
        if validation_hook is None and validation is not None:
            validation_hook = self._validation_hook(objective, validation, unit_of_class, dtype)
        hooks = [] if validation_hook is None else [validation_hook]
        x0 = engine.pack(thetas)
        start_score = None
        if continued and not incremental:
            start_score = self._continue_validation(validation_hook, x0)
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
                    # Early stopping keeps the weights of the lowest validation loss
                    # (those it started from, if no iteration of a continued fit beat them).
                    x = hook.best_x
                    loss = (
                        self.loss_
                        if hook.best_index is None
                        else result.loss_curve[hook.best_index]
                    )
                cause = None
                if self.tol > 0 and result.status not in ("interrupted", "not_finite"):
                    # A continued fit starts from a trained network, whose units may
                    # have saturated while it learned: only a fresh start tells.
                    cause = self._learned_nothing(
                        objective,
                        None if continued else self._fold(x0, layer_sizes),
                        self._fold(x, layer_sizes),
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
        facts = self._facts(objective, (x0, x, loss), X, penalty_scale, result.loss_curve, cause)
        if not np.isfinite(x).all():  # never publish a model with NaN or inf weights
            raise ValueError(
                f"{type(self).__name__}: solver {self.solver!r} ended on non-finite weights "
                f"({result.message}); the estimator was left as it was. "
                f"{_sentence(facts['scale'], 'lower learning_rate or reg_lambda')}."
            )
        self._warn_about(
            result,
            dtype,
            continued,
            incremental,
            cause,
            x0_kept,
            facts,
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
            self._record_validation(hook, start_score)
        elif not continued or not incremental:  # partial_fit keeps a fit's curves
            self.validation_loss_curve_ = self.validation_scores_ = None
            self.best_validation_score_ = None
        self._unit_class = unit_class
        self._solver_state = solver.get_state()
        # The solver's weights themselves, where a continued fit starts.
        self._standardized_weights = np.array(x, copy=True) if standardized else None
        tasks.end()
        return result.status

    def _continue_validation(self, hook, x0):
        """Carry a warm start's early stopping over; the starting weights' score, or None.

        The validation curves continue as ``loss_curve_`` does, and so does the
        best so far (as in MLPClassifier): the starting weights, scored on this
        fit's validation rows, are kept unless an iteration beats them.
        """
        if hook is None or getattr(self, "validation_loss_curve_", None) is None:
            return None
        start_loss, start_score = hook.evaluate(x0)
        hook.best_loss, hook.best_x = float(start_loss), x0.copy()
        return float(start_score)

    def _record_validation(self, hook, start_score):
        """The validation curves and the kept weights' score, after a fit.

        ``start_score`` (from :meth:`_continue_validation`) says that the
        previous fit's curves continue.
        """
        losses, scores = list(hook.losses), list(hook.scores)
        if start_score is not None:
            losses = list(self.validation_loss_curve_) + losses
            scores = list(self.validation_scores_) + scores
        self.validation_loss_curve_, self.validation_scores_ = losses, scores
        if hook.best_index is not None:
            self.best_validation_score_ = hook.scores[hook.best_index]
        else:  # the starting weights were kept (or no iteration ran)
            self.best_validation_score_ = start_score

    def _network_attributes(self, x, layer_sizes, unit_of_class, dtype, network):
        """The fitted attributes that predictions read, for the flat weights ``x``.

        Those of the final model, and a callback's reconstruction attributes
        (its ``fitted_estimator``) at each iteration.
        """
        x = self._fold(np.asarray(x, dtype=np.float64), layer_sizes)
        thetas = [theta.copy() for theta in engine.unpack(x.astype(dtype), layer_sizes)]
        thetas[-1] = thetas[-1][unit_of_class]
        return {**network, "thetas_": thetas}

    def _check_warm_start(self, classes, layer_sizes, incremental=False):
        """A ValueError unless the network can be continued with these settings.

        ``incremental``: for :meth:`partial_fit`, whose network was built by its
        first call (or by a fit), not by a warm start.
        """
        context, previous, remedy = _continuation(incremental)
        old_sizes = engine.layer_sizes_of(self.thetas_)
        if old_sizes[0] != layer_sizes[0]:
            raise ValueError(
                f"{context}: X has {layer_sizes[0]} features but {previous} had "
                f"{old_sizes[0]}; {remedy}"
            )
        # Python lists: NumPy < 2 raises when it compares str with int labels.
        if classes.tolist() != self.classes_.tolist():
            raise ValueError(
                f"{context}: y has classes {classes.tolist()} but {previous} had "
                f"{self.classes_.tolist()}; {remedy}"
            )
        if old_sizes != layer_sizes:
            raise ValueError(
                f"{context}: hidden_layer_sizes={tuple(layer_sizes[1:-1])} differs from "
                f"{previous}'s {tuple(old_sizes[1:-1])}; {remedy}"
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
                    f"{context}: {name}={new!r} differs from {previous}'s {old!r}; {remedy}"
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

    def _learned_nothing(self, objective, x0, x, X, y_encoded, unit_of_class, multilabel):
        """What shows that the network at ``x`` learned nothing, in words, or None.

        Returns ``[(cause, remedy key), ...]``; :meth:`_remedy` words the key.
        Looks at up to about 2000 training rows: predictions (nearly) constant
        while y is not, or hidden layers whose units are nearly all saturated
        (sigmoid, tanh) or dead (relu), so that they pass no gradient, both
        where training started (``x0``, from fresh initial weights; None for a
        continued fit) and where it ended. Units saturated from the start
        (unscaled features) never learned; units that saturate while the network
        fits the data (large weights, little regularisation) did. An objective
        over rows that live elsewhere (a dask cluster) counts them there.
        """
        step = max(1, X.shape[0] // 2000)
        # The weights act on raw rows: a standardised objective counts on its raw one.
        objective = getattr(objective, "raw", objective)
        loss = objective.loss
        if hasattr(objective, "row_counts"):
            counts = objective.row_counts(x, x0, step, multilabel)
        else:
            Y = _targets.target_matrix(y_encoded[::step], unit_of_class)
            counts = _targets.RowCounts.of(loss, x, x0, X[::step], Y, multilabel)
        sizes = loss.layer_sizes
        # A prediction is a class, or a label set; the same holds for the rows of Y.
        top = max(counts.predicted.values()) / counts.rows
        majority = max(counts.targets.values()) / counts.rows
        causes = []
        if top >= 0.99 and majority <= 0.95:
            what = "label set" if multilabel else "class"
            shares = (
                np.ones(1) if multilabel else np.array(list(counts.targets.values())) / counts.rows
            )
            # Imbalanced: a minority of at least 5% that is well below the majority.
            imbalanced = shares.min() >= 0.05 and shares.min() <= 0.5 * shares.max()
            causes.append(
                (
                    f"it predicts one {what} for {top:.0%} of the training rows, whose most "
                    f"common {what} has {majority:.0%}",
                    "imbalance" if imbalanced and self.class_weight is None else None,
                )
            )
        state = "dead (zero)" if loss.activation == "relu" else "saturated"
        for l, (count, count_at_start) in enumerate(
            zip(counts.saturated, counts.at_start, strict=True)
        ):
            share = count / (counts.rows * sizes[l + 1])
            if share >= 0.9 and count_at_start / (counts.rows * sizes[l + 1]) >= 0.9:
                causes.append(
                    (
                        f"{share:.0%} of the activations of hidden layer {l + 1} "
                        f"({loss.activation}) are {state} and pass no gradient, as they were "
                        "from the start",
                        "saturated",
                    )
                )
        return causes or None

    def _divergence_cause(self, penalty_scale, scale_advice=""):
        """Why a step of ``learning_rate`` diverged, and the remedy, in words.

        ``scale_advice`` ("" when ``standardize`` is on or the features already
        look standardised) is added to the advice to decrease ``learning_rate``.
        """
        lr = self._learning_rate()
        # The penalty alone has curvature lambda / sum(w): steps of 2 / that or more
        # diverge. Below curvature 1 the penalty is weaker than the data term (on
        # scaled features), which diverges at a smaller step: the step is the cause.
        if self.solver in ("gd", "sgd") and lr * penalty_scale >= 2 and penalty_scale < 1:
            why = (
                f"learning_rate={lr:g} is too large: even the penalty alone diverges at "
                f"this step (reg_lambda / sum(sample_weight) = {penalty_scale:.3g} needs "
                f"learning_rate < {2 / penalty_scale:.3g}), and the data term at a smaller "
                "one. Decrease learning_rate"
            )
        elif self.solver in ("gd", "sgd") and lr * penalty_scale >= 2:
            why = (
                f"the penalty alone makes it diverge: reg_lambda / sum(sample_weight) = "
                f"{penalty_scale:.3g} needs learning_rate < {2 / penalty_scale:.3g}. Lower "
                "reg_lambda (or learning_rate)"
            )
        else:
            why = f"learning_rate={lr:g} is too large for these data. " + _sentence(
                "Decrease learning_rate", scale_advice
            )
        return why

    def _warn_about(
        self,
        result,
        dtype,
        continued,
        incremental,
        cause=None,
        x0_kept=False,
        facts=None,
        validated=False,
    ):
        """Warn (or raise) about how the fit ended, with the remedy of the cause found.

        ``facts`` (from :meth:`_facts`): the penalty's scale and share of ``J``,
        the cost at the first and last iteration, and the advice to scale the
        features where it applies ("" when ``standardize`` is on or the
        features already look standardised). Advice about ``learning_rate``
        goes only to the solvers that take a step size.
        """
        # Warnings point at the caller of fit or partial_fit: stacklevel=6 passes
        # this method, _train, _fit, with_callbacks' wrapper and fit.
        facts = facts or {"penalty_scale": 0.0, "penalty_share": 0.0, "curve": [], "scale": ""}
        name = type(self).__name__
        lr = self._learning_rate()
        why = self._divergence_cause(facts["penalty_scale"], facts["scale"])
        if x0_kept:  # diverged before any step could be kept
            raise ValueError(
                f"{name} learned nothing: training diverged at its first step "
                f"({result.message}): {why}; the estimator was left as it was."
            )
        causes = self._causes(cause, facts)
        remedy = self._remedy(causes, facts)
        cause = "; ".join(text for text, _ in causes) or None
        if cause is not None and result.status in ("converged", "early_stopped"):
            warnings.warn(
                f"{name} stopped ({result.message}) on a model that learned nothing: "
                f"{cause}. {remedy}",
                ConvergenceWarning,
                stacklevel=6,
            )
            return
        # A remedy of its own only for a cause that names one.
        specific = {key for _, key in causes} - {None}
        learned_little = (
            ""
            if cause is None
            else f" The model has learned little: {cause}." + (f" {remedy}" if specific else "")
        )
        if result.status == "not_finite":
            start = "the previous fit's weights" if continued else "the initial weights"
            raise ValueError(
                f"{name} cannot train: the cost at {start} is not finite (J = "
                f"{result.loss}): the weights or the features are too large for "
                f"{dtype.name}: lower epsilon_init"
                + (f" or {facts['scale']}." if facts["scale"] else ".")
            )
        stochastic = self.solver in STOCHASTIC_SOLVERS
        curve = facts["curve"]
        # A step that the user chose (not gd's Barzilai-Borwein steps, which adapt).
        chosen_step = self.solver in DEFAULT_LEARNING_RATES and not (
            self.solver == "gd" and self._gd_step_rule() == "bb"
        )
        rose = chosen_step and len(curve) > 1 and curve[-1] > curve[0]
        also = f"; {facts['scale']} also helps" if facts["scale"] else ""
        if result.status == "max_iter" and self.tol > 0 and not incremental and rose:
            warnings.warn(
                f"{name} did not converge: the cost rose from {curve[0]:.4g} to "
                f"{curve[-1]:.4g} over {len(curve)} iterations, which is divergence. To fix "
                f"it, decrease learning_rate (now {lr:g}){also}.{learned_little}",
                ConvergenceWarning,
                stacklevel=6,
            )
        elif result.status == "max_iter" and self.tol > 0 and not incremental:
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
                    f"increase max_iter{' or learning_rate' if chosen_step else ''}, or try "
                    "solver='L-BFGS-B'"
                    if self.solver == "gd"
                    else "increase max_iter"
                )
            warnings.warn(
                f"{name} did not converge: {what}. To fix it, {advice}{also}.{learned_little}",
                ConvergenceWarning,
                stacklevel=6,
            )
        elif result.status == "max_fun" and self.tol > 0:
            warnings.warn(
                f"{name} did not converge: solver {self.solver!r} {result.message}. To fix "
                f"it, increase max_fun (and max_iter if it is reached next){also}."
                f"{learned_little}",
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
                f"without meeting tol={self.tol:g}: {result.message}. "
                f"{_sentence(facts['scale'], 'raise tol or try another solver')}."
                f"{learned_little}",
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

    def _facts(self, objective, ends, X, penalty_scale, curve, cause):
        """What the advice of :meth:`_warn_about` rests on (see there).

        ``ends`` is ``(x0, x, J at x)``; the penalty's share of ``J`` is the
        larger of those at both ends, looked at only for a model that learned
        nothing (a strong penalty pulls the weights to 0 and its term with them).
        """
        share = 0.0
        reg_scale = getattr(objective, "reg_scale", penalty_scale)
        if cause and reg_scale:
            x0, x, loss = ends
            dtype = objective.loss.dtype
            with np.errstate(over="ignore", invalid="ignore"):
                for weights, J in ((x, loss), (x0, None)):
                    weights = np.asarray(weights, dtype=dtype)
                    J = objective.cost(weights) if J is None else J
                    if np.isfinite(J) and J > 0:
                        share = max(share, objective.loss.penalty(weights, reg_scale) / J)
        scale = ""
        if not self.standardize and not _looks_standardised(X):
            scale = "scale the features (standardize=True, or StandardScaler)"
        return {
            "penalty_scale": penalty_scale,
            "penalty_share": float(share),
            "curve": list(curve),
            "scale": scale,
        }

    def _causes(self, causes, facts):
        """The learned-nothing causes, with a penalty that is most of ``J`` first."""
        causes = list(causes or [])
        if causes and facts["penalty_share"] >= 0.5 and self.reg_lambda > 0:
            # The penalty pulls every weight to 0: the constant predictor is its optimum.
            causes = [
                (f"the penalty term reaches {facts['penalty_share']:.0%} of J", "penalty"),
                *((text, None if key == "imbalance" else key) for text, key in causes),
            ]
        return causes

    def _remedy(self, causes, facts):
        """The advice for the causes found, one sentence."""
        keys = {key for _, key in causes}
        advice = []
        if "penalty" in keys:
            advice.append(f"lower reg_lambda (now {self.reg_lambda:g})")
        if "imbalance" in keys:
            advice.append('pass class_weight="balanced"')
        if "saturated" in keys:
            advice.append(facts["scale"] or "try a smaller epsilon_init or another activation")
        if not advice:
            generic = "try another activation or a smaller epsilon_init"
            if self.solver in DEFAULT_LEARNING_RATES:
                generic += ", or another learning_rate"
            advice.append(_sentence(facts["scale"], generic))
        return _sentence(*advice) + "."

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
            Columns follow ``classes_``.
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
            Labels of ``classes_``, or the multilabel indicator matrix.
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


def _sentence(*parts):
    """The non-empty parts joined by commas and "or", capitalised."""
    parts = [part for part in parts if part]
    text = ", ".join(parts[:-1]) + (" or " if len(parts) > 1 else "") + parts[-1]
    return text[:1].upper() + text[1:]


def _continuation(incremental):
    """``(context, previous, remedy)``: the words of an error of a continued fit.

    ``incremental``: for :meth:`BackpropClassifier.partial_fit`, whose network
    was built by its first call (or by a fit), not by a warm start.
    """
    if incremental:
        return (
            "partial_fit",
            "the first call of partial_fit",
            "the network was built then (or by fit) and cannot change. To start over "
            "with the new settings, call fit, or partial_fit on a fresh copy: "
            "sklearn.base.clone(estimator)",
        )
    return "warm_start=True", "the previous fit", "fit with warm_start=False to start anew"


def _looks_standardised(X, rows=2000):
    """Whether the columns of (up to ``rows`` rows of) X have mean ~0 and std ~1.

    A dask array's columns are measured whole, on the workers: no rows come to
    the client (a constant column's scale is 1 there, which this accepts).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if _validation.is_dask_collection(X):
            mean, std = _standardize.chunked_moments(X)
        elif sparse.issparse(X):
            X = X[:: max(1, X.shape[0] // rows)]
            mean, var = mean_variance_axis(sparse.csr_matrix(X, dtype=np.float64), axis=0)
            std = np.sqrt(var)
        else:
            X = np.asarray(X[:: max(1, X.shape[0] // rows)], dtype=np.float64)
            mean, std = X.mean(axis=0), X.std(axis=0)
    varying = std > 0
    return bool(np.all(np.abs(mean) <= 0.5) and np.all((std[varying] >= 0.5) & (std[varying] <= 2)))


# inspect.signature(BackpropClassifier) (scikit-learn's checks read it) is that
# of __init__, not of the __new__ that names MLPClassifier's keywords.
BackpropClassifier.__signature__ = inspect.signature(BackpropClassifier.__init__).replace(
    parameters=list(inspect.signature(BackpropClassifier.__init__).parameters.values())[1:]
)


def _read_only(view):
    view = view.view()
    view.flags.writeable = False
    return view
