/*
 * sx_pathpat.h - the folder pattern of sx-emit-files (ASA's Blob / Data Lake
 * "path pattern"), compiled once and rendered per record.
 *
 * Tokens: {date} (the date format, default yyyy/MM/dd), {time} (the time
 * format, default HH), {datetime:SPEC} with yyyy MM M dd d HH H mm m ss s
 * (anything else in SPEC is copied), and {FIELD}: the value of a top-level
 * field of the record.  Times are UTC.
 *
 * A field value becomes one folder name, made safe the way Hive and Spark
 * escape partition values: the bytes " # % ' * / : = ? \ { [ ] ^, DEL and
 * control bytes are written as %XX (Spark and DuckDB's hive_partitioning
 * read them back), "." and ".." have their dots escaped, so a value never
 * climbs out of its folder.  Strings are decoded first (JSON escapes), numbers
 * are written as in the input, true/false as such; null, a missing field and
 * the empty string become the null folder name (default
 * __HIVE_DEFAULT_PARTITION__, Hive's, which Spark reads as null).  An object
 * or an array, or a name longer than 255 bytes, cannot make a folder: the
 * record is a data error with that reason.
 *
 * Ownership: the compiled pattern owns copies of everything it needs.
 */
#ifndef SX_PATHPAT_H
#define SX_PATHPAT_H

#include <stddef.h>
#include "sx_buf.h"
#include "sx_json.h"
#include "sx_time.h"

#define SX_PATHPAT_NULL_DEFAULT "__HIVE_DEFAULT_PARTITION__"

struct sx_pathpat;

/* Compile PATTERN with the formats of {date} and {time} (NULL: defaults;
 * ASA's upper-case YYYY and DD are accepted in the date format) and the
 * folder name of null values (NULL: the default).  NULL with a reason in ERR
 * when a token or format is invalid. */
struct sx_pathpat *sx_pathpat_compile(const char *pattern, const char *date_fmt, const char *time_fmt,
				      const char *null_name, char *err, size_t errlen);
void sx_pathpat_free(struct sx_pathpat *p);

/* Whether the pattern has time tokens, and the end of the time bucket T
 * falls in: the first time after T at which the rendered path changes
 * (SX_TIME_MAX without time tokens).  Files of a bucket are closed once the
 * watermark reaches its end. */
int sx_pathpat_has_time(const struct sx_pathpat *p);
sx_time_t sx_pathpat_bucket_end(const struct sx_pathpat *p, sx_time_t t);

/* The folders before the first token ("." if none): the tree the pattern
 * writes into, which sx-emit-files scans for leftovers. */
const char *sx_pathpat_base(const struct sx_pathpat *p);

/* Append the folder of record REC at time T to OUT (no trailing '/').
 * 0, or -1 with *why (static text or text in SCRATCH) for a data error.
 * SCRATCH receives decoded strings.  P caches the civil time of the last
 * time bucket (not thread-safe). */
int sx_pathpat_render(struct sx_pathpat *p, const struct sx_rec *rec, sx_time_t t,
		      struct sx_buf *out, struct sx_buf *scratch, const char **why);

/* Append S (N bytes) to OUT as one safe folder name (the rule above; empty
 * gives the null name).  0, or -1 when it would be longer than 255 bytes. */
int sx_pathpat_escape(const struct sx_pathpat *p, const char *s, size_t n, struct sx_buf *out);

#endif
