#!/usr/bin/env python3
"""test_redteam_compile.py - hostile submissions against the compile side of
every lab's grader (grader/bin/grade-NN), run by `make grader-tests`.

    test_redteam_compile.py [--grader-dir DIR] [--jobs N] [--lab-only] [--no-fallbacks] [--no-cpu-bombs] NN [NN ...]

--lab-only runs only the variants whose outcome depends on the lab (see
LAB_VARIANTS) and no fallback; --no-fallbacks leaves out the sandbox
fallbacks (run on the first lab given otherwise); --no-cpu-bombs leaves out
the two bombs the sandbox's CPU limit stops (CPU_BOMBS: one limit whatever
the lab, each spends it, 5 CPU-s; make test proves them on one lab).

For each lab, variants of its reference solution written as a hostile
student would (the first file of the lab's sources is replaced; any other
file is the reference's own):

  reads     the reference included under #ifdef __OPTIMIZE__ (absolute path,
            path relative to the work folder, path built by a macro, through
            /proc/self/root); the hidden tests and the reference pulled into
            the build's messages by #include, #line, .include / .incbin in
            inline assembly, #pragma GCC dependency, __has_include,
            #include_next;
  bombs     compile-time memory (macro explosion), CPU time (exponential
            #if), disk (a 1.6 GB .fill), #include "/dev/stdin" with the
            grader's stdin an open pipe that never ends;
  honest    a stray main() (full marks and a note naming its file and line),
            a comment that says "asm" and real inline asm (full marks).

Every variant must: score exactly what it earned (0 for reads and bombs,
or, when it builds, what the lab's other files earn with this one empty;
full marks for honest), leak no line of solutions/*/*.c nor grader/labs/*/*.c
(test files, adapter) (lines the kit publishes under labs/ do not count),
exit 0 or 1 with a complete report, finish in 30 s (over 10 s is reported),
and leave no process and no file behind (the grader runs with TMPDIR in a
folder of this test, inside the kit, which is then scanned: /proc/*/cwd and
command lines, and the folder must be empty).  Last, one lab is graded with
LORALAB_SANDBOX=userns (the fallback where Landlock is missing: reference
full marks, include trick 0, no leak) and LORALAB_SANDBOX=none-available
(exit 2 and a message saying it refuses to compile unconfined), and under a
seccomp filter that makes the Landlock system calls fail with ENOSYS, as on
a kernel without it: the grader falls back by itself; with unshare hidden
too, it refuses (exit 2).

--grader-dir points at another kit's grader/bin (its root is two levels up):
run against a grader without the sandbox, these tests fail.
Closing line: "N passed, M failed".  Stdlib only.
"""
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_grader import load_factor, score_of  # noqa: E402  (the report's "Score: x/y" line)
SLOW, LIMIT = 10.0, 30.0


