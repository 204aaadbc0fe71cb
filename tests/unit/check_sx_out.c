/* Unit tests for common/sx_out.c */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sx_err.h"
#include "sx_out.h"
#include "testutil.h"

/* A fail callback that records instead of exiting. */
static int fail_calls, fail_errno;
static void record_fail(struct sx_out *o, int err)
{
	(void)o;
	fail_calls++;
	fail_errno = err;
}

static off_t fsize(int fd)
{
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_size;
}

START_TEST(buffers_until_flush)
{
	const char *p = tu_path("out.txt");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	struct sx_out o;
	sx_out_init(&o, fd, "out.txt");
	ck_assert_ptr_eq((void *)o.fail, (void *)sx_out_default_fail);
	sx_out_puts(&o, "{\"a\":1}");
	sx_out_putc(&o, '\n');
	sx_out_write(&o, "xyz", 2);
	/* nothing reaches the file before a flush */
	ck_assert_int_eq(fsize(fd), 0);
	ck_assert_uint_eq(o.len, 10);
	ck_assert_uint_eq(o.bytes, 0);
	ck_assert_int_eq(sx_out_flush(&o), 0);
	ck_assert_int_eq(fsize(fd), 10);
	ck_assert_uint_eq(o.len, 0);
	ck_assert_uint_eq(o.bytes, 10);
	/* an empty flush is a no-op */
	ck_assert_int_eq(sx_out_flush(&o), 0);
	ck_assert_int_eq(sx_out_close(&o), 0);
	ck_assert_int_eq(o.fd, -1);
	ck_assert_ptr_null(o.buf);
	/* the fd really was closed */
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	size_t n;
	char *got = tu_read_file(p, &n);
	ck_assert_uint_eq(n, 10);
	ck_assert(memcmp(got, "{\"a\":1}\nxy", 10) == 0);
	free(got);
}
END_TEST

/* Writing more than the buffer holds, in pieces of every size and in one
 * huge write, delivers every byte in order. */
START_TEST(large_writes)
{
	const char *p = tu_path("big.txt");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	struct sx_out o;
	sx_out_init(&o, fd, "big.txt");
	size_t cap = o.cap;
	size_t total = 0;
	struct sx_buf_like { char *p; size_t n; } want = { malloc(8 * cap), 0 };
	ck_assert_ptr_nonnull(want.p);
	unsigned seed = 7;
	/* small records: the buffer fills and flushes by itself */
	while (total < 2 * cap + 12345) {
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 16) % 200;
		char rec[200];
		for (size_t i = 0; i < len; i++)
			rec[i] = (char)('a' + (seed + i) % 26);
		if (len % 7 == 0) {
			for (size_t i = 0; i < len; i++)
				sx_out_putc(&o, rec[i]);
		} else {
			sx_out_write(&o, rec, len);
		}
		memcpy(want.p + total, rec, len);
		total += len;
	}
	ck_assert_uint_le(o.len, o.cap);
	ck_assert_int_gt(fsize(fd), 0); /* it flushed on its own when full */
	/* one write bigger than the whole buffer */
	size_t huge = 3 * cap + 17;
	char *h = malloc(huge);
	ck_assert_ptr_nonnull(h);
	for (size_t i = 0; i < huge; i++)
		h[i] = (char)(i % 253);
	sx_out_write(&o, h, huge);
	memcpy(want.p + total, h, huge);
	total += huge;
	free(h);
	ck_assert_int_eq(sx_out_flush(&o), 0);
	ck_assert_uint_eq(o.bytes, total);
	ck_assert_int_eq(sx_out_close(&o), 0);
	size_t n;
	char *got = tu_read_file(p, &n);
	ck_assert_uint_eq(n, total);
	ck_assert(memcmp(got, want.p, total) == 0);
	free(got);
	free(want.p);
}
END_TEST

START_TEST(dev_full_calls_fail)
{
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "sx_out: /dev/full not available, test skipped\n");
		return;
	}
	struct sx_out o;
	sx_out_init(&o, fd, "/dev/full");
	o.fail = record_fail;
	sx_out_puts(&o, "lost\n");
	ck_assert_int_eq(fail_calls, 0); /* buffered: no error yet */
	ck_assert_int_eq(sx_out_flush(&o), -1);
	ck_assert_int_eq(fail_calls, 1);
	ck_assert_int_eq(fail_errno, ENOSPC);
	ck_assert_uint_eq(o.bytes, 0);
	ck_assert_uint_eq(o.len, 5); /* undelivered bytes are kept */
	/* a write that overflows the buffer reports through fail too */
	fail_calls = 0;
	char *big = calloc(1, o.cap + 10);
	ck_assert_ptr_nonnull(big);
	sx_out_write(&o, big, o.cap + 10);
	free(big);
	ck_assert_int_ge(fail_calls, 1);
	ck_assert_int_eq(fail_errno, ENOSPC);
	/* close: the final flush fails, the callback says so, the fd is closed */
	fail_calls = 0;
	ck_assert_int_eq(sx_out_close(&o), -1);
	ck_assert_int_ge(fail_calls, 1);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
}
END_TEST

