/* sx_aggstate.c - accumulators saved to and loaded from JSON for --state
 * (see sx_agg.h; the kinds of state in sx_aggimpl.h).
 *
 * An accumulator is saved as [nevents, [name, items...], ...], one array per
 * aggregate in -a order, NAME its function's name.  The items of each kind
 * of state are below, one save and one load per kind; the format is a
 * promise to the state files already written (tests/cli/sx-window/
 * state-written-before-ops-table holds some), so change it only by
 * accepting the old items too.  Loading checks everything: a damaged or
 * foreign state is refused, never half-loaded.
 */
#include "sx_aggimpl.h"
#include "sx_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON helpers ------------------------------------------------------- */

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

/* ---- one save and one load per kind of state ---------------------------- */

/* count: [n] */
void sx_aggst_count_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
	set_u64(e, u->c.n);
}

int sx_aggst_count_load(const struct sx_aggset *s, const struct agg *g, union state *u,
			const json_t *e, size_t n)
{
	(void)s, (void)g;
	return n == 2 ? getu64(json_array_get(e, 1), &u->c.n) : -1;
}

/* sum, avg: [n, isum, not_int, sum, comp] */
void sx_aggst_sum_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
	set_u64(e, u->s.n);
	json_array_append_new(e, json_integer(u->s.isum));
	json_array_append_new(e, json_boolean(u->s.not_int));
	json_array_append_new(e, jdouble(u->s.sum));
	json_array_append_new(e, jdouble(u->s.comp));
}

int sx_aggst_sum_load(const struct sx_aggset *s, const struct agg *g, union state *u,
		      const json_t *e, size_t n)
{
	(void)s, (void)g;
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

/* picks: nothing when empty, else [v, t, seq, text] */
void sx_aggst_pick_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
	if (!u->k.has)
		return;
	json_array_append_new(e, jdouble(u->k.v));
	json_array_append_new(e, json_integer(u->k.t));
	set_u64(e, u->k.seq);
	json_array_append_new(e, json_stringn(vt_get(&u->k.txt), u->k.txt.len));
}

int sx_aggst_pick_load(const struct sx_aggset *s, const struct agg *g, union state *u,
		       const json_t *e, size_t n)
{
	(void)s, (void)g;
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

/* variance family: [n, mean, m2, shift] */
void sx_aggst_var_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
	set_u64(e, u->w.n);
	json_array_append_new(e, jdouble(u->w.mean));
	json_array_append_new(e, jdouble(u->w.m2));
	json_array_append_new(e, json_integer(u->w.shift));
}

int sx_aggst_var_load(const struct sx_aggset *s, const struct agg *g, union state *u,
		      const json_t *e, size_t n)
{
	(void)s, (void)g;
	/* a state saved before the shift has 4 items (shift 0) */
	if (n == 5 && (getint(json_array_get(e, 4), &u->w.shift) < 0 ||
		       u->w.shift <= -9007199254740992 || u->w.shift >= 9007199254740992))
		return -1;
	return (n == 4 || n == 5) && getu64(json_array_get(e, 1), &u->w.n) == 0 &&
	       getdouble(json_array_get(e, 2), &u->w.mean) == 0 &&
	       getdouble(json_array_get(e, 3), &u->w.m2) == 0 ? 0 : -1;
}

/* median, percentile_cont: [[values...]] */
void sx_aggst_dvals_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
	json_t *v = json_array();
	for (size_t j = 0; j < u->d.n; j++)
		json_array_append_new(v, jdouble(u->d.v[j]));
	json_array_append_new(e, v);
}

int sx_aggst_dvals_load(const struct sx_aggset *s, const struct agg *g, union state *u,
			const json_t *e, size_t n)
{
	(void)s, (void)g;
	const json_t *v = json_array_get(e, 1);
	if (n != 2 || !json_is_array(v))
		return -1;
	for (size_t j = 0; j < json_array_size(v); j++) {
		double d;
		if (getdouble(json_array_get(v, j), &d) < 0)
			return -1;
		SX_GROW(u->d.v, u->d.n + 1, u->d.cap);
		u->d.v[u->d.n++] = d;
	}
	return 0;
}

/* percentile_disc: [[value texts...]] */
void sx_aggst_disc_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
	json_t *v = json_array();
	for (size_t j = 0; j < u->q.n; j++)
		json_array_append_new(v, json_stringn(u->q.text.data + u->q.v[j].off, u->q.v[j].len));
	json_array_append_new(e, v);
}

int sx_aggst_disc_load(const struct sx_aggset *s, const struct agg *g, union state *u,
		       const json_t *e, size_t n)
{
	(void)s, (void)g;
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
		SX_GROW(u->q.v, u->q.n + 1, u->q.cap);
		u->q.v[u->q.n++] = (struct discv){d, u->q.text.len, tl};
		sx_buf_append(&u->q.text, txt, tl);
	}
	return 0;
}

/* collect: [[[t, seq, text]...]] */
void sx_aggst_collect_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
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
}

int sx_aggst_collect_load(const struct sx_aggset *s, const struct agg *g, union state *u,
			  const json_t *e, size_t n)
{
	(void)s, (void)g;
	const json_t *v = json_array_get(e, 1);
	if (n != 2 || !json_is_array(v))
		return -1;
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
		collect_push(&u->l, t, seq, txt, tl);
	}
	return 0;
}

