/*
 * sx_reorder.h - the --max-delay buffer: events held back and released in
 * event-time order (ASA out-of-order tolerance), shared by sx-window and
 * sx-join.
 *
 * A binary min-heap ordered by (time, input sequence number), so events with
 * equal times come out in input order (stable, deterministic).  Each item
 * keeps a copy of the raw record line; the line buffers of released items are
 * recycled, so a steady stream allocates nothing per event.  The caller owns
 * the watermark: it pushes events, then pops everything at or before it.
 *
 * Ownership: the buffer copies each pushed line.  A popped item (and its line)
 * is owned by the buffer and stays valid until the next push or pop.
 */
#ifndef SX_REORDER_H
#define SX_REORDER_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "sx_time.h"

struct sx_reorder_item {
	sx_time_t t;
	uint64_t seq;
	char *line;
	size_t len, cap;
};

struct sx_reorder {
	struct sx_reorder_item *heap;
	size_t n, cap;
	struct sx_reorder_item out;     /* the item last popped */
	char **pool;                    /* recycled line buffers */
	size_t *pool_cap;
	size_t npool, pool_alloc;
	size_t bytes;                   /* bytes of lines held (for --stats) */
};

void sx_reorder_init(struct sx_reorder *r);
void sx_reorder_free(struct sx_reorder *r);

/* Hold a copy of LINE with its event time T and input sequence SEQ. */
void sx_reorder_push(struct sx_reorder *r, sx_time_t t, uint64_t seq, const char *line, size_t len);

static inline size_t sx_reorder_count(const struct sx_reorder *r)
{
	return r->n;
}

/* The earliest held item, left in the buffer (NULL when empty); valid until
 * the next push or pop. */
static inline const struct sx_reorder_item *sx_reorder_peek(const struct sx_reorder *r)
{
	return r->n ? &r->heap[0] : NULL;
}

/* The earliest held item, removed from the buffer, if its time is <= UPTO
 * (INT64_MAX releases everything); NULL otherwise. */
const struct sx_reorder_item *sx_reorder_pop(struct sx_reorder *r, sx_time_t upto);

/* --state: the held items as [[t,seq,"line"],...] in release order, and
 * back (appending to R).  Load returns 0, or -1 when J is malformed: an item
 * that is not [t,seq,"line"] with t in 0001-9999 and a JSON object line. */
json_t *sx_reorder_save(const struct sx_reorder *r);
int sx_reorder_load(struct sx_reorder *r, const json_t *j);

#endif
