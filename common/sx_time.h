/*
 * sx_time.h - event time: parsing, canonical formatting and durations.
 *
 * A time is an int64 count of microseconds since 1970-01-01T00:00:00Z (UTC);
 * SPEC: "times are kept to the microsecond".  Parsing is hand-written (no
 * strptime/timegm per event) and exact: decimal epoch numbers are converted
 * digit by digit, never through a double, so 1767225600.123 s is exactly
 * ...123000 us.  Valid years are 0001-9999.
 */
#ifndef SX_TIME_H
#define SX_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t sx_time_t;

#define SX_TIME_NONE INT64_MIN
#define SX_US_PER_SEC INT64_C(1000000)
/* The times sx reads and writes: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z. */
#define SX_TIME_MIN INT64_C(-62135596800000000)
#define SX_TIME_MAX INT64_C(253402300799999999)

enum sx_time_unit { SX_UNIT_S, SX_UNIT_MS, SX_UNIT_US, SX_UNIT_NS };

/* Longest canonical form: "2026-01-01T12:05:00.123456Z" plus NUL. */
#define SX_TIME_BUFSIZE 32

/* RFC 3339 / ISO 8601: "2026-01-01T12:00:00Z", ".123" to 9+ digits (kept to
 * the microsecond, truncated), "T", "t" or " " between date and time, offsets
 * "Z", "+02:00", "-0530", "+02"; no zone means UTC; a bare date is midnight.
 * Returns 0 or -1. */
int sx_time_parse(const char *s, size_t n, sx_time_t *out);

/* An epoch number (JSON number text) in the given unit.  0 or -1. */
int sx_time_from_number(const char *s, size_t n, enum sx_time_unit unit, sx_time_t *out);

/* Parse a --time-unit argument ("s", "ms", "us", "ns"): 0 or -1. */
int sx_time_unit_parse(const char *s, enum sx_time_unit *out);

/* Canonical "YYYY-MM-DDTHH:MM:SS.mmmZ", or six fractional digits when the
 * value has a sub-millisecond part.  Returns the length (no NUL counted). */
size_t sx_time_format(sx_time_t t, char buf[SX_TIME_BUFSIZE]);

/* Durations: "250ms", "30s", "5m", "1h30m", "2d", "10us", "0".  With
 * allow_sign a leading '-' is accepted.  Result in microseconds; 0 or -1. */
int sx_duration_parse(const char *s, int allow_sign, int64_t *us);

/* Days since the epoch of a proleptic Gregorian date, and back. */
int64_t sx_days_from_civil(int64_t y, unsigned m, unsigned d);
void sx_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Floor division and modulo for window alignment with negative times. */
static inline int64_t sx_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* The wall clock (CLOCK_REALTIME) in microseconds. */
sx_time_t sx_time_now(void);
/* A monotonic clock in microseconds, for intervals and idle detection. */
int64_t sx_mono_now(void);

#endif
