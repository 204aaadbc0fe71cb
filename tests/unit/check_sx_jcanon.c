/* Unit tests for common/sx_jcanon.c: one canonical text per JSON value,
 * equal exactly when sx_jkey's keys are equal. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_jcanon.h"
#include "sx_jkey.h"

/* The canonical text of VALUE (a JSON value), in a static buffer. */
static const char *canon(const char *value)
{
	static char out[512];
	struct sx_buf b = SX_BUF_INIT, scratch = SX_BUF_INIT;
	ck_assert_msg(sx_jcanon_text(&b, value, strlen(value), &scratch) == 0, "%s", value);
	ck_assert_uint_lt(b.len, sizeof out);
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	sx_buf_free(&b);
	sx_buf_free(&scratch);
	return out;
}

#define CANON(in, want) ck_assert_str_eq(canon(in), want)

START_TEST(canonical_texts)
{
	CANON("1", "1");
	CANON("1.0", "1");
	CANON("1e0", "1");
	CANON("10e-1", "1");
	CANON("0.1E1", "1");
	CANON("-0", "0");
	CANON("-0.0e5", "0");
	CANON("100", "100");
	CANON("1e2", "100");
	CANON("1e21", "1000000000000000000000");
	CANON("1e22", "1e22");
	CANON("15e21", "15000000000000000000000");
	CANON("15e22", "1.5e23");
	CANON("0.5", "0.5");
	CANON("123.250", "123.25");
	CANON("-1.5", "-1.5");
	CANON("0.000001", "0.000001");
	CANON("1e-7", "1e-7");
	CANON("0.00000015", "1.5e-7");
	CANON("12345678901234567890123", "12345678901234567890123");
	CANON("1e1000000000000000", "1e1000000000000000");
	CANON("\"A\"", "\"A\"");
	CANON("\"\\u0041\"", "\"A\"");
	CANON("\"\\/\\u00e9\"", "\"/\xc3\xa9\"");
	CANON("\"a\\nb\\u0000\"", "\"a\\nb\\u0000\"");
	CANON(" { \"a\" : [ 1 , 2 ] } ", "{\"a\":[1,2]}");
	CANON("true", "true");
	CANON("null", "null");
	struct sx_buf b = SX_BUF_INIT, s = SX_BUF_INIT;
	ck_assert_int_eq(sx_jcanon_text(&b, "1 2", 3, &s), -1);
	ck_assert_int_eq(sx_jcanon_text(&b, "\"a", 2, &s), -1);
	ck_assert_uint_eq(b.len, 0);
	sx_buf_free(&b);
	sx_buf_free(&s);
}
END_TEST

/* A small deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* The value DIGITS x 10^EXP (DIGITS without leading zeros, maybe "0"),
 * spelled at random: a moved point, padding zeros, an exponent in e or E. */
static void spell(char *out, size_t cap, int neg, const char *digits, int exp)
{
	int n = (int)strlen(digits);
	int pad = (int)(rng() % 3);              /* trailing zeros added to the digits */
	int shift = (int)(rng() % 6) - 2;        /* where the point goes, relative to the end */
	char mant[128];
	snprintf(mant, sizeof mant, "%s%.*s", digits, pad, "000");
	int mn = n + pad, e = exp - pad;
	/* point after mn - k digits, value = mant x 10^(e) = m' x 10^(e + k) */
	int k = shift < 0 ? 0 : shift > mn - 1 ? mn - 1 : shift;
	char body[160];
	if (k > 0)
		snprintf(body, sizeof body, "%.*s.%s", mn - k, mant, mant + mn - k);
	else
		snprintf(body, sizeof body, "%s", mant);
	e += k;
	if (e == 0 && rng() % 2)
		snprintf(out, cap, "%s%s", neg ? "-" : "", body);
	else
		snprintf(out, cap, "%s%s%s%d", neg ? "-" : "", body, rng() % 2 ? "e" : "E", e);
}

static char *jkey_of(const char *value, size_t *len)
{
	char line[300];
	snprintf(line, sizeof line, "{\"k\":%s}", value);
	struct sx_rec r;
	sx_rec_init(&r);
	const char *why;
	ck_assert_msg(sx_rec_parse(&r, line, strlen(line), &why) == 0, "%s: %s", line, why);
	char *names[] = { "k" };
	struct sx_jkey k;
	sx_jkey_init(&k, names, 1);
	ck_assert(sx_jkey_make(&k, &r));
	char *out = malloc(k.key.len);
	memcpy(out, k.key.data, k.key.len);
	*len = k.key.len;
	sx_jkey_free(&k);
	sx_rec_free(&r);
	return out;
}

