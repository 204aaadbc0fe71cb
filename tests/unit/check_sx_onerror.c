/* Unit tests for common/sx_onerror.c (the policy is process-wide state:
 * every test runs in its own forked process, and the exiting ones in a
 * child of that). */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_err.h"
#include "sx_json.h"
#include "sx_onerror.h"
#include "testutil.h"

START_TEST(parse_policy)
{
	ck_assert_int_eq(sx_onerror_mode(), SX_ONERR_FAIL); /* the default */
	ck_assert_int_eq(sx_onerror_set("skip"), 0);
	ck_assert_int_eq(sx_onerror_mode(), SX_ONERR_SKIP);
	ck_assert_int_eq(sx_onerror_set("dead-letter=bad.ndjson"), 0);
	ck_assert_int_eq(sx_onerror_mode(), SX_ONERR_DEAD_LETTER);
	ck_assert_int_eq(sx_onerror_set("fail"), 0);
	ck_assert_int_eq(sx_onerror_mode(), SX_ONERR_FAIL);
	ck_assert_int_eq(sx_onerror_set("dead-letter="), -1);
	ck_assert_int_eq(sx_onerror_set("dead-letter"), -1);
	ck_assert_int_eq(sx_onerror_set("Skip"), -1);
	ck_assert_int_eq(sx_onerror_set(""), -1);
	ck_assert_int_eq(sx_onerror_set("skip "), -1);
	ck_assert_int_eq(sx_onerror_mode(), SX_ONERR_FAIL); /* unchanged by bad ones */
}
END_TEST

static int fail_child(void *arg)
{
	const char *policy = arg;
	sx_set_progname("/bin/sx-tool");
	if (policy && sx_onerror_set(policy) < 0)
		return 99;
	sx_data_error("in.ndjson", 7, "not a JSON object", "[1,2]", 5);
	return 55; /* not reached */
}

START_TEST(fail_exits_1_with_file_line_reason)
{
	ck_assert_int_eq(tu_run_child(fail_child, NULL, "out.txt", "err.txt"), 1);
	tu_assert_file_eq("err.txt", "sx-tool: in.ndjson:7: not a JSON object\n");
	ck_assert_int_eq(tu_run_child(fail_child, "fail", "out.txt", "err.txt"), 1);
	tu_assert_file_eq("err.txt", "sx-tool: in.ndjson:7: not a JSON object\n");
	tu_assert_file_eq("out.txt", "");
}
END_TEST

static int fail_no_line(void *arg)
{
	(void)arg;
	sx_set_progname("sx-tool");
	sx_data_error("-", 0, "unterminated JSON array at end of input", "", 0);
	return 55;
}

