/* os.h: the os layer's interface (src/os.c). */
#ifndef HAKO_OS_H
#define HAKO_OS_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdatomic.h>

void *os_map(size_t size);                          /* zeroed, page aligned; NULL on failure */
void *os_map_aligned(size_t size, size_t align, void *hint); /* zeroed, aligned; NULL on failure */
void  os_unmap(void *p, size_t size);
void  os_purge(void *p, size_t size);               /* drop the pages; they read back as zero */
void *os_remap(void *p, size_t old_size, size_t new_size, size_t align); /* NULL: could not */
bool  os_shrink(void *p, size_t old_size, size_t new_size);
void  os_hugepage_hint(void *p, size_t size);
#if HAKO_CALLOC_POPULATE
void  os_populate(void *p, size_t size);            /* boxes/calloc_populate: fault in writable, zeroed */
#endif
#if HAKO_SEGMENT_ARENA
void *os_reserve(size_t size, size_t align);        /* boxes/segment_arena: addresses only (PROT_NONE); NULL on failure */
bool  os_commit(void *p, size_t size);              /* reserved -> read/write, zeroed */
void  os_recommit(void *p, size_t size);            /* decommitted -> in use again (counts it mapped) */
bool  os_decommit(void *p, size_t size);            /* drop the pages, keep them readable as zeros */
bool  os_space_limited(void);                       /* RLIMIT_AS is set: the kernel counts address space */
#endif
uint64_t os_now_ns(void);                            /* monotonic, coarse */
uint64_t os_peak_rss_bytes(void);

typedef struct os_stats {
    _Atomic uint64_t map_bytes, unmap_bytes, purged_bytes, mapped_now, mapped_peak, map_calls;
#if HAKO_CALLOC_POPULATE
    _Atomic uint64_t populated_bytes;   /* boxes/calloc_populate: calloc'ed pages faulted in at once */
#endif
} os_stats_t;
extern os_stats_t hako_os_stats;
#endif
