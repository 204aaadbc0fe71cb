/*
 * fuzz_csv - the CSV/TSV row reader and value typing (sx_csv).
 *
 * Byte 0 picks the delimiter and a --schema type; the rest is fed line by
 * line, as sx-ingest feeds it.  Checks: every field lies in the row's data;
 * every value that types (auto or the forced type) is valid JSON; an
 * auto-typed value is a number only when sx_csv_is_int/is_decimal say so.
 */
#include "fuzz.h"
#include "sx_buf.h"
#include "sx_csv.h"
#include "sx_json.h"

static enum sx_coltype forced;
static struct sx_buf val;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

static void check_value(const char *s, size_t n, enum sx_coltype type)
{
	const char *why;
	sx_buf_reset(&val);
	if (sx_csv_value_json(&val, s, n, type, SX_UNIT_MS, &why) == 0)
		FUZZ_CHECK(sx_json_validate(val.data, val.len, &why) == 0);
	else
		FUZZ_CHECK(why != NULL && val.len == 0);
}

static void on_row(struct sx_csv *c, void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < c->n; i++) {
		FUZZ_CHECK(c->f[i].is_null || c->f[i].off + c->f[i].len <= c->data.len);
		const char *s = sx_csv_field_ptr(c, i);
		size_t n = s ? c->f[i].len : 0;
		check_value(s, n, SX_COL_AUTO);
		check_value(s, n, forced);
		if (s && (sx_csv_is_int(s, n) || sx_csv_is_decimal(s, n))) {
			const char *why;
			FUZZ_CHECK(sx_json_validate(s, n, &why) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char delims[] = { ',', '\t', ';', '|' };
	static const enum sx_coltype types[] = { SX_COL_STRING, SX_COL_INT, SX_COL_FLOAT, SX_COL_BOOL,
						 SX_COL_TIME, SX_COL_AUTO, SX_COL_INT, SX_COL_TIME };
	if (size < 1)
		return 0;
	forced = types[(data[0] >> 2) & 7];
	struct sx_csv c;
	sx_csv_init(&c, delims[data[0] & 3], on_row, NULL);
	const uint8_t *p = data + 1, *end = data + size;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		/* exact-size copy of the line: an overread is an ASan report */
		char *line = malloc(n);
		if (!line)
			abort();
		memcpy(line, p, n);
		sx_csv_feed(&c, line, n);
		free(line);
		p += n;
	}
	sx_csv_finish(&c);
	sx_csv_in_row(&c);
	sx_csv_free(&c);
	return 0;
}
