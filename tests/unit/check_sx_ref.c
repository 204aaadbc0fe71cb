/* Unit tests for common/sx_ref.c: reference tables (formats, typing, keys,
 * duplicates), enrichment, and --reload with a fake clock. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "sx_err.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_ref.h"
#include "sx_run.h"
#include "sx_stats.h"
#include "testutil.h"

#define S INT64_C(1000000)

static int64_t fake_mono;

static int64_t mono(void)
{
	return fake_mono;
}

static const struct sx_clock fake_clock = { sx_time_now, mono };

static char *lk[] = { "deviceId", "b" }, *rk[] = { "deviceId", "b" };

struct h {
	struct sx_ref_cfg c;
	struct sx_ref r;
	struct sx_out out;
	struct sx_rec rec;
	int saved_err;
};

static void h_open(struct h *h, const char *file, int left, int64_t reload)
{
	memset(h, 0, sizeof *h);
	memset(&sx_stats, 0, sizeof sx_stats);
	sx_set_progname("sx-join");
	sx_clock_hook = &fake_clock;
	fake_mono = 1000 * S;
	h->c.path = file;
	h->c.lkeys = lk;
	h->c.rkeys = rk;
	h->c.nkeys = 1;
	h->c.left = left;
	h->c.prefix = "right_";
	h->c.reload = reload;
	int fd = open(tu_path("out.ndjson"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	sx_out_init(&h->out, fd, "out");
	sx_rec_init(&h->rec);
	h->saved_err = tu_capture_stderr("err.txt");
	sx_ref_init(&h->r, &h->c, &h->out);
}

static void feed(struct h *h, const char *text)
{
	const char *why;
	ck_assert_int_eq(sx_rec_parse(&h->rec, text, strlen(text), &why), 0);
	ck_assert_int_eq(sx_ref_stage.record(&h->r, &h->rec, &why), SX_OK);
}

static char *rows(struct h *h)
{
	sx_out_flush(&h->out);
	return tu_slurp("out.ndjson");
}

#define ROWS(h, want) do {                                               \
	char *got_ = rows(h);                                            \
	ck_assert_msg(strcmp(got_, want) == 0, "rows:\n%s\nwant:\n%s", got_, want); \
	free(got_);                                                      \
} while (0)

/* Messages so far, and start over. */
static char *errors(void)
{
	fflush(stderr);
	char *e = tu_slurp("err.txt");
	ck_assert_int_eq(ftruncate(2, 0), 0);
	ck_assert_int_eq(lseek(2, 0, SEEK_SET), 0);
	return e;
}

#define ERRORS(want) do {                                                \
	char *e_ = errors();                                             \
	ck_assert_msg(strcmp(e_, want) == 0, "errors:\n%s\nwant:\n%s", e_, want); \
	free(e_);                                                        \
} while (0)

static void h_close(struct h *h)
{
	sx_ref_free(&h->r);
	sx_out_close(&h->out);
	sx_rec_free(&h->rec);
	tu_restore_stderr(h->saved_err);
	sx_clock_hook = NULL;
}

static const char *write_tmp(const char *name, const char *text)
{
	const char *p = tu_path(name);
	tu_write_file(p, text, strlen(text));
	return p;
}

START_TEST(csv_typed_as_sx_ingest)
{
	char path[600];
	snprintf(path, sizeof path, "%s", write_tmp("dev.csv",
		"deviceId,site,code,floor,active\n"
		"1,\"Lyon, B\",007,2,true\n"
		"d-2,Paris,12,,false\n"));
	struct h h;
	h_open(&h, path, 0, 0);
	ck_assert_uint_eq(sx_ref_count(&h.r), 2);
	feed(&h, "{\"deviceId\":1.0,\"t\":20.5}");
	feed(&h, "{\"deviceId\":\"1\",\"t\":1}");     /* a string is not the number 1 */
	feed(&h, "{\"deviceId\":\"d-2\",\"t\":2}");
	feed(&h, "{\"t\":3}");
	ROWS(&h, "{\"deviceId\":1.0,\"t\":20.5,\"site\":\"Lyon, B\",\"code\":\"007\",\"floor\":2,\"active\":true}\n"
		 "{\"deviceId\":\"d-2\",\"t\":2,\"site\":\"Paris\",\"code\":12,\"floor\":null,\"active\":false}\n");
	ck_assert_uint_eq(*sx_stats_counter("matched"), 2);
	ck_assert_uint_eq(*sx_stats_counter("unmatched"), 2);
	ck_assert_uint_eq(*sx_stats_counter("ref_rows"), 2);
	ERRORS("");
	h_close(&h);
}
END_TEST

