/*
 * sx_checkpoint.h - sx-ingest's --checkpoint: which input files were
 * emitted, and up to which byte offset.
 *
 * An entry per file, keyed by its absolute path and identified by device and
 * inode (so a rotated or replaced file starts over); `offset` is just past
 * the last record emitted (decompressed bytes for gzip), `size` the file's
 * size when it was last read to the end, and `fp` a fingerprint of its first
 * `fp_len` bytes when it was last opened, so that a file truncated and
 * written again in place (same inode, maybe longer than before) is told from
 * one that grew.  The whole file is checked at load: a damaged checkpoint is
 * an error, never taken in part.  A run owns its checkpoint (FILE.lock is
 * locked from load to exit).  Entries of files that are gone can be pruned.
 * Saved as one JSON document through sx_commit_write (atomic; FILE.pending
 * with --defer-commit).
 */
#ifndef SX_CHECKPOINT_H
#define SX_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "sx_hash.h"

struct sx_ckpt_entry {
	char *path;               /* absolute */
	uint64_t dev, ino, size, offset, line;
	int done;                 /* read to the end at `size` */
	/* The file ended without a line end and that unterminated last line
	 * (just before `offset`) was rejected as a data error, not emitted: if
	 * the line is completed later, the completed record is ingested then. */
	int tail_rejected;
	uint64_t fp_len, fp;      /* sx_ckpt_fingerprint of the first fp_len bytes (0: none) */
	/* In memory only: the file was found missing at a prune pass. */
	int gone;
	int64_t gone_since;       /* monotonic time it was first found missing */
};

struct sx_ckpt {
	const char *file;         /* NULL: in memory only (never saved) */
	int defer;
	struct sx_ckpt_entry *e;
	size_t n, cap;
	struct sx_strmap idx;     /* path -> entry number */
	int lock_fd;              /* FILE.lock, locked while this run owns FILE; -1: none */
};

/* Load FILE (a missing file is an empty checkpoint); 0 or -1 (reported).
 * FILE.lock is locked (flock) until sx_ckpt_free or exit: a second run on
 * the same checkpoint (an overlapping cron job) is an error, not a second
 * copy of the records and a checkpoint written by two. */
int sx_ckpt_load(struct sx_ckpt *c, const char *file, int defer);
/* An empty checkpoint kept in memory (--watch without --checkpoint). */
void sx_ckpt_init_memory(struct sx_ckpt *c);
/* The entry for PATH (absolute), or NULL. */
struct sx_ckpt_entry *sx_ckpt_find(struct sx_ckpt *c, const char *path);
/* Where to resume reading PATH, given its current stat: returns 1 if the file
 * has nothing new (skip it), else 0 with *skip_to set (0: from the start). */
int sx_ckpt_resume(struct sx_ckpt *c, const char *path, const struct stat *st, uint64_t *skip_to);
/* The entry for PATH, created (with this identity) or reset if the file is
 * not the one recorded. */
struct sx_ckpt_entry *sx_ckpt_track(struct sx_ckpt *c, const char *path, const struct stat *st);
/* A fingerprint of the first LEN bytes of the regular file open as FD (a
 * hash of their first and last 4 KiB: what was read before is still there
 * when a file grows, and rarely when it was rewritten).  0, or -1 after
 * reporting a read error of NAME. */
int sx_ckpt_fingerprint(int fd, const char *name, uint64_t len, uint64_t *fp);
/* Drop the entries for which GONE(entry, ARG) returns 1 (files that no
 * longer exist), so that a checkpoint over a landing folder whose files are
 * removed once read stays the size of the folder, not of its history.  The
 * entries kept keep their order; entry pointers and numbers taken before are
 * invalid after (find them again).  Returns how many were dropped. */
size_t sx_ckpt_prune(struct sx_ckpt *c, int (*gone)(struct sx_ckpt_entry *e, void *arg), void *arg);
/* Write it out atomically; 0 or -1 (reported). */
int sx_ckpt_save(struct sx_ckpt *c);
void sx_ckpt_free(struct sx_ckpt *c);

#endif
