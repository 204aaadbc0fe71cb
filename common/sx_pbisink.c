/* sx_pbisink.c - sx-emit-powerbi's engine (see sx_pbisink.h). */
#include "sx_pbisink.h"
#include "sx_err.h"
#include "sx_json.h"
#include "sx_stats.h"
#include "sx_time.h"

#include <jansson.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* A message on stderr with every secret redacted. */
static void say(struct sx_pbisink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sx_pbisink *s, const char *fmt, ...)
{
	char tmp[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	sx_buf_reset(&s->scratch);
	sx_http_redact(tmp, strlen(tmp), &s->scratch);
	sx_warn("%s", s->scratch.data);
}

void sx_pbisink_urlenc(struct sx_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			sx_buf_putc(out, (char)c);
		} else {
			sx_buf_putc(out, '%');
			sx_buf_putc(out, hex[c >> 4]);
			sx_buf_putc(out, hex[c & 15]);
		}
	}
}

/* ---- tokens ---- */

static int b64url_val(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '-' || c == '+') return 62;
	if (c == '_' || c == '/') return 63;
	return -1;
}

int64_t sx_pbisink_jwt_exp(const char *tok)
{
	const char *p = strchr(tok, '.');
	if (!p)
		return 0;
	const char *q = strchr(p + 1, '.');
	if (!q)
		return 0;
	struct sx_buf dec = SX_BUF_INIT;
	unsigned acc = 0;
	int bits = 0;
	for (const char *c = p + 1; c < q; c++) {
		int v = b64url_val((unsigned char)*c);
		if (v < 0)
			break; /* '=' padding */
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			sx_buf_putc(&dec, (char)((acc >> bits) & 0xFF));
		}
	}
	int64_t exp = 0;
	json_t *j = dec.len ? json_loadb(dec.data, dec.len, 0, NULL) : NULL;
	json_t *e = json_object_get(j, "exp");
	if (json_is_integer(e))
		exp = json_integer_value(e);
	else if (json_is_real(e))
		exp = (int64_t)json_real_value(e);
	json_decref(j);
	sx_buf_free(&dec);
	return exp;
}

static void trim(struct sx_buf *b)
{
	size_t i = 0;
	while (i < b->len && isspace((unsigned char)b->data[i]))
		i++;
	while (b->len > i && isspace((unsigned char)b->data[b->len - 1]))
		b->len--;
	memmove(b->data, b->data + i, b->len - i);
	b->len -= i;
	b->data[b->len] = '\0';
}

static int read_stream(FILE *f, struct sx_buf *b)
{
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (b->len < (1u << 20))
			sx_buf_append(b, chunk, n);
	return ferror(f) ? -1 : 0;
}

