/* sx_hash.c - 64-bit string hash and the byte-string hash table (see sx_hash.h). */
#include "sx_hash.h"
#include "sx_err.h"
#include "sx_grow.h"

#include <stdlib.h>
#include <string.h>

/* The four odd constants of wyhash (Wang Yi, public domain); any 64-bit odd
 * constants with about half their bits set would do. */
static const uint64_t K0 = 0xa0761d6478bd642full, K1 = 0xe7037ed1a0b428dbull,
		      K2 = 0x8ebc6af09c88c6e3ull, K3 = 0x589965cc75374cc3ull;

/* 64x64 -> 128-bit product; *a gets the low half, *b the high half. */
static inline void mul128(uint64_t *a, uint64_t *b)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 r = (unsigned __int128)*a * *b;
	*a = (uint64_t)r;
	*b = (uint64_t)(r >> 64);
#else
	uint64_t ha = *a >> 32, la = (uint32_t)*a, hb = *b >> 32, lb = (uint32_t)*b;
	uint64_t rh = ha * hb, rm0 = ha * lb, rm1 = hb * la, rl = la * lb;
	uint64_t t = rl + (rm0 << 32), c = t < rl;
	uint64_t lo = t + (rm1 << 32);
	c += lo < t;
	*a = lo;
	*b = rh + (rm0 >> 32) + (rm1 >> 32) + c;
#endif
}

/* Multiply and fold the halves: the mixing step. */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
	mul128(&a, &b);
	return a ^ b;
}

static inline uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

uint64_t sx_fnv1a64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

uint64_t sx_hash64(const void *key, size_t len, uint64_t seed)
{
	const unsigned char *p = key;
	uint64_t a, b;
	seed ^= mum(seed ^ K0, K1);
	if (len <= 16) {
		if (len >= 4) {
			/* two overlapping 4-byte reads from each end cover 4..16 bytes */
			size_t mid = (len >> 3) << 2;
			a = (rd32(p) << 32) | rd32(p + mid);
			b = (rd32(p + len - 4) << 32) | rd32(p + len - 4 - mid);
		} else if (len > 0) {
			a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = len;
		if (i > 48) {
			/* three independent lanes keep the multiplier busy */
			uint64_t s1 = seed, s2 = seed;
			do {
				seed = mum(rd64(p) ^ K1, rd64(p + 8) ^ seed);
				s1 = mum(rd64(p + 16) ^ K2, rd64(p + 24) ^ s1);
				s2 = mum(rd64(p + 32) ^ K3, rd64(p + 40) ^ s2);
				p += 48;
				i -= 48;
			} while (i > 48);
			seed ^= s1 ^ s2;
		}
		while (i > 16) {
			seed = mum(rd64(p) ^ K1, rd64(p + 8) ^ seed);
			i -= 16;
			p += 16;
		}
		/* the last 16 bytes, overlapping what was already mixed */
		a = rd64(p + i - 16);
		b = rd64(p + i - 8);
	}
	a ^= K1;
	b ^= seed;
	mul128(&a, &b);
	return mum(a ^ K0 ^ (uint64_t)len, b ^ K1);
}

void sx_strmap_init(struct sx_strmap *m, size_t value_size)
{
	memset(m, 0, sizeof *m);
	m->vsize = value_size;
}

void sx_strmap_free(struct sx_strmap *m)
{
	free(m->e);
	free(m->slot);
	free(m->arena);
	free(m->val);
	sx_strmap_init(m, m->vsize);
}

void sx_strmap_clear(struct sx_strmap *m)
{
	if (m->nslots)
		memset(m->slot, 0, m->nslots * sizeof *m->slot);
	m->n = 0;
	m->alen = 0;
}

/* Re-place every entry into a table of NSLOTS slots. */
static void rehash(struct sx_strmap *m, size_t nslots)
{
	free(m->slot);
	m->slot = sx_xcalloc(nslots, sizeof *m->slot);
	m->nslots = nslots;
	size_t mask = nslots - 1;
	for (size_t i = 0; i < m->n; i++) {
		size_t s = (size_t)m->e[i].hash & mask;
		while (m->slot[s])
			s = (s + 1) & mask;
		m->slot[s] = (uint32_t)(i + 1);
	}
}

static size_t lookup(const struct sx_strmap *m, const void *key, size_t len, uint64_t h,
		     size_t *slot_out)
{
	size_t mask = m->nslots - 1, s = (size_t)h & mask;
	for (;;) {
		uint32_t v = m->slot[s];
		if (!v)
			break;
		const struct sx_strmap_entry *e = &m->e[v - 1];
		if (e->hash == h && e->len == len &&
		    (len == 0 || memcmp(m->arena + e->off, key, len) == 0))
			return v - 1;
		s = (s + 1) & mask;
	}
	*slot_out = s;
	return SX_STRMAP_NONE;
}

size_t sx_strmap_find(const struct sx_strmap *m, const void *key, size_t len)
{
	if (!m->n)
		return SX_STRMAP_NONE;
	size_t s;
	return lookup(m, key, len, sx_hash64(key, len, 0), &s);
}

size_t sx_strmap_findh(const struct sx_strmap *m, const void *key, size_t len, uint64_t hash)
{
	if (!m->n)
		return SX_STRMAP_NONE;
	size_t s;
	return lookup(m, key, len, hash, &s);
}

size_t sx_strmap_puth(struct sx_strmap *m, const void *key, size_t len, uint64_t h,
		      int *inserted)
{
	size_t s = 0, i;
	if (m->nslots) {
		i = lookup(m, key, len, h, &s);
		if (i != SX_STRMAP_NONE) {
			if (inserted)
				*inserted = 0;
			return i;
		}
	}
	if (inserted)
		*inserted = 1;
	if ((m->n + 1) * 4 > m->nslots * 3) {
		if (m->n >= UINT32_MAX - 1)
			sx_die(SX_EXIT_FAIL, "hash table: too many entries");
		rehash(m, m->nslots ? m->nslots * 2 : 8);
		size_t mask = m->nslots - 1;
		for (s = (size_t)h & mask; m->slot[s]; s = (s + 1) & mask)
			;
	}
	if (m->n == m->ecap) {
		m->ecap = sx_grow_cap(m->ecap, m->n + 1);
		SX_REALLOC_ARRAY(m->e, m->ecap);
		if (m->vsize)
			m->val = sx_xreallocarray(m->val, m->ecap, m->vsize);
	}
	if (len > SIZE_MAX - m->alen)
		sx_die(SX_EXIT_FAIL, "hash table: keys too large");
	SX_GROW(m->arena, m->alen + len, m->acap);
	i = m->n++;
	if (len)
		memcpy(m->arena + m->alen, key, len);
	m->e[i].hash = h;
	m->e[i].off = m->alen;
	m->e[i].len = len;
	m->alen += len;
	if (m->vsize)
		memset(m->val + i * m->vsize, 0, m->vsize);
	m->slot[s] = (uint32_t)(i + 1);
	return i;
}

size_t sx_strmap_put(struct sx_strmap *m, const void *key, size_t len, int *inserted)
{
	return sx_strmap_puth(m, key, len, sx_hash64(key, len, 0), inserted);
}
