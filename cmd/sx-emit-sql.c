/* sx-emit-sql - NDJSON into SQL databases (SPEC section 5).
 *
 * Records are kept (raw bytes plus where each value lies) until their batch
 * is written, because the first batch decides column types, --evolve infers
 * the type of a new column from its batch, and --upsert collapses duplicate
 * keys within a batch.  Everything SQL-specific lives in common/sx_sql.c. */
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_run.h"
#include "sx_sql.h"
#include "sx_stats.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage[] =
	"Usage: sx-emit-sql --table NAME [OPTIONS] [FILE...] | sqlite3 DB  (or psql, sqlcmd)\n"
	"Write NDJSON records as SQL text for the database's own client.\n"
	"\n"
	"Target:\n"
	"      --table NAME          table to load (schema.table allowed)\n"
	"      --dialect D           sqlite (default), postgres or tsql\n"
	"      --batch N             rows per INSERT statement (default 500; T-SQL at most 1000)\n"
	"      --commit-every N      rows per transaction (default 10000); also commits when\n"
	"                            input goes quiet and at the end\n"
	"      --copy                PostgreSQL: load with COPY ... FROM STDIN\n"
	"\n"
	"Columns:\n"
	"      --create              CREATE TABLE IF NOT EXISTS, types inferred from the first batch\n"
	"      --schema COL:TYPE,... force column types: int, float, bool, timestamp, text, json\n"
	"      --columns A,B,C       load only these columns; other fields are ignored\n"
	"      --evolve              add columns for new fields (ALTER TABLE ADD COLUMN)\n"
	"      --key A,B             key columns (the primary key with --create)\n"
	"      --upsert              insert or update by --key (reruns are idempotent)\n"
	"\n"
	"Errors and diagnostics:\n"
	"      --on-error POLICY     fail (default), skip, or dead-letter=FILE\n"
	"      --stats               print counters as one JSON line on stderr at exit\n"
	"      --progress, --no-progress  status line on stderr (default: off)\n"
	"  -h, --help                show this help and exit\n"
	"      --version             show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data (under --on-error fail), I/O error or rows not\n"
	"delivered, 2 usage.  See sx-emit-sql(1) and sx(7).\n";

enum {
	OPT_TABLE = SX_OPT_TOOL, OPT_DIALECT, OPT_BATCH, OPT_COMMIT_EVERY, OPT_COPY, OPT_CREATE,
	OPT_SCHEMA, OPT_COLUMNS, OPT_EVOLVE, OPT_KEY, OPT_UPSERT
};

/* How long input must be quiet before a partial batch is written and committed. */
#define IDLE_FLUSH_MS 200

struct column {
	char *name;
	size_t len;
	enum sx_sql_type type;   /* forced, decided, or inferred so far */
	int decided;             /* the type no longer changes */
	int strict;              /* a value that does not convert is a data error */
	int pending_add;         /* --evolve: ALTER TABLE before the next rows */
	int in_stage;            /* --copy --upsert: the stage table has it */
};

/* One kept value: where it lies in the batch's copy of its line. */
struct kept_field {
	size_t col;
	size_t off, len;
	unsigned char type, esc;
};

struct kept_row {
	size_t line_off;
	size_t first, n;         /* into kept fields */
};

/* A commit written to stdout but perhaps not yet delivered. */
struct commit_mark {
	uint64_t end_byte;       /* stdout offset just after the COMMIT */
	uint64_t rows;           /* rows committed up to and including it */
};

