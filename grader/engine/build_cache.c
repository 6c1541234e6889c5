/* build_cache.c - built runners kept between gradings (see build_cache.h). */
#define _GNU_SOURCE
#include "build_cache.h"
#include "engine.h" /* grow */

#include <dirent.h>
#include <errno.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_MAX ((size_t)64 << 20) /* beyond this, do not cache */

static const char *cache_dir(void)
{
    const char *d = getenv("LORALAB_BUILD_CACHE");
    return d && d[0] == '/' ? d : NULL;
}

int build_cache_enabled(void) { return cache_dir() != NULL; }

static void add(cache_key_t *k, const void *p, size_t n)
{
    if (k->broken)
        return;
    if (k->len + n > KEY_MAX) {
        k->broken = 1;
        return;
    }
    if (!grow(&k->data, &k->cap, k->len + n, 65536)) {
        k->broken = 1;
        return;
    }
    memcpy(k->data + k->len, p, n);
    k->len += n;
}

/* Each piece as "label length\n" + bytes, so no two keys run together. */
static void add_piece(cache_key_t *k, const char *label, const void *p, size_t n)
{
    char head[PATH_MAX + 64];
    int h = snprintf(head, sizeof head, "%.*s %zu\n", PATH_MAX, label, n);
    add(k, head, (size_t)h);
    add(k, p, n);
}

void cache_key_text(cache_key_t *k, const char *label, const char *text)
{
    add_piece(k, label, text, strlen(text));
}

void cache_key_bytes(cache_key_t *k, const char *label, const void *p, size_t n)
{
    add_piece(k, label, p, n);
}

static char *read_whole(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 65536 > cap) {
            char *b = realloc(buf, cap = cap ? cap * 2 : 131072);
            if (!b || cap > KEY_MAX) {
                free(b ? b : buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *n = len;
    return buf ? buf : calloc(1, 1);
}

void cache_key_file(cache_key_t *k, const char *label, const char *path)
{
    size_t n;
    char *d = read_whole(path, &n);
    if (!d) {
        k->broken = 1;
        return;
    }
    add_piece(k, label, d, n);
    free(d);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cache_key_dir(cache_key_t *k, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        k->broken = 1;
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char **more = realloc(names, (n + 1) * sizeof *names);
        if (!more || !(more[n] = strdup(e->d_name))) {
            k->broken = 1;
            names = more ? more : names;
            break;
        }
        names = more;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cache_key_file(k, names[i], path);
        free(names[i]);
    }
    free(names);
}

/* Two 64-bit hashes of the bytes (FNV-1a, and a multiply-xorshift over
 * 8-byte words): a digest for the kit's own large files, not for anything
 * a student wrote (those go into the key whole). */
static void digest(const unsigned char *p, size_t n, uint64_t out[2])
{
    uint64_t a = 1469598103934665603ull, b = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        b = (b ^ w) * 0xff51afd7ed558ccdull;
        b ^= b >> 29;
    }
    for (size_t j = 0; j < n; j++)
        a = (a ^ p[j]) * 1099511628211ull;
    for (; i < n; i++)
        b = (b ^ p[i]) * 0xc4ceb9fe1a85ec53ull;
    out[0] = a;
    out[1] = b ^ (b >> 31);
}

void cache_key_digest(cache_key_t *k, const char *label, const char *path)
{
    size_t n;
    unsigned char *d = (unsigned char *)read_whole(path, &n);
    if (!d) {
        k->broken = 1;
        return;
    }
    uint64_t h[2];
    digest(d, n, h);
    free(d);
    char s[96];
    snprintf(s, sizeof s, "%zu bytes, %016llx%016llx", n, (unsigned long long)h[0], (unsigned long long)h[1]);
    cache_key_text(k, label, s);
}

/* The linker's build ID (a hash of the program's contents) of this
 * program, from its NT_GNU_BUILD_ID note. */
static int build_id_note(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    char *out = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        const unsigned char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
            const unsigned char *name = p + sizeof *nh;
            const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
            if (desc + nh->n_descsz > end)
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
                nh->n_descsz > 0 && nh->n_descsz <= 64) {
                for (size_t j = 0; j < nh->n_descsz; j++)
                    sprintf(out + 2 * j, "%02x", desc[j]);
                return 1;
            }
            p = desc + ((nh->n_descsz + 3) & ~3u);
        }
    }
    return 1; /* the first object is the program itself: stop there */
}

