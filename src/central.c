/* central.c: the central layer: segments, spans of slices, the segment map, and the purge policy.
 * Owns: every segment's slice bitmaps and span descriptors (kind, slice_offset, slice_count),
 * the list of sliced segments, the global segment map, the metadata arena.
 * May call: os.  Never knows about thread caches: heaps ask it for spans and give them back.
 *
 * Spans are found first-fit in a segment's 64-bit free mask, preferring slices that are still
 * resident (dirty) so that warm memory is reused before the kernel has to fault in new pages
 * (about 15 us a page on the reference machine).  Free slices stay resident until the segment
 * has been quiet for PURGE_DELAY_NS, or at once while the resident-free total is over
 * DIRTY_BUDGET; fully free segments beyond EMPTY_SEGMENTS_KEPT are unmapped (purged ones cost
 * address space, not memory). */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include "lock.h"
#include "central.h"
#include "os.h"
#if HAKO_SEGMATH
#include "pagemap.h"
#endif
#if HAKO_DIRTY_SHARE
#include "dirty_share.h"        /* boxes/dirty_share: the purge budget grows with the memory in use */
#endif

#define PURGE_DELAY_NS      (50u * 1000 * 1000)
#define PURGE_INTERVAL_NS   (5u * 1000 * 1000)
#define DIRTY_BUDGET        ((uint64_t)64 << 20)
#define EMPTY_SEGMENTS_KEPT 8
#define ALL_SLICES          (~(uint64_t)1)            /* slice 0 is the header */

/* One bit per 4 MiB of the 47-bit address space: 4 MiB of bss, touched only where segments live. */
_Atomic uint64_t hako_segmap[((uint64_t)1 << (ADDR_BITS - SEG_SHIFT)) / 64];
central_stats_t hako_central_stats;

static pthread_mutex_t central_mutex = HAKO_MUTEX_INITIALIZER;
static segment_t *segments;          /* [central] sliced segments; those with free slices first */
static uint64_t dirty_bytes;         /* [central] free and resident */
static uint64_t last_purge_ns;       /* [central] */
static unsigned empty_segments;      /* [central] sliced segments with every slice free */
static uint8_t *next_hint;           /* [central] where the next segment would fit */
static uint8_t *meta_cur, *meta_end; /* [central] metadata arena */
static uint64_t span_bytes;          /* [central] handed out in spans now (central_info; peak: hako_central_stats) */

/* [central] Spans grew or shrank by delta slices; keeps the high-water mark that, against the
 * peak of mapped bytes, measures fragmentation. */
static void span_bytes_add(int64_t delta) {
    span_bytes += (uint64_t)(delta * (int64_t)SLICE_SIZE);
    if (span_bytes > load_relaxed(&hako_central_stats.span_bytes_peak))
        store_relaxed(&hako_central_stats.span_bytes_peak, span_bytes);
}
#if HAKO_SPAN_BEST_FIT
#include "span_best_fit.h"      /* boxes/span_best_fit: the shortest run that holds a span */
#endif
#if HAKO_SEGMENT_ARENA
#include "segment_arena_central.h"  /* boxes/segment_arena: segments from one reserved range */
#endif

void central_lock(void) { pthread_mutex_lock(&central_mutex); }
void central_unlock(void) { pthread_mutex_unlock(&central_mutex); }
void central_fork_child(void) { hako_mutex_reinit(&central_mutex); }
void central_init(void) {}

void central_segmap_set(void *seg, bool on) {
    uintptr_t a = (uintptr_t)seg;
    uint64_t bit = (uint64_t)1 << ((a >> SEG_SHIFT) & 63);
    _Atomic uint64_t *w = &hako_segmap[a >> (SEG_SHIFT + 6)];
    if (on) atomic_fetch_or_explicit(w, bit, memory_order_release);
    else atomic_fetch_and_explicit(w, ~bit, memory_order_release);
}

/* ---- segment list ------------------------------------------------------------------------------ */

