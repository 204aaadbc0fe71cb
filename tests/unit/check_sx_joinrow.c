/* Unit tests for common/sx_joinrow.c: which fields a joined row holds, in
 * what order, under which names. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_joinrow.h"
#include "sx_out.h"
#include "testutil.h"

/* LEFT joined with RIGHT (NULL: LEFT alone) on KEYS "a=b,c" with PREFIX;
 * the line written, malloc'd. */
static char *row(const char *left, const char *right, const char *keys, const char *prefix)
{
	char buf[256], *lk[8], *rk[8];
	int n = 0;
	snprintf(buf, sizeof buf, "%s", keys);
	for (char *p = strtok(buf, ","); p && n < 8; p = strtok(NULL, ",")) {
		char *eq = strchr(p, '=');
		lk[n] = p;
		rk[n] = eq ? eq + 1 : p;
		if (eq)
			*eq = '\0';
		n++;
	}
	struct sx_joinrow j;
	sx_joinrow_init(&j, lk, rk, n, prefix);
	struct sx_rec l, r;
	sx_rec_init(&l);
	sx_rec_init(&r);
	const char *why;
	ck_assert_int_eq(sx_rec_parse(&l, left, strlen(left), &why), 0);
	const char *path = tu_path("row.txt");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	struct sx_out o;
	sx_out_init(&o, fd, "row");
	if (right) {
		ck_assert_int_eq(sx_rec_parse(&r, right, strlen(right), &why), 0);
		sx_joinrow_write(&j, &o, &l, r.f, r.n, r.compact);
	} else {
		sx_joinrow_write_left(&j, &o, &l);
	}
	ck_assert_int_eq(sx_out_close(&o), 0);
	sx_rec_free(&l);
	sx_rec_free(&r);
	sx_joinrow_free(&j);
	return tu_read_file(path, NULL);
}

#define ROW(l, r, k, p, want) do {                                      \
	char *got_ = row(l, r, k, p);                                    \
	ck_assert_str_eq(got_, want "\n");                               \
	free(got_);                                                      \
} while (0)

START_TEST(keys_once_then_right_fields)
{
	ROW("{\"id\":1,\"t\":\"x\"}", "{\"id\":1.0,\"site\":\"Lyon\"}", "id", "right_",
	    "{\"id\":1,\"t\":\"x\",\"site\":\"Lyon\"}");
	/* a right key with another name is an ordinary field */
	ROW("{\"id\":1}", "{\"order_id\":1,\"paid\":true}", "id=order_id", "right_",
	    "{\"id\":1,\"order_id\":1,\"paid\":true}");
	/* several keys, in any order in the right record */
	ROW("{\"a\":1,\"b\":2,\"v\":3}", "{\"b\":2,\"w\":4,\"a\":1}", "a,b", "right_",
	    "{\"a\":1,\"b\":2,\"v\":3,\"w\":4}");
}
END_TEST

START_TEST(collisions_are_prefixed)
{
	ROW("{\"id\":1,\"ts\":\"l\",\"v\":1}", "{\"id\":1,\"ts\":\"r\",\"v\":2,\"w\":3}", "id", "right_",
	    "{\"id\":1,\"ts\":\"l\",\"v\":1,\"right_ts\":\"r\",\"right_v\":2,\"w\":3}");
	ROW("{\"id\":1,\"ts\":\"l\"}", "{\"id\":1,\"ts\":\"r\"}", "id", "exit.",
	    "{\"id\":1,\"ts\":\"l\",\"exit.ts\":\"r\"}");
	/* the prefixed name is taken too: prefix again */
	ROW("{\"id\":1,\"x\":1,\"r_x\":2}", "{\"id\":1,\"x\":3}", "id", "r_",
	    "{\"id\":1,\"x\":1,\"r_x\":2,\"r_r_x\":3}");
	/* ... or taken by the right record itself */
	ROW("{\"id\":1,\"x\":1}", "{\"id\":1,\"x\":3,\"r_x\":4}", "id", "r_",
	    "{\"id\":1,\"x\":1,\"r_r_x\":3,\"r_x\":4}");
	/* a right key named like a left non-key field collides like any field */
	ROW("{\"id\":1,\"order_id\":\"o\"}", "{\"order_id\":1}", "id=order_id", "right_",
	    "{\"id\":1,\"order_id\":\"o\",\"right_order_id\":1}");
}
END_TEST

START_TEST(escaped_names_and_whitespace)
{
	/* names compare decoded: "\u0069d" is the key id, "\u0074s" collides with ts */
	ROW("{\"id\":1,\"ts\":0}", "{\"\\u0069d\":1,\"\\u0074s\":2,\"\\u00e9\":3}", "id", "right_",
	    "{\"id\":1,\"ts\":0,\"right_ts\":2,\"\\u00e9\":3}");
	/* whitespace outside strings is dropped, inside strings kept */
	ROW("{ \"id\" : 1 , \"s\" : \"a b\" }", "{ \"id\": 1, \"o\": { \"k\" : [ 1, 2 ] } }", "id", "right_",
	    "{\"id\":1,\"s\":\"a b\",\"o\":{\"k\":[1,2]}}");
	ROW("{ \"id\" : 1 }", NULL, "id", "right_", "{\"id\":1}");
	/* an empty left record */
	ROW("{}", "{\"a\":1}", "k", "right_", "{\"a\":1}");
	ROW("{}", "{}", "k", "right_", "{}");
	ROW("{\"k\":1}", "{\"k\":1}", "k", "right_", "{\"k\":1}");
}
END_TEST

Suite *sx_joinrow_suite(void)
{
	Suite *s = suite_create("sx_joinrow");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_test(tc, keys_once_then_right_fields);
	tcase_add_test(tc, collisions_are_prefixed);
	tcase_add_test(tc, escaped_names_and_whitespace);
	suite_add_tcase(s, tc);
	return s;
}
