/*
 * sx_joinrow.h - the rows sx-join writes (SPEC section 4), for stream pairs
 * and reference enrichment alike ("right" is then the reference row).
 *
 * A joined row is the left record's fields, then the right record's, less
 * the right join keys whose names equal their left keys' names (equal by
 * definition).  Any other right field whose name the left record already has
 * is renamed with the prefix ("right_"), again while the new name is still
 * taken (by a left field, a right field, or a name already renamed in this
 * row), so a row never holds one name twice unless an input did.  Fields
 * keep their order; values are copied unchanged, without whitespace, as
 * every sx tool writes records.  A left record alone is written as it came,
 * compacted.
 *
 * Ownership: the writer borrows the key names and the prefix for its
 * lifetime and owns its scratch buffers; records are borrowed per call.
 */
#ifndef SX_JOINROW_H
#define SX_JOINROW_H

#include <stddef.h>
#include "sx_buf.h"
#include "sx_json.h"
#include "sx_out.h"

struct sx_joinrow {
	const char **drop;          /* right field names not written */
	size_t *drop_len;
	int ndrop;
	const char *prefix;
	size_t plen;
	struct sx_buf left, name, cand, val, taken;
};

/* Keys LKEYS[i] = RKEYS[i]; the right keys named like their left key are dropped. */
void sx_joinrow_init(struct sx_joinrow *j, char *const *lkeys, char *const *rkeys, int nkeys,
		     const char *prefix);
void sx_joinrow_free(struct sx_joinrow *j);

/* LEFT joined with the right fields RF[0, RN) (RCOMPACT: their values hold no
 * whitespace), one line to O. */
void sx_joinrow_write(struct sx_joinrow *j, struct sx_out *o, const struct sx_rec *left,
		      const struct sx_field *rf, size_t rn, int rcompact);

/* LEFT alone, one line to O. */
void sx_joinrow_write_left(struct sx_joinrow *j, struct sx_out *o, const struct sx_rec *left);

#endif
