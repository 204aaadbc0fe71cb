/* sx_sqlsink.c - NDJSON records into SQL text (see sx_sqlsink.h). */
#include "sx_sqlsink.h"
#include "sx_buf.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_hash.h"
#include "sx_out.h"
#include "sx_stats.h"
#include "sx_time.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	size_t ncols, cols_cap;
	size_t *keys;
	size_t nkeys, keys_cap;
	struct sx_sql_col *tcols; /* the statement builders' view of the placed cols */
	size_t *tmap;            /* tcols[i] is cols[tmap[i]] */
	size_t tcap;
	size_t *tkeys;           /* keys as indexes into tcols */
	/* the batch being gathered */
	struct sx_buf lines;
	struct sx_sqlsink_kept_row *rows;
	size_t nrows, rows_cap;
	struct sx_sqlsink_kept_field *kf;
	size_t nkf, kf_cap;
	/* by field position: across records, then per-record scratch */
	size_t *hint;            /* field position -> column it matched last time */
	size_t *fmap;            /* field index -> column (>= ncols: new), SIZE_MAX: ignored */
	unsigned char *fwiden;   /* field index -> its float widens an integer column */
	unsigned char *ftype;    /* field index -> the type its value decides (NONE: none) */
	size_t fcap;             /* of hint, fmap, fwiden and ftype */
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
	size_t slots_cap;
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

/* The sink that owns sx_stdout (sx_sqlsink_start), for sink_fail and
 * rollback_at_exit, which are called without it. */
static struct sx_sqlsink *stdout_sink;

/* ---- columns ---- */

static size_t col_find(const struct sx_sqlsink *e, const char *name, size_t len)
{
	for (size_t i = 0; i < e->ncols; i++)
		if (e->cols[i].len == len && !memcmp(e->cols[i].name, name, len))
			return i;
	return SIZE_MAX;
}

static size_t col_add(struct sx_sqlsink *e, const char *name, size_t len)
{
	SX_GROW(e->cols, e->ncols + 1, e->cols_cap);
	struct sx_sqlsink_column *c = &e->cols[e->ncols];
	memset(c, 0, sizeof *c);
	c->name = sx_xstrndup(name, len);
	c->len = len;
	return e->ncols++;
}

static int is_key(const struct sx_sqlsink *e, size_t col)
{
	for (size_t k = 0; k < e->nkeys; k++)
		if (e->keys[k] == col)
			return 1;
	return 0;
}

/* The statement builders' view: the placed columns, in order. */
static struct sx_sql_target target(struct sx_sqlsink *e)
{
	if (e->ncols > e->tcap) {
		e->tcap = sx_grow_cap(e->tcap, e->ncols);
		SX_REALLOC_ARRAY(e->tcols, e->tcap);
		SX_REALLOC_ARRAY(e->tmap, e->tcap);
	}
	size_t n = 0;
	for (size_t i = 0; i < e->ncols; i++) {
		if (!e->cols[i].placed)
			continue;
		e->tcols[n].name = e->cols[i].name;
		e->tcols[n].len = e->cols[i].len;
		/* the CREATE TABLE is decided by the first record alone */
		e->tcols[n].type = e->cols[i].untyped ? SX_SQLT_NONE : e->cols[i].type;
		e->tcols[n].is_key = is_key(e, i);
		for (size_t k = 0; k < e->nkeys; k++)
			if (e->keys[k] == i)
				e->tkeys[k] = n;
		e->tmap[n++] = i;
	}
	struct sx_sql_target t = { e->c.dialect, e->c.table, e->tcols, n, e->tkeys, e->nkeys };
	return t;
}

/* ---- output and delivery accounting ---- */

static void emit_out(struct sx_sqlsink *e)
{
	if (e->out.len == 0)
		return;
	sx_out_write(&sx_stdout, e->out.data, e->out.len);
	sx_buf_reset(&e->out);
}

/* Forget commits that have reached the pipe. */
static void settle_marks(struct sx_sqlsink *e)
{
	size_t i = 0;
	while (i < e->nmarks && e->marks[i].end_byte <= sx_stdout.bytes) {
		e->delivered = e->marks[i].rows;
		e->delivered_out = e->marks[i++].records_out;
	}
	if (i == 0)
		return;
	memmove(e->marks, e->marks + i, (e->nmarks - i) * sizeof *e->marks);
	e->nmarks -= i;
}

/* --copy: end the open COPY (before a COMMIT, ROLLBACK or other statement). */
static void copy_end(struct sx_sqlsink *e)
{
	if (!e->copy_open)
		return;
	sx_sql_copy_end(&e->out);
	e->copy_open = 0;
}

/* The table changed under the --copy --upsert stage: make it again. */
static void stage_invalidate(struct sx_sqlsink *e)
{
	if (!e->stage_exists)
		return;
	copy_end(e);
	sx_sql_stage_drop(&e->out);
	e->stage_exists = 0;
}

