/* sx_http.c - HTTP delivery through libcurl's multi interface (see sx_http.h). */
#include "sx_http.h"
#include "sx_err.h"
#include "sx_grow.h"
#include "sx_stats.h"
#include "sx_time.h"

#include <curl/curl.h>
#include <jansson.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- secrets ---- */

#define MAX_SECRETS 16
static char *secrets[MAX_SECRETS];
static int nsecrets, next_secret;

void sx_http_secret(const char *s)
{
	/* nothing that short is a real credential, and hiding every "t" or
	 * "abc" would garble every message */
	if (!s || strlen(s) < SX_HTTP_SECRET_MIN)
		return;
	for (int i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], s))
			return;
	/* when full, the oldest goes (tokens refreshed many times) */
	if (nsecrets < MAX_SECRETS) {
		secrets[nsecrets++] = sx_xstrdup(s);
	} else {
		free(secrets[next_secret]);
		secrets[next_secret] = sx_xstrdup(s);
		next_secret = (next_secret + 1) % MAX_SECRETS;
	}
}

void sx_http_secrets_clear(void)
{
	for (int i = 0; i < nsecrets; i++)
		free(secrets[i]);
	nsecrets = next_secret = 0;
}

static int value_char(char c)
{
	return c && !strchr("&\"' \t\r\n<>,;)}]\\", c);
}

void sx_http_redact(const char *s, size_t n, struct sx_buf *out)
{
	static const char red[] = "REDACTED";
	size_t i = 0;
	while (i < n) {
		int hit = 0;
		for (int k = 0; k < nsecrets && !hit; k++) {
			size_t sl = strlen(secrets[k]);
			if (sl <= n - i && !memcmp(s + i, secrets[k], sl)) {
				sx_buf_puts(out, red);
				i += sl;
				hit = 1;
			}
		}
		if (hit)
			continue;
		/* key=VALUE (a push URL's credential) and Bearer TOKEN */
		const char *pre = NULL;
		if (n - i > 4 && !strncasecmp(s + i, "key=", 4) && (i == 0 || !isalnum((unsigned char)s[i - 1])))
			pre = "key=";
		else if (n - i > 7 && !strncasecmp(s + i, "Bearer ", 7))
			pre = "Bearer ";
		if (pre) {
			size_t pl = strlen(pre), j = i + pl;
			sx_buf_append(out, s + i, pl);
			if (j < n && value_char(s[j])) {
				while (j < n && value_char(s[j]))
					j++;
				sx_buf_puts(out, red);
			}
			i = j;
			continue;
		}
		sx_buf_putc(out, s[i++]);
	}
}

/* ---- pure helpers ---- */

int64_t sx_http_backoff_us(int attempt, double r)
{
	int64_t d = 500000;
	for (int i = 1; i < attempt && d < 30000000; i++)
		d *= 2;
	if (d > 30000000)
		d = 30000000;
	return d / 2 + (int64_t)(r * (double)(d / 2));
}

int64_t sx_http_retry_after_us(const char *v, int64_t now_s)
{
	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		char *end;
		double s = strtod(v, &end);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (*end || s < 0 || s > 1e7)
			return -1;
		return (int64_t)(s * 1e6);
	}
	time_t t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	return t > now_s ? (int64_t)(t - now_s) * 1000000 : 0;
}

static void one_line(const char *s, size_t n, size_t max, struct sx_buf *out)
{
	size_t i = 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	while (n > i && isspace((unsigned char)s[n - 1]))
		n--;
	size_t start = out->len;
	for (; i < n && out->len - start < max; i++)
		sx_buf_putc(out, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i]);
	if (i < n)
		sx_buf_puts(out, "...");
}

void sx_http_service_message(const char *body, size_t n, struct sx_buf *out)
{
	json_t *j = n ? json_loadb(body, n, 0, NULL) : NULL;
	const char *m = NULL;
	if (j) {
		json_t *e = json_object_get(j, "error");
		if (json_is_object(e)) {
			m = json_string_value(json_object_get(e, "message"));
			if (!m)
				m = json_string_value(json_object_get(e, "code"));
		} else if (json_is_string(e)) {
			m = json_string_value(e);
		}
		if (!m)
			m = json_string_value(json_object_get(j, "message"));
		if (!m)
			m = json_string_value(json_object_get(j, "Message"));
	}
	if (m)
		one_line(m, strlen(m), 300, out);
	else
		one_line(body, n, 300, out);
	json_decref(j);
}

