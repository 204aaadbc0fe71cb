/* sx-join - correlate two streams on event time, or enrich a stream with
 * reference data (SPEC section 4). */
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_join.h"
#include "sx_joinstage.h"
#include "sx_out.h"
#include "sx_ref.h"
#include "sx_run.h"
#include "sx_run2.h"
#include "sx_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: sx-join --on KEY[=RKEY]... (--within DUR | --between LO,HI) [OPTIONS] LEFT RIGHT\n"
	"       sx-join --on KEY[=RKEY]... --ref FILE [OPTIONS] [STREAM...]\n"
	"Join two NDJSON streams on keys within a time bound, or enrich a stream with\n"
	"reference data (Azure Stream Analytics joins).\n"
	"\n"
	"Keys and output:\n"
	"      --on KEY[=RKEY]       join where the left field KEY equals the right field RKEY\n"
	"                            (the same name by default); repeat, or KEY1,KEY2\n"
	"      --type TYPE           inner (default): matching pairs; left: also the left\n"
	"                            records without a match; anti: only those (two streams)\n"
	"      --right-prefix P      prefix of right fields whose names the left record has\n"
	"                            (default right_)\n"
	"\n"
	"Two streams (LEFT and RIGHT: files, FIFOs, <(...); at most one -):\n"
	"      --within DUR          match right records at most DUR before or after\n"
	"      --between LO,HI       match when LO <= t_right - t_left <= HI (signed, inclusive)\n"
	"  -t, --time FIELD          event time field of both inputs (default: processing time)\n"
	"      --left-time FIELD     event time field of LEFT\n"
	"      --right-time FIELD    event time field of RIGHT\n"
	"      --time-unit UNIT      unit of numeric times: s (default), ms, us, ns\n"
	"      --max-delay DUR[,DUR] reorder each input up to DUR out of order (default 0;\n"
	"                            two values: LEFT's, RIGHT's)\n"
	"      --late drop           drop records behind their input's watermark (the only policy)\n"
	"      --late-out FILE       also append every late record to FILE\n"
	"      --idle-timeout DUR    after DUR without input on one side, move its watermark\n"
	"                            with the clock\n"
	"      --partition-field F   a watermark per value of F in each input (Kafka, Event\n"
	"                            Hubs: PartitionId); an input follows its slowest partition\n"
	"      --partitions N|A,B..  the partitions to wait for in each input (N: 0 to N-1)\n"
	"\n"
	"Reference data (STREAM: files, or standard input):\n"
	"      --ref FILE            enrich each record with FILE's row of equal keys (CSV, TSV,\n"
	"                            JSON, NDJSON, gzip; typed as sx-ingest types them)\n"
	"      --reload DUR          re-read FILE when it changed, checked at most every DUR\n"
	"\n"
	"Errors and diagnostics:\n"
	"      --on-error POLICY     fail (default), skip, or dead-letter=FILE\n"
	"      --stats               print counters as one JSON line on stderr at exit\n"
	"      --progress, --no-progress  status line on stderr\n"
	"      --commit FILE...      promote FILE.pending to FILE (files staged by other tools)\n"
	"  -h, --help                show this help and exit\n"
	"      --version             show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data (under --on-error fail) or I/O error, 2 usage.\n"
	"See sx-join(1) and sx(7).\n";

enum {
	OPT_ON = SX_OPT_TOOL, OPT_WITHIN, OPT_BETWEEN, OPT_TYPE, OPT_RIGHT_PREFIX, OPT_LEFT_TIME,
	OPT_RIGHT_TIME, OPT_MAX_DELAY, OPT_LATE, OPT_LATE_OUT, OPT_REF, OPT_RELOAD,
	OPT_PARTITION_FIELD, OPT_PARTITIONS
};

struct keys {
	char **l, **r;
	int n;
};

/* --on KEY[=RKEY][,KEY[=RKEY]...], appended to K. */
static void add_keys(struct keys *k, const char *arg)
{
	int n;
	char **items = sx_cli_list("--on", arg, &n);
	for (int i = 0; i < n; i++) {
		char *eq = strchr(items[i], '=');
		if (eq == items[i] || (eq && !eq[1]))
			sx_usage_error("--on: expected KEY or KEY=RKEY, not '%s'", items[i]);
		char *l = eq ? sx_xstrndup(items[i], (size_t)(eq - items[i])) : sx_xstrdup(items[i]);
		char *r = sx_xstrdup(eq ? eq + 1 : items[i]);
		for (int x = 0; x < k->n; x++)
			if (!strcmp(k->l[x], l))
				sx_usage_error("--on: key '%s' given twice", l);
		k->l = sx_xreallocarray(k->l, (size_t)k->n + 1, sizeof *k->l);
		k->r = sx_xreallocarray(k->r, (size_t)k->n + 1, sizeof *k->r);
		k->l[k->n] = l;
		k->r[k->n] = r;
		k->n++;
		free(items[i]);
	}
	free(items);
}

