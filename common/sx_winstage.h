/*
 * sx_winstage.h - sx-window's time keeping around the window engine: the
 * sx_run stage that reads event times, reorders within --max-delay, moves
 * the watermark, handles late events, closes windows on a quiet stream
 * (--idle-timeout) or on the wall clock (processing time), and saves and
 * restores everything with --state.
 *
 * Time model (SPEC sections 1 and 3): the watermark is the largest event
 * time seen minus max-delay, never moving back; events at or before it leave
 * the reorder buffer in (time, input order).  An event older than the
 * watermark is late: counted, copied to --late-out, then dropped or counted
 * at the watermark time (adjust).  With --idle-timeout, once no input came
 * for DUR the watermark also grows with the wall clock.  Without a time
 * field, each event's time is the wall clock when it was read, and windows
 * close on the wall clock, input or not.
 *
 * The state file is JSON: a format version, the configuration it was made
 * under (a different one is refused), the watermark, the input counter, the
 * reorder buffer, the open windows and --late-out's length; written with
 * sx_commit_write (atomic, or staged for --commit with --defer-commit).
 * Loading checks all of it (times in range, keys and held events JSON) and
 * cuts --late-out back to the saved length, so a rerun of a run whose state
 * was not kept writes its late events once.
 *
 * Ownership: the stage borrows the engine and the configuration; it owns
 * the reorder buffer and the --late-out file.
 */
#ifndef SX_WINSTAGE_H
#define SX_WINSTAGE_H

#include <jansson.h>
#include "sx_json.h"
#include "sx_out.h"
#include "sx_reorder.h"
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
	const char *state_path;
	int final;
	int defer_commit;
	const json_t *config;       /* what the state must have been saved under */
};

struct sx_winstage {
	struct sx_winstage_cfg c;
	struct sx_window *w;
	struct sx_reorder r;
	sx_time_t wm;               /* watermark; SX_TIME_NONE before any event */
	sx_time_t max_t;            /* largest event time seen */
	uint64_t seq;               /* input ordinal of the next event */
	int64_t reach;              /* sx_window_reach: event times must keep bounds in range */
	int64_t last_input;         /* monotonic time of the last record */
	struct sx_out late;
	int late_open;
	int64_t late_start;         /* --late-out's length when this run began */
	int time_hint_done;         /* processing time: the first record was looked at */
	struct sx_rec rec;
	struct sx_buf scratch;
	int lock_fd;                /* --state's FILE.lock, held for the run; -1: none */
	char why[160];
};

extern const struct sx_stage sx_winstage_stage;

void sx_winstage_init(struct sx_winstage *s, const struct sx_winstage_cfg *c, struct sx_window *w);
void sx_winstage_free(struct sx_winstage *s);
/* Own --state (its folder writable, FILE.lock locked: sx_commit_own) and
 * load it if the file exists: 0, or -1 after reporting why. */
int sx_winstage_load(struct sx_winstage *s);
/* How often sx_run should tick while input is quiet (0: never). */
int sx_winstage_tick_ms(const struct sx_winstage *s);
/* Make SIGTERM and SIGINT save the state and exit (with --state). */
void sx_winstage_catch_signals(void);

/* The clocks the stage reads: monotonic (--idle-timeout: how long input has
 * been quiet) and wall (processing time).  sx_mono_now and sx_time_now;
 * only tests point them elsewhere, to drive time without sleeping. */
extern int64_t (*sx_winstage_mono_clock)(void);
extern sx_time_t (*sx_winstage_wall_clock)(void);

#endif
