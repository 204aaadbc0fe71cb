/* sx_agg.c - the aggregate functions of sx-window (see sx_agg.h).
 *
 * Layout: the functions are one table, `sx_aggfns` below, each entry naming
 * its add and emit and its kind of state (sx_aggimpl.h); the kinds carry
 * reset, free, merge, and save/load (those in sx_aggstate.c).  The code
 * above the table is grouped by kind of state.  An accumulator is one
 * allocation, a count of events followed by each aggregate's state.
 * Decomposable aggregates live entirely in their state; value-keeping ones
 * hold growable arrays that reset() empties but keeps.  A set lists each
 * field name once; add() looks every distinct field up once per event and
 * caches its numeric value, so ten aggregates over one field cost one
 * sx_rec_get and one number parse.
 */
#include "sx_aggimpl.h"
#include "sx_out.h"
#include "sx_stats.h"
#include "sx_time.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HLL_SEED 0x5eed5eed5eedull

/* ---- small helpers ------------------------------------------------------ */

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


static void out_null(struct sx_out *o)
{
	sx_out_write(o, "null", 4);
}

/* Rearrange V (N elements of SIZE bytes, SIZE <= 32) so that V[K] is the
 * element sorted order puts there, V[0..K) are <= it and V(K..N) >= it, by
 * CMP(x, y, CTX).  Hoare partitions around a median of three.  Always
 * inlined so that each caller's CMP is inlined too (median runs it on every
 * emitted row). */
static inline __attribute__((always_inline)) void
quickselect(void *v, size_t n, size_t size, size_t k,
	    int (*cmp)(const void *x, const void *y, const void *ctx), const void *ctx)
{
	unsigned char pivot[32], tmp[32];
	char *b = v;
#define AT(i) (b + (size_t)(i) * size)
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	while (lo < hi) {
		const char *x = AT(lo), *y = AT(lo + (hi - lo) / 2), *z = AT(hi);
		const char *m = cmp(x, y, ctx) < 0 ?
			(cmp(y, z, ctx) < 0 ? y : (cmp(x, z, ctx) < 0 ? z : x)) :
			(cmp(x, z, ctx) < 0 ? x : (cmp(y, z, ctx) < 0 ? z : y));
		memcpy(pivot, m, size);
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (cmp(AT(i), pivot, ctx) < 0)
				i++;
			while (cmp(AT(j), pivot, ctx) > 0)
				j--;
			if (i <= j) {
				memcpy(tmp, AT(i), size);
				memcpy(AT(i), AT(j), size);
				memcpy(AT(j), tmp, size);
				i++;
				j--;
			}
		}
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			break;
	}
#undef AT
}

/* Copy N elements of SIZE bytes into the set's scratch array (emit sorts
 * and selects in a copy: the state stays as it is). */
static void *scratch_copy(struct scratch *sc, const void *v, size_t n, size_t size)
{
	size_t bytes = n * size;
	if (bytes > sc->pvcap) {
		sc->pv = sx_xrealloc(sc->pv, bytes);
		sc->pvcap = bytes;
	}
	if (bytes)
		memcpy(sc->pv, v, bytes);
	return sc->pv;
}

/* ---- count -------------------------------------------------------------- */

static void count_reset(union state *u)
{
	u->c = (struct st_count){ 0 };
}

static void count_merge(const struct agg *g, union state *d, const union state *u)
{
	(void)g;
	d->c.n += u->c.n;
}

static void count_all_add(const struct sx_aggset *s, const struct agg *g, union state *u,
			  const struct event *ev)
{
	(void)s, (void)g, (void)ev;
	u->c.n++;
}

static void count_add(const struct sx_aggset *s, const struct agg *g, union state *u,
		      const struct event *ev)
{
	(void)s;
	const struct sx_field *f = ev->ev[g->field].f;
	if (f && f->type != SX_JNULL)
		u->c.n++;
}

static void count_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		       struct sx_out *o)
{
	(void)s, (void)g;
	out_u64(o, u->c.n);
}

/* ---- sum, avg ----------------------------------------------------------- */

static void sum_reset(union state *u)
{
	/* a fixed-size store, not a memset call: hopping windows reset an
	 * accumulator for about every row */
	u->s = (struct st_sum){ 0 };
}

static void sum_merge(const struct agg *g, union state *dst, const union state *src)
{
	(void)g;
	struct st_sum *d = &dst->s;
	const struct st_sum *u = &src->s;
	if (!u->n)
		return;
	d->n += u->n;
	double t = d->sum + u->sum;
	if (fabs(d->sum) >= fabs(u->sum))
		d->comp += (d->sum - t) + u->sum;
	else
		d->comp += (u->sum - t) + d->sum;
	d->sum = t;
	d->comp += u->comp;
	if (u->not_int || __builtin_add_overflow(d->isum, u->isum, &d->isum))
		d->not_int = 1;
}

