/*
 * sx_ingest_int.h - inside the sx-ingest engine: the state shared by its
 * driver (sx_ingest.c: sources, line reading, format detection, resume
 * offsets), its readers (sx_rdcsv.c, sx_rdjson.c) and its finishing step
 * (sx_finish.c).  Not for tools: they use sx_ingest.h.
 *
 * Ownership: struct sx_ingest owns one struct per part (csv, json, fin),
 * each described in that part's header, and the driver's own buffers; the
 * driver sets the current source, line and record line that the parts'
 * messages use, and the parts report data errors through the driver's
 * functions below, which apply the sink or the --on-error policy.
 */
#ifndef SX_INGEST_INT_H
#define SX_INGEST_INT_H

#include "sx_finish.h"
#include "sx_ingest.h"
#include "sx_rdcsv.h"
#include "sx_rdjson.h"
#include "sx_stats.h"

struct sx_ingest {
	struct sx_ingest_cfg cfg;
	sx_ingest_progress_fn progress;
	void *progress_ctx;
	struct sx_ingest_sink sink;   /* record == NULL: stdout and --on-error */
	sx_ingest_tap_fn tap;         /* records with their time, instead of stdout */
	void *tap_ctx;
	int paused;                   /* the tap asked pump to return */
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

	struct sx_finish fin;
	struct sx_rdcsv csv;
	struct sx_rdjson json;
};

/* A data error in the current record (at g->rec_line): to the sink, or the
 * --on-error policy; nothing while skipping (the run that first read it
 * reported it). */
void sx_ingest_data_error(struct sx_ingest *g, const char *why, const char *raw, size_t rawlen);
/* A bad event time: the message names the -t field, as sx-window's does. */
void sx_ingest_time_error(struct sx_ingest *g, const char *why, const char *raw, size_t rawlen);
/* A line, CSV row or JSON value longer than the record size limit, TOTAL
 * bytes (MORE: at least that; the rest was not read); START is what was kept. */
void sx_ingest_too_long(struct sx_ingest *g, const char *what, uint64_t total, int more,
			const char *start, size_t n);
/* The source cannot be converted (a CSV header problem) at LINE (0: none):
 * reported once, the rest of the source is ignored; returns -1. */
int sx_ingest_source_error(struct sx_ingest *g, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A line with bytes that text does not have (NUL and the other C0 controls
 * but tab, line ends, form feed, vertical tab and escape). */
static inline int sx_ingest_looks_binary(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 && (c < 0x09 || (c > 0x0D && c != 0x1B)))
			return 1;
	}
	return 0;
}

/* N without the line end ("\n" or "\r\n") P[0..N) ends with. */
static inline size_t sx_ingest_strip_eol(const char *p, size_t n)
{
	if (n && p[n - 1] == '\n')
		n--;
	if (n && p[n - 1] == '\r')
		n--;
	return n;
}

static inline int sx_ingest_is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

#endif
