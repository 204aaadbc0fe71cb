/*
 * sx_commit.h - progress files (checkpoints, window state) written
 * atomically, and deferred commits that are all-or-nothing (SPEC section 7).
 *
 * sx_commit_write() writes PATH.tmp, fsyncs it and renames it over PATH (or
 * over PATH.pending with defer), then fsyncs the directory: a reader sees the
 * old file or the new one, never a torn one.
 *
 * sx_commit_promote() turns several PATH.pending into PATH as one step.  It
 * first records the set in a journal, PATH1.journal (the commit point), with a
 * pointer file PATHi.commit-ref beside every other file naming that journal;
 * then it renames, and removes the journal and the pointers.  A crash before
 * the journal exists leaves every file old; after, sx_commit_load() of any file
 * of the set finishes the renames first ("roll forward"), so all are new.
 * Each pending file is identified by its inode in the journal, so a newer
 * pending written after the crash is never promoted by mistake.
 *
 * Tools load progress only through sx_commit_load(), never with fopen().
 *
 * Staged files (sx-emit-files --defer-commit): a progress file whose first
 * line is SX_COMMIT_STAGED_MAGIC may list lines "publish PATH", PATH being
 * DIR/.NAME.staged-TAG (sx_commit_staged_path); once that progress file is
 * committed, each is renamed to DIR/NAME.  The renames follow the commit
 * point and are idempotent, so they are done again (those still to do)
 * whenever the file is loaded or named in a --commit: a crash between them
 * is finished by the next run.
 */
#ifndef SX_COMMIT_H
#define SX_COMMIT_H

#include <stddef.h>

/* 0, or -1 after reporting "sx-tool: PATH: reason". */
int sx_commit_write(const char *path, const void *data, size_t len, int defer);

/* Finish any interrupted commit involving PATH, then read PATH into a
 * malloc'd, NUL-terminated buffer.  1 = loaded, 0 = no such file, -1 = error. */
int sx_commit_load(const char *path, char **data, size_t *len);

/* Own the progress file PATH for this run, before any output: its folder
 * must be writable (or the run would emit everything and fail only when it
 * saves its progress), and PATH.lock is locked (flock) until the returned
 * descriptor is closed or the process exits, so a second run on the same
 * file (an overlapping cron job) stops at once instead of tearing or
 * double-emitting it.  OPT names the option in messages ("--state").
 * The lock's descriptor, or -1 after reporting why. */
int sx_commit_own(const char *opt, const char *path);

/* Promote PATHS[i].pending to PATHS[i] for all i atomically, owning each
 * (sx_commit_own) while it does; 0 or -1. */
int sx_commit_promote(char *const *paths, int n);

#define SX_COMMIT_STAGED_MAGIC "sx-staged 1"

/* Append DIR/.NAME.staged-TAG, the staged name of FINAL = DIR/NAME, to OUT. */
struct sx_buf;
void sx_commit_staged_path(struct sx_buf *out, const char *final, const char *tag);
/* Whether file name NAME (no folder) is a staged name with TAG. */
int sx_commit_is_staged(const char *name, const char *tag);

#endif
