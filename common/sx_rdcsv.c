/* sx_rdcsv.c - the CSV and TSV reader of sx-ingest (see sx_rdcsv.h). */
#include "sx_rdcsv.h"
#include "sx_err.h"
#include "sx_ingest_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Forget the CSV header's columns (names, types, overrides). */
static void drop_header(struct sx_ingest *g)
{
	g->csv.have_header = 0;
	sx_buf_reset(&g->csv.keys);
	free(g->csv.key_off);
	free(g->csv.key_len);
	free(g->csv.coltype);
	free(g->csv.colov);
	g->csv.key_off = g->csv.key_len = NULL;
	g->csv.coltype = NULL;
	g->csv.colov = NULL;
	g->csv.ncols = 0;
}

void sx_rdcsv_reset(struct sx_ingest *g)
{
	if (g->csv.open)
		sx_csv_free(&g->csv.parser);
	g->csv.open = 0;
	drop_header(g);
}

void sx_rdcsv_free(struct sx_rdcsv *c)
{
	sx_buf_free(&c->keys);
	sx_buf_free(&c->raw);
}

static void csv_row(struct sx_csv *c, void *ctx);

void sx_rdcsv_start(struct sx_ingest *g, int delim)
{
	sx_csv_init(&g->csv.parser, (unsigned char)delim, csv_row, g);
	g->csv.open = 1;
}

int sx_rdcsv_in_row(const struct sx_rdcsv *c)
{
	return sx_csv_in_row(&c->parser);
}

int sx_rdcsv_long_line(struct sx_ingest *g, uint64_t total)
{
	if (sx_csv_in_row(&g->csv.parser)) {
		/* the rest of a quoted field: the row is the error (at its first line) */
		g->stats->records_in++;
		sx_ingest_too_long(g, "CSV row", g->csv.raw.len + total, 0, g->csv.raw.data, g->csv.raw.len);
		sx_csv_reset(&g->csv.parser);
		sx_buf_reset(&g->csv.raw);
		return 1;
	}
	if (!g->csv.have_header && !g->cfg.no_header && !g->cfg.ncolumns && !g->guessed_binary) {
		g->rec_line = g->lineno;
		sx_ingest_source_error(g, g->lineno, "CSV header too long: %" PRIu64 " bytes, more than "
				       "--max-record-size (%zu)", total, g->max_record);
		return 1;
	}
	return 0;
}


/* Column I's name: from --columns, the header row, or 1, 2, 3... */
static const char *column_name(struct sx_ingest *g, struct sx_csv *c, char **names, size_t i)
{
	static char num[24];
	if (names)
		return names[i];
	if (g->cfg.no_header) {
		snprintf(num, sizeof num, "%zu", i + 1);
		return num;
	}
	const char *s = sx_csv_field_ptr(c, i);
	return s ? s : "";
}

/* -f auto guessed CSV from binary garbage: a text line among it that cannot
 * be a header (a name twice, not UTF-8) is one more bad line, not the end of
 * the file; the header arrays are dropped and the next line is tried. */
static int header_line_rejected(struct sx_ingest *g, const char *why)
{
	drop_header(g);
	g->stats->records_in++;
	sx_ingest_data_error(g, why, g->csv.raw.data ? g->csv.raw.data : "", sx_ingest_strip_eol(g->csv.raw.data ? g->csv.raw.data : "", g->csv.raw.len));
	return -1;
}

