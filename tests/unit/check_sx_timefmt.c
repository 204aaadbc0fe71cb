/* Unit tests for common/sx_timefmt.c */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "sx_err.h"
#include "sx_json.h"
#include "sx_time.h"
#include "sx_timefmt.h"
#include "testutil.h"

/* PATTERN matches INPUT and gives the same instant as RFC 3339 WANT. */
static void ok(const char *pattern, const char *input, const char *want)
{
	const char *why = NULL;
	struct sx_timefmt *f = sx_timefmt_compile(pattern, &why);
	ck_assert_msg(f != NULL, "'%s' does not compile: %s", pattern, why ? why : "?");
	sx_time_t got, exp;
	ck_assert_msg(sx_time_parse(want, strlen(want), &exp) == 0, "bad expectation %s", want);
	ck_assert_msg(sx_timefmt_parse(f, input, strlen(input), &got) == 0, "'%s' does not match '%s'",
		      input, pattern);
	char g[SX_TIME_BUFSIZE];
	sx_time_format(got, g);
	ck_assert_msg(got == exp, "'%s' with '%s': got %s, want %s", input, pattern, g, want);
	sx_timefmt_free(f);
}

static void no(const char *pattern, const char *input)
{
	const char *why = NULL;
	struct sx_timefmt *f = sx_timefmt_compile(pattern, &why);
	ck_assert_msg(f != NULL, "'%s' does not compile: %s", pattern, why ? why : "?");
	sx_time_t got = 12345;
	int r = sx_timefmt_parse(f, input, strlen(input), &got);
	char g[SX_TIME_BUFSIZE] = "";
	if (r == 0)
		sx_time_format(got, g);
	ck_assert_msg(r == -1, "'%s' with '%s' accepted as %s", input, pattern, g);
	sx_timefmt_free(f);
}

START_TEST(numeric_directives)
{
	ok("%Y-%m-%d %H:%M:%S", "2026-03-04 05:06:07", "2026-03-04T05:06:07Z");
	ok("%Y-%m-%dT%H:%M:%S", "2026-12-31T23:59:59", "2026-12-31T23:59:59Z");
	/* one digit or two */
	ok("%Y-%m-%d %H:%M:%S", "2026-3-4 5:6:7", "2026-03-04T05:06:07Z");
	ok("%d/%m/%Y", "04/03/2026", "2026-03-04");
	ok("%m/%d/%Y", "3/4/2026", "2026-03-04");
	ok("%Y%m%d%H%M%S", "20260304050607", "2026-03-04T05:06:07Z");
	/* %e: space-padded day */
	ok("%Y %m %e", "2026 03  4", "2026-03-04");
	ok("%Y-%m-%e", "2026-03-14", "2026-03-14");
	/* %j: day of year, leap years included */
	ok("%Y %j", "2026 001", "2026-01-01");
	ok("%Y %j", "2026 365", "2026-12-31");
	ok("%Y-%j", "2024-60", "2024-02-29");
	ok("%Y-%j", "2024-366", "2024-12-31");
	/* %T and %F */
	ok("%F %T", "2026-01-02 03:04:05", "2026-01-02T03:04:05Z");
	ok("%FT%T", "2026-01-02T03:04:05", "2026-01-02T03:04:05Z");
	/* missing fields default to 1970-01-01 00:00:00 */
	ok("%H:%M", "12:30", "1970-01-01T12:30:00Z");
	ok("%Y", "2026", "2026-01-01");
	/* a leap second, only at 23:59:60 UTC, is the last microsecond of its day */
	ok("%F %T", "2016-12-31 23:59:60", "2016-12-31T23:59:59.999999Z");
}
END_TEST

START_TEST(fractions)
{
	ok("%T.%f", "00:00:01.5", "1970-01-01T00:00:01.5Z");
	ok("%T.%f", "00:00:01.000250", "1970-01-01T00:00:01.000250Z");
	/* beyond the microsecond: truncated */
	ok("%T.%f", "00:00:01.123456789", "1970-01-01T00:00:01.123456Z");
	ok("%T,%f", "00:00:01,25", "1970-01-01T00:00:01.25Z");
	no("%T.%f", "00:00:01.");
	no("%T.%f", "00:00:01.x");
}
END_TEST

START_TEST(twelve_hour_clock)
{
	ok("%I:%M %p", "12:00 AM", "1970-01-01T00:00:00Z");
	ok("%I:%M %p", "12:30 PM", "1970-01-01T12:30:00Z");
	ok("%I:%M %p", "1:05 pm", "1970-01-01T13:05:00Z");
	ok("%I:%M %p", "11:59 PM", "1970-01-01T23:59:00Z");
	ok("%I:%M%p", "9:00am", "1970-01-01T09:00:00Z");
	ok("%Y-%m-%d %I:%M:%S %p", "2026-07-04 08:15:00 PM", "2026-07-04T20:15:00Z");
	no("%I:%M %p", "13:00 PM");
	no("%I:%M %p", "0:00 AM");
	no("%I:%M %p", "10:00 XM");
	no("%I:%M %p", "10:00 A");
}
END_TEST

