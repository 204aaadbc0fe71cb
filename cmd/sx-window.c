/* sx-window - windowed aggregation on event time (SPEC section 3). */
#include "sx_agg.h"
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_out.h"
#include "sx_run.h"
#include "sx_stats.h"
#include "sx_window.h"
#include "sx_winstage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: sx-window WINDOW [-t FIELD] [-g KEYS] -a AGG... [OPTIONS] [FILE...]\n"
	"Windowed aggregation of NDJSON events on event time (Azure Stream Analytics windows).\n"
	"\n"
	"Window (exactly one):\n"
	"      --tumbling SIZE       contiguous, non-overlapping windows\n"
	"      --hopping SIZE --hop HOP  windows of SIZE ending every HOP\n"
	"      --sliding SIZE        per group, a result whenever the window content changes\n"
	"      --session TIMEOUT     per group, events no more than TIMEOUT apart\n"
	"      --max-duration D      cut sessions at multiples of D once they are D long\n"
	"      --snapshot            events with exactly the same time\n"
	"      --offset DUR          shift window alignment (from the Unix epoch) by DUR\n"
	"      --start-inclusive     windows hold start <= t < end (default start < t <= end)\n"
	"\n"
	"Groups, aggregates and output:\n"
	"  -g, --group-by K1,K2      a row per group per window (a missing key is null)\n"
	"  -a, --agg [NAME=]FUNC(ARGS)  count(), count(f), sum, avg, min, max, stdev, stdevp,\n"
	"                            var, varp, median, percentile_cont(f,p),\n"
	"                            percentile_disc(f,p), count_distinct,\n"
	"                            approx_count_distinct, first, last, collect,\n"
	"                            min_by(f,g), max_by(f,g), topone(f [asc|desc]),\n"
	"                            collect_top(n,f [asc|desc]); repeatable\n"
	"      --window-fields START,END  names of the window bounds\n"
	"                            (default window_start,window_end)\n"
	"\n"
	"Event time:\n"
	"  -t, --time FIELD          event time field (default: processing time, the wall clock)\n"
	"      --time-unit UNIT      unit of numeric times: s (default), ms, us, ns\n"
	"      --max-delay DUR       reorder events up to DUR out of order (default 0)\n"
	"      --late adjust|drop    events behind the watermark: count at the watermark\n"
	"                            (adjust, default) or drop\n"
	"      --late-out FILE       also append every late event to FILE\n"
	"      --idle-timeout DUR    after DUR without input, move the watermark with the clock\n"
	"      --partition-field F   a watermark per value of F (Kafka, Event Hubs: PartitionId);\n"
	"                            the clock follows the slowest partition\n"
	"      --partitions N|A,B..  the partitions to wait for (N: 0 to N-1)\n"
	"\n"
	"State across runs:\n"
	"      --state FILE          load open windows from FILE, save them at exit\n"
	"      --final               close every window at the end of input (last run)\n"
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
	"See sx-window(1) and sx(7).\n";

enum {
	OPT_TUMBLING = SX_OPT_TOOL, OPT_HOPPING, OPT_HOP, OPT_SLIDING, OPT_SESSION, OPT_MAX_DURATION,
	OPT_SNAPSHOT, OPT_OFFSET, OPT_START_INCLUSIVE, OPT_WINDOW_FIELDS, OPT_MAX_DELAY, OPT_LATE,
	OPT_LATE_OUT, OPT_STATE, OPT_FINAL, OPT_PARTITION_FIELD, OPT_PARTITIONS
};

static const char *const kind_names[] = { "tumbling", "hopping", "sliding", "session", "snapshot" };

static int64_t positive_duration(const char *name, const char *arg)
{
	int64_t d = sx_cli_duration(name, arg, 0);
	if (d <= 0)
		sx_usage_error("%s: must be greater than zero", name);
	return d;
}

/* Output field names must be unique: window bounds, keys, aggregates. */
static void check_names(const struct sx_window_cfg *c)
{
	size_t na = sx_aggset_count(c->aggs), n = 2 + (size_t)c->nkeys + na;
	const char **names = sx_xcalloc(n, sizeof *names);
	names[0] = c->start_field;
	names[1] = c->end_field;
	for (int i = 0; i < c->nkeys; i++)
		names[2 + i] = c->keys[i];
	for (size_t i = 0; i < na; i++)
		names[2 + (size_t)c->nkeys + i] = sx_aggset_name(c->aggs, i);
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (!strcmp(names[i], names[k]))
				sx_usage_error("output field '%s' appears twice (rename an aggregate with "
					       "NAME=FUNC(...) or the bounds with --window-fields)", names[i]);
	free(names);
}

