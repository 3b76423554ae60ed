/* hot.h: the hot layer's fast paths, inlined into the api.
 * Owns: the calling thread's heap (its pages' free lists, its class queues, its counters).
 * May call: cache (on a miss or a remote free), central (for a new page).
 * Never touches another thread's heap, takes no lock and does no atomic read-modify-write.
 *
 * A thread that has not allocated yet points at hako_empty_heap, whose every class resolves to
 * hako_empty_page (free == NULL): the first malloc falls into the slow path, which gives the
 * thread a heap; a first free never needs one. */
#ifndef HAKO_HOT_H
#define HAKO_HOT_H
#include "types.h"

extern __thread heap_t *hako_tl_heap __attribute__((tls_model("initial-exec")));

void *hot_alloc_refill(heap_t *h, unsigned cls);         /* slow path of an allocation */
void  hot_free_local_slow(heap_t *h, page_t *pg, block_t *b); /* owner free needing a queue change */
#if HAKO_REMOTE_LEAN
uint64_t hot_free_page_chain(heap_t *h, page_t *pg, block_t *b);  /* boxes/remote_lean */
#endif
#if HAKO_DRAIN_LANES
#define DRAIN_LANES 8
uint64_t hot_free_page_chains(heap_t *h, page_t **pgs, block_t **chains, unsigned k); /* boxes/drain_lanes */
#endif
#if HAKO_REMOTE_BITMAP
uint64_t hot_free_page_bits(heap_t *h, page_t *pg, const uint64_t *bits, const unsigned *first, unsigned k); /* boxes/remote_bitmap */
#endif
#if HAKO_REMOTE_SPLICE
void  hot_free_chain(heap_t *h, page_t *pg, block_t *head, uint32_t n); /* boxes/remote_splice */
#endif
#if HAKO_LEND_TO_CURRENT
void  hot_lend_return(heap_t *h);                         /* boxes/lend_to_current: lent blocks back home */
#endif
#if HAKO_CLASS_LIFO
void  hot_free_own_slow(heap_t *h, page_t *t);            /* boxes/class_lifo: empty page, or full list */
void  hot_lifo_return(heap_t *h);                         /* boxes/class_lifo: every listed block goes home */
#endif
#if HAKO_FOREIGN_REUSE
void  hot_foreign_head(heap_t *h, unsigned cls);          /* boxes/foreign_reuse: kept blocks first */
void  hot_foreign_return(heap_t *h);                      /* boxes/foreign_reuse: kept blocks to owners */
#endif
void  hot_page_empty(heap_t *h, page_t *pg);
#if HAKO_PAGE_RECYCLE
void  hot_recycle_flush(heap_t *h);         /* boxes/page_recycle: kept empty pages back to central */
#endif
void  hot_heap_init(heap_t *h);
void  hot_heap_collect(heap_t *h, bool all);             /* return empty pages to central */

/* ---- the link of a page's free lists: plain, or encoded and checked by a box ----------------- */
#if HAKO_FREELIST_GUARD
#include "freelist_guard.h"     /* boxes/freelist_guard */
#else
static inline block_t *link_get(const page_t *pg, const block_t *b) { (void)pg; return b->next; }
static inline void link_set(block_t *b, block_t *next) { b->next = next; }
#endif

/* Pops a block of page pg (pg->free != NULL). */
static inline void *hot_pop(heap_t *h, page_t *pg, block_t *b) {
#if HAKO_POP_PREFETCH
    block_t *next = link_get(pg, b);
    pg->free = next;
    __builtin_prefetch(next, 1, 3);     /* boxes/pop_prefetch: the next pop's line, while the caller works */
#else
    pg->free = link_get(pg, b);
#endif
    pg->used++;
    b->mark = 0;
    STAT_INC(h->stats.malloc);
    return b;
}

/* size <= DIRECT_MAX: the current page of class_of(size) (&hako_empty_page when it has none). */
static inline page_t *hot_direct_page(const heap_t *h, size_t size) {
    return h->direct[(size + ALIGN_MIN - 1) / ALIGN_MIN];
}

/* size <= DIRECT_MAX: one table lookup, one list pop.  Written so the fast path needs no stack. */
static inline void *hot_alloc_direct(heap_t *h, size_t size) {
    page_t *pg = hot_direct_page(h, size);
    block_t *b = pg->free;
    if (likely(b != NULL)) return hot_pop(h, pg, b);
    return hot_alloc_refill(h, class_of(size));
}

static inline void *hot_alloc_class(heap_t *h, unsigned cls) {
    page_t *pg = h->cur[cls];
    block_t *b = pg->free;
    if (likely(b != NULL)) return hot_pop(h, pg, b);
    return hot_alloc_refill(h, cls);
}

/* Index of p's block in its small page, or UINT32_MAX when p is not the start of a carved block. */
static inline uint32_t hot_block_index(const page_t *pg, const void *p) {
    uintptr_t off = (uintptr_t)p - (uintptr_t)pg->start;
    uint64_t q = ((uint64_t)off * pg->div_magic) >> 40;
    if (unlikely(q * pg->block_size != off || q >= load_relaxed(&pg->capacity))) return UINT32_MAX;
    return (uint32_t)q;
}

/* True when p is the start of a block carved from small page pg. */
#if HAKO_FREE_LEAN
#include "free_lean.h"        /* boxes/free_lean: a bound and one multiplication, no quotient */
#else
static inline bool hot_is_block(const page_t *pg, const void *p) { return hot_block_index(pg, p) != UINT32_MAX; }
#endif

/* The owner frees a block of its own page (already validated; not yet marked free). */
static inline void hot_free_local(heap_t *h, page_t *pg, block_t *b) {
#if HAKO_LIFO_FREE
    /* boxes/lifo_free: the block is the page's next allocation, while its lines are still cached */
    link_set(b, pg->free);
    b->mark = block_mark(b);
    pg->free = b;
#else
    link_set(b, pg->local_free);
    b->mark = block_mark(b);
    pg->local_free = b;
#endif
    STAT_INC(h->stats.free);
    if (unlikely(--pg->used == 0)) hot_page_empty(h, pg);
}

#if HAKO_CLASS_LIFO
#include "class_lifo.h"         /* boxes/class_lifo */
/* boxes/class_lifo: the owner frees a block of its own page (validated, not yet marked free; a
 * queued page from free(), or a full one of a list class from lend_free) onto the page's target:
 * the page itself, or its class's list, whose used counts the room left (there the block stays
 * counted in use by pg).  Either way used reaching 0 is the slow case: an empty page, or a full list. */
static inline void hot_free_own(heap_t *h, page_t *pg, block_t *b) {
    page_t *t = pg->target;
    link_set(b, t->free);
    b->mark = block_mark(b);
    t->free = b;
    STAT_INC(h->stats.free);
    if (unlikely(--t->used == 0)) hot_free_own_slow(h, t);
}
#endif
#endif
