/* sx-select - Stream Analytics' WHERE and SELECT on NDJSON events (issue 11). */
#include "sx_buf.h"
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_expr.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_reorder.h"
#include "sx_run.h"
#include "sx_stats.h"
#include "sx_timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: sx-select [--where COND] [--select 'EXPR [AS name], ...'] [-t FIELD] [OPTIONS] [FILE...]\n"
	"Filter and reshape NDJSON events with Azure Stream Analytics expressions.\n"
	"\n"
	"Query:\n"
	"  -w, --where COND          keep the events for which COND is true\n"
	"  -s, --select LIST         write these fields: '*' (the event), EXPR [AS name], ...\n"
	"                            (default: the event as it came)\n"
	"\n"
	"Event time (System.Timestamp(), LAG, LAST, ISFIRST):\n"
	"  -t, --time FIELD          event time field (default: processing time, the wall clock)\n"
	"      --time-unit UNIT      unit of numeric times: s (default), ms, us, ns\n"
	"      --max-delay DUR       take events up to DUR out of order, in event-time order\n"
	"      --late adjust|drop    events later than that: at the time reached (adjust,\n"
	"                            default) or dropped and counted\n"
	"\n"
	"Errors and diagnostics:\n"
	"      --on-error POLICY     fail (default), skip, or dead-letter=FILE\n"
	"      --stats               print counters as one JSON line on stderr at exit\n"
	"      --progress, --no-progress  status line on stderr\n"
	"  -h, --help                show this help and exit\n"
	"      --version             show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data (under --on-error fail) or I/O error, 2 usage.\n"
	"See sx-select(1) and sx(7).\n";

struct selstage {
	struct sx_query *q;
	const char *time_field;
	enum sx_time_unit unit;
	int needs_time;
	struct sx_buf scratch;
	char why[640];
	/* --max-delay: events held and released in event-time order */
	int64_t max_delay;
	int reorder, late_drop;
	struct sx_reorder held;
	sx_time_t newest, released;     /* latest time seen; time of the last event evaluated */
	struct sx_rec rec;              /* a held event, parsed again */
	const char **files;             /* input names, for held events' messages */
	size_t nfiles;
};

static int evaluate(struct selstage *s, struct sx_rec *rec, sx_time_t t, const char **why)
{
	int r = sx_query_eval(s->q, rec, t, why);
	if (r < 0)
		return SX_REJECT;
	if (r > 0) {
		sx_query_write(s->q, rec, &sx_stdout);
		sx_stats.records_out++;
	}
	return SX_OK;
}

/* A held event's place: the input's index and line number, packed so they
 * grow with the input order (the reorder buffer's tie-break). */
#define SEQ_LINE_BITS 40

static uint64_t position(struct selstage *s)
{
	if (!s->nfiles || s->files[s->nfiles - 1] != sx_run_pos.file) {   /* one entry per operand */
		s->files = sx_xreallocarray(s->files, s->nfiles + 1, sizeof *s->files);
		s->files[s->nfiles++] = sx_run_pos.file;
	}
	return ((uint64_t)(s->nfiles - 1) << SEQ_LINE_BITS) | (sx_run_pos.line & ((UINT64_C(1) << SEQ_LINE_BITS) - 1));
}

/* Evaluate the held events at or before UPTO, in event-time order. */
static void release(struct selstage *s, sx_time_t upto)
{
	const struct sx_reorder_item *it;
	while ((it = sx_reorder_pop(&s->held, upto))) {
		const char *why;
		s->released = it->t;
		/* the line was a valid object when it came in */
		if (sx_rec_parse(&s->rec, it->line, it->len, &why) < 0 ||
		    evaluate(s, &s->rec, it->t, &why) != SX_OK)
			sx_data_error(s->files[it->seq >> SEQ_LINE_BITS],
				      it->seq & ((UINT64_C(1) << SEQ_LINE_BITS) - 1), why, it->line, it->len);
	}
}

