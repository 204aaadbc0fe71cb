/* Unit tests for common/sx_grow.h */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sx_grow.h"

START_TEST(grow_from_null_keeps_contents)
{
	int *v = NULL;
	size_t n = 0, cap = 0, reallocs = 0;
	for (int i = 0; i < 100000; i++) {
		size_t before = cap;
		SX_GROW(v, n + 1, cap);
		if (cap != before)
			reallocs++;
		ck_assert_uint_ge(cap, n + 1);
		v[n++] = i;
	}
	for (int i = 0; i < 100000; i++)
		ck_assert_int_eq(v[i], i);
	/* geometric: a few dozen reallocations, not one per append */
	ck_assert_uint_le(reallocs, 30);
	free(v);
}
END_TEST

START_TEST(grow_is_a_no_op_when_it_fits)
{
	char *v = NULL;
	size_t cap = 0;
	SX_GROW(v, 10, cap);
	char *was = v;
	size_t was_cap = cap;
	SX_GROW(v, was_cap, cap);
	size_t none = 0;
	SX_GROW(v, none, cap);
	ck_assert_ptr_eq(v, was);
	ck_assert_uint_eq(cap, was_cap);
	free(v);
}
END_TEST

START_TEST(grow_cap_reaches_need_and_saturates)
{
	ck_assert_uint_eq(sx_grow_cap(0, 1), 24);
	ck_assert_uint_eq(sx_grow_cap(0, 1000), 1000);	/* a big jump lands exactly */
	ck_assert_uint_eq(sx_grow_cap(24, 25), 60);
	ck_assert_uint_eq(sx_grow_cap(SIZE_MAX / 2, SIZE_MAX / 2 + 1), SIZE_MAX);
	ck_assert_uint_eq(sx_grow_cap(SIZE_MAX - 1, SIZE_MAX), SIZE_MAX);
	ck_assert_uint_eq(sx_grow_cap(SIZE_MAX / 3 - 16, SIZE_MAX / 3), (SIZE_MAX / 3 - 16 + 16) * 3 / 2);
	ck_assert_uint_eq(sx_grow_cap(SIZE_MAX / 3 - 15, SIZE_MAX / 3), SIZE_MAX);
}
END_TEST

/* A count whose byte size overflows size_t is refused like out of memory:
 * exit 1 with a message, never a short buffer. */
START_TEST(grow_overflow_exits)
{
	struct { char b[64]; } *v = NULL;
	size_t cap = 0;
	SX_GROW(v, SIZE_MAX / 32, cap);
	ck_abort_msg("SX_GROW returned from an overflowing request");
}
END_TEST

START_TEST(realloc_array_parallel)
{
	int *a = NULL;
	double *b = NULL;
	size_t cap = 0;
	cap = sx_grow_cap(cap, 3);
	SX_REALLOC_ARRAY(a, cap);
	SX_REALLOC_ARRAY(b, cap);
	a[cap - 1] = 7;
	b[cap - 1] = 7.5;
	ck_assert_int_eq(a[cap - 1], 7);
	ck_assert_double_eq(b[cap - 1], 7.5);
	free(a);
	free(b);
}
END_TEST

Suite *sx_grow_suite(void)
{
	Suite *s = suite_create("sx_grow");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, grow_from_null_keeps_contents);
	tcase_add_test(tc, grow_is_a_no_op_when_it_fits);
	tcase_add_test(tc, grow_cap_reaches_need_and_saturates);
	tcase_add_exit_test(tc, grow_overflow_exits, 1);
	tcase_add_test(tc, realloc_array_parallel);
	suite_add_tcase(s, tc);
	return s;
}
