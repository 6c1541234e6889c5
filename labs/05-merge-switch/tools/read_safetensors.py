#!/usr/bin/env python3
"""read_safetensors.py - Lab 05's cross-check of the safetensors code, with
Python's standard library only (struct, json): run by `make test` as
lab05-safetensors-crosscheck.

    read_safetensors.py DEMO          (DEMO = build/demo/lab05)

1. C writes, Python reads: `DEMO save DIR` writes two adapters and prints
   every value it wrote; this reader parses the files on its own (8-byte
   little-endian N, N % 8 == 0, space padding, JSON header, PEFT key names
   and shapes, offsets relative to the data section and tiling it exactly,
   dtype, values) and adapter_config.json, and compares.
2. Python writes, C reads: files made here with struct and json.dumps (its
   default ", " and ": " separators, B before A, metadata last, an extra
   tensor, F16 and BF16 data) go through `DEMO load FILE`, whose printed
   values must equal what was written; malformed files must make it fail.
Any mismatch prints what differed and exits 1.
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

FAILURES = []
DTYPE = {"F32": ("<f", 4), "F64": ("<d", 8), "F16": ("<e", 2)}


def expect(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        FAILURES.append(what)


def read_file(path):
    """Parse a safetensors file strictly; return (header dict, {name: values}, data start)."""
    raw = open(path, "rb").read()
    if len(raw) < 8:
        raise ValueError("shorter than 8 bytes")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError(f"header length {n} past the end")
    text = raw[8:8 + n]
    header = json.loads(text.decode("utf-8"))
    data = raw[8 + n:]
    tensors, spans = {}, []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{name}: fields {sorted(info)}")
        begin, end = info["data_offsets"]
        if info["dtype"] == "BF16":
            fmt, size = None, 2
        else:
            fmt, size = DTYPE[info["dtype"]]
        count = math.prod(info["shape"])
        if not (0 <= begin <= end <= len(data)) or end - begin != count * size:
            raise ValueError(f"{name}: offsets {begin, end} for {count} x {size} bytes")
        spans.append((begin, end))
        chunk = data[begin:end]
        if fmt:
            tensors[name] = list(struct.unpack("<" + fmt[1] * count, chunk))
        else:
            tensors[name] = [struct.unpack("<f", b"\0\0" + chunk[2 * i:2 * i + 2])[0] for i in range(count)]
    at = 0
    for begin, end in sorted(spans):
        if begin != at:
            raise ValueError("the tensors do not tile the data section")
        at = end
    if at != len(data):
        raise ValueError("bytes after the last tensor")
    return raw, n, text, header, tensors


def parse_printed(text):
    """`DEMO save` / `DEMO load` output: blocks of key lines and 'A i v' / 'B i v' lines."""
    files, cur = [], None
    for line in text.splitlines():
        key, _, rest = line.partition(" ")
        if key == "file" or (key == "module" and (cur is None or "module" in cur)):
            cur = {"A": [], "B": []}
            files.append(cur)
        if key in ("A", "B"):
            i, v = rest.split()
            assert int(i) == len(cur[key])
            cur[key].append(float(v))
        else:
            cur[key] = rest
    return files


def c_writes_python_reads(demo, tmp):
    print("C writes, Python reads:")
    p = subprocess.run([demo, "save", tmp], capture_output=True, text=True)
    expect(p.returncode == 0, f"{demo} save exits 0 ({p.stderr.strip()[:200]})")
    if p.returncode != 0:
        return
    for want in parse_printed(p.stdout):
        path = os.path.join(tmp, want["file"])
        try:
            raw, n, text, header, tensors = read_file(path)
        except (ValueError, KeyError, json.JSONDecodeError) as e:
            expect(False, f"{want['file']} parses: {e}")
            continue
        d_in, d_out, r = (int(x) for x in want["dims"].split())
        mod = want["module"]
        ka, kb = f"base_model.model.{mod}.lora_A.weight", f"base_model.model.{mod}.lora_B.weight"
        expect(n % 8 == 0, f"{want['file']}: N = {n} is a multiple of 8")
        expect(text.rstrip(b" ").endswith(b"}") and set(text[len(text.rstrip(b' ')):]) <= {32},
               f"{want['file']}: the header is padded with spaces only")
        expect(set(tensors) == {ka, kb}, f"{want['file']}: tensors are {ka} and {kb}")
        expect(header.get("__metadata__") == {"format": "pt"}, f"{want['file']}: __metadata__ is {{format: pt}}")
        if set(tensors) != {ka, kb}:
            continue
        expect(header[ka]["shape"] == [r, d_in] and header[kb]["shape"] == [d_out, r],
               f"{want['file']}: A is [r, d_in] = [{r}, {d_in}], B is [d_out, r] = [{d_out}, {r}]")
        expect(header[ka]["dtype"] == want["dtype"] == header[kb]["dtype"], f"{want['file']}: dtype {want['dtype']}")
        size = DTYPE[want["dtype"]][1]
        expect(header[ka]["data_offsets"] == [0, r * d_in * size] and
               header[kb]["data_offsets"] == [r * d_in * size, (r * d_in + d_out * r) * size],
               f"{want['file']}: offsets count from the data section, A then B")
        expect(tensors[ka] == want["A"] and tensors[kb] == want["B"],
               f"{want['file']}: {len(want['A']) + len(want['B'])} values equal what C printed")
        if want["file"] == "adapter_model.safetensors":
            cfg_text = open(os.path.join(tmp, "adapter_config.json"), encoding="utf-8").read()
            cfg = json.loads(cfg_text)
            expect(cfg == {"peft_type": "LORA", "r": r, "lora_alpha": float(want["alpha"]),
                           "target_modules": [mod.split(".")[-1]]},
                   f"adapter_config.json is {cfg}")
            expect(cfg_text == json.dumps(cfg) + "\n", "adapter_config.json is what json.dumps writes, plus a newline")


def make_file(tensors, metadata=None, pad=True, order=None):
    """tensors: [(name, dtype, shape, bytes)] stored in list order."""
    header, data = {}, b""
    for name, dtype, shape, blob in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    if order:
        header = {k: header[k] for k in order}
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def absolute_offsets(ka, kb):
    """A file whose offsets count from the start of the file (8 + N + ...)."""
    for n in range(8, 4096, 8):  # find the padded N that the offsets themselves produce
        base = 8 + n
        header = {ka: {"dtype": "F32", "shape": [2, 3], "data_offsets": [base, base + 24]},
                  kb: {"dtype": "F32", "shape": [4, 2], "data_offsets": [base + 24, base + 56]}}
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        if len(text) == n:
            return struct.pack("<Q", n) + text + bytes(56)
    raise AssertionError("no consistent header length")


def c_load(demo, path):
    p = subprocess.run([demo, "load", path], capture_output=True, text=True)
    return p.returncode, (parse_printed(p.stdout) or [{}])[0], p.stderr


def python_writes_c_reads(demo, tmp):
    print("Python writes, C reads:")
    a = [0.5, -1.25, 3.0, 1e-3, 2.0 ** -20, -7.75]           # A (2, 3), exact in F16? no: F64 here
    b = [1.0, -2.0, 0.1, 1.0 / 3.0, 6.02e23, -0.0, 5e-324, 42.0]  # B (4, 2)
    mod = "model.layers.5.self_attn.v_proj"
    ka, kb = f"base_model.model.{mod}.lora_A.weight", f"base_model.model.{mod}.lora_B.weight"
    blob = make_file([(kb, "F64", [4, 2], struct.pack("<8d", *b)),
                      ("lm_head.weight", "F32", [3], struct.pack("<3f", 1, 2, 3)),
                      (ka, "F64", [2, 3], struct.pack("<6d", *a))],
                     metadata={"format": "pt", "note": "written by json.dumps \u00e9"},
                     order=[ka, "lm_head.weight", kb])
    path = os.path.join(tmp, "python.safetensors")
    open(path, "wb").write(blob)
    rc, got, err = c_load(demo, path)
    expect(rc == 0, f"C reads a json.dumps header (spaces, B stored first, extra tensor, metadata) {err.strip()[:200]}")
    if rc == 0:
        expect(got.get("module") == mod and got.get("dims") == "3 4 2", f"module {got.get('module')}, dims {got.get('dims')}")
        expect(got["A"] == a and [struct.pack("<d", x) for x in got["B"]] == [struct.pack("<d", x) for x in b],
               "F64 values come back bit for bit (including -0.0 and 5e-324)")
    # F16 A and BF16 B, no padding.
    a16 = [1.5, -2.0, 2.0 ** -14, 2.0 ** -24, 65504.0, 0.333251953125]
    b16 = [1.0, -0.5, 3.140625, 2.0 ** -126, 1e10, -0.0, 7.0, 0.0078125]
    bf = b"".join(struct.pack("<f", x)[2:] for x in b16)
    blob = make_file([(f"base_model.model.m.lora_A.weight", "F16", [2, 3], struct.pack("<6e", *a16)),
                      (f"base_model.model.m.lora_B.weight", "BF16", [4, 2], bf)], pad=False)
    path = os.path.join(tmp, "half.safetensors")
    open(path, "wb").write(blob)
    rc, got, err = c_load(demo, path)
    bf_vals = [struct.unpack("<f", b"\0\0" + bf[2 * i:2 * i + 2])[0] for i in range(8)]
    expect(rc == 0 and got["A"] == a16 and got["B"] == bf_vals,
           f"F16 and BF16 (unpadded header) decode exactly {err.strip()[:200]}")
    # Malformed files written by Python must be refused.
    good = make_file([(ka, "F32", [2, 3], bytes(24)), (kb, "F32", [4, 2], bytes(32))])
    (n,) = struct.unpack("<Q", good[:8])
    bad = {
        "truncated by one byte": good[:-1],
        "header length big-endian": struct.pack(">Q", n) + good[8:],
        "header length past the end": struct.pack("<Q", len(good)) + good[8:],
        "offsets absolute (from the file start)": absolute_offsets(ka, kb),
        "A and B shapes swapped": good.replace(b"[2, 3]", b"[3, 2]").replace(b"[4, 2]", b"[2, 4]"),
        "unknown dtype": good.replace(b'"F32"', b'"F31"', 1),
        "invalid JSON": good[:8] + good[8:].replace(b"}", b"]", 1),
    }
    for what, blob in bad.items():
        path = os.path.join(tmp, "bad.safetensors")
        open(path, "wb").write(blob)
        rc, _, err = c_load(demo, path)
        expect(rc != 0 and "st_decode_lora" in err, f"C refuses a file with {what} and says why")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: read_safetensors.py build/demo/lab05")
    demo = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        c_writes_python_reads(demo, tmp)
        python_writes_c_reads(demo, tmp)
    if FAILURES:
        print(f"lab05 safetensors cross-check: {len(FAILURES)} FAILED")
        sys.exit(1)
    print("lab05 safetensors cross-check: every check passed")


if __name__ == "__main__":
    main()
