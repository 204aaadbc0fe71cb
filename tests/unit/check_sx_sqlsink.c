/* Unit tests for common/sx_sqlsink.c: the sx-emit-sql stage driven directly
 * (record/tick/finish) with sx_stdout pointed at a file, so that each test
 * sees the exact SQL written: batch and transaction boundaries, COPY blocks,
 * --upsert collapse, unknown fields, and the delivery message when the
 * client stops reading. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "sx_err.h"
#include "sx_out.h"
#include "sx_run.h"
#include "sx_sqlsink.h"
#include "sx_stats.h"

/* ---- the harness: sink + stage as cmd/sx-emit-sql.c builds them ---- */

struct sk {
	struct sx_sqlsink *s;
	struct sx_rec rec;
	const char *why;
};

static struct sx_sqlsink_cfg cfg(const char *table)
{
	struct sx_sqlsink_cfg c;
	memset(&c, 0, sizeof c);
	c.table = table;
	c.dialect = SX_SQL_SQLITE;
	c.batch = 500;
	c.commit_every = 10000;
	return c;
}

/* The sink on C, writing to FD (made stdout) through sx_stdout. */
static void sk_open_fd(struct sk *h, const struct sx_sqlsink_cfg *c, int fd)
{
	ck_assert_int_eq(dup2(fd, 1), 1);
	close(fd);
	sx_out_init_stdout();
	memset(h, 0, sizeof *h);
	char err[256] = "";
	h->s = sx_sqlsink_new(c, err, sizeof err);
	ck_assert_msg(h->s != NULL, "init: %s", err);
	sx_sqlsink_start(h->s);
	sx_rec_init(&h->rec);
}

/* The sink on C, writing to tu_dir/out.sql. */
static void sk_open(struct sk *h, const struct sx_sqlsink_cfg *c)
{
	int fd = open(tu_path("out.sql"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	sk_open_fd(h, c, fd);
}

static void sk_close(struct sk *h)
{
	sx_sqlsink_free(h->s);
	sx_rec_free(&h->rec);
}

/* One input line through the stage: SX_OK or SX_REJECT (reason in h->why). */
static int sk_line(struct sk *h, const char *line)
{
	const char *why = NULL;
	ck_assert_int_eq(sx_rec_parse(&h->rec, line, strlen(line), &why), 0);
	h->why = NULL;
	int r = sx_sqlsink_stage.record(h->s, &h->rec, &h->why);
	if (r == SX_REJECT)
		ck_assert_ptr_nonnull(h->why);
	return r;
}

/* {"NAME":V} for V in FROM..TO, each accepted. */
static void sk_ints(struct sk *h, const char *name, int from, int to)
{
	char line[64];
	for (int v = from; v <= to; v++) {
		snprintf(line, sizeof line, "{\"%s\":%d}", name, v);
		ck_assert_int_eq(sk_line(h, line), SX_OK);
	}
}

/* Everything written so far (caller frees). */
static char *sk_out(void)
{
	ck_assert_int_eq(sx_out_flush(&sx_stdout), 0);
	return tu_slurp("out.sql");
}

#define assert_sql(want) do {                                           \
	char *got_ = sk_out();                                          \
	ck_assert_str_eq(got_, (want));                                 \
	free(got_);                                                     \
} while (0)

/* What every PostgreSQL script starts with. */
#define PG_PROLOGUE "SET client_encoding = 'UTF8';\n"

static void stats_setup(void)
{
	memset(&sx_stats, 0, sizeof sx_stats);
	sx_set_progname("sx-emit-sql");
}

/* ---- batches and transactions ---- */

START_TEST(batch_bounds_each_insert)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.batch = 2;
	sk_open(&h, &c);
	sk_ints(&h, "n", 1, 3);
	/* two rows made a full batch; the third waits */
	assert_sql("BEGIN;\nINSERT INTO \"t\" (\"n\") VALUES\n(1),\n(2);\n");
	sk_ints(&h, "n", 4, 5);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("BEGIN;\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(1),\n(2);\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(3),\n(4);\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(5);\n"
		   "COMMIT;\n");
	ck_assert_uint_eq(sx_stats.records_out, 5);
	sk_close(&h);
}
END_TEST

/* A batch never spans a commit: --commit-every 3 with --batch 2 writes
 * 2+1 rows per transaction. */
START_TEST(commit_every_ends_transactions)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.batch = 2;
	c.commit_every = 3;
	sk_open(&h, &c);
	sk_ints(&h, "n", 1, 3);
	assert_sql("BEGIN;\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(1),\n(2);\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(3);\n"
		   "COMMIT;\n");
	sk_ints(&h, "n", 4, 7);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("BEGIN;\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(1),\n(2);\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(3);\n"
		   "COMMIT;\n"
		   "BEGIN;\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(4),\n(5);\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(6);\n"
		   "COMMIT;\n"
		   "BEGIN;\n"
		   "INSERT INTO \"t\" (\"n\") VALUES\n(7);\n"
		   "COMMIT;\n");
	sk_close(&h);
}
END_TEST

/* Input went quiet: the partial batch is written and committed; a tick
 * with nothing pending writes nothing. */
