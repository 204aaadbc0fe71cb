/* Unit tests for common/sx_winstage.c: the sx-window stage driven directly
 * (record/tick/finish), with fake clocks, over a 10-second tumbling window
 * of count() and collect(v) so that rows show which events went where and
 * in what order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "sx_agg.h"
#include "sx_commit.h"
#include "sx_err.h"
#include "sx_out.h"
#include "sx_run.h"
#include "sx_stats.h"
#include "sx_window.h"
#include "sx_winstage.h"

#define S INT64_C(1000000)

/* ---- fake clocks (sx_clock_hook) ---- */

static int64_t fake_mono;
static sx_time_t fake_wall;

static int64_t fake_mono_clock(void)
{
	return fake_mono;
}

static sx_time_t fake_wall_clock(void)
{
	return fake_wall;
}

static const struct sx_clock fake_clock = { fake_wall_clock, fake_mono_clock };

static void clocks_setup(void)
{
	fake_mono = 1000 * S;
	fake_wall = 100 * S;
	sx_clock_hook = &fake_clock;
	memset(&sx_stats, 0, sizeof sx_stats);
}

static void clocks_teardown(void)
{
	sx_clock_hook = NULL;
}

/* ---- the harness: engine + stage as cmd/sx-window.c builds them ---- */

struct ws {
	struct sx_aggset *aggs;
	struct sx_window_cfg wc;
	struct sx_window *w;
	struct sx_out out;
	struct sx_winstage_cfg sc;
	struct sx_winstage st;
	json_t *config;
	struct sx_rec rec;
	const char *why;
};

/* SC's time options; rows are appended to tu_dir/OUTNAME.  AGGS: NULL for
 * "count()" and "collect(v)". */
static void ws_open_aggs(struct ws *h, const struct sx_winstage_cfg *sc, const char *outname,
			 const char *const *aggs)
{
	static const char *const default_aggs[] = { "count()", "collect(v)", NULL };
	char err[128];
	memset(h, 0, sizeof *h);
	h->aggs = sx_aggset_new();
	for (const char *const *a = aggs ? aggs : default_aggs; *a; a++)
		ck_assert_int_eq(sx_aggset_add(h->aggs, *a, err, sizeof err), 0);
	h->wc.kind = SX_WIN_TUMBLING;
	h->wc.size = 10 * S;
	h->wc.aggs = h->aggs;
	h->wc.start_field = "s";
	h->wc.end_field = "e";
	h->sc = *sc;
	/* the options a state must match, as sx-window records them */
	h->config = json_pack("{s:s,s:I,s:s,s:s?,s:I,s:s}", "window", "tumbling",
			      "size", (json_int_t)h->wc.size, "aggregates", sx_aggset_signature(h->aggs),
			      "time", sc->time_field, "max_delay", (json_int_t)sc->max_delay,
			      "late", sc->late_drop ? "drop" : "adjust");
	ck_assert_ptr_nonnull(h->config);
	h->sc.config = h->config;
	int fd = open(tu_path(outname), O_WRONLY | O_CREAT | O_APPEND, 0644);
	ck_assert_int_ge(fd, 0);
	sx_out_init(&h->out, fd, outname);
	h->w = sx_window_new(&h->wc, &h->out);
	sx_winstage_init(&h->st, &h->sc, h->w);
	sx_rec_init(&h->rec);
}

static void ws_open(struct ws *h, const struct sx_winstage_cfg *sc, const char *outname)
{
	ws_open_aggs(h, sc, outname, NULL);
}

static void ws_close(struct ws *h)
{
	sx_winstage_free(&h->st);
	sx_window_free(h->w);
	ck_assert_int_eq(sx_out_close(&h->out), 0);
	sx_rec_free(&h->rec);
	json_decref(h->config);
	sx_aggset_free(h->aggs);
}

