#!/usr/bin/env python3
"""test_platforms.py - the kit on Gradescope and GitHub Classroom, tested as
the platforms would run it.  `make test` runs it (lab-tests stage).

    test_platforms.py [--full NN,NN] NN [NN ...]

For every lab given (in parallel, one worker per lab; with --full, only the
labs it names, the others get check_lab_parts: the zip's checks, the lab's
own parts of the grader built from the zip, lab.conf, the Classroom
template and workflow checks):

Gradescope
  - `make gradescope LAB='NN ...'` (one make for every lab given) makes
    build/gradescope/lab-NN-autograder.zip (and
    keeps the folder): setup.sh and run_autograder at the zip's root,
    executable, and no binary inside (the image is Ubuntu: it builds there);
  - the zip is unpacked into a fake /autograder tree (AUTOGRADER_ROOT), its
    setup.sh runs there with SKIP_APT=1 (nothing may be installed: the
    packages must already be here) and builds the grader from the sources,
    then deletes the reference solution, the hidden tests and their objects
    (checked: no .c file is left but the engine's and labs/common's);
  - run_autograder, copied to the tree's root as Gradescope does, grades
    (a) the reference solution: full marks, (b) the skeleton: 0, every test
    failed, (c) a submission missing a file: score 0 and the file named,
    (d) the reference nested in a repository zip's folders, next to a decoy
    copy of the skeleton: full marks, (e) a submission that does not compile:
    0 and the build failure shown, (f) a file that includes the reference
    by the bundle's path and the kit's: 0; every results.json is checked against
    Gradescope's documented fields (types, score = sum of the tests' scores,
    status values, max_score);
  - the grader built from the zip also writes, for the skeleton, JUnit XML
    (parsed with xml.etree: testsuite/testcase/failure counts agree) and TAP
    (a small TAP 13/14 parser: plan line, ok/not ok numbering, YAML blocks);
  - negative checks: corrupted results.json, JUnit and TAP files must be
    rejected by the same validators, so these checks can fail.

GitHub Classroom
  - `make classroom LAB='NN ...'` (the same make) writes build/classroom/lab-NN/; its workflow is
    checked structurally (with PyYAML when /usr/bin/python3 has it, and with
    a line-based check always): triggers, one command-grader step per graded
    test with the test's points, the reporter's runners and *_RESULTS
    variables, points adding up to the lab's total;
  - the workflow is then simulated in a copy of the template: its shell steps
    run (except apt-get), the grader sources are put where the private-repo
    checkout puts them, and every test step's command runs: the reference
    passes every step, the skeleton fails every step with the reason.

Closing line: "N passed, M failed" and the time each lab took.  Stdlib only.
"""
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from apply_mut import apply_mutation, parse_mutation  # noqa: E402 - the kit's one applier
try:
    import yaml  # python3-yaml, when installed: not required
except ImportError:  # pragma: no cover - depends on the machine
    yaml = None


class Lab:
    """The results of one lab's checks, printed together at the end."""

    def __init__(self, lab):
        self.lab, self.lines, self.passed, self.failed = lab, [], 0, 0
        self.timings = []

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            self.lines.append(f"  ok   {what}")
        else:
            self.failed += 1
            self.lines.append(f"  FAIL {what}")
            if detail:
                self.lines.append("       " + str(detail).strip().replace("\n", "\n       ")[:3000])
        return ok

    def rejects(self, validate, text, what):
        """A negative check: validate(text) must raise."""
        try:
            validate(text)
        except (AssertionError, ValueError, ET.ParseError) as e:
            return self.check(True, f"{what} (rejected: {e})")
        return self.check(False, what, "the validator accepted it")


def run(cmd, cwd=ROOT, env=None, timeout=300):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, cwd=cwd, env=e, capture_output=True, text=True, errors="replace",
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def lab_dir(top, lab):
    found = glob.glob(os.path.join(ROOT, top, lab + "-*"))
    return found[0] if found else None


def student_files(folder):
    return sorted(p for p in glob.glob(os.path.join(folder, "*.c")) if not p.endswith("/demo.c"))


