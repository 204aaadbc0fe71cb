/* Unit tests for common/sx_csv.c */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_csv.h"
#include "testutil.h"

/* ---- rows --------------------------------------------------------------- */

/* Rows as "[f1|f2|~]" with ~ for a NULL (unquoted empty) field. */
static void collect_row(struct sx_csv *c, void *ctx)
{
	struct sx_buf *out = ctx;
	sx_buf_putc(out, '[');
	for (size_t i = 0; i < c->n; i++) {
		if (i)
			sx_buf_putc(out, '|');
		const char *p = sx_csv_field_ptr(c, i);
		if (p)
			sx_buf_append(out, p, c->f[i].len);
		else
			sx_buf_putc(out, '~');
	}
	sx_buf_putc(out, ']');
}

/* Feed TEXT line by line (as sx-ingest does), then finish. */
static int parse_lines(const char *text, unsigned char delim, struct sx_buf *out)
{
	struct sx_csv c;
	sx_csv_init(&c, delim, collect_row, out);
	int rc = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (sx_csv_feed(&c, p, n) < 0) {
			sx_buf_puts(out, "<ERR>");
			rc = -1;
		}
		p += n;
	}
	if (sx_csv_finish(&c) < 0) {
		sx_buf_puts(out, "<UNTERMINATED>");
		rc = -1;
	}
	sx_csv_free(&c);
	sx_buf_append(out, "", 0);
	return rc;
}

static void check_rows(const char *text, unsigned char delim, const char *want)
{
	struct sx_buf out = SX_BUF_INIT;
	parse_lines(text, delim, &out);
	ck_assert_msg(strcmp(out.data, want) == 0, "input '%s': got '%s', want '%s'", text, out.data, want);
	sx_buf_free(&out);
}

START_TEST(plain_and_quoted_fields)
{
	check_rows("a,b,c\n1,2,3\n", ',', "[a|b|c][1|2|3]");
	check_rows("\"a,b\",\"say \"\"hi\"\"\",c\n", ',', "[a,b|say \"hi\"|c]");
	/* spaces are kept, quoted or not */
	check_rows(" a ,b \n", ',', "[ a |b ]");
	check_rows("x,\" b \"\n", ',', "[x| b ]");
	/* CRLF line ends */
	check_rows("a,b\r\n1,2\r\n", ',', "[a|b][1|2]");
	/* the last row without a line end is completed by finish */
	check_rows("a,b\n1,2", ',', "[a|b][1|2]");
	/* TSV and other delimiters */
	check_rows("a\tb,c\n1\t\"x\ty\"\n", '\t', "[a|b,c][1|x\ty]");
	check_rows("a;b\n1;2\n", ';', "[a|b][1|2]");
}
END_TEST

START_TEST(empty_versus_quoted_empty)
{
	check_rows("a,,\"\",d\n", ',', "[a|~||d]");
	check_rows(",\n", ',', "[~|~]");
	check_rows("\"\"\n", ',', "[]");
	struct sx_buf out = SX_BUF_INIT;
	struct sx_csv c;
	sx_csv_init(&c, ',', collect_row, &out);
	ck_assert_int_eq(sx_csv_feed(&c, "\"\",x,\n", 6), 0);
	ck_assert_int_eq(sx_csv_finish(&c), 0);
	sx_csv_free(&c);
	sx_buf_append(&out, "", 0);
	ck_assert_str_eq(out.data, "[|x|~]");
	sx_buf_free(&out);
}
END_TEST

/* A quoted field may span lines: the row ends with the line that closes it,
 * and in_row says a row is open in between. */
START_TEST(embedded_newlines)
{
	check_rows("id,text\n1,\"two\nlines\"\n2,\"a\r\nb\"\n", ',', "[id|text][1|two\nlines][2|a\r\nb]");
	struct sx_buf out = SX_BUF_INIT;
	struct sx_csv c;
	sx_csv_init(&c, ',', collect_row, &out);
	ck_assert(!sx_csv_in_row(&c));
	ck_assert_int_eq(sx_csv_feed(&c, "1,\"first\n", 9), 0);
	ck_assert(sx_csv_in_row(&c));
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(sx_csv_feed(&c, "\n", 1), 0); /* an empty line inside the quotes */
	ck_assert(sx_csv_in_row(&c));
	ck_assert_int_eq(sx_csv_feed(&c, "last\",2\n", 8), 0);
	ck_assert(!sx_csv_in_row(&c));
	sx_buf_append(&out, "", 0);
	ck_assert_str_eq(out.data, "[1|first\n\nlast|2]");
	/* a partial unquoted field is a row in progress too */
	ck_assert_int_eq(sx_csv_feed(&c, "ab", 2), 0);
	ck_assert(sx_csv_in_row(&c));
	ck_assert_int_eq(sx_csv_finish(&c), 0);
	sx_csv_free(&c);
	sx_buf_append(&out, "", 0);
	ck_assert_str_eq(out.data, "[1|first\n\nlast|2][ab]");
	sx_buf_free(&out);
}
END_TEST

