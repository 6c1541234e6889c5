#!/usr/bin/env bash
# fresh_check.sh - the README's two commands on a fresh Debian 12.
#
#   tools/fresh_check.sh [COMMAND...]     (make fresh-check; root needed)
#
# Builds a minimal Debian 12 root with debootstrap (variant minbase plus
# build-essential, git, ca-certificates: nothing of the kit's own packages),
# copies the committed tree into it (git archive HEAD: what a clone gets), and
# runs `make grade` and `make test` there as root, so the kit must install
# everything those use by itself.  Prints each command's duration and
# "fresh-check: passed" or which command failed.
#
# The installed root is cached as an uncompressed tar in FRESH_CACHE
# (default /var/cache/loralab-fresh), so a rerun unpacks it (seconds) instead
# of running debootstrap again (minutes); delete the tar to rebuild it.
# The root runs in its own mount namespace after pivot_root, not in a bare
# chroot: the kernel refuses new user namespaces to a chrooted process, and
# the grader's sandbox may create them.  /proc, /dev (with pts and shm) and
# /sys are mounted inside that namespace, so they vanish with it even if this
# script is killed; the trap unmounts them and removes the root anyway.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${FRESH_CACHE:-/var/cache/loralab-fresh}
MIRROR=${FRESH_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
TARBALL=$CACHE/$SUITE-build-essential-git.tar
if [ $# -gt 0 ]; then COMMANDS=("$@"); else COMMANDS=("make grade" "make test"); fi

say() { echo "fresh-check: $*"; }
[ "$(id -u)" = 0 ] || { say "needs root (debootstrap, mounts): sudo make fresh-check"; exit 2; }
for tool in unshare pivot_root git tar; do
  command -v $tool >/dev/null || { say "needs '$tool' (util-linux, git, tar)"; exit 2; }
done
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null 2>&1 || {
    apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null; } || {
    say "could not install debootstrap (apt-get install -y debootstrap failed)"; exit 2; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/loralab-fresh.XXXXXX")
R=$WORK/root
cleanup() {
  # Mounts live in the namespace and die with it; this catches any leftover.
  for m in $(awk -v r="$R" '$2 ~ "^"r {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT INT TERM

start=$SECONDS
mkdir -p "$R" "$CACHE"
if [ -f "$TARBALL" ]; then
  say "unpacking the cached Debian 12 root ($TARBALL)"
  tar -C "$R" --numeric-owner -xpf "$TARBALL"
else
  say "debootstrap $SUITE from $MIRROR (minbase + build-essential, git, ca-certificates; a few minutes)"
  debootstrap --variant=minbase --include=build-essential,git,ca-certificates \
    "$SUITE" "$R" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 || {
    tail -20 "$WORK/debootstrap.log"; say "debootstrap failed (network? mirror $MIRROR)"; exit 2; }
  rm -rf "$R"/var/cache/apt/archives/*.deb
  tar -C "$R" --numeric-owner -cpf "$TARBALL.part" . && mv "$TARBALL.part" "$TARBALL"
  say "cached the root in $TARBALL"
fi
# What a fresh machine has: the kit's packages must not be there yet.
for p in check libseccomp-dev valgrind python3-numpy gnuplot-nox graphviz; do
  if chroot "$R" dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'ok installed'; then
    say "the cached root already has $p: delete $TARBALL and rerun"; exit 2; fi
done
cp /etc/resolv.conf "$R/etc/resolv.conf"
mkdir -p "$R/kit"
git -C "$ROOT" archive HEAD | tar -C "$R/kit" -xf -
say "root ready in $((SECONDS - start)) s; the committed tree ($(git -C "$ROOT" rev-parse --short HEAD)) is in /kit"

rc=0
for cmd in "${COMMANDS[@]}"; do
  t0=$SECONDS
  say "running '$cmd' in the fresh root"
  # New mount namespace: bind the root onto itself, mount what programs need,
  # pivot into it and drop the old root; then a clean login environment.
  if unshare --mount --propagation private --fork -- bash -ec '
      R=$1; shift
      mount --bind "$R" "$R"
      mount -t proc proc "$R/proc"
      mount --rbind /dev "$R/dev"
      mount --rbind /sys "$R/sys"
      mount -t tmpfs tmpfs "$R/tmp"
      cd "$R"; mkdir -p .oldroot; pivot_root . .oldroot
      umount -l /.oldroot; rmdir /.oldroot
      exec env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        TERM=dumb LANG=C.UTF-8 bash -c "cd /kit && $1"' fresh "$R" "$cmd" 2>&1 | tee "$WORK/log" | sed -u 's/^/  | /'
  then say "'$cmd' passed in $((SECONDS - t0)) s"
  else say "'$cmd' FAILED after $((SECONDS - t0)) s"; rc=1; break
  fi
done
say "$( [ $rc = 0 ] && echo passed || echo FAILED ) in $((SECONDS - start)) s in all"
exit $rc
