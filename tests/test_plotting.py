"""skbackprop.plotting: the Displays draw the fitted attributes, image-free checks."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris, make_moons
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier
from skbackprop.plotting import LossCurveDisplay, NetworkWeightsDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=200, noise=0.3, random_state=0)


@pytest.fixture(scope="module")
def early_stopped(moons):
    """A full-batch fit that overfits and was stopped early."""
    X, y = moons
    return BackpropClassifier(
        (10,), solver="L-BFGS-B", reg_lambda=0.0, early_stopping=True, random_state=0
    ).fit(X, y)


def test_loss_curve_without_validation(moons):
    X, y = moons
    clf = BackpropClassifier((5,), max_iter=30, tol=0, random_state=0).fit(X, y)
    display = LossCurveDisplay.from_estimator(clf)
    assert isinstance(display, LossCurveDisplay)
    assert isinstance(display.line_, Line2D)
    assert_array_equal(display.line_.get_xdata(), np.arange(1, 31))
    assert_array_equal(display.line_.get_ydata(), clf.loss_curve_)
    assert display.validation_line_ is None
    assert display.score_line_ is None and display.score_ax_ is None
    assert display.best_marker_ is None
    assert display.ax_.get_xlabel() == "iteration"
    assert display.ax_.get_ylabel() == "loss"
    assert display.ax_.get_yscale() == "linear"
    assert display.figure_ is display.ax_.figure
    labels = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert labels == ["training loss"]


def test_loss_curve_with_early_stopping(early_stopped):
    clf = early_stopped
    display = LossCurveDisplay.from_estimator(clf, log_scale=True)
    assert clf.n_iter_ == len(clf.loss_curve_) == len(clf.validation_loss_curve_)
    assert_array_equal(display.validation_line_.get_ydata(), clf.validation_loss_curve_)
    assert_array_equal(display.validation_line_.get_xdata(), np.arange(1, clf.n_iter_ + 1))
    best = int(np.argmin(clf.validation_loss_curve_)) + 1
    assert best < clf.n_iter_  # the fit went on past the best iterate, then stopped
    assert display.best_iteration == best
    assert display.best_marker_.get_xdata()[0] == best
    # the marked iteration is that of the kept weights
    assert clf.loss_ == clf.loss_curve_[best - 1]
    assert clf.best_validation_score_ == clf.validation_scores_[best - 1]
    assert_array_equal(display.score_line_.get_ydata(), clf.validation_scores_)
    assert display.score_line_.axes is display.score_ax_
    assert display.score_ax_.get_ylabel() == "validation accuracy"
    assert display.ax_.get_yscale() == "log"
    assert display.ax_.get_xscale() == "linear"
    labels = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert labels == [
        "training loss",
        "validation loss",
        f"kept weights, iteration {best}",
        "validation accuracy",
    ]


@pytest.mark.parametrize(
    "log_scale, xscale, yscale",
    [
        (False, "linear", "linear"),
        ("y", "linear", "log"),
        ("x", "log", "linear"),
        ("both", "log", "log"),
    ],
)
def test_log_scale(early_stopped, log_scale, xscale, yscale):
    display = LossCurveDisplay.from_estimator(early_stopped, log_scale=log_scale)
    assert (display.ax_.get_xscale(), display.ax_.get_yscale()) == (xscale, yscale)
    assert display.score_ax_.get_yscale() == "linear"  # accuracy stays linear


def test_bad_log_scale_is_named(early_stopped):
    with pytest.raises(ValueError, match="log_scale"):
        LossCurveDisplay.from_estimator(early_stopped, log_scale="z")


def test_options_names_and_shared_axes(early_stopped, moons):
    X, y = moons
    other = BackpropClassifier((5,), max_iter=20, tol=0, random_state=0).fit(X, y)
    fig, ax = plt.subplots()
    first = LossCurveDisplay.from_estimator(
        early_stopped, ax=ax, name="L-BFGS-B", show_scores=False, line_kwargs={"color": "red"}
    )
    second = LossCurveDisplay.from_estimator(other, ax=ax, name="gd")
    assert first.ax_ is second.ax_ is ax and second.figure_ is fig
    assert first.score_ax_ is None
    assert first.line_.get_color() == "red"
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "L-BFGS-B: training loss" in labels and "gd: training loss" in labels


def test_epochs_and_partial_fit_alignment(moons):
    """Validation curves stay on the iterations of the fit that made them."""
    X, y = moons
    clf = BackpropClassifier(
        (5,),
        solver="adam",
        learning_rate=0.05,
        early_stopping=True,
        n_iter_no_change=3,
        max_iter=40,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        n_fit = clf.n_iter_
        clf.set_params(early_stopping=False)  # partial_fit refuses it, as MLPClassifier
        clf.partial_fit(X, y)
        clf.partial_fit(X, y)
    assert len(clf.loss_curve_) == n_fit + 2 and len(clf.validation_loss_curve_) == n_fit
    display = LossCurveDisplay.from_estimator(clf)
    assert display.ax_.get_xlabel() == "epoch"
    assert_array_equal(display.line_.get_xdata(), np.arange(1, n_fit + 3))
    assert_array_equal(display.validation_line_.get_xdata(), np.arange(1, n_fit + 1))
    assert display.best_iteration == np.argmin(clf.validation_loss_curve_) + 1


def test_warm_start_alignment(moons):
    """A warm-started fit appends to loss_curve_; its validation curve is its own."""
    X, y = moons
    clf = BackpropClassifier((5,), max_iter=15, tol=0, random_state=0).fit(X, y)
    clf.set_params(warm_start=True, early_stopping=True, max_iter=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    n_last = len(clf.validation_loss_curve_)
    assert len(clf.loss_curve_) == 15 + n_last
    display = LossCurveDisplay.from_estimator(clf)
    assert_array_equal(display.validation_line_.get_xdata(), np.arange(16, 16 + n_last))
    assert display.best_iteration == 15 + np.argmin(clf.validation_loss_curve_) + 1


def test_mlp_classifier_with_early_stopping(moons):
    X, y = moons
    mlp = MLPClassifier((10,), early_stopping=True, learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    display = LossCurveDisplay.from_estimator(mlp)
    assert_array_equal(display.line_.get_ydata(), mlp.loss_curve_)
    assert display.validation_line_ is None  # MLPClassifier records no validation loss
    assert_array_equal(display.score_line_.get_ydata(), mlp.validation_scores_)
    best = int(np.argmax(mlp.validation_scores_)) + 1
    assert display.best_marker_.get_xdata()[0] == best
    assert mlp.validation_scores_[best - 1] == mlp.best_validation_score_
    assert display.ax_.get_xlabel() == "epoch"


def test_mlp_classifier_without_early_stopping(moons):
    X, y = moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((10,), max_iter=20, random_state=0).fit(X, y)
    display = LossCurveDisplay.from_estimator(mlp)
    assert_array_equal(display.line_.get_ydata(), mlp.loss_curve_)
    assert display.score_ax_ is None and display.best_marker_ is None


def test_pipeline_draws_its_last_step(moons):
    X, y = moons
    pipe = make_pipeline(
        StandardScaler(), BackpropClassifier((5,), max_iter=10, tol=0, random_state=0)
    ).fit(X, y)
    display = LossCurveDisplay.from_estimator(pipe)
    assert_array_equal(display.line_.get_ydata(), pipe[-1].loss_curve_)
    weights = NetworkWeightsDisplay.from_estimator(pipe)
    assert len(weights.images_) == 2


def test_no_loss_curve_is_a_clear_error(moons):
    X, y = moons
    mlp = MLPClassifier((5,), solver="lbfgs", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    with pytest.raises(ValueError, match="no loss_curve_"):
        LossCurveDisplay.from_estimator(mlp)
    logistic = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="no loss_curve_"):
        LossCurveDisplay.from_estimator(logistic)
    with pytest.raises(ValueError, match="neither thetas_ nor coefs_"):
        NetworkWeightsDisplay.from_estimator(logistic)


@pytest.mark.parametrize("display", [LossCurveDisplay, NetworkWeightsDisplay])
@pytest.mark.parametrize("estimator", [BackpropClassifier(), MLPClassifier()])
def test_unfitted_estimator(display, estimator):
    with pytest.raises(NotFittedError):
        display.from_estimator(estimator)


def test_network_weights():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = BackpropClassifier((6, 4), solver="L-BFGS-B", random_state=0).fit(X, labels)
    display = NetworkWeightsDisplay.from_estimator(clf)
    assert len(display.images_) == len(display.axes_) == 3
    vmax = max(np.abs(theta).max() for theta in clf.thetas_)
    for l, (image, theta, axis) in enumerate(
        zip(display.images_, clf.thetas_, display.axes_, strict=True), start=1
    ):
        assert isinstance(image, AxesImage)
        assert_array_equal(image.get_array(), theta)
        assert image.get_clim() == (-vmax, vmax)  # one symmetric scale for all panels
        assert axis.get_xlabel() == f"unit in layer {l} (j; 0 = bias)"
        assert axis.get_ylabel().startswith(f"unit in layer {l + 1}")
        assert "Theta^{(" + str(l) + ")}" in axis.get_title()
        # column j at x = j, row i at y = i (1-based), as Theta^(l)_ij
        assert list(image.get_extent()) == [-0.5, theta.shape[1] - 0.5, theta.shape[0] + 0.5, 0.5]
    assert [line.get_xdata()[0] for line in display.bias_lines_] == [0.5] * 3
    assert display.colorbar_.ax.get_ylabel() == "weight"
    ticks = [label.get_text() for label in display.axes_[-1].get_yticklabels()]
    # output units numbered from 1, as the hidden units are, the class beside
    assert ticks == [f"{i}: {label}" for i, label in enumerate(clf.classes_, start=1)]
    assert display.figure_ is display.axes_[0].figure


def test_network_weights_of_mlp_classifier_and_given_axes():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((4,), max_iter=30, random_state=0).fit(X, y)
    figure, axes = plt.subplots(1, 2)
    display = NetworkWeightsDisplay.from_estimator(mlp, ax=axes, vmax=3.0, colorbar=False)
    assert list(display.axes_) == list(axes) and display.figure_ is figure
    assert display.colorbar_ is None
    for image, coef, intercept in zip(display.images_, mlp.coefs_, mlp.intercepts_, strict=True):
        assert_array_equal(image.get_array(), np.column_stack([intercept, coef.T]))
        assert image.get_clim() == (-3.0, 3.0)
    with pytest.raises(ValueError, match="one Axes per weight matrix"):
        NetworkWeightsDisplay.from_estimator(mlp, ax=axes[0])


def test_importing_needs_no_matplotlib():
    """``import skbackprop.plotting`` works without matplotlib; drawing says what to install."""
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import skbackprop, skbackprop.plotting as p\n"
        "try:\n"
        "    p.LossCurveDisplay(loss_curve=[1.0]).plot()\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "skbackprop[plot]" in out


@pytest.mark.parametrize("log_scale", [False, True])
def test_loss_curve_legend_covers_no_curve(log_scale):
    # Curves of an early-stopped fit: the loss falls fast, the validation accuracy
    # (on the twin axes, which matplotlib's loc="best" does not see) rises to a
    # plateau near the top; the space between them is free.
    epochs = np.arange(1, 41)
    display = LossCurveDisplay(
        loss_curve=2.0 * 0.85**epochs,
        validation_loss_curve=0.1 + 0.9 * 0.7**epochs,
        validation_scores=0.97 - 0.25 * 0.6**epochs,
        best_iteration=30,
    ).plot(log_scale=log_scale)
    legend = display.ax_.get_legend()
    box = legend.get_window_extent(display.figure_.canvas.get_renderer())
    for axis in (display.ax_, display.score_ax_):
        for line in axis.get_lines():
            path = line.get_transform().transform_path(line.get_path())
            assert not path.intersects_bbox(box, filled=False), line.get_label()
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels == [
        "training loss",
        "validation loss",
        "kept weights, iteration 30",
        "validation accuracy",
    ]
