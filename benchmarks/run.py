"""Benchmarks of skbackprop against scikit-learn's MLPClassifier.

Run all workloads and print the table (``--quick`` for a smoke run)::

    python benchmarks/run.py [--quick] [--only 1,3] [--json PATH]

Every timing compares contenders measured round-robin in the same process, with
the BLAS thread count pinned by threadpoolctl for each call; a contender's time
is the minimum over the repeats, and ratios are ``ours / theirs`` of those
minima (the notes and the JSON output give the medians too). See
``benchmarks/README.md``.
"""

import argparse
import inspect
import json
import math
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
import scipy
import sklearn
import threadpoolctl
from sklearn.base import clone
from sklearn.datasets import load_digits, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_validate, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from threadpoolctl import ThreadpoolController

import skbackprop
from skbackprop import BackpropClassifier, engine

SEED = 0
REG = 1e-4  # our reg_lambda == MLPClassifier's alpha (workloads 2 to 5)
# MLPClassifier's output layer for more than two classes (workloads 2 to 5).
OUTPUT = "softmax"
SCALE_FEATURES = 100
SCALE_CLASSES = 10
SCALE_HIDDEN = (256, 256)
# Workloads 1 and 2 are small: a second BLAS thread only adds synchronisation. On
# 2 cores it made the digits fits about 4 times slower, 10 to 50 times when busy.
SMALL_BLAS_THREADS = 1
# Workloads 6 to 9: adam on 50,000 rows, one hidden layer of 256 relu units.
ADAM_HIDDEN = (256,)
ADAM_BATCH = 200
ADAM_SMALL_BATCH = 32  # workload 7: the per-batch overhead dominates
ADAM_LEARNING_RATE = 1e-3
# Workloads 6 to 10 pin BLAS to one thread on both sides. Our engine follows the
# BLAS limit (skbackprop._blocks.thread_budget), so ours runs on one thread too.
PINNED_BLAS_THREADS = 1
# ... and are timed in process CPU time (one thread: the same as wall time on a
# quiet machine, less disturbed by other processes on a busy one).
CPU_CLOCK = time.process_time
# Workload 10: the test accuracy to reach on digits, and the iteration budgets
# tried, k = 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, ... (the R10 series).
TTA_ACCURACY = 0.97
R10 = (1.0, 1.25, 1.6, 2.0, 2.5, 3.2, 4.0, 5.0, 6.3, 8.0)
# Pause before each timed call: long enough for idle OpenBLAS threads to stop spinning.
BLAS_IDLE_SECONDS = 0.5
# Committed results are updated only when asked: --json benchmarks/results.json.
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "results.json"
CONTROLLER = ThreadpoolController()


@dataclass(frozen=True)
class Config:
    """Sizes and repeats of one benchmark run."""

    repeat_fit: int  # timed repeats of whole fits (workloads 1 and 2)
    repeat_eval: int  # timed repeats of one evaluation (workloads 3 and 4)
    moons_iter: int
    digits_iter: int
    cv_folds: int
    accuracy_seeds: int  # initial weights of the cross-validated accuracy (workload 2)
    scale_rows: int
    memory_iter: int
    adam_rows: int  # training rows of workloads 6 to 9
    adam_test_rows: int  # held-out rows for the test accuracy of workload 6
    adam_epochs: int
    repeat_adam: int  # timed repeats of whole adam fits with batches of 200 (workloads 6, 8)
    repeat_adam_small: int  # timed repeats with batches of 32 (workload 7)
    tta_max_iter: int  # largest iteration budget tried by workload 10
    tta_search_seconds: float  # fitting time after which workload 10 gives up on a solver
    repeat_tta: int  # timed repeats of the fits that reach the accuracy (workload 10)
    sparse_rows: int  # training rows of the sparse workload 11
    repeat_sparse: int  # timed repeats of its whole fits (no warm-up: each takes tens of seconds)
    tall_rows: tuple  # workload 12: the large number of rows, then the reference
    repeat_tall: int


FULL = Config(
    repeat_fit=11,
    repeat_eval=9,
    moons_iter=5000,
    digits_iter=200,
    cv_folds=5,
    accuracy_seeds=10,
    scale_rows=100_000,
    memory_iter=2,
    adam_rows=50_000,
    adam_test_rows=10_000,
    adam_epochs=3,
    repeat_adam=7,
    repeat_adam_small=5,
    tta_max_iter=5000,
    tta_search_seconds=30.0,
    repeat_tta=3,
    sparse_rows=100_000,
    repeat_sparse=3,
    tall_rows=(1_000_000, 100_000),
    repeat_tall=5,
)
QUICK = Config(
    repeat_fit=2,
    repeat_eval=2,
    moons_iter=500,
    digits_iter=50,
    cv_folds=3,
    accuracy_seeds=2,
    scale_rows=10_000,
    memory_iter=2,
    adam_rows=5_000,
    adam_test_rows=2_000,
    adam_epochs=3,
    repeat_adam=2,
    repeat_adam_small=2,
    tta_max_iter=200,
    tta_search_seconds=2.0,
    repeat_tta=1,
    sparse_rows=5_000,
    repeat_sparse=1,
    tall_rows=(100_000, 10_000),
    repeat_tall=2,
)


@dataclass
class Row:
    """One line of the results table; ``ratio`` and ``vs_bare`` are ours / theirs."""

    workload: str
    ours: str
    peer: str
    ratio: float | None = None
    gflops: str = ""
    vs_bare: float | None = None
    target: str = ""
    met: bool | None = None


@dataclass
class Result:
    """Rows, free-text notes and raw numbers of one workload; a table of its own, if any."""

    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    details: dict = field(default_factory=dict)
    extra_table: str = ""


# -- timing -------------------------------------------------------------------------


@dataclass
class Contender:
    """A callable to time, with the number of BLAS threads it runs with."""

    name: str
    fn: object
    blas_threads: int


def default_blas_threads():
    """The BLAS thread count that threadpoolctl found at start-up (the machine default)."""
    counts = [info["num_threads"] for info in CONTROLLER.info() if info["user_api"] == "blas"]
    return max(counts, default=1)


def time_call(fn, blas_threads, clock=time.perf_counter):
    """Time of one call of ``fn()`` with BLAS limited to ``blas_threads`` threads.

    Parameters
    ----------
    fn : callable
    blas_threads : int
    clock : callable, default=time.perf_counter
        Wall time; ``time.process_time`` for the single-threaded workloads
        (6 to 12), where the CPU time of the process is less sensitive to
        other processes on the machine.

    Returns
    -------
    seconds : float
    """
    # OpenBLAS's worker threads spin for a while after a call before they sleep:
    # a previous contender's spinning threads would hold a core during this one.
    time.sleep(BLAS_IDLE_SECONDS)
    with CONTROLLER.limit(limits=blas_threads, user_api="blas"):
        start = clock()
        fn()
        return clock() - start


def time_interleaved(contenders, repeat, warmup=1, clock=time.perf_counter):
    """Time contenders round-robin, so that machine noise hits all of them alike.

    The order of the contenders is reversed every other round to cancel drift.

    Parameters
    ----------
    contenders : list of Contender
    repeat : int
        Timed calls of each contender.
    warmup : int, default=1
        Untimed calls of each contender first.

    Returns
    -------
    times : dict
        ``times[name]`` is the list of ``repeat`` wall times in seconds.
    """
    for contender in contenders:
        for _ in range(warmup):
            time_call(contender.fn, contender.blas_threads, clock)
    times = {contender.name: [] for contender in contenders}
    for round_ in range(repeat):
        order = contenders if round_ % 2 == 0 else contenders[::-1]
        for contender in order:
            times[contender.name].append(time_call(contender.fn, contender.blas_threads, clock))
    return times


def summarise(times):
    """``{"min", "median", "all"}`` of a list of times in seconds."""
    return {"min": min(times), "median": statistics.median(times), "all": times}


def ratios(times, ours, theirs):
    """``ours / theirs`` of the minima and of the medians of two timing lists."""
    return {
        "min": min(times[ours]) / min(times[theirs]),
        "median": statistics.median(times[ours]) / statistics.median(times[theirs]),
    }


def spread_note(ratio, what="ours/MLP"):
    """A note giving a ratio of the medians next to the ratio of the minima."""
    return (
        f"{what}: {ratio['min']:.2f} from the minimum times, {ratio['median']:.2f} from the medians"
    )


def seconds(value):
    """A time for the table: ``"1.23 s"``."""
    return f"{value:.3g} s"