static int csv_header(struct sx_ingest *g, struct sx_csv *c, char **names, size_t n)
{
	g->csv.ncols = n;
	g->csv.key_off = sx_xcalloc(n, sizeof *g->csv.key_off);
	g->csv.key_len = sx_xcalloc(n, sizeof *g->csv.key_len);
	g->csv.coltype = sx_xcalloc(n, sizeof *g->csv.coltype);
	g->csv.colov = sx_xcalloc(n, sizeof *g->csv.colov);
	g->csv.time_col = g->csv.shard_col = -1;
	for (size_t i = 0; i < n; i++) {
		const char *name = column_name(g, c, names, i);
		size_t len = strlen(name);
		if (!names && !g->cfg.no_header && sx_ingest_looks_binary(name, c->f[i].len))
			return sx_ingest_source_error(g, g->rec_line, "the CSV header looks like binary data, not text");
		if (!sx_utf8_valid(name, len))
			return g->guessed_binary && !names ? header_line_rejected(g, "column name is not valid UTF-8")
							   : sx_ingest_source_error(g, g->rec_line, "column name is not valid UTF-8");
		for (size_t k = 0; k < i; k++) {
			/* compare with the earlier quoted keys */
			struct sx_buf t = SX_BUF_INIT;
			sx_json_quote_buf(&t, name, len);
			int dup = t.len + 1 == g->csv.key_len[k] && !memcmp(t.data, g->csv.keys.data + g->csv.key_off[k], t.len);
			sx_buf_free(&t);
			if (dup && g->guessed_binary && !names)
				return header_line_rejected(g, "binary data, not text (a header with a column name twice)");
			if (dup)
				return sx_ingest_source_error(g, g->rec_line, "duplicate column name '%s'", name);
		}
		g->csv.key_off[i] = g->csv.keys.len;
		sx_json_quote_buf(&g->csv.keys, name, len);
		sx_buf_putc(&g->csv.keys, ':');
		g->csv.key_len[i] = g->csv.keys.len - g->csv.key_off[i];
		g->csv.coltype[i] = g->cfg.types_string ? SX_COL_STRING : SX_COL_AUTO;
		for (int s = 0; s < g->cfg.nschema; s++)
			if (!strcmp(g->cfg.schema[s].name, name))
				g->csv.coltype[i] = g->cfg.schema[s].type;
		g->csv.colov[i] = -1;
		for (int k = SX_OV_ARRIVAL; k <= SX_OV_SOURCE; k++)
			if (g->fin.ov[k].name && !strcmp(name, g->fin.ov[k].name))
				g->csv.colov[i] = (signed char)k;
		if (g->cfg.time_field && !strcmp(name, g->cfg.time_field))
			g->csv.time_col = (long)i;
		if (g->cfg.shard_n && !strcmp(name, g->cfg.shard_key))
			g->csv.shard_col = (long)i;
	}
	for (int s = 0; s < g->cfg.nschema; s++) {
		size_t i = 0;
		while (i < n && strcmp(g->cfg.schema[s].name, column_name(g, c, names, i)) != 0)
			i++;
		if (i == n)
			return sx_ingest_source_error(g, 0, "--schema names column '%s', which the input does not have",
					    g->cfg.schema[s].name);
	}
	if (g->cfg.time_field && g->csv.time_col < 0)
		return sx_ingest_source_error(g, 0, "no column '%s' (-t) in the header", g->cfg.time_field);
	g->csv.have_header = 1;
	return 0;
}

/* A CSV time value: --time-format, else RFC 3339, else an epoch number. */
static int csv_time(struct sx_ingest *g, const char *v, size_t vn, sx_time_t *t)
{
	if (g->cfg.time_format)
		return sx_timefmt_parse(g->cfg.time_format, v, vn, t);
	if (sx_time_parse(v, vn, t) == 0)
		return 0;
	if (sx_csv_is_int(v, vn) || sx_csv_is_decimal(v, vn))
		return sx_time_from_number(v, vn, g->cfg.time_unit, t);
	return -1;
}

