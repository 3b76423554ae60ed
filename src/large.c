/* large.c: blocks too big for a size class.
 * Owns: large blocks (> SMALL_MAX, up to LARGE_MAX: a span of whole slices from central, reused
 * through central's free slices before they are purged) and huge blocks (a mapping each, with a
 * segment header in front so that free() finds them like any other block).
 * May call: central (spans, segment map), os (mappings).
 *
 * A huge block's header sits at the 4 MiB-aligned start of its mapping and the block follows it
 * at the requested alignment.  For alignments of 4 MiB and more the block starts one segment
 * after its header: free() looks one segment below an address it does not know.
 *
 * Freed huge mappings are kept, resident, in a small cache (at most HUGE_CACHE_SLOTS mappings
 * and HUGE_CACHE_BYTES, each for at most HUGE_CACHE_NS): a new huge block takes the smallest
 * cached mapping that fits and gives back its excess, or grows the largest one by moving its
 * pages.  Either way the pages already faulted in are reused: a first touch costs ~15 us a page. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include "lock.h"
#include "large.h"
#include "central.h"
#include "init.h"
#include "os.h"
#include "stats.h"
#if HAKO_LARGE_CACHE
#include "large_cache.h"        /* boxes/large_cache: freed large spans kept by the freeing thread's heap */
#endif

/* The counts of large and huge blocks: process-wide, or (a box) the calling thread's heap's. */
#if HAKO_HEAP_COUNTERS
#include "heap_counters.h"      /* boxes/heap_counters */
#else
static inline void count_malloc(void) { atomic_fetch_add_explicit(&hako_global_stats.malloc, 1, RELAXED); }
static inline void count_free(void) { atomic_fetch_add_explicit(&hako_global_stats.free, 1, RELAXED); }
static inline void count_large_alloc(void) { atomic_fetch_add_explicit(&hako_global_stats.large_alloc, 1, RELAXED); }
#endif

#define HUGE_CACHE_SLOTS  16
#if HAKO_HUGE_THP_WHOLE
/* boxes/huge_thp_whole: with every first touch a 2 MiB fault, the cache saves only the zeroing
 * of a page, so it keeps less memory resident */
#define HUGE_CACHE_BYTES  ((size_t)8 << 20)
#else
#define HUGE_CACHE_BYTES  ((size_t)128 << 20)
#endif
#define HUGE_CACHE_NS     (1000ull * 1000 * 1000)

static size_t round_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

/* ---- the huge-mapping cache ------------------------------------------------------------------- */

typedef struct cached { uint8_t *map; size_t size; uint64_t when; } cached_t;
static pthread_mutex_t huge_mutex = HAKO_MUTEX_INITIALIZER;
static cached_t huge_cache[HUGE_CACHE_SLOTS];  /* [huge lock] oldest first */
static unsigned huge_count;                    /* [huge lock] */
static size_t huge_bytes;                      /* [huge lock] */

static void cache_drop(unsigned i) {
    os_unmap(huge_cache[i].map, huge_cache[i].size);
    huge_bytes -= huge_cache[i].size;
    memmove(&huge_cache[i], &huge_cache[i + 1], (huge_count - i - 1) * sizeof huge_cache[0]);
    huge_count--;
}

/* [huge lock] */
static void cache_expire(uint64_t now) {
    while (huge_count && now - huge_cache[0].when > HUGE_CACHE_NS) cache_drop(0);
}

/* A mapping of exactly size bytes (4 MiB aligned) made from a cached one; NULL if none. */
static uint8_t *cache_take(size_t size) {
    pthread_mutex_lock(&huge_mutex);
    cache_expire(os_now_ns());
    int fit = -1, grow = -1;
    for (unsigned i = 0; i < huge_count; i++) {
        size_t s = huge_cache[i].size;
        if (s >= size) { if (fit < 0 || s < huge_cache[fit].size) fit = (int)i; }
        else if (grow < 0 || s > huge_cache[grow].size) grow = (int)i;
    }
    int pick = fit >= 0 ? fit : grow;
    uint8_t *map = NULL;
    if (pick >= 0) {
        cached_t c = huge_cache[pick];
        huge_bytes -= c.size;
        memmove(&huge_cache[pick], &huge_cache[pick + 1], (huge_count - (unsigned)pick - 1) * sizeof c);
        huge_count--;
        if (c.size >= size) {
            if (os_shrink(c.map, c.size, size)) map = c.map;
            else os_unmap(c.map, c.size);
        } else {
            map = os_remap(c.map, c.size, size, SEG_SIZE);
            if (!map) os_unmap(c.map, c.size);
        }
    }
    pthread_mutex_unlock(&huge_mutex);
    return map;
}

