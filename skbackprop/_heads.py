"""Heads: what a task changes in a network that is otherwise the same.

A head turns ``y`` into the output matrix ``Y`` the network is trained on,
names the output units and their cost, scores outputs, and turns them into
predictions. :class:`ClassificationHead` has labels or a multilabel indicator
matrix (softmax or sigmoid units, the cross-entropy); :class:`RegressionHead`
real targets (identity units, half the squared error or Huber's cost). The
estimator base asks a head; a head knows nothing of solvers or data sources.
"""

import types

import numpy as np
from sklearn.metrics import r2_score

from . import _standardize, _targets, _validation

# MLPClassifier's name of the sigmoid, accepted so that its settings carry over.
ALIASES = {"logistic": "sigmoid"}


class Targets:
    """``y`` as a fit trains on it.

    ``codes``: class codes ``(m,)``, an indicator matrix ``(m, K)``, or the
    (standardised) real targets ``(m, K)`` of a regression; ``classes``: the
    labels of the codes (None for a regression); ``unit_class[j]``: the class
    output unit ``j`` stands for; ``mean``, ``scale``: a regression's target
    moments (None: trained on y as it is).
    """

    def __init__(self, codes, classes, unit_class, *, multilabel=False, mean=None, scale=None):
        self.codes, self.classes, self.unit_class = codes, classes, unit_class
        self.unit_of_class = np.argsort(unit_class)
        self.multilabel = multilabel
        self.mean, self.scale = mean, scale

    @property
    def n_outputs(self):
        return len(self.unit_class)

    def matrix(self, rows=slice(None)):
        """``Y`` of the rows ``rows``, its columns in output-unit order."""
        if self.classes is None:
            return self.codes[rows]
        return _targets.target_matrix(self.codes[rows], self.unit_of_class)


def hidden_units(activation):
    """The hidden activation ``activation`` names (resolving MLPClassifier's aliases)."""
    return ALIASES.get(activation, activation)


