"""scikit-learn's full estimator check suite for BackpropRegressor, every solver.

As for the classifier (test_sklearn_checks.py): the default estimator with its
defaults, the others stopped at ``max_iter=200`` (BFGS and TNC at 60). The
non-default configurations keep ``reg_lambda=1e-4`` (the default is 10): the
check that weighted rows equal repeated rows compares predictions to 1e-7, and a
strongly penalised fit on the checks' 15 rows stops at its tolerance within a
few iterations, where two rounding-apart trajectories are still 1e-7 apart
(CG, TNC, and L-BFGS-B with relu units and Huber's cost); with the weak penalty
they run on to the same optimum. The default estimator passes every check.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import BackpropRegressor

WEAK = {"reg_lambda": 1e-4}

ESTIMATORS = (
    [
        BackpropRegressor(),
        BackpropRegressor(loss="huber", activation="relu", solver="L-BFGS-B", max_iter=200, **WEAK),
    ]
    + [
        BackpropRegressor(solver=solver, max_iter=200, **WEAK)
        for solver in ("sgd", "adam", "L-BFGS-B", "CG")
    ]
    + [BackpropRegressor(solver=solver, max_iter=60, **WEAK) for solver in ("BFGS", "TNC")]
)


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_regressor(estimator, check):
    check(estimator)
