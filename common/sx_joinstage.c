/* sx_joinstage.c - sx-join's stream stage (see sx_joinstage.h). */
#include "sx_joinstage.h"
#include "sx_onerror.h"
#include "sx_err.h"
#include "sx_run.h"
#include "sx_stats.h"
#include "sx_timefmt.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int64_t (*sx_joinstage_mono_clock)(void) = sx_mono_now;
sx_time_t (*sx_joinstage_wall_clock)(void) = sx_time_now;

void sx_joinstage_init(struct sx_joinstage *s, const struct sx_joinstage_cfg *c, struct sx_join *j)
{
	memset(s, 0, sizeof *s);
	s->c = *c;
	s->j = j;
	s->last_input[0] = s->last_input[1] = sx_joinstage_mono_clock();
	if (c->late_out) {
		if (sx_out_open_append(&s->late, c->late_out, 0666) < 0)
			sx_die(SX_EXIT_FAIL, "%s:", c->late_out);
		s->late_open = 1;
	}
}

void sx_joinstage_free(struct sx_joinstage *s)
{
	if (s->late_open) {
		sx_out_close(&s->late);
		s->late_open = 0;
	}
	sx_buf_free(&s->scratch);
}

int sx_joinstage_tick_ms(const struct sx_joinstage *s)
{
	if (!s->c.time_field[0])
		return 100;
	if (s->c.idle_timeout) {
		int64_t q = s->c.idle_timeout / 4000;
		return q < 1 ? 1 : q > 100 ? 100 : (int)q;
	}
	return 0;
}

static int on_record(void *st, int side, struct sx_rec *rec, const char **why)
{
	struct sx_joinstage *s = st;
	sx_time_t t;
	const char *field = s->c.time_field[side];
	if (field) {
		const char *bad = sx_field_time(sx_rec_get(rec, field), s->c.time_unit, NULL, &s->scratch, &t);
		if (bad) {
			sx_reason_field(s->why, sizeof s->why, field, bad);
			*why = s->why;
			return SX_REJECT;
		}
	} else {
		t = sx_joinstage_wall_clock();
		sx_time_t wm = sx_join_watermark(s->j, side);
		if (t < wm)
			t = wm; /* the wall clock stepped back */
	}
	if (s->c.idle_timeout)
		s->last_input[side] = sx_joinstage_mono_clock();
	sx_stats.event_time = t;
	if (sx_join_add(s->j, side, rec, t)) {
		sx_stats.late++;
		if (s->late_open) {
			sx_out_write(&s->late, rec->line, rec->len);
			sx_out_putc(&s->late, '\n');
		}
	} else if (!field && !s->ended[!side]) {
		/* processing time: the other input can only send later records */
		sx_join_advance(s->j, !side, t);
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
	for (int side = 0; side < 2; side++) {
		if (s->ended[side])
			continue;
		if (!s->c.time_field[side])
			sx_join_advance(s->j, side, sx_joinstage_wall_clock());
		else if (s->c.idle_timeout)
			sx_join_idle(s->j, side, sx_joinstage_mono_clock() - s->last_input[side]);
	}
}

static int on_behind(void *st)
{
	struct sx_joinstage *s = st;
	return sx_join_behind(s->j);
}

const struct sx_stage2 sx_joinstage_stage = { on_record, on_end, on_tick, on_behind };
