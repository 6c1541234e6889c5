#!/usr/bin/env bash
# deps.sh - make sure what one need of the kit uses is installed.
#
#   mk/deps.sh NEED [WHO]    NEED: cc check grade plots python test; WHO: the
#                            command to name in messages ("make check")
#
# Each package is probed by what the kit uses from it (a command, a header,
# a Python module), so the probe holds on any system.  When something is
# missing: as root on Debian/Ubuntu it is installed with apt-get; otherwise
# one line says why not (not root, no network, apt's lock held, not Debian)
# and one line, to paste as it reads, installs it.  Exit 0: all there.
set -u
NEED=${1:?usage: deps.sh NEED [WHO]}
WHO=${2:-make}
CC=${CC:-cc}

case $NEED in
  cc)     PKGS="build-essential" ;;
  check)  PKGS="build-essential check pkg-config" ;;
  grade)  PKGS="build-essential libseccomp-dev python3" ;;
  plots)  PKGS="gnuplot-nox graphviz" ;;
  python) PKGS="python3 python3-numpy" ;;
  test)   PKGS="build-essential check pkg-config libseccomp-dev gnuplot-nox graphviz python3 python3-numpy valgrind bsdextrautils ccache" ;;
  *) echo "deps.sh: unknown need '$NEED' (cc check grade plots python test)" >&2; exit 2 ;;
esac
# Installed with the others when they can be, never a reason to stop: ccache
# only makes make test's own compiles faster (it runs without).
OPTIONAL="ccache"

# have PACKAGE: is what the kit uses from this Debian package here?
have() {
  case $1 in
    build-essential) command -v "$CC" && command -v make && command -v ar ;;
    check)           pkg-config --exists check 2>/dev/null || printf '#include <check.h>\n' | "$CC" -E -x c - ;;
    pkg-config)      command -v pkg-config ;;
    libseccomp-dev)  pkg-config --exists libseccomp 2>/dev/null || printf '#include <seccomp.h>\n' | "$CC" -E -x c - ;;
    gnuplot-nox)     command -v gnuplot ;;
    graphviz)        command -v dot ;;
    python3)         [ -x /usr/bin/python3 ] ;;
    python3-numpy)   /usr/bin/python3 -c 'import numpy' ;;
    valgrind)        command -v valgrind ;;
    bsdextrautils)   command -v column ;;
    ccache)          command -v ccache ;;
  esac >/dev/null 2>&1
}
# What to ask for on a system without apt (README.md, "Other systems").
human() {
  case $1 in
    build-essential) echo "a C compiler and make" ;;
    check)           echo "the Check unit-test library" ;;
    libseccomp-dev)  echo "libseccomp with its headers" ;;
    gnuplot-nox)     echo "gnuplot" ;;
    graphviz)        echo "Graphviz (dot)" ;;
    python3)         echo "Python 3 as /usr/bin/python3" ;;
    python3-numpy)   echo "numpy for /usr/bin/python3" ;;
    bsdextrautils)   echo "column" ;;
    *)               echo "$1" ;;
  esac
}
missing_now() { for p in $PKGS; do have "$p" || echo "$p"; done; }
# other_line MANAGER: the one line that installs $missing with Homebrew, dnf
# or pacman (the names of README.md's "Other systems"); empty when a package
# has no equivalent there (libseccomp and valgrind on macOS: Linux only).
other_line() {
  local mgr=$1 p names="" pre="" post="" sudo=""
  [ "$mgr" != brew ] && [ "$(id -u)" != 0 ] && sudo="sudo "
  for p in $missing; do
    case $mgr:$p in
      brew:build-essential)  pre="xcode-select --install && " ;;
      brew:python3)          pre="xcode-select --install && " ;;  # /usr/bin/python3
      brew:python3-numpy)    post=" && /usr/bin/python3 -m pip install --user numpy" ;;
      brew:bsdextrautils)    ;;  # macOS has column
      brew:libseccomp-dev|brew:valgrind) return 0 ;;
      *:gnuplot-nox)         names="$names gnuplot" ;;
      dnf:build-essential)   names="$names gcc make" ;;
      dnf:check)             names="$names check-devel" ;;
      dnf:pkg-config)        names="$names pkgconf-pkg-config" ;;
      dnf:libseccomp-dev)    names="$names libseccomp-devel" ;;
      dnf:bsdextrautils|pacman:bsdextrautils) names="$names util-linux" ;;
      pacman:build-essential) names="$names base-devel" ;;
      pacman:pkg-config)     names="$names pkgconf" ;;
      pacman:libseccomp-dev) names="$names libseccomp" ;;
      pacman:python3)        names="$names python" ;;
      pacman:python3-numpy)  names="$names python-numpy" ;;
      *)                     names="$names $p" ;;
    esac
  done
  case $mgr in
    brew)   [ -n "$names" ] && names="brew install$names" ;;
    dnf)    names="${sudo}dnf install -y$names" ;;
    pacman) names="${sudo}pacman -S --needed$names" ;;
  esac
  [ -n "$names" ] || post=${post# && }
  echo "$pre$names$post"
}