class ClassificationHead:
    """Labels (two or more classes) or a multilabel indicator matrix.

    Softmax units with the categorical cross-entropy, or the seed's
    independent sigmoid units with the cross-entropy summed over them.
    """

    task = "classification"
    # The estimator's parameter that chooses the output units (named by errors).
    parameter = "output_activation"
    # Keywords of the network loss beyond its units: none for labels.
    loss_config = types.MappingProxyType({})

    def __init__(self, output_activation="auto", class_weight=None, name="BackpropClassifier"):
        self.output_activation = output_activation
        self.class_weight = class_weight
        self.name = name  # the estimator's, for the errors

    @staticmethod
    def check_y(y):
        """``(y, multilabel)``: labels, or an indicator matrix of 0s and 1s."""
        y, kind = _targets.check_targets(y)
        return y, kind == _targets.MULTILABEL

    def output_units(self, multilabel):
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
        return ALIASES.get(name, name)

    @staticmethod
    def named(output_units):
        """The output units as the ``output_activation`` parameter names them."""
        return output_units

    def encode(self, y, multilabel, sample_weight):
        """``(classes, codes, per_class weights, sample_weight with them)`` of a fit's ``y``."""
        if multilabel:
            classes, codes = np.arange(y.shape[1]), y
        else:
            classes, codes = _targets.unique_codes(y)
        per_class = _targets.class_weights(self.class_weight, classes, codes, sample_weight)
        sample_weight = _targets.weighted(sample_weight, per_class, codes)
        if not multilabel:
            weighed = codes if sample_weight is None else codes[sample_weight > 0]
            _targets.check_two_classes(
                classes,
                np.flatnonzero(np.bincount(weighed, minlength=len(classes))),
                None if sample_weight is None else "sample and class",
                self.name,
            )
        return classes, codes, per_class, sample_weight

    def partial_targets(self, y, classes, multilabel, sample_weight, previous):
        """``(classes, codes, sample_weight)`` of a partial_fit call.

        ``classes`` are those passed at the first call (``previous`` is None),
        checked against the model's at later calls.
        """
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: one call's rows "
                "cannot tell the class frequencies. Compute the weights once, e.g. with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', classes=classes, "
                "y=y_sample), and pass them as a dict."
            )
        if previous is not None and multilabel != previous._multilabel:
            kinds = ("a label vector", "a multilabel indicator matrix")
            raise ValueError(
                f"y is {kinds[multilabel]} but the first call of partial_fit had "
                f"{kinds[not multilabel]}"
            )
        classes = self._partial_fit_classes(y, classes, previous, multilabel)
        codes = y if multilabel else _targets.encode(y, classes, "y")
        per_class = _targets.class_weights(self.class_weight, classes, codes, None)
        sample_weight = _targets.weighted(sample_weight, per_class, codes)
        if sample_weight is not None and not np.any(sample_weight > 0):
            raise ValueError(
                "partial_fit: the rows of this call have zero total weight (class_weight "
                f"{self.class_weight!r} times sample_weight gives each of them 0): there is "
                "nothing to train on. Skip such a chunk, or give its classes a weight > 0."
            )
        return classes, codes, sample_weight

    @staticmethod
    def _partial_fit_classes(y, classes, previous, multilabel):
        """The classes of a partial_fit call: those passed at the first call, checked."""
        first = previous is None
        if multilabel:
            classes = _multilabel_classes(y, classes, previous)
        elif first and classes is None:
            raise ValueError(
                "classes must be passed to the first call of partial_fit: all the labels "
                "that y will hold, e.g. classes=np.unique(y_all)"
            )
        elif classes is not None:
            classes = np.unique(np.asarray(classes))
            if len(classes) < 2:
                raise ValueError(f"classes must hold at least 2 labels; got {classes.tolist()}")
            if not first and classes.tolist() != previous.classes_.tolist():
                raise ValueError(
                    f"classes={classes.tolist()} differs from the classes of the first call "
                    f"{previous.classes_.tolist()}"
                )
        return classes if first else previous.classes_

    @staticmethod
    def unit_order(X, codes, sample_weight, n_outputs):
        return _targets.output_unit_order(X, codes, sample_weight, n_outputs)

    @staticmethod
    def target_moments(y, sample_weight, previous=None, moments=None):
        """Labels are not standardised: ``(None, None)``."""
        return None, None

    def validation_codes(self, y_val, sample_weight_val, targets, per_class):
        """The validation labels encoded, and their weights with ``class_weight``."""
        codes = y_val if targets.multilabel else _targets.encode(y_val, targets.classes, "y_val")
        sample_weight_val = _targets.weighted(sample_weight_val, per_class, codes)
        if sample_weight_val is not None and not np.any(sample_weight_val > 0):
            raise ValueError(
                "the validation rows (X_val, y_val) have zero total weight: class_weight "
                f"{self.class_weight!r} times sample_weight_val gives each of them 0, so "
                "their loss is undefined. Pass validation rows of classes with a weight > 0."
            )
        return codes, sample_weight_val

    @staticmethod
    def scorer(codes_val, targets, w_val):
        """``score(Z)``: the weighted accuracy of the logits ``Z`` of the validation rows."""
        multilabel = targets.multilabel
        Y_bool = _targets.target_matrix(codes_val, targets.unit_of_class)
        # What a right prediction is: the class's unit, or every label's yes/no.
        truth = Y_bool if multilabel else targets.unit_of_class[codes_val]

        def score(Z):
            correct = _targets.predicted_units(Z, multilabel) == truth
            if multilabel:  # subset accuracy, as score() computes it
                correct = correct.all(axis=1)
            return float(w_val @ correct)

        return Y_bool, score

    @staticmethod
    def network(targets, y, output_units):
        """What predictions read besides the weights."""
        return {
            "classes_": targets.classes,
            "output_activation_": output_units,
            "_multilabel": targets.multilabel,
            # predict returns indicator matrices of y's dtype, as scikit-learn's checks ask
            "_indicator_dtype": y.dtype if targets.multilabel else None,
        }

    @staticmethod
    def labels(targets):
        """``y`` as the user gave it, for the callbacks."""
        return targets.codes if targets.multilabel else targets.classes[targets.codes]


