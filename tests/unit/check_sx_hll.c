/* Unit tests for common/sx_hll.c */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sx_hash.h"
#include "sx_hll.h"

static uint64_t h(uint64_t i)
{
	return sx_hash64(&i, sizeof i, 42);
}

START_TEST(exact_while_small)
{
	struct sx_hll a = {0};
	ck_assert_uint_eq(sx_hll_estimate(&a), 0);
	for (uint64_t i = 0; i < 100; i++) {
		sx_hll_add(&a, h(i));
		sx_hll_add(&a, h(i));          /* twice: counted once */
	}
	sx_hll_add(&a, 0);                     /* 0 is a value, not an empty slot */
	sx_hll_add(&a, 1);                     /* ... stored as 1: the same one */
	ck_assert_uint_eq(sx_hll_estimate(&a), 101);
	for (uint64_t i = 100; i < SX_HLL_EXACT_MAX - 1; i++)
		sx_hll_add(&a, h(i));
	ck_assert_int_eq(a.dense, 0);
	ck_assert_uint_eq(sx_hll_estimate(&a), SX_HLL_EXACT_MAX);
	sx_hll_add(&a, h(SX_HLL_EXACT_MAX));
	ck_assert_int_eq(a.dense, 1);          /* the 769th went dense */
	sx_hll_free(&a);
}
END_TEST

START_TEST(dense_estimate_within_two_percent)
{
	struct sx_hll a = {0};
	for (uint64_t i = 0; i < 200000; i++)
		sx_hll_add(&a, h(i));
	double e = (double)sx_hll_estimate(&a);
	ck_assert_msg(fabs(e - 200000) / 200000 < 0.02, "estimate %.0f", e);
	sx_hll_free(&a);
}
END_TEST

/* Merging sketches gives exactly the sketch of all their values: exact into
 * exact, exact into dense, dense into exact, dense into dense. */
START_TEST(merge_equals_one_sketch)
{
	static const uint64_t sizes[][2] = {{10, 20}, {10, 5000}, {5000, 10}, {3000, 4000}};
	for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
		struct sx_hll a = {0}, b = {0}, all = {0};
		for (uint64_t i = 0; i < sizes[c][0]; i++) {
			sx_hll_add(&a, h(i));
			sx_hll_add(&all, h(i));
		}
		for (uint64_t i = 0; i < sizes[c][1]; i++) {
			sx_hll_add(&b, h(1000000 + i));
			sx_hll_add(&all, h(1000000 + i));
		}
		sx_hll_merge(&a, &b);
		ck_assert_int_eq(a.dense, all.dense);
		ck_assert_uint_eq(sx_hll_estimate(&a), sx_hll_estimate(&all));
		if (a.dense)
			ck_assert_int_eq(memcmp(a.reg, all.reg, SX_HLL_M), 0);
		sx_hll_free(&a);
		sx_hll_free(&b);
		sx_hll_free(&all);
	}
}
END_TEST

START_TEST(reset_empties_and_reuses)
{
	struct sx_hll a = {0};
	for (uint64_t i = 0; i < 5000; i++)
		sx_hll_add(&a, h(i));
	uint8_t *reg = a.reg;
	sx_hll_reset(&a);
	ck_assert_uint_eq(sx_hll_estimate(&a), 0);
	for (uint64_t i = 0; i < 5000; i++)
		sx_hll_add(&a, h(i));
	ck_assert_ptr_eq(a.reg, reg);          /* the registers were kept */
	double e = (double)sx_hll_estimate(&a);
	ck_assert_msg(fabs(e - 5000) / 5000 < 0.03, "estimate %.0f", e);
	sx_hll_free(&a);
}
END_TEST

Suite *sx_hll_suite(void)
{
	Suite *s = suite_create("sx_hll");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, exact_while_small);
	tcase_add_test(tc, dense_estimate_within_two_percent);
	tcase_add_test(tc, merge_equals_one_sketch);
	tcase_add_test(tc, reset_empties_and_reuses);
	suite_add_tcase(s, tc);
	return s;
}
