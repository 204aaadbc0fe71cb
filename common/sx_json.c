/* sx_json.c - validating one-pass JSON scanner and helpers (see sx_json.h). */
#include "sx_json.h"
#include "sx_grow.h"
#include "sx_err.h"
#include "sx_jscan.h"
#include "sx_out.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scan {
	const char *start, *end;
	const char *why;
	const char *at;          /* where the first error was found */
	int compact;
};

static const char *fail(struct scan *s, const char *at, const char *why)
{
	if (!s->why) {
		s->why = why;
		s->at = at;
	}
	return NULL;
}

static inline const char *skip_ws(struct scan *s, const char *p)
{
	/* one compare for the usual case, a byte above the space */
	while (p < s->end && (unsigned char)*p <= ' ' &&
	       (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
		s->compact = 0;
		p++;
	}
	return p;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	if (end - p < 4)
		return -1;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + (unsigned)h;
	}
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence starting at p (a byte >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) n = 2;
	else if (c == 0xE0) { n = 3; lo = 0xA0; }
	else if (c >= 0xE1 && c <= 0xEC) n = 3;
	else if (c == 0xED) { n = 3; hi = 0x9F; }
	else if (c >= 0xEE && c <= 0xEF) n = 3;
	else if (c == 0xF0) { n = 4; lo = 0x90; }
	else if (c >= 0xF1 && c <= 0xF3) n = 4;
	else if (c == 0xF4) { n = 4; hi = 0x8F; }
	else return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

int sx_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t n = utf8_seq(p, end);
		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

/* The rest of a string from U, a byte sx_jscan_string_stop stopped at (or
 * the end): escapes, UTF-8 sequences and errors, then on in bulk. */
static const char *scan_string_rest(struct scan *s, const unsigned char *u, int *has_esc)
{
	const unsigned char *end = (const unsigned char *)s->end;
	for (;;) {
		if (u >= end)
			return fail(s, (const char *)u, "unterminated string");
		unsigned c = *u;
		if (c == '"')
			return (const char *)u + 1;
		if (c < 0x20)
			return fail(s, (const char *)u, "control character in string");
		if (c == '\\') {
			*has_esc = 1;
			if (u + 1 >= end)
				return fail(s, (const char *)u, "unterminated string");
			switch (u[1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				u += 2;
				break;
			case 'u': {
				unsigned cp;
				if (hex4((const char *)u + 2, s->end, &cp) < 0)
					return fail(s, (const char *)u, "bad \\u escape");
				u += 6;
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					unsigned lo;
					if (end - u < 6 || u[0] != '\\' || u[1] != 'u' ||
					    hex4((const char *)u + 2, s->end, &lo) < 0 ||
					    lo < 0xDC00 || lo > 0xDFFF)
						return fail(s, (const char *)u, "unpaired surrogate in \\u escape");
					u += 6;
				} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
					return fail(s, (const char *)u - 6, "unpaired surrogate in \\u escape");
				}
				break;
			}
			default:
				return fail(s, (const char *)u, "bad escape in string");
			}
		} else {
			size_t n = utf8_seq(u, end);
			if (!n)
				return fail(s, (const char *)u, "invalid UTF-8");
			u += n;
		}
		/* ordinary bytes in bulk up to the next one to look at */
		u = sx_jscan_string_stop(u, end);
	}
}

/* p points after the opening quote; returns pointer after the closing quote.
 * Inline for the usual string, ASCII without escapes: one bulk scan finds
 * its closing quote. */
static inline const char *scan_string(struct scan *s, const char *p, int *has_esc)
{
	const unsigned char *end = (const unsigned char *)s->end;
	const unsigned char *u = sx_jscan_string_stop((const unsigned char *)p, end);
	*has_esc = 0;
	if (u < end && *u == '"')
		return (const char *)u + 1;
	return scan_string_rest(s, u, has_esc);
}

/* The first non-digit at or after P (a word at a time). */
static inline const char *digits_end(const char *p, const char *e)
{
	return (const char *)sx_jscan_digits_end((const unsigned char *)p, (const unsigned char *)e);
}

