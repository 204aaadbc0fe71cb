/* sx_tmerge.c - the time merge of sx-ingest's inputs (see sx_tmerge.h). */
#include "sx_tmerge.h"
#include "sx_buf.h"
#include "sx_err.h"

#include <stdlib.h>
#include <string.h>

struct held {
	sx_time_t t;
	int input;                 /* its rank: inputs are numbered in order */
	uint64_t seq;              /* reading order */
	size_t slot;               /* its text: pool[slot] */
};

struct input {
	int open, seen;
	sx_time_t max;             /* the latest time it has sent */
	size_t at;                 /* its place in `order` while open */
};

struct sx_tmerge {
	int64_t max_delay;
	sx_tmerge_out_fn out;
	void *ctx;
	struct input *in;
	int nin, capin;
	int *order;                /* the open inputs, a min-heap by (seen, max, rank):
				    * the top holds the clock back */
	size_t nopen;
	struct held *heap;         /* a binary min-heap by (t, input, seq) */
	size_t nheap, capheap;
	struct sx_buf *pool;       /* record texts */
	size_t npool, cappool;
	size_t *free_slots;        /* pool slots not in use */
	size_t nfree;
	uint64_t seq, late;
	int released_any, releasing;
	sx_time_t last;            /* the time of the last record released */
};

struct sx_tmerge *sx_tmerge_new(int64_t max_delay_us, sx_tmerge_out_fn out, void *ctx)
{
	struct sx_tmerge *m = sx_xcalloc(1, sizeof *m);
	m->max_delay = max_delay_us;
	m->out = out;
	m->ctx = ctx;
	return m;
}

void sx_tmerge_free(struct sx_tmerge *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->npool; i++)
		sx_buf_free(&m->pool[i]);
	free(m->pool);
	free(m->free_slots);
	free(m->heap);
	free(m->in);
	free(m->order);
	free(m);
}

/* Does input A come before B in `order`? */
static int ahead(const struct sx_tmerge *m, int a, int b)
{
	const struct input *x = &m->in[a], *y = &m->in[b];
	if (x->seen != y->seen)
		return !x->seen;
	if (x->seen && x->max != y->max)
		return x->max < y->max;
	return a < b;
}

static void order_set(struct sx_tmerge *m, size_t k, int i)
{
	m->order[k] = i;
	m->in[i].at = k;
}

static void order_up(struct sx_tmerge *m, size_t k)
{
	int i = m->order[k];
	while (k > 0 && ahead(m, i, m->order[(k - 1) / 2])) {
		order_set(m, k, m->order[(k - 1) / 2]);
		k = (k - 1) / 2;
	}
	order_set(m, k, i);
}

static void order_down(struct sx_tmerge *m, size_t k)
{
	int i = m->order[k];
	for (;;) {
		size_t c = 2 * k + 1;
		if (c >= m->nopen)
			break;
		if (c + 1 < m->nopen && ahead(m, m->order[c + 1], m->order[c]))
			c++;
		if (!ahead(m, m->order[c], i))
			break;
		order_set(m, k, m->order[c]);
		k = c;
	}
	order_set(m, k, i);
}

int sx_tmerge_add(struct sx_tmerge *m)
{
	if (m->nin == m->capin) {
		m->capin = m->capin ? m->capin * 2 : 16;
		m->in = sx_xreallocarray(m->in, (size_t)m->capin, sizeof *m->in);
		m->order = sx_xreallocarray(m->order, (size_t)m->capin, sizeof *m->order);
	}
	int i = m->nin++;
	m->in[i].open = 1;
	m->in[i].seen = 0;
	m->in[i].max = 0;
	order_set(m, m->nopen++, i);
	order_up(m, m->nopen - 1);
	return i;
}

void sx_tmerge_done(struct sx_tmerge *m, int i)
{
	if (!m->in[i].open)
		return;
	m->in[i].open = 0;
	size_t k = m->in[i].at;
	int last = m->order[--m->nopen];
	if (last == i)
		return;
	order_set(m, k, last);
	order_up(m, k);
	order_down(m, m->in[last].at);
}

