/* demo_main.c - the labs' demos' shared main, CALL and check() (see demo_main.h). */
#include "demo_main.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

demo_tally_t demo_checks;

static const demo_t *running; /* set by demo_main */

const char *demo_prog(void)
{
    return running ? running->prog : "demo";
}

/* "usage: PROG COMMAND", then one line a command, then where the seed comes from. */
static void usage(const demo_t *demo, FILE *f)
{
    fprintf(f, "usage: %s COMMAND\n", demo->prog);
    for (const demo_command_t *c = demo->commands; c->name; c++) {
        char synopsis[64];
        snprintf(synopsis, sizeof synopsis, "%s%s%s", c->name, c->args ? " " : "",
                 c->args ? c->args : "");
        if (strlen(synopsis) > 16) /* a long synopsis gets a line of its own */
            fprintf(f, "  %s\n  %-16s %s\n", synopsis, "", c->help);
        else
            fprintf(f, "  %-16s %s\n", synopsis, c->help);
    }
    if (demo->seeded)
        fprintf(f, "  (random data: seed from LORALAB_SEED, default %llu)\n",
                (unsigned long long)RNG_DEFAULT_SEED);
}

int demo_main(const demo_t *demo, int argc, char **argv)
{
    running = demo;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
                      !strcmp(argv[1], "--help"))) {
        usage(demo, stdout);
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "%s: expected a command\n", demo->prog);
        usage(demo, stderr);
        return 2;
    }
    for (const demo_command_t *c = demo->commands; c->name; c++) {
        if (strcmp(argv[1], c->name))
            continue;
        int n = argc - 2;
        if (c->run && n == 0)
            return c->run();
        if (c->run_args && n >= c->min_args && (c->max_args < 0 || n <= c->max_args))
            return c->run_args(argc, argv);
        fprintf(stderr, "%s: %s takes %s, got %d argument%s\n", demo->prog, c->name,
                c->args ? c->args : "no arguments", n, n == 1 ? "" : "s");
        usage(demo, stderr);
        return 2;
    }
    fprintf(stderr, "%s: unknown command \"%s\"\n", demo->prog, argv[1]);
    usage(demo, stderr);
    return 2;
}

_Noreturn void demo_call_failed(const char *expr)
{
    fprintf(stderr, "%s: %s returned LAB_EARG (message above)\n", demo_prog(), expr);
    exit(1);
}

void demo_count(int ok)
{
    demo_checks.total++;
    if (!ok)
        demo_checks.bad++;
}

void demo_check(const char *what, int ok)
{
    demo_count(ok);
    printf("  check: %-*s %s\n", running ? running->check_width : 0, what, ok ? "ok" : "DIFFERS");
}

uint64_t demo_seed(void)
{
    return rng_seed_from_env("LORALAB_SEED", RNG_DEFAULT_SEED);
}

double demo_unneg(double v) { return v == 0.0 ? 0.0 : v; }

void demo_put_row(const double *row, size_t cols, int decimals)
{
    putchar('[');
    for (size_t j = 0; j < cols; j++) {
        if (decimals >= 0)
            printf("%s%.*f", j ? ", " : "", decimals, demo_unneg(row[j]));
        else
            printf("%s%.10g", j ? ", " : "", demo_unneg(row[j]));
    }
    putchar(']');
}

int demo_near(double got, double want, double tol)
{
    return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

int demo_all_near(const double *got, const double *want, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        if (!demo_near(got[i], want[i], tol))
            return 0;
    return 1;
}

void demo_print_vec(const char *name, int width, const double *v, size_t n)
{
    printf("  %-*s ", width, name);
    demo_put_row(v, n, -1);
    putchar('\n');
}
