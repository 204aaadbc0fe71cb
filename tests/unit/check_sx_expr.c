/* Unit tests for common/sx_expr.c */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sx_buf.h"
#include "sx_expr.h"
#include "sx_json.h"
#include "sx_out.h"

/* Evaluate SRC on the record REC and return its JSON text ("ERR: why" on a
 * data error) in a static buffer. */
static const char *eval(const char *src, const char *rec)
{
	static char res[512];
	char err[256];
	struct sx_rec r;
	const char *why;
	sx_rec_init(&r);
	ck_assert_int_eq(sx_rec_parse(&r, rec, strlen(rec), &why), 0);
	struct sx_query *q = sx_expr_compile1(src, err, sizeof err);
	if (!q)
		ck_abort_msg("%s: %s", src, err);
	struct sx_val v;
	if (sx_expr_eval1(q, &r, 0, &v, &why) < 0) {
		snprintf(res, sizeof res, "ERR: %s", why);
	} else {
		struct sx_buf b = SX_BUF_INIT;
		sx_val_json(&v, &b);
		snprintf(res, sizeof res, "%s", b.data);
		sx_buf_free(&b);
	}
	sx_query_free(q);
	sx_rec_free(&r);
	return res;
}

/* The compile error of SRC. */
static const char *compile_err(const char *src)
{
	static char err[256];
	struct sx_query *q = sx_expr_compile1(src, err, sizeof err);
	ck_assert_ptr_null(q);
	return err;
}

START_TEST(literals_and_fields)
{
	ck_assert_str_eq(eval("1", "{}"), "1");
	ck_assert_str_eq(eval("1.5", "{}"), "1.5");
	ck_assert_str_eq(eval("1e3", "{}"), "1000.0");
	ck_assert_str_eq(eval("'it''s'", "{}"), "\"it's\"");
	ck_assert_str_eq(eval("NULL", "{}"), "null");
	ck_assert_str_eq(eval("a", "{\"a\":\"x\\u00e9\"}"), "\"x\xc3\xa9\"");
	ck_assert_str_eq(eval("a.b.c", "{\"a\":{\"b\":{\"c\":[1, 2]}}}"), "[1,2]");
	ck_assert_str_eq(eval("a.b", "{\"a\":{\"b\":1,\"b\":2}}"), "2");   /* the last one, as the reader */
	ck_assert_str_eq(eval("a.b", "{\"a\":[1]}"), "null");
	ck_assert_str_eq(eval("[a b].[c]]d]", "{\"a b\":{\"c]d\":true}}"), "true");
	ck_assert_str_eq(eval("missing", "{}"), "null");
	ck_assert_str_eq(eval("n", "{\"n\":12345678901234567890}"), "1.2345678901234567e+19");
	ck_assert_str_eq(eval("-- a comment\n 2", "{}"), "2");
}
END_TEST

START_TEST(arithmetic)
{
	ck_assert_str_eq(eval("7 / 2", "{}"), "3");
	ck_assert_str_eq(eval("-7 / 2", "{}"), "-3");
	ck_assert_str_eq(eval("-7 % 2", "{}"), "-1");
	ck_assert_str_eq(eval("7 / 2.0", "{}"), "3.5");
	ck_assert_str_eq(eval("1 + 2 * 3 - 4", "{}"), "3");
	ck_assert_str_eq(eval("(1 + 2) * 3", "{}"), "9");
	ck_assert_str_eq(eval("- - 3", "{}"), "3");
	ck_assert_str_eq(eval("'a' + 'b'", "{}"), "\"ab\"");
	ck_assert_str_eq(eval("1 + NULL", "{}"), "null");
	ck_assert_str_eq(eval("1 / 0", "{}"), "ERR: 1 / 0: division by zero");
	ck_assert_str_eq(eval("1.0 % 0", "{}"), "ERR: 1.0 % 0: division by zero");
	ck_assert_str_eq(eval("9223372036854775807 + 1", "{}"),
			 "ERR: 9223372036854775807 + 1: arithmetic overflow: the result is too large for bigint");
	ck_assert_str_eq(eval("-9223372036854775807 - 1", "{}"), "-9223372036854775808");
	ck_assert_str_eq(eval("'x' * 2", "{}"), "ERR: 'x' * 2: nvarchar(max) 'x' is not a number");
}
END_TEST