void cache_key_self(cache_key_t *k)
{
    char id[160] = "";
    dl_iterate_phdr(build_id_note, id);
    if (id[0])
        cache_key_text(k, "the grader's build ID", id);
    else
        cache_key_digest(k, "the grader's program", "/proc/self/exe");
}

void cache_key_recipe(cache_key_t *k)
{
    if (runner_recipe_id && runner_recipe_id[0])
        cache_key_text(k, "runner recipe", runner_recipe_id);
    else
        cache_key_self(k);
}

void cache_key_model(cache_key_t *k, const char *name)
{
    for (const model_cache_id_t *m = mistake_model_ids; m && m->name; m++)
        if (strcmp(m->name, name) == 0) {
            cache_key_text(k, "model code", m->id);
            return;
        }
    cache_key_self(k);
}

void cache_key_free(cache_key_t *k)
{
    free(k->data);
    memset(k, 0, sizeof *k);
}

/* FNV-1a, 64 bits: only names the entry; a hit compares the whole key. */
static void entry_path(const cache_key_t *k, char *out, size_t cap)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < k->len; i++)
        h = (h ^ (unsigned char)k->data[i]) * 1099511628211ull;
    snprintf(out, cap, "%s/%016llx", cache_dir(), (unsigned long long)h);
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int bad = fwrite(p, 1, n, f) != n;
    return fclose(f) || bad ? -1 : 0;
}

/* A copy of the file from, made by the kernel (copy_file_range: no buffer
 * of the runner's size in this process, whose pages every test worker would
 * share); read and write where the kernel cannot (another file system on an
 * old kernel). */
static int copy_to(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    struct stat st;
    int fd = fstat(in, &st) == 0 ? open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) : -1;
    int rc = fd < 0 ? -1 : 0;
    off_t off = 0;
    while (rc == 0 && off < st.st_size) {
        ssize_t w = copy_file_range(in, NULL, fd, NULL, (size_t)(st.st_size - off), 0);
        if (w <= 0)
            break;
        off += w;
    }
    if (rc == 0 && off < st.st_size) { /* not (all) copied by the kernel: the rest by hand */
        char buf[65536];
        if (lseek(in, off, SEEK_SET) != off || lseek(fd, off, SEEK_SET) != off)
            rc = -1;
        ssize_t r;
        while (rc == 0 && (r = read(in, buf, sizeof buf)) != 0) {
            if (r < 0) {
                rc = -1;
                break;
            }
            for (ssize_t done = 0; rc == 0 && done < r;) {
                ssize_t w = write(fd, buf + done, (size_t)(r - done));
                if (w <= 0)
                    rc = -1;
                else
                    done += w;
            }
        }
    }
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    close(in);
    return rc;
}

/* The entry of key k, into entry: 1 when it is there and its key is k's
 * whole (a hash names the entry; only the key says it is this one). */
static int entry_of(const cache_key_t *k, char *entry, size_t cap)
{
    if (!cache_dir() || k->broken)
        return 0;
    char path[PATH_MAX + 16];
    entry_path(k, entry, cap);
    snprintf(path, sizeof path, "%s/key", entry);
    size_t n;
    char *key = read_whole(path, &n);
    int same = key && n == k->len && memcmp(key, k->data, n) == 0;
    free(key);
    return same;
}

/* Used by this run: make test keeps the entries its run used, and removes
 * the others at its end (make build-cache-prune). */
static void mark_used(const char *entry) { (void)utimensat(AT_FDCWD, entry, NULL, 0); }

