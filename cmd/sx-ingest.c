/* sx-ingest - anything to clean NDJSON events.  Not implemented yet. */
#include "sx_cli.h"
#include "sx_err.h"

#include <stdio.h>

static const char usage[] =
	"Usage: sx-ingest [OPTIONS] [FILE...]\n"
	"sx-ingest: anything to clean NDJSON events (not implemented yet).\n"
	"\n"
	"  -h, --help     show this help and exit\n"
	"      --version  show the version and exit\n"
	"\n"
	"See sx-ingest(1).\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = { SX_COMMON_LONGOPTS, { 0, 0, 0, 0 } };
	struct sx_cli cli;
	int opt;
	sx_cli_init(&cli, argv[0], usage);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		sx_cli_common(&cli, opt, optarg);
	sx_die(SX_EXIT_USAGE, "not implemented yet");
}