START_TEST(tick_commits_a_partial_batch)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	sk_open(&h, &c);
	sx_sqlsink_stage.tick(h.s);
	assert_sql("");
	sk_ints(&h, "a", 1, 1);
	assert_sql("");
	sx_sqlsink_stage.tick(h.s);
	assert_sql("BEGIN;\nINSERT INTO \"t\" (\"a\") VALUES\n(1);\nCOMMIT;\n");
	sx_sqlsink_stage.tick(h.s);
	sk_ints(&h, "a", 2, 2);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("BEGIN;\nINSERT INTO \"t\" (\"a\") VALUES\n(1);\nCOMMIT;\n"
		   "BEGIN;\nINSERT INTO \"t\" (\"a\") VALUES\n(2);\nCOMMIT;\n");
	sk_close(&h);
}
END_TEST

/* A steady trickle never goes quiet: when the reader is about to wait and
 * the rows have waited SX_SQLSINK_IDLE_FLUSH_MS since the first wait that
 * saw them, they are written and committed.  The clock is read once per wait
 * with rows pending, never per row. */
static int64_t fake_now, fake_reads;
static int64_t fake_clock(void)
{
	fake_reads++;
	return fake_now;
}

START_TEST(waiting_rows_land_within_the_flush_interval)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	sk_open(&h, &c);
	sx_sqlsink_set_clock(h.s, fake_clock);
	fake_now = 1000000;
	fake_reads = 0;
	sx_sqlsink_before_block(h.s); /* nothing pending: no clock read */
	ck_assert_int_eq(fake_reads, 0);
	sk_ints(&h, "a", 1, 100);
	ck_assert_int_eq(fake_reads, 0);
	sx_sqlsink_before_block(h.s); /* starts the rows' clock */
	fake_now += (SX_SQLSINK_IDLE_FLUSH_MS - 1) * 1000;
	sk_ints(&h, "a", 101, 101);
	sx_sqlsink_before_block(h.s);
	assert_sql("");
	ck_assert_int_eq(fake_reads, 2);
	fake_now += 1000;
	sx_sqlsink_before_block(h.s);
	char *got = sk_out();
	ck_assert_int_eq(tu_count(got, "COMMIT;\n"), 1);
	ck_assert_ptr_nonnull(strstr(got, "(101);\nCOMMIT;\n"));
	free(got);
	/* committed: the next rows start a new clock at their first wait */
	sx_sqlsink_before_block(h.s);
	ck_assert_int_eq(fake_reads, 3);
	sk_ints(&h, "a", 102, 102);
	fake_now += 10 * 1000 * 1000;
	sx_sqlsink_before_block(h.s);
	got = sk_out();
	ck_assert_int_eq(tu_count(got, "COMMIT;\n"), 1);
	free(got);
	fake_now += SX_SQLSINK_IDLE_FLUSH_MS * 1000;
	sx_sqlsink_before_block(h.s);
	got = sk_out();
	ck_assert_int_eq(tu_count(got, "COMMIT;\n"), 2);
	free(got);
	/* a commit by the quiet tick restarts the clock too */
	sk_ints(&h, "a", 103, 103);
	sx_sqlsink_before_block(h.s);
	sx_sqlsink_stage.tick(h.s);
	fake_now += SX_SQLSINK_IDLE_FLUSH_MS * 1000;
	sk_ints(&h, "a", 104, 104);
	sx_sqlsink_before_block(h.s);
	got = sk_out();
	ck_assert_int_eq(tu_count(got, "COMMIT;\n"), 3);
	free(got);
	sk_close(&h);
}
END_TEST

/* finish at EOF: the last batch and its COMMIT; with no rows and --create,
 * the table is still made when --schema typed every column. */
START_TEST(finish_writes_the_rest)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_POSTGRES;
	c.create = 1;
	c.schema = "id:int,at:timestamp";
	c.key = "id";
	sk_open(&h, &c);
	sx_sqlsink_stage.finish(h.s);
	char *got = sk_out();
	ck_assert_ptr_nonnull(strstr(got, "CREATE TABLE IF NOT EXISTS \"t\" (\n  \"id\" bigint NOT NULL,\n"
					  "  \"at\" timestamptz,\n  PRIMARY KEY (\"id\")\n);\n"));
	ck_assert_ptr_null(strstr(got, "BEGIN"));
	free(got);
	sk_close(&h);
}
END_TEST

START_TEST(create_types_from_the_first_value)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.create = 1;
	c.batch = 2;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"i\":1,\"x\":null}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"i\":2.5,\"x\":null}"), SX_OK);
	/* integer, widened to float: a string does not fit "i" (a data error) */
	ck_assert_int_eq(sk_line(&h, "{\"i\":\"many\"}"), SX_REJECT);
	ck_assert_ptr_nonnull(strstr(h.why, "field \"i\""));
	ck_assert_ptr_nonnull(strstr(h.why, "column type float"));
	sx_sqlsink_stage.finish(h.s);
	/* x: only nulls when SQLite's table is made: no declared type; i was
	 * made by its first value (SQLite's INTEGER affinity keeps the REAL) */
	assert_sql("CREATE TABLE IF NOT EXISTS \"t\" (\n  \"i\" INTEGER,\n  \"x\"\n);\n"
		   "BEGIN;\nINSERT INTO \"t\" (\"i\",\"x\") VALUES\n(1,NULL),\n(2.5,NULL);\nCOMMIT;\n");
	sk_close(&h);
}
END_TEST

/* Issue 12, item 1: types and columns came from "the first non-null values
 * of the batch", so {"v":1},{"v":"n/a"} made a text column in one batch and
 * an integer column plus a data error in two, and {"a":1},{"a":2,"b":3}
 * made column b in one batch and was refused in two.  Now the same records
 * give the same verdicts and the same DDL (CREATE, ADD, widening) however
 * they are cut: --batch 1, 2, 3, 500, and a quiet tick after every record.
 * (A loop test: _i is the dialect.) */
