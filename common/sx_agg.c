/* sx_agg.c - the aggregate functions of sx-window (see sx_agg.h).
 *
 * Layout: an accumulator is one allocation, a count of events followed by one
 * `union state` per aggregate of the set.  Decomposable aggregates live
 * entirely in their union member; value-keeping ones hold growable arrays
 * that reset() empties but keeps.  A set lists each field name once; add()
 * looks every distinct field up once per event and caches its numeric value,
 * so ten aggregates over one field cost one sx_rec_get and one number parse.
 */
#include "sx_agg.h"
#include "sx_err.h"
#include "sx_hash.h"
#include "sx_out.h"
#include "sx_stats.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fn {
	F_COUNT_ALL, F_COUNT, F_SUM, F_AVG, F_MIN, F_MAX, F_STDEV, F_STDEVP, F_VAR, F_VARP,
	F_MEDIAN, F_PCONT, F_PDISC, F_CDISTINCT, F_APPROX, F_FIRST, F_LAST, F_COLLECT,
	F_MIN_BY, F_MAX_BY
};

/* ARGS: 1 = (FIELD), 2 = (FIELD,FIELD), 3 = (FIELD,P); count() is special. */
static const struct fninfo {
	const char *name;
	int args;
	int numeric;        /* reads its (first) field as a number */
} fns[] = {
	[F_COUNT_ALL] = {"count", 0, 0},
	[F_COUNT] = {"count", 1, 0},
	[F_SUM] = {"sum", 1, 1},
	[F_AVG] = {"avg", 1, 1},
	[F_MIN] = {"min", 1, 1},
	[F_MAX] = {"max", 1, 1},
	[F_STDEV] = {"stdev", 1, 1},
	[F_STDEVP] = {"stdevp", 1, 1},
	[F_VAR] = {"var", 1, 1},
	[F_VARP] = {"varp", 1, 1},
	[F_MEDIAN] = {"median", 1, 1},
	[F_PCONT] = {"percentile_cont", 3, 1},
	[F_PDISC] = {"percentile_disc", 3, 1},
	[F_CDISTINCT] = {"count_distinct", 1, 0},
	[F_APPROX] = {"approx_count_distinct", 1, 0},
	[F_FIRST] = {"first", 1, 0},
	[F_LAST] = {"last", 1, 0},
	[F_COLLECT] = {"collect", 1, 0},
	[F_MIN_BY] = {"min_by", 2, 1},
	[F_MAX_BY] = {"max_by", 2, 1},
};
#define NFNS (sizeof fns / sizeof fns[0])

struct agg {
	enum fn fn;
	char *name;            /* output name */
	char *prefix;          /* `,"name":` ready to write */
	size_t prefix_len;
	int field, field2;     /* indexes into sx_aggset.fields, -1 when unused */
	double p;              /* percentile_* */
	size_t off;            /* of its state in an accumulator (after nevents) */
};

struct fieldname {
	char *name;
	size_t len;
};

/* What add() learned about one field of the current event. */
struct evfield {
	const struct sx_field *f;  /* NULL when missing */
	signed char num;           /* 0 not yet looked at, 1 a usable number, -1 not */
	signed char is_int;        /* integer syntax that fits int64 */
	double d;
	int64_t i;
};

/* Mutable working space of a (const) set: one event's fields, key encoding,
 * copies sorted at emit time. */
struct scratch {
	struct evfield *ev;
	struct sx_buf key, tmp;
	double *dv;
	size_t dvcap;
	void *pv;
	size_t pvcap;
};

struct sx_aggset {
	struct agg *a;
	size_t n, cap;
	struct fieldname *fields;
	size_t nfields;
	struct scratch *sc;
	uint64_t *non_numeric;
	struct sx_buf sig;
	size_t acc_size;       /* accumulator bytes after nevents */
};

/* ---- accumulator state ------------------------------------------------ */

/* A value's own JSON text: inline when short, else a heap buffer kept for reuse. */
struct vtext {
	char *heap;
	size_t len, cap;
	char inl[24];
};

struct st_count { uint64_t n; };

struct st_sum {
	uint64_t n;
	int64_t isum;
	int not_int;           /* a non-integer value or int64 overflow was seen */
	double sum, comp;      /* Neumaier compensated sum of all values */
};

/* min, max, first, last, min_by, max_by: the chosen event's key and text. */
struct st_pick {
	int has;
	double v;
	sx_time_t t;
	uint64_t seq;
	struct vtext txt;
};

/* Welford over x - shift: shift is an integer near the first value, and
 * x - shift is taken from the decimal text, so 1000000000.1 .2 .3 vary by
 * their decimals, not by the doubles nearest to them (error 1e-6). */
struct st_var { uint64_t n; double mean, m2; int64_t shift; };

struct st_dvals { double *v; size_t n, cap; };

struct discv { double v; size_t off, len; };
struct st_disc { struct discv *v; size_t n, cap; struct sx_buf text; };

struct collv { sx_time_t t; uint64_t seq; size_t off, len; };
struct st_collect { struct collv *v; size_t n, cap; struct sx_buf text; int unsorted; };

/* HyperLogLog: an exact set of 64-bit hashes while small, then 2^P registers. */
#define HLL_P 14
#define HLL_M (1u << HLL_P)
#define HLL_Q (64 - HLL_P)
#define HLL_EXACT_MAX 768          /* exact set at most 1024 slots = 8 KB */
#define HLL_SEED 0x5eed5eed5eedull
struct st_hll {
	uint64_t *set;         /* open addressing, 0 = empty */
	size_t setn, setcap;
	uint8_t *reg;          /* allocated when first dense; kept by reset */
	int dense;
};

union state {
	struct st_count c;
	struct st_sum s;
	struct st_pick k;
	struct st_var w;
	struct st_dvals d;
	struct st_disc q;
	struct st_collect l;
	struct sx_strmap m;
	struct st_hll h;
};

/* Each aggregate's state takes only the bytes of its own member (an
 * accumulator of count, avg and max is 136 bytes, not 248: hopping windows
 * keep tens of thousands and merge them in every row); the last is padded
 * to a whole union so every union pointer has one behind it. */
struct sx_acc {
	uint64_t nevents;
	union state st[];
};

static size_t state_size(enum fn fn)
{
	size_t n;
	switch (fn) {
	case F_COUNT_ALL: case F_COUNT: n = sizeof(struct st_count); break;
	case F_SUM: case F_AVG: n = sizeof(struct st_sum); break;
	case F_MIN: case F_MAX: case F_FIRST: case F_LAST: case F_MIN_BY: case F_MAX_BY:
		n = sizeof(struct st_pick);
		break;
	case F_STDEV: case F_STDEVP: case F_VAR: case F_VARP: n = sizeof(struct st_var); break;
	case F_MEDIAN: case F_PCONT: n = sizeof(struct st_dvals); break;
	case F_PDISC: n = sizeof(struct st_disc); break;
	case F_COLLECT: n = sizeof(struct st_collect); break;
	case F_CDISTINCT: n = sizeof(struct sx_strmap); break;
	case F_APPROX: n = sizeof(struct st_hll); break;
	default: n = sizeof(union state); break;
	}
	size_t al = _Alignof(union state);
	return (n + al - 1) / al * al;
}

