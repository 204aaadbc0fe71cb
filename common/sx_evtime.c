/* sx_evtime.c - event time, watermarks, late events (see sx_evtime.h). */
#include "sx_evtime.h"
#include "sx_cli.h"
#include "sx_err.h"
#include "sx_onerror.h"
#include "sx_stats.h"
#include "sx_timefmt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- field -> time ---- */

const char *sx_field_time(const struct sx_field *f, enum sx_time_unit unit, const struct sx_timefmt *fmt,
			  struct sx_buf *scratch, sx_time_t *t)
{
	if (!f || f->type == SX_JNULL)
		return "missing event time";
	if (f->type == SX_JNUMBER) {
		if (sx_time_from_number(f->val, f->val_len, unit, t) == 0)
			return NULL;
		char msg[256];
		sx_time_number_why(f->val, f->val_len, unit, msg, sizeof msg);
		sx_buf_reset(scratch);
		sx_buf_puts(scratch, msg);
		return scratch->data;
	}
	if (f->type != SX_JSTRING)
		return "event time is not a string or a number";
	const char *s;
	size_t n;
	sx_field_str(f, scratch, &s, &n);
	if (fmt ? sx_timefmt_parse(fmt, s, n, t) == 0 : sx_time_parse(s, n, t) == 0)
		return NULL;
	return sx_time_why(s, n, unit, fmt, 0, scratch);
}

/* ---- setup ---- */

static size_t add_partition(struct sx_evclock *k, const char *id, size_t len, int64_t now)
{
	int inserted;
	size_t i = sx_strmap_put(&k->ids, id, len, &inserted);
	if (inserted) {
		struct sx_evpart *p = sx_strmap_value(&k->ids, i);
		p->max_t = SX_TIME_NONE;
		p->last_input = now;
	}
	return i;
}

void sx_evtime_init(struct sx_evtime *e, const struct sx_evtime_cfg *c, int ninputs)
{
	memset(e, 0, sizeof *e);
	e->c = *c;
	e->ninputs = ninputs;
	int64_t now = sx_mono_now();
	for (int in = 0; in < ninputs; in++) {
		struct sx_evclock *k = &e->in[in];
		k->delay = c->max_delay[in];
		k->wm = k->max_t = SX_TIME_NONE;
		k->last_input = now;
		sx_strmap_init(&k->ids, sizeof(struct sx_evpart));
		for (int i = 0; i < c->npartitions; i++)
			add_partition(k, c->partitions[i], strlen(c->partitions[i]), now);
		k->closed = c->npartitions > 0;
	}
	if (c->late_out) {
		if (sx_out_open_append(&e->late, c->late_out, 0666) < 0)
			sx_die(SX_EXIT_FAIL, "%s:", c->late_out);
		e->late_open = 1;
		struct stat st;
		e->late_start = fstat(e->late.fd, &st) == 0 ? (int64_t)st.st_size : 0;
	}
}

void sx_evtime_free(struct sx_evtime *e)
{
	if (e->late_open) {
		sx_out_close(&e->late);
		e->late_open = 0;
	}
	for (int in = 0; in < e->ninputs; in++)
		sx_strmap_free(&e->in[in].ids);
	sx_buf_free(&e->scratch);
}

char **sx_evtime_partitions_arg(const char *arg, int *n)
{
	const char *p = arg;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == arg || *p)
		return sx_cli_list("--partitions", arg, n);
	long count = sx_cli_long("--partitions", arg, 1, 100000);
	char **ids = sx_xcalloc((size_t)count, sizeof *ids);
	for (long i = 0; i < count; i++) {
		char num[24];
		snprintf(num, sizeof num, "%ld", i);
		ids[i] = sx_xstrdup(num);
	}
	*n = (int)count;
	return ids;
}

