/*
 * sx_aggimpl.h - the inside of sx_agg, shared by its two files only:
 * sx_agg.c (the function table, parsing, add/merge/emit) and sx_aggstate.c
 * (--state save and load).  Nothing else includes it.
 *
 * Every aggregate function is one entry of the table `sx_aggfns` (sx_agg.c):
 * its name, argument shape, whether it reads numbers, its add and emit, and
 * the kind of state it keeps.  Functions keeping the same state share one
 * `struct aggkind`: the state's size and its reset, free, merge, save and
 * load.  Adding a function over an existing kind of state is one table
 * entry; a new kind of state is one more `struct aggkind` beside it (and its
 * save/load in sx_aggstate.c).
 *
 * Ownership: as in sx_agg.h.
 */
#ifndef SX_AGGIMPL_H
#define SX_AGGIMPL_H

#include "sx_agg.h"
#include "sx_buf.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_hash.h"
#include "sx_hll.h"

#include <jansson.h>
#include <string.h>

/* ---- states ------------------------------------------------------------- */

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

/* topone, collect_top: the first N events by an order, best first.  Each
 * slot owns its buffers; a slot pushed out is reused for the next, so a
 * state holds at most N records and allocates nothing once warm. */
enum toprank {             /* order values' types, in ascending order */
	TOP_NULL,          /* null or missing: the smallest, as in ASA */
	TOP_NUMBER,        /* by value */
	TOP_TIME,          /* a string that is an RFC 3339 time: by instant */
	TOP_STRING,        /* other strings: by their decoded bytes */
	TOP_OTHER,         /* true, false, objects, arrays: by compact text */
};
struct topkey {            /* an order value, and its event */
	enum toprank rank;
	double num;
	sx_time_t tm;
	const char *key;   /* TOP_STRING, TOP_OTHER */
	size_t len;
	sx_time_t t;
	uint64_t seq;
};
struct topv {
	enum toprank rank;
	double num;
	sx_time_t tm;
	sx_time_t t;
	uint64_t seq;
	struct sx_buf key;
	struct sx_buf rec;         /* the whole record */
};
struct st_top { struct topv *v; size_t n, cap; };

union state {
	struct st_count c;
	struct st_sum s;
	struct st_pick k;
	struct st_var w;
	struct st_dvals d;
	struct st_disc q;
	struct st_collect l;
	struct sx_strmap m;
	struct sx_hll h;
	struct st_top top;
};

/* ---- the set ------------------------------------------------------------ */

/* What add() learned about one field of the current event. */
struct evfield {
	const struct sx_field *f;  /* NULL when missing */
	signed char num;           /* 0 not yet looked at, 1 a usable number, -1 not */
	signed char is_int;        /* integer syntax that fits int64 */
	double d;
	int64_t i;
};

/* One event as the add functions see it. */
struct event {
	const struct sx_rec *rec;
	sx_time_t t;
	uint64_t seq;
	struct evfield *ev;        /* by field index */
};

struct agg;

/* What every function keeping one kind of state shares.  All-zero bytes
 * are the empty state of every kind. */
struct aggkind {
	size_t size;
	void (*reset)(union state *u);
	void (*free)(union state *u);              /* NULL: nothing to free */
	/* fold SRC into DST as if DST had seen SRC's events */
	void (*merge)(const struct agg *g, union state *dst, const union state *src);
	/* append the state's items to E, its saved array (after the name) */
	void (*save)(const struct agg *g, const union state *u, json_t *e);
	/* restore from E (N items, the name first); 0 or -1 */
	int (*load)(const struct sx_aggset *s, const struct agg *g, union state *u,
		    const json_t *e, size_t n);
};

/* Argument shapes. */
enum argshape {
	ARGS_NONE,             /* count() */
	ARGS_FIELD,            /* (FIELD) */
	ARGS_TWO_FIELDS,       /* (FIELD,FIELD) */
	ARGS_FIELD_P,          /* (FIELD,P), P in [0,1] */
	ARGS_ORDER,            /* (FIELD [asc|desc]) */
	ARGS_N_ORDER,          /* (N, FIELD [asc|desc]), N in [1, SX_AGG_TOP_MAX] */
};

#define SX_AGG_TOP_MAX 100000

