/* sx-emit-files - NDJSON records into a partitioned, rotated folder tree
 * (Blob Storage / Data Lake style output; issue 10).
 *
 * Options only; the path pattern is common/sx_pathpat.c, the writer (open
 * files, rotation, atomic publication, deferred commits) common/sx_filesink.c. */
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_filesink.h"
#include "sx_out.h"
#include "sx_run.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: sx-emit-files --path PATTERN [-t FIELD] [OPTIONS] [FILE...]\n"
	"Write NDJSON records into files under a folder pattern, rotated, each renamed\n"
	"into place when complete.\n"
	"\n"
	"Folders:\n"
	"      --path PATTERN        folder of each record: text with {date}, {time},\n"
	"                            {datetime:SPEC} (yyyy MM M dd d HH H mm m ss s) and\n"
	"                            {FIELD}, e.g. 'out/{date}/{time}' or\n"
	"                            'lake/year={datetime:yyyy}/month={datetime:MM}/dev={deviceId}'\n"
	"      --date-format SPEC    {date}'s format (default yyyy/MM/dd)\n"
	"      --time-format SPEC    {time}'s format (default HH)\n"
	"      --null-value NAME     folder for a null, missing or empty field\n"
	"                            (default __HIVE_DEFAULT_PARTITION__)\n"
	"  -t, --time FIELD          event time field (UTC); default: processing time\n"
	"      --time-unit U         unit of numeric times: s (default), ms, us, ns\n"
	"      --max-delay DUR       close a time folder's files only once events this\n"
	"                            much later have been seen (default 0)\n"
	"      --idle-timeout DUR    on a quiet input the watermark follows the clock\n"
	"\n"
	"Files:\n"
	"      --format F            ndjson (default: records as they come) or csv\n"
	"      --gzip                compress each file (.gz)\n"
	"      --max-rows N          start a new file after N records\n"
	"      --max-bytes N         start a new file before one grows past N bytes\n"
	"                            (suffixes k, M, G)\n"
	"      --max-age DUR         close a file DUR after it was opened\n"
	"      --max-open N          open files at most; the least recently used is\n"
	"                            closed first (default 1000)\n"
	"      --flush DUR           on a quiet input, write buffered rows to the open\n"
	"                            files after DUR (default 1s)\n"
	"\n"
	"Exactly once:\n"
	"      --state FILE          this output's progress file (locked while running)\n"
	"      --defer-commit        closed files stay hidden until --commit FILE\n"
	"      --commit FILE...      commit progress files (and publish their files)\n"
	"\n"
	"Errors and diagnostics:\n"
	"      --on-error POLICY     fail (default), skip, or dead-letter=FILE\n"
	"      --stats               print counters as one JSON line on stderr at exit\n"
	"      --progress, --no-progress  status line on stderr (default: off)\n"
	"  -h, --help                show this help and exit\n"
	"      --version             show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data (under --on-error fail) or I/O error (the\n"
	"open files are then removed), 2 usage.  See sx-emit-files(1).\n";

enum {
	OPT_PATH = SX_OPT_TOOL, OPT_DATE_FORMAT, OPT_TIME_FORMAT, OPT_NULL_VALUE, OPT_FORMAT, OPT_GZIP,
	OPT_MAX_ROWS, OPT_MAX_BYTES, OPT_MAX_AGE, OPT_MAX_OPEN, OPT_FLUSH, OPT_MAX_DELAY, OPT_STATE
};

