/* Unit tests for common/sx_tmerge.c: the time merge of several inputs. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_tmerge.h"

static void log_out(void *ctx, const char *p, size_t n)
{
	struct sx_buf *b = ctx;
	sx_buf_append(b, p, n);
	sx_buf_putc(b, ' ');
}

static const char *text(struct sx_buf *b)
{
	sx_buf_putc(b, '\0');
	b->len--;
	return b->data;
}

/* Hold "NAME" at T seconds on input I, then release what may go. */
static void hold(struct sx_tmerge *m, int i, const char *name, int t)
{
	sx_tmerge_hold(m, i, name, strlen(name), (sx_time_t)t * 1000000);
	sx_tmerge_release(m);
}

START_TEST(merge_in_time_order_ties_by_input)
{
	struct sx_buf out = SX_BUF_INIT;
	struct sx_tmerge *m = sx_tmerge_new(0, log_out, &out);
	int a = sx_tmerge_add(m), b = sx_tmerge_add(m);
	/* an input that has sent nothing holds everything back, and is read first */
	ck_assert_int_eq(sx_tmerge_next(m), a);
	hold(m, a, "a1", 1);
	ck_assert_int_eq(sx_tmerge_next(m), b);
	ck_assert_str_eq(text(&out), "");
	hold(m, b, "b2", 2);
	/* the clock is min(1, 2): nothing before it yet; a holds it back */
	ck_assert_int_eq(sx_tmerge_next(m), a);
	hold(m, a, "a2", 2);
	ck_assert_str_eq(text(&out), "a1 ");
	hold(m, a, "a5", 5);
	hold(m, b, "b3", 3);
	/* equal times: the input added first comes first */
	ck_assert_str_eq(text(&out), "a1 a2 b2 ");
	ck_assert_uint_eq(sx_tmerge_held(m), 2);
	sx_tmerge_done(m, b);
	ck_assert_int_eq(sx_tmerge_next(m), a);
	sx_tmerge_release(m);
	ck_assert_str_eq(text(&out), "a1 a2 b2 b3 ");
	sx_tmerge_done(m, a);
	ck_assert_int_eq(sx_tmerge_next(m), -1);
	ck_assert_uint_eq(sx_tmerge_release(m), 1);
	ck_assert_str_eq(text(&out), "a1 a2 b2 b3 a5 ");
	ck_assert_uint_eq(sx_tmerge_late(m), 0);
	sx_tmerge_free(m);
	sx_buf_free(&out);
}
END_TEST

START_TEST(merge_allows_each_input_its_delay)
{
	struct sx_buf out = SX_BUF_INIT;
	struct sx_tmerge *m = sx_tmerge_new(2000000, log_out, &out);
	int a = sx_tmerge_add(m), b = sx_tmerge_add(m);
	/* each input out of order by up to 2 s: the merge is in order */
	int at[] = { 3, 1, 6, 5, 9 }, bt[] = { 2, 4, 8, 7, 10 };
	char name[8];
	for (int k = 0; k < 5; k++) {
		snprintf(name, sizeof name, "a%d", at[k]);
		hold(m, a, name, at[k]);
		snprintf(name, sizeof name, "b%d", bt[k]);
		hold(m, b, name, bt[k]);
	}
	sx_tmerge_done(m, a);
	sx_tmerge_done(m, b);
	sx_tmerge_release(m);
	ck_assert_str_eq(text(&out), "a1 b2 a3 b4 a5 a6 b7 b8 a9 b10 ");
	ck_assert_uint_eq(sx_tmerge_late(m), 0);
	/* more than the delay behind: released at once, and counted */
	sx_buf_reset(&out);
	int c = sx_tmerge_add(m), d = sx_tmerge_add(m);
	hold(m, c, "c10", 10);
	hold(m, d, "d10", 10);
	hold(m, c, "c20", 20);
	hold(m, d, "d20", 20);
	hold(m, c, "c1", 1);
	sx_tmerge_done(m, c);
	sx_tmerge_done(m, d);
	sx_tmerge_release(m);
	ck_assert_str_eq(text(&out), "c10 d10 c1 c20 d20 ");
	ck_assert_uint_eq(sx_tmerge_late(m), 1);
	sx_tmerge_free(m);
	sx_buf_free(&out);
}
END_TEST

START_TEST(merge_memory_follows_the_clock)
{
	/* two long in-order inputs read as sx_tmerge_next says: what is held
	 * stays small however long they are */
	struct sx_buf out = SX_BUF_INIT;
	struct sx_tmerge *m = sx_tmerge_new(1000000, log_out, &out);
	int in[2] = { sx_tmerge_add(m), sx_tmerge_add(m) };
	int next_t[2] = { 0, 0 };
	size_t most = 0;
	for (int k = 0; k < 20000; k++) {
		int i = sx_tmerge_next(m);
		ck_assert_int_ge(i, 0);
		/* input 0: every 100 ms; input 1: every 300 ms */
		sx_tmerge_hold(m, in[i], "x", 1, (sx_time_t)next_t[i] * 1000);
		next_t[i] += i ? 300 : 100;
		sx_tmerge_release(m);
		if (sx_tmerge_held(m) > most)
			most = sx_tmerge_held(m);
		sx_buf_reset(&out);
	}
	ck_assert_uint_le(most, 20);
	sx_tmerge_free(m);
	sx_buf_free(&out);
}
END_TEST

Suite *sx_tmerge_suite(void)
{
	Suite *s = suite_create("sx_tmerge");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, merge_in_time_order_ties_by_input);
	tcase_add_test(tc, merge_allows_each_input_its_delay);
	tcase_add_test(tc, merge_memory_follows_the_clock);
	suite_add_tcase(s, tc);
	return s;
}
