/*
 * safetensors.h - Lab 05: saving and loading one LoRA module in the
 * safetensors format with PEFT's key names, and PEFT's adapter_config.json.
 * The contract of every function you write in safetensors.c.  Do not edit
 * this file: the grader compiles your safetensors.c against its own copy.
 *
 * THE FORMAT (huggingface safetensors; every number little-endian)
 *   bytes [0, 8)        N, the header length, an unsigned 64-bit integer
 *   bytes [8, 8 + N)    the header: one JSON object, UTF-8
 *   bytes [8 + N, end)  the data section: every tensor's raw bytes
 *   The header maps each tensor name to
 *       {"dtype": "F32"|"F64"|"F16"|"BF16", "shape": [d0, d1, ...],
 *        "data_offsets": [begin, end]}
 *   where begin and end count bytes FROM THE START OF THE DATA SECTION (not
 *   from the start of the file), end - begin = (product of shape) * (size of
 *   dtype), and the tensor's elements lie there row-major, little-endian.
 *   An optional "__metadata__" entry maps strings to strings.  Writers pad
 *   the header with spaces (0x20) so that N is a multiple of 8 (then the data
 *   starts 8-aligned).
 *
 * PEFT'S NAMES AND SHAPES for a module at path P (e.g. "model.layers.0.self_attn.q_proj"):
 *   "base_model.model." P ".lora_A.weight"  A, shape [r, d_in]
 *   "base_model.model." P ".lora_B.weight"  B, shape [d_out, r]
 *   The kit's A (r, d_in) and B (d_out, r) are exactly these arrays.
 *
 * RULES (as in merge_switch.h): inputs are const; argument errors and
 * malformed files call LAB_REQUIRE, which prints
 * "safetensors.c: <function>: <what was wrong>" and returns LAB_EARG.
 * A decoder must never read outside [buf, buf + n) nor write outside its
 * output arrays, whatever the bytes say: the grader feeds it hundreds of
 * truncated and corrupted files and a crash fails the test.
 */
#ifndef LORALAB_SAFETENSORS_H
#define LORALAB_SAFETENSORS_H

#include <stddef.h>

#include "lab.h"

/* Element types this lab writes (lab05.8); the decoder also reads F16, BF16. */
enum st_dtype {
    ST_F32 = 0, /* "F32", 4 bytes, IEEE single */
    ST_F64 = 1  /* "F64", 8 bytes, IEEE double */
};

/* Longest module path (bytes, without the terminating NUL). */
#define ST_MODULE_MAX 200

/*
 * lab05.8  st_encode_lora: one module's A and B as safetensors bytes.  (16 points)
 *   module: the path P, 1..ST_MODULE_MAX bytes, each a letter, digit, '.' or
 *   '_' (else LAB_EARG).  a (r, d_in), b (d_out, r), dtype ST_F32 or ST_F64
 *   (values are converted to it; F32 rounds to nearest).
 *   Writes the file into buf (capacity cap bytes) and its length into
 *   len[0].  The header text is exactly, with no spaces between tokens,
 *     {"__metadata__":{"format":"pt"},"<KA>":{"dtype":"<T>","shape":[r,d_in],
 *      "data_offsets":[0,SA]},"<KB>":{"dtype":"<T>","shape":[d_out,r],
 *      "data_offsets":[SA,SA+SB]}}
 *   (one line; KA, KB the PEFT names; T "F32" or "F64"; numbers in decimal;
 *   SA, SB the byte sizes of A and B) followed by spaces up to a multiple of
 *   8.  Then A's bytes, then B's.  The file is 8 + N + SA + SB bytes; if cap
 *   is smaller, return LAB_EARG and write nothing.  So is a file of more than
 *   SIZE_MAX bytes (add the sizes without overflow: a wrapped sum must not
 *   pass for a small file).
 *   Example: module "m", r = 1, d_in = 1, d_out = 1, F32: the header text is
 *   204 bytes, padded with 4 spaces to N = 208, and the file is 8 + 208 + 8 = 224 bytes.
 */
int st_encode_lora(const char *module, const double *a, const double *b, size_t d_in,
                   size_t d_out, size_t r, long long dtype, unsigned char *buf, size_t cap,
                   size_t *len);

