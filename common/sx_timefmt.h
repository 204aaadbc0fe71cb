/*
 * sx_timefmt.h - --time-format: a strftime-style pattern compiled once and
 * matched against each event's time string (no libc strptime per event, no
 * locale, no time zone database).
 *
 * Directives: %Y year (4 digits), %m month, %d day, %e day (space-padded),
 * %j day of year, %H hour, %I hour (12h, with %p AM/PM), %M minute, %S second,
 * %f fraction (1-9 digits, kept to the microsecond), %b/%B month name
 * (English, abbreviated or full, any case), %z offset (Z, +hh, +hhmm,
 * +hh:mm), %Z "UTC"/"GMT"/"Z", %s epoch seconds (may have a fraction),
 * %T = %H:%M:%S, %F = %Y-%m-%d, %% a percent sign.  Numeric fields accept
 * one digit or two (strptime's leniency).  A space in the pattern matches one
 * or more spaces.  Everything else must match exactly.  Missing fields
 * default to 1970-01-01 00:00:00 UTC.
 */
#ifndef SX_TIMEFMT_H
#define SX_TIMEFMT_H

#include <stddef.h>
#include "sx_time.h"

struct sx_timefmt;

/* Compile PATTERN; NULL with *why set (static text) when it is invalid. */
struct sx_timefmt *sx_timefmt_compile(const char *pattern, const char **why);
/* Match S against the pattern; 0 with *out set, or -1. */
int sx_timefmt_parse(const struct sx_timefmt *f, const char *s, size_t n, sx_time_t *out);
void sx_timefmt_free(struct sx_timefmt *f);

struct sx_field;
struct sx_buf;

/* Why the event time written as text S was refused (by sx_timefmt_parse
 * with FMT, else by sx_time_parse and, with NUMBERS, by sx_time_from_number
 * in UNIT, as CSV fields are read): one line quoting S, naming what is wrong
 * ("month 13 is out of range") or the option that would read it ("add
 * --time-unit ms", "give its layout with --time-format (e.g. '%m/%d/%Y')").
 * Error path only; the text is in SCRATCH, valid until it is next used. */
const char *sx_time_why(const char *s, size_t n, enum sx_time_unit unit, const struct sx_timefmt *fmt,
			int numbers, struct sx_buf *scratch);
/* Why the epoch number text S was refused in UNIT, into MSG (one line). */
void sx_time_number_why(const char *s, size_t n, enum sx_time_unit unit, char *msg, size_t size);

/* sx_field_time, the field-to-time reader, is sx_evtime's; included here
 * for the callers that still look for it with --time-format. */
#include "sx_evtime.h"

#endif