def quietly(fn):
    """Wrap ``fn`` so that it runs without ConvergenceWarning (max_iter is the budget)."""

    def run(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return fn(*args, **kwargs)

    return run


def fitted_iterations(estimators):
    """``{name: n_iter_}`` of fitted estimators."""
    return {name: int(est.n_iter_) for name, est in estimators.items()}


def time_fits(estimators, X, y, repeat, blas_threads):
    """Time whole fits of several estimators, interleaved; returns ``time_interleaved``'s dict."""
    contenders = [
        Contender(name, quietly(lambda est=est: est.fit(X, y)), blas_threads)
        for name, est in estimators.items()
    ]
    return time_interleaved(contenders, repeat)


# -- workload 1: the seed's gradient descent on make_moons ------------------------------


def moons_estimators(max_iter):
    """Our full-batch gradient descent and MLPClassifier's equivalent plain SGD."""
    ours = BackpropClassifier(
        hidden_layer_sizes=(5, 5),
        activation="sigmoid",
        output_activation="sigmoid",
        solver="gd",
        learning_rate=0.5,
        max_iter=max_iter,
        tol=0,
        reg_lambda=0,
        random_state=SEED,
    )
    mlp = MLPClassifier(
        hidden_layer_sizes=(5, 5),
        activation="logistic",
        solver="sgd",
        batch_size=500,  # the whole training set: one full-batch step per epoch
        learning_rate="constant",
        learning_rate_init=0.5,
        momentum=0,
        nesterovs_momentum=False,
        shuffle=False,
        alpha=0,
        tol=0,
        n_iter_no_change=max_iter + 1,  # never stop early
        early_stopping=False,
        max_iter=max_iter,
        random_state=SEED,
    )
    return {"ours": ours, "MLP": mlp}


def check_same_iterations(n_iter, expected, result):
    """Record the ``n_iter_`` of each side; add a warning note if one differs from ``expected``."""
    result.details["n_iter"] = n_iter
    if set(n_iter.values()) != {expected}:
        result.notes.append(f"WARNING: n_iter_ differ from {expected}: {n_iter}")
    return n_iter


def workload_moons(cfg):
    """Workload 1: time whole gradient-descent fits on 500 points of make_moons."""
    X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
    X, y = X[:500], y[:500]
    estimators = moons_estimators(cfg.moons_iter)
    times = time_fits(estimators, X, y, cfg.repeat_fit, SMALL_BLAS_THREADS)
    result = Result()
    n_iter = check_same_iterations(fitted_iterations(estimators), cfg.moons_iter, result)
    ratio = ratios(times, "ours", "MLP")
    result.details.update(
        times={name: summarise(t) for name, t in times.items()},
        ratio=ratio,
        train_accuracy={name: float(est.score(X, y)) for name, est in estimators.items()},
    )
    result.rows.append(
        Row(
            f"1 moons 2-5-5-2, GD {cfg.moons_iter} it: fit",
            seconds(min(times["ours"])),
            seconds(min(times["MLP"])),
            ratio["min"],
            target="<= 0.7",
            met=ratio["min"] <= 0.7,
        )
    )
    result.notes += [
        f"n_iter_: ours {n_iter['ours']}, MLP {n_iter['MLP']}; MLP has 1 logistic output unit "
        "for 2 classes where we have 2 sigmoid units",
        spread_note(ratio),
    ]
    return result


# -- workload 2: load_digits with L-BFGS-B ----------------------------------------------


def digits_estimators(max_iter):
    """Our L-BFGS-B and MLPClassifier's lbfgs, same budget and regularisation."""
    ours = BackpropClassifier(
        hidden_layer_sizes=(25,),
        activation="sigmoid",
        output_activation=OUTPUT,
        solver="L-BFGS-B",
        reg_lambda=REG,
        max_iter=max_iter,
        tol=0,
        random_state=SEED,
    )
    mlp = MLPClassifier(
        hidden_layer_sizes=(25,),
        activation="logistic",
        solver="lbfgs",
        alpha=REG,
        max_iter=max_iter,
        tol=0,
        random_state=SEED,
    )
    return {"ours": ours, "MLP": mlp}


def count_evaluations_ours(estimator, X, y):
    """Fit a clone of our estimator, counting calls of its objective ``fun``."""
    calls = 0
    make_objective = engine.make_objective

    def counting_make_objective(*args, **kwargs):
        fun = make_objective(*args, **kwargs)

        def counted(theta):
            nonlocal calls
            calls += 1
            return fun(theta)

        counted.__dict__.update(fun.__dict__)  # n_threads, cost, ...
        return counted

    engine.make_objective = counting_make_objective
    try:
        quietly(clone(estimator).fit)(X, y)
    finally:
        engine.make_objective = make_objective
    return calls


def count_evaluations_mlp(estimator, X, y):
    """Fit a clone of an lbfgs MLPClassifier, counting loss-and-gradient evaluations."""
    estimator = clone(estimator)
    calls = 0
    loss_grad = estimator._loss_grad_lbfgs

    def counted(*args):
        nonlocal calls
        calls += 1
        return loss_grad(*args)

    estimator._loss_grad_lbfgs = counted
    quietly(estimator.fit)(X, y)
    return calls


def cross_validated_accuracy(estimator, X, y, folds, seeds):
    """Mean accuracy over ``folds`` stratified folds of StandardScaler + estimator, per seed.

    One seed's initial weights decide a few test samples either way; the mean over
    ``seeds`` seeds (``random_state`` 0, 1, ...) compares the models, not the draws.
    """
    accuracy, n_iter = [], set()
    for seed in range(seeds):
        cv = quietly(cross_validate)(
            make_pipeline(StandardScaler(), clone(estimator).set_params(random_state=seed)),
            X,
            y,
            cv=folds,
            return_estimator=True,
        )
        accuracy.append(float(np.mean(cv["test_score"])))
        n_iter.update(int(pipe[-1].n_iter_) for pipe in cv["estimator"])
    return {"accuracy_per_seed": accuracy, "n_iter": sorted(n_iter)}


def workload_digits(cfg):
    """Workload 2: time whole L-BFGS-B fits on load_digits; cross-validated accuracy."""
    X_raw, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X_raw)
    estimators = digits_estimators(cfg.digits_iter)
    times = time_fits(estimators, X, y, cfg.repeat_fit, SMALL_BLAS_THREADS)
    result = Result()
    n_iter = check_same_iterations(fitted_iterations(estimators), cfg.digits_iter, result)
    with CONTROLLER.limit(limits=SMALL_BLAS_THREADS, user_api="blas"):
        evaluations = {
            "ours": count_evaluations_ours(estimators["ours"], X, y),
            "MLP": count_evaluations_mlp(estimators["MLP"], X, y),
        }
        cv = {
            name: cross_validated_accuracy(est, X_raw, y, cfg.cv_folds, cfg.accuracy_seeds)
            for name, est in estimators.items()
        }
    per_eval = {name: min(times[name]) / evaluations[name] for name in times}
    accuracy = {name: float(np.mean(cv[name]["accuracy_per_seed"])) for name in cv}
    ratio = ratios(times, "ours", "MLP")
    result.details.update(
        times={name: summarise(t) for name, t in times.items()},
        ratio=ratio,
        evaluations=evaluations,
        seconds_per_evaluation=per_eval,
        cross_validation=cv,
        mean_accuracy=accuracy,
    )
    label = f"2 digits 64-25-10, L-BFGS-B {cfg.digits_iter} it"
    result.rows += [
        Row(
            f"{label}: fit",
            seconds(min(times["ours"])),
            seconds(min(times["MLP"])),
            ratio["min"],
            target="<= 0.7",
            met=ratio["min"] <= 0.7,
        ),
        Row(
            f"2 digits: {cfg.cv_folds}-fold CV accuracy, mean of {cfg.accuracy_seeds} seeds",
            f"{accuracy['ours']:.4f}",
            f"{accuracy['MLP']:.4f}",
            accuracy["ours"] / accuracy["MLP"],
            target=">= MLP",
            met=accuracy["ours"] >= accuracy["MLP"],
        ),
    ]
    cv_iters = {name: cv[name]["n_iter"] for name in cv}
    per_seed = {name: " ".join(f"{a:.4f}" for a in cv[name]["accuracy_per_seed"]) for name in cv}
    result.notes += [
        spread_note(ratio),
        f"n_iter_: ours {n_iter['ours']}, MLP {n_iter['MLP']} (CV folds: ours {cv_iters['ours']},"
        f" MLP {cv_iters['MLP']})",
        f"loss-and-gradient evaluations per fit: ours {evaluations['ours']}, MLP "
        f"{evaluations['MLP']}; time per evaluation ours/MLP = "
        f"{per_eval['ours'] / per_eval['MLP']:.2f}",
        f"CV accuracy per seed: ours {per_seed['ours']}; MLP {per_seed['MLP']}",
    ]
    return result


# -- workloads 3 and 4: one cost-and-gradient evaluation at scale -------------------------


def scale_layer_sizes():
    """``[100, 256, 256, 10]``: layer sizes of workloads 3 to 5."""
    return [SCALE_FEATURES, *SCALE_HIDDEN, SCALE_CLASSES]


def scale_data(m, dtype):
    """``m`` x 100 standard-normal features and 10 random classes."""
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((m, SCALE_FEATURES)).astype(dtype, copy=False)
    y = rng.integers(0, SCALE_CLASSES, size=m)
    return X, y


def product_flops(m, layer_sizes):
    """Floating-point operations (2 m n k per product) of one forward-backward pass.

    Forward ``A^(l) @ Theta^(l).T`` and weight gradients ``delta^T @ A^(l)`` with the
    bias column, and the back-propagations ``delta @ Theta^(l)[:, 1:]`` for l >= 2.
    """
    weights = sum((s + 1) * s_next for s, s_next in pairwise(layer_sizes))
    backprop = sum(s * s_next for s, s_next in pairwise(layer_sizes[1:]))
    return 2 * m * (2 * weights + backprop)


