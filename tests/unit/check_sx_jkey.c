/* Unit tests for common/sx_jkey.c: join keys equal exactly when the JSON
 * values are equal. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_hash.h"
#include "sx_jkey.h"

/* The key of the fields NAMES (comma-separated) of the record TEXT, as a
 * malloc'd copy (with its length in *len), or NULL when there is none. */
static char *key_of(const char *text, const char *names, size_t *len)
{
	char buf[256], *v[8];
	int n = 0;
	snprintf(buf, sizeof buf, "%s", names);
	for (char *p = strtok(buf, ","); p && n < 8; p = strtok(NULL, ","))
		v[n++] = p;
	struct sx_rec r;
	sx_rec_init(&r);
	const char *why;
	ck_assert_msg(sx_rec_parse(&r, text, strlen(text), &why) == 0, "%s: %s", text, why);
	struct sx_jkey k;
	sx_jkey_init(&k, v, n);
	char *out = NULL;
	*len = 0;
	if (sx_jkey_make(&k, &r)) {
		ck_assert_uint_eq(k.hash, sx_hash64(k.key.data, k.key.len, 0));
		out = malloc(k.key.len + 1);
		memcpy(out, k.key.data, k.key.len);
		*len = k.key.len;
	}
	sx_jkey_free(&k);
	sx_rec_free(&r);
	return out;
}

static int same(const char *a, const char *b, const char *names)
{
	size_t na, nb;
	char *ka = key_of(a, names, &na), *kb = key_of(b, names, &nb);
	ck_assert_msg(ka && kb, "no key for %s or %s", a, b);
	int eq = na == nb && memcmp(ka, kb, na) == 0;
	free(ka);
	free(kb);
	return eq;
}

#define EQ(a, b) ck_assert_msg(same(a, b, "k"), "%s should equal %s", a, b)
#define NE(a, b) ck_assert_msg(!same(a, b, "k"), "%s should differ from %s", a, b)

START_TEST(numbers_by_exact_value)
{
	EQ("{\"k\":1}", "{\"k\":1.0}");
	EQ("{\"k\":1}", "{\"k\":1e0}");
	EQ("{\"k\":1}", "{\"k\":10e-1}");
	EQ("{\"k\":1}", "{\"k\":0.1E1}");
	EQ("{\"k\":1}", "{\"k\":1.000e+0}");
	EQ("{\"k\":100}", "{\"k\":1e2}");
	EQ("{\"k\":0.05}", "{\"k\":5e-2}");
	EQ("{\"k\":1.05}", "{\"k\":105e-2}");
	EQ("{\"k\":-2.5}", "{\"k\":-25e-1}");
	EQ("{\"k\":0}", "{\"k\":-0}");
	EQ("{\"k\":0}", "{\"k\":0.000e7}");
	EQ("{\"k\":0}", "{\"k\":-0.0}");
	NE("{\"k\":1}", "{\"k\":-1}");
	NE("{\"k\":1}", "{\"k\":10}");
	NE("{\"k\":1.5}", "{\"k\":15}");
	NE("{\"k\":0.1}", "{\"k\":0.01}");
	NE("{\"k\":1.05}", "{\"k\":1.5}");
	/* beyond double precision: still exact */
	NE("{\"k\":12345678901234567890}", "{\"k\":12345678901234567891}");
	EQ("{\"k\":12345678901234567890}", "{\"k\":1.234567890123456789e19}");
	NE("{\"k\":0.1}", "{\"k\":0.10000000000000001}");
	/* absurd exponents compare by text and do not overflow */
	EQ("{\"k\":1e99999999999999999999}", "{\"k\":1e99999999999999999999}");
	NE("{\"k\":1e99999999999999999999}", "{\"k\":1e99999999999999999998}");
}
END_TEST

