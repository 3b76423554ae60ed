/* large.c: blocks too big for a size class.
 * Owns: large blocks (> SMALL_MAX, up to LARGE_MAX: a span of whole slices from central, reused
 * through central's free slices before they are purged) and huge blocks (a mapping each, with a
 * segment header in front so that free() finds them like any other block).
 * May call: central (spans, segment map), os (mappings).
 *
 * A huge block's header sits at the 4 MiB-aligned start of its mapping and the block follows it
 * at the requested alignment.  For alignments of 4 MiB and more the block starts one segment
 * after its header: free() looks one segment below an address it does not know. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include "large.h"
#include "central.h"
#include "init.h"
#include "os.h"
#include "stats.h"

static size_t round_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

static void *large_span_alloc(size_t size, bool zero) {
    size_t slices = (size + SLICE_SIZE - 1) >> SLICE_SHIFT;
    page_t *pg = central_alloc_span(slices, PAGE_LARGE);
    if (!pg) { errno = ENOMEM; return NULL; }
    pg->start = page_start(pg);
    pg->block_size = (uint32_t)(slices * SLICE_SIZE);
    store_relaxed(&pg->xheap, 0);
    if (zero && !pg->is_zero) memset(pg->start, 0, size);
    atomic_fetch_add_explicit(&hako_global_stats.large_alloc, 1, RELAXED);
    return pg->start;
}

/* Offset of the block from its header for an alignment (a power of two). */
static size_t huge_offset(size_t align) {
    if (align <= OS_PAGE) return SEG_HEADER_BYTES;
    if (align < SEG_SIZE) return round_up(SEG_HEADER_BYTES, align);
    return SEG_SIZE;
}

static void *huge_alloc(size_t size, size_t align) {
    size_t off = huge_offset(align);
    size_t body = round_up(size, OS_PAGE);
    if (body < size || body > (SIZE_MAX >> 2) - off - align - SEG_SIZE) { errno = ENOMEM; return NULL; }
    size_t map_size = off + body;
    uint8_t *h;
    if (align < SEG_SIZE) {
        h = os_map_aligned(map_size, SEG_SIZE, NULL);
        if (!h) return NULL;
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
    segment_t *seg = (segment_t *)h;
    seg->cookie = (uintptr_t)seg ^ hako_secret;
    seg->kind = SEG_HUGE;
    seg->map_size = map_size;
    seg->user = h + off;
    seg->user_size = body;
    seg->pages[0].kind = PAGE_HUGE;
    central_segmap_set(seg, true);
    atomic_fetch_add_explicit(&hako_global_stats.huge_alloc, 1, RELAXED);
    return seg->user;
}

void *large_alloc(size_t size, size_t align, bool zero) {
    hako_init();
    if (size > PTRDIFF_MAX) { errno = ENOMEM; return NULL; }
    void *p = (size <= LARGE_MAX && align <= SLICE_SIZE) ? large_span_alloc(size, zero) : huge_alloc(size, align);
    if (p) atomic_fetch_add_explicit(&hako_global_stats.malloc, 1, RELAXED);
    return p;
}

void large_free(page_t *pg) {
    atomic_fetch_add_explicit(&hako_global_stats.free, 1, RELAXED);
    central_free_span(pg);
}

void huge_free(segment_t *seg) {
    atomic_fetch_add_explicit(&hako_global_stats.free, 1, RELAXED);
    central_segmap_set(seg, false);
    seg->cookie = 0;
    os_unmap(seg, seg->map_size);
}

/* Grows or shrinks a huge block by moving its pages, never its bytes. */
void *huge_realloc(segment_t *seg, size_t size) {
    size_t off = (size_t)(seg->user - (uint8_t *)seg);
    if (off >= SEG_SIZE) return NULL;                   /* huge-aligned: the caller copies */
    size_t body = round_up(size, OS_PAGE);
    if (body < size) return NULL;
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