def ours_evaluation(X, y, layer_sizes, output_activation=OUTPUT):
    """Our objective, as fit builds it, at the initial weights; returns (Contender, n_threads).

    ``y`` holds class labels, or real targets for ``output_activation="identity"``
    (benchmarks/regression.py).
    """
    if output_activation == "identity":
        Y = np.asfortranarray(y.reshape(X.shape[0], -1), dtype=X.dtype)
    else:
        Y = np.zeros((X.shape[0], layer_sizes[-1]), dtype=X.dtype, order="F")
        Y[np.arange(X.shape[0]), y] = 1
    fun = engine.make_objective(
        X, Y, layer_sizes, reg_lambda=REG, output_activation=output_activation
    )
    theta = engine.pack(engine.init_thetas(layer_sizes, random_state=SEED, dtype=X.dtype))
    blas_threads = 1  # fit pins BLAS to one thread; the engine's threads share the rows
    return Contender(f"ours {X.dtype}", lambda: fun(theta), blas_threads), fun.n_threads


def mlp_evaluation(X, y, blas_threads, model=MLPClassifier):
    """``model``'s ``_backprop`` with its buffers set up as ``_fit`` and ``_fit_lbfgs`` do.

    ``model`` is MLPClassifier, or MLPRegressor (benchmarks/regression.py). Uses
    private scikit-learn API (checked against scikit-learn 1.6.1 and 1.9.1;
    ``_backprop`` takes ``sample_weight`` since 1.7).
    """
    clf = model(
        hidden_layer_sizes=SCALE_HIDDEN, activation="logistic", alpha=REG, random_state=SEED
    )
    X, Y = clf._validate_input(X, y, incremental=False, reset=True)
    Y = Y.reshape(X.shape[0], -1)  # as MLPRegressor's _fit: a 1-d target becomes a column
    units = [X.shape[1], *SCALE_HIDDEN, Y.shape[1]]
    clf._random_state = check_random_state(SEED)
    clf._initialize(Y, units, X.dtype)
    activations = [X] + [None] * (len(units) - 1)
    deltas = [None] * (len(activations) - 1)
    coef_grads = [np.empty((fan_in, fan_out), dtype=X.dtype) for fan_in, fan_out in pairwise(units)]
    intercept_grads = [np.empty(fan_out, dtype=X.dtype) for fan_out in units[1:]]
    buffers = (activations, deltas, coef_grads, intercept_grads)
    if "sample_weight" in inspect.signature(clf._backprop).parameters:
        buffers = (None, *buffers)

    def evaluate():
        return clf._backprop(X, Y, *buffers)

    return Contender(f"MLP {X.dtype}", evaluate, blas_threads)


class BareProducts:
    """The matrix products of one forward-backward pass, and nothing else.

    Forward ``Z^(l+1) = A^(l) @ Theta^(l).T``; backward ``G^(l) = delta^T @ A^(l)``
    and ``delta^(l) = delta^(l+1) @ Theta^(l)[:, 1:]``, where the ``A^(l)`` carry
    their bias column and the deltas reuse the ``Z`` buffers. All arrays are
    C-contiguous and preallocated.
    """

    def __init__(self, m, layer_sizes, dtype):
        rng = np.random.default_rng(SEED)
        self.A = [rng.random((m, s + 1), dtype=dtype) for s in layer_sizes[:-1]]
        for a in self.A:
            a[:, 0] = 1.0
        self.thetas = [
            rng.uniform(-0.1, 0.1, size=(s_next, s + 1)).astype(dtype)
            for s, s_next in pairwise(layer_sizes)
        ]
        self.Z = [np.empty((m, s), dtype=dtype) for s in layer_sizes[1:]]
        self.G = [np.empty_like(theta) for theta in self.thetas]

    def __call__(self):
        for a, theta, z in zip(self.A, self.thetas, self.Z, strict=True):
            np.matmul(a, theta.T, out=z)
        for l in range(len(self.thetas) - 1, -1, -1):
            np.matmul(self.Z[l].T, self.A[l], out=self.G[l])
            if l > 0:
                np.matmul(self.Z[l], self.thetas[l][:, 1:], out=self.Z[l - 1])


def scale_contenders(m, dtype, default_threads):
    """Ours, MLP and the bare products for one dtype; returns (contenders, our n_threads).

    MLP and the bare products run with the default BLAS threads and, for
    reference, again with one BLAS thread (names ending in ", BLAS 1").
    """
    X, y = scale_data(m, dtype)
    sizes = scale_layer_sizes()
    ours, n_threads = ours_evaluation(X, y, sizes)
    mlp = mlp_evaluation(X, y, default_threads)
    bare = Contender(f"bare {np.dtype(dtype)}", BareProducts(m, sizes, dtype), default_threads)
    contenders = [ours, mlp, bare]
    if default_threads > 1:
        contenders += [Contender(f"{c.name}, BLAS 1", c.fn, 1) for c in (mlp, bare)]
    return contenders, n_threads


def one_blas_thread_note(times, dtype):
    """How ours compares when MLP and the bare products get one BLAS thread, if timed."""
    if f"MLP {dtype}, BLAS 1" not in times:
        return None
    ours = min(times[f"ours {dtype}"])
    mlp, bare = (min(times[f"{who} {dtype}, BLAS 1"]) for who in ("MLP", "bare"))
    return (
        f"{dtype}, for reference, with 1 BLAS thread: MLP {seconds(mlp)} (ours/MLP "
        f"{ours / mlp:.2f}), bare products {seconds(bare)} (ours/bare {ours / bare:.2f})"
    )


def scale_row(label, times, dtype, flops, target, met):
    """A table row for one dtype of the scale workload."""
    best = {who: min(times[f"{who} {dtype}"]) for who in ("ours", "MLP", "bare")}
    rates = " / ".join(f"{flops / best[who] / 1e9:.1f}" for who in ("ours", "MLP", "bare"))
    return Row(
        label,
        seconds(best["ours"]),
        seconds(best["MLP"]),
        best["ours"] / best["MLP"],
        rates,
        best["ours"] / best["bare"],
        target,
        met,
    )


def measure_scale(cfg, selected):
    """Workloads 3 and 4: time one evaluation for ours, MLP and bare products, interleaved.

    float64 is always timed (workload 4's speed-up needs it); float32 when 4 is selected.
    """
    default_threads = default_blas_threads()
    dtypes = ["float64"] + (["float32"] if 4 in selected else [])
    contenders, n_threads = [], {}
    for dtype in dtypes:
        more, n_threads[dtype] = scale_contenders(cfg.scale_rows, np.dtype(dtype), default_threads)
        contenders += more
    times = time_interleaved(contenders, cfg.repeat_eval)
    flops = product_flops(cfg.scale_rows, scale_layer_sizes())
    details = {
        "rows": cfg.scale_rows,
        "layer_sizes": scale_layer_sizes(),
        "flops_per_evaluation": flops,
        "our_threads": n_threads,
        "blas_threads": {c.name: c.blas_threads for c in contenders},
        "times": {name: summarise(t) for name, t in times.items()},
        "gflops": {name: flops / min(t) / 1e9 for name, t in times.items()},
    }
    pinning = (
        f"BLAS threads: ours {contenders[0].blas_threads} (our {n_threads['float64']} threads "
        f"share the rows), MLP and bare products {default_threads}"
    )
    results = {}
    if 3 in selected:
        results[3] = workload_scale64(cfg, times, flops, details, pinning)
    if 4 in selected:
        results[4] = workload_scale32(cfg, times, flops, details, pinning)
    return results


def workload_scale64(cfg, times, flops, details, pinning):
    """Workload 3's result from the interleaved timings of ``measure_scale``."""
    result = Result(details=dict(details))
    best = {who: min(times[f"{who} float64"]) for who in ("ours", "MLP", "bare")}
    vs_mlp, vs_bare = best["ours"] / best["MLP"], best["ours"] / best["bare"]
    label = f"3 {cfg.scale_rows:,}x100, 100-256-256-10 float64: 1 eval"
    met = vs_mlp <= 0.6 and vs_bare <= 1.5
    result.rows.append(scale_row(label, times, "float64", flops, "<= 0.6; bare <= 1.5", met))
    result.details["ratio"] = ratios(times, "ours float64", "MLP float64")
    result.details["ratio_vs_bare"] = ratios(times, "ours float64", "bare float64")
    result.notes += [
        pinning,
        f"{flops / 1e9:.1f} GFLOP per evaluation (products only)",
        spread_note(result.details["ratio"]),
        spread_note(result.details["ratio_vs_bare"], "ours/bare"),
        one_blas_thread_note(times, "float64"),
    ]
    result.notes = [note for note in result.notes if note]
    return result


def workload_scale32(cfg, times, flops, details, pinning):
    """Workload 4's result: float32 timings and the float32 speed-up over float64."""
    result = Result(details=dict(details))
    result.rows.append(
        scale_row("4 the same in float32: 1 eval", times, "float32", flops, "", None)
    )
    speedup = {
        who: min(times[f"{who} float64"]) / min(times[f"{who} float32"])
        for who in ("ours", "MLP", "bare")
    }
    speedup_median = {
        who: statistics.median(times[f"{who} float64"]) / statistics.median(times[f"{who} float32"])
        for who in ("ours", "MLP", "bare")
    }
    result.rows.append(
        Row(
            "4 float32 speed-up (float64 time / float32 time)",
            f"{speedup['ours']:.2f}x",
            f"{speedup['MLP']:.2f}x",
            target="ours >= 1.8x",
            met=speedup["ours"] >= 1.8,
        )
    )
    result.details["ratio"] = ratios(times, "ours float32", "MLP float32")
    result.details["ratio_vs_bare"] = ratios(times, "ours float32", "bare float32")
    result.details["speedup_float32"] = speedup
    result.details["speedup_float32_median"] = speedup_median
    result.notes += [
        pinning,
        spread_note(result.details["ratio"]),
        f"float32 speed-up from the medians: ours {speedup_median['ours']:.2f}x, MLP "
        f"{speedup_median['MLP']:.2f}x; bare products {speedup['bare']:.2f}x (minima)",
        one_blas_thread_note(times, "float32"),
    ]
    result.notes = [note for note in result.notes if note]
    return result


