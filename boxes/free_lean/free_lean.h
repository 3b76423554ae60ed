/* free_lean.h: boxes/free_lean, the free path's descriptor lookup and block check without
 * multiplications by the descriptor size or a quotient.  Included by src/hot.h.
 *
 * The core finds a block's descriptor as pages[slice] - slice_offset (two multiplications by the
 * 192-byte descriptor) and checks the block by computing its index (a multiplication by a magic
 * number, a shift, a multiplication back) and comparing it with capacity.  Here each descriptor
 * keeps span_back, the same distance in bytes (types.h page_of), and a small page keeps carved
 * (capacity * block_size) and div_exact = ceil(2^64 / block_size): off = p - start is a block start
 * iff off < carved and off * div_exact (mod 2^64) < div_exact.  That divisibility test holds for
 * every off and block_size below 2^32 (Lemire, Kaser, Kurz, "Faster remainder by direct
 * computation", 2019); off < carved <= 4 MiB here. */
#ifndef HAKO_FREE_LEAN_H
#define HAKO_FREE_LEAN_H

_Static_assert(offsetof(page_t, span_back) + sizeof(uint16_t) <= 64,
               "boxes/free_lean: the new fields stay on the descriptor's first line");
_Static_assert(SLICES * sizeof(page_t) <= UINT16_MAX, "boxes/free_lean: span_back fits 16 bits");

#if HAKO_FUSED_BLOCK_CHECK
#include "fused_block_check.h"  /* boxes/fused_block_check: one multiplication, one compare */
#else
static inline bool hot_is_block(const page_t *pg, const void *p) {
    uint64_t off = (uintptr_t)p - (uintptr_t)pg->start;
    return off < load_relaxed(&pg->carved) && off * pg->div_exact < pg->div_exact;
}
#endif
#endif
