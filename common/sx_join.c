/* sx_join.c - the stream-to-stream join engine (see sx_join.h). */
#include "sx_join.h"
#include "sx_err.h"
#include "sx_hash.h"
#include "sx_jkey.h"
#include "sx_joinrow.h"
#include "sx_reorder.h"
#include "sx_stats.h"

#include <stdlib.h>
#include <string.h>

#define INF INT64_MAX
#define NOKEY UINT32_MAX

/* A record kept for matching.  Ids count up per input; slot id lives at
 * ring[id & (cap - 1)].  List links are id + 1 (0: end of list). */
struct slot {
	sx_time_t t;
	uint64_t seq;
	uint64_t next;
	uint32_t key;           /* entry in the key table, or NOKEY */
	unsigned char matched;
	char *line;
	size_t len, cap;
};

struct store {
	struct slot *ring;
	size_t cap;             /* 0 or a power of two */
	uint64_t head, tail;    /* ids [head, tail) are held */
};

/* The key table's value: each input's list of kept records (id + 1). */
struct keyent {
	uint64_t head[2], tail[2];
};

struct side {
	sx_time_t wm;           /* as the caller last said (sx_join_advance) */
	int ended;
	uint64_t seq;
	struct sx_reorder r;    /* records not processed yet */
	struct store st;        /* records processed and kept */
};

struct sx_join {
	struct sx_join_cfg c;
	struct sx_out *out;
	struct side s[2];
	struct sx_strmap keys;
	size_t live;            /* keys whose lists are not all empty */
	struct sx_jkey jk[2];
	struct sx_joinrow row;
	struct sx_rec cur, other;
	uint64_t *matches, *unmatched, *held_max;
	size_t held;
};

/* ---- the rings ---- */

static inline struct slot *slot_of(const struct store *st, uint64_t id)
{
	return &st->ring[id & (st->cap - 1)];
}

static void store_grow(struct store *st)
{
	size_t ncap = st->cap ? 2 * st->cap : 64;
	struct slot *n = sx_xcalloc(ncap, sizeof *n);
	unsigned char *moved = sx_xcalloc(st->cap ? st->cap : 1, 1);
	for (uint64_t id = st->head; id < st->tail; id++) {
		size_t i = id & (st->cap - 1);
		n[id & (ncap - 1)] = st->ring[i];
		moved[i] = 1;
	}
	for (size_t i = 0; i < st->cap; i++)
		if (!moved[i])
			free(st->ring[i].line);
	free(moved);
	free(st->ring);
	st->ring = n;
	st->cap = ncap;
}

static uint64_t store_push(struct store *st, sx_time_t t, uint64_t seq, const char *line, size_t len)
{
	if (st->tail - st->head == st->cap)
		store_grow(st);
	uint64_t id = st->tail++;
	struct slot *s = slot_of(st, id);
	if (s->cap < len + 1) {
		s->cap = len + 1 > 128 ? len + 1 : 128;
		s->line = sx_xrealloc(s->line, s->cap);
	}
	memcpy(s->line, line, len);
	s->line[len] = '\0';
	s->len = len;
	s->t = t;
	s->seq = seq;
	s->next = 0;
	s->key = NOKEY;
	s->matched = 0;
	return id;
}

static void store_free(struct store *st)
{
	for (size_t i = 0; i < st->cap; i++)
		free(st->ring[i].line);
	free(st->ring);
	memset(st, 0, sizeof *st);
}

static inline size_t store_count(const struct store *st)
{
	return (size_t)(st->tail - st->head);
}

/* ---- the key table ---- */

static inline struct keyent *keyent(const struct sx_join *j, uint32_t k)
{
	return sx_strmap_value(&j->keys, k);
}

/* Forget the keys with nothing kept: a new table holds the live ones, and
 * the kept records are renumbered. */
static void rebuild_keys(struct sx_join *j)
{
	struct sx_strmap nm;
	sx_strmap_init(&nm, sizeof(struct keyent));
	size_t n = sx_strmap_count(&j->keys);
	uint32_t *remap = sx_xcalloc(n ? n : 1, sizeof *remap);
	for (size_t i = 0; i < n; i++) {
		struct keyent *e = keyent(j, (uint32_t)i);
		remap[i] = NOKEY;
		if (!e->head[0] && !e->head[1])
			continue;
		struct keyent copy = *e;
		size_t len;
		const char *k = sx_strmap_key(&j->keys, i, &len);
		size_t ni = sx_strmap_puth(&nm, k, len, j->keys.e[i].hash, NULL);
		*(struct keyent *)sx_strmap_value(&nm, ni) = copy;
		remap[i] = (uint32_t)ni;
	}
	for (int s = 0; s < 2; s++) {
		struct store *st = &j->s[s].st;
		for (uint64_t id = st->head; id < st->tail; id++) {
			struct slot *sl = slot_of(st, id);
			if (sl->key != NOKEY)
				sl->key = remap[sl->key];
		}
	}
	free(remap);
	sx_strmap_free(&j->keys);
	j->keys = nm;
}