static void commit(struct sx_sqlsink *e)
{
	if (!e->txn_open)
		return;
	copy_end(e);
	sx_sql_commit(&e->out, e->c.dialect);
	emit_out(e);
	e->txn_open = 0;
	e->stage_exists = 0; /* ON COMMIT DROP */
	e->rows_committed += e->txn_rows;
	e->txn_rows = 0;
	e->waiting_since = 0;
	settle_marks(e);
	SX_GROW(e->marks, e->nmarks + 1, e->marks_cap);
	e->marks[e->nmarks].end_byte = sx_stdout.bytes + sx_stdout.len;
	e->marks[e->nmarks].rows = e->rows_committed;
	e->marks[e->nmarks].records_out = sx_stats.records_out;
	e->nmarks++;
}

/* The database client stopped reading (EPIPE) or a write failed: exit 1 saying
 * what we know, never SIGPIPE, never a hang.  We know which COMMITs reached the
 * pipe, not which the client ran (it may have stopped on an error long before
 * reading them), so those rows are "at most" committed; rows whose COMMIT was
 * never written were not committed; input after the last record was not read. */
static void sink_fail(struct sx_out *o, int err)
{
	struct sx_sqlsink *e = stdout_sink;
	e->out_failed = 1;
	o->len = 0; /* nothing more can be delivered; do not retry at exit */
	settle_marks(e);
	sx_stats.records_out = e->delivered_out; /* --stats: rows whose COMMIT was sent */
	uint64_t lost = e->rows_accepted - e->delivered;
	char sent[160], unread[160];
	if (e->delivered)
		snprintf(sent, sizeof sent, "at most %" PRIu64 " row%s committed before (sent with their "
			 "COMMIT; the client may have stopped before running them)", e->delivered,
			 e->delivered == 1 ? "" : "s");
	else
		snprintf(sent, sizeof sent, "no COMMIT was sent before");
	if (e->input_done || !sx_run_pos.file)
		snprintf(unread, sizeof unread, "all input was read");
	else
		snprintf(unread, sizeof unread, "input after %.100s:%" PRIu64 " not read",
			 sx_run_pos.file, sx_run_pos.line);
	sx_die(SX_EXIT_FAIL, "write error on %s: %s: %" PRIu64 " row%s read not committed (their "
	       "COMMIT was never sent); %s; %s", o->name, strerror(err), lost, lost == 1 ? "" : "s",
	       sent, unread);
}

/* A run that stops on an error rolls back the open transaction explicitly. */
static void rollback_at_exit(void *arg)
{
	struct sx_sqlsink *e = stdout_sink;
	(void)arg;
	if (sx_exit_status != SX_EXIT_OK && e && e->txn_open && !e->out_failed) {
		copy_end(e); /* psql would take ROLLBACK for a data line */
		sx_sql_rollback(&e->out, e->c.dialect);
		emit_out(e);
		e->txn_open = 0;
	}
}

/* ---- the batch ---- */

static struct sx_field field_of(const struct sx_sqlsink *e, const struct sx_sqlsink_kept_row *r,
				const struct sx_sqlsink_kept_field *k)
{
	struct sx_field f;
	memset(&f, 0, sizeof f);
	f.val = e->lines.data + r->line_off + k->off;
	f.val_len = k->len;
	f.type = k->type;
	f.val_esc = k->esc;
	return f;
}

/* T-SQL types each column of a multi-row VALUES list by the
 * highest-precedence kind among its rows, so (N'abc'),(3) fails even into a
 * text column: an existing table's column (whose type we cannot see) is
 * written as one kind per statement, the widest of this batch's values. */
static void batch_kinds(struct sx_sqlsink *e)
{
	for (size_t c = 0; c < e->ncols; c++)
		e->cols[c].kind = SX_SQLT_NONE;
	for (size_t i = 0; i < e->nrows; i++) {
		const struct sx_sqlsink_kept_row *r = &e->rows[i];
		for (size_t j = r->first; j < r->first + r->n; j++) {
			struct sx_sqlsink_column *col = &e->cols[e->kf[j].col];
			if (col->strict || e->kf[j].type == SX_JNULL)
				continue;
			struct sx_field f = field_of(e, r, &e->kf[j]);
			col->kind = sx_sql_widen(col->kind, sx_sql_infer(&f, &e->scratch));
		}
	}
}

static void flush_batch(struct sx_sqlsink *e);

/* ---- records ---- */

/* NAME for a message: its first 64 bytes, control characters escaped (\n,
 * \r, \t, \xHH) so that a message stays one line.  SLOT 0 or 1. */
static const char *shown(struct sx_sqlsink *e, int slot, const char *name, size_t len)
{
	char *o = e->shown[slot];
	size_t n = 0;
	for (size_t i = 0; i < len && i < 64; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '\n' || c == '\r' || c == '\t') {
			o[n++] = '\\';
			o[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(o + n, 5, "\\x%02x", c);
		} else {
			o[n++] = (char)c;
		}
	}
	o[n] = '\0';
	return o;
}


/* The type column C has as this record leaves it so far: what an earlier
 * field of the record decided (or widened), else the column's own (a
 * pending widening counts), NONE for a column the record adds. */