START_TEST(month_names)
{
	static const char *const full[] = { "January", "February", "March", "April", "May", "June", "July",
					    "August", "September", "October", "November", "December" };
	for (int m = 0; m < 12; m++) {
		char in[64], want[32];
		snprintf(want, sizeof want, "2026-%02d-09", m + 1);
		snprintf(in, sizeof in, "09 %s 2026", full[m]);
		ok("%d %B %Y", in, want);
		snprintf(in, sizeof in, "09 %.3s 2026", full[m]);
		ok("%d %b %Y", in, want);
	}
	ok("%d-%b-%Y", "09-SEP-2026", "2026-09-09");
	ok("%d-%h-%Y", "09-sep-2026", "2026-09-09");
	ok("%b %d %H:%M:%S %Y", "Jun  9 10:00:00 2026", "2026-06-09T10:00:00Z"); /* syslog-style */
	no("%d %b %Y", "09 Sept 2026");
	no("%d %b %Y", "09 Foo 2026");
	no("%d %b %Y", "09 Ju 2026");
}
END_TEST

START_TEST(zones)
{
	ok("%F %T%z", "2026-01-01 12:00:00Z", "2026-01-01T12:00:00Z");
	ok("%F %T%z", "2026-01-01 12:00:00+01", "2026-01-01T11:00:00Z");
	ok("%F %T%z", "2026-01-01 12:00:00+0130", "2026-01-01T10:30:00Z");
	ok("%F %T%z", "2026-01-01 12:00:00+01:30", "2026-01-01T10:30:00Z");
	ok("%F %T %z", "2026-01-01 12:00:00 -05:00", "2026-01-01T17:00:00Z");
	ok("%F %T %z", "2026-01-01 00:30:00 +02:00", "2025-12-31T22:30:00Z");
	ok("%F %T %Z", "2026-01-01 12:00:00 UTC", "2026-01-01T12:00:00Z");
	ok("%F %T %Z", "2026-01-01 12:00:00 GMT", "2026-01-01T12:00:00Z");
	ok("%F %T%Z", "2026-01-01 12:00:00Z", "2026-01-01T12:00:00Z");
	no("%F %T%z", "2026-01-01 12:00:00+24:00");
	no("%F %T%z", "2026-01-01 12:00:00+01:60");
	no("%F %T%z", "2026-01-01 12:00:00+1");
	no("%F %T%z", "2026-01-01 12:00:00+01:");
	no("%F %T%z", "2026-01-01 12:00:00+01:3");
	no("%F %T%z", "2026-01-01 12:00:00CET");
	no("%F %T %Z", "2026-01-01 12:00:00 CET");
	no("%F %T %Z", "2026-01-01 12:00:00 utc");
}
END_TEST

START_TEST(epoch_seconds)
{
	ok("%s", "1767225600", "2026-01-01T00:00:00Z");
	ok("%s", "1767225600.25", "2026-01-01T00:00:00.25Z");
	ok("%s", "-1", "1969-12-31T23:59:59Z");
	ok("@%s", "@0", "1970-01-01T00:00:00Z");
	no("%s", "");
	no("%s", "abc");
	no("%s", "1.2.3");
}
END_TEST

START_TEST(literals_spaces_and_percent)
{
	ok("%Y%%%m", "2026%03", "2026-03-01");
	ok("[%d/%b/%Y:%H:%M:%S %z]", "[10/Oct/2026:13:55:36 -0700]", "2026-10-10T20:55:36Z"); /* Apache */
	/* a space matches one or more spaces; several pattern spaces are one */
	ok("%Y %m", "2026     03", "2026-03-01");
	ok("%Y  %m", "2026 03", "2026-03-01");
	no("%Y %m", "202603");
	no("%Y %m", "2026\t03");
	no("%Y-%m", "2026/03");
	/* everything must be consumed */
	no("%Y-%m-%d", "2026-03-04 ");
	no("%Y-%m-%d", "2026-03-04x");
	no("%Y-%m-%d", "2026-03");
	no("%Y-%m-%d", "");
}
END_TEST

