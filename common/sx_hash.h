/*
 * sx_hash.h - a 64-bit hash of byte strings and a hash table keyed by them.
 *
 * sx_hash64() is a wyhash-style hash: 16 bytes at a time are folded with a
 * 64x64->128-bit multiply whose halves are xored ("mum"), so every input bit
 * reaches every output bit in two rounds; the tail is read with overlapping
 * loads, and the length is mixed in last.  It is fast on short keys (group-by
 * values, distinct values) and good enough for HyperLogLog, which needs
 * uniformly distributed high bits.  Not cryptographic: do not key it with
 * attacker-chosen seeds.  Bytes are read as little-endian on every host, so a
 * hash (and a HyperLogLog saved to a state file) is the same everywhere.
 *
 * struct sx_strmap is an open-addressing table (linear probing, power-of-two
 * slots, at most 3/4 full) mapping byte-string keys to entries numbered 0, 1,
 * 2... in insertion order.  The entry number is stable for the life of the
 * map (until clear), so callers can keep it; each entry may carry a
 * fixed-size value slot (VALUE_SIZE bytes, zeroed on insert).  Lookups
 * allocate nothing; inserts grow the arrays geometrically.
 *
 * Ownership: the map copies each key into its own arena; key and value
 * pointers it returns stay valid only until the next insert (the arena and
 * value array may move); entry numbers stay valid until clear/free.
 */
#ifndef SX_HASH_H
#define SX_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t sx_hash64(const void *p, size_t len, uint64_t seed);

/* FNV-1a 64 of a byte string: slower than sx_hash64, but its values are
 * fixed by its definition, so sx-ingest --shard puts a key on the same
 * shard in every version (the shard is key hash mod N). */
uint64_t sx_fnv1a64(const void *p, size_t n);

#define SX_STRMAP_NONE ((size_t)-1)

struct sx_strmap_entry {
	uint64_t hash;
	size_t off, len;         /* key bytes at arena + off */
};

struct sx_strmap {
	struct sx_strmap_entry *e;   /* entries in insertion order */
	size_t n, ecap;
	uint32_t *slot;              /* entry number + 1; 0 = empty */
	size_t nslots;               /* 0 (nothing allocated yet) or a power of two */
	char *arena;
	size_t alen, acap;
	unsigned char *val;          /* n * vsize bytes */
	size_t vsize;
};

/* An empty map whose entries carry VALUE_SIZE bytes each (0 for a set).
 * Allocates nothing until the first insert. */
void sx_strmap_init(struct sx_strmap *m, size_t value_size);
void sx_strmap_free(struct sx_strmap *m);
/* Remove every entry, keeping the allocations. */
void sx_strmap_clear(struct sx_strmap *m);

/* The entry for KEY, inserting it (key copied, value zeroed) when absent;
 * *inserted (if not NULL) says which.  sx_strmap_puth takes a hash already
 * computed with sx_hash64(key, len, 0). */
size_t sx_strmap_put(struct sx_strmap *m, const void *key, size_t len, int *inserted);
size_t sx_strmap_puth(struct sx_strmap *m, const void *key, size_t len, uint64_t hash,
		      int *inserted);
/* The entry for KEY, or SX_STRMAP_NONE; sx_strmap_findh with its hash
 * already computed (sx_hash64(key, len, 0)). */
size_t sx_strmap_find(const struct sx_strmap *m, const void *key, size_t len);
size_t sx_strmap_findh(const struct sx_strmap *m, const void *key, size_t len, uint64_t hash);

static inline size_t sx_strmap_count(const struct sx_strmap *m)
{
	return m->n;
}

/* Key of entry I (not NUL-terminated) and its length. */
static inline const char *sx_strmap_key(const struct sx_strmap *m, size_t i, size_t *len)
{
	*len = m->e[i].len;
	return *len ? m->arena + m->e[i].off : ""; /* the arena may still be NULL */
}

/* Value slot of entry I (NULL for a map without values). */
static inline void *sx_strmap_value(const struct sx_strmap *m, size_t i)
{
	return m->vsize ? m->val + i * m->vsize : NULL;
}

#endif
