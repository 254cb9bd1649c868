"""scikit-learn's full estimator check suite for BackpropRegressor, every solver.

As for the classifier (test_sklearn_checks.py): the default estimator with its
defaults, the others stopped at ``max_iter=200`` (BFGS and TNC at 60).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import BackpropRegressor

ESTIMATORS = (
    [
        BackpropRegressor(),
        BackpropRegressor(loss="huber", activation="relu", solver="L-BFGS-B", max_iter=200),
    ]
    + [
        BackpropRegressor(solver=solver, max_iter=200)
        for solver in ("sgd", "adam", "L-BFGS-B", "CG")
    ]
    + [BackpropRegressor(solver=solver, max_iter=60) for solver in ("BFGS", "TNC")]
)


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_regressor(estimator, check):
    check(estimator)
