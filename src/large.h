/* large.h: large and huge blocks (src/large.c). */
#ifndef HAKO_LARGE_H
#define HAKO_LARGE_H
#include "types.h"

void *large_alloc(size_t size, size_t align, bool zero);   /* NULL + ENOMEM on failure */
void  large_free(page_t *pg);                              /* a PAGE_LARGE span */
void  huge_free(segment_t *seg);
void *huge_realloc(segment_t *seg, size_t size);           /* NULL: caller copies instead */
#if HAKO_LARGE_INPLACE
bool  large_grow(page_t *pg, size_t size);                 /* boxes/large_inplace: false: caller moves it */
#endif
#if HAKO_LARGE_CACHE
void  large_cache_flush(heap_t *h);                        /* boxes/large_cache: kept spans back to central */
#endif
bool  large_trim(void);                                    /* unmap the cached huge mappings */
void  large_fork_prepare(void);
void  large_fork_parent(void);
void  large_fork_child(void);
#endif