static const char *scan_number(struct scan *s, const char *p)
{
	const char *e = s->end;
	if (p < e && *p == '-')
		p++;
	if (p >= e)
		return fail(s, p, "bad number");
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		p = digits_end(p + 1, e);
	} else {
		return fail(s, p, "bad number");
	}
	if (p < e && *p == '.') {
		p++;
		if (p >= e || *p < '0' || *p > '9')
			return fail(s, p, "bad number");
		p = digits_end(p + 1, e);
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p >= e || *p < '0' || *p > '9')
			return fail(s, p, "bad number");
		p = digits_end(p + 1, e);
	}
	return p;
}

static const char *scan_value(struct scan *s, const char *p, int depth, unsigned char *type);

static const char *scan_literal(struct scan *s, const char *p, const char *lit, size_t n)
{
	if ((size_t)(s->end - p) < n || memcmp(p, lit, n) != 0)
		return fail(s, p, "unexpected character");
	return p + n;
}

static const char *scan_array(struct scan *s, const char *p, int depth)
{
	unsigned char t;
	p = skip_ws(s, p + 1);
	if (p < s->end && *p == ']')
		return p + 1;
	for (;;) {
		p = scan_value(s, p, depth + 1, &t);
		if (!p)
			return NULL;
		p = skip_ws(s, p);
		if (p >= s->end)
			return fail(s, p, "unterminated array");
		if (*p == ']')
			return p + 1;
		if (*p != ',')
			return fail(s, p, "expected ',' or ']'");
		p = skip_ws(s, p + 1);
	}
}

/* Append a field to REC: its key and value as spans of the line. */
static inline void push_field(struct sx_rec *rec, const char *key, size_t key_len, const char *val,
			      size_t val_len, unsigned char type, int kesc, int vesc)
{
	SX_GROW(rec->f, rec->n + 1, rec->cap);
	struct sx_field *f = &rec->f[rec->n++];
	f->key = key;
	f->key_len = key_len;
	f->val = val;
	f->val_len = val_len;
	f->type = type;
	f->key_esc = (unsigned char)kesc;
	f->val_esc = (unsigned char)vesc;
}

/* Scans an object; when rec is non-NULL, records its members (top level). */
static const char *scan_object(struct scan *s, const char *p, int depth, struct sx_rec *rec)
{
	p = skip_ws(s, p + 1);
	if (p < s->end && *p == '}')
		return p + 1;
	for (;;) {
		if (p >= s->end || *p != '"')
			return fail(s, p, p >= s->end ? "unterminated object" : "expected a string key");
		const char *key = p + 1;
		int kesc, vesc = 0;
		p = scan_string(s, key, &kesc);
		if (!p)
			return NULL;
		size_t key_len = (size_t)(p - 1 - key);
		p = skip_ws(s, p);
		if (p >= s->end || *p != ':')
			return fail(s, p, "expected ':'");
		p = skip_ws(s, p + 1);
		const char *val = p;
		unsigned char t;
		/* the usual values without the call through scan_value */
		if (p < s->end && *p == '"') {
			t = SX_JSTRING;
			p = scan_string(s, p + 1, &vesc);
		} else if (p < s->end && ((*p >= '0' && *p <= '9') || *p == '-')) {
			t = SX_JNUMBER;
			p = scan_number(s, p);
		} else {
			p = scan_value(s, p, depth + 1, &t);
		}
		if (!p)
			return NULL;
		if (rec) {
			push_field(rec, key, key_len, val, (size_t)(p - val), t, kesc, vesc);
		}
		p = skip_ws(s, p);
		if (p >= s->end)
			return fail(s, p, "unterminated object");
		if (*p == '}')
			return p + 1;
		if (*p != ',')
			return fail(s, p, "expected ',' or '}'");
		p = skip_ws(s, p + 1);
	}
}

