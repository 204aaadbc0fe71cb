/* Unit tests for common/sx_analytic.c */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_analytic.h"
#include "sx_buf.h"

#define SEC INT64_C(1000000)

static struct sx_val num(int64_t i)
{
	struct sx_val v = { .t = SX_VINT };
	v.u.i = i;
	return v;
}

START_TEST(lag_offsets_and_duration)
{
	struct sx_analytic a;
	struct sx_val v, out;
	int found;
	sx_analytic_init(&a, SX_AN_LAG, 2, 10 * SEC);
	int64_t times[] = { 1, 2, 3, 20, 21 };
	int want_found[] = { 0, 0, 1, 0, 0 };
	int64_t want[] = { 0, 0, 100, 0, 0 };
	for (int i = 0; i < 5; i++) {
		v = num(100 + i);
		sx_analytic_lag(&a, "k", 1, times[i] * SEC, 1, &v, &found, &out);
		ck_assert_int_eq(found, want_found[i]);
		if (found)
			ck_assert_int_eq(out.u.i, want[i]);
	}
	sx_analytic_free(&a);
}
END_TEST

/* The answer is the oldest slot, which the current event overwrites: the
 * string handed out must survive. */
START_TEST(lag_string_survives_overwrite)
{
	struct sx_analytic a;
	struct sx_val v = { .t = SX_VSTR }, out;
	int found;
	sx_analytic_init(&a, SX_AN_LAG, 1, 60 * SEC);
	char s1[] = "first value", s2[] = "second";
	v.u.s.p = s1;
	v.u.s.n = strlen(s1);
	sx_analytic_lag(&a, "", 0, SEC, 1, &v, &found, &out);
	ck_assert_int_eq(found, 0);
	v.u.s.p = s2;
	v.u.s.n = strlen(s2);
	sx_analytic_lag(&a, "", 0, 2 * SEC, 1, &v, &found, &out);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq((int)out.u.s.n, (int)strlen(s1));
	ck_assert(!memcmp(out.u.s.p, s1, out.u.s.n));
	sx_analytic_free(&a);
}
END_TEST

START_TEST(last_counts_current_and_when)
{
	struct sx_analytic a;
	struct sx_val v, out;
	int found;
	sx_analytic_init(&a, SX_AN_LAST, 0, 60 * SEC);
	v = num(1);
	sx_analytic_lag(&a, "p", 1, SEC, 1, &v, &found, &out);
	ck_assert(found && out.u.i == 1);
	v = num(2);   /* does not satisfy WHEN: the last matching one stays */
	sx_analytic_lag(&a, "p", 1, 2 * SEC, 0, &v, &found, &out);
	ck_assert(found && out.u.i == 1);
	sx_analytic_lag(&a, "q", 1, 3 * SEC, 0, &v, &found, &out);
	ck_assert_int_eq(found, 0);
	sx_analytic_free(&a);
}
END_TEST

START_TEST(isfirst_intervals)
{
	struct sx_analytic a;
	sx_analytic_init(&a, SX_AN_ISFIRST, 0, 10 * SEC);
	ck_assert_int_eq(sx_analytic_isfirst(&a, "", 0, 1 * SEC, 1), 1);
	ck_assert_int_eq(sx_analytic_isfirst(&a, "", 0, 5 * SEC, 1), 0);
	ck_assert_int_eq(sx_analytic_isfirst(&a, "", 0, 10 * SEC, 1), 0);   /* (0, 10] */
	ck_assert_int_eq(sx_analytic_isfirst(&a, "", 0, 11 * SEC, 0), 0);   /* fails WHEN */
	ck_assert_int_eq(sx_analytic_isfirst(&a, "", 0, 12 * SEC, 1), 1);
	ck_assert_int_eq(sx_analytic_isfirst(&a, "x", 1, 12 * SEC, 1), 1);
	sx_analytic_free(&a);
}
END_TEST

/* Partitions silent for longer than the duration are forgotten: state stays
 * bounded however many keys pass through. */
