/* large_split_central.h: boxes/large_split, central's side: the spans a heap keeps go back before
 * central maps a segment for that heap's request.
 * Included by src/central.c (central_alloc_span_giving and central_mark_span, with its statics). */
#ifndef HAKO_LARGE_SPLIT_CENTRAL_H
#define HAKO_LARGE_SPLIT_CENTRAL_H

/* Central's own marking of n descriptors from s->pages[first] as one span of kind, for the heap
 * that cuts or joins spans central sees in use (no lock: no one else reads those descriptors). */
void central_mark_span(segment_t *s, unsigned first, unsigned n, enum page_kind kind) {
    span_mark(s, first, n, kind);
}

/* A span of `slices` slices marked kind.  When no mapped segment has a run for it and *k > 0, the
 * *k spans of give go back first (*k becomes 0), under the same hold of the lock, and the search
 * is made again; only then is a segment mapped.  NULL when out of memory. */
page_t *central_alloc_span_giving(size_t slices, enum page_kind kind, page_t *const *give, unsigned *k) {
    central_lock();
    page_t *pg = alloc_span_locked((unsigned)slices, kind, *k == 0);
    if (!pg) {
        for (unsigned i = 0; i < *k; i++) free_span_locked(give[i]);
        *k = 0;
        pg = alloc_span_locked((unsigned)slices, kind, true);
    }
    central_unlock();
    return pg;
}
#endif
