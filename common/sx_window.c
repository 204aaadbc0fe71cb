/* sx_window.c - window assignment and closing (see sx_window.h). */
#include "sx_window.h"
#include "sx_err.h"
#include "sx_hash.h"
#include "sx_jcanon.h"
#include "sx_out.h"
#include "sx_reorder.h"
#include "sx_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A group's reference to one of its open buckets (tumbling window, hopping
 * pane or snapshot timestamp). */
struct cellref {
	sx_time_t end;
	struct sx_acc *acc;
	struct sx_acc *sfx;         /* hopping front stack: this pane merged with all newer ones in the front */
};

/* What every event and every row looks at of a group's ring, in a small
 * array indexed by gid: struct group and its ring are far bigger than the
 * cache, and these lookups were a cache miss each. */
struct ringends {
	sx_time_t head_end, tail_end;   /* oldest and newest open bucket; NONE if none */
	struct sx_acc *tail_acc;
};

/* A bucket's cell: the groups in the order of their first event. */
struct cell {
	uint32_t gid;
	struct sx_acc *acc;
};

struct bucket {
	sx_time_t end;
	struct cell *c;
	size_t n, cap;
	size_t nhead;               /* cells that are their group's oldest open bucket */
};

/* A sliding-window event kept for re-aggregation. */
struct sev {
	sx_time_t t;
	uint64_t seq;
	size_t off, len;            /* line bytes in group.text */
};

struct group {
	/* tumbling, hopping, snapshot: open cells, oldest first (ring) */
	struct cellref *ring;
	uint32_t rhead, rn, rcap;
	/* hopping with decomposable aggregates: a two-stack queue over the
	 * ring, so a window costs O(1) merges instead of SIZE/gcd: panes
	 * [0, front) have suffix aggregates, [front, incl) are folded into
	 * back, [incl, rn) are not in any emitted window yet */
	uint32_t front, incl;
	struct sx_acc *back;
	/* session */
	int sopen, scont;
	sx_time_t sstart, slast, send, scut, cont_last, cont_cut;
	struct sx_acc *sacc;
	/* sliding */
	struct sev *ev;
	size_t evhead, evn, evcap;
	size_t entry;               /* events (from evhead) with t <= done */
	sx_time_t done;             /* last result time */
	struct sx_buf text;
	/* session and sliding: position in the close heap (+1; 0 = absent) and
	 * its key: (close time, first event time, first event seq) */
	size_t hpos;
	sx_time_t hkey, first_t;
	uint64_t first_seq;
};

struct sx_window {
	struct sx_window_cfg c;
	struct sx_out *out;
	int64_t pane;               /* hopping: gcd(size, hop) */
	int two_stacks;             /* hopping over decomposable aggregates */
	struct sx_strmap map;       /* group key text -> gid */
	struct group *g;
	struct ringends *ends;      /* per gid, as g */
	size_t gcap;
	struct bucket *b;           /* ring of open buckets, oldest first */
	size_t bhead, bn, bcap;     /* bcap: power of two */
	sx_time_t next_e;           /* hopping: first window end not yet emitted */
	uint32_t *heap;             /* session, sliding: groups by close key */
	size_t hn, hcap;
	struct sx_acc **pool;       /* reset accumulators for reuse */
	size_t npool, poolcap;
	struct sx_acc *scratch;     /* hopping/sliding merge target */
	struct sx_buf key, tmp;
	struct sx_rec rec;          /* sliding: re-parsed events */
	struct sx_reorder held;     /* --max-delay: events the watermark has not reached */
	struct sx_rec hrec;         /* an event let out of it */
	char **keyname;             /* ,"key": */
	struct sx_buf pre_start, pre_end;
	/* the row start {"window_start":"..","window_end":".." for the bounds
	 * last written: rows come window by window, so it is formatted once per window */
	struct sx_buf head;
	sx_time_t head_start, head_end;
	size_t open;
	size_t compact_at;          /* group count at which to look for idle groups */
};

/* ---- alignment ---- */

sx_time_t sx_win_align_down(sx_time_t t, int64_t step, int64_t offset)
{
	return sx_floor_div(t - offset, step) * step + offset;
}

sx_time_t sx_win_align_up(sx_time_t t, int64_t step, int64_t offset)
{
	sx_time_t d = sx_win_align_down(t, step, offset);
	return d == t ? t : d + step;
}

