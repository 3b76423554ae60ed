/* hot.c: the hot layer's slow paths: class queues, refilling a page's free list, new pages.
 * Owns: the calling thread's heap (see hot.h).
 * May call: cache (cache_slow_path, cache_heap_acquire), central (spans).
 *
 * Each size class has a queue of pages that may still have free blocks; its head is the current
 * page, mirrored in heap->cur[] and, for sizes up to DIRECT_MAX, in heap->direct[] so that the
 * fast path is one table load and one list pop.  A page found without free blocks leaves the queue
 * and is flagged XHEAP_FULL in its owner word: the owner's next free of one of its blocks fails
 * the fast path's owner test and puts it back.  Free lists grow lazily (EXTEND_BYTES at a time;
 * with boxes/extend_page, the blocks that start on one OS page) so a new page costs page faults
 * only for the blocks used. */
#define _GNU_SOURCE
#include <errno.h>
#include "hot.h"
#include "cache.h"
#include "central.h"
#if HAKO_LEND_TO_CURRENT
#include "lend_to_current.h"    /* boxes/lend_to_current: lend_gather, lend_depth */
#endif
#if HAKO_FULL_RECLAIM
#include "full_reclaim.h"       /* boxes/full_reclaim: full pages go quiet, and wake when requeued */
#endif
#if HAKO_PAGE_RECYCLE
#include "page_recycle.h"       /* boxes/page_recycle: empty pages of several slices to the heap's stash */
#endif
#if HAKO_PAGE_CAP
#include "page_cap.h"           /* boxes/page_cap: pages of the biggest classes span at most PAGE_CAP_SLICES */
#endif
#if HAKO_EXTEND_PAGE
#include "extend_page.h"        /* boxes/extend_page: a carve takes the blocks that start on one OS page */
#endif
#if HAKO_CLASS_LIFO
#include "class_lifo.h"         /* boxes/class_lifo: the thread's own frees of a class, newest first */
#endif

__thread heap_t *hako_tl_heap __attribute__((tls_model("initial-exec"))) = &hako_empty_heap;

page_t hako_empty_page;
heap_t hako_empty_heap = {
    .direct = { [0 ... DIRECT_SLOTS - 1] = &hako_empty_page },
    .cur = { [0 ... NCLASS - 1] = &hako_empty_page },
    .state = HEAP_DEAD,
};

/* ---- class queues ------------------------------------------------------------------------------ */

/* Points cur[] and the direct slots of class cls at its queue head. */
static void queue_head_changed(heap_t *h, unsigned cls) {
#if HAKO_CLASS_LIFO
    if (lifo_class(cls)) return;    /* boxes/class_lifo: cur[] and the direct slots stay on its list */
#endif
    page_t *pg = h->queue[cls].first ? h->queue[cls].first : &hako_empty_page;
    h->cur[cls] = pg;
#if HAKO_LEND_LEAN
    if (pg != &hako_empty_page) lend_head_changed(h, cls, pg);     /* boxes/lend_lean */
#endif
    size_t lo = cls == 0 ? 0 : class_size(cls - 1) / ALIGN_MIN + 1;
    size_t hi = class_size(cls) / ALIGN_MIN;
    if (hi >= DIRECT_SLOTS) hi = DIRECT_SLOTS - 1;
    for (size_t s = lo; s <= hi; s++) h->direct[s] = pg;
}

static void queue_remove(heap_t *h, page_t *pg) {
    page_queue_t *q = &h->queue[pg->cls];
    bool was_first = q->first == pg;
    if (pg->prev) pg->prev->next = pg->next; else q->first = pg->next;
    if (pg->next) pg->next->prev = pg->prev; else q->last = pg->prev;
    pg->next = pg->prev = NULL;
    if (was_first) queue_head_changed(h, pg->cls);
}

static void queue_push_front(heap_t *h, page_t *pg) {
    page_queue_t *q = &h->queue[pg->cls];
    pg->prev = NULL;
    pg->next = q->first;
    if (q->first) q->first->prev = pg; else q->last = pg;
    q->first = pg;
    queue_head_changed(h, pg->cls);
}

static void queue_push_back(heap_t *h, page_t *pg) {
    page_queue_t *q = &h->queue[pg->cls];
    pg->next = NULL;
    pg->prev = q->last;
    if (q->last) q->last->next = pg; else q->first = pg;
    q->last = pg;
    if (q->first == pg) queue_head_changed(h, pg->cls);
}

