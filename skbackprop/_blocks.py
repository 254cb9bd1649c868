"""Row blocks, work buffers, threads and the BLAS limit: one policy, in one place.

The network loss walks its rows in blocks small enough to keep a block's
activations in the L2 cache, in buffers allocated once. Large problems split
their rows into a fixed number of *parts* that depends on the problem's size
alone, never on the machine: each part is summed block by block, and the parts
are added in order, so a result is bit for bit the same whether the parts run
on one thread or on several. Threads only decide how the parts are scheduled.
"""

import ctypes
import itertools
import math
import os
import threading
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
from threadpoolctl import ThreadpoolController

from ._params import shapes

# A block of rows holds about this many activations (512 KiB in float64): small
# enough to stay in the L2 cache, while narrow networks get few, long blocks.
BLOCK_ELEMENTS = 65536
# ... but never fewer rows than this, for efficient matrix products.
MIN_BLOCK_ROWS = 256
# The input block, a copy of rows of X, may hold this many (2 MiB in float64):
# one block covers small data sets such as digits (1797 x 65), whose X is then
# copied in only once.
INPUT_BLOCK_ELEMENTS = 4 * BLOCK_ELEMENTS
# A block of sparse input rows is multiplied as one sparse matrix, whose product
# with the first layer's weights costs a pass over those weights: blocks of
# sparse rows are longer, up to this many activations (8 MiB in float64) per layer.
SPARSE_BLOCK_ELEMENTS = 16 * BLOCK_ELEMENTS
# Rows x weights per part below which splitting costs more than it saves.
MIN_WORK_PER_PART = 5_000_000
# Parts of one evaluation at the most: enough for the cores of a workstation.
MAX_PARTS = 8


