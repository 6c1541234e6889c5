/*
 * check_common.c - the kit's own unit tests of labs/common (rng, matrix,
 * kitio, close).  Not a student test: it guards the library every lab and the
 * grader stand on.
 *
 * Build and run from the repository root: compile this file with every .c
 * file of labs/common (gcc -std=c11 -Wall -Wextra -Werror
 * -D_POSIX_C_SOURCE=200809L -I labs/common, then the flags of
 * "pkg-config --cflags --libs check" and -lm) into check_common, and run
 *   ./check_common
 *   CK_FORK=no valgrind --error-exitcode=1 --leak-check=full ./check_common
 *
 * Data files go to a fresh mkdtemp() directory that main() removes at the end.
 * The error cases of kitio and rng_seed_from_env print to stderr on purpose.
 */
#include <check.h>
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_helpers.h" /* run_task_suites */
#include "close.h"
#include "kitio.h"
#include "matrix.h"
#include "rng.h"

#define ENV_VAR "LORALAB_CHECK_COMMON_SEED"

static char tmp_dir[256];

/* ---- helpers ---------------------------------------------------------- */

/* The path of file `name` in the temporary directory. */
static void tmp_path(char *out, size_t size, const char *name)
{
    int n = snprintf(out, size, "%s/%s", tmp_dir, name);
    ck_assert_msg(n > 0 && (size_t)n < size, "path for %s too long", name);
}

/* Write `text` to file `name` in the temporary directory; its path goes to out. */
static void write_text(char *out, size_t size, const char *name, const char *text)
{
    tmp_path(out, size, name);
    FILE *f = fopen(out, "w");
    ck_assert_msg(f != NULL, "cannot create %s", out);
    ck_assert_msg(fputs(text, f) >= 0, "cannot write %s", out);
    ck_assert_msg(fclose(f) == 0, "cannot close %s", out);
}

/* `text` written to a file `name`, which kit_read must read into kf. */
static void read_text(const char *name, const char *text, kit_file_t *kf)
{
    char path[512];
    write_text(path, sizeof path, name, text);
    ck_assert_int_eq(kit_read(path, kf), 0);
}

/* kit_read of `text` must fail and leave the file empty. */
static void expect_read_error(const char *name, const char *text, const char *why)
{
    char path[512];
    kit_file_t kf;
    write_text(path, sizeof path, name, text);
    int rc = kit_read(path, &kf);
    size_t count = kf.count;
    const kit_tensor_t *tensors = kf.tensors;
    if (rc == 0)
        kit_free(&kf);
    ck_assert_msg(rc == -1, "kit_read accepted %s (%s); expected -1", name, why);
    ck_assert_msg(count == 0 && tensors == NULL,
                  "kit_read failed on %s but left %zu tensors behind", name, count);
}

/* Same bits, or both NaN. */
static int same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- rng -------------------------------------------------------------- */

/* For a loop of many draws.  Check records where each ck_assert_msg that
 * passes was (a write to its message file): the rng tests' 276000 made
 * check_common take 11 s under valgrind (0.75 s without).  EXPECT_EACH fails
 * with the same message and records nothing when the condition holds:
 * 1 s under valgrind, 0.02 s without (session 17, measured). */
#define EXPECT_EACH(cond, ...)           \
    do {                                 \
        if (!(cond))                     \
            ck_abort_msg(__VA_ARGS__);   \
    } while (0)

START_TEST(test_rng_same_seed_gives_same_stream)
{
    rng_t r1, r2;
    rng_seed(&r1, 42);
    rng_seed(&r2, 42);
    for (int i = 0; i < 1000; i++) {
        uint64_t a = rng_next_u64(&r1), b = rng_next_u64(&r2);
        EXPECT_EACH(a == b, "seed 42 gave two streams: draw %d is %llu and %llu",
                    i, (unsigned long long)a, (unsigned long long)b);
    }
}
END_TEST

