/*
 * lab04.c - writes data/lab04/visible-expected.txt from the reference
 * (make visible-expected): LoRA counts of random non-square matrices, and of
 * a small random model's named layers under PEFT's target rule (one module
 * matched by two targets; one list whose sum needs more than 32 bits).
 */
#include <string.h>

#include "gen.h"
#include "param_count.h"

enum { N_SHAPES = 3, N_LAYERS = 2, KINDS = 4 };
static const char *KIND_NAMES[KINDS] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                        "mlp.up_proj"};

int main(void)
{
    rng_t g;
    start_file(&g, "04", 4404);
    double shapes[N_SHAPES * 4];
    for (size_t i = 0; i < N_SHAPES; i++) {
        int64_t d_in = 1 + (int64_t)rng_below(&g, 5000), d_out = d_in + 1 + (int64_t)rng_below(&g, 5000);
        int64_t r = 1 + (int64_t)rng_below(&g, 64);
        shapes[i * 4] = (double)d_in, shapes[i * 4 + 1] = (double)d_out, shapes[i * 4 + 2] = (double)r;
        shapes[i * 4 + 3] = (double)lora_matrix_params(d_in, d_out, r);
    }
    printf("# matrix: rows of d_in, d_out, r, lora_matrix_params\n");
    put("matrix", shapes, N_SHAPES, 4);

    /* model.layers.L.KIND for L < 2, random non-square sizes; targets q_proj,
     * self_attn.q_proj (q matched twice) and up_proj, r = 4. */
    pc_module_t mods[N_LAYERS * KINDS];
    double dims[KINDS * 2];
    for (size_t k = 0; k < KINDS; k++) {
        dims[k * 2] = (double)(16 + rng_below(&g, 200));
        dims[k * 2 + 1] = dims[k * 2] + (double)(1 + rng_below(&g, 200));
    }
    for (size_t l = 0; l < N_LAYERS; l++)
        for (size_t k = 0; k < KINDS; k++) {
            pc_module_t *m = &mods[l * KINDS + k];
            memset(m, 0, sizeof *m);
            snprintf(m->name, sizeof m->name, "model.layers.%zu.%s", l, KIND_NAMES[k]);
            m->d_in = (int64_t)dims[k * 2], m->d_out = (int64_t)dims[k * 2 + 1], m->place = PC_ATTN;
        }
    printf("# apply: d_in and d_out of q_proj, k_proj, v_proj, up_proj (2 layers)\n");
    put("apply.dims", dims, KINDS, 2);
    const char *targets[] = {"q_proj", "self_attn.q_proj", "up_proj"}, *q_only[] = {"q_proj"};
    int64_t lora_r[N_LAYERS * KINDS];
    int64_t count = pc_apply_lora(mods, N_LAYERS * KINDS, targets, 3, 4, lora_r);
    int64_t q = pc_apply_lora(mods, N_LAYERS * KINDS, q_only, 1, 4, lora_r);
    if (count < 0 || q < 0)
        return 1;
    put_scalar("apply.count", (double)count);
    put_scalar("apply.count~twice", (double)(count + q));

    /* Four 65536 x 65536 layers at r = 8192: 2^32 parameters in all. */
    for (size_t i = 0; i < 4; i++)
        mods[i].d_in = mods[i].d_out = 65536;
    strcpy(mods[0].name, "model.layers.0.mlp.up_proj");
    strcpy(mods[1].name, "model.layers.1.mlp.up_proj");
    strcpy(mods[2].name, "model.layers.2.mlp.up_proj");
    strcpy(mods[3].name, "model.layers.3.mlp.up_proj");
    int64_t big = pc_apply_lora(mods, 4, targets + 2, 1, 8192, lora_r);
    if (big < 0)
        return 1;
    put_scalar("apply_big.count", (double)big);
    return 0;
}
