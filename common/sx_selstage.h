/*
 * sx_selstage.h - sx-select's stage for the driver loop: each record's event
 * time read, the query (sx_expr) evaluated and the selected fields written;
 * with --max-delay the records held and evaluated in event-time order
 * (sx_reorder); with --state the analytic functions' memory and the held
 * records saved at the end of the run and loaded at the start of the next,
 * so cron runs continue where they stopped (written at once, or staged as
 * FILE.pending with --defer-commit until sx-ingest --commit).
 *
 * Ownership: the stage borrows the query and the configuration; it owns the
 * held records and the state file's lock.
 */
#ifndef SX_SELSTAGE_H
#define SX_SELSTAGE_H

#include <jansson.h>
#include "sx_buf.h"
#include "sx_expr.h"
#include "sx_reorder.h"
#include "sx_run.h"

struct sx_selstage_cfg {
	const char *time_field;        /* -t, or NULL: processing time */
	enum sx_time_unit time_unit;
	int64_t max_delay;
	int reorder;                   /* --max-delay given */
	int late_drop;                 /* --late drop */
	const char *state_path;        /* --state FILE */
	int defer_commit;
	int final;                     /* --final: evaluate every held record at the end */
	json_t *config;                /* what a state must have been saved under */
};

struct sx_selstage {
	struct sx_selstage_cfg c;
	struct sx_query *q;
	int needs_time;
	struct sx_buf scratch;
	char why[640];
	struct sx_reorder held;
	sx_time_t newest, released;    /* latest time seen; time of the last record evaluated */
	struct sx_rec rec;             /* a held record, parsed again */
	char **files;                  /* input names (owned), for held records' messages */
	const char *cur_file;          /* the operand files[nfiles - 1] came from */
	size_t nfiles;
	int lock_fd;
};

extern const struct sx_stage sx_selstage_stage;

void sx_selstage_init(struct sx_selstage *s, const struct sx_selstage_cfg *c, struct sx_query *q);
/* --state: own and load the file; 0, or -1 after reporting. */
int sx_selstage_load(struct sx_selstage *s);
void sx_selstage_free(struct sx_selstage *s);
/* With --state, once the tool has called sx_catch_stop_signals (sx_err.h):
 * SIGINT and SIGTERM save the state (what was evaluated so far, the held
 * records) and exit 128 + N, at the next record or within the tick
 * (SX_SELSTAGE_TICK_MS) while input is quiet. */
#define SX_SELSTAGE_TICK_MS 200

#endif
