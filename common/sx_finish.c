/* sx_finish.c - the finishing step of sx-ingest (see sx_finish.h). */
#include "sx_finish.h"
#include "sx_err.h"
#include "sx_hash.h"
#include "sx_ingest_int.h"
#include "sx_jcanon.h"
#include "sx_onerror.h"
#include "sx_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sx_finish_init(struct sx_finish *f, const struct sx_ingest_cfg *cfg)
{
	sx_rec_init(&f->rec);
	sx_rec_init(&f->inner);
	static const char *const env_names[] = {
		[SX_OV_ENQUEUED] = "EventEnqueuedUtcTime", [SX_OV_PARTITION] = "PartitionId",
		[SX_OV_OFFSET] = "Offset", [SX_OV_KEY] = "Key", [SX_OV_TOPIC] = "topic",
	};
	f->ov[SX_OV_TIME].name = cfg->time_field;
	f->ov[SX_OV_ARRIVAL].name = cfg->arrival_field;
	f->ov[SX_OV_SOURCE].name = cfg->source_field;
	for (int i = SX_OV_ENQUEUED; i <= SX_OV_TOPIC; i++)
		f->ov[i].name = env_names[i];
	for (int i = 0; i < SX_NOV; i++)
		if (f->ov[i].name)
			f->ov[i].nlen = strlen(f->ov[i].name);
	f->nov_active = cfg->time_field || cfg->arrival_field || cfg->source_field ||
			cfg->envelope != SX_ENV_NONE;
	f->schema_len = sx_xcalloc((size_t)cfg->nschema + 1, sizeof *f->schema_len);
	for (int s = 0; s < cfg->nschema; s++)
		f->schema_len[s] = strlen(cfg->schema[s].name);
}

void sx_finish_free(struct sx_finish *f)
{
	sx_rec_free(&f->rec);
	sx_rec_free(&f->inner);
	sx_buf_free(&f->out);
	sx_buf_free(&f->scratch);
	sx_buf_free(&f->payload);
	sx_buf_free(&f->hash_scratch);
	sx_buf_free(&f->keyscratch);
	sx_buf_free(&f->schema_scratch);
	free(f->schema_len);
	for (int i = 0; i < SX_NOV; i++)
		sx_buf_free(&f->ov[i].val);
}

int sx_finish_mine(struct sx_ingest *g, const char *key, size_t n)
{
	return sx_fnv1a64(key, n) % (uint64_t)g->cfg.shard_n == (uint64_t)g->cfg.shard_i;
}

/* Numbers hash by their canonical text (sx_jcanon.h): 1, 1.0 and 1e0 are
 * one key for sx-window and sx-join, so they must land on one shard. */
int sx_finish_mine_number(struct sx_ingest *g, const char *s, size_t n)
{
	sx_buf_reset(&g->fin.hash_scratch);
	sx_jcanon_number(&g->fin.hash_scratch, s, n);
	return sx_finish_mine(g, g->fin.hash_scratch.data, g->fin.hash_scratch.len);
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
		return sx_finish_mine(g, "null", 4);
	if (f->type == SX_JSTRING) {
		const char *s;
		size_t n;
		sx_field_str(f, &g->fin.hash_scratch, &s, &n);
		return sx_finish_mine(g, s, n);
	}
	if (f->type == SX_JNUMBER && !sx_jcanon_is_canonical(f, 1))
		return sx_finish_mine_number(g, f->val, f->val_len);
	if (r->compact)
		return sx_finish_mine(g, f->val, f->val_len);
	sx_buf_reset(&g->fin.hash_scratch);
	sx_json_compact_buf(&g->fin.hash_scratch, f->val, f->val_len);
	return sx_finish_mine(g, g->fin.hash_scratch.data, g->fin.hash_scratch.len);
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
	struct sx_buf *b = &g->fin.ov[SX_OV_SOURCE].val;
	char line[32];
	snprintf(line, sizeof line, ":%" PRIu64, g->rec_line);
	sx_buf_reset(&g->fin.scratch);
	sx_buf_puts(&g->fin.scratch, g->name);
	sx_buf_puts(&g->fin.scratch, line);
	sx_buf_reset(b);
	if (sx_utf8_valid(g->fin.scratch.data, g->fin.scratch.len))
		sx_json_quote_buf(b, g->fin.scratch.data, g->fin.scratch.len);
	else
		sx_buf_puts(b, "\"(non-UTF-8 file name)\"");
	g->fin.ov[SX_OV_SOURCE].set = 1;
}

