/*
 * sx_onerror.h - the data-error policy shared by every tool (SPEC section 1).
 *
 * A data error is a record the tool cannot use: not a JSON object, a missing
 * or unparseable event time, a value a forced type cannot hold.  The policy
 * set by --on-error decides what happens:
 *   fail               "sx-tool: FILE:LINE: reason" and exit 1 (the default)
 *   skip               the same message (the first 10, then a count), go on
 *   dead-letter=FILE   append {"source","error","line"|"line_base64"} to FILE
 * A summary goes to stderr at exit.  The policy is process-wide state.
 */
#ifndef SX_ONERROR_H
#define SX_ONERROR_H

#include <stddef.h>
#include <stdint.h>

enum sx_onerror_mode { SX_ONERR_FAIL, SX_ONERR_SKIP, SX_ONERR_DEAD_LETTER };

/* Parse an --on-error argument; 0, or -1 (caller reports a usage error). */
int sx_onerror_set(const char *arg);
enum sx_onerror_mode sx_onerror_mode(void);

/* Report a data error in SRC at LINE (0: no line) with the raw bytes of the
 * record.  Returns (to go on) unless the policy is fail, which exits 1. */
void sx_data_error(const char *src, uint64_t line, const char *reason, const char *raw, size_t rawlen);

/* "field 'NAME': WHY" into BUF (N bytes), the reason of a bad field: a long
 * NAME is cut to 100 bytes and the whole to N - 1, each cut on a UTF-8
 * character boundary (the dead-letter file is JSON: valid UTF-8).  BUF. */
const char *sx_reason_field(char *buf, size_t n, const char *field, const char *why);
/* The length of the longest prefix of S, at most MAX bytes, that does not
 * end inside a UTF-8 character. */
size_t sx_utf8_prefix(const char *s, size_t max);

/* Records rejected so far. */
uint64_t sx_onerror_count(void);

#endif
