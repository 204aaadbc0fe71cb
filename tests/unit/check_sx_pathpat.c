/* Unit tests for common/sx_pathpat.c */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_json.h"
#include "sx_pathpat.h"
#include "sx_time.h"

static sx_time_t T(const char *s)
{
	sx_time_t t;
	ck_assert_int_eq(sx_time_parse(s, strlen(s), &t), 0);
	return t;
}

/* Render PATTERN for the record JSON at time TIME into a static buffer;
 * NULL when the record is refused (*why then set). */
static const char *render(const char *pattern, const char *json, const char *time, const char **why)
{
	static char res[1024];
	char err[256];
	struct sx_pathpat *p = sx_pathpat_compile(pattern, NULL, NULL, NULL, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	struct sx_rec rec;
	struct sx_buf out = SX_BUF_INIT, scratch = SX_BUF_INIT;
	const char *pw;
	sx_rec_init(&rec);
	ck_assert_int_eq(sx_rec_parse(&rec, json, strlen(json), &pw), 0);
	int r = sx_pathpat_render(p, &rec, T(time), &out, &scratch, why);
	if (r == 0)
		snprintf(res, sizeof res, "%s", out.data ? out.data : "");
	else
		snprintf(res, sizeof res, "ERR %s", *why);
	sx_buf_free(&out);
	sx_buf_free(&scratch);
	sx_rec_free(&rec);
	sx_pathpat_free(p);
	return res;
}

START_TEST(time_tokens)
{
	const char *why;
	ck_assert_str_eq(render("o/{date}/{time}", "{}", "2026-03-04T05:06:07Z", &why), "o/2026/03/04/05");
	ck_assert_str_eq(render("{datetime:yyyy-M-d H.m.s}", "{}", "2026-03-04T05:06:07Z", &why),
			 "2026-3-4 5.6.7");
	ck_assert_str_eq(render("{datetime:MMddHHmmss}", "{}", "2026-11-24T15:16:17.9Z", &why), "1124151617");
	/* the year's digits all the way */
	ck_assert_str_eq(render("{datetime:yyyy}", "{}", "0042-01-01T00:00:00Z", &why), "0042");
	/* negative times (before 1970) floor, not truncate */
	ck_assert_str_eq(render("{date}/{time}", "{}", "1969-12-31T23:59:59.5Z", &why), "1969/12/31/23");
}
END_TEST

START_TEST(date_and_time_formats)
{
	char err[256];
	struct sx_pathpat *p = sx_pathpat_compile("{date}_{time}", "DD/MM/YYYY", "HH-mm", NULL, err, sizeof err);
	ck_assert_ptr_nonnull(p);
	struct sx_rec rec;
	struct sx_buf out = SX_BUF_INIT, scratch = SX_BUF_INIT;
	const char *why;
	sx_rec_init(&rec);
	ck_assert_int_eq(sx_rec_parse(&rec, "{}", 2, &why), 0);
	ck_assert_int_eq(sx_pathpat_render(p, &rec, T("2026-01-02T03:04:05Z"), &out, &scratch, &why), 0);
	ck_assert_str_eq(out.data, "02/01/2026_03-04");
	sx_buf_free(&out);
	sx_buf_free(&scratch);
	sx_rec_free(&rec);
	sx_pathpat_free(p);
	/* YYYY is the date format's spelling only */
	ck_assert_ptr_null(sx_pathpat_compile("{datetime:YYYY}", NULL, NULL, NULL, err, sizeof err));
	ck_assert_ptr_null(sx_pathpat_compile("{time}", NULL, "hh", NULL, err, sizeof err));
	ck_assert_str_eq(err, "--time-format: letter 'h' is not a time field (yyyy, MM, M, dd, d, HH, H, mm, m, ss, s)");
}
END_TEST

START_TEST(field_values_are_safe_folder_names)
{
	const char *why;
	ck_assert_str_eq(render("d={v}", "{\"v\":\"a/b\"}", "2026-01-01T00:00:00Z", &why), "d=a%2Fb");
	ck_assert_str_eq(render("{v}", "{\"v\":\"..\"}", "2026-01-01T00:00:00Z", &why), "%2E%2E");
	ck_assert_str_eq(render("{v}", "{\"v\":\".\"}", "2026-01-01T00:00:00Z", &why), "%2E");
	ck_assert_str_eq(render("{v}", "{\"v\":\"...\"}", "2026-01-01T00:00:00Z", &why), "...");
	ck_assert_str_eq(render("{v}", "{\"v\":\"a\\u0000b\\nc\\u007f\"}", "2026-01-01T00:00:00Z", &why),
			 "a%00b%0Ac%7F");
	ck_assert_str_eq(render("{v}", "{\"v\":\"k=v:%#?*'\\\"\\\\{[]^\"}", "2026-01-01T00:00:00Z", &why),
			 "k%3Dv%3A%25%23%3F%2A%27%22%5C%7B%5B%5D%5E");
	ck_assert_str_eq(render("{v}", "{\"v\":\"caf\\u00e9\"}", "2026-01-01T00:00:00Z", &why), "caf\xc3\xa9");
	ck_assert_str_eq(render("{v}", "{\"v\":3.50}", "2026-01-01T00:00:00Z", &why), "3.50");
	ck_assert_str_eq(render("{v}", "{\"v\":false}", "2026-01-01T00:00:00Z", &why), "false");
	/* the last of duplicate keys, as every sx tool reads them */
	ck_assert_str_eq(render("{v}", "{\"v\":1,\"v\":2}", "2026-01-01T00:00:00Z", &why), "2");
}
END_TEST

START_TEST(null_missing_empty_and_refused)
{
	const char *why;
	ck_assert_str_eq(render("{v}", "{\"v\":null}", "2026-01-01T00:00:00Z", &why), SX_PATHPAT_NULL_DEFAULT);
	ck_assert_str_eq(render("{v}", "{}", "2026-01-01T00:00:00Z", &why), SX_PATHPAT_NULL_DEFAULT);
	ck_assert_str_eq(render("{v}", "{\"v\":\"\"}", "2026-01-01T00:00:00Z", &why), SX_PATHPAT_NULL_DEFAULT);
	ck_assert_str_eq(render("{v}", "{\"v\":{}}", "2026-01-01T00:00:00Z", &why),
			 "ERR field 'v': an object cannot name a folder");
	ck_assert_str_eq(render("{v}", "{\"v\":[1]}", "2026-01-01T00:00:00Z", &why),
			 "ERR field 'v': an array cannot name a folder");
	char json[400];
	snprintf(json, sizeof json, "{\"v\":\"%0255d\"}", 0);
	ck_assert_uint_eq(strlen(render("{v}", json, "2026-01-01T00:00:00Z", &why)), 255);
	snprintf(json, sizeof json, "{\"v\":\"%0254d/\"}", 0); /* 257 once escaped */
	ck_assert_str_eq(render("{v}", json, "2026-01-01T00:00:00Z", &why),
			 "ERR field 'v': value too long for a folder name (over 255 bytes once escaped)");
}
END_TEST

START_TEST(bucket_end_and_base)
{
	char err[256];
	struct sx_pathpat *p = sx_pathpat_compile("a/b/x{time}/{d}", NULL, NULL, NULL, err, sizeof err);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sx_pathpat_has_time(p), 1);
	ck_assert_int_eq(sx_pathpat_bucket_end(p, T("2026-01-01T05:59:59.999999Z")), T("2026-01-01T06:00:00Z"));
	ck_assert_int_eq(sx_pathpat_bucket_end(p, T("2026-01-01T06:00:00Z")), T("2026-01-01T07:00:00Z"));
	ck_assert_str_eq(sx_pathpat_base(p), "a/b");
	sx_pathpat_free(p);
	p = sx_pathpat_compile("m={datetime:MM}", NULL, NULL, NULL, err, sizeof err);
	ck_assert_int_eq(sx_pathpat_bucket_end(p, T("2024-02-10T00:00:00Z")), T("2024-03-01T00:00:00Z"));
	ck_assert_int_eq(sx_pathpat_bucket_end(p, T("2024-12-31T23:00:00Z")), T("2025-01-01T00:00:00Z"));
	ck_assert_str_eq(sx_pathpat_base(p), ".");
	sx_pathpat_free(p);
	p = sx_pathpat_compile("/data/{v}", NULL, NULL, NULL, err, sizeof err);
	ck_assert_int_eq(sx_pathpat_has_time(p), 0);
	ck_assert_int_eq(sx_pathpat_bucket_end(p, T("2024-02-10T00:00:00Z")), SX_TIME_MAX);
	ck_assert_str_eq(sx_pathpat_base(p), "/data");
	sx_pathpat_free(p);
	p = sx_pathpat_compile("plain/dir/", NULL, NULL, NULL, err, sizeof err);
	ck_assert_str_eq(sx_pathpat_base(p), "plain/dir");
	sx_pathpat_free(p);
}
END_TEST

