/* Unit tests for common/sx_window.c and common/sx_winstage.c (time parsing). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sx_agg.h"
#include "sx_out.h"
#include "sx_window.h"
#include "sx_winstage.h"

#define S INT64_C(1000000)

START_TEST(alignment_with_negative_times_and_offsets)
{
	ck_assert_int_eq(sx_win_align_down(59 * S, 60 * S, 0), 0);
	ck_assert_int_eq(sx_win_align_up(59 * S, 60 * S, 0), 60 * S);
	ck_assert_int_eq(sx_win_align_up(60 * S, 60 * S, 0), 60 * S);
	ck_assert_int_eq(sx_win_align_down(-1, 60 * S, 0), -60 * S);
	ck_assert_int_eq(sx_win_align_up(-1, 60 * S, 0), 0);
	ck_assert_int_eq(sx_win_align_up(10 * S, 60 * S, 30 * S), 30 * S);
	ck_assert_int_eq(sx_win_align_up(31 * S, 60 * S, 30 * S), 90 * S);
	ck_assert_int_eq(sx_win_align_up(31 * S, 60 * S, -30 * S), 90 * S);
	ck_assert_int_eq(sx_win_align_down(29 * S, 60 * S, -30 * S), -30 * S);
}
END_TEST

START_TEST(bucket_end_and_closing_by_membership)
{
	struct sx_window_cfg c;
	memset(&c, 0, sizeof c);
	c.kind = SX_WIN_TUMBLING;
	c.size = 60 * S;
	/* (start, end]: an event on the edge belongs to the window it ends */
	ck_assert_int_eq(sx_win_bucket_end(&c, 60 * S), 60 * S);
	ck_assert_int_eq(sx_win_bucket_end(&c, 60 * S + 1), 120 * S);
	ck_assert(!sx_win_closes(&c, 60 * S, 60 * S));
	ck_assert(sx_win_closes(&c, 60 * S, 60 * S + 1));
	ck_assert(!sx_win_closes(&c, 60 * S, SX_TIME_NONE));
	c.start_inclusive = 1;
	ck_assert_int_eq(sx_win_bucket_end(&c, 60 * S), 120 * S);
	ck_assert_int_eq(sx_win_bucket_end(&c, 60 * S - 1), 60 * S);
	ck_assert(sx_win_closes(&c, 60 * S, 60 * S));
	/* hopping panes are gcd(size, hop) long */
	c.start_inclusive = 0;
	c.kind = SX_WIN_HOPPING;
	c.size = 90 * S;
	c.hop = 60 * S;
	ck_assert_int_eq(sx_win_bucket_end(&c, 31 * S), 60 * S);
	ck_assert_int_eq(sx_win_bucket_end(&c, 29 * S), 30 * S);
	c.kind = SX_WIN_SNAPSHOT;
	ck_assert_int_eq(sx_win_bucket_end(&c, 7), 7);
}
END_TEST

/* The engine, fed events of the form {"k":K,"v":V} at the given seconds,
 * with all rows captured as text. */
struct harness {
	struct sx_aggset *aggs;
	struct sx_window_cfg c;
	struct sx_window *w;
	struct sx_out out;
	char path[64];
	char *keys[1];
	uint64_t seq;
};