/* Lines without quotes skip libcsv (sx_csv.c plain_line): the same lines
 * without their line end go through libcsv (finish completes them), and both
 * must give the same fields. */
START_TEST(plain_lines_agree_with_libcsv)
{
	static const char *lines[] = {
		"a,b,c", ",", ",,", "a,", ",b", " a , b ", "x", "\xc3\xa9,\xf0\x9f\x98\x80", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18",
		"tab\there,y", "a\r", "a\rb,c",
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		struct sx_buf via_fast = SX_BUF_INIT, via_libcsv = SX_BUF_INIT, text = SX_BUF_INIT;
		sx_buf_puts(&text, lines[i]);
		parse_lines(text.data, ',', &via_libcsv);
		sx_buf_puts(&text, "\n");
		parse_lines(text.data, ',', &via_fast);
		ck_assert_msg(strcmp(via_fast.data, via_libcsv.data) == 0, "line %zu: '%s' vs libcsv '%s'", i,
			      via_fast.data, via_libcsv.data);
		sx_buf_free(&via_fast);
		sx_buf_free(&via_libcsv);
		sx_buf_free(&text);
	}
	/* a blank line is no row; CRLF is a line end; a bare CR ends a row, as in libcsv */
	check_rows("a\n\n\r\nb\n", ',', "[a][b]");
	check_rows("a,b\r\n", ',', "[a|b]");
	check_rows("a\rb\n", ',', "[a][b]");
	/* a plain line after a quoted row that spans lines, and one inside it */
	check_rows("\"x\ny,z\",1\n2,3\n", ',', "[x\ny,z|1][2|3]");
	/* other delimiters */
	check_rows("a|b||\n", '|', "[a|b|~|~]");
	check_rows("a b\n", ' ', "[a|b]");
}
END_TEST

START_TEST(malformed_rows)
{
	/* text after a closing quote: an error, the parser starts again on the next line */
	check_rows("\"a\"b,c\n1,2\n", ',', "<ERR>[1|2]");
	/* a quote inside an unquoted field, even after spaces */
	check_rows("a\"b,c\n1,2\n", ',', "<ERR>[1|2]");
	check_rows("a, \"b\"\n1,2\n", ',', "<ERR>[1|2]");
	/* an unterminated quoted field at the end of input */
	check_rows("a,b\n1,\"open\n", ',', "[a|b]<UNTERMINATED>");
	/* after an error, in_row is false */
	struct sx_buf out = SX_BUF_INIT;
	struct sx_csv c;
	sx_csv_init(&c, ',', collect_row, &out);
	ck_assert_int_eq(sx_csv_feed(&c, "x,\"y\"z\n", 7), -1);
	ck_assert(!sx_csv_in_row(&c));
	ck_assert_int_eq(sx_csv_feed(&c, "ok\n", 3), 0);
	sx_csv_free(&c);
	sx_buf_append(&out, "", 0);
	ck_assert_str_eq(out.data, "[ok]");
	sx_buf_free(&out);
}
END_TEST

START_TEST(many_fields_and_long_values)
{
	struct sx_buf in = SX_BUF_INIT, want = SX_BUF_INIT, out = SX_BUF_INIT;
	sx_buf_putc(&want, '[');
	for (int i = 0; i < 500; i++) {
		sx_buf_printf(&in, "%s%d", i ? "," : "", i);
		sx_buf_printf(&want, "%s%d", i ? "|" : "", i);
	}
	sx_buf_puts(&in, "\n\"");
	sx_buf_puts(&want, "][");
	for (int i = 0; i < 100000; i++) {
		sx_buf_putc(&in, (char)('a' + i % 26));
		sx_buf_putc(&want, (char)('a' + i % 26));
	}
	sx_buf_puts(&in, "\"\n");
	sx_buf_puts(&want, "]");
	parse_lines(in.data, ',', &out);
	ck_assert(out.len == want.len && memcmp(out.data, want.data, out.len) == 0);
	sx_buf_free(&in);
	sx_buf_free(&want);
	sx_buf_free(&out);
}
END_TEST