/* ---- rate limits ---- */

void sx_rate_init(struct sx_rate *r, long posts, int64_t window_us, long rows_per_hour)
{
	memset(r, 0, sizeof *r);
	r->posts = posts;
	r->window_us = window_us;
	r->rows = rows_per_hour;
	if (posts > 0)
		r->starts = sx_xcalloc((size_t)posts, sizeof *r->starts);
}

void sx_rate_free(struct sx_rate *r)
{
	free(r->starts);
	free(r->log);
	memset(r, 0, sizeof *r);
}

#define HOUR_US INT64_C(3600000000)

static void rate_prune(struct sx_rate *r, int64_t now)
{
	while (r->loghead < r->nlog && r->log[r->loghead].at + HOUR_US <= now) {
		r->rows_in_hour -= r->log[r->loghead].rows;
		r->loghead++;
	}
	if (r->loghead == r->nlog)
		r->loghead = r->nlog = 0;
}

int64_t sx_rate_next(struct sx_rate *r, int64_t now, long rows)
{
	int64_t t = now;
	if (r->posts > 0 && r->nstarts == r->posts) {
		/* the oldest of the last `posts` starts must leave the window */
		int64_t oldest = r->starts[r->head];
		if (oldest + r->window_us > t)
			t = oldest + r->window_us;
	}
	if (r->rows > 0) {
		rate_prune(r, now);
		long have = r->rows_in_hour;
		/* a request bigger than the whole hour's budget waits for an empty hour */
		long need = rows > r->rows ? r->rows : rows;
		for (size_t i = r->loghead; i < r->nlog && have + need > r->rows; i++) {
			have -= r->log[i].rows;
			if (r->log[i].at + HOUR_US > t)
				t = r->log[i].at + HOUR_US;
		}
	}
	return t;
}

void sx_rate_take(struct sx_rate *r, int64_t now, long rows)
{
	if (r->posts > 0) {
		if (r->nstarts < r->posts) {
			r->starts[(r->head + r->nstarts) % r->posts] = now;
			r->nstarts++;
		} else {
			r->starts[r->head] = now;
			r->head = (r->head + 1) % r->posts;
		}
	}
	if (r->rows > 0 && rows > 0) {
		if (r->loghead > 0 && r->nlog == r->logcap) {
			memmove(r->log, r->log + r->loghead, (r->nlog - r->loghead) * sizeof *r->log);
			r->nlog -= r->loghead;
			r->loghead = 0;
		}
		SX_GROW(r->log, r->nlog + 1, r->logcap);
		r->log[r->nlog].at = now;
		r->log[r->nlog].rows = rows;
		r->nlog++;
		r->rows_in_hour += rows;
	}
}

/* ---- the client ---- */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sx_http_job *j = arg;
	/* keep enough of an answer for its message */
	if (j->resp.len < 65536)
		sx_buf_append(&j->resp, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct sx_http_job *j = arg;
	size_t len = size * n;
	static const char rid[] = "requestid:";
	if (len > sizeof rid - 1 && !strncasecmp(p, rid, sizeof rid - 1)) {
		size_t i = sizeof rid - 1, k = 0;
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (i < len && k + 1 < sizeof j->request_id && p[i] != '\r' && p[i] != '\n' &&
		       (unsigned char)p[i] >= 0x20)
			j->request_id[k++] = p[i++];
		j->request_id[k] = '\0';
	}
	return len;
}

/* Retry-After, through curl's header API (7.83+): microseconds, or -1. */
static int64_t job_retry_after(CURL *e)
{
	struct curl_header *hd;
	if (curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &hd) == CURLHE_OK)
		return sx_http_retry_after_us(hd->value, (int64_t)time(NULL));
	return -1;
}

