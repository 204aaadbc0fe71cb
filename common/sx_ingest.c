/* sx_ingest.c - the sx-ingest conversion engine (see sx_ingest.h). */
#include "sx_ingest.h"
#include "sx_err.h"
#include "sx_jcanon.h"
#include "sx_json.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_stats.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields the finishing step may set.  A field the record already has is
 * replaced in place; the others are appended in this order. */
enum { OV_TIME, OV_ENQUEUED, OV_PARTITION, OV_OFFSET, OV_KEY, OV_TOPIC, OV_ARRIVAL, OV_SOURCE, NOV };

struct override {
	const char *name;
	size_t nlen;
	struct sx_buf val;   /* JSON text of the value */
	int set, used;
};

enum js_state { JS_START, JS_ARRAY_ELEM, JS_ARRAY_AFTER, JS_CONCAT, JS_DONE };

struct sx_ingest {
	struct sx_ingest_cfg cfg;
	sx_ingest_progress_fn progress;
	void *progress_ctx;
	struct sx_ingest_sink sink;   /* record == NULL: stdout and --on-error */
	struct sx_stats *stats;       /* &sx_stats, or own_stats with a sink */
	struct sx_stats own_stats;

	/* the source being read */
	struct sx_in *in;
	const char *name;
	enum sx_format fmt;
	uint64_t skip_to;
	int skipping;              /* before the resume offset: read, do not emit */
	int skip_record;           /* the record in progress continues one already ingested */
	int resume_tail_rejected;  /* the line at skip_to was rejected, not emitted */
	uint64_t rejected;         /* data errors reported for this source */
	int open_line;             /* the last line fed had no line end */
	uint64_t open_out, open_rejected; /* counters before it */
	int tail_rejected;         /* sx_ingest_rejected_tail() */
	int failed;                /* the source cannot be converted (reported) */
	int input_failed;          /* its data ended in an error (reported): end returns -1 */
	int started;               /* the format is known and its reader set up */
	int guessed_binary;        /* -f auto guessed the format from a line that looks
				    * binary: such lines are data errors, not rows */
	int text_checked;          /* the first non-blank line was checked for UTF-16 */
	uint64_t last_bytes;
	uint64_t lineno;           /* the line being converted */
	uint64_t rec_line;         /* line where the current record began */
	/* -f auto: a first line that may be a broken NDJSON record or the start
	 * of a pretty-printed JSON object, held until the next line decides */
	int first_pending;
	struct sx_buf first;
	uint64_t first_lineno, first_end;

	/* line reading (read_line): a line longer than the buffer is assembled
	 * in `part`, up to the record size limit */
	size_t max_record;
	struct sx_buf part;
	int part_open;             /* a line is being assembled */
	int part_blank;            /* ...and so far it is blank */
	unsigned char tail[2];     /* its last two bytes (to tell its line end) */
	int line_long;             /* the line handed out is longer than max_record:
				    * only its start was kept */
	int line_blank;            /* ...and it is blank all the same */
	uint64_t line_total;       /* ...its length without the line end */
	uint64_t line_raw;         /* ...and with it */

	struct sx_rec rec, inner;
	struct sx_buf out, scratch, payload, elem, raw, hash_scratch, keyscratch, schema_scratch;
	size_t *schema_len;        /* strlen of each --schema name */
	struct override ov[NOV];
	int nov_active;            /* any override configured at all */

	/* CSV */
	struct sx_csv csv;
	int csv_open;
	int have_header;
	struct sx_buf keys;        /* "\"name\":" texts, back to back */
	size_t *key_off, *key_len;
	enum sx_coltype *coltype;
	signed char *colov;        /* the added field (OV_*) replacing the column, or -1 */
	size_t ncols;
	long time_col, shard_col;
	int csv_bad_row;           /* the current row already reported */

	/* JSON splitter */
	enum js_state js;
	int js_depth, js_in_str, js_esc, js_elem_open;
	int js_elems;              /* elements begun in the array ("[\n]" is empty) */
	int js_skip_line;          /* after an error: skip to the end of the line */
	int js_long;               /* the element is longer than max_record: only its
				    * start is kept in `elem`, js_total counts it */
	uint64_t js_total;
	int piece_eol;             /* the piece being read ends its line */
	uint64_t piece_off;        /* byte offset where it starts */
};

uint64_t sx_fnv1a64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

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
	sx_rec_init(&g->rec);
	sx_rec_init(&g->inner);
	static const char *const env_names[] = {
		[OV_ENQUEUED] = "EventEnqueuedUtcTime", [OV_PARTITION] = "PartitionId",
		[OV_OFFSET] = "Offset", [OV_KEY] = "Key", [OV_TOPIC] = "topic",
	};
	g->ov[OV_TIME].name = cfg->time_field;
	g->ov[OV_ARRIVAL].name = cfg->arrival_field;
	g->ov[OV_SOURCE].name = cfg->source_field;
	for (int i = OV_ENQUEUED; i <= OV_TOPIC; i++)
		g->ov[i].name = env_names[i];
	for (int i = 0; i < NOV; i++)
		if (g->ov[i].name)
			g->ov[i].nlen = strlen(g->ov[i].name);
	g->nov_active = cfg->time_field || cfg->arrival_field || cfg->source_field ||
			cfg->envelope != SX_ENV_NONE;
	g->max_record = cfg->max_record ? cfg->max_record : SX_INGEST_MAX_RECORD_DEFAULT;
	g->schema_len = sx_xcalloc((size_t)cfg->nschema + 1, sizeof *g->schema_len);
	for (int s = 0; s < cfg->nschema; s++)
		g->schema_len[s] = strlen(cfg->schema[s].name);
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

