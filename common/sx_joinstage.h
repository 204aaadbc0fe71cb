/*
 * sx_joinstage.h - sx-join's time keeping around the stream join engine: the
 * sx_run2 stage that reads each input's event time (-t, or --left-time and
 * --right-time, in --time-unit) and keeps each input's watermark (sx_evtime:
 * --max-delay, --partition-field, --idle-timeout, late events and
 * --late-out), tells the engine each watermark and hands it the records on
 * time.  Without a time field, each record is stamped with the wall clock
 * when it was read (processing time; both watermarks then follow the clock,
 * input or not).
 *
 * A missing or unparseable event time is a data error naming the field.
 *
 * Ownership: the stage borrows the engine and the configuration; it owns
 * the event-time keeper (and through it the --late-out file).
 */
#ifndef SX_JOINSTAGE_H
#define SX_JOINSTAGE_H

#include <stdint.h>
#include "sx_evtime.h"
#include "sx_join.h"
#include "sx_run2.h"
#include "sx_time.h"

struct sx_joinstage_cfg {
	const char *time_field[2];  /* NULL (both): processing time */
	enum sx_time_unit time_unit;
	int64_t max_delay[2];       /* per input */
	const char *late_out;
	int64_t idle_timeout;       /* 0: off */
	const char *partition_field; /* NULL: one watermark per input */
	char **partitions;          /* --partitions, or NULL */
	int npartitions;
};

struct sx_joinstage {
	struct sx_joinstage_cfg c;
	struct sx_join *j;
	struct sx_evtime et;        /* both inputs' watermarks, late events */
	int ended[2];
};

extern const struct sx_stage2 sx_joinstage_stage;

void sx_joinstage_init(struct sx_joinstage *s, const struct sx_joinstage_cfg *c, struct sx_join *j);
void sx_joinstage_free(struct sx_joinstage *s);
/* How often sx_run2 should tick (0: never). */
int sx_joinstage_tick_ms(const struct sx_joinstage *s);

#endif
