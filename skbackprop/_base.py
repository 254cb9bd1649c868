"""The estimator base: parameters, their checks, and the plumbing of fit and partial_fit.

:class:`BaseBackprop` holds what every estimator of the package shares: the
parameter checks (each written once), the validation split and set, warm
starts, standardisation, the shadow copy a fit trains and its publication in
one step, and the prediction of raw outputs. A subclass brings its head
(:mod:`skbackprop._heads`): how ``y`` becomes the output matrix and outputs
become predictions; :mod:`skbackprop._training` trains.
"""

import inspect
import math
import numbers
import threading

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from . import _data, _training, _validation, engine
from ._activations import HIDDEN_ACTIVATIONS
from ._callbacks import with_callbacks
from ._monitor import Monitor
from ._solvers import STOCHASTIC_SOLVERS

SCHEDULES = ("constant", "invscaling", "adaptive")
# Held while a fit publishes its model and while set_params changes parameters,
# so that neither undoes the other.
_PUBLISH_LOCK = threading.Lock()


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


# MLPClassifier's names that are ours under another name: errors name ours.
PORTED_NAMES = {"alpha": "reg_lambda", "learning_rate_init": "learning_rate"}
PORTED_SOLVERS = {"lbfgs": "L-BFGS-B"}


def _check_ported_names(cls, params, error):
    """An ``error`` for a parameter that ``cls`` does not have, naming ours where we can.

    ``cls._PEER`` is the scikit-learn estimator users port from.
    """
    known = cls._get_param_names()
    for name in params:
        if name in known or "__" in name:
            continue
        hint = PORTED_NAMES.get(name)
        hint = (
            f": did you mean {hint}? ({name} is {cls._PEER}'s name of it)"
            if hint
            else f"; its parameters are {known}"
        )
        raise error(f"{cls.__name__} has no parameter {name!r}{hint}")


def _dask_predict(estimator, method, X):
    # Imported only for dask input: skbackprop.dask needs the [dask] extra.
    from .dask import predict

    return predict(estimator, method, X)