/* One input line through the stage: SX_OK or SX_REJECT (reason in h->why). */
static int ws_line(struct ws *h, const char *line)
{
	const char *why = NULL;
	ck_assert_int_eq(sx_rec_parse(&h->rec, line, strlen(line), &why), 0);
	h->why = NULL;
	int r = sx_winstage_stage.record(&h->st, &h->rec, &h->why);
	if (r == SX_REJECT)
		ck_assert_ptr_nonnull(h->why);
	return r;
}

/* {"t":SEC,"v":V}, which must be accepted. */
static void ws_event(struct ws *h, int sec, int v)
{
	char line[64];
	snprintf(line, sizeof line, "{\"t\":%d,\"v\":%d}", sec, v);
	ck_assert_int_eq(ws_line(h, line), SX_OK);
}

static void ws_tick(struct ws *h)
{
	sx_winstage_stage.tick(&h->st);
}

static void ws_finish(struct ws *h)
{
	sx_winstage_stage.finish(&h->st);
}

/* Rows written so far to tu_dir/NAME (caller frees). */
static char *ws_rows(struct ws *h, const char *name)
{
	ck_assert_int_eq(sx_out_flush(&h->out), 0);
	return tu_slurp(name);
}

#define assert_rows(h, name, want) do {                                 \
	char *got_ = ws_rows((h), (name));                              \
	ck_assert_str_eq(got_, (want));                                 \
	free(got_);                                                     \
} while (0)

/* The row of window (START_S, START_S+10] in static storage (one at a time). */
static const char *row(int start_s, int count, const char *collect)
{
	static char buf[256];
	char a[SX_TIME_BUFSIZE], b[SX_TIME_BUFSIZE];
	sx_time_format(start_s * S, a);
	sx_time_format((start_s + 10) * S, b);
	snprintf(buf, sizeof buf, "{\"s\":\"%s\",\"e\":\"%s\",\"count\":%d,\"collect_v\":[%s]}\n",
		 a, b, count, collect);
	return buf;
}

static struct sx_winstage_cfg event_time(int64_t max_delay)
{
	struct sx_winstage_cfg c;
	memset(&c, 0, sizeof c);
	c.time_field = "t";
	c.time_unit = SX_UNIT_S;
	c.max_delay = max_delay;
	return c;
}

/* ---- watermark, order, lateness ---- */

START_TEST(watermark_never_moves_back)
{
	struct ws h;
	struct sx_winstage_cfg c = event_time(5 * S);
	ws_open(&h, &c, "out");
	ck_assert_int_eq(sx_winstage_watermark(&h.st), SX_TIME_NONE);
	ws_event(&h, 10, 1);
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 5 * S);
	ws_event(&h, 8, 2);                 /* older, within max-delay: wm stays */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 5 * S);
	ws_event(&h, 3, 3);                 /* late: wm stays */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 5 * S);
	ck_assert_uint_eq(sx_stats.late, 1);
	ws_tick(&h);                        /* no idle timeout: ticks change nothing */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 5 * S);
	ws_event(&h, 12, 4);
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 7 * S);
	ws_event(&h, 6, 5);                 /* 6 < 7: late too */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 7 * S);
	ck_assert_uint_eq(sx_stats.late, 2);
	assert_rows(&h, "out", "");
	ws_finish(&h);
	/* late events counted at the watermark of their arrival (5 and 7) */
	char want[512];
	snprintf(want, sizeof want, "%s", row(0, 4, "3,5,2,1"));
	strcat(want, row(10, 1, "4"));
	assert_rows(&h, "out", want);
	ws_close(&h);
}
END_TEST

START_TEST(equal_times_keep_input_order)
{
	/* through the reorder buffer ... */
	struct ws h;
	struct sx_winstage_cfg c = event_time(10 * S);
	ws_open(&h, &c, "held");
	ws_event(&h, 5, 1);
	ws_event(&h, 5, 2);
	ws_event(&h, 3, 3);
	ws_event(&h, 5, 4);
	ws_event(&h, 5, 5);
	ws_finish(&h);
	assert_rows(&h, "held", row(0, 5, "3,1,2,4,5"));
	ws_close(&h);
	/* ... and straight to the windows (max-delay 0) */
	c = event_time(0);
	ws_open(&h, &c, "direct");
	for (int v = 1; v <= 4; v++)
		ws_event(&h, 7, v);
	ws_finish(&h);
	assert_rows(&h, "direct", row(0, 4, "1,2,3,4"));
	ws_close(&h);
}
END_TEST

