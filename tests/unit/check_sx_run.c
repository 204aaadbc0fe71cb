/* Unit tests for common/sx_run.c */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_err.h"
#include "sx_in.h"
#include "sx_json.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_run.h"
#include "sx_stats.h"
#include "testutil.h"

/* A stage that writes "FILE:LINE v=<v>" per record to stdout, rejects
 * records with "reject":true, and counts finish and tick calls. */
struct recorder {
	int records, finishes, ticks;
	int write_fd;             /* tick: the pipe to feed, -1 when done */
	char stdout_at_tick[256]; /* what stdout held at the first tick */
};

static int rec_record(void *st, struct sx_rec *rec, const char **why)
{
	struct recorder *r = st;
	r->records++;
	const struct sx_field *rej = sx_rec_get(rec, "reject");
	if (rej && rej->type == SX_JTRUE) {
		*why = "rejected by the stage";
		return SX_REJECT;
	}
	const struct sx_field *v = sx_rec_get(rec, "v");
	char line[128];
	int n = snprintf(line, sizeof line, "%s:%llu v=%.*s\n", sx_run_pos.file,
			 (unsigned long long)sx_run_pos.line, v ? (int)v->val_len : 1, v ? v->val : "-");
	sx_out_write(&sx_stdout, line, (size_t)n);
	return SX_OK;
}

static void rec_finish(void *st)
{
	struct recorder *r = st;
	r->finishes++;
	sx_out_puts(&sx_stdout, "finish\n");
}

static void rec_tick(void *st)
{
	struct recorder *r = st;
	if (r->ticks++ == 0) {
		/* what was read before the wait is already flushed */
		char *out = tu_read_file(tu_path("out.txt"), NULL);
		snprintf(r->stdout_at_tick, sizeof r->stdout_at_tick, "%s", out ? out : "");
		free(out);
		/* now the second line, and EOF */
		const char *l = "{\"v\":2}\n";
		ck_assert_int_eq(write(r->write_fd, l, strlen(l)), (ssize_t)strlen(l));
		close(r->write_fd);
		r->write_fd = -1;
	}
}

static const struct sx_stage stage = { rec_record, NULL, rec_finish };
static const struct sx_stage ticking_stage = { rec_record, rec_tick, rec_finish };

