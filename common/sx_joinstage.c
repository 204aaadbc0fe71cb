/* sx_joinstage.c - sx-join's stream stage (see sx_joinstage.h). */
#include "sx_joinstage.h"
#include "sx_run.h"

#include <string.h>

void sx_joinstage_init(struct sx_joinstage *s, const struct sx_joinstage_cfg *c, struct sx_join *j)
{
	memset(s, 0, sizeof *s);
	s->c = *c;
	s->j = j;
	struct sx_evtime_cfg ec = {
		.time_field = { c->time_field[0], c->time_field[1] }, .time_unit = c->time_unit,
		.max_delay = { c->max_delay[0], c->max_delay[1] }, .idle_timeout = c->idle_timeout,
		.late_out = c->late_out, .partition_field = c->partition_field,
		.partitions = c->partitions, .npartitions = c->npartitions,
	};
	sx_evtime_init(&s->et, &ec, 2);
}

void sx_joinstage_free(struct sx_joinstage *s)
{
	sx_evtime_free(&s->et);
}

int sx_joinstage_tick_ms(const struct sx_joinstage *s)
{
	return sx_evtime_tick_ms(&s->et, 0);
}

/* Tell the engine SIDE's watermark. */
static void advance(struct sx_joinstage *s, int side)
{
	sx_join_advance(s->j, side, sx_evtime_watermark(&s->et, side));
}

static int on_record(void *st, int side, struct sx_rec *rec, const char **why)
{
	struct sx_joinstage *s = st;
	sx_time_t t;
	if (sx_evtime_read(&s->et, side, rec, &t, why) < 0)
		return SX_REJECT;
	if (sx_evtime_observe(&s->et, side, rec, t))
		return SX_OK;   /* late: counted, on --late-out */
	sx_join_add(s->j, side, rec, t, sx_evtime_watermark(&s->et, side));
	if (!s->c.time_field[side] && !s->ended[!side]) {
		/* processing time: the other input can only send later records */
		sx_evtime_advance(&s->et, !side, t);
		advance(s, !side);
	}
	return SX_OK;
}

static void on_end(void *st, int side)
{
	struct sx_joinstage *s = st;
	s->ended[side] = 1;
	sx_join_end(s->j, side);
}

static void on_tick(void *st)
{
	struct sx_joinstage *s = st;
	for (int side = 0; side < 2; side++)
		if (!s->ended[side] && sx_evtime_tick(&s->et, side))
			advance(s, side);
}

static int on_behind(void *st)
{
	struct sx_joinstage *s = st;
	return sx_join_behind(s->j);
}

const struct sx_stage2 sx_joinstage_stage = { on_record, on_end, on_tick, on_behind };
