/* sx_out.c - buffered, checked output (see sx_out.h). */
#include "sx_out.h"
#include "sx_err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
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
	o->fd = fd;
	o->name = name;
	o->buf = sx_xmalloc(SX_OUT_BUFSIZE);
	o->len = 0;
	o->cap = SX_OUT_BUFSIZE;
	o->bytes = 0;
	o->records = NULL;
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

int sx_out_open_append(struct sx_out *o, const char *path, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	sx_out_init(o, fd, path);
	return 0;
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
			o->fail(o, err);
			return -1;
		}
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
