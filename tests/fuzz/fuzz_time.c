/*
 * fuzz_time - event times and durations (sx_time): RFC 3339 parsing, epoch
 * numbers in every unit, --time-unit names and durations.
 *
 * Checks: a parsed time lies within years 0001-9999 and its canonical form
 * parses back to the same microsecond; an epoch number that converts does so
 * within the range; a duration parses the same each time and, signed,
 * accepts everything the unsigned form does.
 */
#include "fuzz.h"
#include "sx_time.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

static void check_time(sx_time_t t)
{
	FUZZ_CHECK(t >= SX_TIME_MIN && t <= SX_TIME_MAX);
	char buf[SX_TIME_BUFSIZE];
	size_t n = sx_time_format(t, buf);
	FUZZ_CHECK(n > 0 && n < SX_TIME_BUFSIZE);
	sx_time_t back;
	FUZZ_CHECK(sx_time_parse(buf, n, &back) == 0 && back == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact-size copy: an overread is an ASan report */
	char *s = malloc(size ? size : 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	sx_time_t t;
	if (sx_time_parse(s, size, &t) == 0)
		check_time(t);
	for (int u = SX_UNIT_S; u <= SX_UNIT_NS; u++)
		if (sx_time_from_number(s, size, (enum sx_time_unit)u, &t) == 0)
			check_time(t);
	free(s);

	char *z = fuzz_strndup(data, size);
	enum sx_time_unit unit;
	sx_time_unit_parse(z, &unit);
	int64_t d1, d2;
	if (sx_duration_parse(z, 0, &d1) == 0) {
		FUZZ_CHECK(d1 >= 0);
		FUZZ_CHECK(sx_duration_parse(z, 1, &d2) == 0 && d2 == d1);
	}
	sx_duration_parse(z, 1, &d2);
	free(z);

	/* the calendar both ways, on any 64-bit day count within the range */
	if (size >= 8) {
		int64_t days;
		memcpy(&days, data, 8);
		days %= INT64_C(3000000);
		int64_t y;
		unsigned m, d;
		sx_civil_from_days(days, &y, &m, &d);
		FUZZ_CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		FUZZ_CHECK(sx_days_from_civil(y, m, d) == days);
	}
	return 0;
}
