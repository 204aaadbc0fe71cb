/* Unit tests for common/sx_agg.c */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_agg.h"
#include "sx_err.h"
#include "sx_out.h"
#include "sx_stats.h"

/* Output goes to a large in-memory sx_out that is never flushed. */
static struct sx_out out;
static struct sx_rec rec;

static void setup(void)
{
	out.fd = -1;
	out.name = "test";
	out.cap = 64u << 20;
	out.buf = malloc(out.cap);
	out.len = 0;
	out.fail = sx_out_default_fail;
	sx_rec_init(&rec);
}

static void teardown(void)
{
	free(out.buf);
	sx_rec_free(&rec);
}

static struct sx_aggset *mkset(const char *const *args)
{
	struct sx_aggset *s = sx_aggset_new();
	char err[256];
	for (; *args; args++)
		ck_assert_msg(sx_aggset_add(s, *args, err, sizeof err) == 0, "%s: %s", *args, err);
	return s;
}

static void add(const struct sx_aggset *s, struct sx_acc *a, const char *json, sx_time_t t,
		uint64_t seq)
{
	const char *why;
	ck_assert_msg(sx_rec_parse(&rec, json, strlen(json), &why) == 0, "%s: %s", json, why);
	sx_acc_add(s, a, &rec, t, seq);
}

/* The emitted `,"name":value...` text (valid until the next call). */
static const char *emit(const struct sx_aggset *s, const struct sx_acc *a)
{
	out.len = 0;
	sx_acc_emit(s, a, &out);
	ck_assert_uint_lt(out.len, out.cap);
	out.buf[out.len] = '\0';
	return out.buf;
}

/* One aggregate over a list of events (times 1,2,3... seq = index). */
static char result[4096];
static const char *agg1(const char *arg, const char *const *events)
{
	const char *args[] = {arg, NULL};
	struct sx_aggset *s = mkset(args);
	struct sx_acc *a = sx_acc_new(s);
	for (size_t i = 0; events[i]; i++)
		add(s, a, events[i], (sx_time_t)i + 1, i);
	const char *e = emit(s, a);
	/* strip the `,"name":` prefix */
	const char *colon = strstr(e, "\":");
	ck_assert_ptr_nonnull(colon);
	snprintf(result, sizeof result, "%s", colon + 2);
	sx_acc_free(s, a);
	sx_aggset_free(s);
	return result;
}

#define EV(...) ((const char *const[]){__VA_ARGS__, NULL})

START_TEST(basic_functions)
{
	const char *const *ev = EV("{\"x\":3}", "{\"x\":1.50}", "{\"x\":-2}", "{\"x\":10}", "{\"y\":1}");
	ck_assert_str_eq(agg1("count()", ev), "5");
	ck_assert_str_eq(agg1("count(*)", ev), "5");
	ck_assert_str_eq(agg1("count(x)", ev), "4");
	ck_assert_str_eq(agg1("sum(x)", ev), "12.5");
	ck_assert_str_eq(agg1("avg(x)", ev), "3.125");
	ck_assert_str_eq(agg1("min(x)", ev), "-2");
	ck_assert_str_eq(agg1("max(x)", ev), "10");
	/* min/max pass the number text through as written */
	ck_assert_str_eq(agg1("min(x)", EV("{\"x\":2.50}", "{\"x\":1E2}")), "2.50");
	ck_assert_str_eq(agg1("max(x)", EV("{\"x\":2.50}", "{\"x\":1E2}")), "1E2");
	/* a sum of integers is an integer; avg always has a '.' */
	ck_assert_str_eq(agg1("sum(x)", EV("{\"x\":2}", "{\"x\":4}")), "6");
	ck_assert_str_eq(agg1("avg(x)", EV("{\"x\":2}", "{\"x\":4}")), "3.0");
	ck_assert_str_eq(agg1("sum(x)", EV("{\"x\":2.0}", "{\"x\":4}")), "6.0");
	/* int64 overflow falls back to a double */
	ck_assert_str_eq(agg1("sum(x)", EV("{\"x\":9223372036854775807}", "{\"x\":1}")),
			 "9.223372036854776e+18");
	ck_assert_str_eq(agg1("sum(x)", EV("{\"x\":-9223372036854775808}", "{\"x\":1}")),
			 "-9223372036854775807");
	/* compensated summation: 1e16 + 1 + 1 ... does not lose the ones */
	ck_assert_str_eq(agg1("sum(x)", EV("{\"x\":1e16}", "{\"x\":1.0}", "{\"x\":1.0}", "{\"x\":-1e16}")),
			 "2.0");
}
END_TEST

