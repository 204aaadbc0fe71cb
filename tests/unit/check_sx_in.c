/* Unit tests for common/sx_in.c */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "sx_buf.h"
#include "sx_in.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

/* gzip (one member) of [p, p+n) appended to OUT. */
static void gz_append(struct sx_buf *out, const void *p, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	ck_assert_int_eq(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	uLong bound = deflateBound(&z, (uLong)n) + 64;
	sx_buf_reserve(out, bound);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)bound;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->len += bound - z.avail_out;
	out->data[out->len] = '\0';
	deflateEnd(&z);
}

static void write_gz(const char *path, const void *p, size_t n)
{
	struct sx_buf b = SX_BUF_INIT;
	gz_append(&b, p, n);
	tu_write_file(path, b.data, b.len);
	sx_buf_free(&b);
}

/* All lines of a source joined as "line|line|...|" (getline or getrawline). */
static int slurp(struct sx_in *in, struct sx_buf *out, int raw)
{
	const char *l;
	size_t n;
	int r;
	while ((r = raw ? sx_in_getrawline(in, &l, &n) : sx_in_getline(in, &l, &n)) > 0) {
		sx_buf_append(out, l, n);
		sx_buf_putc(out, '|');
	}
	sx_buf_append(out, "", 0);
	return r;
}

/* Lines of the file at PATH as above; the return of the last getline. */
static int slurp_file(const char *path, struct sx_buf *out, int raw)
{
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, path), 0);
	int r = slurp(&in, out, raw);
	sx_in_close(&in);
	return r;
}

static void check_lines(const char *content, size_t n, const char *expect, int raw)
{
	const char *p = tu_path("lines.txt");
	tu_write_file(p, content, n);
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp_file(p, &b, raw), 0);
	ck_assert_msg(b.len == strlen(expect) && memcmp(b.data, expect, b.len) == 0,
		      "plain: got '%s', want '%s'", b.data, expect);
	/* The same bytes gzip-compressed must give the same lines. */
	sx_buf_reset(&b);
	const char *gp = tu_path("lines.txt.gz");
	write_gz(gp, content, n);
	ck_assert_int_eq(slurp_file(gp, &b, raw), 0);
	ck_assert_msg(b.len == strlen(expect) && memcmp(b.data, expect, b.len) == 0,
		      "gzip: got '%s', want '%s'", b.data, expect);
	sx_buf_free(&b);
}

/* LIT: a string literal (may hold NULs). */
#define CHECK_LINES(lit, expect, raw) check_lines((lit), sizeof(lit) - 1, (expect), (raw))

/* ---- plain and gzip files ---------------------------------------------- */

START_TEST(plain_lines_and_numbers)
{
	const char *p = tu_path("a.ndjson");
	const char *text = "{\"a\":1}\n\n{\"b\":2}\n";
	tu_write_file(p, text, strlen(text));
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	ck_assert(in.is_regular);
	const char *l;
	size_t n;
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert_uint_eq(n, 7);
	ck_assert(memcmp(l, "{\"a\":1}", 7) == 0);
	ck_assert_uint_eq(in.lineno, 1);
	ck_assert_uint_eq(in.offset, 8);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(in.lineno, 2);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 7 && memcmp(l, "{\"b\":2}", 7) == 0);
	ck_assert_uint_eq(in.lineno, 3);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 0);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 0); /* EOF is sticky */
	ck_assert_uint_eq(in.offset, strlen(text));
	ck_assert_uint_eq(in.bytes_read, strlen(text));
	ck_assert(!in.gzip);
	sx_in_close(&in);
}
END_TEST

START_TEST(gzip_file)
{
	const char *p = tu_path("a.gz.whatever"); /* detected by magic, not name */
	const char *text = "{\"a\":1}\n{\"b\":2}\n";
	write_gz(p, text, strlen(text));
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp(&in, &b, 0), 0);
	ck_assert(in.gzip);
	ck_assert_str_eq(b.data, "{\"a\":1}|{\"b\":2}|");
	ck_assert_uint_eq(in.lineno, 2);
	ck_assert_uint_eq(in.offset, strlen(text));
	sx_in_close(&in);
	sx_buf_free(&b);
}
END_TEST

START_TEST(gzip_concatenated_members)
{
	struct sx_buf z = SX_BUF_INIT;
	gz_append(&z, "one\ntw", 6);    /* a line split across members */
	gz_append(&z, "o\nthree\n", 8);
	gz_append(&z, "", 0);           /* an empty member in between */
	gz_append(&z, "four", 4);
	const char *p = tu_path("cat.gz");
	tu_write_file(p, z.data, z.len);
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp_file(p, &b, 0), 0);
	ck_assert_str_eq(b.data, "one|two|three|four|");
	sx_buf_free(&b);
	sx_buf_free(&z);
}
END_TEST

