/* sx_selstage.c - sx-select's stage (see sx_selstage.h). */
#include "sx_selstage.h"
#include "sx_commit.h"
#include "sx_err.h"
#include "sx_onerror.h"
#include "sx_out.h"
#include "sx_stats.h"
#include "sx_timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_FORMAT "sx-select state"
#define STATE_VERSION 1

/* A held record's place: the input's index and line number, packed so they
 * grow with the input order (the reorder buffer's tie-break). */
#define SEQ_LINE_BITS 40
#define SEQ_LINE_MASK ((UINT64_C(1) << SEQ_LINE_BITS) - 1)

void sx_selstage_init(struct sx_selstage *s, const struct sx_selstage_cfg *c, struct sx_query *q)
{
	memset(s, 0, sizeof *s);
	s->c = *c;
	s->q = q;
	s->needs_time = sx_query_needs_time(q);
	s->newest = s->released = SX_TIME_NONE;
	s->lock_fd = -1;
	sx_reorder_init(&s->held);
	sx_rec_init(&s->rec);
}

void sx_selstage_free(struct sx_selstage *s)
{
	sx_buf_free(&s->scratch);
	sx_reorder_free(&s->held);
	sx_rec_free(&s->rec);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

static int evaluate(struct sx_selstage *s, struct sx_rec *rec, sx_time_t t, const char **why)
{
	int r = sx_query_eval(s->q, rec, t, why);
	if (r < 0)
		return SX_REJECT;
	if (r > 0) {
		sx_query_write(s->q, rec, &sx_stdout);
		sx_stats.records_out++;
	}
	return SX_OK;
}

static void add_file(struct sx_selstage *s, const char *name)
{
	s->files = sx_xreallocarray(s->files, s->nfiles + 1, sizeof *s->files);
	s->files[s->nfiles++] = sx_xstrdup(name);
}

static uint64_t position(struct sx_selstage *s)
{
	if (s->cur_file != sx_run_pos.file) {   /* one entry per operand */
		add_file(s, sx_run_pos.file);
		s->cur_file = sx_run_pos.file;
	}
	return ((uint64_t)(s->nfiles - 1) << SEQ_LINE_BITS) | (sx_run_pos.line & SEQ_LINE_MASK);
}

/* Evaluate the held records at or before UPTO, in event-time order. */
static void release(struct sx_selstage *s, sx_time_t upto)
{
	const struct sx_reorder_item *it;
	while ((it = sx_reorder_pop(&s->held, upto))) {
		const char *why;
		size_t f = (size_t)(it->seq >> SEQ_LINE_BITS);
		s->released = it->t;
		if (sx_rec_parse(&s->rec, it->line, it->len, &why) < 0 ||
		    evaluate(s, &s->rec, it->t, &why) != SX_OK)
			sx_data_error(f < s->nfiles ? s->files[f] : "?", it->seq & SEQ_LINE_MASK, why, it->line, it->len);
	}
}

static void save_state(struct sx_selstage *s);

/* Interrupted with --state: keep what was evaluated (its rows are out), so
 * the next run goes on from there. */
static void check_stop(struct sx_selstage *s)
{
	if (!sx_stop_signal)
		return;
	int sig = sx_stop_signal;
	save_state(s);
	sx_selstage_free(s);
	sx_exit(128 + sig);
}

static void on_tick(void *st)
{
	check_stop(st);
}

static int on_record(void *st, struct sx_rec *rec, const char **why)
{
	struct sx_selstage *s = st;
	sx_time_t t = 0;
	check_stop(s);
	if (s->c.time_field) {
		const char *bad = sx_field_time(sx_rec_get(rec, s->c.time_field), s->c.time_unit, NULL,
						&s->scratch, &t);
		if (bad) {
			sx_reason_field(s->why, sizeof s->why, s->c.time_field, bad);
			*why = s->why;
			return SX_REJECT;
		}
		sx_stats.event_time = t;
	} else if (s->needs_time) {
		t = sx_time_now();
	}
	if (!s->c.reorder)
		return evaluate(s, rec, t, why);
	if (s->released != SX_TIME_NONE && t < s->released) {
		/* behind records already evaluated: ASA's late-arrival policy */
		sx_stats.late++;
		if (s->c.late_drop)
			return SX_OK;
		return evaluate(s, rec, s->released, why);
	}
	sx_reorder_push(&s->held, t, position(s), rec->line, rec->len);
	if (s->newest == SX_TIME_NONE || t > s->newest)
		s->newest = t;
	if (s->newest - s->c.max_delay >= SX_TIME_MIN)
		release(s, s->newest - s->c.max_delay);
	return SX_OK;
}

/* ---- --state ---- */

static json_t *opt_time(sx_time_t t)
{
	return t == SX_TIME_NONE ? json_null() : json_integer(t);
}

static int get_time(const json_t *j, sx_time_t *t)
{
	if (json_is_null(j)) {
		*t = SX_TIME_NONE;
		return 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) < SX_TIME_MIN || json_integer_value(j) > SX_TIME_MAX)
		return -1;
	*t = json_integer_value(j);
	return 0;
}