int sx_http_init(struct sx_http *h, const struct sx_http_cfg *c, char *err, size_t errsz)
{
	static int global_done;
	memset(h, 0, sizeof *h);
	h->c = *c;
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errsz, "libcurl could not start");
			return -1;
		}
		global_done = 1;
	}
	h->multi = curl_multi_init();
	if (!h->multi) {
		snprintf(err, errsz, "libcurl could not start");
		return -1;
	}
	if (h->c.max_inflight < 1 || h->c.max_inflight > SX_HTTP_MAX_INFLIGHT)
		h->c.max_inflight = SX_HTTP_MAX_INFLIGHT;
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->c.max_inflight + 1);
	const char *ca = getenv("CURL_CA_BUNDLE");
	if (!ca || !*ca)
		ca = getenv("SSL_CERT_FILE");
	h->cainfo = ca && *ca ? ca : NULL;
	const char *cp = getenv("SSL_CERT_DIR");
	h->capath = cp && *cp ? cp : NULL;
	sx_rate_init(&h->rate, c->rate_off ? 0 : c->posts, c->window_us, c->rate_off ? 0 : c->rows_per_hour);
	h->n_requests = sx_stats_counter("requests");
	h->n_retries = sx_stats_counter("retries");
	h->n_throttled = sx_stats_counter("throttled");
	h->rnd = (unsigned)sx_mono_now() ^ (unsigned)getpid();
	h->clock = sx_mono_now;
	return 0;
}

void sx_http_job_clear(struct sx_http_job *j)
{
	sx_buf_free(&j->resp);
}

static void push_front(struct sx_http *h, struct sx_http_job *j)
{
	j->next = h->head;
	h->head = j;
	if (!h->tail)
		h->tail = j;
	h->queued++;
}

static void job_reset(struct sx_http_job *j)
{
	j->next = NULL;
	j->attempts = 0;
	j->auth_retried = 0;
	j->not_before = 0;
	j->status = 0;
	j->request_id[0] = '\0';
}

void sx_http_submit_front(struct sx_http *h, struct sx_http_job *j)
{
	job_reset(j);
	push_front(h, j);
}

void sx_http_submit(struct sx_http *h, struct sx_http_job *j)
{
	job_reset(j);
	if (h->tail)
		h->tail->next = j;
	else
		h->head = j;
	h->tail = j;
	h->queued++;
}

static struct sx_http_job *pop_front(struct sx_http *h)
{
	struct sx_http_job *j = h->head;
	if (!j)
		return NULL;
	h->head = j->next;
	if (!h->head)
		h->tail = NULL;
	h->queued--;
	j->next = NULL;
	return j;
}

