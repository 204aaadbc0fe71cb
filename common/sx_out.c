/* sx_out.c - buffered, checked output (see sx_out.h). */
#include "sx_out.h"
#include "sx_err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define SX_OUT_BUFSIZE (256 * 1024)

struct sx_out sx_stdout;

void sx_out_default_fail(struct sx_out *o, int err)
{
	if (err == EPIPE) {
		/* Downstream closed (| head): end quietly, the Unix-filter way. */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	errno = err;
	sx_out_discard(o); /* nothing more can be delivered; do not retry at exit */
	sx_die(SX_EXIT_FAIL, "write error on %s:", o->name);
}

void sx_out_discard(struct sx_out *o)
{
	if (o->records && o->len) {
		uint64_t lost = 0;
		for (const char *p = o->buf, *end = o->buf + o->len;
		     (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
			lost++;
		*o->records -= lost < *o->records ? lost : *o->records;
	}
	o->len = 0;
}

void sx_out_init(struct sx_out *o, int fd, const char *name)
{
	sx_out_init_buf(o, fd, name, sx_xmalloc(SX_OUT_BUFSIZE), SX_OUT_BUFSIZE);
}

void sx_out_init_buf(struct sx_out *o, int fd, const char *name, char *buf, size_t cap)
{
	o->fd = fd;
	o->name = name;
	o->buf = buf;
	o->len = 0;
	o->cap = cap;
	o->bytes = 0;
	o->records = NULL;
	o->whole_lines = 0;
	o->partial = 0;
	o->fail = sx_out_default_fail;
}

static void flush_stdout_at_exit(void *arg)
{
	struct sx_out *o = arg;
	sx_out_flush(o);
	free(o->buf);
	o->buf = NULL;
	o->cap = 0;
}

/* Whether the regular file open as FD (for writing only) ends with a
 * newline, read through PATH; 1 when it is empty or cannot be read. */
static int ends_with_newline(int fd, const char *path)
{
	struct stat st, rst;
	char c = '\n';
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return 1;
	int rfd = open(path, O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		return 1;
	if (fstat(rfd, &rst) < 0 || rst.st_dev != st.st_dev || rst.st_ino != st.st_ino ||
	    pread(rfd, &c, 1, rst.st_size - 1) != 1)
		c = '\n';
	close(rfd);
	return c == '\n';
}

int sx_out_open_append(struct sx_out *o, const char *path, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	sx_out_init(o, fd, path);
	o->whole_lines = 1;
	if (!ends_with_newline(fd, path))
		o->buf[o->len++] = '\n';
	return 0;
}

/* A side file's write failed after PARTIAL bytes of a line: cut them off
 * the file, and drop the line's rest from the buffer (nothing of it is
 * written later).  Not a regular file, or nothing to cut: nothing done. */
static void cut_partial_line(struct sx_out *o)
{
	struct stat st;
	if (!o->partial || fstat(o->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < o->partial || ftruncate(o->fd, st.st_size - (off_t)o->partial) < 0)
		return;
	o->bytes -= o->partial;
	o->partial = 0;
	const char *nl = memchr(o->buf, '\n', o->len);
	size_t rest = nl ? (size_t)(nl + 1 - o->buf) : o->len;
	memmove(o->buf, o->buf + rest, o->len - rest);
	o->len -= rest;
}

/* Bytes [P, P+N) were written: how many now follow the last newline. */
static void note_written(struct sx_out *o, const char *p, size_t n)
{
	size_t i = n;
	while (i > 0 && p[i - 1] != '\n')
		i--;
	o->partial = i ? n - i : o->partial + n;
}

void sx_out_init_stdout(void)
{
	sx_out_init(&sx_stdout, STDOUT_FILENO, "stdout");
	sx_on_exit(flush_stdout_at_exit, &sx_stdout);
}

int sx_out_flush(struct sx_out *o)
{
	size_t off = 0;
	while (off < o->len) {
		ssize_t w = write(o->fd, o->buf + off, o->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			memmove(o->buf, o->buf + off, o->len - off);
			o->len -= off;
			if (o->whole_lines)
				cut_partial_line(o);
			o->fail(o, err);
			return -1;
		}
		if (o->whole_lines)
			note_written(o, o->buf + off, (size_t)w);
		off += (size_t)w;
		o->bytes += (uint64_t)w;
	}
	o->len = 0;
	return 0;
}

void sx_out_slow_write(struct sx_out *o, const void *p, size_t n)
{
	const char *s = p;
	if (o->buf == NULL) { /* closed: a caller bug, but never spin or crash */
		o->fail(o, EBADF);
		return;
	}
	while (n > 0) {
		if (o->len == o->cap && sx_out_flush(o) < 0)
			return;
		size_t room = o->cap - o->len;
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

int sx_out_close(struct sx_out *o)
{
	int rc = sx_out_flush(o);
	if (o->fd > 2) {
		if (rc == 0 && fsync(o->fd) < 0 && errno != EINVAL && errno != EROFS) {
			o->fail(o, errno);
			rc = -1;
		}
		if (close(o->fd) < 0 && rc == 0) {
			o->fail(o, errno);
			rc = -1;
		}
		o->fd = -1;
	}
	free(o->buf);
	o->buf = NULL;
	o->cap = o->len = 0;
	return rc;
}