START_TEST(gzip_empty_member_only)
{
	const char *p = tu_path("empty.gz");
	write_gz(p, "", 0);
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp_file(p, &b, 0), 0);
	ck_assert_str_eq(b.data, "");
	sx_buf_free(&b);
}
END_TEST

/* Every prefix of a gzip file that cuts the member short is an error, never a
 * silent short read. */
START_TEST(gzip_truncated_is_error)
{
	struct sx_buf z = SX_BUF_INIT;
	const char *text = "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
	gz_append(&z, text, strlen(text));
	char p[512];
	strcpy(p, tu_path("trunc.gz"));
	for (size_t cut = 2; cut < z.len; cut++) {
		tu_write_file(p, z.data, cut);
		struct sx_buf b = SX_BUF_INIT;
		int saved = tu_capture_stderr("err.txt");
		int r = slurp_file(p, &b, 0);
		tu_restore_stderr(saved);
		ck_assert_msg(r < 0, "truncated at %zu of %zu: no error (got '%s')", cut, z.len, b.data);
		sx_buf_free(&b);
	}
	/* a truncated second member too */
	size_t first = z.len;
	gz_append(&z, text, strlen(text));
	tu_write_file(p, z.data, z.len - 5);
	struct sx_buf b = SX_BUF_INIT;
	int saved = tu_capture_stderr("err.txt");
	int r = slurp_file(p, &b, 0);
	tu_restore_stderr(saved);
	ck_assert_int_lt(r, 0);
	(void)first;
	size_t elen;
	char *err = tu_read_file(tu_path("err.txt"), &elen);
	ck_assert_ptr_nonnull(strstr(err, "trunc.gz"));
	free(err);
	sx_buf_free(&b);
	sx_buf_free(&z);
}
END_TEST

START_TEST(gzip_corrupt_is_error)
{
	struct sx_buf z = SX_BUF_INIT;
	const char *text = "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
	gz_append(&z, text, strlen(text));
	const char *p = tu_path("bad.gz");
	/* flipped CRC (trailer bytes -8..-5) */
	z.data[z.len - 6] ^= 0x55;
	tu_write_file(p, z.data, z.len);
	struct sx_buf b = SX_BUF_INIT;
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_lt(slurp_file(p, &b, 0), 0);
	z.data[z.len - 6] ^= 0x55;
	/* wrong ISIZE */
	z.data[z.len - 1] ^= 0x01;
	tu_write_file(p, z.data, z.len);
	sx_buf_reset(&b);
	ck_assert_int_lt(slurp_file(p, &b, 0), 0);
	z.data[z.len - 1] ^= 0x01;
	/* a bad compression method byte in the header */
	z.data[2] = 7;
	tu_write_file(p, z.data, z.len);
	sx_buf_reset(&b);
	ck_assert_int_lt(slurp_file(p, &b, 0), 0);
	z.data[2] = 8;
	/* trailing garbage after a complete member */
	sx_buf_puts(&z, "garbage\n");
	tu_write_file(p, z.data, z.len);
	sx_buf_reset(&b);
	ck_assert_int_lt(slurp_file(p, &b, 0), 0);
	tu_restore_stderr(saved);
	sx_buf_free(&b);
	sx_buf_free(&z);
}
END_TEST

/* After the last member: zero padding is ignored (as gzip does); other bytes
 * are trailing garbage, reported after every decoded line was handed out. */
START_TEST(gzip_trailing_zeros_and_garbage)
{
	struct sx_buf z = SX_BUF_INIT;
	gz_append(&z, "one\ntwo\n", 8);
	gz_append(&z, "three", 5); /* the last line has no line end */
	size_t clean = z.len;
	char p[512];
	strcpy(p, tu_path("pad.gz"));
	for (int i = 0; i < 512; i++)
		sx_buf_putc(&z, '\0');
	tu_write_file(p, z.data, z.len);
	struct sx_buf b = SX_BUF_INIT;
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(slurp_file(p, &b, 0), 0);
	tu_restore_stderr(saved);
	ck_assert_str_eq(b.data, "one|two|three|");
	tu_assert_file_eq("err.txt", "");
	/* garbage: after zeros, right after the member, a stray 0x1f, one that
	 * looks like a header but is not one */
	static const char *const tails[] = { "\0\0garbage", "garbage\n", "\x1f", "\x1f\x8b\x08\xff" };
	static const size_t tlen[] = { 9, 8, 1, 4 };
	for (size_t t = 0; t < 4; t++) {
		z.len = clean;
		sx_buf_append(&z, tails[t], tlen[t]);
		tu_write_file(p, z.data, z.len);
		struct sx_in in;
		ck_assert_int_eq(sx_in_open(&in, p), 0);
		sx_buf_reset(&b);
		saved = tu_capture_stderr("err.txt");
		int r = slurp(&in, &b, 1);
		int again = slurp(&in, &b, 1);
		tu_restore_stderr(saved);
		ck_assert_msg(r == -1, "tail %zu: got %d", t, r);
		ck_assert_int_eq(again, -1);
		ck_assert_int_eq(in.trailing_garbage, 1);
		ck_assert_msg(!strcmp(b.data, "one\n|two\n|three|"), "tail %zu: got '%s'", t, b.data);
		char *err = tu_slurp("err.txt");
		ck_assert_int_eq(tu_count(err, "pad.gz: trailing garbage after gzip data\n"), 1);
		ck_assert_int_eq(tu_count(err, "\n"), 1);
		free(err);
		sx_in_close(&in);
	}
	/* the chunk reader too */
	z.len = clean;
	sx_buf_puts(&z, "garbage");
	tu_write_file(p, z.data, z.len);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	sx_buf_reset(&b);
	const char *c;
	ssize_t n;
	saved = tu_capture_stderr("err.txt");
	while ((n = sx_in_chunk(&in, &c)) > 0)
		sx_buf_append(&b, c, (size_t)n);
	tu_restore_stderr(saved);
	ck_assert_int_eq(n, -1);
	ck_assert_uint_eq(b.len, 13);
	ck_assert(!memcmp(b.data, "one\ntwo\nthree", 13));
	sx_in_close(&in);
	sx_buf_free(&b);
	sx_buf_free(&z);
}
END_TEST

