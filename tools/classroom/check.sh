#!/usr/bin/env bash
# check.sh NN K - GitHub Classroom: did test number K of lab NN pass?
#
# One autograding step per graded test runs this; the step's points go to the
# student when it exits 0.  It reads .grader-results/lab-NN.tap, written by
# grade.sh (TAP: "ok K - ..." or "not ok K - ..." and the reason below it).
# A pass prints to stdout only: the command grader counts any stderr output
# as a failure.
set -euo pipefail
[ $# = 2 ] || { echo "usage: check.sh NN K" >&2; exit 2; }
lab=$1 k=$2
tap=.grader-results/lab-$lab.tap
if [ ! -s "$tap" ]; then
    echo "no grading results ($tap is missing): see the log of the 'Grade' step" >&2
    [ ! -s ".grader-results/lab-$lab.error" ] || cat ".grader-results/lab-$lab.error" >&2
    exit 1
fi
if grep -q "^ok $k - " "$tap"; then
    grep "^ok $k - " "$tap"
    exit 0
fi
if grep -q "^not ok $k - " "$tap"; then
    # The test line and its YAML block (the reason and the hint).
    awk -v k="$k" '$0 ~ "^not ok " k " - " { on = 1; print; next }
                   on && /^(ok|not ok) [0-9]+ - / { exit }
                   on && !/^#/ { print }' "$tap" >&2
    exit 1
fi
echo "test $k is not in $tap: the workflow and the grader disagree (rebuild the template with make classroom LAB=$lab)" >&2
exit 1
