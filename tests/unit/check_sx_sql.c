/* Unit tests for common/sx_sql.c: every quoting rule per dialect, types,
 * inference, conversion and the statement builders. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "sx_sql.h"
#include "sx_time.h"

static struct sx_buf out, scratch;

static void reset(void)
{
	sx_buf_reset(&out);
}

/* s: literal bytes of length n */
static const char *str(enum sx_sql_dialect d, const char *s, size_t n)
{
	reset();
	sx_sql_str(&out, d, s, n);
	return out.data;
}
#define STR(d, lit) str(d, lit, sizeof(lit) - 1)

static const char *ident(enum sx_sql_dialect d, const char *s)
{
	reset();
	sx_sql_ident(&out, d, s, strlen(s));
	return out.data;
}

static const char *copy_str(const char *s, size_t n)
{
	reset();
	sx_sql_copy_str(&out, s, n);
	return out.data;
}

/* The first field of a one-field JSON object. */
static struct sx_rec rec;
static const struct sx_field *field(const char *json)
{
	const char *why;
	ck_assert_msg(sx_rec_parse(&rec, json, strlen(json), &why) == 0, "%s: %s", json, why);
	return &rec.f[0];
}

/* Render {"v":...} as type t; NULL when it does not convert. */
static const char *value(enum sx_sql_dialect d, int copy, enum sx_sql_type t, const char *json)
{
	const char *why = NULL;
	reset();
	if (sx_sql_value(&out, d, copy, t, field(json), &scratch, &why) < 0) {
		ck_assert_ptr_nonnull(why);
		ck_assert_uint_eq(out.len, 0);
		return NULL;
	}
	return out.data;
}

static void setup(void)
{
	sx_rec_init(&rec);
}

static void teardown(void)
{
	sx_rec_free(&rec);
	sx_buf_free(&out);
	sx_buf_free(&scratch);
}

START_TEST(sqlite_strings)
{
	ck_assert_str_eq(STR(SX_SQL_SQLITE, ""), "''");
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "plain"), "'plain'");
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "it's ''"), "'it''s '''''");
	/* backslashes, newlines, tabs, CR and non-ASCII are literal bytes */
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "a\\b\nc\td"), "'a\\b\nc\td'");
	/* CR: the shell strips it before a line end, so it goes through char(13) */
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "a\r\nb"), "'a'||char(13)||'\nb'");
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "\r\0"), "char(13,0)");
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "caf\xc3\xa9 \xf0\x9f\x98\x80"), "'caf\xc3\xa9 \xf0\x9f\x98\x80'");
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "\"x\";--"), "'\"x\";--'");
	/* NUL: char(0) pieces, runs collapsed */
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "a\0b"), "'a'||char(0)||'b'");
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "\0\0x'"), "char(0,0)||'x'''");
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "x\0"), "'x'||char(0)");
	ck_assert_str_eq(STR(SX_SQL_SQLITE, "\0"), "char(0)");
}
END_TEST

START_TEST(postgres_strings)
{
	ck_assert_str_eq(STR(SX_SQL_POSTGRES, ""), "''");
	ck_assert_str_eq(STR(SX_SQL_POSTGRES, "it's"), "'it''s'");
	/* a backslash switches to E'' with doubled backslashes */
	ck_assert_str_eq(STR(SX_SQL_POSTGRES, "a\\b'c"), "E'a\\\\b''c'");
	ck_assert_str_eq(STR(SX_SQL_POSTGRES, "\\"), "E'\\\\'");
	ck_assert_str_eq(STR(SX_SQL_POSTGRES, "l1\nl2\tt\r"), "'l1\nl2\tt\r'");
	ck_assert_str_eq(STR(SX_SQL_POSTGRES, "\xe6\x97\xa5\xe6\x9c\xac"), "'\xe6\x97\xa5\xe6\x9c\xac'");
	/* psql variables and meta-commands are inert inside a literal */
	ck_assert_str_eq(STR(SX_SQL_POSTGRES, ":x :'y' \\."), "E':x :''y'' \\\\.'");
}
END_TEST

