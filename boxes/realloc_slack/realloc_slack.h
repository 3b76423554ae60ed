/* realloc_slack.h: boxes/realloc_slack, a block that realloc has to move to make it bigger moves to
 * a block at least a quarter bigger than the old one, so that the growths after it fit in place.
 * Included by src/api.c (core_realloc, where a block is about to move).
 *
 * Without it a growing block moves to the smallest block that holds the new size: a string or a
 * buffer grown a little at a time (by 10%, say) outgrows its size class at nearly every step (the
 * classes are 12.5% apart), and every step copies the whole block.  Here the new block holds at
 * least old usable + old usable / 4, so a block grown in small steps is copied about once per 25%
 * of growth; a block that grows by more than that gets what it asked for.  Only growth that moves
 * is affected (realloc within the usable size keeps the block, as before), and the slack stays
 * within LARGE_MAX, so a large block is never pushed into a huge mapping of its own by it. */
#ifndef HAKO_REALLOC_SLACK_H
#define HAKO_REALLOC_SLACK_H
#include "types.h"

/* The size to allocate for a block of `usable` bytes that must move to hold `size` bytes. */
static inline size_t realloc_slack(size_t usable, size_t size) {
    if (size <= usable) return size;                        /* shrinking: as asked */
    size_t want = usable + usable / 4;
    return want > size && want <= LARGE_MAX ? want : size;
}
#endif