static void sum_add(const struct sx_aggset *s, const struct agg *g, union state *st,
		    const struct event *ev)
{
	(void)s;
	struct st_sum *u = &st->s;
	const struct evfield *e = &ev->ev[g->field];
	double d = e->d;
	u->n++;
	/* Neumaier: the compensation catches what the rounded sum dropped */
	double t = u->sum + d;
	if (fabs(u->sum) >= fabs(d))
		u->comp += (u->sum - t) + d;
	else
		u->comp += (d - t) + u->sum;
	u->sum = t;
	if (!u->not_int) {
		if (!e->is_int || __builtin_add_overflow(u->isum, e->i, &u->isum))
			u->not_int = 1;
	}
}

static void sum_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		     struct sx_out *o)
{
	(void)s, (void)g;
	if (!u->s.n) {
		out_null(o);
	} else if (!u->s.not_int) {
		char b[24];
		int n = snprintf(b, sizeof b, "%" PRId64, u->s.isum);
		sx_out_write(o, b, (size_t)n);
	} else {
		out_double(o, u->s.sum + u->s.comp);
	}
}

static void avg_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		     struct sx_out *o)
{
	(void)s, (void)g;
	if (!u->s.n)
		out_null(o);
	else
		out_double(o, (u->s.not_int ? u->s.sum + u->s.comp : (double)u->s.isum) /
			   (double)u->s.n);
}

/* ---- picks: min, max, first, last, min_by, max_by ----------------------- */

static void pick_reset(union state *u)
{
	u->k.has = 0;
	u->k.txt.len = 0;
}

static void pick_free(union state *u)
{
	free(u->k.txt.heap);
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

static void pick_merge(const struct agg *g, union state *d, const union state *u)
{
	const struct st_pick *k = &u->k;
	if (k->has && pick_wins(&d->k, g->fn->sign, g->fn->latest, k->v, k->t, k->seq))
		pick_set(&d->k, k->v, k->t, k->seq, vt_get(&k->txt), k->txt.len);
}

/* min, max: the number itself */
static void minmax_add(const struct sx_aggset *s, const struct agg *g, union state *u,
		       const struct event *ev)
{
	(void)s;
	const struct evfield *e = &ev->ev[g->field];
	if (pick_wins(&u->k, g->fn->sign, 0, e->d, ev->t, ev->seq))
		pick_set(&u->k, e->d, ev->t, ev->seq, e->f->val, e->f->val_len);
}

/* first, last: any value, null included, on an event that has the field */
static void firstlast_add(const struct sx_aggset *s, const struct agg *g, union state *u,
			  const struct event *ev)
{
	(void)s;
	const struct sx_field *f = ev->ev[g->field].f;
	if (f && pick_wins(&u->k, 0, g->fn->latest, 0, ev->t, ev->seq))
		pick_set(&u->k, 0, ev->t, ev->seq, f->val, f->val_len);
}

/* min_by(f, g), max_by(f, g): g on the event with the extreme f (null when
 * that event lacks g) */
static void minmax_by_add(const struct sx_aggset *s, const struct agg *g, union state *u,
			  const struct event *ev)
{
	(void)s;
	const struct evfield *e = &ev->ev[g->field];
	if (pick_wins(&u->k, g->fn->sign, 0, e->d, ev->t, ev->seq)) {
		const struct sx_field *f2 = ev->ev[g->field2].f;
		if (f2)
			pick_set(&u->k, e->d, ev->t, ev->seq, f2->val, f2->val_len);
		else
			pick_set(&u->k, e->d, ev->t, ev->seq, "null", 4);
	}
}

static void pick_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		      struct sx_out *o)
{
	(void)s, (void)g;
	if (!u->k.has)
		out_null(o);
	else
		sx_out_write(o, vt_get(&u->k.txt), u->k.txt.len);
}

/* ---- variance family ---------------------------------------------------- */

static void var_reset(union state *u)
{
	u->w = (struct st_var){ 0 };
}

