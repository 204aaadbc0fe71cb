/* Unit tests for common/sx_json.c */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
	/* the validating quote: the same text, or -1 with the buffer unchanged */
	sx_buf_reset(&b);
	sx_buf_puts(&b, "k:");
	ck_assert_int_eq(sx_json_quote_utf8_buf(&b, "a\"b\\c\n\x01\0z \xc3\xa9", 12), 0);
	ck_assert_str_eq(b.data, "k:\"a\\\"b\\\\c\\n\\u0001\\u0000z \xc3\xa9\"");
	sx_buf_reset(&b);
	sx_buf_puts(&b, "k:");
	ck_assert_int_eq(sx_json_quote_utf8_buf(&b, "ok \xc3", 4), -1);            /* truncated */
	ck_assert_int_eq(sx_json_quote_utf8_buf(&b, "\n\xed\xa0\x80", 4), -1); /* a surrogate, after an escape */
	ck_assert_int_eq(sx_json_quote_utf8_buf(&b, "\xc0\xaf", 2), -1);          /* overlong */
	ck_assert_str_eq(b.data, "k:");
	ck_assert_uint_eq(b.len, 2);
	ck_assert_int_eq(sx_json_quote_utf8_buf(&b, "", 0), 0);
	ck_assert_str_eq(b.data, "k:\"\"");
	sx_buf_free(&b);
}
END_TEST

/* The definition sx_json_fmt_double must match: the first of %.15g, %.16g,
 * %.17g that reads back, with ".0" when it looks like an integer. */
static size_t fmt_double_reference(double v, char buf[32])
{
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strpbrk(buf, ".eEn")) {
		buf[n++] = '.';
		buf[n++] = '0';
		buf[n] = '\0';
	}
	return (size_t)n;
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void check_fmt(double v)
{
	char got[32], want[32];
	size_t n = sx_json_fmt_double(v, got);
	if (!isfinite(v)) {
		ck_assert_str_eq(got, "null");
		return;
	}
	size_t wn = fmt_double_reference(v, want);
	ck_assert_msg(n == wn && strcmp(got, want) == 0, "%a: got %s, want %s", v, got, want);
	ck_assert_uint_eq(strlen(got), n);
	ck_assert(strtod(got, NULL) == v);                  /* round trip */
	ck_assert_ptr_nonnull(strpbrk(got, ".e"));         /* never an integer */
	/* shortest: no fewer significant digits read back (normal doubles; a
	 * subnormal's 15-digit text may be longer than needed) */
	int digits = 0, lead = 1, zeros = 0;
	for (const char *p = got; *p && *p != 'e'; p++) {
		if (*p < '0' || *p > '9')
			continue;
		if (lead && *p == '0')
			continue;
		lead = 0;
		zeros = *p == '0' ? zeros + 1 : 0;
		digits++;
	}
	digits -= zeros;
	ck_assert_int_le(digits, 17);
	if (v != 0 && fabs(v) >= 2.2250738585072014e-308 && digits > 1) {
		char shorter[40];
		snprintf(shorter, sizeof shorter, "%.*e", digits - 2, v);
		ck_assert_msg(strtod(shorter, NULL) != v, "%a: %s is shorter than %s", v, shorter, got);
	}
}

START_TEST(fmt_double_matches_reference)
{
	uint64_t x = 42;
	double fixed[] = { 0.0, -0.0, 1.0, 1e15, 1e16, 1e17, 1e-4, 1e-5, 9.999999999999999e14,
			   123456789012345.6, 0.000123, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
			   9007199254740993.0, 4503599627370497.5, 20.84, 21.0 / 3.0 };
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		check_fmt(fixed[i]);
		check_fmt(nextafter(fixed[i], 0));
		check_fmt(nextafter(fixed[i], INFINITY));
	}
	/* powers of two: the gap below is half the gap above */
	for (int k = -1022; k <= 1023; k++)
		for (int d = -1; d <= 1; d++) {
			double v = ldexp(1.0, k);
			for (int j = 0; j < abs(d); j++)
				v = nextafter(v, d < 0 ? 0 : INFINITY);
			check_fmt(v);
		}
	for (int i = 0; i < 20000; i++) {
		uint64_t r = splitmix(&x);
		double v;
		switch (i % 5) {
		case 0:             /* any finite bit pattern */
			memcpy(&v, &r, sizeof v);
			if (!isfinite(v))
				continue;
			break;
		case 1:             /* log-uniform over the range the fast path covers and beyond */
			v = pow(10, (double)(r % 5000) / 100.0 - 12) * ((r >> 40) & 1 ? -1 : 1);
			break;
		case 2:             /* short decimals, as events carry them */
			v = (double)(int64_t)(r % 100000000) / pow(10, (double)(splitmix(&x) % 12));
			break;
		case 3: {           /* averages of such values: 16-17 digits */
			int n = 1 + (int)(r % 60);
			double sum = 0;
			for (int k = 0; k < n; k++)
				sum += (double)(1500 + splitmix(&x) % 1500) / 100.0;
			v = sum / n;
			break;
		}
		default:            /* next to powers of ten, where notation and length switch */
			v = pow(10, (double)(int)(r % 60) - 20);
			for (int k = (int)(splitmix(&x) % 4); k > 0; k--)
				v = nextafter(v, (r >> 50) & 1 ? 0 : INFINITY);
			break;
		}
		check_fmt(v);
	}
}
END_TEST

