/* api.h: the allocator's entry points before any api-boundary box wraps them (src/api.c).
 * Exported as hako_* (and the C library's names) directly, or through boxes/checks_full. */
#ifndef HAKO_API_H
#define HAKO_API_H
#include <stddef.h>
#include "types.h"

HIDDEN void  *core_malloc(size_t size);
HIDDEN void   core_free(void *p);
HIDDEN void  *core_calloc(size_t count, size_t size);
HIDDEN void  *core_realloc(void *p, size_t size);
HIDDEN void  *core_reallocarray(void *p, size_t count, size_t size);
HIDDEN void  *core_memalign(size_t align, size_t size);
HIDDEN void  *core_aligned_alloc(size_t align, size_t size);
HIDDEN int    core_posix_memalign(void **out, size_t align, size_t size);
HIDDEN size_t core_usable_size(const void *p);
/* The usable size of a live block, validated; an invalid pointer stops the process naming fn. */
HIDDEN size_t core_usable_size_in(const void *p, const char *fn);
#endif
