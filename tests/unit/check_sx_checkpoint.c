/* Unit tests for common/sx_checkpoint.c */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "sx_checkpoint.h"
#include "sx_err.h"
#include "testutil.h"

static struct stat fake_stat(uint64_t dev, uint64_t ino, uint64_t size)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_dev = (dev_t)dev;
	st.st_ino = (ino_t)ino;
	st.st_size = (off_t)size;
	return st;
}

START_TEST(missing_file_is_empty)
{
	struct sx_ckpt c;
	ck_assert_int_eq(sx_ckpt_load(&c, tu_path("none.ckpt"), 0), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_ptr_null(sx_ckpt_find(&c, "/x"));
	struct stat st = fake_stat(1, 2, 3);
	uint64_t skip = 99;
	ck_assert_int_eq(sx_ckpt_resume(&c, "/x", &st, &skip), 0);
	ck_assert_uint_eq(skip, 0);
	sx_ckpt_free(&c);
}
END_TEST

START_TEST(round_trip)
{
	char file[600];
	snprintf(file, sizeof file, "%s", tu_path("in.ckpt"));
	struct sx_ckpt c;
	ck_assert_int_eq(sx_ckpt_load(&c, file, 0), 0);
	struct stat a = fake_stat(2049, 1234567, 5000);
	struct stat b = fake_stat(2049, 7654321, UINT64_C(5000000000)); /* > 4 GiB */
	struct sx_ckpt_entry *e = sx_ckpt_track(&c, "/data/a.csv", &a);
	e->offset = 4000;
	e->line = 40;
	e = sx_ckpt_track(&c, "/data/b \"quoted\" \xc3\xa9.ndjson.gz", &b);
	e->offset = UINT64_C(12000000000);
	e->line = 99;
	e->size = (uint64_t)b.st_size;
	e->done = 1;
	e->tail_rejected = 1;
	ck_assert_int_eq(sx_ckpt_save(&c), 0);
	sx_ckpt_free(&c);
	ck_assert_uint_eq(c.n, 0);

	/* the file is one JSON document, version 1, ending with a newline */
	size_t len;
	char *text = tu_read_file(file, &len);
	ck_assert(len > 0 && text[len - 1] == '\n');
	json_error_t err;
	json_t *root = json_loads(text, 0, &err);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "version")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "files")), 2);
	json_decref(root);
	free(text);

	struct sx_ckpt d;
	ck_assert_int_eq(sx_ckpt_load(&d, file, 0), 0);
	ck_assert_uint_eq(d.n, 2);
	e = sx_ckpt_find(&d, "/data/a.csv");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->dev, 2049);
	ck_assert_uint_eq(e->ino, 1234567);
	ck_assert_uint_eq(e->offset, 4000);
	ck_assert_uint_eq(e->line, 40);
	ck_assert_uint_eq(e->size, 0);
	ck_assert_int_eq(e->done, 0);
	e = sx_ckpt_find(&d, "/data/b \"quoted\" \xc3\xa9.ndjson.gz");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->offset, UINT64_C(12000000000));
	ck_assert_uint_eq(e->size, UINT64_C(5000000000));
	ck_assert_int_eq(e->done, 1);
	ck_assert_int_eq(e->tail_rejected, 1);
	ck_assert_int_eq(sx_ckpt_find(&d, "/data/a.csv")->tail_rejected, 0);
	sx_ckpt_free(&d);
}
END_TEST

START_TEST(resume_decisions)
{
	struct sx_ckpt c;
	ck_assert_int_eq(sx_ckpt_load(&c, tu_path("r.ckpt"), 0), 0);
	struct stat st = fake_stat(1, 10, 1000);
	struct sx_ckpt_entry *e = sx_ckpt_track(&c, "/f", &st);
	e->offset = 1000;
	e->size = 1000;
	e->done = 1;
	uint64_t skip = 99;
	/* the same file, unchanged and read to the end: nothing new */
	ck_assert_int_eq(sx_ckpt_resume(&c, "/f", &st, &skip), 1);
	/* grown: continue at the offset */
	struct stat grown = fake_stat(1, 10, 1500);
	ck_assert_int_eq(sx_ckpt_resume(&c, "/f", &grown, &skip), 0);
	ck_assert_uint_eq(skip, 1000);
	/* another file under the name (rotation), or shrunk (truncated): from the start */
	struct stat other = fake_stat(1, 11, 1500);
	skip = 99;
	ck_assert_int_eq(sx_ckpt_resume(&c, "/f", &other, &skip), 0);
	ck_assert_uint_eq(skip, 0);
	struct stat other_dev = fake_stat(2, 10, 1500);
	skip = 99;
	ck_assert_int_eq(sx_ckpt_resume(&c, "/f", &other_dev, &skip), 0);
	ck_assert_uint_eq(skip, 0);
	struct stat shrunk = fake_stat(1, 10, 10);
	skip = 99;
	ck_assert_int_eq(sx_ckpt_resume(&c, "/f", &shrunk, &skip), 0);
	ck_assert_uint_eq(skip, 0);
	/* an interrupted read (not done) resumes at its offset */
	e->done = 0;
	e->offset = 400;
	ck_assert_int_eq(sx_ckpt_resume(&c, "/f", &st, &skip), 0);
	ck_assert_uint_eq(skip, 400);
	sx_ckpt_free(&c);
}
END_TEST