START_TEST(strings_booleans_and_types)
{
	EQ("{\"k\":\"A\"}", "{\"k\":\"\\u0041\"}");
	EQ("{\"k\":\"\\u00e9\"}", "{\"k\":\"\xc3\xa9\"}");
	EQ("{\"k\":\"a\\/b\"}", "{\"k\":\"a/b\"}");
	NE("{\"k\":\"A\"}", "{\"k\":\"a\"}");
	NE("{\"k\":\"1\"}", "{\"k\":1}");
	NE("{\"k\":\"true\"}", "{\"k\":true}");
	NE("{\"k\":true}", "{\"k\":false}");
	NE("{\"k\":1}", "{\"k\":true}");
	NE("{\"k\":\"\"}", "{\"k\":0}");
	EQ("{\"k\":true}", "{\"k\":true}");
	EQ("{\"k\":[1, 2]}", "{\"k\":[1,2]}");
	EQ("{\"k\":{\"a\" : 1}}", "{\"k\":{\"a\":1}}");
	NE("{\"k\":[1,2]}", "{\"k\":\"[1,2]\"}");
	/* a string holding NUL is a string like any other */
	EQ("{\"k\":\"a\\u0000b\"}", "{\"k\":\"a\\u0000b\"}");
	NE("{\"k\":\"a\\u0000b\"}", "{\"k\":\"a\"}");
}
END_TEST

START_TEST(null_and_missing_give_no_key)
{
	size_t n;
	ck_assert_ptr_null(key_of("{\"k\":null}", "k", &n));
	ck_assert_ptr_null(key_of("{\"x\":1}", "k", &n));
	ck_assert_ptr_null(key_of("{\"a\":1,\"b\":null}", "a,b", &n));
	ck_assert_ptr_null(key_of("{\"b\":2}", "a,b", &n));
	/* the last of duplicate fields counts, as everywhere in sx */
	char *k = key_of("{\"k\":null,\"k\":1}", "k", &n);
	ck_assert_ptr_nonnull(k);
	free(k);
	/* escaped field names are found by their decoded name */
	ck_assert(same("{\"\\u006b\":1}", "{\"k\":1}", "k"));
}
END_TEST

START_TEST(tuples_are_unambiguous)
{
	ck_assert(!same("{\"a\":\"a\",\"b\":\"bc\"}", "{\"a\":\"ab\",\"b\":\"c\"}", "a,b"));
	ck_assert(!same("{\"a\":1,\"b\":23}", "{\"a\":12,\"b\":3}", "a,b"));
	ck_assert(!same("{\"a\":\"x\",\"b\":1}", "{\"a\":1,\"b\":\"x\"}", "a,b"));
	ck_assert(same("{\"b\":2.0,\"a\":\"x\",\"c\":9}", "{\"a\":\"\\u0078\",\"b\":2}", "a,b"));
	/* order of the key list matters, field order in the record does not */
	ck_assert(same("{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}", "a,b"));
	/* a long string: the length prefix takes more than one byte */
	char big[600], big2[600];
	snprintf(big, sizeof big, "{\"a\":\"%0300d\",\"b\":1}", 0);
	snprintf(big2, sizeof big2, "{\"a\":\"%0300d\",\"b\":1}", 0);
	ck_assert(same(big, big2, "a,b"));
	snprintf(big2, sizeof big2, "{\"a\":\"%0299d\",\"b\":1}", 0);
	ck_assert(!same(big, big2, "a,b"));
}
END_TEST

/* The key buffer is reused: a second, shorter key does not keep bytes of
 * the first. */
START_TEST(reuse_between_records)
{
	char *names[] = { "k" };
	struct sx_jkey k;
	sx_jkey_init(&k, names, 1);
	struct sx_rec r;
	sx_rec_init(&r);
	const char *why;
	const char *a = "{\"k\":\"a long string value\"}", *b = "{\"k\":\"s\"}";
	ck_assert_int_eq(sx_rec_parse(&r, a, strlen(a), &why), 0);
	ck_assert_int_eq(sx_jkey_make(&k, &r), 1);
	ck_assert_int_eq(sx_rec_parse(&r, b, strlen(b), &why), 0);
	ck_assert_int_eq(sx_jkey_make(&k, &r), 1);
	ck_assert_uint_eq(k.key.len, 3);
	ck_assert(memcmp(k.key.data, "s\1s", 3) == 0);
	sx_rec_free(&r);
	sx_jkey_free(&k);
}
END_TEST

Suite *sx_jkey_suite(void)
{
	Suite *s = suite_create("sx_jkey");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, numbers_by_exact_value);
	tcase_add_test(tc, strings_booleans_and_types);
	tcase_add_test(tc, null_and_missing_give_no_key);
	tcase_add_test(tc, tuples_are_unambiguous);
	tcase_add_test(tc, reuse_between_records);
	suite_add_tcase(s, tc);
	return s;
}