/* Forget the CSV header's columns (names, types, overrides). */
static void drop_header(struct sx_ingest *g)
{
	g->have_header = 0;
	sx_buf_reset(&g->keys);
	free(g->key_off);
	free(g->key_len);
	free(g->coltype);
	free(g->colov);
	g->key_off = g->key_len = NULL;
	g->coltype = NULL;
	g->colov = NULL;
	g->ncols = 0;
}

/* A problem that stops the source (a bad CSV header): sx_die, or with a sink
 * its error callback, after which the rest of the source is ignored. */
static void reset_csv(struct sx_ingest *g)
{
	if (g->csv_open)
		sx_csv_free(&g->csv);
	g->csv_open = 0;
	drop_header(g);
}

void sx_ingest_free(struct sx_ingest *g)
{
	if (!g)
		return;
	reset_csv(g);
	sx_rec_free(&g->rec);
	sx_rec_free(&g->inner);
	sx_buf_free(&g->out);
	sx_buf_free(&g->scratch);
	sx_buf_free(&g->payload);
	sx_buf_free(&g->elem);
	sx_buf_free(&g->raw);
	sx_buf_free(&g->keys);
	sx_buf_free(&g->hash_scratch);
	sx_buf_free(&g->keyscratch);
	sx_buf_free(&g->schema_scratch);
	free(g->schema_len);
	sx_buf_free(&g->first);
	sx_buf_free(&g->part);
	for (int i = 0; i < NOV; i++)
		sx_buf_free(&g->ov[i].val);
	free(g);
}

static void data_error(struct sx_ingest *g, const char *why, const char *raw, size_t rawlen)
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

/* A bad event time: the message names the field, as sx-window's does. */
static void time_error(struct sx_ingest *g, const char *why, const char *raw, size_t rawlen)
{
	char msg[256];
	sx_reason_field(msg, sizeof msg, g->cfg.time_field, why);
	data_error(g, msg, raw, rawlen);
}

/* ---- finishing: shard, time, added fields, output ---- */

static int mine(struct sx_ingest *g, const char *key, size_t n)
{
	return sx_fnv1a64(key, n) % (uint64_t)g->cfg.shard_n == (uint64_t)g->cfg.shard_i;
}

/* Numbers hash by their canonical text (sx_jcanon.h): 1, 1.0 and 1e0 are
 * one key for sx-window and sx-join, so they must land on one shard. */
static int mine_number(struct sx_ingest *g, const char *s, size_t n)
{
	sx_buf_reset(&g->hash_scratch);
	sx_jcanon_number(&g->hash_scratch, s, n);
	return mine(g, g->hash_scratch.data, g->hash_scratch.len);
}

/* Is this record's --shard-key ours?  (Strings hash by their decoded bytes,
 * numbers by their canonical text, other values by their compact JSON text;
 * a missing key hashes as null.) */
static int shard_keep(struct sx_ingest *g, const struct sx_rec *r)
{
	if (!g->cfg.shard_n)
		return 1;
	const struct sx_field *f = sx_rec_get(r, g->cfg.shard_key);
	if (!f)
		return mine(g, "null", 4);
	if (f->type == SX_JSTRING) {
		const char *s;
		size_t n;
		sx_field_str(f, &g->hash_scratch, &s, &n);
		return mine(g, s, n);
	}
	if (f->type == SX_JNUMBER && !sx_jcanon_is_canonical(f, 1))
		return mine_number(g, f->val, f->val_len);
	if (r->compact)
		return mine(g, f->val, f->val_len);
	sx_buf_reset(&g->hash_scratch);
	sx_json_compact_buf(&g->hash_scratch, f->val, f->val_len);
	return mine(g, g->hash_scratch.data, g->hash_scratch.len);
}

static void set_time_text(struct sx_buf *b, sx_time_t t)
{
	char f[SX_TIME_BUFSIZE];
	size_t n = sx_time_format(t, f);
	sx_buf_reset(b);
	sx_buf_putc(b, '"');
	sx_buf_append(b, f, n);
	sx_buf_putc(b, '"');
}

static void set_source(struct sx_ingest *g)
{
	struct sx_buf *b = &g->ov[OV_SOURCE].val;
	char line[32];
	snprintf(line, sizeof line, ":%" PRIu64, g->rec_line);
	sx_buf_reset(&g->scratch);
	sx_buf_puts(&g->scratch, g->name);
	sx_buf_puts(&g->scratch, line);
	sx_buf_reset(b);
	if (sx_utf8_valid(g->scratch.data, g->scratch.len))
		sx_json_quote_buf(b, g->scratch.data, g->scratch.len);
	else
		sx_buf_puts(b, "\"(non-UTF-8 file name)\"");
	g->ov[OV_SOURCE].set = 1;
}

static void set_common_overrides(struct sx_ingest *g)
{
	if (g->cfg.arrival_field) {
		set_time_text(&g->ov[OV_ARRIVAL].val, sx_time_now());
		g->ov[OV_ARRIVAL].set = 1;
	}
	if (g->cfg.source_field)
		set_source(g);
}

/* A finished record B (ending in "\n"): to stdout, or to the sink. */
static void emit_buf(struct sx_ingest *g, const struct sx_buf *b)
{
	if (g->sink.record) {
		g->sink.record(g->sink.ctx, b->data, b->len - 1);
		return;
	}
	sx_out_write(&sx_stdout, b->data, b->len);
	g->stats->records_out++;
}

static void append_unused_overrides(struct sx_ingest *g, struct sx_buf *b, int first)
{
	for (int i = 0; i < NOV; i++) {
		struct override *o = &g->ov[i];
		if (!o->set || o->used)
			continue;
		if (!first)
			sx_buf_putc(b, ',');
		first = 0;
		sx_json_quote_buf(b, o->name, o->nlen);
		sx_buf_putc(b, ':');
		sx_buf_append(b, o->val.data, o->val.len);
	}
}

