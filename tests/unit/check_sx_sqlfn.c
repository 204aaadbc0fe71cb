/* Unit tests for common/sx_sqlfn.c */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_sqlfn.h"

static struct sx_val str(const char *s)
{
	struct sx_val v = { .t = SX_VSTR };
	v.u.s.p = s;
	v.u.s.n = strlen(s);
	return v;
}

static struct sx_val num(int64_t i)
{
	struct sx_val v = { .t = SX_VINT };
	v.u.i = i;
	return v;
}

START_TEST(like_matching)
{
	ck_assert(sx_like("abc", 3, "a%", 2, -1));
	ck_assert(sx_like("abc", 3, "%c", 2, -1));
	ck_assert(sx_like("abc", 3, "a_c", 3, -1));
	ck_assert(!sx_like("abc", 3, "a_", 2, -1));
	ck_assert(sx_like("", 0, "%", 1, -1));
	ck_assert(!sx_like("", 0, "_", 1, -1));
	ck_assert(sx_like("b", 1, "[a-c]", 5, -1));
	ck_assert(!sx_like("d", 1, "[a-c]", 5, -1));
	ck_assert(sx_like("d", 1, "[^a-c]", 6, -1));
	ck_assert(sx_like("50%", 3, "50!%", 4, '!'));
	ck_assert(!sx_like("500", 3, "50!%", 4, '!'));
	ck_assert(sx_like("a_b", 3, "a\\_b", 4, '\\'));
	/* one _ is one character, not one byte */
	ck_assert(sx_like("d\xc3\xad" "a", 4, "d_a", 3, -1));
	/* backtracking over several %s */
	ck_assert(sx_like("xaybzc", 6, "%a%b%c", 6, -1));
	ck_assert(!sx_like("xaybz", 5, "%a%b%c", 6, -1));
	/* an unterminated [ is itself */
	ck_assert(sx_like("[a", 2, "[a", 2, -1));
}
END_TEST

START_TEST(cast_rules)
{
	struct sx_fnctx c;
	struct sx_val v, out;
	sx_fnctx_init(&c);
	v = str("  -42 ");
	ck_assert_int_eq(sx_val_cast(&c, &v, SX_VINT, &out), 0);
	ck_assert_int_eq(out.u.i, -42);
	v = str("9223372036854775808");
	ck_assert_int_eq(sx_val_cast(&c, &v, SX_VINT, &out), -1);
	ck_assert_str_eq(c.why, "cannot convert nvarchar(max) '9223372036854775808' to bigint");
	v = str("inf");
	ck_assert_int_eq(sx_val_cast(&c, &v, SX_VFLOAT, &out), -1);
	v = str("0x10");
	ck_assert_int_eq(sx_val_cast(&c, &v, SX_VFLOAT, &out), -1);
	v.t = SX_VFLOAT;
	v.u.f = -2.9;
	ck_assert_int_eq(sx_val_cast(&c, &v, SX_VINT, &out), 0);
	ck_assert_int_eq(out.u.i, -2);
	v.u.f = 21.0;
	ck_assert_int_eq(sx_val_cast(&c, &v, SX_VSTR, &out), 0);
	ck_assert_int_eq((int)out.u.s.n, 2);
	ck_assert(!memcmp(out.u.s.p, "21", 2));
	v = str("2026-02-30");
	ck_assert_int_eq(sx_val_cast(&c, &v, SX_VTIME, &out), -1);
	v.t = SX_VNULL;
	ck_assert_int_eq(sx_val_cast(&c, &v, SX_VINT, &out), 0);
	ck_assert_int_eq(out.t, SX_VNULL);
	sx_fnctx_free(&c);
}
END_TEST