static enum sx_sql_type type_now(const struct sx_sqlsink *e, size_t c)
{
	if (c < e->ccap && e->cstamp[c] == e->recno)
		return (enum sx_sql_type)e->rtype[c];
	if (c < e->ncols)
		return e->cols[c].pending_widen ? SX_SQLT_FLOAT : e->cols[c].type;
	return SX_SQLT_NONE;
}

static void type_set(struct sx_sqlsink *e, size_t c, enum sx_sql_type t)
{
	if (c >= e->ccap) {
		size_t cap = sx_grow_cap(e->ccap, c + 1);
		SX_REALLOC_ARRAY(e->cstamp, cap);
		SX_REALLOC_ARRAY(e->rtype, cap);
		memset(e->cstamp + e->ccap, 0, (cap - e->ccap) * sizeof *e->cstamp);
		e->ccap = cap;
	}
	e->cstamp[c] = e->recno;
	e->rtype[c] = (unsigned char)t;
}

/* The first record is accepted: the known columns are set, and which are in
 * the table.  With --create, the CREATE TABLE holds those with a type (its
 * value, or --schema), and on SQLite, which has no guarded ADD COLUMN for a
 * rerun, the only-null ones too, declared without a type; the others are
 * added at their first value.  Without --create they are the existing
 * table's.  --evolve on PostgreSQL and T-SQL also makes sure they exist (a
 * rerun's input may have a field the table lacks, which CREATE TABLE IF NOT
 * EXISTS does not add): a guarded ADD COLUMN for each (key columns aside),
 * right after CREATE TABLE, or at its first value. */
static void place_first(struct sx_sqlsink *e)
{
	int guard = e->c.evolve && e->c.dialect != SX_SQL_SQLITE;
	size_t nplaced = 0;
	for (size_t c = 0; c < e->ncols; c++) {
		struct sx_sqlsink_column *col = &e->cols[c];
		int add = guard && !is_key(e, c);
		if (e->c.create) {
			if (col->type != SX_SQLT_NONE || e->c.dialect == SX_SQL_SQLITE) {
				col->placed = 1;
				col->untyped = col->type == SX_SQLT_NONE;
				col->pending_add = add;
				nplaced++;
			}
		} else if (!add) {
			col->placed = 1;
		} else if (col->type != SX_SQLT_NONE) {
			col->pending_add = 1;
		}
	}
	if (e->c.create && nplaced == 0 && e->c.dialect == SX_SQL_TSQL) {
		/* T-SQL cannot make a table without columns: when every field of
		 * the first record is null, they are made as text after all */
		for (size_t c = 0; c < e->ncols; c++) {
			struct sx_sqlsink_column *col = &e->cols[c];
			col->type = SX_SQLT_TEXT;
			col->decided = col->strict = col->placed = 1;
			col->pending_add = guard;
		}
	}
}

/* A rejected record: its reason, formatted into e->why, in *WHY. */
static int reject(struct sx_sqlsink *e, const char **why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int reject(struct sx_sqlsink *e, const char **why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof e->why, fmt, ap);
	va_end(ap);
	*why = e->why;
	return SX_REJECT;
}

/* Room for a record of N fields in the arrays by field position. */
static void fields_reserve(struct sx_sqlsink *e, size_t n)
{
	if (n <= e->fcap)
		return;
	size_t cap = sx_grow_cap(e->fcap, n);
	SX_REALLOC_ARRAY(e->hint, cap);
	SX_REALLOC_ARRAY(e->fmap, cap);
	SX_REALLOC_ARRAY(e->fwiden, cap);
	SX_REALLOC_ARRAY(e->ftype, cap);
	for (size_t i = e->fcap; i < cap; i++)
		e->hint[i] = SIZE_MAX;
	e->fcap = cap;
}

/* What the checking pass learns of a record, for the keeping pass. */
struct record_plan {
	int new_owned;           /* a column added now is made by us */
	size_t nnew;             /* columns the record adds */
	int adds;                /* a column enters the table with this record */
};

/* Field I names no known column (NAME, LEN): the new column it makes, or
 * the one an earlier field of the record made (e->fmap[i]), unless the
 * dialect cannot hold the name, it clashes in case with another, or the
 * table would have too many columns. */
