/* page_cap.h: boxes/page_cap, a page of one of the biggest size classes spans at most
 * PAGE_CAP_SLICES slices (or one block, when a block is bigger), not MIN_BLOCKS blocks.
 * Included by src/hot.c (class_slices, which page_new asks how big a class's page is).
 *
 * Without it every page holds at least MIN_BLOCKS (8) blocks: a page of the 16..128 KiB classes
 * spans 2..16 slices (128 KiB..1 MiB), and every thread that allocates a block of such a class
 * holds a page of it.  A thread with a few live blocks in each of those classes holds many such
 * pages, mostly empty, and they share segments with the large spans: the segments fragment, more
 * of them are mapped, and freed slices stay resident beside the pages (midsize: 25 segments for
 * some 20 MB live at 4 threads).  Here such a page spans at most PAGE_CAP_SLICES slices, so it
 * holds fewer blocks (a 64 KiB block: 2; a 128 KiB block: 1) and goes back to central as soon as
 * they are free; central's span traffic for these classes grows accordingly.  Classes of 8 KiB and
 * less (one slice holds their 8 blocks) are not changed. */
#ifndef HAKO_PAGE_CAP_H
#define HAKO_PAGE_CAP_H
#include "types.h"

#define PAGE_CAP_SLICES 2

/* Slices of a page of blocks of block_size bytes, given the MIN_BLOCKS figure `slices`. */
static inline size_t page_cap_slices(size_t block_size, size_t slices) {
    size_t one = (block_size + SLICE_SIZE - 1) / SLICE_SIZE;    /* a single block */
    if (slices <= PAGE_CAP_SLICES) return slices;
    return one > PAGE_CAP_SLICES ? one : PAGE_CAP_SLICES;
}
#endif