START_TEST(ndjson_json_and_gzip)
{
	char path[600];
	snprintf(path, sizeof path, "%s", write_tmp("dev.ndjson",
		"{\"deviceId\":\"a\",\"site\":\"x\",\"t\":\"ref\"}\n{\"deviceId\":\"b\",\"site\":\"y\"}\n"));
	struct h h;
	h_open(&h, path, 1, 0);
	feed(&h, "{\"deviceId\":\"a\",\"t\":1}");
	feed(&h, "{\"deviceId\":\"c\",\"t\":2}");
	/* t collides: right_t */
	ROWS(&h, "{\"deviceId\":\"a\",\"t\":1,\"site\":\"x\",\"right_t\":\"ref\"}\n{\"deviceId\":\"c\",\"t\":2}\n");
	h_close(&h);

	/* a JSON array, gzipped, under a name without .gz */
	snprintf(path, sizeof path, "%s", tu_path("dev.json"));
	gzFile z = gzopen(path, "wb");
	ck_assert_ptr_nonnull(z);
	const char *arr = "[\n {\"deviceId\": \"a\", \"site\": \"z\"},\n {\"deviceId\": \"b\"}\n]\n";
	ck_assert_int_eq(gzwrite(z, arr, (unsigned)strlen(arr)), (int)strlen(arr));
	ck_assert_int_eq(gzclose(z), Z_OK);
	h_open(&h, path, 0, 0);
	feed(&h, "{\"deviceId\":\"a\"}");
	feed(&h, "{\"deviceId\":\"b\"}");
	ROWS(&h, "{\"deviceId\":\"a\",\"site\":\"z\"}\n{\"deviceId\":\"b\"}\n");
	h_close(&h);
}
END_TEST

START_TEST(duplicate_and_null_keys)
{
	char path[600];
	snprintf(path, sizeof path, "%s", write_tmp("dup.csv",
		"deviceId,b,v\n1,x,first\n2,x,two\n1,y,second\n,x,nokey\n1,z,third\n"));
	struct h h;
	h_open(&h, path, 0, 0);
	char want[2400];
	snprintf(want, sizeof want,
		 "sx-join: %s: 2 rows repeat the key of an earlier row; the last one wins (first: {\"deviceId\":1})\n"
		 "sx-join: %s: 1 row with a null or missing key can never match\n", path, path);
	ERRORS(want);
	ck_assert_uint_eq(sx_ref_count(&h.r), 2);
	feed(&h, "{\"deviceId\":1}");
	ROWS(&h, "{\"deviceId\":1,\"b\":\"z\",\"v\":\"third\"}\n");
	h_close(&h);

	/* two keys */
	h_open(&h, path, 0, 0);
	h.c.nkeys = 2;
	sx_ref_free(&h.r);
	free(errors());
	sx_ref_init(&h.r, &h.c, &h.out);
	ck_assert_uint_eq(sx_ref_count(&h.r), 4);
	feed(&h, "{\"b\":\"y\",\"deviceId\":1}");
	feed(&h, "{\"b\":\"y\",\"deviceId\":2}");
	ROWS(&h, "{\"b\":\"y\",\"deviceId\":1,\"v\":\"second\"}\n");
	snprintf(want, sizeof want, "sx-join: %s: 1 row with a null or missing key can never match\n", path);
	ERRORS(want);
	h_close(&h);
}
END_TEST

/* A new version is loaded when the file changed, checked at most every
 * DUR; one that fails keeps the old one. */