static int map_new_field(struct sx_sqlsink *e, const struct sx_rec *rec, size_t i, const char *name,
			 size_t len, struct record_plan *plan, const char **why)
{
	const char *dialect = sx_sql_dialect_name(e->c.dialect);
	const char *iwhy;
	if (sx_sql_ident_check(e->c.dialect, name, len, &iwhy) < 0)
		return reject(e, why, "field \"%s\": %s", shown(e, 0, name, len), iwhy);
	/* SQLite and T-SQL (in its usual collations) fold ASCII case: "A"
	 * next to "a" would be a duplicate column */
	int fold = e->c.dialect != SX_SQL_POSTGRES;
	for (size_t j = 0; fold && j < e->ncols; j++)
		if (e->cols[j].len == len && !strncasecmp(e->cols[j].name, name, len))
			return reject(e, why, "field \"%s\" and column \"%s\" are the same name in %s, "
				      "which ignores case", shown(e, 0, name, len),
				      shown(e, 1, e->cols[j].name, len), dialect);
	/* a name repeated in this record is one new column */
	size_t dup = SIZE_MAX;
	for (size_t j = 0; j < i; j++) {
		if (e->fmap[j] == SIZE_MAX || e->fmap[j] < e->ncols)
			continue;
		const struct sx_field *g = &rec->f[j];
		const char *gname;
		size_t glen;
		struct sx_buf tmp = SX_BUF_INIT;
		sx_json_unescape(g->key, g->key_len, g->key_esc, &tmp, &gname, &glen);
		int same = glen == len && !memcmp(gname, name, len);
		int folded = !same && fold && glen == len && !strncasecmp(gname, name, len);
		sx_buf_free(&tmp);
		if (same)
			dup = e->fmap[j];
		else if (folded)
			return reject(e, why, "field \"%s\" and another field of this record are the "
				      "same name in %s, which ignores case", shown(e, 0, name, len), dialect);
	}
	if (dup == SIZE_MAX) {
		size_t max = sx_sql_max_columns(e->c.dialect);
		if (e->ncols + plan->nnew + 1 > max)
			return reject(e, why, "field \"%s\": more than %zu columns, %s's limit",
				      shown(e, 0, name, len), max, dialect);
		dup = e->ncols + plan->nnew++;
	}
	e->fmap[i] = dup;
	return SX_OK;
}

/* Field I's value F fits its column C (NAME, LEN): the first non-null value
 * decides a column's type; a column we make (or --schema forced) takes only
 * values of its type, an integer one widening to float; an existing table's
 * takes any number a double holds. */
static int check_value(struct sx_sqlsink *e, const struct sx_field *f, size_t i, size_t c,
		       const char *name, size_t len, const struct record_plan *plan, const char **why)
{
	const struct sx_sqlsink_column *col = c >= e->ncols ? NULL : &e->cols[c];
	int forced = col && col->forced, key = col && is_key(e, c);
	enum sx_sql_type ct = type_now(e, c);
	if (ct == SX_SQLT_NONE) {
		ct = sx_sql_infer(f, &e->scratch);
		e->ftype[i] = (unsigned char)ct;
		type_set(e, c, ct);
	}
	if (!forced && !(col ? col->owned : plan->new_owned)) {
		/* an existing table's column: the database would refuse the
		 * whole statement (PostgreSQL, T-SQL) or store infinity */
		if (f->type == SX_JNUMBER && !sx_sql_number_fits_double(f->val, f->val_len))
			return reject(e, why, "field \"%s\": number beyond the range of a double",
				      shown(e, 0, name, len));
		return SX_OK;
	}
	const char *vwhy;
	sx_buf_reset(&e->val);
	if (sx_sql_value(&e->val, e->c.dialect, e->c.copy, ct, f, &e->scratch, &vwhy) == 0)
		return SX_OK;
	/* integer then float widens a column we made (not a key: its primary
	 * key would have to be rebuilt) */
	const char *fwhy = NULL;
	if (ct == SX_SQLT_INT && !forced && !key && sx_sql_infer(f, &e->scratch) == SX_SQLT_FLOAT) {
		sx_buf_reset(&e->val);
		if (sx_sql_value(&e->val, e->c.dialect, e->c.copy, SX_SQLT_FLOAT, f, &e->scratch,
				 &fwhy) == 0) {
			e->fwiden[i] = 1;
			type_set(e, c, SX_SQLT_FLOAT);
			return SX_OK;
		}
	}
	const char *hint = forced ? "from --schema"
		: key ? "a key column's type does not change"
		: "from its first value; only integer widens, to float";
	return reject(e, why, "field \"%s\": %s (%scolumn type %s, %s)", shown(e, 0, name, len),
		      fwhy ? fwhy : vwhy, key ? "key " : "", sx_sql_type_label(ct), hint);
}

/* Field I: mapped to a column and checked; nothing of the sink changes
 * but the per-record scratch. */
static int check_field(struct sx_sqlsink *e, const struct sx_rec *rec, size_t i,
		       struct record_plan *plan, const char **why)
{
	const struct sx_field *f = &rec->f[i];
	const char *name;
	size_t len;
	sx_buf_reset(&e->fname);
	sx_json_unescape(f->key, f->key_len, f->key_esc, &e->fname, &name, &len);
	size_t c = e->hint[i];
	if (c >= e->ncols || e->cols[c].len != len || memcmp(e->cols[c].name, name, len)) {
		c = col_find(e, name, len);
		if (c != SIZE_MAX)
			e->hint[i] = c;
	}
	e->fmap[i] = c;
	e->fwiden[i] = 0;
	e->ftype[i] = SX_SQLT_NONE;
	if (c == SIZE_MAX) {
		/* every field names a column, unless --columns fixed the list:
		 * without --create or --evolve, one of the existing table's
		 * (whether it has it is for the database to say) */
		if (e->columns_fixed)
			return SX_OK; /* ignored */
		if (map_new_field(e, rec, i, name, len, plan, why) != SX_OK)
			return SX_REJECT;
		c = e->fmap[i];
	}
	const char *vwhy;
	if (sx_sql_value_check(e->c.dialect, f, &e->scratch, &vwhy) < 0)
		return reject(e, why, "field \"%s\": %s", shown(e, 0, name, len), vwhy);
	int fresh = c >= e->ncols;
	const struct sx_sqlsink_column *col = fresh ? NULL : &e->cols[c];
	/* an existing table's column is named from its first appearance; one
	 * we add, from its first value */
	if (e->first_done && ((fresh && !plan->new_owned) ||
			      (f->type != SX_JNULL && (fresh || (!col->placed && !col->pending_add)))))
		plan->adds = 1;
	if (f->type == SX_JNULL)
		return SX_OK;
	return check_value(e, f, i, c, name, len, plan, why);
}

