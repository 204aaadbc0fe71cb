/* sx_run.c - the NDJSON driver loop (see sx_run.h). */
#include "sx_run.h"
#include "sx_err.h"
#include "sx_in.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_stats.h"

struct sx_run_pos sx_run_pos;

void sx_run_flush(void)
{
	sx_out_flush(&sx_stdout);
}

/* sx_run_blocking's hook, for the duration of the run (sx_in_before_block
 * takes no argument). */
static void (*block_fn)(void *st);
static void *block_st;

static void before_block(void)
{
	if (block_fn)
		block_fn(block_st);
	sx_run_flush();
}

struct tick_ctx {
	const struct sx_stage *stage;
	void *st;
};

static void on_idle(void *arg)
{
	struct tick_ctx *t = arg;
	t->stage->tick(t->st);
}

static int is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

static int run_one(const struct sx_stage *stage, void *st, const char *path,
		   struct sx_rec *rec, struct tick_ctx *tc, int tick_ms)
{
	struct sx_in in;
	if (sx_in_open(&in, path) < 0)
		return -1;
	if (stage->tick && tick_ms > 0)
		sx_in_set_idle(&in, tick_ms, on_idle, tc);
	sx_run_pos.file = in.name;
	const char *line;
	size_t len;
	int r;
	uint64_t last_bytes = 0;
	while ((r = sx_in_getline(&in, &line, &len)) > 0) {
		sx_stats.bytes_in += in.bytes_read - last_bytes;
		last_bytes = in.bytes_read;
		if (len == 0 || (line[0] != '{' && is_blank(line, len)))
			continue;
		sx_run_pos.line = in.lineno;
		sx_stats.records_in++;
		const char *why;
		if (sx_rec_parse(rec, line, len, &why) < 0 ||
		    stage->record(st, rec, &why) != SX_OK)
			sx_data_error(in.name, in.lineno, why, line, len);
		sx_progress_tick();
	}
	sx_stats.bytes_in += in.bytes_read - last_bytes;
	sx_in_close(&in);
	return r < 0 ? -1 : 0;
}

int sx_run(const struct sx_stage *stage, void *st, const struct sx_run_opts *o)
{
	return sx_run_blocking(stage, NULL, st, o);
}

int sx_run_blocking(const struct sx_stage *stage, void (*before_block_fn)(void *st), void *st,
		    const struct sx_run_opts *o)
{
	static char *stdin_only[] = { "-" };
	char **files = o->nfiles ? o->files : stdin_only;
	int nfiles = o->nfiles ? o->nfiles : 1;
	struct sx_rec rec;
	struct tick_ctx tc = { stage, st };
	sx_rec_init(&rec);
	block_fn = before_block_fn;
	block_st = st;
	sx_in_before_block = before_block;
	for (int i = 0; i < nfiles; i++) {
		if (run_one(stage, st, files[i], &rec, &tc, o->tick_ms) < 0) {
			/* An unreadable input fails the run before finish(), so
			 * nothing (state, checkpoints) is committed from it. */
			sx_rec_free(&rec);
			sx_exit(SX_EXIT_FAIL);
		}
	}
	sx_rec_free(&rec);
	block_fn = NULL;
	block_st = NULL;
	sx_in_before_block = sx_run_flush;
	if (stage->finish)
		stage->finish(st);
	return 0;
}