/* The state of aggregate I in A. */
static inline union state *st_at(const struct sx_aggset *s, const struct sx_acc *a, size_t i)
{
	return (union state *)((char *)(uintptr_t)a->st + s->a[i].off);
}

/* ---- small helpers ------------------------------------------------------ */

static void vt_set(struct vtext *t, const char *s, size_t n)
{
	if (n <= sizeof t->inl) {
		memcpy(t->inl, s, n);
	} else {
		if (n > t->cap) {
			t->heap = sx_xrealloc(t->heap, n);
			t->cap = n;
		}
		memcpy(t->heap, s, n);
	}
	t->len = n;
}

static const char *vt_get(const struct vtext *t)
{
	return t->len <= sizeof t->inl ? t->inl : t->heap;
}

/* (t1,s1) strictly before (t2,s2) in event order. */
static inline int before(sx_time_t t1, uint64_t s1, sx_time_t t2, uint64_t s2)
{
	return t1 < t2 || (t1 == t2 && s1 < s2);
}

/* Grow *P (array of SIZE-byte elements, capacity *CAP) to hold N+1. */
static void grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return;
	size_t c = *cap ? *cap * 2 : 16;
	*p = sx_xreallocarray(*p, c, size);
	*cap = c;
}
#define GROW(arr, cap, n) grow((void **)&(arr), &(cap), (n), sizeof *(arr))

/* JSON integer syntax that fits int64. */
static int parse_int64(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	if (i < n && s[i] == '-') {
		neg = 1;
		i++;
	}
	if (i == n)
		return -1;
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (lim - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static void out_double(struct sx_out *o, double v)
{
	char b[32];
	size_t n = sx_json_fmt_double(v, b);
	sx_out_write(o, b, n);
}

/* Decimal digits of V, without printf (counts are on every row). */
static void out_u64(struct sx_out *o, uint64_t v)
{
	char b[24], *p = b + sizeof b;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sx_out_write(o, p, (size_t)(b + sizeof b - p));
}

/* ---- parsing -A arguments ----------------------------------------------- */

struct sx_aggset *sx_aggset_new(void)
{
	struct sx_aggset *s = sx_xcalloc(1, sizeof *s);
	s->sc = sx_xcalloc(1, sizeof *s->sc);
	return s;
}

void sx_aggset_free(struct sx_aggset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->a[i].name);
		free(s->a[i].prefix);
	}
	for (size_t i = 0; i < s->nfields; i++)
		free(s->fields[i].name);
	free(s->a);
	free(s->fields);
	free(s->sc->ev);
	sx_buf_free(&s->sc->key);
	sx_buf_free(&s->sc->tmp);
	free(s->sc->dv);
	free(s->sc->pv);
	free(s->sc);
	sx_buf_free(&s->sig);
	free(s);
}

size_t sx_aggset_count(const struct sx_aggset *s)
{
	return s->n;
}

const char *sx_aggset_name(const struct sx_aggset *s, size_t i)
{
	return s->a[i].name;
}

const char *sx_aggset_signature(const struct sx_aggset *s)
{
	return s->sig.data ? s->sig.data : "";
}

int sx_aggset_keeps_values(const struct sx_aggset *s)
{
	for (size_t i = 0; i < s->n; i++)
		switch (s->a[i].fn) {
		case F_MEDIAN: case F_PCONT: case F_PDISC: case F_CDISTINCT: case F_COLLECT:
			return 1;
		default:
			break;
		}
	return 0;
}

static int field_index(struct sx_aggset *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (s->fields[i].len == len && memcmp(s->fields[i].name, name, len) == 0)
			return (int)i;
	s->fields = sx_xreallocarray(s->fields, s->nfields + 1, sizeof *s->fields);
	s->fields[s->nfields].name = sx_xstrndup(name, len);
	s->fields[s->nfields].len = len;
	s->sc->ev = sx_xreallocarray(s->sc->ev, s->nfields + 1, sizeof *s->sc->ev);
	return (int)s->nfields++;
}