class BaseBackprop(BaseEstimator):
    """What every estimator of the package shares (see the module's docstring).

    A subclass defines ``__init__`` (its parameters), ``_head()`` (a head of
    :mod:`skbackprop._heads` built from them), ``_check_head_params()``, and
    its prediction methods.
    """

    # The scikit-learn estimator users port from, named by the errors.
    _PEER = "MLPClassifier"

    def __new__(cls, *args, **kwargs):
        # A keyword of MLPClassifier's gets an error that names ours, before
        # Python's "unexpected keyword argument".
        _check_ported_names(cls, kwargs, TypeError)
        return super().__new__(cls)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # inspect.signature(cls) (scikit-learn's checks read it) is that of
        # __init__, not of the __new__ that names MLPClassifier's keywords.
        if "__init__" in vars(cls):
            signature = inspect.signature(cls.__init__)
            cls.__signature__ = signature.replace(
                parameters=list(signature.parameters.values())[1:]
            )

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
        self : estimator
            The estimator.

        Raises
        ------
        ValueError
            For a name that is not a parameter of the estimator.
        """
        _check_ported_names(type(self), params, ValueError)
        with Monitor().deferring_interrupts(around=[_PUBLISH_LOCK]):
            return super().set_params(**params)

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
            ("solver", _training.SOLVERS),
            ("learning_rate_schedule", SCHEDULES),
        ):
            self._check_option(name, options)
        self._check_head_params()
        for name, value, type_ok, range_ok, allowed in self._numeric_checks():
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
        self._check_random_state()
        return tuple(sizes)

    def _check_option(self, name, options):
        """A ValueError unless parameter ``name`` is one of ``options``."""
        value = getattr(self, name)
        if not isinstance(value, str) or value not in options:
            hint = PORTED_SOLVERS.get(value) if name == "solver" and _is_str(value) else None
            hint = f": did you mean solver={hint!r}?" if hint else ""
            raise ValueError(f"{name} must be one of {list(options)}; got {value!r}{hint}")

    def _numeric_checks(self):
        """``(name, value, type check, range check, allowed)`` of each number and flag."""
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
                        f"mean learning_rate_schedule={value!r}? ({self._PEER}'s "
                        "learning_rate is our learning_rate_schedule, its learning_rate_init "
                        "our learning_rate)"
                    )
                if value != "auto":
                    raise ValueError(f"{name} must be {allowed}; got {value!r}")
                continue
            is_type = _is_real if name == "learning_rate" else _is_int
            checks.append((name, value, is_type, lambda v: v > 0, allowed))
        return checks

    def _check_random_state(self):
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

    # -- fitting ----------------------------------------------------------------

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data is trained in float32, a sparse matrix
            (CSR, CSC) is used without being made dense.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets: class labels (at least two classes) or a multilabel
            indicator matrix of 0s and 1s for a classifier, real values for a
            regressor.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the cost averages become weighted averages.
        X_val, y_val : array-like, default=None
            A validation set for early stopping (which passing it implies),
            instead of holding out ``validation_fraction`` of ``X``. A
            classifier's labels must be among those of ``y``. In a ``Pipeline``,
            route it through the preceding steps (``set_fit_request(X_val=True,
            y_val=True)`` and ``Pipeline(..., transform_input=["X_val"])``,
            scikit-learn >= 1.6): columns on a visibly different scale from
            ``X``'s give a UserWarning.
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation rows.

        Returns
        -------
        self : estimator
            The fitted estimator.
        """
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

    def _partial_fit_and_publish(self, X, y, classes, sample_weight):
        """The body of ``partial_fit``: one epoch on a shadow copy, then published."""
        if _data.is_dask_collection(X):
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
        if self.early_stopping is True:  # "auto" is off for partial_fit
            # As MLPClassifier: one call is one epoch over its own rows.
            raise ValueError(
                "partial_fit does not support early_stopping=True: each call is one epoch "
                "over its own rows, with none held out to stop on. Set early_stopping=False "
                "and watch a validation set yourself, or use fit (with X_val and y_val)."
            )
        head = self._head()
        source = _data.MemoryRows()
        source.check(self, head, (X, y, sample_weight), incremental=True)
        session = _data.session(self, head, source, hidden, partial=(classes,))
        status = source.train(self, head, session)
        return self, status == "interrupted"

    # with_callbacks wraps the fit of the shadow, the estimator the callbacks are
    # set up on: a fit that fails is not published, and still tears them down.
    @with_callbacks
    def _fit(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        hidden = self._check_params()
        head = self._head()
        source = _source(X)
        source.check(self, head, (X, y, sample_weight), (X_val, y_val, sample_weight_val))
        session = _data.session(self, head, source, hidden)
        source.train(self, head, session)
        return self

    def _split(self, X, y_encoded, sample_weight, rng, classes=None):
        """Hold out ``validation_fraction`` of the rows (see :func:`_data.split_rows`)."""
        return _data.split_rows(
            self.validation_fraction, X, y_encoded, sample_weight, rng, classes=classes
        )

    # -- prediction -------------------------------------------------------------

    def _output_logits(self, X):
        check_is_fitted(self)
        X = _validation.validate_data(
            self, X, accept_sparse="csr", dtype=_validation.FLOAT_DTYPES, reset=False
        )
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # -- MLPClassifier's (and MLPRegressor's) names, for porting code and tools ----

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


def _read_only(view):
    view = view.view()
    view.flags.writeable = False
    return view


def _source(X):
    """The data source of ``X``: rows in memory, or a dask array's chunks on a cluster."""
    if _data.is_dask_collection(X):
        # Trained where the chunks live (skbackprop.dask, the [dask] extra).
        from .dask import DaskChunks

        return DaskChunks()
    return _data.MemoryRows()