# -- workload 5: peak memory of a fit -----------------------------------------------------


def scale_estimator(who, max_iter):
    """Ours (L-BFGS-B) or MLPClassifier (lbfgs) for the scale problem, ``max_iter`` iterations."""
    if who == "ours":
        return BackpropClassifier(
            hidden_layer_sizes=SCALE_HIDDEN,
            activation="sigmoid",
            output_activation=OUTPUT,
            solver="L-BFGS-B",
            reg_lambda=REG,
            max_iter=max_iter,
            tol=0,
            random_state=SEED,
        )
    return MLPClassifier(
        hidden_layer_sizes=SCALE_HIDDEN,
        activation="logistic",
        solver="lbfgs",
        alpha=REG,
        max_iter=max_iter,
        tol=0,
        random_state=SEED,
    )


def peak_rss_bytes():
    """Peak resident set size of this process image so far: ``VmHWM`` of /proc/self/status.

    ``getrusage().ru_maxrss`` is not used: Linux carries it over from the parent
    across fork and exec, so a fresh process would inherit this script's peak.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # the value is in kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def fit_peak_memory(who, m, max_iter):
    """Fit one estimator on the scale data and report the memory the fit added.

    Meant to run in a fresh process; see ``fit_memory_report``.

    Returns
    -------
    report : dict
    """
    X, y = scale_data(m, np.float64)
    return fit_memory_report(scale_estimator(who, max_iter), X, y)


def fit_memory_report(estimator, X, y):
    """Fit ``estimator`` on data created beforehand and report the memory the fit added.

    Both the tracemalloc peak of the fit (NumPy reports its array buffers to
    tracemalloc) and the growth of the peak RSS (``VmHWM``) over its value after
    the data were created are measured.

    Returns
    -------
    report : dict
    """
    baseline = peak_rss_bytes()
    tracemalloc.start()
    start = time.perf_counter()
    quietly(estimator.fit)(X, y)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "tracemalloc_peak": peak,
        "rss_growth": peak_rss_bytes() - baseline,
        "rss_baseline": baseline,
        "data_bytes": data_bytes(X) + y.nbytes,
        "n_iter": int(estimator.n_iter_),
        "fit_seconds": elapsed,
    }


def data_bytes(X):
    """The bytes of an array's buffer, or of a sparse matrix's three arrays."""
    if hasattr(X, "indptr"):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def in_fresh_process(fn, *args):
    """Call ``fn(*args)`` in a new Python interpreter (multiprocessing "spawn")."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


def mib(n_bytes):
    """A size for the table, in MiB."""
    return f"{n_bytes / 2**20:.0f} MiB"


def workload_memory(cfg):
    """Workload 5: peak memory of a fit at the scale of workload 3, each in a fresh process."""
    reports = {
        who: in_fresh_process(fit_peak_memory, who, cfg.scale_rows, cfg.memory_iter)
        for who in ("ours", "MLP")
    }
    result = Result(details=reports)
    check_same_iterations({who: r["n_iter"] for who, r in reports.items()}, cfg.memory_iter, result)
    label = f"5 peak memory of a fit, {cfg.scale_rows:,}x100 float64, {cfg.memory_iter} it"
    for key, name, target in (
        ("tracemalloc_peak", "tracemalloc", "<= 0.5"),
        ("rss_growth", "RSS growth", ""),
    ):
        ratio = reports["ours"][key] / reports["MLP"][key]
        result.rows.append(
            Row(
                f"{label} ({name})",
                mib(reports["ours"][key]),
                mib(reports["MLP"][key]),
                ratio,
                target=target,
                met=(ratio <= 0.5) if target else None,
            )
        )
    result.notes += [
        "ours: L-BFGS-B; MLP: solver='lbfgs'; memory beyond the data "
        f"({mib(reports['ours']['data_bytes'])}), target checked on the tracemalloc peak",
        f"n_iter_: ours {reports['ours']['n_iter']}, MLP {reports['MLP']['n_iter']}; fit times "
        f"(under tracemalloc): ours {seconds(reports['ours']['fit_seconds'])}, MLP "
        f"{seconds(reports['MLP']['fit_seconds'])}",
    ]
    return result


# -- workloads 6 to 9: mini-batch adam on 50,000 rows ----------------------------------


def adam_problem(train_rows, test_rows):
    """A learnable 10-class problem: ``y = argmax(X @ W + noise)``, all standard normal.

    ``W`` has shape (100, 10); training and test rows are drawn from the same
    generator (seed 0), in that order, so the training rows do not depend on
    ``test_rows``.

    Returns
    -------
    X, y, X_test, y_test : ndarray, float64 features
    """
    rng = np.random.default_rng(SEED)
    W = rng.standard_normal((SCALE_FEATURES, SCALE_CLASSES))

    def draw(m):
        X = rng.standard_normal((m, SCALE_FEATURES))
        noise = rng.standard_normal((m, SCALE_CLASSES))
        return X, np.argmax(X @ W + noise, axis=1)

    return (*draw(train_rows), *draw(test_rows))


def adam_estimator(who, batch_size, max_iter):
    """Ours or MLPClassifier: 256 relu units, softmax output, adam, no early stop."""
    if who == "ours":
        return BackpropClassifier(
            hidden_layer_sizes=ADAM_HIDDEN,
            activation="relu",
            output_activation=OUTPUT,
            solver="adam",
            batch_size=batch_size,
            max_iter=max_iter,
            tol=0,
            learning_rate=ADAM_LEARNING_RATE,
            random_state=SEED,
        )
    return MLPClassifier(
        hidden_layer_sizes=ADAM_HIDDEN,
        activation="relu",
        solver="adam",
        batch_size=batch_size,
        max_iter=max_iter,
        tol=0,
        n_iter_no_change=max_iter + 1,  # never stop early
        learning_rate_init=ADAM_LEARNING_RATE,
        random_state=SEED,
    )


def adam_label(cfg, batch_size):
    """The start of a table label for workloads 6 to 8."""
    return (
        f"{cfg.adam_rows:,}x100, 100-256-10 relu, adam batch {batch_size}, {cfg.adam_epochs} epochs"
    )


def fit_contenders(estimators, data):
    """Whole fits, one Contender per ``(name, estimator)``, on ``data[name]``; BLAS pinned."""
    return [
        Contender(
            name,
            quietly(lambda est=est, X=data[name][0], y=data[name][1]: est.fit(X, y)),
            PINNED_BLAS_THREADS,
        )
        for name, est in estimators.items()
    ]


def held_out_accuracy(estimators, X_test, y_test, dtypes=None):
    """``{name: accuracy}`` of fitted estimators on the held-out rows (in ``dtypes[name]``)."""
    dtypes = dtypes or {}
    return {
        name: float(est.score(X_test.astype(dtypes.get(name, np.float64)), y_test))
        for name, est in estimators.items()
    }


def measure_adam(cfg, selected):
    """Workloads 6 and 8: whole adam fits, batch 200, float64 and float32, interleaved.

    float64 is always timed (workload 8's speed-up needs it); float32 when 8 is selected.
    """
    X, y, X_test, y_test = adam_problem(cfg.adam_rows, cfg.adam_test_rows)
    X32 = X.astype(np.float32)
    estimators = {
        f"{who} float64": adam_estimator(who, ADAM_BATCH, cfg.adam_epochs)
        for who in ("ours", "MLP")
    }
    data = {name: (X, y) for name in estimators}
    if 8 in selected:
        for who in ("ours", "MLP"):
            estimators[f"{who} float32"] = adam_estimator(who, ADAM_BATCH, cfg.adam_epochs)
            data[f"{who} float32"] = (X32, y)
    times = time_interleaved(fit_contenders(estimators, data), cfg.repeat_adam, clock=CPU_CLOCK)
    dtypes = {name: np.dtype(name.split()[1]) for name in estimators}
    details = {
        "rows": cfg.adam_rows,
        "test_rows": cfg.adam_test_rows,
        "layer_sizes": [SCALE_FEATURES, *ADAM_HIDDEN, SCALE_CLASSES],
        "batch_size": ADAM_BATCH,
        "blas_threads": PINNED_BLAS_THREADS,
        "times": {name: summarise(t) for name, t in times.items()},
        "test_accuracy": held_out_accuracy(estimators, X_test, y_test, dtypes),
        "n_iter": fitted_iterations(estimators),
    }
    results = {}
    if 6 in selected:
        results[6] = workload_adam64(cfg, times, details)
    if 8 in selected:
        results[8] = workload_adam32(cfg, times, details)
    return results


