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

/* An event time from a record's field F (NULL when missing): a number is
 * epoch time in UNIT; a string is RFC 3339, or matched against FMT when it
 * is not NULL.  Returns NULL with *t set, or the reason for a data error
 * (as sx_time_why's; valid until SCRATCH is next used).  SCRATCH receives
 * decoded escaped strings.  sx-ingest, sx-window and sx-join share it, so
 * they read and reject times alike. */
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
const char *sx_field_time(const struct sx_field *f, enum sx_time_unit unit, const struct sx_timefmt *fmt,
			  struct sx_buf *scratch, sx_time_t *t);

#endif
