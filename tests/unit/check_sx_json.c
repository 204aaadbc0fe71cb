/* Unit tests for common/sx_json.c */
#include <check.h>
#include <string.h>
#include "sx_json.h"

static struct sx_rec rec;

static int parse(const char *s)
{
	const char *why;
	return sx_rec_parse(&rec, s, strlen(s), &why);
}

START_TEST(fields_located)
{
	ck_assert_int_eq(parse("{\"a\":1,\"b\":\"x\\ny\",\"c\":[1,{\"d\":2}],\"e\":null}"), 0);
	ck_assert_int_eq(rec.n, 4);
	ck_assert(rec.compact);
	const struct sx_field *f = sx_rec_get(&rec, "b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->type, SX_JSTRING);
	ck_assert(f->val_esc);
	struct sx_buf b = SX_BUF_INIT;
	const char *s;
	size_t n;
	sx_field_str(f, &b, &s, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert(memcmp(s, "x\ny", 3) == 0);
	f = sx_rec_get(&rec, "c");
	ck_assert_int_eq(f->type, SX_JARRAY);
	ck_assert_uint_eq(f->val_len, strlen("[1,{\"d\":2}]"));
	ck_assert_ptr_null(sx_rec_get(&rec, "d"));
	ck_assert_int_eq(sx_rec_get(&rec, "e")->type, SX_JNULL);
	sx_buf_free(&b);
}
END_TEST

START_TEST(escaped_keys_and_duplicates)
{
	ck_assert_int_eq(parse("{ \"a\\u0062\" : 1 , \"x\":1, \"x\":2 }"), 0);
	ck_assert(!rec.compact);
	ck_assert_ptr_nonnull(sx_rec_get(&rec, "ab"));
	ck_assert(memcmp(sx_rec_get(&rec, "x")->val, "2", 1) == 0);
	ck_assert_ptr_nonnull(sx_rec_getn(&rec, "\0", 0) == NULL ? &rec : NULL);
}
END_TEST

START_TEST(rejects)
{
	const char *bad[] = {
		"", "[]", "1", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}",
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":.5}", "{\"a\":tru}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\t\"}", "{\"a\":1} x",
		"{\"a\":\"\xff\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":[1,2}", "{\"a\":1}}", "{\"a\":NaN}", "\f{\"a\":1}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(parse(bad[i]) < 0, "accepted: %s", bad[i]);
	const char *why;
	ck_assert_int_lt(sx_rec_parse(&rec, "[1]", 3, &why), 0);
	ck_assert_str_eq(why, "not a JSON object");
}
END_TEST

START_TEST(deep_nesting)
{
	char buf[3000];
	size_t n = 0;
	strcpy(buf, "{\"a\":");
	n = strlen(buf);
	for (int i = 0; i < 1100; i++)
		buf[n++] = '[';
	buf[n] = 0;
	ck_assert_int_lt(parse(buf), 0);
}
END_TEST

START_TEST(numbers)
{
	double d;
	ck_assert_int_eq(sx_json_number_to_double("21.5", 4, &d), 0); ck_assert(d == 21.5);
	ck_assert_int_eq(sx_json_number_to_double("-0.1", 4, &d), 0); ck_assert(d == -0.1);
	ck_assert_int_eq(sx_json_number_to_double("1e3", 3, &d), 0); ck_assert(d == 1000.0);
	ck_assert_int_eq(sx_json_number_to_double("12345678901234567890", 20, &d), 0);
	ck_assert(d == 12345678901234567890.0);
	ck_assert_int_lt(sx_json_number_to_double("1e400", 5, &d), 0);
	char b[32];
	sx_json_fmt_double(21.0, b); ck_assert_str_eq(b, "21.0");
	sx_json_fmt_double(0.1, b); ck_assert_str_eq(b, "0.1");
	sx_json_fmt_double(0.1 + 0.2, b); ck_assert_str_eq(b, "0.30000000000000004");
	sx_json_fmt_double(1e300, b); ck_assert_str_eq(b, "1e+300");
	sx_json_fmt_double(-2.5, b); ck_assert_str_eq(b, "-2.5");
}
END_TEST

START_TEST(quote_and_compact)
{
	struct sx_buf b = SX_BUF_INIT;
	sx_json_quote_buf(&b, "a\"b\\c\n\x01\0z", 9);
	ck_assert_str_eq(b.data, "\"a\\\"b\\\\c\\n\\u0001\\u0000z\"");
	sx_buf_reset(&b);
	sx_json_compact_buf(&b, "{ \"a b\" : [ 1 , \"x \\\" y\" ] }", 28);
	ck_assert_str_eq(b.data, "{\"a b\":[1,\"x \\\" y\"]}");
	ck_assert(sx_utf8_valid("h\xc3\xa9llo \xf0\x9f\x98\x80", 11));
	ck_assert(!sx_utf8_valid("\xf4\x90\x80\x80", 4));
	sx_buf_free(&b);
}
END_TEST

static void setup(void) { sx_rec_init(&rec); }
static void teardown(void) { sx_rec_free(&rec); }

Suite *sx_json_suite(void)
{
	Suite *s = suite_create("sx_json");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fields_located);
	tcase_add_test(tc, escaped_keys_and_duplicates);
	tcase_add_test(tc, rejects);
	tcase_add_test(tc, deep_nesting);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, quote_and_compact);
	suite_add_tcase(s, tc);
	return s;
}