/* ---- typing ------------------------------------------------------------- */

static void check_value(const char *s, size_t n, enum sx_coltype t, const char *want)
{
	struct sx_buf b = SX_BUF_INIT;
	const char *why = NULL;
	sx_buf_puts(&b, "");
	int r = sx_csv_value_json(&b, s, n, t, SX_UNIT_S, &why);
	ck_assert_msg(r == 0, "'%.*s' as type %d: error %s", (int)n, s ? s : "", (int)t, why ? why : "?");
	ck_assert_msg(strcmp(b.data, want) == 0, "'%.*s' as type %d: got %s, want %s", (int)n, s ? s : "",
		      (int)t, b.data, want);
	sx_buf_free(&b);
}
#define AUTO(s, want) check_value((s), strlen(s), SX_COL_AUTO, (want))
#define AS(type, s, want) check_value((s), strlen(s), (type), (want))

static void check_bad(const char *s, size_t n, enum sx_coltype t, const char *want_why)
{
	struct sx_buf b = SX_BUF_INIT;
	const char *why = NULL;
	int r = sx_csv_value_json(&b, s, n, t, SX_UNIT_S, &why);
	ck_assert_msg(r == -1, "'%.*s' as type %d accepted: %s", (int)n, s, (int)t, b.data ? b.data : "");
	ck_assert_str_eq(why, want_why);
	sx_buf_free(&b);
}
#define BAD(type, s, why) check_bad((s), strlen(s), (type), (why))