/* Read the token afresh: 0, or -1 with the reason in ERR. */
static int token_load(struct sx_pbisink *s, char *err, size_t errsz)
{
	struct sx_buf b = SX_BUF_INIT;
	sx_buf_puts(&b, "");
	int64_t exp = 0;
	if (s->c.token_file) {
		FILE *f = fopen(s->c.token_file, "r");
		if (!f || read_stream(f, &b) < 0) {
			snprintf(err, errsz, "--token-file %s: %s", s->c.token_file, strerror(errno));
			if (f)
				fclose(f);
			sx_buf_free(&b);
			return -1;
		}
		fclose(f);
	} else if (s->c.token_command) {
		/* the command must not read our input */
		char *cmd = sx_xmalloc(strlen(s->c.token_command) + 32);
		sprintf(cmd, "exec </dev/null\n%s", s->c.token_command);
		fflush(NULL);
		FILE *f = popen(cmd, "r");
		free(cmd);
		if (!f) {
			snprintf(err, errsz, "--token-command: %s", strerror(errno));
			sx_buf_free(&b);
			return -1;
		}
		int rd = read_stream(f, &b);
		int st = pclose(f);
		if (rd < 0 || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			if (st != -1 && WIFEXITED(st))
				snprintf(err, errsz, "--token-command failed (exit status %d)", WEXITSTATUS(st));
			else
				snprintf(err, errsz, "--token-command failed");
			sx_buf_free(&b);
			return -1;
		}
	} else {
		sx_buf_puts(&b, s->c.token_env ? s->c.token_env : "");
	}
	trim(&b);
	if (b.len && b.data[0] == '{') {
		/* az account get-access-token's JSON, or an OAuth token answer */
		json_t *j = json_loadb(b.data, b.len, 0, NULL);
		const char *t = json_string_value(json_object_get(j, "accessToken"));
		if (!t)
			t = json_string_value(json_object_get(j, "access_token"));
		json_t *e = json_object_get(j, "expires_on");
		if (json_is_integer(e))
			exp = json_integer_value(e);
		else if (json_is_string(e))
			exp = strtoll(json_string_value(e), NULL, 10);
		sx_buf_reset(&b);
		if (t)
			sx_buf_puts(&b, t);
		json_decref(j);
	}
	if (b.len == 0 || memchr(b.data, '\n', b.len) || memchr(b.data, '\r', b.len)) {
		snprintf(err, errsz, "%s gave no usable token",
			 s->c.token_file ? "--token-file" : s->c.token_command ? "--token-command" : "POWERBI_TOKEN");
		sx_buf_free(&b);
		return -1;
	}
	sx_http_secret(b.data);
	if (s->tok.value) {
		explicit_bzero(s->tok.value, strlen(s->tok.value));
		free(s->tok.value);
	}
	s->tok.value = sx_xstrdup(b.data);
	explicit_bzero(b.data, b.len);
	sx_buf_free(&b);
	s->tok.exp_s = exp ? exp : sx_pbisink_jwt_exp(s->tok.value);
	s->tok.fetched_us = s->clock();
	return 0;
}

static const char *token_fn(void *arg, int refresh)
{
	struct sx_pbisink *s = arg;
	if (!s->c.token_file && !s->c.token_command)
		return s->tok.value;
	int due = refresh;
	if (!due && s->tok.exp_s)
		due = (int64_t)time(NULL) >= s->tok.exp_s - 300;
	else if (!due && s->c.token_command)
		due = s->clock() - s->tok.fetched_us >= INT64_C(45) * 60 * 1000000;
	if (due) {
		char err[512];
		if (token_load(s, err, sizeof err) < 0)
			say(s, "%s; keeping the current token", err);
	}
	return s->tok.value;
}

/* ---- configuration ---- */

static int is_http_url(const char *u)
{
	return !strncasecmp(u, "https://", 8) || !strncasecmp(u, "http://", 7);
}

