/* sx_pathpat.c - sx-emit-files' folder pattern (see sx_pathpat.h). */
#include "sx_pathpat.h"
#include "sx_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Time ops of a {datetime:SPEC}, {date} or {time}; finer units sort later. */
enum op { OP_LIT, OP_YEAR, OP_MON2, OP_MON1, OP_DAY2, OP_DAY1, OP_HOUR2, OP_HOUR1,
	  OP_MIN2, OP_MIN1, OP_SEC2, OP_SEC1 };
enum unit { U_NONE, U_YEAR, U_MONTH, U_DAY, U_HOUR, U_MIN, U_SEC };

struct tok {
	int kind;            /* 0 literal text, 1 time op, 2 field */
	int op;              /* kind 1 */
	char *text;          /* kind 0: the text; kind 2: the field name */
	size_t len;
};

struct sx_pathpat {
	struct tok *t;
	size_t n;
	enum unit finest;
	char *base;
	char *null_name;
	size_t null_len;
	int has_fields;
	/* the civil time of the last bucket rendered, valid for [c_lo, c_hi) */
	sx_time_t c_lo, c_hi;
	int64_t y;
	unsigned mo, d, h, mi, sec;
};

static void add_tok(struct sx_pathpat *p, int kind, int op, const char *text, size_t len)
{
	/* literal text next to literal text is one token */
	if (kind == 0 && p->n > 0 && p->t[p->n - 1].kind == 0) {
		struct tok *last = &p->t[p->n - 1];
		last->text = sx_xrealloc(last->text, last->len + len + 1);
		memcpy(last->text + last->len, text, len);
		last->len += len;
		last->text[last->len] = '\0';
		return;
	}
	p->t = sx_xreallocarray(p->t, p->n + 1, sizeof *p->t);
	struct tok *k = &p->t[p->n++];
	k->kind = kind;
	k->op = op;
	k->text = text ? sx_xstrndup(text, len) : NULL;
	k->len = len;
}

static enum unit unit_of(int op)
{
	switch (op) {
	case OP_YEAR: return U_YEAR;
	case OP_MON2: case OP_MON1: return U_MONTH;
	case OP_DAY2: case OP_DAY1: return U_DAY;
	case OP_HOUR2: case OP_HOUR1: return U_HOUR;
	case OP_MIN2: case OP_MIN1: return U_MIN;
	default: return U_SEC;
	}
}

/* Compile a datetime SPEC of LEN bytes; UPPER accepts YYYY and DD (the date
 * format's ASA spellings).  0, or -1 with ERR set. */
static int compile_spec(struct sx_pathpat *p, const char *spec, size_t len, int upper, const char *what,
			char *err, size_t errlen)
{
	if (len == 0) {
		snprintf(err, errlen, "%s: empty format", what);
		return -1;
	}
	for (size_t i = 0; i < len;) {
		char c = spec[i];
		size_t run = 1;
		while (i + run < len && spec[i + run] == c)
			run++;
		int op = -1;
		switch (c) {
		case 'Y': if (!upper) break; /* fall through */
		case 'y': op = run == 4 ? OP_YEAR : -2; break;
		case 'M': op = run == 2 ? OP_MON2 : run == 1 ? OP_MON1 : -2; break;
		case 'D': if (!upper) break; /* fall through */
		case 'd': op = run == 2 ? OP_DAY2 : run == 1 ? OP_DAY1 : -2; break;
		case 'H': op = run == 2 ? OP_HOUR2 : run == 1 ? OP_HOUR1 : -2; break;
		case 'm': op = run == 2 ? OP_MIN2 : run == 1 ? OP_MIN1 : -2; break;
		case 's': op = run == 2 ? OP_SEC2 : run == 1 ? OP_SEC1 : -2; break;
		default: break;
		}
		if (op == -2) {
			snprintf(err, errlen, "%s: '%.*s' is not a time field (yyyy, MM, M, dd, d, HH, H, mm, m, ss, s)",
				 what, (int)run, spec + i);
			return -1;
		}
		if (op < 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
			snprintf(err, errlen, "%s: letter '%c' is not a time field (yyyy, MM, M, dd, d, HH, H, mm, m, ss, s)",
				 what, c);
			return -1;
		}
		if (op < 0) {
			add_tok(p, 0, 0, spec + i, run);
		} else {
			add_tok(p, 1, op, NULL, 0);
			if (unit_of(op) > p->finest)
				p->finest = unit_of(op);
		}
		i += run;
	}
	return 0;
}

