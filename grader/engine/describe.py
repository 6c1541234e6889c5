#!/usr/bin/env python3
"""describe.py - a lab's student functions, described once, made into C.

    describe.py grader/labs/NN/functions.txt OUT_DIR

reads the lab's description (the format is below) and writes
  OUT_DIR/adapter.c    the runner's call wrappers and runner_functions[]
                       (linked into the runner, with the student's code, and
                       into the judge, with the reference: runner.h)
  OUT_DIR/functions.c  for the judge only: lab_functions[] (describe.h), which
                       the typed call builder and the reference call read, and
                       the contract tests derived from it (contract.c), one
                       TEST per function per rule, registered as TEST() does.
Stdlib only.

THE FORMAT (one function, then its arguments in the C order, one a line):

    include lora_forward.h
    function lora_forward lab02.2 returns status nan propagates
        x      in    batch*d_in
        batch  size  range 0..  example 3
        d_in   size  range 1..  example 6
        r      size  range 1..min(d_in,d_out) example 2
        alpha  real  example 2.5 reject nan,inf,-1
        kind   int   example 0 reject -1,2
        y      out   batch*d_out
        tests  null 1, range 1, edges 1, inputs 1, nan 1

  function NAME TASK returns status|void|count TYPE [nan propagates|nan rejected] [gives memory]
      status: an int that is LAB_OK (0) or, when the arguments break the
      contract, LAB_EARG (-1), with every output untouched.  count TYPE: an
      integer of C type TYPE (int, int64_t, long_long for long long) that is
      a result >= 0 (a rank, a count, 0/1) or LAB_EARG with every output
      untouched.  "nan propagates": NaN and Inf in the inputs follow IEEE
      arithmetic (the header says so); "nan rejected": NaN or Inf anywhere
      in an input tensor is LAB_EARG.  "gives memory": the function hands
      memory it allocates to its caller (an output that owns allocations),
      so the oom rule does not count what it leaves allocated; without it
      (every lab's functions now) it must free everything it allocates.
  ARG in|out SHAPE [nullable] [notunique]   a tensor of doubles (in: const
      double *, out: double *) of SHAPE doubles: an expression of size
      arguments, integers, + - * / ( ) and min(,) max(,) (/ divides
      integers, rounding down).  nullable: NULL is
      legal there.  notunique (out): its values are not unique (singular
      vectors' signs), so the derived tests do not compare them with the
      reference's (they still must be untouched on LAB_EARG); the lab's own
      tests check their properties.
  ARG size range LO..[HI] example V     a size_t; LO..HI inclusive, HI an
      expression of the other sizes (none: unbounded).
  ARG real example V [reject V,V...]    a double; rejected values (nan, inf,
      -inf or numbers) must give LAB_EARG.
  ARG int example V [reject V,V...]     a long long, likewise.
  ARG enum TYPE example V [reject V,V...]   an `enum TYPE`, sent as an int
      (a wire value outside int's range arrives as INT_MAX, never wrapped
      onto a valid one); its rejected values as an int's.
  ARG in SHAPE values V,V...   an input tensor whose entries the derived
      tests draw from the listed values only (labels 0,1), not from [-1, 1).
  ARG size = EXPR                       a size_t the caller derives from other
      sizes, dims and ints (out_len = d_in*r + r*d_out): no range of its own.
  ARG dim range LO..[HI] example V      a size of the problem that is no
      argument itself (the rows of a matrix argument are made from it).
  ARG mat ROWS COLS         a matrix struct by value (declared by a line
      `matrix TYPE DATA ROWS COLS` naming its type and fields): sent as the
      tensor ARG and the sizes ARG.rows, ARG.cols (ROWS, COLS: expressions).
  ARG problem F=ROWS,COLS ...   a const pointer to a struct of matrices
      (declared by `problem TYPE F ...`): sent as a flag ARG (0: NULL) and a
      matrix per field; the null rule passes NULL for it too.
  BUFFER KINDS (pointers that are no array of doubles; runner_buffers.h
  converts them, the wire still carries doubles):
  ARG inout SHAPE [nullable]   a double * updated in place: on the wire the
      tensor ARG (in) and the output ARG_out, which starts as ARG's copy and
      reads as untouched when a rejected call left it so.
  ARG in32 SHAPE / ARG inout32 SHAPE   the same as in / inout for float arrays
      (the doubles are rounded to float; inout32's ARG_out is widened back).
  ARG real32 example V [reject V,...]  a float parameter (sent as a double).
  ARG bytes SHAPE [nullable]   a const unsigned char * (uint8_t *: the same
      type) of SHAPE bytes (one double 0..255 per byte; the derived tests
      draw them in 0..255), ending at an inaccessible page.
  ARG bytes_out SHAPE [nullable]   an unsigned char * output of SHAPE bytes,
      guarded, filled with a pattern, back when the call returned LAB_OK or
      wrote it.
  ARG text example WORD [reject W|W...]   a const char * (NUL-terminated;
      on the wire its bytes without the NUL); "" is the empty string.
  ARG text_out SHAPE           a char * output of capacity SHAPE bytes.
  ARG size_out SHAPE           a size_t * output of SHAPE entries.
  ARG index SHAPE below EXPR [nullable]   a const size_t * of SHAPE indices
      into something of EXPR entries (EXPR as a shape): the derived tests
      draw them in 0..EXPR-1, and the range rule checks that an entry equal
      to EXPR, and one of 2^32 + a valid index (a 32-bit copy wraps it onto
      a valid one), is rejected (LAB_EARG, nothing written).  Guarded; an
      entry the call changed is written back.
  ARG int64_out SHAPE          an int64_t * output of SHAPE entries, guarded.
  ARG int64 example V [reject V,...]   an int64_t, otherwise as int.
  ARG texts SHAPE [example W|W...]   a const char *const * of SHAPE strings:
      on the wire each string's bytes then a 0, a NULL string a single -1.
      The derived tests pass the example's words in turn (repeated to SHAPE
      strings); the null rule also makes the last string NULL.
  ARG record TYPE SHAPE [example FUNCTION] / ARG record_out TYPE SHAPE
      a const TYPE * / TYPE * of SHAPE structs, declared by a line
      `record TYPE FIELD:KIND[:LO..[HI]] ...` (KIND int64, int, size,
      char[N], or a record declared before, TYPE or TYPE[N]): each listed
      field one double in the listed order, the others zero in the runner.
      The build writes records.h beside the adapter (RECORD_DOUBLES_TYPE,
      record_load_TYPE, record_store_TYPE), which the lab's tests include to
      build the same tensors.  LO..HI (int64, int, size fields): the
      contract's range of the field; the range rule sets it to LO-1 and HI+1
      (a size's LO-1 only when LO > 0), in the first and then in the last
      record (a nested record's field: in its entry 0, so the example must
      use that entry), each rejected.  example FUNCTION: derived tests need
      it for a record input; the lab's tests.c defines
          void FUNCTION(judge_t *j, const fn_value_t *v, double *w, uint64_t count)
      (describe.h's fn_fill_t), which fills the records' count doubles
      (record_store_TYPE) for the sizes in v: a valid input at every size
      the edges rule sets.
  DRIVERS: `drivers FILE` pastes FILE (beside functions.txt) into the adapter
  and `driver NAME FUNCTION SIG` lists its static int64_t driver_NAME(const
  runner_arg_t *a) in runner_functions[] (SIG as in runner.h): a call that
  runs FUNCTION many times in one runner (drift over thousands of calls, a
  batch of fuzzed inputs).  No derived tests for drivers.
  tests RULE POINTS, ...   the derived tests and their points (contract.c):
      null    each pointer alone NULL is rejected, outputs untouched
      range   each size just outside its range, each rejected value of a
              real or int, is rejected with outputs untouched
      edges   each size at its smallest (and largest, when bounded) value
              gives the reference's result
      inputs  the inputs are unchanged after a call
      nan     a NaN, then an Inf, in each input tensor gives the reference's
              result (with "nan propagates"), or LAB_EARG with nothing
              written (with "nan rejected": at the first, the last and a
              random entry)
      oom     the example call with every allocation failing (malloc, calloc,
              realloc, aligned_alloc, posix_memalign return NULL while the
              function runs, in the runner and for the reference alike:
              alloc_fault.c) gives the reference's result: LAB_EARG with
              outputs untouched, for a function that allocates; no crash;
              then only the k-th allocation failing, each k up to the
              number the reference makes.  On each of these calls, and on
              a call with every allocation succeeding, nothing the function
              allocated may be left allocated when it returns (unless it
              "gives memory"): the runner counts it (alloc_fault.c)
"""
import os
import re
import sys

