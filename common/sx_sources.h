/*
 * sx_sources.h - where sx-ingest's input comes from: file operands, stdin,
 * DIR operands and --glob patterns (their files in name order), followed
 * files (--follow: growth, truncation and rotation, like tail -F) and watched
 * landing folders (--watch: each new file once it is complete, i.e. unchanged
 * for the settle time; a file that grows later is read on from where it was
 * left; a file that cannot be read is reported and skipped until it changes;
 * files that are gone are forgotten), with the --checkpoint bookkeeping that
 * lets a rerun continue where the last stopped.  An input that cannot be
 * opened is reported and the others are read (exit 1 at the end).  In a
 * batch run with a checkpoint, the unterminated last line of a file younger
 * than the settle time is left for the next run (it is being written).
 *
 * A batch run with -t and two or more inputs reads them together and writes
 * one stream in event-time order (sx_tmerge.h): at most cfg->max_open files
 * are open at a time; when one ends, the next in the order given (a folder's
 * or a glob's files in name order) is opened, so files of later time slices
 * join as earlier ones finish (a file that starts before what was written
 * already comes out of order: counted in a warning).  Each file has its own
 * engine and its own checkpoint offset; what is read is written before the
 * checkpoint is saved, so a rerun resumes each file where it was left.
 *
 * Each followed file gets its own conversion engine (a CSV file keeps its own
 * header and parser state); batch files share one.  SIGINT and SIGTERM stop a
 * live run cleanly: output is flushed and the checkpoint saved, then the
 * process exits with 128 + the signal number.
 */
#ifndef SX_SOURCES_H
#define SX_SOURCES_H

#include <stdint.h>
#include "sx_checkpoint.h"
#include "sx_ingest.h"

struct sx_sources_cfg {
	char **operands;          /* FILE, DIR or "-"; none (and no glob) = stdin */
	int noperands;
	const char *glob;         /* --glob PATTERN */
	int follow, watch;
	int64_t poll_us;          /* --poll */
	struct sx_ckpt *ckpt;     /* NULL: no --checkpoint */
	int64_t settle_us;        /* --settle: --watch reads a file once it is unchanged
				   * this long (and over one poll at least); a batch
				   * run with ckpt holds back a younger file's
				   * unterminated last line */
	/* -t with two or more inputs in a batch run: a time merge (sx_tmerge.h) */
	int merge;                /* time field given and no --no-merge */
	int64_t max_delay_us;     /* --max-delay: each input's own disorder */
	int max_open;             /* --max-open: files open at a time (0: 128) */
};

/* Ingest everything; returns the exit status (0 or 1, or 128+signal). */
int sx_sources_run(const struct sx_ingest_cfg *icfg, const struct sx_sources_cfg *cfg);

/* Files of DIR (regular, not hidden, not *.tmp, *.part, *.partial or
 * *.filepart: names writers use until a file is complete) in name order, or
 * the matches of a glob pattern (the same names left out); malloc'd array of
 * malloc'd paths.  A folder that cannot be listed (opendir or readdir
 * failing) is reported and gives NULL with errno set; errno is 0 otherwise. */
char **sx_sources_list_dir(const char *dir, size_t *n);
char **sx_sources_glob(const char *pattern, size_t *n);
void sx_sources_free_list(char **list, size_t n);

#endif