START_TEST(events_within_max_delay_are_resorted)
{
	struct ws h;
	struct sx_winstage_cfg c = event_time(5 * S);
	ws_open(&h, &c, "out");
	ws_event(&h, 12, 1);                /* wm 7 */
	ws_event(&h, 7, 2);                 /* at the watermark: not late */
	ws_event(&h, 9, 3);
	ws_event(&h, 11, 4);
	ws_event(&h, 8, 5);
	ck_assert_uint_eq(sx_stats.late, 0);
	ck_assert_uint_eq(sx_window_held(h.w), 4);     /* 7 went through */
	assert_rows(&h, "out", "");
	ws_event(&h, 16, 6);                /* wm 11 closes (0,10] */
	assert_rows(&h, "out", row(0, 3, "2,5,3"));
	ws_finish(&h);
	char want[512];
	snprintf(want, sizeof want, "%s", row(0, 3, "2,5,3"));
	strcat(want, row(10, 3, "4,1,6"));
	assert_rows(&h, "out", want);
	ck_assert_uint_eq(sx_window_held(h.w), 0);
	ws_close(&h);
}
END_TEST

START_TEST(late_adjust_counts_at_the_watermark)
{
	struct ws h;
	struct sx_winstage_cfg c = event_time(2 * S);
	ws_open(&h, &c, "out");
	ws_event(&h, 12, 1);                /* wm 10 */
	ws_event(&h, 5, 2);                 /* late: counted at 10, the end of (0,10] */
	ck_assert_uint_eq(sx_stats.late, 1);
	ws_event(&h, 15, 3);                /* wm 13 closes (0,10] */
	assert_rows(&h, "out", row(0, 1, "2"));
	ws_event(&h, 6, 4);                 /* late: counted at 13, in (10,20], after 12 */
	ck_assert_uint_eq(sx_stats.late, 2);
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 13 * S);
	ws_finish(&h);
	char want[512];
	snprintf(want, sizeof want, "%s", row(0, 1, "2"));
	strcat(want, row(10, 3, "1,4,3"));
	assert_rows(&h, "out", want);
	ws_close(&h);
}
END_TEST

START_TEST(late_drop_drops_and_counts)
{
	struct ws h;
	struct sx_winstage_cfg c = event_time(2 * S);
	c.late_drop = 1;
	ws_open(&h, &c, "out");
	ws_event(&h, 15, 1);
	ws_event(&h, 5, 2);
	ws_event(&h, 12, 3);                /* 12 < 13: late as well */
	ws_event(&h, 13, 4);                /* at the watermark: kept */
	ck_assert_uint_eq(sx_stats.late, 2);
	ws_finish(&h);
	assert_rows(&h, "out", row(10, 2, "4,1"));
	ws_close(&h);
}
END_TEST

START_TEST(late_out_gets_the_raw_lines)
{
	const char *late1 = "{ \"t\" : 5,  \"v\":\"x  y\", \"z\":[1 , 2] }";
	const char *late2 = "{\"v\":3,\"t\":\"1970-01-01T00:00:04.0000+00:00\"}";
	for (int drop = 0; drop <= 1; drop++) {
		struct ws h;
		struct sx_winstage_cfg c = event_time(2 * S);
		char name[32];
		snprintf(name, sizeof name, "late%d", drop);
		char *late_path = sx_xstrdup(tu_path(name));
		tu_write_file(late_path, "earlier\n", 8);       /* appended to, not replaced */
		c.late_drop = drop;
		c.late_out = late_path;
		ws_open(&h, &c, "out");
		ws_event(&h, 15, 1);
		ck_assert_int_eq(ws_line(&h, late1), SX_OK);
		ws_event(&h, 14, 2);                            /* not late: not copied */
		ck_assert_int_eq(ws_line(&h, late2), SX_OK);
		ws_finish(&h);
		ws_close(&h);                                   /* closes the --late-out file */
		char want[256];
		snprintf(want, sizeof want, "earlier\n%s\n%s\n", late1, late2);
		tu_assert_file_eq(name, want);
		ck_assert_uint_eq(sx_stats.late, 2);
		sx_stats.late = 0;
		free(late_path);
	}
}
END_TEST

