/* sx_reorder.c - the --max-delay buffer (see sx_reorder.h). */
#include "sx_reorder.h"
#include "sx_grow.h"
#include "sx_err.h"
#include "sx_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines are packed into chunks of this size. */
#define CHUNK (256 * 1024)

void sx_reorder_init(struct sx_reorder *r)
{
	memset(r, 0, sizeof *r);
}

void sx_reorder_free(struct sx_reorder *r)
{
	for (size_t i = 0; i < r->nchunks; i++)
		free(r->chunks[i].mem);
	free(r->chunks);
	free(r->spare);
	free(r->heap);
	memset(r, 0, sizeof *r);
}

static inline int before(const struct sx_reorder_item *a, const struct sx_reorder_item *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* Chunk I is empty and not being filled: keep it for reuse, at the common
 * size (a long line's chunk shrinks back). */
static void retire(struct sx_reorder *r, size_t i)
{
	struct sx_reorder_chunk *c = &r->chunks[i];
	if (c->cap > CHUNK) {
		c->mem = sx_xrealloc(c->mem, CHUNK);
		c->cap = CHUNK;
	}
	c->used = 0;
	r->spare[r->nspare++] = i;
}

/* Make a chunk with room for NEED bytes the one being filled. */
static void next_chunk(struct sx_reorder *r, size_t need)
{
	size_t old = r->cur;
	int had = r->nchunks > 0;
	if (r->nspare) {
		r->cur = r->spare[--r->nspare];
	} else {
		if (r->nchunks == r->chunks_alloc) {
			r->chunks_alloc = r->chunks_alloc ? 2 * r->chunks_alloc : 16;
			r->chunks = sx_xreallocarray(r->chunks, r->chunks_alloc, sizeof *r->chunks);
			r->spare = sx_xreallocarray(r->spare, r->chunks_alloc, sizeof *r->spare);
		}
		r->chunks[r->nchunks] = (struct sx_reorder_chunk){ sx_xmalloc(CHUNK), CHUNK, 0, 0 };
		r->cur = r->nchunks++;
	}
	struct sx_reorder_chunk *c = &r->chunks[r->cur];
	if (c->cap < need) {
		c->mem = sx_xrealloc(c->mem, need);
		c->cap = need;
	}
	if (had && r->chunks[old].live == 0)
		retire(r, old);
}

/* The line of a popped item is no longer used. */
static void release(struct sx_reorder *r, size_t i)
{
	struct sx_reorder_chunk *c = &r->chunks[i];
	if (--c->live)
		return;
	if (i == r->cur)
		c->used = 0;
	else
		retire(r, i);
}

/* Where an item's kept fields are: 8-aligned after its line and NUL. */
static inline struct sx_reorder_field *fields_of(const struct sx_reorder_item *it)
{
	return (struct sx_reorder_field *)(it->line + ((it->len + 1 + 7) & ~(size_t)7));
}

/* Copy LINE (and room for NF fields after it) into the chunk being filled. */
static struct sx_reorder_item place(struct sx_reorder *r, sx_time_t t, uint64_t seq, const char *line,
				    size_t len, size_t nf)
{
	size_t fsize = nf * sizeof(struct sx_reorder_field);
	/* the fields start 8-aligned after the line and its NUL */
	size_t need = nf ? ((len + 1 + 7) & ~(size_t)7) + fsize : len + 1;
	SX_GROW(r->heap, r->n + 1, r->cap);
	if (!r->nchunks || r->chunks[r->cur].cap - r->chunks[r->cur].used < need + 7)
		next_chunk(r, need + 7);
	struct sx_reorder_chunk *c = &r->chunks[r->cur];
	c->used = (c->used + 7) & ~(size_t)7;
	struct sx_reorder_item it = { t, seq, c->mem + c->used, len, r->cur, 0, 0 };
	c->used += need;
	c->live++;
	memcpy(it.line, line, len);
	it.line[len] = '\0';
	r->bytes += len;
	return it;
}

static void sift_up(struct sx_reorder *r, struct sx_reorder_item it)
{
	size_t i = r->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(&it, &r->heap[p]))
			break;
		r->heap[i] = r->heap[p];
		i = p;
	}
	r->heap[i] = it;
}

void sx_reorder_push(struct sx_reorder *r, sx_time_t t, uint64_t seq, const char *line, size_t len)
{
	sift_up(r, place(r, t, seq, line, len, 0));
}