static char *ddl_only(const char *sql)
{
	char *out = calloc(strlen(sql) + 1, 1);
	ck_assert_ptr_nonnull(out);
	size_t n = 0;
	int keep = 0;
	for (const char *p = sql; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		/* statements start at a line's beginning: DDL, or a row/INSERT/COPY */
		if (!strncmp(p, "CREATE", 6) || !strncmp(p, "ALTER", 5) || !strncmp(p, "IF ", 3) ||
		    !strncmp(p, "DO ", 3))
			keep = 1;
		else if (!strncmp(p, "INSERT", 6) || !strncmp(p, "BEGIN", 5) || !strncmp(p, "COMMIT", 6) ||
			 !strncmp(p, "GO", 2) || p[0] == '(' || !strncmp(p, "SET ", 4))
			keep = 0;
		if (keep) {
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	return out;
}

START_TEST(test_defect_batch_dependent_types)
{
	static const char *const lines[] = {
		"{\"v\":1,\"a\":1,\"z\":null}",
		"{\"v\":\"n/a\",\"a\":2,\"b\":3}",
		"{\"v\":2.5,\"n\":null,\"a\":3,\"z\":1.5}",
		"{\"v\":7,\"ts\":\"2026-01-01T00:00:00Z\",\"a\":4}",
		"{\"ts\":\"soon\",\"n\":\"text\",\"a\":5}",
		"{\"n\":1,\"b\":4.5,\"a\":6}",
		"{\"big\":1e400,\"a\":7}",
		"{\"c\":true,\"a\":8}",
	};
	static const enum sx_sql_dialect dialects[] = { SX_SQL_SQLITE, SX_SQL_POSTGRES, SX_SQL_TSQL };
	static const struct { long batch; int tick; } cuts[] = { { 500, 0 }, { 1, 0 }, { 2, 0 }, { 3, 0 }, { 500, 1 } };
	const size_t nlines = sizeof lines / sizeof *lines;
	char want_verdicts[16] = "", *want_ddl = NULL;
	for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
		struct sk h;
		struct sx_sqlsink_cfg c = cfg("t");
		c.dialect = dialects[_i];
		c.create = 1;
		c.batch = cuts[k].batch;
		sk_open(&h, &c);
		char verdicts[16] = "";
		for (size_t i = 0; i < nlines; i++) {
			verdicts[i] = sk_line(&h, lines[i]) == SX_OK ? 'y' : 'n';
			if (cuts[k].tick)
				sx_sqlsink_stage.tick(h.s);
		}
		sx_sqlsink_stage.finish(h.s);
		char *got = sk_out();
		char *ddl = ddl_only(got);
		if (k == 0) {
			memcpy(want_verdicts, verdicts, sizeof verdicts);
			want_ddl = ddl;
			/* "n/a", "soon" and 1e400 do not convert: data errors */
			ck_assert_str_eq(verdicts, "ynyynyny");
			ck_assert_ptr_nonnull(strstr(ddl, "\"b\"") ? strstr(ddl, "\"b\"") : strstr(ddl, "[b]"));
		} else {
			ck_assert_msg(!strcmp(verdicts, want_verdicts), "cut %zu: verdicts %s, not %s",
				      k, verdicts, want_verdicts);
			ck_assert_msg(!strcmp(ddl, want_ddl), "cut %zu: DDL\n%s\nnot\n%s", k, ddl, want_ddl);
			free(ddl);
		}
		free(got);
		sk_close(&h);
		ck_assert_int_eq(sx_out_close(&sx_stdout), 0); /* the next run makes it again */
	}
	free(want_ddl);
}
END_TEST

/* A column made by --create that is only null so far is left out of CREATE
 * TABLE and of the INSERTs until its first value, then added (guarded) with
 * the type that value decides: the same table whatever the batch timing. */
START_TEST(null_first_column_added_at_its_first_value)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_POSTGRES;
	c.create = 1;
	c.batch = 1;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"a\":1,\"n\":null}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":2}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":3,\"n\":2.5}"), SX_OK);
	/* now a float column: an integer converts, a string does not */
	ck_assert_int_eq(sk_line(&h, "{\"a\":4,\"n\":7}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":5,\"n\":\"x\"}"), SX_REJECT);
	ck_assert_str_eq(h.why, "field \"n\": value is not a float (column type float, from its first "
			 "value; only integer widens, to float)");
	sx_sqlsink_stage.finish(h.s);
	assert_sql(PG_PROLOGUE
		   "CREATE TABLE IF NOT EXISTS \"t\" (\n  \"a\" bigint\n);\n"
		   "BEGIN;\nINSERT INTO \"t\" (\"a\") VALUES\n(1);\n"
		   "INSERT INTO \"t\" (\"a\") VALUES\n(2);\n"
		   "ALTER TABLE \"t\" ADD COLUMN IF NOT EXISTS \"n\" double precision;\n"
		   "INSERT INTO \"t\" (\"a\",\"n\") VALUES\n(3,2.5);\n"
		   "INSERT INTO \"t\" (\"a\",\"n\") VALUES\n(4,7);\nCOMMIT;\n");
	sk_close(&h);
}
END_TEST

/* No column in the table yet (every field so far null): the rows are still
 * written, as INSERT ... DEFAULT VALUES, and counted. */