START_TEST(tsql_strings)
{
	ck_assert_str_eq(STR(SX_SQL_TSQL, ""), "N''");
	ck_assert_str_eq(STR(SX_SQL_TSQL, "it's"), "N'it''s'");
	/* backslashes and tabs are plain characters in T-SQL */
	ck_assert_str_eq(STR(SX_SQL_TSQL, "a\\b\tc"), "N'a\\b\tc'");
	ck_assert_str_eq(STR(SX_SQL_TSQL, "\xc3\xa9"), "N'\xc3\xa9'");
	/* line breaks never reach sqlcmd raw (GO, :r on a line of their own) */
	ck_assert_str_eq(STR(SX_SQL_TSQL, "a\nGO\r\n:r x"),
			 "CONVERT(NVARCHAR(MAX),N'a')+NCHAR(10)+N'GO'+NCHAR(13)+NCHAR(10)+N':r x'");
	/* "$(" is split so sqlcmd substitutes nothing; a lone $ stays */
	ck_assert_str_eq(STR(SX_SQL_TSQL, "$(USER) $x"), "CONVERT(NVARCHAR(MAX),N'$')+N'(USER) $x'");
	ck_assert_str_eq(STR(SX_SQL_TSQL, "a$$(b"), "CONVERT(NVARCHAR(MAX),N'a$$')+N'(b'");
	ck_assert_str_eq(STR(SX_SQL_TSQL, "ends$"), "N'ends$'");
	/* NUL */
	ck_assert_str_eq(STR(SX_SQL_TSQL, "\0x'"), "CONVERT(NVARCHAR(MAX),NCHAR(0))+N'x'''");
	ck_assert_str_eq(STR(SX_SQL_TSQL, "\n"), "CONVERT(NVARCHAR(MAX),NCHAR(10))");
}
END_TEST

START_TEST(copy_text)
{
	ck_assert_str_eq(copy_str("plain 'x' \"y\"", 13), "plain 'x' \"y\"");
	ck_assert_str_eq(copy_str("a\\b\nc\rd\te", 9), "a\\\\b\\nc\\rd\\te");
	/* a value can never be the end marker or the null marker */
	ck_assert_str_eq(copy_str("\\.", 2), "\\\\.");
	ck_assert_str_eq(copy_str("\\N", 2), "\\\\N");
	ck_assert_str_eq(copy_str("", 0), "");
}
END_TEST

START_TEST(identifiers)
{
	ck_assert_str_eq(ident(SX_SQL_SQLITE, "a"), "\"a\"");
	ck_assert_str_eq(ident(SX_SQL_SQLITE, "we\"ird]'"), "\"we\"\"ird]'\"");
	ck_assert_str_eq(ident(SX_SQL_POSTGRES, "Mixed Case"), "\"Mixed Case\"");
	ck_assert_str_eq(ident(SX_SQL_POSTGRES, "\"\""), "\"\"\"\"\"\"");
	ck_assert_str_eq(ident(SX_SQL_TSQL, "a]b\"c[d"), "[a]]b\"c[d]");
	ck_assert_str_eq(ident(SX_SQL_TSQL, "]"), "[]]]");
	reset();
	sx_sql_table(&out, SX_SQL_TSQL, "dbo.My]T");
	ck_assert_str_eq(out.data, "[dbo].[My]]T]");
	reset();
	sx_sql_table(&out, SX_SQL_POSTGRES, "s.t");
	ck_assert_str_eq(out.data, "\"s\".\"t\"");
}
END_TEST

