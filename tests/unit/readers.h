/* A reader of sx-ingest (sx_rdcsv, sx_rdjson) driven directly: an engine
 * begun on an empty source NAME (whose extension sets the format), with a
 * sink that logs records as "REC|" and errors as "LINE:WHY|" (FATAL for a
 * source error).  Shared by check_sx_rdcsv.c and check_sx_rdjson.c. */
#ifndef SX_TEST_READERS_H
#define SX_TEST_READERS_H

#include <check.h>
#include <stdio.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_ingest_int.h"

struct rd_fixture {
	struct sx_ingest *g;
	struct sx_in in;
	struct sx_buf log;
};

static void rd_record(void *ctx, const char *p, size_t n)
{
	struct sx_buf *b = ctx;
	sx_buf_append(b, p, n);
	sx_buf_putc(b, '|');
}

static void rd_error(void *ctx, int fatal, const char *file, uint64_t line, const char *why,
		     const char *raw, size_t rawlen)
{
	struct sx_buf *b = ctx;
	char head[64];
	(void)file;
	(void)raw;
	(void)rawlen;
	snprintf(head, sizeof head, "%s%llu:", fatal ? "FATAL " : "", (unsigned long long)line);
	sx_buf_puts(b, head);
	sx_buf_puts(b, why);
	sx_buf_putc(b, '|');
}

static void rd_begin(struct rd_fixture *f, const struct sx_ingest_cfg *cfg, const char *name)
{
	memset(f, 0, sizeof *f);
	f->g = sx_ingest_new(cfg);
	struct sx_ingest_sink sink = { rd_record, rd_error, &f->log };
	sx_ingest_set_sink(f->g, &sink);
	ck_assert_int_eq(sx_in_open(&f->in, "/dev/null"), 0);
	sx_ingest_begin(f->g, &f->in, name, 0);
	ck_assert_int_eq(f->g->started, 1);
}

/* The log so far, as a string. */
static const char *rd_log(struct rd_fixture *f)
{
	sx_buf_putc(&f->log, '\0');
	f->log.len--;
	return f->log.data;
}

static void rd_done(struct rd_fixture *f)
{
	sx_ingest_abandon(f->g);
	sx_ingest_free(f->g);
	sx_in_close(&f->in);
	sx_buf_free(&f->log);
}

#endif