/* Chan et al.: combine two (n, mean, M2) without revisiting values */
static void var_merge(const struct agg *g, union state *d, const union state *u)
{
	(void)g;
	const struct st_var *b = &u->w;
	struct st_var *x = &d->w;
	if (!b->n)
		return;
	if (!x->n) {
		*x = *b;
		return;
	}
	double na = (double)x->n, nb = (double)b->n, n = na + nb;
	double delta = (b->mean + (double)(b->shift - x->shift)) - x->mean;
	x->mean += delta * (nb / n);
	x->m2 += b->m2 + delta * delta * (na * nb / n);
	x->n += b->n;
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

static void var_add(const struct sx_aggset *s, const struct agg *g, union state *st,
		    const struct event *ev)
{
	(void)s;
	struct st_var *u = &st->w;
	const struct evfield *e = &ev->ev[g->field];
	double x = e->d;
	if (u->n == 0)          /* |shift| < 2^53: exact as a double */
		u->shift = fabs(x) < 9007199254740992.0 ? (int64_t)x : 0;
	x = shifted(e->f->val, e->f->val_len, x, u->shift);
	u->n++;
	double d = x - u->mean;
	u->mean += d / (double)u->n;
	u->m2 += d * (x - u->mean);
}

/* The variance: of the sample (n - 1) or of the population (n); NAN when
 * there are too few values (one for a sample, none for a population). */
static double variance(const struct st_var *w, int sample)
{
	if (w->n < (sample ? 2u : 1u))
		return NAN;
	return w->m2 / (double)(w->n - (uint64_t)sample);
}

static void out_var(struct sx_out *o, double var, int root)
{
	if (isnan(var))
		out_null(o);
	else
		out_double(o, root ? sqrt(var) : var);
}

static void stdev_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		       struct sx_out *o)
{
	(void)s, (void)g;
	out_var(o, variance(&u->w, 1), 1);
}

static void stdevp_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
			struct sx_out *o)
{
	(void)s, (void)g;
	out_var(o, variance(&u->w, 0), 1);
}

static void var_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		     struct sx_out *o)
{
	(void)s, (void)g;
	out_var(o, variance(&u->w, 1), 0);
}

static void varp_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		      struct sx_out *o)
{
	(void)s, (void)g;
	out_var(o, variance(&u->w, 0), 0);
}

/* ---- median, percentile_cont: the numbers ------------------------------- */

static void dvals_reset(union state *u)
{
	u->d.n = 0;
}

static void dvals_free(union state *u)
{
	free(u->d.v);
}

static void dvals_merge(const struct agg *g, union state *d, const union state *u)
{
	(void)g;
	for (size_t j = 0; j < u->d.n; j++) {
		SX_GROW(d->d.v, d->d.n + 1, d->d.cap);
		d->d.v[d->d.n++] = u->d.v[j];
	}
}

static void dvals_add(const struct sx_aggset *s, const struct agg *g, union state *u,
		      const struct event *ev)
{
	(void)s;
	SX_GROW(u->d.v, u->d.n + 1, u->d.cap);
	u->d.v[u->d.n++] = ev->ev[g->field].d;
}

static int double_cmp(const void *x, const void *y, const void *ctx)
{
	(void)ctx;
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* Percentile by linear interpolation at P*(N-1) over the N values in V
 * (rearranged). */
static double percentile_cont(double *v, size_t n, double p)
{
	double pos = p * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	if (lo >= n - 1) {
		quickselect(v, n, sizeof *v, n - 1, double_cmp, NULL);
		return v[n - 1];
	}
	double frac = pos - (double)lo;
	quickselect(v, n, sizeof *v, lo, double_cmp, NULL);
	double a = v[lo];
	if (frac == 0)
		return a;
	double b = v[lo + 1];
	for (size_t i = lo + 2; i < n; i++)
		if (v[i] < b)
			b = v[i];
	double r = a + frac * (b - a);
	return isfinite(r) ? r : a * (1 - frac) + b * frac;
}

static void out_percentile(const struct sx_aggset *s, const union state *u, double p,
			   struct sx_out *o)
{
	struct scratch *sc = s->sc;
	if (!u->d.n) {
		out_null(o);
		return;
	}
	if (u->d.n > sc->dvcap) {
		sc->dv = sx_xreallocarray(sc->dv, u->d.n, sizeof *sc->dv);
		sc->dvcap = u->d.n;
	}
	memcpy(sc->dv, u->d.v, u->d.n * sizeof *sc->dv);
	out_double(o, percentile_cont(sc->dv, u->d.n, p));
}

static void median_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
			struct sx_out *o)
{
	(void)g;
	out_percentile(s, u, 0.5, o);
}

static void pcont_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		       struct sx_out *o)
{
	out_percentile(s, u, g->p, o);
}

/* ---- percentile_disc: the numbers and their texts ----------------------- */

static void disc_reset(union state *u)
{
	u->q.n = 0;
	sx_buf_reset(&u->q.text);
}

static void disc_free(union state *u)
{
	free(u->q.v);
	sx_buf_free(&u->q.text);
}

static void disc_push(struct st_disc *q, double v, const char *text, size_t len)
{
	SX_GROW(q->v, q->n + 1, q->cap);
	q->v[q->n++] = (struct discv){v, q->text.len, len};
	sx_buf_append(&q->text, text, len);
}