static void trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int sx_aggset_add(struct sx_aggset *s, const char *arg, char *err, size_t errlen)
{
	const char *open = strchr(arg, '(');
	const char *end = arg + strlen(arg);
	const char *close = end;
	while (close > arg && isspace((unsigned char)close[-1]))
		close--;
	if (!open || close == arg || close[-1] != ')' || close - 1 < open)
		FAIL("bad aggregate \"%s\": expected [NAME=]FUNC(ARGS), e.g. avg(temperature)", arg);
	close--;

	/* NAME= before the function name */
	const char *fb = arg, *fe = open, *nb = NULL, *ne = NULL;
	const char *eq = memchr(arg, '=', (size_t)(open - arg));
	if (eq) {
		nb = arg;
		ne = eq;
		trim(&nb, &ne);
		if (nb == ne)
			FAIL("bad aggregate \"%s\": empty NAME before '='", arg);
		fb = eq + 1;
	}
	trim(&fb, &fe);
	char fname[32];
	size_t fl = (size_t)(fe - fb);
	if (fl == 0 || fl >= sizeof fname)
		FAIL("bad aggregate \"%s\": unknown function \"%.*s\"", arg, (int)fl, fb);
	for (size_t i = 0; i < fl; i++)
		fname[i] = (char)tolower((unsigned char)fb[i]);
	fname[fl] = '\0';

	/* the arguments, split at commas */
	const char *ab[3], *ae[3];
	int nargs = 0;
	const char *p = open + 1;
	for (;;) {
		const char *c = memchr(p, ',', (size_t)(close - p));
		const char *stop = c ? c : close;
		if (nargs == 3)
			FAIL("bad aggregate \"%s\": too many arguments", arg);
		ab[nargs] = p;
		ae[nargs] = stop;
		trim(&ab[nargs], &ae[nargs]);
		nargs++;
		if (!c)
			break;
		p = c + 1;
	}
	if (nargs == 1 && ab[0] == ae[0])
		nargs = 0;

	struct agg a = {.field = -1, .field2 = -1};
	size_t k;
	for (k = 0; k < NFNS; k++)
		if (!strcmp(fns[k].name, fname))
			break;
	if (k == NFNS)
		FAIL("bad aggregate \"%s\": unknown function \"%s\" (see sx-window(1) for the list)",
		     arg, fname);
	a.fn = (enum fn)k;
	if (a.fn == F_COUNT_ALL) {
		if (nargs == 1 && ae[0] - ab[0] == 1 && *ab[0] == '*')
			nargs = 0;
		if (nargs > 1)
			FAIL("bad aggregate \"%s\": count takes at most one field: count() or count(FIELD)", arg);
		if (nargs == 1)
			a.fn = F_COUNT;
	} else {
		int want = fns[a.fn].args == 1 ? 1 : 2;
		if (nargs != want) {
			const char *shape = fns[a.fn].args == 1 ? "FIELD" : fns[a.fn].args == 2 ?
				"FIELD,FIELD" : "FIELD,P";
			FAIL("bad aggregate \"%s\": %s takes %s: %s(%s)", arg, fname,
			     want == 1 ? "one field" : "two arguments", fname, shape);
		}
	}
	for (int i = 0; i < nargs; i++)
		if (ab[i] == ae[i])
			FAIL("bad aggregate \"%s\": empty argument", arg);
	if (fns[a.fn].args == 3) {
		char num[64];
		size_t nl = (size_t)(ae[1] - ab[1]);
		char *stop;
		if (nl >= sizeof num)
			FAIL("bad aggregate \"%s\": P must be a number between 0 and 1", arg);
		memcpy(num, ab[1], nl);
		num[nl] = '\0';
		double pv = strtod(num, &stop);
		if (*stop || !(pv >= 0 && pv <= 1))
			FAIL("bad aggregate \"%s\": P must be a number between 0 and 1, got \"%s\"", arg, num);
		a.p = pv;
	}
	for (int i = 0; i < nargs; i++)
		if (!sx_utf8_valid(ab[i], (size_t)(ae[i] - ab[i])))
			FAIL("bad aggregate \"%s\": field name is not valid UTF-8", arg);

	/* output name: NAME, or count, FUNC_FIELD, FUNC_FIELD_FIELD2 */
	struct sx_buf nm = SX_BUF_INIT;
	if (nb) {
		sx_buf_append(&nm, nb, (size_t)(ne - nb));
	} else {
		sx_buf_puts(&nm, fns[a.fn].name);
		for (int i = 0; i < nargs; i++) {
			if (i == 1 && fns[a.fn].args == 3)
				break;
			sx_buf_putc(&nm, '_');
			sx_buf_append(&nm, ab[i], (size_t)(ae[i] - ab[i]));
		}
	}
	if (!sx_utf8_valid(nm.data, nm.len)) {
		sx_buf_free(&nm);
		FAIL("bad aggregate \"%s\": NAME is not valid UTF-8", arg);
	}
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->a[i].name, nm.data)) {
			snprintf(err, errlen, "aggregate name \"%s\" is used twice (\"%s\"); "
				 "use NAME=FUNC(...) to name one of them", nm.data, arg);
			sx_buf_free(&nm);
			return -1;
		}

	if (nargs >= 1)
		a.field = field_index(s, ab[0], (size_t)(ae[0] - ab[0]));
	if (nargs == 2 && fns[a.fn].args == 2)
		a.field2 = field_index(s, ab[1], (size_t)(ae[1] - ab[1]));
	if (fns[a.fn].numeric && !s->non_numeric)
		s->non_numeric = sx_stats_counter("non_numeric");

	a.name = nm.data;
	struct sx_buf pre = SX_BUF_INIT;
	sx_buf_putc(&pre, ',');
	sx_json_quote_buf(&pre, nm.data, nm.len);
	sx_buf_putc(&pre, ':');
	a.prefix = pre.data;
	a.prefix_len = pre.len;

	/* signature: one line per aggregate, "name\tfunc\tfield\tfield2\tp" */
	sx_buf_printf(&s->sig, "%s\t%s\t%s\t%s\t%.17g\n", a.name, fns[a.fn].name,
		      a.field >= 0 ? s->fields[a.field].name : "",
		      a.field2 >= 0 ? s->fields[a.field2].name : "", a.p);

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->a = sx_xreallocarray(s->a, s->cap, sizeof *s->a);
	}
	a.off = s->n ? s->a[s->n - 1].off + state_size(s->a[s->n - 1].fn) : 0;
	s->acc_size = a.off + sizeof(union state);
	s->a[s->n++] = a;
	return 0;
}
#undef FAIL

/* ---- accumulators ------------------------------------------------------- */

struct sx_acc *sx_acc_new(const struct sx_aggset *s)
{
	/* all-zero is the empty state of every aggregate */
	return sx_xcalloc(1, sizeof(struct sx_acc) + s->acc_size);
}

void sx_acc_free(const struct sx_aggset *s, struct sx_acc *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < s->n; i++) {
		union state *u = st_at(s, a, i);
		switch (s->a[i].fn) {
		case F_MIN: case F_MAX: case F_FIRST: case F_LAST: case F_MIN_BY: case F_MAX_BY:
			free(u->k.txt.heap);
			break;
		case F_MEDIAN: case F_PCONT:
			free(u->d.v);
			break;
		case F_PDISC:
			free(u->q.v);
			sx_buf_free(&u->q.text);
			break;
		case F_COLLECT:
			free(u->l.v);
			sx_buf_free(&u->l.text);
			break;
		case F_CDISTINCT:
			sx_strmap_free(&u->m);
			break;
		case F_APPROX:
			free(u->h.set);
			free(u->h.reg);
			break;
		default:
			break;
		}
	}
	free(a);
}

void sx_acc_reset(const struct sx_aggset *s, struct sx_acc *a)
{
	a->nevents = 0;
	for (size_t i = 0; i < s->n; i++) {
		union state *u = st_at(s, a, i);
		switch (s->a[i].fn) {
		case F_MIN: case F_MAX: case F_FIRST: case F_LAST: case F_MIN_BY: case F_MAX_BY:
			u->k.has = 0;
			u->k.txt.len = 0;
			break;
		case F_MEDIAN: case F_PCONT:
			u->d.n = 0;
			break;
		case F_PDISC:
			u->q.n = 0;
			sx_buf_reset(&u->q.text);
			break;
		case F_COLLECT:
			u->l.n = 0;
			u->l.unsorted = 0;
			sx_buf_reset(&u->l.text);
			break;
		case F_CDISTINCT:
			sx_strmap_clear(&u->m);
			break;
		case F_APPROX:
			if (u->h.setcap)
				memset(u->h.set, 0, u->h.setcap * sizeof *u->h.set);
			u->h.setn = 0;
			u->h.dense = 0;
			break;
		/* fixed-size stores, not a memset call: hopping windows reset
		 * an accumulator for about every row */
		case F_COUNT_ALL: case F_COUNT:
			u->c = (struct st_count){ 0 };
			break;
		case F_SUM: case F_AVG:
			u->s = (struct st_sum){ 0 };
			break;
		case F_STDEV: case F_STDEVP: case F_VAR: case F_VARP:
			u->w = (struct st_var){ 0 };
			break;
		default:
			memset(u, 0, state_size(s->a[i].fn));
			break;
		}
	}
}

int sx_acc_empty(const struct sx_aggset *s, const struct sx_acc *a)
{
	(void)s;
	return a->nevents == 0;
}

/* The current event's field I as a number: 1 yes (e->d, e->is_int, e->i),
 * 0 no.  A present non-null non-number is counted once per event. */
static int evnum(const struct sx_aggset *s, struct evfield *e)
{
	if (e->num == 0) {
		e->num = -1;
		const struct sx_field *f = e->f;
		if (!f || f->type == SX_JNULL)
			return 0;
		if (f->type != SX_JNUMBER || sx_field_double(f, &e->d) < 0 || !isfinite(e->d)) {
			(*s->non_numeric)++;
			return 0;
		}
		e->num = 1;
		e->is_int = parse_int64(f->val, f->val_len, &e->i) == 0;
	}
	return e->num > 0;
}