START_TEST(auto_typing)
{
	AUTO("42", "42");
	AUTO("-7", "-7");
	AUTO("0", "0");
	AUTO("-0", "-0");
	AUTO("21.5", "21.5");
	AUTO("1.50", "1.50");      /* numbers pass through as written */
	AUTO("1e3", "1e3");
	AUTO("-2.5E-3", "-2.5E-3");
	AUTO("0.001", "0.001");
	AUTO("true", "true");
	AUTO("false", "false");
	/* leading zeros, signs, and not-quite-numbers stay strings */
	AUTO("007", "\"007\"");
	AUTO("00", "\"00\"");
	AUTO("-01", "\"-01\"");
	AUTO("01.5", "\"01.5\"");
	AUTO("+5", "\"+5\"");
	AUTO(" 5", "\" 5\"");
	AUTO("5 ", "\"5 \"");
	AUTO(".5", "\".5\"");
	AUTO("5.", "\"5.\"");
	AUTO("1e", "\"1e\"");
	AUTO("-", "\"-\"");
	AUTO("0x1F", "\"0x1F\"");
	AUTO("NaN", "\"NaN\"");
	AUTO("inf", "\"inf\"");
	AUTO("1,5", "\"1,5\"");
	/* only lower-case literals are booleans; "null" text is a string */
	AUTO("True", "\"True\"");
	AUTO("FALSE", "\"FALSE\"");
	AUTO("null", "\"null\"");
	AUTO("hello \"world\"", "\"hello \\\"world\\\"\"");
	AUTO("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	/* empty: unquoted is null, quoted is an empty string */
	check_value(NULL, 0, SX_COL_AUTO, "null");
	check_value("", 0, SX_COL_AUTO, "\"\"");
	/* a NUL inside a value is escaped, not a terminator */
	check_value("a\0b", 3, SX_COL_AUTO, "\"a\\u0000b\"");
}
END_TEST

START_TEST(int64_and_double_limits)
{
	AUTO("9223372036854775807", "9223372036854775807");
	AUTO("-9223372036854775808", "-9223372036854775808");
	AUTO("9223372036854775808", "\"9223372036854775808\"");
	AUTO("-9223372036854775809", "\"-9223372036854775809\"");
	AUTO("99999999999999999999", "\"99999999999999999999\"");
	AUTO("1000000000000000000", "1000000000000000000");
	AUTO("1e308", "1e308");
	AUTO("1e309", "\"1e309\"");
	AUTO("-1e309", "\"-1e309\"");
	AUTO("1e-300", "1e-300");
	AUTO("1e-400", "\"1e-400\"");     /* underflows to zero: not the value written */
	AUTO("0e-400", "0e-400");         /* but zero is zero */
	AUTO("0.0", "0.0");
	ck_assert(sx_csv_is_int("123", 3));
	ck_assert(!sx_csv_is_int("", 0));
	ck_assert(!sx_csv_is_int("1.0", 3));
	ck_assert(sx_csv_is_decimal("1.0", 3));
	ck_assert(!sx_csv_is_decimal("10", 2)); /* an integer is not a decimal */
	ck_assert(!sx_csv_is_decimal("", 0));
	ck_assert(!sx_csv_is_decimal("-", 1));
}
END_TEST

START_TEST(utf8_required)
{
	struct sx_buf b = SX_BUF_INIT;
	const char *why = NULL;
	ck_assert_int_eq(sx_csv_value_json(&b, "caf\xe9", 4, SX_COL_AUTO, SX_UNIT_S, &why), -1);
	ck_assert_str_eq(why, "invalid UTF-8");
	why = NULL;
	ck_assert_int_eq(sx_csv_value_json(&b, "\xff", 1, SX_COL_STRING, SX_UNIT_S, &why), -1);
	ck_assert_str_eq(why, "invalid UTF-8");
	sx_buf_free(&b);
}
END_TEST

START_TEST(coltype_names)
{
	enum sx_coltype t = SX_COL_AUTO;
	ck_assert_int_eq(sx_coltype_parse("int", &t), 0);
	ck_assert_int_eq(t, SX_COL_INT);
	ck_assert_int_eq(sx_coltype_parse("float", &t), 0);
	ck_assert_int_eq(t, SX_COL_FLOAT);
	ck_assert_int_eq(sx_coltype_parse("bool", &t), 0);
	ck_assert_int_eq(t, SX_COL_BOOL);
	ck_assert_int_eq(sx_coltype_parse("string", &t), 0);
	ck_assert_int_eq(t, SX_COL_STRING);
	ck_assert_int_eq(sx_coltype_parse("time", &t), 0);
	ck_assert_int_eq(t, SX_COL_TIME);
	ck_assert_int_eq(sx_coltype_parse("auto", &t), 0);
	ck_assert_int_eq(t, SX_COL_AUTO);
	ck_assert_int_eq(sx_coltype_parse("integer", &t), -1);
	ck_assert_int_eq(sx_coltype_parse("INT", &t), -1);
	ck_assert_int_eq(sx_coltype_parse("", &t), -1);
	ck_assert_int_eq(t, SX_COL_AUTO);
}
END_TEST

START_TEST(schema_string)
{
	AS(SX_COL_STRING, "42", "\"42\"");
	AS(SX_COL_STRING, "true", "\"true\"");
	AS(SX_COL_STRING, "007", "\"007\"");
	check_value("", 0, SX_COL_STRING, "\"\"");
	check_value(NULL, 0, SX_COL_STRING, "\"\""); /* a string column: unquoted empty is "" too */
}
END_TEST

START_TEST(schema_int)
{
	AS(SX_COL_INT, "42", "42");
	AS(SX_COL_INT, "-42", "-42");
	AS(SX_COL_INT, "007", "7");
	AS(SX_COL_INT, "9223372036854775807", "9223372036854775807");
	check_value(NULL, 0, SX_COL_INT, "null");
	check_value("", 0, SX_COL_INT, "null");
	BAD(SX_COL_INT, "4.5", "value is not an int");
	BAD(SX_COL_INT, "abc", "value is not an int");
	BAD(SX_COL_INT, "12abc", "value is not an int");
	BAD(SX_COL_INT, "9223372036854775808", "value is not an int");
	BAD(SX_COL_INT, "-9223372036854775809", "value is not an int");
	BAD(SX_COL_INT, "-", "value is not an int");
	/* the whole value must convert: a NUL is not an end */
	check_bad("5\0" "9", 3, SX_COL_INT, "value is not an int");
	/* longer than any number */
	char big[300];
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	BAD(SX_COL_INT, big, "value is not an int");
}
END_TEST

START_TEST(schema_float)
{
	AS(SX_COL_FLOAT, "2.50", "2.50"); /* a decimal passes through as written */
	AS(SX_COL_FLOAT, "1e3", "1e3");
	AS(SX_COL_FLOAT, "3", "3.0");      /* an integer becomes a float */
	AS(SX_COL_FLOAT, "-3", "-3.0");
	AS(SX_COL_FLOAT, "007", "7.0");
	AS(SX_COL_FLOAT, "99999999999999999999", "1e+20");
	check_value(NULL, 0, SX_COL_FLOAT, "null");
	BAD(SX_COL_FLOAT, "abc", "value is not a float");
	BAD(SX_COL_FLOAT, "1e400", "value is not a float");
	BAD(SX_COL_FLOAT, "nan", "value is not a float");
	BAD(SX_COL_FLOAT, "inf", "value is not a float");
	BAD(SX_COL_FLOAT, "1.5x", "value is not a float");
	check_bad("1.5\0" "9", 5, SX_COL_FLOAT, "value is not a float");
}
END_TEST

START_TEST(schema_bool)
{
	static const char *const yes[] = { "true", "TRUE", "True", "1", "yes", "YES" };
	static const char *const no[] = { "false", "FALSE", "0", "no", "No" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		AS(SX_COL_BOOL, yes[i], "true");
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		AS(SX_COL_BOOL, no[i], "false");
	check_value(NULL, 0, SX_COL_BOOL, "null");
	BAD(SX_COL_BOOL, "2", "value is not a bool");
	BAD(SX_COL_BOOL, "t", "value is not a bool");
	BAD(SX_COL_BOOL, "yes ", "value is not a bool");
}
END_TEST

START_TEST(schema_time)
{
	AS(SX_COL_TIME, "2026-01-01T12:00:00+01:00", "\"2026-01-01T11:00:00.000Z\"");
	AS(SX_COL_TIME, "2026-01-01", "\"2026-01-01T00:00:00.000Z\"");
	AS(SX_COL_TIME, "1767225600", "\"2026-01-01T00:00:00.000Z\"");
	AS(SX_COL_TIME, "1767225600.5", "\"2026-01-01T00:00:00.500Z\"");
	/* the unit applies to numbers */
	struct sx_buf b = SX_BUF_INIT;
	const char *why;
	ck_assert_int_eq(sx_csv_value_json(&b, "1767225600123", 13, SX_COL_TIME, SX_UNIT_MS, &why), 0);
	sx_buf_append(&b, "", 0);
	ck_assert_str_eq(b.data, "\"2026-01-01T00:00:00.123Z\"");
	sx_buf_free(&b);
	check_value(NULL, 0, SX_COL_TIME, "null");
	BAD(SX_COL_TIME, "yesterday", "'yesterday' is not RFC 3339 or an epoch number (such as 2026-01-01T12:00:00Z)");
	BAD(SX_COL_TIME, "2026-13-01", "'2026-13-01': month 13 is out of range (01-12)");
}
END_TEST

/* Issue 12, defect 12: sx-ingest gives up on a row that grows past its record
 * size limit (a quote left open); the parser then starts afresh. */
START_TEST(test_defect_csv_reset_drops_the_open_row)
{
	struct sx_buf out = SX_BUF_INIT;
	struct sx_csv c;
	sx_csv_init(&c, ',', collect_row, &out);
	ck_assert_int_eq(sx_csv_feed(&c, "1,\"open\n", 8), 0);
	ck_assert(sx_csv_in_row(&c));
	sx_csv_reset(&c);
	ck_assert(!sx_csv_in_row(&c));
	ck_assert_int_eq(sx_csv_feed(&c, "2,\"x\"\n", 6), 0);
	ck_assert_int_eq(sx_csv_finish(&c), 0);
	sx_csv_free(&c);
	sx_buf_append(&out, "", 0);
	ck_assert_str_eq(out.data, "[2|x]");
	sx_buf_free(&out);
}
END_TEST

Suite *sx_csv_suite(void)
{
	Suite *s = suite_create("sx_csv");
	TCase *tc = tcase_create("rows");
	tcase_add_test(tc, plain_and_quoted_fields);
	tcase_add_test(tc, empty_versus_quoted_empty);
	tcase_add_test(tc, embedded_newlines);
	tcase_add_test(tc, malformed_rows);
	tcase_add_test(tc, many_fields_and_long_values);
	tcase_add_test(tc, test_defect_csv_reset_drops_the_open_row);
	suite_add_tcase(s, tc);
	tc = tcase_create("typing");
	tcase_add_test(tc, auto_typing);
	tcase_add_test(tc, int64_and_double_limits);
	tcase_add_test(tc, utf8_required);
	tcase_add_test(tc, coltype_names);
	tcase_add_test(tc, plain_lines_agree_with_libcsv);
	tcase_add_test(tc, schema_string);
	tcase_add_test(tc, schema_int);
	tcase_add_test(tc, schema_float);
	tcase_add_test(tc, schema_bool);
	tcase_add_test(tc, schema_time);
	suite_add_tcase(s, tc);
	return s;
}
