/*
 * sx_stats.h - counters every tool keeps, --stats and --progress.
 *
 * Tools bump the counters in the global `sx_stats`; --stats prints them as one
 * JSON line on stderr at exit:
 *   {"tool":"sx-window","records_in":N,"records_out":N,"rejected":N,"late":N,
 *    "bytes_in":N,"bytes_out":N,"elapsed_s":1.234, ...extra counters}
 * --progress refreshes one status line on stderr (records/s, bytes read,
 * current event time) at most twice a second; sx_progress_tick() is cheap
 * enough to call per record (it looks at the clock every 4096 calls).
 */
#ifndef SX_STATS_H
#define SX_STATS_H

#include <stdint.h>
#include "sx_time.h"

struct sx_out;

#define SX_STATS_MAX_EXTRA 8

struct sx_stats {
	uint64_t records_in, records_out, late, bytes_in;
	int64_t started_us;               /* monotonic */
	sx_time_t event_time;             /* latest event time seen, for --progress */
	const char *extra_name[SX_STATS_MAX_EXTRA];
	uint64_t extra[SX_STATS_MAX_EXTRA];
	int nextra;
};

extern struct sx_stats sx_stats;

/* Start the clock; print --stats at exit when `print_stats`; show --progress. */
void sx_stats_start(int print_stats, int progress);
/* A named extra counter ("non_numeric", "dropped"); returns its slot. */
uint64_t *sx_stats_counter(const char *name);

/* For tools whose records_out are the lines they write to O (after
 * sx_stats_start): O is flushed before --stats prints, and the rows a failed
 * write never delivered are taken off, so records_out counts rows written. */
void sx_stats_records_to(struct sx_out *o);

void sx_progress_update(void);
extern int sx_progress_on;
static inline void sx_progress_tick(void)
{
	static unsigned n;
	if (sx_progress_on && (++n & 4095) == 0)
		sx_progress_update();
}

#endif
