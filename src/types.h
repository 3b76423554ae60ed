/* types.h: every structure the layers share, each field's invariant and who may write it.
 *
 * Memory is carved from 4 MiB segments aligned to 4 MiB.  A segment is 64 slices of 64 KiB; slice
 * 0 holds the segment header (this struct segment, with one page descriptor per slice), the other
 * slices form spans: runs of slices that are free, hold small blocks of one size class ("small
 * page", owned by one thread heap), or hold one large block.  Blocks larger than LARGE_MAX get a
 * mapping of their own ("huge" segment), laid out with the same header so that one lookup serves
 * all:  segment = ptr & ~(SEG_SIZE-1); page = segment->pages[slice index] - slice_offset.
 * A global bitmap (central.c) says which 4 MiB chunks start a hako segment, so a pointer that
 * hako does not own is recognised before anything is dereferenced.
 *
 * Writers:  [owner]    the thread that owns the heap (no atomics, no locks)
 *           [central]  under the central lock
 *           [atomic]   any thread, with atomic operations
 *           [init]     once, at process start or when the structure is created */
#ifndef HAKO_TYPES_H
#define HAKO_TYPES_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Build identity: the Makefile defines these (tools/build-hash); a build outside it says so. */
#ifndef HAKO_BUILD_HASH
#define HAKO_BUILD_HASH "unknown"
#endif
#ifndef HAKO_BUILD_FLAGS
#define HAKO_BUILD_FLAGS ""
#endif
#ifndef HAKO_VERSION_STR
#define HAKO_VERSION_STR "0"
#endif

/* ---- geometry -------------------------------------------------------------------------------- */
#define SEG_SHIFT        22
#define SEG_SIZE         ((size_t)1 << SEG_SHIFT)
#define SEG_MASK         (SEG_SIZE - 1)
#define SLICE_SHIFT      16
#define SLICE_SIZE       ((size_t)1 << SLICE_SHIFT)
#define SLICES           (SEG_SIZE / SLICE_SIZE)        /* 64, slice 0 is the header */
#define OS_PAGE          4096
#define THP_SIZE         ((size_t)2 << 20)             /* a transparent huge page */
#define ADDR_BITS        47                             /* user space on x86-64 / aarch64 48-bit VA */

/* Size classes: 16..128 in steps of 16, then 8 classes per doubling (internal waste < 1/9),
 * up to SMALL_MAX.  Sizes up to DIRECT_MAX are looked up by a table indexed by (size+15)/16. */
#define ALIGN_MIN        16
#define SMALL_MAX        ((size_t)128 << 10)
#define NCLASS           88
#if HAKO_DIRECT_WIDE
#define DIRECT_MAX       8192                           /* boxes/direct_wide: 513 slots, 4 KiB a heap */
#else
#define DIRECT_MAX       1024
#endif
#define DIRECT_SLOTS     (DIRECT_MAX / ALIGN_MIN + 1)
#define MIN_BLOCKS       8                              /* a small page holds at least this many */
#define LARGE_MAX        ((size_t)2 << 20)              /* larger: a mapping of its own (huge) */
#define EXTEND_BYTES     ((size_t)16 << 10)             /* a page's free list grows by this much */
#if HAKO_LARGE_CACHE
#define LARGE_CACHE_SLOTS 4                             /* boxes/large_cache: spans a heap keeps, at most */
#if HAKO_LARGE_AFFINITY
#define LARGE_CACHE_BYTES ((size_t)1 << 20)             /* boxes/large_affinity: own spans also come back through central */
#else
#define LARGE_CACHE_BYTES ((size_t)2 << 20)             /* boxes/large_cache: and bytes */
#endif
#endif
#if HAKO_PAGE_RECYCLE
#define PAGE_RECYCLE_SLOTS 8                            /* boxes/page_recycle: empty pages a heap keeps, at most */
#endif

/* ---- blocks ------------------------------------------------------------------------------------ */
/* A free block: next in its list, and mark = address ^ process secret while it is free, so a
 * second free of the same block is seen in O(1).  Cleared when the block is handed out. */
typedef struct block {
    struct block *next;
    uintptr_t mark;
} block_t;

struct heap;

