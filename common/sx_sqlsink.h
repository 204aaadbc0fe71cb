/*
 * sx_sqlsink.h - sx-emit-sql's engine: the sx_run stage that turns NDJSON
 * records into SQL text on stdout for a database's own client (sqlite3,
 * psql, sqlcmd).  SQL syntax itself lives in sx_sql.h.
 *
 * Records are kept (raw bytes plus where each value lies) until their batch
 * is written, because --upsert collapses duplicate keys within a batch (the
 * last row wins).  Everything else is decided record by record, so the
 * outcome depends on the record sequence only, never on where batches are
 * cut (which in a live pipeline is a matter of timing): a column's type is
 * decided by its first non-null value (an integer column we made widens to
 * float, by ALTER before the batch that needs it); every field names a
 * column (unless --columns fixed the list); the CREATE TABLE of --create
 * holds what the first record decides, and a column the sink makes
 * (--create, --evolve) enters the table with its first value (ADD COLUMN),
 * one of an existing table with its first appearance; a record that brings
 * a column into the column list first writes the rows before it, so every
 * row names exactly the columns known when it came.
 *
 * A batch is written when it holds `batch` rows or would complete a
 * transaction of `commit_every` rows; a transaction is committed every
 * `commit_every` rows, when input goes quiet (tick), when the reader is
 * about to wait for input and the oldest uncommitted row has waited
 * SX_SQLSINK_IDLE_FLUSH_MS (sx_sqlsink_before_block: a steady trickle never
 * goes quiet), and at the end (finish).
 * With --copy one COPY block streams a whole transaction's rows (with
 * --upsert, one COPY into a staging table and a merge per batch).  A field
 * name the dialect cannot hold is a data error (SX_REJECT with a reason); so
 * is a value that does not convert to its column's type (strict columns),
 * and a number beyond the range of a double.
 *
 * Delivery accounting: every COMMIT's end offset in stdout is remembered, so
 * when the client stops reading (EPIPE) or a write fails, the message says
 * how many rows were sent with a COMMIT, how many were read but never
 * committed, and where input stopped being read.  sx_out's fail callback has
 * no argument, so sx_sqlsink_start() records the sink in a file-scope pointer
 * (one sink per process owns stdout) where the callback finds it.
 *
 * Ownership: the sink borrows the configuration's strings (table name and
 * the option lists) for its whole life; it owns its columns, the kept
 * batch (a copy of each record's line) and all its buffers, freed by
 * sx_sqlsink_free().  Records passed to the stage are borrowed per call.
 */
#ifndef SX_SQLSINK_H
#define SX_SQLSINK_H

#include <stddef.h>
#include <stdint.h>
#include "sx_run.h"
#include "sx_sql.h"

/* How long input must be quiet, or the oldest uncommitted row must have
 * waited, before a partial batch is written and committed. */
#define SX_SQLSINK_IDLE_FLUSH_MS 200

struct sx_sqlsink_cfg {
	const char *table;          /* required; already checked with sx_sql_table_check */
	enum sx_sql_dialect dialect;
	long batch;                 /* rows per INSERT (or per merge with --copy --upsert) */
	long commit_every;          /* rows per transaction */
	int copy, create, evolve, upsert;
	const char *schema;         /* "COL:TYPE,..." or NULL */
	const char *columns;        /* "A,B,C" or NULL: the only columns loaded */
	const char *key;            /* "A,B" or NULL */
};

struct sx_sqlsink;

/* record / tick / finish, for sx_run_blocking with SX_SQLSINK_IDLE_FLUSH_MS
 * and sx_sqlsink_before_block. */
extern const struct sx_stage sx_sqlsink_stage;

/* The reader is about to wait for input.  The first such wait with rows
 * uncommitted starts their clock (the rows arrived just before it: the
 * reader waits as soon as it has consumed what was ready); a wait at least
 * SX_SQLSINK_IDLE_FLUSH_MS later writes and commits them.  One clock read
 * per wait with rows pending, none per row.  So a row lands within about
 * the flush interval plus one gap between records (or the quiet tick, when
 * the gaps are longer). */
void sx_sqlsink_before_block(void *st);

/* A sink with the columns of --columns, --schema and --key set up, or NULL
 * with the usage error (without the program name) in ERR.  The option
 * combinations (--upsert needs --key, --copy needs postgres...) are the
 * caller's to check. */
struct sx_sqlsink *sx_sqlsink_new(const struct sx_sqlsink_cfg *c, char *err, size_t errsz);
/* Take over sx_stdout (already initialised): ignore SIGPIPE and report a
 * failed write with the delivery accounting (exit 1), roll back the open
 * transaction when the process exits on an error, and write the dialect's
 * prologue. */
void sx_sqlsink_start(struct sx_sqlsink *s);
void sx_sqlsink_free(struct sx_sqlsink *s);
/* Replace the monotonic clock (microseconds; sx_mono_now) the idle flush
 * reads: for tests. */
void sx_sqlsink_set_clock(struct sx_sqlsink *s, int64_t (*clock)(void));

#endif
