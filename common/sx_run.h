/*
 * sx_run.h - the driver loop shared by the tools that read NDJSON records
 * (Miller 5's uniform record processor, with an explicit finish and an idle
 * tick).
 *
 * sx_run() reads each input in turn (files, or stdin), splits lines, skips
 * blank ones, validates each as a JSON object (sx_rec_parse) and hands it to
 * stage->record.  Lines that are not objects, and records the stage rejects
 * (returns SX_REJECT with a reason), go to the --on-error policy with their
 * FILE:LINE.  Output is flushed whenever the next read would block (after
 * the before_block function of sx_run_blocking, if any, has run), and
 * stage->tick runs every tick_ms while input is quiet.  At the end of all
 * inputs stage->finish runs.
 *
 * Ownership: the record and its line are borrowed for the duration of the
 * call; a stage that keeps a record copies the bytes it needs.
 */
#ifndef SX_RUN_H
#define SX_RUN_H

#include <stdint.h>
#include "sx_json.h"

enum { SX_OK = 0, SX_REJECT = 1 };

struct sx_stage {
	/* One record.  SX_OK, or SX_REJECT with *why set (a data error). */
	int (*record)(void *st, struct sx_rec *rec, const char **why);
	/* Input is quiet (NULL: no ticks). */
	void (*tick)(void *st);
	/* All inputs ended. */
	void (*finish)(void *st);
};

struct sx_run_opts {
	char **files;        /* operands; none means stdin */
	int nfiles;
	int tick_ms;         /* with stage->tick: how often to tick when quiet */
};

/* Where the record being processed came from (for messages). */
struct sx_run_pos {
	const char *file;
	uint64_t line;
};
extern struct sx_run_pos sx_run_pos;

/* Runs the loop; returns 0.  An input that cannot be opened or read is
 * reported and exits 1 before finish() runs. */
int sx_run(const struct sx_stage *stage, void *st, const struct sx_run_opts *o);

/* sx_run, and BEFORE_BLOCK(st) runs each time the reader is about to wait
 * for input (a pipe or FIFO with nothing ready; also after each tick, before
 * waiting again), just before stdout is flushed: a stage that holds rows can
 * write what has waited too long, so a steady trickle of input, which never
 * goes quiet for tick_ms, still lands.  It runs once per wait, not per
 * record (a stage reading a clock there reads it once per wait). */
int sx_run_blocking(const struct sx_stage *stage, void (*before_block)(void *st), void *st,
		    const struct sx_run_opts *o);

/* Flush stdout: installed as sx_in_before_block by sx_run (after the stage's
 * before_block under sx_run_blocking). */
void sx_run_flush(void);

#endif
