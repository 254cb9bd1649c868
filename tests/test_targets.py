"""Every target, weighting and input a scikit-learn user brings.

Multilabel y, class_weight, sparse X, identity and "logistic" units,
MLPClassifier's attribute names, and max_fun.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from skbackprop import BackpropClassifier, _targets, engine
from skbackprop._loss import NetworkLoss
from skbackprop._monitor import Monitor
from skbackprop._solvers import ScipyMinimize


def quiet(clf, *args, **kwargs):
    """fit without the ConvergenceWarning of deliberately short runs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(*args, **kwargs)


def assert_same_model(a, b, atol=0.0):
    for theta_a, theta_b in zip(a.thetas_, b.thetas_, strict=True):
        if atol:
            assert_allclose(theta_a, theta_b, rtol=0, atol=atol)
        else:
            assert_array_equal(theta_a, theta_b)


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(
        n_samples=300, n_features=6, n_classes=4, n_labels=2, random_state=0
    )
    return StandardScaler().fit_transform(X), Y


# -- multilabel y -------------------------------------------------------------------


def test_multilabel_fit_predict_and_probabilities(multilabel):
    X, Y = multilabel
    clf = BackpropClassifier(hidden_layer_sizes=(16,), solver="L-BFGS-B", random_state=0)
    clf.fit(X, Y)
    assert clf.output_activation_ == "sigmoid" and clf.out_activation_ == "logistic"
    assert_array_equal(clf.classes_, np.arange(4))
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    assert np.all((proba > 0) & (proba < 1))
    # Each label's own sigmoid unit: not normalised over the labels.
    expected = engine.forward(clf.thetas_, X, clf.activation_, output_activation="sigmoid")
    assert_allclose(proba, expected, rtol=1e-12, atol=1e-300)
    assert not np.allclose(proba.sum(axis=1), 1)
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape and predicted.dtype == Y.dtype
    assert_array_equal(predicted, (expected > 0.5).astype(Y.dtype))
    assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)
    # The cost is the seed's: cross-entropy summed over the K sigmoid units.
    J = engine.cost(clf.thetas_, X, Y, clf.reg_lambda, clf.activation_, output_activation="sigmoid")
    assert clf.loss_ == pytest.approx(J, rel=1e-10)
    # subset accuracy, far above predicting the most common label set
    _, counts = np.unique(Y, axis=0, return_counts=True)
    assert clf.score(X, Y) > counts.max() / len(Y) + 0.3


@pytest.mark.parametrize("form", ["list of lists", "sparse", "bool"])
def test_multilabel_y_in_other_forms_gives_the_same_model(multilabel, form):
    X, Y = multilabel
    other = {"list of lists": Y.tolist(), "sparse": sp.csr_matrix(Y), "bool": Y.astype(bool)}
    params = {"hidden_layer_sizes": (5,), "max_iter": 30, "tol": 0.0, "random_state": 0}
    a = BackpropClassifier(**params).fit(X, Y)
    b = BackpropClassifier(**params).fit(X, other[form])
    assert_same_model(a, b)
    assert b.predict(X).dtype == (bool if form == "bool" else Y.dtype)


def test_one_column_y_is_a_label_vector(multilabel):
    X, Y = multilabel
    params = {"hidden_layer_sizes": (3,), "max_iter": 10, "tol": 0.0, "random_state": 0}
    with pytest.warns(DataConversionWarning):
        a = BackpropClassifier(**params).fit(X, Y[:, :1])
    b = BackpropClassifier(**params).fit(X, Y[:, 0])
    assert_same_model(a, b)
    assert a.predict(X).shape == (len(X),)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_multilabel_partial_fit_equals_fit(multilabel, solver):
    X, Y = multilabel
    params = {"solver": solver, "hidden_layer_sizes": (6,), "random_state": 0, "tol": 0.0}
    online = BackpropClassifier(**params)
    for _ in range(3):
        online.partial_fit(X, Y)
    batch = BackpropClassifier(max_iter=3, **params).fit(X, Y)
    assert_same_model(online, batch)
    assert online.predict(X).shape == Y.shape


