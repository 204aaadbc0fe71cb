/* Unit tests for common/sx_reorder.c */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
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
	ck_assert_uint_le(r.nchunks, 2);    /* chunks are reused, not piled up */
	ck_assert_uint_eq(r.bytes, 0);
	sx_reorder_free(&r);
}
END_TEST

START_TEST(save_and_load_round_trip)
{
	struct sx_reorder r, s;
	char err[128];
	sx_reorder_init(&r);
	sx_reorder_init(&s);
	sx_reorder_push(&r, 20, 1, "{\"a\":\"\\u00e9\"}", 14);
	sx_reorder_push(&r, 10, 2, "{}", 2);
	sx_reorder_push(&r, 20, 0, "{\"b\":1}", 7);
	json_t *j = sx_reorder_save(&r);
	ck_assert_uint_eq(json_array_size(j), 3);
	ck_assert_int_eq(sx_reorder_load(&s, j, 0, 100, 3, err, sizeof err), 0);
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
	ck_assert_int_eq(sx_reorder_load(&s, bad, 0, 100, 3, err, sizeof err), -1);
	json_decref(bad);
	bad = json_loads("{}", 0, NULL);
	ck_assert_int_eq(sx_reorder_load(&s, bad, 0, 100, 3, err, sizeof err), -1);
	json_decref(bad);
	sx_reorder_free(&r);
	sx_reorder_free(&s);
}
END_TEST

/* A damaged state's held events are refused at load, naming what is wrong,
 * not trusted until they surface as "internal error" in a later run. */
START_TEST(test_defect_state_damaged_held_event)
{
	struct sx_reorder s;
	char err[128];
	sx_reorder_init(&s);
	static const struct { const char *json, *why; } bad[] = {
		{ "[[1,0,\"not json\"]]", "event 0: unexpected character" },
		{ "[[1,0,\"[1]\"]]", "event 0: not a JSON object" },
		{ "[[1,0,\"{}\"],[2,1,\"{\\\"a\\\":}\"]]", "event 1: unexpected character" },
		{ "[[101,0,\"{}\"]]", "event 0: time out of range" },
		{ "[[9223372036854775807,0,\"{}\"]]", "event 0: time out of range" },
		{ "[[1,3,\"{}\"]]", "event 0: sequence number out of range" },
		{ "[[1,-1,\"{}\"]]", "event 0: sequence number out of range" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *j = json_loads(bad[i].json, 0, NULL);
		ck_assert_ptr_nonnull(j);
		err[0] = '\0';
		ck_assert_int_eq(sx_reorder_load(&s, j, 0, 100, 3, err, sizeof err), -1);
		ck_assert_msg(strstr(err, bad[i].why), "%s: %s", bad[i].json, err);
		json_decref(j);
	}
	sx_reorder_free(&s);
}
END_TEST

/* Lines packed in chunks stay intact while chunks are reused, long lines
 * (bigger than a chunk) among them, and a sliding window of held lines
 * keeps a bounded number of chunks. */
START_TEST(chunks_are_reused_and_lines_stay_intact)
{
	struct sx_reorder r;
	sx_reorder_init(&r);
	static char line[600 * 1024];
	unsigned seed = 99;
	uint64_t popped = 0;
	for (uint64_t i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		/* mostly ~100 bytes, now and then longer than a chunk */
		size_t len = i % 5000 == 77 ? sizeof line - 1 : 22 + (seed >> 16) % 180;
		memset(line, 'a' + (int)(i % 26), len);
		snprintf(line, 24, "%020llu", (unsigned long long)i);
		line[20] = ':';
		sx_reorder_push(&r, (sx_time_t)(i + (seed >> 8) % 50), i, line, len);
		const struct sx_reorder_item *it;
		while ((it = sx_reorder_pop(&r, (sx_time_t)i - 60))) {
			unsigned long long k = strtoull(it->line, NULL, 10);
			size_t b = 21;
			while (b < it->len && it->line[b] == 'a' + (int)(k % 26))
				b++;
			/* (one check per line: Check's asserts are slow) */
			ck_assert_msg(k == it->seq && b == it->len && it->line[b] == '\0',
				      "line %llu damaged at byte %zu", k, b);
			popped++;
		}
	}
	ck_assert_uint_le(r.nchunks, 6);
	while (sx_reorder_pop(&r, INT64_MAX))
		popped++;
	ck_assert_uint_eq(popped, 20000);
	ck_assert_uint_eq(r.bytes, 0);
	sx_reorder_free(&r);
}
END_TEST

Suite *sx_reorder_suite(void)
{
	Suite *s = suite_create("sx_reorder");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, pops_in_time_then_input_order);
	tcase_add_test(tc, recycles_buffers_and_keeps_long_lines);
	tcase_add_test(tc, save_and_load_round_trip);
	tcase_add_test(tc, test_defect_state_damaged_held_event);
	tcase_add_test(tc, chunks_are_reused_and_lines_stay_intact);
	suite_add_tcase(s, tc);
	return s;
}