struct emit {
	/* options */
	enum sx_sql_dialect d;
	const char *table;
	long batch, commit_every;
	int copy, create, evolve, upsert, columns_fixed;
	/* columns */
	struct column *cols;
	size_t ncols;
	size_t *keys;
	size_t nkeys;
	size_t *hint;            /* field position -> column it matched last time */
	size_t nhint;
	struct sx_sql_col *tcols; /* the statement builders' view of cols */
	/* the batch being gathered */
	struct sx_buf lines;
	struct kept_row *rows;
	size_t nrows, rows_cap;
	struct kept_field *kf;
	size_t nkf, kf_cap;
	/* per-record scratch */
	size_t *fmap;            /* field index -> column (>= ncols: new), SIZE_MAX: ignored */
	size_t fmap_cap;
	struct sx_buf scratch, val;
	/* output */
	struct sx_buf out;
	int first_flushed, created, txn_open, stage_exists, out_failed;
	int copy_open;           /* --copy: a COPY's data lines are being written */
	uint64_t txn_rows;
	/* delivery accounting */
	uint64_t rows_accepted, rows_committed;
	struct commit_mark *marks;
	size_t nmarks, marks_cap;
	uint64_t delivered;      /* rows known to be in delivered commits */
	int input_done;          /* every input was read to its end */
};

static struct emit E;

/* ---- columns ---- */

static size_t col_find(const struct emit *e, const char *name, size_t len)
{
	for (size_t i = 0; i < e->ncols; i++)
		if (e->cols[i].len == len && !memcmp(e->cols[i].name, name, len))
			return i;
	return SIZE_MAX;
}

static size_t col_add(struct emit *e, const char *name, size_t len)
{
	e->cols = sx_xreallocarray(e->cols, e->ncols + 1, sizeof *e->cols);
	struct column *c = &e->cols[e->ncols];
	memset(c, 0, sizeof *c);
	c->name = sx_xstrndup(name, len);
	c->len = len;
	return e->ncols++;
}

static int is_key(const struct emit *e, size_t col)
{
	for (size_t k = 0; k < e->nkeys; k++)
		if (e->keys[k] == col)
			return 1;
	return 0;
}

static struct sx_sql_target target(struct emit *e)
{
	e->tcols = sx_xreallocarray(e->tcols, e->ncols ? e->ncols : 1, sizeof *e->tcols);
	for (size_t i = 0; i < e->ncols; i++) {
		e->tcols[i].name = e->cols[i].name;
		e->tcols[i].len = e->cols[i].len;
		e->tcols[i].type = e->cols[i].type;
		e->tcols[i].is_key = is_key(e, i);
	}
	struct sx_sql_target t = { e->d, e->table, e->tcols, e->ncols, e->keys, e->nkeys };
	return t;
}

/* ---- output and delivery accounting ---- */

static void emit_out(struct emit *e)
{
	if (e->out.len == 0)
		return;
	sx_out_write(&sx_stdout, e->out.data, e->out.len);
	sx_buf_reset(&e->out);
}

/* Forget commits that have reached the pipe. */
static void settle_marks(struct emit *e)
{
	size_t i = 0;
	while (i < e->nmarks && e->marks[i].end_byte <= sx_stdout.bytes)
		e->delivered = e->marks[i++].rows;
	if (i == 0)
		return;
	memmove(e->marks, e->marks + i, (e->nmarks - i) * sizeof *e->marks);
	e->nmarks -= i;
}

/* --copy: end the open COPY (before a COMMIT, ROLLBACK or other statement). */
static void copy_end(struct emit *e)
{
	if (!e->copy_open)
		return;
	sx_sql_copy_end(&e->out);
	e->copy_open = 0;
}

static void commit(struct emit *e)
{
	if (!e->txn_open)
		return;
	copy_end(e);
	sx_sql_commit(&e->out, e->d);
	emit_out(e);
	e->txn_open = 0;
	e->stage_exists = 0;
	for (size_t i = 0; i < e->ncols; i++)
		e->cols[i].in_stage = 0;
	e->rows_committed += e->txn_rows;
	e->txn_rows = 0;
	settle_marks(e);
	if (e->nmarks == e->marks_cap) {
		e->marks_cap = e->marks_cap ? 2 * e->marks_cap : 16;
		e->marks = sx_xreallocarray(e->marks, e->marks_cap, sizeof *e->marks);
	}
	e->marks[e->nmarks].end_byte = sx_stdout.bytes + sx_stdout.len;
	e->marks[e->nmarks].rows = e->rows_committed;
	e->nmarks++;
}