/* sx_in_getpiece: a 10 MB line in pieces no larger than the first buffer
 * (which never grows), plain and gzip; a BOM skipped; lines counted when they
 * end (a last line without a line end: at EOF). */
static void pieces_of(int gzip)
{
	size_t big = 10 * 1024 * 1024;
	char *text = malloc(big + 16);
	ck_assert_ptr_nonnull(text);
	memcpy(text, "\xEF\xBB\xBF", 3);
	for (size_t i = 3; i < big; i++)
		text[i] = (char)('a' + i % 26);
	memcpy(text + big, "\n{}\r\nx", 6);
	size_t total = big + 6;
	const char *p = tu_path(gzip ? "pieces.gz" : "pieces.txt");
	if (gzip)
		write_gz(p, text, total);
	else
		tu_write_file(p, text, total);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	size_t cap0 = in.cap, got = 0, npieces = 0;
	const char *l;
	size_t n;
	int eol;
	/* the long line: pieces, the last one with its "\n" */
	for (;;) {
		ck_assert_int_eq(sx_in_getpiece(&in, &l, &n, &eol), 1);
		ck_assert(n > 0 && n <= cap0);
		ck_assert_msg(memcmp(l, text + 3 + got, n) == 0, "piece %zu differs", npieces);
		got += n;
		npieces++;
		if (eol)
			break;
		ck_assert_uint_eq(in.lineno, 0);
	}
	ck_assert_uint_eq(got, big - 3 + 1);
	ck_assert_uint_gt(npieces, 10);
	ck_assert_uint_eq(in.lineno, 1);
	ck_assert_uint_eq(in.cap, cap0);
	ck_assert_int_eq(sx_in_getpiece(&in, &l, &n, &eol), 1);
	ck_assert(n == 4 && !memcmp(l, "{}\r\n", 4) && eol);
	ck_assert_int_eq(sx_in_getpiece(&in, &l, &n, &eol), 1);
	ck_assert(n == 1 && l[0] == 'x' && !eol);
	ck_assert_uint_eq(in.lineno, 2);
	ck_assert_int_eq(sx_in_getpiece(&in, &l, &n, &eol), 0);
	ck_assert_uint_eq(in.lineno, 3);
	ck_assert_uint_eq(in.offset, total);
	ck_assert_uint_eq(in.cap, cap0);
	sx_in_close(&in);
	free(text);
}

START_TEST(pieces_of_a_long_line)
{
	pieces_of(0);
	pieces_of(1);
}
END_TEST

/* sx_in_peek_nonblank looks past a BOM and blank lines and consumes nothing. */
START_TEST(peek_nonblank)
{
	const char *p = tu_path("peek.txt");
	tu_write_file(p, "\xEF\xBB\xBF \r\n\t\n  [1]\n", 14);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	char c = 0;
	ck_assert_int_eq(sx_in_peek_nonblank(&in, &c), 1);
	ck_assert_int_eq(c, '[');
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp(&in, &b, 1), 0);
	ck_assert_str_eq(b.data, " \r\n|\t\n|  [1]\n|");
	ck_assert_int_eq(sx_in_peek_nonblank(&in, &c), 0);
	sx_in_close(&in);
	tu_write_file(p, " \n\n", 3);
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	ck_assert_int_eq(sx_in_peek_nonblank(&in, &c), 0);
	sx_in_close(&in);
	sx_buf_free(&b);
}
END_TEST

START_TEST(empty_file)
{
	const char *p = tu_path("empty");
	tu_write_file(p, "", 0);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	const char *l;
	size_t n;
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 0);
	ck_assert_uint_eq(in.lineno, 0);
	sx_in_close(&in);
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	ck_assert_int_eq(sx_in_chunk(&in, &l), 0);
	sx_in_close(&in);
}
END_TEST

