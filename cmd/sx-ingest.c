/* sx-ingest - anything to clean NDJSON events (SPEC section 2). */
#include "sx_checkpoint.h"
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_ingest.h"
#include "sx_sources.h"
#include "sx_out.h"
#include "sx_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"Usage: sx-ingest [OPTIONS] [FILE|DIR|-]...\n"
	"Convert CSV, TSV, JSON or NDJSON (plain or gzip) into clean NDJSON events.\n"
	"\n"
	"Input:\n"
	"  -f, --format FMT          auto (default), csv, tsv, json or ndjson\n"
	"  -d, --delimiter C         CSV field separator: a character, or tab, space,\n"
	"                            comma, semicolon, pipe\n"
	"      --no-header           CSV has no header row; columns are named 1, 2, 3...\n"
	"      --columns A,B,C       CSV column names (the data has no header row)\n"
	"      --types auto|string   type CSV values (default) or keep every value a string\n"
	"      --schema COL:TYPE,... force the types of CSV columns or JSON fields:\n"
	"                            int, float, bool, string, time\n"
	"      --envelope KIND       unwrap kcat -J (kcat) or mosquitto_sub -F %j/%J (mosquitto)\n"
	"      --max-record-size SIZE  longer lines and records are data errors\n"
	"                            (default 16M; K, M, G suffixes)\n"
	"\n"
	"Event time and added fields:\n"
	"  -t, --time FIELD          parse FIELD as the event time, rewrite it as RFC 3339 UTC\n"
	"      --time-unit UNIT      unit of numeric times: s (default), ms, us, ns\n"
	"      --time-format PATTERN strftime-style layout of string times (%Y-%m-%d %H:%M:%S)\n"
	"      --add-arrival-time FIELD  add the wall-clock read time\n"
	"      --add-source FIELD    add \"FILE:LINE\"\n"
	"\n"
	"Several inputs with -t (batch runs):\n"
	"      --no-merge            read the inputs one after the other, as given\n"
	"                            (default: one stream merged by event time)\n"
	"      --max-delay DUR       each input's own disorder the merge allows (default 0)\n"
	"      --max-open N          files open at a time; the next opens as one ends\n"
	"                            (default 128)\n"
	"\n"
	"Live sources and progress:\n"
	"      --follow              keep reading the FILEs as they grow, like tail -F\n"
	"      --glob PATTERN        ingest the files matching PATTERN, in name order\n"
	"      --watch               keep watching DIR operands and --glob for new files\n"
	"      --settle DUR          --watch reads a file once unchanged this long; with\n"
	"                            --checkpoint, an unterminated last line waits until\n"
	"                            the file is this old (default 1s)\n"
	"      --poll DUR            how often --follow/--watch look for data (default 250ms)\n"
	"      --checkpoint FILE     remember what was emitted; a rerun continues from there\n"
	"      --defer-commit        stage the checkpoint in FILE.pending until --commit\n"
	"      --commit FILE...      promote FILE.pending to FILE, all files or none\n"
	"\n"
	"Scale-out:\n"
	"      --shard I/N           keep the records whose --shard-key hashes to I (of N)\n"
	"      --shard-key FIELD     the field to hash (FNV-1a 64)\n"
	"\n"
	"Errors and diagnostics:\n"
	SX_CLI_HELP_DIAGNOSTICS(" (default: on for a terminal)")
	"\n"
	"Exit status: 0 success, 1 bad data (under --on-error fail) or I/O error, 2 usage.\n"
	"See sx-ingest(1) and sx(7).\n";

enum {
	OPT_NO_HEADER = SX_OPT_TOOL, OPT_COLUMNS, OPT_TYPES, OPT_SCHEMA, OPT_ENVELOPE,
	OPT_TIME_FORMAT, OPT_ARRIVAL, OPT_SOURCE, OPT_FOLLOW, OPT_GLOB, OPT_WATCH,
	OPT_POLL, OPT_SETTLE, OPT_CHECKPOINT, OPT_SHARD, OPT_SHARD_KEY,
	OPT_MAX_RECORD, OPT_NO_MERGE, OPT_MAX_DELAY, OPT_MAX_OPEN
};

static int parse_delim(const char *s)
{
	static const struct { const char *name; int c; } names[] = {
		{ "tab", '\t' }, { "\\t", '\t' }, { "space", ' ' }, { "comma", ',' },
		{ "semicolon", ';' }, { "pipe", '|' },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(s, names[i].name))
			return names[i].c;
	if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r')
		sx_usage_error("--delimiter: expected one character (not a quote or newline), or tab, "
			       "space, comma, semicolon, pipe; not '%s'", s);
	return (unsigned char)s[0];
}

