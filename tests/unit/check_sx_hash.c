/* Unit tests for common/sx_hash.c */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx_hash.h"

START_TEST(hash_deterministic_and_sensitive)
{
	const char *s = "the quick brown fox jumps over the lazy dog, twice over";
	size_t n = strlen(s);
	/* every length 0..n, and the same bytes at an unaligned address */
	char *copy = malloc(n + 1);
	memcpy(copy + 1, s, n);
	for (size_t len = 0; len <= n; len++) {
		uint64_t h = sx_hash64(s, len, 0);
		ck_assert_uint_eq(h, sx_hash64(copy + 1, len, 0));
		if (len)
			ck_assert_uint_ne(h, sx_hash64(s, len - 1, 0));
		ck_assert_uint_ne(h, sx_hash64(s, len, 1));
	}
	/* flipping any single bit of a 40-byte key changes the hash */
	unsigned char k[40];
	for (size_t i = 0; i < sizeof k; i++)
		k[i] = (unsigned char)i;
	uint64_t base = sx_hash64(k, sizeof k, 0);
	for (size_t bit = 0; bit < 8 * sizeof k; bit++) {
		k[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		ck_assert_uint_ne(base, sx_hash64(k, sizeof k, 0));
		k[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	free(copy);
}
END_TEST

/* Keys "0".."N-1": the top bits (used by HyperLogLog) and the low bits (used
 * by the table) are close to uniform, and a single-bit input change flips
 * about half the output bits. */
START_TEST(hash_distribution)
{
	enum { N = 1 << 16, B = 64 };
	static unsigned top[B], low[B];
	memset(top, 0, sizeof top);
	memset(low, 0, sizeof low);
	char key[32];
	double flips = 0;
	for (int i = 0; i < N; i++) {
		int len = snprintf(key, sizeof key, "%d", i);
		uint64_t h = sx_hash64(key, (size_t)len, 0);
		top[h >> 58]++;
		low[h & (B - 1)]++;
		key[0] ^= 1;
		flips += __builtin_popcountll(h ^ sx_hash64(key, (size_t)len, 0));
	}
	for (int b = 0; b < B; b++) {
		/* expected 1024 per bucket; sd 32 */
		ck_assert_msg(top[b] > 880 && top[b] < 1170, "top bucket %d has %u", b, top[b]);
		ck_assert_msg(low[b] > 880 && low[b] < 1170, "low bucket %d has %u", b, low[b]);
	}
	double avg = flips / N;
	ck_assert_msg(avg > 31.5 && avg < 32.5, "avalanche %f bits", avg);
}
END_TEST

START_TEST(map_insert_find_iterate)
{
	struct sx_strmap m;
	sx_strmap_init(&m, sizeof(long));
	char key[32];
	enum { N = 5000 };
	for (int i = 0; i < N; i++) {
		int len = snprintf(key, sizeof key, "key-%d", i);
		int ins = -1;
		size_t idx = sx_strmap_put(&m, key, (size_t)len, &ins);
		ck_assert_int_eq(ins, 1);
		ck_assert_uint_eq(idx, (size_t)i); /* entries numbered in insertion order */
		ck_assert_int_eq(*(long *)sx_strmap_value(&m, idx), 0);
		*(long *)sx_strmap_value(&m, idx) = i * 10;
	}
	ck_assert_uint_eq(sx_strmap_count(&m), N);
	for (int i = N - 1; i >= 0; i--) {
		int len = snprintf(key, sizeof key, "key-%d", i);
		ck_assert_uint_eq(sx_strmap_find(&m, key, (size_t)len), (size_t)i);
		int ins = -1;
		ck_assert_uint_eq(sx_strmap_put(&m, key, (size_t)len, &ins), (size_t)i);
		ck_assert_int_eq(ins, 0);
		ck_assert_int_eq(*(long *)sx_strmap_value(&m, (size_t)i), i * 10);
	}
	ck_assert_uint_eq(sx_strmap_count(&m), N);
	ck_assert_uint_eq(sx_strmap_find(&m, "key-5000", 8), SX_STRMAP_NONE);
	ck_assert_uint_eq(sx_strmap_findh(&m, "key-7", 5, sx_hash64("key-7", 5, 0)), sx_strmap_find(&m, "key-7", 5));
	ck_assert_uint_eq(sx_strmap_findh(&m, "key-5000", 8, sx_hash64("key-5000", 8, 0)), SX_STRMAP_NONE);
	ck_assert_uint_eq(sx_strmap_find(&m, "key-1", 4), SX_STRMAP_NONE); /* prefix */
	/* iteration in insertion order gives back every key */
	for (size_t i = 0; i < sx_strmap_count(&m); i++) {
		size_t kl;
		const char *k = sx_strmap_key(&m, i, &kl);
		int len = snprintf(key, sizeof key, "key-%zu", i);
		ck_assert_uint_eq(kl, (size_t)len);
		ck_assert(memcmp(k, key, kl) == 0);
	}
	sx_strmap_free(&m);
}
END_TEST

START_TEST(map_binary_and_empty_keys)
{
	struct sx_strmap m;
	sx_strmap_init(&m, 0);
	ck_assert_uint_eq(sx_strmap_find(&m, "", 0), SX_STRMAP_NONE); /* nothing allocated */
	ck_assert_ptr_null(sx_strmap_value(&m, 0));
	size_t e = sx_strmap_put(&m, "", 0, NULL);
	size_t z1 = sx_strmap_put(&m, "a\0b", 3, NULL);
	size_t z2 = sx_strmap_put(&m, "a\0c", 3, NULL);
	ck_assert_uint_ne(z1, z2);
	ck_assert_uint_eq(sx_strmap_find(&m, "", 0), e);
	ck_assert_uint_eq(sx_strmap_find(&m, "a\0b", 3), z1);
	ck_assert_uint_eq(sx_strmap_find(&m, "a", 1), SX_STRMAP_NONE);
	ck_assert_uint_eq(sx_strmap_count(&m), 3);
	sx_strmap_free(&m);
}
END_TEST

/* Only empty keys: the arena is never allocated, yet find and key work. */
START_TEST(map_only_empty_key)
{
	struct sx_strmap m;
	sx_strmap_init(&m, 0);
	size_t e = sx_strmap_put(&m, "", 0, NULL);
	ck_assert_uint_eq(sx_strmap_find(&m, "", 0), e);
	ck_assert_uint_eq(sx_strmap_put(&m, "", 0, NULL), e);
	size_t len = 99;
	const char *k = sx_strmap_key(&m, e, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(sx_strmap_count(&m), 1);
	sx_strmap_free(&m);
}
END_TEST

START_TEST(map_clear_reuses)
{
	struct sx_strmap m;
	sx_strmap_init(&m, 8);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 100; i++) {
			char key[16];
			int len = snprintf(key, sizeof key, "%d", i * (round + 1));
			int ins;
			sx_strmap_put(&m, key, (size_t)len, &ins);
			ck_assert_int_eq(ins, 1);
		}
		ck_assert_uint_eq(sx_strmap_count(&m), 100);
		void *slots = m.slot;
		sx_strmap_clear(&m);
		ck_assert_uint_eq(sx_strmap_count(&m), 0);
		ck_assert_uint_eq(sx_strmap_find(&m, "0", 1), SX_STRMAP_NONE);
		ck_assert_ptr_eq(m.slot, slots); /* allocations kept */
	}
	sx_strmap_free(&m);
	ck_assert_ptr_null(m.slot);
	sx_strmap_free(&m); /* freeing twice is harmless */
}
END_TEST

/* Many keys whose hashes share low bits still work (long probe runs). */
START_TEST(map_collisions_in_probe)
{
	struct sx_strmap m;
	sx_strmap_init(&m, 0);
	/* insert with forced equal hashes through puth */
	char key[16];
	for (int i = 0; i < 300; i++) {
		int len = snprintf(key, sizeof key, "%d", i);
		ck_assert_uint_eq(sx_strmap_puth(&m, key, (size_t)len, 42, NULL), (size_t)i);
	}
	for (int i = 0; i < 300; i++) {
		int len = snprintf(key, sizeof key, "%d", i);
		int ins;
		ck_assert_uint_eq(sx_strmap_puth(&m, key, (size_t)len, 42, &ins), (size_t)i);
		ck_assert_int_eq(ins, 0);
	}
	sx_strmap_free(&m);
}
END_TEST

Suite *sx_hash_suite(void)
{
	Suite *s = suite_create("sx_hash");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, hash_deterministic_and_sensitive);
	tcase_add_test(tc, hash_distribution);
	tcase_add_test(tc, map_insert_find_iterate);
	tcase_add_test(tc, map_binary_and_empty_keys);
	tcase_add_test(tc, map_only_empty_key);
	tcase_add_test(tc, map_clear_reuses);
	tcase_add_test(tc, map_collisions_in_probe);
	suite_add_tcase(s, tc);
	return s;
}
