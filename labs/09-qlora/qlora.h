/*
 * qlora.h - Lab 09: QLoRA in C.  The frozen base weight is stored in 4 bits
 * (NormalFloat 4, NF4, in blocks of 64 with one absmax scale per block), the
 * block scales themselves in 8 bits (double quantization), and only the LoRA
 * adapters are trained, in double, on top of the 4-bit base (Dettmers et al.,
 * "QLoRA: Efficient Finetuning of Quantized LLMs", 2023).
 * The contract of every function you write in qlora.c.  Do not edit this
 * file: the grader compiles your qlora.c against its own copy.
 *
 * THE 4-BIT DATA TYPES (lab09.2).  A data type is a table of 16 levels in
 * [-1, 1], in ascending order; a 4-bit code is an index 0..15 into it.
 *   NF4   the QLoRA paper's NormalFloat: quantiles of the standard normal.
 *         With offset QLORA_NF4_OFFSET = 0.9677083 and Q = the inverse normal
 *         CDF (lab09.1):
 *           8 positive levels  Q(p) for p = linspace(offset, 0.5, 9) without
 *                              its last point (0.5):  p_k = offset + k (0.5 - offset) / 8,
 *                              k = 0..7
 *           7 negative levels  -Q(p) for p = linspace(offset, 0.5, 8) without
 *                              its last point:  p_k = offset + k (0.5 - offset) / 7,
 *                              k = 0..6
 *           and an exact 0.  Sorted ascending and divided by the largest,
 *           Q(offset), so the table runs from -1 to 1 with 0 at code 7.
 *         Computed in double these match the table bitsandbytes publishes
 *         (printed in float32) within 2e-7: bitsandbytes rounds the
 *         probabilities to float32 first (`lab09-demo nf4-table` shows both).
 *   INT4  uniform: level (c - 8) / 7 for code c = 0..15, i.e. the two's
 *         complement integers -8..7 divided by 7.  Code 0 (-8/7) lies outside
 *         [-1, 1] and is never the nearest level of a value in [-1, 1].
 *   FP4   the E2M1 float (1 sign bit, 2 exponent bits with bias 1, 1 mantissa
 *         bit; the OCP microscaling FP4): magnitudes 0, 0.5, 1, 1.5, 2, 3, 4,
 *         6 with both signs, divided by 6.  Sorted ascending, the table holds
 *         -0 at code 7 and +0 at code 8 (both 0.0 here).  The code is the
 *         index in this sorted table, not E2M1's sign-magnitude bit pattern.
 *
 * BLOCKWISE QUANTIZATION (lab09.3, lab09.4).  w (n doubles, a matrix
 * flattened row-major) is cut into blocks of `block` consecutive entries
 * (QLoRA: 64); the last block is shorter when block does not divide n.
 *   scales[b] = max |w[k]| over block b (its absmax), ceil(n / block) of them
 *   code[k]   = the index c of the level nearest to w[k] / scales[b]; a tie
 *               goes to the LOWER index.  A block whose absmax is 0 (all
 *               zeros) has scale 0 and every code is the code nearest to 0
 *               (no division by zero, no NaN).
 *   PACKING: two codes per byte, (n + 1) / 2 bytes: entry 2i in the HIGH
 *   nibble (bits 7..4) of packed[i], entry 2i + 1 in the LOW nibble (bits
 *   3..0), as bitsandbytes stores them; when n is odd the low nibble of the
 *   last byte is 0.  The bytes run on across block edges.
 *   dequantize: w[k] = levels[code[k]] * scales[k / block].
 *   NaN and Inf: quantizing a w that holds a NaN or an Inf breaks the
 *   contract (LAB_EARG; a scale cannot be an absmax of them).
 *
 * DOUBLE QUANTIZATION (lab09.5).  The nb block scales (one double each) are
 * quantized again: mean = their average; c_k = scales[k] - mean; in groups of
 * `group` consecutive c_k (QLoRA: 256; the last group shorter),
 *   gscale[g] = max |c_k| over group g
 *   q_k       = round(127 c_k / gscale[g])   (C's round(): halves away from 0)
 *               an integer in -127..127, stored as its two's complement byte
 *               (uint8_t)(int8_t)q_k; q_k = 0 when gscale[g] = 0.
 *   restore:  scales[k] = mean + gscale[g] q_k / 127.
 * (QLoRA quantizes the scales with an 8-bit float; this lab uses 8-bit
 * integers with absmax, the same cost: 8 bits per scale plus one 32-bit scale
 * per group.)  Memory per weight, with 32-bit scales:
 *   plain: 4 + 32 / block                        bits  (block 64: 4.5)
 *   DQ:    4 + 8 / block + 32 / (block group)    bits  (64, 256: about 4.127)
 *
 * LORA ON A 4-BIT BASE (lab09.6, lab09.7).  The layout of the whole kit (PEFT):
 *   x (batch, d_in), W0 (d_out, d_in) stored as lab09.3's codes and scales of
 *   its n = d_out d_in entries flattened row-major, A (r, d_in), B (d_out, r),
 *   s = alpha / r, and
 *       y = x W0q^T + s (x A^T) B^T          (batch, d_out)
 *   where W0q is the dequantized base (lab09.4).  Dequantize the base one
 *   block at a time into a scratch of `block` doubles and use it at once:
 *   never hold the whole W0q in doubles (that is QLoRA's point: the base
 *   stays in 4 bits; the grader cannot see your memory, but a reviewer can).
 *   The adapter path is in double.  Only A and B are trained; W0q is frozen.
 *
 * RULES FOR EVERY FUNCTION HERE
 *   - Inputs are const: never write to them.  Outputs never overlap inputs.
 *   - Arguments are checked first.  When one breaks the contract, call
 *     LAB_REQUIRE (lab.h) IN THE GRADED FUNCTION ITSELF and return LAB_EARG
 *     before anything is written.  Otherwise return LAB_OK.  A NULL pointer
 *     and a size of 0 break the contract everywhere.
 *   - Tolerance: |got - expected| <= 1e-9 * max(1, |expected|) per entry,
 *     except where stated; codes and packed bytes are compared exactly.
 *   - Scratch memory: malloc it and free it before returning, on every
 *     path, a failed malloc's too: the grader counts the blocks a call
 *     leaves allocated, and a leak fails the out-of-memory test.
 */