def test_multilabel_partial_fit_keeps_every_label(multilabel):
    # scikit-learn#12505: MLPClassifier's partial_fit re-derives the labels from each
    # chunk. Here a chunk where label 3 never occurs still trains all 4 units.
    X, Y = multilabel
    clf = BackpropClassifier(solver="adam", learning_rate=0.01, random_state=0)
    clf.partial_fit(X[:100], Y[:100], classes=range(4))
    chunk = Y[100:] * [1, 1, 1, 0]
    before = clf.thetas_[-1][3].copy()
    clf.partial_fit(X[100:], chunk)
    assert clf.predict_proba(X).shape == (len(X), 4)
    # unit 3 was pushed towards "no" on the rows of the second chunk
    assert not np.array_equal(clf.thetas_[-1][3], before)
    for _ in range(40):
        clf.partial_fit(X, Y)
    assert clf.score(X, Y) > 0.4


def test_multilabel_partial_fit_rejects_changes(multilabel):
    X, Y = multilabel
    clf = BackpropClassifier(solver="adam", random_state=0).partial_fit(X, Y)
    with pytest.raises(ValueError, match=r"y has 3 label columns but the first call .* had 4"):
        clf.partial_fit(X, Y[:, :3])
    with pytest.raises(ValueError, match="y is a label vector but the first call"):
        clf.partial_fit(X, Y[:, 0], classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes must be None or range\(4\)"):
        BackpropClassifier(solver="adam").partial_fit(X, Y, classes=["a", "b", "c", "d"])


@pytest.mark.parametrize("values", [(-1, 1), (0, 2)])
def test_multilabel_y_must_hold_0s_and_1s(multilabel, values):
    # scikit-learn calls any two-valued matrix an indicator matrix
    X, Y = multilabel
    other = np.where(Y == 1, values[1], values[0])
    for call in (BackpropClassifier().fit, BackpropClassifier(solver="adam").partial_fit):
        with pytest.raises(ValueError, match=rf"0s and 1s; got the values \[{values[0]}, "):
            call(X, other)


def test_multilabel_rejects_class_weight_and_other_y_val_columns(multilabel):
    X, Y = multilabel
    with pytest.raises(ValueError, match="class_weight is not supported for a multilabel y"):
        BackpropClassifier(solver="adam", class_weight={0: 2.0}).partial_fit(X, Y)
    with pytest.raises(ValueError, match="y_val has 3 label columns but y has 4"):
        BackpropClassifier().fit(X[:200], Y[:200], X_val=X[200:], y_val=Y[200:, :3])


def test_multilabel_early_stopping_scores_subset_accuracy(multilabel):
    X, Y = multilabel
    clf = BackpropClassifier(solver="adam", learning_rate=0.01, random_state=0, max_iter=200)
    quiet(clf, X[:200], Y[:200], X_val=X[200:], y_val=Y[200:])
    best = int(np.argmin(clf.validation_loss_curve_))
    assert clf.best_validation_score_ == clf.validation_scores_[best]
    # the kept weights are those of the best iteration: their score is that one
    assert clf.score(X[200:], Y[200:]) == pytest.approx(clf.best_validation_score_)
    with pytest.raises(ValueError, match="y_val must be of the same kind as y"):
        clf.fit(X[:200], Y[:200], X_val=X[200:], y_val=Y[200:, 0])
    # held-out rows, not stratified (label sets are too many)
    held_out = BackpropClassifier(solver="adam", early_stopping=True, random_state=0)
    quiet(held_out.set_params(max_iter=5), X, Y)
    assert len(held_out.validation_scores_) == 5


def test_warm_start_cannot_switch_between_labels_and_label_sets(multilabel):
    X, Y = multilabel
    clf = BackpropClassifier(max_iter=5, tol=0.0, warm_start=True, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="warm_start=True: y is not multilabel"):
        clf.fit(X, Y[:, 0])


# -- class_weight -------------------------------------------------------------------


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        n_samples=600,
        n_features=5,
        n_informative=3,
        weights=[0.9, 0.1],
        flip_y=0.05,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), np.where(y == 1, "rare", "common")


