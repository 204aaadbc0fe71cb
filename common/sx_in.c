/* sx_in.c - buffered, gzip-transparent input (see sx_in.h). */
#include "sx_in.h"
#include "sx_err.h"
#include "sx_grow.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SX_IN_BLOCK (256 * 1024)

void (*sx_in_before_block)(void);

int sx_in_fdopen(struct sx_in *in, int fd, const char *name)
{
	struct stat st;
	memset(in, 0, sizeof *in);
	in->name = name;
	in->fd = fd;
	in->is_regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	in->cap = SX_IN_BLOCK;
	in->buf = sx_xmalloc(in->cap);
	return 0;
}

void sx_in_set_buffer(struct sx_in *in, size_t n)
{
	if (in->end == 0 && n > 0 && n < in->cap) {
		free(in->buf);
		in->cap = n;
		in->buf = sx_xmalloc(n);
	}
}

static int open_source(struct sx_in *in, const char *path, int flags)
{
	if (strcmp(path, "-") == 0)
		return sx_in_fdopen(in, STDIN_FILENO, "-");
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return sx_error("%s:", path);
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return sx_error("%s:", path);
	}
	return sx_in_fdopen(in, fd, path);
}

int sx_in_open(struct sx_in *in, const char *path)
{
	return open_source(in, path, 0);
}

int sx_in_open_nonblock(struct sx_in *in, const char *path)
{
	struct stat st;
	/* a FIFO's open waits for its writer: not here (the writer may be
	 * waiting for another input of ours); until a writer comes, poll(2)
	 * reports nothing and reads say SX_IN_AGAIN, not EOF */
	int fifo = strcmp(path, "-") && stat(path, &st) == 0 && S_ISFIFO(st.st_mode);
	if (open_source(in, path, fifo ? O_NONBLOCK : 0) < 0)
		return -1;
	in->nonblock = 1;
	return 0;
}

void sx_in_close(struct sx_in *in)
{
	if (in->z) {
		inflateEnd(in->z);
		free(in->z);
	}
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	in->fd = -1;
	free(in->raw);
	free(in->buf);
	in->raw = NULL;
	in->buf = NULL;
}

void sx_in_clear_eof(struct sx_in *in)
{
	if (!in->gzip)
		in->eof = 0;
}

void sx_in_set_idle(struct sx_in *in, int ms, void (*fn)(void *), void *arg)
{
	in->idle_ms = ms;
	in->idle_fn = fn;
	in->idle_arg = arg;
}

/* Wait until fd is readable, flushing output first and ticking while idle. */
static void wait_readable(struct sx_in *in)
{
	if (in->is_regular)
		return;
	struct pollfd p = { .fd = in->fd, .events = POLLIN };
	if (poll(&p, 1, 0) > 0)
		return;
	if (sx_in_before_block)
		sx_in_before_block();
	for (;;) {
		int r = poll(&p, 1, in->idle_fn ? in->idle_ms : -1);
		if (r > 0 || (r < 0 && errno != EINTR))
			return;
		if (r == 0 && in->idle_fn) {
			in->idle_fn(in->idle_arg);
			if (sx_in_before_block)
				sx_in_before_block();
		}
	}
}

