/*
 * sx_join.h - the stream-to-stream join of sx-join (SPEC section 4): two
 * inputs aligned on event time, pairs whose keys are equal and whose times
 * satisfy LO <= t_right - t_left <= HI, and (left, anti joins) the left
 * records that found no match.  The engine does no I/O: the caller reads
 * both inputs (sx_run2), hands it each record with its event time, says when
 * an input ended or went idle, and the engine writes rows to its output.
 *
 * Time.  Each input has its own watermark, which the caller keeps
 * (sx_evtime: largest event time minus max-delay, partitions, idle inputs)
 * and tells the engine (sx_join_advance); the caller judges late records
 * and does not pass them on.  The join's watermark is the smaller of the
 * two; an input that ended no longer holds it back.  Records wait in their input's reorder buffer
 * (sx_reorder) until they can be processed in one global order, so the
 * output depends only on each input's content, never on how the two reads
 * interleaved:
 *
 *   every event is processed in order of (time, kind, input order), kinds
 *   being "left record" < "right record" < "left record expires at t+HI";
 *   an event is processed once no event that sorts before it can still
 *   arrive: a left record at t once the right watermark is >= t, a right
 *   record at t once the left watermark is > t, the expiry of a left record
 *   once the join watermark is > t_left + HI.
 *
 * Processing a record compares it with the other input's records kept so
 * far under the same key (sx_jkey), which sort before it; so a pair is
 * written when the later of its two records is processed, and the matches of
 * one record come in the other input's (time, input order).  An unmatched
 * left record is written (left, anti) at its expiry, t_left + HI, after every
 * pair that completes at that time.  With in-order inputs that is as soon as
 * both inputs have reached the time.
 *
 * State.  Left records are kept until they expire (t_left + HI falls behind
 * the join watermark); right records only when LO < 0 (a later left record
 * may still match them), until the left input has passed t_right - LO.
 * Records sit in two FIFO rings, one per input, whose line buffers are
 * reused; each key's records of each input form a list through the ring, and
 * a key with nothing left is forgotten (the key table is rebuilt when such
 * keys dominate).  Memory is bounded by the event rate x (HI - LO +
 * max-delay), plus the skew between the two inputs' progress.
 *
 * Rows: sx_joinrow (left fields, then right fields; unmatched left records
 * as they came).  Counters: "matches" (pairs found; anti joins write none),
 * "unmatched" (left records without a match written), "held_max" (most
 * records held at once).
 *
 * Ownership: the engine borrows the configuration (key names, prefix) and
 * the output for its lifetime; it copies what it keeps of a record (its
 * line).  Records passed in are borrowed for the call.
 */
#ifndef SX_JOIN_H
#define SX_JOIN_H

#include <stddef.h>
#include <stdint.h>
#include "sx_json.h"
#include "sx_out.h"
#include "sx_time.h"

enum sx_join_type { SX_JOIN_INNER, SX_JOIN_LEFT, SX_JOIN_ANTI };

/* The two inputs. */
enum { SX_JOIN_L = 0, SX_JOIN_R = 1 };

/* Bounds and delays beyond this (about 15,800 years) are refused by the
 * caller, so time arithmetic cannot overflow. */
#define SX_JOIN_MAX_SPAN (SX_TIME_MAX - SX_TIME_MIN)

struct sx_join_cfg {
	char **lkeys, **rkeys;      /* --on KEY=RKEY... */
	int nkeys;
	int64_t lo, hi;             /* microseconds, lo <= hi */
	enum sx_join_type type;
	const char *prefix;         /* --right-prefix */
};

struct sx_join;

struct sx_join *sx_join_new(const struct sx_join_cfg *c, struct sx_out *out);
void sx_join_free(struct sx_join *j);

/* A record of input SIDE with event time T, in that input's order, and
 * SIDE's watermark WM once it counts.  T is not behind the watermark before
 * it (late records are the caller's). */
void sx_join_add(struct sx_join *j, int side, const struct sx_rec *rec, sx_time_t t, sx_time_t wm);

/* SIDE reached its end: it no longer holds the watermark back. */
void sx_join_end(struct sx_join *j, int side);

/* Move SIDE's watermark to at least WM, processing what it lets through. */
void sx_join_advance(struct sx_join *j, int side, sx_time_t wm);

/* The input to read first when both can be read: the one whose watermark is
 * behind (left on ties), or the one that has not ended. */
int sx_join_behind(const struct sx_join *j);

/* SIDE's watermark as last advanced (SX_TIME_NONE before). */
sx_time_t sx_join_watermark(const struct sx_join *j, int side);

/* Records held now (kept for matching, and waiting to be processed). */
size_t sx_join_held(const struct sx_join *j);
/* Keys in the key table now (live ones and forgotten ones not yet purged). */
size_t sx_join_keys(const struct sx_join *j);

#endif
