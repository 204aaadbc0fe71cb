/* sx_ref.c - reference data for sx-join --ref (see sx_ref.h). */
#include "sx_ref.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_hash.h"
#include "sx_in.h"
#include "sx_ingest.h"
#include "sx_onerror.h"
#include "sx_stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct row {
	size_t off, len;            /* text in tab->text */
	size_t f0, nf;              /* fields in tab->f */
};

struct sx_reftab {
	struct sx_buf text;
	struct row *rows;
	size_t nrows, rcap;
	struct sx_field *f;
	size_t nf, fcap;
	struct sx_strmap keys;      /* value: the row's index (the last row wins) */
	uint64_t dups, nokey;
	struct sx_buf first_dup;    /* the first repeated key, as JSON */
};

/* What a load is doing, for the ingest sink's callbacks. */
struct loader {
	struct sx_ref *r;
	struct sx_reftab *t;
	int reloading;
	int failed;
	char msg[512];              /* why a reload failed */
	struct sx_rec rec;
};

static void tab_free(struct sx_reftab *t)
{
	if (!t)
		return;
	sx_buf_free(&t->text);
	free(t->rows);
	free(t->f);
	sx_strmap_free(&t->keys);
	sx_buf_free(&t->first_dup);
	free(t);
}

/* The key fields of a repeated row, as {"k":v,...}, for the warning. */
static void describe_key(struct sx_buf *b, const struct sx_rec *rec, char *const *names, int n)
{
	sx_buf_putc(b, '{');
	for (int i = 0; i < n; i++) {
		const struct sx_field *f = sx_rec_get(rec, names[i]);
		if (i)
			sx_buf_putc(b, ',');
		sx_json_quote_buf(b, names[i], strlen(names[i]));
		sx_buf_putc(b, ':');
		sx_buf_append(b, f->val, f->val_len);
	}
	sx_buf_putc(b, '}');
}

static void on_row(void *ctx, const char *p, size_t n)
{
	struct loader *ld = ctx;
	struct sx_reftab *t = ld->t;
	struct sx_ref *r = ld->r;
	const char *why;
	if (ld->failed)
		return;
	if (sx_rec_parse(&ld->rec, p, n, &why) < 0)
		sx_die(SX_EXIT_FAIL, "internal error: a reference row does not parse: %s", why);
	if (!sx_jkey_make(&r->rkey, &ld->rec)) {
		t->nokey++;
		return;
	}
	int inserted;
	size_t k = sx_strmap_puth(&t->keys, r->rkey.key.data, r->rkey.key.len, r->rkey.hash, &inserted);
	if (!inserted) {
		if (!t->dups++)
			describe_key(&t->first_dup, &ld->rec, r->c.rkeys, r->c.nkeys);
	}
	SX_GROW(t->rows, t->nrows + 1, t->rcap);
	*(size_t *)sx_strmap_value(&t->keys, k) = t->nrows;
	t->rows[t->nrows++] = (struct row){ t->text.len, n, 0, 0 };
	sx_buf_append(&t->text, p, n);
}

static void on_error(void *ctx, int fatal, const char *file, uint64_t line, const char *why,
		     const char *raw, size_t rawlen)
{
	struct loader *ld = ctx;
	if (ld->failed)
		return;
	if (!ld->reloading || (!fatal && sx_onerror_mode() != SX_ONERR_FAIL)) {
		if (fatal) {
			if (line)
				sx_die(SX_EXIT_FAIL, "%s:%" PRIu64 ": %s", file, line, why);
			sx_die(SX_EXIT_FAIL, "%s: %s", file, why);
		}
		sx_data_error(file, line, why, raw, rawlen);
		return;
	}
	/* a reload that fails changes nothing */
	ld->failed = 1;
	if (line)
		snprintf(ld->msg, sizeof ld->msg, "%s:%" PRIu64 ": %s", file, line, why);
	else
		snprintf(ld->msg, sizeof ld->msg, "%s: %s", file, why);
}

/* The fields of every row that won its key, pointing into the final text. */
static void index_fields(struct sx_reftab *t, struct sx_rec *rec)
{
	size_t nk = sx_strmap_count(&t->keys);
	for (size_t k = 0; k < nk; k++) {
		struct row *w = &t->rows[*(size_t *)sx_strmap_value(&t->keys, k)];
		const char *why;
		if (sx_rec_parse(rec, t->text.data + w->off, w->len, &why) < 0)
			sx_die(SX_EXIT_FAIL, "internal error: a reference row does not parse: %s", why);
		SX_GROW(t->f, t->nf + rec->n, t->fcap);
		w->f0 = t->nf;
		w->nf = rec->n;
		memcpy(t->f + t->nf, rec->f, rec->n * sizeof *rec->f);
		t->nf += rec->n;
	}
}

/* Load the file into a new table: the table, or NULL when a reload failed
 * (warned).  At start every failure exits. */