KINDS = ("in", "out", "size", "real", "int", "dim", "mat", "problem", "enum")
# The buffer kinds (runner_buffers.h): C type, wire kind of ARG, code in
# fn_arg_desc_t.buffer (contract.c), and whether ARG_out follows ARG.
BUFFER_KINDS = {
    "inout": ("double *", "in", "u", True),
    "in32": ("const float *", "in", "f", False),
    "inout32": ("float *", "in", "F", True),
    "bytes": ("const unsigned char *", "in", "b", False),
    "bytes_out": ("unsigned char *", "out", "B", False),
    "text": ("const char *", "in", "t", False),
    "text_out": ("char *", "out", "T", False),
    "size_out": ("size_t *", "out", "s", False),
    "int64_out": ("int64_t *", "out", "I", False),
    "index": ("const size_t *", "in", "x", False),
    "texts": ("const char *const *", "in", "L", False),
    "record": (None, "in", "R", False),
    "record_out": (None, "out", "Q", False),
}
KINDS += tuple(BUFFER_KINDS) + ("real32", "int64")
# A record's field kinds (`record TYPE FIELD:KIND ...`): C conversion from the
# wire's double (load) and back (store); char[N] and TYPE[N] take N entries.
FIELD_KINDS = {"int64": ("rec_i64", "rec_exact"), "int": ("rec_int", "(double)"),
               "size": ("rec_size", "rec_exact"), "char": ("rec_char", "(double)(unsigned char)")}
RULES = ("null", "range", "edges", "inputs", "nan", "oom")
RET_TYPES = {"int": "int", "int64_t": "int64_t", "long_long": "long long"}
C_TYPE = {"in": "const double *", "out": "double *", "size": "size_t", "real": "double",
          "int": "long long"}
WIRE = {"in": "p", "out": "p", "size": "z", "real": "d", "int": "l"}
ACCESS = {"in": "RP", "out": "RP", "size": "RZ", "real": "RD", "int": "RL"}
ARG_KIND = {"in": "ARG_IN", "out": "ARG_OUT", "size": "ARG_SIZE", "real": "ARG_REAL", "int": "ARG_INT",
            "dim": "ARG_DIM"}
DESC_VALUES_MAX = 6  # describe.h's DESC_REJECT_MAX
MAX_ARGS = 24  # protocol.h's: the wire's arguments (dims are not sent)
MAX_NAME = 72
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
WIRE_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.(rows|cols))?\Z")


class DescError(Exception):
    pass


def number(text, what):
    low = text.lower()
    if low in ("nan", "inf", "+inf", "-inf"):
        return {"nan": "NAN", "inf": "INFINITY", "+inf": "INFINITY", "-inf": "-INFINITY"}[low]
    try:
        float(text)
    except ValueError:
        raise DescError(f"{what}: {text!r} is not a number")
    return text


def expr_to_c(expr, sizes, what):
    """A shape or bound expression over size arguments, as C reading v[]."""
    tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_.]*|\d+|[-+*/(),]|\S", expr)
    out = []
    for t in tokens:
        if re.fullmatch(r"\d+", t):
            out.append(f"(uint64_t){t}")
        elif t in ("min", "max"):
            out.append("DESC_" + t.upper())
        elif WIRE_NAME_RE.match(t):
            if t not in sizes:
                raise DescError(f"{what}: {t!r} is not a size, dim or int argument of this function")
            out.append(sizes[t])
        elif t in "+-*/(),":  # / divides integers, rounding down
            out.append(t)
        else:
            raise DescError(f"{what}: {t!r} is not allowed in a shape (sizes, integers, + - * / ( ) min max)")
    return divide_safely(out)


def divide_safely(out):
    """Each denominator (the atom or parenthesized group after a /) wrapped in
    DESC_NZ(), so a size of 0 there (a range test) divides by 1, not by 0."""
    res, i = [], 0
    while i < len(out):
        res.append(out[i])
        if out[i] == "/" and i + 1 < len(out):
            j, depth = i + 1, 0
            while True:
                depth += out[j] == "("
                depth -= out[j] == ")"
                if depth == 0:
                    break
                j += 1
            res.append("DESC_NZ(" + "".join(out[i + 1:j + 1]) + ")")
            i = j
        i += 1
    return "".join(res)


