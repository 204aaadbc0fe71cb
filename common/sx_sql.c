/* sx_sql.c - SQL dialects: quoting, types, statements (see sx_sql.h). */
#include "sx_sql.h"
#include "sx_time.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int sx_sql_dialect_parse(const char *s, enum sx_sql_dialect *out)
{
	if (!strcmp(s, "sqlite") || !strcmp(s, "sqlite3"))
		*out = SX_SQL_SQLITE;
	else if (!strcmp(s, "postgres") || !strcmp(s, "postgresql") || !strcmp(s, "pg"))
		*out = SX_SQL_POSTGRES;
	else if (!strcmp(s, "tsql") || !strcmp(s, "mssql") || !strcmp(s, "sqlserver"))
		*out = SX_SQL_TSQL;
	else
		return -1;
	return 0;
}

const char *sx_sql_dialect_name(enum sx_sql_dialect d)
{
	static const char *names[] = { "SQLite", "PostgreSQL", "T-SQL" };
	return names[d];
}

int sx_sql_type_parse(const char *s, enum sx_sql_type *out)
{
	static const struct { const char *name; enum sx_sql_type t; } names[] = {
		{ "int", SX_SQLT_INT }, { "integer", SX_SQLT_INT }, { "bigint", SX_SQLT_INT },
		{ "float", SX_SQLT_FLOAT }, { "double", SX_SQLT_FLOAT }, { "real", SX_SQLT_FLOAT },
		{ "bool", SX_SQLT_BOOL }, { "boolean", SX_SQLT_BOOL },
		{ "time", SX_SQLT_TIME }, { "timestamp", SX_SQLT_TIME },
		{ "text", SX_SQLT_TEXT }, { "string", SX_SQLT_TEXT },
		{ "json", SX_SQLT_JSON },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcasecmp(s, names[i].name)) {
			*out = names[i].t;
			return 0;
		}
	return -1;
}

const char *sx_sql_type_label(enum sx_sql_type t)
{
	static const char *names[] = { "none", "integer", "float", "boolean", "timestamp", "text", "json" };
	return names[t];
}

const char *sx_sql_type_decl(enum sx_sql_dialect d, enum sx_sql_type t, int is_key)
{
	static const char *decl[3][7] = {
		{ "", "INTEGER", "REAL", "BOOLEAN", "TEXT", "TEXT", "TEXT" },
		{ "text", "bigint", "double precision", "boolean", "timestamptz", "text", "jsonb" },
		{ "NVARCHAR(MAX)", "BIGINT", "FLOAT", "BIT", "DATETIMEOFFSET", "NVARCHAR(MAX)", "NVARCHAR(MAX)" },
	};
	if (d == SX_SQL_TSQL && is_key && (t == SX_SQLT_NONE || t == SX_SQLT_TEXT || t == SX_SQLT_JSON))
		return "NVARCHAR(450)";
	return decl[d][t];
}

size_t sx_sql_max_columns(enum sx_sql_dialect d)
{
	return d == SX_SQL_SQLITE ? 2000 : d == SX_SQL_POSTGRES ? 1600 : 1024;
}

/* UTF-16 code units of valid UTF-8 (T-SQL counts identifier length so). */
static size_t utf16_units(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) != 0x80)
			n += c >= 0xF0 ? 2 : 1;
	}
	return n;
}

int sx_sql_ident_check(enum sx_sql_dialect d, const char *name, size_t len, const char **why)
{
	if (len == 0) {
		*why = "an empty name cannot be an identifier";
		return -1;
	}
	if (memchr(name, '\0', len)) {
		*why = "a name holding a NUL character cannot be an identifier";
		return -1;
	}
	if (d == SX_SQL_SQLITE && memchr(name, '\r', len)) {
		/* a quoted identifier cannot be spliced like a literal (char(13)) */
		*why = "a name holding a carriage return cannot be a SQLite identifier "
		       "(the sqlite3 shell drops a CR before a line end)";
		return -1;
	}
	if (d == SX_SQL_POSTGRES && len > 63) {
		*why = "name longer than 63 bytes (PostgreSQL would truncate it)";
		return -1;
	}
	if (d == SX_SQL_TSQL) {
		if (utf16_units(name, len) > 128) {
			*why = "name longer than 128 characters (T-SQL's limit)";
			return -1;
		}
		for (size_t i = 0; i < len; i++) {
			if (name[i] == '\n' || name[i] == '\r') {
				*why = "a name holding a line break cannot be a T-SQL identifier (sqlcmd reads lines)";
				return -1;
			}
			if (name[i] == '$' && i + 1 < len && name[i + 1] == '(') {
				*why = "a name holding \"$(\" cannot be a T-SQL identifier (sqlcmd would substitute it)";
				return -1;
			}
		}
	}
	return 0;
}