/* ---- pages (spans) ----------------------------------------------------------------------------- */
enum page_kind {
    PAGE_FREE = 0,      /* slices in no span's use (also interior slices of free runs) */
    PAGE_META,          /* slice 0: the header */
    PAGE_SMALL,         /* blocks of one size class, owned by a heap */
    PAGE_LARGE,         /* one large block; freed through central */
    PAGE_HUGE,          /* descriptor 0 of a huge segment */
#if HAKO_LARGE_CACHE
    PAGE_LARGE_CACHED,  /* boxes/large_cache: a freed large span kept by a thread's heap */
#endif
#if HAKO_PAGE_RECYCLE
    PAGE_RECYCLED,      /* boxes/page_recycle: an empty small page kept by its heap for its next page */
#endif
};

/* xheap low bits: a page whose owner must take the slow path on a local free. */
#define XHEAP_FULL       ((uintptr_t)1)                 /* not in its class queue: no free block */
#define XHEAP_FLAGS      ((uintptr_t)7)

#if HAKO_PAGE_LINES
#include "page_lines.h"         /* boxes/page_lines: the same fields, on three cache lines by writer */
#else
typedef struct page {
    /* hot: read on every malloc/free of the owner */
    block_t *free;              /* [owner] blocks ready to hand out */
    block_t *local_free;        /* [owner] blocks the owner freed since the last refill */
    _Atomic uintptr_t xheap;    /* [owner, central] owner heap | XHEAP_* flags; 0 if not a small page */
    uint32_t used;              /* [owner] blocks out of the page: handed out, or in a remote list */
    _Atomic uint32_t capacity;  /* [owner] blocks carved so far (<= reserved) */
    uint8_t *start;             /* [owner/central at init] first block (small), the block (large) */
    uint64_t div_magic;         /* [init] (off * div_magic) >> 40 == off / block_size for off < 2^22 */
    uint32_t block_size;        /* [init] small: class size; large: usable bytes */
    uint32_t reserved;          /* [init] blocks that fit in the span */
    /* cold */
    uint8_t slice_offset;       /* [central] distance to the span's first slice (0 on the first) */
    uint8_t slice_count;        /* [central] slices of the span (on the first slice) */
    uint8_t kind;               /* [central] enum page_kind */
    uint8_t cls;                /* [owner at init] size class of a small page */
    uint8_t is_zero;            /* [central] a large span fresh from the OS or purged: all zero */
    uint8_t pad_;
    uint16_t gen;               /* [central] bumped each time the span is handed out (layout identity) */
    struct page *next, *prev;   /* [owner] the heap's class queue */
#if HAKO_LEND_LEAN
    uint32_t lend_top;          /* [owner] boxes/lend_lean: as the class's current page, used + entries down to its deepest lent block */
    uint8_t lend_cap;           /* [owner] boxes/lend_lean: as the class's current page, how many blocks it may hold lent (0: none) */
#endif
#if HAKO_CLASS_LIFO
    struct page *target;        /* [owner] boxes/class_lifo: where the owner's frees go: this page, or its class's list */
#endif
#if HAKO_PAGE_LOCAL_REMOTE
#if HAKO_REMOTE_SPLICE || HAKO_FULL_RECLAIM
    _Atomic uintptr_t xfree;    /* [atomic] (count << 48) | first of the blocks freed by other threads (| quiet, boxes/full_reclaim) */
#elif HAKO_REMOTE_BITMAP
    _Atomic uint64_t xfree;     /* [atomic] bit g: word g of the page's remote bitmap may hold bits (boxes/remote_bitmap) */
#else
    _Atomic(block_t *) xfree;   /* [atomic] blocks of this page freed by other threads */
#endif
    struct page *xnext;         /* [atomic push] next page on the owner's remote_pages list */
#if HAKO_FULL_RECLAIM
    _Atomic uint32_t quiet_epoch; /* [atomic] its heap's slow_epoch when half its blocks were free and quiet (boxes/full_reclaim) */
#endif
#endif
} page_t;
#endif

/* ---- segments ---------------------------------------------------------------------------------- */
enum seg_kind { SEG_SLICED = 1, SEG_HUGE = 2 };