START_TEST(empty_and_null_groups)
{
	const char *fns[] = {"sum(x)", "avg(x)", "min(x)", "max(x)", "stdev(x)", "stdevp(x)",
			     "var(x)", "varp(x)", "median(x)", "percentile_cont(x,0.5)",
			     "percentile_disc(x,0.5)", "first(x)", "last(x)", "min_by(x,y)",
			     "max_by(x,y)", NULL};
	const char *const *nulls = EV("{\"x\":null}", "{\"y\":1}", "{\"x\":null,\"y\":2}");
	const char *const *none = EV("{\"z\":0}");
	for (int i = 0; fns[i]; i++) {
		ck_assert_msg(!strcmp(agg1(fns[i], nulls), "null"), "%s over nulls: %s", fns[i], result);
		ck_assert_msg(!strcmp(agg1(fns[i], none), "null"), "%s over missing: %s", fns[i], result);
	}
	ck_assert_str_eq(agg1("count(x)", nulls), "0");
	ck_assert_str_eq(agg1("count()", nulls), "3");
	ck_assert_str_eq(agg1("count_distinct(x)", nulls), "0");
	ck_assert_str_eq(agg1("approx_count_distinct(x)", nulls), "0");
	/* collect keeps explicit nulls, skips missing fields */
	ck_assert_str_eq(agg1("collect(x)", nulls), "[null,null]");
	ck_assert_str_eq(agg1("collect(x)", none), "[]");
	/* first/last: the first/last event that has the field, null included */
	ck_assert_str_eq(agg1("first(x)", EV("{\"y\":1}", "{\"x\":null}", "{\"x\":2}")), "null");
	ck_assert_str_eq(agg1("last(x)", EV("{\"x\":2}", "{\"x\":\"a\"}", "{\"y\":1}")), "\"a\"");
	/* a new accumulator is empty, one event makes it non-empty */
	const char *args[] = {"sum(x)", NULL};
	struct sx_aggset *s = mkset(args);
	struct sx_acc *a = sx_acc_new(s);
	ck_assert(sx_acc_empty(s, a));
	add(s, a, "{\"y\":1}", 0, 0);
	ck_assert(!sx_acc_empty(s, a));
	ck_assert_str_eq(emit(s, a), ",\"sum_x\":null");
	sx_acc_free(s, a);
	sx_aggset_free(s);
}
END_TEST

START_TEST(non_numbers_skipped_and_counted)
{
	const char *args[] = {"sum(x)", "avg(x)", "max(x)", "count(x)", NULL};
	struct sx_aggset *s = mkset(args);
	uint64_t *nn = sx_stats_counter("non_numeric");
	uint64_t before = *nn;
	struct sx_acc *a = sx_acc_new(s);
	add(s, a, "{\"x\":\"12\"}", 1, 0);
	add(s, a, "{\"x\":true}", 2, 1);
	add(s, a, "{\"x\":[1]}", 3, 2);
	add(s, a, "{\"x\":null}", 4, 3);
	add(s, a, "{\"x\":1e999}", 5, 4);
	add(s, a, "{\"x\":5}", 6, 5);
	/* counted once per event, however many aggregates read the field */
	ck_assert_uint_eq(*nn - before, 4);
	ck_assert_str_eq(emit(s, a), ",\"sum_x\":5,\"avg_x\":5.0,\"max_x\":5,\"count_x\":5");
	sx_acc_free(s, a);
	sx_aggset_free(s);
}
END_TEST

START_TEST(variance_is_numerically_sound)
{
	const char *const *ev = EV("{\"x\":1000000004}", "{\"x\":1000000007}", "{\"x\":1000000013}",
				   "{\"x\":1000000016}");
	ck_assert_str_eq(agg1("var(x)", ev), "30.0");
	ck_assert_str_eq(agg1("varp(x)", ev), "22.5");
	ck_assert_double_eq_tol(atof(agg1("stdev(x)", ev)), sqrt(30.0), 1e-12);
	ck_assert_double_eq_tol(atof(agg1("stdevp(x)", ev)), sqrt(22.5), 1e-12);
	/* the same shifted further: 1e12 + x */
	ck_assert_double_eq_tol(atof(agg1("var(x)", EV("{\"x\":1000000000004}", "{\"x\":1000000000007}",
						       "{\"x\":1000000000013}", "{\"x\":1000000000016}"))),
				30.0, 1e-6);
	/* sample variance of one value is null (T-SQL), population variance 0 */
	ck_assert_str_eq(agg1("var(x)", EV("{\"x\":3}")), "null");
	ck_assert_str_eq(agg1("stdev(x)", EV("{\"x\":3}")), "null");
	ck_assert_str_eq(agg1("varp(x)", EV("{\"x\":3}")), "0.0");
	/* merged in pieces (Chan): still 30 */
	const char *args[] = {"var(x)", NULL};
	struct sx_aggset *s = mkset(args);
	struct sx_acc *a = sx_acc_new(s), *b = sx_acc_new(s), *c = sx_acc_new(s);
	add(s, a, ev[0], 1, 0);
	add(s, b, ev[1], 2, 1);
	add(s, b, ev[2], 3, 2);
	add(s, c, ev[3], 4, 3);
	sx_acc_merge(s, a, b);
	sx_acc_merge(s, a, c);
	ck_assert_str_eq(emit(s, a), ",\"var_x\":30.0");
	sx_acc_free(s, a);
	sx_acc_free(s, b);
	sx_acc_free(s, c);
	sx_aggset_free(s);
}
END_TEST

static int dcmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