START_TEST(missing_or_bad_time_is_rejected_naming_the_field)
{
	static const struct { const char *line, *reason; } bad[] = {
		{ "{\"v\":1}", "missing event time" },
		{ "{\"t\":null,\"v\":1}", "missing event time" },
		{ "{\"t\":\"soon\"}", "'soon' is not RFC 3339" },
		{ "{\"t\":\"2026-13-01T00:00:00Z\"}", "month 13 is out of range" },
		{ "{\"t\":[1]}", "not a string or a number" },
		{ "{\"t\":true}", "not a string or a number" },
		{ "{\"t\":1e300}", "1e300 is outside years 0001-9999" },
	};
	struct ws h;
	struct sx_winstage_cfg c = event_time(S);
	ws_open(&h, &c, "out");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_int_eq(ws_line(&h, bad[i].line), SX_REJECT);
		ck_assert_msg(strstr(h.why, "field 't'") && strstr(h.why, bad[i].reason),
			      "%s: reason '%s'", bad[i].line, h.why);
	}
	/* a rejected record moves nothing and takes no input slot */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), SX_TIME_NONE);
	ck_assert_uint_eq(h.st.seq, 0);
	ck_assert_uint_eq(sx_stats.late, 0);
	ws_event(&h, 3, 7);
	ws_finish(&h);
	assert_rows(&h, "out", row(0, 1, "7"));
	ws_close(&h);
}
END_TEST

START_TEST(numeric_times_in_each_unit)
{
	static const struct { enum sx_time_unit unit; const char *value; sx_time_t want; } cases[] = {
		{ SX_UNIT_S, "1767225600", INT64_C(1767225600000000) },
		{ SX_UNIT_S, "1767225600.123456", INT64_C(1767225600123456) },
		{ SX_UNIT_MS, "1767225600123", INT64_C(1767225600123000) },
		{ SX_UNIT_MS, "1767225600123.25", INT64_C(1767225600123250) },
		{ SX_UNIT_US, "1767225600123456", INT64_C(1767225600123456) },
		{ SX_UNIT_NS, "1767225600123456789", INT64_C(1767225600123456) },
		{ SX_UNIT_S, "-1.5", -INT64_C(1500000) },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct ws h;
		struct sx_winstage_cfg c = event_time(0);
		c.time_unit = cases[i].unit;
		ws_open(&h, &c, "out");
		char line[96];
		snprintf(line, sizeof line, "{\"t\":%s}", cases[i].value);
		ck_assert_int_eq(ws_line(&h, line), SX_OK);
		ck_assert_msg(h.st.et.in[0].max_t == cases[i].want, "%s in unit %d: %lld", cases[i].value,
			      (int)cases[i].unit, (long long)h.st.et.in[0].max_t);
		ck_assert_int_eq(sx_stats.event_time, cases[i].want);
		ws_close(&h);
	}
}
END_TEST

/* ---- clocks ---- */