/* stdout to tu_dir/out.txt for the rest of this (forked) test. */
static void stdout_to_file(void)
{
	int fd = open(tu_path("out.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 1), 1);
	close(fd);
	sx_out_init_stdout();
}

START_TEST(records_blank_lines_and_crlf)
{
	sx_set_progname("sx-test");
	char f[600];
	snprintf(f, sizeof f, "%s", tu_path("in.ndjson"));
	const char *text = "{\"v\":1}\n\n   \n\t\r\n{\"v\":\"two\"}\r\n  {\"v\" : 3 }\n{\"v\":4}";
	tu_write_file(f, text, strlen(text));
	stdout_to_file();
	struct recorder r = { 0 };
	char *files[] = { f };
	struct sx_run_opts o = { files, 1, 0 };
	ck_assert_int_eq(sx_run(&stage, &r, &o), 0);
	sx_out_flush(&sx_stdout);
	ck_assert_int_eq(r.records, 4);
	ck_assert_int_eq(r.finishes, 1);
	ck_assert_uint_eq(sx_stats.records_in, 4);
	ck_assert_uint_eq(sx_stats.bytes_in, strlen(text));
	char want[4000];
	snprintf(want, sizeof want, "%s:1 v=1\n%s:5 v=\"two\"\n%s:6 v=3\n%s:7 v=4\nfinish\n", f, f, f, f);
	tu_assert_file_eq("out.txt", want);
}
END_TEST

/* Lines that are not objects and records the stage rejects go to the
 * --on-error policy with FILE:LINE; the others go on; finish runs once. */
START_TEST(bad_lines_go_to_on_error)
{
	sx_set_progname("sx-test");
	ck_assert_int_eq(sx_onerror_set("skip"), 0);
	char f[600];
	snprintf(f, sizeof f, "%s", tu_path("in.ndjson"));
	const char *text = "[1,2]\n{\"v\":1}\n\"str\"\n{\"v\":2,\"reject\":true}\n{\"v\":\n{\"v\":3}\n";
	tu_write_file(f, text, strlen(text));
	stdout_to_file();
	int saved = tu_capture_stderr("err.txt");
	struct recorder r = { 0 };
	char *files[] = { f };
	struct sx_run_opts o = { files, 1, 0 };
	ck_assert_int_eq(sx_run(&stage, &r, &o), 0);
	tu_restore_stderr(saved);
	sx_out_flush(&sx_stdout);
	ck_assert_int_eq(r.finishes, 1);
	ck_assert_uint_eq(sx_onerror_count(), 4);
	ck_assert_uint_eq(sx_stats.records_in, 6);
	char want[4000];
	snprintf(want, sizeof want, "%s:2 v=1\n%s:6 v=3\nfinish\n", f, f);
	tu_assert_file_eq("out.txt", want);
	char *err = tu_slurp("err.txt");
	ck_assert_int_eq(tu_count(err, "\n"), 4);
	char line[700];
	snprintf(line, sizeof line, "sx-test: %s:1: ", f);
	ck_assert_ptr_nonnull(strstr(err, line));
	snprintf(line, sizeof line, "sx-test: %s:3: ", f);
	ck_assert_ptr_nonnull(strstr(err, line));
	snprintf(line, sizeof line, "sx-test: %s:4: rejected by the stage\n", f);
	ck_assert_ptr_nonnull(strstr(err, line));
	snprintf(line, sizeof line, "sx-test: %s:5: ", f);
	ck_assert_ptr_nonnull(strstr(err, line));
	free(err);
}
END_TEST

static int run_fail_policy(void *arg)
{
	const char *f = arg;
	sx_set_progname("sx-test");
	sx_out_init_stdout();
	struct recorder r = { 0 };
	char *files[] = { (char *)f };
	struct sx_run_opts o = { files, 1, 0 };
	sx_run(&stage, &r, &o);
	return 50;
}

START_TEST(fail_policy_stops_at_first_bad_line)
{
	char f[600];
	snprintf(f, sizeof f, "%s", tu_path("in.ndjson"));
	const char *text = "{\"v\":1}\nnot json\n{\"v\":3}\n";
	tu_write_file(f, text, strlen(text));
	ck_assert_int_eq(tu_run_child(run_fail_policy, f, "out.txt", "err.txt"), 1);
	char want[700];
	snprintf(want, sizeof want, "%s:1 v=1\n", f);
	tu_assert_file_eq("out.txt", want); /* what came before is flushed; no finish */
	char *err = tu_slurp("err.txt");
	snprintf(want, sizeof want, "sx-test: %s:2: ", f);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);
	ck_assert_int_eq(tu_count(err, "\n"), 1);
	free(err);
}
END_TEST

static int run_two_files(void *arg)
{
	char **files = arg;
	sx_set_progname("sx-test");
	sx_out_init_stdout();
	struct recorder r = { 0 };
	struct sx_run_opts o = { files, 2, 0 };
	sx_run(&stage, &r, &o);
	sx_exit(0);
}

/* An input that cannot be opened fails the run before finish(). */
START_TEST(unreadable_input_exits_1_without_finish)
{
	char a[600], b[600];
	snprintf(a, sizeof a, "%s", tu_path("a.ndjson"));
	snprintf(b, sizeof b, "%s", tu_path("missing.ndjson"));
	tu_write_file(a, "{\"v\":1}\n", 8);
	char *files[] = { a, b };
	ck_assert_int_eq(tu_run_child(run_two_files, files, "out.txt", "err.txt"), 1);
	char want[1400];
	snprintf(want, sizeof want, "%s:1 v=1\n", a);
	tu_assert_file_eq("out.txt", want);
	snprintf(want, sizeof want, "sx-test: %s: No such file or directory\n", b);
	tu_assert_file_eq("err.txt", want);
	/* both readable: in order, then one finish */
	tu_write_file(b, "{\"v\":2}\n", 8);
	ck_assert_int_eq(tu_run_child(run_two_files, files, "out.txt", "err.txt"), 0);
	snprintf(want, sizeof want, "%s:1 v=1\n%s:1 v=2\nfinish\n", a, b);
	tu_assert_file_eq("out.txt", want);
}
END_TEST

/* stdin is a pipe the test holds open: while it is quiet, what was read is
 * flushed and tick runs; the tick feeds the rest. */
START_TEST(tick_while_idle_on_a_pipe)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(dup2(fds[0], 0), 0);
	close(fds[0]);
	stdout_to_file();
	const char *l = "{\"v\":1}\n";
	ck_assert_int_eq(write(fds[1], l, strlen(l)), (ssize_t)strlen(l));
	struct recorder r = { 0 };
	r.write_fd = fds[1];
	struct sx_run_opts o = { NULL, 0, 10 };
	long long t0 = tu_now_us();
	ck_assert_int_eq(sx_run(&ticking_stage, &r, &o), 0);
	ck_assert(tu_now_us() - t0 < 5000000);
	sx_out_flush(&sx_stdout);
	ck_assert_int_eq(r.ticks, 1);
	ck_assert_int_eq(r.records, 2);
	ck_assert_int_eq(r.finishes, 1);
	ck_assert_int_eq(r.write_fd, -1);
	ck_assert_str_eq(r.stdout_at_tick, "-:1 v=1\n");
	tu_assert_file_eq("out.txt", "-:1 v=1\n-:2 v=2\nfinish\n");
}
END_TEST

