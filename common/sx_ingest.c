/* sx_ingest.c - the sx-ingest engine's driver: sources begun, pumped,
 * ended and resumed; lines read in bounded memory; the format told by name
 * or content; each line or piece handed to its reader (see sx_ingest.h,
 * sx_ingest_int.h). */
#include "sx_ingest.h"
#include "sx_err.h"
#include "sx_ingest_int.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_stats.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sx_ingest_parse_size(const char *s, size_t *out)
{
	static const struct { const char *suffix; unsigned shift; } units[] = {
		{ "", 0 }, { "K", 10 }, { "KiB", 10 }, { "M", 20 }, { "MiB", 20 }, { "G", 30 }, { "GiB", 30 }, { "T", 40 }, { "TiB", 40 },
	};
	uint64_t v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > (UINT64_C(1) << 40))
			return -1;
	}
	for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
		if (strcmp(p, units[i].suffix) != 0)
			continue;
		if (v == 0 || v > (UINT64_C(1) << 40) >> units[i].shift ||
		    v << units[i].shift > SIZE_MAX / 4)
			return -1;
		*out = (size_t)(v << units[i].shift);
		return 0;
	}
	return -1;
}

struct sx_ingest *sx_ingest_new(const struct sx_ingest_cfg *cfg)
{
	struct sx_ingest *g = sx_xcalloc(1, sizeof *g);
	g->cfg = *cfg;
	g->stats = &sx_stats;
	sx_finish_init(&g->fin, cfg);
	g->max_record = cfg->max_record ? cfg->max_record : SX_INGEST_MAX_RECORD_DEFAULT;
	return g;
}

void sx_ingest_set_progress(struct sx_ingest *g, sx_ingest_progress_fn fn, void *ctx)
{
	g->progress = fn;
	g->progress_ctx = ctx;
}

void sx_ingest_set_sink(struct sx_ingest *g, const struct sx_ingest_sink *sink)
{
	g->sink = *sink;
	g->stats = &g->own_stats;
}

void sx_ingest_set_tap(struct sx_ingest *g, sx_ingest_tap_fn fn, void *ctx)
{
	g->tap = fn;
	g->tap_ctx = ctx;
}

void sx_ingest_pause(struct sx_ingest *g)
{
	g->paused = 1;
}

void sx_ingest_free(struct sx_ingest *g)
{
	if (!g)
		return;
	sx_rdcsv_reset(g);
	sx_rdcsv_free(&g->csv);
	sx_rdjson_free(&g->json);
	sx_finish_free(&g->fin);
	sx_buf_free(&g->first);
	sx_buf_free(&g->part);
	free(g);
}

void sx_ingest_data_error(struct sx_ingest *g, const char *why, const char *raw, size_t rawlen)
{
	if (g->skipping)
		return; /* reported by the run that first read it */
	g->rejected++;
	if (g->sink.record) {
		if (g->sink.error)
			g->sink.error(g->sink.ctx, 0, g->name, g->rec_line, why, raw, rawlen);
		return;
	}
	sx_data_error(g->name, g->rec_line, why, raw, rawlen);
}

void sx_ingest_time_error(struct sx_ingest *g, const char *why, const char *raw, size_t rawlen)
{
	char msg[256];
	sx_reason_field(msg, sizeof msg, g->cfg.time_field, why);
	sx_ingest_data_error(g, msg, raw, rawlen);
}

/* A line, CSV row or JSON value longer than the record size limit: a data
 * error whose entry keeps its start, cut at a UTF-8 character boundary (so a
 * text record stays readable text), and whose message says its length
 * (MORE: at least that long; the rest was not read). */
void sx_ingest_too_long(struct sx_ingest *g, const char *what, uint64_t total, int more,
			const char *start, size_t n)
{
	char msg[160];
	if (n > SX_INGEST_KEPT_START) {
		n = SX_INGEST_KEPT_START;
		for (int k = 0; k < 3 && n > 0 && ((unsigned char)start[n] & 0xC0) == 0x80; k++)
			n--;
	}
	snprintf(msg, sizeof msg, "%s too long: %s%" PRIu64 " bytes, more than --max-record-size (%zu)",
		 what, more ? "over " : "", total, g->max_record);
	sx_ingest_data_error(g, msg, start, n);
}