#ifndef LORALAB_QLORA_H
#define LORALAB_QLORA_H

#include <stddef.h>
#include <stdint.h>

#include "lab.h"

#define QLORA_LEVELS 16          /* 4 bits: 16 codes */
#define QLORA_NF4_OFFSET 0.9677083
#define QLORA_BLOCK 64           /* QLoRA's block of weights per scale */
#define QLORA_DQ_GROUP 256       /* QLoRA's group of scales per second-level scale */

/*
 * lab09.1  norm_ppf: the inverse CDF of the standard normal.     (10 points)
 *   *z such that Phi(z) = p, Phi(z) = erfc(-z / sqrt(2)) / 2, for 0 < p < 1.
 *   Any method within 1e-12 absolute for p in [1e-10, 1 - 1e-10]: for
 *   example Acklam's rational approximation (relative error 1.15e-9) followed
 *   by one Halley step on erfc(), or bisection on erfc() to 1e-14.
 *   Symmetric: norm_ppf(1 - p) = -norm_ppf(p) (to the tolerance);
 *   norm_ppf(0.5) = 0.
 *   Broken contract: z NULL; p <= 0, p >= 1 or NaN.
 *   Example: p = 0.975 gives z = 1.959963984540054.
 */
int norm_ppf(double p, double *z);

/*
 * lab09.2  the three 4-bit data types' tables (above).           (15 points)
 *   nf4_levels: the NF4 levels, made with your norm_ppf (lab09.1), within
 *   1e-12 of the construction above (and so within 2e-7 of bitsandbytes'
 *   published table; README: "The NF4 table").
 *   int4_levels, fp4_levels: exactly the levels above.
 *   Each writes 16 doubles in ascending order.  Broken contract: levels NULL.
 *   Example: NF4 code 15 is 1.0, code 8 is about 0.0795803, code 7 is 0.0.
 */
int nf4_levels(double *levels);
int int4_levels(double *levels);
int fp4_levels(double *levels);