static void disc_merge(const struct agg *g, union state *d, const union state *u)
{
	(void)g;
	for (size_t j = 0; j < u->q.n; j++)
		disc_push(&d->q, u->q.v[j].v, u->q.text.data + u->q.v[j].off, u->q.v[j].len);
}

static void disc_add(const struct sx_aggset *s, const struct agg *g, union state *u,
		     const struct event *ev)
{
	(void)s;
	const struct evfield *e = &ev->ev[g->field];
	disc_push(&u->q, e->d, e->f->val, e->f->val_len);
}

/* Ordering of percentile_disc values: by number, and among equal numbers by
 * their text (shorter first, then bytes), so the pick never depends on the
 * order events or panes arrived in.  CTX is the texts' buffer. */
static int disc_cmp(const void *xv, const void *yv, const void *ctx)
{
	const struct discv *x = xv, *y = yv;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp((const char *)ctx + x->off, (const char *)ctx + y->off, x->len);
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

static void disc_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		      struct sx_out *o)
{
	const struct st_disc *q = &u->q;
	if (!q->n) {
		out_null(o);
		return;
	}
	struct discv *all = scratch_copy(s->sc, q->v, q->n, sizeof *q->v);
	size_t k = disc_index(q->n, g->p);
	quickselect(all, q->n, sizeof *all, k, disc_cmp, q->text.data);
	/* the pick's value in its shortest text: equal numbers sort by text
	 * too, so the k-th may be a longer spelling */
	const struct discv *v = &all[k];
	for (size_t j = 0; j < q->n; j++)
		if (all[j].v == v->v && disc_cmp(&all[j], v, q->text.data) < 0)
			v = &all[j];
	sx_out_write(o, q->text.data + v->off, v->len);
}

/* ---- collect: the values in event order --------------------------------- */

static void collect_reset(union state *u)
{
	u->l.n = 0;
	u->l.unsorted = 0;
	sx_buf_reset(&u->l.text);
}

static void collect_free(union state *u)
{
	free(u->l.v);
	sx_buf_free(&u->l.text);
}

static void collect_merge(const struct agg *g, union state *d, const union state *u)
{
	(void)g;
	const struct st_collect *l = &u->l;
	for (size_t j = 0; j < l->n; j++)
		collect_push(&d->l, l->v[j].t, l->v[j].seq, l->text.data + l->v[j].off, l->v[j].len);
}

static void collect_add(const struct sx_aggset *s, const struct agg *g, union state *u,
			const struct event *ev)
{
	(void)s;
	const struct sx_field *f = ev->ev[g->field].f;
	if (f)
		collect_push(&u->l, ev->t, ev->seq, f->val, f->val_len);
}

static int collv_cmp(const void *x, const void *y)
{
	const struct collv *a = x, *b = y;
	if (before(a->t, a->seq, b->t, b->seq))
		return -1;
	return before(b->t, b->seq, a->t, a->seq);
}

static void collect_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
			 struct sx_out *o)
{
	(void)g;
	const struct st_collect *l = &u->l;
	const struct collv *v = l->v;
	if (l->unsorted) {
		struct collv *c = scratch_copy(s->sc, l->v, l->n, sizeof *v);
		qsort(c, l->n, sizeof *c, collv_cmp);
		v = c;
	}
	sx_out_putc(o, '[');
	for (size_t j = 0; j < l->n; j++) {
		if (j)
			sx_out_putc(o, ',');
		sx_out_write(o, l->text.data + v[j].off, v[j].len);
	}
	sx_out_putc(o, ']');
}

/* ---- count_distinct, approx_count_distinct ------------------------------ */

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


static void distinct_reset(union state *u)
{
	sx_strmap_clear(&u->m);
}

static void distinct_free(union state *u)
{
	sx_strmap_free(&u->m);
}

static void distinct_merge(const struct agg *g, union state *d, const union state *u)
{
	(void)g;
	for (size_t j = 0; j < u->m.n; j++) {
		size_t kl;
		const char *key = sx_strmap_key(&u->m, j, &kl);
		sx_strmap_puth(&d->m, key, kl, u->m.e[j].hash, NULL);
	}
}

static void distinct_add(const struct sx_aggset *s, const struct agg *g, union state *u,
			 const struct event *ev)
{
	struct evfield *e = &ev->ev[g->field];
	if (!e->f || e->f->type == SX_JNULL)
		return;
	distinct_key(s->sc, e);
	sx_strmap_put(&u->m, s->sc->key.data, s->sc->key.len, NULL);
}