/* Reported to the sink when there is one; sx_ingest_pump/end return -1. */
int sx_ingest_source_error(struct sx_ingest *g, uint64_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!g->failed) {
		if (g->sink.record) {
			if (g->sink.error)
				g->sink.error(g->sink.ctx, 1, g->name, line, msg, "", 0);
		} else if (line) {
			sx_error("%s:%" PRIu64 ": %s", g->name, line, msg);
		} else {
			sx_error("%s: %s", g->name, msg);
		}
	}
	g->failed = 1;
	return -1;
}

/* ---- sources ---- */

static int has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && strncmp(s + n - k, suf, k) == 0;
}

static enum sx_format format_by_name(const char *name)
{
	size_t n = strlen(name);
	if (has_suffix(name, n, ".gz"))
		n -= 3;
	if (has_suffix(name, n, ".csv"))
		return SX_FMT_CSV;
	if (has_suffix(name, n, ".tsv") || has_suffix(name, n, ".tab"))
		return SX_FMT_TSV;
	if (has_suffix(name, n, ".ndjson") || has_suffix(name, n, ".jsonl") ||
	    has_suffix(name, n, ".ldjson"))
		return SX_FMT_NDJSON;
	if (has_suffix(name, n, ".json"))
		return SX_FMT_JSON;
	return SX_FMT_AUTO;
}

/* Content detection (-f auto, no known extension), from the first non-blank
 * line: "[" starts a JSON array.  A "{" line is NDJSON when it is one whole
 * value (balanced braces; it need not parse: a malformed record is one data
 * error and the lines after it still flow) or breaks off inside a string
 * (JSON text never breaks a line there); it is concatenated JSON when a
 * second object follows on the same line.  A "{" line left open is decided by
 * the next non-blank line: NDJSON when that one also starts with "{" (a
 * record cut short), JSON otherwise (a pretty-printed object).  Anything else
 * is CSV (TSV with -d tab).  Returns the format, or SX_FMT_AUTO for "open:
 * ask the next line". */
static enum sx_format format_by_content(struct sx_ingest *g, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < n && p[i] == '[')
		return SX_FMT_JSON;
	if (i >= n || p[i] != '{') {
		if (g->cfg.envelope != SX_ENV_NONE)
			return SX_FMT_NDJSON; /* broker output is JSON: each line an error */
		return g->cfg.delim == '\t' ? SX_FMT_TSV : SX_FMT_CSV;
	}
	struct sx_jscan scan = { 0, 0, 0 };
	size_t used;
	if (sx_jscan_run(&scan, p + i, n - i, &used) != SX_JSCAN_MORE) {
		/* one value closed: another object after it on this line? */
		for (i += used; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'); i++)
			;
		return i < n && p[i] == '{' ? SX_FMT_JSON : SX_FMT_NDJSON;
	}
	/* the line ends inside a string (NDJSON), or with braces left open */
	return scan.in_str ? SX_FMT_NDJSON : SX_FMT_AUTO;
}

static void start_format(struct sx_ingest *g)
{
	if (g->fmt == SX_FMT_CSV || g->fmt == SX_FMT_TSV) {
		int d = g->cfg.delim ? g->cfg.delim : g->fmt == SX_FMT_TSV ? '\t' : ',';
		sx_rdcsv_start(g, d);
	} else if (g->fmt == SX_FMT_JSON) {
		sx_rdjson_start(g);
	}
}

static int between_records(struct sx_ingest *g)
{
	switch (g->fmt) {
	case SX_FMT_CSV:
	case SX_FMT_TSV:
		return !sx_rdcsv_in_row(&g->csv);
	case SX_FMT_JSON:
		return !sx_rdjson_in_value(&g->json);
	default:
		return 1;
	}
}

