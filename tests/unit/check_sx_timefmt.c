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

/* Issue 12 item 9: --time-format results are range-checked like RFC 3339. */
START_TEST(test_defect_time_format_range_checked)
{
	/* 10000-01-01T23:58:59Z: was written as 9999-01-01T23:58:59.000Z */
	no("%Y-%m-%d %H:%M:%S %z", "9999-12-31 23:59:59 -2359");
	ok("%Y-%m-%d %H:%M:%S %z", "9999-12-31 23:59:59 +2359", "9999-12-31T00:00:59Z");
	/* year 0000 was accepted and written (then refused by sx-window) */
	no("%Y-%m-%d", "0000-06-01");
	no("%Y-%m-%d %H:%M %z", "0001-01-01 00:00 +0001");
	ok("%Y-%m-%d %H:%M %z", "0000-12-31 23:00 -0100", "0001-01-01T00:00:00Z");
	/* 23:59:60 was folded into the next minute at any minute of any day */
	no("%F %T", "2026-03-04 12:30:60");
	no("%F %T %z", "2016-12-31 23:59:60 +0100");
	ok("%F %T %z", "2016-12-31 18:59:60 -0500", "2016-12-31T23:59:59.999999Z");
	ok("%F %T.%f", "2016-12-31 23:59:60.5", "2016-12-31T23:59:59.999999Z");
	no("%s", "253402300800");       /* 10000-01-01 */
	ok("%s", "253402300799", "9999-12-31T23:59:59Z");
}
END_TEST

static struct sx_timefmt *compile(const char *pattern)
{
	const char *why;
	struct sx_timefmt *f = sx_timefmt_compile(pattern, &why);
	ck_assert_ptr_nonnull(f);
	return f;
}

/* The reason for a refused time, as sx-ingest (with FMT) or sx-window says it. */
static void says(const char *tool, const char *pattern, int numbers, const char *input, const char *want)
{
	struct sx_buf scratch = SX_BUF_INIT;
	struct sx_timefmt *f = pattern ? compile(pattern) : NULL;
	sx_set_progname(tool);
	const char *got = sx_time_why(input, strlen(input), SX_UNIT_S, f, numbers, &scratch);
	ck_assert_msg(strcmp(got, want) == 0, "%s: got\n%s\nwant\n%s", input, got, want);
	sx_timefmt_free(f);
	sx_buf_free(&scratch);
}

