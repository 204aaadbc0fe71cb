/*
 * fault.c - an LD_PRELOAD shim that makes the Nth call of one libc function
 * fail, so the tests can see what the tools do when a disk fills up, a read
 * or fsync hits an I/O error, a rename fails, memory runs out or a
 * connection is refused.
 *
 *   SX_FAULT=CALL:N[+]   CALL is write, read, fsync, rename, malloc,
 *                        connect, opendir or jansson (the mallocs made by
 *                        libjansson only, building or parsing JSON); N counts
 *                        from 1; with "+" every call from
 *                        the Nth on fails (a full disk stays full).
 *   SX_FAULT_LOG=FILE    append "CALL N" to FILE when a fault is injected
 *                        (so a sweep knows when N went past the last call).
 *
 * Errors: write ENOSPC, read EIO, fsync EIO, rename EIO, malloc ENOMEM
 * (NULL; calloc and realloc count as malloc too), connect ECONNREFUSED,
 * opendir EMFILE (too many open files: the folder itself is readable).
 * Writes to standard error are never failed, so the tool's message can be
 * read.  Counting starts when main is about to run (__libc_start_main is
 * wrapped), so the dynamic loader and the libraries' constructors are never
 * hit.  Only calls through the PLT are seen: the program's own and other
 * libraries' (zlib, jansson, curl), not glibc's internal ones (stdio).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

enum { F_NONE, F_WRITE, F_READ, F_FSYNC, F_RENAME, F_MALLOC, F_CONNECT, F_OPENDIR, F_JANSSON };
static const char *const names[] = { "", "write", "read", "fsync", "rename", "malloc", "connect",
	"opendir", "jansson" };
static int which = F_NONE, sticky, armed;
static long target, count;
static __thread int busy; /* inside the shim's own bookkeeping */

static void parse(void)
{
	const char *s = getenv("SX_FAULT");
	if (!s)
		return;
	for (int i = 1; i <= F_JANSSON; i++) {
		size_t n = strlen(names[i]);
		if (strncmp(s, names[i], n) == 0 && s[n] == ':') {
			char *end;
			target = strtol(s + n + 1, &end, 10);
			sticky = *end == '+';
			if (target > 0)
				which = i;
			return;
		}
	}
}

/* Whether this call (of kind k) is to fail. */
static int hit(int k)
{
	if (!armed || busy || which != k)
		return 0;
	long c = __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);
	if (c != target && !(sticky && c > target))
		return 0;
	if (c == target) {
		const char *log = getenv("SX_FAULT_LOG");
		if (log) {
			busy = 1;
			int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
			if (fd >= 0) {
				char line[64];
				int len = snprintf(line, sizeof line, "%s %ld\n", names[k], c);
				ssize_t (*real_write)(int, const void *, size_t) =
					(ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
				if (real_write && len > 0)
					(void)!real_write(fd, line, (size_t)len);
				close(fd);
			}
			busy = 0;
		}
	}
	return 1;
}

#define REAL(type, name, args) \
	static type(*real_##name) args; \
	if (!real_##name) { busy++; real_##name = (type(*) args)dlsym(RTLD_NEXT, #name); busy--; }

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;
static int wrapped_main(int argc, char **argv, char **envp)
{
	parse();
	armed = 1;
	return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
	void (*rtld_fini)(void), void *stack_end);
int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
	void (*rtld_fini)(void), void *stack_end)
{
	REAL(int, __libc_start_main, (main_fn, int, char **, void (*)(void), void (*)(void),
		void (*)(void), void *));
	real_main = main;
	return real___libc_start_main(wrapped_main, argc, argv, init, fini, rtld_fini, stack_end);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(ssize_t, write, (int, const void *, size_t));
	if (fd != 2 && hit(F_WRITE)) {
		errno = ENOSPC;
		return -1;
	}
	return real_write(fd, buf, n);
}

ssize_t read(int fd, void *buf, size_t n)
{
	REAL(ssize_t, read, (int, void *, size_t));
	if (hit(F_READ)) {
		errno = EIO;
		return -1;
	}
	return real_read(fd, buf, n);
}

int fsync(int fd)
{
	REAL(int, fsync, (int));
	if (hit(F_FSYNC)) {
		errno = EIO;
		return -1;
	}
	return real_fsync(fd);
}

int rename(const char *from, const char *to)
{
	REAL(int, rename, (const char *, const char *));
	if (hit(F_RENAME)) {
		errno = EIO;
		return -1;
	}
	return real_rename(from, to);
}

int connect(int fd, const struct sockaddr *a, socklen_t len)
{
	REAL(int, connect, (int, const struct sockaddr *, socklen_t));
	if (hit(F_CONNECT)) {
		errno = ECONNREFUSED;
		return -1;
	}
	return real_connect(fd, a, len);
}

DIR *opendir(const char *name)
{
	REAL(DIR *, opendir, (const char *));
	if (hit(F_OPENDIR)) {
		errno = EMFILE;
		return NULL;
	}
	return real_opendir(name);
}

/* Whether an allocation (made from return address ra) is to fail: any, for
 * malloc:N; those from libjansson, for jansson:N. */
static int alloc_hit(void *ra)
{
	if (which == F_JANSSON && armed && !busy) {
		Dl_info info;
		busy++;
		int from = dladdr(ra, &info) && info.dli_fname && strstr(info.dli_fname, "libjansson");
		busy--;
		return from && hit(F_JANSSON);
	}
	return hit(F_MALLOC);
}

/* malloc: glibc's own entry points, so that dlsym (which allocates) is never needed. */
void *malloc(size_t n)
{
	if (alloc_hit(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
	if (alloc_hit(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
	if (n && alloc_hit(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}
