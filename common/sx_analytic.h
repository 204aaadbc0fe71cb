/*
 * sx_analytic.h - the state of ASA's analytic functions LAG, LAST and
 * ISFIRST, per partition, on event time.
 *
 * sx_expr evaluates each call's PARTITION BY keys, WHEN condition and value
 * on the current event and hands them here; this module remembers, per
 * partition, the last OFFSET events that satisfied WHEN (their time and
 * value, copied) and, for ISFIRST, the last interval that had its first
 * event.  Entries older than LIMIT DURATION are never returned, and a
 * partition whose newest entry is that old is forgotten (its memory reused),
 * so state is bounded by the partitions active within the duration.
 *
 * Events are taken in the order given: ASA processes them in event-time
 * order, which sx-select's --max-delay restores upstream of this module.
 *
 * Ownership: the state owns the copies of the values it keeps; a value
 * returned by sx_analytic_lag stays valid until the next call on the same
 * state.
 */
#ifndef SX_ANALYTIC_H
#define SX_ANALYTIC_H

#include <stddef.h>
#include <stdint.h>
#include "sx_expr.h"
#include <jansson.h>
#include "sx_hash.h"

enum sx_analytic_kind { SX_AN_LAG, SX_AN_LAST, SX_AN_ISFIRST };

struct sx_anpart;

struct sx_analytic {
	int kind;
	int64_t offset;          /* LAG: events back (>= 1); LAST: 0 */
	int64_t duration_us;     /* LIMIT DURATION; ISFIRST: the interval */
	struct sx_strmap parts;  /* partition key -> slot in part[] */
	struct sx_anpart **part;
	size_t npart, cap;
	size_t *free_slots;      /* slots of forgotten partitions, for reuse */
	size_t nfree;
	sx_time_t newest;        /* latest event time seen: for eviction */
	sx_time_t swept;         /* when partitions were last swept */
	char *spare;             /* LAG: a value buffer swapped with the slot */
	size_t spare_cap;        /* being overwritten while its value is out */
};

void sx_analytic_init(struct sx_analytic *a, int kind, int64_t offset, int64_t duration_us);
void sx_analytic_free(struct sx_analytic *a);

/* Append a value's bytes to KEY so partitions compare by value (1 and 1.0
 * alike, "1" apart). */
void sx_analytic_key(struct sx_buf *key, const struct sx_val *v);

/* LAG and LAST: the event at time TS in partition KEY, with WHEN's outcome
 * MATCH and the value V of the expression (used only when MATCH).  *found
 * says whether an event at the offset exists within the duration; *out is
 * its value.  LAST counts the current event (offset 0). */
void sx_analytic_lag(struct sx_analytic *a, const char *key, size_t keylen, sx_time_t ts, int match,
		     const struct sx_val *v, int *found, struct sx_val *out);
/* ISFIRST: 1 when this event (satisfying WHEN: MATCH) is the first of its
 * interval in partition KEY, else 0. */
int sx_analytic_isfirst(struct sx_analytic *a, const char *key, size_t keylen, sx_time_t ts, int match);

/* --state: the partitions and what each remembers, and back (into a state
 * just initialised with the same kind, offset and duration).  Load checks
 * every entry: 0, or -1 with what is wrong in ERR. */
json_t *sx_analytic_save(const struct sx_analytic *a);
int sx_analytic_load(struct sx_analytic *a, const json_t *j, char *err, size_t errlen);

#endif
