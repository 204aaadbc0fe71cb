/* Unit tests for common/sx_joinstage.c: the stream stage driven directly
 * (record/end/tick) with fake clocks. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_join.h"
#include "sx_joinstage.h"
#include "sx_out.h"
#include "sx_run.h"
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

static char *keys[] = { "id" };

struct h {
	struct sx_join_cfg jc;
	struct sx_joinstage_cfg sc;
	struct sx_join *j;
	struct sx_joinstage st;
	struct sx_out out;
	struct sx_rec rec;
};

static void h_cfg(struct h *h, enum sx_join_type type, int64_t lo, int64_t hi)
{
	memset(h, 0, sizeof *h);
	memset(&sx_stats, 0, sizeof sx_stats);
	sx_clock_hook = &fake_clock;
	fake_mono = 1000 * S;
	fake_wall = 1767225600 * S; /* 2026-01-01 */
	h->jc.lkeys = h->jc.rkeys = keys;
	h->jc.nkeys = 1;
	h->jc.lo = lo;
	h->jc.hi = hi;
	h->jc.type = type;
	h->jc.prefix = "right_";
	h->sc.time_field[0] = h->sc.time_field[1] = "ts";
}

static void h_start(struct h *h)
{
	int fd = open(tu_path("out.ndjson"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	sx_out_init(&h->out, fd, "out");
	h->j = sx_join_new(&h->jc, &h->out);
	sx_joinstage_init(&h->st, &h->sc, h->j);
	sx_rec_init(&h->rec);
}

/* Feed TEXT to SIDE; returns SX_OK or SX_REJECT (reason in *why). */
static int feed(struct h *h, int side, const char *text, const char **why)
{
	const char *w = NULL;
	ck_assert_int_eq(sx_rec_parse(&h->rec, text, strlen(text), &w), 0);
	int r = sx_joinstage_stage.record(&h->st, side, &h->rec, &w);
	if (why)
		*why = w;
	return r;
}

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
	sx_joinstage_free(&h->st);
	sx_join_free(h->j);
	sx_out_close(&h->out);
	sx_rec_free(&h->rec);
	sx_clock_hook = NULL;
}

START_TEST(time_fields_and_units)
{
	struct h h;
	h_cfg(&h, SX_JOIN_INNER, 0, 2 * S);
	h.sc.time_field[0] = "created";
	h.sc.time_field[1] = "paid";
	h.sc.time_unit = SX_UNIT_MS;
	h_start(&h);
	const char *why;
	ck_assert_int_eq(feed(&h, 0, "{\"id\":1,\"created\":1767225600000}", NULL), SX_OK);
	ck_assert_int_eq(feed(&h, 1, "{\"id\":1,\"paid\":1767225602000}", NULL), SX_OK);
	/* strings are RFC 3339 whatever the unit; this one is behind the right watermark */
	ck_assert_int_eq(feed(&h, 1, "{\"id\":1,\"paid\":\"2026-01-01T00:00:01Z\"}", NULL), SX_OK);
	ck_assert_uint_eq(sx_stats.late, 1);
	ck_assert_int_eq(feed(&h, 0, "{\"id\":1,\"ts\":1}", &why), SX_REJECT);
	ck_assert_str_eq(why, "field 'created': missing event time");
	ck_assert_int_eq(feed(&h, 1, "{\"id\":1,\"paid\":\"soon\"}", &why), SX_REJECT);
	ck_assert_str_eq(why, "field 'paid': 'soon' is not RFC 3339 (such as 2026-01-01T12:00:00Z)");
	sx_joinstage_stage.end(&h.st, 0);
	sx_joinstage_stage.end(&h.st, 1);
	ROWS(&h, "{\"id\":1,\"created\":1767225600000,\"paid\":1767225602000}\n");
	ck_assert_int_eq(sx_joinstage_tick_ms(&h.st), 0);
	h_close(&h);
}
END_TEST

START_TEST(late_records_counted_and_copied)
{
	struct h h;
	h_cfg(&h, SX_JOIN_INNER, -10 * S, 10 * S);
	h.sc.max_delay[0] = h.sc.max_delay[1] = 1 * S;
	h.sc.late_out = tu_path("late.ndjson");
	h_start(&h);
	feed(&h, 0, "{\"id\":1,\"ts\":\"2026-01-01T00:00:10Z\"}", NULL);
	feed(&h, 0, "{\"id\":1,\"ts\":\"2026-01-01T00:00:09Z\"}", NULL);     /* within 1 s */
	feed(&h, 0, "{ \"id\":1, \"ts\":\"2026-01-01T00:00:08.5Z\" }", NULL); /* late */
	feed(&h, 1, "{\"id\":2,\"ts\":\"2026-01-01T00:00:01Z\"}", NULL);
	ck_assert_uint_eq(sx_stats.late, 1);
	sx_joinstage_stage.end(&h.st, 0);
	sx_joinstage_stage.end(&h.st, 1);
	h_close(&h);
	tu_assert_file_eq("late.ndjson", "{ \"id\":1, \"ts\":\"2026-01-01T00:00:08.5Z\" }\n");
}
END_TEST

/* --idle-timeout: each input's quiet time is its own. */
START_TEST(idle_timeout_per_input)
{
	struct h h;
	h_cfg(&h, SX_JOIN_ANTI, 0, 5 * S);
	h.sc.idle_timeout = 2 * S;
	h_start(&h);
	ck_assert_int_eq(sx_joinstage_tick_ms(&h.st), 100);
	feed(&h, 0, "{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\"}", NULL);
	fake_mono += 4 * S;
	/* left quiet 4 s: 0 + 2 = 2; right (no record yet) quiet 4 s since the
	 * start: from the left's time, 2 */
	sx_joinstage_stage.tick(&h.st);
	ck_assert_int_eq(sx_join_watermark(h.j, 0), 1767225600 * S + 2 * S);
	ck_assert_int_eq(sx_join_watermark(h.j, 1), 1767225600 * S + 2 * S);
	ROWS(&h, "");
	/* the left keeps talking; the right stays quiet */
	feed(&h, 0, "{\"id\":2,\"ts\":\"2026-01-01T00:00:09Z\"}", NULL);
	fake_mono += 4 * S;
	sx_joinstage_stage.tick(&h.st);
	/* right (still no record): from the left's largest time, 9 + (8 - 2);
	 * left: 9 + (4 - 2) = 11 > 5: id 1 is written */
	ROWS(&h, "{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\"}\n");
	ck_assert_int_eq(sx_join_watermark(h.j, 0), 1767225600 * S + 11 * S);
	/* a right record behind the moved watermark is late */
	feed(&h, 1, "{\"id\":2,\"ts\":\"2026-01-01T00:00:05Z\"}", NULL);
	ck_assert_uint_eq(sx_stats.late, 1);
	sx_joinstage_stage.end(&h.st, 0);
	sx_joinstage_stage.end(&h.st, 1);
	ROWS(&h, "{\"id\":1,\"ts\":\"2026-01-01T00:00:00Z\"}\n{\"id\":2,\"ts\":\"2026-01-01T00:00:09Z\"}\n");
	h_close(&h);
}
END_TEST

/* Without a time field: the wall clock when read; a record on one side
 * moves the other's watermark, ticks move both. */
START_TEST(processing_time)
{
	struct h h;
	h_cfg(&h, SX_JOIN_LEFT, 0, 1 * S);
	h.sc.time_field[0] = h.sc.time_field[1] = NULL;
	h_start(&h);
	ck_assert_int_eq(sx_joinstage_tick_ms(&h.st), 100);
	feed(&h, 0, "{\"id\":1,\"l\":1}", NULL);
	fake_wall += S / 2;
	feed(&h, 1, "{\"id\":1,\"r\":1}", NULL);
	fake_wall += S / 10;
	feed(&h, 0, "{\"id\":2,\"l\":2}", NULL);
	ROWS(&h, "{\"id\":1,\"l\":1,\"r\":1}\n");
	fake_wall += 2 * S;
	sx_joinstage_stage.tick(&h.st);
	ROWS(&h, "{\"id\":1,\"l\":1,\"r\":1}\n{\"id\":2,\"l\":2}\n");
	/* the clock stepping back never makes a record late */
	fake_wall -= 10 * S;
	feed(&h, 1, "{\"id\":3}", NULL);
	ck_assert_uint_eq(sx_stats.late, 0);
	sx_joinstage_stage.end(&h.st, 0);
	sx_joinstage_stage.end(&h.st, 1);
	h_close(&h);
}
END_TEST

Suite *sx_joinstage_suite(void)
{
	Suite *s = suite_create("sx_joinstage");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_test(tc, time_fields_and_units);
	tcase_add_test(tc, late_records_counted_and_copied);
	tcase_add_test(tc, idle_timeout_per_input);
	tcase_add_test(tc, processing_time);
	suite_add_tcase(s, tc);
	return s;
}
