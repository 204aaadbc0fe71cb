/*
 * sx_joinstage.h - sx-join's time keeping around the stream join engine: the
 * sx_run2 stage that reads each input's event time (-t, or --left-time and
 * --right-time, in --time-unit), hands records to sx_join, counts late ones
 * and copies them to --late-out, moves an idle input's watermark with the
 * clock (--idle-timeout), and, without a time field, stamps each record with
 * the wall clock when it was read (processing time; both watermarks then
 * follow the clock, input or not).
 *
 * A missing or unparseable event time is a data error naming the field.
 *
 * Ownership: the stage borrows the engine and the configuration; it owns
 * the --late-out file.
 */
#ifndef SX_JOINSTAGE_H
#define SX_JOINSTAGE_H

#include <stdint.h>
#include "sx_buf.h"
#include "sx_join.h"
#include "sx_out.h"
#include "sx_run2.h"
#include "sx_time.h"

struct sx_joinstage_cfg {
	const char *time_field[2];  /* NULL (both): processing time */
	enum sx_time_unit time_unit;
	const char *late_out;
	int64_t idle_timeout;       /* 0: off */
};

struct sx_joinstage {
	struct sx_joinstage_cfg c;
	struct sx_join *j;
	int64_t last_input[2];      /* monotonic time of each input's last record */
	int ended[2];
	struct sx_out late;
	int late_open;
	struct sx_buf scratch;
	char why[160];
};

extern const struct sx_stage2 sx_joinstage_stage;

void sx_joinstage_init(struct sx_joinstage *s, const struct sx_joinstage_cfg *c, struct sx_join *j);
void sx_joinstage_free(struct sx_joinstage *s);
/* How often sx_run2 should tick (0: never). */
int sx_joinstage_tick_ms(const struct sx_joinstage *s);

/* The clocks the stage reads (sx_mono_now and sx_time_now); tests point them
 * elsewhere to drive time without sleeping. */
extern int64_t (*sx_joinstage_mono_clock)(void);
extern sx_time_t (*sx_joinstage_wall_clock)(void);

#endif
