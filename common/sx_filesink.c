/* sx_filesink.c - records into rotated, atomically published files (see sx_filesink.h). */
#define _GNU_SOURCE /* nftw's FTW_PHYS */
#include "sx_filesink.h"
#include "sx_buf.h"
#include "sx_commit.h"
#include "sx_err.h"
#include "sx_hash.h"
#include "sx_json.h"
#include "sx_out.h"
#include "sx_pathpat.h"
#include "sx_stats.h"
#include "sx_timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

int64_t (*sx_filesink_mono_clock)(void) = sx_mono_now;
sx_time_t (*sx_filesink_wall_clock)(void) = sx_time_now;

#define WRITEBACK_STEP (8u << 20)
#define FILE_BUFSIZE (64u << 10)
#define DONE_BATCH 64 /* closed files published together, at most */

/* An open output file. */
struct fs_file {
	char *dir;              /* its folder, as rendered */
	size_t dir_len;
	char *final;            /* DIR/NAME */
	struct sx_out out;      /* writes the .part file (out.name) */
	z_stream z;
	int gz;
	uint64_t rows;
	uint64_t raw;           /* bytes before compression, for --max-bytes */
	uint64_t kicked;        /* bytes handed to writeback so far */
	int64_t opened_mono;
	uint64_t last_use;
	sx_time_t bucket_end;
	int dirty;              /* written since the last flush */
	/* CSV: the header's decoded names, each NUL-terminated, and their count */
	struct sx_buf cols;
	size_t ncols;
	int header;             /* CSV: the header is written */
};

struct sx_filesink {
	struct sx_filesink_cfg c;
	struct sx_pathpat *pat;
	const char *ext;
	char run[64];                /* RUN of the file names */
	uint64_t seq;                /* files begun by this run */
	struct fs_file **open;       /* the open files */
	size_t nopen;
	struct sx_strmap map;        /* folder -> struct fs_file * (NULL once closed) */
	struct fs_file *last;        /* the file of the last record */
	uint64_t use;                /* LRU clock */
	sx_time_t max_t, wm;         /* latest event time, watermark */
	sx_time_t min_end;           /* smallest bucket_end among open files */
	int64_t quiet_since;         /* monotonic, when the reader last waited (0: busy) */
	int64_t last_input_mono;
	struct sx_buf dir, scratch, line, path;
	uint64_t *n_files, *n_bytes;
	struct fs_done *done;        /* closed, to publish */
	size_t ndone;
	/* --defer-commit */
	int lock_fd;
	char tag[17];
	struct sx_buf staged;        /* "publish PATH\n" lines of this run */
	int failed;
};

static void close_file(struct sx_filesink *s, struct fs_file *f, int publish);
struct fs_done;

/* ---- names ---- */

void sx_filesink_name(struct sx_buf *b, const char *run, uint64_t seq, const char *ext)
{
	sx_buf_printf(b, "%s-%08" PRIu64 "%s", run, seq, ext);
}

/* RUN: "20261208T031200123456Z-9f3a1c2e". */
static void make_run(char *buf, size_t n)
{
	sx_time_t t = sx_filesink_wall_clock();
	int64_t days = sx_floor_div(t, INT64_C(86400000000)), y;
	int64_t us = t - days * INT64_C(86400000000);
	unsigned m, d;
	uint32_t rnd;
	sx_civil_from_days(days, &y, &m, &d);
	if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd)
		rnd = (uint32_t)sx_hash64(&t, sizeof t, (uint64_t)getpid());
	snprintf(buf, n, "%04d%02u%02uT%02d%02d%02d%06dZ-%08" PRIx32, (int)y, m, d,
		 (int)(us / 3600000000), (int)(us / 60000000 % 60), (int)(us / 1000000 % 60),
		 (int)(us % 1000000), rnd);
}

