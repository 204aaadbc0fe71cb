/* sx_expr.c - ASA expressions: lexer, parser, stack-machine programs (see sx_expr.h). */
#include "sx_expr.h"
#include "sx_analytic.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_out.h"
#include "sx_sqlfn.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- programs ---- */

enum op {
	OP_CONST, OP_FIELD, OP_TS, OP_ANALYTIC, OP_DUP, OP_POP, OP_RECORD,
	OP_NEG, OP_NOT, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_ISNULL, OP_ISNOTNULL, OP_BETWEEN, OP_IN, OP_LIKE,
	OP_CALL, OP_CAST, OP_JUMP, OP_JFALSE, OP_AND_SC, OP_OR_SC, OP_AND, OP_OR
};

struct ins {
	unsigned char op;
	unsigned char neg;       /* NOT BETWEEN / NOT IN / NOT LIKE; CAST: TRY_CAST */
	unsigned short n;        /* arguments (CALL, IN, LIKE: 3 with ESCAPE); CAST: type */
	int a;                   /* constant, path, function, jump target or analytic */
	int span;                /* source text for messages */
};

struct prog {
	struct ins *code;
	int n;
	size_t cap;
};

/* A field reference a.b.c: the top-level key, then members. */
struct path {
	char **k;
	size_t *kn;
	int n;
};

struct span { int src, off, len; };   /* src: which source text */

struct analytic_call {
	struct sx_analytic st;
	int expr, deflt, when;   /* programs (-1: none) */
	int *part;
	int npart;
	struct sx_val result;
};

struct item {
	char *name;              /* NULL: "*" */
	size_t name_len;
	int prog;
	int raw_path;            /* a bare top-level field: its JSON text is copied
				  * as it came (no conversion), else -1 */
	struct sx_val v;         /* this record's value */
};

struct sx_query {
	struct prog *progs;
	int nprogs;
	size_t capprogs;
	struct sx_val *consts;
	int nconsts;
	size_t capconsts;
	char **const_text;       /* string constants' storage */
	int nconst_text;
	struct path *paths;
	int npaths;
	size_t cappaths;
	const struct sx_sqlfn **fns;
	int nfns;
	size_t capfns;
	struct span *spans;
	int nspans;
	size_t capspans;
	char **srcs;
	int nsrcs;
	struct analytic_call *an;
	int nan;
	size_t capan;
	int where;               /* program, or -1 */
	struct item *items;
	int nitems;
	size_t capitems;
	int has_star;
	int uses_ts;             /* System.Timestamp() appears */
	struct sx_val *stack;
	int stackcap;
	struct sx_fnctx fc;
	struct sx_buf key;       /* partition keys */
	struct sx_buf out;       /* the output line */
	char why[768];
	sx_time_t ts;
	const struct sx_rec *rec;
};

/* Counts are ints (program indexes, -1 for none); capacities size_t. */
#define GROW(arr, n, cap) SX_GROW(arr, (size_t)(n) + 1, cap)

struct sx_query *sx_query_new(void)
{
	struct sx_query *q = sx_xcalloc(1, sizeof *q);
	q->where = -1;
	sx_fnctx_init(&q->fc);
	return q;
}

void sx_query_free(struct sx_query *q)
{
	if (!q)
		return;
	for (int i = 0; i < q->nprogs; i++)
		free(q->progs[i].code);
	free(q->progs);
	free(q->consts);
	for (int i = 0; i < q->nconst_text; i++)
		free(q->const_text[i]);
	free(q->const_text);
	for (int i = 0; i < q->npaths; i++) {
		for (int k = 0; k < q->paths[i].n; k++)
			free(q->paths[i].k[k]);
		free(q->paths[i].k);
		free(q->paths[i].kn);
	}
	free(q->paths);
	free(q->fns);
	free(q->spans);
	for (int i = 0; i < q->nsrcs; i++)
		free(q->srcs[i]);
	free(q->srcs);
	for (int i = 0; i < q->nan; i++) {
		sx_analytic_free(&q->an[i].st);
		free(q->an[i].part);
	}
	free(q->an);
	for (int i = 0; i < q->nitems; i++)
		free(q->items[i].name);
	free(q->items);
	free(q->stack);
	sx_fnctx_free(&q->fc);
	sx_buf_free(&q->key);
	sx_buf_free(&q->out);
	free(q);
}

int sx_query_has_analytic(const struct sx_query *q)
{
	return q->nan > 0;
}

int sx_query_needs_time(const struct sx_query *q)
{
	return q->nan > 0 || q->uses_ts;
}

/* ---- lexer ---- */

enum tk { TK_END, TK_INT, TK_FLOAT, TK_STR, TK_IDENT, TK_QIDENT, TK_OP };

struct tok {
	int k;
	const char *p;           /* source text of the token */
	size_t n;
	char op[3];              /* TK_OP: "(", "<=", ... */
};

struct parser {
	struct sx_query *q;
	const char *src;
	int srcidx;
	const char *at;          /* next character to lex */
	struct tok t;            /* current token */
	struct prog *pg;         /* program being emitted */
	int pgidx;
	char *err;
	size_t errsz;
	int failed;
	int in_analytic;
};

static int col_of(struct parser *ps, const char *p)
{
	return (int)(p - ps->src) + 1;
}

static const char *tok_desc(const struct tok *t, char *buf, size_t n)
{
	if (t->k == TK_END)
		return "the end of the expression";
	snprintf(buf, n, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->p);
	return buf;
}

__attribute__((format(printf, 3, 4)))
static int perr(struct parser *ps, const char *at, const char *fmt, ...)
{
	if (ps->failed)
		return -1;
	ps->failed = 1;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errsz, "column %d: %s", col_of(ps, at), msg);
	return -1;
}

static int lex(struct parser *ps)
{
	const char *p = ps->at;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (p[0] == '-' && p[1] == '-') {   /* a SQL comment runs to the end of the line */
		while (*p && *p != '\n')
			p++;
		ps->at = p;
		return lex(ps);
	}
	struct tok *t = &ps->t;
	memset(t, 0, sizeof *t);
	t->p = p;
	if (!*p) {
		t->k = TK_END;
		ps->at = p;
		return 0;
	}
	if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
		const char *s = p;
		int fl = 0;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '.') {
			fl = 1;
			p++;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if ((*p == 'e' || *p == 'E') && (isdigit((unsigned char)p[1]) ||
		    ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])))) {
			fl = 1;
			p += 2;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (isalpha((unsigned char)*p) || *p == '_')
			return perr(ps, s, "'%.*s' is not a number", (int)(p - s + 1), s);
		t->k = fl ? TK_FLOAT : TK_INT;
		t->n = (size_t)(p - s);
		ps->at = p;
		return 0;
	}
	if (*p == '\'') {
		const char *s = p++;
		for (;;) {
			if (!*p)
				return perr(ps, s, "the string starting here has no closing quote (')");
			if (*p == '\'' && p[1] == '\'') {
				p += 2;
				continue;
			}
			if (*p == '\'')
				break;
			p++;
		}
		t->k = TK_STR;
		t->n = (size_t)(p + 1 - s);
		ps->at = p + 1;
		return 0;
	}
	if (*p == '"') {
		const char *e = strchr(p + 1, '"');
		int len = e ? (int)(e - p - 1) : 0;
		return perr(ps, p, "double quotes are not SQL strings: write '%.*s' for a string, [%.*s] for a "
			    "field name", len, p + 1, len, p + 1);
	}
	if (*p == '[') {
		const char *s = p++;
		for (;;) {
			if (!*p)
				return perr(ps, s, "the name starting here has no closing bracket (])");
			if (*p == ']' && p[1] == ']') {
				p += 2;
				continue;
			}
			if (*p == ']')
				break;
			p++;
		}
		t->k = TK_QIDENT;
		t->n = (size_t)(p + 1 - s);
		ps->at = p + 1;
		return 0;
	}
	if (isalpha((unsigned char)*p) || *p == '_' || *p == '@' || (unsigned char)*p >= 0x80) {
		const char *s = p;
		while (isalnum((unsigned char)*p) || *p == '_' || *p == '@' || *p == '$' || (unsigned char)*p >= 0x80)
			p++;
		t->k = TK_IDENT;
		t->n = (size_t)(p - s);
		ps->at = p;
		return 0;
	}
	static const char *const ops[] = { "<>", "!=", "<=", ">=", "==", "&&", "||", "(", ")", ",", ".", "+", "-",
					   "*", "/", "%", "=", "<", ">", "!", NULL };
	for (int i = 0; ops[i]; i++) {
		size_t l = strlen(ops[i]);
		if (!strncmp(p, ops[i], l)) {
			if (!strcmp(ops[i], "=="))
				return perr(ps, p, "'==' is not SQL: write '=' to compare");
			if (!strcmp(ops[i], "&&"))
				return perr(ps, p, "'&&' is not SQL: write AND");
			if (!strcmp(ops[i], "||"))
				return perr(ps, p, "'||' is not SQL: write OR (or CONCAT(a, b) to join strings)");
			if (!strcmp(ops[i], "!"))
				return perr(ps, p, "'!' is not SQL: write NOT (or <> for 'not equal')");
			t->k = TK_OP;
			memcpy(t->op, ops[i], l);
			t->n = l;
			ps->at = p + l;
			return 0;
		}
	}
	return perr(ps, p, "unexpected character '%c'", *p);
}

