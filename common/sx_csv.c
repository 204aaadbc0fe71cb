/* sx_csv.c - CSV rows via libcsv and value typing (see sx_csv.h). */
#include "sx_csv.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_json.h"
#include "sx_timefmt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int sx_coltype_parse(const char *s, enum sx_coltype *out)
{
	static const struct { const char *name; enum sx_coltype t; } names[] = {
		{ "auto", SX_COL_AUTO }, { "string", SX_COL_STRING }, { "int", SX_COL_INT },
		{ "float", SX_COL_FLOAT }, { "bool", SX_COL_BOOL }, { "time", SX_COL_TIME },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(s, names[i].name)) {
			*out = names[i].t;
			return 0;
		}
	return -1;
}

int sx_csv_is_int(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	size_t digits = n - i;
	if (digits == 0 || digits > 19)
		return 0;
	if (s[i] == '0' && digits > 1)
		return 0;
	for (size_t k = i; k < n; k++)
		if (s[k] < '0' || s[k] > '9')
			return 0;
	if (digits < 19)
		return 1;
	/* 19 digits: compare with the int64 limits */
	const char *lim = s[0] == '-' ? "9223372036854775808" : "9223372036854775807";
	return memcmp(s + i, lim, 19) <= 0;
}

int sx_csv_is_decimal(const char *s, size_t n)
{
	size_t i = 0;
	int frac_or_exp = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return 0;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		frac_or_exp = 1;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		frac_or_exp = 1;
	}
	if (i != n || !frac_or_exp)
		return 0;
	/* beyond double: overflow, or a non-zero value that underflows to 0 */
	double v;
	if (sx_json_number_to_double(s, n, &v) < 0)
		return 0;
	if (v == 0.0) {
		for (size_t k = 0; k < n && s[k] != 'e' && s[k] != 'E'; k++)
			if (s[k] >= '1' && s[k] <= '9')
				return 0;
	}
	return 1;
}

static int quote_string(struct sx_buf *b, const char *s, size_t n, const char **why)
{
	if (sx_json_quote_utf8_buf(b, s, n) < 0) {
		*why = "invalid UTF-8";
		return -1;
	}
	return 0;
}

/* A C string copy of a short value for strtod/strtoll; NULL if too long. */
static const char *cstr(const char *s, size_t n, char *tmp, size_t cap)
{
	if (n >= cap)
		return NULL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return tmp;
}

int sx_csv_value_json(struct sx_buf *b, const char *s, size_t n, enum sx_coltype type,
		      enum sx_time_unit unit, const char **why)
{
	char tmp[128];
	const char *c;
	char *end;
	if (!s && type == SX_COL_STRING) {
		sx_buf_append(b, "\"\"", 2); /* a string column has no nulls: "" */
		return 0;
	}
	if (!s || (n == 0 && type != SX_COL_STRING && type != SX_COL_AUTO)) {
		sx_buf_append(b, "null", 4);
		return 0;
	}
	switch (type) {
	case SX_COL_AUTO:
		if (n == 0)
			break; /* quoted "" stays an empty string */
		if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-') {
			if (sx_csv_is_int(s, n) || sx_csv_is_decimal(s, n)) {
				sx_buf_append(b, s, n);
				return 0;
			}
		} else if (n == 4 && !memcmp(s, "true", 4)) {
			sx_buf_append(b, "true", 4);
			return 0;
		} else if (n == 5 && !memcmp(s, "false", 5)) {
			sx_buf_append(b, "false", 5);
			return 0;
		}
		break;
	case SX_COL_STRING:
		break;
	case SX_COL_INT:
		if (!(c = cstr(s, n, tmp, sizeof tmp)))
			goto bad;
		errno = 0;
		long long v = strtoll(c, &end, 10);
		if (errno || end != c + n || end == c) /* all n bytes: a NUL is no end */
			goto bad;
		sx_buf_printf(b, "%lld", v);
		return 0;
	case SX_COL_FLOAT: {
		if (sx_csv_is_int(s, n) || sx_csv_is_decimal(s, n)) {
			double d;
			if (sx_json_number_to_double(s, n, &d) < 0)
				goto bad;
			if (sx_csv_is_decimal(s, n)) {
				sx_buf_append(b, s, n);
			} else {
				char f[32];
				sx_buf_append(b, f, sx_json_fmt_double(d, f));
			}
			return 0;
		}
		if (!(c = cstr(s, n, tmp, sizeof tmp)))
			goto bad;
		errno = 0;
		double d = strtod(c, &end);
		if (errno || end != c + n || end == c || !isfinite(d))
			goto bad;
		char f[32];
		sx_buf_append(b, f, sx_json_fmt_double(d, f));
		return 0;
	}
	case SX_COL_BOOL:
		if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 1 && s[0] == '1') ||
		    (n == 3 && !strncasecmp(s, "yes", 3))) {
			sx_buf_append(b, "true", 4);
			return 0;
		}
		if ((n == 5 && !strncasecmp(s, "false", 5)) || (n == 1 && s[0] == '0') ||
		    (n == 2 && !strncasecmp(s, "no", 2))) {
			sx_buf_append(b, "false", 5);
			return 0;
		}
		goto bad;
	case SX_COL_TIME: {
		sx_time_t t;
		if (sx_time_parse(s, n, &t) < 0 && sx_time_from_number(s, n, unit, &t) < 0)
			goto bad;
		char f[SX_TIME_BUFSIZE];
		size_t fl = sx_time_format(t, f);
		sx_buf_putc(b, '"');
		sx_buf_append(b, f, fl);
		sx_buf_putc(b, '"');
		return 0;
	}
	}
	return quote_string(b, s, n, why);
