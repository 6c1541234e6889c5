#!/usr/bin/python3
"""two_task.py - Lab 07's independent numpy version of the two-task project.

The same network as two_task.h, written with numpy's matrix products (batch
form, the numpy project's row convention x @ W.T), trained from the same
initial weights on the same data (data/lab07/two-task.txt, written by the C
demo).  Two uses:

  two_task.py check DATA C_LOSSES   compare every per-epoch loss (both tasks,
                                    full and simplified backprop) with the C
                                    demo's (lab07-demo losses --data DATA);
                                    prints the max difference; exit 1 if it
                                    exceeds 1e-9
  two_task.py bench DATA C_DEMO     time the full demo's work in C (the whole
                                    process C_DEMO examples) and the same work
                                    in numpy (examples() below) in this run;
                                    prints both, their ratio, and whether the
                                    two agree on the loss log; exit 1 if the
                                    C process needs >= 1 s of CPU time (wall
                                    time on a shared machine also counts the
                                    other jobs, so it is printed, not judged)

Run with /usr/bin/python3 (it has numpy).
"""
import os
import resource
import subprocess
import sys
import time

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in labs/common (it is copied to students)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common"))
from kitio import read_kit  # noqa: E402 - labs/common/kitio.py, after the path above

TOL = 1e-9


def load(path):
    t = read_kit(path)
    d, d_ff, r, alpha, lr, epochs = t["sizes"][0]
    task = lambda k: {p: t[k + "." + p].copy() for p in ("A1", "B1", "A2", "B2", "w", "c")}
    return dict(W1=t["W1"], b1=t["b1"][0], W2=t["W2"], b2=t["b2"][0], X=t["X"],
                y_a=t["y_a"][:, 0], y_b=t["y_b"][:, 0], probe=t["probe"], a=task("a"),
                b=task("b"), s=alpha / r, lr=lr, epochs=int(epochs))


def forward(P, ad, X):
    h1 = np.maximum(0.0, X @ P["W1"].T + P["b1"])
    z1 = h1 @ ad["A1"].T
    h2 = h1 @ P["W2"].T + P["b2"] + P["s"] * z1 @ ad["B1"].T
    z2 = h2 @ ad["A2"].T
    out = h2 + P["s"] * z2 @ ad["B2"].T
    return h1, z1, h2, z2, out


def logits(ad, out):
    return out @ ad["w"][0] + ad["c"][0, 0]


def bce(z, y):
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def grads(P, ad, X, y, full):
    s, n = P["s"], len(y)
    h1, z1, h2, z2, out = forward(P, ad, X)
    z = logits(ad, out)
    g = (sigmoid(z) - y) / n                       # (n,)
    g_out = np.outer(g, ad["w"][0])                # (n, d)
    G = {"w": (g @ out)[None, :], "c": np.array([[g.sum()]])}
    G["B2"] = s * g_out.T @ z2                     # (d, r)
    g_z2 = s * g_out @ ad["B2"]                    # (n, r)
    G["A2"] = g_z2.T @ h2                          # (r, d)
    g_h2 = g_out + g_z2 @ ad["A2"] if full else g_out
    G["B1"] = s * g_h2.T @ z1
    g_z1 = s * g_h2 @ ad["B1"]
    G["A1"] = g_z1.T @ h1                          # (r, d_ff)
    return bce(z, y), G


def train(P, init, y, full):
    ad = {k: v.copy() for k, v in init.items()}
    losses = []
    for _ in range(P["epochs"]):
        loss, G = grads(P, ad, P["X"], y, full)
        losses.append(loss)
        for k in ad:
            ad[k] -= P["lr"] * G[k]
    return ad, np.array(losses)


def accuracy(P, ad, y):
    return np.mean((sigmoid(logits(ad, forward(P, ad, P["X"])[4])) > 0.5) == (y == 1.0))


def merge(P, ad):
    s, d = P["s"], P["W2"].shape[0]
    M = np.eye(d) + s * ad["B2"] @ ad["A2"]
    return M @ (P["W2"] + s * ad["B1"] @ ad["A1"]), M @ P["b2"]


def base(P, W2, b2, X):
    return np.maximum(0.0, X @ P["W1"].T + P["b1"]) @ W2.T + b2


def project(P, full=True):
    """The whole project with its five checks, as lab07-demo project runs it."""
    W1c, W2c = P["W1"].copy(), P["W2"].copy()
    init_diff = np.abs(forward(P, P["a"], P["probe"])[4] - base(P, P["W2"], P["b2"], P["probe"])).max()
    ad_a, _ = train(P, P["a"], P["y_a"], full)
    acc_a = accuracy(P, ad_a, P["y_a"])
    W2m, b2m = merge(P, ad_a)
    merge_diff = np.abs(base(P, W2m, b2m, P["probe"]) - forward(P, ad_a, P["probe"])[4]).max()
    ad_b, _ = train(P, P["b"], P["y_b"], full)
    acc_b, acc_a2 = accuracy(P, ad_b, P["y_b"]), accuracy(P, ad_a, P["y_a"])
    W2m, b2m = merge(P, ad_b)
    p_merged = sigmoid(logits(ad_b, base(P, W2m, b2m, P["X"])))
    p_adapter = sigmoid(logits(ad_b, forward(P, ad_b, P["X"])[4]))
    ok = (init_diff == 0 and np.array_equal(W1c, P["W1"]) and np.array_equal(W2c, P["W2"])
          and merge_diff <= TOL and acc_a2 == acc_a and np.abs(p_merged - p_adapter).max() <= TOL)
    return ok, acc_a, acc_b, ad_a, ad_b