static struct sx_reftab *load(struct sx_ref *r, int reloading)
{
	struct loader ld;
	memset(&ld, 0, sizeof ld);
	ld.r = r;
	ld.reloading = reloading;
	ld.t = sx_xcalloc(1, sizeof *ld.t);
	sx_strmap_init(&ld.t->keys, sizeof(size_t));
	sx_rec_init(&ld.rec);
	struct sx_ingest_cfg icfg;
	memset(&icfg, 0, sizeof icfg);
	struct sx_ingest *g = sx_ingest_new(&icfg);
	struct sx_ingest_sink sink = { on_row, on_error, &ld };
	sx_ingest_set_sink(g, &sink);
	struct sx_in in;
	int rc = -1;
	if (sx_in_open(&in, r->c.path) == 0) {
		rc = sx_ingest_source(g, &in, r->c.path, 0);
		sx_in_close(&in);
	}
	sx_ingest_free(g);
	if (rc < 0 && !ld.failed) {
		/* an I/O error, already reported by sx_in */
		ld.failed = 1;
		snprintf(ld.msg, sizeof ld.msg, "cannot read %s", r->c.path);
	}
	if (ld.failed || rc < 0) {
		sx_rec_free(&ld.rec);
		tab_free(ld.t);
		if (!reloading)
			sx_exit(SX_EXIT_FAIL);
		sx_warn("%s: reload failed (%s); keeping the version loaded before", r->c.path, ld.msg);
		return NULL;
	}
	index_fields(ld.t, &ld.rec);
	sx_rec_free(&ld.rec);
	struct sx_reftab *t = ld.t;
	if (t->dups)
		sx_warn("%s: %" PRIu64 " row%s repeat%s the key of an earlier row; the last one wins (first: %s)",
			r->c.path, t->dups, t->dups == 1 ? "" : "s", t->dups == 1 ? "s" : "", t->first_dup.data);
	if (t->nokey)
		sx_warn("%s: %" PRIu64 " row%s with a null or missing key can never match", r->c.path,
			t->nokey, t->nokey == 1 ? "" : "s");
	*r->rows = sx_strmap_count(&t->keys);
	return t;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

void sx_ref_init(struct sx_ref *r, const struct sx_ref_cfg *c, struct sx_out *out)
{
	memset(r, 0, sizeof *r);
	r->c = *c;
	r->out = out;
	sx_jkey_init(&r->lkey, c->lkeys, c->nkeys);
	sx_jkey_init(&r->rkey, c->rkeys, c->nkeys);
	sx_joinrow_init(&r->row, c->lkeys, c->rkeys, c->nkeys, c->prefix);
	r->matched = sx_stats_counter("matched");
	r->unmatched = sx_stats_counter("unmatched");
	r->rows = sx_stats_counter("ref_rows");
	r->reloads = sx_stats_counter("reloads");
	if (stat(c->path, &r->id) < 0)
		sx_die(SX_EXIT_FAIL, "%s:", c->path);
	r->tab = load(r, 0);
	r->next_check = sx_mono_now() + c->reload;
}

void sx_ref_free(struct sx_ref *r)
{
	tab_free(r->tab);
	sx_jkey_free(&r->lkey);
	sx_jkey_free(&r->rkey);
	sx_joinrow_free(&r->row);
	memset(r, 0, sizeof *r);
}

size_t sx_ref_count(const struct sx_ref *r)
{
	return sx_strmap_count(&r->tab->keys);
}

int sx_ref_tick_ms(const struct sx_ref *r)
{
	if (!r->c.reload)
		return 0;
	int64_t ms = r->c.reload / 2000;
	return ms < 10 ? 10 : ms > 1000 ? 1000 : (int)ms;
}

int sx_ref_check(struct sx_ref *r)
{
	if (!r->c.reload)
		return 0;
	int64_t now = sx_mono_now();
	if (now < r->next_check)
		return 0;
	r->next_check = now + r->c.reload;
	struct stat st;
	if (stat(r->c.path, &st) < 0) {
		if (!r->stat_failed)
			sx_warn("%s: cannot check for a new version (%s); keeping the one loaded", r->c.path,
				strerror(errno));
		r->stat_failed = 1;
		return -1;
	}
	r->stat_failed = 0;
	if (same_file(&st, &r->id))
		return 0;
	r->id = st; /* a version that fails is not retried until it changes again */
	size_t before = *r->rows;
	struct sx_reftab *t = load(r, 1);
	if (!t) {
		*r->rows = before;
		return -1;
	}
	tab_free(r->tab);
	r->tab = t;
	(*r->reloads)++;
	return 1;
}

/* ---- the stage ---- */

static int on_record(void *st, struct sx_rec *rec, const char **why)
{
	struct sx_ref *r = st;
	(void)why;
	if (r->c.reload)
		sx_ref_check(r);
	struct sx_reftab *t = r->tab;
	size_t k = SX_STRMAP_NONE;
	if (sx_jkey_make(&r->lkey, rec))
		k = sx_strmap_findh(&t->keys, r->lkey.key.data, r->lkey.key.len, r->lkey.hash);
	if (k == SX_STRMAP_NONE) {
		(*r->unmatched)++;
		if (r->c.left) {
			sx_joinrow_write_left(&r->row, r->out, rec);
			sx_stats.records_out++;
		}
		return SX_OK;
	}
	const struct row *w = &t->rows[*(size_t *)sx_strmap_value(&t->keys, k)];
	(*r->matched)++;
	sx_joinrow_write(&r->row, r->out, rec, t->f + w->f0, w->nf, 1);
	sx_stats.records_out++;
	return SX_OK;
}

static void on_tick(void *st)
{
	sx_ref_check(st);
}

const struct sx_stage sx_ref_stage = { on_record, on_tick, NULL };