static int is_op(struct parser *ps, const char *op)
{
	return ps->t.k == TK_OP && !strcmp(ps->t.op, op);
}

static int is_kw(struct parser *ps, const char *kw)
{
	return ps->t.k == TK_IDENT && strlen(kw) == ps->t.n && !strncasecmp(ps->t.p, kw, ps->t.n);
}

static int expect_op(struct parser *ps, const char *op, const char *what)
{
	char b[64];
	if (!is_op(ps, op))
		return perr(ps, ps->t.p, "expected '%s' %s, found %s", op, what, tok_desc(&ps->t, b, sizeof b));
	return lex(ps);
}

static int expect_kw(struct parser *ps, const char *kw, const char *what)
{
	char b[64];
	if (!is_kw(ps, kw))
		return perr(ps, ps->t.p, "expected %s %s, found %s", kw, what, tok_desc(&ps->t, b, sizeof b));
	return lex(ps);
}

/* ---- emitting ---- */

static int new_prog(struct sx_query *q)
{
	GROW(q->progs, q->nprogs, q->capprogs);
	memset(&q->progs[q->nprogs], 0, sizeof q->progs[0]);
	return q->nprogs++;
}

static int add_span(struct parser *ps, const char *from, const char *to)
{
	struct sx_query *q = ps->q;
	while (to > from && isspace((unsigned char)to[-1]))
		to--;
	GROW(q->spans, q->nspans, q->capspans);
	q->spans[q->nspans] = (struct span){ ps->srcidx, (int)(from - ps->src), (int)(to - from) };
	return q->nspans++;
}

/* Append an instruction to the program being compiled; its index. */
static int emit(struct parser *ps, int op, int a, int n, int span)
{
	struct prog *pg = &ps->q->progs[ps->pgidx];
	GROW(pg->code, pg->n, pg->cap);
	pg->code[pg->n] = (struct ins){ (unsigned char)op, 0, (unsigned short)n, a, span };
	return pg->n++;
}

static int add_const(struct sx_query *q, const struct sx_val *v)
{
	GROW(q->consts, q->nconsts, q->capconsts);
	q->consts[q->nconsts] = *v;
	return q->nconsts++;
}

static char *keep_text(struct sx_query *q, char *s)
{
	q->const_text = sx_xreallocarray(q->const_text, (size_t)q->nconst_text + 1, sizeof *q->const_text);
	q->const_text[q->nconst_text++] = s;
	return s;
}

/* The name of an identifier token: [..] unquoted, "]]" made "]". */
static char *ident_name(const struct tok *t, size_t *n)
{
	if (t->k != TK_QIDENT) {
		*n = t->n;
		return sx_xstrndup(t->p, t->n);
	}
	char *s = sx_xmalloc(t->n);
	size_t o = 0;
	for (size_t i = 1; i + 1 < t->n; i++) {
		s[o++] = t->p[i];
		if (t->p[i] == ']')
			i++;
	}
	s[o] = '\0';
	*n = o;
	return s;
}

/* ---- the grammar (precedence climbing, emitting as it goes) ---- */

static int p_expr(struct parser *ps);
static int p_or(struct parser *ps);

static const char *const reserved[] = { "AND", "OR", "NOT", "IS", "NULL", "BETWEEN", "IN", "LIKE", "ESCAPE",
					"CASE", "WHEN", "THEN", "ELSE", "END", "AS", "OVER", "FROM", "WHERE",
					"SELECT", "GROUP", "HAVING", "ORDER", "BY", "PARTITION", "LIMIT", NULL };

static int is_reserved(const struct tok *t)
{
	if (t->k != TK_IDENT)
		return 0;
	for (int i = 0; reserved[i]; i++)
		if (strlen(reserved[i]) == t->n && !strncasecmp(reserved[i], t->p, t->n))
			return 1;
	return 0;
}

static const char *const extra_names[] = { "CAST", "TRY_CAST", "LAG", "LAST", "ISFIRST", NULL };

static int p_type(struct parser *ps, int *type)
{
	char b[64];
	static const struct { const char *name; int t; } types[] = {
		{ "bigint", SX_VINT }, { "float", SX_VFLOAT }, { "nvarchar", SX_VSTR }, { "datetime", SX_VTIME },
		{ "bit", SX_VBIT }, { "record", SX_VREC }, { "array", SX_VARR },
	};
	if (ps->t.k == TK_IDENT)
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (is_kw(ps, types[i].name)) {
				*type = types[i].t;
				if (lex(ps) < 0)
					return -1;
				if (*type == SX_VSTR && is_op(ps, "(")) {
					if (lex(ps) < 0)
						return -1;
					if (!is_kw(ps, "max"))
						return perr(ps, ps->t.p, "only nvarchar(max) exists in Stream Analytics");
					if (lex(ps) < 0 || expect_op(ps, ")", "after nvarchar(max") < 0)
						return -1;
				}
				return 0;
			}
	return perr(ps, ps->t.p, "expected a type (bigint, float, nvarchar(max), datetime, bit, record, "
		    "array), found %s", tok_desc(&ps->t, b, sizeof b));
}

/* A date part name (DATEADD's first argument) as a constant. */
static int p_datepart(struct parser *ps, const char *fn)
{
	char b[64];
	int part = -1;
	if (ps->t.k == TK_IDENT || ps->t.k == TK_STR) {
		const char *p = ps->t.p + (ps->t.k == TK_STR);
		size_t n = ps->t.n - (ps->t.k == TK_STR ? 2 : 0);
		part = sx_datepart_parse(p, n);
	}
	if (part < 0)
		return perr(ps, ps->t.p, "%s: expected a date part (year, quarter, month, dayofyear, day, week, "
			    "weekday, hour, minute, second, millisecond, microsecond, nanosecond), found %s", fn,
			    tok_desc(&ps->t, b, sizeof b));
	struct sx_val v = { .t = SX_VINT, .u.i = part };
	emit(ps, OP_CONST, add_const(ps->q, &v), 0, -1);
	return lex(ps);
}

/* Compile the tokens of a sub-expression into a program of its own. */
static int p_subprog(struct parser *ps, int (*rule)(struct parser *))
{
	int saved = ps->pgidx, idx = new_prog(ps->q);
	ps->pgidx = idx;
	int r = rule(ps);
	ps->pgidx = saved;
	return r < 0 ? -1 : idx;
}