/* Equality key of a value for count_distinct and approx_count_distinct:
 * a type tag then the value.  Numbers compare by value (1 == 1.0 == 1e0;
 * integers exactly to int64), strings by their decoded bytes, objects and
 * arrays by their text without whitespace. */
static void distinct_key(struct scratch *sc, struct evfield *e)
{
	const struct sx_field *f = e->f;
	struct sx_buf *k = &sc->key;
	sx_buf_reset(k);
	switch (f->type) {
	case SX_JSTRING: {
		const char *str;
		size_t len;
		sx_field_str(f, &sc->tmp, &str, &len);
		sx_buf_putc(k, 's');
		sx_buf_append(k, str, len);
		break;
	}
	case SX_JNUMBER: {
		int64_t iv;
		double d;
		int ok = parse_int64(f->val, f->val_len, &iv) == 0;
		if (!ok && sx_json_number_to_double(f->val, f->val_len, &d) == 0 && isfinite(d)) {
			if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
				iv = (int64_t)d;
				ok = 1;
			} else {
				sx_buf_putc(k, 'n');
				sx_buf_append(k, &d, sizeof d);
				break;
			}
		}
		if (ok) {
			sx_buf_putc(k, 'i');
			sx_buf_append(k, &iv, sizeof iv);
		} else {
			sx_buf_putc(k, 'x');    /* out of double range: by text */
			sx_buf_append(k, f->val, f->val_len);
		}
		break;
	}
	case SX_JTRUE:
		sx_buf_putc(k, 'T');
		break;
	case SX_JFALSE:
		sx_buf_putc(k, 'F');
		break;
	default:
		sx_buf_putc(k, 'j');
		sx_json_compact_buf(k, f->val, f->val_len);
		break;
	}
}

/* ---- HyperLogLog -------------------------------------------------------- */

static void hll_reg_add(uint8_t *reg, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> HLL_Q);
	uint64_t w = h << HLL_P;
	uint8_t rho = (uint8_t)(w ? __builtin_clzll(w) + 1 : HLL_Q + 1);
	if (reg[idx] < rho)
		reg[idx] = rho;
}

static void hll_to_dense(struct st_hll *h)
{
	if (!h->reg)
		h->reg = sx_xcalloc(HLL_M, 1);
	else
		memset(h->reg, 0, HLL_M);
	for (size_t i = 0; i < h->setcap; i++)
		if (h->set[i]) {
			hll_reg_add(h->reg, h->set[i]);
			h->set[i] = 0;
		}
	h->setn = 0;
	h->dense = 1;
}

static int hll_set_insert(uint64_t *set, size_t cap, uint64_t x)
{
	size_t mask = cap - 1, i = (size_t)x & mask;
	while (set[i]) {
		if (set[i] == x)
			return 0;
		i = (i + 1) & mask;
	}
	set[i] = x;
	return 1;
}

static void hll_add(struct st_hll *h, uint64_t x)
{
	if (h->dense) {
		hll_reg_add(h->reg, x);
		return;
	}
	if (!x)
		x = 1;          /* 0 marks an empty slot */
	if ((h->setn + 1) * 4 > h->setcap * 3) {
		if (h->setn + 1 > HLL_EXACT_MAX) {
			hll_to_dense(h);
			hll_reg_add(h->reg, x);
			return;
		}
		size_t ncap = h->setcap ? h->setcap * 2 : 16;
		uint64_t *ns = sx_xcalloc(ncap, sizeof *ns);
		for (size_t i = 0; i < h->setcap; i++)
			if (h->set[i])
				hll_set_insert(ns, ncap, h->set[i]);
		free(h->set);
		h->set = ns;
		h->setcap = ncap;
	}
	h->setn += (size_t)hll_set_insert(h->set, h->setcap, x);
}

/* Ertl, "New cardinality estimation algorithms for HyperLogLog sketches"
 * (2017): the improved raw estimator, unbiased from 0 to far beyond 1e9
 * without empirical bias tables or a switch to linear counting. */
static double hll_sigma(double x)
{
	if (x == 1.0)
		return INFINITY;
	double y = 1.0, z = x, zp;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (zp != z);
	return z;
}

static double hll_tau(double x)
{
	if (x == 0.0 || x == 1.0)
		return 0.0;
	double y = 1.0, z = 1.0 - x, zp;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1.0 - x) * (1.0 - x) * y;
	} while (zp != z);
	return z / 3.0;
}

static uint64_t hll_estimate(const struct st_hll *h)
{
	if (!h->dense)
		return h->setn;
	unsigned c[HLL_Q + 2] = {0};
	for (uint32_t i = 0; i < HLL_M; i++)
		c[h->reg[i]]++;
	double m = HLL_M;
	double z = m * hll_tau((m - c[HLL_Q + 1]) / m);
	for (int k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	return (uint64_t)llround(m * m / (2.0 * log(2.0)) / z);
}

/* ---- add ---------------------------------------------------------------- */

static void pick_set(struct st_pick *k, double v, sx_time_t t, uint64_t seq, const char *txt,
		     size_t len)
{
	k->has = 1;
	k->v = v;
	k->t = t;
	k->seq = seq;
	vt_set(&k->txt, txt, len);
}

/* Does (v,t,seq) replace the current pick?  SIGN -1 keeps the smallest v,
 * +1 the largest, 0 ignores v; ties go to the earliest event, except for
 * last (LATEST), which keeps the latest. */
static int pick_wins(const struct st_pick *k, int sign, int latest, double v, sx_time_t t,
		     uint64_t seq)
{
	if (!k->has)
		return 1;
	if (sign < 0 && v != k->v)
		return v < k->v;
	if (sign > 0 && v != k->v)
		return v > k->v;
	return latest ? before(k->t, k->seq, t, seq) : before(t, seq, k->t, k->seq);
}

static void sum_add(struct st_sum *u, double d, int is_int, int64_t i)
{
	u->n++;
	/* Neumaier: the compensation catches what the rounded sum dropped */
	double t = u->sum + d;
	if (fabs(u->sum) >= fabs(d))
		u->comp += (u->sum - t) + d;
	else
		u->comp += (d - t) + u->sum;
	u->sum = t;
	if (!u->not_int) {
		if (!is_int || __builtin_add_overflow(u->isum, i, &u->isum))
			u->not_int = 1;
	}
}

/* TEXT - SHIFT for a JSON number TEXT whose double is D: exact integer part
 * minus SHIFT, plus the fraction (plain decimals up to 18 integer digits;
 * other texts fall back to D - SHIFT). */
static double shifted(const char *text, size_t len, double d, int64_t shift)
{
	const char *p = text, *end = text + len;
	int neg = p < end && *p == '-';
	p += neg;
	int64_t ip = 0, fp = 0;
	int nint = 0, nfrac = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++, nint++)
		ip = nint < 18 ? ip * 10 + (*p - '0') : ip;
	if (nint > 18)
		return d - (double)shift;
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			if (nfrac < 18) {
				fp = fp * 10 + (*p - '0');
				nfrac++;
			}
	if (p != end)           /* an exponent */
		return d - (double)shift;
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
					1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18 };
	double frac = (double)fp / pow10[nfrac];
	return neg ? (double)(-ip - shift) - frac : (double)(ip - shift) + frac;
}