/* sx_run_blocking: the hook runs when the reader is about to wait, before
 * stdout is flushed (so what it writes goes out with the rest), once per
 * wait; not for regular files, which never block; and sx_run restores the
 * plain flush afterwards. */
struct blocker {
	struct recorder r;
	int calls;
	int write_fd;
	char stdout_at_call[256]; /* what stdout held when first called */
};

static void on_block(void *st)
{
	struct blocker *b = st;
	if (b->calls++ == 0) {
		char *out = tu_read_file(tu_path("out.txt"), NULL);
		snprintf(b->stdout_at_call, sizeof b->stdout_at_call, "%s", out ? out : "");
		free(out);
		sx_out_puts(&sx_stdout, "about to wait\n");
		const char *l = "{\"v\":2}\n";
		ck_assert_int_eq(write(b->write_fd, l, strlen(l)), (ssize_t)strlen(l));
		close(b->write_fd);
		b->write_fd = -1;
	}
}

START_TEST(before_block_hook)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(dup2(fds[0], 0), 0);
	close(fds[0]);
	stdout_to_file();
	const char *l = "{\"v\":1}\n";
	ck_assert_int_eq(write(fds[1], l, strlen(l)), (ssize_t)strlen(l));
	struct blocker b;
	memset(&b, 0, sizeof b);
	b.write_fd = fds[1];
	struct sx_run_opts o = { NULL, 0, 0 };
	ck_assert_int_eq(sx_run_blocking(&stage, on_block, &b, &o), 0);
	sx_out_flush(&sx_stdout);
	ck_assert_int_eq(b.calls, 1);
	ck_assert_str_eq(b.stdout_at_call, ""); /* called before the flush */
	tu_assert_file_eq("out.txt", "-:1 v=1\nabout to wait\n-:2 v=2\nfinish\n");
	ck_assert_ptr_eq(sx_in_before_block, sx_run_flush);
	/* a regular file never waits */
	char f[600];
	snprintf(f, sizeof f, "%s", tu_path("in.ndjson"));
	tu_write_file(f, "{\"v\":3}\n", 8);
	char *files[] = { f };
	struct sx_run_opts of = { files, 1, 0 };
	b.calls = 0;
	ck_assert_int_eq(sx_run_blocking(&stage, on_block, &b, &of), 0);
	ck_assert_int_eq(b.calls, 0);
}
END_TEST

/* No tick function, or a regular file: no ticks, and no waiting. */
START_TEST(no_tick_on_files)
{
	char f[600];
	snprintf(f, sizeof f, "%s", tu_path("in.ndjson"));
	tu_write_file(f, "{\"v\":1}\n", 8);
	stdout_to_file();
	struct recorder r = { 0 };
	char *files[] = { f };
	struct sx_run_opts o = { files, 1, 1 };
	ck_assert_int_eq(sx_run(&ticking_stage, &r, &o), 0);
	ck_assert_int_eq(r.ticks, 0);
	ck_assert_int_eq(r.finishes, 1);
}
END_TEST

START_TEST(empty_input_still_finishes)
{
	char f[600];
	snprintf(f, sizeof f, "%s", tu_path("empty.ndjson"));
	tu_write_file(f, "", 0);
	stdout_to_file();
	struct recorder r = { 0 };
	char *files[] = { f };
	struct sx_run_opts o = { files, 1, 0 };
	ck_assert_int_eq(sx_run(&stage, &r, &o), 0);
	sx_out_flush(&sx_stdout);
	ck_assert_int_eq(r.records, 0);
	ck_assert_int_eq(r.finishes, 1);
	tu_assert_file_eq("out.txt", "finish\n");
}
END_TEST

Suite *sx_run_suite(void)
{
	Suite *s = suite_create("sx_run");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, records_blank_lines_and_crlf);
	tcase_add_test(tc, bad_lines_go_to_on_error);
	tcase_add_test(tc, fail_policy_stops_at_first_bad_line);
	tcase_add_test(tc, unreadable_input_exits_1_without_finish);
	tcase_add_test(tc, tick_while_idle_on_a_pipe);
	tcase_add_test(tc, before_block_hook);
	tcase_add_test(tc, no_tick_on_files);
	tcase_add_test(tc, empty_input_still_finishes);
	suite_add_tcase(s, tc);
	return s;
}