class Lab:
    def __init__(self, lab):
        self.lab, self.lines, self.passed, self.failed = lab, [], 0, 0

    def check(self, ok, what, detail=""):
        self.passed += bool(ok)
        self.failed += not ok
        self.lines.append(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok and detail:
            self.lines.append("       " + str(detail).strip().replace("\n", "\n       ")[:2500])
        return ok


def squash(text):
    return re.sub(r"\s+", "", text)


def secret_lines(kit):
    """Lines of the reference solutions and hidden tests that the kit does not
    publish elsewhere, squashed (no whitespace), at least 16 characters."""
    public = set()
    for p in glob.glob(os.path.join(kit, "labs", "**", "*"), recursive=True):
        if os.path.isfile(p):
            try:
                public |= {squash(x) for x in open(p, encoding="utf-8", errors="replace")}
            except OSError:
                pass
    secret = set()
    for pattern in ("solutions/*/*.c", "grader/labs/*/*.c"):  # every test file and the adapter
        for p in glob.glob(os.path.join(kit, pattern)):
            for x in open(p, encoding="utf-8", errors="replace"):
                s = squash(x)
                if len(s) >= 16 and s not in public:
                    secret.add(s)
    return secret


def variants(kit, lab, labname, first, ref_text, work_depth, other):
    """(name, expectation, file text): expectation 'zero' or 'full'."""
    ref = os.path.join(kit, "solutions", labname, first)
    tests = os.path.join(kit, "grader", "labs", lab, "tests.c")
    rel = f"solutions/{labname}/{first}"  # tried from the work folder and each folder above it
    # In a class run the work folder is under build/grade-all/...: the
    # relative route there and here (work folder under build/redteam/tmp).
    opt = "#ifdef __OPTIMIZE__\n#include \"{}\"\n#endif\n"
    asm_note = ("/* No asm here: this file uses no inline assembly (asm, __asm__).\n"
                " * The word asm in a comment costs nothing. */\n")
    main_line = ref_text.count("\n") + 3
    return [
        ("reads: reference by absolute path under __OPTIMIZE__", "zero", opt.format(ref)),
        ("reads: reference by a path relative to the work folder", "zero",
         "".join(f'#{"el" if d < work_depth else ""}if __has_include("{"../" * d}{rel}")\n'
                 f'#include "{"../" * d}{rel}"\n' for d in range(work_depth, -1, -1)) + "#endif\n"),
        ("reads: another student's file in a class run (absolute path)", "zero", opt.format(other)),
        ("reads: reference by a path built by a macro", "zero",
         f"#define KIT {kit}\n#define STR(x) #x\n#define XSTR(x) STR(x)\n"
         f"#include XSTR(KIT/solutions/{labname}/{first})\n"),
        ("reads: reference through /proc/self/root", "zero", opt.format("/proc/self/root" + ref)),
        ("reads: hidden tests by #include", "zero", f'#include "{tests}"\n'),
        ("reads: hidden tests shown by #line and an error", "zero",
         "".join(f'#line {k} "{tests}"\nint e{k} = ;\n' for k in range(20, 400, 20))),
        ("reads: reference shown by #line and an error", "zero",
         "".join(f'#line {k} "{ref}"\nint e{k} = ;\n' for k in range(5, 200, 10))),
        ("reads: reference through the assembler's .include", "zero", f'__asm__(".include \\"{ref}\\"");\n'),
        ("reads: hidden tests through the assembler's .incbin", "zero",
         f'__asm__(".section .rodata\\n.incbin \\"{tests}\\"\\n.byte 0\\n.text");\n'),
        ("reads: #pragma GCC dependency and __has_include", "zero",
         f'#pragma GCC dependency "{ref}"\n#if __has_include("{tests}")\n#include "{tests}"\n#endif\n'),
        ("reads: #include_next of the reference", "zero", f'#include_next "{ref}"\n'),
        ("bomb: compile-time memory (macro explosion)", "zero",
         "#define A0 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n"
         + "".join(f"#define A{k} A{k-1},A{k-1},A{k-1},A{k-1},A{k-1},A{k-1},A{k-1},A{k-1}\n" for k in range(1, 9))
         + "int bomb[] = {A8};\n"),
        ("bomb: compile-time CPU (exponential #if)", "zero",
         "#define B0 1\n" + "".join(f"#define B{k} (B{k-1}+B{k-1})\n" for k in range(1, 41))
         + "#if B40 == 0\nint never;\n#endif\n"),
        ("bomb: disk (a 1.6 GB object by .fill)", "zero",
         '__asm__(".section .data\\n.fill 200000000, 8, 0x41\\n.text");\n'),
        ("bomb: reads stdin at compile time", "zero", '#include "/dev/stdin"\n'),
        ("honest: a stray main() is set aside", "full",
         ref_text + "\n#include <stdlib.h>\nint main(void) { exit(0); }\n"),
        ("honest: a comment that says asm", "full", asm_note + ref_text),
        ("honest: real inline asm (harmless at run time)", "full",
         ref_text + '\n__asm__(".text\\n.globl loralab_nop\\nloralab_nop: ret");\n'),
    ], main_line


def leftovers(tmp):
    """Processes whose folder or command line is under tmp, and files left in it."""
    procs = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            cwd = ""
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmd = ""
        if cwd.startswith(tmp) or tmp in cmd:
            procs.append(f"{pid}: {cmd[:120]}")
    files = os.listdir(tmp) if os.path.isdir(tmp) else []
    return procs, files


def grade(grader, sub, tmp, env_extra=None, argv=None):
    env = dict(os.environ, TMPDIR=tmp)
    # No build cache (make test keeps one between runs): every attack meets
    # the compiler's sandbox, whatever an earlier run stored.
    env.pop("LORALAB_BUILD_CACHE", None)
    env.update(env_extra or {})
    start = time.monotonic()
    # stdin: a pipe that never ends (a compile that reads it would hang).
    r, w = os.pipe()
    p = subprocess.Popen([grader, *(argv or [sub])], stdin=r, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, text=True, errors="replace")
    os.close(r)
    try:
        out, err = p.communicate(timeout=LIMIT * 2 * load_factor())
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    os.close(w)
    return p.returncode, out, err, time.monotonic() - start




# --lab-only: the variants whose outcome depends on the lab: its files
# (a stray main() and inline asm in its first file, a main() in each of its
# files) and its own reference read by absolute path.  The others attack the
# compiler's sandbox (compile_sandbox.c: the work folder and the system's
# paths, nothing of the kit) and its limits, one code for every lab:
# `make test` proves them on the labs in the Makefile's REDTEAM_FULL.
LAB_VARIANTS = ("reads: reference by absolute path under __OPTIMIZE__", "honest: ")
# --no-cpu-bombs: the bombs that run until RLIMIT_CPU (compile_sandbox.h).
CPU_BOMBS = ("bomb: compile-time memory", "bomb: compile-time CPU")


def test_lab(lab, gdir, kit, secrets, lab_only=False, cpu_bombs=True):
    L = Lab(lab)
    grader = os.path.join(gdir, "grade-" + lab)
    soldir = glob.glob(os.path.join(kit, "solutions", lab + "-*"))
    if not os.access(grader, os.X_OK) or len(soldir) != 1:
        L.check(False, f"grader {grader} and one solutions/{lab}-* folder exist")
        return L
    soldir = soldir[0]
    labname = os.path.basename(soldir)
    sources = subprocess.run([grader, "--sources"], capture_output=True, text=True).stdout.split()
    n_tests = len(subprocess.run([grader, "--list"], capture_output=True, text=True).stdout.splitlines())
    first = sources[0]
    ref_text = open(os.path.join(soldir, first), encoding="utf-8").read()
    base = os.path.join(ROOT, "build", "redteam", lab)
    shutil.rmtree(base, ignore_errors=True)
    tmp = os.path.join(base, "tmp")
    os.makedirs(tmp)
    # The work folder is tmp/loralab-grade-XXXXXX/build: depth below the kit.
    work_depth = len(os.path.relpath(os.path.join(tmp, "x", "build"), kit).split(os.sep))
    rc, ref_out, _, _ = grade(grader, soldir, tmp)
    full = score_of(ref_out)
    if not L.check(rc == 0 and full[0] is not None and full[0] == full[1], f"reference: full marks {full}", ref_out):
        return L
    flat_ref = squash(ref_out)  # (once: squashing it for each secret cost 1 CPU-s a lab)
    allowed = {s for s in secrets if s in flat_ref}  # what the grader prints anyway
    # What the other files earn with this one empty (a lab of several files):
    # a hostile variant may get that much and not a point more.
    empty = os.path.join(base, "empty")
    os.makedirs(empty)
    for s in sources:
        shutil.copy2(os.path.join(soldir, s), os.path.join(empty, s))
    open(os.path.join(empty, first), "w").close()
    rc, empty_out, _, _ = grade(grader, empty, tmp)
    earned = score_of(empty_out)[0]
    if not L.check(rc == 1 and earned is not None and earned < full[0],
                   f"{first} left empty: {earned}/{full[1]} (what the lab's other files earn)", empty_out):
        return L
    other = os.path.join(base, "other-student")  # a classmate's correct file, as in grade-all's work folder
    os.makedirs(other)
    shutil.copy2(os.path.join(soldir, first), other)
    cases, main_line = variants(kit, lab, labname, first, ref_text, work_depth, os.path.join(other, first))
    for k, (name, expect, text) in enumerate(cases):
        if (lab_only and not name.startswith(LAB_VARIANTS)) or (not cpu_bombs and name.startswith(CPU_BOMBS)):
            continue
        sub = os.path.join(base, f"v{k:02d}")
        os.makedirs(sub)
        for s in sources:
            shutil.copy2(os.path.join(soldir, s), os.path.join(sub, s))
        with open(os.path.join(sub, first), "w", encoding="utf-8") as f:
            f.write(text)
        stretch = load_factor()  # the build's wall limit stretches with the load (build_runner.c)
        rc, out, err, secs = grade(grader, sub, tmp)
        stretch = max(stretch, load_factor())
        report = out + err
        got = score_of(out)
        want = full[1] if expect == "full" else earned if "build: ok" in out else 0
        mine = {squash(x) for x in text.splitlines()}
        flat = squash(report)
        leaked = [s for s in secrets - allowed - mine if s in flat]
        procs, files = leftovers(tmp)
        lines = len(re.findall(r"^lab\d\d\.\d+\s+.* \.+ (PASS|FAIL)\s+\d+/\d+$", out, re.M))
        problems = []
        if rc not in (0, 1):
            problems.append(f"exit status {rc}")
        if got != (want, full[1]):
            problems.append(f"score {got}, expected {want}/{full[1]}")
        if lines != n_tests:
            problems.append(f"report lists {lines} of {n_tests} tests")
        if leaked:
            problems.append(f"{len(leaked)} hidden lines leaked, e.g. {leaked[0][:80]!r}")
        if secs > LIMIT * stretch:
            problems.append(f"took {secs:.1f} s (limit {LIMIT:.0f} s x load factor {stretch:.1f})")
        if procs or files:
            problems.append(f"left behind: processes {procs[:3]} files {files[:3]}")
        if name.startswith("honest: a stray main") and not re.search(
                rf"^{re.escape(first)}:{main_line}: note: your main\(\) was set aside", out, re.M):
            problems.append(f"no note naming {first}:{main_line} and the main() set aside")
        slow = f" (slow: {secs:.1f} s, over {SLOW:.0f} s x {stretch:.1f})" if secs > SLOW * stretch else ""
        L.check(not problems, f"{name}: {got[0]}/{got[1]}, exit {rc}, {secs:.1f} s{slow}",
                "; ".join(problems) + "\n" + report[:1500])
        for p in procs:  # do not let one failure cascade into the next cases
            try:
                os.kill(int(p.split(":")[0]), 9)
            except (OSError, ValueError):
                pass
    if len(sources) > 1:  # every file of the lab with its own test main
        sub = os.path.join(base, "mains")
        os.makedirs(sub)
        for s in sources:
            with open(os.path.join(sub, s), "w", encoding="utf-8") as f:
                f.write(open(os.path.join(soldir, s), encoding="utf-8").read() + "\nint main(void) { return 3; }\n")
        rc, out, err, secs = grade(grader, sub, tmp)
        notes = re.findall(r"^(\S+):\d+: note: your main\(\) was set aside", out, re.M)
        L.check(rc == 0 and score_of(out) == full and sorted(notes) == sorted(sources),
                f"honest: a main() in each of {', '.join(sources)}: {score_of(out)}, a note for each file",
                out[:1500] + err)
    shutil.rmtree(base, ignore_errors=True)
    return L


# A kernel without Landlock (and one without user namespaces either), made
# with a seccomp filter: the named system calls fail with ENOSYS for the
# grader and everything it starts.  Then the grader picks its sandbox alone.
WITHOUT_C = r"""
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    int k = 1;
    for (; k < argc && strcmp(argv[k], "--") != 0; k++)
        if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), seccomp_syscall_resolve_name(argv[k]), 0) != 0)
            return fprintf(stderr, "without: cannot filter %s\n", argv[k]), 125;
    if (k + 1 >= argc || seccomp_load(ctx) != 0)
        return fprintf(stderr, "usage: without SYSCALL... -- PROGRAM ARGS\n"), 125;
    execv(argv[k + 1], argv + k + 1);
    return perror(argv[k + 1]), 126;
}
"""


def build_without(base):
    exe = os.path.join(base, "without")
    os.makedirs(base, exist_ok=True)
    with open(exe + ".c", "w", encoding="utf-8") as f:
        f.write(WITHOUT_C)
    p = subprocess.run(["cc", "-O2", exe + ".c", "-lseccomp", "-o", exe], capture_output=True, text=True)
    return exe if p.returncode == 0 else None


def test_fallbacks(lab, gdir, kit, secrets):
    """The user-namespace fallback grades; 'no sandbox available' refuses."""
    L = Lab(lab + " fallback")
    grader = os.path.join(gdir, "grade-" + lab)
    soldir = glob.glob(os.path.join(kit, "solutions", lab + "-*"))[0]
    labname = os.path.basename(soldir)
    first = subprocess.run([grader, "--sources"], capture_output=True, text=True).stdout.split()[0]
    with tempfile.TemporaryDirectory(prefix="loralab-redteam-") as tmp:
        t = os.path.join(tmp, "t")
        os.makedirs(t)
        rc, out, err, secs = grade(grader, soldir, t, {"LORALAB_SANDBOX": "userns"})
        got = score_of(out)
        L.check(rc == 0 and got[0] == got[1] and got[0], f"LORALAB_SANDBOX=userns: reference full marks {got}, "
                f"{secs:.1f} s", out + err)
        sub = os.path.join(tmp, "sub")
        os.makedirs(sub)
        for s in glob.glob(os.path.join(soldir, "*.c")):
            shutil.copy2(s, sub)
        ref = os.path.join(kit, "solutions", labname, first)
        tests = os.path.join(kit, "grader", "labs", lab, "tests.c")
        with open(os.path.join(sub, first), "w", encoding="utf-8") as f:
            f.write(f'#ifdef __OPTIMIZE__\n#include "{ref}"\n#endif\n__asm__(".include \\"{tests}\\"");\n')
        rc, out, err, secs = grade(grader, sub, t, {"LORALAB_SANDBOX": "userns"})
        got = score_of(out)
        flat = squash(out + err)
        leaked = [s for s in secrets if s in flat]
        procs, files = leftovers(t)
        L.check(rc in (0, 1) and got[0] == 0 and not leaked and not procs and not files,
                f"LORALAB_SANDBOX=userns: include trick and .include of the hidden tests: {got}, no leak, "
                f"nothing left behind", f"leaked {leaked[:2]} procs {procs} files {files}\n{out}{err}"[:2500])
        rc, out, err, secs = grade(grader, soldir, t, {"LORALAB_SANDBOX": "none-available"})
        L.check(rc == 2 and "refusing to compile" in err and "never compiled unconfined" in err
                and not out.strip() and not os.listdir(t),
                f"LORALAB_SANDBOX=none-available: exit {rc} and says it refuses to compile unconfined", out + err)
        without = build_without(os.path.join(tmp, "w"))
        if L.check(without, "a helper that hides system calls (libseccomp) builds"):
            landlock = ["landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"]
            rc, out, err, secs = grade(without, sub, t, argv=[*landlock, "--", grader, sub])
            got = score_of(out)
            flat = squash(out + err)
            leaked = [s for s in secrets if s in flat]
            L.check(rc in (0, 1) and got[0] == 0 and not leaked and not os.listdir(t),
                    f"kernel without Landlock (seccomp ENOSYS): the grader falls back by itself, include "
                    f"trick {got}, no leak", out + err)
            rc, out, err, secs = grade(without, soldir, t, argv=[*landlock, "--", grader, soldir])
            got = score_of(out)
            L.check(rc == 0 and got[0] == got[1] and got[0], f"kernel without Landlock: reference full marks {got}",
                    out + err)
            rc, out, err, secs = grade(without, soldir, t, argv=[*landlock, "unshare", "--", grader, soldir])
            L.check(rc == 2 and "refusing to compile" in err and "not in this kernel" in err and not out.strip(),
                    f"kernel without Landlock nor user namespaces: exit {rc}, refuses to compile unconfined",
                    out + err)
        rc, out, err, secs = grade(grader, soldir, t, {"LORALAB_SANDBOX": "chroot"})
        L.check(rc == 2 and "LORALAB_SANDBOX is landlock, userns or none-available" in err,
                f"LORALAB_SANDBOX=chroot (unknown): exit {rc} and names the values", out + err)
    return L


def main(argv):
    args = argv[1:]
    gdir, jobs = os.path.join(ROOT, "grader", "bin"), 2
    lab_only = "--lab-only" in args
    fallbacks = "--no-fallbacks" not in args and not lab_only
    cpu_bombs = "--no-cpu-bombs" not in args
    args = [a for a in args if a not in ("--lab-only", "--no-fallbacks", "--no-cpu-bombs")]
    for opt in ("--grader-dir", "--jobs"):
        if opt in args:
            i = args.index(opt)
            val = args[i + 1] if i + 1 < len(args) else None
            if val is None:
                print(f"{opt} needs a value", file=sys.stderr)
                return 2
            if opt == "--grader-dir":
                gdir = os.path.abspath(val)
            else:
                jobs = int(val)
            del args[i:i + 2]
    labs = args
    if not labs or not all(re.fullmatch(r"\d\d", x) for x in labs):
        print("usage: test_redteam_compile.py [--grader-dir DIR] [--jobs N] [--lab-only] [--no-fallbacks] [--no-cpu-bombs] NN [NN ...]",
              file=sys.stderr)
        return 2
    kit = os.path.dirname(os.path.dirname(gdir))
    secrets = secret_lines(kit)
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = [pool.submit(test_lab, lab, gdir, kit, secrets, lab_only, cpu_bombs) for lab in labs]
        if fallbacks:
            futures.append(pool.submit(test_fallbacks, labs[0], gdir, kit, secrets))
        results = [f.result() for f in futures]
    passed = failed = 0
    for L in results:
        print(f"lab {L.lab}:")
        print("\n".join(L.lines))
        passed, failed = passed + L.passed, failed + L.failed
    print(f"red team (compile): labs {' '.join(labs)} in {time.monotonic() - start:.1f} s, "
          f"{len(secrets)} hidden lines watched")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
