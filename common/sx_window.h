/*
 * sx_window.h - window assignment and closing for sx-window (SPEC section 3).
 *
 * The engine takes events in non-decreasing event time (added in order, or
 * held in its reorder buffer until the caller's watermark reaches them; the
 * caller's late policy does the rest), assigns each to its windows and
 * group, and writes a result row for every (window, group) once the caller's
 * watermark passes the window's end:
 *   {"window_start":..,"window_end":.., <group keys>.., <aggregates>..}
 * ordered by window end, then by the group's first event in the window.
 *
 * Kinds and what they keep:
 *   tumbling  one accumulator per open window and group;
 *   hopping   one accumulator per "pane" (gcd(SIZE,HOP) long) and group;
 *             a window's row merges its SIZE/gcd panes (sx_acc_merge), so an
 *             event is added once, not SIZE/HOP times;
 *   snapshot  one accumulator per distinct open timestamp and group;
 *   session   one open session per group, plus the last event time and cut
 *             point after a --max-duration cut (to continue at the cut);
 *   sliding   the events of the last SIZE per group (raw lines): every
 *             result re-aggregates the window's events.
 * Windows align to multiples of their size (hop, max-duration) from the Unix
 * epoch plus the offset.  Membership is start < t <= end, or start <= t < end
 * with start_inclusive (tumbling, hopping, session only).
 *
 * Groups are keyed by the canonical text of their key values (sx_jcanon.h:
 * equal by value, as sx-join's keys; a missing key is null), which the rows
 * show.  A group with nothing open
 * is forgotten (the group table is rebuilt when such groups dominate), so
 * memory follows open windows x groups, not the stream's length.
 *
 * Ownership: the engine borrows the configuration (keys, aggregate set,
 * field names) for its lifetime and the output; it copies what it keeps of
 * an event (key text, accumulator state, the line for sliding windows).
 */
#ifndef SX_WINDOW_H
#define SX_WINDOW_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "sx_agg.h"
#include "sx_json.h"
#include "sx_time.h"

struct sx_out;

enum sx_win_kind { SX_WIN_TUMBLING, SX_WIN_HOPPING, SX_WIN_SLIDING, SX_WIN_SESSION, SX_WIN_SNAPSHOT };

struct sx_window_cfg {
	enum sx_win_kind kind;
	int64_t size;               /* tumbling, hopping, sliding (us) */
	int64_t hop;                /* hopping */
	int64_t timeout;            /* session */
	int64_t max_duration;       /* session; 0 = none */
	int64_t offset;             /* alignment shift */
	int start_inclusive;
	char **keys;                /* -g fields */
	int nkeys;
	const struct sx_aggset *aggs;
	const char *start_field, *end_field;
};

/* The smallest k*STEP+OFFSET >= T, and the largest <= T. */
sx_time_t sx_win_align_up(sx_time_t t, int64_t step, int64_t offset);
sx_time_t sx_win_align_down(sx_time_t t, int64_t step, int64_t offset);
/* The end of the tumbling window (or hopping pane) holding T. */
sx_time_t sx_win_bucket_end(const struct sx_window_cfg *c, sx_time_t t);
/* 1 when watermark WM has passed a window ending at END (no event at or after
 * WM can belong to it): WM > END, or WM >= END with start_inclusive. */
int sx_win_closes(const struct sx_window_cfg *c, sx_time_t end, sx_time_t wm);

struct sx_window;

struct sx_window *sx_window_new(const struct sx_window_cfg *c, struct sx_out *out);
void sx_window_free(struct sx_window *w);

/* One event: REC (borrowed) at (possibly late-adjusted) time T, input
 * sequence SEQ.  T must not be less than any earlier event's.  Windows that
 * end before T close first. */
void sx_window_add(struct sx_window *w, const struct sx_rec *rec, sx_time_t t, uint64_t seq);
/* --max-delay: hold an event (a copy of REC's line) until the watermark
 * reaches T; it is added then, in (time, SEQ) order.  The engine owns the
 * reorder buffer, as sx_join owns its inputs'. */
void sx_window_hold(struct sx_window *w, const struct sx_rec *rec, sx_time_t t, uint64_t seq);
/* The watermark is WM: add the held events at or before it, then close
 * (emit and free) every window it has passed. */
void sx_window_advance(struct sx_window *w, sx_time_t wm);
/* Add everything held and close everything (end of input without --state,
 * or --final). */
void sx_window_flush(struct sx_window *w);

/* Open (window or pane, group) accumulators, sessions or held events. */
size_t sx_window_open(const struct sx_window *w);
/* How far from an event's time its windows' bounds may lie (a session end is
 * the last event + timeout; other windows are at most SIZE long). */
int64_t sx_window_reach(const struct sx_window *w);
/* Events held for the watermark (sx_window_hold). */
size_t sx_window_held(const struct sx_window *w);
/* Groups the engine currently knows. */
size_t sx_window_groups(const struct sx_window *w);

/* --state: everything open, as JSON, and back into a new engine built with
 * the same configuration.  Load returns 0, or -1 with a reason in ERR. */
json_t *sx_window_save(const struct sx_window *w);
int sx_window_load(struct sx_window *w, const json_t *j, char *err, size_t errlen);
/* --state: do the loaded windows and held events fit watermark WM?  Events
 * reach the windows at or before the watermark and are held from it on, so
 * every later one extends the buckets in end order; a state where an open
 * window holds an event after WM, or an event is held before it, is damaged
 * (it would save buckets out of order).  NULL, or what is wrong. */
const char *sx_window_check_watermark(const struct sx_window *w, sx_time_t wm);
/* The held events, as sx_reorder_save writes them, and back (each checked:
 * time in range for its windows, input ordinal below SEQ_END, a JSON object). */
json_t *sx_window_save_held(const struct sx_window *w);
int sx_window_load_held(struct sx_window *w, const json_t *j, uint64_t seq_end, char *err, size_t errlen);

#endif