static int duration_us(struct parser *ps, const char *what, int64_t *out)
{
	char b[64];
	if (expect_op(ps, "(", what) < 0)
		return -1;
	int part = -1;
	if (ps->t.k == TK_IDENT)
		part = sx_datepart_parse(ps->t.p, ps->t.n);
	int64_t u = part >= 0 ? sx_datepart_us(part) : 0;
	if (!u || part == SX_DP_DAYOFYEAR || part == SX_DP_WEEKDAY || part == SX_DP_WEEK)
		return perr(ps, ps->t.p, "%s: expected a unit (day, hour, minute, second, millisecond, "
			    "microsecond), found %s", what, tok_desc(&ps->t, b, sizeof b));
	if (lex(ps) < 0 || expect_op(ps, ",", what) < 0)
		return -1;
	if (ps->t.k != TK_INT)
		return perr(ps, ps->t.p, "%s: expected a whole number of units, found %s", what,
			    tok_desc(&ps->t, b, sizeof b));
	int64_t n = strtoll(ps->t.p, NULL, 10);
	if (n <= 0 || n > INT64_C(7) * 86400000000 / u)
		return perr(ps, ps->t.p, "%s: the duration must be more than 0 and at most 7 days", what);
	if (lex(ps) < 0 || expect_op(ps, ")", what) < 0)
		return -1;
	*out = n * u;
	return 0;
}

/* LAG(expr[, offset[, default]]) OVER (...), LAST(expr[, default]) OVER
 * (...), ISFIRST(unit, n) [OVER (...)]. */
static int p_analytic(struct parser *ps, int kind, const char *name_at)
{
	char b[64];
	struct sx_query *q = ps->q;
	if (ps->in_analytic)
		return perr(ps, name_at, "an analytic function cannot hold another one");
	GROW(q->an, q->nan, q->capan);
	int ai = q->nan;
	struct analytic_call ac;
	memset(&ac, 0, sizeof ac);
	ac.expr = ac.deflt = ac.when = -1;
	int64_t offset = kind == SX_AN_LAG ? 1 : 0, dur = 0;
	ps->in_analytic = 1;
	if (kind == SX_AN_ISFIRST) {
		if (duration_us(ps, "ISFIRST(unit, length)", &dur) < 0)
			goto fail;
	} else {
		if (expect_op(ps, "(", "after the function name") < 0)
			goto fail;
		if (is_op(ps, "*")) {   /* the whole event, as a record */
			int saved = ps->pgidx;
			ps->pgidx = ac.expr = new_prog(q);
			emit(ps, OP_RECORD, 0, 0, -1);
			ps->pgidx = saved;
			if (lex(ps) < 0)
				goto fail;
		} else if ((ac.expr = p_subprog(ps, p_expr)) < 0) {
			goto fail;
		}
		if (kind == SX_AN_LAG && is_op(ps, ",")) {
			if (lex(ps) < 0)
				goto fail;
			if (ps->t.k != TK_INT || (offset = strtoll(ps->t.p, NULL, 10)) < 1 || offset > 10000) {
				perr(ps, ps->t.p, "LAG: the offset must be a whole number from 1 to 10000, not %s",
				     tok_desc(&ps->t, b, sizeof b));
				goto fail;
			}
			if (lex(ps) < 0)
				goto fail;
		}
		if (is_op(ps, ",")) {
			if (lex(ps) < 0 || (ac.deflt = p_subprog(ps, p_expr)) < 0)
				goto fail;
		}
		if (expect_op(ps, ")", "to close the arguments") < 0)
			goto fail;
	}
	if (!is_kw(ps, "OVER")) {
		if (kind != SX_AN_ISFIRST) {
			perr(ps, ps->t.p, "%s needs OVER ([PARTITION BY keys] LIMIT DURATION(unit, n) [WHEN cond])",
			     kind == SX_AN_LAG ? "LAG" : "LAST");
			goto fail;
		}
	} else {
		if (lex(ps) < 0 || expect_op(ps, "(", "after OVER") < 0)
			goto fail;
		if (is_kw(ps, "PARTITION")) {
			if (lex(ps) < 0 || expect_kw(ps, "BY", "after PARTITION") < 0)
				goto fail;
			for (;;) {
				int k = p_subprog(ps, p_expr);
				if (k < 0)
					goto fail;
				ac.part = sx_xreallocarray(ac.part, (size_t)ac.npart + 1, sizeof *ac.part);
				ac.part[ac.npart++] = k;
				if (!is_op(ps, ","))
					break;
				if (lex(ps) < 0)
					goto fail;
			}
		}
		if (is_kw(ps, "LIMIT")) {
			if (kind == SX_AN_ISFIRST) {
				perr(ps, ps->t.p, "ISFIRST takes no LIMIT DURATION: its interval is ISFIRST(unit, length)");
				goto fail;
			}
			if (lex(ps) < 0 || expect_kw(ps, "DURATION", "after LIMIT") < 0 ||
			    duration_us(ps, "LIMIT DURATION(unit, length)", &dur) < 0)
				goto fail;
		} else if (kind != SX_AN_ISFIRST) {
			perr(ps, ps->t.p, "expected LIMIT DURATION(unit, length) in OVER (...), found %s",
			     tok_desc(&ps->t, b, sizeof b));
			goto fail;
		}
		if (is_kw(ps, "WHEN")) {
			if (lex(ps) < 0 || (ac.when = p_subprog(ps, p_expr)) < 0)
				goto fail;
		}
		if (expect_op(ps, ")", "to close OVER (") < 0)
			goto fail;
	}
	ps->in_analytic = 0;
	sx_analytic_init(&ac.st, kind, offset, dur);
	q->an[q->nan++] = ac;
	emit(ps, OP_ANALYTIC, ai, 0, -1);
	return 0;
fail:
	ps->in_analytic = 0;
	free(ac.part);
	return -1;
}

static int p_call(struct parser *ps, const struct tok *name)
{
	char b[64];
	const char *start = name->p;
	if (name->n == 3 && !strncasecmp(name->p, "LAG", 3))
		return p_analytic(ps, SX_AN_LAG, start);
	if (name->n == 4 && !strncasecmp(name->p, "LAST", 4))
		return p_analytic(ps, SX_AN_LAST, start);
	if (name->n == 7 && !strncasecmp(name->p, "ISFIRST", 7))
		return p_analytic(ps, SX_AN_ISFIRST, start);
	if ((name->n == 4 && !strncasecmp(name->p, "CAST", 4)) ||
	    (name->n == 8 && !strncasecmp(name->p, "TRY_CAST", 8))) {
		int try = name->n == 8, type;
		if (expect_op(ps, "(", "after CAST") < 0 || p_expr(ps) < 0)
			return -1;
		if (expect_kw(ps, "AS", "in CAST(value AS type)") < 0 || p_type(ps, &type) < 0)
			return -1;
		const char *end = ps->t.p + 1;
		if (expect_op(ps, ")", "to close CAST(") < 0)
			return -1;
		int i = emit(ps, OP_CAST, 0, type, add_span(ps, start, end));
		ps->q->progs[ps->pgidx].code[i].neg = (unsigned char)try;
		return 0;
	}
	const struct sx_sqlfn *fn = sx_sqlfn_find(name->p, name->n);
	if (!fn) {
		const char *close = sx_sqlfn_closest(name->p, name->n, extra_names);
		if (close)
			return perr(ps, name->p, "unknown function '%.*s'; did you mean %s?", (int)name->n, name->p, close);
		return perr(ps, name->p, "unknown function '%.*s' (see sx-select(1) for the list)", (int)name->n,
			    name->p);
	}
	if (lex(ps) < 0)   /* the "(" */
		return -1;
	int nargs = 0;
	if (!is_op(ps, ")")) {
		for (;;) {
			if (nargs == 0 && (fn->flags & SX_FN_PART)) {
				if (p_datepart(ps, fn->name) < 0)
					return -1;
			} else if (p_expr(ps) < 0) {
				return -1;
			}
			nargs++;
			if (!is_op(ps, ","))
				break;
			if (lex(ps) < 0)
				return -1;
		}
	}
	const char *end = ps->t.p + 1;
	if (!is_op(ps, ")"))
		return perr(ps, ps->t.p, "expected ',' or ')' in the arguments of %s, found %s", fn->name,
			    tok_desc(&ps->t, b, sizeof b));
	if (nargs < fn->min || (fn->max >= 0 && nargs > fn->max)) {
		if (fn->min == fn->max)
			return perr(ps, start, "%s takes %d argument%s, not %d", fn->name, fn->min,
				    fn->min == 1 ? "" : "s", nargs);
		if (fn->max < 0)
			return perr(ps, start, "%s takes at least %d arguments, not %d", fn->name, fn->min, nargs);
		return perr(ps, start, "%s takes %d to %d arguments, not %d", fn->name, fn->min, fn->max, nargs);
	}
	if (lex(ps) < 0)
		return -1;
	struct sx_query *q = ps->q;
	GROW(q->fns, q->nfns, q->capfns);
	q->fns[q->nfns] = fn;
	emit(ps, OP_CALL, q->nfns++, nargs, add_span(ps, start, end));
	return 0;
}