void hot_heap_init(heap_t *h) {
    for (unsigned c = 0; c < NCLASS; c++) {
        h->queue[c].first = h->queue[c].last = NULL;
        h->cur[c] = &hako_empty_page;
    }
    for (unsigned s = 0; s < DIRECT_SLOTS; s++) h->direct[s] = &hako_empty_page;
#if HAKO_CLASS_LIFO
    /* boxes/class_lifo: the classes of bigger blocks allocate from their list, which starts empty */
    for (unsigned c = 0; c < NCLASS; c++) {
        page_t *l = &h->lifo[c];
        l->free = l->local_free = NULL;
        l->block_size = (uint32_t)class_size(c);
        l->cls = (uint8_t)c;
        l->reserved = l->used = lifo_limit(class_size(c));
        if (!lifo_class(c)) continue;
        h->cur[c] = l;
        size_t lo = c == 0 ? 0 : class_size(c - 1) / ALIGN_MIN + 1;
        size_t hi = class_size(c) / ALIGN_MIN;
        if (hi >= DIRECT_SLOTS) hi = DIRECT_SLOTS - 1;
        for (size_t s = lo; s <= hi; s++) h->direct[s] = l;
    }
#endif
}

/* ---- pages ------------------------------------------------------------------------------------- */

static size_t class_slices(unsigned cls) {
    size_t need = class_size(cls) * MIN_BLOCKS;
#if HAKO_PAGE_CAP
    return page_cap_slices(class_size(cls), (need + SLICE_SIZE - 1) / SLICE_SIZE);   /* boxes/page_cap */
#else
    return (need + SLICE_SIZE - 1) / SLICE_SIZE;
#endif
}

static page_t *page_new(heap_t *h, unsigned cls) {
    size_t slices = class_slices(cls);
#if HAKO_PAGE_RECYCLE
    page_t *pg = page_recycle_take(h, slices);          /* boxes/page_recycle: an empty page this heap kept */
    if (!pg && (pg = central_alloc_span(slices, PAGE_SMALL)) != NULL) STAT_INC(h->stats.central_refill);
#else
    page_t *pg = central_alloc_span(slices, PAGE_SMALL);
#endif
    if (!pg) return NULL;
    size_t bs = class_size(cls);
    pg->start = page_start(pg);
    pg->block_size = (uint32_t)bs;
    pg->div_magic = (((uint64_t)1 << 40) / bs) + 1;
    pg->reserved = (uint32_t)(slices * SLICE_SIZE / bs);
    store_relaxed(&pg->capacity, 0);
#if HAKO_FUSED_BLOCK_CHECK
    store_relaxed(&pg->valid_below, 0);                 /* boxes/fused_block_check */
    pg->div_exact = fused_multiplier(bs);
#elif HAKO_FREE_LEAN
    store_relaxed(&pg->carved, 0);                      /* boxes/free_lean */
    pg->div_exact = UINT64_MAX / bs + 1;
#endif
    pg->used = 0;
    pg->free = pg->local_free = NULL;
    pg->cls = (uint8_t)cls;
    store_relaxed(&pg->xheap, (uintptr_t)h);
#if HAKO_CLASS_LIFO
    pg->target = lifo_class(cls) ? &h->lifo[cls] : pg;   /* boxes/class_lifo */
#endif
#if !HAKO_PAGE_RECYCLE
    STAT_INC(h->stats.central_refill);
#endif
    queue_push_front(h, pg);
    return pg;
}

/* Carves the next blocks of the span into pg->free (which is empty). */
static void page_extend(page_t *pg) {
    uint32_t cap = load_relaxed(&pg->capacity);
    size_t bs = pg->block_size;
#if HAKO_EXTEND_PAGE
    uint32_t n = extend_page_blocks(pg->start + (size_t)cap * bs, bs);   /* boxes/extend_page */
#else
    uint32_t n = (uint32_t)(EXTEND_BYTES / bs);
    if (n == 0) n = 1;
#endif
    if (n > pg->reserved - cap) n = pg->reserved - cap;
    uint8_t *first = pg->start + (size_t)cap * bs;
    uint8_t *p = first;
    for (uint32_t i = 0; i + 1 < n; i++, p += bs) {
        block_t *b = (block_t *)p;
        link_set(b, (block_t *)(p + bs));
        b->mark = block_mark(b);
    }
    link_set((block_t *)p, NULL);
    ((block_t *)p)->mark = block_mark(p);
    pg->free = (block_t *)first;
    store_relaxed(&pg->capacity, cap + n);
#if HAKO_FUSED_BLOCK_CHECK
    store_relaxed(&pg->valid_below, fused_bound(cap + n, bs, pg->div_exact));   /* boxes/fused_block_check */
#elif HAKO_FREE_LEAN
    store_relaxed(&pg->carved, (uint32_t)((cap + n) * bs));   /* boxes/free_lean */
#endif
}

