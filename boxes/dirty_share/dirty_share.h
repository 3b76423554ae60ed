/* dirty_share.h: boxes/dirty_share, free resident memory kept in proportion to the memory in use.
 * Included by src/central.c (maybe_purge).
 *
 * Central keeps freed slices resident (dirty) so that the next spans reuse warm memory instead of
 * faulting in new pages (about 15 us a 4 KiB page on the reference machine), and purges them
 * (MADV_DONTNEED) when their segment has been quiet for PURGE_DELAY_NS, or at once while the
 * dirty total is over DIRTY_BUDGET, a constant 64 MiB.  A program whose bursts free more than
 * that at a time (a wave of threads that leaves 128 MiB behind, freed by the next wave while it
 * allocates as much again) never goes quiet for the delay, so the budget alone decides: every
 * burst past 64 MiB is purged and faulted in again by the next one.  Here the budget is the
 * larger of the constant and the bytes handed out in spans now: free resident memory may be as
 * large as the memory in use, so RSS stays within twice the memory in use (or in use + 64 MiB)
 * while the program is busy, and the delay still returns everything once it is quiet. */
#ifndef HAKO_DIRTY_SHARE_H
#define HAKO_DIRTY_SHARE_H
#include <stdint.h>

/* The dirty bytes central may keep before purging at once: floor, or the bytes in use if more. */
static inline uint64_t dirty_share_budget(uint64_t floor, uint64_t in_use) {
    return in_use > floor ? in_use : floor;
}
#endif