static void set_common_overrides(struct sx_ingest *g)
{
	if (g->cfg.arrival_field) {
		set_time_text(&g->fin.ov[SX_OV_ARRIVAL].val, sx_time_now());
		g->fin.ov[SX_OV_ARRIVAL].set = 1;
	}
	if (g->cfg.source_field)
		set_source(g);
}

void sx_finish_row_begin(struct sx_ingest *g)
{
	for (int i = 0; i < SX_NOV; i++)
		g->fin.ov[i].set = g->fin.ov[i].used = 0;
	set_common_overrides(g);
}

/* A finished record B (ending in "\n"): to stdout, or to the sink. */
void sx_finish_emit(struct sx_ingest *g, const struct sx_buf *b)
{
	if (g->sink.record) {
		g->sink.record(g->sink.ctx, b->data, b->len - 1);
		return;
	}
	if (g->tap) {
		g->tap(g->tap_ctx, b->data, b->len - 1, g->fin.time);
		return;
	}
	sx_out_write(&sx_stdout, b->data, b->len);
	g->stats->records_out++;
}

void sx_finish_append_added(struct sx_ingest *g, struct sx_buf *b, int first)
{
	for (int i = 0; i < SX_NOV; i++) {
		struct sx_override *o = &g->fin.ov[i];
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
		if (g->fin.schema_len[s] == klen && !memcmp(g->cfg.schema[s].name, key, klen))
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
		sx_field_str(f, &g->fin.schema_scratch, &s, &n);
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
	for (int i = 0; i < SX_NOV; i++) {
		g->fin.ov[i].used = 0;
		any |= g->fin.ov[i].set;
	}
	int schema = g->cfg.nschema > 0;
	if (!any && !schema && r->compact && g->sink.record) {
		g->sink.record(g->sink.ctx, r->line, r->len);
		return 0;
	}
	if (!any && !schema && r->compact && g->tap) {
		g->tap(g->tap_ctx, r->line, r->len, g->fin.time);
		return 0;
	}
	if (!any && !schema && r->compact) {
		sx_out_write(&sx_stdout, r->line, r->len);
		sx_out_putc(&sx_stdout, '\n');
		g->stats->records_out++;
		return 0;
	}
	struct sx_buf *b = &g->fin.out;
	sx_buf_reset(b);
	sx_buf_putc(b, '{');
	for (size_t i = 0; i < r->n; i++) {
		const struct sx_field *f = &r->f[i];
		if (i)
			sx_buf_putc(b, ',');
		sx_buf_putc(b, '"');
		sx_buf_append(b, f->key, f->key_len);
		sx_buf_append(b, "\":", 2);
		struct sx_override *o = NULL;
		const char *key = f->key;
		size_t klen = f->key_len;
		if ((any || schema) && f->key_esc) /* "t\u0073" is the key ts: replaced in place, spelling kept */
			sx_json_unescape(f->key, f->key_len, 1, &g->fin.keyscratch, &key, &klen);
		const struct sx_schema_col *col;
		for (int k = 0; k < SX_NOV && any; k++) {
			struct sx_override *c = &g->fin.ov[k];
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
				sx_ingest_data_error(g, why, raw, rawlen);
				return -1;
			}
		} else if (r->compact) {
			sx_buf_append(b, f->val, f->val_len);
		} else {
			sx_json_compact_buf(b, f->val, f->val_len);
		}
	}
	sx_finish_append_added(g, b, r->n == 0);
	sx_buf_append(b, "}\n", 2);
	sx_finish_emit(g, b);
	return 0;
}