static void var_add(struct st_var *u, const struct sx_field *f, double x)
{
	if (u->n == 0)          /* |shift| < 2^53: exact as a double */
		u->shift = fabs(x) < 9007199254740992.0 ? (int64_t)x : 0;
	x = shifted(f->val, f->val_len, x, u->shift);
	u->n++;
	double d = x - u->mean;
	u->mean += d / (double)u->n;
	u->m2 += d * (x - u->mean);
}

void sx_acc_add(const struct sx_aggset *s, struct sx_acc *a, const struct sx_rec *rec,
		sx_time_t t, uint64_t seq)
{
	struct scratch *sc = s->sc;
	for (size_t i = 0; i < s->nfields; i++) {
		sc->ev[i].f = sx_rec_getn(rec, s->fields[i].name, s->fields[i].len);
		sc->ev[i].num = 0;
	}
	a->nevents++;
	for (size_t i = 0; i < s->n; i++) {
		const struct agg *g = &s->a[i];
		union state *u = st_at(s, a, i);
		struct evfield *e = g->field >= 0 ? &sc->ev[g->field] : NULL;
		if (g->fn == F_COUNT_ALL) {
			u->c.n++;
			continue;
		}
		if (fns[g->fn].numeric && !evnum(s, e))
			continue;
		const struct sx_field *f = e->f;
		switch (g->fn) {
		case F_COUNT:
			if (f && f->type != SX_JNULL)
				u->c.n++;
			break;
		case F_SUM: case F_AVG:
			sum_add(&u->s, e->d, e->is_int, e->i);
			break;
		case F_MIN: case F_MAX:
			if (pick_wins(&u->k, g->fn == F_MIN ? -1 : 1, 0, e->d, t, seq))
				pick_set(&u->k, e->d, t, seq, f->val, f->val_len);
			break;
		case F_STDEV: case F_STDEVP: case F_VAR: case F_VARP:
			var_add(&u->w, f, e->d);
			break;
		case F_MEDIAN: case F_PCONT:
			GROW(u->d.v, u->d.cap, u->d.n);
			u->d.v[u->d.n++] = e->d;
			break;
		case F_PDISC:
			GROW(u->q.v, u->q.cap, u->q.n);
			u->q.v[u->q.n++] = (struct discv){e->d, u->q.text.len, f->val_len};
			sx_buf_append(&u->q.text, f->val, f->val_len);
			break;
		case F_CDISTINCT: case F_APPROX:
			if (!f || f->type == SX_JNULL)
				break;
			distinct_key(sc, e);
			if (g->fn == F_CDISTINCT)
				sx_strmap_put(&u->m, sc->key.data, sc->key.len, NULL);
			else
				hll_add(&u->h, sx_hash64(sc->key.data, sc->key.len, HLL_SEED));
			break;
		case F_FIRST: case F_LAST:
			if (f && pick_wins(&u->k, 0, g->fn == F_LAST, 0, t, seq))
				pick_set(&u->k, 0, t, seq, f->val, f->val_len);
			break;
		case F_COLLECT: {
			if (!f)
				break;
			struct st_collect *l = &u->l;
			if (l->n && before(t, seq, l->v[l->n - 1].t, l->v[l->n - 1].seq))
				l->unsorted = 1;
			GROW(l->v, l->cap, l->n);
			l->v[l->n++] = (struct collv){t, seq, l->text.len, f->val_len};
			sx_buf_append(&l->text, f->val, f->val_len);
			break;
		}
		case F_MIN_BY: case F_MAX_BY:
			if (pick_wins(&u->k, g->fn == F_MIN_BY ? -1 : 1, 0, e->d, t, seq)) {
				const struct sx_field *f2 = sc->ev[g->field2].f;
				if (f2)
					pick_set(&u->k, e->d, t, seq, f2->val, f2->val_len);
				else
					pick_set(&u->k, e->d, t, seq, "null", 4);
			}
			break;
		default:
			break;
		}
	}
}

/* ---- merge -------------------------------------------------------------- */

static void collect_append(struct st_collect *d, const struct st_collect *s, size_t i)
{
	const struct collv *v = &s->v[i];
	if (d->n && before(v->t, v->seq, d->v[d->n - 1].t, d->v[d->n - 1].seq))
		d->unsorted = 1;
	GROW(d->v, d->cap, d->n);
	d->v[d->n++] = (struct collv){v->t, v->seq, d->text.len, v->len};
	sx_buf_append(&d->text, s->text.data + v->off, v->len);
}

void sx_acc_merge(const struct sx_aggset *s, struct sx_acc *dst, const struct sx_acc *src)
{
	dst->nevents += src->nevents;
	for (size_t i = 0; i < s->n; i++) {
		const struct agg *g = &s->a[i];
		union state *d = st_at(s, dst, i);
		const union state *u = st_at(s, src, i);
		switch (g->fn) {
		case F_COUNT_ALL: case F_COUNT:
			d->c.n += u->c.n;
			break;
		case F_SUM: case F_AVG: {
			if (!u->s.n)
				break;
			d->s.n += u->s.n;
			double t = d->s.sum + u->s.sum;
			if (fabs(d->s.sum) >= fabs(u->s.sum))
				d->s.comp += (d->s.sum - t) + u->s.sum;
			else
				d->s.comp += (u->s.sum - t) + d->s.sum;
			d->s.sum = t;
			d->s.comp += u->s.comp;
			if (u->s.not_int || __builtin_add_overflow(d->s.isum, u->s.isum, &d->s.isum))
				d->s.not_int = 1;
			break;
		}
		case F_MIN: case F_MAX: case F_FIRST: case F_LAST: case F_MIN_BY: case F_MAX_BY: {
			const struct st_pick *k = &u->k;
			if (!k->has)
				break;
			int sign = g->fn == F_MIN || g->fn == F_MIN_BY ? -1 :
				   g->fn == F_MAX || g->fn == F_MAX_BY ? 1 : 0;
			if (pick_wins(&d->k, sign, g->fn == F_LAST, k->v, k->t, k->seq))
				pick_set(&d->k, k->v, k->t, k->seq, vt_get(&k->txt), k->txt.len);
			break;
		}
		case F_STDEV: case F_STDEVP: case F_VAR: case F_VARP: {
			/* Chan et al.: combine two (n, mean, M2) without revisiting values */
			const struct st_var *b = &u->w;
			struct st_var *x = &d->w;
			if (!b->n)
				break;
			if (!x->n) {
				*x = *b;
				break;
			}
			double na = (double)x->n, nb = (double)b->n, n = na + nb;
			double delta = (b->mean + (double)(b->shift - x->shift)) - x->mean;
			x->mean += delta * (nb / n);
			x->m2 += b->m2 + delta * delta * (na * nb / n);
			x->n += b->n;
			break;
		}
		case F_MEDIAN: case F_PCONT:
			for (size_t j = 0; j < u->d.n; j++) {
				GROW(d->d.v, d->d.cap, d->d.n);
				d->d.v[d->d.n++] = u->d.v[j];
			}
			break;
		case F_PDISC:
			for (size_t j = 0; j < u->q.n; j++) {
				const struct discv *v = &u->q.v[j];
				GROW(d->q.v, d->q.cap, d->q.n);
				d->q.v[d->q.n++] = (struct discv){v->v, d->q.text.len, v->len};
				sx_buf_append(&d->q.text, u->q.text.data + v->off, v->len);
			}
			break;
		case F_COLLECT:
			for (size_t j = 0; j < u->l.n; j++)
				collect_append(&d->l, &u->l, j);
			break;
		case F_CDISTINCT:
			for (size_t j = 0; j < u->m.n; j++) {
				size_t kl;
				const char *key = sx_strmap_key(&u->m, j, &kl);
				sx_strmap_puth(&d->m, key, kl, u->m.e[j].hash, NULL);
			}
			break;
		case F_APPROX:
			if (u->h.dense) {
				if (!d->h.dense)
					hll_to_dense(&d->h);
				for (uint32_t j = 0; j < HLL_M; j++)
					if (d->h.reg[j] < u->h.reg[j])
						d->h.reg[j] = u->h.reg[j];
			} else {
				for (size_t j = 0; j < u->h.setcap; j++)
					if (u->h.set[j])
						hll_add(&d->h, u->h.set[j]);
			}
			break;
		}
	}
}

