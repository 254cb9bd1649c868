"""skbackprop: neural-network classifiers trained by backpropagation.

``BackpropClassifier`` is a scikit-learn estimator; :mod:`skbackprop.engine` is
the Theta-matrix engine it is built on (pure NumPy functions).
"""

from . import engine, textbook
from ._classifier import BackpropClassifier

__all__ = ["BackpropClassifier", "__version__", "engine", "textbook"]
__version__ = "0.1.0"