void sx_ingest_begin(struct sx_ingest *g, struct sx_in *in, const char *name, uint64_t skip_to)
{
	g->in = in;
	g->name = name;
	g->skip_to = skip_to;
	g->last_bytes = 0;
	g->first_pending = 0;
	g->skip_record = g->resume_tail_rejected = g->open_line = g->tail_rejected = 0;
	g->failed = g->input_failed = g->paused = 0;
	g->part_open = g->line_long = g->text_checked = g->guessed_binary = 0;
	g->rejected = 0;
	g->fmt = g->cfg.format != SX_FMT_AUTO ? g->cfg.format : format_by_name(name);
	if (g->fmt == SX_FMT_AUTO && g->cfg.delim && g->cfg.delim != '\t')
		g->fmt = SX_FMT_CSV;
	if (g->cfg.envelope != SX_ENV_NONE && (g->fmt == SX_FMT_CSV || g->fmt == SX_FMT_TSV)) {
		/* -f csv with --envelope is a usage error; this is a file name */
		sx_ingest_source_error(g, 0, "--envelope reads JSON (kcat -J, mosquitto_sub -F %%j or %%J output), "
			     "and this file is named as %s; use -f ndjson",
			     g->fmt == SX_FMT_CSV ? "CSV" : "TSV");
		g->started = 0;
		return;
	}
	g->started = g->fmt != SX_FMT_AUTO;
	if (g->started)
		start_format(g);
}

/* A line that starts before the resume offset and ends after it: an earlier
 * run read it at the end of the file, before its line end was written, and
 * ingested it as the last line (a batch run emits an unterminated last line).
 * If only the line end has been added since, nothing is new.  Otherwise the
 * line was still being written: what that run ingested cannot be taken back,
 * and emitting the whole line now would ingest it twice, so the record is not
 * emitted again and the line is reported (it is in a dead-letter file with
 * --on-error dead-letter). */
static void resume_inside_line(struct sx_ingest *g, const char *line, size_t len, uint64_t end)
{
	size_t have = (size_t)(len - (end - g->skip_to));
	const char *rest = line + have;
	size_t n = len - have;
	g->skipping = 1;
	if ((n == 1 && rest[0] == '\n') || (n == 2 && rest[0] == '\r' && rest[1] == '\n'))
		return;
	if (g->resume_tail_rejected) {
		g->skipping = 0; /* nothing of it was emitted: the whole line is new */
		return;
	}
	g->skip_record = 1;
	g->stats->records_in++;
	static const char why[] = "line was extended after an earlier run ingested it as the "
				  "unterminated last line of the file; not ingested again";
	if (g->sink.record) { /* errors go to the sink (sx_ingest.h), as data_error's do */
		if (g->sink.error)
			g->sink.error(g->sink.ctx, 0, g->name, g->lineno, why, line, sx_ingest_strip_eol(line, len));
		return;
	}
	sx_data_error(g->name, g->lineno, why, line, sx_ingest_strip_eol(line, len));
}

/* A line longer than the record size limit (only its start, LINE, was kept). */
static void long_line(struct sx_ingest *g, const char *line, size_t len)
{
	int csv = g->fmt == SX_FMT_CSV || g->fmt == SX_FMT_TSV;
	if (g->failed || (csv && sx_rdcsv_long_line(g, g->line_total)))
		return;
	g->rec_line = g->lineno;
	g->stats->records_in++;
	sx_ingest_too_long(g, "line", g->line_total, 0, line, sx_ingest_strip_eol(line, len));
}

/* Convert one raw line (terminator included; of a long line, g->line_long,
 * its start), or for JSON a piece of one (EOL: it ends the line), that ends
 * at byte offset END. */
