/* sx-emit-powerbi - NDJSON into live Power BI dashboards (SPEC section 6).
 *
 * Options and their combinations only; the engine (batches, delivery,
 * accounting) is common/sx_pbisink.c, rows and bodies common/sx_pbi.c, HTTP
 * common/sx_http.c. */
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_pbisink.h"
#include "sx_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: sx-emit-powerbi --push-url URL [OPTIONS] [FILE...]\n"
	"       sx-emit-powerbi --dataset ID --table NAME [--group ID] [OPTIONS] [FILE...]\n"
	"       sx-emit-powerbi --create-dataset NAME [--table NAME] [--group ID] [OPTIONS] [FILE...]\n"
	"Send NDJSON records as rows to Power BI streaming or push datasets.\n"
	"\n"
	"Target:\n"
	"      --push-url URL        a streaming dataset's push URL (its key= is the credential)\n"
	"      --dataset ID          a push dataset (REST API)\n"
	"      --table NAME          its table\n"
	"      --group ID            the workspace (needed by service principals)\n"
	"      --create-dataset NAME create a push dataset (basicFIFO), schema from the first\n"
	"                            rows, or reuse the one of that name; the table defaults\n"
	"                            to NAME\n"
	"      --api-base URL        default https://api.powerbi.com\n"
	"      --token-file F        read the bearer token from F (again after a 401/403)\n"
	"      --token-command CMD   run CMD (sh -c) for a token; again after a 401/403 and\n"
	"                            before it expires; otherwise $POWERBI_TOKEN\n"
	"\n"
	"Delivery:\n"
	"      --batch N             rows per request (default and at most 10000)\n"
	"      --flush DUR           send a partial batch once its first row has waited DUR\n"
	"                            (default 1s)\n"
	"      --rate-limit on|off   stay within the documented limits (default on)\n"
	"      --max-posts-per-minute N, --max-posts-per-second N, --max-rows-per-hour N\n"
	"                            other limits (default: push 120/minute and 1000000 rows\n"
	"                            an hour, streaming 5/second)\n"
	"      --retry-for DUR       retry 5xx, 429 and network errors for DUR (default 10m)\n"
	"      --timeout DUR         per request (default 60s)\n"
	"      --dead-letter FILE    append undeliverable rows with the reason to FILE\n"
	"      --dry-run             send nothing; print each request as JSON on stdout\n"
	"\n"
	"Errors and diagnostics:\n"
	SX_CLI_HELP_DIAGNOSTICS(" (default: off)")
	"\n"
	"Exit status: 0 every row delivered or dead-lettered, 1 rows not delivered, bad data\n"
	"(under --on-error fail), the service given up on, 2 usage.  See sx-emit-powerbi(1).\n";

enum {
	OPT_PUSH_URL = SX_OPT_TOOL, OPT_DATASET, OPT_TABLE, OPT_GROUP, OPT_CREATE_DATASET,
	OPT_API_BASE, OPT_TOKEN_FILE, OPT_TOKEN_COMMAND, OPT_BATCH, OPT_FLUSH, OPT_RATE_LIMIT,
	OPT_PPM, OPT_PPS, OPT_RPH, OPT_RETRY_FOR, OPT_TIMEOUT, OPT_DEAD_LETTER, OPT_DRY_RUN
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS,
		{ "push-url", required_argument, NULL, OPT_PUSH_URL },
		{ "dataset", required_argument, NULL, OPT_DATASET },
		{ "table", required_argument, NULL, OPT_TABLE },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "create-dataset", required_argument, NULL, OPT_CREATE_DATASET },
		{ "api-base", required_argument, NULL, OPT_API_BASE },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "token-command", required_argument, NULL, OPT_TOKEN_COMMAND },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "flush", required_argument, NULL, OPT_FLUSH },
		{ "rate-limit", required_argument, NULL, OPT_RATE_LIMIT },
		{ "max-posts-per-minute", required_argument, NULL, OPT_PPM },
		{ "max-posts-per-second", required_argument, NULL, OPT_PPS },
		{ "max-rows-per-hour", required_argument, NULL, OPT_RPH },
		{ "retry-for", required_argument, NULL, OPT_RETRY_FOR },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "dead-letter", required_argument, NULL, OPT_DEAD_LETTER },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ 0, 0, 0, 0 }
	};
	struct sx_pbisink_cfg c = {
		.flush_us = 1000000, .retry_for_us = INT64_C(600000000), .timeout_us = 60000000,
	};
	struct sx_cli cli;
	int opt;
	sx_cli_init(&cli, argv[0], usage);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_PUSH_URL: c.push_url = optarg; break;
		case OPT_DATASET: c.dataset = optarg; break;
		case OPT_TABLE: c.table = optarg; break;
		case OPT_GROUP: c.group = optarg; break;
		case OPT_CREATE_DATASET: c.create_dataset = optarg; break;
		case OPT_API_BASE: c.api_base = optarg; break;
		case OPT_TOKEN_FILE: c.token_file = optarg; break;
		case OPT_TOKEN_COMMAND: c.token_command = optarg; break;
		case OPT_BATCH: c.batch = sx_cli_long("--batch", optarg, 1, 1000000); break;
		case OPT_FLUSH:
			c.flush_us = sx_cli_duration("--flush", optarg, 0);
			break;
		case OPT_RATE_LIMIT:
			if (!strcmp(optarg, "off"))
				c.rate_off = 1;
			else if (!strcmp(optarg, "on"))
				c.rate_off = 0;
			else
				sx_usage_error("--rate-limit: expected on or off, not '%s'", optarg);
			break;
		case OPT_PPM: c.posts_per_minute = sx_cli_long("--max-posts-per-minute", optarg, 1, 1000000); break;
		case OPT_PPS: c.posts_per_second = sx_cli_long("--max-posts-per-second", optarg, 1, 1000000); break;
		case OPT_RPH: c.rows_per_hour = sx_cli_long("--max-rows-per-hour", optarg, 1, 1000000000); break;
		case OPT_RETRY_FOR: c.retry_for_us = sx_cli_duration("--retry-for", optarg, 0); break;
		case OPT_TIMEOUT:
			c.timeout_us = sx_cli_duration("--timeout", optarg, 0);
			if (c.timeout_us < 1000)
				sx_usage_error("--timeout: must be at least 1ms");
			break;
		case OPT_DEAD_LETTER: c.dead_letter = optarg; break;
		case OPT_DRY_RUN: c.dry_run = 1; break;
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	c.token_env = getenv("POWERBI_TOKEN");
	if (cli.commit) /* --commit FILE...: nothing else is needed */
		sx_cli_start(&cli, 0, argc - optind, argv + optind);
	struct sx_pbisink sink;
	char err[512];
	if (sx_pbisink_init(&sink, &c, err, sizeof err) < 0)
		sx_usage_error("%s", err);
	sx_cli_start(&cli, 0, argc - optind, argv + optind);
	sx_pbisink_start(&sink);
	struct sx_run_opts ro = { argv + optind, argc - optind, SX_PBISINK_TICK_MS };
	sx_run_blocking(&sx_pbisink_stage, sx_pbisink_before_block, &sink, &ro);
	sx_exit(SX_EXIT_OK); /* not reached: the stage's finish exits */
}
