/* Unit tests for common/sx_time.c */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sx_time.h"

static sx_time_t parse(const char *s)
{
	sx_time_t t;
	ck_assert_int_eq(sx_time_parse(s, strlen(s), &t), 0);
	return t;
}

static int bad(const char *s)
{
	sx_time_t t;
	return sx_time_parse(s, strlen(s), &t) < 0;
}

static const char *fmt(sx_time_t t)
{
	static char b[SX_TIME_BUFSIZE];
	sx_time_format(t, b);
	return b;
}

START_TEST(rfc3339_forms)
{
	ck_assert_int_eq(parse("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(parse("2026-01-01T12:00:00Z"), INT64_C(1767268800000000));
	ck_assert_int_eq(parse("2026-01-01 12:00:00"), INT64_C(1767268800000000));
	ck_assert_int_eq(parse("2026-01-01t12:00:00z"), INT64_C(1767268800000000));
	ck_assert_int_eq(parse("2026-01-01T14:00:00+02:00"), INT64_C(1767268800000000));
	ck_assert_int_eq(parse("2026-01-01T06:30:00-0530"), INT64_C(1767268800000000));
	ck_assert_int_eq(parse("2026-01-01T12:00:00.123Z"), INT64_C(1767268800123000));
	ck_assert_int_eq(parse("2026-01-01T12:00:00.123456789Z"), INT64_C(1767268800123456));
	ck_assert_int_eq(parse("2026-01-01"), INT64_C(1767225600000000));
	ck_assert_int_eq(parse("1969-12-31T23:59:59.5Z"), -500000);
	ck_assert_int_eq(parse("2024-02-29T00:00:00Z"), INT64_C(1709164800000000));
}
END_TEST

START_TEST(rfc3339_rejects)
{
	ck_assert(bad(""));
	ck_assert(bad("2026-13-01T00:00:00Z"));
	ck_assert(bad("2025-02-29T00:00:00Z"));
	ck_assert(bad("2026-01-01T24:00:00Z"));
	ck_assert(bad("2026-01-01T12:00:00.Z"));
	ck_assert(bad("2026-01-01T12:00:00Zjunk"));
	ck_assert(bad("2026-1-01T12:00:00Z"));
	ck_assert(bad("hello"));
	ck_assert(bad("0000-01-01T00:00:00Z"));
}
END_TEST

/* Issue 12 item 9: every field and the result are range-checked. */
START_TEST(test_defect_rfc3339_fields_range_checked)
{
	ck_assert(bad("2026-13-01T00:00:00Z"));
	ck_assert(bad("2026-00-01T00:00:00Z"));
	ck_assert(bad("2026-04-31T00:00:00Z"));       /* 30-day month */
	ck_assert(bad("2026-06-31"));
	ck_assert(bad("2025-02-29T00:00:00Z"));       /* not a leap year */
	ck_assert(bad("1900-02-29"));
	ck_assert_str_eq(fmt(parse("2000-02-29")), "2000-02-29T00:00:00.000Z");
	ck_assert(bad("2026-01-01T24:00:00Z"));
	ck_assert(bad("2026-01-01T23:60:00Z"));
	ck_assert(bad("2026-01-01T23:59:61Z"));
	/* offsets at most 23:59, and "+hh:" must go on with the minutes */
	ck_assert_str_eq(fmt(parse("2026-01-01T23:59:00+23:59")), "2026-01-01T00:00:00.000Z");
	ck_assert(bad("2026-01-01T12:00:00+24:00"));
	ck_assert(bad("2026-01-01T12:00:00-2400"));
	ck_assert(bad("2026-01-01T12:00:00+01:60"));
	ck_assert(bad("2026-01-01T12:00:00+01:"));
	ck_assert(bad("2026-01-01T12:00:00+01:0030"));
	/* the result, in UTC, within years 0001-9999 */
	ck_assert(bad("9999-12-31T23:59:59-00:01"));
	ck_assert(bad("9999-12-31T23:00:00-05:00"));
	ck_assert(bad("0001-01-01T00:00:00+00:01"));
	ck_assert(bad("0000-06-01"));
	ck_assert_str_eq(fmt(parse("0000-12-31T23:00:00-01:00")), "0001-01-01T00:00:00.000Z");
	ck_assert_str_eq(fmt(parse("9999-12-31T23:59:59.999999Z")), "9999-12-31T23:59:59.999999Z");
}
END_TEST

/* A leap second only at 23:59:60 UTC, read as the last microsecond of its day. */
START_TEST(test_defect_leap_second_only_at_end_of_utc_day)
{
	ck_assert_str_eq(fmt(parse("2016-12-31T23:59:60Z")), "2016-12-31T23:59:59.999999Z");
	ck_assert_str_eq(fmt(parse("2016-12-31T23:59:60.5Z")), "2016-12-31T23:59:59.999999Z");
	ck_assert_str_eq(fmt(parse("2016-12-31T18:59:60-05:00")), "2016-12-31T23:59:59.999999Z");
	ck_assert_str_eq(fmt(parse("2017-01-01T05:29:60+05:30")), "2016-12-31T23:59:59.999999Z");
	ck_assert(bad("2026-03-04T12:30:60Z"));       /* not folded into the next minute */
	ck_assert(bad("2016-12-31T23:59:60+01:00"));  /* 22:59:60 UTC */
	ck_assert(bad("2016-12-31T23:58:60Z"));
	ck_assert(bad("9999-12-31T23:59:60-00:01"));
}
END_TEST

static const char *why(const char *s)
{
	static char b[160];
	struct sx_civil c;
	int e = sx_time_parse_why(s, strlen(s), &c);
	if (e == 0)
		return "ok";
	if (e == SX_TERR_SYNTAX)
		return "syntax";
	sx_time_err_text(e, &c, b, sizeof b);
	return b;
}

START_TEST(rfc3339_why)
{
	ck_assert_str_eq(why("2026-01-01T00:00:00Z"), "ok");
	ck_assert_str_eq(why("01/02/2026 12:00"), "syntax");
	ck_assert_str_eq(why("2026-01-01T12:00:00+01:"), "syntax");
	ck_assert_str_eq(why("2026-13-01"), "month 13 is out of range (01-12)");
	ck_assert_str_eq(why("2026-04-31"), "day 31 is out of range for 2026-04 (01-30)");
	ck_assert_str_eq(why("2025-02-29"), "2025 is not a leap year (no February 29)");
	ck_assert_str_eq(why("2026-01-01T24:00Z"), "hour 24 is out of range (00-23)");
	ck_assert_str_eq(why("2026-01-01T23:60Z"), "minute 60 is out of range (00-59)");
	ck_assert_str_eq(why("2026-01-01T23:59:61Z"), "second 61 is out of range (00-59)");
	ck_assert_str_eq(why("2026-01-01T12:59:60Z"), "second 60 (a leap second) is accepted only at 23:59:60 UTC");
	ck_assert_str_eq(why("2026-01-01T12:00:00-24:00"), "offset -24:00 is out of range (at most 23:59)");
	ck_assert_str_eq(why("9999-12-31T23:59:59-0001"), "outside years 0001-9999 in UTC");
}
END_TEST

/* sx_time_parse (the flat per-event path) and sx_time_parse_why agree on
 * every combination of edge values. */
START_TEST(rfc3339_paths_agree)
{
	static const char *const date[] = { "0000-12-31", "0001-01-01", "2024-02-29", "2025-02-29", "2026-04-30",
					    "2026-04-31", "2026-13-01", "2026-00-10", "9999-12-31", "2026-12-00" };
	static const char *const tod[] = { "", "T00:00", "T23:59:59", "T23:59:60", "t12:59:60.5", " 24:00:00",
					   "T23:60:00", "T12:00:00.123456789", "T12:00:00.", "T1:00" };
	static const char *const zone[] = { "", "Z", "z", "+00:01", "-00:01", "+23:59", "-2359", "+24:00", "+01:60",
					    "+01", "+01:", "x", "-05:00" };
	char s[64];
	int n = 0;
	for (size_t a = 0; a < sizeof date / sizeof *date; a++)
		for (size_t b = 0; b < sizeof tod / sizeof *tod; b++)
			for (size_t c = 0; c < sizeof zone / sizeof *zone; c++) {
				if (!*tod[b] && *zone[c])
					continue;
				snprintf(s, sizeof s, "%s%s%s", date[a], tod[b], zone[c]);
				sx_time_t t1 = 1, t2 = 2;
				struct sx_civil cv;
				int fast = sx_time_parse(s, strlen(s), &t1);
				int e = sx_time_parse_why(s, strlen(s), &cv);
				ck_assert_msg((fast == 0) == (e == 0), "%s: sx_time_parse %d, why %d", s, fast, e);
				if (e == 0) {
					ck_assert_int_eq(sx_civil_time(&cv, &t2), 0);
					ck_assert_msg(t1 == t2, "%s: two answers", s);
					n++;
				}
			}
	ck_assert_int_gt(n, 50);
}
END_TEST

START_TEST(canonical_format)
{
	ck_assert_str_eq(fmt(0), "1970-01-01T00:00:00.000Z");
	ck_assert_str_eq(fmt(INT64_C(1767268800123000)), "2026-01-01T12:00:00.123Z");
	ck_assert_str_eq(fmt(INT64_C(1767268800123456)), "2026-01-01T12:00:00.123456Z");
	ck_assert_str_eq(fmt(-1), "1969-12-31T23:59:59.999999Z");
	ck_assert_str_eq(fmt(parse("9999-12-31T23:59:59.999999Z")), "9999-12-31T23:59:59.999999Z");
	ck_assert_str_eq(fmt(parse("0001-01-01T00:00:00Z")), "0001-01-01T00:00:00.000Z");
}
END_TEST

static sx_time_t num(const char *s, enum sx_time_unit u)
{
	sx_time_t t;
	ck_assert_int_eq(sx_time_from_number(s, strlen(s), u, &t), 0);
	return t;
}

START_TEST(epoch_numbers)
{
	ck_assert_int_eq(num("1767225600", SX_UNIT_S), INT64_C(1767225600000000));
	ck_assert_int_eq(num("1767225600.123", SX_UNIT_S), INT64_C(1767225600123000));
	ck_assert_int_eq(num("1767225600123", SX_UNIT_MS), INT64_C(1767225600123000));
	ck_assert_int_eq(num("1767225600123.5", SX_UNIT_MS), INT64_C(1767225600123500));
	ck_assert_int_eq(num("1767225600123456", SX_UNIT_US), INT64_C(1767225600123456));
	ck_assert_int_eq(num("1767225600123456789", SX_UNIT_NS), INT64_C(1767225600123456));
	ck_assert_int_eq(num("-1.5", SX_UNIT_S), -1500000);
	ck_assert_int_eq(num("-1500", SX_UNIT_NS), -2);
	ck_assert_int_eq(num("1.7e9", SX_UNIT_S), INT64_C(1700000000000000));
	sx_time_t t;
	ck_assert_int_lt(sx_time_from_number("abc", 3, SX_UNIT_S, &t), 0);
	ck_assert_int_lt(sx_time_from_number("99999999999999", 14, SX_UNIT_S, &t), 0);
}
END_TEST

START_TEST(durations)
{
	int64_t us;
	ck_assert_int_eq(sx_duration_parse("250ms", 0, &us), 0); ck_assert_int_eq(us, 250000);
	ck_assert_int_eq(sx_duration_parse("30s", 0, &us), 0); ck_assert_int_eq(us, 30000000);
	ck_assert_int_eq(sx_duration_parse("5m", 0, &us), 0); ck_assert_int_eq(us, 300000000);
	ck_assert_int_eq(sx_duration_parse("1h30m", 0, &us), 0); ck_assert_int_eq(us, INT64_C(5400000000));
	ck_assert_int_eq(sx_duration_parse("2d", 0, &us), 0); ck_assert_int_eq(us, INT64_C(172800000000));
	ck_assert_int_eq(sx_duration_parse("10us", 0, &us), 0); ck_assert_int_eq(us, 10);
	ck_assert_int_eq(sx_duration_parse("0", 0, &us), 0); ck_assert_int_eq(us, 0);
	ck_assert_int_eq(sx_duration_parse("-5m", 1, &us), 0); ck_assert_int_eq(us, -300000000);
	ck_assert_int_lt(sx_duration_parse("-5m", 0, &us), 0);
	ck_assert_int_lt(sx_duration_parse("5", 0, &us), 0);
	ck_assert_int_lt(sx_duration_parse("5x", 0, &us), 0);
	ck_assert_int_lt(sx_duration_parse("", 0, &us), 0);
	ck_assert_int_lt(sx_duration_parse("m", 0, &us), 0);
	/* units largest first, each once */
	ck_assert_int_eq(sx_duration_parse("1d2h3m4s5ms6us", 0, &us), 0);
	ck_assert_int_eq(us, INT64_C(93784005006));
	ck_assert_int_lt(sx_duration_parse("30m1h", 0, &us), 0);
	ck_assert_int_lt(sx_duration_parse("1h1h", 0, &us), 0);
	ck_assert_int_lt(sx_duration_parse("5ms1s", 0, &us), 0);
}
END_TEST

static const char *hint(const char *s, int allow_sign)
{
	static char b[128];
	sx_duration_hint(s, allow_sign, b, sizeof b);
	return b;
}

/* Issue 12 item 6: a refused duration says what was probably meant. */
START_TEST(test_defect_duration_hint_suggests)
{
	ck_assert_str_eq(hint("5 min", 0), "; did you mean 5m?");
	ck_assert_str_eq(hint("5 minutes", 0), "; did you mean 5m?");
	ck_assert_str_eq(hint("5min", 0), "; did you mean 5m?");
	ck_assert_str_eq(hint("30 seconds", 0), "; did you mean 30s?");
	ck_assert_str_eq(hint("1 hour 30 minutes", 0), "; did you mean 1h30m?");
	ck_assert_str_eq(hint("2 hours and 30 mins", 0), "; did you mean 2h30m?");
	ck_assert_str_eq(hint("1.5h", 0), "; did you mean 1h30m?");
	ck_assert_str_eq(hint("0.25s", 0), "; did you mean 250ms?");
	ck_assert_str_eq(hint("30m1h", 0), "; did you mean 1h30m?");
	ck_assert_str_eq(hint("1 week", 0), "; did you mean 7d?");
	ck_assert_str_eq(hint("250 MS", 0), "; did you mean 250ms?");
	ck_assert_str_eq(hint("-5 min", 1), "; did you mean -5m?");
	ck_assert_str_eq(hint("5", 0), ": a number needs a unit written next to it, as in 5s or 5m");
	ck_assert_str_eq(hint("-5s", 0), ": it must not be negative");
	/* nothing to suggest: the examples */
	ck_assert_str_eq(hint("5x", 0), " (examples: 250ms, 30s, 5m, 1h30m, 2d)");
	ck_assert_str_eq(hint("", 0), " (examples: 250ms, 30s, 5m, 1h30m, 2d)");
	ck_assert_str_eq(hint("soon", 0), " (examples: 250ms, 30s, 5m, 1h30m, 2d)");
	ck_assert_str_eq(hint("0.0000001s", 0), " (examples: 250ms, 30s, 5m, 1h30m, 2d)");
	ck_assert_str_eq(hint("99999999999999999999d", 0), " (examples: 250ms, 30s, 5m, 1h30m, 2d)");
	ck_assert_str_eq(hint("1000000 weeks", 0), " (examples: 250ms, 30s, 5m, 1h30m, 2d)");
	/* every suggestion parses */
	static const char *const in[] = { "5 min", "1.5h", "30m1h", "1 week", "0.25s", "1h1h", "90 seconds" };
	for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
		const char *h = hint(in[i], 0);
		char canon[64];
		int64_t us;
		ck_assert(sscanf(h, "; did you mean %63[^?]?", canon) == 1);
		ck_assert_msg(sx_duration_parse(canon, 0, &us) == 0, "%s -> %s", in[i], canon);
	}
}
END_TEST

START_TEST(civil_round_trip)
{
	for (int64_t z = -800000; z <= 2932896; z += 997) {
		int64_t y;
		unsigned m, d;
		sx_civil_from_days(z, &y, &m, &d);
		ck_assert_int_eq(sx_days_from_civil(y, m, d), z);
	}
	ck_assert_int_eq(sx_floor_div(-1, 60), -1);
	ck_assert_int_eq(sx_floor_div(-60, 60), -1);
	ck_assert_int_eq(sx_floor_div(59, 60), 0);
}
END_TEST

/* sx_time_format keeps the date of the day it formatted last: a time on
 * another day (the next, the one before, another century, before 1970) must
 * not get the cached date.  Reference: gmtime_r. */
static void format_like_gmtime(sx_time_t t)
{
	char got[SX_TIME_BUFSIZE], want[64];
	size_t n = sx_time_format(t, got);
	int64_t secs = t / SX_US_PER_SEC - (t % SX_US_PER_SEC < 0);
	int64_t us = t - secs * SX_US_PER_SEC;
	time_t tt = (time_t)secs;
	struct tm tm;
	ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
	int w = snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us / 1000));
	if (us % 1000)
		w += snprintf(want + w, sizeof want - (size_t)w, "%03d", (int)(us % 1000));
	snprintf(want + w, sizeof want - (size_t)w, "Z");
	if (n != strlen(want) || strcmp(got, want) != 0)
		ck_abort_msg("time %lld: got %s, want %s", (long long)t, got, want);
}

