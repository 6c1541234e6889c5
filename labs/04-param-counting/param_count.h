/*
 * param_count.h - Lab 04: counting parameters, LoRA budgets and storage.
 * The contract of every function you write in param_count.c.  Do not edit
 * this file: the grader compiles your param_count.c against its own copy.
 *
 * WHAT IS COUNTED
 *   A linear layer W0 (d_out, d_in) with an optional bias (d_out,) holds
 *   d_in * d_out (+ d_out) numbers.  LoRA adds A (r, d_in) and B (d_out, r):
 *   r * d_in + d_out * r = r (d_in + d_out) trained numbers, whatever the
 *   layout (the paper's B (d, r), A (r, k) or the "LoRA layer" exercise's A (d_in, r),
 *   B (r, d_out) hold the same counts).  LoRA adds no bias.
 *
 * A MODEL (pc_model_t) is what data/lab04/<model>.cfg describes (the parser,
 * model_config.c, is given).  It has
 *   embeddings  vocab * d_model (tokens) + context * d_model (learned
 *               positions; 0 for rotary models) + type_vocab * d_model
 *               (BERT's token types)
 *   layers      `layers` identical blocks; each holds every linear kind whose
 *               place is PC_ATTN or PC_MLP once, and norms_per_layer norms
 *   norms       a LayerNorm holds weight and bias (2 * d_model), an RMSNorm
 *               only a weight (d_model); besides the per-layer norms there
 *               are embed_norm norms after the embeddings (BERT: 1) and
 *               final_norm after the last block (GPT-2, LLaMA: 1)
 *   top         linear kinds with place PC_TOP exist once (LLaMA's untied
 *               lm_head, BERT's pooler).  A tied LM head (GPT-2) shares the
 *               token embedding and has no line of its own.
 *
 * COUNTS ARE int64_t.  GPT-3 holds 1.7e11 parameters: more than a 32-bit int
 * (2^31 - 1 = 2,147,483,647) can hold, so every product and every sum is
 * done in int64_t (cast BEFORE multiplying: (int64_t)a * b, not
 * (int64_t)(a * b) with int a, b).  Functions returning a count return
 * LAB_EARG (-1) when an argument breaks the contract, after LAB_REQUIRE
 * printed "param_count.c: <function>: <what was wrong>".
 *
 * Tolerance: none.  Every count is an integer and must be exact; the grader
 * compares with ==.  The one floating-point value, lab04.6's percentage,
 * must print exactly as "%.4f" prints 100.0 * (double)T / (double)N.
 *
 * Functions never write to their inputs and write nothing on LAB_EARG.
 * Helpers from the C library only (string.h, stdio.h, stdint.h, ...).
 */
#ifndef LORALAB_PARAM_COUNT_H
#define LORALAB_PARAM_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "lab.h"

#define PC_NAME_MAX 96   /* longest module name + 1 (the terminating NUL) */
#define PC_MAX_KINDS 16  /* linear kinds (config lines "linear ...") per model */
#define PC_MAX_TARGETS 16

/* Where a linear kind sits (its config line's last word). */
enum pc_place {
    PC_ATTN = 0, /* "attn": attention projection, once in every layer */
    PC_MLP = 1,  /* "mlp":  feed-forward projection, once in every layer */
    PC_TOP = 2   /* "top":  once in the whole model (lm_head, pooler) */
};

enum pc_norm { PC_LAYERNORM = 0, PC_RMSNORM = 1 };

/* Number formats of a stored adapter or model (lab04.7). */
enum pc_dtype {
    PC_FP32 = 0, /* IEEE single: 4 bytes */
    PC_FP16 = 1, /* IEEE half: 2 bytes */
    PC_BF16 = 2  /* bfloat16: 8 exponent bits like fp32, 7 mantissa bits: 2 bytes */
};

/* Storage schemes for serving `tasks` fine-tuned variants (lab04.8). */
enum pc_scheme {
    PC_FULL_COPIES = 0, /* one full fine-tuned copy per task */
    PC_BASE_PLUS_ADAPTERS = 1 /* one shared base + one adapter per task */
};

/* One kind of linear layer: W0 (d_out, d_in) and, if bias, a bias (d_out). */
typedef struct {
    char name[PC_NAME_MAX]; /* e.g. "self_attn.q_proj" (per layer) or "lm_head" (top) */
    int64_t d_in, d_out;
    int bias;               /* 0 or 1 */
    int place;              /* enum pc_place */
} pc_linear_kind_t;