/* The database client stopped reading (EPIPE) or a write failed: exit 1 saying
 * what we know, never SIGPIPE, never a hang.  We know which COMMITs reached the
 * pipe, not which the client ran (it may have stopped on an error long before
 * reading them), so those rows are "at most" committed; rows whose COMMIT was
 * never written were not committed; input after the last record was not read. */
static void sink_fail(struct sx_out *o, int err)
{
	struct emit *e = &E;
	e->out_failed = 1;
	o->len = 0; /* nothing more can be delivered; do not retry at exit */
	settle_marks(e);
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
	struct emit *e = arg;
	if (sx_exit_status != SX_EXIT_OK && e->txn_open && !e->out_failed) {
		copy_end(e); /* psql would take ROLLBACK for a data line */
		sx_sql_rollback(&e->out, e->d);
		emit_out(e);
		e->txn_open = 0;
	}
}

/* ---- the batch ---- */

static struct sx_field field_of(const struct emit *e, const struct kept_row *r, const struct kept_field *k)
{
	struct sx_field f;
	memset(&f, 0, sizeof f);
	f.val = e->lines.data + r->line_off + k->off;
	f.val_len = k->len;
	f.type = k->type;
	f.val_esc = k->esc;
	return f;
}

/* Widen the undecided columns' types over this batch's values. */
static void infer_types(struct emit *e)
{
	for (size_t i = 0; i < e->nrows; i++) {
		const struct kept_row *r = &e->rows[i];
		for (size_t j = r->first; j < r->first + r->n; j++) {
			struct column *col = &e->cols[e->kf[j].col];
			if (col->decided || e->kf[j].type == SX_JNULL)
				continue;
			struct sx_field f = field_of(e, r, &e->kf[j]);
			col->type = sx_sql_widen(col->type, sx_sql_infer(&f, &e->scratch));
		}
	}
}

static void flush_batch(struct emit *e);

/* ---- records ---- */

