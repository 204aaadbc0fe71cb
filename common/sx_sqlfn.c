/* sx_sqlfn.c - values, CAST, comparison and the built-in functions (see sx_sqlfn.h). */
#include "sx_sqlfn.h"
#include "sx_err.h"
#include "sx_json.h"
#include "sx_time.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the arena ---- */

struct sx_arena_chunk {
	size_t cap;
	char data[];
};

struct sx_regex_cache {
	char *pat;
	size_t n;
	int ok;
	regex_t re;
};

#define SX_RE_CACHE 16

void sx_fnctx_init(struct sx_fnctx *c)
{
	memset(c, 0, sizeof *c);
}

void sx_fnctx_free(struct sx_fnctx *c)
{
	for (size_t i = 0; i < c->nchunk; i++)
		free(c->chunk[i]);
	free(c->chunk);
	for (size_t i = 0; i < c->nre; i++) {
		if (c->re[i].ok)
			regfree(&c->re[i].re);
		free(c->re[i].pat);
	}
	free(c->re);
	sx_buf_free(&c->scratch);
	memset(c, 0, sizeof *c);
}

void sx_fnctx_reset(struct sx_fnctx *c)
{
	c->cur = 0;
	c->used = 0;
}

char *sx_fnctx_alloc(struct sx_fnctx *c, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	for (;;) {
		if (c->cur < c->nchunk) {
			struct sx_arena_chunk *k = c->chunk[c->cur];
			if (k->cap - c->used >= n) {
				char *p = k->data + c->used;
				c->used += n;
				return p;
			}
			if (c->cur + 1 < c->nchunk || c->used == 0) {
				/* try the next chunk (or replace an empty one too small) */
				if (c->used == 0 && k->cap < n) {
					free(k);
					size_t cap = n > 65536 ? n : 65536;
					c->chunk[c->cur] = k = sx_xmalloc(sizeof *k + cap);
					k->cap = cap;
					continue;
				}
				c->cur++;
				c->used = 0;
				continue;
			}
		}
		size_t cap = n > 65536 ? n : 65536;
		c->chunk = sx_xreallocarray(c->chunk, c->nchunk + 1, sizeof *c->chunk);
		struct sx_arena_chunk *k = sx_xmalloc(sizeof *k + cap);
		k->cap = cap;
		c->chunk[c->nchunk++] = k;
		c->cur = c->nchunk - 1;
		c->used = 0;
	}
}

int sx_fn_fail(struct sx_fnctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
	return -1;
}

const char *sx_vtype_name(int t)
{
	static const char *const names[] = { "NULL", "bigint", "float", "nvarchar(max)", "bit",
					      "datetime", "record", "array" };
	return t >= 0 && t <= SX_VARR ? names[t] : "?";
}

/* ---- values from JSON, text forms ---- */