START_TEST(identifier_limits)
{
	const char *why;
	for (int d = 0; d < 3; d++) {
		ck_assert_int_eq(sx_sql_ident_check(d, "", 0, &why), -1);
		ck_assert_int_eq(sx_sql_ident_check(d, "a\0b", 3, &why), -1);
		ck_assert_int_eq(sx_sql_ident_check(d, "ok name", 7, &why), 0);
		ck_assert_int_eq(sx_sql_ident_check(d, "caf\xc3\xa9", 5, &why), 0);
	}
	char long64[65], long129[130];
	memset(long64, 'x', 64);
	long64[64] = 0;
	memset(long129, 'y', 129);
	long129[129] = 0;
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_POSTGRES, long64, 63, &why), 0);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_POSTGRES, long64, 64, &why), -1);
	ck_assert(strstr(why, "63") != NULL);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_SQLITE, long129, 129, &why), 0);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_TSQL, long129, 128, &why), 0);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_TSQL, long129, 129, &why), -1);
	/* T-SQL counts characters (UTF-16 units), not bytes: 100 x U+00E9 is 200 bytes */
	char e100[201];
	for (int i = 0; i < 100; i++)
		memcpy(e100 + 2 * i, "\xc3\xa9", 2);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_TSQL, e100, 200, &why), 0);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_TSQL, "a$(b)", 5, &why), -1);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_TSQL, "a$b", 3, &why), 0);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_TSQL, "a\nb", 3, &why), -1);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_POSTGRES, "a\nb", 3, &why), 0);
	/* the sqlite3 shell would drop the CR of "x\r\ny": refused there only */
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_SQLITE, "x\r\ny", 4, &why), -1);
	ck_assert(strstr(why, "carriage return") != NULL);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_SQLITE, "lone\rcr", 7, &why), -1);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_SQLITE, "a\nb", 3, &why), 0);
	ck_assert_int_eq(sx_sql_ident_check(SX_SQL_POSTGRES, "x\r\ny", 4, &why), 0);
	ck_assert_int_eq(sx_sql_table_check(SX_SQL_SQLITE, "s.x\ry", &why), -1);
	ck_assert_int_eq(sx_sql_table_check(SX_SQL_SQLITE, "a..b", &why), -1);
	ck_assert_int_eq(sx_sql_table_check(SX_SQL_SQLITE, "a.b", &why), 0);
	ck_assert_uint_eq(sx_sql_max_columns(SX_SQL_POSTGRES), 1600);
}
END_TEST

START_TEST(type_names)
{
	enum sx_sql_type t;
	ck_assert_int_eq(sx_sql_type_parse("INT", &t), 0);
	ck_assert_int_eq(t, SX_SQLT_INT);
	ck_assert_int_eq(sx_sql_type_parse("timestamp", &t), 0);
	ck_assert_int_eq(t, SX_SQLT_TIME);
	ck_assert_int_eq(sx_sql_type_parse("json", &t), 0);
	ck_assert_int_eq(t, SX_SQLT_JSON);
	ck_assert_int_eq(sx_sql_type_parse("varchar", &t), -1);
	enum sx_sql_dialect d;
	ck_assert_int_eq(sx_sql_dialect_parse("postgres", &d), 0);
	ck_assert_int_eq(d, SX_SQL_POSTGRES);
	ck_assert_int_eq(sx_sql_dialect_parse("oracle", &d), -1);
	ck_assert_str_eq(sx_sql_type_decl(SX_SQL_POSTGRES, SX_SQLT_TIME, 0), "timestamptz");
	ck_assert_str_eq(sx_sql_type_decl(SX_SQL_POSTGRES, SX_SQLT_JSON, 0), "jsonb");
	ck_assert_str_eq(sx_sql_type_decl(SX_SQL_TSQL, SX_SQLT_TIME, 0), "DATETIMEOFFSET");
	ck_assert_str_eq(sx_sql_type_decl(SX_SQL_TSQL, SX_SQLT_TEXT, 0), "NVARCHAR(MAX)");
	ck_assert_str_eq(sx_sql_type_decl(SX_SQL_TSQL, SX_SQLT_TEXT, 1), "NVARCHAR(450)");
	ck_assert_str_eq(sx_sql_type_decl(SX_SQL_SQLITE, SX_SQLT_TIME, 0), "TEXT");
	/* only nulls: SQLite declares no type (values stored as written) */
	ck_assert_str_eq(sx_sql_type_decl(SX_SQL_SQLITE, SX_SQLT_NONE, 0), "");
	ck_assert_str_eq(sx_sql_type_decl(SX_SQL_POSTGRES, SX_SQLT_NONE, 0), "text");
}
END_TEST