typedef struct segment {
    uintptr_t cookie;           /* [init] address ^ secret: checked before trusting the header */
    uint32_t kind;              /* [init] enum seg_kind */
    uint32_t free_count;        /* [central] free slices (sliced) */
    uint64_t free_mask;         /* [central] bit i: slice i free */
    uint64_t dirty_mask;        /* [central] bit i: slice i free and possibly resident (not purged) */
    uint64_t last_free_ns;      /* [central] when a span was last freed here (purge delay) */
    struct segment *next, *prev;/* [central] list of sliced segments */
    /* huge segments */
    size_t map_size;            /* [central] bytes mapped from the segment start */
    uint8_t *user;              /* [central] the block handed out */
    size_t user_size;           /* [central] usable bytes from user */
#if HAKO_SPAN_BEST_FIT
    uint32_t fit_slot;          /* [central] boxes/span_best_fit: where its mask is in the index */
    uint32_t pad32_;
    uint64_t pad_[5];
#else
    uint64_t pad_[6];
#endif
    page_t pages[SLICES];       /* [central, owner] one descriptor per slice */
} segment_t;

#define SEG_HEADER_BYTES ((sizeof(segment_t) + OS_PAGE - 1) & ~(size_t)(OS_PAGE - 1))

/* ---- stats ------------------------------------------------------------------------------------- */
/* Per-heap counters: written by the owner only, summed at dump time. */
/* Counters only, each a uint64_t: src/stats.c sums the heaps' word by word. */
typedef struct heap_stats {
    uint64_t malloc;            /* successful allocations of any size */
    uint64_t free;              /* frees of any size by this thread */
    uint64_t alloc_slow;        /* allocations that left the hot path */
    uint64_t remote_free;       /* blocks this thread freed that another heap owns */
    uint64_t remote_drained;    /* blocks other threads freed into this heap, taken back */
    uint64_t cache_refill;      /* drains of this heap's remote list that found blocks */
    uint64_t central_refill;    /* small pages obtained from central */
    uint64_t pages_returned;    /* empty small pages given back to central */
#if HAKO_LEND_TO_CURRENT
    uint64_t lent;              /* boxes/lend_to_current: own frees put on the class's current page */
    uint64_t lent_returned;     /* boxes/lend_to_current: lent blocks put back in their own page after all */
#endif
#if HAKO_CLASS_LIFO
    uint64_t lifo_flushed;      /* boxes/class_lifo: blocks sent from a class's list back to their pages */
#endif
#if HAKO_LARGE_CACHE
    uint64_t large_cached;      /* boxes/large_cache: large blocks handed out from the heap's own cache */
#endif
#if HAKO_LARGE_SPLIT
    uint64_t large_split;       /* boxes/large_split: large blocks cut from a bigger kept span */
    uint64_t large_joined;      /* boxes/large_split: freed large spans joined to a kept neighbour */
    uint64_t large_given;       /* boxes/large_split: times the kept spans went back before central mapped a segment */
#endif
#if HAKO_LARGE_SWAP
    uint64_t large_swapped;     /* boxes/large_swap: requests to central that gave back parked spans */
#endif
#if HAKO_PAGE_RECYCLE
    uint64_t pages_recycled;    /* boxes/page_recycle: small pages made from a span the heap kept */
#endif
#if HAKO_HEAP_COUNTERS
    uint64_t big_malloc;        /* boxes/heap_counters: large and huge blocks this thread allocated */
    uint64_t big_free;          /* boxes/heap_counters: large and huge blocks this thread freed */
    uint64_t large_alloc;       /* boxes/heap_counters: of big_malloc, the large spans */
#endif
#if HAKO_FOREIGN_REUSE
    uint64_t foreign_kept;      /* boxes/foreign_reuse: remote frees kept to be handed out again here */
    uint64_t foreign_returned;  /* boxes/foreign_reuse: kept blocks sent to their owner after all */
#endif
} heap_stats_t;

/* ---- heaps (one per thread that allocates) ---------------------------------------------------- */
enum heap_state { HEAP_ACTIVE = 1, HEAP_ABANDONED, HEAP_DEAD };

#if HAKO_LEND_TO_CURRENT && !HAKO_LEND_LEAN
/* boxes/lend_to_current: on page pg, used + (entries down to the deepest lent block) == top */
typedef struct lend_mark {
    struct page *pg;
    uint32_t top;
} lend_mark_t;
#endif