START_TEST(cache_follows_time_back_and_forth)
{
	/* the civil-time cache must not leak one bucket into another */
	char err[256];
	struct sx_pathpat *p = sx_pathpat_compile("{date}/{time}", NULL, NULL, NULL, err, sizeof err);
	struct sx_rec rec;
	struct sx_buf out = SX_BUF_INIT, scratch = SX_BUF_INIT;
	const char *why;
	static const char *const times[] = { "2026-01-01T05:10:00Z", "2026-01-01T06:00:00Z",
		"2026-01-01T05:59:59.999999Z", "2025-12-31T23:00:00Z", "2026-01-01T05:00:00Z" };
	static const char *const want[] = { "2026/01/01/05", "2026/01/01/06", "2026/01/01/05", "2025/12/31/23",
		"2026/01/01/05" };
	sx_rec_init(&rec);
	ck_assert_int_eq(sx_rec_parse(&rec, "{}", 2, &why), 0);
	for (int i = 0; i < 5; i++) {
		sx_buf_reset(&out);
		ck_assert_int_eq(sx_pathpat_render(p, &rec, T(times[i]), &out, &scratch, &why), 0);
		ck_assert_str_eq(out.data, want[i]);
	}
	sx_buf_free(&out);
	sx_buf_free(&scratch);
	sx_rec_free(&rec);
	sx_pathpat_free(p);
}
END_TEST

