"""scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9) for the estimator.

``sklearn.callback`` is experimental. This module is the only one that imports
it, and only on scikit-learn >= 1.9; on older versions the estimator has no
``set_callbacks`` and fits exactly as before. What it relies on, as scikit-learn
1.9's own estimators use it and as tests/test_callbacks.py checks:
``CallbackSupportMixin`` (``set_callbacks`` and ``_init_callback_context``, the
mixin's documented entry point for estimators), ``with_callbacks``,
``CallbackContext.subcontext`` and ``call_on_fit_task_begin`` /
``call_on_fit_task_end`` with ``X``, ``y``, ``metadata`` and
``reconstruction_attributes``.

The task tree of a fit, as in ``LogisticRegression``: a root task (``"fit"``,
or ``"partial_fit"``) with one subtask per iteration (``"iteration"``) or epoch
(``"epoch"``), at most ``max_iter`` of them. A subtask begins when the solver
starts the iteration and ends when it completes it, with reconstruction
attributes (``thetas_`` and what else ``predict`` reads) for the weights of that
iteration, so that a callback's ``fitted_estimator`` predicts as a model
stopped there would. A subtask's end that asks to stop ends the fit there,
through the monitor's ``CallbackBridge``.
"""

import functools

import sklearn

from ._monitor import CallbackBridge

# "1.9.1", "1.10.dev0" -> (1, 9), (1, 10)
AVAILABLE = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 9)
if AVAILABLE:
    try:
        from sklearn.callback import CallbackSupportMixin, with_callbacks
    except ImportError:  # an API that moved: fit without callbacks rather than fail
        AVAILABLE = False

if AVAILABLE:
    BASES = (CallbackSupportMixin,)
else:
    BASES = ()

    def with_callbacks(method):
        # A frame like scikit-learn's decorator adds: warnings' stacklevel, which
        # points at the caller of fit, is then the same on every version.
        @functools.wraps(method)
        def without_callbacks(estimator, *args, **kwargs):
            return method(estimator, *args, **kwargs)

        return without_callbacks


__all__ = ["AVAILABLE", "BASES", "fit_tasks", "with_callbacks"]


class _FitTasks:
    """The root task of one fit, and the hook that makes a subtask of each iteration."""

    def __init__(self, estimator, X, y, sample_weight, max_iter, task_name, subtask_name):
        self.estimator = estimator
        # y may be a function: the labels are made only if a callback asks for them.
        self.data = {
            "X": X,
            "y": functools.cache(y) if callable(y) else y,
            "metadata": None if sample_weight is None else {"sample_weight": sample_weight},
        }
        self.subtask_name = subtask_name
        self.context = estimator._init_callback_context(task_name=task_name, max_subtasks=max_iter)
        self.context.call_on_fit_task_begin(estimator=estimator, **self.data)

    def iteration_hooks(self, x0, attributes):
        """``[CallbackBridge]`` reporting each iteration, or ``[]`` if no callback is set.

        ``attributes(x)`` gives the reconstruction attributes of the weights ``x``;
        it is called only when a callback asks for a ``fitted_estimator``.
        """
        if not getattr(self.estimator, "_skl_callbacks", None):
            return []  # no subtasks to report, as LogisticRegression without callbacks

        def begin(x):
            task = self.context.subcontext(task_name=self.subtask_name)
            task.call_on_fit_task_begin(
                estimator=self.estimator,
                reconstruction_attributes=lambda: attributes(x),
                **self.data,
            )
            return task

        def end(task, x):
            if x is None:  # an iteration that did not complete: an empty task
                return task.call_on_fit_task_end(estimator=self.estimator)
            return task.call_on_fit_task_end(
                estimator=self.estimator,
                reconstruction_attributes=lambda: attributes(x),
                **self.data,
            )

        return [CallbackBridge(begin, end, x0)]

    def end(self):
        """End the root task; the estimator holds its fitted attributes by now."""
        self.context.call_on_fit_task_end(
            estimator=self.estimator, reconstruction_attributes={}, **self.data
        )


class _NoTasks:
    """Without callback support: no hooks, nothing to end."""

    def iteration_hooks(self, x0, attributes):
        return []

    def end(self):
        pass


def fit_tasks(estimator, X, y, sample_weight, max_iter, task_name="fit", subtask_name="iteration"):
    """Begin the callbacks' root task of a fit (on scikit-learn >= 1.9).

    Call it where the fit starts training, on the estimator whose ``_fit`` or
    ``_partial_fit`` :func:`with_callbacks` wraps, which tears the callbacks down
    whatever happens. ``y`` may be a function returning the labels.
    """
    if not AVAILABLE:
        return _NoTasks()
    return _FitTasks(estimator, X, y, sample_weight, max_iter, task_name, subtask_name)