# ------------------------------------------------------------ validators
GS_TOP = {"score", "max_score", "execution_time", "output", "output_format", "test_output_format",
          "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GS_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output",
           "output_format", "tags", "visibility", "extra_data"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def validate_gradescope(text):
    """results.json against Gradescope's autograder specification; returns it."""
    def no_constants(name):
        raise ValueError(f"{name} is not JSON")
    d = json.loads(text, parse_constant=no_constants)
    assert isinstance(d, dict), "the top level is an object"
    assert set(d) <= GS_TOP, f"unknown top-level fields {sorted(set(d) - GS_TOP)}"
    assert is_num(d.get("score")), "score is a number"
    assert is_num(d.get("execution_time")) and d["execution_time"] >= 0, "execution_time is seconds >= 0"
    assert isinstance(d.get("output"), str), "output is a string"
    for k in ("visibility", "stdout_visibility"):
        assert k not in d or d[k] in VISIBILITY, f"{k} is one of {sorted(VISIBILITY)}"
    for k in ("output_format", "test_output_format"):
        assert k not in d or d[k] in FORMATS, f"{k} is one of {sorted(FORMATS)}"
    tests = d.get("tests")
    assert isinstance(tests, list), "tests is a list"
    names = set()
    for i, t in enumerate(tests):
        where = f"tests[{i}]"
        assert isinstance(t, dict), f"{where} is an object"
        assert set(t) <= GS_TEST, f"{where}: unknown fields {sorted(set(t) - GS_TEST)}"
        assert isinstance(t.get("name"), str) and t["name"], f"{where}.name is a non-empty string"
        assert t["name"] not in names, f"{where}.name is unique"
        names.add(t["name"])
        assert is_num(t.get("score")) and is_num(t.get("max_score")), f"{where}: score and max_score are numbers"
        assert 0 <= t["score"] <= t["max_score"], f"{where}: 0 <= score <= max_score"
        assert t.get("status") in ("passed", "failed"), f"{where}.status is passed or failed"
        assert (t["status"] == "passed") == (t["score"] == t["max_score"]), f"{where}: status agrees with score"
        assert isinstance(t.get("output", ""), str), f"{where}.output is a string"
        assert isinstance(t.get("number", ""), str), f"{where}.number is a string"
        assert "tags" not in t or (isinstance(t["tags"], list) and all(isinstance(x, str) for x in t["tags"])), \
            f"{where}.tags is a list of strings"
        assert t.get("visibility", "visible") in VISIBILITY, f"{where}.visibility"
        assert t.get("output_format", "text") in FORMATS, f"{where}.output_format"
    if tests:
        assert abs(sum(t["score"] for t in tests) - d["score"]) < 1e-9, "score is the sum of the tests' scores"
        if "max_score" in d:
            assert is_num(d["max_score"]), "max_score is a number"
            assert abs(sum(t["max_score"] for t in tests) - d["max_score"]) < 1e-9, \
                "max_score is the sum of the tests' max_score"
    if "max_score" in d:
        assert 0 <= d["score"] <= d["max_score"], "0 <= score <= max_score"
    return d


def validate_junit(text):
    """JUnit XML: returns (tests, failures)."""
    root = ET.fromstring(text)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert root.tag in ("testsuites", "testsuite"), f"root element is testsuites, not {root.tag}"
    assert suites, "at least one testsuite"
    total = fails = 0
    for s in suites:
        cases = s.findall("testcase")
        nf = sum(1 for c in cases if c.find("failure") is not None)
        assert s.get("name"), "a testsuite has a name"
        assert int(s.get("tests", -1)) == len(cases), "testsuite tests= counts its testcases"
        assert int(s.get("failures", -1)) == nf, "testsuite failures= counts the failure elements"
        assert int(s.get("errors", 0)) == sum(1 for c in cases if c.find("error") is not None), "errors="
        for c in cases:
            assert c.get("name") and c.get("classname"), "a testcase has name and classname"
            assert len(c.findall("failure")) <= 1, "at most one failure per testcase"
        total, fails = total + len(cases), fails + nf
    if root.tag == "testsuites":
        assert int(root.get("tests", total)) == total, "testsuites tests= is the sum"
        assert int(root.get("failures", fails)) == fails, "testsuites failures= is the sum"
    return total, fails


def validate_tap(text):
    """TAP 13/14: returns [(ok, number, description)]."""
    lines = text.splitlines()
    assert lines, "empty"
    i = 0
    if re.fullmatch(r"TAP version 1[34]", lines[0]):
        i = 1
    plan, results, in_yaml = None, [], False
    for n, line in enumerate(lines[i:], i + 1):
        if in_yaml:
            if line.strip() == "...":
                in_yaml = False
            else:
                assert line.startswith("  ") or not line, f"line {n}: YAML block not indented"
            continue
        if re.fullmatch(r"\s+---", line):
            assert results, f"line {n}: YAML block before any test"
            in_yaml = True
            continue
        m = re.fullmatch(r"1\.\.(\d+)(\s+#.*)?", line)
        if m:
            assert plan is None, f"line {n}: a second plan"
            assert not results or n == len(lines), f"line {n}: the plan is first or last"
            plan = int(m.group(1))
            continue
        if line.startswith("#") or not line.strip():
            continue
        assert not line.startswith("Bail out!"), f"line {n}: bail out"
        m = re.fullmatch(r"(ok|not ok)(?: (\d+))?(?: -)?(?: ([^#]*))?(#.*)?", line)
        assert m, f"line {n}: not a TAP line: {line!r}"
        num = int(m.group(2)) if m.group(2) else len(results) + 1
        assert num == len(results) + 1, f"line {n}: test number {num}, expected {len(results) + 1}"
        results.append((m.group(1) == "ok", num, (m.group(3) or "").strip()))
    assert not in_yaml, "unterminated YAML block"
    assert plan is not None, "no plan line (1..N)"
    assert plan == len(results), f"the plan says {plan} tests, {len(results)} ran"
    return results


# ------------------------------------------------------------ workflow checks
def workflow_lines_check(text, n_tests, total):
    """Without a YAML parser: required keys, one step per test, points."""
    for key in ("name:", "'on':", "jobs:", "runs-on:", "steps:", "permissions:",
                "uses: actions/checkout@v4", "uses: classroom-resources/autograding-grading-reporter@v1",
                "runners:"):
        assert re.search(r"^\s*(- )?" + re.escape(key), text, re.M), f"no line with {key!r}"
    assert re.search(r"^\s*- push$", text, re.M), "not triggered on push"
    ids = re.findall(r"^\s+id: (t\d+)$", text, re.M)
    assert len(ids) == n_tests, f"{len(ids)} test steps, the lab has {n_tests} tests"
    scores = [int(x) for x in re.findall(r"^\s+max-score: (\d+)$", text, re.M)]
    assert len(scores) == n_tests and sum(scores) == total, f"max-score adds up to {sum(scores)}, not {total}"
    runners = re.search(r"^\s+runners: (.*)$", text, re.M).group(1).split(",")
    assert runners == ids, "runners lists every test step, in order"
    for sid in ids:
        assert f"{sid.upper()}_RESULTS: \"${{{{steps.{sid}.outputs.result}}}}\"" in text, f"no {sid.upper()}_RESULTS"
    assert "\t" not in text, "a tab in YAML"


def workflow_yaml_check(text, lab, tests):
    """With PyYAML: the structure GitHub Actions and GitHub Classroom need."""
    d = yaml.safe_load(text)
    assert isinstance(d, dict) and d.get("name"), "a named workflow"
    assert "push" in d.get("on", []), "runs on push"
    jobs = d.get("jobs")
    assert isinstance(jobs, dict) and len(jobs) == 1, "one job"
    job = next(iter(jobs.values()))
    assert job.get("runs-on") == "ubuntu-latest", "runs-on ubuntu-latest"
    steps = job.get("steps")
    assert isinstance(steps, list) and steps, "steps"
    for s in steps:
        assert isinstance(s, dict) and s.get("name"), "every step has a name"
        assert ("uses" in s) != ("run" in s), f"step {s.get('name')}: uses or run"
    assert steps[0].get("uses") == "actions/checkout@v4", "checks out the code first"
    graders = [s for s in steps if str(s.get("uses", "")).startswith("classroom-resources/autograding-command-grader@")]
    assert len(graders) == len(tests), f"{len(graders)} test steps for {len(tests)} tests"
    for k, (s, (task, points, name)) in enumerate(zip(graders, tests), 1):
        w = s.get("with", {})
        assert w.get("test-name") == f"{task} {name}", f"step {k} test-name"
        assert w.get("max-score") == points, f"step {k} max-score is {points}"
        assert w.get("command") == f"bash .github/loralab/check.sh {lab} {k}", f"step {k} command"
        assert isinstance(w.get("timeout"), int) and w["timeout"] >= 1, f"step {k} timeout (minutes)"
        assert re.fullmatch(r"[a-z0-9-]+", s.get("id", "")), f"step {k} id"
    rep = steps[-1]
    assert rep.get("uses", "").startswith("classroom-resources/autograding-grading-reporter@"), "reporter last"
    runners = rep["with"]["runners"].split(",")
    assert runners == [s["id"] for s in graders], "reporter runners = test step ids"
    for sid in runners:
        assert rep["env"].get(f"{sid.upper()}_RESULTS") == f"${{{{steps.{sid}.outputs.result}}}}", f"{sid} results"
    return steps


def simulated_env(step, blank=()):
    """A step's env as GitHub would set it with the settings in place:
    ${{ x != '' }} is "true", any other ${{ ... }} a placeholder value;
    names in blank are empty (a setting that is missing)."""
    env = {}
    for k, v in (step.get("env") or {}).items():
        v = str(v)
        if k in blank:
            v = ""
        elif re.fullmatch(r"\$\{\{.*!= ''\s*\}\}", v):
            v = "true"
        elif "${{" in v:
            v = "simulated/value"
        env[k] = v
    return env


def simulate_workflow(L, steps, tdir, bundle, lab, labname, sub_files, expect_pass, label):
    """Run the workflow's shell steps and test commands in tdir."""
    grader_dir = os.path.join(tdir, ".grader", f"lab-{lab}")
    if not os.path.isdir(grader_dir):
        # What the private-repository checkout puts there: the same bundle.
        # It comes with the grader setup.sh built from it (same build.sh),
        # so the workflow's build step is not repeated: one build per lab.
        shutil.copytree(bundle, grader_dir, ignore=shutil.ignore_patterns("build"))
    lab_folder = os.path.join(tdir, "labs", labname)
    for f in student_files(lab_folder):
        os.remove(f)
    for f in sub_files:
        shutil.copy(f, lab_folder)
    for s in steps:
        cmd = s.get("run")
        if not cmd or "apt-get" in cmd:
            continue
        if cmd == f"bash .github/loralab/build.sh {lab}" and os.path.exists(
                os.path.join(grader_dir, "kit", "grader", "bin", f"grade-{lab}")):
            continue  # built by setup.sh from the same sources (see above)
        env = simulated_env(s)
        rc, out, err = run(["bash", "-eo", "pipefail", "-c", cmd], cwd=tdir, env=env)
        if not L.check(rc == 0, f"classroom ({label}): step '{s['name']}' succeeds", out + err):
            return
    passed, reasons, points = 0, [], 0
    graders = [s for s in steps if "autograding-command-grader" in str(s.get("uses", ""))]
    for s in graders:
        rc, out, err = run(s["with"]["command"].split(), cwd=tdir)  # exec without a shell, like @actions/exec
        ok = rc == 0 and not err
        passed += ok
        points += s["with"]["max-score"] if ok else 0
        if not ok:
            reasons.append(err)
    if expect_pass:
        L.check(passed == len(graders), f"classroom ({label}): all {len(graders)} test steps pass, "
                f"{points} points", "\n".join(reasons[:3]))
    else:
        L.check(passed == 0 and all("not implemented" in r for r in reasons),
                f"classroom ({label}): all {len(graders)} test steps fail, each saying 'not implemented'",
                f"{passed} passed\n" + "\n".join(reasons[:3]))


# ------------------------------------------------------------ one lab
def run_autograder(tree, populate):
    """Fill tree/submission with populate(dir), run run_autograder, return
    (rc, stdout+stderr, results.json text or None, seconds)."""
    sub = os.path.join(tree, "submission")
    shutil.rmtree(sub, ignore_errors=True)
    os.makedirs(sub)
    populate(sub)
    start = time.monotonic()
    rc, out, err = run([os.path.join(tree, "run_autograder")], cwd=tree,
                       env={"AUTOGRADER_ROOT": tree}, timeout=600)
    res = os.path.join(tree, "results", "results.json")
    text = open(res, encoding="utf-8").read() if os.path.exists(res) else None
    return rc, out + err, text, time.monotonic() - start


def gs_case(L, tree, label, populate, expect):
    rc, log, text, secs = run_autograder(tree, populate)
    if not L.check(rc == 0 and text is not None, f"gradescope ({label}): run_autograder leaves results.json "
                   f"({secs:.2f} s)", log):
        return None
    try:
        d = validate_gradescope(text)
    except (AssertionError, ValueError) as e:
        L.check(False, f"gradescope ({label}): results.json follows the specification", f"{e}\n{text[:2000]}")
        return None
    L.check(True, f"gradescope ({label}): results.json follows the specification")
    ok, why = expect(d)
    L.check(ok, f"gradescope ({label}): {why}", json.dumps(d, indent=1)[:2500])
    return d


def kit_diagnosed(lab, soldir, mdir):
    """The first of lab's broken solutions (by name) that are mistake models
    (a mistake: line, edits of the reference, no stub) whose grading by the
    kit's grader/bin/grade-NN prints `diagnosis: <its mistake>` (not every
    one is diagnosed): (name, that line, the folder its .c files are in), or
    None."""
    if run(["make", "--no-print-directory", f"grader/bin/grade-{lab}"])[0] != 0:
        return None
    for path in sorted(glob.glob(os.path.join(ROOT, "grader", "broken", lab, "*.mut"))):
        spec = parse_mutation(path)
        if not (spec["mistake"] and not spec["stubs"] and spec["edits"]):
            continue
        shutil.rmtree(mdir, ignore_errors=True)
        os.makedirs(mdir)
        if apply_mutation(soldir, spec, mdir):
            continue
        said = "diagnosis: " + spec["mistake"]
        rc, out, err = run([os.path.join(ROOT, "grader", "bin", f"grade-{lab}"), mdir])
        if rc == 1 and said in out:
            return os.path.basename(path)[:-4], said, mdir
    return None


def prune_models(L, lab, src, labname, keep):
    """Before setup.sh builds the full lab's grader from its zip: every
    mistake model the zip holds is applied, by the zip's own apply_mut.py, to
    the zip's reference (or skeleton, for a stub), and must apply; then all
    but a few are removed from the unpacked zip, so that setup.sh compiles
    3 models, not 45 (a minute of CPU).  Kept: `keep` (the broken solution
    the bundle's judge must diagnose below), the first stub model and the
    first model of edits (files a mutation leaves as they are: the linked
    objects of grader.mk's models/base/).  Compiling every model with the
    recipe the zip ships (grader.mk, lab.conf's STUDENT_CFLAGS, which pack.py
    copies from mk/common.inc) is what the kit's own `make grader` does
    (make test's shared build, the same grader.mk), and each lab's table is
    built from its zip in check_lab_parts."""
    bdir = os.path.join(src, "kit", "grader", "broken", lab)
    muts = sorted(p for p in glob.glob(os.path.join(bdir, "*.mut")) if parse_mutation(p)["mistake"])
    probe = ("import os, sys, tempfile\n"
             "sys.path.insert(0, 'tools')\n"
             "from apply_mut import apply_mutation, parse_mutation\n"
             "bad = []\n"
             "for m in sys.argv[2:]:\n"
             "    with tempfile.TemporaryDirectory() as t:\n"
             "        if apply_mutation(sys.argv[1], parse_mutation(m), t): bad.append(m)\n"
             "print(len(sys.argv) - 2 - len(bad), 'applied'); print('not applied:', *bad)\n"
             "sys.exit(1 if bad else 0)\n")
    rc, out, err = run([sys.executable, "-c", probe, os.path.join("solutions", labname), *muts],
                       cwd=os.path.join(src, "kit"))
    L.check(rc == 0 and muts, f"the zip's apply_mut.py applies each of its {len(muts)} mistake models "
            "to the zip's reference", out + err)
    stubs = [p for p in muts if parse_mutation(p)["stubs"]]
    edits = [p for p in muts if not parse_mutation(p)["stubs"]]
    kept = {os.path.join(bdir, k + ".mut") for k in keep} | set(stubs[:1]) | set(edits[:1])
    for p in muts:
        if p not in kept:
            os.remove(p)
    L.lines.append(f"  note setup.sh builds {len(kept)} of the {len(muts)} mistake models: "
                   + " ".join(sorted(os.path.basename(p)[:-4] for p in kept)))


def check_conf(L, src, soldir, labdir):
    """The bundle's lab.conf names the submitted files, each in labs/ and
    solutions/: (its text, those names)."""
    conf = open(os.path.join(src, "lab.conf"), encoding="utf-8").read()
    m = re.search(r'^LAB_SOURCES="([^"]+)"$', conf, re.M)
    sources = m.group(1).split() if m else []
    L.check(sources and all(os.path.isfile(os.path.join(soldir, f)) and os.path.isfile(os.path.join(labdir, f))
                            for f in sources),
            f"lab.conf names the submitted files ({' '.join(sources)}), each in labs/ and solutions/", conf)
    return conf, sources


def unzip(zpath, dest):
    """Unpack like `unzip`, keeping the executable bits the zip records."""
    with zipfile.ZipFile(zpath) as z:
        for info in z.infolist():
            z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(os.path.join(dest, info.filename), mode)


def test_lab(lab):
    L = Lab(lab)
    try:
        return check_lab(L, lab)
    except Exception:  # noqa: BLE001 - a bug or a surprise: a failed check, not a crash
        import traceback
        L.check(False, f"lab {lab}: the test stopped on an exception", traceback.format_exc())
        return L


def check_lab(L, lab):
    t0 = time.monotonic()
    labdir, soldir = lab_dir("labs", lab), lab_dir("solutions", lab)
    if not L.check(labdir and soldir, f"lab {lab} has labs/{lab}-*/ and solutions/{lab}-*/"):
        return L
    labname = os.path.basename(labdir)
    ref_files, skel_files = student_files(soldir), student_files(labdir)

    # ---- the zip
    rc, out, err = MADE
    zpath = os.path.join(ROOT, "build", "gradescope", f"lab-{lab}-autograder.zip")
    folder = zpath[:-4]
    if not L.check(rc == 0 and os.path.isfile(zpath) and os.path.isdir(folder),
                   f"make gradescope LAB='{' '.join(LABS)}' makes {os.path.relpath(zpath, ROOT)} and keeps the folder",
                   out + err):
        return L
    with zipfile.ZipFile(zpath) as z:
        infos = {i.filename: i for i in z.infolist()}
        execs = {n for n, i in infos.items() if (i.external_attr >> 16) & 0o111}
        L.check({"setup.sh", "run_autograder"} <= set(infos) and {"setup.sh", "run_autograder"} <= execs,
                "setup.sh and run_autograder are at the zip's root, executable", sorted(infos)[:10])
        binaries = [n for n in infos if n.endswith((".o", ".a", ".so")) or z.read(n)[:4] == b"\x7fELF"]
        L.check(not binaries, "the zip ships sources only, no binary", binaries)
        L.check(f"kit/grader/labs/{lab}/tests.c" in infos and any(n.startswith(f"kit/solutions/{labname}/") for n in infos),
                "the zip holds the lab's hidden tests and reference solution")
    L.timings.append(("zip", time.monotonic() - t0))

    with tempfile.TemporaryDirectory(prefix=f"loralab-platforms-{lab}-") as tmp:
        tree = os.path.join(tmp, "autograder")
        src = os.path.join(tree, "source")
        os.makedirs(src)
        unzip(zpath, src)
        if lab not in FULL:
            return check_lab_parts(L, lab, src, labname, soldir, labdir, t0)
        # The bundle's judge must name a mistake as make grade does: the
        # broken solution it is tried on (below) is picked first, so that the
        # build keeps its model.
        model = kit_diagnosed(lab, soldir, os.path.join(tmp, "model", labname))
        prune_models(L, lab, src, labname, keep=[model[0]] if model else [])
        t1 = time.monotonic()
        rc, out, err = run(["bash", os.path.join(src, "setup.sh")], cwd=src, env={"SKIP_APT": "1"},
                           timeout=900)  # the grader and the mistake models kept
        grader = os.path.join(src, "kit", "grader", "bin", f"grade-{lab}")
        L.timings.append(("setup.sh", time.monotonic() - t1))
        if not L.check(rc == 0 and os.access(grader, os.X_OK),
                       f"setup.sh (SKIP_APT=1) builds the grader from the zip's sources "
                       f"({time.monotonic() - t1:.1f} s)", out + err):
            return L
        secret_dirs = [os.path.join("kit", "solutions"), os.path.join("kit", "grader", "labs"),
                       os.path.join("kit", "grader", "broken"), os.path.join("kit", "tools", "apply_mut.py"), "build"]
        left = [g for g in secret_dirs if os.path.exists(os.path.join(src, g))]
        sources_left = [os.path.relpath(p, src) for p in glob.glob(os.path.join(src, "**", "*.c"), recursive=True)
                        if not re.search(r"kit/(grader/engine|labs/common|labs/[^/]+/given)/", p)]
        L.check(not left and not sources_left and "deleted the reference solution" in out,
                "setup.sh deletes the reference solution, the hidden tests, the mistake models and their objects "
                "once the grader is built (before any submission is compiled)", f"still there: {left} {sources_left}\n{out}{err}")
        shutil.copy2(os.path.join(src, "run_autograder"), os.path.join(tree, "run_autograder"))
        conf, sources = check_conf(L, src, soldir, labdir)
        if not sources:
            return L
        rc, out, err = run([grader, "--list"])
        tests = [(m.group(1), int(m.group(2)), m.group(3))
                 for m in re.finditer(r"^(\S+)\s+(\d+)  (.*)$", out, re.M)]
        total = sum(t[1] for t in tests)
        L.check(rc == 0 and tests and total > 0, f"the built grader lists {len(tests)} tests worth {total} points",
                out + err)

        # ---- the five submissions
        t2 = time.monotonic()

        def copy_to(files, sub_path=""):
            def populate(sub):
                d = os.path.join(sub, sub_path)
                os.makedirs(d, exist_ok=True)
                for f in files:
                    shutil.copy(f, d)
            return populate

        def full(d):
            return (d["score"] == total and d.get("max_score") == total and len(d["tests"]) == len(tests)
                    and all(t["status"] == "passed" for t in d["tests"]),
                    f"full marks ({d['score']}/{d.get('max_score')})")

        ref = gs_case(L, tree, "reference", copy_to(ref_files), full)
        gs_case(L, tree, "skeleton", copy_to(skel_files),
                lambda d: (d["score"] == 0 and d.get("max_score") == total and len(d["tests"]) == len(tests)
                           and all(t["status"] == "failed" and "not implemented" in t["output"] for t in d["tests"]),
                           f"0/{d.get('max_score')}, every test failed with 'not implemented'"))
        gone = sources[0]

        def missing(sub):
            copy_to([f for f in ref_files if os.path.basename(f) != gone])(sub)
            # A name that needs JSON escaping: the output lists the upload.
            with open(os.path.join(sub, 'notes "v2"\\draft\tn\u00e4me.txt'), "w", encoding="utf-8") as f:
                f.write("not code\n")
        gs_case(L, tree, "missing file, an odd file name", missing,
                lambda d: (d["score"] == 0 and gone in d["output"] and "Missing file" in d["output"],
                           f"score 0 and the output names the missing {gone}"))

        def nested(sub):
            copy_to(ref_files, f'loralab "main"/labs/{labname}')(sub)
            copy_to(skel_files, 'loralab "main"/backup')(sub)  # a decoy: shallower, not under labs/
        gs_case(L, tree, "nested in a repository zip, with a decoy copy", nested,
                lambda d: (full(d)[0] and "found 2 files" in d["output"],
                           "full marks, and the output says which of the 2 copies it graded"))

        def include_trick(sub):  # the reference where the zip put it, and where the kit has it
            copy_to(ref_files)(sub)
            with open(os.path.join(sub, gone), "w", encoding="utf-8") as f:
                for path in (os.path.join(src, "kit", "solutions", labname, gone),
                             os.path.join(soldir, gone)):
                    f.write(f'#if __has_include("{path}")\n#include "{path}"\n#endif\n')
        gs_case(L, tree, "includes the reference under the bundle's and the kit's paths", include_trick,
                lambda d: (d["score"] == 0 and "build: FAILED" in d["output"],
                           "score 0, 'build: FAILED' (the sources are gone, the kit's are out of the sandbox)"))

        def broken(sub):
            copy_to(ref_files)(sub)
            with open(os.path.join(sub, gone), "a", encoding="utf-8") as f:
                f.write("\nint this_does_not_compile = ;\n")
        gs_case(L, tree, "does not compile", broken,
                lambda d: (d["score"] == 0 and "build: FAILED" in d["output"] and gone in d["output"]
                           and all(t["status"] == "failed" for t in d["tests"]),
                           f"score 0, 'build: FAILED' and {gone} in the output"))
        L.timings.append(("5 submissions", time.monotonic() - t2))

        # ---- a broken solution of the kit: the bundle's judge names its
        # mistake as the kit's (make grade) does, from models it no longer holds
        t3 = time.monotonic()
        if L.check(model, f"make grade diagnoses one of lab {lab}'s broken solutions with a mistake: line"):
            name, said, mdir = model

            def diagnosed(d):
                hit = [t["name"] for t in d["tests"] if said in t.get("output", "")]
                return (d["score"] < total and bool(hit),
                        f"points lost, and {len(hit)} test outputs hold the same '{said}' as make grade's")
            gs_case(L, tree, f"broken solution {name}", copy_to(student_files(mdir)), diagnosed)
        L.timings.append(("diagnosis", time.monotonic() - t3))

        # ---- negative checks: the validators can fail
        if ref:
            corrupt = [("score raised by 1", lambda d: d.__setitem__("score", d["score"] + 1)),
                       ("a status 'pass'", lambda d: d["tests"][0].__setitem__("status", "pass")),
                       ("a test without max_score", lambda d: d["tests"][0].pop("max_score")),
                       ("score as a string", lambda d: d.__setitem__("score", str(d["score"]))),
                       ("an unknown field", lambda d: d.__setitem__("grade", 1))]
            for what, damage in corrupt:
                d = json.loads(json.dumps(ref))
                damage(d)
                L.rejects(validate_gradescope, json.dumps(d), f"a corrupted results.json is rejected: {what}")
            L.rejects(validate_gradescope, json.dumps(ref)[:-3], "a truncated results.json is rejected")

        # ---- JUnit and TAP from the grader built from the zip, on the skeleton
        # (every test failed: failure elements and YAML blocks to parse; the
        # reference's "ok" lines are read by the Classroom simulation below).
        rc, out, err = run([grader, "--format", "junit", labdir])
        try:
            n, nf = validate_junit(out)
            L.check(rc == 1 and n == len(tests) and nf == len(tests),
                    f"junit (skeleton): valid, {n} testcases, {nf} failures", out[:1500])
            L.rejects(validate_junit, out.replace(f'failures="{nf}"', f'failures="{nf - 1}"'),
                      "a JUnit file whose failures= is off by one is rejected")
        except (AssertionError, ValueError, ET.ParseError) as e:
            L.check(False, "junit (skeleton): valid", f"{e}\n{out[:1500]}")
        rc, out, err = run([grader, "--format", "tap", labdir])
        try:
            res = validate_tap(out)
            nok = sum(1 for r in res if not r[0])
            L.check(rc == 1 and len(res) == len(tests) and nok == len(tests),
                    f"tap (skeleton): valid, {len(res)} tests, {nok} not ok", out[:1500])
        except AssertionError as e:
            L.check(False, "tap (skeleton): valid", f"{e}\n{out[:1500]}")
        L.rejects(validate_tap, out.replace("not ok 2 - ", "not ok 3 - ", 1), "a TAP file numbered 1, 3 is rejected")
        L.rejects(validate_tap, re.sub(r"^1\.\.\d+$", f"1..{len(tests) + 1}", out, flags=re.M),
                  "a TAP file whose plan is off by one is rejected")
        L.rejects(validate_tap, out.replace("  ...\n", "", 1), "a TAP file with an unterminated YAML block is rejected")

        # ---- GitHub Classroom
        t3 = time.monotonic()
        made = check_template(L, lab, labname, skel_files, tests, total)
        if not made:
            return L
        tdir_built, text, steps = made
        if yaml is not None:
            bad = text.replace("max-score: ", "max-score: 1", 1)
            L.rejects(lambda t: workflow_yaml_check(t, lab, tests), bad,
                      "a workflow with one wrong max-score is rejected")
        else:
            L.lines.append("  note python3-yaml is not installed: the workflow had the line check only")
        if steps is None:  # no parser: the steps the simulation needs, read by lines
            steps = [{"name": "Build the grader", "run": f"bash .github/loralab/build.sh {lab}"},
                     {"name": "Grade", "run": f"bash .github/loralab/grade.sh {lab}"}]
            for k, (points, cmd) in enumerate(zip(re.findall(r"max-score: (\d+)", text),
                                                  re.findall(r"command: (.*)", text)), 1):
                steps.append({"name": f"test {k}", "uses": "classroom-resources/autograding-command-grader@v1",
                              "with": {"command": cmd, "max-score": int(points)}})
        # The embedded variant: the grader committed into the template.
        rc, out, err = run([sys.executable, os.path.join(ROOT, "tools", "classroom", "make_template.py"), lab,
                            "--grader", "embedded", "--out", os.path.join(tmp, "embedded")])
        emb = os.path.join(tmp, "embedded", f"lab-{lab}")
        try:
            assert rc == 0, out + err
            etext = open(os.path.join(emb, ".github", "workflows", "classroom.yml"), encoding="utf-8").read()
            assert "Fetch the grader" not in etext and "secrets." not in etext, "no private-repository steps"
            assert os.path.isfile(os.path.join(emb, ".grader", f"lab-{lab}", "build.sh")), "the grader is committed"
            workflow_lines_check(etext, len(tests), total)
            if yaml is not None:
                workflow_yaml_check(etext, lab, tests)
            L.check(True, "classroom --grader embedded: the grader is in the template, the workflow has no "
                    "private-repository step and is still valid")
        except Exception as e:  # noqa: BLE001 - an assertion, a missing file, a YAML error
            L.check(False, "classroom --grader embedded", repr(e))
        tdir = os.path.join(tmp, "classroom")
        shutil.copytree(tdir_built, tdir)
        for st in steps:
            if "GRADER_REPO" in (st.get("env") or {}):
                rc, out, err = run(["bash", "-eo", "pipefail", "-c", st["run"]], cwd=tdir,
                                   env=simulated_env(st, blank=("GRADER_REPO",)))
                L.check(rc == 1 and "LORALAB_GRADER_REPO" in out + err,
                        "classroom: without the LORALAB_GRADER_REPO variable the workflow stops and names it",
                        out + err)
        rc, out, err = run(["bash", ".github/loralab/build.sh", lab], cwd=tdir)
        L.check(rc == 1 and f"lab-{lab}/" in err and "make gradescope" in err,
                "classroom: without the grader repository's lab folder, the build step fails and says what to push",
                out + err)
        simulate_workflow(L, steps, tdir, src, lab, labname, ref_files, True, "reference")
        simulate_workflow(L, steps, tdir, src, lab, labname, skel_files, False, "skeleton")
        os.remove(os.path.join(tdir, ".grader-results", f"lab-{lab}.tap"))
        rc, out, err = run(["bash", ".github/loralab/check.sh", lab, "1"], cwd=tdir)
        L.check(rc == 1 and "no grading results" in err,
                "classroom: a test step without grading results fails and says why", out + err)
        # The template's make check compiles the student's files with the
        # grader's flags: a warning is shown and fails nothing, as in grading.
        home = os.path.join(tmp, "classroom-check")
        shutil.copytree(tdir_built, home)
        for f in ref_files:
            shutil.copy2(f, os.path.join(home, "labs", labname))
        with open(os.path.join(home, "labs", labname, os.path.basename(ref_files[0])), "a", encoding="utf-8") as f:
            f.write("\nint kit_warning_probe(void);\nint kit_warning_probe(void) { int unused_variable; return 0; }\n")
        rc, out, err = run(["make", "--no-print-directory", "check"], cwd=home)
        L.check(rc == 0 and "unused variable" in out + err,
                "classroom: make check shows a warning in a student's file and does not fail on it",
                (out + err)[-1500:])
        L.timings.append(("classroom", time.monotonic() - t3))
    L.timings.append(("total", time.monotonic() - t0))
    return L


def check_template(L, lab, labname, skel_files, tests, total):
    """make classroom LAB=NN: its workflow (line check; YAML structure with
    PyYAML) and the template's files.  (folder, workflow text, the YAML's
    steps or None), or None when make classroom failed."""
    rc, out, err = MADE
    tdir_built = os.path.join(ROOT, "build", "classroom", f"lab-{lab}")
    wf = os.path.join(tdir_built, ".github", "workflows", "classroom.yml")
    if not L.check(rc == 0 and os.path.isfile(wf), f"make classroom LAB='{' '.join(LABS)}' writes {os.path.relpath(wf, ROOT)}",
                   out + err):
        return None
    text = open(wf, encoding="utf-8").read()
    try:
        workflow_lines_check(text, len(tests), total)
        L.check(True, "classroom workflow: required keys, one step per test, points add up (line check)")
    except AssertionError as e:
        L.check(False, "classroom workflow: line check", e)
    L.check(all(os.path.exists(os.path.join(tdir_built, "labs", labname, os.path.basename(f))) for f in skel_files)
            and not os.path.exists(os.path.join(tdir_built, "solutions"))
            and not glob.glob(os.path.join(tdir_built, "**", "tests.c"), recursive=True),
            "classroom template: the student files, no reference solution, no hidden tests")
    steps = None
    if yaml is not None:
        try:
            steps = workflow_yaml_check(text, lab, tests)
            L.check(True, "classroom workflow: YAML structure (PyYAML)")
        except (AssertionError, KeyError, yaml.YAMLError) as e:
            L.check(False, "classroom workflow: YAML structure (PyYAML)", repr(e))
    return tdir_built, text, steps


# The labs that get every check above (--full; default: every lab given).
# The others get check_lab_parts: the engine, the scripts, run_autograder,
# results.json, JUnit, TAP and the Classroom workflow's steps are one code
# for every lab, proved on the full labs; what differs between labs (the
# files pack.py puts in the zip, lab.conf, the test list) is checked there.
FULL = set()
# The labs given, and what one `make gradescope classroom LAB='NN NN ...'`
# returned (main runs it once for every lab: a make a lab read the whole
# kit's Makefile twice per lab).
LABS = []
MADE = (1, "", "not run")


def check_lab_parts(L, lab, src, labname, soldir, labdir, t0):
    """A lab that is not --full: from the unpacked zip, the kit's recipe
    (grader.mk, as build.sh runs it) builds every part of the grader that is
    this lab's own (hidden tests, derived tests, reference, the runner's
    adapter, the mistake-model table: every .mut applied to the shipped
    reference, and one model compiled), so a file pack.py leaves out fails
    here; lab.conf names the submitted files; the Classroom template and its
    workflow are checked as for a full lab (the workflow is not run)."""
    t1 = time.monotonic()
    conf, _ = check_conf(L, src, soldir, labdir)
    cflags = re.search(r'^STUDENT_CFLAGS="([^"]*)"$', conf, re.M)
    muts = sorted(glob.glob(os.path.join(src, "kit", "grader", "broken", lab, "*.mut")))
    models = [os.path.basename(p)[:-4] for p in muts if parse_mutation(p)["mistake"]]
    # The lab's adapter, not its runner library: the library's other objects
    # (runner_main, alloc_fault, labs/common) are the same files in every
    # lab's zip (pack.py copies grader/engine/ and labs/common/ whole), built
    # from the full lab's zip by its setup.sh.
    described = os.path.isfile(os.path.join(src, "kit", "grader", "labs", lab, "functions.txt"))
    targets = [f"../build/lab{lab}/tests.o", f"../build/lab{lab}/reference.o",
               f"../build/lab{lab}/{'gen/' if described else ''}adapter.o", f"../build/lab{lab}/models/table.o"]
    targets += [f"../build/lab{lab}/models/{models[0]}.o"] if models else []
    rc, out, err = run(["make", "-C", os.path.join(src, "kit"), "-f", "grader/engine/grader.mk", "--no-print-directory",
                        # -O0: this proves the parts compile from the zip (the kit's
                        # own build holds the same files to -Werror at -O2); 0.5 CPU-s a lab less.
                        "B=../build", "BIN=grader/bin", f"LAB_IDS={lab}", "GRADER_DEBUG=", "GRADER_OPT=-O0",
                        f"STUDENT_CFLAGS={cflags.group(1) if cflags else ''}", *targets], timeout=900)
    L.check(rc == 0 and models and all(os.path.isfile(os.path.join(src, "kit", t)) for t in targets),
            f"from the zip's sources alone, grader.mk builds lab {lab}'s tests, reference, runner adapter, "
            f"the table of its {len(models)} mistake models and the model {models[0] if models else '?'} "
            f"({time.monotonic() - t1:.1f} s)", out + err)
    L.timings.append(("lab's parts", time.monotonic() - t1))
    rc, out, err = run([os.path.join(ROOT, "grader", "bin", f"grade-{lab}"), "--list"])
    tests = [(m.group(1), int(m.group(2)), m.group(3)) for m in re.finditer(r"^(\S+)\s+(\d+)  (.*)$", out, re.M)]
    total = sum(t[1] for t in tests)
    t3 = time.monotonic()
    if L.check(tests, f"the kit's grader lists lab {lab}'s {len(tests)} tests"):
        check_template(L, lab, labname, student_files(labdir), tests, total)
    L.timings.append(("classroom", time.monotonic() - t3))
    L.timings.append(("total", time.monotonic() - t0))
    return L


def test_kit_wide():
    L = Lab("kit")
    # A tree with nothing in it: run_autograder still writes a valid results.json.
    with tempfile.TemporaryDirectory(prefix="loralab-platforms-empty-") as tree:
        script = os.path.join(tree, "run_autograder")
        shutil.copy2(os.path.join(ROOT, "tools", "gradescope", "run_autograder"), script)
        os.makedirs(os.path.join(tree, "submission"))
        rc, out, err = run([script], cwd=tree, env={"AUTOGRADER_ROOT": tree})
        res = os.path.join(tree, "results", "results.json")
        try:
            d = validate_gradescope(open(res, encoding="utf-8").read())
            L.check(rc == 0 and d["score"] == 0 and "lab.conf" in d["output"],
                    "gradescope: without lab.conf (a broken upload) run_autograder still writes a valid "
                    "results.json, score 0, saying why", d)
        except (OSError, AssertionError, ValueError) as e:
            L.check(False, "gradescope: run_autograder without lab.conf writes a valid results.json", f"{e}\n{out}{err}")
    scripts = [os.path.join(ROOT, p) for p in ("tools/gradescope/setup.sh", "tools/gradescope/run_autograder",
                                               "tools/gradescope/build.sh", "tools/classroom/build.sh",
                                               "tools/classroom/grade.sh", "tools/classroom/check.sh")]
    for s in scripts:
        L.check("set -euo pipefail" in open(s, encoding="utf-8").read(), f"{os.path.relpath(s, ROOT)}: set -euo pipefail")
    if shutil.which("shellcheck"):
        rc, out, err = run(["shellcheck", *scripts])
        L.check(rc == 0, "shellcheck: the platform scripts are clean", out + err)
    else:
        L.lines.append("  note shellcheck is not installed: scripts not linted")
    return L


def main(argv):
    labs = argv[1:]
    full = None
    if labs[:1] == ["--full"] and len(labs) > 1:
        full, labs = labs[1].split(","), labs[2:]
    if not labs or not all(re.fullmatch(r"\d\d", x) for x in labs + (full or [])):
        print("usage: test_platforms.py [--full NN,NN] NN [NN ...]   (lab numbers, e.g. 01 02 03)", file=sys.stderr)
        return 2
    FULL.update(labs if full is None else full)
    start = time.monotonic()
    # The kit's graders (make classroom reads their --list) are built once
    # here, before the labs run in parallel, so no two makes build one file.
    rc, out, err = run(["make", "--no-print-directory", "grader"])
    if rc != 0:
        print(f"make grader failed:\n{out}{err}")
        print("0 passed, 1 failed")
        return 1
    LABS[:] = labs
    global MADE
    MADE = run(["make", "--no-print-directory", "gradescope", "classroom", f"LAB={' '.join(labs)}"])
    workers = len(labs)  # mostly waiting on compilers and graders
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(test_lab, lab) for lab in labs]
        kit = test_kit_wide()
        results = [f.result() for f in futures]
    passed = failed = 0
    for L in results + [kit]:
        print(f"lab {L.lab}:" if L.lab != "kit" else "kit-wide:")
        print("\n".join(L.lines))
        if L.timings:
            print("  time: " + ", ".join(f"{what} {secs:.1f} s" for what, secs in L.timings))
        passed, failed = passed + L.passed, failed + L.failed
    print(f"platforms: labs {' '.join(labs)} in {time.monotonic() - start:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