/* Every --key field is there and not null. */
static int check_keys(struct sx_sqlsink *e, const struct sx_rec *rec, const char **why)
{
	for (size_t k = 0; k < e->nkeys; k++) {
		const struct sx_sqlsink_column *kc = &e->cols[e->keys[k]];
		const struct sx_field *f = sx_rec_getn(rec, kc->name, kc->len);
		if (!f || f->type == SX_JNULL)
			return reject(e, why, "key field \"%s\" is %s", shown(e, 0, kc->name, kc->len),
				      f ? "null" : "missing");
	}
	return SX_OK;
}

/* The checked record joins the batch: its new columns are made, what its
 * values decided is set, and its line and values are kept. */
static void keep_record(struct sx_sqlsink *e, const struct sx_rec *rec, const struct record_plan *plan)
{
	SX_GROW(e->rows, e->nrows + 1, e->rows_cap);
	struct sx_sqlsink_kept_row *r = &e->rows[e->nrows++];
	r->line_off = e->lines.len;
	r->first = e->nkf;
	r->n = 0;
	sx_buf_append(&e->lines, rec->line, rec->len);
	for (size_t i = 0; i < rec->n; i++) {
		const struct sx_field *f = &rec->f[i];
		size_t c = e->fmap[i];
		if (c == SIZE_MAX)
			continue; /* ignored (--columns) */
		if (c >= e->ncols) {
			if (c == e->ncols) {
				const char *name;
				size_t len;
				sx_buf_reset(&e->scratch);
				sx_json_unescape(f->key, f->key_len, f->key_esc, &e->scratch, &name, &len);
				col_add(e, name, len);
				e->cols[c].owned = plan->new_owned;
				/* an existing table's: named from now on */
				e->cols[c].placed = e->first_done && !plan->new_owned;
			}
			e->hint[i] = c;
		}
		struct sx_sqlsink_column *col = &e->cols[c];
		if (e->ftype[i] != SX_SQLT_NONE) {
			col->type = (enum sx_sql_type)e->ftype[i];
			col->decided = 1;
			col->strict = col->owned || col->forced;
		}
		if (e->fwiden[i])
			col->pending_widen = 1;
		if (f->type != SX_JNULL && e->first_done && !col->placed)
			col->pending_add = 1;
		SX_GROW(e->kf, e->nkf + 1, e->kf_cap);
		struct sx_sqlsink_kept_field *k = &e->kf[e->nkf++];
		k->col = c;
		k->off = (size_t)(f->val - rec->line);
		k->len = f->val_len;
		k->type = f->type;
		k->esc = f->val_esc;
		r->n++;
	}
}

/* A record is checked whole (every field, then the keys) before anything of
 * the sink changes, so a rejected one leaves no trace; then kept. */
static int sink_record(void *st, struct sx_rec *rec, const char **why)
{
	struct sx_sqlsink *e = st;
	fields_reserve(e, rec->n);
	/* a column added now is made by us, unless it is one of the first
	 * record's without --create (the existing table's) */
	struct record_plan plan = { e->c.create || (e->c.evolve && e->first_done), 0, 0 };
	e->recno++;
	for (size_t i = 0; i < rec->n; i++)
		if (check_field(e, rec, i, &plan, why) != SX_OK)
			return SX_REJECT;
	if (check_keys(e, rec, why) != SX_OK)
		return SX_REJECT;
	/* A column entering the table changes the INSERT's column list: the
	 * rows before this record are written first. */
	if (plan.adds) {
		flush_batch(e);
		copy_end(e); /* the next COPY (and stage table) names the column */
		stage_invalidate(e);
	}
	keep_record(e, rec, &plan);
	if (!e->first_done) {
		place_first(e);
		e->first_done = 1;
	}
	e->rows_accepted++;
	if ((long)e->nrows >= e->c.batch || (long)(e->txn_rows + e->nrows) >= e->c.commit_every)
		flush_batch(e);
	return SX_OK;
}

/* ---- writing a batch ---- */

/* The value in its column's type.  A column of an existing table (whose
 * type we cannot see) takes a misfit value as it is, for the database to
 * judge; on T-SQL it is written as this batch's kind (see batch_kinds). */
