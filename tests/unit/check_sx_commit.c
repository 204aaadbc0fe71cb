/* Unit tests for common/sx_commit.c */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "sx_buf.h"
#include "sx_commit.h"
#include "sx_err.h"
#include "testutil.h"

/* tu_dir/NAME in a buffer the caller owns. */
static void at(char *dst, const char *name)
{
	snprintf(dst, 600, "%s", tu_path(name));
}

static char *load(const char *path, int *rc)
{
	char *data = NULL;
	size_t len = 0;
	*rc = sx_commit_load(path, &data, &len);
	if (*rc == 1)
		ck_assert_uint_eq(strlen(data), len);
	return data;
}

static void assert_loads(const char *path, const char *want)
{
	int rc;
	char *data = load(path, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_str_eq(data, want);
	free(data);
}

/* No *.tmp, *.journal or *.commit-ref left in tu_dir. */
static void assert_no_debris(void)
{
	DIR *d = opendir(tu_dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		ck_assert_msg(!strstr(n, ".tmp") && !strstr(n, ".journal") && !strstr(n, ".commit-ref"),
			      "left behind: %s", n);
	}
	closedir(d);
}

START_TEST(write_and_load)
{
	char p[600];
	at(p, "state.json");
	int rc;
	ck_assert_ptr_null(load(p, &rc));
	ck_assert_int_eq(rc, 0); /* no file yet */
	ck_assert_int_eq(sx_commit_write(p, "{\"v\":1}\n", 8, 0), 0);
	assert_loads(p, "{\"v\":1}\n");
	/* an empty file loads as "" (not "no file") */
	ck_assert_int_eq(sx_commit_write(p, "", 0, 0), 0);
	assert_loads(p, "");
	assert_no_debris();
}
END_TEST

/* The new version is renamed over the old: a reader that opened the old one
 * keeps reading all of it, never a mix. */
START_TEST(write_is_atomic_replace)
{
	char p[600];
	at(p, "state.json");
	ck_assert_int_eq(sx_commit_write(p, "old contents", 12, 0), 0);
	ino_t before = tu_inode(p);
	int fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sx_commit_write(p, "new", 3, 0), 0);
	ck_assert(tu_inode(p) != before);
	char buf[32] = "";
	ck_assert_int_eq(read(fd, buf, sizeof buf - 1), 12);
	ck_assert_str_eq(buf, "old contents");
	close(fd);
	assert_loads(p, "new");
	/* a stale .tmp from a crash mid-write does not matter */
	char t[700];
	snprintf(t, sizeof t, "%s.tmp", p);
	tu_write_file(t, "torn", 4);
	assert_loads(p, "new");
	ck_assert_int_eq(sx_commit_write(p, "newer", 5, 0), 0);
	assert_loads(p, "newer");
	ck_assert(!tu_exists(t));
}
END_TEST

START_TEST(defer_writes_pending_only)
{
	char p[600], pend[700];
	at(p, "ckpt");
	snprintf(pend, sizeof pend, "%s.pending", p);
	ck_assert_int_eq(sx_commit_write(p, "v1", 2, 0), 0);
	ck_assert_int_eq(sx_commit_write(p, "v2", 2, 1), 0);
	assert_loads(p, "v1");            /* the committed version is unchanged */
	tu_assert_file_eq("ckpt.pending", "v2");
	ck_assert_int_eq(sx_commit_write(p, "v3", 2, 1), 0); /* a later run replaces it */
	tu_assert_file_eq("ckpt.pending", "v3");
	char *paths[] = { p };
	ck_assert_int_eq(sx_commit_promote(paths, 1), 0);
	assert_loads(p, "v3");
	ck_assert(!tu_exists(pend));
	assert_no_debris();
}
END_TEST

