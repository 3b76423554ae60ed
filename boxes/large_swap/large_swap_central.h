/* large_swap_central.h: boxes/large_swap, central's side: spans given back and a span taken under
 * one hold of the central lock.
 * Included by src/central.c (central_swap_spans, with its statics). */
#ifndef HAKO_LARGE_SWAP_CENTRAL_H
#define HAKO_LARGE_SWAP_CENTRAL_H

/* The k spans of give go back to central, then (slices > 0) a span of `slices` slices marked kind
 * is taken: it, or NULL (out of memory, or slices == 0); the k spans are back either way. */
page_t *central_swap_spans(page_t *const *give, unsigned k, size_t slices, enum page_kind kind) {
    central_lock();
    for (unsigned i = 0; i < k; i++) free_span_locked(give[i]);
    page_t *pg = slices ? alloc_span_locked((unsigned)slices, kind, true) : NULL;
    central_unlock();
    return pg;
}
#endif