START_TEST(percentiles)
{
	/* known values: 1..10 */
	const char *const *ev = EV("{\"x\":7}", "{\"x\":3}", "{\"x\":10}", "{\"x\":1}", "{\"x\":5}",
				   "{\"x\":2}", "{\"x\":9}", "{\"x\":4}", "{\"x\":8}", "{\"x\":6}");
	ck_assert_str_eq(agg1("median(x)", ev), "5.5");
	ck_assert_str_eq(agg1("percentile_cont(x,0)", ev), "1.0");
	ck_assert_str_eq(agg1("percentile_cont(x,1)", ev), "10.0");
	ck_assert_str_eq(agg1("percentile_cont(x,0.25)", ev), "3.25");
	/* disc: smallest value whose cumulative share >= p */
	ck_assert_str_eq(agg1("percentile_disc(x,0)", ev), "1");
	ck_assert_str_eq(agg1("percentile_disc(x,0.1)", ev), "1");
	ck_assert_str_eq(agg1("percentile_disc(x,0.3)", ev), "3"); /* 0.3*10 rounds above 3 */
	ck_assert_str_eq(agg1("percentile_disc(x,0.31)", ev), "4");
	ck_assert_str_eq(agg1("percentile_disc(x,0.5)", ev), "5");
	ck_assert_str_eq(agg1("percentile_disc(x,1)", ev), "10");
	/* disc returns the value's own text; equal values: shortest text first */
	ck_assert_str_eq(agg1("percentile_disc(x,0.5)", EV("{\"x\":2.50}", "{\"x\":1.0}", "{\"x\":3}")),
			 "2.50");
	ck_assert_str_eq(agg1("percentile_disc(x,0)", EV("{\"x\":1.00}", "{\"x\":1}", "{\"x\":1.0}")), "1");
	ck_assert_str_eq(agg1("median(x)", EV("{\"x\":4}")), "4.0");

	/* against a sort, on random data with many duplicates */
	srand(7);
	enum { N = 1001 };
	static char buf[N][32];
	static const char *evs[N + 1];
	double v[N];
	for (int i = 0; i < N; i++) {
		v[i] = (double)(rand() % 200) / 4;
		snprintf(buf[i], sizeof buf[i], "{\"x\":%.2f}", v[i]);
		evs[i] = buf[i];
	}
	evs[N] = NULL;
	qsort(v, N, sizeof *v, dcmp);
	const double ps[] = {0, 0.01, 0.1, 0.333, 0.5, 0.77, 0.9, 0.99, 1};
	for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
		char arg[64];
		double pos = ps[i] * (N - 1);
		size_t lo = (size_t)floor(pos);
		double want = lo + 1 < N ? v[lo] + (pos - lo) * (v[lo + 1] - v[lo]) : v[lo];
		snprintf(arg, sizeof arg, "percentile_cont(x,%g)", ps[i]);
		ck_assert_double_eq_tol(atof(agg1(arg, evs)), want, 1e-9);
		size_t k = (size_t)ceil(ps[i] * N);
		double wantd = v[k ? k - 1 : 0];
		snprintf(arg, sizeof arg, "percentile_disc(x,%g)", ps[i]);
		ck_assert_double_eq(atof(agg1(arg, evs)), wantd);
	}
}
END_TEST

START_TEST(distinct_equality)
{
	/* numbers by value, strings by decoded bytes, objects without whitespace */
	const char *const *ev = EV("{\"x\":1}", "{\"x\":1.0}", "{\"x\":1e0}", "{\"x\":\"1\"}",
				   "{\"x\":\"\\u0031\"}", "{\"x\":null}", "{\"y\":1}",
				   "{\"x\":{\"a\":1}}", "{\"x\": { \"a\" : 1 } }", "{\"x\":true}",
				   "{\"x\":false}", "{\"x\":true}", "{\"x\":0.5}", "{\"x\":5e-1}",
				   "{\"x\":-0}", "{\"x\":0}", "{\"x\":9007199254740993}",
				   "{\"x\":9007199254740992}");
	/* 1 | "1" | {"a":1} | true | false | 0.5 | 0 | 2^53+1 | 2^53 */
	ck_assert_str_eq(agg1("count_distinct(x)", ev), "9");
	ck_assert_str_eq(agg1("approx_count_distinct(x)", ev), "9");
}
END_TEST

START_TEST(hll_accuracy)
{
	const char *args[] = {"approx_count_distinct(id)", "count_distinct(id)", NULL};
	struct sx_aggset *s = mkset(args);
	struct sx_acc *a = sx_acc_new(s), *b = sx_acc_new(s);
	char line[64];
	uint64_t checks[] = {100, 768, 769, 1000, 10000, 50000, 200000, 1000000};
	size_t next = 0;
	for (uint64_t i = 1; i <= 1000000; i++) {
		snprintf(line, sizeof line, "{\"id\":\"device-%llu\"}", (unsigned long long)i);
		add(s, a, line, (sx_time_t)i, i);
		if (i == checks[next]) {
			const char *e = emit(s, a);
			unsigned long long est, exact;
			ck_assert_int_eq(sscanf(e, ",\"approx_count_distinct_id\":%llu,\"count_distinct_id\":%llu",
						&est, &exact), 2);
			ck_assert_uint_eq(exact, i);
			double err = fabs((double)est - (double)i) / (double)i;
			if (i <= 768)
				ck_assert_uint_eq(est, i);    /* exact while small */
			ck_assert_msg(err < 0.02, "estimate %llu for %llu", est, (unsigned long long)i);
			next++;
		}
		/* duplicates change nothing */
		if (i % 1000 == 0)
			add(s, b, "{\"id\":\"device-1\"}", 0, 0);
	}
	ck_assert_uint_eq(next, sizeof checks / sizeof *checks);
	ck_assert_str_eq(emit(s, b), ",\"approx_count_distinct_id\":1,\"count_distinct_id\":1");
	sx_acc_free(s, a);
	sx_acc_free(s, b);
	sx_aggset_free(s);
}
END_TEST