START_TEST(idle_timeout_moves_the_watermark_with_the_clock)
{
	struct ws h;
	struct sx_winstage_cfg c = event_time(2 * S);
	c.idle_timeout = 5 * S;
	ws_open(&h, &c, "out");
	ck_assert_int_eq(sx_winstage_tick_ms(&h.st), 100);
	ws_tick(&h);                        /* nothing seen yet: no watermark */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), SX_TIME_NONE);
	ws_event(&h, 8, 1);                 /* wm 6; 8 is held */
	fake_mono += 5 * S;
	ws_tick(&h);                        /* quiet exactly the timeout: not yet */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 6 * S);
	fake_mono += 3 * S;
	ws_tick(&h);                        /* 3 s past the timeout */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 9 * S);
	assert_rows(&h, "out", "");
	ck_assert_uint_eq(sx_window_held(h.w), 0);
	fake_mono += 2 * S;
	ws_tick(&h);                        /* wm 11 closes (0,10] without new input */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 11 * S);
	assert_rows(&h, "out", row(0, 1, "1"));
	/* an event behind the clock-driven watermark is late; the watermark
	 * does not fall back to max_t - max-delay */
	ws_event(&h, 9, 2);
	ck_assert_uint_eq(sx_stats.late, 1);
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 11 * S);
	ws_tick(&h);                        /* input just came: quiet again from 0 */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 11 * S);
	ws_event(&h, 12, 3);                /* 12 - max-delay is 10: wm stays 11 */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 11 * S);
	ck_assert_uint_eq(sx_stats.late, 1);
	ws_event(&h, 30, 4);                /* wm 28 closes (10,20] */
	char want[512];
	snprintf(want, sizeof want, "%s", row(0, 1, "1"));
	strcat(want, row(10, 2, "2,3"));
	assert_rows(&h, "out", want);
	ws_close(&h);

	/* the tick period follows the timeout, within 1..100 ms */
	c.idle_timeout = 2000;
	ws_open(&h, &c, "out2");
	ck_assert_int_eq(sx_winstage_tick_ms(&h.st), 1);
	ws_close(&h);
	c.idle_timeout = 0;
	ws_open(&h, &c, "out2");
	ck_assert_int_eq(sx_winstage_tick_ms(&h.st), 0);
	ws_close(&h);
}
END_TEST

START_TEST(processing_time_follows_the_wall_clock)
{
	struct ws h;
	struct sx_winstage_cfg c;
	memset(&c, 0, sizeof c);            /* no time field */
	ws_open(&h, &c, "out");
	ck_assert_int_eq(sx_winstage_tick_ms(&h.st), 100);
	fake_wall = 100 * S + S / 2;
	ck_assert_int_eq(ws_line(&h, "{\"v\":1,\"t\":\"ignored\"}"), SX_OK);
	ck_assert_int_eq(sx_stats.event_time, 100 * S + S / 2);
	fake_wall = 101 * S;
	ck_assert_int_eq(ws_line(&h, "{\"v\":2}"), SX_OK);
	fake_wall = 110 * S;
	ws_tick(&h);
	assert_rows(&h, "out", "");
	fake_wall = 110 * S + 1;
	ws_tick(&h);                        /* closes (100,110] with no new input */
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 110 * S + 1);
	assert_rows(&h, "out", row(100, 2, "1,2"));
	/* the wall clock steps back: the event is timed at the watermark, not late */
	fake_wall = 50 * S;
	ck_assert_int_eq(ws_line(&h, "{\"v\":3}"), SX_OK);
	ck_assert_uint_eq(sx_stats.late, 0);
	ck_assert_int_eq(sx_stats.event_time, 110 * S + 1);
	ws_tick(&h);
	ck_assert_int_eq(sx_winstage_watermark(&h.st), 110 * S + 1);             /* never back */
	ws_finish(&h);
	char want[512];
	snprintf(want, sizeof want, "%s", row(100, 2, "1,2"));
	strcat(want, row(110, 1, "3"));
	assert_rows(&h, "out", want);
	ws_close(&h);
}
END_TEST

/* ---- --state ---- */

/* Feed EVENTS[from..to) as {"t":sec,"v":index}. */
static const int stream[] = { 1, 5, 3, 12, 9, 14, 7, 14, 20, 25, 22, 31, 30, 40, 14, 41 };
#define NSTREAM ((int)(sizeof stream / sizeof *stream))

