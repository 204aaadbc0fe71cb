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
#include "sx_buf.h"
#include "sx_hash.h"
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

/* A column: known from --columns, --schema, --key or a field.  "Owned" columns
 * are made by sx-emit-sql (--create's CREATE TABLE, or ADD COLUMN), so their
 * types are ours to decide and widen; the others belong to an existing table
 * whose types we cannot see. */
struct sx_sqlsink_column {
	char *name;
	size_t len;
	enum sx_sql_type type;   /* forced, or decided by the first non-null value (NONE: none yet) */
	enum sx_sql_type kind;   /* T-SQL, an existing table's column: how this batch writes it */
	int decided;             /* the type is fixed (only integer -> float widening remains) */
	int strict;              /* a value that does not convert is a data error */
	int forced;              /* --schema gave the type: it never widens */
	int owned;               /* we make it: typed by its first non-null value */
	int placed;              /* in the table: named in CREATE, INSERT and COPY */
	int untyped;             /* SQLite: declared without a type (null in the first record) */
	int pending_add;         /* ADD COLUMN before the next rows */
	int pending_widen;       /* integer column: widen to float before the next rows */
};

/* One kept value: where it lies in the batch's copy of its line. */
struct sx_sqlsink_kept_field {
	size_t col;
	size_t off, len;
	unsigned char type, esc;
};

struct sx_sqlsink_kept_row {
	size_t line_off;
	size_t first, n;         /* into kept fields */
};

/* A commit written to stdout but perhaps not yet delivered. */
struct sx_sqlsink_commit_mark {
	uint64_t end_byte;       /* stdout offset just after the COMMIT */
	uint64_t rows;           /* rows committed up to and including it */
	uint64_t records_out;    /* sx_stats.records_out then (duplicate keys collapsed) */
};

struct sx_sqlsink {
	struct sx_sqlsink_cfg c;
	int columns_fixed;       /* --columns */
	/* columns */
	struct sx_sqlsink_column *cols;
	size_t ncols;
	size_t *keys;
	size_t nkeys;
	size_t *hint;            /* field position -> column it matched last time */
	size_t nhint;
	struct sx_sql_col *tcols; /* the statement builders' view of the placed cols */
	size_t *tmap;            /* tcols[i] is cols[tmap[i]] */
	size_t *tkeys;           /* keys as indexes into tcols */
	/* the batch being gathered */
	struct sx_buf lines;
	struct sx_sqlsink_kept_row *rows;
	size_t nrows, rows_cap;
	struct sx_sqlsink_kept_field *kf;
	size_t nkf, kf_cap;
	/* per-record scratch */
	size_t *fmap;            /* field index -> column (>= ncols: new), SIZE_MAX: ignored */
	unsigned char *fwiden;   /* field index -> its float widens an integer column */
	unsigned char *ftype;    /* field index -> the type its value decides (NONE: none) */
	size_t fmap_cap;
	uint64_t recno;          /* records seen, stamping the per-column scratch below */
	uint64_t *cstamp;        /* column -> recno when rtype was set for that record */
	unsigned char *rtype;    /* column -> its type as this record leaves it */
	size_t ccap;
	struct sx_buf scratch, val;
	struct sx_buf fname;     /* the field's name, unescaped (scratch is reused) */
	char why[256];           /* the reason of the last SX_REJECT */
	char shown[2][260];      /* names in that reason, control characters escaped */
	/* per-batch scratch */
	size_t *slots;           /* column -> the row's kept field for it, or SIZE_MAX */
	size_t nslots;
	struct sx_strmap upsert_keys; /* --upsert: a row's rendered key -> its last row */
	struct sx_buf key;       /* --upsert: the row's rendered key */
	/* output */
	struct sx_buf out;
	int first_done;          /* the first record was accepted: the known columns are set */
	int first_flushed, created, txn_open, stage_exists, out_failed;
	int copy_open;           /* --copy: a COPY's data lines are being written */
	uint64_t txn_rows;
	/* delivery accounting */
	uint64_t rows_accepted, rows_committed;
	struct sx_sqlsink_commit_mark *marks;
	size_t nmarks, marks_cap;
	uint64_t delivered;      /* rows known to be in delivered commits */
	uint64_t delivered_out;  /* the same, as --stats counts them (records_out) */
	int input_done;          /* every input was read to its end */
	/* latency: when the reader first waited with rows uncommitted */
	int64_t (*clock)(void);  /* monotonic microseconds (sx_mono_now; tests replace it) */
	int64_t waiting_since;   /* 0: nothing uncommitted at the last wait */
};

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

/* Set up the columns of --columns, --schema and --key: 0, or -1 with the
 * usage error (without the program name) in ERR.  The option combinations
 * (--upsert needs --key, --copy needs postgres...) are the caller's to check.
 * The sink must be freed either way. */
int sx_sqlsink_init(struct sx_sqlsink *s, const struct sx_sqlsink_cfg *c, char *err, size_t errsz);
/* Take over sx_stdout (already initialised): ignore SIGPIPE and report a
 * failed write with the delivery accounting (exit 1), roll back the open
 * transaction when the process exits on an error, and write the dialect's
 * prologue. */
void sx_sqlsink_start(struct sx_sqlsink *s);
void sx_sqlsink_free(struct sx_sqlsink *s);

#endif
