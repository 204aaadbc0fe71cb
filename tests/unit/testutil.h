/*
 * testutil.h - helpers shared by the unit suites (header-only: the runner is
 * built from tests/unit/check_*.c and main.c).
 *
 * Temp files: a suite's TCase uses tu_tmpdir_setup/tu_tmpdir_teardown as an
 * *unchecked* fixture, so the directory is made and removed in the parent
 * process even when a test fails or exits in its forked child.
 */
#ifndef SX_TESTUTIL_H
#define SX_TESTUTIL_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

/* The current TCase's scratch directory (one per translation unit). */
static char tu_dir[256];

static inline void tu_tmpdir_setup(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tu_dir, sizeof tu_dir, "%s/sx-unit-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tu_dir)) {
		perror("mkdtemp");
		abort();
	}
}

/* As a *checked* fixture under tu_tmpdir_setup: each test (in its forked
 * process) gets a fresh subdirectory as tu_dir; the unchecked teardown in
 * the parent removes them all. */
static inline void tu_subdir_setup(void)
{
	char sub[sizeof tu_dir + 16];
	int w = snprintf(sub, sizeof sub, "%s/t-XXXXXX", tu_dir);
	if (w < 0 || (size_t)w >= sizeof tu_dir || !mkdtemp(sub)) {
		perror("mkdtemp");
		abort();
	}
	memcpy(tu_dir, sub, (size_t)w + 1);
}

/* rm -r PATH (no symlinks followed). */
static inline void tu_rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *e;
			char sub[2048];
			while ((e = readdir(d)) != NULL) {
				if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
					continue;
				int k = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
				if (k < 0 || (size_t)k >= sizeof sub)
					continue;
				tu_rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static inline void tu_tmpdir_teardown(void)
{
	if (tu_dir[0])
		tu_rm_rf(tu_dir);
	tu_dir[0] = '\0';
}

/* tu_dir/NAME in a static rotating buffer: valid for the next 7 calls only;
 * copy it to keep it longer. */
static inline const char *tu_path(const char *name)
{
	static char bufs[8][512];
	static int k;
	char *b = bufs[k++ & 7];
	int w = snprintf(b, 512, "%s/%s", tu_dir, name);
	if (w < 0 || w >= 512)
		abort();
	return b;
}

static inline void tu_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Whole file into a malloc'd NUL-terminated buffer (NULL if absent). */
static inline char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (len)
		*len = 0;
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *p = malloc(cap + 1);
	ck_assert_ptr_nonnull(p);
	size_t r;
	while ((r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			p = realloc(p, cap + 1);
			ck_assert_ptr_nonnull(p);
		}
	}
	fclose(f);
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

static inline int tu_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static inline ino_t tu_inode(const char *path)
{
	struct stat st;
	ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	return st.st_ino;
}

/* Redirect stderr to tu_dir/NAME (for checking messages); returns the saved fd. */
static inline int tu_capture_stderr(const char *name)
{
	fflush(stderr);
	int saved = dup(2);
	char path[512];
	snprintf(path, sizeof path, "%s/%s", tu_dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	close(fd);
	return saved;
}

static inline void tu_restore_stderr(int saved)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

/*
 * Run FN(ARG) in a forked child with stdout and stderr redirected to
 * tu_dir/OUTNAME and tu_dir/ERRNAME (NULL: /dev/null), for code that exits
 * (sx_die, sx_exit, usage errors) or writes messages.  The child exits with
 * FN's return value if FN returns.  Returns the exit status, or 128 + the
 * signal number if the child was killed.
 */
#include <sys/wait.h>
static inline int tu_run_child(int (*fn)(void *), void *arg, const char *outname, const char *errname)
{
	char outp[512], errp[512];
	snprintf(outp, sizeof outp, "%s/%s", tu_dir, outname ? outname : "");
	snprintf(errp, sizeof errp, "%s/%s", tu_dir, errname ? errname : "");
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(outname ? outp : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errname ? errp : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		close(o);
		close(e);
		int rc = fn(arg);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* tu_dir/NAME's contents (malloc'd; "" if absent). */
static inline char *tu_slurp(const char *name)
{
	char *s = tu_read_file(tu_path(name), NULL);
	if (!s) {
		s = malloc(1);
		ck_assert_ptr_nonnull(s);
		s[0] = '\0';
	}
	return s;
}

/* Assert that tu_dir/NAME holds exactly WANT. */
#define tu_assert_file_eq(name, want) do {                              \
	char *tu_got_ = tu_slurp(name);                                 \
	ck_assert_str_eq(tu_got_, (want));                              \
	free(tu_got_);                                                  \
} while (0)

/* Count of non-overlapping occurrences of NEEDLE in HAY. */
static inline int tu_count(const char *hay, const char *needle)
{
	int k = 0;
	size_t n = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += n)
		k++;
	return k;
}

/* Microseconds on a monotonic clock, for polling with deadlines. */
#include <time.h>
static inline long long tu_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline void tu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

#endif