typedef struct page_queue {
    page_t *first, *last;       /* [owner] pages of one class that may have free blocks */
} page_queue_t;

typedef struct heap {
    page_t *direct[DIRECT_SLOTS];   /* [owner] (size+15)/16 -> current page of its class, or &empty_page */
    page_t *cur[NCLASS];            /* [owner] class -> current page (queue head) or &empty_page */
    page_queue_t queue[NCLASS];     /* [owner] */
#if HAKO_SEGMENT_ARENA
    uintptr_t arena_base, arena_top; /* [owner] boxes/segment_arena: the range as this thread last read it */
#endif
    heap_stats_t stats;             /* [owner] */
    _Atomic(block_t *) remote;      /* [atomic] blocks of this heap freed by other threads */
#if HAKO_PAGE_LOCAL_REMOTE
    _Atomic(page_t *) remote_pages; /* [atomic] pages with remote frees (boxes/page_local_remote) */
#endif
    _Atomic int state;              /* [atomic] enum heap_state */
    _Atomic int lock;               /* [atomic] held by whoever drains an abandoned heap, or adopts it */
    void *stash;                    /* [owner] blocks it freed for other heaps, held by a cache box */
    uint32_t id;                    /* [init] */
    struct heap *next_all;          /* [init] registry of every heap ever made */
    struct heap *next_pool;         /* [heaps lock] pool of abandoned heaps */
#if HAKO_FOREIGN_REUSE
    /* boxes/foreign_reuse: per class, blocks of other heaps' pages this thread freed and keeps to
     * hand out itself; a stand-in page whose free list the fast path pops like any page's */
    page_t foreign[NCLASS];         /* [owner] free: the kept blocks; used: how many were popped */
    uint32_t foreign_in[NCLASS];    /* [owner] how many were kept (in - used = held now) */
#endif
#if HAKO_CLASS_LIFO
    /* boxes/class_lifo: per class of LIFO_MIN_BYTES and more, the owner's own frees, newest first;
     * a stand-in page that cur[] and the direct slots point at (free: the list; reserved: its
     * bound; used: room left); the entries of smaller classes stay unused */
    page_t lifo[NCLASS];            /* [owner] */
#endif
#if HAKO_FULL_RECLAIM
    _Atomic uint32_t slow_epoch;    /* [owner] slow paths taken (boxes/full_reclaim: is the owner still allocating) */
#endif
#if HAKO_LEND_TO_CURRENT
#if !HAKO_LEND_LEAN
    lend_mark_t lend[NCLASS];       /* [owner] boxes/lend_to_current: where a class's lent blocks may lie */
#endif
#if HAKO_LEND_GATE
    uint8_t lend_storm[NCLASS];     /* [owner] boxes/lend_gate: the class's last slow path found a storm */
#endif
#endif
#if HAKO_LARGE_CACHE
    struct page *large[LARGE_CACHE_SLOTS]; /* [owner] boxes/large_cache: freed large spans, oldest first */
#if HAKO_LARGE_SWAP
    struct page *parked[LARGE_CACHE_SLOTS]; /* [owner] boxes/large_swap: evicted, back to central with the next request */
    uint32_t parked_count;          /* [owner] boxes/large_swap: spans in parked[] */
    uint64_t parked_bytes;          /* [owner] boxes/large_swap: their bytes */
#endif
    uint32_t large_count;           /* [owner] boxes/large_cache: spans in large[] */
    uint64_t large_bytes;           /* [owner] boxes/large_cache: their bytes */
#endif
#if HAKO_PAGE_RECYCLE
    struct page *recycle[PAGE_RECYCLE_SLOTS]; /* [owner] boxes/page_recycle: empty pages of several slices, oldest first */
    uint32_t recycle_count;         /* [owner] boxes/page_recycle: pages in recycle[] */
#endif
} heap_t;

/* ---- global state ------------------------------------------------------------------------------ */
typedef struct options {
    bool stats;                 /* HAKO_STATS=1 */
    bool verbose;               /* HAKO_VERBOSE=1 */
    char stats_file[256];       /* HAKO_STATS_FILE */
} options_t;