int sx_pbisink_init(struct sx_pbisink *s, const struct sx_pbisink_cfg *c, char *err, size_t errsz)
{
	memset(s, 0, sizeof *s);
	s->c = *c;
	s->clock = sx_mono_now;
	int streaming = c->push_url != NULL;
	if (streaming && (c->dataset || c->create_dataset || c->table || c->group))
		return snprintf(err, errsz, "--push-url sends to a streaming dataset; "
				"--dataset, --create-dataset, --table and --group are for push datasets"), -1;
	if (!streaming && !c->dataset && !c->create_dataset)
		return snprintf(err, errsz, "name the target: --push-url URL, --dataset ID --table NAME, "
				"or --create-dataset NAME"), -1;
	if (c->dataset && c->create_dataset)
		return snprintf(err, errsz, "--dataset and --create-dataset exclude each other"), -1;
	if (c->dataset && !c->table)
		return snprintf(err, errsz, "--dataset needs --table NAME"), -1;
	if (streaming && (c->token_file || c->token_command))
		return snprintf(err, errsz, "a push URL carries its own key; --token-file and "
				"--token-command are for push datasets"), -1;
	if (c->token_file && c->token_command)
		return snprintf(err, errsz, "--token-file and --token-command exclude each other"), -1;
	if (streaming && !is_http_url(c->push_url))
		return snprintf(err, errsz, "--push-url: expected an https:// URL"), -1;
	if (!streaming && c->api_base && !is_http_url(c->api_base))
		return snprintf(err, errsz, "--api-base: expected an https:// URL"), -1;
	if (!streaming && !c->dry_run && !c->token_file && !c->token_command && !(c->token_env && *c->token_env))
		return snprintf(err, errsz, "no token: use --token-file F, --token-command CMD or "
				"the POWERBI_TOKEN environment variable"), -1;
	const char *names[] = { c->dataset, c->table, c->group, c->create_dataset };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (names[i] && (!*names[i] || !sx_utf8_valid(names[i], strlen(names[i]))))
			return snprintf(err, errsz, "names must be non-empty UTF-8 text"), -1;
	if (!s->c.table && c->create_dataset)
		s->c.table = c->create_dataset;
	if (c->batch > (streaming ? 1000000 : SX_PBI_PUSH_MAX_ROWS))
		return snprintf(err, errsz, "--batch: a push request holds at most %d rows",
				SX_PBI_PUSH_MAX_ROWS), -1;
	long max_rows = c->batch;
	if (!c->rate_off && c->rows_per_hour > 0 && (max_rows == 0 || max_rows > c->rows_per_hour))
		max_rows = c->rows_per_hour < SX_PBI_PUSH_MAX_ROWS ? c->rows_per_hour : 0;
	sx_pbi_init(&s->pbi, streaming, (size_t)max_rows, 0);

	/* secrets: the key of a push URL, raw and decoded */
	if (streaming) {
		const char *k = strstr(c->push_url, "key=");
		if (k) {
			k += 4;
			size_t n = strcspn(k, "&#");
			char *raw = sx_xstrndup(k, n);
			sx_http_secret(raw);
			char *dec = sx_xmalloc(n + 1);
			size_t o = 0;
			for (size_t i = 0; i < n; i++) {
				if (raw[i] == '%' && i + 2 < n && isxdigit((unsigned char)raw[i + 1]) &&
				    isxdigit((unsigned char)raw[i + 2])) {
					char hx[3] = { raw[i + 1], raw[i + 2], 0 };
					dec[o++] = (char)strtol(hx, NULL, 16);
					i += 2;
				} else {
					dec[o++] = raw[i] == '+' ? ' ' : raw[i];
				}
			}
			dec[o] = '\0';
			sx_http_secret(dec);
			free(raw);
			free(dec);
		}
		s->rows_url = sx_xstrdup(c->push_url);
	}
	if (c->token_env)
		sx_http_secret(c->token_env);
	const char *api = c->api_base ? c->api_base : "https://api.powerbi.com";
	size_t al = strlen(api);
	while (al > 0 && api[al - 1] == '/')
		al--;
	s->api = sx_xstrndup(api, al);
	return 0;
}

/* {api}/v1.0/myorg[/groups/{group}] */
static void api_prefix(struct sx_pbisink *s, struct sx_buf *b)
{
	sx_buf_puts(b, s->api);
	sx_buf_puts(b, "/v1.0/myorg");
	if (s->c.group) {
		sx_buf_puts(b, "/groups/");
		sx_pbisink_urlenc(b, s->c.group);
	}
}

static void set_rows_url(struct sx_pbisink *s, const char *id)
{
	struct sx_buf b = SX_BUF_INIT;
	api_prefix(s, &b);
	sx_buf_puts(&b, "/datasets/");
	if (!strcmp(id, "{id}"))
		sx_buf_puts(&b, id); /* --dry-run's placeholder */
	else
		sx_pbisink_urlenc(&b, id);
	sx_buf_puts(&b, "/tables/");
	sx_pbisink_urlenc(&b, s->c.table);
	sx_buf_puts(&b, "/rows");
	free(s->rows_url);
	s->rows_url = sx_xstrdup(b.data);
	sx_buf_free(&b);
}