/* read(2) up to n bytes into dst: >0, 0 at EOF, -1 on error (reported). */
static ssize_t read_fd(struct sx_in *in, void *dst, size_t n)
{
	for (;;) {
		if (!in->nonblock) {
			wait_readable(in);
		} else if (!in->is_regular) {
			struct pollfd p = { .fd = in->fd, .events = POLLIN };
			int pr = poll(&p, 1, 0);
			if (pr == 0)
				return SX_IN_AGAIN;
			if (pr < 0 && errno != EINTR)
				return sx_error("%s: poll:", in->name);
			if (pr < 0)
				continue;
		}
		ssize_t r = read(in->fd, dst, n);
		if (r > 0) {
			in->bytes_read += (uint64_t)r;
			return r;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			continue;
		if (r < 0)
			return sx_error("%s: read error:", in->name);
		if (in->at_eof) {
			int again = in->at_eof(in, in->at_eof_arg);
			if (again == 2)
				return SX_IN_AGAIN;
			if (again > 0)
				continue;
			if (again < 0)
				return -1;
		}
		return 0;
	}
}

static int refill_raw(struct sx_in *in)
{
	if (in->raw_pos < in->raw_len)
		return 1;
	if (in->raw_eof)
		return 0;
	ssize_t r = read_fd(in, in->raw, in->raw_cap);
	if (r == SX_IN_AGAIN)
		return SX_IN_AGAIN; /* a followed file: no compressed bytes yet */
	if (r < 0)
		return -1;
	if (r == 0) {
		in->raw_eof = 1;
		return 0;
	}
	in->raw_pos = 0;
	in->raw_len = (size_t)r;
	return 1;
}

static int start_gzip(struct sx_in *in)
{
	in->gzip = 1;
	in->z = sx_xcalloc(1, sizeof *in->z);
	if (inflateInit2(in->z, 15 + 16) != Z_OK)
		return sx_error("%s: cannot initialise zlib", in->name);
	return 0;
}

/* Bytes after the last gzip member that are not another member: every line
 * before them is handed out first, then this is reported (once) as the error
 * at EOF.  Zero bytes there (padding from tape or block devices) are
 * ignored, as gzip(1) does. */
static ssize_t trailing_garbage(struct sx_in *in)
{
	in->trailing_garbage = 1;
	in->raw_eof = 1;
	in->raw_pos = in->raw_len;
	return 0;
}

/* Inflate into buf[end..cap); returns bytes produced, 0 at EOF, -1 on error. */
static ssize_t inflate_some(struct sx_in *in)
{
	for (;;) {
		int r = refill_raw(in);
		if (r == SX_IN_AGAIN)
			return SX_IN_AGAIN; /* inflate state is kept: go on when it grows */
		if (r < 0)
			return -1;
		if (r == 0) {
			if (in->gz_between)
				return 0; /* clean end after a member (and any zero padding) */
			if (in->gz_members > 0 && in->z->total_in < 2)
				return trailing_garbage(in); /* a lone 0x1f after the data */
			return sx_error("%s: unexpected end of gzip data", in->name);
		}
		if (in->gz_between) {
			/* After a member: another one (gzip >> FILE, or a followed file
			 * that grew by one), zero padding, or garbage. */
			while (in->raw_pos < in->raw_len && in->raw[in->raw_pos] == 0) {
				in->raw_pos++;
				in->gz_zeros = 1;
			}
			if (in->raw_pos == in->raw_len)
				continue;
			if (in->gz_zeros || in->raw[in->raw_pos] != 0x1f)
				return trailing_garbage(in);
			inflateReset(in->z);
			in->gz_between = 0;
		}
		in->z->next_in = in->raw + in->raw_pos;
		in->z->avail_in = (uInt)(in->raw_len - in->raw_pos);
		in->z->next_out = (Bytef *)in->buf + in->end;
		in->z->avail_out = (uInt)(in->cap - in->end);
		int zr = inflate(in->z, Z_NO_FLUSH);
		size_t produced = (in->cap - in->end) - in->z->avail_out;
		in->raw_pos = in->raw_len - in->z->avail_in;
		if (zr == Z_STREAM_END) {
			in->gz_between = 1;
			in->gz_members++;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			/* not a gzip header where a further member would start */
			if (zr == Z_DATA_ERROR && in->gz_members > 0 && in->z->total_out == 0)
				return trailing_garbage(in);
			return sx_error("%s: invalid gzip data (%s)", in->name,
					in->z->msg ? in->z->msg : "inflate failed");
		}
		if (produced > 0)
			return (ssize_t)produced;
	}
}

/* First bytes: detect gzip by magic, and read at least 3 bytes for the BOM.
 * Bytes that came before "no data now" are kept in buf[0, end), so a source
 * whose first bytes trickle in (a pipe, nonblock) is decided on all three. */
static int start(struct sx_in *in)
{
	in->started = 1;
	size_t have = in->end;
	unsigned char head[3];
	while (have < 3) {
		ssize_t r = read_fd(in, in->buf + have, in->cap - have);
		if (r == SX_IN_AGAIN && (have == 0 || in->nonblock)) {
			in->started = 0; /* an empty followed file: look again later */
			in->end = have;
			return SX_IN_AGAIN;
		}
		if (r == SX_IN_AGAIN)
			break;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		have += (size_t)r;
	}
	memcpy(head, in->buf, have < 3 ? have : 3);
	if (have >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
		in->raw_cap = SX_IN_BLOCK;
		in->raw = sx_xmalloc(in->raw_cap > have ? in->raw_cap : have);
		memcpy(in->raw, in->buf, have);
		in->raw_len = have;
		in->raw_pos = 0;
		if (start_gzip(in) < 0)
			return -1;
		in->end = 0;
	} else {
		in->end = have;
		if (have == 0)
			in->eof = 1;
	}
	return 0;
}

/* Append more bytes at buf[end], growing or compacting as needed.
 * Returns >0 when bytes were added, 0 at EOF, -1 on error. */
static ssize_t fill(struct sx_in *in)
{
	if (!in->started) {
		size_t before = in->end;
		int sr = start(in);
		if (sr < 0)
			return sr;
		if (in->gzip)
			return fill(in);
		return (ssize_t)(in->end - before);
	}
	if (in->eof)
		return 0;
	if (in->pos > 0 && (in->end == in->cap || in->pos == in->end)) {
		memmove(in->buf, in->buf + in->pos, in->end - in->pos);
		in->end -= in->pos;
		in->pos = 0;
	}
	SX_GROW(in->buf, in->end + 1, in->cap);
	ssize_t r = in->gzip ? inflate_some(in)
			     : read_fd(in, in->buf + in->end, in->cap - in->end);
	if (r < 0)
		return r;
	if (r == 0) {
		in->eof = 1;
		return 0;
	}
	in->end += (size_t)r;
	return r;
}

/* EOF: 0, or -1 once the data ended in garbage (reported once). */
static int at_end(struct sx_in *in)
{
	if (!in->trailing_garbage)
		return 0;
	if (!in->garbage_said)
		sx_error("%s: trailing garbage after gzip data", in->name);
	in->garbage_said = 1;
	return -1;
}

static void skip_bom(struct sx_in *in)
{
	if (in->offset == 0 && in->end - in->pos >= 3 &&
	    memcmp(in->buf + in->pos, "\xEF\xBB\xBF", 3) == 0) {
		in->pos += 3;
		in->offset = 3;
	}
}

static int next_line(struct sx_in *in, const char **line, size_t *len, int keep_eol)
{
	size_t scanned = 0;
	for (;;) {
		if (in->offset == 0 && in->started) {
			/* `scanned` counts bytes from pos: when a BOM completed by the
			 * last fill (a gzip stream can inflate fewer than 3 bytes at
			 * first) moves pos, rescan or a newline just after it is missed. */
			size_t before = in->pos;
			skip_bom(in);
			if (in->pos != before)
				scanned = 0;
		}
		char *s = in->buf + in->pos;
		size_t avail = in->end - in->pos;
		char *nl = avail > scanned ? memchr(s + scanned, '\n', avail - scanned) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - s);
			in->pos += n + 1;
			in->offset += n + 1;
			if (keep_eol)
				n++;
			else if (n > 0 && s[n - 1] == '\r')
				n--;
			in->lineno++;
			*line = s;
			*len = n;
			return 1;
		}
		scanned = avail;
		size_t old_pos = in->pos;
		ssize_t r = fill(in);
		if (r < 0)
			return (int)r;
		if (in->pos != old_pos)
			scanned = 0; /* BOM skipped at start; rescan */
		if (r == 0) {
			if (in->offset == 0 && in->started)
				skip_bom(in);
			avail = in->end - in->pos;
			if (avail == 0)
				return at_end(in);
			s = in->buf + in->pos;
			in->pos = in->end;
			in->offset += avail;
			if (!keep_eol && s[avail - 1] == '\r')
				avail--;
			in->lineno++;
			*line = s;
			*len = avail;
			return 1;
		}
	}
}