START_TEST(promote_several_all_or_nothing)
{
	char a[600], b[600], c[600];
	at(a, "a.ckpt");
	at(b, "b.state");
	at(c, "c.state");
	char *paths[] = { a, b, c };
	ck_assert_int_eq(sx_commit_write(a, "a1", 2, 0), 0);
	ck_assert_int_eq(sx_commit_write(a, "a2", 2, 1), 0);
	ck_assert_int_eq(sx_commit_write(b, "b2", 2, 1), 0); /* b has no committed version yet */
	/* c has nothing pending: nothing is promoted */
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(sx_commit_promote(paths, 3), -1);
	tu_restore_stderr(saved);
	char *err = tu_slurp("err.txt");
	ck_assert_ptr_nonnull(strstr(err, "c.state: nothing to commit (no "));
	free(err);
	assert_loads(a, "a1");
	ck_assert(!tu_exists(b));
	tu_assert_file_eq("a.ckpt.pending", "a2");
	tu_assert_file_eq("b.state.pending", "b2");
	assert_no_debris();
	/* with everything pending, all three move */
	ck_assert_int_eq(sx_commit_write(c, "c2", 2, 1), 0);
	ck_assert_int_eq(sx_commit_promote(paths, 3), 0);
	assert_loads(a, "a2");
	assert_loads(b, "b2");
	assert_loads(c, "c2");
	ck_assert(!tu_exists(tu_path("a.ckpt.pending")));
	ck_assert(!tu_exists(tu_path("b.state.pending")));
	ck_assert(!tu_exists(tu_path("c.state.pending")));
	assert_no_debris();
	/* promoting again: nothing pending is an error, the files stay */
	saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(sx_commit_promote(paths, 3), -1);
	ck_assert_int_eq(sx_commit_promote(paths, 0), -1);
	tu_restore_stderr(saved);
	assert_loads(a, "a2");
}
END_TEST

/* Relative paths are journalled as absolute ones. */
START_TEST(promote_relative_paths)
{
	ck_assert_int_eq(chdir(tu_dir), 0);
	ck_assert_int_eq(mkdir("sub", 0755), 0);
	ck_assert_int_eq(sx_commit_write("x.ckpt", "x", 1, 1), 0);
	ck_assert_int_eq(sx_commit_write("sub/y.state", "y", 1, 1), 0);
	char *paths[] = { "x.ckpt", "sub/y.state" };
	ck_assert_int_eq(sx_commit_promote(paths, 2), 0);
	assert_loads("x.ckpt", "x");
	assert_loads("sub/y.state", "y");
	ck_assert(!tu_exists("sub/y.state.commit-ref"));
	ck_assert(!tu_exists("x.ckpt.journal"));
}
END_TEST

/* The state promote leaves when it crashes right after writing the journal
 * (the commit point): pendings, a journal beside the first file, a pointer
 * beside each other one.  Made by hand, in the documented format. */
static void crash_after_journal(const char *a, const char *b, int a_already_renamed)
{
	char pa[700], pb[700], journal[700], ref[700];
	snprintf(pa, sizeof pa, "%s.pending", a);
	snprintf(pb, sizeof pb, "%s.pending", b);
	snprintf(journal, sizeof journal, "%s.journal", a);
	snprintf(ref, sizeof ref, "%s.commit-ref", b);
	tu_write_file(a, "a-old", 5);
	tu_write_file(b, "b-old", 5);
	tu_write_file(pa, "a-new", 5);
	tu_write_file(pb, "b-new", 5);
	struct sx_buf j = SX_BUF_INIT;
	sx_buf_printf(&j, "%ju %s\n%ju %s\n", (uintmax_t)tu_inode(pa), a, (uintmax_t)tu_inode(pb), b);
	tu_write_file(journal, j.data, j.len);
	sx_buf_free(&j);
	struct sx_buf r = SX_BUF_INIT;
	sx_buf_printf(&r, "%s\n", journal);
	tu_write_file(ref, r.data, r.len);
	sx_buf_free(&r);
	if (a_already_renamed)
		ck_assert_int_eq(rename(pa, a), 0);
}

START_TEST(crash_after_journal_rolls_forward_from_any_file)
{
	char a[600], b[600];
	at(a, "a.ckpt");
	at(b, "b.state");
	/* loading the second file finishes the whole commit */
	crash_after_journal(a, b, 0);
	assert_loads(b, "b-new");
	assert_loads(a, "a-new");
	ck_assert(!tu_exists(tu_path("a.ckpt.pending")) && !tu_exists(tu_path("b.state.pending")));
	assert_no_debris();
	/* and loading the first one does too */
	crash_after_journal(a, b, 0);
	assert_loads(a, "a-new");
	assert_loads(b, "b-new");
	assert_no_debris();
	/* a crash halfway through the renames */
	crash_after_journal(a, b, 1);
	assert_loads(b, "b-new");
	assert_loads(a, "a-new");
	assert_no_debris();
}
END_TEST

/* Crash after all renames but before the journal was removed; then a new run
 * wrote a newer pending.  Loading must not promote it: it was never
 * committed (the journal names the old inode). */
