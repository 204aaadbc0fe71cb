/* Unit tests for common/sx_run2.c: two inputs read at once, which one is
 * read when, ticks while both are quiet, and bad lines. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_err.h"
#include "sx_onerror.h"
#include "sx_run.h"
#include "sx_run2.h"
#include "sx_stats.h"
#include "testutil.h"

/* What the stage saw: "L{...}" / "R{...}" per record, "L$"/"R$" at the end,
 * "T" per tick (only the first few), in order. */
struct log {
	struct sx_buf b;
	int behind;                /* what behind() answers */
	int ticks;
	void (*on_tick)(struct log *l);
	int pipe_w[2];             /* writers the test controls (-1: none) */
};

static int st_record(void *st, int side, struct sx_rec *rec, const char **why)
{
	struct log *l = st;
	const struct sx_field *bad = sx_rec_get(rec, "bad");
	if (bad) {
		*why = "a bad record";
		return SX_REJECT;
	}
	sx_buf_putc(&l->b, side ? 'R' : 'L');
	sx_buf_append(&l->b, rec->line, rec->len);
	return SX_OK;
}

static void st_end(void *st, int side)
{
	struct log *l = st;
	sx_buf_puts(&l->b, side ? "R$" : "L$");
}

static void st_tick(void *st)
{
	struct log *l = st;
	l->ticks++;
	if (l->on_tick)
		l->on_tick(l);
}

static int st_behind(void *st)
{
	struct log *l = st;
	return l->behind;
}

static const struct sx_stage2 stage = { st_record, st_end, st_tick, st_behind };

static void log_init(struct log *l)
{
	memset(l, 0, sizeof *l);
	l->pipe_w[0] = l->pipe_w[1] = -1;
	memset(&sx_stats, 0, sizeof sx_stats);
}

/* /dev/fd/N for a pipe's read end. */
static const char *fd_path(int fd)
{
	static char p[2][32];
	static int k;
	char *b = p[k++ & 1];
	snprintf(b, 32, "/dev/fd/%d", fd);
	return b;
}

START_TEST(two_files_follow_behind)
{
	const char *a = tu_path("a.ndjson"), *b = tu_path("b.ndjson");
	tu_write_file(a, "{\"a\":1}\n\n{\"a\":2}\n", 17);
	tu_write_file(b, "{\"b\":1}\n{\"b\":2}", 15);
	struct log l;
	log_init(&l);
	/* left always behind: a regular file is read to its end first */
	struct sx_run2_opts o = { { a, b }, 0 };
	sx_run2(&stage, &l, &o);
	ck_assert_str_eq(l.b.data, "L{\"a\":1}L{\"a\":2}L$R{\"b\":1}R{\"b\":2}R$");
	ck_assert_uint_eq(sx_stats.records_in, 4);
	ck_assert_uint_eq(sx_stats.bytes_in, 32);
	sx_buf_free(&l.b);
	/* right behind */
	log_init(&l);
	l.behind = 1;
	sx_run2(&stage, &l, &o);
	ck_assert_str_eq(l.b.data, "R{\"b\":1}R{\"b\":2}R$L{\"a\":1}L{\"a\":2}L$");
	sx_buf_free(&l.b);
}
END_TEST

/* Batches: a long file is read SX_RUN2_BATCH lines at a time, so a stage
 * that turns `behind` around sees the inputs alternate. */
static int flip_record(void *st, int side, struct sx_rec *rec, const char **why)
{
	struct log *l = st;
	l->behind = !side;
	return st_record(st, side, rec, why);
}

START_TEST(batches_alternate)
{
	const char *a = tu_path("a.ndjson"), *b = tu_path("b.ndjson");
	struct sx_buf t = SX_BUF_INIT;
	for (int i = 0; i < 2 * SX_RUN2_BATCH; i++)
		sx_buf_puts(&t, "{}\n");
	tu_write_file(a, t.data, t.len);
	tu_write_file(b, t.data, t.len);
	struct log l;
	log_init(&l);
	struct sx_stage2 flip = stage;
	flip.record = flip_record;
	struct sx_run2_opts o = { { a, b }, 0 };
	sx_run2(&flip, &l, &o);
	/* L x BATCH, R x BATCH, L x BATCH, R x BATCH, then the two ends */
	ck_assert_uint_eq(l.b.len, 4 * SX_RUN2_BATCH * 3 + 4);
	ck_assert(l.b.data[0] == 'L' && l.b.data[3 * (SX_RUN2_BATCH - 1)] == 'L');
	ck_assert(l.b.data[3 * SX_RUN2_BATCH] == 'R');
	ck_assert(l.b.data[3 * 2 * SX_RUN2_BATCH] == 'L');
	ck_assert(l.b.data[3 * 3 * SX_RUN2_BATCH] == 'R');
	sx_buf_free(&l.b);
	sx_buf_free(&t);
}
END_TEST

