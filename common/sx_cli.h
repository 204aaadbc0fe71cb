/*
 * sx_cli.h - the option handling every tool shares.
 *
 * Each cmd/sx-*.c builds its getopt_long table from SX_COMMON_LONGOPTS (and
 * SX_TIME_LONGOPTS for time-aware tools) plus its own entries, and passes
 * every option it does not know itself to sx_cli_common(), which handles
 * --help, --version, --on-error, --stats, --progress/--no-progress, --commit,
 * --defer-commit, -t/--time, --time-unit, --idle-timeout.  Tool-specific
 * option codes start at SX_OPT_TOOL.
 */
#ifndef SX_CLI_H
#define SX_CLI_H

#include <getopt.h>
#include <stdint.h>
#include "sx_time.h"

#define SX_VERSION "0.1.0"

enum {
	SX_OPT_VERSION = 0x1000, SX_OPT_ON_ERROR, SX_OPT_STATS, SX_OPT_PROGRESS,
	SX_OPT_NO_PROGRESS, SX_OPT_TIME_UNIT, SX_OPT_IDLE_TIMEOUT,
	SX_OPT_COMMIT, SX_OPT_DEFER_COMMIT,
	SX_OPT_TOOL = 0x1100
};

#define SX_COMMON_LONGOPTS                                              \
	{ "help", no_argument, NULL, 'h' },                             \
	{ "version", no_argument, NULL, SX_OPT_VERSION },               \
	{ "on-error", required_argument, NULL, SX_OPT_ON_ERROR },       \
	{ "stats", no_argument, NULL, SX_OPT_STATS },                   \
	{ "progress", no_argument, NULL, SX_OPT_PROGRESS },             \
	{ "no-progress", no_argument, NULL, SX_OPT_NO_PROGRESS },       \
	{ "commit", no_argument, NULL, SX_OPT_COMMIT }

/* For tools that save progress (--checkpoint, --state). */
#define SX_DEFER_LONGOPTS                                               \
	{ "defer-commit", no_argument, NULL, SX_OPT_DEFER_COMMIT }

/* -t and --time-unit only: for sx-ingest, which reads times but has no
 * watermark for --idle-timeout to move. */
#define SX_TIME_FIELD_LONGOPTS                                          \
	{ "time", required_argument, NULL, 't' },                       \
	{ "time-unit", required_argument, NULL, SX_OPT_TIME_UNIT }

/* For the tools with a watermark (sx-window, sx-join). */
#define SX_TIME_LONGOPTS                                                \
	SX_TIME_FIELD_LONGOPTS,                                         \
	{ "idle-timeout", required_argument, NULL, SX_OPT_IDLE_TIMEOUT }

/* The --help lines of the options sx_cli_common handles for every tool;
 * PROGRESS is what --progress defaults to: " (default: off)", or "". */
#define SX_CLI_HELP_DIAGNOSTICS(progress)                                               \
	"      --on-error POLICY     fail (default), skip, or dead-letter=FILE\n"         \
	"      --stats               print counters as one JSON line on stderr at exit\n" \
	"      --progress, --no-progress  status line on stderr" progress "\n"          \
	"  -h, --help                show this help and exit\n"                           \
	"      --version             show the version and exit\n"

struct sx_cli {
	const char *usage;          /* full --help text */
	int stats;                  /* --stats */
	int progress;               /* -1 default, 0 off, 1 on */
	const char *time_field;     /* -t */
	enum sx_time_unit time_unit;
	int64_t idle_timeout_us;    /* 0 = off */
	int commit;                 /* --commit: promote the operands' .pending files */
	int defer_commit;           /* --defer-commit */
};

/* Set the program name, line-buffer nothing, ignore nothing: call first. */
void sx_cli_init(struct sx_cli *c, const char *argv0, const char *usage);
/* Handle a shared option; returns 1 if handled, exits on --help/--version
 * (status 0) and on bad arguments or unknown options (status 2). */
int sx_cli_common(struct sx_cli *c, int opt, const char *arg);
/* A duration argument of option NAME, or a usage error. */
int64_t sx_cli_duration(const char *name, const char *arg, int allow_sign);
/* An integer argument of option NAME from MIN to MAX, or a usage error. */
long sx_cli_long(const char *name, const char *arg, long min, long max);
/* Split an option's "a,b,c" argument into a malloc'd array of malloc'd
 * names (the caller frees both); an empty name is a usage error. */
char **sx_cli_list(const char *name, const char *arg, int *n);
/* Once options are parsed, with the operands: performs --commit (promotes
 * each operand's FILE.pending, all or nothing, and exits 0 or 1); otherwise
 * starts stdout buffering and --stats/--progress. */
void sx_cli_start(struct sx_cli *c, int progress_default, int nargs, char **args);

#endif