START_TEST(bad_values)
{
	no("%Y-%m-%d", "2026-13-01");
	no("%Y-%m-%d", "2026-00-01");
	no("%Y-%m-%d", "2026-01-00");
	no("%Y-%m-%d", "2026-01-32");
	no("%Y-%m-%d", "2026-04-31");
	no("%Y-%m-%d", "2026-02-29"); /* not a leap year */
	ok("%Y-%m-%d", "2024-02-29", "2024-02-29");
	no("%Y-%m-%d", "1900-02-29");
	no("%Y-%m-%d", "26-01-01");   /* %Y is four digits */
	no("%Y-%m-%d", "202-01-01");
	no("%Y-%m-%d", "2026-001-01"); /* at most two digits */
	no("%H:%M:%S", "24:00:00");
	no("%H:%M:%S", "23:60:00");
	no("%H:%M:%S", "23:59:61");
	no("%Y %j", "2026 000");
	no("%Y %j", "2026 367");
	no("%Y %j", "2026 366");       /* 2026 has 365 days */
	no("%Y %j", "2026 1000");
}
END_TEST

START_TEST(bad_patterns)
{
	static const struct { const char *p, *why; } bad[] = {
		{ "%Y-%Q", "unknown directive (see sx-ingest(1) for the list)" },
		{ "%E", "unknown directive (see sx-ingest(1) for the list)" },
		{ "%Y-%m-%", "pattern ends with '%'" },
		{ "%", "pattern ends with '%'" },
		{ "", "empty pattern" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *why = NULL;
		ck_assert_msg(sx_timefmt_compile(bad[i].p, &why) == NULL, "'%s' compiled", bad[i].p);
		ck_assert_str_eq(why, bad[i].why);
	}
	/* a pattern of literals only is valid (and matches only itself) */
	ok("epoch", "epoch", "1970-01-01");
	no("epoch", "Epoch");
	sx_timefmt_free(NULL);
}
END_TEST

START_TEST(event_time_values)
{
	struct sx_rec rec;
	struct sx_buf scratch = SX_BUF_INIT;
	const char *why;
	sx_time_t t;
	const char *line = "{\"a\":\"2026-01-01T00:00:00.5Z\",\"b\":1767225600.5,\"c\":\"soon\",\"d\":null,\"e\":[1]}";
	sx_rec_init(&rec);
	ck_assert_int_eq(sx_rec_parse(&rec, line, strlen(line), &why), 0);
	ck_assert_ptr_null(sx_field_time(sx_rec_get(&rec, "a"), SX_UNIT_S, NULL, &scratch, &t));
	ck_assert_int_eq(t, INT64_C(1767225600500000));
	ck_assert_ptr_null(sx_field_time(sx_rec_get(&rec, "b"), SX_UNIT_S, NULL, &scratch, &t));
	ck_assert_int_eq(t, INT64_C(1767225600500000));
	sx_set_progname("sx-window");
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "c"), SX_UNIT_S, NULL, &scratch, &t),
			 "'soon' is not RFC 3339 (such as 2026-01-01T12:00:00Z)");
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "d"), SX_UNIT_S, NULL, &scratch, &t), "missing event time");
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "zz"), SX_UNIT_S, NULL, &scratch, &t), "missing event time");
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "e"), SX_UNIT_S, NULL, &scratch, &t),
			 "event time is not a string or a number");
	/* with --time-format, strings are matched against the pattern */
	const char *why2;
	struct sx_timefmt *fmt = sx_timefmt_compile("%d/%m/%Y %H:%M", &why2);
	ck_assert_ptr_nonnull(fmt);
	const char *l2 = "{\"f\":\"02/01/2026 10:30\",\"g\":\"2026-01-02\",\"n\":1767225600}";
	ck_assert_int_eq(sx_rec_parse(&rec, l2, strlen(l2), &why), 0);
	ck_assert_ptr_null(sx_field_time(sx_rec_get(&rec, "f"), SX_UNIT_S, fmt, &scratch, &t));
	ck_assert_int_eq(t, INT64_C(1767349800000000));
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "g"), SX_UNIT_S, fmt, &scratch, &t),
			 "'2026-01-02' does not match --time-format: '/' expected at '26-01-02'");
	ck_assert_ptr_null(sx_field_time(sx_rec_get(&rec, "n"), SX_UNIT_S, fmt, &scratch, &t)); /* numbers: epoch */
	ck_assert_int_eq(t, INT64_C(1767225600000000));
	sx_timefmt_free(fmt);
	sx_rec_free(&rec);
	sx_buf_free(&scratch);
}
END_TEST

Suite *sx_timefmt_suite(void)
{
	Suite *s = suite_create("sx_timefmt");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, numeric_directives);
	tcase_add_test(tc, fractions);
	tcase_add_test(tc, twelve_hour_clock);
	tcase_add_test(tc, month_names);
	tcase_add_test(tc, zones);
	tcase_add_test(tc, epoch_seconds);
	tcase_add_test(tc, literals_spaces_and_percent);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, bad_patterns);
	tcase_add_test(tc, event_time_values);
	suite_add_tcase(s, tc);
	return s;
}