void sx_sql_ident(struct sx_buf *b, enum sx_sql_dialect d, const char *name, size_t len)
{
	char open = d == SX_SQL_TSQL ? '[' : '"', close = d == SX_SQL_TSQL ? ']' : '"';
	sx_buf_reserve(b, len + 2);
	sx_buf_putc(b, open);
	const char *p = name, *end = name + len, *q;
	while ((q = memchr(p, close, (size_t)(end - p))) != NULL) {
		sx_buf_append(b, p, (size_t)(q - p) + 1);
		sx_buf_putc(b, close);
		p = q + 1;
	}
	sx_buf_append(b, p, (size_t)(end - p));
	sx_buf_putc(b, close);
}

int sx_sql_table_check(enum sx_sql_dialect d, const char *name, const char **why)
{
	const char *p = name;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (sx_sql_ident_check(d, p, len, why) < 0)
			return -1;
		if (!dot)
			return 0;
		p = dot + 1;
	}
}

void sx_sql_table(struct sx_buf *b, enum sx_sql_dialect d, const char *name)
{
	const char *p = name;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		sx_sql_ident(b, d, p, len);
		if (!dot)
			return;
		sx_buf_putc(b, '.');
		p = dot + 1;
	}
}

/* 'text' with '' doubled, for [s, s+len) which holds no quote-breaking NUL. */
static void quote_plain(struct sx_buf *b, const char *prefix, const char *s, size_t len, int double_bs)
{
	sx_buf_reserve(b, len + 4);
	sx_buf_puts(b, prefix);
	const char *p = s, *end = s + len;
	for (const char *q = s; q < end; q++) {
		if (*q == '\'' || (double_bs && *q == '\\')) {
			sx_buf_append(b, p, (size_t)(q - p) + 1);
			sx_buf_putc(b, *q);
			p = q + 1;
		}
	}
	sx_buf_append(b, p, (size_t)(end - p));
	sx_buf_putc(b, '\'');
}

/* Bytes the sqlite3 shell would not read back from inside a literal: NUL
 * ends the text, and a CR before a line end is stripped by its line reader. */
static int sqlite_special(char c)
{
	return c == '\0' || c == '\r';
}

static void str_sqlite(struct sx_buf *b, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	while (p < end && !sqlite_special(*p))
		p++;
	if (p == end) {
		quote_plain(b, "'", s, len, 0);
		return;
	}
	/* 'a'||char(0,13)||'b': text that reads back byte for byte. */
	p = s;
	int first = 1;
	while (p < end) {
		if (!first)
			sx_buf_puts(b, "||");
		first = 0;
		if (sqlite_special(*p)) {
			sx_buf_puts(b, *p ? "char(13" : "char(0");
			for (p++; p < end && sqlite_special(*p); p++)
				sx_buf_puts(b, *p ? ",13" : ",0");
			sx_buf_putc(b, ')');
		} else {
			const char *q = p;
			while (q < end && !sqlite_special(*q))
				q++;
			quote_plain(b, "'", p, (size_t)(q - p), 0);
			p = q;
		}
	}
}

static void str_postgres(struct sx_buf *b, const char *s, size_t len)
{
	/* E'' means the same whatever standard_conforming_strings says. */
	if (memchr(s, '\\', len))
		quote_plain(b, "E'", s, len, 1);
	else
		quote_plain(b, "'", s, len, 0);
}

static int tsql_special(const char *p, const char *end)
{
	return *p == '\n' || *p == '\r' || *p == '\0' || (*p == '$' && p + 1 < end && p[1] == '(');
}

static void str_tsql(struct sx_buf *b, const char *s, size_t len)
{
	const char *end = s + len;
	int concat = 0;
	for (const char *q = s; q < end; q++)
		if (tsql_special(q, end)) {
			concat = 1;
			break;
		}
	if (!concat) {
		quote_plain(b, "N'", s, len, 0);
		return;
	}
	/* N'a' + NCHAR(10) + N'b$' + N'(c)': no raw line break (sqlcmd reads
	 * GO and :commands from lines) and no "$(" for sqlcmd to substitute.
	 * NVARCHAR(MAX) first, or '+' would truncate at 4000 characters. */
	sx_buf_puts(b, "CONVERT(NVARCHAR(MAX),");
	const char *p = s;
	int first = 1;
	while (p < end) {
		if (!first)
			sx_buf_puts(b, "+");
		if (*p == '\n' || *p == '\r' || *p == '\0') {
			sx_buf_puts(b, *p == '\n' ? "NCHAR(10)" : *p == '\r' ? "NCHAR(13)" : "NCHAR(0)");
			p++;
		} else {
			/* a run up to the next special; "$(" splits after the '$' */
			const char *q = p;
			while (q < end && !(*q == '\n' || *q == '\r' || *q == '\0')) {
				if (*q == '$' && q + 1 < end && q[1] == '(' ) {
					q++;
					break;
				}
				q++;
			}
			quote_plain(b, "N'", p, (size_t)(q - p), 0);
			p = q;
		}
		if (first)
			sx_buf_putc(b, ')');
		first = 0;
	}
}