START_TEST(rows_of_nulls_only)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_POSTGRES;
	c.create = 1;
	c.batch = 2;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"a\":null}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":1}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	assert_sql(PG_PROLOGUE "CREATE TABLE IF NOT EXISTS \"t\" (\n);\nBEGIN;\n"
		   "INSERT INTO \"t\" DEFAULT VALUES;\nINSERT INTO \"t\" DEFAULT VALUES;\n"
		   "ALTER TABLE \"t\" ADD COLUMN IF NOT EXISTS \"a\" bigint;\n"
		   "INSERT INTO \"t\" (\"a\") VALUES\n(1);\nCOMMIT;\n");
	ck_assert_uint_eq(sx_stats.records_out, 3);
	sk_close(&h);
}
END_TEST

/* T-SQL: the same, under the COL_LENGTH guard (and GO, so the next INSERT
 * compiles against the new column); a column that never has a value is
 * never added. */
START_TEST(null_first_column_tsql)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_TSQL;
	c.create = 1;
	c.batch = 1;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"a\":1,\"n\":null,\"never\":null}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":2,\"n\":\"x\",\"never\":null}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("SET NOCOUNT ON;\nSET XACT_ABORT ON;\nGO\n"
		   "IF OBJECT_ID(N'[t]', N'U') IS NULL\nCREATE TABLE [t] (\n  [a] BIGINT\n);\nGO\n"
		   "BEGIN TRANSACTION;\nINSERT INTO [t] ([a]) VALUES\n(1);\n"
		   "IF COL_LENGTH(N'[t]', N'n') IS NULL ALTER TABLE [t] ADD [n] NVARCHAR(MAX) NULL;\nGO\n"
		   "INSERT INTO [t] ([a],[n]) VALUES\n(2,N'x');\nCOMMIT TRANSACTION;\nGO\n");
	sk_close(&h);
}
END_TEST

/* An integer column we made widens to float at its first float: guarded
 * ALTER on PostgreSQL and T-SQL (once, before the batch that needs it),
 * nothing on SQLite, whose INTEGER affinity stores the REAL.  (A loop test:
 * _i is the dialect's case.) */
START_TEST(integer_column_widens_to_float)
{
	static const struct {
		enum sx_sql_dialect d;
		const char *ddl;
	} cases[] = {
		{ SX_SQL_SQLITE, "" },
		{ SX_SQL_POSTGRES, "DO $sx$BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
		  "to_regclass('\"s\".\"t\"') AND attname = 'v' AND NOT attisdropped AND atttypid IN "
		  "('bigint'::regtype, 'integer'::regtype, 'smallint'::regtype)) THEN ALTER TABLE "
		  "\"s\".\"t\" ALTER COLUMN \"v\" TYPE double precision; END IF; END$sx$;\n" },
		{ SX_SQL_TSQL, "IF EXISTS (SELECT 1 FROM sys.columns WHERE object_id = OBJECT_ID(N'[s].[t]') "
		  "AND name = N'v' AND TYPE_NAME(system_type_id) IN (N'bigint', N'int', N'smallint', "
		  "N'tinyint')) ALTER TABLE [s].[t] ALTER COLUMN [v] FLOAT NULL;\nGO\n" },
	};
	{
		size_t i = (size_t)_i;
		struct sk h;
		struct sx_sqlsink_cfg c = cfg("s.t");
		c.dialect = cases[i].d;
		c.create = 1;
		c.batch = 3;
		c.key = "id";
		sk_open(&h, &c);
		ck_assert_int_eq(sk_line(&h, "{\"id\":1,\"v\":1}"), SX_OK);
		sx_sqlsink_stage.tick(h.s);
		char *before = sk_out();
		ck_assert_int_eq(sk_line(&h, "{\"id\":2,\"v\":2}"), SX_OK);
		ck_assert_int_eq(sk_line(&h, "{\"id\":3,\"v\":2.5}"), SX_OK);
		ck_assert_int_eq(sk_line(&h, "{\"id\":4,\"v\":1e3}"), SX_OK);
		/* a key never widens */
		ck_assert_int_eq(sk_line(&h, "{\"id\":5.5,\"v\":1}"), SX_REJECT);
		ck_assert_str_eq(h.why, "field \"id\": value is not an integer (key column type integer, "
				 "a key column's type does not change)");
		/* after the widening: no second ALTER */
		ck_assert_int_eq(sk_line(&h, "{\"id\":6,\"v\":0.5}"), SX_OK);
		sx_sqlsink_stage.finish(h.s);
		char *got = sk_out();
		const char *rest = got + strlen(before);
		const char *begin = cases[i].d == SX_SQL_TSQL ? "BEGIN TRANSACTION;\n" : "BEGIN;\n";
		ck_assert_msg(!strncmp(rest, begin, strlen(begin)), "%s", rest);
		rest += strlen(begin);
		ck_assert_msg(!strncmp(rest, cases[i].ddl, strlen(cases[i].ddl)), "%s", rest);
		rest += strlen(cases[i].ddl);
		ck_assert_msg(!strncmp(rest, "INSERT INTO", 11), "%s", rest);
		ck_assert_int_eq(tu_count(got, "ALTER TABLE"), (cases[i].d == SX_SQL_SQLITE ? 0 : 1));
		ck_assert_ptr_nonnull(strstr(got, cases[i].d == SX_SQL_TSQL ? "(2,2E0),\n(3,2.5E0),\n(4,1e3);"
								: "(2,2),\n(3,2.5),\n(4,1e3);"));
		free(before);
		free(got);
		sk_close(&h);
	}
}
END_TEST

/* Other mixes in a column we made are data errors (the column keeps its
 * type); --schema columns never widen, not even integer to float. */
