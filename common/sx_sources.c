/* sx_sources.c - sx-ingest's inputs: files, folders, globs, following,
 * watching and checkpoints (see sx_sources.h). */
#include "sx_sources.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_in.h"
#include "sx_out.h"
#include "sx_run.h"
#include "sx_stats.h"
#include "sx_time.h"
#include "sx_tmerge.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


struct src {
	char *name;                /* as given, or DIR/entry */
	char *abs;                 /* absolute path (checkpoint key); NULL for stdin */
	struct sx_in in;
	int open;
	int reopen;                /* rotated or truncated: start over */
	int rotated;               /* the name is another file: drain this one first */
	int said_missing;          /* followed, not there yet: said once */
	int gone;                  /* read to the end and freed (live runs) */
	struct sx_ingest *g;
	long ck;                   /* index of its checkpoint entry, -1 = none */
	struct sx_ckpt *ckpt;
	uint64_t skip_to;          /* where the checkpoint said to resume */
	int64_t poll_us;
	int64_t settle_us;         /* batch with --checkpoint: hold back a young tail */
	struct sx_tmerge *merge;   /* its records are held there (time merge) */
	size_t in_buffer;          /* its read buffer's size; 0: sx_in's own */
	int merge_in;              /* ...as this input */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int skipped_name(const char *n)
{
	size_t len = strlen(n);
	if (n[0] == '.')
		return 1;
	static const char *const suffixes[] = { ".tmp", ".part", ".partial", ".filepart" };
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		size_t k = strlen(suffixes[i]);
		if (len > k && !strcmp(n + len - k, suffixes[i]))
			return 1;
	}
	return 0;
}

char **sx_sources_list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	char **list = NULL;
	size_t cnt = 0, cap = 0;
	*n = 0;
	if (!d) {
		sx_error("%s:", dir);
		return NULL;
	}
	struct dirent *de;
	for (;;) {
		errno = 0; /* readdir's NULL is the end, or an error in errno */
		if (!(de = readdir(d)))
			break;
		if (skipped_name(de->d_name))
			continue;
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		char *path = sx_xmalloc(len);
		snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		SX_GROW(list, cnt + 1, cap);
		list[cnt++] = path;
	}
	int err = errno;
	closedir(d);
	if (err) {
		errno = err;
		sx_error("%s:", dir);
		while (cnt)
			free(list[--cnt]);
		free(list);
		return NULL;
	}
	if (cnt)
		qsort(list, cnt, sizeof *list, cmp_str);
	*n = cnt;
	errno = 0; /* listed: an empty folder is no failure */
	return list;
}

char **sx_sources_glob(const char *pattern, size_t *n)
{
	glob_t gl;
	char **list = NULL;
	size_t cnt = 0;
	*n = 0;
	int r = glob(pattern, 0, NULL, &gl);
	if (r == GLOB_NOMATCH)
		return NULL;
	if (r != 0) {
		sx_error("--glob %s: cannot expand the pattern", pattern);
		return NULL;
	}
	list = sx_xcalloc(gl.gl_pathc ? gl.gl_pathc : 1, sizeof *list);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		struct stat st;
		const char *base = strrchr(gl.gl_pathv[i], '/');
		base = base ? base + 1 : gl.gl_pathv[i];
		if (stat(gl.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode) && !skipped_name(base))
			list[cnt++] = sx_xstrdup(gl.gl_pathv[i]); /* glob sorts by name */
	}
	globfree(&gl);
	*n = cnt;
	return list;
}

void sx_sources_free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static char *absolute_path(const char *path)
{
	char buf[PATH_MAX];
	if (realpath(path, buf))
		return sx_xstrdup(buf);
	return sx_xstrdup(path);
}

static void on_progress(void *ctx, uint64_t offset, uint64_t lineno)
{
	struct src *s = ctx;
	if (s->ck < 0)
		return;
	struct sx_ckpt_entry *e = &s->ckpt->e[s->ck];
	if (offset > e->offset) {
		e->offset = offset;
		e->line = lineno;
		e->tail_rejected = 0;
	}
}

static void save_checkpoint(struct sx_ckpt *ckpt)
{
	if (!ckpt)
		return;
	/* Records first, then the claim that they were emitted. */
	sx_out_flush(&sx_stdout);
	if (sx_ckpt_save(ckpt) < 0)
		sx_exit(SX_EXIT_FAIL);
}

/* Batch runs with --checkpoint (at the EOF of a file): a last line without
 * a line end, or a gzip stream not finished yet, in a file modified less than
 * --settle ago is being written: "no data now" leaves it unread and
 * unrecorded, for the run after the writer is done (a cron job over a
 * landing folder must not ingest half a line, then fail for ever on the
 * whole line).  Once the file is older, it is read as it is. */
