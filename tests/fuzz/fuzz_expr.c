/*
 * fuzz_expr - sx-select's expressions (sx_expr, sx_sqlfn, sx_analytic): the
 * text of a condition and of a SELECT list compiled, then run on records.
 *
 * Input: the expression up to the first newline, then NDJSON records, one a
 * line (an event time taken from each line's number).  The text is compiled
 * as a --where condition, as a --select list and as one expression.
 *
 * Checks: a text that does not compile says where ("column N: ..."); a record
 * an expression fails on gives a reason; the state of the analytic functions
 * saves and loads back into a query compiled from the same text.
 */
#include "fuzz.h"
#include "sx_expr.h"
#include "sx_json.h"

static struct sx_out null_out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	fuzz_null_out(&null_out);
	return 0;
}

static void check_err(const char *err)
{
	FUZZ_CHECK(!strncmp(err, "column ", 7));
}

static void run(const char *src, const uint8_t *recs, size_t n, int as_select)
{
	char err[512];
	struct sx_query *q = sx_query_new();
	int r = as_select ? sx_query_select(q, src, err, sizeof err) : sx_query_where(q, src, err, sizeof err);
	if (r < 0) {
		check_err(err);
		sx_query_free(q);
		return;
	}
	struct sx_rec rec;
	sx_rec_init(&rec);
	size_t i = 0;
	sx_time_t t = 0;
	while (i < n) {
		const uint8_t *e = memchr(recs + i, '\n', n - i);
		size_t len = e ? (size_t)(e - (recs + i)) : n - i;
		/* exact-size copy: an overread is an ASan report */
		char *line = malloc(len ? len : 1);
		if (!line)
			abort();
		memcpy(line, recs + i, len);
		const char *why;
		t += (sx_time_t)(len % 7) * 1000000 - 2000000;   /* some disorder */
		if (sx_rec_parse(&rec, line, len, &why) == 0) {
			int k = sx_query_eval(q, &rec, t, &why);
			if (k < 0)
				FUZZ_CHECK(why && *why);
			else if (k > 0)
				sx_query_write(q, &rec, &null_out);
		}
		free(line);
		i += len + 1;
	}
	sx_rec_free(&rec);
	/* --state: what is saved loads into the same query */
	json_t *st = sx_query_save(q);
	struct sx_query *q2 = sx_query_new();
	FUZZ_CHECK((as_select ? sx_query_select(q2, src, err, sizeof err) : sx_query_where(q2, src, err, sizeof err)) == 0);
	FUZZ_CHECK(sx_query_load(q2, st, err, sizeof err) == 0);
	json_decref(st);
	sx_query_free(q2);
	sx_query_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t sn = nl ? (size_t)(nl - data) : size;
	char *src = fuzz_strndup(data, sn);
	const uint8_t *recs = nl ? nl + 1 : data + size;
	size_t rn = nl ? size - sn - 1 : 0;
	if (strlen(src) == sn) {   /* a NUL ends a command-line argument */
		run(src, recs, rn, 0);
		run(src, recs, rn, 1);
	}
	free(src);
	sx_out_flush(&null_out);
	null_out.len = 0;
	return 0;
}