static int before(const struct held *a, const struct held *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	if (a->input != b->input)
		return a->input < b->input;
	return a->seq < b->seq;
}

void sx_tmerge_hold(struct sx_tmerge *m, int i, const char *p, size_t n, sx_time_t t)
{
	struct input *in = &m->in[i];
	if (!in->seen || t > in->max) {
		in->max = t;
		in->seen = 1;
		if (in->open)
			order_down(m, in->at); /* it only moves back */
	}
	size_t slot;
	if (m->nfree) {
		slot = m->free_slots[--m->nfree];
	} else {
		if (m->npool == m->cappool) {
			m->cappool = m->cappool ? m->cappool * 2 : 64;
			m->pool = sx_xreallocarray(m->pool, m->cappool, sizeof *m->pool);
			m->free_slots = sx_xreallocarray(m->free_slots, m->cappool, sizeof *m->free_slots);
		}
		slot = m->npool++;
		m->pool[slot] = (struct sx_buf)SX_BUF_INIT;
	}
	sx_buf_reset(&m->pool[slot]);
	sx_buf_append(&m->pool[slot], p, n);
	if (m->nheap == m->capheap) {
		m->capheap = m->capheap ? m->capheap * 2 : 64;
		m->heap = sx_xreallocarray(m->heap, m->capheap, sizeof *m->heap);
	}
	struct held h = { t, i, m->seq++, slot };
	size_t k = m->nheap++;
	while (k > 0 && before(&h, &m->heap[(k - 1) / 2])) {
		m->heap[k] = m->heap[(k - 1) / 2];
		k = (k - 1) / 2;
	}
	m->heap[k] = h;
}

static void pop(struct sx_tmerge *m)
{
	struct held last = m->heap[--m->nheap];
	size_t k = 0, n = m->nheap;
	for (;;) {
		size_t c = 2 * k + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&m->heap[c + 1], &m->heap[c]))
			c++;
		if (!before(&m->heap[c], &last))
			break;
		m->heap[k] = m->heap[c];
		k = c;
	}
	if (n)
		m->heap[k] = last;
}

/* The clock: no open input sends anything before it.  0 and *ALL set when
 * no input is open (everything may go); 0 and *NONE when an open input has
 * sent nothing yet (nothing may go). */
static sx_time_t clock_now(const struct sx_tmerge *m, int *all, int *none)
{
	*all = m->nopen == 0;
	*none = !*all && !m->in[m->order[0]].seen;
	if (*all || *none)
		return 0;
	return m->in[m->order[0]].max - m->max_delay;
}

void sx_tmerge_done_all(struct sx_tmerge *m)
{
	for (int i = 0; i < m->nin; i++)
		sx_tmerge_done(m, i);
}

size_t sx_tmerge_release(struct sx_tmerge *m)
{
	int all, none;
	sx_time_t w = clock_now(m, &all, &none);
	size_t n = 0;
	if (none || m->releasing)
		return 0;
	m->releasing = 1;
	while (m->nheap && (all || m->heap[0].t < w)) {
		const struct held *h = &m->heap[0];
		if (m->released_any && h->t < m->last)
			m->late++;
		else
			m->last = h->t;
		m->released_any = 1;
		m->out(m->ctx, m->pool[h->slot].data, m->pool[h->slot].len);
		m->free_slots[m->nfree++] = h->slot;
		pop(m);
		n++;
	}
	m->releasing = 0;
	return n;
}

int sx_tmerge_next(const struct sx_tmerge *m)
{
	return m->nopen ? m->order[0] : -1;
}

size_t sx_tmerge_held(const struct sx_tmerge *m)
{
	return m->nheap;
}

uint64_t sx_tmerge_late(const struct sx_tmerge *m)
{
	return m->late;
}