typedef struct {
    char name[64];                   /* "llama-7b" */
    int64_t vocab, context, type_vocab, d_model, layers, heads, d_ff;
    int norm;                        /* enum pc_norm */
    int64_t norms_per_layer, embed_norm, final_norm;
    char layer_prefix[PC_NAME_MAX];  /* "model.layers": layer i's modules are "model.layers.i.<kind>" */
    size_t n_kinds;
    pc_linear_kind_t kinds[PC_MAX_KINDS];
    size_t n_default_targets;        /* PEFT's default target_modules for this architecture */
    char default_targets[PC_MAX_TARGETS][PC_NAME_MAX];
    int64_t published;               /* the count its authors publish, or 0 */
    int published_exact;             /* 1: published is exact; 0: rounded (GPT-3's 175,255.8M) */
} pc_model_t;

/* Where the parameters sit (lab04.3).  total = the sum of the other five. */
typedef struct {
    int64_t embeddings, attention, mlp, norms, top, total;
} pc_breakdown_t;

/* One named linear layer of a model, e.g. "model.layers.3.self_attn.q_proj",
 * as model_config.c's pc_model_modules() lists them (input of lab04.5). */
typedef struct {
    char name[PC_NAME_MAX];
    int64_t d_in, d_out;
    int bias;
    int place;
} pc_module_t;

/*
 * lab04.1  lora_matrix_params: LoRA's trained numbers for ONE matrix.
 *   Returns r * (d_in + d_out): A (r, d_in) plus B (d_out, r).  Not
 *   d_in * d_out (that is the frozen matrix), not r * d_in (A alone).
 *   Broken contract (LAB_EARG): d_in, d_out or r < 1; a result that does not
 *   fit in int64_t (check before you multiply: r > INT64_MAX / (d_in + d_out);
 *   d_in + d_out itself can overflow too).
 *   Examples: (768, 768, 4) -> 6,144; (4096, 11008, 8) -> 120,832;
 *   (100, 200, 3) -> 900; the "LoRA layer" exercise's (4096, 4096, 16) -> 131,072.
 *   Points: 10.
 */
int64_t lora_matrix_params(int64_t d_in, int64_t d_out, int64_t r);

/*
 * lab04.2  lora_course_params: the course's formula
 *     |Theta| = 2 * n_matrices * d_model * r
 *   the special case of lab04.1 where every adapted matrix is square
 *   (d_model, d_model): n_matrices of them, each r (d_model + d_model).
 *   n_matrices counts matrices over the whole model (Wq and Wv in 96 layers:
 *   192).  Broken contract: any argument < 1, or an overflowing result.
 *   Course numbers (GPT-3, d_model 12,288): (192, 12288, 4) -> 18,874,368;
 *   (192, 12288, 1) -> 4,718,592.
 *   Points: 8.
 */
int64_t lora_course_params(int64_t n_matrices, int64_t d_model, int64_t r);

/*
 * lab04.3  pc_model_params: every parameter of the base model, by place.
 *   Writes *parts (see "A MODEL" above):
 *     embeddings = (vocab + context + type_vocab) * d_model
 *     attention  = layers * sum over PC_ATTN kinds of d_in*d_out + bias*d_out
 *     mlp        = layers * sum over PC_MLP kinds of the same
 *     norms      = (layers * norms_per_layer + embed_norm + final_norm) * n,
 *                  n = 2 * d_model (LayerNorm) or d_model (RMSNorm)
 *     top        = sum over PC_TOP kinds (once each)
 *     total      = the sum of the five
 *   and returns total.  Biases and norms count: they are parameters too.
 *   Broken contract: m or parts NULL; d_model, layers or vocab < 1;
 *   context, type_vocab, norms_per_layer, embed_norm, final_norm < 0;
 *   norm not PC_LAYERNORM / PC_RMSNORM; n_kinds > PC_MAX_KINDS; a kind with
 *   d_in or d_out < 1, bias not 0/1, or place not 0..2.  (Sizes stay below
 *   2^31, layers below 2^16: the int64_t total cannot overflow.)
 *   Example: data/lab04/gpt2-small.cfg gives embeddings 39,383,808,
 *   attention 28,348,416, mlp 56,669,184, norms 38,400, top 0,
 *   total 124,439,808 (the published GPT-2 small count).
 *   Points: 20.
 */
int64_t pc_model_params(const pc_model_t *m, pc_breakdown_t *parts);