START_TEST(compare_rules)
{
	struct sx_fnctx c;
	struct sx_val a, b;
	int cmp;
	sx_fnctx_init(&c);
	a = num(2);
	b.t = SX_VFLOAT;
	b.u.f = 2.0;
	ck_assert_int_eq(sx_val_cmp(&c, &a, &b, &cmp), 0);
	ck_assert_int_eq(cmp, 0);
	a = str("b");
	b = str("abc");
	ck_assert_int_eq(sx_val_cmp(&c, &a, &b, &cmp), 0);
	ck_assert_int_eq(cmp, 1);
	a = str("ab");
	ck_assert_int_eq(sx_val_cmp(&c, &a, &b, &cmp), 0);
	ck_assert_int_eq(cmp, -1);
	a = num(10);
	b = str("9");
	ck_assert_int_eq(sx_val_cmp(&c, &a, &b, &cmp), 0);
	ck_assert_int_eq(cmp, 1);
	b = str("nine");
	ck_assert_int_eq(sx_val_cmp(&c, &a, &b, &cmp), -1);
	ck_assert_str_eq(c.why, "cannot compare bigint 10 with nvarchar(max) 'nine'");
	a.t = SX_VTIME;
	a.u.i = 0;
	b = str("1970-01-01T00:00:00Z");
	ck_assert_int_eq(sx_val_cmp(&c, &a, &b, &cmp), 0);
	ck_assert_int_eq(cmp, 0);
	sx_fnctx_free(&c);
}
END_TEST

START_TEST(function_table)
{
	ck_assert_ptr_nonnull(sx_sqlfn_find("upper", 5));
	ck_assert_ptr_nonnull(sx_sqlfn_find("GetArrayLength", 14));
	ck_assert_ptr_null(sx_sqlfn_find("UPPE", 4));
	ck_assert_str_eq(sx_sqlfn_closest("UPPE", 4, NULL), "UPPER");
	ck_assert_str_eq(sx_sqlfn_closest("datdiff", 7, NULL), "DATEDIFF");
	ck_assert_ptr_null(sx_sqlfn_closest("xyzzy", 5, NULL));
	const char *extra[] = { "ISFIRST", NULL };
	ck_assert_str_eq(sx_sqlfn_closest("ISFRST", 6, extra), "ISFIRST");
	ck_assert_int_eq(sx_datepart_parse("MI", 2), SX_DP_MINUTE);
	ck_assert_int_eq(sx_datepart_parse("dw", 2), SX_DP_WEEKDAY);
	ck_assert_int_eq(sx_datepart_parse("fortnight", 9), -1);
}
END_TEST

/* The arena hands out memory that survives until reset, then reuses it. */
START_TEST(arena_reuse)
{
	struct sx_fnctx c;
	sx_fnctx_init(&c);
	char *a = sx_fnctx_alloc(&c, 10);
	memset(a, 'a', 10);
	char *b = sx_fnctx_alloc(&c, 100000);   /* a chunk of its own */
	memset(b, 'b', 100000);
	ck_assert_int_eq(a[9], 'a');
	size_t chunks = c.nchunk;
	for (int i = 0; i < 1000; i++) {
		sx_fnctx_reset(&c);
		memset(sx_fnctx_alloc(&c, 10), 'x', 10);
		memset(sx_fnctx_alloc(&c, 100000), 'y', 100000);
	}
	ck_assert_uint_eq(c.nchunk, chunks);
	sx_fnctx_free(&c);
}
END_TEST

START_TEST(json_member)
{
	struct sx_fnctx c;
	struct sx_val v;
	const char *obj = "{ \"a\" : 1 , \"b\\u0022\": \"q\", \"c\": {\"d\": [1,{\"e\":2}]} }";
	sx_fnctx_init(&c);
	ck_assert_int_eq(sx_json_member(&c, obj, strlen(obj), "a", 1, &v), 1);
	ck_assert_int_eq(v.t, SX_VINT);
	ck_assert_int_eq(sx_json_member(&c, obj, strlen(obj), "b\"", 2, &v), 1);
	ck_assert_int_eq(v.t, SX_VSTR);
	ck_assert_int_eq(sx_json_member(&c, obj, strlen(obj), "c", 1, &v), 1);
	ck_assert_int_eq(v.t, SX_VREC);
	ck_assert_int_eq((int)v.u.s.n, (int)strlen("{\"d\": [1,{\"e\":2}]}"));
	ck_assert_int_eq(sx_json_member(&c, obj, strlen(obj), "e", 1, &v), 0);
	ck_assert_int_eq(sx_json_member(&c, "{}", 2, "a", 1, &v), 0);
	sx_fnctx_free(&c);
}
END_TEST

Suite *sx_sqlfn_suite(void)
{
	Suite *s = suite_create("sx_sqlfn");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, like_matching);
	tcase_add_test(tc, cast_rules);
	tcase_add_test(tc, compare_rules);
	tcase_add_test(tc, function_table);
	tcase_add_test(tc, arena_reuse);
	tcase_add_test(tc, json_member);
	suite_add_tcase(s, tc);
	return s;
}
