/* sx_pbi.c - Power BI rows, request bodies and schema (see sx_pbi.h). */
#include "sx_pbi.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_time.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
	[SX_PBI_NONE] = "String", [SX_PBI_INT64] = "Int64", [SX_PBI_DOUBLE] = "Double",
	[SX_PBI_BOOLEAN] = "Boolean", [SX_PBI_DATETIME] = "DateTime", [SX_PBI_STRING] = "String",
};

const char *sx_pbi_type_name(enum sx_pbi_type t)
{
	return type_names[t];
}

size_t sx_pbi_utf16_len(const char *s, size_t n)
{
	size_t units = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) != 0x80)
			units += c >= 0xF0 ? 2 : 1; /* 4-byte sequences are surrogate pairs */
	}
	return units;
}

size_t sx_pbi_utf16_cut(const char *s, size_t n, size_t max)
{
	size_t units = 0, i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t w = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		size_t u = c >= 0xF0 ? 2 : 1;
		if (units + u > max || i + w > n)
			break;
		units += u;
		i += w;
	}
	return i;
}

enum sx_pbi_type sx_pbi_value_type(const struct sx_field *f, struct sx_buf *scratch)
{
	switch (f->type) {
	case SX_JNULL:
		return SX_PBI_NONE;
	case SX_JTRUE:
	case SX_JFALSE:
		return SX_PBI_BOOLEAN;
	case SX_JNUMBER: {
		if (memchr(f->val, '.', f->val_len) || memchr(f->val, 'e', f->val_len) ||
		    memchr(f->val, 'E', f->val_len))
			return SX_PBI_DOUBLE;
		char tmp[32];
		if (f->val_len >= sizeof tmp)
			return SX_PBI_DOUBLE;
		memcpy(tmp, f->val, f->val_len);
		tmp[f->val_len] = '\0';
		errno = 0;
		long long v = strtoll(tmp, NULL, 10);
		/* the service refuses Int64's two extreme values */
		if (errno || v == INT64_MAX || v == INT64_MIN)
			return SX_PBI_DOUBLE;
		return SX_PBI_INT64;
	}
	case SX_JSTRING: {
		const char *s;
		size_t n;
		sx_time_t t;
		sx_field_str(f, scratch, &s, &n);
		return sx_time_parse(s, n, &t) == 0 ? SX_PBI_DATETIME : SX_PBI_STRING;
	}
	default:
		return SX_PBI_STRING;
	}
}

enum sx_pbi_type sx_pbi_type_merge(enum sx_pbi_type a, enum sx_pbi_type b)
{
	if (a == b || b == SX_PBI_NONE)
		return a;
	if (a == SX_PBI_NONE)
		return b;
	if ((a == SX_PBI_INT64 && b == SX_PBI_DOUBLE) || (a == SX_PBI_DOUBLE && b == SX_PBI_INT64))
		return SX_PBI_DOUBLE;
	return SX_PBI_STRING;
}

/* ---- batches ---- */

static const char *prefix(int streaming)
{
	return streaming ? "[" : "{\"rows\":[";
}

static const char *suffix(int streaming)
{
	return streaming ? "]" : "]}";
}

static struct sx_pbi_batch *batch_new(int streaming)
{
	struct sx_pbi_batch *b = sx_xcalloc(1, sizeof *b);
	sx_buf_puts(&b->body, prefix(streaming));
	return b;
}

void sx_pbi_batch_free(struct sx_pbi_batch *b)
{
	if (!b)
		return;
	sx_buf_free(&b->body);
	sx_buf_free(&b->recs);
	free(b->row_off);
	free(b->rec_off);
	free(b);
}

const char *sx_pbi_batch_rec(const struct sx_pbi_batch *b, size_t i, size_t *len)
{
	size_t end = i + 1 < b->nrows ? b->rec_off[i + 1] : b->recs.len;
	*len = end - b->rec_off[i] - 1;
	return b->recs.data + b->rec_off[i];
}