static void distinct_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
			  struct sx_out *o)
{
	(void)s, (void)g;
	out_u64(o, sx_strmap_count(&u->m));
}

static void hll_reset(union state *u)
{
	sx_hll_reset(&u->h);
}

static void hll_free(union state *u)
{
	sx_hll_free(&u->h);
}

static void hll_merge(const struct agg *g, union state *d, const union state *u)
{
	(void)g;
	sx_hll_merge(&d->h, &u->h);
}

static void hll_add(const struct sx_aggset *s, const struct agg *g, union state *u,
		    const struct event *ev)
{
	struct evfield *e = &ev->ev[g->field];
	if (!e->f || e->f->type == SX_JNULL)
		return;
	distinct_key(s->sc, e);
	sx_hll_add(&u->h, sx_hash64(s->sc->key.data, s->sc->key.len, HLL_SEED));
}

static void hll_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
		     struct sx_out *o)
{
	(void)s, (void)g;
	out_u64(o, sx_hll_estimate(&u->h));
}

/* ---- topone, collect_top: the first N events by an order ---------------- */

void sx_agg_top_key(struct scratch *sc, const struct sx_field *f, struct topkey *k)
{
	k->num = 0;
	k->tm = 0;
	k->key = NULL;
	k->len = 0;
	if (!f || f->type == SX_JNULL) {
		k->rank = TOP_NULL;
		return;
	}
	if (f->type == SX_JNUMBER && sx_field_double(f, &k->num) == 0 && !isnan(k->num)) {
		k->rank = TOP_NUMBER;
		return;
	}
	if (f->type == SX_JSTRING) {
		sx_field_str(f, &sc->tmp, &k->key, &k->len);
		k->rank = sx_time_parse(k->key, k->len, &k->tm) == 0 ? TOP_TIME : TOP_STRING;
		return;
	}
	sx_buf_reset(&sc->key);
	sx_json_compact_buf(&sc->key, f->val, f->val_len);
	k->rank = TOP_OTHER;
	k->key = sc->key.data;
	k->len = sc->key.len;
}

/* Order values compared ascending: <0, 0, >0. */
static int top_value_cmp(enum toprank ra, double na, sx_time_t ta, const char *ka, size_t la,
			 const struct topkey *b)
{
	if (ra != b->rank)
		return ra < b->rank ? -1 : 1;
	switch (ra) {
	case TOP_NULL:
		return 0;
	case TOP_NUMBER:
		return na < b->num ? -1 : na > b->num;
	case TOP_TIME:
		return ta < b->tm ? -1 : ta > b->tm;
	default: {
		int c = memcmp(ka, b->key, la < b->len ? la : b->len);
		return c ? c : la < b->len ? -1 : la > b->len;
	}
	}
}

/* Does slot V rank before the event of key K?  By the order value (ASC or
 * DESC), then, for equal values, the earlier event (event time, then input
 * order) in either direction: a total order, so the result never depends on
 * how events were split into panes or runs. */
static int top_slot_first(const struct agg *g, const struct topv *v, const struct topkey *k)
{
	int c = top_value_cmp(v->rank, v->num, v->tm, v->key.data, v->key.len, k);
	if (c)
		return g->desc ? c > 0 : c < 0;
	return before(v->t, v->seq, k->t, k->seq);
}

void sx_agg_top_offer(const struct agg *g, struct st_top *u, const struct topkey *k,
		      const char *rec, size_t len)
{
	size_t pos = u->n;
	while (pos > 0 && !top_slot_first(g, &u->v[pos - 1], k))
		pos--;
	if (pos == g->limit)
		return;                 /* after all N kept: the common case */
	if (u->n < g->limit) {
		if (u->n == u->cap) {   /* grow towards N, not past it */
			size_t c = u->cap ? u->cap * 2 : 4;
			if (c > g->limit)
				c = g->limit;
			u->v = sx_xreallocarray(u->v, c, sizeof *u->v);
			memset(u->v + u->cap, 0, (c - u->cap) * sizeof *u->v);
			u->cap = c;
		}
		u->n++;
	}
	/* the last slot (free, or pushed out) moves to POS with its buffers */
	struct topv slot = u->v[u->n - 1];
	memmove(u->v + pos + 1, u->v + pos, (u->n - 1 - pos) * sizeof *u->v);
	slot.rank = k->rank;
	slot.num = k->num;
	slot.tm = k->tm;
	slot.t = k->t;
	slot.seq = k->seq;
	sx_buf_reset(&slot.key);
	if (k->len)
		sx_buf_append(&slot.key, k->key, k->len);
	sx_buf_reset(&slot.rec);
	sx_buf_append(&slot.rec, rec, len);
	u->v[pos] = slot;
}

