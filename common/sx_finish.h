/*
 * sx_finish.h - the last step of sx-ingest for every record, whatever its
 * format: envelope unwrapping (kcat -J, mosquitto_sub -F %j|%J), --shard
 * filtering, the -t rewrite into canonical RFC 3339, --schema types on JSON
 * records, --add-arrival-time and --add-source, and the write to sx_stdout
 * or to the engine's sink.
 *
 * Ownership: struct sx_finish lives inside the engine (struct sx_ingest,
 * sx_ingest_int.h) and owns its buffers: the parsed record and envelope
 * payload, the output line, the values of the added fields (overrides).
 * They are reused from record to record; nothing is allocated per record
 * once they have grown.  The readers (sx_rdcsv, sx_rdjson) call it: a JSON
 * reader hands over a record's text (sx_finish_json); the CSV reader builds
 * its own line and uses the shard, added-field and emit parts.
 */
#ifndef SX_FINISH_H
#define SX_FINISH_H

#include <stddef.h>
#include "sx_buf.h"
#include "sx_json.h"
#include "sx_time.h"

struct sx_ingest;
struct sx_ingest_cfg;

/* Fields the finishing step may set.  A field the record already has is
 * replaced in place; the others are appended in this order. */
enum { SX_OV_TIME, SX_OV_ENQUEUED, SX_OV_PARTITION, SX_OV_OFFSET, SX_OV_KEY, SX_OV_TOPIC,
       SX_OV_ARRIVAL, SX_OV_SOURCE, SX_NOV };

struct sx_override {
	const char *name;
	size_t nlen;
	struct sx_buf val;   /* JSON text of the value */
	int set, used;
};

struct sx_finish {
	struct sx_rec rec, inner;  /* the record parsed, the envelope's payload */
	struct sx_buf out, scratch, payload, hash_scratch, keyscratch, schema_scratch;
	size_t *schema_len;        /* strlen of each --schema name */
	struct sx_override ov[SX_NOV];
	int nov_active;            /* any override configured at all */
	sx_time_t time;            /* the event time of the record being finished (-t) */
};

void sx_finish_init(struct sx_finish *f, const struct sx_ingest_cfg *cfg);
void sx_finish_free(struct sx_finish *f);

/* A JSON record's text P (N bytes, no line end): parse, finish and write it;
 * a parse error is a data error (RAW for its report is P). */
void sx_finish_json(struct sx_ingest *g, const char *p, size_t n);

/* For the CSV reader, which writes its own line: is the --shard key K ours
 * (hashed as bytes, or as a number by its canonical text)? */
int sx_finish_mine(struct sx_ingest *g, const char *k, size_t n);
int sx_finish_mine_number(struct sx_ingest *g, const char *k, size_t n);
/* Start a row: clear the overrides, set arrival time and source. */
void sx_finish_row_begin(struct sx_ingest *g);
/* Append the added fields the row did not replace in place (FIRST: no
 * field written yet, so no comma before the first). */
void sx_finish_append_added(struct sx_ingest *g, struct sx_buf *b, int first);
/* A finished line B (ending in "\n"): to stdout, or to the sink. */
void sx_finish_emit(struct sx_ingest *g, const struct sx_buf *b);

#endif