static const char *scan_value(struct scan *s, const char *p, int depth, unsigned char *type)
{
	if (depth > SX_JSON_MAX_DEPTH)
		return fail(s, p, "nesting too deep");
	if (p >= s->end)
		return fail(s, p, "unexpected end of input");
	int esc;
	switch (*p) {
	case '{': *type = SX_JOBJECT; return scan_object(s, p, depth, NULL);
	case '[': *type = SX_JARRAY; return scan_array(s, p, depth);
	case '"': *type = SX_JSTRING; return scan_string(s, p + 1, &esc);
	case 't': *type = SX_JTRUE; return scan_literal(s, p, "true", 4);
	case 'f': *type = SX_JFALSE; return scan_literal(s, p, "false", 5);
	case 'n': *type = SX_JNULL; return scan_literal(s, p, "null", 4);
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			*type = SX_JNUMBER;
			return scan_number(s, p);
		}
		return fail(s, p, "unexpected character");
	}
}

void sx_rec_init(struct sx_rec *r)
{
	memset(r, 0, sizeof *r);
}

void sx_rec_free(struct sx_rec *r)
{
	free(r->f);
	memset(r, 0, sizeof *r);
}

int sx_rec_parse(struct sx_rec *r, const char *line, size_t len, const char **why)
{
	struct scan s = { line, line + len, NULL, NULL, 1 };
	r->line = line;
	r->len = len;
	r->n = 0;
	r->err_off = SIZE_MAX;
	const char *p = skip_ws(&s, line);
	if (p >= s.end || *p != '{') {
		unsigned char t;
		/* Tell "not an object" apart from "not JSON at all". */
		const char *q = p < s.end ? scan_value(&s, p, 1, &t) : NULL;
		if (q && skip_ws(&s, q) == s.end) {
			*why = "not a JSON object";
		} else {
			*why = s.why ? s.why : "invalid JSON";
			r->err_off = s.at ? (size_t)(s.at - line) : (size_t)(p - line);
		}
		return -1;
	}
	p = scan_object(&s, p, 1, r);
	if (p)
		p = skip_ws(&s, p);
	if (p && p != s.end)
		fail(&s, p, "trailing characters after the object");
	if (!p || s.why) {
		*why = s.why ? s.why : "invalid JSON";
		if (s.at)
			r->err_off = (size_t)(s.at - line);
		return -1;
	}
	r->compact = s.compact;
	return 0;
}

int sx_json_validate(const char *p, size_t len, const char **why)
{
	struct scan s = { p, p + len, NULL, NULL, 1 };
	unsigned char t;
	const char *q = scan_value(&s, skip_ws(&s, p), 1, &t);
	if (q && skip_ws(&s, q) != s.end)
		q = fail(&s, q, "trailing characters");
	if (!q) {
		*why = s.why ? s.why : "invalid JSON";
		return -1;
	}
	return 0;
}