/* Append a row (its body bytes and its raw record) to B. */
static void batch_append(struct sx_pbi_batch *b, const char *row, size_t rowlen,
			 const char *rec, size_t reclen)
{
	if (b->nrows == b->cap) {
		b->cap = sx_grow_cap(b->cap, b->nrows + 1);
		SX_REALLOC_ARRAY(b->row_off, b->cap);
		SX_REALLOC_ARRAY(b->rec_off, b->cap);
	}
	if (b->nrows)
		sx_buf_putc(&b->body, ',');
	b->row_off[b->nrows] = b->body.len;
	sx_buf_append(&b->body, row, rowlen);
	b->rec_off[b->nrows] = b->recs.len;
	sx_buf_append(&b->recs, rec, reclen);
	sx_buf_putc(&b->recs, '\n');
	b->nrows++;
}

static void batch_seal(struct sx_pbi_batch *b, int streaming)
{
	sx_buf_puts(&b->body, suffix(streaming));
	b->sealed = 1;
}

/* Row I's bytes in a sealed batch. */
static const char *batch_row(const struct sx_pbi_batch *b, int streaming, size_t i, size_t *len)
{
	size_t end = i + 1 < b->nrows ? b->row_off[i + 1] - 1 : b->body.len - strlen(suffix(streaming));
	*len = end - b->row_off[i];
	return b->body.data + b->row_off[i];
}

static struct sx_pbi_batch *batch_slice(const struct sx_pbi_batch *b, int streaming, size_t from, size_t to)
{
	struct sx_pbi_batch *n = batch_new(streaming);
	n->first_at = b->first_at;
	n->user = b->user;
	for (size_t i = from; i < to; i++) {
		size_t rl, cl;
		const char *row = batch_row(b, streaming, i, &rl);
		const char *rec = sx_pbi_batch_rec(b, i, &cl);
		batch_append(n, row, rl, rec, cl);
	}
	batch_seal(n, streaming);
	return n;
}

void sx_pbi_batch_split(const struct sx_pbi_batch *b, int streaming,
			struct sx_pbi_batch **lo, struct sx_pbi_batch **hi)
{
	size_t mid = b->nrows / 2;
	*lo = batch_slice(b, streaming, 0, mid);
	*hi = batch_slice(b, streaming, mid, b->nrows);
}

/* ---- the batcher ---- */

void sx_pbi_init(struct sx_pbi *p, int streaming, size_t max_rows, size_t max_bytes)
{
	memset(p, 0, sizeof *p);
	p->streaming = streaming;
	p->max_rows = max_rows ? max_rows : SX_PBI_PUSH_MAX_ROWS;
	p->max_bytes = max_bytes ? max_bytes : streaming ? SX_PBI_STREAM_MAX_BYTES : SX_PBI_PUSH_MAX_BYTES;
	sx_strmap_init(&p->cols, sizeof(struct sx_pbi_col));
}

void sx_pbi_free(struct sx_pbi *p)
{
	sx_pbi_batch_free(p->cur);
	for (size_t i = p->ready_head; i < p->nready; i++)
		sx_pbi_batch_free(p->ready[i]);
	free(p->ready);
	sx_strmap_free(&p->cols);
	sx_buf_free(&p->row);
	sx_buf_free(&p->scratch);
	sx_buf_free(&p->scratch2);
	memset(p, 0, sizeof *p);
}

static void push_ready(struct sx_pbi *p, struct sx_pbi_batch *b)
{
	if (p->ready_head == p->nready)
		p->ready_head = p->nready = 0;
	SX_GROW(p->ready, p->nready + 1, p->ready_cap);
	p->ready[p->nready++] = b;
}

void sx_pbi_flush(struct sx_pbi *p)
{
	if (!p->cur || p->cur->nrows == 0)
		return;
	batch_seal(p->cur, p->streaming);
	push_ready(p, p->cur);
	p->cur = NULL;
}

struct sx_pbi_batch *sx_pbi_take(struct sx_pbi *p)
{
	if (p->ready_head == p->nready)
		return NULL;
	return p->ready[p->ready_head++];
}

/* A value cut to 4,000 characters, quoted, into OUT. */
static void put_cut(struct sx_pbi *p, const char *s, size_t n, struct sx_buf *out)
{
	size_t keep = n;
	if (n > SX_PBI_MAX_CHARS && sx_pbi_utf16_len(s, n) > SX_PBI_MAX_CHARS) {
		keep = sx_pbi_utf16_cut(s, n, SX_PBI_MAX_CHARS);
		p->truncated++;
		p->truncated_now = 1;
	}
	sx_json_quote_buf(out, s, keep);
}