static void feed(struct ws *h, int from, int to)
{
	for (int i = from; i < to; i++)
		ws_event(h, stream[i], i);
}

START_TEST(state_round_trip_matches_one_continuous_run)
{
	struct sx_winstage_cfg c = event_time(3 * S);
	struct ws h;
	ws_open(&h, &c, "whole");
	feed(&h, 0, NSTREAM);
	ws_finish(&h);
	uint64_t late_whole = sx_stats.late;
	ck_assert_uint_gt(late_whole, 0);       /* the stream exercises lateness */
	ws_close(&h);
	char *whole = tu_slurp("whole");
	ck_assert_int_ge(tu_count(whole, "\n"), 4);

	/* stop after every prefix, save, restart from the state, finish --final */
	for (int k = 0; k <= NSTREAM; k++) {
		char out[32];
		snprintf(out, sizeof out, "split%d", k);
		char *state = sx_xstrdup(tu_path("st"));
		unlink(state);
		sx_stats.late = 0;
		c.state_path = state;
		c.final = 0;
		ws_open(&h, &c, out);
		ck_assert_int_eq(sx_winstage_load(&h.st), 0);   /* no file yet: a fresh start */
		feed(&h, 0, k);
		ws_finish(&h);
		ws_close(&h);
		ck_assert(tu_exists(state));
		c.final = 1;
		ws_open(&h, &c, out);
		ck_assert_int_eq(sx_winstage_load(&h.st), 0);
		ck_assert_uint_eq(h.st.seq, (uint64_t)k);
		feed(&h, k, NSTREAM);
		ws_finish(&h);
		ws_close(&h);
		char *got = tu_slurp(out);
		ck_assert_msg(!strcmp(got, whole), "split after %d events:\n%s\nwant:\n%s", k, got, whole);
		ck_assert_uint_eq(sx_stats.late, late_whole);
		free(got);

		/* --final emitted every window: a third run is refused (its
		 * events could fall in windows already out) */
		c.final = 0;
		ws_open(&h, &c, "third");
		ck_assert_int_eq(sx_winstage_load(&h.st), -1);
		ws_close(&h);
		free(state);
	}
	free(whole);
}
END_TEST

/* A state saved by a short run under C, in tu_dir/st; returns its path. */
static const char *save_some_state(const struct sx_winstage_cfg *c0)
{
	static char path[512];
	snprintf(path, sizeof path, "%s", tu_path("st"));
	struct sx_winstage_cfg c = *c0;
	c.state_path = path;
	struct ws h;
	ws_open(&h, &c, "out");
	feed(&h, 0, 6);
	ws_finish(&h);
	ws_close(&h);
	ck_assert(tu_exists(path));
	return path;
}

/* Load tu_dir/st under C (and AGGS); returns the load result, with stderr in
 * tu_dir/err. */
static int load_under(const struct sx_winstage_cfg *c0, const char *const *aggs)
{
	struct sx_winstage_cfg c = *c0;
	c.state_path = tu_path("st");
	struct ws h;
	ws_open_aggs(&h, &c, "out", aggs);
	int saved = tu_capture_stderr("err");
	int r = sx_winstage_load(&h.st);
	tu_restore_stderr(saved);
	ws_close(&h);
	return r;
}