START_TEST(test_rng_default_seed_matches_reference_xoshiro256starstar)
{
    /* Computed by an independent implementation of splitmix64 seeding and
     * xoshiro256** (Blackman and Vigna): "same numbers on every machine". */
    static const uint64_t expected_default[] = {
        0x8f02b2a74e789c7eULL, 0xf4e51a8b7a42689bULL,
        0x053f20aa43a19da1ULL, 0xac86ed4452b7eda7ULL,
    };
    static const uint64_t expected_zero[] = {
        0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
        0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL,
    };
    rng_t r;
    rng_seed(&r, RNG_DEFAULT_SEED);
    for (int i = 0; i < 4; i++) {
        uint64_t got = rng_next_u64(&r);
        ck_assert_msg(got == expected_default[i],
                      "seed %llu, draw %d: got 0x%016llx, expected 0x%016llx",
                      (unsigned long long)RNG_DEFAULT_SEED, i, (unsigned long long)got,
                      (unsigned long long)expected_default[i]);
    }
    rng_seed(&r, 0);
    for (int i = 0; i < 4; i++) {
        uint64_t got = rng_next_u64(&r);
        ck_assert_msg(got == expected_zero[i],
                      "seed 0, draw %d: got 0x%016llx, expected 0x%016llx", i,
                      (unsigned long long)got, (unsigned long long)expected_zero[i]);
    }
}
END_TEST

START_TEST(test_rng_different_seeds_give_different_streams)
{
    static const uint64_t seeds[][2] = {{1, 2}, {0, 1}, {RNG_DEFAULT_SEED, RNG_DEFAULT_SEED + 1}};
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        rng_t r1, r2;
        int equal = 0;
        rng_seed(&r1, seeds[s][0]);
        rng_seed(&r2, seeds[s][1]);
        for (int i = 0; i < 100; i++)
            equal += rng_next_u64(&r1) == rng_next_u64(&r2);
        ck_assert_msg(equal == 0, "seeds %llu and %llu agree on %d of 100 draws",
                      (unsigned long long)seeds[s][0], (unsigned long long)seeds[s][1], equal);
    }
}
END_TEST

START_TEST(test_rng_uniform_is_in_zero_one)
{
    rng_t r;
    double sum = 0.0;
    const int n = 100000;
    rng_seed(&r, 7);
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&r);
        EXPECT_EACH(u >= 0.0 && u < 1.0, "draw %d: rng_uniform gave %.17g, not in [0, 1)", i, u);
        sum += u;
    }
    /* Mean of U(0,1) is 1/2, standard error 1/sqrt(12 n) = 0.0009. */
    ck_assert_msg(fabs(sum / n - 0.5) < 0.005, "mean of %d uniforms is %.6f, expected 0.5 +- 0.005",
                  n, sum / n);
}
END_TEST

/* n draws by a fill function from a generator seeded with seed into a, and
 * the same generator, seeded again, into r: the draws one at a time. */
static void fill_and_reseed(rng_t *r, uint64_t seed, double *a, size_t n, int normal, double p, double q)
{
    rng_seed(r, seed);
    if (normal)
        rng_fill_normal(r, a, n, p);
    else
        rng_fill_uniform(r, a, n, p, q);
    rng_seed(r, seed);
}

START_TEST(test_rng_uniform_range_and_fill_stay_in_lo_hi)
{
    rng_t r2;
    double a[1000];
    fill_and_reseed(&r2, 11, a, 1000, 0, -3.0, 5.0);
    for (int i = 0; i < 1000; i++) {
        double want = rng_uniform_range(&r2, -3.0, 5.0);
        EXPECT_EACH(a[i] >= -3.0 && a[i] < 5.0, "fill_uniform [%d] = %.17g not in [-3, 5)", i, a[i]);
        EXPECT_EACH(a[i] == want, "fill_uniform [%d] = %.17g, but rng_uniform_range gave %.17g",
                    i, a[i], want);
    }
}
END_TEST

