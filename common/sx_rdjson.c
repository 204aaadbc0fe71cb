/* sx_rdjson.c - the JSON and NDJSON readers of sx-ingest (see sx_rdjson.h). */
#include "sx_rdjson.h"
#include "sx_ingest_int.h"

#include <stdio.h>
#include <string.h>

enum sx_jscan_stop sx_jscan_run(struct sx_jscan *s, const char *p, size_t n, size_t *used)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (s->in_str) {
			if (s->esc)
				s->esc = 0;
			else if (c == '\\')
				s->esc = 1;
			else if (c == '"')
				s->in_str = 0;
			continue;
		}
		if (c == '"') {
			s->in_str = 1;
		} else if (c == '{' || c == '[') {
			s->depth++;
		} else if (c == '}' || c == ']') {
			if (s->depth == 0) {
				*used = i; /* an array's own ']' after a scalar element */
				return SX_JSCAN_SEP;
			}
			if (--s->depth == 0) {
				*used = i + 1;
				return SX_JSCAN_CLOSED;
			}
		} else if (c == ',' && s->depth == 0) {
			*used = i;
			return SX_JSCAN_SEP;
		}
	}
	*used = n;
	return SX_JSCAN_MORE;
}

/* ---- NDJSON ---- */

void sx_rdjson_ndjson_feed(struct sx_ingest *g, const char *p, size_t n)
{
	n = sx_ingest_strip_eol(p, n);
	if (n == 0 || (p[0] != '{' && sx_ingest_is_blank(p, n)))
		return;
	g->rec_line = g->lineno;
	sx_finish_json(g, p, n);
}

/* ---- JSON: a top-level array of objects, or concatenated objects ---- */

/* JSON is read in pieces of lines (a one-line array of any size streams),
 * and several records may share a line, so resuming is decided per record
 * by byte offsets, not per line: an element that ends at or before the
 * resume offset was handled by the run that read it, and so was an error
 * at a byte before it.  Each element's end is reported as a resume point. */
static void element_done(struct sx_ingest *g, uint64_t end)
{
	struct sx_rdjson *j = &g->json;
	j->elem_open = 0;
	if (j->too_long) {
		j->too_long = 0;
		g->skipping = end <= g->skip_to;
		g->stats->records_in++;
		sx_ingest_too_long(g, "JSON value", j->total, 0, j->elem.data, j->elem.len);
		sx_buf_reset(&j->elem);
		if (g->progress)
			g->progress(g->progress_ctx, end, g->lineno);
		return;
	}
	size_t n = j->elem.len;
	while (n && (j->elem.data[n - 1] == ' ' || j->elem.data[n - 1] == '\n' ||
		     j->elem.data[n - 1] == '\r' || j->elem.data[n - 1] == '\t'))
		n--;
	g->skipping = end <= g->skip_to;
	sx_finish_json(g, j->elem.data, n);
	sx_buf_reset(&j->elem);
	if (g->progress)
		g->progress(g->progress_ctx, end, g->lineno);
}

/* Bytes of the element being read, kept up to the record size limit; of a
 * longer element only the start is kept, and the rest counted (total). */
static void elem_append(struct sx_ingest *g, const char *p, size_t n)
{
	struct sx_rdjson *j = &g->json;
	if (!j->too_long && j->elem.len + n <= g->max_record) {
		sx_buf_append(&j->elem, p, n);
		return;
	}
	if (!j->too_long) {
		j->too_long = 1;
		j->total = j->elem.len;
		if (j->elem.len < SX_INGEST_KEPT_START) {
			size_t room = SX_INGEST_KEPT_START - j->elem.len;
			sx_buf_append(&j->elem, p, n < room ? n : room);
		}
	}
	j->total += n;
}

/* A structural error at byte AT of the piece LINE (N bytes). */
static void json_error(struct sx_ingest *g, const char *why, const char *line, size_t n, const char *at)
{
	char msg[128];
	/* counted in the text reported: the line, or of a long one the piece */
	snprintf(msg, sizeof msg, "invalid JSON at byte %zu: %s", (size_t)(at - line) + 1, why);
	g->rec_line = g->lineno;
	g->skipping = g->json.piece_off + (uint64_t)(at - line) + 1 <= g->skip_to;
	g->stats->records_in++;
	sx_ingest_data_error(g, msg, line, sx_ingest_strip_eol(line, n));
}

void sx_rdjson_start(struct sx_ingest *g)
{
	struct sx_rdjson *j = &g->json;
	j->state = SX_JS_START;
	memset(&j->scan, 0, sizeof j->scan);
	j->elem_open = j->elems = j->too_long = j->skip_line = 0;
	sx_buf_reset(&j->elem);
}

