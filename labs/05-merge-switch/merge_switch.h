/*
 * merge_switch.h - Lab 05: merging an adapter into its base weight, taking it
 * out again, switching tasks, and what float rounding does to all of that.
 * The contract of every function you write in merge_switch.c.  Do not edit
 * this file: the grader compiles your merge_switch.c against its own copy.
 *
 * THE KIT'S CONVENTION (row-major, PEFT layout, as in labs 02 and 03)
 *   W0 (d_out, d_in)  frozen base weight      bias (d_out,)
 *   A  (r, d_in)      "lora_A" in PEFT        B (d_out, r)  "lora_B" in PEFT
 *   s = alpha / r     the scaling (lab03.2, standard kind)
 *   one input row x (d_in,) -> y = x W0^T + bias + s (x A^T) B^T   (d_out,)
 *   The merged weight is W = W0 + s B A  (d_out, d_in): then y = x W^T + bias.
 *   An (m, n) matrix M keeps M[i][j] at m[i * n + j].
 *   The course writes the paper's column form h = W0 x + s B A x
 *   with W0 (d, k), B (d, r), A (r, k): the same arrays with d = d_out and
 *   k = d_in, so every formula below is the course's formula unchanged.
 *
 * RULES FOR EVERY FUNCTION HERE
 *   - "in place" functions update w and nothing else; every other pointer is
 *     const and stays bit for bit what it was.
 *   - Arguments: each function checks them first and, when one breaks the
 *     contract, calls LAB_REQUIRE (lab.h), which prints
 *     "merge_switch.c: <function>: <what was wrong>" and returns LAB_EARG
 *     before anything is written.  Otherwise it returns LAB_OK.
 *     Broken contract everywhere: a NULL pointer, d_in == 0, d_out == 0,
 *     r == 0, alpha NaN or infinite; more cases are listed per function.
 *   - Tolerance: the grader accepts |got - expected| <= 1e-9 * max(1, |expected|)
 *     per entry (your sums may run in another order), except where a
 *     contract below says "exactly" or gives its own bound.
 *   - Helpers from matrix.h may be used; no other headers than the C library's.
 */
#ifndef LORALAB_MERGE_SWITCH_H
#define LORALAB_MERGE_SWITCH_H

#include <stddef.h>

#include "lab.h"

/*
 * lab05.1  lora_merge: fold the adapter into the weight, in place.  (10 points)
 *   w (d_out, d_in) in/out, a (r, d_in), b (d_out, r):
 *     w[i][j] += (alpha / r) * sum_k b[i][k] a[k][j]
 *   The scaling is alpha / r, not alpha.  Compute the whole product term of an
 *   entry first, then add it to w once (the order lab05.6 fixes for floats).
 *   Example (the course's lifecycle, alpha = r = 2, s = 1): W0 = I4,
 *   B_A = [[.1,0],[0,.2],[-.1,0],[0,-.1]], A_A = [[.3,0,-.1,0],[0,.1,0,-.2]]
 *   gives W_A = [[1.03,0,-.01,0],[0,1.02,0,-.04],[-.03,0,1.01,0],[0,-.01,0,1.02]],
 *   and W_A [1,0,0,0]^T = [1.03, 0, -0.03, 0].
 */
int lora_merge(double *w, const double *a, const double *b, size_t d_in, size_t d_out,
               size_t r, double alpha);

/*
 * lab05.2  lora_unmerge: take the adapter out again, in place.  (6 points)
 *   w[i][j] -= (alpha / r) * sum_k b[i][k] a[k][j]
 *   merge then unmerge gives W0 back within the tolerance (not always bit for
 *   bit: (w + d) - d rounds).  With b all zero, w stays exactly as it was.
 */
int lora_unmerge(double *w, const double *a, const double *b, size_t d_in, size_t d_out,
                 size_t r, double alpha);

/*
 * lab05.3  lora_switch: from task 1 to task 2 in one step, in place.  (10 points)
 *   Both adapters have the same shapes, r and alpha.  w holds W0 + s B1 A1:
 *     w[i][j] += s * (sum_k b2[i][k] a2[k][j] - sum_k b1[i][k] a1[k][j])
 *   i.e. the course's W' = W + (alpha/r)(B2 A2 - B1 A1): subtract the old
 *   adapter AND add the new one.  Afterwards w equals W0 + s B2 A2 within the
 *   tolerance, without W0 ever being read.  Compute the difference of the two
 *   products for an entry, scale it, then add it once.
 *   Example: the lifecycle's W_A switched to the kit's Task B (README) gives
 *   W_B = W0 + B_B A_B.
 */
int lora_switch(double *w, const double *a1, const double *b1, const double *a2,
                const double *b2, size_t d_in, size_t d_out, size_t r, double alpha);

/*
 * lab05.4  lora_to_linear: the adapted layer as a plain linear layer.  (8 points)
 *   Inputs w0 (d_out, d_in), bias (d_out), a, b, alpha.  Outputs (new arrays):
 *     w_out (d_out, d_in) = W0 + s B A,      bias_out (d_out) = bias, exactly
 *   The plain layer x -> x w_out^T + bias_out then gives the same outputs as
 *   the unmerged forward x W0^T + bias + s (x A^T) B^T within
 *   1e-12 * (1 + sum_j |x_j| (|W0[i][j]| + |s (B A)[i][j]|)) per output entry
 *   (the two only round differently); the grader checks that on random
 *   batches, along with w_out itself.
 */
int lora_to_linear(const double *w0, const double *bias, const double *a, const double *b,
                   size_t d_in, size_t d_out, size_t r, double alpha, double *w_out,
                   double *bias_out);