/* ".RUN-SEQ.EXT.part": RUN is 15 digits and letters, 'Z', '-', 8 hex. */
int sx_filesink_is_part(const char *name)
{
	size_t n = strlen(name);
	if (n < 1 + 31 + 1 + 8 + 5 || name[0] != '.' || strcmp(name + n - 5, ".part") != 0)
		return 0;
	return name[9] == 'T' && name[22] == 'Z' && name[23] == '-' && name[32] == '-';
}

/* ---- writing ---- */

static void file_fail(struct sx_out *o, int err)
{
	errno = err;
	sx_out_discard(o);
	sx_die(SX_EXIT_FAIL, "%s: write error:", o->name);
}

static void gz_pump(struct fs_file *f, int flush)
{
	struct sx_out *o = &f->out;
	for (;;) {
		if (o->len == o->cap)
			sx_out_flush(o);
		f->z.next_out = (unsigned char *)o->buf + o->len;
		f->z.avail_out = (uInt)(o->cap - o->len);
		int r = deflate(&f->z, flush);
		o->len = o->cap - f->z.avail_out;
		if (r == Z_STREAM_ERROR)
			sx_die(SX_EXIT_FAIL, "%s: internal error: deflate failed", o->name);
		if (f->z.avail_out != 0 && (flush == Z_NO_FLUSH || f->z.avail_in == 0) &&
		    (flush != Z_FINISH || r == Z_STREAM_END))
			break;
	}
}

static void put(struct fs_file *f, const void *p, size_t n)
{
	f->raw += n;
	if (!f->gz) {
		sx_out_write(&f->out, p, n);
		return;
	}
	f->z.next_in = (unsigned char *)(uintptr_t)p;
	f->z.avail_in = (uInt)n;
	gz_pump(f, Z_NO_FLUSH);
}

/* One CSV field: quoted when it holds a delimiter, quote, CR or LF, or is
 * empty (an empty string; null is written as nothing). */
static void put_csv_text(struct fs_file *f, struct sx_buf *b, const char *s, size_t n)
{
	int quote = n == 0;
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		sx_buf_append(b, s, n);
		return;
	}
	(void)f;
	sx_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			sx_buf_putc(b, '"');
		sx_buf_putc(b, s[i]);
	}
	sx_buf_putc(b, '"');
}

/* ---- the open-file table ---- */

static void map_rebuild(struct sx_filesink *s)
{
	sx_strmap_clear(&s->map);
	for (size_t i = 0; i < s->nopen; i++) {
		struct fs_file *f = s->open[i];
		size_t e = sx_strmap_put(&s->map, f->dir, f->dir_len, NULL);
		memcpy(sx_strmap_value(&s->map, e), &f, sizeof f);
	}
}

static struct fs_file *map_get(struct sx_filesink *s, const char *dir, size_t len)
{
	size_t e = sx_strmap_find(&s->map, dir, len);
	struct fs_file *f = NULL;
	if (e != SX_STRMAP_NONE)
		memcpy(&f, sx_strmap_value(&s->map, e), sizeof f);
	return f;
}

static void map_set(struct sx_filesink *s, const char *dir, size_t len, struct fs_file *f)
{
	size_t e = sx_strmap_put(&s->map, dir, len, NULL);
	memcpy(sx_strmap_value(&s->map, e), &f, sizeof f);
}

static void recompute_min_end(struct sx_filesink *s)
{
	s->min_end = SX_TIME_MAX;
	for (size_t i = 0; i < s->nopen; i++)
		if (s->open[i]->bucket_end < s->min_end)
			s->min_end = s->open[i]->bucket_end;
}

/* mkdir -p DIR (a rendered folder): the deepest first, its parents only
 * when they are missing too (usually only the last folder is new). */