int build_cache_lookup(const cache_key_t *k, const char *runner_to, char *msg, size_t cap)
{
    char entry[PATH_MAX], path[PATH_MAX + 16];
    if (!entry_of(k, entry, sizeof entry))
        return 1;
    snprintf(path, sizeof path, "%s/msg", entry);
    size_t n;
    char *text = read_whole(path, &n);
    if (!text)
        return 1;
    snprintf(msg, cap, "%.*s", (int)n, text);
    free(text);
    mark_used(entry);
    snprintf(path, sizeof path, "%s/runner", entry);
    if (copy_to(path, runner_to, 0700) == 0)
        return 0;
    /* The build was refused (its messages say why) only where the entry
     * says so: an entry another run is removing meanwhile is a miss. */
    snprintf(path, sizeof path, "%s/refused", entry);
    return access(path, F_OK) == 0 ? -1 : 1;
}

/* A new entry is written into a private folder (new_entry: its path in
 * tmp), then renamed into place with its key written last (place_entry):
 * two judges that store the same entry at once leave one whole entry. */
static int new_entry(const cache_key_t *k, char *entry, char *tmp, size_t cap)
{
    if (!cache_dir() || k->broken)
        return 0;
    entry_path(k, entry, PATH_MAX);
    mkdir(cache_dir(), 0700);
    snprintf(tmp, cap, "%s.tmp%ld", entry, (long)getpid());
    return mkdir(tmp, 0700) == 0;
}

static const char *const ENTRY_FILES[] = {"msg", "runner", "refused", "blob", "key"};

static void remove_entry(const char *dir)
{
    char path[PATH_MAX + 128];
    for (size_t i = 0; i < sizeof ENTRY_FILES / sizeof *ENTRY_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, ENTRY_FILES[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* An entry already in place is one a lookup did not use (another key with
 * the same name, a runner missing, a kept result of the wrong size): it is
 * moved aside and replaced, so a spoiled entry is not missed forever.  A
 * reader of the old one keeps the files it opened. */
static void place_entry(const cache_key_t *k, const char *entry, const char *tmp, int bad)
{
    char path[PATH_MAX + 48];
    snprintf(path, sizeof path, "%s/key", tmp);
    bad |= write_file(path, k->data, k->len);
    if (!bad && rename(tmp, entry) == 0)
        return;
    if (!bad && (errno == ENOTEMPTY || errno == EEXIST)) {
        char old[PATH_MAX + 48];
        snprintf(old, sizeof old, "%s.old%ld", entry, (long)getpid());
        if (rename(entry, old) == 0) {
            remove_entry(old);
            if (rename(tmp, entry) == 0)
                return;
        }
    }
    remove_entry(tmp);
}

void build_cache_store(const cache_key_t *k, int rc, const char *runner_from, const char *msg)
{
    char entry[PATH_MAX], tmp[PATH_MAX + 32], path[PATH_MAX + 48];
    if ((rc != 0 && rc != -1) || !new_entry(k, entry, tmp, sizeof tmp))
        return;
    int bad = 0;
    snprintf(path, sizeof path, "%s/msg", tmp);
    bad |= write_file(path, msg, strlen(msg));
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/runner", tmp);
        bad |= copy_to(runner_from, path, 0700);
    } else {
        snprintf(path, sizeof path, "%s/refused", tmp);
        bad |= write_file(path, "", 0);
    }
    place_entry(k, entry, tmp, bad);
}

/* ---- other results kept the same way: one blob beside its key ---- */

int build_cache_get(const cache_key_t *k, char **data, size_t *n)
{
    char entry[PATH_MAX], path[PATH_MAX + 16];
    if (!entry_of(k, entry, sizeof entry))
        return 1;
    snprintf(path, sizeof path, "%s/blob", entry);
    if (!(*data = read_whole(path, n)))
        return 1;
    mark_used(entry);
    return 0;
}

void build_cache_put(const cache_key_t *k, const void *data, size_t n)
{
    char entry[PATH_MAX], tmp[PATH_MAX + 32], path[PATH_MAX + 48];
    if (!new_entry(k, entry, tmp, sizeof tmp))
        return;
    snprintf(path, sizeof path, "%s/blob", tmp);
    place_entry(k, entry, tmp, write_file(path, data, n));
}
