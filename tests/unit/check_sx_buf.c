/* Unit tests for common/sx_buf.c */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sx_buf.h"

START_TEST(empty_and_init)
{
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	/* reset on a never-allocated buffer must not touch data */
	sx_buf_reset(&b);
	ck_assert_ptr_null(b.data);
	/* appending nothing still allocates a NUL-terminated (empty) string */
	sx_buf_append(&b, "", 0);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	sx_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.cap, 0);
	sx_buf_free(&b); /* twice is harmless */
}
END_TEST

START_TEST(append_putc_puts)
{
	struct sx_buf b = SX_BUF_INIT;
	sx_buf_puts(&b, "hello");
	sx_buf_putc(&b, ',');
	sx_buf_append(&b, " world!!", 6);
	ck_assert_uint_eq(b.len, 12);
	ck_assert_str_eq(b.data, "hello, world");
	ck_assert(b.cap > b.len);
	sx_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	sx_buf_free(&b);
}
END_TEST

START_TEST(embedded_nul)
{
	struct sx_buf b = SX_BUF_INIT;
	sx_buf_append(&b, "a\0b", 3);
	ck_assert_uint_eq(b.len, 3);
	ck_assert(memcmp(b.data, "a\0b", 4) == 0); /* plus the terminator */
	sx_buf_putc(&b, '\0');
	ck_assert_uint_eq(b.len, 4);
	ck_assert_int_eq(b.data[4], '\0');
	sx_buf_free(&b);
}
END_TEST

START_TEST(growth_keeps_content_and_nul)
{
	struct sx_buf b = SX_BUF_INIT;
	/* Byte by byte across many reallocations: content, length and the
	 * terminator must be right after every step, and cap always > len. */
	for (size_t i = 0; i < 100000; i++) {
		sx_buf_putc(&b, (char)('a' + i % 26));
		ck_assert(b.cap > b.len);
		if (i % 9973 == 0)
			ck_assert_int_eq(b.data[b.len], '\0');
	}
	ck_assert_uint_eq(b.len, 100000);
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] != (char)('a' + i % 26))
			ck_abort_msg("byte %zu wrong", i);
	ck_assert_int_eq(b.data[b.len], '\0');
	/* growth is geometric: far fewer than 100000 distinct capacities */
	ck_assert_uint_lt(b.cap, 4 * 100000);
	sx_buf_free(&b);
}
END_TEST

START_TEST(exact_fit_boundaries)
{
	/* Fill exactly to cap-1 (the last byte is the NUL) and one more. */
	struct sx_buf b = SX_BUF_INIT;
	sx_buf_putc(&b, 'x');
	size_t cap = b.cap;
	ck_assert_uint_ge(cap, 2);
	while (b.len < cap - 1)
		sx_buf_putc(&b, 'x');
	ck_assert_uint_eq(b.cap, cap); /* still fits with its NUL */
	ck_assert_int_eq(b.data[b.len], '\0');
	sx_buf_putc(&b, 'y');
	ck_assert_uint_gt(b.cap, cap);
	ck_assert_uint_eq(b.len, cap);
	ck_assert_int_eq(b.data[cap - 1], 'y');
	ck_assert_int_eq(b.data[cap], '\0');
	sx_buf_free(&b);

	/* reserve() guarantees room for `extra` bytes plus the NUL */
	struct sx_buf c = SX_BUF_INIT;
	sx_buf_reserve(&c, 1000);
	ck_assert_uint_ge(c.cap, 1001);
	char *before = c.data;
	for (int i = 0; i < 1000; i++)
		c.data[c.len++] = 'z';
	c.data[c.len] = '\0';
	sx_buf_append(&c, "", 0);
	ck_assert_ptr_eq(c.data, before);
	sx_buf_free(&c);
}
END_TEST

START_TEST(big_append)
{
	struct sx_buf b = SX_BUF_INIT;
	size_t n = 3 * 1024 * 1024 + 7;
	char *src = malloc(n);
	ck_assert_ptr_nonnull(src);
	for (size_t i = 0; i < n; i++)
		src[i] = (char)(i * 31 + 7);
	sx_buf_append(&b, "<", 1);
	sx_buf_append(&b, src, n);
	ck_assert_uint_eq(b.len, n + 1);
	ck_assert(memcmp(b.data + 1, src, n) == 0);
	ck_assert_int_eq(b.data[b.len], '\0');
	free(src);
	sx_buf_free(&b);
}
END_TEST

START_TEST(printf_appends)
{
	struct sx_buf b = SX_BUF_INIT;
	sx_buf_printf(&b, "%s", "");
	ck_assert_ptr_nonnull(b.data);
	ck_assert_str_eq(b.data, "");
	sx_buf_puts(&b, "n=");
	sx_buf_printf(&b, "%d/%s/%05.1f", 42, "x", 3.14159);
	ck_assert_str_eq(b.data, "n=42/x/003.1");
	ck_assert_uint_eq(b.len, strlen("n=42/x/003.1"));
	/* a long formatted piece forces growth inside printf */
	char big[5000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	sx_buf_printf(&b, "[%s]", big);
	ck_assert_uint_eq(b.len, strlen("n=42/x/003.1") + 2 + 4999);
	ck_assert_int_eq(b.data[b.len - 1], ']');
	ck_assert_int_eq(b.data[b.len], '\0');
	ck_assert_uint_eq(strlen(b.data), b.len);
	sx_buf_free(&b);
}
END_TEST

START_TEST(base64_rfc4648_vectors)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	struct sx_buf b = SX_BUF_INIT;
	for (size_t i = 0; i < 7; i++) {
		sx_buf_reset(&b);
		sx_buf_append(&b, "", 0);
		sx_base64_append(&b, (const unsigned char *)in[i], strlen(in[i]));
		ck_assert_str_eq(b.data, out[i]);
	}
	/* every byte value, and appending after existing text */
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	sx_buf_reset(&b);
	sx_buf_puts(&b, "x:");
	sx_base64_append(&b, all + 250, 6);
	ck_assert_str_eq(b.data, "x:+vv8/f7/");
	sx_buf_free(&b);
}
END_TEST

Suite *sx_buf_suite(void)
{
	Suite *s = suite_create("sx_buf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, empty_and_init);
	tcase_add_test(tc, append_putc_puts);
	tcase_add_test(tc, embedded_nul);
	tcase_add_test(tc, growth_keeps_content_and_nul);
	tcase_add_test(tc, exact_fit_boundaries);
	tcase_add_test(tc, big_append);
	tcase_add_test(tc, printf_appends);
	tcase_add_test(tc, base64_rfc4648_vectors);
	suite_add_tcase(s, tc);
	return s;
}
