/* Unit tests for common/sx_ingest.c (the conversion engine; sources,
 * following and checkpoints are in check_sx_sources.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_err.h"
#include "sx_hash.h"
#include "sx_ingest.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_stats.h"
#include "testutil.h"

/* stdout to tu_dir/out.txt; data errors skipped (messages to err.txt). */
static int saved_err = -1;
static void setup_io(void)
{
	sx_set_progname("sx-ingest");
	int fd = open(tu_path("out.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 1), 1);
	close(fd);
	sx_out_init_stdout();
	ck_assert_int_eq(sx_onerror_set("skip"), 0);
	saved_err = tu_capture_stderr("err.txt");
}

/* Convert NAME (written with TEXT) with CFG; the output, malloc'd. */
static char *ingest_n(const struct sx_ingest_cfg *cfg, const char *name, const char *text, size_t len,
		      uint64_t skip_to)
{
	char path[600];
	snprintf(path, sizeof path, "%s", tu_path(name));
	tu_write_file(path, text, len);
	ck_assert_int_eq(ftruncate(1, 0), 0);
	ck_assert_int_eq(lseek(1, 0, SEEK_SET), 0);
	struct sx_ingest *g = sx_ingest_new(cfg);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, path), 0);
	ck_assert_int_eq(sx_ingest_source(g, &in, name, skip_to), 0);
	sx_in_close(&in);
	sx_ingest_free(g);
	sx_out_flush(&sx_stdout);
	return tu_slurp("out.txt");
}

static char *ingest(const struct sx_ingest_cfg *cfg, const char *name, const char *text)
{
	return ingest_n(cfg, name, text, strlen(text), 0);
}

static void expect(const struct sx_ingest_cfg *cfg, const char *name, const char *text, const char *want)
{
	char *got = ingest(cfg, name, text);
	ck_assert_msg(strcmp(got, want) == 0, "%s: got\n%s\nwant\n%s", name, got, want);
	free(got);
}

/* The messages so far (and start over). */
static char *errors(void)
{
	fflush(stderr);
	char *e = tu_slurp("err.txt");
	ck_assert_int_eq(ftruncate(2, 0), 0);
	ck_assert_int_eq(lseek(2, 0, SEEK_SET), 0);
	return e;
}

static void expect_errors(const char *want)
{
	char *e = errors();
	ck_assert_msg(strcmp(e, want) == 0, "errors: got\n%s\nwant\n%s", e, want);
	free(e);
}

struct progress_log { uint64_t off[16], line[16]; int n; };
static void log_progress(void *ctx, uint64_t offset, uint64_t lineno)
{
	struct progress_log *p = ctx;
	if (p->n < 16) {
		p->off[p->n] = offset;
		p->line[p->n] = lineno;
	}
	p->n++;
}

/* ---- CSV ---------------------------------------------------------------- */

START_TEST(csv_typed_rows)
{
	setup_io();
	struct sx_ingest_cfg cfg = { 0 };
	expect(&cfg, "a.csv",
	       "id,name,temp,ok,code,empty,quoted\n"
	       "1,\"Smith, J\",21.5,true,007,,\"\"\n"
	       "-2,\"say \"\"hi\"\"\",1e3,false,9223372036854775808,x,\"12\"\r\n",
	       "{\"id\":1,\"name\":\"Smith, J\",\"temp\":21.5,\"ok\":true,\"code\":\"007\",\"empty\":null,\"quoted\":\"\"}\n"
	       "{\"id\":-2,\"name\":\"say \\\"hi\\\"\",\"temp\":1e3,\"ok\":false,\"code\":\"9223372036854775808\","
	       "\"empty\":\"x\",\"quoted\":12}\n");
	expect_errors("");
	ck_assert_uint_eq(sx_stats.records_in, 2);
	ck_assert_uint_eq(sx_stats.records_out, 2);
}
END_TEST

START_TEST(csv_embedded_newlines_and_line_numbers)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .source_field = "src" };
	expect(&cfg, "m.csv",
	       "a,b\n1,\"two\nlines\"\n2,x\n3\n4,\"\"\"q\"\"\"",
	       "{\"a\":1,\"b\":\"two\\nlines\",\"src\":\"m.csv:2\"}\n"
	       "{\"a\":2,\"b\":\"x\",\"src\":\"m.csv:4\"}\n"
	       "{\"a\":4,\"b\":\"\\\"q\\\"\",\"src\":\"m.csv:6\"}\n");
	expect_errors("sx-ingest: m.csv:5: row has 1 field, the header has 2\n");
}
END_TEST

START_TEST(csv_errors)
{
	setup_io();
	struct sx_ingest_cfg cfg = { 0 };
	/* malformed quoting, and an unterminated quote at the end */
	expect(&cfg, "e.csv", "a,b\n1,\"x\"y\n2,3\n4,\"open\n", "{\"a\":2,\"b\":3}\n");
	expect_errors("sx-ingest: e.csv:2: malformed CSV (a quote inside an unquoted field, or text after a "
		      "closing quote)\n"
		      "sx-ingest: e.csv:4: unterminated quoted field at end of input\n");
	/* invalid UTF-8 in a value names the column */
	expect(&cfg, "u.csv", "a,b\n1,caf\xe9\n", "");
	expect_errors("sx-ingest: u.csv:2: column 'b': invalid UTF-8\n");
}
END_TEST

