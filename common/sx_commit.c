/* sx_commit.c - atomic progress files and all-or-nothing commits (see sx_commit.h). */
#include "sx_commit.h"
#include "sx_buf.h"
#include "sx_err.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int fsync_dir_of(const char *path)
{
	char *copy = sx_xstrdup(path);
	const char *dir = dirname(copy);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL))
		rc = sx_error("%s: cannot sync directory:", dir);
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int sx_commit_own(const char *opt, const char *path)
{
	char *copy = sx_xstrdup(path);
	const char *dir = dirname(copy);
	int rc = access(dir, W_OK);
	if (rc < 0)
		sx_error("%s %s: cannot write in %s:", opt, path, dir);
	free(copy);
	if (rc < 0)
		return -1;
	struct sx_buf lock = SX_BUF_INIT;
	sx_buf_printf(&lock, "%s.lock", path);
	int fd = open(lock.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		sx_error("%s:", lock.data);
	} else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			sx_error("%s %s: another run is using it (%s is locked)", opt, path, lock.data);
		else
			sx_error("%s: cannot lock:", lock.data);
		close(fd);
		fd = -1;
	}
	sx_buf_free(&lock);
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write DATA to TARGET through TARGET.tmp + fsync + rename. */
static int atomic_replace(const char *target, const void *data, size_t len)
{
	struct sx_buf tmp = SX_BUF_INIT;
	sx_buf_printf(&tmp, "%s.tmp", target);
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = -1;
	if (fd < 0) {
		sx_error("%s:", tmp.data);
		goto out;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		sx_error("%s: write error:", tmp.data);
		close(fd);
		unlink(tmp.data);
		goto out;
	}
	if (close(fd) < 0) {
		sx_error("%s: write error:", tmp.data);
		unlink(tmp.data);
		goto out;
	}
	if (rename(tmp.data, target) < 0) {
		sx_error("%s: cannot rename into place:", target);
		unlink(tmp.data);
		goto out;
	}
	rc = fsync_dir_of(target);
out:
	sx_buf_free(&tmp);
	return rc;
}

int sx_commit_write(const char *path, const void *data, size_t len, int defer)
{
	if (!defer)
		return atomic_replace(path, data, len);
	struct sx_buf pending = SX_BUF_INIT;
	sx_buf_printf(&pending, "%s.pending", path);
	int rc = atomic_replace(pending.data, data, len);
	sx_buf_free(&pending);
	return rc;
}

static int read_file(const char *path, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return sx_error("%s:", path);
	}
	struct sx_buf b = SX_BUF_INIT;
	char chunk[65536];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sx_error("%s: read error:", path);
			close(fd);
			sx_buf_free(&b);
			return -1;
		}
		if (r == 0)
			break;
		sx_buf_append(&b, chunk, (size_t)r);
	}
	close(fd);
	if (!b.data)
		sx_buf_append(&b, "", 0);
	*data = b.data;
	*len = b.len;
	return 1;
}

/* An absolute version of PATH (its directory resolved), malloc'd. */
static char *absolute(const char *path)
{
	char *copy = sx_xstrdup(path), *copy2 = sx_xstrdup(path);
	char resolved[PATH_MAX];
	char *out = NULL;
	if (realpath(dirname(copy), resolved)) {
		struct sx_buf b = SX_BUF_INIT;
		sx_buf_printf(&b, "%s/%s", resolved, basename(copy2));
		out = b.data;
	}
	free(copy);
	free(copy2);
	return out;
}

void sx_commit_staged_path(struct sx_buf *out, const char *final, const char *tag)
{
	const char *slash = strrchr(final, '/');
	size_t dir = slash ? (size_t)(slash - final) + 1 : 0;
	sx_buf_printf(out, "%.*s.%s.staged-%s", (int)dir, final, final + dir, tag);
}

int sx_commit_is_staged(const char *name, const char *tag)
{
	const char *m = strstr(name, ".staged-");
	return name[0] == '.' && m && m > name + 1 && !strcmp(m + 8, tag);
}

/* Publish the staged files a committed progress file PATH lists (see
 * sx_commit.h): 0, or -1 after reporting. */
static int publish_staged(const char *path)
{
	char *data;
	size_t len;
	size_t mlen = strlen(SX_COMMIT_STAGED_MAGIC);
	int r = read_file(path, &data, &len);
	if (r <= 0)
		return r;
	int rc = 0;
	if (len > mlen && !memcmp(data, SX_COMMIT_STAGED_MAGIC, mlen) && data[mlen] == '\n') {
		struct sx_buf fin = SX_BUF_INIT;
		char *save = NULL;
		for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "publish /", 9) != 0)
				continue;
			const char *src = line + 8;
			const char *base = strrchr(src, '/') + 1;
			const char *mark = strstr(base, ".staged-");
			if (base[0] != '.' || !mark)
				continue;
			sx_buf_reset(&fin);
			sx_buf_printf(&fin, "%.*s%.*s", (int)(base - src), src, (int)(mark - base - 1), base + 1);
			if (rename(src, fin.data) < 0) {
				if (errno != ENOENT) /* ENOENT: published already */
					rc = sx_error("%s: cannot publish:", fin.data);
			} else if (fsync_dir_of(fin.data) < 0) {
				rc = -1;
			}
		}
		sx_buf_free(&fin);
	}
	free(data);
	return rc;
}

