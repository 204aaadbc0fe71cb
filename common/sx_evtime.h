/*
 * sx_evtime.h - event time, in one place, for every stage that runs on it
 * (sx-window, sx-join): reading a record's time from its field, the
 * watermark of each input (and of each partition of an input), the idle
 * rule, late events and --late-out.
 *
 * Time model (SPEC sections 1 and 3).  An input's watermark is its largest
 * event time seen minus --max-delay, never moving back.  An event older than
 * the watermark is late: counted (--stats "late"), copied to --late-out, and
 * left to the caller's --late policy.  With --idle-timeout, once an input
 * has had no record for DUR its watermark grows with the clock: its largest
 * event time (for sx-join, the other input's if it has none yet) minus
 * max-delay, plus the time quiet beyond DUR.  Without a time field each
 * event's time is the wall clock when it was read (never behind the
 * watermark), and the watermark follows the wall clock, input or not.
 *
 * Partitions (--partition-field F, SPEC: Event Hubs and Kafka deliver a
 * topic's partitions in runs, each in its own order).  Each partition, named
 * by F's value (a string, or a number's text), keeps its own largest time;
 * the input's watermark is the smallest of the partitions' (max time -
 * max-delay), so a partition read behind the others holds the clock back
 * instead of making its events late.  A record is late when it is older than
 * its own partition's watermark (or than the input's, once that has passed
 * it).  Records without F (or with F null) form one partition of their own,
 * so an input that is not partitioned (sx-join's other side) keeps one
 * clock.  A partition quiet for --idle-timeout stops holding the clock; when
 * all are quiet the input's idle rule applies.  --partitions declares the
 * set (N: ids 0..N-1, or a list): once an input has shown F, its clock does
 * not move before each has sent a record (or been quiet for --idle-timeout),
 * and a record of another partition is a data error.
 *
 * Clocks come from sx_time_now and sx_mono_now (sx_time.h), which tests
 * replace through sx_clock_hook.
 *
 * Ownership: sx_evtime owns the --late-out file, the partition table and a
 * scratch buffer; it borrows the configuration's strings.  The reorder
 * buffers belong to the engines (sx_window, sx_join), which are told the
 * watermark.  --state is the caller's file: sx_evtime_save and _load give
 * and take the clock's part of it.
 */
#ifndef SX_EVTIME_H
#define SX_EVTIME_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "sx_buf.h"
#include "sx_hash.h"
#include "sx_json.h"
#include "sx_out.h"
#include "sx_time.h"

struct sx_timefmt;

/* An event time from a record's field F (NULL when missing): a number is
 * epoch time in UNIT; a string is RFC 3339, or matched against FMT when it
 * is not NULL.  Returns NULL with *t set, or the reason for a data error
 * (as sx_time_why's; valid until SCRATCH is next used).  SCRATCH receives
 * decoded escaped strings.  sx-ingest, sx-window and sx-join share it, so
 * they read and reject times alike. */
const char *sx_field_time(const struct sx_field *f, enum sx_time_unit unit, const struct sx_timefmt *fmt,
			  struct sx_buf *scratch, sx_time_t *t);

/* The inputs a stage reads (sx-join has two). */
#define SX_EVTIME_INPUTS 2

struct sx_evtime_cfg {
	const char *time_field[SX_EVTIME_INPUTS];  /* NULL: processing time */
	enum sx_time_unit time_unit;
	int64_t max_delay[SX_EVTIME_INPUTS];
	int64_t idle_timeout;           /* 0: off */
	const char *late_out;           /* NULL: none */
	const char *partition_field;    /* NULL: one clock per input */
	char **partitions;              /* the declared set (--partitions), or NULL */
	int npartitions;
	int64_t reach;                  /* event times must keep t +- reach within years 1-9999 */
};

struct sx_evpart {
	sx_time_t max_t;                /* SX_TIME_NONE: not heard from yet */
	int64_t last_input;             /* monotonic time of its last record */
};

/* The watermark of one input. */
struct sx_evclock {
	int64_t delay;
	sx_time_t wm, max_t;            /* SX_TIME_NONE before any event */
	int64_t last_input;             /* monotonic time of the last record */
	struct sx_strmap ids;           /* partition -> index in p */
	struct sx_evpart *p;
	size_t np, pcap;
	int closed;                     /* a declared set: no partition beyond it */
	int has_field;                  /* a record had the partition field */
};

struct sx_evtime {
	struct sx_evtime_cfg c;
	int ninputs;
	struct sx_evclock in[SX_EVTIME_INPUTS];
	size_t part;                    /* the partition of the record last read */
	sx_time_t late_at;              /* the watermark the last late record was behind */
	struct sx_out late;
	int late_open;
	int64_t late_start;             /* --late-out's length when this run began */
	struct sx_buf scratch;
	char why[160];
};

/* Open --late-out (exits on failure) and set the clocks back to nothing. */
void sx_evtime_init(struct sx_evtime *e, const struct sx_evtime_cfg *c, int ninputs);
void sx_evtime_free(struct sx_evtime *e);

/* REC's event time on input IN: 0 with *t set, or -1 with *why naming the
 * field (a missing or unreadable time or partition, a time whose windows
 * would leave years 0001-9999).  Processing time: the wall clock. */
int sx_evtime_read(struct sx_evtime *e, int in, const struct sx_rec *rec, sx_time_t *t, const char **why);

/* The record last read (REC, at T) arrives on IN: 1 when it is late (counted
 * and copied to --late-out; the clock does not move; e->late_at is the
 * watermark it is behind, its own partition's or the input's, where --late
 * adjust counts it), else 0 after moving the watermark. */
int sx_evtime_observe(struct sx_evtime *e, int in, const struct sx_rec *rec, sx_time_t t);

/* IN's watermark (SX_TIME_NONE before it has one). */
static inline sx_time_t sx_evtime_watermark(const struct sx_evtime *e, int in)
{
	return e->in[in].wm;
}

/* Move IN's watermark to at least WM. */
void sx_evtime_advance(struct sx_evtime *e, int in, sx_time_t wm);

/* Let time pass on IN with no record: processing time follows the wall
 * clock, --idle-timeout lets quiet partitions and inputs go.  1 when the
 * watermark moved. */
int sx_evtime_tick(struct sx_evtime *e, int in);

/* How often the caller should tick while input is quiet (0: never); with
 * SAVING (--state) at least every 200 ms, to notice signals. */
int sx_evtime_tick_ms(const struct sx_evtime *e, int saving);

/* --state: the clock of input 0 and --late-out's length, set into STATE
 * ("watermark", "max_time", "partitions", "late_out"): 0, or -1 after
 * reporting why.  Load checks the clock (times in range, partitions
 * declared): 0, or -1 with what is wrong in ERR. */
int sx_evtime_save(struct sx_evtime *e, json_t *state);
int sx_evtime_load(struct sx_evtime *e, const json_t *state, char *err, size_t errlen);
/* Cut --late-out back to the length a loaded state's LO accounts for (KEY
 * "bytes"; "start" for an uncommitted first run's PATH.pending), when it was
 * saved with the same --late-out: lines past it come from a run whose state
 * was not kept, and the rerun writes them again.  0, or -1 after reporting
 * why (naming STATE_PATH when LO is damaged). */
int sx_evtime_load_late_out(struct sx_evtime *e, const char *state_path, const json_t *lo, const char *key);

/* Parse --partitions: N (ids 0..N-1) or a list a,b,c; exits on a usage error. */
char **sx_evtime_partitions_arg(const char *arg, int *n);
void sx_evtime_partitions_free(char **ids, int n);

#endif