void sx_evtime_partitions_free(char **ids, int n)
{
	for (int i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* ---- the clock ---- */

static inline struct sx_evpart *part_of(const struct sx_evclock *k, size_t i)
{
	return sx_strmap_value(&k->ids, i);
}

static void set_watermark(struct sx_evclock *k, sx_time_t wm)
{
	if (k->wm == SX_TIME_NONE || wm > k->wm)
		k->wm = wm;
}

/* The smallest (max time - max-delay) of the partitions holding the clock
 * (all of them, or, with --idle-timeout, those heard from within it at NOW):
 * 1 with *wm set, or 0 when none holds it.  A declared partition not heard
 * from yet holds it at nothing: SX_TIME_NONE. */
static int partitions_min(const struct sx_evclock *k, int64_t idle, int64_t now, sx_time_t *wm)
{
	int any = 0;
	size_t np = sx_strmap_count(&k->ids);
	for (size_t i = 0; i < np; i++) {
		const struct sx_evpart *p = part_of(k, i);
		if (idle && now - p->last_input > idle)
			continue;
		if (p->max_t == SX_TIME_NONE) {
			if (!k->has_field)
				continue;   /* declared, but this input is not partitioned */
			*wm = SX_TIME_NONE;
			return 1;
		}
		if (!any || p->max_t - k->delay < *wm)
			*wm = p->max_t - k->delay;
		any = 1;
	}
	return any;
}

/* Words for a partition value, cut to fit a message. */
static const char *quote_part(const char *s, size_t n, char *buf, size_t size)
{
	size_t max = size > 8 ? size - 8 : 0;
	size_t k = n > max ? sx_utf8_prefix(s, max) : n;
	snprintf(buf, size, "'%.*s%s'", (int)k, s, k < n ? "..." : "");
	return buf;
}

static int reject(struct sx_evtime *e, const char *field, const char *reason, const char **why)
{
	sx_reason_field(e->why, sizeof e->why, field, reason);
	*why = e->why;
	return -1;
}

/* The partition of REC on clock K into e->part: 0, or -1 with *why. */
static int read_partition(struct sx_evtime *e, struct sx_evclock *k, const struct sx_rec *rec, const char **why)
{
	const char *field = e->c.partition_field;
	const struct sx_field *f = sx_rec_get(rec, field);
	const char *s;
	size_t n;
	if (!f || f->type == SX_JNULL) {
		/* an input without partitions (sx-join's other side): one clock */
		s = "";
		n = 0;
	} else if (f->type == SX_JSTRING) {
		sx_field_str(f, &e->scratch, &s, &n);
	} else if (f->type == SX_JNUMBER) {
		s = f->val;
		n = f->val_len;
	} else {
		return reject(e, field, "partition is not a string or a number", why);
	}
	int has = f && f->type != SX_JNULL;
	k->has_field |= has;
	size_t i = sx_strmap_find(&k->ids, s, n);
	if (i == SX_STRMAP_NONE) {
		if (k->closed && has) {
			char q[72], msg[120];
			snprintf(msg, sizeof msg, "partition %s is not one of --partitions",
				 quote_part(s, n, q, sizeof q));
			return reject(e, field, msg, why);
		}
		i = add_partition(k, s, n, sx_mono_now());
	}
	e->part = i;
	return 0;
}

int sx_evtime_read(struct sx_evtime *e, int in, const struct sx_rec *rec, sx_time_t *t, const char **why)
{
	struct sx_evclock *k = &e->in[in];
	const char *field = e->c.time_field[in];
	if (field) {
		const char *bad = sx_field_time(sx_rec_get(rec, field), e->c.time_unit, NULL, &e->scratch, t);
		/* name the field: with several tools in a pipe, "-t ts" may not be obvious */
		if (bad)
			return reject(e, field, bad, why);
		/* a window bound past 9999 or before year 1 has no RFC 3339 form */
		if (*t > SX_TIME_MAX - e->c.reach || *t < SX_TIME_MIN + e->c.reach)
			return reject(e, field, "its windows would fall outside years 0001-9999", why);
	} else {
		*t = sx_time_now();
		if (k->wm != SX_TIME_NONE && *t < k->wm)
			*t = k->wm;     /* the wall clock stepped back */
	}
	if (e->c.partition_field && read_partition(e, k, rec, why) < 0)
		return -1;
	return 0;
}

int sx_evtime_observe(struct sx_evtime *e, int in, const struct sx_rec *rec, sx_time_t t)
{
	struct sx_evclock *k = &e->in[in];
	int64_t idle = e->c.idle_timeout, now = idle ? sx_mono_now() : 0;
	struct sx_evpart *p = e->c.partition_field ? part_of(k, e->part) : NULL;
	if (idle) {
		k->last_input = now;
		if (p)
			p->last_input = now;
	}
	sx_stats.event_time = t;
	sx_time_t own = p && p->max_t != SX_TIME_NONE ? p->max_t - k->delay : SX_TIME_NONE;
	if ((k->wm != SX_TIME_NONE && t < k->wm) || (own != SX_TIME_NONE && t < own)) {
		e->late_at = own > k->wm ? own : k->wm;
		sx_stats.late++;
		if (e->late_open) {
			sx_out_write(&e->late, rec->line, rec->len);
			sx_out_putc(&e->late, '\n');
		}
		return 1;
	}
	if (k->max_t == SX_TIME_NONE || t > k->max_t)
		k->max_t = t;
	if (!p) {
		set_watermark(k, k->max_t - k->delay);
		return 0;
	}
	if (p->max_t == SX_TIME_NONE || t > p->max_t)
		p->max_t = t;
	sx_time_t wm;
	if (partitions_min(k, idle, now, &wm) && wm != SX_TIME_NONE)
		set_watermark(k, wm);
	return 0;
}

void sx_evtime_advance(struct sx_evtime *e, int in, sx_time_t wm)
{
	set_watermark(&e->in[in], wm);
}

int sx_evtime_tick(struct sx_evtime *e, int in)
{
	struct sx_evclock *k = &e->in[in];
	sx_time_t before = k->wm;
	if (!e->c.time_field[in]) {
		set_watermark(k, sx_time_now());
		return k->wm != before;
	}
	int64_t idle = e->c.idle_timeout;
	if (!idle)
		return 0;
	int64_t now = sx_mono_now();
	sx_time_t wm;
	if (e->c.partition_field && partitions_min(k, idle, now, &wm)) {
		/* the partitions still speaking hold it (a declared silent one: at nothing) */
		if (wm != SX_TIME_NONE)
			set_watermark(k, wm);
		return k->wm != before;
	}
	int64_t quiet = now - k->last_input;
	if (quiet <= idle)
		return 0;
	sx_time_t base = k->max_t;
	if (base == SX_TIME_NONE && e->ninputs == 2)
		base = e->in[!in].max_t;    /* nothing yet: follow the other input */
	if (base == SX_TIME_NONE)
		return 0;
	set_watermark(k, base - k->delay + (quiet - idle));
	return k->wm != before;
}

int sx_evtime_tick_ms(const struct sx_evtime *e, int saving)
{
	int ms = 0;
	if (!e->c.time_field[0])
		ms = 100;
	else if (e->c.idle_timeout) {
		int64_t q = e->c.idle_timeout / 4000;
		ms = q < 1 ? 1 : q > 100 ? 100 : (int)q;
	}
	if (saving && (ms == 0 || ms > 200))
		ms = 200;
	return ms;
}

/* ---- --state ---- */

static json_t *opt_time(sx_time_t t)
{
	return t == SX_TIME_NONE ? json_null() : json_integer(t);
}

int sx_evtime_save(struct sx_evtime *e, json_t *state)
{
	const struct sx_evclock *k = &e->in[0];
	json_object_set_new(state, "watermark", opt_time(k->wm));
	json_object_set_new(state, "max_time", opt_time(k->max_t));
	if (e->c.partition_field) {
		json_t *parts = json_object();
		for (size_t i = 0; i < sx_strmap_count(&k->ids); i++) {
			size_t len;
			const char *id = sx_strmap_key(&k->ids, i, &len);
			json_object_setn_new_nocheck(parts, id, len, opt_time(part_of(k, i)->max_t));
		}
		json_object_set_new(state, "partitions", parts);
	}
	if (e->late_open) {
		/* the late lines this state accounts for: a rerun from this
		 * state (say after its deferred commit never came) cuts the
		 * file back to them instead of appending them twice */
		struct stat st;
		if (sx_out_flush(&e->late) < 0)
			return -1;
		if (fstat(e->late.fd, &st) < 0)
			return sx_error("%s: %s", e->c.late_out, strerror(errno));
		json_object_set_new(state, "late_out", json_pack("{s:s,s:I,s:I}", "path", e->c.late_out,
								  "start", (json_int_t)e->late_start,
								  "bytes", (json_int_t)st.st_size));
	}
	return 0;
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

/* Every event time was checked to keep its windows in range; beyond it,
 * bounds overflow. */
static int time_ok(const struct sx_evtime *e, sx_time_t t)
{
	return t == SX_TIME_NONE || (t >= SX_TIME_MIN + e->c.reach && t <= SX_TIME_MAX - e->c.reach);
}

int sx_evtime_load(struct sx_evtime *e, const json_t *state, char *err, size_t errlen)
{
	struct sx_evclock *k = &e->in[0];
	if (get_opt_time(state, "watermark", &k->wm) < 0 ||
	    (k->wm != SX_TIME_NONE && (k->wm < SX_TIME_MIN || k->wm > SX_TIME_MAX - e->c.reach))) {
		snprintf(err, errlen, "watermark missing or out of range");
		return -1;
	}
	if (get_opt_time(state, "max_time", &k->max_t) < 0 || !time_ok(e, k->max_t)) {
		snprintf(err, errlen, "max_time missing or out of range");
		return -1;
	}
	if (!e->c.partition_field)
		return 0;
	const json_t *parts = json_object_get(state, "partitions");
	const char *id;
	json_t *v;
	if (!json_is_object(parts)) {
		snprintf(err, errlen, "partitions missing");
		return -1;
	}
	int64_t now = sx_mono_now();
	json_object_foreach((json_t *)parts, id, v) {
		sx_time_t t;
		size_t len = strlen(id);
		if (get_opt_time(parts, id, &t) < 0 || !time_ok(e, t) ||
		    (k->closed && sx_strmap_find(&k->ids, id, len) == SX_STRMAP_NONE)) {
			char q[72];
			snprintf(err, errlen, "partition %s: bad time or not declared", quote_part(id, len, q, sizeof q));
			return -1;
		}
		part_of(k, add_partition(k, id, len, now))->max_t = t;
		if (len && t != SX_TIME_NONE)
			k->has_field = 1;
	}
	return 0;
}

int sx_evtime_load_late_out(struct sx_evtime *e, const char *state_path, const json_t *lo, const char *key)
{
	const char *late_path;
	json_int_t bytes, start;
	struct stat st;
	if (!lo)
		return 0;
	if (json_unpack((json_t *)lo, "{s:s,s:I,s:I}", "path", &late_path, "start", &start,
			"bytes", &bytes) < 0 || start < 0 || bytes < start)
		return sx_error("%s: damaged state file (late_out)", state_path);
	if (!strcmp(key, "start"))
		bytes = start;
	if (!e->late_open || strcmp(late_path, e->c.late_out) != 0)
		return 0;
	if (fstat(e->late.fd, &st) < 0)
		return sx_error("%s: %s", e->c.late_out, strerror(errno));
	if (st.st_size > bytes && ftruncate(e->late.fd, (off_t)bytes) < 0)
		return sx_error("%s: cannot cut back to the %lld bytes of the last saved state: %s",
				e->c.late_out, (long long)bytes, strerror(errno));
	e->late_start = st.st_size > bytes ? bytes : st.st_size;
	return 0;
}