START_TEST(csv_options)
{
	setup_io();
	/* TSV by name, no header: columns 1, 2, ... */
	struct sx_ingest_cfg cfg = { .no_header = 1 };
	expect(&cfg, "t.tsv", "x\t1\ny\t2\n", "{\"1\":\"x\",\"2\":1}\n{\"1\":\"y\",\"2\":2}\n");
	/* --columns */
	char *cols[] = { "k", "v" };
	struct sx_ingest_cfg cc = { .columns = cols, .ncolumns = 2 };
	expect(&cc, "c.csv", "x,1\n", "{\"k\":\"x\",\"v\":1}\n");
	/* -d ';' on a file of unknown extension is CSV */
	struct sx_ingest_cfg dc = { .delim = ';' };
	expect(&dc, "data.txt", "a;b\n1;2,5\n", "{\"a\":1,\"b\":\"2,5\"}\n");
	/* --types string */
	struct sx_ingest_cfg sc = { .types_string = 1 };
	expect(&sc, "s.csv", "a,b\n1,\n", "{\"a\":\"1\",\"b\":\"\"}\n");
	/* a header-only file and a BOM */
	struct sx_ingest_cfg plain = { 0 };
	expect(&plain, "h.csv", "a,b\n", "");
	expect(&plain, "bom.csv", "\xEF\xBB\xBF" "a\n1\n", "{\"a\":1}\n");
	expect_errors("");
}
END_TEST

START_TEST(csv_schema)
{
	setup_io();
	struct sx_schema_col schema[] = { { "n", SX_COL_INT }, { "f", SX_COL_FLOAT }, { "b", SX_COL_BOOL },
					  { "s", SX_COL_STRING }, { "t", SX_COL_TIME } };
	struct sx_ingest_cfg cfg = { .schema = schema, .nschema = 5 };
	expect(&cfg, "s.csv",
	       "n,f,b,s,t,other\n"
	       "007,3,yes,42,1767225600,5\n"
	       "x,1,1,a,2026-01-01,6\n"
	       ",,,,,\n",
	       "{\"n\":7,\"f\":3.0,\"b\":true,\"s\":\"42\",\"t\":\"2026-01-01T00:00:00.000Z\",\"other\":5}\n"
	       "{\"n\":null,\"f\":null,\"b\":null,\"s\":\"\",\"t\":null,\"other\":null}\n");
	expect_errors("sx-ingest: s.csv:3: column 'n': value is not an int\n");
}
END_TEST

/* Convert NAME (written with TEXT) with engine G: the return of
 * sx_ingest_source. */
static int ingest_rc(struct sx_ingest *g, const char *name, const char *text)
{
	char path[600];
	snprintf(path, sizeof path, "%s", tu_path(name));
	tu_write_file(path, text, strlen(text));
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, path), 0);
	int rc = sx_ingest_source(g, &in, name, 0);
	sx_in_close(&in);
	sx_out_flush(&sx_stdout);
	return rc;
}

/* A CSV header the engine cannot use fails that source (reported, -1): the
 * caller decides (sx-ingest exits 1; --watch goes on with other files), and
 * the same engine converts the next source. */
START_TEST(csv_header_problems_fail_the_source)
{
	setup_io();
	struct sx_schema_col schema[] = { { "nope", SX_COL_INT } };
	struct sx_ingest_cfg cfg = { .schema = schema, .nschema = 1 };
	struct sx_ingest *g = sx_ingest_new(&cfg);
	ck_assert_int_eq(ingest_rc(g, "s.csv", "a\n1\n"), -1);
	expect_errors("sx-ingest: s.csv: --schema names column 'nope', which the input does not have\n");
	ck_assert_int_eq(ingest_rc(g, "t.csv", "nope\n7\n"), 0);
	sx_ingest_free(g);
	struct sx_ingest_cfg plain = { 0 };
	g = sx_ingest_new(&plain);
	ck_assert_int_eq(ingest_rc(g, "d.csv", "a,b,a\n1,2,3\n4,5,6\n"), -1);
	expect_errors("sx-ingest: d.csv:1: duplicate column name 'a'\n");
	ck_assert_int_eq(ingest_rc(g, "m.csv", "a,\"b\"x\n1,2\n"), -1);
	expect_errors("sx-ingest: m.csv:1: malformed CSV header\n");
	/* found at the end: a header-only file without a line end */
	ck_assert_int_eq(ingest_rc(g, "h.csv", "a,a"), -1);
	expect_errors("sx-ingest: h.csv:1: duplicate column name 'a'\n");
	ck_assert_int_eq(ingest_rc(g, "ok.ndjson", "{\"x\":1}\n"), 0);
	sx_ingest_free(g);
	char *out = tu_slurp("out.txt");
	ck_assert_str_eq(out, "{\"nope\":7}\n{\"x\":1}\n");
	free(out);
}
END_TEST

/* ---- NDJSON and JSON ---------------------------------------------------- */

START_TEST(ndjson_lines)
{
	setup_io();
	struct sx_ingest_cfg cfg = { 0 };
	expect(&cfg, "n.ndjson",
	       "{\"a\":1}\n\n  \r\n{ \"b\" : [1, 2] , \"c\":{\"d\" :null}}\r\n[1]\n{\"x\":\"\\u00e9\"}",
	       "{\"a\":1}\n{\"b\":[1,2],\"c\":{\"d\":null}}\n{\"x\":\"\\u00e9\"}\n");
	char *e = errors();
	ck_assert_ptr_nonnull(strstr(e, "sx-ingest: n.ndjson:5: "));
	ck_assert_int_eq(tu_count(e, "\n"), 1);
	free(e);
	/* by content: a file without a known extension */
	expect(&cfg, "noext", "{\"a\":1}\n{\"a\":2}\n", "{\"a\":1}\n{\"a\":2}\n");
}
END_TEST

START_TEST(json_arrays_streamed)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .source_field = "at" };
	expect(&cfg, "a.json",
	       "[\n  {\"a\": 1, \"s\": \"],{\\\"\"},\n  {\"b\":\n    [1, {\"c\": 2}]\n  }\n,{\"d\":3}]\n",
	       "{\"a\":1,\"s\":\"],{\\\"\",\"at\":\"a.json:2\"}\n"
	       "{\"b\":[1,{\"c\":2}],\"at\":\"a.json:3\"}\n"
	       "{\"d\":3,\"at\":\"a.json:6\"}\n");
	expect_errors("");
	/* one line, empty arrays, by content */
	struct sx_ingest_cfg plain = { 0 };
	expect(&plain, "one", "[{\"a\":1},{\"a\":2}]", "{\"a\":1}\n{\"a\":2}\n");
	expect(&plain, "e.json", "[]\n", "");
	expect(&plain, "e2.json", "[\n]\n", "");
	expect_errors("");
}
END_TEST