static int parse_int64(const char *p, size_t n, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	if (i == n)
		return -1;
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		unsigned d = (unsigned)(p[i] - '0');
		if (v > (lim - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

void sx_val_from_json(struct sx_fnctx *c, const char *p, size_t n, int jtype, int esc, struct sx_val *v)
{
	switch (jtype) {
	case SX_JNULL: v->t = SX_VNULL; return;
	case SX_JTRUE: v->t = SX_VBIT; v->u.i = 1; return;
	case SX_JFALSE: v->t = SX_VBIT; v->u.i = 0; return;
	case SX_JNUMBER: {
		int integral = 1;
		for (size_t i = 0; i < n; i++)
			if (p[i] == '.' || p[i] == 'e' || p[i] == 'E')
				integral = 0;
		if (integral && parse_int64(p, n, &v->u.i) == 0) {
			v->t = SX_VINT;
			return;
		}
		v->t = SX_VFLOAT;
		if (sx_json_number_to_double(p, n, &v->u.f) < 0)
			v->u.f = strtod(p, NULL); /* out of range: +-inf as strtod says */
		return;
	}
	case SX_JSTRING: {
		const char *s;
		size_t sn;
		if (!esc) {
			v->t = SX_VSTR;
			v->u.s.p = p + 1;
			v->u.s.n = n - 2;
			return;
		}
		sx_buf_reset(&c->scratch);
		sx_json_unescape(p + 1, n - 2, 1, &c->scratch, &s, &sn);
		char *d = sx_fnctx_alloc(c, sn + 1);
		memcpy(d, s, sn);
		d[sn] = '\0';
		v->t = SX_VSTR;
		v->u.s.p = d;
		v->u.s.n = sn;
		return;
	}
	case SX_JOBJECT: v->t = SX_VREC; break;
	default: v->t = SX_VARR; break;
	}
	v->u.s.p = p;
	v->u.s.n = n;
}

static void text_of_double(double d, char buf[40])
{
	size_t n = sx_json_fmt_double(d, buf);
	/* "21.0" reads as 21 in SQL Server's conversion */
	if (n > 2 && buf[n - 2] == '.' && buf[n - 1] == '0')
		buf[n - 2] = '\0';
}

void sx_val_text(struct sx_fnctx *c, const struct sx_val *v, const char **p, size_t *n)
{
	char tmp[48];
	size_t k;
	switch (v->t) {
	case SX_VSTR: case SX_VREC: case SX_VARR:
		*p = v->u.s.p;
		*n = v->u.s.n;
		return;
	case SX_VINT: case SX_VBIT:
		k = (size_t)snprintf(tmp, sizeof tmp, "%" PRId64, v->u.i);
		break;
	case SX_VFLOAT:
		text_of_double(v->u.f, tmp);
		k = strlen(tmp);
		break;
	case SX_VTIME:
		k = sx_time_format(v->u.i, tmp);
		break;
	default:
		*p = "";
		*n = 0;
		return;
	}
	char *d = sx_fnctx_alloc(c, k + 1);
	memcpy(d, tmp, k + 1);
	*p = d;
	*n = k;
}

void sx_val_show(const struct sx_val *v, char *buf, size_t n)
{
	char tmp[48];
	switch (v->t) {
	case SX_VNULL: snprintf(buf, n, "NULL"); return;
	case SX_VINT: snprintf(buf, n, "%" PRId64, v->u.i); return;
	case SX_VBIT: snprintf(buf, n, "%s", v->u.i ? "true" : "false"); return;
	case SX_VFLOAT: sx_json_fmt_double(v->u.f, tmp); snprintf(buf, n, "%s", tmp); return;
	case SX_VTIME: sx_time_format(v->u.i, tmp); snprintf(buf, n, "%s", tmp); return;
	default: {
		/* quoted, cut to fit on a character boundary */
		size_t max = n > 8 ? n - 8 : 0, len = v->u.s.n;
		const char *q = v->t == SX_VSTR ? "'" : "";
		int cut = 0;
		if (len > max) {
			len = max;
			while (len > 0 && ((unsigned char)v->u.s.p[len] & 0xC0) == 0x80)
				len--;
			cut = 1;
		}
		snprintf(buf, n, "%s%.*s%s%s", q, (int)len, v->u.s.p, cut ? "..." : "", q);
	}
	}
}

/* ---- CAST ---- */

static int trim_span(const char **p, size_t *n)
{
	while (*n && isspace((unsigned char)**p))
		(*p)++, (*n)--;
	while (*n && isspace((unsigned char)(*p)[*n - 1]))
		(*n)--;
	return 0;
}

static int str_to_double(const char *p, size_t n, double *out)
{
	char tmp[64];
	trim_span(&p, &n);
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	for (size_t i = 0; i < n; i++)  /* no hex, inf, nan: SQL numbers only */
		if (!strchr("0123456789+-.eE", tmp[i]))
			return -1;
	char *end;
	errno = 0;
	double d = strtod(tmp, &end);
	if (*end || errno == ERANGE || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

static int cast_fail(struct sx_fnctx *c, const struct sx_val *v, int type)
{
	char shown[160];
	sx_val_show(v, shown, sizeof shown);
	return sx_fn_fail(c, "cannot convert %s %s to %s", sx_vtype_name(v->t), shown, sx_vtype_name(type));
}

int sx_val_cast(struct sx_fnctx *c, const struct sx_val *v, int type, struct sx_val *out)
{
	if (v->t == SX_VNULL || v->t == type) {
		*out = *v;
		return 0;
	}
	out->t = (unsigned char)type;
	switch (type) {
	case SX_VINT:
		if (v->t == SX_VBIT) { out->u.i = v->u.i; return 0; }
		if (v->t == SX_VFLOAT) {
			/* truncated toward zero, as SQL Server */
			if (!(v->u.f > -9223372036854775808.0 - 1 && v->u.f < 9223372036854775808.0))
				return cast_fail(c, v, type);
			out->u.i = (int64_t)v->u.f;
			return 0;
		}
		if (v->t == SX_VSTR) {
			const char *p = v->u.s.p;
			size_t n = v->u.s.n;
			trim_span(&p, &n);
			if (parse_int64(p, n, &out->u.i) == 0)
				return 0;
		}
		return cast_fail(c, v, type);
	case SX_VFLOAT:
		if (v->t == SX_VINT || v->t == SX_VBIT) { out->u.f = (double)v->u.i; return 0; }
		if (v->t == SX_VSTR && str_to_double(v->u.s.p, v->u.s.n, &out->u.f) == 0)
			return 0;
		return cast_fail(c, v, type);
	case SX_VSTR:
		sx_val_text(c, v, &out->u.s.p, &out->u.s.n);
		return 0;
	case SX_VTIME:
		if (v->t == SX_VSTR) {
			const char *p = v->u.s.p;
			size_t n = v->u.s.n;
			trim_span(&p, &n);
			if (sx_time_parse(p, n, &out->u.i) == 0)
				return 0;
		}
		return cast_fail(c, v, type);
	case SX_VBIT:
		if (v->t == SX_VINT) { out->u.i = v->u.i != 0; return 0; }
		if (v->t == SX_VFLOAT) { out->u.i = v->u.f != 0; return 0; }
		if (v->t == SX_VSTR) {
			const char *p = v->u.s.p;
			size_t n = v->u.s.n;
			trim_span(&p, &n);
			if ((n == 4 && !strncasecmp(p, "true", 4)) || (n == 1 && *p == '1')) { out->u.i = 1; return 0; }
			if ((n == 5 && !strncasecmp(p, "false", 5)) || (n == 1 && *p == '0')) { out->u.i = 0; return 0; }
		}
		return cast_fail(c, v, type);
	default:
		return cast_fail(c, v, type);
	}
}

/* ---- comparison ---- */

static int is_num(int t)
{
	return t == SX_VINT || t == SX_VFLOAT || t == SX_VBIT;
}

static int cmp_num(const struct sx_val *a, const struct sx_val *b)
{
	if (a->t != SX_VFLOAT && b->t != SX_VFLOAT)
		return (a->u.i > b->u.i) - (a->u.i < b->u.i);
	double x = a->t == SX_VFLOAT ? a->u.f : (double)a->u.i;
	double y = b->t == SX_VFLOAT ? b->u.f : (double)b->u.i;
	return (x > y) - (x < y);
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	if (r)
		return r < 0 ? -1 : 1;
	return (an > bn) - (an < bn);
}

static int cmp_fail(struct sx_fnctx *c, const struct sx_val *a, const struct sx_val *b)
{
	char sa[100], sb[100];
	sx_val_show(a, sa, sizeof sa);
	sx_val_show(b, sb, sizeof sb);
	return sx_fn_fail(c, "cannot compare %s %s with %s %s", sx_vtype_name(a->t), sa,
			  sx_vtype_name(b->t), sb);
}

int sx_val_cmp(struct sx_fnctx *c, const struct sx_val *a, const struct sx_val *b, int *cmp)
{
	if (is_num(a->t) && is_num(b->t)) {
		*cmp = cmp_num(a, b);
		return 0;
	}
	if (a->t == b->t && (a->t == SX_VSTR || a->t == SX_VREC || a->t == SX_VARR)) {
		*cmp = cmp_bytes(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
		return 0;
	}
	if (a->t == SX_VTIME || b->t == SX_VTIME) {
		struct sx_val x, y;
		if (sx_val_cast(c, a, SX_VTIME, &x) < 0 || sx_val_cast(c, b, SX_VTIME, &y) < 0)
			return cmp_fail(c, a, b);
		*cmp = (x.u.i > y.u.i) - (x.u.i < y.u.i);
		return 0;
	}
	/* a number and a string: the string is read as a number (SQL Server's
	 * implicit conversion), and one that is not a number cannot compare */
	if (is_num(a->t) && b->t == SX_VSTR) {
		struct sx_val y;
		if (sx_val_cast(c, b, SX_VFLOAT, &y) < 0)
			return cmp_fail(c, a, b);
		*cmp = cmp_num(a, &y);
		return 0;
	}
	if (a->t == SX_VSTR && is_num(b->t)) {
		struct sx_val x;
		if (sx_val_cast(c, a, SX_VFLOAT, &x) < 0)
			return cmp_fail(c, a, b);
		*cmp = cmp_num(&x, b);
		return 0;
	}
	return cmp_fail(c, a, b);
}

/* ---- LIKE ---- */

static size_t utf8_len1(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* One character class "[...]" at pat (after '['): the position after ']'
 * and whether character ch (its bytes) is in it; 0 when unterminated. */
static size_t like_class(const char *pat, size_t pn, const char *ch, size_t cn, int *in)
{
	size_t i = 0;
	int neg = 0, hit = 0;
	if (i < pn && pat[i] == '^')
		neg = 1, i++;
	while (i < pn && pat[i] != ']') {
		size_t l = utf8_len1((unsigned char)pat[i]);
		if (i + l + 1 < pn && pat[i + l] == '-' && pat[i + l + 1] != ']') {
			size_t l2 = utf8_len1((unsigned char)pat[i + l + 1]);
			if (cmp_bytes(pat + i, l, ch, cn) <= 0 && cmp_bytes(ch, cn, pat + i + l + 1, l2) <= 0)
				hit = 1;
			i += l + 1 + l2;
		} else {
			if (l == cn && !memcmp(pat + i, ch, cn))
				hit = 1;
			i += l;
		}
	}
	if (i >= pn)
		return 0;
	*in = hit != neg;
	return i + 1;
}

int sx_like(const char *s, size_t n, const char *pat, size_t pn, int esc)
{
	size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
	while (si < n) {
		if (pi < pn) {
			unsigned char pc = (unsigned char)pat[pi];
			size_t cl = utf8_len1((unsigned char)s[si]);
			if (cl > n - si)
				cl = n - si;
			if (pc == '%') {
				star_p = ++pi;
				star_s = si;
				continue;
			}
			if (esc >= 0 && pc == (unsigned char)esc && pi + 1 < pn) {
				size_t l = utf8_len1((unsigned char)pat[pi + 1]);
				if (l == cl && pi + 1 + l <= pn && !memcmp(pat + pi + 1, s + si, l)) {
					pi += 1 + l;
					si += cl;
					continue;
				}
			} else if (pc == '_') {
				pi++;
				si += cl;
				continue;
			} else if (pc == '[') {
				int in = 0;
				size_t k = like_class(pat + pi + 1, pn - pi - 1, s + si, cl, &in);
				if (k && in) {
					pi += 1 + k;
					si += cl;
					continue;
				}
				if (!k && s[si] == '[') { /* an unterminated '[' is itself */
					pi++;
					si++;
					continue;
				}
			} else {
				size_t l = utf8_len1(pc);
				if (l == cl && pi + l <= pn && !memcmp(pat + pi, s + si, l)) {
					pi += l;
					si += cl;
					continue;
				}
			}
		}
		if (star_p == (size_t)-1)
			return 0;
		pi = star_p;
		star_s += utf8_len1((unsigned char)s[star_s]);
		si = star_s;
	}
	while (pi < pn && pat[pi] == '%')
		pi++;
	return pi == pn;
}

/* ---- date parts ---- */

static const struct { const char *name; int part; } dp_names[] = {
	{ "year", SX_DP_YEAR }, { "yy", SX_DP_YEAR }, { "yyyy", SX_DP_YEAR },
	{ "quarter", SX_DP_QUARTER }, { "qq", SX_DP_QUARTER }, { "q", SX_DP_QUARTER },
	{ "month", SX_DP_MONTH }, { "mm", SX_DP_MONTH }, { "m", SX_DP_MONTH },
	{ "dayofyear", SX_DP_DAYOFYEAR }, { "dy", SX_DP_DAYOFYEAR }, { "y", SX_DP_DAYOFYEAR },
	{ "day", SX_DP_DAY }, { "dd", SX_DP_DAY }, { "d", SX_DP_DAY },
	{ "week", SX_DP_WEEK }, { "wk", SX_DP_WEEK }, { "ww", SX_DP_WEEK },
	{ "weekday", SX_DP_WEEKDAY }, { "dw", SX_DP_WEEKDAY }, { "w", SX_DP_WEEKDAY },
	{ "hour", SX_DP_HOUR }, { "hh", SX_DP_HOUR },
	{ "minute", SX_DP_MINUTE }, { "mi", SX_DP_MINUTE }, { "n", SX_DP_MINUTE },
	{ "second", SX_DP_SECOND }, { "ss", SX_DP_SECOND }, { "s", SX_DP_SECOND },
	{ "millisecond", SX_DP_MILLISECOND }, { "ms", SX_DP_MILLISECOND },
	{ "microsecond", SX_DP_MICROSECOND }, { "mcs", SX_DP_MICROSECOND },
	{ "nanosecond", SX_DP_NANOSECOND }, { "ns", SX_DP_NANOSECOND },
};

int sx_datepart_parse(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof dp_names / sizeof dp_names[0]; i++)
		if (strlen(dp_names[i].name) == n && !strncasecmp(dp_names[i].name, s, n))
			return dp_names[i].part;
	return -1;
}

int64_t sx_datepart_us(int part)
{
	switch (part) {
	case SX_DP_DAY: case SX_DP_DAYOFYEAR: case SX_DP_WEEKDAY: return INT64_C(86400000000);
	case SX_DP_WEEK: return INT64_C(7) * 86400000000;
	case SX_DP_HOUR: return INT64_C(3600000000);
	case SX_DP_MINUTE: return 60000000;
	case SX_DP_SECOND: return 1000000;
	case SX_DP_MILLISECOND: return 1000;
	case SX_DP_MICROSECOND: return 1;
	default: return 0;
	}
}

struct civil { int64_t y; unsigned m, d; int64_t days, us_of_day; };

static void civil_of(sx_time_t t, struct civil *c)
{
	c->days = sx_floor_div(t, INT64_C(86400000000));
	c->us_of_day = t - c->days * INT64_C(86400000000);
	sx_civil_from_days(c->days, &c->y, &c->m, &c->d);
}

static int64_t datepart_of(int part, sx_time_t t)
{
	struct civil c;
	civil_of(t, &c);
	switch (part) {
	case SX_DP_YEAR: return c.y;
	case SX_DP_QUARTER: return (c.m - 1) / 3 + 1;
	case SX_DP_MONTH: return c.m;
	case SX_DP_DAYOFYEAR: return c.days - sx_days_from_civil(c.y, 1, 1) + 1;
	case SX_DP_DAY: return c.d;
	case SX_DP_WEEK: {
		/* SQL Server: January 1 is in week 1, weeks start on Sunday */
		int64_t jan1 = sx_days_from_civil(c.y, 1, 1);
		int64_t wd1 = ((jan1 + 4) % 7 + 7) % 7;   /* 0 = Sunday (1970-01-01 was a Thursday) */
		return (c.days - jan1 + wd1) / 7 + 1;
	}
	case SX_DP_WEEKDAY: return ((c.days + 4) % 7 + 7) % 7 + 1;  /* 1 = Sunday */
	case SX_DP_HOUR: return c.us_of_day / INT64_C(3600000000);
	case SX_DP_MINUTE: return c.us_of_day / 60000000 % 60;
	case SX_DP_SECOND: return c.us_of_day / 1000000 % 60;
	case SX_DP_MILLISECOND: return c.us_of_day / 1000 % 1000;
	case SX_DP_MICROSECOND: return c.us_of_day % 1000000;
	default: return c.us_of_day % 1000000 * 1000;
	}
}

/* ---- helpers for the functions ---- */

static int want_time(struct sx_fnctx *c, const struct sx_val *v, sx_time_t *t)
{
	struct sx_val x;
	if (sx_val_cast(c, v, SX_VTIME, &x) < 0)
		return -1;
	*t = x.u.i;
	return 0;
}

static int want_num(struct sx_fnctx *c, const char *fn, const struct sx_val *v, struct sx_val *out)
{
	if (is_num(v->t)) {
		*out = *v;
		if (out->t == SX_VBIT)
			out->t = SX_VINT;
		return 0;
	}
	if (v->t == SX_VSTR) {
		struct sx_val x;
		if (sx_val_cast(c, v, SX_VINT, &x) == 0 || sx_val_cast(c, v, SX_VFLOAT, &x) == 0) {
			*out = x;
			return 0;
		}
	}
	char shown[120];
	sx_val_show(v, shown, sizeof shown);
	return sx_fn_fail(c, "%s: expected a number, not %s %s", fn, sx_vtype_name(v->t), shown);
}

static int want_int(struct sx_fnctx *c, const char *fn, const struct sx_val *v, int64_t *out)
{
	struct sx_val x;
	if (want_num(c, fn, v, &x) < 0)
		return -1;
	if (x.t == SX_VFLOAT) {
		if (!(x.u.f > -9.2e18 && x.u.f < 9.2e18))
			return sx_fn_fail(c, "%s: %g is out of range", fn, x.u.f);
		*out = (int64_t)x.u.f;
	} else {
		*out = x.u.i;
	}
	return 0;
}

static void want_text(struct sx_fnctx *c, const struct sx_val *v, const char **p, size_t *n)
{
	sx_val_text(c, v, p, n);
}

static double as_double(const struct sx_val *v)
{
	return v->t == SX_VFLOAT ? v->u.f : (double)v->u.i;
}

static int set_float(struct sx_fnctx *c, const char *fn, double d, struct sx_val *out)
{
	if (!isfinite(d))
		return sx_fn_fail(c, "%s: the result is not a finite number", fn);
	out->t = SX_VFLOAT;
	out->u.f = d;
	return 0;
}

static void set_str(struct sx_val *out, const char *p, size_t n)
{
	out->t = SX_VSTR;
	out->u.s.p = p;
	out->u.s.n = n;
}

static void set_int(struct sx_val *out, int64_t i)
{
	out->t = SX_VINT;
	out->u.i = i;
}

/* Byte offset of character index K (0-based) in [p, p+n), clamped to n. */
static size_t char_off(const char *p, size_t n, int64_t k)
{
	size_t i = 0;
	while (k > 0 && i < n) {
		i += utf8_len1((unsigned char)p[i]);
		k--;
	}
	return i < n ? i : n;
}

static int64_t char_count(const char *p, size_t n)
{
	int64_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)p[i] & 0xC0) != 0x80;
	return k;
}

/* ---- string functions ---- */

static int fn_len(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	const char *p;
	size_t k;
	want_text(c, a, &p, &k);
	while (k && p[k - 1] == ' ')   /* SQL Server's LEN ignores trailing spaces */
		k--;
	set_int(out, char_count(p, k));
	return 0;
}

static int fn_substring(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	const char *p;
	size_t k;
	int64_t start, len;
	want_text(c, a, &p, &k);
	if (want_int(c, "SUBSTRING", &a[1], &start) < 0 || want_int(c, "SUBSTRING", &a[2], &len) < 0)
		return -1;
	if (len < 0)
		return sx_fn_fail(c, "SUBSTRING: the length %" PRId64 " is negative", len);
	/* characters start..start+len-1, 1-based; positions before 1 count */
	int64_t end = start > INT64_MAX - len ? INT64_MAX : start + len;
	if (start < 1)
		start = 1;
	if (end <= start) {
		set_str(out, "", 0);
		return 0;
	}
	size_t b = char_off(p, k, start - 1), e = b + char_off(p + b, k - b, end - start);
	set_str(out, p + b, e - b);
	return 0;
}

static int fn_case(struct sx_fnctx *c, const struct sx_val *a, struct sx_val *out, int upper)
{
	const char *p;
	size_t k;
	want_text(c, a, &p, &k);
	char *d = sx_fnctx_alloc(c, k + 1);
	for (size_t i = 0; i < k; i++) {   /* ASCII letters only: UTF-8 stays valid */
		unsigned char ch = (unsigned char)p[i];
		d[i] = (char)(ch < 0x80 ? (upper ? toupper(ch) : tolower(ch)) : ch);
	}
	set_str(out, d, k);
	return 0;
}

static int fn_upper(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return fn_case(c, a, out, 1);
}

static int fn_lower(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return fn_case(c, a, out, 0);
}

static int fn_concat(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	size_t total = 0;
	const char *p[64];
	size_t k[64];
	if (n > 64)
		return sx_fn_fail(c, "CONCAT: at most 64 arguments");
	for (int i = 0; i < n; i++) {
		if (a[i].t == SX_VNULL) {   /* NULL is an empty string to CONCAT */
			p[i] = "";
			k[i] = 0;
		} else {
			want_text(c, &a[i], &p[i], &k[i]);
		}
		total += k[i];
	}
	char *d = sx_fnctx_alloc(c, total + 1);
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		memcpy(d + o, p[i], k[i]);
		o += k[i];
	}
	set_str(out, d, total);
	return 0;
}

static const char *find_bytes(const char *h, size_t hn, const char *nd, size_t nn)
{
	if (nn == 0)
		return h;
	for (size_t i = 0; i + nn <= hn; i++)
		if (h[i] == nd[0] && !memcmp(h + i, nd, nn))
			return h + i;
	return NULL;
}

static int fn_charindex(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	const char *f, *s;
	size_t fn, sn;
	int64_t start = 1;
	want_text(c, &a[0], &f, &fn);
	want_text(c, &a[1], &s, &sn);
	if (n > 2 && want_int(c, "CHARINDEX", &a[2], &start) < 0)
		return -1;
	if (start < 1)
		start = 1;
	size_t b = char_off(s, sn, start - 1);
	const char *hit = fn ? find_bytes(s + b, sn - b, f, fn) : NULL;
	set_int(out, hit ? char_count(s, (size_t)(hit - s)) + 1 : 0);
	return 0;
}

static int fn_patindex(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	const char *pat, *s;
	size_t pn, sn;
	want_text(c, &a[0], &pat, &pn);
	want_text(c, &a[1], &s, &sn);
	/* the first position where the pattern, its leading % taken off,
	 * matches the rest of the string */
	int lead = pn > 0 && pat[0] == '%';
	for (size_t i = 0, ci = 1; i <= sn; ci++) {
		if (sx_like(s + i, sn - i, pat + lead, pn - (size_t)lead, -1)) {
			set_int(out, i == sn && sn > 0 && pn > (size_t)lead ? 0 : (int64_t)ci);
			return 0;
		}
		if (!lead || i == sn)
			break;
		i += utf8_len1((unsigned char)s[i]);
	}
	set_int(out, 0);
	return 0;
}

static int fn_replace(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	const char *s, *f, *r;
	size_t sn, fn, rn;
	want_text(c, &a[0], &s, &sn);
	want_text(c, &a[1], &f, &fn);
	want_text(c, &a[2], &r, &rn);
	if (fn == 0) {
		set_str(out, s, sn);
		return 0;
	}
	size_t count = 0;
	for (const char *h = s; (h = find_bytes(h, sn - (size_t)(h - s), f, fn)); h += fn)
		count++;
	size_t total = sn - count * fn + count * rn, o = 0;
	char *d = sx_fnctx_alloc(c, total + 1);
	const char *at = s;
	for (const char *h; (h = find_bytes(at, sn - (size_t)(at - s), f, fn)); at = h + fn) {
		memcpy(d + o, at, (size_t)(h - at));
		o += (size_t)(h - at);
		memcpy(d + o, r, rn);
		o += rn;
	}
	memcpy(d + o, at, sn - (size_t)(at - s));
	set_str(out, d, total);
	return 0;
}

static int trim(struct sx_fnctx *c, const struct sx_val *a, struct sx_val *out, int left, int right)
{
	const char *p;
	size_t k;
	want_text(c, a, &p, &k);
	while (left && k && *p == ' ')
		p++, k--;
	while (right && k && p[k - 1] == ' ')
		k--;
	set_str(out, p, k);
	return 0;
}

static int fn_ltrim(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return trim(c, a, out, 1, 0);
}

static int fn_rtrim(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return trim(c, a, out, 0, 1);
}

static int fn_trim(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return trim(c, a, out, 1, 1);
}

/* ASA: the position (from 1) where the pattern first matches, 0 when it
 * does not, case-insensitive; an invalid pattern gives 0.  The pattern is a
 * POSIX extended regular expression (ASA's are ECMAScript's), compiled once
 * per distinct pattern. */
static int fn_regexmatch(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	const char *s, *pat;
	size_t sn, pn;
	want_text(c, &a[0], &s, &sn);
	want_text(c, &a[1], &pat, &pn);
	struct sx_regex_cache *e = NULL;
	for (size_t i = 0; i < c->nre; i++)
		if (c->re[i].n == pn && !memcmp(c->re[i].pat, pat, pn))
			e = &c->re[i];
	if (!e) {
		if (c->nre == SX_RE_CACHE) {   /* full: the oldest goes */
			if (c->re[0].ok)
				regfree(&c->re[0].re);
			free(c->re[0].pat);
			memmove(c->re, c->re + 1, (SX_RE_CACHE - 1) * sizeof *c->re);
			c->nre--;
		}
		if (!c->re)
			c->re = sx_xcalloc(SX_RE_CACHE, sizeof *c->re);
		e = &c->re[c->nre++];
		e->pat = sx_xstrndup(pat, pn);
		e->n = pn;
		e->ok = strlen(e->pat) == pn && regcomp(&e->re, e->pat, REG_EXTENDED | REG_ICASE) == 0;
	}
	regmatch_t m;
	if (!e->ok || memchr(s, '\0', sn)) {   /* regexec reads a C string */
		set_int(out, 0);
		return 0;
	}
	char *z = sx_fnctx_alloc(c, sn + 1);
	memcpy(z, s, sn);
	z[sn] = '\0';
	if (regexec(&e->re, z, 1, &m, 0) != 0)
		set_int(out, 0);
	else
		set_int(out, char_count(z, (size_t)m.rm_so) + 1);
	return 0;
}

/* ---- math ---- */

static int fn_abs(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	if (want_num(c, "ABS", a, out) < 0)
		return -1;
	if (out->t == SX_VFLOAT) {
		out->u.f = fabs(out->u.f);
	} else {
		if (out->u.i == INT64_MIN)
			return sx_fn_fail(c, "ABS: arithmetic overflow");
		out->u.i = out->u.i < 0 ? -out->u.i : out->u.i;
	}
	return 0;
}

static int round_fn(struct sx_fnctx *c, const char *name, const struct sx_val *a, struct sx_val *out,
		    double (*f)(double))
{
	if (want_num(c, name, a, out) < 0)
		return -1;
	if (out->t == SX_VFLOAT)
		out->u.f = f(out->u.f);
	return 0;
}

static int fn_ceiling(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return round_fn(c, "CEILING", a, out, ceil);
}

static int fn_floor(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return round_fn(c, "FLOOR", a, out, floor);
}

static int fn_round(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	int64_t digits = 0;
	if (want_num(c, "ROUND", &a[0], out) < 0 || (n > 1 && want_int(c, "ROUND", &a[1], &digits) < 0))
		return -1;
	if (digits > 300 || digits < -300)
		digits = digits > 0 ? 300 : -300;
	if (out->t == SX_VFLOAT) {
		/* half away from zero at DIGITS decimals */
		double m = pow(10.0, (double)(digits < 0 ? -digits : digits));
		double x = out->u.f;
		x = digits >= 0 ? round(x * m) / m : round(x / m) * m;
		out->u.f = isfinite(x) ? x : out->u.f;
	} else if (digits < 0) {
		if (digits < -18) {
			out->u.i = 0;
		} else {
			int64_t m = 1;
			for (int64_t i = 0; i < -digits; i++)
				m *= 10;
			int64_t q = out->u.i / m, r = out->u.i % m;
			if (r * 2 >= m) q++;
			else if (r * 2 <= -m) q--;
			if (q > INT64_MAX / m || q < INT64_MIN / m)
				return sx_fn_fail(c, "ROUND: arithmetic overflow");
			out->u.i = q * m;
		}
	}
	return 0;
}

static int fn_power(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	struct sx_val x, y;
	if (want_num(c, "POWER", &a[0], &x) < 0 || want_num(c, "POWER", &a[1], &y) < 0)
		return -1;
	return set_float(c, "POWER", pow(as_double(&x), as_double(&y)), out);
}

static int fn_sqrt(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	struct sx_val x;
	if (want_num(c, "SQRT", a, &x) < 0)
		return -1;
	if (as_double(&x) < 0)
		return sx_fn_fail(c, "SQRT: %g is negative", as_double(&x));
	return set_float(c, "SQRT", sqrt(as_double(&x)), out);
}

static int fn_square(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	struct sx_val x;
	if (want_num(c, "SQUARE", a, &x) < 0)
		return -1;
	return set_float(c, "SQUARE", as_double(&x) * as_double(&x), out);
}

static int fn_exp(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	struct sx_val x;
	if (want_num(c, "EXP", a, &x) < 0)
		return -1;
	return set_float(c, "EXP", exp(as_double(&x)), out);
}

static int fn_log(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	struct sx_val x, b;
	if (want_num(c, "LOG", &a[0], &x) < 0 || (n > 1 && want_num(c, "LOG", &a[1], &b) < 0))
		return -1;
	if (as_double(&x) <= 0)
		return sx_fn_fail(c, "LOG: %g is not positive", as_double(&x));
	double r = log(as_double(&x));
	if (n > 1) {
		double lb = log(as_double(&b));
		if (!(as_double(&b) > 0) || lb == 0)
			return sx_fn_fail(c, "LOG: %g is not a base", as_double(&b));
		r /= lb;
	}
	return set_float(c, "LOG", r, out);
}

static int fn_sign(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	if (want_num(c, "SIGN", a, out) < 0)
		return -1;
	if (out->t == SX_VFLOAT)
		out->u.f = (out->u.f > 0) - (out->u.f < 0);
	else
		out->u.i = (out->u.i > 0) - (out->u.i < 0);
	return 0;
}

/* ---- dates ---- */

static int set_time(struct sx_fnctx *c, const char *fn, int64_t t, struct sx_val *out)
{
	if (t < SX_TIME_MIN || t > SX_TIME_MAX)
		return sx_fn_fail(c, "%s: the result is outside years 0001-9999", fn);
	out->t = SX_VTIME;
	out->u.i = t;
	return 0;
}

static int add_months(struct sx_fnctx *c, sx_time_t t, int64_t months, struct sx_val *out)
{
	struct civil v;
	civil_of(t, &v);
	if (months > 120000 || months < -120000)
		return sx_fn_fail(c, "DATEADD: the result is outside years 0001-9999");
	int64_t m0 = v.y * 12 + (v.m - 1) + months;
	int64_t y = sx_floor_div(m0, 12);
	unsigned m = (unsigned)(m0 - y * 12) + 1;
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	unsigned d = v.d > last ? last : v.d;   /* Jan 31 + 1 month = Feb 28/29 */
	return set_time(c, "DATEADD", sx_days_from_civil(y, m, d) * INT64_C(86400000000) + v.us_of_day, out);
}

static int fn_dateadd(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	int part = (int)a[0].u.i;
	int64_t k;
	sx_time_t t;
	if (want_int(c, "DATEADD", &a[1], &k) < 0 || want_time(c, &a[2], &t) < 0)
		return -1;
	switch (part) {
	case SX_DP_YEAR: return add_months(c, t, k > 10000 || k < -10000 ? 200000 : k * 12, out);
	case SX_DP_QUARTER: return add_months(c, t, k > 40000 || k < -40000 ? 200000 : k * 3, out);
	case SX_DP_MONTH: return add_months(c, t, k, out);
	case SX_DP_NANOSECOND: return set_time(c, "DATEADD", t + k / 1000, out);
	default: {
		int64_t u = sx_datepart_us(part);
		if (k > (SX_TIME_MAX - SX_TIME_MIN) / u || k < -(SX_TIME_MAX - SX_TIME_MIN) / u)
			return sx_fn_fail(c, "DATEADD: the result is outside years 0001-9999");
		return set_time(c, "DATEADD", t + k * u, out);
	}
	}
}

static int fn_datediff(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	int part = (int)a[0].u.i;
	sx_time_t t0, t1;
	if (want_time(c, &a[1], &t0) < 0 || want_time(c, &a[2], &t1) < 0)
		return -1;
	struct civil x, y;
	civil_of(t0, &x);
	civil_of(t1, &y);
	/* the number of PART boundaries crossed from t0 to t1, as SQL Server */
	switch (part) {
	case SX_DP_YEAR: set_int(out, y.y - x.y); return 0;
	case SX_DP_QUARTER: set_int(out, (y.y * 4 + (y.m - 1) / 3) - (x.y * 4 + (x.m - 1) / 3)); return 0;
	case SX_DP_MONTH: set_int(out, (y.y * 12 + y.m) - (x.y * 12 + x.m)); return 0;
	case SX_DP_WEEK:   /* weeks start on Sunday: day 3 of the epoch was one */
		set_int(out, sx_floor_div(y.days + 4, 7) - sx_floor_div(x.days + 4, 7));
		return 0;
	case SX_DP_NANOSECOND:
		if (t1 - t0 > INT64_MAX / 1000 || t1 - t0 < INT64_MIN / 1000)
			return sx_fn_fail(c, "DATEDIFF: the difference in nanoseconds overflows bigint");
		set_int(out, (t1 - t0) * 1000);
		return 0;
	default: {
		int64_t u = sx_datepart_us(part);
		set_int(out, sx_floor_div(t1, u) - sx_floor_div(t0, u));
		return 0;
	}
	}
}

static int fn_datepart(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	sx_time_t t;
	if (want_time(c, &a[1], &t) < 0)
		return -1;
	set_int(out, datepart_of((int)a[0].u.i, t));
	return 0;
}

static int fn_datename(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	static const char *const months[] = { "January", "February", "March", "April", "May", "June", "July",
					      "August", "September", "October", "November", "December" };
	static const char *const days[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
					    "Friday", "Saturday" };
	sx_time_t t;
	if (want_time(c, &a[1], &t) < 0)
		return -1;
	int part = (int)a[0].u.i;
	int64_t v = datepart_of(part, t);
	if (part == SX_DP_MONTH) {
		set_str(out, months[v - 1], strlen(months[v - 1]));
	} else if (part == SX_DP_WEEKDAY) {
		set_str(out, days[v - 1], strlen(days[v - 1]));
	} else {
		struct sx_val x = { .t = SX_VINT, .u.i = v };
		sx_val_text(c, &x, &out->u.s.p, &out->u.s.n);
		out->t = SX_VSTR;
	}
	return 0;
}

static int part_fn(struct sx_fnctx *c, const struct sx_val *a, struct sx_val *out, int part)
{
	sx_time_t t;
	if (want_time(c, a, &t) < 0)
		return -1;
	set_int(out, datepart_of(part, t));
	return 0;
}

static int fn_year(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return part_fn(c, a, out, SX_DP_YEAR);
}

static int fn_month(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return part_fn(c, a, out, SX_DP_MONTH);
}

static int fn_day(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	return part_fn(c, a, out, SX_DP_DAY);
}

static int fn_datetimefromparts(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	int64_t v[7];
	static const char *const what[] = { "year", "month", "day", "hour", "minute", "second", "millisecond" };
	static const int64_t lo[] = { 1, 1, 1, 0, 0, 0, 0 }, hi[] = { 9999, 12, 31, 23, 59, 59, 999 };
	for (int i = 0; i < n; i++) {
		if (want_int(c, "DATETIMEFROMPARTS", &a[i], &v[i]) < 0)
			return -1;
		if (v[i] < lo[i] || v[i] > hi[i])
			return sx_fn_fail(c, "DATETIMEFROMPARTS: %s %" PRId64 " is out of range", what[i], v[i]);
	}
	int64_t days = sx_days_from_civil(v[0], (unsigned)v[1], (unsigned)v[2]);
	int64_t y2;
	unsigned m2, d2;
	sx_civil_from_days(days, &y2, &m2, &d2);
	if (m2 != v[1] || d2 != v[2])
		return sx_fn_fail(c, "DATETIMEFROMPARTS: day %" PRId64 " is out of range for month %" PRId64,
				  v[2], v[1]);
	return set_time(c, "DATETIMEFROMPARTS",
			days * INT64_C(86400000000) + v[3] * INT64_C(3600000000) + v[4] * 60000000 +
			v[5] * 1000000 + v[6] * 1000, out);
}

/* ---- records and arrays (JSON text, validated by the record reader) ---- */

/* The end of the JSON value starting at p (whitespace skipped first). */
static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static const char *skip_value(const char *p, const char *e)
{
	p = skip_ws(p, e);
	if (p >= e)
		return e;
	if (*p == '"') {
		for (p++; p < e && *p != '"'; p++)
			if (*p == '\\')
				p++;
		return p < e ? p + 1 : e;
	}
	if (*p == '{' || *p == '[') {
		int depth = 0;
		for (; p < e; p++) {
			if (*p == '"') {
				for (p++; p < e && *p != '"'; p++)
					if (*p == '\\')
						p++;
			} else if (*p == '{' || *p == '[') {
				depth++;
			} else if ((*p == '}' || *p == ']') && --depth == 0) {
				return p + 1;
			}
		}
		return e;
	}
	while (p < e && !strchr(",}] \t\r\n", *p))
		p++;
	return p;
}

static int jtype_at(const char *p)
{
	switch (*p) {
	case '"': return SX_JSTRING;
	case '{': return SX_JOBJECT;
	case '[': return SX_JARRAY;
	case 't': return SX_JTRUE;
	case 'f': return SX_JFALSE;
	case 'n': return SX_JNULL;
	default: return SX_JNUMBER;
	}
}

static void value_at(struct sx_fnctx *c, const char *p, const char *e, struct sx_val *out)
{
	p = skip_ws(p, e);
	const char *end = skip_value(p, e);
	int esc = 0;
	if (*p == '"')
		esc = memchr(p, '\\', (size_t)(end - p)) != NULL;
	sx_val_from_json(c, p, (size_t)(end - p), jtype_at(p), esc, out);
}

int sx_json_member(struct sx_fnctx *c, const char *obj, size_t n, const char *key, size_t kn,
		   struct sx_val *out)
{
	const char *p = obj, *e = obj + n, *hit = NULL;
	p = skip_ws(p, e);
	if (p >= e || *p != '{')
		return 0;
	p++;
	for (;;) {
		p = skip_ws(p, e);
		if (p >= e || *p != '"')
			break;
		const char *k = p + 1, *kend = skip_value(p, e) - 1;
		int match;
		if (memchr(k, '\\', (size_t)(kend - k))) {
			const char *d;
			size_t dn;
			sx_buf_reset(&c->scratch);
			sx_json_unescape(k, (size_t)(kend - k), 1, &c->scratch, &d, &dn);
			match = dn == kn && !memcmp(d, key, kn);
		} else {
			match = (size_t)(kend - k) == kn && !memcmp(k, key, kn);
		}
		p = skip_ws(kend + 1, e);
		if (p < e && *p == ':')
			p++;
		if (match)
			hit = p;   /* the last one wins, as in the record reader */
		p = skip_ws(skip_value(p, e), e);
		if (p < e && *p == ',')
			p++;
		else
			break;
	}
	if (!hit)
		return 0;
	value_at(c, hit, e, out);
	return 1;
}

static int fn_getrecordpropertyvalue(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	const char *k;
	size_t kn;
	if (a[0].t != SX_VREC)
		return sx_fn_fail(c, "GetRecordPropertyValue: expected a record, not %s", sx_vtype_name(a[0].t));
	want_text(c, &a[1], &k, &kn);
	if (!sx_json_member(c, a[0].u.s.p, a[0].u.s.n, k, kn, out))
		out->t = SX_VNULL;
	return 0;
}

static int array_walk(struct sx_fnctx *c, const struct sx_val *arr, int64_t want, struct sx_val *out,
		      int64_t *count)
{
	const char *p = arr->u.s.p, *e = p + arr->u.s.n;
	int64_t i = 0;
	p = skip_ws(p, e);
	p++;
	p = skip_ws(p, e);
	if (p < e && *p == ']') {
		*count = 0;
		return 0;
	}
	for (;;) {
		if (i == want) {
			value_at(c, p, e, out);
			return 1;
		}
		p = skip_ws(skip_value(p, e), e);
		i++;
		if (p < e && *p == ',')
			p++;
		else
			break;
	}
	*count = i;
	return 0;
}

static int fn_getarrayelement(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	int64_t idx, count;
	if (a[0].t != SX_VARR)
		return sx_fn_fail(c, "GetArrayElement: expected an array, not %s", sx_vtype_name(a[0].t));
	if (want_int(c, "GetArrayElement", &a[1], &idx) < 0)
		return -1;
	if (idx < 0 || !array_walk(c, &a[0], idx, out, &count))
		out->t = SX_VNULL;
	return 0;
}

static int fn_getarraylength(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)n;
	int64_t count = 0;
	struct sx_val dummy;
	if (a[0].t != SX_VARR)
		return sx_fn_fail(c, "GetArrayLength: expected an array, not %s", sx_vtype_name(a[0].t));
	array_walk(c, &a[0], -1, &dummy, &count);
	set_int(out, count);
	return 0;
}

static int fn_gettype(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)c, (void)n;
	const char *t = a[0].t == SX_VNULL ? "null" : sx_vtype_name(a[0].t);
	set_str(out, t, strlen(t));
	return 0;
}

static int fn_coalesce(struct sx_fnctx *c, const struct sx_val *a, int n, struct sx_val *out)
{
	(void)c;
	for (int i = 0; i < n; i++)
		if (a[i].t != SX_VNULL) {
			*out = a[i];
			return 0;
		}
	out->t = SX_VNULL;
	return 0;
}

static const struct sx_sqlfn table[] = {
	{ "ABS", 1, 1, 0, fn_abs },
	{ "CEILING", 1, 1, 0, fn_ceiling },
	{ "CHARINDEX", 2, 3, 0, fn_charindex },
	{ "COALESCE", 1, -1, SX_FN_NULLOK, fn_coalesce },
	{ "CONCAT", 2, -1, SX_FN_NULLOK, fn_concat },
	{ "DATEADD", 3, 3, SX_FN_PART, fn_dateadd },
	{ "DATEDIFF", 3, 3, SX_FN_PART, fn_datediff },
	{ "DATENAME", 2, 2, SX_FN_PART, fn_datename },
	{ "DATEPART", 2, 2, SX_FN_PART, fn_datepart },
	{ "DATETIMEFROMPARTS", 7, 7, 0, fn_datetimefromparts },
	{ "DAY", 1, 1, 0, fn_day },
	{ "EXP", 1, 1, 0, fn_exp },
	{ "FLOOR", 1, 1, 0, fn_floor },
	{ "GETARRAYELEMENT", 2, 2, 0, fn_getarrayelement },
	{ "GETARRAYLENGTH", 1, 1, 0, fn_getarraylength },
	{ "GETRECORDPROPERTYVALUE", 2, 2, 0, fn_getrecordpropertyvalue },
	{ "GETTYPE", 1, 1, SX_FN_NULLOK, fn_gettype },
	{ "LEN", 1, 1, 0, fn_len },
	{ "LOG", 1, 2, 0, fn_log },
	{ "LOWER", 1, 1, 0, fn_lower },
	{ "LTRIM", 1, 1, 0, fn_ltrim },
	{ "MONTH", 1, 1, 0, fn_month },
	{ "PATINDEX", 2, 2, 0, fn_patindex },
	{ "POWER", 2, 2, 0, fn_power },
	{ "REGEXMATCH", 2, 2, 0, fn_regexmatch },
	{ "REPLACE", 3, 3, 0, fn_replace },
	{ "ROUND", 1, 2, 0, fn_round },
	{ "RTRIM", 1, 1, 0, fn_rtrim },
	{ "SIGN", 1, 1, 0, fn_sign },
	{ "SQRT", 1, 1, 0, fn_sqrt },
	{ "SQUARE", 1, 1, 0, fn_square },
	{ "SUBSTRING", 3, 3, 0, fn_substring },
	{ "TRIM", 1, 1, 0, fn_trim },
	{ "UPPER", 1, 1, 0, fn_upper },
	{ "YEAR", 1, 1, 0, fn_year },
};

const struct sx_sqlfn *sx_sqlfn_find(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strlen(table[i].name) == n && !strncasecmp(table[i].name, s, n))
			return &table[i];
	return NULL;
}

static size_t edit_distance(const char *a, size_t an, const char *b, size_t bn)
{
	size_t row[64];
	if (an >= 63 || bn >= 63)
		return 99;
	for (size_t j = 0; j <= bn; j++)
		row[j] = j;
	for (size_t i = 1; i <= an; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= bn; j++) {
			size_t up = row[j];
			size_t cost = toupper((unsigned char)a[i - 1]) != toupper((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best) best = up + 1;
			if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[bn];
}

const char *sx_sqlfn_closest(const char *s, size_t n, const char *const *extra)
{
	const char *best = NULL;
	size_t bd = n / 3 > 2 ? n / 3 : 2;
	bd++;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		size_t d = edit_distance(s, n, table[i].name, strlen(table[i].name));
		if (d < bd)
			bd = d, best = table[i].name;
	}
	for (; extra && *extra; extra++) {
		size_t d = edit_distance(s, n, *extra, strlen(*extra));
		if (d < bd)
			bd = d, best = *extra;
	}
	return best;
}
