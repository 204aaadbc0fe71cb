/* Unit tests for common/sx_evtime.c: field -> time, the watermark of each
 * input and partition, late events and --late-out, the idle rule, and the
 * clock's part of --state, with the clocks driven through sx_clock_hook. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_evtime.h"
#include "sx_stats.h"
#include "testutil.h"

#define S INT64_C(1000000)

static int64_t fake_mono;
static sx_time_t fake_wall;

static int64_t mono(void)
{
	return fake_mono;
}

static sx_time_t wall(void)
{
	return fake_wall;
}

static const struct sx_clock fake_clock = { wall, mono };

struct h {
	struct sx_evtime_cfg c;
	struct sx_evtime e;
	struct sx_rec rec;
	char line[256];
};

static void h_cfg(struct h *h)
{
	memset(h, 0, sizeof *h);
	memset(&sx_stats, 0, sizeof sx_stats);
	fake_mono = 1000 * S;
	fake_wall = 1767225600 * S; /* 2026-01-01 */
	sx_clock_hook = &fake_clock;
	h->c.time_field[0] = h->c.time_field[1] = "t";
	sx_rec_init(&h->rec);
}

static void h_start(struct h *h, int ninputs)
{
	sx_evtime_init(&h->e, &h->c, ninputs);
}

static void h_close(struct h *h)
{
	sx_evtime_free(&h->e);
	sx_rec_free(&h->rec);
	sx_clock_hook = NULL;
}

/* Read and observe a record {"t":T seconds[,"p":P]} on IN: 0 on time,
 * 1 late, -1 refused (reason in *why when WHY). */
static int ev(struct h *h, int in, double t, const char *p, const char **why)
{
	const char *w = NULL;
	if (p)
		snprintf(h->line, sizeof h->line, "{\"t\":%.6f,\"p\":%s}", t, p);
	else
		snprintf(h->line, sizeof h->line, "{\"t\":%.6f}", t);
	ck_assert_int_eq(sx_rec_parse(&h->rec, h->line, strlen(h->line), &w), 0);
	sx_time_t got;
	if (sx_evtime_read(&h->e, in, &h->rec, &got, &w) < 0) {
		if (why)
			*why = w;
		return -1;
	}
	return sx_evtime_observe(&h->e, in, &h->rec, got);
}

#define WM(h, in) sx_evtime_watermark(&(h)->e, in)

START_TEST(watermark_is_max_time_minus_delay_and_late_events_are_counted)
{
	struct h h;
	h_cfg(&h);
	h.c.max_delay[0] = 2 * S;
	h.c.late_out = tu_path("late.ndjson");
	h_start(&h, 1);
	ck_assert_int_eq(WM(&h, 0), SX_TIME_NONE);
	ck_assert_int_eq(ev(&h, 0, 10, NULL, NULL), 0);
	ck_assert_int_eq(WM(&h, 0), 8 * S);
	ck_assert_int_eq(ev(&h, 0, 8, NULL, NULL), 0);      /* at the watermark: on time */
	ck_assert_int_eq(ev(&h, 0, 7.5, NULL, NULL), 1);    /* behind it */
	ck_assert_int_eq(WM(&h, 0), 8 * S);
	ck_assert_int_eq(ev(&h, 0, 9, NULL, NULL), 0);
	ck_assert_int_eq(WM(&h, 0), 8 * S);                 /* never back */
	ck_assert_int_eq(ev(&h, 0, 12, NULL, NULL), 0);
	ck_assert_int_eq(WM(&h, 0), 10 * S);
	ck_assert_uint_eq(sx_stats.late, 1);
	sx_evtime_free(&h.e);       /* flushes --late-out */
	char *late = tu_slurp("late.ndjson");
	ck_assert_str_eq(late, "{\"t\":7.500000}\n");
	free(late);
	sx_evtime_init(&h.e, &h.c, 1);
	h_close(&h);
}
END_TEST

START_TEST(read_names_the_field)
{
	struct h h;
	h_cfg(&h);
	h.c.reach = 3600 * S;
	h_start(&h, 1);
	const char *why;
	sx_time_t t;
	const char *bad = "{\"x\":1}";
	ck_assert_int_eq(sx_rec_parse(&h.rec, bad, strlen(bad), &why), 0);
	ck_assert_int_eq(sx_evtime_read(&h.e, 0, &h.rec, &t, &why), -1);
	ck_assert_str_eq(why, "field 't': missing event time");
	/* within an hour of year 10000: its windows would have no RFC 3339 form */
	const char *edge = "{\"t\":\"9999-12-31T23:30:00Z\"}";
	ck_assert_int_eq(sx_rec_parse(&h.rec, edge, strlen(edge), &why), 0);
	ck_assert_int_eq(sx_evtime_read(&h.e, 0, &h.rec, &t, &why), -1);
	ck_assert_str_eq(why, "field 't': its windows would fall outside years 0001-9999");
	h_close(&h);
}
END_TEST