START_TEST(json_array_errors)
{
	setup_io();
	struct sx_ingest_cfg cfg = { 0 };
	expect(&cfg, "b.json", "[{\"a\":1}, 5, {\"a\":2}]\n", "{\"a\":1}\n{\"a\":2}\n");
	char *e = errors();
	ck_assert_ptr_nonnull(strstr(e, "sx-ingest: b.json:1: "));
	ck_assert_int_eq(tu_count(e, "\n"), 1);
	free(e);
	expect(&cfg, "u.json", "[{\"a\":1},\n{\"a\":", "{\"a\":1}\n");
	expect_errors("sx-ingest: u.json:2: unterminated JSON value at end of input\n");
	expect(&cfg, "v.json", "[{\"a\":1}\n", "{\"a\":1}\n");
	expect_errors("sx-ingest: v.json:1: unterminated JSON array at end of input\n");
	expect(&cfg, "w.json", "[{\"a\":1}]\n{\"b\":2}\n", "{\"a\":1}\n");
	expect_errors("sx-ingest: w.json:2: invalid JSON at byte 1: unexpected data after the closing ']'\n");
}
END_TEST

START_TEST(json_concatenated_objects)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .format = SX_FMT_JSON };
	expect(&cfg, "c.txt", "{\"a\":1}{\"a\":2}\n{\n  \"a\": 3\n}\n  {\"a\":\"}{\"}\n",
	       "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":\"}{\"}\n");
	expect_errors("");
	/* a pretty-printed object: by content, not NDJSON */
	struct sx_ingest_cfg plain = { 0 };
	expect(&plain, "pretty", "{\n \"a\": 1\n}\n", "{\"a\":1}\n");
}
END_TEST

/* -f auto by content: a broken first NDJSON line is one data error, not a
 * switch to concatenated JSON that swallows the rest. */
START_TEST(auto_detection_by_content)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .source_field = "at" };
	/* open braces, and the next line starts a record: NDJSON */
	expect(&cfg, "a", "{\"a\":1\n{\"a\":2}\n\n{\"a\":3}\n",
	       "{\"a\":2,\"at\":\"a:2\"}\n{\"a\":3,\"at\":\"a:4\"}\n");
	expect_errors("sx-ingest: a:1: invalid JSON at byte 7: unterminated object\n");
	/* balanced but invalid, or cut inside a string: NDJSON */
	expect(&cfg, "b", "{\"a\":1,}\n{\"a\":2}\n", "{\"a\":2,\"at\":\"b:2\"}\n");
	expect_errors("sx-ingest: b:1: invalid JSON at byte 8: expected a string key\n");
	expect(&cfg, "c", "{\"a\":\"x\n{\"a\":2}\n", "{\"a\":2,\"at\":\"c:2\"}\n");
	expect_errors("sx-ingest: c:1: invalid JSON at byte 8: unterminated string\n");
	/* one open line and nothing else: one error */
	expect(&cfg, "d", "\n{\"a\":\n\n", "");
	expect_errors("sx-ingest: d:2: invalid JSON at byte 6: unexpected end of input\n");
	/* pretty-printed objects, and objects back to back on a line: JSON */
	expect(&cfg, "e", "{\n  \"a\": {\"b\": 1}\n}\n{\"a\":2}\n",
	       "{\"a\":{\"b\":1},\"at\":\"e:1\"}\n{\"a\":2,\"at\":\"e:4\"}\n");
	expect(&cfg, "f", "{\"a\":1,\n \"b\":2}\n", "{\"a\":1,\"b\":2,\"at\":\"f:1\"}\n");
	expect(&cfg, "g", "  {\"a\":1} {\"a\":2}\n", "{\"a\":1,\"at\":\"g:1\"}\n{\"a\":2,\"at\":\"g:1\"}\n");
	expect_errors("");
	/* a resume offset applies to the held first line too */
	const char *h = "{\"a\":1\n{\"a\":2}\n{\"a\":3}\n";
	char *got = ingest_n(&cfg, "h", h, strlen(h), 15);
	ck_assert_str_eq(got, "{\"a\":3,\"at\":\"h:3\"}\n");
	free(got);
	expect_errors("");
}
END_TEST

/* --schema on JSON records: fields converted as CSV values would be. */
START_TEST(json_schema)
{
	setup_io();
	struct sx_schema_col schema[] = { { "i", SX_COL_INT }, { "f", SX_COL_FLOAT }, { "s", SX_COL_STRING },
					  { "b", SX_COL_BOOL }, { "t", SX_COL_TIME } };
	struct sx_ingest_cfg cfg = { .schema = schema, .nschema = 5, .time_unit = SX_UNIT_MS };
	expect(&cfg, "s.ndjson",
	       "{\"i\":\"-3\",\"f\":2,\"s\":true,\"b\":\"TRUE\",\"t\":1767225600000,\"x\":\"7\"}\n"
	       "{ \"i\" : 4 , \"s\" : \"a\\u00e9\" , \"t\" : \"2026-01-01 00:00:00\" , \"f\" : null }\n"
	       "{\"x\":1}\n"
	       "{\"i\":1.5}\n{\"b\":[true]}\n{\"f\":\"abc\"}\n"
	       "{\"\\u0069\":\"5\"}\n",
	       "{\"i\":-3,\"f\":2.0,\"s\":\"true\",\"b\":true,\"t\":\"2026-01-01T00:00:00.000Z\",\"x\":\"7\"}\n"
	       "{\"i\":4,\"s\":\"a\\u00e9\",\"t\":\"2026-01-01T00:00:00.000Z\",\"f\":null}\n"
	       "{\"x\":1}\n"
	       "{\"\\u0069\":5}\n");
	expect_errors("sx-ingest: s.ndjson:4: field 'i': value is not an int\n"
		      "sx-ingest: s.ndjson:5: field 'b': an array cannot be converted to bool\n"
		      "sx-ingest: s.ndjson:6: field 'f': value is not a float\n");
}
END_TEST

