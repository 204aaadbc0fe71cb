/* Unit tests for common/sx_join.c: the stream-to-stream join engine driven
 * directly (add, end, advance), rows written to a file; the watermarks come
 * from an sx_evtime, as sx-join's stage keeps them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_evtime.h"
#include "sx_join.h"
#include "sx_out.h"
#include "sx_stats.h"
#include "testutil.h"

#define S INT64_C(1000000)

static char *lkeys[] = { "k", "k2" }, *rkeys[] = { "k", "k2" };

struct h {
	struct sx_join_cfg c;
	int64_t max_delay[2], idle_timeout;
	struct sx_evtime et;
	struct sx_join *j;
	struct sx_out out;
	struct sx_rec rec;
};

static void h_open(struct h *h, enum sx_join_type type, int64_t lo, int64_t hi, int nkeys)
{
	memset(h, 0, sizeof *h);
	memset(&sx_stats, 0, sizeof sx_stats);
	h->c.lkeys = lkeys;
	h->c.rkeys = rkeys;
	h->c.nkeys = nkeys;
	h->c.lo = lo;
	h->c.hi = hi;
	h->c.type = type;
	h->c.prefix = "right_";
	int fd = open(tu_path("out.ndjson"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	sx_out_init(&h->out, fd, "out");
	sx_rec_init(&h->rec);
}

/* The monotonic clock sx_evtime reads (--idle-timeout). */
static int64_t fake_mono;
static int64_t mono(void)
{
	return fake_mono;
}
static const struct sx_clock fake_clock = { sx_time_now, mono };

static void h_start(struct h *h)
{
	fake_mono = 1000 * S;
	sx_clock_hook = &fake_clock;
	struct sx_evtime_cfg ec = { .time_field = { "t", "t" }, .max_delay = { h->max_delay[0], h->max_delay[1] },
				    .idle_timeout = h->idle_timeout };
	sx_evtime_init(&h->et, &ec, 2);
	h->j = sx_join_new(&h->c, &h->out);
}

/* Add TEXT to SIDE at T seconds (fractions allowed): the late flag. */
static int add(struct h *h, int side, const char *text, double t)
{
	const char *why;
	ck_assert_msg(sx_rec_parse(&h->rec, text, strlen(text), &why) == 0, "%s: %s", text, why);
	sx_time_t us = (sx_time_t)(t * 1e6 + (t < 0 ? -0.5 : 0.5));
	if (sx_evtime_observe(&h->et, side, &h->rec, us))
		return 1;
	sx_join_add(h->j, side, &h->rec, us, sx_evtime_watermark(&h->et, side));
	return 0;
}

/* SIDE has had no record for QUIET microseconds. */
static void idle(struct h *h, int side, int64_t quiet)
{
	fake_mono = h->et.in[side].last_input + quiet;
	if (sx_evtime_tick(&h->et, side))
		sx_join_advance(h->j, side, sx_evtime_watermark(&h->et, side));
}

/* The rows written so far (malloc'd). */
static char *rows(struct h *h)
{
	sx_out_flush(&h->out);
	return tu_slurp("out.ndjson");
}

#define ROWS(h, want) do {                                               \
	char *got_ = rows(h);                                            \
	ck_assert_msg(strcmp(got_, want) == 0, "rows:\n%s\nwant:\n%s", got_, want); \
	free(got_);                                                      \
} while (0)

static void h_close(struct h *h)
{
	sx_join_free(h->j);
	sx_evtime_free(&h->et);
	sx_clock_hook = NULL;
	sx_out_close(&h->out);
	sx_rec_free(&h->rec);
}

