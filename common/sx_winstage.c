/* sx_winstage.c - sx-window's time keeping and --state (see sx_winstage.h). */
#include "sx_winstage.h"
#include "sx_onerror.h"
#include "sx_timefmt.h"
#include "sx_commit.h"
#include "sx_err.h"
#include "sx_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_FORMAT "sx-window state"
#define STATE_VERSION 1

void sx_winstage_init(struct sx_winstage *s, const struct sx_winstage_cfg *c, struct sx_window *w)
{
	memset(s, 0, sizeof *s);
	s->c = *c;
	s->w = w;
	s->lock_fd = -1;
	struct sx_evtime_cfg ec = {
		.time_field = { c->time_field }, .time_unit = c->time_unit, .max_delay = { c->max_delay },
		.idle_timeout = c->idle_timeout, .late_out = c->late_out,
		.partition_field = c->partition_field, .partitions = c->partitions,
		.npartitions = c->npartitions, .reach = sx_window_reach(w),
	};
	sx_evtime_init(&s->et, &ec, 1);
}

void sx_winstage_free(struct sx_winstage *s)
{
	sx_evtime_free(&s->et);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

int sx_winstage_tick_ms(const struct sx_winstage *s)
{
	return sx_evtime_tick_ms(&s->et, s->c.state_path != NULL);
}

/* ---- --state ---- */

static void save_state(struct sx_winstage *s)
{
	/* Rows first: a state must never claim windows whose rows were lost. */
	if (sx_out_flush(&sx_stdout) < 0)
		sx_exit(SX_EXIT_FAIL);
	json_t *j = json_pack("{s:s,s:i,s:O}", "format", STATE_FORMAT, "version", STATE_VERSION,
			      "config", s->c.config);
	json_t *clock = json_object();
	if (sx_evtime_save(&s->et, clock) < 0)
		sx_exit(SX_EXIT_FAIL);
	/* the keys in the order state files have always had */
	json_object_set(j, "watermark", json_object_get(clock, "watermark"));
	json_object_set(j, "max_time", json_object_get(clock, "max_time"));
	if (json_object_get(clock, "partitions"))
		json_object_set(j, "partitions", json_object_get(clock, "partitions"));
	json_object_set_new(j, "seq", json_integer((json_int_t)s->seq));
	json_object_set_new(j, "reorder", sx_window_save_held(s->w));
	json_object_set_new(j, "windows", sx_window_save(s->w));
	if (s->c.final)
		json_object_set_new(j, "final", json_true());
	if (json_object_get(clock, "late_out"))
		json_object_set(j, "late_out", json_object_get(clock, "late_out"));
	json_decref(clock);
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		sx_die(SX_EXIT_FAIL, "out of memory");
	size_t len = strlen(text);
	text[len] = '\n';
	int r = sx_commit_write(s->c.state_path, text, len + 1, s->c.defer_commit);
	free(text);
	if (r < 0)
		sx_exit(SX_EXIT_FAIL);
}

/* Name the first option that differs between two configurations. */
static void explain_config(const char *path, const json_t *saved, const json_t *now)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)now, key, v) {
		json_t *o = json_object_get(saved, key);
		if (o && json_equal(o, v))
			continue;
		if (!strcmp(key, "aggregates")) {
			sx_error("%s: state was saved with different -a aggregates; "
				 "use the same options or remove the file", path);
			return;
		}
		char *a = o ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		char *b = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		sx_error("%s: state was saved with different options (%s: saved %s, now %s); "
			 "use the same options or remove the file", path, key, a ? a : "nothing", b ? b : "?");
		free(a);
		free(b);
		return;
	}
	sx_error("%s: state was saved with different options; use the same options or remove the file", path);
}

/* No state yet, but an uncommitted PATH.pending of a first run: its late
 * lines are not kept either, so cut the file back to where that run began. */
static int load_late_out_pending(struct sx_winstage *s)
{
	char pending[4096];
	if (!s->et.late_open || snprintf(pending, sizeof pending, "%s.pending", s->c.state_path) >= (int)sizeof pending)
		return 0;
	json_t *j = json_load_file(pending, 0, NULL);
	if (!j)
		return 0;           /* none, or torn: nothing to go by */
	int r = json_equal(json_object_get(j, "config"), (json_t *)s->c.config) ?
		sx_evtime_load_late_out(&s->et, s->c.state_path, json_object_get(j, "late_out"), "start") : 0;
	json_decref(j);
	return r;
}