static int record(void *st, struct sx_rec *rec, const char **why)
{
	struct emit *e = st;
	static char reason[256];
	if (rec->n > e->fmap_cap) {
		e->fmap_cap = rec->n;
		e->fmap = sx_xreallocarray(e->fmap, e->fmap_cap, sizeof *e->fmap);
	}
	if (rec->n > e->nhint) {
		e->hint = sx_xreallocarray(e->hint, rec->n, sizeof *e->hint);
		for (size_t i = e->nhint; i < rec->n; i++)
			e->hint[i] = SIZE_MAX;
		e->nhint = rec->n;
	}
	int accept_new = !e->columns_fixed && (!e->first_flushed || e->evolve);
	size_t nnew = 0;
	/* Pass 1: map each field to a column, check everything; change nothing. */
	for (size_t i = 0; i < rec->n; i++) {
		const struct sx_field *f = &rec->f[i];
		const char *name;
		size_t len;
		sx_buf_reset(&e->scratch);
		sx_json_unescape(f->key, f->key_len, f->key_esc, &e->scratch, &name, &len);
		size_t c = e->hint[i];
		if (c >= e->ncols || e->cols[c].len != len || memcmp(e->cols[c].name, name, len)) {
			c = col_find(e, name, len);
			if (c != SIZE_MAX)
				e->hint[i] = c;
		}
		e->fmap[i] = c;
		if (c == SIZE_MAX) {
			if (e->columns_fixed)
				continue; /* ignored */
			if (!accept_new) {
				snprintf(reason, sizeof reason, "field \"%.*s\" is not a column of the table "
					 "(--evolve adds new columns, --columns ignores other fields)",
					 len > 64 ? 64 : (int)len, name);
				*why = reason;
				return SX_REJECT;
			}
			const char *iwhy;
			if (sx_sql_ident_check(e->d, name, len, &iwhy) < 0) {
				snprintf(reason, sizeof reason, "field \"%.*s\": %s", len > 64 ? 64 : (int)len,
					 name, iwhy);
				*why = reason;
				return SX_REJECT;
			}
			/* SQLite and T-SQL (in its usual collations) fold ASCII case:
			 * "A" next to "a" would be a duplicate column */
			const char *clash = NULL;
			if (e->d != SX_SQL_POSTGRES)
				for (size_t j = 0; j < e->ncols && !clash; j++)
					if (e->cols[j].len == len && !strncasecmp(e->cols[j].name, name, len))
						clash = e->cols[j].name;
			if (clash) {
				snprintf(reason, sizeof reason, "field \"%.*s\" and column \"%.*s\" are the same "
					 "name in %s, which ignores case", len > 64 ? 64 : (int)len, name,
					 len > 64 ? 64 : (int)len, clash, sx_sql_dialect_name(e->d));
				*why = reason;
				return SX_REJECT;
			}
			/* a name repeated in this record is one new column */
			size_t dup = SIZE_MAX;
			for (size_t j = 0; j < i; j++)
				if (e->fmap[j] != SIZE_MAX && e->fmap[j] >= e->ncols) {
					const struct sx_field *g = &rec->f[j];
					const char *gname;
					size_t glen;
					struct sx_buf tmp = SX_BUF_INIT;
					sx_json_unescape(g->key, g->key_len, g->key_esc, &tmp, &gname, &glen);
					if (glen == len && !memcmp(gname, name, len))
						dup = e->fmap[j];
					else if (e->d != SX_SQL_POSTGRES && glen == len &&
						 !strncasecmp(gname, name, len))
						clash = "another field of this record";
					sx_buf_free(&tmp);
					if (clash) {
						snprintf(reason, sizeof reason, "field \"%.*s\" and %s are the same "
							 "name in %s, which ignores case", len > 64 ? 64 : (int)len,
							 name, clash, sx_sql_dialect_name(e->d));
						*why = reason;
						return SX_REJECT;
					}
				}
			if (dup == SIZE_MAX) {
				if (e->ncols + nnew + 1 > sx_sql_max_columns(e->d)) {
					snprintf(reason, sizeof reason, "field \"%.*s\": more than %zu columns, "
						 "%s's limit", len > 64 ? 64 : (int)len, name,
						 sx_sql_max_columns(e->d), sx_sql_dialect_name(e->d));
					*why = reason;
					return SX_REJECT;
				}
				dup = e->ncols + nnew++;
			}
			e->fmap[i] = dup;
		}
		if (sx_sql_value_check(e->d, f, &e->scratch, why) < 0) {
			snprintf(reason, sizeof reason, "field \"%.*s\": %s", len > 64 ? 64 : (int)len, name, *why);
			*why = reason;
			return SX_REJECT;
		}
		if (c != SIZE_MAX && e->cols[c].strict) {
			const char *vwhy;
			sx_buf_reset(&e->val);
			if (sx_sql_value(&e->val, e->d, e->copy, e->cols[c].type, f, &e->scratch, &vwhy) < 0) {
				snprintf(reason, sizeof reason, "field \"%.*s\": %s (column type %s)",
					 len > 64 ? 64 : (int)len, name, vwhy, sx_sql_type_label(e->cols[c].type));
				*why = reason;
				return SX_REJECT;
			}
		}
	}
	for (size_t k = 0; k < e->nkeys; k++) {
		const struct column *kc = &e->cols[e->keys[k]];
		const struct sx_field *f = sx_rec_getn(rec, kc->name, kc->len);
		if (!f || f->type == SX_JNULL) {
			snprintf(reason, sizeof reason, "key field \"%.*s\" is %s",
				 kc->len > 64 ? 64 : (int)kc->len, kc->name, f ? "null" : "missing");
			*why = reason;
			return SX_REJECT;
		}
	}
	/* Pass 2: accepted; add the new columns and keep the record. */
	if (e->nrows == e->rows_cap) {
		e->rows_cap = e->rows_cap ? 2 * e->rows_cap : 64;
		e->rows = sx_xreallocarray(e->rows, e->rows_cap, sizeof *e->rows);
	}
	struct kept_row *r = &e->rows[e->nrows++];
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
				e->cols[c].pending_add = e->first_flushed;
			}
			e->hint[i] = c;
		}
		if (e->nkf == e->kf_cap) {
			e->kf_cap = e->kf_cap ? 2 * e->kf_cap : 256;
			e->kf = sx_xreallocarray(e->kf, e->kf_cap, sizeof *e->kf);
		}
		struct kept_field *k = &e->kf[e->nkf++];
		k->col = c;
		k->off = (size_t)(f->val - rec->line);
		k->len = f->val_len;
		k->type = f->type;
		k->esc = f->val_esc;
		r->n++;
	}
	e->rows_accepted++;
	if ((long)e->nrows >= e->batch || (long)(e->txn_rows + e->nrows) >= e->commit_every)
		flush_batch(e);
	return SX_OK;
}