/* Journal format: one line per file, "INODE PATH\n" (PATH absolute). */
static int roll_forward(const char *journal)
{
	char *data;
	size_t len;
	int r = read_file(journal, &data, &len);
	if (r <= 0)
		return r;
	int rc = 0;
	struct sx_buf pending = SX_BUF_INIT;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		uintmax_t ino = strtoumax(line, NULL, 10);
		const char *path = sp + 1;
		*sp = ' ';
		sx_buf_reset(&pending);
		sx_buf_printf(&pending, "%s.pending", path);
		struct stat st;
		if (stat(pending.data, &st) == 0 && (uintmax_t)st.st_ino == ino) {
			if (rename(pending.data, path) < 0)
				rc = sx_error("%s: cannot commit:", path);
			else if (fsync_dir_of(path) < 0)
				rc = -1;
		}
		if (rc == 0 && publish_staged(path) < 0) {
			rc = -1;
		}
	}
	if (rc == 0) {
		if (unlink(journal) < 0 && errno != ENOENT)
			rc = sx_error("%s:", journal);
		else
			fsync_dir_of(journal);
	}
	/* Pointer files left beside the other files are harmless once the
	 * journal is gone: recover() removes them when it meets them. */
	free(data);
	sx_buf_free(&pending);
	return rc;
}

static void remove_pointers(char *const *abs, int n)
{
	struct sx_buf ref = SX_BUF_INIT;
	for (int i = 1; i < n; i++) {
		sx_buf_reset(&ref);
		sx_buf_printf(&ref, "%s.commit-ref", abs[i]);
		unlink(ref.data);
	}
	sx_buf_free(&ref);
}

/* Finish an interrupted commit that involves PATH, if there is one:
 * 1 = one was finished now, 0 = none, -1 = error (reported). */
static int recover(const char *path)
{
	struct sx_buf j = SX_BUF_INIT;
	int rc = 0;
	sx_buf_printf(&j, "%s.journal", path);
	if (access(j.data, F_OK) == 0) {
		rc = roll_forward(j.data) < 0 ? -1 : 1;
	} else {
		struct sx_buf ref = SX_BUF_INIT;
		char *target;
		size_t len;
		sx_buf_printf(&ref, "%s.commit-ref", path);
		int r = read_file(ref.data, &target, &len);
		if (r > 0) {
			target[strcspn(target, "\n")] = '\0';
			if (access(target, F_OK) == 0)
				rc = roll_forward(target) < 0 ? -1 : 1;
			if (rc >= 0)
				unlink(ref.data); /* the journal is gone now: a stale pointer */
			free(target);
		} else if (r < 0) {
			rc = -1;
		}
		sx_buf_free(&ref);
	}
	sx_buf_free(&j);
	return rc;
}

int sx_commit_load(const char *path, char **data, size_t *len)
{
	if (recover(path) < 0 || publish_staged(path) < 0)
		return -1;
	return read_file(path, data, len);
}

int sx_commit_promote(char *const *paths, int n)
{
	if (n <= 0)
		return sx_error("--commit: no files named");
	char **abs = sx_xcalloc((size_t)n, sizeof *abs);
	int *locks = sx_xcalloc((size_t)n, sizeof *locks);
	struct sx_buf journal = SX_BUF_INIT, body = SX_BUF_INIT, tmp = SX_BUF_INIT;
	int rc = -1, finished = 0, pending = 0;
	/* every file owned first: a run still writing one is not committed under it */
	for (int i = 0; i < n; i++)
		locks[i] = -1;
	for (int i = 0; i < n; i++) {
		int seen = 0;
		for (int k = 0; k < i; k++)
			seen |= !strcmp(paths[k], paths[i]);
		if (!seen && (locks[i] = sx_commit_own("--commit", paths[i])) < 0)
			goto out;
	}
	for (int i = 0; i < n; i++) {
		int r = recover(paths[i]);
		if (r < 0)
			goto out;
		finished |= r;
		abs[i] = absolute(paths[i]);
		if (!abs[i]) {
			sx_error("%s: cannot resolve directory:", paths[i]);
			goto out;
		}
		sx_buf_reset(&tmp);
		sx_buf_printf(&tmp, "%s.pending", abs[i]);
		struct stat st;
		if (stat(tmp.data, &st) < 0) {
			/* --commit rerun after a crash mid-commit: finishing the
			 * journalled commit above was the whole job. */
			if (finished && errno == ENOENT) {
				free(abs[i]);
				abs[i] = NULL;
				continue;
			}
			sx_error("%s: nothing to commit (no %s.pending):", paths[i], paths[i]);
			goto out;
		}
		pending++;
		sx_buf_printf(&body, "%ju %s\n", (uintmax_t)st.st_ino, abs[i]);
	}
	if (!pending) {
		sx_warn("finished an interrupted commit; nothing else to commit");
		rc = 0;
		goto out;
	}
	int m = 0; /* the files with something pending, first */
	for (int i = 0; i < n; i++)
		if (abs[i])
			abs[m++] = abs[i];
	for (int i = m; i < n; i++)
		abs[i] = NULL;
	sx_buf_printf(&journal, "%s.journal", abs[0]);
	/* Pointers first: harmless until the journal exists. */
	for (int i = 1; i < m; i++) {
		sx_buf_reset(&tmp);
		sx_buf_printf(&tmp, "%s.commit-ref", abs[i]);
		struct sx_buf line = SX_BUF_INIT;
		sx_buf_printf(&line, "%s\n", journal.data);
		int w = atomic_replace(tmp.data, line.data, line.len);
		sx_buf_free(&line);
		if (w < 0)
			goto out;
	}
	if (atomic_replace(journal.data, body.data, body.len) < 0)  /* the commit point */
		goto out;
	rc = roll_forward(journal.data);
	if (rc == 0)
		remove_pointers(abs, m);
out:
	for (int i = 0; i < n; i++) {
		free(abs[i]);
		if (locks[i] >= 0)
			close(locks[i]);
	}
	free(abs);
	free(locks);
	sx_buf_free(&journal);
	sx_buf_free(&body);
	sx_buf_free(&tmp);
	return rc;
}