/* MSG (printf format) redacted into h->msg. */
static const char *make_msg(struct sx_http *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *make_msg(struct sx_http *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[1024];
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	sx_buf_reset(&h->msg);
	sx_http_redact(tmp, strlen(tmp), &h->msg);
	return h->msg.data;
}

static void finish_job(struct sx_http *h, struct sx_http_job *j, enum sx_http_outcome o, const char *msg)
{
	(void)h;
	if (j->done)
		j->done(j->done_arg, j, o, msg);
}

static void give_up(struct sx_http *h, struct sx_http_job *j, const char *msg)
{
	/* msg lives in h->msg: keep a copy, later messages reuse the buffer */
	if (!h->gave_up) {
		h->gave_up = 1;
		snprintf(h->gave_up_why, sizeof h->gave_up_why, "%s", msg);
	}
	char why[sizeof h->gave_up_why];
	snprintf(why, sizeof why, "%s", h->gave_up_why);
	if (j)
		finish_job(h, j, SX_HTTP_GAVE_UP, why);
	struct sx_http_job *q;
	while ((q = pop_front(h)))
		finish_job(h, q, SX_HTTP_GAVE_UP, why);
}

static void describe_retry_for(int64_t us, char *buf, size_t n)
{
	if (us % 60000000 == 0 && us)
		snprintf(buf, n, "%" PRId64 "m", us / 60000000);
	else if (us % 1000000 == 0)
		snprintf(buf, n, "%" PRId64 "s", us / 1000000);
	else
		snprintf(buf, n, "%" PRId64 "ms", us / 1000);
}

/* A failure worth retrying, at NOT_BEFORE at the earliest. */
static void retry_later(struct sx_http *h, struct sx_http_job *j, int64_t now, int64_t not_before,
			const char *what)
{
	if (h->failing_since == 0)
		h->failing_since = now;
	int64_t deadline = h->failing_since + h->c.retry_for_us;
	char rf[32];
	describe_retry_for(h->c.retry_for_us, rf, sizeof rf);
	if (h->gave_up || now >= deadline) {
		give_up(h, j, make_msg(h, "%s (gave up after retrying for %s)", what, rf));
		return;
	}
	if (not_before > deadline) {
		if (j->status == 429) {
			give_up(h, j, make_msg(h, "%s (Retry-After is beyond --retry-for %s)", what, rf));
			return;
		}
		not_before = deadline;
	}
	j->not_before = not_before;
	(*h->n_retries)++;
	push_front(h, j);
}

static void start_job(struct sx_http *h, struct sx_http_job *j)
{
	CURL *e = curl_easy_init();
	if (!e)
		sx_die(SX_EXIT_FAIL, "out of memory");
	sx_buf_reset(&j->resp);
	j->request_id[0] = '\0';
	j->errbuf[0] = '\0';
	j->status = 0;
	curl_easy_setopt(e, CURLOPT_URL, j->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "sx/" "0.1.0");
	if (h->c.timeout_us > 0) {
		long ms = (long)(h->c.timeout_us / 1000);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms < 10000 ? ms : 10000L);
	}
	if (h->cainfo)
		curl_easy_setopt(e, CURLOPT_CAINFO, h->cainfo);
	if (h->capath)
		curl_easy_setopt(e, CURLOPT_CAPATH, h->capath);
	struct curl_slist *hd = NULL;
	if (!strcmp(j->method, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(j->method, "POST"))
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, j->method);
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body ? j->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(j->body ? j->body_len : 0));
		hd = curl_slist_append(hd, "Content-Type: application/json");
	}
	/* no 100-continue round trip before big bodies */
	hd = curl_slist_append(hd, "Expect:");
	if (h->c.token) {
		const char *tok = h->c.token(h->c.token_arg, 0);
		if (tok) {
			char *line = sx_xmalloc(strlen(tok) + 32);
			sprintf(line, "Authorization: Bearer %s", tok);
			hd = curl_slist_append(hd, line);
			explicit_bzero(line, strlen(line));
			free(line);
		}
	}
	if (!hd)
		sx_die(SX_EXIT_FAIL, "out of memory");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hd);
	j->hdrs = hd;
	j->easy = e;
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
		sx_die(SX_EXIT_FAIL, "libcurl: cannot start a request");
	h->fl[h->inflight++] = j;
	(*h->n_requests)++;
}

static void start_allowed(struct sx_http *h)
{
	if (h->gave_up) {
		give_up(h, NULL, h->gave_up_why);
		return;
	}
	while (h->head && h->inflight < h->c.max_inflight) {
		int64_t now = h->clock();
		struct sx_http_job *j = h->head;
		if (now < h->paused_until || now < j->not_before)
			break;
		if (j->rate_limited && !h->c.rate_off) {
			if (sx_rate_next(&h->rate, now, j->rows) > now)
				break;
			sx_rate_take(&h->rate, now, j->rows);
		}
		pop_front(h);
		start_job(h, j);
	}
}

/* When the head of the queue may start (INT64_MAX: it may not, or nothing queued). */
static int64_t next_start(struct sx_http *h)
{
	if (!h->head || h->inflight >= h->c.max_inflight)
		return INT64_MAX;
	int64_t now = h->clock();
	int64_t t = h->head->not_before > h->paused_until ? h->head->not_before : h->paused_until;
	if (t < now)
		t = now;
	if (h->head->rate_limited && !h->c.rate_off) {
		int64_t r = sx_rate_next(&h->rate, t, h->head->rows);
		if (r > t)
			t = r;
	}
	return t;
}

static int fatal_curl_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
		return 1;
	default:
		return 0;
	}
}

/* Take J's transfer out of the multi handle and the in-flight list. */
static void unlist(struct sx_http *h, struct sx_http_job *j)
{
	curl_multi_remove_handle(h->multi, j->easy);
	curl_easy_cleanup(j->easy);
	curl_slist_free_all(j->hdrs);
	j->hdrs = NULL;
	j->easy = NULL;
	for (int i = 0; i < h->inflight; i++)
		if (h->fl[i] == j) {
			h->fl[i] = h->fl[--h->inflight];
			break;
		}
}