/* The default policy on ENOSPC: "sx-tool: write error on NAME: reason", exit 1. */
START_TEST(default_fail_exits_1_with_message)
{
	const char *errp = tu_path("err.txt");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fd = open("/dev/full", O_WRONLY);
		if (e < 0 || fd < 0)
			_exit(77);
		dup2(e, 2);
		sx_set_progname("/usr/bin/sx-test");
		static struct sx_out o;
		sx_out_init(&o, fd, "out.ndjson");
		sx_out_puts(&o, "x\n");
		sx_out_flush(&o);
		_exit(55); /* not reached */
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		return; /* no /dev/full */
	ck_assert_int_eq(WEXITSTATUS(st), 1);
	char *err = tu_read_file(errp, NULL);
	ck_assert_str_eq(err, "sx-test: write error on out.ndjson: No space left on device\n");
	free(err);
}
END_TEST

/* EPIPE (| head): the default policy ends the process by SIGPIPE, like any
 * Unix filter, even when SIGPIPE was ignored. */
START_TEST(default_fail_epipe_raises_sigpipe)
{
	signal(SIGPIPE, SIG_IGN);
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]);
	static struct sx_out o;
	sx_out_init(&o, fds[1], "stdout");
	sx_out_puts(&o, "x\n");
	sx_out_flush(&o);
	ck_abort_msg("still alive after EPIPE");
}
END_TEST

/* sx_out_init_stdout registers a hook: sx_exit flushes what is buffered. */
START_TEST(stdout_flushed_at_exit)
{
	const char *p = tu_path("stdout.txt");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(77);
		dup2(fd, 1);
		close(fd);
		sx_out_init_stdout();
		sx_out_puts(&sx_stdout, "{\"done\":true}\n");
		sx_exit(0);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	char *got = tu_read_file(p, NULL);
	ck_assert_str_eq(got, "{\"done\":true}\n");
	free(got);
}
END_TEST

/* A partial write: the rest is retried until everything is out (a pipe
 * whose reader drains slowly takes many writes). */
START_TEST(pipe_many_partial_writes)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	size_t total = 4 * 1024 * 1024;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[1]);
		size_t got = 0;
		char b[4096];
		ssize_t r;
		while ((r = read(fds[0], b, sizeof b)) > 0) {
			for (ssize_t i = 0; i < r; i++, got++)
				if ((unsigned char)b[i] != got % 251)
					_exit(4);
		}
		_exit(got == total ? 0 : 5);
	}
	close(fds[0]);
	struct sx_out o;
	sx_out_init(&o, fds[1], "pipe");
	o.fail = record_fail;
	for (size_t i = 0; i < total; i++)
		sx_out_putc(&o, (char)(i % 251));
	ck_assert_int_eq(sx_out_close(&o), 0);
	ck_assert_int_eq(fail_calls, 0);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

/* A write after close (or after the exit hook freed sx_stdout's buffer, as a
 * hook registered before sx_out_init_stdout would do) must fail loudly, not
 * spin forever in sx_out_slow_write with a zero-sized buffer. */
START_TEST(write_after_close_fails)
{
	const char *p = tu_path("closed.txt");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	static struct sx_out o;
	sx_out_init(&o, fd, "closed.txt");
	ck_assert_int_eq(sx_out_close(&o), 0);
	int saved = tu_capture_stderr("err.txt");
	sx_out_puts(&o, "late\n");
	tu_restore_stderr(saved);
	ck_abort_msg("write after close returned");
}
END_TEST

/* Side files are appended to, across openings (reruns), never truncated. */
START_TEST(open_append_keeps_what_is_there)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", tu_path("late.ndjson"));
	for (int run = 0; run < 2; run++) {
		struct sx_out o;
		ck_assert_int_eq(sx_out_open_append(&o, path, 0644), 0);
		sx_out_write(&o, run ? "b\n" : "a\n", 2);
		ck_assert_int_eq(sx_out_close(&o), 0);
	}
	char *got = tu_read_file(path, NULL);
	ck_assert_str_eq(got, "a\nb\n");
	free(got);
	struct sx_out o;
	errno = 0;
	ck_assert_int_eq(sx_out_open_append(&o, tu_path("no/such/dir/f"), 0644), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* Defect (issue 12, 5): a failed write's undelivered rows were still counted
 * as written.  Discarding takes the lines the buffer ends off the count; a
 * row whose start was written but not its newline is among them. */
START_TEST(test_defect_discard_takes_undelivered_rows_off)
{
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "sx_out: /dev/full not available, test skipped\n");
		return;
	}
	uint64_t rows = 0;
	struct sx_out o;
	sx_out_init(&o, fd, "/dev/full");
	o.fail = record_fail;
	o.records = &rows;
	sx_out_puts(&o, "{\"a\":1}\n{\"a\":2}\n");
	rows = 2;
	ck_assert_int_eq(sx_out_flush(&o), -1);
	sx_out_discard(&o);
	ck_assert_uint_eq(rows, 0);
	ck_assert_uint_eq(o.len, 0);
	/* the tail of a row cut by a partial write: its newline was not written */
	rows = 5;
	sx_out_puts(&o, "\"a\":3}\n{\"a\":4}\n");
	sx_out_discard(&o);
	ck_assert_uint_eq(rows, 3);
	/* without a count, discarding just empties the buffer */
	o.records = NULL;
	sx_out_puts(&o, "x\n");
	sx_out_discard(&o);
	ck_assert_uint_eq(o.len, 0);
	o.fail = record_fail;
	sx_out_close(&o);
}
END_TEST

