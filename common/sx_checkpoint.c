/* sx_checkpoint.c - sx-ingest's --checkpoint file (see sx_checkpoint.h). */
#include "sx_checkpoint.h"
#include "sx_commit.h"
#include "sx_err.h"
#include "sx_grow.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct sx_ckpt_entry *add(struct sx_ckpt *c, const char *path)
{
	SX_GROW(c->e, c->n + 1, c->cap);
	sx_strmap_put(&c->idx, path, strlen(path), NULL); /* entry number == c->n */
	struct sx_ckpt_entry *e = &c->e[c->n++];
	memset(e, 0, sizeof *e);
	e->path = sx_xstrdup(path);
	return e;
}

/* 1 with the reason in WHY when the checkpoint entry F is not valid (C:
 * the entries before it), else 0.  Every field sx_ckpt_save writes must be
 * there with its type (the fingerprint may be missing: older checkpoints
 * have none): a checkpoint is only ever written whole by this code, so
 * anything else is damage (or a hand edit gone wrong), and trusting it could
 * skip records. */
static int bad_entry(json_t *f, const struct sx_ckpt *c, char *why, size_t n)
{
	static const char *const nums[] = { "dev", "ino", "size", "offset", "line" };
	if (!json_is_object(f))
		return snprintf(why, n, "not an object"), 1;
	const char *path = json_string_value(json_object_get(f, "path"));
	if (!path || path[0] != '/')
		return snprintf(why, n, "\"path\" is not an absolute path"), 1;
	for (size_t k = 0; k < sizeof nums / sizeof *nums; k++) {
		json_t *v = json_object_get(f, nums[k]);
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return snprintf(why, n, "\"%s\" is not a non-negative integer", nums[k]), 1;
	}
	if (!json_is_boolean(json_object_get(f, "done")))
		return snprintf(why, n, "\"done\" is not true or false"), 1;
	json_t *tr = json_object_get(f, "tail_rejected");
	if (tr && !json_is_boolean(tr))
		return snprintf(why, n, "\"tail_rejected\" is not true or false"), 1;
	json_t *fl = json_object_get(f, "fp_len"), *fp = json_object_get(f, "fp");
	const char *hex = json_string_value(fp);
	if (fl && (!json_is_integer(fl) || json_integer_value(fl) <= 0))
		return snprintf(why, n, "\"fp_len\" is not a positive integer"), 1;
	if (fp && (!hex || strlen(hex) != 16 || strspn(hex, "0123456789abcdef") != 16))
		return snprintf(why, n, "\"fp\" is not 16 hexadecimal digits"), 1;
	if (!fl != !fp)
		return snprintf(why, n, "\"fp_len\" and \"fp\" go together"), 1;
	const char *key;
	json_t *v;
	json_object_foreach(f, key, v) {
		static const char *const known[] = { "path", "dev", "ino", "size", "offset", "line",
						     "done", "tail_rejected", "fp_len", "fp" };
		size_t k = 0;
		while (k < sizeof known / sizeof *known && strcmp(key, known[k]))
			k++;
		if (k == sizeof known / sizeof *known)
			return snprintf(why, n, "unknown field \"%s\"", key), 1;
	}
	/* every line counted holds one byte at least (its line end) */
	if (json_integer_value(json_object_get(f, "line")) > json_integer_value(json_object_get(f, "offset")))
		return snprintf(why, n, "\"line\" is beyond \"offset\""), 1;
	if (sx_strmap_find(&c->idx, path, strlen(path)) != SX_STRMAP_NONE)
		return snprintf(why, n, "%s is listed twice", path), 1;
	return 0;
}

static uint64_t u64(json_t *o, const char *k)
{
	return (uint64_t)json_integer_value(json_object_get(o, k));
}

void sx_ckpt_init_memory(struct sx_ckpt *c)
{
	memset(c, 0, sizeof *c);
	c->lock_fd = -1;
	sx_strmap_init(&c->idx, 0);
}

int sx_ckpt_load(struct sx_ckpt *c, const char *file, int defer)
{
	sx_ckpt_init_memory(c);
	c->file = file;
	c->defer = defer;
	char *data;
	size_t len;
	/* owned before it is read: two runs must not both finish a commit */
	c->lock_fd = sx_commit_own("--checkpoint", file);
	if (c->lock_fd < 0)
		return -1;
	int r = sx_commit_load(file, &data, &len);
	if (r <= 0)
		return r;
	json_error_t err;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	free(data);
	char why[300];
	json_t *files = json_object_get(root, "files");
	json_t *version = json_object_get(root, "version");
	if (!root)
		snprintf(why, sizeof why, "line %d: %s", err.line, err.text);
	else if (!json_is_array(files))
		snprintf(why, sizeof why, "no \"files\" array");
	else if (!json_is_integer(version) || json_integer_value(version) != 1)
		snprintf(why, sizeof why, "\"version\" is not 1");
	else if (json_object_size(root) != 2)
		snprintf(why, sizeof why, "unknown fields beside \"version\" and \"files\"");
	else
		why[0] = '\0';
	if (why[0]) {
		json_decref(root);
		return sx_error("%s: not a valid checkpoint file (%s)", file, why);
	}
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		if (bad_entry(f, c, why, sizeof why)) {
			json_decref(root);
			sx_ckpt_free(c);
			return sx_error("%s: not a valid checkpoint file (files[%zu]: %s)", file, i, why);
		}
		struct sx_ckpt_entry *e = add(c, json_string_value(json_object_get(f, "path")));
		e->dev = u64(f, "dev");
		e->ino = u64(f, "ino");
		e->size = u64(f, "size");
		e->offset = u64(f, "offset");
		e->line = u64(f, "line");
		e->done = json_is_true(json_object_get(f, "done"));
		e->tail_rejected = json_is_true(json_object_get(f, "tail_rejected"));
		const char *hex = json_string_value(json_object_get(f, "fp"));
		if (hex) {
			e->fp_len = u64(f, "fp_len");
			e->fp = strtoull(hex, NULL, 16);
		}
	}
	json_decref(root);
	return 0;
}