/* One piece of a line (all of it, or part of a long line: EOL says whether
 * it ends the line), starting at byte OFF. */
void sx_rdjson_feed(struct sx_ingest *g, const char *line, size_t n, uint64_t off, int eol)
{
	struct sx_rdjson *j = &g->json;
	const char *p = line, *end = line + n;
	j->piece_off = off;
	j->piece_eol = eol;
	if (j->skip_line) {
		j->skip_line = !eol;
		return; /* the rest of a line after an error */
	}
	while (p < end) {
		if (j->elem_open) {
			/* Copy up to the end of the element (or of the line): an
			 * object closes a concatenated value; an array element
			 * ends at the ',' or ']' after it. */
			size_t used;
			enum sx_jscan_stop stop = sx_jscan_run(&j->scan, p, (size_t)(end - p), &used);
			elem_append(g, p, used);
			p += used;
			uint64_t at = off + (uint64_t)(p - line);
			if (j->state == SX_JS_CONCAT && stop == SX_JSCAN_CLOSED) {
				element_done(g, at);
			} else if (j->state == SX_JS_ARRAY_ELEM && stop == SX_JSCAN_SEP) {
				element_done(g, at);
				j->state = SX_JS_ARRAY_AFTER;
			}
			continue;
		}
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p++;
			continue;
		}
		switch (j->state) {
		case SX_JS_START:
			if (c == '[') {
				j->state = SX_JS_ARRAY_ELEM;
				p++;
				continue;
			}
			j->state = SX_JS_CONCAT;
			continue;
		case SX_JS_ARRAY_ELEM:
			if (c == ']' && j->elems == 0) {
				j->state = SX_JS_DONE; /* an empty array over several lines */
				p++;
				continue;
			}
			if (c == ']' || c == ',') {
				json_error(g, "missing array element", line, n, p);
				p++;
				if (c == ']')
					j->state = SX_JS_DONE;
				continue;
			}
			j->elem_open = 1;
			j->elems++;
			memset(&j->scan, 0, sizeof j->scan);
			g->rec_line = g->lineno;
			continue;
		case SX_JS_ARRAY_AFTER:
			if (c == ',') {
				j->state = SX_JS_ARRAY_ELEM;
			} else if (c == ']') {
				j->state = SX_JS_DONE;
			} else {
				json_error(g, "expected ',' or ']' between array elements", line, n, p);
				j->skip_line = !eol;
				return;
			}
			p++;
			continue;
		case SX_JS_CONCAT:
			if (c != '{') {
				json_error(g, "expected a JSON object", line, n, p);
				j->skip_line = !eol;
				return; /* resynchronise at the next line */
			}
			j->elem_open = 1;
			memset(&j->scan, 0, sizeof j->scan);
			g->rec_line = g->lineno;
			continue;
		case SX_JS_DONE:
			json_error(g, "unexpected data after the closing ']'", line, n, p);
			j->skip_line = !eol;
			return;
		}
	}
}

void sx_rdjson_end(struct sx_ingest *g)
{
	struct sx_rdjson *j = &g->json;
	/* "[{...}" then EOF: the last element is complete, only the array is not */
	if (j->elem_open && j->state == SX_JS_ARRAY_ELEM && j->scan.depth == 0 && !j->scan.in_str) {
		element_done(g, g->in->offset);
		j->state = SX_JS_ARRAY_AFTER;
	}
	g->skipping = g->in->offset <= g->skip_to;
	if (j->elem_open || sx_rdjson_in_array(j)) {
		g->stats->records_in++;
		sx_ingest_data_error(g, j->elem_open ? "unterminated JSON value at end of input"
						     : "unterminated JSON array at end of input",
				     j->elem.data ? j->elem.data : "", j->elem.len);
	}
	j->elem_open = j->too_long = 0;
	sx_buf_reset(&j->elem);
}

void sx_rdjson_reset(struct sx_ingest *g)
{
	g->json.elem_open = g->json.too_long = 0;
	sx_buf_reset(&g->json.elem);
}

void sx_rdjson_free(struct sx_rdjson *j)
{
	sx_buf_free(&j->elem);
}

int sx_rdjson_in_value(const struct sx_rdjson *j)
{
	return j->elem_open;
}

int sx_rdjson_in_array(const struct sx_rdjson *j)
{
	return j->state == SX_JS_ARRAY_ELEM || j->state == SX_JS_ARRAY_AFTER;
}
