/* sx_analytic.c - LAG, LAST and ISFIRST state (see sx_analytic.h). */
#include "sx_analytic.h"
#include "sx_grow.h"
#include "sx_err.h"
#include "sx_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One remembered event: its time and its value, strings copied into buf. */
struct anentry {
	sx_time_t t;
	struct sx_val v;
	char *buf;
	size_t cap;
};

struct sx_anpart {
	size_t ring_n;           /* entries in use (<= ring_cap) */
	size_t head;             /* index of the newest */
	size_t ring_cap;
	sx_time_t last;          /* newest event time (any event) */
	int64_t interval;        /* ISFIRST: the interval that had its first */
	int has_interval;
	struct anentry ring[];
};

void sx_analytic_init(struct sx_analytic *a, int kind, int64_t offset, int64_t duration_us)
{
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->offset = offset;
	a->duration_us = duration_us;
	a->newest = SX_TIME_NONE;
	a->swept = SX_TIME_NONE;
	sx_strmap_init(&a->parts, sizeof(size_t));
}

static void part_free(struct sx_anpart *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ring_cap; i++)
		free(p->ring[i].buf);
	free(p);
}

void sx_analytic_free(struct sx_analytic *a)
{
	for (size_t i = 0; i < a->npart; i++)
		part_free(a->part[i]);
	free(a->part);
	free(a->free_slots);
	free(a->spare);
	sx_strmap_free(&a->parts);
	memset(a, 0, sizeof *a);
}

void sx_analytic_key(struct sx_buf *key, const struct sx_val *v)
{
	char tag = (char)v->t;
	switch (v->t) {
	case SX_VNULL:
		sx_buf_putc(key, tag);
		return;
	case SX_VINT: case SX_VBIT: case SX_VFLOAT: {
		/* numbers by value: an integral float keys as the integer */
		double d = v->t == SX_VFLOAT ? v->u.f : (double)v->u.i;
		int64_t i = v->t == SX_VFLOAT ? (int64_t)d : v->u.i;
		if (v->t != SX_VFLOAT || (d >= -9.2e18 && d <= 9.2e18 && (double)i == d)) {
			sx_buf_putc(key, SX_VINT);
			sx_buf_append(key, &i, sizeof i);
		} else {
			sx_buf_putc(key, SX_VFLOAT);
			sx_buf_append(key, &d, sizeof d);
		}
		return;
	}
	case SX_VTIME:
		sx_buf_putc(key, tag);
		sx_buf_append(key, &v->u.i, sizeof v->u.i);
		return;
	default: {
		uint64_t n = v->u.s.n;
		sx_buf_putc(key, tag);
		sx_buf_append(key, &n, sizeof n);
		sx_buf_append(key, v->u.s.p, v->u.s.n);
	}
	}
}

/* Forget partitions with nothing within the duration, at most once per
 * duration of event time (so the sweep costs O(1) per event amortised). */
static void sweep(struct sx_analytic *a, sx_time_t ts)
{
	if (a->newest == SX_TIME_NONE || ts > a->newest)
		a->newest = ts;
	if (a->swept == SX_TIME_NONE) {
		a->swept = ts;
		return;
	}
	if (a->newest - a->swept < a->duration_us || a->npart < 64)
		return;
	a->swept = a->newest;
	/* rebuild the map with the partitions still alive */
	struct sx_strmap keep;
	sx_strmap_init(&keep, sizeof(size_t));
	for (size_t e = 0; e < sx_strmap_count(&a->parts); e++) {
		size_t slot = *(size_t *)sx_strmap_value(&a->parts, e), kl;
		struct sx_anpart *p = a->part[slot];
		int alive = a->kind == SX_AN_ISFIRST
			? p->has_interval && p->interval >= sx_floor_div(a->newest - 1, a->duration_us)
			: p->last >= a->newest - a->duration_us;
		if (alive) {
			const char *k = sx_strmap_key(&a->parts, e, &kl);
			size_t ne = sx_strmap_put(&keep, k, kl, NULL);
			*(size_t *)sx_strmap_value(&keep, ne) = slot;
		} else {
			p->ring_n = 0;
			p->has_interval = 0;
			p->last = SX_TIME_NONE;
			a->free_slots = sx_xreallocarray(a->free_slots, a->nfree + 1, sizeof *a->free_slots);
			a->free_slots[a->nfree++] = slot;
		}
	}
	sx_strmap_free(&a->parts);
	a->parts = keep;
}

static struct sx_anpart *part_of(struct sx_analytic *a, const char *key, size_t keylen)
{
	int inserted;
	size_t e = sx_strmap_put(&a->parts, key, keylen, &inserted);
	size_t *slot = sx_strmap_value(&a->parts, e);
	if (inserted) {
		if (a->nfree) {
			*slot = a->free_slots[--a->nfree];
		} else {
			size_t ring = a->kind == SX_AN_LAG ? (size_t)a->offset : a->kind == SX_AN_LAST ? 1 : 0;
			SX_GROW(a->part, a->npart + 1, a->cap);
			struct sx_anpart *p = sx_xcalloc(1, sizeof *p + ring * sizeof(struct anentry));
			p->ring_cap = ring;
			p->last = SX_TIME_NONE;
			*slot = a->npart;
			a->part[a->npart++] = p;
		}
	}
	return a->part[*slot];
}