/* Fields sx-ingest writes: no two options may name the same one (the
 * record would hold it twice).  -t EventEnqueuedUtcTime with an envelope is
 * not a clash: the envelope's time is the event time. */
static void check_added_fields(const struct sx_ingest_cfg *cfg)
{
	struct { const char *opt, *name; } f[8];
	int n = 0;
	const char *env = cfg->envelope == SX_ENV_KCAT ? "--envelope kcat" : "--envelope mosquitto";
	if (cfg->time_field && !(cfg->envelope != SX_ENV_NONE && !strcmp(cfg->time_field, "EventEnqueuedUtcTime")))
		f[n].opt = "-t", f[n++].name = cfg->time_field;
	if (cfg->arrival_field)
		f[n].opt = "--add-arrival-time", f[n++].name = cfg->arrival_field;
	if (cfg->source_field)
		f[n].opt = "--add-source", f[n++].name = cfg->source_field;
	static const char *const kcat[] = { "EventEnqueuedUtcTime", "PartitionId", "Offset", "Key", NULL };
	static const char *const mosq[] = { "EventEnqueuedUtcTime", "topic", NULL };
	const char *const *added = cfg->envelope == SX_ENV_KCAT ? kcat : cfg->envelope == SX_ENV_MOSQUITTO ? mosq : NULL;
	for (int i = 0; i < n; i++) {
		for (int k = i + 1; k < n; k++)
			if (!strcmp(f[i].name, f[k].name))
				sx_usage_error("%s and %s both name the field '%s'", f[i].opt, f[k].opt, f[i].name);
		for (int k = 0; added && added[k]; k++)
			if (!strcmp(f[i].name, added[k]))
				sx_usage_error("%s '%s': %s adds a field of that name", f[i].opt, f[i].name, env);
	}
}

static const char *format_name(enum sx_format f)
{
	static const char *const names[] = { "auto", "csv", "tsv", "json", "ndjson" };
	return names[f];
}

/* Options that would do nothing with the input format chosen. */
static void check_format_options(const struct sx_ingest_cfg *cfg, int unit_given)
{
	int is_json = cfg->format == SX_FMT_JSON || cfg->format == SX_FMT_NDJSON;
	const char *csv_opt = cfg->delim ? "--delimiter" : cfg->no_header ? "--no-header"
			      : cfg->ncolumns ? "--columns" : cfg->types_string ? "--types string" : NULL;
	if (cfg->envelope != SX_ENV_NONE) {
		if (cfg->format == SX_FMT_CSV || cfg->format == SX_FMT_TSV)
			sx_usage_error("--envelope reads JSON (kcat -J, mosquitto_sub -F %%j or %%J output), "
				       "not -f %s", format_name(cfg->format));
		if (csv_opt)
			sx_usage_error("%s is for CSV and TSV input; --envelope reads JSON", csv_opt);
	}
	if (is_json && csv_opt)
		sx_usage_error("%s is for CSV and TSV input, not -f %s", csv_opt, format_name(cfg->format));
	int schema_time = 0;
	for (int i = 0; i < cfg->nschema; i++)
		schema_time |= cfg->schema[i].type == SX_COL_TIME;
	if (unit_given && !cfg->time_field && !schema_time)
		sx_usage_error("--time-unit needs -t FIELD (or a --schema COLUMN:time)");
}

/* Sources that --watch and --checkpoint need.  (--follow with a DIR or
 * --glob is refused by sx_sources_run.) */