/* A page with a block to hand out for class cls, made the queue head; NULL when out of memory. */
static page_t *page_find(heap_t *h, unsigned cls) {
    cache_slow_path(h);
    page_t *pg = h->queue[cls].first;
#if HAKO_REUSE_FIRST
    /* boxes/reuse_first: blocks already freed in any page of the queue before new ones are carved */
    for (page_t *q = pg; q; q = q->next)
        if (q->free || q->local_free) { pg = q; break; }
#endif
    while (pg) {
        if (pg->free) break;
        if (pg->local_free) {
            pg->free = pg->local_free;
            pg->local_free = NULL;
            break;
        }
        if (load_relaxed(&pg->capacity) < pg->reserved) {
            page_extend(pg);
            break;
        }
        page_t *next = pg->next;
        queue_remove(h, pg);
        store_relaxed(&pg->xheap, (uintptr_t)h | XHEAP_FULL);
#if HAKO_FULL_RECLAIM
        full_reclaim_quiet(pg);             /* boxes/full_reclaim */
#endif
        pg = next;
    }
    if (!pg) {
        pg = page_new(h, cls);
        if (!pg) return NULL;
        page_extend(pg);
    } else if (h->queue[cls].first != pg) {
        queue_remove(h, pg);
        queue_push_front(h, pg);
    }
    return pg;
}

#if HAKO_CLASS_LIFO
/* boxes/class_lifo: list l takes up to want (> 0) blocks of pg's free list (not empty); how many.
 * They stay marked free, and count as in use in pg.  A page's whole list goes onto an empty l
 * without being read when it fits: with no local_free its length is capacity - used. */
static uint32_t lifo_take(page_t *l, page_t *pg, uint32_t want) {
    block_t *first = pg->free, *b = first, *last;
    uint32_t n = 0;
    if (!l->free && !pg->local_free) {
        n = load_relaxed(&pg->capacity) - pg->used;
        if (n <= want) {
            pg->free = NULL;
            l->free = first;
            pg->used += n;
            l->used -= n;
            return n;
        }
        n = 0;
    }
    do {
        last = b;
        b = link_get(pg, b);
        n++;
    } while (b && n < want);
    pg->free = b;
    link_set(last, l->free);
    l->free = first;
    pg->used += n;
    l->used -= n;
    return n;
}

/* boxes/class_lifo: the page a refill starts from: the first of the queue's first pages with free
 * blocks (the frees that go home land on any page, not the head), and only when none has any, the
 * head as page_find makes it (which carves new blocks, or takes a new page). */
static page_t *lifo_source(heap_t *h, unsigned cls) {
    cache_slow_path(h);
    unsigned looked = 0;
    for (page_t *q = h->queue[cls].first; q && looked <= LIFO_GATHER_PAGES; q = q->next, looked++)
        if (q->free) return q;
    return page_find(h, cls);
}

/* boxes/class_lifo: the empty list l fills, up to half its bound, from pg (lifo_source's page, with
 * free blocks) and then from the free lists of the fully carved pages that follow it in the queue. */
static void lifo_refill(page_t *l, page_t *pg) {
    uint32_t want = lifo_refill_count(l);
    want -= lifo_take(l, pg, want);
    unsigned looked = 0;
    for (page_t *q = pg->next; q && want && looked < LIFO_GATHER_PAGES; q = q->next, looked++)
        if (q->free && load_relaxed(&q->capacity) == q->reserved) want -= lifo_take(l, q, want);
}

/* Sends the blocks from b on (a chain of class list entries) back to their own pages; how many. */
static uint64_t lifo_send_home(heap_t *h, block_t *b) {
    uint64_t n = 0;
    while (b) {
        block_t *next = b->next;
        page_t *pg = page_of(segment_of(b), b);
        hot_free_local_slow(h, pg, b);      /* re-queues a page that had left its queue (full) */
        n++;
        b = next;
    }
    STAT_ADD(h->stats.free, -n);            /* counted when they were listed */
    STAT_ADD(h->stats.lifo_flushed, n);
    return n;
}

