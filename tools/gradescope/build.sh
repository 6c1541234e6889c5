#!/usr/bin/env bash
# build.sh - build one lab's grader from the sources in this bundle.
#
# Writes kit/grader/bin/grade-NN and kit/grader/bin/lib/librunner-NN.a, the
# same programs `make grader` builds in the kit (see LAB_RULES in the kit's
# Makefile).  Needs a C compiler, binutils and libseccomp-dev; nothing else.
# Used by setup.sh (Gradescope) and by the GitHub Classroom workflow.  The
# kit's flags without -g: no debugger there, and a third less build time.
#
# Once the grader is built, the sources that hold the reference solution and
# the hidden tests (kit/solutions/, kit/grader/labs/) and the objects made
# from them (build/) are DELETED: no submission is ever compiled on a machine
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
CFLAGS=(-std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L)
lab=$kit/labs/$LAB_DIR
sol=$kit/solutions/$LAB_DIR
obj=$here/build
bin=$kit/grader/bin
if [ ! -e "$sol" ] && [ -x "$bin/grade-$LAB_ID" ]; then
    echo "build.sh: $bin/grade-$LAB_ID is built and the reference and hidden tests were deleted after the build; unpack the bundle again to rebuild" >&2
    exit 2
fi
for need in "$kit/grader/engine/judge.c" "$kit/grader/labs/$LAB_ID/tests.c" \
            "$kit/grader/labs/$LAB_ID/adapter.c" "$lab" "$sol"; do
    [ -e "$need" ] || { echo "build.sh: $need is missing: this bundle is incomplete" >&2; exit 2; }
done
command -v "$CC" >/dev/null || { echo "build.sh: no C compiler ($CC); install build-essential" >&2; exit 2; }
[ -e /usr/include/seccomp.h ] || { echo "build.sh: /usr/include/seccomp.h not found; install libseccomp-dev" >&2; exit 2; }

rm -rf "$obj" "$bin"
mkdir -p "$obj/common" "$obj/engine" "$obj/ref" "$bin/lib"
inc=(-I"$kit/labs/common" -I"$kit/grader/engine")
pids=()
compile() { "$CC" "${CFLAGS[@]}" "$@" & pids+=($!); }
for c in "$kit"/labs/common/*.c; do
    compile -I"$kit/labs/common" -c "$c" -o "$obj/common/$(basename "$c" .c).o"
done
for c in judge call report compile_sandbox mistakes runner_main; do
    compile "${inc[@]}" -c "$kit/grader/engine/$c.c" -o "$obj/engine/$c.o"
done
compile "${inc[@]}" -I"$lab" -c "$kit/grader/labs/$LAB_ID/adapter.c" -o "$obj/adapter.o"
for c in "$sol"/*.c; do
    compile -I"$kit/labs/common" -I"$lab" -c "$c" -o "$obj/ref/$(basename "$c" .c).o"
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ "$fail" = 0 ] || { echo "build.sh: compiling the grader of lab $LAB_ID failed (messages above)" >&2; exit 2; }
ar rcs "$obj/libcommon.a" "$obj"/common/*.o
ar rcs "$bin/lib/librunner-$LAB_ID.a" "$obj/engine/runner_main.o" "$obj/adapter.o" "$obj"/common/*.o
ld -r "$obj"/ref/*.o -o "$obj/reference.o"
"$CC" "${CFLAGS[@]}" "${inc[@]}" -I"$lab" "$kit/grader/labs/$LAB_ID/tests.c" "$obj/reference.o" "$obj/adapter.o" \
    "$obj/engine/judge.o" "$obj/engine/call.o" "$obj/engine/report.o" "$obj/engine/compile_sandbox.o" "$obj/engine/mistakes.o" "$obj/libcommon.a" \
    -lseccomp -lm -o "$bin/grade-$LAB_ID"
"$bin/grade-$LAB_ID" --list >/dev/null || { echo "build.sh: the built grader does not run" >&2; exit 2; }
echo "build.sh: built $bin/grade-$LAB_ID ($("$bin/grade-$LAB_ID" --list | wc -l) tests)"
rm -rf "$kit/solutions" "$kit/grader/labs" "$obj"
echo "build.sh: deleted the reference solution, the hidden tests and their objects (kit/solutions, kit/grader/labs, build)"