/* The left input is behind but its pipe is empty: the right pipe is read
 * meanwhile; ticks come while both are quiet. */
static void pipes_tick(struct log *l)
{
	if (l->ticks == 1) {
		/* both quiet so far: the right pipe's record was read already */
		ck_assert_str_eq(l->b.data, "R{\"r\":1}");
		ck_assert_int_eq(write(l->pipe_w[0], "{\"l\":1}\n", 8), 8);
	} else if (l->ticks == 2) {
		close(l->pipe_w[0]);
		close(l->pipe_w[1]);
		l->pipe_w[0] = l->pipe_w[1] = -1;
	}
}

START_TEST(pipes_never_wait_on_each_other)
{
	int pl[2], pr[2];
	ck_assert_int_eq(pipe(pl), 0);
	ck_assert_int_eq(pipe(pr), 0);
	struct log l;
	log_init(&l);
	l.pipe_w[0] = pl[1];
	l.pipe_w[1] = pr[1];
	l.on_tick = pipes_tick;
	ck_assert_int_eq(write(pr[1], "{\"r\":1}\n", 8), 8);
	struct sx_run2_opts o = { { fd_path(pl[0]), fd_path(pr[0]) }, 20 };
	long long t0 = tu_now_us();
	sx_run2(&stage, &l, &o);
	ck_assert_str_eq(l.b.data, "R{\"r\":1}L{\"l\":1}L$R$");
	ck_assert_int_ge(l.ticks, 2);
	ck_assert_int_ge(tu_now_us() - t0, 30000); /* two ticks of 20 ms */
	close(pl[0]);
	close(pr[0]);
	sx_buf_free(&l.b);
}
END_TEST

/* The left pipe is behind and quiet; the right input is a regular file,
 * always readable: it is not read ahead while the left one has nothing. */
static void file_tick(struct log *l)
{
	if (l->ticks == 3) {
		ck_assert_str_eq(l->b.data ? l->b.data : "", "");
		ck_assert_int_eq(write(l->pipe_w[0], "{\"l\":1}\n", 8), 8);
		close(l->pipe_w[0]);
		l->pipe_w[0] = -1;
	}
}

START_TEST(regular_file_not_read_ahead)
{
	int pl[2];
	ck_assert_int_eq(pipe(pl), 0);
	const char *b = tu_path("b.ndjson");
	tu_write_file(b, "{\"b\":1}\n", 8);
	struct log l;
	log_init(&l);
	l.pipe_w[0] = pl[1];
	l.on_tick = file_tick;
	struct sx_run2_opts o = { { fd_path(pl[0]), b }, 5 };
	sx_run2(&stage, &l, &o);
	ck_assert_str_eq(l.b.data, "L{\"l\":1}L$R{\"b\":1}R$");
	close(pl[0]);
	sx_buf_free(&l.b);
}
END_TEST

/* Lines that are not objects and records the stage rejects go to
 * --on-error with their input's name and line. */
START_TEST(bad_lines_go_to_on_error)
{
	const char *a = tu_path("a.ndjson"), *b = tu_path("b.ndjson");
	tu_write_file(a, "{\"a\":1}\nnope\n", 13);
	tu_write_file(b, "{\"bad\":1}\n{\"b\":2}\n", 18);
	ck_assert_int_eq(sx_onerror_set("skip"), 0);
	sx_set_progname("sx-join");
	int saved = tu_capture_stderr("err.txt");
	struct log l;
	log_init(&l);
	struct sx_run2_opts o = { { a, b }, 0 };
	sx_run2(&stage, &l, &o);
	tu_restore_stderr(saved);
	ck_assert_str_eq(l.b.data, "L{\"a\":1}L$R{\"b\":2}R$");
	char want[1200];
	snprintf(want, sizeof want, "sx-join: %s:2: unexpected character\nsx-join: %s:1: a bad record\n", a, b);
	tu_assert_file_eq("err.txt", want);
	ck_assert_uint_eq(sx_onerror_count(), 2);
	sx_buf_free(&l.b);
}
END_TEST

Suite *sx_run2_suite(void)
{
	Suite *s = suite_create("sx_run2");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_test(tc, two_files_follow_behind);
	tcase_add_test(tc, batches_alternate);
	tcase_add_test(tc, pipes_never_wait_on_each_other);
	tcase_add_test(tc, regular_file_not_read_ahead);
	tcase_add_test(tc, bad_lines_go_to_on_error);
	suite_add_tcase(s, tc);
	return s;
}