START_TEST(test_rng_below_stays_below_n)
{
    rng_t r;
    unsigned hits[7] = {0};
    rng_seed(&r, 3);
    for (int i = 0; i < 100; i++)
        EXPECT_EACH(rng_below(&r, 1) == 0, "rng_below(1) must always be 0");
    for (int i = 0; i < 70000; i++) {
        uint64_t v = rng_below(&r, 7);
        EXPECT_EACH(v < 7, "rng_below(7) gave %llu", (unsigned long long)v);
        hits[v]++;
    }
    /* Each value expected 10000 times, standard deviation about 93. */
    for (int v = 0; v < 7; v++)
        ck_assert_msg(hits[v] > 9500 && hits[v] < 10500,
                      "rng_below(7) gave %d %u times in 70000, expected 10000 +- 500", v, hits[v]);
    /* Worst case for rejection (about half the draws rejected) and the largest n. */
    const uint64_t big[] = {(UINT64_C(1) << 63) + 1, UINT64_MAX, 1000000007};
    for (size_t k = 0; k < 3; k++)
        for (int i = 0; i < 1000; i++) {
            uint64_t v = rng_below(&r, big[k]);
            EXPECT_EACH(v < big[k], "rng_below(%llu) gave %llu", (unsigned long long)big[k],
                        (unsigned long long)v);
        }
}
END_TEST

START_TEST(test_rng_normal_has_mean_0_and_variance_1)
{
    rng_t r;
    const int n = 100000;
    double sum = 0.0, sum_sq = 0.0;
    rng_seed(&r, RNG_DEFAULT_SEED);
    for (int i = 0; i < n; i++) {
        double z = rng_normal(&r);
        EXPECT_EACH(isfinite(z), "draw %d: rng_normal gave %g", i, z);
        sum += z;
        sum_sq += z * z;
    }
    double mean = sum / n, var = sum_sq / n - mean * mean;
    /* Standard errors: mean 1/sqrt(n) = 0.0032, variance sqrt(2/n) = 0.0045.
     * The tolerances are about 6 standard errors. */
    ck_assert_msg(fabs(mean) < 0.02, "mean of %d normals is %.5f, expected 0 +- 0.02", n, mean);
    ck_assert_msg(fabs(var - 1.0) < 0.03, "variance of %d normals is %.5f, expected 1 +- 0.03",
                  n, var);
}
END_TEST

START_TEST(test_rng_fill_normal_scales_by_std)
{
    rng_t r2;
    double a[100];
    fill_and_reseed(&r2, 5, a, 100, 1, 0.25, 0);
    for (int i = 0; i < 100; i++) {
        double want = 0.25 * rng_normal(&r2);
        EXPECT_EACH(a[i] == want, "fill_normal [%d] = %.17g, expected 0.25 * rng_normal = %.17g",
                    i, a[i], want);
    }
}
END_TEST

START_TEST(test_rng_seed_from_env_parses_decimal)
{
    ck_assert_int_eq(setenv(ENV_VAR, "12345", 1), 0);
    uint64_t s = rng_seed_from_env(ENV_VAR, 99);
    ck_assert_msg(s == 12345, "%s=12345 gave seed %llu", ENV_VAR, (unsigned long long)s);
    ck_assert_int_eq(setenv(ENV_VAR, "18446744073709551615", 1), 0);
    s = rng_seed_from_env(ENV_VAR, 99);
    ck_assert_msg(s == UINT64_MAX, "%s=2^64-1 gave seed %llu", ENV_VAR, (unsigned long long)s);
    ck_assert_int_eq(setenv(ENV_VAR, "0", 1), 0);
    s = rng_seed_from_env(ENV_VAR, 99);
    ck_assert_msg(s == 0, "%s=0 gave seed %llu", ENV_VAR, (unsigned long long)s);
    unsetenv(ENV_VAR);
}
END_TEST

START_TEST(test_rng_seed_from_env_unset_or_empty_uses_fallback)
{
    unsetenv(ENV_VAR);
    uint64_t s = rng_seed_from_env(ENV_VAR, 777);
    ck_assert_msg(s == 777, "unset %s gave seed %llu, expected the fallback 777", ENV_VAR,
                  (unsigned long long)s);
    ck_assert_int_eq(setenv(ENV_VAR, "", 1), 0);
    s = rng_seed_from_env(ENV_VAR, 777);
    ck_assert_msg(s == 777, "empty %s gave seed %llu, expected the fallback 777", ENV_VAR,
                  (unsigned long long)s);
    unsetenv(ENV_VAR);
}
END_TEST

START_TEST(test_rng_seed_from_env_malformed_falls_back)
{
    static const char *bad[] = {"12abc", "-5", "abc", "0x10", "1.5", "12 ",
                                "99999999999999999999999" /* overflows 64 bits */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(setenv(ENV_VAR, bad[i], 1), 0);
        uint64_t s = rng_seed_from_env(ENV_VAR, 31);
        ck_assert_msg(s == 31, "malformed %s=\"%s\" gave seed %llu, expected the fallback 31",
                      ENV_VAR, bad[i], (unsigned long long)s);
    }
    unsetenv(ENV_VAR);
}
END_TEST

