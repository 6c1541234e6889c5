#!/usr/bin/env python3
"""grade_all.py - grade a whole class's submissions of one lab.

    grade_all.py --lab NN --submissions DIR [--out DIR] [--jobs N] [--seed S]
                 [--timeout SECONDS] [--regrade]

DIR holds one entry per student: a folder with the lab's files (anywhere
inside it), or a .zip / .tar / .tar.gz / .tgz archive of one.  For each student
the lab's source files are taken out (regular files only, no links, at most
1 MiB each; the shallowest copy wins when a file appears twice), put in a
fresh folder and graded by grader/bin/grade-NN, which compiles and runs them
sandboxed.  Several students are graded at once (--jobs, default: twice the
number of cores, since a hanging submission holds a slot without using a core).

Written under --out (default build/grade-all/lab-NN):
  gradebook.csv        student, total, max, status, one column per test, seed,
                       kit version; replaced atomically at the end of a run
  feedback/NAME.txt    the text report the student sees, hints included
  results/NAME.json    the same run in Gradescope's JSON (scores per test)
  summary.txt          class statistics and the tests most students failed
  histogram.svg, failures.svg   (gnuplot) score histogram, failures per test

Resumable: a student whose files, seed, timeout, kit version and grader are
unchanged since a finished grading is not graded again; interrupt with Ctrl-C
and run the same command to go on.  --regrade grades everyone again.
Exit status: 0 done, 1 bad arguments or missing grader, 2 some submissions hit
a grader error (listed; they are graded again next run), 130 interrupted.
Uses only Python's standard library.
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
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_FILE = 1 << 20          # bytes per source file
MAX_MEMBERS = 10000         # entries an archive may list
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz")


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


def student_name(entry):
    base = entry
    for ext in ARCHIVES:
        if base.lower().endswith(ext):
            base = base[: -len(ext)]
            break
    return re.sub(r"[^A-Za-z0-9._@+-]", "_", base) or "_"


def pick(found, wanted):
    """found: {basename: [(depth, path, reader)]} -> {basename: reader}, notes."""
    chosen, notes = {}, []
    for name in wanted:
        cands = sorted(found.get(name, []), key=lambda c: (c[0], c[1]))
        if not cands:
            notes.append(f"{name}: not found in the submission")
            continue
        if len(cands) > 1:
            notes.append(f"{name}: {len(cands)} copies; graded {cands[0][1]}")
        chosen[name] = cands[0][2]
    return chosen, notes


def collect_folder(path, wanted):
    found, skipped = {}, []
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__MACOSX", ".git"))
        depth = os.path.relpath(dirpath, path).count(os.sep) + (dirpath != path)
        for fn in filenames:
            if fn not in wanted:
                continue
            full = os.path.join(dirpath, fn)
            rel = os.path.relpath(full, path)
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
                skipped.append(f"{rel}: not a regular file (links are not followed)")
            elif st.st_size > MAX_FILE:
                skipped.append(f"{rel}: {st.st_size} bytes, more than {MAX_FILE}")
            else:
                found.setdefault(fn, []).append((depth, rel, lambda f=full: open(f, "rb").read()))
    return found, skipped


def collect_zip(path, wanted):
    found, skipped = {}, []
    zf = zipfile.ZipFile(path)
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ValueError(f"{len(infos)} entries, more than {MAX_MEMBERS}")
    for info in infos:
        parts = info.filename.replace("\\", "/").split("/")
        fn = parts[-1]
        if fn not in wanted or "__MACOSX" in parts:
            continue
        mode = (info.external_attr >> 16) & 0o170000
        if info.filename.startswith("/") or ".." in parts:
            skipped.append(f"{info.filename}: path leaves the archive")
        elif mode == stat.S_IFLNK:
            skipped.append(f"{info.filename}: a symbolic link")
        elif info.is_dir():
            continue
        elif info.file_size > MAX_FILE:
            skipped.append(f"{info.filename}: {info.file_size} bytes, more than {MAX_FILE}")
        else:
            found.setdefault(fn, []).append(
                (len(parts) - 1, info.filename, lambda i=info: zf.read(i)[: MAX_FILE + 1]))
    return found, skipped, zf


def collect_tar(path, wanted):
    found, skipped = {}, []
    tf = tarfile.open(path)
    members = []
    for m in tf:
        members.append(m)
        if len(members) > MAX_MEMBERS:
            raise ValueError(f"more than {MAX_MEMBERS} entries")
    for m in members:
        parts = m.name.split("/")
        fn = parts[-1]
        if fn not in wanted:
            continue
        if m.name.startswith("/") or ".." in parts:
            skipped.append(f"{m.name}: path leaves the archive")
        elif not m.isreg():
            skipped.append(f"{m.name}: not a regular file (links are not followed)")
        elif m.size > MAX_FILE:
            skipped.append(f"{m.name}: {m.size} bytes, more than {MAX_FILE}")
        else:
            found.setdefault(fn, []).append(
                (len(parts) - 1, m.name, lambda mm=m: tf.extractfile(mm).read(MAX_FILE + 1)))
    return found, skipped, tf


def prepare(entry_path, wanted, dest):
    """Copy the lab's files of one submission into dest. Returns notes."""
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    notes, handle = [], None
    try:
        low = entry_path.lower()
        if os.path.isdir(entry_path):
            found, skipped = collect_folder(entry_path, wanted)
        elif low.endswith(".zip"):
            found, skipped, handle = collect_zip(entry_path, wanted)
        elif low.endswith(ARCHIVES):
            found, skipped, handle = collect_tar(entry_path, wanted)
        else:
            return [f"{os.path.basename(entry_path)}: not a folder, .zip or .tar archive"]
        notes += skipped
        chosen, picked = pick(found, wanted)
        notes += picked
        for name, read in chosen.items():
            data = read()
            if len(data) > MAX_FILE:
                notes.append(f"{name}: more than {MAX_FILE} bytes")
                continue
            with open(os.path.join(dest, name), "wb") as f:
                f.write(data)
    except (zipfile.BadZipFile, tarfile.TarError, ValueError, OSError, EOFError, zlib.error) as e:
        notes.append(f"{os.path.basename(entry_path)}: cannot read the archive ({e})")
    finally:
        if handle is not None:
            handle.close()
    return notes