START_TEST(open_errors)
{
	struct sx_in in;
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_lt(sx_in_open(&in, tu_path("no-such-file")), 0);
	ck_assert_int_lt(sx_in_open(&in, tu_dir), 0);
	tu_restore_stderr(saved);
	char *err = tu_read_file(tu_path("err.txt"), NULL);
	ck_assert_ptr_nonnull(strstr(err, "no-such-file: No such file or directory"));
	ck_assert_ptr_nonnull(strstr(err, "Is a directory"));
	free(err);
}
END_TEST

/* An at_eof hook that says "no data now" while bytes of an unfinished
 * line are buffered (sx-ingest holds back a young file's last line so). */
static int hold_partial(struct sx_in *in, void *arg)
{
	*(size_t *)arg = in->end - in->pos;
	return in->end > in->pos ? 2 : 0;
}

/* The hook sees the unfinished last line in [pos, end), also when the file
 * is shorter than the three bytes read first (gzip magic, BOM): sx-ingest
 * holds back a young file's unterminated last line on this. */
START_TEST(at_eof_hook_sees_the_unfinished_line)
{
	static const char *const texts[] = { "a", "ab", "abc", "a\nb" };
	static const size_t partial[] = { 1, 2, 3, 1 };
	for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
		const char *p = tu_path("h.txt");
		tu_write_file(p, texts[k], strlen(texts[k]));
		struct sx_in in;
		ck_assert_int_eq(sx_in_open(&in, p), 0);
		size_t buffered = 99;
		in.at_eof = hold_partial;
		in.at_eof_arg = &buffered;
		const char *line;
		size_t len;
		int r = sx_in_getline(&in, &line, &len);
		if (strchr(texts[k], '\n')) {
			ck_assert_int_eq(r, 1);
			r = sx_in_getline(&in, &line, &len);
		}
		ck_assert_msg(r == SX_IN_AGAIN, "'%s': %d", texts[k], r);
		ck_assert_msg(buffered == partial[k], "'%s': %zu buffered", texts[k], buffered);
		sx_in_close(&in);
	}
}
END_TEST

/* ---- line splitting ----------------------------------------------------- */

START_TEST(last_line_without_newline)
{
	CHECK_LINES("a\nb", "a|b|", 0);
	CHECK_LINES("a\nb", "a\n|b|", 1);
	CHECK_LINES("x", "x|", 0);
	CHECK_LINES("ab", "ab|", 0);
	CHECK_LINES("\n", "|", 0);
	CHECK_LINES("\n\n", "||", 0);
	CHECK_LINES("a\n\n", "a||", 0);
}
END_TEST

START_TEST(crlf)
{
	CHECK_LINES("a\r\nb\r\n\r\nc", "a|b||c|", 0);
	CHECK_LINES("a\r\nb\r\n\r\nc", "a\r\n|b\r\n|\r\n|c|", 1);
	/* a lone CR inside a line is data */
	CHECK_LINES("a\rb\n", "a\rb|", 0);
	/* CRLF split: "\r" is the last byte of a line and "\n" follows */
	CHECK_LINES("{}\r\n{}\r\n", "{}|{}|", 0);
}
END_TEST

START_TEST(getrawline_keeps_terminators)
{
	const char *text = "h1,h2\r\n\"multi\nline\",x\nlast";
	const char *p = tu_path("raw.csv");
	tu_write_file(p, text, strlen(text));
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	const char *l;
	size_t n;
	struct sx_buf all = SX_BUF_INIT;
	int k = 0;
	while (sx_in_getrawline(&in, &l, &n) > 0) {
		sx_buf_append(&all, l, n);
		k++;
	}
	/* concatenating raw lines gives back the input exactly */
	ck_assert_int_eq(k, 4);
	ck_assert_uint_eq(all.len, strlen(text));
	ck_assert(memcmp(all.data, text, all.len) == 0);
	ck_assert_uint_eq(in.lineno, 4);
	sx_in_close(&in);
	sx_buf_free(&all);
}
END_TEST

START_TEST(bom_skipped_only_at_start)
{
	/* skipped at the very start */
	CHECK_LINES("\xEF\xBB\xBF{\"a\":1}\n{}\n", "{\"a\":1}|{}|", 0);
	/* ...also with getrawline */
	CHECK_LINES("\xEF\xBB\xBF{}\n", "{}\n|", 1);
	/* kept anywhere else: on the second line, and after an empty first line */
	CHECK_LINES("{}\n\xEF\xBB\xBF{}\n", "{}|\xEF\xBB\xBF{}|", 0);
	CHECK_LINES("\n\xEF\xBB\xBF{}\n", "|\xEF\xBB\xBF{}|", 0);
	/* only one BOM is removed */
	CHECK_LINES("\xEF\xBB\xBF\xEF\xBB\xBFx\n", "\xEF\xBB\xBFx|", 0);
	/* a BOM alone, or followed by an empty line */
	CHECK_LINES("\xEF\xBB\xBF", "", 0);
	CHECK_LINES("\xEF\xBB\xBF\n", "|", 0);
	CHECK_LINES("\xEF\xBB\xBF\nx\n", "|x|", 0);
	/* a partial BOM is data */
	CHECK_LINES("\xEF\xBB", "\xEF\xBB|", 0);
	CHECK_LINES("\xEF\xBBx\n", "\xEF\xBBx|", 0);
}
END_TEST