/* boxes/class_lifo: a free found list l full: its newest half stays, the rest goes home. */
static void lifo_flush(heap_t *h, page_t *l) {
    uint32_t keep = l->reserved / 2;
    block_t **link = &l->free;
    for (uint32_t i = 0; i < keep && *link; i++) link = &(*link)->next;
    block_t *rest = *link;
    *link = NULL;
    l->used = l->reserved - keep;
    lifo_send_home(h, rest);
}

/* boxes/class_lifo: hot_free_own left target t with used 0: a class's list is full, or a page is empty. */
void hot_free_own_slow(heap_t *h, page_t *t) {
    if (t >= h->lifo && t < h->lifo + NCLASS) lifo_flush(h, t);
    else hot_page_empty(h, t);
}

/* boxes/class_lifo: every class's list goes home (the thread leaves, or trims). */
void hot_lifo_return(heap_t *h) {
    for (unsigned c = 0; c < NCLASS; c++) {
        page_t *l = &h->lifo[c];
        if (!l->free) continue;
        block_t *b = l->free;
        l->free = NULL;
        l->used = l->reserved;
        lifo_send_home(h, b);
    }
}
#endif

static void *alloc_from(heap_t *h, unsigned cls) {
    STAT_INC(h->stats.alloc_slow);
#if HAKO_FULL_RECLAIM
    store_relaxed(&h->slow_epoch, load_relaxed(&h->slow_epoch) + 1);   /* boxes/full_reclaim */
#endif
#if HAKO_FOREIGN_REUSE
    if (h->cur[cls] == &h->foreign[cls]) queue_head_changed(h, cls);   /* its kept blocks ran out */
#endif
#if HAKO_CLASS_LIFO
    page_t *l = &h->lifo[cls];              /* boxes/class_lifo: its list is empty, fill it from a page */
    if (lifo_class(cls)) {
        if (l->free) return hot_pop(h, l, l->free);
        page_t *pg = lifo_source(h, cls);
        if (unlikely(!pg)) { errno = ENOMEM; return NULL; }
        lifo_refill(l, pg);
        return hot_pop(h, l, l->free);
    }
#endif
    page_t *pg = page_find(h, cls);
    if (unlikely(!pg)) { errno = ENOMEM; return NULL; }
#if HAKO_LEND_TO_CURRENT
    lend_gather(h, cls, pg);                /* boxes/lend_to_current: free blocks of the next pages */
#endif
    return hot_pop(h, pg, pg->free);
}

/* An allocation by a thread whose heap already left (a key destructor after hako's own). */
static __attribute__((noinline)) void *alloc_late(unsigned cls) {
    heap_t *h = cache_heap_lend();
    if (!h) { errno = ENOMEM; return NULL; }
    void *p = alloc_from(h, cls);
    cache_heap_give_back(h);
    return p;
}

void *hot_alloc_refill(heap_t *h, unsigned cls) {
    if (unlikely(h == &hako_empty_heap)) {
        if (unlikely(cache_thread_left())) return alloc_late(cls);
        h = cache_heap_acquire();
        if (!h) { errno = ENOMEM; return NULL; }
    }
    return alloc_from(h, cls);
}

/* A page that had left its queue (XHEAP_FULL) gets a block back: back in the queue. */
static void page_requeue(heap_t *h, page_t *pg) {
    if (load_relaxed(&pg->xheap) & XHEAP_FULL) {
        store_relaxed(&pg->xheap, (uintptr_t)h);
        queue_push_back(h, pg);
#if HAKO_FULL_RECLAIM
        full_reclaim_wake(h, pg);           /* boxes/full_reclaim: its quiet remote frees come back */
#endif
    }
}

/* The owner frees a block of a page that may have left its queue. */
void hot_free_local_slow(heap_t *h, page_t *pg, block_t *b) {
    page_requeue(h, pg);
    hot_free_local(h, pg, b);
}

#if HAKO_REMOTE_LEAN
/* boxes/remote_lean: the owner takes back a chain of blocks of its page pg (linked by next) that
 * other threads freed: the page is re-queued once, then each block is a local free; how many. */
uint64_t hot_free_page_chain(heap_t *h, page_t *pg, block_t *b) {
    page_requeue(h, pg);
    uint64_t n = 0;
    while (b) {
        block_t *next = b->next;
        n++;
        hot_free_local(h, pg, b);
        b = next;
    }
    return n;
}
#endif

