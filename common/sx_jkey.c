/* sx_jkey.c - canonical join keys (see sx_jkey.h). */
#include "sx_jkey.h"
#include "sx_err.h"
#include "sx_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sx_jkey_init(struct sx_jkey *k, char *const *names, int n)
{
	memset(k, 0, sizeof *k);
	k->names = names;
	k->n = n;
	k->lens = sx_xcalloc((size_t)(n > 0 ? n : 1), sizeof *k->lens);
	for (int i = 0; i < n; i++)
		k->lens[i] = strlen(names[i]);
}

void sx_jkey_free(struct sx_jkey *k)
{
	free(k->lens);
	sx_buf_free(&k->key);
	sx_buf_free(&k->scratch);
	memset(k, 0, sizeof *k);
}

static void put_len(struct sx_buf *b, size_t n)
{
	do {
		unsigned char c = n & 0x7f;
		n >>= 7;
		sx_buf_putc(b, (char)(n ? c | 0x80 : c));
	} while (n);
}

static void put_item(struct sx_buf *b, char tag, const char *p, size_t n)
{
	sx_buf_putc(b, tag);
	put_len(b, n);
	sx_buf_append(b, p, n);
}

/* Exponents beyond this are compared by their text (no real data has them). */
#define EXP_LIMIT INT64_C(1000000000000)

/* A JSON number (valid syntax) as sign, decimal exponent and significant
 * digits: d1 d2 ... dn x 10^e with d1 and dn non-zero, or "0". */
static void put_number(struct sx_buf *b, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	int neg = 0;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	/* mantissa: digits, an optional '.', digits */
	const char *first = NULL, *last = NULL;
	int64_t int_digits = 0, idx = 0, last_idx = 0;
	int seen_dot = 0;
	for (; p < end && ((*p >= '0' && *p <= '9') || *p == '.'); p++) {
		if (*p == '.') {
			seen_dot = 1;
			continue;
		}
		if (!seen_dot)
			int_digits++;
		if (*p != '0') {
			if (!first)
				first = p;
			last = p;
			last_idx = idx;
		}
		idx++;
	}
	int64_t ex = 0;
	int big = 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		int eneg = 0;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < end; p++) {
			ex = ex * 10 + (*p - '0');
			if (ex > EXP_LIMIT) {
				big = 1;
				break;
			}
		}
		if (eneg)
			ex = -ex;
	}
	if (!first) {
		put_item(b, 'n', "0", 1);
		return;
	}
	if (big) {
		put_item(b, 'x', s, len);
		return;
	}
	/* value = digits[first..last] x 10^(ex + int_digits - 1 - last_idx) */
	int64_t e = ex + int_digits - 1 - last_idx;
	char head[32];
	int hn = snprintf(head, sizeof head, "%c%lld:", neg ? '-' : '+', (long long)e);
	size_t ndig = 0;
	for (const char *q = first; q <= last; q++)
		ndig += *q != '.';
	sx_buf_putc(b, 'n');
	put_len(b, (size_t)hn + ndig);
	sx_buf_append(b, head, (size_t)hn);
	sx_buf_reserve(b, ndig);
	for (const char *q = first; q <= last; q++)
		if (*q != '.')
			b->data[b->len++] = *q;
	b->data[b->len] = '\0';
}

int sx_jkey_value(struct sx_buf *b, const struct sx_field *f, struct sx_buf *scratch)
{
	switch (f->type) {
	case SX_JNULL:
		return -1;
	case SX_JTRUE:
		put_item(b, 't', "", 0);
		return 0;
	case SX_JFALSE:
		put_item(b, 'f', "", 0);
		return 0;
	case SX_JNUMBER:
		put_number(b, f->val, f->val_len);
		return 0;
	case SX_JSTRING: {
		const char *s;
		size_t n;
		sx_field_str(f, scratch, &s, &n);
		put_item(b, 's', s, n);
		return 0;
	}
	default:
		sx_buf_reset(scratch);
		sx_json_compact_buf(scratch, f->val, f->val_len);
		put_item(b, 'j', scratch->data, scratch->len);
		return 0;
	}
}

int sx_jkey_make(struct sx_jkey *k, const struct sx_rec *rec)
{
	sx_buf_reset(&k->key);
	for (int i = 0; i < k->n; i++) {
		const struct sx_field *f = sx_rec_getn(rec, k->names[i], k->lens[i]);
		if (!f || sx_jkey_value(&k->key, f, &k->scratch) < 0)
			return 0;
	}
	k->hash = sx_hash64(k->key.data ? k->key.data : "", k->key.len, 0);
	return 1;
}
