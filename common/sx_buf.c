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