static void list_remove(segment_t *s) {
    if (s->prev) s->prev->next = s->next; else segments = s->next;
    if (s->next) s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void list_push_front(segment_t *s) {
    s->prev = NULL;
    s->next = segments;
    if (segments) segments->prev = s;
    segments = s;
}

static void list_push_back(segment_t *s) {
    segment_t *t = segments;
    if (!t) { list_push_front(s); return; }
    while (t->next) t = t->next;
    t->next = s;
    s->prev = t;
    s->next = NULL;
}

static segment_t *segment_new(void) {
#if HAKO_SEGMENT_ARENA
    segment_t *s = arena_segment();             /* boxes/segment_arena: lowest free slot of the range */
    if (!s && (s = os_map_aligned(SEG_SIZE, SEG_SIZE, next_hint)) != NULL) next_hint = (uint8_t *)s + SEG_SIZE;
    if (!s) return NULL;
#else
    segment_t *s = os_map_aligned(SEG_SIZE, SEG_SIZE, next_hint);
    if (!s) return NULL;
    next_hint = (uint8_t *)s + SEG_SIZE;
#endif
#if HAKO_HUGE_PAGES
    os_hugepage_hint(s, SEG_SIZE);            /* boxes/huge_pages */
#endif
    s->cookie = (uintptr_t)s ^ hako_secret;
    s->kind = SEG_SLICED;
    s->free_mask = ALL_SLICES;
    s->free_count = SLICES - 1;
    s->pages[0].kind = PAGE_META;
    s->pages[0].slice_count = 1;
    central_segmap_set(s, true);
#if HAKO_SPAN_BEST_FIT
    fit_add(s);
#endif
    atomic_fetch_add_explicit(&hako_central_stats.segments_mapped, 1, RELAXED);
    empty_segments++;
    list_push_front(s);
    return s;
}

static void segment_release(segment_t *s) {
    list_remove(s);
#if HAKO_SPAN_BEST_FIT
    fit_remove(s);
#endif
    empty_segments--;
    dirty_bytes -= (uint64_t)__builtin_popcountll(s->dirty_mask) * SLICE_SIZE;
    central_segmap_set(s, false);
    atomic_fetch_add_explicit(&hako_central_stats.segments_unmapped, 1, RELAXED);
#if HAKO_SEGMENT_ARENA
    if (arena_release(s)) return;               /* boxes/segment_arena: emptied in place */
#endif
    os_unmap(s, SEG_SIZE);
}

/* ---- purge ------------------------------------------------------------------------------------- */

static void segment_purge(segment_t *s) {
    uint64_t m = s->free_mask & s->dirty_mask;
    while (m) {
        unsigned i = (unsigned)__builtin_ctzll(m);
        uint64_t run = m >> i;
        unsigned n = run == ~(uint64_t)0 >> i ? 64 - i : (unsigned)__builtin_ctzll(~run);
        uint64_t bits = (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << i;
        os_purge((uint8_t *)s + (size_t)i * SLICE_SIZE, (size_t)n * SLICE_SIZE);
        s->dirty_mask &= ~bits;
        m &= ~bits;
        dirty_bytes -= (uint64_t)n * SLICE_SIZE;
    }
    atomic_fetch_add_explicit(&hako_central_stats.purges, 1, RELAXED);
}

/* [central] Purges segments quiet for the delay; all of them while over the budget. */
static void maybe_purge(uint64_t now) {
    if (dirty_bytes == 0) return;
#if HAKO_DIRTY_SHARE
    uint64_t budget = dirty_share_budget(DIRTY_BUDGET, span_bytes);    /* boxes/dirty_share */
#else
    uint64_t budget = DIRTY_BUDGET;
#endif
    bool over = dirty_bytes > budget;
    if (!over && now - last_purge_ns < PURGE_INTERVAL_NS) return;
    last_purge_ns = now;
    for (segment_t *s = segments, *next; s; s = next) {
        next = s->next;
        if (!(s->free_mask & s->dirty_mask)) continue;
        if (over || now - s->last_free_ns >= PURGE_DELAY_NS) {
            segment_purge(s);
            over = dirty_bytes > budget;
        }
    }
}

/* ---- spans ------------------------------------------------------------------------------------- */

/* Bit i of the result: slices i..i+n-1 are all set in m. */
static uint64_t runs_of(uint64_t m, unsigned n) {
    unsigned have = 1;
    while (have < n) {
        unsigned s = have < n - have ? have : n - have;
        m &= m >> s;
        have += s;
    }
    return m;
}

static void span_mark(segment_t *s, unsigned first, unsigned n, enum page_kind kind) {
    for (unsigned i = 0; i < n; i++) {
        page_t *pg = &s->pages[first + i];
        /* a pointer into a free run resolves to its own FREE descriptor */
        pg->slice_offset = (uint8_t)(kind == PAGE_FREE ? 0 : i);
#if HAKO_FREE_LEAN
        pg->span_back = (uint16_t)(pg->slice_offset * sizeof(page_t));   /* boxes/free_lean */
#endif
        pg->kind = (uint8_t)(i == 0 ? kind : PAGE_FREE);
    }
    page_t *pg = &s->pages[first];
    pg->slice_count = (uint8_t)n;
#if HAKO_SEGMATH
    pagemap_set(page_start(pg), n, kind == PAGE_SMALL ? pg : NULL);   /* boxes/segmath */
#endif
}

/* [central] A span of n slices marked kind, or NULL when no segment can be mapped (or, without
 * grow, when no mapped segment has a run for it). */
static page_t *alloc_span_locked(unsigned n, enum page_kind kind, bool grow) {
    segment_t *s;
    uint64_t runs = 0;
#if HAKO_SPAN_BEST_FIT
    s = best_fit(n, &runs);                 /* boxes/span_best_fit */
    if (!s && fit_unindexed)                /* segments left out of the full index: first fit */
#endif
    for (s = segments; s; s = s->next) {
        if (s->free_count < n) continue;
        runs = runs_of(s->free_mask, n);
        if (runs) break;
    }
    if (!s) {
        if (!grow) return NULL;
        s = segment_new();
        if (!s) return NULL;
        runs = runs_of(s->free_mask, n);
    }
    uint64_t warm = runs & s->dirty_mask;
    unsigned first = (unsigned)__builtin_ctzll(warm ? warm : runs);
    uint64_t bits = (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << first;
    if (s->free_count == SLICES - 1) empty_segments--;
    page_t *pg = &s->pages[first];
    pg->is_zero = (s->dirty_mask & bits) == 0;
    dirty_bytes -= (uint64_t)__builtin_popcountll(s->dirty_mask & bits) * SLICE_SIZE;
    s->free_mask &= ~bits;
    s->dirty_mask &= ~bits;
    s->free_count -= n;
#if HAKO_SPAN_BEST_FIT
    fit_note(s);
#endif
    span_mark(s, first, n, kind);
    span_bytes_add(n);
    pg->gen++;
    if (s->free_count == 0 && s->next) { list_remove(s); list_push_back(s); }
    atomic_fetch_add_explicit(&hako_central_stats.spans_alloc, 1, RELAXED);
    return pg;
}

page_t *central_alloc_span(size_t slices, enum page_kind kind) {
    central_lock();
    page_t *pg = alloc_span_locked((unsigned)slices, kind, true);
    central_unlock();
    return pg;
}

/* [central] The span pg goes back to its segment's free slices. */
static void free_span_locked(page_t *pg) {
    segment_t *s = segment_of(pg);
    unsigned first = (unsigned)(pg - s->pages), n = pg->slice_count;
    uint64_t bits = (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << first;
    /* read under the lock: the times stored in segments and last_purge_ns only go forward, so
     * "quiet for" (now - last_free_ns) never wraps.  Read before it, a free behind another
     * thread's later one saw 2^64 ns of quiet and purged the busiest segment. */
    uint64_t now = os_now_ns();
    span_mark(s, first, n, PAGE_FREE);
    store_relaxed(&pg->xheap, 0);
    pg->free = pg->local_free = NULL;
    pg->slice_count = 0;
    bool was_full = s->free_count == 0;
    s->free_mask |= bits;
    s->dirty_mask |= bits;
    s->free_count += n;
#if HAKO_SPAN_BEST_FIT
    fit_note(s);
#endif
    s->last_free_ns = now;
    span_bytes_add(-(int64_t)n);
    dirty_bytes += (uint64_t)n * SLICE_SIZE;
    if (was_full && s->prev) { list_remove(s); list_push_front(s); }
    if (s->free_count == SLICES - 1) {
        empty_segments++;
        if (empty_segments > EMPTY_SEGMENTS_KEPT) segment_release(s);
    }
    atomic_fetch_add_explicit(&hako_central_stats.spans_free, 1, RELAXED);
    maybe_purge(now);
}

void central_free_span(page_t *pg) {
    central_lock();
    free_span_locked(pg);
    central_unlock();
}

#if HAKO_LARGE_INPLACE
#include "large_inplace.h"      /* boxes/large_inplace: central_grow_span */
#endif
#if HAKO_LARGE_SWAP
#include "large_swap_central.h" /* boxes/large_swap: central_swap_spans */
#endif
#if HAKO_LARGE_SPLIT
#include "large_split_central.h" /* boxes/large_split: central_alloc_span_giving */
#endif

bool central_trim(void) {
    bool any = false;
    central_lock();
    for (segment_t *s = segments, *next; s; s = next) {
        next = s->next;
        if (s->free_count == SLICES - 1) { segment_release(s); any = true; continue; }
        if (s->free_mask & s->dirty_mask) { segment_purge(s); any = true; }
    }
    central_unlock();
    return any;
}

void central_info(central_info_t *out) {
    memset(out, 0, sizeof *out);
    central_lock();
    for (segment_t *s = segments; s; s = s->next) {
        out->segments++;
        out->free_bytes += (uint64_t)s->free_count * SLICE_SIZE;
    }
    out->dirty_bytes = dirty_bytes;
    out->span_bytes = span_bytes;
#if HAKO_SPAN_BEST_FIT
    out->index_stale = fit_stale();
#endif
    central_unlock();
}

/* ---- metadata arena: heaps and other structures that live as long as the process ------------- */

void *central_meta_alloc(size_t size) {
    size = (size + 63) & ~(size_t)63;
    central_lock();
    if ((size_t)(meta_end - meta_cur) < size) {
        size_t chunk = size > ((size_t)256 << 10) ? size : ((size_t)256 << 10);
        uint8_t *m = os_map(chunk);
        if (!m) { central_unlock(); return NULL; }
        meta_cur = m;
        meta_end = m + chunk;
    }
    void *p = meta_cur;
    meta_cur += size;
    central_unlock();
    return p;
}
