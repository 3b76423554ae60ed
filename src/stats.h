/* stats.h: counters and the exit dump (src/stats.c). */
#ifndef HAKO_STATS_H
#define HAKO_STATS_H
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>

void   stats_init(void);                        /* banner, exit hook */
size_t stats_json(char *buf, size_t cap);       /* the dump, snprintf-style */
void   stats_dump(int fd);                      /* the dump and a newline, one write */

/* Allocations and frees that no heap counts: large and huge blocks (boxes/heap_counters: those of
 * threads without a heap). */
typedef struct global_stats {
    _Atomic uint64_t malloc, free, large_alloc, huge_alloc, huge_realloc_remap, huge_cache_hit;
} global_stats_t;
extern global_stats_t hako_global_stats;
#endif