def parse(path):
    lab = {"include": None, "functions": [], "drivers": [], "driver_entries": []}
    fn = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            where = f"{path}:{lineno}"
            words = line.split()
            try:
                if words[0] == "include" and lab["include"]:
                    lab.setdefault("more_includes", []).append(words[1])
                elif words[0] == "include":
                    lab["include"] = words[1]
                elif words[0] == "matrix":
                    _, lab["matrix"], *fields = words
                    if len(fields) != 3:
                        raise DescError("matrix TYPE DATA ROWS COLS")
                    lab["matrix_fields"] = fields
                elif words[0] == "record":
                    parse_record(lab, words[1:])
                elif words[0] == "problem":
                    lab["problem"], lab["problem_fields"] = words[1], words[2:]
                elif words[0] == "drivers":
                    lab["drivers"].append(os.path.join(os.path.dirname(path), words[1]))
                elif words[0] == "driver":
                    if len(words) != 4 or not NAME_RE.match(words[1]) or not re.fullmatch(r"[pzdl]+", words[3]):
                        raise DescError("driver NAME FUNCTION SIG (SIG: p z d l per argument)")
                    lab["driver_entries"].append(tuple(words[1:]))
                elif words[0] == "function":
                    fn = parse_function(words[1:], where)
                    lab["functions"].append(fn)
                elif fn is None:
                    raise DescError("an argument before the first function line")
                elif words[0] == "tests":
                    fn["tests"] = parse_tests(line[len("tests"):], where)
                else:
                    fn["args"].append(parse_arg(words, where))
            except (DescError, IndexError) as e:
                raise DescError(f"{where}: {e or 'a word is missing'}")
    if not lab["include"]:
        raise DescError(f"{path}: no 'include HEADER' line")
    if not lab["functions"]:
        raise DescError(f"{path}: no function described")
    for fn in lab["functions"]:
        flatten(fn, lab)
        check_function(fn)
    return lab


def parse_record(lab, words):
    """record TYPE FIELD:KIND ...: a struct the lab passes by pointer, as its
    fields travel (one double each; KIND[N]: N of them, KIND a field kind or
    a record declared before).  Fields not listed are zero in the runner."""
    if len(words) < 2 or not NAME_RE.match(words[0]):
        raise DescError("record TYPE FIELD:KIND ... (KIND: int64, int, size, char[N] or a record[N])")
    records = lab.setdefault("records", {})
    fields, size, ranges = [], 0, []
    for item in words[1:]:
        m = re.fullmatch(r"([A-Za-z_]\w*):([A-Za-z_]\w*)(?:\[([1-9]\d*)\])?(?::(-?\d+)\.\.(-?\d+)?)?", item)
        ok = m and ((m[2] in FIELD_KINDS and (m[2] == "char") == bool(m[3])) or m[2] in records)
        if not ok or (m[4] is not None and (m[2] not in ("int64", "int", "size") or m[3])):
            raise DescError(f"record {words[0]}: {item!r} is not FIELD:KIND[:LO..[HI]] (int64, int, size, "
                            f"char[N], or TYPE or TYPE[N] of a record declared before; a range on an "
                            f"int64, int or size field only)")
        n = int(m[3] or 1)
        fields.append((m[1], m[2], int(m[3]) if m[3] else None))
        if m[2] in records:  # the nested record's ranges, on its first entry
            ranges += [(f"{m[1]}{'[0]' if m[3] else ''}.{f}", size + off, lo, hi)
                       for f, off, lo, hi in records[m[2]]["ranges"]]
        elif m[4] is not None:
            lo, hi = int(m[4]), int(m[5]) if m[5] is not None else None
            if hi is not None and hi < lo:
                raise DescError(f"record {words[0]}: {item!r}: an empty range")
            # a size below 0 reads as 0 (rec_size): no lower test then
            lo = None if m[2] == "size" and lo <= 0 else lo
            if lo is not None or hi is not None:
                ranges.append((m[1], size, lo, hi))
        size += n * (records[m[2]]["size"] if m[2] in records else 1)
    records[words[0]] = {"fields": fields, "size": size, "ranges": ranges}


def parse_function(words, where):
    if len(words) < 4 or words[2] != "returns" or words[3] not in ("status", "void", "count"):
        raise DescError("function NAME TASK returns status|void|count TYPE [nan propagates|nan rejected] "
                        "[gives memory]")
    fn = {"name": words[0], "task": words[1], "status": words[3] != "void", "nan": False,
          "nan_rejected": False, "count": None, "args": [], "tests": [], "where": where,
          "gives_memory": False}
    rest = words[4:]
    if rest[-2:] == ["gives", "memory"]:
        fn["gives_memory"] = True
        rest = rest[:-2]
    if words[3] == "count":
        if not rest or rest[0] not in RET_TYPES:
            raise DescError(f"returns count TYPE: TYPE is one of {', '.join(RET_TYPES)}")
        fn["count"] = RET_TYPES[rest.pop(0)]
    if rest == ["nan", "propagates"]:
        fn["nan"] = True
    elif rest == ["nan", "rejected"]:
        fn["nan_rejected"] = True
    elif rest:
        raise DescError(f"unknown words after returns: {' '.join(rest)}")
    if not NAME_RE.match(fn["name"]) or not re.fullmatch(r"lab\d\d\.[1-9]\d*", fn["task"]):
        raise DescError("a function's NAME is a C name and its TASK reads labNN.n")
    return fn


def parse_tests(text, where):
    tests = []
    for item in text.split(","):
        parts = item.split()
        if len(parts) != 2 or parts[0] not in RULES or not parts[1].isdigit() or int(parts[1]) <= 0:
            raise DescError(f"tests: {item.strip()!r} is not RULE POINTS (rules: {', '.join(RULES)})")
        tests.append((parts[0], int(parts[1])))
    return tests


