/*
 * sx_filesink.h - the engine of sx-emit-files: records into a folder tree of
 * rotated files, each written hidden and renamed into place when complete.
 *
 * Each record's folder comes from the path pattern (sx_pathpat) at its event
 * time (-t, UTC) or, without -t, the wall clock.  One file is open per folder
 * at a time, named RUN-SEQ.EXT: RUN is the run's start time (UTC, to the
 * microsecond) and 8 random hex digits, SEQ counts the run's files, so names
 * sort in creation order and two runs never write the same name.  A file is
 * written as .NAME.part beside its final name (flock'ed while open) and
 * renamed to NAME when it is closed: at a rotation limit (rows, bytes, age),
 * when the watermark passes the end of its time bucket (the hour of
 * {time}), when --max-open files are open and it is the least recently used,
 * for CSV when a record has other fields than its header, and at the end.
 * A run that fails (exit 1) removes its open .part files; a run that was
 * killed leaves them, and the next run over the same tree removes every
 * .part file whose writer is gone (its flock is free).
 *
 * With --defer-commit and --state FILE, closed files are renamed to a
 * hidden staged name .NAME.staged-TAG instead, listed in FILE.pending, and
 * become visible only when the state is committed (sx_commit: a line
 * "publish SRC DST" of a committed progress file is a rename performed at
 * commit, and again, idempotently, whenever the file is loaded).  The run's
 * name is kept in FILE.intent until committed, so a rerun of a failed run
 * writes the same names; at start, staged files of uncommitted runs are
 * removed.
 *
 * The stage never allocates per record once its folders are open: the
 * rendered folder is compared with the last one's first.
 */
#ifndef SX_FILESINK_H
#define SX_FILESINK_H

#include <stdint.h>
#include "sx_run.h"
#include "sx_time.h"

enum sx_files_format { SX_FILES_NDJSON, SX_FILES_CSV };

struct sx_filesink_cfg {
	const char *path;            /* --path pattern (required) */
	const char *date_format, *time_format, *null_value;
	enum sx_files_format format;
	int gzip;
	uint64_t max_rows, max_bytes; /* 0 = no limit */
	int64_t max_age_us;           /* 0 = no limit */
	long max_open;
	int64_t flush_us;             /* flush open files after this much quiet */
	int64_t max_delay_us;         /* watermark = latest event time - this */
	const char *time_field;       /* NULL: processing time */
	enum sx_time_unit time_unit;
	int64_t idle_timeout_us;
	const char *state;            /* --state FILE */
	int defer;                    /* --defer-commit */
};

struct sx_filesink;

/* Check the configuration (pattern, limits): NULL with ERR set (a usage
 * error) or the sink; nothing is created yet. */
struct sx_filesink *sx_filesink_new(const struct sx_filesink_cfg *c, char *err, size_t errlen);
/* Own the state, remove leftovers of earlier runs, register the exit hook
 * (which removes open .part files when the run fails).  Exits 1 on error. */
void sx_filesink_start(struct sx_filesink *s);

extern const struct sx_stage sx_filesink_stage;
void sx_filesink_before_block(void *s);
/* How often the stage ticks on a quiet input, in ms. */
#define SX_FILESINK_TICK_MS 100

/* Clocks, replaceable by tests. */
extern int64_t (*sx_filesink_mono_clock)(void);
extern sx_time_t (*sx_filesink_wall_clock)(void);

/* The file name of file number SEQ of run RUN with extension EXT. */
void sx_filesink_name(struct sx_buf *b, const char *run, uint64_t seq, const char *ext);
/* Whether NAME (a file name, no folder) is a .part file of sx-emit-files. */
int sx_filesink_is_part(const char *name);

#endif
