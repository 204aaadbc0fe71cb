/*
 * sx_http.h - HTTP delivery for the sinks that post to a web service
 * (sx-emit-powerbi): libcurl's multi interface, retries, client-side rate
 * limits and the redaction of secrets.
 *
 * A client owns a queue of jobs (one request each: method, URL, body) and
 * sends them in order, up to `max_inflight` at once, over kept-alive
 * connections, through the proxies the usual environment variables name and
 * with the system's CA store (CURL_CA_BUNDLE or SSL_CERT_FILE, and
 * SSL_CERT_DIR, override it).  Nothing blocks except sx_http_pump() with a
 * wait, so the caller encodes the next batch while requests are in flight.
 *
 * What an answer does:
 *   2xx            the job is done (ok).
 *   429            nothing new starts until Retry-After has passed (requests
 *                  already in flight finish); the job goes back to the head.
 *   401, 403       once per job: the token is refreshed and the job retried;
 *                  a second time (and on 404: no such dataset or table) the
 *                  client gives up, as no later request would fare better.
 *   5xx, network   retried with exponential backoff and jitter (a
 *                  certificate that cannot be verified: given up at once).
 *   other 4xx      the job is done (failed), with the service's message.
 * Retries go on while the service has failed for less than `retry_for`
 * (counted from the first failure after the last success, so a service down
 * for good is given up on within retry_for however many jobs are waiting);
 * then the client gives up: every queued job is done (failed) and
 * `gave_up` is set.
 *
 * Secrets (tokens, the key= of a URL) registered with sx_http_secret() are
 * replaced by REDACTED in every message this module makes (curl's own error
 * texts and the service's answers included); sx_http_redact() does the same
 * for the caller's messages.
 *
 * Ownership: jobs are the caller's (allocated and freed by it); the client
 * holds them from sx_http_submit() until it calls their done function.  The
 * body is borrowed and must stay unchanged until then.
 */
#ifndef SX_HTTP_H
#define SX_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "sx_buf.h"

/* ---- secrets ---- */

/* Register a secret (copied); strings shorter than SX_HTTP_SECRET_MIN are
 * ignored (they cannot be tokens or keys, and redacting them would garble
 * every message). */
#define SX_HTTP_SECRET_MIN 6
void sx_http_secret(const char *s);
/* Forget every secret (tests). */
void sx_http_secrets_clear(void);
/* Append [s, s+n) to OUT with each secret, each "key=VALUE" of a URL and
 * each "Bearer TOKEN" replaced by REDACTED. */
void sx_http_redact(const char *s, size_t n, struct sx_buf *out);

/* ---- pure helpers ---- */

/* The wait before retry number ATTEMPT (1, 2, ...): exponential from 500 ms,
 * at most 30 s, with "equal jitter" (half fixed, half random) from R in
 * [0, 1). */
int64_t sx_http_backoff_us(int attempt, double r);
/* A Retry-After header value (seconds, or an HTTP date) in microseconds from
 * NOW_S (wall clock, seconds); -1 when unreadable. */
int64_t sx_http_retry_after_us(const char *v, int64_t now_s);
/* The service's message from an error answer: "error.message", "message" or
 * "error" of a JSON body, or the body itself (one line, at most 300 bytes),
 * appended to OUT. */
void sx_http_service_message(const char *body, size_t n, struct sx_buf *out);

/* ---- rate limits ---- */

/* At most `posts` request starts in any `window_us`, and `rows` rows in any
 * hour (0: no such limit). */
struct sx_rate {
	long posts;
	int64_t window_us;
	int64_t *starts;         /* ring of the last `posts` start times */
	long nstarts, head;
	long rows;
	struct { int64_t at; long rows; } *log;   /* starts within the hour */
	size_t nlog, logcap, loghead;
	long rows_in_hour;
};

void sx_rate_init(struct sx_rate *r, long posts, int64_t window_us, long rows_per_hour);
void sx_rate_free(struct sx_rate *r);
/* When a request of ROWS rows may start: NOW, or a later time. */
int64_t sx_rate_next(struct sx_rate *r, int64_t now, long rows);
/* A request of ROWS rows starts at NOW. */
void sx_rate_take(struct sx_rate *r, int64_t now, long rows);

/* ---- the client ---- */

#define SX_HTTP_MAX_INFLIGHT 8

enum sx_http_outcome { SX_HTTP_OK, SX_HTTP_FAILED, SX_HTTP_GAVE_UP };

struct sx_http_job;
typedef void (*sx_http_done_fn)(void *arg, struct sx_http_job *j, enum sx_http_outcome o,
				const char *msg);

struct sx_http_job {
	/* set by the caller */
	const char *method;      /* "POST", "GET" */
	const char *url;
	const char *body;        /* NULL: none */
	size_t body_len;
	long rows;               /* for the rows-per-hour limit */
	int rate_limited;        /* counts against the rate limits */
	sx_http_done_fn done;
	void *done_arg;
	void *user;
	/* the client's */
	struct sx_http_job *next;
	int attempts, auth_retried;
	int64_t not_before;
	void *easy;              /* CURL * while in flight */
	struct curl_slist *hdrs;
	long status;             /* the last answer's HTTP status (0: none) */
	struct sx_buf resp;      /* its body */
	char request_id[80];     /* its RequestId header */
	char errbuf[256];
};

struct sx_http_cfg {
	int max_inflight;        /* 1 to 5 for Power BI */
	int64_t retry_for_us;
	int64_t timeout_us;      /* per request */
	int rate_off;
	long posts;              /* per window_us */
	int64_t window_us;
	long rows_per_hour;      /* 0: no limit */
	/* The bearer token (NULL: no Authorization header); REFRESH asks for a
	 * new one (after a 401/403).  NULL when none can be had. */
	const char *(*token)(void *arg, int refresh);
	void *token_arg;
};

struct sx_http {
	struct sx_http_cfg c;
	void *multi;             /* CURLM * */
	struct sx_http_job *head, *tail;   /* queued, in order */
	int inflight, queued;
	struct sx_http_job *fl[SX_HTTP_MAX_INFLIGHT];   /* in flight */
	struct sx_rate rate;
	int64_t paused_until;    /* after a 429 */
	int64_t failing_since;   /* first failure since the last success (0: none) */
	int gave_up;
	char gave_up_why[512];
	const char *cainfo, *capath;
	uint64_t *n_requests, *n_retries, *n_throttled;
	unsigned rnd;
	struct sx_buf msg;
	int64_t (*clock)(void);  /* monotonic microseconds (tests replace it) */
};

/* 0, or -1 with the reason in ERR (libcurl could not start). */
int sx_http_init(struct sx_http *h, const struct sx_http_cfg *c, char *err, size_t errsz);
void sx_http_free(struct sx_http *h);
/* Queue a job (at the end, or, for the halves of a split batch, at the head). */
void sx_http_submit(struct sx_http *h, struct sx_http_job *j);
void sx_http_submit_front(struct sx_http *h, struct sx_http_job *j);
/* Start what may start, move transfers on, finish what has finished
 * (calling done functions); with WAIT_MS > 0, wait up to that long for
 * something to happen first.  Returns the jobs still held (queued or in
 * flight). */
int sx_http_pump(struct sx_http *h, int wait_ms);
static inline int sx_http_held(const struct sx_http *h)
{
	return h->inflight + h->queued;
}
/* Abort every job (in flight or queued): each is done as failed with WHY. */
void sx_http_abort(struct sx_http *h, const char *why);
/* Release a finished job's resources (its answer buffer). */
void sx_http_job_clear(struct sx_http_job *j);

#endif