static int on_record(void *st, struct sx_rec *rec, const char **why)
{
	struct selstage *s = st;
	sx_time_t t = 0;
	if (s->time_field) {
		const char *bad = sx_field_time(sx_rec_get(rec, s->time_field), s->unit, NULL, &s->scratch, &t);
		if (bad) {
			sx_reason_field(s->why, sizeof s->why, s->time_field, bad);
			*why = s->why;
			return SX_REJECT;
		}
		sx_stats.event_time = t;
	} else if (s->needs_time) {
		t = sx_time_now();
	}
	if (!s->reorder)
		return evaluate(s, rec, t, why);
	if (s->released != SX_TIME_NONE && t < s->released) {
		/* behind events already evaluated: ASA's late-arrival policy */
		sx_stats.late++;
		if (s->late_drop)
			return SX_OK;
		t = s->released;
		return evaluate(s, rec, t, why);
	}
	sx_reorder_push(&s->held, t, position(s), rec->line, rec->len);
	if (s->newest == SX_TIME_NONE || t > s->newest)
		s->newest = t;
	if (s->newest - s->max_delay >= SX_TIME_MIN)
		release(s, s->newest - s->max_delay);
	return SX_OK;
}

static void on_finish(void *st)
{
	struct selstage *s = st;
	if (s->reorder)
		release(s, INT64_MAX);
}

enum { OPT_MAX_DELAY = SX_OPT_TOOL, OPT_LATE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS, SX_TIME_FIELD_LONGOPTS,
		{ "where", required_argument, NULL, 'w' },
		{ "select", required_argument, NULL, 's' },
		{ "max-delay", required_argument, NULL, OPT_MAX_DELAY },
		{ "late", required_argument, NULL, OPT_LATE },
		{ 0, 0, 0, 0 }
	};
	struct sx_cli cli;
	const char *where = NULL, *select = NULL;
	char err[512];
	int opt, have_delay = 0, have_late = 0, late_drop = 0;
	int64_t max_delay = 0;
	sx_cli_init(&cli, argv[0], usage);
	while ((opt = getopt_long(argc, argv, "hw:s:t:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			if (where)
				sx_usage_error("--where given twice (join the conditions with AND)");
			where = optarg;
			break;
		case 's':
			if (select)
				sx_usage_error("--select given twice (list every field in one, separated by commas)");
			select = optarg;
			break;
		case OPT_MAX_DELAY:
			max_delay = sx_cli_duration("--max-delay", optarg, 0);
			have_delay = 1;
			break;
		case OPT_LATE:
			if (!strcmp(optarg, "drop")) late_drop = 1;
			else if (!strcmp(optarg, "adjust")) late_drop = 0;
			else sx_usage_error("--late: expected adjust or drop, not '%s'", optarg);
			have_late = 1;
			break;
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	if (!cli.time_field && (have_delay || have_late))
		sx_usage_error("--max-delay and --late need -t FIELD (processing time is never late)");
	if (have_late && !have_delay)
		sx_usage_error("--late applies with --max-delay");
	if (cli.commit)
		sx_usage_error("--commit: sx-select keeps no state to commit");
	struct sx_query *q = sx_query_new();
	if (where && sx_query_where(q, where, err, sizeof err) < 0)
		sx_usage_error("--where '%s': %s", where, err);
	if (select && sx_query_select(q, select, err, sizeof err) < 0)
		sx_usage_error("--select '%s': %s", select, err);
	struct selstage s;
	memset(&s, 0, sizeof s);
	s.q = q;
	s.time_field = cli.time_field;
	s.unit = cli.time_unit;
	s.needs_time = sx_query_needs_time(q);
	s.max_delay = max_delay;
	s.reorder = have_delay;
	s.late_drop = late_drop;
	s.newest = s.released = SX_TIME_NONE;
	sx_reorder_init(&s.held);
	sx_rec_init(&s.rec);
	sx_cli_start(&cli, 0, argc - optind, argv + optind);
	sx_stats_records_to(&sx_stdout);
	static const struct sx_stage stage = { on_record, NULL, on_finish };
	struct sx_run_opts ro = { argv + optind, argc - optind, 0 };
	sx_run(&stage, &s, &ro);
	sx_query_free(q);
	sx_buf_free(&s.scratch);
	sx_reorder_free(&s.held);
	sx_rec_free(&s.rec);
	free(s.files);
	sx_exit(SX_EXIT_OK);
}