/* ---- dead letters and accounting ---- */

static void undeliverable(struct sx_pbisink *s, struct sx_pbi_batch *b, const char *msg)
{
	if (s->dl_open) {
		for (size_t i = 0; i < b->nrows; i++) {
			size_t len;
			const char *rec = sx_pbi_batch_rec(b, i, &len);
			sx_out_puts(&s->dl, "{\"error\":");
			sx_json_quote_out(&s->dl, msg, strlen(msg));
			sx_out_puts(&s->dl, ",\"record\":");
			sx_out_write(&s->dl, rec, len);
			sx_out_puts(&s->dl, "}\n");
		}
		sx_out_flush(&s->dl);
		s->dead_lettered += b->nrows;
		*s->n_dead += b->nrows;
	} else {
		s->undelivered += b->nrows;
		s->stop = 1;
	}
	if (!s->first_error[0])
		snprintf(s->first_error, sizeof s->first_error, "%s", msg);
}

struct pjob {
	struct sx_http_job j;    /* first: the done function gets it back */
	struct sx_pbisink *s;
	struct sx_pbi_batch *b;
};

static void submit(struct sx_pbisink *s, struct sx_pbi_batch *b, int front);

static void on_done(void *arg, struct sx_http_job *j, enum sx_http_outcome o, const char *msg)
{
	struct sx_pbisink *s = arg;
	struct pjob *pj = (struct pjob *)j;
	struct sx_pbi_batch *b = pj->b;
	if (o == SX_HTTP_OK) {
		s->delivered += b->nrows;
		sx_stats.records_out += b->nrows;
	} else if (o == SX_HTTP_FAILED && (j->status == 400 || j->status == 413) && b->nrows > 1) {
		/* refused as a whole: halve it until the rows at fault are alone */
		struct sx_pbi_batch *lo, *hi;
		sx_pbi_batch_split(b, s->pbi.streaming, &lo, &hi);
		s->split++;
		submit(s, hi, 1);
		submit(s, lo, 1);
	} else {
		undeliverable(s, b, msg ? msg : "not delivered");
	}
	sx_http_job_clear(j);
	sx_pbi_batch_free(b);
	free(pj);
}

static void submit(struct sx_pbisink *s, struct sx_pbi_batch *b, int front)
{
	struct pjob *pj = sx_xcalloc(1, sizeof *pj);
	pj->s = s;
	pj->b = b;
	pj->j.method = "POST";
	pj->j.url = s->rows_url;
	pj->j.body = b->body.data;
	pj->j.body_len = b->body.len;
	pj->j.rows = (long)b->nrows;
	pj->j.rate_limited = 1;
	pj->j.done = on_done;
	pj->j.done_arg = s;
	if (front)
		sx_http_submit_front(&s->http, &pj->j);
	else
		sx_http_submit(&s->http, &pj->j);
}

/* The client's calls, marked: an exit from inside them (a dead-letter
 * file that cannot be written) must not re-enter them from an exit hook. */
static int pump(struct sx_pbisink *s, int ms)
{
	s->in_http++;
	int held = sx_http_pump(&s->http, ms);
	s->in_http--;
	return held;
}

static void abort_all(struct sx_pbisink *s, const char *why)
{
	s->in_http++;
	sx_http_abort(&s->http, why);
	s->in_http--;
}

/* ---- dry run ---- */

static void print_request(struct sx_pbisink *s, const char *method, const char *url, const char *body, size_t n)
{
	sx_buf_reset(&s->line);
	sx_buf_puts(&s->line, "{\"method\":\"");
	sx_buf_puts(&s->line, method);
	sx_buf_puts(&s->line, "\",\"url\":");
	sx_buf_reset(&s->scratch);
	sx_http_redact(url, strlen(url), &s->scratch);
	sx_json_quote_buf(&s->line, s->scratch.data, s->scratch.len);
	if (body) {
		sx_buf_puts(&s->line, ",\"body\":");
		sx_buf_append(&s->line, body, n);
	}
	sx_buf_puts(&s->line, "}\n");
	sx_out_write(&sx_stdout, s->line.data, s->line.len);
}