START_TEST(bad_patterns)
{
	char err[256];
	ck_assert_ptr_null(sx_pathpat_compile("", NULL, NULL, NULL, err, sizeof err));
	ck_assert_ptr_null(sx_pathpat_compile("a/{b", NULL, NULL, NULL, err, sizeof err));
	ck_assert_ptr_null(sx_pathpat_compile("a/b}", NULL, NULL, NULL, err, sizeof err));
	ck_assert_ptr_null(sx_pathpat_compile("a/{}", NULL, NULL, NULL, err, sizeof err));
	ck_assert_ptr_null(sx_pathpat_compile("{datetime:}", NULL, NULL, NULL, err, sizeof err));
	ck_assert_ptr_null(sx_pathpat_compile("{datetime:yyy}", NULL, NULL, NULL, err, sizeof err));
	ck_assert_str_eq(err, "--path {datetime:SPEC}: 'yyy' is not a time field (yyyy, MM, M, dd, d, HH, H, mm, m, ss, s)");
	ck_assert_ptr_null(sx_pathpat_compile("{v}", NULL, NULL, "..", err, sizeof err));
	ck_assert_ptr_null(sx_pathpat_compile("{v}", NULL, NULL, "a/b", err, sizeof err));
}
END_TEST

Suite *sx_pathpat_suite(void)
{
	Suite *s = suite_create("sx_pathpat");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, time_tokens);
	tcase_add_test(tc, date_and_time_formats);
	tcase_add_test(tc, field_values_are_safe_folder_names);
	tcase_add_test(tc, null_missing_empty_and_refused);
	tcase_add_test(tc, bucket_end_and_base);
	tcase_add_test(tc, cache_follows_time_back_and_forth);
	tcase_add_test(tc, bad_patterns);
	suite_add_tcase(s, tc);
	return s;
}