static void feed(struct sx_ingest *g, const char *line, size_t len, uint64_t lineno, uint64_t end, int eol)
{
	g->lineno = lineno;
	if (g->fmt == SX_FMT_JSON) {
		/* resumed per record by offsets (see sx_rdjson.c) */
		sx_rdjson_feed(g, line, len, end - len, eol);
		g->skipping = 0;
	} else {
		g->skipping = end <= g->skip_to || g->skip_record;
		if (!g->skipping && end - (g->line_long ? g->line_raw : len) < g->skip_to) {
			if (g->line_long)
				g->skipping = 1; /* the earlier run read it, as too long too */
			else
				resume_inside_line(g, line, len, end);
		}
		g->open_line = g->line_long ? g->line_raw == g->line_total
			     : len == 0 || line[len - 1] != '\n';
		if (g->open_line) {
			g->open_out = g->stats->records_out;
			g->open_rejected = g->rejected;
		}
		if (g->line_long && !(g->line_blank && g->fmt == SX_FMT_NDJSON))
			long_line(g, line, len);
		else if (g->fmt == SX_FMT_CSV || g->fmt == SX_FMT_TSV)
			sx_rdcsv_feed(g, line, len);
		else
			sx_rdjson_ndjson_feed(g, line, len);
	}
	if (between_records(g)) {
		g->skip_record = 0;
		if (g->progress)
			g->progress(g->progress_ctx, end, lineno);
	}
}

static void set_format(struct sx_ingest *g, enum sx_format fmt)
{
	g->fmt = fmt;
	start_format(g);
	g->started = 1;
}

/* The held first line, once the format is known. */
static void binary_guess(struct sx_ingest *g, enum sx_format fmt, uint64_t lineno);

static void feed_first(struct sx_ingest *g, enum sx_format fmt)
{
	int line_long = g->line_long; /* that of the line after it */
	set_format(g, fmt);
	g->first_pending = 0;
	if (sx_ingest_looks_binary(g->first.data, g->first.len))
		binary_guess(g, fmt, g->first_lineno); /* ("[" or "{" then garbage) */
	g->line_long = 0; /* a line held is never too long */
	feed(g, g->first.data, g->first.len, g->first_lineno, g->first_end, 1);
	g->line_long = line_long;
}

static int is_blank_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The line assembled in g->part is complete: hand it out (its start, when
 * it is longer than the limit). */
static int part_done(struct sx_ingest *g, const char **line, size_t *len, int *eol)
{
	unsigned eol_len = g->tail[1] != '\n' ? 0 : g->tail[0] == '\r' ? 2 : 1;
	g->part_open = 0;
	g->line_raw = g->line_total;
	g->line_total -= eol_len;
	g->line_long = g->line_total > g->max_record;
	g->line_blank = g->part_blank;
	*line = g->part.data ? g->part.data : "";
	*len = g->part.len;
	*eol = 1;
	return 1;
}

/* The next line for the line-based readers (CSV, NDJSON, and while the
 * format is unknown), with its terminator: returns like sx_in_getline.
 * Lines are read in pieces: a line the input buffer holds (nearly all) is
 * handed out in place; one that spans pieces is assembled in g->part, but
 * only up to the record size limit: the rest of a longer line is counted
 * and dropped (g->line_long), so memory stays bounded whatever comes.
 * While the format is unknown, a line whose first non-blank byte is '['
 * starts a JSON array: the format is set, and the piece holding the '[' is
 * returned (*eol as read), for the array to be streamed from there. */
