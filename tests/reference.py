"""A deliberately plain implementation of the equations, one sample at a time.

For the seed's own network (sigmoid units, no weights) the oracle of the fast
engine is the public :mod:`skbackprop.textbook` (tests/test_textbook.py). This
per-sample loop covers what the textbook leaves out on purpose: tanh and relu
hidden units, softmax outputs and sample weights, across row blocks and threads.
"""

import math

import numpy as np

G = {
    "sigmoid": (lambda z: 1.0 / (1.0 + math.exp(-z)), lambda a: a * (1.0 - a)),
    "tanh": (math.tanh, lambda a: 1.0 - a * a),
    "relu": (lambda z: max(z, 0.0), lambda a: 1.0 if a > 0 else 0.0),
    "identity": (lambda z: z, lambda a: 1.0),
}


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _softmax(z):
    exps = [math.exp(v - max(z)) for v in z]
    return np.array([e / sum(exps) for e in exps])


def reference_cost_and_gradient(
    thetas, X, Y, reg_lambda=0.0, activation="sigmoid", w=None, output_activation="sigmoid"
):
    """J and dJ/dTheta for sigmoid or softmax output units, looping over samples.

    For softmax, rows of ``Y`` must sum to one.
    """
    softmax = output_activation == "softmax"
    g, g_prime = (np.vectorize(f) for f in G[activation])
    m = X.shape[0]
    w = np.ones(m) if w is None else np.asarray(w, dtype=float)
    total_weight = w.sum()
    J = 0.0
    grads = [np.zeros_like(t, dtype=float) for t in thetas]
    for i in range(m):
        # forward, keeping [1, a^(l)] for each layer
        a = np.asarray(X[i], dtype=float)
        with_bias = []
        for l, theta in enumerate(thetas):
            a1 = np.concatenate([[1.0], a])
            with_bias.append(a1)
            z = theta @ a1
            if l < len(thetas) - 1:
                a = g(z)
            else:
                a = _softmax(z) if softmax else np.array([_sigmoid(v) for v in z])
        h = a
        if softmax:  # -sum_k y_k log h_k
            J += w[i] * -sum(Y[i, k] * math.log(h[k]) for k in range(len(h)) if Y[i, k])
        for k in range(len(h) if not softmax else 0):
            # -y log h - (1 - y) log(1 - h), with log h = -log(1 + exp(-z)) etc.
            zk = math.log(h[k] / (1 - h[k])) if 0 < h[k] < 1 else None
            if zk is None:
                raise ValueError("saturated output: use moderate weights in the reference")
            y = Y[i, k]
            J += w[i] * (-y * math.log(h[k]) - (1 - y) * math.log(1 - h[k]))
        # backward
        delta = h - Y[i]
        for l in range(len(thetas) - 1, -1, -1):
            grads[l] += w[i] * np.outer(delta, with_bias[l])
            if l > 0:
                delta = (thetas[l][:, 1:].T @ delta) * g_prime(with_bias[l][1:])
    J /= total_weight
    for l, theta in enumerate(thetas):
        grads[l] /= total_weight
        J += reg_lambda / (2 * total_weight) * float(np.sum(theta[:, 1:] ** 2))
        grads[l][:, 1:] += reg_lambda / total_weight * theta[:, 1:]
    return J, grads