def parse_arg(words, where):
    if len(words) < 2 or words[1] not in KINDS:
        raise DescError(f"an argument is NAME KIND ... with KIND one of {', '.join(KINDS)}")
    arg = {"where": where, "name": words[0], "kind": words[1], "shape": None, "nullable": False, "notunique": False,
           "lo": None, "hi": None, "example": None, "reject": [], "values": [], "enum": None, "index": None}
    if not NAME_RE.match(arg["name"]):
        raise DescError(f"{arg['name']!r} is not a C name")
    rest = words[2:]
    arg["derived"] = None
    if arg["kind"] == "size" and rest[:1] == ["="]:
        arg["derived"] = " ".join(rest[1:])
        return arg
    if arg["kind"] == "mat":
        if len(rest) != 2:
            raise DescError("a matrix argument is NAME mat ROWS COLS")
        arg["rows"], arg["cols"] = rest
        return arg
    if arg["kind"] == "problem":
        arg["fields"] = []
        for item in rest:
            field, eq, shape = item.partition("=")
            rows, comma, cols = shape.partition(",")
            if not eq or not comma:
                raise DescError("a problem argument is NAME problem FIELD=ROWS,COLS ...")
            arg["fields"].append((field, rows, cols))
        return arg
    if arg["kind"] == "text":
        return parse_text_arg(arg, rest)
    if arg["kind"] == "int64":  # an int of C type int64_t
        arg["kind"], arg["ctype"] = "int", "int64_t"
    if arg["kind"] in ("record", "record_out"):
        if not rest or not NAME_RE.match(rest[0]):
            raise DescError(f"a {arg['kind']} argument is NAME {arg['kind']} TYPE SHAPE")
        arg["record"] = rest.pop(0)
    if arg["kind"] in TENSOR_KINDS:
        if not rest:
            raise DescError(f"tensor {arg['name']} needs a shape")
        arg["shape"] = rest.pop(0)
    if arg["kind"] == "enum":
        if not rest or not NAME_RE.match(rest[0]):
            raise DescError("an enum argument is NAME enum TYPE example V [reject V,...]")
        arg["enum"] = rest.pop(0)
    while rest:
        key = rest.pop(0)
        if key == "nullable" and arg["kind"] in TENSOR_KINDS:
            arg["nullable"] = True
        elif key == "notunique" and arg["kind"] == "out":
            arg["notunique"] = True
        elif key == "below" and arg["kind"] == "index":
            arg["index"] = rest.pop(0)
        elif key == "range" and arg["kind"] in ("size", "dim"):
            lo, sep, hi = rest.pop(0).partition("..")
            if not sep or not lo.isdigit():
                raise DescError("range is LO..HI or LO.. (LO a number)")
            arg["lo"], arg["hi"] = int(lo), hi or None
        elif key == "example" and arg["kind"] in ("size", "real", "int", "dim", "real32", "enum"):
            arg["example"] = rest.pop(0)
        elif key == "example" and arg["kind"] == "record" and rest and NAME_RE.match(rest[0]):
            arg["example"] = rest.pop(0)  # a C function of the lab's tests that fills the records
        elif key == "example" and arg["kind"] == "texts" and rest:
            arg["example"] = [text_value(v) for v in rest.pop(0).split("|")]
            if len(arg["example"]) > DESC_VALUES_MAX:
                raise DescError(f"texts example: 1 to {DESC_VALUES_MAX} strings")
        elif key == "reject" and arg["kind"] in ("real", "int", "real32", "enum"):
            arg["reject"] = [number(v, f"reject of {arg['name']}") for v in rest.pop(0).split(",")]
        elif key == "values" and arg["kind"] == "in":
            arg["values"] = [number(v, f"values of {arg['name']}") for v in rest.pop(0).split(",")]
            if not arg["values"] or len(arg["values"]) > DESC_VALUES_MAX:
                raise DescError(f"values: 1 to {DESC_VALUES_MAX} numbers")
        else:
            raise DescError(f"{key!r} does not apply to a {arg['kind']} argument")
    if arg["kind"] == "index" and not arg["index"]:
        raise DescError(f"an index argument is NAME index SHAPE below EXPR")
    if arg["kind"] in ("size", "real", "int", "dim", "real32", "enum") and arg["example"] is None:
        raise DescError(f"{arg['name']} needs an example value")
    if arg["kind"] in ("size", "dim") and arg["lo"] is None:
        raise DescError(f"size {arg['name']} needs a range")
    if arg["kind"] in ("size", "int", "dim", "enum") and not re.fullmatch(r"-?\d+", arg["example"]):
        raise DescError(f"the example of {arg['name']} is an integer")
    if arg["kind"] in ("real", "real32"):
        number(arg["example"], f"example of {arg['name']}")
    return arg


TENSOR_KINDS = ("in", "out") + tuple(k for k in BUFFER_KINDS if k != "text")


def parse_text_arg(arg, rest):
    """ARG text example WORD [reject W|W...] [nullable]: a string argument."""
    while rest:
        key = rest.pop(0)
        if key == "nullable":
            arg["nullable"] = True
        elif key == "example" and rest:
            arg["example"] = text_value(rest.pop(0))
        elif key == "reject" and rest:
            arg["reject"] = [text_value(v) for v in rest.pop(0).split("|")]
        else:
            raise DescError(f"{key!r} does not apply to a text argument (example, reject, nullable)")
    if arg["example"] is None:
        raise DescError(f"{arg['name']} needs an example value")
    if len(arg["reject"]) > 6:
        raise DescError(f"{arg['name']}: at most 6 rejected values")
    return arg


def text_value(word):
    return "" if word == '""' else word


def entry(name, kind, **kw):
    e = {"name": name, "kind": kind, "shape": None, "nullable": False, "notunique": False,
         "lo": None, "hi": None, "example": None, "reject": [], "derived": None, "pointer_flag": False,
         "buffer": None, "companion": False, "values": [], "index": None, "record": None,
         "per": 0, "ranges": []}
    e.update(kw)
    return e


def flatten(fn, lab):
    """fn["wire"]: the arguments as the wire carries them (a matrix is its
    tensor and two sizes, a problem a flag and its matrices), the dims after
    them (not sent); fn["c_args"]: (C type, C expression of the wire) per
    argument of the C function, in its order."""
    wire, dims, c_args = [], [], []

    def mat(name, rows, cols):
        if "matrix" not in lab:
            raise DescError(f"{fn['where']}: {name}: a matrix argument needs a 'matrix' line")
        w = len(wire)
        wire.append(entry(name, "in", shape=f"{name}.rows*{name}.cols"))
        wire.append(entry(f"{name}.rows", "size", derived=rows))
        wire.append(entry(f"{name}.cols", "size", derived=cols))
        data, r, c = lab["matrix_fields"]
        return f"(({lab['matrix']}){{.{data} = RP({w}), .{r} = RZ({w + 1}), .{c} = RZ({w + 2})}})"

    for a in fn["args"]:
        k = a["kind"]
        if k in BUFFER_KINDS or k == "real32":
            c_args.append(buffer_arg(a, wire, lab))
        elif k == "dim":
            dims.append(entry(a["name"], "dim", lo=a["lo"], hi=a["hi"], example=a["example"]))
        elif k == "mat":
            c_args.append((lab.get("matrix", "?"), mat(a["name"], a["rows"], a["cols"])))
        elif k == "problem":
            if "problem" not in lab or [f for f, _, _ in a["fields"]] != lab["problem_fields"]:
                raise DescError(f"{fn['where']}: {a['name']}: a problem argument names the fields of "
                                f"the 'problem' line, in its order")
            w = len(wire)
            wire.append(entry(a["name"], "int", pointer_flag=True, example="1"))
            fields = ", ".join(f".{f} = {mat(f, r, c)}" for f, r, c in a["fields"])
            c_args.append((f"const {lab['problem']} *", f"RL({w}) ? &({lab['problem']}){{{fields}}} : NULL"))
        elif k == "enum":
            w = len(wire)
            wire.append(entry(a["name"], "int", example=a["example"], reject=a["reject"]))
            c_args.append((f"enum {a['enum']}", f"(enum {a['enum']})desc_enum_(RL({w}))"))
        else:
            w = len(wire)
            wire.append(entry(a["name"], k, shape=a["shape"], nullable=a["nullable"],
                              notunique=a["notunique"], lo=a["lo"], hi=a["hi"], example=a["example"],
                              reject=a["reject"], derived=a["derived"], values=a["values"],
                              index=a.get("index")))
            c_args.append((a.get("ctype") or C_TYPE[k], f"{ACCESS[k]}({w})"))
    fn["n_wire"] = len(wire)
    fn["wire"] = wire + dims
    fn["c_args"] = c_args


