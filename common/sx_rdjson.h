/*
 * sx_rdjson.h - the JSON and NDJSON readers of sx-ingest, and the one brace
 * tracker that both they and format detection use.
 *
 * NDJSON is fed a line at a time: each non-blank line is one record, handed
 * to sx_finish_json.  JSON (a top-level array of values, or objects one
 * after another) is fed in pieces of lines, so a one-line array of any size
 * streams: the reader copies one element at a time into its own buffer (up
 * to the record size limit; of a longer one only the start is kept and the
 * rest counted), and reports each element's end offset to the engine's
 * progress callback, the point a resumed run starts from.
 *
 * Ownership: struct sx_rdjson lives inside the engine (struct sx_ingest) and
 * owns the element buffer; the functions take the engine, for its source
 * name, line number, error policy and finishing step.  struct sx_jscan owns
 * nothing.
 */
#ifndef SX_RDJSON_H
#define SX_RDJSON_H

#include <stddef.h>
#include <stdint.h>
#include "sx_buf.h"

/* Where JSON text is in nesting and strings, across any number of calls. */
struct sx_jscan {
	int depth, in_str, esc;
};

enum sx_jscan_stop {
	SX_JSCAN_MORE,    /* all of the text was taken: the value goes on */
	SX_JSCAN_CLOSED,  /* a '}' or ']' closed the outermost value: *used is past it */
	SX_JSCAN_SEP,     /* a ',' or closer outside any value: *used is at it */
};

/* Scan P[0..N) from state S; *USED is the number of bytes taken. */
enum sx_jscan_stop sx_jscan_run(struct sx_jscan *s, const char *p, size_t n, size_t *used);

enum sx_js_state { SX_JS_START, SX_JS_ARRAY_ELEM, SX_JS_ARRAY_AFTER, SX_JS_CONCAT, SX_JS_DONE };

struct sx_rdjson {
	enum sx_js_state state;
	struct sx_jscan scan;      /* inside the element being read */
	int elem_open;
	int elems;                 /* elements begun in the array ("[\n]" is empty) */
	int skip_line;             /* after an error: skip to the end of the line */
	int too_long;              /* the element is longer than max_record: only its
				    * start is kept in `elem`, total counts it */
	uint64_t total;
	struct sx_buf elem;
	int piece_eol;             /* the piece being read ends its line */
	uint64_t piece_off;        /* byte offset where it starts */
};

struct sx_ingest;

/* NDJSON: one line, with its line end (blank lines are skipped). */
void sx_rdjson_ndjson_feed(struct sx_ingest *g, const char *line, size_t n);

/* JSON: start a source; feed a piece of a line (EOL: it ends the line) that
 * starts at byte offset OFF; end at EOF (a last element without the
 * array's ']' is converted, an unterminated value or array reported);
 * reset when the source is abandoned.  free releases the buffer. */
void sx_rdjson_start(struct sx_ingest *g);
void sx_rdjson_feed(struct sx_ingest *g, const char *piece, size_t n, uint64_t off, int eol);
void sx_rdjson_end(struct sx_ingest *g);
void sx_rdjson_reset(struct sx_ingest *g);
void sx_rdjson_free(struct sx_rdjson *j);
/* Is an element being read?  Is an array open (in it or after an element)? */
int sx_rdjson_in_value(const struct sx_rdjson *j);
int sx_rdjson_in_array(const struct sx_rdjson *j);

#endif