static int p_case(struct parser *ps)
{
	char b[64];
	int simple = 0, njumps = 0, jumps[256];
	if (lex(ps) < 0)
		return -1;
	if (!is_kw(ps, "WHEN")) {
		simple = 1;
		if (p_expr(ps) < 0)
			return -1;
	}
	if (!is_kw(ps, "WHEN"))
		return perr(ps, ps->t.p, "expected WHEN in CASE, found %s", tok_desc(&ps->t, b, sizeof b));
	struct prog *pg;
	while (is_kw(ps, "WHEN")) {
		if (lex(ps) < 0)
			return -1;
		if (simple)
			emit(ps, OP_DUP, 0, 0, -1);
		if (p_expr(ps) < 0)
			return -1;
		if (simple)
			emit(ps, OP_EQ, 0, 0, -1);
		int jf = emit(ps, OP_JFALSE, 0, 0, -1);
		if (expect_kw(ps, "THEN", "after CASE ... WHEN condition") < 0)
			return -1;
		if (simple)
			emit(ps, OP_POP, 0, 0, -1);
		if (p_expr(ps) < 0)
			return -1;
		if (njumps == 256)
			return perr(ps, ps->t.p, "too many WHEN branches (at most 256)");
		jumps[njumps++] = emit(ps, OP_JUMP, 0, 0, -1);
		pg = &ps->q->progs[ps->pgidx];
		pg->code[jf].a = pg->n;   /* the next WHEN (a simple CASE's operand still there) */
	}
	if (simple)
		emit(ps, OP_POP, 0, 0, -1);
	if (is_kw(ps, "ELSE")) {
		if (lex(ps) < 0 || p_expr(ps) < 0)
			return -1;
	} else {
		struct sx_val nul = { .t = SX_VNULL };
		emit(ps, OP_CONST, add_const(ps->q, &nul), 0, -1);
	}
	if (expect_kw(ps, "END", "to close CASE") < 0)
		return -1;
	pg = &ps->q->progs[ps->pgidx];
	for (int i = 0; i < njumps; i++)
		pg->code[jumps[i]].a = pg->n;
	return 0;
}

static int p_primary(struct parser *ps)
{
	char b[64];
	struct sx_query *q = ps->q;
	struct tok t = ps->t;
	struct sx_val v;
	switch (t.k) {
	case TK_INT: {
		char tmp[32];
		if (t.n >= sizeof tmp)
			return perr(ps, t.p, "the number %.*s is too large for bigint", (int)t.n, t.p);
		memcpy(tmp, t.p, t.n);
		tmp[t.n] = '\0';
		char *end;
		errno = 0;
		long long x = strtoll(tmp, &end, 10);
		if (errno)
			return perr(ps, t.p, "the number %s is too large for bigint", tmp);
		v.t = SX_VINT;
		v.u.i = x;
		emit(ps, OP_CONST, add_const(q, &v), 0, -1);
		return lex(ps);
	}
	case TK_FLOAT: {
		v.t = SX_VFLOAT;
		char tmp[64];
		snprintf(tmp, sizeof tmp, "%.*s", (int)t.n, t.p);
		v.u.f = strtod(tmp, NULL);
		if (!isfinite(v.u.f))
			return perr(ps, t.p, "the number %s is too large for float", tmp);
		emit(ps, OP_CONST, add_const(q, &v), 0, -1);
		return lex(ps);
	}
	case TK_STR: {
		char *s = keep_text(q, sx_xmalloc(t.n));
		size_t o = 0;
		for (size_t i = 1; i + 1 < t.n; i++) {
			s[o++] = t.p[i];
			if (t.p[i] == '\'')
				i++;
		}
		s[o] = '\0';
		if (!sx_utf8_valid(s, o))
			return perr(ps, t.p, "the string is not UTF-8");
		v.t = SX_VSTR;
		v.u.s.p = s;
		v.u.s.n = o;
		emit(ps, OP_CONST, add_const(q, &v), 0, -1);
		return lex(ps);
	}
	case TK_OP:
		if (is_op(ps, "(")) {
			if (lex(ps) < 0 || p_expr(ps) < 0)
				return -1;
			return expect_op(ps, ")", "to close '('");
		}
		if (is_op(ps, "*"))
			return perr(ps, t.p, "'*' stands for the whole record only alone in --select");
		return perr(ps, t.p, "expected a value, a field or a function, found %s", tok_desc(&t, b, sizeof b));
	case TK_END:
		return perr(ps, t.p, "expected a value, a field or a function, found the end of the expression");
	default:
		break;
	}
	if (is_kw(ps, "NULL")) {
		v.t = SX_VNULL;
		emit(ps, OP_CONST, add_const(q, &v), 0, -1);
		return lex(ps);
	}
	if (is_kw(ps, "CASE"))
		return p_case(ps);
	if (is_reserved(&t))
		return perr(ps, t.p, "expected a value, a field or a function, found the keyword %.*s (write "
			    "[%.*s] for a field of that name)", (int)t.n, t.p, (int)t.n, t.p);
	if (lex(ps) < 0)
		return -1;
	if (t.k == TK_IDENT && is_op(ps, "("))
		return p_call(ps, &t);
	/* System.Timestamp() */
	if (t.k == TK_IDENT && t.n == 6 && !strncasecmp(t.p, "System", 6) && is_op(ps, ".")) {
		const char *save = ps->at;
		struct tok dot = ps->t;
		if (lex(ps) < 0)
			return -1;
		if (is_kw(ps, "Timestamp")) {
			if (lex(ps) < 0)
				return -1;
			if (is_op(ps, "(")) {
				if (lex(ps) < 0 || expect_op(ps, ")", "after System.Timestamp(") < 0)
					return -1;
			}
			emit(ps, OP_TS, 0, 0, -1);
			ps->q->uses_ts = 1;
			return 0;
		}
		ps->at = save;   /* a field "System" with members */
		ps->t = dot;
	}
	/* a field reference: name(.name)* */
	struct path pa = { NULL, NULL, 0 };
	struct tok cur = t;
	for (;;) {
		pa.k = sx_xreallocarray(pa.k, (size_t)pa.n + 1, sizeof *pa.k);
		pa.kn = sx_xreallocarray(pa.kn, (size_t)pa.n + 1, sizeof *pa.kn);
		pa.k[pa.n] = ident_name(&cur, &pa.kn[pa.n]);
		pa.n++;
		if (!is_op(ps, "."))
			break;
		if (lex(ps) < 0)
			goto bad;
		if (ps->t.k != TK_IDENT && ps->t.k != TK_QIDENT) {
			perr(ps, ps->t.p, "expected a field name after '.', found %s", tok_desc(&ps->t, b, sizeof b));
			goto bad;
		}
		cur = ps->t;
		if (lex(ps) < 0)
			goto bad;
	}
	GROW(q->paths, q->npaths, q->cappaths);
	q->paths[q->npaths] = pa;
	emit(ps, OP_FIELD, q->npaths++, 0, -1);
	return 0;
bad:
	for (int i = 0; i < pa.n; i++)
		free(pa.k[i]);
	free(pa.k);
	free(pa.kn);
	return -1;
}