/* Write record R with the overrides that are set. */
static const char *coltype_name(enum sx_coltype t)
{
	switch (t) {
	case SX_COL_INT: return "int";
	case SX_COL_FLOAT: return "float";
	case SX_COL_BOOL: return "bool";
	case SX_COL_TIME: return "time";
	case SX_COL_STRING: return "string";
	default: return "auto";
	}
}

/* --schema on a JSON record: the column forced to a type, by (decoded) key. */
static const struct sx_schema_col *schema_col(const struct sx_ingest *g, const char *key, size_t klen)
{
	for (int s = 0; s < g->cfg.nschema; s++)
		if (g->schema_len[s] == klen && !memcmp(g->cfg.schema[s].name, key, klen))
			return &g->cfg.schema[s];
	return NULL;
}

/* Append field F's value converted to TYPE, as a CSV value would be: a
 * string by its content, a number or boolean by its text; null stays null.
 * NULL, or the reason it cannot be converted (MSG). */
static const char *schema_value(struct sx_ingest *g, struct sx_buf *b, const struct sx_field *f,
				const struct sx_schema_col *col, char *msg, size_t msgsize)
{
	char conv[80];
	const char *s = f->val, *why;
	size_t n = f->val_len;
	switch (f->type) {
	case SX_JNULL:
		sx_buf_append(b, "null", 4);
		return NULL;
	case SX_JOBJECT:
	case SX_JARRAY:
		snprintf(conv, sizeof conv, "%s cannot be converted to %s",
			 f->type == SX_JOBJECT ? "an object" : "an array", coltype_name(col->type));
		return sx_reason_field(msg, msgsize, col->name, conv);
	case SX_JSTRING:
		if (col->type == SX_COL_STRING) {
			sx_buf_append(b, f->val, f->val_len); /* as written */
			return NULL;
		}
		sx_field_str(f, &g->schema_scratch, &s, &n);
		break;
	default:
		break;
	}
	if (sx_csv_value_json(b, s, n, col->type, g->cfg.time_unit, &why) < 0) {
		sx_reason_field(msg, msgsize, col->name, why);
		return msg;
	}
	return NULL;
}

/* Write record R with the overrides that are set and the --schema types:
 * 0, or -1 after a data error (a value --schema cannot convert). */
static int write_record(struct sx_ingest *g, const struct sx_rec *r, const char *raw, size_t rawlen)
{
	int any = 0;
	for (int i = 0; i < NOV; i++) {
		g->ov[i].used = 0;
		any |= g->ov[i].set;
	}
	int schema = g->cfg.nschema > 0;
	if (!any && !schema && r->compact && g->sink.record) {
		g->sink.record(g->sink.ctx, r->line, r->len);
		return 0;
	}
	if (!any && !schema && r->compact) {
		sx_out_write(&sx_stdout, r->line, r->len);
		sx_out_putc(&sx_stdout, '\n');
		g->stats->records_out++;
		return 0;
	}
	struct sx_buf *b = &g->out;
	sx_buf_reset(b);
	sx_buf_putc(b, '{');
	for (size_t i = 0; i < r->n; i++) {
		const struct sx_field *f = &r->f[i];
		if (i)
			sx_buf_putc(b, ',');
		sx_buf_putc(b, '"');
		sx_buf_append(b, f->key, f->key_len);
		sx_buf_append(b, "\":", 2);
		struct override *o = NULL;
		const char *key = f->key;
		size_t klen = f->key_len;
		if ((any || schema) && f->key_esc) /* "t\u0073" is the key ts: replaced in place, spelling kept */
			sx_json_unescape(f->key, f->key_len, 1, &g->keyscratch, &key, &klen);
		const struct sx_schema_col *col;
		for (int k = 0; k < NOV && any; k++) {
			struct override *c = &g->ov[k];
			if (c->set && c->nlen == klen && memcmp(c->name, key, klen) == 0) {
				o = c;
				break;
			}
		}
		if (o) {
			sx_buf_append(b, o->val.data, o->val.len);
			o->used = 1;
		} else if (schema && (col = schema_col(g, key, klen))) {
			char msg[256];
			const char *why = schema_value(g, b, f, col, msg, sizeof msg);
			if (why) {
				data_error(g, why, raw, rawlen);
				return -1;
			}
		} else if (r->compact) {
			sx_buf_append(b, f->val, f->val_len);
		} else {
			sx_json_compact_buf(b, f->val, f->val_len);
		}
	}
	append_unused_overrides(g, b, r->n == 0);
	sx_buf_append(b, "}\n", 2);
	emit_buf(g, b);
	return 0;
}

/* Unwrap a kcat -J / mosquitto_sub -F %j|%J envelope into g->inner.
 * Returns NULL, or the reason it is a data error. */
