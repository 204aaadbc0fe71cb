/*
 * sx_err.h - diagnostics, exit statuses and allocation that never returns NULL.
 *
 * Every message goes to stderr prefixed with the tool's name ("sx-ingest: ...").
 * A format ending in ':' gets ": strerror(errno)" appended (sbase eprintf rule).
 * Library code reports and returns -1; only cmd/ mains, the driver and the
 * data-error policy decide to exit.  Exit statuses are fixed: 0 success,
 * 1 runtime failure, 2 usage error (documented in sx.7).
 */
#ifndef SX_ERR_H
#define SX_ERR_H

#include <stddef.h>
#include <stdarg.h>

enum { SX_EXIT_OK = 0, SX_EXIT_FAIL = 1, SX_EXIT_USAGE = 2 };

extern const char *sx_progname;

void sx_set_progname(const char *argv0);

/* "sx-tool: msg" on stderr; returns -1 so callers can `return sx_error(...)`. */
int sx_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sx_vwarn(const char *fmt, va_list ap);

/* Print and exit with `status` after running the registered exit hooks. */
_Noreturn void sx_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error: message, a hint to run --help, exit 2. */
_Noreturn void sx_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Exit hooks run (last registered first) by sx_exit(), sx_die() and at normal
 * exit through sx_exit(): flush stdout, finish dead-letter files, save state.
 * A hook that fails may call sx_die(); hooks already run are not run again.
 */
typedef void (*sx_exit_hook)(void *arg);
void sx_on_exit(sx_exit_hook fn, void *arg);
/* The status sx_exit() was called with, readable by hooks (-1 before). */
extern int sx_exit_status;
_Noreturn void sx_exit(int status);

void *sx_xmalloc(size_t n);
void *sx_xcalloc(size_t n, size_t size);
void *sx_xrealloc(void *p, size_t n);
/* realloc for arrays: n * size with overflow checking */
void *sx_xreallocarray(void *p, size_t n, size_t size);
char *sx_xstrdup(const char *s);
char *sx_xstrndup(const char *s, size_t n);

#endif