/*
 * lab05.9  st_decode_lora: read one module's A and B back.  (22 points)
 *   buf holds n bytes of a safetensors file (any valid one: other key order,
 *   whitespace, escapes in strings, no metadata, other tensors besides the
 *   pair).  It must hold exactly one pair of tensors named
 *   "base_model.model.P.lora_A.weight" and "base_model.model.P.lora_B.weight"
 *   with the same P; other tensors are checked like these and then ignored.
 *   Outputs: module (capacity module_cap bytes) the path P, NUL-terminated;
 *   a (capacity cap_a doubles) and b (capacity cap_b) the values as doubles
 *   (F16 and BF16 converted exactly, +-Inf and NaN included); dims[0..2] =
 *   d_in, d_out, r (as size_t).
 *   A round trip through lab05.8 with F64 is bit for bit.
 *   LAB_EARG, and nothing is written, when any of these holds:
 *     n < 8; N > n - 8; N == 0; the header is not one JSON object (a syntax
 *     error, trailing bytes other than whitespace, nesting deeper than 16);
 *     a tensor entry lacks dtype, shape or data_offsets or has other fields;
 *     a tensor name twice; more than 64 tensors; a string (name, dtype,
 *     metadata) longer than 511 bytes; a \u escape without 4 hex digits
 *     (0-9, a-f, A-F); \u0000 or a lone surrogate (\uD800..\uDBFF not
 *     followed by a \uDC00..\uDFFF escape, or \uDC00..\uDFFF without one
 *     before it);
 *     an unknown dtype; a shape that is not a list of at most 8 non-negative
 *     integers (exactly 2 for the pair); offsets that are not 2 integers with
 *     begin <= end; end past the data section (8 + N + end > n);
 *     end - begin != elements * dtype size (check the product for overflow);
 *     two tensors' byte ranges overlap; the ranges leave a hole or bytes
 *     after the last tensor (the data section must be exactly covered);
 *     no lora_A or no lora_B, more than one pair, or A and B with different P;
 *     shapes that disagree (A [r, d_in], B [d_out, r] with the same r;
 *     r, d_in and d_out all > 0);
 *     P longer than module_cap - 1 or r * d_in > cap_a or d_out * r > cap_b.
 *   "__metadata__", when present, must be an object of string values.
 *   Integers in the header: one or more decimal digits only (no sign,
 *   fraction, exponent or leading zero: 0 is one, 024 is an error), below 2^64.
 */
int st_decode_lora(const unsigned char *buf, size_t n, char *module, size_t module_cap,
                   double *a, size_t cap_a, double *b, size_t cap_b, size_t *dims);

/*
 * lab05.10  peft_config_json: PEFT's adapter_config.json.  (8 points)
 *   targets: module names separated by commas, e.g. "q_proj,v_proj" (each
 *   1.. bytes of letters, digits, '.', '_'; no empty name).  Writes exactly
 *     {"peft_type": "LORA", "r": <r>, "lora_alpha": <alpha>, "target_modules": ["q_proj", "v_proj"]}
 *   plus one '\n' into out (capacity cap), NUL-terminated, and its length
 *   without the NUL into len[0].  <r> in decimal; <alpha> printed with "%.17g"
 *   (16 -> 16, 0.5 -> 0.5).  r == 0, alpha not finite or <= 0, a bad target
 *   list, or cap too small (length + 1 > cap): LAB_EARG, nothing written.
 */
int peft_config_json(size_t r, double alpha, const char *targets, char *out, size_t cap,
                     size_t *len);

/*
 * Provided, not graded (visible tests run them): the same as files.
 *   st_save_adapter writes DIR/adapter_model.safetensors and
 *   DIR/adapter_config.json (the directory must exist);
 *   st_load_lora reads one .safetensors file with st_decode_lora.
 */
int st_save_adapter(const char *dir, const char *module, const double *a, const double *b,
                    size_t d_in, size_t d_out, size_t r, double alpha, long long dtype);
int st_load_lora(const char *path, char *module, size_t module_cap, double *a, size_t cap_a,
                 double *b, size_t cap_b, size_t *dims);

#endif