static void put_utf8(struct sx_buf *b, unsigned cp)
{
	char t[4];
	size_t n;
	if (cp < 0x80) { t[0] = (char)cp; n = 1; }
	else if (cp < 0x800) { t[0] = (char)(0xC0 | cp >> 6); t[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
	else if (cp < 0x10000) {
		t[0] = (char)(0xE0 | cp >> 12); t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		t[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
	} else {
		t[0] = (char)(0xF0 | cp >> 18); t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); t[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
	}
	sx_buf_append(b, t, n);
}

void sx_json_unescape(const char *s, size_t len, int has_esc, struct sx_buf *scratch,
		      const char **out, size_t *outlen)
{
	if (!has_esc) {
		*out = s;
		*outlen = len;
		return;
	}
	sx_buf_reset(scratch);
	sx_buf_reserve(scratch, len);
	const char *end = s + len;
	while (s < end) {
		const char *bs = memchr(s, '\\', (size_t)(end - s));
		if (!bs) {
			sx_buf_append(scratch, s, (size_t)(end - s));
			break;
		}
		sx_buf_append(scratch, s, (size_t)(bs - s));
		char c = bs[1];
		s = bs + 2;
		switch (c) {
		case 'b': sx_buf_putc(scratch, '\b'); break;
		case 'f': sx_buf_putc(scratch, '\f'); break;
		case 'n': sx_buf_putc(scratch, '\n'); break;
		case 'r': sx_buf_putc(scratch, '\r'); break;
		case 't': sx_buf_putc(scratch, '\t'); break;
		case 'u': {
			unsigned cp = 0, lo;
			hex4(s, end, &cp);
			s += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && end - s >= 6 && hex4(s + 2, end, &lo) == 0) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				s += 6;
			}
			put_utf8(scratch, cp);
			break;
		}
		default: sx_buf_putc(scratch, c); break; /* " \ / */
		}
	}
	*out = scratch->data;
	*outlen = scratch->len;
}

void sx_field_str(const struct sx_field *f, struct sx_buf *scratch, const char **out, size_t *outlen)
{
	sx_json_unescape(f->val + 1, f->val_len - 2, f->val_esc, scratch, out, outlen);
}

/* Decoded escaped keys, reused so lookups allocate nothing per event (the
 * tools are single-threaded; the buffer stays reachable until exit). */
static struct sx_buf key_scratch;

const struct sx_field *sx_rec_getn(const struct sx_rec *r, const char *key, size_t keylen)
{
	for (size_t i = r->n; i-- > 0;) {
		const struct sx_field *f = &r->f[i];
		if (!f->key_esc) {
			if (f->key_len == keylen && memcmp(f->key, key, keylen) == 0)
				return f;
		} else if (f->key_len >= keylen) { /* escapes only ever shorten */
			const char *k;
			size_t kl;
			sx_json_unescape(f->key, f->key_len, 1, &key_scratch, &k, &kl);
			if (kl == keylen && memcmp(k, key, keylen) == 0)
				return f;
		}
	}
	return NULL;
}

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

int sx_json_number_to_double(const char *s, size_t len, double *out)
{
	/* Fast path (Clinger): up to 15 significant digits and no exponent give an
	 * exact integer mantissa divided by an exact power of ten, which IEEE
	 * division rounds correctly. */
	const char *p = s, *end = s + len;
	int neg = 0;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	uint64_t m = 0;
	int digits = 0, frac = 0, seen_dot = 0;
	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9') {
			m = m * 10 + (uint64_t)(*p - '0');
			if (m || digits)
				digits++;
			if (seen_dot)
				frac++;
		} else if (*p == '.' && !seen_dot) {
			seen_dot = 1;
		} else {
			break;
		}
	}
	if (p == end && digits <= 15 && frac <= 22 && len > (size_t)neg) {
		double v = (double)m / pow10_exact[frac];
		*out = neg ? -v : v;
		return 0;
	}
	char tmp[64];
	char *heap = NULL, *t = tmp;
	if (len >= sizeof tmp)
		t = heap = sx_xmalloc(len + 1);
	memcpy(t, s, len);
	t[len] = '\0';
	char *e;
	errno = 0;
	double v = strtod(t, &e);
	int ok = *e == '\0' && e != t && isfinite(v);
	free(heap);
	if (!ok)
		return -1;
	*out = v;
	return 0;
}

int sx_field_double(const struct sx_field *f, double *out)
{
	if (f->type != SX_JNUMBER)
		return -1;
	return sx_json_number_to_double(f->val, f->val_len, out);
}

static const char hexdig[] = "0123456789abcdef";

/* The JSON escape of a byte that cannot appear raw in a string (a control
 * character, '"' or '\\'); returns its length. */
static size_t json_escape(unsigned char c, char esc[6])
{
	esc[0] = '\\';
	switch (c) {
	case '"': esc[1] = '"'; return 2;
	case '\\': esc[1] = '\\'; return 2;
	case '\n': esc[1] = 'n'; return 2;
	case '\r': esc[1] = 'r'; return 2;
	case '\t': esc[1] = 't'; return 2;
	case '\b': esc[1] = 'b'; return 2;
	case '\f': esc[1] = 'f'; return 2;
	}
	esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
	esc[4] = hexdig[c >> 4]; esc[5] = hexdig[c & 15];
	return 6;
}