/* ---- writing a batch ---- */

/* The value in its column's type; a column whose type was only guessed
 * (no --create, --schema or --evolve) takes a misfit value as it is. */
static void render_value(struct emit *e, const struct column *col, const struct sx_field *f)
{
	const char *why;
	if (sx_sql_value(&e->out, e->d, e->copy, col->type, f, &e->scratch, &why) < 0)
		sx_sql_value(&e->out, e->d, e->copy, SX_SQLT_NONE, f, &e->scratch, &why);
}

static size_t *slots;
static size_t nslots;

/* slots[c] = the row's kept field for column c (the last one), or SIZE_MAX. */
static void fill_slots(struct emit *e, const struct kept_row *r)
{
	if (nslots < e->ncols) {
		nslots = e->ncols;
		slots = sx_xreallocarray(slots, nslots, sizeof *slots);
	}
	for (size_t c = 0; c < e->ncols; c++)
		slots[c] = SIZE_MAX;
	for (size_t j = r->first; j < r->first + r->n; j++)
		slots[e->kf[j].col] = j;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * UINT64_C(1099511628211);
	return h;
}

/* --upsert: mark all but the last row of each key as dead. */
static void collapse_duplicates(struct emit *e, unsigned char *dead)
{
	struct sx_buf keys = SX_BUF_INIT;
	size_t *koff = sx_xcalloc(e->nrows + 1, sizeof *koff);
	struct sx_buf saved = e->out;
	e->out = keys; /* render_value writes to e->out */
	for (size_t i = 0; i < e->nrows; i++) {
		fill_slots(e, &e->rows[i]);
		for (size_t k = 0; k < e->nkeys; k++) {
			size_t j = slots[e->keys[k]];
			size_t start = e->out.len;
			uint32_t n = 0;
			sx_buf_append(&e->out, &n, sizeof n);
			struct sx_field f = field_of(e, &e->rows[i], &e->kf[j]);
			render_value(e, &e->cols[e->keys[k]], &f);
			n = (uint32_t)(e->out.len - start - sizeof n);
			memcpy(e->out.data + start, &n, sizeof n);
		}
		koff[i + 1] = e->out.len;
	}
	keys = e->out;
	e->out = saved;
	size_t cap = 16;
	while (cap < 2 * e->nrows)
		cap *= 2;
	size_t *table = sx_xcalloc(cap, sizeof *table); /* row + 1, 0 = empty */
	for (size_t i = 0; i < e->nrows; i++) {
		const char *kp = keys.data + koff[i];
		size_t kn = koff[i + 1] - koff[i];
		size_t h = (size_t)fnv1a(kp, kn) & (cap - 1);
		for (;; h = (h + 1) & (cap - 1)) {
			if (!table[h]) {
				table[h] = i + 1;
				break;
			}
			size_t o = table[h] - 1;
			if (koff[o + 1] - koff[o] == kn && !memcmp(keys.data + koff[o], kp, kn)) {
				dead[o] = 1; /* last wins */
				table[h] = i + 1;
				break;
			}
		}
	}
	free(table);
	free(koff);
	sx_buf_free(&keys);
}

