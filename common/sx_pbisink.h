/*
 * sx_pbisink.h - sx-emit-powerbi's engine: the sx_run stage that batches
 * records into Power BI requests (sx_pbi) and delivers them (sx_http), with
 * the delivery accounting that makes sure no row is lost silently.
 *
 * Every row read is, at exit, delivered (a 2xx answer), written to the
 * --dead-letter file with the reason, or counted in the "N rows not
 * delivered" message (exit 1).  A batch is sent when full, when its first
 * row has waited `flush_us` (checked whenever input is quiet or the reader
 * is about to wait: a live stream's rows land within about --flush), and at
 * the end.  While as many requests are held as may be in flight plus one,
 * reading waits (backpressure, so memory stays bounded).  A batch the
 * service refuses as a whole (400, 413) is split in halves until the rows
 * at fault are alone.  Without a dead-letter file the tool stops reading
 * once rows could not be delivered (what it holds is still sent or
 * counted); with one, rows go on to it (after the service was given up on,
 * sx_http, without being tried), and the exit status is still 1 then.
 * An exit for bad data (--on-error fail) still sends the rows read before it.
 * SIGTERM and SIGINT: what is held is sent within SX_PBISINK_GRACE_MS, the
 * rest is dead-lettered (or counted), and the tool exits 128+signal (1 when
 * rows were lost).
 *
 * The bearer token comes from --token-file, $POWERBI_TOKEN or
 * --token-command (run through sh -c with stdin from /dev/null); a file or a
 * command is read again after a 401/403 and, for a JWT, five minutes before
 * its "exp" (a command without one: every 45 minutes).  Every token, and a
 * push URL's key, is registered with sx_http_secret() so no message shows it.
 *
 * Ownership: the sink borrows the configuration's strings for its life and
 * owns everything else; sx_pbisink_free() releases it.
 */
#ifndef SX_PBISINK_H
#define SX_PBISINK_H

#include <stdint.h>
#include "sx_http.h"
#include "sx_out.h"
#include "sx_pbi.h"
#include "sx_run.h"

#define SX_PBISINK_TICK_MS 20
#define SX_PBISINK_GRACE_MS 5000

struct sx_pbisink_cfg {
	const char *push_url;        /* streaming dataset */
	const char *dataset, *table, *group, *create_dataset;
	const char *api_base;        /* default https://api.powerbi.com */
	const char *token_file, *token_command, *token_env;
	int64_t flush_us, retry_for_us, timeout_us;
	int rate_off;
	long posts_per_minute, posts_per_second, rows_per_hour;
	long batch;                  /* rows per request (0: the service's limit) */
	const char *dead_letter;
	int dry_run;
};

struct sx_pbisink_token {
	char *value;
	int64_t exp_s;               /* its expiry (wall clock), 0: unknown */
	int64_t fetched_us;          /* monotonic */
};

struct sx_pbisink {
	struct sx_pbisink_cfg c;
	struct sx_pbi pbi;
	struct sx_http http;
	int http_up;
	char *rows_url;              /* NULL until the dataset is known */
	char *api;                   /* api base without a trailing '/' */
	struct sx_pbisink_token tok;
	struct sx_out dl;
	int dl_open;
	uint64_t delivered, dead_lettered, undelivered, split;
	uint64_t *n_dead, *n_truncated;
	uint64_t truncated_said;
	int stop;                    /* stop reading: rows lost without --dead-letter */
	int said_gave_up;
	int finishing;               /* sending what is held before exiting */
	int in_http;                 /* inside the HTTP client's calls */
	char first_error[600];
	uint64_t n_since_pump;
	struct sx_buf line, scratch;
	int64_t (*clock)(void);
};

extern const struct sx_stage sx_pbisink_stage;
void sx_pbisink_before_block(void *st);

/* Check the configuration and set up: 0, or -1 with a usage error in ERR. */
int sx_pbisink_init(struct sx_pbisink *s, const struct sx_pbisink_cfg *c, char *err, size_t errsz);
/* Get the token, open the dead-letter file, install the signal handlers
 * (exits 1 with a message when the token cannot be had), and free the sink
 * at exit: the stage's finish (or an early stop) sends what is held,
 * reports, and exits with the status the accounting says. */
void sx_pbisink_start(struct sx_pbisink *s);
void sx_pbisink_free(struct sx_pbisink *s);

/* A JWT's "exp" claim (seconds since the epoch), or 0. */
int64_t sx_pbisink_jwt_exp(const char *tok);
/* Percent-encode S (all but RFC 3986 unreserved characters) onto OUT. */
void sx_pbisink_urlenc(struct sx_buf *out, const char *s);

#endif