START_TEST(other_mixes_are_data_errors)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.create = 1;
	c.batch = 1;
	c.schema = "f:int";
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"f\":1,\"i\":1,\"b\":true,\"ts\":\"2026-01-01T00:00:00Z\"}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"i\":\"abc\"}"), SX_REJECT);
	ck_assert_str_eq(h.why, "field \"i\": value is not an integer (column type integer, from its "
			 "first value; only integer widens, to float)");
	ck_assert_int_eq(sk_line(&h, "{\"i\":\"2.5\"}"), SX_REJECT);
	ck_assert_int_eq(sk_line(&h, "{\"b\":2}"), SX_REJECT);
	ck_assert_int_eq(sk_line(&h, "{\"ts\":\"soon\"}"), SX_REJECT);
	ck_assert_int_eq(sk_line(&h, "{\"f\":1.5}"), SX_REJECT);
	ck_assert_str_eq(h.why, "field \"f\": value is not an integer (column type integer, from --schema)");
	/* what converts still does: "7" is an integer, 0 a boolean */
	ck_assert_int_eq(sk_line(&h, "{\"i\":\"7\",\"b\":0}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	char *got = sk_out();
	ck_assert_ptr_nonnull(strstr(got, "(NULL,7,0,NULL);"));
	free(got);
	sk_close(&h);
}
END_TEST

/* --copy --upsert: a widened or added column remakes the stage table, whose
 * columns follow the table's. */
START_TEST(copy_upsert_stage_follows_the_table)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_POSTGRES;
	c.copy = 1;
	c.upsert = 1;
	c.create = 1;
	c.key = "id";
	c.batch = 1;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"id\":1,\"v\":1,\"n\":null}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"id\":2,\"v\":1.5,\"n\":\"x\"}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	char *got = sk_out();
	const char *widen = strstr(got, "DO $sx$");
	const char *add = strstr(got, "ADD COLUMN IF NOT EXISTS \"n\" text;\n");
	const char *drop = strstr(got, "DROP TABLE pg_temp.\"sx_emit_sql_stage\";\n");
	ck_assert_ptr_nonnull(widen);
	ck_assert_ptr_nonnull(add);
	ck_assert_ptr_nonnull(drop);
	ck_assert(drop < widen && widen < add);
	ck_assert_int_eq(tu_count(got, "DROP TABLE"), 1);
	ck_assert_int_eq(tu_count(got, "CREATE TEMPORARY TABLE"), 2);
	ck_assert_ptr_nonnull(strstr(add, "\"n\") FROM STDIN;\n2\t1.5\tx\n\\.\n"));
	free(got);
	sk_close(&h);
}
END_TEST

/* An existing table (no --create): values are written as they are, but
 * T-SQL types each VALUES column by precedence over all its rows, so
 * (N'abc'),(3) fails: one batch writes a column's values as one kind (the
 * widest of that batch's). */
START_TEST(tsql_values_one_kind_per_column)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_TSQL;
	c.batch = 2;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"a\":1,\"b\":1}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":2,\"b\":2}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":3,\"b\":2.5}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":\"abc\",\"b\":4}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":5,\"b\":true}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("SET NOCOUNT ON;\nSET XACT_ABORT ON;\nGO\n"
		   "BEGIN TRANSACTION;\nINSERT INTO [t] ([a],[b]) VALUES\n(1,1),\n(2,2);\n"
		   "INSERT INTO [t] ([a],[b]) VALUES\n(N'3',2.5E0),\n(N'abc',4E0);\n"
		   "INSERT INTO [t] ([a],[b]) VALUES\n(5,1);\n"
		   "COMMIT TRANSACTION;\nGO\n");
	sk_close(&h);
}
END_TEST

/* ---- --upsert ---- */

/* Duplicate keys within a batch collapse to the last row; across batches
 * each batch keeps its own last row (the database applies them in order). */
START_TEST(upsert_collapses_duplicates_last_wins)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.key = "id,k";
	c.upsert = 1;
	c.batch = 4;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"id\":1,\"k\":\"a\",\"v\":\"first\"}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"id\":1,\"k\":\"b\",\"v\":\"other key\"}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"k\":\"a\",\"id\":1,\"v\":\"second\"}"), SX_OK);
	/* "1a" vs "1","a": the key's parts do not run together */
	ck_assert_int_eq(sk_line(&h, "{\"id\":1,\"k\":\"a\",\"v\":\"last\"}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"id\":1,\"k\":\"a\",\"v\":\"next batch\"}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("BEGIN;\n"
		   "INSERT INTO \"t\" (\"id\",\"k\",\"v\") VALUES\n"
		   "(1,'b','other key'),\n"
		   "(1,'a','last')\n"
		   "ON CONFLICT (\"id\",\"k\") DO UPDATE SET \"v\"=excluded.\"v\";\n"
		   "INSERT INTO \"t\" (\"id\",\"k\",\"v\") VALUES\n"
		   "(1,'a','next batch')\n"
		   "ON CONFLICT (\"id\",\"k\") DO UPDATE SET \"v\"=excluded.\"v\";\n"
		   "COMMIT;\n");
	ck_assert_uint_eq(sx_stats.records_out, 3);
	sk_close(&h);
}
END_TEST

/* Keys compare as rendered in the column's type: the same instant written
 * two ways is one key. */
