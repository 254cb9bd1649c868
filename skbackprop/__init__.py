"""skbackprop: neural networks trained by backpropagation, as scikit-learn estimators.

``BackpropClassifier`` and ``BackpropRegressor`` are scikit-learn estimators;
:mod:`skbackprop.engine` is the Theta-matrix engine they are built on (pure
NumPy functions).
"""

from . import engine, textbook
from ._classifier import BackpropClassifier
from ._regressor import BackpropRegressor

__all__ = ["BackpropClassifier", "BackpropRegressor", "__version__", "engine", "textbook"]
__version__ = "0.1.0"