START_TEST(processing_time_follows_the_wall_clock)
{
	struct h h;
	h_cfg(&h);
	h.c.time_field[0] = h.c.time_field[1] = NULL;
	h_start(&h, 1);
	ck_assert_int_eq(sx_evtime_tick_ms(&h.e, 0), 100);
	ck_assert_int_eq(ev(&h, 0, 0, NULL, NULL), 0);
	ck_assert_int_eq(WM(&h, 0), fake_wall);
	fake_wall -= 5 * S;          /* the clock steps back: never late, never back */
	ck_assert_int_eq(ev(&h, 0, 0, NULL, NULL), 0);
	ck_assert_int_eq(WM(&h, 0), fake_wall + 5 * S);
	fake_wall += 10 * S;
	ck_assert_int_eq(sx_evtime_tick(&h.e, 0), 1);
	ck_assert_int_eq(WM(&h, 0), fake_wall);
	ck_assert_uint_eq(sx_stats.late, 0);
	h_close(&h);
}
END_TEST

START_TEST(idle_input_moves_with_the_clock)
{
	struct h h;
	h_cfg(&h);
	h.c.max_delay[0] = h.c.max_delay[1] = 1 * S;
	h.c.idle_timeout = 2 * S;
	h_start(&h, 2);
	ck_assert_int_eq(sx_evtime_tick_ms(&h.e, 0), 100);  /* 2 s / 4000, at most 100 ms */
	ck_assert_int_eq(sx_evtime_tick(&h.e, 1), 0);       /* nothing seen anywhere */
	ck_assert_int_eq(ev(&h, 0, 100, NULL, NULL), 0);
	fake_mono += 2 * S;
	ck_assert_int_eq(sx_evtime_tick(&h.e, 0), 0);       /* not past the timeout */
	fake_mono += 3 * S;
	ck_assert_int_eq(sx_evtime_tick(&h.e, 0), 1);
	ck_assert_int_eq(WM(&h, 0), 102 * S);               /* 100 - 1 + (5 - 2) */
	/* input 1 never sent: it follows input 0's time */
	ck_assert_int_eq(sx_evtime_tick(&h.e, 1), 1);
	ck_assert_int_eq(WM(&h, 1), 102 * S);
	ck_assert_int_eq(ev(&h, 0, 101, NULL, NULL), 1);    /* behind the moved watermark */
	h_close(&h);
}
END_TEST

START_TEST(tick_interval)
{
	struct h h;
	h_cfg(&h);
	h_start(&h, 1);
	ck_assert_int_eq(sx_evtime_tick_ms(&h.e, 0), 0);
	ck_assert_int_eq(sx_evtime_tick_ms(&h.e, 1), 200);
	sx_evtime_free(&h.e);
	h.c.idle_timeout = 1000;
	h_start(&h, 1);
	ck_assert_int_eq(sx_evtime_tick_ms(&h.e, 1), 1);
	h_close(&h);
}
END_TEST

START_TEST(state_round_trip)
{
	struct h h;
	h_cfg(&h);
	h.c.max_delay[0] = 3 * S;
	h_start(&h, 1);
	ev(&h, 0, 50, NULL, NULL);
	json_t *j = json_object();
	ck_assert_int_eq(sx_evtime_save(&h.e, j), 0);
	sx_evtime_free(&h.e);
	h_start(&h, 1);
	char err[200];
	ck_assert_int_eq(sx_evtime_load(&h.e, j, err, sizeof err), 0);
	ck_assert_int_eq(WM(&h, 0), 47 * S);
	ck_assert_int_eq(ev(&h, 0, 46, NULL, NULL), 1);
	json_object_set_new(j, "watermark", json_string("x"));
	ck_assert_int_eq(sx_evtime_load(&h.e, j, err, sizeof err), -1);
	ck_assert_str_eq(err, "watermark missing or out of range");
	json_decref(j);
	h_close(&h);
}
END_TEST

/* The input's watermark is the slowest partition's; lateness is judged
 * against the record's own partition. */