void sx_reorder_push_rec(struct sx_reorder *r, sx_time_t t, uint64_t seq, const struct sx_rec *rec)
{
	if (rec->len > UINT32_MAX || rec->n == 0 || rec->n > UINT32_MAX) {
		sx_reorder_push(r, t, seq, rec->line, rec->len);
		return;
	}
	struct sx_reorder_item it = place(r, t, seq, rec->line, rec->len, rec->n);
	struct sx_reorder_field *fs = fields_of(&it);
	for (size_t i = 0; i < rec->n; i++) {
		const struct sx_field *f = &rec->f[i];
		fs[i] = (struct sx_reorder_field){
			(uint32_t)(f->key - rec->line), (uint32_t)f->key_len,
			(uint32_t)(f->val - rec->line), (uint32_t)f->val_len,
			f->type, f->key_esc, f->val_esc,
		};
	}
	it.nf = (uint32_t)rec->n;
	it.compact = (unsigned char)rec->compact;
	sift_up(r, it);
}

int sx_reorder_rec(const struct sx_reorder_item *it, struct sx_rec *rec)
{
	if (!it->nf)
		return sx_rec_index(rec, it->line, it->len);
	const struct sx_reorder_field *fs = fields_of(it);
	if (rec->cap < it->nf) {
		rec->cap = it->nf < 16 ? 16 : it->nf;
		rec->f = sx_xreallocarray(rec->f, rec->cap, sizeof *rec->f);
	}
	const char *l = it->line;
	for (uint32_t i = 0; i < it->nf; i++) {
		const struct sx_reorder_field *s = &fs[i];
		rec->f[i] = (struct sx_field){ l + s->koff, s->klen, l + s->voff, s->vlen,
					       s->type, s->key_esc, s->val_esc };
	}
	rec->line = l;
	rec->len = it->len;
	rec->n = it->nf;
	rec->compact = it->compact;
	rec->err_off = SIZE_MAX;
	return 0;
}

const struct sx_reorder_item *sx_reorder_pop(struct sx_reorder *r, sx_time_t upto)
{
	if (r->n == 0 || r->heap[0].t > upto)
		return NULL;
	if (r->has_out)
		release(r, r->out.chunk);
	r->out = r->heap[0];
	r->has_out = 1;
	r->bytes -= r->out.len;
	struct sx_reorder_item last = r->heap[--r->n];
	/* sift down */
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= r->n)
			break;
		if (c + 1 < r->n && before(&r->heap[c + 1], &r->heap[c]))
			c++;
		if (!before(&r->heap[c], &last))
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	if (r->n)
		r->heap[i] = last;
	return &r->out;
}

static int cmp_items(const void *a, const void *b)
{
	const struct sx_reorder_item *x = a, *y = b;
	return before(x, y) ? -1 : before(y, x) ? 1 : 0;
}

json_t *sx_reorder_save(const struct sx_reorder *r)
{
	json_t *arr = json_array();
	struct sx_reorder_item *v = sx_xreallocarray(NULL, r->n ? r->n : 1, sizeof *v);
	if (r->n)
		memcpy(v, r->heap, r->n * sizeof *v);
	qsort(v, r->n, sizeof *v, cmp_items);
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(arr, json_pack("[IIs#]", (json_int_t)v[i].t, (json_int_t)v[i].seq,
						     v[i].line, v[i].len));
	free(v);
	return arr;
}

int sx_reorder_load(struct sx_reorder *r, const json_t *j, sx_time_t tmin, sx_time_t tmax,
		    uint64_t seq_end, char *err, size_t errlen)
{
	size_t i;
	json_t *e;
	struct sx_rec rec;
	if (!json_is_array(j)) {
		snprintf(err, errlen, "reorder: not a list");
		return -1;
	}
	sx_rec_init(&rec);
	json_array_foreach(j, i, e) {
		json_int_t t, seq;
		const char *line, *why = NULL;
		size_t len;
		if (json_unpack(e, "[IIs%]", &t, &seq, &line, &len) < 0)
			snprintf(err, errlen, "reorder: event %zu: not [time, seq, line]", i);
		else if (t < tmin || t > tmax)
			snprintf(err, errlen, "reorder: event %zu: time out of range", i);
		else if (seq < 0 || (uint64_t)seq >= seq_end)
			snprintf(err, errlen, "reorder: event %zu: sequence number out of range", i);
		else if (sx_rec_parse(&rec, line, len, &why) < 0)
			snprintf(err, errlen, "reorder: event %zu: %s", i, why);
		else {
			sx_reorder_push(r, (sx_time_t)t, (uint64_t)seq, line, len);
			continue;
		}
		sx_rec_free(&rec);
		return -1;
	}
	sx_rec_free(&rec);
	return 0;
}
