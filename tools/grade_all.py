#!/usr/bin/env python3
"""grade_all.py - grade a whole class's submissions of one lab.

    grade_all.py --lab NN --submissions DIR [--out DIR] [--roster FILE.csv]
                 [--jobs N] [--seed S] [--timeout SECONDS] [--regrade]

Every entry of DIR (a folder, a .zip / .tar / .tar.gz / .tgz archive, a lone
.c file; whatever its name) is graded exactly once, under a stable id of its
own (a slug of its name plus a hash of the name as submitted).  Canvas's flat
files of one student (login_userid_subid_name, several of them) make one
entry, named by all its files joined with " + ".  The lab's
files are found by tools/find_submission.py, the rule the Gradescope and
Classroom bundles use too, copied into work/ID/ and graded by
grader/bin/grade-NN in its sandbox.  Entries holding the same files are
graded once (each keeps its own row).  Nothing an entry holds can stop the
run: each gets its row, its score and notes saying what was wrong.

Written under --out (default grades/lab-NN, which `make clean` keeps):
  gradebook.csv   entry (its name exactly as submitted), total, max, status,
                  id, roster_id/name/email (with --roster), one column per
                  test, notes, seed, kit version; cells that would start a
                  spreadsheet formula get a leading '
  feedback/ID.txt the report the student sees: notes on their upload, then
                  the grader's text (their own file names, hints included)
  results/ID.json the same run in Gradescope's JSON; results/ID.verdict.json
                  the grader's verdict (build status, per-test points)
  summary.txt     statistics over the entries that handed in a lab file, the
                  tests most failed, roster rows with no entry and the reverse
  histogram.svg, failures.svg   (gnuplot) score histogram, failures per test

--roster: a class list in CSV (Canvas's or Gradescope's export: columns found
by their headers: id / SIS User ID / SID, name or first + last name, email).
An entry matches the row whose id, email (or its part before @), or name
(either order, accents and case ignored) is its name or a word of it.

Resumable: gradings are kept under cache/, keyed by the files graded, seed,
timeout, the kit's release (VERSION, not its commit) and what a grading
reads from the kit (grading_inputs: grader, runner library, the headers
submissions are compiled with, data/); the same command after
Ctrl-C goes on, and --regrade grades everyone again.  The kit's own tests
(make readme-outputs, under make test) also keep them in the folder
LORALAB_GRADE_ALL_CACHE names (as grade-all-KEY/, shared by every clone
and pruned with make test's build cache); unset, nothing is shared.  Exit status: 0 done, 1 bad arguments or a
broken kit, 2 some entries hit a grader error (listed; retried next run), 130
interrupted (no gradebook written).  Uses only Python's standard library.
"""
import argparse
import concurrent.futures as cf
import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.dont_write_bytecode = True  # no __pycache__ written into the kit's tools/
import find_submission  # noqa: E402

IGNORED = (".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX")  # left by file managers
# Canvas's "Download submissions": one flat file per uploaded file, named
# login[_late]_userid_submissionid_original-name.
CANVAS_FILE = re.compile(r"^([a-z0-9]+)_(?:late_)?(\d+)_\d+_.+$")


def kit_version():
    """VERSION file, plus the git commit when the kit is a clone."""
    with open(os.path.join(ROOT, "VERSION"), encoding="utf-8") as f:
        v = f.read().strip()
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        if rev.returncode == 0 and rev.stdout.strip():
            v += "+" + rev.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return v


def grading_inputs(root, lab, lab_dir):
    """A digest of what a grading of lab `lab` reads from the kit at root
    (so a commit that changes none of it grades nothing again): the judge,
    the runner library it links each submission with, the headers the
    submission is compiled with (labs/common/*.h, labs/LAB_DIR/*.h: the
    runner's build copies them) and the data files tests read (data/,
    grader/engine/judge.c: judge_data, judge_root).  Not the compiler."""
    parts = [os.path.join(root, "grader/bin/grade-" + lab),
             os.path.join(root, "grader/bin/lib", f"librunner-{lab}.a")]
    for d in (os.path.join(root, "labs", "common"), os.path.join(root, "labs", lab_dir)):
        parts += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".h"))
    for d, dirs, files in os.walk(os.path.join(root, "data")):
        dirs.sort()
        parts += [os.path.join(d, f) for f in sorted(files)]
    h = hashlib.sha256()
    for path in parts:
        h.update(os.path.relpath(path, root).encode() + b"\0")
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()[:16]


