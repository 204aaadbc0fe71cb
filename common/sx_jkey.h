/*
 * sx_jkey.h - join keys: one canonical byte string for the values of a
 * record's key fields, equal for two records exactly when their keys are
 * equal as JSON values (SPEC section 4).  sx-join hashes and compares these
 * strings; it builds one per record, once.
 *
 * Equality, value by value:
 *   numbers          by exact decimal value, never through a double: 1, 1.0,
 *                    1e0, 10e-1 and 0.1E1 are equal, -0 equals 0, and
 *                    12345678901234567890 differs from 12345678901234567891;
 *   strings          by their decoded bytes ("A" equals "\u0041");
 *   true, false      themselves; a string never equals a number or a boolean;
 *   objects, arrays  by their text without insignificant whitespace;
 *   null or missing  no key at all: the record matches nothing (SQL).
 * Each value is written as a type tag, its length (LEB128) and its canonical
 * bytes, so the tuple ("a","bc") never equals ("ab","c").
 *
 * This is deliberately not count_distinct's equality (sx_agg.c: integers to
 * int64, other numbers as doubles), which is hashed into HyperLogLog state
 * files and so cannot change.
 *
 * Ownership: a key set borrows its field names for its lifetime.  The key text
 * lives in the set's buffer until the next sx_jkey_make; the buffers are
 * reused, so once grown, building a key allocates nothing.
 */
#ifndef SX_JKEY_H
#define SX_JKEY_H

#include <stddef.h>
#include <stdint.h>
#include "sx_buf.h"
#include "sx_json.h"

struct sx_jkey {
	char *const *names;      /* key field names (decoded), borrowed */
	size_t *lens;
	int n;
	struct sx_buf key;       /* the last key built */
	uint64_t hash;           /* sx_hash64 of it */
	struct sx_buf scratch;
};

void sx_jkey_init(struct sx_jkey *k, char *const *names, int n);
void sx_jkey_free(struct sx_jkey *k);

/* Build REC's key into k->key and k->hash: 1, or 0 when a key field is null
 * or missing (the record can match nothing). */
int sx_jkey_make(struct sx_jkey *k, const struct sx_rec *rec);

/* Append the canonical form of one value (tag, length, bytes): 0, or -1 for
 * null (B unchanged).  SCRATCH receives decoded or compacted text. */
int sx_jkey_value(struct sx_buf *b, const struct sx_field *f, struct sx_buf *scratch);

#endif