static void check_sources(const struct sx_sources_cfg *src, const char *checkpoint)
{
	int dirs = 0, files = 0;
	for (int i = 0; i < src->noperands; i++) {
		struct stat st;
		if (!strcmp(src->operands[i], "-"))
			continue;
		files++;
		dirs += stat(src->operands[i], &st) == 0 && S_ISDIR(st.st_mode);
	}
	if (src->watch && !dirs && !src->glob)
		sx_usage_error("--watch needs a DIR operand (an existing directory) or --glob PATTERN");
	if (checkpoint && !files && !src->glob)
		sx_usage_error("--checkpoint: standard input has no offsets to remember; "
			       "name files, a DIR or --glob");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS, SX_TIME_FIELD_LONGOPTS, SX_DEFER_LONGOPTS,
		{ "format", required_argument, NULL, 'f' },
		{ "delimiter", required_argument, NULL, 'd' },
		{ "no-header", no_argument, NULL, OPT_NO_HEADER },
		{ "columns", required_argument, NULL, OPT_COLUMNS },
		{ "types", required_argument, NULL, OPT_TYPES },
		{ "schema", required_argument, NULL, OPT_SCHEMA },
		{ "envelope", required_argument, NULL, OPT_ENVELOPE },
		{ "time-format", required_argument, NULL, OPT_TIME_FORMAT },
		{ "add-arrival-time", required_argument, NULL, OPT_ARRIVAL },
		{ "add-source", required_argument, NULL, OPT_SOURCE },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "glob", required_argument, NULL, OPT_GLOB },
		{ "watch", no_argument, NULL, OPT_WATCH },
		{ "poll", required_argument, NULL, OPT_POLL },
		{ "settle", required_argument, NULL, OPT_SETTLE },
		{ "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "shard-key", required_argument, NULL, OPT_SHARD_KEY },
		{ "max-record-size", required_argument, NULL, OPT_MAX_RECORD },
		{ "no-merge", no_argument, NULL, OPT_NO_MERGE },
		{ "max-delay", required_argument, NULL, OPT_MAX_DELAY },
		{ "max-open", required_argument, NULL, OPT_MAX_OPEN },
		{ 0, 0, 0, 0 }
	};
	struct sx_cli cli;
	struct sx_ingest_cfg cfg;
	struct sx_sources_cfg src;
	const char *checkpoint = NULL, *why;
	char **schema_items = NULL;
	size_t schema_cap = 0;
	int nschema_items = 0, opt, settle_given = 0, unit_given = 0, poll_given = 0, no_merge = 0;
	const char *merge_opt = NULL; /* --max-delay or --max-open given */
	memset(&cfg, 0, sizeof cfg);
	memset(&src, 0, sizeof src);
	src.poll_us = 250000;
	src.settle_us = 1000000;
	sx_cli_init(&cli, argv[0], usage);
	while ((opt = getopt_long(argc, argv, "hf:d:t:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (!strcmp(optarg, "auto")) cfg.format = SX_FMT_AUTO;
			else if (!strcmp(optarg, "csv")) cfg.format = SX_FMT_CSV;
			else if (!strcmp(optarg, "tsv")) cfg.format = SX_FMT_TSV;
			else if (!strcmp(optarg, "json")) cfg.format = SX_FMT_JSON;
			else if (!strcmp(optarg, "ndjson") || !strcmp(optarg, "jsonl")) cfg.format = SX_FMT_NDJSON;
			else sx_usage_error("--format: expected auto, csv, tsv, json or ndjson, not '%s'", optarg);
			break;
		case 'd': cfg.delim = parse_delim(optarg); break;
		case OPT_NO_HEADER: cfg.no_header = 1; break;
		case OPT_COLUMNS: /* the last one counts */
			for (int i = 0; i < cfg.ncolumns; i++)
				free(cfg.columns[i]);
			free(cfg.columns);
			cfg.columns = sx_cli_list("--columns", optarg, &cfg.ncolumns);
			break;
		case OPT_TYPES:
			if (!strcmp(optarg, "string")) cfg.types_string = 1;
			else if (!strcmp(optarg, "auto")) cfg.types_string = 0;
			else sx_usage_error("--types: expected auto or string, not '%s'", optarg);
			break;
		case OPT_SCHEMA: { /* several add up */
			int n;
			char **more = sx_cli_list("--schema", optarg, &n);
			SX_GROW(schema_items, (size_t)(nschema_items + n), schema_cap);
			memcpy(schema_items + nschema_items, more, (size_t)n * sizeof *more);
			nschema_items += n;
			free(more);
			break;
		}
		case OPT_ENVELOPE:
			if (!strcmp(optarg, "kcat")) cfg.envelope = SX_ENV_KCAT;
			else if (!strcmp(optarg, "mosquitto")) cfg.envelope = SX_ENV_MOSQUITTO;
			else sx_usage_error("--envelope: expected kcat or mosquitto, not '%s'", optarg);
			break;
		case OPT_TIME_FORMAT:
			if (!(cfg.time_format = sx_timefmt_compile(optarg, &why)))
				sx_usage_error("--time-format '%s': %s", optarg, why);
			break;
		case OPT_ARRIVAL: cfg.arrival_field = optarg; break;
		case OPT_SOURCE: cfg.source_field = optarg; break;
		case OPT_FOLLOW: src.follow = 1; break;
		case OPT_GLOB: src.glob = optarg; break;
		case OPT_WATCH: src.watch = 1; break;
		case OPT_POLL:
			poll_given = 1;
			src.poll_us = sx_cli_duration("--poll", optarg, 0);
			if (src.poll_us <= 0)
				sx_usage_error("--poll: must be greater than zero");
			break;
		case OPT_SETTLE: src.settle_us = sx_cli_duration("--settle", optarg, 0); settle_given = 1; break;
		case OPT_CHECKPOINT: checkpoint = optarg; break;
		case OPT_SHARD: {
			int i, n, used = 0;
			if (sscanf(optarg, "%d/%d%n", &i, &n, &used) != 2 || optarg[used] || n < 1 || i < 0 || i >= n)
				sx_usage_error("--shard: expected I/N with 0 <= I < N, not '%s'", optarg);
			cfg.shard_i = i;
			cfg.shard_n = n;
			break;
		}
		case OPT_SHARD_KEY: cfg.shard_key = optarg; break;
		case OPT_MAX_RECORD:
			if (sx_ingest_parse_size(optarg, &cfg.max_record) < 0)
				sx_usage_error("--max-record-size: expected a size from 1 byte to 1T, such "
					       "as 65536, 512K, 64M or 1G; not '%s'", optarg);
			break;
		case OPT_NO_MERGE: no_merge = 1; break;
		case OPT_MAX_DELAY:
			src.max_delay_us = sx_cli_duration("--max-delay", optarg, 0);
			merge_opt = "--max-delay";
			break;
		case OPT_MAX_OPEN: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (end == optarg || *end || n < 2 || n > 100000)
				sx_usage_error("--max-open: expected a number of files from 2 to 100000, not '%s'", optarg);
			src.max_open = (int)n;
			merge_opt = "--max-open";
			break;
		}
		case SX_OPT_TIME_UNIT:
			unit_given = 1;
			sx_cli_common(&cli, opt, optarg);
			break;
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	if (cfg.shard_n && !cfg.shard_key)
		sx_usage_error("--shard needs --shard-key FIELD");
	if (cfg.shard_key && !cfg.shard_n)
		sx_usage_error("--shard-key needs --shard I/N");
	if (cli.defer_commit && !checkpoint)
		sx_usage_error("--defer-commit needs --checkpoint FILE");
	if (settle_given && !src.watch && !checkpoint)
		sx_usage_error("--settle needs --watch or --checkpoint");
	if (poll_given && !src.watch && !src.follow)
		sx_usage_error("--poll needs --follow or --watch");
	if (cfg.no_header && cfg.ncolumns)
		sx_usage_error("--no-header and --columns: choose one");
	cfg.nschema = nschema_items;
	cfg.schema = sx_xcalloc((size_t)nschema_items + 1, sizeof *cfg.schema);
	for (int i = 0; i < nschema_items; i++) {
		char *colon = strrchr(schema_items[i], ':');
		if (!colon || colon == schema_items[i] ||
		    sx_coltype_parse(colon + 1, &cfg.schema[i].type) < 0 || cfg.schema[i].type == SX_COL_AUTO)
			sx_usage_error("--schema: expected COLUMN:TYPE with TYPE int, float, bool, string "
				       "or time; not '%s'", schema_items[i]);
		*colon = '\0';
		cfg.schema[i].name = schema_items[i];
		for (int k = 0; k < i; k++)
			if (!strcmp(cfg.schema[k].name, cfg.schema[i].name))
				sx_usage_error("--schema: column '%s' is named twice", cfg.schema[i].name);
	}
	cfg.time_field = cli.time_field;
	if (merge_opt && !cli.time_field)
		sx_usage_error("%s is for the time merge of several inputs, which needs -t FIELD", merge_opt);
	if (merge_opt && no_merge)
		sx_usage_error("%s and --no-merge: the inputs are not merged", merge_opt);
	src.merge = cli.time_field && !no_merge;
	cfg.time_unit = cli.time_unit;
	check_added_fields(&cfg);
	check_format_options(&cfg, unit_given);
	if (cli.time_field == NULL && cfg.time_format)
		sx_usage_error("--time-format needs -t FIELD");
	src.operands = argv + optind;
	src.noperands = argc - optind;
	if (!cli.commit)
		check_sources(&src, checkpoint);
	sx_cli_start(&cli, isatty(STDERR_FILENO) && src.noperands > 0 && !src.follow && !src.watch,
		     src.noperands, src.operands);
	sx_stats_records_to(&sx_stdout); /* --stats: the rows written, not those a full disk refused */
	struct sx_ckpt ckpt;
	if (checkpoint) {
		if (sx_ckpt_load(&ckpt, checkpoint, cli.defer_commit) < 0)
			sx_exit(SX_EXIT_FAIL);
		src.ckpt = &ckpt;
	}
	int status = sx_sources_run(&cfg, &src);
	if (checkpoint)
		sx_ckpt_free(&ckpt);
	for (int i = 0; i < nschema_items; i++)
		free(schema_items[i]);
	free(schema_items);
	free(cfg.schema);
	for (int i = 0; i < cfg.ncolumns; i++)
		free(cfg.columns[i]);
	free(cfg.columns);
	sx_timefmt_free(cfg.time_format);
	sx_exit(status);
}