START_TEST(fail_without_line_number)
{
	ck_assert_int_eq(tu_run_child(fail_no_line, NULL, NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt", "sx-tool: -: unterminated JSON array at end of input\n");
}
END_TEST

static int skip_n(void *arg)
{
	int n = (int)(intptr_t)arg;
	sx_set_progname("sx-tool");
	if (sx_onerror_set("skip") < 0)
		return 99;
	for (int i = 1; i <= n; i++) {
		char raw[32];
		snprintf(raw, sizeof raw, "bad %d", i);
		sx_data_error("f.csv", (uint64_t)i + 1, "row has 1 field, the header has 2", raw, strlen(raw));
	}
	if (sx_onerror_count() != (uint64_t)n)
		return 98;
	sx_exit(0);
}

/* skip: the first 10 messages, then only the count at exit; status 0. */
START_TEST(skip_prints_at_most_10_then_a_count)
{
	ck_assert_int_eq(tu_run_child(skip_n, (void *)(intptr_t)25, NULL, "err.txt"), 0);
	char *err = tu_slurp("err.txt");
	ck_assert_int_eq(tu_count(err, "\n"), 11);
	ck_assert_int_eq(tu_count(err, "sx-tool: f.csv:"), 10);
	ck_assert_ptr_nonnull(strstr(err, "sx-tool: f.csv:2: row has 1 field, the header has 2\n"));
	ck_assert_ptr_nonnull(strstr(err, "sx-tool: f.csv:11: row has 1 field, the header has 2"
					  " (further messages suppressed)\n"));
	ck_assert_ptr_null(strstr(err, "f.csv:12:"));
	ck_assert(strlen(err) > 0);
	const char *last = err + strlen(err) - 1;
	while (last > err && last[-1] != '\n')
		last--;
	ck_assert_str_eq(last, "sx-tool: 25 records skipped\n");
	free(err);
}
END_TEST

START_TEST(skip_few_and_singular_summary)
{
	ck_assert_int_eq(tu_run_child(skip_n, (void *)(intptr_t)1, NULL, "err.txt"), 0);
	tu_assert_file_eq("err.txt", "sx-tool: f.csv:2: row has 1 field, the header has 2\n"
				     "sx-tool: 1 record skipped\n");
	/* exactly 10: all shown, the last says the next ones will not be */
	ck_assert_int_eq(tu_run_child(skip_n, (void *)(intptr_t)10, NULL, "err.txt"), 0);
	char *err = tu_slurp("err.txt");
	ck_assert_int_eq(tu_count(err, "f.csv:"), 10);
	ck_assert_ptr_nonnull(strstr(err, "sx-tool: 10 records skipped\n"));
	free(err);
	/* none: no summary at all */
	ck_assert_int_eq(tu_run_child(skip_n, (void *)(intptr_t)0, NULL, "err.txt"), 0);
	tu_assert_file_eq("err.txt", "");
}
END_TEST

static int dead_letter_child(void *arg)
{
	const char *path = arg;
	char policy[600];
	snprintf(policy, sizeof policy, "dead-letter=%s", path);
	sx_set_progname("sx-tool");
	if (sx_onerror_set(policy) < 0)
		return 99;
	sx_data_error("in.ndjson", 3, "not a JSON object", "[1,\"\xc3\xa9\"]", 8);
	sx_data_error("in.ndjson", 9, "bad \"quoted\" reason", "{\"a\":\xff\xfe}", 8);
	sx_data_error("-", 0, "tab\tand NUL", "x\0y", 3);
	sx_data_error("name\xff.csv", 4, "r", "", 0);
	sx_exit(0);
}

static json_t *load_line(const char *line)
{
	json_error_t e;
	json_t *j = json_loads(line, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	ck_assert_msg(j != NULL, "not JSON: %s (%s)", line, e.text);
	ck_assert(json_is_object(j));
	return j;
}

static const char *sget(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	ck_assert_msg(v != NULL, "no string \"%s\"", k);
	return v;
}

START_TEST(dead_letter_json_lines_and_summary)
{
	char path[512];
	strcpy(path, tu_path("dead.ndjson"));
	tu_write_file(path, "{\"old\":1}\n", 10); /* appended to, never truncated */
	ck_assert_int_eq(tu_run_child(dead_letter_child, path, "out.txt", "err.txt"), 0);
	char want[700];
	snprintf(want, sizeof want, "sx-tool: 4 records rejected (see %s)\n", path);
	tu_assert_file_eq("err.txt", want); /* nothing per record, just the summary */
	tu_assert_file_eq("out.txt", "");
	char *all = tu_slurp("dead.ndjson");
	ck_assert_int_eq(tu_count(all, "\n"), 5);
	char *save = NULL;
	char *l = strtok_r(all, "\n", &save);
	ck_assert_str_eq(l, "{\"old\":1}");

	json_t *j = load_line(strtok_r(NULL, "\n", &save));
	ck_assert_str_eq(sget(j, "source"), "in.ndjson:3");
	ck_assert_str_eq(sget(j, "error"), "not a JSON object");
	ck_assert_str_eq(sget(j, "line"), "[1,\"\xc3\xa9\"]");
	ck_assert_ptr_null(json_object_get(j, "line_base64"));
	json_decref(j);

	/* invalid UTF-8: the exact bytes as base64 */
	j = load_line(strtok_r(NULL, "\n", &save));
	ck_assert_str_eq(sget(j, "source"), "in.ndjson:9");
	ck_assert_str_eq(sget(j, "error"), "bad \"quoted\" reason");
	ck_assert_ptr_null(json_object_get(j, "line"));
	ck_assert_str_eq(sget(j, "line_base64"), "eyJhIjr//n0=");
	json_decref(j);

	/* no line number; a NUL in the raw bytes survives */
	j = load_line(strtok_r(NULL, "\n", &save));
	ck_assert_str_eq(sget(j, "source"), "-");
	ck_assert_str_eq(sget(j, "error"), "tab\tand NUL");
	json_t *line = json_object_get(j, "line");
	ck_assert_uint_eq(json_string_length(line), 3);
	ck_assert(memcmp(json_string_value(line), "x\0y", 3) == 0);
	json_decref(j);

	/* a file name that is not UTF-8 still gives valid JSON */
	j = load_line(strtok_r(NULL, "\n", &save));
	ck_assert_str_eq(sget(j, "source"), "(non-UTF-8 file name)");
	ck_assert_str_eq(sget(j, "line"), "");
	json_decref(j);
	free(all);
}
END_TEST

START_TEST(dead_letter_unwritable_exits_1)
{
	char path[512];
	strcpy(path, tu_path("no-such-dir/dead.ndjson"));
	ck_assert_int_eq(tu_run_child(dead_letter_child, path, NULL, "err.txt"), 1);
	char want[700];
	snprintf(want, sizeof want, "sx-tool: dead-letter file %s: No such file or directory\n", path);
	tu_assert_file_eq("err.txt", want);
}
END_TEST

static int dead_letter_many(void *arg)
{
	(void)arg;
	sx_set_progname("sx-tool");
	if (sx_onerror_set("dead-letter=/dev/full") < 0)
		return 99;
	char raw[200];
	memset(raw, 'x', sizeof raw);
	for (int i = 1; i <= 100000; i++)
		sx_data_error("in.ndjson", (uint64_t)i, "not a JSON object", raw, sizeof raw);
	return 55; /* the buffer fills long before: not reached */
}

/* A full disk is an error, at exit or mid-run, and the summary does not
 * claim the records are in the file. */
START_TEST(dead_letter_full_disk_exits_1)
{
	if (access("/dev/full", W_OK) < 0)
		return;
	const char *want = "sx-tool: dead-letter file /dev/full: write error: No space left on device\n";
	ck_assert_int_eq(tu_run_child(dead_letter_child, "/dev/full", NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt", want);
	ck_assert_int_eq(tu_run_child(dead_letter_many, NULL, NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt", want);
}
END_TEST

/* A long field name of 2-, 3- and 4-byte characters: the reason was cut at
 * 100 bytes of the name and at the buffer's size wherever the byte fell,
 * splitting a character, and the dead-letter JSON writer wrote the broken
 * UTF-8 as it was. */
START_TEST(test_defect_dead_letter_reason_cut_mid_utf8)
{
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" };
	for (int c = 0; c < 3; c++) {
		for (int shift = 0; shift < 4; shift++) {
			char name[400] = "";
			for (int i = 0; i < shift; i++)
				strcat(name, "a");
			while (strlen(name) + 4 < sizeof name - 1)
				strcat(name, chars[c]);
			for (size_t n = 20; n <= 160; n += 1) {
				char buf[160];
				sx_reason_field(buf, n, name, "value is not a time \xe2\x80\x94 use -t");
				ck_assert_msg(sx_utf8_valid(buf, strlen(buf)), "char %d shift %d size %zu: %s",
					      c, shift, n, buf);
				ck_assert_uint_lt(strlen(buf), n);
				/* cut at most one character short, or not cut at all */
				size_t len = strlen(buf);
				ck_assert(len + 4 >= n || (len > 6 && !strcmp(buf + len - 6, "use -t")));
			}
		}
	}
	char buf[160];
	ck_assert_str_eq(sx_reason_field(buf, sizeof buf, "ts", "bad"), "field 'ts': bad");
	ck_assert_uint_eq(sx_utf8_prefix("\xe2\x82\xac\xe2\x82\xac", 4), 3);
	ck_assert_uint_eq(sx_utf8_prefix("\xe2\x82\xac\xe2\x82\xac", 6), 6);
	ck_assert_uint_eq(sx_utf8_prefix("\xe2\x82\xac", 2), 0);
}
END_TEST

Suite *sx_onerror_suite(void)
{
	Suite *s = suite_create("sx_onerror");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_test(tc, parse_policy);
	tcase_add_test(tc, fail_exits_1_with_file_line_reason);
	tcase_add_test(tc, fail_without_line_number);
	tcase_add_test(tc, skip_prints_at_most_10_then_a_count);
	tcase_add_test(tc, skip_few_and_singular_summary);
	tcase_add_test(tc, dead_letter_json_lines_and_summary);
	tcase_add_test(tc, dead_letter_unwritable_exits_1);
	tcase_add_test(tc, dead_letter_full_disk_exits_1);
	tcase_add_test(tc, test_defect_dead_letter_reason_cut_mid_utf8);
	suite_add_tcase(s, tc);
	return s;
}