@pytest.mark.parametrize("solver", ["gd", "adam", "L-BFGS-B"])
def test_class_weight_dict_equals_the_same_sample_weights(imbalanced, solver):
    X, y = imbalanced
    weights = {"rare": 4.0, "common": 0.5}
    params = {"solver": solver, "hidden_layer_sizes": (5,), "max_iter": 25, "tol": 0.0}
    a = quiet(BackpropClassifier(class_weight=weights, random_state=0, **params), X, y)
    as_samples = np.array([weights[label] for label in y])
    b = quiet(BackpropClassifier(random_state=0, **params), X, y, sample_weight=as_samples)
    assert_same_model(a, b)
    # and they multiply sample weights
    s = np.linspace(0.5, 2.0, len(y))
    c = quiet(BackpropClassifier(class_weight=weights, random_state=0, **params), X, y, s)
    d = quiet(BackpropClassifier(random_state=0, **params), X, y, sample_weight=s * as_samples)
    assert_same_model(c, d)


def test_balanced_is_scikit_learns_balanced(imbalanced):
    X, y = imbalanced
    classes = np.unique(y)
    computed = compute_class_weight("balanced", classes=classes, y=y)
    params = {"hidden_layer_sizes": (5,), "max_iter": 25, "tol": 0.0, "random_state": 0}
    a = BackpropClassifier(class_weight="balanced", **params).fit(X, y)
    b = BackpropClassifier(class_weight=dict(zip(classes, computed, strict=True)), **params).fit(
        X, y
    )
    assert_same_model(a, b)


