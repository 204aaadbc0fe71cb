/*
 * fuzz_sql - SQL quoting (sx_sql): string literals, COPY text columns,
 * identifiers and table names in each dialect, and value conversion.
 *
 * Byte 0 picks the dialect; the rest is the text.  The oracle is a small,
 * independent reader of what each dialect's parser would see: the quoted
 * form must read back to exactly the input bytes, consume all of the
 * output, and hold nothing a client acts on (SQLite: no raw CR or NUL;
 * PostgreSQL: no backslash outside an E'' string and in one only doubled;
 * T-SQL: no raw line break or NUL, no "$(" sqlcmd would substitute; COPY:
 * no raw tab, CR or LF).  When the text is an NDJSON record, each field is
 * also converted to every column type, as literal and as COPY text.
 */
#include "fuzz.h"
#include "sx_buf.h"
#include "sx_json.h"
#include "sx_sql.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

struct rd {
	const char *p, *end;
	struct sx_buf out;
};

static int eat(struct rd *r, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, lit, n)) {
		r->p += n;
		return 1;
	}
	return 0;
}

/* 'text' with '' for a quote; with backslashes (E''), \\ for a backslash and
 * no other escape.  Appends the text; 0 or -1. */
static int quoted(struct rd *r, char q, int e_string)
{
	if (r->p >= r->end || *r->p != q)
		return -1;
	for (r->p++; r->p < r->end; r->p++) {
		char c = *r->p;
		if (c == q) {
			if (r->p + 1 < r->end && r->p[1] == q) {
				sx_buf_putc(&r->out, q);
				r->p++;
				continue;
			}
			r->p++;
			return 0;
		}
		if (c == '\\' && e_string) {
			if (r->p + 1 >= r->end || r->p[1] != '\\')
				return -1;
			r->p++;
		}
		sx_buf_putc(&r->out, c);
	}
	return -1;
}

static int number(struct rd *r, long *v)
{
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return -1;
	*v = 0;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9' && *v < 100000)
		*v = *v * 10 + (*r->p++ - '0');
	return 0;
}

/* 'a'||char(0,13)||'b' */
static int read_sqlite(struct rd *r)
{
	do {
		long v;
		if (eat(r, "char(")) {
			do {
				if (number(r, &v) < 0 || v > 127)
					return -1;
				sx_buf_putc(&r->out, (char)v);
			} while (eat(r, ","));
			if (!eat(r, ")"))
				return -1;
		} else if (quoted(r, '\'', 0) < 0) {
			return -1;
		}
	} while (eat(r, "||"));
	return 0;
}

/* 'text' or E'text' */
static int read_postgres(struct rd *r)
{
	int e = eat(r, "E");
	const char *start = r->p;
	if (quoted(r, '\'', e) < 0)
		return -1;
	/* without E, a backslash would mean something when
	 * standard_conforming_strings is off */
	if (!e && memchr(start, '\\', (size_t)(r->p - start)))
		return -1;
	return 0;
}

/* N'a' or CONVERT(NVARCHAR(MAX),N'a')+NCHAR(10)+N'b' */
static int tsql_term(struct rd *r)
{
	long v;
	if (eat(r, "NCHAR(")) {
		if (number(r, &v) < 0 || v > 127 || !eat(r, ")"))
			return -1;
		sx_buf_putc(&r->out, (char)v);
		return 0;
	}
	if (!eat(r, "N"))
		return -1;
	return quoted(r, '\'', 0);
}

static int read_tsql(struct rd *r)
{
	if (eat(r, "CONVERT(NVARCHAR(MAX),")) {
		if (tsql_term(r) < 0 || !eat(r, ")"))
			return -1;
		while (eat(r, "+"))
			if (tsql_term(r) < 0)
				return -1;
		return 0;
	}
	return tsql_term(r);
}

static int read_copy(struct rd *r)
{
	for (; r->p < r->end; r->p++) {
		char c = *r->p;
		if (c == '\t' || c == '\n' || c == '\r')
			return -1;
		if (c == '\\') {
			if (++r->p >= r->end)
				return -1;
			switch (*r->p) {
			case '\\': c = '\\'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			default: return -1;
			}
		}
		sx_buf_putc(&r->out, c);
	}
	return 0;
}

/* Read B back with FN: it must give exactly [s, s+n) and use all of B. */
static void check_reads_back(const struct sx_buf *b, int (*fn)(struct rd *), const char *s, size_t n)
{
	struct rd r = { b->data, b->data + b->len, SX_BUF_INIT };
	int ok = fn(&r) == 0 && r.p == r.end && r.out.len == n && (n == 0 || !memcmp(r.out.data, s, n));
	if (!ok)
		fprintf(stderr, "quoted as: %.*s\n", (int)b->len, b->data);
	FUZZ_CHECK(ok);
	sx_buf_free(&r.out);
}