START_TEST(inference)
{
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":null}"), &scratch), SX_SQLT_NONE);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":-12}"), &scratch), SX_SQLT_INT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":1.0}"), &scratch), SX_SQLT_FLOAT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":1e3}"), &scratch), SX_SQLT_FLOAT);
	/* integers beyond 64 bits are floats: no integer column holds them */
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":9223372036854775807}"), &scratch), SX_SQLT_INT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":-9223372036854775808}"), &scratch), SX_SQLT_INT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":9223372036854775808}"), &scratch), SX_SQLT_FLOAT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":-9223372036854775809}"), &scratch), SX_SQLT_FLOAT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":12345678901234567890123}"), &scratch), SX_SQLT_FLOAT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":1000000000000000000}"), &scratch), SX_SQLT_INT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":true}"), &scratch), SX_SQLT_BOOL);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":\"2026-01-01T12:00:00Z\"}"), &scratch), SX_SQLT_TIME);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":\"2026-01-01 12:00:00.5+02:00\"}"), &scratch), SX_SQLT_TIME);
	/* a bare date or a malformed time is text */
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":\"2026-01-01\"}"), &scratch), SX_SQLT_TEXT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":\"2026-13-01T12:00:00Z\"}"), &scratch), SX_SQLT_TEXT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":\"12\"}"), &scratch), SX_SQLT_TEXT);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":{\"a\":1}}"), &scratch), SX_SQLT_JSON);
	ck_assert_int_eq(sx_sql_infer(field("{\"v\":[]}"), &scratch), SX_SQLT_JSON);
	ck_assert_int_eq(sx_sql_widen(SX_SQLT_NONE, SX_SQLT_INT), SX_SQLT_INT);
	ck_assert_int_eq(sx_sql_widen(SX_SQLT_INT, SX_SQLT_NONE), SX_SQLT_INT);
	ck_assert_int_eq(sx_sql_widen(SX_SQLT_INT, SX_SQLT_FLOAT), SX_SQLT_FLOAT);
	ck_assert_int_eq(sx_sql_widen(SX_SQLT_FLOAT, SX_SQLT_INT), SX_SQLT_FLOAT);
	ck_assert_int_eq(sx_sql_widen(SX_SQLT_INT, SX_SQLT_BOOL), SX_SQLT_TEXT);
	ck_assert_int_eq(sx_sql_widen(SX_SQLT_TIME, SX_SQLT_TEXT), SX_SQLT_TEXT);
	ck_assert_int_eq(sx_sql_widen(SX_SQLT_JSON, SX_SQLT_INT), SX_SQLT_TEXT);
}
END_TEST

START_TEST(values_per_dialect)
{
	/* null */
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_INT, "{\"v\":null}"), "NULL");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 1, SX_SQLT_TEXT, "{\"v\":null}"), "\\N");
	/* booleans */
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_BOOL, "{\"v\":true}"), "1");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_BOOL, "{\"v\":false}"), "FALSE");
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_BOOL, "{\"v\":true}"), "1");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 1, SX_SQLT_BOOL, "{\"v\":true}"), "t");
	/* numbers pass through; T-SQL floats get an exponent */
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_FLOAT, "{\"v\":2}"), "2");
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_FLOAT, "{\"v\":2.5}"), "2.5E0");
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_FLOAT, "{\"v\":1e-3}"), "1e-3");
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_INT, "{\"v\":12345678901234}"), "12345678901234");
	/* timestamps: UTC RFC 3339 in every dialect, typed by the column */
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_TIME, "{\"v\":\"2026-01-01 12:00:00+02:00\"}"),
			 "'2026-01-01T10:00:00.000Z'");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_TIME, "{\"v\":\"2026-01-01T12:00:00.123456789Z\"}"),
			 "'2026-01-01T12:00:00.123456Z'");
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_TIME, "{\"v\":\"2026-01-01T12:00:00Z\"}"),
			 "N'2026-01-01T12:00:00.000Z'");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 1, SX_SQLT_TIME, "{\"v\":\"2026-01-01T12:00:00Z\"}"),
			 "2026-01-01T12:00:00.000Z");
	/* JSON objects and arrays: compact JSON text */
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_JSON, "{\"v\": { \"a\" : [1, \"it's\"] }}"),
			 "'{\"a\":[1,\"it''s\"]}'");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_JSON, "{\"v\":{\"a\":\"x\\ny\"}}"),
			 "E'{\"a\":\"x\\\\ny\"}'");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 1, SX_SQLT_JSON, "{\"v\":{\"a\":\"x\\ny\"}}"),
			 "{\"a\":\"x\\\\ny\"}");
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_JSON, "{\"v\":\"s\"}"), "'\"s\"'");
	/* strings decode their JSON escapes */
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_TEXT, "{\"v\":\"a\\u0000b\\u00e9\"}"),
			 "'a'||char(0)||'b\xc3\xa9'");
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_TEXT, "{\"v\":\"a\\u0000\"}"),
			 "CONVERT(NVARCHAR(MAX),N'a')+NCHAR(0)");
	/* NONE: the value's own type */
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_NONE, "{\"v\":true}"), "TRUE");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_NONE, "{\"v\":[1]}"), "'[1]'");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_NONE, "{\"v\":\"x\"}"), "'x'");
}
END_TEST