START_TEST(bounds_are_inclusive)
{
	struct h h;
	h_open(&h, SX_JOIN_INNER, 0, 10 * S, 1);
	h_start(&h);
	add(&h, SX_JOIN_L, "{\"k\":1,\"l\":0}", 100);
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":\"-1us\"}", 99.999999);
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":\"0\"}", 100);
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":\"10s\"}", 110);
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":\"10s+1us\"}", 110.000001);
	sx_join_end(h.j, SX_JOIN_L);
	sx_join_end(h.j, SX_JOIN_R);
	ROWS(&h, "{\"k\":1,\"l\":0,\"r\":\"0\"}\n{\"k\":1,\"l\":0,\"r\":\"10s\"}\n");
	ck_assert_uint_eq(sx_stats.records_out, 2);
	h_close(&h);

	/* negative bounds: right records before the left one */
	h_open(&h, SX_JOIN_INNER, -5 * S, -2 * S, 1);
	h_start(&h);
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":-6}", 94);
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":-5}", 95);
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":-2}", 98);
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":-1}", 99);
	add(&h, SX_JOIN_L, "{\"k\":1,\"l\":0}", 100);
	sx_join_end(h.j, SX_JOIN_L);
	sx_join_end(h.j, SX_JOIN_R);
	ROWS(&h, "{\"k\":1,\"l\":0,\"r\":-5}\n{\"k\":1,\"l\":0,\"r\":-2}\n");
	h_close(&h);
}
END_TEST

/* The three join types on one data set, and when rows come out. */
START_TEST(inner_left_anti)
{
	static const enum sx_join_type types[] = { SX_JOIN_INNER, SX_JOIN_LEFT, SX_JOIN_ANTI };
	static const char *const want[] = {
		"{\"k\":\"a\",\"l\":1,\"r\":1}\n{\"k\":\"a\",\"l\":1,\"r\":2}\n",
		"{\"k\":\"a\",\"l\":1,\"r\":1}\n{\"k\":\"a\",\"l\":1,\"r\":2}\n{\"k\":\"b\",\"l\":2}\n{\"l\":3}\n",
		"{\"k\":\"b\",\"l\":2}\n{\"l\":3}\n",
	};
	for (int i = 0; i < 3; i++) {
		struct h h;
		h_open(&h, types[i], 0, 15 * S, 1);
		h_start(&h);
		add(&h, SX_JOIN_L, "{\"k\":\"a\",\"l\":1}", 0);
		add(&h, SX_JOIN_L, "{\"k\":\"b\",\"l\":2}", 1);
		add(&h, SX_JOIN_L, "{\"l\":3}", 2);            /* no key: matches nothing */
		add(&h, SX_JOIN_R, "{\"k\":\"a\",\"r\":1}", 5);
		add(&h, SX_JOIN_R, "{\"k\":\"a\",\"r\":2}", 15);
		add(&h, SX_JOIN_R, "{\"k\":\"b\",\"r\":3}", 16.5); /* 15.5 s after b: too late */
		add(&h, SX_JOIN_R, "{\"r\":4}", 17);
		sx_join_end(h.j, SX_JOIN_L);
		sx_join_end(h.j, SX_JOIN_R);
		ROWS(&h, want[i]);
		ck_assert_uint_eq(*sx_stats_counter("matches"), 2);
		ck_assert_uint_eq(*sx_stats_counter("unmatched"), i ? 2 : 0);
		h_close(&h);
	}
}
END_TEST

/* A pair comes out when the later record is processed; an unmatched left
 * record once both watermarks are past t + HI. */
