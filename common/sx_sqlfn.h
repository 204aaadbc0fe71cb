/*
 * sx_sqlfn.h - the values of sx_expr and what is done to them: CAST rules,
 * comparison, text forms, date parts, and the table of built-in scalar
 * functions (string, math, date, record and array) with ASA's semantics
 * (SQL Server's where ASA's documentation is silent).
 *
 * Functions receive evaluated arguments and write one value.  A NULL
 * argument gives NULL unless the function says otherwise (CONCAT).  Text a
 * function makes is allocated from the context's arena, which the caller
 * resets per record: no malloc per record once it has grown.  A failure (a
 * value that does not convert) returns -1 with a reason in c->why.
 *
 * Ownership: the context owns its arena and its cache of compiled regular
 * expressions (REGEXMATCH patterns, compiled once per distinct pattern).
 */
#ifndef SX_SQLFN_H
#define SX_SQLFN_H

#include <stddef.h>
#include <stdint.h>
#include "sx_buf.h"
#include "sx_expr.h"

struct sx_arena_chunk;

struct sx_fnctx {
	struct sx_arena_chunk **chunk;   /* the arena: chunks kept across resets */
	size_t nchunk, cur, used;
	struct sx_buf scratch;           /* decoded JSON strings */
	char why[512];
	struct sx_regex_cache *re;
	size_t nre;
};

void sx_fnctx_init(struct sx_fnctx *c);
void sx_fnctx_free(struct sx_fnctx *c);
/* Forget the previous record's text (keeps the memory). */
void sx_fnctx_reset(struct sx_fnctx *c);
/* N bytes that stay valid until the next reset. */
char *sx_fnctx_alloc(struct sx_fnctx *c, size_t n);
/* Set c->why ("printf"-style) and return -1. */
int sx_fn_fail(struct sx_fnctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Date parts of DATEADD, DATEDIFF, DATEPART, DATENAME (names and SQL
 * Server's abbreviations: year yy yyyy, quarter qq q, month mm m, dayofyear
 * dy y, day dd d, week wk ww, weekday dw w, hour hh, minute mi n, second ss
 * s, millisecond ms, microsecond mcs, nanosecond ns). */
enum sx_datepart {
	SX_DP_YEAR, SX_DP_QUARTER, SX_DP_MONTH, SX_DP_DAYOFYEAR, SX_DP_DAY, SX_DP_WEEK,
	SX_DP_WEEKDAY, SX_DP_HOUR, SX_DP_MINUTE, SX_DP_SECOND, SX_DP_MILLISECOND,
	SX_DP_MICROSECOND, SX_DP_NANOSECOND
};
/* The part named by [s, s+n) (any case), or -1. */
int sx_datepart_parse(const char *s, size_t n);
/* Microseconds in one unit of a fixed-length part (day and below), or 0. */
int64_t sx_datepart_us(int part);

/* A value read from a record field's JSON text (strings decoded into C's
 * arena when escaped; an integer that fits is bigint, other numbers float). */
void sx_val_from_json(struct sx_fnctx *c, const char *p, size_t n, int jtype, int esc, struct sx_val *v);

/* CAST(V AS type) with type one of SX_VINT, SX_VFLOAT, SX_VSTR, SX_VTIME,
 * SX_VBIT, SX_VREC, SX_VARR: 0, or -1 with the reason in c->why. */
int sx_val_cast(struct sx_fnctx *c, const struct sx_val *v, int type, struct sx_val *out);
/* The value as text, as CAST(V AS nvarchar(max)) gives it (V not NULL). */
void sx_val_text(struct sx_fnctx *c, const struct sx_val *v, const char **p, size_t *n);
/* A short quoted rendering of V for messages ("'abc'", "12.5", "NULL"). */
void sx_val_show(const struct sx_val *v, char *buf, size_t n);

/* Compare A and B, neither NULL: -1, 0, 1 in *cmp; numbers by value,
 * strings by their bytes (ordinal, case-sensitive), datetime with datetime
 * or with a string that reads as one, bit as a number.  -1 with c->why when
 * the types cannot be compared. */
int sx_val_cmp(struct sx_fnctx *c, const struct sx_val *a, const struct sx_val *b, int *cmp);

/* The member KEY of the JSON object text OBJ (validated JSON), the last one
 * when the key repeats: 1 with *out set, 0 when absent. */
int sx_json_member(struct sx_fnctx *c, const char *obj, size_t n, const char *key, size_t kn,
		   struct sx_val *out);

/* LIKE: S matches PAT (% any run, _ one character, [abc] [a-z] [^a] sets;
 * ESC, when not -1, makes the next pattern character literal). */
int sx_like(const char *s, size_t n, const char *pat, size_t pn, int esc);

/* The built-in scalar functions. */
enum { SX_FN_NULLOK = 1, SX_FN_PART = 2 };   /* takes NULLs itself; first argument is a date part */
typedef int (*sx_sqlfn_impl)(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out);
struct sx_sqlfn {
	const char *name;          /* upper case */
	signed char min, max;      /* argument counts (max -1: any) */
	unsigned char flags;
	sx_sqlfn_impl fn;
};
/* The function named [s, s+n) (any case), or NULL. */
const struct sx_sqlfn *sx_sqlfn_find(const char *s, size_t n);
/* The known name closest to [s, s+n) by edit distance (at most 2 edits, or
 * a third of the name), else NULL: for "did you mean" hints. EXTRA lists
 * more names (NULL-terminated). */
const char *sx_sqlfn_closest(const char *s, size_t n, const char *const *extra);

#endif
