/*
 * sx_out.h - buffered, checked output to a file descriptor.
 *
 * Records are appended to a large buffer and written with write(2) when it is
 * full, when sx_out_flush() is called (the driver calls it before blocking on
 * input, so live pipelines see results at once) and at exit.  Every write is
 * checked.  On failure the `fail` callback runs; the default one treats EPIPE
 * like a Unix filter (dies quietly by SIGPIPE, status 141 under pipefail) and
 * anything else (ENOSPC, EIO) as a fatal "sx-tool: NAME: reason", exit 1.
 * Sinks install their own callback to say how many rows were not delivered.
 */
#ifndef SX_OUT_H
#define SX_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sx_out {
	int fd;
	const char *name;       /* for messages: "stdout", a file name */
	char *buf;
	size_t len, cap;
	uint64_t bytes;         /* bytes handed to write(2) successfully */
	uint64_t *records;      /* NULL, or a count of the records (one a line)
				 * written here: sx_out_discard takes off those
				 * it drops, so the count is of rows delivered */
	int whole_lines;        /* a side file: it ends on a line boundary */
	uint64_t partial;       /* bytes written since the last newline */
	void (*fail)(struct sx_out *o, int err);
};

/* The process's standard output, set up by sx_out_init_stdout(). */
extern struct sx_out sx_stdout;

void sx_out_init(struct sx_out *o, int fd, const char *name);
/* The same with the caller's malloc'd buffer BUF of CAP bytes (O owns it). */
void sx_out_init_buf(struct sx_out *o, int fd, const char *name, char *buf, size_t cap);
/* Open PATH for appending (created with MODE if missing) as O: 0, or -1
 * with errno set (nothing opened).  Side files: --late-out, dead letters.
 * They always end on a line boundary, so a rerun's records are never glued
 * to a torn line: a regular file that does not end with a newline (a run
 * killed mid-write) gets one first, and a failed write cuts back the part
 * of a line it left (and drops that line's rest from the buffer). */
int sx_out_open_append(struct sx_out *o, const char *path, int mode);
/* Initialise sx_stdout and register an exit hook that flushes it. */
void sx_out_init_stdout(void);
/* Write everything buffered; returns 0, or calls o->fail (and returns -1 if it returns). */
int sx_out_flush(struct sx_out *o);
/* Flush, then fsync/close when the fd is not 0-2; returns 0 or -1 (after o->fail). */
int sx_out_close(struct sx_out *o);
void sx_out_slow_write(struct sx_out *o, const void *p, size_t n);
/* Default failure policy described above. */
void sx_out_default_fail(struct sx_out *o, int err);
/* Drop what is buffered and was not written (after a failed write), taking
 * the lines it ends off *o->records.  A row cut by a partial write counts as
 * not delivered: its newline was not written. */
void sx_out_discard(struct sx_out *o);

static inline void sx_out_write(struct sx_out *o, const void *p, size_t n)
{
	if (o->cap - o->len >= n) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
	} else {
		sx_out_slow_write(o, p, n);
	}
}

static inline void sx_out_putc(struct sx_out *o, char c)
{
	if (o->len == o->cap)
		sx_out_slow_write(o, &c, 1);
	else
		o->buf[o->len++] = c;
}

static inline void sx_out_puts(struct sx_out *o, const char *s)
{
	sx_out_write(o, s, strlen(s));
}

#endif
