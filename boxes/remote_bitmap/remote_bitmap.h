/* remote_bitmap.h: boxes/remote_bitmap, a page's remote frees kept as bits, not as a chain.
 * Included by boxes/page_local_remote/page_local_remote.h in place of its remote_push/remote_drain.
 *
 * Each small page has 64 words of 64 bits in its segment's header slice (block i is bit i % 64 of
 * word i / 64: a page holds at most 4096 blocks), and its xfree word is a summary: bit g says
 * that word g may hold bits.  A remote free sets its block's bit; the free that makes its word
 * non-zero sets the word's summary bit; the free that makes the summary non-zero announces the
 * page on its owner's list, as page_local_remote does.  Each of those decisions is the old value
 * of the one atomic operation that publishes, so a page is on its owner's list at most once, and a
 * freer whose block the owner may already have taken never touches the page again.
 *
 * The owner takes a page off its list, then the summary, then each word the summary names, and
 * computes the blocks' addresses from their bits: it never reads a block that another thread
 * freed (the chain of page_local_remote made it read each one, in series, to find the next). */
#ifndef HAKO_REMOTE_BITMAP_H
#define HAKO_REMOTE_BITMAP_H
#include "types.h"
#include "hot.h"
#include "init.h"

#define RBITS_OFFSET    ((size_t)32 << 10)      /* in slice 0, after the header */
#define RBITS_WORDS     64                      /* per page: 4096 blocks */
_Static_assert(sizeof(segment_t) <= RBITS_OFFSET, "the segment header overlaps the remote bitmaps");
_Static_assert(RBITS_OFFSET + SLICES * RBITS_WORDS * sizeof(uint64_t) <= SLICE_SIZE,
               "the remote bitmaps do not fit in the header slice");
_Static_assert(SLICE_SIZE / ALIGN_MIN <= RBITS_WORDS * 64, "a one-slice page has more blocks than bits");
_Static_assert(2 * MIN_BLOCKS <= RBITS_WORDS * 64, "a multi-slice page has more blocks than bits");

/* Word g of page pg's bitmap.  The words of the 63 pages are interleaved by eights: each page's
 * words 0..7 share one 64-byte line, and those lines of all the pages fill the first 4 KiB, so a
 * page of 512 blocks or fewer (blocks of 128 bytes and more) touches only that OS page of them. */
static inline _Atomic uint64_t *remote_word(page_t *pg, unsigned g) {
    segment_t *seg = segment_of(pg);
    size_t slice = (size_t)(pg - seg->pages);
    return (_Atomic uint64_t *)((uint8_t *)seg + RBITS_OFFSET) + ((size_t)(g >> 3) * SLICES + slice) * 8 + (g & 7);
}

/* head == tail: one block, already checked by the caller (a carved block of a small page). */
static inline void remote_push(heap_t *owner, block_t *head, block_t *tail) {
    (void)tail;
    page_t *pg = page_of(segment_of(head), head);
    uint32_t i = (uint32_t)((((uint64_t)((uintptr_t)head - (uintptr_t)pg->start)) * pg->div_magic) >> 40);
    uint64_t bit = (uint64_t)1 << (i & 63);
    uint64_t old = atomic_fetch_or_explicit(remote_word(pg, i >> 6), bit, memory_order_release);
    if (unlikely(old & bit)) hako_fatal("free", "double free", head);
    if (old) return;                    /* the free that made the word non-zero does the rest */
    if (atomic_fetch_or_explicit(&pg->xfree, (uint64_t)1 << (i >> 6), memory_order_seq_cst)) return;
    remote_announce(owner, pg);
}

/* The owner takes each page off its list, then the page's summary, then every word the summary
 * names, before it files a block: filing the last one may give the page, and so its words, back
 * to central. */
static inline uint64_t remote_drain(heap_t *h, uint64_t (*file)(heap_t *, block_t *)) {
    (void)file;
    page_t *pg = atomic_exchange_explicit(&h->remote_pages, NULL, memory_order_acquire);
    uint64_t n = 0;
    while (pg) {
        page_t *next = pg->xnext;
        /* acq_rel: the read of xnext above happens before the free that re-announces pg */
        uint64_t groups = atomic_exchange_explicit(&pg->xfree, 0, memory_order_acq_rel);
        uint64_t bits[RBITS_WORDS];
        unsigned first[RBITS_WORDS], k = 0;
        for (; groups; groups &= groups - 1) {
            unsigned g = (unsigned)__builtin_ctzll(groups);
            uint64_t w = atomic_exchange_explicit(remote_word(pg, g), 0, memory_order_acquire);
            if (w) { bits[k] = w; first[k] = g * 64; k++; }
        }
        if (k) n += hot_free_page_bits(h, pg, bits, first, k);
        pg = next;
    }
    return n;
}
#endif
