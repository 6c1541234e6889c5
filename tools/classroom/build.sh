#!/usr/bin/env bash
# build.sh NN - GitHub Classroom: build lab NN's grader from .grader/lab-NN/,
# the lab's Gradescope bundle (its build.sh compiles the grader's sources).
set -euo pipefail
[ $# = 1 ] || { echo "usage: build.sh NN" >&2; exit 2; }
lab=$1
bundle=.grader/lab-$lab
if [ ! -f "$bundle/build.sh" ] || [ ! -f "$bundle/lab.conf" ]; then
    echo "::error::$bundle/build.sh is missing: the grader repository must hold a folder lab-$lab/," \
         "a copy of build/gradescope/lab-$lab-autograder/ made by 'make gradescope LAB=$lab'" \
         "(see docs/instructors-platforms.md in the loralab kit)" >&2
    exit 1
fi
bash "$bundle/build.sh"