#if HAKO_FREE_LEAN
/* boxes/free_lean: said hidden where they are declared, so that code outside their own file reads
 * them at a known offset (one mov), not through the GOT (a lea the linker made of the GOT load, then the mov) */
#pragma GCC visibility push(hidden)
#endif
extern options_t hako_options;
extern uintptr_t hako_secret;           /* [init] random, odd */
extern page_t hako_empty_page;          /* free == NULL: every lookup of a class with no page */
extern heap_t hako_empty_heap;          /* the heap of a thread that has not allocated yet */
extern _Atomic uint64_t hako_segmap[];  /* [atomic] bit per 4 MiB chunk: a segment starts here */
#if HAKO_FREE_LEAN
#pragma GCC visibility pop
#endif

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define HIDDEN      __attribute__((visibility("hidden")))
#define NOINLINE    __attribute__((noinline))
#define COLD        __attribute__((cold, noinline))

#define RELAXED     memory_order_relaxed
#define load_relaxed(p)     atomic_load_explicit((p), memory_order_relaxed)
#define store_relaxed(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)

/* Owner-only counters: plain increments, except under ThreadSanitizer, where the dump's reads of
 * other threads' counters would be reported as races. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) && !defined(__SANITIZE_THREAD__)
#define __SANITIZE_THREAD__ 1                   /* clang says it this way */
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define STAT_ADD(field, n) __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)
#else
#define STAT_ADD(field, n) ((field) += (n))
#endif
#define STAT_INC(field) STAT_ADD(field, 1)

static inline uintptr_t block_mark(const void *b) { return (uintptr_t)b ^ hako_secret; }

/* The segment a pointer would belong to, if hako owns it. */
static inline segment_t *segment_of(const void *p) {
    return (segment_t *)((uintptr_t)p & ~(uintptr_t)SEG_MASK);
}

/* True when a hako segment header starts at the 4 MiB chunk holding p. */
static inline bool segmap_has(uintptr_t a) {
#if HAKO_FREE_LEAN
    uintptr_t i = a >> (SEG_SHIFT + 6);                 /* boxes/free_lean: the bound on the index itself */
    if (unlikely(i >= ((uintptr_t)1 << (ADDR_BITS - SEG_SHIFT - 6)))) return false;
    uint64_t w = load_relaxed(&hako_segmap[i]);
#else
    if (unlikely(a >> ADDR_BITS)) return false;
    uint64_t w = load_relaxed(&hako_segmap[a >> (SEG_SHIFT + 6)]);
#endif
    return (w >> ((a >> SEG_SHIFT) & 63)) & 1;
}

/* The descriptor of the span holding p (p inside a sliced segment, or the first chunk of a huge one). */
static inline page_t *page_of(segment_t *seg, const void *p) {
#if HAKO_FREE_LEAN
    /* boxes/free_lean: the slot's address and the span's first descriptor by byte arithmetic */
    uintptr_t slot = (uintptr_t)seg->pages + (((uintptr_t)p & SEG_MASK) >> SLICE_SHIFT) * sizeof(page_t);
    uintptr_t first = slot - ((const page_t *)slot)->span_back;
    if (first == 0) __builtin_unreachable();            /* a descriptor inside a segment, never NULL */
    return (page_t *)first;
#else
    page_t *pg = &seg->pages[((uintptr_t)p - (uintptr_t)seg) >> SLICE_SHIFT];
    return pg - pg->slice_offset;
#endif
}

static inline size_t class_size(unsigned c) {
    if (c < 8) return (size_t)(c + 1) * 16;
    unsigned k = 7 + (c - 8) / 8, sub = (c - 8) % 8;
    return ((size_t)1 << k) + (size_t)(sub + 1) * ((size_t)1 << (k - 3));
}

/* n in 1..SMALL_MAX (0 is treated as 1) */
static inline unsigned class_of(size_t n) {
    if (n <= 128) return n <= 16 ? 0 : (unsigned)((n - 1) >> 4);
    unsigned k = 63u - (unsigned)__builtin_clzl(n - 1);
    unsigned sub = (unsigned)((n - 1) >> (k - 3)) & 7;
    return 8 + (k - 7) * 8 + sub;
}

#endif
