/* sx-select - Stream Analytics' WHERE and SELECT on NDJSON events (issue 11). */
#include "sx_buf.h"
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_expr.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_run.h"
#include "sx_selstage.h"
#include "sx_stats.h"

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
	"State across runs:\n"
	"      --state FILE          load the analytic functions' memory and the events\n"
	"                            held by --max-delay from FILE, save them at exit\n"
	"      --final               evaluate every held event at the end (last run)\n"
	"      --defer-commit        stage the state in FILE.pending until --commit\n"
	"      --commit FILE...      promote FILE.pending to FILE, all files or none\n"
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

enum { OPT_MAX_DELAY = SX_OPT_TOOL, OPT_LATE, OPT_STATE, OPT_FINAL };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS, SX_TIME_FIELD_LONGOPTS, SX_DEFER_LONGOPTS,
		{ "where", required_argument, NULL, 'w' },
		{ "select", required_argument, NULL, 's' },
		{ "max-delay", required_argument, NULL, OPT_MAX_DELAY },
		{ "late", required_argument, NULL, OPT_LATE },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "final", no_argument, NULL, OPT_FINAL },
		{ 0, 0, 0, 0 }
	};
	struct sx_cli cli;
	const char *where = NULL, *select = NULL;
	char err[512];
	int opt, have_delay = 0, have_late = 0, late_drop = 0, final = 0;
	int64_t max_delay = 0;
	const char *state_path = NULL, *time_unit = "s";
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
		case OPT_STATE: state_path = optarg; break;
		case OPT_FINAL: final = 1; break;
		case SX_OPT_TIME_UNIT:
			sx_cli_common(&cli, opt, optarg);
			time_unit = optarg;
			break;
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	if (!cli.time_field && (have_delay || have_late))
		sx_usage_error("--max-delay and --late need -t FIELD (processing time is never late)");
	if (have_late && !have_delay)
		sx_usage_error("--late applies with --max-delay");
	if (!cli.commit && (final || cli.defer_commit) && !state_path)
		sx_usage_error("--final and --defer-commit need --state FILE");
	struct sx_query *q = sx_query_new();
	if (where && sx_query_where(q, where, err, sizeof err) < 0)
		sx_usage_error("--where '%s': %s", where, err);
	if (select && sx_query_select(q, select, err, sizeof err) < 0)
		sx_usage_error("--select '%s': %s", select, err);
	struct sx_selstage_cfg sc = {
		cli.time_field, cli.time_unit, max_delay, have_delay, late_drop, state_path, cli.defer_commit, final, NULL
	};
	/* a state continues only the same query on the same time */
	sc.config = json_pack("{s:s?,s:s?,s:s?,s:s,s:I,s:b,s:b}", "where", where, "select", select, "time",
			      cli.time_field, "time_unit", time_unit, "max_delay", (json_int_t)max_delay, "reorder",
			      have_delay, "late_drop", late_drop);
	sx_cli_start(&cli, 0, argc - optind, argv + optind);
	sx_stats_records_to(&sx_stdout);
	struct sx_selstage st;
	sx_selstage_init(&st, &sc, q);
	if (state_path) {
		if (sx_selstage_load(&st) < 0)
			sx_exit(SX_EXIT_FAIL);
		sx_catch_stop_signals();
	}
	struct sx_run_opts ro = { argv + optind, argc - optind, state_path ? SX_SELSTAGE_TICK_MS : 0 };
	sx_run(&sx_selstage_stage, &st, &ro);
	sx_selstage_free(&st);
	sx_query_free(q);
	json_decref(sc.config);
	sx_exit(SX_EXIT_OK);
}
