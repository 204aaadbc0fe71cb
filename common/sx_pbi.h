/*
 * sx_pbi.h - Power BI rows: values, request bodies cut to the service's
 * limits, and the table schema inferred for --create-dataset (SPEC section 6).
 *
 * A record becomes one row object: numbers, booleans and null pass through as
 * written; strings pass through unless longer than 4,000 characters (UTF-16
 * code units, as the service counts), which are cut there (never inside a
 * surrogate pair); objects and arrays are sent as their compact JSON text in
 * a string, cut alike.  With a schema (--create-dataset), a DateTime
 * column's values are written as sx's canonical UTC times and a String
 * column's numbers and booleans as text.  A record with
 * more than 75 fields, or a row bigger than a whole request may be, is a
 * data error.
 *
 * The batcher gathers rows into request bodies: {"rows":[...]} for push
 * datasets, [...] for a streaming push URL, sealed when the next row would
 * pass the row or byte limit, or when the caller flushes (quiet input, end).
 * Each batch also keeps its records' raw lines, so undelivered rows reach a
 * dead-letter file as they came, and where each row lies in the body, so a
 * batch the service refuses as a whole (400/413) can be split in halves to
 * find the rows at fault.
 *
 * Ownership: the batcher owns the batch being filled; a sealed batch taken
 * with sx_pbi_take() is the caller's, freed with sx_pbi_batch_free().
 * Records passed in are borrowed per call.
 */
#ifndef SX_PBI_H
#define SX_PBI_H

#include <stddef.h>
#include <stdint.h>
#include "sx_buf.h"
#include "sx_hash.h"
#include "sx_json.h"

#define SX_PBI_MAX_COLUMNS 75
#define SX_PBI_MAX_CHARS 4000
#define SX_PBI_PUSH_MAX_ROWS 10000
/* 16 MB per push request; 15 KB per streaming request (kept under 15,000
 * bytes, whichever way the service counts a KB). */
#define SX_PBI_PUSH_MAX_BYTES (16u * 1000u * 1000u)
#define SX_PBI_STREAM_MAX_BYTES 15000u

enum sx_pbi_type {
	SX_PBI_NONE,             /* only nulls seen */
	SX_PBI_INT64, SX_PBI_DOUBLE, SX_PBI_BOOLEAN, SX_PBI_DATETIME, SX_PBI_STRING
};
/* "Int64", "Double", "Boolean", "DateTime", "String" (NONE: "String"). */
const char *sx_pbi_type_name(enum sx_pbi_type t);

/* The type one JSON value suggests (strings: DateTime when sx reads them as
 * a time), and two types merged: Int64 with Double is Double, nulls take the
 * other's type, anything else mixed is String. */
enum sx_pbi_type sx_pbi_value_type(const struct sx_field *f, struct sx_buf *scratch);
enum sx_pbi_type sx_pbi_type_merge(enum sx_pbi_type a, enum sx_pbi_type b);

struct sx_pbi_batch {
	struct sx_buf body;      /* the request body (complete once sealed) */
	struct sx_buf recs;      /* the records' raw lines, each ending in '\n' */
	size_t *row_off;         /* row i's bytes in body: [row_off[i], row_off[i+1]-1) */
	size_t *rec_off;         /* record i's line in recs */
	size_t nrows, cap;
	int sealed;
	int64_t first_at;        /* when its first row came (monotonic us) */
	void *user;              /* the caller's, per batch */
};

void sx_pbi_batch_free(struct sx_pbi_batch *b);
/* Record I's raw line (without its '\n'). */
const char *sx_pbi_batch_rec(const struct sx_pbi_batch *b, size_t i, size_t *len);
/* Two sealed batches, each holding half the rows of B (B has 2 rows or more);
 * B is left as it was. */
void sx_pbi_batch_split(const struct sx_pbi_batch *b, int streaming,
			struct sx_pbi_batch **lo, struct sx_pbi_batch **hi);

struct sx_pbi_col {
	enum sx_pbi_type type;
};

struct sx_pbi {
	int streaming;           /* [rows] bodies instead of {"rows":[...]} */
	size_t max_rows, max_bytes;
	struct sx_pbi_batch *cur;        /* being filled (NULL: none yet) */
	struct sx_pbi_batch **ready;     /* sealed, not yet taken (FIFO) */
	size_t nready, ready_cap, ready_head;
	/* schema: columns by decoded name (values: struct sx_pbi_col) */
	struct sx_strmap cols;
	int has_schema;          /* values are made to fit the column types */
	/* counters */
	uint64_t truncated;      /* values cut to 4,000 characters */
	int truncated_now;       /* the last row added had a value cut */
	char cut_col[128];       /* a column a value was cut in (for the warning) */
	/* scratch */
	struct sx_buf row, scratch, scratch2;
	char why[160];
};

/* Limits default to the service's: max_rows 0 means 10,000; max_bytes 0 the
 * byte limit of the kind of request. */
void sx_pbi_init(struct sx_pbi *p, int streaming, size_t max_rows, size_t max_bytes);
void sx_pbi_free(struct sx_pbi *p);

/* Add a record (LINE is its raw text, NOW the monotonic time): 0, or -1 with
 * *why set (a data error; nothing added).  Full batches become ready. */
int sx_pbi_add(struct sx_pbi *p, const struct sx_rec *r, const char *line, size_t len,
	       int64_t now, const char **why);
/* Seal the batch being filled, if it has rows. */
void sx_pbi_flush(struct sx_pbi *p);
/* The oldest sealed batch, or NULL. */
struct sx_pbi_batch *sx_pbi_take(struct sx_pbi *p);
/* Rows in the batch being filled; when its first came. */
static inline size_t sx_pbi_pending(const struct sx_pbi *p)
{
	return p->cur ? p->cur->nrows : 0;
}

/* Infer a schema from the rows of batch B (their raw records): 0, or -1 with
 * *why (more than 75 columns).  From then on values are made to fit it;
 * sx_pbi_reencode() rewrites B's body so. */
int sx_pbi_infer(struct sx_pbi *p, const struct sx_pbi_batch *b, const char **why);
void sx_pbi_reencode(struct sx_pbi *p, struct sx_pbi_batch *b);
/* The create-dataset body: {"name":NAME,"defaultMode":"Push","tables":[{
 * "name":TABLE,"columns":[{"name":..,"dataType":..},...]}]}. */
void sx_pbi_dataset_json(const struct sx_pbi *p, const char *name, const char *table,
			 struct sx_buf *out);

/* Encode one record as a row object into OUT: 0, or -1 with *why. */
int sx_pbi_encode_row(struct sx_pbi *p, const struct sx_rec *r, struct sx_buf *out,
		      const char **why);

/* UTF-16 code units of UTF-8 text [s, s+n), and the byte length of its
 * longest prefix of at most MAX units that does not split a character. */
size_t sx_pbi_utf16_len(const char *s, size_t n);
size_t sx_pbi_utf16_cut(const char *s, size_t n, size_t max);

#endif