static void save_state(struct sx_selstage *s)
{
	/* rows first: a state must never claim records whose rows were lost */
	if (sx_out_flush(&sx_stdout) < 0)
		sx_exit(SX_EXIT_FAIL);
	/* the held records name their inputs by index: keep the names */
	json_t *files = json_array();
	for (size_t i = 0; i < s->nfiles; i++)
		json_array_append_new(files, json_string(s->files[i]));
	json_t *j = json_pack("{s:s,s:i,s:O,s:o,s:o,s:o,s:o,s:o}", "format", STATE_FORMAT, "version", STATE_VERSION,
			      "config", s->c.config, "newest", opt_time(s->newest), "released", opt_time(s->released),
			      "files", files, "reorder", sx_reorder_save(&s->held), "analytic", sx_query_save(s->q));
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		sx_die(SX_EXIT_FAIL, "%s: cannot write the state (a file name that is not UTF-8?)", s->c.state_path);
	size_t len = strlen(text);
	text[len] = '\n';
	int r = sx_commit_write(s->c.state_path, text, len + 1, s->c.defer_commit);
	free(text);
	if (r < 0)
		sx_exit(SX_EXIT_FAIL);
}

int sx_selstage_load(struct sx_selstage *s)
{
	const char *path = s->c.state_path;
	char *data, err[200];
	size_t len;
	s->lock_fd = sx_commit_own("--state", path);
	if (s->lock_fd < 0)
		return -1;
	int r = sx_commit_load(path, &data, &len);
	if (r <= 0)
		return r;
	json_error_t jerr;
	json_t *j = json_loadb(data, len, 0, &jerr), *files = NULL, *f;
	free(data);
	if (!j)
		return sx_error("%s: not a valid state file (line %d: %s)", path, jerr.line, jerr.text);
	int ret = -1;
	json_int_t version;
	const char *format;
	size_t i;
	if (json_unpack(j, "{s:s,s:I}", "format", &format, "version", &version) < 0 ||
	    strcmp(format, STATE_FORMAT) != 0) {
		sx_error("%s: not an sx-select state file", path);
	} else if (version != STATE_VERSION) {
		sx_error("%s: state format version %lld, this sx-select reads version %d", path,
			 (long long)version, STATE_VERSION);
	} else if (!json_equal(json_object_get(j, "config"), s->c.config)) {
		sx_error("%s: state was saved with a different query or options; use the same ones or "
			 "remove the file", path);
	} else if (get_time(json_object_get(j, "newest"), &s->newest) < 0 ||
		   get_time(json_object_get(j, "released"), &s->released) < 0 ||
		   !json_is_array(files = json_object_get(j, "files"))) {
		sx_error("%s: damaged state file (times or files)", path);
	} else {
		int ok = 1;
		json_array_foreach(files, i, f) {
			if (!json_is_string(f)) {
				ok = 0;
				break;
			}
			add_file(s, json_string_value(f));
		}
		if (!ok)
			sx_error("%s: damaged state file (files)", path);
		else if (sx_reorder_load(&s->held, json_object_get(j, "reorder"), SX_TIME_MIN, SX_TIME_MAX,
					 (uint64_t)s->nfiles << SEQ_LINE_BITS, err, sizeof err) < 0)
			sx_error("%s: damaged state file (%s)", path, err);
		else if (sx_query_load(s->q, json_object_get(j, "analytic"), err, sizeof err) < 0)
			sx_error("%s: damaged state file (%s)", path, err);
		else
			ret = 0;
	}
	json_decref(j);
	return ret;
}

static void on_finish(void *st)
{
	struct sx_selstage *s = st;
	/* with a state, held records wait for the next run's input (records
	 * earlier than them may still come), unless this run is the last */
	if (s->c.reorder && (!s->c.state_path || s->c.final))
		release(s, INT64_MAX);
	if (s->c.state_path)
		save_state(s);
}

const struct sx_stage sx_selstage_stage = { on_record, on_tick, on_finish };