static void note_cut_column(struct sx_pbi *p, const struct sx_field *f)
{
	if (p->truncated_now && !p->cut_col[0]) {
		size_t n = f->key_len < sizeof p->cut_col - 1 ? f->key_len : sizeof p->cut_col - 1;
		memcpy(p->cut_col, f->key, n);
		p->cut_col[n] = '\0';
	}
}

/* With a schema (--create-dataset): a DateTime column's value as sx's
 * canonical UTC time, and a String column's number or boolean as text, so
 * values fit the types the table was made with.  1 when written, 0 to pass
 * the value through. */
static int put_typed(struct sx_pbi *p, const struct sx_field *f, struct sx_buf *out)
{
	const char *k, *s;
	size_t kn, n;
	sx_json_unescape(f->key, f->key_len, f->key_esc, &p->scratch, &k, &kn);
	size_t i = sx_strmap_find(&p->cols, k, kn);
	if (i == SX_STRMAP_NONE)
		return 0;
	enum sx_pbi_type t = ((struct sx_pbi_col *)sx_strmap_value(&p->cols, i))->type;
	if (t == SX_PBI_STRING || t == SX_PBI_NONE) {
		if (f->type != SX_JNUMBER && f->type != SX_JTRUE && f->type != SX_JFALSE)
			return 0;
		sx_buf_putc(out, '"');
		sx_buf_append(out, f->val, f->val_len);
		sx_buf_putc(out, '"');
		return 1;
	}
	if (t != SX_PBI_DATETIME || f->type != SX_JSTRING)
		return 0;
	sx_field_str(f, &p->scratch, &s, &n);
	sx_time_t tm;
	char buf[SX_TIME_BUFSIZE];
	if (sx_time_parse(s, n, &tm) < 0)
		return 0;
	size_t len = sx_time_format(tm, buf);
	sx_buf_putc(out, '"');
	sx_buf_append(out, buf, len);
	sx_buf_putc(out, '"');
	return 1;
}

int sx_pbi_encode_row(struct sx_pbi *p, const struct sx_rec *r, struct sx_buf *out, const char **why)
{
	if (r->n > SX_PBI_MAX_COLUMNS) {
		snprintf(p->why, sizeof p->why, "%zu fields; a Power BI table has at most %d columns",
			 r->n, SX_PBI_MAX_COLUMNS);
		*why = p->why;
		return -1;
	}
	p->truncated_now = 0;
	p->cut_col[0] = '\0';
	sx_buf_putc(out, '{');
	for (size_t i = 0; i < r->n; i++) {
		const struct sx_field *f = &r->f[i];
		if (i)
			sx_buf_putc(out, ',');
		sx_buf_putc(out, '"');
		sx_buf_append(out, f->key, f->key_len);
		sx_buf_append(out, "\":", 2);
		if (p->has_schema && f->type != SX_JNULL && f->type != SX_JOBJECT &&
		    f->type != SX_JARRAY && put_typed(p, f, out))
			continue;
		switch (f->type) {
		case SX_JSTRING:
			/* escaped bytes are at least as many as UTF-16 units */
			if (f->val_len - 2 <= SX_PBI_MAX_CHARS) {
				sx_buf_append(out, f->val, f->val_len);
			} else {
				const char *s;
				size_t n;
				sx_field_str(f, &p->scratch, &s, &n);
				if (sx_pbi_utf16_len(s, n) <= SX_PBI_MAX_CHARS)
					sx_buf_append(out, f->val, f->val_len);
				else
					put_cut(p, s, n, out);
			}
			break;
		case SX_JOBJECT:
		case SX_JARRAY:
			sx_buf_reset(&p->scratch2);
			sx_json_compact_buf(&p->scratch2, f->val, f->val_len);
			put_cut(p, p->scratch2.data, p->scratch2.len, out);
			break;
		default:
			sx_buf_append(out, f->val, f->val_len);
		}
		note_cut_column(p, f);
	}
	sx_buf_putc(out, '}');
	return 0;
}

