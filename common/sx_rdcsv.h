/*
 * sx_rdcsv.h - the CSV and TSV reader of sx-ingest: lines in (a quoted field
 * may span several), one NDJSON line out per row, typed as SPEC section 2
 * says (--types, --schema), with -t rewritten to RFC 3339 and the --shard
 * key hashed as it is emitted.
 *
 * The header row (or --columns, or 1, 2, 3... with --no-header) is turned
 * once into the rows' quoted keys, types and added-field slots; a bad
 * header stops the source (sx_ingest's source error), except in a file
 * guessed to be CSV from binary data, where it is one more bad line.
 *
 * Ownership: struct sx_rdcsv lives inside the engine (struct sx_ingest) and
 * owns the libcsv parser, the header's arrays and the raw text of the row
 * being read (kept for error reports, up to the record size limit).  The
 * functions take the engine, for its source name, line numbers, error
 * policy and finishing step (sx_finish.h).
 */
#ifndef SX_RDCSV_H
#define SX_RDCSV_H

#include <stddef.h>
#include "sx_buf.h"
#include "sx_csv.h"

struct sx_rdcsv {
	struct sx_csv parser;
	int open;                  /* parser set up */
	int have_header;
	struct sx_buf keys;        /* "\"name\":" texts, back to back */
	size_t *key_off, *key_len;
	enum sx_coltype *coltype;
	signed char *colov;        /* the added field (SX_OV_*) replacing the column, or -1 */
	size_t ncols;
	long time_col, shard_col;
	struct sx_buf raw;         /* the row's text so far */
};

struct sx_ingest;

/* Start a source with delimiter DELIM; feed one line with its line end;
 * end at EOF (completes a last row without a line end, reports an open
 * quote); reset forgets the parser and header (end of a source, or one
 * abandoned).  free releases what reset keeps (the buffers). */
void sx_rdcsv_start(struct sx_ingest *g, int delim);
void sx_rdcsv_feed(struct sx_ingest *g, const char *line, size_t n);
void sx_rdcsv_end(struct sx_ingest *g);
void sx_rdcsv_reset(struct sx_ingest *g);
void sx_rdcsv_free(struct sx_rdcsv *c);
/* Is a row open (a quoted field continues on the next line)? */
int sx_rdcsv_in_row(const struct sx_rdcsv *c);
/* A line longer than the record size limit (TOTAL bytes without its line
 * end): 1 when it is the CSV reader's to report (the rest of an open row,
 * or the header), 0 when the engine reports it as a long line. */
int sx_rdcsv_long_line(struct sx_ingest *g, uint64_t total);

#endif