/* A one-line JSON array of any size is streamed element by element: the
 * input buffer never grows to the line. */
START_TEST(json_one_line_array_bounded)
{
	setup_io();
	struct sx_buf text = SX_BUF_INIT;
	sx_buf_putc(&text, '[');
	int n = 200000;
	for (int i = 0; i < n; i++)
		sx_buf_printf(&text, "%s{\"i\":%d,\"s\":\"%050d\"}", i ? "," : "", i, i);
	sx_buf_putc(&text, ']');
	ck_assert_uint_gt(text.len, 10 * 1024 * 1024);
	char path[600];
	snprintf(path, sizeof path, "%s", tu_path("big"));
	tu_write_file(path, text.data, text.len);
	struct sx_ingest_cfg cfg = { 0 };
	struct sx_ingest *g = sx_ingest_new(&cfg);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, path), 0);
	size_t cap0 = in.cap;
	ck_assert_int_eq(sx_ingest_source(g, &in, "big", 0), 0); /* by content */
	ck_assert_uint_eq(in.cap, cap0);
	sx_in_close(&in);
	sx_ingest_free(g);
	sx_out_flush(&sx_stdout);
	char *out = tu_slurp("out.txt");
	ck_assert_int_eq(tu_count(out, "\n"), n);
	ck_assert_ptr_nonnull(strstr(out, "{\"i\":199999,\"s\":\"00000000000000000000000000000000000000000000199999\"}\n"));
	free(out);
	sx_buf_free(&text);
	expect_errors("");
}
END_TEST

/* JSON records are resumed by their own end offsets, also within a line. */
START_TEST(json_resume_inside_a_line)
{
	setup_io();
	struct sx_ingest_cfg cfg = { 0 };
	const char *t = "{\"a\":1}{\"a\":2} x {\"a\":3}\n[\n";
	/* {"a":2} ends at 14: resuming there emits only what follows */
	char *got = ingest_n(&cfg, "c.json", t, strlen(t), 14);
	ck_assert_str_eq(got, "");
	free(got);
	/* the errors after byte 14 were not reported by a run that stopped there */
	expect_errors("sx-ingest: c.json:1: invalid JSON at byte 16: expected a JSON object\n"
		      "sx-ingest: c.json:2: invalid JSON at byte 1: expected a JSON object\n");
	got = ingest_n(&cfg, "c.json", t, strlen(t), 7);
	ck_assert_str_eq(got, "{\"a\":2}\n");
	free(got);
	expect_errors("sx-ingest: c.json:1: invalid JSON at byte 16: expected a JSON object\n"
		      "sx-ingest: c.json:2: invalid JSON at byte 1: expected a JSON object\n");
	/* progress: each element's end, then the end */
	struct progress_log pl = { 0 };
	char path[600];
	snprintf(path, sizeof path, "%s", tu_path("p.json"));
	tu_write_file(path, "[{\"a\":1}, {\"b\":\n2}, {\"c\":3}]", 28);
	struct sx_ingest *g = sx_ingest_new(&cfg);
	sx_ingest_set_progress(g, log_progress, &pl);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, path), 0);
	ck_assert_int_eq(sx_ingest_source(g, &in, "p.json", 0), 0);
	sx_in_close(&in);
	sx_ingest_free(g);
	/* {"a":1} ends at its ',' (8); not the end of line 1 (16): {"b": is open
	 * there; {"b":2} at 18, {"c":3} at 27, the end of the data at 28 */
	ck_assert_int_eq(pl.n, 5);
	ck_assert_uint_eq(pl.off[0], 8);
	ck_assert_uint_eq(pl.off[1], 18);
	ck_assert_uint_eq(pl.off[2], 27);
	ck_assert_uint_eq(pl.off[3], 28);
	ck_assert_uint_eq(pl.off[4], 28);
	expect_errors("");
}
END_TEST

/* ---- envelopes ---------------------------------------------------------- */

START_TEST(kcat_envelope)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .envelope = SX_ENV_KCAT };
	expect(&cfg, "k.ndjson",
	       "{\"topic\":\"t\",\"partition\":3,\"offset\":42,\"tstype\":\"create\",\"ts\":1767225600123,"
	       "\"broker\":1,\"key\":\"dev-1\",\"payload\":\"{\\\"temp\\\":21.5,\\\"Offset\\\":0}\"}\n"
	       "{\"partition\":0,\"offset\":1,\"ts\":-1,\"key\":null,\"payload\":\"[1]\"}\n"
	       "{\"partition\":0,\"offset\":2,\"key\":null,\"payload\":null}\n",
	       "{\"temp\":21.5,\"Offset\":42,\"EventEnqueuedUtcTime\":\"2026-01-01T00:00:00.123Z\","
	       "\"PartitionId\":3,\"Key\":\"dev-1\"}\n");
	expect_errors("sx-ingest: k.ndjson:2: payload is not a JSON object\n"
		      "sx-ingest: k.ndjson:3: envelope has no payload\n");
}
END_TEST

START_TEST(mosquitto_envelope)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .envelope = SX_ENV_MOSQUITTO };
	expect(&cfg, "m.ndjson",
	       "{\"tst\":\"2026-11-25T06:36:44.248851Z+0000\",\"topic\":\"sensors/1\",\"qos\":0,"
	       "\"payload\":\"{\\\"t\\\":1}\"}\n"
	       "{\"tst\":\"2026-11-25T06:36:44Z\",\"topic\":\"s/2\",\"payload\":{\"t\": 2}}\n"
	       "{\"topic\":\"s/3\",\"payload\":\"plain text\"}\n",
	       "{\"t\":1,\"EventEnqueuedUtcTime\":\"2026-11-25T06:36:44.248851Z\",\"topic\":\"sensors/1\"}\n"
	       "{\"t\":2,\"EventEnqueuedUtcTime\":\"2026-11-25T06:36:44.000Z\",\"topic\":\"s/2\"}\n");
	expect_errors("sx-ingest: m.ndjson:3: payload is not a JSON object\n");
}
END_TEST

