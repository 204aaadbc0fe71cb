/*
 * sx_jscan.h - the JSON scanner's byte classes found in bulk: a machine word
 * (SWAR on a uint64_t) or an SSE2 register at a time instead of a byte at a
 * time.  sx_json.c scans strings and digit runs with these and takes its
 * byte-at-a-time slow path only where one of them stops.  They live in a
 * header (static inline) so that scan_string inlines them and the unit tests
 * reach the vector and the portable path alike.
 *
 *   sx_jscan_string_stop(p, end)  the first byte of [p, end) a JSON string
 *       cannot pass over without a closer look: '"', '\\', a control byte
 *       (< 0x20) or a non-ASCII byte (>= 0x80, the start of a UTF-8
 *       sequence to check); end when there is none.
 *   sx_jscan_digits_end(p, end)   the first byte of [p, end) that is not an
 *       ASCII digit; end when there is none.
 *
 * Neither reads a byte outside [p, end) (the caller's line may end exactly
 * at its allocation).  Words are loaded with memcpy (no alignment or
 * aliasing assumption); the word masks are exact for every byte (no carry
 * crosses a byte boundary), so the first flagged byte in memory order is the
 * answer on either byte order.  The tail shorter than a word or register is
 * read as the last whole word or register of the range when the range has
 * one: its bytes before the tail were already found ordinary.
 * Building with -DSX_JSCAN_NO_SIMD keeps only the portable paths.
 *
 * Ownership: pure functions of the bytes they are given; no state.
 */
#ifndef SX_JSCAN_H
#define SX_JSCAN_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__) && !defined(SX_JSCAN_NO_SIMD)
#include <emmintrin.h>
#define SX_JSCAN_SSE2 1
#endif

#define SX_JSCAN_ONES UINT64_C(0x0101010101010101)
#define SX_JSCAN_LOW7 (SX_JSCAN_ONES * 0x7F)
#define SX_JSCAN_HIGH (SX_JSCAN_ONES * 0x80)

/* The byte-at-a-time definitions the word and vector versions must match. */
static inline int sx_jscan_string_special(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

static inline int sx_jscan_not_digit(unsigned char c)
{
	return c < '0' || c > '9';
}

static inline uint64_t sx_jscan_load64(const unsigned char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* Bit 7 of each byte set iff that byte of W is special in a string.  Per
 * byte b (l = b & 0x7F, at most 0x7F, so no sum below passes 0xFF):
 * b >= 0x80 is bit 7 of b; l + 0x60 reaches bit 7 iff l >= 0x20; for
 * q = (b ^ '"') & 0x7F, q + 0x7F reaches bit 7 iff q != 0 (q == 0 with
 * b >= 0x80 is flagged by b itself); the same for '\\'. */
static inline uint64_t sx_jscan_string_mask64(uint64_t w)
{
	uint64_t low = w & SX_JSCAN_LOW7;
	uint64_t q = (w ^ (SX_JSCAN_ONES * '"')) & SX_JSCAN_LOW7;
	uint64_t bs = (w ^ (SX_JSCAN_ONES * '\\')) & SX_JSCAN_LOW7;
	return (w | ~(low + SX_JSCAN_ONES * 0x60) | ~(q + SX_JSCAN_LOW7) | ~(bs + SX_JSCAN_LOW7)) &
	       SX_JSCAN_HIGH;
}

/* Bit 7 of each byte set iff that byte of W is not '0'..'9': l + 0x50
 * reaches bit 7 iff l >= '0', l + 0x46 iff l >= ':' (l = b & 0x7F). */
static inline uint64_t sx_jscan_nondigit_mask64(uint64_t w)
{
	uint64_t low = w & SX_JSCAN_LOW7;
	return (w | ~(low + SX_JSCAN_ONES * (0x80 - '0')) | (low + SX_JSCAN_ONES * (0x80 - ':'))) &
	       SX_JSCAN_HIGH;
}

/* Index in memory order of the first byte flagged in M (M != 0). */
static inline unsigned sx_jscan_first64(uint64_t m)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (unsigned)__builtin_ctzll(m) / 8;
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (unsigned)__builtin_clzll(m) / 8;
#else
	/* any byte order: find the flagged byte by storing the mask back */
	unsigned char b[8];
	memcpy(b, &m, sizeof b);
	unsigned i = 0;
	while (!b[i])
		i++;
	return i;
#endif
}

/* The portable paths: words, then the last word of the range, then bytes
 * (only for a range shorter than a word). */
#define SX_JSCAN_SWAR_BODY(MASK, SPECIAL)                                         \
	do {                                                                      \
		const unsigned char *start_ = p;                                  \
		while (end - p >= 8) {                                            \
			uint64_t m_ = MASK(sx_jscan_load64(p));                   \
			if (m_)                                                   \
				return p + sx_jscan_first64(m_);                  \
			p += 8;                                                   \
		}                                                                 \
		if (p < end && end - start_ >= 8) {                               \
			uint64_t m_ = MASK(sx_jscan_load64(end - 8));             \
			return m_ ? end - 8 + sx_jscan_first64(m_) : end;         \
		}                                                                 \
		while (p < end && !SPECIAL(*p))                                   \
			p++;                                                      \
		return p;                                                         \
	} while (0)

static inline const unsigned char *sx_jscan_string_stop_swar(const unsigned char *p,
							     const unsigned char *end)
{
	SX_JSCAN_SWAR_BODY(sx_jscan_string_mask64, sx_jscan_string_special);
}

static inline const unsigned char *sx_jscan_digits_end_swar(const unsigned char *p,
							    const unsigned char *end)
{
	SX_JSCAN_SWAR_BODY(sx_jscan_nondigit_mask64, sx_jscan_not_digit);
}

#ifdef SX_JSCAN_SSE2
/* 16 bytes at a time: '"' and '\\' by equality; a signed compare with 0x20
 * flags both the control bytes and the non-ASCII ones (negative as int8). */
static inline unsigned sx_jscan_string_bits128(__m128i v)
{
	__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
					      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
				 _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
	return (unsigned)_mm_movemask_epi8(m);
}

static inline const unsigned char *sx_jscan_string_stop_sse2(const unsigned char *p,
							     const unsigned char *end)
{
	const unsigned char *start = p;
	while (end - p >= 16) {
		unsigned bits = sx_jscan_string_bits128(_mm_loadu_si128((const __m128i *)(const void *)p));
		if (bits)
			return p + __builtin_ctz(bits);
		p += 16;
	}
	if (p < end && end - start >= 16) {
		unsigned bits = sx_jscan_string_bits128(
			_mm_loadu_si128((const __m128i *)(const void *)(end - 16)));
		return bits ? end - 16 + __builtin_ctz(bits) : end;
	}
	return sx_jscan_string_stop_swar(p, end);
}
#endif

static inline const unsigned char *sx_jscan_string_stop(const unsigned char *p, const unsigned char *end)
{
#ifdef SX_JSCAN_SSE2
	return sx_jscan_string_stop_sse2(p, end);
#else
	return sx_jscan_string_stop_swar(p, end);
#endif
}

/* Most digit runs in JSON numbers are short (a measure has a few digits
 * each side of the point), and for those a byte loop beats setting up a
 * word: the first four bytes are looked at one by one, a longer run (epoch
 * milliseconds, ids) goes on a word at a time. */
static inline const unsigned char *sx_jscan_digits_end(const unsigned char *p, const unsigned char *end)
{
	for (int i = 0; i < 4; i++, p++)
		if (p >= end || sx_jscan_not_digit(*p))
			return p;
	return sx_jscan_digits_end_swar(p, end);
}

#endif