def bare_step_seconds(batch, layer_sizes, dtype, calls=200, repeat=7):
    """The five matrix products of one mini-batch step, bare, on one BLAS thread (process time).

    Forward ``A1 @ T1.T`` and ``A2 @ T2.T``; backward the weight gradients
    ``delta.T @ A`` of both layers and the back-propagation ``delta @ T2[:, 1:]``,
    on preallocated C-contiguous arrays; the minimum over ``repeat`` runs of
    ``calls`` steps, divided by ``calls``.
    """
    rng = np.random.default_rng(SEED)
    s1, s2, s3 = layer_sizes
    A1, A2 = rng.random((batch, s1 + 1)).astype(dtype), rng.random((batch, s2 + 1)).astype(dtype)
    T1, T2 = rng.random((s2, s1 + 1)).astype(dtype), rng.random((s3, s2 + 1)).astype(dtype)
    Z1, Z2 = np.empty((batch, s2), dtype), np.empty((batch, s3), dtype)
    G1, G2, D1 = np.empty_like(T1), np.empty_like(T2), np.empty((batch, s2), dtype)

    def step():
        np.matmul(A1, T1.T, out=Z1)
        np.matmul(A2, T2.T, out=Z2)
        np.matmul(Z2.T, A2, out=G2)
        np.matmul(Z2, T2[:, 1:], out=D1)
        np.matmul(D1.T, A1, out=G1)

    best = math.inf
    with CONTROLLER.limit(limits=PINNED_BLAS_THREADS, user_api="blas"):
        for _ in range(repeat):
            start = CPU_CLOCK()
            for _ in range(calls):
                step()
            best = min(best, (CPU_CLOCK() - start) / calls)
    return best


def iterations_note(n_iter, expected, result):
    """``"n_iter_: ..."``, with a warning note if any differs from ``expected``."""
    if set(n_iter.values()) != {expected}:
        result.notes.append(f"WARNING: n_iter_ differ from {expected}: {n_iter}")
    return "n_iter_: " + ", ".join(f"{name} {n}" for name, n in n_iter.items())