/* ---- -t, shard, resume, progress ---------------------------------------- */

START_TEST(time_rewrite)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .time_field = "ts", .time_unit = SX_UNIT_MS };
	expect(&cfg, "t.ndjson",
	       "{\"ts\":\"2026-01-01T01:00:00+01:00\",\"v\":1}\n"
	       "{\"v\":2,\"ts\":1767225600500}\n"
	       "{\"v\":3}\n"
	       "{\"v\":4,\"ts\":\"soon\"}\n"
	       "{\"v\":5,\"ts\":true}\n"
	       "{\"v\":6,\"ts\":null}\n",
	       "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"v\":1}\n"
	       "{\"v\":2,\"ts\":\"2026-01-01T00:00:00.500Z\"}\n");
	expect_errors("sx-ingest: t.ndjson:3: field 'ts': missing event time\n"
		      "sx-ingest: t.ndjson:4: field 'ts': 'soon' is not RFC 3339; give its layout with --time-format\n"
		      "sx-ingest: t.ndjson:5: field 'ts': event time is not a string or a number\n"
		      "sx-ingest: t.ndjson:6: field 'ts': missing event time\n");
	/* --time-format, in NDJSON and CSV */
	const char *why;
	struct sx_timefmt *tf = sx_timefmt_compile("%d/%m/%Y %H:%M", &why);
	ck_assert_ptr_nonnull(tf);
	struct sx_ingest_cfg fc = { .time_field = "when", .time_format = tf };
	expect(&fc, "f.ndjson", "{\"when\":\"02/01/2026 10:30\"}\n{\"when\":\"2026-01-02\"}\n",
	       "{\"when\":\"2026-01-02T10:30:00.000Z\"}\n");
	expect_errors("sx-ingest: f.ndjson:2: field 'when': '2026-01-02' does not match --time-format: '/' expected at '26-01-02'\n");
	expect(&fc, "f.csv", "when,v\n02/01/2026 10:30,1\n,2\n",
	       "{\"when\":\"2026-01-02T10:30:00.000Z\",\"v\":1}\n");
	expect_errors("sx-ingest: f.csv:3: field 'when': missing event time\n");
	sx_timefmt_free(tf);
	/* CSV: RFC 3339 or an epoch number in the unit */
	struct sx_ingest_cfg cc = { .time_field = "ts" };
	expect(&cc, "c.csv", "ts,v\n1767225600,1\n2026-01-01T00:00:01Z,2\nnope,3\n",
	       "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"v\":1}\n{\"ts\":\"2026-01-01T00:00:01.000Z\",\"v\":2}\n");
	expect_errors("sx-ingest: c.csv:4: field 'ts': 'nope' is not RFC 3339 or an epoch number; "
		      "give its layout with --time-format\n");
}
END_TEST

START_TEST(csv_without_time_column_fails)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .time_field = "ts" };
	struct sx_ingest *g = sx_ingest_new(&cfg);
	ck_assert_int_eq(ingest_rc(g, "x.csv", "a\n1\n"), -1);
	sx_ingest_free(g);
	expect_errors("sx-ingest: x.csv: no column 'ts' (-t) in the header\n");
}
END_TEST

/* Every record lands in exactly one of N shards, by FNV-1a of its key, the
 * same for CSV and NDJSON input. */
START_TEST(shards_partition_the_records)
{
	setup_io();
	struct sx_buf nd = SX_BUF_INIT, csv = SX_BUF_INIT;
	sx_buf_puts(&csv, "dev,v\n");
	for (int i = 0; i < 60; i++) {
		if (i % 10 == 9) {
			sx_buf_printf(&nd, "{\"v\":%d}\n", i); /* no key: hashes as null */
			sx_buf_printf(&csv, ",%d\n", i);
		} else if (i % 10 == 8) {
			sx_buf_printf(&nd, "{\"dev\":\"\",\"v\":%d}\n", i); /* an empty string */
			sx_buf_printf(&csv, "\"\",%d\n", i);
		} else if (i % 10 == 7) {
			sx_buf_printf(&nd, "{\"dev\":%d,\"v\":%d}\n", i, i); /* a number */
			sx_buf_printf(&csv, "%d,%d\n", i, i);
		} else {
			sx_buf_printf(&nd, "{\"dev\":\"d%d\",\"v\":%d}\n", i % 7, i);
			sx_buf_printf(&csv, "d%d,%d\n", i % 7, i);
		}
	}
	int seen[60] = { 0 };
	for (int k = 0; k < 3; k++) {
		struct sx_ingest_cfg cfg = { .shard_i = k, .shard_n = 3, .shard_key = "dev" };
		char *a = ingest(&cfg, "s.ndjson", nd.data);
		char *b = ingest(&cfg, "s.csv", csv.data);
		/* the same records from both formats */
		int na = 0, nb = 0;
		for (const char *p = a; (p = strstr(p, "\"v\":")) != NULL; p += 4) {
			int v = atoi(p + 4);
			seen[v]++;
			na++;
			/* and the right ones */
			const char *key = v % 10 == 9 ? "null" : v % 10 == 8 ? "" : NULL;
			char kb[16];
			if (!key) {
				if (v % 10 == 7)
					snprintf(kb, sizeof kb, "%d", v);
				else
					snprintf(kb, sizeof kb, "d%d", v % 7);
				key = kb;
			}
			ck_assert_msg(sx_fnv1a64(key, strlen(key)) % 3 == (uint64_t)k, "v=%d in shard %d", v, k);
			char needle[32];
			snprintf(needle, sizeof needle, "\"v\":%d}", v);
			ck_assert_msg(strstr(b, needle) != NULL, "v=%d: NDJSON shard %d, not CSV", v, k);
		}
		for (const char *p = b; (p = strstr(p, "\"v\":")) != NULL; p += 4)
			nb++;
		ck_assert_int_eq(na, nb);
		free(a);
		free(b);
	}
	for (int i = 0; i < 60; i++)
		ck_assert_msg(seen[i] == 1, "v=%d in %d shards", i, seen[i]);
	expect_errors("");
	sx_buf_free(&nd);
	sx_buf_free(&csv);
	ck_assert_uint_eq(sx_fnv1a64("", 0), UINT64_C(14695981039346656037));
	ck_assert_uint_eq(sx_fnv1a64("a", 1), UINT64_C(0xaf63dc4c8601ec8c));
}
END_TEST