static int p_unary(struct parser *ps)
{
	if (is_op(ps, "-") || is_op(ps, "+")) {
		int neg = is_op(ps, "-");
		const char *start = ps->t.p;
		if (lex(ps) < 0 || p_unary(ps) < 0)
			return -1;
		if (neg)
			emit(ps, OP_NEG, 0, 0, add_span(ps, start, ps->t.p));
		return 0;
	}
	return p_primary(ps);
}

static int p_mul(struct parser *ps)
{
	const char *start = ps->t.p;
	if (p_unary(ps) < 0)
		return -1;
	while (is_op(ps, "*") || is_op(ps, "/") || is_op(ps, "%")) {
		int op = is_op(ps, "*") ? OP_MUL : is_op(ps, "/") ? OP_DIV : OP_MOD;
		if (lex(ps) < 0 || p_unary(ps) < 0)
			return -1;
		emit(ps, op, 0, 0, add_span(ps, start, ps->t.p));
	}
	return 0;
}

static int p_add(struct parser *ps)
{
	const char *start = ps->t.p;
	if (p_mul(ps) < 0)
		return -1;
	while (is_op(ps, "+") || is_op(ps, "-")) {
		int op = is_op(ps, "+") ? OP_ADD : OP_SUB;
		if (lex(ps) < 0 || p_mul(ps) < 0)
			return -1;
		emit(ps, op, 0, 0, add_span(ps, start, ps->t.p));
	}
	return 0;
}

static int p_pred(struct parser *ps)
{
	char b[64];
	const char *start = ps->t.p;
	if (p_add(ps) < 0)
		return -1;
	static const struct { const char *op; int code; } cmps[] = {
		{ "=", OP_EQ }, { "<>", OP_NE }, { "!=", OP_NE }, { "<", OP_LT }, { "<=", OP_LE },
		{ ">", OP_GT }, { ">=", OP_GE },
	};
	for (size_t i = 0; i < sizeof cmps / sizeof cmps[0]; i++)
		if (is_op(ps, cmps[i].op)) {
			if (lex(ps) < 0 || p_add(ps) < 0)
				return -1;
			emit(ps, cmps[i].code, 0, 0, add_span(ps, start, ps->t.p));
			return 0;
		}
	if (is_kw(ps, "IS")) {
		int neg = 0;
		if (lex(ps) < 0)
			return -1;
		if (is_kw(ps, "NOT")) {
			neg = 1;
			if (lex(ps) < 0)
				return -1;
		}
		if (expect_kw(ps, "NULL", neg ? "after IS NOT" : "after IS") < 0)
			return -1;
		emit(ps, neg ? OP_ISNOTNULL : OP_ISNULL, 0, 0, -1);
		return 0;
	}
	int neg = 0;
	if (is_kw(ps, "NOT")) {
		neg = 1;
		if (lex(ps) < 0)
			return -1;
		if (!is_kw(ps, "BETWEEN") && !is_kw(ps, "IN") && !is_kw(ps, "LIKE"))
			return perr(ps, ps->t.p, "expected BETWEEN, IN or LIKE after NOT, found %s",
				    tok_desc(&ps->t, b, sizeof b));
	}
	int i = -1;
	if (is_kw(ps, "BETWEEN")) {
		if (lex(ps) < 0 || p_add(ps) < 0 || expect_kw(ps, "AND", "in BETWEEN low AND high") < 0 ||
		    p_add(ps) < 0)
			return -1;
		i = emit(ps, OP_BETWEEN, 0, 0, add_span(ps, start, ps->t.p));
	} else if (is_kw(ps, "IN")) {
		int n = 0;
		if (lex(ps) < 0 || expect_op(ps, "(", "after IN") < 0)
			return -1;
		for (;;) {
			if (p_expr(ps) < 0)
				return -1;
			if (++n > 60000)
				return perr(ps, ps->t.p, "too many values in IN (...)");
			if (!is_op(ps, ","))
				break;
			if (lex(ps) < 0)
				return -1;
		}
		if (expect_op(ps, ")", "to close IN (") < 0)
			return -1;
		i = emit(ps, OP_IN, 0, n, add_span(ps, start, ps->t.p));
	} else if (is_kw(ps, "LIKE")) {
		int n = 2;
		if (lex(ps) < 0 || p_add(ps) < 0)
			return -1;
		if (is_kw(ps, "ESCAPE")) {
			if (lex(ps) < 0 || p_add(ps) < 0)
				return -1;
			n = 3;
		}
		i = emit(ps, OP_LIKE, 0, n, add_span(ps, start, ps->t.p));
	}
	if (i >= 0)
		ps->q->progs[ps->pgidx].code[i].neg = (unsigned char)neg;
	return 0;
}

static int p_not(struct parser *ps)
{
	if (is_kw(ps, "NOT")) {
		if (lex(ps) < 0 || p_not(ps) < 0)
			return -1;
		emit(ps, OP_NOT, 0, 0, -1);
		return 0;
	}
	return p_pred(ps);
}

static int p_and(struct parser *ps)
{
	if (p_not(ps) < 0)
		return -1;
	while (is_kw(ps, "AND")) {
		int j = emit(ps, OP_AND_SC, 0, 0, -1);
		if (lex(ps) < 0 || p_not(ps) < 0)
			return -1;
		emit(ps, OP_AND, 0, 0, -1);
		ps->q->progs[ps->pgidx].code[j].a = ps->q->progs[ps->pgidx].n;
	}
	return 0;
}

static int p_or(struct parser *ps)
{
	if (p_and(ps) < 0)
		return -1;
	while (is_kw(ps, "OR")) {
		int j = emit(ps, OP_OR_SC, 0, 0, -1);
		if (lex(ps) < 0 || p_and(ps) < 0)
			return -1;
		emit(ps, OP_OR, 0, 0, -1);
		ps->q->progs[ps->pgidx].code[j].a = ps->q->progs[ps->pgidx].n;
	}
	return 0;
}

static int p_expr(struct parser *ps)
{
	return p_or(ps);
}

static void parser_init(struct parser *ps, struct sx_query *q, const char *src, char *err, size_t errsz)
{
	memset(ps, 0, sizeof *ps);
	ps->q = q;
	q->srcs = sx_xreallocarray(q->srcs, (size_t)q->nsrcs + 1, sizeof *q->srcs);
	q->srcs[q->nsrcs] = sx_xstrdup(src);
	ps->srcidx = q->nsrcs++;
	ps->src = q->srcs[ps->srcidx];
	ps->at = ps->src;
	ps->err = err;
	ps->errsz = errsz;
	if (errsz)
		err[0] = '\0';
}

static int trailing(struct parser *ps, const char *what)
{
	char b[64];
	if (ps->t.k == TK_END)
		return 0;
	if (is_op(ps, ")"))
		return perr(ps, ps->t.p, "')' has no matching '('");
	return perr(ps, ps->t.p, "expected %s, found %s", what, tok_desc(&ps->t, b, sizeof b));
}

static void size_stack(struct sx_query *q)
{
	int need = 8;
	for (int i = 0; i < q->nprogs; i++)
		if (q->progs[i].n + 2 > need)   /* no instruction pushes more than one */
			need = q->progs[i].n + 2;
	if (need > q->stackcap) {
		q->stack = sx_xreallocarray(q->stack, (size_t)need, sizeof *q->stack);
		q->stackcap = need;
	}
}