START_TEST(upsert_keys_compare_as_sql_values)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.key = "w";
	c.upsert = 1;
	c.create = 1;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"w\":\"2026-01-01T00:00:00Z\",\"n\":1}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"w\":\"2026-01-01T01:00:00+01:00\",\"n\":2}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"w\":\"2026-01-01T00:00:01Z\",\"n\":3}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	char *got = sk_out();
	ck_assert_ptr_nonnull(strstr(got, "VALUES\n('2026-01-01T00:00:00.000Z',2),\n"
					  "('2026-01-01T00:00:01.000Z',3)\nON CONFLICT"));
	free(got);
	sk_close(&h);
}
END_TEST

START_TEST(missing_or_null_key_is_rejected)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.key = "id";
	c.upsert = 1;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"v\":2}"), SX_REJECT);
	ck_assert_str_eq(h.why, "key field \"id\" is missing");
	ck_assert_int_eq(sk_line(&h, "{\"id\":null,\"v\":3}"), SX_REJECT);
	ck_assert_str_eq(h.why, "key field \"id\" is null");
	sx_sqlsink_stage.finish(h.s);
	assert_sql("");
	ck_assert_uint_eq(sx_stats.records_out, 0);
	sk_close(&h);
}
END_TEST

/* ---- columns: unknown fields, --evolve, --columns ---- */

/* Without --create or --evolve the table exists already: every field names
 * a column from its first appearance, whichever batch it comes in (the rows
 * before it are written first, so every row names the same columns however
 * the input is cut), and the database says whether the table has it. */
START_TEST(fields_name_columns_of_an_existing_table)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.batch = 2;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"a\":1}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":2,\"b\":\"x\"}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":3,\"c\":null}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":4}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("BEGIN;\nINSERT INTO \"t\" (\"a\") VALUES\n(1);\n"
		   "INSERT INTO \"t\" (\"a\",\"b\") VALUES\n(2,'x');\n"
		   "INSERT INTO \"t\" (\"a\",\"b\",\"c\") VALUES\n(3,NULL,NULL),\n(4,NULL,NULL);\nCOMMIT;\n");
	sk_close(&h);
}
END_TEST

START_TEST(evolve_alters_the_table)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.batch = 1;
	c.create = 1;
	c.evolve = 1;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"id\":1}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"id\":2,\"note\":\"new\"}"), SX_OK);
	/* "NOTE" is "note" to SQLite: refused, not a second column */
	ck_assert_int_eq(sk_line(&h, "{\"id\":3,\"NOTE\":\"x\"}"), SX_REJECT);
	ck_assert_ptr_nonnull(strstr(h.why, "which ignores case"));
	sx_sqlsink_stage.finish(h.s);
	assert_sql("CREATE TABLE IF NOT EXISTS \"t\" (\n  \"id\" INTEGER\n);\n"
		   "BEGIN;\nINSERT INTO \"t\" (\"id\") VALUES\n(1);\n"
		   "ALTER TABLE \"t\" ADD COLUMN \"note\" TEXT;\n"
		   "INSERT INTO \"t\" (\"id\",\"note\") VALUES\n(2,'new');\nCOMMIT;\n");
	sk_close(&h);
}
END_TEST

/* --evolve on PostgreSQL and T-SQL makes sure the first record's columns
 * exist too (a rerun may bring a field the table lacks): guarded ADD after
 * CREATE; without --create, a null-only column waits for its first value;
 * a key column is never added. */
START_TEST(evolve_adds_the_first_record_columns)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_TSQL;
	c.evolve = 1;
	c.key = "id";
	c.batch = 1;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"id\":1,\"a\":\"x\",\"n\":null}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"id\":2,\"n\":2.5}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("SET NOCOUNT ON;\nSET XACT_ABORT ON;\nGO\nBEGIN TRANSACTION;\n"
		   "IF COL_LENGTH(N'[t]', N'a') IS NULL ALTER TABLE [t] ADD [a] NVARCHAR(MAX) NULL;\nGO\n"
		   "INSERT INTO [t] ([id],[a]) VALUES\n(1,N'x');\n"
		   "IF COL_LENGTH(N'[t]', N'n') IS NULL ALTER TABLE [t] ADD [n] FLOAT NULL;\nGO\n"
		   "INSERT INTO [t] ([id],[a],[n]) VALUES\n(2,NULL,2.5E0);\n"
		   "COMMIT TRANSACTION;\nGO\n");
	sk_close(&h);
}
END_TEST

START_TEST(columns_ignore_other_fields)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.columns = "b,a";
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"a\":1,\"zzz\":true,\"b\":\"x\"}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("BEGIN;\nINSERT INTO \"t\" (\"b\",\"a\") VALUES\n('x',1);\nCOMMIT;\n");
	sk_close(&h);
}
END_TEST