START_TEST(logic_is_three_valued)
{
	ck_assert_str_eq(eval("NULL AND 1 = 2", "{}"), "false");
	ck_assert_str_eq(eval("NULL OR 1 = 1", "{}"), "true");
	ck_assert_str_eq(eval("NULL = NULL", "{}"), "null");
	ck_assert_str_eq(eval("NOT (NULL = 1)", "{}"), "null");
	/* the right side is not evaluated once the left decides */
	ck_assert_str_eq(eval("1 = 2 AND 1 / 0 = 1", "{}"), "false");
	ck_assert_str_eq(eval("1 = 1 OR 1 / 0 = 1", "{}"), "true");
	ck_assert_str_eq(eval("1 AND 1 = 1", "{}"), "ERR: AND: expected a condition (true or false), not bigint 1");
	ck_assert_str_eq(eval("a IN (1, 2) AND NOT a BETWEEN 3 AND 4", "{\"a\":2}"), "true");
	ck_assert_str_eq(eval("a NOT IN (1, NULL)", "{\"a\":2}"), "null");
}
END_TEST

START_TEST(case_and_cast)
{
	ck_assert_str_eq(eval("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END", "{\"a\":1}"), "\"small\"");
	ck_assert_str_eq(eval("CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END", "{\"a\":2}"), "\"two\"");
	ck_assert_str_eq(eval("CASE a WHEN 1 THEN 'one' END", "{\"a\":3}"), "null");
	/* nested CASE inside a simple CASE keeps the stack balanced */
	ck_assert_str_eq(eval("CASE a WHEN 1 THEN CASE WHEN b = 1 THEN 'x' ELSE 'y' END ELSE 'z' END + '!'",
			      "{\"a\":1,\"b\":2}"), "\"y!\"");
	ck_assert_str_eq(eval("CASE WHEN a <> 0 THEN 1 / a ELSE 0 END", "{\"a\":0}"), "0");
	ck_assert_str_eq(eval("CAST('12' AS bigint) + 1", "{}"), "13");
	ck_assert_str_eq(eval("CAST(' 2.5 ' AS float)", "{}"), "2.5");
	ck_assert_str_eq(eval("CAST(2.5 AS nvarchar(MAX))", "{}"), "\"2.5\"");
	ck_assert_str_eq(eval("CAST('2026-01-01T01:00:00+01:00' AS datetime)", "{}"), "\"2026-01-01T00:00:00.000Z\"");
	ck_assert_str_eq(eval("CAST('true' AS bit)", "{}"), "true");
	ck_assert_str_eq(eval("TRY_CAST('x' AS bigint)", "{}"), "null");
	ck_assert_str_eq(eval("CAST(a AS bigint)", "{\"a\":\"12a\"}"),
			 "ERR: CAST(a AS bigint): cannot convert nvarchar(max) '12a' to bigint");
	ck_assert_str_eq(eval("CAST(1e30 AS bigint)", "{}"), "ERR: CAST(1e30 AS bigint): cannot convert float 1e+30 to bigint");
}
END_TEST

START_TEST(compile_errors)
{
	ck_assert_str_eq(compile_err("a == 1"), "column 3: '==' is not SQL: write '=' to compare");
	ck_assert_str_eq(compile_err("a = \"x\""), "column 5: double quotes are not SQL strings: write 'x' for a string, [x] for a field name");
	ck_assert_str_eq(compile_err("LOWR(a)"), "column 1: unknown function 'LOWR'; did you mean LOWER?");
	ck_assert_str_eq(compile_err("CAS(a AS bigint)"), "column 1: unknown function 'CAS'; did you mean CAST?");
	ck_assert_str_eq(compile_err("ZZZZZZZ(a)"), "column 1: unknown function 'ZZZZZZZ' (see sx-select(1) for the list)");
	ck_assert_str_eq(compile_err("a +"), "column 4: expected a value, a field or a function, found the end of the expression");
	ck_assert_str_eq(compile_err("a b"), "column 3: expected an operator or the end of the expression, found 'b'");
	ck_assert_str_eq(compile_err("(a"), "column 3: expected ')' to close '(', found the end of the expression");
	ck_assert_str_eq(compile_err("a && b"), "column 3: '&&' is not SQL: write AND");
	ck_assert_str_eq(compile_err("a BETWEEN 1 OR 2"), "column 13: expected AND in BETWEEN low AND high, found 'OR'");
	ck_assert_str_eq(compile_err("12abc"), "column 1: '12a' is not a number");
	ck_assert_str_eq(compile_err("LAG(a) OVER (PARTITION BY b)"),
			 "column 28: expected LIMIT DURATION(unit, length) in OVER (...), found ')'");
	ck_assert_str_eq(compile_err("LAG(a) OVER (LIMIT DURATION(week, 1))"),
			 "column 29: LIMIT DURATION(unit, length): expected a unit (day, hour, minute, second, millisecond, microsecond), found 'week'");
	ck_assert_str_eq(compile_err("LAG(LAG(a) OVER (LIMIT DURATION(hour, 1))) OVER (LIMIT DURATION(hour, 1))"),
			 "column 5: an analytic function cannot hold another one");
	ck_assert_str_eq(compile_err("LAG(a, 0) OVER (LIMIT DURATION(hour, 1))"),
			 "column 8: LAG: the offset must be a whole number from 1 to 10000, not '0'");
	ck_assert_str_eq(compile_err("ISFIRST(day, 8) OVER ()"), "column 14: ISFIRST(unit, length): the duration must be more than 0 and at most 7 days");
}
END_TEST

