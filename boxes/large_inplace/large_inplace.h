/* large_inplace.h: boxes/large_inplace, realloc grows a large block into the free slices that
 * follow its span, instead of allocating a new span, copying and freeing the old one.
 * Included by src/central.c (central_grow_span, under the central lock, with its statics).
 *
 * Without it realloc of a large block (a span of whole 64 KiB slices, up to LARGE_MAX) to a size
 * its span cannot hold always moves it: a new span, a copy of every byte, the old span freed.
 * Here, when the slices right after the span are free in its segment, they join the span: the
 * block keeps its address, nothing is copied, and the memory of the old span is not needed twice
 * at the moment of the move.  Otherwise the block moves as before. */
#ifndef HAKO_LARGE_INPLACE_H
#define HAKO_LARGE_INPLACE_H

/* Grows the span of pg (a PAGE_LARGE span) to `slices` slices when the ones after it are free;
 * false leaves it as it was. */
bool central_grow_span(page_t *pg, size_t slices) {
    segment_t *s = segment_of(pg);
    unsigned first = (unsigned)(pg - s->pages), n = pg->slice_count, m = (unsigned)slices;
    if (m <= n || first + m > SLICES) return false;
    uint64_t want = (((uint64_t)1 << (m - n)) - 1) << (first + n);     /* m - n < 64 */
    central_lock();
    if ((s->free_mask & want) != want) { central_unlock(); return false; }
    dirty_bytes -= (uint64_t)__builtin_popcountll(s->dirty_mask & want) * SLICE_SIZE;
    s->free_mask &= ~want;
    s->dirty_mask &= ~want;
    s->free_count -= m - n;
#if HAKO_SPAN_BEST_FIT
    fit_note(s);                                /* boxes/span_best_fit */
#endif
    span_mark(s, first, m, PAGE_LARGE);         /* the new slices point back at the first */
    span_bytes_add(m - n);
    if (s->free_count == 0 && s->next) { list_remove(s); list_push_back(s); }
    atomic_fetch_add_explicit(&hako_central_stats.spans_grown, 1, RELAXED);
    central_unlock();
    return true;
}
#endif