def buffer_arg(a, wire, lab):
    """A buffer kind's wire entries (ARG, and ARG_out for inout kinds) and its
    C argument, a variable the wrapper prepares (buffer_lines)."""
    w, k = len(wire), a["kind"]
    if k == "real32":
        wire.append(entry(a["name"], "real", example=a["example"], reject=a["reject"], buffer="r"))
        return ("float", f"(float)RD({w})")
    ctype, wkind, code, companion = BUFFER_KINDS[k]
    shape = a["shape"]
    if k in ("record", "record_out"):
        if a["record"] not in lab.get("records", {}):
            raise DescError(f"{a['where']}: {a['name']}: {a['record']} is no record declared before (record TYPE ...)")
        ctype = ("const " if k == "record" else "") + a["record"] + " *"
        shape = f"({shape})*{lab['records'][a['record']]['size']}"
        extra = {"per": lab["records"][a["record"]]["size"],
                 "ranges": lab["records"][a["record"]]["ranges"] if k == "record" else []}
    else:
        extra = {}
    wire.append(entry(a["name"], wkind, shape=shape, nullable=a["nullable"], buffer=code, record=a.get("record"),
                      index=a.get("index"),
                      example=a["example"] if k in ("text", "record", "texts") else None,
                      reject=a["reject"] if k == "text" else [], **extra))
    if companion:
        wire.append(entry(a["name"] + "_out", "out", shape=a["shape"], companion=True))
    return (ctype, f"v{w}")


# Per buffer code: the wrapper's line before the call (a variable v{i} for the
# C argument) and after it (the outputs back onto the wire); {o} is ARG_out.
BUFFER_LINES = {
    "u": ("double *v{i} = rb_inout(&a[{i}], &a[{o}]);", "rb_inout_done(&a[{i}], &a[{o}], ret);"),
    "f": ("const float *v{i} = rb_floats(&rb[{i}], &a[{i}]);", "rb_floats_done(&rb[{i}], &a[{i}]);"),
    "F": ("float *v{i} = rb_floats(&rb[{i}], &a[{i}]);",
          "rb_floats_out_done(&rb[{i}], &a[{i}], &a[{o}], ret);"),
    "b": ("const unsigned char *v{i} = rb_bytes(&rb[{i}], &a[{i}], 0);", "rb_bytes_done(&rb[{i}], &a[{i}]);"),
    "t": ("const char *v{i} = (const char *)rb_bytes(&rb[{i}], &a[{i}], 1);",
          "rb_bytes_done(&rb[{i}], &a[{i}]);"),
    "B": ("unsigned char *v{i} = rb_bytes_out(&rb[{i}], &a[{i}]);", "rb_bytes_out_done(&rb[{i}], &a[{i}], ret);"),
    "T": ("char *v{i} = (char *)rb_bytes_out(&rb[{i}], &a[{i}]);", "rb_bytes_out_done(&rb[{i}], &a[{i}], ret);"),
    "s": ("size_t *v{i} = rb_sizes(&rb[{i}], &a[{i}]);", "rb_sizes_done(&rb[{i}], &a[{i}]);"),
    "I": ("int64_t *v{i} = rb_int64s(&rb[{i}], &a[{i}]);", "rb_int64s_done(&rb[{i}], &a[{i}]);"),
    "x": ("const size_t *v{i} = rb_indices(&rb[{i}], &a[{i}]);", "rb_indices_done(&rb[{i}], &a[{i}]);"),
    "L": ("const char *const *v{i} = rb_texts(&rb[{i}], &a[{i}]);", "rb_texts_done(&rb[{i}], &a[{i}]);"),
    "R": ("const {T} *v{i} = rb_records(&rb[{i}], &a[{i}], sizeof({T}), RECORD_DOUBLES_{T}, record_load_{T});",
          "rb_records_done(&rb[{i}], &a[{i}], sizeof({T}), RECORD_DOUBLES_{T}, record_store_{T});"),
    "Q": ("{T} *v{i} = rb_records_out(&rb[{i}], &a[{i}], sizeof({T}), RECORD_DOUBLES_{T});",
          "rb_records_out_done(&rb[{i}], &a[{i}], sizeof({T}), RECORD_DOUBLES_{T}, record_store_{T}, ret);"),
}


def buffer_lines(fn, after):
    """The wrapper's lines before (after=0) or after (1) the call."""
    return ["    " + BUFFER_LINES[a["buffer"]][after].format(i=i, o=i + 1, T=a["record"])
            for i, a in enumerate(fn["wire"][:fn["n_wire"]]) if a["buffer"] in BUFFER_LINES]


def uses_buffers(fn):
    return any(a["buffer"] and a["buffer"] != "r" for a in fn["wire"])