def block_rows(layer_sizes, n_rows, min_rows=MIN_BLOCK_ROWS, sparse_input=False):
    """Rows per block for a network of these layer sizes."""
    # The elementwise passes run over the hidden and output layers; BLAS reads
    # the input block with its own cache blocking, so it may be wider, but it
    # is a copy of X's rows and must stay small next to X.
    widest = max(s + 1 for s in layer_sizes[1:])
    if sparse_input:  # no dense copy of the input rows is made
        rows = SPARSE_BLOCK_ELEMENTS // widest
    else:
        rows = min(BLOCK_ELEMENTS // widest, INPUT_BLOCK_ELEMENTS // (layer_sizes[0] + 1))
    return max(1, min(n_rows, max(min_rows, rows)))


def n_parts(n_rows, n_params, block):
    """How many parts the rows of one evaluation are split into: a function of its size."""
    n_blocks = max(1, math.ceil(n_rows / block))
    return max(1, min(MAX_PARTS, n_blocks, n_rows * n_params // MIN_WORK_PER_PART))


def part_ranges(n_rows, block, parts):
    """Contiguous, block-aligned row ranges, one per part."""
    n_blocks = max(1, math.ceil(n_rows / block))
    per_part = math.ceil(n_blocks / parts) * block
    return [(s, min(s + per_part, n_rows)) for s in range(0, n_rows, per_part)] or [(0, 0)]


def _openblas_functions(filepath):
    """OpenBLAS's own ``(get, set)`` of its thread count, or None if it has none.

    Builds for NumPy and SciPy rename their symbols (``scipy_`` prefix, ``64_``
    suffix for 64-bit integers), as threadpoolctl knows too.
    """
    try:  # the library already loaded, never a second copy
        lib = ctypes.CDLL(filepath, mode=getattr(os, "RTLD_NOLOAD", ctypes.DEFAULT_MODE))
    except OSError:  # pragma: no cover - replaced on disk since it was loaded
        return None
    for prefix, suffix in itertools.product(("", "scipy_"), ("", "64_", "_64")):
        get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
        set_ = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
        if get is not None and set_ is not None:
            get.restype, get.argtypes = ctypes.c_int, []
            set_.restype, set_.argtypes = None, [ctypes.c_int]
            return get, set_
    return None


@lru_cache(maxsize=1)
def _blas_limits():
    """How to read and set the thread limit of each BLAS library, found once.

    Returns ``(process, thread)``: lists of ``(get, set)`` pairs for the limits
    that hold for the whole process, and for those that hold for the calling
    thread only.

    OpenBLAS with its own threads (pthreads, Windows threads: the builds of NumPy
    and SciPy on PyPI) has one pool for the process, and every call reads one
    global count. Its own functions set it: threadpoolctl (>= 3.8) lets only
    one Python thread change that count, the first to try, until it leaves a
    ``with threadpool_limits()`` block, and silently ignores the others, so a
    fit in a worker thread would run BLAS on every core. OpenBLAS built with
    OpenMP reads the OpenMP limit of the calling thread, which threadpoolctl
    (>= 3.8) sets per thread. Other libraries (MKL, BLIS) go through
    threadpoolctl with one limit for the process.
    """
    process, thread = [], []
    for lib in ThreadpoolController().select(user_api="blas").lib_controllers:
        layer = getattr(lib, "threading_layer", None)
        if lib.internal_api == "openblas" and layer == "openmp":
            thread.append((lib.get_num_threads, lib.set_num_threads))
            continue
        own = _openblas_functions(lib.filepath) if lib.internal_api == "openblas" else None
        process.append(own or (lib.get_num_threads, lib.set_num_threads))
    return process, thread


def thread_budget():
    """Threads the engine may use now: the CPUs it may run on, within BLAS's limit.

    joblib's worker processes and ``threadpoolctl.threadpool_limits`` lower the
    BLAS limit; the engine's own threads follow it, so that ``n_jobs`` workers
    of a grid search do not each start threads of their own on the same cores.
    Read it before :func:`one_blas_thread` lowers the limit for a fit (a fit
    that starts while another holds BLAS at one thread gets one engine thread).
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    process, thread = _blas_limits()
    limits = [get() for get, _ in process + thread]
    return max(1, min([cpus, *(n for n in limits if n is not None)]))


def _lower(limits, lowered):
    """Set each limit above one to one, noting in ``lowered`` what it was."""
    for get, set_ in limits:
        n = get()
        if n is not None and n > 1:
            lowered.append((get, set_, n))
            set_(1)


def _restore(lowered):
    """Put back what :func:`_lower` changed, unless other code changed it since."""
    while lowered:
        get, set_, n = lowered.pop()
        if get() == 1:
            set_(n)


_blas_lock = threading.Lock()
_blas = SimpleNamespace(users=0, lowered=[])


class one_blas_thread:  # lower case: used as a function, ``with one_blas_thread():``
    """Limit BLAS to one thread in the calling thread while the block runs.

    The engine's threads share the rows of large problems; BLAS threads would
    compete with them, and on small blocks they cost more than they save (a
    digits fit runs 4x slower with two). Where the library's limit holds for
    the whole process (OpenBLAS with its own thread pool, MKL, BLIS) it is
    counted: the first block to enter, in any thread, lowers it, the last to
    leave puts back the original, and blocks that overlap in threads never
    restore it under another. A limit that other code changed in the meantime
    is left as that code set it. Where the limit holds per thread (OpenBLAS
    built with OpenMP), each block lowers and restores its own thread's.

    The estimator enters and leaves the block with Ctrl-C deferred, and names
    this module as bookkeeping that a second Ctrl-C does not interrupt: an
    interrupt inside it could leave the count wrong or the lock held. A class,
    not a generator, so that leaving the block runs this module's code from
    its first line.
    """

    def __enter__(self):
        process, thread = _blas_limits()
        self._mine = []
        with _blas_lock:
            if _blas.users == 0:
                _lower(process, _blas.lowered)
            _blas.users += 1
        try:
            _lower(thread, self._mine)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type, exc, traceback):
        _restore(self._mine)
        with _blas_lock:
            _blas.users -= 1
            if _blas.users == 0:
                _restore(_blas.lowered)
        return False


class Buffers:
    """Work arrays for one block of rows, allocated once and reused.

    ``A[l]`` holds ``[1, a^(l+1)]`` for the input and hidden layers: its column 0
    stays at 1, so ``A[l] @ Theta^(l).T`` includes the bias, and
    ``delta.T @ A[l]`` gives the bias gradient in column 0. With
    ``sparse_input`` there is no input block ``A[0]`` (it is None): the rows of a
    sparse X are multiplied as they are, never made dense.
    """

    def __init__(self, layer_sizes, n_rows, dtype, hidden_scratch=True, sparse_input=False):
        # Hidden layers are column-major so that A[l][:, 1:] is one contiguous
        # chunk: elementwise passes over it run several times faster.
        self.A = [
            None
            if l == 0 and sparse_input
            else np.empty((n_rows, s + 1), dtype=dtype, order="C" if l == 0 else "F")
            for l, s in enumerate(layer_sizes[:-1])
        ]
        for a in self.A:
            if a is not None:
                a[:, 0] = 1.0
        self.sparse_input = sparse_input
        # The output layer too, so that loops over its K units run over contiguous
        # columns.
        self.Z = np.empty((n_rows, layer_sizes[-1]), dtype=dtype, order="F")
        self.H = np.empty_like(self.Z)
        self.out_scratch = np.empty_like(self.Z)
        self.deltas = [np.empty((n_rows, s), dtype=dtype, order="F") for s in layer_sizes[1:-1]]
        # Work arrays for g' (relu needs none), and for the gradient of every
        # block after a part's first: made when first needed.
        self.scratch = [np.empty_like(d) if hidden_scratch else None for d in self.deltas]
        self._products = None
        self._shapes = shapes(layer_sizes)
        # Which rows of which X the input buffer holds, when the caller promises
        # that X does not change (a full-batch objective): then a range of one
        # block needs copying only once. X itself is kept, not its id, which a
        # new array could reuse.
        self.input_rows = None
        # For a sparse X: (X, rows, X[rows]) of the last block, which its
        # backward pass multiplies again.
        self.sparse_rows = None
        self._views = {}

    @property
    def products(self):
        if self._products is None:
            self._products = [np.empty(shape, dtype=self.Z.dtype) for shape in self._shapes]
        return self._products

    @property
    def n_rows(self):
        return self.Z.shape[0]

    def rows(self, r):
        """Views of the first ``r`` rows of every buffer.

        Cached, since a range of rows uses at most two sizes: slicing anew for
        every block costs more than the arithmetic of a small network.
        """
        views = self._views.get(r)
        if views is None:
            views = self._views[r] = SimpleNamespace(
                A=[None if a is None else a[:r] for a in self.A],
                # a^(l) of the hidden layers, without the column of ones
                units=[a[:r, 1:] for a in self.A[1:]],
                Z=self.Z[:r],
                H=self.H[:r],
                out_scratch=self.out_scratch[:r],
                deltas=[d[:r] for d in self.deltas],
                scratch=[None if d is None else d[:r] for d in self.scratch],
            )
        return views