def display(raw):
    """An entry's name as text: exactly as submitted; bytes that are not UTF-8 become U+FFFD."""
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def entry_id(raw):
    """A stable, unique, file-system-safe id: readable slug + hash of the raw name."""
    h = hashlib.sha256(os.fsencode(raw)).hexdigest()[:10]
    stem = raw
    for ext in find_submission.ARCHIVES:
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
            break
    ascii_ = unicodedata.normalize("NFKD", display(stem)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_).strip("-").lower()[:40].strip("-") or "entry"
    return f"{slug}-{h}"


def cell(value):
    """A CSV cell a spreadsheet will not run (OWASP: formula injection)."""
    s = str(value)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def fold(text):
    """Lower case, accents and punctuation gone: for matching names."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", t).strip()


def load_roster(path):
    """[{id, name, email}] from a Canvas / Gradescope CSV export; columns found by header."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        sys.exit(f"grade_all: the roster {path} is empty")
    head = [h.strip().lower() for h in rows[0]]

    def col(*names):
        for n in names:
            if n in head:
                return head.index(n)
        return None
    c_id = col("id", "sis user id", "student id", "sid", "user id", "sis id", "student number",
               "canvas id")
    c_name = col("name", "student", "student name", "full name")
    c_first, c_last = col("first name", "given name"), col("last name", "surname", "family name")
    c_email = col("email", "email address", "e-mail", "sis login id", "login id")
    if c_id is None and c_email is None:
        sys.exit(f"grade_all: the roster {path} has no id or email column (its header: "
                 f"{', '.join(rows[0])}); expected e.g. 'ID' or 'SID' and 'Email'")
    out = []
    for r in rows[1:]:
        def get(c):
            return r[c].strip() if c is not None and c < len(r) else ""
        name = get(c_name) or " ".join(x for x in (get(c_first), get(c_last)) if x)
        rid, email = get(c_id), get(c_email)
        if not (rid or email) or name.lower() == "points possible":  # Canvas's second row
            continue
        out.append({"id": rid, "name": name, "email": email})
    return out


def match_roster(name, roster):
    """The roster row an entry name belongs to, or None (none or several)."""
    words = fold(name).split()
    whole = " ".join(words)
    hits = []
    for i, r in enumerate(roster):
        keys = set()
        if r["id"]:
            keys.add(fold(r["id"]))
        if r["email"]:
            keys |= {fold(r["email"]), fold(r["email"].split("@")[0])}
        if r["name"]:
            n = fold(r["name"]).split()
            keys |= {" ".join(n), " ".join(n[::-1]), "".join(n), "".join(n[::-1])}
            if "," in r["name"]:  # "Smith, Frank"
                last, first = r["name"].split(",", 1)
                keys.add(fold(first + " " + last))
        keys.discard("")
        if whole in keys or any(w in keys for w in words if len(w) > 2 or w.isdigit()) \
                or any(k in whole and " " in k for k in keys):
            hits.append(i)
    return hits[0] if len(hits) == 1 else None


def canvas_groups(subs, raws):
    """{(login, user id): [raw names]} of Canvas flat files, for students with several."""
    groups = {}
    for r in raws:
        m = CANVAS_FILE.match(r)
        if m and os.path.isfile(os.path.join(subs, r)) and not os.path.islink(os.path.join(subs, r)):
            groups.setdefault(m.groups(), []).append(r)
    return {k: sorted(v) for k, v in groups.items() if len(v) > 1}


def stage_canvas(out, e, subs, raws):
    """One student's Canvas flat files, copied (regular files only, capped) into a folder."""
    d = os.path.join(out, "canvas", e.id)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for r in raws:
        listing = find_submission.Listing()
        data = find_submission.read_file(os.path.join(subs, r), listing, r)
        if data is not False:
            with open(os.path.join(d, r), "wb") as f:
                f.write(data)
    return d