START_TEST(test_rng_hash_string_is_fnv1a)
{
    /* FNV-1a 64-bit reference values. */
    ck_assert_msg(rng_hash_string("") == 0xcbf29ce484222325ULL, "hash of \"\" is not the FNV offset basis");
    ck_assert_msg(rng_hash_string("a") == 0xaf63dc4c8601ec8cULL, "hash of \"a\" is wrong");
    ck_assert_msg(rng_hash_string("foobar") == 0x85944171f73967e8ULL, "hash of \"foobar\" is wrong");
    ck_assert_msg(rng_hash_string("lab02.1") != rng_hash_string("lab02.2"),
                  "two task IDs hash alike");
}
END_TEST

/* ---- matrix ----------------------------------------------------------- */

static void check_exact(const char *what, const double *got, const double *expected, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(same_double(got[i], expected[i]), "%s [%zu]: got %.17g, expected %.17g",
                      what, i, got[i], expected[i]);
}

START_TEST(test_matmul_2x3_times_3x2)
{
    const double a[] = {1, 2, 3, 4, 5, 6};       /* (2, 3) */
    const double b[] = {7, 8, 9, 10, 11, 12};    /* (3, 2) */
    const double expected[] = {58, 64, 139, 154};
    double c[4] = {-1, -1, -1, -1};
    mat_matmul(a, b, c, 2, 3, 2);
    check_exact("mat_matmul", c, expected, 4);
}
END_TEST

START_TEST(test_matmul_nt_uses_b_stored_n_by_k)
{
    const double a[] = {1, 2, 3, 4, 5, 6};       /* (2, 3) */
    const double bt[] = {7, 9, 11, 8, 10, 12};   /* b^T stored (2, 3) */
    const double expected[] = {58, 64, 139, 154};
    double c[4] = {-1, -1, -1, -1};
    mat_matmul_nt(a, bt, c, 2, 3, 2);
    check_exact("mat_matmul_nt", c, expected, 4);
    /* A (1, 3) times (4, 3)^T: a non-square n. */
    const double x[] = {1, -1, 2};
    const double w[] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1};
    const double ex[] = {1, -1, 2, 2};
    double y[4];
    mat_matmul_nt(x, w, y, 1, 3, 4);
    check_exact("mat_matmul_nt (1 x 4)", y, ex, 4);
}
END_TEST

START_TEST(test_transpose_2x3_gives_3x2)
{
    const double a[] = {1, 2, 3, 4, 5, 6};
    const double expected[] = {1, 4, 2, 5, 3, 6};
    double t[6] = {0};
    mat_transpose(a, t, 2, 3);
    check_exact("mat_transpose", t, expected, 6);
}
END_TEST

START_TEST(test_max_abs_diff_finds_largest_gap)
{
    const double a[] = {1, -2, 3.5, 0};
    const double b[] = {1, 2, 3, -0.0};
    ck_assert_msg(mat_max_abs_diff(a, b, 4) == 4.0, "expected 4, got %g", mat_max_abs_diff(a, b, 4));
    ck_assert_msg(mat_max_abs_diff(a, a, 4) == 0.0, "a matrix differs from itself");
    ck_assert_msg(mat_max_abs_diff(a, b, 0) == 0.0, "zero entries must give 0");
    /* inf - inf is NaN: equal infinities must count as no difference, also last. */
    const double inf1[] = {1, INFINITY}, inf2[] = {1, INFINITY}, fin[] = {1, 1e308};
    ck_assert_msg(mat_max_abs_diff(inf1, inf2, 2) == 0.0, "equal infinities must give 0, got %g",
                  mat_max_abs_diff(inf1, inf2, 2));
    ck_assert_msg(isinf(mat_max_abs_diff(inf1, fin, 2)), "inf vs finite must give inf, got %g",
                  mat_max_abs_diff(inf1, fin, 2));
}
END_TEST

