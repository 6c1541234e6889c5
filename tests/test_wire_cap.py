#!/usr/bin/env python3
"""The wire's argument cap (grader/engine/protocol.h MAX_ARGS), on a real runner.

A runner is built as the judge builds one (the reference two_task.c linked
static with grader/bin/lib/librunner-07.a) and fed hand-made requests:
  - project_checks, the kit's longest student function (19 parameters, every
    size a size_t of its own), is called and returns LAB_OK;
  - its mode is the wire's integer turned into enum two_task_backprop: 2 and
    2^32 (which must not wrap onto TT_BACKPROP_FULL) return LAB_EARG;
  - the same call sent with REQ_MAGIC_OOM (every allocation of the function
    fails, grader/engine/alloc_fault.c) is answered, with LAB_EARG; with
    REQ_MAGIC_OOM_NTH 1 (only the first fails) LAB_EARG, with 10^6 (more
    than it makes) LAB_OK, with 0 a bad request;
  - a request with MAX_ARGS + 1 arguments is a bad request ("argument
    count"), one with MAX_ARGS arguments is read and then refused for not
    matching project_checks' signature.
Closing line: "N passed, M failed".  Uses only Python's standard library.
"""
import glob
import os
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_grader as tg  # noqa: E402

ROOT = tg.ROOT
PROTOCOL = open(os.path.join(ROOT, "grader/engine/protocol.h")).read()
MAX_ARGS = int(re.search(r"^#define MAX_ARGS (\d+)", PROTOCOL, re.M).group(1))
REQ_MAGIC, RES_MAGIC = 0x51524C4C, 0x53524C4C
REQ_MAGIC_OOM = int(re.search(r"^#define REQ_MAGIC_OOM (0x[0-9a-f]+)u", PROTOCOL, re.M).group(1), 16)
REQ_MAGIC_OOM_NTH = int(re.search(r"^#define REQ_MAGIC_OOM_NTH (0x[0-9a-f]+)u", PROTOCOL, re.M).group(1), 16)
RES_CALLED, RES_BADREQ, RUNNER_EXIT_BADREQ = 1, 3, 122
LAB_OK, LAB_EARG = 0, -1

# The smallest project: n = 2, n_probe = 1, d = d_ff = r = 1, one epoch.
FROZEN, ADAPTER, REPORT = 4, 6, 10  # two_task_frozen_count, _adapter_count, TT_REPORT_LEN


def project_checks_args(mode):
    """(kind, value) per parameter of project_checks, in order; tensors as lists."""
    i, o, z, d, l = "i", "o", "z", "d", "l"
    init = [0.5, 0.0, 0.3, 0.0, 0.2, 0.1]  # A1, B1 = 0, A2, B2 = 0, w, c
    return [(i, [0.4, -1.2]), (i, [1.0, 0.0]), (i, [0.0, 1.0]), (z, 2), (i, [0.7]), (z, 1),
            (i, [1.0, 0.1, 0.8, -0.2]), (i, init), (i, init), (z, 1), (z, 1), (z, 1),
            (d, 1.0), (d, 0.1), (z, 1), (l, mode), (o, REPORT), (o, ADAPTER), (o, ADAPTER)]


def request(name, args, magic=REQ_MAGIC):
    b = struct.pack("<II", magic, len(name)) + name.encode() + struct.pack("<I", len(args))
    for kind, v in args:
        b += kind.encode()
        b += {"i": lambda: struct.pack("<Q", len(v)), "o": lambda: struct.pack("<Q", v),
              "z": lambda: struct.pack("<Q", v), "d": lambda: struct.pack("<d", v),
              "l": lambda: struct.pack("<q", v)}[kind]()
    for kind, v in args:
        if kind == "i":
            b += struct.pack(f"<{len(v)}d", *v)
    return b


def run(runner, req):
    """(exit status, fd 3 bytes, stderr) of one call."""
    r, w = os.pipe()
    try:
        # fd 3 is the runner's answer channel; every other descriptor here is
        # close-on-exec, so the pipe ends when the runner does.
        p = subprocess.Popen([runner], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, close_fds=False,
                             preexec_fn=lambda: os.dup2(w, 3))
        os.close(w)
        w = -1
        _, err = p.communicate(req, timeout=30)
        res = b""
        while chunk := os.read(r, 65536):
            res += chunk
        return p.returncode, res, err.decode(errors="replace")
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def answer(res):
    """(status, return value) of a complete RES_MAGIC answer, else (None, None)."""
    if len(res) < 13 or struct.unpack_from("<I", res)[0] != RES_MAGIC:
        return None, None
    return res[4], struct.unpack_from("<q", res, 5)[0]