/* ---- --create-dataset ---- */

struct sync_res {
	int done;
	enum sx_http_outcome o;
	char msg[600];
};

static void sync_done(void *arg, struct sx_http_job *j, enum sx_http_outcome o, const char *msg)
{
	struct sync_res *r = arg;
	(void)j;
	r->done = 1;
	r->o = o;
	snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "");
}

/* One request, waited for (retried like any other): 0 with J's answer, or -1
 * with the reason in R. */
static int http_sync(struct sx_pbisink *s, struct sx_http_job *j, struct sync_res *r,
		     const char *method, const char *url, const char *body, size_t n)
{
	memset(j, 0, sizeof *j);
	memset(r, 0, sizeof *r);
	j->method = method;
	j->url = url;
	j->body = body;
	j->body_len = n;
	j->done = sync_done;
	j->done_arg = r;
	sx_http_submit_front(&s->http, j);
	while (!r->done) {
		pump(s, 100);
		if (sx_stop_signal && !r->done) {
			abort_all(s, "interrupted");
			break;
		}
	}
	return r->o == SX_HTTP_OK ? 0 : -1;
}

/* The id of the dataset called NAME in the listing BODY, or NULL. */
static char *find_dataset(const char *body, size_t n, const char *name)
{
	json_t *j = json_loadb(body, n, 0, NULL);
	json_t *v = json_object_get(j, "value");
	char *id = NULL;
	size_t i;
	json_t *d;
	json_array_foreach(v, i, d) {
		const char *nm = json_string_value(json_object_get(d, "name"));
		const char *did = json_string_value(json_object_get(d, "id"));
		if (nm && did && !strcmp(nm, name)) {
			id = sx_xstrdup(did);
			break;
		}
	}
	json_decref(j);
	return id;
}

/* Find or create the dataset, with a schema inferred from the first batch B:
 * 0, or -1 (B not delivered, reported). */
static int resolve_dataset(struct sx_pbisink *s, struct sx_pbi_batch *b)
{
	const char *why;
	if (sx_pbi_infer(&s->pbi, b, &why) < 0) {
		char msg[400];
		snprintf(msg, sizeof msg, "--create-dataset %s: %s", s->c.create_dataset, why);
		undeliverable(s, b, msg);
		s->stop = 1;
		return -1;
	}
	sx_pbi_reencode(&s->pbi, b);
	struct sx_buf def = SX_BUF_INIT, url = SX_BUF_INIT;
	sx_pbi_dataset_json(&s->pbi, s->c.create_dataset, s->c.table, &def);
	api_prefix(s, &url);
	sx_buf_puts(&url, "/datasets");
	int rc = 0;
	if (s->c.dry_run) {
		sx_buf_puts(&url, "?defaultRetentionPolicy=basicFIFO");
		print_request(s, "POST", url.data, def.data, def.len);
		set_rows_url(s, "{id}");
		goto out;
	}
	struct sx_http_job j;
	struct sync_res r;
	char *id = NULL;
	const char *how = "existing";
	if (http_sync(s, &j, &r, "GET", url.data, NULL, 0) == 0) {
		id = find_dataset(j.resp.data ? j.resp.data : "", j.resp.len, s->c.create_dataset);
		sx_http_job_clear(&j);
		if (!id) {
			sx_buf_puts(&url, "?defaultRetentionPolicy=basicFIFO");
			if (http_sync(s, &j, &r, "POST", url.data, def.data, def.len) == 0) {
				json_t *a = json_loadb(j.resp.data ? j.resp.data : "", j.resp.len, 0, NULL);
				const char *i = json_string_value(json_object_get(a, "id"));
				if (i)
					id = sx_xstrdup(i);
				else
					snprintf(r.msg, sizeof r.msg, "creating the dataset: no id in the answer");
				json_decref(a);
				how = "created";
			}
			sx_http_job_clear(&j);
		}
	} else {
		sx_http_job_clear(&j);
	}
	if (!id) {
		char msg[700];
		snprintf(msg, sizeof msg, "--create-dataset %s: %s", s->c.create_dataset, r.msg);
		undeliverable(s, b, msg);
		s->stop = 1;
		rc = -1;
		goto out;
	}
	say(s, "dataset %s: %s (%s)", s->c.create_dataset, id, how);
	set_rows_url(s, id);
	free(id);
out:
	sx_buf_free(&def);
	sx_buf_free(&url);
	return rc;
}

