"""Pictures of a fitted network and of its training, as scikit-learn Display objects.

Each Display follows scikit-learn's visualisation API: ``__init__`` takes the
numbers to draw, ``plot(ax=None, ...)`` draws them and stores the matplotlib
artists it made (``line_``, ``images_``, ...) with ``ax_`` (or ``axes_``) and
``figure_``, and ``from_estimator`` reads a fitted estimator's attributes and
plots. Nothing is computed here beyond reading fitted attributes, so the same
Displays accept scikit-learn's ``MLPClassifier``.

Matplotlib (the ``plot`` extra: ``pip install "skbackprop[plot]"``) is imported
only when something is drawn. For decision boundaries use scikit-learn's
:class:`sklearn.inspection.DecisionBoundaryDisplay`, which works with any
classifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import is_regressor
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

if TYPE_CHECKING:  # matplotlib is optional: only for the annotations
    from matplotlib.axes import Axes

__all__ = ["LossCurveDisplay", "NetworkWeightsDisplay"]

_LOG_SCALES = {False: "", None: "", True: "y", "y": "y", "x": "x", "both": "xy"}


def _pyplot(what):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{what} requires matplotlib; install it with: pip install 'skbackprop[plot]'"
        ) from exc
    return plt


def _fitted_network(estimator):
    """The fitted estimator whose attributes we read: a Pipeline's last step."""
    check_is_fitted(estimator)
    if isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    return estimator


def _legend_off_the_lines(ax, handles, axes):
    """Put the legend of ``ax`` where it covers the fewest lines of all ``axes``.

    matplotlib's ``loc="best"`` looks at the lines of ``ax`` only, so a legend
    can cover a curve drawn on a twin axes. Here every line of every axes
    counts: of matplotlib's standard places, then of a grid of places inside the
    axes, the one crossed by the fewest lines wins, then the one over the fewest
    of their points (the standard places first where they tie).
    """
    legend = ax.legend(handles=handles, loc="best", fontsize="small")
    get_renderer = getattr(ax.figure.canvas, "get_renderer", None)
    if get_renderer is None:  # a backend that cannot measure: matplotlib's choice
        return legend
    from matplotlib.path import Path

    renderer = get_renderer()
    paths = []
    for axis in axes:
        if axis is None:
            continue
        axis.get_xlim(), axis.get_ylim()  # settle the autoscaled limits
        for line in axis.get_lines():
            points = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
            points = points[np.isfinite(points).all(axis=1)]
            if len(points) > 1:
                paths.append(Path(points))

    def cost(place, anchor):
        legend.set_bbox_to_anchor(anchor, transform=ax.transAxes)
        _set_loc(legend, place)
        box = legend.get_window_extent(renderer)
        crossed = sum(path.intersects_bbox(box, filled=False) for path in paths)
        return crossed, sum(box.count_contains(path.vertices) for path in paths)

    box = legend.get_window_extent(renderer)
    width = min(box.width / max(ax.bbox.width, 1.0), 1.0)
    height = min(box.height / max(ax.bbox.height, 1.0), 1.0)
    candidates = [(place, (0.0, 0.0, 1.0, 1.0)) for place in _LEGEND_PLACES]
    candidates += [
        ("lower left", (x, y))
        for y in np.linspace(0.02, max(0.98 - height, 0.02), 7)
        for x in np.linspace(0.02, max(0.98 - width, 0.02), 7)
    ]
    best = min(candidates, key=lambda candidate: cost(*candidate))
    legend.set_bbox_to_anchor(best[1], transform=ax.transAxes)
    _set_loc(legend, best[0])
    return legend


def _set_loc(legend, place):
    """``legend.set_loc(place)``, which matplotlib < 3.8 does not have."""
    if hasattr(legend, "set_loc"):
        legend.set_loc(place)
    else:
        legend._loc = legend.codes[place]


_LEGEND_PLACES = (
    "upper right",
    "upper left",
    "lower left",
    "lower right",
    "center right",
    "center left",
    "upper center",
    "lower center",
    "center",
)


