/* sx_run2.c - the two-input driver loop (see sx_run2.h). */
#include "sx_run2.h"
#include "sx_err.h"
#include "sx_in.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_run.h"
#include "sx_stats.h"
#include "sx_time.h"

#include <errno.h>
#include <poll.h>

struct input {
	struct sx_in in;
	int open;
	uint64_t last_bytes;
};

enum { GOT_NOTHING, GOT_SOME };

static int is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* Up to a batch of lines from input SIDE: GOT_SOME when lines (or the end)
 * came, GOT_NOTHING when the input has nothing ready. */
static int read_batch(const struct sx_stage2 *stage, void *st, struct input *x, int side,
		      struct sx_rec *rec)
{
	const char *line;
	size_t len;
	for (int k = 0; k < SX_RUN2_BATCH; k++) {
		int r = sx_in_getline(&x->in, &line, &len);
		sx_stats.bytes_in += x->in.bytes_read - x->last_bytes;
		x->last_bytes = x->in.bytes_read;
		if (r == SX_IN_AGAIN)
			return k ? GOT_SOME : GOT_NOTHING;
		if (r < 0)
			sx_exit(SX_EXIT_FAIL); /* reported by sx_in */
		if (r == 0) {
			sx_in_close(&x->in);
			x->open = 0;
			stage->end(st, side);
			return GOT_SOME;
		}
		if (len == 0 || (line[0] != '{' && is_blank(line, len)))
			continue;
		sx_run_pos.file = x->in.name;
		sx_run_pos.line = x->in.lineno;
		sx_stats.records_in++;
		const char *why;
		if (sx_rec_parse(rec, line, len, &why) < 0 || stage->record(st, side, rec, &why) != SX_OK)
			sx_data_error(x->in.name, x->in.lineno, why, line, len);
		sx_progress_tick();
	}
	return GOT_SOME;
}

void sx_run2(const struct sx_stage2 *stage, void *st, const struct sx_run2_opts *o)
{
	struct input x[2];
	struct sx_rec rec;
	sx_rec_init(&rec);
	sx_in_before_block = NULL; /* these sources never block; the loop flushes */
	for (int s = 0; s < 2; s++) {
		if (sx_in_open_nonblock(&x[s].in, o->files[s]) < 0) {
			if (s)
				sx_in_close(&x[0].in);
			sx_rec_free(&rec);
			sx_exit(SX_EXIT_FAIL);
		}
		x[s].open = 1;
		x[s].last_bytes = 0;
	}
	int ticking = stage->tick && o->tick_ms > 0;
	int64_t next_tick = sx_mono_now() + (int64_t)o->tick_ms * 1000;
	while (x[0].open || x[1].open) {
		if (ticking && sx_mono_now() >= next_tick) {
			stage->tick(st);
			next_tick = sx_mono_now() + (int64_t)o->tick_ms * 1000;
			continue; /* the tick may have changed which input is behind */
		}
		int b = stage->behind(st);
		if (!x[b].open)
			b = !b;
		int other = x[!b].open ? !b : -1;
		if (read_batch(stage, st, &x[b], b, &rec) == GOT_SOME)
			continue;
		/* the input holding things back has nothing: a pipe on the other side
		 * is read if it has data (its writer must never wait on us), a
		 * regular file is not read ahead */
		if (other >= 0 && !x[other].in.is_regular &&
		    read_batch(stage, st, &x[other], other, &rec) == GOT_SOME)
			continue;
		sx_out_flush(&sx_stdout);
		struct pollfd p[2];
		int np = 0;
		p[np++] = (struct pollfd){ .fd = x[b].in.fd, .events = POLLIN };
		if (other >= 0 && !x[other].in.is_regular)
			p[np++] = (struct pollfd){ .fd = x[other].in.fd, .events = POLLIN };
		int timeout = -1;
		if (ticking) {
			int64_t ms = (next_tick - sx_mono_now() + 999) / 1000;
			timeout = ms < 0 ? 0 : (int)ms;
		}
		if (poll(p, (nfds_t)np, timeout) < 0 && errno != EINTR)
			sx_die(SX_EXIT_FAIL, "poll:");
	}
	sx_rec_free(&rec);
}