START_TEST(track_resets_a_different_file)
{
	struct sx_ckpt c;
	ck_assert_int_eq(sx_ckpt_load(&c, tu_path("t.ckpt"), 0), 0);
	struct stat st = fake_stat(1, 10, 1000);
	struct sx_ckpt_entry *e = sx_ckpt_track(&c, "/f", &st);
	e->offset = 700;
	e->line = 7;
	e->size = 1000;
	e->done = 1;
	/* the same file again: kept, but no longer done */
	e = sx_ckpt_track(&c, "/f", &st);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(e->offset, 700);
	ck_assert_uint_eq(e->line, 7);
	ck_assert_int_eq(e->done, 0);
	/* a new inode under the name: starts over, same entry */
	struct stat other = fake_stat(1, 12, 50);
	e = sx_ckpt_track(&c, "/f", &other);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(e->ino, 12);
	ck_assert_uint_eq(e->offset, 0);
	ck_assert_uint_eq(e->line, 0);
	ck_assert_uint_eq(e->size, 0);
	/* many files: the array grows, entries stay findable */
	char name[32];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "/g/%d", i);
		struct stat s = fake_stat(1, (uint64_t)(100 + i), 1);
		sx_ckpt_track(&c, name, &s)->offset = (uint64_t)i;
	}
	ck_assert_uint_eq(c.n, 101);
	ck_assert_uint_eq(sx_ckpt_find(&c, "/g/77")->offset, 77);
	sx_ckpt_free(&c);
}
END_TEST

/* Load FILE holding TEXT: must fail with "FILE: not a valid checkpoint
 * file (WHY)", before any entry is kept. */
static void assert_rejected(const char *file, const char *text, const char *why)
{
	tu_write_file(file, text, strlen(text));
	struct sx_ckpt c;
	int saved = tu_capture_stderr("err.txt");
	int r = sx_ckpt_load(&c, file, 0);
	tu_restore_stderr(saved);
	ck_assert_msg(r == -1, "'%s' loaded", text);
	ck_assert_uint_eq(c.n, 0);
	sx_ckpt_free(&c);
	char *err = tu_slurp("err.txt");
	char want[1000];
	snprintf(want, sizeof want, "sx-ingest: %s: not a valid checkpoint file (%s)\n", file, why);
	ck_assert_msg(strcmp(err, want) == 0, "'%s': got %s", text, err);
	free(err);
}

START_TEST(corrupt_files_are_errors)
{
	sx_set_progname("sx-ingest");
	static const char *const bad[] = { "{\"files\": [", "garbage", "[]", "{\"version\":1}",
					   "{\"files\":{}}", "" };
	char file[600];
	snprintf(file, sizeof file, "%s", tu_path("bad.ckpt"));
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		tu_write_file(file, bad[i], strlen(bad[i]));
		struct sx_ckpt c;
		int saved = tu_capture_stderr("err.txt");
		int r = sx_ckpt_load(&c, file, 0);
		tu_restore_stderr(saved);
		ck_assert_msg(r == -1, "'%s' loaded", bad[i]);
		ck_assert_uint_eq(c.n, 0);
		sx_ckpt_free(&c);
		char *err = tu_slurp("err.txt");
		char want[700];
		snprintf(want, sizeof want, "sx-ingest: %s: not a valid checkpoint file (", file);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);
		free(err);
	}
}
END_TEST

/* Issue 12, item 11: entries were taken on trust (no path: ignored; a bad
 * number: 0), so a damaged checkpoint silently skipped or re-emitted data. */