/* ---- the stage ---- */

static void interrupted(struct sx_pbisink *s);

static void pump_wait(struct sx_pbisink *s, int ms)
{
	pump(s, ms);
	if (sx_stop_signal)
		interrupted(s);
}

/* Send (or print) the sealed batches; wait while too many are held. */
static void dispatch(struct sx_pbisink *s, int may_wait)
{
	struct sx_pbi_batch *b;
	while ((b = sx_pbi_take(&s->pbi))) {
		if (s->c.create_dataset && !s->rows_url && resolve_dataset(s, b) < 0) {
			sx_pbi_batch_free(b);
			continue;
		}
		if (s->c.dry_run) {
			print_request(s, "POST", s->rows_url, b->body.data, b->body.len);
			s->delivered += b->nrows;
			sx_stats.records_out += b->nrows;
			sx_pbi_batch_free(b);
			continue;
		}
		submit(s, b, 0);
		s->n_since_pump = 0;
		pump(s, 0);
		while (may_wait && sx_http_held(&s->http) > s->http.c.max_inflight)
			pump_wait(s, 100);
	}
}

static _Noreturn void finish_and_exit(struct sx_pbisink *s, int status);

/* Stop reading when rows were lost (no dead-letter file); once the service
 * is given up on, the rest of the input goes to the dead-letter file. */
static void check_stop(struct sx_pbisink *s)
{
	if (s->stop || (s->http.gave_up && !s->dl_open))
		finish_and_exit(s, SX_EXIT_FAIL);
	if (s->http.gave_up && !s->said_gave_up) {
		s->said_gave_up = 1;
		say(s, "%s; the rows that follow go to %s", s->http.gave_up_why, s->c.dead_letter);
	}
}

static void warn_truncated(struct sx_pbisink *s)
{
	if (s->truncated_said < 10) {
		sx_buf_reset(&s->line);
		sx_buf_append(&s->line, s->pbi.cut_col, strlen(s->pbi.cut_col));
		say(s, "%s:%" PRIu64 ": a value of \"%s\" is longer than %d characters; cut there",
		    sx_run_pos.file, sx_run_pos.line, s->line.data, SX_PBI_MAX_CHARS);
	}
	s->truncated_said++;
}

static int pbi_record(void *st, struct sx_rec *rec, const char **why)
{
	struct sx_pbisink *s = st;
	if (sx_stop_signal)
		interrupted(s);
	if (sx_pbi_add(&s->pbi, rec, rec->line, rec->len, s->clock(), why) < 0)
		return SX_REJECT;
	if (s->pbi.truncated_now)
		warn_truncated(s);
	*s->n_truncated = s->pbi.truncated;
	if (s->pbi.nready > s->pbi.ready_head)
		dispatch(s, 1);
	else if (++s->n_since_pump >= 256 && sx_http_held(&s->http)) {
		s->n_since_pump = 0;
		pump(s, 0);
	}
	check_stop(s);
	return SX_OK;
}

/* Input is quiet or about to be waited for: send a batch whose first row
 * has waited --flush. */
