#!/usr/bin/env bash
# grade.sh NN - GitHub Classroom: grade lab NN of this repository.
#
# Runs the grader that the workflow built in .grader/lab-NN/ on the lab's
# files (found by the kit's rule: the copy under labs/NN-*/ wins) and writes .grader-results/lab-NN.tap (also printed into
# the workflow log), which check.sh reads once per test.  Always exits 0, so
# that every test step runs and reports its points; when the grader cannot
# run, check.sh fails every test with the reason.
set -euo pipefail
[ $# = 1 ] || { echo "usage: grade.sh NN" >&2; exit 2; }
lab=$1
bundle=.grader/lab-$lab
grader=$bundle/kit/grader/bin/grade-$lab
results=.grader-results
mkdir -p "$results"
rm -f "$results/lab-$lab.tap"
if [ ! -x "$grader" ]; then
    echo "grade.sh: $grader was not built: see the 'Build the grader' step" >&2
    exit 0
fi
# build.sh deleted the reference and the hidden tests after building; make
# sure they are gone before the submission is compiled (an older bundle).
rm -rf "$bundle/kit/solutions" "$bundle/kit/grader/labs" "$bundle/build"
# The lab's files are found by the kit's one rule (tools/find_submission.py,
# shared with grade-all and Gradescope): the copy under labs/NN-*/ wins.
finder=$bundle/kit/tools/find_submission.py
conf=$bundle/lab.conf
if [ ! -r "$finder" ] || [ ! -r "$conf" ]; then
    echo "grade.sh: $finder or $conf is missing: see the 'Build the grader' step" | tee "$results/lab-$lab.error" >&2
    exit 0
fi
# shellcheck source=/dev/null
. "$conf"
work=$(mktemp -d "${TMPDIR:-/tmp}/loralab-classroom.XXXXXX")
trap 'rm -rf "$work"' EXIT
frc=0
python3 "$finder" --lab-dir "$LAB_DIR" --sources "$LAB_SOURCES" --dest "$work/files" . || frc=$?
if [ "$frc" != 0 ] && [ "$frc" != 3 ]; then
    echo "grade.sh: find_submission.py failed (exit status $frc); tell your instructor" | tee "$results/lab-$lab.error" >&2
    exit 0
fi
sub=$work/files
rc=0
"$grader" --format tap --out "$results/lab-$lab.tap" "$sub" || rc=$?
[ ! -s "$results/lab-$lab.tap" ] || cat "$results/lab-$lab.tap"
if [ "$rc" -gt 1 ]; then
    echo "grade.sh: the grader could not run (exit status $rc); tell your instructor" | tee "$results/lab-$lab.error" >&2
    rm -f "$results/lab-$lab.tap"
fi
exit 0