START_TEST(test_defect_damaged_checkpoint_is_trusted)
{
	sx_set_progname("sx-ingest");
	char file[600];
	snprintf(file, sizeof file, "%s", tu_path("bad.ckpt"));
#define ENTRY(extra) "{\"version\":1,\"files\":[{\"path\":\"/a\",\"dev\":1,\"ino\":2,\"size\":9," \
		     "\"offset\":9,\"line\":2,\"done\":true},{\"path\":\"/b\"" extra "}]}"
#define FULL ",\"dev\":1,\"ino\":3,\"size\":0,\"offset\":5,\"line\":1,\"done\":false"
	assert_rejected(file, ENTRY(FULL ",\"x\":1"), "files[1]: unknown field \"x\"");
	assert_rejected(file, ENTRY(",\"dev\":1,\"ino\":3,\"size\":0,\"line\":1,\"done\":false"),
			"files[1]: \"offset\" is not a non-negative integer");
	assert_rejected(file, ENTRY(",\"dev\":1,\"ino\":3,\"size\":0,\"offset\":-5,\"line\":1,\"done\":false"),
			"files[1]: \"offset\" is not a non-negative integer");
	assert_rejected(file, ENTRY(",\"dev\":1,\"ino\":\"3\",\"size\":0,\"offset\":5,\"line\":1,\"done\":false"),
			"files[1]: \"ino\" is not a non-negative integer");
	assert_rejected(file, ENTRY(",\"dev\":1,\"ino\":3,\"size\":0,\"offset\":5,\"line\":1,\"done\":1"),
			"files[1]: \"done\" is not true or false");
	assert_rejected(file, ENTRY(FULL ",\"tail_rejected\":\"yes\""),
			"files[1]: \"tail_rejected\" is not true or false");
	assert_rejected(file, ENTRY(",\"dev\":1,\"ino\":3,\"size\":0,\"offset\":5,\"line\":6,\"done\":false"),
			"files[1]: \"line\" is beyond \"offset\"");
	assert_rejected(file, "{\"version\":1,\"files\":[{\"nopath\":1}]}",
			"files[0]: \"path\" is not an absolute path");
	assert_rejected(file, "{\"version\":1,\"files\":[7]}", "files[0]: not an object");
	assert_rejected(file, "{\"version\":1,\"files\":[{\"path\":\"rel\"" FULL "}]}",
			"files[0]: \"path\" is not an absolute path");
	assert_rejected(file, "{\"version\":1,\"files\":[{\"path\":\"/a\"" FULL "},{\"path\":\"/a\"" FULL "}]}",
			"files[1]: /a is listed twice");
	assert_rejected(file, "{\"version\":2,\"files\":[]}", "\"version\" is not 1");
	assert_rejected(file, "{\"version\":1,\"files\":[],\"more\":0}",
			"unknown fields beside \"version\" and \"files\"");
	assert_rejected(file, "{\"version\":1,\"version\":1,\"files\":[]}",
			"line 1: duplicate object key near '\"version\"'");
	/* a torn write (cut short): the JSON parser says where */
	const char *whole = ENTRY(FULL);
	char cut[400];
	snprintf(cut, sizeof cut, "%.*s", (int)(strlen(whole) - 20), whole);
	tu_write_file(file, cut, strlen(cut));
	struct sx_ckpt c;
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(sx_ckpt_load(&c, file, 0), -1);
	tu_restore_stderr(saved);
	sx_ckpt_free(&c);
	/* the same entries whole load */
	tu_write_file(file, whole, strlen(whole));
	ck_assert_int_eq(sx_ckpt_load(&c, file, 0), 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(sx_ckpt_find(&c, "/b")->offset, 5);
	sx_ckpt_free(&c);
#undef ENTRY
#undef FULL
}
END_TEST

static int path_has_odd_number(struct sx_ckpt_entry *e, void *arg)
{
	(*(int *)arg)++;
	return (atoi(strrchr(e->path, '/') + 1) & 1) == 1;
}

/* Issue 12, item 5: entries for deleted files were kept for ever; prune
 * drops some and leaves the others findable, in order, growable. */
START_TEST(test_defect_checkpoint_grows_without_bound)
{
	struct sx_ckpt c;
	ck_assert_int_eq(sx_ckpt_load(&c, tu_path("p.ckpt"), 0), 0);
	char name[32];
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof name, "/l/%d", i);
		struct stat s = fake_stat(1, (uint64_t)(100 + i), 10);
		sx_ckpt_track(&c, name, &s)->offset = (uint64_t)i;
	}
	int calls = 0;
	ck_assert_uint_eq(sx_ckpt_prune(&c, path_has_odd_number, &calls), 25);
	ck_assert_int_eq(calls, 50);
	ck_assert_uint_eq(c.n, 25);
	ck_assert_ptr_null(sx_ckpt_find(&c, "/l/7"));
	ck_assert_uint_eq(sx_ckpt_find(&c, "/l/48")->offset, 48);
	ck_assert_str_eq(c.e[3].path, "/l/6");
	/* a new entry after a prune is found under its own number */
	struct stat s = fake_stat(1, 999, 1);
	sx_ckpt_track(&c, "/l/new", &s)->offset = 5;
	ck_assert_uint_eq(sx_ckpt_find(&c, "/l/new") - c.e, 25);
	ck_assert_uint_eq(sx_ckpt_find(&c, "/l/new")->offset, 5);
	/* nothing to drop: nothing changes */
	calls = 0;
	ck_assert_uint_eq(sx_ckpt_prune(&c, path_has_odd_number, &calls), 0);
	ck_assert_uint_eq(c.n, 26);
	sx_ckpt_free(&c);
}
END_TEST