/* The entry of the key last built in jk[SIDE], inserted when absent. */
static uint32_t key_insert(struct sx_join *j, int side)
{
	struct sx_jkey *k = &j->jk[side];
	size_t i = sx_strmap_findh(&j->keys, k->key.data, k->key.len, k->hash);
	if (i != SX_STRMAP_NONE)
		return (uint32_t)i;
	if (sx_strmap_count(&j->keys) >= 2 * j->live + 1024)
		rebuild_keys(j);
	if (sx_strmap_count(&j->keys) >= NOKEY - 1)
		sx_die(SX_EXIT_FAIL, "internal error: too many join keys");
	return (uint32_t)sx_strmap_puth(&j->keys, k->key.data, k->key.len, k->hash, NULL);
}

static void list_append(struct sx_join *j, int side, uint32_t k, uint64_t id)
{
	struct keyent *e = keyent(j, k);
	struct store *st = &j->s[side].st;
	if (!e->head[0] && !e->head[1])
		j->live++;
	if (e->tail[side])
		slot_of(st, e->tail[side] - 1)->next = id + 1;
	else
		e->head[side] = id + 1;
	e->tail[side] = id + 1;
	slot_of(st, id)->key = k;
}

/* Remove the oldest kept record of SIDE (the head of its key's list too,
 * as both are in processing order). */
static void drop_head(struct sx_join *j, int side)
{
	struct store *st = &j->s[side].st;
	uint64_t id = st->head;
	struct slot *sl = slot_of(st, id);
	if (sl->key != NOKEY) {
		struct keyent *e = keyent(j, sl->key);
		if (e->head[side] != id + 1)
			sx_die(SX_EXIT_FAIL, "internal error: join key list out of order");
		e->head[side] = sl->next;
		if (!e->head[side])
			e->tail[side] = 0;
		if (!e->head[0] && !e->head[1])
			j->live--;
	}
	st->head++;
	j->held--;
}

static void note_held(struct sx_join *j)
{
	j->held++;
	if (j->held > *j->held_max)
		*j->held_max = j->held;
}

/* ---- setup ---- */

struct sx_join *sx_join_new(const struct sx_join_cfg *c, struct sx_out *out)
{
	struct sx_join *j = sx_xcalloc(1, sizeof *j);
	j->c = *c;
	j->out = out;
	for (int s = 0; s < 2; s++) {
		j->s[s].wm = SX_TIME_NONE;
		sx_reorder_init(&j->s[s].r);
	}
	sx_strmap_init(&j->keys, sizeof(struct keyent));
	sx_jkey_init(&j->jk[0], c->lkeys, c->nkeys);
	sx_jkey_init(&j->jk[1], c->rkeys, c->nkeys);
	sx_joinrow_init(&j->row, c->lkeys, c->rkeys, c->nkeys, c->prefix);
	sx_rec_init(&j->cur);
	sx_rec_init(&j->other);
	j->matches = sx_stats_counter("matches");
	j->unmatched = sx_stats_counter("unmatched");
	j->held_max = sx_stats_counter("held_max");
	return j;
}

void sx_join_free(struct sx_join *j)
{
	if (!j)
		return;
	for (int s = 0; s < 2; s++) {
		sx_reorder_free(&j->s[s].r);
		store_free(&j->s[s].st);
		sx_jkey_free(&j->jk[s]);
	}
	sx_strmap_free(&j->keys);
	sx_joinrow_free(&j->row);
	sx_rec_free(&j->cur);
	sx_rec_free(&j->other);
	free(j);
}

/* ---- processing ---- */

/* A held or kept record, validated when it came: index its fields again. */
static void parse_kept(struct sx_rec *r, const char *line, size_t len)
{
	if (sx_rec_index(r, line, len) < 0)
		sx_die(SX_EXIT_FAIL, "internal error: a kept record is not a JSON object");
}

static void write_pair(struct sx_join *j, const struct sx_rec *l, const struct sx_rec *r)
{
	sx_joinrow_write(&j->row, j->out, l, r->f, r->n, r->compact);
	sx_stats.records_out++;
}

/* Right records are kept while a later left record may match them. */
static int keep_right(const struct sx_join *j)
{
	return j->c.lo < 0 && !(j->s[SX_JOIN_L].ended && !sx_reorder_count(&j->s[SX_JOIN_L].r));
}