/* --select with "*": fields kept in order, a name given again replaced */
START_TEST(select_list_and_write)
{
	char err[256];
	const char *why, *line = "{\"a\": 1, \"b\" : \"x\"}";
	struct sx_rec r;
	sx_rec_init(&r);
	ck_assert_int_eq(sx_rec_parse(&r, line, strlen(line), &why), 0);
	struct sx_query *q = sx_query_new();
	ck_assert_int_eq(sx_query_select(q, "*, a + 1 AS b, UPPER(b) up", err, sizeof err), 0);
	ck_assert_int_eq(sx_query_eval(q, &r, 0, &why), 1);
	char buf[256];
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	struct sx_out o;
	sx_out_init(&o, fds[1], "pipe");
	sx_query_write(q, &r, &o);
	sx_out_flush(&o);
	ssize_t n = read(fds[0], buf, sizeof buf - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "{\"a\":1,\"b\":2,\"up\":\"X\"}\n");
	close(fds[0]);
	close(fds[1]);
	free(o.buf);
	sx_query_free(q);
	q = sx_query_new();
	ck_assert_int_eq(sx_query_select(q, "a, a", err, sizeof err), -1);
	ck_assert_str_eq(err, "column 4: the output field 'a' appears twice (rename one with AS)");
	sx_query_free(q);
	q = sx_query_new();
	ck_assert_int_eq(sx_query_where(q, "", err, sizeof err), -1);
	ck_assert_str_eq(err, "column 1: expected a condition, found nothing");
	sx_query_free(q);
	sx_rec_free(&r);
}
END_TEST

/* LAG in --select sees events --where drops (ASA evaluates it first) */
START_TEST(analytic_before_where)
{
	char err[256];
	const char *why;
	struct sx_query *q = sx_query_new();
	ck_assert_int_eq(sx_query_where(q, "v > 1", err, sizeof err), 0);
	ck_assert_int_eq(sx_query_select(q, "LAG(v) OVER (LIMIT DURATION(second, 10)) AS p", err, sizeof err), 0);
	ck_assert_int_eq(sx_query_has_analytic(q), 1);
	const char *lines[] = { "{\"v\":5}", "{\"v\":0}", "{\"v\":7}" };
	int want[] = { 1, 0, 1 };
	struct sx_rec r;
	sx_rec_init(&r);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(sx_rec_parse(&r, lines[i], strlen(lines[i]), &why), 0);
		ck_assert_int_eq(sx_query_eval(q, &r, (i + 1) * 1000000, &why), want[i]);
	}
	sx_rec_free(&r);
	sx_query_free(q);
}
END_TEST

Suite *sx_expr_suite(void)
{
	Suite *s = suite_create("sx_expr");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, literals_and_fields);
	tcase_add_test(tc, arithmetic);
	tcase_add_test(tc, logic_is_three_valued);
	tcase_add_test(tc, case_and_cast);
	tcase_add_test(tc, compile_errors);
	tcase_add_test(tc, select_list_and_write);
	tcase_add_test(tc, analytic_before_where);
	suite_add_tcase(s, tc);
	return s;
}
