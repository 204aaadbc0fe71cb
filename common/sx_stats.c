/* sx_stats.c - counters, --stats and --progress (see sx_stats.h). */
#include "sx_stats.h"
#include "sx_err.h"
#include "sx_onerror.h"
#include "sx_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct sx_stats sx_stats;
int sx_progress_on;
static int64_t last_progress;

uint64_t *sx_stats_counter(const char *name)
{
	for (int i = 0; i < sx_stats.nextra; i++)
		if (!strcmp(sx_stats.extra_name[i], name))
			return &sx_stats.extra[i];
	if (sx_stats.nextra == SX_STATS_MAX_EXTRA)
		sx_die(SX_EXIT_FAIL, "internal error: too many counters");
	sx_stats.extra_name[sx_stats.nextra] = name;
	return &sx_stats.extra[sx_stats.nextra++];
}

static void print_stats(void *arg)
{
	(void)arg;
	double secs = (double)(sx_mono_now() - sx_stats.started_us) / 1e6;
	fprintf(stderr, "{\"tool\":\"%s\",\"records_in\":%" PRIu64 ",\"records_out\":%" PRIu64
		",\"rejected\":%" PRIu64 ",\"late\":%" PRIu64 ",\"bytes_in\":%" PRIu64
		",\"bytes_out\":%" PRIu64 ",\"elapsed_s\":%.3f",
		sx_progname, sx_stats.records_in, sx_stats.records_out, sx_onerror_count(),
		sx_stats.late, sx_stats.bytes_in, sx_stdout.bytes + sx_stdout.len, secs);
	for (int i = 0; i < sx_stats.nextra; i++)
		fprintf(stderr, ",\"%s\":%" PRIu64, sx_stats.extra_name[i], sx_stats.extra[i]);
	fputs("}\n", stderr);
}

/* An exit hook registered after print_stats, so it runs first: a failed
 * flush dies (sx_out_default_fail) and the other hooks, print_stats among
 * them, still run, with the rows it dropped taken off. */
static void flush_before_stats(void *arg)
{
	struct sx_out *o = arg;
	if (o->buf)
		sx_out_flush(o);
}

void sx_stats_records_to(struct sx_out *o)
{
	o->records = &sx_stats.records_out;
	sx_on_exit(flush_before_stats, o);
}

static void end_progress(void *arg)
{
	(void)arg;
	last_progress = 0; /* the final numbers, however recent the last line */
	sx_progress_update();
	fputc('\n', stderr);
}

void sx_stats_start(int stats, int progress)
{
	sx_stats.started_us = sx_mono_now();
	sx_stats.event_time = SX_TIME_NONE;
	if (stats)
		sx_on_exit(print_stats, NULL);
	if (progress) {
		sx_progress_on = 1;
		sx_on_exit(end_progress, NULL);
	}
}

void sx_progress_update(void)
{
	int64_t now = sx_mono_now();
	if (now - last_progress < 500000 && last_progress)
		return;
	last_progress = now;
	double secs = (double)(now - sx_stats.started_us) / 1e6;
	char t[SX_TIME_BUFSIZE] = "-";
	if (sx_stats.event_time != SX_TIME_NONE)
		sx_time_format(sx_stats.event_time, t);
	fprintf(stderr, "\r%s: %" PRIu64 " records, %.0f rec/s, %.1f MB read, event time %s\033[K",
		sx_progname, sx_stats.records_in, secs > 0 ? (double)sx_stats.records_in / secs : 0.0,
		(double)sx_stats.bytes_in / 1e6, t);
}