class LossCurveDisplay:
    """The loss during training, and the validation loss and score of early stopping.

    Use :meth:`from_estimator` to draw a fitted ``BackpropClassifier`` (or
    ``MLPClassifier``); all parameters are stored as attributes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_iter,)
        Training loss after each iteration (epoch), drawn at iterations
        ``1, ..., n_iter``.
    validation_loss_curve : array-like of shape (n_val,), default=None
        Loss on the held-out rows after each iteration of early stopping.
    validation_scores : array-like of shape (n_val,), default=None
        Score (accuracy, or R^2 for a regressor) on the held-out rows after
        each iteration; drawn on a second y axis, on the right.
    validation_iterations : array-like of shape (n_val,), default=None
        The iterations the validation values belong to; by default the last
        ``n_val`` iterations of ``loss_curve``.
    best_iteration : int, default=None
        The iteration whose weights were kept (1-based, like the x axis), marked
        by a vertical line.
    name : str, default=None
        Name of the estimator, put in front of the legend labels (to tell
        several estimators apart on one axes).
    iteration_name : str, default="iteration"
        What one step of the curve is, for the x label ("epoch" for mini-batch
        solvers).
    score_name : str, default="accuracy"
        What the validation score is, for its axis and legend ("R^2" for a
        regressor).

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training loss.
    validation_line_ : matplotlib Line2D or None
        The validation loss.
    score_line_ : matplotlib Line2D or None
        The validation score, on ``score_ax_``.
    best_marker_ : matplotlib Line2D or None
        Vertical line at ``best_iteration``.
    ax_ : matplotlib Axes
        Axes of the losses.
    score_ax_ : matplotlib Axes or None
        Twin axes (sharing the x axis) of the validation score.
    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    NetworkWeightsDisplay : The fitted weights, one panel per layer.
    sklearn.inspection.DecisionBoundaryDisplay : Decision boundaries of any classifier.

    Notes
    -----
    For ``BackpropClassifier`` the two losses are not quite the same quantity:
    ``loss_curve_`` is the cost ``J`` with its penalty (for sgd and adam, the
    mean of the mini-batch costs of each epoch), ``validation_loss_curve_`` the
    data term of ``J`` alone, at the end of each iteration.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skbackprop.plotting import LossCurveDisplay
    >>> display = LossCurveDisplay(
    ...     loss_curve=[0.9, 0.5, 0.3, 0.2],
    ...     validation_loss_curve=[0.8, 0.5, 0.4, 0.45],
    ...     best_iteration=3,
    ... ).plot(log_scale=True)
    >>> display.ax_.get_yscale(), display.best_marker_.get_xdata()[0]
    ('log', 3)
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        validation_iterations=None,
        best_iteration=None,
        name=None,
        iteration_name="iteration",
        score_name="accuracy",
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.validation_iterations = validation_iterations
        self.best_iteration = best_iteration
        self.name = name
        self.iteration_name = iteration_name
        self.score_name = score_name

    def plot(
        self,
        ax: Axes | None = None,
        *,
        name: str | None = None,
        log_scale: bool | str = False,
        show_scores: bool = True,
        line_kwargs: dict[str, Any] | None = None,
        validation_line_kwargs: dict[str, Any] | None = None,
        score_line_kwargs: dict[str, Any] | None = None,
        best_marker_kwargs: dict[str, Any] | None = None,
    ) -> LossCurveDisplay:
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None. Several displays can share
            one axes (give each a ``name``).
        name : str, default=None
            Overrides the ``name`` given at construction.
        log_scale : bool or {"y", "x", "both"}, default=False
            Logarithmic loss axis (True or "y"), iteration axis ("x"), or both.
        show_scores : bool, default=True
            Draw ``validation_scores`` (when there are any) on a second y axis.
        line_kwargs, validation_line_kwargs, score_line_kwargs, best_marker_kwargs : \
dict, default=None
            Keyword arguments of matplotlib's ``plot`` (``axvline`` for the
            marker), overriding the defaults (``label`` included).

        Returns
        -------
        display : LossCurveDisplay
            ``self``, with the artists stored.
        """
        if log_scale not in _LOG_SCALES:
            raise ValueError(
                f"log_scale must be False, True, 'y', 'x' or 'both'; got {log_scale!r}."
            )
        plt = _pyplot(f"{type(self).__name__}.plot")
        if ax is None:
            _, ax = plt.subplots()
        name = self.name if name is None else name
        prefix = f"{name}: " if name else ""

        loss = np.asarray(self.loss_curve, dtype=float)
        iterations = np.arange(1, len(loss) + 1)
        (self.line_,) = ax.plot(
            iterations, loss, **{"label": f"{prefix}training loss", **(line_kwargs or {})}
        )

        validation = [
            values
            for values in (self.validation_loss_curve, self.validation_scores)
            if values is not None
        ]
        n_val = len(validation[0]) if validation else 0
        if self.validation_iterations is not None:
            val_iterations = np.asarray(self.validation_iterations)
        else:  # the validation values of a fit are those of its last iterations
            val_iterations = np.arange(len(loss) - n_val + 1, len(loss) + 1)

        self._plot_validation(
            ax, val_iterations, prefix, validation_line_kwargs, best_marker_kwargs
        )
        scales = _LOG_SCALES[log_scale]
        if "x" in scales:
            ax.set_xscale("log")
        if "y" in scales:
            ax.set_yscale("log")
        ax.set_xlabel(self.iteration_name)
        ax.set_ylabel("loss")

        self.score_line_ = self.score_ax_ = None
        handles = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        if show_scores and self.validation_scores is not None:
            self.score_ax_ = ax.twinx()
            (self.score_line_,) = self.score_ax_.plot(
                val_iterations,
                np.asarray(self.validation_scores, dtype=float),
                **{
                    "color": "tab:green",
                    "linestyle": "--",
                    "label": f"{prefix}validation {self.score_name}",
                    **(score_line_kwargs or {}),
                },
            )
            self.score_ax_.set_ylabel(f"validation {self.score_name}")
            handles.append(self.score_line_)
            # The loss axes on top, so that its legend is not hidden by the score line.
            ax.set_zorder(self.score_ax_.get_zorder() + 1)
            ax.patch.set_visible(False)
        _legend_off_the_lines(ax, handles, [ax, self.score_ax_])

        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _plot_validation(self, ax, val_iterations, prefix, line_kwargs, marker_kwargs):
        """The validation loss, and the marker of the kept weights."""
        self.validation_line_ = None
        if self.validation_loss_curve is not None:
            (self.validation_line_,) = ax.plot(
                val_iterations,
                np.asarray(self.validation_loss_curve, dtype=float),
                **{"label": f"{prefix}validation loss", **(line_kwargs or {})},
            )

        self.best_marker_ = None
        if self.best_iteration is not None:
            self.best_marker_ = ax.axvline(
                self.best_iteration,
                **{
                    "color": "black",
                    "linestyle": ":",
                    "linewidth": 1.2,
                    "label": f"{prefix}kept weights, {self.iteration_name} {self.best_iteration}",
                    **(marker_kwargs or {}),
                },
            )

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        ax: Axes | None = None,
        name: str | None = None,
        log_scale: bool | str = False,
        show_scores: bool = True,
        line_kwargs: dict[str, Any] | None = None,
        validation_line_kwargs: dict[str, Any] | None = None,
        score_line_kwargs: dict[str, Any] | None = None,
        best_marker_kwargs: dict[str, Any] | None = None,
    ) -> LossCurveDisplay:
        """Draw the loss curves of a fitted estimator.

        Reads ``loss_curve_`` and, when early stopping ran,
        ``validation_loss_curve_`` (skbackprop's estimators only) and
        ``validation_scores_`` (accuracy, or R^2 for a regressor). The kept
        weights are those of the lowest validation loss (skbackprop's
        estimators) or, without a validation loss curve, of the highest
        validation score (``MLPClassifier``, ``MLPRegressor``).
        Its keywords are those of :meth:`plot`, as scikit-learn's Displays
        take them (hence nine parameters).

        Parameters
        ----------
        estimator : BackpropClassifier, BackpropRegressor, MLPClassifier, MLPRegressor or Pipeline
            Fitted; of a Pipeline, the last step is drawn. ``MLPClassifier``
            records a loss curve for the solvers "sgd" and "adam" only.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Prefix of the legend's labels.
        log_scale : bool or {"y", "x", "both"}, default=False
            Logarithmic loss axis (True or "y"), iteration axis ("x"), or both.
        show_scores : bool, default=True
            Draw the validation scores (when there are any) on a second y axis.
        line_kwargs, validation_line_kwargs, score_line_kwargs, best_marker_kwargs : \
dict, default=None
            Keyword arguments of matplotlib's ``plot`` (``axvline`` for the
            marker), overriding the defaults (``label`` included).

        Returns
        -------
        display : LossCurveDisplay

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            If the estimator records no loss curve.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from sklearn.datasets import make_moons
        >>> from skbackprop import BackpropClassifier
        >>> from skbackprop.plotting import LossCurveDisplay
        >>> X, y = make_moons(n_samples=300, noise=0.3, random_state=0)
        >>> clf = BackpropClassifier((10,), solver="L-BFGS-B", reg_lambda=0.0,
        ...                          early_stopping=True, random_state=0).fit(X, y)
        >>> display = LossCurveDisplay.from_estimator(clf, log_scale=True)
        >>> best = np.argmin(clf.validation_loss_curve_) + 1
        >>> bool(display.best_iteration == best), display.score_ax_.get_ylabel()
        (True, 'validation accuracy')
        >>> plt.close(display.figure_)
        """
        estimator = _fitted_network(estimator)
        loss_curve = getattr(estimator, "loss_curve_", None)
        if loss_curve is None:
            raise ValueError(
                f"{type(estimator).__name__} has no loss_curve_ to draw (MLPClassifier "
                "records one only with solver='sgd' or 'adam')."
            )
        validation_loss = getattr(estimator, "validation_loss_curve_", None)
        validation_scores = getattr(estimator, "validation_scores_", None)
        validation_iterations = best_iteration = None
        validation = validation_loss if validation_loss is not None else validation_scores
        if validation is not None and len(validation) > 0:
            n_val = len(validation)
            # The validation values belong to the last fit; each partial_fit after it
            # adds an iteration to loss_curve_ and n_iter_ but none to them.
            extra = getattr(estimator, "n_iter_", n_val) - n_val
            end = min(max(len(loss_curve) - max(extra, 0), n_val), len(loss_curve))
            validation_iterations = np.arange(end - n_val + 1, end + 1)
            if validation_loss is not None:
                best = int(np.argmin(validation_loss))
            else:
                best = int(np.argmax(validation_scores))
            best_iteration = int(validation_iterations[best])
        solver = getattr(estimator, "solver", None)
        display = cls(
            loss_curve=loss_curve,
            validation_loss_curve=validation_loss,
            validation_scores=validation_scores,
            validation_iterations=validation_iterations,
            best_iteration=best_iteration,
            name=name,
            iteration_name="epoch" if solver in ("sgd", "adam") else "iteration",
            score_name="R^2" if is_regressor(estimator) else "accuracy",
        )
        return display.plot(
            ax=ax,
            log_scale=log_scale,
            show_scores=show_scores,
            line_kwargs=line_kwargs,
            validation_line_kwargs=validation_line_kwargs,
            score_line_kwargs=score_line_kwargs,
            best_marker_kwargs=best_marker_kwargs,
        )


