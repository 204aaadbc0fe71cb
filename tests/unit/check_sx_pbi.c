/* Unit tests for common/sx_pbi.c: values, bodies cut to the limits, schema. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "sx_pbi.h"

/* Encode LINE as a row into OUT (0, or -1 with *why). */
static int enc(struct sx_pbi *p, const char *line, struct sx_buf *out, const char **why)
{
	struct sx_rec r;
	sx_rec_init(&r);
	const char *w;
	ck_assert_int_eq(sx_rec_parse(&r, line, strlen(line), &w), 0);
	sx_buf_reset(out);
	int rc = sx_pbi_encode_row(p, &r, out, why);
	sx_rec_free(&r);
	return rc;
}

static int add(struct sx_pbi *p, const char *line, const char **why)
{
	struct sx_rec r;
	sx_rec_init(&r);
	const char *w;
	ck_assert_int_eq(sx_rec_parse(&r, line, strlen(line), &w), 0);
	int rc = sx_pbi_add(p, &r, line, strlen(line), 1, why);
	sx_rec_free(&r);
	return rc;
}

/* The number of rows in a body, which must be valid JSON of the kind. */
static size_t body_rows(const struct sx_pbi_batch *b, int streaming)
{
	json_error_t e;
	json_t *j = json_loadb(b->body.data, b->body.len, 0, &e);
	ck_assert_msg(j != NULL, "invalid body: %s", e.text);
	json_t *rows = streaming ? j : json_object_get(j, "rows");
	ck_assert(json_is_array(rows));
	size_t n = json_array_size(rows);
	json_decref(j);
	return n;
}

START_TEST(utf16_counting_and_cutting)
{
	ck_assert_uint_eq(sx_pbi_utf16_len("abc", 3), 3);
	ck_assert_uint_eq(sx_pbi_utf16_len("\xc3\xa9\xe2\x82\xac", 5), 2);  /* é € */
	ck_assert_uint_eq(sx_pbi_utf16_len("\xf0\x9f\x98\x80", 4), 2);      /* a surrogate pair */
	/* a cut never splits a character or a surrogate pair */
	ck_assert_uint_eq(sx_pbi_utf16_cut("a\xf0\x9f\x98\x80", 5, 2), 1);
	ck_assert_uint_eq(sx_pbi_utf16_cut("a\xf0\x9f\x98\x80", 5, 3), 5);
	ck_assert_uint_eq(sx_pbi_utf16_cut("\xc3\xa9\xc3\xa9", 4, 1), 2);
}
END_TEST

START_TEST(values_pass_through_or_become_strings)
{
	struct sx_pbi p;
	struct sx_buf out = SX_BUF_INIT;
	const char *why;
	sx_pbi_init(&p, 0, 0, 0);
	ck_assert_int_eq(enc(&p, "{\"n\":1.50e3,\"b\":true,\"z\":null,\"s\":\"a\\\"b\",\"o\":{\"x\": [1, \"y\"]},\"a\":[ ]}",
			     &out, &why), 0);
	ck_assert_str_eq(out.data, "{\"n\":1.50e3,\"b\":true,\"z\":null,\"s\":\"a\\\"b\","
			 "\"o\":\"{\\\"x\\\":[1,\\\"y\\\"]}\",\"a\":\"[]\"}");
	ck_assert_uint_eq(p.truncated, 0);
	sx_buf_free(&out);
	sx_pbi_free(&p);
}
END_TEST