def alloc_fault_wrap():
    """The runner's link option that wraps the allocators (runner.h, alloc_fault.c)."""
    with open(os.path.join(ROOT, "grader/engine/runner.h"), encoding="utf-8") as f:
        return re.search(r'#define ALLOC_FAULT_WRAP "([^"]+)"', f.read()).group(1)


def main():
    sol = glob.glob(os.path.join(ROOT, "solutions", "07-*", "two_task.c"))[0]
    lab = os.path.dirname(glob.glob(os.path.join(ROOT, "labs", "07-*", "two_task.h"))[0])
    lib = os.path.join(ROOT, "grader/bin/lib/librunner-07.a")
    print(f"wire cap: MAX_ARGS = {MAX_ARGS} (grader/engine/protocol.h), Lab 07's runner")
    with tempfile.TemporaryDirectory() as tmp:
        runner = os.path.join(tmp, "runner")
        subprocess.run(["cc", "-std=c11", "-O2", "-I", os.path.join(ROOT, "labs/common"), "-I", lab,
                        sol, "-static", "-Wl," + alloc_fault_wrap(), "-o", runner, lib, "-lm"], check=True)

        for mode, want, what in [(0, LAB_OK, "mode 0 (TT_BACKPROP_FULL): LAB_OK"),
                                 (1, LAB_OK, "mode 1 (TT_BACKPROP_SIMPLIFIED): LAB_OK"),
                                 (2, LAB_EARG, "mode 2: LAB_EARG"),
                                 (1 << 32, LAB_EARG, "mode 2^32 does not wrap onto 0: LAB_EARG"),
                                 (-1, LAB_EARG, "mode -1: LAB_EARG")]:
            args = project_checks_args(mode)
            rc, res, err = run(runner, request("project_checks", args))
            tg.check(rc == 0 and answer(res) == (RES_CALLED, want),
                     f"project_checks, {len(args)} arguments, {what}",
                     f"exit {rc}, answer {answer(res)}, stderr {err.strip()!r}")

        # Out of memory (alloc_fault.c): the runner still reads the request and
        # lays the tensors out, and only project_checks' own malloc fails.
        rc, res, err = run(runner, request("project_checks", project_checks_args(0), REQ_MAGIC_OOM))
        tg.check(rc == 0 and answer(res) == (RES_CALLED, LAB_EARG),
                 "REQ_MAGIC_OOM: the runner answers, project_checks' allocation fails: LAB_EARG",
                 f"exit {rc}, answer {answer(res)}, stderr {err.strip()!r}")

        for nth, want in [(1, LAB_EARG), (10**6, LAB_OK)]:
            req = request("project_checks", project_checks_args(0), REQ_MAGIC_OOM_NTH)
            rc, res, err = run(runner, req[:4] + struct.pack("<I", nth) + req[4:])
            tg.check(rc == 0 and answer(res) == (RES_CALLED, want),
                     f"REQ_MAGIC_OOM_NTH {nth}: only allocation {nth} fails: "
                     f"{'LAB_EARG' if want else 'LAB_OK'}",
                     f"exit {rc}, answer {answer(res)}, stderr {err.strip()!r}")
        req = request("project_checks", project_checks_args(0), REQ_MAGIC_OOM_NTH)
        rc, res, err = run(runner, req[:4] + struct.pack("<I", 0) + req[4:])
        tg.check(rc == RUNNER_EXIT_BADREQ and "bad request: allocation number" in err,
                 "REQ_MAGIC_OOM_NTH 0: a bad request, allocation number", f"exit {rc}, stderr {err.strip()!r}")

        pad = [("z", 0)] * (MAX_ARGS + 1 - len(project_checks_args(0)))
        over = project_checks_args(0) + pad
        rc, res, err = run(runner, request("project_checks", over))
        tg.check(rc == RUNNER_EXIT_BADREQ and res[4:5] == bytes([RES_BADREQ]) and
                 "bad request: argument count" in err,
                 f"{len(over)} arguments (MAX_ARGS + 1): a bad request, argument count",
                 f"exit {rc}, stderr {err.strip()!r}")
        at_cap = over[:MAX_ARGS]
        rc, res, err = run(runner, request("project_checks", at_cap))
        tg.check(rc == RUNNER_EXIT_BADREQ and "wrong argument count" in err,
                 f"{len(at_cap)} arguments (MAX_ARGS): read, then refused by the signature",
                 f"exit {rc}, stderr {err.strip()!r}")
    print(f"{tg.PASSED} passed, {tg.FAILED} failed")
    return 1 if tg.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