/* One aggregate function: an entry of sx_aggfns. */
struct aggfn {
	const char *name;
	enum argshape args;
	unsigned char numeric;     /* reads its (first) field as a number; add
				    * is called only when it is one */
	unsigned char keeps_values;/* state grows with the events */
	signed char sign;          /* picks: -1 keeps the smallest, +1 the largest, 0 by order */
	unsigned char latest;      /* picks: ties go to the latest event */
	const struct aggkind *kind;
	void (*add)(const struct sx_aggset *s, const struct agg *g, union state *u,
		    const struct event *ev);
	void (*emit)(const struct sx_aggset *s, const struct agg *g, const union state *u,
		     struct sx_out *o);
};

struct agg {
	const struct aggfn *fn;
	char *name;            /* output name */
	char *prefix;          /* `,"name":` ready to write */
	size_t prefix_len;
	int field, field2;     /* indexes into sx_aggset.fields, -1 when unused */
	double p;              /* percentile_* */
	size_t limit;          /* ARGS_ORDER: 1, ARGS_N_ORDER: N */
	int desc;              /* ARGS_*ORDER: descending */
	size_t off;            /* of its state in an accumulator (after nevents) */
};

struct fieldname {
	char *name;
	size_t len;
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
	struct sx_rec rec;         /* a saved record being loaded */
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

/* Each aggregate's state takes only the bytes of its own kind (an
 * accumulator of count, avg and max is 136 bytes, not 248: hopping windows
 * keep tens of thousands and merge them in every row); the last is padded
 * to a whole union so every union pointer has one behind it. */
struct sx_acc {
	uint64_t nevents;
	union state st[];
};

/* The state of aggregate I in A. */
static inline union state *st_at(const struct sx_aggset *s, const struct sx_acc *a, size_t i)
{
	return (union state *)((char *)(uintptr_t)a->st + s->a[i].off);
}

/* ---- helpers shared by sx_agg.c and sx_aggstate.c ----------------------- */

static inline void vt_set(struct vtext *t, const char *s, size_t n)
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

static inline const char *vt_get(const struct vtext *t)
{
	return t->len <= sizeof t->inl ? t->inl : t->heap;
}

/* (t1,s1) strictly before (t2,s2) in event order. */
static inline int before(sx_time_t t1, uint64_t s1, sx_time_t t2, uint64_t s2)
{
	return t1 < t2 || (t1 == t2 && s1 < s2);
}

static inline void pick_set(struct st_pick *k, double v, sx_time_t t, uint64_t seq,
			    const char *txt, size_t len)
{
	k->has = 1;
	k->v = v;
	k->t = t;
	k->seq = seq;
	vt_set(&k->txt, txt, len);
}

/* Append value (T, SEQ, TEXT) to a collect state, noting when it arrives
 * out of event order. */
static inline void collect_push(struct st_collect *l, sx_time_t t, uint64_t seq,
				const char *text, size_t len)
{
	if (l->n && before(t, seq, l->v[l->n - 1].t, l->v[l->n - 1].seq))
		l->unsorted = 1;
	SX_GROW(l->v, l->n + 1, l->cap);
	l->v[l->n++] = (struct collv){t, seq, l->text.len, len};
	sx_buf_append(&l->text, text, len);
}

/* topone, collect_top (sx_agg.c): KEY as the order value of field F (a
 * string's bytes in the scratch); offer an event to a state. */
void sx_agg_top_key(struct scratch *sc, const struct sx_field *f, struct topkey *key);
void sx_agg_top_offer(const struct agg *g, struct st_top *u, const struct topkey *key,
		      const char *rec, size_t len);

/* The save/load of each kind of state (sx_aggstate.c). */
#define SAVE_LOAD(kind)                                                              \
	void sx_aggst_##kind##_save(const struct agg *g, const union state *u, json_t *e); \
	int sx_aggst_##kind##_load(const struct sx_aggset *s, const struct agg *g,         \
				   union state *u, const json_t *e, size_t n);
SAVE_LOAD(count)
SAVE_LOAD(sum)
SAVE_LOAD(pick)
SAVE_LOAD(var)
SAVE_LOAD(dvals)
SAVE_LOAD(disc)
SAVE_LOAD(collect)
SAVE_LOAD(distinct)
SAVE_LOAD(hll)
SAVE_LOAD(top)
#undef SAVE_LOAD

#endif