static void top_reset(union state *u)
{
	u->top.n = 0;
}

static void top_free(union state *u)
{
	for (size_t j = 0; j < u->top.cap; j++) {
		sx_buf_free(&u->top.v[j].key);
		sx_buf_free(&u->top.v[j].rec);
	}
	free(u->top.v);
}

static void top_merge(const struct agg *g, union state *d, const union state *u)
{
	for (size_t j = 0; j < u->top.n; j++) {
		const struct topv *v = &u->top.v[j];
		struct topkey k = {v->rank, v->num, v->tm, v->key.data, v->key.len, v->t, v->seq};
		sx_agg_top_offer(g, &d->top, &k, v->rec.data, v->rec.len);
	}
}

static void top_add(const struct sx_aggset *s, const struct agg *g, union state *u,
		    const struct event *ev)
{
	struct topkey k;
	sx_agg_top_key(s->sc, ev->ev[g->field].f, &k);
	k.t = ev->t;
	k.seq = ev->seq;
	sx_agg_top_offer(g, &u->top, &k, ev->rec->line, ev->rec->len);
}

/* topone: the first event's record, null over no events */
static void topone_emit(const struct sx_aggset *s, const struct agg *g, const union state *u,
			struct sx_out *o)
{
	(void)s, (void)g;
	if (!u->top.n)
		out_null(o);
	else
		sx_out_write(o, u->top.v[0].rec.data, u->top.v[0].rec.len);
}

/* collect_top: [{"rank":1,"value":RECORD},...], [] over no events */
static void collect_top_emit(const struct sx_aggset *s, const struct agg *g,
			     const union state *u, struct sx_out *o)
{
	(void)s, (void)g;
	sx_out_putc(o, '[');
	for (size_t j = 0; j < u->top.n; j++) {
		static const char rank[] = "{\"rank\":", value[] = ",\"value\":";
		if (j)
			sx_out_putc(o, ',');
		sx_out_write(o, rank, sizeof rank - 1);
		out_u64(o, j + 1);
		sx_out_write(o, value, sizeof value - 1);
		sx_out_write(o, u->top.v[j].rec.data, u->top.v[j].rec.len);
		sx_out_putc(o, '}');
	}
	sx_out_putc(o, ']');
}

/* ---- the table ---------------------------------------------------------- */

#define KIND(k, type, reset, free, merge) \
	static const struct aggkind kind_##k = { sizeof(type), reset, free, merge, \
						 sx_aggst_##k##_save, sx_aggst_##k##_load }
KIND(count, struct st_count, count_reset, NULL, count_merge);
KIND(sum, struct st_sum, sum_reset, NULL, sum_merge);
KIND(pick, struct st_pick, pick_reset, pick_free, pick_merge);
KIND(var, struct st_var, var_reset, NULL, var_merge);
KIND(dvals, struct st_dvals, dvals_reset, dvals_free, dvals_merge);
KIND(disc, struct st_disc, disc_reset, disc_free, disc_merge);
KIND(collect, struct st_collect, collect_reset, collect_free, collect_merge);
KIND(distinct, struct sx_strmap, distinct_reset, distinct_free, distinct_merge);
KIND(hll, struct sx_hll, hll_reset, hll_free, hll_merge);
KIND(top, struct st_top, top_reset, top_free, top_merge);
#undef KIND

/* Every aggregate function (struct aggfn says what each column means).
 * count() and count(FIELD) are two entries of one name, in this order. */