START_TEST(state_from_another_configuration_is_refused)
{
	struct sx_winstage_cfg c = event_time(3 * S);
	const char *path = save_some_state(&c);
	char *before = tu_read_file(path, NULL);

	struct sx_winstage_cfg other = event_time(4 * S);
	ck_assert_int_eq(load_under(&other, NULL), -1);
	char *err = tu_slurp("err");
	ck_assert_msg(strstr(err, "st: state was saved with different options "
			     "(max_delay: saved 3000000, now 4000000); use the same options or remove the file"),
		      "%s", err);
	free(err);

	other = event_time(3 * S);
	other.late_drop = 1;
	ck_assert_int_eq(load_under(&other, NULL), -1);
	err = tu_slurp("err");
	ck_assert_msg(strstr(err, "(late: saved \"adjust\", now \"drop\")"), "%s", err);
	free(err);

	static const char *const more_aggs[] = { "count()", "collect(v)", "sum(v)", NULL };
	ck_assert_int_eq(load_under(&c, more_aggs), -1);
	err = tu_slurp("err");
	ck_assert_msg(strstr(err, "st: state was saved with different -a aggregates"), "%s", err);
	free(err);

	/* the refused file is left as it was, and still loads under its own options */
	char *after = tu_read_file(path, NULL);
	ck_assert_str_eq(after, before);
	ck_assert_int_eq(load_under(&c, NULL), 0);
	free(before);
	free(after);
}
END_TEST

/* sx-window's main: a state that does not load is exit status 1. */
static int load_or_exit(void *arg)
{
	const struct sx_winstage_cfg *c = arg;
	struct ws h;
	ws_open(&h, c, "out");
	if (sx_winstage_load(&h.st) < 0)
		sx_exit(SX_EXIT_FAIL);
	ws_close(&h);
	return 0;
}

START_TEST(refused_state_exits_1)
{
	struct sx_winstage_cfg c = event_time(3 * S);
	save_some_state(&c);
	struct sx_winstage_cfg other = event_time(4 * S);
	other.state_path = tu_path("st");
	ck_assert_int_eq(tu_run_child(load_or_exit, &other, NULL, "child-err"), 1);
	char *err = tu_slurp("child-err");
	ck_assert_ptr_nonnull(strstr(err, "different options (max_delay"));
	free(err);
}
END_TEST

/* tu_dir/st rewritten with J's field KEY set to V (V stolen). */
static void set_state_field(const char *key, json_t *v)
{
	json_t *j = json_load_file(tu_path("st"), 0, NULL);
	ck_assert_ptr_nonnull(j);
	json_object_set_new(j, key, v);
	ck_assert_int_eq(json_dump_file(j, tu_path("st"), JSON_COMPACT), 0);
	json_decref(j);
}

START_TEST(corrupt_state_is_refused)
{
	struct sx_winstage_cfg c = event_time(3 * S);
	const char *path = save_some_state(&c);
	size_t len;
	char *good = tu_read_file(path, &len);
	ck_assert_uint_gt(len, 10);

	static const struct { const char *text, *msg; } texts[] = {
		{ "garbage\n", "st: not a valid state file (line 1:" },
		{ "", "st: not a valid state file" },
		{ "[1,2]\n", "st: not an sx-window state file" },
		{ "{\"format\":\"sx-ingest checkpoint\",\"version\":1}", "st: not an sx-window state file" },
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		tu_write_file(path, texts[i].text, strlen(texts[i].text));
		ck_assert_int_eq(load_under(&c, NULL), -1);
		char *err = tu_slurp("err");
		ck_assert_msg(strstr(err, texts[i].msg), "%s: %s", texts[i].text, err);
		free(err);
	}
	/* cut short: a torn write */
	tu_write_file(path, good, len / 2);
	ck_assert_int_eq(load_under(&c, NULL), -1);
	char *err = tu_slurp("err");
	ck_assert_msg(strstr(err, "st: not a valid state file"), "%s", err);
	free(err);
	free(good);
}
END_TEST