static void keep_value(struct anentry *en, sx_time_t ts, const struct sx_val *v)
{
	en->t = ts;
	en->v = *v;
	if (v->t == SX_VSTR || v->t == SX_VREC || v->t == SX_VARR) {
		if (en->cap < v->u.s.n + 1) {
			en->cap = v->u.s.n + 1 > 64 ? v->u.s.n + 1 : 64;
			free(en->buf);
			en->buf = sx_xmalloc(en->cap);
		}
		memcpy(en->buf, v->u.s.p, v->u.s.n);
		en->v.u.s.p = en->buf;
	}
}

void sx_analytic_lag(struct sx_analytic *a, const char *key, size_t keylen, sx_time_t ts, int match,
		     const struct sx_val *v, int *found, struct sx_val *out)
{
	sweep(a, ts);
	struct sx_anpart *p = part_of(a, key, keylen);
	if (p->last == SX_TIME_NONE || ts > p->last)
		p->last = ts;
	if (a->kind == SX_AN_LAST && match) {
		/* LAST counts the current event: remember it first */
		p->head = 0;
		p->ring_n = 1;
		keep_value(&p->ring[0], ts, v);
	}
	/* the offset-th newest entry, if within the duration */
	size_t back = a->kind == SX_AN_LAG ? (size_t)a->offset - 1 : 0;
	*found = 0;
	if (back < p->ring_n) {
		struct anentry *en = &p->ring[(p->head + p->ring_cap - back) % p->ring_cap];
		if (en->t >= ts - a->duration_us) {
			*found = 1;
			*out = en->v;
		}
	}
	if (a->kind == SX_AN_LAG && match) {
		/* the value handed out may live in the slot about to be reused */
		size_t slot = (p->head + 1) % p->ring_cap;
		if (*found && out->u.s.p == p->ring[slot].buf && p->ring[slot].buf &&
		    (out->t == SX_VSTR || out->t == SX_VREC || out->t == SX_VARR)) {
			/* offset == ring size: the oldest entry is both the answer and
			 * the one to overwrite; swap its buffer out */
			char *b = p->ring[slot].buf;
			size_t cap = p->ring[slot].cap;
			p->ring[slot].buf = a->spare;
			p->ring[slot].cap = a->spare_cap;
			a->spare = b;
			a->spare_cap = cap;
			out->u.s.p = b;
		}
		keep_value(&p->ring[slot], ts, v);
		p->head = slot;
		if (p->ring_n < p->ring_cap)
			p->ring_n++;
	}
}

int sx_analytic_isfirst(struct sx_analytic *a, const char *key, size_t keylen, sx_time_t ts, int match)
{
	sweep(a, ts);
	if (!match)
		return 0;
	struct sx_anpart *p = part_of(a, key, keylen);
	/* intervals as tumbling windows: (start, end], so an event exactly at
	 * a boundary closes the interval before it */
	int64_t iv = sx_floor_div(ts - 1, a->duration_us);
	p->last = ts;
	if (p->has_interval && p->interval >= iv)
		return 0;
	p->interval = iv;
	p->has_interval = 1;
	return 1;
}

/* ---- --state ---- */

static json_t *val_save(const struct sx_val *v)
{
	switch (v->t) {
	case SX_VNULL: return json_pack("[i]", SX_VNULL);
	case SX_VFLOAT: return json_pack("[if]", SX_VFLOAT, isfinite(v->u.f) ? v->u.f : 0.0);
	case SX_VINT: case SX_VBIT: case SX_VTIME: return json_pack("[iI]", v->t, (json_int_t)v->u.i);
	default: return json_pack("[is#]", v->t, v->u.s.p, v->u.s.n);
	}
}

static int val_load(const json_t *j, struct sx_val *v, const char **text, size_t *n)
{
	json_int_t t, i;
	double f;
	if (json_unpack((json_t *)j, "[I!]", &t) == 0 && t == SX_VNULL) {
		v->t = SX_VNULL;
		return 0;
	}
	if (json_unpack((json_t *)j, "[IF!]", &t, &f) == 0 && t == SX_VFLOAT && json_is_real(json_array_get(j, 1))) {
		v->t = SX_VFLOAT;
		v->u.f = f;
		return 0;
	}
	if (json_unpack((json_t *)j, "[II!]", &t, &i) == 0 && (t == SX_VINT || t == SX_VBIT || t == SX_VTIME)) {
		if ((t == SX_VBIT && i != 0 && i != 1) || (t == SX_VTIME && (i < SX_TIME_MIN || i > SX_TIME_MAX)))
			return -1;
		v->t = (unsigned char)t;
		v->u.i = i;
		return 0;
	}
	if (json_unpack((json_t *)j, "[Is%!]", &t, text, n) == 0 && (t == SX_VSTR || t == SX_VREC || t == SX_VARR)) {
		if (t != SX_VSTR && sx_json_validate(*text, *n, &(const char *){ NULL }) < 0)
			return -1;
		v->t = (unsigned char)t;
		return 1;
	}
	return -1;
}