int sx_in_getline(struct sx_in *in, const char **line, size_t *len)
{
	return next_line(in, line, len, 0);
}

int sx_in_getrawline(struct sx_in *in, const char **line, size_t *len)
{
	return next_line(in, line, len, 1);
}

int sx_in_getpiece(struct sx_in *in, const char **p, size_t *len, int *eol)
{
	for (;;) {
		size_t avail = in->end - in->pos;
		if (in->offset == 0 && in->started && (avail >= 3 || in->eof)) {
			skip_bom(in);
			avail = in->end - in->pos;
		}
		/* at the very start, a BOM needs 3 bytes to be recognised */
		if (avail && !(in->offset == 0 && avail < 3 && !in->eof)) {
			char *s = in->buf + in->pos;
			char *nl = memchr(s, '\n', avail);
			size_t n = nl ? (size_t)(nl - s) + 1 : avail;
			in->pos += n;
			in->offset += n;
			*eol = nl != NULL;
			if (nl)
				in->lineno++;
			in->mid_line = !nl;
			*p = s;
			*len = n;
			return 1;
		}
		ssize_t r = fill(in);
		if (r < 0)
			return (int)r;
		if (r == 0 && in->end == in->pos) {
			if (in->mid_line)
				in->lineno++; /* the last line ended without a line end */
			in->mid_line = 0;
			return at_end(in);
		}
	}
}

int sx_in_peek_nonblank(struct sx_in *in, char *c)
{
	for (;;) {
		if (in->offset == 0 && in->started && (in->end - in->pos >= 3 || in->eof))
			skip_bom(in);
		if (!(in->offset == 0 && in->end - in->pos < 3 && !in->eof)) {
			for (size_t i = in->pos; i < in->end; i++) {
				char b = in->buf[i];
				if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
					*c = b;
					return 1;
				}
			}
		}
		if (in->eof)
			return 0;
		ssize_t r = fill(in);
		if (r < 0)
			return (int)r;
	}
}

ssize_t sx_in_chunk(struct sx_in *in, const char **p)
{
	if (in->pos == in->end) {
		ssize_t r = fill(in);
		if (r == 0)
			return at_end(in);
		if (r < 0)
			return r;
	}
	if (in->offset == 0) {
		/* Need 3 bytes to decide on a BOM unless the input is shorter. */
		while (in->end - in->pos < 3 && !in->eof) {
			ssize_t r = fill(in);
			if (r < 0)
				return -1;
		}
		skip_bom(in);
		if (in->pos == in->end)
			return in->eof ? at_end(in) : sx_in_chunk(in, p);
	}
	size_t n = in->end - in->pos;
	*p = in->buf + in->pos;
	in->pos = in->end;
	in->offset += n;
	return (ssize_t)n;
}
