/* segment_arena.h: boxes/segment_arena, sliced segments from one reserved range of addresses, so
 * that free() knows a pointer is hako's by a subtraction and one compare.
 * Included by src/api.c (core_free's test: arena_page_of) and by segment_arena_central.h (src/central.c: where
 * segments come from and go back to).
 *
 * Without it free() tests the segment map (one bit per 4 MiB of the address space) before it may
 * read the segment header: a bound on the address, the word's index, the load, the bit's index, a
 * bit test, ten instructions.  Here central reserves one range (PROT_NONE, no memory, no commit
 * charge) the first time it needs a segment and takes every sliced segment from it, lowest slot
 * first: [base, base + top) is then made only of live segments and released ones, and a released
 * slot is not unmapped but emptied (MADV_DONTNEED: it reads back as zeros, its owner words 0, so a
 * stale pointer into it takes the slow path and its full lookup, which names it).  So every
 * address below top can be read, and free() asks only a - base < top before it reads the header.
 *
 * free() reads base and top from its own heap, next to the counters it writes anyway (two memory
 * operands, no extra line): a thread's copy may be older than central's (top only grows), which
 * sends a pointer of a newer segment to the segment map, and that path refreshes the copy.  A
 * thread without a heap (hako_empty_heap, never written) always takes the segment map.  Anything
 * outside the range (huge blocks, segments mapped once the range is full or could not be
 * reserved) takes the segment map as before. */
#ifndef HAKO_SEGMENT_ARENA_H
#define HAKO_SEGMENT_ARENA_H
#include <stdatomic.h>
#include <stdint.h>
#include "types.h"

typedef struct seg_arena {
    _Atomic uintptr_t top;      /* [central writes, release] bytes from base that are readable segments */
    _Atomic uintptr_t base;     /* [central, set once] the range's first byte, SEG_SIZE aligned */
    _Atomic uintptr_t size;     /* [central, set once] bytes reserved (0: none); the exit dump's arena_bytes */
} seg_arena_t;

#pragma GCC visibility push(hidden)
extern seg_arena_t hako_seg_arena;
#pragma GCC visibility pop

/* h's copy of the range, read again (hako_empty_heap, shared by threads without a heap, keeps 0). */
static inline void seg_arena_refresh(heap_t *h) {
    if (h == &hako_empty_heap) return;
    h->arena_top = atomic_load_explicit(&hako_seg_arena.top, memory_order_acquire);
    h->arena_base = load_relaxed(&hako_seg_arena.base);     /* set before top was */
}
#endif
