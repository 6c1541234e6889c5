#!/usr/bin/env python3
"""find_submission.py - the one rule that finds a student's lab files in an upload.

    find_submission.py --lab-dir 02-forward-pass --sources "lora_forward.c" --dest DIR UPLOAD

UPLOAD is a folder, or a .zip / .tar / .tar.gz / .tgz archive.  The lab's files
are copied into DIR (which must not exist or be empty); notes for the student
are printed, one per line, naming files as they are in the upload.  Exit
status 0 when every file was found, 3 when some are missing, 2 on bad usage.
Used by tools/grade_all.py (each entry of a class), the Gradescope bundle's
run_autograder and the GitHub Classroom workflow (grade.sh), so that the three
always grade the same file.  Stdlib only.

The rule, for each of the lab's files NAME:
  1. a file named exactly NAME under a folder labs/<lab folder>/ wins (the
     student's clone of the kit), then the only copy anywhere; of several
     copies the shallowest, then the first by path, is graded and the
     feedback lists the others;
  2. with no exact name, a copy the LMS or the browser renamed is graded, with
     a note: "NAME (1).c", "NAME-1.c", and Canvas's flat
     "login_12345_678901_NAME" (also "login_late_...");
  3. otherwise NAME is missing, and the note says what was near: a misspelt
     name ("did you mean NAME?"), another lab's folder labs/NN-*/.
A header of the student's own (#include "mine.h", not one of the lab's) is
not graded, and the note says so in one sentence.
A zip or tar inside the upload is opened once (one level) and its files count
as if they were in a folder of that name, with a note.

Nothing in the upload can crash, hang or exhaust the caller: folders are
walked with an explicit stack (no recursion limit), only regular files are
opened (O_NONBLOCK|O_NOFOLLOW, then fstat: a FIFO named x.zip is skipped),
archives are read as streams whose inflated bytes are counted as they come
(headers are never trusted), and every limit below ends the listing with a
note instead of an error.
"""
import difflib
import gzip
import io
import os
import re
import stat
import sys
import tarfile
import zipfile
import zlib

MAX_FILE = 1 << 20           # bytes per lab source file
MAX_ENTRIES = 20000          # files and folders listed per upload
MAX_DEPTH = 4000             # folders deeper than this are not listed (paths near PATH_MAX)
MAX_INFLATE = 64 << 20       # bytes unpacked from archives or read, per upload
MAX_INNER = 8 << 20          # bytes of an archive inside the upload
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz")
JUNK = ("__MACOSX", ".git", ".DS_Store", ".grader", ".grader-results")  # not the student's work


class Limit(Exception):
    """The upload went past one of the caps above."""


class Budget:
    """Bytes inflated and entries listed so far, shared by one upload."""

    def __init__(self):
        self.inflated = 0
        self.entries = 0

    def take(self, n):
        self.inflated += n
        if self.inflated > MAX_INFLATE:
            raise Limit(f"it unpacks to more than {MAX_INFLATE >> 20} MiB")

    def entry(self):
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            raise Limit(f"more than {MAX_ENTRIES} files and folders")


class CountingReader(io.RawIOBase):
    """A stream that charges every byte read to the budget (for tar.gz)."""

    def __init__(self, inner, budget):
        self.inner, self.budget = inner, budget

    def readable(self):
        return True

    def readinto(self, b):
        data = self.inner.read(len(b))
        self.budget.take(len(data))
        b[:len(data)] = data
        return len(data)


def is_archive(name):
    return name.lower().endswith(ARCHIVES)


def wants_bytes(name):
    low = name.lower()
    return low.endswith((".c", ".h")) or is_archive(low)


def read_capped(stream, cap, budget):
    """At most cap + 1 bytes of stream, in chunks, each charged to the budget."""
    out = bytearray()
    while len(out) <= cap:
        chunk = stream.read(min(65536, cap + 1 - len(out)))
        if not chunk:
            break
        budget.take(len(chunk))
        out += chunk
    return bytes(out)