def check_function(fn):
    name, args = fn["name"], fn["wire"]
    where = fn["where"]
    if fn["n_wire"] > MAX_ARGS:
        raise DescError(f"{where}: {name} has {fn['n_wire']} arguments on the wire, which carries {MAX_ARGS}")
    names = [a["name"] for a in args]
    if len(set(names)) != len(names):
        raise DescError(f"{where}: {name}: two arguments share a name")
    sizes = {a["name"]: f"v[{i}].z" for i, a in enumerate(args) if a["kind"] in ("size", "dim")}
    sizes.update({a["name"]: f"(uint64_t)v[{i}].l" for i, a in enumerate(args) if a["kind"] == "int"})
    for a in args:
        if a["shape"]:
            a["shape_c"] = expr_to_c(a["shape"], sizes, f"{where}: {name}: shape of {a['name']}")
        if a["hi"]:
            a["hi_c"] = expr_to_c(a["hi"], sizes, f"{where}: {name}: range of {a['name']}")
        if a["index"]:
            a["index_c"] = expr_to_c(a["index"], sizes, f"{where}: {name}: index bound of {a['name']}")
        if a["derived"]:
            a["derived_c"] = expr_to_c(a["derived"], sizes, f"{where}: {name}: {a['name']}")
        if a["kind"] in ("size", "dim") and not a["derived"] and int(a["example"]) < a["lo"]:
            raise DescError(f"{where}: {name}: the example of {a['name']} is below its range")
    rules = [r for r, _ in fn["tests"]]
    for a in args:
        if rules and a["buffer"] in ("R", "L") and not a["example"]:
            raise DescError(f"{where}: {name}: derived tests need an example of {a['name']} "
                            f"({'example FUNCTION' if a['buffer'] == 'R' else 'example W|W...'})")
    if len(set(rules)) != len(rules):
        raise DescError(f"{where}: {name}: a rule is listed twice in tests")
    need_status = {"null", "range"}
    if not fn["status"] and need_status & set(rules):
        raise DescError(f"{where}: {name} returns void: it cannot reject arguments (tests null, range)")
    if "nan" in rules and not (fn["nan"] or fn["nan_rejected"]):
        raise DescError(f"{where}: {name}: tests nan needs 'nan propagates' or 'nan rejected' on the "
                        f"function line")
    if "null" in rules and not any((a["kind"] in ("in", "out") and not a["nullable"]) or a["pointer_flag"]
                                   for a in args):
        raise DescError(f"{where}: {name}: tests null, but no pointer must be rejected when NULL")
    if "range" in rules and not any((a["kind"] in ("size", "dim") and not a["derived"] and (a["lo"] > 0 or a["hi"]))
                                    or a["reject"] or a["buffer"] == "x" or a["ranges"] for a in args):
        raise DescError(f"{where}: {name}: tests range, but no argument has a value to reject")
    if "inputs" in rules and not any(a["kind"] == "in" for a in args):
        raise DescError(f"{where}: {name}: tests inputs, but it has no input tensor")
    for rule, _ in fn["tests"]:
        if len(test_name(fn, rule)) > MAX_NAME:
            raise DescError(f"{where}: the test name {test_name(fn, rule)!r} is longer than {MAX_NAME}")


def test_name(fn, rule):
    n = fn["name"]
    long = long_test_name(fn, rule)
    if len(long) <= MAX_NAME:
        return long
    # A long function name: the short form (still unique per function and rule).
    return {
        "null": f"{n} rejects NULL pointers",
        "range": f"{n} rejects values out of range",
        "edges": f"{n} is right at its edges",
        "inputs": f"{n} keeps its inputs",
        "nan": f"{n} propagates NaN and Inf",
        "oom": f"{n} survives out of memory" if fn["gives_memory"] else f"{n} survives OOM, frees memory",
    }[rule]


def long_test_name(fn, rule):
    n = fn["name"]
    return {
        "null": f"{n} rejects NULL pointers, writes nothing",
        "range": f"{n} rejects values out of range, writes nothing",
        "edges": f"{n} is right at the edges of its ranges",
        "inputs": f"{n} leaves its inputs unchanged",
        "nan": f"{n} rejects NaN and Inf, writes nothing" if fn["nan_rejected"]
               else f"{n} propagates NaN and Inf",
        "oom": f"{n} survives out of memory, writes nothing" if fn["gives_memory"]
               else f"{n} survives out of memory, frees its memory",
    }[rule]


