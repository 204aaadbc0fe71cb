/* sx-select - Stream Analytics' WHERE and SELECT on NDJSON events (issue 11). */
#include "sx_buf.h"
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_expr.h"
#include "sx_onerror.h"
#include "sx_out.h"
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
};

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
	int r = sx_query_eval(s->q, rec, t, why);
	if (r < 0)
		return SX_REJECT;
	if (r > 0) {
		sx_query_write(s->q, rec, &sx_stdout);
		sx_stats.records_out++;
	}
	return SX_OK;
}

static void on_finish(void *st)
{
	(void)st;
}

enum { OPT_WHERE = SX_OPT_TOOL, OPT_SELECT };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS, SX_TIME_FIELD_LONGOPTS,
		{ "where", required_argument, NULL, 'w' },
		{ "select", required_argument, NULL, 's' },
		{ 0, 0, 0, 0 }
	};
	struct sx_cli cli;
	const char *where = NULL, *select = NULL;
	char err[512];
	int opt;
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
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	if (cli.commit)
		sx_usage_error("--commit: sx-select keeps no state to commit");
	struct sx_query *q = sx_query_new();
	if (where && sx_query_where(q, where, err, sizeof err) < 0)
		sx_usage_error("--where '%s': %s", where, err);
	if (select && sx_query_select(q, select, err, sizeof err) < 0)
		sx_usage_error("--select '%s': %s", select, err);
	struct selstage s = { q, cli.time_field, cli.time_unit, sx_query_needs_time(q), SX_BUF_INIT, "" };
	sx_cli_start(&cli, 0, argc - optind, argv + optind);
	sx_stats_records_to(&sx_stdout);
	static const struct sx_stage stage = { on_record, NULL, on_finish };
	struct sx_run_opts ro = { argv + optind, argc - optind, 0 };
	sx_run(&stage, &s, &ro);
	sx_query_free(q);
	sx_buf_free(&s.scratch);
	sx_exit(SX_EXIT_OK);
}