static int64_t gcd64(int64_t a, int64_t b)
{
	while (b) {
		int64_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

static int64_t bucket_size(const struct sx_window_cfg *c)
{
	return c->kind == SX_WIN_HOPPING ? gcd64(c->size, c->hop) : c->size;
}

sx_time_t sx_win_bucket_end(const struct sx_window_cfg *c, sx_time_t t)
{
	if (c->kind == SX_WIN_SNAPSHOT)
		return t;
	int64_t g = bucket_size(c);
	return c->start_inclusive ? sx_win_align_down(t, g, c->offset) + g : sx_win_align_up(t, g, c->offset);
}

int sx_win_closes(const struct sx_window_cfg *c, sx_time_t end, sx_time_t wm)
{
	if (wm == SX_TIME_NONE)
		return 0;
	return c->start_inclusive ? wm >= end : wm > end;
}

/* ---- setup ---- */

struct sx_window *sx_window_new(const struct sx_window_cfg *c, struct sx_out *out)
{
	struct sx_window *w = sx_xcalloc(1, sizeof *w);
	w->c = *c;
	w->out = out;
	w->pane = bucket_size(c);
	w->two_stacks = c->kind == SX_WIN_HOPPING && !sx_aggset_keeps_values(c->aggs);
	w->next_e = SX_TIME_NONE;
	w->compact_at = 4096;
	sx_strmap_init(&w->map, 0);
	sx_rec_init(&w->rec);
	sx_rec_init(&w->hrec);
	sx_reorder_init(&w->held);
	w->scratch = sx_acc_new(c->aggs);
	w->keyname = sx_xcalloc((size_t)c->nkeys + 1, sizeof *w->keyname);
	for (int i = 0; i < c->nkeys; i++) {
		struct sx_buf b = SX_BUF_INIT;
		sx_buf_putc(&b, ',');
		sx_json_quote_buf(&b, c->keys[i], strlen(c->keys[i]));
		sx_buf_putc(&b, ':');
		w->keyname[i] = b.data;
	}
	sx_buf_putc(&w->pre_start, '{');
	sx_json_quote_buf(&w->pre_start, c->start_field, strlen(c->start_field));
	sx_buf_puts(&w->pre_start, ":\"");
	sx_buf_puts(&w->pre_end, "\",");
	sx_json_quote_buf(&w->pre_end, c->end_field, strlen(c->end_field));
	sx_buf_puts(&w->pre_end, ":\"");
	return w;
}

static void group_release(struct sx_window *w, struct group *g)
{
	for (uint32_t i = 0; i < g->rn; i++) {
		struct cellref *r = &g->ring[(g->rhead + i) & (g->rcap - 1)];
		if (r->sfx)
			sx_acc_free(w->c.aggs, r->sfx);
	}
	if (g->back)
		sx_acc_free(w->c.aggs, g->back);
	free(g->ring);
	if (g->sacc)
		sx_acc_free(w->c.aggs, g->sacc);
	free(g->ev);
	sx_buf_free(&g->text);
}

void sx_window_free(struct sx_window *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < sx_strmap_count(&w->map); i++)
		group_release(w, &w->g[i]);
	for (size_t i = 0; i < w->bn; i++) {
		struct bucket *b = &w->b[(w->bhead + i) & (w->bcap - 1)];
		for (size_t k = 0; k < b->n; k++)
			sx_acc_free(w->c.aggs, b->c[k].acc);
	}
	for (size_t i = 0; i < w->bcap; i++)
		free(w->b[i].c);
	free(w->b);
	for (size_t i = 0; i < w->npool; i++)
		sx_acc_free(w->c.aggs, w->pool[i]);
	free(w->pool);
	sx_acc_free(w->c.aggs, w->scratch);
	free(w->g);
	free(w->ends);
	free(w->heap);
	sx_strmap_free(&w->map);
	sx_buf_free(&w->key);
	sx_buf_free(&w->tmp);
	sx_buf_free(&w->pre_start);
	sx_buf_free(&w->pre_end);
	sx_buf_free(&w->head);
	sx_rec_free(&w->rec);
	sx_rec_free(&w->hrec);
	sx_reorder_free(&w->held);
	for (int i = 0; i < w->c.nkeys; i++)
		free(w->keyname[i]);
	free(w->keyname);
	free(w);
}

size_t sx_window_open(const struct sx_window *w)
{
	return w->open;
}

int64_t sx_window_reach(const struct sx_window *w)
{
	switch (w->c.kind) {
	case SX_WIN_SESSION:
		return w->c.timeout > w->c.max_duration ? w->c.timeout : w->c.max_duration;
	case SX_WIN_SNAPSHOT:
		return 0;
	default:
		return w->c.size;
	}
}

size_t sx_window_groups(const struct sx_window *w)
{
	return sx_strmap_count(&w->map);
}

/* ---- accumulators ---- */

/* Pooled accumulators are reset when taken, not when returned: a returned
 * one is usually cold (an old pane), and resetting it then cost a cache miss
 * that the next use pays again. */
static struct sx_acc *acc_get(struct sx_window *w)
{
	w->open++;
	if (w->npool) {
		struct sx_acc *a = w->pool[--w->npool];
		sx_acc_reset(w->c.aggs, a);
		return a;
	}
	return sx_acc_new(w->c.aggs);
}

static void acc_put(struct sx_window *w, struct sx_acc *a)
{
	w->open--;
	if (w->npool == w->poolcap) {
		w->poolcap = w->poolcap ? 2 * w->poolcap : 64;
		w->pool = sx_xreallocarray(w->pool, w->poolcap, sizeof *w->pool);
	}
	w->pool[w->npool++] = a;
}

/* ---- groups ---- */

/* The key text of REC's group: the canonical JSON text (sx_jcanon.h) of
 * each key value ("null" when missing), joined by '\n' (which canonical
 * text never contains).  Keys equal by value are one group, written in
 * that canonical text; most key texts are canonical already and copied. */
static void build_key(struct sx_window *w, const struct sx_rec *rec)
{
	sx_buf_reset(&w->key);
	for (int i = 0; i < w->c.nkeys; i++) {
		if (i)
			sx_buf_putc(&w->key, '\n');
		const struct sx_field *f = sx_rec_get(rec, w->c.keys[i]);
		if (!f)
			sx_buf_append(&w->key, "null", 4);
		else if (sx_jcanon_is_canonical(f, rec->compact))
			sx_buf_append(&w->key, f->val, f->val_len);
		else
			sx_jcanon_field(&w->key, f, &w->tmp);
	}
}

static uint32_t group_id(struct sx_window *w, const char *key, size_t len)
{
	int inserted;
	size_t id = sx_strmap_put(&w->map, key, len, &inserted);
	if (inserted) {
		if (id >= w->gcap) {
			w->gcap = w->gcap ? 2 * w->gcap : 64;
			w->g = sx_xreallocarray(w->g, w->gcap, sizeof *w->g);
			w->ends = sx_xreallocarray(w->ends, w->gcap, sizeof *w->ends);
		}
		w->ends[id] = (struct ringends){ SX_TIME_NONE, SX_TIME_NONE, NULL };
		memset(&w->g[id], 0, sizeof w->g[id]);
		w->g[id].done = SX_TIME_NONE;
	}
	return (uint32_t)id;
}

/* Has the group anything open? */
static int group_live(const struct sx_window *w, const struct group *g)
{
	(void)w;
	return g->rn || g->sopen || g->scont || g->evn;
}

/* ---- output ---- */

static void emit_row(struct sx_window *w, sx_time_t start, sx_time_t end, uint32_t gid,
		     const struct sx_acc *acc)
{
	struct sx_out *o = w->out;
	/* The row's constant start, kept in w->head while the bounds stay:
	 * {"window_start":"..","window_end":"..", and the first key's name. */
	if (!w->head.len || start != w->head_start || end != w->head_end) {
		char tb[SX_TIME_BUFSIZE];
		sx_buf_reset(&w->head);
		sx_buf_append(&w->head, w->pre_start.data, w->pre_start.len);
		sx_buf_append(&w->head, tb, sx_time_format(start, tb));
		sx_buf_append(&w->head, w->pre_end.data, w->pre_end.len);
		sx_buf_append(&w->head, tb, sx_time_format(end, tb));
		sx_buf_putc(&w->head, '"');
		if (w->c.nkeys)
			sx_buf_puts(&w->head, w->keyname[0]);
		w->head_start = start;
		w->head_end = end;
	}
	sx_out_write(o, w->head.data, w->head.len);
	size_t klen;
	const char *k = sx_strmap_key(&w->map, gid, &klen), *kend = k + klen;
	for (int i = 0; i < w->c.nkeys; i++) {
		if (i)
			sx_out_puts(o, w->keyname[i]);
		/* the key texts joined by '\n' (build_key): the last runs to the end */
		const char *nl = i + 1 < w->c.nkeys ? memchr(k, '\n', (size_t)(kend - k)) : NULL;
		const char *e = nl ? nl : kend;
		sx_out_write(o, k, (size_t)(e - k));
		k = nl ? nl + 1 : kend;
	}
	sx_acc_emit(w->c.aggs, acc, o);
	sx_out_write(o, "}\n", 2);
	sx_stats.records_out++;
}

/* ---- buckets: tumbling, hopping, snapshot ---- */

static struct bucket *bucket_at(struct sx_window *w, size_t i)
{
	return &w->b[(w->bhead + i) & (w->bcap - 1)];
}

static struct bucket *bucket_push(struct sx_window *w, sx_time_t end)
{
	if (w->bn == w->bcap) {
		size_t ncap = w->bcap ? 2 * w->bcap : 16;
		struct bucket *nb = sx_xcalloc(ncap, sizeof *nb);
		for (size_t i = 0; i < w->bcap; i++)
			nb[i] = *bucket_at(w, i);
		free(w->b);
		w->b = nb;
		w->bcap = ncap;
		w->bhead = 0;
	}
	struct bucket *b = bucket_at(w, w->bn++);
	b->end = end;
	b->n = 0;
	b->nhead = 0;
	return b;
}

/* The open bucket ending at END (buckets are in end order). */
static struct bucket *bucket_find(struct sx_window *w, sx_time_t end)
{
	size_t lo = 0, hi = w->bn;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (bucket_at(w, mid)->end <= end)
			lo = mid;
		else
			hi = mid;
	}
	return bucket_at(w, lo);
}

