"""BackpropRegressor: the regression head on the shared estimator base."""

from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._base import BaseBackprop, _dask_predict
from ._callbacks import BASES as CALLBACK_BASES
from ._data import is_dask_collection
from ._heads import RegressionHead, check_loss


# scikit-learn >= 1.9: CallbackSupportMixin first, as in scikit-learn's own estimators.
class BackpropRegressor(*CALLBACK_BASES, RegressorMixin, BaseBackprop):
    """Feed-forward neural network regressor trained by backpropagation.

    The network of :class:`BackpropClassifier` with identity output units, one
    per target column: ``thetas_[l]`` has shape ``(s_{l+1}, s_l + 1)`` with the
    bias weights in column 0. The cost is half the weighted mean squared error
    plus the penalty,

    ``J = 1/(2m) sum_i w_i ||h(x_i) - y_i||^2 + lambda/(2m) sum ||Theta_nobias||^2``

    (``m`` the total sample weight), or, with ``loss="huber"``, Huber's cost in
    place of the squared error: quadratic for residuals up to ``huber_delta``,
    linear beyond, so that outliers pull less. Every solver, mini-batch
    training, :meth:`partial_fit`, early stopping (scored by R^2), sparse and
    float32 ``X``, scikit-learn's callbacks and dask arrays work as for the
    classifier.

    With ``standardize=True`` (the default) the network trains on
    standardised features and standardised targets, and the fit folds both
    into the weights: ``Theta^(1)`` acts on raw ``X`` and the output layer
    returns ``y`` in its own units, so a target in the millions trains like
    one in units.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(25,)
        Units of each hidden layer; ``()`` means no hidden layer (a linear
        regression).
    activation : {"sigmoid", "tanh", "relu", "identity", "logistic"}, default="tanh"
        Activation of the hidden units; "logistic" is another name of "sigmoid"
        (MLPRegressor's), "identity" makes linear units.
    solver : {"gd", "sgd", "adam", "L-BFGS-B", "CG", "BFGS", "TNC"}, default="gd"
        ``"gd"`` is full-batch gradient descent with step ``learning_rate``;
        ``"sgd"`` and ``"adam"`` take mini-batch steps of ``batch_size`` rows
        (and offer :meth:`partial_fit`); the others are the
        ``scipy.optimize.minimize`` methods of that name.
    reg_lambda : float, default=0.3
        Regularisation strength lambda: ``J`` adds ``reg_lambda / (2 m)`` times
        the squared non-bias weights, ``m`` the total sample weight. Must be
        >= 0. The default is a compromise measured on small data sets
        (docs/benchmarks.md, "Regression"): noisy ones such as
        ``load_diabetes`` want more (10: cross-validated R^2 0.50, 0.3: -0.02,
        1e-4: -0.58), smooth curves less (a noisy 1-d curve of 300 rows: 0.48,
        0.86, 0.90); its effect fades as ``m`` grows. Every solver
        minimises the same ``J``: a mini-batch gradient is an
        unbiased estimate of the full one, with the penalty of all ``m`` rows.
        This is ``alpha`` of scikit-learn's ``MLPRegressor`` for full batches
        only (gd and the scipy methods, its "lbfgs", or one mini-batch of all
        rows): with mini-batches of ``b`` rows ``MLPRegressor`` adds
        ``alpha / (2 b)`` at every step, so its ``alpha`` acts as
        ``reg_lambda = alpha * m / b`` here.
    loss : {"squared_error", "huber"}, default="squared_error"
        The data term: half the squared error (MLPRegressor's), or Huber's
        cost, robust to outliers.
    huber_delta : float, default=1.0
        Where Huber's cost turns from quadratic to linear, in units of the
        trained targets: standard deviations of each target with
        ``standardize=True`` (as ``HuberRegressor``'s epsilon is relative to
        the scale), ``y``'s own units otherwise. Must be > 0.
    learning_rate : float or "auto", default="auto"
        Step size: alpha of gradient descent, the initial step of sgd and adam.
        "auto" gives gd Barzilai-Borwein steps, chosen at each step by a
        nonmonotone line search (see the user guide's solvers page), and sgd
        and adam 0.001 (MLPRegressor's ``learning_rate_init``); a number gives gd
        the seed's constant step. Unused by the scipy methods. Must be > 0.
    max_iter : int, default=5000
        Maximum number of iterations: gradient steps, iterations of the scipy
        method, or epochs (passes over the data) of sgd and adam. Must be >= 1.
    max_fun : int, default=15000
        Maximum number of evaluations of ``J`` by the scipy methods (checked
        at the end of each iteration; "L-BFGS-B" and "TNC" also hand it to
        scipy). Reaching it gives a ConvergenceWarning. Must be >= 1.
    tol : float, default=1e-3
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
    early_stopping : bool or "auto", default=False
        Hold out ``validation_fraction`` of the training rows (seeded by
        ``random_state``), stop when their loss has not improved for
        more than ``n_iter_no_change`` iterations, and keep the weights where it
        was lowest. "auto" does so for ``solver="gd"`` when at least 200
        rows are held out, as the classifier's default does (measured slower
        here for the same R^2, hence off by default). Works with every
        solver; passing ``X_val`` and ``y_val`` to
        :meth:`fit` implies it, on that set. Under ``warm_start`` the
        validation curves and the best weights so far carry over, as in
        ``MLPRegressor``. :meth:`partial_fit` raises a ValueError with it.
    validation_fraction : float, default=0.1
        Share of the training rows held out by ``early_stopping``, in (0, 1).
    n_iter_no_change : int or np.inf, default=10
        Iterations (epochs for sgd and adam) allowed without an improvement of
        the validation loss, or of the epoch loss for sgd and adam. Must be >= 1;
        ``np.inf`` switches these rules off (as in ``MLPRegressor``).
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
        Train in standardised coordinates: each feature and each target
        centred on its mean and divided by its standard deviation (weighted by
        the sample weights; a constant column keeps scale 1), then fold the
        transformations into the weights: ``Theta^(1)`` acts on raw ``X`` and
        the output layer returns ``y`` in its units. The penalty acts on the
        standardised weights, so ``reg_lambda`` does not depend on the units of
        the features or of the targets. Sparse ``X`` is never changed (the
        centring goes into the bias). A continued fit (``warm_start``, later
        ``partial_fit`` calls) keeps the means and scales of the first fit,
        frozen. False trains on the raw features and targets.

    Attributes
    ----------
    feature_mean_, feature_scale_ : ndarray of shape (`n_features_in_`,) or None
        The mean and scale of the standardised features the network was
        trained on (float64; None with ``standardize=False``), folded into
        ``thetas_``.
    target_mean_, target_scale_ : ndarray of shape (n_outputs,) or None
        The same for the targets, folded into the output layer.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when ``X`` has string column names.
    thetas_ : list of ndarray
        ``thetas_[l]`` of shape ``(s_{l+1}, s_l + 1)``; float32 when fitted on
        float32 data, float64 otherwise.
    activation_, output_activation_ : str
        The activations the network was trained with; ``output_activation_``
        is "identity" (squared error) or "huber".
    coefs_, intercepts_ : list of ndarray
        MLPRegressor's view of the weights, read-only: ``coefs_[l]`` is
        ``thetas_[l][:, 1:].T`` and ``intercepts_[l]`` is ``thetas_[l][:, 0]``.
    n_layers_, n_outputs_ : int
        Layers (input and output included) and outputs.
    out_activation_ : str
        "identity", as MLPRegressor's.
    loss_ : float
        The entry of ``loss_curve_`` of the kept weights (in standardised
        units with ``standardize=True``).
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
        each iteration.
    validation_scores_ : list of float or None
        With early stopping: R^2 on the validation rows after each iteration.
    best_validation_score_ : float or None
        With early stopping: the validation R^2 of the kept weights.

    See Also
    --------
    BackpropClassifier : The same network for labels.
    sklearn.neural_network.MLPRegressor : Scikit-learn's multi-layer perceptron.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop import BackpropRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-3, 3, size=(200, 1))
    >>> y = 1000 * np.sin(X[:, 0]) + 5000
    >>> reg = BackpropRegressor(hidden_layer_sizes=(10,), solver="L-BFGS-B",
    ...                         random_state=0).fit(X, y)
    >>> float(reg.score(X, y)) > 0.99
    True
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    # Every hyperparameter is an argument of __init__, stored unchanged: scikit-learn's
    # contract (get_params, set_params, clone), hence its 27 parameters.
    _PEER = "MLPRegressor"

    def __init__(
        self,
        hidden_layer_sizes=(25,),
        activation="tanh",
        solver="gd",
        reg_lambda=0.3,
        loss="squared_error",
        huber_delta=1.0,
        learning_rate="auto",
        max_iter=5000,
        max_fun=15000,
        tol=1e-3,
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
        standardize=True,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.reg_lambda = reg_lambda
        self.loss = loss
        self.huber_delta = huber_delta
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

    # -- the head ----------------------------------------------------------------

    def _head(self):
        return RegressionHead(self.loss, self.standardize, self.huber_delta)

    def _check_head_params(self):
        check_loss(self.loss, self.huber_delta)

    @available_if(BaseBackprop._stochastic)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch of sgd or adam over ``(X, y)``, continuing the previous state.

        The first call initialises the network (and, with ``standardize``,
        measures the features' and targets' mean and scale on its rows, frozen
        for later calls); later calls continue the weights and the optimiser's
        state, in the model's dtype. ``early_stopping=True`` is a ValueError,
        as in MLPRegressor. Ctrl-C keeps the mini-batches completed so far, then
        raises KeyboardInterrupt; a second Ctrl-C keeps the model as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, with the columns of the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples; None weighs each sample 1.

        Returns
        -------
        self : BackpropRegressor
            The estimator, trained one more epoch.
        """
        return self._partial_fit_and_publish(X, y, None, sample_weight)

    def predict(self, X):
        """Predict the targets: the output units, in ``y``'s units.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            A vector when the model was fitted on a vector ``y``.
        """
        model = self._published()  # one read: a fit publishing meanwhile changes nothing here
        if is_dask_collection(X):  # a dask array, block by block
            return _dask_predict(model, "predict", X)
        Z = model._output_logits(X)
        return Z[:, 0] if model._flat_output else Z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @property
    def out_activation_(self):
        """The output activation in MLPRegressor's words: "identity"."""
        check_is_fitted(self)
        return "identity"