def digest(folder, extra):
    h = hashlib.sha256(extra.encode())
    for name in sorted(os.listdir(folder)):
        h.update(b"\0" + name.encode() + b"\0")
        with open(os.path.join(folder, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def shown(path):
    """A path as the user would type it: relative when under the current folder."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def write_atomic(path, text):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


class Run:
    def __init__(self, args):
        self.args = args
        self.grader = os.path.join(ROOT, "grader/bin/grade-" + args.lab)
        self.out = args.out
        self.stop = threading.Event()
        self.procs = set()
        self.lock = threading.Lock()
        self.errors = []

    def grade_one(self, student, entry_path, wanted, key_extra):
        if self.stop.is_set():
            return student, "skipped"
        work = os.path.join(self.out, "work", student)
        notes = prepare(entry_path, wanted, work)
        key = digest(work, key_extra + "\n" + "\n".join(notes))
        res = os.path.join(self.out, "results", student)
        if not self.args.regrade and os.path.exists(res + ".key") and os.path.exists(res + ".json"):
            with open(res + ".key", encoding="utf-8") as f:
                if f.read().strip() == key:
                    return student, "kept"
        if os.path.exists(res + ".key"):  # graded again: not done until the new key is written
            os.remove(res + ".key")
        fb = os.path.join(self.out, "feedback", student + ".txt")
        cmd = [self.grader, "--seed", str(self.args.seed), "--timeout", str(self.args.timeout),
               "--jobs", "1", "--format", "gradescope", "--out", res + ".json",
               "--also", "text:" + fb + ".part", work]
        env = dict(os.environ, TMPDIR=self.tmp)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True, env=env)
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
        if self.stop.is_set():
            return student, "skipped"
        if p.returncode not in (0, 1) or not os.path.exists(fb + ".part"):
            msg = err.decode(errors="replace").strip() or f"exit status {p.returncode}"
            with self.lock:
                self.errors.append(f"{student}: {msg}")
            return student, "error"
        with open(fb + ".part", encoding="utf-8", errors="replace") as f:
            report = f.read()
        os.remove(fb + ".part")
        head = ""
        if notes:
            head = "Notes on the submission:\n" + "".join(f"  - {n}\n" for n in notes) + "\n"
        write_atomic(fb, head + report)
        write_atomic(res + ".notes", "".join(n + "\n" for n in notes))
        write_atomic(res + ".key", key + "\n")
        return student, "graded"

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


def gradebook(run, students, tests, version):
    """Rows from results/*.json; returns (csv text, rows)."""
    rows = []
    for s in students:
        path = os.path.join(run.out, "results", s + ".json")
        if not (os.path.exists(path) and os.path.exists(os.path.join(run.out, "results", s + ".key"))):
            rows.append({"student": s, "total": "", "status": "not graded", "scores": {}})
            continue
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        scores = {}
        for t in data.get("tests", []):
            scores[t["name"]] = t["score"]
        with open(os.path.join(run.out, "results", s + ".notes"), encoding="utf-8") as f:
            notes = f.read().strip()
        built = "did not build" not in json.dumps(data.get("tests", []))
        status = "graded" if built else "build failed"
        if notes and not built:
            status = "files missing or unreadable" if "not found" in notes or "cannot read" in notes \
                else status
        rows.append({"student": s, "total": data["score"], "status": status, "scores": scores})
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    max_total = sum(t[1] for t in tests)
    w.writerow(["student", "total", "max", "status"] + [f"{t[0]} {t[2]} ({t[1]})" for t in tests]
               + ["seed", "kit_version"])
    for r in rows:
        w.writerow([r["student"], r["total"], max_total, r["status"]]
                   + [r["scores"].get(f"{t[0]} {t[2]}", "") for t in tests]
                   + [run.args.seed, version])
    return buf.getvalue(), rows


def summary(run, rows, tests):
    graded = [r for r in rows if r["total"] != ""]
    max_total = sum(t[1] for t in tests)
    lines = [f"Lab {run.args.lab}: {len(graded)} of {len(rows)} submissions graded "
             f"(seed {run.args.seed})"]
    if graded:
        totals = sorted(r["total"] for r in graded)
        n = len(totals)
        median = totals[n // 2] if n % 2 else (totals[n // 2 - 1] + totals[n // 2]) / 2
        lines.append(f"scores out of {max_total}: mean {sum(totals) / n:.1f}, median {median:g}, "
                     f"min {totals[0]}, max {totals[-1]}; full marks: "
                     f"{sum(1 for t in totals if t == max_total)}")
        by_status = {}
        for r in graded:
            by_status[r["status"]] = by_status.get(r["status"], 0) + 1
        lines.append("status: " + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())))
    fails = []
    for t in tests:
        key = f"{t[0]} {t[2]}"
        n_fail = sum(1 for r in graded if r["scores"].get(key, 0) < t[1])
        fails.append((n_fail, t))
    lines.append("")
    lines.append("tests most students failed (failed / graded):")
    for n_fail, t in sorted(fails, key=lambda x: (-x[0], x[1][0]))[:10]:
        lines.append(f"  {n_fail:4d} / {len(graded)}  {t[0]:8s} {t[2]}")
    # plot data
    hist = os.path.join(run.out, "histogram.dat")
    step = max(1, max_total // 10)
    starts = list(range(0, max_total, step)) or [0]
    counts = dict.fromkeys(starts, 0)
    for r in graded:  # the last bin holds full marks too
        counts[min(r["total"] // step * step, starts[-1])] += 1
    with open(hist, "w", encoding="utf-8") as f:
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lab", required=True)
    ap.add_argument("--submissions", required=True)
    ap.add_argument("--out")
    # Twice the cores: a hanging submission waits on its wall clock, not the CPU.
    ap.add_argument("--jobs", type=int, default=min(16, 2 * (os.cpu_count() or 1)))
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
    args.out = os.path.abspath(args.out or os.path.join(ROOT, "build", "grade-all", "lab-" + args.lab))
    run = Run(args)
    if not os.access(run.grader, os.X_OK):
        sys.exit(f"grade_all: no grader for lab {args.lab} ({run.grader}); run make grader")
    wanted = subprocess.run([run.grader, "--sources"], capture_output=True, text=True,
                            check=True).stdout.split()
    tests = load_tests(run.grader)
    version = kit_version()
    with open(run.grader, "rb") as f:
        grader_hash = hashlib.sha256(f.read()).hexdigest()[:16]
    key_extra = f"seed={args.seed} timeout={args.timeout} kit={version} grader={grader_hash}"

    # Safety net: if the grader cannot give its own reference full marks here
    # (a broken toolchain, a full disk), every student would get a wrong 0.
    ref = [os.path.join(ROOT, "solutions", d) for d in sorted(os.listdir(os.path.join(ROOT, "solutions")))
           if d.startswith(args.lab + "-")] if os.path.isdir(os.path.join(ROOT, "solutions")) else []
    if ref:
        p = subprocess.run([run.grader, "--seed", str(args.seed), "--timeout", str(args.timeout),
                            ref[0]], capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stdout[-3000:] + p.stderr[-2000:])
            sys.exit(f"grade_all: the grader does not give the reference solution ({shown(ref[0])}) "
                     f"full marks on this machine; nobody was graded. Fix the kit first.")

    entries = sorted(e for e in os.listdir(args.submissions) if not e.startswith("."))
    students, seen = [], {}
    for e in entries:
        s = student_name(e)
        if s in seen:
            s = re.sub(r"[^A-Za-z0-9._@+-]", "_", e)
        seen[s] = e
        students.append(s)
    for d in ("work", "results", "feedback", "tmp"):
        os.makedirs(os.path.join(args.out, d), exist_ok=True)
    run.tmp = os.path.join(args.out, "tmp")
    for leftover in os.listdir(run.tmp):  # from an interrupted run
        shutil.rmtree(os.path.join(run.tmp, leftover), ignore_errors=True)

    print(f"grading lab {args.lab}: {len(students)} submissions in {args.submissions}, "
          f"{args.jobs} at a time, seed {args.seed}, kit {version}")
    signal.signal(signal.SIGINT, run.interrupt)
    signal.signal(signal.SIGTERM, run.interrupt)
    start = time.monotonic()
    counts = {"graded": 0, "kept": 0, "error": 0, "skipped": 0}
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futs = [pool.submit(run.grade_one, s, os.path.join(args.submissions, seen[s]), wanted,
                            key_extra) for s in students]
        for n, fut in enumerate(cf.as_completed(futs), 1):
            student, what = fut.result()
            counts[what] += 1
            if what in ("graded", "error") and (n % 10 == 0 or n == len(futs)):
                print(f"  {n}/{len(futs)} done ({time.monotonic() - start:.1f} s)", flush=True)
    secs = time.monotonic() - start
    shutil.rmtree(run.tmp, ignore_errors=True)
    if run.stop.is_set():
        print(f"interrupted: {counts['graded'] + counts['kept']} of {len(students)} graded and kept; "
              f"gradebook not rewritten. Run the same command again to go on.")
        return 130
    text, rows = gradebook(run, students, tests, version)
    write_atomic(os.path.join(args.out, "gradebook.csv"), text)
    summ = summary(run, rows, tests)
    write_atomic(os.path.join(args.out, "summary.txt"), summ)
    fig = plot(run, sum(t[1] for t in tests))
    print(summ, end="")
    print(f"graded {counts['graded']}, kept from an earlier run {counts['kept']}, "
          f"grader errors {counts['error']}; {secs:.1f} s, "
          f"{counts['graded'] / secs if secs > 0 else 0:.2f} submissions/s")
    print(fig)
    print(f"gradebook: {shown(os.path.join(args.out, 'gradebook.csv'))}; "
          f"feedback: {shown(os.path.join(args.out, 'feedback'))}/; "
          f"summary: {shown(os.path.join(args.out, 'summary.txt'))}")
    for e in run.errors:
        print("grader error: " + e, file=sys.stderr)
    return 2 if run.errors else 0


if __name__ == "__main__":
    sys.exit(main())