static const char *unwrap(struct sx_ingest *g, const struct sx_rec *env)
{
	const struct sx_field *p = sx_rec_get(env, "payload");
	const char *why;
	if (!p || p->type == SX_JNULL)
		return "envelope has no payload";
	if (p->type == SX_JSTRING) {
		const char *s;
		size_t n;
		sx_field_str(p, &g->payload, &s, &n);
		if (s != g->payload.data) {
			sx_buf_reset(&g->payload);
			sx_buf_append(&g->payload, s, n);
		}
		if (sx_rec_parse(&g->inner, g->payload.data, g->payload.len, &why) < 0)
			return "payload is not a JSON object";
	} else if (p->type == SX_JOBJECT) {
		if (sx_rec_parse(&g->inner, p->val, p->val_len, &why) < 0)
			return "payload is not a JSON object";
	} else {
		return "payload is not a JSON object";
	}
	if (g->cfg.envelope == SX_ENV_KCAT) {
		const struct sx_field *ts = sx_rec_get(env, "ts");
		sx_time_t t;
		if (ts && ts->type == SX_JNUMBER &&
		    sx_time_from_number(ts->val, ts->val_len, SX_UNIT_MS, &t) == 0 && t > 0) {
			set_time_text(&g->ov[OV_ENQUEUED].val, t);
			g->ov[OV_ENQUEUED].set = 1;
		}
		static const struct { const char *k; int ov; } copy[] = {
			{ "partition", OV_PARTITION }, { "offset", OV_OFFSET }, { "key", OV_KEY },
		};
		for (size_t i = 0; i < 3; i++) {
			const struct sx_field *f = sx_rec_get(env, copy[i].k);
			struct override *o = &g->ov[copy[i].ov];
			sx_buf_reset(&o->val);
			if (f)
				sx_json_compact_buf(&o->val, f->val, f->val_len);
			else
				sx_buf_puts(&o->val, "null");
			o->set = 1;
		}
	} else {
		const struct sx_field *tst = sx_rec_get(env, "tst");
		if (tst && tst->type == SX_JSTRING) {
			const char *s;
			size_t n;
			sx_time_t t;
			sx_field_str(tst, &g->scratch, &s, &n);
			/* mosquitto 2.0 prints "...248851Z+0000": a Z and an offset */
			if (n > 6 && s[n - 6] == 'Z' && (s[n - 5] == '+' || s[n - 5] == '-'))
				n -= 5;
			if (sx_time_parse(s, n, &t) == 0) {
				set_time_text(&g->ov[OV_ENQUEUED].val, t);
				g->ov[OV_ENQUEUED].set = 1;
			}
		}
		const struct sx_field *topic = sx_rec_get(env, "topic");
		if (topic) {
			sx_buf_reset(&g->ov[OV_TOPIC].val);
			sx_json_compact_buf(&g->ov[OV_TOPIC].val, topic->val, topic->val_len);
			g->ov[OV_TOPIC].set = 1;
		}
	}
	return NULL;
}

/* Is -t the EventEnqueuedUtcTime the envelope just set? */
static int enqueued_is_time(const struct sx_ingest *g)
{
	const struct override *o = &g->ov[OV_ENQUEUED];
	return o->set && o->nlen == strlen(g->cfg.time_field) && !memcmp(o->name, g->cfg.time_field, o->nlen);
}

/* A parsed JSON record (NDJSON line or JSON element): finish and write it. */
static void finish_rec(struct sx_ingest *g, const char *raw, size_t rawlen)
{
	const char *why;
	for (int i = 0; i < NOV; i++)
		g->ov[i].set = 0;
	g->stats->records_in++;
	const struct sx_rec *r = &g->rec;
	if (g->cfg.envelope != SX_ENV_NONE) {
		if ((why = unwrap(g, &g->rec))) {
			data_error(g, why, raw, rawlen);
			return;
		}
		r = &g->inner;
	}
	if (!shard_keep(g, r) || g->skipping)
		return;
	if (g->cfg.time_field && enqueued_is_time(g)) {
		/* -t EventEnqueuedUtcTime: the envelope's time, already canonical
		 * (ASA's default event time for Event Hubs input) */
		struct override *o = &g->ov[OV_ENQUEUED];
		sx_time_t t;
		if (sx_time_parse(o->val.data + 1, o->val.len - 2, &t) == 0)
			g->stats->event_time = t;
	} else if (g->cfg.time_field) {
		sx_time_t t;
		if ((why = sx_field_time(sx_rec_get(r, g->cfg.time_field), g->cfg.time_unit,
					 g->cfg.time_format, &g->scratch, &t))) {
			time_error(g, why, raw, rawlen);
			return;
		}
		set_time_text(&g->ov[OV_TIME].val, t);
		g->ov[OV_TIME].set = 1;
		g->stats->event_time = t;
	}
	if (g->nov_active)
		set_common_overrides(g);
	write_record(g, r, raw, rawlen);
}

static void parse_and_finish(struct sx_ingest *g, const char *p, size_t n)
{
	const char *why;
	if (sx_rec_parse(&g->rec, p, n, &why) < 0) {
		/* Only shard 0 reports records that have no key to shard on. */
		if (!g->cfg.shard_n || g->cfg.shard_i == 0) {
			char msg[128];
			if (g->rec.err_off != SIZE_MAX) {
				snprintf(msg, sizeof msg, "invalid JSON at byte %zu: %s", g->rec.err_off + 1, why);
				why = msg;
			}
			g->stats->records_in++;
			data_error(g, why, p, n);
		}
		return;
	}
	finish_rec(g, p, n);
}

/* ---- NDJSON ---- */

/* A line with bytes that text does not have (NUL and the other C0 controls
 * but tab, line ends, form feed, vertical tab and escape). */
static int looks_binary(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 && (c < 0x09 || (c > 0x0D && c != 0x1B)))
			return 1;
	}
	return 0;
}


static size_t strip_eol(const char *p, size_t n)
{
	if (n && p[n - 1] == '\n')
		n--;
	if (n && p[n - 1] == '\r')
		n--;
	return n;
}

static int is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

/* A line, CSV row or JSON value longer than the record size limit: a data
 * error whose entry keeps its start, cut at a UTF-8 character boundary (so a
 * text record stays readable text), and whose message says its length
 * (MORE: at least that long; the rest was not read). */
static void too_long(struct sx_ingest *g, const char *what, uint64_t total, int more,
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
	data_error(g, msg, start, n);
}

static void ndjson_line(struct sx_ingest *g, const char *p, size_t n)
{
	n = strip_eol(p, n);
	if (n == 0 || (p[0] != '{' && is_blank(p, n)))
		return;
	g->rec_line = g->lineno;
	parse_and_finish(g, p, n);
}

/* ---- JSON: a top-level array of objects, or concatenated objects ---- */