int sx_pbi_add(struct sx_pbi *p, const struct sx_rec *r, const char *line, size_t len,
	       int64_t now, const char **why)
{
	sx_buf_reset(&p->row);
	if (sx_pbi_encode_row(p, r, &p->row, why) < 0)
		return -1;
	size_t overhead = strlen(prefix(p->streaming)) + strlen(suffix(p->streaming));
	if (p->row.len + overhead > p->max_bytes) {
		snprintf(p->why, sizeof p->why,
			 "a row of %zu bytes does not fit in one request (at most %zu bytes)",
			 p->row.len, p->max_bytes - overhead);
		*why = p->why;
		return -1;
	}
	if (p->cur && p->cur->body.len + 1 + p->row.len + strlen(suffix(p->streaming)) > p->max_bytes)
		sx_pbi_flush(p);
	if (!p->cur) {
		p->cur = batch_new(p->streaming);
		p->cur->first_at = now;
	}
	batch_append(p->cur, p->row.data, p->row.len, line, len);
	if (p->cur->nrows >= p->max_rows)
		sx_pbi_flush(p);
	return 0;
}

/* ---- schema ---- */

int sx_pbi_infer(struct sx_pbi *p, const struct sx_pbi_batch *b, const char **why)
{
	struct sx_rec r;
	sx_rec_init(&r);
	for (size_t i = 0; i < b->nrows; i++) {
		size_t len;
		const char *line = sx_pbi_batch_rec(b, i, &len);
		const char *w;
		if (sx_rec_parse(&r, line, len, &w) < 0)
			continue; /* cannot happen: the batch holds parsed records */
		for (size_t j = 0; j < r.n; j++) {
			const struct sx_field *f = &r.f[j];
			const char *k;
			size_t kn;
			sx_json_unescape(f->key, f->key_len, f->key_esc, &p->scratch2, &k, &kn);
			size_t c = sx_strmap_put(&p->cols, k, kn, NULL);
			struct sx_pbi_col *col = sx_strmap_value(&p->cols, c);
			col->type = sx_pbi_type_merge(col->type, sx_pbi_value_type(f, &p->scratch));
		}
	}
	sx_rec_free(&r);
	size_t n = sx_strmap_count(&p->cols);
	if (n > SX_PBI_MAX_COLUMNS) {
		snprintf(p->why, sizeof p->why, "the first rows have %zu columns; a Power BI table has at most %d",
			 n, SX_PBI_MAX_COLUMNS);
		*why = p->why;
		return -1;
	}
	p->has_schema = 1;
	return 0;
}

void sx_pbi_reencode(struct sx_pbi *p, struct sx_pbi_batch *b)
{
	struct sx_pbi_batch *n = batch_new(p->streaming);
	struct sx_rec r;
	sx_rec_init(&r);
	for (size_t i = 0; i < b->nrows; i++) {
		size_t len;
		const char *line = sx_pbi_batch_rec(b, i, &len);
		const char *w;
		sx_buf_reset(&p->row);
		if (sx_rec_parse(&r, line, len, &w) < 0 || sx_pbi_encode_row(p, &r, &p->row, &w) < 0)
			continue; /* cannot happen: these records were encoded once */
		batch_append(n, p->row.data, p->row.len, line, len);
	}
	sx_rec_free(&r);
	if (b->sealed)
		batch_seal(n, p->streaming);
	/* swap the contents, keep B's identity */
	struct sx_pbi_batch tmp = *b;
	n->first_at = b->first_at;
	n->user = b->user;
	*b = *n;
	*n = tmp;
	sx_pbi_batch_free(n);
}

void sx_pbi_dataset_json(const struct sx_pbi *p, const char *name, const char *table, struct sx_buf *out)
{
	sx_buf_puts(out, "{\"name\":");
	sx_json_quote_buf(out, name, strlen(name));
	sx_buf_puts(out, ",\"defaultMode\":\"Push\",\"tables\":[{\"name\":");
	sx_json_quote_buf(out, table, strlen(table));
	sx_buf_puts(out, ",\"columns\":[");
	for (size_t i = 0; i < sx_strmap_count(&p->cols); i++) {
		size_t kn;
		const char *k = sx_strmap_key(&p->cols, i, &kn);
		const struct sx_pbi_col *c = sx_strmap_value(&p->cols, i);
		if (i)
			sx_buf_putc(out, ',');
		sx_buf_puts(out, "{\"name\":");
		sx_json_quote_buf(out, k, kn);
		sx_buf_puts(out, ",\"dataType\":\"");
		sx_buf_puts(out, sx_pbi_type_name(c->type));
		sx_buf_puts(out, "\"}");
	}
	sx_buf_puts(out, "]}]}");
}
