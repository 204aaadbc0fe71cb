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
 * "Z", "+02:00", "-0530", "+02" (at most 23:59); no zone means UTC; a bare
 * date is midnight.  Every field is range-checked (no 31 April, no hour 24)
 * and so is the result (years 0001-9999 in UTC).  A leap second is accepted
 * only where it can occur, at 23:59:60 UTC, and read as 23:59:59.999999: the
 * last microsecond of its day, so it stays in its minute and day and after
 * every other time of that day (sx time, like POSIX time, has no 61st second).
 * Returns 0 or -1; sx_time_parse_why says why, off the fast path. */
int sx_time_parse(const char *s, size_t n, sx_time_t *out);

/* Why a time was refused.  The parsers return -1 per event; the error path
 * asks again for one of these and the fields read, to name what is wrong. */
enum sx_time_err {
	SX_TERR_SYNTAX = 1,     /* not the layout at all */
	SX_TERR_MONTH, SX_TERR_DAY, SX_TERR_HOUR, SX_TERR_MINUTE, SX_TERR_SECOND,
	SX_TERR_LEAP,           /* second 60 other than at 23:59:60 UTC */
	SX_TERR_OFFSET,         /* beyond 23:59 */
	SX_TERR_RANGE           /* outside years 0001-9999 in UTC */
};

/* A civil time as written, before validation (offset: sign -1, 0 or 1,
 * hours, minutes).  Fields are never negative: they are read from digits. */
struct sx_civil {
	int year, mon, day, hour, min, sec, frac_us;
	int off_sign, off_h, off_m;
};

/* Validate C and convert it: 0 with *out set, or an enum sx_time_err (the
 * checks and the leap-second rule of sx_time_parse, shared with --time-format). */
int sx_civil_time(const struct sx_civil *c, sx_time_t *out);
/* Why S is not an RFC 3339 time: 0 when it is one, SX_TERR_SYNTAX when it is
 * not laid out as one, or the field error with *C holding the fields read. */
int sx_time_parse_why(const char *s, size_t n, struct sx_civil *c);
/* Words for a field error E of C ("month 13 is out of range (01-12)"). */
void sx_time_err_text(int e, const struct sx_civil *c, char *buf, size_t size);

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
/* For a duration sx_duration_parse refused, the tail of the usage message:
 * "; did you mean 5m?" for "5 min", "5 minutes", "1.5h" (as 1h30m) or "30m1h",
 * a note that a bare number needs a unit, else the usual examples. */
void sx_duration_hint(const char *s, int allow_sign, char *buf, size_t size);

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
/* The one place the clocks can be replaced: when set, sx_time_now and
 * sx_mono_now read these instead of the system's.  Only tests set it, to
 * drive time (--idle-timeout, processing time, --reload) without sleeping. */
struct sx_clock {
	sx_time_t (*wall)(void);
	int64_t (*mono)(void);
};
extern const struct sx_clock *sx_clock_hook;

#endif
