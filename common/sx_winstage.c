/* sx_winstage.c - sx-window's time keeping and --state (see sx_winstage.h). */
#include "sx_winstage.h"
#include "sx_onerror.h"
#include "sx_timefmt.h"
#include "sx_commit.h"
#include "sx_err.h"
#include "sx_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_FORMAT "sx-window state"
#define STATE_VERSION 1

int64_t (*sx_winstage_mono_clock)(void) = sx_mono_now;
sx_time_t (*sx_winstage_wall_clock)(void) = sx_time_now;

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

void sx_winstage_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void sx_winstage_init(struct sx_winstage *s, const struct sx_winstage_cfg *c, struct sx_window *w)
{
	memset(s, 0, sizeof *s);
	s->c = *c;
	s->w = w;
	s->reach = sx_window_reach(w);
	s->wm = SX_TIME_NONE;
	s->max_t = SX_TIME_NONE;
	s->lock_fd = -1;
	s->last_input = sx_winstage_mono_clock();
	sx_reorder_init(&s->r);
	sx_rec_init(&s->rec);
	if (c->late_out) {
		if (sx_out_open_append(&s->late, c->late_out, 0666) < 0)
			sx_die(SX_EXIT_FAIL, "%s:", c->late_out);
		s->late_open = 1;
		struct stat st;
		s->late_start = fstat(s->late.fd, &st) == 0 ? (int64_t)st.st_size : 0;
	}
}