static void cache_put(uint8_t *map, size_t size) {
    if (size > HUGE_CACHE_BYTES) { os_unmap(map, size); return; }
    pthread_mutex_lock(&huge_mutex);
    cache_expire(os_now_ns());
    while (huge_count == HUGE_CACHE_SLOTS || huge_bytes + size > HUGE_CACHE_BYTES) cache_drop(0);
    huge_cache[huge_count++] = (cached_t){ map, size, os_now_ns() };
    huge_bytes += size;
    pthread_mutex_unlock(&huge_mutex);
}

bool large_trim(void) {
    pthread_mutex_lock(&huge_mutex);
    bool any = huge_count > 0;
    while (huge_count) cache_drop(0);
    pthread_mutex_unlock(&huge_mutex);
    return any;
}

void large_fork_prepare(void) { pthread_mutex_lock(&huge_mutex); }
void large_fork_parent(void) { pthread_mutex_unlock(&huge_mutex); }
void large_fork_child(void) { hako_mutex_reinit(&huge_mutex); }

/* ---- large spans -------------------------------------------------------------------------------- */

static void *large_span_alloc(size_t size, bool zero) {
    size_t slices = (size + SLICE_SIZE - 1) >> SLICE_SHIFT;
#if HAKO_LARGE_CACHE
    page_t *pg = large_cache_take(slices);  /* boxes/large_cache: one this thread freed */
#if HAKO_LARGE_SWAP
    if (!pg) pg = large_swap_take(slices);  /* boxes/large_swap: with the spans it parked */
#elif HAKO_LARGE_SPLIT
    if (!pg) pg = large_split_central(hako_tl_heap, slices);   /* boxes/large_split: kept spans first */
#else
    if (!pg) pg = central_alloc_span(slices, PAGE_LARGE);
#endif
#else
    page_t *pg = central_alloc_span(slices, PAGE_LARGE);
#endif
    if (!pg) { errno = ENOMEM; return NULL; }
    pg->start = page_start(pg);
    pg->block_size = (uint32_t)(slices * SLICE_SIZE);
    store_relaxed(&pg->xheap, 0);
#if HAKO_CALLOC_POPULATE
    if (zero && pg->is_zero) os_populate(pg->start, size);   /* boxes/calloc_populate: no zero-page reads */
#endif
    if (zero && !pg->is_zero) memset(pg->start, 0, size);
    count_large_alloc();
    return pg->start;
}

/* Bytes of a huge block of size bytes placed off bytes into its mapping (0 on overflow). */
static size_t huge_body(size_t size, size_t off) {
#if HAKO_HUGE_THP_WHOLE
    /* boxes/huge_thp_whole: the mapping ends on a 2 MiB boundary, so no region is left half
     * covered: every first touch is one 2 MiB fault, never 512 small ones */
    size_t end = round_up(off + size, THP_SIZE);
    return end < size ? 0 : end - off;
#else
    (void)off;
    size_t body = round_up(size, OS_PAGE);
    return body < size ? 0 : body;
#endif
}

/* Offset of the block from its header for an alignment (a power of two). */
static size_t huge_offset(size_t align) {
    if (align <= OS_PAGE) return SEG_HEADER_BYTES;
    if (align < SEG_SIZE) return round_up(SEG_HEADER_BYTES, align);
    return SEG_SIZE;
}