START_TEST(bom_offsets_and_lines)
{
	const char *p = tu_path("bom.txt");
	tu_write_file(p, "\xEF\xBB\xBF" "ab\ncd\n", 9);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	const char *l;
	size_t n;
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 2 && memcmp(l, "ab", 2) == 0);
	ck_assert_uint_eq(in.lineno, 1); /* the BOM does not make a line */
	ck_assert_uint_eq(in.offset, 6);
	sx_in_close(&in);
}
END_TEST

static void ten_mb_line(int gzip)
{
	size_t big = 10 * 1024 * 1024 + 3;
	size_t total = big + 1 + 4 + 3;
	char *text = malloc(total);
	ck_assert_ptr_nonnull(text);
	memcpy(text, "{\"a\":\"", 6);
	for (size_t i = 6; i < big - 2; i++)
		text[i] = (char)('a' + i % 26);
	memcpy(text + big - 2, "\"}", 2);
	memcpy(text + big, "\n{}\r\nx", 6);
	total = big + 6;
	const char *p = tu_path(gzip ? "big.gz" : "big.txt");
	if (gzip)
		write_gz(p, text, total);
	else
		tu_write_file(p, text, total);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	const char *l;
	size_t n;
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert_uint_eq(n, big);
	ck_assert(memcmp(l, text, big) == 0);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 2 && memcmp(l, "{}", 2) == 0);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 1 && l[0] == 'x');
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 0);
	ck_assert_uint_eq(in.lineno, 3);
	ck_assert_uint_eq(in.offset, total);
	sx_in_close(&in);
	free(text);
}

START_TEST(line_of_10mb)
{
	ten_mb_line(0);
}
END_TEST

START_TEST(line_of_10mb_gzip)
{
	ten_mb_line(1);
}
END_TEST

/* Many lines crossing the 256 KiB block boundary at every possible place. */
START_TEST(lines_across_blocks)
{
	struct sx_buf t = SX_BUF_INIT, expect = SX_BUF_INIT;
	unsigned seed = 1;
	while (t.len < 1200 * 1024) {
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 16) % 300;
		for (size_t i = 0; i < len; i++) {
			sx_buf_putc(&t, (char)('A' + (i + len) % 26));
			sx_buf_putc(&expect, (char)('A' + (i + len) % 26));
		}
		if (seed & 0x100)
			sx_buf_putc(&t, '\r');
		sx_buf_putc(&t, '\n');
		sx_buf_putc(&expect, '|');
	}
	const char *p = tu_path("blocks.txt");
	tu_write_file(p, t.data, t.len);
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp_file(p, &b, 0), 0);
	ck_assert_uint_eq(b.len, expect.len);
	ck_assert(memcmp(b.data, expect.data, b.len) == 0);
	sx_buf_reset(&b);
	p = tu_path("blocks.gz");
	write_gz(p, t.data, t.len);
	ck_assert_int_eq(slurp_file(p, &b, 0), 0);
	ck_assert_uint_eq(b.len, expect.len);
	ck_assert(memcmp(b.data, expect.data, b.len) == 0);
	sx_buf_free(&b);
	sx_buf_free(&t);
	sx_buf_free(&expect);
}
END_TEST

/* ---- chunks ------------------------------------------------------------- */

/* Chunks of PATH concatenated must be EXPECT; BOM: the file starts with one. */
static void check_chunks(const char *path, const char *expect, size_t n, int bom)
{
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, path), 0);
	struct sx_buf b = SX_BUF_INIT;
	const char *p;
	ssize_t r;
	while ((r = sx_in_chunk(&in, &p)) > 0)
		sx_buf_append(&b, p, (size_t)r);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(b.len, n);
	ck_assert(n == 0 || memcmp(b.data, expect, n) == 0);
	ck_assert_uint_eq(in.offset, n + (bom ? 3 : 0));
	ck_assert_int_eq(sx_in_chunk(&in, &p), 0);
	sx_in_close(&in);
	sx_buf_free(&b);
}

