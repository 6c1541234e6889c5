#!/usr/bin/env python3
"""bench_class.py - how long grading a whole class takes, against the kit's bar.

    bench_class.py LAB [SIZE]        (DISTINCT=1: no two entries alike; JOBS=n)

Builds a class of SIZE (default 200) submissions of the lab with
tests/sample_class.py (60% correct, 15% broken, 10% partly done, 8%
misbehaving of which half hang, 7% malformed), grades it with
tools/grade_all.py at the default settings (1 s per call; JOBS=n in the
environment sets --jobs), and prints the time, submissions per second, the
peak memory of the whole process tree (sampled every 0.2 s) and where the
time went (each distinct submission's grading, slowest first).  Bar: under
60 s; exits 1 if missed.  Uses only Python's standard library.
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sample_class  # noqa: E402

ROOT = os.path.dirname(HERE)
BAR_SECONDS = 60


def tree_rss_kib(root_pid):
    """Summed resident memory of root_pid and all its descendants."""
    parent, rss = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parent[int(d)] = int(fields[1])
            rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    keep, frontier = {root_pid}, [root_pid]
    while frontier:
        p = frontier.pop()
        for c, pp in parent.items():
            if pp == p and c not in keep:
                keep.add(c)
                frontier.append(c)
    return sum(rss.get(p, 0) for p in keep)


def main():
    lab = sys.argv[1] if len(sys.argv) > 1 else "02"
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    base = os.path.join(ROOT, "build", "bench-class", "lab" + lab)
    shutil.rmtree(base, ignore_errors=True)
    subs = os.path.join(base, "submissions")
    exp = sample_class.build(lab, subs, size=size)
    if os.environ.get("DISTINCT") == "1":
        # Like a real class: no two entries hold the same bytes (a comment
        # naming the entry is appended to each of its .c files), so grade-all
        # cannot grade identical entries once.
        for entry in os.listdir(subs):
            for dirpath, _, files in os.walk(os.path.join(subs, entry)):
                for f in files:
                    if f.endswith(".c"):
                        with open(os.path.join(dirpath, f), "a", encoding="utf-8") as fh:
                            fh.write(f"\n/* {entry} */\n")
    kinds = {}
    for e in exp.values():
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    print(f"class of {len(exp)} for lab {lab}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    jobs = os.environ.get("JOBS", "")
    start = time.monotonic()
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools/grade_all.py"), "--lab", lab,
                          "--submissions", subs, "--out", os.path.join(base, "out")]
                         + (["--jobs", jobs] if jobs else []),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    while p.poll() is None:
        peak = max(peak, tree_rss_kib(p.pid))
        time.sleep(0.2)
    out = p.stdout.read()
    secs = time.monotonic() - start
    if p.returncode != 0:
        print(out)
        print(f"bench-class: grade_all failed (exit {p.returncode})")
        return 1
    summary = [l for l in out.splitlines() if l.startswith(("scores out of", "status:", "graded "))
               or "distinct sets" in l]
    print("\n".join(summary))
    # Where the time went: each distinct submission's grading, slowest first.
    cache = os.path.join(base, "out", "cache")
    times = []
    for key in os.listdir(cache) if os.path.isdir(cache) else []:
        try:
            with open(os.path.join(cache, key, "meta.json"), encoding="utf-8") as f:
                times.append(json.load(f)["seconds"])
        except (OSError, ValueError, KeyError):
            pass
    times.sort(reverse=True)
    if times:
        print(f"gradings: {len(times)}, {sum(times):.1f} s of grader time in all; slowest "
              + ", ".join(f"{t:.1f}" for t in times[:6]) + " s; median "
              f"{times[len(times) // 2]:.1f} s")
    ok = secs < BAR_SECONDS
    print(f"lab {lab}: {len(exp)} submissions graded in {secs:.1f} s = {len(exp) / secs:.2f} "
          f"submissions/s on {os.cpu_count()} cores (bar {BAR_SECONDS} s; JOBS={jobs}): "
          f"{'ok' if ok else 'TOO SLOW'}; peak memory of the process tree {peak / 1024:.0f} MiB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