#if HAKO_DRAIN_LANES
/* boxes/drain_lanes: the owner takes back the chains of k of its pages (pgs[i]'s blocks linked by
 * next from chains[i]) a block of each chain in turn: a chain is a walk of dependent loads, each
 * a likely miss (another thread wrote the block last), but the chains do not depend on each other,
 * so their misses can be in flight together.  The arrays are the caller's, overwritten.  How many. */
uint64_t hot_free_page_chains(heap_t *h, page_t **pgs, block_t **chains, unsigned k) {
    uint64_t n = 0;
    for (unsigned i = 0; i < k; i++) page_requeue(h, pgs[i]);
    while (k) {
        for (unsigned i = 0; i < k;) {
            block_t *b = chains[i];
            block_t *next = b->next;
            hot_free_local(h, pgs[i], b);
            n++;
            if (next) {
                chains[i++] = next;
            } else {                        /* this chain is done: the last lane takes its place */
                k--;
                pgs[i] = pgs[k];
                chains[i] = chains[k];
            }
        }
    }
    return n;
}
#endif

#if HAKO_REMOTE_BITMAP
/* boxes/remote_bitmap: the owner takes back blocks of its page pg that other threads freed, named
 * by k words of bits (bit i of bits[j]: block first[j] + i); returns how many.  They are linked
 * in the order they are written, first to last, so the first one handed out is the one whose line
 * was asked for first. */
uint64_t hot_free_page_bits(heap_t *h, page_t *pg, const uint64_t *bits, const unsigned *first, unsigned k) {
    page_requeue(h, pg);
    uint8_t *start = pg->start;
    size_t bs = pg->block_size;
    block_t *head = NULL, *last = NULL;
    uint32_t n = 0;
    for (unsigned j = 0; j < k; j++)
        for (uint64_t w = bits[j]; w; w &= w - 1) {
            block_t *b = (block_t *)(start + (size_t)(first[j] + (unsigned)__builtin_ctzll(w)) * bs);
            b->mark = block_mark(b);
            if (last) link_set(last, b); else head = b;
            last = b;
            n++;
        }
#if HAKO_LIFO_FREE
    link_set(last, pg->free);
    pg->free = head;
#else
    link_set(last, pg->local_free);
    pg->local_free = head;
#endif
    STAT_ADD(h->stats.free, n);
    pg->used -= n;
    if (pg->used == 0) hot_page_empty(h, pg);
    return n;
}
#endif

#if HAKO_REMOTE_SPLICE
/* boxes/remote_splice: the owner takes back n blocks of pg that other threads freed, chained by
 * plain next links and already marked free, without reading them when its local list is empty
 * (the common case with boxes/lifo_free): their lines stay where the freers left them until the
 * blocks are handed out again. */
void hot_free_chain(heap_t *h, page_t *pg, block_t *head, uint32_t n) {
    page_requeue(h, pg);
#if HAKO_FREELIST_GUARD
    block_t *b = head;                  /* the page's lists hold encoded links: encode the chain's */
    for (block_t *next; (next = b->next) != NULL; b = next) link_set(b, next);
    link_set(b, pg->local_free);
#else
    if (pg->local_free) {
        block_t *b = head;
        while (b->next) b = b->next;
        b->next = pg->local_free;
    }
#endif
    pg->local_free = head;
    STAT_ADD(h->stats.free, n);
    pg->used -= n;
    if (pg->used == 0) hot_page_empty(h, pg);
}
#endif

#if HAKO_FOREIGN_REUSE
/* boxes/foreign_reuse: the blocks h keeps for class cls become its current page (cur[] and the
 * direct slots; the queue is unchanged, and alloc_from points them back when the blocks run out). */
void hot_foreign_head(heap_t *h, unsigned cls) {
    page_t *fp = &h->foreign[cls];
    h->cur[cls] = fp;
    size_t lo = cls == 0 ? 0 : class_size(cls - 1) / ALIGN_MIN + 1;
    size_t hi = class_size(cls) / ALIGN_MIN;
    if (hi >= DIRECT_SLOTS) hi = DIRECT_SLOTS - 1;
    for (size_t s = lo; s <= hi; s++) h->direct[s] = fp;
}

/* boxes/foreign_reuse: every kept block goes to its page's owner now (the thread leaves, or trims);
 * a page h has adopted since takes it back as a local free. */