void sx_sql_str(struct sx_buf *b, enum sx_sql_dialect d, const char *s, size_t len)
{
	switch (d) {
	case SX_SQL_SQLITE: str_sqlite(b, s, len); break;
	case SX_SQL_POSTGRES: str_postgres(b, s, len); break;
	case SX_SQL_TSQL: str_tsql(b, s, len); break;
	}
}

void sx_sql_copy_str(struct sx_buf *b, const char *s, size_t len)
{
	sx_buf_reserve(b, len);
	const char *p = s, *end = s + len;
	for (const char *q = s; q < end; q++) {
		char e;
		switch (*q) {
		case '\\': e = '\\'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		default: continue;
		}
		sx_buf_append(b, p, (size_t)(q - p));
		sx_buf_putc(b, '\\');
		sx_buf_putc(b, e);
		p = q + 1;
	}
	sx_buf_append(b, p, (size_t)(end - p));
}

/* ---- Types and values ---- */

static int number_is_integral(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
			return 0;
	return 1;
}

/* An integral JSON number (optional '-', digits without leading zeros)
 * within the 64-bit range that bigint, BIGINT and SQLite's INTEGER hold. */
static int integer_fits_int64(const char *s, size_t len)
{
	int neg = len > 0 && s[0] == '-';
	const char *d = s + neg;
	size_t n = len - (size_t)neg;
	if (n != 19)
		return n < 19;
	return memcmp(d, neg ? "9223372036854775808" : "9223372036854775807", 19) <= 0;
}

/* An integer column's number: integral and 64-bit. */
static int number_is_int64(const char *s, size_t len)
{
	return number_is_integral(s, len) && integer_fits_int64(s, len);
}

int sx_sql_number_fits_double(const char *s, size_t len)
{
	/* Fast path, no conversion: a mantissa of M characters scaled by 10^E
	 * lies within 1e-(M+|E|) .. 1e(M+|E|), far inside a double's range
	 * (about 1e-308 .. 1.8e308) while M + |E| stays under 290. */
	size_t m = 0;
	while (m < len && s[m] != 'e' && s[m] != 'E')
		m++;
	long ex = 0;
	for (size_t i = m + 1; i < len && ex < 1000; i++)
		if (s[i] >= '0' && s[i] <= '9')
			ex = ex * 10 + (s[i] - '0');
	if ((long)m + ex < 290)
		return 1;
	char buf[64];
	struct sx_buf big = SX_BUF_INIT;
	const char *z = buf;
	if (len < sizeof buf) {
		memcpy(buf, s, len);
		buf[len] = '\0';
	} else {
		sx_buf_append(&big, s, len); /* rare: a number of 64 characters or more */
		sx_buf_putc(&big, '\0');
		z = big.data;
	}
	errno = 0;
	char *end;
	double v = strtod(z, &end);
	/* beyond it: infinity; below the smallest subnormal: 0 with ERANGE
	 * (a zero written as 0e-400 is no underflow) */
	int fits = end != z && isfinite(v) && !(errno == ERANGE && v == 0);
	sx_buf_free(&big);
	return fits;
}

