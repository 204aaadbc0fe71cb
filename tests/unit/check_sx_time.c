/* Unit tests for common/sx_time.c */
#include <check.h>
#include <string.h>
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
	suite_add_tcase(s, tc);
	return s;
}