static void process_left(struct sx_join *j, const struct sx_rec *rec, sx_time_t t, uint64_t seq)
{
	int has = sx_jkey_make(&j->jk[0], rec);
	int matched = 0;
	size_t k = SX_STRMAP_NONE;
	if (has)
		k = sx_strmap_findh(&j->keys, j->jk[0].key.data, j->jk[0].key.len, j->jk[0].hash);
	if (k != SX_STRMAP_NONE) {
		/* right records kept under this key all came before t */
		const struct store *rs = &j->s[SX_JOIN_R].st;
		for (uint64_t n = keyent(j, (uint32_t)k)->head[SX_JOIN_R]; n; ) {
			const struct slot *sl = slot_of(rs, n - 1);
			n = sl->next;
			int64_t d = sl->t - t;
			if (d < j->c.lo)
				continue;  /* not evicted yet, too old for this one */
			if (d > j->c.hi)
				break;
			matched = 1;
			(*j->matches)++;
			if (j->c.type != SX_JOIN_ANTI) {
				parse_kept(&j->other, sl->line, sl->len);
				write_pair(j, rec, &j->other);
			}
		}
	}
	/* kept to match later right records, or to be written at expiry */
	if (j->c.type == SX_JOIN_INNER && (!has || j->c.hi < 0))
		return;
	uint64_t id = store_push(&j->s[SX_JOIN_L].st, t, seq, rec->line, rec->len);
	slot_of(&j->s[SX_JOIN_L].st, id)->matched = (unsigned char)matched;
	note_held(j);
	if (has)
		list_append(j, SX_JOIN_L, key_insert(j, SX_JOIN_L), id);
}

static void process_right(struct sx_join *j, const struct sx_rec *rec, sx_time_t t, uint64_t seq)
{
	if (!sx_jkey_make(&j->jk[1], rec))
		return; /* a null or missing key matches nothing */
	size_t k = sx_strmap_findh(&j->keys, j->jk[1].key.data, j->jk[1].key.len, j->jk[1].hash);
	if (k != SX_STRMAP_NONE) {
		/* left records kept under this key, oldest first: t - t_l decreases */
		struct store *ls = &j->s[SX_JOIN_L].st;
		for (uint64_t n = keyent(j, (uint32_t)k)->head[SX_JOIN_L]; n; ) {
			struct slot *sl = slot_of(ls, n - 1);
			n = sl->next;
			int64_t d = t - sl->t;
			if (d > j->c.hi)
				continue;
			if (d < j->c.lo)
				break;
			sl->matched = 1;
			(*j->matches)++;
			if (j->c.type != SX_JOIN_ANTI) {
				parse_kept(&j->other, sl->line, sl->len);
				write_pair(j, &j->other, rec);
			}
		}
	}
	if (!keep_right(j))
		return;
	uint64_t id = store_push(&j->s[SX_JOIN_R].st, t, seq, rec->line, rec->len);
	note_held(j);
	list_append(j, SX_JOIN_R, key_insert(j, SX_JOIN_R), id);
}

/* The oldest kept left record's time is past: write it if it found nothing. */
static void expire_left(struct sx_join *j)
{
	struct store *ls = &j->s[SX_JOIN_L].st;
	struct slot *sl = slot_of(ls, ls->head);
	if (!sl->matched && j->c.type != SX_JOIN_INNER) {
		parse_kept(&j->other, sl->line, sl->len);
		sx_joinrow_write_left(&j->row, j->out, &j->other);
		sx_stats.records_out++;
		(*j->unmatched)++;
	}
	drop_head(j, SX_JOIN_L);
}

/* Right records no left record still to come can match. */
static void evict_right(struct sx_join *j)
{
	struct side *l = &j->s[SX_JOIN_L];
	const struct sx_reorder_item *it = sx_reorder_peek(&l->r);
	sx_time_t lmin = l->ended ? INF : l->wm;
	if (it && it->t < lmin)
		lmin = it->t;
	if (lmin == SX_TIME_NONE)
		return;
	struct store *rs = &j->s[SX_JOIN_R].st;
	while (store_count(rs) && (lmin == INF || slot_of(rs, rs->head)->t < lmin + j->c.lo))
		drop_head(j, SX_JOIN_R);
}

/* ---- the merge: events in (time, kind, input order) ---- */

enum { EV_LEFT, EV_RIGHT, EV_EXPIRE };

struct ev {
	int kind;
	sx_time_t t;
	uint64_t seq;
};

static inline int ev_before(int kind, sx_time_t t, uint64_t seq, const struct ev *e)
{
	if (t != e->t)
		return t < e->t;
	if (kind != e->kind)
		return kind < e->kind;
	return seq < e->seq;
}

static inline sx_time_t frontier(const struct sx_join *j, int side)
{
	return j->s[side].ended ? INF : j->s[side].wm;
}

