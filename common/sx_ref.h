/*
 * sx_ref.h - sx-join --ref: reference data loaded into a hash table, and the
 * sx_run stage that enriches each stream record with its matching row
 * (SPEC section 4; ASA reference-data joins).
 *
 * The file (CSV, TSV, JSON, NDJSON, gzip or not) is read by the sx-ingest
 * engine through a sink, so its values are typed exactly as sx-ingest types
 * them.  Each row is keyed by its reference key fields (sx_jkey); a row whose
 * key is null or missing can match nothing and is left out; when several rows
 * share a key the last one wins, and one warning per load gives the count
 * and the first such key.  A stream record with a matching row is written
 * with the row's fields merged in (sx_joinrow: equal-named keys once, other
 * collisions prefixed); without one it is dropped (inner) or passed on
 * unchanged (left).  There is no time bound.
 *
 * Reloading (--reload DUR): at most every DUR (on records, and on idle ticks
 * while the stream is quiet) the file is stat(2)ed; when its modification
 * time, size or inode changed, it is loaded into a new table, which replaces
 * the old one between two records.  A load that fails (unreadable file, a
 * bad header, a data error under --on-error fail) keeps the old table, with
 * one warning; under skip or dead-letter a bad row is handled by that policy
 * and the rest loads.  A file that cannot be stat'ed is warned about once.
 *
 * Loading at start: an unreadable file or a bad header exits 1; bad rows go
 * through --on-error like any input's.
 *
 * Counters: "matched", "unmatched" (stream records), "ref_rows" (rows of the
 * current table), "reloads".
 *
 * Ownership: the stage borrows the configuration (path, key names, prefix)
 * and the output; it owns the tables (row text, fields and key table).
 */
#ifndef SX_REF_H
#define SX_REF_H

#include <stdint.h>
#include <sys/stat.h>
#include "sx_jkey.h"
#include "sx_joinrow.h"
#include "sx_out.h"
#include "sx_run.h"

struct sx_ref_cfg {
	const char *path;
	char **lkeys, **rkeys;      /* stream key names, reference key names */
	int nkeys;
	int left;                   /* --type left: keep records without a match */
	const char *prefix;
	int64_t reload;             /* microseconds; 0: never */
};

struct sx_reftab;

struct sx_ref {
	struct sx_ref_cfg c;
	struct sx_out *out;
	struct sx_reftab *tab;
	struct stat id;             /* the file the table was loaded from */
	int stat_failed;            /* warned once */
	int64_t next_check;
	struct sx_jkey lkey, rkey;   /* stream and reference keys */
	struct sx_joinrow row;
	uint64_t *matched, *unmatched, *rows, *reloads;
};

/* Load the file (exits 1 when it cannot be). */
void sx_ref_init(struct sx_ref *r, const struct sx_ref_cfg *c, struct sx_out *out);
void sx_ref_free(struct sx_ref *r);

/* --reload: if due and the file changed, load it again.  1 reloaded, 0 not
 * due or unchanged, -1 the new version failed (warned; the old one stays). */
int sx_ref_check(struct sx_ref *r);

/* How often sx_run should tick while the stream is quiet (0: never). */
int sx_ref_tick_ms(const struct sx_ref *r);

/* Rows of the current table. */
size_t sx_ref_count(const struct sx_ref *r);

extern const struct sx_stage sx_ref_stage;

#endif