static void job_done(struct sx_http *h, CURL *e, CURLcode rc)
{
	struct sx_http_job *j;
	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	int64_t retry_after = rc == CURLE_OK && status == 429 ? job_retry_after(e) : -1;
	unlist(h, j);
	j->attempts++;
	j->status = rc == CURLE_OK ? status : 0;
	int64_t now = h->clock();

	if (rc != CURLE_OK) {
		const char *what = j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc);
		if (fatal_curl_error(rc)) {
			give_up(h, j, make_msg(h, "%s", what));
			return;
		}
		char copy[512];
		snprintf(copy, sizeof copy, "%s", what);
		retry_later(h, j, now, now + sx_http_backoff_us(j->attempts, (double)rand_r(&h->rnd) / ((double)RAND_MAX + 1)), copy);
		return;
	}
	if (status >= 200 && status < 300) {
		h->failing_since = 0;
		finish_job(h, j, SX_HTTP_OK, NULL);
		return;
	}
	/* the service's own words, and its RequestId for support cases */
	struct sx_buf sm = SX_BUF_INIT;
	sx_buf_printf(&sm, "HTTP %ld: ", status);
	sx_http_service_message(j->resp.data ? j->resp.data : "", j->resp.len, &sm);
	if (j->request_id[0])
		sx_buf_printf(&sm, " (RequestId %s)", j->request_id);
	char what[700];
	snprintf(what, sizeof what, "%s", sm.data);
	sx_buf_free(&sm);
	if (status == 429) {
		(*h->n_throttled)++;
		int64_t wait = retry_after >= 0 ? retry_after
			: sx_http_backoff_us(j->attempts, (double)rand_r(&h->rnd) / ((double)RAND_MAX + 1));
		if (now + wait > h->paused_until)
			h->paused_until = now + wait;
		retry_later(h, j, now, now + wait, what);
	} else if ((status == 401 || status == 403) && h->c.token && !j->auth_retried) {
		j->auth_retried = 1;
		h->c.token(h->c.token_arg, 1);
		push_front(h, j);
	} else if (status >= 500) {
		retry_later(h, j, now, now + sx_http_backoff_us(j->attempts, (double)rand_r(&h->rnd) / ((double)RAND_MAX + 1)), what);
	} else if (status == 401 || status == 403 || status == 404) {
		/* no later request would fare better */
		give_up(h, j, make_msg(h, "%s", what));
	} else {
		finish_job(h, j, SX_HTTP_FAILED, make_msg(h, "%s", what));
	}
}

int sx_http_pump(struct sx_http *h, int wait_ms)
{
	start_allowed(h);
	if (wait_ms > 0) {
		int64_t t = next_start(h);
		if (t != INT64_MAX) {
			int64_t ms = (t - h->clock() + 999) / 1000;
			if (ms < wait_ms)
				wait_ms = ms < 0 ? 0 : (int)ms;
		}
		if (h->inflight || wait_ms > 0)
			curl_multi_poll(h->multi, NULL, 0, wait_ms, NULL);
	}
	int running;
	curl_multi_perform(h->multi, &running);
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left)))
		if (m->msg == CURLMSG_DONE)
			job_done(h, m->easy_handle, m->data.result);
	start_allowed(h);
	if (h->inflight)
		curl_multi_perform(h->multi, &running);
	return sx_http_held(h);
}

void sx_http_abort(struct sx_http *h, const char *why)
{
	char copy[512];
	snprintf(copy, sizeof copy, "%s", why);
	struct sx_http_job *q;
	while ((q = pop_front(h)))
		finish_job(h, q, SX_HTTP_GAVE_UP, copy);
	/* in flight: whether the service got them is unknown */
	while (h->inflight) {
		struct sx_http_job *j = h->fl[h->inflight - 1];
		unlist(h, j);
		finish_job(h, j, SX_HTTP_GAVE_UP, copy);
	}
}

void sx_http_free(struct sx_http *h)
{
	if (h->multi) {
		while (h->inflight)
			unlist(h, h->fl[h->inflight - 1]);
		curl_multi_cleanup(h->multi);
	}
	sx_rate_free(&h->rate);
	sx_buf_free(&h->msg);
	h->multi = NULL;
}
