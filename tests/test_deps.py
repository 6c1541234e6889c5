#!/usr/bin/env python3
"""test_deps.py - mk/deps.sh says the right thing when a package is missing.

Runs mk/deps.sh under a PATH of hand-picked commands, so that what a need
uses is missing (gnuplot and dot for "plots") while the rest of the machine
stays as it is, with stand-ins for `id`, `apt-get` and `dpkg`:
  - everything there: exit 0, silent;
  - not root: one line to paste, all packages on it, `sudo` on every apt-get;
  - no apt-get/dpkg (not Debian): names what to install, points to the README;
    with Homebrew, dnf or pacman, the one line to paste with its package names
    (Linux only parts on macOS: says so);
  - apt's lock held, no network, an unknown package: the cause, then the line;
  - only an optional package (ccache) missing: a note, exit 0;
  - an unknown need: exit 2.
And in the kit's make database (make -pnq): every rule whose recipe runs
gnuplot or dot asks for deps-plots, so a missing gnuplot stops it with
deps.sh's message, also alone or under make -j; make demo asks for deps-cc
before its quiet build.
Nothing is installed: the stand-in apt-get only prints what a real one says.
Closing line: "N passed, M failed".  Uses only Python's standard library.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_grader as tg  # noqa: E402
from test_grader import check  # noqa: E402

DEPS = os.path.join(tg.ROOT, "mk", "deps.sh")
# What deps.sh itself runs; gnuplot and dot are left out on purpose.
TOOLS = ["bash", "cat", "grep", "sed", "tr", "paste", "ls", "mktemp", "rm", "sort", "tail",
         "cc", "gcc", "make", "ar", "pkg-config", "as", "ld", "cpp"]


def fake_bin(tmp, uid, apt_says=None, debian=True, manager=None):
    d = tempfile.mkdtemp(dir=tmp)
    if manager:  # brew, dnf or pacman: there, never run
        with open(os.path.join(d, manager), "w") as f:
            f.write("#!/bin/bash\nexit 0\n")
    for t in TOOLS:
        path = shutil.which(t)
        if path:
            os.symlink(path, os.path.join(d, t))
    with open(os.path.join(d, "id"), "w") as f:
        f.write(f"#!/bin/bash\necho {uid}\n")
    if debian:
        with open(os.path.join(d, "dpkg"), "w") as f:
            f.write("#!/bin/bash\nexit 0\n")
        with open(os.path.join(d, "apt-get"), "w") as f:
            f.write("#!/bin/bash\n" + (f"echo '{apt_says}' >&2\nexit 100\n" if apt_says else "exit 0\n"))
    for name in os.listdir(d):
        # Only the scripts written here: a symlink's chmod would reach the
        # real tool (root's /usr/bin/rm: EPERM when make test runs unprivileged).
        if not os.path.islink(os.path.join(d, name)):
            os.chmod(os.path.join(d, name), 0o755)
    return d


def run(need, path):
    p = subprocess.run(["bash", DEPS, need, "make plots"], capture_output=True, text=True,
                       env={"PATH": path, "HOME": "/tmp", "LANG": "C"}, timeout=120)
    return p.returncode, (p.stdout + p.stderr).strip().splitlines()


def make_rules(cwd):
    """(target, prerequisites, recipe) of each rule in make's database."""
    db = subprocess.run(["make", "-pnq", "help"], cwd=cwd, capture_output=True, text=True,
                        env=dict(os.environ, MAKEFLAGS=""), timeout=120).stdout
    rules, cur = [], None
    for line in db.splitlines():
        if line.startswith("\t") and cur is not None:
            cur[2].append(line[1:])
        elif not line.strip():
            cur = None
        elif (not line.startswith("#") and re.match(r"[^\s:=#][^:=]*:(?![=:])", line)):
            target, prereqs = line.split(":", 1)
            cur = (target.strip(), prereqs, [])
            rules.append(cur)
    return rules


