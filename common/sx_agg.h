/*
 * sx_agg.h - the aggregate functions of sx-window (SPEC section 3).
 *
 * An aggregate set is compiled once from the -a arguments.  Every (window,
 * group) then owns one accumulator, `struct sx_acc`, holding the state of all
 * the set's aggregates together (one allocation, plus growable value arrays
 * for the aggregates that must keep values: median, percentile_*,
 * count_distinct, collect; up to N events for collect_top).  An accumulator
 * can be
 *   - fed events (sx_acc_add), each with its event time and input ordinal so
 *     first/last/collect/min_by/max_by break ties by input order (stable);
 *   - merged into another (sx_acc_merge), so hopping windows keep one
 *     accumulator per hop ("pane") and combine panes at close instead of
 *     adding every event SIZE/HOP times; merging the decomposable aggregates
 *     (count, sum, avg, min, max, variance family) is O(1);
 *   - written out (sx_acc_emit) as `,"name":value` pairs;
 *   - saved to and restored from JSON (sx_acc_save/sx_acc_load) for --state.
 *
 * Numeric aggregates read numbers only: nulls are skipped silently, other
 * non-numbers are skipped and counted in the "non_numeric" --stats counter.
 * Variance uses Welford's update and Chan's parallel merge over the values
 * minus an integer shift, subtracted in decimal from the text (no
 * cancellation, nor rounding of 1e9+x to a double, before the subtraction).  An aggregate over no values is null; counts are 0.
 *
 * Rules (documented for users in sx-window(1)):
 *   - Default names: "count" for count() and count(*); FUNC_FIELD otherwise
 *     (count_deviceId, avg_temperature, percentile_cont_temperature: P is not
 *     part of the name); FUNC_F_G for min_by(f,g)/max_by(f,g).  Function
 *     names are case-insensitive, the default name uses lower case.
 *   - A missing field is skipped by every function.  An explicit null is
 *     skipped by count(f), the numeric functions and count_distinct /
 *     approx_count_distinct, but is a value for first/last/collect (which
 *     return the value on the first/last event that has the field).
 *     min_by/max_by give null when the chosen event lacks g.
 *   - Over no values: null, except count, count_distinct and
 *     approx_count_distinct (0) and collect and collect_top ([]).
 *   - topone(f [asc|desc]) is the whole first event by f, collect_top(N, f
 *     [asc|desc]) the first N as [{"rank":1,"value":EVENT},...].  Order:
 *     null and missing smallest (ASA), numbers, RFC 3339 time strings by
 *     instant, other strings by bytes, other JSON by compact text; equal
 *     values by event order (earlier first) in both directions.  At most N
 *     events are kept.
 *   - count_distinct equality: numbers by value (1 == 1.0 == 1e0, integers
 *     exact within int64, others as doubles), strings by decoded bytes,
 *     true/false, objects and arrays by their text without whitespace.
 *   - Ties: min/max/min_by/max_by/first keep the earliest event (event time,
 *     then input order), last the latest; percentile_disc among equal
 *     numbers returns the shortest text (then bytewise smallest).
 *   - sum prints an integer when every value had integer syntax and the
 *     int64 sum did not overflow; otherwise a double (compensated sum).
 *
 * Where the code is: the functions are one table of operations in sx_agg.c
 * (adding a function is one entry there; sx_aggimpl.h says how), the
 * --state form of each kind of state in sx_aggstate.c, HyperLogLog in
 * sx_hll.
 *
 * Ownership: the set owns its parsed arguments; an accumulator owns copies of
 * every value it keeps (records are borrowed only during sx_acc_add).
 */
#ifndef SX_AGG_H
#define SX_AGG_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "sx_json.h"
#include "sx_time.h"

struct sx_out;
struct sx_aggset;
struct sx_acc;

struct sx_aggset *sx_aggset_new(void);
void sx_aggset_free(struct sx_aggset *s);
/* Parse one -a argument, "[NAME=]FUNC(ARGS)", and append it.  0, or -1 with
 * a one-line reason in err (the caller reports a usage error, exit 2):
 * unknown function, wrong argument count, p outside [0,1], a name used twice
 * ("... use NAME=FUNC(...)"). */
int sx_aggset_add(struct sx_aggset *s, const char *arg, char *err, size_t errlen);
size_t sx_aggset_count(const struct sx_aggset *s);
/* Output name of aggregate i (e.g. "avg_temperature", "count"). */
const char *sx_aggset_name(const struct sx_aggset *s, size_t i);
/* A text describing the set (names, functions, fields, p), identical for
 * identical sets: save it once in a state file and compare it on load. */
const char *sx_aggset_signature(const struct sx_aggset *s);
/* 1 when some aggregate keeps values (median, percentile_*, count_distinct,
 * collect): its accumulators grow with their events and merging them costs
 * time proportional to the values kept. */
int sx_aggset_keeps_values(const struct sx_aggset *s);

struct sx_acc *sx_acc_new(const struct sx_aggset *s);
void sx_acc_free(const struct sx_aggset *s, struct sx_acc *a);
/* Empty the accumulator for reuse, keeping its allocations. */
void sx_acc_reset(const struct sx_aggset *s, struct sx_acc *a);
/* Add one event: REC (borrowed), its event time T (after late adjustment)
 * and SEQ, its position in input order. */
void sx_acc_add(const struct sx_aggset *s, struct sx_acc *a, const struct sx_rec *rec,
		sx_time_t t, uint64_t seq);
/* Fold SRC into DST as if DST had also seen SRC's events; SRC is unchanged.
 * DST and SRC must be different accumulators. */
void sx_acc_merge(const struct sx_aggset *s, struct sx_acc *dst, const struct sx_acc *src);
/* 1 when no event has been added (or merged in). */
int sx_acc_empty(const struct sx_aggset *s, const struct sx_acc *a);
/* Write `,"name":value` for every aggregate of the set, in -a order. */
void sx_acc_emit(const struct sx_aggset *s, const struct sx_acc *a, struct sx_out *o);
/* --state: the accumulator as a JSON value, and back (NULL if J is not one
 * sx_acc_save produced for an identical set). */
json_t *sx_acc_save(const struct sx_aggset *s, const struct sx_acc *a);
struct sx_acc *sx_acc_load(const struct sx_aggset *s, const json_t *j);

#endif