START_TEST(rows_come_out_as_soon_as_determined)
{
	struct h h;
	h_open(&h, SX_JOIN_LEFT, 0, 10 * S, 1);
	h_start(&h);
	add(&h, SX_JOIN_L, "{\"k\":1,\"l\":0}", 0);
	add(&h, SX_JOIN_L, "{\"k\":2,\"l\":1}", 1);
	ROWS(&h, "");
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":3}", 3);
	/* the right record at 3 needs the left watermark past 3 (a left record
	 * at 3 would sort first): not yet */
	ROWS(&h, "");
	add(&h, SX_JOIN_L, "{\"k\":3,\"l\":4}", 4);
	ROWS(&h, "{\"k\":1,\"l\":0,\"r\":3}\n");
	/* k=2 expires at 11: the right watermark (3) holds it back */
	add(&h, SX_JOIN_L, "{\"k\":4,\"l\":20}", 20);
	ROWS(&h, "{\"k\":1,\"l\":0,\"r\":3}\n");
	add(&h, SX_JOIN_R, "{\"k\":9,\"r\":11}", 11);
	/* 11 is not past 11: a right record at 11 could still match k=2 */
	ROWS(&h, "{\"k\":1,\"l\":0,\"r\":3}\n");
	add(&h, SX_JOIN_R, "{\"k\":9,\"r\":12}", 12);
	ROWS(&h, "{\"k\":1,\"l\":0,\"r\":3}\n{\"k\":2,\"l\":1}\n");
	/* the right input ends: the left one alone decides the rest */
	sx_join_end(h.j, SX_JOIN_R);
	ROWS(&h, "{\"k\":1,\"l\":0,\"r\":3}\n{\"k\":2,\"l\":1}\n{\"k\":3,\"l\":4}\n");
	sx_join_end(h.j, SX_JOIN_L);
	ROWS(&h, "{\"k\":1,\"l\":0,\"r\":3}\n{\"k\":2,\"l\":1}\n{\"k\":3,\"l\":4}\n{\"k\":4,\"l\":20}\n");
	ck_assert_uint_eq(sx_join_held(h.j), 0);
	h_close(&h);
}
END_TEST

/* The output depends on each input's content only, not on how the two
 * were interleaved: every interleaving of the same two sequences gives
 * the same rows. */
START_TEST(output_independent_of_interleaving)
{
	enum { NL = 40, NR = 40 };
	char lt[NL][64], rt[NR][64];
	double ltime[NL], rtime[NR];
	unsigned seed = 12345;
	for (int i = 0; i < NL; i++) {
		seed = seed * 1103515245 + 12345;
		ltime[i] = i * 0.5 + (seed >> 16) % 3 * 0.25;  /* up to 0.5 s out of order */
		snprintf(lt[i], sizeof lt[i], "{\"k\":%u,\"l\":%d}", (seed >> 8) % 4, i);
	}
	for (int i = 0; i < NR; i++) {
		seed = seed * 1103515245 + 12345;
		rtime[i] = i * 0.5 + (seed >> 16) % 3 * 0.25;
		snprintf(rt[i], sizeof rt[i], "{\"k\":%u,\"r\":%d}", (seed >> 8) % 4, i);
	}
	static const enum sx_join_type types[] = { SX_JOIN_INNER, SX_JOIN_LEFT, SX_JOIN_ANTI };
	for (int ty = 0; ty < 3; ty++) {
		char *first = NULL;
		for (int run = 0; run < 30; run++) {
			struct h h;
			h_open(&h, types[ty], -1 * S, 2 * S, 1);
			h.max_delay[0] = h.max_delay[1] = S / 2;
			h_start(&h);
			int li = 0, ri = 0;
			unsigned s2 = 777u + (unsigned)run * 31u;
			while (li < NL || ri < NR) {
				s2 = s2 * 1103515245 + 12345;
				int pick_left = run == 0 ? li < NL : run == 1 ? ri >= NR : ((s2 >> 16) & 1);
				if (pick_left && li < NL) {
					ck_assert_int_eq(add(&h, SX_JOIN_L, lt[li], ltime[li]), 0);
					li++;
				} else if (ri < NR) {
					ck_assert_int_eq(add(&h, SX_JOIN_R, rt[ri], rtime[ri]), 0);
					ri++;
				}
			}
			if (run & 2) {
				sx_join_end(h.j, SX_JOIN_R);
				sx_join_end(h.j, SX_JOIN_L);
			} else {
				sx_join_end(h.j, SX_JOIN_L);
				sx_join_end(h.j, SX_JOIN_R);
			}
			char *got = rows(&h);
			if (!first) {
				first = got;
				ck_assert(strlen(first) > 0);
			} else {
				ck_assert_msg(strcmp(first, got) == 0, "type %d run %d differs:\n%s\nvs\n%s", ty, run,
					      got, first);
				free(got);
			}
			h_close(&h);
		}
		free(first);
	}
}
END_TEST