static const struct aggfn sx_aggfns[] = {
	/* name, arguments, numeric, keeps values, sign, latest, state, add, emit */
	{"count", ARGS_NONE, 0, 0, 0, 0, &kind_count, count_all_add, count_emit},
	{"count", ARGS_FIELD, 0, 0, 0, 0, &kind_count, count_add, count_emit},
	{"sum", ARGS_FIELD, 1, 0, 0, 0, &kind_sum, sum_add, sum_emit},
	{"avg", ARGS_FIELD, 1, 0, 0, 0, &kind_sum, sum_add, avg_emit},
	{"min", ARGS_FIELD, 1, 0, -1, 0, &kind_pick, minmax_add, pick_emit},
	{"max", ARGS_FIELD, 1, 0, 1, 0, &kind_pick, minmax_add, pick_emit},
	{"stdev", ARGS_FIELD, 1, 0, 0, 0, &kind_var, var_add, stdev_emit},
	{"stdevp", ARGS_FIELD, 1, 0, 0, 0, &kind_var, var_add, stdevp_emit},
	{"var", ARGS_FIELD, 1, 0, 0, 0, &kind_var, var_add, var_emit},
	{"varp", ARGS_FIELD, 1, 0, 0, 0, &kind_var, var_add, varp_emit},
	{"median", ARGS_FIELD, 1, 1, 0, 0, &kind_dvals, dvals_add, median_emit},
	{"percentile_cont", ARGS_FIELD_P, 1, 1, 0, 0, &kind_dvals, dvals_add, pcont_emit},
	{"percentile_disc", ARGS_FIELD_P, 1, 1, 0, 0, &kind_disc, disc_add, disc_emit},
	{"count_distinct", ARGS_FIELD, 0, 1, 0, 0, &kind_distinct, distinct_add, distinct_emit},
	{"approx_count_distinct", ARGS_FIELD, 0, 0, 0, 0, &kind_hll, hll_add, hll_emit},
	{"first", ARGS_FIELD, 0, 0, 0, 0, &kind_pick, firstlast_add, pick_emit},
	{"last", ARGS_FIELD, 0, 0, 0, 1, &kind_pick, firstlast_add, pick_emit},
	{"collect", ARGS_FIELD, 0, 1, 0, 0, &kind_collect, collect_add, collect_emit},
	{"min_by", ARGS_TWO_FIELDS, 1, 0, -1, 0, &kind_pick, minmax_by_add, pick_emit},
	{"max_by", ARGS_TWO_FIELDS, 1, 0, 1, 0, &kind_pick, minmax_by_add, pick_emit},
	{"topone", ARGS_ORDER, 0, 0, 0, 0, &kind_top, top_add, topone_emit},
	{"collect_top", ARGS_N_ORDER, 0, 0, 0, 0, &kind_top, top_add, collect_top_emit},
};
#define NFNS (sizeof sx_aggfns / sizeof sx_aggfns[0])

static size_t state_size(const struct aggfn *fn)
{
	size_t al = _Alignof(union state);
	return (fn->kind->size + al - 1) / al * al;
}

/* ---- parsing -A arguments ----------------------------------------------- */

