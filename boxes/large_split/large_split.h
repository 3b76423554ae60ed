/* large_split.h: boxes/large_split, the heap's large cache (boxes/large_cache) cuts a request out
 * of a bigger kept span, and joins a freed span to a kept neighbour.
 * Included by boxes/large_cache/large_cache.h (large_cache_take asks large_split_take when no kept
 * span is the right size; large_cache_put asks large_split_join first); src/large.c calls
 * large_split_central for a span from central.
 *
 * Without it a kept span serves only a request of its own size (n..n + n/4 slices): in midsize
 * (blocks of 16 KiB..1 MiB) a quarter of the large blocks came from the cache, and every other one
 * was a trip to central to allocate and, on eviction, another to free (HAKO_STATS: 249K large
 * blocks, 61K cached).  Here a request that no kept span fits exactly takes the last n slices of
 * the smallest kept span at least n + LARGE_SPLIT_MIN_KEEP slices long; the first slices stay
 * kept, as a span of their own.  A freed span
 * that ends where a kept span begins, or begins where one ends (same segment), is joined to it, so
 * that a block cut from a kept span and freed by the same thread gives the whole span back.  The
 * bound is the cache's own (LARGE_CACHE_SLOTS spans, LARGE_CACHE_BYTES): what a heap keeps does
 * not grow.
 *
 * Kept spans are also what central lacks when it maps a segment: a heap's trip to central
 * (large_split_central) hands in what it keeps, and central gives those spans back and searches
 * again, under the same hold of the lock, before it maps one (central_alloc_span_giving).  Cuts
 * leave kept fragments: the trials mapped an 8th segment for midsize/t2 in some runs, without
 * this 6 of 10, 0 of 8 and 3 of 10, with it 4 of 10 (a guard, then, not a cure); the default 7 in
 * all 28; the rule's medians saw the same peak RSS (#95).
 *
 * The block goes at the end of the span, not the start: the slices after a block are then the ones
 * that followed the kept span, so boxes/large_inplace can grow the block into them as often as
 * before (boxes/large_swap's parked spans, ledger #93, sat right after growing blocks).
 *
 * A cut and a join only rewrite the descriptors of slices that central sees in use (a kept span is in use for
 * central: its free masks do not change, nor span_bytes; central_free_span takes each part back by
 * its own slice_count).  Nobody else reads them: no other thread holds a pointer into a kept span,
 * and central reads only the free masks of slices it does not own.  A second free of a block that
 * was joined to the span before it resolves to that span (PAGE_LARGE_CACHED) and still stops, as
 * "invalid pointer (inside a freed block)". */
#ifndef HAKO_LARGE_SPLIT_H
#define HAKO_LARGE_SPLIT_H

/* A cut leaves at least this many slices kept: the smallest large span (SMALL_MAX + 1 bytes). */
#define LARGE_SPLIT_MIN_KEEP ((size_t)(SMALL_MAX >> SLICE_SHIFT) + 1)

/* The last n slices of the smallest kept span at least n + LARGE_SPLIT_MIN_KEEP slices long, as a
 * span of their own (the rest stays kept), or NULL. */
static inline page_t *large_split_take(heap_t *h, size_t n) {
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < h->large_count; i++) {
        size_t s = h->large[i]->slice_count;
        if (s >= n + LARGE_SPLIT_MIN_KEEP && (best == UINT32_MAX || s < h->large[best]->slice_count)) best = i;
    }
    if (best == UINT32_MAX) return NULL;
    page_t *c = h->large[best];
    segment_t *seg = segment_of(c);
    unsigned first = (unsigned)(c - seg->pages), s = c->slice_count, keep = s - (unsigned)n;
    page_t *pg = &seg->pages[first + keep];
    central_mark_span(seg, first, keep, PAGE_LARGE_CACHED);
    central_mark_span(seg, first + keep, (unsigned)n, PAGE_LARGE);
    pg->is_zero = 0;
    pg->gen = (uint16_t)(c->gen + 1);                   /* a new layout, as central marks one */
    pg->free = pg->local_free = NULL;
    h->large_bytes -= n * SLICE_SIZE;
    STAT_INC(h->stats.large_split);
    return pg;
}

/* A span of n slices from central for h's large block; should central have to map a segment for
 * it, the spans h keeps go back first (the same hold of the lock), and central looks again. */
static inline page_t *large_split_central(heap_t *h, size_t n) {
    unsigned k = h->large_count;
    page_t *pg = central_alloc_span_giving(n, PAGE_LARGE, h->large, &k);
    if (k == 0 && h->large_count) {
        h->large_count = 0;
        h->large_bytes = 0;
        STAT_INC(h->stats.large_given);
    }
    return pg;
}

/* *pg (a large span just freed) joined to a kept span that ends where it begins or begins where
 * it ends, that span taken out of the cache: true, and *pg the joined span; false when there is
 * none. */
static inline bool large_split_join(heap_t *h, page_t **pgp) {
    page_t *pg = *pgp;
    segment_t *seg = segment_of(pg);
    unsigned first = (unsigned)(pg - seg->pages), n = pg->slice_count;
    for (uint32_t i = 0; i < h->large_count; i++) {
        page_t *c = h->large[i];
        if (segment_of(c) != seg) continue;
        unsigned cf = (unsigned)(c - seg->pages), cn = c->slice_count;
        if (cf + cn != first && first + n != cf) continue;
        large_cache_remove(h, i);                       /* its bytes and slot, now part of pg's */
        unsigned head = cf < first ? cf : first;
        central_mark_span(seg, head, cn + n, PAGE_LARGE);
        STAT_INC(h->stats.large_joined);
        *pgp = &seg->pages[head];
        return true;
    }
    return false;
}

#endif