struct sx_ckpt_entry *sx_ckpt_find(struct sx_ckpt *c, const char *path)
{
	size_t i = sx_strmap_find(&c->idx, path, strlen(path));
	return i == SX_STRMAP_NONE ? NULL : &c->e[i];
}

static int same_file(const struct sx_ckpt_entry *e, const struct stat *st)
{
	return e->dev == (uint64_t)st->st_dev && e->ino == (uint64_t)st->st_ino &&
	       (uint64_t)st->st_size >= e->size;
}

int sx_ckpt_resume(struct sx_ckpt *c, const char *path, const struct stat *st, uint64_t *skip_to)
{
	struct sx_ckpt_entry *e = sx_ckpt_find(c, path);
	*skip_to = 0;
	if (!e || !same_file(e, st))
		return 0;
	if (e->done && (uint64_t)st->st_size == e->size)
		return 1;
	*skip_to = e->offset;
	return 0;
}

struct sx_ckpt_entry *sx_ckpt_track(struct sx_ckpt *c, const char *path, const struct stat *st)
{
	struct sx_ckpt_entry *e = sx_ckpt_find(c, path);
	if (!e)
		e = add(c, path);
	if (!same_file(e, st)) {
		e->dev = (uint64_t)st->st_dev;
		e->ino = (uint64_t)st->st_ino;
		e->size = e->offset = e->line = 0;
		e->tail_rejected = 0;
		e->fp_len = e->fp = 0;
	}
	e->done = 0;
	return e;
}

int sx_ckpt_fingerprint(int fd, const char *name, uint64_t len, uint64_t *fp)
{
	enum { WINDOW = 4096 };
	char buf[WINDOW];
	uint64_t h = 0, at[2] = { 0, len > 2 * WINDOW ? len - WINDOW : WINDOW };
	for (int w = 0; w < 2 && at[w] < len; w++) {
		size_t want = len - at[w] < WINDOW ? (size_t)(len - at[w]) : WINDOW, got = 0;
		while (got < want) {
			ssize_t r = pread(fd, buf + got, want - got, (off_t)(at[w] + got));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return sx_error("%s: read error:", name);
			if (r == 0)
				break; /* shorter than LEN now: hashed as it is, so it differs */
			got += (size_t)r;
		}
		h = sx_hash64(buf, got, h + (uint64_t)w);
	}
	*fp = h ^ len;
	return 0;
}

size_t sx_ckpt_prune(struct sx_ckpt *c, int (*gone)(struct sx_ckpt_entry *e, void *arg), void *arg)
{
	size_t kept = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (gone(&c->e[i], arg)) {
			free(c->e[i].path);
			continue;
		}
		c->e[kept++] = c->e[i];
	}
	size_t dropped = c->n - kept;
	if (dropped) {
		/* entry numbers are the index's: rebuild it */
		sx_strmap_free(&c->idx);
		for (size_t i = 0; i < kept; i++)
			sx_strmap_put(&c->idx, c->e[i].path, strlen(c->e[i].path), NULL);
		c->n = kept;
	}
	return dropped;
}

int sx_ckpt_save(struct sx_ckpt *c)
{
	if (!c->file)
		return 0;
	json_t *files = json_array();
	for (size_t i = 0; i < c->n; i++) {
		struct sx_ckpt_entry *e = &c->e[i];
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:b}", "path", e->path,
				      "dev", (json_int_t)e->dev, "ino", (json_int_t)e->ino,
				      "size", (json_int_t)e->size, "offset", (json_int_t)e->offset,
				      "line", (json_int_t)e->line, "done", e->done);
		if (o && e->tail_rejected)
			json_object_set_new(o, "tail_rejected", json_true());
		if (o && e->fp_len) {
			char hex[17];
			snprintf(hex, sizeof hex, "%016" PRIx64, e->fp);
			json_object_set_new(o, "fp_len", json_integer((json_int_t)e->fp_len));
			json_object_set_new(o, "fp", json_string(hex));
		}
		if (!o || json_array_append_new(files, o) < 0)
			sx_die(SX_EXIT_FAIL, "out of memory");
	}
	json_t *root = json_pack("{s:i, s:o}", "version", 1, "files", files);
	char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!text)
		sx_die(SX_EXIT_FAIL, "out of memory");
	/* a trailing newline makes the file friendlier to cat and diff */
	size_t len = strlen(text);
	char *withnl = sx_xmalloc(len + 1);
	memcpy(withnl, text, len);
	withnl[len] = '\n';
	free(text);
	int rc = sx_commit_write(c->file, withnl, len + 1, c->defer);
	free(withnl);
	return rc;
}

void sx_ckpt_free(struct sx_ckpt *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->e[i].path);
	free(c->e);
	c->e = NULL;
	c->n = c->cap = 0;
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	c->lock_fd = -1;
	sx_strmap_free(&c->idx);
}
