/* Unit tests for common/sx_sources.c */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_checkpoint.h"
#include "sx_err.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_sources.h"
#include "testutil.h"

static void put(const char *name, const char *text)
{
	tu_write_file(tu_path(name), text, strlen(text));
}

static void append(const char *name, const char *text)
{
	FILE *f = fopen(tu_path(name), "ab");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
}

/* "base1|base2|" of a list, relative to tu_dir. */
static char *names(char **list, size_t n)
{
	struct sx_buf b = SX_BUF_INIT;
	sx_buf_append(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		const char *p = list[i];
		size_t dl = strlen(tu_dir);
		if (!strncmp(p, tu_dir, dl) && p[dl] == '/')
			p += dl + 1;
		sx_buf_puts(&b, p);
		sx_buf_putc(&b, '|');
	}
	return b.data;
}

START_TEST(list_dir_in_name_order)
{
	ck_assert_int_eq(mkdir(tu_path("land"), 0755), 0);
	ck_assert_int_eq(mkdir(tu_path("land/sub.csv"), 0755), 0);
	static const char *const files[] = { "land/b.csv", "land/a10.csv", "land/a2.csv", "land/.hidden.csv",
					     "land/c.csv.tmp", "land/d.csv.part", "land/e.partial", "land/B.csv",
					     "land/x.tmp.csv" };
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		put(files[i], "");
	ck_assert_int_eq(symlink("b.csv", tu_path("land/link.csv")), 0);
	size_t n;
	char dir[600];
	snprintf(dir, sizeof dir, "%s", tu_path("land"));
	char **list = sx_sources_list_dir(dir, &n);
	char *got = names(list, n);
	/* byte order (strcmp), regular files only (a symlink to one counts) */
	ck_assert_str_eq(got, "land/B.csv|land/a10.csv|land/a2.csv|land/b.csv|land/link.csv|land/x.tmp.csv|");
	free(got);
	sx_sources_free_list(list, n);
	/* a trailing slash gives no double slash */
	snprintf(dir, sizeof dir, "%s/", tu_path("land"));
	list = sx_sources_list_dir(dir, &n);
	ck_assert_uint_eq(n, 6);
	ck_assert_ptr_null(strstr(list[0], "//"));
	sx_sources_free_list(list, n);
	/* an empty folder, and a missing one */
	ck_assert_int_eq(mkdir(tu_path("empty"), 0755), 0);
	snprintf(dir, sizeof dir, "%s", tu_path("empty"));
	list = sx_sources_list_dir(dir, &n);
	ck_assert_uint_eq(n, 0);
	sx_sources_free_list(list, n);
	snprintf(dir, sizeof dir, "%s", tu_path("missing"));
	int saved = tu_capture_stderr("err.txt");
	ck_assert_ptr_null(sx_sources_list_dir(dir, &n));
	tu_restore_stderr(saved);
	ck_assert_uint_eq(n, 0);
	char *err = tu_slurp("err.txt");
	ck_assert_ptr_nonnull(strstr(err, "missing: No such file or directory\n"));
	free(err);
}
END_TEST