/* Hand runs of raw bytes and escapes to `emit`. */
#define QUOTE_BODY(EMIT)                                                          \
	do {                                                                      \
		const char *run = s;                                              \
		const char *end = s + len;                                        \
		EMIT("\"", 1);                                                    \
		for (const char *p = s; p < end; p++) {                           \
			unsigned char c = (unsigned char)*p;                      \
			if (c >= 0x20 && c != '"' && c != '\\')                   \
				continue;                                         \
			if (p > run)                                              \
				EMIT(run, (size_t)(p - run));                     \
			char esc[6];                                              \
			EMIT(esc, json_escape(c, esc));                           \
			run = p + 1;                                              \
		}                                                                 \
		if (end > run)                                                    \
			EMIT(run, (size_t)(end - run));                           \
		EMIT("\"", 1);                                                    \
	} while (0)

void sx_json_quote_buf(struct sx_buf *b, const char *s, size_t len)
{
#define EMIT_BUF(p, n) sx_buf_append(b, (p), (n))
	QUOTE_BODY(EMIT_BUF);
#undef EMIT_BUF
}

void sx_json_quote_out(struct sx_out *o, const char *s, size_t len)
{
#define EMIT_OUT(p, n) sx_out_write(o, (p), (n))
	QUOTE_BODY(EMIT_OUT);
#undef EMIT_OUT
}

int sx_json_quote_utf8_buf(struct sx_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
	size_t start = b->len;
	sx_buf_reserve(b, len + 2); /* the common case: nothing to escape */
	b->data[b->len++] = '"';
	while (p < end) {
		unsigned c = *p;
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq(p, end);
			if (!k) {
				b->len = start;
				b->data[start] = '\0';
				return -1;
			}
			p += k;
			continue;
		}
		char esc[6];
		sx_buf_append(b, run, (size_t)(p - run));
		sx_buf_append(b, esc, json_escape((unsigned char)c, esc));
		run = ++p;
	}
	sx_buf_append(b, run, (size_t)(end - run));
	sx_buf_putc(b, '"');
	return 0;
}

void sx_json_compact_buf(struct sx_buf *b, const char *p, size_t len)
{
	const char *end = p + len;
	sx_buf_reserve(b, len);
	while (p < end) {
		char c = *p++;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		b->data[b->len++] = c;
		if (c == '"') {
			while (p < end) {
				char d = *p++;
				b->data[b->len++] = d;
				if (d == '\\' && p < end)
					b->data[b->len++] = *p++;
				else if (d == '"')
					break;
			}
		}
	}
	b->data[b->len] = '\0';
}

/* The reference: the first of %.15g, %.16g, %.17g that reads back to V.  For
 * a normal double at most one 15-digit decimal lies in its rounding interval,
 * so this is the shortest round-trip text (subnormals may get a longer one),
 * and %g picks fixed or exponent notation by that precision. */
static int fmt_double_printf(double v, char buf[32])
{
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return n;
}

/* fmt_double_exact: the same text as fmt_double_printf, with 128-bit integer
 * arithmetic instead of multi-precision printf and strtod (5-10x faster),
 * for normal doubles with |v| in about [1e-6, 1e38); 0 elsewhere. */
__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull
};

/* 10^k for 0 <= k <= 38 (< 2^127). */
static u128 pow10_u128(int k)
{
	return k <= 19 ? pow10_u64[k] : (u128)pow10_u64[19] * pow10_u64[k - 19];
}

/* M * 2^E * 10^S = Q + REM/DEN exactly, with UNIT = 10^max(S,0) * 2^max(E,0)
 * (so the numerator is M * UNIT).  0 when a number would not fit. */
static int scale_exact(uint64_t m, int e, int s, uint64_t *q, u128 *rem, u128 *den, u128 *unit)
{
	if (s > 38 || s < -38 || e > 74 || e < -124)
		return 0;
	u128 u = s > 0 ? pow10_u128(s) : 1, d = s < 0 ? pow10_u128(-s) : 1, num;
	if (e > 0) {
		if (u > ((~(u128)0) >> 1) >> e)
			return 0;
		u <<= e;
	} else if (e < 0) {
		if (d > ((u128)1 << (124 + e)))
			return 0;
		d <<= -e;
	}
	if (__builtin_mul_overflow(u, (u128)m, &num) || num >> 127)
		return 0;
	u128 qq = s >= 0 ? num >> -(e < 0 ? e : 0) : num / d;
	if (qq >> 63)
		return 0;
	*q = (uint64_t)qq;
	*rem = num - qq * d;
	*den = d;
	*unit = u;
	return 1;
}