def open_regular(path):
    """(fd, size) of a regular file, without blocking on a FIFO or following a link."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None, 0
    return fd, st.st_size


class Listing:
    """Every regular file of an upload: files[path] = bytes or None (not read), plus notes."""

    def __init__(self):
        self.files = {}
        self.sizes = {}
        self.notes = []
        self.budget = Budget()

    def add(self, path, size, data):
        self.files[path] = data
        self.sizes[path] = size

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)


def list_folder(top, out):
    stack = [("", 0)]
    while stack:
        rel, depth = stack.pop()
        full = os.path.join(top, rel) if rel else top
        try:
            with os.scandir(full) as it:
                items = sorted(it, key=lambda e: e.name)
        except OSError as e:
            out.note(f"{rel or '.'}/: cannot be read ({e.strerror})")
            continue
        subdirs = []
        for item in items:
            out.budget.entry()
            path = f"{rel}/{item.name}" if rel else item.name
            if item.name in JUNK:
                continue
            try:
                st = item.stat(follow_symlinks=False)
            except OSError as e:
                out.note(f"{path}: cannot be read ({e.strerror})")
                continue
            if stat.S_ISDIR(st.st_mode):
                if depth + 1 > MAX_DEPTH:
                    out.note(f"{path}/: more than {MAX_DEPTH} folders deep, not looked into")
                else:
                    subdirs.append((path, depth + 1))
            elif stat.S_ISLNK(st.st_mode):
                out.note(f"{path}: a link (links are not followed)")
            elif not stat.S_ISREG(st.st_mode):
                out.note(f"{path}: not a regular file (a pipe or device), skipped")
            else:
                data = None
                if wants_bytes(item.name):
                    data = read_file(os.path.join(top, path), out, path)
                    if data is False:
                        continue
                out.add(path, st.st_size, data)
        stack.extend(reversed(subdirs))


def read_file(full, out, shown):
    """Bytes of a regular file (capped), or False when it is not one."""
    try:
        fd, _ = open_regular(full)
    except OSError as e:
        out.note(f"{shown}: cannot be read ({e.strerror})")
        return False
    if fd is None:
        out.note(f"{shown}: not a regular file (a pipe or device), skipped")
        return False
    with os.fdopen(fd, "rb") as f:
        cap = MAX_INNER if is_archive(shown) else MAX_FILE
        return read_capped(f, cap, out.budget)  # bytes held in memory count too


def safe_member(name):
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
        return None
    return "/".join(p for p in parts if p not in ("", "."))


def worth_reading(out, shown, raw_name, is_dir, is_link, is_regular):
    """The safe path of an archive member and its parts, or None when it is
    skipped: a path that leaves the archive, a link or a special file (each
    noted as `shown`), junk (__MACOSX and the like) or a folder."""
    name = safe_member(raw_name)
    if name is None:
        out.note(f"{shown}: path leaves the archive, skipped")
        return None
    parts = name.split("/")
    if any(p in JUNK for p in parts) or is_dir or not name:
        return None
    if is_link:
        out.note(f"{shown}: a link (links are not followed)")
        return None
    if not is_regular:
        out.note(f"{shown}: not a regular file, skipped")
        return None
    return name, parts


def add_members(members, prefix, out, unpack_errors):
    """Add an archive's members to out.  members yields, one member at a
    time, (name, is_dir, is_link, is_regular, size, read) where read(cap)
    returns the member's bytes, at most cap of them; an exception of
    unpack_errors from read skips that member with a note."""
    for raw_name, is_dir, is_link, is_regular, size, read in members:
        out.budget.entry()
        shown = prefix + raw_name
        found = worth_reading(out, shown, raw_name, is_dir, is_link, is_regular)
        if found is None:
            continue
        name, parts = found
        data = None
        if wants_bytes(parts[-1]):
            try:
                data = read(MAX_INNER if is_archive(parts[-1]) else MAX_FILE)
            except unpack_errors as e:
                out.note(f"{shown}: cannot be unpacked ({e})")
                continue
        out.add(prefix + name, len(data) if data is not None else size, data)


def list_zip(fileobj, prefix, out):
    # The entry count from the end record, before zipfile builds one object per entry.
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(max(0, size - 65558))
    tail = fileobj.read()
    at = tail.rfind(b"PK\x05\x06")
    if at >= 0 and len(tail) >= at + 12:
        count = int.from_bytes(tail[at + 10:at + 12], "little")
        if count > MAX_ENTRIES:
            raise Limit(f"the archive lists {count} entries, more than {MAX_ENTRIES}")
    fileobj.seek(0)
    with zipfile.ZipFile(fileobj) as zf:
        def read(info, cap):
            with zf.open(info) as member:
                return read_capped(member, cap, out.budget)

        def members():
            for info in zf.infolist():
                kind = (info.external_attr >> 16) & 0o170000
                yield (info.filename, info.is_dir(), kind == stat.S_IFLNK, kind in (0, stat.S_IFREG),
                       info.file_size, lambda cap, info=info: read(info, cap))
        add_members(members(), prefix, out, (zipfile.BadZipFile, zlib.error, EOFError,
                                             NotImplementedError, RuntimeError, ValueError))


def list_tar(fileobj, prefix, out):
    head = fileobj.read(2)
    fileobj.seek(0)
    raw = gzip.GzipFile(fileobj=fileobj) if head == b"\x1f\x8b" else fileobj
    stream = io.BufferedReader(CountingReader(raw, out.budget))
    with tarfile.open(fileobj=stream, mode="r|") as tf:
        # The stream's reader already counts every byte against out.budget.
        def read(m, cap):
            member = tf.extractfile(m)
            return read_capped(member, cap, Budget()) if member else b""

        # A streamed tar: each member is read before the next one is asked for;
        # a read error ends the whole archive (list_archive notes it).
        members = ((m.name, m.isdir(), m.issym() or m.islnk(), m.isreg(), m.size,
                    lambda cap, m=m: read(m, cap)) for m in tf)
        add_members(members, prefix, out, ())


def list_archive(fileobj, name, prefix, out):
    try:
        if name.lower().endswith(".zip"):
            list_zip(fileobj, prefix, out)
        else:
            list_tar(fileobj, prefix, out)
    except Limit:
        raise
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as e:
        out.note(f"{name}: cannot read the archive ({e})")


def list_upload(upload, shown_name=None):
    """A Listing of everything in UPLOAD (folder or archive), inner archives opened once."""
    out = Listing()
    base = os.path.basename(upload.rstrip("/")) or upload  # its type goes by its own name
    shown_name = shown_name or base
    try:
        st = os.lstat(upload)
        if stat.S_ISDIR(st.st_mode):
            list_folder(upload, out)
        elif stat.S_ISLNK(st.st_mode):
            out.note(f"{shown_name}: a link, not a folder or archive (links are not followed)")
        elif not stat.S_ISREG(st.st_mode):
            out.note(f"{shown_name}: not a regular file or folder (a pipe or device), skipped")
        elif is_archive(base):
            fd, _ = open_regular(upload)
            if fd is None:
                out.note(f"{shown_name}: not a regular file, skipped")
            else:
                with os.fdopen(fd, "rb") as f:
                    list_archive(f, base, "", out)
        elif wants_bytes(base):  # a lone source file handed in as the entry
            data = read_file(upload, out, base)
            if data is not False:
                out.add(base, st.st_size, data)
        else:
            out.note(f"{shown_name}: not a folder, .zip, .tar.gz or .c file")
        for path in [p for p in out.files if is_archive(p)]:  # one level of nesting
            data = out.files[path]
            if data is None:
                continue
            if len(data) > MAX_INNER:
                out.note(f"{path}: an archive inside the upload, more than {MAX_INNER >> 20} MiB, "
                         "not opened")
                continue
            before = len(out.files)
            list_archive(io.BytesIO(data), path, path + "/", out)
            if len(out.files) > before:
                out.note(f"{path}: an archive inside the upload; its files were looked at too "
                         "(next time, hand in the files themselves)")
    except Limit as e:
        out.note(f"{shown_name}: {e}; the rest of the upload was not looked at")
    except OSError as e:
        out.note(f"{shown_name}: cannot be read ({e.strerror})")
    return out


CANVAS = re.compile(r"^[a-z0-9]+(?:_late)?_\d+_\d+_(.+)$")


def renamed_as(base, name):
    """How an LMS or browser renamed `name` into `base`, or None."""
    stem, ext = os.path.splitext(name)
    m = CANVAS.match(base)
    inner = m.group(1) if m else base
    undone = re.sub(r"^(.*?)(?: ?\(\d+\)|-\d+)(\.[^.]*)$", r"\1\2", inner)
    if inner == name and m:
        return "the name Canvas gives a file in its download"
    if undone == name and undone != base:
        return ("the name Canvas gives a file in its download" if m else
                "a copy's name (a browser or the LMS added a number)")
    return None


def lab_of(path):
    m = re.search(r"(?:^|/)labs/(\d\d-[^/]+)/", path)
    return m.group(1) if m else None


def pick(listing, sources, lab_dir):
    """{name: path in the upload}, notes for the student, names not graded (missing or too big)."""
    chosen, notes, missing, too_big = {}, [], [], []
    by_base = {}
    for path in listing.files:
        by_base.setdefault(path.rsplit("/", 1)[-1], []).append(path)
    for name in sources:
        exact = by_base.get(name, [])
        usable = [p for p in exact if listing.files[p] is not None and len(listing.files[p]) <= MAX_FILE]
        for p in exact:
            if p not in usable:
                notes.append(f"{p}: more than {MAX_FILE} bytes ({MAX_FILE >> 20} MiB), not graded")
        if not usable:
            renamed = [(p, renamed_as(p.rsplit("/", 1)[-1], name)) for p in listing.files]
            renamed = [(p, why) for p, why in renamed if why and listing.files[p] is not None
                       and len(listing.files[p]) <= MAX_FILE]
            if renamed:
                p, why = sorted(renamed, key=lambda c: (c[0].count("/"), c[0]))[0]
                notes.append(f"{p} graded as {name} ({why})")
                chosen[name] = p
            elif not exact:
                missing.append(name)
            else:
                too_big.append(name)
            continue
        if len(usable) == 1:
            chosen[name] = usable[0]
            continue
        own = [p for p in usable if lab_of(p) == lab_dir]
        ranked = sorted(own or usable, key=lambda p: (p.count("/"), p))
        chosen[name] = ranked[0]
        why = (f"the copy under labs/{lab_dir}/ wins" if own else "the shallowest copy wins")
        others = ", ".join(p for p in sorted(usable) if p != ranked[0])
        notes.append(f"found {len(usable)} files named {name}: graded {ranked[0]} ({why}); "
                     f"not graded: {others}")
    for name in missing:
        notes.append(f"{name}: not found in your upload" + near_miss(listing, name, lab_dir, sources))
    return chosen, notes, missing + too_big


def near_miss(listing, name, lab_dir, sources):
    bases = sorted({p.rsplit("/", 1)[-1] for p in listing.files})
    code = [b for b in bases if b.lower().endswith((".c", ".h")) and b not in sources]
    close = difflib.get_close_matches(name, code, n=1, cutoff=0.75)
    if not close:
        close = [b for b in code if b.lower() == name.lower()]
    if close:
        where = sorted(p for p in listing.files if p.rsplit("/", 1)[-1] == close[0])[0]
        return f"; your upload holds {where}: did you mean {name}?"
    labs = sorted({lab_of(p) for p in listing.files} - {None, lab_dir})
    if labs:
        return (f"; your upload holds labs/{labs[0]}/, another lab's folder: this assignment is "
                f"labs/{lab_dir}/")
    if not listing.files:
        return ("; nothing else in your upload could be read" if listing.notes
                else "; your upload holds no file at all")
    shown = sorted(listing.files, key=lambda p: (p.count("/"), p))
    more = f" and {len(shown) - 10} more" if len(shown) > 10 else ""
    return "; your upload holds " + ", ".join(shown[:10]) + more


KIT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def own_headers(chosen, listing, sources, lab_dir):
    """Notes on headers of the student's own that a graded file includes: only the
    lab's files are graded, next to the headers the kit provides."""
    provided = set()
    for d in (os.path.join(KIT, "labs", lab_dir), os.path.join(KIT, "labs", "common")):
        if os.path.isdir(d):
            provided |= {f for f in os.listdir(d) if f.endswith(".h")}
    notes = []
    for name, path in chosen.items():
        text = listing.files[path].decode("utf-8", "replace")
        for inc in re.findall(r'^\s*#\s*include\s*"([^"]+)"', text, re.M):
            base = inc.rsplit("/", 1)[-1]
            if base not in provided and base not in sources:
                notes.append(f'{name} includes "{inc}", a header of your own: only the lab\'s '
                             f'files ({", ".join(sources)}) and its own headers are graded, '
                             f"so put what it holds into {name}")
    return notes


def collect(upload, sources, lab_dir, dest, shown_name=None):
    """Copy the lab's files of UPLOAD into DEST; returns (notes, missing names)."""
    listing = list_upload(upload, shown_name)
    chosen, notes, missing = pick(listing, sources, lab_dir)
    notes += own_headers(chosen, listing, sources, lab_dir)
    os.makedirs(dest, exist_ok=True)
    for name, path in chosen.items():
        with open(os.path.join(dest, name), "wb") as f:
            f.write(listing.files[path])
    return listing.notes + notes, missing


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lab-dir", required=True, help="the lab's folder name, e.g. 02-forward-pass")
    ap.add_argument("--sources", required=True, help="the lab's graded files, space separated")
    ap.add_argument("--dest", required=True)
    ap.add_argument("upload")
    args = ap.parse_args(argv)
    if os.path.exists(args.dest) and os.listdir(args.dest):
        print(f"find_submission: {args.dest} is not empty", file=sys.stderr)
        return 2
    notes, missing = collect(args.upload, args.sources.split(), args.lab_dir, args.dest, "your upload")
    for n in notes:
        print(n)
    return 3 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
