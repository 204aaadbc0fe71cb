/*
 * fuzz_agg - aggregate specs and accumulators (sx_agg).
 *
 * Input: -a arguments one per line, an empty line, then NDJSON events.
 * Each spec is parsed (a refusal must say why); with a valid set, the events
 * are added, merged and written out, and the --state form of an accumulator
 * must load back to one that saves identically.  A load of the events'
 * first line as if it were a saved accumulator must fail cleanly or succeed.
 */
#include "fuzz.h"
#include "sx_agg.h"
#include "sx_json.h"

static struct sx_out null_out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	fuzz_null_out(&null_out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct sx_aggset *s = sx_aggset_new();
	char err[256];
	/* specs */
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		p += n + (nl != NULL);
		if (n == 0)
			break;
		char *arg = fuzz_strndup(p - n - (nl != NULL), n);
		err[0] = '\0';
		if (sx_aggset_add(s, arg, err, sizeof err) < 0)
			FUZZ_CHECK(err[0] != '\0');
		free(arg);
	}
	size_t na = sx_aggset_count(s);
	if (na == 0) {
		sx_aggset_free(s);
		return 0;
	}
	for (size_t i = 0; i < na; i++)
		FUZZ_CHECK(sx_aggset_name(s, i) != NULL);
	FUZZ_CHECK(sx_aggset_signature(s) != NULL);
	sx_aggset_keeps_values(s);

	struct sx_acc *a = sx_acc_new(s), *b = sx_acc_new(s);
	struct sx_rec r;
	sx_rec_init(&r);
	const char *why;
	uint64_t seq = 0;
	json_t *first_line = NULL;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = malloc(n ? n : 1);
		if (!line)
			abort();
		memcpy(line, p, n);
		if (!first_line)
			first_line = json_loadb(line, n, JSON_DECODE_ANY, NULL);
		if (sx_rec_parse(&r, line, n, &why) == 0) {
			/* alternate the two accumulators, times rising with ties */
			sx_acc_add(s, (seq & 1) ? b : a, &r, (sx_time_t)(seq / 3) * SX_US_PER_SEC, seq);
			seq++;
		}
		free(line);
		p += n + (nl != NULL);
	}
	struct sx_acc *m = sx_acc_new(s);
	sx_acc_merge(s, m, a);
	sx_acc_merge(s, m, b);
	FUZZ_CHECK(sx_acc_empty(s, m) == (seq == 0));
	sx_acc_emit(s, m, &null_out);
	sx_out_flush(&null_out);

	json_t *j1 = sx_acc_save(s, m);
	FUZZ_CHECK(j1 != NULL);
	struct sx_acc *back = sx_acc_load(s, j1);
	FUZZ_CHECK(back != NULL);
	json_t *j2 = sx_acc_save(s, back);
	FUZZ_CHECK(json_equal(j1, j2));
	sx_acc_emit(s, back, &null_out);
	sx_out_flush(&null_out);
	if (first_line) {
		struct sx_acc *odd = sx_acc_load(s, first_line);
		if (odd) {
			sx_acc_merge(s, odd, m);
			sx_acc_emit(s, odd, &null_out);
			sx_out_flush(&null_out);
			sx_acc_free(s, odd);
		}
		json_decref(first_line);
	}
	sx_acc_reset(s, m);
	FUZZ_CHECK(sx_acc_empty(s, m));
	json_decref(j1);
	json_decref(j2);
	sx_acc_free(s, back);
	sx_acc_free(s, m);
	sx_acc_free(s, a);
	sx_acc_free(s, b);
	sx_rec_free(&r);
	sx_aggset_free(s);
	return 0;
}
