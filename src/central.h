/* central.h: the central layer's interface (src/central.c). */
#ifndef HAKO_CENTRAL_H
#define HAKO_CENTRAL_H
#include "types.h"

void    central_init(void);
page_t *central_alloc_span(size_t slices, enum page_kind kind);  /* NULL: out of memory */
void    central_free_span(page_t *pg);
void   *central_meta_alloc(size_t size);                          /* zeroed, 64-aligned, never freed */
bool    central_trim(void);                                       /* purge everything purgeable */
void    central_segmap_set(void *seg, bool on);
void    central_lock(void);
void    central_unlock(void);
void    central_fork_child(void);
#if HAKO_LARGE_INPLACE
bool    central_grow_span(page_t *pg, size_t slices);             /* boxes/large_inplace */
#endif
#if HAKO_LARGE_SWAP
page_t *central_swap_spans(page_t *const *give, unsigned k, size_t slices, enum page_kind kind); /* boxes/large_swap */
#endif
#if HAKO_LARGE_SPLIT
page_t *central_alloc_span_giving(size_t slices, enum page_kind kind, page_t *const *give, unsigned *k); /* boxes/large_split */
void    central_mark_span(segment_t *s, unsigned first, unsigned n, enum page_kind kind);   /* boxes/large_split */
#endif

typedef struct central_info {
    uint64_t segments, free_bytes, dirty_bytes, span_bytes;
#if HAKO_SPAN_BEST_FIT
    uint64_t index_stale;   /* boxes/span_best_fit: index entries whose mask is not their segment's */
#endif
} central_info_t;
void central_info(central_info_t *out);

/* The first byte of a span. */
static inline uint8_t *page_start(const page_t *pg) {
    segment_t *seg = segment_of(pg);
    return (uint8_t *)seg + (size_t)(pg - seg->pages) * SLICE_SIZE;
}

typedef struct central_stats {
    _Atomic uint64_t segments_mapped, segments_unmapped, spans_alloc, spans_free, purges;
    _Atomic uint64_t span_bytes_peak;  /* the most bytes ever handed out in spans at once */
#if HAKO_LARGE_INPLACE
    _Atomic uint64_t spans_grown;   /* boxes/large_inplace: large blocks grown in place by realloc */
#endif
#if HAKO_SEGMENT_ARENA
    _Atomic uint64_t arena_segments;   /* boxes/segment_arena: segments taken from the reserved range (a released slot again counts again) */
#endif
} central_stats_t;
extern central_stats_t hako_central_stats;
#endif