/* "1000", "64k", "10M", "1G" (powers of 1024). */
static uint64_t parse_size(const char *name, const char *arg)
{
	char *end;
	unsigned long long v = strtoull(arg, &end, 10);
	uint64_t mul = 1;
	if (end != arg && *end && !end[1]) {
		switch (*end) {
		case 'k': case 'K': mul = 1024; end++; break;
		case 'M': mul = 1024 * 1024; end++; break;
		case 'G': mul = 1024 * 1024 * 1024; end++; break;
		default: break;
		}
	}
	if (end == arg || *end || arg[0] == '-' || v == 0 || v > UINT64_MAX / mul)
		sx_usage_error("%s: expected a positive size (1000, 64k, 10M, 1G), not '%s'", name, arg);
	return (uint64_t)v * mul;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS,
		SX_DEFER_LONGOPTS,
		SX_TIME_LONGOPTS,
		{ "path", required_argument, NULL, OPT_PATH },
		{ "date-format", required_argument, NULL, OPT_DATE_FORMAT },
		{ "time-format", required_argument, NULL, OPT_TIME_FORMAT },
		{ "null-value", required_argument, NULL, OPT_NULL_VALUE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "gzip", no_argument, NULL, OPT_GZIP },
		{ "max-rows", required_argument, NULL, OPT_MAX_ROWS },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "max-open", required_argument, NULL, OPT_MAX_OPEN },
		{ "flush", required_argument, NULL, OPT_FLUSH },
		{ "max-delay", required_argument, NULL, OPT_MAX_DELAY },
		{ "state", required_argument, NULL, OPT_STATE },
		{ 0, 0, 0, 0 }
	};
	struct sx_filesink_cfg c = { .max_open = 1000, .flush_us = 1000000 };
	struct sx_cli cli;
	int opt;
	sx_cli_init(&cli, argv[0], usage);
	while ((opt = getopt_long(argc, argv, "ht:", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_PATH: c.path = optarg; break;
		case OPT_DATE_FORMAT: c.date_format = optarg; break;
		case OPT_TIME_FORMAT: c.time_format = optarg; break;
		case OPT_NULL_VALUE: c.null_value = optarg; break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "ndjson"))
				c.format = SX_FILES_NDJSON;
			else if (!strcmp(optarg, "csv"))
				c.format = SX_FILES_CSV;
			else
				sx_usage_error("--format: expected ndjson or csv, not '%s'", optarg);
			break;
		case OPT_GZIP: c.gzip = 1; break;
		case OPT_MAX_ROWS: c.max_rows = (uint64_t)sx_cli_long("--max-rows", optarg, 1, 2000000000); break;
		case OPT_MAX_BYTES: c.max_bytes = parse_size("--max-bytes", optarg); break;
		case OPT_MAX_AGE:
			c.max_age_us = sx_cli_duration("--max-age", optarg, 0);
			if (c.max_age_us <= 0)
				sx_usage_error("--max-age: must be greater than zero");
			break;
		case OPT_MAX_OPEN: c.max_open = sx_cli_long("--max-open", optarg, 1, 100000); break;
		case OPT_FLUSH: c.flush_us = sx_cli_duration("--flush", optarg, 0); break;
		case OPT_MAX_DELAY: c.max_delay_us = sx_cli_duration("--max-delay", optarg, 0); break;
		case OPT_STATE: c.state = optarg; break;
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	if (cli.commit) /* --commit FILE...: nothing else is needed */
		sx_cli_start(&cli, 0, argc - optind, argv + optind);
	c.time_field = cli.time_field;
	c.time_unit = cli.time_unit;
	c.idle_timeout_us = cli.idle_timeout_us;
	c.defer = cli.defer_commit;
	if (c.idle_timeout_us && !c.time_field)
		sx_usage_error("--idle-timeout needs -t FIELD (without it, time is the clock)");
	char err[512];
	struct sx_filesink *sink = sx_filesink_new(&c, err, sizeof err);
	if (!sink)
		sx_usage_error("%s", err);
	sx_cli_start(&cli, 0, argc - optind, argv + optind);
	sx_filesink_start(sink);
	struct sx_run_opts ro = { argv + optind, argc - optind, SX_FILESINK_TICK_MS };
	sx_run_blocking(&sx_filesink_stage, sx_filesink_before_block, sink, &ro);
	sx_exit(SX_EXIT_OK);
}
