/* class_lifo.h: boxes/class_lifo, the owner's frees of blocks of LIFO_MIN_BYTES and more wait on
 * one list per class, newest first, which the class's allocations pop before any page.
 * Included by src/hot.h (hot_free_own, the free fast path) and src/hot.c (the lists' set-up,
 * refill from the class's pages, flush back to them).
 *
 * Without it a freed block goes back on its own page's list, and a class allocates from its
 * current page only: a block freed on another page waits until that page is current again.  For
 * small blocks that is what keeps a class's live blocks packed (mimalloc's design, fastest on tiny
 * blocks here).  For bigger ones it has two costs: the block handed out is seldom the one just
 * freed, whose lines are still cached (random_mixed with 16..65536 B: 10% of a new block's lines
 * were touched in the last 1 MiB of the program's traffic, 56% on tcmalloc, which hands out the
 * class's last freed block); and when a class's live blocks fill its pages (fixed-size objects
 * with random lifetimes, larson/fixed1k), every free is of a full page, which leaves free()'s fast
 * path (boxes/lend_to_current lends it to the current page from the slow path).
 *
 * The list is a stand-in page per class in the heap (heap->lifo[cls]), and cur[] and the direct
 * slots of those classes point at it for good: malloc's fast path is unchanged (it pops the
 * stand-in's list like any page's).  Each page names where its owner's frees go (page->target):
 * the page itself for classes under LIFO_MIN_BYTES, else its class's list, so free()'s fast path
 * is one load more, with no test of the class.  A block on the list stays counted in use by its
 * own page, so that page cannot go back to central under it.  The stand-in's fields: free, the
 * list; reserved, how many blocks it may hold (LIFO_MAX_BLOCKS and LIFO_MAX_BYTES); used, the
 * room left (a pop adds one, a push takes one), so that used reaching 0 is the slow case for both
 * kinds of target (a page: all its blocks are back; a list: it is full).  A full list sends its
 * older half home (to the pages' own lists); an allocation that finds it empty fills it up to
 * half its bound from the first page with free blocks among the queue's first LIFO_GATHER_PAGES + 1
 * (else the head page_find makes), then from the next fully carved pages: a page's whole free list
 * without reading it when it fits (its length is capacity - used), else block by block.
 * heap_abandon and malloc_trim send every listed block home.
 *
 * NO-GO (ledger #70): larson/fixed1k 5% faster, but xmalloc, thread_churn and mt_remote slower
 * and peak RSS 6..8% larger on larson/t8, t2 and mt_remote/t8r90; the manifest says why. */
#ifndef HAKO_CLASS_LIFO_H
#define HAKO_CLASS_LIFO_H
#include "types.h"

#define LIFO_MIN_BYTES   256u                   /* classes of smaller blocks keep page lists only */
#define LIFO_MAX_BLOCKS  128u
#define LIFO_MAX_BYTES   (32u << 10)
#define LIFO_GATHER_PAGES 8u                    /* queued pages a refill looks at after the first */

/* True when class cls allocates from its list. */
static inline bool lifo_class(unsigned cls) { return class_size(cls) >= LIFO_MIN_BYTES; }

/* How many blocks of size bs a class's list may hold: at least one. */
static inline uint32_t lifo_limit(size_t bs) {
    size_t n = LIFO_MAX_BYTES / bs;
    if (n > LIFO_MAX_BLOCKS) n = LIFO_MAX_BLOCKS;
    return n ? (uint32_t)n : 1;
}

/* How many blocks a refill puts on an empty list (s, its stand-in page): half its bound, at least one. */
static inline uint32_t lifo_refill_count(const page_t *s) {
    return s->reserved > 1 ? s->reserved / 2 : 1;
}
#endif