static int has(const struct sx_buf *b, const char *needle, size_t n)
{
	for (size_t i = 0; i + n <= b->len; i++)
		if (!memcmp(b->data + i, needle, n))
			return 1;
	return 0;
}

static int read_ident_dq(struct rd *r) { return quoted(r, '"', 0); }

static int read_ident_br(struct rd *r)
{
	if (!eat(r, "["))
		return -1;
	for (; r->p < r->end; r->p++) {
		if (*r->p == ']') {
			if (r->p + 1 < r->end && r->p[1] == ']') {
				sx_buf_putc(&r->out, ']');
				r->p++;
				continue;
			}
			r->p++;
			return 0;
		}
		sx_buf_putc(&r->out, *r->p);
	}
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum sx_sql_dialect d = (enum sx_sql_dialect)(data[0] % 3);
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	struct sx_buf b = SX_BUF_INIT, scratch = SX_BUF_INIT;
	const char *why;

	/* a string literal (PostgreSQL text cannot hold NUL: callers refuse it) */
	if (d != SX_SQL_POSTGRES || !memchr(s, '\0', n)) {
		sx_buf_reset(&b);
		sx_sql_str(&b, d, s, n);
		switch (d) {
		case SX_SQL_SQLITE:
			FUZZ_CHECK(!has(&b, "\r", 1) && !has(&b, "\0", 1));
			check_reads_back(&b, read_sqlite, s, n);
			break;
		case SX_SQL_POSTGRES:
			check_reads_back(&b, read_postgres, s, n);
			break;
		case SX_SQL_TSQL:
			FUZZ_CHECK(!has(&b, "\r", 1) && !has(&b, "\n", 1) && !has(&b, "\0", 1) && !has(&b, "$(", 2));
			check_reads_back(&b, read_tsql, s, n);
			break;
		}
	}
	sx_buf_reset(&b);
	sx_sql_copy_str(&b, s, n);
	check_reads_back(&b, read_copy, s, n);

	/* an identifier, when the dialect accepts the name */
	if (sx_sql_ident_check(d, s, n, &why) == 0) {
		sx_buf_reset(&b);
		sx_sql_ident(&b, d, s, n);
		if (d == SX_SQL_TSQL) {
			FUZZ_CHECK(!has(&b, "\r", 1) && !has(&b, "\n", 1) && !has(&b, "$(", 2));
			check_reads_back(&b, read_ident_br, s, n);
		} else {
			FUZZ_CHECK(d != SX_SQL_SQLITE || !has(&b, "\r", 1));
			check_reads_back(&b, read_ident_dq, s, n);
		}
	} else {
		FUZZ_CHECK(why != NULL);
	}
	char *z = fuzz_strndup(data + 1, n);
	if (sx_sql_table_check(d, z, &why) == 0) {
		sx_buf_reset(&b);
		sx_sql_table(&b, d, z);
	}
	free(z);

	/* values: every field of a record, to every column type */
	struct sx_rec r;
	sx_rec_init(&r);
	if (sx_rec_parse(&r, s, n, &why) == 0) {
		for (size_t i = 0; i < r.n; i++) {
			const struct sx_field *f = &r.f[i];
			enum sx_sql_type inferred = sx_sql_infer(f, &scratch);
			sx_sql_widen(inferred, SX_SQLT_INT);
			int storable = sx_sql_value_check(d, f, &scratch, &why) == 0;
			for (int t = SX_SQLT_NONE; t <= SX_SQLT_JSON; t++)
				for (int copy = 0; copy <= (d == SX_SQL_POSTGRES); copy++) {
					sx_buf_reset(&b);
					if (sx_sql_value(&b, d, copy, (enum sx_sql_type)t, f, &scratch, &why) == 0) {
						FUZZ_CHECK(b.len > 0 || copy);
						if (copy)
							FUZZ_CHECK(!has(&b, "\t", 1) && !has(&b, "\n", 1));
						if (d == SX_SQL_TSQL && storable)
							FUZZ_CHECK(!has(&b, "\n", 1) && !has(&b, "$(", 2));
					} else {
						FUZZ_CHECK(why != NULL && b.len == 0);
					}
				}
		}
	}
	sx_rec_free(&r);
	sx_buf_free(&b);
	sx_buf_free(&scratch);
	return 0;
}