START_TEST(event_order_and_ties)
{
	const char *args[] = {"first(v)", "last(v)", "collect(v)", "min_by(x,v)", "max_by(x,v)",
			      "min(x)", "max(x)", NULL};
	struct sx_aggset *s = mkset(args);
	struct sx_acc *a = sx_acc_new(s);
	/* added out of event-time order; ties in time broken by seq */
	add(s, a, "{\"x\":5,\"v\":\"c\"}", 30, 5);
	add(s, a, "{\"x\":1,\"v\":\"b\"}", 20, 4);
	add(s, a, "{\"x\":5.0,\"v\":{\"k\":[1, 2]}}", 20, 2);
	add(s, a, "{\"x\":1.0,\"v\":\"a\"}", 10, 7);
	add(s, a, "{\"x\":9}", 40, 8);              /* max_by on an event without v */
	add(s, a, "{\"x\":\"n\",\"v\":\"d\"}", 50, 9); /* x not a number: skipped by *_by */
	ck_assert_str_eq(emit(s, a),
			 ",\"first_v\":\"a\",\"last_v\":\"d\""
			 ",\"collect_v\":[\"a\",{\"k\":[1, 2]},\"b\",\"c\",\"d\"]"
			 ",\"min_by_x_v\":\"a\",\"max_by_x_v\":null,\"min_x\":1.0,\"max_x\":9");
	/* ties on x: earliest event wins (t=20 seq 2 beats t=30 seq 5) */
	sx_acc_reset(s, a);
	add(s, a, "{\"x\":5,\"v\":\"late\"}", 30, 0);
	add(s, a, "{\"x\":5,\"v\":\"early-seq9\"}", 20, 9);
	add(s, a, "{\"x\":5,\"v\":\"early-seq3\"}", 20, 3);
	ck_assert_str_eq(emit(s, a),
			 ",\"first_v\":\"early-seq3\",\"last_v\":\"late\""
			 ",\"collect_v\":[\"early-seq3\",\"early-seq9\",\"late\"]"
			 ",\"min_by_x_v\":\"early-seq3\",\"max_by_x_v\":\"early-seq3\",\"min_x\":5,\"max_x\":5");
	sx_acc_free(s, a);
	sx_aggset_free(s);
}
END_TEST

/* Every function, for merge and save/load. */
static const char *all_args[] = {
	"count()", "count(x)", "sum(x)", "avg(x)", "min(x)", "max(x)", "stdev(x)", "stdevp(x)",
	"var(x)", "varp(x)", "median(x)", "percentile_cont(x,0.9)", "percentile_disc(x,0.75)",
	"count_distinct(k)", "approx_count_distinct(k)", "approx_count_distinct(big)",
	"first(k)", "last(k)", "collect(k)", "min_by(x,k)", "max_by(x,k)", "sum(i)",
	"topone(x)", "hi=topone(x desc)", "collect_top(3, x DESC)", "collect_top(5,k)", NULL};

static void random_event(char *line, size_t n, int i)
{
	int r = rand();
	double x = (r % 1000) / 8.0 - 50;
	switch (r % 11) {
	case 0:
		snprintf(line, n, "{\"k\":null,\"i\":%d,\"big\":%d}", i, i);
		break;
	case 1:
		snprintf(line, n, "{\"x\":\"s%d\",\"big\":%d}", r % 7, i);
		break;
	case 2:
		snprintf(line, n, "{\"x\":%d,\"k\":[%d],\"i\":-%d,\"big\":%d}", r % 5, r % 3, i, i);
		break;
	default:
		snprintf(line, n, "{\"x\":%.3f,\"k\":\"k%d\",\"i\":%d,\"big\":%d}", x, r % 50, r % 100, i);
	}
}

/* Compare two emitted rows; doubles may differ in the last bits when merged. */
static void assert_rows_equal(const char *x, const char *y)
{
	if (!strcmp(x, y))
		return;
	char *bx = malloc(strlen(x) + 3), *by = malloc(strlen(y) + 3);
	sprintf(bx, "{%s}", x + 1);
	sprintf(by, "{%s}", y + 1);
	json_t *jx = json_loads(bx, 0, NULL), *jy = json_loads(by, 0, NULL);
	ck_assert_ptr_nonnull(jx);
	ck_assert_ptr_nonnull(jy);
	const char *key;
	json_t *vx;
	json_object_foreach(jx, key, vx) {
		json_t *vy = json_object_get(jy, key);
		if (json_is_real(vx) && json_is_real(vy)) {
			double a = json_real_value(vx), b = json_real_value(vy);
			ck_assert_msg(fabs(a - b) <= 1e-9 * fmax(1, fabs(a)), "%s: %.17g vs %.17g", key, a, b);
		} else {
			ck_assert_msg(json_equal(vx, vy), "%s differs:\n%s\n%s", key, x, y);
		}
	}
	ck_assert_uint_eq(json_object_size(jx), json_object_size(jy));
	json_decref(jx);
	json_decref(jy);
	free(bx);
	free(by);
}

START_TEST(merge_equals_single_accumulator)
{
	struct sx_aggset *s = mkset(all_args);
	srand(42);
	for (int round = 0; round < 4; round++) {
		int n = round == 0 ? 0 : round == 1 ? 1 : round == 2 ? 40 : 3000;
		enum { P = 5 };
		struct sx_acc *one = sx_acc_new(s), *pane[P], *merged = sx_acc_new(s);
		for (int p = 0; p < P; p++)
			pane[p] = sx_acc_new(s);
		char line[128];
		for (int i = 0; i < n; i++) {
			random_event(line, sizeof line, i);
			/* times not in input order, with ties */
			sx_time_t t = (sx_time_t)(rand() % 50);
			add(s, one, line, t, (uint64_t)i);
			add(s, pane[rand() % P], line, t, (uint64_t)i);
		}
		/* panes merged in a scrambled order, one of them twice into a copy */
		for (int p = P; p-- > 0;)
			sx_acc_merge(s, merged, pane[p]);
		char *want = strdup(emit(s, one));
		assert_rows_equal(emit(s, merged), want);
		ck_assert_int_eq(sx_acc_empty(s, merged), n == 0);
		/* the source of a merge is unchanged: merging again into a fresh one gives the same */
		struct sx_acc *again = sx_acc_new(s);
		for (int p = 0; p < P; p++)
			sx_acc_merge(s, again, pane[p]);
		assert_rows_equal(emit(s, again), want);
		free(want);
		sx_acc_free(s, one);
		sx_acc_free(s, merged);
		sx_acc_free(s, again);
		for (int p = 0; p < P; p++)
			sx_acc_free(s, pane[p]);
	}
	sx_aggset_free(s);
}
END_TEST

