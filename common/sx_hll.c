/* sx_hll.c - HyperLogLog distinct counting (see sx_hll.h). */
#include "sx_hll.h"
#include "sx_err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sx_hll_free(struct sx_hll *h)
{
	free(h->set);
	free(h->reg);
}

void sx_hll_reset(struct sx_hll *h)
{
	if (h->setcap)
		memset(h->set, 0, h->setcap * sizeof *h->set);
	h->setn = 0;
	h->dense = 0;
}

static void reg_add(uint8_t *reg, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> SX_HLL_Q);
	uint64_t w = h << SX_HLL_P;
	uint8_t rho = (uint8_t)(w ? __builtin_clzll(w) + 1 : SX_HLL_Q + 1);
	if (reg[idx] < rho)
		reg[idx] = rho;
}

void sx_hll_to_dense(struct sx_hll *h)
{
	if (!h->reg)
		h->reg = sx_xcalloc(SX_HLL_M, 1);
	else
		memset(h->reg, 0, SX_HLL_M);
	for (size_t i = 0; i < h->setcap; i++)
		if (h->set[i]) {
			reg_add(h->reg, h->set[i]);
			h->set[i] = 0;
		}
	h->setn = 0;
	h->dense = 1;
}

static int set_insert(uint64_t *set, size_t cap, uint64_t x)
{
	size_t mask = cap - 1, i = (size_t)x & mask;
	while (set[i]) {
		if (set[i] == x)
			return 0;
		i = (i + 1) & mask;
	}
	set[i] = x;
	return 1;
}

void sx_hll_add(struct sx_hll *h, uint64_t x)
{
	if (h->dense) {
		reg_add(h->reg, x);
		return;
	}
	if (!x)
		x = 1;          /* 0 marks an empty slot */
	if ((h->setn + 1) * 4 > h->setcap * 3) {
		if (h->setn + 1 > SX_HLL_EXACT_MAX) {
			sx_hll_to_dense(h);
			reg_add(h->reg, x);
			return;
		}
		size_t ncap = h->setcap ? h->setcap * 2 : 16;
		uint64_t *ns = sx_xcalloc(ncap, sizeof *ns);
		for (size_t i = 0; i < h->setcap; i++)
			if (h->set[i])
				set_insert(ns, ncap, h->set[i]);
		free(h->set);
		h->set = ns;
		h->setcap = ncap;
	}
	h->setn += (size_t)set_insert(h->set, h->setcap, x);
}

void sx_hll_merge(struct sx_hll *dst, const struct sx_hll *src)
{
	if (src->dense) {
		if (!dst->dense)
			sx_hll_to_dense(dst);
		for (uint32_t j = 0; j < SX_HLL_M; j++)
			if (dst->reg[j] < src->reg[j])
				dst->reg[j] = src->reg[j];
	} else {
		for (size_t j = 0; j < src->setcap; j++)
			if (src->set[j])
				sx_hll_add(dst, src->set[j]);
	}
}

/* Ertl, "New cardinality estimation algorithms for HyperLogLog sketches"
 * (2017): the improved raw estimator. */
static double sigma(double x)
{
	if (x == 1.0)
		return INFINITY;
	double y = 1.0, z = x, zp;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (zp != z);
	return z;
}

static double tau(double x)
{
	if (x == 0.0 || x == 1.0)
		return 0.0;
	double y = 1.0, z = 1.0 - x, zp;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1.0 - x) * (1.0 - x) * y;
	} while (zp != z);
	return z / 3.0;
}

uint64_t sx_hll_estimate(const struct sx_hll *h)
{
	if (!h->dense)
		return h->setn;
	unsigned c[SX_HLL_Q + 2] = {0};
	for (uint32_t i = 0; i < SX_HLL_M; i++)
		c[h->reg[i]]++;
	double m = SX_HLL_M;
	double z = m * tau((m - c[SX_HLL_Q + 1]) / m);
	for (int k = SX_HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * sigma(c[0] / m);
	return (uint64_t)llround(m * m / (2.0 * log(2.0)) / z);
}
