/*
 * openlist.h -- the open list of the A* searches (src/core/route.c,
 * src/core/journey.c): a binary min-heap of nodes on (f, node, g), so that
 * ties are broken by the lower node and the search is deterministic.  No
 * Postgres inside; memory through the caller's SimAllocator.
 */
#ifndef SIM_CORE_OPENLIST_H
#define SIM_CORE_OPENLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim/core/route.h"		/* SimAllocator */

/* An open-list entry: node with its cost when pushed and its key f. */
typedef struct OpenEntry
{
	double		f;
	double		g;
	int32_t		node;
} OpenEntry;

typedef struct OpenList
{
	OpenEntry  *e;
	size_t		n;
	size_t		cap;
} OpenList;

/* Whether entry a is to be expanded before entry b. */
static inline bool
open_before(const OpenEntry *a, const OpenEntry *b)
{
	if (a->f != b->f)
		return a->f < b->f;
	if (a->node != b->node)
		return a->node < b->node;
	return a->g < b->g;
}

/* Push an entry, growing the heap (cap > 0) through the allocator; false if out of memory. */
static inline bool
open_push(const SimAllocator *mem, OpenList *ol, OpenEntry x)
{
	size_t		i;

	if (ol->n == ol->cap)
	{
		size_t		ncap = ol->cap * 2;
		OpenEntry  *ne = mem->alloc(ncap * sizeof(OpenEntry));

		if (ne == NULL)
			return false;
		memcpy(ne, ol->e, ol->n * sizeof(OpenEntry));
		mem->free(ol->e);
		ol->e = ne;
		ol->cap = ncap;
	}
	i = ol->n++;
	while (i > 0)
	{
		size_t		p = (i - 1) / 2;

		if (!open_before(&x, &ol->e[p]))
			break;
		ol->e[i] = ol->e[p];
		i = p;
	}
	ol->e[i] = x;
	return true;
}

/* Remove and return the first entry (the heap must not be empty). */
static inline OpenEntry
open_pop(OpenList *ol)
{
	OpenEntry	top = ol->e[0];
	OpenEntry	x = ol->e[--ol->n];
	size_t		i = 0;

	for (;;)
	{
		size_t		l = 2 * i + 1;
		size_t		c;

		if (l >= ol->n)
			break;
		c = l;
		if (l + 1 < ol->n && open_before(&ol->e[l + 1], &ol->e[l]))
			c = l + 1;
		if (!open_before(&ol->e[c], &x))
			break;
		ol->e[i] = ol->e[c];
		i = c;
	}
	if (ol->n > 0)
		ol->e[i] = x;
	return top;
}

#endif							/* SIM_CORE_OPENLIST_H */
