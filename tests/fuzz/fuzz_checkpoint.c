/*
 * fuzz_checkpoint - sx-ingest --checkpoint files (sx_ckpt_load), read through
 * sx_commit_load.
 *
 * Input: the checkpoint file.  A file that loads must answer every lookup,
 * resume and track call for its entries, save, and load back to the same
 * entries (path, identity, offsets, flags).
 */
#include "fuzz.h"
#include "sx_checkpoint.h"

static const char *ckpt_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	ckpt_path = fuzz_path("ckpt");
	return 0;
}

static int same_entry(const struct sx_ckpt_entry *a, const struct sx_ckpt_entry *b)
{
	return !strcmp(a->path, b->path) && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->offset == b->offset && a->line == b->line && a->done == b->done &&
	       a->tail_rejected == b->tail_rejected;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write_file(ckpt_path, data, size);
	struct sx_ckpt c;
	if (sx_ckpt_load(&c, ckpt_path, 0) < 0) {
		sx_ckpt_free(&c);
		return 0;
	}
	for (size_t i = 0; i < c.n; i++) {
		struct sx_ckpt_entry *e = &c.e[i];
		FUZZ_CHECK(e->path != NULL && sx_ckpt_find(&c, e->path) == e);
		/* the file as recorded, grown, and replaced */
		struct stat st;
		memset(&st, 0, sizeof st);
		st.st_dev = (dev_t)e->dev;
		st.st_ino = (ino_t)e->ino;
		st.st_size = (off_t)(e->size & INT64_MAX);
		uint64_t skip;
		sx_ckpt_resume(&c, e->path, &st, &skip);
		st.st_size = (off_t)((e->size + 1) & INT64_MAX);
		sx_ckpt_resume(&c, e->path, &st, &skip);
	}
	if (sx_ckpt_save(&c) == 0) {
		struct sx_ckpt c2;
		/* a run owns its checkpoint (FILE.lock) until it frees it: let go
		 * of it, as the run's end would, before loading it again */
		if (c.lock_fd >= 0)
			close(c.lock_fd);
		c.lock_fd = -1;
		FUZZ_CHECK(sx_ckpt_load(&c2, ckpt_path, 0) == 0);
		FUZZ_CHECK(c2.n == c.n);
		for (size_t i = 0; i < c.n; i++) {
			struct sx_ckpt_entry *e2 = sx_ckpt_find(&c2, c.e[i].path);
			FUZZ_CHECK(e2 != NULL && same_entry(&c.e[i], e2));
		}
		sx_ckpt_free(&c2);
	}
	/* tracking a replaced file resets its entry */
	if (c.n) {
		struct stat st;
		memset(&st, 0, sizeof st);
		st.st_dev = (dev_t)(c.e[0].dev + 1);
		struct sx_ckpt_entry *e = sx_ckpt_track(&c, c.e[0].path, &st);
		FUZZ_CHECK(e->offset == 0 && e->size == 0 && !e->done);
	}
	sx_ckpt_free(&c);
	return 0;
}
