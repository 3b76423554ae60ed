/* span_affinity.h: boxes/span_affinity, a thread's new spans come from the segments it took spans
 * from before, when one of them has room.  Included by boxes/span_best_fit/span_best_fit.h.
 *
 * Without it best fit looks at every segment alike: a span that thread A freed a moment ago is
 * the best fit for thread B's next block as often as for A's, so B's first writes to it miss in
 * B's caches and pull the lines from A's core, and both threads keep writing the descriptors and
 * masks of the same segments.  Measured on midsize/t2 (default with span_best_fit, 24 runs): most
 * runs take 0.19-0.21 s, some 0.26-0.33 s, with the same counters (the allocations are the same)
 * but 50% more CPU time in the program's own page writes and in central.
 *
 * Here each indexed segment remembers the thread that last took a span from it (its thread
 * pointer; a thread that exits leaves a stale value that nobody matches, which is harmless), and
 * best fit ranks the runs of the calling thread's segments before everyone else's, shortest first
 * within each group; a new segment belongs to the thread that mapped it.  A thread still takes
 * another's free slices rather than map a segment, so the memory bound of best fit is kept. */
#ifndef HAKO_SPAN_AFFINITY_H
#define HAKO_SPAN_AFFINITY_H

#define AFFINITY_OTHER 64u               /* added to a run's length when another thread's */
#define FIT_RANK_END   (65u + AFFINITY_OTHER)

static uintptr_t fit_aff[FIT_SLOTS];     /* [central] the thread that last took a span there */

/* Who is asking: the thread pointer, one per live thread, read without a call. */
static inline uintptr_t affinity_self(void) { return (uintptr_t)__builtin_thread_pointer(); }

#endif
