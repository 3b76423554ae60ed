/* owner_stash.h: boxes/owner_stash, the remote frees a thread holds for other heaps.
 * Included by src/cache.c only, at its one boundary (stash_put / stash_flush). */
#ifndef HAKO_OWNER_STASH_H
#define HAKO_OWNER_STASH_H
#include "types.h"

/* Keeps b (already marked free) for owner; false when it could not (then push it directly). */
HIDDEN bool stash_put(heap_t *self, heap_t *owner, block_t *b);
/* Hands every held chain to its owner. */
HIDDEN void stash_flush(heap_t *self);
#endif