START_TEST(newer_pending_after_crash_is_not_promoted)
{
	char a[600], b[600], pb[700];
	at(a, "a.ckpt");
	at(b, "b.state");
	snprintf(pb, sizeof pb, "%s.pending", b);
	crash_after_journal(a, b, 1);
	ck_assert_int_eq(rename(pb, b), 0);   /* both renamed, journal still there */
	ck_assert_int_eq(sx_commit_write(b, "b-newer", 7, 1), 0);
	assert_loads(a, "a-new");
	assert_loads(b, "b-new");
	tu_assert_file_eq("b.state.pending", "b-newer");
	assert_no_debris();
	/* it is promoted by its own commit */
	ck_assert_int_eq(sx_commit_write(a, "a-newer", 7, 1), 0);
	char *paths[] = { a, b };
	ck_assert_int_eq(sx_commit_promote(paths, 2), 0);
	assert_loads(a, "a-newer");
	assert_loads(b, "b-newer");
}
END_TEST

/* A crash before the journal existed: pointers name a journal that is not
 * there.  Nothing is promoted; the stale pointer goes away. */
START_TEST(crash_before_journal_changes_nothing)
{
	char a[600], b[600], ref[700];
	at(a, "a.ckpt");
	at(b, "b.state");
	crash_after_journal(a, b, 0);
	snprintf(ref, sizeof ref, "%s.journal", a);
	ck_assert_int_eq(unlink(ref), 0);
	assert_loads(b, "b-old");
	assert_loads(a, "a-old");
	tu_assert_file_eq("a.ckpt.pending", "a-new");
	tu_assert_file_eq("b.state.pending", "b-new");
	assert_no_debris();
}
END_TEST

START_TEST(promote_finishes_an_interrupted_commit_first)
{
	char a[600], b[600];
	at(a, "a.ckpt");
	at(b, "b.state");
	crash_after_journal(a, b, 0);
	/* --commit run again after the crash: finishing the journalled
	 * commit is the whole job, so it succeeds and says so */
	char *paths[] = { a, b };
	sx_set_progname("sx-test");
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(sx_commit_promote(paths, 2), 0);
	tu_restore_stderr(saved);
	char *err = tu_slurp("err.txt");
	ck_assert_str_eq(err, "sx-test: finished an interrupted commit; nothing else to commit\n");
	free(err);
	assert_loads(a, "a-new");
	assert_loads(b, "b-new");
	assert_no_debris();
}
END_TEST

START_TEST(errors_are_reported)
{
	sx_set_progname("sx-test");
	char p[600], f[600];
	at(p, "no-such-dir/state.json");
	at(f, "plain-file");
	tu_write_file(f, "x", 1);
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(sx_commit_write(p, "x", 1, 0), -1);
	ck_assert_int_eq(sx_commit_write(p, "x", 1, 1), -1);
	char under[700];
	snprintf(under, sizeof under, "%s/state.json", f); /* a path through a regular file */
	int rc;
	ck_assert_ptr_null(load(under, &rc));
	ck_assert_int_eq(rc, -1);
	/* a directory where the file should be */
	char d[600];
	at(d, "adir");
	ck_assert_int_eq(mkdir(d, 0755), 0);
	ck_assert_ptr_null(load(d, &rc));
	ck_assert_int_eq(rc, -1);
	char *paths[] = { under };
	ck_assert_int_eq(sx_commit_promote(paths, 1), -1);
	tu_restore_stderr(saved);
	char *err = tu_slurp("err.txt");
	ck_assert_ptr_nonnull(strstr(err, "sx-test: "));
	ck_assert_ptr_nonnull(strstr(err, "no-such-dir/state.json.tmp: No such file or directory\n"));
	ck_assert_ptr_nonnull(strstr(err, "no-such-dir/state.json.pending.tmp: No such file or directory\n"));
	ck_assert_ptr_nonnull(strstr(err, "plain-file/state.json"));
	ck_assert_ptr_nonnull(strstr(err, "Not a directory"));
	ck_assert_ptr_nonnull(strstr(err, "Is a directory"));
	free(err);
	ck_assert(!tu_exists(tu_path("no-such-dir")));
}
END_TEST

