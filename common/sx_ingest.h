/*
 * sx_ingest.h - the sx-ingest conversion engine: CSV/TSV, JSON (an array or
 * concatenated objects, streamed element by element) and NDJSON in, clean
 * NDJSON records out (SPEC section 2).
 *
 * CSV and NDJSON are consumed line by line, JSON in pieces of lines (both
 * read with sx_in_getpiece), so a one-line array of any size streams in
 * bounded memory.  Every record has a FILE:LINE and ends at a known byte
 * offset: the checkpoint code resumes at those offsets (a line-based record
 * is resumed by its line, a JSON record by its own end, since several may
 * share a line).  Each record then goes through
 * one finishing step: envelope unwrapping (kcat, mosquitto), --shard
 * filtering, the -t rewrite into canonical RFC 3339, --add-arrival-time and
 * --add-source, and is written to sx_stdout.
 *
 * Memory: buffers are reused from record to record; one JSON element or CSV
 * row is held at a time, never a whole file, and never more than the record
 * size limit (cfg.max_record): a longer line, row or element is a data
 * error that keeps the record's start (SX_INGEST_KEPT_START bytes at most)
 * and says its length, while the rest of it is read and dropped.
 *
 * A line is handed out in place when the input buffer holds all of it (the
 * common case), and assembled from its pieces otherwise; blank lines before
 * the first record cost nothing each, however many there are.
 *
 * The engine is four parts, one file each: this driver (sx_ingest.c: begin,
 * pump, end, resume, line reading, format detection), the readers behind a
 * feed/end interface (sx_rdcsv.h for CSV/TSV, sx_rdjson.h for JSON and
 * NDJSON), and the finishing of a record (sx_finish.h); their shared state
 * is in sx_ingest_int.h.  Ownership: an engine owns all its buffers and
 * frees them in sx_ingest_free; the sx_in it reads and the name it is given
 * stay the caller's and must outlive the source (until end or abandon).
 */
#ifndef SX_INGEST_H
#define SX_INGEST_H

#include <stdint.h>
#include "sx_csv.h"
#include "sx_in.h"
#include "sx_time.h"
#include "sx_timefmt.h"

/* Records longer than this are data errors unless --max-record-size says otherwise. */
#define SX_INGEST_MAX_RECORD_DEFAULT ((size_t)16 << 20)
/* Of a record too long, the bytes its message's dead-letter entry keeps. */
#define SX_INGEST_KEPT_START ((size_t)64 << 10)

enum sx_format { SX_FMT_AUTO, SX_FMT_CSV, SX_FMT_TSV, SX_FMT_JSON, SX_FMT_NDJSON };
enum sx_envelope { SX_ENV_NONE, SX_ENV_KCAT, SX_ENV_MOSQUITTO };

struct sx_schema_col {
	const char *name;
	enum sx_coltype type;
};

struct sx_ingest_cfg {
	enum sx_format format;
	int delim;                    /* -d; 0 = the format's own */
	int no_header;
	char **columns;               /* --columns (implies no header row) */
	int ncolumns;
	int types_string;             /* --types string */
	struct sx_schema_col *schema; /* --schema */
	int nschema;
	const char *time_field;       /* -t */
	enum sx_time_unit time_unit;
	struct sx_timefmt *time_format;
	const char *arrival_field;    /* --add-arrival-time */
	const char *source_field;     /* --add-source */
	enum sx_envelope envelope;
	int shard_i, shard_n;         /* --shard I/N (n = 0: off) */
	const char *shard_key;
	size_t max_record;            /* --max-record-size; 0: the default */
};

/* A --max-record-size argument: a number of bytes with an optional K, M or G
 * or T (binary multiples; KiB... also accepted).  0, or -1 when it is not one or
 * is out of range (1 byte to 1 TiB). */
int sx_ingest_parse_size(const char *s, size_t *out);

struct sx_ingest;

/* Called after each record (emitted, filtered or rejected) with the offset
 * just past it: a safe resume point. */
typedef void (*sx_ingest_progress_fn)(void *ctx, uint64_t offset, uint64_t lineno);

/* Where records and data errors go instead of stdout and the --on-error
 * policy (sx-join reads reference files this way, typed as sx-ingest types
 * them).  With a sink the engine leaves sx_stats alone, and a problem that
 * would stop sx-ingest (a bad CSV header) goes to `error` with FATAL set:
 * the rest of that source is ignored and pump/source return -1. */