/* Defect (issue 12, 10): a side file left ending in half a line (a run
 * killed mid-write) had the next run's first record glued to it. */
START_TEST(test_defect_torn_side_file_gets_a_newline)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", tu_path("torn.ndjson"));
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"a\":1}\n{\"a\":", f);
	fclose(f);
	struct sx_out o;
	for (int run = 0; run < 2; run++) {
		ck_assert_int_eq(sx_out_open_append(&o, path, 0644), 0);
		sx_out_puts(&o, run ? "{\"c\":3}\n" : "{\"b\":2}\n");
		ck_assert_int_eq(sx_out_close(&o), 0);
	}
	char *got = tu_read_file(path, NULL);
	ck_assert_str_eq(got, "{\"a\":1}\n{\"a\":\n{\"b\":2}\n{\"c\":3}\n");
	free(got);
}
END_TEST

/* A side file under a 1000-byte size limit (SIGXFSZ ignored: EFBIG): the
 * write that crosses it is cut back to the last whole line, though the
 * line's head went out in an earlier flush, and the rest of that line is
 * not written later. */
static int fail_no_exit_calls;
static void fail_no_exit(struct sx_out *o, int err)
{
	(void)o;
	(void)err;
	fail_no_exit_calls++;
}

static int size_limited_child(void *arg)
{
	const char *path = arg;
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = { 1000, 1000 };
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		return 77;
	struct sx_out o;
	if (sx_out_open_append(&o, path, 0644) < 0)
		return 78;
	o.fail = fail_no_exit;
	char line[64];
	for (int i = 0; i < 30; i++) {
		/* 49 bytes a line: 20 of them are 980 bytes */
		int n = snprintf(line, sizeof line, "{\"n\":%02d,\"pad\":\"%-31s\"}\n", i, "");
		if (n != 49)
			return 79;
		if (i == 20) {
			/* its head goes out (990 bytes), its rest crosses the limit */
			sx_out_write(&o, line, 10);
			if (sx_out_flush(&o) < 0)
				return 80;
			sx_out_write(&o, line + 10, 39);
		} else {
			sx_out_write(&o, line, 49);
		}
	}
	if (sx_out_flush(&o) != -1 || fail_no_exit_calls != 1)
		return 81;
	if (o.bytes != 980 || o.len != 9 * 49 || o.buf[0] != '{')
		return 82; /* what the buffer keeps starts a whole line */
	sx_out_flush(&o); /* fails again: 20 bytes fit, and are cut */
	sx_out_discard(&o);
	sx_out_close(&o);
	return 0;
}

START_TEST(test_defect_failed_write_leaves_no_partial_line)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", tu_path("limited.ndjson"));
	int rc = tu_run_child(size_limited_child, path, NULL, NULL);
	if (rc == 77)
		return;
	ck_assert_int_eq(rc, 0);
	size_t n;
	char *got = tu_read_file(path, &n);
	ck_assert_uint_eq(n, 980);
	ck_assert_int_eq(got[n - 1], '\n');
	ck_assert_int_eq(tu_count(got, "\n"), 20);
	free(got);
}
END_TEST

Suite *sx_out_suite(void)
{
	Suite *s = suite_create("sx_out");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, buffers_until_flush);
	tcase_add_test(tc, large_writes);
	tcase_add_test(tc, dev_full_calls_fail);
	tcase_add_test(tc, default_fail_exits_1_with_message);
	tcase_add_test_raise_signal(tc, default_fail_epipe_raises_sigpipe, SIGPIPE);
	tcase_add_test(tc, stdout_flushed_at_exit);
	tcase_add_test(tc, pipe_many_partial_writes);
	tcase_add_exit_test(tc, write_after_close_fails, 1);
	tcase_add_test(tc, open_append_keeps_what_is_there);
	tcase_add_test(tc, test_defect_discard_takes_undelivered_rows_off);
	tcase_add_test(tc, test_defect_torn_side_file_gets_a_newline);
	tcase_add_test(tc, test_defect_failed_write_leaves_no_partial_line);
	suite_add_tcase(s, tc);
	return s;
}
