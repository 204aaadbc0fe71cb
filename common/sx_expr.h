/*
 * sx_expr.h - Stream Analytics' scalar expressions (the WHERE and SELECT
 * lists of a query), compiled once and evaluated per record without a tree.
 *
 * sx_query_where() and sx_query_select() parse the text of a WHERE condition
 * and a SELECT list ("*, expr AS name, ...") as ASA writes them (literals,
 * field references a.b and [odd name], arithmetic, comparison, AND/OR/NOT,
 * IS [NOT] NULL, BETWEEN, IN, LIKE ... ESCAPE, CASE, CAST/TRY_CAST, the
 * built-ins of sx_sqlfn and the analytic functions of sx_analytic) and
 * compile each expression to a flat program of stack-machine instructions.
 * sx_query_eval() runs them on one record: values are typed like ASA's
 * (bigint, float, nvarchar(max), datetime, bit, record, array; NULL
 * propagates), strings point into the record or into an arena that is reset
 * per record, so nothing is allocated per record once the arena has grown.
 * sx_query_write() writes the selected fields as one NDJSON line.
 *
 * A bad expression is refused at compile time with the column, what was
 * expected and a hint for the usual slips (==, "strings", a misspelt
 * function).  A record on which an expression fails (CAST of a value that
 * does not convert, division by zero, arithmetic overflow) is a data error:
 * sx_query_eval returns -1 with the expression and the value in the reason.
 *
 * Ownership: the query owns every program, constant and analytic state;
 * values handed out by sx_query_eval live until the next call.
 */
#ifndef SX_EXPR_H
#define SX_EXPR_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "sx_json.h"
#include "sx_time.h"

struct sx_out;

/* ASA's data types (bit holds 0/1; record and array are raw JSON text). */
enum sx_vtype { SX_VNULL, SX_VINT, SX_VFLOAT, SX_VSTR, SX_VBIT, SX_VTIME, SX_VREC, SX_VARR };

struct sx_val {
	unsigned char t;             /* enum sx_vtype */
	union {
		int64_t i;           /* SX_VINT, SX_VBIT, SX_VTIME (microseconds) */
		double f;            /* SX_VFLOAT */
		struct { const char *p; size_t n; } s;  /* SX_VSTR (decoded bytes), SX_VREC, SX_VARR (JSON text) */
	} u;
};

/* ASA's name of a type ("bigint", "nvarchar(max)"). */
const char *sx_vtype_name(int t);

struct sx_query;

struct sx_query *sx_query_new(void);
void sx_query_free(struct sx_query *q);

/* Compile the --where condition or the --select list (once each).  0, or
 * -1 with a one-line message in ERR ("column 13: ..."). */
int sx_query_where(struct sx_query *q, const char *src, char *err, size_t errsz);
int sx_query_select(struct sx_query *q, const char *src, char *err, size_t errsz);

/* 1 when an analytic function (LAG, LAST, ISFIRST) appears: the tool needs
 * an event time for it. */
int sx_query_has_analytic(const struct sx_query *q);
/* 1 when the query reads the event time (an analytic function or
 * System.Timestamp()). */
int sx_query_needs_time(const struct sx_query *q);

/* Evaluate the query on REC whose event time is TS: analytic functions
 * first (ASA evaluates them before WHERE), then the condition, then the
 * SELECT list when it holds.  Returns 1 (selected), 0 (filtered out) or -1
 * with *why set (a data error; the text lives until the next call). */
int sx_query_eval(struct sx_query *q, const struct sx_rec *rec, sx_time_t ts, const char **why);
/* After sx_query_eval returned 1: the output line (the record itself when
 * there is no --select). */
void sx_query_write(struct sx_query *q, const struct sx_rec *rec, struct sx_out *o);

/* --state: the analytic functions' state, in the order they appear, and
 * back into a query compiled from the same text.  0, or -1 with ERR. */
json_t *sx_query_save(const struct sx_query *q);
int sx_query_load(struct sx_query *q, const json_t *j, char *err, size_t errlen);

/* For unit tests: evaluate one standalone expression on REC
 * (no analytic functions).  0 with *out set, -1 with *why. */
struct sx_query *sx_expr_compile1(const char *src, char *err, size_t errsz);
int sx_expr_eval1(struct sx_query *q, const struct sx_rec *rec, sx_time_t ts, struct sx_val *out, const char **why);
/* Append V as JSON text (strings quoted, datetime as RFC 3339). */
struct sx_buf;
void sx_val_json(const struct sx_val *v, struct sx_buf *b);

#endif
