/*
 * sx_buf.h - a growable byte buffer (Redis sds in spirit, but a plain struct).
 *
 * The buffer owns `data`; `len` bytes are valid and data[len] is always a NUL
 * (so a buffer is also a C string when it holds no NUL).  Growth is geometric;
 * allocation failure exits (sx_xrealloc).  Reuse a buffer across events with
 * sx_buf_reset() so hot paths allocate nothing per event.
 */
#ifndef SX_BUF_H
#define SX_BUF_H

#include <stddef.h>
#include <string.h>

struct sx_buf {
	char *data;
	size_t len, cap;
};

#define SX_BUF_INIT { NULL, 0, 0 }

void sx_buf_grow(struct sx_buf *b, size_t extra);
void sx_buf_printf(struct sx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sx_buf_free(struct sx_buf *b);
/* Base64 (RFC 4648) of [p, p+n) appended: the dead-letter file's raw bytes. */
void sx_base64_append(struct sx_buf *b, const unsigned char *p, size_t n);

static inline void sx_buf_reserve(struct sx_buf *b, size_t extra)
{
	if (b->cap - b->len <= extra)
		sx_buf_grow(b, extra);
}

static inline void sx_buf_append(struct sx_buf *b, const void *p, size_t n)
{
	sx_buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void sx_buf_putc(struct sx_buf *b, char c)
{
	sx_buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

static inline void sx_buf_puts(struct sx_buf *b, const char *s)
{
	sx_buf_append(b, s, strlen(s));
}

static inline void sx_buf_reset(struct sx_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

#endif