/* With max-delay, out-of-order records within the delay still match;
 * older ones are late. */
START_TEST(max_delay_and_late)
{
	struct h h;
	h_open(&h, SX_JOIN_INNER, -1 * S, 1 * S, 1);
	h.max_delay[0] = 2 * S;
	h.max_delay[1] = 0;
	h_start(&h);
	ck_assert_int_eq(add(&h, SX_JOIN_L, "{\"k\":1,\"l\":10}", 10), 0);
	ck_assert_int_eq(add(&h, SX_JOIN_L, "{\"k\":1,\"l\":8}", 8), 0);       /* within 2 s */
	ck_assert_int_eq(add(&h, SX_JOIN_L, "{\"k\":1,\"l\":7.9}", 7.9), 1);   /* left watermark is 8 */
	ck_assert_int_eq(sx_join_watermark(h.j, SX_JOIN_L), 8 * S);
	ck_assert_int_eq(add(&h, SX_JOIN_R, "{\"k\":1,\"r\":9}", 9), 0);
	ck_assert_int_eq(add(&h, SX_JOIN_R, "{\"k\":1,\"r\":8.5}", 8.5), 1);   /* right has no delay */
	sx_join_end(h.j, SX_JOIN_L);
	sx_join_end(h.j, SX_JOIN_R);
	/* 8 and 10 both within 1 s of 9, in left time order */
	ROWS(&h, "{\"k\":1,\"l\":8,\"r\":9}\n{\"k\":1,\"l\":10,\"r\":9}\n");
	h_close(&h);
}
END_TEST

/* Several keys, matched by value. */
START_TEST(multiple_keys_by_value)
{
	struct h h;
	h_open(&h, SX_JOIN_LEFT, 0, 0, 2);
	h_start(&h);
	add(&h, SX_JOIN_L, "{\"k\":1,\"k2\":\"A\",\"l\":1}", 1);
	add(&h, SX_JOIN_L, "{\"k\":1,\"k2\":\"B\",\"l\":2}", 1);
	add(&h, SX_JOIN_L, "{\"k\":\"1\",\"k2\":\"A\",\"l\":3}", 1);
	add(&h, SX_JOIN_L, "{\"k\":null,\"k2\":\"A\",\"l\":4}", 1);
	add(&h, SX_JOIN_R, "{\"k\":1.0,\"k2\":\"\\u0041\",\"r\":1}", 1);
	add(&h, SX_JOIN_R, "{\"k\":null,\"k2\":\"A\",\"r\":2}", 1);
	add(&h, SX_JOIN_R, "{\"k2\":\"B\",\"k\":1e0,\"r\":3}", 1);
	sx_join_end(h.j, SX_JOIN_L);
	sx_join_end(h.j, SX_JOIN_R);
	ROWS(&h, "{\"k\":1,\"k2\":\"A\",\"l\":1,\"r\":1}\n"
		 "{\"k\":1,\"k2\":\"B\",\"l\":2,\"r\":3}\n"
		 "{\"k\":\"1\",\"k2\":\"A\",\"l\":3}\n"
		 "{\"k\":null,\"k2\":\"A\",\"l\":4}\n");
	h_close(&h);
}
END_TEST

/* Idle input: past the timeout its watermark moves with the quiet time;
 * an input with no record yet starts from the other one's time. */