def shown(path):
    """A path as the user would type it: relative when under the current folder."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def copy_entry(src, dst):
    """Copy the folder src to dst under a temporary name, then rename it: a
    reader never sees half an entry.  False if it could not (only a cache)."""
    try:
        tmp = tempfile.mkdtemp(dir=os.path.dirname(dst), prefix=".tmp-")
        shutil.rmtree(tmp)
        shutil.copytree(src, tmp)
        shutil.rmtree(dst, ignore_errors=True)
        os.replace(tmp, dst)
        return True
    except OSError:
        return False


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


class Entry:
    def __init__(self, raw, path):
        self.raw, self.path, self.name, self.id = raw, path, display(raw), entry_id(raw)
        self.notes, self.missing, self.key, self.files = [], [], None, []


class Run:
    def __init__(self, args, lab_dir, sources, key_extra):
        self.args, self.lab_dir, self.sources, self.key_extra = args, lab_dir, sources, key_extra
        self.grader = os.path.join(ROOT, "grader/bin/grade-" + args.lab)
        self.out = args.out
        self.stop = threading.Event()
        self.procs = set()
        self.lock = threading.Lock()
        self.errors = []

    def prepare(self, e):
        """Find the entry's lab files (one rule: tools/find_submission.py) and key them."""
        work = os.path.join(self.out, "work", e.id)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        try:
            e.notes, e.missing = find_submission.collect(e.path, self.sources, self.lab_dir, work,
                                                         shown_name=e.name)
        except Exception as ex:  # a reader bug must cost one entry, never the run
            e.notes, e.missing = [f"{e.name}: cannot be read ({type(ex).__name__}: {ex})"], \
                list(self.sources)
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
        e.files = sorted(os.listdir(work))
        h = hashlib.sha256(self.key_extra.encode())
        for name in e.files:
            h.update(b"\0" + name.encode() + b"\0")
            with open(os.path.join(work, name), "rb") as f:
                h.update(f.read())
        e.key = h.hexdigest()[:32]
        e.work = work
        return e

    def cached(self, key):
        """cache/KEY if it holds a finished grading, else None.  With a shared
        folder (LORALAB_GRADE_ALL_CACHE), one found there is copied here, and
        one kept here is put there or marked used (make test's prune removes
        the entries its run did not use)."""
        d = os.path.join(self.out, "cache", key)
        shared = self.shared(key)
        here = os.path.exists(os.path.join(d, "done"))
        there = shared is not None and os.path.exists(os.path.join(shared, "done"))
        if there and (here or copy_entry(shared, d)):
            try:
                os.utime(shared)
            except OSError:
                pass
        elif here and shared:
            copy_entry(d, shared)
        return d if os.path.exists(os.path.join(d, "done")) else None

    def shared(self, key):
        """The entry's place in LORALAB_GRADE_ALL_CACHE (make test's), or None."""
        top = os.environ.get("LORALAB_GRADE_ALL_CACHE")
        return os.path.join(top, "grade-all-" + key) if top and os.path.isdir(top) else None

    def grade(self, key, e):
        """Grade one distinct set of files (entry e is its first holder) into cache/KEY/."""
        if self.stop.is_set():
            return "skipped", 0.0
        d = os.path.join(self.out, "cache", key)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        cmd = [self.grader, "--seed", str(self.args.seed), "--timeout", str(self.args.timeout),
               "--jobs", str(self.args.test_jobs), "--format", "verdict",
               "--out", os.path.join(d, "verdict.json"),
               "--also", "text:" + os.path.join(d, "report.txt"),
               "--also", "gradescope:" + os.path.join(d, "results.json"), e.work]
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True, env=dict(os.environ, TMPDIR=self.tmp))
        with self.lock:
            self.procs.add(p)
        try:
            _, err = p.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            _, err = p.communicate()
            err = b"the grader ran for more than 600 s"
        finally:
            with self.lock:
                self.procs.discard(p)
        secs = time.monotonic() - start
        if self.stop.is_set():
            return "skipped", secs
        if p.returncode not in (0, 1) or not os.path.exists(os.path.join(d, "verdict.json")):
            msg = err.decode(errors="replace").strip() or f"exit status {p.returncode}"
            with self.lock:
                self.errors.append(f"{e.name} (id {e.id}): {msg}")
            return "error", secs
        write_atomic(os.path.join(d, "meta.json"), json.dumps({"work": e.work, "seconds": secs}))
        write_atomic(os.path.join(d, "done"), "")
        if self.shared(key):
            copy_entry(d, self.shared(key))
        return "graded", secs

    def interrupt(self, *_):
        self.stop.set()
        with self.lock:
            for p in self.procs:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass


def load_tests(grader):
    p = subprocess.run([grader, "--list"], capture_output=True, text=True, check=True)
    tests = []
    for line in p.stdout.splitlines():
        m = re.match(r"^(\S+)\s+(\d+)\s+(.*)$", line)
        if m:
            tests.append((m.group(1), int(m.group(2)), m.group(3)))
    return tests


def notes_text(e):
    if not e.notes:
        return ""
    return "Notes on your upload:\n" + "".join(f"  - {n}\n" for n in e.notes) + "\n"


def outputs(run, e, tests, title):
    """Write the entry's feedback and results; returns its gradebook row (a dict)."""
    max_total = sum(t[1] for t in tests)
    row = {"entry": e, "total": "", "status": "grader error", "scores": {}, "submitted": bool(e.files)}
    fb = os.path.join(run.out, "feedback", e.id + ".txt")
    res = os.path.join(run.out, "results", e.id)
    if not e.files:  # nothing of the lab's: no grader run, the notes say what the upload held
        row.update(total=0, status="files missing")
        write_atomic(fb, f"Lab {run.args.lab}: {title}\nsubmission: {e.name}\n\n" + notes_text(e)
                     + f"Nothing was graded: lab {run.args.lab} is graded on "
                     f"{', '.join(run.sources)}.\n\nScore: 0/{max_total}\n")
        verdict = {"verdict": 1, "lab": run.args.lab, "built": False, "score": 0,
                   "max_score": max_total, "tests": [], "files_missing": e.missing}
        write_atomic(res + ".verdict.json", json.dumps(verdict, indent=1) + "\n")
        write_atomic(res + ".json", json.dumps({"score": 0, "max_score": max_total,
                                                "output": notes_text(e), "tests": []}, indent=1) + "\n")
        return row
    d = run.cached(e.key)
    if d is None:
        return row
    with open(os.path.join(d, "meta.json"), encoding="utf-8") as f:
        graded_as = json.load(f)["work"]
    with open(os.path.join(d, "verdict.json"), encoding="utf-8") as f:
        verdict = json.load(f)
    # The report names the folder that was graded: name the entry instead.
    report = read(os.path.join(d, "report.txt")).replace(graded_as, e.name)
    write_atomic(fb, notes_text(e) + report)
    gs = json.loads(read(os.path.join(d, "results.json")))
    gs["output"] = notes_text(e) + gs.get("output", "").replace(graded_as, e.name)
    write_atomic(res + ".json", json.dumps(gs, indent=1) + "\n")
    verdict["files_missing"] = e.missing
    write_atomic(res + ".verdict.json", json.dumps(verdict, indent=1) + "\n")
    for t in verdict["tests"]:
        row["scores"][(t["task"], t["name"])] = t["score"]
    row["total"] = verdict["score"]
    row["status"] = "files missing" if e.missing else "build failed" if not verdict["built"] else "graded"
    return row


def gradebook(run, rows, tests, version, roster):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    max_total = sum(t[1] for t in tests)
    w.writerow(["entry", "total", "max", "status", "id", "roster_id", "roster_name", "roster_email"]
               + [f"{t[0]} {t[2]} ({t[1]})" for t in tests] + ["notes", "seed", "kit_version"])
    for r in rows:
        e, ro = r["entry"], r.get("roster") or {"id": "", "name": "", "email": ""}
        w.writerow([cell(e.name), r["total"], max_total, r["status"], e.id,
                    cell(ro["id"]), cell(ro["name"]), cell(ro["email"])]
                   + [r["scores"].get((t[0], t[2]), "") for t in tests]
                   + [cell(" | ".join(e.notes)), run.args.seed, version])
    return buf.getvalue()


