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
    /* ids, perm, seg, requests, slot_of, counts are size_t in serve.h and
     * stored as doubles (dids, ...). */
    size_t ids[B], perm[B], seg[N + 1];
    double dids[B], y[B * DO], dperm[B], dseg[N + 1];
    for (int t = 0; t < B; t++)
        ids[t] = rng_below(&g, N), dids[t] = (double)ids[t];
    put("multi.x", x, B, DI), put("multi.w0", w0, DO, DI), put("multi.a", a, N * R, DI);
    put("multi.b", b, N * DO, R), put("multi.ids", dids, 1, B);
    MUST(multi_lora_gather(x, B, w0, a, b, ids, DI, DO, R, N, 1.5, y));
    put("multi.y", y, B, DO);
    /* A typical mistake: every row served by adapter 0. */
    size_t zeros[B] = {0};
    MUST(multi_lora_gather(x, B, w0, a, b, zeros, DI, DO, R, N, 1.5, y));
    put("multi.y~adapter0", y, B, DO);
    /* Another: alpha used without dividing by r (alpha / r times r). */
    MUST(multi_lora_gather(x, B, w0, a, b, ids, DI, DO, R, N, 1.5 * R, y));
    put("multi.y~alpha", y, B, DO);
    MUST(group_by_adapter(ids, B, N, perm, seg));
    for (int t = 0; t < B; t++)
        dperm[t] = (double)perm[t];
    for (int k = 0; k <= N; k++)
        dseg[k] = (double)seg[k];
    put("group.perm", dperm, 1, B), put("group.seg", dseg, 1, N + 1);

    double *h = random_matrix(&g, HB, HD), *wd = random_matrix(&g, HM, HD), *wu = random_matrix(&g, HD, HM);
    double out[HB * HD];
    put("houlsby.h", h, HB, HD), put("houlsby.w_down", wd, HM, HD), put("houlsby.w_up", wu, HD, HM);
    MUST(houlsby_adapter(h, HB, wd, wu, HD, HM, out));
    put("houlsby.out", out, HB, HD);

    size_t req[Q], slot_of[Q], counts[3];
    double dreq[Q], dslot[Q], dcounts[3];
    for (int q = 0; q < Q; q++)
        req[q] = rng_below(&g, T), dreq[q] = (double)req[q];
    put("lru.requests", dreq, 1, Q);
    MUST(lru_pool_plan(req, Q, T, S, slot_of, counts));
    for (int q = 0; q < Q; q++)
        dslot[q] = (double)slot_of[q];
    for (int k = 0; k < 3; k++)
        dcounts[k] = (double)counts[k];
    put("lru.slot_of", dslot, 1, Q), put("lru.counts", dcounts, 1, 3);
    free(x), free(w0), free(a), free(b), free(h), free(wd), free(wu);
    return 0;
}
