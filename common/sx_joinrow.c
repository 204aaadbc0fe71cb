/* sx_joinrow.c - joined output rows (see sx_joinrow.h). */
#include "sx_joinrow.h"
#include "sx_err.h"

#include <stdlib.h>
#include <string.h>

void sx_joinrow_init(struct sx_joinrow *j, char *const *lkeys, char *const *rkeys, int nkeys,
		     const char *prefix)
{
	memset(j, 0, sizeof *j);
	j->drop = sx_xcalloc((size_t)(nkeys > 0 ? nkeys : 1), sizeof *j->drop);
	j->drop_len = sx_xcalloc((size_t)(nkeys > 0 ? nkeys : 1), sizeof *j->drop_len);
	for (int i = 0; i < nkeys; i++) {
		if (strcmp(lkeys[i], rkeys[i]) != 0)
			continue;
		j->drop[j->ndrop] = rkeys[i];
		j->drop_len[j->ndrop++] = strlen(rkeys[i]);
	}
	j->prefix = prefix;
	j->plen = strlen(prefix);
}

void sx_joinrow_free(struct sx_joinrow *j)
{
	free(j->drop);
	free(j->drop_len);
	sx_buf_free(&j->left);
	sx_buf_free(&j->name);
	sx_buf_free(&j->cand);
	sx_buf_free(&j->val);
	sx_buf_free(&j->taken);
	memset(j, 0, sizeof *j);
}

/* The decoded name of F (into SCRATCH when it has escapes). */
static void field_name(const struct sx_field *f, struct sx_buf *scratch, const char **s, size_t *n)
{
	sx_json_unescape(f->key, f->key_len, f->key_esc, scratch, s, n);
}

static int has_name(const struct sx_field *rf, size_t rn, const char *s, size_t n, struct sx_buf *scratch)
{
	for (size_t i = 0; i < rn; i++) {
		const char *k;
		size_t kn;
		if (!rf[i].key_esc && rf[i].key_len != n)
			continue;
		field_name(&rf[i], scratch, &k, &kn);
		if (kn == n && memcmp(k, s, n) == 0)
			return 1;
	}
	return 0;
}

/* Is NAME among the names renamed so far in this row (length-prefixed)? */
static int was_taken(const struct sx_buf *t, const char *s, size_t n)
{
	size_t off = 0;
	while (off < t->len) {
		size_t len;
		memcpy(&len, t->data + off, sizeof len);
		off += sizeof len;
		if (len == n && memcmp(t->data + off, s, n) == 0)
			return 1;
		off += len;
	}
	return 0;
}

/* Write the left record's fields: its compact text without the closing
 * brace.  Returns whether it had any field. */
static int write_left_fields(struct sx_joinrow *j, struct sx_out *o, const struct sx_rec *left)
{
	if (left->compact) {
		sx_out_write(o, left->line, left->len - 1);
	} else {
		sx_buf_reset(&j->left);
		sx_json_compact_buf(&j->left, left->line, left->len);
		sx_out_write(o, j->left.data, j->left.len - 1);
	}
	return left->n > 0;
}

void sx_joinrow_write_left(struct sx_joinrow *j, struct sx_out *o, const struct sx_rec *left)
{
	write_left_fields(j, o, left);
	sx_out_write(o, "}\n", 2);
}

void sx_joinrow_write(struct sx_joinrow *j, struct sx_out *o, const struct sx_rec *left,
		      const struct sx_field *rf, size_t rn, int rcompact)
{
	int any = write_left_fields(j, o, left);
	sx_buf_reset(&j->taken);
	for (size_t i = 0; i < rn; i++) {
		const struct sx_field *f = &rf[i];
		const char *name;
		size_t nlen;
		field_name(f, &j->name, &name, &nlen);
		int dropped = 0;
		for (int d = 0; d < j->ndrop && !dropped; d++)
			dropped = j->drop_len[d] == nlen && memcmp(j->drop[d], name, nlen) == 0;
		if (dropped)
			continue;
		if (any)
			sx_out_putc(o, ',');
		any = 1;
		if (!sx_rec_getn(left, name, nlen)) {
			sx_out_putc(o, '"');
			sx_out_write(o, f->key, f->key_len);
			sx_out_putc(o, '"');
		} else {
			/* prefix until the name is free; `name` may live in j->name,
			 * which the checks below reuse, so build in j->cand */
			sx_buf_reset(&j->cand);
			sx_buf_append(&j->cand, j->prefix, j->plen);
			sx_buf_append(&j->cand, name, nlen);
			while (sx_rec_getn(left, j->cand.data, j->cand.len) ||
			       has_name(rf, rn, j->cand.data, j->cand.len, &j->val) ||
			       was_taken(&j->taken, j->cand.data, j->cand.len)) {
				sx_buf_reserve(&j->cand, j->plen);
				memmove(j->cand.data + j->plen, j->cand.data, j->cand.len);
				memcpy(j->cand.data, j->prefix, j->plen);
				j->cand.len += j->plen;
				j->cand.data[j->cand.len] = '\0';
			}
			size_t len = j->cand.len;
			sx_buf_append(&j->taken, &len, sizeof len);
			sx_buf_append(&j->taken, j->cand.data, len);
			sx_json_quote_out(o, j->cand.data, j->cand.len);
		}
		sx_out_putc(o, ':');
		if (rcompact) {
			sx_out_write(o, f->val, f->val_len);
		} else {
			sx_buf_reset(&j->val);
			sx_json_compact_buf(&j->val, f->val, f->val_len);
			sx_out_write(o, j->val.data, j->val.len);
		}
	}
	sx_out_write(o, "}\n", 2);
}
