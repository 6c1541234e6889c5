/* rng.c - xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
#include "rng.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define RNG_TWO_PI 6.283185307179586476925286766559

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rng_seed(rng_t *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

uint64_t rng_seed_from_env(const char *var, uint64_t fallback)
{
    const char *v = getenv(var);
    uint64_t seed = fallback;
    if (v && *v) {
        char *end = NULL;
        errno = 0;
        unsigned long long parsed = strtoull(v, &end, 10);
        if (errno || *end || !isdigit((unsigned char)v[0]))
            fprintf(stderr, "rng.c: rng_seed_from_env: %s=\"%s\" is not a whole number; using %llu\n",
                    var, v, (unsigned long long)fallback);
        else
            seed = parsed;
    }
    fprintf(stderr, "seed: %llu (set %s=N to change it)\n", (unsigned long long)seed, var);
    return seed;
}

uint64_t rng_next_u64(rng_t *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(rng_t *rng)
{
    return (double)(rng_next_u64(rng) >> 11) * 0x1.0p-53;
}

double rng_uniform_range(rng_t *rng, double lo, double hi)
{
    return lo + (hi - lo) * rng_uniform(rng);
}

double rng_normal(rng_t *rng)
{
    double u1 = rng_uniform(rng);
    double u2 = rng_uniform(rng);
    /* 1 - u1 is in (0, 1], so the log is finite. */
    return sqrt(-2.0 * log(1.0 - u1)) * cos(RNG_TWO_PI * u2);
}

uint64_t rng_below(rng_t *rng, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = rng_next_u64(rng);
    while (x >= limit);
    return x % n;
}

void rng_fill_uniform(rng_t *rng, double *a, size_t count, double lo, double hi)
{
    for (size_t i = 0; i < count; i++)
        a[i] = rng_uniform_range(rng, lo, hi);
}

void rng_fill_normal(rng_t *rng, double *a, size_t count, double std)
{
    for (size_t i = 0; i < count; i++)
        a[i] = std * rng_normal(rng);
}

uint64_t rng_hash_string(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}