static void render_value(struct sx_sqlsink *e, struct sx_buf *b, const struct sx_sqlsink_column *col,
			 const struct sx_field *f)
{
	const char *why;
	enum sx_sql_type t = e->c.dialect == SX_SQL_TSQL && !col->strict ? col->kind : col->type;
	if (sx_sql_value(b, e->c.dialect, e->c.copy, t, f, &e->scratch, &why) < 0 &&
	    sx_sql_value(b, e->c.dialect, e->c.copy, SX_SQLT_NONE, f, &e->scratch, &why) < 0)
		sx_sql_value(b, e->c.dialect, e->c.copy, SX_SQLT_TEXT, f, &e->scratch, &why);
}

/* slots[c] = the row's kept field for column c (the last one), or SIZE_MAX. */
static void fill_slots(struct sx_sqlsink *e, const struct sx_sqlsink_kept_row *r)
{
	SX_GROW(e->slots, e->ncols, e->slots_cap);
	for (size_t c = 0; c < e->ncols; c++)
		e->slots[c] = SIZE_MAX;
	for (size_t j = r->first; j < r->first + r->n; j++)
		e->slots[e->kf[j].col] = j;
}

/* --upsert: mark all but the last row of each key as dead.  A row's key is
 * its key values rendered as SQL, each prefixed by its length. */
static void collapse_duplicates(struct sx_sqlsink *e, unsigned char *dead)
{
	sx_strmap_clear(&e->upsert_keys);
	for (size_t i = 0; i < e->nrows; i++) {
		fill_slots(e, &e->rows[i]);
		sx_buf_reset(&e->key);
		for (size_t k = 0; k < e->nkeys; k++) {
			size_t j = e->slots[e->keys[k]];
			size_t start = e->key.len;
			uint32_t n = 0;
			sx_buf_append(&e->key, &n, sizeof n);
			struct sx_field f = field_of(e, &e->rows[i], &e->kf[j]);
			render_value(e, &e->key, &e->cols[e->keys[k]], &f);
			n = (uint32_t)(e->key.len - start - sizeof n);
			memcpy(e->key.data + start, &n, sizeof n);
		}
		int inserted;
		size_t id = sx_strmap_put(&e->upsert_keys, e->key.data, e->key.len, &inserted);
		size_t *last = sx_strmap_value(&e->upsert_keys, id);
		if (!inserted)
			dead[*last] = 1; /* last wins */
		*last = i;
	}
}

/* The batch's LIVE rows are written: account for them, start the next batch,
 * commit every --commit-every rows. */
static void end_batch(struct sx_sqlsink *e, uint64_t live)
{
	emit_out(e);
	sx_stats.records_out += live;
	e->txn_rows += e->nrows;
	e->nrows = 0;
	e->nkf = 0;
	sx_buf_reset(&e->lines);
	if ((long)e->txn_rows >= e->c.commit_every)
		commit(e);
}

/* The ADD COLUMN and widening ALTERs the batch's rows need, before them. */
static void alter_table(struct sx_sqlsink *e, const struct sx_sql_target *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		struct sx_sqlsink_column *col = &e->cols[e->tmap[i]];
		if (col->pending_add) {
			copy_end(e); /* the next COPY names the new column */
			stage_invalidate(e);
			sx_sql_add_column(&e->out, t, i);
			col->pending_add = 0;
		}
		if (col->pending_widen) {
			col->type = e->tcols[i].type = SX_SQLT_FLOAT;
			col->pending_widen = 0;
			if (e->c.dialect != SX_SQL_SQLITE) {
				copy_end(e);
				stage_invalidate(e);
				sx_sql_widen_column(&e->out, t, i);
			}
		}
	}
}

/* The batch's rows but the DEAD ones, as VALUES tuples or COPY lines:
 * how many were written. */
static uint64_t write_rows(struct sx_sqlsink *e, const struct sx_sql_target *t, const unsigned char *dead)
{
	uint64_t live = 0;
	for (size_t i = 0; i < e->nrows; i++) {
		if (dead[i])
			continue;
		const struct sx_sqlsink_kept_row *r = &e->rows[i];
		fill_slots(e, r);
		if (!e->c.copy)
			sx_buf_puts(&e->out, live ? ",\n(" : "(");
		for (size_t ti = 0; ti < t->ncols; ti++) {
			size_t c = e->tmap[ti];
			if (ti)
				sx_buf_putc(&e->out, e->c.copy ? '\t' : ',');
			if (e->slots[c] == SIZE_MAX) {
				sx_buf_puts(&e->out, e->c.copy ? "\\N" : "NULL");
			} else {
				struct sx_field f = field_of(e, r, &e->kf[e->slots[c]]);
				render_value(e, &e->out, &e->cols[c], &f);
			}
		}
		sx_buf_putc(&e->out, e->c.copy ? '\n' : ')');
		live++;
		/* keep the staging buffer modest on wide rows */
		if (e->out.len >= 256 * 1024)
			emit_out(e);
	}
	return live;
}