def workload_adam64(cfg, times, details):
    """Workload 6's result: float64 fit times and test accuracy."""
    result = Result(details=dict(details))
    ratio = ratios(times, "ours float64", "MLP float64")
    accuracy = details["test_accuracy"]
    acc = {who: accuracy[f"{who} float64"] for who in ("ours", "MLP")}
    result.details["ratio"] = ratio
    steps = cfg.adam_epochs * -(-cfg.adam_rows // ADAM_BATCH)
    step = {who: min(times[f"{who} float64"]) / steps for who in ("ours", "MLP")}
    bare = bare_step_seconds(ADAM_BATCH, details["layer_sizes"], np.float64)
    result.details.update(step_seconds=step, bare_step_seconds=bare)
    result.rows += [
        Row(
            f"6 {adam_label(cfg, ADAM_BATCH)}: fit",
            seconds(min(times["ours float64"])),
            seconds(min(times["MLP float64"])),
            ratio["min"],
            target="<= 0.6",
            met=ratio["min"] <= 0.6,
        ),
        Row(
            "6 one step (fit time / steps) against its bare matrix products",
            f"{step['ours'] * 1e6:.0f} us",
            f"{step['MLP'] * 1e6:.0f} us",
            step["ours"] / step["MLP"],
            vs_bare=step["ours"] / bare,
            target="bare <= 1.6",
            met=step["ours"] / bare <= 1.6,
        ),
        Row(
            f"6 test accuracy on {cfg.adam_test_rows:,} held-out rows",
            f"{acc['ours']:.4f}",
            f"{acc['MLP']:.4f}",
            acc["ours"] / acc["MLP"],
            target=">= MLP - 0.005",
            met=acc["ours"] >= acc["MLP"] - 0.005,
        ),
    ]
    n_iter = {name: n for name, n in details["n_iter"].items() if name.endswith("float64")}
    result.notes += [
        f"ours learning_rate={ADAM_LEARNING_RATE:g}, MLP learning_rate_init="
        f"{ADAM_LEARNING_RATE:g}; tol=0 on both, MLP n_iter_no_change={cfg.adam_epochs + 1}",
        iterations_note(n_iter, cfg.adam_epochs, result),
        spread_note(ratio),
        f"one step: the fit time over its {steps:,} steps (epoch bookkeeping included); the "
        f"bare products of a step (5 products, batch {ADAM_BATCH}): {bare * 1e6:.0f} us",
    ]
    return result


def workload_adam32(cfg, times, details):
    """Workload 8's result: the float32 speed-up of whole adam fits."""
    result = Result(details=dict(details))
    speedup = {
        who: min(times[f"{who} float64"]) / min(times[f"{who} float32"]) for who in ("ours", "MLP")
    }
    speedup_median = {
        who: statistics.median(times[f"{who} float64"]) / statistics.median(times[f"{who} float32"])
        for who in ("ours", "MLP")
    }
    ratio = ratios(times, "ours float32", "MLP float32")
    result.details.update(
        ratio=ratio, speedup_float32=speedup, speedup_float32_median=speedup_median
    )
    result.rows += [
        Row(
            "8 workload 6 in float32: fit",
            seconds(min(times["ours float32"])),
            seconds(min(times["MLP float32"])),
            ratio["min"],
        ),
        Row(
            "8 float32 speed-up of the fit (float64 time / float32 time)",
            f"{speedup['ours']:.2f}x",
            f"{speedup['MLP']:.2f}x",
            target="ours >= 1.7x",
            met=speedup["ours"] >= 1.7,
        ),
    ]
    accuracy = details["test_accuracy"]
    n_iter = {name: n for name, n in details["n_iter"].items() if name.endswith("float32")}
    result.notes += [
        f"float32 speed-up from the medians: ours {speedup_median['ours']:.2f}x, MLP "
        f"{speedup_median['MLP']:.2f}x",
        spread_note(ratio, "ours/MLP in float32"),
        f"float32 test accuracy: ours {accuracy['ours float32']:.4f}, MLP "
        f"{accuracy['MLP float32']:.4f}",
        iterations_note(n_iter, cfg.adam_epochs, result),
    ]
    return result


def workload_adam_small_batch(cfg):
    """Workload 7: workload 6 with batches of 32 rows, where per-batch overhead dominates."""
    X, y, X_test, y_test = adam_problem(cfg.adam_rows, cfg.adam_test_rows)
    estimators = {
        who: adam_estimator(who, ADAM_SMALL_BATCH, cfg.adam_epochs) for who in ("ours", "MLP")
    }
    data = {name: (X, y) for name in estimators}
    times = time_interleaved(
        fit_contenders(estimators, data), cfg.repeat_adam_small, clock=CPU_CLOCK
    )
    ratio = ratios(times, "ours", "MLP")
    accuracy = held_out_accuracy(estimators, X_test, y_test)
    result = Result(
        details={
            "rows": cfg.adam_rows,
            "batch_size": ADAM_SMALL_BATCH,
            "blas_threads": PINNED_BLAS_THREADS,
            "times": {name: summarise(t) for name, t in times.items()},
            "ratio": ratio,
            "test_accuracy": accuracy,
        }
    )
    n_iter = check_same_iterations(fitted_iterations(estimators), cfg.adam_epochs, result)
    batches = cfg.adam_epochs * -(-cfg.adam_rows // ADAM_SMALL_BATCH)
    result.rows.append(
        Row(
            f"7 {adam_label(cfg, ADAM_SMALL_BATCH)}: fit",
            seconds(min(times["ours"])),
            seconds(min(times["MLP"])),
            ratio["min"],
            target="<= 0.6",
            met=ratio["min"] <= 0.6,
        )
    )
    result.notes += [
        f"{batches:,} steps per fit: {min(times['ours']) / batches * 1e6:.0f} us per step ours, "
        f"{min(times['MLP']) / batches * 1e6:.0f} us MLP",
        f"n_iter_: ours {n_iter['ours']}, MLP {n_iter['MLP']}; test accuracy: ours "
        f"{accuracy['ours']:.4f}, MLP {accuracy['MLP']:.4f}",
        spread_note(ratio),
    ]
    return result


def adam_fit_peak_memory(who, rows, batch_size, max_iter):
    """Workload 9, in a fresh process: the memory a workload-6 fit adds, BLAS pinned."""
    X, y, _, _ = adam_problem(rows, 0)
    estimator = adam_estimator(who, batch_size, max_iter)
    with threadpoolctl.threadpool_limits(limits=PINNED_BLAS_THREADS, user_api="blas"):
        return fit_memory_report(estimator, X, y)


def workload_adam_memory(cfg):
    """Workload 9: peak memory of a workload-6 fit, each side in a fresh process."""
    reports = {
        who: in_fresh_process(adam_fit_peak_memory, who, cfg.adam_rows, ADAM_BATCH, cfg.adam_epochs)
        for who in ("ours", "MLP")
    }
    result = Result(details=reports)
    check_same_iterations({who: r["n_iter"] for who, r in reports.items()}, cfg.adam_epochs, result)
    label = f"9 peak memory of a workload-6 fit, {cfg.adam_rows:,}x100 float64"
    for key, name, target in (
        ("tracemalloc_peak", "tracemalloc", "<= 0.6"),
        ("rss_growth", "RSS growth", ""),
    ):
        # A fit that allocates little can leave the peak RSS where the data's
        # creation put it: a growth of 0, and no ratio.
        ours, theirs = reports["ours"][key], reports["MLP"][key]
        ratio = ours / theirs if theirs > 0 else None
        result.rows.append(
            Row(
                f"{label} ({name})",
                f"{ours / 2**20:.1f} MiB",
                f"{theirs / 2**20:.1f} MiB",
                ratio,
                target=target,
                met=(ratio is not None and ratio <= 0.6) if target else None,
            )
        )
    result.notes += [
        f"adam, batch {ADAM_BATCH}, {cfg.adam_epochs} epochs; memory beyond the data "
        f"({mib(reports['ours']['data_bytes'])}), target checked on the tracemalloc peak; BLAS "
        f"pinned to {PINNED_BLAS_THREADS} thread in both fresh processes",
        "RSS growth is over the peak RSS after the data were created (including the "
        "temporaries of their creation), so a fit smaller than those temporaries shows 0",
        f"n_iter_: ours {reports['ours']['n_iter']}, MLP {reports['MLP']['n_iter']}; fit times "
        f"(under tracemalloc): ours {seconds(reports['ours']['fit_seconds'])}, MLP "
        f"{seconds(reports['MLP']['fit_seconds'])}",
    ]
    return result


# -- workload 11: sparse rows ------------------------------------------------------------

SPARSE_FEATURES = 50_000
SPARSE_VALUES_PER_ROW = 20
SPARSE_CLASSES = 5
SPARSE_HIDDEN = (64,)
SPARSE_EPOCHS = 2
SPARSE_TEST_ROWS = 20_000


def sparse_problem(train_rows, test_rows):
    """CSR rows of 50,000 features with 20 standard-normal values each, 5 classes.

    The columns of a row are drawn uniformly (duplicates, rare, are summed:
    at most 20 values a row); ``y = argmax(X @ W + noise)`` with ``W``
    (50,000 x 5) and the noise standard normal, seed 0; training rows first.
    """
    from scipy import sparse

    rng = np.random.default_rng(SEED)
    W = rng.standard_normal((SPARSE_FEATURES, SPARSE_CLASSES))

    def draw(m):
        nnz = m * SPARSE_VALUES_PER_ROW
        X = sparse.csr_matrix(
            (
                rng.standard_normal(nnz),
                rng.integers(0, SPARSE_FEATURES, nnz),
                np.arange(0, nnz + 1, SPARSE_VALUES_PER_ROW),
            ),
            shape=(m, SPARSE_FEATURES),
        )
        X.sum_duplicates()
        return X, np.argmax(X @ W + rng.standard_normal((m, SPARSE_CLASSES)), axis=1)

    return (*draw(train_rows), *draw(test_rows))


def sparse_estimator(who, max_iter=SPARSE_EPOCHS):
    """64 relu units, adam, batch 200, L2 1e-4 on both sides; ours on raw features.

    ``standardize=False``: MLPClassifier fits the raw features, and so do we
    (with standardize=True, sparse rows keep their values: a batch's values
    are divided by their scale and the centring enters through the bias).
    """
    if who == "ours":
        return BackpropClassifier(
            hidden_layer_sizes=SPARSE_HIDDEN,
            activation="relu",
            output_activation=OUTPUT,
            solver="adam",
            batch_size=ADAM_BATCH,
            max_iter=max_iter,
            tol=0,
            learning_rate=ADAM_LEARNING_RATE,
            reg_lambda=REG,
            standardize=False,
            random_state=SEED,
        )
    return MLPClassifier(
        hidden_layer_sizes=SPARSE_HIDDEN,
        activation="relu",
        solver="adam",
        batch_size=ADAM_BATCH,
        max_iter=max_iter,
        tol=0,
        n_iter_no_change=max_iter + 1,
        learning_rate_init=ADAM_LEARNING_RATE,
        alpha=REG,
        random_state=SEED,
    )


def sparse_fit_peak_memory(who, rows):
    """Workload 11, in a fresh process: the memory a fit adds, BLAS pinned."""
    X, y, _, _ = sparse_problem(rows, 0)
    with threadpoolctl.threadpool_limits(limits=PINNED_BLAS_THREADS, user_api="blas"):
        return fit_memory_report(sparse_estimator(who), X, y)


def workload_sparse(cfg):
    """Workload 11: adam on sparse rows, time (interleaved, no warm-up) and peak memory."""
    X, y, X_test, y_test = sparse_problem(cfg.sparse_rows, SPARSE_TEST_ROWS)
    estimators = {who: sparse_estimator(who) for who in ("ours", "MLP")}
    data = {name: (X, y) for name in estimators}
    times = time_interleaved(
        fit_contenders(estimators, data), cfg.repeat_sparse, warmup=0, clock=CPU_CLOCK
    )
    ratio = ratios(times, "ours", "MLP")
    accuracy = held_out_accuracy(estimators, X_test, y_test)
    memory = {
        who: in_fresh_process(sparse_fit_peak_memory, who, cfg.sparse_rows)
        for who in ("ours", "MLP")
    }
    result = Result(
        details={
            "rows": cfg.sparse_rows,
            "features": SPARSE_FEATURES,
            "values_per_row": SPARSE_VALUES_PER_ROW,
            "layer_sizes": [SPARSE_FEATURES, *SPARSE_HIDDEN, SPARSE_CLASSES],
            "batch_size": ADAM_BATCH,
            "blas_threads": PINNED_BLAS_THREADS,
            "times": {name: summarise(t) for name, t in times.items()},
            "ratio": ratio,
            "test_accuracy": accuracy,
            "memory": memory,
        }
    )
    n_iter = check_same_iterations(fitted_iterations(estimators), SPARSE_EPOCHS, result)
    steps = SPARSE_EPOCHS * -(-cfg.sparse_rows // ADAM_BATCH)
    label = (
        f"11 sparse {cfg.sparse_rows:,}x{SPARSE_FEATURES:,} CSR, {SPARSE_VALUES_PER_ROW} values a "
        f"row, 64 relu, adam batch {ADAM_BATCH}, {SPARSE_EPOCHS} epochs"
    )
    peak = {who: memory[who]["tracemalloc_peak"] for who in ("ours", "MLP")}
    result.rows += [
        Row(
            f"{label}: fit",
            seconds(min(times["ours"])),
            seconds(min(times["MLP"])),
            ratio["min"],
            target="<= 0.6",
            met=ratio["min"] <= 0.6,
        ),
        Row(
            "11 test accuracy on 20,000 held-out rows",
            f"{accuracy['ours']:.4f}",
            f"{accuracy['MLP']:.4f}",
            accuracy["ours"] / accuracy["MLP"],
            target=">= MLP - 0.005",
            met=accuracy["ours"] >= accuracy["MLP"] - 0.005,
        ),
        Row(
            "11 peak memory of the fit (tracemalloc)",
            mib(peak["ours"]),
            mib(peak["MLP"]),
            peak["ours"] / peak["MLP"],
            target="<= 0.8",
            met=peak["ours"] / peak["MLP"] <= 0.8,
        ),
    ]
    result.notes += [
        f"{steps:,} steps per fit: {min(times['ours']) / steps * 1e3:.1f} ms per step ours, "
        f"{min(times['MLP']) / steps * 1e3:.1f} ms MLP; {cfg.repeat_sparse} interleaved fits each, "
        "no warm-up fit",
        f"ours standardize=False (MLP fits the raw features too), reg_lambda={REG:g} = alpha; "
        f"n_iter_: ours {n_iter['ours']}, MLP {n_iter['MLP']}",
        spread_note(ratio),
        f"memory in fresh processes, beyond the data ({mib(memory['ours']['data_bytes'])}); "
        f"RSS growth: ours {mib(memory['ours']['rss_growth'])}, MLP "
        f"{mib(memory['MLP']['rss_growth'])}",
    ]
    return result


# -- workload 12: a million rows ------------------------------------------------------------

TALL_FEATURES = 50
TALL_HIDDEN = (64,)
TALL_CLASSES = 5


TALL_TEST_ROWS = 50_000


def tall_problem(rows):
    """``rows`` x 50 standard-normal features, 5 classes, ``y = argmax(X @ W + noise)``, seed 0.

    50,000 held-out rows drawn the same way follow the training rows:
    returns ``X, y, X_test, y_test``.
    """
    rng = np.random.default_rng(SEED)
    W = rng.standard_normal((TALL_FEATURES, TALL_CLASSES))
    X = rng.standard_normal((rows + TALL_TEST_ROWS, TALL_FEATURES))
    y = np.argmax(X @ W + rng.standard_normal((len(X), TALL_CLASSES)), axis=1)
    return X[:rows], y[:rows], X[rows:], y[rows:]


def standardization_seconds(X):
    """Process time of what ``standardize=True`` does before a dense mini-batch fit.

    The moments, and the scan for the columns whose standardisation falls back
    (``StandardizedRows``); the batches are then standardised as they are gathered.
    """
    from skbackprop import _standardize  # private: the benchmark reports this part alone

    start = CPU_CLOCK()
    _standardize.StandardizedRows(X, *_standardize.moments(X))
    return CPU_CLOCK() - start


def tall_estimator(who):
    """Workload 6's settings with 64 hidden units and one epoch."""
    est = adam_estimator(who, ADAM_BATCH, 1)
    est.set_params(hidden_layer_sizes=TALL_HIDDEN)
    if who == "MLP":
        est.set_params(n_iter_no_change=2)
    return est


def workload_tall(cfg):
    """Workload 12: one adam epoch on 1,000,000 rows, and the time per row against 100,000."""
    big, small = cfg.tall_rows
    X, y, X_test, y_test = tall_problem(big)
    data, estimators = {}, {}
    for rows in (big, small):
        for who in ("ours", "MLP"):
            name = f"{who} {rows}"
            estimators[name] = tall_estimator(who)
            data[name] = (X[:rows], y[:rows])
    times = time_interleaved(fit_contenders(estimators, data), cfg.repeat_tall, clock=CPU_CLOCK)
    ratio = ratios(times, f"ours {big}", f"MLP {big}")
    per_row = {name: min(t) / int(name.split()[1]) for name, t in times.items()}
    growth = {who: per_row[f"{who} {big}"] / per_row[f"{who} {small}"] for who in ("ours", "MLP")}
    accuracy = held_out_accuracy(
        {who: estimators[f"{who} {big}"] for who in ("ours", "MLP")}, X_test, y_test
    )
    with CONTROLLER.limit(limits=PINNED_BLAS_THREADS, user_api="blas"):
        standardization = standardization_seconds(X)
    result = Result(
        details={
            "rows": [big, small],
            "layer_sizes": [TALL_FEATURES, *TALL_HIDDEN, TALL_CLASSES],
            "batch_size": ADAM_BATCH,
            "blas_threads": PINNED_BLAS_THREADS,
            "times": {name: summarise(t) for name, t in times.items()},
            "ratio": ratio,
            "per_row_growth": growth,
            "test_accuracy": accuracy,
            "standardization_seconds": standardization,
        }
    )
    n_iter = check_same_iterations(fitted_iterations(estimators), 1, result)
    result.rows += [
        Row(
            f"12 {big:,}x{TALL_FEATURES}, 50-64-5 relu, adam batch {ADAM_BATCH}, 1 epoch: fit",
            seconds(min(times[f"ours {big}"])),
            seconds(min(times[f"MLP {big}"])),
            ratio["min"],
            target="<= 0.55",
            met=ratio["min"] <= 0.55,
        ),
        Row(
            f"12 test accuracy on {TALL_TEST_ROWS:,} held-out rows",
            f"{accuracy['ours']:.4f}",
            f"{accuracy['MLP']:.4f}",
            accuracy["ours"] / accuracy["MLP"],
            target=">= MLP - 0.005",
            met=accuracy["ours"] >= accuracy["MLP"] - 0.005,
        ),
        Row(
            f"12 time per row at {big:,} rows / at {small:,}",
            f"{growth['ours']:.2f}x",
            f"{growth['MLP']:.2f}x",
            target="ours <= 1.10x",
            met=growth["ours"] <= 1.10,
        ),
    ]
    result.notes += [
        f"at {small:,} rows: ours {seconds(min(times[f'ours {small}']))}, MLP "
        f"{seconds(min(times[f'MLP {small}']))} (ours/MLP "
        f"{min(times[f'ours {small}']) / min(times[f'MLP {small}']):.2f})",
        spread_note(ratio),
        "n_iter_: " + ", ".join(f"{name} {n}" for name, n in n_iter.items()),
        f"of our fit at {big:,} rows, standardize=True (the default; MLP fits the raw "
        f"features) takes {seconds(standardization)} before the steps: the moments "
        "(StandardScaler's) and the scan for columns near the float limit; each batch is "
        "standardised as it is gathered",
    ]
    return result


# -- workload 10: time to 0.97 test accuracy on digits ------------------------------------


@dataclass
class Runner:
    """One side of a workload-10 line: how to build the estimator for a budget of k iterations."""

    name: str
    settings: str
    make: object  # make(k) -> an unfitted estimator with max_iter=k


def ours_runner(solver, learning_rate="auto"):
    """Our classifier with one hidden layer of 25 (our default activation), softmax output."""
    kwargs = {} if learning_rate == "auto" else {"learning_rate": learning_rate}
    stepped = solver in ("gd", "sgd", "adam")
    return Runner(
        f"ours {solver}" + (f" lr {learning_rate:g}" if kwargs else ""),
        f"learning_rate={learning_rate}" if stepped else "",
        lambda k: BackpropClassifier(
            hidden_layer_sizes=(25,),
            output_activation=OUTPUT,
            solver=solver,
            max_iter=k,
            tol=0,
            n_iter_no_change=k + 1,  # sgd, adam: never stop on the epoch loss
            random_state=SEED,
            **kwargs,
        ),
    )


def mlp_runner(solver, learning_rate_init=None):
    """MLPClassifier with one hidden layer of 25 (its default activation, relu)."""
    kwargs = {} if learning_rate_init is None else {"learning_rate_init": learning_rate_init}
    stepped = solver != "lbfgs"
    shown = "0.001 (default)" if learning_rate_init is None else f"{learning_rate_init:g}"
    return Runner(
        f"MLP {solver}" + (f" lr {shown.split()[0]}" if stepped else ""),
        f"learning_rate_init={shown}" if stepped else "",
        lambda k: MLPClassifier(
            hidden_layer_sizes=(25,),
            solver=solver,
            max_iter=k,
            tol=0,
            n_iter_no_change=k + 1,  # never stop early
            random_state=SEED,
            **kwargs,
        ),
    )


def time_to_accuracy_lines():
    """``(label, ours Runner or None, MLP Runner or None)`` for each line of workload 10.

    Ours: learning_rate "auto" for gd, 1e-2 for sgd and adam (their "auto",
    1e-3, is also run, next to MLPClassifier's default 1e-3). MLPClassifier:
    its defaults, and for sgd and adam also learning_rate_init=1e-2.
    """
    return [
        ("gd", ours_runner("gd"), None),
        ("sgd, lr 1e-2", ours_runner("sgd", 1e-2), mlp_runner("sgd", 1e-2)),
        ("sgd, lr 1e-3", ours_runner("sgd", 1e-3), mlp_runner("sgd")),
        ("adam, lr 1e-2", ours_runner("adam", 1e-2), mlp_runner("adam", 1e-2)),
        ("adam, lr 1e-3", ours_runner("adam", 1e-3), mlp_runner("adam")),
        ("L-BFGS-B / lbfgs", ours_runner("L-BFGS-B"), mlp_runner("lbfgs")),
        ("CG", ours_runner("CG"), None),
        ("BFGS", ours_runner("BFGS"), None),
        ("TNC", ours_runner("TNC"), None),
    ]


def default_settings():
    """The defaults that workload 10 relies on: hidden activations, gd's "auto" step, penalty."""
    ours, mlp = BackpropClassifier().get_params(), MLPClassifier().get_params()
    # Private: skbackprop's table of "auto" learning rates (None if it moves).
    auto = getattr(sys.modules[BackpropClassifier.__module__], "DEFAULT_LEARNING_RATES", {})
    return {
        "ours": {key: ours[key] for key in ("activation", "reg_lambda", "learning_rate")},
        "MLP": {key: mlp[key] for key in ("activation", "alpha", "learning_rate_init")},
        "gd_auto": auto.get("gd"),
    }


def iteration_budgets(max_iter):
    """Budgets k = 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, ... (R10 series) up to ``max_iter``."""
    budgets = {max(1, round(r * 10**d)) for d in range(7) for r in R10}
    return sorted(k for k in budgets if k <= max_iter)


def search_budget(runner, data, cfg):
    """Fit with max_iter = k for growing k until the test accuracy reaches TTA_ACCURACY.

    Gives up when the fits so far took more than ``cfg.tta_search_seconds``, or
    when a fit stopped before its budget (a larger budget gives the same fit).

    Returns
    -------
    search : dict
        ``k`` (None if not reached), ``tried`` (k, n_iter_, accuracy, seconds) per
        fit, and ``why`` when not reached.
    """
    X, y, X_test, y_test = data
    tried, spent = [], 0.0
    for k in iteration_budgets(cfg.tta_max_iter):
        estimator = runner.make(k)
        start = time.perf_counter()
        quietly(estimator.fit)(X, y)
        elapsed = time.perf_counter() - start
        spent += elapsed
        accuracy = float(estimator.score(X_test, y_test))
        tried.append(
            {"k": k, "n_iter": int(estimator.n_iter_), "accuracy": accuracy, "seconds": elapsed}
        )
        if accuracy >= TTA_ACCURACY:
            return {"k": k, "tried": tried}
        if estimator.n_iter_ < k:
            why = f"the fit stopped at {estimator.n_iter_} iterations"
            return {"k": None, "tried": tried, "why": why}
        if spent > cfg.tta_search_seconds:
            why = f"search stopped after {spent:.0f} s of fits"
            return {"k": None, "tried": tried, "why": why}
    return {"k": None, "tried": tried, "why": f"max_iter {cfg.tta_max_iter} tried"}


def tta_cells(search, times, name):
    """``(iterations, time)`` cells of one side of a workload-10 line."""
    if search is None:
        return "", "n/a"
    if search["k"] is None:
        best = max(t["accuracy"] for t in search["tried"])
        return f"not reached within {search['tried'][-1]['n_iter']}", f"(best {best:.3f})"
    return str(search["k"]), seconds(min(times[name]))


def workload_time_to_accuracy(cfg):
    """Workload 10: the time of the shortest fit that reaches 0.97 test accuracy on digits."""
    X_raw, y = load_digits(return_X_y=True)
    X, X_test, y, y_test = train_test_split(X_raw, y, test_size=0.25, random_state=SEED, stratify=y)
    scaler = StandardScaler().fit(X)
    data = (scaler.transform(X), y, scaler.transform(X_test), y_test)
    lines = time_to_accuracy_lines()
    runners = [r for _, *pair in lines for r in pair if r is not None]
    searches = {}
    with CONTROLLER.limit(limits=PINNED_BLAS_THREADS, user_api="blas"):
        for runner in runners:
            searches[runner.name] = search_budget(runner, data, cfg)
    reached = {r.name: r.make(searches[r.name]["k"]) for r in runners if searches[r.name]["k"]}
    fit_data = {name: data[:2] for name in reached}
    times = time_interleaved(fit_contenders(reached, fit_data), cfg.repeat_tta) if reached else {}
    # The timed fits are deterministic: check that they reach the accuracy too.
    accuracy = held_out_accuracy(reached, data[2], data[3])
    defaults = default_settings()
    result = Result(
        details={
            "defaults": defaults,
            "accuracy_target": TTA_ACCURACY,
            "train_rows": len(data[1]),
            "test_rows": len(data[3]),
            "blas_threads": PINNED_BLAS_THREADS,
            "settings": {r.name: r.settings for r in runners},
            "searches": searches,
            "times": {name: summarise(t) for name, t in times.items()},
            "test_accuracy_of_timed_fits": accuracy,
        }
    )
    cells, table = [], []
    for label, *pair in lines:
        names = [runner.name if runner else None for runner in pair]
        sides = [tta_cells(searches.get(name), times, name) for name in names]
        both = all(name in times for name in names)
        ratio = min(times[names[0]]) / min(times[names[1]]) if both else None
        cells.append([label, *sides[0], *sides[1], format_ratio(ratio)])
        table.append({"line": label, "ours": names[0], "MLP": names[1], "ratio": ratio})
    result.details["lines"] = table
    header = [
        "solver",
        "ours: iterations",
        "ours: time",
        "MLP: iterations",
        "MLP: time",
        "ours/MLP",
    ]
    result.extra_table = (
        f"Workload 10: time to {TTA_ACCURACY} test accuracy on digits "
        f"({len(data[1])} train / {len(data[3])} test rows), min of {cfg.repeat_tta} timed "
        f"fit{'s' if cfg.repeat_tta > 1 else ''}\n\n" + markdown_table(header, cells)
    )
    failed = {name: acc for name, acc in accuracy.items() if acc < TTA_ACCURACY}
    if failed:
        result.notes.append(f"WARNING: timed fits below {TTA_ACCURACY}: {failed}")
    result.notes += [
        f"ours: hidden (25,) {defaults['ours']['activation']} (our default), softmax output, gd "
        f"learning_rate='auto' = {defaults['gd_auto']}; MLP: hidden (25,) "
        f"{defaults['MLP']['activation']} (its default); tol=0 and n_iter_no_change=max_iter+1 "
        f"on both; reg_lambda {defaults['ours']['reg_lambda']:g}, alpha "
        f"{defaults['MLP']['alpha']:g}",
        f"{TTA_ACCURACY} is {math.ceil(TTA_ACCURACY * len(data[3]))} of the {len(data[3])} test "
        f"rows; one row is {1 / len(data[3]):.4f} of accuracy",
        "iterations: the smallest max_iter k = "
        + ", ".join(map(str, iteration_budgets(50)))
        + f", ... (R10 series, up to {cfg.tta_max_iter}) whose fit reaches {TTA_ACCURACY} "
        "test accuracy (epochs for sgd and adam); the time is that fit's",
    ]
    for runner in runners:
        search = searches[runner.name]
        if search["k"] is None:
            last = search["tried"][-1]
            result.notes.append(
                f"{runner.name}: not reached ({search['why']}); the last fit, "
                f"{last['n_iter']} iterations, took {seconds(last['seconds'])} "
                f"({last['seconds'] / max(last['n_iter'], 1) * 1e3:.3g} ms per iteration)"
            )
    return result


# -- report -----------------------------------------------------------------------------


def git_state():
    """Commit of the repository and whether skbackprop/ has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        return {
            "commit": git("rev-parse", "--short", "HEAD"),
            "skbackprop_modified": bool(git("status", "--porcelain", "--", "skbackprop")),
        }
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "skbackprop_modified": None}


def machine_info():
    """CPU, core count, library versions and BLAS of this machine."""
    cpu, flags = platform.processor(), ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                cpu = value.strip()
            elif key.strip() == "flags":
                flags = value.split()
    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        | {"library": Path(info["filepath"]).name}
        for info in threadpoolctl.threadpool_info()
        if info["user_api"] == "blas"
    ]
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "avx2": "avx2" in flags,
        "avx512f": "avx512f" in flags,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "threadpoolctl": threadpoolctl.__version__,
        "skbackprop": skbackprop.__version__,
        "git": git_state(),
        "blas": blas,
        "load_average_at_start": os.getloadavg(),
    }


def format_ratio(value):
    """A ratio for the table (empty for None)."""
    return "" if value is None else f"{value:.2f}"


def format_met(met):
    """``"yes"``, ``"NO"``, or empty where there is no target."""
    return "" if met is None else ("yes" if met else "NO")


def markdown_table(header, cells):
    """A Markdown table with aligned columns: a header and rows of strings."""
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

    def line(values):
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(c) for c in cells)])


def format_table(rows):
    """The rows as a Markdown table with aligned columns."""
    header = [
        "workload",
        "ours",
        "MLPClassifier",
        "ours/MLP",
        "GFLOP/s ours / MLP / bare",
        "ours/bare",
        "target",
        "met?",
    ]
    cells = [
        [
            r.workload,
            r.ours,
            r.peer,
            format_ratio(r.ratio),
            r.gflops,
            format_ratio(r.vs_bare),
            r.target,
            format_met(r.met),
        ]
        for r in rows
    ]
    return markdown_table(header, cells)


def format_machine(info):
    """The header of the report: machine, versions, BLAS, load."""
    git = info["git"]
    modified = " + uncommitted changes in skbackprop/" if git["skbackprop_modified"] else ""
    blas = "; ".join(
        f"{b['library']} ({b['internal_api']} {b['version']}, {b['architecture']}, "
        f"{b['num_threads']} threads by default)"
        for b in info["blas"]
    )
    return (
        f"Machine: {info['cpu']}, {info['usable_cpus']} usable CPUs, "
        f"AVX2 {info['avx2']}, AVX-512 {info['avx512f']}\n"
        f"Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
        f"scikit-learn {info['scikit-learn']}, threadpoolctl {info['threadpoolctl']}, "
        f"skbackprop {info['skbackprop']} (commit {git['commit']}{modified})\n"
        f"BLAS: {blas}\n"
        f"Load average (1, 5, 15 min) at start: {format_load(info['load_average_at_start'])}, "
        f"at end: {format_load(info['load_average_at_end'])}"
    )


def format_load(load):
    """Load averages as ``"1.00 0.50 0.25"``."""
    return " ".join(f"{x:.2f}" for x in load)


def format_notes(results):
    """The notes under the table, one bullet per line."""
    lines = [
        f"Workloads 1-2: BLAS pinned to {SMALL_BLAS_THREADS} thread for both (threadpoolctl); "
        "times are whole fits.",
        f"Workloads 6-12: BLAS pinned to {PINNED_BLAS_THREADS} thread for both (threadpoolctl), "
        "which keeps our engine on one thread too (it follows the BLAS limit); times are whole "
        "fits, in process CPU time (6 to 8, 11, 12).",
    ]
    for number, result in results.items():
        lines += [f"Workload {number}: {note}" for note in result.notes]
    return "\n".join(f"- {line}" for line in lines)


# -- main -------------------------------------------------------------------------------


SINGLE_WORKLOADS = {
    1: workload_moons,
    2: workload_digits,
    5: workload_memory,
    7: workload_adam_small_batch,
    9: workload_adam_memory,
    10: workload_time_to_accuracy,
    11: workload_sparse,
    12: workload_tall,
}
# Workloads measured together: 3 and 4 share their float64 timings, 6 and 8 too.
SHARED_WORKLOADS = {3: measure_scale, 4: measure_scale, 6: measure_adam, 8: measure_adam}
ALL_WORKLOADS = set(SINGLE_WORKLOADS) | set(SHARED_WORKLOADS)


def run_selected(cfg, selected):
    """Run the selected workloads; returns ``{number: Result}`` in workload order."""
    results = {}
    for number in sorted(selected):
        if number in results:
            continue
        print(f"running workload {number} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        if number in SHARED_WORKLOADS:
            results.update(SHARED_WORKLOADS[number](cfg, selected))
        else:
            results[number] = SINGLE_WORKLOADS[number](cfg)
        print(f"  done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return dict(sorted(results.items()))


def parse_args(argv=None):
    """Parse the command line: ``--quick``, ``--json PATH``, ``--only N[,N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    parser.add_argument(
        "--only",
        type=lambda text: {int(part) for part in text.split(",")},
        default=ALL_WORKLOADS,
        help="comma-separated workload numbers, e.g. 1,3",
    )
    args = parser.parse_args(argv)
    if not args.only <= ALL_WORKLOADS:
        parser.error(f"--only takes workload numbers from 1 to {max(ALL_WORKLOADS)}")
    return args


def main(argv=None):
    """Run the selected workloads, print the report and write the JSON file."""
    args = parse_args(argv)
    cfg = QUICK if args.quick else FULL
    info = machine_info()
    start = time.perf_counter()
    results = run_selected(cfg, args.only)
    elapsed = time.perf_counter() - start
    info["load_average_at_end"] = os.getloadavg()
    table = format_table([row for result in results.values() for row in result.rows])
    print(format_machine(info))
    print(f"Mode: {'quick' if args.quick else 'full'}; ratios are ours/theirs of min times.\n")
    print(table)
    print()
    extra_tables = [result.extra_table for result in results.values() if result.extra_table]
    for extra in extra_tables:
        print(extra)
        print()
    print(format_notes(results))
    print(f"\nTotal {elapsed:.0f} s; JSON written to {args.json}")
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "mode": "quick" if args.quick else "full",
        "config": asdict(cfg),
        "machine": info,
        "elapsed_seconds": elapsed,
        "table": table,
        "extra_tables": extra_tables,
        "workloads": {str(n): asdict(result) for n, result in results.items()},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
