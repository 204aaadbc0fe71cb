/*
 * fuzz_timefmt - --time-format: compiling a pattern, and matching strings
 * with a compiled one (sx_timefmt), also through sx_field_time.
 *
 * Input: PATTERN, a NUL byte, then one time string per line.  Checks: a
 * compile failure gives a reason; every matched time is within years
 * 0001-9999.
 */
#include "fuzz.h"
#include "sx_buf.h"
#include "sx_json.h"
#include "sx_timefmt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t plen = nul ? (size_t)(nul - data) : size;
	char *pattern = fuzz_strndup(data, plen);
	const char *why = NULL;
	struct sx_timefmt *f = sx_timefmt_compile(pattern, &why);
	free(pattern);
	if (!f) {
		FUZZ_CHECK(why != NULL);
		return 0;
	}
	const uint8_t *p = nul ? nul + 1 : data + size, *end = data + size;
	struct sx_buf rec = SX_BUF_INIT, scratch = SX_BUF_INIT;
	struct sx_rec r;
	sx_rec_init(&r);
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *s = malloc(n ? n : 1); /* exact size: an overread is an ASan report */
		if (!s)
			abort();
		memcpy(s, p, n);
		sx_time_t t;
		if (sx_timefmt_parse(f, s, n, &t) == 0)
			FUZZ_CHECK(t >= SX_TIME_MIN && t <= SX_TIME_MAX);
		/* the same text as a record's string field, as the tools read it */
		if (sx_utf8_valid(s, n)) {
			sx_buf_reset(&rec);
			sx_buf_puts(&rec, "{\"t\":");
			sx_json_quote_buf(&rec, s, n);
			sx_buf_putc(&rec, '}');
			FUZZ_CHECK(sx_rec_parse(&r, rec.data, rec.len, &why) == 0);
			if (!sx_field_time(sx_rec_get(&r, "t"), SX_UNIT_S, f, &scratch, &t))
				FUZZ_CHECK(t >= SX_TIME_MIN && t <= SX_TIME_MAX);
		}
		free(s);
		p += n + (nl != NULL);
	}
	sx_rec_free(&r);
	sx_buf_free(&rec);
	sx_buf_free(&scratch);
	sx_timefmt_free(f);
	return 0;
}