/* Records that end at or before skip_to are read, not emitted, not reported. */
START_TEST(resume_offsets)
{
	setup_io();
	struct sx_ingest_cfg cfg = { 0 };
	const char *nd = "{\"a\":1}\nbad\n{\"a\":3}\n";
	char *got = ingest_n(&cfg, "r.ndjson", nd, strlen(nd), 12);
	ck_assert_str_eq(got, "{\"a\":3}\n");
	free(got);
	expect_errors("");
	/* CSV: the header is still read; a multi-line row is resumed after as a whole */
	const char *csv = "a,b\n1,\"x\ny\"\n2,z\n";
	got = ingest_n(&cfg, "r.csv", csv, strlen(csv), 12);
	ck_assert_str_eq(got, "{\"a\":2,\"b\":\"z\"}\n");
	free(got);
	/* progress is reported only between records */
	struct progress_log pl = { 0 };
	char path[600];
	snprintf(path, sizeof path, "%s", tu_path("r.csv"));
	struct sx_ingest *g = sx_ingest_new(&cfg);
	sx_ingest_set_progress(g, log_progress, &pl);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, path), 0);
	ck_assert_int_eq(sx_ingest_source(g, &in, "r.csv", 0), 0);
	sx_in_close(&in);
	sx_ingest_free(g);
	ck_assert_int_eq(pl.n, 4); /* header, row 1 (two lines), row 2, end */
	ck_assert_uint_eq(pl.off[0], 4);
	ck_assert_uint_eq(pl.off[1], 12);
	ck_assert_uint_eq(pl.line[1], 3);
	ck_assert_uint_eq(pl.off[2], strlen(csv));
	ck_assert_uint_eq(pl.off[3], strlen(csv));
}
END_TEST

START_TEST(added_fields_replace_or_append)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .source_field = "src", .arrival_field = "arr", .time_field = "ts" };
	char *got = ingest(&cfg, "x.ndjson", "{\"src\":\"old\",\"ts\":0,\"v\":1}\n");
	/* src replaced in place; arr appended; ts rewritten */
	const char *prefix = "{\"src\":\"x.ndjson:1\",\"ts\":\"1970-01-01T00:00:00.000Z\",\"v\":1,\"arr\":\"";
	ck_assert_msg(strncmp(got, prefix, strlen(prefix)) == 0, "got %s", got);
	ck_assert_int_eq(tu_count(got, "\"arr\""), 1);
	free(got);
	/* a key spelled with escapes is the same key: replaced, spelling kept */
	struct sx_ingest_cfg t = { .time_field = "ts", .source_field = "src" };
	expect(&t, "e.ndjson", "{\"t\\u0073\":0,\"\\u0073rc\":1}\n",
	       "{\"t\\u0073\":\"1970-01-01T00:00:00.000Z\",\"\\u0073rc\":\"e.ndjson:1\"}\n");
	/* a CSV column named like an added field: replaced in place */
	expect(&t, "c.csv", "src,ts,v\nx,0,1\n", "{\"src\":\"c.csv:2\",\"ts\":\"1970-01-01T00:00:00.000Z\",\"v\":1}\n");
	expect_errors("");
}
END_TEST

/* ---- a sink instead of stdout (sx-join's reference files) --------------- */

struct sink_log {
	struct sx_buf rec, err;
};

static void sink_record(void *ctx, const char *p, size_t n)
{
	struct sink_log *l = ctx;
	sx_buf_append(&l->rec, p, n);
	sx_buf_putc(&l->rec, '|');
}

static void sink_error(void *ctx, int fatal, const char *file, uint64_t line, const char *why,
		       const char *raw, size_t rawlen)
{
	struct sink_log *l = ctx;
	sx_buf_printf(&l->err, "%s%s:%u: %s [%.*s]\n", fatal ? "FATAL " : "", file, (unsigned)line, why,
		      (int)rawlen, raw);
}

static int sink_source(const char *name, const char *text, struct sink_log *log)
{
	const char *path = tu_path(name);
	tu_write_file(path, text, strlen(text));
	struct sx_ingest_cfg cfg = { 0 };
	struct sx_ingest *g = sx_ingest_new(&cfg);
	struct sx_ingest_sink sink = { sink_record, sink_error, log };
	sx_ingest_set_sink(g, &sink);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, path), 0);
	int r = sx_ingest_source(g, &in, name, 0);
	sx_in_close(&in);
	sx_ingest_free(g);
	return r;
}