static void ring_push(struct group *g, sx_time_t end, struct sx_acc *acc)
{
	if (g->rn == g->rcap) {
		uint32_t ncap = g->rcap ? 2 * g->rcap : 2;
		struct cellref *nr = sx_xreallocarray(NULL, ncap, sizeof *nr);
		for (uint32_t i = 0; i < g->rn; i++)
			nr[i] = g->ring[(g->rhead + i) & (g->rcap - 1)];
		free(g->ring);
		g->ring = nr;
		g->rcap = ncap;
		g->rhead = 0;
	}
	g->ring[(g->rhead + g->rn++) & (g->rcap - 1)] = (struct cellref){ end, acc, NULL };
}

static struct cellref *ring_at(struct group *g, uint32_t i)
{
	return &g->ring[(g->rhead + i) & (g->rcap - 1)];
}

static void two_stacks_flip(struct sx_window *w, struct group *g);

/* Free the oldest bucket: its cells are the oldest of their groups' rings. */
static void bucket_pop(struct sx_window *w)
{
	struct bucket *b = bucket_at(w, 0);
	for (size_t k = 0; k < b->n; k++) {
		/* as in close_hopping: groups and rings are a cache miss each */
		if (k + 8 < b->n)
			__builtin_prefetch(&w->g[b->c[k + 8].gid]);
		if (k + 4 < b->n) {
			const struct group *ahead = &w->g[b->c[k + 4].gid];
			__builtin_prefetch(&ahead->ring[ahead->rhead]);
			__builtin_prefetch(b->c[k + 4].acc);
		}
		struct group *g = &w->g[b->c[k].gid];
		if (w->two_stacks) {
			if (g->front == 0 && g->incl > 0)
				two_stacks_flip(w, g);
			struct cellref *r = ring_at(g, 0);
			if (r->sfx) {
				acc_put(w, r->sfx);
				r->sfx = NULL;
			}
			if (g->front)
				g->front--;
			if (g->incl)
				g->incl--;
		}
		g->rhead = (g->rhead + 1) & (g->rcap - 1);
		g->rn--;
		struct ringends *re = &w->ends[b->c[k].gid];
		if (g->rn) {                /* the group's next bucket becomes its oldest */
			re->head_end = ring_at(g, 0)->end;
			bucket_find(w, re->head_end)->nhead++;
		} else {
			*re = (struct ringends){ SX_TIME_NONE, SX_TIME_NONE, NULL };
		}
		acc_put(w, b->c[k].acc);
		if (g->rn == 0 && g->back) {
			acc_put(w, g->back);
			g->back = NULL;
		}
	}
	b->n = 0;
	b->nhead = 0;
	w->bhead = (w->bhead + 1) & (w->bcap - 1);
	w->bn--;
}

static void bucket_add_cell(struct sx_window *w, struct bucket *b, uint32_t gid, struct sx_acc *acc)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->c = sx_xreallocarray(b->c, b->cap, sizeof *b->c);
	}
	b->c[b->n++] = (struct cell){ gid, acc };
	ring_push(&w->g[gid], b->end, acc);
	struct ringends *re = &w->ends[gid];
	re->tail_end = b->end;
	re->tail_acc = acc;
	if (w->g[gid].rn == 1) {
		re->head_end = b->end;
		b->nhead++;
	}
}

static void bucket_add(struct sx_window *w, uint32_t gid, const struct sx_rec *rec, sx_time_t t, uint64_t seq)
{
	sx_time_t end = sx_win_bucket_end(&w->c, t);
	struct sx_acc *acc;
	if (w->ends[gid].tail_end == end) {
		acc = w->ends[gid].tail_acc;
	} else {
		struct bucket *b = w->bn ? bucket_at(w, w->bn - 1) : NULL;
		if (!b || b->end != end)
			b = bucket_push(w, end);
		acc = acc_get(w);
		bucket_add_cell(w, b, gid, acc);
	}
	sx_acc_add(w->c.aggs, acc, rec, t, seq);
}

/* Tumbling and snapshot: a bucket is a window. */
static void close_simple(struct sx_window *w, sx_time_t wm)
{
	while (w->bn && sx_win_closes(&w->c, bucket_at(w, 0)->end, wm)) {
		struct bucket *b = bucket_at(w, 0);
		sx_time_t start = w->c.kind == SX_WIN_SNAPSHOT ? b->end : b->end - w->c.size;
		for (size_t k = 0; k < b->n; k++)
			emit_row(w, start, b->end, b->c[k].gid, b->c[k].acc);
		bucket_pop(w);
	}
}

/* Move the back stack to the front: suffix aggregates for [0, incl). */
static void two_stacks_flip(struct sx_window *w, struct group *g)
{
	for (uint32_t i = g->incl; i-- > 0;) {
		struct cellref *r = ring_at(g, i);
		if (i >= 4) {               /* the panes are scattered in memory: fetch ahead */
			struct cellref *ahead = ring_at(g, i - 4);
			__builtin_prefetch(ahead->acc);
			if (ahead->sfx)
				__builtin_prefetch(ahead->sfx);
		}
		if (!r->sfx)
			r->sfx = acc_get(w);
		else
			sx_acc_reset(w->c.aggs, r->sfx);
		sx_acc_merge(w->c.aggs, r->sfx, r->acc);
		if (i + 1 < g->incl)
			sx_acc_merge(w->c.aggs, r->sfx, ring_at(g, i + 1)->sfx);
	}
	g->front = g->incl;
	if (g->back)
		sx_acc_reset(w->c.aggs, g->back);
}

/* The groups' rows are written bucket cell by cell, each touching its group,
 * ring and accumulators, scattered in memory and a cache miss each: fetch
 * them a few cells ahead, in the order each address becomes known. */