/* ---- emit --------------------------------------------------------------- */

/* The K-th smallest of V[0..N) (rearranging V), with V[K+1..N) >= result. */
static double select_double(double *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	while (lo < hi) {
		double x = v[lo], y = v[lo + (hi - lo) / 2], z = v[hi];
		double pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* Percentile by linear interpolation at P*(N-1) over the N values in V. */
static double percentile_cont(double *v, size_t n, double p)
{
	double pos = p * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	if (lo >= n - 1)
		return select_double(v, n, n - 1);
	double frac = pos - (double)lo;
	double a = select_double(v, n, lo);
	if (frac == 0)
		return a;
	double b = v[lo + 1];
	for (size_t i = lo + 2; i < n; i++)
		if (v[i] < b)
			b = v[i];
	double r = a + frac * (b - a);
	return isfinite(r) ? r : a * (1 - frac) + b * frac;
}

/* Ordering of percentile_disc values: by number, and among equal numbers by
 * their text (shorter first, then bytes), so the pick never depends on the
 * order events or panes arrived in. */
static int disc_cmp(const struct discv *x, const struct discv *y, const char *text)
{
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(text + x->off, text + y->off, x->len);
}

static const struct discv *select_disc(struct discv *v, size_t n, size_t k, const char *text)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	while (lo < hi) {
		struct discv pivot = v[lo + (hi - lo) / 2];
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (disc_cmp(&v[i], &pivot, text) < 0)
				i++;
			while (disc_cmp(&v[j], &pivot, text) > 0)
				j--;
			if (i <= j) {
				struct discv t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			break;
	}
	return &v[k];
}

/* 0-based index of the smallest value whose cumulative share k/n >= p. */
static size_t disc_index(size_t n, double p)
{
	double target = ceil(p * (double)n);
	size_t k = target < 1 ? 1 : (size_t)target;
	if (k > n)
		k = n;
	/* p*n may round up past an exact k/n == p (0.3*10 = 3.0000000000000004) */
	while (k > 1 && (double)(k - 1) / (double)n >= p)
		k--;
	while (k < n && (double)k / (double)n < p)
		k++;
	return k - 1;
}

static int collv_cmp(const void *x, const void *y)
{
	const struct collv *a = x, *b = y;
	if (before(a->t, a->seq, b->t, b->seq))
		return -1;
	return before(b->t, b->seq, a->t, a->seq);
}

void sx_acc_emit(const struct sx_aggset *s, const struct sx_acc *a, struct sx_out *o)
{
	struct scratch *sc = s->sc;
	for (size_t i = 0; i < s->n; i++) {
		const struct agg *g = &s->a[i];
		const union state *u = st_at(s, a, i);
		sx_out_write(o, g->prefix, g->prefix_len);
		switch (g->fn) {
		case F_COUNT_ALL: case F_COUNT:
			out_u64(o, u->c.n);
			break;
		case F_SUM:
			if (!u->s.n) {
				sx_out_write(o, "null", 4);
			} else if (!u->s.not_int) {
				char b[24];
				int n = snprintf(b, sizeof b, "%" PRId64, u->s.isum);
				sx_out_write(o, b, (size_t)n);
			} else {
				out_double(o, u->s.sum + u->s.comp);
			}
			break;
		case F_AVG:
			if (!u->s.n)
				sx_out_write(o, "null", 4);
			else
				out_double(o, (u->s.not_int ? u->s.sum + u->s.comp : (double)u->s.isum) /
					   (double)u->s.n);
			break;
		case F_MIN: case F_MAX: case F_FIRST: case F_LAST: case F_MIN_BY: case F_MAX_BY:
			if (!u->k.has)
				sx_out_write(o, "null", 4);
			else
				sx_out_write(o, vt_get(&u->k.txt), u->k.txt.len);
			break;
		case F_STDEV: case F_VAR:
			if (u->w.n < 2)
				sx_out_write(o, "null", 4);
			else {
				double var = u->w.m2 / (double)(u->w.n - 1);
				out_double(o, g->fn == F_VAR ? var : sqrt(var));
			}
			break;
		case F_STDEVP: case F_VARP:
			if (u->w.n < 1)
				sx_out_write(o, "null", 4);
			else {
				double var = u->w.m2 / (double)u->w.n;
				out_double(o, g->fn == F_VARP ? var : sqrt(var));
			}
			break;
		case F_MEDIAN: case F_PCONT:
			if (!u->d.n) {
				sx_out_write(o, "null", 4);
			} else {
				if (u->d.n > sc->dvcap) {
					sc->dv = sx_xreallocarray(sc->dv, u->d.n, sizeof *sc->dv);
					sc->dvcap = u->d.n;
				}
				memcpy(sc->dv, u->d.v, u->d.n * sizeof *sc->dv);
				out_double(o, percentile_cont(sc->dv, u->d.n, g->fn == F_MEDIAN ? 0.5 : g->p));
			}
			break;
		case F_PDISC:
			if (!u->q.n) {
				sx_out_write(o, "null", 4);
			} else {
				size_t bytes = u->q.n * sizeof(struct discv);
				if (bytes > sc->pvcap) {
					sc->pv = sx_xrealloc(sc->pv, bytes);
					sc->pvcap = bytes;
				}
				memcpy(sc->pv, u->q.v, bytes);
				const struct discv *v = select_disc(sc->pv, u->q.n, disc_index(u->q.n, g->p),
								    u->q.text.data);
				/* the pick's value in its shortest text: equal numbers
				 * sort by text too, so the k-th may be a longer spelling */
				const struct discv *all = sc->pv;
				for (size_t j = 0; j < u->q.n; j++)
					if (all[j].v == v->v && disc_cmp(&all[j], v, u->q.text.data) < 0)
						v = &all[j];
				sx_out_write(o, u->q.text.data + v->off, v->len);
			}
			break;
		case F_CDISTINCT:
			out_u64(o, sx_strmap_count(&u->m));
			break;
		case F_APPROX:
			out_u64(o, hll_estimate(&u->h));
			break;
		case F_COLLECT: {
			const struct st_collect *l = &u->l;
			const struct collv *v = l->v;
			if (l->unsorted) {
				size_t bytes = l->n * sizeof *v;
				if (bytes > sc->pvcap) {
					sc->pv = sx_xrealloc(sc->pv, bytes);
					sc->pvcap = bytes;
				}
				memcpy(sc->pv, l->v, bytes);
				qsort(sc->pv, l->n, sizeof *v, collv_cmp);
				v = sc->pv;
			}
			sx_out_putc(o, '[');
			for (size_t j = 0; j < l->n; j++) {
				if (j)
					sx_out_putc(o, ',');
				sx_out_write(o, l->text.data + v[j].off, v[j].len);
			}
			sx_out_putc(o, ']');
			break;
		}
		}
	}
}

/* ---- save / load -------------------------------------------------------- */

/* Doubles as JSON reals; the non-finite ones (a sum that overflowed) as strings. */
static json_t *jdouble(double v)
{
	if (isfinite(v))
		return json_real(v);
	return json_string(isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

static int getdouble(const json_t *j, double *out)
{
	if (json_is_real(j))
		*out = json_real_value(j);
	else if (json_is_integer(j))
		*out = (double)json_integer_value(j);
	else if (json_is_string(j) && !strcmp(json_string_value(j), "inf"))
		*out = INFINITY;
	else if (json_is_string(j) && !strcmp(json_string_value(j), "-inf"))
		*out = -INFINITY;
	else if (json_is_string(j) && !strcmp(json_string_value(j), "nan"))
		*out = NAN;
	else
		return -1;
	return 0;
}

static int getint(const json_t *j, int64_t *out)
{
	if (!json_is_integer(j))
		return -1;
	*out = (int64_t)json_integer_value(j);
	return 0;
}

static int getu64(const json_t *j, uint64_t *out)
{
	int64_t v;
	if (getint(j, &v) < 0 || v < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static json_t *jhex(const void *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *b = p;
	char *s = sx_xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hx[b[i] >> 4];
		s[2 * i + 1] = hx[b[i] & 15];
	}
	json_t *j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode a jhex() string into B (reset first). */
static int unhex(const json_t *j, struct sx_buf *b)
{
	if (!json_is_string(j))
		return -1;
	const char *s = json_string_value(j);
	size_t n = json_string_length(j);
	if (n % 2)
		return -1;
	sx_buf_reset(b);
	sx_buf_reserve(b, n / 2);
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b->data[b->len++] = (char)(hi << 4 | lo);
	}
	b->data[b->len] = '\0';
	return 0;
}

/* A saved value text: must be one valid JSON value, as it is written out as is. */
static int gettext(const json_t *j, const char **s, size_t *n)
{
	const char *why;
	if (!json_is_string(j))
		return -1;
	*s = json_string_value(j);
	*n = json_string_length(j);
	/* rows copy the text as it is: one JSON value on no more than one
	 * line, or a damaged state would split or inject into an NDJSON row */
	if (memchr(*s, '\n', *n) || memchr(*s, '\r', *n))
		return -1;
	return sx_json_validate(*s, *n, &why) == 0 ? 0 : -1;
}

static void set_u64(json_t *arr, uint64_t v)
{
	json_array_append_new(arr, json_integer((json_int_t)v));
}

json_t *sx_acc_save(const struct sx_aggset *s, const struct sx_acc *a)
{
	json_t *top = json_array();
	set_u64(top, a->nevents);
	for (size_t i = 0; i < s->n; i++) {
		const struct agg *g = &s->a[i];
		const union state *u = st_at(s, a, i);
		json_t *e = json_array();
		json_array_append_new(e, json_string(fns[g->fn].name));
		switch (g->fn) {
		case F_COUNT_ALL: case F_COUNT:
			set_u64(e, u->c.n);
			break;
		case F_SUM: case F_AVG:
			set_u64(e, u->s.n);
			json_array_append_new(e, json_integer(u->s.isum));
			json_array_append_new(e, json_boolean(u->s.not_int));
			json_array_append_new(e, jdouble(u->s.sum));
			json_array_append_new(e, jdouble(u->s.comp));
			break;
		case F_MIN: case F_MAX: case F_FIRST: case F_LAST: case F_MIN_BY: case F_MAX_BY:
			if (u->k.has) {
				json_array_append_new(e, jdouble(u->k.v));
				json_array_append_new(e, json_integer(u->k.t));
				set_u64(e, u->k.seq);
				json_array_append_new(e, json_stringn(vt_get(&u->k.txt), u->k.txt.len));
			}
			break;
		case F_STDEV: case F_STDEVP: case F_VAR: case F_VARP:
			set_u64(e, u->w.n);
			json_array_append_new(e, jdouble(u->w.mean));
			json_array_append_new(e, jdouble(u->w.m2));
			json_array_append_new(e, json_integer(u->w.shift));
			break;
		case F_MEDIAN: case F_PCONT: {
			json_t *v = json_array();
			for (size_t j = 0; j < u->d.n; j++)
				json_array_append_new(v, jdouble(u->d.v[j]));
			json_array_append_new(e, v);
			break;
		}
		case F_PDISC: {
			json_t *v = json_array();
			for (size_t j = 0; j < u->q.n; j++)
				json_array_append_new(v, json_stringn(u->q.text.data + u->q.v[j].off,
								      u->q.v[j].len));
			json_array_append_new(e, v);
			break;
		}
		case F_COLLECT: {
			json_t *v = json_array();
			for (size_t j = 0; j < u->l.n; j++) {
				const struct collv *c = &u->l.v[j];
				json_t *x = json_array();
				json_array_append_new(x, json_integer(c->t));
				set_u64(x, c->seq);
				json_array_append_new(x, json_stringn(u->l.text.data + c->off, c->len));
				json_array_append_new(v, x);
			}
			json_array_append_new(e, v);
			break;
		}
		case F_CDISTINCT: {
			json_t *v = json_array();
			for (size_t j = 0; j < u->m.n; j++) {
				size_t kl;
				const char *key = sx_strmap_key(&u->m, j, &kl);
				json_array_append_new(v, jhex(key, kl));
			}
			json_array_append_new(e, v);
			break;
		}
		case F_APPROX:
			if (u->h.dense) {
				json_array_append_new(e, json_string("dense"));
				json_array_append_new(e, jhex(u->h.reg, HLL_M));
			} else {
				json_array_append_new(e, json_string("exact"));
				json_t *v = json_array();
				for (size_t j = 0; j < u->h.setcap; j++)
					if (u->h.set[j])
						json_array_append_new(v, jhex(&u->h.set[j], sizeof u->h.set[j]));
				json_array_append_new(e, v);
			}
			break;
		}
		json_array_append_new(top, e);
	}
	return top;
}

/* Restore aggregate I's state from E (its saved array); 0 or -1. */
static int load_one(const struct sx_aggset *s, const struct agg *g, union state *u, const json_t *e)
{
	size_t n = json_array_size(e);
	struct sx_buf *tmp = &s->sc->key;
	switch (g->fn) {
	case F_COUNT_ALL: case F_COUNT:
		return n == 2 ? getu64(json_array_get(e, 1), &u->c.n) : -1;
	case F_SUM: case F_AVG: {
		int64_t isum;
		if (n != 6 || getu64(json_array_get(e, 1), &u->s.n) < 0 ||
		    getint(json_array_get(e, 2), &isum) < 0 || !json_is_boolean(json_array_get(e, 3)) ||
		    getdouble(json_array_get(e, 4), &u->s.sum) < 0 ||
		    getdouble(json_array_get(e, 5), &u->s.comp) < 0)
			return -1;
		u->s.isum = isum;
		u->s.not_int = json_is_true(json_array_get(e, 3));
		return 0;
	}
	case F_MIN: case F_MAX: case F_FIRST: case F_LAST: case F_MIN_BY: case F_MAX_BY: {
		if (n == 1)
			return 0;
		int64_t t;
		uint64_t seq;
		double v;
		const char *txt;
		size_t tl;
		if (n != 5 || getdouble(json_array_get(e, 1), &v) < 0 ||
		    getint(json_array_get(e, 2), &t) < 0 || getu64(json_array_get(e, 3), &seq) < 0 ||
		    gettext(json_array_get(e, 4), &txt, &tl) < 0)
			return -1;
		pick_set(&u->k, v, t, seq, txt, tl);
		return 0;
	}
	case F_STDEV: case F_STDEVP: case F_VAR: case F_VARP:
		/* a state saved before the shift has 4 items (shift 0) */
		if (n == 5 && (getint(json_array_get(e, 4), &u->w.shift) < 0 ||
			       u->w.shift <= -9007199254740992 || u->w.shift >= 9007199254740992))
			return -1;
		return (n == 4 || n == 5) && getu64(json_array_get(e, 1), &u->w.n) == 0 &&
		       getdouble(json_array_get(e, 2), &u->w.mean) == 0 &&
		       getdouble(json_array_get(e, 3), &u->w.m2) == 0 ? 0 : -1;
	case F_MEDIAN: case F_PCONT: {
		const json_t *v = json_array_get(e, 1);
		if (n != 2 || !json_is_array(v))
			return -1;
		for (size_t j = 0; j < json_array_size(v); j++) {
			double d;
			if (getdouble(json_array_get(v, j), &d) < 0)
				return -1;
			GROW(u->d.v, u->d.cap, u->d.n);
			u->d.v[u->d.n++] = d;
		}
		return 0;
	}
	case F_PDISC: {
		const json_t *v = json_array_get(e, 1);
		if (n != 2 || !json_is_array(v))
			return -1;
		for (size_t j = 0; j < json_array_size(v); j++) {
			const char *txt;
			size_t tl;
			double d;
			if (gettext(json_array_get(v, j), &txt, &tl) < 0 ||
			    sx_json_number_to_double(txt, tl, &d) < 0)
				return -1;
			GROW(u->q.v, u->q.cap, u->q.n);
			u->q.v[u->q.n++] = (struct discv){d, u->q.text.len, tl};
			sx_buf_append(&u->q.text, txt, tl);
		}
		return 0;
	}
	case F_COLLECT: {
		const json_t *v = json_array_get(e, 1);
		if (n != 2 || !json_is_array(v))
			return -1;
		struct st_collect *l = &u->l;
		for (size_t j = 0; j < json_array_size(v); j++) {
			const json_t *x = json_array_get(v, j);
			int64_t t;
			uint64_t seq;
			const char *txt;
			size_t tl;
			if (json_array_size(x) != 3 || getint(json_array_get(x, 0), &t) < 0 ||
			    getu64(json_array_get(x, 1), &seq) < 0 ||
			    gettext(json_array_get(x, 2), &txt, &tl) < 0)
				return -1;
			if (l->n && before(t, seq, l->v[l->n - 1].t, l->v[l->n - 1].seq))
				l->unsorted = 1;
			GROW(l->v, l->cap, l->n);
			l->v[l->n++] = (struct collv){t, seq, l->text.len, tl};
			sx_buf_append(&l->text, txt, tl);
		}
		return 0;
	}
	case F_CDISTINCT: {
		const json_t *v = json_array_get(e, 1);
		if (n != 2 || !json_is_array(v))
			return -1;
		for (size_t j = 0; j < json_array_size(v); j++) {
			if (unhex(json_array_get(v, j), tmp) < 0 || tmp->len == 0)
				return -1;
			sx_strmap_put(&u->m, tmp->data, tmp->len, NULL);
		}
		return 0;
	}
	case F_APPROX: {
		const char *kind = json_string_value(json_array_get(e, 1));
		const json_t *v = json_array_get(e, 2);
		if (n != 3 || !kind)
			return -1;
		if (!strcmp(kind, "dense")) {
			if (unhex(v, tmp) < 0 || tmp->len != HLL_M)
				return -1;
			hll_to_dense(&u->h);
			for (uint32_t j = 0; j < HLL_M; j++) {
				if ((uint8_t)tmp->data[j] > HLL_Q + 1)
					return -1;
				u->h.reg[j] = (uint8_t)tmp->data[j];
			}
			return 0;
		}
		if (strcmp(kind, "exact") || !json_is_array(v))
			return -1;
		for (size_t j = 0; j < json_array_size(v); j++) {
			uint64_t h;
			if (unhex(json_array_get(v, j), tmp) < 0 || tmp->len != sizeof h)
				return -1;
			memcpy(&h, tmp->data, sizeof h);
			hll_add(&u->h, h);
		}
		return 0;
	}
	}
	return -1;
}

struct sx_acc *sx_acc_load(const struct sx_aggset *s, const json_t *j)
{
	if (!json_is_array(j) || json_array_size(j) != s->n + 1)
		return NULL;
	struct sx_acc *a = sx_acc_new(s);
	if (getu64(json_array_get(j, 0), &a->nevents) < 0)
		goto bad;
	for (size_t i = 0; i < s->n; i++) {
		const json_t *e = json_array_get(j, i + 1);
		const char *fn = json_string_value(json_array_get(e, 0));
		if (!json_is_array(e) || !fn || strcmp(fn, fns[s->a[i].fn].name) ||
		    load_one(s, &s->a[i], st_at(s, a, i), e) < 0)
			goto bad;
	}
	return a;
bad:
	sx_acc_free(s, a);
	return NULL;
}