START_TEST(glob_in_name_order)
{
	ck_assert_int_eq(mkdir(tu_path("d1"), 0755), 0);
	ck_assert_int_eq(mkdir(tu_path("d2"), 0755), 0);
	ck_assert_int_eq(mkdir(tu_path("d2/z.csv.gz"), 0755), 0);
	put("d2/a.csv.gz", "");
	put("d1/b.csv.gz", "");
	put("d1/a.csv.gz", "");
	put("d1/c.csv.gz.tmp", "");
	put("d1/.h.csv.gz", "");
	put("d1/c.csv", "");
	char pat[600];
	snprintf(pat, sizeof pat, "%s/d*/*.csv.gz", tu_dir);
	size_t n;
	char **list = sx_sources_glob(pat, &n);
	char *got = names(list, n);
	ck_assert_str_eq(got, "d1/a.csv.gz|d1/b.csv.gz|d2/a.csv.gz|");
	free(got);
	sx_sources_free_list(list, n);
	snprintf(pat, sizeof pat, "%s/none/*.csv", tu_dir);
	ck_assert_ptr_null(sx_sources_glob(pat, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* ---- whole runs, in a child (they exit on errors) ----------------------- */

struct run {
	char *ops[4];
	int nops;
	const char *glob;
	const char *ckpt;
	int follow, watch;
	int64_t settle_us;
};

static int run_sources(void *arg)
{
	struct run *r = arg;
	sx_set_progname("sx-ingest");
	sx_out_init_stdout();
	struct sx_ckpt ck;
	if (r->ckpt && sx_ckpt_load(&ck, r->ckpt, 0) < 0)
		return 90;
	struct sx_ingest_cfg icfg = { .source_field = "src" };
	struct sx_sources_cfg cfg = { r->ops, r->nops, r->glob, r->follow, r->watch, 10000, r->ckpt ? &ck : NULL, r->settle_us, 0, 0, 0 };
	int rc = sx_sources_run(&icfg, &cfg);
	if (r->ckpt)
		sx_ckpt_free(&ck);
	sx_exit(rc);
}

START_TEST(batch_dir_file_and_glob)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	ck_assert_int_eq(mkdir("in", 0755), 0);
	put("in/2.ndjson", "{\"n\":2}\n");
	put("in/1.csv", "n\n1\n");
	put("in/3.json", "[{\"n\":3}]");
	put("in/4.ndjson.tmp", "{\"n\":\"never\"}\n");
	put("x.ndjson", "{\"n\":0}\n");
	put("g-b.ndjson", "{\"n\":6}\n");
	put("g-a.ndjson", "{\"n\":5}\n");
	struct run r = { { "x.ndjson", "in" }, 2, "g-*.ndjson", NULL, 0, 0, 0 };
	ck_assert_int_eq(tu_run_child(run_sources, &r, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt",
			  "{\"n\":0,\"src\":\"x.ndjson:1\"}\n"
			  "{\"n\":1,\"src\":\"in/1.csv:2\"}\n"
			  "{\"n\":2,\"src\":\"in/2.ndjson:1\"}\n"
			  "{\"n\":3,\"src\":\"in/3.json:1\"}\n"
			  "{\"n\":5,\"src\":\"g-a.ndjson:1\"}\n"
			  "{\"n\":6,\"src\":\"g-b.ndjson:1\"}\n");
	tu_assert_file_eq("err.txt", "");
	/* a missing operand: the error, exit 1 (what came before is out) */
	struct run m = { { "x.ndjson", "missing.ndjson" }, 2, NULL, NULL, 0, 0, 0 };
	ck_assert_int_eq(tu_run_child(run_sources, &m, "out.txt", "err.txt"), 1);
	tu_assert_file_eq("out.txt", "{\"n\":0,\"src\":\"x.ndjson:1\"}\n");
	tu_assert_file_eq("err.txt", "sx-ingest: missing.ndjson: No such file or directory\n");
}
END_TEST

START_TEST(checkpoint_continues_where_it_stopped)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	put("a.ndjson", "{\"n\":1}\n{\"n\":2}\n");
	put("b.csv", "n\n10\n");
	struct run r = { { "a.ndjson", "b.csv" }, 2, NULL, "run.ckpt", 0, 0, 0 };
	ck_assert_int_eq(tu_run_child(run_sources, &r, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "{\"n\":1,\"src\":\"a.ndjson:1\"}\n{\"n\":2,\"src\":\"a.ndjson:2\"}\n"
				     "{\"n\":10,\"src\":\"b.csv:2\"}\n");
	ck_assert(tu_exists("run.ckpt"));
	/* nothing new: nothing out */
	ck_assert_int_eq(tu_run_child(run_sources, &r, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "");
	/* grown: only the new records (the CSV header is read again, not emitted) */
	append("a.ndjson", "{\"n\":3}\n");
	append("b.csv", "11\n");
	ck_assert_int_eq(tu_run_child(run_sources, &r, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "{\"n\":3,\"src\":\"a.ndjson:3\"}\n{\"n\":11,\"src\":\"b.csv:3\"}\n");
	/* replaced by another file under the same name: from the start */
	put("a.ndjson.new", "{\"n\":100}\n{\"n\":101}\n{\"n\":102}\n{\"n\":103}\n");
	ck_assert_int_eq(rename("a.ndjson.new", "a.ndjson"), 0);
	ck_assert_int_eq(tu_run_child(run_sources, &r, "out.txt", "err.txt"), 0);
	char *out = tu_slurp("out.txt");
	ck_assert_int_eq(tu_count(out, "\n"), 4);
	ck_assert_ptr_nonnull(strstr(out, "{\"n\":100,\"src\":\"a.ndjson:1\"}\n"));
	free(out);
	tu_assert_file_eq("err.txt", "");
}
END_TEST

/* A batch run emits a last line without a line end at EOF; when the file
 * grows, that line is neither emitted twice nor lost. */
START_TEST(checkpoint_unterminated_last_line)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	ck_assert_int_eq(sx_onerror_set("skip"), 0);
	put("a.ndjson", "{\"n\":1}\n{\"n\":2}");
	put("b.csv", "n,m\n1,2\n3,");
	put("c.ndjson", "{\"n\":1}\n{\"n\":");
	struct run r = { { "a.ndjson", "b.csv", "c.ndjson" }, 3, NULL, "u.ckpt", 0, 0, 0 };
	ck_assert_int_eq(tu_run_child(run_sources, &r, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "{\"n\":1,\"src\":\"a.ndjson:1\"}\n{\"n\":2,\"src\":\"a.ndjson:2\"}\n"
				     "{\"n\":1,\"m\":2,\"src\":\"b.csv:2\"}\n{\"n\":3,\"m\":null,\"src\":\"b.csv:3\"}\n"
				     "{\"n\":1,\"src\":\"c.ndjson:1\"}\n");
	struct sx_ckpt ck;
	ck_assert_int_eq(sx_ckpt_load(&ck, "u.ckpt", 0), 0);
	ck_assert_uint_eq(ck.n, 3);
	ck_assert_uint_eq(ck.e[0].offset, 15);
	ck_assert_int_eq(ck.e[0].tail_rejected, 0);
	ck_assert_int_eq(ck.e[1].tail_rejected, 0);
	ck_assert_uint_eq(ck.e[2].offset, 13);
	ck_assert_int_eq(ck.e[2].tail_rejected, 1); /* {"n": was rejected */
	sx_ckpt_free(&ck);
	/* a: the line end only; b: the line was extended (reported, not emitted
	 * again); c: the rejected line completed (emitted now) */
	append("a.ndjson", "\n{\"n\":3}\n");
	append("b.csv", "4\n5,6\n");
	append("c.ndjson", "2}\n");
	ck_assert_int_eq(tu_run_child(run_sources, &r, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "{\"n\":3,\"src\":\"a.ndjson:3\"}\n{\"n\":5,\"m\":6,\"src\":\"b.csv:4\"}\n"
				     "{\"n\":2,\"src\":\"c.ndjson:2\"}\n");
	char *err = tu_slurp("err.txt");
	ck_assert_ptr_nonnull(strstr(err, "sx-ingest: b.csv:3: line was extended after an earlier run"));
	ck_assert_int_eq(tu_count(err, "b.csv"), 1);
	free(err);
	ck_assert_int_eq(sx_ckpt_load(&ck, "u.ckpt", 0), 0);
	ck_assert_int_eq(ck.e[2].tail_rejected, 0);
	sx_ckpt_free(&ck);
	/* nothing new */
	ck_assert_int_eq(tu_run_child(run_sources, &r, "out.txt", "err.txt"), 0);
	tu_assert_file_eq("out.txt", "");
	tu_assert_file_eq("err.txt", "");
}
END_TEST

/* ---- --follow: a live child, stopped with SIGTERM ------------------------ */

/* Wait (at most 20 s: a loaded machine) until tu_dir/out.txt holds WANT exactly. */
static void wait_output(const char *want)
{
	long long deadline = tu_now_us() + 20000000;
	char *got = NULL;
	for (;;) {
		free(got);
		got = tu_slurp("out.txt");
		if (!strcmp(got, want) || tu_now_us() > deadline)
			break;
		tu_sleep_ms(5);
	}
	ck_assert_msg(strcmp(got, want) == 0, "output: got\n%s\nwant\n%s", got, want);
	free(got);
}

static pid_t start_follow(struct run *r)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(tu_path("out.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(tu_path("err.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		close(o);
		close(e);
		run_sources(r);
	}
	return pid;
}

static int stop(pid_t pid)
{
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

START_TEST(follow_growth_truncation_rotation)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	put("log.ndjson", "{\"n\":1}\n");
	put("out.txt", "");
	struct run r = { { "log.ndjson" }, 1, NULL, "f.ckpt", 1, 0, 0 };
	pid_t pid = start_follow(&r);
	struct sx_buf want = SX_BUF_INIT;
	sx_buf_puts(&want, "{\"n\":1,\"src\":\"log.ndjson:1\"}\n");
	wait_output(want.data);
	/* growth, including a line written in two pieces */
	append("log.ndjson", "{\"n\":2}\n{\"n\"");
	sx_buf_puts(&want, "{\"n\":2,\"src\":\"log.ndjson:2\"}\n");
	wait_output(want.data);
	append("log.ndjson", ":3}\n");
	sx_buf_puts(&want, "{\"n\":3,\"src\":\"log.ndjson:3\"}\n");
	wait_output(want.data);
	/* truncation (copytruncate): from the start of the new contents */
	ck_assert_int_eq(truncate("log.ndjson", 0), 0);
	append("log.ndjson", "{\"n\":4}\n");
	sx_buf_puts(&want, "{\"n\":4,\"src\":\"log.ndjson:1\"}\n");
	wait_output(want.data);
	/* rotation: the old file is drained, then the new one is read */
	append("log.ndjson", "{\"n\":5}\n");
	ck_assert_int_eq(rename("log.ndjson", "log.ndjson.1"), 0);
	append("log.ndjson.1", "{\"n\":6}\n");
	put("log.ndjson", "{\"n\":7}\n");
	sx_buf_puts(&want, "{\"n\":5,\"src\":\"log.ndjson:2\"}\n{\"n\":6,\"src\":\"log.ndjson:3\"}\n"
			   "{\"n\":7,\"src\":\"log.ndjson:1\"}\n");
	wait_output(want.data);
	/* an incomplete last line stays unread; SIGTERM ends it as 128+15 */
	append("log.ndjson", "{\"n\":8");
	tu_sleep_ms(30);
	ck_assert_int_eq(stop(pid), 128 + SIGTERM);
	wait_output(want.data);
	tu_assert_file_eq("err.txt", "");
	/* the checkpoint records the new file up to its last complete line */
	struct sx_ckpt ck;
	ck_assert_int_eq(sx_ckpt_load(&ck, "f.ckpt", 0), 0);
	ck_assert_uint_eq(ck.n, 1);
	ck_assert_uint_eq(ck.e[0].ino, tu_inode("log.ndjson"));
	ck_assert_uint_eq(ck.e[0].offset, 8);
	sx_ckpt_free(&ck);
	sx_buf_free(&want);
}
END_TEST

/* stdin ends first (it is done with, the followed file is not); the file is
 * then truncated: its checkpoint offset starts over with it. */
START_TEST(follow_stdin_and_a_file)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	put("stdin.ndjson", "{\"n\":0}\n");
	int in = open("stdin.ndjson", O_RDONLY);
	ck_assert_int_ge(in, 0);
	ck_assert_int_eq(dup2(in, 0), 0);
	close(in);
	put("log.ndjson", "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
	put("out.txt", "");
	struct run r = { { "-", "log.ndjson" }, 2, NULL, "f.ckpt", 1, 0, 0 };
	pid_t pid = start_follow(&r);
	const char *first = "{\"n\":0,\"src\":\"-:1\"}\n{\"n\":1,\"src\":\"log.ndjson:1\"}\n"
			    "{\"n\":2,\"src\":\"log.ndjson:2\"}\n{\"n\":3,\"src\":\"log.ndjson:3\"}\n";
	wait_output(first);
	tu_sleep_ms(30); /* several polls after stdin's end */
	ck_assert_int_eq(truncate("log.ndjson", 0), 0);
	append("log.ndjson", "{\"n\":4}\n");
	struct sx_buf want = SX_BUF_INIT;
	sx_buf_puts(&want, first);
	sx_buf_puts(&want, "{\"n\":4,\"src\":\"log.ndjson:1\"}\n");
	wait_output(want.data);
	ck_assert_int_eq(stop(pid), 128 + SIGTERM);
	tu_assert_file_eq("err.txt", "");
	struct sx_ckpt ck;
	ck_assert_int_eq(sx_ckpt_load(&ck, "f.ckpt", 0), 0);
	ck_assert_uint_eq(ck.n, 1);
	ck_assert_uint_eq(ck.e[0].offset, 8);
	ck_assert_uint_eq(ck.e[0].line, 1);
	sx_ckpt_free(&ck);
	sx_buf_free(&want);
}
END_TEST

/* A followed file that does not exist yet is waited for (said once). */
START_TEST(follow_waits_for_a_missing_file)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	put("out.txt", "");
	struct run r = { { "later.ndjson" }, 1, NULL, NULL, 1, 0, 0 };
	pid_t pid = start_follow(&r);
	tu_sleep_ms(50);
	put("later.ndjson", "{\"n\":1}\n");
	wait_output("{\"n\":1,\"src\":\"later.ndjson:1\"}\n");
	ck_assert_int_eq(stop(pid), 128 + SIGTERM);
	tu_assert_file_eq("err.txt", "sx-ingest: later.ndjson: no such file yet; waiting for it\n");
}
END_TEST

/* --watch DIR with a plain file operand too: the file is read once, each
 * new complete file in the folder once. */
START_TEST(watch_folder)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	ck_assert_int_eq(mkdir("land", 0755), 0);
	put("land/a.ndjson", "{\"n\":1}\n");
	put("once.ndjson", "{\"n\":0}\n");
	put("out.txt", "");
	struct run r = { { "once.ndjson", "land" }, 2, NULL, NULL, 0, 1, 0 };
	pid_t pid = start_follow(&r);
	wait_output("{\"n\":0,\"src\":\"once.ndjson:1\"}\n{\"n\":1,\"src\":\"land/a.ndjson:1\"}\n");
	put("land/b.ndjson.tmp", "{\"n\":2}\n");
	ck_assert_int_eq(rename("land/b.ndjson.tmp", "land/b.ndjson"), 0);
	wait_output("{\"n\":0,\"src\":\"once.ndjson:1\"}\n{\"n\":1,\"src\":\"land/a.ndjson:1\"}\n"
		    "{\"n\":2,\"src\":\"land/b.ndjson:1\"}\n");
	ck_assert_int_eq(stop(pid), 128 + SIGTERM);
	tu_assert_file_eq("err.txt", "");
}
END_TEST

/* Wait (at most 20 s) until tu_dir/err.txt contains WANT. */
static void wait_error(const char *want)
{
	long long deadline = tu_now_us() + 20000000;
	char *got = NULL;
	for (;;) {
		free(got);
		got = tu_slurp("err.txt");
		if (strstr(got, want) || tu_now_us() > deadline)
			break;
		tu_sleep_ms(10);
	}
	ck_assert_msg(strstr(got, want) != NULL, "stderr: got\n%s\nwant\n%s", got, want);
	free(got);
}

/* --watch: a file is read once unchanged for the settle time, so a row
 * written in two pieces is one row; a file that grows after it was read is
 * read on from there; a truncated gzip file is reported and the watcher goes
 * on with the other files. */
START_TEST(watch_settle_growth_and_bad_files)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	ck_assert_int_eq(mkdir("land", 0755), 0);
	put("out.txt", "");
	struct run r = { { "land" }, 1, NULL, NULL, 0, 1, 2000000 };
	pid_t pid = start_follow(&r);
	put("land/d.csv", "a,b\n1,2\n3,");
	tu_sleep_ms(200); /* 20 polls: the old rule (one unchanged poll) read it here */
	append("land/d.csv", "4\n5,6\n");
	const char *d1 = "{\"a\":1,\"b\":2,\"src\":\"land/d.csv:2\"}\n{\"a\":3,\"b\":4,\"src\":\"land/d.csv:3\"}\n"
			 "{\"a\":5,\"b\":6,\"src\":\"land/d.csv:4\"}\n";
	wait_output(d1);
	append("land/d.csv", "7,8\n");
	struct sx_buf want = SX_BUF_INIT;
	sx_buf_puts(&want, d1);
	sx_buf_puts(&want, "{\"a\":7,\"b\":8,\"src\":\"land/d.csv:5\"}\n");
	wait_output(want.data);
	/* a gzip file cut short, then a good file */
	static const unsigned char cut_gz[] = { 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xab };
	tu_write_file(tu_path("land/e.ndjson.gz"), cut_gz, sizeof cut_gz);
	put("land/f.ndjson", "{\"n\":1}\n");
	sx_buf_puts(&want, "{\"n\":1,\"src\":\"land/f.ndjson:1\"}\n");
	wait_output(want.data);
	wait_error("sx-ingest: land/e.ndjson.gz: unexpected end of gzip data\n");
	tu_sleep_ms(100); /* reported once, not at every poll */
	ck_assert_int_eq(stop(pid), 128 + SIGTERM);
	char *err = tu_slurp("err.txt");
	ck_assert_int_eq(tu_count(err, "\n"), 1);
	free(err);
	tu_assert_file_eq("out.txt", want.data);
	sx_buf_free(&want);
}
END_TEST

Suite *sx_sources_suite(void)
{
	Suite *s = suite_create("sx_sources");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, list_dir_in_name_order);
	tcase_add_test(tc, glob_in_name_order);
	tcase_add_test(tc, batch_dir_file_and_glob);
	tcase_add_test(tc, checkpoint_continues_where_it_stopped);
	tcase_add_test(tc, checkpoint_unterminated_last_line);
	tcase_add_test(tc, follow_growth_truncation_rotation);
	tcase_add_test(tc, follow_stdin_and_a_file);
	tcase_add_test(tc, follow_waits_for_a_missing_file);
	tcase_add_test(tc, watch_folder);
	tcase_add_test(tc, watch_settle_growth_and_bad_files);
	suite_add_tcase(s, tc);
	return s;
}