static void flush_batch(struct sx_sqlsink *e)
{
	if (e->nrows == 0)
		return;
	if (e->c.dialect == SX_SQL_TSQL)
		batch_kinds(e);
	int first = !e->first_flushed;
	/* only the first row of a batch can add columns (sink_record) */
	for (size_t c = 0; c < e->ncols; c++)
		if (e->cols[c].pending_add)
			e->cols[c].placed = 1;
	struct sx_sql_target t = target(e);
	if (first && e->c.create) {
		sx_sql_create(&e->out, &t);
		e->created = 1;
	}
	e->first_flushed = 1;
	if (!e->txn_open) {
		sx_sql_begin(&e->out, e->c.dialect);
		e->txn_open = 1;
	}
	alter_table(e, &t);
	if (t.ncols == 0) {
		/* Only null fields so far, and no column in the table yet: the
		 * rows still count (keys would be columns: no upsert here). */
		copy_end(e);
		for (size_t i = 0; i < e->nrows; i++)
			sx_sql_insert_defaults(&e->out, &t);
		end_batch(e, e->nrows);
		return;
	}
	unsigned char *dead = sx_xcalloc(e->nrows, 1);
	if (e->c.upsert)
		collapse_duplicates(e, dead);
	if (e->c.copy) {
		if (e->c.upsert && !e->stage_exists) {
			sx_sql_stage_create(&e->out, &t);
			e->stage_exists = 1;
		}
		/* Plain --copy streams one COPY per transaction: a COPY statement is
		 * a round trip for psql, so one per batch cost as much as the load.
		 * --upsert merges each batch (keys collapse within a batch only). */
		if (!e->copy_open) {
			sx_sql_copy_head(&e->out, &t, e->c.upsert);
			e->copy_open = 1;
		}
	} else {
		sx_sql_insert_head(&e->out, &t, e->c.upsert);
	}
	uint64_t live = write_rows(e, &t, dead);
	free(dead);
	if (e->c.copy) {
		if (e->c.upsert) {
			copy_end(e);
			sx_sql_stage_merge(&e->out, &t);
		}
	} else {
		sx_sql_insert_tail(&e->out, &t, e->c.upsert);
	}
	end_batch(e, live);
}

/* Input went quiet: land what we have. */
static void sink_tick(void *st)
{
	struct sx_sqlsink *e = st;
	if (!e->nrows && !e->txn_open)
		return;
	flush_batch(e);
	commit(e);
	sx_out_flush(&sx_stdout);
	settle_marks(e);
}

void sx_sqlsink_before_block(void *st)
{
	struct sx_sqlsink *e = st;
	if (!e->nrows && !e->txn_open)
		return;
	int64_t now = e->clock();
	if (!e->waiting_since) {
		e->waiting_since = now ? now : 1;
		return;
	}
	if (now - e->waiting_since < (int64_t)SX_SQLSINK_IDLE_FLUSH_MS * 1000)
		return;
	flush_batch(e);
	commit(e); /* sx_run flushes stdout next */
}

static void sink_finish(void *st)
{
	struct sx_sqlsink *e = st;
	e->input_done = 1;
	flush_batch(e);
	if (e->c.create && !e->created && e->ncols) {
		/* no rows: the table can still be made if every type was given */
		int all_typed = 1;
		for (size_t c = 0; c < e->ncols; c++)
			all_typed &= e->cols[c].decided;
		if (all_typed) {
			place_first(e);
			struct sx_sql_target t = target(e);
			sx_sql_create(&e->out, &t);
			emit_out(e);
			e->created = 1;
		}
	}
	commit(e);
}


const struct sx_stage sx_sqlsink_stage = { sink_record, sink_tick, sink_finish };

/* ---- configuration ---- */

static int name_check(const struct sx_sqlsink *e, const char *opt, const char *name, char *err,
		      size_t errsz)
{
	const char *why;
	if (sx_sql_ident_check(e->c.dialect, name, strlen(name), &why) < 0) {
		snprintf(err, errsz, "%s: '%s': %s", opt, name, why);
		return -1;
	}
	return 0;
}

static int add_column(struct sx_sqlsink *e, char *name, char *err, size_t errsz)
{
	if (name_check(e, "--columns", name, err, errsz) < 0)
		return -1;
	if (col_find(e, name, strlen(name)) != SIZE_MAX) {
		snprintf(err, errsz, "--columns: '%s' is named twice", name);
		return -1;
	}
	col_add(e, name, strlen(name));
	return 0;
}

/* The column NAME given to option OPT (added unless --columns fixed the
 * list), or SIZE_MAX with the error in ERR. */
static size_t named_column(struct sx_sqlsink *e, const char *opt, const char *name, char *err,
			   size_t errsz)
{
	if (name_check(e, opt, name, err, errsz) < 0)
		return SIZE_MAX;
	size_t c = col_find(e, name, strlen(name));
	if (c != SIZE_MAX)
		return c;
	if (e->columns_fixed) {
		snprintf(err, errsz, "%s: '%s' is not one of --columns", opt, name);
		return SIZE_MAX;
	}
	return col_add(e, name, strlen(name));
}