missing=$(missing_now | tr '\n' ' ' | sed 's/ $//')
[ -z "$missing" ] && exit 0
# Only optional ones missing, and they cannot be installed here: a note, exit 0.
only_optional() {
  for p in $missing; do case " $OPTIONAL " in *" $p "*) ;; *) return 1 ;; esac; done
  echo "$WHO: note: $missing not installed (optional: without it, make test compiles everything each run)"
  exit 0
}

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
  only_optional
  names=$(for p in $missing; do human "$p"; done | paste -sd, - | sed 's/,/, /g')
  echo "$WHO needs $names, which this system lacks; it has no apt-get (not Debian or Ubuntu)."
  for mgr in brew dnf pacman; do
    command -v $mgr >/dev/null 2>&1 || continue
    line=$(other_line $mgr)
    if [ -n "$line" ]; then
      echo "Install them with $mgr (README.md, section \"Other systems\", says more). Run:"
      echo "$line"
    else
      echo "That part of the kit needs Linux (the graders' sandbox, valgrind): use WSL 2 or a Linux VM (README.md, section \"Other systems\")."
    fi
    exit 1
  done
  echo "Install them with your package manager: README.md, section \"Other systems\", names the packages."
  exit 1
fi

# Debian/Ubuntu.  With no package lists yet (a fresh container), update first.
line="apt-get install -y $missing"
update=
ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || update="apt-get update && "
if [ "$(id -u)" != 0 ]; then
  only_optional
  echo "$WHO needs $missing (Debian packages, not installed); installing them needs root. Run:"
  echo "${update:+sudo $update}sudo $line"
  exit 1
fi
line="$update$line"

echo "$WHO: installing $missing"
log=$(mktemp "${TMPDIR:-/tmp}/loralab-apt.XXXXXX")
trap 'rm -f "$log"' EXIT
apt() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@" >>"$log" 2>&1; }
apt install -y --no-install-recommends $missing || { apt update && apt install -y --no-install-recommends $missing; }
missing=$(missing_now | tr '\n' ' ' | sed 's/ $//')
[ -z "$missing" ] && exit 0
only_optional

if grep -qiE 'could not get lock|unable to acquire the dpkg frontend lock|unable to lock' "$log"; then
  echo "$WHO: another apt-get (or dpkg) is running and holds its lock: wait for it to finish or retry. Then, if needed:"
elif grep -qiE 'temporary failure resolving|could not resolve|failed to fetch|unable to connect|network is unreachable|connection (failed|timed out)' "$log"; then
  echo "$WHO: apt-get could not reach its mirror (no network?). With a network, run:"
elif grep -qi 'unable to locate package' "$log"; then
  echo "$WHO: apt-get does not know $(grep -i 'unable to locate package' "$log" | sed 's/.*package //' | sort -u | paste -sd' ' -) (check /etc/apt/sources.list). Then run:"
else
  echo "$WHO: apt-get could not install $missing; it said:"
  grep -E '^(E|W):' "$log" | tail -5 | sed 's/^/  /'
  echo "Once that is fixed, run:"
fi
echo "$line"
exit 1
