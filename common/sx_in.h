/*
 * sx_in.h - one input source: a file, stdin or a FIFO, plain or gzip.
 *
 * Reads in large blocks, decompresses gzip transparently (detected by its
 * magic bytes, whatever the file is called; concatenated members are read as
 * one stream; zero bytes after the last member are ignored, as gzip(1) does;
 * other bytes there are "trailing garbage": every line decoded before them
 * is handed out, then the readers return -1 once, with the message, where
 * they would return 0 at EOF, and `trailing_garbage` is set), and hands out
 * lines (sx_in_getline) or raw chunks
 * (sx_in_chunk, for the CSV and JSON-array readers).  A UTF-8 byte-order mark
 * at the very start is skipped.  Lines may be any length.
 *
 * Before a read that would block (a pipe with nothing ready) the global
 * sx_in_before_block hook runs, so tools flush output only when they are about
 * to wait; with sx_in_set_idle() the source also wakes up every `ms` to call an
 * idle function (windows closing on a quiet live stream).  A source with
 * `nonblock` set never waits: where a read would block, the line and chunk
 * readers return SX_IN_AGAIN (a partial line is kept for the next call), and
 * the caller polls `fd` itself (sx-join reads two inputs at once).
 *
 * Returned pointers point into the source's buffer and stay valid until the
 * next call on the same source.
 */
#ifndef SX_IN_H
#define SX_IN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct z_stream_s;

struct sx_in {
	const char *name;        /* as given on the command line; "-" for stdin */
	int fd;
	int is_regular;          /* a regular file never blocks */
	int gzip;
	int eof;                 /* no more bytes will come */
	int started;             /* first bytes examined (gzip magic, BOM) */
	struct z_stream_s *z;
	unsigned char *raw;      /* compressed bytes not yet inflated */
	size_t raw_pos, raw_len, raw_cap;
	int raw_eof;
	int gz_between;          /* at the end of a member: another may follow */
	int gz_zeros;            /* zero padding seen after the last member */
	uint64_t gz_members;     /* members read to their end */
	int trailing_garbage;    /* bytes after the gzip data that are not a member */
	int garbage_said;
	char *buf;               /* decompressed bytes; [pos, end) not yet consumed */
	size_t pos, end, cap;
	uint64_t lineno;         /* number of the line last returned (1-based) */
	int mid_line;            /* sx_in_getpiece returned part of a line */
	uint64_t offset;         /* decompressed offset of the next unconsumed byte */
	uint64_t bytes_read;     /* raw bytes read from fd */
	int nonblock;            /* never wait: SX_IN_AGAIN where a read would block */
	int idle_ms;
	void (*idle_fn)(void *arg);
	void *idle_arg;
	/* Called at EOF of the underlying fd; return 1 to try reading again,
	 * 2 for "no data now" (sx_in_getline then returns SX_IN_AGAIN, keeping
	 * a partial last line for later: followed files), 0 for a real EOF,
	 * -1 for an error (already reported). */
	int (*at_eof)(struct sx_in *in, void *arg);
	void *at_eof_arg;
};

extern void (*sx_in_before_block)(void);

/* Returned by the line and chunk readers when at_eof said "no data now", or
 * when a nonblock source has nothing to read yet. */
#define SX_IN_AGAIN (-2)

/* Open PATH ("-" = stdin).  Returns 0, or -1 after printing "sx-tool: PATH: reason". */
int sx_in_open(struct sx_in *in, const char *path);
/* The same as a nonblock source (sx_run2's inputs): reads that would wait
 * return SX_IN_AGAIN, and a FIFO is opened without waiting for its writer
 * (a writer that opens our other input first must not deadlock). */
int sx_in_open_nonblock(struct sx_in *in, const char *path);
int sx_in_fdopen(struct sx_in *in, int fd, const char *name);
void sx_in_close(struct sx_in *in);
/* Right after opening: a read buffer of N bytes instead of 256 KiB (it still
 * grows for a longer line).  Many inputs read side by side (sx-ingest's time
 * merge) stay in the CPU's caches. */
void sx_in_set_buffer(struct sx_in *in, size_t n);
void sx_in_set_idle(struct sx_in *in, int ms, void (*fn)(void *), void *arg);

/* After EOF on a file that may grow (--follow): allow reading again. */
void sx_in_clear_eof(struct sx_in *in);

/* Next line without its "\n" or "\r\n": 1 = a line, 0 = EOF, -1 = read error
 * (reported), SX_IN_AGAIN = nothing complete yet (see at_eof). */
int sx_in_getline(struct sx_in *in, const char **line, size_t *len);

/* Like sx_in_getline, but the line keeps its terminator ("\n" or "\r\n";
 * none on a last line without one): for the CSV reader, whose quoted fields
 * may hold line breaks. */
int sx_in_getrawline(struct sx_in *in, const char **line, size_t *len);

/* Next piece of a line, keeping its terminator: up to and including the next
 * "\n", or, when no line end is buffered, every byte buffered (so a line of
 * any length is read in pieces of at most the buffer's size: the JSON reader
 * streams a one-line array this way).  *eol says whether the piece ends its
 * line; `lineno` counts a line when its last piece is returned (a last line
 * without a line end: at EOF).  Returns like sx_in_getline. */
int sx_in_getpiece(struct sx_in *in, const char **p, size_t *len, int *eol);

/* Look ahead without consuming anything: the first byte that is not a space,
 * tab, CR or LF (1, *c set), none before EOF (0), -1 on error, SX_IN_AGAIN.
 * Buffers up to that byte (a BOM at the start is skipped). */
int sx_in_peek_nonblank(struct sx_in *in, char *c);

/* Next chunk of bytes, consumed: >0 = length, 0 = EOF, -1 = error (reported). */
ssize_t sx_in_chunk(struct sx_in *in, const char **p);

#endif