static int read_line(struct sx_ingest *g, const char **line, size_t *len, int *eol)
{
	const char *p;
	size_t n;
	int piece_eol;
	for (;;) {
		int r = sx_in_getpiece(g->in, &p, &n, &piece_eol);
		if (r <= 0) {
			/* a last line without a line end (any error after gzip
			 * data comes again on the next call) */
			if (g->part_open && (r == 0 || (r == -1 && g->in->trailing_garbage)))
				return part_done(g, line, len, eol);
			return r;
		}
		if (!g->started && !g->first_pending && (!g->part_open || g->part_blank)) {
			size_t i = 0;
			while (i < n && is_blank_byte(p[i]))
				i++;
			if (i < n && p[i] == '[') {
				g->part_open = g->line_long = 0;
				set_format(g, SX_FMT_JSON);
				if (sx_ingest_looks_binary(p, n)) /* ("[" then garbage) */
					binary_guess(g, SX_FMT_JSON, piece_eol ? g->in->lineno : g->in->lineno + 1);
				*line = p;
				*len = n;
				*eol = piece_eol;
				return 1;
			}
		}
		if (!g->part_open && piece_eol) {
			/* the common case: a whole line in the buffer */
			g->line_long = n > g->max_record + 1 && sx_ingest_strip_eol(p, n) > g->max_record;
			if (g->line_long) {
				g->line_raw = n;
				g->line_total = sx_ingest_strip_eol(p, n);
				g->line_blank = sx_ingest_is_blank(p, n);
			}
			*line = p;
			*len = n;
			*eol = 1;
			return 1;
		}
		if (!g->part_open) {
			sx_buf_reset(&g->part);
			g->part_open = g->part_blank = 1;
			g->tail[0] = g->tail[1] = 0;
			g->line_total = 0;
		}
		if (g->part_blank && !sx_ingest_is_blank(p, n))
			g->part_blank = 0;
		g->tail[0] = n >= 2 ? (unsigned char)p[n - 2] : g->tail[1];
		g->tail[1] = (unsigned char)p[n - 1];
		g->line_total += n;
		if (g->part.len < g->max_record + 2) {
			size_t room = g->max_record + 2 - g->part.len;
			sx_buf_append(&g->part, p, n < room ? n : room);
		}
		if (piece_eol)
			return part_done(g, line, len, eol);
	}
}

/* UTF-16 text: a byte-order mark, or (ASCII in UTF-16) a NUL in every
 * other byte of the line. */
static int looks_utf16(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
		return 1;
	n = sx_ingest_strip_eol(p, n);
	if (n > 512)
		n = 512;
	size_t nul[2] = { 0, 0 };
	for (size_t i = 0; i < n; i++)
		nul[i & 1] += u[i] == 0;
	size_t even = (n + 1) / 2, odd = n / 2;
	return n >= 4 && ((nul[0] == even && nul[1] == 0) || (nul[1] == odd && nul[0] == 0));
}

/* -f auto read the format from a line that does not look like text: say
 * what the guess was, and from now on take such lines as errors. */
static void binary_guess(struct sx_ingest *g, enum sx_format fmt, uint64_t lineno)
{
	static const char *const names[] = { "auto", "CSV", "TSV", "JSON", "NDJSON" };
	g->guessed_binary = 1;
	sx_warn("%s: line %" PRIu64 " looks like binary data, not text; reading the file as %s "
		"(a guess: choose the format with -f)", g->name, lineno, names[fmt]);
}

int sx_ingest_pump(struct sx_ingest *g)
{
	struct sx_in *in = g->in;
	const char *line;
	size_t len;
	int r;
	if (g->failed)
		return -1;
	for (;;) {
		/* by content (read_line), a JSON array is streamed in pieces
		 * from its first byte, never read as one (possibly huge) line */
		int eol = 1;
		if (g->started && g->fmt == SX_FMT_JSON)
			r = sx_in_getpiece(in, &line, &len, &eol);
		else
			r = read_line(g, &line, &len, &eol);
		if (r <= 0)
			break;
		g->stats->bytes_in += in->bytes_read - g->last_bytes;
		g->last_bytes = in->bytes_read;
		if (!g->text_checked || !g->started) {
			int blank = g->line_long ? g->line_blank : sx_ingest_is_blank(line, len);
			if (!g->text_checked && !blank) {
				g->text_checked = 1;
				if (looks_utf16(line, len)) {
					sx_ingest_source_error(g, 0, "input looks like UTF-16; convert it with "
						     "iconv -f UTF-16 -t UTF-8");
					break;
				}
			}
			if (!g->started && blank)
				continue;
		}
		if (!g->started) {
			if (g->first_pending) {
				feed_first(g, line[0] == '{' ? SX_FMT_NDJSON : SX_FMT_JSON);
			} else {
				enum sx_format fmt = format_by_content(g, line, len);
				if (fmt == SX_FMT_AUTO && !g->line_long) {
					sx_buf_reset(&g->first);
					sx_buf_append(&g->first, line, len);
					g->first_lineno = in->lineno;
					g->first_end = in->offset;
					g->first_pending = 1;
					continue;
				}
				if (fmt == SX_FMT_AUTO)
					fmt = SX_FMT_NDJSON; /* too long to be a pretty-printed object's first line */
				set_format(g, fmt);
				if (sx_ingest_looks_binary(line, len))
					binary_guess(g, fmt, in->lineno);
			}
		}
		feed(g, line, len, eol ? in->lineno : in->lineno + 1, in->offset, eol);
		sx_progress_tick();
		if (g->failed || g->paused)
			break;
	}
	g->stats->bytes_in += in->bytes_read - g->last_bytes;
	g->last_bytes = in->bytes_read;
	g->skipping = 0;
	if (g->failed)
		return -1;
	if (g->paused) {
		g->paused = 0;
		return SX_INGEST_PAUSED; /* (r > 0: a line was in hand, not EOF) */
	}
	if (r < 0 && in->trailing_garbage) {
		/* every record before the garbage is converted, then end fails */
		g->input_failed = 1;
		return 0;
	}
	if (r == SX_IN_AGAIN)
		return SX_IN_AGAIN; /* a followed file with nothing new yet: not an error */
	return r < 0 ? -1 : 0;
}