START_TEST(test_defect_time_messages_name_the_fix)
{
	/* a --time-format mismatch says what was expected where */
	says("sx-ingest", "%d/%m/%Y %H:%M", 0, "2026-01-02", "'2026-01-02' does not match --time-format: '/' expected at '26-01-02'");
	says("sx-ingest", "%d/%m/%Y %H:%M", 0, "02/01/2026", "'02/01/2026' does not match --time-format: it ends where ' ' is expected");
	says("sx-ingest", "%d/%m/%Y %H:%M", 0, "02/01/2026 10:30 x", "'02/01/2026 10:30 x' does not match --time-format: ' x' is left over");
	says("sx-ingest", "%d %b %Y", 0, "02 Foo 2026", "'02 Foo 2026' does not match --time-format: %b expected at 'Foo 2026'");
	/* and a field out of range says which */
	says("sx-ingest", "%Y-%m-%d %H:%M:%S %z", 0, "9999-12-31 23:59:59 -2359",
	     "'9999-12-31 23:59:59 -2359': outside years 0001-9999 in UTC");
	says("sx-ingest", "%F %T", 0, "2026-03-04 12:30:60",
	     "'2026-03-04 12:30:60': second 60 (a leap second) is accepted only at 23:59:60 UTC");
	says("sx-ingest", "%d/%m/%Y", 0, "31/04/2026", "'31/04/2026': day 31 is out of range for 2026-04 (01-30)");
	says("sx-ingest", "%I:%M %p", 0, "13:00 PM", "'13:00 PM': hour 13 is out of range for %I (01-12)");
	says("sx-ingest", "%Y %j", 0, "2026 366", "'2026 366': day 366 is out of range for the year 2026");
	says("sx-ingest", "%F %H:%M %z", 0, "2026-01-01 12:00 +2400", "'2026-01-01 12:00 +2400': offset +24:00 is out of range (at most 23:59)");
	/* not RFC 3339: the layout to give --time-format, guessed and checked */
	says("sx-ingest", NULL, 0, "01/02/2026 12:00",
	     "'01/02/2026 12:00' is not RFC 3339; give its layout with --time-format (e.g. '%m/%d/%Y %H:%M')");
	says("sx-ingest", NULL, 0, "13/02/2026 12:00",
	     "'13/02/2026 12:00' is not RFC 3339; give its layout with --time-format (e.g. '%d/%m/%Y %H:%M')");
	says("sx-ingest", NULL, 0, "01.02.2026", "'01.02.2026' is not RFC 3339; give its layout with --time-format (e.g. '%d.%m.%Y')");
	says("sx-ingest", NULL, 0, "25/Nov/2026:07:36:44 +0100",
	     "'25/Nov/2026:07:36:44 +0100' is not RFC 3339; give its layout with --time-format (e.g. '%d/%b/%Y:%H:%M:%S %z')");
	says("sx-ingest", NULL, 0, "12/31/2026 11:59:59.250 PM",
	     "'12/31/2026 11:59:59.250 PM' is not RFC 3339; give its layout with --time-format (e.g. '%m/%d/%Y %I:%M:%S.%f %p')");
	says("sx-ingest", NULL, 0, "2026-01-01 12:00:00 UTC",
	     "'2026-01-01 12:00:00 UTC' is not RFC 3339; give its layout with --time-format (e.g. '%Y-%m-%d %H:%M:%S %Z')");
	says("sx-ingest", NULL, 0, "March 5 2026 10:00",
	     "'March 5 2026 10:00' is not RFC 3339; give its layout with --time-format (e.g. '%B %d %Y %H:%M')");
	says("sx-ingest", NULL, 0, "20260102", "'20260102' is not RFC 3339; give its layout with --time-format (e.g. '%Y%m%d')");
	says("sx-ingest", NULL, 0, "50%/2026/01/02", "'50%/2026/01/02' is not RFC 3339; give its layout with --time-format");
	says("sx-ingest", NULL, 0, "1767225600", "'1767225600' is not RFC 3339; give its layout with --time-format (e.g. '%s')");
	says("sx-ingest", NULL, 0, "1767225600000", "'1767225600000' is not RFC 3339; an epoch time must be a JSON number, not a string");
	/* no guess for what no directive reads (weekdays, zone abbreviations, two-digit years) */
	says("sx-ingest", NULL, 0, "Tue Dec  8 00:04:48 UTC 2026", "'Tue Dec  8 00:04:48 UTC 2026' is not RFC 3339; give its layout with --time-format");
	says("sx-ingest", NULL, 0, "01/02/26", "'01/02/26' is not RFC 3339; give its layout with --time-format");
	says("sx-ingest", NULL, 0, "12:00", "'12:00' is not RFC 3339; give its layout with --time-format");
	/* a CSV field may also be an epoch number: ms read as seconds names --time-unit */
	says("sx-ingest", NULL, 1, "noon", "'noon' is not RFC 3339 or an epoch number; give its layout with --time-format");
	says("sx-ingest", NULL, 1, "1767225600000",
	     "1767225600000 is outside years 0001-9999 in seconds; as milliseconds it is 2026-01-01T00:00:00.000Z: add --time-unit ms");
	/* the other tools have no --time-format: sx-ingest does it for them */
	says("sx-window", NULL, 0, "01/02/2026 12:00", "'01/02/2026 12:00' is not RFC 3339; sx-ingest --time-format '%m/%d/%Y %H:%M' reads it");
	says("sx-join", NULL, 0, "yesterday", "'yesterday' is not RFC 3339 (such as 2026-01-01T12:00:00Z)");
	/* RFC 3339 with a field out of range: what is wrong, no layout */
	says("sx-window", NULL, 0, "2026-02-30T00:00:00Z", "'2026-02-30T00:00:00Z': day 30 is out of range for 2026-02 (01-28)");
	/* the value is quoted on one line, as valid UTF-8, at most 40 bytes */
	says("sx-window", NULL, 0, "a\tb\n\xc3\xa9\xff", "'a?b?\xc3\xa9?' is not RFC 3339 (such as 2026-01-01T12:00:00Z)");
	says("sx-window", NULL, 0, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	     "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not RFC 3339 (such as 2026-01-01T12:00:00Z)");
}
END_TEST

/* JSON numbers: epoch time in the unit; out of range names a unit that fits. */
START_TEST(test_defect_epoch_ms_suggests_time_unit)
{
	struct sx_rec rec;
	struct sx_buf scratch = SX_BUF_INIT;
	const char *why;
	sx_time_t t;
	const char *line = "{\"ms\":1767225600000,\"us\":1767225600000000,\"ns\":1767225600000000000,\"big\":1e300,"
			   "\"neg\":-1767225600000}";
	sx_rec_init(&rec);
	ck_assert_int_eq(sx_rec_parse(&rec, line, strlen(line), &why), 0);
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "ms"), SX_UNIT_S, NULL, &scratch, &t),
			 "1767225600000 is outside years 0001-9999 in seconds; as milliseconds it is "
			 "2026-01-01T00:00:00.000Z: add --time-unit ms");
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "us"), SX_UNIT_S, NULL, &scratch, &t),
			 "1767225600000000 is outside years 0001-9999 in seconds; as microseconds it is "
			 "2026-01-01T00:00:00.000Z: add --time-unit us");
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "ns"), SX_UNIT_MS, NULL, &scratch, &t),
			 "1767225600000000000 is outside years 0001-9999 in milliseconds; as nanoseconds it is "
			 "2026-01-01T00:00:00.000Z: use --time-unit ns");
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "neg"), SX_UNIT_S, NULL, &scratch, &t),
			 "-1767225600000 is outside years 0001-9999 in seconds; as milliseconds it is "
			 "1914-01-01T00:00:00.000Z: add --time-unit ms");
	ck_assert_str_eq(sx_field_time(sx_rec_get(&rec, "big"), SX_UNIT_S, NULL, &scratch, &t),
			 "1e300 is outside years 0001-9999 in seconds");
	ck_assert_ptr_null(sx_field_time(sx_rec_get(&rec, "ms"), SX_UNIT_MS, NULL, &scratch, &t));
	ck_assert_int_eq(t, INT64_C(1767225600000000));
	sx_rec_free(&rec);
	sx_buf_free(&scratch);
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
	tcase_add_test(tc, test_defect_time_format_range_checked);
	tcase_add_test(tc, test_defect_time_messages_name_the_fix);
	tcase_add_test(tc, test_defect_epoch_ms_suggests_time_unit);
	suite_add_tcase(s, tc);
	return s;
}
