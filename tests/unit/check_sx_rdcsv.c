/* Unit tests for common/sx_rdcsv.c: the CSV/TSV reader driven through its
 * feed/end interface. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "readers.h"
#include "sx_rdcsv.h"

/* Feed LINES (each with its line end, the last maybe without) to a CSV
 * reader on NAME, then end. */
static void csv_lines(struct rd_fixture *f, const char *const *lines, int n)
{
	for (int i = 0; i < n; i++) {
		f->g->lineno = (uint64_t)i + 1;
		sx_rdcsv_feed(f->g, lines[i], strlen(lines[i]));
	}
	sx_rdcsv_end(f->g);
}

START_TEST(csv_reader_rows_header_and_end)
{
	struct sx_ingest_cfg cfg = { 0 };
	cfg.time_field = "ts";
	struct rd_fixture f;
	rd_begin(&f, &cfg, "t.csv");
	/* a quoted field over two lines is one row; the last row has no line end */
	const char *const lines[] = { "id,note,ts\n", "1,\"a\n", "b\",2026-01-01T00:00:00+01:00\n",
				      "2,x\n", "3,,0" };
	sx_rdcsv_feed(f.g, lines[0], strlen(lines[0]));
	ck_assert(!sx_rdcsv_in_row(&f.g->csv));
	sx_rdcsv_feed(f.g, lines[1], strlen(lines[1]));
	ck_assert(sx_rdcsv_in_row(&f.g->csv)); /* the quote is open */
	f.g->lineno = 3;
	sx_rdcsv_feed(f.g, lines[2], strlen(lines[2]));
	f.g->lineno = 4;
	sx_rdcsv_feed(f.g, lines[3], strlen(lines[3]));
	f.g->lineno = 5;
	sx_rdcsv_feed(f.g, lines[4], strlen(lines[4]));
	ck_assert_str_eq(rd_log(&f), "{\"id\":1,\"note\":\"a\\nb\",\"ts\":\"2025-12-31T23:00:00.000Z\"}|"
				     "4:row has 2 fields, the header has 3|");
	sx_rdcsv_end(f.g); /* completes the last row */
	ck_assert_str_eq(rd_log(&f), "{\"id\":1,\"note\":\"a\\nb\",\"ts\":\"2025-12-31T23:00:00.000Z\"}|"
				     "4:row has 2 fields, the header has 3|"
				     "{\"id\":3,\"note\":null,\"ts\":\"1970-01-01T00:00:00.000Z\"}|");
	rd_done(&f);

	/* TSV, and a header without the -t column stops the source */
	rd_begin(&f, &cfg, "t.tsv");
	const char *const tsv[] = { "id\tts\n", "1\t5\n" };
	csv_lines(&f, tsv, 2);
	ck_assert_str_eq(rd_log(&f), "{\"id\":1,\"ts\":\"1970-01-01T00:00:05.000Z\"}|");
	rd_done(&f);
	rd_begin(&f, &cfg, "t.csv");
	const char *const bad[] = { "id,when\n", "1,5\n" };
	csv_lines(&f, bad, 2);
	ck_assert_str_eq(rd_log(&f), "FATAL 0:no column 'ts' (-t) in the header|");
	ck_assert_int_eq(f.g->failed, 1);
	rd_done(&f);
}
END_TEST

START_TEST(csv_reader_long_lines)
{
	struct sx_ingest_cfg cfg = { 0 };
	struct rd_fixture f;
	rd_begin(&f, &cfg, "t.csv");
	/* a header too long stops the source */
	f.g->lineno = 1;
	ck_assert_int_eq(sx_rdcsv_long_line(f.g, 99), 1);
	ck_assert_str_eq(rd_log(&f), "FATAL 1:CSV header too long: 99 bytes, more than --max-record-size (16777216)|");
	rd_done(&f);

	rd_begin(&f, &cfg, "t.csv");
	const char *const lines[] = { "a,b\n", "1,\"open\n" };
	for (int i = 0; i < 2; i++) {
		f.g->lineno = (uint64_t)i + 1;
		f.g->rec_line = f.g->lineno;
		sx_rdcsv_feed(f.g, lines[i], strlen(lines[i]));
	}
	/* the rest of an open quoted field: the row is the error, and the reader
	 * starts afresh; between rows a long line is the engine's to report */
	f.g->lineno = 3;
	ck_assert_int_eq(sx_rdcsv_long_line(f.g, 100), 1);
	ck_assert_str_eq(rd_log(&f), "2:CSV row too long: 108 bytes, more than --max-record-size (16777216)|");
	ck_assert(!sx_rdcsv_in_row(&f.g->csv));
	ck_assert_int_eq(sx_rdcsv_long_line(f.g, 100), 0);
	const char *row = "2,3\n";
	sx_rdcsv_feed(f.g, row, strlen(row));
	sx_rdcsv_end(f.g);
	ck_assert_str_eq(rd_log(&f), "2:CSV row too long: 108 bytes, more than --max-record-size (16777216)|"
				     "{\"a\":2,\"b\":3}|");
	rd_done(&f);
}
END_TEST

Suite *sx_rdcsv_suite(void)
{
	Suite *s = suite_create("sx_rdcsv");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, csv_reader_rows_header_and_end);
	tcase_add_test(tc, csv_reader_long_lines);
	suite_add_tcase(s, tc);
	return s;
}