/* Strictly a JSON number (so it can be written into SQL unquoted). */
static int is_json_number(const char *s, size_t len, int integral_only)
{
	size_t i = 0;
	if (i < len && s[i] == '-')
		i++;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return 0;
	if (s[i] == '0')
		i++;
	else
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	if (i < len && s[i] == '.') {
		if (integral_only)
			return 0;
		i++;
		size_t d = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		if (integral_only)
			return 0;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t d = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	return i == len;
}

/* A full date and time, not a bare date or some other string. */
static int looks_like_time(const char *s, size_t len, sx_time_t *t)
{
	if (len < 16 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return 0;
	return sx_time_parse(s, len, t) == 0;
}

enum sx_sql_type sx_sql_infer(const struct sx_field *f, struct sx_buf *scratch)
{
	switch (f->type) {
	case SX_JNULL: return SX_SQLT_NONE;
	case SX_JTRUE: case SX_JFALSE: return SX_SQLT_BOOL;
	/* an integer beyond 64 bits would not fit an integer column: float */
	case SX_JNUMBER: return number_is_int64(f->val, f->val_len) ? SX_SQLT_INT : SX_SQLT_FLOAT;
	case SX_JOBJECT: case SX_JARRAY: return SX_SQLT_JSON;
	default: break;
	}
	const char *s;
	size_t len;
	sx_buf_reset(scratch);
	sx_field_str(f, scratch, &s, &len);
	sx_time_t t;
	return looks_like_time(s, len, &t) ? SX_SQLT_TIME : SX_SQLT_TEXT;
}

enum sx_sql_type sx_sql_widen(enum sx_sql_type a, enum sx_sql_type b)
{
	if (a == b || b == SX_SQLT_NONE)
		return a;
	if (a == SX_SQLT_NONE)
		return b;
	if ((a == SX_SQLT_INT && b == SX_SQLT_FLOAT) || (a == SX_SQLT_FLOAT && b == SX_SQLT_INT))
		return SX_SQLT_FLOAT;
	return SX_SQLT_TEXT;
}

/* "\u0000" in raw JSON text, counting the backslashes before it. */
static int json_has_nul_escape(const char *s, size_t len)
{
	for (size_t i = 0; i + 6 <= len; i++) {
		if (memcmp(s + i, "\\u0000", 6) != 0)
			continue;
		size_t bs = 0;
		while (bs < i && s[i - 1 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			return 1;
	}
	return 0;
}

int sx_sql_value_check(enum sx_sql_dialect d, const struct sx_field *f, struct sx_buf *scratch,
		       const char **why)
{
	(void)scratch;
	if (d != SX_SQL_POSTGRES)
		return 0;
	if ((f->type == SX_JSTRING && f->val_esc) || f->type == SX_JOBJECT || f->type == SX_JARRAY) {
		if (json_has_nul_escape(f->val, f->val_len)) {
			*why = "NUL character (\\u0000): PostgreSQL text and jsonb cannot hold it";
			return -1;
		}
	}
	return 0;
}

static void put_null(struct sx_buf *b, int copy)
{
	sx_buf_puts(b, copy ? "\\N" : "NULL");
}

/* A string value: literal or COPY text. */
static void put_str(struct sx_buf *b, enum sx_sql_dialect d, int copy, const char *s, size_t len)
{
	if (copy)
		sx_sql_copy_str(b, s, len);
	else
		sx_sql_str(b, d, s, len);
}

static void put_bool(struct sx_buf *b, enum sx_sql_dialect d, int copy, int v)
{
	if (copy)
		sx_buf_putc(b, v ? 't' : 'f');
	else if (d == SX_SQL_POSTGRES)
		sx_buf_puts(b, v ? "TRUE" : "FALSE");
	else
		sx_buf_putc(b, v ? '1' : '0');
}

/* A number written unquoted; T-SQL float columns get an exponent so every
 * value in a VALUES column is a float (T-SQL types VALUES columns by
 * precedence across rows, and decimal literals can overflow). */
static void put_number(struct sx_buf *b, enum sx_sql_dialect d, int copy, enum sx_sql_type t,
		       const char *s, size_t len)
{
	sx_buf_append(b, s, len);
	if (!copy && d == SX_SQL_TSQL && t == SX_SQLT_FLOAT && !memchr(s, 'e', len) && !memchr(s, 'E', len))
		sx_buf_puts(b, "E0");
}

/* S, a time sx_time_parse accepted, is exactly what sx_time_format writes for
 * it: YYYY-MM-DDTHH:MM:SS.mmmZ, or .uuuuuuZ when the last three digits are not
 * 000, upper-case T and Z, and no leap second (:60 rolls to the next minute).
 * The parse reads fixed-width fields, so the separators' places and the length
 * pin down the rest. */
static int time_is_canonical(const char *s, size_t len)
{
	if ((len != 24 && len != 27) || s[10] != 'T' || s[16] != ':' || s[19] != '.' ||
	    s[len - 1] != 'Z' || s[17] > '5')
		return 0;
	return len == 24 || s[23] != '0' || s[24] != '0' || s[25] != '0';
}

/* The JSON text of a value, compact, as a string. */
static void put_json_text(struct sx_buf *b, enum sx_sql_dialect d, int copy, const struct sx_field *f,
			  struct sx_buf *scratch)
{
	sx_buf_reset(scratch);
	sx_json_compact_buf(scratch, f->val, f->val_len);
	put_str(b, d, copy, scratch->data, scratch->len);
}

int sx_sql_value(struct sx_buf *b, enum sx_sql_dialect d, int copy, enum sx_sql_type t,
		 const struct sx_field *f, struct sx_buf *scratch, const char **why)
{
	const char *s;
	size_t len;
	if (f->type == SX_JNULL) {
		put_null(b, copy);
		return 0;
	}
	if (t == SX_SQLT_JSON) {
		put_json_text(b, d, copy, f, scratch);
		return 0;
	}
	if (t == SX_SQLT_NONE) {
		/* the value's own type */
		if (f->type == SX_JNUMBER)
			t = number_is_int64(f->val, f->val_len) ? SX_SQLT_INT : SX_SQLT_FLOAT;
		else if (f->type == SX_JTRUE || f->type == SX_JFALSE)
			t = SX_SQLT_BOOL;
		else if (f->type == SX_JOBJECT || f->type == SX_JARRAY)
			t = SX_SQLT_JSON;
		else
			t = SX_SQLT_TEXT;
		if (t == SX_SQLT_JSON) {
			put_json_text(b, d, copy, f, scratch);
			return 0;
		}
	}
	const char *reason_text = NULL;
	switch (t) {
	case SX_SQLT_INT:
	case SX_SQLT_FLOAT: {
		int integral = t == SX_SQLT_INT;
		if (f->type == SX_JNUMBER) {
			s = f->val;
			len = f->val_len;
			if (integral && !number_is_integral(s, len))
				break;
		} else if (f->type == SX_JSTRING) {
			sx_buf_reset(scratch);
			sx_field_str(f, scratch, &s, &len);
			if (!is_json_number(s, len, integral))
				break;
		} else {
			break;
		}
		if (integral && !integer_fits_int64(s, len)) {
			reason_text = "integer beyond the 64-bit range";
			break;
		}
		if (!integral && !sx_sql_number_fits_double(s, len)) {
			/* PostgreSQL and T-SQL would refuse the statement, SQLite store Inf */
			reason_text = "number beyond the range of a double";
			break;
		}
		put_number(b, d, copy, t, s, len);
		return 0;
	}
	case SX_SQLT_BOOL:
		if (f->type == SX_JTRUE || f->type == SX_JFALSE) {
			put_bool(b, d, copy, f->type == SX_JTRUE);
			return 0;
		}
		if (f->type == SX_JNUMBER || f->type == SX_JSTRING) {
			if (f->type == SX_JSTRING) {
				sx_buf_reset(scratch);
				sx_field_str(f, scratch, &s, &len);
			} else {
				s = f->val;
				len = f->val_len;
			}
			if ((len == 1 && (*s == '1' || *s == '0')) ||
			    (f->type == SX_JSTRING && len == 4 && !strncasecmp(s, "true", 4)) ||
			    (f->type == SX_JSTRING && len == 5 && !strncasecmp(s, "false", 5))) {
				put_bool(b, d, copy, *s == '1' || *s == 't' || *s == 'T');
				return 0;
			}
		}
		break;
	case SX_SQLT_TIME: {
		if (f->type != SX_JSTRING)
			break;
		sx_buf_reset(scratch);
		sx_field_str(f, scratch, &s, &len);
		sx_time_t tv;
		if (sx_time_parse(s, len, &tv) < 0)
			break;
		if (time_is_canonical(s, len)) {
			/* already what sx_time_format would write: skip the round trip */
			put_str(b, d, copy, s, len);
			return 0;
		}
		char tb[SX_TIME_BUFSIZE];
		size_t n = sx_time_format(tv, tb);
		put_str(b, d, copy, tb, n);
		return 0;
	}
	case SX_SQLT_TEXT:
		if (f->type == SX_JSTRING) {
			sx_buf_reset(scratch);
			sx_field_str(f, scratch, &s, &len);
			put_str(b, d, copy, s, len);
		} else if (f->type == SX_JOBJECT || f->type == SX_JARRAY) {
			put_json_text(b, d, copy, f, scratch);
		} else {
			/* numbers as written, true/false */
			put_str(b, d, copy, f->val, f->val_len);
		}
		return 0;
	default:
		break;
	}
	static char reason[64];
	if (reason_text)
		snprintf(reason, sizeof reason, "%s", reason_text);
	else
		snprintf(reason, sizeof reason, "value is not %s %s",
			 t == SX_SQLT_INT ? "an" : "a", sx_sql_type_label(t));
	*why = reason;
	return -1;
}

/* ---- Statements ---- */

void sx_sql_prologue(struct sx_buf *b, enum sx_sql_dialect d)
{
	if (d == SX_SQL_TSQL)
		sx_buf_puts(b, "SET NOCOUNT ON;\nSET XACT_ABORT ON;\nGO\n");
	else if (d == SX_SQL_POSTGRES)
		/* the script is UTF-8 whatever PGCLIENTENCODING or the locale say */
		sx_buf_puts(b, "SET client_encoding = 'UTF8';\n");
}

void sx_sql_begin(struct sx_buf *b, enum sx_sql_dialect d)
{
	sx_buf_puts(b, d == SX_SQL_TSQL ? "BEGIN TRANSACTION;\n" : "BEGIN;\n");
}

void sx_sql_commit(struct sx_buf *b, enum sx_sql_dialect d)
{
	sx_buf_puts(b, d == SX_SQL_TSQL ? "COMMIT TRANSACTION;\nGO\n" : "COMMIT;\n");
}

void sx_sql_rollback(struct sx_buf *b, enum sx_sql_dialect d)
{
	sx_buf_puts(b, d == SX_SQL_TSQL ? "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;\nGO\n" : "ROLLBACK;\n");
}

static void col_name(struct sx_buf *b, const struct sx_sql_target *t, size_t i)
{
	sx_sql_ident(b, t->d, t->cols[i].name, t->cols[i].len);
}

/* "a","b","c" (with `prefix.` before each when prefix is set) */
static void col_list(struct sx_buf *b, const struct sx_sql_target *t, const char *prefix)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			sx_buf_putc(b, ',');
		if (prefix)
			sx_buf_puts(b, prefix);
		col_name(b, t, i);
	}
}

/* N'[schema].[t]' for OBJECT_ID and COL_LENGTH. */
static void tsql_name_literal(struct sx_buf *b, const struct sx_sql_target *t)
{
	struct sx_buf q = SX_BUF_INIT;
	sx_sql_table(&q, t->d, t->table);
	sx_sql_str(b, t->d, q.data, q.len);
	sx_buf_free(&q);
}

void sx_sql_create(struct sx_buf *b, const struct sx_sql_target *t)
{
	if (t->d == SX_SQL_TSQL) {
		sx_buf_puts(b, "IF OBJECT_ID(");
		tsql_name_literal(b, t);
		sx_buf_puts(b, ", N'U') IS NULL\nCREATE TABLE ");
	} else {
		sx_buf_puts(b, "CREATE TABLE IF NOT EXISTS ");
	}
	sx_sql_table(b, t->d, t->table);
	sx_buf_puts(b, " (\n");
	for (size_t i = 0; i < t->ncols; i++) {
		sx_buf_puts(b, "  ");
		col_name(b, t, i);
		const char *decl = sx_sql_type_decl(t->d, t->cols[i].type, t->cols[i].is_key);
		if (*decl) {
			sx_buf_putc(b, ' ');
			sx_buf_puts(b, decl);
		}
		if (t->cols[i].is_key)
			sx_buf_puts(b, " NOT NULL");
		if (i + 1 < t->ncols || t->nkeys)
			sx_buf_putc(b, ',');
		sx_buf_putc(b, '\n');
	}
	if (t->nkeys) {
		sx_buf_puts(b, "  PRIMARY KEY (");
		for (size_t k = 0; k < t->nkeys; k++) {
			if (k)
				sx_buf_putc(b, ',');
			col_name(b, t, t->keys[k]);
		}
		sx_buf_puts(b, ")\n");
	}
	sx_buf_puts(b, t->d == SX_SQL_TSQL ? ");\nGO\n" : ");\n");
}

void sx_sql_add_column(struct sx_buf *b, const struct sx_sql_target *t, size_t i)
{
	const char *decl = sx_sql_type_decl(t->d, t->cols[i].type, 0);
	switch (t->d) {
	case SX_SQL_SQLITE:
	case SX_SQL_POSTGRES:
		sx_buf_puts(b, "ALTER TABLE ");
		sx_sql_table(b, t->d, t->table);
		sx_buf_puts(b, t->d == SX_SQL_POSTGRES ? " ADD COLUMN IF NOT EXISTS " : " ADD COLUMN ");
		col_name(b, t, i);
		sx_buf_putc(b, ' ');
		sx_buf_puts(b, decl);
		sx_buf_puts(b, ";\n");
		break;
	case SX_SQL_TSQL:
		sx_buf_puts(b, "IF COL_LENGTH(");
		tsql_name_literal(b, t);
		sx_buf_puts(b, ", ");
		sx_sql_str(b, t->d, t->cols[i].name, t->cols[i].len);
		sx_buf_puts(b, ") IS NULL ALTER TABLE ");
		sx_sql_table(b, t->d, t->table);
		sx_buf_puts(b, " ADD ");
		col_name(b, t, i);
		sx_buf_putc(b, ' ');
		sx_buf_puts(b, decl);
		/* GO: later statements must compile against the new column */
		sx_buf_puts(b, " NULL;\nGO\n");
		break;
	}
}

/* PostgreSQL: BODY (a statement) run only when COND (an SQL condition)
 * holds, as DO $tag$BEGIN IF COND THEN BODY END IF; END$tag$; with a
 * dollar-quote tag that occurs in neither (names are arbitrary text). */
static void pg_do_if(struct sx_buf *b, const char *cond, size_t clen, const char *body, size_t blen)
{
	char tag[32];
	for (unsigned n = 0;; n++) {
		if (n)
			snprintf(tag, sizeof tag, "$sx%u$", n);
		else
			snprintf(tag, sizeof tag, "$sx$");
		size_t tl = strlen(tag);
		struct sx_buf all = SX_BUF_INIT;
		sx_buf_append(&all, cond, clen);
		sx_buf_putc(&all, '\n');
		sx_buf_append(&all, body, blen);
		sx_buf_putc(&all, '\0');
		int clash = 0;
		for (const char *q = all.data; (q = strchr(q, '$')) != NULL; q++)
			if (!strncmp(q, tag, tl)) {
				clash = 1;
				break;
			}
		sx_buf_free(&all);
		if (!clash)
			break;
	}
	sx_buf_puts(b, "DO ");
	sx_buf_puts(b, tag);
	sx_buf_puts(b, "BEGIN IF ");
	sx_buf_append(b, cond, clen);
	sx_buf_puts(b, " THEN ");
	sx_buf_append(b, body, blen);
	sx_buf_puts(b, " END IF; END");
	sx_buf_puts(b, tag);
	sx_buf_puts(b, ";\n");
}

/* T-SQL: the catalog view sys.columns of the table's database
 * ([db].sys.columns for a db.schema.table name). */
static void tsql_sys_columns(struct sx_buf *b, const char *table)
{
	size_t parts = 1;
	for (const char *p = table; (p = strchr(p, '.')) != NULL; p++)
		parts++;
	/* every part before schema.table: [db]. (or [server].[db].) */
	const char *p = table;
	for (size_t k = 0; k + 2 < parts; k++) {
		const char *dot = strchr(p, '.');
		sx_sql_ident(b, SX_SQL_TSQL, p, (size_t)(dot - p));
		sx_buf_putc(b, '.');
		p = dot + 1;
	}
	sx_buf_puts(b, "sys.columns");
}

void sx_sql_widen_column(struct sx_buf *b, const struct sx_sql_target *t, size_t i)
{
	const char *decl = sx_sql_type_decl(t->d, t->cols[i].type, 0);
	struct sx_buf cond = SX_BUF_INIT, body = SX_BUF_INIT, q = SX_BUF_INIT;
	switch (t->d) {
	case SX_SQL_SQLITE:
		break; /* INTEGER affinity stores a REAL as it is */
	case SX_SQL_POSTGRES:
		sx_sql_table(&q, t->d, t->table);
		sx_buf_puts(&cond, "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(");
		sx_sql_str(&cond, t->d, q.data, q.len);
		sx_buf_puts(&cond, ") AND attname = ");
		sx_sql_str(&cond, t->d, t->cols[i].name, t->cols[i].len);
		sx_buf_puts(&cond, " AND NOT attisdropped AND atttypid IN "
			    "('bigint'::regtype, 'integer'::regtype, 'smallint'::regtype))");
		sx_buf_puts(&body, "ALTER TABLE ");
		sx_buf_append(&body, q.data, q.len);
		sx_buf_puts(&body, " ALTER COLUMN ");
		col_name(&body, t, i);
		sx_buf_puts(&body, " TYPE ");
		sx_buf_puts(&body, decl);
		sx_buf_putc(&body, ';');
		pg_do_if(b, cond.data, cond.len, body.data, body.len);
		break;
	case SX_SQL_TSQL:
		sx_buf_puts(b, "IF EXISTS (SELECT 1 FROM ");
		tsql_sys_columns(b, t->table);
		sx_buf_puts(b, " WHERE object_id = OBJECT_ID(");
		tsql_name_literal(b, t);
		sx_buf_puts(b, ") AND name = ");
		sx_sql_str(b, t->d, t->cols[i].name, t->cols[i].len);
		sx_buf_puts(b, " AND TYPE_NAME(system_type_id) IN (N'bigint', N'int', N'smallint', N'tinyint'))"
			    " ALTER TABLE ");
		sx_sql_table(b, t->d, t->table);
		sx_buf_puts(b, " ALTER COLUMN ");
		col_name(b, t, i);
		sx_buf_putc(b, ' ');
		sx_buf_puts(b, decl);
		/* GO: later statements must compile against the new type */
		sx_buf_puts(b, " NULL;\nGO\n");
		break;
	}
	sx_buf_free(&cond);
	sx_buf_free(&body);
	sx_buf_free(&q);
}

static int has_non_key(const struct sx_sql_target *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!t->cols[i].is_key)
			return 1;
	return 0;
}

void sx_sql_insert_head(struct sx_buf *b, const struct sx_sql_target *t, int upsert)
{
	if (upsert && t->d == SX_SQL_TSQL) {
		sx_buf_puts(b, "MERGE INTO ");
		sx_sql_table(b, t->d, t->table);
		sx_buf_puts(b, " WITH (HOLDLOCK) AS [tgt]\nUSING (VALUES\n");
		return;
	}
	sx_buf_puts(b, "INSERT INTO ");
	sx_sql_table(b, t->d, t->table);
	sx_buf_puts(b, " (");
	col_list(b, t, NULL);
	sx_buf_puts(b, ") VALUES\n");
}

void sx_sql_insert_defaults(struct sx_buf *b, const struct sx_sql_target *t)
{
	sx_buf_puts(b, "INSERT INTO ");
	sx_sql_table(b, t->d, t->table);
	sx_buf_puts(b, " DEFAULT VALUES;\n");
}

/* "c"=SRC"c",... for each column not a key: an upsert's update. */
static void set_non_keys(struct sx_buf *b, const struct sx_sql_target *t, const char *src)
{
	int first = 1;
	for (size_t i = 0; i < t->ncols; i++) {
		if (t->cols[i].is_key)
			continue;
		if (!first)
			sx_buf_putc(b, ',');
		first = 0;
		col_name(b, t, i);
		sx_buf_putc(b, '=');
		sx_buf_puts(b, src);
		col_name(b, t, i);
	}
}

/* ON CONFLICT ("k") DO UPDATE SET "c"=excluded."c",... (or DO NOTHING) */
static void on_conflict(struct sx_buf *b, const struct sx_sql_target *t)
{
	sx_buf_puts(b, "ON CONFLICT (");
	for (size_t k = 0; k < t->nkeys; k++) {
		if (k)
			sx_buf_putc(b, ',');
		col_name(b, t, t->keys[k]);
	}
	if (!has_non_key(t)) {
		sx_buf_puts(b, ") DO NOTHING");
		return;
	}
	sx_buf_puts(b, ") DO UPDATE SET ");
	set_non_keys(b, t, "excluded.");
}

void sx_sql_insert_tail(struct sx_buf *b, const struct sx_sql_target *t, int upsert)
{
	if (!upsert) {
		sx_buf_puts(b, ";\n");
		return;
	}
	if (t->d != SX_SQL_TSQL) {
		sx_buf_putc(b, '\n');
		on_conflict(b, t);
		sx_buf_puts(b, ";\n");
		return;
	}
	sx_buf_puts(b, "\n) AS [src] (");
	col_list(b, t, NULL);
	sx_buf_puts(b, ")\nON ");
	for (size_t k = 0; k < t->nkeys; k++) {
		if (k)
			sx_buf_puts(b, " AND ");
		sx_buf_puts(b, "[tgt].");
		col_name(b, t, t->keys[k]);
		sx_buf_puts(b, "=[src].");
		col_name(b, t, t->keys[k]);
	}
	if (has_non_key(t)) {
		sx_buf_puts(b, "\nWHEN MATCHED THEN UPDATE SET ");
		set_non_keys(b, t, "[src].");
	}
	sx_buf_puts(b, "\nWHEN NOT MATCHED THEN INSERT (");
	col_list(b, t, NULL);
	sx_buf_puts(b, ") VALUES (");
	col_list(b, t, "[src].");
	sx_buf_puts(b, ");\n");
}

void sx_sql_copy_head(struct sx_buf *b, const struct sx_sql_target *t, int stage)
{
	sx_buf_puts(b, "COPY ");
	if (stage)
		sx_buf_puts(b, SX_SQL_STAGE_REF);
	else
		sx_sql_table(b, t->d, t->table);
	sx_buf_puts(b, " (");
	col_list(b, t, NULL);
	sx_buf_puts(b, ") FROM STDIN;\n");
}

void sx_sql_copy_end(struct sx_buf *b)
{
	sx_buf_puts(b, "\\.\n");
}

void sx_sql_stage_create(struct sx_buf *b, const struct sx_sql_target *t)
{
	/* Only our columns, with the table's types; no constraints, defaults or
	 * identity (LIKE would copy NOT NULL of columns we do not load). */
	sx_buf_puts(b, "CREATE TEMPORARY TABLE " SX_SQL_STAGE_REF " ON COMMIT DROP AS SELECT ");
	col_list(b, t, NULL);
	sx_buf_puts(b, " FROM ");
	sx_sql_table(b, t->d, t->table);
	sx_buf_puts(b, " WITH NO DATA;\n");
}

void sx_sql_stage_merge(struct sx_buf *b, const struct sx_sql_target *t)
{
	sx_buf_puts(b, "INSERT INTO ");
	sx_sql_table(b, t->d, t->table);
	sx_buf_puts(b, " (");
	col_list(b, t, NULL);
	sx_buf_puts(b, ")\nSELECT ");
	col_list(b, t, NULL);
	sx_buf_puts(b, " FROM " SX_SQL_STAGE_REF "\n");
	on_conflict(b, t);
	sx_buf_puts(b, ";\nTRUNCATE " SX_SQL_STAGE_REF ";\n");
}

void sx_sql_stage_drop(struct sx_buf *b)
{
	sx_buf_puts(b, "DROP TABLE " SX_SQL_STAGE_REF ";\n");
}