static int young_tail_at_eof(struct sx_in *in, void *arg)
{
	const struct src *s = arg;
	/* (the start of the line may be held by the line reader already; JSON
	 * is handed out in pieces, and a value or array left open waits too: it
	 * is resumed by the offsets where its records end) */
	int partial = in->pos < in->end || sx_ingest_line_open(s->g) || sx_ingest_value_open(s->g) != 0 ||
		      (in->gzip && !in->gz_between);
	struct stat st;
	if (!partial || fstat(in->fd, &st) < 0)
		return 0;
	sx_time_t mtime = (sx_time_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
	return sx_time_now() - mtime < s->settle_us ? 2 : 0;
}

/* Is S's checkpoint entry about another content under the same inode (the
 * file was truncated and written again in place since: its first bytes are
 * not the ones read before)?  Then it is forgotten, and the file read from
 * the start.  -1 on a read error (reported). */
static int check_fingerprint(struct src *s, const struct stat *st)
{
	struct sx_ckpt_entry *e = sx_ckpt_find(s->ckpt, s->abs);
	if (!e || !e->fp_len || e->dev != (uint64_t)st->st_dev || e->ino != (uint64_t)st->st_ino)
		return 0;
	uint64_t fp = 0;
	if ((uint64_t)st->st_size >= e->fp_len && sx_ckpt_fingerprint(s->in.fd, s->name, e->fp_len, &fp) < 0)
		return -1;
	if ((uint64_t)st->st_size >= e->fp_len && fp == e->fp)
		return 0;
	if (e->offset)
		sx_warn("%s: its first %" PRIu64 " bytes are not the ones read before (truncated and "
			"written again?); reading it from the start", s->name, e->fp_len);
	e->size = e->offset = e->line = 0;
	e->done = e->tail_rejected = 0;
	e->fp_len = 0;
	return 0;
}

/* Open S and decide where to resume.  1 = opened, 0 = nothing new / not
 * there yet (following), -1 = error (reported). */
static int open_src(struct src *s, int following)
{
	if (!s->abs) {
		sx_in_fdopen(&s->in, STDIN_FILENO, "-");
		s->open = 1;
		sx_ingest_begin(s->g, &s->in, s->name, 0);
		return 1;
	}
	struct stat st;
	if (following && stat(s->name, &st) < 0 && errno == ENOENT) {
		/* like tail -F: say so once, not at every poll, and wait */
		if (!s->said_missing)
			sx_warn("%s: no such file yet; waiting for it", s->name);
		s->said_missing = 1;
		return 0;
	}
	if (sx_in_open(&s->in, s->name) < 0) {
		if (following && errno == ENOENT)
			return 0;
		return -1;
	}
	fstat(s->in.fd, &st);
	sx_in_set_buffer(&s->in, s->in_buffer);
	uint64_t skip_to = 0;
	s->ck = -1;
	if (s->ckpt) {
		int regular = S_ISREG(st.st_mode) && st.st_size > 0;
		if (regular && check_fingerprint(s, &st) < 0) {
			sx_in_close(&s->in);
			return -1;
		}
		if (sx_ckpt_resume(s->ckpt, s->abs, &st, &skip_to) && !following) {
			sx_in_close(&s->in);
			return 0;
		}
		struct sx_ckpt_entry *e = sx_ckpt_track(s->ckpt, s->abs, &st);
		s->ck = e - s->ckpt->e;
		/* what is there now: a later run checks it is still there */
		if (regular && sx_ckpt_fingerprint(s->in.fd, s->name, (uint64_t)st.st_size, &e->fp) < 0) {
			sx_in_close(&s->in);
			return -1;
		}
		e->fp_len = regular ? (uint64_t)st.st_size : 0;
	}
	s->open = 1;
	s->reopen = s->rotated = 0;
	s->skip_to = skip_to;
	if (!following && s->ck >= 0 && s->settle_us > 0 && S_ISREG(st.st_mode)) {
		/* (a pipe's bytes cannot be read again: never held back) */
		s->in.at_eof = young_tail_at_eof;
		s->in.at_eof_arg = s;
	}
	sx_ingest_set_progress(s->g, on_progress, s);
	sx_ingest_begin(s->g, &s->in, s->name, skip_to);
	if (s->ck >= 0 && skip_to && s->ckpt->e[s->ck].tail_rejected)
		sx_ingest_resume_after_rejected_tail(s->g);
	return 1;
}

/* End S after its EOF: 0, or -1 if the source failed (reported). */
static int close_src(struct src *s, int done)
{
	if (!s->open)
		return 0;
	int rc = sx_ingest_end(s->g);
	if (rc == 0 && s->ck >= 0 && sx_ingest_rejected_tail(s->g))
		s->ckpt->e[s->ck].tail_rejected = 1;
	if (rc == 0 && s->ck >= 0 && done) {
		/* Read to the end at the bytes actually read, not the size now:
		 * bytes written since the last read are for the next run. */
		struct sx_ckpt_entry *e = &s->ckpt->e[s->ck];
		e->size = s->in.bytes_read;
		e->done = 1;
	}
	sx_in_close(&s->in);
	s->open = 0;
	return rc;
}

/* After an error (reported): forget S, emitting nothing more of it. */
static void abandon_src(struct src *s)
{
	if (!s->open)
		return;
	sx_ingest_abandon(s->g);
	sx_in_close(&s->in);
	s->open = 0;
}

/* At the end of what S holds now: did it end before the offset the
 * checkpoint resumes at?  Then it is not the data that was ingested (it was
 * truncated, and maybe written again since, or the checkpoint is wrong about
 * it), and nothing of it was emitted: every record was before the offset. */
static int short_of_checkpoint(const struct src *s)
{
	return s->skip_to > s->in.offset + (s->in.end - s->in.pos);
}

/* Stop reading S (nothing of it was emitted) and forget what the checkpoint
 * says about it (see short_of_checkpoint): it is read again from the start
 * when it is opened next. */
static void forget_offset(struct src *s)
{
	struct sx_ckpt_entry *e = &s->ckpt->e[s->ck];
	sx_warn("%s: ends at byte %" PRIu64 ", before the %" PRIu64 " bytes the checkpoint records as "
		"ingested: truncated or rewritten since; reading it from the start",
		s->name, s->in.offset + (s->in.end - s->in.pos), s->skip_to);
	abandon_src(s);
	e->size = e->offset = e->line = 0;
	e->done = e->tail_rejected = 0;
	e->fp_len = 0;
}

/* young_tail_at_eof said "no data now": the unfinished end of a young file
 * waits for the next run (said, and the source abandoned). */
static void young_tail_left(struct src *s)
{
	uint64_t value_line = sx_ingest_value_open(s->g);
	if (s->in.pos == s->in.end && !sx_ingest_line_open(s->g) && value_line)
		sx_warn("%s:%" PRIu64 ": the last JSON value or array is not complete yet and the file "
			"changed less than --settle ago; left for the next run", s->name, value_line);
	else if (s->in.pos == s->in.end && !sx_ingest_line_open(s->g))
		sx_warn("%s: the gzip data is not complete yet and the file changed less than "
			"--settle ago; its end is left for the next run", s->name);
	else
		sx_warn("%s:%" PRIu64 ": the last line has no line end yet and the file changed "
			"less than --settle ago; left for the next run", s->name, s->in.lineno + 1);
	abandon_src(s);
}

/* Read one whole (non-followed) source: 0, or -1 if it failed (reported);
 * *OPEN_FAILED tells an input that could not be opened from one that failed
 * while it was read. */
static int ingest_src(struct src *s, int *open_failed)
{
	*open_failed = 0;
	int r;
	for (;;) {
		r = open_src(s, 0);
		if (r <= 0) {
			*open_failed = r < 0;
			return r;
		}
		r = sx_ingest_pump(s->g);
		if (r == -1) {
			abandon_src(s);
			return -1;
		}
		if (!short_of_checkpoint(s))
			break;
		forget_offset(s);
	}
	if (r == SX_IN_AGAIN) {
		young_tail_left(s);
		return 0;
	}
	return close_src(s, 1);
}

/* Batch: a source that fails while it is read ends the run (exit 1,
 * checkpoint unchanged); one that cannot be opened is reported and the run
 * goes on with the others, as cat(1) does (exit 1 at the end).  Returns 1
 * for that, else 0. */
static int ingest_whole(struct src *s)
{
	int open_failed;
	if (ingest_src(s, &open_failed) < 0 && !open_failed)
		sx_exit(SX_EXIT_FAIL);
	return open_failed;
}

static int follow_at_eof(struct sx_in *in, void *arg)
{
	struct src *s = arg;
	struct stat cur, now;
	if (sx_stop_signal || fstat(in->fd, &cur) < 0)
		return 2;
	if ((uint64_t)cur.st_size < in->bytes_read) {
		s->reopen = 1; /* truncated (copytruncate): start over */
		return 0;
	}
	if (stat(s->name, &now) == 0 && (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev)) {
		/* Rotated.  What was written to the old file between our last read
		 * and the rename is still there: read it once more, then switch. */
		if (!s->rotated) {
			s->rotated = 1;
			return 1;
		}
		s->reopen = 1;
		return 0;
	}
	return 2;
}

static void sleep_us(int64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
	nanosleep(&ts, NULL); /* a signal cuts it short, as wanted */
}

static void init_src(struct src *s, const char *name, struct sx_ingest *g, const struct sx_sources_cfg *cfg)
{
	memset(s, 0, sizeof *s);
	s->name = sx_xstrdup(name);
	s->abs = strcmp(name, "-") ? absolute_path(name) : NULL;
	s->g = g;
	s->ck = -1;
	s->ckpt = cfg->ckpt;
	s->poll_us = cfg->poll_us;
	s->settle_us = cfg->follow || cfg->watch ? 0 : cfg->settle_us;
}

static void free_src(struct src *s)
{
	free(s->name);
	free(s->abs);
}

/* A batch --glob that matches no file: an empty landing folder is no error
 * (a warning, exit 0), but a folder that is not there is (exit 1): a typo or
 * a share that is not mounted must not pass for "nothing new". */
static int glob_matched_nothing(const char *pattern)
{
	/* the folder part: up to the last '/' before the first wildcard */
	size_t magic = strcspn(pattern, "*?[");
	size_t slash = magic;
	while (slash > 0 && pattern[slash - 1] != '/')
		slash--;
	char *dir = slash ? sx_xstrndup(pattern, slash > 1 ? slash - 1 : 1) : sx_xstrdup(".");
	struct stat st;
	if (stat(dir, &st) < 0) {
		sx_error("--glob '%s': %s:", pattern, dir);
		free(dir);
		return -1;
	}
	free(dir);
	sx_warn("--glob '%s': no files match", pattern);
	return 0;
}

/* Forgetting files that are gone: how long one must have been missing, and
 * the followed files (never forgotten: a rotated file comes back). */
struct prune_ctx {
	int64_t now, grace;
	const struct src *fol;
	int nfol;
};

/* sx_ckpt_prune's test: the file was deleted (or moved away) at least
 * GRACE ago.  Its folder must still be there: a share that is not mounted
 * is not every file deleted.  A file put back later is read as a new one. */
static int file_gone(struct sx_ckpt_entry *e, void *arg)
{
	const struct prune_ctx *p = arg;
	struct stat st;
	if (lstat(e->path, &st) == 0 || errno != ENOENT) {
		e->gone = 0;
		return 0;
	}
	for (int i = 0; i < p->nfol; i++)
		if (p->fol[i].abs && !strcmp(p->fol[i].abs, e->path))
			return 0;
	char *copy = sx_xstrdup(e->path);
	int folder = stat(dirname(copy), &st) == 0;
	free(copy);
	if (!folder)
		return 0;
	if (!e->gone) {
		e->gone = 1;
		e->gone_since = p->now;
	}
	return p->now - e->gone_since >= p->grace;
}

/* Drop the checkpoint entries of files gone for GRACE; FOL[i].ck are found
 * again (entry numbers change). */
static void prune_checkpoint(struct sx_ckpt *ckpt, int64_t grace, struct src *fol, int nfol)
{
	struct prune_ctx p = { sx_mono_now(), grace, fol, nfol };
	if (!ckpt || !sx_ckpt_prune(ckpt, file_gone, &p))
		return;
	for (int i = 0; i < nfol; i++) {
		if (fol[i].ck < 0 || !fol[i].abs)
			continue; /* (a source done with has no name left) */
		struct sx_ckpt_entry *e = sx_ckpt_find(ckpt, fol[i].abs);
		fol[i].ck = e ? e - ckpt->e : -1;
	}
}

/* Every input of a batch run, in order: each operand (a folder's files in
 * name order), then the --glob matches, handed to FN by name.  A folder or
 * glob that cannot be listed is reported: 1 is returned for one to skip
 * like a missing file (exit 1 at the end); a folder readable but failing to
 * list stops the run. */
static int for_each_input(const struct sx_sources_cfg *cfg, void (*fn)(void *ctx, const char *name),
			  void *ctx)
{
	int failed = 0;
	static char *stdin_only[] = { "-" };
	char **ops = cfg->noperands ? cfg->operands : stdin_only;
	int nops = cfg->noperands || cfg->glob ? cfg->noperands : 1;
	for (int i = 0; i < nops; i++) {
		struct stat st;
		if (strcmp(ops[i], "-") && stat(ops[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			size_t n;
			char **list = sx_sources_list_dir(ops[i], &n);
			/* (reported) a folder not listed is no empty folder: one that
			 * cannot be read is skipped like a missing file (exit 1 at the
			 * end); one that can but failed to list (EMFILE, EIO) is a
			 * failing system, and the run stops before more is recorded */
			if (!list && n == 0 && errno) {
				if (access(ops[i], R_OK) == 0)
					sx_exit(SX_EXIT_FAIL);
				failed = 1;
			}
			for (size_t k = 0; k < n; k++)
				fn(ctx, list[k]);
			sx_sources_free_list(list, n);
			continue;
		}
		fn(ctx, ops[i]);
	}
	if (cfg->glob) {
		size_t n;
		char **list = sx_sources_glob(cfg->glob, &n);
		if (n == 0 && glob_matched_nothing(cfg->glob) < 0)
			failed = 1;
		for (size_t k = 0; k < n; k++)
			fn(ctx, list[k]);
		sx_sources_free_list(list, n);
	}
	return failed;
}

/* One input after the other (no time merge). */
struct one_by_one {
	struct sx_ingest *g;
	const struct sx_sources_cfg *cfg;
	int failed;
};

static void ingest_named(void *ctx, const char *name)
{
	struct one_by_one *b = ctx;
	struct src s;
	init_src(&s, name, b->g, b->cfg);
	b->failed |= ingest_whole(&s);
	free_src(&s);
}

/* The inputs' names, for the time merge. */
struct name_list {
	char **v;
	size_t n, cap;
};

static void add_name(void *ctx, const char *name)
{
	struct name_list *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = sx_xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = sx_xstrdup(name);
}

/* The time merge's output: a record released, in event-time order. */
static void merge_out(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	sx_out_write(&sx_stdout, p, n);
	sx_out_putc(&sx_stdout, '\n');
	sx_stats.records_out++;
}

/* A record read from a merged input: held until its time comes.  The
 * engine pauses after it, for the merge to choose what to read next. */
static void merge_tap(void *ctx, const char *p, size_t n, sx_time_t t)
{
	struct src *s = ctx;
	sx_tmerge_hold(s->merge, s->merge_in, p, n, t);
	sx_ingest_pause(s->g);
}

/* The merge of the run, while it runs.  A run that stops on an error (a
 * bad record under --on-error fail, a source that fails) writes what the
 * merge holds first, in time order: it was read before the error, as file
 * after file would have written it. */
static struct sx_tmerge *merge_running;

static void merge_flush_at_exit(void *arg)
{
	(void)arg;
	if (!merge_running)
		return;
	sx_tmerge_done_all(merge_running);
	sx_tmerge_release(merge_running);
}

/* The read buffer of a merged file: 100 of them side by side stay in the
 * CPU's caches (at 256 KiB each, nearly every line read was a cache miss and
 * the merge cost 4x reading the files apart; 32 KiB measured best). */
#define MERGE_IN_BUFFER ((size_t)32 << 10)

/* Open the next of NAMES (from *NEXT on) that has something to read into
 * slot S, as a new input of M: 1, or 0 when none is left.  Those that
 * cannot be opened are reported (*FAILED), those with nothing new skipped. */
static int merge_open_next(struct src *s, struct sx_tmerge *m, const struct name_list *names, size_t *next,
			   const struct sx_ingest_cfg *icfg, const struct sx_sources_cfg *cfg, int *failed)
{
	while (*next < names->n) {
		init_src(s, names->v[(*next)++], sx_ingest_new(icfg), cfg);
		s->merge = m;
		s->in_buffer = MERGE_IN_BUFFER;
		sx_ingest_set_tap(s->g, merge_tap, s);
		int r = open_src(s, 0);
		if (r > 0) {
			s->merge_in = sx_tmerge_add(m);
			return 1;
		}
		*failed |= r < 0;
		sx_ingest_free(s->g);
		free_src(s);
	}
	return 0;
}

/* Batch, -t and two or more inputs: read them together and write one
 * stream in event-time order (sx_sources.h).  A source that fails while it
 * is read ends the run, as in run_batch. */
static int run_merge(const struct sx_ingest_cfg *icfg, const struct sx_sources_cfg *cfg,
		     const struct name_list *names)
{
	int max_open = cfg->max_open > 0 ? cfg->max_open : 128, failed = 0;
	struct src *slot = sx_xcalloc((size_t)max_open, sizeof *slot);
	int *slot_of = NULL;        /* merge input -> slot */
	size_t next = 0, nslot_of = 0;
	struct sx_tmerge *m = sx_tmerge_new(cfg->max_delay_us, merge_out, NULL);
	merge_running = m;
	sx_on_exit(merge_flush_at_exit, NULL);
	for (int k = 0; k < max_open; k++) {
		if (!merge_open_next(&slot[k], m, names, &next, icfg, cfg, &failed))
			break;
		slot_of = sx_xreallocarray(slot_of, nslot_of + 1, sizeof *slot_of);
		slot_of[nslot_of++] = k;
	}
	int i;
	while ((i = sx_tmerge_next(m)) >= 0) {
		int k = slot_of[i];
		struct src *s = &slot[k];
		int r = sx_ingest_pump(s->g);
		if (r == SX_INGEST_PAUSED) {
			sx_tmerge_release(m);
			continue;
		}
		if (r == -1)
			sx_exit(SX_EXIT_FAIL); /* reported; the checkpoint stays as it was */
		if (short_of_checkpoint(s)) {
			/* nothing of it was emitted: every record was before the offset */
			forget_offset(s);
			if (open_src(s, 0) < 0)
				sx_exit(SX_EXIT_FAIL);
			continue;
		}
		if (r == SX_IN_AGAIN)
			young_tail_left(s);
		else if (close_src(s, 1) < 0)
			sx_exit(SX_EXIT_FAIL);
		sx_tmerge_done(m, i);
		sx_ingest_free(s->g);
		free_src(s);
		if (merge_open_next(s, m, names, &next, icfg, cfg, &failed)) {
			slot_of = sx_xreallocarray(slot_of, nslot_of + 1, sizeof *slot_of);
			slot_of[nslot_of++] = k;
		}
		sx_tmerge_release(m);
	}
	sx_tmerge_release(m); /* (no input open: all that is held) */
	/* records that broke their file's --max-delay promise: in --stats as
	 * late; said when a --max-delay was given (without one, the merge has
	 * no promise to hold the files to) */
	sx_stats.late += sx_tmerge_late(m);
	if (sx_tmerge_late(m) && cfg->max_delay_us > 0)
		sx_warn("%" PRIu64 " record%s came out of time order: more than --max-delay behind the "
			"latest of %s file", sx_tmerge_late(m), sx_tmerge_late(m) == 1 ? "" : "s",
			sx_tmerge_late(m) == 1 ? "its" : "their");
	merge_running = NULL;
	sx_tmerge_free(m);
	free(slot_of);
	free(slot);
	return failed;
}

/* Batch: every operand, folder and glob match once, in order (or with -t
 * and several inputs, time-merged).  Inputs that cannot be opened are
 * reported and skipped: the others are read and recorded in the
 * checkpoint, and the exit status is 1. */
static int run_batch(const struct sx_ingest_cfg *icfg, const struct sx_sources_cfg *cfg)
{
	int failed;
	if (cfg->merge) {
		struct name_list names = { NULL, 0, 0 };
		failed = for_each_input(cfg, add_name, &names);
		if (names.n >= 2) {
			failed |= run_merge(icfg, cfg, &names);
		} else {
			struct one_by_one b = { sx_ingest_new(icfg), cfg, 0 };
			for (size_t k = 0; k < names.n; k++)
				ingest_named(&b, names.v[k]);
			sx_ingest_free(b.g);
			failed |= b.failed;
		}
		sx_sources_free_list(names.v, names.n);
	} else {
		struct one_by_one b = { sx_ingest_new(icfg), cfg, 0 };
		failed = for_each_input(cfg, ingest_named, &b);
		sx_ingest_free(b.g);
		failed |= b.failed;
	}
	prune_checkpoint(cfg->ckpt, 0, NULL, 0);
	save_checkpoint(cfg->ckpt);
	return failed ? SX_EXIT_FAIL : 0;
}

/* A file seen in a watched folder or glob (the value of `watched`, keyed by
 * its path as listed). */
struct watched {
	char *abs;                /* absolute path: the checkpoint key */
	uint64_t dev, ino;
	int64_t size, mtime_ns;   /* as last seen */
	int64_t since;            /* monotonic time it was first seen so */
	int failed;               /* reading it failed as it is: wait for a change */
	uint64_t round;           /* the last poll round that listed it */
};

/* One poll of a watched folder or glob: each listed file that is complete
 * (unchanged in identity, size and modification time for cfg->settle_us and
 * over one poll at least) and has data not ingested yet is read from where
 * CKPT says it was left.  A file that cannot be read is reported and waited
 * on until it changes; the watcher goes on with the others. */
static void watch_poll(char **list, size_t n, struct sx_strmap *seen, uint64_t round,
		       struct sx_ckpt *ckpt, struct sx_ingest *g, const struct sx_sources_cfg *cfg)
{
	for (size_t k = 0; k < n && !sx_stop_signal; k++) {
		struct stat st;
		if (stat(list[k], &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		int fresh;
		size_t id = sx_strmap_put(seen, list[k], strlen(list[k]), &fresh);
		struct watched *w = sx_strmap_value(seen, id);
		int64_t now = sx_mono_now();
		int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		if (fresh)
			w->abs = absolute_path(list[k]);
		w->round = round;
		if (fresh || w->dev != (uint64_t)st.st_dev || w->ino != (uint64_t)st.st_ino ||
		    w->size != (int64_t)st.st_size || w->mtime_ns != mt) {
			w->dev = (uint64_t)st.st_dev;
			w->ino = (uint64_t)st.st_ino;
			w->size = (int64_t)st.st_size;
			w->mtime_ns = mt;
			w->since = now;
			w->failed = 0;
			continue; /* changed (or new) since the last poll */
		}
		uint64_t skip;
		if (w->failed || sx_ckpt_resume(ckpt, w->abs, &st, &skip))
			continue; /* failed as it is, or nothing new */
		if (now - w->since < cfg->settle_us)
			continue; /* maybe still being written */
		struct src s;
		struct sx_sources_cfg c = *cfg;
		c.ckpt = ckpt;
		init_src(&s, list[k], g, &c);
		int open_failed;
		if (ingest_src(&s, &open_failed) < 0)
			w->failed = 1;
		free_src(&s);
	}
}

/* Forget the files that the poll ROUND did not list (deleted or moved
 * away), so that a long run over a busy folder keeps only what is there.
 * One that comes back is new: it waits for --settle again. */
static void forget_unlisted(struct sx_strmap *seen, uint64_t round)
{
	size_t n = sx_strmap_count(seen), keep = 0;
	for (size_t i = 0; i < n; i++)
		keep += ((struct watched *)sx_strmap_value(seen, i))->round == round;
	if (keep == n)
		return;
	struct sx_strmap kept;
	sx_strmap_init(&kept, sizeof(struct watched));
	for (size_t i = 0; i < n; i++) {
		struct watched *w = sx_strmap_value(seen, i);
		if (w->round != round) {
			free(w->abs);
			continue;
		}
		size_t len;
		const char *key = sx_strmap_key(seen, i, &len);
		size_t id = sx_strmap_put(&kept, key, len, NULL);
		memcpy(sx_strmap_value(&kept, id), w, sizeof *w);
	}
	sx_strmap_free(seen);
	*seen = kept;
}

static void free_watched(struct sx_strmap *seen)
{
	for (size_t i = 0; i < sx_strmap_count(seen); i++)
		free(((struct watched *)sx_strmap_value(seen, i))->abs);
	sx_strmap_free(seen);
}

/* Done with the live source S (read to its end, or not to be read).  Not
 * moved out of the array: its sx_in and engine hold pointers to this slot. */
static void drop_src(struct src *s)
{
	sx_ingest_free(s->g);
	s->g = NULL;
	free_src(s);
	s->name = s->abs = NULL;
	s->gone = 1;
}

/* Live: followed files and watched folders until SIGINT/SIGTERM. */
static int run_live(const struct sx_ingest_cfg *icfg, const struct sx_sources_cfg *cfg)
{
	struct src *fol = sx_xcalloc((size_t)cfg->noperands + 1, sizeof *fol);
	int nfol = 0, nlive, failed = 0;
	char **dirs = sx_xcalloc((size_t)cfg->noperands + 1, sizeof *dirs);
	int ndirs = 0;
	for (int i = 0; i < cfg->noperands; i++) {
		struct stat st;
		const char *op = cfg->operands[i];
		if (strcmp(op, "-") && stat(op, &st) == 0 && S_ISDIR(st.st_mode)) {
			dirs[ndirs++] = cfg->operands[i];
		} else {
			init_src(&fol[nfol], op, sx_ingest_new(icfg), cfg);
			fol[nfol].in.fd = -1;
			nfol++;
		}
	}
	nlive = nfol;
	struct sx_ingest *batch = sx_ingest_new(icfg);
	/* What was ingested from watched files: the checkpoint, or without one
	 * the same bookkeeping in memory (a file that grows after it was
	 * ingested is read on from where it was left). */
	struct sx_ckpt memck;
	sx_ckpt_init_memory(&memck);
	struct sx_ckpt *wckpt = cfg->ckpt ? cfg->ckpt : &memck;
	struct sx_strmap seen;
	sx_strmap_init(&seen, sizeof(struct watched));
	int64_t last_save = sx_mono_now();
	uint64_t round = 0;
	while (!sx_stop_signal) {
		/* Followed files: read what is there, rotation and truncation included. */
		for (int i = 0; i < nfol && !sx_stop_signal; i++) {
			struct src *s = &fol[i];
			if (s->gone)
				continue;
			if (!s->open) {
				int r = open_src(s, cfg->follow);
				if (r < 0) {
					/* cannot be opened (reported): go on with the others */
					drop_src(s);
					nlive--;
					failed = 1;
					continue;
				}
				if (r == 0)
					continue;
				if (cfg->follow && s->abs) {
					s->in.at_eof = follow_at_eof;
					s->in.at_eof_arg = s;
				}
			}
			int r = sx_ingest_pump(s->g);
			if (r == -1)
				sx_exit(SX_EXIT_FAIL);
			if (s->ck >= 0 && short_of_checkpoint(s)) {
				forget_offset(s); /* reopened at the next poll */
				continue;
			}
			if (r == 0) {
				int again = s->reopen;
				if (close_src(s, !again || !s->abs) < 0)
					sx_exit(SX_EXIT_FAIL);
				if (!again && (!cfg->follow || !s->abs)) {
					/* stdin, or a non-followed file: done with it */
					drop_src(s);
					nlive--;
				} else if (again && s->ck >= 0) {
					struct sx_ckpt_entry *e = &s->ckpt->e[s->ck];
					e->offset = e->line = 0; /* a new file under this name */
					e->tail_rejected = 0;
					e->fp_len = 0; /* (truncation is expected here: no warning) */
				}
			}
		}
		/* Watched folders and globs: each new file once it is complete. */
		if (cfg->watch) {
			round++;
			for (int d = 0; d <= ndirs && !sx_stop_signal; d++) {
				size_t n;
				char **list;
				if (d < ndirs)
					list = sx_sources_list_dir(dirs[d], &n);
				else if (cfg->glob)
					list = sx_sources_glob(cfg->glob, &n);
				else
					break;
				watch_poll(list, n, &seen, round, wckpt, batch, cfg);
				sx_sources_free_list(list, n);
			}
			if (!sx_stop_signal)
				forget_unlisted(&seen, round);
		}
		if (nlive == 0 && !cfg->watch)
			break;
		sx_out_flush(&sx_stdout);
		if (sx_mono_now() - last_save >= 1000000) {
			/* (without --checkpoint, the bookkeeping in memory is pruned
			 * the same way) */
			if (cfg->watch)
				prune_checkpoint(wckpt, cfg->settle_us, fol, nfol);
			save_checkpoint(cfg->ckpt);
			last_save = sx_mono_now();
		}
		if (!sx_stop_signal)
			sleep_us(cfg->poll_us);
	}
	/* Stopping: what is emitted is flushed and recorded; an incomplete last
	 * line of a followed file stays unread, for the next run. */
	for (int i = 0; i < nfol; i++) {
		if (fol[i].open)
			sx_in_close(&fol[i].in);
		sx_ingest_free(fol[i].g);
		free_src(&fol[i]);
	}
	free_watched(&seen);
	sx_ckpt_free(&memck);
	free(fol);
	free(dirs);
	sx_ingest_free(batch);
	save_checkpoint(cfg->ckpt);
	return sx_stop_signal ? 128 + sx_stop_signal : failed ? SX_EXIT_FAIL : 0;
}

int sx_sources_run(const struct sx_ingest_cfg *icfg, const struct sx_sources_cfg *cfg)
{
	sx_in_before_block = sx_run_flush;
	if (!cfg->follow && !cfg->watch)
		return run_batch(icfg, cfg); /* a signal ends a batch run: nothing saved */
	if (cfg->follow && !cfg->watch) {
		/* tail -F follows files; a folder's new files are --watch's job */
		if (cfg->glob)
			sx_usage_error("--follow follows the files named; for the files matching "
				       "--glob as they arrive, use --watch");
		for (int i = 0; i < cfg->noperands; i++) {
			struct stat st;
			const char *op = cfg->operands[i];
			if (strcmp(op, "-") && stat(op, &st) == 0 && S_ISDIR(st.st_mode))
				sx_usage_error("--follow follows files, and %s is a directory: use --watch "
					       "for a landing folder, or name the files to follow", op);
		}
	}
	sx_catch_stop_signals();
	return run_live(icfg, cfg);
}