static void pbi_quiet(void *st)
{
	struct sx_pbisink *s = st;
	if (sx_stop_signal)
		interrupted(s);
	if (sx_pbi_pending(&s->pbi) && s->clock() - s->pbi.cur->first_at >= s->c.flush_us) {
		sx_pbi_flush(&s->pbi);
		dispatch(s, 1);
	}
	if (sx_http_held(&s->http))
		pump(s, 0);
	check_stop(s);
}

void sx_pbisink_before_block(void *st)
{
	pbi_quiet(st);
}

static void pbi_finish(void *st)
{
	struct sx_pbisink *s = st;
	finish_and_exit(s, SX_EXIT_OK);
}

const struct sx_stage sx_pbisink_stage = { pbi_record, pbi_quiet, pbi_finish };

/* Send what is held and wait for every answer. */
static void drain(struct sx_pbisink *s)
{
	sx_pbi_flush(&s->pbi);
	dispatch(s, 0);
	while (sx_http_held(&s->http))
		pump_wait(s, 200);
}

static void report_and_exit(struct sx_pbisink *s, int status, const char *interrupted_by)
{
	*s->n_truncated = s->pbi.truncated;
	if (s->truncated_said > 10)
		say(s, "%" PRIu64 " values cut to %d characters in all", s->pbi.truncated, SX_PBI_MAX_CHARS);
	if (s->dl_open)
		sx_out_flush(&s->dl);
	char where[300] = "";
	if (status != SX_EXIT_OK && sx_run_pos.file)
		snprintf(where, sizeof where, "; input read up to %s:%" PRIu64, sx_run_pos.file, sx_run_pos.line);
	if (s->undelivered) {
		say(s, "%s; %" PRIu64 " rows not delivered (no --dead-letter file)%s",
		    s->first_error, s->undelivered, where);
		sx_exit(SX_EXIT_FAIL);
	}
	if (s->http.gave_up) {
		say(s, "%s; %" PRIu64 " rows not delivered (see %s)%s", s->http.gave_up_why,
		    s->dead_lettered, s->c.dead_letter, where);
		sx_exit(SX_EXIT_FAIL);
	}
	if (s->dead_lettered)
		say(s, "%" PRIu64 " rows not delivered (see %s); first: %s", s->dead_lettered,
		    s->c.dead_letter, s->first_error);
	if (interrupted_by)
		sx_exit(128 + sx_stop_signal);
	sx_exit(status);
}

static _Noreturn void finish_and_exit(struct sx_pbisink *s, int status)
{
	if (!s->finishing) {
		s->finishing = 1;
		drain(s);
	}
	report_and_exit(s, status, NULL);
	sx_exit(status); /* not reached */
}

/* SIGTERM, SIGINT: send what is held within the grace period, dead-letter
 * (or count) the rest. */
static void interrupted(struct sx_pbisink *s)
{
	static int once;
	if (once)
		return;
	once = 1;
	s->finishing = 1;
	int sig = sx_stop_signal;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL); /* a second signal ends the tool at once */
	sx_pbi_flush(&s->pbi);
	dispatch(s, 0);
	int64_t deadline = s->clock() + SX_PBISINK_GRACE_MS * INT64_C(1000);
	while (sx_http_held(&s->http) && s->clock() < deadline)
		pump(s, 100);
	if (sx_http_held(&s->http)) {
		char why[100];
		snprintf(why, sizeof why, "interrupted by %s: not delivered (or delivery unknown)",
			 sig == SIGINT ? "SIGINT" : "SIGTERM");
		abort_all(s, why);
	}
	report_and_exit(s, SX_EXIT_OK, "signal");
}

static void free_hook(void *arg)
{
	sx_pbisink_free(arg);
}

/* An exit for bad data (--on-error fail) or a failed input: the rows read
 * before it are still sent (or dead-lettered, or counted). */