/* The option lists' errors, as sx-emit-sql reports them (usage, exit 2). */
START_TEST(init_rejects_bad_lists)
{
	static const struct {
		const char *columns, *schema, *key, *want;
	} cases[] = {
		{ "a,,b", NULL, NULL, "--columns: empty name in 'a,,b'" },
		{ "a,", NULL, NULL, "--columns: empty name in 'a,'" },
		{ "a,a", NULL, NULL, "--columns: 'a' is named twice" },
		{ "a", "b:int", NULL, "--schema: 'b' is not one of --columns" },
		{ NULL, "a:int,a:text", NULL, "--schema: 'a' is named twice" },
		{ NULL, "a:bogus", NULL, "--schema: expected COLUMN:TYPE with TYPE int, float, bool, "
					 "timestamp, text or json; not 'a:bogus'" },
		{ NULL, ":int", NULL, "--schema: expected COLUMN:TYPE with TYPE int, float, bool, "
				      "timestamp, text or json; not ':int'" },
		{ "a", NULL, "b", "--key: 'b' is not one of --columns" },
		{ NULL, NULL, "k,k", "--key: 'k' is named twice" },
		{ NULL, NULL, ",", "--key: empty name in ','" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct sx_sqlsink_cfg c = cfg("t");
		c.columns = cases[i].columns;
		c.schema = cases[i].schema;
		c.key = cases[i].key;
		char err[256] = "";
		ck_assert_ptr_null(sx_sqlsink_new(&c, err, sizeof err));
		ck_assert_str_eq(err, cases[i].want);
	}
	/* a --schema column may be one of --columns, and a --key one too: still
	 * two columns */
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.columns = "a,b";
	c.schema = "a:int";
	c.key = "b";
	c.create = 1;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"b\":\"x\",\"a\":1,\"z\":2}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	assert_sql("CREATE TABLE IF NOT EXISTS \"t\" (\n  \"a\" INTEGER,\n  \"b\" TEXT NOT NULL,\n"
		   "  PRIMARY KEY (\"b\")\n);\n"
		   "BEGIN;\nINSERT INTO \"t\" (\"a\",\"b\") VALUES\n(1,'x');\nCOMMIT;\n");
	sk_close(&h);
}
END_TEST

/* ---- --copy ---- */

/* Plain --copy: one COPY block per transaction, ended before its COMMIT. */
START_TEST(copy_blocks_end_at_commits)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_POSTGRES;
	c.copy = 1;
	c.batch = 2;
	c.commit_every = 3;
	sk_open(&h, &c);
	sk_ints(&h, "a", 1, 4);
	assert_sql(PG_PROLOGUE "BEGIN;\nCOPY \"t\" (\"a\") FROM STDIN;\n1\n2\n3\n\\.\nCOMMIT;\n");
	sx_sqlsink_stage.tick(h.s);
	sk_ints(&h, "a", 5, 5);
	sx_sqlsink_stage.finish(h.s);
	assert_sql(PG_PROLOGUE "BEGIN;\nCOPY \"t\" (\"a\") FROM STDIN;\n1\n2\n3\n\\.\nCOMMIT;\n"
		   "BEGIN;\nCOPY \"t\" (\"a\") FROM STDIN;\n4\n\\.\nCOMMIT;\n"
		   "BEGIN;\nCOPY \"t\" (\"a\") FROM STDIN;\n5\n\\.\nCOMMIT;\n");
	sk_close(&h);
}
END_TEST

/* --copy --evolve: a new column ends the COPY; the next one names it. */
START_TEST(copy_block_ends_for_a_new_column)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_POSTGRES;
	c.copy = 1;
	c.evolve = 1;
	c.batch = 1;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"a\":1}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"a\":2,\"b\":\"x\\ty\"}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	assert_sql(PG_PROLOGUE "BEGIN;\nALTER TABLE \"t\" ADD COLUMN IF NOT EXISTS \"a\" bigint;\n"
		   "COPY \"t\" (\"a\") FROM STDIN;\n1\n\\.\n"
		   "ALTER TABLE \"t\" ADD COLUMN IF NOT EXISTS \"b\" text;\n"
		   "COPY \"t\" (\"a\",\"b\") FROM STDIN;\n2\tx\\ty\n\\.\nCOMMIT;\n");
	sk_close(&h);
}
END_TEST

/* --copy --upsert: per batch, COPY into the stage table and merge. */
START_TEST(copy_upsert_merges_each_batch)
{
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_POSTGRES;
	c.copy = 1;
	c.upsert = 1;
	c.key = "id";
	c.batch = 3;
	sk_open(&h, &c);
	ck_assert_int_eq(sk_line(&h, "{\"id\":1,\"v\":\"a\"}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"id\":2,\"v\":\"b\"}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"id\":1,\"v\":\"c\"}"), SX_OK);
	ck_assert_int_eq(sk_line(&h, "{\"id\":3,\"v\":\"d\"}"), SX_OK);
	sx_sqlsink_stage.finish(h.s);
	char *got = sk_out();
	ck_assert_int_eq(tu_count(got, "CREATE TEMPORARY TABLE"), 1);
	ck_assert_int_eq(tu_count(got, "CREATE TEMPORARY TABLE pg_temp.\"sx_emit_sql_stage\" ON COMMIT DROP "
				  "AS SELECT \"id\",\"v\" FROM \"t\" WITH NO DATA;\n"), 1);
	ck_assert_int_eq(tu_count(got, "COPY pg_temp.\"sx_emit_sql_stage\" (\"id\",\"v\") FROM STDIN;\n"), 2);
	ck_assert_int_eq(tu_count(got, "\\.\n"), 2);
	ck_assert_int_eq(tu_count(got, "TRUNCATE"), 2);
	ck_assert_ptr_nonnull(strstr(got, "FROM STDIN;\n2\tb\n1\tc\n\\.\n"));
	ck_assert_ptr_nonnull(strstr(got, "FROM STDIN;\n3\td\n\\.\n"));
	ck_assert_int_eq(tu_count(got, "COMMIT;\n"), 1);
	free(got);
	sk_close(&h);
}
END_TEST

/* ---- failures ---- */

/* A run that exits on an error rolls back the open transaction (ending
 * an open COPY first, which psql would otherwise take as data). */
static int exit_with_open_copy(void *arg)
{
	(void)arg;
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.dialect = SX_SQL_POSTGRES;
	c.copy = 1;
	c.batch = 1;
	sk_open(&h, &c);
	sk_ints(&h, "a", 1, 1);
	sx_exit(SX_EXIT_FAIL);
}