START_TEST(chunks)
{
	const char *p = tu_path("c.txt");
	tu_write_file(p, "a,b\n1,2\n", 8);
	check_chunks(p, "a,b\n1,2\n", 8, 0);
	tu_write_file(p, "\xEF\xBB\xBF" "a,b\n", 7);
	check_chunks(p, "a,b\n", 4, 1);
	tu_write_file(p, "\xEF\xBB\xBF", 3);
	check_chunks(p, "", 0, 1);
	tu_write_file(p, "ab", 2);
	check_chunks(p, "ab", 2, 0);
	tu_write_file(p, "x\xEF\xBB\xBF", 4);
	check_chunks(p, "x\xEF\xBB\xBF", 4, 0);
	write_gz(p, "\xEF\xBB\xBF" "q", 4);
	check_chunks(p, "q", 1, 1);
	/* a big gzip file comes back byte for byte */
	size_t n = 3 * 1024 * 1024;
	char *big = malloc(n);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)(i % 251);
	write_gz(p, big, n);
	check_chunks(p, big, n, 0);
	free(big);
}
END_TEST

/* ---- pipes -------------------------------------------------------------- */

static int pipe_w = -1;          /* write end the hooks feed */
static const char *feed_data;    /* bytes the before-block hook writes */
static size_t feed_len;
static int blocked;              /* sx_in_before_block calls */

static void feed_on_block(void)
{
	blocked++;
	if (feed_data) {
		ck_assert_int_eq(write(pipe_w, feed_data, feed_len), (ssize_t)feed_len);
		feed_data = NULL;
	} else if (pipe_w >= 0) {
		close(pipe_w);
		pipe_w = -1;
	}
}

START_TEST(pipe_from_child)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		/* 20000 lines in many small writes */
		char line[64];
		for (int i = 0; i < 20000; i++) {
			int k = snprintf(line, sizeof line, "{\"i\":%d}%s", i, i % 3 ? "\n" : "\r\n");
			if (write(fds[1], line, (size_t)k) != k)
				_exit(3);
		}
		if (write(fds[1], "{\"last\":1}", 10) != 10)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	struct sx_in in;
	ck_assert_int_eq(sx_in_fdopen(&in, fds[0], "pipe"), 0);
	ck_assert(!in.is_regular);
	const char *l;
	size_t n;
	char want[64];
	for (int i = 0; i < 20000; i++) {
		ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
		int k = snprintf(want, sizeof want, "{\"i\":%d}", i);
		ck_assert_msg(n == (size_t)k && memcmp(l, want, n) == 0, "line %d", i);
	}
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 10 && memcmp(l, "{\"last\":1}", 10) == 0);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 0);
	sx_in_close(&in);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

/* A slow writer: the reader must wait (calling the before-block hook, so a
 * tool flushes its output) and then return each line as soon as it is
 * complete.  Bytes arrive one at a time, across the BOM and first-bytes
 * detection. */
static const char *trickle[] = { "\xEF", "\xBB", "\xBF", "{", "}", "\r", "\n", "a", "b\nc", "\n" };
static size_t trickle_i;

static void trickle_on_block(void)
{
	blocked++;
	if (trickle_i < sizeof trickle / sizeof *trickle) {
		const char *s = trickle[trickle_i++];
		ck_assert_int_eq(write(pipe_w, s, strlen(s)), (ssize_t)strlen(s));
	} else if (pipe_w >= 0) {
		close(pipe_w);
		pipe_w = -1;
	}
}

START_TEST(pipe_trickle_and_before_block)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pipe_w = fds[1];
	sx_in_before_block = trickle_on_block;
	struct sx_in in;
	ck_assert_int_eq(sx_in_fdopen(&in, fds[0], "pipe"), 0);
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp(&in, &b, 0), 0);
	ck_assert_str_eq(b.data, "{}|ab|c|");
	/* one block per piece written, plus the one that saw EOF */
	ck_assert_int_eq(blocked, (int)(sizeof trickle / sizeof *trickle) + 1);
	sx_in_close(&in);
	sx_buf_free(&b);
	sx_in_before_block = NULL;
}
END_TEST

/* gzip through a pipe whose first inflated bytes are fewer than a BOM:
 * "\xEF\xBB" first, then the rest of the BOM and an empty line. */
START_TEST(pipe_gzip_bom_split)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	static unsigned char part1[256], part2[256];
	const char *a = "\xEF\xBB", *rest = "\xBF\nx\n";
	z.next_in = (Bytef *)(uintptr_t)a;
	z.avail_in = 2;
	z.next_out = part1;
	z.avail_out = sizeof part1;
	ck_assert_int_eq(deflate(&z, Z_SYNC_FLUSH), Z_OK);
	size_t n1 = sizeof part1 - z.avail_out;
	z.next_in = (Bytef *)(uintptr_t)rest;
	z.avail_in = (uInt)strlen(rest);
	z.next_out = part2;
	z.avail_out = sizeof part2;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t n2 = sizeof part2 - z.avail_out;
	deflateEnd(&z);

	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], part1, n1), (ssize_t)n1);
	pipe_w = fds[1];
	feed_data = (const char *)part2;
	feed_len = n2;
	sx_in_before_block = feed_on_block;
	struct sx_in in;
	ck_assert_int_eq(sx_in_fdopen(&in, fds[0], "pipe"), 0);
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp(&in, &b, 0), 0);
	ck_assert_str_eq(b.data, "|x|");
	ck_assert(in.gzip);
	sx_in_close(&in);
	sx_buf_free(&b);
	sx_in_before_block = NULL;
}
END_TEST