struct sx_pathpat *sx_pathpat_compile(const char *pattern, const char *date_fmt, const char *time_fmt,
				      const char *null_name, char *err, size_t errlen)
{
	struct sx_pathpat *p = sx_xcalloc(1, sizeof *p);
	const char *first_tok = NULL;
	if (!date_fmt)
		date_fmt = "yyyy/MM/dd";
	if (!time_fmt)
		time_fmt = "HH";
	if (!null_name)
		null_name = SX_PATHPAT_NULL_DEFAULT;
	if (!*pattern) {
		snprintf(err, errlen, "--path: empty pattern");
		goto fail;
	}
	for (const char *s = pattern; *s;) {
		if (*s == '}') {
			snprintf(err, errlen, "--path: '}' without '{' in '%s'", pattern);
			goto fail;
		}
		if (*s != '{') {
			size_t n = strcspn(s, "{}");
			add_tok(p, 0, 0, s, n);
			s += n;
			continue;
		}
		const char *end = strchr(s, '}');
		const char *name = s + 1;
		size_t len = end ? (size_t)(end - name) : 0;
		if (!end || memchr(name, '{', len)) {
			snprintf(err, errlen, "--path: '{' without '}' in '%s'", pattern);
			goto fail;
		}
		if (!first_tok)
			first_tok = s;
		if (len == 0) {
			snprintf(err, errlen, "--path: empty token {} in '%s'", pattern);
			goto fail;
		} else if (len == 4 && !memcmp(name, "date", 4)) {
			if (compile_spec(p, date_fmt, strlen(date_fmt), 1, "--date-format", err, errlen) < 0)
				goto fail;
		} else if (len == 4 && !memcmp(name, "time", 4)) {
			if (compile_spec(p, time_fmt, strlen(time_fmt), 0, "--time-format", err, errlen) < 0)
				goto fail;
		} else if (len >= 9 && !memcmp(name, "datetime:", 9)) {
			if (compile_spec(p, name + 9, len - 9, 0, "--path {datetime:SPEC}", err, errlen) < 0)
				goto fail;
		} else {
			add_tok(p, 2, 0, name, len);
			p->has_fields = 1;
		}
		s = end + 1;
	}
	/* the literal folders before the first token */
	size_t blen = first_tok ? (size_t)(first_tok - pattern) : strlen(pattern);
	while (blen > 0 && pattern[blen - 1] != '/' && first_tok)
		blen--;
	while (blen > 1 && pattern[blen - 1] == '/')
		blen--;
	p->base = blen ? sx_xstrndup(pattern, blen) : sx_xstrdup(".");
	p->c_lo = p->c_hi = SX_TIME_MIN;
	p->null_name = sx_xstrdup(null_name);
	p->null_len = strlen(null_name);
	if (!p->null_len || strchr(null_name, '/') || !strcmp(null_name, ".") || !strcmp(null_name, "..")) {
		snprintf(err, errlen, "--null-value: '%s' cannot be a folder name", null_name);
		goto fail;
	}
	return p;
fail:
	sx_pathpat_free(p);
	return NULL;
}

void sx_pathpat_free(struct sx_pathpat *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->t[i].text);
	free(p->t);
	free(p->base);
	free(p->null_name);
	free(p);
}

int sx_pathpat_has_time(const struct sx_pathpat *p)
{
	return p->finest != U_NONE;
}

const char *sx_pathpat_base(const struct sx_pathpat *p)
{
	return p->base;
}

#define US_DAY (INT64_C(86400) * SX_US_PER_SEC)

sx_time_t sx_pathpat_bucket_end(const struct sx_pathpat *p, sx_time_t t)
{
	int64_t step;
	switch (p->finest) {
	case U_NONE: return SX_TIME_MAX;
	case U_SEC: step = SX_US_PER_SEC; break;
	case U_MIN: step = 60 * SX_US_PER_SEC; break;
	case U_HOUR: step = 3600 * SX_US_PER_SEC; break;
	case U_DAY: step = US_DAY; break;
	default: {
		int64_t y;
		unsigned m, d;
		sx_civil_from_days(sx_floor_div(t, US_DAY), &y, &m, &d);
		if (p->finest == U_YEAR || m == 12)
			return sx_days_from_civil(y + 1, 1, 1) * US_DAY;
		return sx_days_from_civil(y, m + 1, 1) * US_DAY;
	}
	}
	return (sx_floor_div(t, step) + 1) * step;
}

static void put2(struct sx_buf *b, unsigned v, int pad)
{
	char s[2];
	if (v >= 10 || pad) {
		s[0] = (char)('0' + v / 10);
		s[1] = (char)('0' + v % 10);
		sx_buf_append(b, s, 2);
	} else {
		sx_buf_putc(b, (char)('0' + v));
	}
}