static void h_init(struct harness *h, enum sx_win_kind kind, int64_t size, int64_t hop, int grouped)
{
	char err[128];
	memset(h, 0, sizeof *h);
	h->aggs = sx_aggset_new();
	ck_assert_int_eq(sx_aggset_add(h->aggs, "count()", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(h->aggs, "collect(v)", err, sizeof err), 0);
	h->c.kind = kind;
	h->c.size = size;
	h->c.hop = hop;
	h->c.timeout = size;
	h->c.aggs = h->aggs;
	h->c.start_field = "s";
	h->c.end_field = "e";
	h->keys[0] = "k";
	h->c.keys = h->keys;
	h->c.nkeys = grouped;
	snprintf(h->path, sizeof h->path, "/tmp/sx-window-unit-XXXXXX");
	int fd = mkstemp(h->path);
	ck_assert_int_ge(fd, 0);
	sx_out_init(&h->out, fd, h->path);
	h->w = sx_window_new(&h->c, &h->out);
}

static void h_add(struct harness *h, const char *k, int64_t sec, int v)
{
	char line[128];
	const char *why;
	struct sx_rec rec;
	sx_rec_init(&rec);
	snprintf(line, sizeof line, "{\"k\":\"%s\",\"v\":%d}", k, v);
	ck_assert_int_eq(sx_rec_parse(&rec, line, strlen(line), &why), 0);
	sx_window_add(h->w, &rec, sec * S, h->seq++);
	sx_rec_free(&rec);
}

/* Everything written so far, as one string (caller frees). */
static char *h_text(struct harness *h)
{
	sx_out_flush(&h->out);
	FILE *f = fopen(h->path, "r");
	ck_assert_ptr_nonnull(f);
	char *buf = calloc(1, 65536);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void h_free(struct harness *h)
{
	sx_window_free(h->w);
	sx_out_close(&h->out);
	unlink(h->path);
	sx_aggset_free(h->aggs);
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(tumbling_closes_in_order_and_frees)
{
	struct harness h;
	h_init(&h, SX_WIN_TUMBLING, 10 * S, 0, 1);
	h_add(&h, "b", 1, 1);
	h_add(&h, "a", 2, 2);
	h_add(&h, "b", 10, 3);
	ck_assert_uint_eq(sx_window_open(h.w), 2);
	h_add(&h, "a", 11, 4);          /* closes (0,10] */
	char *t = h_text(&h);
	ck_assert_str_eq(t, "{\"s\":\"1970-01-01T00:00:00.000Z\",\"e\":\"1970-01-01T00:00:10.000Z\",\"k\":\"b\",\"count\":2,\"collect_v\":[1,3]}\n"
			    "{\"s\":\"1970-01-01T00:00:00.000Z\",\"e\":\"1970-01-01T00:00:10.000Z\",\"k\":\"a\",\"count\":1,\"collect_v\":[2]}\n");
	free(t);
	ck_assert_uint_eq(sx_window_open(h.w), 1);
	sx_window_advance(h.w, 20 * S); /* end 20 is not passed yet */
	ck_assert_uint_eq(sx_window_open(h.w), 1);
	sx_window_flush(h.w);
	ck_assert_uint_eq(sx_window_open(h.w), 0);
	t = h_text(&h);
	ck_assert_int_eq(count_lines(t), 3);
	free(t);
	h_free(&h);
}
END_TEST

START_TEST(hopping_panes_merge_once_per_window)
{
	struct harness h;
	h_init(&h, SX_WIN_HOPPING, 30 * S, 10 * S, 0);
	for (int i = 1; i <= 6; i++)
		h_add(&h, "x", i * 5, i);   /* 5,10,...,30 */
	/* 3 panes of 10 s hold the 6 events, not 18 window copies */
	ck_assert_uint_eq(sx_window_open(h.w), 3);
	sx_window_flush(h.w);
	char *t = h_text(&h);
	/* windows end every 10 s from 10 to 50; (20,50] holds 25,30 */
	ck_assert_int_eq(count_lines(t), 5);
	ck_assert_ptr_nonnull(strstr(t, "\"e\":\"1970-01-01T00:00:30.000Z\",\"count\":6,\"collect_v\":[1,2,3,4,5,6]"));
	ck_assert_ptr_nonnull(strstr(t, "\"e\":\"1970-01-01T00:00:50.000Z\",\"count\":2,\"collect_v\":[5,6]"));
	free(t);
	h_free(&h);
}
END_TEST

START_TEST(session_and_sliding_rows)
{
	struct harness h;
	h_init(&h, SX_WIN_SESSION, 5 * S, 0, 1);
	h_add(&h, "a", 0, 1);
	h_add(&h, "a", 5, 2);           /* exactly TIMEOUT later: same session */
	h_add(&h, "b", 6, 3);
	h_add(&h, "a", 11, 4);          /* 6 s gap: new session */
	sx_window_flush(h.w);
	char *t = h_text(&h);
	ck_assert_str_eq(t,
		"{\"s\":\"1970-01-01T00:00:00.000Z\",\"e\":\"1970-01-01T00:00:10.000Z\",\"k\":\"a\",\"count\":2,\"collect_v\":[1,2]}\n"
		"{\"s\":\"1970-01-01T00:00:06.000Z\",\"e\":\"1970-01-01T00:00:11.000Z\",\"k\":\"b\",\"count\":1,\"collect_v\":[3]}\n"
		"{\"s\":\"1970-01-01T00:00:11.000Z\",\"e\":\"1970-01-01T00:00:16.000Z\",\"k\":\"a\",\"count\":1,\"collect_v\":[4]}\n");
	free(t);
	h_free(&h);

	h_init(&h, SX_WIN_SLIDING, 10 * S, 0, 0);
	h_add(&h, "x", 0, 1);
	h_add(&h, "x", 4, 2);
	sx_window_flush(h.w);
	t = h_text(&h);
	/* entries at 0 and 4, the exit of 0 at 10 (4 remains); 14 is empty */
	ck_assert_int_eq(count_lines(t), 3);
	ck_assert_ptr_nonnull(strstr(t, "\"e\":\"1970-01-01T00:00:10.000Z\",\"count\":1,\"collect_v\":[2]"));
	free(t);
	h_free(&h);
}
END_TEST

START_TEST(state_round_trip_continues_identically)
{
	enum sx_win_kind kinds[] = { SX_WIN_TUMBLING, SX_WIN_HOPPING, SX_WIN_SESSION, SX_WIN_SLIDING, SX_WIN_SNAPSHOT };
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		struct harness one, two;
		h_init(&one, kinds[k], 10 * S, 5 * S, 1);
		h_init(&two, kinds[k], 10 * S, 5 * S, 1);
		const char *keys[] = { "a", "b", "a", "c", "b", "a", "a", "c" };
		const int secs[] = { 1, 3, 3, 8, 12, 14, 30, 31 };
		for (int i = 0; i < 8; i++) {
			h_add(&one, keys[i], secs[i], i);
			if (i == 4) {
				/* save mid-stream and continue in a fresh engine */
				char err[128];
				json_t *j = sx_window_save(two.w);
				sx_window_free(two.w);
				two.w = sx_window_new(&two.c, &two.out);
				ck_assert_int_eq(sx_window_load(two.w, j, err, sizeof err), 0);
				json_decref(j);
			}
			h_add(&two, keys[i], secs[i], i);
			two.seq = one.seq;
		}
		sx_window_flush(one.w);
		sx_window_flush(two.w);
		char *a = h_text(&one), *b = h_text(&two);
		ck_assert_str_eq(a, b);
		ck_assert_int_gt(count_lines(a), 2);
		free(a);
		free(b);
		h_free(&one);
		h_free(&two);
	}
}
END_TEST

START_TEST(state_load_rejects_damage)
{
	struct harness h;
	char err[128];
	h_init(&h, SX_WIN_TUMBLING, 10 * S, 0, 1);
	json_t *j = json_loads("{\"buckets\":[{\"end\":10000000,\"cells\":[[\"\\\"a\\\"\",{}]]}],\"next_e\":null}", 0, NULL);
	ck_assert_int_eq(sx_window_load(h.w, j, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "aggregates"));
	json_decref(j);
	j = json_loads("{\"buckets\":[{\"end\":5,\"cells\":[]},{\"end\":4,\"cells\":[]}],\"next_e\":0}", 0, NULL);
	ck_assert_int_eq(sx_window_load(h.w, j, err, sizeof err), -1);
	json_decref(j);
	h_free(&h);
}
END_TEST

START_TEST(many_short_lived_groups_are_forgotten)
{
	struct harness h;
	h_init(&h, SX_WIN_TUMBLING, 1 * S, 0, 1);
	char key[32];
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "g%d", i);
		h_add(&h, key, i, i);       /* one new group per window */
	}
	ck_assert_uint_lt(sx_window_groups(h.w), 10000);
	sx_window_flush(h.w);
	char *t = h_text(&h);
	free(t);
	h_free(&h);
}
END_TEST

Suite *sx_window_suite(void)
{
	Suite *s = suite_create("sx_window");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, alignment_with_negative_times_and_offsets);
	tcase_add_test(tc, bucket_end_and_closing_by_membership);
	tcase_add_test(tc, tumbling_closes_in_order_and_frees);
	tcase_add_test(tc, hopping_panes_merge_once_per_window);
	tcase_add_test(tc, session_and_sliding_rows);
	tcase_add_test(tc, state_round_trip_continues_identically);
	tcase_add_test(tc, state_load_rejects_damage);
	tcase_add_test(tc, many_short_lived_groups_are_forgotten);
	suite_add_tcase(s, tc);
	return s;
}