static void two_stacks_prefetch(struct sx_window *w, const struct bucket *b, size_t k)
{
	if (k + 12 < b->n)
		__builtin_prefetch(&w->g[b->c[k + 12].gid]);
	if (k + 8 < b->n) {
		const struct group *g = &w->g[b->c[k + 8].gid];
		__builtin_prefetch(&g->ring[(g->rhead + g->incl) & (g->rcap - 1)]);
		__builtin_prefetch(&g->ring[g->rhead]);
		__builtin_prefetch(g->back);
	}
	if (k + 4 < b->n) {
		struct group *g = &w->g[b->c[k + 4].gid];
		if (g->incl < g->rn)
			__builtin_prefetch(ring_at(g, g->incl)->acc);
		if (g->front)
			__builtin_prefetch(ring_at(g, 0)->sfx);
	}
}

/* The group's row for window E (all its open panes up to E) via the two
 * stacks: fold newly complete panes into back, combine with the front. */
static void two_stacks_emit(struct sx_window *w, uint32_t gid, sx_time_t e)
{
	struct group *g = &w->g[gid];
	while (g->incl < g->rn && ring_at(g, g->incl)->end <= e) {
		if (!g->back)
			g->back = acc_get(w);
		sx_acc_merge(w->c.aggs, g->back, ring_at(g, g->incl)->acc);
		g->incl++;
	}
	int has_back = g->incl > g->front;
	const struct sx_acc *row;
	if (g->front && has_back) {
		sx_acc_reset(w->c.aggs, w->scratch);
		sx_acc_merge(w->c.aggs, w->scratch, ring_at(g, 0)->sfx);
		sx_acc_merge(w->c.aggs, w->scratch, g->back);
		row = w->scratch;
	} else {
		row = g->front ? ring_at(g, 0)->sfx : g->back;
	}
	emit_row(w, e - w->c.size, e, gid, row);
}

/* Hopping: the end of the first window not yet emitted that holds the
 * oldest open pane. */
static sx_time_t hop_due(const struct sx_window *w)
{
	sx_time_t e = sx_win_align_up(w->b[w->bhead].end, w->c.hop, w->c.offset);
	return w->next_e != SX_TIME_NONE && e < w->next_e ? w->next_e : e;
}

/* Hopping: windows (e-SIZE, e] for e on multiples of HOP, made of panes. */
static void close_hopping(struct sx_window *w, sx_time_t wm)
{
	const int64_t size = w->c.size, hop = w->c.hop;
	while (w->bn) {
		sx_time_t p0 = bucket_at(w, 0)->end;
		sx_time_t e = hop_due(w);
		if (e - size >= p0) {       /* a pane in a gap between windows (HOP > SIZE) */
			bucket_pop(w);
			continue;
		}
		if (!sx_win_closes(&w->c, e, wm))
			break;
		/* a group's row comes at its first pane in the window: its oldest
		 * open one (older panes are gone), so panes where no group has
		 * its oldest are skipped */
		for (size_t i = 0; i < w->bn && bucket_at(w, i)->end <= e; i++) {
			struct bucket *b = bucket_at(w, i);
			size_t left = b->nhead;
			for (size_t k = 0; k < b->n && left; k++) {
				if (w->two_stacks)
					two_stacks_prefetch(w, b, k);
				uint32_t gid = b->c[k].gid;
				if (w->ends[gid].head_end != b->end)
					continue;
				left--;
				struct group *g = &w->g[gid];
				if (w->two_stacks) {
					two_stacks_emit(w, gid, e);
					continue;
				}
				uint32_t n = 0;
				while (n < g->rn && ring_at(g, n)->end <= e)
					n++;
				if (n == 1) {
					emit_row(w, e - size, e, gid, ring_at(g, 0)->acc);
					continue;
				}
				sx_acc_reset(w->c.aggs, w->scratch);
				for (uint32_t r = 0; r < n; r++)
					sx_acc_merge(w->c.aggs, w->scratch, ring_at(g, r)->acc);
				emit_row(w, e - size, e, gid, w->scratch);
			}
		}
		w->next_e = e + hop;
		while (w->bn && bucket_at(w, 0)->end <= w->next_e - size)
			bucket_pop(w);
	}
}

/* ---- the close heap (sessions, sliding) ---- */

static int heap_before(const struct sx_window *w, uint32_t a, uint32_t b)
{
	const struct group *x = &w->g[a], *y = &w->g[b];
	if (x->hkey != y->hkey)
		return x->hkey < y->hkey;
	if (x->first_t != y->first_t)
		return x->first_t < y->first_t;
	return x->first_seq < y->first_seq;
}

static void heap_set(struct sx_window *w, size_t i, uint32_t gid)
{
	w->heap[i] = gid;
	w->g[gid].hpos = i + 1;
}

static void heap_fix(struct sx_window *w, size_t i)
{
	uint32_t gid = w->heap[i];
	while (i > 0 && heap_before(w, gid, w->heap[(i - 1) / 2])) {
		heap_set(w, i, w->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= w->hn)
			break;
		if (c + 1 < w->hn && heap_before(w, w->heap[c + 1], w->heap[c]))
			c++;
		if (!heap_before(w, w->heap[c], gid))
			break;
		heap_set(w, i, w->heap[c]);
		i = c;
	}
	heap_set(w, i, gid);
}

/* Insert GID, or move it after its key changed. */
static void heap_update(struct sx_window *w, uint32_t gid)
{
	struct group *g = &w->g[gid];
	if (!g->hpos) {
		if (w->hn == w->hcap) {
			w->hcap = w->hcap ? 2 * w->hcap : 64;
			w->heap = sx_xreallocarray(w->heap, w->hcap, sizeof *w->heap);
		}
		w->heap[w->hn++] = gid;
		g->hpos = w->hn;
	}
	heap_fix(w, g->hpos - 1);
}

static void heap_remove(struct sx_window *w, uint32_t gid)
{
	size_t i = w->g[gid].hpos - 1;
	w->g[gid].hpos = 0;
	uint32_t last = w->heap[--w->hn];
	if (i < w->hn) {
		heap_set(w, i, last);
		heap_fix(w, i);
	}
}

/* ---- sessions ---- */

static int within_timeout(const struct sx_window *w, sx_time_t gap)
{
	return w->c.start_inclusive ? gap < w->c.timeout : gap <= w->c.timeout;
}

static void session_set_end(struct sx_window *w, struct group *g)
{
	g->send = g->slast + w->c.timeout;
	if (w->c.max_duration && g->scut < g->send)
		g->send = g->scut;
	g->hkey = g->send;
}