/* Whether a record of SIDE at T may be processed now (no event that sorts
 * before it can still arrive).  Downward closed: if an event may be
 * processed, so may every event that sorts before it. */
static inline int may_process(const struct sx_join *j, int side, sx_time_t t)
{
	if (t > frontier(j, side))
		return 0; /* its own input may still send earlier ones (max-delay) */
	if (side == SX_JOIN_L)
		return t <= frontier(j, SX_JOIN_R);
	return t < frontier(j, SX_JOIN_L);
}

/* The first event that may be processed now; 0 if none. */
static int next_event(const struct sx_join *j, struct ev *e)
{
	int found = 0;
	for (int s = 0; s < 2; s++) {
		const struct sx_reorder_item *it = sx_reorder_peek(&j->s[s].r);
		if (it && may_process(j, s, it->t) && (!found || ev_before(s, it->t, it->seq, e))) {
			e->kind = s;
			e->t = it->t;
			e->seq = it->seq;
			found = 1;
		}
	}
	const struct store *ls = &j->s[SX_JOIN_L].st;
	if (store_count(ls)) {
		const struct slot *sl = slot_of(ls, ls->head);
		sx_time_t w = frontier(j, SX_JOIN_L) < frontier(j, SX_JOIN_R) ? frontier(j, SX_JOIN_L)
									  : frontier(j, SX_JOIN_R);
		sx_time_t at = sl->t + j->c.hi;
		if (at < w && (!found || ev_before(EV_EXPIRE, at, sl->seq, e))) {
			e->kind = EV_EXPIRE;
			e->t = at;
			e->seq = sl->seq;
			found = 1;
		}
	}
	return found;
}

/* Process every event that may be processed and sorts before BOUND (NULL:
 * all of them). */
static void merge(struct sx_join *j, const struct ev *bound)
{
	struct ev e = { EV_LEFT, 0, 0 };
	while (next_event(j, &e)) {
		if (bound && !ev_before(e.kind, e.t, e.seq, bound))
			break;
		if (e.kind == EV_EXPIRE) {
			expire_left(j);
			continue;
		}
		const struct sx_reorder_item *it = sx_reorder_pop(&j->s[e.kind].r, INF);
		j->held--;
		if (sx_reorder_rec(it, &j->cur) < 0)
			sx_die(SX_EXIT_FAIL, "internal error: a held record is not a JSON object");
		if (e.kind == SX_JOIN_L) {
			process_left(j, &j->cur, it->t, it->seq);
			/* the left input moved on: right records it can no longer
			 * match go now, or every later left record of their key
			 * would walk past them (quadratic when a long max-delay
			 * lets one merge process most of the input) */
			evict_right(j);
		} else {
			process_right(j, &j->cur, it->t, it->seq);
		}
	}
	evict_right(j);
}

/* ---- the interface ---- */

void sx_join_add(struct sx_join *j, int side, const struct sx_rec *rec, sx_time_t t, sx_time_t wm)
{
	struct side *s = &j->s[side];
	if (t < s->wm)
		sx_die(SX_EXIT_FAIL, "internal error: a join record behind its input's watermark");
	if (wm > s->wm)
		s->wm = wm;
	uint64_t seq = s->seq++;
	if (!sx_reorder_count(&s->r)) {
		/* process it straight from the caller's line when its turn has come */
		struct ev me = { side, t, seq };
		merge(j, &me);
		if (may_process(j, side, t)) {
			if (side == SX_JOIN_L)
				process_left(j, rec, t, seq);
			else
				process_right(j, rec, t, seq);
			merge(j, NULL);
			return;
		}
	}
	sx_reorder_push_rec(&s->r, t, seq, rec);
	note_held(j);
	merge(j, NULL);
}

void sx_join_end(struct sx_join *j, int side)
{
	j->s[side].ended = 1;
	merge(j, NULL);
}

void sx_join_advance(struct sx_join *j, int side, sx_time_t wm)
{
	struct side *s = &j->s[side];
	if (s->ended || wm <= s->wm)
		return;
	s->wm = wm;
	merge(j, NULL);
}

int sx_join_behind(const struct sx_join *j)
{
	if (j->s[SX_JOIN_L].ended)
		return SX_JOIN_R;
	if (j->s[SX_JOIN_R].ended)
		return SX_JOIN_L;
	return j->s[SX_JOIN_R].wm < j->s[SX_JOIN_L].wm ? SX_JOIN_R : SX_JOIN_L;
}

sx_time_t sx_join_watermark(const struct sx_join *j, int side)
{
	return j->s[side].wm;
}

size_t sx_join_held(const struct sx_join *j)
{
	return j->held;
}

size_t sx_join_keys(const struct sx_join *j)
{
	return sx_strmap_count(&j->keys);
}