START_TEST(long_strings_cut_at_4000_characters)
{
	struct sx_pbi p;
	struct sx_buf out = SX_BUF_INIT, line = SX_BUF_INIT;
	const char *why;
	sx_pbi_init(&p, 0, 0, 0);
	/* 4000 two-byte characters: 8000 bytes, but exactly the limit */
	sx_buf_puts(&line, "{\"s\":\"");
	for (int i = 0; i < 4000; i++)
		sx_buf_puts(&line, "\xc3\xa9");
	sx_buf_puts(&line, "\"}");
	ck_assert_int_eq(enc(&p, line.data, &out, &why), 0);
	ck_assert_str_eq(out.data, line.data);
	ck_assert_uint_eq(p.truncated, 0);
	/* 4001 escaped characters are cut to 4000, with the column noted */
	sx_buf_reset(&line);
	sx_buf_puts(&line, "{\"long\":\"");
	for (int i = 0; i < 4001; i++)
		sx_buf_puts(&line, "\\u0041");
	sx_buf_puts(&line, "\"}");
	ck_assert_int_eq(enc(&p, line.data, &out, &why), 0);
	ck_assert_uint_eq(out.len, strlen("{\"long\":\"\"}") + 4000);
	ck_assert_uint_eq(p.truncated, 1);
	ck_assert_int_eq(p.truncated_now, 1);
	ck_assert_str_eq(p.cut_col, "long");
	/* an array whose JSON text is longer than 4000 characters is cut too */
	sx_buf_reset(&line);
	sx_buf_puts(&line, "{\"a\":[");
	for (int i = 0; i < 3000; i++)
		sx_buf_puts(&line, i ? ",1" : "1");
	sx_buf_puts(&line, "]}");
	ck_assert_int_eq(enc(&p, line.data, &out, &why), 0);
	ck_assert_uint_eq(p.truncated, 2);
	ck_assert_uint_eq(out.len, strlen("{\"a\":\"\"}") + 4000);
	sx_buf_free(&out);
	sx_buf_free(&line);
	sx_pbi_free(&p);
}
END_TEST

START_TEST(more_than_75_fields_is_a_data_error)
{
	struct sx_pbi p;
	struct sx_buf out = SX_BUF_INIT, line = SX_BUF_INIT;
	const char *why = NULL;
	sx_pbi_init(&p, 0, 0, 0);
	sx_buf_putc(&line, '{');
	for (int i = 0; i < 76; i++)
		sx_buf_printf(&line, "%s\"c%d\":%d", i ? "," : "", i, i);
	sx_buf_putc(&line, '}');
	ck_assert_int_eq(enc(&p, line.data, &out, &why), -1);
	ck_assert_str_eq(why, "76 fields; a Power BI table has at most 75 columns");
	sx_buf_free(&out);
	sx_buf_free(&line);
	sx_pbi_free(&p);
}
END_TEST