static void flush_batch(struct emit *e)
{
	if (e->nrows == 0)
		return;
	infer_types(e);
	int first = !e->first_flushed;
	for (size_t c = 0; c < e->ncols; c++) {
		struct column *col = &e->cols[c];
		if (col->decided)
			continue;
		if ((first && e->create) || col->pending_add) {
			/* we create it: it is typed now, nulls only make text */
			if (col->type == SX_SQLT_NONE)
				col->type = SX_SQLT_TEXT;
			col->decided = col->strict = 1;
		} else if (col->type != SX_SQLT_NONE) {
			col->decided = 1;
		}
	}
	struct sx_sql_target t = target(e);
	if (first && e->create) {
		sx_sql_create(&e->out, &t);
		e->created = 1;
	}
	e->first_flushed = 1;
	if (!e->txn_open) {
		sx_sql_begin(&e->out, e->d);
		e->txn_open = 1;
	}
	for (size_t c = 0; c < e->ncols; c++) {
		if (!e->cols[c].pending_add)
			continue;
		copy_end(e); /* the next COPY names the new column */
		sx_sql_add_column(&e->out, &t, c);
		e->cols[c].pending_add = 0;
		if (e->stage_exists && !e->cols[c].in_stage) {
			sx_sql_stage_add_column(&e->out, &t, c);
			e->cols[c].in_stage = 1;
		}
	}
	unsigned char *dead = sx_xcalloc(e->nrows, 1);
	if (e->upsert)
		collapse_duplicates(e, dead);
	if (e->copy) {
		if (e->upsert && !e->stage_exists) {
			sx_sql_stage_create(&e->out, &t);
			e->stage_exists = 1;
			for (size_t c = 0; c < e->ncols; c++)
				e->cols[c].in_stage = 1;
		}
		/* Plain --copy streams one COPY per transaction: a COPY statement is
		 * a round trip for psql, so one per batch cost as much as the load.
		 * --upsert merges each batch (keys collapse within a batch only). */
		if (!e->copy_open) {
			sx_sql_copy_head(&e->out, &t, e->upsert);
			e->copy_open = 1;
		}
	} else {
		sx_sql_insert_head(&e->out, &t, e->upsert);
	}
	uint64_t live = 0;
	for (size_t i = 0; i < e->nrows; i++) {
		if (dead[i])
			continue;
		const struct kept_row *r = &e->rows[i];
		fill_slots(e, r);
		if (!e->copy)
			sx_buf_puts(&e->out, live ? ",\n(" : "(");
		for (size_t c = 0; c < e->ncols; c++) {
			if (c)
				sx_buf_putc(&e->out, e->copy ? '\t' : ',');
			if (slots[c] == SIZE_MAX) {
				sx_buf_puts(&e->out, e->copy ? "\\N" : "NULL");
			} else {
				struct sx_field f = field_of(e, r, &e->kf[slots[c]]);
				render_value(e, &e->cols[c], &f);
			}
		}
		sx_buf_putc(&e->out, e->copy ? '\n' : ')');
		live++;
		/* keep the staging buffer modest on wide rows */
		if (e->out.len >= 256 * 1024)
			emit_out(e);
	}
	free(dead);
	if (e->copy) {
		if (e->upsert) {
			copy_end(e);
			sx_sql_stage_merge(&e->out, &t);
		}
	} else {
		sx_sql_insert_tail(&e->out, &t, e->upsert);
	}
	emit_out(e);
	sx_stats.records_out += live;
	e->txn_rows += e->nrows;
	e->nrows = 0;
	e->nkf = 0;
	sx_buf_reset(&e->lines);
	if ((long)e->txn_rows >= e->commit_every)
		commit(e);
}

