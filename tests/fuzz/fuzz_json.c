/*
 * fuzz_json - the NDJSON record reader (sx_json): any bytes as one line.
 *
 * Checks, beyond "no crash": a record that parses has fields lying inside the
 * line; a field looked up by its decoded key is found; string values decode
 * to valid UTF-8 (the parser validated them) that quote back to JSON which
 * parses to the same bytes; compacting keeps a valid record with the same
 * field count; the whole line passes sx_json_validate.
 */
#include "fuzz.h"
#include "sx_buf.h"
#include "sx_json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact-size copy: an overread past the line is an ASan report */
	char *line = malloc(size ? size : 1);
	if (!line)
		abort();
	memcpy(line, data, size);
	struct sx_rec r, r2;
	struct sx_buf scratch = SX_BUF_INIT, scratch2 = SX_BUF_INIT, b = SX_BUF_INIT;
	const char *why;
	sx_rec_init(&r);
	sx_rec_init(&r2);
	int ok = sx_rec_parse(&r, line, size, &why) == 0;
	sx_utf8_valid(line, size);
	if (ok) {
		FUZZ_CHECK(sx_json_validate(line, size, &why) == 0);
		for (size_t i = 0; i < r.n; i++) {
			const struct sx_field *f = &r.f[i];
			FUZZ_CHECK(f->key >= line && f->key + f->key_len <= line + size);
			FUZZ_CHECK(f->val >= line && f->val + f->val_len <= line + size);
			FUZZ_CHECK(sx_json_validate(f->val, f->val_len, &why) == 0);
			const char *k;
			size_t klen;
			sx_json_unescape(f->key, f->key_len, f->key_esc, &scratch, &k, &klen);
			FUZZ_CHECK(sx_utf8_valid(k, klen));
			/* the last field with this key: never NULL, never before i */
			char *kc = fuzz_strndup((const uint8_t *)k, klen);
			const struct sx_field *g = sx_rec_getn(&r, kc, klen);
			FUZZ_CHECK(g != NULL && g >= f);
			free(kc);
			double d;
			if (f->type == SX_JNUMBER)
				sx_field_double(f, &d);
			if (f->type == SX_JSTRING) {
				const char *s;
				size_t slen;
				sx_field_str(f, &scratch, &s, &slen);
				FUZZ_CHECK(sx_utf8_valid(s, slen));
				/* quote it again: {"v":<quoted>} must read back to the same bytes */
				sx_buf_reset(&b);
				sx_buf_puts(&b, "{\"v\":");
				sx_json_quote_buf(&b, s, slen);
				sx_buf_putc(&b, '}');
				FUZZ_CHECK(sx_rec_parse(&r2, b.data, b.len, &why) == 0 && r2.n == 1);
				const char *s2;
				size_t s2len;
				sx_field_str(&r2.f[0], &scratch2, &s2, &s2len);
				FUZZ_CHECK(s2len == slen && memcmp(s, s2, slen) == 0);
				sx_buf_reset(&b);
				FUZZ_CHECK(sx_json_quote_utf8_buf(&b, s, slen) == 0);
			}
		}
		sx_buf_reset(&b);
		sx_json_compact_buf(&b, line, size);
		FUZZ_CHECK(sx_rec_parse(&r2, b.data, b.len, &why) == 0 && r2.n == r.n && r2.compact);
	} else {
		FUZZ_CHECK(why != NULL);
	}
	/* numbers and doubles: any text, and the shortest form reads back exactly */
	double d;
	if (sx_json_number_to_double(line, size, &d) == 0) {
		char buf[32];
		size_t n = sx_json_fmt_double(d, buf);
		FUZZ_CHECK(n < sizeof buf);
		double d2;
		if (d == d && d - d == 0) /* finite */
			FUZZ_CHECK(sx_json_number_to_double(buf, n, &d2) == 0 && d2 == d);
	}
	sx_rec_free(&r);
	sx_rec_free(&r2);
	sx_buf_free(&scratch);
	sx_buf_free(&scratch2);
	sx_buf_free(&b);
	free(line);
	return 0;
}
