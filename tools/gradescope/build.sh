#!/usr/bin/env bash
# build.sh - build one lab's grader from the sources in this bundle.
#
# Writes kit/grader/bin/grade-NN and kit/grader/bin/lib/librunner-NN.a, the
# same programs `make grader` builds in the kit (see LAB_RULES in the kit's
# Makefile).  Needs a C compiler, binutils, libseccomp-dev and python3 (a
# described lab's adapter is generated: grader/engine/describe.py).
# Used by setup.sh (Gradescope) and by the GitHub Classroom workflow.  It runs
# the kit's own recipe, grader/engine/grader.mk (the engine's files and the
# flags are listed there only), without -g: no debugger there, and a third
# less build time.
#
# The judge links the lab's mistake models (grader/broken/NN/*.mut applied to
# the reference by tools/apply_mut.py, compiled with lab.conf's
# STUDENT_CFLAGS), so a failed test names its mistake as `make grade` does.
#
# Once the grader is built, the sources that hold the reference solution, the
# hidden tests and the mistake models (kit/solutions/, kit/grader/labs/,
# kit/grader/broken/, kit/tools/apply_mut.py, the skeletons' .c) and the
# objects made from them (build/) are DELETED: no submission is ever compiled on a machine
# that still has them (the compiler's sandbox hides them as well).  To build
# again, unpack the bundle again.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
conf=$here/lab.conf
[ -r "$conf" ] || { echo "build.sh: $conf is missing: this bundle is incomplete (rebuild it with make gradescope LAB=NN)" >&2; exit 2; }
# shellcheck source=/dev/null
. "$conf"
kit=$here/kit
CC=${CC:-cc}
lab=$kit/labs/$LAB_DIR
sol=$kit/solutions/$LAB_DIR
obj=$here/build
bin=$kit/grader/bin
if [ ! -e "$sol" ] && [ -x "$bin/grade-$LAB_ID" ]; then
    echo "build.sh: $bin/grade-$LAB_ID is built and the reference and hidden tests were deleted after the build; unpack the bundle again to rebuild" >&2
    exit 2
fi
for need in "$kit/grader/engine/grader.mk" "$kit/grader/labs/$LAB_ID/tests.c" "$lab" "$sol"; do
    [ -e "$need" ] || { echo "build.sh: $need is missing: this bundle is incomplete" >&2; exit 2; }
done
# The runner's adapter: hand-written, or made from functions.txt by python3 (setup.sh installs it).
[ -e "$kit/grader/labs/$LAB_ID/adapter.c" ] || [ -e "$kit/grader/labs/$LAB_ID/functions.txt" ] ||
    { echo "build.sh: $kit/grader/labs/$LAB_ID/ has neither adapter.c nor functions.txt: this bundle is incomplete" >&2; exit 2; }
[ -n "${STUDENT_CFLAGS:-}" ] || { echo "build.sh: $conf has no STUDENT_CFLAGS (the mistake models are compiled with them): rebuild the bundle with make gradescope LAB=NN" >&2; exit 2; }
MAKE_CMD=${MAKE:-make}
command -v "$MAKE_CMD" >/dev/null || { echo "build.sh: no make; install build-essential" >&2; exit 2; }
command -v "$CC" >/dev/null || { echo "build.sh: no C compiler ($CC); install build-essential" >&2; exit 2; }
[ -e /usr/include/seccomp.h ] || { echo "build.sh: /usr/include/seccomp.h not found; install libseccomp-dev" >&2; exit 2; }

rm -rf "$obj" "$bin"
# The kit's own recipe (grader/engine/grader.mk, also what `make grader` runs),
# without -g; relative folders, so a path with a space in it does no harm.
"$MAKE_CMD" -C "$kit" -f grader/engine/grader.mk -j"$(nproc 2>/dev/null || echo 2)" --no-print-directory \
    B=../build BIN=grader/bin LAB_IDS="$LAB_ID" GRADER_DEBUG= CC="$CC" STUDENT_CFLAGS="$STUDENT_CFLAGS" \
    "grader/bin/grade-$LAB_ID" "grader/bin/lib/librunner-$LAB_ID.a" ||
    { echo "build.sh: compiling the grader of lab $LAB_ID failed (messages above)" >&2; exit 2; }
"$bin/grade-$LAB_ID" --list >/dev/null || { echo "build.sh: the built grader does not run" >&2; exit 2; }
echo "build.sh: built $bin/grade-$LAB_ID ($("$bin/grade-$LAB_ID" --list | wc -l) tests)"
rm -rf "$kit/solutions" "$kit/grader/labs" "$kit/grader/broken" "$kit/tools/apply_mut.py" "$obj"
rm -f "$lab"/*.c
echo "build.sh: deleted the reference solution, the hidden tests, the mistake models and their objects (kit/solutions, kit/grader/labs, kit/grader/broken, build)"