static void *huge_alloc(size_t size, size_t align, bool zero) {
    size_t off = huge_offset(align);
    size_t body = huge_body(size, off);
    if (!body || body > (SIZE_MAX >> 2) - off - align - SEG_SIZE) { errno = ENOMEM; return NULL; }
    size_t map_size = off + body;
    uint8_t *h;
    uint16_t gen = 0;
    if (align < SEG_SIZE) {
        h = cache_take(map_size);
        if (h) {
            gen = (uint16_t)(((segment_t *)h)->pages[0].gen + 1);   /* a new layout of old memory */
            atomic_fetch_add_explicit(&hako_global_stats.huge_cache_hit, 1, RELAXED);
            if (zero) memset(h + off, 0, size);         /* a cached mapping holds old data */
        } else {
            h = os_map_aligned(map_size, SEG_SIZE, NULL);
            if (!h) return NULL;
        }
    } else {
        /* header at H (4 MiB aligned), block at H + SEG_SIZE aligned to align */
        size_t over = map_size + align;
        uint8_t *raw = os_map(over);
        if (!raw) return NULL;
        uint8_t *user = (uint8_t *)round_up((uintptr_t)raw + SEG_SIZE, align);
        h = user - SEG_SIZE;
        if (h > raw) os_unmap(raw, (size_t)(h - raw));
        size_t tail = (size_t)(raw + over - (h + map_size));
        if (tail) os_unmap(h + map_size, tail);
    }
#if HAKO_HUGE_BLOCK_THP
    os_hugepage_hint(h, map_size);             /* boxes/huge_block_thp */
#endif
    segment_t *seg = (segment_t *)h;
    seg->cookie = (uintptr_t)seg ^ hako_secret;
    seg->kind = SEG_HUGE;
    seg->map_size = map_size;
    seg->user = h + off;
    seg->user_size = body;
    seg->pages[0].kind = PAGE_HUGE;
    seg->pages[0].gen = gen;
    central_segmap_set(seg, true);
    atomic_fetch_add_explicit(&hako_global_stats.huge_alloc, 1, RELAXED);
    return seg->user;
}

void *large_alloc(size_t size, size_t align, bool zero) {
    hako_init();
    if (size > PTRDIFF_MAX) { errno = ENOMEM; return NULL; }
    void *p = (size <= LARGE_MAX && align <= SLICE_SIZE) ? large_span_alloc(size, zero) : huge_alloc(size, align, zero);
    if (p) count_malloc();
    return p;
}

void large_free(page_t *pg) {
    count_free();
#if HAKO_LARGE_CACHE
    if (large_cache_put(pg)) return;        /* boxes/large_cache */
#endif
    central_free_span(pg);
}

void huge_free(segment_t *seg) {
    count_free();
    central_segmap_set(seg, false);
    seg->cookie = 0;
    if (seg->user - (uint8_t *)seg >= (ptrdiff_t)SEG_SIZE) {   /* huge-aligned: its own layout */
        os_unmap(seg, seg->map_size);
        return;
    }
    cache_put((uint8_t *)seg, seg->map_size);
}

#if HAKO_LARGE_INPLACE
/* boxes/large_inplace: the large block of pg grows to size (<= LARGE_MAX) where it is, if the
 * slices after its span are free. */
bool large_grow(page_t *pg, size_t size) {
    size_t slices = (size + SLICE_SIZE - 1) >> SLICE_SHIFT;
    if (!central_grow_span(pg, slices)) return false;
    pg->block_size = (uint32_t)(slices * SLICE_SIZE);
    return true;
}
#endif

/* Grows or shrinks a huge block by moving its pages, never its bytes. */
void *huge_realloc(segment_t *seg, size_t size) {
    size_t off = (size_t)(seg->user - (uint8_t *)seg);
    if (off >= SEG_SIZE) return NULL;                   /* huge-aligned: the caller copies */
    size_t body = huge_body(size, off);
    if (!body) return NULL;
    size_t map_size = off + body;
    if (map_size == seg->map_size) return seg->user;
    if (map_size < seg->map_size) {
        if (!os_shrink(seg, seg->map_size, map_size)) return NULL;
        seg->map_size = map_size;
        seg->user_size = body;
        return seg->user;
    }
    central_segmap_set(seg, false);
    segment_t *n = os_remap(seg, seg->map_size, map_size, SEG_SIZE);
    if (!n) { central_segmap_set(seg, true); return NULL; }
    n->cookie = (uintptr_t)n ^ hako_secret;
    n->map_size = map_size;
    n->user = (uint8_t *)n + off;
    n->user_size = body;
    central_segmap_set(n, true);
    atomic_fetch_add_explicit(&hako_global_stats.huge_realloc_remap, 1, RELAXED);
    return n->user;
}