START_TEST(format_day_cache)
{
	const sx_time_t day = 86400 * SX_US_PER_SEC;
	const sx_time_t base = parse("2025-12-31T23:59:59.999Z");
	/* across midnight and back, microsecond by microsecond near it */
	for (sx_time_t t = base - 5; t < base + 5; t++)
		format_like_gmtime(t);
	for (int i = 0; i < 50; i++) {
		format_like_gmtime(base + (i % 2 ? day : -day) * (i % 7));
		format_like_gmtime(base + i * 3600 * SX_US_PER_SEC);
	}
	/* before 1970, around 0, the ends of the range, leap days */
	const char *edge[] = { "1969-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z",
			       "1969-12-31T00:00:00Z", "0001-01-01T00:00:00Z",
			       "9999-12-31T23:59:59.999999Z", "2024-02-29T12:00:00.5Z",
			       "2000-02-29T23:59:59Z", "1900-03-01T00:00:00.000001Z" };
	for (int r = 0; r < 2; r++)
		for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
			format_like_gmtime(parse(edge[i]));
	/* random times in the whole range, each twice (hit, then another day) */
	srand(13);
	for (int i = 0; i < 20000; i++) {
		uint64_t x = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
		sx_time_t t = SX_TIME_MIN + (sx_time_t)(x % (uint64_t)(SX_TIME_MAX - SX_TIME_MIN));
		format_like_gmtime(t);
		format_like_gmtime(t + (i % 3) * 1000);
	}
}
END_TEST

Suite *sx_time_suite(void)
{
	Suite *s = suite_create("sx_time");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, rfc3339_forms);
	tcase_add_test(tc, rfc3339_rejects);
	tcase_add_test(tc, canonical_format);
	tcase_add_test(tc, epoch_numbers);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, civil_round_trip);
	tcase_add_test(tc, test_defect_rfc3339_fields_range_checked);
	tcase_add_test(tc, test_defect_leap_second_only_at_end_of_utc_day);
	tcase_add_test(tc, rfc3339_why);
	tcase_add_test(tc, rfc3339_paths_agree);
	tcase_add_test(tc, test_defect_duration_hint_suggests);
	tcase_add_test(tc, format_day_cache);
	suite_add_tcase(s, tc);
	return s;
}
