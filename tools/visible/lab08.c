/*
 * lab08.c - writes data/lab08/visible-expected.txt from the reference
 * (make visible-expected): one random non-square batch served by several
 * adapters (batch = 7, d_in = 5, d_out = 4, r = 2, 3 adapters) with its
 * gather output and grouping, a Houlsby adapter case (batch 3, d = 5, m = 2)
 * and an LRU plan of 16 requests over 5 tasks with 3 slots.
 */
#include "gen.h"
#include "serve.h"

enum { B = 7, DI = 5, DO = 4, R = 2, N = 3, HB = 3, HD = 5, HM = 2, Q = 16, T = 5, S = 3 };

int main(void)
{
    rng_t g;
    start_file(&g, "08", 8808);
    printf("# multi: batch = %d, d_in = %d, d_out = %d, r = %d, %d adapters, alpha = 1.5;"
           " houlsby: batch %d, d %d, m %d; lru: %d requests, %d tasks, %d slots\n",
           B, DI, DO, R, N, HB, HD, HM, Q, T, S);
    double *x = random_matrix(&g, B, DI), *w0 = random_matrix(&g, DO, DI);
    double *a = random_matrix(&g, N * R, DI), *b = random_matrix(&g, N * DO, R);
    double ids[B], y[B * DO], perm[B], seg[N + 1];
    for (int t = 0; t < B; t++)
        ids[t] = (double)rng_below(&g, N);
    put("multi.x", x, B, DI), put("multi.w0", w0, DO, DI), put("multi.a", a, N * R, DI);
    put("multi.b", b, N * DO, R), put("multi.ids", ids, 1, B);
    MUST(multi_lora_gather(x, B, w0, a, b, ids, DI, DO, R, N, 1.5, y));
    put("multi.y", y, B, DO);
    /* A typical mistake: every row served by adapter 0. */
    double zeros[B] = {0};
    MUST(multi_lora_gather(x, B, w0, a, b, zeros, DI, DO, R, N, 1.5, y));
    put("multi.y~adapter0", y, B, DO);
    /* Another: alpha used without dividing by r (alpha / r times r). */
    MUST(multi_lora_gather(x, B, w0, a, b, ids, DI, DO, R, N, 1.5 * R, y));
    put("multi.y~alpha", y, B, DO);
    MUST(group_by_adapter(ids, B, N, perm, seg));
    put("group.perm", perm, 1, B), put("group.seg", seg, 1, N + 1);

    double *h = random_matrix(&g, HB, HD), *wd = random_matrix(&g, HM, HD), *wu = random_matrix(&g, HD, HM);
    double out[HB * HD];
    put("houlsby.h", h, HB, HD), put("houlsby.w_down", wd, HM, HD), put("houlsby.w_up", wu, HD, HM);
    MUST(houlsby_adapter(h, HB, wd, wu, HD, HM, out));
    put("houlsby.out", out, HB, HD);

    double req[Q], slot_of[Q], counts[3];
    for (int q = 0; q < Q; q++)
        req[q] = (double)rng_below(&g, T);
    put("lru.requests", req, 1, Q);
    MUST(lru_pool_plan(req, Q, T, S, slot_of, counts));
    put("lru.slot_of", slot_of, 1, Q), put("lru.counts", counts, 1, 3);
    free(x), free(w0), free(a), free(b), free(h), free(wd), free(wu);
    return 0;
}