/* Input went quiet: land what we have. */
static void tick(void *st)
{
	struct emit *e = st;
	if (!e->nrows && !e->txn_open)
		return;
	flush_batch(e);
	commit(e);
	sx_out_flush(&sx_stdout);
	settle_marks(e);
}

static void finish(void *st)
{
	struct emit *e = st;
	e->input_done = 1;
	flush_batch(e);
	if (e->create && !e->created && e->ncols) {
		/* no rows: the table can still be made if every type was given */
		int all_typed = 1;
		for (size_t c = 0; c < e->ncols; c++)
			all_typed &= e->cols[c].decided;
		if (all_typed) {
			struct sx_sql_target t = target(e);
			sx_sql_create(&e->out, &t);
			emit_out(e);
			e->created = 1;
		}
	}
	commit(e);
}

/* ---- options ---- */

/* Split "a,b,c" into malloc'd names (each checked as an identifier). */
static char **split_list(const char *opt, const char *arg, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0;
	const char *p = arg;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0)
			sx_usage_error("%s: empty name in '%s'", opt, arg);
		v = sx_xreallocarray(v, cnt + 1, sizeof *v);
		v[cnt++] = sx_xstrndup(p, len);
		if (!comma)
			break;
		p = comma + 1;
	}
	*n = cnt;
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void check_name(const struct emit *e, const char *opt, const char *name)
{
	const char *why;
	if (sx_sql_ident_check(e->d, name, strlen(name), &why) < 0)
		sx_usage_error("%s: '%s': %s", opt, name, why);
}

