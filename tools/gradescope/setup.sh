#!/usr/bin/env bash
# setup.sh - Gradescope runs this once, as root, when it builds the
# autograder image (Ubuntu).  It installs what building the grader needs
# (a C compiler and libseccomp's headers) and builds this lab's grader from
# the sources in this bundle: no binary built elsewhere is shipped, because
# the image's C library is not the one of the instructor's machine.
#
# apt-get runs only for packages that are missing (checked with dpkg-query),
# so running it on a machine that has them (the kit's tests) installs nothing.
# SKIP_APT=1 never calls apt-get: a missing package is then an error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
packages=(build-essential libseccomp-dev python3)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "${SKIP_APT:-0}" = 1 ]; then
        echo "setup.sh: SKIP_APT=1 but these packages are missing: ${missing[*]}" >&2
        exit 1
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "setup.sh: not root; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "setup.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "setup.sh: ${packages[*]} already installed, apt-get not needed"
fi

bash "$here/build.sh"
