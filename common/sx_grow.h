/*
 * sx_grow.h - growing an array to hold at least N elements (git's ALLOC_GROW).
 *
 *	SX_GROW(arr, n + 1, cap);
 *	arr[n++] = x;
 *
 * makes room when `need` exceeds `cap` (a size_t), growing geometrically (git's
 * alloc_nr: (cap + 16) * 3 / 2, so 24 at first) so N appends cost O(N) copies,
 * then sets `cap` to the new capacity.  `arr` may start NULL with cap 0.  `need`
 * and `cap` are evaluated more than once: pass plain lvalues.
 *
 * Failure follows sx_err.h's allocation rule: an element count whose size
 * overflows size_t, like running out of memory, prints "out of memory" and
 * exits 1 (sx_xreallocarray); callers never see NULL.  Parallel arrays that
 * share one count grow with sx_grow_cap() and one SX_REALLOC_ARRAY each.
 */
#ifndef SX_GROW_H
#define SX_GROW_H

#include <stddef.h>
#include <stdint.h>

#include "sx_err.h"

/* The capacity after `cap` when `need` elements must fit (need > cap). */
static inline size_t sx_grow_cap(size_t cap, size_t need)
{
	size_t next = cap > SIZE_MAX / 3 - 16 ? SIZE_MAX : (cap + 16) * 3 / 2;
	return next < need ? need : next;
}

/* Reallocate `arr` to `n` elements of its type, overflow-checked. */
#define SX_REALLOC_ARRAY(arr, n) ((arr) = sx_xreallocarray((arr), (n), sizeof *(arr)))

#define SX_GROW(arr, need, cap)                                    \
	do {                                                       \
		if ((need) > (cap)) {                              \
			(cap) = sx_grow_cap((cap), (need));        \
			SX_REALLOC_ARRAY(arr, (cap));              \
		}                                                  \
	} while (0)

#endif