static void free_all(struct emit *e)
{
	for (size_t i = 0; i < e->ncols; i++)
		free(e->cols[i].name);
	free(e->cols);
	free(e->keys);
	free(e->hint);
	free(e->tcols);
	free(e->rows);
	free(e->kf);
	free(e->fmap);
	free(e->marks);
	free(slots);
	sx_buf_free(&e->lines);
	sx_buf_free(&e->scratch);
	sx_buf_free(&e->val);
	sx_buf_free(&e->out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SX_COMMON_LONGOPTS,
		{ "table", required_argument, NULL, OPT_TABLE },
		{ "dialect", required_argument, NULL, OPT_DIALECT },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "commit-every", required_argument, NULL, OPT_COMMIT_EVERY },
		{ "copy", no_argument, NULL, OPT_COPY },
		{ "create", no_argument, NULL, OPT_CREATE },
		{ "schema", required_argument, NULL, OPT_SCHEMA },
		{ "columns", required_argument, NULL, OPT_COLUMNS },
		{ "evolve", no_argument, NULL, OPT_EVOLVE },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "upsert", no_argument, NULL, OPT_UPSERT },
		{ 0, 0, 0, 0 }
	};
	struct emit *e = &E;
	struct sx_cli cli;
	const char *schema_arg = NULL, *columns_arg = NULL, *key_arg = NULL;
	int opt;
	e->d = SX_SQL_SQLITE;
	e->batch = 500;
	e->commit_every = 10000;
	sx_cli_init(&cli, argv[0], usage);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_TABLE: e->table = optarg; break;
		case OPT_DIALECT:
			if (sx_sql_dialect_parse(optarg, &e->d) < 0)
				sx_usage_error("--dialect: expected sqlite, postgres or tsql, not '%s'", optarg);
			break;
		case OPT_BATCH:
			e->batch = sx_cli_long("--batch", optarg, 1, 1000000);
			break;
		case OPT_COMMIT_EVERY:
			e->commit_every = sx_cli_long("--commit-every", optarg, 1, 1000000000);
			break;
		case OPT_COPY: e->copy = 1; break;
		case OPT_CREATE: e->create = 1; break;
		case OPT_SCHEMA: schema_arg = optarg; break;
		case OPT_COLUMNS: columns_arg = optarg; break;
		case OPT_EVOLVE: e->evolve = 1; break;
		case OPT_KEY: key_arg = optarg; break;
		case OPT_UPSERT: e->upsert = 1; break;
		default:
			sx_cli_common(&cli, opt, optarg);
		}
	}
	const char *why;
	if (!e->table)
		sx_usage_error("--table NAME is required");
	if (sx_sql_table_check(e->d, e->table, &why) < 0)
		sx_usage_error("--table: '%s': %s", e->table, why);
	if (e->copy && e->d != SX_SQL_POSTGRES)
		sx_usage_error("--copy needs --dialect postgres");
	if (e->d == SX_SQL_TSQL && e->batch > 1000)
		sx_usage_error("--batch: T-SQL allows at most 1000 rows per INSERT, not %ld", e->batch);
	if (e->upsert && !key_arg)
		sx_usage_error("--upsert needs --key COLUMNS");
	if (columns_arg && e->evolve)
		sx_usage_error("--columns fixes the column list; it cannot be combined with --evolve");
	if (columns_arg) {
		size_t n;
		char **v = split_list("--columns", columns_arg, &n);
		for (size_t i = 0; i < n; i++) {
			check_name(e, "--columns", v[i]);
			if (col_find(e, v[i], strlen(v[i])) != SIZE_MAX)
				sx_usage_error("--columns: '%s' is named twice", v[i]);
			col_add(e, v[i], strlen(v[i]));
		}
		free_list(v, n);
		e->columns_fixed = 1;
	}
	if (schema_arg) {
		size_t n;
		char **v = split_list("--schema", schema_arg, &n);
		for (size_t i = 0; i < n; i++) {
			char *colon = strrchr(v[i], ':');
			enum sx_sql_type t;
			if (!colon || colon == v[i] || sx_sql_type_parse(colon + 1, &t) < 0)
				sx_usage_error("--schema: expected COLUMN:TYPE with TYPE int, float, bool, "
					       "timestamp, text or json; not '%s'", v[i]);
			*colon = '\0';
			check_name(e, "--schema", v[i]);
			size_t c = col_find(e, v[i], strlen(v[i]));
			if (c == SIZE_MAX) {
				if (e->columns_fixed)
					sx_usage_error("--schema: '%s' is not one of --columns", v[i]);
				c = col_add(e, v[i], strlen(v[i]));
			} else if (e->cols[c].decided && !e->columns_fixed) {
				sx_usage_error("--schema: '%s' is named twice", v[i]);
			}
			e->cols[c].type = t;
			e->cols[c].decided = e->cols[c].strict = 1;
		}
		free_list(v, n);
	}
	if (key_arg) {
		size_t n;
		char **v = split_list("--key", key_arg, &n);
		e->keys = sx_xcalloc(n, sizeof *e->keys);
		for (size_t i = 0; i < n; i++) {
			check_name(e, "--key", v[i]);
			size_t c = col_find(e, v[i], strlen(v[i]));
			if (c == SIZE_MAX) {
				if (e->columns_fixed)
					sx_usage_error("--key: '%s' is not one of --columns", v[i]);
				c = col_add(e, v[i], strlen(v[i]));
			}
			if (is_key(e, c))
				sx_usage_error("--key: '%s' is named twice", v[i]);
			e->keys[e->nkeys++] = c;
		}
		free_list(v, n);
	}
	sx_cli_start(&cli, 0, argc - optind, argv + optind);
	/* A sink: a closed pipe is a failure to report, not a quiet end. */
	signal(SIGPIPE, SIG_IGN);
	sx_stdout.fail = sink_fail;
	sx_on_exit(rollback_at_exit, e);
	sx_sql_prologue(&e->out, e->d);
	emit_out(e);
	static const struct sx_stage stage = { record, tick, finish };
	struct sx_run_opts ro = { argv + optind, argc - optind, IDLE_FLUSH_MS };
	sx_run(&stage, e, &ro);
	/* deliver (or report) everything while the accounting still exists */
	sx_out_flush(&sx_stdout);
	free_all(e);
	sx_exit(SX_EXIT_OK);
}