/* What a state file must have been saved under to be continued. */
static json_t *config_json(const struct sx_window_cfg *c, const struct sx_winstage_cfg *s,
			   const char *time_unit)
{
	json_t *keys = json_array();
	for (int i = 0; i < c->nkeys; i++)
		json_array_append_new(keys, json_string(c->keys[i]));
	json_t *j = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:b,s:o,s:s,s:s?,s:s,s:I,s:s}",
			 "window", kind_names[c->kind], "size", (json_int_t)c->size, "hop", (json_int_t)c->hop,
			 "timeout", (json_int_t)c->timeout, "max_duration", (json_int_t)c->max_duration,
			 "offset", (json_int_t)c->offset, "start_inclusive", c->start_inclusive,
			 "group_by", keys, "aggregates", sx_aggset_signature(c->aggs), "time", s->time_field, "time_unit", time_unit,
			 "max_delay", (json_int_t)s->max_delay, "late", s->late_drop ? "drop" : "adjust");
	if (s->partition_field) {
		/* only when given: states saved before partitions still load */
		json_t *parts = json_array();
		for (int i = 0; i < s->npartitions; i++)
			json_array_append_new(parts, json_string(s->partitions[i]));
		json_object_set_new(j, "partition_field", json_string(s->partition_field));
		json_object_set_new(j, "partitions", parts);
	}
	return j;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS, SX_TIME_LONGOPTS, SX_DEFER_LONGOPTS,
		{ "tumbling", required_argument, NULL, OPT_TUMBLING },
		{ "hopping", required_argument, NULL, OPT_HOPPING },
		{ "hop", required_argument, NULL, OPT_HOP },
		{ "sliding", required_argument, NULL, OPT_SLIDING },
		{ "session", required_argument, NULL, OPT_SESSION },
		{ "max-duration", required_argument, NULL, OPT_MAX_DURATION },
		{ "snapshot", no_argument, NULL, OPT_SNAPSHOT },
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "start-inclusive", no_argument, NULL, OPT_START_INCLUSIVE },
		{ "group-by", required_argument, NULL, 'g' },
		{ "agg", required_argument, NULL, 'a' },
		{ "window-fields", required_argument, NULL, OPT_WINDOW_FIELDS },
		{ "max-delay", required_argument, NULL, OPT_MAX_DELAY },
		{ "late", required_argument, NULL, OPT_LATE },
		{ "late-out", required_argument, NULL, OPT_LATE_OUT },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "final", no_argument, NULL, OPT_FINAL },
		{ "partition-field", required_argument, NULL, OPT_PARTITION_FIELD },
		{ "partitions", required_argument, NULL, OPT_PARTITIONS },
		{ 0, 0, 0, 0 }
	};
	struct sx_cli cli;
	struct sx_window_cfg wc;
	struct sx_winstage_cfg sc;
	struct sx_aggset *aggs;
	char **bounds = NULL;
	int nbounds = 0, nkinds = 0, opt, have_offset = 0, have_late = 0;
	const char *time_unit = "s";
	char err[256];
	memset(&wc, 0, sizeof wc);
	memset(&sc, 0, sizeof sc);
	wc.start_field = "window_start";
	wc.end_field = "window_end";
	sx_cli_init(&cli, argv[0], usage);
	aggs = sx_aggset_new(); /* after sx_cli_init: out of memory names the tool */
	while ((opt = getopt_long(argc, argv, "ht:g:a:", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_TUMBLING:
			wc.kind = SX_WIN_TUMBLING, nkinds++;
			wc.size = positive_duration("--tumbling", optarg);
			break;
		case OPT_HOPPING:
			wc.kind = SX_WIN_HOPPING, nkinds++;
			wc.size = positive_duration("--hopping", optarg);
			break;
		case OPT_HOP: wc.hop = positive_duration("--hop", optarg); break;
		case OPT_SLIDING:
			wc.kind = SX_WIN_SLIDING, nkinds++;
			wc.size = positive_duration("--sliding", optarg);
			break;
		case OPT_SESSION:
			wc.kind = SX_WIN_SESSION, nkinds++;
			wc.timeout = positive_duration("--session", optarg);
			break;
		case OPT_MAX_DURATION: wc.max_duration = positive_duration("--max-duration", optarg); break;
		case OPT_SNAPSHOT: wc.kind = SX_WIN_SNAPSHOT, nkinds++; break;
		case OPT_OFFSET:
			wc.offset = sx_cli_duration("--offset", optarg, 1);
			have_offset = 1;
			break;
		case OPT_START_INCLUSIVE: wc.start_inclusive = 1; break;
		case 'g':
			for (int i = 0; i < wc.nkeys; i++)
				free(wc.keys[i]);
			free(wc.keys);
			wc.keys = sx_cli_list("--group-by", optarg, &wc.nkeys);
			break;
		case 'a':
			if (sx_aggset_add(aggs, optarg, err, sizeof err) < 0)
				sx_usage_error("--agg '%s': %s", optarg, err);
			break;
		case OPT_WINDOW_FIELDS:
			bounds = sx_cli_list("--window-fields", optarg, &nbounds);
			if (nbounds != 2)
				sx_usage_error("--window-fields: expected START,END, not '%s'", optarg);
			wc.start_field = bounds[0];
			wc.end_field = bounds[1];
			break;
		case OPT_MAX_DELAY: sc.max_delay = sx_cli_duration("--max-delay", optarg, 0); break;
		case OPT_LATE:
			if (!strcmp(optarg, "drop")) sc.late_drop = 1;
			else if (!strcmp(optarg, "adjust")) sc.late_drop = 0;
			else sx_usage_error("--late: expected adjust or drop, not '%s'", optarg);
			have_late = 1;
			break;
		case OPT_LATE_OUT: sc.late_out = optarg; break;
		case OPT_STATE: sc.state_path = optarg; break;
		case OPT_FINAL: sc.final = 1; break;
		case OPT_PARTITION_FIELD: sc.partition_field = optarg; break;
		case OPT_PARTITIONS:
			sx_evtime_partitions_free(sc.partitions, sc.npartitions);
			sc.partitions = sx_evtime_partitions_arg(optarg, &sc.npartitions);
			break;
		case SX_OPT_TIME_UNIT:
			sx_cli_common(&cli, opt, optarg);
			time_unit = optarg;
			break;
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	if (!cli.commit) {
		if (nkinds == 0)
			sx_usage_error("choose a window: --tumbling, --hopping, --sliding, --session or --snapshot");
		if (nkinds > 1)
			sx_usage_error("choose one window: --tumbling, --hopping, --sliding, --session or --snapshot");
		if (wc.kind == SX_WIN_HOPPING && !wc.hop)
			sx_usage_error("--hopping needs --hop HOP");
		if (wc.hop && wc.kind != SX_WIN_HOPPING)
			sx_usage_error("--hop applies to --hopping only");
		if (wc.max_duration && wc.kind != SX_WIN_SESSION)
			sx_usage_error("--max-duration applies to --session only");
		if ((wc.kind == SX_WIN_SLIDING || wc.kind == SX_WIN_SNAPSHOT) && (have_offset || wc.start_inclusive))
			sx_usage_error("--offset and --start-inclusive apply to tumbling, hopping and session windows");
		if (wc.kind == SX_WIN_SESSION && have_offset && !wc.max_duration)
			sx_usage_error("--offset with --session aligns --max-duration cuts; give --max-duration");
		if (!cli.time_field && (sc.max_delay || have_late || sc.late_out || cli.idle_timeout_us))
			sx_usage_error("--max-delay, --late, --late-out and --idle-timeout need -t FIELD "
				       "(processing time is never late)");
		if (!cli.time_field && sc.partition_field)
			sx_usage_error("--partition-field needs -t FIELD (processing time has one clock)");
		if (sc.partitions && !sc.partition_field)
			sx_usage_error("--partitions needs --partition-field FIELD");
		if ((sc.final || cli.defer_commit) && !sc.state_path)
			sx_usage_error("--final and --defer-commit need --state FILE");
		if (!strcmp(wc.start_field, wc.end_field))
			sx_usage_error("--window-fields: START and END must differ");
	}
	wc.aggs = aggs;
	check_names(&wc);
	sc.time_field = cli.time_field;
	sc.time_unit = cli.time_unit;
	sc.idle_timeout = cli.idle_timeout_us;
	sc.defer_commit = cli.defer_commit;
	json_t *config = config_json(&wc, &sc, time_unit);
	sc.config = config;
	sx_cli_start(&cli, 0, argc - optind, argv + optind);
	sx_stats_records_to(&sx_stdout); /* --stats: the rows written, not those a full disk refused */

	struct sx_window *w = sx_window_new(&wc, &sx_stdout);
	struct sx_winstage st;
	sx_winstage_init(&st, &sc, w);
	if (sc.state_path) {
		if (sx_winstage_load(&st) < 0)
			sx_exit(SX_EXIT_FAIL);
		sx_catch_stop_signals();
	}
	struct sx_run_opts ro = { argv + optind, argc - optind, sx_winstage_tick_ms(&st) };
	sx_run(&sx_winstage_stage, &st, &ro);
	sx_winstage_free(&st);
	sx_window_free(w);
	json_decref(config);
	sx_aggset_free(aggs);
	sx_evtime_partitions_free(sc.partitions, sc.npartitions);
	for (int i = 0; i < wc.nkeys; i++)
		free(wc.keys[i]);
	free(wc.keys);
	for (int i = 0; i < nbounds; i++)
		free(bounds[i]);
	free(bounds);
	sx_exit(SX_EXIT_OK);
}