START_TEST(test_max_abs_diff_with_nan)
{
    const double a[] = {1, 3, NAN};
    const double b[] = {1, 3, 2};
    const double c[] = {1, 5, NAN}; /* the shared NaN comes last: it must not stick */
    ck_assert_msg(isnan(mat_max_abs_diff(a, b, 3)), "NaN against a number must give NaN, got %g",
                  mat_max_abs_diff(a, b, 3));
    ck_assert_msg(isnan(mat_max_abs_diff(b, a, 3)), "a number against NaN must give NaN, got %g",
                  mat_max_abs_diff(b, a, 3));
    ck_assert_msg(mat_max_abs_diff(a, c, 3) == 2.0,
                  "NaN in both at the same place must be skipped: expected 2, got %g",
                  mat_max_abs_diff(a, c, 3));
    /* A NaN after a large gap still wins. */
    const double d[] = {100, 3, 2};
    ck_assert_msg(isnan(mat_max_abs_diff(d, a, 3)), "a late NaN mismatch must give NaN, got %g",
                  mat_max_abs_diff(d, a, 3));
}
END_TEST

START_TEST(test_mat_alloc_zeroes_and_rejects_overflow)
{
    double *m = mat_alloc(3, 4);
    ck_assert_ptr_nonnull(m);
    for (int i = 0; i < 12; i++)
        ck_assert_msg(m[i] == 0.0, "mat_alloc [%d] = %g, expected 0", i, m[i]);
    free(m);
    m = mat_alloc(0, 5);
    ck_assert_msg(m != NULL, "mat_alloc(0, 5) must return a pointer that free() accepts");
    free(m);
    m = mat_alloc(SIZE_MAX / 4, 4); /* prints an overflow message */
    ck_assert_msg(m == NULL, "mat_alloc(SIZE_MAX / 4, 4) must return NULL");
    free(m);
    m = mat_alloc(SIZE_MAX / sizeof(double) / 2 + 1, 2);
    ck_assert_msg(m == NULL, "mat_alloc whose byte count overflows must return NULL");
    free(m);
    /* m * n wraps to exactly 0: without the overflow check this would
     * "succeed" with a one-element array. */
    m = mat_alloc(SIZE_MAX / 2 + 1, 2);
    ck_assert_msg(m == NULL, "mat_alloc(SIZE_MAX / 2 + 1, 2), whose m * n wraps to 0, must return NULL");
    free(m);
}
END_TEST

START_TEST(test_mat_dup_copies_every_entry)
{
    const double a[] = {1.5, -0.0, NAN, INFINITY, 1e-300, 6};
    double *d = mat_dup(a, 2, 3);
    ck_assert_ptr_nonnull(d);
    ck_assert_msg(d != a, "mat_dup must return a new array");
    for (int i = 0; i < 6; i++)
        ck_assert_msg(same_double(d[i], a[i]), "mat_dup [%d] = %g, expected %g", i, d[i], a[i]);
    free(d);
}
END_TEST