def test_hint(fn, rule):
    ptrs = ", ".join(a["name"] for a in fn["wire"]
                     if (a["kind"] in ("in", "out") and not a["nullable"] and not a["companion"])
                     or a["pointer_flag"])
    ins = ", ".join(a["name"] for a in fn["wire"] if a["kind"] == "in")
    ranges = []
    for a in fn["wire"]:
        if a["derived"]:
            continue
        if a["kind"] in ("size", "dim"):
            ranges.append(f"{a['name']} in {a['lo']}..{a['hi']}" if a["hi"] else f"{a['name']} >= {a['lo']}")
        elif a["buffer"] == "x":
            ranges.append(f"every entry of {a['name']} below {a['index']}")
        elif a["reject"] and a["buffer"] == "t":
            ranges.append(f"{a['name']} not {' or '.join(repr(v) if v else 'empty' for v in a['reject'])}")
        elif a["reject"]:
            ranges.append(f"{a['name']} not {'/'.join(v.lower().replace('infinity', 'inf') for v in a['reject'])}")
        if a["ranges"]:  # grouped by bound: "in m: vocab, kinds[].d_in >= 1; norm in 0..1"
            groups = {}
            for f, _, lo, hi in a["ranges"]:
                bound = f"in {lo}..{hi}" if lo is not None and hi is not None else \
                    f">= {lo}" if hi is None else f"<= {hi}"
                groups.setdefault(bound, []).append(f.replace("[0].", "[]."))
            ranges.append(f"the fields of {a['name']}: " + "; ".join(f"{', '.join(fs)} {b}" for b, fs in groups.items()))
    zero_size = any(a["kind"] in ("size", "dim") and not a["derived"] and a["lo"] == 0 for a in fn["wire"])
    texts_null = "".join(f", and one entry of {a['name']} NULL" for a in fn["wire"] if a["buffer"] == "L")
    first = "A valid call, made first, must match the reference; then "
    return first + {
        "null": f"each of {ptrs} passed alone as NULL{texts_null} must return LAB_EARG before anything "
                "is written.",
        "range": f"{'; '.join(ranges)}: a value outside must return LAB_EARG before anything is written.",
        "edges": f"the smallest (and largest) legal sizes must give the reference's result "
                 f"({', '.join(r for r in ranges if ' not ' not in r and not r.startswith(('every entry', 'the fields of ')))})." +
                 (" A size of 0 must not reach malloc: malloc(0) may return NULL (C allows it, and the "
                  "grader tries it), which is no failed malloc." if zero_size and "oom" in [r for r, _ in fn["tests"]] else ""),
        "inputs": f"{ins} are const: they must be bit for bit the same after the call.",
        "nan": (f"a NaN or an Inf anywhere in {ins} (the first entry too) must return LAB_EARG "
                "before anything is written." if fn["nan_rejected"] else
                "a NaN or an Inf in an input follows IEEE arithmetic: do not test for it or skip a "
                "term whose factor is 0."),
        "oom": "with every malloc, calloc and realloc returning NULL it must not crash: check each "
               "allocation and return LAB_EARG before any output is written (free what was allocated)." +
               ("" if fn["gives_memory"] else
                " On every path (success, and each allocation failing in turn) free everything it "
                "allocated before it returns: no leak."),
    }[rule]


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def adapter_c(lab, src):
    buffers = any(uses_buffers(fn) for fn in lab["functions"]) or lab["drivers"]
    out = [f"/* adapter.c - generated by grader/engine/describe.py from {src}: do not edit.\n"
           " * The lab's functions as the runner calls them (runner.h); in the judge the\n"
           " * same wrappers call the reference. */"]
    if buffers:
        out.append("#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS (runner_buffers.h) */")
    for inc in [lab["include"]] + lab.get("more_includes", []):
        out.append(f'#include "{inc}"')
    out += ['#include "runner.h"'] + (['#include "runner_buffers.h"'] if buffers else [])
    out += ['#include "records.h"', ""] if lab.get("records") else [""]
    if any(a["kind"] == "enum" for fn in lab["functions"] for a in fn["args"]):
        out += ["#include <limits.h>", "",
                "/* The wire's integer as an enum argument (an int): a value outside int's",
                " * range becomes INT_MAX, so a bad value stays bad instead of wrapping onto",
                " * a valid one. */",
                "static int desc_enum_(int64_t wire) { return wire >= INT_MIN && wire <= INT_MAX ? (int)wire : INT_MAX; }",
                ""]
    for fn in lab["functions"]:
        out.append(f"#pragma weak {fn['name']}")
    out.append("")
    for fn in lab["functions"]:
        ret = fn["count"] or ("int" if fn["status"] else "void")
        params = ", ".join(t for t, _ in fn["c_args"]) or "void"
        out.append(f"/* {fn['name']} is the function the description says it is (header {lab['include']}). */")
        out.append(f"_Static_assert(__builtin_types_compatible_p(__typeof__(&{fn['name']}), "
                   f"{ret} (*)({params})),\n               "
                   f"\"{fn['name']}: the description in {src} does not match {lab['include']}\");")
        call = f"{fn['name']}(" + ", ".join(e for _, e in fn["c_args"]) + ")"
        out.append(f"static int64_t call_{fn['name']}(const runner_arg_t *a)\n{{")
        if not fn["args"]:
            out.append("    (void)a;")
        if uses_buffers(fn):
            out.append(f"    rb_t rb[{fn['n_wire']}];\n    memset(rb, 0, sizeof rb);")
            out += buffer_lines(fn, 0)
            out.append("    int64_t ret = RB_BAD_CALL;\n    int failed = 0;")
            out.append(f"    for (int i = 0; i < {fn['n_wire']}; i++)\n        failed |= rb[i].failed;")
            out.append(f"    if (!failed) {{\n        alloc_fault_begin();\n        ret = {call};\n"
                       f"        alloc_fault_end();\n    }}" if fn["status"] else
                       f"    if (!failed) {{\n        alloc_fault_begin();\n        {call};\n"
                       f"        alloc_fault_end();\n        ret = 0;\n    }}")
            out += buffer_lines(fn, 1)
            out.append("    return ret;")
        else:
            out.append(f"    alloc_fault_begin();\n    int64_t ret = {call};\n    alloc_fault_end();\n    return ret;"
                       if fn["status"] else
                       f"    alloc_fault_begin();\n    {call};\n    alloc_fault_end();\n    return 0;")
        out.append("}\n")
    for path in lab["drivers"]:
        with open(path, encoding="utf-8") as f:
            out.append(f"/* ---- pasted from {path} ---- */\n" + f.read())
    out.append("const runner_fn_t runner_functions[] = {")
    for fn in lab["functions"]:
        sig = "".join(WIRE[a["kind"]] for a in fn["wire"][:fn["n_wire"]])
        out.append(f"    {{\"{fn['name']}\", \"{sig}\", (runner_addr_t){fn['name']}, call_{fn['name']}}},")
    for name, func, sig in lab["driver_entries"]:
        out.append(f"    {{\"{name}\", \"{sig}\", (runner_addr_t){func}, driver_{name}}},")
    out.append("    {0, 0, 0, 0},\n};")
    return "\n".join(out) + "\n"


def records_h(lab, src):
    """records.h: each record's size on the wire (RECORD_DOUBLES_TYPE) and its
    conversion from (record_load_TYPE) and to (record_store_TYPE) the wire's
    doubles, for the adapter (runner_buffers.h's rb_records) and for the
    lab's tests, which build the tensors the same way."""
    out = [f"/* records.h - generated by grader/engine/describe.py from {src}: do not edit.\n"
           " * The lab's records (structs passed by pointer) as the wire carries them:\n"
           " * each listed field one double (KIND[N]: N), in the listed order. */",
           "#ifndef LORALAB_GEN_RECORDS_H", "#define LORALAB_GEN_RECORDS_H", ""]
    for inc in [lab["include"]] + lab.get("more_includes", []):
        out.append(f'#include "{inc}"')
    out += ["#include <limits.h>", "#include <math.h>", "#include <stdint.h>", "#include <stddef.h>", "",
            "/* A double as a field: out-of-range values saturate (never wrap onto a valid",
            " * one), NaN reads as the smallest. */",
            "static inline int64_t rec_i64(double d) { return d >= 9.2e18 ? INT64_MAX : d > -9.2e18 ? (int64_t)d : INT64_MIN; }",
            "static inline int rec_int(double d) { return d >= INT_MAX ? INT_MAX : d > INT_MIN ? (int)d : INT_MIN; }",
            "static inline size_t rec_size(double d) { return d >= 1.8e19 ? SIZE_MAX : d > 0 ? (size_t)d : 0; }",
            "static inline char rec_char(double d) { return (char)(unsigned char)(d >= 0 && d <= 255 ? (int)d : 0); }",
            "/* A count back: exact below 2^53, NaN above (a double holds no more). */",
            "static inline double rec_exact(int64_t v) { return v <= 9007199254740992 && v >= -9007199254740992 ? (double)v : NAN; }",
            ""]
    records = lab.get("records", {})
    for t, rec in records.items():
        load, store, off = [], [], 0
        for f, kind, n in rec["fields"]:
            if kind in records:
                sub = records[kind]["size"]
                if n:
                    out.append(f"_Static_assert(sizeof(({t} *)0)->{f} / sizeof(({t} *)0)->{f}[0] == {n}, "
                               f"\"{t}.{f}: the description's length is not the header's\");")
                    load.append(f"    for (size_t k = 0; k < {n}; k++)\n        record_load_{kind}(&r->{f}[k], w + {off} + k * {sub});")
                    store.append(f"    for (size_t k = 0; k < {n}; k++)\n        record_store_{kind}(&r->{f}[k], w + {off} + k * {sub});")
                else:
                    load.append(f"    record_load_{kind}(&r->{f}, w + {off});")
                    store.append(f"    record_store_{kind}(&r->{f}, w + {off});")
                off += (n or 1) * sub
            elif n:
                out.append(f"_Static_assert(sizeof(({t} *)0)->{f} == {n}, "
                           f"\"{t}.{f}: the description's length is not the header's\");")
                conv_in, conv_out = FIELD_KINDS[kind]
                load.append(f"    for (size_t k = 0; k < {n}; k++)\n        r->{f}[k] = {conv_in}(w[{off} + k]);")
                store.append(f"    for (size_t k = 0; k < {n}; k++)\n        w[{off} + k] = {conv_out}(r->{f}[k]);")
                off += n
            else:
                conv_in, conv_out = FIELD_KINDS[kind]
                load.append(f"    r->{f} = {conv_in}(w[{off}]);")
                store.append(f"    w[{off}] = {conv_out}(r->{f});")
                off += 1
        out += [f"#define RECORD_DOUBLES_{t} {rec['size']}",
                f"static inline void record_load_{t}(void *dst, const double *w)\n{{\n    {t} *r = dst;",
                *load, "}",
                f"static inline void record_store_{t}(const void *src, double *w)\n{{\n    const {t} *r = src;",
                *store, "}", ""]
    out.append("#endif")
    return "\n".join(out) + "\n"