struct sx_ingest_sink {
	/* a finished record: compact JSON, without its line end */
	void (*record)(void *ctx, const char *p, size_t n);
	/* a data error in FILE at LINE (0: none) with the raw bytes, or a fatal one */
	void (*error)(void *ctx, int fatal, const char *file, uint64_t line, const char *why,
		      const char *raw, size_t rawlen);
	void *ctx;
};

/* Records to FN with their event time (-t) instead of stdout, everything
 * else (counters, --on-error) as without: the time merge of several files
 * (sx_tmerge) holds them.  FN may call sx_ingest_pause: sx_ingest_pump then
 * returns SX_INGEST_PAUSED after the line (or JSON piece) in hand, and
 * the next call goes on from there. */
typedef void (*sx_ingest_tap_fn)(void *ctx, const char *p, size_t n, sx_time_t t);
#define SX_INGEST_PAUSED 1

struct sx_ingest *sx_ingest_new(const struct sx_ingest_cfg *cfg);
void sx_ingest_free(struct sx_ingest *g);
void sx_ingest_set_progress(struct sx_ingest *g, sx_ingest_progress_fn fn, void *ctx);
void sx_ingest_set_sink(struct sx_ingest *g, const struct sx_ingest_sink *sink);
void sx_ingest_set_tap(struct sx_ingest *g, sx_ingest_tap_fn fn, void *ctx);
void sx_ingest_pause(struct sx_ingest *g);

/* Incremental form, for followed files: begin, pump (to the current EOF;
 * call again when the file has grown), end (completes a last CSV row or
 * reports an unterminated JSON value).  pump returns 0 at EOF,
 * SX_INGEST_PAUSED when the tap asked for a pause,
 * SX_IN_AGAIN when the source's at_eof hook says "no data now" (followed
 * files: call again later), or -1 when the source cannot be read or
 * converted (an I/O error, bad gzip data, a CSV header that is malformed,
 * has a duplicate column or lacks the -t or a --schema column: reported);
 * then call abandon, not end.  end returns 0, or -1 for a CSV header
 * problem found at the end or trailing garbage after gzip data (reported;
 * every record before it was converted).  abandon forgets a source part-read
 * (emitting nothing more), so the engine can take the next one. */
void sx_ingest_begin(struct sx_ingest *g, struct sx_in *in, const char *name, uint64_t skip_to);
int sx_ingest_pump(struct sx_ingest *g);
int sx_ingest_end(struct sx_ingest *g);
void sx_ingest_abandon(struct sx_ingest *g);

/* Does the line reader hold the start of a line whose end has not been read
 * (CSV, TSV, NDJSON; never JSON, which is read in pieces and resumed by the
 * offsets where its records end)?  sx_sources holds such a young tail back. */
int sx_ingest_line_open(const struct sx_ingest *g);
/* Does JSON input end inside a value or an array (what end would report as
 * unterminated)?  The line where it began, or 0.  sx_sources holds such a
 * young tail back as well. */
uint64_t sx_ingest_value_open(const struct sx_ingest *g);

/* Resuming inside a line.  A batch run ingests a last line without a line
 * end at EOF; if the file then grows, the line that straddles SKIP_TO is
 * looked at again: when only its line end was added, nothing is new; when it
 * was extended, it was still being written, and the record is not emitted a
 * second time: the line is reported as a data error instead, unless that
 * earlier run rejected the unterminated line (sx_ingest_rejected_tail, kept
 * in the checkpoint): then the completed line is converted as any other.
 * Call sx_ingest_resume_after_rejected_tail after begin for that case. */
void sx_ingest_resume_after_rejected_tail(struct sx_ingest *g);
/* After end: 1 if the source ended with an unterminated line that was
 * rejected (a data error) and nothing of it was emitted. */
int sx_ingest_rejected_tail(const struct sx_ingest *g);

/* Convert IN to EOF (begin + pump + end).  NAME is used for format detection (extension) and
 * messages.  Records before byte offset SKIP_TO are read but not emitted
 * (resuming from a checkpoint; the CSV header is still read).  0, or -1 when
 * the source cannot be read or converted (reported). */
int sx_ingest_source(struct sx_ingest *g, struct sx_in *in, const char *name, uint64_t skip_to);

#endif