/* JSON is read in pieces of lines (a one-line array of any size streams),
 * and several records may share a line, so resuming is decided per record
 * by byte offsets, not per line: an element that ends at or before the
 * resume offset was handled by the run that read it, and so was an error
 * at a byte before it.  Each element's end is reported as a resume point. */
static void js_element_done(struct sx_ingest *g, uint64_t end)
{
	g->js_elem_open = 0;
	if (g->js_long) {
		g->js_long = 0;
		g->skipping = end <= g->skip_to;
		g->stats->records_in++;
		too_long(g, "JSON value", g->js_total, 0, g->elem.data, g->elem.len);
		sx_buf_reset(&g->elem);
		if (g->progress)
			g->progress(g->progress_ctx, end, g->lineno);
		return;
	}
	size_t n = g->elem.len;
	while (n && (g->elem.data[n - 1] == ' ' || g->elem.data[n - 1] == '\n' ||
		     g->elem.data[n - 1] == '\r' || g->elem.data[n - 1] == '\t'))
		n--;
	g->skipping = end <= g->skip_to;
	parse_and_finish(g, g->elem.data, n);
	sx_buf_reset(&g->elem);
	if (g->progress)
		g->progress(g->progress_ctx, end, g->lineno);
}

/* Bytes of the element being read, kept up to the record size limit; of a
 * longer element only the start is kept, and the rest counted (js_total). */
static void elem_append(struct sx_ingest *g, const char *p, size_t n)
{
	if (!g->js_long && g->elem.len + n <= g->max_record) {
		sx_buf_append(&g->elem, p, n);
		return;
	}
	if (!g->js_long) {
		g->js_long = 1;
		g->js_total = g->elem.len;
		if (g->elem.len < SX_INGEST_KEPT_START) {
			size_t room = SX_INGEST_KEPT_START - g->elem.len;
			sx_buf_append(&g->elem, p, n < room ? n : room);
		}
	}
	g->js_total += n;
}

/* A structural error at byte AT of the piece LINE (N bytes). */
static void js_error(struct sx_ingest *g, const char *why, const char *line, size_t n, const char *at)
{
	char msg[128];
	/* counted in the text reported: the line, or of a long one the piece */
	snprintf(msg, sizeof msg, "invalid JSON at byte %zu: %s", (size_t)(at - line) + 1, why);
	g->rec_line = g->lineno;
	g->skipping = g->piece_off + (uint64_t)(at - line) + 1 <= g->skip_to;
	g->stats->records_in++;
	data_error(g, msg, line, strip_eol(line, n));
}

/* One piece of a line (all of it, or part of a long line: g->piece_eol
 * says whether it ends the line), starting at byte g->piece_off. */
static void json_line(struct sx_ingest *g, const char *line, size_t n)
{
	const char *p = line, *end = line + n;
	if (g->js_skip_line) {
		g->js_skip_line = !g->piece_eol;
		return; /* the rest of a line after an error */
	}
	while (p < end) {
		if (g->js_elem_open) {
			/* Copy up to the end of the element (or of the line). */
			const char *q = p;
			for (; q < end; q++) {
				char c = *q;
				if (g->js_in_str) {
					if (g->js_esc)
						g->js_esc = 0;
					else if (c == '\\')
						g->js_esc = 1;
					else if (c == '"')
						g->js_in_str = 0;
					continue;
				}
				if (c == '"') {
					g->js_in_str = 1;
				} else if (c == '{' || c == '[') {
					g->js_depth++;
				} else if (c == '}' || c == ']') {
					if (g->js_depth == 0 && g->js == JS_ARRAY_ELEM)
						break; /* the array's own ']' ends a scalar element */
					g->js_depth--;
					if (g->js_depth == 0 && g->js == JS_CONCAT) {
						q++;
						break;
					}
				} else if (c == ',' && g->js_depth == 0 && g->js == JS_ARRAY_ELEM) {
					break;
				}
			}
			elem_append(g, p, (size_t)(q - p));
			p = q;
			uint64_t at = g->piece_off + (uint64_t)(p - line);
			if (g->js == JS_CONCAT && g->js_depth == 0 && !g->js_in_str) {
				js_element_done(g, at);
			} else if (g->js == JS_ARRAY_ELEM && p < end && g->js_depth == 0 && !g->js_in_str) {
				js_element_done(g, at);
				g->js = JS_ARRAY_AFTER;
			}
			continue;
		}
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p++;
			continue;
		}
		switch (g->js) {
		case JS_START:
			if (c == '[') {
				g->js = JS_ARRAY_ELEM;
				p++;
				continue;
			}
			g->js = JS_CONCAT;
			continue;
		case JS_ARRAY_ELEM:
			if (c == ']' && g->js_elems == 0) {
				g->js = JS_DONE; /* an empty array over several lines */
				p++;
				continue;
			}
			if (c == ']' || c == ',') {
				js_error(g, "missing array element", line, n, p);
				p++;
				if (c == ']')
					g->js = JS_DONE;
				continue;
			}
			g->js_elem_open = 1;
			g->js_elems++;
			g->js_depth = 0;
			g->rec_line = g->lineno;
			continue;
		case JS_ARRAY_AFTER:
			if (c == ',') {
				g->js = JS_ARRAY_ELEM;
			} else if (c == ']') {
				g->js = JS_DONE;
			} else {
				js_error(g, "expected ',' or ']' between array elements", line, n, p);
				g->js_skip_line = !g->piece_eol;
				return;
			}
			p++;
			continue;
		case JS_CONCAT:
			if (c != '{') {
				js_error(g, "expected a JSON object", line, n, p);
				g->js_skip_line = !g->piece_eol;
				return; /* resynchronise at the next line */
			}
			g->js_elem_open = 1;
			g->js_depth = 0;
			g->rec_line = g->lineno;
			continue;
		case JS_DONE:
			js_error(g, "unexpected data after the closing ']'", line, n, p);
			g->js_skip_line = !g->piece_eol;
			return;
		}
	}
}