START_TEST(idle_moves_the_watermark)
{
	struct h h;
	h_open(&h, SX_JOIN_ANTI, 0, 5 * S, 1);
	h.idle_timeout = 1 * S;
	h_start(&h);
	add(&h, SX_JOIN_L, "{\"k\":1}", 100);
	idle(&h, SX_JOIN_R, 3 * S);   /* no right record yet: from 100 */
	ck_assert_int_eq(sx_join_watermark(h.j, SX_JOIN_R), 102 * S);
	ROWS(&h, "");
	idle(&h, SX_JOIN_R, S / 2);   /* within the timeout: nothing */
	ck_assert_int_eq(sx_join_watermark(h.j, SX_JOIN_R), 102 * S);
	idle(&h, SX_JOIN_L, 7 * S);   /* left 106, right 102 */
	ROWS(&h, "");
	idle(&h, SX_JOIN_R, 7 * S);   /* both 106 > 105 */
	ROWS(&h, "{\"k\":1}\n");
	/* records behind the moved watermark are late */
	ck_assert_int_eq(add(&h, SX_JOIN_R, "{\"k\":1}", 104), 1);
	ck_assert_int_eq(add(&h, SX_JOIN_R, "{\"k\":1}", 107), 0);
	h_close(&h);
}
END_TEST

/* Memory: on a long stream the records held stay near rate x window, and
 * keys that have nothing left are forgotten. */
START_TEST(state_is_evicted)
{
	struct h h;
	h_open(&h, SX_JOIN_LEFT, -1 * S, 1 * S, 1);
	h_start(&h);
	char buf[64];
	size_t most = 0;
	for (int i = 0; i < 200000; i++) {
		/* 10 records a second on each side, every key new */
		snprintf(buf, sizeof buf, "{\"k\":%d}", i);
		add(&h, SX_JOIN_L, buf, i * 0.1);
		add(&h, SX_JOIN_R, buf, i * 0.1);
		if (sx_join_held(h.j) > most)
			most = sx_join_held(h.j);
	}
	ck_assert_uint_le(most, 60);
	ck_assert_uint_le(sx_join_keys(h.j), 2200);
	sx_join_end(h.j, SX_JOIN_L);
	sx_join_end(h.j, SX_JOIN_R);
	ck_assert_uint_eq(sx_join_held(h.j), 0);
	ck_assert_uint_eq(*sx_stats_counter("matches"), 200000);
	ck_assert_uint_eq(*sx_stats_counter("unmatched"), 0);
	h_close(&h);
}
END_TEST

/* Advance (processing time) and behind (which input to read). */
START_TEST(advance_and_behind)
{
	struct h h;
	h_open(&h, SX_JOIN_INNER, 0, 0, 1);
	h_start(&h);
	ck_assert_int_eq(sx_join_behind(h.j), SX_JOIN_L);
	add(&h, SX_JOIN_L, "{\"k\":1,\"l\":1}", 5);
	ck_assert_int_eq(sx_join_behind(h.j), SX_JOIN_R);
	add(&h, SX_JOIN_R, "{\"k\":1,\"r\":1}", 5);
	ROWS(&h, "");
	sx_join_advance(h.j, SX_JOIN_L, 5 * S + 1);
	ROWS(&h, "{\"k\":1,\"l\":1,\"r\":1}\n");
	sx_join_advance(h.j, SX_JOIN_L, 1 * S);  /* never back */
	ck_assert_int_eq(sx_join_watermark(h.j, SX_JOIN_L), 5 * S + 1);
	ck_assert_int_eq(sx_join_behind(h.j), SX_JOIN_R);
	sx_join_end(h.j, SX_JOIN_R);
	ck_assert_int_eq(sx_join_behind(h.j), SX_JOIN_L);
	h_close(&h);
}
END_TEST

Suite *sx_join_suite(void)
{
	Suite *s = suite_create("sx_join");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, bounds_are_inclusive);
	tcase_add_test(tc, inner_left_anti);
	tcase_add_test(tc, rows_come_out_as_soon_as_determined);
	tcase_add_test(tc, output_independent_of_interleaving);
	tcase_add_test(tc, max_delay_and_late);
	tcase_add_test(tc, multiple_keys_by_value);
	tcase_add_test(tc, idle_moves_the_watermark);
	tcase_add_test(tc, state_is_evicted);
	tcase_add_test(tc, advance_and_behind);
	suite_add_tcase(s, tc);
	return s;
}