def functions_c(lab, src):
    out = [f"/* functions.c - generated by grader/engine/describe.py from {src}: do not edit.\n"
           " * The judge's description of each student function (describe.h) and the\n"
           " * contract tests derived from it (contract.c). */",
           '#include "describe.h"', '#include "test.h"', "", "#include <math.h>", ""]
    fills = sorted({a["example"] for fn in lab["functions"] for a in fn["wire"] if a["buffer"] == "R" and a["example"]})
    for f in fills:
        out.append(f"fn_fill_t {f}; /* the lab's tests.c: example records (describe.py) */")
    out += [""] if fills else []
    for k, fn in enumerate(lab["functions"]):
        out.append(f"static void shapes_{fn['name']}(fn_value_t *v, uint64_t *count, uint64_t *max)\n{{")
        out.append("    (void)v, (void)count, (void)max;")
        for i, a in enumerate(fn["wire"]):
            if a["derived"]:
                out.append(f"    v[{i}].z = {a['derived_c']};")
        for i, a in enumerate(fn["wire"]):
            if a["shape"]:
                out.append(f"    count[{i}] = {a['shape_c']};")
            if a.get("hi"):
                out.append(f"    max[{i}] = {a['hi_c']};")
            if a.get("index"):
                out.append(f"    max[{i}] = {a['index_c']};")
        out.append("}\n")
    out.append("const fn_desc_t lab_functions[] = {")
    for fn in lab["functions"]:
        out.append(f"    {{{c_str(fn['name'])}, {c_str(fn['task'])}, {int(fn['status'])}, {int(fn['nan'])}, "
                   f"{fn['n_wire']}, {len(fn['wire'])}, shapes_{fn['name']}, {{")
        for a in fn["wire"]:
            rej = ", ".join(a["reject"])
            lo = a["lo"] if a["lo"] is not None else 0
            text = a["buffer"] in ("t", "R", "L")  # examples that are no number
            example = "0" if a["example"] is None or text else number(a["example"], "example")
            out.append(f"        {{{c_str(a['name'])}, {ARG_KIND[a['kind']]}, {c_str(a['shape'] or '')}, "
                       f"{int(a['nullable'])}, {lo}, {int(bool(a['hi']))}, {example}, "
                       f"{0 if text else len(a['reject'])}, {{{'' if text else rej}}}, "
                       f"{int(bool(a['derived']))}, {int(a['pointer_flag'])}{buffer_fields(a)}"
                       f", .n_values = {len(a['values'])}, .values = {{{', '.join(a['values']) or '0'}}}"
                       f", .not_unique = {int(a['notunique'])}, .index = {int(bool(a['index']))}}},")
        out.append(f"    }}, {int(bool(fn['count']))}, {int(fn['nan_rejected'])}, {int(fn['gives_memory'])}}},")
    out.append("    {0},\n};\n")
    for k, fn in enumerate(lab["functions"]):
        for rule, points in fn["tests"]:
            out.append(f"CONTRACT_TEST({c_str(fn['task'])}, {points}, {c_str(test_name(fn, rule))},\n"
                       f"              {c_str(test_hint(fn, rule))})\n{{\n"
                       f"    contract_{rule}(j, &lab_functions[{k}]);\n}}\n")
    return "\n".join(out)


def buffer_fields(a):
    """fn_arg_desc_t's buffer fields (describe.h), designated, for buffer kinds only."""
    if not a["buffer"] and not a["companion"]:
        return ", .buffer = 0"  # (designated: no warning for the fields left out)
    f = f", .buffer = '{a['buffer'] or 'o'}', .companion = {int(a['companion'])}"
    if a["buffer"] == "t":
        f += f", .text = {c_str(a['example'])}, .n_text_reject = {len(a['reject'])}"
        f += ", .text_reject = {" + ", ".join(c_str(v) for v in a["reject"]) + "}"
    if a["buffer"] in ("R", "Q"):
        f += f", .per = {a['per']}"
    if a["buffer"] == "R" and a["example"]:
        f += f", .fill = {a['example']}"
    if a["ranges"]:
        f += f", .n_fields = {len(a['ranges'])}, .fields = {{" + ", ".join(
            f"{{{c_str(name)}, {off}, {int(lo is not None)}, {lo or 0}, {int(hi is not None)}, {hi or 0}}}"
            for name, off, lo, hi in a["ranges"]) + "}"
        f = f.replace(".fields = {", ".fields = (const fn_field_desc_t[]){")
    if a["buffer"] == "L" and a["example"]:
        f += f", .n_words = {len(a['example'])}, .words = {{" + ", ".join(c_str(v) for v in a["example"]) + "}"
    return f


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    src, out_dir = argv[1], argv[2]
    try:
        lab = parse(src)
    except (DescError, OSError) as e:
        print(f"describe.py: {e}", file=sys.stderr)
        return 1
    os.makedirs(out_dir, exist_ok=True)
    write(os.path.join(out_dir, "adapter.c"), adapter_c(lab, src))
    write(os.path.join(out_dir, "functions.c"), functions_c(lab, src))
    if lab.get("records"):
        write(os.path.join(out_dir, "records.h"), records_h(lab, src))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