START_TEST(state_is_bounded)
{
	struct sx_analytic a;
	struct sx_val v = num(1), out;
	int found;
	char key[32];
	sx_analytic_init(&a, SX_AN_LAG, 1, 10 * SEC);
	for (int i = 0; i < 30000; i++) {
		int n = snprintf(key, sizeof key, "device-%d", i);
		sx_analytic_lag(&a, key, (size_t)n, (int64_t)i * SEC / 10, 1, &v, &found, &out);
	}
	/* 10 s of keys at 10 a second, plus what a sweep every 10 s leaves */
	ck_assert_uint_le(sx_strmap_count(&a.parts), 300);
	ck_assert_uint_le(a.npart, 400);
	sx_analytic_free(&a);
}
END_TEST

START_TEST(keys_by_value)
{
	struct sx_buf k1 = SX_BUF_INIT, k2 = SX_BUF_INIT;
	struct sx_val a = num(1), b = { .t = SX_VFLOAT };
	b.u.f = 1.0;
	sx_analytic_key(&k1, &a);
	sx_analytic_key(&k2, &b);
	ck_assert_uint_eq(k1.len, k2.len);
	ck_assert(!memcmp(k1.data, k2.data, k1.len));
	struct sx_val s = { .t = SX_VSTR };
	s.u.s.p = "1";
	s.u.s.n = 1;
	sx_buf_reset(&k2);
	sx_analytic_key(&k2, &s);
	ck_assert(k1.len != k2.len || memcmp(k1.data, k2.data, k1.len));
	sx_buf_free(&k1);
	sx_buf_free(&k2);
}
END_TEST

/* --state: a state saved and loaded answers as the one it came from, and
 * damaged entries are refused. */
START_TEST(save_load_round_trip)
{
	struct sx_analytic a, b;
	struct sx_val v = { .t = SX_VSTR }, out1, out2;
	int f1, f2;
	char err[200];
	sx_analytic_init(&a, SX_AN_LAG, 2, 60 * SEC);
	const char *vals[] = { "x", "y\"z", "" };
	for (int i = 0; i < 3; i++) {
		v.u.s.p = vals[i];
		v.u.s.n = strlen(vals[i]);
		sx_analytic_lag(&a, i == 1 ? "q" : "p", 1, (i + 1) * SEC, 1, &v, &f1, &out1);
	}
	json_t *j = sx_analytic_save(&a);
	sx_analytic_init(&b, SX_AN_LAG, 2, 60 * SEC);
	ck_assert_int_eq(sx_analytic_load(&b, j, err, sizeof err), 0);
	struct sx_val n = { .t = SX_VINT };
	sx_analytic_lag(&a, "p", 1, 10 * SEC, 1, &n, &f1, &out1);
	sx_analytic_lag(&b, "p", 1, 10 * SEC, 1, &n, &f2, &out2);
	ck_assert(f1 && f2);
	ck_assert_int_eq(out2.t, SX_VSTR);
	ck_assert_int_eq((int)out2.u.s.n, (int)out1.u.s.n);
	ck_assert(!memcmp(out1.u.s.p, out2.u.s.p, out1.u.s.n));
	sx_analytic_free(&b);
	/* a ring longer than the offset allows, a key that is not hex */
	json_t *bad = json_loads("{\"newest\":null,\"swept\":null,\"parts\":[[\"zz\",null,null,[]]]}", 0, NULL);
	sx_analytic_init(&b, SX_AN_LAG, 2, 60 * SEC);
	ck_assert_int_eq(sx_analytic_load(&b, bad, err, sizeof err), -1);
	ck_assert_str_eq(err, "analytic state: partition 0 is damaged");
	sx_analytic_free(&b);
	json_decref(bad);
	bad = json_loads("{\"newest\":null,\"swept\":null,\"parts\":[[\"70\",null,null,[[1,[1,1]],[2,[1,2]],[3,[1,3]]]]]}", 0, NULL);
	sx_analytic_init(&b, SX_AN_LAG, 2, 60 * SEC);
	ck_assert_int_eq(sx_analytic_load(&b, bad, err, sizeof err), -1);
	sx_analytic_free(&b);
	json_decref(bad);
	json_decref(j);
	sx_analytic_free(&a);
}
END_TEST

Suite *sx_analytic_suite(void)
{
	Suite *s = suite_create("sx_analytic");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, lag_offsets_and_duration);
	tcase_add_test(tc, lag_string_survives_overwrite);
	tcase_add_test(tc, last_counts_current_and_when);
	tcase_add_test(tc, isfirst_intervals);
	tcase_add_test(tc, state_is_bounded);
	tcase_add_test(tc, keys_by_value);
	tcase_add_test(tc, save_load_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