static int64_t bound(const char *name, const char *arg, int allow_sign)
{
	int64_t d = sx_cli_duration(name, arg, allow_sign);
	if (d > SX_JOIN_MAX_SPAN || d < -SX_JOIN_MAX_SPAN)
		sx_usage_error("%s: '%s' is too long", name, arg);
	return d;
}

/* "A,B": two durations (malloc'd copies split at the comma). */
static int split_pair(const char *arg, char **a, char **b)
{
	const char *comma = strchr(arg, ',');
	if (!comma)
		return 0;
	*a = sx_xstrndup(arg, (size_t)(comma - arg));
	*b = sx_xstrdup(comma + 1);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS, SX_TIME_LONGOPTS,
		{ "on", required_argument, NULL, OPT_ON },
		{ "within", required_argument, NULL, OPT_WITHIN },
		{ "between", required_argument, NULL, OPT_BETWEEN },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "right-prefix", required_argument, NULL, OPT_RIGHT_PREFIX },
		{ "left-time", required_argument, NULL, OPT_LEFT_TIME },
		{ "right-time", required_argument, NULL, OPT_RIGHT_TIME },
		{ "max-delay", required_argument, NULL, OPT_MAX_DELAY },
		{ "late", required_argument, NULL, OPT_LATE },
		{ "late-out", required_argument, NULL, OPT_LATE_OUT },
		{ "ref", required_argument, NULL, OPT_REF },
		{ "reload", required_argument, NULL, OPT_RELOAD },
		{ "partition-field", required_argument, NULL, OPT_PARTITION_FIELD },
		{ "partitions", required_argument, NULL, OPT_PARTITIONS },
		{ 0, 0, 0, 0 }
	};
	struct sx_cli cli;
	struct keys keys = { NULL, NULL, 0 };
	struct sx_join_cfg jc;
	struct sx_joinstage_cfg sc;
	const char *ref = NULL, *left_time = NULL, *right_time = NULL;
	int64_t reload = 0;
	int nbounds = 0, have_delay = 0, have_late = 0, opt;
	char *a, *b;
	memset(&jc, 0, sizeof jc);
	memset(&sc, 0, sizeof sc);
	jc.prefix = "right_";
	jc.type = SX_JOIN_INNER;
	sx_cli_init(&cli, argv[0], usage);
	while ((opt = getopt_long(argc, argv, "ht:", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ON: add_keys(&keys, optarg); break;
		case OPT_WITHIN:
			jc.hi = bound("--within", optarg, 0);
			jc.lo = -jc.hi;
			nbounds++;
			break;
		case OPT_BETWEEN:
			if (!split_pair(optarg, &a, &b))
				sx_usage_error("--between: expected LO,HI (e.g. 0,15m or -2m,10m), not '%s'", optarg);
			jc.lo = bound("--between", a, 1);
			jc.hi = bound("--between", b, 1);
			free(a);
			free(b);
			if (jc.lo > jc.hi)
				sx_usage_error("--between: LO must not be greater than HI in '%s'", optarg);
			nbounds++;
			break;
		case OPT_TYPE:
			if (!strcmp(optarg, "inner")) jc.type = SX_JOIN_INNER;
			else if (!strcmp(optarg, "left")) jc.type = SX_JOIN_LEFT;
			else if (!strcmp(optarg, "anti")) jc.type = SX_JOIN_ANTI;
			else sx_usage_error("--type: expected inner, left or anti, not '%s'", optarg);
			break;
		case OPT_RIGHT_PREFIX:
			if (!*optarg)
				sx_usage_error("--right-prefix: must not be empty");
			jc.prefix = optarg;
			break;
		case OPT_LEFT_TIME:
			if (!*optarg)
				sx_usage_error("--left-time: empty field name");
			left_time = optarg;
			break;
		case OPT_RIGHT_TIME:
			if (!*optarg)
				sx_usage_error("--right-time: empty field name");
			right_time = optarg;
			break;
		case OPT_MAX_DELAY:
			if (split_pair(optarg, &a, &b)) {
				sc.max_delay[0] = bound("--max-delay", a, 0);
				sc.max_delay[1] = bound("--max-delay", b, 0);
				free(a);
				free(b);
			} else {
				sc.max_delay[0] = sc.max_delay[1] = bound("--max-delay", optarg, 0);
			}
			have_delay = 1;
			break;
		case OPT_LATE:
			if (strcmp(optarg, "drop") != 0)
				sx_usage_error("--late: drop is the only policy of sx-join, not '%s'", optarg);
			have_late = 1;
			break;
		case OPT_LATE_OUT: sc.late_out = optarg; break;
		case OPT_REF: ref = optarg; break;
		case OPT_PARTITION_FIELD: sc.partition_field = optarg; break;
		case OPT_PARTITIONS:
			sx_evtime_partitions_free(sc.partitions, sc.npartitions);
			sc.partitions = sx_evtime_partitions_arg(optarg, &sc.npartitions);
			break;
		case OPT_RELOAD:
			reload = bound("--reload", optarg, 0);
			if (reload <= 0)
				sx_usage_error("--reload: must be greater than zero");
			break;
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	int nargs = argc - optind;
	char **args = argv + optind;
	if (!cli.commit) {
		if (keys.n == 0)
			sx_usage_error("give the join keys with --on KEY[=RKEY]");
		if (ref) {
			if (nbounds)
				sx_usage_error("--within and --between apply to two streams, not to --ref");
			if (jc.type == SX_JOIN_ANTI)
				sx_usage_error("--type anti applies to two streams; with --ref use inner or left");
			if (cli.time_field || left_time || right_time || have_delay || have_late || sc.late_out ||
			    cli.idle_timeout_us || cli.time_unit != SX_UNIT_S)
				sx_usage_error("reference data has no time bound: -t, --left-time, --right-time, "
					       "--time-unit, --max-delay, --late, --late-out and --idle-timeout "
					       "apply to two streams");
			if (sc.partition_field)
				sx_usage_error("--partition-field applies to two streams, not to --ref");
		} else {
			if (reload)
				sx_usage_error("--reload applies to --ref");
			if (nbounds == 0)
				sx_usage_error("give the time bound of the join: --within DUR or --between LO,HI "
					       "(or --ref FILE for reference data)");
			if (nbounds > 1)
				sx_usage_error("give one time bound: --within or --between");
			if (nargs != 2)
				sx_usage_error("expected two inputs, LEFT and RIGHT (got %d)", nargs);
			if (!strcmp(args[0], "-") && !strcmp(args[1], "-"))
				sx_usage_error("at most one input may be standard input (-)");
			if ((left_time != NULL) != (right_time != NULL) && !cli.time_field)
				sx_usage_error("--left-time and --right-time go together (or use -t for both)");
			if (left_time && right_time && cli.time_field)
				sx_usage_error("-t is the time field of an input without its own; with both "
					       "--left-time and --right-time it would apply to none");
			if (cli.time_unit != SX_UNIT_S && !cli.time_field && !left_time && !right_time)
				sx_usage_error("--time-unit applies to a time field: give -t FIELD");
		}
		if (ref && !strcmp(ref, "-"))
			sx_usage_error("--ref -: the stream is standard input; the reference data must be a file");
	}
	sc.time_field[0] = left_time ? left_time : cli.time_field;
	sc.time_field[1] = right_time ? right_time : cli.time_field;
	if (!cli.commit && !ref && !sc.time_field[0] && (have_delay || have_late || sc.late_out || cli.idle_timeout_us))
		sx_usage_error("--max-delay, --late, --late-out and --idle-timeout need -t FIELD "
			       "(processing time is never late)");
	if (!cli.commit && !ref && !sc.time_field[0] && sc.partition_field)
		sx_usage_error("--partition-field needs -t FIELD (processing time has one clock)");
	if (!cli.commit && sc.partitions && !sc.partition_field)
		sx_usage_error("--partitions needs --partition-field FIELD");
	sc.time_unit = cli.time_unit;
	sc.idle_timeout = cli.idle_timeout_us;
	jc.lkeys = keys.l;
	jc.rkeys = keys.r;
	jc.nkeys = keys.n;
	sx_cli_start(&cli, 0, nargs, args);
	sx_stats_records_to(&sx_stdout); /* --stats: the rows written, not those a full disk refused */

	if (ref) {
		struct sx_ref_cfg rc = { ref, keys.l, keys.r, keys.n, jc.type == SX_JOIN_LEFT, jc.prefix, reload };
		struct sx_ref r;
		sx_ref_init(&r, &rc, &sx_stdout);
		struct sx_run_opts ro = { args, nargs, sx_ref_tick_ms(&r) };
		sx_run(&sx_ref_stage, &r, &ro);
		sx_ref_free(&r);
	} else {
		struct sx_join *j = sx_join_new(&jc, &sx_stdout);
		struct sx_joinstage st;
		sx_joinstage_init(&st, &sc, j);
		struct sx_run2_opts ro = { { args[0], args[1] }, sx_joinstage_tick_ms(&st) };
		sx_run2(&sx_joinstage_stage, &st, &ro);
		sx_joinstage_free(&st);
		sx_join_free(j);
	}
	for (int i = 0; i < keys.n; i++) {
		free(keys.l[i]);
		free(keys.r[i]);
	}
	free(keys.l);
	free(keys.r);
	sx_evtime_partitions_free(sc.partitions, sc.npartitions);
	sx_exit(SX_EXIT_OK);
}
