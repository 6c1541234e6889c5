/*
 * runner_drivers.c - Lab 05's drivers (describe.py: `drivers`): calls that
 * run a student function many times inside one runner.  Pasted into the
 * generated adapter.c, after the wrappers, with runner_buffers.h included.
 *
 * The *_cycles drivers: w (task 0 merged), w_out, a_all (n_tasks stacked
 * A's), b_all (n_tasks stacked B's), n_tasks, d_in, d_out, r, alpha (or the
 * float scale), n_switches.  Switch k goes from task k % n_tasks to task
 * (k + 1) % n_tasks: with 2 tasks, back and forth.
 */
#define TASK_A(t) (RP(2) + (t) * RZ(7) * RZ(5))
#define TASK_B(t) (RP(3) + (t) * RZ(6) * RZ(7))

static int64_t driver_lora_switch_cycles(const runner_arg_t *a)
{
    double *w = rb_inout(&a[0], &a[1]);
    size_t T = RZ(4);
    for (size_t s = 0; s < RZ(9) && T > 0; s++) {
        size_t from = s % T, to = (s + 1) % T;
        int rc = lora_switch(w, TASK_A(from), TASK_B(from), TASK_A(to), TASK_B(to), RZ(5), RZ(6),
                             RZ(7), RD(8));
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

static int64_t driver_lora_switch_f32_cycles(const runner_arg_t *a)
{
    rb_t rw = {0}, ra = {0}, rbb = {0};
    float *w = rb_floats(&rw, &a[0]), *fa = rb_floats(&ra, &a[2]), *fb = rb_floats(&rbb, &a[3]);
    size_t T = RZ(4), na = RZ(7) * RZ(5), nb = RZ(6) * RZ(7);
    int64_t rc = w && fa && fb ? LAB_OK : RB_BAD_CALL;
    for (size_t s = 0; s < RZ(9) && T > 0 && rc == LAB_OK; s++) {
        size_t from = s % T, to = (s + 1) % T;
        rc = lora_switch_f32(w, fa + from * na, fb + from * nb, fa + to * na, fb + to * nb, RZ(5),
                             RZ(6), RZ(7), (float)RD(8));
    }
    rb_floats_out_done(&rw, &a[0], &a[1], rc);
    rb_free(&ra), rb_free(&rbb);
    return rc;
}

/* As above, with w = w0 the kept base (never changed). */
static int64_t driver_lora_switch_from_base_cycles(const runner_arg_t *a)
{
    size_t T = RZ(4);
    memcpy(RP(1), RP(0), a[0].count * sizeof(double));
    for (size_t s = 0; s < RZ(9) && T > 0; s++) {
        size_t to = (s + 1) % T;
        int rc = lora_switch_from_base(RP(1), RP(0), TASK_A(to), TASK_B(to), RZ(5), RZ(6), RZ(7),
                                       RD(8));
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

/*
 * Many decodes in one runner (the fuzz test): bytes_all (the files one after
 * another), lens (n_cases), n_cases, cap, rcs_out (n_cases), dims_out
 * (3 n_cases), a_out and b_out (cap n_cases each).  Each file gets its own
 * buffer ending at an inaccessible page.
 */
static int64_t driver_st_decode_lora_batch(const runner_arg_t *a)
{
    size_t n_cases = RZ(2), cap = RZ(3), at = 0;
    for (size_t k = 0; k < n_cases; k++) {
        runner_arg_t file = a[0];
        file.count = (uint64_t)RP(1)[k];
        file.p = RP(0) + at;
        if (file.count > a[0].count - at)
            return RB_BAD_CALL;
        at += file.count;
        rb_t rb = {0};
        const unsigned char *bytes = rb_bytes(&rb, &file, 0);
        if (!bytes)
            return RB_BAD_CALL;
        char module[256];
        size_t dims[3];
        int rc = st_decode_lora(bytes, file.count, module, sizeof module, RP(6) + k * cap, cap,
                                RP(7) + k * cap, cap, dims);
        RP(4)[k] = rc;
        if (rc == LAB_OK)
            for (int i = 0; i < 3; i++)
                RP(5)[3 * k + i] = (double)dims[i];
        rb_free(&rb);
    }
    return LAB_OK;
}