LOGGED = (0, 100, 200, 299)


def examples(P):
    """The same training work as `lab07-demo examples`: the project with both
    backprops (4 trainings), the per-epoch losses of both tasks and both
    backprops (4 more), one more training (the demo's traced-loop check),
    the per-epoch full - simplified differences and the A -> B -> A switch."""
    ok_f, acc_af, acc_bf, ad_a, ad_b = project(P, True)
    ok_s, acc_as, acc_bs, _, _ = project(P, False)
    losses = {(full, t): train(P, P[t], P["y_" + t], full)[1]
              for full in (True, False) for t in ("a", "b")}
    _, traced = train(P, P["b"], P["y_b"], False)
    same_traced = np.array_equal(traced, losses[(False, "b")])
    gaps = {t: (losses[(True, t)] - losses[(False, t)]).min() for t in ("a", "b")}
    W2a, b2a = merge(P, ad_a)
    merge(P, ad_b)
    W2a2, b2a2 = merge(P, ad_a)
    p1 = sigmoid(logits(ad_a, base(P, W2a, b2a, P["X"])))
    p2 = sigmoid(logits(ad_a, base(P, W2a2, b2a2, P["X"])))
    round_trip = np.array_equal(p1, p2)
    ok = ok_f and ok_s and same_traced and round_trip
    log = {t: [losses[(True, t)][e] for e in LOGGED] for t in ("a", "b")}
    return ok, (acc_af, acc_bf, acc_as, acc_bs), log, gaps


def c_loss_log(stdout):
    """{"a": [...], "b": [...]} from the demo's "the loss log" section."""
    lines = stdout.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("== the loss log"))
    rows = lines[start + 2:start + 2 + len(LOGGED)]
    return {"a": [float(r.split()[-2]) for r in rows], "b": [float(r.split()[-1]) for r in rows]}


def cmd_check(data, c_losses):
    P, C = load(data), read_kit(c_losses)
    worst = 0.0
    for full, mode in ((True, "full"), (False, "simplified")):
        for task, y in (("a", "y_a"), ("b", "y_b")):
            _, ours = train(P, P[task], P[y], full)
            theirs = C[f"loss_{task}_{mode}"][:, 0]
            if theirs.shape != ours.shape:
                print(f"two_task.py: {c_losses}: loss_{task}_{mode} has {theirs.size} epochs, "
                      f"numpy trained {ours.size}")
                return 1
            diff = np.abs(ours - theirs).max()
            worst = max(worst, diff)
            print(f"  task {task.upper()}, {mode:10s} backprop: {ours.size} epochs, "
                  f"loss {ours[0]:.6f} -> {ours[-1]:.6f}, max |numpy - C| = {diff:.3g}")
    ok = worst <= TOL
    print(f"lab07 numpy cross-check: max |numpy - C| over every logged epoch = {worst:.3g} "
          f"(tolerance {TOL:g}): {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def cmd_bench(data, demo):
    """Best of 7 runs each (the least disturbed by other jobs on the machine)."""
    P = load(data)
    reps, t_np, t_c, cpu_np, cpu_c = 7, [], [], [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        ok, accs, log, gaps = examples(P)
        t_np.append(time.perf_counter() - t0)
        cpu_np.append(time.process_time() - c0)
    for _ in range(reps):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run([demo, "examples"], capture_output=True, text=True)
        t_c.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_c.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        if p.returncode != 0:
            print(p.stdout + p.stderr)
            return 1
    c_log = c_loss_log(p.stdout)
    agree = all(abs(c - n) < 1e-6 for t in ("a", "b") for c, n in zip(c_log[t], log[t]))
    b_np, b_c = min(t_np), min(t_c)
    med = lambda t: sorted(t)[reps // 2] * 1000
    print(f"lab07 bench: the full demo's work (the project with both backprops, the per-epoch "
          f"losses of both tasks and both backprops, the traced-loop check, the A -> B -> A "
          f"switch: 9 trainings of {P['epochs']} epochs), best of {reps} runs (median in brackets)")
    print(f"  numpy  {b_np * 1000:9.1f} ms  [{med(t_np):.1f}]  (examples() in this script; checks "
          f"{'pass' if ok else 'FAIL'}; CPU {min(cpu_np) * 1000:.1f} ms; accuracy A {accs[0]:.1%}, B {accs[1]:.1%} full, "
          f"A {accs[2]:.1%}, B {accs[3]:.1%} simplified; min full - simplified loss "
          f"A {gaps['a']:.3e}, B {gaps['b']:.3e})")
    print(f"  C      {b_c * 1000:9.1f} ms  [{med(t_c):.1f}]  (whole process: {demo} examples; CPU "
          f"{min(cpu_c) * 1000:.1f} ms)")
    print(f"  loss log at epochs {', '.join(map(str, LOGGED))}: numpy and C agree to 1e-6: "
          f"{'yes' if agree else 'NO'}")
    c_cpu = max(cpu_c)
    print(f"  numpy / C = {b_np / b_c:.1f}x wall (best runs), {min(cpu_np) / min(cpu_c):.1f}x CPU;  "
          f"C under 1 s of CPU in every run (max {c_cpu * 1000:.1f} ms): {'yes' if c_cpu < 1.0 else 'NO'}")
    return 0 if c_cpu < 1.0 and ok and agree else 1


def main(argv):
    if len(argv) == 4 and argv[1] == "check":
        return cmd_check(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "bench":
        return cmd_bench(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