class RegressionHead:
    """Real targets, one or several columns: identity output units.

    The cost is half the squared error (``loss="squared_error"``) or Huber's
    (``loss="huber"``). With ``standardize`` the network learns the targets
    centred and scaled, and the fit folds that into the output layer.
    """

    task = "regression"
    parameter = "loss"

    def __init__(self, loss="squared_error", standardize=True, huber_delta=1.0):
        self.loss = loss
        self.standardize = standardize
        # Keywords of the network loss beyond its units.
        self.loss_config = {"huber_delta": float(huber_delta)} if loss == "huber" else {}

    def check_y(self, y):
        """``(y, False)``: finite real targets, as a float64 matrix of one column per output.

        Remembers whether ``y`` was a vector: predictions then are too.
        """
        y = np.asarray(y)
        if not hasattr(self, "flat"):  # the training targets come first
            self.flat = y.ndim == 1
        if y.dtype.kind not in "biuf":
            raise ValueError(f"y must hold real numbers for a regression; got dtype {y.dtype}")
        y = y.astype(np.float64, copy=False)
        if y.ndim == 1:
            y = y[:, None]
        if y.ndim != 2 or y.shape[1] == 0:
            raise ValueError(
                f"y must be of shape (n_samples,) or (n_samples, n_outputs); got {y.shape}"
            )
        if not np.isfinite(y).all():
            raise ValueError("y must be finite: it holds NaN or infinity")
        return y, False

    def output_units(self, multilabel=False):
        """The output units to train: identity units with the loss's cost."""
        return "huber" if self.loss == "huber" else "identity"

    @staticmethod
    def named(output_units):
        """The output units as the ``loss`` parameter names them."""
        return "squared_error" if output_units == "identity" else output_units

    def encode(self, y, multilabel, sample_weight):
        """``(None, y, None, sample_weight)``: no classes, and no class weights."""
        return None, y, None, sample_weight

    def partial_targets(self, y, classes, multilabel, sample_weight, previous):
        """``(None, y, sample_weight)`` of a partial_fit call, whose y has the model's outputs."""
        if previous is not None and y.shape[1] != previous.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} columns (outputs) but the first call of partial_fit had "
                f"{previous.n_outputs_}"
            )
        if previous is not None:  # predictions keep the shape of the first call's y
            self.flat = previous._flat_output
        return None, y, sample_weight

    def target_moments(self, y, sample_weight, previous=None, moments=_standardize.moments):
        """The targets' mean and scale: those of ``previous`` (a fit continued) or of ``y``.

        ``moments(y, sample_weight)`` measures them (the data source's way);
        ``(None, None)`` without ``standardize``.
        """
        if previous is not None:
            return previous.target_mean_, previous.target_scale_
        if not self.standardize:
            return None, None
        return moments(y, sample_weight)

    @staticmethod
    def unit_order(X, codes, sample_weight, n_outputs):
        return np.arange(n_outputs)

    @staticmethod
    def validation_codes(y_val, sample_weight_val, targets, per_class):
        codes = scaled(y_val, targets.mean, targets.scale)
        return codes, sample_weight_val

    @staticmethod
    def scorer(codes_val, targets, w_val):
        """``score(Z)``: R^2 of the outputs ``Z`` (averaged over the outputs, as ``score``)."""

        def score(Z):
            if len(codes_val) < 2:  # R^2 is undefined on one row (and warns)
                return float("nan")
            # R^2 of each output is the same in standardised units.
            with np.errstate(over="ignore", invalid="ignore"):
                return float(r2_score(codes_val, Z, sample_weight=w_val))

        return codes_val, score

    def network(self, targets, y, output_units):
        """What predictions read besides the weights."""
        return {
            "output_activation_": output_units,
            "target_mean_": targets.mean,
            "target_scale_": targets.scale,
            "_flat_output": self.flat,
        }

    def labels(self, targets):
        """``y`` as the user gave it, for the callbacks."""
        y = targets.codes
        if targets.mean is not None:
            y = y * targets.scale + targets.mean
        return y[:, 0] if self.flat else y


def scaled(y, mean, scale):
    """``(y - mean) / scale``, or ``y`` itself without moments."""
    if mean is None:
        return y
    return (y - mean) / scale


def fold_targets(theta, mean, scale):
    """The output layer ``theta`` (float64, in place) acting on raw targets."""
    if mean is None:
        return theta
    theta *= scale[:, None]
    theta[:, 0] += mean
    return theta


def unfold_targets(theta, mean, scale):
    """The output layer acting on standardised targets (float64, a new array)."""
    theta = np.array(theta, dtype=np.float64)
    if mean is None:
        return theta
    theta[:, 0] -= mean
    theta /= scale[:, None]
    return theta


def check_loss(loss, huber_delta):
    """The regression cost's parameters, or a ValueError/TypeError naming them."""
    if not isinstance(loss, str) or loss not in ("squared_error", "huber"):
        raise ValueError(f"loss must be one of ['squared_error', 'huber']; got {loss!r}")
    _validation.check_real(huber_delta, "huber_delta", "a float > 0", lambda v: v > 0)


def _multilabel_classes(y, classes, previous):
    """The classes of a multilabel ``y``: its columns, ``arange(n_labels)``."""
    n_labels = y.shape[1]
    if previous is not None and n_labels != len(previous.classes_):
        raise ValueError(
            f"y has {n_labels} label columns but the first call of partial_fit had "
            f"{len(previous.classes_)}"
        )
    if classes is not None and np.unique(np.asarray(classes)).tolist() != list(range(n_labels)):
        raise ValueError(
            f"for a multilabel y, classes must be None or range({n_labels}), the "
            f"indices of y's {n_labels} columns; got {np.asarray(classes).tolist()}"
        )
    return np.arange(n_labels)
