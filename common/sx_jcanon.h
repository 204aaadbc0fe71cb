/*
 * sx_jcanon.h - one canonical JSON text per JSON value: two values have the
 * same canonical text exactly when they are equal as sx-join compares keys
 * (sx_jkey.h): numbers by exact decimal value (1, 1.0, 1e0 and 10e-1 are
 * equal; -0 is 0; never through a double), strings by their decoded bytes
 * ("A" and "\u0041"), objects and arrays by their text without whitespace.
 * Unlike a join key, null is a value here (sx-window's group of records whose
 * key is null or missing).  sx-window groups by it; sx-ingest --shard-key
 * hashes it.
 *
 * The canonical text:
 *   strings   the decoded bytes quoted with the fewest escapes ("\u0041" is
 *             "A", "\/" is "/"; only '"', '\', and control bytes escaped);
 *   numbers   an integer when the value is one with at most 21 trailing
 *             zeros (1.0 and 1e0 are 1, 1e21 is 1000000000000000000000);
 *             else plain decimals when the point is at most 6 places left
 *             of the first digit (0.5, 123.25, 0.000001); else one digit,
 *             the rest after a point, and an exponent (1e22, 1.5e-7);
 *             a number whose exponent is beyond +-10^12 keeps its text;
 *   others    their text without insignificant whitespace.
 * Most key texts are canonical already (strings without a backslash, plain
 * integers, compact objects): sx_jcanon_is_canonical says so without copying.
 *
 * Ownership: functions append to the caller's buffers; nothing is kept.
 */
#ifndef SX_JCANON_H
#define SX_JCANON_H

#include <stddef.h>
#include "sx_buf.h"
#include "sx_json.h"

/* 1 when F's text is its canonical text (COMPACT: F comes from a record
 * with no whitespace outside strings). */
int sx_jcanon_is_canonical(const struct sx_field *f, int compact);
/* Append F's canonical text to B; SCRATCH receives decoded text. */
void sx_jcanon_field(struct sx_buf *b, const struct sx_field *f, struct sx_buf *scratch);
/* Append the canonical text of a JSON number (valid syntax). */
void sx_jcanon_number(struct sx_buf *b, const char *s, size_t len);
/* Append the canonical text of the JSON value P (any whitespace around):
 * 0, or -1 when P is not one valid JSON value (B unchanged). */
int sx_jcanon_text(struct sx_buf *b, const char *p, size_t len, struct sx_buf *scratch);

#endif