def summary(run, rows, tests, roster_lines):
    graded = [r for r in rows if r["submitted"] and r["total"] != ""]
    max_total = sum(t[1] for t in tests)
    nothing = [r for r in rows if not r["submitted"]]
    lines = [f"Lab {run.args.lab}: {len(rows)} entries; {len(graded)} handed in the lab's files and "
             f"were graded, {len(nothing)} held none of them (seed {run.args.seed})"]
    if graded:
        totals = sorted(r["total"] for r in graded)
        n = len(totals)
        median = totals[n // 2] if n % 2 else (totals[n // 2 - 1] + totals[n // 2]) / 2
        lines.append(f"scores out of {max_total} (graded entries): mean {sum(totals) / n:.1f}, "
                     f"median {median:g}, min {totals[0]}, max {totals[-1]}; full marks: "
                     f"{sum(1 for t in totals if t == max_total)}")
    by_status = {}
    for r in rows:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    lines.append("status: " + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())))
    fails = []
    for t in tests:
        n_fail = sum(1 for r in graded if r["scores"].get((t[0], t[2]), 0) < t[1])
        fails.append((n_fail, t))
    lines.append("")
    lines.append("tests most students failed (failed / graded):")
    for n_fail, t in sorted(fails, key=lambda x: (-x[0], x[1][0]))[:10]:
        lines.append(f"  {n_fail:4d} / {len(graded)}  {t[0]:8s} {t[2]}")
    lines += roster_lines
    step = max(1, max_total // 10)
    starts = list(range(0, max_total, step)) or [0]
    counts = dict.fromkeys(starts, 0)
    for r in graded:  # the last bin holds full marks too
        counts[min(r["total"] // step * step, starts[-1])] += 1
    with open(os.path.join(run.out, "histogram.dat"), "w", encoding="utf-8") as f:
        f.write("# bin_start bin_end count (scores out of %d)\n" % max_total)
        for b in starts:
            f.write(f"{b} {min(b + step, max_total)} {counts[b]}\n")
    with open(os.path.join(run.out, "failures.dat"), "w", encoding="utf-8") as f:
        f.write("# index label failed graded name (label: test number in the gradebook:task)\n")
        for i, (n_fail, t) in enumerate(fails):
            name = t[2].replace('"', "'")
            f.write(f'{i} {i + 1}:{t[0]} {n_fail} {len(graded)} "{name}"\n')
    return "\n".join(lines) + "\n"


def plot(run, max_total):
    if not shutil.which("gnuplot"):
        return "gnuplot not installed: figures skipped (make deps installs it)"
    made = []
    for name in ("histogram", "failures"):
        script = os.path.join(ROOT, "tools", "gradeall", name + ".gp")
        out = os.path.join(run.out, name + ".svg")
        p = subprocess.run(["gnuplot", "-e",
                            f"datafile='{os.path.join(run.out, name + '.dat')}'; "
                            f"outfile='{out}'; maxscore={max_total}; lab='{run.args.lab}'", script],
                           capture_output=True, text=True)
        if p.returncode != 0:
            return f"gnuplot failed on {script}: {p.stderr.strip()}"
        made.append(out)
    return "figures: " + ", ".join(shown(m) for m in made)


def join_roster(rows, roster):
    """Give each row its roster row; lines listing what did not match."""
    if roster is None:
        return []
    used = {}
    for r in rows:
        i = match_roster(r["entry"].name, roster)
        if i is not None:
            r["roster"] = roster[i]
            used.setdefault(i, []).append(r["entry"].name)
    lines = [""]
    unmatched = [r["entry"].name for r in rows if "roster" not in r]
    lines.append(f"roster: {len(roster)} students; {len(rows) - len(unmatched)} entries matched")
    lines.append(f"entries matching no roster row ({len(unmatched)}): "
                 + (", ".join(unmatched) or "none"))
    absent = [f"{x['name'] or x['email']} ({x['id'] or x['email']})"
              for i, x in enumerate(roster) if i not in used]
    lines.append(f"roster rows with no entry ({len(absent)}): " + (", ".join(absent) or "none"))
    twice = [f"{roster[i]['name']}: {', '.join(n)}" for i, n in used.items() if len(n) > 1]
    if twice:
        lines.append("roster rows with several entries: " + "; ".join(twice))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lab", required=True)
    ap.add_argument("--submissions", required=True)
    ap.add_argument("--out")
    ap.add_argument("--roster")
    # Twice the cores: a hanging submission waits on its wall clock, not the CPU.
    ap.add_argument("--jobs", type=int, default=min(16, 2 * (os.cpu_count() or 1)))
    # Tests of one submission run side by side too: a submission that hangs in
    # every test then holds its slot for tests x timeout / cores, not tests x timeout.
    ap.add_argument("--test-jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=20261124)
    # The most one call may take (grade-NN --timeout); each call's own limit comes
    # from the reference's time on its inputs, within a budget per submission.
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--regrade", action="store_true")
    args = ap.parse_args()
    if not re.fullmatch(r"\d\d", args.lab):
        sys.exit(f"grade_all: --lab takes a two-digit lab number, not \"{args.lab}\"")
    if not os.path.isdir(args.submissions):
        sys.exit(f"grade_all: the submissions folder {args.submissions} does not exist")
    if not 1 <= args.jobs <= 64:
        sys.exit("grade_all: --jobs takes 1 to 64")
    if args.roster and not os.path.isfile(args.roster):
        sys.exit(f"grade_all: the roster {args.roster} does not exist")
    roster = load_roster(args.roster) if args.roster else None
    args.out = os.path.abspath(args.out or os.path.join(ROOT, "grades", "lab-" + args.lab))
    grader = os.path.join(ROOT, "grader/bin/grade-" + args.lab)
    if not os.access(grader, os.X_OK):
        sys.exit(f"grade_all: no grader for lab {args.lab} ({grader}); run make grader")
    lab_dirs = sorted(d for d in os.listdir(os.path.join(ROOT, "labs")) if d.startswith(args.lab + "-"))
    if not lab_dirs:
        sys.exit(f"grade_all: no folder labs/{args.lab}-*/ in the kit")
    sources = subprocess.run([grader, "--sources"], capture_output=True, text=True,
                             check=True).stdout.split()
    tests = load_tests(grader)
    version = kit_version()
    # What can change a score: the seed, the timeout, the kit's release and
    # what a grading reads from the kit (not the commit: one that changes a
    # README grades nothing again).
    release = version.split("+", 1)[0]
    key_extra = (f"seed={args.seed} timeout={args.timeout} kit={release} "
                 f"inputs={grading_inputs(ROOT, args.lab, lab_dirs[0])}")

    # Safety net: if the grader cannot give its own reference full marks here
    # (a broken toolchain, a full disk), every student would get a wrong 0.
    ref, title = os.path.join(ROOT, "solutions", lab_dirs[0]), None
    if os.path.isdir(ref):
        p = subprocess.run([grader, "--seed", str(args.seed), "--timeout", str(args.timeout), ref],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stdout[-3000:] + p.stderr[-2000:])
            sys.exit(f"grade_all: the grader does not give the reference solution ({shown(ref)}) "
                     f"full marks on this machine; nobody was graded. Fix the kit first.")
        title = re.search(r"^Lab \d\d: (.*)$", p.stdout, re.M)
    title = title.group(1) if title else lab_dirs[0]

    run = Run(args, lab_dirs[0], sources, key_extra)
    subs = os.path.abspath(args.submissions)
    raws = sorted(os.listdir(subs))
    ignored = [r for r in raws if r in IGNORED
               or os.path.abspath(os.path.join(subs, r)) == args.out]
    grouped = canvas_groups(subs, [r for r in raws if r not in ignored])
    in_group = {r for g in grouped.values() for r in g}
    entries = [Entry(r, os.path.join(subs, r)) for r in raws if r not in ignored and r not in in_group]
    for files in grouped.values():  # one entry per student, named by all their files
        e = Entry(" + ".join(files), None)
        e.path = stage_canvas(args.out, e, subs, files)
        entries.append(e)
    entries.sort(key=lambda e: e.raw)
    ids = {}
    for e in entries:  # a 10-hex-digit hash clash is unlikely, never silent
        while e.id in ids:
            e.id += "x"
        ids[e.id] = e
    for d in ("work", "results", "feedback", "cache", "tmp"):
        os.makedirs(os.path.join(args.out, d), exist_ok=True)
    if args.regrade:
        shutil.rmtree(os.path.join(args.out, "cache"), ignore_errors=True)
        os.makedirs(os.path.join(args.out, "cache"))
    run.tmp = os.path.join(args.out, "tmp")
    for leftover in os.listdir(run.tmp):  # from an interrupted run
        shutil.rmtree(os.path.join(run.tmp, leftover), ignore_errors=True)

    print(f"grading lab {args.lab}: {len(entries)} entries in {args.submissions}, "
          f"{args.jobs} at a time, seed {args.seed}, kit {version}"
          + (f"; ignored: {', '.join(ignored)}" if ignored else ""), flush=True)
    signal.signal(signal.SIGINT, run.interrupt)
    signal.signal(signal.SIGTERM, run.interrupt)
    start = time.monotonic()
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(run.prepare, entries))
    groups = {}
    for e in entries:
        if e.files:
            groups.setdefault(e.key, []).append(e)
    todo = [k for k in groups if args.regrade or not run.cached(k)]
    counts = {"graded": 0, "kept": len(groups) - len(todo), "error": 0, "skipped": 0}
    n_entries = sum(len(groups[k]) for k in todo)
    print(f"  {len(entries)} entries hold {len(groups)} distinct sets of the lab's files "
          f"({sum(1 for e in entries if not e.files)} hold none); {len(todo)} to grade "
          f"({time.monotonic() - start:.1f} s)", flush=True)
    done, last = 0, 0.0
    tty = sys.stdout.isatty()
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futs = {pool.submit(run.grade, k, groups[k][0]): k for k in todo}
        for n, fut in enumerate(cf.as_completed(futs), 1):
            what, _ = fut.result()
            counts[what] += 1
            done += len(groups[futs[fut]])
            now = time.monotonic() - start
            if n == len(futs) or now - last >= 5 or tty:
                left = now / n * (len(futs) - n)
                print(f"  {done}/{n_entries} entries graded, {now:.0f} s, about {left:.0f} s left",
                      end="\r" if tty and n < len(futs) else "\n", flush=True)
                last = now
    secs = time.monotonic() - start
    shutil.rmtree(run.tmp, ignore_errors=True)
    if run.stop.is_set():
        print(f"interrupted: {counts['graded'] + counts['kept']} of {len(groups)} distinct "
              f"submissions graded and kept; gradebook not rewritten. Run the same command again "
              f"to go on.")
        return 130
    rows = [outputs(run, e, tests, title) for e in entries]
    roster_lines = join_roster(rows, roster)
    write_atomic(os.path.join(args.out, "gradebook.csv"), gradebook(run, rows, tests, version, roster))
    summ = summary(run, rows, tests, roster_lines)
    write_atomic(os.path.join(args.out, "summary.txt"), summ)
    fig = plot(run, sum(t[1] for t in tests))
    print(summ, end="")
    print(f"graded {counts['graded']}, kept from an earlier run {counts['kept']}, "
          f"same files as another entry {sum(len(g) - 1 for g in groups.values())}, "
          f"grader errors {counts['error']}; {secs:.1f} s")
    print(fig)
    print(f"gradebook: {shown(os.path.join(args.out, 'gradebook.csv'))}; "
          f"feedback: {shown(os.path.join(args.out, 'feedback'))}/ID.txt; "
          f"summary: {shown(os.path.join(args.out, 'summary.txt'))}")
    for e in run.errors:
        print("grader error: " + e, file=sys.stderr)
    return 2 if run.errors else 0


if __name__ == "__main__":
    sys.exit(main())