START_TEST(sink_gets_records_and_errors)
{
	setup_io();
	memset(&sx_stats, 0, sizeof sx_stats);
	struct sink_log log = { SX_BUF_INIT, SX_BUF_INIT };
	/* typed as on stdout; the bad row goes to the sink, not --on-error */
	ck_assert_int_eq(sink_source("ref.csv", "id,site\n1,\"Lyon, B\"\n007,x,y\n2,\n", &log), 0);
	ck_assert_str_eq(log.rec.data, "{\"id\":1,\"site\":\"Lyon, B\"}|{\"id\":2,\"site\":null}|");
	ck_assert_str_eq(log.err.data, "ref.csv:3: row has 3 fields, the header has 2 [007,x,y]\n");
	sx_buf_reset(&log.rec);
	sx_buf_reset(&log.err);
	/* NDJSON lines come through compacted */
	ck_assert_int_eq(sink_source("ref.ndjson", "{\"id\": 1}\n{\"id\":2}\nnope\n", &log), 0);
	ck_assert_str_eq(log.rec.data, "{\"id\":1}|{\"id\":2}|");
	ck_assert_str_eq(log.err.data, "ref.ndjson:3: invalid JSON at byte 1: unexpected character [nope]\n");
	sx_buf_reset(&log.rec);
	sx_buf_reset(&log.err);
	/* a bad header is fatal to the source, not to the process */
	ck_assert_int_eq(sink_source("dup.csv", "id,id\n1,2\n3,4\n", &log), -1);
	ck_assert_str_eq(log.rec.data ? log.rec.data : "", "");
	ck_assert_str_eq(log.err.data, "FATAL dup.csv:1: duplicate column name 'id' []\n");
	/* nothing counted, nothing on stdout, nothing through --on-error */
	ck_assert_uint_eq(sx_stats.records_in, 0);
	ck_assert_uint_eq(sx_stats.records_out, 0);
	ck_assert_uint_eq(sx_stats.bytes_in, 0);
	ck_assert_uint_eq(sx_onerror_count(), 0);
	sx_out_flush(&sx_stdout);
	tu_assert_file_eq("out.txt", "");
	expect_errors("");
	sx_buf_free(&log.rec);
	sx_buf_free(&log.err);
}
END_TEST

/* ---- issue 12: limits and garbage ---------------------------------------- */

/* Defect 12: a line longer than the record size limit is a data error that
 * keeps its start and says its length; the limit counts the bytes before the
 * line end, and lines that span the input buffer (256 KiB) are measured the
 * same way. */
START_TEST(test_defect_record_size_limit)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .max_record = 14, .format = SX_FMT_NDJSON };
	expect(&cfg, "m.ndjson", "{\"a\":\"123456\"}\r\n{\"a\":\"1234567\"}\n{\"b\":1}",
	       "{\"a\":\"123456\"}\n{\"b\":1}\n");
	expect_errors("sx-ingest: m.ndjson:2: line too long: 15 bytes, more than --max-record-size (14)\n");

	/* lines longer than the input buffer: one at the limit, one over it,
	 * and a last line without a line end over it */
	size_t lim = 300000;
	struct sx_buf t = SX_BUF_INIT;
	for (int i = 0; i < 3; i++) {
		size_t want = i == 0 ? lim : lim + 1 + (size_t)i * 100000;
		sx_buf_puts(&t, "{\"s\":\"");
		for (size_t k = 8; k < want; k++)
			sx_buf_putc(&t, (char)('a' + i));
		sx_buf_puts(&t, i == 2 ? "\"}" : "\"}\r\n");
	}
	cfg.max_record = lim;
	char *got = ingest_n(&cfg, "big.ndjson", t.data, t.len, 0);
	ck_assert_uint_eq(strlen(got), lim + 1);
	ck_assert_int_eq(got[lim], '\n');
	free(got);
	expect_errors("sx-ingest: big.ndjson:2: line too long: 400001 bytes, more than --max-record-size (300000)\n"
		      "sx-ingest: big.ndjson:3: line too long: 500001 bytes, more than --max-record-size (300000)\n");
	sx_buf_free(&t);

	/* a CSV row that a quote left open grows past the limit: the row is the
	 * error, and reading starts afresh at the line that crossed it */
	cfg = (struct sx_ingest_cfg){ .max_record = 20 };
	expect(&cfg, "q.csv", "a,b\n1,\"x\ny\"\n2,\"never closed\n3,4\n5,6\n",
	       "{\"a\":1,\"b\":\"x\\ny\"}\n{\"a\":5,\"b\":6}\n");
	expect_errors("sx-ingest: q.csv:4: CSV row too long: over 24 bytes, more than --max-record-size (20)\n");

	/* a JSON array element */
	cfg = (struct sx_ingest_cfg){ .max_record = 30 };
	expect(&cfg, "e.json", "[{\"a\":1},{\"a\":\"0123456789012345678901234567890123456789\"}, {\"b\":2}]\n",
	       "{\"a\":1}\n{\"b\":2}\n");
	expect_errors("sx-ingest: e.json:1: JSON value too long: 48 bytes, more than --max-record-size (30)\n");
}
END_TEST

/* Defect 7: blank lines before the first record are read one by one, in
 * place (they were rescanned at each line: quadratic); a run of them longer
 * than the input buffer, or blanks that start the first line, still lead to
 * the same format and line numbers. */
START_TEST(test_defect_blank_lines_then_format)
{
	setup_io();
	struct sx_ingest_cfg cfg = { .source_field = "s" };
	static const struct { char blank; const char *rest, *want; } cases[] = {
		{ '\n', "[{\"a\":1},\n{\"a\":2}]\n", "{\"a\":1,\"s\":\"x:300001\"}\n{\"a\":2,\"s\":\"x:300002\"}\n" },
		{ ' ', "[{\"a\":1},\n{\"a\":2}]\n", "{\"a\":1,\"s\":\"x:1\"}\n{\"a\":2,\"s\":\"x:2\"}\n" },
		{ '\n', "{\"a\":\n1}\n", "{\"a\":1,\"s\":\"x:300001\"}\n" },
		{ '\n', "{\"a\":1}\n{\"a\":2}\n", "{\"a\":1,\"s\":\"x:300001\"}\n{\"a\":2,\"s\":\"x:300002\"}\n" },
		{ '\n', "a,b\n1,2\n", "{\"a\":1,\"b\":2,\"s\":\"x:300002\"}\n" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct sx_buf t = SX_BUF_INIT;
		for (int k = 0; k < 300000; k++)
			sx_buf_putc(&t, cases[i].blank);
		sx_buf_puts(&t, cases[i].rest);
		char *got = ingest_n(&cfg, "x", t.data, t.len, 0);
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "case %zu: got\n%s", i, got);
		free(got);
		sx_buf_free(&t);
	}
	expect_errors("");
}
END_TEST