/* Spark's escapePathName set, plus NUL. */
static int must_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || strchr("\"#%'*/:=?\\{[]^", c) != NULL;
}

int sx_pathpat_escape(const struct sx_pathpat *p, const char *s, size_t n, struct sx_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = out->len;
	if (n == 0) {
		sx_buf_append(out, p->null_name, p->null_len);
		return 0;
	}
	int dots = (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (must_escape(c) || dots) {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			sx_buf_append(out, e, 3);
		} else {
			sx_buf_putc(out, (char)c);
		}
	}
	if (out->len - start > 255) {
		out->len = start;
		out->data[start] = '\0';
		return -1;
	}
	return 0;
}

/* The bucket's start: its end less one step, or for months and years the
 * first day. */
static sx_time_t bucket_start(const struct sx_pathpat *p, sx_time_t t)
{
	switch (p->finest) {
	case U_SEC: return sx_floor_div(t, SX_US_PER_SEC) * SX_US_PER_SEC;
	case U_MIN: return sx_floor_div(t, 60 * SX_US_PER_SEC) * 60 * SX_US_PER_SEC;
	case U_HOUR: return sx_floor_div(t, 3600 * SX_US_PER_SEC) * 3600 * SX_US_PER_SEC;
	default: return sx_floor_div(t, US_DAY) * US_DAY; /* days, months, years: a day at a time */
	}
}

int sx_pathpat_render(struct sx_pathpat *p, const struct sx_rec *rec, sx_time_t t,
		      struct sx_buf *out, struct sx_buf *scratch, const char **why)
{
	if (p->finest != U_NONE && (t < p->c_lo || t >= p->c_hi)) {
		/* a new bucket: its civil fields once, not per record */
		int64_t days = sx_floor_div(t, US_DAY);
		int64_t sod = (t - days * US_DAY) / SX_US_PER_SEC;
		sx_civil_from_days(days, &p->y, &p->mo, &p->d);
		p->h = (unsigned)(sod / 3600);
		p->mi = (unsigned)(sod / 60 % 60);
		p->sec = (unsigned)(sod % 60);
		p->c_lo = bucket_start(p, t);
		if (p->finest > U_DAY)
			p->c_hi = p->c_lo + (p->finest == U_HOUR ? 3600 : p->finest == U_MIN ? 60 : 1) * SX_US_PER_SEC;
		else
			p->c_hi = p->c_lo + US_DAY; /* days, months and years change only at midnight */
	}
	int64_t y = p->y;
	unsigned mo = p->mo, d = p->d, h = p->h, mi = p->mi, sec = p->sec;
	for (size_t i = 0; i < p->n; i++) {
		const struct tok *k = &p->t[i];
		if (k->kind == 0) {
			sx_buf_append(out, k->text, k->len);
		} else if (k->kind == 1) {
			switch (k->op) {
			case OP_YEAR: /* 0001-9999: the times sx reads */
				put2(out, (unsigned)(y / 100), 1);
				put2(out, (unsigned)(y % 100), 1);
				break;
			case OP_MON2: case OP_MON1: put2(out, mo, k->op == OP_MON2); break;
			case OP_DAY2: case OP_DAY1: put2(out, d, k->op == OP_DAY2); break;
			case OP_HOUR2: case OP_HOUR1: put2(out, h, k->op == OP_HOUR2); break;
			case OP_MIN2: case OP_MIN1: put2(out, mi, k->op == OP_MIN2); break;
			default: put2(out, sec, k->op == OP_SEC2); break;
			}
		} else {
			const struct sx_field *f = sx_rec_getn(rec, k->text, k->len);
			const char *s = "";
			size_t n = 0;
			if (f) {
				switch (f->type) {
				case SX_JSTRING:
					sx_buf_reset(scratch);
					sx_field_str(f, scratch, &s, &n);
					break;
				case SX_JNULL:
					break;
				case SX_JOBJECT: case SX_JARRAY:
					sx_buf_reset(scratch);
					sx_buf_printf(scratch, "field '%s': %s cannot name a folder", k->text,
						      f->type == SX_JOBJECT ? "an object" : "an array");
					*why = scratch->data;
					return -1;
				default:
					s = f->val;
					n = f->val_len;
				}
			}
			if (sx_pathpat_escape(p, s, n, out) < 0) {
				sx_buf_reset(scratch);
				sx_buf_printf(scratch, "field '%s': value too long for a folder name "
					      "(over 255 bytes once escaped)", k->text);
				*why = scratch->data;
				return -1;
			}
		}
	}
	return 0;
}
