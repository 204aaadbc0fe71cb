/*
 * sx_tmerge.h - the time merge of sx-ingest's inputs (-t with several
 * files): records are held, each with its event time and its input, and
 * released in event-time order once no input can still send an earlier one.
 *
 * Each input may be out of order by up to MAX_DELAY (--max-delay): after an
 * input has sent time T, it sends nothing before T - MAX_DELAY.  The merge
 * clock is the minimum of that bound over the inputs still open; a record
 * earlier than the clock is released.  The input to read next is the one
 * holding the clock back (sx_tmerge_next), so what is held stays within
 * MAX_DELAY plus one record's step of every open input: memory is bounded by
 * the data's rate, not by the files' length.  Equal times come out in input
 * order (the order inputs were added), then in reading order: the output
 * depends on the records only.  A record later than its input's promise (more
 * than MAX_DELAY behind) is released at once, out of order, and counted.
 *
 * Ownership: the merge copies every record it holds into a buffer of its
 * own, reused once the record is released (a pool: nothing is allocated per
 * record once the pool has grown to the most records held at a time).
 */
#ifndef SX_TMERGE_H
#define SX_TMERGE_H

#include <stddef.h>
#include <stdint.h>
#include "sx_time.h"

struct sx_tmerge;

typedef void (*sx_tmerge_out_fn)(void *ctx, const char *p, size_t n);

struct sx_tmerge *sx_tmerge_new(int64_t max_delay_us, sx_tmerge_out_fn out, void *ctx);
void sx_tmerge_free(struct sx_tmerge *m);

/* A new input (ranked after those before it); its number. */
int sx_tmerge_add(struct sx_tmerge *m);
/* Input I has ended: it no longer holds the clock back. */
void sx_tmerge_done(struct sx_tmerge *m, int i);
/* Hold record P (N bytes, no line end) of input I, at time T. */
void sx_tmerge_hold(struct sx_tmerge *m, int i, const char *p, size_t n, sx_time_t t);
/* Every input has ended (a run stopping on an error): release then writes
 * all that is held. */
void sx_tmerge_done_all(struct sx_tmerge *m);
/* Release the records the clock allows (all of them once no input is
 * open); the number released.  Called again from within OUT (an exit hook
 * after a write error), it releases nothing. */
size_t sx_tmerge_release(struct sx_tmerge *m);
/* The open input to read next (the one holding the clock back: one that
 * has sent nothing yet first), or -1 when none is open. */
int sx_tmerge_next(const struct sx_tmerge *m);
/* Records held now; records released out of order so far. */
size_t sx_tmerge_held(const struct sx_tmerge *m);
uint64_t sx_tmerge_late(const struct sx_tmerge *m);

#endif
