/*
 * sx_csv.h - CSV/TSV rows through libcsv, and the typing of their values.
 *
 * The reader is fed whole input lines (with their terminators) so that every
 * row is known to start at a line and end at a line end: FILE:LINE messages
 * and byte offsets for checkpoints come for free.  Quoted fields may span
 * lines.  Fields are not trimmed.  An unquoted empty field is "null"; a quoted
 * empty field ("") is an empty string.
 *
 * Typing (SPEC section 2): integers within int64 and decimals within double
 * (JSON number syntax, no leading zeros such as 007) become numbers, true/false
 * booleans, unquoted empty null, everything else strings.  A --schema type
 * forces a conversion, and a value it cannot hold is a data error.
 */
#ifndef SX_CSV_H
#define SX_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <csv.h>
#include "sx_buf.h"
#include "sx_time.h"

enum sx_coltype { SX_COL_AUTO, SX_COL_STRING, SX_COL_INT, SX_COL_FLOAT, SX_COL_BOOL, SX_COL_TIME };

/* "int", "float", "bool", "string", "time" (and "auto"); 0 or -1. */
int sx_coltype_parse(const char *s, enum sx_coltype *out);

/* Append the JSON text for one CSV value (s == NULL: unquoted empty, null
 * unless the type is SX_COL_STRING, which makes it "").
 * 0, or -1 with *why (static text; for SX_COL_TIME sx_time_why's, valid
 * until the next call) when a forced type cannot hold it or the bytes are
 * not UTF-8.  `unit` is for numbers forced to SX_COL_TIME. */
int sx_csv_value_json(struct sx_buf *b, const char *s, size_t n, enum sx_coltype type,
		      enum sx_time_unit unit, const char **why);

/* 1 if S is an integer (JSON syntax, no leading zeros) that fits int64. */
int sx_csv_is_int(const char *s, size_t n);
/* 1 if S is a JSON number with a fraction or exponent that fits a double. */
int sx_csv_is_decimal(const char *s, size_t n);

struct sx_csv_field {
	size_t off, len;   /* into the reader's data buffer */
	int is_null;       /* unquoted empty */
};

struct sx_csv {
	struct csv_parser p;
	unsigned char delim;
	struct sx_buf data;          /* bytes of the current row's fields */
	struct sx_csv_field *f;
	size_t n, cap;
	void (*on_row)(struct sx_csv *c, void *ctx);
	void *ctx;
};

void sx_csv_init(struct sx_csv *c, unsigned char delim, void (*on_row)(struct sx_csv *, void *), void *ctx);
/* Feed bytes (normally one line); on_row runs for each completed row.
 * 0, or -1 on malformed CSV (the parser is reset; the partial row is dropped). */
int sx_csv_feed(struct sx_csv *c, const char *p, size_t n);
/* End of input: completes a last row without a line end.  0 or -1 (an
 * unterminated quoted field). */
int sx_csv_finish(struct sx_csv *c);
/* Drop the row in progress (sx-ingest gives up on a row longer than its
 * record size limit) and start afresh with the next bytes fed. */
void sx_csv_reset(struct sx_csv *c);
/* 1 while a row has started but not ended (e.g. inside a quoted newline). */
int sx_csv_in_row(const struct sx_csv *c);
void sx_csv_free(struct sx_csv *c);

static inline const char *sx_csv_field_ptr(const struct sx_csv *c, size_t i)
{
	return c->f[i].is_null ? NULL : c->data.data + c->f[i].off;
}

#endif