/* Issue 12, item 11: a file truncated and written again in place was taken
 * for one that grew.  The fingerprint of its first bytes tells them apart;
 * it round-trips through the file, and is checked at load. */
START_TEST(test_defect_rewritten_file_taken_for_grown)
{
	sx_set_progname("sx-ingest");
	char data[20000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)('a' + i % 26);
	char src[600];
	snprintf(src, sizeof src, "%s", tu_path("src.txt"));
	tu_write_file(src, data, sizeof data);
	int fd = open(src, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	uint64_t lens[] = { 1, 100, 4096, 5000, 8192, 8193, 19999 };
	for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
		uint64_t a, b;
		ck_assert_int_eq(sx_ckpt_fingerprint(fd, src, lens[k], &a), 0);
		ck_assert_int_eq(sx_ckpt_fingerprint(fd, src, lens[k], &b), 0);
		ck_assert_uint_eq(a, b);
		/* one byte changed in the first or the last 4 KiB of LEN: another one */
		uint64_t at[] = { 0, lens[k] - 1 };
		for (int w = 0; w < 2; w++) {
			data[at[w]] ^= 1;
			tu_write_file(src, data, sizeof data);
			ck_assert_int_eq(sx_ckpt_fingerprint(fd, src, lens[k], &b), 0);
			ck_assert_msg(a != b, "len %d, byte %d", (int)lens[k], (int)at[w]);
			data[at[w]] ^= 1;
			tu_write_file(src, data, sizeof data);
		}
		/* bytes after LEN do not count: the file grew */
		data[lens[k]] ^= 1;
		tu_write_file(src, data, sizeof data);
		ck_assert_int_eq(sx_ckpt_fingerprint(fd, src, lens[k], &b), 0);
		ck_assert_uint_eq(a, b);
		data[lens[k]] ^= 1;
		tu_write_file(src, data, sizeof data);
	}
	/* the file cut shorter than LEN: another fingerprint */
	uint64_t a, b;
	ck_assert_int_eq(sx_ckpt_fingerprint(fd, src, 10000, &a), 0);
	tu_write_file(src, data, 9000);
	ck_assert_int_eq(sx_ckpt_fingerprint(fd, src, 10000, &b), 0);
	ck_assert_uint_ne(a, b);
	close(fd);

	char file[600];
	snprintf(file, sizeof file, "%s", tu_path("fp.ckpt"));
	struct sx_ckpt c;
	ck_assert_int_eq(sx_ckpt_load(&c, file, 0), 0);
	struct stat st = fake_stat(1, 2, 3);
	struct sx_ckpt_entry *e = sx_ckpt_track(&c, "/f", &st);
	e->fp_len = 10000;
	e->fp = UINT64_C(0xfedcba9876543210);
	ck_assert_int_eq(sx_ckpt_save(&c), 0);
	sx_ckpt_free(&c);
	ck_assert_int_eq(sx_ckpt_load(&c, file, 0), 0);
	ck_assert_uint_eq(sx_ckpt_find(&c, "/f")->fp_len, 10000);
	ck_assert_uint_eq(sx_ckpt_find(&c, "/f")->fp, UINT64_C(0xfedcba9876543210));
	/* a new identity forgets it */
	struct stat other = fake_stat(1, 3, 3);
	ck_assert_uint_eq(sx_ckpt_track(&c, "/f", &other)->fp_len, 0);
	sx_ckpt_free(&c);
#define E(x) "{\"version\":1,\"files\":[{\"path\":\"/a\",\"dev\":1,\"ino\":2,\"size\":9," \
	     "\"offset\":9,\"line\":2,\"done\":true" x "}]}"
	assert_rejected(file, E(",\"fp_len\":9,\"fp\":\"12\""), "files[0]: \"fp\" is not 16 hexadecimal digits");
	assert_rejected(file, E(",\"fp_len\":9,\"fp\":\"0123456789ABCDEF\""),
			"files[0]: \"fp\" is not 16 hexadecimal digits");
	assert_rejected(file, E(",\"fp_len\":0,\"fp\":\"0123456789abcdef\""),
			"files[0]: \"fp_len\" is not a positive integer");
	assert_rejected(file, E(",\"fp_len\":9"), "files[0]: \"fp_len\" and \"fp\" go together");
#undef E
}
END_TEST

