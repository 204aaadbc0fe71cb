/* Unit tests for common/sx_stats.c */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "sx_err.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_stats.h"
#include "testutil.h"

START_TEST(named_counters)
{
	uint64_t *a = sx_stats_counter("non_numeric");
	uint64_t *b = sx_stats_counter("dropped");
	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_eq(sx_stats_counter("non_numeric"), a); /* same name, same slot */
	ck_assert_uint_eq(*a, 0);
	(*a) += 3;
	ck_assert_uint_eq(*sx_stats_counter("non_numeric"), 3);
	ck_assert_int_eq(sx_stats.nextra, 2);
}
END_TEST

static int too_many_counters(void *arg)
{
	(void)arg;
	sx_set_progname("sx-test");
	static const char *const names[] = { "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8" };
	for (int i = 0; i < 9; i++)
		sx_stats_counter(names[i]);
	return 55;
}

START_TEST(too_many_counters_is_internal_error)
{
	ck_assert_int_eq(tu_run_child(too_many_counters, NULL, NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt", "sx-test: internal error: too many counters\n");
}
END_TEST

/* What sx_cli_start does, then some work, then exit: --stats prints one
 * JSON line whose numbers are the counters at exit. */
static int stats_run(void *arg)
{
	(void)arg;
	sx_set_progname("/opt/sx/bin/sx-window");
	if (sx_onerror_set("skip") < 0)
		return 99;
	sx_out_init_stdout();
	sx_stats_start(1, 0);
	sx_stats.records_in = 5;
	sx_stats.records_out = 2;
	sx_stats.late = 1;
	sx_stats.bytes_in = 1234;
	*sx_stats_counter("non_numeric") = 7;
	sx_data_error("a", 1, "x", "", 0);
	sx_data_error("a", 2, "y", "", 0);
	sx_out_puts(&sx_stdout, "{\"n\":1}\n");
	sx_out_flush(&sx_stdout);
	sx_out_puts(&sx_stdout, "{\"n\":22}\n"); /* still buffered when stats print */
	sx_exit(0);
}

START_TEST(stats_json_line_at_exit)
{
	ck_assert_int_eq(tu_run_child(stats_run, NULL, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "{\"n\":1}\n{\"n\":22}\n");
	char *err = tu_slurp("err.txt");
	/* the two skip messages, the skip summary and one JSON line */
	ck_assert_int_eq(tu_count(err, "{\"tool\""), 1);
	char *line = strstr(err, "{\"tool\"");
	ck_assert_ptr_nonnull(line);
	char *nl = strchr(line, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	/* The documented shape, in this order. */
	const char *prefix = "{\"tool\":\"sx-window\",\"records_in\":5,\"records_out\":2,"
			     "\"rejected\":2,\"late\":1,\"bytes_in\":1234,\"bytes_out\":17,\"elapsed_s\":";
	ck_assert_msg(strncmp(line, prefix, strlen(prefix)) == 0, "got %s", line);
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);
	ck_assert_msg(j != NULL, "not JSON: %s", line);
	ck_assert(json_is_real(json_object_get(j, "elapsed_s")));
	double el = json_real_value(json_object_get(j, "elapsed_s"));
	ck_assert(el >= 0.0 && el < 30.0);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "non_numeric")), 7);
	ck_assert_uint_eq(json_object_size(j), 9);
	json_decref(j);
	free(err);
}
END_TEST

static int no_stats_run(void *arg)
{
	(void)arg;
	sx_out_init_stdout();
	sx_stats_start(0, 0);
	sx_stats.records_in = 5;
	sx_exit(0);
}

START_TEST(no_stats_no_output)
{
	ck_assert_int_eq(tu_run_child(no_stats_run, NULL, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("err.txt", "");
	tu_assert_file_eq("out.txt", "");
}
END_TEST

static int progress_run(void *arg)
{
	(void)arg;
	sx_set_progname("sx-ingest");
	sx_stats_start(0, 1);
	sx_stats.records_in = 4096 * 3;
	sx_stats.bytes_in = 2500000;
	sx_stats.event_time = 1767225600000000; /* 2026-01-01 */
	sx_progress_update();  /* shown */
	sx_progress_update();  /* within half a second: not shown again */
	for (int i = 0; i < 3 * 4096; i++)
		sx_progress_tick(); /* looks at the clock, but too soon to print */
	sx_stats.records_in++;
	sx_exit(0);            /* the final numbers, and a newline */
}

START_TEST(progress_line_refreshes_and_ends_with_newline)
{
	ck_assert_int_eq(tu_run_child(progress_run, NULL, NULL, "err.txt"), 0);
	char *err = tu_slurp("err.txt");
	ck_assert_int_eq(tu_count(err, "\r"), 2);
	ck_assert_ptr_nonnull(strstr(err, "\rsx-ingest: 12288 records, "));
	ck_assert_ptr_nonnull(strstr(err, "\rsx-ingest: 12289 records, ")); /* at exit */
	ck_assert_ptr_nonnull(strstr(err, "2.5 MB read, event time 2026-01-01T00:00:00.000Z\033[K"));
	ck_assert(strlen(err) > 0 && err[strlen(err) - 1] == '\n');
	ck_assert_int_eq(tu_count(err, "\n"), 1);
	free(err);
	ck_assert_int_eq(sx_progress_on, 0); /* only the child turned it on */
}
END_TEST

/* Defect (issue 12, 5): --stats counted rows a failed write never
 * delivered.  With sx_stats_records_to, stdout is flushed before the stats
 * print, and the rows the full disk refused are not counted. */
static int undelivered_run(void *arg)
{
	(void)arg;
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		return 77;
	dup2(fd, 1);
	close(fd);
	sx_set_progname("sx-join");
	sx_out_init_stdout();
	sx_stats_start(1, 0);
	sx_stats_records_to(&sx_stdout);
	sx_out_puts(&sx_stdout, "{\"n\":1}\n{\"n\":2}\n");
	sx_stats.records_out = 2;
	sx_exit(0);
}

START_TEST(test_defect_stats_count_undelivered_rows)
{
	int rc = tu_run_child(undelivered_run, NULL, NULL, "err.txt");
	if (rc == 77)
		return; /* no /dev/full */
	ck_assert_int_eq(rc, 1);
	char *err = tu_slurp("err.txt");
	const char *want = "sx-join: write error on stdout: No space left on device\n"
			   "{\"tool\":\"sx-join\",\"records_in\":0,\"records_out\":0,\"rejected\":0,"
			   "\"late\":0,\"bytes_in\":0,\"bytes_out\":0,\"elapsed_s\":";
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);
	free(err);
}
END_TEST

Suite *sx_stats_suite(void)
{
	Suite *s = suite_create("sx_stats");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_test(tc, named_counters);
	tcase_add_test(tc, too_many_counters_is_internal_error);
	tcase_add_test(tc, stats_json_line_at_exit);
	tcase_add_test(tc, no_stats_no_output);
	tcase_add_test(tc, progress_line_refreshes_and_ends_with_newline);
	tcase_add_test(tc, test_defect_stats_count_undelivered_rows);
	suite_add_tcase(s, tc);
	return s;
}
