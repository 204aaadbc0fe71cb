/*
 * sx_hll.h - HyperLogLog distinct counting (approx_count_distinct).
 *
 * A sketch holds an exact set of 64-bit hashes while it is small (at most
 * SX_HLL_EXACT_MAX, 8 KB), so small counts are exact; past that it becomes
 * dense: 2^SX_HLL_P one-byte registers (16 KB), merged by maximum, estimated
 * with Ertl's improved raw estimator (unbiased from 0 to far beyond 1e9, no
 * bias tables).  Callers hash their values themselves (sx_hash64 with a
 * fixed seed), so a saved sketch means the same on every host.
 *
 * Ownership: a sketch owns its set and registers; all-zero is an empty
 * sketch; reset keeps the allocations for reuse.
 */
#ifndef SX_HLL_H
#define SX_HLL_H

#include <stddef.h>
#include <stdint.h>

#define SX_HLL_P 14
#define SX_HLL_M (1u << SX_HLL_P)          /* registers */
#define SX_HLL_Q (64 - SX_HLL_P)           /* a register holds 0..SX_HLL_Q+1 */
#define SX_HLL_EXACT_MAX 768               /* exact set at most 1024 slots */

struct sx_hll {
	uint64_t *set;         /* open addressing, 0 = empty slot */
	size_t setn, setcap;
	uint8_t *reg;          /* allocated when first dense; kept by reset */
	int dense;
};

void sx_hll_free(struct sx_hll *h);
void sx_hll_reset(struct sx_hll *h);
/* Add one hashed value. */
void sx_hll_add(struct sx_hll *h, uint64_t x);
/* Fold SRC into DST (different sketches). */
void sx_hll_merge(struct sx_hll *dst, const struct sx_hll *src);
/* Turn H dense (an empty register array if it held nothing): for loading
 * registers saved from a dense sketch into h->reg. */
void sx_hll_to_dense(struct sx_hll *h);
uint64_t sx_hll_estimate(const struct sx_hll *h);

#endif
