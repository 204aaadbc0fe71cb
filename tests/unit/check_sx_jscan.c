/* Unit tests for common/sx_jscan.h: the word (SWAR) and SSE2 bulk scans
 * against their byte-at-a-time definitions, at every alignment, range length
 * and position, for every byte value. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sx_jscan.h"

typedef const unsigned char *(*scan_fn)(const unsigned char *, const unsigned char *);

static const unsigned char *ref_string_stop(const unsigned char *p, const unsigned char *end)
{
	while (p < end && !sx_jscan_string_special(*p))
		p++;
	return p;
}

static const unsigned char *ref_digits_end(const unsigned char *p, const unsigned char *end)
{
	while (p < end && !sx_jscan_not_digit(*p))
		p++;
	return p;
}

/* Bytes whose class each test puts at each position: every byte value (the
 * special ones and the ones beside them: ' ', '!', '#', '[', ']', 0x7F...). */
static int byte_is(scan_fn ref, unsigned char c)
{
	unsigned char b[1] = { c };
	return ref(b, b + 1) == b; /* stops at it */
}

/* A buffer of exactly OFF + LEN bytes (ASan: a read past the end is
 * reported): stop bytes (STOPPER) before the range, so that a read before
 * the range that counted would show as a result before it; ordinary bytes
 * (FILL) in it. */
static unsigned char *range_buf(size_t off, size_t len, unsigned char fill, unsigned char stopper)
{
	unsigned char *buf = malloc(off + len ? off + len : 1);
	ck_assert_ptr_nonnull(buf);
	memset(buf, stopper, off);
	memset(buf + off, fill, len);
	return buf;
}

static void expect(scan_fn f, scan_fn ref, const unsigned char *p, size_t len, size_t pos, unsigned c)
{
	const unsigned char *want = ref(p, p + len), *got = f(p, p + len);
	if (got != want)
		ck_abort_msg("len %zu, byte 0x%02x at %zu: stopped at %td, want %td", len, c, pos,
			     got - p, want - p);
}

/* Every alignment (0..15), range length (0..48: the word, register and tail
 * paths and their seams), position of the odd byte, and byte value. */
static void check_all(scan_fn f, scan_fn ref, unsigned char fill, unsigned char stopper)
{
	ck_assert(!byte_is(ref, fill));
	ck_assert(byte_is(ref, stopper));
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len <= 48; len++) {
			unsigned char *buf = range_buf(off, len, fill, stopper), *p = buf + off;
			expect(f, ref, p, len, len, fill);
			for (size_t pos = 0; pos < len; pos++) {
				for (unsigned c = 0; c < 256; c++) {
					p[pos] = (unsigned char)c;
					expect(f, ref, p, len, pos, c);
				}
				p[pos] = fill;
			}
			free(buf);
		}
}

/* One odd byte C at POS of a range of LEN at offset OFF. */
static void check_one(scan_fn f, scan_fn ref, size_t off, size_t len, size_t pos, unsigned char c,
		      unsigned char fill, unsigned char stopper)
{
	unsigned char *buf = range_buf(off, len, fill, stopper);
	buf[off + pos] = c;
	expect(f, ref, buf + off, len, pos, c);
	free(buf);
}

/* Two odd bytes: the first in memory order wins whatever follows it (no
 * borrow or carry from a later byte may flag an earlier one, on either byte
 * order). */
static void check_pairs(scan_fn f, scan_fn ref, unsigned char fill)
{
	unsigned char buf[40];
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++)
			for (size_t i = 0; i + 1 < 18; i += 3) {
				memset(buf, fill, sizeof buf);
				buf[i] = (unsigned char)a;
				buf[i + 1] = (unsigned char)b;
				for (size_t len = i + 2; len <= sizeof buf; len += 7)
					if (f(buf, buf + len) != ref(buf, buf + len))
						ck_abort_msg("bytes 0x%02x 0x%02x at %zu, length %zu", a, b, i, len);
			}
}

START_TEST(string_mask_exact_per_byte)
{
	/* every pair of byte values, alternating across the word */
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++) {
			unsigned char w[8];
			for (int i = 0; i < 8; i++)
				w[i] = (unsigned char)(i & 1 ? b : a);
			uint64_t m = sx_jscan_string_mask64(sx_jscan_load64(w));
			unsigned char mb[8];
			memcpy(mb, &m, sizeof mb);
			for (int i = 0; i < 8; i++)
				if (mb[i] != (sx_jscan_string_special(w[i]) ? 0x80 : 0))
					ck_abort_msg("bytes 0x%02x 0x%02x: mask byte %d is 0x%02x", a, b, i, mb[i]);
		}
}
END_TEST