static int add_schema(struct sx_sqlsink *e, char *item, char *err, size_t errsz)
{
	char *colon = strrchr(item, ':');
	enum sx_sql_type t;
	if (!colon || colon == item || sx_sql_type_parse(colon + 1, &t) < 0) {
		snprintf(err, errsz, "--schema: expected COLUMN:TYPE with TYPE int, float, bool, "
			 "timestamp, text or json; not '%s'", item);
		return -1;
	}
	*colon = '\0';
	size_t c = named_column(e, "--schema", item, err, errsz);
	if (c == SIZE_MAX)
		return -1;
	if (e->cols[c].decided && !e->columns_fixed) {
		snprintf(err, errsz, "--schema: '%s' is named twice", item);
		return -1;
	}
	e->cols[c].type = t;
	e->cols[c].decided = e->cols[c].strict = e->cols[c].forced = 1;
	return 0;
}

static int add_key(struct sx_sqlsink *e, char *name, char *err, size_t errsz)
{
	size_t c = named_column(e, "--key", name, err, errsz);
	if (c == SIZE_MAX)
		return -1;
	if (is_key(e, c)) {
		snprintf(err, errsz, "--key: '%s' is named twice", name);
		return -1;
	}
	SX_GROW(e->keys, e->nkeys + 1, e->keys_cap);
	e->keys[e->nkeys++] = c;
	return 0;
}

/* ADD each item of option OPT's list "a,b,c" (a NUL-terminated copy it may
 * change) in order: 0, or -1 with the first error.  An empty item anywhere
 * is reported before anything else of the list. */
static int add_each(struct sx_sqlsink *e, const char *opt, const char *list,
		    int (*add)(struct sx_sqlsink *, char *, char *, size_t), char *err, size_t errsz)
{
	size_t n = strlen(list);
	if (n == 0 || list[0] == ',' || list[n - 1] == ',' || strstr(list, ",,")) {
		snprintf(err, errsz, "%s: empty name in '%s'", opt, list);
		return -1;
	}
	struct sx_buf item = SX_BUF_INIT;
	int r = 0;
	for (const char *p = list; r == 0;) {
		size_t len = strcspn(p, ",");
		sx_buf_reset(&item);
		sx_buf_append(&item, p, len);
		sx_buf_putc(&item, '\0');
		r = add(e, item.data, err, errsz);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	sx_buf_free(&item);
	return r;
}

/* The columns of --columns, --schema and --key: 0, or -1 with ERR. */
static int add_options(struct sx_sqlsink *e, const struct sx_sqlsink_cfg *c, char *err, size_t errsz)
{
	if (c->columns) {
		if (add_each(e, "--columns", c->columns, add_column, err, errsz) < 0)
			return -1;
		e->columns_fixed = 1;
	}
	if (c->schema && add_each(e, "--schema", c->schema, add_schema, err, errsz) < 0)
		return -1;
	if (c->key && add_each(e, "--key", c->key, add_key, err, errsz) < 0)
		return -1;
	return 0;
}

struct sx_sqlsink *sx_sqlsink_new(const struct sx_sqlsink_cfg *c, char *err, size_t errsz)
{
	struct sx_sqlsink *e = sx_xcalloc(1, sizeof *e);
	e->c = *c;
	e->clock = sx_mono_now;
	sx_strmap_init(&e->upsert_keys, sizeof(size_t));
	if (add_options(e, c, err, errsz) < 0) {
		sx_sqlsink_free(e);
		return NULL;
	}
	/* the keys never change: their places among the table's columns */
	e->tkeys = sx_xcalloc(e->nkeys ? e->nkeys : 1, sizeof *e->tkeys);
	/* --create makes every column, so their types are ours to decide */
	for (size_t i = 0; i < e->ncols; i++)
		e->cols[i].owned = c->create;
	return e;
}

void sx_sqlsink_set_clock(struct sx_sqlsink *e, int64_t (*clock)(void))
{
	e->clock = clock;
}

void sx_sqlsink_start(struct sx_sqlsink *e)
{
	/* A sink: a closed pipe is a failure to report, not a quiet end. */
	signal(SIGPIPE, SIG_IGN);
	stdout_sink = e;
	sx_stdout.fail = sink_fail;
	sx_on_exit(rollback_at_exit, NULL);
	sx_sql_prologue(&e->out, e->c.dialect);
	emit_out(e);
}

void sx_sqlsink_free(struct sx_sqlsink *e)
{
	if (!e)
		return;
	if (stdout_sink == e) {
		stdout_sink = NULL;
		sx_stdout.fail = sx_out_default_fail;
	}
	for (size_t i = 0; i < e->ncols; i++)
		free(e->cols[i].name);
	free(e->cols);
	free(e->keys);
	free(e->hint);
	free(e->tcols);
	free(e->tmap);
	free(e->tkeys);
	free(e->fwiden);
	free(e->ftype);
	free(e->cstamp);
	free(e->rtype);
	free(e->rows);
	free(e->kf);
	free(e->fmap);
	free(e->marks);
	free(e->slots);
	sx_strmap_free(&e->upsert_keys);
	sx_buf_free(&e->key);
	sx_buf_free(&e->lines);
	sx_buf_free(&e->scratch);
	sx_buf_free(&e->val);
	sx_buf_free(&e->fname);
	sx_buf_free(&e->out);
	free(e);
}
