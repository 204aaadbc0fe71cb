/* Unit tests for common/sx_err.c */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sx_err.h"
#include "testutil.h"

START_TEST(progname_is_basename)
{
	sx_set_progname("/usr/local/bin/sx-window");
	ck_assert_str_eq(sx_progname, "sx-window");
	sx_set_progname("sx-join");
	ck_assert_str_eq(sx_progname, "sx-join");
	sx_set_progname("./build/sx-ingest");
	ck_assert_str_eq(sx_progname, "sx-ingest");
}
END_TEST

/* A format ending in ':' gets ": strerror(errno)"; errno survives the call. */
START_TEST(warn_appends_strerror_after_colon)
{
	sx_set_progname("sx-test");
	int saved = tu_capture_stderr("err.txt");
	errno = ENOENT;
	sx_warn("%s:", "in.csv");
	ck_assert_int_eq(errno, ENOENT);
	errno = EACCES;
	ck_assert_int_eq(sx_error("cannot open %s", "x"), -1);
	ck_assert_int_eq(errno, EACCES);
	sx_warn("plain %d", 42);
	sx_warn("%s", "a colon in the argument is not the format's: ");
	tu_restore_stderr(saved);
	tu_assert_file_eq("err.txt",
			  "sx-test: in.csv: No such file or directory\n"
			  "sx-test: cannot open x\n"
			  "sx-test: plain 42\n"
			  "sx-test: a colon in the argument is not the format's: \n");
}
END_TEST

static int order_log[8], norder;
static void hook_log(void *arg)
{
	order_log[norder++] = (int)(intptr_t)arg;
	fprintf(stderr, "hook %d status %d\n", (int)(intptr_t)arg, sx_exit_status);
}

static int die_with_hooks(void *arg)
{
	(void)arg;
	sx_set_progname("sx-test");
	sx_on_exit(hook_log, (void *)1);
	sx_on_exit(hook_log, (void *)2);
	sx_on_exit(hook_log, (void *)3);
	errno = ENOSPC;
	sx_die(SX_EXIT_FAIL, "out.ndjson: write error:");
}

/* Hooks run last registered first, after the message, with the status. */
START_TEST(die_runs_hooks_in_reverse)
{
	ck_assert_int_eq(tu_run_child(die_with_hooks, NULL, NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt",
			  "sx-test: out.ndjson: write error: No space left on device\n"
			  "hook 3 status 1\nhook 2 status 1\nhook 1 status 1\n");
}
END_TEST

static int hook_runs;
static void hook_dies(void *arg)
{
	(void)arg;
	hook_runs++;
	fprintf(stderr, "dying hook run %d\n", hook_runs);
	sx_die(SX_EXIT_FAIL, "hook failed");
}

static int exit_hook_dies(void *arg)
{
	(void)arg;
	sx_set_progname("sx-test");
	sx_on_exit(hook_log, (void *)1);
	sx_on_exit(hook_dies, NULL);
	sx_exit(0);
}

/* A hook that dies is not run again, the hooks below it still run, and the
 * final status is the worse one. */
START_TEST(dying_hook_runs_once_and_status_is_worst)
{
	ck_assert_int_eq(tu_run_child(exit_hook_dies, NULL, NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt",
			  "dying hook run 1\nsx-test: hook failed\nhook 1 status 1\n");
}
END_TEST

static void hook_exit0(void *arg)
{
	(void)arg;
	sx_exit(0); /* a lower status does not hide a failure */
}

static int exit_status_kept(void *arg)
{
	(void)arg;
	sx_on_exit(hook_exit0, NULL);
	sx_exit(SX_EXIT_USAGE);
}

START_TEST(lower_status_in_hook_does_not_win)
{
	ck_assert_int_eq(tu_run_child(exit_status_kept, NULL, NULL, NULL), 2);
}
END_TEST

static int usage_error(void *arg)
{
	(void)arg;
	sx_set_progname("bin/sx-window");
	sx_usage_error("--tumbling: bad duration '%s'", "5x");
}

START_TEST(usage_error_exits_2_with_hint)
{
	ck_assert_int_eq(tu_run_child(usage_error, NULL, "out.txt", "err.txt"), 2);
	tu_assert_file_eq("err.txt", "sx-window: --tumbling: bad duration '5x'\n"
				     "Try 'sx-window --help' for more information.\n");
	tu_assert_file_eq("out.txt", "");
}
END_TEST

static int overflowing_array(void *arg)
{
	(void)arg;
	sx_set_progname("sx-test");
	void *p = sx_xreallocarray(NULL, SIZE_MAX / 4, 8);
	free(p);
	return 0;
}

START_TEST(reallocarray_overflow_is_out_of_memory)
{
	ck_assert_int_eq(tu_run_child(overflowing_array, NULL, NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt", "sx-test: out of memory\n");
}
END_TEST

START_TEST(checked_allocation)
{
	/* zero sizes still give a pointer that can be freed */
	void *p = sx_xmalloc(0);
	ck_assert_ptr_nonnull(p);
	free(p);
	char *c = sx_xcalloc(4, 0);
	ck_assert_ptr_nonnull(c);
	free(c);
	int *z = sx_xcalloc(8, sizeof *z);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(z[i], 0);
	z = sx_xreallocarray(z, 1000, sizeof *z);
	z[999] = 7;
	free(z);
	char *s = sx_xstrdup("hello");
	ck_assert_str_eq(s, "hello");
	free(s);
	s = sx_xstrndup("hello", 3);
	ck_assert_str_eq(s, "hel");
	free(s);
	s = sx_xstrndup("a\0b", 3); /* n bytes copied, NUL-terminated after them */
	ck_assert(s[0] == 'a' && s[1] == '\0' && s[2] == 'b' && s[3] == '\0');
	free(s);
}
END_TEST

/* SIGINT and SIGTERM are caught, not fatal: the last one is in
 * sx_stop_signal for the tool to finish and exit 128 + it. */
START_TEST(stop_signals_are_caught_once_for_all)
{
	sx_stop_signal = 0;
	sx_catch_stop_signals();
	ck_assert_int_eq(raise(SIGTERM), 0);
	ck_assert_int_eq(sx_stop_signal, SIGTERM);
	ck_assert_int_eq(raise(SIGINT), 0);
	ck_assert_int_eq(sx_stop_signal, SIGINT);
	struct sigaction sa;
	ck_assert_int_eq(sigaction(SIGTERM, NULL, &sa), 0);
	ck_assert_int_eq(sa.sa_flags & SA_RESTART, 0); /* a blocked read returns EINTR */
}
END_TEST

Suite *sx_err_suite(void)
{
	Suite *s = suite_create("sx_err");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_test(tc, progname_is_basename);
	tcase_add_test(tc, warn_appends_strerror_after_colon);
	tcase_add_test(tc, die_runs_hooks_in_reverse);
	tcase_add_test(tc, dying_hook_runs_once_and_status_is_worst);
	tcase_add_test(tc, lower_status_in_hook_does_not_win);
	tcase_add_test(tc, usage_error_exits_2_with_hint);
	tcase_add_test(tc, reallocarray_overflow_is_out_of_memory);
	tcase_add_test(tc, checked_allocation);
	tcase_add_test(tc, stop_signals_are_caught_once_for_all);
	suite_add_tcase(s, tc);
	return s;
}