void hot_foreign_return(heap_t *h) {
    uint64_t n = 0;
    for (unsigned c = 0; c < NCLASS; c++) {
        page_t *fp = &h->foreign[c];
        block_t *b = fp->free;
        if (!b) continue;
        fp->free = NULL;
        fp->used = h->foreign_in[c] = 0;
        if (h->cur[c] == fp) queue_head_changed(h, c);
        while (b) {
            block_t *next = link_get(fp, b);
            page_t *pg = page_of(segment_of(b), b);
            heap_t *owner = (heap_t *)(load_relaxed(&pg->xheap) & ~XHEAP_FLAGS);
            if (owner == h) hot_free_local_slow(h, pg, b);
            else cache_remote_free(h, owner, b);
            n++;
            b = next;
        }
    }
    STAT_ADD(h->stats.free, -n);            /* counted when they were kept */
    STAT_ADD(h->stats.foreign_returned, n);
}
#endif

#if HAKO_LEND_TO_CURRENT
/* boxes/lend_to_current: the blocks lent to each class's current page go back to their own pages
 * (the thread leaves, or trims), so that those can empty; only the entries down to the deepest
 * lent one are read. */
void hot_lend_return(heap_t *h) {
    uint64_t n = 0;
    for (unsigned c = 0; c < NCLASS; c++) {
        page_t *cp = h->cur[c];
        uint32_t depth = lend_depth(h, c, cp);
#if !HAKO_LEND_LEAN
        h->lend[c].pg = NULL;
#endif
        block_t **link = &cp->free;
        for (; depth && *link; depth--) {
            block_t *b = *link;
            page_t *pg = page_of(segment_of(b), b);
            if (pg == cp) { link = &b->next; continue; }
            *link = b->next;
            cp->used++;
            n++;
            hot_free_local_slow(h, pg, b);
        }
#if HAKO_LEND_LEAN
        if (cp != &hako_empty_page) cp->lend_top = cp->used;   /* boxes/lend_lean: none lent now */
#endif
    }
    STAT_ADD(h->stats.free, -n);            /* counted when they were lent */
    STAT_ADD(h->stats.lent_returned, n);
}
#endif

static void page_release(heap_t *h, page_t *pg) {
    queue_remove(h, pg);
    STAT_INC(h->stats.pages_returned);
    central_free_span(pg);
}

#if HAKO_SPARE_PAGE
/* boxes/spare_page: true when the class already holds another empty page besides pg. */
static bool class_has_spare(heap_t *h, page_t *pg) {
    for (page_t *q = h->queue[pg->cls].first; q; q = q->next)
        if (q != pg && q->used == 0 && q != h->cur[pg->cls]) return true;
    return false;
}
#endif

/* Every block of pg is back with its owner.  The current page of a class is kept (an alloc/free
 * pair at a page boundary must not bounce a page through central); others go back to central.
 * (boxes/page_recycle: a page of several slices goes to the heap's stash, current or not.) */
void hot_page_empty(heap_t *h, page_t *pg) {
#if HAKO_PAGE_RECYCLE
    if (page_recycle_wanted(h, pg)) {                   /* boxes/page_recycle: to the heap's stash, even the current one */
        queue_remove(h, pg);
        page_recycle_keep(h, pg);
        return;
    }
#endif
#if HAKO_FOREIGN_REUSE || HAKO_CLASS_LIFO
    if (h->queue[pg->cls].first == pg) return;  /* the current page, though cur[] may be the kept blocks */
#else
    if (h->cur[pg->cls] == pg) return;
#endif
#if HAKO_SPARE_PAGE
    if (!class_has_spare(h, pg)) return;        /* keep one spare empty page per class */
#endif
    page_release(h, pg);
}

/* Returns the queued pages whose blocks are all back (with all, the current ones too: the thread
 * is leaving).  Their free lists need no merging: a released span's lists are dropped. */
void hot_heap_collect(heap_t *h, bool all) {
    for (unsigned c = 0; c < NCLASS; c++) {
        for (page_t *pg = h->queue[c].first, *next; pg; pg = next) {
            next = pg->next;
#if HAKO_FOREIGN_REUSE || HAKO_CLASS_LIFO
            if (pg->used == 0 && (all || h->queue[c].first != pg)) page_release(h, pg);
#else
            if (pg->used == 0 && (all || h->cur[c] != pg)) page_release(h, pg);
#endif
        }
    }
}
