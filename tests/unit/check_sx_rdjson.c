/* Unit tests for common/sx_rdjson.c: the brace tracker, and the JSON and
 * NDJSON readers driven through their feed/end interface. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "readers.h"
#include "sx_rdjson.h"

START_TEST(jscan_tracks_nesting_and_strings)
{
	struct sx_jscan s = { 0, 0, 0 };
	size_t used;
	/* braces and quotes inside strings do not count, escaped quotes neither */
	const char *obj = "{\"a\":\"}\\\"{\",\"b\":[1,{}]} {";
	ck_assert_int_eq(sx_jscan_run(&s, obj, strlen(obj), &used), SX_JSCAN_CLOSED);
	ck_assert_uint_eq(used, strlen(obj) - 2); /* just past the closing brace */
	ck_assert_int_eq(s.depth, 0);
	/* a value split anywhere, even inside an escape, is followed across calls */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(sx_jscan_run(&s, "{\"k\":\"x\\", 8, &used), SX_JSCAN_MORE);
	ck_assert_uint_eq(used, 8);
	ck_assert_int_eq(s.in_str, 1);
	ck_assert_int_eq(s.esc, 1);
	ck_assert_int_eq(sx_jscan_run(&s, "\"\",[2]", 6, &used), SX_JSCAN_MORE);
	ck_assert_int_eq(s.depth, 1);
	ck_assert_int_eq(sx_jscan_run(&s, "}]", 2, &used), SX_JSCAN_CLOSED);
	ck_assert_uint_eq(used, 1);
	/* outside any value, a ',' or a closer is a separator, left unread */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(sx_jscan_run(&s, "12 ,3", 5, &used), SX_JSCAN_SEP);
	ck_assert_uint_eq(used, 3);
	ck_assert_int_eq(sx_jscan_run(&s, "\"a,]\"]", 6, &used), SX_JSCAN_SEP);
	ck_assert_uint_eq(used, 5);
}
END_TEST

/* Feed TEXT to a JSON reader in pieces of at most STEP bytes (EOL on the
 * last piece of each line); the log after end. */
static char *json_pieces(const char *name, const char *text, size_t step)
{
	struct sx_ingest_cfg cfg = { 0 };
	struct rd_fixture f;
	rd_begin(&f, &cfg, name);
	size_t n = strlen(text), off = 0;
	uint64_t line = 1;
	while (off < n) {
		const char *nl = memchr(text + off, '\n', n - off);
		size_t line_end = nl ? (size_t)(nl - text) + 1 : n;
		size_t k = line_end - off < step ? line_end - off : step;
		f.g->lineno = line;
		sx_rdjson_feed(f.g, text + off, k, off, off + k == line_end && nl);
		off += k;
		if (off == line_end)
			line++;
	}
	f.in.offset = n;
	sx_rdjson_end(f.g);
	char *log = strdup(rd_log(&f));
	rd_done(&f);
	return log;
}

START_TEST(json_reader_same_records_whatever_the_pieces)
{
	const char *text = "[{\"a\":1}, {\"b\":\"x,]}\"}\n,\n{\"c\":[1,\n2]} ,, {\"d\":4}]\n";
	const char *want = "{\"a\":1}|{\"b\":\"x,]}\"}|{\"c\":[1,2]}|4:invalid JSON at byte 6: missing array element|"
			   "{\"d\":4}|";
	for (size_t step = 1; step <= strlen(text); step++) {
		char *got = json_pieces("t.json", text, step);
		/* the error counts its byte in the piece it is in (the whole line from 17) */
		if (step >= 17)
			ck_assert_msg(strcmp(got, want) == 0, "step %zu: %s", step, got);
		else
			ck_assert_msg(strstr(got, "{\"a\":1}|{\"b\":\"x,]}\"}|{\"c\":[1,2]}|") == got &&
				      strstr(got, "missing array element|{\"d\":4}|"), "step %zu: %s", step, got);
		free(got);
	}
	/* concatenated objects; garbage skips the rest of its line */
	char *got = json_pieces("t.json", "{\"a\":1}{\"b\":2}\nx {\"c\":3}\n{\"d\":4}", 3);
	ck_assert_str_eq(got, "{\"a\":1}|{\"b\":2}|2:invalid JSON at byte 1: expected a JSON object|{\"d\":4}|");
	free(got);
}
END_TEST

START_TEST(json_reader_end_reports_what_is_open)
{
	/* the last element is complete, only the array is not */
	char *got = json_pieces("t.json", "[{\"a\":1}", 100);
	ck_assert_str_eq(got, "{\"a\":1}|1:unterminated JSON array at end of input|");
	free(got);
	got = json_pieces("t.json", "[{\"a\":1},\n{\"b\":", 100);
	ck_assert_str_eq(got, "{\"a\":1}|2:unterminated JSON value at end of input|");
	free(got);
	got = json_pieces("t.json", "[]", 100);
	ck_assert_str_eq(got, "");
	free(got);
}
END_TEST

START_TEST(ndjson_reader_one_record_per_line)
{
	struct sx_ingest_cfg cfg = { 0 };
	struct rd_fixture f;
	rd_begin(&f, &cfg, "t.ndjson");
	const char *lines[] = { "{\"a\": 1}\r\n", "   \n", "\n", "{\"b\":\n", "{\"c\":[]}" };
	for (int i = 0; i < 5; i++) {
		f.g->lineno = (uint64_t)i + 1;
		sx_rdjson_ndjson_feed(f.g, lines[i], strlen(lines[i]));
	}
	ck_assert_str_eq(rd_log(&f), "{\"a\":1}|4:invalid JSON at byte 6: unexpected end of input|{\"c\":[]}|");
	rd_done(&f);
}
END_TEST

Suite *sx_rdjson_suite(void)
{
	Suite *s = suite_create("sx_rdjson");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, jscan_tracks_nesting_and_strings);
	tcase_add_test(tc, json_reader_same_records_whatever_the_pieces);
	tcase_add_test(tc, json_reader_end_reports_what_is_open);
	tcase_add_test(tc, ndjson_reader_one_record_per_line);
	suite_add_tcase(s, tc);
	return s;
}