START_TEST(test_mat_to_float_rounds_every_entry)
{
    const double a[] = {0.1, -2.5, 1e300, -0.0, 1.0 / 3.0};
    float f[6] = {7, 7, 7, 7, 7, 7};
    mat_to_float(a, f, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(f[i] == (float)a[i] && !signbit(f[i]) == !signbit(a[i]),
                      "mat_to_float [%d] = %.9g, expected %.9g", i, (double)f[i], (double)(float)a[i]);
    ck_assert_msg(f[5] == 7, "mat_to_float wrote past its count");
}
END_TEST

START_TEST(test_mat_print_writes_name_shape_and_rows)
{
    const double a[] = {1, 2.5, -3, 1.0 / 3};
    char buf[256] = {0};
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    mat_print(f, "M", a, 2, 2, 3);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    ck_assert_str_eq(buf, "M (2 x 2):\n  [1, 2.5]\n  [-3, 0.333]\n");
}
END_TEST

/* ---- kitio ------------------------------------------------------------ */

START_TEST(test_kitio_round_trip_is_bit_exact)
{
    const double special[] = { /* (2, 5) */
        NAN, INFINITY, -INFINITY, -0.0, 1e-300,
        0.1, 1.0 / 3, DBL_MAX, 4.9406564584124654e-324, -123456.789e-17,
    };
    const double scalar[] = {-2.5};
    const double wide[] = {1, 2, 3, 4, 5, 6, 7, 8}; /* (1, 8) */
    char path[512];
    tmp_path(path, sizeof path, "round_trip.txt");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(kit_write_tensor(f, "special", special, 2, 5), 0);
    ck_assert_int_eq(kit_write_tensor(f, "s", scalar, 1, 1), 0);
    ck_assert_int_eq(kit_write_tensor(f, "wide", wide, 1, 8), 0);
    ck_assert_int_eq(fclose(f), 0);

    kit_file_t kf;
    ck_assert_msg(kit_read(path, &kf) == 0, "kit_read of a file kit_write_tensor wrote failed");
    ck_assert_msg(kf.count == 3, "expected 3 tensors, read %zu", kf.count);
    const double *got = kit_get(&kf, "special", 2, 5);
    ck_assert_ptr_nonnull(got);
    for (int i = 0; i < 10; i++)
        ck_assert_msg(same_double(got[i], special[i]),
                      "special [%d]: wrote %.17g, read back %.17g (bits differ)", i, special[i], got[i]);
    ck_assert_msg(signbit(got[3]), "-0.0 came back without its sign");
    const double *s = kit_get(&kf, "s", 1, 1);
    ck_assert_msg(s && s[0] == -2.5, "scalar s did not come back as -2.5");
    const double *w = kit_get(&kf, "wide", 1, 8);
    ck_assert_ptr_nonnull(w);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(w[i] == wide[i], "wide [%d]: got %g, expected %g", i, w[i], wide[i]);
    ck_assert_str_eq(kf.tensors[0].name, "special");
    ck_assert_str_eq(kf.path, path);
    kit_free(&kf);
    ck_assert_msg(kf.count == 0 && kf.tensors == NULL, "kit_free must leave an empty file");
}
END_TEST

START_TEST(test_kitio_skips_comments_blank_lines_and_crlf)
{
    char path[512];
    write_text(path, sizeof path, "comments.txt",
               "# a kit file\n"
               "\n"
               "tensor w 2 2   # trailing comment\r\n"
               "  1 2\r\n"
               "# between rows\n"
               "\t3 4   \n"
               "\n"
               "tensor empty 0 3\n"
               "tensor x 1 1\n"
               "nan\n");
    kit_file_t kf;
    ck_assert_msg(kit_read(path, &kf) == 0, "kit_read rejected a file with comments and CRLF");
    ck_assert_msg(kf.count == 3, "expected 3 tensors, read %zu", kf.count);
    const double *w = kit_get(&kf, "w", 2, 2);
    ck_assert_ptr_nonnull(w);
    ck_assert_msg(w[0] == 1 && w[1] == 2 && w[2] == 3 && w[3] == 4,
                  "w read as [%g %g %g %g], expected [1 2 3 4]", w[0], w[1], w[2], w[3]);
    ck_assert_ptr_nonnull(kit_get(&kf, "empty", 0, 3));
    const double *x = kit_get(&kf, "x", 1, 1);
    ck_assert_msg(x && isnan(x[0]), "\"nan\" must read as NaN");
    kit_free(&kf);
}
END_TEST

START_TEST(test_kitio_empty_file_has_no_tensors)
{
    kit_file_t kf;
    read_text("empty.txt", "# nothing here\n\n", &kf);
    ck_assert_msg(kf.count == 0, "an empty file gave %zu tensors", kf.count);
    kit_free(&kf);
}
END_TEST

START_TEST(test_kitio_missing_file_fails)
{
    char path[512];
    kit_file_t kf;
    tmp_path(path, sizeof path, "does_not_exist.txt");
    ck_assert_msg(kit_read(path, &kf) == -1, "kit_read of a missing file must return -1");
    ck_assert_msg(kf.count == 0 && kf.tensors == NULL, "a failed kit_read must leave out empty");
}
END_TEST

START_TEST(test_kitio_truncated_tensor_fails)
{
    expect_read_error("truncated.txt", "tensor w 3 2\n1 2\n3 4\n", "2 of 3 rows");
    expect_read_error("truncated2.txt", "tensor a 1 1\n5\ntensor w 2 2\n1 2\n",
                      "second tensor 1 of 2 rows");
    expect_read_error("short_row.txt", "tensor w 2 3\n1 2 3\n4 5\n", "a row of 2 numbers, not 3");
    expect_read_error("bad_number.txt", "tensor w 1 2\n1 abc\n", "a word among the numbers");
}
END_TEST

START_TEST(test_kitio_too_many_numbers_on_a_row_fails)
{
    expect_read_error("long_row.txt", "tensor w 2 2\n1 2 3\n4 5\n", "a row of 3 numbers, not 2");
    expect_read_error("long_row2.txt", "tensor w 1 2\n1 2 x\n", "trailing text on a row");
}
END_TEST

START_TEST(test_kitio_bad_header_fails)
{
    expect_read_error("hdr_keyword.txt", "tensr w 1 1\n1\n", "misspelt keyword");
    expect_read_error("hdr_missing.txt", "tensor w 1\n1\n", "no column count");
    expect_read_error("hdr_extra.txt", "tensor w 1 1 1\n1\n", "one field too many");
    expect_read_error("hdr_negative.txt", "tensor w -1 2\n", "negative rows");
    expect_read_error("hdr_minus_zero.txt", "tensor w -0 2\n", "rows \"-0\"");
    expect_read_error("hdr_not_number.txt", "tensor w 2x 2\n1 2\n1 2\n", "rows \"2x\"");
    expect_read_error("hdr_huge.txt", "tensor w 100000000 100000000\n", "an absurd shape");
    expect_read_error("hdr_number_first.txt", "1 2 3\n", "numbers before any header");
    char long_name[KIT_NAME_MAX + 32];
    memset(long_name, 'n', KIT_NAME_MAX);
    snprintf(long_name + KIT_NAME_MAX, 32, " 0 1\n"); /* an empty tensor: nothing else to trip on */
    char text[KIT_NAME_MAX + 64];
    snprintf(text, sizeof text, "tensor %s", long_name);
    expect_read_error("hdr_long_name.txt", text, "a 64-character name");
}
END_TEST

START_TEST(test_kitio_duplicate_name_fails)
{
    expect_read_error("duplicate.txt", "tensor w 1 1\n1\ntensor v 1 1\n2\ntensor w 1 1\n3\n",
                      "tensor w twice");
}
END_TEST

START_TEST(test_kit_get_wrong_shape_or_name_gives_null)
{
    kit_file_t kf;
    read_text("shapes.txt", "tensor w 2 3\n1 2 3\n4 5 6\n", &kf);
    const double *ok = kit_get(&kf, "w", 2, 3);
    ck_assert_msg(ok != NULL && ok[5] == 6, "kit_get with the right shape failed");
    int transposed = kit_get(&kf, "w", 3, 2) == NULL;
    int wrong_rows = kit_get(&kf, "w", 1, 3) == NULL;
    int missing = kit_get(&kf, "v", 2, 3) == NULL;
    int find_missing = kit_find(&kf, "v") == NULL;
    const kit_tensor_t *t = kit_find(&kf, "w");
    int find_ok = t != NULL && t->rows == 2 && t->cols == 3;
    kit_free(&kf);
    ck_assert_msg(transposed, "kit_get(w, 3, 2) of a (2, 3) tensor must give NULL");
    ck_assert_msg(wrong_rows, "kit_get(w, 1, 3) of a (2, 3) tensor must give NULL");
    ck_assert_msg(missing, "kit_get of a tensor that is not there must give NULL");
    ck_assert_msg(find_missing, "kit_find of a tensor that is not there must give NULL");
    ck_assert_msg(find_ok, "kit_find(w) must give the (2, 3) tensor");
}
END_TEST

START_TEST(test_kit_write_to_read_only_stream_fails)
{
    char path[512];
    write_text(path, sizeof path, "read_only.txt", "");
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    const double v[] = {1, 2};
    int rc = kit_write_tensor(f, "v", v, 1, 2);
    fclose(f);
    ck_assert_msg(rc == -1, "kit_write_tensor to a read-only stream returned %d, expected -1", rc);
}
END_TEST

/* ---- main ------------------------------------------------------------- */

static void remove_tmp_dir(void)
{
    DIR *d = opendir(tmp_dir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(tmp_dir);
}

/* ---- close: the one closeness rule of visible tests and grader ---- */

START_TEST(test_values_close_relative_tolerance)
{
    ck_assert(values_close(1.0 + 0.5e-9, 1.0, KIT_TOL));
    ck_assert(!values_close(1.0 + 2e-9, 1.0, KIT_TOL));
    /* relative above 1: 1e6 * 1e-9 = 1e-3 of room */
    ck_assert(values_close(1e6 + 0.9e-3, 1e6, KIT_TOL));
    ck_assert(!values_close(1e6 + 1.1e-3, 1e6, KIT_TOL));
    /* absolute below 1 */
    ck_assert(values_close(0.9e-9, 0.0, KIT_TOL));
    ck_assert(!values_close(1.1e-9, 1e-12, KIT_TOL));
    /* tol 0 is equality; -0 equals 0 */
    ck_assert(values_close(-0.0, 0.0, 0.0));
    ck_assert(!values_close(nextafter(1.0, 2.0), 1.0, 0.0));
}
END_TEST

START_TEST(test_values_close_nan_and_inf_match_only_their_class)
{
    ck_assert(values_close(NAN, NAN, KIT_TOL));
    ck_assert(!values_close(0.0, NAN, KIT_TOL));
    ck_assert(!values_close(NAN, 0.0, KIT_TOL));
    ck_assert(values_close(INFINITY, INFINITY, KIT_TOL));
    ck_assert(values_close(-INFINITY, -INFINITY, 0.0));
    /* an expected infinity accepts nothing else: not a finite value, not the
     * other infinity, not NaN (a rule of the form |d| <= tol * |want| would) */
    ck_assert(!values_close(1e300, INFINITY, KIT_TOL));
    ck_assert(!values_close(-INFINITY, INFINITY, KIT_TOL));
    ck_assert(!values_close(NAN, INFINITY, KIT_TOL));
    ck_assert(!values_close(INFINITY, 1e300, KIT_TOL));
    ck_assert(!values_close(INFINITY, 1.0, 1e300));
}
END_TEST

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/check_common.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        perror("check_common: mkdtemp");
        return EXIT_FAILURE;
    }
    const visible_task_t suites[] = {
        {"rng", NULL, {
            test_rng_same_seed_gives_same_stream,
            test_rng_default_seed_matches_reference_xoshiro256starstar,
            test_rng_different_seeds_give_different_streams,
            test_rng_uniform_is_in_zero_one,
            test_rng_uniform_range_and_fill_stay_in_lo_hi,
            test_rng_below_stays_below_n,
            test_rng_normal_has_mean_0_and_variance_1,
            test_rng_fill_normal_scales_by_std,
            test_rng_seed_from_env_parses_decimal,
            test_rng_seed_from_env_unset_or_empty_uses_fallback,
            test_rng_seed_from_env_malformed_falls_back,
            test_rng_hash_string_is_fnv1a,
        }},
        {"matrix", NULL, {
            test_matmul_2x3_times_3x2,
            test_matmul_nt_uses_b_stored_n_by_k,
            test_transpose_2x3_gives_3x2,
            test_max_abs_diff_finds_largest_gap,
            test_max_abs_diff_with_nan,
            test_mat_alloc_zeroes_and_rejects_overflow,
            test_mat_dup_copies_every_entry,
            test_mat_to_float_rounds_every_entry,
            test_mat_print_writes_name_shape_and_rows,
        }},
        {"kitio", NULL, {
            test_kitio_round_trip_is_bit_exact,
            test_kitio_skips_comments_blank_lines_and_crlf,
            test_kitio_empty_file_has_no_tensors,
            test_kitio_missing_file_fails,
            test_kitio_truncated_tensor_fails,
            test_kitio_too_many_numbers_on_a_row_fails,
            test_kitio_bad_header_fails,
            test_kitio_duplicate_name_fails,
            test_kit_get_wrong_shape_or_name_gives_null,
            test_kit_write_to_read_only_stream_fails,
        }},
        {"close", "values_close", {
            test_values_close_relative_tolerance,
            test_values_close_nan_and_inf_match_only_their_class,
        }},
    };
    /* 60 s a test: generous for valgrind (the slowest test takes under 1 s there). */
    int failed = run_task_suites(suites, sizeof suites / sizeof suites[0], 60);
    remove_tmp_dir();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
