/* sx_err.c - diagnostics, exit hooks and checked allocation (see sx_err.h). */
#include "sx_err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

const char *sx_progname = "sx";

void sx_set_progname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	sx_progname = slash ? slash + 1 : argv0;
}

void sx_vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);
	fprintf(stderr, "%s: ", sx_progname);
	vfprintf(stderr, fmt, ap);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void sx_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sx_vwarn(fmt, ap);
	va_end(ap);
}

int sx_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sx_vwarn(fmt, ap);
	va_end(ap);
	return -1;
}

#define MAX_HOOKS 16
static struct { sx_exit_hook fn; void *arg; } hooks[MAX_HOOKS];
static int nhooks;

void sx_on_exit(sx_exit_hook fn, void *arg)
{
	if (nhooks == MAX_HOOKS) {
		fprintf(stderr, "%s: internal error: too many exit hooks\n", sx_progname);
		abort();
	}
	hooks[nhooks].fn = fn;
	hooks[nhooks].arg = arg;
	nhooks++;
}

int sx_exit_status = -1;

_Noreturn void sx_exit(int status)
{
	if (sx_exit_status < 0 || status > sx_exit_status)
		sx_exit_status = status;
	/* Pop before calling, so a hook that dies does not run itself again. */
	while (nhooks > 0) {
		nhooks--;
		hooks[nhooks].fn(hooks[nhooks].arg);
	}
	exit(sx_exit_status);
}

_Noreturn void sx_die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sx_vwarn(fmt, ap);
	va_end(ap);
	sx_exit(status);
}

_Noreturn void sx_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sx_vwarn(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", sx_progname);
	exit(SX_EXIT_USAGE);
}

volatile sig_atomic_t sx_stop_signal;

static void on_stop_signal(int sig)
{
	sx_stop_signal = sig;
}

void sx_catch_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static _Noreturn void oom(void)
{
	fprintf(stderr, "%s: out of memory\n", sx_progname);
	exit(SX_EXIT_FAIL);
}

void *sx_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *sx_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *sx_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

void *sx_xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom();
	return sx_xrealloc(p, n * size);
}

char *sx_xstrdup(const char *s)
{
	return sx_xstrndup(s, strlen(s));
}

char *sx_xstrndup(const char *s, size_t n)
{
	char *p = sx_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