/* An unreadable or unwritable directory (only testable when not root). */
START_TEST(permission_errors)
{
	if (geteuid() == 0)
		return;
	char d[600], p[700];
	at(d, "ro");
	ck_assert_int_eq(mkdir(d, 0755), 0);
	snprintf(p, sizeof p, "%s/state", d);
	ck_assert_int_eq(sx_commit_write(p, "v1", 2, 0), 0);
	ck_assert_int_eq(chmod(d, 0555), 0);
	int saved = tu_capture_stderr("err.txt");
	ck_assert_int_eq(sx_commit_write(p, "v2", 2, 0), -1);
	tu_restore_stderr(saved);
	assert_loads(p, "v1");
	ck_assert_int_eq(chmod(d, 0), 0);
	int rc;
	saved = tu_capture_stderr("err.txt");
	ck_assert_ptr_null(load(p, &rc));
	tu_restore_stderr(saved);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(chmod(d, 0755), 0);
	char *err = tu_slurp("err.txt");
	ck_assert_ptr_nonnull(strstr(err, "Permission denied"));
	free(err);
}
END_TEST

START_TEST(staged_files_published_with_their_progress_file)
{
	char st[600], fin[600], staged[700], body[2048];
	at(st, "files.st");
	at(fin, "data.ndjson");
	struct sx_buf b = SX_BUF_INIT;
	sx_commit_staged_path(&b, fin, "t1");
	snprintf(staged, sizeof staged, "%s", b.data);
	sx_buf_free(&b);
	ck_assert(sx_commit_is_staged(strrchr(staged, '/') + 1, "t1"));
	ck_assert(!sx_commit_is_staged(strrchr(staged, '/') + 1, "t2"));
	ck_assert(!sx_commit_is_staged("data.ndjson", "t1"));
	FILE *f = fopen(staged, "w");
	ck_assert_ptr_nonnull(f);
	fputs("row\n", f);
	fclose(f);
	snprintf(body, sizeof body, SX_COMMIT_STAGED_MAGIC "\nrun R\npublish %s\n", staged);
	ck_assert_int_eq(sx_commit_write(st, body, strlen(body), 1), 0);
	ck_assert(!tu_exists(fin)); /* staged until the commit */
	char *paths[] = { st };
	ck_assert_int_eq(sx_commit_promote(paths, 1), 0);
	ck_assert(tu_exists(fin));
	ck_assert(!tu_exists(staged));
	tu_assert_file_eq("data.ndjson", "row\n");
	/* idempotent: loading the committed file again changes nothing */
	assert_loads(st, body);
	ck_assert(tu_exists(fin));
}
END_TEST

START_TEST(staged_files_of_a_crash_after_the_commit_are_published_on_load)
{
	/* a crash between the commit point and the renames: the committed file
	 * lists files still staged; the next load publishes them */
	char st[600], fin[600], staged[700], body[2048];
	at(st, "files.st");
	at(fin, "x.csv");
	struct sx_buf b = SX_BUF_INIT;
	sx_commit_staged_path(&b, fin, "t");
	snprintf(staged, sizeof staged, "%s", b.data);
	sx_buf_free(&b);
	FILE *f = fopen(staged, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	snprintf(body, sizeof body, SX_COMMIT_STAGED_MAGIC "\npublish %s\n", staged);
	ck_assert_int_eq(sx_commit_write(st, body, strlen(body), 0), 0);
	ck_assert(!tu_exists(fin));
	assert_loads(st, body);
	ck_assert(tu_exists(fin));
	/* without the magic first line, "publish" lines mean nothing */
	ck_assert_int_eq(rename(fin, staged), 0);
	snprintf(body, sizeof body, "other\npublish %s\n", staged);
	ck_assert_int_eq(sx_commit_write(st, body, strlen(body), 0), 0);
	assert_loads(st, body);
	ck_assert(!tu_exists(fin));
}
END_TEST

Suite *sx_commit_suite(void)
{
	Suite *s = suite_create("sx_commit");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, tu_tmpdir_setup, tu_tmpdir_teardown);
	tcase_add_checked_fixture(tc, tu_subdir_setup, NULL);
	tcase_add_test(tc, write_and_load);
	tcase_add_test(tc, write_is_atomic_replace);
	tcase_add_test(tc, defer_writes_pending_only);
	tcase_add_test(tc, promote_several_all_or_nothing);
	tcase_add_test(tc, promote_relative_paths);
	tcase_add_test(tc, crash_after_journal_rolls_forward_from_any_file);
	tcase_add_test(tc, newer_pending_after_crash_is_not_promoted);
	tcase_add_test(tc, crash_before_journal_changes_nothing);
	tcase_add_test(tc, promote_finishes_an_interrupted_commit_first);
	tcase_add_test(tc, errors_are_reported);
	tcase_add_test(tc, permission_errors);
	tcase_add_test(tc, staged_files_published_with_their_progress_file);
	tcase_add_test(tc, staged_files_of_a_crash_after_the_commit_are_published_on_load);
	suite_add_tcase(s, tc);
	return s;
}