/*
 * lab05.5  lora_swap_count: how many numbers a task switch moves.  (5 points)
 *   For n_matrices adapted (d_out, d_in) weights of rank r, write
 *     swap[0]   = n_matrices * 2 * r * (d_in + d_out)
 *                 (the old B and A to subtract plus the new B and A to add:
 *                 the size a switch "uses" in the README's definition; it
 *                 "reads" half of it, the new adapter, from storage)
 *     reload[0] = n_matrices * d_out * d_in   (the merged weights read again)
 *   as doubles (exact up to 2^53; a count past that is LAB_EARG, as is
 *   n_matrices == 0).  Examples: the course's toy, d_in = d_out = 4, r = 2,
 *   one matrix: swap 32, reload 16.  GPT-3 (d = 12288, r = 4, W_q and W_v in
 *   96 layers, n_matrices = 192): swap 37,748,736, reload 28,991,029,248.
 */
int lora_swap_count(size_t d_in, size_t d_out, size_t r, size_t n_matrices, double *swap,
                    double *reload);

/*
 * lab05.6  lora_switch_f32: lab05.3 in single precision.  (7 points)
 *   The same switch on float arrays, computing in float only:
 *     for each (i, j): p2 = sum_k b2[i][k] * a2[k][j]   (k ascending, float)
 *                      p1 = sum_k b1[i][k] * a1[k][j]   (k ascending, float)
 *                      w[i][j] += scale * (p2 - p1)     (float)
 *   scale is the float alpha / r the caller already computed (finite, else
 *   LAB_EARG).  Every float operation rounds to 24 bits.  Back and forth
 *   between two tasks the two deltas are exact negatives, yet
 *   fl(fl(w + d) - d) is not always w: after the first round trip w repeats
 *   a 2-cycle and stays within one rounding; round three tasks (A -> B -> C -> A ...) the computed
 *   deltas do not sum to exactly 0 and w drifts away from W0 + s B A.  The
 *   grader drives your function through 3000 switches round three tasks and
 *   checks the drift is what float rounding gives (within a factor of 8 of
 *   the reference's, and at least 1e-5), not far larger.
 */
int lora_switch_f32(float *w, const float *a1, const float *b1, const float *a2,
                    const float *b2, size_t d_in, size_t d_out, size_t r, float scale);

/*
 * lab05.7  lora_switch_from_base: a switch that cannot drift.  (8 points)
 *   Keep a copy of W0 next to the served weight and re-derive instead of
 *   adding differences:  w = W0 + s B_new A_new  (overwrite every entry of w).
 *   Inputs w0, a_new, b_new; w is the output (its old contents are ignored).
 *   Compute each entry as w0[i][j] + s * sum_k b_new[i][k] a_new[k][j] in that
 *   order: then any number of switches leaves w bit for bit equal to one
 *   merge of the current task into W0.  The grader switches 3000 times
 *   round three tasks and demands |w - (W0 + s B A)| <= 1e-15 * max(1, |.|)
 *   (lab05.3 is allowed 1e-9 there).
 */
int lora_switch_from_base(double *w, const double *w0, const double *a_new,
                          const double *b_new, size_t d_in, size_t d_out, size_t r,
                          double alpha);

/*
 * THE COURSE'S QUESTIONS (lesson 1, "Apply"): what adapter layers cost a
 * server.  An adapter in series adds latency to every request; at 100 %
 * utilization a GPU does one GPU-second of work per second, so a load of
 * requests_per_s requests of ms milliseconds each keeps
 *     g = ms * requests_per_s / 1000      GPUs busy (GPU-seconds per second).
 * Arguments for both: every number finite, 0 <= ms_without <= ms_with,
 * requests_per_s >= 0, and g <= 1e15 for both latencies; else LAB_EARG and
 * nothing written.
 */

/*
 * lab05.11  adapter_overhead_gpu_seconds_per_hour.  (4 points)
 *   *gpu_seconds = (ms_with - ms_without) * requests_per_s / 1000 * 3600:
 *   the extra GPU-seconds the slower path costs in one hour of traffic.
 *   Tolerance 1e-9 relative (any order of the operations passes).
 *   Example (the course: GPT-2 medium with Houlsby adapters, batch 1,
 *   25.8 ms against 19.8 ms, 500 requests/s): 6 ms x 500/s = 3 GPU-seconds
 *   per second -> 10,800 GPU-seconds per hour.
 */
int adapter_overhead_gpu_seconds_per_hour(double ms_with, double ms_without,
                                          double requests_per_s, double *gpu_seconds);

/*
 * lab05.12  extra_gpus_needed: whole GPUs to add to keep the same throughput.
 *   (5 points)  A fleet serving a load g needs whole(g) GPUs, where
 *     whole(x) = ceil(x - 1e-9 * max(1, x))
 *   (round up, but a load that is a whole number up to rounding error, such
 *   as 16.8 / 1000 * 1250 = 21.000000000000004, needs 21 GPUs, not 22).
 *   *gpus = whole(g_with) - whole(g_without), an exact whole number: the
 *   fleet with adapters minus the fleet without.  This is not always
 *   whole(g_with - g_without): 500 requests/s at 20.2 ms need 11 GPUs
 *   (10.1 busy), at 25.8 ms 13 (12.9 busy), so 2 more, although the
 *   overhead alone is 2.8 GPUs.
 *   Example (the course): 12.9 busy with adapters, 9.9 without -> 13 - 10 = 3.
 */
int extra_gpus_needed(double ms_with, double ms_without, double requests_per_s,
                      double *gpus);

#endif
