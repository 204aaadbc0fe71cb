/* sx_reorder.c - the --max-delay buffer (see sx_reorder.h). */
#include "sx_reorder.h"
#include "sx_err.h"
#include "sx_json.h"

#include <stdlib.h>
#include <string.h>

void sx_reorder_init(struct sx_reorder *r)
{
	memset(r, 0, sizeof *r);
}

void sx_reorder_free(struct sx_reorder *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->heap[i].line);
	for (size_t i = 0; i < r->npool; i++)
		free(r->pool[i]);
	free(r->heap);
	free(r->pool);
	free(r->pool_cap);
	free(r->out.line);
	memset(r, 0, sizeof *r);
}

static inline int before(const struct sx_reorder_item *a, const struct sx_reorder_item *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* Give a line buffer back to the pool. */
static void recycle(struct sx_reorder *r, char *line, size_t cap)
{
	if (!line)
		return;
	if (r->npool == r->pool_alloc) {
		r->pool_alloc = r->pool_alloc ? 2 * r->pool_alloc : 64;
		r->pool = sx_xreallocarray(r->pool, r->pool_alloc, sizeof *r->pool);
		r->pool_cap = sx_xreallocarray(r->pool_cap, r->pool_alloc, sizeof *r->pool_cap);
	}
	r->pool[r->npool] = line;
	r->pool_cap[r->npool++] = cap;
}

void sx_reorder_push(struct sx_reorder *r, sx_time_t t, uint64_t seq, const char *line, size_t len)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->heap = sx_xreallocarray(r->heap, r->cap, sizeof *r->heap);
	}
	struct sx_reorder_item it = { t, seq, NULL, len, 0 };
	if (r->npool) {
		r->npool--;
		it.line = r->pool[r->npool];
		it.cap = r->pool_cap[r->npool];
	}
	if (it.cap < len + 1) {
		it.cap = len + 1 > 128 ? len + 1 : 128;
		it.line = sx_xrealloc(it.line, it.cap);
	}
	memcpy(it.line, line, len);
	it.line[len] = '\0';
	r->bytes += len;
	/* sift up */
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

const struct sx_reorder_item *sx_reorder_pop(struct sx_reorder *r, sx_time_t upto)
{
	if (r->n == 0 || r->heap[0].t > upto)
		return NULL;
	recycle(r, r->out.line, r->out.cap);
	r->out = r->heap[0];
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

int sx_reorder_load(struct sx_reorder *r, const json_t *j)
{
	size_t i;
	json_t *e;
	if (!json_is_array(j))
		return -1;
	struct sx_rec rec;
	int ret = 0;
	sx_rec_init(&rec);
	json_array_foreach(j, i, e) {
		json_int_t t, seq;
		const char *line, *why;
		size_t len;
		/* only records are held: a damaged state must fail here, not when
		 * the line is released */
		if (json_unpack(e, "[IIs%]", &t, &seq, &line, &len) < 0 || seq < 0 ||
		    t < SX_TIME_MIN || t > SX_TIME_MAX || sx_rec_parse(&rec, line, len, &why) < 0) {
			ret = -1;
			break;
		}
		sx_reorder_push(r, (sx_time_t)t, (uint64_t)seq, line, len);
	}
	sx_rec_free(&rec);
	return ret;
}