int sx_query_where(struct sx_query *q, const char *src, char *err, size_t errsz)
{
	struct parser ps;
	parser_init(&ps, q, src, err, errsz);
	if (lex(&ps) < 0)
		return -1;
	if (ps.t.k == TK_END)
		return perr(&ps, ps.t.p, "expected a condition, found nothing");
	int idx = p_subprog(&ps, p_expr);
	if (idx < 0 || trailing(&ps, "AND, OR or the end of the condition") < 0)
		return -1;
	q->where = idx;
	size_stack(q);
	return 0;
}

static int name_taken(struct sx_query *q, const char *name, size_t n)
{
	for (int i = 0; i < q->nitems; i++)
		if (q->items[i].name && q->items[i].name_len == n && !memcmp(q->items[i].name, name, n))
			return 1;
	return 0;
}

int sx_query_select(struct sx_query *q, const char *src, char *err, size_t errsz)
{
	char b[64];
	struct parser ps;
	parser_init(&ps, q, src, err, errsz);
	if (lex(&ps) < 0)
		return -1;
	if (ps.t.k == TK_END)
		return perr(&ps, ps.t.p, "expected a list of fields, found nothing");
	for (;;) {
		struct item it = { NULL, 0, -1, -1, { 0 } };
		const char *start = ps.t.p;
		if (is_op(&ps, "*")) {
			if (q->has_star)
				return perr(&ps, start, "'*' appears twice");
			q->has_star = 1;
			if (lex(&ps) < 0)
				return -1;
		} else {
			int last_field = -1;
			int idx = p_subprog(&ps, p_expr);
			if (idx < 0)
				return -1;
			const char *end = ps.t.p;
			struct prog *pg = &q->progs[idx];
			if (pg->n == 1 && pg->code[0].op == OP_FIELD)
				last_field = pg->code[0].a;
			if (is_kw(&ps, "AS") || ps.t.k == TK_QIDENT || (ps.t.k == TK_IDENT && !is_reserved(&ps.t))) {
				if (is_kw(&ps, "AS") && lex(&ps) < 0)
					return -1;
				if (ps.t.k != TK_IDENT && ps.t.k != TK_QIDENT)
					return perr(&ps, ps.t.p, "expected a name after AS, found %s",
						    tok_desc(&ps.t, b, sizeof b));
				it.name = ident_name(&ps.t, &it.name_len);
				if (lex(&ps) < 0) {
					free(it.name);
					return -1;
				}
			} else if (last_field >= 0) {
				/* a field keeps the name of its last member */
				struct path *pa = &q->paths[last_field];
				it.name = sx_xstrndup(pa->k[pa->n - 1], pa->kn[pa->n - 1]);
				it.name_len = pa->kn[pa->n - 1];
			} else {
				/* no AS: the expression's text names it */
				while (end > start && isspace((unsigned char)end[-1]))
					end--;
				it.name = sx_xstrndup(start, (size_t)(end - start));
				it.name_len = (size_t)(end - start);
			}
			if (!sx_utf8_valid(it.name, it.name_len) || memchr(it.name, '\0', it.name_len)) {
				free(it.name);
				return perr(&ps, start, "the output name is not UTF-8");
			}
			if (name_taken(q, it.name, it.name_len)) {
				int r = perr(&ps, start, "the output field '%s' appears twice (rename one with AS)", it.name);
				free(it.name);
				return r;
			}
			it.prog = idx;
			if (last_field >= 0 && q->paths[last_field].n == 1)
				it.raw_path = last_field;
			GROW(q->items, q->nitems, q->capitems);
			q->items[q->nitems++] = it;
		}
		if (!is_op(&ps, ","))
			break;
		if (lex(&ps) < 0)
			return -1;
	}
	if (trailing(&ps, "',' or the end of the list") < 0)
		return -1;
	size_stack(q);
	return 0;
}

/* ---- evaluation ---- */