struct sx_aggset *sx_aggset_new(void)
{
	struct sx_aggset *s = sx_xcalloc(1, sizeof *s);
	s->sc = sx_xcalloc(1, sizeof *s->sc);
	sx_rec_init(&s->sc->rec);
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
	sx_rec_free(&s->sc->rec);
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
		if (s->a[i].fn->keeps_values)
			return 1;
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
		if (!strcmp(sx_aggfns[k].name, fname))
			break;
	if (k == NFNS)
		FAIL("bad aggregate \"%s\": unknown function \"%s\" (see sx-window(1) for the list)",
		     arg, fname);
	a.fn = &sx_aggfns[k];
	if (a.fn->args == ARGS_NONE) {
		if (nargs == 1 && ae[0] - ab[0] == 1 && *ab[0] == '*')
			nargs = 0;
		if (nargs > 1)
			FAIL("bad aggregate \"%s\": count takes at most one field: count() or count(FIELD)", arg);
		if (nargs == 1)
			a.fn = &sx_aggfns[k + 1];     /* count(FIELD), next in the table */
	} else {
		int want = a.fn->args == ARGS_FIELD || a.fn->args == ARGS_ORDER ? 1 : 2;
		if (nargs != want) {
			static const char *const shapes[] = {
				[ARGS_FIELD] = "FIELD", [ARGS_TWO_FIELDS] = "FIELD,FIELD",
				[ARGS_FIELD_P] = "FIELD,P", [ARGS_ORDER] = "FIELD [asc|desc]",
				[ARGS_N_ORDER] = "N, FIELD [asc|desc]",
			};
			const char *shape = shapes[a.fn->args];
			FAIL("bad aggregate \"%s\": %s takes %s: %s(%s)", arg, fname,
			     want == 1 ? "one field" : "two arguments", fname, shape);
		}
	}
	for (int i = 0; i < nargs; i++)
		if (ab[i] == ae[i])
			FAIL("bad aggregate \"%s\": empty argument", arg);
	if (a.fn->args == ARGS_FIELD_P) {
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
	if (a.fn->args == ARGS_ORDER || a.fn->args == ARGS_N_ORDER) {
		a.limit = 1;
		if (a.fn->args == ARGS_N_ORDER) {
			uint64_t v = 0;
			const char *q = ab[0];
			for (; q < ae[0] && *q >= '0' && *q <= '9' && v <= SX_AGG_TOP_MAX; q++)
				v = v * 10 + (uint64_t)(*q - '0');
			if (q != ae[0] || v < 1 || v > SX_AGG_TOP_MAX)
				FAIL("bad aggregate \"%s\": N must be a whole number from 1 to %d, got \"%.*s\"",
				     arg, SX_AGG_TOP_MAX, (int)(ae[0] - ab[0]), ab[0]);
			a.limit = (size_t)v;
			/* the order is argument 0 from here on (name, field) */
			ab[0] = ab[1];
			ae[0] = ae[1];
			nargs = 1;
		}
		/* a last word asc or desc, in any case, is the direction */
		const char *w = ae[0];
		while (w > ab[0] && !isspace((unsigned char)w[-1]))
			w--;
		size_t wl = (size_t)(ae[0] - w);
		if (w > ab[0] && (wl == 3 || wl == 4)) {
			char dir[5];
			for (size_t i = 0; i < wl; i++)
				dir[i] = (char)tolower((unsigned char)w[i]);
			dir[wl] = '\0';
			if (!strcmp(dir, "asc") || !strcmp(dir, "desc")) {
				a.desc = wl == 4;
				ae[0] = w;
				trim(&ab[0], &ae[0]);
			}
		}
	}
	for (int i = 0; i < nargs; i++)
		if (!sx_utf8_valid(ab[i], (size_t)(ae[i] - ab[i])))
			FAIL("bad aggregate \"%s\": field name is not valid UTF-8", arg);

	/* output name: NAME, or count, FUNC_FIELD, FUNC_FIELD_FIELD2 */
	struct sx_buf nm = SX_BUF_INIT;
	if (nb) {
		sx_buf_append(&nm, nb, (size_t)(ne - nb));
	} else {
		sx_buf_puts(&nm, a.fn->name);
		for (int i = 0; i < nargs; i++) {
			if (i == 1 && a.fn->args == ARGS_FIELD_P)
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
	if (nargs == 2 && a.fn->args == ARGS_TWO_FIELDS)
		a.field2 = field_index(s, ab[1], (size_t)(ae[1] - ab[1]));
	if (a.fn->numeric && !s->non_numeric)
		s->non_numeric = sx_stats_counter("non_numeric");

	a.name = nm.data;
	struct sx_buf pre = SX_BUF_INIT;
	sx_buf_putc(&pre, ',');
	sx_json_quote_buf(&pre, nm.data, nm.len);
	sx_buf_putc(&pre, ':');
	a.prefix = pre.data;
	a.prefix_len = pre.len;

	/* signature: one line per aggregate, "name\tfunc\tfield\tfield2\tp";
	 * topone and collect_top: "name\tfunc\tfield\tasc|desc\tN" */
	int order = a.fn->args == ARGS_ORDER || a.fn->args == ARGS_N_ORDER;
	sx_buf_printf(&s->sig, "%s\t%s\t%s\t%s\t%.17g\n", a.name, a.fn->name,
		      a.field >= 0 ? s->fields[a.field].name : "",
		      order ? (a.desc ? "desc" : "asc") : a.field2 >= 0 ? s->fields[a.field2].name : "",
		      order ? (double)a.limit : a.p);

	SX_GROW(s->a, s->n + 1, s->cap);
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
	for (size_t i = 0; i < s->n; i++)
		if (s->a[i].fn->kind->free)
			s->a[i].fn->kind->free(st_at(s, a, i));
	free(a);
}

void sx_acc_reset(const struct sx_aggset *s, struct sx_acc *a)
{
	a->nevents = 0;
	for (size_t i = 0; i < s->n; i++)
		s->a[i].fn->kind->reset(st_at(s, a, i));
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

void sx_acc_add(const struct sx_aggset *s, struct sx_acc *a, const struct sx_rec *rec,
		sx_time_t t, uint64_t seq)
{
	struct scratch *sc = s->sc;
	for (size_t i = 0; i < s->nfields; i++) {
		sc->ev[i].f = sx_rec_getn(rec, s->fields[i].name, s->fields[i].len);
		sc->ev[i].num = 0;
	}
	const struct event ev = {rec, t, seq, sc->ev};
	a->nevents++;
	for (size_t i = 0; i < s->n; i++) {
		const struct agg *g = &s->a[i];
		if (g->fn->numeric && !evnum(s, &sc->ev[g->field]))
			continue;
		g->fn->add(s, g, st_at(s, a, i), &ev);
	}
}

void sx_acc_merge(const struct sx_aggset *s, struct sx_acc *dst, const struct sx_acc *src)
{
	dst->nevents += src->nevents;
	for (size_t i = 0; i < s->n; i++) {
		const struct agg *g = &s->a[i];
		g->fn->kind->merge(g, st_at(s, dst, i), st_at(s, src, i));
	}
}

void sx_acc_emit(const struct sx_aggset *s, const struct sx_acc *a, struct sx_out *o)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct agg *g = &s->a[i];
		sx_out_write(o, g->prefix, g->prefix_len);
		g->fn->emit(s, g, st_at(s, a, i), o);
	}
}
