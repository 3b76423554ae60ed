/* pagemap.h: boxes/segmath, a two-level map from a 64 KiB slice to the descriptor of the
 * small-block span that holds it (NULL for anything else). */
#ifndef HAKO_PAGEMAP_H
#define HAKO_PAGEMAP_H
#include "types.h"

#define PAGEMAP_L2_BITS 16                        /* slices per leaf: 4 GiB of address space */
#define PAGEMAP_L1_BITS (ADDR_BITS - SLICE_SHIFT - PAGEMAP_L2_BITS)

extern _Atomic(page_t *) *_Atomic hako_pagemap[(size_t)1 << PAGEMAP_L1_BITS];

static inline page_t *pagemap_get(uintptr_t a) {
    if (unlikely(a >> ADDR_BITS)) return NULL;
    _Atomic(page_t *) *leaf = load_relaxed(&hako_pagemap[a >> (SLICE_SHIFT + PAGEMAP_L2_BITS)]);
    if (unlikely(!leaf)) return NULL;
    return load_relaxed(&leaf[(a >> SLICE_SHIFT) & (((uintptr_t)1 << PAGEMAP_L2_BITS) - 1)]);
}

/* Points the slices of [start, start + n slices) at pg (NULL clears them). */
HIDDEN void pagemap_set(const uint8_t *start, size_t slices, page_t *pg);
#endif
