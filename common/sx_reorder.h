/*
 * sx_reorder.h - the --max-delay buffer: events held back and released in
 * event-time order (ASA out-of-order tolerance), shared by sx-window and
 * sx-join.
 *
 * A binary min-heap ordered by (time, input sequence number), so events with
 * equal times come out in input order (stable, deterministic).  Each item
 * keeps a copy of the raw record line, packed into large chunks (a chunk is
 * reused once all its lines were released; a long line gets one of its own),
 * so a steady stream allocates nothing per event, and a long --max-delay
 * holding millions of lines costs their bytes, not a malloc each.  A
 * record pushed with sx_reorder_push_rec keeps its field index beside its
 * line (20 bytes a field), so it is validated once: sx_reorder_rec gives it
 * back without scanning the line again.  The caller owns the watermark: it
 * pushes events, then pops everything at or before it.
 *
 * Ownership: the buffer copies each pushed line.  A popped item (and its line)
 * is owned by the buffer and stays valid until the next push or pop.
 */
#ifndef SX_REORDER_H
#define SX_REORDER_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "sx_json.h"
#include "sx_time.h"

/* A field of a held record, as offsets into its line. */
struct sx_reorder_field {
	uint32_t koff, klen, voff, vlen;
	unsigned char type, key_esc, val_esc;
};

struct sx_reorder_item {
	sx_time_t t;
	uint64_t seq;
	char *line;
	size_t len;
	size_t chunk;                   /* where the line is (internal) */
	uint32_t nf;                    /* fields kept after the line (0: none) */
	unsigned char compact;
};

struct sx_reorder_chunk {
	char *mem;
	size_t cap, used;
	size_t live;                    /* lines in it not released yet */
};

struct sx_reorder {
	struct sx_reorder_item *heap;
	size_t n, cap;
	struct sx_reorder_item out;     /* the item last popped */
	int has_out;
	struct sx_reorder_chunk *chunks;
	size_t nchunks, chunks_alloc;
	size_t cur;                     /* the chunk being filled */
	size_t *spare;                  /* empty chunks, to reuse */
	size_t nspare;
	size_t bytes;                   /* bytes of lines held (for --stats) */
};

void sx_reorder_init(struct sx_reorder *r);
void sx_reorder_free(struct sx_reorder *r);

/* Hold a copy of LINE with its event time T and input sequence SEQ. */
void sx_reorder_push(struct sx_reorder *r, sx_time_t t, uint64_t seq, const char *line, size_t len);
/* The same for a parsed record, keeping its field index too. */
void sx_reorder_push_rec(struct sx_reorder *r, sx_time_t t, uint64_t seq, const struct sx_rec *rec);
/* The record of a popped or peeked item into REC (pointing into the item's
 * line): from its kept index, or re-indexed without validating (a line
 * pushed as such was validated by its caller).  0, or -1 (not an object). */
int sx_reorder_rec(const struct sx_reorder_item *it, struct sx_rec *rec);

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
 * back (appending to R).  Load checks every item (time within [TMIN, TMAX],
 * input ordinal below SEQ_END, the line a JSON object) and returns 0, or -1
 * with what is wrong in ERR. */
json_t *sx_reorder_save(const struct sx_reorder *r);
int sx_reorder_load(struct sx_reorder *r, const json_t *j, sx_time_t tmin, sx_time_t tmax,
		    uint64_t seq_end, char *err, size_t errlen);

#endif
