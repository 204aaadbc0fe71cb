/*
 * sx_run2.h - the driver loop for a tool that reads two NDJSON inputs at once
 * (sx-join's LEFT and RIGHT: files, FIFOs, process substitutions, one of
 * them possibly stdin), the two-input sibling of sx_run.
 *
 * Both inputs are non-blocking sx_in sources; nothing ever waits on one
 * input while the other has data, so a producer that writes to both (or two
 * producers fed by one upstream) cannot deadlock against the reader.  Which
 * input to read is the stage's call (`behind`: the one holding back
 * progress); when that one has nothing, a pipe on the other side is read if
 * it has data, while a regular file on the other side, which is always
 * readable, is left alone so it is not read far ahead into memory.  Reads go
 * in batches of lines; when neither input can be read, output is flushed and
 * the loop sleeps in poll(2) on the pipes, waking every tick_ms to call
 * stage->tick (also called between batches when one is due).
 *
 * Lines are handled as in sx_run: blank lines skipped, each validated as a
 * JSON object, records and rejected records routed through the --on-error
 * policy with their FILE:LINE.  An input that ends is closed and reported
 * with stage->end; the loop returns when both have ended.  An input that
 * cannot be opened or read is reported and exits 1.
 *
 * Ownership: records and their lines are borrowed for the duration of the
 * callback, as with sx_run.
 */
#ifndef SX_RUN2_H
#define SX_RUN2_H

#include "sx_json.h"

struct sx_stage2 {
	/* A record of input SIDE (0 or 1): SX_OK, or SX_REJECT with *why set. */
	int (*record)(void *st, int side, struct sx_rec *rec, const char **why);
	/* Input SIDE ended. */
	void (*end)(void *st, int side);
	/* Every tick_ms (NULL: never). */
	void (*tick)(void *st);
	/* The input to read first (0 or 1). */
	int (*behind)(void *st);
};

struct sx_run2_opts {
	const char *files[2];    /* "-" is stdin (at most one of them) */
	int tick_ms;             /* 0: no ticks */
};

/* Lines read per input before the choice is made again. */
#define SX_RUN2_BATCH 256

void sx_run2(const struct sx_stage2 *stage, void *st, const struct sx_run2_opts *o);

#endif