static void drain_hook(void *arg)
{
	struct sx_pbisink *s = arg;
	if (s->finishing || s->in_http || sx_exit_status == SX_EXIT_OK)
		return;
	s->finishing = 1;
	drain(s);
	if (s->dl_open)
		sx_out_flush(&s->dl);
	if (s->undelivered)
		say(s, "%s; %" PRIu64 " rows not delivered (no --dead-letter file)", s->first_error,
		    s->undelivered);
	else if (s->dead_lettered)
		say(s, "%" PRIu64 " rows not delivered (see %s)", s->dead_lettered, s->c.dead_letter);
}

void sx_pbisink_start(struct sx_pbisink *s)
{
	char err[600];
	if (!s->pbi.streaming && !s->c.dry_run && token_load(s, err, sizeof err) < 0) {
		say(s, "%s", err);
		sx_exit(SX_EXIT_FAIL);
	}
	long posts = s->c.posts_per_minute ? s->c.posts_per_minute : 120;
	int64_t window = INT64_C(60000000);
	if (s->pbi.streaming) {
		posts = s->c.posts_per_second ? s->c.posts_per_second : 5;
		window = 1000000;
		if (s->c.posts_per_minute && !s->c.posts_per_second) {
			posts = s->c.posts_per_minute;
			window = INT64_C(60000000);
		}
	} else if (s->c.posts_per_second && !s->c.posts_per_minute) {
		posts = s->c.posts_per_second;
		window = 1000000;
	}
	struct sx_http_cfg hc = {
		.max_inflight = 5,
		.retry_for_us = s->c.retry_for_us,
		.timeout_us = s->c.timeout_us,
		.rate_off = s->c.rate_off,
		.posts = posts,
		/* a margin for the jitter between our starts and their arrivals
		 * (networks, busy servers) */
		.window_us = window + window / 20 + 200000,
		.rows_per_hour = s->pbi.streaming ? 0 : s->c.rows_per_hour ? s->c.rows_per_hour : 1000000,
		.token = s->pbi.streaming ? NULL : token_fn,
		.token_arg = s,
	};
	if (!s->c.dry_run) {
		if (sx_http_init(&s->http, &hc, err, sizeof err) < 0)
			sx_die(SX_EXIT_FAIL, "%s", err);
		s->http_up = 1;
	} else {
		s->http.c = hc;
	}
	if (s->c.dataset)
		set_rows_url(s, s->c.dataset);
	s->n_dead = sx_stats_counter("dead_lettered");
	s->n_truncated = sx_stats_counter("truncated");
	if (s->c.dead_letter) {
		if (sx_out_open_append(&s->dl, s->c.dead_letter, 0644) < 0)
			sx_die(SX_EXIT_FAIL, "%s:", s->c.dead_letter);
		s->dl_open = 1;
	}
	sx_on_exit(free_hook, s);
	sx_on_exit(drain_hook, s); /* runs before free_hook */
	sx_catch_stop_signals();
	/* a TLS write to a connection the server closed must be an error we
	 * retry, not a SIGPIPE that kills us (curl ignores it only without
	 * CURLOPT_NOSIGNAL); stdout is not used then */
	if (!s->c.dry_run)
		signal(SIGPIPE, SIG_IGN);
}

void sx_pbisink_free(struct sx_pbisink *s)
{
	/* batches still held by requests (an exit from inside a run) go with them */
	if (s->http_up)
		sx_http_free(&s->http);
	sx_pbi_free(&s->pbi);
	free(s->rows_url);
	free(s->api);
	if (s->tok.value) {
		explicit_bzero(s->tok.value, strlen(s->tok.value));
		free(s->tok.value);
		s->tok.value = NULL;
	}
	sx_buf_free(&s->line);
	sx_buf_free(&s->scratch);
	if (s->dl_open)
		sx_out_close(&s->dl);
	s->dl_open = 0;
	s->http_up = 0;
	s->rows_url = s->api = NULL;
}