static void session_add(struct sx_window *w, uint32_t gid, const struct sx_rec *rec, sx_time_t t, uint64_t seq)
{
	struct group *g = &w->g[gid];
	if (!g->sopen) {
		sx_time_t start = t;
		if (g->scont && within_timeout(w, t - g->cont_last)) {
			/* continue at the cut, or at the last (empty) cut before t */
			int64_t d = w->c.max_duration;
			start = w->c.start_inclusive ? sx_win_align_down(t, d, w->c.offset)
						     : sx_win_align_up(t - d, d, w->c.offset);
			if (start < g->cont_cut)
				start = g->cont_cut;
		}
		g->scont = 0;
		g->sopen = 1;
		g->sstart = start;
		g->first_t = t;
		g->first_seq = seq;
		g->sacc = acc_get(w);
		if (w->c.max_duration)
			g->scut = sx_win_align_up(start + w->c.max_duration, w->c.max_duration, w->c.offset);
	}
	sx_acc_add(w->c.aggs, g->sacc, rec, t, seq);
	g->slast = t;
	session_set_end(w, g);
	heap_update(w, gid);
}

static void close_sessions(struct sx_window *w, sx_time_t wm)
{
	while (w->hn && sx_win_closes(&w->c, w->g[w->heap[0]].hkey, wm)) {
		uint32_t gid = w->heap[0];
		struct group *g = &w->g[gid];
		heap_remove(w, gid);
		if (!g->sopen) {            /* a cut session's continuation expired */
			g->scont = 0;
			continue;
		}
		emit_row(w, g->sstart, g->send, gid, g->sacc);
		acc_put(w, g->sacc);
		g->sacc = NULL;
		g->sopen = 0;
		if (w->c.max_duration && g->send == g->scut && g->scut < g->slast + w->c.timeout) {
			/* cut: the next event continues at the cut if within TIMEOUT */
			g->scont = 1;
			g->cont_last = g->slast;
			g->cont_cut = g->scut;
			g->hkey = g->slast + w->c.timeout;
			heap_update(w, gid);
		}
	}
}

/* ---- sliding ---- */

static struct sev *ev_at(struct group *g, size_t i)
{
	return &g->ev[(g->evhead + i) & (g->evcap - 1)];
}

static void sliding_key(struct sx_window *w, struct group *g)
{
	sx_time_t x = ev_at(g, 0)->t + w->c.size;     /* the oldest event leaves */
	if (g->entry < g->evn && ev_at(g, g->entry)->t < x)
		x = ev_at(g, g->entry)->t;               /* an event enters */
	g->hkey = x;
	g->first_t = x;
	g->first_seq = 0;
	for (size_t i = 0; i < g->evn; i++) {
		struct sev *e = ev_at(g, i);
		if (e->t > x - w->c.size) {
			if (e->t <= x) {
				g->first_t = e->t;
				g->first_seq = e->seq;
			}
			break;
		}
	}
}

static void sliding_add(struct sx_window *w, uint32_t gid, const struct sx_rec *rec, sx_time_t t, uint64_t seq)
{
	struct group *g = &w->g[gid];
	if (g->evn == g->evcap) {
		size_t ncap = g->evcap ? 2 * g->evcap : 4;
		struct sev *ne = sx_xreallocarray(NULL, ncap, sizeof *ne);
		for (size_t i = 0; i < g->evn; i++)
			ne[i] = *ev_at(g, i);
		free(g->ev);
		g->ev = ne;
		g->evcap = ncap;
		g->evhead = 0;
	}
	if (g->evn == 0)
		sx_buf_reset(&g->text);
	*ev_at(g, g->evn++) = (struct sev){ t, seq, g->text.len, rec->len };
	sx_buf_append(&g->text, rec->line, rec->len);
	w->open++;
	sliding_key(w, g);
	heap_update(w, gid);
}

static void close_sliding(struct sx_window *w, sx_time_t wm)
{
	const int64_t size = w->c.size;
	while (w->hn && sx_win_closes(&w->c, w->g[w->heap[0]].hkey, wm)) {
		uint32_t gid = w->heap[0];
		struct group *g = &w->g[gid];
		sx_time_t x = g->hkey;
		int any = 0;
		sx_acc_reset(w->c.aggs, w->scratch);
		for (size_t i = 0; i < g->evn; i++) {
			struct sev *e = ev_at(g, i);
			if (e->t <= x - size)
				continue;
			if (e->t > x)
				break;
			if (sx_rec_index(&w->rec, g->text.data + e->off, e->len) < 0)
				sx_die(SX_EXIT_FAIL, "internal error: a kept event is not a JSON object");
			sx_acc_add(w->c.aggs, w->scratch, &w->rec, e->t, e->seq);
			any = 1;
		}
		if (any)
			emit_row(w, x - size, x, gid, w->scratch);
		g->done = x;
		while (g->evn && ev_at(g, 0)->t <= x - size) {
			g->evhead = (g->evhead + 1) & (g->evcap - 1);
			g->evn--;
			w->open--;
			if (g->entry)
				g->entry--;
		}
		while (g->entry < g->evn && ev_at(g, g->entry)->t <= x)
			g->entry++;
		if (g->evn) {
			/* reclaim the text of departed events once it dominates */
			size_t first = ev_at(g, 0)->off;
			if (first > 4096 && first > g->text.len / 2) {
				memmove(g->text.data, g->text.data + first, g->text.len - first);
				g->text.len -= first;
				for (size_t i = 0; i < g->evn; i++)
					ev_at(g, i)->off -= first;
			}
			sliding_key(w, g);
			heap_fix(w, g->hpos - 1);
		} else {
			heap_remove(w, gid);
			g->entry = 0;
		}
	}
}

/* ---- forgetting idle groups ---- */

/* Rebuild the group table without the groups that have nothing open, once
 * they are most of it, so a stream of ever-new keys stays bounded. */
static void maybe_compact(struct sx_window *w)
{
	size_t n = sx_strmap_count(&w->map);
	if (n < w->compact_at)
		return;
	size_t live = 0;
	for (size_t i = 0; i < n; i++)
		live += group_live(w, &w->g[i]) != 0;
	w->compact_at = 2 * (live * 2 > n ? n : live);
	if (w->compact_at < 4096)
		w->compact_at = 4096;
	if (live * 2 > n)
		return;
	uint32_t *remap = sx_xreallocarray(NULL, n, sizeof *remap);
	struct sx_strmap nm;
	struct group *ng = sx_xreallocarray(NULL, live ? live : 1, sizeof *ng);
	struct ringends *nends = sx_xreallocarray(NULL, live ? live : 1, sizeof *nends);
	sx_strmap_init(&nm, 0);
	for (size_t i = 0; i < n; i++) {
		if (!group_live(w, &w->g[i])) {
			group_release(w, &w->g[i]);
			remap[i] = UINT32_MAX;
			continue;
		}
		size_t klen;
		const char *k = sx_strmap_key(&w->map, i, &klen);
		size_t id = sx_strmap_put(&nm, k, klen, NULL);
		ng[id] = w->g[i];
		nends[id] = w->ends[i];
		remap[i] = (uint32_t)id;
	}
	for (size_t i = 0; i < w->bn; i++) {
		struct bucket *b = bucket_at(w, i);
		for (size_t k = 0; k < b->n; k++)
			b->c[k].gid = remap[b->c[k].gid];
	}
	for (size_t i = 0; i < w->hn; i++)
		w->heap[i] = remap[w->heap[i]];
	free(remap);
	free(w->g);
	free(w->ends);
	sx_strmap_free(&w->map);
	w->map = nm;
	w->g = ng;
	w->ends = nends;
	w->gcap = live ? live : 1;
}