START_TEST(partitions_slowest_holds_the_clock)
{
	struct h h;
	h_cfg(&h);
	h.c.partition_field = "p";
	h.c.max_delay[0] = 1 * S;
	h_start(&h, 1);
	ck_assert_int_eq(ev(&h, 0, 50, "\"b\"", NULL), 0);
	ck_assert_int_eq(WM(&h, 0), 49 * S);
	ck_assert_int_eq(ev(&h, 0, 100, "0", NULL), 0);
	ck_assert_int_eq(ev(&h, 0, 120, "0", NULL), 0);
	ck_assert_int_eq(WM(&h, 0), 49 * S);                 /* "b" holds it */
	ck_assert_int_eq(ev(&h, 0, 48.5, "\"b\"", NULL), 1);  /* late in its own partition */
	ck_assert_int_eq(ev(&h, 0, 49, "\"b\"", NULL), 0);
	ck_assert_int_eq(ev(&h, 0, 110, "\"b\"", NULL), 0);   /* b: 109, 0: 119 */
	ck_assert_int_eq(WM(&h, 0), 109 * S);
	ck_assert_int_eq(ev(&h, 0, 118, "0", NULL), 1);      /* 0's own watermark is 119 */
	ck_assert_uint_eq(sx_stats.late, 2);
	const char *why;
	ck_assert_int_eq(ev(&h, 0, 1, "[1]", &why), -1);
	ck_assert_str_eq(why, "field 'p': partition is not a string or a number");
	ck_assert_int_eq(ev(&h, 0, 200, "null", NULL), 0);    /* a partition of its own */
	ck_assert_int_eq(WM(&h, 0), 109 * S);
	h_close(&h);
}
END_TEST

/* --partitions: the clock waits for every declared partition; others are
 * refused.  A quiet partition (and a declared one never heard from) stops
 * holding the clock after --idle-timeout. */
START_TEST(partitions_declared_and_idle)
{
	struct h h;
	h_cfg(&h);
	h.c.partition_field = "p";
	h.c.partitions = sx_evtime_partitions_arg("3", &h.c.npartitions);
	h.c.idle_timeout = 2 * S;
	h_start(&h, 1);
	ck_assert_int_eq(ev(&h, 0, 10, "0", NULL), 0);
	ck_assert_int_eq(ev(&h, 0, 20, "1", NULL), 0);
	ck_assert_int_eq(WM(&h, 0), SX_TIME_NONE);           /* 2 has not spoken */
	const char *why;
	ck_assert_int_eq(ev(&h, 0, 5, "3", &why), -1);
	ck_assert_str_eq(why, "field 'p': partition '3' is not one of --partitions");

	ck_assert_int_eq(ev(&h, 0, 5, "2", NULL), 0);
	ck_assert_int_eq(WM(&h, 0), 5 * S);
	fake_mono += 1 * S;
	ck_assert_int_eq(ev(&h, 0, 30, "1", NULL), 0);
	fake_mono += 1500000;                                /* 0 and 2 quiet for 2.5 s */
	ck_assert_int_eq(sx_evtime_tick(&h.e, 0), 1);
	ck_assert_int_eq(WM(&h, 0), 30 * S);                 /* 1 alone holds it */
	ck_assert_int_eq(ev(&h, 0, 12, "0", NULL), 1);       /* behind the input's clock: late */
	fake_mono += 5 * S;                                  /* all quiet: the input's idle rule */
	ck_assert_int_eq(sx_evtime_tick(&h.e, 0), 1);
	ck_assert_int_eq(WM(&h, 0), 33 * S);                 /* 30 + (5 - 2) */
	/* the clock's state keeps each partition's time */
	json_t *j = json_object();
	ck_assert_int_eq(sx_evtime_save(&h.e, j), 0);
	char *text = json_dumps(json_object_get(j, "partitions"), JSON_COMPACT);
	ck_assert_str_eq(text, "{\"0\":10000000,\"1\":30000000,\"2\":5000000}");
	free(text);
	sx_evtime_free(&h.e);
	h_start(&h, 1);
	char err[200];
	ck_assert_int_eq(sx_evtime_load(&h.e, j, err, sizeof err), 0);
	ck_assert_int_eq(ev(&h, 0, 29.5, "1", NULL), 1);     /* 1's own clock came back */
	json_object_set_new(json_object_get(j, "partitions"), "7", json_integer(0));
	sx_evtime_free(&h.e);
	h_start(&h, 1);
	ck_assert_int_eq(sx_evtime_load(&h.e, j, err, sizeof err), -1);
	ck_assert_str_eq(err, "partition '7': bad time or not declared");
	json_decref(j);
	sx_evtime_partitions_free(h.c.partitions, h.c.npartitions);
	h_close(&h);
}
END_TEST

Suite *sx_evtime_suite(void)
{
	Suite *s = suite_create("sx_evtime");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_test(tc, watermark_is_max_time_minus_delay_and_late_events_are_counted);
	tcase_add_test(tc, read_names_the_field);
	tcase_add_test(tc, processing_time_follows_the_wall_clock);
	tcase_add_test(tc, idle_input_moves_with_the_clock);
	tcase_add_test(tc, tick_interval);
	tcase_add_test(tc, state_round_trip);
	tcase_add_test(tc, partitions_slowest_holds_the_clock);
	tcase_add_test(tc, partitions_declared_and_idle);
	suite_add_tcase(s, tc);
	return s;
}
