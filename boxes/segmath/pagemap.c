/* pagemap.c: boxes/segmath, the page map's storage.  Leaves (512 KiB of address space each,
 * touched only where spans live) are mapped on first use and never freed. */
#include "pagemap.h"
#include "os.h"

_Atomic(page_t *) *_Atomic hako_pagemap[(size_t)1 << PAGEMAP_L1_BITS];

void pagemap_set(const uint8_t *start, size_t slices, page_t *pg) {
    for (size_t i = 0; i < slices; i++) {
        uintptr_t a = (uintptr_t)start + i * SLICE_SIZE;
        _Atomic(page_t *) *_Atomic *slot = &hako_pagemap[a >> (SLICE_SHIFT + PAGEMAP_L2_BITS)];
        _Atomic(page_t *) *leaf = atomic_load_explicit(slot, memory_order_acquire);
        if (!leaf) {
            _Atomic(page_t *) *fresh = os_map(sizeof(page_t *) << PAGEMAP_L2_BITS);
            if (!fresh) return;                  /* no entry: the slow path still finds the page */
            _Atomic(page_t *) *expected = NULL;
            if (atomic_compare_exchange_strong(slot, &expected, fresh)) leaf = fresh;
            else { os_unmap(fresh, sizeof(page_t *) << PAGEMAP_L2_BITS); leaf = expected; }
        }
        store_relaxed(&leaf[(a >> SLICE_SHIFT) & (((uintptr_t)1 << PAGEMAP_L2_BITS) - 1)], pg);
    }
}
