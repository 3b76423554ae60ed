/* aligned_direct.h: boxes/aligned_direct, an aligned allocation of up to DIRECT_MAX bytes takes
 * malloc's fast path: the heap's direct table, one test of the page's block size, one pop.
 * Included by src/api.c (core_memalign, core_posix_memalign: aligned_alloc, memalign, valloc,
 * pvalloc and posix_memalign all go through one of them).
 *
 * Without it every aligned request goes through aligned_alloc_impl, out of line: the size rounded
 * to the alignment, its class computed twice (class_of, class_size, and class_of of the next power
 * of two when the class's size is not a multiple of the alignment), then the class's current page;
 * posix_memalign saves and restores errno around it.  Some 65 instructions where malloc takes 15.
 *
 * Here: sz = size rounded up to the alignment.  A block of a small page starts at
 * start + k * block_size and start is on a 64 KiB boundary, so every block of the page is aligned
 * to align when block_size is a multiple of it.  The direct slot of sz is the current page of
 * class_of(sz); if its block size is a multiple of align and its list is not empty, its first
 * block is the answer.  Anything else (sz 0 or above DIRECT_MAX, the empty page, an empty list, a
 * block size that is not a multiple) returns NULL, and the caller takes the ordinary path, which
 * also sets errno: the fast path never touches errno. */
#ifndef HAKO_ALIGNED_DIRECT_H
#define HAKO_ALIGNED_DIRECT_H
#include "types.h"
#include "hot.h"

/* align: a power of two.  A block of at least size bytes aligned to align, or NULL: not here. */
static inline void *aligned_direct(size_t align, size_t size) {
    if (unlikely(size - 1 >= DIRECT_MAX)) return NULL;          /* 0, too big, or no room to round */
    size_t sz = (size + align - 1) & ~(align - 1);
    if (unlikely(sz > DIRECT_MAX)) return NULL;
    heap_t *h = hako_tl_heap;
    page_t *pg = hot_direct_page(h, sz);
    block_t *b = pg->free;
    if (likely((pg->block_size & (align - 1)) == 0 && b != NULL)) return hot_pop(h, pg, b);
    return NULL;
}
#endif