def plots_rules_ask_for_plots():
    rules = make_rules(tg.ROOT)
    tools = [r for r in rules if re.search(r"\bgnuplot\b|\bdot -T", "\n".join(r[2]))]
    bad = [f"{t}: {p.strip()[-70:]}" for t, p, _ in tools if not re.search(r"\bdeps-(plots|test)\b", p)]
    check(len(tools) >= 20 and not bad,
          f"the {len(tools)} rules that run gnuplot or dot ask for deps-plots", "\n".join(bad))
    # make demo builds with its output hidden (>/dev/null): deps.sh's line
    # would be hidden with it, unless demo asks for deps-cc first.
    demo = [p for t, p, _ in rules if t == "demo"]
    check(demo and re.search(r"\bdeps-cc\b", demo[0]),
          "make demo asks for deps-cc itself (its build's output is hidden)", str(demo))


def main():
    plots_rules_ask_for_plots()
    with tempfile.TemporaryDirectory() as tmp:
        rc, out = run("cc", os.environ["PATH"])
        check(rc == 0 and not out, "all there: exit 0 and no output", "\n".join(out))

        rc, out = run("plots", fake_bin(tmp, 1000))
        paste = out[-1] if out else ""
        check(rc == 1 and len(out) == 2 and "needs root" in out[0]
              and paste.endswith("apt-get install -y gnuplot-nox graphviz")
              and paste.startswith("sudo ") and paste.count("apt-get") == paste.count("sudo apt-get"),
              "not root: the cause, then one line to paste with every package on it", "\n".join(out))

        rc, out = run("plots", fake_bin(tmp, 1000, debian=False))
        text = "\n".join(out)
        check(rc == 1 and "gnuplot" in text and "Graphviz" in text and "not Debian" in text
              and "Other systems" in text and "apt-get install" not in text,
              "no apt-get/dpkg: names what to install and points to the README section", text)

        # Another package manager: its one line, with its package names.
        for manager, uid, want in (("brew", 1000, "brew install gnuplot graphviz"),
                                   ("dnf", 1000, "sudo dnf install -y gnuplot graphviz"),
                                   ("pacman", 0, "pacman -S --needed gnuplot graphviz")):
            rc, out = run("plots", fake_bin(tmp, uid, debian=False, manager=manager))
            check(rc == 1 and len(out) == 3 and "not Debian" in out[0] and out[-1] == want,
                  f"no apt-get, {manager} (uid {uid}): one line to paste, '{want}'", "\n".join(out))
        rc, out = run("test", fake_bin(tmp, 1000, debian=False, manager="brew"))
        check(rc == 1 and "needs Linux" in out[-1] and "WSL" in out[-1],
              "macOS (brew), valgrind and the sandbox missing: says it needs Linux (WSL, a VM)", "\n".join(out))

        for says, cause in (
                ("E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)",
                 "another apt-get"),
                ("W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  "
                 "Temporary failure resolving 'deb.debian.org'", "no network"),
                ("E: Unable to locate package gnuplot-nox", "does not know gnuplot-nox")):
            rc, out = run("plots", fake_bin(tmp, 0, apt_says=says))
            check(rc == 1 and out and cause in "\n".join(out)
                  and out[-1].endswith("apt-get install -y gnuplot-nox graphviz"),
                  f"root, apt-get fails: says '{cause}', then the line to run", "\n".join(out))

        # Only ccache missing (optional): a note, and make test goes on.
        everything = fake_bin(tmp, 1000)
        for t in ("gnuplot", "dot", "valgrind", "column"):
            if shutil.which(t):
                os.symlink(shutil.which(t), os.path.join(everything, t))
        rc, out = run("test", everything)
        check(rc == 0 and len(out) == 1 and "note: ccache not installed" in out[0],
              "only an optional package missing, not root: a note, exit 0", "\n".join(out))

        rc, out = run("plotz", os.environ["PATH"])
        check(rc == 2 and "unknown need" in "\n".join(out), "an unknown need exits 2", "\n".join(out))
    print(f"{tg.PASSED} passed, {tg.FAILED} failed")
    sys.exit(1 if tg.FAILED else 0)


if __name__ == "__main__":
    main()
