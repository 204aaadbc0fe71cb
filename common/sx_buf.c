/* sx_buf.c - growable byte buffer (see sx_buf.h). */
#include "sx_buf.h"
#include "sx_err.h"
#include "sx_grow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

void sx_buf_grow(struct sx_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - 1 - b->len)
		sx_die(SX_EXIT_FAIL, "buffer size overflow");
	SX_GROW(b->data, b->len + extra + 1, b->cap);
}

void sx_buf_printf(struct sx_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		sx_die(SX_EXIT_FAIL, "internal error: bad format");
	sx_buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sx_buf_free(struct sx_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void sx_base64_append(struct sx_buf *b, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	sx_buf_reserve(b, (n + 2) / 3 * 4);
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char q[4] = { tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63] };
		sx_buf_append(b, q, 4);
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		char q[4] = { tab[v >> 18], tab[(v >> 12) & 63],
			      i + 1 < n ? tab[(v >> 6) & 63] : '=', '=' };
		sx_buf_append(b, q, 4);
	}
}
