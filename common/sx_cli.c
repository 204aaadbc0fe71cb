/* sx_cli.c - shared option handling (see sx_cli.h). */
#include "sx_cli.h"
#include "sx_commit.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_stats.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sx_cli_init(struct sx_cli *c, const char *argv0, const char *usage)
{
	memset(c, 0, sizeof *c);
	sx_set_progname(argv0);
	/* jansson's allocations checked once for all: a JSON value it could not
	 * build would otherwise vanish silently from a saved state. */
	json_set_alloc_funcs(sx_xmalloc, free);
	c->usage = usage;
	c->progress = -1;
	c->time_unit = SX_UNIT_S;
}

int sx_cli_common(struct sx_cli *c, int opt, const char *arg)
{
	switch (opt) {
	case 'h':
		fputs(c->usage, stdout);
		if (fflush(stdout) != 0 || ferror(stdout))
			sx_die(SX_EXIT_FAIL, "write error on stdout:");
		exit(SX_EXIT_OK);
	case SX_OPT_VERSION:
		printf("%s (sx) %s\n", sx_progname, SX_VERSION);
		if (fflush(stdout) != 0 || ferror(stdout))
			sx_die(SX_EXIT_FAIL, "write error on stdout:");
		exit(SX_EXIT_OK);
	case SX_OPT_ON_ERROR:
		if (sx_onerror_set(arg) < 0)
			sx_usage_error("--on-error: expected fail, skip or dead-letter=FILE, not '%s'", arg);
		return 1;
	case SX_OPT_STATS:
		c->stats = 1;
		return 1;
	case SX_OPT_PROGRESS:
		c->progress = 1;
		return 1;
	case SX_OPT_NO_PROGRESS:
		c->progress = 0;
		return 1;
	case SX_OPT_COMMIT:
		c->commit = 1;
		return 1;
	case SX_OPT_DEFER_COMMIT:
		c->defer_commit = 1;
		return 1;
	case 't':
		if (!*arg)
			sx_usage_error("--time: empty field name");
		c->time_field = arg;
		return 1;
	case SX_OPT_TIME_UNIT:
		if (sx_time_unit_parse(arg, &c->time_unit) < 0)
			sx_usage_error("--time-unit: expected s, ms, us or ns, not '%s'", arg);
		return 1;
	case SX_OPT_IDLE_TIMEOUT:
		c->idle_timeout_us = sx_cli_duration("--idle-timeout", arg, 0);
		if (c->idle_timeout_us <= 0)
			sx_usage_error("--idle-timeout: must be greater than zero");
		return 1;
	case ':':
	case '?':
		/* getopt_long has already said what was wrong */
		fprintf(stderr, "Try '%s --help' for more information.\n", sx_progname);
		exit(SX_EXIT_USAGE);
	default:
		return 0;
	}
}

int64_t sx_cli_duration(const char *name, const char *arg, int allow_sign)
{
	int64_t us;
	if (sx_duration_parse(arg, allow_sign, &us) < 0) {
		char hint[128];
		sx_duration_hint(arg, allow_sign, hint, sizeof hint);
		sx_usage_error("%s: bad duration '%s'%s", name, arg, hint);
	}
	return us;
}

long sx_cli_long(const char *name, const char *arg, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		sx_usage_error("%s: expected an integer from %ld to %ld, not '%s'", name, min, max, arg);
	return v;
}

void sx_cli_start(struct sx_cli *c, int progress_default, int nargs, char **args)
{
	if (c->commit) {
		if (nargs == 0)
			sx_usage_error("--commit: name the progress files to commit");
		exit(sx_commit_promote(args, nargs) < 0 ? SX_EXIT_FAIL : SX_EXIT_OK);
	}
	sx_out_init_stdout();
	int progress = c->progress < 0 ? progress_default : c->progress;
	sx_stats_start(c->stats, progress);
}

char **sx_cli_list(const char *name, const char *arg, int *n)
{
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	const char *p = arg;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0)
			sx_usage_error("%s: empty name in '%s'", name, arg);
		SX_GROW(v, cnt + 1, cap);
		v[cnt++] = sx_xstrndup(p, len);
		if (!comma)
			break;
		p = comma + 1;
	}
	if (cnt > INT_MAX)
		sx_usage_error("%s: too many names", name);
	*n = (int)cnt;
	return v;
}