/* count_distinct: [[hex keys...]] */
void sx_aggst_distinct_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
	json_t *v = json_array();
	for (size_t j = 0; j < u->m.n; j++) {
		size_t kl;
		const char *key = sx_strmap_key(&u->m, j, &kl);
		json_array_append_new(v, jhex(key, kl));
	}
	json_array_append_new(e, v);
}

int sx_aggst_distinct_load(const struct sx_aggset *s, const struct agg *g, union state *u,
			   const json_t *e, size_t n)
{
	(void)g;
	struct sx_buf *tmp = &s->sc->key;
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

/* approx_count_distinct: ["dense", hex registers] or ["exact", [hex hashes...]] */
void sx_aggst_hll_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
	if (u->h.dense) {
		json_array_append_new(e, json_string("dense"));
		json_array_append_new(e, jhex(u->h.reg, SX_HLL_M));
		return;
	}
	json_array_append_new(e, json_string("exact"));
	json_t *v = json_array();
	for (size_t j = 0; j < u->h.setcap; j++)
		if (u->h.set[j])
			json_array_append_new(v, jhex(&u->h.set[j], sizeof u->h.set[j]));
	json_array_append_new(e, v);
}

int sx_aggst_hll_load(const struct sx_aggset *s, const struct agg *g, union state *u,
		      const json_t *e, size_t n)
{
	(void)g;
	struct sx_buf *tmp = &s->sc->key;
	const char *kind = json_string_value(json_array_get(e, 1));
	const json_t *v = json_array_get(e, 2);
	if (n != 3 || !kind)
		return -1;
	if (!strcmp(kind, "dense")) {
		if (unhex(v, tmp) < 0 || tmp->len != SX_HLL_M)
			return -1;
		sx_hll_to_dense(&u->h);
		for (uint32_t j = 0; j < SX_HLL_M; j++) {
			if ((uint8_t)tmp->data[j] > SX_HLL_Q + 1)
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
		sx_hll_add(&u->h, h);
	}
	return 0;
}

/* topone, collect_top: [[[t, seq, record]...]] best first; the order value
 * is read from the record again on load. */
void sx_aggst_top_save(const struct agg *g, const union state *u, json_t *e)
{
	(void)g;
	json_t *v = json_array();
	for (size_t j = 0; j < u->top.n; j++) {
		const struct topv *x = &u->top.v[j];
		json_t *r = json_array();
		json_array_append_new(r, json_integer(x->t));
		set_u64(r, x->seq);
		json_array_append_new(r, json_stringn(x->rec.data, x->rec.len));
		json_array_append_new(v, r);
	}
	json_array_append_new(e, v);
}

int sx_aggst_top_load(const struct sx_aggset *s, const struct agg *g, union state *u,
		      const json_t *e, size_t n)
{
	const json_t *v = json_array_get(e, 1);
	if (n != 2 || !json_is_array(v) || json_array_size(v) > g->limit)
		return -1;
	struct sx_rec *rec = &s->sc->rec;
	const struct fieldname *f = &s->fields[g->field];
	for (size_t j = 0; j < json_array_size(v); j++) {
		const json_t *x = json_array_get(v, j);
		struct topkey k;
		const char *txt, *why;
		size_t tl;
		if (json_array_size(x) != 3 || getint(json_array_get(x, 0), &k.t) < 0 ||
		    getu64(json_array_get(x, 1), &k.seq) < 0 || !json_is_string(json_array_get(x, 2)))
			return -1;
		txt = json_string_value(json_array_get(x, 2));
		tl = json_string_length(json_array_get(x, 2));
		/* written out as is: one JSON object on one line */
		if (memchr(txt, '\n', tl) || memchr(txt, '\r', tl) ||
		    sx_rec_parse(rec, txt, tl, &why) < 0)
			return -1;
		sx_agg_top_key(s->sc, sx_rec_getn(rec, f->name, f->len), &k);
		sx_agg_top_offer(g, &u->top, &k, txt, tl);
	}
	return 0;
}

/* ---- the accumulator ---------------------------------------------------- */

json_t *sx_acc_save(const struct sx_aggset *s, const struct sx_acc *a)
{
	json_t *top = json_array();
	set_u64(top, a->nevents);
	for (size_t i = 0; i < s->n; i++) {
		const struct agg *g = &s->a[i];
		json_t *e = json_array();
		json_array_append_new(e, json_string(g->fn->name));
		g->fn->kind->save(g, st_at(s, a, i), e);
		json_array_append_new(top, e);
	}
	return top;
}

struct sx_acc *sx_acc_load(const struct sx_aggset *s, const json_t *j)
{
	if (!json_is_array(j) || json_array_size(j) != s->n + 1)
		return NULL;
	struct sx_acc *a = sx_acc_new(s);
	if (getu64(json_array_get(j, 0), &a->nevents) < 0)
		goto bad;
	for (size_t i = 0; i < s->n; i++) {
		const struct agg *g = &s->a[i];
		const json_t *e = json_array_get(j, i + 1);
		const char *fn = json_string_value(json_array_get(e, 0));
		if (!json_is_array(e) || !fn || strcmp(fn, g->fn->name) ||
		    g->fn->kind->load(s, g, st_at(s, a, i), e, json_array_size(e)) < 0)
			goto bad;
	}
	return a;
bad:
	sx_acc_free(s, a);
	return NULL;
}
