"""The estimator base: parameters, their checks, and the plumbing of fit and partial_fit.

:class:`BaseBackprop` holds what every estimator of the package shares: the
parameter checks (each written once), the validation split and set, warm
starts, standardisation, the shadow copy a fit trains and its publication in
one step, and the prediction of raw outputs. A subclass brings its head
(:mod:`skbackprop._heads`): how ``y`` becomes the output matrix and outputs
become predictions; :mod:`skbackprop._training` trains.
"""

import copy
import inspect
import math
import numbers
import threading
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from sklearn.utils.validation import validate_data as _sklearn_validate_data

from . import _heads, _standardize, _training, _validation, engine
from ._activations import HIDDEN_ACTIVATIONS
from ._callbacks import with_callbacks
from ._monitor import Monitor
from ._params import layout
from ._solvers import STOCHASTIC_SOLVERS, step_size

_FLOAT_DTYPES = (np.float64, np.float32)
SCHEDULES = ("constant", "invscaling", "adaptive")
# Held while a fit publishes its model and while set_params changes parameters,
# so that neither undoes the other.
_PUBLISH_LOCK = threading.Lock()


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


class BaseBackprop(BaseEstimator):
    """What every estimator of the package shares (see the module's docstring).

    A subclass defines ``__init__`` (its parameters), ``_head()`` (a head of
    :mod:`skbackprop._heads` built from them), ``_check_head_params()``, and
    its prediction methods.
    """

    # The parameter that chooses the output units (named by warm-start errors).
    _OUTPUT_PARAMETER = "output_activation"

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
        ]
        checks += [
            (name, getattr(self, name), _is_bool, lambda v: True, "a bool")
            for name in (
                "warm_start",
                "shuffle",
                "nesterovs_momentum",
                "early_stopping",
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

    def _loss_config(self):
        """Keywords of the network loss beyond its units (a head's cost parameters)."""
        return {}

    def _learning_rate(self):
        return step_size(self.solver, self.learning_rate)

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

    def _partial_fit_and_publish(self, X, y, classes, sample_weight):
        """The body of ``partial_fit``: one epoch on a shadow copy, then published."""
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
        if self.early_stopping:
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
        head = self._head()
        X, y, multilabel = self._check_data(X, y, head, reset=first, dtype=dtype)
        sample_weight = self._check_sample_weight(sample_weight, X.shape[0])
        if not first and multilabel != getattr(self, "_multilabel", False):
            raise ValueError(
                f"y is {'a multilabel indicator matrix' if multilabel else 'a label vector'} "
                f"but the first call of partial_fit had "
                f"{'a label vector' if multilabel else 'a multilabel indicator matrix'}"
            )
        previous = None if first else self
        classes, codes, sample_weight = head.partial_targets(
            y, classes, multilabel, sample_weight, previous
        )
        if first:
            head.output_units(multilabel)  # a softmax for multilabel y: an error now
            unit_class = head.unit_order(X, codes, sample_weight, _n_outputs(classes, codes))
            state = None
            self._set_standardization(X, sample_weight, warm=False)
        else:
            # An error if it was switched.
            self._set_standardization(X, None, warm=True, incremental=True)
            unit_class = self._unit_class
            # A copy: the solver updates its state in place, and a fit that fails
            # must leave the previous model's state as it was.
            state = copy.deepcopy(self._solver_state)
        targets = _targets_of(head, codes, classes, unit_class, multilabel, sample_weight, previous)
        layer_sizes = [X.shape[1], *hidden, targets.n_outputs]
        rng = check_random_state(self.random_state)
        thetas = self._initial_thetas(
            layer_sizes, targets, X.dtype, rng, warm=not first, incremental=True
        )
        session = _training.Session(
            X, targets, sample_weight, thetas, rng, state, continued=not first, incremental=True
        )
        status = _training.train(self, head, session)
        return self, status == "interrupted"

    def _check_data(self, X, y, head, reset, dtype=None):
        """``(X, y, multilabel)`` validated: X dense or CSR, y as ``head`` takes it.

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
            y_numeric=head.task == "regression",
            dtype=_validation.input_dtype(X) if dtype is None else dtype,
            reset=reset,
        )
        y, multilabel = head.check_y(y)
        return X, y, multilabel

    def _hidden_activation(self):
        return _heads.ALIASES.get(self.activation, self.activation)

    def _initial_thetas(self, layer_sizes, targets, dtype, rng, warm, incremental=False):
        """The starting weights, their output units in training order."""
        if not warm:
            return engine.init_thetas(layer_sizes, rng, self.epsilon_init, dtype)
        self._check_warm_start(targets.classes, layer_sizes, incremental)
        if not incremental:
            # Drawn and dropped, so that what rng draws next (the validation split
            # of early stopping) is what the first fit drew: the validation curves
            # of warm starts continue on the same rows.
            engine.init_thetas(layer_sizes, rng, self.epsilon_init, dtype)
        if getattr(self, "feature_mean_", None) is not None:
            kept = self._kept_standardized_weights(layer_sizes, targets)
            if kept is not None:
                return engine.unpack(kept.astype(dtype), layer_sizes)
        thetas = [theta.astype(dtype) for theta in self.thetas_]
        thetas[-1] = thetas[-1][targets.unit_class]
        if targets.mean is not None:
            thetas[-1] = _heads.unfold_targets(thetas[-1], targets.mean, targets.scale)
            thetas[-1] = thetas[-1].astype(dtype)
        if getattr(self, "feature_mean_", None) is not None:
            # Continued in the frozen standardised coordinates of the first fit.
            thetas = engine.unpack(
                _standardize.unfold_flat(
                    engine.pack(thetas), layer_sizes, self.feature_mean_, self.feature_scale_
                ),
                layer_sizes,
            )
        return thetas

    def _kept_standardized_weights(self, layer_sizes, targets):
        """The previous fit's weights in its standardised coordinates, or None.

        Folding rounds, and so would unfolding ``thetas_`` again: a continued fit
        starts from the solver's own weights, kept by the fit, so that it goes on
        exactly as one longer fit. None when they are not those of ``thetas_``
        any more (``thetas_`` changed since): ``thetas_`` are then unfolded.
        """
        x = getattr(self, "_standardized_weights", None)
        if x is None or x.size != layout(layer_sizes)[-1][1]:
            return None
        published = _training.network_attributes(
            self, x, layer_sizes, targets, self.thetas_[0].dtype, {}
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
        else:
            self.feature_mean_ = self.feature_scale_ = None

    # with_callbacks wraps the fit of the shadow, the estimator the callbacks are
    # set up on: a fit that fails is not published, and still tears them down.
    @with_callbacks
    def _fit(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        hidden = self._check_params()
        head = self._head()
        X, y, multilabel = self._check_data(X, y, head, reset=True)
        head.output_units(multilabel)  # a softmax for multilabel y: an error now
        sample_weight = self._check_sample_weight(sample_weight, X.shape[0])
        validation = self._check_validation_set(
            X_val, y_val, sample_weight_val, head, (multilabel, y.shape), dtype=X.dtype
        )
        classes, codes, per_class, sample_weight = head.encode(y, multilabel, sample_weight)
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
            n_outputs = _n_outputs(classes, codes)
            unit_class = head.unit_order(X, codes, sample_weight, n_outputs)
            state = None
        previous = self if warm else None
        targets = _targets_of(head, codes, classes, unit_class, multilabel, sample_weight, previous)
        layer_sizes = [X.shape[1], *hidden, targets.n_outputs]
        # One stream for the initial weights, the validation split and the
        # shuffling, as in MLPClassifier; sgd and adam keep theirs in their state.
        rng = check_random_state(self.random_state)
        thetas = self._initial_thetas(layer_sizes, targets, X.dtype, rng, warm)
        if validation is not None:
            self._check_validation_scale(X, sample_weight, validation[0])
            X_val, y_val, sample_weight_val = validation
            codes_val, sample_weight_val = head.validation_codes(
                y_val, sample_weight_val, targets, per_class
            )
            validation = (X_val, codes_val, sample_weight_val)
        elif self.early_stopping:
            X, codes, sample_weight, validation = self._split(
                X, targets.codes, sample_weight, rng, classes=classes
            )
            targets.codes = codes
        session = _training.Session(
            X, targets, sample_weight, thetas, rng, state, self.max_iter, validation, warm
        )
        _training.train(self, head, session)
        return self

    def _check_validation_set(self, X_val, y_val, sample_weight_val, head, of_y=None, dtype=None):
        """``(X_val, y_val, sample_weight_val)`` checked as strictly as the training rows.

        ``of_y`` is ``(multilabel, shape)`` of the training targets, whose kind
        and number of columns ``y_val`` must have; ``dtype`` is the dtype the
        model trains in: X_val's values must be finite in it.
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
                y_numeric=head.task == "regression",
                dtype=_FLOAT_DTYPES,
                reset=False,
            )
            y_val, multilabel_val = head.check_y(y_val)
        except ValueError as error:  # scikit-learn's messages say "X" and "y"
            raise ValueError(f"X_val, y_val: {error}") from None
        if of_y is not None:
            self._check_validation_targets(y_val, multilabel_val, *of_y, head)
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

    @staticmethod
    def _check_validation_targets(y_val, multilabel_val, multilabel, shape, head):
        """A ValueError unless ``y_val`` is of the kind and width of the training targets."""
        if multilabel_val != multilabel:
            raise ValueError(
                "y_val must be of the same kind as y: both label vectors, or both multilabel "
                "indicator matrices with the same columns"
            )
        wide = multilabel or head.task == "regression"
        if wide and y_val.shape[1] != shape[1]:
            what = "label columns" if multilabel else "columns (outputs)"
            raise ValueError(f"y_val has {y_val.shape[1]} {what} but y has {shape[1]}")

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
        if classes is not None and classes.tolist() != self.classes_.tolist():
            raise ValueError(
                f"{context}: y has classes {classes.tolist()} but {previous} had "
                f"{self.classes_.tolist()}; {remedy}"
            )
        if old_sizes != layer_sizes:
            raise ValueError(
                f"{context}: hidden_layer_sizes={tuple(layer_sizes[1:-1])} differs from "
                f"{previous}'s {tuple(old_sizes[1:-1])}; {remedy}"
            )
        # Compared as trained: "auto" and "logistic" are resolved.
        head = self._head()
        trained = [
            ("activation", self._hidden_activation(), self.activation_),
            (
                self._OUTPUT_PARAMETER,
                head.named(head.output_units(getattr(self, "_multilabel", False))),
                head.named(self.output_activation_),
            ),
        ]
        for name, new, old in trained:
            if new != old:
                raise ValueError(
                    f"{context}: {name}={new!r} differs from {previous}'s {old!r}; {remedy}"
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


def _n_outputs(classes, codes):
    """Output units: one per class, or one per column of a regression's targets."""
    return len(classes) if classes is not None else codes.shape[1]


def _targets_of(head, codes, classes, unit_class, multilabel, sample_weight, previous):
    """The :class:`skbackprop._heads.Targets` of a fit (``previous``: the fit it continues)."""
    mean, scale = head.target_moments(codes, sample_weight, previous)
    return _heads.Targets(
        _heads.scaled(codes, mean, scale),
        classes,
        unit_class,
        multilabel=multilabel,
        mean=mean,
        scale=scale,
    )


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


def _read_only(view):
    view = view.view()
    view.flags.writeable = False
    return view