START_TEST(reload_swaps_versions)
{
	char path[600], tmp[600];
	snprintf(path, sizeof path, "%s", write_tmp("dev.csv", "deviceId,site\n1,old\n"));
	snprintf(tmp, sizeof tmp, "%s", tu_path("dev.csv.tmp"));
	struct h h;
	h_open(&h, path, 1, 10 * S);
	ck_assert_int_eq(sx_ref_tick_ms(&h.r), 1000); /* half of DUR, at most a second */
	feed(&h, "{\"deviceId\":1}");
	/* replaced (atomically, as one should), but not due yet */
	tu_write_file(tmp, "deviceId,site\n1,new\n2,two\n", 26);
	ck_assert_int_eq(rename(tmp, path), 0);
	fake_mono += 5 * S;
	ck_assert_int_eq(sx_ref_check(&h.r), 0);
	feed(&h, "{\"deviceId\":1}");
	fake_mono += 5 * S;
	feed(&h, "{\"deviceId\":1}");    /* due: checked on this record */
	feed(&h, "{\"deviceId\":2}");
	ROWS(&h, "{\"deviceId\":1,\"site\":\"old\"}\n{\"deviceId\":1,\"site\":\"old\"}\n"
		 "{\"deviceId\":1,\"site\":\"new\"}\n{\"deviceId\":2,\"site\":\"two\"}\n");
	ck_assert_uint_eq(*sx_stats_counter("reloads"), 1);
	ck_assert_uint_eq(*sx_stats_counter("ref_rows"), 2);
	/* unchanged: nothing to do */
	fake_mono += 10 * S;
	ck_assert_int_eq(sx_ref_check(&h.r), 0);
	/* a broken version (bad row under --on-error fail) keeps the old one */
	tu_write_file(tmp, "deviceId,site\n1,bad,row\n", 24);
	ck_assert_int_eq(rename(tmp, path), 0);
	fake_mono += 10 * S;
	ck_assert_int_eq(sx_ref_check(&h.r), -1);
	char want[2400];
	snprintf(want, sizeof want, "sx-join: %s: reload failed (%s:2: row has 3 fields, the header has 2); "
		 "keeping the version loaded before\n", path, path);
	ERRORS(want);
	feed(&h, "{\"deviceId\":2}");
	/* ... and is not retried until the file changes again */
	fake_mono += 10 * S;
	ck_assert_int_eq(sx_ref_check(&h.r), 0);
	ERRORS("");
	/* a bad header: the same */
	tu_write_file(tmp, "deviceId,deviceId\n1,2\n", 22);
	ck_assert_int_eq(rename(tmp, path), 0);
	fake_mono += 10 * S;
	ck_assert_int_eq(sx_ref_check(&h.r), -1);
	snprintf(want, sizeof want, "sx-join: %s: reload failed (%s:1: duplicate column name 'deviceId'); "
		 "keeping the version loaded before\n", path, path);
	ERRORS(want);
	/* the file goes away: warned once */
	ck_assert_int_eq(unlink(path), 0);
	fake_mono += 10 * S;
	ck_assert_int_eq(sx_ref_check(&h.r), -1);
	fake_mono += 10 * S;
	ck_assert_int_eq(sx_ref_check(&h.r), -1);
	snprintf(want, sizeof want, "sx-join: %s: cannot check for a new version (No such file or directory); "
		 "keeping the one loaded\n", path);
	ERRORS(want);
	/* back, fixed: loaded on the next tick, with no record needed */
	tu_write_file(tmp, "deviceId,site\n2,back\n", 21);
	ck_assert_int_eq(rename(tmp, path), 0);
	fake_mono += 10 * S;
	sx_ref_stage.tick(&h.r);
	feed(&h, "{\"deviceId\":2}");
	feed(&h, "{\"deviceId\":1}");
	ROWS(&h, "{\"deviceId\":1,\"site\":\"old\"}\n{\"deviceId\":1,\"site\":\"old\"}\n"
		 "{\"deviceId\":1,\"site\":\"new\"}\n{\"deviceId\":2,\"site\":\"two\"}\n"
		 "{\"deviceId\":2,\"site\":\"two\"}\n{\"deviceId\":2,\"site\":\"back\"}\n{\"deviceId\":1}\n");
	ck_assert_uint_eq(*sx_stats_counter("reloads"), 2);
	ERRORS("");
	h_close(&h);
}
END_TEST

/* Under --on-error skip a bad row of a new version is skipped (with the
 * usual message) and the rest loads. */
START_TEST(reload_under_skip)
{
	ck_assert_int_eq(sx_onerror_set("skip"), 0);
	char path[600], tmp[600];
	snprintf(path, sizeof path, "%s", write_tmp("dev.csv", "deviceId,site\n1,old\n"));
	snprintf(tmp, sizeof tmp, "%s", tu_path("dev.csv.tmp"));
	struct h h;
	h_open(&h, path, 0, 1 * S);
	tu_write_file(tmp, "deviceId,site\n1,bad,row\n2,two\n", 30);
	ck_assert_int_eq(rename(tmp, path), 0);
	fake_mono += 2 * S;
	ck_assert_int_eq(sx_ref_check(&h.r), 1);
	char want[2400];
	snprintf(want, sizeof want, "sx-join: %s:2: row has 3 fields, the header has 2\n", path);
	ERRORS(want);
	feed(&h, "{\"deviceId\":1}");
	feed(&h, "{\"deviceId\":2}");
	ROWS(&h, "{\"deviceId\":2,\"site\":\"two\"}\n");
	h_close(&h);
}
END_TEST

/* At start, a file that cannot be read is fatal (exit 1). */
static int open_missing(void *arg)
{
	sx_set_progname("sx-join");
	struct sx_ref_cfg c = { arg, lk, rk, 1, 0, "right_", 0 };
	struct sx_ref r;
	struct sx_out o;
	sx_out_init(&o, 1, "stdout");
	sx_ref_init(&r, &c, &o);
	return 0;
}

START_TEST(missing_file_exits_1)
{
	char path[600];
	snprintf(path, sizeof path, "%s", tu_path("nope.csv"));
	ck_assert_int_eq(tu_run_child(open_missing, path, NULL, "child.err"), 1);
	char want[700];
	snprintf(want, sizeof want, "sx-join: %s: No such file or directory\n", path);
	tu_assert_file_eq("child.err", want);
}
END_TEST

Suite *sx_ref_suite(void)
{
	Suite *s = suite_create("sx_ref");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_test(tc, csv_typed_as_sx_ingest);
	tcase_add_test(tc, ndjson_json_and_gzip);
	tcase_add_test(tc, duplicate_and_null_keys);
	tcase_add_test(tc, reload_swaps_versions);
	tcase_add_test(tc, reload_under_skip);
	tcase_add_test(tc, missing_file_exits_1);
	suite_add_tcase(s, tc);
	return s;
}