START_TEST(conversions)
{
	/* text takes anything */
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_TEXT, "{\"v\":42}"), "N'42'");
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_TEXT, "{\"v\":false}"), "'false'");
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_TEXT, "{\"v\":{\"a\" :1}}"), "'{\"a\":1}'");
	/* numeric strings convert; others do not */
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_INT, "{\"v\":\"-17\"}"), "-17");
	ck_assert_ptr_null(value(SX_SQL_SQLITE, 0, SX_SQLT_INT, "{\"v\":\"17x\"}"));
	ck_assert_ptr_null(value(SX_SQL_SQLITE, 0, SX_SQLT_INT, "{\"v\":1.5}"));
	ck_assert_ptr_null(value(SX_SQL_SQLITE, 0, SX_SQLT_INT, "{\"v\":\"1; DROP TABLE t\"}"));
	ck_assert_ptr_null(value(SX_SQL_SQLITE, 0, SX_SQLT_INT, "{\"v\":true}"));
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_FLOAT, "{\"v\":\"1.5e3\"}"), "1.5e3");
	ck_assert_ptr_null(value(SX_SQL_SQLITE, 0, SX_SQLT_FLOAT, "{\"v\":\"NaN\"}"));
	ck_assert_ptr_null(value(SX_SQL_SQLITE, 0, SX_SQLT_FLOAT, "{\"v\":\"1.\"}"));
	ck_assert_ptr_null(value(SX_SQL_SQLITE, 0, SX_SQLT_FLOAT, "{\"v\":[1]}"));
	/* booleans from 0/1 and "true"/"false" */
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_BOOL, "{\"v\":1}"), "TRUE");
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_BOOL, "{\"v\":\"False\"}"), "FALSE");
	ck_assert_ptr_null(value(SX_SQL_POSTGRES, 0, SX_SQLT_BOOL, "{\"v\":2}"));
	ck_assert_ptr_null(value(SX_SQL_POSTGRES, 0, SX_SQLT_BOOL, "{\"v\":\"yes\"}"));
	/* times only from strings that parse */
	ck_assert_ptr_null(value(SX_SQL_POSTGRES, 0, SX_SQLT_TIME, "{\"v\":\"soon\"}"));
	ck_assert_ptr_null(value(SX_SQL_POSTGRES, 0, SX_SQLT_TIME, "{\"v\":1767225600}"));
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_TIME, "{\"v\":\"2026-01-01\"}"),
			 "'2026-01-01T00:00:00.000Z'");
	/* json takes anything */
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_JSON, "{\"v\":3}"), "N'3'");
}
END_TEST

/* A time already in canonical form is copied, not reformatted: the result
 * must be what formatting its parse would give, for every near-canonical
 * shape too (leap second, lower case, zero microseconds, offsets). */
/* An integer column takes 64-bit integers only, as numbers or strings; a
 * float column and the value's own type take the rest (T-SQL as a float). */
START_TEST(integers_beyond_64_bits)
{
	const char *why = NULL;
	reset();
	ck_assert_int_eq(sx_sql_value(&out, SX_SQL_SQLITE, 0, SX_SQLT_INT,
				      field("{\"v\":12345678901234567890123}"), &scratch, &why), -1);
	ck_assert_str_eq(why, "integer beyond the 64-bit range");
	ck_assert_ptr_null(value(SX_SQL_POSTGRES, 1, SX_SQLT_INT, "{\"v\":\"-9223372036854775809\"}"));
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 1, SX_SQLT_INT, "{\"v\":\"-9223372036854775808\"}"),
			 "-9223372036854775808");
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_FLOAT, "{\"v\":12345678901234567890123}"),
			 "12345678901234567890123E0");
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_NONE, "{\"v\":12345678901234567890123}"),
			 "12345678901234567890123E0");
	ck_assert_str_eq(value(SX_SQL_TSQL, 0, SX_SQLT_NONE, "{\"v\":9223372036854775807}"),
			 "9223372036854775807");
}
END_TEST