static int idle_calls;

static void on_idle(void *arg)
{
	ck_assert_ptr_eq(arg, &idle_calls);
	idle_calls++;
	if (idle_calls == 3) {
		ck_assert_int_eq(write(pipe_w, "late\n", 5), 5);
		close(pipe_w);
		pipe_w = -1;
	}
}

static void count_block(void)
{
	blocked++;
}

START_TEST(idle_callback_on_quiet_pipe)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pipe_w = fds[1];
	ck_assert_int_eq(write(fds[1], "first\n", 6), 6);
	sx_in_before_block = count_block;
	struct sx_in in;
	ck_assert_int_eq(sx_in_fdopen(&in, fds[0], "pipe"), 0);
	sx_in_set_idle(&in, 20, on_idle, &idle_calls);
	const char *l;
	size_t n;
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 5 && memcmp(l, "first", 5) == 0);
	ck_assert_int_eq(idle_calls, 0); /* data was ready: no idle tick */
	int64_t t0 = 0;
	{
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0 = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 4 && memcmp(l, "late", 4) == 0);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t waited = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - t0;
	ck_assert_int_eq(idle_calls, 3);
	ck_assert_int_ge(waited, 55); /* three quiet periods of 20 ms */
	/* before-block runs before the first wait and after every tick */
	ck_assert_int_ge(blocked, 4);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 0);
	ck_assert_int_eq(idle_calls, 3); /* EOF (POLLHUP) is not idleness */
	sx_in_close(&in);
	sx_in_before_block = NULL;
}
END_TEST

/* A followed file: at_eof says "try again" once after more bytes arrived. */
static int at_eof_calls;

static int append_once(struct sx_in *in, void *arg)
{
	(void)in;
	at_eof_calls++;
	if (at_eof_calls == 1) {
		FILE *f = fopen(arg, "ab");
		ck_assert_ptr_nonnull(f);
		fputs("more\n", f);
		fclose(f);
		return 1;
	}
	return 0;
}

START_TEST(at_eof_follow)
{
	const char *p = tu_path("follow.txt");
	tu_write_file(p, "one\n", 4);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	in.at_eof = append_once;
	in.at_eof_arg = (void *)p;
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp(&in, &b, 0), 0);
	ck_assert_str_eq(b.data, "one|more|");
	ck_assert_int_ge(at_eof_calls, 2);
	sx_in_close(&in);
	sx_buf_free(&b);
}
END_TEST

START_TEST(stdin_dash)
{
	const char *p = tu_path("stdin.txt");
	tu_write_file(p, "{\"s\":1}\n", 8);
	int fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 0), 0);
	close(fd);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, "-"), 0);
	ck_assert_str_eq(in.name, "-");
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp(&in, &b, 0), 0);
	ck_assert_str_eq(b.data, "{\"s\":1}|");
	sx_in_close(&in);
	/* closing the source does not close stdin itself */
	ck_assert_int_ne(fcntl(0, F_GETFD), -1);
	sx_buf_free(&b);
}
END_TEST

/* nonblock (sx-join's two inputs): where a read would block the reader
 * returns SX_IN_AGAIN at once, keeping a partial line, and never calls the
 * before-block hook; the first bytes (gzip magic, BOM) may come one by one. */
START_TEST(nonblock_pipe_returns_again)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	sx_in_before_block = count_block;
	blocked = 0;
	struct sx_in in;
	ck_assert_int_eq(sx_in_fdopen(&in, fds[0], "pipe"), 0);
	in.nonblock = 1;
	const char *l;
	size_t n;
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), SX_IN_AGAIN);
	ck_assert_int_eq(write(fds[1], "\xEF", 1), 1);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), SX_IN_AGAIN);
	ck_assert_int_eq(write(fds[1], "\xBB\xBF{\"a\"", 6), 6);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), SX_IN_AGAIN);
	ck_assert_int_eq(write(fds[1], ":1}\n{\"b\"", 8), 8);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 7 && memcmp(l, "{\"a\":1}", 7) == 0);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), SX_IN_AGAIN);
	ck_assert_int_eq(write(fds[1], ":2}", 3), 3);
	close(fds[1]);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 7 && memcmp(l, "{\"b\":2}", 7) == 0);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 0);
	ck_assert_int_eq(blocked, 0);
	ck_assert_uint_eq(in.lineno, 2);
	sx_in_close(&in);
	sx_in_before_block = NULL;
}
END_TEST