bad:
	if (type == SX_COL_TIME) {
		/* name the fix as -t does ("add --time-unit ms"...); error path only */
		static struct sx_buf why_text;
		*why = sx_time_why(s, n, unit, NULL, 1, &why_text);
		return -1;
	}
	*why = type == SX_COL_INT ? "value is not an int" : type == SX_COL_FLOAT ? "value is not a float"
	     : "value is not a bool";
	return -1;
}

static struct sx_csv_field *new_field(struct sx_csv *c)
{
	SX_GROW(c->f, c->n + 1, c->cap);
	return &c->f[c->n++];
}

static void on_field(void *s, size_t len, void *ctx)
{
	struct sx_csv *c = ctx;
	struct sx_csv_field *f = new_field(c);
	f->is_null = s == NULL;
	f->off = c->data.len;
	f->len = len;
	if (s)
		sx_buf_append(&c->data, s, len);
	sx_buf_putc(&c->data, '\0');
}

static void on_row(int term, void *ctx)
{
	(void)term;
	struct sx_csv *c = ctx;
	c->on_row(c, c->ctx);
	c->n = 0;
	sx_buf_reset(&c->data);
}

static int no_space(unsigned char ch)
{
	(void)ch;
	return 0; /* never trim: values keep their spaces */
}

static void reset_parser(struct sx_csv *c)
{
	if (csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0)
		sx_die(SX_EXIT_FAIL, "cannot initialise the CSV parser");
	csv_set_delim(&c->p, c->delim);
	csv_set_space_func(&c->p, no_space);
	csv_set_realloc_func(&c->p, sx_xrealloc);
	c->n = 0;
	sx_buf_reset(&c->data);
}

void sx_csv_init(struct sx_csv *c, unsigned char delim, void (*row)(struct sx_csv *, void *), void *ctx)
{
	memset(c, 0, sizeof *c);
	c->delim = delim;
	c->on_row = row;
	c->ctx = ctx;
	reset_parser(c);
}

/* The common case without libcsv: a whole line with no quote and no bare CR
 * (which libcsv would take as a row end) is its delimiter-separated bytes.
 * libcsv's byte-at-a-time state machine is most of sx-ingest's CSV time;
 * quoted rows, and lines that continue or end one, still go through it. */
static int plain_line(struct sx_csv *c, const char *p, size_t n)
{
	if (n == 0 || p[n - 1] != '\n' || sx_csv_in_row(c))
		return 0;
	size_t len = n - 1;
	if (len && p[len - 1] == '\r')
		len--;
	if (memchr(p, '"', len) || memchr(p, '\r', len))
		return 0;
	if (len == 0)
		return 1; /* a blank line: no row, as libcsv */
	sx_buf_reserve(&c->data, len + 1);
	char *d = c->data.data;
	memcpy(d, p, len);
	d[len] = '\0';
	size_t start = 0;
	for (;;) {
		const char *q = memchr(d + start, c->delim, len - start);
		size_t stop = q ? (size_t)(q - d) : len;
		struct sx_csv_field *f = new_field(c);
		f->off = start;
		f->len = stop - start;
		f->is_null = f->len == 0; /* CSV_EMPTY_IS_NULL */
		d[stop] = '\0';
		if (!q)
			break;
		start = stop + 1;
	}
	c->data.len = len + 1;
	on_row(0, c);
	return 1;
}

int sx_csv_feed(struct sx_csv *c, const char *p, size_t n)
{
	if (plain_line(c, p, n))
		return 0;
	/* libcsv grows a field's buffer by blk_size at a time (128 bytes by
	 * default): a 10 MB field would take 80,000 reallocs, quadratic where
	 * realloc copies.  Grow by at least this chunk, and geometrically. */
	size_t blk = n > c->p.entry_size ? n : c->p.entry_size;
	csv_set_blk_size(&c->p, blk > 128 ? blk : 128);
	if (csv_parse(&c->p, p, n, on_field, on_row, c) != n) {
		csv_free(&c->p);
		reset_parser(c);
		return -1;
	}
	return 0;
}

int sx_csv_finish(struct sx_csv *c)
{
	if (csv_fini(&c->p, on_field, on_row, c) != 0) {
		csv_free(&c->p);
		reset_parser(c);
		return -1;
	}
	return 0;
}

void sx_csv_reset(struct sx_csv *c)
{
	csv_free(&c->p);
	reset_parser(c);
}

int sx_csv_in_row(const struct sx_csv *c)
{
	/* libcsv keeps its state private: a row is open when it holds fields or
	 * a partial field. */
	return c->n > 0 || c->p.pstate != 0 || c->p.entry_pos > 0;
}

void sx_csv_free(struct sx_csv *c)
{
	csv_free(&c->p);
	free(c->f);
	sx_buf_free(&c->data);
}
