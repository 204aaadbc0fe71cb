/*
 * sx_json.h - the NDJSON record: a validated line plus the location of each
 * top-level field, found in one pass without building a tree.
 *
 * sx_rec_parse() checks the whole line against RFC 8259 (grammar, escapes,
 * UTF-8, surrogate pairs, nesting depth) and records, for each top-level
 * member, where its key and value text lie.  Tools then read only the fields
 * they need (sx_rec_get) and write the line back as it came, or with a few
 * values spliced in: no per-event allocation once the field array has grown.
 * jansson remains the way to build or edit whole objects off the hot path.
 *
 * Ownership: a record points into the caller's line buffer; it is valid until
 * that buffer changes.  Keys and string values are raw (still escaped); use
 * sx_json_unescape() to get their decoded bytes.
 */
#ifndef SX_JSON_H
#define SX_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "sx_buf.h"

struct sx_out;

enum sx_jtype {
	SX_JNULL, SX_JFALSE, SX_JTRUE, SX_JNUMBER, SX_JSTRING, SX_JOBJECT, SX_JARRAY
};

/* Maximum nesting depth accepted (jansson's default is 2048). */
#define SX_JSON_MAX_DEPTH 1024

struct sx_field {
	const char *key;         /* key bytes between the quotes, still escaped */
	size_t key_len;
	const char *val;         /* value text; strings include their quotes */
	size_t val_len;
	unsigned char type;      /* enum sx_jtype */
	unsigned char key_esc;   /* key contains a backslash escape */
	unsigned char val_esc;   /* string value contains a backslash escape */
};

struct sx_rec {
	const char *line;
	size_t len;
	struct sx_field *f;
	size_t n, cap;
	int compact;             /* no whitespace outside strings */
	size_t err_off;          /* after a failed parse: offset of the byte where
				  * the line stops being JSON (SIZE_MAX: none, as
				  * for "not a JSON object") */
};

void sx_rec_init(struct sx_rec *r);
void sx_rec_free(struct sx_rec *r);

/* Parse LINE as one JSON object.  0 on success; -1 otherwise, with *why set
 * to a static reason ("unexpected character", "not a JSON object") and
 * r->err_off to where in LINE the error is (sx-ingest's messages say
 * "invalid JSON at byte N: reason", counting from 1). */
int sx_rec_parse(struct sx_rec *r, const char *line, size_t len, const char **why);

/* Index LINE, which sx_rec_parse accepted before (a held or kept record),
 * without checking it again: the same fields and compact flag, at a
 * fraction of the cost.  0, or -1 when LINE is not even shaped like an
 * object (it was not validated: a caller's bug). */
int sx_rec_index(struct sx_rec *r, const char *line, size_t len);

/* The last top-level field with this (decoded) key, or NULL. */
const struct sx_field *sx_rec_getn(const struct sx_rec *r, const char *key, size_t keylen);
static inline const struct sx_field *sx_rec_get(const struct sx_rec *r, const char *key)
{
	return sx_rec_getn(r, key, strlen(key));
}

/* Validate one complete JSON value of any type (used for embedded payloads). */
int sx_json_validate(const char *p, size_t len, const char **why);

/* Decoded bytes of a JSON string value or key (text without the quotes).
 * When there are no escapes the result points into the text itself;
 * otherwise it is decoded into `scratch`.  May contain NUL (from \u0000). */
void sx_json_unescape(const char *s, size_t len, int has_esc, struct sx_buf *scratch,
		      const char **out, size_t *outlen);
/* A string field's decoded value (field must be SX_JSTRING). */
void sx_field_str(const struct sx_field *f, struct sx_buf *scratch, const char **out, size_t *outlen);

/* A number field's value as a double (0 ok, -1 not a number or out of range). */
int sx_field_double(const struct sx_field *f, double *out);
int sx_json_number_to_double(const char *s, size_t len, double *out);

/* 1 if [s, s+len) is valid UTF-8 (no overlongs, surrogates, or > U+10FFFF). */
int sx_utf8_valid(const char *s, size_t len);

/* Append S as a quoted JSON string (S must be valid UTF-8; NUL is escaped). */
void sx_json_quote_buf(struct sx_buf *b, const char *s, size_t len);
void sx_json_quote_out(struct sx_out *o, const char *s, size_t len);
/* The same in one pass that also checks S is UTF-8: 0, or -1 (B unchanged). */
int sx_json_quote_utf8_buf(struct sx_buf *b, const char *s, size_t len);

/* Append the JSON text P with insignificant whitespace removed. */
void sx_json_compact_buf(struct sx_buf *b, const char *p, size_t len);

/* Shortest text that reads back to the same double, always with a '.' or
 * exponent ("21.0", "1e+300"); "null" for NaN/inf.  Returns length. */
size_t sx_json_fmt_double(double v, char buf[32]);

#endif