/*
 * lab09.3  q_quantize: blockwise absmax quantization, packed.    (20 points)
 *   levels (16, ascending), w (n) -> packed ((n + 1) / 2 bytes) and
 *   scales (ceil(n / block) = (n + block - 1) / block doubles), as above:
 *   nearest level, ties to the lower code, an all-zero block has scale 0,
 *   entry 2i in the high nibble.
 *   Broken contract: a NULL pointer; n = 0; block = 0; a NaN or Inf in w.
 *   Example: NF4, w = [1, -2, 0.5, 0], block 2: scales = [2, 0.5],
 *   w / scale = [0.5, -1, 1, 0] -> codes [12, 0, 15, 7] (0.5 is nearer to
 *   0.4407 than to 0.5626), packed = [0xC0, 0xF7].
 */
int q_quantize(const double *levels, const double *w, size_t n, size_t block, uint8_t *packed,
               double *scales);

/*
 * lab09.4  q_dequantize: the codes and scales back to doubles.   (10 points)
 *   w[k] = levels[code k] * scales[k / block], code k read from the nibble
 *   lab09.3 wrote it to.  Broken contract: a NULL pointer; n = 0; block = 0.
 *   Scales are used as they are (NaN propagates).
 */
int q_dequantize(const double *levels, const uint8_t *packed, const double *scales, size_t n,
                 size_t block, double *w);

/*
 * lab09.5  double quantization of the block scales.              (15 points)
 *   dq_quantize: scales (nb) -> codes (nb bytes, two's complement int8),
 *   gscales ((nb + group - 1) / group), *mean, as above.
 *   Broken contract: a NULL pointer; nb = 0; group = 0; a NaN or Inf in scales.
 *   dq_dequantize: codes, gscales, mean -> scales (nb):
 *   scales[k] = mean + gscales[k / group] (int8_t)codes[k] / 127.
 *   Broken contract: a NULL pointer; nb = 0; group = 0.
 *   q_bits_per_param: bits[0] = 4 + 32 / block (plain), bits[1] =
 *   4 + 8 / block + 32 / (block group) (with DQ), in double.
 *   Broken contract: bits NULL; block = 0; group = 0.
 *   Example: scales [1, 2, 3, 6], group 2: mean 3, c = [-2, -1, 0, 3],
 *   gscales [2, 3], q = [-127, -64 (-63.5 rounded away from 0), 0, 127],
 *   codes [0x81, 0xC0, 0x00, 0x7F].
 */
int dq_quantize(const double *scales, size_t nb, size_t group, uint8_t *codes, double *gscales,
                double *mean);
int dq_dequantize(const uint8_t *codes, const double *gscales, double mean, size_t nb,
                  size_t group, double *scales);
int q_bits_per_param(size_t block, size_t group, double *bits);

/*
 * lab09.6  qlora_forward: LoRA on a 4-bit base.                  (15 points)
 *   y (batch, d_out) = x W0q^T + (alpha / r) (x A^T) B^T, W0q the dequantized
 *   base (packed ((d_out d_in + 1) / 2 bytes), scales
 *   ((d_out d_in + block - 1) / block), levels (16)), dequantized block by
 *   block (above).  NaN and Inf in x, a, b follow IEEE arithmetic.
 *   Broken contract: a NULL pointer; batch, d_in, d_out, r or block = 0.
 */
int qlora_forward(const double *levels, const uint8_t *packed, const double *scales,
                  size_t block, const double *x, const double *a, const double *b, size_t batch,
                  size_t d_in, size_t d_out, size_t r, double alpha, double *y);

/*
 * lab09.7  qlora_grad: the adapters' gradients on a 4-bit base. (15 points)
 *   y as lab09.6, targets t (batch, d_out),
 *   *loss  = MSE = (1 / (batch d_out)) sum (y - t)^2
 *   dY     = 2 (y - t) / (batch d_out)                     (batch, d_out)
 *   grad_b = s dY^T (x A^T)       (d_out, r)     s = alpha / r
 *   grad_a = s (dY B)^T x         (r, d_in)
 *   The frozen base gets no gradient.  Broken contract as lab09.6.
 */
int qlora_grad(const double *levels, const uint8_t *packed, const double *scales, size_t block,
               const double *x, const double *t, const double *a, const double *b, size_t batch,
               size_t d_in, size_t d_out, size_t r, double alpha, double *loss, double *grad_a,
               double *grad_b);

#endif