class NetworkWeightsDisplay:
    """The weight matrices of a network, one heat map per layer.

    Panel ``l`` shows ``Theta^(l)``: row ``i`` holds the weights into unit ``i``
    of layer ``l + 1``, column ``j`` those from unit ``j`` of layer ``l``, and
    column 0, left of the black line, the bias weights. All panels share one
    colour scale, symmetric around 0 (red positive, blue negative), so their
    sizes compare across layers.

    Use :meth:`from_estimator` to draw a fitted ``BackpropClassifier`` (or
    ``MLPClassifier``); all parameters are stored as attributes.

    Parameters
    ----------
    thetas : list of array-like
        ``thetas[l]`` of shape ``(s_{l+1}, s_l + 1)``, bias weights in column 0.
    output_labels : array-like of shape (s_L,), default=None
        Names of the output units (e.g. the classes), shown beside their numbers
        (``"1: setosa"``): every layer's units are numbered from 1.

    Attributes
    ----------
    images_ : list of matplotlib AxesImage
        One per layer.
    bias_lines_ : list of matplotlib Line2D
        The lines separating the bias column.
    colorbar_ : matplotlib Colorbar or None
        The shared colour scale.
    axes_ : ndarray of matplotlib Axes
        One per layer.
    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    LossCurveDisplay : The loss during training.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skbackprop.plotting import NetworkWeightsDisplay
    >>> thetas = [np.array([[0.5, -1.0, 2.0]]), np.array([[0.1, 1.5], [-0.1, -1.5]])]
    >>> display = NetworkWeightsDisplay(thetas=thetas, output_labels=["no", "yes"]).plot()
    >>> [image.get_array().shape for image in display.images_]
    [(1, 3), (2, 2)]
    >>> display.images_[0].get_clim()
    (-2.0, 2.0)
    >>> plt.close(display.figure_)
    """

    def __init__(self, *, thetas, output_labels=None):
        self.thetas = thetas
        self.output_labels = output_labels

    def plot(
        self,
        ax: Axes | Sequence[Axes] | None = None,
        *,
        cmap: str = "RdBu_r",
        vmax: float | None = None,
        colorbar: bool = True,
        imshow_kwargs: dict[str, Any] | None = None,
    ) -> NetworkWeightsDisplay:
        """Draw one panel per weight matrix.

        Parameters
        ----------
        ax : matplotlib Axes or sequence of Axes, default=None
            One axes per weight matrix (a single Axes for a network without
            hidden layers); a new figure, one row of panels, when None.
        cmap : str or matplotlib Colormap, default="RdBu_r"
            A diverging colour map: weights near 0 are white.
        vmax : float, default=None
            The weight drawn with the strongest colour (``-vmax`` the opposite);
            by default the largest absolute weight of all layers.
        colorbar : bool, default=True
            Add one colour bar for all panels.
        imshow_kwargs : dict, default=None
            Keyword arguments of matplotlib's ``imshow``, overriding the defaults.

        Returns
        -------
        display : NetworkWeightsDisplay
            ``self``, with the artists stored.
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        from matplotlib.ticker import MaxNLocator

        thetas = [np.asarray(theta, dtype=float) for theta in self.thetas]
        if not thetas or any(theta.ndim != 2 or theta.shape[1] < 2 for theta in thetas):
            raise ValueError(
                "thetas must be a non-empty list of 2-d arrays with a bias column "
                f"and at least one unit column; got shapes {[t.shape for t in thetas]}."
            )
        n_layers = len(thetas)
        if ax is None:
            _, axes = plt.subplots(
                1,
                n_layers,
                figsize=(min(1.5 + 3.5 * n_layers, 14.0), 3.8),
                squeeze=False,
                layout="constrained",
            )
            axes = axes[0]
        else:
            axes = np.ravel(np.asarray(ax, dtype=object))
            if len(axes) != n_layers:
                raise ValueError(
                    f"ax must hold one Axes per weight matrix ({n_layers}); got {len(axes)}."
                )
        if vmax is None:
            vmax = max(float(np.abs(theta).max()) for theta in thetas) or 1.0

        self.images_, self.bias_lines_ = [], []
        for l, (axis, theta) in enumerate(zip(axes, thetas, strict=True), start=1):
            rows, cols = theta.shape
            # Columns at x = j (0: bias), rows at y = i = 1, ..., s_{l+1}: the
            # indices of Theta^(l)_ij in the seed's notation.
            image = axis.imshow(
                theta,
                **{
                    "cmap": cmap,
                    "vmin": -vmax,
                    "vmax": vmax,
                    "extent": (-0.5, cols - 0.5, rows + 0.5, 0.5),
                    "interpolation": "nearest",
                    # matrices of any shape fill panels of the same size
                    "aspect": "auto",
                    **(imshow_kwargs or {}),
                },
            )
            self.images_.append(image)
            self.bias_lines_.append(axis.axvline(0.5, color="black", linewidth=1.5))
            axis.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
            axis.yaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
            axis.set_title(rf"$\Theta^{{({l})}}$: layer {l} $\to$ {l + 1}")
            axis.set_xlabel(f"unit in layer {l} (j; 0 = bias)")
            ylabel = f"unit in layer {l + 1} (i)"
            if l == n_layers and self.output_labels is not None and len(self.output_labels) == rows:
                # numbered from 1 like every other unit, the class beside the number
                axis.set_yticks(np.arange(1, rows + 1))
                axis.set_yticklabels(
                    [f"{i}: {label}" for i, label in enumerate(self.output_labels, start=1)]
                )
                ylabel = f"unit in layer {l + 1} (i: class)"
            axis.set_ylabel(ylabel)

        figure = axes[0].figure
        self.colorbar_ = None
        if colorbar:
            self.colorbar_ = figure.colorbar(self.images_[0], ax=list(axes), label="weight")
        self.axes_ = np.asarray(axes, dtype=object)
        self.figure_ = figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        ax: Axes | Sequence[Axes] | None = None,
        cmap: str = "RdBu_r",
        vmax: float | None = None,
        colorbar: bool = True,
        imshow_kwargs: dict[str, Any] | None = None,
    ) -> NetworkWeightsDisplay:
        """Draw the weights of a fitted network.

        Reads ``thetas_`` (``BackpropClassifier``, whose output units are in the
        order of ``classes_``) or builds the same matrices from ``coefs_`` and
        ``intercepts_`` (``MLPClassifier``).

        Parameters
        ----------
        estimator : BackpropClassifier, BackpropRegressor, MLPClassifier, MLPRegressor or Pipeline
            Fitted; of a Pipeline, the last step is drawn.
        ax : matplotlib Axes or sequence of Axes, default=None
            One axes per weight matrix; a new figure, one row of panels, when None.
        cmap : str or matplotlib Colormap, default="RdBu_r"
            A diverging colour map: weights near 0 are white.
        vmax : float, default=None
            The weight drawn with the strongest colour; by default the largest
            absolute weight of all layers.
        colorbar : bool, default=True
            Add one colour bar for all panels.
        imshow_kwargs : dict, default=None
            Keyword arguments of matplotlib's ``imshow``, overriding the defaults.

        Returns
        -------
        display : NetworkWeightsDisplay

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            If the estimator has neither ``thetas_`` nor ``coefs_``.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skbackprop import BackpropClassifier
        >>> from skbackprop.plotting import NetworkWeightsDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = BackpropClassifier((5,), solver="L-BFGS-B", random_state=0)
        >>> clf = clf.fit(StandardScaler().fit_transform(X), y)
        >>> display = NetworkWeightsDisplay.from_estimator(clf)
        >>> [image.get_array().shape for image in display.images_]  # 4-5-3
        [(5, 5), (3, 6)]
        >>> [label.get_text() for label in display.axes_[-1].get_yticklabels()]
        ['1: 0', '2: 1', '3: 2']
        >>> plt.close(display.figure_)
        """
        estimator = _fitted_network(estimator)
        thetas = getattr(estimator, "thetas_", None)
        if thetas is None and getattr(estimator, "coefs_", None) is not None:
            thetas = [
                np.column_stack([intercept, coef.T])
                for coef, intercept in zip(estimator.coefs_, estimator.intercepts_, strict=True)
            ]
        if thetas is None:
            raise ValueError(
                f"{type(estimator).__name__} has neither thetas_ nor coefs_: not a "
                "fitted neural network."
            )
        display = cls(thetas=thetas, output_labels=getattr(estimator, "classes_", None))
        return display.plot(
            ax=ax, cmap=cmap, vmax=vmax, colorbar=colorbar, imshow_kwargs=imshow_kwargs
        )