/*
 * lab04.4  pc_target_matches: does PEFT's target_modules entry `target`
 *   select the module called `name`?  PEFT's rule for a list of names:
 *     name == target, or name ends with "." followed by target.
 *   Returns 1 (match) or 0 (no match); LAB_EARG if name or target is NULL.
 *   Not a substring test ("q_proj" must not select "q_proj_gate"), not a bare
 *   suffix test ("v_proj" must not select "attn.kv_proj"); a target may hold
 *   dots ("attention.output.dense").  An empty target matches nothing.
 *   Examples: ("model.layers.0.self_attn.q_proj", "q_proj") -> 1;
 *   ("lm_head", "lm_head") -> 1; ("h.0.attn.kv_proj", "v_proj") -> 0;
 *   ("encoder.layer.0.output.dense", "output.dense") -> 1 (the MLP's output,
 *   too: BERT's attention output needs "attention.output.dense").
 *   Points: 12.
 */
int pc_target_matches(const char *name, const char *target);

/*
 * lab04.5  pc_apply_lora: PEFT's get_peft_model over a model's named linear
 *   layers, as counts.  modules[0 .. n-1] are the model's linear layers
 *   (names like "model.layers.3.self_attn.q_proj"); targets[0 .. n_targets-1]
 *   are target_modules entries.  A module is adapted when at least one target
 *   matches it by lab04.4's rule; then lora_r[i] = r, else lora_r[i] = 0
 *   (frozen: everything that is not LoRA is frozen, including biases, norms
 *   and embeddings).  Returns the trained count: the sum over adapted modules
 *   of r (d_in + d_out) (a module matched by two targets is adapted once).
 *   Broken contract (LAB_EARG, lora_r not written): modules, targets or
 *   lora_r NULL; n == 0; n_targets == 0 (pass the model's default_targets);
 *   a target NULL; r < 1; a module with d_in or d_out < 1; no module
 *   matched by any target (PEFT raises "Target modules ... not found").
 *   Example: LLaMA-7B (data/lab04/llama-7b.cfg), targets {"q_proj",
 *   "v_proj"}, r = 8 -> 64 adapted modules, returns 4,194,304.
 *   Points: 20.
 */
int64_t pc_apply_lora(const pc_module_t *modules, size_t n, const char *const *targets,
                      size_t n_targets, int64_t r, int64_t *lora_r);

/*
 * lab04.6  pc_summary_line: PEFT's print_trainable_parameters() line,
 *     trainable params: T || all params: N || trainable%: P
 *   with T and N in decimal with a comma every three digits ("4,194,304";
 *   "0"; "999"; "1,000") and P = 100 * T / N in double, printed like "%.4f".
 *   N is every parameter of the adapted model: base + LoRA.  Writes the line
 *   into buf (cap bytes, NUL-terminated, no newline).  Returns LAB_OK.
 *   Broken contract (nothing written): buf NULL, trainable < 0, all < 1,
 *   trainable > all, or the line and its NUL do not fit in cap bytes.
 *   Example (LLaMA-7B, q_proj and v_proj, r = 8):
 *   (4194304, 6742609920) -> "trainable params: 4,194,304 || all params:
 *   6,742,609,920 || trainable%: 0.0622" (one line).
 *   Points: 12.
 */
int pc_summary_line(int64_t trainable, int64_t all, char *buf, size_t cap);

/*
 * lab04.7  pc_param_bytes: bytes to store `params` numbers in `dtype`:
 *   fp32 4 bytes each, fp16 2, bf16 2 (bf16 is half of fp32's 32 bits).
 *   Broken contract: params < 0, dtype not one of PC_FP32, PC_FP16, PC_BF16
 *   (an enum holds any int a caller casts into it: compare with the three
 *   names, not with < 0, which an unsigned enum type never is), an
 *   overflowing result.
 *   Example: (18874368, PC_FP16) -> 37,748,736 (37.7 MB: GPT-3's adapter).
 *   Points: 8.
 */
int64_t pc_param_bytes(int64_t params, enum pc_dtype dtype);

/*
 * lab04.8  pc_storage_bytes: bytes to keep `tasks` fine-tuned variants.
 *   scheme PC_FULL_COPIES:        tasks * bytes(base_params)
 *   scheme PC_BASE_PLUS_ADAPTERS: bytes(base_params) + tasks * bytes(adapter_params)
 *   with bytes() as in lab04.7.  tasks == 0 is legal (nothing to serve:
 *   0 copies; or the base alone).
 *   Broken contract: base_params or adapter_params < 0, tasks < 0, dtype or
 *   scheme none of its enum's names, an overflowing result.
 *   Course numbers (fp16, the course's 175e9 and 18,874,368): 100 full
 *   copies 35,000,000,000,000 bytes (35 TB); base + 100 adapters
 *   353,774,873,600 bytes (354 GB).
 *   Points: 10.
 */
int64_t pc_storage_bytes(int64_t base_params, int64_t adapter_params, int64_t tasks,
                         enum pc_dtype dtype, enum pc_scheme scheme);

#endif