/* ---- driving ---- */

/* Close (emit and free) every window WM has passed. */
static void close_upto(struct sx_window *w, sx_time_t wm)
{
	switch (w->c.kind) {
	case SX_WIN_TUMBLING:
	case SX_WIN_SNAPSHOT:
		close_simple(w, wm);
		break;
	case SX_WIN_HOPPING:
		close_hopping(w, wm);
		break;
	case SX_WIN_SESSION:
		close_sessions(w, wm);
		break;
	case SX_WIN_SLIDING:
		close_sliding(w, wm);
		break;
	}
	maybe_compact(w);
}

static void feed(struct sx_window *w, const struct sx_rec *rec, sx_time_t t, uint64_t seq);

/* Feed every held event at or before UPTO to the windows, in order. */
static void release(struct sx_window *w, sx_time_t upto)
{
	const struct sx_reorder_item *it;
	while ((it = sx_reorder_pop(&w->held, upto))) {
		/* validated when it came: its field index was kept */
		if (sx_reorder_rec(it, &w->hrec) < 0)
			sx_die(SX_EXIT_FAIL, "internal error: a held event is not a JSON object");
		feed(w, &w->hrec, it->t, it->seq);
	}
}

void sx_window_advance(struct sx_window *w, sx_time_t wm)
{
	release(w, wm);
	close_upto(w, wm);
}

void sx_window_flush(struct sx_window *w)
{
	sx_window_advance(w, INT64_MAX);
}

size_t sx_window_held(const struct sx_window *w)
{
	return sx_reorder_count(&w->held);
}

void sx_window_hold(struct sx_window *w, const struct sx_rec *rec, sx_time_t t, uint64_t seq)
{
	sx_reorder_push_rec(&w->held, t, seq, rec);
}

json_t *sx_window_save_held(const struct sx_window *w)
{
	return sx_reorder_save(&w->held);
}

int sx_window_load_held(struct sx_window *w, const json_t *j, uint64_t seq_end, char *err, size_t errlen)
{
	int64_t reach = sx_window_reach(w);
	return sx_reorder_load(&w->held, j, SX_TIME_MIN + reach, SX_TIME_MAX - reach, seq_end, err, errlen);
}

static uint32_t group_of(struct sx_window *w, const struct sx_rec *rec)
{
	if (w->c.nkeys == 0)
		return group_id(w, "-", 1);     /* the single group (no key text is printed) */
	build_key(w, rec);
	return group_id(w, w->key.data, w->key.len);
}

void sx_window_add(struct sx_window *w, const struct sx_rec *rec, sx_time_t t, uint64_t seq)
{
	feed(w, rec, t, seq);
}

static void feed(struct sx_window *w, const struct sx_rec *rec, sx_time_t t, uint64_t seq)
{
	/* Windows ending before t can take no more events (inputs come in time
	 * order); close them first so rows keep window-end order. */
	switch (w->c.kind) {
	case SX_WIN_TUMBLING:
	case SX_WIN_SNAPSHOT:
		if (w->bn && sx_win_closes(&w->c, bucket_at(w, 0)->end, t))
			close_upto(w, t);
		bucket_add(w, group_of(w, rec), rec, t, seq);
		break;
	case SX_WIN_HOPPING:
		if (w->bn && sx_win_closes(&w->c, hop_due(w), t))
			close_upto(w, t);
		bucket_add(w, group_of(w, rec), rec, t, seq);
		break;
	case SX_WIN_SESSION:
		if (w->hn && sx_win_closes(&w->c, w->g[w->heap[0]].hkey, t))
			close_upto(w, t);
		session_add(w, group_of(w, rec), rec, t, seq);
		break;
	case SX_WIN_SLIDING:
		if (w->hn && sx_win_closes(&w->c, w->g[w->heap[0]].hkey, t))
			close_upto(w, t);
		sliding_add(w, group_of(w, rec), rec, t, seq);
		break;
	}
}

/* ---- --state ---- */

static json_t *jkey(const struct sx_window *w, uint32_t gid)
{
	size_t len;
	const char *k = sx_strmap_key(&w->map, gid, &len);
	return json_stringn(k, len);
}

static json_t *jtime(sx_time_t t)
{
	return json_integer((json_int_t)t);
}

json_t *sx_window_save(const struct sx_window *w)
{
	json_t *j = json_object();
	struct sx_window *mw = (struct sx_window *)w;
	if (w->c.kind == SX_WIN_SESSION || w->c.kind == SX_WIN_SLIDING) {
		json_t *arr = json_array();
		/* in close order, so a reload rebuilds the same heap order */
		uint32_t *order = sx_xreallocarray(NULL, w->hn ? w->hn : 1, sizeof *order);
		if (w->hn)
			memcpy(order, w->heap, w->hn * sizeof *order);
		for (size_t i = 1; i < w->hn; i++)
			for (size_t k = i; k > 0 && heap_before(w, order[k], order[k - 1]); k--) {
				uint32_t tmp = order[k];
				order[k] = order[k - 1];
				order[k - 1] = tmp;
			}
		for (size_t i = 0; i < w->hn; i++) {
			struct group *g = &w->g[order[i]];
			json_t *o = json_object();
			json_object_set_new(o, "key", jkey(w, order[i]));
			if (w->c.kind == SX_WIN_SESSION) {
				if (g->sopen) {
					json_object_set_new(o, "start", jtime(g->sstart));
					json_object_set_new(o, "last", jtime(g->slast));
					json_object_set_new(o, "cut", jtime(g->scut));
					json_object_set_new(o, "first_t", jtime(g->first_t));
					json_object_set_new(o, "first_seq", json_integer((json_int_t)g->first_seq));
					json_object_set_new(o, "acc", sx_acc_save(w->c.aggs, g->sacc));
				} else {
					json_object_set_new(o, "cont_last", jtime(g->cont_last));
					json_object_set_new(o, "cont_cut", jtime(g->cont_cut));
				}
			} else {
				json_t *ev = json_array();
				json_object_set_new(o, "done", jtime(g->done));
				for (size_t k = 0; k < g->evn; k++) {
					struct sev *e = ev_at(g, k);
					json_array_append_new(ev, json_pack("[IIs#]", (json_int_t)e->t,
						(json_int_t)e->seq, g->text.data + e->off, e->len));
				}
				json_object_set_new(o, "events", ev);
			}
			json_array_append_new(arr, o);
		}
		free(order);
		json_object_set_new(j, "groups", arr);
	} else {
		json_t *arr = json_array();
		for (size_t i = 0; i < w->bn; i++) {
			struct bucket *b = bucket_at(mw, i);
			json_t *cells = json_array();
			for (size_t k = 0; k < b->n; k++)
				json_array_append_new(cells, json_pack("[oo]", jkey(w, b->c[k].gid),
								       sx_acc_save(w->c.aggs, b->c[k].acc)));
			json_array_append_new(arr, json_pack("{s:I,s:o}", "end", (json_int_t)b->end, "cells", cells));
		}
		json_object_set_new(j, "buckets", arr);
		json_object_set_new(j, "next_e", jtime(w->next_e));
		if (w->two_stacks) {
			/* the merge tree too, so a resumed run rounds exactly as one run */
			json_t *st = json_array();
			for (size_t gid = 0; gid < sx_strmap_count(&w->map); gid++) {
				struct group *g = &w->g[gid];
				if (!g->incl)
					continue;
				json_t *sfx = json_array();
				for (uint32_t i = 0; i < g->front; i++)
					json_array_append_new(sfx, sx_acc_save(w->c.aggs, ring_at(g, i)->sfx));
				json_array_append_new(st, json_pack("{s:o,s:I,s:o,s:o}", "key", jkey(w, (uint32_t)gid),
					"incl", (json_int_t)g->incl, "sfx", sfx,
					"back", g->back ? sx_acc_save(w->c.aggs, g->back) : json_null()));
			}
			json_object_set_new(j, "stacks", st);
		}
	}
	return j;
}