static json_t *opt_time(sx_time_t t)
{
	return t == SX_TIME_NONE ? json_null() : json_integer(t);
}

static int get_time(const json_t *j, sx_time_t *t)
{
	if (json_is_null(j)) {
		*t = SX_TIME_NONE;
		return 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) < SX_TIME_MIN || json_integer_value(j) > SX_TIME_MAX)
		return -1;
	*t = json_integer_value(j);
	return 0;
}

json_t *sx_analytic_save(const struct sx_analytic *a)
{
	json_t *parts = json_array();
	struct sx_buf hex = SX_BUF_INIT;
	for (size_t e = 0; e < sx_strmap_count(&a->parts); e++) {
		size_t slot = *(const size_t *)sx_strmap_value(&a->parts, e), kl;
		const char *k = sx_strmap_key(&a->parts, e, &kl);
		const struct sx_anpart *p = a->part[slot];
		sx_buf_reset(&hex);
		for (size_t i = 0; i < kl; i++)
			sx_buf_printf(&hex, "%02x", (unsigned char)k[i]);
		json_t *ring = json_array();
		for (size_t i = p->ring_n; i-- > 0;) {   /* oldest first */
			const struct anentry *en = &p->ring[(p->head + p->ring_cap - i) % p->ring_cap];
			json_array_append_new(ring, json_pack("[Io]", (json_int_t)en->t, val_save(&en->v)));
		}
		json_array_append_new(parts, json_pack("[s#ooo]", hex.data ? hex.data : "", hex.len, opt_time(p->last),
						       p->has_interval ? json_integer(p->interval) : json_null(), ring));
	}
	sx_buf_free(&hex);
	return json_pack("{s:o,s:o,s:o}", "newest", opt_time(a->newest), "swept", opt_time(a->swept), "parts", parts);
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int sx_analytic_load(struct sx_analytic *a, const json_t *j, char *err, size_t errlen)
{
	json_t *parts, *e;
	size_t i;
	struct sx_buf key = SX_BUF_INIT;
	if (json_unpack((json_t *)j, "{s:o}", "parts", &parts) < 0 || !json_is_array(parts) ||
	    get_time(json_object_get(j, "newest"), &a->newest) < 0 ||
	    get_time(json_object_get(j, "swept"), &a->swept) < 0) {
		snprintf(err, errlen, "analytic state: not {newest, swept, parts}");
		return -1;
	}
	json_array_foreach(parts, i, e) {
		const char *hex;
		size_t hn;
		json_t *last, *interval, *ring, *r;
		if (json_unpack(e, "[s%ooo!]", &hex, &hn, &last, &interval, &ring) < 0 || hn % 2 || !json_is_array(ring))
			goto bad;
		sx_buf_reset(&key);
		for (size_t k = 0; k < hn; k += 2) {
			int hi = hexval(hex[k]), lo = hexval(hex[k + 1]);
			if (hi < 0 || lo < 0)
				goto bad;
			sx_buf_putc(&key, (char)(hi * 16 + lo));
		}
		if (sx_strmap_find(&a->parts, key.data ? key.data : "", key.len) != SX_STRMAP_NONE)
			goto bad;
		struct sx_anpart *p = part_of(a, key.data ? key.data : "", key.len);
		if (get_time(last, &p->last) < 0 || json_array_size(ring) > p->ring_cap)
			goto bad;
		if (!json_is_null(interval)) {
			if (!json_is_integer(interval))
				goto bad;
			p->interval = json_integer_value(interval);
			p->has_interval = 1;
		}
		size_t k;
		json_array_foreach(ring, k, r) {
			json_int_t t;
			json_t *jv;
			struct sx_val v;
			const char *text = NULL;
			size_t n = 0;
			if (json_unpack(r, "[Io!]", &t, &jv) < 0 || t < SX_TIME_MIN || t > SX_TIME_MAX)
				goto bad;
			int rv = val_load(jv, &v, &text, &n);
			if (rv < 0)
				goto bad;
			if (rv > 0) {
				v.u.s.p = text;
				v.u.s.n = n;
			}
			size_t slot = p->ring_n ? (p->head + 1) % p->ring_cap : 0;
			keep_value(&p->ring[slot], t, &v);
			p->head = slot;
			p->ring_n++;
		}
	}
	sx_buf_free(&key);
	return 0;
bad:
	snprintf(err, errlen, "analytic state: partition %zu is damaged", i);
	sx_buf_free(&key);
	return -1;
}