START_TEST(merge_hll_dense_and_exact)
{
	const char *args[] = {"approx_count_distinct(k)", NULL};
	struct sx_aggset *s = mkset(args);
	struct sx_acc *a = sx_acc_new(s), *b = sx_acc_new(s), *c = sx_acc_new(s), *all = sx_acc_new(s);
	char line[64];
	for (int i = 0; i < 20000; i++) {
		snprintf(line, sizeof line, "{\"k\":%d}", i);
		add(s, i < 15000 ? a : i < 19800 ? b : c, line, 0, 0);   /* dense, dense, exact */
		add(s, all, line, 0, 0);
	}
	struct sx_acc *m1 = sx_acc_new(s), *m2 = sx_acc_new(s);
	sx_acc_merge(s, m1, c);   /* exact into empty */
	sx_acc_merge(s, m1, a);   /* dense into exact */
	sx_acc_merge(s, m1, b);   /* dense into dense */
	sx_acc_merge(s, m2, b);
	sx_acc_merge(s, m2, c);   /* exact into dense */
	sx_acc_merge(s, m2, a);
	char *want = strdup(emit(s, all));
	ck_assert_str_eq(emit(s, m1), want);
	ck_assert_str_eq(emit(s, m2), want);
	free(want);
	struct sx_acc *v[] = {a, b, c, all, m1, m2};
	for (size_t i = 0; i < 6; i++)
		sx_acc_free(s, v[i]);
	sx_aggset_free(s);
}
END_TEST

/* Save, dump to text, parse, load: same output, and continuing after the
 * load gives what an uninterrupted accumulator gives. */
START_TEST(save_load_round_trip)
{
	struct sx_aggset *s = mkset(all_args);
	srand(3);
	for (int round = 0; round < 3; round++) {
		int n = round == 0 ? 0 : round == 1 ? 5 : 2000;
		struct sx_acc *a = sx_acc_new(s), *cont = sx_acc_new(s);
		char line[128];
		for (int i = 0; i < n; i++) {
			random_event(line, sizeof line, i);
			add(s, a, line, i, (uint64_t)i);
			add(s, cont, line, i, (uint64_t)i);
		}
		json_t *j = sx_acc_save(s, a);
		char *text = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		json_t *back = json_loads(text, 0, NULL);
		ck_assert_ptr_nonnull(back);
		struct sx_acc *b = sx_acc_load(s, back);
		ck_assert_ptr_nonnull(b);
		json_decref(back);
		free(text);
		char *want = strdup(emit(s, a));
		ck_assert_str_eq(emit(s, b), want);
		ck_assert_int_eq(sx_acc_empty(s, b), n == 0);
		free(want);
		for (int i = n; i < n + 50; i++) {
			random_event(line, sizeof line, i);
			add(s, b, line, i, (uint64_t)i);
			add(s, cont, line, i, (uint64_t)i);
		}
		want = strdup(emit(s, cont));
		ck_assert_str_eq(emit(s, b), want);
		free(want);
		sx_acc_free(s, a);
		sx_acc_free(s, b);
		sx_acc_free(s, cont);
	}
	sx_aggset_free(s);
}
END_TEST

START_TEST(load_rejects_foreign_state)
{
	struct sx_aggset *s = mkset(all_args);
	const char *other_args[] = {"sum(x)", "avg(x)", NULL};
	struct sx_aggset *o = mkset(other_args);
	struct sx_acc *a = sx_acc_new(o);
	add(o, a, "{\"x\":1}", 0, 0);
	json_t *j = sx_acc_save(o, a);
	ck_assert_ptr_null(sx_acc_load(s, j));          /* other set */
	struct sx_acc *b = sx_acc_load(o, j);
	ck_assert_ptr_nonnull(b);
	sx_acc_free(o, b);
	json_decref(j);
	const char *bad[] = {
		"null", "[]", "[1]", "[1,[\"sum\",1,1,false,1.0,0.0]]",
		"[-1,[\"sum\",1,1,false,1.0,0.0],[\"avg\",1,1,false,1.0,0.0]]",
		"[1,[\"sum\",1,1,false,1.0,0.0],[\"avg\",1,\"x\",false,1.0,0.0]]",
		"[1,[\"sum\",1,1,false,1.0,0.0],[\"sum\",1,1,false,1.0,0.0]]",
		NULL};
	for (int i = 0; bad[i]; i++) {
		json_t *x = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(x);
		ck_assert_msg(sx_acc_load(o, x) == NULL, "accepted %s", bad[i]);
		json_decref(x);
	}
	/* a value text that is not JSON is refused (it would be written out as is) */
	const char *pick_args[] = {"first(k)", "collect(k)", "count_distinct(k)", "approx_count_distinct(k)",
				   "percentile_disc(x,0.5)", NULL};
	struct sx_aggset *p = mkset(pick_args);
	const char *badp[] = {
		"[1,[\"first\",0.0,1,1,\"{oops\"],[\"collect\",[]],[\"count_distinct\",[]],"
		"[\"approx_count_distinct\",\"exact\",[]],[\"percentile_disc\",[]]]",
		"[1,[\"first\"],[\"collect\",[[1,1,\"nope\"]]],[\"count_distinct\",[]],"
		"[\"approx_count_distinct\",\"exact\",[]],[\"percentile_disc\",[]]]",
		"[1,[\"first\"],[\"collect\",[]],[\"count_distinct\",[\"zz\"]],"
		"[\"approx_count_distinct\",\"exact\",[]],[\"percentile_disc\",[]]]",
		"[1,[\"first\"],[\"collect\",[]],[\"count_distinct\",[]],"
		"[\"approx_count_distinct\",\"dense\",\"00\"],[\"percentile_disc\",[]]]",
		"[1,[\"first\"],[\"collect\",[]],[\"count_distinct\",[]],"
		"[\"approx_count_distinct\",\"exact\",[]],[\"percentile_disc\",[\"\\\"a\\\"\"]]]",
		NULL};
	for (int i = 0; badp[i]; i++) {
		json_t *x = json_loads(badp[i], 0, NULL);
		ck_assert_msg(x != NULL, "test state %d does not parse", i);
		ck_assert_msg(sx_acc_load(p, x) == NULL, "accepted %s", badp[i]);
		json_decref(x);
	}
	const char *good = "[1,[\"first\"],[\"collect\",[]],[\"count_distinct\",[]],"
			   "[\"approx_count_distinct\",\"exact\",[]],[\"percentile_disc\",[\"2.5\"]]]";
	json_t *x = json_loads(good, 0, NULL);
	struct sx_acc *g = sx_acc_load(p, x);
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(emit(p, g), ",\"first_k\":null,\"collect_k\":[],\"count_distinct_k\":0,"
			 "\"approx_count_distinct_k\":0,\"percentile_disc_x\":2.5");
	json_decref(x);
	sx_acc_free(p, g);
	sx_aggset_free(p);
	sx_acc_free(o, a);
	sx_aggset_free(o);
	sx_aggset_free(s);
}
END_TEST

