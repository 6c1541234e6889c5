#!/usr/bin/env python3
"""crosscheck_numpy.py - Lab 06's C code against the exercise's algorithm in numpy.

Reads the file `lab06-demo dump` writes (a problem and the C results of 10
SGD steps, lr 0.05, and 10 Adam steps, lr 0.01), runs the exercise's loop as the exercise
prints it and torch.optim.Adam's update (defaults: betas 0.9, 0.999, eps
1e-8) in numpy, and compares: |c - numpy| <= 1e-9 * max(1, |numpy|).
Run by `make lab-tests` (target lab06-numpy).  Exit 1 on a mismatch.
"""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in labs/common (it is copied to students)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common"))
from kitio import read_kit  # noqa: E402 - labs/common/kitio.py, after the path above


def train_004(x, y, w_base, a0, b0, lr, n_steps):
    a, b = a0.copy(), b0.copy()
    n = x.shape[0]
    for _ in range(n_steps):
        effective_w = w_base + a @ b
        y_hat = x @ effective_w
        g = (2 / n) * x.T @ (y_hat - y)
        grad_a = g @ b.T
        grad_b = a.T @ g
        a = a - lr * grad_a
        b = b - lr * grad_b
    return np.concatenate([a.flatten(), b.flatten()])


def train_adam(x, y, w_base, a0, b0, lr, n_steps, beta1=0.9, beta2=0.999, eps=1e-8):
    a, b = a0.copy(), b0.copy()
    n = x.shape[0]
    state = {k: [np.zeros_like(v), np.zeros_like(v)] for k, v in (("a", a), ("b", b))}
    for t in range(1, n_steps + 1):
        g = (2 / n) * x.T @ (x @ (w_base + a @ b) - y)
        grads = {"a": g @ b.T, "b": a.T @ g}
        params = {"a": a, "b": b}
        for k in ("a", "b"):
            m, v = state[k]
            m[:] = beta1 * m + (1 - beta1) * grads[k]
            v[:] = beta2 * v + (1 - beta2) * grads[k] ** 2
            step_size = lr / (1 - beta1 ** t)
            denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps
            params[k] = params[k] - step_size * m / denom
        a, b = params["a"], params["b"]
    return np.concatenate([a.flatten(), b.flatten()])


def main():
    t = read_kit(sys.argv[1])
    args = (t["x"], t["y"], t["w_base"], t["a0"], t["b0"])
    bad = 0
    for name, want in (("sgd_out", train_004(*args, 0.05, 10)), ("adam_out", train_adam(*args, 0.01, 10))):
        got = t[name].ravel()
        err = np.max(np.abs(got - want) / np.maximum(1, np.abs(want)))
        ok = err <= 1e-9
        bad += not ok
        print(f"lab06-numpy: {name}: C against numpy, max error {err:.3g} ({'ok' if ok else 'DIFFERS'})")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