/* Issue 12, item 8: 1e400 or a 400-digit integer was written as it is, so
 * PostgreSQL refused the whole transaction and SQLite stored Inf.  Beyond a
 * double's range (overflow, or a nonzero value that underflows to 0) a
 * number does not convert to float (nor, as its own type, at all); as text
 * it keeps its digits. */
START_TEST(test_defect_number_beyond_double)
{
	char digits[420] = "{\"v\":";
	memset(digits + 5, '9', 400);
	strcpy(digits + 405, "}");
	const char *why = NULL;
	reset();
	ck_assert_int_eq(sx_sql_value(&out, SX_SQL_POSTGRES, 0, SX_SQLT_FLOAT, field("{\"v\":1e400}"),
				      &scratch, &why), -1);
	ck_assert_str_eq(why, "number beyond the range of a double");
	for (int d = SX_SQL_SQLITE; d <= SX_SQL_TSQL; d++)
		for (int copy = 0; copy <= (d == SX_SQL_POSTGRES); copy++) {
			ck_assert_ptr_null(value(d, copy, SX_SQLT_FLOAT, "{\"v\":1e400}"));
			ck_assert_ptr_null(value(d, copy, SX_SQLT_FLOAT, "{\"v\":-1E+309}"));
			ck_assert_ptr_null(value(d, copy, SX_SQLT_FLOAT, "{\"v\":1e-400}"));
			ck_assert_ptr_null(value(d, copy, SX_SQLT_FLOAT, "{\"v\":\"1e400\"}"));
			ck_assert_ptr_null(value(d, copy, SX_SQLT_FLOAT, digits));
			ck_assert_ptr_null(value(d, copy, SX_SQLT_NONE, digits));
			ck_assert_ptr_null(value(d, copy, SX_SQLT_NONE, "{\"v\":1e400}"));
		}
	/* what a double holds still converts: the largest, a subnormal, zero */
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_FLOAT, "{\"v\":1.7976931348623157e308}"),
			 "1.7976931348623157e308");
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_FLOAT, "{\"v\":5e-324}"), "5e-324");
	ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_FLOAT, "{\"v\":0e-400}"), "0e-400");
	ck_assert_int_eq(sx_sql_number_fits_double("1e308", 5), 1);
	ck_assert_int_eq(sx_sql_number_fits_double("1e309", 5), 0);
	ck_assert_int_eq(sx_sql_number_fits_double(digits + 5, 400), 0);
	ck_assert_int_eq(sx_sql_number_fits_double(digits + 5, 300), 1);
	/* text keeps it as written */
	ck_assert_str_eq(value(SX_SQL_POSTGRES, 0, SX_SQLT_TEXT, "{\"v\":1e400}"), "'1e400'");
}
END_TEST

START_TEST(time_canonical_copy)
{
	static const char *times[] = {
		"2025-12-31T23:59:59.278Z", "2025-12-31T23:59:59.278123Z", "2025-12-31T23:59:59.278000Z",
		"2025-12-31T23:59:60.000Z", "2016-12-31T23:59:60.500Z", "2025-12-31t23:59:59.278z",
		"2025-12-31T23:59:59.278+00:00", "2025-12-31 23:59:59.278Z", "2024-02-29T00:00:00.000Z",
		"0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999999Z", "2025-12-31T23:59:59.27Z",
		"2025-12-31T23:59:59.2781Z", "2025-12-31T23:59:59Z", "2025-06-01T12:00:00.000-02:30",
	};
	for (size_t i = 0; i < sizeof times / sizeof *times; i++) {
		sx_time_t tv;
		ck_assert_int_eq(sx_time_parse(times[i], strlen(times[i]), &tv), 0);
		char tb[SX_TIME_BUFSIZE], want[SX_TIME_BUFSIZE + 2], json[80];
		sx_time_format(tv, tb);
		snprintf(want, sizeof want, "'%s'", tb);
		snprintf(json, sizeof json, "{\"v\":\"%s\"}", times[i]);
		ck_assert_str_eq(value(SX_SQL_SQLITE, 0, SX_SQLT_TIME, json), want);
		ck_assert_str_eq(value(SX_SQL_POSTGRES, 1, SX_SQLT_TIME, json), tb);
	}
	/* still validated: a canonical-looking impossible date is not a time */
	ck_assert_ptr_null(value(SX_SQL_SQLITE, 0, SX_SQLT_TIME, "{\"v\":\"2025-02-30T00:00:00.000Z\"}"));
	ck_assert_ptr_null(value(SX_SQL_SQLITE, 0, SX_SQLT_TIME, "{\"v\":\"2025-12-31T24:00:00.000Z\"}"));
}
END_TEST