int sx_winstage_load(struct sx_winstage *s)
{
	char *data;
	size_t len;
	/* owned before it is read: two runs must not both emit and save it */
	s->lock_fd = sx_commit_own("--state", s->c.state_path);
	if (s->lock_fd < 0)
		return -1;
	int r = sx_commit_load(s->c.state_path, &data, &len);
	if (r == 0)
		return load_late_out_pending(s);
	if (r < 0)
		return r;
	json_error_t jerr;
	json_t *j = json_loadb(data, len, 0, &jerr);
	free(data);
	const char *path = s->c.state_path;
	if (!j)
		return sx_error("%s: not a valid state file (line %d: %s)", path, jerr.line, jerr.text);
	int ret = -1;
	json_int_t version, seq;
	const char *format;
	char err[200];
	const char *why;
	if (json_unpack(j, "{s:s,s:I}", "format", &format, "version", &version) < 0 ||
	    strcmp(format, STATE_FORMAT) != 0) {
		sx_error("%s: not an sx-window state file", path);
	} else if (version != STATE_VERSION) {
		sx_error("%s: state format version %lld, this sx-window reads version %d",
			 path, (long long)version, STATE_VERSION);
	} else if (json_is_true(json_object_get(j, "final"))) {
		/* its windows were all emitted: events that fall in them would be
		 * counted nowhere, or their windows printed a second time */
		sx_error("%s: saved by a --final run (every window was emitted); remove it to start afresh", path);
	} else if (!json_equal(json_object_get(j, "config"), (json_t *)s->c.config)) {
		explain_config(path, json_object_get(j, "config"), s->c.config);
	} else if (sx_evtime_load(&s->et, j, err, sizeof err) < 0) {
		sx_error("%s: damaged state file (%s)", path, err);
	} else if (json_unpack(j, "{s:I}", "seq", &seq) < 0 || seq < 0) {
		sx_error("%s: damaged state file (input counter)", path);
	} else if (sx_window_load_held(s->w, json_object_get(j, "reorder"), (uint64_t)seq, err, sizeof err) < 0) {
		sx_error("%s: damaged state file (%s)", path, err);
	} else if (sx_window_load(s->w, json_object_get(j, "windows"), err, sizeof err) < 0) {
		sx_error("%s: damaged state file (%s)", path, err);
	} else if ((why = sx_window_check_watermark(s->w, sx_winstage_watermark(s)))) {
		sx_error("%s: damaged state file (%s)", path, why);
	} else if (sx_evtime_load_late_out(&s->et, path, json_object_get(j, "late_out"), "bytes") < 0) {
		/* reported */
	} else {
		s->seq = (uint64_t)seq;
		ret = 0;
	}
	json_decref(j);
	return ret;
}

/* ---- the stage ---- */

/* Is NAME (a raw JSON key) what event-time fields are called: ts, time,
 * timestamp, date, datetime, or ending in _time, _ts, _timestamp, _at, or
 * a camelCase ...Time / ...Timestamp (eventTime, EventEnqueuedUtcTime)? */
static int timeish_name(const char *name, size_t n)
{
	static const char *const exact[] = { "ts", "time", "timestamp", "date", "datetime", NULL };
	static const char *const suffix[] = { "_time", "_ts", "_timestamp", "_at", "-time", NULL };
	for (int i = 0; exact[i]; i++)
		if (strlen(exact[i]) == n && !strncasecmp(name, exact[i], n))
			return 1;
	for (int i = 0; suffix[i]; i++) {
		size_t k = strlen(suffix[i]);
		if (n > k && !strncasecmp(name + n - k, suffix[i], k))
			return 1;
	}
	for (int i = 0; i < 2; i++) {
		const char *camel = i ? "Timestamp" : "Time";
		size_t k = strlen(camel);
		if (n > k && !memcmp(name + n - k, camel, k) && name[n - k - 1] >= 'a' && name[n - k - 1] <= 'z')
			return 1;
	}
	return 0;
}

/* Without -t, say once that a field of the first record looks like the
 * event time: windows on the wall clock are rarely what such input wants. */
static void hint_time_field(struct sx_winstage *s, const struct sx_rec *rec)
{
	s->time_hint_done = 1;
	for (size_t i = 0; i < rec->n; i++) {
		const struct sx_field *f = &rec->f[i];
		if (f->key_esc || !timeish_name(f->key, f->key_len))
			continue;
		int n = f->key_len > 100 ? 100 : (int)f->key_len;
		sx_warn("no -t: windows follow processing time (the wall clock), though the input "
			"has a field '%.*s'; use -t %.*s for event time", n, f->key, n, f->key);
		return;
	}
}

static _Noreturn void stop(struct sx_winstage *s)
{
	int sig = sx_stop_signal;
	save_state(s);
	sx_winstage_free(s);
	sx_exit(128 + sig);
}

static int on_record(void *st, struct sx_rec *rec, const char **why)
{
	struct sx_winstage *s = st;
	sx_time_t t;
	if (sx_stop_signal)
		stop(s);
	if (!s->c.time_field && !s->time_hint_done)
		hint_time_field(s, rec);
	if (sx_evtime_read(&s->et, 0, rec, &t, why) < 0)
		return SX_REJECT;
	uint64_t seq = s->seq++;
	if (sx_evtime_observe(&s->et, 0, rec, t)) {
		if (s->c.late_drop)
			return SX_OK;
		if (s->c.partition_field)   /* its partition's watermark may be ahead of the windows */
			sx_window_hold(s->w, rec, s->et.late_at, seq);
		else
			sx_window_add(s->w, rec, sx_winstage_watermark(s), seq);
		return SX_OK;
	}
	if (s->c.max_delay == 0 && !s->c.partition_field) {
		sx_window_add(s->w, rec, t, seq);
		return SX_OK;
	}
	sx_window_hold(s->w, rec, t, seq);
	sx_window_advance(s->w, sx_winstage_watermark(s));
	return SX_OK;
}

static void on_tick(void *st)
{
	struct sx_winstage *s = st;
	if (sx_stop_signal)
		stop(s);
	if (sx_evtime_tick(&s->et, 0))
		sx_window_advance(s->w, sx_winstage_watermark(s));
}

static void on_finish(void *st)
{
	struct sx_winstage *s = st;
	if (sx_stop_signal)
		stop(s);
	if (s->c.state_path && !s->c.final) {
		/* windows the watermark has not passed continue in the next run */
		if (!s->c.time_field) {
			sx_evtime_advance(&s->et, 0, sx_time_now());
			sx_window_advance(s->w, sx_winstage_watermark(s));
		}
	} else {
		sx_window_flush(s->w);
	}
	if (s->c.state_path)
		save_state(s);
}

const struct sx_stage sx_winstage_stage = { on_record, on_tick, on_finish };