def test_balanced_with_sample_weights_balances_the_weighted_classes(imbalanced):
    X, y = imbalanced
    w = np.where(y == "rare", 3.0, 1.0)
    params = {"hidden_layer_sizes": (5,), "max_iter": 25, "tol": 0.0, "random_state": 0}
    a = BackpropClassifier(class_weight="balanced", **params).fit(X, y, sample_weight=w)
    # the weighted classes carry 3 * n_rare and n_common: balanced gives them equal totals
    n_rare, n_common = np.sum(y == "rare"), np.sum(y == "common")
    total = 3 * n_rare + n_common
    expected = {"rare": total / (2 * 3 * n_rare), "common": total / (2 * n_common)}
    b = BackpropClassifier(class_weight=expected, **params).fit(X, y, sample_weight=w)
    assert_same_model(a, b, atol=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_balanced_raises_balanced_accuracy(seed):
    # 5% of the rows in the rare class: adam stops on a model that neglects it,
    # unless the classes carry the same total weight.
    X, y = make_classification(
        n_samples=1000,
        n_features=5,
        n_informative=3,
        weights=[0.95],
        flip_y=0.05,
        random_state=seed,
    )
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    scores = {}
    for class_weight in (None, "balanced"):
        # Averaged over initial weights: the gain is a property of the weighting,
        # not of one starting point (one seed's balanced model varies by 0.04).
        scores[class_weight] = np.mean(
            [
                balanced_accuracy_score(
                    y_test,
                    quiet(
                        BackpropClassifier(
                            class_weight=class_weight,
                            solver="adam",
                            random_state=r,
                            standardize=False,
                        ),
                        X_train,
                        y_train,
                    ).predict(X_test),
                )
                for r in range(3)
            ]
        )
    assert scores["balanced"] > scores[None] + 0.04


def test_class_weight_in_partial_fit(imbalanced):
    X, y = imbalanced
    weights = {"rare": 4.0}
    a = BackpropClassifier(solver="adam", class_weight=weights, random_state=0)
    a.partial_fit(X, y, classes=["common", "rare"])
    b = BackpropClassifier(solver="adam", random_state=0)
    b.partial_fit(X, y, classes=["common", "rare"], sample_weight=np.where(y == "rare", 4.0, 1))
    assert_same_model(a, b)
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported by partial_fit"):
        BackpropClassifier(solver="adam", class_weight="balanced").partial_fit(
            X, y, classes=["common", "rare"]
        )


def test_class_weight_weighs_the_validation_rows(imbalanced):
    X, y = imbalanced
    params = {"solver": "adam", "max_iter": 4, "tol": 0.0, "random_state": 0}
    a = BackpropClassifier(class_weight={"rare": 5.0}, **params)
    quiet(a, X[:400], y[:400], X_val=X[400:], y_val=y[400:])
    b = BackpropClassifier(**params)
    w, w_val = (np.where(part == "rare", 5.0, 1.0) for part in (y[:400], y[400:]))
    quiet(b, X[:400], y[:400], w, X_val=X[400:], y_val=y[400:], sample_weight_val=w_val)
    assert a.validation_loss_curve_ == b.validation_loss_curve_


@pytest.mark.parametrize(
    ("class_weight", "match"),
    [
        ({"rare": -1.0}, "the weight of class 'rare' is -1.0"),
        ({"rare": np.inf}, "the weight of class 'rare' is inf"),
        ({"rare": "2"}, "the weight of class 'rare' is '2'"),
        # NumPy 2 shows np.True_, NumPy 1 True
        ({"rare": np.True_}, f"the weight of class 'rare' is {np.True_!r}"),
    ],
)
def test_bad_class_weights(imbalanced, class_weight, match):
    X, y = imbalanced
    error = ValueError if isinstance(class_weight["rare"], float) else TypeError
    with pytest.raises(error, match=match):
        BackpropClassifier(class_weight=class_weight).fit(X, y)


# -- sparse X -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sparse_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 30))
    X[rng.random(X.shape) < 0.8] = 0.0
    y = (X[:, :3].sum(axis=1) > 0).astype(int) + (X[:, 3] > 0.5)
    return X, y


@pytest.mark.parametrize("form", [sp.csr_matrix, sp.csc_matrix, sp.csr_array, sp.coo_array])
@pytest.mark.parametrize(("solver", "atol"), [("gd", 1e-13), ("adam", 1e-13), ("L-BFGS-B", 1e-10)])
def test_sparse_fit_equals_dense_fit(sparse_data, form, solver, atol):
    X, y = sparse_data
    params = {
        "solver": solver,
        "hidden_layer_sizes": (7, 4),
        "max_iter": 20,
        "tol": 0.0,
        "random_state": 0,
    }
    dense = quiet(BackpropClassifier(**params), X, y)
    sparse = quiet(BackpropClassifier(**params), form(X), y)
    assert_same_model(sparse, dense, atol=atol)
    assert_allclose(sparse.predict_proba(form(X)), dense.predict_proba(X), atol=atol)
    assert_array_equal(sparse.predict(sp.csr_matrix(X)), sparse.predict(X))


def test_sparse_gradient_equals_dense_and_finite_differences(sparse_data):
    X, y = sparse_data
    Y = np.eye(3)[y]
    sizes = [X.shape[1], 5, 3]
    theta = engine.pack(engine.init_thetas(sizes, random_state=0))
    w = np.linspace(0.1, 1.0, len(y))
    # small blocks: several of them, so the gradient of the input layer is accumulated
    loss = NetworkLoss(sizes, "tanh", "softmax", block_rows=50)
    dense = loss.loss_gradient(theta, X, Y, w / w.sum(), 0.01)
    J, grad = loss.loss_gradient(theta, sp.csr_matrix(X), Y, w / w.sum(), 0.01)
    assert J == pytest.approx(dense[0], rel=1e-14)
    assert_allclose(grad, dense[1], rtol=1e-12, atol=1e-15)
    numerical = engine.numerical_gradient(
        lambda t: loss.loss_gradient(t, sp.csr_matrix(X), Y, w / w.sum(), 0.01, need_grad=False)[0],
        theta,
    )
    assert_allclose(grad, numerical, rtol=1e-6, atol=1e-9)


def test_sparse_float32_stays_float32(sparse_data):
    X, y = sparse_data
    clf = BackpropClassifier(max_iter=10, tol=0.0, random_state=0)
    clf.fit(sp.csr_matrix(X.astype(np.float32)), y)
    assert all(theta.dtype == np.float32 for theta in clf.thetas_)
    assert clf.predict_proba(sp.csr_matrix(X)).dtype == np.float32


def test_sparse_early_stopping_and_minibatches(sparse_data):
    X, y = sparse_data
    params = {"solver": "sgd", "early_stopping": True, "max_iter": 8, "tol": 0.0}
    dense = quiet(BackpropClassifier(random_state=0, **params), X, y)
    sparse = quiet(BackpropClassifier(random_state=0, **params), sp.csr_matrix(X), y)
    assert_allclose(sparse.validation_loss_curve_, dense.validation_loss_curve_, rtol=1e-12)
    assert_same_model(sparse, dense, atol=1e-13)


def test_sparse_fit_is_never_made_dense(fit_peak, wide_sparse):
    # 50,000 x 100,000: 37 GiB dense, 3 MiB as CSR with 5 values a row.
    n = 100_000
    X = wide_sparse(50_000, n, 5)
    y = np.asarray(X[:, : n // 2].sum(axis=1) > X[:, n // 2 :].sum(axis=1)).ravel()
    clf = BackpropClassifier(hidden_layer_sizes=(4,), max_iter=2, tol=0.0, random_state=0)
    peak = fit_peak(clf, X, y)
    weights = sum(theta.nbytes for theta in clf.thetas_)  # 3 MiB
    assert peak < 20 * weights  # 61 MiB; the dense X would be 37 GiB
    assert clf.predict(X[:5]).shape == (5,)


def test_wide_sparse_fit_orders_its_output_units_without_dense_centroids():
    # 4,000 x 200,000 with 40 classes: dense class centroids (40 x 200,000)
    # took 64 MiB a copy, and the ordering made three (185 MiB peak, against
    # 3 MiB of weights and 0.2 MiB of X).
    rng = np.random.default_rng(0)
    m, n, per_row, n_classes = 4_000, 200_000, 5, 40
    X = sp.csr_matrix(
        (
            rng.random(m * per_row),
            rng.integers(0, n, size=m * per_row),
            np.arange(0, m * per_row + 1, per_row),
        ),
        shape=(m, n),
    )
    y = np.arange(m) % n_classes
    clf = BackpropClassifier(hidden_layer_sizes=(2,), max_iter=2, tol=0.0, random_state=0)
    tracemalloc.start()
    try:
        quiet(clf, X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    weights = sum(theta.nbytes for theta in clf.thetas_)
    data = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    # gd keeps about ten copies of the weights (the solver's vectors, the
    # gradient, the monitor's best model): 32 MiB.
    assert peak < 16 * (weights + data)


@pytest.mark.parametrize("seed", range(40))
def test_output_unit_order_is_the_lexicographic_order_of_the_dense_keys(seed):
    # The order that the dense key matrix (-class weight, then the centroids
    # rounded to 9 digits of each column's scale) sorts to, for dense and CSR X.
    rng = np.random.default_rng(seed)
    m, n, n_classes = rng.integers(2, 40), rng.integers(1, 12), int(rng.integers(2, 7))
    X = rng.normal(size=(m, n)) * (rng.random((m, n)) < rng.random())
    if seed % 2:
        X = np.round(X)  # ties in some columns
    y = rng.integers(0, n_classes, m)
    w = rng.integers(0, 3, m).astype(float) if seed % 3 else np.ones(m)
    class_weight = np.bincount(y, weights=w, minlength=n_classes)
    centroids = np.zeros((n_classes, n))
    for k in range(n_classes):
        if class_weight[k] > 0:
            centroids[k] = (w[y == k] @ X[y == k]) / class_weight[k]
    scale = np.abs(centroids).max(axis=0)
    scale[scale == 0] = 1.0
    keys = np.column_stack([-class_weight, np.round(centroids / scale, 9)])
    expected = np.lexsort(keys.T[::-1]).tolist()
    for data in (X, sp.csr_matrix(X)):
        assert _targets.output_unit_order(data, y, w, n_classes).tolist() == expected


def test_tags_say_sparse_and_multilabel():
    tags = BackpropClassifier().__sklearn_tags__()
    assert tags.input_tags.sparse and tags.classifier_tags.multi_label
    softmax = BackpropClassifier(output_activation="softmax").__sklearn_tags__()
    assert not softmax.classifier_tags.multi_label


# -- identity and logistic units ---------------------------------------------------


@pytest.mark.parametrize("output_activation", ["sigmoid", "softmax"])
def test_identity_units_gradient_check(output_activation):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(12, 4))
    Y = np.eye(3)[rng.integers(0, 3, 12)]
    thetas = engine.init_thetas([4, 5, 3, 3], random_state=0)
    assert (
        engine.gradient_check(thetas, X, Y, 0.1, "identity", output_activation=output_activation)
        < 1e-8
    )


def test_identity_network_is_a_linear_map():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(6, 4))
    t1, t2 = engine.init_thetas([4, 5, 3], random_state=0)
    Z = engine.forward_logits([t1, t2], X, "identity")
    expected = X @ (t2[:, 1:] @ t1[:, 1:]).T + (t2[:, 1:] @ t1[:, 0] + t2[:, 0])
    assert_allclose(Z, expected, rtol=1e-12)


def test_logistic_is_the_sigmoid(multilabel):
    X, Y = multilabel
    params = {"max_iter": 10, "tol": 0.0, "random_state": 0}
    a = BackpropClassifier(activation="logistic", output_activation="logistic", **params)
    b = BackpropClassifier(activation="sigmoid", output_activation="sigmoid", **params)
    assert_same_model(a.fit(X, Y[:, 0]), b.fit(X, Y[:, 0]))
    assert a.activation_ == "sigmoid" and a.out_activation_ == "logistic"
    a.set_params(warm_start=True, activation="sigmoid").fit(X, Y[:, 0])  # the same units


# -- MLPClassifier's attributes -----------------------------------------------------


def test_mlp_attribute_views(multilabel):
    X, Y = multilabel
    clf = BackpropClassifier(hidden_layer_sizes=(5, 3), max_iter=5, tol=0.0).fit(X, Y)
    mlp = quiet(MLPClassifier(hidden_layer_sizes=(5, 3), max_iter=5), X, Y)
    assert [c.shape for c in clf.coefs_] == [c.shape for c in mlp.coefs_]
    assert [b.shape for b in clf.intercepts_] == [b.shape for b in mlp.intercepts_]
    assert clf.n_layers_ == mlp.n_layers_ == 4
    assert clf.n_outputs_ == mlp.n_outputs_ == 4
    assert clf.out_activation_ == mlp.out_activation_ == "logistic"
    for theta, coef, intercept in zip(clf.thetas_, clf.coefs_, clf.intercepts_, strict=True):
        assert_array_equal(coef, theta[:, 1:].T)
        assert_array_equal(intercept, theta[:, 0])
        assert np.shares_memory(coef, theta) and np.shares_memory(intercept, theta)
        with pytest.raises(ValueError, match="read-only"):
            coef[0, 0] = 1.0
    # the views compute what predict_proba does, as MLPClassifier's would
    a = X
    for coef, intercept in zip(clf.coefs_[:-1], clf.intercepts_[:-1], strict=True):
        a = np.tanh(a @ coef + intercept)
    logits = a @ clf.coefs_[-1] + clf.intercepts_[-1]
    assert_allclose(clf.predict_proba(X), 1 / (1 + np.exp(-logits)), rtol=1e-12)
    # binary labels: two softmax units (MLPClassifier has one logistic unit)
    binary = BackpropClassifier(max_iter=5, tol=0.0).fit(X, Y[:, 0])
    assert binary.n_outputs_ == 2 and binary.out_activation_ == "softmax"


def test_mlp_attributes_need_a_fit():
    for name in ("coefs_", "intercepts_", "n_layers_", "n_outputs_", "out_activation_"):
        assert not hasattr(BackpropClassifier(), name)
        with pytest.raises(NotFittedError):
            getattr(BackpropClassifier(), name)


# -- max_fun ------------------------------------------------------------------------


class Counted:
    """A quadratic bowl that counts its evaluations: solvers know nothing of networks."""

    def __init__(self, n=30):
        self.scale = np.linspace(1.0, 100.0, n)
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return 0.5 * float(self.scale @ x**2), self.scale * x


@pytest.mark.parametrize("method", ["L-BFGS-B", "CG", "BFGS", "TNC"])
def test_max_fun_limits_the_evaluations(method):
    fun = Counted()
    x0 = np.ones(30)
    result = ScipyMinimize(method, max_iter=10_000, tol=1e-12, max_fun=15).minimize(
        fun, x0, Monitor(0, 10_000)
    )
    assert result.status == "max_fun"
    assert "max_fun" in result.message
    # checked at the end of an iteration: a line search may run a few past it
    assert 15 <= fun.calls <= 15 + 25
    unlimited = Counted()
    result = ScipyMinimize(method, max_iter=10_000, tol=1e-6).minimize(
        unlimited, x0, Monitor(0, 10_000)
    )
    assert result.status == "converged" and unlimited.calls > 15


def test_max_fun_warns_in_the_estimator(imbalanced):
    X, y = imbalanced
    with pytest.warns(ConvergenceWarning, match="increase max_fun"):
        BackpropClassifier(solver="L-BFGS-B", max_fun=10, random_state=0).fit(X, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("block_elements", [1, 7, 65536])
def test_class_sums_of_dense_rows_by_blocks_are_the_sparse_products(dtype, block_elements):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(53, 4)).astype(dtype)
    codes = rng.integers(0, 3, 53)
    codes[codes == 1] = 0  # a class without rows
    weights = rng.random(53)
    sums = _targets._class_sums(X, codes, weights, 3, block_elements)
    assert sums.dtype == np.float64 and sums.shape == (3, 4)
    expected = _targets._class_sums(sp.csr_matrix(X), codes, weights, 3).toarray()
    assert_allclose(sums, expected, rtol=1e-12)
    assert not sums[1].any()


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64, np.uint64, np.float64])
def test_unique_codes_and_encode_are_numpys_unique_and_the_label_lookup(dtype):
    # Counted in one pass for integers of a small range, sorted otherwise:
    # the same classes (and dtype) and codes as np.unique, whatever the range,
    # the codes in 32 bits.
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else np.finfo(dtype)
    rng = np.random.default_rng(0)
    samples = [
        rng.integers(max(info.min, -100), min(info.max, 100), 500).astype(dtype),
        np.array([info.min, info.max, 0, info.max], dtype=dtype),  # a range too wide to count
        np.array([5], dtype=dtype),
    ]
    for y in samples:
        classes, codes = _targets.unique_codes(y)
        expected_classes, expected_codes = np.unique(y, return_inverse=True)
        assert classes.dtype == expected_classes.dtype
        assert_array_equal(classes, expected_classes)
        assert codes.dtype == np.int32
        assert_array_equal(codes, expected_codes)
        assert_array_equal(_targets.encode(y, classes, "y"), expected_codes)
    with pytest.raises(ValueError, match=r"^y_val has the label 7, which is not among the classes"):
        _targets.encode(np.array([1, 7, 9, 8]), np.array([1, 9]), "y_val")