START_TEST(value_check)
{
	const char *why;
	ck_assert_int_eq(sx_sql_value_check(SX_SQL_POSTGRES, field("{\"v\":\"a\\u0000\"}"), &scratch, &why), -1);
	ck_assert(strstr(why, "NUL") != NULL);
	ck_assert_int_eq(sx_sql_value_check(SX_SQL_POSTGRES, field("{\"v\":{\"k\":\"\\u0000\"}}"), &scratch, &why), -1);
	/* an escaped backslash followed by u0000 is not a NUL */
	ck_assert_int_eq(sx_sql_value_check(SX_SQL_POSTGRES, field("{\"v\":\"\\\\u0000\"}"), &scratch, &why), 0);
	ck_assert_int_eq(sx_sql_value_check(SX_SQL_POSTGRES, field("{\"v\":\"\\\\\\u0000\"}"), &scratch, &why), -1);
	ck_assert_int_eq(sx_sql_value_check(SX_SQL_SQLITE, field("{\"v\":\"a\\u0000\"}"), &scratch, &why), 0);
	ck_assert_int_eq(sx_sql_value_check(SX_SQL_TSQL, field("{\"v\":\"a\\u0000\"}"), &scratch, &why), 0);
}
END_TEST

static const struct sx_sql_col cols[] = {
	{ "k", 1, SX_SQLT_INT, 1 }, { "t", 1, SX_SQLT_TIME, 1 }, { "v", 1, SX_SQLT_TEXT, 0 },
};
static const size_t keys[] = { 0, 1 };

