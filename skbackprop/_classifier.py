"""BackpropClassifier: the classification head on the shared estimator base."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from . import _targets, engine
from ._activations import OUTPUT_LOSSES, log_softmax
from ._base import _PUBLISH_LOCK, BaseBackprop, _dask_predict
from ._callbacks import BASES as CALLBACK_BASES
from ._data import is_dask_collection
from ._heads import ClassificationHead
from ._solvers import DEFAULT_LEARNING_RATES, STOCHASTIC_SOLVERS
from ._training import SOLVERS

# Read by the tests and benchmarks: the solvers and their default step sizes, and the
# lock a fit publishes under.
__all__ = [
    "DEFAULT_LEARNING_RATES",
    "SOLVERS",
    "STOCHASTIC_SOLVERS",
    "_PUBLISH_LOCK",
    "BackpropClassifier",
    "engine",
]


# scikit-learn >= 1.9: CallbackSupportMixin first, as in scikit-learn's own estimators.
class BackpropClassifier(*CALLBACK_BASES, ClassifierMixin, BaseBackprop):
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
        fades as ``m`` grows. Every solver minimises the same ``J``: a
        mini-batch gradient is an unbiased estimate of the full one, with the
        penalty of all ``m`` rows.
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
        "auto" gives gd Barzilai-Borwein steps, chosen at each step by a
        nonmonotone line search (see the user guide's solvers page), and sgd
        and adam 0.001 (MLPClassifier's ``learning_rate_init``); a number gives gd
        the seed's constant step. Unused by the scipy methods. Must be > 0.
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

    # Every hyperparameter is an argument of __init__, stored unchanged: scikit-learn's
    # contract (get_params, set_params, clone), hence its 27 parameters.
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

    # -- the head ----------------------------------------------------------------

    def _head(self):
        return ClassificationHead(self.output_activation, self.class_weight, type(self).__name__)

    def _check_head_params(self):
        self._check_option("output_activation", ["auto", *OUTPUT_LOSSES, "logistic"])
        _targets.check_class_weight(self.class_weight)

    @available_if(BaseBackprop._stochastic)
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
        return self._partial_fit_and_publish(X, y, classes, sample_weight)

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
        if is_dask_collection(X):  # a dask array, block by block
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
        if is_dask_collection(X):  # a dask array, block by block
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
        if is_dask_collection(X):  # a dask array, block by block
            return _dask_predict(model, "predict", X)
        if getattr(model, "_multilabel", False):
            # p > 1/2 exactly where the unit's logit is positive.
            return (model._output_logits(X) > 0).astype(model._indicator_dtype)
        # The exact log-probabilities still rank classes whose probabilities underflow.
        log_proba = model._log_proba(X)
        return model.classes_[np.argmax(log_proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Every output layer but a softmax (whose units compete) models labels.
        tags.classifier_tags.multi_label = self.output_activation != "softmax"
        return tags

    @property
    def out_activation_(self):
        """The output activation in MLPClassifier's words: "softmax" or "logistic"."""
        check_is_fitted(self)
        return "softmax" if self.output_activation_ == "softmax" else "logistic"
