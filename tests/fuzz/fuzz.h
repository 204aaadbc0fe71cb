/*
 * fuzz.h - what the libFuzzer targets in tests/fuzz share (see README there).
 *
 * Targets call only the modules' public headers, so they keep building as the
 * modules change.  Each one must return normally for every input: a crash, a
 * sanitizer report, an exit() (sx_die) or a failed FUZZ_CHECK is a finding.
 */
#ifndef SX_FUZZ_H
#define SX_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sx_err.h"
#include "sx_out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant the code under test promised: abort (a finding) when it fails. */
#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* A file name private to this process (tmpfs when there is one), for the
 * loaders that read a path. */
static inline const char *fuzz_path(const char *tag)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ & 3];
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(p, sizeof buf[0], "%s/sx-fuzz-%ld-%s", dir, (long)getpid(), tag);
	return p;
}

static inline void fuzz_write_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) < 0) {
		perror(path);
		abort();
	}
}

/* An output that discards what it is given (results are not the point). */
static inline void fuzz_null_out(struct sx_out *o)
{
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		abort();
	sx_out_init(o, fd, "/dev/null");
}

/* A NUL-terminated copy of [d, d+n) (the APIs taking C strings). */
static inline char *fuzz_strndup(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	if (n)
		memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

/* Common set-up: messages named "fuzz", stdout discarded. */
static inline void fuzz_init(void)
{
	sx_set_progname("fuzz");
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		abort();
	close(fd);
	sx_out_init_stdout();
}

#endif