START_TEST(statements)
{
	struct sx_sql_target t = { SX_SQL_SQLITE, "m.t", cols, 3, keys, 2 };
	reset();
	sx_sql_create(&out, &t);
	ck_assert_str_eq(out.data, "CREATE TABLE IF NOT EXISTS \"m\".\"t\" (\n  \"k\" INTEGER NOT NULL,\n"
			 "  \"t\" TEXT NOT NULL,\n  \"v\" TEXT,\n  PRIMARY KEY (\"k\",\"t\")\n);\n");
	reset();
	sx_sql_insert_head(&out, &t, 1);
	sx_sql_insert_tail(&out, &t, 1);
	ck_assert_str_eq(out.data, "INSERT INTO \"m\".\"t\" (\"k\",\"t\",\"v\") VALUES\n\n"
			 "ON CONFLICT (\"k\",\"t\") DO UPDATE SET \"v\"=excluded.\"v\";\n");
	reset();
	sx_sql_add_column(&out, &t, 2);
	ck_assert_str_eq(out.data, "ALTER TABLE \"m\".\"t\" ADD COLUMN \"v\" TEXT;\n");

	t.d = SX_SQL_POSTGRES;
	reset();
	sx_sql_add_column(&out, &t, 2);
	ck_assert_str_eq(out.data, "ALTER TABLE \"m\".\"t\" ADD COLUMN IF NOT EXISTS \"v\" text;\n");
	reset();
	sx_sql_copy_head(&out, &t, 0);
	sx_sql_copy_end(&out);
	ck_assert_str_eq(out.data, "COPY \"m\".\"t\" (\"k\",\"t\",\"v\") FROM STDIN;\n\\.\n");
	reset();
	sx_sql_stage_create(&out, &t);
	sx_sql_copy_head(&out, &t, 1);
	sx_sql_stage_merge(&out, &t);
	ck_assert_str_eq(out.data,
			 "CREATE TEMPORARY TABLE pg_temp.\"sx_emit_sql_stage\" ON COMMIT DROP AS SELECT "
			 "\"k\",\"t\",\"v\" FROM \"m\".\"t\" WITH NO DATA;\n"
			 "COPY pg_temp.\"sx_emit_sql_stage\" (\"k\",\"t\",\"v\") FROM STDIN;\n"
			 "INSERT INTO \"m\".\"t\" (\"k\",\"t\",\"v\")\nSELECT \"k\",\"t\",\"v\" FROM "
			 "pg_temp.\"sx_emit_sql_stage\"\n"
			 "ON CONFLICT (\"k\",\"t\") DO UPDATE SET \"v\"=excluded.\"v\";\n"
			 "TRUNCATE pg_temp.\"sx_emit_sql_stage\";\n");
	reset();
	sx_sql_stage_drop(&out);
	ck_assert_str_eq(out.data, "DROP TABLE pg_temp.\"sx_emit_sql_stage\";\n");

	t.d = SX_SQL_TSQL;
	t.table = "it's";
	reset();
	sx_sql_create(&out, &t);
	ck_assert_str_eq(out.data, "IF OBJECT_ID(N'[it''s]', N'U') IS NULL\nCREATE TABLE [it's] (\n"
			 "  [k] BIGINT NOT NULL,\n  [t] DATETIMEOFFSET NOT NULL,\n  [v] NVARCHAR(MAX),\n"
			 "  PRIMARY KEY ([k],[t])\n);\nGO\n");
	reset();
	sx_sql_add_column(&out, &t, 2);
	ck_assert_str_eq(out.data, "IF COL_LENGTH(N'[it''s]', N'v') IS NULL ALTER TABLE [it's] ADD [v] "
			 "NVARCHAR(MAX) NULL;\nGO\n");
	reset();
	sx_sql_insert_head(&out, &t, 1);
	sx_sql_insert_tail(&out, &t, 1);
	ck_assert_str_eq(out.data, "MERGE INTO [it's] WITH (HOLDLOCK) AS [tgt]\nUSING (VALUES\n\n"
			 ") AS [src] ([k],[t],[v])\nON [tgt].[k]=[src].[k] AND [tgt].[t]=[src].[t]\n"
			 "WHEN MATCHED THEN UPDATE SET [v]=[src].[v]\n"
			 "WHEN NOT MATCHED THEN INSERT ([k],[t],[v]) VALUES ([src].[k],[src].[t],[src].[v]);\n");
	reset();
	sx_sql_prologue(&out, t.d);
	sx_sql_begin(&out, t.d);
	sx_sql_commit(&out, t.d);
	sx_sql_rollback(&out, t.d);
	ck_assert_str_eq(out.data, "SET NOCOUNT ON;\nSET XACT_ABORT ON;\nGO\nBEGIN TRANSACTION;\n"
			 "COMMIT TRANSACTION;\nGO\nIF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;\nGO\n");
	reset();
	sx_sql_prologue(&out, SX_SQL_POSTGRES);
	ck_assert_str_eq(out.data, "SET client_encoding = 'UTF8';\n");
	reset();
	sx_sql_prologue(&out, SX_SQL_SQLITE);
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(keys_only_upsert)
{
	/* nothing to update: DO NOTHING, and MERGE without WHEN MATCHED */
	struct sx_sql_target t = { SX_SQL_POSTGRES, "t", cols, 1, keys, 1 };
	reset();
	sx_sql_insert_tail(&out, &t, 1);
	ck_assert_str_eq(out.data, "\nON CONFLICT (\"k\") DO NOTHING;\n");
	t.d = SX_SQL_TSQL;
	reset();
	sx_sql_insert_tail(&out, &t, 1);
	ck_assert(strstr(out.data, "WHEN MATCHED") == NULL);
	ck_assert(strstr(out.data, "WHEN NOT MATCHED THEN INSERT ([k]) VALUES ([src].[k]);") != NULL);
}
END_TEST

Suite *sx_sql_suite(void)
{
	Suite *s = suite_create("sx_sql");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sqlite_strings);
	tcase_add_test(tc, postgres_strings);
	tcase_add_test(tc, tsql_strings);
	tcase_add_test(tc, copy_text);
	tcase_add_test(tc, identifiers);
	tcase_add_test(tc, identifier_limits);
	tcase_add_test(tc, type_names);
	tcase_add_test(tc, inference);
	tcase_add_test(tc, values_per_dialect);
	tcase_add_test(tc, conversions);
	tcase_add_test(tc, integers_beyond_64_bits);
	tcase_add_test(tc, test_defect_number_beyond_double);
	tcase_add_test(tc, time_canonical_copy);
	tcase_add_test(tc, value_check);
	tcase_add_test(tc, statements);
	tcase_add_test(tc, keys_only_upsert);
	suite_add_tcase(s, tc);
	return s;
}
