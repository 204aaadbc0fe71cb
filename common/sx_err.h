/*
 * sx_err.h - diagnostics, exit statuses and allocation that never returns NULL.
 *
 * Every message goes to stderr prefixed with the tool's name ("sx-ingest: ...").
 * A format ending in ':' gets ": strerror(errno)" appended (sbase eprintf rule).
 * Exit statuses are fixed: 0 success, 1 runtime failure, 2 usage error
 * (documented in sx.7).
 *
 * Who may exit.  Library code reports and returns -1 for whatever its caller
 * can handle (a bad value, a file that will not open, a write to a file it
 * was handed).  An exit (through sx_exit or sx_die, so the exit hooks run)
 * happens only
 *  - in any module, for a resource that ran out (memory: the sx_x allocators
 *    and SX_GROW; a size limit; a libcurl handle) or a broken internal
 *    invariant ("internal error: ..."), status 1: nothing the caller could do;
 *  - on the control side: the cmd/ mains and sx_cli (usage errors, status 2;
 *    --help, --version, --commit), the drivers sx_run, sx_run2 and
 *    sx_sources (input that cannot be read), the data-error policy sx_onerror
 *    (--on-error fail; a dead-letter file that cannot be written) and the
 *    stages sx_winstage, sx_joinstage, sx_ref, sx_sqlsink and sx_pbisink
 *    (their own files; a signal);
 *  - when stdout cannot be written: sx_out's default fail callback, which a
 *    stage may replace (sx_sqlsink's reports what reached the database).
 * Leaf modules (buffers, hashing, JSON, CSV, time, SQL text, the engines
 * sx_window, sx_join, sx_agg, ...) never exit for anything else.
 */
#ifndef SX_ERR_H
#define SX_ERR_H

#include <signal.h>
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

/*
 * SIGINT and SIGTERM, caught once for the whole tool by whoever must finish
 * what it holds before exiting 128 + the signal (the live sources, the
 * stages): sx_stop_signal is the last one caught, 0 before.  No SA_RESTART,
 * so a blocking read or poll returns EINTR and the loop sees the flag.
 */
extern volatile sig_atomic_t sx_stop_signal;
void sx_catch_stop_signals(void);

void *sx_xmalloc(size_t n);
void *sx_xcalloc(size_t n, size_t size);
void *sx_xrealloc(void *p, size_t n);
/* realloc for arrays: n * size with overflow checking */
void *sx_xreallocarray(void *p, size_t n, size_t size);
char *sx_xstrdup(const char *s);
char *sx_xstrndup(const char *s, size_t n);

#endif