START_TEST(test_defect_max_record_size_argument)
{
	size_t v = 0;
	ck_assert_int_eq(sx_ingest_parse_size("65536", &v), 0);
	ck_assert_uint_eq(v, 65536);
	ck_assert_int_eq(sx_ingest_parse_size("512K", &v), 0);
	ck_assert_uint_eq(v, 512 << 10);
	ck_assert_int_eq(sx_ingest_parse_size("64MiB", &v), 0);
	ck_assert_uint_eq(v, (size_t)64 << 20);
	ck_assert_int_eq(sx_ingest_parse_size("1G", &v), 0);
	ck_assert_uint_eq(v, (size_t)1 << 30);
	static const char *const bad[] = { "", "0", "0K", "-1", "1.5M", "16m", "16 M", "2T", "99999999999999999999", "K" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(sx_ingest_parse_size(bad[i], &v) == -1, "'%s' accepted", bad[i]);
}
END_TEST

/* Defect 14: UTF-16 is named as such (a byte-order mark, or ASCII text with
 * a NUL in every other byte), whatever the format. */
START_TEST(test_defect_utf16_named)
{
	setup_io();
	static const struct { const char *name, *text; size_t len; } cases[] = {
		{ "le.csv", "\xff\xfe" "a\0,\0b\0\n\0", 10 },
		{ "be.ndjson", "\xfe\xff\0{\0}\0\n", 8 },
		{ "nobom", "\n\na\0,\0b\0\n\0" "1\0,\0" "2\0\n\0", 19 },
		{ "nobom-be", "\0{\0}\0\n", 6 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *path = tu_path(cases[i].name);
		tu_write_file(path, cases[i].text, cases[i].len);
		struct sx_ingest_cfg cfg = { 0 };
		struct sx_ingest *g = sx_ingest_new(&cfg);
		struct sx_in in;
		ck_assert_int_eq(sx_in_open(&in, path), 0);
		ck_assert_int_eq(sx_ingest_source(g, &in, cases[i].name, 0), -1);
		sx_in_close(&in);
		sx_ingest_free(g);
		char want[200];
		snprintf(want, sizeof want, "sx-ingest: %s: input looks like UTF-16; convert it with "
			 "iconv -f UTF-16 -t UTF-8\n", cases[i].name);
		expect_errors(want);
	}
	/* Latin-1 is not UTF-16 */
	struct sx_ingest_cfg cfg = { .format = SX_FMT_NDJSON };
	expect(&cfg, "l1", "{\"a\":\"caf\xe9\"}\n", "");
	expect_errors("sx-ingest: l1:1: invalid JSON at byte 10: invalid UTF-8\n");
}
END_TEST

/* Defects 14 and 6: -f auto on a line that looks binary says which format it
 * guessed, and takes each binary line as one data error (none stops the
 * run, none is a CSV header). */
START_TEST(test_defect_binary_guess_per_line)
{
	setup_io();
	struct sx_ingest_cfg cfg = { 0 };
	static const char text[] = "\x01\x02x,\"\n\xff\xfe\n\nname\nbob\n\0z\n";
	char *got = ingest_n(&cfg, "bin", text, sizeof text - 1, 0);
	ck_assert_str_eq(got, "{\"name\":\"bob\"}\n");
	free(got);
	expect_errors("sx-ingest: bin: line 1 looks like binary data, not text; reading the file as CSV "
		      "(a guess: choose the format with -f)\n"
		      "sx-ingest: bin:1: binary data, not text\n"
		      "sx-ingest: bin:2: binary data, not text\n"
		      "sx-ingest: bin:6: binary data, not text\n");
	/* not a guess: a CSV header that looks binary fails the file (a NUL
	 * made a column name end early) */
	const char *path = tu_path("named.csv");
	tu_write_file(path, "a\0b,c\n1,2\n", 10);
	struct sx_ingest *g = sx_ingest_new(&cfg);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, path), 0);
	ck_assert_int_eq(sx_ingest_source(g, &in, "named.csv", 0), -1);
	sx_in_close(&in);
	sx_ingest_free(g);
	expect_errors("sx-ingest: named.csv:1: the CSV header looks like binary data, not text\n");
}
END_TEST

Suite *sx_ingest_suite(void)
{
	Suite *s = suite_create("sx_ingest");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_test(tc, csv_typed_rows);
	tcase_add_test(tc, csv_embedded_newlines_and_line_numbers);
	tcase_add_test(tc, csv_errors);
	tcase_add_test(tc, csv_options);
	tcase_add_test(tc, csv_schema);
	tcase_add_test(tc, csv_header_problems_fail_the_source);
	tcase_add_test(tc, ndjson_lines);
	tcase_add_test(tc, json_arrays_streamed);
	tcase_add_test(tc, json_array_errors);
	tcase_add_test(tc, json_concatenated_objects);
	tcase_add_test(tc, auto_detection_by_content);
	tcase_add_test(tc, json_schema);
	tcase_add_test(tc, json_one_line_array_bounded);
	tcase_add_test(tc, json_resume_inside_a_line);
	tcase_add_test(tc, kcat_envelope);
	tcase_add_test(tc, mosquitto_envelope);
	tcase_add_test(tc, time_rewrite);
	tcase_add_test(tc, csv_without_time_column_fails);
	tcase_add_test(tc, shards_partition_the_records);
	tcase_add_test(tc, resume_offsets);
	tcase_add_test(tc, added_fields_replace_or_append);
	tcase_add_test(tc, sink_gets_records_and_errors);
	tcase_add_test(tc, test_defect_record_size_limit);
	tcase_add_test(tc, test_defect_blank_lines_then_format);
	tcase_add_test(tc, test_defect_max_record_size_argument);
	tcase_add_test(tc, test_defect_utf16_named);
	tcase_add_test(tc, test_defect_binary_guess_per_line);
	suite_add_tcase(s, tc);
	return s;
}