START_TEST(error_exit_rolls_back)
{
	ck_assert_int_eq(tu_run_child(exit_with_open_copy, NULL, NULL, "err.txt"), 1);
	tu_assert_file_eq("out.sql", PG_PROLOGUE "BEGIN;\nCOPY \"t\" (\"a\") FROM STDIN;\n1\n\\.\nROLLBACK;\n");
}
END_TEST

/* stdout is a pipe; two rows are committed and delivered, then the reader
 * goes away; a third row's commit then fails (EPIPE).  ARG: 1 to end
 * with finish (all input read), 0 with a tick while reading in.ndjson. */
static int client_stops_reading(void *arg)
{
	int at_eof = *(int *)arg;
	int fds[2];
	if (pipe(fds) < 0)
		return 99;
	fcntl(fds[1], F_SETFL, O_NONBLOCK); /* never block the test on a full pipe */
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	c.commit_every = 2;
	sk_open_fd(&h, &c, fds[1]);
	sx_run_pos.file = "in.ndjson";
	sx_run_pos.line = 2;
	sk_ints(&h, "n", 1, 2);
	sx_out_flush(&sx_stdout);   /* as sx_run does before waiting: the pipe holds the COMMIT */
	close(fds[0]);
	sx_run_pos.line = 3;
	sk_ints(&h, "n", 3, 3);
	if (at_eof) {
		sx_sqlsink_stage.finish(h.s);
		sx_out_flush(&sx_stdout);
	} else {
		sx_sqlsink_stage.tick(h.s);
	}
	return 97; /* not reached: the failed write exits 1 */
}

START_TEST(client_stopped_message_counts_rows)
{
	int at_eof = 0;
	ck_assert_int_eq(tu_run_child(client_stops_reading, &at_eof, NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt", "sx-emit-sql: write error on stdout: Broken pipe: 1 row read not "
			  "committed (their COMMIT was never sent); at most 2 rows committed before (sent "
			  "with their COMMIT; the client may have stopped before running them); input "
			  "after in.ndjson:3 not read\n");
	at_eof = 1;
	ck_assert_int_eq(tu_run_child(client_stops_reading, &at_eof, NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt", "sx-emit-sql: write error on stdout: Broken pipe: 1 row read not "
			  "committed (their COMMIT was never sent); at most 2 rows committed before (sent "
			  "with their COMMIT; the client may have stopped before running them); all "
			  "input was read\n");
}
END_TEST

/* Nothing committed yet when the client goes: no COMMIT was sent. */
static int client_gone_at_once(void *arg)
{
	(void)arg;
	int fds[2];
	if (pipe(fds) < 0)
		return 99;
	close(fds[0]);
	struct sk h;
	struct sx_sqlsink_cfg c = cfg("t");
	sk_open_fd(&h, &c, fds[1]);
	sk_ints(&h, "n", 1, 3);
	sx_sqlsink_stage.finish(h.s);
	sx_out_flush(&sx_stdout);
	return 97;
}

START_TEST(client_gone_before_any_commit)
{
	ck_assert_int_eq(tu_run_child(client_gone_at_once, NULL, NULL, "err.txt"), 1);
	tu_assert_file_eq("err.txt", "sx-emit-sql: write error on stdout: Broken pipe: 3 rows read not "
			  "committed (their COMMIT was never sent); no COMMIT was sent before; all input "
			  "was read\n");
}
END_TEST

Suite *sx_sqlsink_suite(void)
{
	Suite *s = suite_create("sx_sqlsink");
	TCase *tc = tcase_create("stage");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_checked_fixture(tc, stats_setup, NULL);
	tcase_add_test(tc, batch_bounds_each_insert);
	tcase_add_test(tc, commit_every_ends_transactions);
	tcase_add_test(tc, tick_commits_a_partial_batch);
	tcase_add_test(tc, waiting_rows_land_within_the_flush_interval);
	tcase_add_test(tc, finish_writes_the_rest);
	tcase_add_test(tc, create_types_from_the_first_value);
	tcase_add_loop_test(tc, test_defect_batch_dependent_types, 0, 3);
	tcase_add_test(tc, null_first_column_added_at_its_first_value);
	tcase_add_test(tc, null_first_column_tsql);
	tcase_add_test(tc, rows_of_nulls_only);
	tcase_add_loop_test(tc, integer_column_widens_to_float, 0, 3);
	tcase_add_test(tc, other_mixes_are_data_errors);
	tcase_add_test(tc, copy_upsert_stage_follows_the_table);
	tcase_add_test(tc, tsql_values_one_kind_per_column);
	tcase_add_test(tc, upsert_collapses_duplicates_last_wins);
	tcase_add_test(tc, upsert_keys_compare_as_sql_values);
	tcase_add_test(tc, missing_or_null_key_is_rejected);
	tcase_add_test(tc, fields_name_columns_of_an_existing_table);
	tcase_add_test(tc, evolve_alters_the_table);
	tcase_add_test(tc, evolve_adds_the_first_record_columns);
	tcase_add_test(tc, columns_ignore_other_fields);
	tcase_add_test(tc, init_rejects_bad_lists);
	tcase_add_test(tc, copy_blocks_end_at_commits);
	tcase_add_test(tc, copy_block_ends_for_a_new_column);
	tcase_add_test(tc, copy_upsert_merges_each_batch);
	tcase_add_test(tc, error_exit_rolls_back);
	tcase_add_test(tc, client_stopped_message_counts_rows);
	tcase_add_test(tc, client_gone_before_any_commit);
	suite_add_tcase(s, tc);
	return s;
}