static void json_end(struct sx_ingest *g)
{
	/* "[{...}" then EOF: the last element is complete, only the array is not */
	if (g->js_elem_open && g->js == JS_ARRAY_ELEM && g->js_depth == 0 && !g->js_in_str) {
		js_element_done(g, g->in->offset);
		g->js = JS_ARRAY_AFTER;
	}
	g->skipping = g->in->offset <= g->skip_to;
	if (g->js_elem_open || g->js == JS_ARRAY_ELEM || g->js == JS_ARRAY_AFTER) {
		g->stats->records_in++;
		data_error(g, g->js_elem_open ? "unterminated JSON value at end of input"
					      : "unterminated JSON array at end of input",
			   g->elem.data ? g->elem.data : "", g->elem.len);
	}
	g->js_elem_open = g->js_long = 0;
	sx_buf_reset(&g->elem);
}

/* ---- CSV / TSV ---- */

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

/* The source cannot be converted (a CSV header problem) at LINE (0: none):
 * report it, to the sink when there is one; the rest of the source is
 * ignored and sx_ingest_pump/end return -1. */
static int source_error(struct sx_ingest *g, uint64_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int source_error(struct sx_ingest *g, uint64_t line, const char *fmt, ...)
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

/* -f auto guessed CSV from binary garbage: a text line among it that cannot
 * be a header (a name twice, not UTF-8) is one more bad line, not the end of
 * the file; the header arrays are dropped and the next line is tried. */
static int header_line_rejected(struct sx_ingest *g, const char *why)
{
	drop_header(g);
	g->stats->records_in++;
	data_error(g, why, g->raw.data ? g->raw.data : "", strip_eol(g->raw.data ? g->raw.data : "", g->raw.len));
	return -1;
}

static int csv_header(struct sx_ingest *g, struct sx_csv *c, char **names, size_t n)
{
	g->ncols = n;
	g->key_off = sx_xcalloc(n, sizeof *g->key_off);
	g->key_len = sx_xcalloc(n, sizeof *g->key_len);
	g->coltype = sx_xcalloc(n, sizeof *g->coltype);
	g->colov = sx_xcalloc(n, sizeof *g->colov);
	g->time_col = g->shard_col = -1;
	for (size_t i = 0; i < n; i++) {
		const char *name = column_name(g, c, names, i);
		size_t len = strlen(name);
		if (!names && !g->cfg.no_header && looks_binary(name, c->f[i].len))
			return source_error(g, g->rec_line, "the CSV header looks like binary data, not text");
		if (!sx_utf8_valid(name, len))
			return g->guessed_binary && !names ? header_line_rejected(g, "column name is not valid UTF-8")
							   : source_error(g, g->rec_line, "column name is not valid UTF-8");
		for (size_t k = 0; k < i; k++) {
			/* compare with the earlier quoted keys */
			struct sx_buf t = SX_BUF_INIT;
			sx_json_quote_buf(&t, name, len);
			int dup = t.len + 1 == g->key_len[k] && !memcmp(t.data, g->keys.data + g->key_off[k], t.len);
			sx_buf_free(&t);
			if (dup && g->guessed_binary && !names)
				return header_line_rejected(g, "binary data, not text (a header with a column name twice)");
			if (dup)
				return source_error(g, g->rec_line, "duplicate column name '%s'", name);
		}
		g->key_off[i] = g->keys.len;
		sx_json_quote_buf(&g->keys, name, len);
		sx_buf_putc(&g->keys, ':');
		g->key_len[i] = g->keys.len - g->key_off[i];
		g->coltype[i] = g->cfg.types_string ? SX_COL_STRING : SX_COL_AUTO;
		for (int s = 0; s < g->cfg.nschema; s++)
			if (!strcmp(g->cfg.schema[s].name, name))
				g->coltype[i] = g->cfg.schema[s].type;
		g->colov[i] = -1;
		for (int k = OV_ARRIVAL; k <= OV_SOURCE; k++)
			if (g->ov[k].name && !strcmp(name, g->ov[k].name))
				g->colov[i] = (signed char)k;
		if (g->cfg.time_field && !strcmp(name, g->cfg.time_field))
			g->time_col = (long)i;
		if (g->cfg.shard_n && !strcmp(name, g->cfg.shard_key))
			g->shard_col = (long)i;
	}
	for (int s = 0; s < g->cfg.nschema; s++) {
		size_t i = 0;
		while (i < n && strcmp(g->cfg.schema[s].name, column_name(g, c, names, i)) != 0)
			i++;
		if (i == n)
			return source_error(g, 0, "--schema names column '%s', which the input does not have",
					    g->cfg.schema[s].name);
	}
	if (g->cfg.time_field && g->time_col < 0)
		return source_error(g, 0, "no column '%s' (-t) in the header", g->cfg.time_field);
	g->have_header = 1;
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
	if (!g->have_header) {
		csv_header(g, c, g->cfg.ncolumns ? g->cfg.columns : NULL, g->cfg.ncolumns ? (size_t)g->cfg.ncolumns : c->n);
		if (g->failed || (!g->cfg.no_header && !g->cfg.ncolumns))
			return; /* the header row itself */
	}
	g->stats->records_in++;
	size_t rawlen = strip_eol(g->raw.data ? g->raw.data : "", g->raw.len);
	if (c->n != g->ncols) {
		char msg[96];
		snprintf(msg, sizeof msg, "row has %zu field%s, the header has %zu", c->n,
			 c->n == 1 ? "" : "s", g->ncols);
		/* the message must outlive this call only until sx_data_error returns */
		data_error(g, msg, g->raw.data, rawlen);
		return;
	}
	if (g->shard_col >= 0 || g->cfg.shard_n) {
		const char *k = g->shard_col >= 0 ? sx_csv_field_ptr(c, (size_t)g->shard_col) : NULL;
		size_t kn = k ? c->f[g->shard_col].len : 0;
		enum sx_coltype kt = k ? g->coltype[g->shard_col] : SX_COL_AUTO;
		/* hash what is emitted: a quoted "" is a string unless a forced type makes it null */
		if (!k || (kn == 0 && kt != SX_COL_STRING && kt != SX_COL_AUTO)) {
			k = "null";
			kn = 4;
		}
		if (kt == SX_COL_AUTO && kn && (sx_csv_is_int(k, kn) || sx_csv_is_decimal(k, kn)) ?
		    !mine_number(g, k, kn) : !mine(g, k, kn))
			return;
	}
	if (g->skipping)
		return;
	if (g->nov_active) {
		for (int i = 0; i < NOV; i++)
			g->ov[i].set = g->ov[i].used = 0;
		set_common_overrides(g);
	}
	struct sx_buf *b = &g->out;
	sx_buf_reset(b);
	sx_buf_putc(b, '{');
	for (size_t i = 0; i < g->ncols; i++) {
		const char *v = sx_csv_field_ptr(c, i);
		size_t vn = c->f[i].len;
		sx_buf_append(b, g->keys.data + g->key_off[i], g->key_len[i]);
		if (g->colov[i] >= 0) {
			/* a column named like an added field: replaced in place */
			struct override *o = &g->ov[g->colov[i]];
			sx_buf_append(b, o->val.data, o->val.len);
			o->used = 1;
		} else if ((long)i == g->time_col) {
			sx_time_t t;
			if (!v || vn == 0) {
				time_error(g, "missing event time", g->raw.data, rawlen);
				return;
			}
			if (csv_time(g, v, vn, &t) < 0) {
				time_error(g, sx_time_why(v, vn, g->cfg.time_unit, g->cfg.time_format, 1, &g->scratch),
					   g->raw.data, rawlen);
				return;
			}
			char f[SX_TIME_BUFSIZE];
			size_t fl = sx_time_format(t, f);
			sx_buf_putc(b, '"');
			sx_buf_append(b, f, fl);
			sx_buf_putc(b, '"');
			g->stats->event_time = t;
		} else if (sx_csv_value_json(b, v, vn, g->coltype[i], g->cfg.time_unit, &why) < 0) {
			char msg[160];
			snprintf(msg, sizeof msg, "column '%.*s': %s", (int)(g->key_len[i] - 3),
				 g->keys.data + g->key_off[i] + 1, why);
			data_error(g, msg, g->raw.data, rawlen);
			return;
		}
		if (i + 1 < g->ncols)
			sx_buf_putc(b, ',');
	}
	if (g->nov_active)
		append_unused_overrides(g, b, g->ncols == 0);
	sx_buf_append(b, "}\n", 2);
	emit_buf(g, b);
}

static void csv_line(struct sx_ingest *g, const char *p, size_t n)
{
	if (g->failed)
		return;
	if (!sx_csv_in_row(&g->csv)) {
		sx_buf_reset(&g->raw);
		g->rec_line = g->lineno;
		if (g->guessed_binary && (looks_binary(p, n) || !sx_utf8_valid(p, n))) {
			/* garbage, not a row (nor the header): one error per line */
			g->stats->records_in++;
			data_error(g, "binary data, not text", p, strip_eol(p, n));
			return;
		}
	} else if (g->raw.len + n > g->max_record) {
		/* a quote left open would otherwise take in the rest of the input */
		g->stats->records_in++;
		too_long(g, "CSV row", g->raw.len + n, 1, g->raw.data, g->raw.len);
		sx_csv_reset(&g->csv);
		sx_buf_reset(&g->raw);
		g->rec_line = g->lineno; /* this line starts afresh */
	}
	sx_buf_append(&g->raw, p, n);
	if (sx_csv_feed(&g->csv, p, n) < 0) {
		if (!g->have_header && !g->cfg.no_header && !g->cfg.ncolumns) {
			source_error(g, g->rec_line, "malformed CSV header");
			return;
		}
		g->stats->records_in++;
		data_error(g, "malformed CSV (a quote inside an unquoted field, or text after a closing quote)",
			   g->raw.data, strip_eol(g->raw.data, g->raw.len));
		sx_buf_reset(&g->raw);
	}
}

/* End of a CSV source: a last row without a line end is completed here. */
static void csv_end(struct sx_ingest *g)
{
	if (sx_csv_finish(&g->csv) < 0) {
		g->stats->records_in++;
		data_error(g, "unterminated quoted field at end of input", g->raw.data,
			   strip_eol(g->raw.data ? g->raw.data : "", g->raw.len));
	}
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
	int depth = 0, in_str = 0, esc = 0;
	for (; i < n; i++) {
		char c = p[i];
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && --depth == 0) {
			break;
		}
	}
	if (i < n) {
		/* one value closed: another object after it on this line? */
		for (i++; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'); i++)
			;
		return i < n && p[i] == '{' ? SX_FMT_JSON : SX_FMT_NDJSON;
	}
	/* the line ends inside a string (NDJSON), or with braces left open */
	return in_str ? SX_FMT_NDJSON : SX_FMT_AUTO;
}

static void start_format(struct sx_ingest *g)
{
	if (g->fmt == SX_FMT_CSV || g->fmt == SX_FMT_TSV) {
		int d = g->cfg.delim ? g->cfg.delim : g->fmt == SX_FMT_TSV ? '\t' : ',';
		sx_csv_init(&g->csv, (unsigned char)d, csv_row, g);
		g->csv_open = 1;
	} else if (g->fmt == SX_FMT_JSON) {
		g->js = JS_START;
		g->js_depth = g->js_in_str = g->js_esc = g->js_elem_open = g->js_elems = g->js_long = 0;
		g->js_skip_line = 0;
		sx_buf_reset(&g->elem);
	}
}

static int between_records(struct sx_ingest *g)
{
	switch (g->fmt) {
	case SX_FMT_CSV:
	case SX_FMT_TSV:
		return !sx_csv_in_row(&g->csv);
	case SX_FMT_JSON:
		return !g->js_elem_open;
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
	g->failed = g->input_failed = 0;
	g->part_open = g->line_long = g->text_checked = g->guessed_binary = 0;
	g->rejected = 0;
	g->fmt = g->cfg.format != SX_FMT_AUTO ? g->cfg.format : format_by_name(name);
	if (g->fmt == SX_FMT_AUTO && g->cfg.delim && g->cfg.delim != '\t')
		g->fmt = SX_FMT_CSV;
	if (g->cfg.envelope != SX_ENV_NONE && (g->fmt == SX_FMT_CSV || g->fmt == SX_FMT_TSV)) {
		/* -f csv with --envelope is a usage error; this is a file name */
		source_error(g, 0, "--envelope reads JSON (kcat -J, mosquitto_sub -F %%j or %%J output), "
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
			g->sink.error(g->sink.ctx, 0, g->name, g->lineno, why, line, strip_eol(line, len));
		return;
	}
	sx_data_error(g->name, g->lineno, why, line, strip_eol(line, len));
}

/* A line longer than the record size limit (only its start, LINE, was kept). */
static void long_line(struct sx_ingest *g, const char *line, size_t len)
{
	int csv = g->fmt == SX_FMT_CSV || g->fmt == SX_FMT_TSV;
	if (g->failed)
		return;
	if (csv && sx_csv_in_row(&g->csv)) {
		/* the rest of a quoted field: the row is the error (at its first line) */
		g->stats->records_in++;
		too_long(g, "CSV row", g->raw.len + g->line_total, 0, g->raw.data, g->raw.len);
		sx_csv_reset(&g->csv);
		sx_buf_reset(&g->raw);
		return;
	}
	g->rec_line = g->lineno;
	if (csv && !g->have_header && !g->cfg.no_header && !g->cfg.ncolumns && !g->guessed_binary) {
		source_error(g, g->lineno, "CSV header too long: %" PRIu64 " bytes, more than "
			     "--max-record-size (%zu)", g->line_total, g->max_record);
		return;
	}
	g->stats->records_in++;
	too_long(g, "line", g->line_total, 0, line, strip_eol(line, len));
}

/* Convert one raw line (terminator included; of a long line, g->line_long,
 * its start), or for JSON a piece of one (EOL: it ends the line), that ends
 * at byte offset END. */
static void feed(struct sx_ingest *g, const char *line, size_t len, uint64_t lineno, uint64_t end, int eol)
{
	g->lineno = lineno;
	if (g->fmt == SX_FMT_JSON) {
		/* resumed per record by offsets (see js_element_done) */
		g->piece_off = end - len;
		g->piece_eol = eol;
		json_line(g, line, len);
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
			csv_line(g, line, len);
		else
			ndjson_line(g, line, len);
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
	if (looks_binary(g->first.data, g->first.len))
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
				if (looks_binary(p, n)) /* ("[" then garbage) */
					binary_guess(g, SX_FMT_JSON, piece_eol ? g->in->lineno : g->in->lineno + 1);
				*line = p;
				*len = n;
				*eol = piece_eol;
				return 1;
			}
		}
		if (!g->part_open && piece_eol) {
			/* the common case: a whole line in the buffer */
			g->line_long = n > g->max_record + 1 && strip_eol(p, n) > g->max_record;
			if (g->line_long) {
				g->line_raw = n;
				g->line_total = strip_eol(p, n);
				g->line_blank = is_blank(p, n);
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
		if (g->part_blank && !is_blank(p, n))
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
	n = strip_eol(p, n);
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
			int blank = g->line_long ? g->line_blank : is_blank(line, len);
			if (!g->text_checked && !blank) {
				g->text_checked = 1;
				if (looks_utf16(line, len)) {
					source_error(g, 0, "input looks like UTF-16; convert it with "
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
				if (looks_binary(line, len))
					binary_guess(g, fmt, in->lineno);
			}
		}
		feed(g, line, len, eol ? in->lineno : in->lineno + 1, in->offset, eol);
		sx_progress_tick();
		if (g->failed)
			break;
	}
	g->stats->bytes_in += in->bytes_read - g->last_bytes;
	g->last_bytes = in->bytes_read;
	g->skipping = 0;
	if (g->failed)
		return -1;
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
	if (g->csv_open)
		reset_csv(g);
	g->js_elem_open = 0;
	sx_buf_reset(&g->elem);
	g->started = g->first_pending = g->failed = g->input_failed = 0;
	g->part_open = g->line_long = g->js_long = 0;
	g->skipping = g->skip_record = g->open_line = 0;
}

int sx_ingest_line_open(const struct sx_ingest *g)
{
	return g->part_open;
}

uint64_t sx_ingest_value_open(const struct sx_ingest *g)
{
	/* what json_end would report as unterminated, or lines held while
	 * braces left open keep the format unknown */
	if (!g->started)
		return g->first_pending ? g->first_lineno : 0;
	if (g->fmt != SX_FMT_JSON)
		return 0;
	if (g->js_elem_open)
		return g->rec_line ? g->rec_line : 1;
	return g->js == JS_ARRAY_ELEM || g->js == JS_ARRAY_AFTER ? (g->lineno ? g->lineno : 1) : 0;
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
			csv_end(g);
			reset_csv(g);
		} else if (g->fmt == SX_FMT_JSON) {
			json_end(g);
		}
	}
	g->started = 0;
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