/* A saved time: an integer within the years 0001-9999 (a damaged file's
 * INT64_MAX would overflow the window arithmetic), or NONE where ALLOW_NONE. */
static int get_time_in(const json_t *o, const char *name, sx_time_t *t, int allow_none)
{
	json_t *v = json_object_get(o, name);
	if (allow_none && json_is_null(v)) {
		*t = SX_TIME_NONE;
		return 0;
	}
	if (!json_is_integer(v))
		return -1;
	*t = (sx_time_t)json_integer_value(v);
	if (allow_none && *t == SX_TIME_NONE)      /* saved by json_integer(SX_TIME_NONE) */
		return 0;
	return *t >= SX_TIME_MIN && *t <= SX_TIME_MAX ? 0 : -1;
}

static int get_time(const json_t *o, const char *name, sx_time_t *t)
{
	return get_time_in(o, name, t, 0);
}

/* An event time: as sx-window's input checks it, so that its windows'
 * bounds stay within the years 0001-9999. */
static int event_time_ok(const struct sx_window *w, sx_time_t t)
{
	int64_t reach = sx_window_reach(w);
	return t >= SX_TIME_MIN + reach && t <= SX_TIME_MAX - reach;
}

static int get_event_time(const struct sx_window *w, const json_t *o, const char *name, sx_time_t *t)
{
	return get_time(o, name, t) < 0 || !event_time_ok(w, *t) ? -1 : 0;
}

/* A saved group key into w->key: NKEYS JSON values joined by '\n' ("-"
 * without -g), each made canonical (a state saved before keys were
 * canonical may hold 1.0).  Anything else is damage: its text would be
 * written into rows as it is. */
static int canon_key(struct sx_window *w, const json_t *k)
{
	if (!json_is_string(k))
		return -1;
	const char *p = json_string_value(k), *end = p + json_string_length(k);
	sx_buf_reset(&w->key);
	if (w->c.nkeys == 0) {
		if (end - p != 1 || *p != '-')
			return -1;
		sx_buf_putc(&w->key, '-');
		return 0;
	}
	for (int i = 0; i < w->c.nkeys; i++) {
		const char *nl = i + 1 < w->c.nkeys ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		if (i + 1 < w->c.nkeys && !nl)
			return -1;
		const char *e = nl ? nl : end;
		if (i)
			sx_buf_putc(&w->key, '\n');
		if (sx_jcanon_text(&w->key, p, (size_t)(e - p), &w->tmp) < 0)
			return -1;
		p = e + (nl != NULL);
	}
	return 0;
}

/* *RESPELLED is set when K is not its canonical text: a state written
 * before keys compared by value may then list one group twice. */
static int load_key(struct sx_window *w, const json_t *k, uint32_t *gid, int *respelled)
{
	if (canon_key(w, k) < 0)
		return -1;
	if (json_string_length(k) != w->key.len || memcmp(json_string_value(k), w->key.data, w->key.len))
		*respelled = 1;
	*gid = group_id(w, w->key.data, w->key.len);
	return 0;
}

/* (two spellings of one key: the state predates value comparison) */
#define TWICE_WHY(respelled)                                                                       \
	((respelled) ? ", as two spellings of one value (1 and 1.0, \"A\" and \"\\u0041\"): written by " \
		       "an sx-window that grouped keys by their text; finish it with that version (--final)" \
		     : "")

const char *sx_window_check_watermark(const struct sx_window *w, sx_time_t wm)
{
	static const char ahead[] = "windows hold events after the watermark";
	const struct sx_reorder_item *first = sx_reorder_peek(&w->held);
	if (first && wm != SX_TIME_NONE && first->t < wm)
		return "events held from before the watermark";
	if (w->c.kind != SX_WIN_SESSION && w->c.kind != SX_WIN_SLIDING)
		return w->bn && (wm == SX_TIME_NONE ||
				 w->b[(w->bhead + w->bn - 1) & (w->bcap - 1)].end > sx_win_bucket_end(&w->c, wm)) ?
			ahead : NULL;
	for (size_t gid = 0; gid < sx_strmap_count(&w->map); gid++) {
		struct group *g = &w->g[gid];
		sx_time_t last = g->sopen ? g->slast : g->scont ? g->cont_last :
				 g->evn ? ev_at(g, g->evn - 1)->t : SX_TIME_NONE;
		if (last != SX_TIME_NONE && (wm == SX_TIME_NONE || last > wm))
			return ahead;
	}
	return NULL;
}