void sx_ingest_abandon(struct sx_ingest *g)
{
	sx_rdcsv_reset(g);
	sx_rdjson_reset(g);
	g->started = g->first_pending = g->failed = g->input_failed = g->paused = 0;
	g->part_open = g->line_long = 0;
	g->skipping = g->skip_record = g->open_line = 0;
}

int sx_ingest_line_open(const struct sx_ingest *g)
{
	return g->part_open;
}

uint64_t sx_ingest_value_open(const struct sx_ingest *g)
{
	/* what sx_rdjson_end would report as unterminated, or lines held while
	 * braces left open keep the format unknown */
	if (!g->started)
		return g->first_pending ? g->first_lineno : 0;
	if (g->fmt != SX_FMT_JSON)
		return 0;
	if (sx_rdjson_in_value(&g->json))
		return g->rec_line ? g->rec_line : 1;
	return sx_rdjson_in_array(&g->json) ? (g->lineno ? g->lineno : 1) : 0;
}

int sx_ingest_end(struct sx_ingest *g)
{
	if (g->failed) {
		sx_ingest_abandon(g);
		return -1;
	}
	if (!g->started && g->first_pending)
		feed_first(g, SX_FMT_NDJSON); /* one open line and nothing after it */
	/* A last CSV row without a line end is completed here: it ends at EOF. */
	g->skipping = g->in->offset <= g->skip_to || g->skip_record;
	if (g->started) {
		if (g->fmt == SX_FMT_CSV || g->fmt == SX_FMT_TSV) {
			sx_rdcsv_end(g);
			sx_rdcsv_reset(g);
		} else if (g->fmt == SX_FMT_JSON) {
			sx_rdjson_end(g);
		}
	}
	g->started = g->paused = 0;
	g->skipping = g->skip_record = 0;
	g->tail_rejected = g->open_line && g->stats->records_out == g->open_out &&
			   g->rejected > g->open_rejected;
	if (g->failed) { /* a header-only CSV without a line end */
		sx_ingest_abandon(g);
		return -1;
	}
	if (g->progress)
		g->progress(g->progress_ctx, g->in->offset, g->in->lineno);
	int rc = g->input_failed ? -1 : 0;
	g->input_failed = 0;
	return rc;
}

void sx_ingest_resume_after_rejected_tail(struct sx_ingest *g)
{
	g->resume_tail_rejected = 1;
}

int sx_ingest_rejected_tail(const struct sx_ingest *g)
{
	return g->tail_rejected;
}

int sx_ingest_source(struct sx_ingest *g, struct sx_in *in, const char *name, uint64_t skip_to)
{
	sx_ingest_begin(g, in, name, skip_to);
	int r = sx_ingest_pump(g);
	if (r == 0)
		return sx_ingest_end(g);
	sx_ingest_abandon(g);
	return r;
}
