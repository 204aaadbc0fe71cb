/*
 * sx_winstage.h - sx-window's time keeping around the window engine: the
 * sx_run stage that reads event times and moves the watermark (sx_evtime),
 * holds events within --max-delay in the engine's reorder buffer, drops late
 * events or counts them at the watermark time (--late adjust), closes
 * windows on a quiet stream (--idle-timeout) or on the wall clock
 * (processing time), and saves and restores everything with --state.
 *
 * Time model: sx_evtime.h (SPEC sections 1 and 3).
 *
 * The state file is JSON: a format version, the configuration it was made
 * under (a different one is refused), the watermark (and each partition's
 * largest time: sx_evtime_save), the input counter, the
 * reorder buffer, the open windows and --late-out's length; written with
 * sx_commit_write (atomic, or staged for --commit with --defer-commit).
 * Loading checks all of it (times in range, keys and held events JSON) and
 * cuts --late-out back to the saved length, so a rerun of a run whose state
 * was not kept writes its late events once.
 *
 * Ownership: the stage borrows the engine and the configuration; it owns
 * the event-time keeper (and through it the --late-out file).
 */
#ifndef SX_WINSTAGE_H
#define SX_WINSTAGE_H

#include <jansson.h>
#include "sx_json.h"
#include "sx_out.h"
#include "sx_evtime.h"
#include "sx_run.h"
#include "sx_time.h"
#include "sx_window.h"

struct sx_winstage_cfg {
	const char *time_field;     /* NULL: processing time */
	enum sx_time_unit time_unit;
	int64_t max_delay;
	int late_drop;              /* --late drop (else adjust) */
	const char *late_out;
	int64_t idle_timeout;       /* 0 = off */
	const char *partition_field; /* NULL: one watermark */
	char **partitions;          /* --partitions, or NULL */
	int npartitions;
	const char *state_path;
	int final;
	int defer_commit;
	const json_t *config;       /* what the state must have been saved under */
};

struct sx_winstage {
	struct sx_winstage_cfg c;
	struct sx_window *w;
	struct sx_evtime et;        /* the watermark, late events, --late-out */
	uint64_t seq;               /* input ordinal of the next event */
	int time_hint_done;         /* processing time: the first record was looked at */
	int lock_fd;                /* --state's FILE.lock, held for the run; -1: none */
};

extern const struct sx_stage sx_winstage_stage;

void sx_winstage_init(struct sx_winstage *s, const struct sx_winstage_cfg *c, struct sx_window *w);
void sx_winstage_free(struct sx_winstage *s);
/* Own --state (its folder writable, FILE.lock locked: sx_commit_own) and
 * load it if the file exists: 0, or -1 after reporting why. */
int sx_winstage_load(struct sx_winstage *s);
/* How often sx_run should tick while input is quiet (0: never). */
int sx_winstage_tick_ms(const struct sx_winstage *s);
/* With --state, once the tool has called sx_catch_stop_signals (sx_err.h),
 * SIGTERM and SIGINT save the state and exit 128 + N. */

/* The watermark (SX_TIME_NONE before any event). */
static inline sx_time_t sx_winstage_watermark(const struct sx_winstage *s)
{
	return sx_evtime_watermark(&s->et, 0);
}

#endif