/* The PREC decimal digits of V (zero-padded), two at a time: the chain of
 * divisions by 10 was the larger part of formatting a double. */
static void put_digits(char *d, int prec, uint64_t v)
{
	static const char two[] =
		"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
		"5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
	int i = prec;
	while (i >= 2) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		i -= 2;
		memcpy(d + i, two + 2 * r, 2);
	}
	if (i)
		d[0] = (char)('0' + v);
}

static size_t fmt_double_exact(double v, char buf[32])
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	int bexp = (int)(bits >> 52 & 0x7ff);
	uint64_t frac = bits & ((1ull << 52) - 1);
	if (bexp == 0 || bexp == 0x7ff)
		return 0;           /* zero, subnormal, inf, nan */
	uint64_t m = frac | 1ull << 52;
	int e = bexp - 1075;
	/* the predecessor is twice as close when m is the smallest mantissa */
	int lower_closer = frac == 0 && bexp > 1;
	/* strtod rounds ties to the even mantissa: the bounds count when m is even */
	int inclusive = (m & 1) == 0;
	/* the decimal exponent: 10^e10 <= |v| < 10^(e10+1) */
	int e10 = (int)floor((bexp - 1023) * 0.30102999566398120);
	uint64_t q;
	u128 rem, den, unit;
	for (int tries = 0;; tries++) {
		if (tries == 3 || !scale_exact(m, e, 16 - e10, &q, &rem, &den, &unit))
			return 0;
		if (q < pow10_u64[16])
			e10--;
		else if (q >= pow10_u64[17])
			e10++;
		else
			break;
	}
	/* v * 10^(16-e10) = q + rem/den, with 10^16 <= q < 10^17, and the gap
	 * between v and its neighbours is unit/den there.  The 15- and 16-digit
	 * candidates come from the same scaling, divided by 10^k:
	 * v * 10^(16-e10-k) = q / 10^k + ((q mod 10^k) * den + rem) / (den * 10^k),
	 * where the gap is unit / (den * 10^k) (one scale_exact, not three). */
	const uint64_t q17 = q;
	const u128 rem17 = rem, den17 = den;
	for (int prec = 15; prec <= 17; prec++) {
		uint64_t p10 = pow10_u64[17 - prec];
		q = q17 / p10;
		if (__builtin_mul_overflow(den17, (u128)p10, &den) ||
		    __builtin_mul_overflow((u128)(q17 % p10), den17, &rem) ||
		    __builtin_add_overflow(rem, rem17, &rem) || den >> 126)
			return 0;
		/* round to PREC digits, ties to even, as printf does */
		int up = 2 * rem > den || (2 * rem == den && (q & 1));
		uint64_t digits = q + (uint64_t)up;
		u128 dist = up ? den - rem : rem;
		/* reads back to v: within half the gap to the neighbour on its side */
		u128 lhs = (!up && lower_closer ? 4 : 2) * dist;
		if (!(lhs < unit || (inclusive && lhs == unit)))
			continue;
		int x = e10;
		if (digits == pow10_u64[prec]) {    /* 9.99.. rounded up to 10.0.. */
			digits /= 10;
			x++;
		}
		char d[17];
		put_digits(d, prec, digits);
		int nd = prec;
		while (nd > 1 && d[nd - 1] == '0')
			nd--;
		char *p = buf;
		if (bits >> 63)
			*p++ = '-';
		if (x < -4 || x >= prec) {
			*p++ = d[0];
			if (nd > 1) {
				*p++ = '.';
				memcpy(p, d + 1, (size_t)nd - 1);
				p += nd - 1;
			}
			*p++ = 'e';
			*p++ = x < 0 ? '-' : '+';
			int ax = x < 0 ? -x : x;
			if (ax >= 100)
				*p++ = (char)('0' + ax / 100);
			*p++ = (char)('0' + ax / 10 % 10);
			*p++ = (char)('0' + ax % 10);
		} else if (x >= 0) {
			memcpy(p, d, (size_t)x + 1);
			p += x + 1;
			*p++ = '.';
			if (nd > x + 1) {
				memcpy(p, d + x + 1, (size_t)(nd - x - 1));
				p += nd - x - 1;
			} else {
				*p++ = '0';         /* "21.0": a double, not an integer */
			}
		} else {
			*p++ = '0';
			*p++ = '.';
			for (int i = 0; i < -x - 1; i++)
				*p++ = '0';
			memcpy(p, d, (size_t)nd);
			p += nd;
		}
		*p = '\0';
		return (size_t)(p - buf);
	}
	return 0;
}

