/* extend_page.h: boxes/extend_page, a page's free list grows by the blocks that start on one OS
 * page (4 KiB) at a time, instead of EXTEND_BYTES (16 KiB) of blocks.
 * Included by src/hot.c (page_extend, which asks how many blocks to carve).
 *
 * Carving writes each new block's link and mark, so every OS page a carve reaches becomes
 * resident, whether or not the blocks on it are ever handed out.  With 16 KiB a carve, a thread
 * that takes one or two blocks of a class holds four resident pages of it: a server with a few
 * threads, each using a few blocks of many classes (memcached's connection and buffer sizes),
 * holds hundreds of KiB it never uses.  Here a carve takes the blocks whose first byte lies on the
 * OS page of the first uncarved block (at least one), so the writes touch that page only: a block
 * that runs over into the next page writes nothing there until it is used.  The cost: a page's
 * free list grows in four times as many slow paths (one per 4 KiB of blocks: 256 allocations of
 * 16 bytes, 4 of 1 KiB), and each slow path also hands over and takes back remote frees
 * (cache_slow_path): on mt_remote T=8 R=90, 70.7K slow paths in 6M allocations against 32.3K. */
#ifndef HAKO_EXTEND_PAGE_H
#define HAKO_EXTEND_PAGE_H
#include "types.h"

/* Blocks of bs bytes from first (the first uncarved one) that start before the next OS page. */
static inline uint32_t extend_page_blocks(const uint8_t *first, size_t bs) {
    uintptr_t end = ((uintptr_t)first | (OS_PAGE - 1)) + 1;
    return (uint32_t)((end - (uintptr_t)first + bs - 1) / bs);
}
#endif