START_TEST(damaged_fields_in_a_state_are_refused)
{
	struct sx_winstage_cfg c = event_time(3 * S);
	static const struct { const char *key, *value, *msg; } cases[] = {
		{ "version", "2", "state format version 2, this sx-window reads version 1" },
		{ "watermark", "\"soon\"", "damaged state file (watermark missing or out of range)" },
		{ "watermark", "9223372036854775807", "damaged state file (watermark missing or out of range)" },
		{ "max_time", "9223372036854775807", "damaged state file (max_time missing or out of range)" },
		{ "seq", "-1", "damaged state file (input counter)" },
		{ "reorder", "[[1]]", "damaged state file (reorder: event 0: not [time, seq, line])" },
		{ "reorder", "[[1,0,\"x\"]]", "damaged state file (reorder: event 0: " },
		{ "late_out", "{\"path\":\"l\",\"start\":5,\"bytes\":2}", "damaged state file (late_out)" },
		{ "windows", "{\"buckets\":7}", "damaged state file (" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		save_some_state(&c);
		set_state_field(cases[i].key, json_loads(cases[i].value, JSON_DECODE_ANY, NULL));
		ck_assert_int_eq(load_under(&c, NULL), -1);
		char *err = tu_slurp("err");
		ck_assert_msg(strstr(err, cases[i].msg), "%s=%s: %s", cases[i].key, cases[i].value, err);
		free(err);
	}
}
END_TEST

START_TEST(defer_commit_writes_only_the_pending_file)
{
	struct sx_winstage_cfg c = event_time(3 * S);
	const char *path = save_some_state(&c);         /* a committed state to keep */
	char *committed = tu_read_file(path, NULL);
	char pending[600];
	snprintf(pending, sizeof pending, "%s.pending", path);
	ck_assert(!tu_exists(pending));

	c.state_path = path;
	c.defer_commit = 1;
	struct ws h;
	ws_open(&h, &c, "out");
	ck_assert_int_eq(sx_winstage_load(&h.st), 0);
	feed(&h, 6, 10);
	ws_finish(&h);
	ws_close(&h);
	ck_assert(tu_exists(pending));
	char *now = tu_read_file(path, NULL);
	ck_assert_str_eq(now, committed);               /* untouched until --commit */
	char *staged = tu_read_file(pending, NULL);
	ck_assert_str_ne(staged, committed);
	ck_assert_uint_eq(tu_count(staged, "\n"), 1);

	/* --commit promotes it; the next run continues from it */
	char *paths[] = { (char *)path };
	ck_assert_int_eq(sx_commit_promote(paths, 1), 0);
	ck_assert(!tu_exists(pending));
	free(now);
	now = tu_read_file(path, NULL);
	ck_assert_str_eq(now, staged);
	c.defer_commit = 0;
	ws_open(&h, &c, "out");
	ck_assert_int_eq(sx_winstage_load(&h.st), 0);
	ck_assert_uint_eq(h.st.seq, 10);
	ws_close(&h);
	free(committed);
	free(now);
	free(staged);
}
END_TEST

Suite *sx_winstage_suite(void)
{
	Suite *s = suite_create("sx_winstage");
	TCase *tc = tcase_create("stage");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_checked_fixture(tc, clocks_setup, clocks_teardown);
	tcase_add_test(tc, watermark_never_moves_back);
	tcase_add_test(tc, equal_times_keep_input_order);
	tcase_add_test(tc, events_within_max_delay_are_resorted);
	tcase_add_test(tc, late_adjust_counts_at_the_watermark);
	tcase_add_test(tc, late_drop_drops_and_counts);
	tcase_add_test(tc, late_out_gets_the_raw_lines);
	tcase_add_test(tc, missing_or_bad_time_is_rejected_naming_the_field);
	tcase_add_test(tc, numeric_times_in_each_unit);
	tcase_add_test(tc, idle_timeout_moves_the_watermark_with_the_clock);
	tcase_add_test(tc, processing_time_follows_the_wall_clock);
	tcase_add_test(tc, state_round_trip_matches_one_continuous_run);
	tcase_add_test(tc, state_from_another_configuration_is_refused);
	tcase_add_test(tc, refused_state_exits_1);
	tcase_add_test(tc, corrupt_state_is_refused);
	tcase_add_test(tc, damaged_fields_in_a_state_are_refused);
	tcase_add_test(tc, defer_commit_writes_only_the_pending_file);
	suite_add_tcase(s, tc);
	return s;
}
