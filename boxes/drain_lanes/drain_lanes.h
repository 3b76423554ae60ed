/* drain_lanes.h: boxes/drain_lanes, the owner's drain of its list of pages with remote frees, up to
 * DRAIN_LANES pages at a time: their chains are taken in list order (the same exchanges as one at a
 * time), then filed a block of each chain in turn (src/hot.c hot_free_page_chains), so the misses
 * of the chains overlap instead of waiting one behind the other.
 * Included by boxes/page_local_remote/page_local_remote.h and boxes/full_reclaim/full_reclaim_remote.h,
 * whose remote_drain calls it with their own take (exchanges a page's chain out of its xfree word). */
#ifndef HAKO_DRAIN_LANES_H
#define HAKO_DRAIN_LANES_H
#include "hot.h"

static inline uint64_t drain_lanes(heap_t *h, page_t *pg, block_t *(*take)(page_t *)) {
    uint64_t n = 0;
    while (pg) {
        page_t *pgs[DRAIN_LANES];
        block_t *chains[DRAIN_LANES];
        unsigned k = 0;
        while (pg && k < DRAIN_LANES) {
            page_t *next = pg->xnext;       /* read before take: the next free may re-announce pg */
            block_t *c = take(pg);
            if (c) {
                pgs[k] = pg;
                chains[k++] = c;
            }
            pg = next;
        }
        n += hot_free_page_chains(h, pgs, chains, k);
    }
    return n;
}
#endif