/* Two runs on one checkpoint (an overlapping cron job) emitted the same
 * records twice and wrote the checkpoint together: the second is refused. */
START_TEST(test_defect_checkpoint_shared_by_two_runs)
{
	sx_set_progname("sx-ingest");
	char file[600];
	snprintf(file, sizeof file, "%s", tu_path("l.ckpt"));
	struct sx_ckpt a, b;
	ck_assert_int_eq(sx_ckpt_load(&a, file, 0), 0);
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(sx_ckpt_load(&b, file, 0), -1);
	tu_restore_stderr(saved);
	sx_ckpt_free(&b);
	char *err = tu_slurp("err.txt");
	char want[1400];
	snprintf(want, sizeof want, "sx-ingest: --checkpoint %s: another run is using it (%s.lock is locked)\n",
		 file, file);
	ck_assert_str_eq(err, want);
	free(err);
	sx_ckpt_free(&a);
	ck_assert_int_eq(sx_ckpt_load(&b, file, 0), 0);
	sx_ckpt_free(&b);
}
END_TEST

START_TEST(defer_and_no_file)
{
	char file[600], pend[700];
	snprintf(file, sizeof file, "%s", tu_path("d.ckpt"));
	snprintf(pend, sizeof pend, "%s.pending", file);
	struct sx_ckpt c;
	ck_assert_int_eq(sx_ckpt_load(&c, file, 1), 0);
	struct stat st = fake_stat(1, 1, 1);
	sx_ckpt_track(&c, "/x", &st);
	ck_assert_int_eq(sx_ckpt_save(&c), 0);
	ck_assert(!tu_exists(file));
	ck_assert(tu_exists(pend));
	sx_ckpt_free(&c);
	/* without --checkpoint, save does nothing */
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(sx_ckpt_save(&c), 0);
	/* an unwritable place is an error */
	char nodir[600];
	snprintf(nodir, sizeof nodir, "%s", tu_path("nodir/x.ckpt"));
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(sx_ckpt_load(&c, nodir, 0), -1);
	tu_restore_stderr(saved);
	char *err = tu_slurp("err.txt");
	ck_assert_ptr_nonnull(strstr(err, "cannot write in"));
	free(err);
	sx_ckpt_free(&c);
	/* ... and so is a failing write (the folder went away since) */
	char gone[600];
	snprintf(gone, sizeof gone, "%s", tu_path("gone"));
	ck_assert_int_eq(mkdir(gone, 0755), 0);
	char inside[700];
	snprintf(inside, sizeof inside, "%s/x.ckpt", gone);
	ck_assert_int_eq(sx_ckpt_load(&c, inside, 0), 0);
	char lock[800];
	snprintf(lock, sizeof lock, "%s.lock", inside);
	ck_assert_int_eq(unlink(lock), 0);
	ck_assert_int_eq(rmdir(gone), 0);
	saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(sx_ckpt_save(&c), -1);
	tu_restore_stderr(saved);
	sx_ckpt_free(&c);
}
END_TEST

Suite *sx_checkpoint_suite(void)
{
	Suite *s = suite_create("sx_checkpoint");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_test(tc, missing_file_is_empty);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, resume_decisions);
	tcase_add_test(tc, track_resets_a_different_file);
	tcase_add_test(tc, corrupt_files_are_errors);
	tcase_add_test(tc, test_defect_damaged_checkpoint_is_trusted);
	tcase_add_test(tc, defer_and_no_file);
	tcase_add_test(tc, test_defect_checkpoint_grows_without_bound);
	tcase_add_test(tc, test_defect_rewritten_file_taken_for_grown);
	tcase_add_test(tc, test_defect_checkpoint_shared_by_two_runs);
	suite_add_tcase(s, tc);
	return s;
}
