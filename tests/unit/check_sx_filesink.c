/* Unit tests for common/sx_filesink.c */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_filesink.h"
#include "sx_json.h"
#include "testutil.h"

START_TEST(names_sort_in_creation_order)
{
	struct sx_buf a = SX_BUF_INIT, b = SX_BUF_INIT;
	sx_filesink_name(&a, "20261208T031200123456Z-9f3a1c2e", 9, ".ndjson");
	sx_filesink_name(&b, "20261208T031200123456Z-9f3a1c2e", 10, ".ndjson");
	ck_assert_str_eq(a.data, "20261208T031200123456Z-9f3a1c2e-00000009.ndjson");
	ck_assert_int_lt(strcmp(a.data, b.data), 0);
	sx_buf_free(&a);
	sx_buf_free(&b);
	ck_assert(sx_filesink_is_part(".20261208T031200123456Z-9f3a1c2e-00000009.ndjson.part"));
	ck_assert(sx_filesink_is_part(".20261208T031200123456Z-9f3a1c2e-00000009.csv.gz.part"));
	ck_assert(!sx_filesink_is_part("20261208T031200123456Z-9f3a1c2e-00000009.ndjson"));
	ck_assert(!sx_filesink_is_part(".mine.part"));
	ck_assert(!sx_filesink_is_part(".20261208X031200123456Z-9f3a1c2e-00000009.ndjson.part"));
}
END_TEST

/* Visible files under DIR (recursively), hidden ones in *hidden. */
static int count_files(const char *dir, int *hidden)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	char sub[1024];
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		struct stat st;
		ck_assert_int_eq(stat(sub, &st), 0);
		if (S_ISDIR(st.st_mode))
			n += count_files(sub, hidden);
		else if (e->d_name[0] == '.')
			(*hidden)++;
		else
			n++;
	}
	closedir(d);
	return n;
}

static void feed(struct sx_filesink *s, const char *json)
{
	struct sx_rec rec;
	const char *why = NULL;
	sx_rec_init(&rec);
	ck_assert_int_eq(sx_rec_parse(&rec, json, strlen(json), &why), 0);
	ck_assert_int_eq(sx_filesink_stage.record(s, &rec, &why), SX_OK);
	sx_rec_free(&rec);
}

START_TEST(watermark_closes_an_hour_and_rows_rotate)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	struct sx_filesink_cfg c = { .path = "o/{time}", .time_field = "ts", .max_open = 10,
		.flush_us = 1000000, .max_rows = 2 };
	char err[256];
	struct sx_filesink *s = sx_filesink_new(&c, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	sx_filesink_start(s);
	int hidden = 0;
	feed(s, "{\"ts\":\"2026-01-01T00:10:00Z\"}");
	ck_assert_int_eq(count_files("o", &hidden), 0); /* open: hidden */
	ck_assert_int_eq(hidden, 1);
	feed(s, "{\"ts\":\"2026-01-01T00:20:00Z\"}");   /* --max-rows 2: closed */
	feed(s, "{\"ts\":\"2026-01-01T00:30:00Z\"}");
	feed(s, "{\"ts\":\"2026-01-01T01:00:00Z\"}");   /* the watermark passes 01:00 */
	sx_filesink_before_block(s);                      /* publishes what is closed */
	hidden = 0;
	ck_assert_int_eq(count_files("o/00", &hidden), 2);
	ck_assert_int_eq(hidden, 0);
	ck_assert_int_eq(count_files("o/01", &hidden), 0);
	ck_assert_int_eq(hidden, 1);
	sx_filesink_stage.finish(s);
	hidden = 0;
	ck_assert_int_eq(count_files("o", &hidden), 3);
	ck_assert_int_eq(hidden, 0);
}
END_TEST

START_TEST(least_recently_used_closed_first)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	struct sx_filesink_cfg c = { .path = "o/{g}", .max_open = 2, .flush_us = 1000000 };
	char err[256];
	struct sx_filesink *s = sx_filesink_new(&c, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	sx_filesink_start(s);
	int hidden = 0;
	feed(s, "{\"g\":1}");
	feed(s, "{\"g\":2}");
	feed(s, "{\"g\":1}");   /* 2 is now the least recently used */
	feed(s, "{\"g\":3}");   /* closes 2, not 1 */
	sx_filesink_before_block(s);
	ck_assert_int_eq(count_files("o/2", &hidden), 1);
	ck_assert_int_eq(hidden, 0);
	ck_assert_int_eq(count_files("o/1", &hidden), 0);
	ck_assert_int_eq(hidden, 1);
	sx_filesink_stage.finish(s);
}
END_TEST

START_TEST(bad_configuration)
{
	char err[256];
	struct sx_filesink_cfg c = { .max_open = 1 };
	ck_assert_ptr_null(sx_filesink_new(&c, err, sizeof err));
	ck_assert_str_eq(err, "--path PATTERN is required");
	c.path = "a\nb";
	ck_assert_ptr_null(sx_filesink_new(&c, err, sizeof err));
	c.path = "o";
	c.defer = 1;
	ck_assert_ptr_null(sx_filesink_new(&c, err, sizeof err));
	ck_assert_str_eq(err, "--defer-commit needs --state FILE");
}
END_TEST

Suite *sx_filesink_suite(void)
{
	Suite *s = suite_create("sx_filesink");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_test(tc, names_sort_in_creation_order);
	tcase_add_test(tc, watermark_closes_an_hour_and_rows_rotate);
	tcase_add_test(tc, least_recently_used_closed_first);
	tcase_add_test(tc, bad_configuration);
	suite_add_tcase(s, tc);
	return s;
}