/* topone and collect_top: ASC/DESC, null and missing as the smallest, the
 * type order (numbers, RFC 3339 times by instant, strings, others), ties to
 * the earlier event (event time, then input order) in both directions, and
 * at most N kept. */
START_TEST(topone_collect_top_order_and_ties)
{
	const char *args[] = {"lo=topone(v)", "hi=topone(v desc)", "t3=collect_top(3, v DESC)",
			      "b2=collect_top(2, v asc)", NULL};
	struct sx_aggset *s = mkset(args);
	struct sx_acc *a = sx_acc_new(s);
	ck_assert_str_eq(emit(s, a), ",\"lo\":null,\"hi\":null,\"t3\":[],\"b2\":[]");
	add(s, a, "{\"i\":0,\"v\":5}", 10, 0);
	add(s, a, "{\"i\":1,\"v\":7}", 10, 1);
	add(s, a, "{\"i\":2,\"v\":7.0}", 9, 2);    /* ties 7, earlier in event time */
	add(s, a, "{\"i\":3,\"v\":7}", 10, 3);      /* ties 7, later in input order */
	add(s, a, "{\"i\":4,\"v\":-1}", 10, 4);
	ck_assert_str_eq(emit(s, a),
			 ",\"lo\":{\"i\":4,\"v\":-1},\"hi\":{\"i\":2,\"v\":7.0},"
			 "\"t3\":[{\"rank\":1,\"value\":{\"i\":2,\"v\":7.0}},"
			 "{\"rank\":2,\"value\":{\"i\":1,\"v\":7}},{\"rank\":3,\"value\":{\"i\":3,\"v\":7}}],"
			 "\"b2\":[{\"rank\":1,\"value\":{\"i\":4,\"v\":-1}},{\"rank\":2,\"value\":{\"i\":0,\"v\":5}}]");
	/* null and missing are the smallest: first ascending, last descending */
	add(s, a, "{\"i\":5}", 11, 5);
	add(s, a, "{\"i\":6,\"v\":null}", 1, 6);
	ck_assert_str_eq(emit(s, a),
			 ",\"lo\":{\"i\":6,\"v\":null},\"hi\":{\"i\":2,\"v\":7.0},"
			 "\"t3\":[{\"rank\":1,\"value\":{\"i\":2,\"v\":7.0}},"
			 "{\"rank\":2,\"value\":{\"i\":1,\"v\":7}},{\"rank\":3,\"value\":{\"i\":3,\"v\":7}}],"
			 "\"b2\":[{\"rank\":1,\"value\":{\"i\":6,\"v\":null}},{\"rank\":2,\"value\":{\"i\":5}}]");
	/* numbers < times (by instant, whatever the spelling) < strings < others */
	sx_acc_reset(s, a);
	add(s, a, "{\"i\":0,\"v\":true}", 1, 0);
	add(s, a, "{\"i\":1,\"v\":\"abc\"}", 1, 1);
	add(s, a, "{\"i\":2,\"v\":\"2026-01-01T00:00:00.5Z\"}", 1, 2);
	add(s, a, "{\"i\":3,\"v\":\"2026-01-01T01:00:00+02:00\"}", 1, 3);
	add(s, a, "{\"i\":4,\"v\":1e300}", 1, 4);
	ck_assert_str_eq(emit(s, a),
			 ",\"lo\":{\"i\":4,\"v\":1e300},\"hi\":{\"i\":0,\"v\":true},"
			 "\"t3\":[{\"rank\":1,\"value\":{\"i\":0,\"v\":true}},"
			 "{\"rank\":2,\"value\":{\"i\":1,\"v\":\"abc\"}},"
			 "{\"rank\":3,\"value\":{\"i\":2,\"v\":\"2026-01-01T00:00:00.5Z\"}}],"
			 "\"b2\":[{\"rank\":1,\"value\":{\"i\":4,\"v\":1e300}},"
			 "{\"rank\":2,\"value\":{\"i\":3,\"v\":\"2026-01-01T01:00:00+02:00\"}}]");
	/* bounded: 10000 events keep N each, and the best survive */
	sx_acc_reset(s, a);
	char line[64];
	for (int i = 0; i < 10000; i++) {
		snprintf(line, sizeof line, "{\"v\":%d}", (i * 7919) % 10007);
		add(s, a, line, 0, (uint64_t)i);
	}
	ck_assert_str_eq(emit(s, a),
			 ",\"lo\":{\"v\":0},\"hi\":{\"v\":10006},"
			 "\"t3\":[{\"rank\":1,\"value\":{\"v\":10006}},{\"rank\":2,\"value\":{\"v\":10005}},"
			 "{\"rank\":3,\"value\":{\"v\":10004}}],"
			 "\"b2\":[{\"rank\":1,\"value\":{\"v\":0}},{\"rank\":2,\"value\":{\"v\":1}}]");
	sx_acc_free(s, a);
	sx_aggset_free(s);
}
END_TEST

