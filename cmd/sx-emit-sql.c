/* sx-emit-sql - NDJSON into SQL databases (SPEC section 5).
 *
 * Options and their combinations only; the engine (batches, type inference,
 * commits, delivery accounting) is common/sx_sqlsink.c and the SQL text
 * common/sx_sql.c. */
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_out.h"
#include "sx_run.h"
#include "sx_sql.h"
#include "sx_sqlsink.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: sx-emit-sql --table NAME [OPTIONS] [FILE...] | sqlite3 DB  (or psql, sqlcmd)\n"
	"Write NDJSON records as SQL text for the database's own client.\n"
	"\n"
	"Target:\n"
	"      --table NAME          table to load (schema.table allowed)\n"
	"      --dialect D           sqlite (default), postgres or tsql\n"
	"      --batch N             rows per INSERT statement (default 500; T-SQL at most 1000)\n"
	"      --commit-every N      rows per transaction (default 10000); also commits when\n"
	"                            input goes quiet, when rows have waited 200 ms, and at\n"
	"                            the end\n"
	"      --copy                PostgreSQL: load with COPY ... FROM STDIN\n"
	"\n"
	"Columns:\n"
	"      --create              CREATE TABLE IF NOT EXISTS, a column's type from its\n"
	"                            first value; later fields added (ALTER TABLE ADD COLUMN)\n"
	"      --schema COL:TYPE,... force column types: int, float, bool, timestamp, text, json\n"
	"      --columns A,B,C       load only these columns; other fields are ignored\n"
	"      --evolve              add columns for new fields to an existing table\n"
	"      --key A,B             key columns (the primary key with --create)\n"
	"      --upsert              insert or update by --key (reruns are idempotent)\n"
	"\n"
	"Errors and diagnostics:\n"
	SX_CLI_HELP_DIAGNOSTICS(" (default: off)")
	"\n"
	"Exit status: 0 success, 1 bad data (under --on-error fail), I/O error or rows not\n"
	"delivered, 2 usage.  See sx-emit-sql(1) and sx(7).\n";

enum {
	OPT_TABLE = SX_OPT_TOOL, OPT_DIALECT, OPT_BATCH, OPT_COMMIT_EVERY, OPT_COPY, OPT_CREATE,
	OPT_SCHEMA, OPT_COLUMNS, OPT_EVOLVE, OPT_KEY, OPT_UPSERT
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS,
		{ "table", required_argument, NULL, OPT_TABLE },
		{ "dialect", required_argument, NULL, OPT_DIALECT },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "commit-every", required_argument, NULL, OPT_COMMIT_EVERY },
		{ "copy", no_argument, NULL, OPT_COPY },
		{ "create", no_argument, NULL, OPT_CREATE },
		{ "schema", required_argument, NULL, OPT_SCHEMA },
		{ "columns", required_argument, NULL, OPT_COLUMNS },
		{ "evolve", no_argument, NULL, OPT_EVOLVE },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "upsert", no_argument, NULL, OPT_UPSERT },
		{ 0, 0, 0, 0 }
	};
	struct sx_sqlsink_cfg c = { .dialect = SX_SQL_SQLITE, .batch = 500, .commit_every = 10000 };
	struct sx_cli cli;
	int opt;
	sx_cli_init(&cli, argv[0], usage);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_TABLE: c.table = optarg; break;
		case OPT_DIALECT:
			if (sx_sql_dialect_parse(optarg, &c.dialect) < 0)
				sx_usage_error("--dialect: expected sqlite, postgres or tsql, not '%s'", optarg);
			break;
		case OPT_BATCH:
			c.batch = sx_cli_long("--batch", optarg, 1, 1000000);
			break;
		case OPT_COMMIT_EVERY:
			c.commit_every = sx_cli_long("--commit-every", optarg, 1, 1000000000);
			break;
		case OPT_COPY: c.copy = 1; break;
		case OPT_CREATE: c.create = 1; break;
		case OPT_SCHEMA: c.schema = optarg; break;
		case OPT_COLUMNS: c.columns = optarg; break;
		case OPT_EVOLVE: c.evolve = 1; break;
		case OPT_KEY: c.key = optarg; break;
		case OPT_UPSERT: c.upsert = 1; break;
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	/* --commit promotes progress files and exits: no table needed */
	if (cli.commit)
		sx_cli_start(&cli, 0, argc - optind, argv + optind);
	const char *why;
	if (!c.table)
		sx_usage_error("--table NAME is required");
	if (sx_sql_table_check(c.dialect, c.table, &why) < 0)
		sx_usage_error("--table: '%s': %s", c.table, why);
	if (c.copy && c.dialect != SX_SQL_POSTGRES)
		sx_usage_error("--copy needs --dialect postgres");
	if (c.dialect == SX_SQL_TSQL && c.batch > 1000)
		sx_usage_error("--batch: T-SQL allows at most 1000 rows per INSERT, not %ld", c.batch);
	if (c.upsert && !c.key)
		sx_usage_error("--upsert needs --key COLUMNS");
	if (c.copy && c.upsert) {
		const char *last = strrchr(c.table, '.');
		last = last ? last + 1 : c.table;
		if (!strcmp(last, SX_SQL_STAGE))
			sx_usage_error("--table: '%s' is the name of the temporary table --copy --upsert "
				       "stages rows in; load it without --copy", c.table);
	}
	if (c.columns && c.evolve)
		sx_usage_error("--columns fixes the column list; it cannot be combined with --evolve");
	char err[512];
	struct sx_sqlsink *sink = sx_sqlsink_new(&c, err, sizeof err);
	if (!sink)
		sx_usage_error("%s", err);
	sx_cli_start(&cli, 0, argc - optind, argv + optind);
	sx_sqlsink_start(sink);
	struct sx_run_opts ro = { argv + optind, argc - optind, SX_SQLSINK_IDLE_FLUSH_MS };
	sx_run_blocking(&sx_sqlsink_stage, sx_sqlsink_before_block, sink, &ro);
	/* deliver (or report) everything while the accounting still exists */
	sx_out_flush(&sx_stdout);
	sx_sqlsink_free(sink);
	sx_exit(SX_EXIT_OK);
}