size_t sx_json_fmt_double(double v, char buf[32])
{
	if (!isfinite(v)) {
		memcpy(buf, "null", 5);
		return 4;
	}
	size_t fast = fmt_double_exact(v, buf);
	if (fast)
		return fast;
	int n = fmt_double_printf(v, buf);
	if (!strpbrk(buf, ".eEn")) {
		buf[n++] = '.';
		buf[n++] = '0';
		buf[n] = '\0';
	}
	return (size_t)n;
}

/* ---- re-indexing a line already validated ---- */

static inline int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* P is after a string's opening quote: after its closing one (NULL past END). */
static inline const char *skip_string_trusted(const char *p, const char *end, int *esc)
{
	*esc = 0;
	while (p < end) {
		char c = *p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			*esc = 1;
			p += 2;
			continue;
		}
		p++;
	}
	return NULL;
}

/* P is at an object's or array's opening bracket: after its closing one. */
static const char *skip_nested_trusted(const char *p, const char *end, int *compact)
{
	int depth = 0, esc;
	while (p < end) {
		char c = *p++;
		if (c == '"') {
			p = skip_string_trusted(p, end, &esc);
			if (!p)
				return NULL;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return p;
		} else if (is_ws(c)) {
			*compact = 0;
		}
	}
	return NULL;
}

int sx_rec_index(struct sx_rec *r, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	int compact = 1;
	r->line = line;
	r->len = len;
	r->n = 0;
	r->err_off = SIZE_MAX;
	while (p < end && is_ws(*p))
		compact = 0, p++;
	if (p >= end || *p++ != '{')
		return -1;
	for (;;) {
		while (p < end && (is_ws(*p) || *p == ','))
			compact &= !is_ws(*p), p++;
		if (p >= end)
			return -1;
		if (*p == '}')
			break;
		if (*p != '"')
			return -1;
		const char *key = p + 1;
		int kesc, vesc = 0;
		if (!(p = skip_string_trusted(key, end, &kesc)))
			return -1;
		size_t key_len = (size_t)(p - 1 - key);
		while (p < end && (is_ws(*p) || *p == ':'))
			compact &= !is_ws(*p), p++;
		if (p >= end)
			return -1;
		const char *val = p;
		unsigned char t;
		switch (*p) {
		case '"': t = SX_JSTRING; p = skip_string_trusted(p + 1, end, &vesc); break;
		case '{': t = SX_JOBJECT; p = skip_nested_trusted(p, end, &compact); break;
		case '[': t = SX_JARRAY; p = skip_nested_trusted(p, end, &compact); break;
		case 't': t = SX_JTRUE; p += 4; break;
		case 'f': t = SX_JFALSE; p += 5; break;
		case 'n': t = SX_JNULL; p += 4; break;
		default:
			t = SX_JNUMBER;
			while (p < end && *p != ',' && *p != '}' && !is_ws(*p))
				p++;
		}
		if (!p || p > end)
			return -1;
		push_field(r, key, key_len, val, (size_t)(p - val), t, kesc, vesc);
	}
	for (p++; p < end; p++)
		if (is_ws(*p))
			compact = 0;
	r->compact = compact;
	return 0;
}