static int make_dirs(char *dir)
{
	if (mkdir(dir, 0777) == 0 || errno == EEXIST)
		return 0;
	char *slash = strrchr(dir, '/');
	if (errno != ENOENT || !slash || slash == dir)
		return -1;
	*slash = '\0';
	int r = make_dirs(dir);
	*slash = '/';
	if (r < 0)
		return -1;
	return mkdir(dir, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

static struct fs_file *open_file(struct sx_filesink *s, const char *dir, size_t dir_len, sx_time_t t)
{
	if (s->nopen >= (size_t)s->c.max_open) {
		/* the least recently used goes first */
		size_t lru = 0;
		for (size_t i = 1; i < s->nopen; i++)
			if (s->open[i]->last_use < s->open[lru]->last_use)
				lru = i;
		close_file(s, s->open[lru], 1);
	}
	struct fs_file *f = sx_xcalloc(1, sizeof *f);
	f->dir = sx_xstrndup(dir, dir_len);
	f->dir_len = dir_len;
	struct sx_buf name = SX_BUF_INIT, part = SX_BUF_INIT;
	sx_filesink_name(&name, s->run, ++s->seq, s->ext);
	sx_buf_printf(&part, "%s/.%s.part", f->dir, name.data);
	struct sx_buf fin = SX_BUF_INIT;
	sx_buf_printf(&fin, "%s/%s", f->dir, name.data);
	f->final = fin.data;
	sx_buf_free(&name);
	int fd = open(part.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == ENOENT) {
		if (make_dirs(f->dir) < 0)
			sx_die(SX_EXIT_FAIL, "%s: cannot create folder:", f->dir);
		fd = open(part.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	}
	if (fd < 0)
		sx_die(SX_EXIT_FAIL, "%s:", part.data);
	/* held while writing: a later run removes only .part files nobody holds */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		sx_die(SX_EXIT_FAIL, "%s: cannot lock:", part.data);
	/* a smaller buffer than stdout's: up to --max-open of them at once;
	 * out.name owns part's buffer */
	sx_out_init_buf(&f->out, fd, part.data, sx_xmalloc(FILE_BUFSIZE), FILE_BUFSIZE);
	f->out.fail = file_fail;
	if (s->c.gzip) {
		if (deflateInit2(&f->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			sx_die(SX_EXIT_FAIL, "out of memory");
		f->gz = 1;
	}
	f->opened_mono = s->c.max_age_us ? sx_filesink_mono_clock() : 0;
	f->bucket_end = sx_pathpat_bucket_end(s->pat, t);
	if (f->bucket_end < s->min_end)
		s->min_end = f->bucket_end;
	s->open = sx_xreallocarray(s->open, s->nopen + 1, sizeof *s->open);
	s->open[s->nopen++] = f;
	/* the map keeps closed folders as NULL: rebuilt when they outnumber the open */
	if (s->map.n > 4 * (size_t)s->c.max_open + 1024)
		map_rebuild(s);
	map_set(s, f->dir, f->dir_len, f);
	return f;
}

/* A closed file waiting to be published: its data is written, not yet
 * synced; the descriptor (and its lock) is kept until it is renamed. */
struct fs_done {
	int fd;
	char *part, *final;
	uint64_t rows, bytes;
};

/* Publish the closed files: one syncfs for all (a fsync per file costs a
 * disk round trip each, ruinous with many small files), then each renamed
 * into place (or to its staged name with --defer-commit). */
static void publish_done(struct sx_filesink *s)
{
	if (s->ndone == 0)
		return;
	if (syncfs(s->done[0].fd) < 0)
		sx_die(SX_EXIT_FAIL, "%s: write error:", s->done[0].part);
	for (size_t i = 0; i < s->ndone; i++) {
		struct fs_done *d = &s->done[i];
		if (s->c.defer) {
			struct sx_buf staged = SX_BUF_INIT;
			sx_commit_staged_path(&staged, d->final, s->tag);
			if (rename(d->part, staged.data) < 0)
				sx_die(SX_EXIT_FAIL, "%s: cannot rename:", d->part);
			char *abs = realpath(staged.data, NULL);
			if (!abs)
				sx_die(SX_EXIT_FAIL, "%s:", staged.data);
			sx_buf_printf(&s->staged, "publish %s\n", abs);
			free(abs);
			sx_buf_free(&staged);
		} else if (rename(d->part, d->final) < 0) {
			sx_die(SX_EXIT_FAIL, "%s: cannot rename into place:", d->part);
		}
		if (close(d->fd) < 0)
			sx_die(SX_EXIT_FAIL, "%s: write error:", d->final);
		*s->n_files += 1;
		*s->n_bytes += d->bytes;
		free(d->part);
		free(d->final);
		/* done: what is left to publish starts after it */
		d->fd = -1;
	}
	s->ndone = 0;
}

/* Drop the closed files not yet published (a failed run). */
static uint64_t drop_done(struct sx_filesink *s)
{
	uint64_t rows = 0;
	for (size_t i = 0; i < s->ndone; i++) {
		struct fs_done *d = &s->done[i];
		if (d->fd < 0)
			continue;
		unlink(d->part);
		close(d->fd);
		rows += d->rows;
		free(d->part);
		free(d->final);
	}
	s->ndone = 0;
	return rows;
}

/* Finish F: its data written and the file queued for publication
 * (PUBLISH), or removed. */
static void close_file(struct sx_filesink *s, struct fs_file *f, int publish)
{
	char *part = (char *)f->out.name;
	if (publish) {
		if (f->gz)
			gz_pump(f, Z_FINISH);
		sx_out_flush(&f->out);
	}
	if (f->gz)
		deflateEnd(&f->z);
	if (!publish) {
		unlink(part);
		close(f->out.fd);
		free(part);
	} else {
		s->done = sx_xreallocarray(s->done, s->ndone + 1, sizeof *s->done);
		s->done[s->ndone++] = (struct fs_done){ f->out.fd, part, f->final, f->rows, f->out.bytes };
		f->final = NULL;
	}
	/* out of the table */
	for (size_t i = 0; i < s->nopen; i++) {
		if (s->open[i] == f) {
			s->open[i] = s->open[--s->nopen];
			break;
		}
	}
	map_set(s, f->dir, f->dir_len, NULL);
	if (s->last == f)
		s->last = NULL;
	f->out.fd = -1;
	free(f->out.buf);
	free(f->dir);
	free(f->final);
	sx_buf_free(&f->cols);
	free(f);
	if (s->ndone >= DONE_BATCH)
		publish_done(s);
}

/* Close the files whose time bucket the watermark has passed. */
static void close_passed(struct sx_filesink *s)
{
	if (s->wm == SX_TIME_NONE || s->wm < s->min_end)
		return;
	for (size_t i = 0; i < s->nopen;) {
		if (s->open[i]->bucket_end <= s->wm)
			close_file(s, s->open[i], 1); /* moves the last one to i */
		else
			i++;
	}
	recompute_min_end(s);
}

static void close_aged(struct sx_filesink *s, int64_t now)
{
	for (size_t i = 0; i < s->nopen;) {
		if (now - s->open[i]->opened_mono >= s->c.max_age_us)
			close_file(s, s->open[i], 1);
		else
			i++;
	}
	recompute_min_end(s);
}

/* ---- CSV ---- */

/* Whether REC's fields are F's columns, in order. */
static int same_columns(struct sx_filesink *s, const struct fs_file *f, const struct sx_rec *rec)
{
	if (rec->n != f->ncols)
		return 0;
	const char *c = f->cols.data;
	for (size_t i = 0; i < rec->n; i++) {
		const char *k;
		size_t kn;
		size_t cn = strlen(c);
		sx_buf_reset(&s->scratch);
		sx_json_unescape(rec->f[i].key, rec->f[i].key_len, rec->f[i].key_esc, &s->scratch, &k, &kn);
		if (kn != cn || memcmp(k, c, cn) != 0)
			return 0;
		c += cn + 1;
	}
	return 1;
}

/* Take REC's field names as F's header and write it; -1 with *why when
 * they cannot be one (a name twice, a NUL in a name). */
static int start_csv(struct sx_filesink *s, struct fs_file *f, const struct sx_rec *rec, const char **why)
{
	sx_buf_reset(&f->cols);
	sx_buf_reset(&s->line);
	for (size_t i = 0; i < rec->n; i++) {
		const char *k;
		size_t kn;
		sx_buf_reset(&s->scratch);
		sx_json_unescape(rec->f[i].key, rec->f[i].key_len, rec->f[i].key_esc, &s->scratch, &k, &kn);
		if (memchr(k, '\0', kn)) {
			*why = "a field name holds a NUL character: it cannot be a CSV column";
			return -1;
		}
		const char *c = f->cols.data;
		for (size_t j = 0; j < i; j++, c += strlen(c) + 1) {
			if (strlen(c) == kn && !memcmp(c, k, kn)) {
				*why = "a field name appears twice: it cannot be a CSV column twice";
				return -1;
			}
		}
		sx_buf_append(&f->cols, k, kn);
		sx_buf_putc(&f->cols, '\0');
		if (i)
			sx_buf_putc(&s->line, ',');
		put_csv_text(f, &s->line, k, kn);
	}
	f->ncols = rec->n;
	f->header = 1;
	sx_buf_putc(&s->line, '\n');
	put(f, s->line.data, s->line.len);
	return 0;
}

static void csv_row(struct sx_filesink *s, const struct sx_rec *rec)
{
	sx_buf_reset(&s->line);
	for (size_t i = 0; i < rec->n; i++) {
		const struct sx_field *fld = &rec->f[i];
		if (i)
			sx_buf_putc(&s->line, ',');
		switch (fld->type) {
		case SX_JNULL:
			break;
		case SX_JSTRING: {
			const char *v;
			size_t vn;
			sx_buf_reset(&s->scratch);
			sx_field_str(fld, &s->scratch, &v, &vn);
			put_csv_text(NULL, &s->line, v, vn);
			break;
		}
		case SX_JOBJECT: case SX_JARRAY:
			put_csv_text(NULL, &s->line, fld->val, fld->val_len);
			break;
		default:
			sx_buf_append(&s->line, fld->val, fld->val_len);
		}
	}
	sx_buf_putc(&s->line, '\n');
}

/* ---- the stage ---- */

static int fs_record(void *st, struct sx_rec *rec, const char **why)
{
	struct sx_filesink *s = st;
	sx_time_t t;
	if (s->c.time_field) {
		const struct sx_field *f = sx_rec_get(rec, s->c.time_field);
		if ((*why = sx_field_time(f, s->c.time_unit, NULL, &s->scratch, &t)) != NULL)
			return SX_REJECT;
		if (t > s->max_t || s->max_t == SX_TIME_NONE) {
			s->max_t = t;
			s->wm = t - s->c.max_delay_us;
			if (s->wm >= s->min_end)
				close_passed(s);
		}
		sx_stats.event_time = s->max_t;
	} else {
		t = sx_filesink_wall_clock();
		s->wm = t;
		if (t >= s->min_end)
			close_passed(s);
	}
	sx_buf_reset(&s->dir);
	if (sx_pathpat_render(s->pat, rec, t, &s->dir, &s->scratch, why) < 0)
		return SX_REJECT;
	struct fs_file *f = s->last;
	if (!f || f->dir_len != s->dir.len || memcmp(f->dir, s->dir.data, s->dir.len) != 0) {
		f = map_get(s, s->dir.data, s->dir.len);
		if (!f)
			f = open_file(s, s->dir.data, s->dir.len, t);
		s->last = f;
	}
	f->last_use = ++s->use;
	const char *data = rec->line;
	size_t len = rec->len;
	if (s->c.format == SX_FILES_CSV) {
		if (!f->header) {
			if (start_csv(s, f, rec, why) < 0)
				return SX_REJECT;
		} else if (!same_columns(s, f, rec)) {
			/* ASA: a schema change starts a new file */
			close_file(s, f, 1);
			f = s->last = open_file(s, s->dir.data, s->dir.len, t);
			f->last_use = s->use;
			if (start_csv(s, f, rec, why) < 0)
				return SX_REJECT;
		}
		csv_row(s, rec);
		data = s->line.data;
		len = s->line.len;
	}
	size_t add = len + (s->c.format == SX_FILES_NDJSON);
	if (s->c.max_bytes && f->rows > 0 && f->raw + add > s->c.max_bytes) {
		/* the next line would pass --max-bytes: a new file first */
		close_file(s, f, 1);
		f = s->last = open_file(s, s->dir.data, s->dir.len, t);
		f->last_use = s->use;
		if (s->c.format == SX_FILES_CSV) {
			sx_buf_reset(&s->dir); /* the header goes first: keep the row */
			sx_buf_append(&s->dir, data, len);
			if (start_csv(s, f, rec, why) < 0)
				return SX_REJECT;
			data = s->dir.data;
		}
	}
	put(f, data, len);
	if (s->c.format == SX_FILES_NDJSON)
		put(f, "\n", 1);
	f->rows++;
	f->dirty = 1;
	if (f->out.bytes - f->kicked >= WRITEBACK_STEP) {
		/* start writing back now, so the fsync at close has little left
		 * to wait for (the disk works while we parse) */
		sync_file_range(f->out.fd, (off_t)f->kicked, (off_t)(f->out.bytes - f->kicked), SYNC_FILE_RANGE_WRITE);
		f->kicked = f->out.bytes;
	}
	sx_stats.records_out++;
	if ((s->c.max_rows && f->rows >= s->c.max_rows) ||
	    (s->c.max_bytes && f->raw >= s->c.max_bytes) ||
	    (s->c.max_age_us && sx_filesink_mono_clock() - f->opened_mono >= s->c.max_age_us))
		close_file(s, f, 1);
	return SX_OK;
}

static void flush_all(struct sx_filesink *s)
{
	for (size_t i = 0; i < s->nopen; i++) {
		struct fs_file *f = s->open[i];
		if (!f->dirty)
			continue;
		if (f->gz)
			gz_pump(f, Z_SYNC_FLUSH);
		sx_out_flush(&f->out);
		f->dirty = 0;
	}
}

void sx_filesink_before_block(void *st)
{
	struct sx_filesink *s = st;
	int64_t now = sx_filesink_mono_clock();
	publish_done(s); /* a live reader sees closed files before we wait */
	if (!s->quiet_since)
		s->quiet_since = now;
	s->last_input_mono = now;
}

static void fs_finish(void *st);

/* SIGTERM, SIGINT: the files so far are closed and published (staged with
 * --defer-commit, and the state written) as at the end of the input; the
 * exit status says the run was stopped (128 + the signal). */
static void stop_if_asked(struct sx_filesink *s)
{
	if (!stop_signal)
		return;
	int sig = stop_signal;
	fs_finish(s);
	sx_exit(128 + sig);
}

static void fs_tick(void *st)
{
	struct sx_filesink *s = st;
	stop_if_asked(s);
	int64_t now = sx_filesink_mono_clock();
	if (s->c.time_field) {
		/* --idle-timeout: the watermark moves with the clock on a quiet input */
		if (s->c.idle_timeout_us && s->max_t != SX_TIME_NONE && s->quiet_since &&
		    now - s->quiet_since > s->c.idle_timeout_us) {
			sx_time_t wm = s->max_t - s->c.max_delay_us + (now - s->quiet_since - s->c.idle_timeout_us);
			if (wm > s->wm)
				s->wm = wm;
		}
	} else {
		s->wm = sx_filesink_wall_clock();
	}
	close_passed(s);
	if (s->c.max_age_us)
		close_aged(s, now);
	if (s->quiet_since && now - s->quiet_since >= s->c.flush_us)
		flush_all(s);
}

static void record_seen(struct sx_filesink *s)
{
	s->quiet_since = 0;
}

static int fs_record_outer(void *st, struct sx_rec *rec, const char **why)
{
	stop_if_asked(st);
	record_seen(st);
	return fs_record(st, rec, why);
}

static void write_state(struct sx_filesink *s)
{
	struct sx_buf b = SX_BUF_INIT;
	sx_buf_printf(&b, "%s\nrun %s\n", SX_COMMIT_STAGED_MAGIC, s->run);
	if (s->staged.len)
		sx_buf_append(&b, s->staged.data, s->staged.len);
	if (sx_commit_write(s->c.state, b.data, b.len, s->c.defer) < 0)
		sx_exit(SX_EXIT_FAIL);
	sx_buf_free(&b);
}

static void fs_finish(void *st)
{
	struct sx_filesink *s = st;
	while (s->nopen > 0)
		close_file(s, s->open[s->nopen - 1], 1);
	publish_done(s);
	if (s->c.state)
		write_state(s);
}

const struct sx_stage sx_filesink_stage = { fs_record_outer, fs_tick, fs_finish };

/* ---- start: leftovers, state ---- */

static uint64_t n_removed;
static const char *remove_tag;

static int sweep_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type != FTW_F)
		return 0;
	const char *name = path + ftw->base;
	if (sx_filesink_is_part(name)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		/* a .part file nobody holds is a dead run's */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0)
			n_removed++;
		close(fd);
	} else if (remove_tag && sx_commit_is_staged(name, remove_tag)) {
		if (unlink(path) == 0)
			n_removed++;
	}
	return 0;
}

static void sweep(struct sx_filesink *s)
{
	const char *base = sx_pathpat_base(s->pat);
	struct stat st;
	if (stat(base, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	remove_tag = s->c.defer ? s->tag : NULL;
	if (nftw(base, sweep_one, 16, FTW_PHYS) < 0)
		sx_die(SX_EXIT_FAIL, "%s: cannot scan for leftovers:", base);
	if (n_removed)
		sx_warn("removed %" PRIu64 " unfinished file%s of an earlier run under %s", n_removed,
			n_removed == 1 ? "" : "s", base);
}

/* Run id: with --defer-commit, the one of the last uncommitted attempt
 * (FILE.intent names it and the committed FILE does not), so a rerun writes
 * the same names; otherwise a new one. */
static void choose_run(struct sx_filesink *s)
{
	make_run(s->run, sizeof s->run);
	if (!s->c.state)
		return;
	char *committed = NULL, *intent = NULL;
	size_t len;
	struct sx_buf ipath = SX_BUF_INIT;
	sx_buf_printf(&ipath, "%s.intent", s->c.state);
	if (sx_commit_load(s->c.state, &committed, &len) < 0)
		sx_exit(SX_EXIT_FAIL);
	int r = sx_commit_load(ipath.data, &intent, &len);
	if (r < 0)
		sx_exit(SX_EXIT_FAIL);
	if (r > 0 && s->c.defer) {
		const char *run = intent + strcspn(intent, "\n");
		if (!strncmp(run, "\nrun ", 5)) {
			run += 5;
			size_t n = strcspn(run, "\n");
			char want[80];
			snprintf(want, sizeof want, "\nrun %.*s\n", (int)n, run);
			if (n < sizeof s->run && (!committed || !strstr(committed, want)))
				snprintf(s->run, sizeof s->run, "%.*s", (int)n, run);
		}
	}
	if (s->c.defer) {
		/* an uncommitted run's list goes: its staged files are removed
		 * below, and a stray --commit must not promote a list of nothing */
		struct sx_buf pend = SX_BUF_INIT;
		sx_buf_printf(&pend, "%s.pending", s->c.state);
		if (unlink(pend.data) < 0 && errno != ENOENT)
			sx_die(SX_EXIT_FAIL, "%s:", pend.data);
		sx_buf_free(&pend);
		struct sx_buf b = SX_BUF_INIT;
		sx_buf_printf(&b, "%s\nrun %s\n", SX_COMMIT_STAGED_MAGIC, s->run);
		if (sx_commit_write(ipath.data, b.data, b.len, 0) < 0)
			sx_exit(SX_EXIT_FAIL);
		sx_buf_free(&b);
	}
	free(committed);
	free(intent);
	sx_buf_free(&ipath);
}

static void abort_hook(void *arg)
{
	struct sx_filesink *s = arg;
	/* a failed run publishes nothing more: its open files are removed */
	uint64_t rows = 0;
	size_t nfiles = s->nopen + s->ndone;
	for (size_t i = 0; i < s->nopen; i++)
		rows += s->open[i]->rows;
	rows += drop_done(s);
	if (nfiles)
		sx_warn("%" PRIu64 " row%s in %zu unfinished file%s not written (removed)", rows,
			rows == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s");
	sx_stats.records_out -= rows < sx_stats.records_out ? rows : sx_stats.records_out;
	while (s->nopen > 0)
		close_file(s, s->open[s->nopen - 1], 0);
	free(s->open);
	free(s->done);
	sx_strmap_free(&s->map);
	sx_pathpat_free(s->pat);
	sx_buf_free(&s->dir);
	sx_buf_free(&s->scratch);
	sx_buf_free(&s->line);
	sx_buf_free(&s->path);
	sx_buf_free(&s->staged);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

struct sx_filesink *sx_filesink_new(const struct sx_filesink_cfg *c, char *err, size_t errlen)
{
	if (!c->path) {
		snprintf(err, errlen, "--path PATTERN is required");
		return NULL;
	}
	for (const char *p = c->path; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "--path: control characters are not allowed in the pattern");
			return NULL;
		}
	}
	if (c->defer && !c->state) {
		snprintf(err, errlen, "--defer-commit needs --state FILE");
		return NULL;
	}
	struct sx_pathpat *pat = sx_pathpat_compile(c->path, c->date_format, c->time_format, c->null_value,
						    err, errlen);
	if (!pat)
		return NULL;
	struct sx_filesink *s = sx_xcalloc(1, sizeof *s);
	s->c = *c;
	s->pat = pat;
	s->ext = c->format == SX_FILES_CSV ? (c->gzip ? ".csv.gz" : ".csv") : (c->gzip ? ".ndjson.gz" : ".ndjson");
	s->max_t = s->wm = SX_TIME_NONE;
	s->min_end = SX_TIME_MAX;
	s->lock_fd = -1;
	sx_strmap_init(&s->map, sizeof(struct fs_file *));
	return s;
}

/* Room for --max-open files: the soft descriptor limit raised as far as
 * the hard one allows, else fewer files open, with a warning. */
static void fit_max_open(struct sx_filesink *s)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)s->c.max_open + DONE_BATCH + 32;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
		return;
	rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < need) {
		long fit = rl.rlim_cur > DONE_BATCH + 64 ? (long)rl.rlim_cur - DONE_BATCH - 32 : 32;
		sx_warn("--max-open %ld: only %ld files can be open (ulimit -n %ld)", s->c.max_open, fit,
			(long)rl.rlim_cur);
		s->c.max_open = fit;
	}
}

void sx_filesink_start(struct sx_filesink *s)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fit_max_open(s);
	if (s->c.state) {
		s->lock_fd = sx_commit_own("--state", s->c.state);
		if (s->lock_fd < 0)
			sx_exit(SX_EXIT_FAIL);
		char *abs = realpath(".", NULL);
		struct sx_buf who = SX_BUF_INIT;
		sx_buf_printf(&who, "%s/%s", s->c.state[0] == '/' ? "" : abs ? abs : ".", s->c.state);
		snprintf(s->tag, sizeof s->tag, "%016" PRIx64, sx_hash64(who.data, who.len, 0));
		free(abs);
		sx_buf_free(&who);
	}
	choose_run(s);
	sweep(s);
	s->n_files = sx_stats_counter("files");
	s->n_bytes = sx_stats_counter("file_bytes");
	sx_on_exit(abort_hook, s);
}