static void csv_row(struct sx_csv *c, void *ctx)
{
	struct sx_ingest *g = ctx;
	const char *why;
	if (g->failed)
		return;
	if (!g->csv.have_header) {
		csv_header(g, c, g->cfg.ncolumns ? g->cfg.columns : NULL, g->cfg.ncolumns ? (size_t)g->cfg.ncolumns : c->n);
		if (g->failed || (!g->cfg.no_header && !g->cfg.ncolumns))
			return; /* the header row itself */
	}
	g->stats->records_in++;
	size_t rawlen = sx_ingest_strip_eol(g->csv.raw.data ? g->csv.raw.data : "", g->csv.raw.len);
	if (c->n != g->csv.ncols) {
		char msg[96];
		snprintf(msg, sizeof msg, "row has %zu field%s, the header has %zu", c->n,
			 c->n == 1 ? "" : "s", g->csv.ncols);
		/* the message must outlive this call only until sx_data_error returns */
		sx_ingest_data_error(g, msg, g->csv.raw.data, rawlen);
		return;
	}
	if (g->csv.shard_col >= 0 || g->cfg.shard_n) {
		const char *k = g->csv.shard_col >= 0 ? sx_csv_field_ptr(c, (size_t)g->csv.shard_col) : NULL;
		size_t kn = k ? c->f[g->csv.shard_col].len : 0;
		enum sx_coltype kt = k ? g->csv.coltype[g->csv.shard_col] : SX_COL_AUTO;
		/* hash what is emitted: a quoted "" is a string unless a forced type makes it null */
		if (!k || (kn == 0 && kt != SX_COL_STRING && kt != SX_COL_AUTO)) {
			k = "null";
			kn = 4;
		}
		if (kt == SX_COL_AUTO && kn && (sx_csv_is_int(k, kn) || sx_csv_is_decimal(k, kn)) ?
		    !sx_finish_mine_number(g, k, kn) : !sx_finish_mine(g, k, kn))
			return;
	}
	if (g->skipping)
		return;
	if (g->fin.nov_active) {
		sx_finish_row_begin(g);
	}
	struct sx_buf *b = &g->fin.out;
	sx_buf_reset(b);
	sx_buf_putc(b, '{');
	for (size_t i = 0; i < g->csv.ncols; i++) {
		const char *v = sx_csv_field_ptr(c, i);
		size_t vn = c->f[i].len;
		sx_buf_append(b, g->csv.keys.data + g->csv.key_off[i], g->csv.key_len[i]);
		if (g->csv.colov[i] >= 0) {
			/* a column named like an added field: replaced in place */
			struct sx_override *o = &g->fin.ov[g->csv.colov[i]];
			sx_buf_append(b, o->val.data, o->val.len);
			o->used = 1;
		} else if ((long)i == g->csv.time_col) {
			sx_time_t t;
			if (!v || vn == 0) {
				sx_ingest_time_error(g, "missing event time", g->csv.raw.data, rawlen);
				return;
			}
			if (csv_time(g, v, vn, &t) < 0) {
				sx_ingest_time_error(g, sx_time_why(v, vn, g->cfg.time_unit, g->cfg.time_format, 1, &g->fin.scratch),
					   g->csv.raw.data, rawlen);
				return;
			}
			char f[SX_TIME_BUFSIZE];
			size_t fl = sx_time_format(t, f);
			sx_buf_putc(b, '"');
			sx_buf_append(b, f, fl);
			sx_buf_putc(b, '"');
			g->stats->event_time = g->fin.time = t;
		} else if (sx_csv_value_json(b, v, vn, g->csv.coltype[i], g->cfg.time_unit, &why) < 0) {
			char msg[160];
			snprintf(msg, sizeof msg, "column '%.*s': %s", (int)(g->csv.key_len[i] - 3),
				 g->csv.keys.data + g->csv.key_off[i] + 1, why);
			sx_ingest_data_error(g, msg, g->csv.raw.data, rawlen);
			return;
		}
		if (i + 1 < g->csv.ncols)
			sx_buf_putc(b, ',');
	}
	if (g->fin.nov_active)
		sx_finish_append_added(g, b, g->csv.ncols == 0);
	sx_buf_append(b, "}\n", 2);
	sx_finish_emit(g, b);
}

void sx_rdcsv_feed(struct sx_ingest *g, const char *p, size_t n)
{
	if (g->failed)
		return;
	if (!sx_csv_in_row(&g->csv.parser)) {
		sx_buf_reset(&g->csv.raw);
		g->rec_line = g->lineno;
		if (g->guessed_binary && (sx_ingest_looks_binary(p, n) || !sx_utf8_valid(p, n))) {
			/* garbage, not a row (nor the header): one error per line */
			g->stats->records_in++;
			sx_ingest_data_error(g, "binary data, not text", p, sx_ingest_strip_eol(p, n));
			return;
		}
	} else if (g->csv.raw.len + n > g->max_record) {
		/* a quote left open would otherwise take in the rest of the input */
		g->stats->records_in++;
		sx_ingest_too_long(g, "CSV row", g->csv.raw.len + n, 1, g->csv.raw.data, g->csv.raw.len);
		sx_csv_reset(&g->csv.parser);
		sx_buf_reset(&g->csv.raw);
		g->rec_line = g->lineno; /* this line starts afresh */
	}
	sx_buf_append(&g->csv.raw, p, n);
	if (sx_csv_feed(&g->csv.parser, p, n) < 0) {
		if (!g->csv.have_header && !g->cfg.no_header && !g->cfg.ncolumns) {
			sx_ingest_source_error(g, g->rec_line, "malformed CSV header");
			return;
		}
		g->stats->records_in++;
		sx_ingest_data_error(g, "malformed CSV (a quote inside an unquoted field, or text after a closing quote)",
			   g->csv.raw.data, sx_ingest_strip_eol(g->csv.raw.data, g->csv.raw.len));
		sx_buf_reset(&g->csv.raw);
	}
}

/* End of a CSV source: a last row without a line end is completed here. */
void sx_rdcsv_end(struct sx_ingest *g)
{
	if (sx_csv_finish(&g->csv.parser) < 0) {
		g->stats->records_in++;
		sx_ingest_data_error(g, "unterminated quoted field at end of input", g->csv.raw.data,
			   sx_ingest_strip_eol(g->csv.raw.data ? g->csv.raw.data : "", g->csv.raw.len));
	}
}