void sx_winstage_free(struct sx_winstage *s)
{
	if (s->late_open) {
		sx_out_close(&s->late);
		s->late_open = 0;
	}
	sx_reorder_free(&s->r);
	sx_rec_free(&s->rec);
	sx_buf_free(&s->scratch);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

int sx_winstage_tick_ms(const struct sx_winstage *s)
{
	int ms = 0;
	if (!s->c.time_field)
		ms = 100;
	else if (s->c.idle_timeout) {
		int64_t q = s->c.idle_timeout / 4000;
		ms = q < 1 ? 1 : q > 100 ? 100 : (int)q;
	}
	if (s->c.state_path && (ms == 0 || ms > 200))
		ms = 200;
	return ms;
}

/* Feed every held event at or before UPTO to the windows, in order. */
static void release(struct sx_winstage *s, sx_time_t upto)
{
	const struct sx_reorder_item *it;
	while ((it = sx_reorder_pop(&s->r, upto))) {
		const char *why;
		if (sx_rec_parse(&s->rec, it->line, it->len, &why) < 0)
			sx_die(SX_EXIT_FAIL, "internal error: held event does not parse: %s", why);
		sx_window_add(s->w, &s->rec, it->t, it->seq);
	}
}

static void set_watermark(struct sx_winstage *s, sx_time_t wm)
{
	if (s->wm == SX_TIME_NONE || wm > s->wm)
		s->wm = wm;
}

/* ---- --state ---- */

static void save_state(struct sx_winstage *s)
{
	/* Rows first: a state must never claim windows whose rows were lost. */
	if (sx_out_flush(&sx_stdout) < 0)
		sx_exit(SX_EXIT_FAIL);
	json_t *j = json_pack("{s:s,s:i,s:O}", "format", STATE_FORMAT, "version", STATE_VERSION,
			      "config", s->c.config);
	json_object_set_new(j, "watermark", s->wm == SX_TIME_NONE ? json_null() : json_integer(s->wm));
	json_object_set_new(j, "max_time", s->max_t == SX_TIME_NONE ? json_null() : json_integer(s->max_t));
	json_object_set_new(j, "seq", json_integer((json_int_t)s->seq));
	json_object_set_new(j, "reorder", sx_reorder_save(&s->r));
	json_object_set_new(j, "windows", sx_window_save(s->w));
	if (s->late_open) {
		/* the late lines this state accounts for: a rerun from this
		 * state (say after its deferred commit never came) cuts the
		 * file back to them instead of appending them twice */
		struct stat st;
		if (sx_out_flush(&s->late) < 0)
			sx_exit(SX_EXIT_FAIL);
		if (fstat(s->late.fd, &st) < 0)
			sx_die(SX_EXIT_FAIL, "%s:", s->c.late_out);
		json_object_set_new(j, "late_out", json_pack("{s:s,s:I,s:I}", "path", s->c.late_out,
							      "start", (json_int_t)s->late_start,
							      "bytes", (json_int_t)st.st_size));
	}
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

static int get_opt_time(const json_t *j, const char *name, sx_time_t *t)
{
	json_t *v = json_object_get(j, name);
	if (json_is_null(v)) {
		*t = SX_TIME_NONE;
		return 0;
	}
	if (!json_is_integer(v))
		return -1;
	*t = (sx_time_t)json_integer_value(v);
	return 0;
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

/* Cut --late-out back to the length the loaded state accounts for (when the
 * state was saved with the same --late-out): lines past it come from a run
 * whose state was not kept, and the rerun writes them again. */
static int load_late_out(struct sx_winstage *s, const json_t *lo, const char *key)
{
	const char *path = s->c.state_path, *late_path;
	json_int_t bytes, start;
	struct stat st;
	if (!lo)
		return 0;
	if (json_unpack((json_t *)lo, "{s:s,s:I,s:I}", "path", &late_path, "start", &start,
			"bytes", &bytes) < 0 || start < 0 || bytes < start)
		return sx_error("%s: damaged state file (late_out)", path);
	if (!strcmp(key, "start"))
		bytes = start;
	if (!s->late_open || strcmp(late_path, s->c.late_out) != 0)
		return 0;
	if (fstat(s->late.fd, &st) < 0)
		return sx_error("%s: %s", s->c.late_out, strerror(errno));
	if (st.st_size > bytes && ftruncate(s->late.fd, (off_t)bytes) < 0)
		return sx_error("%s: cannot cut back to the %lld bytes of the last saved state: %s",
				s->c.late_out, (long long)bytes, strerror(errno));
	s->late_start = st.st_size > bytes ? bytes : st.st_size;
	return 0;
}

/* No state yet, but an uncommitted PATH.pending of a first run: its late
 * lines are not kept either, so cut the file back to where that run began. */
static int load_late_out_pending(struct sx_winstage *s)
{
	char pending[4096];
	if (!s->late_open || snprintf(pending, sizeof pending, "%s.pending", s->c.state_path) >= (int)sizeof pending)
		return 0;
	json_t *j = json_load_file(pending, 0, NULL);
	if (!j)
		return 0;           /* none, or torn: nothing to go by */
	int r = json_equal(json_object_get(j, "config"), (json_t *)s->c.config) ?
		load_late_out(s, json_object_get(j, "late_out"), "start") : 0;
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
	if (json_unpack(j, "{s:s,s:I}", "format", &format, "version", &version) < 0 ||
	    strcmp(format, STATE_FORMAT) != 0) {
		sx_error("%s: not an sx-window state file", path);
	} else if (version != STATE_VERSION) {
		sx_error("%s: state format version %lld, this sx-window reads version %d",
			 path, (long long)version, STATE_VERSION);
	} else if (!json_equal(json_object_get(j, "config"), (json_t *)s->c.config)) {
		explain_config(path, json_object_get(j, "config"), s->c.config);
	} else if (get_opt_time(j, "watermark", &s->wm) < 0 ||
		   (s->wm != SX_TIME_NONE && (s->wm < SX_TIME_MIN || s->wm > SX_TIME_MAX - s->reach))) {
		sx_error("%s: damaged state file (watermark missing or out of range)", path);
	} else if (get_opt_time(j, "max_time", &s->max_t) < 0 ||
		   (s->max_t != SX_TIME_NONE && (s->max_t < SX_TIME_MIN + s->reach ||
						 s->max_t > SX_TIME_MAX - s->reach))) {
		/* every event time was checked so; beyond it, bounds overflow */
		sx_error("%s: damaged state file (max_time missing or out of range)", path);
	} else if (json_unpack(j, "{s:I}", "seq", &seq) < 0 || seq < 0) {
		sx_error("%s: damaged state file (input counter)", path);
	} else if (sx_reorder_load(&s->r, json_object_get(j, "reorder"), SX_TIME_MIN + s->reach,
				   SX_TIME_MAX - s->reach, (uint64_t)seq, err, sizeof err) < 0) {
		sx_error("%s: damaged state file (%s)", path, err);
	} else if (sx_window_load(s->w, json_object_get(j, "windows"), err, sizeof err) < 0) {
		sx_error("%s: damaged state file (%s)", path, err);
	} else if (load_late_out(s, json_object_get(j, "late_out"), "bytes") < 0) {
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
	int sig = stop_signal;
	save_state(s);
	sx_winstage_free(s);
	sx_exit(128 + sig);
}

static int on_record(void *st, struct sx_rec *rec, const char **why)
{
	struct sx_winstage *s = st;
	sx_time_t t;
	if (stop_signal)
		stop(s);
	if (s->c.idle_timeout)          /* read only by the idle check in on_tick */
		s->last_input = sx_winstage_mono_clock();
	if (s->c.time_field) {
		const char *bad = sx_field_time(sx_rec_get(rec, s->c.time_field), s->c.time_unit, NULL,
						   &s->scratch, &t);
		if (bad) {
			/* name the field: with several tools in a pipe, "-t ts" may not be obvious */
			sx_reason_field(s->why, sizeof s->why, s->c.time_field, bad);
			*why = s->why;
			return SX_REJECT;
		}
		/* a window bound past 9999 or before year 1 has no RFC 3339 form */
		if (t > SX_TIME_MAX - s->reach || t < SX_TIME_MIN + s->reach) {
			sx_reason_field(s->why, sizeof s->why, s->c.time_field,
					"its windows would fall outside years 0001-9999");
			*why = s->why;
			return SX_REJECT;
		}
	} else {
		if (!s->time_hint_done)
			hint_time_field(s, rec);
		t = sx_winstage_wall_clock();
		if (s->wm != SX_TIME_NONE && t < s->wm)
			t = s->wm;      /* the wall clock stepped back */
	}
	uint64_t seq = s->seq++;
	sx_stats.event_time = t;
	if (s->wm != SX_TIME_NONE && t < s->wm) {
		sx_stats.late++;
		if (s->late_open) {
			sx_out_write(&s->late, rec->line, rec->len);
			sx_out_putc(&s->late, '\n');
		}
		if (!s->c.late_drop)
			sx_window_add(s->w, rec, s->wm, seq);
		return SX_OK;
	}
	if (s->max_t == SX_TIME_NONE || t > s->max_t)
		s->max_t = t;
	set_watermark(s, s->max_t - s->c.max_delay);
	if (s->c.max_delay == 0) {
		sx_window_add(s->w, rec, t, seq);
		return SX_OK;
	}
	sx_reorder_push(&s->r, t, seq, rec->line, rec->len);
	release(s, s->wm);
	sx_window_advance(s->w, s->wm);
	return SX_OK;
}

static void on_tick(void *st)
{
	struct sx_winstage *s = st;
	if (stop_signal)
		stop(s);
	if (!s->c.time_field) {
		set_watermark(s, sx_winstage_wall_clock());
	} else if (s->c.idle_timeout && s->max_t != SX_TIME_NONE) {
		int64_t quiet = sx_winstage_mono_clock() - s->last_input;
		if (quiet <= s->c.idle_timeout)
			return;
		set_watermark(s, s->max_t - s->c.max_delay + (quiet - s->c.idle_timeout));
		release(s, s->wm);
	} else {
		return;
	}
	sx_window_advance(s->w, s->wm);
}

static void on_finish(void *st)
{
	struct sx_winstage *s = st;
	if (stop_signal)
		stop(s);
	if (s->c.state_path && !s->c.final) {
		/* windows the watermark has not passed continue in the next run */
		if (!s->c.time_field) {
			set_watermark(s, sx_winstage_wall_clock());
			sx_window_advance(s->w, s->wm);
		}
	} else {
		release(s, INT64_MAX);
		sx_window_flush(s->w);
	}
	if (s->c.state_path)
		save_state(s);
}

const struct sx_stage sx_winstage_stage = { on_record, on_tick, on_finish };