/* sx_in_open_nonblock on a FIFO returns before any writer opens it; until
 * one does, reads say SX_IN_AGAIN (not EOF); after the writer closes, EOF. */
START_TEST(nonblock_fifo_opens_without_writer)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", tu_path("fifo"));
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open_nonblock(&in, path), 0);
	const char *l;
	size_t n;
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), SX_IN_AGAIN);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), SX_IN_AGAIN);
	int w = open(path, O_WRONLY);
	ck_assert_int_ge(w, 0);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), SX_IN_AGAIN); /* a writer, no bytes yet */
	ck_assert_int_eq(write(w, "{\"a\":1}\n", 8), 8);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 1);
	ck_assert(n == 7 && memcmp(l, "{\"a\":1}", 7) == 0);
	close(w);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), 0);
	sx_in_close(&in);
}
END_TEST

/* The same with gzip: the magic arrives one byte at a time, the member in
 * two halves. */
START_TEST(nonblock_pipe_gzip_trickle)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	static unsigned char gz[512];
	const char *text = "{\"x\":1}\n{\"x\":2}\n";
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = gz;
	z.avail_out = sizeof gz;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t ngz = sizeof gz - z.avail_out;
	deflateEnd(&z);
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	struct sx_in in;
	ck_assert_int_eq(sx_in_fdopen(&in, fds[0], "pipe"), 0);
	in.nonblock = 1;
	const char *l;
	size_t n;
	ck_assert_int_eq(write(fds[1], gz, 1), 1);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), SX_IN_AGAIN);
	ck_assert_int_eq(write(fds[1], gz + 1, 1), 1);
	ck_assert_int_eq(sx_in_getline(&in, &l, &n), SX_IN_AGAIN);
	size_t half = ngz / 2;
	ck_assert_int_eq(write(fds[1], gz + 2, half - 2), (ssize_t)(half - 2));
	int r;
	while ((r = sx_in_getline(&in, &l, &n)) == 1)
		ck_assert(n == 7);
	ck_assert_int_eq(r, SX_IN_AGAIN);
	ck_assert(in.gzip);
	ck_assert_int_eq(write(fds[1], gz + half, ngz - half), (ssize_t)(ngz - half));
	close(fds[1]);
	int lines = 0;
	while ((r = sx_in_getline(&in, &l, &n)) == 1 || r == SX_IN_AGAIN)
		lines += r == 1;
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(in.lineno, 2);
	sx_in_close(&in);
}
END_TEST

/* A regular file never blocks: nonblock changes nothing. */
START_TEST(nonblock_regular_file)
{
	const char *p = tu_path("nb.txt");
	tu_write_file(p, "one\ntwo", 7);
	struct sx_in in;
	ck_assert_int_eq(sx_in_open(&in, p), 0);
	in.nonblock = 1;
	struct sx_buf b = SX_BUF_INIT;
	ck_assert_int_eq(slurp(&in, &b, 0), 0);
	ck_assert_str_eq(b.data, "one|two|");
	sx_in_close(&in);
	sx_buf_free(&b);
}
END_TEST

Suite *sx_in_suite(void)
{
	Suite *s = suite_create("sx_in");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, plain_lines_and_numbers);
	tcase_add_test(tc, gzip_file);
	tcase_add_test(tc, gzip_concatenated_members);
	tcase_add_test(tc, gzip_empty_member_only);
	tcase_add_test(tc, gzip_truncated_is_error);
	tcase_add_test(tc, gzip_corrupt_is_error);
	tcase_add_test(tc, gzip_trailing_zeros_and_garbage);
	tcase_add_test(tc, pieces_of_a_long_line);
	tcase_add_test(tc, peek_nonblank);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, last_line_without_newline);
	tcase_add_test(tc, crlf);
	tcase_add_test(tc, getrawline_keeps_terminators);
	tcase_add_test(tc, bom_skipped_only_at_start);
	tcase_add_test(tc, bom_offsets_and_lines);
	tcase_add_test(tc, line_of_10mb);
	tcase_add_test(tc, line_of_10mb_gzip);
	tcase_add_test(tc, lines_across_blocks);
	tcase_add_test(tc, chunks);
	tcase_add_test(tc, pipe_from_child);
	tcase_add_test(tc, pipe_trickle_and_before_block);
	tcase_add_test(tc, pipe_gzip_bom_split);
	tcase_add_test(tc, idle_callback_on_quiet_pipe);
	tcase_add_test(tc, at_eof_follow);
	tcase_add_test(tc, stdin_dash);
	tcase_add_test(tc, nonblock_pipe_returns_again);
	tcase_add_test(tc, nonblock_fifo_opens_without_writer);
	tcase_add_test(tc, nonblock_pipe_gzip_trickle);
	tcase_add_test(tc, nonblock_regular_file);
	tcase_add_test(tc, at_eof_hook_sees_the_unfinished_line);
	suite_add_tcase(s, tc);
	return s;
}