/* Random numbers in random spellings: equal values give one canonical text,
 * that text is canonical (a fixed point, and the fast path agrees), and two
 * texts are equal exactly when sx_jkey's keys are. */
START_TEST(random_spellings_property)
{
	rng_state = UINT64_C(0x9e3779b97f4a7c15);
	char prev[200] = "0", prev_canon[200] = "0";
	for (int iter = 0; iter < 3000; iter++) {
		char digits[24];
		int nd = 1 + (int)(rng() % 6);
		for (int i = 0; i < nd; i++)
			digits[i] = (char)('0' + (i == 0 || i == nd - 1 ? 1 + rng() % 9 : rng() % 10));
		digits[nd] = '\0';
		/* small exponents too, so neighbours are sometimes equal values */
		int exp = iter % 2 ? (int)(rng() % 61) - 30 : (int)(rng() % 3) - 1;
		int neg = (int)(rng() % 2);
		char a[200], b[200], ca[200];
		spell(a, sizeof a, neg, digits, exp);
		spell(b, sizeof b, neg, digits, exp);
		snprintf(ca, sizeof ca, "%s", canon(a));
		ck_assert_msg(!strcmp(ca, canon(b)), "%s and %s: %s vs %s", a, b, ca, canon(b));
		ck_assert_msg(!strcmp(ca, canon(ca)), "%s: %s is not a fixed point", a, ca);
		struct sx_field g = { .val = a, .val_len = strlen(a), .type = SX_JNUMBER };
		if (sx_jcanon_is_canonical(&g, 1))
			ck_assert_msg(!strcmp(a, ca), "%s taken as canonical, but it is %s", a, ca);
		/* equal canonical texts exactly when the join keys are equal,
		 * against this value's other spelling and the previous value */
		size_t la, lb, lp;
		char *ka = jkey_of(a, &la), *kb = jkey_of(b, &lb), *kp = jkey_of(prev, &lp);
		ck_assert_msg(la == lb && !memcmp(ka, kb, la), "%s vs %s: join keys differ", a, b);
		int jeq = la == lp && !memcmp(ka, kp, la);
		ck_assert_msg(jeq == !strcmp(ca, prev_canon), "%s vs %s: join keys %s, canonical %s vs %s",
			      a, prev, jeq ? "equal" : "differ", ca, prev_canon);
		free(ka);
		free(kb);
		free(kp);
		snprintf(prev, sizeof prev, "%s", b);
		snprintf(prev_canon, sizeof prev_canon, "%s", ca);
	}
}
END_TEST

START_TEST(fast_path_only_for_canonical_text)
{
	static const char *const yes[] = { "0", "1", "-1", "100", "1000000000000000000000", NULL };
	static const char *const no[] = { "-0", "1.0", "1e0", "10000000000000000000000", "0.5", NULL };
	for (int i = 0; yes[i]; i++) {
		struct sx_field f = { .val = yes[i], .val_len = strlen(yes[i]), .type = SX_JNUMBER };
		ck_assert_msg(sx_jcanon_is_canonical(&f, 1), "%s", yes[i]);
		ck_assert_str_eq(canon(yes[i]), yes[i]);
	}
	for (int i = 0; no[i]; i++) {
		struct sx_field f = { .val = no[i], .val_len = strlen(no[i]), .type = SX_JNUMBER };
		ck_assert_msg(!sx_jcanon_is_canonical(&f, 1), "%s", no[i]);
	}
	struct sx_field s = { .val = "\"a\\u0041\"", .val_len = 9, .type = SX_JSTRING, .val_esc = 1 };
	ck_assert(!sx_jcanon_is_canonical(&s, 1));
	struct sx_field o = { .val = "{ }", .val_len = 3, .type = SX_JOBJECT };
	ck_assert(!sx_jcanon_is_canonical(&o, 0));
}
END_TEST

Suite *sx_jcanon_suite(void)
{
	Suite *s = suite_create("sx_jcanon");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, canonical_texts);
	tcase_add_test(tc, random_spellings_property);
	tcase_add_test(tc, fast_path_only_for_canonical_text);
	suite_add_tcase(s, tc);
	return s;
}