#define LOAD_FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int sx_window_load(struct sx_window *w, const json_t *j, char *err, size_t errlen)
{
	size_t i, k;
	json_t *e, *c;
	int respelled = 0;
	if (!json_is_object(j))
		LOAD_FAIL("windows: not an object");
	if (w->c.kind == SX_WIN_SESSION || w->c.kind == SX_WIN_SLIDING) {
		json_t *arr = json_object_get(j, "groups");
		if (!json_is_array(arr))
			LOAD_FAIL("windows: no groups");
		json_array_foreach(arr, i, e) {
			uint32_t gid;
			if (load_key(w, json_object_get(e, "key"), &gid, &respelled) < 0)
				LOAD_FAIL("windows: group %zu: group key is not %d JSON value%s",
					  i, w->c.nkeys, w->c.nkeys == 1 ? "" : "s");
			struct group *g = &w->g[gid];
			if (g->hpos)
				LOAD_FAIL("windows: group %zu: listed twice%s", i, TWICE_WHY(respelled));
			if (w->c.kind == SX_WIN_SESSION) {
				json_t *acc = json_object_get(e, "acc");
				if (acc) {
					json_int_t seq;
					if (get_time(e, "start", &g->sstart) < 0 || get_event_time(w, e, "last", &g->slast) < 0 ||
					    get_time_in(e, "cut", &g->scut, 1) < 0 ||
					    get_event_time(w, e, "first_t", &g->first_t) < 0 ||
					    json_unpack(e, "{s:I}", "first_seq", &seq) < 0 ||
					    g->sstart > g->first_t || g->first_t > g->slast ||
					    (w->c.max_duration && (g->scut == SX_TIME_NONE || g->scut <= g->sstart)))
						LOAD_FAIL("windows: group %zu: bad session (times missing, out of range or out of order)", i);
					g->first_seq = (uint64_t)seq;
					if (!(g->sacc = sx_acc_load(w->c.aggs, acc)))
						LOAD_FAIL("windows: group %zu: damaged aggregates", i);
					w->open++;
					g->sopen = 1;
					session_set_end(w, g);
				} else {
					if (!w->c.max_duration || get_event_time(w, e, "cont_last", &g->cont_last) < 0 ||
					    get_time(e, "cont_cut", &g->cont_cut) < 0)
						LOAD_FAIL("windows: group %zu: bad session (times missing or out of range)", i);
					g->scont = 1;
					g->hkey = g->cont_last + w->c.timeout;
				}
			} else {
				json_t *ev = json_object_get(e, "events");
				if (get_time_in(e, "done", &g->done, 1) < 0 || !json_is_array(ev) || json_array_size(ev) == 0)
					LOAD_FAIL("windows: group %zu: bad sliding events", i);
				struct sx_rec rec;
				sx_rec_init(&rec);
				json_array_foreach(ev, k, c) {
					json_int_t t, seq;
					const char *line, *why;
					size_t len;
					if (json_unpack(c, "[IIs%]", &t, &seq, &line, &len) < 0 ||
					    !event_time_ok(w, (sx_time_t)t) || seq < 0 ||
					    (g->evn && (sx_time_t)t < ev_at(g, g->evn - 1)->t) ||
					    sx_rec_parse(&rec, line, len, &why) < 0) {
						sx_rec_free(&rec);
						LOAD_FAIL("windows: group %zu: bad event %zu (time, order or JSON)", i, k);
					}
					sliding_add(w, gid, &rec, (sx_time_t)t, (uint64_t)seq);
					g = &w->g[gid];
				}
				sx_rec_free(&rec);
				while (g->entry < g->evn && ev_at(g, g->entry)->t <= g->done)
					g->entry++;
				sliding_key(w, g);
			}
			heap_update(w, gid);
		}
		return 0;
	}
	json_t *arr = json_object_get(j, "buckets");
	if (!json_is_array(arr) || get_time_in(j, "next_e", &w->next_e, 1) < 0)
		LOAD_FAIL("windows: no buckets, or next window end out of range");
	/* bucket ends are what events in range give: aligned, within bounds */
	sx_time_t lo_end = sx_win_bucket_end(&w->c, SX_TIME_MIN + sx_window_reach(w));
	sx_time_t hi_end = sx_win_bucket_end(&w->c, SX_TIME_MAX - sx_window_reach(w));
	json_array_foreach(arr, i, e) {
		sx_time_t end;
		json_t *cells = json_object_get(e, "cells");
		if (get_time(e, "end", &end) < 0 || !json_is_array(cells) ||
		    (w->bn && bucket_at(w, w->bn - 1)->end >= end))
			LOAD_FAIL("windows: bucket %zu: bad or out of order", i);
		if (end < lo_end || end > hi_end ||
		    (w->c.kind != SX_WIN_SNAPSHOT && sx_win_align_down(end, w->pane, w->c.offset) != end))
			LOAD_FAIL("windows: bucket %zu: end out of range or not on a window boundary", i);
		struct bucket *b = bucket_push(w, end);
		json_array_foreach(cells, k, c) {
			uint32_t gid;
			struct sx_acc *acc;
			if (!json_is_array(c))
				LOAD_FAIL("windows: bucket %zu: bad cell %zu", i, k);
			if (load_key(w, json_array_get(c, 0), &gid, &respelled) < 0)
				LOAD_FAIL("windows: bucket %zu: cell %zu: group key is not %d JSON value%s",
					  i, k, w->c.nkeys, w->c.nkeys == 1 ? "" : "s");
			if (w->g[gid].rn && ring_at(&w->g[gid], w->g[gid].rn - 1)->end == end)
				LOAD_FAIL("windows: bucket %zu: group listed twice%s", i, TWICE_WHY(respelled));
			if (!(acc = sx_acc_load(w->c.aggs, json_array_get(c, 1))))
				LOAD_FAIL("windows: bucket %zu: cell %zu: damaged aggregates", i, k);
			w->open++;
			bucket_add_cell(w, b, gid, acc);
		}
	}
	/* hopping: the next window to emit ends on a hop, and windows
	 * before the oldest open pane's have been emitted */
	if (w->next_e != SX_TIME_NONE &&
	    (w->c.kind != SX_WIN_HOPPING || sx_win_align_down(w->next_e, w->c.hop, w->c.offset) != w->next_e ||
	     (w->bn && w->next_e >= bucket_at(w, 0)->end + w->c.size)))
		LOAD_FAIL("windows: next window end out of place");
	json_t *st = json_object_get(j, "stacks");
	if (!w->two_stacks || !st)
		return 0;
	json_array_foreach(st, i, e) {
		json_t *key = json_object_get(e, "key"), *sfx = json_object_get(e, "sfx"), *back;
		json_int_t incl;
		if (canon_key(w, key) < 0 || !json_is_array(sfx) ||
		    json_unpack(e, "{s:I,s:o}", "incl", &incl, "back", &back) < 0)
			LOAD_FAIL("windows: bad stacks %zu", i);
		size_t gid = sx_strmap_find(&w->map, w->key.data, w->key.len);
		if (gid == SX_STRMAP_NONE || incl < (json_int_t)json_array_size(sfx) || incl > w->g[gid].rn ||
		    w->g[gid].incl)
			LOAD_FAIL("windows: bad stacks %zu", i);
		struct group *g = &w->g[gid];
		json_array_foreach(sfx, k, c) {
			if (!(ring_at(g, (uint32_t)k)->sfx = sx_acc_load(w->c.aggs, c)))
				LOAD_FAIL("windows: bad stacks %zu", i);
			w->open++;
			g->front = (uint32_t)k + 1;
		}
		g->incl = (uint32_t)incl;
		if (!json_is_null(back)) {
			if (!(g->back = sx_acc_load(w->c.aggs, back)))
				LOAD_FAIL("windows: bad stacks %zu", i);
			w->open++;
		}
	}
	return 0;
}
