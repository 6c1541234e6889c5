"""kitio.py - the kit's tensor text format (kitio.h) read into numpy, for the
labs' Python cross-checks (labs/06-train-adapter/tests/crosscheck_numpy.py,
labs/07-two-task-project/crosscheck/two_task.py).  Students do not edit it.

A cross-check two folders below labs/ imports it with

    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common"))
    from kitio import read_kit
"""
import numpy as np


def read_kit(path):
    """{name: 2-D array} from a kit tensor file: "tensor NAME ROWS COLS" then
    the entries, row-major; "#" starts a comment."""
    tensors, name, rows, cols, buf = {}, None, 0, 0, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("tensor "):
                _, name, rows, cols = line.split()
                rows, cols, buf = int(rows), int(cols), []
                if rows == 0:
                    tensors[name] = np.zeros((0, cols))
                continue
            buf.extend(float(v) for v in line.split())
            if len(buf) == rows * cols:
                tensors[name] = np.array(buf).reshape(rows, cols)
    return tensors