static int fail_at(struct sx_query *q, int span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at(struct sx_query *q, int span, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (span >= 0) {
		const struct span *s = &q->spans[span];
		int len = s->len > 120 ? 120 : s->len;
		snprintf(q->why, sizeof q->why, "%.*s%s: %s", len, q->srcs[s->src] + s->off, len < s->len ? "..." : "", msg);
	} else {
		snprintf(q->why, sizeof q->why, "%s", msg);
	}
	return -1;
}

static void load_field(struct sx_query *q, const struct path *pa, struct sx_val *v)
{
	const struct sx_field *f = sx_rec_getn(q->rec, pa->k[0], pa->kn[0]);
	if (!f) {
		v->t = SX_VNULL;
		return;
	}
	sx_val_from_json(&q->fc, f->val, f->val_len, f->type, f->val_esc, v);
	for (int i = 1; i < pa->n; i++) {
		if (v->t != SX_VREC || !sx_json_member(&q->fc, v->u.s.p, v->u.s.n, pa->k[i], pa->kn[i], v)) {
			v->t = SX_VNULL;
			return;
		}
	}
}

/* bigint arithmetic with SQL Server's overflow error */
static int arith(struct sx_query *q, const struct ins *in, struct sx_val *a, const struct sx_val *b)
{
	struct sx_val x = *a, y = *b;
	if (x.t == SX_VNULL || y.t == SX_VNULL) {
		a->t = SX_VNULL;
		return 0;
	}
	if (in->op == OP_ADD && x.t == SX_VSTR && y.t == SX_VSTR) {   /* '+' joins strings */
		char *d = sx_fnctx_alloc(&q->fc, x.u.s.n + y.u.s.n + 1);
		memcpy(d, x.u.s.p, x.u.s.n);
		memcpy(d + x.u.s.n, y.u.s.p, y.u.s.n);
		a->t = SX_VSTR;
		a->u.s.p = d;
		a->u.s.n = x.u.s.n + y.u.s.n;
		return 0;
	}
	/* a string with a number is read as a number; bit counts as bigint */
	struct sx_val *ops[2] = { &x, &y };
	for (int i = 0; i < 2; i++) {
		struct sx_val *o = ops[i];
		if (o->t == SX_VBIT)
			o->t = SX_VINT;
		else if (o->t == SX_VSTR) {
			struct sx_val c;
			if (sx_val_cast(&q->fc, o, SX_VINT, &c) == 0 || sx_val_cast(&q->fc, o, SX_VFLOAT, &c) == 0)
				*o = c;
		}
		if (o->t != SX_VINT && o->t != SX_VFLOAT) {
			char sa[120];
			sx_val_show(o, sa, sizeof sa);
			return fail_at(q, in->span, "%s %s is not a number", sx_vtype_name(o->t), sa);
		}
	}
	if (x.t == SX_VINT && y.t == SX_VINT) {
		int64_t r;
		int ovf = 0;
		switch (in->op) {
		case OP_ADD: ovf = __builtin_add_overflow(x.u.i, y.u.i, &r); break;
		case OP_SUB: ovf = __builtin_sub_overflow(x.u.i, y.u.i, &r); break;
		case OP_MUL: ovf = __builtin_mul_overflow(x.u.i, y.u.i, &r); break;
		default:
			if (y.u.i == 0)
				return fail_at(q, in->span, "division by zero");
			if (x.u.i == INT64_MIN && y.u.i == -1) {
				ovf = 1;
				r = 0;
				break;
			}
			r = in->op == OP_DIV ? x.u.i / y.u.i : x.u.i % y.u.i;
		}
		if (ovf)
			return fail_at(q, in->span, "arithmetic overflow: the result is too large for bigint");
		a->t = SX_VINT;
		a->u.i = r;
		return 0;
	}
	double dx = x.t == SX_VFLOAT ? x.u.f : (double)x.u.i, dy = y.t == SX_VFLOAT ? y.u.f : (double)y.u.i, r;
	switch (in->op) {
	case OP_ADD: r = dx + dy; break;
	case OP_SUB: r = dx - dy; break;
	case OP_MUL: r = dx * dy; break;
	default:
		if (dy == 0)
			return fail_at(q, in->span, "division by zero");
		r = in->op == OP_DIV ? dx / dy : fmod(dx, dy);
	}
	if (!isfinite(r))
		return fail_at(q, in->span, "arithmetic overflow: the result is too large for float");
	a->t = SX_VFLOAT;
	a->u.f = r;
	return 0;
}

/* -1 false, 1 true, 0 unknown, for a condition's value; 2 not a condition */
static int truth(const struct sx_val *v)
{
	if (v->t == SX_VNULL)
		return 0;
	if (v->t == SX_VBIT)
		return v->u.i ? 1 : -1;
	return 2;
}

static void set_truth(struct sx_val *v, int t)
{
	if (t == 0) {
		v->t = SX_VNULL;
	} else {
		v->t = SX_VBIT;
		v->u.i = t > 0;
	}
}

static int not_condition(struct sx_query *q, const struct sx_val *v, const char *where)
{
	char s[120];
	sx_val_show(v, s, sizeof s);
	return fail_at(q, -1, "%s: expected a condition (true or false), not %s %s", where, sx_vtype_name(v->t), s);
}

static int run(struct sx_query *q, int pidx, struct sx_val *out)
{
	const struct prog *pg = &q->progs[pidx];
	struct sx_val *st = q->stack;
	int sp = 0, cmp;
	for (int pc = 0; pc < pg->n; pc++) {
		const struct ins *in = &pg->code[pc];
		switch (in->op) {
		case OP_CONST: st[sp++] = q->consts[in->a]; break;
		case OP_FIELD: load_field(q, &q->paths[in->a], &st[sp++]); break;
		case OP_TS:   /* System.Timestamp() */
			st[sp].t = SX_VTIME;
			st[sp++].u.i = q->ts;
			break;
		case OP_ANALYTIC: st[sp++] = q->an[in->a].result; break;
		case OP_RECORD:
			st[sp].t = SX_VREC;
			st[sp].u.s.p = q->rec->line;
			st[sp++].u.s.n = q->rec->len;
			break;
		case OP_DUP: st[sp] = st[sp - 1]; sp++; break;
		case OP_POP: sp--; break;
		case OP_NEG: {
			struct sx_val *v = &st[sp - 1];
			if (v->t == SX_VNULL)
				break;
			struct sx_val zero = { .t = SX_VINT, .u.i = 0 }, x = *v;
			struct ins sub = *in;
			sub.op = OP_SUB;
			*v = zero;
			if (arith(q, &sub, v, &x) < 0)
				return -1;
			break;
		}
		case OP_NOT: {
			int t = truth(&st[sp - 1]);
			if (t == 2)
				return not_condition(q, &st[sp - 1], "NOT");
			set_truth(&st[sp - 1], -t);
			break;
		}
		case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
			sp--;
			if (arith(q, in, &st[sp - 1], &st[sp]) < 0)
				return -1;
			break;
		case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
			sp--;
			if (st[sp - 1].t == SX_VNULL || st[sp].t == SX_VNULL) {
				st[sp - 1].t = SX_VNULL;
				break;
			}
			if (sx_val_cmp(&q->fc, &st[sp - 1], &st[sp], &cmp) < 0)
				return fail_at(q, in->span, "%s", q->fc.why);
			switch (in->op) {
			case OP_EQ: cmp = cmp == 0; break;
			case OP_NE: cmp = cmp != 0; break;
			case OP_LT: cmp = cmp < 0; break;
			case OP_LE: cmp = cmp <= 0; break;
			case OP_GT: cmp = cmp > 0; break;
			default: cmp = cmp >= 0; break;
			}
			set_truth(&st[sp - 1], cmp ? 1 : -1);
			break;
		case OP_ISNULL: case OP_ISNOTNULL:
			set_truth(&st[sp - 1], (st[sp - 1].t == SX_VNULL) == (in->op == OP_ISNULL) ? 1 : -1);
			break;
		case OP_BETWEEN: {
			sp -= 2;
			struct sx_val *x = &st[sp - 1], *lo = &st[sp], *hi = &st[sp + 1];
			int t1 = 0, t2 = 0, c;
			if (x->t != SX_VNULL && lo->t != SX_VNULL) {
				if (sx_val_cmp(&q->fc, x, lo, &c) < 0)
					return fail_at(q, in->span, "%s", q->fc.why);
				t1 = c >= 0 ? 1 : -1;
			}
			if (x->t != SX_VNULL && hi->t != SX_VNULL) {
				if (sx_val_cmp(&q->fc, x, hi, &c) < 0)
					return fail_at(q, in->span, "%s", q->fc.why);
				t2 = c <= 0 ? 1 : -1;
			}
			int t = t1 < 0 || t2 < 0 ? -1 : t1 > 0 && t2 > 0 ? 1 : 0;
			set_truth(x, in->neg ? -t : t);
			break;
		}
		case OP_IN: {
			sp -= in->n;
			struct sx_val *x = &st[sp - 1];
			int t = -1;
			for (int i = 0; i < in->n; i++) {
				struct sx_val *y = &st[sp + i];
				if (x->t == SX_VNULL || y->t == SX_VNULL) {
					t = 0;
					continue;
				}
				if (sx_val_cmp(&q->fc, x, y, &cmp) < 0)
					return fail_at(q, in->span, "%s", q->fc.why);
				if (cmp == 0) {
					t = 1;
					break;
				}
			}
			set_truth(x, in->neg ? -t : t);
			break;
		}
		case OP_LIKE: {
			sp -= in->n - 1;
			struct sx_val *x = &st[sp - 1], *pat = &st[sp];
			int esc = -1;
			if (x->t == SX_VNULL || pat->t == SX_VNULL || (in->n == 3 && st[sp + 1].t == SX_VNULL)) {
				x->t = SX_VNULL;
				break;
			}
			if (in->n == 3) {
				const char *e;
				size_t en;
				sx_val_text(&q->fc, &st[sp + 1], &e, &en);
				if (en != 1)
					return fail_at(q, in->span, "ESCAPE takes one character");
				esc = (unsigned char)e[0];
			}
			const char *s, *p;
			size_t sn, pn;
			sx_val_text(&q->fc, x, &s, &sn);
			sx_val_text(&q->fc, pat, &p, &pn);
			int m = sx_like(s, sn, p, pn, esc);
			set_truth(x, (m != in->neg) ? 1 : -1);
			break;
		}
		case OP_CALL: {
			const struct sx_sqlfn *fn = q->fns[in->a];
			sp -= in->n;
			struct sx_val *args = &st[sp], r;
			int isnull = 0;
			if (!(fn->flags & SX_FN_NULLOK))
				for (int i = 0; i < in->n; i++)
					isnull |= args[i].t == SX_VNULL;
			if (isnull) {
				r.t = SX_VNULL;
			} else if (fn->fn(&q->fc, args, in->n, &r) < 0) {
				return fail_at(q, in->span, "%s", q->fc.why);
			}
			st[sp++] = r;
			break;
		}
		case OP_CAST: {
			struct sx_val r;
			if (sx_val_cast(&q->fc, &st[sp - 1], in->n, &r) < 0) {
				if (!in->neg)
					return fail_at(q, in->span, "%s", q->fc.why);
				r.t = SX_VNULL;   /* TRY_CAST */
			}
			st[sp - 1] = r;
			break;
		}
		case OP_JUMP: pc = in->a - 1; break;
		case OP_JFALSE: {
			int t = truth(&st[--sp]);
			if (t == 2)
				return not_condition(q, &st[sp], "CASE WHEN");
			if (t != 1)
				pc = in->a - 1;
			break;
		}
		case OP_AND_SC: case OP_OR_SC: {
			int t = truth(&st[sp - 1]);
			if (t == 2)
				return not_condition(q, &st[sp - 1], in->op == OP_AND_SC ? "AND" : "OR");
			if (t == (in->op == OP_AND_SC ? -1 : 1))
				pc = in->a - 1;   /* decided: keep the value */
			break;
		}
		case OP_AND: case OP_OR: {
			sp--;
			int a = truth(&st[sp - 1]), b = truth(&st[sp]);
			if (b == 2)
				return not_condition(q, &st[sp], in->op == OP_AND ? "AND" : "OR");
			int t = in->op == OP_AND ? (a < b ? a : b) : (a > b ? a : b);
			set_truth(&st[sp - 1], t);
			break;
		}
		}
	}
	*out = st[0];
	return 0;
}

static int eval_analytic(struct sx_query *q)
{
	for (int i = 0; i < q->nan; i++) {
		struct analytic_call *ac = &q->an[i];
		struct sx_val v = { .t = SX_VNULL };
		int match = 1, found;
		sx_buf_reset(&q->key);
		for (int k = 0; k < ac->npart; k++) {
			if (run(q, ac->part[k], &v) < 0)
				return -1;
			sx_analytic_key(&q->key, &v);
		}
		if (ac->when >= 0) {
			if (run(q, ac->when, &v) < 0)
				return -1;
			int t = truth(&v);
			if (t == 2)
				return not_condition(q, &v, "WHEN");
			match = t == 1;
		}
		if (ac->st.kind == SX_AN_ISFIRST) {
			ac->result.t = SX_VINT;
			ac->result.u.i = sx_analytic_isfirst(&ac->st, q->key.data ? q->key.data : "", q->key.len, q->ts, match);
			continue;
		}
		v.t = SX_VNULL;
		if (match && run(q, ac->expr, &v) < 0)
			return -1;
		sx_analytic_lag(&ac->st, q->key.data ? q->key.data : "", q->key.len, q->ts, match, &v, &found,
				&ac->result);
		if (!found) {
			ac->result.t = SX_VNULL;
			if (ac->deflt >= 0 && run(q, ac->deflt, &ac->result) < 0)
				return -1;
		}
	}
	return 0;
}

int sx_query_eval(struct sx_query *q, const struct sx_rec *rec, sx_time_t ts, const char **why)
{
	struct sx_val v;
	q->rec = rec;
	q->ts = ts;
	sx_fnctx_reset(&q->fc);
	if (q->nan && eval_analytic(q) < 0)
		goto fail;
	if (q->where >= 0) {
		if (run(q, q->where, &v) < 0)
			goto fail;
		int t = truth(&v);
		if (t == 2) {
			not_condition(q, &v, "--where");
			goto fail;
		}
		if (t != 1)
			return 0;
	}
	for (int i = 0; i < q->nitems; i++)
		if (q->items[i].raw_path < 0 && run(q, q->items[i].prog, &q->items[i].v) < 0)
			goto fail;
	return 1;
fail:
	*why = q->why;
	return -1;
}

void sx_val_json(const struct sx_val *v, struct sx_buf *b)
{
	char tmp[48];
	size_t n;
	switch (v->t) {
	case SX_VNULL: sx_buf_append(b, "null", 4); return;
	case SX_VINT:
		n = (size_t)snprintf(tmp, sizeof tmp, "%" PRId64, v->u.i);
		sx_buf_append(b, tmp, n);
		return;
	case SX_VBIT:
		if (v->u.i)
			sx_buf_append(b, "true", 4);
		else
			sx_buf_append(b, "false", 5);
		return;
	case SX_VFLOAT:
		n = sx_json_fmt_double(v->u.f, tmp);
		sx_buf_append(b, tmp, n);
		return;
	case SX_VTIME:
		n = sx_time_format(v->u.i, tmp);
		sx_buf_putc(b, '"');
		sx_buf_append(b, tmp, n);
		sx_buf_putc(b, '"');
		return;
	case SX_VSTR:
		sx_json_quote_buf(b, v->u.s.p, v->u.s.n);
		return;
	default:
		sx_json_compact_buf(b, v->u.s.p, v->u.s.n);
		return;
	}
}

void sx_query_write(struct sx_query *q, const struct sx_rec *rec, struct sx_out *o)
{
	if (!q->nitems) {   /* no --select, or "*" alone: the record as it came */
		sx_out_write(o, rec->line, rec->len);
		sx_out_putc(o, '\n');
		return;
	}
	struct sx_buf *b = &q->out;
	sx_buf_reset(b);
	sx_buf_putc(b, '{');
	int first = 1;
	if (q->has_star) {
		/* the record's fields, but those the list names again (an
		 * expression AS an existing name replaces it) */
		const char *k;
		size_t kn;
		for (size_t i = 0; i < rec->n; i++) {
			const struct sx_field *f = &rec->f[i];
			sx_json_unescape(f->key, f->key_len, f->key_esc, &q->fc.scratch, &k, &kn);
			if (name_taken(q, k, kn))
				continue;
			if (!first)
				sx_buf_putc(b, ',');
			first = 0;
			sx_buf_putc(b, '"');
			sx_buf_append(b, f->key, f->key_len);
			sx_buf_append(b, "\":", 2);
			if (rec->compact)
				sx_buf_append(b, f->val, f->val_len);
			else
				sx_json_compact_buf(b, f->val, f->val_len);
		}
	}
	for (int i = 0; i < q->nitems; i++) {
		if (!first)
			sx_buf_putc(b, ',');
		first = 0;
		sx_json_quote_buf(b, q->items[i].name, q->items[i].name_len);
		sx_buf_putc(b, ':');
		if (q->items[i].raw_path >= 0) {
			const struct path *pa = &q->paths[q->items[i].raw_path];
			const struct sx_field *f = sx_rec_getn(rec, pa->k[0], pa->kn[0]);
			if (!f)
				sx_buf_append(b, "null", 4);
			else if (rec->compact)
				sx_buf_append(b, f->val, f->val_len);
			else
				sx_json_compact_buf(b, f->val, f->val_len);
			continue;
		}
		sx_val_json(&q->items[i].v, b);
	}
	sx_buf_append(b, "}\n", 2);
	sx_out_write(o, b->data, b->len);
}

json_t *sx_query_save(const struct sx_query *q)
{
	json_t *a = json_array();
	for (int i = 0; i < q->nan; i++)
		json_array_append_new(a, sx_analytic_save(&q->an[i].st));
	return a;
}

int sx_query_load(struct sx_query *q, const json_t *j, char *err, size_t errlen)
{
	if (!json_is_array(j) || json_array_size(j) != (size_t)q->nan) {
		snprintf(err, errlen, "analytic: not a list of %d functions' state", q->nan);
		return -1;
	}
	for (int i = 0; i < q->nan; i++)
		if (sx_analytic_load(&q->an[i].st, json_array_get(j, (size_t)i), err, errlen) < 0)
			return -1;
	return 0;
}

struct sx_query *sx_expr_compile1(const char *src, char *err, size_t errsz)
{
	struct sx_query *q = sx_query_new();
	struct parser ps;
	parser_init(&ps, q, src, err, errsz);
	if (lex(&ps) < 0)
		goto fail;
	int idx = p_subprog(&ps, p_expr);
	if (idx < 0 || trailing(&ps, "an operator or the end of the expression") < 0)
		goto fail;
	q->where = idx;
	size_stack(q);
	return q;
fail:
	sx_query_free(q);
	return NULL;
}

int sx_expr_eval1(struct sx_query *q, const struct sx_rec *rec, sx_time_t ts, struct sx_val *out, const char **why)
{
	q->rec = rec;
	q->ts = ts;
	sx_fnctx_reset(&q->fc);
	if ((q->nan && eval_analytic(q) < 0) || run(q, q->where, out) < 0) {
		*why = q->why;
		return -1;
	}
	return 0;
}
