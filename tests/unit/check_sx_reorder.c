/* Unit tests for common/sx_reorder.c */
#include <check.h>
#include <string.h>
#include "sx_reorder.h"

START_TEST(pops_in_time_then_input_order)
{
	struct sx_reorder r;
	sx_reorder_init(&r);
	/* times with ties; seq is input order */
	const sx_time_t t[] = { 50, 30, 90, 30, 10, 30 };
	char line[32];
	for (int i = 0; i < 6; i++) {
		snprintf(line, sizeof line, "{\"i\":%d}", i);
		sx_reorder_push(&r, t[i], (uint64_t)i, line, strlen(line));
	}
	ck_assert_uint_eq(sx_reorder_count(&r), 6);
	/* peek shows the earliest and leaves it there */
	ck_assert_int_eq(sx_reorder_peek(&r)->t, 10);
	ck_assert_uint_eq(sx_reorder_peek(&r)->seq, 4);
	ck_assert_uint_eq(sx_reorder_count(&r), 6);
	/* nothing at or before 5 */
	ck_assert_ptr_null(sx_reorder_pop(&r, 5));
	const int want[] = { 4, 1, 3, 5, 0 };
	for (int k = 0; k < 5; k++) {
		const struct sx_reorder_item *it = sx_reorder_pop(&r, 50);
		ck_assert_ptr_nonnull(it);
		ck_assert_uint_eq(it->seq, (uint64_t)want[k]);
		snprintf(line, sizeof line, "{\"i\":%d}", want[k]);
		ck_assert_str_eq(it->line, line);
	}
	ck_assert_ptr_null(sx_reorder_pop(&r, 50));
	const struct sx_reorder_item *it = sx_reorder_pop(&r, INT64_MAX);
	ck_assert_int_eq(it->t, 90);
	ck_assert_uint_eq(sx_reorder_count(&r), 0);
	ck_assert_ptr_null(sx_reorder_peek(&r));
	sx_reorder_free(&r);
}
END_TEST

START_TEST(recycles_buffers_and_keeps_long_lines)
{
	struct sx_reorder r;
	sx_reorder_init(&r);
	char big[5000];
	memset(big, 'x', sizeof big);
	for (int round = 0; round < 100; round++) {
		size_t len = round % 2 ? sizeof big : 3;
		sx_reorder_push(&r, round, (uint64_t)round, big, len);
		const struct sx_reorder_item *it = sx_reorder_pop(&r, round);
		ck_assert_uint_eq(it->len, len);
		ck_assert_int_eq(memcmp(it->line, big, len), 0);
		ck_assert_int_eq(it->line[len], '\0');
	}
	ck_assert_uint_le(r.npool, 1);      /* buffers are reused, not piled up */
	ck_assert_uint_eq(r.bytes, 0);
	sx_reorder_free(&r);
}
END_TEST

START_TEST(save_and_load_round_trip)
{
	struct sx_reorder r, s;
	sx_reorder_init(&r);
	sx_reorder_init(&s);
	sx_reorder_push(&r, 20, 1, "{\"a\":\"\\u00e9\"}", 14);
	sx_reorder_push(&r, 10, 2, "{}", 2);
	sx_reorder_push(&r, 20, 0, "{\"b\":1}", 7);
	json_t *j = sx_reorder_save(&r);
	ck_assert_uint_eq(json_array_size(j), 3);
	ck_assert_int_eq(sx_reorder_load(&s, j), 0);
	json_decref(j);
	const uint64_t want[] = { 2, 0, 1 };
	for (int k = 0; k < 3; k++) {
		const struct sx_reorder_item *a = sx_reorder_pop(&r, INT64_MAX);
		uint64_t aseq = a->seq;
		sx_time_t at = a->t;
		char aline[32];
		snprintf(aline, sizeof aline, "%s", a->line);
		const struct sx_reorder_item *b = sx_reorder_pop(&s, INT64_MAX);
		ck_assert_uint_eq(aseq, want[k]);
		ck_assert_uint_eq(b->seq, aseq);
		ck_assert_int_eq(b->t, at);
		ck_assert_str_eq(b->line, aline);
	}
	/* malformed state */
	json_t *bad = json_loads("[[1,\"x\",\"{}\"]]", 0, NULL);
	ck_assert_int_eq(sx_reorder_load(&s, bad), -1);
	json_decref(bad);
	bad = json_loads("{}", 0, NULL);
	ck_assert_int_eq(sx_reorder_load(&s, bad), -1);
	json_decref(bad);
	sx_reorder_free(&r);
	sx_reorder_free(&s);
}
END_TEST

/* A damaged --state whose held line is not a JSON object loaded, and sx-window
 * died at release with "internal error: held event does not parse" (found by
 * tests/fuzz/fuzz_state).  The load refuses it, and a time outside 0001-9999. */
START_TEST(test_defect_reorder_load_accepts_unparsable_line)
{
	static const char *const bad[] = {
		"[[1,0,\"{\\\"a\\\":\"]]",    /* {"a": */
		"[[1,0,\"[1]\"]]",                  /* not an object */
		"[[1,0,\"\"]]",
		"[[-9223372036854775807,0,\"{}\"]]", /* before year 1 */
		"[[9223372036854775807,0,\"{}\"]]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct sx_reorder r;
		sx_reorder_init(&r);
		json_t *j = json_loads(bad[i], 0, NULL);
		ck_assert_ptr_nonnull(j);
		ck_assert_msg(sx_reorder_load(&r, j) == -1, "accepted %s", bad[i]);
		json_decref(j);
		sx_reorder_free(&r);
	}
}
END_TEST

Suite *sx_reorder_suite(void)
{
	Suite *s = suite_create("sx_reorder");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, pops_in_time_then_input_order);
	tcase_add_test(tc, recycles_buffers_and_keeps_long_lines);
	tcase_add_test(tc, save_and_load_round_trip);
	tcase_add_test(tc, test_defect_reorder_load_accepts_unparsable_line);
	suite_add_tcase(s, tc);
	return s;
}