START_TEST(topone_collect_top_parse_and_state)
{
	struct sx_aggset *s = sx_aggset_new();
	char err[256];
	ck_assert_int_eq(sx_aggset_add(s, "topone(ts desc)", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(s, "collect_top(3, temperature Desc)", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(s, "TopOne(desc)", err, sizeof err), 0);   /* a field named desc */
	ck_assert_str_eq(sx_aggset_name(s, 0), "topone_ts");
	ck_assert_str_eq(sx_aggset_name(s, 1), "collect_top_temperature");
	ck_assert_str_eq(sx_aggset_name(s, 2), "topone_desc");
	ck_assert_str_eq(sx_aggset_signature(s),
			 "topone_ts\ttopone\tts\tdesc\t1\n"
			 "collect_top_temperature\tcollect_top\ttemperature\tdesc\t3\n"
			 "topone_desc\ttopone\tdesc\tasc\t1\n");
	static const struct { const char *arg, *msg; } bad[] = {
		{"collect_top(0, x)", "N must be a whole number from 1 to 100000, got \"0\""},
		{"collect_top(100001, x)", "N must be a whole number from 1 to 100000"},
		{"collect_top(2.5, x)", "N must be a whole number"},
		{"collect_top(x)", "collect_top takes two arguments: collect_top(N, FIELD [asc|desc])"},
		{"topone()", "topone takes one field: topone(FIELD [asc|desc])"},
		{"topone(a, b)", "topone takes one field"},
		{"collect_top(2, )", "empty argument"},
		{"collect_top(1, x desc)", "is used twice"},     /* same name as below */
		{NULL, NULL}};
	ck_assert_int_eq(sx_aggset_add(s, "collect_top(2, x)", err, sizeof err), 0);
	for (int i = 0; bad[i].arg; i++) {
		ck_assert_msg(sx_aggset_add(s, bad[i].arg, err, sizeof err) < 0, "accepted %s", bad[i].arg);
		ck_assert_msg(strstr(err, bad[i].msg) != NULL, "%s: %s", bad[i].arg, err);
	}
	sx_aggset_free(s);

	/* --state: saved best first, loaded back; damaged entries refused */
	const char *args[] = {"collect_top(2, v desc)", NULL};
	s = mkset(args);
	struct sx_acc *a = sx_acc_new(s);
	add(s, a, "{\"v\":1}", 5, 0);
	add(s, a, "{\"v\":3, \"w\":\"x\"}", 6, 1);
	add(s, a, "{\"v\":2}", 7, 2);
	json_t *j = sx_acc_save(s, a);
	char *text = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(text, "[3,[\"collect_top\",[[6,1,\"{\\\"v\\\":3, \\\"w\\\":\\\"x\\\"}\"],"
			 "[7,2,\"{\\\"v\\\":2}\"]]]]");
	struct sx_acc *b = sx_acc_load(s, j);
	ck_assert_ptr_nonnull(b);
	char *want = strdup(emit(s, a));
	ck_assert_str_eq(emit(s, b), want);
	free(want);
	free(text);
	json_decref(j);
	const char *damaged[] = {
		"[1,[\"collect_top\",[[1,1,\"[1]\"]]]]",                  /* not an object */
		"[1,[\"collect_top\",[[1,1,\"{\\\"v\\\":1}\"],[1,2,\"{}\"],[1,3,\"{}\"]]]]", /* > N */
		"[1,[\"collect_top\",[[1,1,\"{\\\"v\\\":\\n1}\"]]]]",     /* two lines */
		"[1,[\"collect_top\",[[1,-1,\"{}\"]]]]",                  /* bad seq */
		"[1,[\"collect_top\",[[1,1]]]]",
		"[1,[\"collect_top\"]]",
		NULL};
	for (int i = 0; damaged[i]; i++) {
		json_t *x = json_loads(damaged[i], 0, NULL);
		ck_assert_msg(x != NULL, "test state %d does not parse", i);
		ck_assert_msg(sx_acc_load(s, x) == NULL, "accepted %s", damaged[i]);
		json_decref(x);
	}
	sx_acc_free(s, a);
	sx_acc_free(s, b);
	sx_aggset_free(s);
}
END_TEST

START_TEST(names_and_parse_errors)
{
	struct sx_aggset *s = sx_aggset_new();
	char err[256];
	ck_assert_int_eq(sx_aggset_add(s, "count()", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(s, " AVG ( temperature ) ", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(s, "hot=max(temperature)", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(s, "percentile_cont(temperature, 0.95)", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(s, "max_by(temperature,deviceId)", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(s, "count(deviceId)", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(s, "we\"ird=sum(a b)", err, sizeof err), 0);
	ck_assert_uint_eq(sx_aggset_count(s), 7);
	ck_assert_str_eq(sx_aggset_name(s, 0), "count");
	ck_assert_str_eq(sx_aggset_name(s, 1), "avg_temperature");
	ck_assert_str_eq(sx_aggset_name(s, 2), "hot");
	ck_assert_str_eq(sx_aggset_name(s, 3), "percentile_cont_temperature");
	ck_assert_str_eq(sx_aggset_name(s, 4), "max_by_temperature_deviceId");
	ck_assert_str_eq(sx_aggset_name(s, 5), "count_deviceId");
	ck_assert_str_eq(sx_aggset_name(s, 6), "we\"ird");
	struct sx_acc *a = sx_acc_new(s);
	add(s, a, "{\"temperature\":20,\"deviceId\":\"d1\",\"a b\":1}", 0, 0);
	ck_assert_str_eq(emit(s, a), ",\"count\":1,\"avg_temperature\":20.0,\"hot\":20,"
			 "\"percentile_cont_temperature\":20.0,\"max_by_temperature_deviceId\":\"d1\","
			 "\"count_deviceId\":1,\"we\\\"ird\":1");
	sx_acc_free(s, a);

	struct { const char *arg, *msg; } bad[] = {
		{"avg", "expected [NAME=]FUNC(ARGS)"},
		{"avg(x", "expected [NAME=]FUNC(ARGS)"},
		{"avg)x(", "expected [NAME=]FUNC(ARGS)"},
		{"mean(x)", "unknown function \"mean\""},
		{"(x)", "unknown function"},
		{"avg()", "avg takes one field"},
		{"avg(x,y)", "avg takes one field"},
		{"count(x,y)", "count takes at most one field"},
		{"min_by(x)", "min_by takes two arguments"},
		{"percentile_cont(x)", "percentile_cont takes two arguments: percentile_cont(FIELD,P)"},
		{"percentile_cont(x,1.5)", "P must be a number between 0 and 1, got \"1.5\""},
		{"percentile_disc(x,-0.1)", "between 0 and 1"},
		{"percentile_disc(x,abc)", "between 0 and 1"},
		{"percentile_disc(x,nan)", "between 0 and 1"},
		{"sum(x,,)", "takes one field"},
		{"min_by(x, )", "empty argument"},
		{"=sum(x)", "empty NAME"},
		{"count()", "aggregate name \"count\" is used twice"},
		{"hot=min(x)", "use NAME=FUNC(...)"},
		{"avg(temperature)", "\"avg_temperature\" is used twice"},
		{"avg(a,b,c,d)", "too many arguments"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = '\0';
		ck_assert_msg(sx_aggset_add(s, bad[i].arg, err, sizeof err) == -1, "accepted %s", bad[i].arg);
		ck_assert_msg(strstr(err, bad[i].msg) != NULL, "%s: got \"%s\"", bad[i].arg, err);
	}
	ck_assert_uint_eq(sx_aggset_count(s), 7);
	ck_assert(sx_aggset_keeps_values(s)); /* percentile_cont */
	struct sx_aggset *d = sx_aggset_new();
	ck_assert_int_eq(sx_aggset_add(d, "sum(x)", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(d, "approx_count_distinct(x)", err, sizeof err), 0);
	ck_assert(!sx_aggset_keeps_values(d));
	ck_assert_int_eq(sx_aggset_add(d, "collect(x)", err, sizeof err), 0);
	ck_assert(sx_aggset_keeps_values(d));
	sx_aggset_free(d);
	/* identical sets have identical signatures */
	struct sx_aggset *t = sx_aggset_new(), *u = sx_aggset_new();
	ck_assert_int_eq(sx_aggset_add(t, "p=percentile_disc(x,0.5)", err, sizeof err), 0);
	ck_assert_int_eq(sx_aggset_add(u, "p=percentile_disc(x,0.25)", err, sizeof err), 0);
	ck_assert_str_ne(sx_aggset_signature(t), sx_aggset_signature(u));
	sx_aggset_free(u);
	u = sx_aggset_new();
	ck_assert_int_eq(sx_aggset_add(u, "p = percentile_disc( x , .5 )", err, sizeof err), 0);
	ck_assert_str_eq(sx_aggset_signature(t), sx_aggset_signature(u));
	sx_aggset_free(t);
	sx_aggset_free(u);
	sx_aggset_free(s);
}
END_TEST

/* reset empties every aggregate and the accumulator works again. */
START_TEST(reset_reuses)
{
	struct sx_aggset *s = mkset(all_args);
	struct sx_acc *a = sx_acc_new(s), *fresh = sx_acc_new(s);
	char line[128];
	srand(9);
	for (int i = 0; i < 3000; i++) {
		random_event(line, sizeof line, i);
		add(s, a, line, i, (uint64_t)i);
	}
	sx_acc_reset(s, a);
	ck_assert(sx_acc_empty(s, a));
	char *want = strdup(emit(s, fresh));
	ck_assert_str_eq(emit(s, a), want);
	free(want);
	for (int i = 0; i < 100; i++) {
		random_event(line, sizeof line, i);
		add(s, a, line, i, (uint64_t)i);
		add(s, fresh, line, i, (uint64_t)i);
	}
	want = strdup(emit(s, fresh));
	ck_assert_str_eq(emit(s, a), want);
	free(want);
	sx_acc_free(s, a);
	sx_acc_free(s, fresh);
	sx_aggset_free(s);
}
END_TEST

Suite *sx_agg_suite(void)
{
	Suite *s = suite_create("sx_agg");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, basic_functions);
	tcase_add_test(tc, empty_and_null_groups);
	tcase_add_test(tc, non_numbers_skipped_and_counted);
	tcase_add_test(tc, variance_is_numerically_sound);
	tcase_add_test(tc, percentiles);
	tcase_add_test(tc, distinct_equality);
	tcase_add_test(tc, hll_accuracy);
	tcase_add_test(tc, event_order_and_ties);
	tcase_add_test(tc, merge_equals_single_accumulator);
	tcase_add_test(tc, merge_hll_dense_and_exact);
	tcase_add_test(tc, save_load_round_trip);
	tcase_add_test(tc, load_rejects_foreign_state);
	tcase_add_test(tc, names_and_parse_errors);
	tcase_add_test(tc, reset_reuses);
	tcase_add_test(tc, topone_collect_top_order_and_ties);
	tcase_add_test(tc, topone_collect_top_parse_and_state);
	suite_add_tcase(s, tc);
	return s;
}