/* Issue 12, defect 14: a JSON error says where the line stops being JSON. */
START_TEST(test_defect_json_error_byte_position)
{
	static const struct { const char *text; size_t off; const char *why; } cases[] = {
		{ "nope", 0, "unexpected character" },
		{ "{\"a\":1,}", 7, "expected a string key" },
		{ "{\"s\":\"\xff\"}", 6, "invalid UTF-8" },
		{ "{\"n\":", 5, "unexpected end of input" },
		{ "{\"a\":1} x", 8, "trailing characters after the object" },
		{ "{\"u\":\"\\udc00\"}", 6, "unpaired surrogate in \\u escape" },
		{ "[1]", SIZE_MAX, "not a JSON object" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *why = NULL;
		ck_assert_int_eq(sx_rec_parse(&rec, cases[i].text, strlen(cases[i].text), &why), -1);
		ck_assert_str_eq(why, cases[i].why);
		ck_assert_msg(rec.err_off == cases[i].off, "%s: error at %zu, want %zu", cases[i].text,
			      rec.err_off, cases[i].off);
	}
	ck_assert_int_eq(parse("{}"), 0);
}
END_TEST

static void setup(void) { sx_rec_init(&rec); }
static void teardown(void) { sx_rec_free(&rec); }

/* sx_rec_index (held and kept records, validated once) finds what
 * sx_rec_parse found: every field, its type, escapes, and the compact flag. */
START_TEST(index_matches_parse)
{
	static const char *const lines[] = {
		"{}", " { } ", "{\"a\":1}", "{\"a\":-1.5e+3,\"b\":true,\"c\":false,\"d\":null}",
		"{\"s\":\"x\\\"y\\\\\",\"k\\u0041\":\"\\u00e9\"}",
		"{\"o\":{\"x\":[1,{\"y\":\"}]\"}],\"z\":{}},\"a\":[]}",
		"{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }", "{\"a\":{\"b\": 1}}", "{\"a\":1} ",
		"{\"a\":\"\u00e9t\u00e9\",\"a\":2}", "{\"n\":0,\"m\":12}",
	};
	struct sx_rec p, x;
	sx_rec_init(&p);
	sx_rec_init(&x);
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		const char *why, *l = lines[i];
		ck_assert_msg(sx_rec_parse(&p, l, strlen(l), &why) == 0, "%s: %s", l, why);
		ck_assert_int_eq(sx_rec_index(&x, l, strlen(l)), 0);
		ck_assert_msg(x.n == p.n && x.compact == p.compact, "%s: %zu/%zu fields, compact %d/%d", l, x.n,
			      p.n, x.compact, p.compact);
		for (size_t k = 0; k < p.n; k++)
			ck_assert_msg(x.f[k].key == p.f[k].key && x.f[k].key_len == p.f[k].key_len &&
				      x.f[k].val == p.f[k].val && x.f[k].val_len == p.f[k].val_len &&
				      x.f[k].type == p.f[k].type && x.f[k].key_esc == p.f[k].key_esc &&
				      x.f[k].val_esc == p.f[k].val_esc, "%s: field %zu differs", l, k);
	}
	ck_assert_int_eq(sx_rec_index(&x, "[1]", 3), -1);
	ck_assert_int_eq(sx_rec_index(&x, "{\"a", 4), -1);
	sx_rec_free(&p);
	sx_rec_free(&x);
}
END_TEST

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
	tcase_add_test(tc, test_defect_json_error_byte_position);
	tcase_add_test(tc, index_matches_parse);
	suite_add_tcase(s, tc);
	/* ~26,000 doubles against the printf loop: seconds under ASan */
	TCase *slow = tcase_create("fmt_double");
	tcase_set_timeout(slow, 60);
	tcase_add_test(slow, fmt_double_matches_reference);
	suite_add_tcase(s, slow);
	return s;
}