START_TEST(nondigit_mask_exact_per_byte)
{
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++) {
			unsigned char w[8];
			for (int i = 0; i < 8; i++)
				w[i] = (unsigned char)(i & 1 ? b : a);
			uint64_t m = sx_jscan_nondigit_mask64(sx_jscan_load64(w));
			unsigned char mb[8];
			memcpy(mb, &m, sizeof mb);
			for (int i = 0; i < 8; i++)
				if (mb[i] != (sx_jscan_not_digit(w[i]) ? 0x80 : 0))
					ck_abort_msg("bytes 0x%02x 0x%02x: mask byte %d is 0x%02x", a, b, i, mb[i]);
		}
}
END_TEST

START_TEST(first64_is_memory_order)
{
	for (int i = 0; i < 8; i++)
		for (int j = i; j < 8; j++) {
			unsigned char w[8] = { 0 };
			w[i] = 0x80;
			w[j] = 0x80;
			ck_assert_uint_eq(sx_jscan_first64(sx_jscan_load64(w)), (unsigned)i);
		}
}
END_TEST

/* Each class of special byte (quote, backslash, each control byte, each
 * non-ASCII byte) and each ordinary one, at every offset and position. */
START_TEST(string_stop_swar_every_offset)
{
	check_all(sx_jscan_string_stop_swar, ref_string_stop, 'a', '"');
	check_all(sx_jscan_string_stop_swar, ref_string_stop, '~', 0x80);
}
END_TEST

START_TEST(string_stop_every_offset)
{
	/* the build's own choice: SSE2 where the compiler targets it */
	check_all(sx_jscan_string_stop, ref_string_stop, 'a', '\\');
	check_all(sx_jscan_string_stop, ref_string_stop, ' ', 0x1F);
}
END_TEST

START_TEST(string_stop_sse2_every_offset)
{
#ifdef SX_JSCAN_SSE2
	check_all(sx_jscan_string_stop_sse2, ref_string_stop, 'a', 0xFF);
	check_all(sx_jscan_string_stop_sse2, ref_string_stop, 0x7F, 0x00);
#endif
}
END_TEST

START_TEST(string_stop_first_of_two)
{
	check_pairs(sx_jscan_string_stop_swar, ref_string_stop, 'x');
	check_pairs(sx_jscan_string_stop, ref_string_stop, 'x');
}
END_TEST

START_TEST(digits_every_offset)
{
	check_all(sx_jscan_digits_end_swar, ref_digits_end, '7', ',');
	check_all(sx_jscan_digits_end_swar, ref_digits_end, '0', 0xB9); /* '9' | 0x80 */
	check_all(sx_jscan_digits_end, ref_digits_end, '9', '.');
	check_pairs(sx_jscan_digits_end_swar, ref_digits_end, '5');
}
END_TEST

/* Long runs: many words or registers before the stop, at each offset. */
START_TEST(long_runs)
{
	enum { N = 300 };
	for (size_t off = 0; off < 16; off++)
		for (size_t pos = 200; pos < N; pos++) {
			check_one(sx_jscan_string_stop, ref_string_stop, off, N, pos, '"', 'q', '"');
			check_one(sx_jscan_string_stop_swar, ref_string_stop, off, N, pos, 0xC3, 'q', '"');
			check_one(sx_jscan_digits_end, ref_digits_end, off, N, pos, 'e', '3', 'e');
		}
}
END_TEST

Suite *sx_jscan_suite(void)
{
	Suite *s = suite_create("sx_jscan");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, string_mask_exact_per_byte);
	tcase_add_test(tc, nondigit_mask_exact_per_byte);
	tcase_add_test(tc, first64_is_memory_order);
	tcase_add_test(tc, string_stop_swar_every_offset);
	tcase_add_test(tc, string_stop_every_offset);
	tcase_add_test(tc, string_stop_sse2_every_offset);
	tcase_add_test(tc, string_stop_first_of_two);
	tcase_add_test(tc, digits_every_offset);
	tcase_add_test(tc, long_runs);
	suite_add_tcase(s, tc);
	return s;
}
