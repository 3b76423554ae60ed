/* cache.h: the cache layer's interface (src/cache.c): what crosses threads. */
#ifndef HAKO_CACHE_H
#define HAKO_CACHE_H
#include "types.h"

heap_t *cache_heap_acquire(void);                 /* the calling thread's heap, made or adopted */
bool    cache_thread_left(void);                  /* the calling thread's heap already left */
heap_t *cache_heap_lend(void);                    /* a heap for one allocation of a thread that left */
void    cache_heap_give_back(heap_t *h);          /* ... and back to the pool */
void    cache_remote_free(heap_t *self, heap_t *owner, block_t *b);
void    cache_drain(heap_t *h);                   /* owner: take back blocks others freed */
void    cache_slow_path(heap_t *h);               /* owner on a slow path: hand over, take back */
void    cache_push_chain(heap_t *owner, block_t *head, block_t *tail);  /* one CAS */
bool    cache_trim(void);                         /* drain abandoned heaps, return their empty pages */
void    cache_init(void);
void    cache_fork_prepare(void);
void    cache_fork_parent(void);
void    cache_fork_child(void);

/* Visit every heap ever made (for the stats dump); the callback must not allocate. */
void    cache_each_heap(void (*fn)(heap_t *h, void *arg), void *arg);

typedef struct cache_stats {
    _Atomic uint64_t heaps_made, heaps_adopted, threads_exited, remote_free_heapless, abandoned_drains, late_allocs;
#if HAKO_FULL_RECLAIM
    _Atomic uint64_t pages_reclaimed;   /* boxes/full_reclaim: full pages given back by the freer of their last block */
#endif
} cache_stats_t;
extern cache_stats_t hako_cache_stats;
#endif
