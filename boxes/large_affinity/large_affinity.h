/* large_affinity.h: boxes/large_affinity, boxes/span_affinity's ranking for large spans only.
 * Included by boxes/span_best_fit/span_best_fit.h after span_affinity.h (this box requires it).
 *
 * span_affinity ranks the runs of the calling thread's segments before every other thread's, for
 * every span.  For small pages (1 and 2 slices) that costs memory: a thread cuts a slice from a
 * long run of its own segment rather than fill another thread's hole, and the small-block
 * experiments' peak RSS grew (larson, xmalloc, thread_churn; NO-GO on memory, ledger #64).  What
 * the ranking is for is large blocks: a large span (3 slices or more) that thread A freed a moment
 * ago is otherwise the best fit for B's next large block as often as for A's, and B's first writes
 * then pull every line from A's core.
 *
 * Here a span of AFFINITY_MIN_SLICES or more is ranked as under span_affinity (own segments' runs
 * first, shortest first within each group) and makes the segment the caller's; a smaller span
 * takes the shortest run anywhere, as without the box, and leaves the segment's owner as it was.
 *
 * With the box the heap's large cache (boxes/large_cache) keeps 1 MiB instead of 2 (src/types.h):
 * the thread's own freed spans now come back to it through central as well, and what the cache
 * holds central cannot use to pack spans, whose placement by owner costs fragmentation (ranked
 * with a 2 MiB cache, midsize/t2 needed an 8th segment in half its runs: ledger #79). */
#ifndef HAKO_LARGE_AFFINITY_H
#define HAKO_LARGE_AFFINITY_H

#define AFFINITY_MIN_SLICES ((unsigned)(SMALL_MAX >> SLICE_SHIFT) + 1)   /* 3: the smallest large span */

#endif
