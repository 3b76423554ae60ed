/* page_lines.h: boxes/page_lines, a page descriptor's fields grouped on cache lines by who writes them.
 * Included by src/types.h in place of the core's struct page (same fields, same meanings).
 *
 * The core packs a descriptor in 96 bytes, so one line holds both what the owner writes on every
 * malloc and local free (free, used) and what every free of a block of the page reads, whoever
 * frees it (xheap, start, div_magic, block_size, capacity, slice_offset).  A thread freeing a
 * block of another thread's page then reads a line the owner keeps writing: the read misses, and
 * the owner's next write misses in turn.  Here line 0 holds what is written when the span is set
 * up and rarely after (xheap's flag, capacity as the free list grows), line 1 what only the owner
 * writes, line 2 what other threads write (the page's remote list).  192 bytes a descriptor: the
 * segment header grows from 8 KiB to 16 KiB of its 64 KiB slice. */
#ifndef HAKO_PAGE_LINES_H
#define HAKO_PAGE_LINES_H

typedef struct page {
    /* line 0: read by every free; written at set-up, and rarely by the owner */
#if HAKO_FREE_LEAN
    _Alignas(256)               /* boxes/free_lean: 256 bytes a descriptor, an index is a shift */
#endif
    _Atomic uintptr_t xheap;    /* [owner, central] owner heap | XHEAP_* flags; 0 if not a small page */
    uint8_t *start;             /* [owner/central at init] first block (small), the block (large) */
    uint64_t div_magic;         /* [init] (off * div_magic) >> 40 == off / block_size for off < 2^22 */
    uint32_t block_size;        /* [init] small: class size; large: usable bytes */
    uint32_t reserved;          /* [init] blocks that fit in the span */
    _Atomic uint32_t capacity;  /* [owner] blocks carved so far (<= reserved) */
    uint8_t slice_offset;       /* [central] distance to the span's first slice (0 on the first) */
    uint8_t slice_count;        /* [central] slices of the span (on the first slice) */
    uint8_t kind;               /* [central] enum page_kind */
    uint8_t cls;                /* [owner at init] size class of a small page */
    uint8_t is_zero;            /* [central] a large span fresh from the OS or purged: all zero */
    uint8_t pad_;
    uint16_t gen;               /* [central] bumped each time the span is handed out (layout identity) */
#if HAKO_FREE_LEAN
#if HAKO_FUSED_BLOCK_CHECK
    _Atomic uint32_t valid_below; /* [owner] boxes/fused_block_check, in carved's place: capacity * (block_size * div_exact mod 2^64) */
#else
    _Atomic uint32_t carved;    /* [owner] boxes/free_lean: capacity * block_size, the bytes carved from start */
#endif
    uint64_t div_exact;         /* [init] boxes/free_lean: ceil(2^64 / block_size); off is a multiple iff off * div_exact < div_exact
                                 * (boxes/fused_block_check: floor(2^64 / block_size) + 1, one more for a power of two) */
    uint16_t span_back;         /* [central] boxes/free_lean: bytes back to the span's first descriptor (slice_offset * sizeof) */
#endif
    /* line 1: the owner's, on every malloc and local free */
    _Alignas(64) block_t *free; /* [owner] blocks ready to hand out */
    block_t *local_free;        /* [owner] blocks the owner freed since the last refill */
    uint32_t used;              /* [owner] blocks out of the page: handed out, or in a remote list */
    struct page *next, *prev;   /* [owner] the heap's class queue */
#if HAKO_LEND_LEAN
    uint32_t lend_top;          /* [owner] boxes/lend_lean: as the class's current page, used + entries down to its deepest lent block */
    uint8_t lend_cap;           /* [owner] boxes/lend_lean: as the class's current page, how many blocks it may hold lent (0: none) */
#endif
#if HAKO_CLASS_LIFO
    struct page *target;        /* [owner] boxes/class_lifo: where the owner's frees go: this page, or its class's list */
#endif
    /* line 2: written by other threads */
#if HAKO_PAGE_LOCAL_REMOTE
#if HAKO_REMOTE_SPLICE || HAKO_FULL_RECLAIM
    _Alignas(64) _Atomic uintptr_t xfree;   /* [atomic] (count << 48) | first of the blocks freed by other threads (| quiet, boxes/full_reclaim) */
#else
    _Alignas(64) _Atomic(block_t *) xfree;  /* [atomic] blocks of this page freed by other threads */
#endif
    struct page *xnext;         /* [atomic push] next page on the owner's remote_pages list */
#if HAKO_FULL_RECLAIM
    _Atomic uint32_t quiet_epoch; /* [atomic] its heap's slow_epoch when half its blocks were free and quiet (boxes/full_reclaim) */
#endif
#endif
} page_t;
#endif
