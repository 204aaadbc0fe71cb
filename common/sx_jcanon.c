/* sx_jcanon.c - canonical JSON text of a value (see sx_jcanon.h). */
#include "sx_jcanon.h"

#include <stdio.h>
#include <string.h>

/* Exponents beyond this keep their text (as in sx_jkey.c: no real data has them). */
#define EXP_LIMIT INT64_C(1000000000000)
/* An integer with more trailing zeros is written with an exponent. */
#define MAX_ZEROS 21

int sx_jcanon_is_canonical(const struct sx_field *f, int compact)
{
	switch (f->type) {
	case SX_JSTRING:
		/* raw JSON string bytes are never control bytes, '"' or '\' */
		return !f->val_esc;
	case SX_JNUMBER: {
		const char *s = f->val;
		size_t n = f->val_len;
		if (n == 2 && s[0] == '-' && s[1] == '0')
			return 0;
		for (size_t i = 0; i < n; i++)
			if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
				return 0;
		/* JSON integers have no leading zeros: only trailing ones matter */
		size_t zeros = 0;
		while (zeros < n && s[n - 1 - zeros] == '0')
			zeros++;
		return zeros <= MAX_ZEROS || zeros == n;
	}
	case SX_JOBJECT: case SX_JARRAY:
		return compact;
	default:
		return 1;
	}
}

static void put_zeros(struct sx_buf *b, int64_t n)
{
	for (; n > 0; n--)
		sx_buf_putc(b, '0');
}

void sx_jcanon_number(struct sx_buf *b, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	int neg = p < end && *p == '-';
	p += neg;
	/* the significant digits d1..dn (no leading or trailing zeros) and the
	 * exponent e of dn: value = d1..dn x 10^e */
	const char *first = NULL;
	int64_t int_digits = 0, idx = 0, last_idx = 0, first_idx = 0;
	int seen_dot = 0;
	for (; p < end && ((*p >= '0' && *p <= '9') || *p == '.'); p++) {
		if (*p == '.') {
			seen_dot = 1;
			continue;
		}
		if (!seen_dot)
			int_digits++;
		if (*p != '0') {
			if (!first) {
				first = p;
				first_idx = idx;
			}
			last_idx = idx;
		}
		idx++;
	}
	const char *mant_end = p;
	int64_t ex = 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		int eneg = 0;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < end; p++) {
			ex = ex * 10 + (*p - '0');
			if (ex > EXP_LIMIT) {
				if (first)
					sx_buf_append(b, s, len);
				else
					sx_buf_putc(b, '0');
				return;
			}
		}
		if (eneg)
			ex = -ex;
	}
	if (!first) {
		sx_buf_putc(b, '0');
		return;
	}
	int64_t n = last_idx - first_idx + 1;
	int64_t e = ex + int_digits - 1 - last_idx;
	int64_t point = n + e;          /* digits before the decimal point */
	if (neg)
		sx_buf_putc(b, '-');
	/* the digits d1..dn, DOT_AT of them before a '.' (none when -1) */
	int64_t dot_at = -1;
	if (e >= 0 && e <= MAX_ZEROS) {
		dot_at = -1;
	} else if (e < 0 && point > 0) {
		dot_at = point;
	} else if (e < 0 && point > -6) {
		sx_buf_append(b, "0.", 2);
		put_zeros(b, -point);
	} else {
		dot_at = n > 1 ? 1 : -1;
	}
	int64_t k = 0;
	for (const char *q = first; q < mant_end && k < n; q++) {
		if (*q == '.')
			continue;
		if (k == dot_at)
			sx_buf_putc(b, '.');
		sx_buf_putc(b, *q);
		k++;
	}
	if (e >= 0 && e <= MAX_ZEROS) {
		put_zeros(b, e);
	} else if (!(e < 0 && point > -6)) {
		char x[32];
		int xn = snprintf(x, sizeof x, "e%lld", (long long)(point - 1));
		sx_buf_append(b, x, (size_t)xn);
	}
}

void sx_jcanon_field(struct sx_buf *b, const struct sx_field *f, struct sx_buf *scratch)
{
	switch (f->type) {
	case SX_JSTRING: {
		const char *s;
		size_t n;
		sx_field_str(f, scratch, &s, &n);
		sx_json_quote_buf(b, s, n);
		return;
	}
	case SX_JNUMBER:
		sx_jcanon_number(b, f->val, f->val_len);
		return;
	case SX_JOBJECT: case SX_JARRAY:
		sx_json_compact_buf(b, f->val, f->val_len);
		return;
	default:
		sx_buf_append(b, f->val, f->val_len);
	}
}

int sx_jcanon_text(struct sx_buf *b, const char *p, size_t len, struct sx_buf *scratch)
{
	const char *why;
	if (sx_json_validate(p, len, &why) < 0)
		return -1;
	struct sx_buf compact = SX_BUF_INIT;
	sx_json_compact_buf(&compact, p, len);
	struct sx_field f;
	memset(&f, 0, sizeof f);
	f.val = compact.data;
	f.val_len = compact.len;
	switch (compact.data[0]) {
	case '"':
		f.type = SX_JSTRING;
		f.val_esc = memchr(compact.data, '\\', compact.len) != NULL;
		break;
	case '{': f.type = SX_JOBJECT; break;
	case '[': f.type = SX_JARRAY; break;
	case 't': f.type = SX_JTRUE; break;
	case 'f': f.type = SX_JFALSE; break;
	case 'n': f.type = SX_JNULL; break;
	default: f.type = SX_JNUMBER;
	}
	sx_jcanon_field(b, &f, scratch);
	sx_buf_free(&compact);
	return 0;
}