START_TEST(batches_cut_by_rows)
{
	struct sx_pbi p;
	const char *why;
	sx_pbi_init(&p, 0, 10, 0);
	for (int i = 0; i < 25; i++) {
		char line[64];
		snprintf(line, sizeof line, "{\"i\":%d}", i);
		ck_assert_int_eq(add(&p, line, &why), 0);
	}
	ck_assert_uint_eq(sx_pbi_pending(&p), 5);
	sx_pbi_flush(&p);
	size_t sizes[3], n = 0, total = 0;
	struct sx_pbi_batch *b;
	while ((b = sx_pbi_take(&p))) {
		ck_assert_uint_lt(n, 3);
		sizes[n++] = body_rows(b, 0);
		ck_assert_uint_eq(sizes[n - 1], b->nrows);
		size_t len;
		const char *rec = sx_pbi_batch_rec(b, 0, &len);
		char want[64];
		snprintf(want, sizeof want, "{\"i\":%zu}", total);
		ck_assert_uint_eq(len, strlen(want));
		ck_assert(!memcmp(rec, want, len));
		total += b->nrows;
		sx_pbi_batch_free(b);
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(sizes[0], 10);
	ck_assert_uint_eq(sizes[1], 10);
	ck_assert_uint_eq(sizes[2], 5);
	sx_pbi_free(&p);
}
END_TEST

START_TEST(streaming_bodies_stay_under_15000_bytes)
{
	struct sx_pbi p;
	const char *why;
	sx_pbi_init(&p, 1, 0, 0);
	size_t rows = 0;
	for (int i = 0; i < 1000; i++) {
		char line[200];
		snprintf(line, sizeof line, "{\"i\":%d,\"pad\":\"%080d\"}", i, i);
		ck_assert_int_eq(add(&p, line, &why), 0);
	}
	sx_pbi_flush(&p);
	struct sx_pbi_batch *b;
	while ((b = sx_pbi_take(&p))) {
		ck_assert_uint_le(b->body.len, SX_PBI_STREAM_MAX_BYTES);
		rows += body_rows(b, 1);
		if (rows < 1000) /* all but the last are full, not timid */
			ck_assert_uint_gt(b->body.len, SX_PBI_STREAM_MAX_BYTES - 120);
		sx_pbi_batch_free(b);
		if (rows == 1000)
			break;
	}
	ck_assert_uint_eq(rows, 1000);
	/* one row bigger than a whole request is a data error */
	struct sx_buf big = SX_BUF_INIT;
	sx_buf_puts(&big, "{\"s\":\"");
	for (int i = 0; i < 3000; i++)
		sx_buf_puts(&big, "\xe2\x82\xac\xe2\x82\xac");  /* 4000 chars would be 12000 bytes */
	sx_buf_puts(&big, "\",\"t\":\"");
	for (int i = 0; i < 1000; i++)
		sx_buf_puts(&big, "xxxx");
	sx_buf_puts(&big, "\"}");
	why = NULL;
	ck_assert_int_eq(add(&p, big.data, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "does not fit in one request"));
	sx_buf_free(&big);
	sx_pbi_free(&p);
}
END_TEST

START_TEST(split_halves_keep_rows_and_records)
{
	struct sx_pbi p;
	const char *why;
	sx_pbi_init(&p, 0, 0, 0);
	for (int i = 0; i < 7; i++) {
		char line[64];
		snprintf(line, sizeof line, "{\"i\": %d}", i);  /* raw lines keep their spacing */
		ck_assert_int_eq(add(&p, line, &why), 0);
	}
	sx_pbi_flush(&p);
	struct sx_pbi_batch *b = sx_pbi_take(&p), *lo, *hi;
	sx_pbi_batch_split(b, 0, &lo, &hi);
	ck_assert_uint_eq(lo->nrows, 3);
	ck_assert_uint_eq(hi->nrows, 4);
	ck_assert_uint_eq(body_rows(lo, 0), 3);
	ck_assert_uint_eq(body_rows(hi, 0), 4);
	ck_assert_str_eq(lo->body.data, "{\"rows\":[{\"i\":0},{\"i\":1},{\"i\":2}]}");
	size_t len;
	const char *rec = sx_pbi_batch_rec(hi, 3, &len);
	ck_assert_uint_eq(len, strlen("{\"i\": 6}"));
	ck_assert(!memcmp(rec, "{\"i\": 6}", len));
	/* a streaming batch halves alike */
	sx_pbi_batch_free(lo);
	sx_pbi_batch_free(hi);
	sx_pbi_batch_free(b);
	sx_pbi_free(&p);
	sx_pbi_init(&p, 1, 0, 0);
	ck_assert_int_eq(add(&p, "{\"a\":1}", &why), 0);
	ck_assert_int_eq(add(&p, "{\"a\":2}", &why), 0);
	sx_pbi_flush(&p);
	b = sx_pbi_take(&p);
	sx_pbi_batch_split(b, 1, &lo, &hi);
	ck_assert_str_eq(lo->body.data, "[{\"a\":1}]");
	ck_assert_str_eq(hi->body.data, "[{\"a\":2}]");
	sx_pbi_batch_free(lo);
	sx_pbi_batch_free(hi);
	sx_pbi_batch_free(b);
	sx_pbi_free(&p);
}
END_TEST

START_TEST(type_merging)
{
	ck_assert_int_eq(sx_pbi_type_merge(SX_PBI_INT64, SX_PBI_DOUBLE), SX_PBI_DOUBLE);
	ck_assert_int_eq(sx_pbi_type_merge(SX_PBI_DOUBLE, SX_PBI_INT64), SX_PBI_DOUBLE);
	ck_assert_int_eq(sx_pbi_type_merge(SX_PBI_NONE, SX_PBI_BOOLEAN), SX_PBI_BOOLEAN);
	ck_assert_int_eq(sx_pbi_type_merge(SX_PBI_DATETIME, SX_PBI_NONE), SX_PBI_DATETIME);
	ck_assert_int_eq(sx_pbi_type_merge(SX_PBI_DATETIME, SX_PBI_INT64), SX_PBI_STRING);
	ck_assert_int_eq(sx_pbi_type_merge(SX_PBI_BOOLEAN, SX_PBI_INT64), SX_PBI_STRING);
	ck_assert_str_eq(sx_pbi_type_name(SX_PBI_NONE), "String");
	ck_assert_str_eq(sx_pbi_type_name(SX_PBI_DATETIME), "DateTime");
}
END_TEST

START_TEST(schema_inferred_and_datetimes_normalised)
{
	struct sx_pbi p;
	const char *why;
	sx_pbi_init(&p, 0, 0, 0);
	ck_assert_int_eq(add(&p, "{\"i\":1,\"d\":1,\"t\":\"2026-01-01T12:00:00+02:00\",\"b\":true,\"z\":null,"
			     "\"m\":1,\"big\":9223372036854775807,\"o\":{}}", &why), 0);
	ck_assert_int_eq(add(&p, "{\"i\":2,\"d\":2.5,\"t\":\"2026-01-01 10:00:00.5Z\",\"b\":false,\"z\":null,"
			     "\"m\":\"x\",\"big\":1,\"o\":{}}", &why), 0);
	sx_pbi_flush(&p);
	struct sx_pbi_batch *b = sx_pbi_take(&p);
	ck_assert_int_eq(sx_pbi_infer(&p, b, &why), 0);
	sx_pbi_reencode(&p, b);
	ck_assert_ptr_nonnull(strstr(b->body.data, "\"t\":\"2026-01-01T10:00:00.000Z\""));
	ck_assert_ptr_nonnull(strstr(b->body.data, "\"t\":\"2026-01-01T10:00:00.500Z\""));
	/* a String column's number is sent as text; a Double column's integer stays */
	ck_assert_ptr_nonnull(strstr(b->body.data, "\"m\":\"1\""));
	ck_assert_ptr_nonnull(strstr(b->body.data, "\"d\":1,"));
	ck_assert_uint_eq(body_rows(b, 0), 2);
	struct sx_buf def = SX_BUF_INIT;
	sx_pbi_dataset_json(&p, "DS \"1\"", "T", &def);
	ck_assert_str_eq(def.data,
		"{\"name\":\"DS \\\"1\\\"\",\"defaultMode\":\"Push\",\"tables\":[{\"name\":\"T\",\"columns\":["
		"{\"name\":\"i\",\"dataType\":\"Int64\"},{\"name\":\"d\",\"dataType\":\"Double\"},"
		"{\"name\":\"t\",\"dataType\":\"DateTime\"},{\"name\":\"b\",\"dataType\":\"Boolean\"},"
		"{\"name\":\"z\",\"dataType\":\"String\"},{\"name\":\"m\",\"dataType\":\"String\"},"
		"{\"name\":\"big\",\"dataType\":\"Double\"},{\"name\":\"o\",\"dataType\":\"String\"}]}]}");
	sx_buf_free(&def);
	sx_pbi_batch_free(b);
	sx_pbi_free(&p);
}
END_TEST

START_TEST(schema_over_75_columns)
{
	struct sx_pbi p;
	const char *why = NULL;
	sx_pbi_init(&p, 0, 0, 0);
	for (int r = 0; r < 2; r++) {
		char line[2048];
		size_t o = 0;
		line[o++] = '{';
		for (int i = 0; i < 40; i++)
			o += (size_t)snprintf(line + o, sizeof line - o, "%s\"c%d_%d\":1", i ? "," : "", r, i);
		line[o++] = '}';
		line[o] = '\0';
		ck_assert_int_eq(add(&p, line, &why), 0);
	}
	sx_pbi_flush(&p);
	struct sx_pbi_batch *b = sx_pbi_take(&p);
	ck_assert_int_eq(sx_pbi_infer(&p, b, &why), -1);
	ck_assert_str_eq(why, "the first rows have 80 columns; a Power BI table has at most 75");
	sx_pbi_batch_free(b);
	sx_pbi_free(&p);
}
END_TEST

Suite *sx_pbi_suite(void)
{
	Suite *s = suite_create("sx_pbi");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, utf16_counting_and_cutting);
	tcase_add_test(tc, values_pass_through_or_become_strings);
	tcase_add_test(tc, long_strings_cut_at_4000_characters);
	tcase_add_test(tc, more_than_75_fields_is_a_data_error);
	tcase_add_test(tc, batches_cut_by_rows);
	tcase_add_test(tc, streaming_bodies_stay_under_15000_bytes);
	tcase_add_test(tc, split_halves_keep_rows_and_records);
	tcase_add_test(tc, type_merging);
	tcase_add_test(tc, schema_inferred_and_datetimes_normalised);
	tcase_add_test(tc, schema_over_75_columns);
	suite_add_tcase(s, tc);
	return s;
}