/* Unwrap a kcat -J / mosquitto_sub -F %j|%J envelope into g->fin.inner.
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
		sx_field_str(p, &g->fin.payload, &s, &n);
		if (s != g->fin.payload.data) {
			sx_buf_reset(&g->fin.payload);
			sx_buf_append(&g->fin.payload, s, n);
		}
		if (sx_rec_parse(&g->fin.inner, g->fin.payload.data, g->fin.payload.len, &why) < 0)
			return "payload is not a JSON object";
	} else if (p->type == SX_JOBJECT) {
		if (sx_rec_parse(&g->fin.inner, p->val, p->val_len, &why) < 0)
			return "payload is not a JSON object";
	} else {
		return "payload is not a JSON object";
	}
	if (g->cfg.envelope == SX_ENV_KCAT) {
		const struct sx_field *ts = sx_rec_get(env, "ts");
		sx_time_t t;
		if (ts && ts->type == SX_JNUMBER &&
		    sx_time_from_number(ts->val, ts->val_len, SX_UNIT_MS, &t) == 0 && t > 0) {
			set_time_text(&g->fin.ov[SX_OV_ENQUEUED].val, t);
			g->fin.ov[SX_OV_ENQUEUED].set = 1;
		}
		static const struct { const char *k; int ov; } copy[] = {
			{ "partition", SX_OV_PARTITION }, { "offset", SX_OV_OFFSET }, { "key", SX_OV_KEY },
		};
		for (size_t i = 0; i < 3; i++) {
			const struct sx_field *f = sx_rec_get(env, copy[i].k);
			struct sx_override *o = &g->fin.ov[copy[i].ov];
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
			sx_field_str(tst, &g->fin.scratch, &s, &n);
			/* mosquitto 2.0 prints "...248851Z+0000": a Z and an offset */
			if (n > 6 && s[n - 6] == 'Z' && (s[n - 5] == '+' || s[n - 5] == '-'))
				n -= 5;
			if (sx_time_parse(s, n, &t) == 0) {
				set_time_text(&g->fin.ov[SX_OV_ENQUEUED].val, t);
				g->fin.ov[SX_OV_ENQUEUED].set = 1;
			}
		}
		const struct sx_field *topic = sx_rec_get(env, "topic");
		if (topic) {
			sx_buf_reset(&g->fin.ov[SX_OV_TOPIC].val);
			sx_json_compact_buf(&g->fin.ov[SX_OV_TOPIC].val, topic->val, topic->val_len);
			g->fin.ov[SX_OV_TOPIC].set = 1;
		}
	}
	return NULL;
}

/* Is -t the EventEnqueuedUtcTime the envelope just set? */
static int enqueued_is_time(const struct sx_ingest *g)
{
	const struct sx_override *o = &g->fin.ov[SX_OV_ENQUEUED];
	return o->set && o->nlen == strlen(g->cfg.time_field) && !memcmp(o->name, g->cfg.time_field, o->nlen);
}

/* A parsed JSON record (NDJSON line or JSON element): finish and write it. */
static void finish_rec(struct sx_ingest *g, const char *raw, size_t rawlen)
{
	const char *why;
	for (int i = 0; i < SX_NOV; i++)
		g->fin.ov[i].set = 0;
	g->stats->records_in++;
	const struct sx_rec *r = &g->fin.rec;
	if (g->cfg.envelope != SX_ENV_NONE) {
		if ((why = unwrap(g, &g->fin.rec))) {
			sx_ingest_data_error(g, why, raw, rawlen);
			return;
		}
		r = &g->fin.inner;
	}
	if (!shard_keep(g, r) || g->skipping)
		return;
	if (g->cfg.time_field && enqueued_is_time(g)) {
		/* -t EventEnqueuedUtcTime: the envelope's time, already canonical
		 * (ASA's default event time for Event Hubs input) */
		struct sx_override *o = &g->fin.ov[SX_OV_ENQUEUED];
		sx_time_t t;
		if (sx_time_parse(o->val.data + 1, o->val.len - 2, &t) == 0)
			g->stats->event_time = g->fin.time = t;
	} else if (g->cfg.time_field) {
		sx_time_t t;
		if ((why = sx_field_time(sx_rec_get(r, g->cfg.time_field), g->cfg.time_unit,
					 g->cfg.time_format, &g->fin.scratch, &t))) {
			sx_ingest_time_error(g, why, raw, rawlen);
			return;
		}
		set_time_text(&g->fin.ov[SX_OV_TIME].val, t);
		g->fin.ov[SX_OV_TIME].set = 1;
		g->stats->event_time = g->fin.time = t;
	}
	if (g->fin.nov_active)
		set_common_overrides(g);
	write_record(g, r, raw, rawlen);
}

void sx_finish_json(struct sx_ingest *g, const char *p, size_t n)
{
	const char *why;
	if (sx_rec_parse(&g->fin.rec, p, n, &why) < 0) {
		/* Only shard 0 reports records that have no key to shard on. */
		if (!g->cfg.shard_n || g->cfg.shard_i == 0) {
			char msg[128];
			if (g->fin.rec.err_off != SIZE_MAX) {
				snprintf(msg, sizeof msg, "invalid JSON at byte %zu: %s", g->fin.rec.err_off + 1, why);
				why = msg;
			}
			g->stats->records_in++;
			sx_ingest_data_error(g, why, p, n);
		}
		return;
	}
	finish_rec(g, p, n);
}

